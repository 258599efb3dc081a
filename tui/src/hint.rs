//! "What to look at next": for the step just taken, a pointer to the pane where its
//! consequence shows, or to the key that skips to what follows. The narration says what
//! happened; the hint says where the student's eyes should go.
//!
//! A hint is read from the kernel's state at the step it is shown for, and promises only
//! what that state guarantees: "n jumps to its interrupt" is said only when no other
//! interrupt can come first (`tests/integration/narration.rs` checks every promise).

use kernel_sim::intr::LineState;
use kernel_sim::{DeviceId, IoMode, Kernel, Lane, TraceEvent, What};

/// The hint for a step: the last of its events that has one (later events are usually
/// the consequence the student should follow).
pub fn look_next(kernel: &Kernel, events: &[TraceEvent]) -> Option<&'static str> {
    events.iter().rev().find_map(|e| hint(kernel, &e.what))
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

fn hint(kernel: &Kernel, what: &What) -> Option<&'static str> {
    Some(match what {
        What::IrpCreated { .. } => {
            "IRPs: the new IRP holds the request's parameters; no driver has it yet."
        }
        What::IrpDispatched { .. } => {
            "IRPs: the stack location says which driver holds the IRP; its dispatch routine runs on the caller's CPU, in the caller's thread."
        }
        What::IrpPending { irp } => match kernel.core().irps.get(irp).map(|i| i.mode) {
            Some(IoMode::Sync) => {
                "The driver will finish later. On this synchronous handle the caller waits in the kernel until then."
            }
            _ => {
                "The driver will finish later: the I/O manager returns to the caller without waiting for the device."
            }
        },
        What::IrpQueued { .. } => {
            "Drivers: the IRP waits in the driver's queue until the device can take it."
        }
        What::IrpStarted { .. } => "Drivers: next the driver writes a DMA descriptor for it.",
        What::Device { device, kind, .. }
            if kind.lane == Lane::BeginTransfer && next_interrupt_is(kernel, *device) =>
        {
            "Timeline: the device lane fills while the device moves the data, with no CPU involved. n jumps to its interrupt."
        }
        What::Device { kind, .. } => return kind.hint,
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
        What::IrpCompleted { .. } => {
            "The result now travels back the way the program asked: a woken wait, an APC, or a completion packet."
        }
        What::ApcQueued { .. } => {
            "Threads: the APC waits in the thread's queue until that thread waits alertably."
        }
        What::ApcRun { .. } | What::AlertableWaitReturned { .. } => {
            "Threads: completion routines run in the thread that asked, in the order they were queued."
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
        What::PortRunningOver { .. } => {
            "Ports: more threads run than the concurrency value, until enough of them wait on the port again."
        }
        What::PortClosed { waiters: 1.., .. } => {
            "Threads: each thread that waited on the port goes on with a failed call."
        }
        What::IoReturned {
            pending: true,
            sync: false,
            ..
        } => {
            "The call returned while the request is pending: the program goes on while the device works."
        }
        What::IoDelivered { .. } => {
            "The bytes reached the program. Select the IRP and press Enter to read its whole history."
        }
        What::ThreadWaiting { .. } => {
            "CPUs: with this thread waiting, the CPU runs another ready thread or idles."
        }
        What::ThreadReady { queued: true, .. } => {
            "Threads: the thread is ready but every CPU is busy: it runs once it reaches the head of the ready queue and a CPU switches threads."
        }
        What::ContextSwitched { .. } => {
            "CPUs: the switch itself costs time before the new thread runs."
        }
        What::ClockInterrupt => {
            "When the clock's ISR returns, the dispatcher decides whether the running thread keeps the CPU."
        }
        What::CpuIdle => {
            "CPUs: this CPU stays idle until a thread becomes ready: a new thread, a timeout, or a wake-up from a DPC."
        }
        _ => return None,
    })
}
