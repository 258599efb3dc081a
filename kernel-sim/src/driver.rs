//! The driver interface: how the kernel calls a driver, and what a driver may ask of the
//! kernel. `kernel-sim` owns the trait; the `devices` crate implements it.
//!
//! A device has a stack of drivers: filter drivers above the function driver, which
//! programs the hardware. The I/O manager sends an IRP to the top of the stack, one stack
//! location per driver. A driver's dispatch routine either completes the IRP before it
//! returns ([`Dispatch::Completed`]), marks it pending ([`DriverCtx::mark_pending`], as
//! IoMarkIrpPending) and returns [`Dispatch::Pending`] to complete it exactly once later,
//! or passes it to the driver below ([`Dispatch::PassDown`], IoCallDriver), optionally
//! with a completion routine that runs on the way back up.
//!
//! Time inside a routine: the kernel pays a routine's fixed cost (the dispatch routine's
//! look at the IRP, the DPC's entry) before calling it, and every cost the routine
//! charges is paid after what it did is recorded. What leaves the driver waits until the
//! CPU time charged before it has been paid: a completion reaches the I/O manager at the
//! end of the routine (or of the DPC's piece of work), and the doorbell the driver rings
//! reaches the device when its writes are done.

use crate::costs::Costs;
use crate::device::{Device, DeviceEvent, DeviceView};
use crate::engine::Time;
use crate::ids::*;
use crate::io::{Irp, Status};
use crate::kernel::Core;
use crate::trace::What;
use std::fmt;

/// What a dispatch routine did with an IRP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// The driver completed the IRP (through [`DriverCtx::complete_irp`]) before
    /// returning.
    Completed,
    /// The driver queued the IRP and will complete it later.
    Pending,
    /// The driver passes the IRP to the next lower driver (IoCallDriver); with
    /// `completion`, its [`Driver::completion`] routine runs when the IRP comes back up.
    PassDown { completion: bool },
}

/// Whether a DPC has more work after this piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DpcStep {
    More,
    Done,
}

/// What a completion routine tells the I/O manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCompletion {
    /// Go on completing the IRP up the stack.
    Continue,
    /// STATUS_MORE_PROCESSING_REQUIRED: the driver keeps the IRP and completes it again
    /// later, which resumes completion above it.
    MoreProcessingRequired,
}

/// How a file object was opened: what its driver's create routine (IRP_MJ_CREATE) is
/// told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// CreateFile on a file.
    File,
    /// CreatePipe's read end, or its write end.
    PipeReadEnd,
    PipeWriteEnd,
    /// CreateNamedPipe: the server's end.
    NamedPipeServer,
    /// CreateFile on a named pipe: a client's end.
    NamedPipeClient,
}

/// A driver. Only the function driver (the bottom of the stack) is called for the
/// device's interrupts; filters see IRPs on their way down and up.
pub trait Driver: Send + fmt::Debug {
    /// What the driver is, in a few words ("disk driver", "checksum filter").
    fn name(&self) -> &'static str;
    /// The create routine (IRP_MJ_CREATE): a file object on this device is being opened.
    /// A failure status refuses it, and the opening call fails with it.
    fn create(
        &mut self,
        _io: &mut DriverCtx<'_>,
        _object: FileObjectId,
        _file: FileId,
        _opening: Opening,
    ) -> Status {
        Status::Success
    }
    /// The cleanup routine (IRP_MJ_CLEANUP): the last handle to `object` closed. Its
    /// requests still in flight have been cancelled already.
    fn cleanup(&mut self, _io: &mut DriverCtx<'_>, _object: FileObjectId) {}
    /// The dispatch routine: an IRP arrives at this driver's stack location.
    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch;
    /// StartIo: the I/O manager calls it after a dispatch routine pended an IRP, and
    /// after each DPC, so the driver can hand waiting IRPs to the hardware.
    fn start_io(&mut self, _io: &mut DriverCtx<'_>) {}
    /// The interrupt service routine: acknowledge the device, do the minimum. Returns
    /// whether to queue the driver's DPC.
    fn isr(&mut self, _io: &mut DriverCtx<'_>) -> bool {
        false
    }
    /// One piece of the DPC's work (reap a descriptor and complete its IRP); charge its
    /// cost with [`DriverCtx::charge`].
    fn dpc(&mut self, _io: &mut DriverCtx<'_>) -> DpcStep {
        DpcStep::Done
    }
    /// The cancel routine: cancellation of `irp`, which this driver holds, was asked for.
    /// Returns whether the driver takes it back: then it completes it with
    /// STATUS_CANCELLED, now or (if the hardware had it) once the hardware gives it up.
    /// A driver that cannot take it back returns false, and the IRP completes as it
    /// would have.
    fn cancel(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) -> bool {
        false
    }
    /// The completion routine this driver set when it passed `irp` down: the IRP has
    /// been completed below. It may run at DISPATCH_LEVEL (in a DPC), where a driver must
    /// not wait; work that must run at PASSIVE_LEVEL goes to a work item.
    fn completion(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) -> AfterCompletion {
        AfterCompletion::Continue
    }
    /// Whether the driver queues work items ([`DriverCtx::queue_work_item`]): attaching
    /// it brings the system worker thread into the machine.
    fn uses_work_items(&self) -> bool {
        false
    }
    /// The work routine: the system worker thread calls it, at PASSIVE_LEVEL, for a work
    /// item the driver queued for `irp`. Only a driver that queues work items is called.
    fn work_item(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) {}
    /// Bytes of data it keeps in kernel memory (a pipe's buffers), for the run's byte
    /// budget.
    fn stored_bytes(&self) -> u64 {
        0
    }
    /// Its figures for the run's summary.
    fn stats(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
    /// What the walkthrough draws of the driver (its queues and counters).
    fn view(&self) -> DeviceView {
        DeviceView::default()
    }
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

/// The kernel services a driver may use while the kernel has called into it.
pub struct DriverCtx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) hardware: &'a mut dyn Device,
    pub(crate) device: DeviceId,
    pub(crate) driver: DriverId,
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

    /// The IRP's system buffer, to copy data into or out of (a driver that moves data
    /// itself, with no DMA).
    pub fn irp_buffer_mut(&mut self, id: IrpId) -> &mut [u8] {
        std::sync::Arc::make_mut(&mut self.core.irp_mut(id).buffer).as_mut_slice()
    }

    /// The file a file object is an open instance of.
    pub fn file_of(&self, object: FileObjectId) -> &crate::io::File {
        let file = self.core.file_objects[object.0 as usize].file;
        &self.core.files[file.0 as usize]
    }

    /// The device's hardware, as the type the driver was written for: its registers and
    /// the memory it shares with the driver (a DMA ring). Panics if the driver is on a
    /// device of another type, which building the machine rules out.
    pub fn hardware<T: Device + 'static>(&mut self) -> &mut T {
        self.hardware
            .as_any_mut()
            .downcast_mut::<T>()
            .expect("a driver runs on the device it was written for")
    }

    /// Adds CPU time to what the current routine costs.
    pub fn charge(&mut self, ns: u64) {
        self.charged = self.charged.saturating_add(ns);
    }

    /// Records one of the driver's own events (on the CPU it runs on).
    pub fn trace_event(&mut self, event: DeviceEvent) {
        let (cpu, device, driver) = (self.cpu, self.device, self.driver);
        self.core.trace(cpu, event.on(device, Some(driver)));
    }

    /// The driver writes the device's doorbell register: the device learns of what the
    /// driver gave it once the CPU time charged so far (building it) has been paid, and
    /// [`Device::doorbell`] runs then, with no CPU.
    pub fn ring_doorbell(&mut self) {
        let device = self.device;
        self.core
            .schedule_after(self.charged, crate::kernel::Event::Doorbell { device });
    }

    /// IoMarkIrpPending: the driver will finish the IRP later and returns
    /// [`Dispatch::Pending`]. Call it before queueing the IRP (traced).
    pub fn mark_pending(&mut self, irp: IrpId) {
        let cpu = self.cpu;
        self.core.trace(cpu, What::IrpPending { irp });
    }

    /// Marks the IRP as waiting in the driver's queue (traced).
    pub fn queued(&mut self, irp: IrpId, queue_len: u32) {
        self.core.irp_mut(irp).state = crate::io::IrpState::Queued;
        let (cpu, device) = (self.cpu, self.device);
        self.core.trace(
            cpu,
            What::IrpQueued {
                irp,
                device,
                queue_len,
            },
        );
    }

    /// Marks the IRP as handed to the device (traced).
    pub fn started(&mut self, irp: IrpId) {
        self.core.irp_mut(irp).state = crate::io::IrpState::InDevice;
        self.core.count_dpc_work(self.cpu, false);
        let (cpu, device) = (self.cpu, self.device);
        self.core.trace(cpu, What::IrpStarted { irp, device });
    }

    /// IoCompleteRequest: the driver is done with the IRP; the I/O manager completes it
    /// up the stack and delivers the result by the IRP's completion path once the CPU
    /// time charged so far has been paid. What the I/O manager does then is charged here
    /// too: copying a read's data to the caller's buffer, and queueing a completion
    /// packet when the file is bound to a port.
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

    /// IoQueueWorkItem: the system worker thread will call this driver's
    /// [`Driver::work_item`] routine for `irp`, at PASSIVE_LEVEL (traced). Only a driver
    /// whose [`Driver::uses_work_items`] says so may queue one.
    pub fn queue_work_item(&mut self, irp: IrpId) {
        let work = crate::io::client::Work::Driver {
            driver: self.driver,
            irp,
        };
        self.core.queue_work(self.cpu, work);
    }

    /// The driver this context belongs to.
    pub fn driver(&self) -> DriverId {
        self.driver
    }
}
