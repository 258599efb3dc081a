//! The disk driver and the disk's hardware behaviour, behind the kernel's `Driver` trait.
//!
//! Driver side: `dispatch` marks the IRP pending, queues it and returns; `start_io` moves
//! queued IRPs into free ring slots, choosing by the queue policy, and rings the doorbell.
//! A full ring leaves IRPs in the queue: that is the back-pressure. Device side: when the
//! doorbell reaches it, the disk takes the descriptor at the ring's head, seeks, waits
//! for the sector, transfers segment by segment by DMA, hands the slot back to the driver
//! and raises its interrupt, then goes on to the next posted descriptor by itself. The
//! DPC reaps one descriptor per piece of work and completes its IRP, then refills the
//! ring.

use super::geometry::Geometry;
use super::order::{Direction, Policy, Queue};
use super::storage::{Fill, Storage};
use crate::dma::{Descriptor, DmaRing, SlotOwner, split_into_segments};
use kernel_sim::io::Major;
use kernel_sim::io::Status;
use kernel_sim::trace::What;
use kernel_sim::{
    DeviceStats, DeviceView, Dispatch, DpcStep, Driver, DriverCtx, IrpId, Irq, SlotView, Time,
};

/// How a disk is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskConfig {
    pub geometry: Geometry,
    pub fill: Fill,
    pub irq: Irq,
    /// Descriptors in the DMA ring.
    pub ring_size: usize,
    /// Largest scatter/gather segment, in bytes (a page).
    pub max_segment: u32,
    pub policy: Policy,
}

impl Default for DiskConfig {
    fn default() -> Self {
        Self {
            geometry: Geometry::default(),
            fill: Fill::OffsetPattern,
            irq: Irq(14),
            ring_size: 8,
            max_segment: 4096,
            policy: Policy::Fifo,
        }
    }
}

/// How many queued IRPs the walkthrough's view lists, in service order. Enough to see
/// the policy at work; listing 300,000 would cost as much as serving them.
pub const SHOWN_QUEUE: usize = 64;

/// An IRP waiting in the driver's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Queued {
    irp: IrpId,
    write: bool,
    device_offset: u64,
    len: u32,
}

/// The transfer the disk is working on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    slot: usize,
    irp: IrpId,
    until: Time,
    end_track: u32,
}

/// A disk and its driver.
#[derive(Debug, Clone)]
pub struct Disk {
    config: DiskConfig,
    // Driver state.
    queue: Queue<Queued>,
    direction: Direction,
    /// Where the head will be once every posted descriptor is done: the elevator plans
    /// from there.
    planned_track: u32,
    ring: DmaRing,
    // Device state.
    storage: Storage,
    head_track: u32,
    in_flight: Option<InFlight>,
    /// The device's interrupt status bit, cleared by the ISR's acknowledgement.
    interrupt_pending: bool,
    stats: Stats,
}

#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    requests: u64,
    bytes: u64,
    busy_ns: u64,
    seek_ns: u64,
    rotation_ns: u64,
    transfer_ns: u64,
    tracks_moved: u64,
}

impl Disk {
    /// Panics on a geometry that fails [`Geometry::validate`]: its times could overflow.
    /// Scenario loading refuses such a disk with a message first.
    pub fn new(config: DiskConfig) -> Self {
        if let Err(error) = config.geometry.validate() {
            panic!("invalid disk geometry {:?}: {error}", config.geometry);
        }
        Self {
            queue: Queue::new(config.policy),
            direction: Direction::Up,
            planned_track: 0,
            ring: DmaRing::new(config.ring_size),
            storage: Storage::new(config.geometry.capacity_bytes(), config.fill),
            head_track: 0,
            in_flight: None,
            interrupt_pending: false,
            stats: Stats::default(),
            config,
        }
    }

    /// The first [`SHOWN_QUEUE`] queued IRPs in the order the policy would send them to
    /// the device if no other request arrived: the picks `start_io` would make.
    fn service_order(&self) -> Vec<IrpId> {
        self.queue
            .service_order(
                self.planned_track,
                self.direction,
                |q| self.end_track(q),
                SHOWN_QUEUE,
            )
            .into_iter()
            .map(|q| q.irp)
            .collect()
    }

    /// The track the head ends on after serving `q`.
    fn end_track(&self, q: &Queued) -> u32 {
        self.config
            .geometry
            .track_of(q.device_offset + u64::from(q.len.max(1)) - 1)
    }

    /// Moves queued IRPs into free ring slots, in policy order, and rings the device's
    /// doorbell if it posted any.
    fn start_io(&mut self, io: &mut DriverCtx<'_>) {
        let mut posted = false;
        while !self.ring.is_full() {
            let Some(q) = self.queue.pop_next(self.planned_track, &mut self.direction) else {
                break;
            };
            posted = true;
            let segments = split_into_segments(q.len, self.config.max_segment);
            let segment_count = segments.len() as u16;
            let slot = self
                .ring
                .post(Descriptor::new(q.irp.0, q.write, q.device_offset, segments))
                .expect("checked not full");
            self.planned_track = self.end_track(&q);
            io.started(q.irp);
            let device = io.device();
            io.trace(What::DmaDescriptorPosted {
                device,
                slot: slot as u16,
                irp: q.irp,
                segments: segment_count,
                bytes: q.len,
            });
            let cost = io.costs().start_io_ns;
            io.charge(cost);
        }
        if posted {
            io.ring_doorbell();
        }
    }

    /// The device takes the next posted descriptor, if it is idle.
    fn device_start(&mut self, io: &mut DriverCtx<'_>) {
        if self.in_flight.is_some() {
            return;
        }
        let Some((slot, desc)) = self.ring.device_peek() else {
            return;
        };
        let bytes = desc.total_len();
        let access =
            self.config
                .geometry
                .access(io.now(), self.head_track, desc.device_offset, bytes);
        // The DMA engine streams over the bus while the media transfers; the slower of
        // the two sets the pace.
        let transfer = access.transfer_ns.max(io.costs().bus_ns(bytes));
        let total = access.seek_ns + access.rotation_ns + transfer;
        let irp = IrpId(desc.tag);
        self.stats.seek_ns += access.seek_ns;
        self.stats.rotation_ns += access.rotation_ns;
        self.stats.transfer_ns += transfer;
        self.stats.busy_ns += total;
        self.stats.tracks_moved += u64::from(
            self.head_track
                .abs_diff(self.config.geometry.track_of(desc.device_offset)),
        );
        self.in_flight = Some(InFlight {
            slot,
            irp,
            until: io.now() + total,
            end_track: access.end_track,
        });
        let device = io.device();
        io.trace(What::DeviceTransferStarted {
            device,
            slot: slot as u16,
            irp,
            seek_ns: access.seek_ns,
            rotation_ns: access.rotation_ns,
            transfer_ns: transfer,
        });
        io.schedule(total, slot as u64);
    }

    /// The transfer is over: move the bytes segment by segment (scatter/gather), give
    /// the slot back to the driver and interrupt.
    fn device_finish(&mut self, io: &mut DriverCtx<'_>) {
        let flight = self.in_flight.take().expect("a transfer was in flight");
        let (slot, desc) = self.ring.device_peek().expect("the in-flight descriptor");
        debug_assert_eq!(slot, flight.slot);
        let desc = desc.clone();
        let buffer = io.irp_buffer_mut(flight.irp);
        let mut device_offset = desc.device_offset;
        for seg in &desc.segments {
            let range = seg.buf_offset as usize..(seg.buf_offset + seg.len) as usize;
            if desc.write {
                self.storage.write(device_offset, &buffer[range]);
            } else {
                self.storage.read(device_offset, &mut buffer[range]);
            }
            device_offset += u64::from(seg.len);
        }
        let bytes = desc.total_len() as u32;
        self.ring.device_complete(true, bytes);
        self.head_track = flight.end_track;
        self.stats.requests += 1;
        self.stats.bytes += u64::from(bytes);
        let device = io.device();
        io.trace(What::DmaDescriptorConsumed {
            device,
            slot: slot as u16,
            irp: flight.irp,
            bytes,
        });
        self.interrupt_pending = true;
        io.raise_interrupt();
        self.device_start(io);
    }
}

impl Driver for Disk {
    fn irq(&self) -> Irq {
        self.config.irq
    }

    fn capacity(&self) -> u64 {
        self.storage.capacity()
    }

    fn preload(&mut self, device_offset: u64, bytes: &[u8]) {
        self.storage.write(device_offset, bytes);
    }

    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch {
        // A disk request always waits for the hardware: pending, before it is queued.
        io.mark_pending(irp);
        let loc = io.irp(irp).location().clone();
        let track = self.config.geometry.track_of(loc.device_offset);
        self.queue.push(
            track,
            Queued {
                irp,
                write: loc.major == Major::Write,
                device_offset: loc.device_offset,
                len: loc.len,
            },
        );
        io.queued(irp, self.queue.len() as u32);
        self.start_io(io);
        Dispatch::Pending
    }

    fn isr(&mut self, _io: &mut DriverCtx<'_>) -> bool {
        // Acknowledge: clear the device's status bit. The DPC does the rest.
        let ours = self.interrupt_pending;
        self.interrupt_pending = false;
        ours
    }

    fn dpc(&mut self, io: &mut DriverCtx<'_>) -> DpcStep {
        if let Some((slot, desc)) = self.ring.reap() {
            let irp = IrpId(desc.tag);
            let device = io.device();
            io.trace(What::DmaDescriptorReaped {
                device,
                slot: slot as u16,
                irp,
            });
            let cost = io.costs().complete_ns;
            io.charge(cost);
            let status = if desc.status_ok {
                Status::Success
            } else {
                Status::DeviceError
            };
            io.complete_irp(irp, status, desc.done_bytes);
            return DpcStep::More;
        }
        self.start_io(io);
        DpcStep::Done
    }

    fn device_event(&mut self, io: &mut DriverCtx<'_>, _token: u64) {
        self.device_finish(io);
    }

    fn doorbell(&mut self, io: &mut DriverCtx<'_>) {
        self.device_start(io);
    }

    fn stored_bytes(&self) -> u64 {
        self.storage.chunks_written() as u64 * super::storage::CHUNK_SIZE
    }

    fn stats(&self) -> DeviceStats {
        DeviceStats {
            busy_ns: self.stats.busy_ns,
            requests: self.stats.requests,
            bytes: self.stats.bytes,
            detail: vec![
                ("seek_ns", self.stats.seek_ns),
                ("rotation_ns", self.stats.rotation_ns),
                ("transfer_ns", self.stats.transfer_ns),
                ("tracks_moved", self.stats.tracks_moved),
            ],
        }
    }

    fn view(&self) -> DeviceView {
        DeviceView {
            policy: self.config.policy.name(),
            queue: self.service_order(),
            queue_len: self.queue.len(),
            ring: (0..self.ring.size())
                .map(|i| match self.ring.slot(i) {
                    (SlotOwner::Free, _) => SlotView::Free,
                    (SlotOwner::Device, d) => SlotView::Device(IrpId(d.map_or(0, |d| d.tag))),
                    (SlotOwner::Driver, d) => SlotView::Driver(IrpId(d.map_or(0, |d| d.tag))),
                })
                .collect(),
            head: self.ring.head() as u16,
            tail: self.ring.tail() as u16,
            reap: self.ring.reap_index() as u16,
            in_flight: self.in_flight.map(|f| (f.slot as u16, f.irp, f.until)),
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}
