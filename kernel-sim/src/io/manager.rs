//! The I/O manager: opening files, building IRPs and sending them down the driver stack,
//! giving control back to the caller, and — when the driver completes an IRP — choosing
//! how the result reaches the program (wake a waiter, queue an APC, or queue a
//! completion packet).
//!
//! The path of one read, numbered as in the diagrams of "Asynchronous I/O in Windows"
//! (source 003):
//! 1. the program calls ReadFile or ReadFileEx: the thread enters the kernel;
//! 2. the I/O manager builds an IRP with the parameters and the file object;
//! 3. the driver's dispatch routine queues it and returns STATUS_PENDING;
//! 4. the I/O manager returns control to the caller;
//! 5. the driver programs the device (here: a DMA descriptor);
//! 6. the device finishes and interrupts; the ISR runs;
//! 7. the driver's DPC completes the IRP;
//! 8. the I/O manager queues an APC to the issuing thread (or a packet to the port);
//! 9. the APC waits in the thread's queue;
//! 10. the thread enters an alertable wait;
//! 11. the routine runs in that thread;
//! 12. the wait returns and the thread carries on.

use crate::completion::Packet;
use crate::driver::Dispatch;
use crate::exec::io_result;
use crate::ids::*;
use crate::io::irp::checksum;
use crate::io::{FileObject, Irp, IrpState, Major, Object, StackLocation, Status};
use crate::kernel::{Core, Kernel};
use crate::syscall::{IoMode, SyscallResult};
use crate::thread::{Apc, Cont, ThreadState, WaitFor};
use crate::trace::{WakeReason, What};

impl Core {
    /// CreateFile: a new file object and a handle to it.
    pub(crate) fn open(&mut self, cpu: CpuId, thread: ThreadId, path: &str) -> Option<Handle> {
        let file = self.files.iter().find(|f| f.name == path)?.id;
        let object = FileObjectId(self.file_objects.len() as u32);
        self.file_objects.push(FileObject {
            id: object,
            file,
            position: 0,
            port: None,
            refs: 1,
        });
        let process = self.threads[thread.0 as usize].process;
        let handle = self.processes[process.0 as usize]
            .handles
            .insert(Object::File(object));
        self.trace(
            Some(cpu),
            What::FileOpened {
                thread,
                handle,
                file,
                object,
            },
        );
        Some(handle)
    }

    /// CloseHandle. The file object lives on while IRPs still refer to it.
    pub(crate) fn close(&mut self, cpu: CpuId, thread: ThreadId, handle: Handle) -> bool {
        let process = self.threads[thread.0 as usize].process;
        let Some(object) = self.processes[process.0 as usize].handles.remove(handle) else {
            return false;
        };
        if let Object::File(fo) = object {
            self.file_objects[fo.0 as usize].refs -= 1;
        }
        self.trace(Some(cpu), What::HandleClosed { thread, handle });
        true
    }

    /// The last thread of a process exited: its handles are closed.
    pub(crate) fn close_all_handles(&mut self, cpu: CpuId, thread: ThreadId, process: ProcessId) {
        let handles: Vec<Handle> = self.processes[process.0 as usize]
            .handles
            .iter()
            .map(|(h, _)| h)
            .collect();
        for h in handles {
            self.close(cpu, thread, h);
        }
    }

    pub(crate) fn create_port(&mut self, cpu: CpuId, thread: ThreadId, concurrency: u32) -> Handle {
        let concurrency = if concurrency == 0 {
            self.cpus.len() as u32
        } else {
            concurrency
        };
        let port = PortId(self.ports.len() as u32);
        let process = self.threads[thread.0 as usize].process;
        self.ports.push(crate::completion::CompletionPort {
            id: port,
            process,
            concurrency,
            packets: Default::default(),
            waiters: Vec::new(),
            running: 0,
        });
        let handle = self.processes[process.0 as usize]
            .handles
            .insert(Object::Port(port));
        self.trace(
            Some(cpu),
            What::PortCreated {
                port,
                concurrency,
                handle,
            },
        );
        handle
    }

    /// IoCompleteRequest, the I/O manager's half: record the result and send it on its
    /// completion path.
    pub(crate) fn complete_irp(
        &mut self,
        cpu: Option<CpuId>,
        id: IrpId,
        status: Status,
        bytes: u32,
    ) {
        let irp = self.irp_mut(id);
        assert!(
            !matches!(irp.state, IrpState::Completed | IrpState::Delivered),
            "{id} completed twice"
        );
        irp.state = IrpState::Completed;
        irp.status = status;
        irp.information = bytes;
        irp.checksum = checksum(&irp.buffer[..bytes as usize]);
        let (major, thread, mode, fo, sum) = (
            irp.major,
            irp.thread,
            irp.mode,
            irp.file_object,
            irp.checksum,
        );
        self.stats.irps_completed += 1;
        match major {
            Major::Read => self.stats.bytes_read += u64::from(bytes),
            Major::Write => self.stats.bytes_written += u64::from(bytes),
        }
        self.trace(
            cpu,
            What::IrpCompleted {
                irp: id,
                status,
                bytes,
                checksum: sum,
            },
        );
        let file_object = &mut self.file_objects[fo.0 as usize];
        file_object.refs -= 1;
        let port = file_object.port;
        match (mode, port) {
            (IoMode::Apc(routine), _) => {
                let apc = Apc {
                    irp: id,
                    routine,
                    status,
                    bytes,
                };
                self.queue_apc(cpu, thread, apc);
            }
            (IoMode::Overlapped, Some((port, key))) => {
                let packet = Packet {
                    irp: Some(id),
                    key,
                    bytes,
                    status,
                };
                self.queue_packet(cpu, port, packet);
            }
            (IoMode::Overlapped | IoMode::Sync, _) => {
                let t = &self.threads[thread.0 as usize];
                if t.wait == Some(WaitFor::Irp(id)) {
                    let result = io_result(self.irp(id));
                    self.wake(cpu, thread, WakeReason::IoCompleted, Cont::Deliver(result));
                }
            }
        }
    }

    /// The result has reached the program: the IRP is freed (the trace keeps its story).
    pub(crate) fn retire_irp(&mut self, id: IrpId) {
        self.irps.remove(&id);
    }
}

impl Kernel {
    /// ReadFile / WriteFile and their Ex forms: build the IRP (step 2).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start_io(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        name: &'static str,
        handle: Handle,
        offset: Option<u64>,
        len: u32,
        data: Option<Vec<u8>>,
        mode: IoMode,
    ) {
        let process = self.core.threads[thread.0 as usize].process;
        let fo = match self.core.processes[process.0 as usize].handles.get(handle) {
            Some(Object::File(fo)) => fo,
            _ => {
                self.core.trace(
                    Some(cpu),
                    crate::trace::What::SyscallFailed {
                        thread,
                        call: name,
                        status: Status::InvalidHandle,
                    },
                );
                return self.finish(cpu, thread, SyscallResult::Failed(Status::InvalidHandle));
            }
        };
        let object = &mut self.core.file_objects[fo.0 as usize];
        let file = &self.core.files[object.file.0 as usize];
        let offset = offset.unwrap_or(object.position);
        if offset >= file.length || len == 0 {
            let status = if len == 0 {
                Status::InvalidParameter
            } else {
                Status::EndOfFile
            };
            self.core.trace(
                Some(cpu),
                What::SyscallFailed {
                    thread,
                    call: name,
                    status,
                },
            );
            return self.finish(cpu, thread, SyscallResult::Failed(status));
        }
        // Requests are cut at the end of the file, as a file system would.
        let len = len.min((file.length - offset).min(u64::from(u32::MAX)) as u32);
        object.position = offset + u64::from(len);
        object.refs += 1;
        let (device, device_offset) = (file.device, file.start + offset);
        let major = if data.is_some() {
            Major::Write
        } else {
            Major::Read
        };
        let buffer = match data {
            Some(mut d) => {
                d.truncate(len as usize);
                d
            }
            None => vec![0; len as usize],
        };
        let id = IrpId(self.core.next_irp);
        self.core.next_irp += 1;
        self.core.irps.insert(
            id,
            Irp {
                id,
                major,
                offset,
                len,
                buffer,
                file_object: fo,
                thread,
                mode,
                stack: vec![StackLocation {
                    device,
                    major,
                    device_offset,
                    len,
                }],
                current: 0,
                state: IrpState::Created,
                status: Status::Pending,
                information: 0,
                checksum: 0,
            },
        );
        self.core.stats.irps_issued += 1;
        self.core.trace(
            Some(cpu),
            What::IrpCreated {
                irp: id,
                thread,
                major,
                offset,
                len,
            },
        );
        let cost = self.core.costs.irp_alloc_ns;
        self.work(cpu, thread, cost, Cont::SendIrp(id));
    }

    /// IoCallDriver: the IRP goes to the driver at its current stack location (step 3).
    pub(crate) fn send_irp(&mut self, cpu: CpuId, thread: ThreadId, id: IrpId) {
        let irp = self.core.irp_mut(id);
        irp.state = IrpState::Dispatched;
        let (device, stack_location) = (irp.location().device, irp.current);
        self.core.trace(
            Some(cpu),
            What::IrpDispatched {
                irp: id,
                device,
                stack_location,
            },
        );
        let (outcome, charged) = self.with_driver(device, Some(cpu), |d, io| d.dispatch(io, id));
        if outcome == Dispatch::Pending {
            self.core.trace(Some(cpu), What::IrpPending { irp: id });
        }
        let cost = self.core.costs.dispatch_ns + charged;
        self.work(cpu, thread, cost, Cont::Return(id));
    }

    /// The dispatch routine returned; the I/O manager gives control back (step 4). A
    /// synchronous caller now waits for the IRP unless it is already complete.
    pub(crate) fn io_return(&mut self, cpu: CpuId, thread: ThreadId, id: IrpId) {
        let Some(irp) = self.core.irps.get(&id) else {
            // Already completed and delivered (through an APC or a port).
            self.core.trace(
                Some(cpu),
                What::IoReturned {
                    thread,
                    irp: id,
                    pending: false,
                },
            );
            return self.finish(cpu, thread, SyscallResult::Pending(id));
        };
        let done = irp.state == IrpState::Completed;
        let mode = irp.mode;
        self.core.trace(
            Some(cpu),
            What::IoReturned {
                thread,
                irp: id,
                pending: !done,
            },
        );
        match mode {
            IoMode::Sync if done => {
                let result = io_result(self.core.irp(id));
                self.core.trace(
                    Some(cpu),
                    What::IoDelivered {
                        thread,
                        irp: id,
                        bytes: self.core.irp(id).information,
                    },
                );
                self.core.retire_irp(id);
                self.finish(cpu, thread, result);
            }
            IoMode::Sync => self.core.block(cpu, thread, WaitFor::Irp(id), false, None),
            IoMode::Overlapped | IoMode::Apc(_) => {
                debug_assert_ne!(
                    self.core.threads[thread.0 as usize].state,
                    ThreadState::Terminated
                );
                self.finish(cpu, thread, SyscallResult::Pending(id));
            }
        }
    }
}
