//! The disk driver: it queues IRPs in the order its [`Policy`] (or any [`OrderPolicy`])
//! picks, moves them to the disk's DMA ring when there is room (a full ring leaves them
//! queued: that is the back-pressure) and rings the doorbell; its ISR acknowledges the
//! disk, and its DPC reaps finished descriptors, completes their IRPs and refills the
//! ring.
//!
//! The DPC's body is a [`DpcRoutine`], so that it can be written against the three
//! things it does ([`DiskDpc`]: reap, complete, start queued requests) without the rest
//! of the driver; [`ReapOneAPass`] is the driver's own.

use super::hardware::DiskHardware;
use super::order::{Direction, OrderPolicy, Policy, Queue};
use crate::dma::{Descriptor, events, split_into_segments};
use kernel_sim::device::SHOWN_QUEUE;
use kernel_sim::io::{Major, Status};
use kernel_sim::{DeviceView, Dispatch, DpcStep, Driver, DriverCtx, IrpId, QueueView};
use std::fmt::Debug;
use std::sync::Arc;

/// An IRP waiting in the driver's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Queued {
    irp: IrpId,
    write: bool,
    device_offset: u64,
    len: u32,
}

/// The disk's function driver.
#[derive(Debug, Clone)]
pub struct DiskDriver {
    /// Largest scatter/gather segment, in bytes (a page).
    max_segment: u32,
    queue: Queue<Queued>,
    direction: Direction,
    /// Where the head will be once every posted descriptor is done: the elevator plans
    /// from there.
    planned_track: u32,
    /// The disk's track size, to place requests (copied from its geometry).
    track_bytes: u64,
    /// The body of the DPC.
    dpc: Arc<dyn DpcRoutine>,
}

impl DiskDriver {
    /// A driver for `disk`, ordering its queue by `policy` and cutting buffers into
    /// scatter/gather segments of at most `max_segment` bytes.
    pub fn new(disk: &DiskHardware, policy: Policy, max_segment: u32) -> Self {
        Self::with_queue(disk, Queue::new(policy), max_segment)
    }

    /// A driver for `disk` whose queue is ordered by a policy of the caller's.
    pub fn with_order(disk: &DiskHardware, order: Arc<dyn OrderPolicy>, max_segment: u32) -> Self {
        Self::with_queue(disk, Queue::custom(order), max_segment)
    }

    fn with_queue(disk: &DiskHardware, queue: Queue<Queued>, max_segment: u32) -> Self {
        Self {
            max_segment,
            queue,
            direction: Direction::Up,
            planned_track: 0,
            track_bytes: disk.geometry().track_bytes(),
            dpc: Arc::new(ReapOneAPass),
        }
    }

    /// The same driver with `dpc` as the body of its DPC.
    pub fn with_dpc(mut self, dpc: Arc<dyn DpcRoutine>) -> Self {
        self.dpc = dpc;
        self
    }

    fn track_of(&self, byte_offset: u64) -> u32 {
        u32::try_from(byte_offset / self.track_bytes).expect("track number fits in u32")
    }

    /// The first [`SHOWN_QUEUE`] queued IRPs in the order the policy would send them to
    /// the device if no other request arrived (the picks `start_io` would make), each
    /// with the track it starts on.
    fn service_order(&self) -> Vec<(IrpId, u32)> {
        self.queue
            .service_order(
                self.planned_track,
                self.direction,
                |q| self.end_track(q),
                SHOWN_QUEUE,
            )
            .into_iter()
            .map(|q| (q.irp, self.track_of(q.device_offset)))
            .collect()
    }

    /// The track the head ends on after serving `q`.
    fn end_track(&self, q: &Queued) -> u32 {
        self.track_of(q.device_offset + u64::from(q.len.max(1)) - 1)
    }
}

impl Driver for DiskDriver {
    fn name(&self) -> &'static str {
        "disk driver"
    }

    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch {
        // Its cancel was asked for before it got here, when no cancel routine could take
        // it: a driver checks Irp->Cancel as it queues an IRP, and completes it cancelled.
        if io.irp(irp).cancel {
            io.complete_irp(irp, Status::Cancelled, 0);
            return Dispatch::Completed;
        }
        // A disk request always waits for the hardware: pending, before it is queued.
        io.mark_pending(irp);
        let loc = io.irp(irp).location().clone();
        let track = self.track_of(loc.device_offset);
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
        Dispatch::Pending
    }

    /// Moves queued IRPs into free ring slots, in policy order, and rings the disk's
    /// doorbell if it posted any.
    fn start_io(&mut self, io: &mut DriverCtx<'_>) {
        let mut posted = false;
        while !io.hardware::<DiskHardware>().ring_mut().is_full() {
            let Some(q) = self.queue.pop_next(self.planned_track, &mut self.direction) else {
                break;
            };
            posted = true;
            let segments = split_into_segments(q.len, self.max_segment);
            let segment_count = segments.len() as u64;
            let slot = io
                .hardware::<DiskHardware>()
                .ring_mut()
                .post(Descriptor::new(q.irp.0, q.write, q.device_offset, segments))
                .expect("checked not full");
            self.planned_track = self.end_track(&q);
            io.started(q.irp);
            io.trace_event(events::event(
                &events::POSTED,
                slot,
                q.irp,
                [segment_count, u64::from(q.len), 0],
            ));
            let cost = io.costs().start_io_ns;
            io.charge(cost);
        }
        if posted {
            io.ring_doorbell();
        }
    }

    /// Cancelling: a request still queued is completed cancelled at once; one posted to
    /// the ring but not started is marked for the disk to skip, and completes cancelled
    /// when the DPC reaps it; one the disk is moving runs to its end.
    fn cancel(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> bool {
        if self.queue.remove_where(|q| q.irp == irp).is_some() {
            io.complete_irp(irp, Status::Cancelled, 0);
            return true;
        }
        io.hardware::<DiskHardware>().abort(irp)
    }

    fn isr(&mut self, io: &mut DriverCtx<'_>) -> bool {
        // Acknowledge: read and clear the disk's status bit. The DPC does the rest.
        io.hardware::<DiskHardware>().acknowledge()
    }

    fn dpc(&mut self, io: &mut DriverCtx<'_>) -> DpcStep {
        let routine = Arc::clone(&self.dpc);
        routine.run(&mut DiskDpc { driver: self, io })
    }

    fn view(&self) -> DeviceView {
        let (first, tracks): (Vec<IrpId>, Vec<u32>) = self.service_order().into_iter().unzip();
        DeviceView {
            queues: vec![QueueView {
                name: "queue".into(),
                policy: self.queue.policy_name(),
                first,
                places: tracks.into_iter().map(u64::from).collect(),
                place: "track",
                len: self.queue.len(),
            }],
            ..DeviceView::default()
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}

/// A descriptor the DPC took back from the ring, with what the disk wrote in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    /// The ring slot it was in.
    pub slot: usize,
    /// The request it carried.
    pub irp: IrpId,
    /// The driver had asked the disk to skip it (a cancel) and the disk did: nothing
    /// moved.
    pub skipped: bool,
    /// The disk reports the transfer succeeded.
    pub ok: bool,
    /// How many bytes the disk moved.
    pub done_bytes: u32,
}

/// What the disk's DPC can do. Each call does what the driver's own DPC does at that
/// point, with its trace event and its cost.
pub struct DiskDpc<'d, 'k> {
    driver: &'d mut DiskDriver,
    io: &'d mut DriverCtx<'k>,
}

impl DiskDpc<'_, '_> {
    /// Takes the oldest finished descriptor back from the ring (`DmaReaped`, and the CPU
    /// time completing a request costs); `None` when the disk has finished nothing more.
    pub fn reap(&mut self) -> Option<Reaped> {
        let (slot, desc) = self.io.hardware::<DiskHardware>().ring_mut().reap()?;
        let irp = IrpId(desc.tag);
        let skipped = u64::from(desc.aborted);
        let failed = u64::from(!desc.aborted && !desc.status_ok);
        self.io.trace_event(events::event(
            &events::REAPED,
            slot,
            irp,
            [skipped, failed, 0],
        ));
        let cost = self.io.costs().complete_ns;
        self.io.charge(cost);
        Some(Reaped {
            slot,
            irp,
            skipped: desc.aborted,
            ok: desc.status_ok,
            done_bytes: desc.done_bytes,
        })
    }

    /// Completes `irp` with `status`, having moved `bytes` (IoCompleteRequest).
    pub fn complete(&mut self, irp: IrpId, status: Status, bytes: u32) {
        self.io.complete_irp(irp, status, bytes);
    }

    /// Moves queued requests into the ring's free slots, in the queue's order, and rings
    /// the doorbell if it posted any (the driver's StartIo).
    pub fn start_queued(&mut self) {
        self.driver.start_io(self.io);
    }
}

/// The body of the disk's DPC: the kernel calls [`DpcRoutine::run`] for one pass after
/// another, each taking the CPU time its calls cost, until one returns [`DpcStep::Done`].
/// The IRPs a pass completes reach the I/O manager when the pass's time is paid.
pub trait DpcRoutine: Debug + Send + Sync {
    fn run(&self, dpc: &mut DiskDpc<'_, '_>) -> DpcStep;
}

/// The driver's own DPC: each pass reaps one descriptor and completes its IRP with the
/// status the disk reported (cancelled if it skipped it); the pass that finds nothing
/// left refills the ring from the queue and ends the DPC.
#[derive(Debug)]
pub struct ReapOneAPass;

impl DpcRoutine for ReapOneAPass {
    fn run(&self, dpc: &mut DiskDpc<'_, '_>) -> DpcStep {
        let Some(reaped) = dpc.reap() else {
            dpc.start_queued();
            return DpcStep::Done;
        };
        let status = if reaped.skipped {
            Status::Cancelled
        } else if reaped.ok {
            Status::Success
        } else {
            Status::DeviceError
        };
        dpc.complete(reaped.irp, status, reaped.done_bytes);
        DpcStep::More
    }
}
