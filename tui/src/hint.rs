//! "What to look at next": for the step just taken, a pointer to the pane where its
//! consequence shows, or to the key that skips to what follows. The narration says what
//! happened; the hint says where the student's eyes should go.
//!
//! A hint is read from the kernel's state after the step it is shown for and from the
//! trace up to it, and promises only what those guarantee: "n jumps to its interrupt" is
//! said only when no other interrupt can come first, a pipe's request is not said to
//! wait for a device, and a call that failed at submission is not said to get its result
//! by a wait, an APC or a packet (`tests/integration/narration.rs` checks every promise).

use kernel_sim::intr::LineState;
use kernel_sim::io::{Major, Status};
use kernel_sim::object::WaitResult;
use kernel_sim::{DeviceId, IoMode, IrpId, Kernel, Lane, ThreadId, TraceEvent, What};

/// The hint for a step whose events are `trace[from..]` (`trace` is the run's trace up
/// to and including the step): the last of its events that has one, for later events
/// are usually the consequence the student should follow. A thread queued as ready
/// gives its hint only when nothing else in the step has one: it follows from what the
/// step did (a set event, a completed request), which matters more.
pub fn look_next(kernel: &Kernel, trace: &[TraceEvent], from: usize) -> Option<&'static str> {
    hinted_event(kernel, trace, from).map(|(_, hint)| hint)
}

/// The hint event `trace[index]` gives, with `kernel` the state after its step, whether
/// or not the step shows it.
pub fn hint_at(kernel: &Kernel, trace: &[TraceEvent], index: usize) -> Option<&'static str> {
    hint(kernel, trace, &trace[index].what).map(|(hint, _)| hint)
}

/// As [`look_next`], with the position in `trace` of the event the hint is for.
pub fn hinted_event(
    kernel: &Kernel,
    trace: &[TraceEvent],
    from: usize,
) -> Option<(usize, &'static str)> {
    let hints = || {
        (from..trace.len())
            .rev()
            .filter_map(|i| hint(kernel, trace, &trace[i].what).map(|(h, tier)| (i, h, tier)))
    };
    hints()
        .find(|&(_, _, tier)| tier == Tier::Primary)
        .or_else(|| hints().next())
        .map(|(i, hint, _)| (i, hint))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Primary,
    /// Shown only when no event of the step has a primary hint.
    Consequence,
}

/// Whether the next interrupt raised anywhere must be `device`'s, for the transfer it
/// has just started: it is the only device, its line is idle (so finishing raises it
/// rather than being coalesced), and nothing else can raise a line before.
fn next_interrupt_is(kernel: &Kernel, device: DeviceId) -> bool {
    let core = kernel.core();
    core.device_names.len() == 1
        && core
            .lines
            .values()
            .all(|l| l.device == device && l.state == LineState::Idle)
}

/// What the trace tells of an IRP up to now.
#[derive(Debug, Clone, Copy, Default)]
struct Story {
    /// Its major function and the thread that asked for it (`None`: the kernel's own).
    created: Option<(Major, Option<ThreadId>)>,
    /// The device its last dispatch went to.
    device: Option<DeviceId>,
    /// Whether a driver marked it pending: its dispatch returned STATUS_PENDING.
    pended: bool,
    /// The status it completed with, once it has.
    status: Option<Status>,
}

impl Story {
    /// Reads the trace back to the IRP's creation.
    fn of(trace: &[TraceEvent], irp: IrpId) -> Story {
        let mut s = Story::default();
        for e in trace.iter().rev() {
            match e.what {
                What::IrpCompleted { irp: i, status, .. } if i == irp => {
                    s.status.get_or_insert(status);
                }
                What::IrpDispatched { irp: i, device, .. } if i == irp => {
                    s.device.get_or_insert(device);
                }
                What::IrpPending { irp: i } if i == irp => s.pended = true,
                What::IrpCreated {
                    irp: i,
                    major,
                    thread,
                    ..
                } if i == irp => {
                    s.created = Some((major, thread));
                    break;
                }
                _ => {}
            }
        }
        s
    }

    fn on_pipe(&self, kernel: &Kernel) -> bool {
        self.device.is_some() && self.device == kernel.core().pipe_device
    }

    fn kernel_own(&self) -> bool {
        matches!(self.created, Some((_, None)))
    }

    /// Failed inside its dispatch routine: the call itself reports it, and no wait, APC
    /// or packet carries it (kernel-sim io/manager.rs, `io_completion`).
    fn failed_at_submission(&self) -> bool {
        !self.pended && self.status.is_some_and(Status::is_error)
    }
}

fn hint(kernel: &Kernel, trace: &[TraceEvent], what: &What) -> Option<(&'static str, Tier)> {
    let core = kernel.core();
    let hint = match what {
        What::IrpCreated { .. } => {
            "IRPs: the new IRP holds the request's parameters; no driver has it yet."
        }
        What::IrpDispatched { .. } => {
            "IRPs: the stack location says which driver holds the IRP; its dispatch routine runs on the caller's CPU, in the caller's thread."
        }
        What::IrpPending { irp } => {
            let sync = core.irps.get(irp).map(|i| i.mode) == Some(IoMode::Sync);
            match (sync, Story::of(trace, *irp).on_pipe(kernel)) {
                (true, _) => {
                    "The driver will finish later. On this synchronous handle the caller waits in the kernel until then."
                }
                (false, true) => {
                    "The request must wait for the pipe's other end: the I/O manager returns to the caller without waiting for it."
                }
                (false, false) => {
                    "The driver will finish later: the I/O manager returns to the caller without waiting for the device."
                }
            }
        }
        What::IrpQueued { device, .. } if Some(*device) == core.pipe_device => {
            "Drivers: no hardware takes this IRP. It waits in the pipe driver's queue until the other end's requests let it finish (data for a read, room for all of a write's bytes), that end closes, or it is cancelled."
        }
        What::IrpQueued { .. } => {
            "Drivers: the IRP waits in the driver's queue until the device can take it, unless a cancel takes it back first."
        }
        What::IrpStarted { device, .. } if !kernel.device_view(*device).rings.is_empty() => {
            "Drivers: next the driver writes a DMA descriptor for it."
        }
        What::Device { device, kind, .. }
            if kind.lane == Lane::BeginTransfer && next_interrupt_is(kernel, *device) =>
        {
            "Timeline: the device lane fills while the device moves the data, with no CPU involved. n jumps to its interrupt."
        }
        What::Device { kind, .. } => kind.hint?,
        What::InterruptRaised { .. } => {
            "Interrupt lines: the line stays asserted until an ISR acknowledges the device; a CPU running below the line's level takes it."
        }
        What::InterruptCoalesced { .. } => {
            "The line was already asserted: one interrupt covers both transfers, so the DPC must reap every finished slot."
        }
        What::IsrStarted { .. } => {
            "CPUs: the CPU runs at device level; what it was running waits underneath, frozen."
        }
        What::DpcQueued { .. } => {
            "The DPC runs once this CPU drops below DISPATCH level, before any thread gets it back."
        }
        What::DpcStarted { .. } => {
            "DMA ring: the DPC reaps finished slots and completes their IRPs, at DISPATCH level."
        }
        What::IrpCompleted { irp, .. } => {
            let story = Story::of(trace, *irp);
            if story.kernel_own() {
                "IRPs: this is the kernel's own request: its result goes to the kernel component's callback, and no program waits for it."
            } else if story.failed_at_submission() {
                "The request failed inside its dispatch routine, so the call itself returns the failure: no wait, APC or completion packet carries it."
            } else {
                "The result now goes back the way the program asked: the call's own return or a woken wait, the OVERLAPPED and its event, an APC, or a completion packet."
            }
        }
        What::CompletionRoutineRan { held: true, .. } => {
            "IRPs: the driver whose completion routine ran keeps the IRP (STATUS_MORE_PROCESSING_REQUIRED): its result goes no further until that driver completes it again."
        }
        What::IrpCompletionResumed { .. } => {
            "IRPs: the driver that kept the IRP has completed it again, and its completion goes on up the stack."
        }
        What::IrpCancelRequested { held: true, .. } => {
            "IRPs: the IRP is marked cancel asked; whether it ends early is up to the driver that has it queued, whose cancel routine runs now."
        }
        What::IrpCancelRequested { held: false, .. } => {
            "IRPs: only the IRP's flag is set (its row says cancel asked): no driver has it queued, so no cancel routine runs; a driver that would queue it completes it cancelled instead."
        }
        What::CancelRoutineRan {
            taken: true,
            now: true,
            ..
        } => {
            "IRPs: the driver took the IRP back (its row says cancel asked): it completes with STATUS_CANCELLED before the cancelling call goes on."
        }
        What::CancelRoutineRan {
            taken: true,
            now: false,
            ..
        } => {
            "IRPs: the driver took the IRP back from the device (its row says cancel asked): it completes with STATUS_CANCELLED once the device gives it up."
        }
        What::CancelRoutineRan { taken: false, .. } => {
            "IRPs: too late to take back: the device is already moving the IRP's data, so it completes as it would have, only marked cancel asked."
        }
        What::WorkItemQueued { .. } => {
            "Threads: the system worker thread runs the driver's work routine when it gets a CPU; until then the IRP stays held (its row says held)."
        }
        What::WorkItemRan { .. } => {
            "CPUs: the work routine runs in a thread, at PASSIVE_LEVEL, not in a DPC: the scheduler treats the system worker like any other thread."
        }
        What::KernelRequestQueued { .. } => {
            "Threads: the system worker thread builds and sends the kernel's request when it runs; no program's thread asked for it."
        }
        What::ClientCalledBack { .. } => {
            "The kernel's request is over: no program saw it. The component's callback may issue the next one."
        }
        What::ApcQueued { .. } => {
            "Threads: the APC waits in the thread's queue until that thread waits alertably."
        }
        What::ApcRun { .. } | What::AlertableWaitReturned { .. } => {
            "Threads: completion routines run in the thread that asked, in the order they were queued."
        }
        What::ApcDiscarded { .. } => {
            "Threads: the thread has exited, so this completion routine never runs."
        }
        What::PacketQueued { .. } => {
            "Ports: the packet waits in the port; when the port releases a waiter, it is the one that came last (LIFO)."
        }
        What::PacketDequeued { released: true, .. } => {
            "Ports: a released waiter raises the running count; the port releases no one while the count is at its concurrency value."
        }
        What::PacketDequeued { .. } => {
            "Ports: a running thread that takes another packet leaves the running count as it was."
        }
        What::PortHeldPacket { .. } => {
            "Ports: the running count falls when a running thread blocks, exits or calls GetQueuedCompletionStatus again."
        }
        What::PortRunningOver { .. } => {
            "Ports: more threads run than the concurrency value, until enough of them wait on the port again."
        }
        What::PortClosed { waiters: 1.., .. } => {
            "Threads: each thread that waited on the port goes on with a failed call."
        }
        What::IoReturned {
            irp,
            pending: true,
            sync: false,
            ..
        } => {
            if Story::of(trace, *irp).on_pipe(kernel) {
                "The call returned while the request is pending: the program goes on, and the request waits in the pipe driver for the other end."
            } else {
                "The call returned while the request is pending: the program goes on while the device works."
            }
        }
        What::IoDelivered { irp, status, .. } => {
            let story = Story::of(trace, *irp);
            match (status.is_error(), story.created) {
                (true, _) => {
                    "The request failed: its call returns FALSE, and GetLastError gives the error. Select the IRP and press Enter to read its whole history."
                }
                (false, Some((Major::Write, _))) => {
                    "The write's result reached the program: how many bytes were written. Select the IRP and press Enter to read its whole history."
                }
                (false, _) => {
                    "The bytes reached the program. Select the IRP and press Enter to read its whole history."
                }
            }
        }
        What::SyscallFailed { .. } => {
            "The call failed: it returns its failure value, and GetLastError gives the reason. No wait, APC or completion packet follows."
        }
        What::EventSet {
            event, released, ..
        } => {
            let e = &core.event_objects[event.0 as usize];
            match (e.manual_reset, released) {
                (true, 0) => {
                    "Objects: the event shows ■ signalled, and stays so until a thread resets it."
                }
                (true, _) => {
                    "Threads: the threads it released wait no more; the event stays ■ signalled until a thread resets it."
                }
                (false, 0) => {
                    "Objects: the event shows ■ signalled until a wait takes it, which resets it."
                }
                (false, _) => {
                    "Objects: the event let one waiting thread through and reset at once: it shows □, and that thread waits no more."
                }
            }
        }
        What::EventReset { .. } => {
            "Objects: the event shows □: a wait on it alone blocks until it is set again."
        }
        What::SemaphoreReleased { released: 0, .. } => {
            "Objects: the semaphore's count went up; each wait it satisfies later takes one."
        }
        What::SemaphoreReleased { .. } => {
            "Objects: each thread it released took one of the count (the pane shows what is left) and waits no more."
        }
        What::WaitReturned {
            result: WaitResult::Timeout,
            ..
        } => "Threads: the wait timed out: it took nothing, and the thread goes on.",
        What::WaitReturned { .. } => {
            "Threads: the thread goes on past its wait. What the wait took (an auto-reset event's signal, one of a semaphore's count) was taken when the wait was satisfied."
        }
        What::TimedOutAtOnce { .. } => {
            "With a timeout of 0 the call only looks: it never waits, whatever the object's state."
        }
        What::ThreadWaiting { .. } => {
            "CPUs: with this thread waiting, the CPU runs another ready thread or idles."
        }
        What::ThreadReady { queued: true, .. } => {
            return Some((
                "Threads: the thread is ready but every CPU is busy: it runs once it reaches the head of the ready queue and a CPU switches threads.",
                Tier::Consequence,
            ));
        }
        What::ContextSwitched { .. } => {
            "CPUs: the switch itself costs time before the new thread runs."
        }
        What::ClockInterrupt => {
            "When the clock's ISR returns, the dispatcher decides whether the running thread keeps the CPU."
        }
        What::CpuIdle => {
            "CPUs: this CPU stays idle until a thread becomes ready: a new thread, an expired timeout, or a wait that ends (by a DPC, or by a thread on another CPU)."
        }
        _ => return None,
    };
    Some((hint, Tier::Primary))
}
