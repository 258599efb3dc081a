//! Carrying out a thread's work: each time a thread's piece of CPU work ends, its
//! continuation says what comes next — ask the program for a call, perform a call whose
//! entry cost is paid, move an IRP along, hand a result back, or run queued APCs.

use crate::completion::port::{Dequeue, packet_result};
use crate::ids::*;
use crate::io::cancel::CancelReason;
use crate::io::{Object, Status};
use crate::kernel::Kernel;
use crate::syscall::{ProgramCtx, Syscall, SyscallResult};
use crate::thread::{Cont, Segment, ThreadState, WaitFor};
use crate::trace::What;

impl Kernel {
    /// Runs the continuation of `thread`, whose frame is on top of `cpu`.
    pub(crate) fn advance(&mut self, cpu: CpuId, thread: ThreadId, cont: Cont) {
        match cont {
            Cont::NextOp => self.next_op(cpu, thread),
            Cont::Computed { ns, since } => {
                let wall_ns = self.core.now - since;
                if wall_ns > ns {
                    self.core.trace(
                        Some(cpu),
                        What::ComputeStretched {
                            thread,
                            ns,
                            wall_ns,
                        },
                    );
                }
                self.next_op(cpu, thread);
            }
            Cont::Perform(call) => self.perform(cpu, thread, call),
            Cont::SendIrp(irp) => self.send_irp(cpu, thread, irp),
            Cont::Dispatch(irp) => self.dispatch(cpu, thread, irp),
            Cont::StartIo { driver, then } => self.run_start_io(cpu, thread, driver, *then),
            Cont::Return {
                irp,
                mode,
                call,
                waits,
                completions,
            } => self.io_return(cpu, thread, irp, (mode, call, waits), completions),
            Cont::Deliver(result) => self.deliver(cpu, thread, result),
            Cont::Fail { call, status } => self.fail(cpu, thread, call, status),
            Cont::AfterRoutines { completions, then } => {
                self.after_routines(cpu, thread, completions, *then)
            }
            Cont::Exit => self.exit_thread(cpu, thread),
            Cont::WaitDone {
                call,
                result,
                object,
            } => self.wait_done(cpu, thread, call, result, object),
            Cont::Post { port, packet } => {
                self.core.queue_packet(Some(cpu), port, packet);
                self.finish(cpu, thread, SyscallResult::Done);
            }
            Cont::RunApcs { ran, at_start } => self.run_next_apc(cpu, thread, ran, at_start),
        }
    }

    /// Gives the thread its next piece of work and starts it on `cpu`.
    pub(crate) fn work(&mut self, cpu: CpuId, thread: ThreadId, ns: u64, cont: Cont) {
        self.core.thread_mut(thread).segment = Segment {
            remaining: ns,
            cont,
        };
        self.core.cpu_resume(cpu);
    }

    /// The call returns `result` to the program, which goes on at once.
    pub(crate) fn finish(&mut self, cpu: CpuId, thread: ThreadId, result: SyscallResult) {
        let t = self.core.thread_mut(thread);
        t.last = result;
        if let Some(fo) = t.file_lock.take() {
            self.core.unlock_file_object(Some(cpu), fo);
        }
        let t = self.core.thread_mut(thread);
        if let Some(call) = t.call.take() {
            let (returned, error) = crate::syscall::win32_return(call, &result);
            self.core.trace(
                Some(cpu),
                What::CallReturned {
                    thread,
                    call,
                    returned,
                    error,
                },
            );
        }
        self.next_op(cpu, thread);
    }

    /// Hands a request's result to the program that waited for it (traced when it is an
    /// I/O result).
    pub(crate) fn deliver(&mut self, cpu: CpuId, thread: ThreadId, result: SyscallResult) {
        if let SyscallResult::Io {
            irp, bytes, status, ..
        } = result
        {
            self.core.trace(
                Some(cpu),
                What::IoDelivered {
                    thread,
                    irp,
                    bytes,
                    status,
                },
            );
        }
        self.finish(cpu, thread, result);
    }

    fn next_op(&mut self, cpu: CpuId, thread: ThreadId) {
        if self.core.worker == Some(thread) {
            return self.next_work_item(cpu, thread);
        }
        let t = self.core.thread_mut(thread);
        if !std::mem::replace(&mut t.began, true) && !t.apcs.is_empty() {
            return self.run_next_apc(cpu, thread, 0, true);
        }
        let core = &mut self.core;
        let t = &mut core.threads[thread.0 as usize];
        let process = &mut core.processes[t.process.0 as usize];
        let mut cx = ProgramCtx {
            now: core.now,
            thread,
            last: &t.last,
            vars: &mut process.vars,
            rng: &mut t.rng,
        };
        // Inside an APC routine with a body, the routine's program makes the calls.
        let in_routine = !self.routine_programs[thread.0 as usize].is_empty();
        let call = match self.routine_programs[thread.0 as usize].last_mut() {
            Some(body) => body.next(&mut cx),
            None => self.programs[thread.0 as usize].next(&mut cx),
        };
        if in_routine && call == Syscall::Exit {
            return self.return_from_routine(cpu, thread);
        }
        match call {
            Syscall::Compute { ns, pass } => {
                self.core
                    .trace(Some(cpu), What::ThreadComputed { thread, ns, pass });
                let since = self.core.now;
                self.work(cpu, thread, ns, Cont::Computed { ns, since });
            }
            Syscall::Exit => {
                // IoCancelThreadIo: the thread's requests are cancelled before it goes.
                let irps = self.requests_of(thread);
                self.cancel_then(cpu, thread, irps, CancelReason::ThreadExit, Cont::Exit);
            }
            call => {
                self.core.thread_mut(thread).call = Some(call.name());
                self.core.trace(
                    Some(cpu),
                    What::SyscallEntered {
                        thread,
                        call: call.name(),
                    },
                );
                let cost = self.core.costs.syscall_ns;
                self.work(cpu, thread, cost, Cont::Perform(call));
            }
        }
    }

    /// The call fails with `status`: traced, and the program goes on.
    pub(crate) fn fail(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        call: &'static str,
        status: Status,
    ) {
        self.core.trace(
            Some(cpu),
            What::SyscallFailed {
                thread,
                call,
                status,
            },
        );
        self.finish(cpu, thread, SyscallResult::Failed(status));
    }

    /// A wait with a zero timeout found nothing to take: it returns WAIT_TIMEOUT without
    /// waiting (Microsoft Learn: WaitForSingleObjectEx, GetQueuedCompletionStatus).
    fn timed_out_at_once(&mut self, cpu: CpuId, thread: ThreadId, call: &'static str) {
        self.core
            .trace(Some(cpu), What::TimedOutAtOnce { thread, call });
        self.finish(cpu, thread, SyscallResult::Timeout);
    }

    fn handle_object(&self, thread: ThreadId, h: Handle) -> Option<Object> {
        let p = self.core.threads[thread.0 as usize].process;
        self.core.processes[p.0 as usize].handles.get(h)
    }

    fn port_of(&self, thread: ThreadId, h: Handle) -> Option<PortId> {
        match self.handle_object(thread, h)? {
            Object::Port(p) => Some(p),
            _ => None,
        }
    }

    /// A wait on objects returns `result` to the program (traced).
    fn wait_done(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        call: &'static str,
        result: crate::object::WaitResult,
        object: Option<Object>,
    ) {
        self.core.trace(
            Some(cpu),
            What::WaitReturned {
                thread,
                call,
                result,
                object,
            },
        );
        self.core.drop_wait_refs(cpu, thread);
        self.finish(cpu, thread, crate::kernel::Core::wait_result(result));
    }

    /// The system call's entry cost is paid: carry it out.
    fn perform(&mut self, cpu: CpuId, thread: ThreadId, call: Syscall) {
        let name = call.name();
        match call {
            Syscall::Compute { .. } | Syscall::Exit => unreachable!("handled in next_op"),
            Syscall::Open { path, overlapped } => match self.open(cpu, thread, &path, overlapped) {
                Ok(h) => self.finish(cpu, thread, SyscallResult::Handle(h)),
                Err(status) => self.fail(cpu, thread, name, status),
            },
            Syscall::CreatePipe {
                capacity,
                name: pipe,
            } => match self.create_pipe(cpu, thread, pipe, capacity, None) {
                Ok(result) => self.finish(cpu, thread, result),
                Err(status) => self.fail(cpu, thread, name, status),
            },
            Syscall::CreateNamedPipe {
                capacity,
                name: pipe,
                overlapped,
            } => match self.create_pipe(cpu, thread, pipe, capacity, Some(overlapped)) {
                Ok(result) => self.finish(cpu, thread, result),
                Err(status) => self.fail(cpu, thread, name, status),
            },
            Syscall::Close { handle } => {
                let then = Cont::Deliver(SyscallResult::Done);
                if !self.close_handle(cpu, thread, handle, then) {
                    self.fail(cpu, thread, name, Status::InvalidHandle);
                }
            }
            Syscall::CancelIo { handle } => {
                let Some(Object::File(fo)) = self.handle_object(thread, handle) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                let irps = self.requests_on(fo, Some(thread));
                let then = Cont::Deliver(SyscallResult::Done);
                self.cancel_then(cpu, thread, irps, CancelReason::CancelIo, then);
            }
            Syscall::QueueApc {
                thread: target,
                routine,
            } => {
                let Some(Object::Thread(target)) = self.handle_object(thread, target) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                // "When the thread is in the process of being terminated, calling
                // QueueUserAPC to add to the thread's APC queue will fail with (31)
                // ERROR_GEN_FAILURE" (Microsoft Learn: QueueUserAPC function); so it does for
                // a thread that is gone.
                if self.core.threads[target.0 as usize].state == ThreadState::Terminated {
                    return self.fail(cpu, thread, name, Status::Unsuccessful);
                }
                let apc = crate::thread::Apc {
                    irp: None,
                    routine,
                    status: Status::Success,
                    bytes: 0,
                };
                self.core.queue_apc(Some(cpu), target, apc);
                self.finish(cpu, thread, SyscallResult::Done);
            }
            Syscall::SkipPortOnSuccess { handle } => {
                let Some(Object::File(fo)) = self.handle_object(thread, handle) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                self.core.file_objects[fo.0 as usize].skip_port_on_success = true;
                self.core
                    .trace(Some(cpu), What::SkipsPortOnSuccess { thread, object: fo });
                self.finish(cpu, thread, SyscallResult::Done);
            }
            Syscall::CancelIoEx { handle, overlapped } => {
                let Some(Object::File(fo)) = self.handle_object(thread, handle) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                let mut irps = self.requests_on(fo, None);
                if let Some(ov) = overlapped {
                    // "only those specific I/O requests that were issued for the file with
                    // the specified lpOverlapped overlapped structure are marked as
                    // canceled" (Microsoft Learn: CancelIoEx function): every one of them,
                    // if the program issued several with one OVERLAPPED.
                    let process = self.core.threads[thread.0 as usize].process;
                    irps.retain(|&irp| {
                        let irp = self.core.irp(irp);
                        irp.mode == crate::syscall::IoMode::Overlapped(Some(ov))
                            && irp
                                .thread()
                                .is_some_and(|t| self.core.threads[t.0 as usize].process == process)
                    });
                }
                if irps.is_empty() {
                    // Nothing in flight to cancel: FALSE, ERROR_NOT_FOUND.
                    return self.fail(cpu, thread, name, Status::NotFound);
                }
                let then = Cont::Deliver(SyscallResult::Done);
                self.cancel_then(cpu, thread, irps, CancelReason::CancelIoEx, then);
            }
            Syscall::Read {
                handle,
                offset,
                len,
                mode,
            } => self.start_io(cpu, thread, name, handle, offset, len, None, mode),
            Syscall::Write {
                handle,
                offset,
                data,
                mode,
            } => {
                let len = data.len() as u32;
                self.start_io(cpu, thread, name, handle, offset, len, Some(data), mode)
            }
            Syscall::Sleep { ns, alertable } => {
                let alertable = alertable.unwrap_or(false);
                if alertable && !self.core.threads[thread.0 as usize].apcs.is_empty() {
                    self.run_next_apc(cpu, thread, 0, false);
                } else {
                    self.core
                        .block(cpu, thread, name, WaitFor::Sleep, alertable, Some(ns));
                }
            }
            Syscall::WaitIo {
                overlapped,
                alertable,
                timeout_ns,
            } => {
                let record = self.overlapped_record(thread, overlapped);
                match record {
                    // No request was ever issued with this OVERLAPPED.
                    None => self.fail(cpu, thread, name, Status::InvalidParameter),
                    // Its event is signalled: the wait returns at once.
                    Some(r) if r.result.is_some() => {
                        self.deliver(cpu, thread, r.result.expect("checked"));
                    }
                    Some(_)
                        if alertable && !self.core.threads[thread.0 as usize].apcs.is_empty() =>
                    {
                        self.run_next_apc(cpu, thread, 0, false)
                    }
                    // A zero timeout tests the event and never waits.
                    Some(_) if timeout_ns == Some(0) => self.timed_out_at_once(cpu, thread, name),
                    Some(r) => self.core.block(
                        cpu,
                        thread,
                        name,
                        WaitFor::Irp(r.irp),
                        alertable,
                        timeout_ns,
                    ),
                }
            }
            // "If the bWait parameter is FALSE and the operation is still pending, the
            // function returns FALSE and the GetLastError function returns
            // ERROR_IO_INCOMPLETE" (Microsoft Learn: GetOverlappedResult function).
            Syscall::GetOverlappedResult { overlapped, wait } => {
                let record = self.overlapped_record(thread, overlapped);
                match record {
                    None => self.fail(cpu, thread, name, Status::InvalidParameter),
                    Some(r) if r.result.is_some() => {
                        self.deliver(cpu, thread, r.result.expect("checked"));
                    }
                    Some(_) if !wait => self.fail(cpu, thread, name, Status::IoIncomplete),
                    Some(r) => self
                        .core
                        .block(cpu, thread, name, WaitFor::Irp(r.irp), false, None),
                }
            }
            Syscall::CreatePort {
                concurrency,
                name: port_name,
            } => {
                let h = self.core.create_port(cpu, thread, concurrency, port_name);
                self.finish(cpu, thread, SyscallResult::Handle(h));
            }
            Syscall::Bind { file, port, key } => {
                let fo = match self.handle_object(thread, file) {
                    Some(Object::File(fo)) => Some(fo),
                    _ => None,
                };
                // "If a handle is provided, it has to have been opened for overlapped I/O
                // completion" (Microsoft Learn: CreateIoCompletionPort function).
                // "A handle can be associated with only one I/O completion port, and after
                // the association is made, the handle remains associated with that I/O
                // completion port until it is closed" (same page): a second association
                // fails, with ERROR_INVALID_PARAMETER (iosim's choice of code: the page
                // names none).
                if fo.is_some_and(|fo| {
                    let object = &self.core.file_objects[fo.0 as usize];
                    object.synchronous || object.port.is_some()
                }) {
                    return self.fail(cpu, thread, name, Status::InvalidParameter);
                }
                let port_handle = port;
                match (fo, self.port_of(thread, port)) {
                    (Some(fo), Some(port)) => {
                        self.core.file_objects[fo.0 as usize].port = Some((port, key));
                        self.core.trace(
                            Some(cpu),
                            What::FileBound {
                                object: fo,
                                port,
                                key,
                            },
                        );
                        // CreateIoCompletionPort returns the port's handle it was given.
                        self.finish(cpu, thread, SyscallResult::Handle(port_handle));
                    }
                    _ => self.fail(cpu, thread, name, Status::InvalidHandle),
                }
            }
            Syscall::GetQueued { port, timeout_ns } => {
                let Some(port) = self.port_of(thread, port) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                match self.core.get_queued(cpu, thread, port, timeout_ns) {
                    Dequeue::Got(packet) => {
                        let cost = self.core.costs.port_ns;
                        self.work(cpu, thread, cost, Cont::Deliver(packet_result(packet)));
                    }
                    Dequeue::TimedOut => {
                        self.core.port_thread_unblocked(Some(cpu), thread);
                        self.timed_out_at_once(cpu, thread, name)
                    }
                    Dequeue::Blocked => {
                        self.core
                            .block(cpu, thread, name, WaitFor::Port(port), false, timeout_ns)
                    }
                }
            }
            // "If the parameter is TRUE and there are no available entries, the function
            // performs an alertable wait"; it removes up to ulCount entries at once
            // (Microsoft Learn: GetQueuedCompletionStatusEx function).
            Syscall::GetQueuedEx {
                port,
                count,
                timeout_ns,
                alertable,
            } => {
                let Some(port) = self.port_of(thread, port) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                if count == 0 {
                    return self.fail(cpu, thread, name, Status::InvalidParameter);
                }
                // A packet is available if the thread could take it: the thread stops
                // counting as running while it looks, so its own slot is free to it.
                let p = &self.core.ports[port.0 as usize];
                let own = &self.core.threads[thread.0 as usize];
                let own_slot = u32::from(own.port == Some(port) && own.counted);
                let available = !p.packets.is_empty() && p.running - own_slot < p.concurrency;
                if alertable && !available && !self.core.threads[thread.0 as usize].apcs.is_empty()
                {
                    return self.run_next_apc(cpu, thread, 0, false);
                }
                self.core.thread_mut(thread).batch = count;
                match self.core.get_queued(cpu, thread, port, timeout_ns) {
                    Dequeue::Got(_) => {
                        let batch = std::mem::take(&mut self.core.thread_mut(thread).batch);
                        let more = self.core.take_batch(Some(cpu), port, thread, batch - 1);
                        let cost = self.core.costs.port_ns.saturating_mul(u64::from(1 + more));
                        let result = SyscallResult::Packets(1 + more);
                        self.work(cpu, thread, cost, Cont::Deliver(result));
                    }
                    Dequeue::TimedOut => {
                        self.core.thread_mut(thread).batch = 0;
                        self.core.port_thread_unblocked(Some(cpu), thread);
                        self.timed_out_at_once(cpu, thread, name)
                    }
                    Dequeue::Blocked => {
                        let wait = WaitFor::Port(port);
                        self.core
                            .block(cpu, thread, name, wait, alertable, timeout_ns)
                    }
                }
            }
            Syscall::CreateEvent {
                manual_reset,
                signalled,
                name: event_name,
            } => {
                let h = self
                    .core
                    .create_event(cpu, thread, event_name, manual_reset, signalled);
                self.finish(cpu, thread, SyscallResult::Handle(h));
            }
            Syscall::SetEvent { event } | Syscall::ResetEvent { event } => {
                let Some(Object::Event(e)) = self.handle_object(thread, event) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                if name == "SetEvent" {
                    self.core.set_event(cpu, thread, e);
                } else {
                    self.core.reset_event(cpu, thread, e);
                }
                self.finish(cpu, thread, SyscallResult::Done);
            }
            Syscall::CreateSemaphore {
                count,
                max,
                name: semaphore_name,
            } => {
                if max == 0 || count > max {
                    return self.fail(cpu, thread, name, Status::InvalidParameter);
                }
                let h = self
                    .core
                    .create_semaphore(cpu, thread, semaphore_name, count, max);
                self.finish(cpu, thread, SyscallResult::Handle(h));
            }
            Syscall::ReleaseSemaphore { semaphore, count } => {
                let Some(Object::Semaphore(s)) = self.handle_object(thread, semaphore) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                if count == 0 {
                    return self.fail(cpu, thread, name, Status::InvalidParameter);
                }
                if !self.core.release_semaphore(cpu, thread, s, count) {
                    return self.fail(cpu, thread, name, Status::TooManyPosts);
                }
                self.finish(cpu, thread, SyscallResult::Done);
            }
            Syscall::OpenThread { thread: target } => {
                let h = self.core.new_handle(cpu, thread, Object::Thread(target));
                self.finish(cpu, thread, SyscallResult::Handle(h));
            }
            Syscall::DuplicateHandle { handle } => {
                let Some(object) = self.handle_object(thread, handle) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                self.core.add_ref(object);
                let h = self.core.new_handle(cpu, thread, object);
                self.finish(cpu, thread, SyscallResult::Handle(h));
            }
            Syscall::WaitObjects {
                handles,
                all,
                alertable,
                timeout_ns,
            } => self.wait_objects(cpu, thread, name, &handles, all, alertable, timeout_ns),
            Syscall::Post {
                port,
                key,
                bytes,
                overlapped,
            } => {
                let Some(port) = self.port_of(thread, port) else {
                    return self.fail(cpu, thread, name, Status::InvalidHandle);
                };
                let packet = crate::completion::Packet {
                    irp: None,
                    key,
                    bytes,
                    status: Status::Success,
                    overlapped,
                };
                let cost = self.core.costs.port_ns;
                self.work(cpu, thread, cost, Cont::Post { port, packet });
            }
        }
    }

    /// What the process of `thread` knows of its OVERLAPPED `overlapped`: the request
    /// last issued with it and its result, if a request ever was.
    fn overlapped_record(
        &self,
        thread: ThreadId,
        overlapped: OverlappedId,
    ) -> Option<crate::thread::Overlapped> {
        let process = self.core.threads[thread.0 as usize].process;
        self.core.processes[process.0 as usize]
            .overlapped
            .get(&overlapped)
            .copied()
    }

    /// WaitForSingleObjectEx / WaitForMultipleObjectsEx: returns at once if the wait can
    /// be satisfied, runs queued APCs if it is alertable, returns WAIT_TIMEOUT at once
    /// for a zero timeout, and otherwise waits.
    #[allow(clippy::too_many_arguments)]
    fn wait_objects(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        name: &'static str,
        handles: &[Handle],
        all: bool,
        alertable: bool,
        timeout_ns: Option<u64>,
    ) {
        let objects: Option<Vec<Object>> = handles
            .iter()
            .map(|&h| {
                self.handle_object(thread, h)
                    .filter(|&o| self.core.is_waitable(o))
            })
            .collect();
        let Some(objects) = objects else {
            return self.fail(cpu, thread, name, Status::InvalidHandle);
        };
        if objects.is_empty() || objects.len() > crate::object::MAX_WAIT_OBJECTS {
            return self.fail(cpu, thread, name, Status::InvalidParameter);
        }
        // A wait for all may not name one object twice (through two handles to it):
        // NtWaitForMultipleObjects refuses it with STATUS_INVALID_PARAMETER_MIX, which
        // the caller sees as ERROR_INVALID_PARAMETER (Windows Research Kernel,
        // ob/obwait.c). A wait for any may.
        let twice = objects
            .iter()
            .enumerate()
            .any(|(i, o)| objects[..i].contains(o));
        if all && twice {
            return self.fail(cpu, thread, name, Status::InvalidParameter);
        }
        if let Some(index) = self.core.try_wait(&objects, all) {
            let result = crate::object::WaitResult::Object { index };
            let object = (!all).then(|| objects[index as usize]);
            return self.wait_done(cpu, thread, name, result, object);
        }
        if alertable && !self.core.threads[thread.0 as usize].apcs.is_empty() {
            return self.run_next_apc(cpu, thread, 0, false);
        }
        if timeout_ns == Some(0) {
            return self.timed_out_at_once(cpu, thread, name);
        }
        self.core.enlist(thread, &objects);
        self.core.block(
            cpu,
            thread,
            name,
            WaitFor::Objects { all },
            alertable,
            timeout_ns,
        );
    }

    /// Runs the next queued APC in `thread`, which is in an alertable wait (or has not
    /// begun, with `at_start`); when the queue is empty the wait returns
    /// WAIT_IO_COMPLETION (or the thread begins its program).
    fn run_next_apc(&mut self, cpu: CpuId, thread: ThreadId, ran: u32, at_start: bool) {
        let t = self.core.thread_mut(thread);
        match t.apcs.pop_front() {
            Some(apc) => {
                let process = t.process;
                self.core.held_bytes -= crate::kernel::held::APC;
                let routine_cost = self.core.processes[process.0 as usize].routines
                    [apc.routine.0 as usize]
                    .cost_ns;
                self.core.stats.apcs_run += 1;
                self.core.trace(
                    Some(cpu),
                    What::ApcRun {
                        thread,
                        irp: apc.irp,
                        routine: apc.routine,
                        status: apc.status,
                        bytes: apc.bytes,
                        at_start,
                    },
                );
                let cost = self.core.costs.apc_dispatch_ns.saturating_add(routine_cost);
                // A routine that makes calls runs them as a program of its own, in this
                // thread, which goes back to its wait when the routine returns.
                if let Some(body) = self.programs[thread.0 as usize].routine(apc.routine) {
                    let t = self.core.thread_mut(thread);
                    let frame = crate::thread::ApcFrame {
                        routine: apc.routine,
                        ran: ran + 1,
                        at_start,
                        call: t.call.take(),
                        wait_refs: std::mem::take(&mut t.wait_refs),
                    };
                    t.apc_frames.push(frame);
                    self.routine_programs[thread.0 as usize].push(body);
                    return self.work(cpu, thread, cost, Cont::NextOp);
                }
                let next = Cont::RunApcs {
                    ran: ran + 1,
                    at_start,
                };
                self.work(cpu, thread, cost, next);
            }
            None if at_start => self.next_op(cpu, thread),
            None => {
                self.core
                    .trace(Some(cpu), What::AlertableWaitReturned { thread, apcs: ran });
                self.core.drop_wait_refs(cpu, thread);
                self.finish(cpu, thread, SyscallResult::IoCompletion);
            }
        }
    }

    /// The APC routine the thread is in has made its last call: it returns, and the
    /// thread goes back to the wait it ran the routine from (the next APC, or the wait's
    /// WAIT_IO_COMPLETION).
    fn return_from_routine(&mut self, cpu: CpuId, thread: ThreadId) {
        self.routine_programs[thread.0 as usize].pop();
        let t = self.core.thread_mut(thread);
        let frame = t.apc_frames.pop().expect("a routine body has its frame");
        t.call = frame.call;
        t.wait_refs = frame.wait_refs;
        self.core.trace(
            Some(cpu),
            What::ApcReturned {
                thread,
                routine: frame.routine,
            },
        );
        self.run_next_apc(cpu, thread, frame.ran, frame.at_start);
    }

    fn exit_thread(&mut self, cpu: CpuId, thread: ThreadId) {
        self.core.discard_apcs(Some(cpu), thread);
        self.core.port_thread_exited(Some(cpu), thread);
        self.core.thread_mut(thread).state = ThreadState::Terminated;
        // The requests its exit cancelled but whose drivers could not take them back:
        // they run to their end.
        let in_flight = self
            .requests_of(thread)
            .iter()
            .filter(|irp| !self.core.irp(**irp).taken_back)
            .count() as u32;
        self.core
            .trace(Some(cpu), What::ThreadExited { thread, in_flight });
        // Its thread object is signalled now, for good.
        self.core.thread_signalled(Some(cpu), thread);
        let process = self.core.threads[thread.0 as usize].process;
        let all_done = self.core.processes[process.0 as usize]
            .threads
            .iter()
            .all(|t| self.core.threads[t.0 as usize].state == ThreadState::Terminated);
        if all_done {
            // The process ends: its handles close, and each file object whose last handle
            // that was is cleaned up. This is the last thing the thread does, so what the
            // cancel routines charge here is not paid.
            for fo in self.core.close_all_handles(cpu, thread, process) {
                let (_, completions) = self.cleanup(cpu, fo);
                for c in completions {
                    self.complete_irp(Some(cpu), c.irp, c.status, c.bytes);
                }
            }
        }
        self.core.leave_cpu(cpu, thread);
    }
}

pub(crate) fn io_result(irp: &crate::io::Irp) -> SyscallResult {
    SyscallResult::Io {
        irp: irp.id,
        status: irp.status,
        bytes: irp.information,
        checksum: irp.checksum,
    }
}
