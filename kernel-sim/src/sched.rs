//! The scheduler: which thread runs where, the frames on each CPU, timeslices and the
//! clock interrupt, waits and wake-ups.
//!
//! Rules, in the order `cpu_continue` applies them when a CPU's top frame ends:
//! 1. a pending interrupt whose level is above the CPU's current level is taken;
//! 2. below DISPATCH level, queued DPCs run before any thread resumes;
//! 3. if the clock found another thread ready, the current thread is preempted;
//! 4. otherwise the frame below resumes where it was paused;
//! 5. a CPU with no frame left switches to the first ready thread, or goes idle.

use crate::cpu::{Frame, FrameKind, Irql};
use crate::ids::*;
use crate::kernel::{Core, Event, Kernel};
use crate::syscall::SyscallResult;
use crate::thread::{Cont, Segment, ThreadState, WaitFor};
use crate::trace::{WaitReason, WakeReason, What};

impl Core {
    /// A thread's start time has come: it joins the ready queue.
    pub(crate) fn start_thread(&mut self, thread: ThreadId) {
        let process = self.threads[thread.0 as usize].process;
        self.trace(None, What::ThreadCreated { thread, process });
        self.make_ready(None, thread);
    }

    /// Puts a thread on the ready queue and, if a CPU is idle, sends it there.
    pub(crate) fn make_ready(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        self.thread_mut(thread).state = ThreadState::Ready;
        let ahead = self.ready.len() as u32;
        self.ready.push_back(thread);
        let idle = self.cpus.iter().position(|c| c.is_idle());
        self.trace(
            cpu,
            What::ThreadReady {
                thread,
                queued: idle.is_none(),
                ahead,
            },
        );
        if let Some(idle) = idle {
            self.cpu_continue(CpuId(idle as u16));
        }
    }

    /// Schedules the end of the top frame's current piece of work.
    pub(crate) fn cpu_resume(&mut self, cpu: CpuId) {
        let remaining = self.top_remaining(cpu);
        let now = self.now;
        let c = &mut self.cpus[cpu.0 as usize];
        c.epoch += 1;
        c.active_since = now;
        c.active = true;
        let epoch = c.epoch;
        let until = self.schedule_after(remaining, Event::Cpu { cpu, epoch });
        self.cpus[cpu.0 as usize].active_until = until;
    }

    fn top_remaining(&self, cpu: CpuId) -> u64 {
        let c = &self.cpus[cpu.0 as usize];
        let top = c.frames.last().expect("resuming a CPU with no frame");
        match top.kind {
            FrameKind::Thread { thread } => self.threads[thread.0 as usize].segment.remaining,
            _ => top.remaining,
        }
    }

    fn set_top_remaining(&mut self, cpu: CpuId, remaining: u64) {
        let c = &mut self.cpus[cpu.0 as usize];
        let top = c.frames.last_mut().expect("no frame");
        match top.kind {
            FrameKind::Thread { thread } => {
                self.threads[thread.0 as usize].segment.remaining = remaining;
            }
            _ => top.remaining = remaining,
        }
    }

    /// Books the time the top frame has run since it last (re)started.
    pub(crate) fn account(&mut self, cpu: CpuId) {
        let now = self.now;
        let c = &mut self.cpus[cpu.0 as usize];
        let Some(top) = c.frames.last() else { return };
        let ran = now.saturating_sub(c.active_since);
        c.active_since = now;
        match top.kind {
            FrameKind::Thread { .. } => c.time.thread_ns += ran,
            FrameKind::Switch { .. } => c.time.switch_ns += ran,
            FrameKind::Isr { .. } => c.time.device_isr_ns += ran,
            FrameKind::Clock => c.time.clock_isr_ns += ran,
            FrameKind::Dpc { .. } | FrameKind::DpcTail { .. } => c.time.dpc_ns += ran,
        }
    }

    /// Pauses the top frame, saving what is left of its work, so a higher-level frame
    /// can be pushed over it.
    pub(crate) fn pause_top(&mut self, cpu: CpuId) {
        let c = &self.cpus[cpu.0 as usize];
        if c.frames.is_empty() || !c.active {
            // Nothing runs, or the top frame is already paused with its work saved.
            return;
        }
        self.account(cpu);
        let c = &mut self.cpus[cpu.0 as usize];
        c.active = false;
        let left = c.active_until.saturating_sub(self.now);
        c.epoch += 1;
        self.set_top_remaining(cpu, left);
    }

    /// Pushes a frame over whatever runs (already paused) and starts it.
    pub(crate) fn push_frame(&mut self, cpu: CpuId, kind: FrameKind, cost: u64) {
        let c = &mut self.cpus[cpu.0 as usize];
        c.frames.push(Frame {
            kind,
            remaining: cost,
        });
        c.idle_traced = false;
        self.cpu_resume(cpu);
    }

    /// Removes the top frame after its work is done (booking its time).
    pub(crate) fn pop_frame(&mut self, cpu: CpuId) -> FrameKind {
        self.account(cpu);
        let c = &mut self.cpus[cpu.0 as usize];
        c.epoch += 1;
        c.active = false;
        c.frames.pop().expect("popping an empty CPU").kind
    }

    /// Decides what a CPU does next after its top frame ended or was removed.
    pub(crate) fn cpu_continue(&mut self, cpu: CpuId) {
        let level = self.cpus[cpu.0 as usize].irql();
        // 1. A pending interrupt this CPU may take now.
        if let Some(irq) = self.pending_line_above(level) {
            self.take_interrupt(cpu, irq);
            return;
        }
        // 2. DPCs before any thread.
        if level < Irql::DISPATCH
            && let Some(device) = self.cpus[cpu.0 as usize].dpcs.pop_front()
        {
            self.pause_top(cpu);
            self.dpc_queued[device.0 as usize] = false;
            self.cpus[cpu.0 as usize].dpc_work = (0, 0);
            self.stats.dpcs += 1;
            self.trace(Some(cpu), What::DpcStarted { device });
            let cost = self.costs.dpc_ns;
            self.push_frame(cpu, FrameKind::Dpc { device }, cost);
            return;
        }
        let c = &mut self.cpus[cpu.0 as usize];
        // 3. The clock asked for a switch.
        if c.resched && c.frames.len() == 1 && c.thread().is_some() {
            c.resched = false;
            let thread = c.thread().expect("checked");
            self.pop_frame(cpu);
            self.cpus[cpu.0 as usize].quantum_gen += 1;
            self.cpus[cpu.0 as usize].last_thread = Some(thread);
            self.stats.preemptions += 1;
            self.trace(Some(cpu), What::ThreadPreempted { thread });
            self.thread_mut(thread).state = ThreadState::Ready;
            self.ready.push_back(thread);
        }
        // 4. Resume what was paused.
        if !self.cpus[cpu.0 as usize].frames.is_empty() {
            self.cpu_resume(cpu);
            return;
        }
        // 5. Dispatch the next ready thread, or idle.
        match self.ready.pop_front() {
            Some(next) => {
                // An exited thread has no registers left to save.
                let from = self.cpus[cpu.0 as usize]
                    .last_thread
                    .filter(|t| self.threads[t.0 as usize].state != ThreadState::Terminated);
                let first = !self.threads[next.0 as usize].ran;
                let idle = self.cpus[cpu.0 as usize].last_thread.is_none();
                self.stats.context_switches += 1;
                self.trace(
                    Some(cpu),
                    What::ContextSwitched {
                        from,
                        to: next,
                        first,
                        idle,
                    },
                );
                self.thread_mut(next).state = ThreadState::Running { cpu };
                let cost = self.costs.context_switch_ns;
                self.push_frame(cpu, FrameKind::Switch { from, to: next }, cost);
            }
            None => {
                let c = &mut self.cpus[cpu.0 as usize];
                c.quantum_gen += 1;
                // The thread that left has had its context saved; an idle CPU holds none.
                c.last_thread = None;
                if !c.idle_traced {
                    c.idle_traced = true;
                    self.trace(Some(cpu), What::CpuIdle);
                }
            }
        }
    }

    /// The dispatcher finished loading `thread`: it runs from here, with a new timeslice.
    pub(crate) fn switch_done(&mut self, cpu: CpuId, thread: ThreadId) {
        self.pop_frame(cpu);
        self.trace(Some(cpu), What::ThreadResumed { thread });
        self.thread_mut(thread).ran = true;
        let c = &mut self.cpus[cpu.0 as usize];
        c.frames.push(Frame {
            kind: FrameKind::Thread { thread },
            remaining: 0,
        });
        c.last_thread = Some(thread);
        c.quantum_gen += 1;
        let epoch = c.quantum_gen;
        let slice = self.costs.timeslice_ns;
        self.schedule_after(slice, Event::Quantum { cpu, epoch });
        self.cpu_continue(cpu);
    }

    /// The armed timeslice ran out: the clock interrupts whatever runs on `cpu`.
    pub(crate) fn clock_interrupt(&mut self, cpu: CpuId) {
        if self.cpus[cpu.0 as usize].thread().is_none() {
            return;
        }
        self.pause_top(cpu);
        self.stats.clock_interrupts += 1;
        self.trace(Some(cpu), What::ClockInterrupt);
        let cost = self.costs.clock_isr_ns;
        self.push_frame(cpu, FrameKind::Clock, cost);
    }

    /// The clock's ISR ends: if another thread is ready, the running one must yield once
    /// the CPU's level drops; otherwise it gets a fresh timeslice.
    pub(crate) fn clock_isr_done(&mut self, cpu: CpuId) {
        self.pop_frame(cpu);
        let c = &mut self.cpus[cpu.0 as usize];
        if let Some(thread) = c.thread() {
            if self.ready.is_empty() {
                c.quantum_gen += 1;
                let epoch = c.quantum_gen;
                let slice = self.costs.timeslice_ns;
                self.schedule_after(slice, Event::Quantum { cpu, epoch });
                self.trace(Some(cpu), What::QuantumRenewed { thread });
            } else {
                c.resched = true;
                self.trace(Some(cpu), What::QuantumExpired { thread });
            }
        }
        self.cpu_continue(cpu);
    }

    /// The running thread on `cpu` (its frame on top) stops to wait.
    pub(crate) fn block(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        call: &'static str,
        wait: WaitFor,
        alertable: bool,
        timeout: Option<u64>,
    ) {
        let reason = match wait {
            WaitFor::Irp(_) if alertable => WaitReason::Overlapped,
            // Inside ReadFile or WriteFile on a synchronous handle (with an OVERLAPPED or
            // not): the call itself waits for its I/O.
            WaitFor::Irp(_) if matches!(call, "ReadFile" | "WriteFile") => WaitReason::Io,
            WaitFor::Irp(_) => WaitReason::Overlapped,
            WaitFor::FileLock(_) => WaitReason::FileLock,
            WaitFor::Sleep => WaitReason::Sleep,
            WaitFor::Port(_) => WaitReason::Port,
            WaitFor::Objects { .. } => WaitReason::Objects,
            WaitFor::WorkItem => WaitReason::WorkItem,
        };
        let t = self.thread_mut(thread);
        t.state = ThreadState::Waiting { reason, alertable };
        t.wait = Some(wait);
        t.timer_gen += 1;
        let epoch = t.timer_gen;
        self.trace(
            Some(cpu),
            What::ThreadWaiting {
                thread,
                call,
                reason,
                alertable,
            },
        );
        if let Some(ns) = timeout {
            self.schedule_after(ns, Event::Timer { thread, epoch });
        }
        if !matches!(wait, WaitFor::Port(_)) {
            self.port_thread_blocked(Some(cpu), thread);
        }
        self.leave_cpu(cpu, thread);
    }

    /// Takes the thread's frame off the CPU and lets the CPU pick what is next.
    pub(crate) fn leave_cpu(&mut self, cpu: CpuId, thread: ThreadId) {
        let kind = self.pop_frame(cpu);
        debug_assert_eq!(kind, FrameKind::Thread { thread });
        let c = &mut self.cpus[cpu.0 as usize];
        c.quantum_gen += 1;
        c.resched = false;
        c.last_thread = Some(thread);
        self.cpu_continue(cpu);
    }

    /// Ends a wait: the thread becomes ready and will carry on with `cont` after `cost`
    /// ns of CPU time (what the call still has to do in the kernel once woken).
    pub(crate) fn wake(
        &mut self,
        cpu: Option<CpuId>,
        thread: ThreadId,
        reason: WakeReason,
        cost: u64,
        cont: Cont,
    ) {
        let t = self.thread_mut(thread);
        debug_assert!(
            matches!(t.state, ThreadState::Waiting { .. }),
            "waking a thread that is not waiting"
        );
        let was = t.wait.take();
        t.timer_gen += 1;
        t.segment = Segment {
            remaining: cost,
            cont,
        };
        if matches!(was, Some(WaitFor::Objects { .. })) {
            // Woken another way (an APC, a signal): it leaves every object's waiters.
            self.unlist(thread);
        }
        if let (Some(WaitFor::Port(port)), WakeReason::Apc) = (was, reason) {
            // An APC ended an alertable wait on a port: the thread waits there no more.
            self.ports[port.0 as usize].waiters.retain(|&w| w != thread);
            self.threads[thread.0 as usize].batch = 0;
        }
        self.trace(cpu, What::ThreadWoken { thread, reason });
        // A thread associated with a port runs again: it counts toward the port's
        // concurrency value, even woken from the port's own wait by an APC ("the number
        // of runnable threads associated with the completion port", Microsoft Learn: I/O
        // Completion Ports). A thread released with a packet was counted when released.
        if !(matches!(was, Some(WaitFor::Port(_))) && reason == WakeReason::Packet) {
            self.port_thread_unblocked(cpu, thread);
        }
        self.make_ready(cpu, thread);
    }

    /// A sleep ended or a wait timed out.
    pub(crate) fn timer_expired(&mut self, thread: ThreadId) {
        let t = &self.threads[thread.0 as usize];
        let (wait, objects) = (t.wait, t.wait_objects.len());
        let result = match wait {
            Some(WaitFor::Sleep) => SyscallResult::Done,
            Some(WaitFor::Port(_)) => {
                self.port_wait_timed_out(thread);
                SyscallResult::Timeout
            }
            Some(WaitFor::Irp(_)) => SyscallResult::Timeout,
            Some(WaitFor::Objects { .. }) => SyscallResult::Timeout,
            // The worker's wait for work, and a wait for a file object, have no timeout.
            Some(WaitFor::WorkItem | WaitFor::FileLock(_)) | None => return,
        };
        let cont = match wait {
            Some(WaitFor::Objects { .. }) => {
                let call = Core::wait_call(objects);
                self.unlist(thread);
                Cont::WaitDone {
                    call,
                    result: crate::object::WaitResult::Timeout,
                    object: None,
                }
            }
            _ => Cont::Deliver(result),
        };
        let t = self.thread_mut(thread);
        let was = t.wait.take();
        t.timer_gen += 1;
        t.segment = Segment { remaining: 0, cont };
        let reason = match was {
            Some(WaitFor::Sleep) => WakeReason::SleepOver,
            _ => WakeReason::Timeout,
        };
        self.trace(None, What::ThreadWoken { thread, reason });
        // Timing out of any wait, the port's included, makes it a running thread of its
        // port again.
        debug_assert!(was.is_some());
        self.port_thread_unblocked(None, thread);
        self.make_ready(None, thread);
    }
}

impl Kernel {
    /// The top frame of `cpu` finished its current piece of work.
    pub(crate) fn cpu_work_done(&mut self, cpu: CpuId) {
        let top = self.core.cpus[cpu.0 as usize]
            .top()
            .expect("a CPU event for a CPU with no frame");
        match top {
            FrameKind::Thread { thread } => {
                self.core.account(cpu);
                let cont = std::mem::replace(
                    &mut self.core.thread_mut(thread).segment,
                    Segment {
                        remaining: 0,
                        cont: Cont::NextOp,
                    },
                )
                .cont;
                self.advance(cpu, thread, cont);
            }
            FrameKind::Switch { to, .. } => self.core.switch_done(cpu, to),
            FrameKind::Clock => self.core.clock_isr_done(cpu),
            FrameKind::Isr { irq, device } => self.isr_done(cpu, irq, device),
            FrameKind::Dpc { device } => self.dpc_piece_done(cpu, device),
            FrameKind::DpcTail { device } => self.dpc_finished(cpu, device),
        }
    }
}
