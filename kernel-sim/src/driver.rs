//! The driver interface: how the kernel calls a device's driver, and what a driver may
//! ask of the kernel. `kernel-sim` owns the trait; the `devices` crate implements it.
//!
//! The contract is split-phase, as in Tock's HIL rules: a dispatch routine either
//! completes the IRP before it returns ([`Dispatch::Completed`]) or marks it pending
//! ([`DriverCtx::mark_pending`], as IoMarkIrpPending) and returns [`Dispatch::Pending`],
//! and then the IRP is completed exactly once, later, from the driver's DPC.
//!
//! Time inside a routine: the kernel pays a routine's fixed cost (the dispatch routine's
//! look at the IRP, the DPC's entry) before calling it, and every cost the routine
//! charges is paid after what it did is recorded. What leaves the driver waits until the
//! CPU time charged before it has been paid: a completion reaches the I/O manager at the
//! end of the routine (or of the DPC's piece of work), and the doorbell the driver rings
//! reaches the device at the moment its writes are done.

use crate::costs::Costs;
use crate::engine::Time;
use crate::ids::*;
use crate::io::{Irp, Status};
use crate::kernel::Core;
use crate::trace::What;
use serde::Serialize;

/// What a dispatch routine did with an IRP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// The driver completed the IRP (through [`DriverCtx::complete_irp`]) before
    /// returning.
    Completed,
    /// The driver queued the IRP and will complete it later.
    Pending,
}

/// Whether a DPC has more work after this piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpcStep {
    More,
    Done,
}

/// Who owns a DMA descriptor slot, for drawing the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotView {
    Free,
    /// Posted by the driver; the device owns it.
    Device(IrpId),
    /// Done by the device; the driver must reap it.
    Driver(IrpId),
}

/// A snapshot of a driver and its device for viewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    /// The driver's queue discipline, e.g. "FIFO" or "SCAN".
    pub policy: &'static str,
    /// IRPs waiting in the driver's queue, in the order the driver will serve them if
    /// nothing else arrives: the first ones only, when the queue is long.
    pub queue: Vec<IrpId>,
    /// How many IRPs wait in the queue, listed in `queue` or not.
    pub queue_len: usize,
    pub ring: Vec<SlotView>,
    pub head: u16,
    pub tail: u16,
    pub reap: u16,
    /// The descriptor the device is working on, and when it will finish.
    pub in_flight: Option<(u16, IrpId, Time)>,
}

/// Counters a device keeps about itself, reported in the run summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceStats {
    /// Time the device spent working on requests.
    pub busy_ns: u64,
    pub requests: u64,
    pub bytes: u64,
    /// Device-specific figures, such as a disk's total seek time.
    pub detail: Vec<(&'static str, u64)>,
}

/// A driver together with the device it drives.
pub trait Driver: Send + std::fmt::Debug {
    /// The interrupt line the device raises.
    fn irq(&self) -> Irq;
    /// Bytes the device holds.
    fn capacity(&self) -> u64;
    /// Writes initial content before the run (a file's contents from the scenario).
    fn preload(&mut self, device_offset: u64, bytes: &[u8]);
    /// The dispatch routine: an IRP arrives at this driver's stack location.
    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch;
    /// The interrupt service routine: acknowledge the device, do the minimum. Returns
    /// whether to queue the driver's DPC.
    fn isr(&mut self, io: &mut DriverCtx<'_>) -> bool;
    /// One piece of the DPC's work (reap a descriptor and complete its IRP, start the
    /// next request); charge its cost with [`DriverCtx::charge`].
    fn dpc(&mut self, io: &mut DriverCtx<'_>) -> DpcStep;
    /// A timer the device set with [`DriverCtx::schedule`] has fired: the hardware
    /// advances on its own, with no CPU involved.
    fn device_event(&mut self, io: &mut DriverCtx<'_>, token: u64);
    /// The doorbell the driver rang ([`DriverCtx::ring_doorbell`]) reaches the device:
    /// the hardware looks at its ring, with no CPU involved.
    fn doorbell(&mut self, io: &mut DriverCtx<'_>);
    fn stats(&self) -> DeviceStats;
    /// Bytes of data the device holds in memory (what it stores), for the run's byte
    /// budget.
    fn stored_bytes(&self) -> u64;
    fn view(&self) -> DeviceView;
    fn clone_box(&self) -> Box<dyn Driver>;
}

impl Clone for Box<dyn Driver> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A completion a routine asked for, delivered to the I/O manager once the routine's
/// charged time has been paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Completion {
    pub irp: IrpId,
    pub status: Status,
    pub bytes: u32,
}

/// The kernel services a driver may use while the kernel has called into it. When the
/// call is the hardware's own (a device timer, a doorbell), `cpu` is `None`, and so is
/// the CPU of every event the call traces.
pub struct DriverCtx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) device: DeviceId,
    pub(crate) cpu: Option<CpuId>,
    pub(crate) charged: u64,
    pub(crate) completions: Vec<Completion>,
}

impl DriverCtx<'_> {
    pub fn now(&self) -> Time {
        self.core.now
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn costs(&self) -> &Costs {
        &self.core.costs
    }

    pub fn irp(&self, id: IrpId) -> &Irp {
        self.core.irp(id)
    }

    /// The IRP's system buffer, for the device's DMA transfer.
    pub fn irp_buffer_mut(&mut self, id: IrpId) -> &mut [u8] {
        std::sync::Arc::make_mut(&mut self.core.irp_mut(id).buffer).as_mut_slice()
    }

    /// Adds CPU time to what the current routine costs.
    pub fn charge(&mut self, ns: u64) {
        self.charged = self.charged.saturating_add(ns);
    }

    /// Records a state change.
    pub fn trace(&mut self, what: What) {
        let cpu = self.cpu;
        self.core.trace(cpu, what);
    }

    /// Calls [`Driver::device_event`] with `token` after `delay` ns of device time.
    pub fn schedule(&mut self, delay: Time, token: u64) {
        let device = self.device;
        self.core
            .schedule_after(delay, crate::kernel::Event::Device { device, token });
    }

    /// The driver writes the device's doorbell register: the device learns of newly
    /// posted descriptors once the CPU time charged so far (building them) has been
    /// paid, and [`Driver::doorbell`] runs then, with no CPU.
    pub fn ring_doorbell(&mut self) {
        let device = self.device;
        self.core
            .schedule_after(self.charged, crate::kernel::Event::Doorbell { device });
    }

    /// The device asserts its interrupt line.
    pub fn raise_interrupt(&mut self) {
        self.core.raise_interrupt(self.device);
    }

    /// IoMarkIrpPending: the driver will finish the IRP later and returns
    /// [`Dispatch::Pending`]. Call it before queueing the IRP (traced).
    pub fn mark_pending(&mut self, irp: IrpId) {
        self.trace(What::IrpPending { irp });
    }

    /// Marks the IRP pending in the driver's queue (traced).
    pub fn queued(&mut self, irp: IrpId, queue_len: u32) {
        self.core.irp_mut(irp).state = crate::io::IrpState::Queued;
        let device = self.device;
        self.trace(What::IrpQueued {
            irp,
            device,
            queue_len,
        });
    }

    /// Marks the IRP as handed to the device (traced).
    pub fn started(&mut self, irp: IrpId) {
        self.core.irp_mut(irp).state = crate::io::IrpState::InDevice;
        self.core.count_dpc_work(self.cpu, false);
        let device = self.device;
        self.trace(What::IrpStarted { irp, device });
    }

    /// IoCompleteRequest: the driver is done with the IRP; the I/O manager delivers the
    /// result to the caller by the IRP's completion path once the CPU time charged so
    /// far has been paid. What the I/O manager does then is charged here too: copying a
    /// read's data to the caller's buffer, and queueing a completion packet when the file
    /// is bound to a port.
    pub fn complete_irp(&mut self, irp: IrpId, status: Status, bytes: u32) {
        assert!(
            self.cpu.is_some(),
            "a device cannot complete an IRP by itself"
        );
        let cost = self.core.completion_cost(irp, bytes);
        self.charge(cost);
        self.core.count_dpc_work(self.cpu, true);
        self.completions.push(Completion { irp, status, bytes });
    }
}
