//! Plain-English sentences for trace events. Each says what happened and, where it
//! teaches something, why the kernel did it this way. Built only when printed.

use super::{TraceEvent, WaitReason, WakeReason, What};
use crate::ids::*;
use crate::kernel::Kernel;

/// Formats a time in nanoseconds as microseconds with three decimals.
pub fn format_time(ns: u64) -> String {
    format!("{}.{:03} us", ns / 1000, ns % 1000)
}

/// Formats a time in the largest unit that keeps it at or above 1: "12.369 ms",
/// "3.000 us", "1.250 s". For axis labels and titles, where a fixed unit is too long.
pub fn format_time_short(ns: u64) -> String {
    match ns {
        1_000_000_000.. => format!(
            "{}.{:03} s",
            ns / 1_000_000_000,
            ns % 1_000_000_000 / 1_000_000
        ),
        1_000_000.. => format!("{}.{:03} ms", ns / 1_000_000, ns % 1_000_000 / 1000),
        _ => format!("{}.{:03} us", ns / 1000, ns % 1000),
    }
}

/// Parses a time written with its unit, such as "8.3ms", "120us", "5000ns" or "2s",
/// into nanoseconds; `None` if it is not one.
pub fn parse_time(text: &str) -> Option<u64> {
    let (number, scale) = [
        ("ns", 1.0),
        ("us", 1e3),
        ("µs", 1e3),
        ("ms", 1e6),
        ("s", 1e9),
    ]
    .into_iter()
    .find_map(|(unit, scale)| text.trim().strip_suffix(unit).map(|n| (n, scale)))?;
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then(|| (value * scale).round() as u64)
}

fn us(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{}.{:03} ms", ns / 1_000_000, (ns % 1_000_000) / 1000)
    } else {
        format!("{}.{:03} us", ns / 1000, ns % 1000)
    }
}

impl Kernel {
    pub fn thread_name(&self, t: ThreadId) -> &str {
        &self.core.threads[t.0 as usize].name
    }

    pub fn device_name(&self, d: DeviceId) -> &str {
        &self.core.device_names[d.0 as usize]
    }

    pub fn file_name(&self, f: FileId) -> &str {
        &self.core.files[f.0 as usize].name
    }

    pub fn routine_name(&self, t: ThreadId, r: RoutineId) -> &str {
        let p = self.core.threads[t.0 as usize].process;
        &self.core.processes[p.0 as usize].routines[r.0 as usize].name
    }

    /// One sentence (sometimes two) explaining `ev`.
    pub fn explain(&self, ev: &TraceEvent) -> String {
        let t = |id: ThreadId| self.thread_name(id).to_string();
        let d = |id: DeviceId| self.device_name(id).to_string();
        match &ev.what {
            What::ThreadCreated { thread, process } => format!(
                "{} starts in process {}.",
                t(*thread),
                self.core.processes[process.0 as usize].name
            ),
            What::ThreadReady { thread } => {
                format!("{} is ready to run and joins the ready queue.", t(*thread))
            }
            What::ContextSwitched { from, to } => match from {
                Some(f) if f == to => format!(
                    "The dispatcher puts {} back on this CPU (a context switch is paid even so).",
                    t(*to)
                ),
                Some(f) => format!(
                    "Context switch: the dispatcher saves {}'s registers and loads {}'s.",
                    t(*f),
                    t(*to)
                ),
                None => format!("The dispatcher loads {} onto this idle CPU.", t(*to)),
            },
            What::ThreadResumed { thread } => format!(
                "The switch is done: {} runs on this CPU, with a fresh timeslice.",
                t(*thread)
            ),
            What::CpuIdle => {
                "Nothing is ready to run: the CPU idles until an interrupt or a wake-up.".into()
            }
            What::ThreadComputed { thread, ns } => format!(
                "{} runs its own code for {} (no kernel involved).",
                t(*thread),
                us(*ns)
            ),
            What::ThreadWaiting {
                thread,
                reason,
                alertable,
            } => {
                let why = match reason {
                    WaitReason::Io => "for its synchronous I/O to finish",
                    WaitReason::Overlapped => "for an overlapped request",
                    WaitReason::Sleep => "in Sleep",
                    WaitReason::Port => "on its completion port for a packet",
                };
                if *alertable {
                    format!(
                        "{} waits {why}, alertably: a queued completion routine will run as soon as one arrives.",
                        t(*thread)
                    )
                } else {
                    format!("{} waits {why} and leaves the CPU.", t(*thread))
                }
            }
            What::ThreadWoken { thread, reason } => {
                let why = match reason {
                    WakeReason::IoCompleted => "its request completed",
                    WakeReason::Timeout => "its timeout expired",
                    WakeReason::Apc => "an APC was queued to it during an alertable wait",
                    WakeReason::Packet => "the port handed it a completion packet",
                };
                format!("{} wakes: {why}.", t(*thread))
            }
            What::QuantumExpired { thread } => format!(
                "{}'s timeslice is used up and another thread is ready: it will be preempted.",
                t(*thread)
            ),
            What::QuantumRenewed { thread } => format!(
                "The clock's ISR returns: nothing else is ready, so {} keeps the CPU for another timeslice.",
                t(*thread)
            ),
            What::ThreadPreempted { thread } => format!(
                "{} is preempted and goes to the back of the ready queue.",
                t(*thread)
            ),
            What::ThreadExited { thread } => format!("{} exits.", t(*thread)),
            What::SyscallEntered { thread, call } => {
                format!("{} calls {call} and enters the kernel.", t(*thread))
            }
            What::FileOpened {
                thread,
                handle,
                file,
                object,
            } => format!(
                "The I/O manager creates file object {object} for {} and gives {} handle {handle} to it.",
                self.file_name(*file),
                t(*thread)
            ),
            What::HandleClosed { thread, handle } => {
                format!("Handle {handle} of {}'s process is closed.", t(*thread))
            }
            What::SyscallFailed {
                thread,
                call,
                status,
            } => format!("{call} fails for {} with {}.", t(*thread), status.name()),
            What::IrpCreated {
                irp,
                thread,
                major,
                offset,
                len,
            } => format!(
                "The I/O manager builds {irp}: {} {len} bytes at offset {offset}, for {}, with one stack location per driver.",
                major.name(),
                t(*thread)
            ),
            What::IrpDispatched {
                irp,
                device,
                stack_location,
            } => format!(
                "{irp} is passed to {}'s driver (stack location {stack_location}); its dispatch routine runs on the caller's CPU.",
                d(*device)
            ),
            What::IrpPending { irp } => format!(
                "The driver cannot finish {irp} now: it marks it pending and returns STATUS_PENDING."
            ),
            What::IrpQueued {
                irp,
                device,
                queue_len,
            } => format!(
                "{}'s driver puts {irp} in its queue ({queue_len} waiting).",
                d(*device)
            ),
            What::IrpStarted { irp, device } => format!(
                "{}'s driver takes {irp} from its queue to program the device.",
                d(*device)
            ),
            What::IrpCompleted {
                irp, status, bytes, ..
            } => format!(
                "The driver completes {irp} ({}, {bytes} bytes); the I/O manager now sends the result on its way.",
                status.name()
            ),
            What::IoReturned {
                thread,
                irp,
                pending,
            } => {
                if *pending {
                    format!(
                        "The I/O manager returns to {} while {irp} is still in progress.",
                        t(*thread)
                    )
                } else {
                    format!(
                        "The I/O manager returns to {}; {irp} is already finished.",
                        t(*thread)
                    )
                }
            }
            What::IoDelivered { thread, irp, bytes } => {
                format!("{} gets the result of {irp}: {bytes} bytes.", t(*thread))
            }
            What::DmaDescriptorPosted {
                device,
                slot,
                irp,
                segments,
                bytes,
            } => format!(
                "The driver writes DMA descriptor {slot} for {irp} ({bytes} bytes in {segments} scatter/gather segment{}), hands it to {} and rings the doorbell.",
                if *segments == 1 { "" } else { "s" },
                d(*device)
            ),
            What::DeviceTransferStarted {
                device,
                slot,
                seek_ns,
                rotation_ns,
                transfer_ns,
                ..
            } => format!(
                "{} starts on descriptor {slot} by itself: seek {}, rotation {}, transfer {}. No CPU is involved.",
                d(*device),
                us(*seek_ns),
                us(*rotation_ns),
                us(*transfer_ns)
            ),
            What::DmaDescriptorConsumed {
                device,
                slot,
                irp,
                bytes,
            } => format!(
                "{} has moved {bytes} bytes for {irp} by DMA and gives descriptor {slot} back to the driver.",
                d(*device)
            ),
            What::DmaDescriptorReaped { device, slot, irp } => format!(
                "The DPC reaps descriptor {slot} of {}: {irp} is done.",
                d(*device)
            ),
            What::InterruptRaised { irq, device } => format!(
                "{} raises {irq} to tell a CPU it has finished a transfer.",
                d(*device)
            ),
            What::InterruptCoalesced { irq, device } => format!(
                "{} finishes another transfer while {irq} is still being handled: no new interrupt, the pending DPC will reap it too.",
                d(*device)
            ),
            What::IsrStarted { irq, device } => format!(
                "{irq} preempts this CPU: {}'s ISR runs at device level, acknowledges the device and does as little as it can.",
                d(*device)
            ),
            What::IsrFinished { irq, device } => format!(
                "{}'s ISR returns and {irq} is lowered: the CPU drops back to what it was doing before.",
                d(*device)
            ),
            What::DpcQueued { device } => format!(
                "The ISR queues {}'s DPC to finish the work at a lower level.",
                d(*device)
            ),
            What::DpcStarted { device } => format!(
                "{}'s DPC runs at DISPATCH level, before any thread gets this CPU back.",
                d(*device)
            ),
            What::DpcFinished { device } => {
                format!("{}'s DPC has refilled the ring and is done.", d(*device))
            }
            What::ClockInterrupt => {
                "The clock interrupt fires: the running thread's timeslice is over.".into()
            }
            What::ApcQueued {
                thread,
                irp,
                routine,
            } => format!(
                "The I/O manager queues an APC to {}: completion routine {} for {irp} will run when {} waits alertably.",
                t(*thread),
                self.routine_name(*thread, *routine),
                t(*thread)
            ),
            What::ApcRun {
                thread,
                irp,
                routine,
            } => format!(
                "{} is in an alertable wait, so the kernel borrows it to run {} for {irp}.",
                t(*thread),
                self.routine_name(*thread, *routine)
            ),
            What::ApcDiscarded {
                thread,
                irp,
                routine,
            } => format!(
                "{} has exited, so completion routine {} for {irp} will never run: the APC is discarded.",
                t(*thread),
                self.routine_name(*thread, *routine)
            ),
            What::AlertableWaitReturned { thread, apcs } => format!(
                "{} ran {apcs} completion routine{} and its wait returns WAIT_IO_COMPLETION.",
                t(*thread),
                if *apcs == 1 { "" } else { "s" }
            ),
            What::PortCreated {
                port,
                concurrency,
                handle,
            } => format!(
                "A completion port {port} is created (handle {handle}); at most {concurrency} of its threads may run at once."
            ),
            What::FileBound { object, port, key } => format!(
                "File object {object} is bound to {port} with key {key}: its completions become packets there."
            ),
            What::PacketQueued {
                port,
                irp,
                key,
                queue_len,
            } => match irp {
                Some(irp) => format!(
                    "The I/O manager queues a completion packet for {irp} (key {key}) to {port} ({queue_len} queued)."
                ),
                None => {
                    format!("A packet with key {key} is posted to {port} ({queue_len} queued).")
                }
            },
            What::PacketDequeued {
                port,
                thread,
                key,
                running,
                ..
            } => format!(
                "{} takes the oldest packet (key {key}) from {port}; {running} of its threads now run.",
                t(*thread)
            ),
            What::PortRunningOver {
                port,
                thread,
                running,
                concurrency,
            } => format!(
                "{} wakes from another wait and counts again: {running} threads of {port} run, over its limit of {concurrency}, until some come back to the port.",
                t(*thread)
            ),
        }
    }

    /// One narrated line: time, CPU, event kind and its sentence.
    pub fn narrate(&self, ev: &TraceEvent) -> String {
        let cpu = ev.cpu.map_or_else(|| "-".to_string(), |c| c.to_string());
        format!(
            "{:>14}  {cpu:<5} {:<22} {}",
            format_time(ev.time),
            ev.what.kind(),
            self.explain(ev)
        )
    }
}
