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
use crate::driver::Completion;
use crate::driver::{AfterCompletion, Dispatch, Opening};
use crate::exec::io_result;
use crate::ids::*;
use crate::io::irp::checksum;
use crate::io::{
    FileKind, FileObject, Irp, IrpState, Major, Object, Origin, StackLocation, Status,
};
use crate::kernel::{Core, Kernel};
use crate::syscall::{IoMode, Syscall, SyscallResult};
use crate::thread::{Apc, Cont, Overlapped, ThreadState, WaitFor};
use crate::trace::{WakeReason, What};
use std::sync::Arc;

impl Core {
    /// The call holding a synchronous file object's I/O has returned: the next thread
    /// waiting for it gets it and goes on with its call.
    pub(crate) fn unlock_file_object(&mut self, cpu: Option<CpuId>, fo: FileObjectId) {
        let object = &mut self.file_objects[fo.0 as usize];
        object.lock = None;
        if let Some((next, call)) = object.lock_waiters.pop_front() {
            object.lock = Some(next);
            self.thread_mut(next).file_lock = Some(fo);
            self.wake(cpu, next, WakeReason::FileUnlocked, 0, Cont::Perform(call));
        }
    }

    /// CloseHandle. The file object lives on while IRPs still refer to it.
    /// Removes a handle from `thread`'s process and releases its object; the object, or
    /// `None` for a handle the process does not have.
    pub(crate) fn close(&mut self, cpu: CpuId, thread: ThreadId, handle: Handle) -> Option<Object> {
        self.close_handle(cpu, thread, handle, false)
    }

    /// Closes one handle; `at_exit` when the process's end closes it.
    fn close_handle(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        handle: Handle,
        at_exit: bool,
    ) -> Option<Object> {
        let process = self.threads[thread.0 as usize].process;
        let object = self.processes[process.0 as usize].handles.remove(handle)?;
        let others = match object {
            Object::File(fo) => Some(self.file_objects[fo.0 as usize].handles - 1),
            Object::Port(p) => Some(self.ports[p.0 as usize].handles - 1),
            Object::Event(_) | Object::Semaphore(_) | Object::Thread(_) => None,
        };
        self.trace(
            Some(cpu),
            What::HandleClosed {
                thread,
                handle,
                others,
                at_exit,
            },
        );
        self.release(Some(cpu), object);
        Some(object)
    }

    /// The last thread of a process exited: its handles are closed. Returns the file
    /// objects whose last handle that was (to clean up).
    pub(crate) fn close_all_handles(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        process: ProcessId,
    ) -> Vec<FileObjectId> {
        let handles: Vec<Handle> = self.processes[process.0 as usize]
            .handles
            .iter()
            .map(|(h, _)| h)
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match self.close_handle(cpu, thread, h, true) {
                Some(Object::File(fo)) if self.file_objects[fo.0 as usize].handles == 0 => Some(fo),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn create_port(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        concurrency: u32,
        name: String,
    ) -> Handle {
        let concurrency = if concurrency == 0 {
            self.cpus.len() as u32
        } else {
            concurrency
        };
        let port = PortId(self.ports.len() as u32);
        let process = self.threads[thread.0 as usize].process;
        self.ports.push(crate::completion::CompletionPort {
            id: port,
            name,
            process,
            concurrency,
            packets: Default::default(),
            waiters: Vec::new(),
            running: 0,
            handles: 1,
            closed: false,
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

    /// What completing `irp` with `bytes` transferred costs the CPU that completes it:
    /// copying a read's data to the caller's buffer, and queueing a packet when the file
    /// is bound to a completion port.
    pub(crate) fn completion_cost(&self, id: IrpId, bytes: u32) -> u64 {
        let irp = self.irp(id);
        if irp.state == IrpState::Held {
            // Completed once already: the I/O manager's part is still to come, once.
            return 0;
        }
        let copy = match irp.major {
            Major::Read => self.costs.copy_ns(u64::from(bytes)),
            // A buffered write was copied into the system buffer before it was sent.
            Major::Write => 0,
        };
        let bound = irp.mode.is_overlapped()
            && self.file_objects[irp.file_object.0 as usize]
                .port
                .is_some_and(|(p, _)| !self.ports[p.0 as usize].closed);
        copy + if bound { self.costs.port_ns } else { 0 }
    }

    /// The driver at the bottom of the stack completed the IRP (IoCompleteRequest): the
    /// result is recorded and traced, once. Completion routines run next (see
    /// [`Kernel::complete_irp`]), then [`Core::io_completion`].
    pub(crate) fn record_completion(
        &mut self,
        cpu: Option<CpuId>,
        id: IrpId,
        status: Status,
        bytes: u32,
    ) {
        let irp = self.irp_mut(id);
        assert!(irp.state != IrpState::Completed, "{id} completed twice");
        irp.state = IrpState::Completed;
        irp.status = status;
        irp.information = bytes;
        irp.checksum = checksum(&irp.buffer[..bytes as usize]);
        let (major, sum) = (irp.major, irp.checksum);
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
    }

    /// Whether the file object is open on a stream (a pipe), whose requests have no
    /// offsets.
    pub(crate) fn is_stream(&self, object: FileObjectId) -> bool {
        let file = self.file_objects[object.0 as usize].file;
        matches!(self.files[file.0 as usize].kind, FileKind::Pipe { .. })
    }

    /// The I/O manager's half of completion, once every completion routine has run:
    /// send the result on its completion path and free the IRP. Whatever still has to
    /// reach the program travels without it: in the thread's wake-up, an APC, a
    /// completion packet, or the OVERLAPPED the program will wait on.
    pub(crate) fn io_completion(&mut self, cpu: Option<CpuId>, id: IrpId) {
        let irp = self.irp(id);
        let (status, bytes, thread, mode, fo) = (
            irp.status,
            irp.information,
            irp.thread()
                .expect("the kernel's own IRPs complete to their client"),
            irp.mode,
            irp.file_object,
        );
        // Failed inside its dispatch routine: the call itself reports it (see
        // `Kernel::io_return`); no APC, packet or event (Microsoft Learn: Synchronous and
        // Asynchronous I/O).
        let failed_at_submission = !irp.pending_returned && status.is_error();
        // Completed inside its dispatch routine: the caller is still in its call, which
        // returns success at once (the completion is still reported as the caller asked).
        let at_once = !irp.pending_returned;
        let result = io_result(self.irp(id));
        let file_object = &mut self.file_objects[fo.0 as usize];
        file_object.refs -= 1;
        let (port, synchronous, skip) = (
            file_object.port,
            file_object.synchronous,
            file_object.skip_port_on_success,
        );
        let caller_waiting = self.threads[thread.0 as usize].wait == Some(WaitFor::Irp(id));
        if !failed_at_submission && mode != IoMode::Sync && !caller_waiting {
            if synchronous {
                // An OVERLAPPED on a synchronous handle: the call waits for the result
                // and finds it when it goes on.
                self.thread_mut(thread).sync_result = Some(result);
            } else if at_once {
                self.thread_mut(thread).sync_result = Some(SyscallResult::CompletedAtOnce(id));
            }
        }
        match mode {
            _ if failed_at_submission => {
                self.thread_mut(thread).sync_result = Some(SyscallResult::Failed(status));
            }
            IoMode::Apc(routine) => {
                let apc = Apc {
                    irp: Some(id),
                    routine,
                    status,
                    bytes,
                };
                self.queue_apc(cpu, thread, apc);
            }
            IoMode::Sync => {
                if self.threads[thread.0 as usize].wait == Some(WaitFor::Irp(id)) {
                    self.wake(
                        cpu,
                        thread,
                        WakeReason::IoCompleted,
                        0,
                        Cont::Deliver(result),
                    );
                } else {
                    // Completed before the caller began to wait: it finds the result
                    // when its call goes on.
                    self.thread_mut(thread).sync_result = Some(result);
                }
            }
            IoMode::Overlapped(overlapped) => {
                // The request's event is signalled whether or not a packet also goes to
                // a port (Microsoft Learn: GetQueuedCompletionStatus, and OVERLAPPED).
                let process = self.threads[thread.0 as usize].process;
                if let Some(ov) = overlapped {
                    let record = self.processes[process.0 as usize].overlapped.get_mut(&ov);
                    if let Some(record) = record.filter(|r| r.irp == id) {
                        record.result = Some(result);
                    }
                }
                let waiters: Vec<ThreadId> = self.processes[process.0 as usize]
                    .threads
                    .iter()
                    .copied()
                    .filter(|t| self.threads[t.0 as usize].wait == Some(WaitFor::Irp(id)))
                    .collect();
                for waiter in waiters {
                    self.wake(
                        cpu,
                        waiter,
                        WakeReason::IoCompleted,
                        0,
                        Cont::Deliver(result),
                    );
                }
                match port {
                    // "If ... a request returns success immediately without returning
                    // ERROR_PENDING", the I/O manager queues no packet (Microsoft Learn:
                    // SetFileCompletionNotificationModes function).
                    Some((port, _)) if skip && at_once && !status.is_error() => {
                        self.trace(cpu, What::PacketSkipped { irp: id, port });
                    }
                    Some((port, key)) => {
                        let packet = Packet {
                            irp: Some(id),
                            key,
                            bytes,
                            status,
                            overlapped,
                        };
                        self.queue_packet(cpu, port, packet);
                    }
                    None => {}
                }
            }
        }
        // A request that failed in its dispatch routine signals nothing, as it queues no
        // APC or packet: the call itself reports the failure.
        if !failed_at_submission {
            self.file_objects[fo.0 as usize].signalled = true;
            self.wake_waiters(cpu, crate::io::Object::File(fo));
        }
        self.retire_irp(id);
        self.trace(cpu, What::IrpFreed { irp: id });
    }

    /// The IRP's work is over: it is freed (the trace keeps its story).
    pub(crate) fn retire_irp(&mut self, id: IrpId) {
        if let Some(irp) = self.irps.remove(&id) {
            self.held_bytes -= irp.buffer.len() as u64 + crate::kernel::held::IRP;
        }
    }
}

impl Kernel {
    /// A new file object for `file` and a handle to it in `thread`'s process, once the
    /// file's driver agrees (its create routine, IRP_MJ_CREATE); its failure status if
    /// not.
    pub(crate) fn open_object(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        call: &'static str,
        file: FileId,
        opening: Opening,
        synchronous: bool,
    ) -> Result<Handle, Status> {
        let object = FileObjectId(self.core.file_objects.len() as u32);
        self.core.file_objects.push(FileObject {
            id: object,
            file,
            opening,
            synchronous,
            position: 0,
            port: None,
            skip_port_on_success: false,
            lock: None,
            lock_waiters: std::collections::VecDeque::new(),
            signalled: false,
            waiters: Vec::new(),
            refs: 1,
            handles: 1,
        });
        let device = self.core.files[file.0 as usize].device;
        let driver = self.function_driver(device);
        let (status, _, completions) = self.with_driver(driver, Some(cpu), |d, io| {
            d.create(io, object, file, opening)
        });
        debug_assert!(completions.is_empty(), "a create routine completes no IRP");
        if status != Status::Success {
            // Refused: the file object is never referred to.
            self.core.file_objects[object.0 as usize].refs = 0;
            self.core.file_objects[object.0 as usize].handles = 0;
            return Err(status);
        }
        let process = self.core.threads[thread.0 as usize].process;
        let handle = self.core.processes[process.0 as usize]
            .handles
            .insert(Object::File(object));
        self.core.trace(
            Some(cpu),
            What::FileOpened {
                call,
                thread,
                handle,
                file,
                object,
            },
        );
        Ok(handle)
    }

    /// CreateFile on a named file: a file, or the client end of a named pipe; for
    /// overlapped I/O or not.
    pub(crate) fn open(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        path: &str,
        overlapped: bool,
    ) -> Result<Handle, Status> {
        // A name is a file, or a named pipe; an anonymous pipe cannot be opened by name.
        let Some(file) = self
            .core
            .files
            .iter()
            .find(|f| f.name == path && !matches!(f.kind, FileKind::Pipe { named: false, .. }))
        else {
            return Err(Status::ObjectNameNotFound);
        };
        let opening = match file.kind {
            FileKind::Pipe { .. } => Opening::NamedPipeClient,
            FileKind::Extent => Opening::File,
        };
        let file = file.id;
        self.open_object(cpu, thread, "CreateFile", file, opening, !overlapped)
    }

    /// CreatePipe (a read end and a write end; `overlapped` none) or CreateNamedPipe (the
    /// server's end, for overlapped I/O or not): a new pipe file on the machine's pipe
    /// device, opened. Anonymous pipes do only synchronous I/O.
    pub(crate) fn create_pipe(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        name: String,
        capacity: u32,
        overlapped: Option<bool>,
    ) -> Result<SyscallResult, Status> {
        let named = overlapped.is_some();
        let device = self.core.pipe_device.ok_or(Status::InvalidParameter)?;
        // Every instance of a named pipe is an instance of the one file of that name
        // (NPFS keeps one file control block per name and one per instance below it), so
        // a client finds them all by the name; iosim gives each the buffer size the
        // first asked for.
        let existing = named
            .then(|| {
                self.core.files.iter().find(|f| {
                    f.name == name && matches!(f.kind, FileKind::Pipe { named: true, .. })
                })
            })
            .flatten()
            .map(|f| f.id);
        let file = match existing {
            Some(file) => file,
            None => {
                let file = FileId(self.core.files.len() as u32);
                self.core.files.push(crate::io::File {
                    id: file,
                    name,
                    device,
                    start: 0,
                    length: 0,
                    kind: FileKind::Pipe { capacity, named },
                });
                file
            }
        };
        if named {
            let server = self.open_object(
                cpu,
                thread,
                "CreateNamedPipe",
                file,
                Opening::NamedPipeServer,
                overlapped != Some(true),
            )?;
            return Ok(SyscallResult::Handle(server));
        }
        let read = self.open_object(cpu, thread, "CreatePipe", file, Opening::PipeReadEnd, true)?;
        let write =
            self.open_object(cpu, thread, "CreatePipe", file, Opening::PipeWriteEnd, true)?;
        Ok(SyscallResult::HandlePair(read, write))
    }

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
            _ => return self.fail(cpu, thread, name, Status::InvalidHandle),
        };
        let object = &self.core.file_objects[fo.0 as usize];
        let file = &self.core.files[object.file.0 as usize];
        let file_length = file.length;
        let pipe = matches!(file.kind, FileKind::Pipe { .. });
        // Anonymous pipes do not support asynchronous I/O: "you cannot use the ReadFileEx
        // and WriteFileEx functions with anonymous pipes. In addition, the lpOverlapped
        // parameter of ReadFile and WriteFile is ignored" (Microsoft Learn: Anonymous Pipe
        // Operations). iosim fails the Ex calls with ERROR_INVALID_PARAMETER (a scenario is
        // refused when it is loaded), and does ReadFile and WriteFile as if no OVERLAPPED
        // were given.
        let mode = match (mode, &file.kind) {
            (IoMode::Apc(_), FileKind::Pipe { named: false, .. }) => {
                return self.fail(cpu, thread, name, Status::InvalidParameter);
            }
            // "After an instance of an open handle is associated with an I/O completion
            // port, it cannot be used in the ReadFileEx or WriteFileEx function"
            // (Microsoft Learn: CreateIoCompletionPort function); a duplicate of it neither.
            (IoMode::Apc(_), _) if object.port.is_some() => {
                return self.fail(cpu, thread, name, Status::InvalidParameter);
            }
            (IoMode::Overlapped(_), FileKind::Pipe { named: false, .. }) => IoMode::Sync,
            _ => mode,
        };
        if len == 0 {
            return self.fail(cpu, thread, name, Status::InvalidParameter);
        }
        // "If this flag is not specified, then I/O operations are serialized, even if the
        // calls to the read and write functions specify an OVERLAPPED structure"
        // (Microsoft Learn: CreateFile function, FILE_FLAG_OVERLAPPED): a read or write on
        // a synchronous file object waits until the one in progress on it is over.
        if object.synchronous {
            match object.lock {
                Some(owner) if owner != thread => {
                    let call = match data {
                        Some(data) => Syscall::Write {
                            handle,
                            offset,
                            data,
                            mode,
                        },
                        None => Syscall::Read {
                            handle,
                            offset,
                            len,
                            mode,
                        },
                    };
                    self.core.file_objects[fo.0 as usize]
                        .lock_waiters
                        .push_back((thread, call));
                    let wait = WaitFor::FileLock(fo);
                    return self.core.block(cpu, thread, name, wait, false, None);
                }
                Some(_) => {}
                None => {
                    self.core.file_objects[fo.0 as usize].lock = Some(thread);
                    self.core.thread_mut(thread).file_lock = Some(fo);
                }
            }
        }
        let object = &self.core.file_objects[fo.0 as usize];
        // A handle opened with FILE_FLAG_OVERLAPPED: "the ReadFile and WriteFile functions
        // must specify an OVERLAPPED structure", and "the system does not maintain the file
        // pointer", so each request names its offset (Microsoft Learn: CreateFile).
        // ReadFileEx takes "any handle opened with the FILE_FLAG_OVERLAPPED flag" (ReadFileEx
        // function): iosim fails it on a synchronous handle, as it does the others,
        // with ERROR_INVALID_PARAMETER, and a scenario is refused when it is loaded.
        let synchronous = object.synchronous;
        let misused = match mode {
            IoMode::Sync => !synchronous,
            IoMode::Apc(_) => synchronous,
            IoMode::Overlapped(_) => false,
        };
        if misused || (!synchronous && !pipe && offset.is_none()) {
            return self.fail(cpu, thread, name, Status::InvalidParameter);
        }
        // A pipe is a stream: no offsets, no end of file; its driver decides.
        let offset = if pipe {
            0
        } else {
            offset.unwrap_or(object.position)
        };
        if !pipe && offset >= file_length {
            // On a synchronous handle with no OVERLAPPED, "ReadFile returns TRUE and sets
            // *lpNumberOfBytesRead to zero"; with an OVERLAPPED, or on a handle for
            // overlapped I/O, it fails with ERROR_HANDLE_EOF (Microsoft Learn: ReadFile
            // function; Testing for the End of a File). A write there
            // would extend the file in Windows; iosim's files keep their length, so it fails
            // with ERROR_HANDLE_EOF too (a simplification the README lists).
            let file = object.file;
            if data.is_none() && mode == IoMode::Sync {
                self.core.trace(
                    Some(cpu),
                    What::ReadAtEndOfFile {
                        thread,
                        file,
                        offset,
                    },
                );
                return self.finish(cpu, thread, SyscallResult::Done);
            }
            return self.fail(cpu, thread, name, Status::EndOfFile);
        }
        // Requests are cut at the end of the file, as a file system would.
        let len = if pipe {
            len
        } else {
            len.min((file_length - offset).min(u64::from(u32::MAX)) as u32)
        };
        // On a synchronous handle the position moves past the transfer, even when an
        // OVERLAPPED gave the offset ("The system updates the OVERLAPPED offset and the file
        // pointer before ReadFile returns": ReadFile function).
        if !pipe && synchronous {
            self.core.file_objects[fo.0 as usize].position = offset + u64::from(len);
        }
        let offset = (!pipe).then_some(offset);
        self.create_irp(
            cpu,
            thread,
            Origin::Thread(thread),
            fo,
            offset,
            len,
            data,
            mode,
        );
    }

    /// Builds the IRP for a request checked already (step 2) and sends it on its way,
    /// on `thread`'s time: the caller's own, or the system worker's for the kernel's
    /// request. `offset` is none on a stream.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_irp(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        origin: Origin,
        fo: FileObjectId,
        offset: Option<u64>,
        len: u32,
        data: Option<Vec<u8>>,
        mode: IoMode,
    ) {
        let more = u64::from(len) + crate::kernel::held::IRP;
        if !self.check_bytes(more, "a new request and its buffer") {
            // The run stops here: nothing more is scheduled.
            return;
        }
        let file = self.core.file_objects[fo.0 as usize].file;
        let (device, start) = {
            let f = &self.core.files[file.0 as usize];
            (f.device, f.start)
        };
        // "If the hEvent member of the OVERLAPPED structure is NULL, the system uses the
        // state of the hFile handle to signal when the operation has been completed"
        // (Microsoft Learn: Synchronization and Overlapped Input and Output): the file
        // object is reset as a request starts, and set when it completes.
        let object = &mut self.core.file_objects[fo.0 as usize];
        object.refs += 1;
        object.signalled = false;
        let device_offset = start + offset.unwrap_or(0);
        // One stack location per driver in the device's stack, the top one first.
        let stack = self.core.stacks[device.0 as usize]
            .iter()
            .map(|&driver| StackLocation {
                driver,
                device,
                major: if data.is_some() {
                    Major::Write
                } else {
                    Major::Read
                },
                device_offset,
                len,
                completion: false,
            })
            .collect();
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
        self.core.held_bytes += buffer.len() as u64 + crate::kernel::held::IRP;
        if let (IoMode::Overlapped(Some(ov)), Origin::Thread(caller)) = (mode, origin) {
            // The OVERLAPPED now describes this request; its event is reset.
            let process = self.core.threads[caller.0 as usize].process;
            self.core.processes[process.0 as usize].overlapped.insert(
                ov,
                Overlapped {
                    irp: id,
                    result: None,
                },
            );
        }
        self.core.irps.insert(
            id,
            Irp {
                id,
                major,
                offset: offset.unwrap_or(0),
                len,
                buffer: Arc::new(buffer),
                file_object: fo,
                origin,
                mode,
                stack,
                current: 0,
                state: IrpState::Created,
                status: Status::Pending,
                information: 0,
                checksum: 0,
                cancel: false,
                taken_back: false,
                pending_returned: false,
            },
        );
        self.core.stats.irps_issued += 1;
        self.core.trace(
            Some(cpu),
            What::IrpCreated {
                irp: id,
                thread: match origin {
                    Origin::Thread(t) => Some(t),
                    Origin::Kernel { .. } => None,
                },
                major,
                offset,
                len,
            },
        );
        // Buffered I/O: a write's data is copied into the system buffer now, by the
        // caller's thread, before the IRP goes to the driver (Microsoft Learn: Using
        // Buffered I/O).
        let copy = match major {
            Major::Write => self.core.costs.copy_ns(u64::from(len)),
            Major::Read => 0,
        };
        let cost = self.core.costs.irp_alloc_ns.saturating_add(copy);
        self.work(cpu, thread, cost, Cont::SendIrp(id));
    }

    /// IoCallDriver: the IRP goes to the driver at its current stack location (step 3).
    /// The dispatch routine's own look at the IRP is paid first.
    pub(crate) fn send_irp(&mut self, cpu: CpuId, thread: ThreadId, id: IrpId) {
        let stream = self.core.is_stream(self.core.irp(id).file_object);
        let irp = self.core.irp_mut(id);
        irp.state = IrpState::Dispatched;
        let location = irp.location();
        let (device, driver, device_offset, stack_location) = (
            location.device,
            location.driver,
            (!stream).then_some(location.device_offset),
            irp.current,
        );
        self.core.trace(
            Some(cpu),
            What::IrpDispatched {
                irp: id,
                device,
                driver,
                stack_location,
                device_offset,
            },
        );
        let cost = self.core.costs.dispatch_ns;
        self.work(cpu, thread, cost, Cont::Dispatch(id));
    }

    /// The dispatch routine acts on the IRP; what it charges is paid before what comes
    /// next: the driver below gets the IRP, StartIo runs, or the call returns.
    pub(crate) fn dispatch(&mut self, cpu: CpuId, thread: ThreadId, id: IrpId) {
        let irp = self.core.irp(id);
        let (driver, mode) = (irp.location().driver, irp.mode);
        // On a synchronous handle every read and write waits in the kernel, with an
        // OVERLAPPED or without; the kernel's own requests never do.
        let waits = matches!(irp.origin, Origin::Thread(_))
            && self.core.file_objects[irp.file_object.0 as usize].synchronous;
        let call = match (irp.major, mode) {
            (Major::Read, IoMode::Apc(_)) => "ReadFileEx",
            (Major::Read, _) => "ReadFile",
            (Major::Write, IoMode::Apc(_)) => "WriteFileEx",
            (Major::Write, _) => "WriteFile",
        };
        let (outcome, charged, completions) =
            self.with_driver(driver, Some(cpu), |d, io| d.dispatch(io, id));
        debug_assert_eq!(
            outcome == Dispatch::Completed,
            completions.iter().any(|c| c.irp == id),
            "a dispatch routine completes its IRP exactly when it says so"
        );
        let ret = Cont::Return {
            irp: id,
            mode,
            call,
            waits,
            completions,
        };
        match outcome {
            Dispatch::PassDown { completion } => {
                let irp = self.core.irp_mut(id);
                let here = irp.current as usize;
                assert!(
                    here + 1 < irp.stack.len(),
                    "{driver} passed {id} down from the bottom of its stack"
                );
                irp.stack[here].completion = completion;
                irp.current += 1;
                self.core.trace(
                    Some(cpu),
                    What::IrpPassedDown {
                        irp: id,
                        driver,
                        completion,
                    },
                );
                self.work(cpu, thread, charged, Cont::SendIrp(id));
            }
            // StartIo follows at once when the dispatch routine charged nothing.
            Dispatch::Pending if charged == 0 => {
                self.core.irp_mut(id).pending_returned = true;
                self.run_start_io(cpu, thread, driver, ret)
            }
            Dispatch::Pending => {
                self.core.irp_mut(id).pending_returned = true;
                let start = Cont::StartIo {
                    driver,
                    then: Box::new(ret),
                };
                self.work(cpu, thread, charged, start);
            }
            Dispatch::Completed => self.work(cpu, thread, charged, ret),
        }
    }

    /// The dispatch routine pended its IRP: the I/O manager calls the driver's StartIo
    /// routine, so it can hand waiting requests to the hardware; its cost is paid
    /// before the call returns.
    pub(crate) fn run_start_io(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        driver: DriverId,
        then: Cont,
    ) {
        let (_, charged, completions) = self.with_driver(driver, Some(cpu), |d, io| d.start_io(io));
        let then = match then {
            Cont::Return {
                irp,
                mode,
                call,
                waits,
                completions: before,
            } => Cont::Return {
                irp,
                mode,
                call,
                waits,
                completions: before.into_iter().chain(completions).collect(),
            },
            other => other,
        };
        self.work(cpu, thread, charged, then);
    }

    /// IoCompleteRequest for `id` by the driver holding it: the result is recorded (once),
    /// then the completion routines of the drivers above run bottom-up, each exactly
    /// once, until one holds the IRP (STATUS_MORE_PROCESSING_REQUIRED) or the top is
    /// reached and the I/O manager finishes. Returns the CPU time the completion
    /// routines charged, for the caller to pay.
    pub(crate) fn complete_irp(
        &mut self,
        cpu: Option<CpuId>,
        id: IrpId,
        status: Status,
        bytes: u32,
    ) -> u64 {
        let irp = self.core.irp_mut(id);
        if irp.state == IrpState::Held {
            // The driver that held it completes it again: on up from its location.
            irp.state = IrpState::Completed;
            irp.status = status;
            irp.information = bytes;
            let driver = irp.location().driver;
            self.core
                .trace(cpu, What::IrpCompletionResumed { irp: id, driver });
        } else {
            self.core.record_completion(cpu, id, status, bytes);
        }
        let mut charged = 0;
        loop {
            let irp = self.core.irp_mut(id);
            let Some(level) = irp.current.checked_sub(1) else {
                break;
            };
            irp.current = level;
            let location = &mut irp.stack[level as usize];
            if !std::mem::take(&mut location.completion) {
                continue;
            }
            let driver = location.driver;
            let (after, cost, others) = self.with_driver(driver, cpu, |d, io| d.completion(io, id));
            charged += cost;
            let held = after == AfterCompletion::MoreProcessingRequired;
            self.core.trace(
                cpu,
                What::CompletionRoutineRan {
                    irp: id,
                    driver,
                    stack_location: level,
                    held,
                },
            );
            if held {
                self.core.irp_mut(id).state = IrpState::Held;
            }
            // A completion routine may complete IRPs its driver held before (say, the
            // pieces of a request it split): their completion goes on up from there.
            for c in others {
                charged += self.complete_irp(cpu, c.irp, c.status, c.bytes);
            }
            if held {
                return charged;
            }
        }
        match self.core.irp(id).origin {
            Origin::Thread(_) => self.core.io_completion(cpu, id),
            Origin::Kernel { .. } => self.client_completion(cpu, id),
        }
        charged
    }

    /// The dispatch routine returned; the I/O manager gives control back (step 4). A
    /// synchronous caller now waits for the IRP unless it is already complete.
    pub(crate) fn io_return(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        id: IrpId,
        (mode, call, waits): (IoMode, &'static str, bool),
        completions: Vec<Completion>,
    ) {
        let mut charged = 0;
        for c in completions {
            charged += self.complete_irp(Some(cpu), c.irp, c.status, c.bytes);
        }
        if charged > 0 {
            // Completion routines ran on the way up: their time is paid first.
            let ret = Cont::Return {
                irp: id,
                mode,
                call,
                waits,
                completions: Vec::new(),
            };
            return self.work(cpu, thread, charged, ret);
        }
        if self.core.worker == Some(thread) {
            // The kernel's own request: the worker does not wait for it.
            return self.finish(cpu, thread, SyscallResult::Done);
        }
        // What the completion left for the call, if the IRP is done already.
        let at_once = self.core.thread_mut(thread).sync_result.take();
        self.core.trace(
            Some(cpu),
            What::IoReturned {
                thread,
                irp: id,
                pending: at_once.is_none(),
                sync: waits,
            },
        );
        debug_assert!(
            waits || mode != IoMode::Sync,
            "ReadFile without an OVERLAPPED waits"
        );
        match at_once {
            // Failed at submission: the call fails, and that is all the caller learns.
            Some(SyscallResult::Failed(status)) => self.fail(cpu, thread, call, status),
            // Done inside dispatch on a handle for overlapped I/O: TRUE at once.
            Some(done @ SyscallResult::CompletedAtOnce(_)) => self.finish(cpu, thread, done),
            // A synchronous handle whose request is over: the call returns its result.
            Some(result) => self.deliver(cpu, thread, result),
            // A synchronous handle: the call waits in the kernel, with an OVERLAPPED or
            // without, until the completion wakes it with the result.
            None if waits => self
                .core
                .block(cpu, thread, call, WaitFor::Irp(id), false, None),
            // The dispatch routine returned STATUS_PENDING: FALSE and ERROR_IO_PENDING,
            // even if the IRP has completed since.
            None => {
                debug_assert_ne!(
                    self.core.threads[thread.0 as usize].state,
                    ThreadState::Terminated
                );
                self.finish(cpu, thread, SyscallResult::Pending(id));
            }
        }
    }
}
