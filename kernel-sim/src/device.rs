//! The hardware side of a device: what it holds (rings, registers, storage), what it
//! does on its own when a timer it set fires or a doorbell a driver rang reaches it, and
//! the line it may raise. A device never runs on a CPU and is never charged CPU time;
//! drivers (see [`crate::driver`]) run on CPUs and program it.
//!
//! The split follows smoltcp's `phy::Device` and the stack above it: the kernel knows a
//! device only through [`Device`], draws it through the generic [`DeviceView`] (named
//! rings, queues, registers and counters), and narrates its events through the
//! [`DeviceEventKind`] each one carries, so a new kind of device needs no change to the
//! kernel, the walkthrough or the exports.

use crate::engine::Time;
use crate::engine::rng::SimRng;
use crate::ids::*;
use crate::kernel::Core;
use serde::Serialize;
use std::any::Any;
use std::fmt;

/// A device's hardware.
pub trait Device: Send + fmt::Debug {
    /// What kind of device this is, in a word ("disk"), for the walkthrough.
    fn kind(&self) -> &'static str;
    /// The interrupt line it raises, if it has one.
    fn irq(&self) -> Option<Irq>;
    /// Bytes it can store, if it is a storage device (files are extents of one).
    fn capacity(&self) -> Option<u64> {
        None
    }
    /// Writes initial content before the run (a file's contents from the scenario);
    /// called only on a device with a [`Device::capacity`].
    fn preload(&mut self, _offset: u64, _bytes: &[u8]) {
        panic!("a {} stores no data", self.kind());
    }
    /// A timer the device set with [`HwCtx::schedule`] has fired.
    fn timer(&mut self, hw: &mut HwCtx<'_>, token: u64);
    /// A doorbell a driver rang ([`crate::driver::DriverCtx::ring_doorbell`]) reaches
    /// the device: it looks at what it was given.
    fn doorbell(&mut self, hw: &mut HwCtx<'_>);
    /// Bytes of data it holds in memory, for the run's byte budget.
    fn stored_bytes(&self) -> u64 {
        0
    }
    /// Its figures for the run's summary.
    fn stats(&self) -> Vec<(&'static str, u64)>;
    /// What the walkthrough draws of it.
    fn view(&self) -> DeviceView;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn clone_box(&self) -> Box<dyn Device>;
}

impl Clone for Box<dyn Device> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// What a device may do while it acts on its own: with no CPU.
pub struct HwCtx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) device: DeviceId,
}

impl HwCtx<'_> {
    pub fn now(&self) -> Time {
        self.core.now
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    pub fn costs(&self) -> &crate::Costs {
        &self.core.costs
    }

    /// The device's own random stream (for jitter, errors, arrivals).
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.core.device_rngs[self.device.0 as usize]
    }

    /// Calls [`Device::timer`] with `token` after `delay` ns.
    pub fn schedule(&mut self, delay: Time, token: u64) {
        let device = self.device;
        self.core
            .schedule_after(delay, crate::kernel::Event::Device { device, token });
    }

    /// Asserts the device's interrupt line.
    pub fn raise_interrupt(&mut self) {
        self.core.raise_interrupt(self.device);
    }

    /// Records one of the device's own events (traced with no CPU).
    pub fn trace(&mut self, event: DeviceEvent) {
        let device = self.device;
        self.core.trace(None, event.on(device, None));
    }

    /// The buffer of an IRP, for a DMA transfer into or out of memory.
    pub fn irp_buffer_mut(&mut self, irp: IrpId) -> &mut [u8] {
        std::sync::Arc::make_mut(&mut self.core.irp_mut(irp).buffer).as_mut_slice()
    }
}

/// A kind of device event: its name, its values' names, how it reads as a sentence, and
/// what it does to the device's lane in the timeline. Each device defines its kinds as
/// statics; an event points at its kind.
pub struct DeviceEventKind {
    /// The event's name, as in the trace's `kind` ("DeviceTransferStarted").
    pub name: &'static str,
    /// The name of the event's small value (such as a slot number), or "" for none.
    pub small: &'static str,
    /// The names of its values, "" where unused.
    pub values: [&'static str; 4],
    /// Which value is an IRP id, if one is.
    pub irp: Option<usize>,
    /// What the event does to the device's lane.
    pub lane: Lane,
    /// How it changes the number of ring slots in use: +1 when a descriptor is posted,
    /// -1 when one is reaped, 0 otherwise (for the timeline's counters).
    pub ring_delta: i8,
    /// The event's sentence, given the run's names.
    pub explain: fn(&DeviceEvent, &Names<'_>) -> String,
    /// Where the walkthrough points the student next, if anywhere.
    pub hint: Option<&'static str>,
}

/// Two kinds are the same kind when they have the same name.
impl PartialEq for DeviceEventKind {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for DeviceEventKind {}

impl fmt::Debug for DeviceEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The names a device event's sentence may use: its device's, and the run's files.
pub struct Names<'a> {
    /// The device the event happened on.
    pub device: &'a str,
    pub(crate) core: &'a Core,
}

impl Names<'_> {
    /// A file, by its id (files are never removed, so any id an event holds is valid).
    pub fn file(&self, id: FileId) -> &crate::io::File {
        &self.core.files[id.0 as usize]
    }
}

/// What a device event does to its device's lane of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Nothing.
    Same,
    /// The device starts moving the event's IRP's data.
    BeginTransfer,
    /// The transfer under way ends.
    EndTransfer,
}

/// One event a device (or its drivers) defines: a kind and its values.
#[derive(Clone, Copy)]
pub struct DeviceEvent {
    pub kind: &'static DeviceEventKind,
    pub small: u16,
    pub values: [u64; 4],
}

impl DeviceEvent {
    /// The trace record of this event of `device`.
    /// `driver` is the driver that recorded it, or none for the hardware itself.
    pub fn on(self, device: DeviceId, driver: Option<DriverId>) -> crate::trace::What {
        crate::trace::What::Device {
            device,
            driver,
            small: self.small,
            kind: self.kind,
            values: self.values,
        }
    }

    /// The IRP the event concerns, if its kind names one.
    pub fn irp(&self) -> Option<IrpId> {
        self.kind.irp.map(|i| IrpId(self.values[i]))
    }

    /// The value named `name`.
    pub fn value(&self, name: &str) -> Option<u64> {
        if !self.kind.small.is_empty() && self.kind.small == name {
            return Some(u64::from(self.small));
        }
        self.kind
            .values
            .iter()
            .position(|n| !n.is_empty() && *n == name)
            .map(|i| self.values[i])
    }

    /// The named values, small one first, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        let small = (!self.kind.small.is_empty()).then(|| (self.kind.small, u64::from(self.small)));
        small.into_iter().chain(
            self.kind
                .values
                .iter()
                .zip(self.values)
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, v)| (*n, v)),
        )
    }
}

impl PartialEq for DeviceEvent {
    fn eq(&self, other: &Self) -> bool {
        self.kind.name == other.kind.name
            && self.small == other.small
            && self.values == other.values
    }
}

impl Eq for DeviceEvent {}

impl fmt::Debug for DeviceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(self.kind.name);
        for (name, value) in self.fields() {
            s.field(name, &value);
        }
        s.finish()
    }
}

/// What the walkthrough draws of a device and its drivers, in terms any device can use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    /// Descriptor rings shared by a driver and the device.
    pub rings: Vec<RingView>,
    /// Requests waiting in a driver's queue.
    pub queues: Vec<QueueView>,
    /// Buffers in kernel memory a driver keeps data in (a pipe's).
    pub buffers: Vec<BufferView>,
    /// Registers and other state, as name and value: what the device is doing now.
    pub registers: Vec<(&'static str, String)>,
    /// Counts and totals so far, as name and value with its unit: what it has done.
    pub counters: Vec<(&'static str, String)>,
    /// The IRP the device is moving data for, with when it ends: its lane's activity.
    pub in_flight: Option<(IrpId, Time)>,
}

/// One ring of descriptors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RingView {
    pub name: &'static str,
    pub slots: Vec<SlotView>,
    pub head: u16,
    pub tail: u16,
    pub reap: u16,
}

/// Who owns a descriptor slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotView {
    Free,
    /// Posted by the driver; the device owns it.
    Device(IrpId),
    /// Done by the device; the driver must reap it.
    Driver(IrpId),
}

/// A buffer of bytes in kernel memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BufferView {
    pub name: String,
    /// Bytes in it now.
    pub used: u64,
    /// Bytes it can hold.
    pub capacity: u64,
    /// What state its owner is in, in a word or two ("connected", "closing").
    pub state: &'static str,
}

/// How many queued IRPs a [`QueueView`] lists, in service order. Enough to see a
/// driver's policy at work; listing 300,000 would cost as much as serving them.
pub const SHOWN_QUEUE: usize = 64;

/// A driver's queue of waiting requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueView {
    pub name: String,
    /// How the driver orders it ("FIFO", "SCAN").
    pub policy: &'static str,
    /// The first requests in the order the driver will serve them if nothing else
    /// arrives (at most a screenful).
    pub first: Vec<IrpId>,
    /// Where on the device each of `first` lies, in the same order, when where a request
    /// lies decides its cost and the policy orders by it: a count of [`QueueView::place`]s
    /// from the device's start (a disk's tracks). Empty otherwise.
    pub places: Vec<u64>,
    /// What `places` count, in a word ("track"); "" when there are none.
    pub place: &'static str,
    /// How many wait in all.
    pub len: usize,
}
