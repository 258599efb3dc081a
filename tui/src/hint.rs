//! "What to look at next": for the step just taken, a pointer to the pane where its
//! consequence shows, or to the key that skips to what follows. The narration says what
//! happened; the hint says where the student's eyes should go.

use kernel_sim::{TraceEvent, What};

/// The hint for a step: the last of its events that has one (later events are usually
/// the consequence the student should follow).
pub fn look_next(events: &[TraceEvent]) -> Option<&'static str> {
    events.iter().rev().find_map(|e| hint(&e.what))
}

fn hint(what: &What) -> Option<&'static str> {
    Some(match what {
        What::IrpCreated { .. } => {
            "IRPs: the new IRP holds the request's parameters; no driver has it yet."
        }
        What::IrpDispatched { .. } => {
            "IRPs: the stack location says which driver holds the IRP; its dispatch routine runs on the caller's CPU."
        }
        What::IrpPending { .. } => {
            "The driver answered \"pending\": the I/O manager returns to the caller without waiting for the device."
        }
        What::IrpQueued { .. } => {
            "Drivers: the IRP waits in the driver's queue until the device can take it."
        }
        What::IrpStarted { .. } => "Drivers: next the driver writes a DMA descriptor for it.",
        What::DmaDescriptorPosted { .. } => {
            "DMA ring: slot marked d belongs to the device now; the CPU is free to run something else."
        }
        What::DeviceTransferStarted { .. } => {
            "Timeline: the device lane fills while the disk seeks, rotates and moves the data, with no CPU involved. n jumps to its interrupt."
        }
        What::DmaDescriptorConsumed { .. } => {
            "DMA ring: R marks a finished slot, data already in memory; the driver reaps it in its DPC."
        }
        What::InterruptRaised { .. } => {
            "Interrupt lines: the line stays raised until a CPU running below its level takes it."
        }
        What::InterruptCoalesced { .. } => {
            "The line was already raised: one interrupt covers both transfers, so the DPC must reap every finished slot."
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
        What::DmaDescriptorReaped { .. } => {
            "DMA ring: the slot is free again, so the driver can start the next IRP in its queue."
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
            "Ports: the packet waits in the port; the waiter released first is the one that came last (LIFO)."
        }
        What::PacketDequeued { .. } => {
            "Ports: the running count goes up; the port keeps it at or below its concurrency value when it can."
        }
        What::PortRunningOver { .. } => {
            "Ports: more threads run than the concurrency value allows, until enough of them wait again."
        }
        What::IoReturned { pending: true, .. } => {
            "The call returned \"pending\": the program goes on while the device works."
        }
        What::IoDelivered { .. } => {
            "The bytes reached the program. Select the IRP and press Enter to read its whole history."
        }
        What::ThreadWaiting { .. } => {
            "CPUs: with this thread asleep, the CPU runs another ready thread or idles."
        }
        What::ThreadWoken { .. } => "Threads: the thread is ready; it runs when a CPU is free.",
        What::ContextSwitched { .. } => {
            "CPUs: the switch itself costs time before the new thread runs."
        }
        What::ClockInterrupt => {
            "The clock's ISR checks whether the running thread's timeslice is used up."
        }
        What::CpuIdle => "n jumps to the next interrupt, which is what will wake this CPU.",
        _ => return None,
    })
}
