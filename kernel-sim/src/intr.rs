//! Interrupts. A device asserts its line; the controller delivers it to the CPU running
//! at the lowest level (an idle one first), preempting whatever runs there if the line's
//! level is higher. The ISR does the minimum (acknowledge the device) and queues the
//! driver's DPC; the DPC does the real work at DISPATCH level once no interrupt is in
//! service on that CPU, and before any thread resumes.
//!
//! Lines are level-triggered: while a line is raised or in service, more completions by
//! the same device do not raise it again; they are coalesced, and the DPC reaps them all.

use crate::cpu::{FrameKind, Irql};
use crate::driver::DpcStep;
use crate::ids::*;
use crate::kernel::{Core, Kernel};
use crate::trace::What;
use serde::Serialize;

/// The state of one interrupt line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineState {
    Idle,
    /// Raised, waiting for a CPU whose level is low enough.
    Raised,
    /// An ISR for it runs on this CPU.
    InService {
        cpu: CpuId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Line {
    pub irq: Irq,
    pub device: DeviceId,
    pub level: Irql,
    pub state: LineState,
}

impl Line {
    pub fn new(irq: Irq, device: DeviceId) -> Self {
        Self {
            irq,
            device,
            level: Irql::for_irq(irq),
            state: LineState::Idle,
        }
    }
}

impl Core {
    /// A device asserts its line.
    pub(crate) fn raise_interrupt(&mut self, device: DeviceId) {
        let line = self
            .lines
            .values_mut()
            .find(|l| l.device == device)
            .expect("every device has a line");
        let irq = line.irq;
        if line.state != LineState::Idle {
            self.stats.interrupts_coalesced += 1;
            self.trace(None, What::InterruptCoalesced { irq, device });
            return;
        }
        line.state = LineState::Raised;
        let level = line.level;
        self.stats.device_interrupts += 1;
        self.trace(None, What::InterruptRaised { irq, device });
        // Deliver to the CPU at the lowest level, idle CPUs first, lowest number on ties.
        let target = self
            .cpus
            .iter()
            .min_by_key(|c| (!c.is_idle(), c.irql(), c.id))
            .expect("at least one CPU");
        if target.irql() < level {
            let cpu = target.id;
            self.take_interrupt(cpu, irq);
        }
    }

    /// The highest-priority raised line whose level is above `level`.
    pub(crate) fn pending_line_above(&self, level: Irql) -> Option<Irq> {
        self.lines
            .values()
            .filter(|l| l.state == LineState::Raised && l.level > level)
            .max_by_key(|l| l.level)
            .map(|l| l.irq)
    }

    /// `cpu` takes the interrupt on `irq`: whatever runs there is paused under the ISR.
    pub(crate) fn take_interrupt(&mut self, cpu: CpuId, irq: Irq) {
        let line = self.lines.get_mut(&irq).expect("known line");
        line.state = LineState::InService { cpu };
        let device = line.device;
        self.pause_top(cpu);
        self.trace(Some(cpu), What::IsrStarted { irq, device });
        let cost = self.costs.isr_ns;
        self.push_frame(cpu, FrameKind::Isr { irq, device }, cost);
    }

    /// Queues a device's DPC on `cpu`, unless it is already queued somewhere.
    pub(crate) fn queue_dpc(&mut self, cpu: CpuId, device: DeviceId) {
        if self.dpc_queued[device.0 as usize] {
            return;
        }
        self.dpc_queued[device.0 as usize] = true;
        self.cpus[cpu.0 as usize].dpcs.push_back(device);
        self.trace(Some(cpu), What::DpcQueued { device });
    }
}

impl Kernel {
    /// The ISR's time is up: it acknowledges the device (through the driver), lowers the
    /// line and queues the DPC.
    pub(crate) fn isr_done(&mut self, cpu: CpuId, irq: Irq, device: DeviceId) {
        let driver = self.function_driver(device);
        let (queue_dpc, _, completions) = self.with_driver(driver, Some(cpu), |d, io| d.isr(io));
        debug_assert!(completions.is_empty(), "an ISR completes no IRP");
        self.core.lines.get_mut(&irq).expect("known line").state = LineState::Idle;
        if queue_dpc {
            self.core.queue_dpc(cpu, device);
        }
        let c = &self.core.cpus[cpu.0 as usize];
        let interrupted = c.frames.len().checked_sub(2).map(|i| c.frames[i].kind);
        let level_after = interrupted.map_or(Irql::PASSIVE, FrameKind::irql);
        let dpc_next = level_after < Irql::DISPATCH && !c.dpcs.is_empty();
        self.core.trace(
            Some(cpu),
            What::IsrFinished {
                irq,
                device,
                dpc_next,
                interrupted,
            },
        );
        self.core.pop_frame(cpu);
        self.core.cpu_continue(cpu);
    }

    /// A piece of a DPC's work is done and paid for: its completions reach the I/O
    /// manager, and the driver does the next piece.
    pub(crate) fn dpc_piece_done(&mut self, cpu: CpuId, device: DeviceId) {
        self.core.account(cpu);
        let routines = self.deliver_deferred(cpu);
        let driver = self.function_driver(device);
        let (step, cost, completions) = self.with_driver(driver, Some(cpu), |d, io| d.dpc(io));
        let c = &mut self.core.cpus[cpu.0 as usize];
        c.deferred = completions;
        let top = c.frames.last_mut().expect("DPC frame");
        // The completion routines that ran are paid with this piece.
        top.remaining = cost + routines;
        if step == DpcStep::Done {
            top.kind = FrameKind::DpcTail { device };
            if top.remaining == 0 {
                self.dpc_finished(cpu, device);
                return;
            }
        }
        // Book the piece just finished before the next one starts.
        self.core.cpu_resume(cpu);
    }

    /// Delivers the completions the DPC on `cpu` asked for in the piece just paid for.
    /// Returns the time the completion routines they ran charged.
    fn deliver_deferred(&mut self, cpu: CpuId) -> u64 {
        let deferred = std::mem::take(&mut self.core.cpus[cpu.0 as usize].deferred);
        deferred
            .into_iter()
            .map(|c| self.complete_irp(Some(cpu), c.irp, c.status, c.bytes))
            .sum()
    }

    /// The DPC's last piece is paid for: it ends, saying what it did (after the
    /// completion routines its last completions ran are paid too).
    pub(crate) fn dpc_finished(&mut self, cpu: CpuId, device: DeviceId) {
        let routines = self.deliver_deferred(cpu);
        if routines > 0 {
            let top = self.core.cpus[cpu.0 as usize]
                .frames
                .last_mut()
                .expect("DPC frame");
            top.remaining = routines;
            return self.core.cpu_resume(cpu);
        }
        self.core.pop_frame(cpu);
        let (completed, started) = self.core.cpus[cpu.0 as usize].dpc_work;
        self.core.trace(
            Some(cpu),
            What::DpcFinished {
                device,
                completed,
                started,
            },
        );
        self.core.cpu_continue(cpu);
    }
}

impl Core {
    /// Counts a request the running DPC completed or started, for its closing sentence.
    pub(crate) fn count_dpc_work(&mut self, cpu: Option<CpuId>, completed: bool) {
        let Some(cpu) = cpu else { return };
        let c = &mut self.cpus[cpu.0 as usize];
        if matches!(
            c.top(),
            Some(FrameKind::Dpc { .. } | FrameKind::DpcTail { .. })
        ) {
            if completed {
                c.dpc_work.0 += 1;
            } else {
                c.dpc_work.1 += 1;
            }
        }
    }
}
