//! The system worker thread, and the work it does: IRPs the kernel issues for itself,
//! and drivers' work items.
//!
//! A kernel component (a [`Client`]: the memory manager reading a page in, say) asks for a
//! request with [`Kernel::issue_irp`]; no thread owns it, no program sees its result, and
//! the component's [`Client::completed`] is called back with it. A driver whose routine
//! runs at DISPATCH_LEVEL and has work that must run at PASSIVE_LEVEL queues a work item
//! ([`crate::DriverCtx::queue_work_item`], as IoQueueWorkItem), and the worker calls the
//! driver's [`crate::Driver::work_item`] routine.
//!
//! Both run on a system worker thread, as Windows runs kernel work items on the system
//! worker threads of its System process (Microsoft Learn: System Worker Threads). The
//! worker is created with the first client, or with the first driver that queues work
//! items; it waits until work is queued and does it in order: it builds a kernel request's
//! IRP (paying for it, as any caller does), sends it down the stack, and goes on without
//! waiting for it; it calls a driver's work routine and pays what it charges. A thread's
//! exit or CancelIo never reaches a kernel request: it is nobody's.

use crate::ids::*;
use crate::io::irp::{Irp, Major, Origin};
use crate::kernel::{Core, Kernel};
use crate::syscall::{IoMode, ProgramCtx, Syscall, ThreadProgram};
use crate::thread::{Cont, WaitFor};
use crate::trace::{WakeReason, What};
use std::fmt;

/// A kernel component that issues IRPs of its own.
pub trait Client: Send + fmt::Debug {
    /// What the component is, in a few words ("memory manager").
    fn name(&self) -> &'static str;
    /// One of its IRPs completed: `irp` holds the status, the bytes moved and, for a
    /// read, the data. Runs where the completion happened (often in a DPC).
    fn completed(&mut self, cx: &mut ClientCtx<'_>, irp: &Irp, tag: u64);
    fn clone_box(&self) -> Box<dyn Client>;
}

impl Clone for Box<dyn Client> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A request a kernel component asks for: the file, what to do, and the tag its callback
/// gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelRequest {
    pub client: ClientId,
    pub tag: u64,
    pub file: FileId,
    pub major: Major,
    pub offset: u64,
    pub len: u32,
    /// A write's data (its length is the request's).
    pub data: Option<Vec<u8>>,
}

/// What waits for the system worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// A kernel component's request, to build and send.
    Request(KernelRequest),
    /// A driver's work item, queued for `irp` (IoQueueWorkItem).
    Driver { driver: DriverId, irp: IrpId },
}

/// What a client may do when it is called back.
pub struct ClientCtx<'a> {
    pub(crate) core: &'a mut Core,
    /// Requests it asked for from inside the callback, issued once it returns.
    pub(crate) issued: Vec<KernelRequest>,
}

impl ClientCtx<'_> {
    pub fn now(&self) -> crate::Time {
        self.core.now
    }

    /// Asks for another request (issued once the callback returns).
    pub fn issue(&mut self, request: KernelRequest) {
        self.issued.push(request);
    }
}

/// The system worker's program: it runs kernel code only, so the kernel never asks it
/// for a call.
#[derive(Debug, Clone)]
pub(crate) struct KernelCode;

impl ThreadProgram for KernelCode {
    fn next(&mut self, _cx: &mut ProgramCtx<'_>) -> Syscall {
        unreachable!("a system worker runs kernel code, not a program")
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

impl Kernel {
    /// Adds a kernel component that will issue IRPs of its own; the first one brings the
    /// System process and its worker thread into the machine.
    pub fn add_client(&mut self, client: Box<dyn Client>) -> ClientId {
        self.ensure_worker();
        let id = ClientId(self.clients.len() as u16);
        self.clients.push(client);
        id
    }

    /// Brings the System process and its worker thread into the machine, once.
    pub(crate) fn ensure_worker(&mut self) {
        if self.core.worker.is_none() {
            let system = self.add_process("System", Vec::new());
            let worker = self.add_thread(system, "system worker", 0, Box::new(KernelCode));
            self.core.worker = Some(worker);
        }
    }

    /// A kernel component asks for an IRP of its own: the request waits for the system
    /// worker, which is woken if it was waiting for work.
    pub fn issue_irp(&mut self, request: KernelRequest) {
        self.core.queue_work(None, Work::Request(request));
    }

    /// Every client's name, by client number.
    pub fn client_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.clients.iter().map(|c| c.name())
    }

    /// The client's name, for sentences.
    pub fn client_name(&self, client: ClientId) -> &'static str {
        self.clients[client.0 as usize].name()
    }

    /// The system worker is free: it takes the next work item, or waits for one.
    pub(crate) fn next_work_item(&mut self, cpu: CpuId, thread: ThreadId) {
        let request = match self.core.work.pop_front() {
            Some(Work::Request(request)) => request,
            Some(Work::Driver { driver, irp }) => {
                return self.run_work_item(cpu, thread, driver, irp);
            }
            None => {
                // Windows' workers wait on a kernel queue object (KeRemoveQueue).
                let call = "KeRemoveQueue";
                self.core
                    .block(cpu, thread, call, WaitFor::WorkItem, false, None);
                return;
            }
        };
        let fo = self.core.kernel_file_object(request.file);
        let file = &self.core.files[request.file.0 as usize];
        // Kernel requests are the component's own business: cut at the end of the file
        // like any other, never past it.
        let len = request.len.min(
            file.length
                .saturating_sub(request.offset)
                .min(u64::from(u32::MAX)) as u32,
        );
        let origin = Origin::Kernel {
            client: request.client,
            tag: request.tag,
        };
        let data = request.data.map(|mut d| {
            d.resize(len as usize, 0);
            d
        });
        self.create_irp(
            cpu,
            thread,
            origin,
            fo,
            Some(request.offset),
            len,
            data,
            IoMode::Overlapped(None),
        );
    }

    /// The worker calls a driver's work routine, at PASSIVE_LEVEL in its own thread, and
    /// pays what the routine charged before the completions it asked for are delivered.
    fn run_work_item(&mut self, cpu: CpuId, thread: ThreadId, driver: DriverId, irp: IrpId) {
        self.core.trace(
            Some(cpu),
            What::WorkItemRan {
                driver,
                irp,
                thread,
            },
        );
        let ((), charged, completions) =
            self.with_driver(driver, Some(cpu), |d, io| d.work_item(io, irp));
        let then = Cont::AfterRoutines {
            completions,
            then: Box::new(Cont::NextOp),
        };
        self.work(cpu, thread, charged, then);
    }

    /// A kernel IRP's completion has run its course up the stack: the client's callback
    /// gets the result, then the IRP is freed.
    pub(crate) fn client_completion(&mut self, cpu: Option<CpuId>, id: IrpId) {
        let irp = self.core.irp(id).clone();
        let Origin::Kernel { client, tag } = irp.origin else {
            unreachable!("only kernel IRPs complete to a client");
        };
        self.core.file_objects[irp.file_object.0 as usize].refs -= 1;
        self.core.trace(
            cpu,
            What::ClientCalledBack {
                irp: id,
                client,
                status: irp.status,
                bytes: irp.information,
            },
        );
        let mut cx = ClientCtx {
            core: &mut self.core,
            issued: Vec::new(),
        };
        self.clients[client.0 as usize].completed(&mut cx, &irp, tag);
        let issued = cx.issued;
        self.core.retire_irp(id);
        self.core.trace(cpu, What::IrpFreed { irp: id });
        for request in issued {
            self.core.queue_work(cpu, Work::Request(request));
        }
    }
}

impl Core {
    /// Queues work for the system worker and wakes it if it waits for work.
    pub(crate) fn queue_work(&mut self, cpu: Option<CpuId>, work: Work) {
        let what = |queued| match &work {
            Work::Request(request) => What::KernelRequestQueued {
                client: request.client,
                queued,
            },
            &Work::Driver { driver, irp } => What::WorkItemQueued {
                driver,
                irp,
                queued,
            },
        };
        let what = what(self.work.len() as u32 + 1);
        self.work.push_back(work);
        self.trace(cpu, what);
        let worker = self
            .worker
            .expect("a client, or a driver that queues work items, brought the worker");
        if self.threads[worker.0 as usize].wait == Some(WaitFor::WorkItem) {
            self.wake(cpu, worker, WakeReason::WorkQueued, 0, Cont::NextOp);
        }
    }

    /// The file object the kernel uses for its own requests on `file` (opened once, with
    /// no handle).
    pub(crate) fn kernel_file_object(&mut self, file: FileId) -> FileObjectId {
        if let Some(&fo) = self.kernel_files.get(&file) {
            self.file_objects[fo.0 as usize].refs += 1;
            return fo;
        }
        let fo = FileObjectId(self.file_objects.len() as u32);
        self.file_objects.push(crate::io::FileObject {
            id: fo,
            file,
            opening: crate::driver::Opening::File,
            // The kernel's requests always name their offsets and never wait.
            synchronous: false,
            position: 0,
            port: None,
            skip_port_on_success: false,
            lock: None,
            lock_waiters: std::collections::VecDeque::new(),
            signalled: false,
            waiters: Vec::new(),
            // One reference is the kernel's own, kept for the run; one is this request's.
            refs: 2,
            handles: 0,
        });
        self.kernel_files.insert(file, fo);
        fo
    }
}
