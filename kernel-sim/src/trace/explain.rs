//! Plain-English sentences for trace events. Each says what happened and, where it
//! teaches something, why the kernel did it this way. Built only when printed.
//!
//! Every sentence must be true of Windows, or say that iosim simplifies. A sentence is
//! a function of its event alone (and the run's names): each event carries the facts its
//! sentence states (what an ISR interrupted, what a DPC did, whether a ready thread must
//! wait), so the text, JSON and walkthrough outputs say the same thing at any step.
//!
//! Where the model departs from Windows, a [`Note`] says so the first time it matters in
//! a run; a [`Narrator`], fed every event in order, decides when that is.

use super::{Pass, TraceEvent, WaitReason, WakeReason, What};
use crate::cpu::FrameKind;
use crate::ids::*;
use crate::io::Status;
use crate::kernel::Kernel;
use std::collections::BTreeSet;

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

/// Formats a time for a reader: in the largest unit that keeps it at or above 1, rounded
/// to three decimals, so that "310895964.225 us" reads "310.896 s". Unlike
/// [`format_time_short`], which cuts (an axis label must not claim a later time than its
/// column's), this rounds, and moves up a unit when rounding reaches 1000 of one:
/// 999.9996 ms reads "1.000 s", never "1000.000 ms".
pub fn format_time_scaled(ns: u64) -> String {
    for (scale, unit) in [(1_000_000_000u128, "s"), (1_000_000, "ms")] {
        // Thousandths of the unit, rounded half up.
        let milli = (u128::from(ns) * 1000 + scale / 2) / scale;
        if milli >= 1000 {
            return format!("{}.{:03} {unit}", milli / 1000, milli % 1000);
        }
    }
    format!("{}.{:03} us", ns / 1000, ns % 1000)
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

/// A duration for a sentence: microseconds below a millisecond, else milliseconds, with
/// three decimals ("40.960 us", "8.333 ms").
pub fn duration(ns: u64) -> String {
    if ns >= 1_000_000 {
        format!("{}.{:03} ms", ns / 1_000_000, (ns % 1_000_000) / 1000)
    } else {
        format!("{}.{:03} us", ns / 1000, ns % 1000)
    }
}

/// "1 request", "2 requests": a count with its noun, for a sentence.
pub fn count(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A way iosim's model departs from Windows, said once per run, at the first event
/// where a student would otherwise take the model for the real thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Note {
    /// At the first IRP dispatch.
    NoFileSystem,
    /// At the first request a driver starts from its dispatch routine.
    StartIoAtPassive,
    /// At the first DPC queued.
    OrdinaryDpcs,
    /// Where a thread's IRP is first freed in a DPC: its completion was finished there.
    CompletionInDpc,
    /// Where a thread's IRP is first freed outside a DPC: inside a dispatch routine, or
    /// in the system worker that completed it again.
    CompletionAtOnce,
    /// Where a woken thread first waits behind a running one.
    NoPriorities,
    /// At the first dispatch.
    WholeTimeslice,
    /// At the first clock interrupt.
    OneShotClock,
    /// At the first preemption.
    PreemptOnlyAtQuantumEnd,
    /// At the first wake-up by a timeout.
    TimeoutsWithoutTimer,
    /// At the first idle CPU.
    NoIdleThread,
}

impl Note {
    /// The sentence, starting "Simplification:".
    pub fn text(self) -> &'static str {
        match self {
            Note::NoFileSystem => {
                "Simplification: iosim has no file system or volume drivers. The I/O manager itself \
                 turns the file offset into a disk address and sends the IRP straight to the disk \
                 driver; in Windows a file system driver does that."
            }
            Note::StartIoAtPassive => {
                "Simplification: iosim's driver programs the device from its dispatch routine, at \
                 PASSIVE_LEVEL in the caller's thread; a Windows driver's StartIo routine runs at \
                 DISPATCH_LEVEL."
            }
            Note::OrdinaryDpcs => {
                "Simplification: every DPC in iosim is an ordinary DPC queued to the CPU that ran \
                 the ISR; there are no threaded DPCs and no DPC importance or target CPU."
            }
            Note::CompletionInDpc => {
                "Simplification: iosim finished this completion in the DPC: it copied a read's \
                 data to the caller's buffer and delivered the status, the event, the APC or the \
                 packet. Windows does that part in the requesting thread, through a special kernel \
                 APC, and a disk read uses direct I/O, with no copy."
            }
            Note::CompletionAtOnce => {
                "Simplification: iosim finished this completion where the IRP was last \
                 completed, in the thread running there: it copied a read's data to the caller's \
                 buffer and delivered the status, the event, the APC or the packet. Windows does \
                 that part in the context of the thread that made the request, usually through a \
                 special kernel APC."
            }
            Note::NoPriorities => {
                "Simplification: iosim has no thread priorities and no priority boosts, so the \
                 woken thread waits its turn. Windows boosts a thread whose I/O completed, and it \
                 would usually preempt a lower-priority thread at once."
            }
            Note::WholeTimeslice => {
                "Simplification: iosim gives a thread a whole timeslice each time it is \
                 dispatched. Windows keeps account of a thread's quantum across its runs and \
                 replenishes it when the quantum ends; a thread that waits gives up the rest of its \
                 slice."
            }
            Note::OneShotClock => {
                "Simplification: iosim's clock is a one-shot timer armed for the end of each \
                 timeslice, so every clock interrupt ends one, and time spent in ISRs and DPCs \
                 counts against it. A real clock ticks periodically (every 15.6 ms by default on \
                 Windows) and most ticks do not end a quantum."
            }
            Note::PreemptOnlyAtQuantumEnd => {
                "Simplification: with no priorities, iosim preempts a thread only when its \
                 timeslice ends; in Windows a higher-priority thread that becomes ready preempts \
                 it at once."
            }
            Note::TimeoutsWithoutTimer => {
                "Simplification: iosim makes a thread whose sleep or wait timed out ready directly; \
                 Windows notices expired timers in the clock interrupt and its DPC."
            }
            Note::NoIdleThread => {
                "Simplification: an idle CPU in iosim runs nothing; Windows runs the CPU's idle \
                 thread, which waits for work."
            }
        }
    }
}

/// Decides which [`Note`] is due at each event of a run. Feed it every event once, in
/// trace order.
#[derive(Debug, Clone, Default)]
pub struct Narrator {
    given: BTreeSet<Note>,
    /// CPUs running a DPC now (a request started there is not started in dispatch).
    in_dpc: BTreeSet<CpuId>,
    /// The thread last woken, until it is made ready.
    just_woken: Option<ThreadId>,
    /// Threads' IRPs not yet freed (the kernel's own have no caller to deliver to).
    for_threads: BTreeSet<IrpId>,
}

impl Narrator {
    pub fn new() -> Self {
        Self::default()
    }

    /// The note due at `ev`, if this is the first time it matters.
    pub fn observe(&mut self, ev: &TraceEvent) -> Option<Note> {
        let note = match ev.what {
            // A stream has no file system to skip: its driver is its file system.
            What::IrpDispatched {
                device_offset: Some(_),
                ..
            } => Some(Note::NoFileSystem),
            What::IrpStarted { .. } => match ev.cpu {
                Some(cpu) if !self.in_dpc.contains(&cpu) => Some(Note::StartIoAtPassive),
                _ => None,
            },
            What::DpcQueued { .. } => Some(Note::OrdinaryDpcs),
            What::DpcStarted { .. } => {
                self.in_dpc.extend(ev.cpu);
                None
            }
            What::DpcFinished { .. } => {
                if let Some(cpu) = ev.cpu {
                    self.in_dpc.remove(&cpu);
                }
                None
            }
            What::IrpCreated {
                irp,
                thread: Some(_),
                ..
            } => {
                self.for_threads.insert(irp);
                None
            }
            // Freed once its result is on its way: where that happened is where iosim
            // finished the completion (a filter may have held the IRP past the DPC).
            What::IrpFreed { irp } if self.for_threads.remove(&irp) => match ev.cpu {
                Some(cpu) if self.in_dpc.contains(&cpu) => Some(Note::CompletionInDpc),
                _ => Some(Note::CompletionAtOnce),
            },
            What::ThreadWoken { thread, reason } => {
                self.just_woken = Some(thread);
                matches!(reason, WakeReason::Timeout | WakeReason::SleepOver)
                    .then_some(Note::TimeoutsWithoutTimer)
            }
            What::ThreadReady { thread, queued, .. } => {
                let woken = self.just_woken.take() == Some(thread);
                (woken && queued).then_some(Note::NoPriorities)
            }
            What::ThreadResumed { .. } => Some(Note::WholeTimeslice),
            What::ClockInterrupt => Some(Note::OneShotClock),
            What::ThreadPreempted { .. } => Some(Note::PreemptOnlyAtQuantumEnd),
            What::CpuIdle => Some(Note::NoIdleThread),
            _ => None,
        }?;
        self.given.insert(note).then_some(note)
    }

    /// The event's sentence, followed by the note due at it (this call observes `ev`).
    pub fn narrate(&mut self, kernel: &Kernel, ev: &TraceEvent) -> String {
        let note = self.observe(ev);
        with_note(kernel.explain(ev), note)
    }
}

/// A sentence followed by its note, if one is due.
pub fn with_note(sentence: String, note: Option<Note>) -> String {
    match note {
        Some(note) => format!("{sentence} {}", note.text()),
        None => sentence,
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

    /// A completion port by the name the scenario gave it.
    pub fn port_name(&self, p: PortId) -> &str {
        &self.core.ports[p.0 as usize].name
    }

    /// An OVERLAPPED structure by the scenario's tag for it.
    pub fn overlapped_name(&self, o: OverlappedId) -> &str {
        self.core
            .overlapped_tags
            .get(o.0.get() as usize - 1)
            .map_or("(unnamed)", String::as_str)
    }

    pub fn process_name(&self, p: ProcessId) -> &str {
        &self.core.processes[p.0 as usize].name
    }

    pub fn routine_name(&self, t: ThreadId, r: RoutineId) -> &str {
        let p = self.core.threads[t.0 as usize].process;
        &self.core.processes[p.0 as usize].routines[r.0 as usize].name
    }

    /// A kernel object, in words: "manual-reset event done", "thread W1's object".
    pub fn object_words(&self, object: crate::io::Object) -> String {
        use crate::io::Object;
        match object {
            Object::File(fo) => {
                let file = self.core.file_objects[fo.0 as usize].file;
                format!("file object {fo} of {}", self.file_name(file))
            }
            Object::Port(p) => format!("completion port {}", self.port_name(p)),
            Object::Event(e) => {
                let e = &self.core.event_objects[e.0 as usize];
                let kind = if e.manual_reset { "manual" } else { "auto" };
                format!("{kind}-reset event {}", e.name)
            }
            Object::Semaphore(s) => {
                let s = &self.core.semaphores[s.0 as usize];
                format!("semaphore {} (maximum count {})", s.name, s.max)
            }
            Object::Thread(th) => format!("thread {}'s object", self.thread_name(th)),
        }
    }

    /// Which end of its pipe a file object is, in words.
    fn pipe_end(&self, object: FileObjectId) -> &'static str {
        use crate::driver::Opening;
        match self.core.file_objects[object.0 as usize].opening {
            Opening::PipeReadEnd => "the read end",
            Opening::PipeWriteEnd => "the write end",
            Opening::NamedPipeServer => "the server's end",
            Opening::NamedPipeClient => "a client's end",
            Opening::File => "a file",
        }
    }

    /// What a frame on a CPU is, in words, and the level it runs at.
    fn frame_words(&self, frame: Option<FrameKind>) -> (String, &'static str) {
        match frame {
            None => ("nothing".into(), "PASSIVE_LEVEL"),
            Some(FrameKind::Thread { thread }) => {
                (self.thread_name(thread).to_string(), "PASSIVE_LEVEL")
            }
            Some(FrameKind::Switch { to, .. }) => (
                format!("the context switch to {}", self.thread_name(to)),
                "DISPATCH_LEVEL",
            ),
            Some(FrameKind::Dpc { device } | FrameKind::DpcTail { device }) => (
                format!("{}'s interrupted DPC", self.device_name(device)),
                "DISPATCH_LEVEL",
            ),
            Some(FrameKind::Isr { device, .. }) => (
                format!("{}'s interrupted ISR", self.device_name(device)),
                "its device level",
            ),
            Some(FrameKind::Clock) => ("the clock's interrupted ISR".into(), "CLOCK_LEVEL"),
        }
    }

    /// One sentence (sometimes two) explaining `ev`. A [`Narrator`] adds the notes.
    pub fn explain(&self, ev: &TraceEvent) -> String {
        let t = |id: ThreadId| self.thread_name(id).to_string();
        let d = |id: DeviceId| self.device_name(id).to_string();
        let port = |id: PortId| self.port_name(id).to_string();
        match &ev.what {
            What::ThreadCreated { thread, process } => format!(
                "{} starts in process {}.",
                t(*thread),
                self.process_name(*process)
            ),
            What::ThreadReady {
                thread,
                queued: false,
                ..
            } => format!("{} is ready to run, and an idle CPU takes it.", t(*thread)),
            What::ThreadReady { thread, ahead, .. } => match ahead {
                0 => format!(
                    "{} is ready to run and waits at the head of the ready queue: no CPU is idle.",
                    t(*thread)
                ),
                n => format!(
                    "{} is ready to run and joins the ready queue behind {}: no CPU is idle.",
                    t(*thread),
                    count(*n, "other thread")
                ),
            },
            What::ContextSwitched {
                from,
                to,
                first,
                idle,
            } => {
                let load = if *first {
                    format!("{} (it has not run yet)", t(*to))
                } else {
                    format!("{}'s saved context", t(*to))
                };
                match from {
                    Some(f) if f == to => format!(
                        "The dispatcher reloads {}'s context on this CPU; the switch costs the same.",
                        t(*to)
                    ),
                    Some(f) => format!(
                        "Context switch: the dispatcher saves {}'s context and loads {load}.",
                        t(*f)
                    ),
                    None if *idle => format!(
                        "The dispatcher loads {load} onto this idle CPU; no thread is running here, so none \
                         has its context saved."
                    ),
                    None => format!(
                        "The dispatcher loads {load} onto this CPU; the thread that ran here has \
                         exited, so no context is saved."
                    ),
                }
            }
            What::ThreadResumed { thread } => format!(
                "The switch is done: {} runs on this CPU, with a whole timeslice.",
                t(*thread)
            ),
            What::CpuIdle => {
                "Nothing is ready to run: the CPU idles until a thread becomes ready.".into()
            }
            What::ThreadComputed { thread, ns, pass } => {
                let pass = match pass {
                    Some(Pass { n, of }) => format!(" (pass {n} of {of})"),
                    None => String::new(),
                };
                format!(
                    "{} runs user-mode code for {} of CPU time{pass}. It makes no system call, but \
                     interrupts and DPCs can still take the CPU meanwhile.",
                    t(*thread),
                    duration(*ns)
                )
            }
            What::ComputeStretched {
                thread,
                ns,
                wall_ns,
            } => format!(
                "{}'s {} of user-mode code ends {} after it began: for {} of that the CPU ran \
                 something else (an interrupt, a DPC, or another thread).",
                t(*thread),
                duration(*ns),
                duration(*wall_ns),
                duration(wall_ns - ns)
            ),
            What::ThreadWaiting {
                thread,
                call,
                reason,
                alertable,
            } => {
                let name = t(*thread);
                let what = match reason {
                    WaitReason::Io => format!(
                        "{name} waits inside {call}: on a handle opened for synchronous I/O the I/O \
                         manager waits in the kernel until the request completes"
                    ),
                    WaitReason::Overlapped => {
                        format!("{name} waits in {call} for its overlapped request's event")
                    }
                    WaitReason::Sleep => format!("{name} sleeps in {call}"),
                    WaitReason::Port => {
                        format!("{name} waits in {call} for a packet from its completion port")
                    }
                    WaitReason::Objects => {
                        format!("{name} waits in {call} until what it waits on is signalled")
                    }
                    WaitReason::FileLock => format!(
                        "{name} waits in {call} before it starts: another thread's request on \
                         this synchronous file object is in progress, and I/O on a handle \
                         opened without FILE_FLAG_OVERLAPPED is serialized"
                    ),
                    WaitReason::WorkItem => format!(
                        "{name} waits in {call} on its work queue: it runs only when work is \
                         queued (a kernel component's request, a driver's work item)"
                    ),
                };
                if *alertable {
                    format!(
                        "{what}, alertably: an APC queued to {name} ends the wait, and {name} runs \
                         the routine once it is scheduled again."
                    )
                } else {
                    format!("{what}. It leaves the CPU.")
                }
            }
            What::ThreadWoken { thread, reason } => {
                let why = match reason {
                    WakeReason::IoCompleted => "its request completed",
                    WakeReason::Timeout => "its timeout expired",
                    WakeReason::Apc => "an APC was queued to it during an alertable wait",
                    WakeReason::Packet => "the port released it with a completion packet",
                    WakeReason::PortClosed => "the completion port it waited on was closed",
                    WakeReason::Signalled => "what it waited on was signalled",
                    WakeReason::WorkQueued => "work was queued for it",
                    WakeReason::FileUnlocked => {
                        "the request in progress on its file object is over, and its own may start"
                    }
                    WakeReason::SleepOver => {
                        return format!("{}'s sleep is over.", t(*thread));
                    }
                };
                format!("{}'s wait ends: {why}.", t(*thread))
            }
            What::QuantumExpired { thread } => format!(
                "{}'s timeslice is used up and another thread is ready: once this CPU drops below \
                 DISPATCH_LEVEL, {} is preempted.",
                t(*thread),
                t(*thread)
            ),
            What::QuantumRenewed { thread } => format!(
                "The clock's ISR has returned; no other thread is ready, so {} keeps the CPU and a \
                 new timeslice begins.",
                t(*thread)
            ),
            What::ThreadPreempted { thread } => format!(
                "{} is preempted and goes to the back of the ready queue.",
                t(*thread)
            ),
            What::ThreadExited { thread, in_flight } => match in_flight {
                0 => format!("{} exits.", t(*thread)),
                1 => format!(
                    "{} exits; a request it issued could not be taken back and runs to its end \
                     (its completion routine, if it has one, is discarded).",
                    t(*thread),
                ),
                n => format!(
                    "{} exits; {n} requests it issued could not be taken back and run to their \
                     end (their completion routines, if any, are discarded).",
                    t(*thread),
                ),
            },
            What::IrpCancelRequested { irp, reason, held } => {
                use crate::io::cancel::CancelReason;
                let why = match reason {
                    CancelReason::CancelIo => "CancelIo",
                    CancelReason::CancelIoEx => "CancelIoEx",
                    CancelReason::ThreadExit => "Its thread is exiting (IoCancelThreadIo)",
                    CancelReason::Cleanup => "Its file object is being cleaned up",
                };
                if *held {
                    format!(
                        "{why}: the I/O manager asks for {irp} to be cancelled (IoCancelIrp) and \
                         calls the cancel routine of the driver that holds it."
                    )
                } else {
                    format!(
                        "{why}: the I/O manager asks for {irp} to be cancelled (IoCancelIrp). No \
                         driver has queued it yet, so there is no cancel routine to call: the \
                         IRP's cancel flag is set, and the driver that would queue it completes \
                         it cancelled instead."
                    )
                }
            }
            What::CancelRoutineRan {
                irp,
                driver,
                taken,
                now,
            } => {
                let name = self.driver_name(*driver);
                match (taken, now) {
                    (true, true) => format!(
                        "The {name}'s cancel routine takes {irp} out of its queue and completes \
                         it with STATUS_CANCELLED."
                    ),
                    (true, false) => format!(
                        "The {name}'s cancel routine takes {irp} back from the hardware, which \
                         has not started on it: it completes with STATUS_CANCELLED once the \
                         hardware gives it up."
                    ),
                    (false, _) => format!(
                        "The {name}'s cancel routine cannot take {irp} back: the hardware is \
                         already moving its data, so it completes as it would have."
                    ),
                }
            }
            What::FileCleanup {
                object,
                requests,
                cancelling,
            } => {
                let file = self.file_name(self.core.file_objects[object.0 as usize].file);
                let what = match (requests, cancelling) {
                    (0, _) => "; none of its requests is in flight".to_string(),
                    (n, c) if c == n => {
                        format!(", cancelling its {} still in flight", count(*n, "request"))
                    }
                    (n, 0) => format!(
                        "; its {} still in flight already had {} cancel asked for",
                        count(*n, "request"),
                        if *n == 1 { "its" } else { "their" }
                    ),
                    (n, c) => format!(
                        ", cancelling {c} of its {} still in flight (the others' cancel was \
                         asked for already)",
                        count(*n, "request")
                    ),
                };
                format!(
                    "The last handle to file object {object} of {file} is closed: the I/O \
                     manager cleans it up (IRP_MJ_CLEANUP){what}, and its driver's cleanup \
                     routine runs."
                )
            }
            What::SyscallEntered { thread, call } => {
                format!("{} calls {call} and enters the kernel.", t(*thread))
            }
            What::FileOpened {
                call,
                thread,
                handle,
                file,
                object,
            } => {
                let process = self.core.threads[thread.0 as usize].process;
                let what = match self.core.files[file.0 as usize].kind {
                    crate::io::FileKind::Extent => self.file_name(*file).to_string(),
                    crate::io::FileKind::Pipe { named, .. } => format!(
                        "{} of {}pipe {}",
                        self.pipe_end(*object),
                        if named { "named " } else { "" },
                        self.file_name(*file)
                    ),
                };
                format!(
                    "The I/O manager creates file object {object} for {what}; handle {handle} to \
                     it goes in process {}'s handle table, and {call} returns it to {}.",
                    self.process_name(process),
                    t(*thread)
                )
            }
            What::HandleClosed {
                thread,
                handle,
                others,
                at_exit,
            } => {
                let process = self.process_name(self.core.threads[thread.0 as usize].process);
                let closed = if *at_exit {
                    format!(
                        "Process {process} has no thread left, so Windows closes its handles: \
                         {handle} leaves its handle table."
                    )
                } else {
                    format!(
                        "Handle {handle} is closed and leaves process {process}'s handle table."
                    )
                };
                match others {
                    Some(0) | None => closed,
                    Some(n) => format!(
                        "{closed} The object stays open through its {} still open.",
                        match n {
                            1 => "other handle".to_string(),
                            n => format!("{n} other handles"),
                        }
                    ),
                }
            }
            What::ObjectOpened {
                thread,
                handle,
                object,
            } => {
                let process = self.core.threads[thread.0 as usize].process;
                let note = match object {
                    crate::io::Object::Thread(_) => {
                        " A thread's object is signalled once the thread exits."
                    }
                    _ => "",
                };
                format!(
                    "Handle {handle} to {} goes in process {}'s handle table, for {}.{note}",
                    self.object_words(*object),
                    self.process_name(process),
                    t(*thread)
                )
            }
            What::ObjectDestroyed { object } => format!(
                "The last reference to {} is gone (every handle to it is closed and no wait \
                 holds it): the object is destroyed.",
                self.object_words(*object)
            ),
            What::EventSet {
                thread,
                event,
                released,
            } => {
                let e = &self.core.event_objects[event.0 as usize];
                let then = match (e.manual_reset, released) {
                    (true, 0) => "it stays signalled until someone resets it; no waiting thread's \
                         wait is satisfied by it now"
                        .to_string(),
                    (true, n) => format!(
                        "it stays signalled until someone resets it, and every wait it satisfies \
                         ends: {} released",
                        count(*n, "thread")
                    ),
                    (false, 0) => "an auto-reset event with no wait it can satisfy now, it stays \
                         signalled until a wait takes it"
                        .into(),
                    (false, _) => {
                        "an auto-reset event, it releases one waiting thread and resets at once"
                            .into()
                    }
                };
                format!("{} sets event {}: {then}.", t(*thread), e.name)
            }
            What::EventReset { thread, event } => format!(
                "{} resets event {}: it is not signalled any more.",
                t(*thread),
                self.core.event_objects[event.0 as usize].name
            ),
            What::SemaphoreReleased {
                thread,
                semaphore,
                count: by,
                now,
                released,
            } => {
                let waiters = match released {
                    0 => "no waiting thread's wait is satisfied by it now".to_string(),
                    n => format!(
                        "{} waiting {} released, each taking one, which leaves {}",
                        count(*n, "thread"),
                        if *n == 1 { "is" } else { "are" },
                        now - n
                    ),
                };
                format!(
                    "{} releases semaphore {} by {by}: its count is {now}; {waiters}.",
                    t(*thread),
                    self.core.semaphores[semaphore.0 as usize].name
                )
            }
            What::WaitReturned {
                thread,
                call,
                result,
                object,
            } => {
                let why = match (result, object) {
                    (crate::object::WaitResult::Object { .. }, Some(o)) => {
                        let took = match o {
                            crate::io::Object::Event(e)
                                if !self.core.event_objects[e.0 as usize].manual_reset =>
                            {
                                ", and the wait reset it"
                            }
                            crate::io::Object::Event(_) => " and stays signalled",
                            crate::io::Object::Semaphore(_) => {
                                ", and the wait took one of its count"
                            }
                            crate::io::Object::Thread(_) => ": the thread has exited",
                            _ => "",
                        };
                        format!("{} was signalled{took}", self.object_words(*o))
                    }
                    (crate::object::WaitResult::Object { .. }, None) => {
                        "every object it waited for was signalled, and the wait took them \
                         together"
                            .into()
                    }
                    (crate::object::WaitResult::Timeout, _) => "its timeout expired".into(),
                };
                format!("{call} returns {} to {}: {why}.", result.name(), t(*thread))
            }
            What::SyscallFailed {
                thread,
                call,
                status,
            } => {
                let why = match status {
                    crate::io::Status::AbandonedWait0 => {
                        ": the completion port it waited on was closed"
                    }
                    crate::io::Status::IoIncomplete => ": the request is still in progress",
                    _ => "",
                };
                // A code with no NTSTATUS of its own is named once.
                let ntstatus = if status.name() == status.win32_name() {
                    String::new()
                } else {
                    format!(" ({})", status.name())
                };
                format!(
                    "{call} fails for {}{why}; GetLastError gives {}{ntstatus}.",
                    t(*thread),
                    status.win32_name(),
                )
            }
            What::TimedOutAtOnce { thread, call } => format!(
                "{call} returns WAIT_TIMEOUT to {} at once: there was nothing to take and the \
                 timeout was 0, so it did not wait.",
                t(*thread)
            ),
            What::IrpCreated {
                irp,
                thread,
                major,
                offset,
                len,
            } => {
                let copy = match major {
                    crate::io::Major::Write => {
                        "; the caller's data is copied into its system buffer now (buffered I/O)"
                    }
                    crate::io::Major::Read => "",
                };
                let at = match offset {
                    Some(offset) => format!(" at offset {offset} of the file"),
                    None => " on the pipe (a stream, with no offset)".to_string(),
                };
                let whose = match thread {
                    Some(thread) => t(*thread),
                    None => "the kernel itself (no thread owns it: its result goes to a kernel \
                             component's callback, and the system worker sends it)"
                        .to_string(),
                };
                format!(
                    "The I/O manager builds {irp}: {} {len} bytes{at}, for {whose}, with one \
                     stack location per driver{copy}.",
                    major.name(),
                )
            }
            What::IrpDispatched {
                irp,
                device,
                driver,
                stack_location,
                device_offset,
            } => {
                let byte = match device_offset {
                    Some(byte) => format!(", device byte {byte}"),
                    None => String::new(),
                };
                format!(
                    "{irp} goes to {}'s {} (stack location {stack_location}{byte}); its dispatch \
                     routine runs on the caller's CPU, in the caller's thread.",
                    d(*device),
                    self.driver_name(*driver)
                )
            }
            What::IrpPassedDown {
                irp,
                driver,
                completion,
            } => {
                let routine = if *completion {
                    ", with a completion routine set to run when the IRP comes back up"
                } else {
                    ""
                };
                format!(
                    "The {} passes {irp} to the driver below it (IoCallDriver){routine}.",
                    self.driver_name(*driver)
                )
            }
            What::CompletionRoutineRan {
                irp,
                driver,
                stack_location,
                held,
            } => {
                let then = if *held {
                    "; it keeps the IRP (STATUS_MORE_PROCESSING_REQUIRED) and will complete it again"
                } else {
                    ", and completion goes on up the stack"
                };
                format!(
                    "On its way back up, {irp} runs the {}'s completion routine (stack location \
                     {stack_location}){then}.",
                    self.driver_name(*driver)
                )
            }
            // A work routine runs "at IRQL = PASSIVE_LEVEL in the context of a system worker
            // thread" (Microsoft Learn: IoQueueWorkItem function), where a driver may wait.
            What::WorkItemQueued {
                driver,
                irp,
                queued,
            } => format!(
                "The {} queues a work item for {irp} (IoQueueWorkItem; {queued} queued for the \
                 system worker): a system worker thread will call its work routine at \
                 PASSIVE_LEVEL, where a driver may wait, which it must not do at DISPATCH_LEVEL.",
                self.driver_name(*driver)
            ),
            What::WorkItemRan {
                driver,
                irp,
                thread,
            } => format!(
                "{} calls the {}'s work routine for {irp}, at PASSIVE_LEVEL, in the System \
                 process.",
                t(*thread),
                self.driver_name(*driver)
            ),
            What::IrpCompletionResumed { irp, driver } => format!(
                "The {} completes {irp} again: completion goes on up the stack.",
                self.driver_name(*driver)
            ),
            What::IrpPending { irp } => format!(
                "The driver cannot finish {irp} now: it marks it pending (IoMarkIrpPending), and \
                 its dispatch routine will return STATUS_PENDING."
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
                "The driver completes {irp} ({}, {bytes} bytes) with IoCompleteRequest; the I/O \
                 manager sends the result on the path the caller chose.",
                status.name()
            ),
            What::IrpFreed { irp } => {
                format!("The I/O manager has sent {irp}'s result on its way and frees the IRP.")
            }
            What::KernelRequestQueued { client, queued } => format!(
                "The {} needs a request of its own: it queues a work item for the system \
                 worker thread ({queued} queued), which builds and sends the IRP at PASSIVE_LEVEL.",
                self.client_name(*client),
            ),
            What::ClientCalledBack {
                irp,
                client,
                status,
                bytes,
            } => format!(
                "{irp} was the kernel's own request: the I/O manager gives its result ({}, {}) \
                 to the {}'s callback. No thread waits for it and nothing goes to a program.",
                status.name(),
                count(*bytes, "byte"),
                self.client_name(*client),
            ),
            What::ReadAtEndOfFile {
                thread,
                file,
                offset,
            } => format!(
                "{}'s read starts at byte {offset} of {}, which is {} bytes long: at the end of \
                 the file a synchronous ReadFile without an OVERLAPPED reads nothing and \
                 succeeds, with 0 bytes read; that is how a program learns it has reached the \
                 end.",
                t(*thread),
                self.file_name(*file),
                self.core.files[file.0 as usize].length
            ),
            What::CallReturned {
                thread,
                call,
                returned,
                error,
            } => match (returned, error) {
                (crate::syscall::Returned::Nothing, _) => {
                    format!("{call} returns to {}; it has no return value.", t(*thread))
                }
                (_, Some(Status::Pending)) => format!(
                    "{call} returns {} to {}, and GetLastError gives ERROR_IO_PENDING: the \
                     request is in progress, which is not a failure.",
                    returned.name(),
                    t(*thread)
                ),
                (_, Some(error)) => format!(
                    "{call} returns {} to {}, and GetLastError gives {}.",
                    returned.name(),
                    t(*thread),
                    error.win32_name()
                ),
                (_, None) => format!("{call} returns {} to {}.", returned.name(), t(*thread)),
            },
            What::IoReturned {
                thread,
                irp,
                pending,
                sync,
            } => match (pending, sync) {
                (true, true) => format!(
                    "The dispatch routine returned STATUS_PENDING. The handle is synchronous, so \
                     the I/O manager does not return to {} yet: the call waits in the kernel until \
                     {irp} completes.",
                    t(*thread)
                ),
                (true, false) => format!(
                    "The I/O manager returns to {} while {irp} is still in progress.",
                    t(*thread)
                ),
                (false, _) => format!(
                    "The I/O manager returns to {}; {irp} is already finished.",
                    t(*thread)
                ),
            },
            What::IoDelivered {
                thread,
                irp,
                bytes,
                status,
            } => {
                if status.is_error() {
                    format!(
                        "{} learns that {irp} failed: {} ({}, {bytes} bytes moved).",
                        t(*thread),
                        status.name(),
                        status.win32_name()
                    )
                } else {
                    format!("{} gets the result of {irp}: {bytes} bytes.", t(*thread))
                }
            }
            What::Device { device, .. } => {
                let (_, event) = ev.what.device_event().expect("a device event");
                let names = crate::device::Names {
                    device: self.device_name(*device),
                    core: &self.core,
                };
                (event.kind.explain)(&event, &names)
            }
            What::InterruptRaised { irq, device } => format!(
                "{} asserts {irq} to tell a CPU it has finished a transfer; the line stays asserted \
                 until an ISR acknowledges the device.",
                d(*device)
            ),
            What::InterruptCoalesced { irq, device } => format!(
                "{} hands another descriptor back while {irq} is still asserted or in service: no \
                 new interrupt; the coming DPC reaps that one too.",
                d(*device)
            ),
            What::IsrStarted { irq, device } => format!(
                "{irq} interrupts this CPU: {}'s ISR runs at the line's device level (DIRQL); it \
                 acknowledges the device and does as little as it can.",
                d(*device)
            ),
            What::IsrFinished {
                irq,
                device,
                dpc_next,
                interrupted,
            } => {
                let (what, level) = self.frame_words(*interrupted);
                let then = match (dpc_next, interrupted) {
                    (true, None) => "The CPU's IRQL falls to DISPATCH_LEVEL, where the queued DPC \
                                     runs; the CPU was idle before the interrupt."
                        .to_string(),
                    (true, Some(_)) => format!(
                        "The CPU's IRQL falls to DISPATCH_LEVEL, where the queued DPC runs before \
                         {what} resumes."
                    ),
                    (false, None) => {
                        "The CPU was idle before the interrupt and goes back to idling.".to_string()
                    }
                    (false, Some(_)) => format!("The CPU goes back to {what} at {level}."),
                };
                format!(
                    "{}'s ISR returns: it has acknowledged the device, so the level-triggered {irq} \
                     drops. {then}",
                    d(*device)
                )
            }
            What::DpcQueued { device } => format!(
                "The ISR queues {}'s DPC on this CPU, to finish the work at DISPATCH_LEVEL.",
                d(*device)
            ),
            What::DpcStarted { device } => format!(
                "{}'s DPC runs at DISPATCH_LEVEL, before any thread gets this CPU back.",
                d(*device)
            ),
            What::DpcFinished {
                device,
                completed,
                started,
            } => {
                let started = match started {
                    0 => "started none".to_string(),
                    n => format!("started {} on the device", count(*n, "request")),
                };
                format!(
                    "{}'s DPC is done: it completed {} and {started}.",
                    d(*device),
                    count(*completed, "request")
                )
            }
            What::ClockInterrupt => {
                "The clock interrupts this CPU: the running thread's timeslice has run out.".into()
            }
            What::ApcQueued {
                thread,
                irp: Some(irp),
                routine,
            } => format!(
                "The I/O manager queues an APC to {}: completion routine {} for {irp} runs when {} \
                 is in an alertable wait.",
                t(*thread),
                self.routine_name(*thread, *routine),
                t(*thread)
            ),
            What::ApcQueued {
                thread,
                irp: None,
                routine,
            } => format!(
                "QueueUserAPC adds an APC to {}'s queue: routine {} runs when {} is in an \
                 alertable wait, or first thing if it has not begun to run.",
                t(*thread),
                self.routine_name(*thread, *routine),
                t(*thread)
            ),
            // The routine's arguments are the request's result: dwErrorCode, a system error
            // code, and dwNumberOfBytesTransfered ("LPOVERLAPPED_COMPLETION_ROUTINE callback
            // function", Microsoft Learn).
            What::ApcRun {
                thread,
                irp,
                routine,
                status,
                bytes,
                at_start,
            } => {
                let (name, routine) = (t(*thread), self.routine_name(*thread, *routine));
                let how = if *at_start {
                    format!("{name} has not begun to run, so it begins by calling")
                } else {
                    format!("In its alertable wait, {name} itself calls")
                };
                match irp {
                    Some(irp) => format!(
                        "{how} completion routine {routine} for {irp}, in user mode, with \
                         dwErrorCode {} and {bytes} bytes transferred; the kernel only delivered \
                         the APC.",
                        status.win32_name(),
                    ),
                    None => format!(
                        "{how} routine {routine}, queued with QueueUserAPC, in user mode; the \
                         kernel only delivered the APC."
                    ),
                }
            }
            What::ApcDiscarded {
                thread,
                irp,
                routine,
            } => format!(
                "{} has exited, so {} never runs: the APC is discarded.",
                t(*thread),
                match irp {
                    Some(irp) => format!(
                        "completion routine {} for {irp}",
                        self.routine_name(*thread, *routine)
                    ),
                    None => format!("routine {}", self.routine_name(*thread, *routine)),
                }
            ),
            What::ApcReturned { thread, routine } => format!(
                "Routine {} returns, and {} goes back to the alertable wait it ran it from.",
                self.routine_name(*thread, *routine),
                t(*thread)
            ),
            What::AlertableWaitReturned { thread, apcs } => format!(
                "{} ran {} and its wait returns WAIT_IO_COMPLETION.",
                t(*thread),
                count(*apcs, "APC routine")
            ),
            What::PortCreated {
                port: p,
                concurrency,
                handle,
            } => format!(
                "Completion port {} is created (handle {handle}) with concurrency {concurrency}: \
                 while {concurrency} of its threads run, it releases no more waiters.",
                port(*p)
            ),
            What::FileBound {
                object,
                port: p,
                key,
            } => format!(
                "File object {object} is associated with {} under key {key}: its overlapped \
                 completions will queue packets there.",
                port(*p)
            ),
            What::PacketQueued {
                port: p,
                irp,
                key,
                bytes,
                overlapped,
                queue_len,
            } => match irp {
                Some(irp) => format!(
                    "The I/O manager queues a completion packet for {irp} (key {key}) to {} ({queue_len} \
                     queued).",
                    port(*p)
                ),
                // "The system does not use or validate these values" (Microsoft Learn:
                // PostQueuedCompletionStatus function).
                None => format!(
                    "A packet with key {key}, a byte count of {bytes} and {} is posted to {} \
                     ({queue_len} queued); the system passes these on without using or checking \
                     them.",
                    match overlapped {
                        Some(o) => format!("OVERLAPPED {}", self.overlapped_name(*o)),
                        None => "no OVERLAPPED (NULL)".to_owned(),
                    },
                    port(*p)
                ),
            },
            What::PacketDequeued {
                port: p,
                thread,
                key,
                status,
                running,
                released,
                ..
            } => {
                let taken = if *released {
                    format!(
                        "{} releases {}, the last thread to start waiting, with its oldest packet \
                         (key {key}); {running} of its threads now run.",
                        port(*p),
                        t(*thread)
                    )
                } else {
                    format!(
                        "{} takes the oldest packet (key {key}) from {} without waiting; {running} \
                         of its threads run.",
                        t(*thread),
                        port(*p)
                    )
                };
                // A packet of a failed request still comes out, and the call says so: FALSE,
                // with the packet's key, byte count and OVERLAPPED filled in
                // ("GetQueuedCompletionStatus function", Microsoft Learn).
                if status.is_error() {
                    format!(
                        "{taken} The packet is a failed request's ({}): GetQueuedCompletionStatus \
                         returns FALSE with it, and GetLastError gives {}.",
                        status.name(),
                        status.win32_name()
                    )
                } else {
                    taken
                }
            }
            What::SkipsPortOnSuccess { thread, object } => format!(
                "{} sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on file object {object}: from now \
                 on, a request on it that succeeds at once queues no packet to its port: the \
                 call's TRUE tells the program instead (its OVERLAPPED's event is still set).",
                t(*thread)
            ),
            What::PacketSkipped { irp, port: p } => format!(
                "{irp} succeeded inside its dispatch routine, and its file skips the port on \
                 success: no packet goes to {}; the call returns TRUE, which is how the \
                 program learns of it.",
                port(*p)
            ),
            What::PortRunningOver {
                port: p,
                thread,
                running,
                concurrency,
            } => format!(
                "{} runs again after a wait that brought it no packet, and counts again: \
                 {running} threads of {} run, over its concurrency value of {concurrency}, \
                 until some come back to the port.",
                t(*thread),
                port(*p)
            ),
            What::PortHeldPacket {
                port: p,
                running,
                concurrency,
                waiting,
            } => format!(
                "{} keeps the packet queued although {} waiting: {running} of its threads \
                 already run, and its concurrency value is {concurrency}, so it releases no \
                 waiter until a running one blocks elsewhere, exits or calls \
                 GetQueuedCompletionStatus again.",
                port(*p),
                match waiting {
                    1 => "1 thread is".to_string(),
                    n => format!("{n} threads are"),
                }
            ),
            What::PortClosed {
                port: p,
                waiters,
                packets,
            } => {
                let waiters = match waiters {
                    0 => String::new(),
                    n => format!(
                        " {} waiting on it wake, and their GetQueuedCompletionStatus fails with \
                         ERROR_ABANDONED_WAIT_0.",
                        count(*n, "thread")
                    ),
                };
                let packets = match packets {
                    0 => String::new(),
                    n => format!(" {} still queued are freed.", count(*n, "packet")),
                };
                format!(
                    "The last handle to {} is closed.{waiters}{packets} iosim frees the port now; \
                     Windows keeps it while files bound to it stay open, though no handle can \
                     reach it.",
                    port(*p)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_times_take_the_unit_that_fits_and_round() {
        assert_eq!(format_time_scaled(0), "0.000 us");
        assert_eq!(format_time_scaled(999_499), "999.499 us");
        assert_eq!(format_time_scaled(999_500), "1.000 ms");
        assert_eq!(format_time_scaled(1_000_000), "1.000 ms");
        assert_eq!(format_time_scaled(9_031_333), "9.031 ms");
        assert_eq!(format_time_scaled(9_031_500), "9.032 ms");
        assert_eq!(format_time_scaled(310_895_964_225), "310.896 s");
        assert_eq!(format_time_scaled(999_999_600), "1.000 s");
        assert_eq!(format_time_scaled(999_499_999), "999.500 ms");
        assert_eq!(format_time_scaled(u64::MAX), "18446744073.710 s");
    }
}
