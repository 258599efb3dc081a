//! The driver interface: how the kernel calls a device's driver, and what a driver may
//! ask of the kernel. `kernel-sim` owns the trait; the `devices` crate implements it.
//!
//! The contract is split-phase, as in Tock's HIL rules: a dispatch routine either
//! completes the IRP before it returns ([`Dispatch::Completed`]) or returns
//! [`Dispatch::Pending`], and then the IRP is completed exactly once, later, from the
//! driver's DPC.

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
pub trait Driver: Send {
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
    fn stats(&self) -> DeviceStats;
    fn view(&self) -> DeviceView;
    fn clone_box(&self) -> Box<dyn Driver>;
}

impl Clone for Box<dyn Driver> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The kernel services a driver may use while the kernel has called into it.
pub struct DriverCtx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) device: DeviceId,
    pub(crate) cpu: Option<CpuId>,
    pub(crate) charged: u64,
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
        &mut self.core.irp_mut(id).buffer
    }

    /// Adds CPU time to what the current routine costs.
    pub fn charge(&mut self, ns: u64) {
        self.charged += ns;
    }

    /// Records a state change.
    pub fn trace(&mut self, what: What) {
        let cpu = self.cpu;
        self.core.trace(cpu, what);
    }

    /// Calls [`Driver::device_event`] with `token` after `delay` ns of device time.
    pub fn schedule(&mut self, delay: Time, token: u64) {
        let at = self.core.now + delay;
        self.core.schedule(
            at,
            crate::kernel::Event::Device {
                device: self.device,
                token,
            },
        );
    }

    /// The device asserts its interrupt line.
    pub fn raise_interrupt(&mut self) {
        self.core.raise_interrupt(self.device);
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
        let device = self.device;
        self.trace(What::IrpStarted { irp, device });
    }

    /// IoCompleteRequest: the driver is done with the IRP; the I/O manager delivers the
    /// result to the caller by the IRP's completion path. Copying a read's data to the
    /// caller is charged here.
    pub fn complete_irp(&mut self, irp: IrpId, status: Status, bytes: u32) {
        let copy = self.core.costs.copy_ns(u64::from(bytes));
        self.charged += copy;
        let cpu = self.cpu;
        self.core.complete_irp(cpu, irp, status, bytes);
    }
}
