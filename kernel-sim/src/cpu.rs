//! Processors and interrupt priority levels. A CPU runs a stack of frames: at the bottom a
//! thread (or nothing), above it whatever interrupted it. Only the top frame advances;
//! the frames beneath are paused with their remaining work saved.

use crate::engine::Time;
use crate::ids::*;
use serde::Serialize;
use std::collections::VecDeque;

/// Interrupt request level: code at one level is interrupted only by a higher one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Irql(pub u8);

impl Irql {
    /// Thread code, user and kernel.
    pub const PASSIVE: Irql = Irql(0);
    /// Where DPCs and the thread dispatcher run: no thread can preempt them.
    pub const DISPATCH: Irql = Irql(2);
    /// The clock interrupt, above every device.
    pub const CLOCK: Irql = Irql(28);

    /// The level of a device's interrupt line: IRQ 0 is highest. Windows on the x86 PIC
    /// maps line n to level 27 - n the same way.
    pub fn for_irq(irq: Irq) -> Irql {
        Irql(27 - irq.0.min(24))
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "PASSIVE",
            1 => "APC",
            2 => "DISPATCH",
            28 => "CLOCK",
            _ => "DIRQL",
        }
    }
}

/// What a frame on a CPU is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FrameKind {
    /// A thread's code (its remaining work is kept on the thread).
    Thread { thread: ThreadId },
    /// The dispatcher saving one thread's context and loading another's.
    Switch {
        from: Option<ThreadId>,
        to: ThreadId,
    },
    /// A device's interrupt service routine.
    Isr { irq: Irq, device: DeviceId },
    /// The clock interrupt's service routine.
    Clock,
    /// A device's deferred procedure call.
    Dpc { device: DeviceId },
    /// The last piece of a DPC that has no more work after it.
    DpcTail { device: DeviceId },
}

impl FrameKind {
    pub fn irql(self) -> Irql {
        match self {
            FrameKind::Thread { .. } => Irql::PASSIVE,
            FrameKind::Switch { .. } | FrameKind::Dpc { .. } | FrameKind::DpcTail { .. } => {
                Irql::DISPATCH
            }
            FrameKind::Isr { irq, .. } => Irql::for_irq(irq),
            FrameKind::Clock => Irql::CLOCK,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub kind: FrameKind,
    /// Work left when paused (unused for thread frames: see `Thread::segment`).
    pub remaining: Time,
}

/// Where a CPU's time went, in nanoseconds of simulated time, by what ran on top of its
/// frame stack. Each piece of work books the time it actually ran, so an ISR or DPC
/// interrupted by a higher level books its cost once, around the interruption.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CpuTime {
    /// Threads' own time: user-mode code, and the kernel work of their calls done in
    /// their context (system call entry, building and dispatching IRPs, copies, APC
    /// routines, port operations), the system worker's work items included.
    pub thread_ns: u64,
    /// The dispatcher saving one thread's context and loading another's.
    pub switch_ns: u64,
    /// Device ISRs: one per `device_interrupts` counted, each costing
    /// `machine.costs.isr_ns`. The clock's ISR is not included.
    pub device_isr_ns: u64,
    /// Clock ISRs: one per `clock_interrupts` counted, each costing
    /// `machine.costs.clock_isr_ns`.
    pub clock_isr_ns: u64,
    /// DPCs: entering each, and all the work done inside it (reaping descriptors,
    /// completing IRPs with the copies, completion routines and port packets their
    /// completion costs, starting the next transfer).
    pub dpc_ns: u64,
}

impl CpuTime {
    /// Time spent on anything: the sum of the parts.
    pub fn busy_ns(&self) -> u64 {
        self.thread_ns + self.switch_ns + self.device_isr_ns + self.clock_isr_ns + self.dpc_ns
    }
}

#[derive(Debug, Clone)]
pub struct Cpu {
    pub id: CpuId,
    pub frames: Vec<Frame>,
    /// DPCs queued to this CPU, run in FIFO order when its level drops below DISPATCH.
    pub dpcs: VecDeque<DeviceId>,
    /// When the top frame's current piece of work began and ends.
    pub(crate) active_since: Time,
    pub(crate) active_until: Time,
    /// Whether the top frame is running now (false once paused under another frame or
    /// popped, until resumed).
    pub(crate) active: bool,
    /// Bumped whenever the top frame is paused or replaced, so its old end event is
    /// recognised as stale.
    pub(crate) epoch: u64,
    /// Bumped to cancel the armed quantum.
    pub(crate) quantum_gen: u64,
    /// The clock found another thread ready: switch when the level drops.
    pub(crate) resched: bool,
    /// The thread whose context is on this CPU: it ran here until its frame was removed
    /// (it waited, exited or was preempted) and no other thread has been loaded since.
    /// `None` once the CPU has idled: a switch from idle saves nothing.
    pub last_thread: Option<ThreadId>,
    /// What the DPC running here has done so far: requests completed and started.
    pub(crate) dpc_work: (u32, u32),
    /// Completions the DPC's current piece of work asked for, delivered when its time is
    /// paid.
    pub(crate) deferred: Vec<crate::driver::Completion>,
    pub(crate) idle_traced: bool,
    pub time: CpuTime,
}

impl Cpu {
    pub fn new(id: CpuId) -> Self {
        Self {
            id,
            frames: Vec::new(),
            dpcs: VecDeque::new(),
            active_since: 0,
            active_until: 0,
            active: false,
            epoch: 0,
            quantum_gen: 0,
            resched: false,
            last_thread: None,
            dpc_work: (0, 0),
            deferred: Vec::new(),
            idle_traced: false,
            time: CpuTime::default(),
        }
    }

    pub fn irql(&self) -> Irql {
        self.frames.last().map_or(Irql::PASSIVE, |f| f.kind.irql())
    }

    pub fn is_idle(&self) -> bool {
        self.frames.is_empty()
    }

    /// The thread at the bottom of the frame stack: running, or interrupted.
    pub fn thread(&self) -> Option<ThreadId> {
        match self.frames.first()?.kind {
            FrameKind::Thread { thread } => Some(thread),
            _ => None,
        }
    }

    pub fn top(&self) -> Option<FrameKind> {
        self.frames.last().map(|f| f.kind)
    }

    /// True while an ISR or DPC (or the dispatcher) runs here: no thread code and no APC
    /// may run then.
    pub fn in_interrupt_or_dpc(&self) -> bool {
        self.irql() >= Irql::DISPATCH
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_irq_numbers_have_higher_levels() {
        assert!(Irql::for_irq(Irq(1)) > Irql::for_irq(Irq(14)));
        assert!(Irql::for_irq(Irq(14)) > Irql::DISPATCH);
        assert!(Irql::CLOCK > Irql::for_irq(Irq(0)));
    }
}
