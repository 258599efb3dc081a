//! What each CPU, device and interrupt line was doing over time, rebuilt from the trace
//! alone: the lanes of a timeline.
//!
//! The trace marks every change of a CPU's frame stack (the kernel traces each push and
//! each pop), so [`Segments`] replays those stacks and records, per CPU, which frame was
//! on top when: a thread's segment ends when an ISR interrupts it and a new one starts
//! when the ISR returns. Devices show their transfers; interrupt lines show when they
//! were raised and in service; threads show when they were ready (runnable, waiting for
//! a CPU) and when they waited, and for what. Idle time is the absence of a segment;
//! a thread's runs are on the CPU lanes.
//!
//! Segments are built incrementally, one event at a time in trace order, so a viewer can
//! feed the trace as the run grows.

use super::{TraceEvent, What};
use crate::engine::Time;
use crate::ids::*;
use std::collections::BTreeMap;

/// A row of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    Cpu(CpuId),
    Device(DeviceId),
    Line(Irq),
    /// A thread's ready periods and waits (when it runs shows on the CPU lanes).
    Thread(ThreadId),
}

/// What occupies a lane during a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// A thread runs (CPU lanes).
    Thread(ThreadId),
    /// The dispatcher switches to a thread.
    Switch { to: ThreadId },
    /// A device's ISR.
    Isr(DeviceId),
    /// The clock's ISR.
    Clock,
    /// A device's DPC.
    Dpc(DeviceId),
    /// The device moves an IRP's data (device lanes).
    Transfer(IrpId),
    /// Raised, waiting for a CPU (line lanes).
    Raised,
    /// Its ISR runs on a CPU.
    InService(CpuId),
    /// The thread waits (thread lanes): for I/O, a sleep, a port, objects, work.
    Waiting(super::WaitReason),
    /// The thread is ready to run and waits for a CPU (thread lanes): from the moment it
    /// is made ready or preempted until the dispatcher starts switching to it.
    Ready,
}

/// One stretch of one activity on a lane. Indexes are positions in the trace, which
/// order events that share a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub activity: Activity,
    pub start: Time,
    pub start_index: usize,
    /// When and at which event it ended; `None` while it lasts.
    pub end: Option<(Time, usize)>,
}

impl Segment {
    /// Whether the segment had begun by trace position `index` (exclusive) and is drawn
    /// as lasting until `index` if it ended later.
    pub fn begun_before(&self, index: usize) -> bool {
        self.start_index < index
    }

    /// The end as seen from trace position `index`: `None` if it had not ended by then.
    pub fn end_before(&self, index: usize) -> Option<Time> {
        self.end.filter(|&(_, i)| i < index).map(|(t, _)| t)
    }
}

/// The lanes, each a list of segments sorted by start that never overlap. Zero-length
/// segments are kept: an ISR that costs no time still happened and is worth a mark.
#[derive(Debug, Clone, Default)]
pub struct Segments {
    lanes: BTreeMap<Lane, Vec<Segment>>,
    /// Each CPU's frame stack as the trace tells it, top last.
    stacks: BTreeMap<CpuId, Vec<Activity>>,
}

impl Segments {
    pub fn new() -> Self {
        Self::default()
    }

    /// The segments built from a whole trace.
    pub fn from_trace(trace: &[TraceEvent]) -> Self {
        let mut s = Self::new();
        for (i, e) in trace.iter().enumerate() {
            s.push(i, e);
        }
        s
    }

    /// Every lane seen so far, CPUs first, then devices, lines and threads.
    pub fn lanes(&self) -> impl Iterator<Item = Lane> + '_ {
        self.lanes.keys().copied()
    }

    /// A lane's segments, in time order.
    pub fn lane(&self, lane: Lane) -> &[Segment] {
        self.lanes.get(&lane).map_or(&[], Vec::as_slice)
    }

    /// The first of a lane's segments still going at `time` or later: where drawing a
    /// window that starts at `time` begins.
    pub fn first_ending_after(&self, lane: Lane, time: Time) -> usize {
        self.lane(lane)
            .partition_point(|s| s.end.is_some_and(|(end, _)| end < time))
    }

    /// Feeds the event at trace position `index`. Events must come in trace order.
    pub fn push(&mut self, index: usize, event: &TraceEvent) {
        let t = event.time;
        match event.what {
            What::ContextSwitched { to, .. } => {
                self.close(Lane::Thread(to), t, index);
                self.cpu_push(index, event, Activity::Switch { to })
            }
            What::ThreadReady { thread, .. } => {
                self.open(Lane::Thread(thread), Activity::Ready, t, index)
            }
            What::ThreadResumed { thread } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Switch { .. }));
                self.cpu_push(index, event, Activity::Thread(thread));
            }
            What::IsrStarted { irq, device } => {
                self.cpu_push(index, event, Activity::Isr(device));
                if let Some(cpu) = event.cpu {
                    self.close(Lane::Line(irq), t, index);
                    self.open(Lane::Line(irq), Activity::InService(cpu), t, index);
                }
            }
            What::IsrFinished { irq, .. } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Isr(_)));
                self.close(Lane::Line(irq), t, index);
            }
            What::ClockInterrupt => self.cpu_push(index, event, Activity::Clock),
            What::QuantumExpired { .. } | What::QuantumRenewed { .. } => {
                self.cpu_pop(index, event, |a| a == Activity::Clock)
            }
            What::DpcStarted { device } => self.cpu_push(index, event, Activity::Dpc(device)),
            What::DpcFinished { .. } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Dpc(_)))
            }
            What::ThreadWaiting { thread, reason, .. } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Thread(_)));
                self.open(Lane::Thread(thread), Activity::Waiting(reason), t, index);
            }
            What::ThreadWoken { thread, .. } => self.close(Lane::Thread(thread), t, index),
            What::ThreadExited { .. } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Thread(_)))
            }
            What::ThreadPreempted { thread } => {
                self.cpu_pop(index, event, |a| matches!(a, Activity::Thread(_)));
                self.open(Lane::Thread(thread), Activity::Ready, t, index);
            }
            What::Device { device, kind, .. } => match kind.lane {
                crate::device::Lane::BeginTransfer => {
                    let irp = event.what.irp().expect("a transfer names its IRP");
                    self.open(Lane::Device(device), Activity::Transfer(irp), t, index)
                }
                crate::device::Lane::EndTransfer => self.close(Lane::Device(device), t, index),
                crate::device::Lane::Same => {}
            },
            What::InterruptRaised { irq, .. } => {
                self.open(Lane::Line(irq), Activity::Raised, t, index)
            }
            _ => {}
        }
    }

    /// Pushes a frame on the event's CPU: the frame below stops showing.
    fn cpu_push(&mut self, index: usize, event: &TraceEvent, activity: Activity) {
        let Some(cpu) = event.cpu else { return };
        self.stacks.entry(cpu).or_default().push(activity);
        self.show_top(cpu, event.time, index);
    }

    /// Pops the top frame of the event's CPU, which `expected` must accept; the frame
    /// below, if any, shows again.
    fn cpu_pop(&mut self, index: usize, event: &TraceEvent, expected: impl Fn(Activity) -> bool) {
        let Some(cpu) = event.cpu else { return };
        let popped = self.stacks.entry(cpu).or_default().pop();
        debug_assert!(
            popped.is_some_and(&expected),
            "{:?} on {cpu} popped {popped:?}",
            event.what
        );
        self.show_top(cpu, event.time, index);
    }

    /// Makes the CPU lane's open segment the top of its stack, if it is not already.
    fn show_top(&mut self, cpu: CpuId, time: Time, index: usize) {
        let top = self.stacks.get(&cpu).and_then(|s| s.last()).copied();
        let lane = Lane::Cpu(cpu);
        let open = self
            .lanes
            .get(&lane)
            .and_then(|l| l.last())
            .filter(|s| s.end.is_none())
            .map(|s| s.activity);
        if open == top {
            return;
        }
        self.close(lane, time, index);
        if let Some(activity) = top {
            self.open(lane, activity, time, index);
        }
    }

    /// Starts a segment, ending the lane's open one if there is one.
    fn open(&mut self, lane: Lane, activity: Activity, start: Time, index: usize) {
        self.close(lane, start, index);
        self.lanes.entry(lane).or_default().push(Segment {
            activity,
            start,
            start_index: index,
            end: None,
        });
    }

    /// Ends the lane's open segment, if there is one.
    fn close(&mut self, lane: Lane, end: Time, index: usize) {
        if let Some(last) = self.lanes.get_mut(&lane).and_then(|l| l.last_mut())
            && last.end.is_none()
        {
            last.end = Some((end, index));
        }
    }
}
