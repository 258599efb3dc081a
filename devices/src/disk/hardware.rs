//! The disk itself: platters that hold real bytes, an arm that seeks, a DMA engine that
//! works through the descriptor ring its driver fills, and an interrupt status bit. It
//! acts on its own: when its driver's doorbell reaches it, it takes the descriptor at the
//! ring's head, seeks, waits for the sector, transfers segment by segment by DMA, hands
//! the slot back to the driver and raises its interrupt, then goes on to the next posted
//! descriptor. It never runs on a CPU.

use super::geometry::Geometry;
use super::storage::{CHUNK_SIZE, Fill, Storage};
use crate::dma::{DmaRing, SlotOwner, events};
use kernel_sim::trace::duration;
use kernel_sim::{
    Device, DeviceEvent, DeviceEventKind, DeviceView, HwCtx, IrpId, Irq, Lane, RingView, SlotView,
    Time,
};
use rand::RngExt;
use std::any::Any;

/// How a disk is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskConfig {
    pub geometry: Geometry,
    pub fill: Fill,
    pub irq: Irq,
    /// Descriptors in the DMA ring.
    pub ring_size: usize,
    /// How often a transfer fails with a media error, in transfers per million (0:
    /// never). The disk draws from its own random stream, so the same seed fails the
    /// same transfers.
    pub media_error_ppm: u32,
}

impl Default for DiskConfig {
    fn default() -> Self {
        Self {
            geometry: Geometry::default(),
            fill: Fill::OffsetPattern,
            irq: Irq(14),
            ring_size: 8,
            media_error_ppm: 0,
        }
    }
}

/// The disk started on a descriptor: where its time goes.
pub static TRANSFER_STARTED: DeviceEventKind = DeviceEventKind {
    name: "DeviceTransferStarted",
    small: "slot",
    values: ["irp", "seek_ns", "rotation_ns", "transfer_ns"],
    irp: Some(0),
    lane: Lane::BeginTransfer,
    ring_delta: 0,
    explain: |e, names| {
        let device = names.device;
        format!(
            "{device} starts on descriptor {} by itself: seek {}, rotation {}, transfer {}. No \
             CPU is involved.",
            e.small,
            duration(e.values[1]),
            duration(e.values[2]),
            duration(e.values[3])
        )
    },
    hint: Some(
        "Timeline: the device lane fills while the disk seeks, rotates and moves the data, with no CPU involved.",
    ),
};

/// The disk could not transfer a descriptor's data: a media error.
pub static MEDIA_ERROR: DeviceEventKind = DeviceEventKind {
    name: "DeviceMediaError",
    small: "slot",
    values: ["irp", "", "", ""],
    irp: Some(0),
    lane: Lane::EndTransfer,
    ring_delta: 0,
    explain: |e, names| {
        let device = names.device;
        format!(
            "{device} cannot transfer the sectors of descriptor {} ({}): a media error, which \
             iosim injects at the scenario's rate from the disk's own random stream. No data \
             moves; the disk marks the descriptor failed, hands it back to the driver and \
             interrupts.",
            e.small,
            IrpId(e.values[0])
        )
    },
    hint: Some(
        "DMA ring: a failed slot comes back like a finished one; the DPC will complete its IRP with an error.",
    ),
};

/// The transfer the disk is working on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    slot: usize,
    irp: IrpId,
    until: Time,
    /// The track the head seeks to, where the transfer starts.
    to_track: u32,
    end_track: u32,
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
    media_errors: u64,
}

/// A rotating disk.
#[derive(Debug, Clone)]
pub struct DiskHardware {
    config: DiskConfig,
    /// The descriptor ring, in memory the driver and the disk share.
    ring: DmaRing,
    storage: Storage,
    head_track: u32,
    in_flight: Option<InFlight>,
    /// The interrupt status bit, cleared by the ISR's acknowledgement.
    interrupt_pending: bool,
    stats: Stats,
}

impl DiskHardware {
    /// Panics on a geometry that fails [`Geometry::validate`]: its times could overflow.
    /// Scenario loading refuses such a disk with a message first.
    pub fn new(config: DiskConfig) -> Self {
        if let Err(error) = config.geometry.validate() {
            panic!("invalid disk geometry {:?}: {error}", config.geometry);
        }
        Self {
            ring: DmaRing::new(config.ring_size),
            storage: Storage::new(config.geometry.capacity_bytes(), config.fill),
            head_track: 0,
            in_flight: None,
            interrupt_pending: false,
            stats: Stats::default(),
            config,
        }
    }

    pub fn geometry(&self) -> &Geometry {
        &self.config.geometry
    }

    /// The descriptor ring, for the driver to post to and reap from.
    pub fn ring_mut(&mut self) -> &mut DmaRing {
        &mut self.ring
    }

    /// The ISR reads and clears the interrupt status bit: whether the interrupt was
    /// this disk's.
    pub fn acknowledge(&mut self) -> bool {
        std::mem::take(&mut self.interrupt_pending)
    }

    /// The disk's bytes.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The driver takes `irp` back: if its descriptor is posted and the disk has not
    /// started on it, the disk will skip it. Returns whether it will.
    pub fn abort(&mut self, irp: IrpId) -> bool {
        let busy = self.in_flight.is_some();
        match self.ring.posted_mut(irp.0, busy) {
            Some(desc) => {
                desc.abort = true;
                true
            }
            None => false,
        }
    }

    /// Takes the next posted descriptor, if the disk is idle; skips the ones its driver
    /// took back, handing each to the driver with an interrupt.
    fn start(&mut self, hw: &mut HwCtx<'_>) {
        if self.in_flight.is_some() {
            return;
        }
        while let Some((slot, desc)) = self.ring.device_peek()
            && desc.abort
        {
            let irp = IrpId(desc.tag);
            self.ring.device_skip();
            hw.trace(events::event(&events::SKIPPED, slot, irp, [0; 3]));
            self.interrupt_pending = true;
            hw.raise_interrupt();
        }
        let Some((slot, desc)) = self.ring.device_peek() else {
            return;
        };
        let bytes = desc.total_len();
        let access =
            self.config
                .geometry
                .access(hw.now(), self.head_track, desc.device_offset, bytes);
        // The DMA engine streams over the bus while the media transfers; the slower of
        // the two sets the pace.
        let transfer = access.transfer_ns.max(hw.costs().bus_ns(bytes));
        let total = access.seek_ns + access.rotation_ns + transfer;
        let irp = IrpId(desc.tag);
        self.stats.seek_ns += access.seek_ns;
        self.stats.rotation_ns += access.rotation_ns;
        self.stats.transfer_ns += transfer;
        self.stats.busy_ns += total;
        let to_track = self.config.geometry.track_of(desc.device_offset);
        self.stats.tracks_moved += u64::from(self.head_track.abs_diff(to_track));
        self.in_flight = Some(InFlight {
            slot,
            irp,
            until: hw.now() + total,
            to_track,
            end_track: access.end_track,
        });
        hw.trace(DeviceEvent {
            kind: &TRANSFER_STARTED,
            small: slot as u16,
            values: [irp.0, access.seek_ns, access.rotation_ns, transfer],
        });
        hw.schedule(total, slot as u64);
    }

    /// The transfer is over: move the bytes segment by segment (scatter/gather), give
    /// the slot back to the driver, interrupt, and go on to the next descriptor.
    fn finish(&mut self, hw: &mut HwCtx<'_>) {
        let flight = self.in_flight.take().expect("a transfer was in flight");
        let (slot, desc) = self.ring.device_peek().expect("the in-flight descriptor");
        debug_assert_eq!(slot, flight.slot);
        let desc = desc.clone();
        self.head_track = flight.end_track;
        // A media error, at the configured rate (no draw at all when there is none, so a
        // disk without errors leaves its stream untouched).
        let ppm = self.config.media_error_ppm;
        if ppm > 0 && hw.rng().random_range(0..1_000_000u32) < ppm {
            self.ring.device_complete(false, 0);
            self.stats.media_errors += 1;
            hw.trace(DeviceEvent {
                kind: &MEDIA_ERROR,
                small: slot as u16,
                values: [flight.irp.0, 0, 0, 0],
            });
            self.interrupt_pending = true;
            hw.raise_interrupt();
            return self.start(hw);
        }
        let buffer = hw.irp_buffer_mut(flight.irp);
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
        self.stats.requests += 1;
        self.stats.bytes += u64::from(bytes);
        hw.trace(events::event(
            &events::CONSUMED,
            slot,
            flight.irp,
            [u64::from(bytes), 0, 0],
        ));
        self.interrupt_pending = true;
        hw.raise_interrupt();
        self.start(hw);
    }
}

impl Device for DiskHardware {
    fn kind(&self) -> &'static str {
        "disk"
    }

    fn irq(&self) -> Option<Irq> {
        Some(self.config.irq)
    }

    fn capacity(&self) -> Option<u64> {
        Some(self.storage.capacity())
    }

    fn preload(&mut self, offset: u64, bytes: &[u8]) {
        self.storage.write(offset, bytes);
    }

    fn timer(&mut self, hw: &mut HwCtx<'_>, _token: u64) {
        self.finish(hw);
    }

    fn doorbell(&mut self, hw: &mut HwCtx<'_>) {
        self.start(hw);
    }

    fn stored_bytes(&self) -> u64 {
        self.storage.chunks_written() as u64 * CHUNK_SIZE
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        let mut stats = vec![
            ("busy_ns", self.stats.busy_ns),
            ("requests", self.stats.requests),
            ("bytes", self.stats.bytes),
            ("seek_ns", self.stats.seek_ns),
            ("rotation_ns", self.stats.rotation_ns),
            ("transfer_ns", self.stats.transfer_ns),
            ("tracks_moved", self.stats.tracks_moved),
        ];
        // Counted only on a disk that can fail.
        if self.config.media_error_ppm > 0 {
            stats.push(("media_errors", self.stats.media_errors));
        }
        stats
    }

    fn view(&self) -> DeviceView {
        let slots = (0..self.ring.size())
            .map(|i| match self.ring.slot(i) {
                (SlotOwner::Free, _) => SlotView::Free,
                (SlotOwner::Device, d) => SlotView::Device(IrpId(d.map_or(0, |d| d.tag))),
                (SlotOwner::Driver, d) => SlotView::Driver(IrpId(d.map_or(0, |d| d.tag))),
            })
            .collect();
        // The ordering lesson: where the head is and which track the transfer under way
        // takes it to, and what the seeks have cost (a seek counts when its transfer
        // starts). The timeline shows how long the transfer takes.
        let head = match self.in_flight {
            Some(f) => format!("track {} → {} for {}", self.head_track, f.to_track, f.irp),
            None => format!("track {}, idle", self.head_track),
        };
        let seeks = format!(
            "{} tracks, {}",
            self.stats.tracks_moved,
            duration(self.stats.seek_ns)
        );
        DeviceView {
            rings: vec![RingView {
                name: "DMA ring",
                slots,
                head: self.ring.head() as u16,
                tail: self.ring.tail() as u16,
                reap: self.ring.reap_index() as u16,
            }],
            registers: vec![("head", head)],
            counters: vec![("seeks begun", seeks)],
            in_flight: self.in_flight.map(|f| (f.irp, f.until)),
            ..DeviceView::default()
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn clone_box(&self) -> Box<dyn Device> {
        Box::new(self.clone())
    }
}
