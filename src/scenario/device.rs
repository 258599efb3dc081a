//! Devices a scenario attaches to the machine, and how their drivers behave.

use devices::disk::geometry::Geometry;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::limits::*;

/// One device and its driver. Written as an object with one key naming the kind of device,
/// e.g. `{"disk": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Device {
    /// A rotating disk: tracks of sectors under one head, with seek, rotation and transfer
    /// times, a DMA descriptor ring, and a driver that orders its queue of IRPs.
    Disk(Disk),
}

impl Device {
    /// The device's name, unique in the scenario.
    pub fn name(&self) -> &str {
        match self {
            Device::Disk(disk) => &disk.name,
        }
    }

    /// The interrupt line the device raises.
    pub fn irq(&self) -> u32 {
        match self {
            Device::Disk(disk) => disk.irq,
        }
    }

    /// The key that names this kind of device in JSON: `disk`.
    pub fn kind(&self) -> &'static str {
        match self {
            Device::Disk(_) => "disk",
        }
    }

    /// The disk, if this device is one.
    pub fn as_disk(&self) -> Option<&Disk> {
        match self {
            Device::Disk(disk) => Some(disk),
        }
    }
}

/// A rotating disk and its driver. Only `name` and `irq` are required; the defaults describe
/// a small 32 MiB, 7200 rpm disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disk {
    /// Name of the device, unique among devices; files refer to it. Lowercase letters,
    /// digits, `_` and `-`.
    #[schemars(pattern(DEVICE_NAME_PATTERN))]
    pub name: String,
    /// Interrupt line, 0..=23, unique among devices. A lower number is a higher priority: its
    /// interrupt preempts the service routines of higher-numbered lines.
    #[schemars(range(max = MAX_IRQ))]
    pub irq: u32,
    /// Bytes per sector: a power of two from 512 to 4096. Files start on a sector boundary.
    #[serde(default = "default_sector_size")]
    #[schemars(range(min = MIN_SECTOR_SIZE, max = MAX_SECTOR_SIZE))]
    pub sector_size: u32,
    /// Sectors on each track, 1..=4096.
    #[serde(default = "default_sectors_per_track")]
    #[schemars(range(min = 1, max = MAX_SECTORS_PER_TRACK))]
    pub sectors_per_track: u32,
    /// Number of tracks, 1..=1000000. Capacity is sector_size * sectors_per_track * tracks.
    #[serde(default = "default_tracks")]
    #[schemars(range(min = 1, max = MAX_TRACKS))]
    pub tracks: u32,
    /// Spindle speed in revolutions per minute, 1..=20000; sets the rotational delay and,
    /// since one track passes under the head per turn, the media transfer rate.
    #[serde(default = "default_rpm")]
    #[schemars(range(min = 1, max = MAX_RPM))]
    pub rpm: u32,
    /// Nanoseconds every seek pays to settle the head, however far it moves.
    #[serde(default = "default_seek_settle_ns")]
    #[schemars(range(max = MAX_NS))]
    pub seek_settle_ns: u64,
    /// Nanoseconds a seek pays for each track it crosses.
    #[serde(default = "default_seek_ns_per_track")]
    #[schemars(range(max = MAX_NS))]
    pub seek_ns_per_track: u64,
    /// No longer a field: the media rate follows from `rpm` and `sectors_per_track`. Read
    /// only so that an older scenario which sets it is told why it must go, not merely
    /// that the field is unknown; it is left out of the schema.
    #[serde(
        default,
        rename = "transfer_mb_s",
        skip_serializing,
        deserialize_with = "removed_transfer_mb_s"
    )]
    #[schemars(skip)]
    removed_transfer_mb_s: Removed,
    /// What reading a byte that was never written returns.
    #[serde(default)]
    pub fill: Fill,
    /// Number of descriptors in the DMA ring, 1..=4096. When all are in flight the driver
    /// holds further IRPs back (back-pressure).
    #[serde(default = "default_ring_size")]
    #[schemars(range(min = 1, max = MAX_RING_SIZE))]
    pub ring_size: u32,
    /// Largest scatter/gather segment in bytes, 512..=65536; a transfer is split into
    /// segments of at most this size.
    #[serde(default = "default_max_segment")]
    #[schemars(range(min = MIN_SEGMENT, max = MAX_SEGMENT))]
    pub max_segment: u32,
    /// The order in which the driver takes IRPs from its queue.
    #[serde(default)]
    pub queue: QueuePolicy,
    /// Fault injection: how many transfers in a million fail with a media error,
    /// 0..=1000000 (default 0, never). The disk draws from its own random stream, so the
    /// same seed fails the same transfers; the driver completes a failed request with
    /// STATUS_IO_DEVICE_ERROR (ERROR_IO_DEVICE).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(max = MAX_MEDIA_ERROR_PPM))]
    pub media_error_ppm: u32,
    /// Filter drivers attached above the disk driver, the first directly above it and
    /// each next one above that: an IRP passes through them from the last to the first
    /// on its way down, and their completion routines run from the first to the last on
    /// its way up. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_FILTERS))]
    pub filters: Vec<Filter>,
}

/// A filter driver a device's stack can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Counts the requests and bytes that pass and checksums each request's data in its
    /// completion routine, on the way back up.
    Checksum,
    /// Writes an audit record of each request: its completion routine holds the IRP
    /// (STATUS_MORE_PROCESSING_REQUIRED) and queues a work item, and the system worker
    /// thread writes the record at PASSIVE_LEVEL and completes the IRP again.
    Audit,
}

impl Disk {
    /// Size of the disk in bytes: sector_size * sectors_per_track * tracks.
    pub fn capacity(&self) -> u64 {
        u64::from(self.sector_size) * u64::from(self.sectors_per_track) * u64::from(self.tracks)
    }

    /// The disk model's view of this disk's shape and speeds.
    pub fn geometry(&self) -> Geometry {
        Geometry {
            sector_size: self.sector_size,
            sectors_per_track: self.sectors_per_track,
            tracks: self.tracks,
            rpm: self.rpm,
            seek_settle_ns: self.seek_settle_ns,
            seek_ns_per_track: self.seek_ns_per_track,
        }
    }

    /// The slowest one access to this disk can be with the DMA bus at `bus_ns_per_kib`.
    /// The disk's fields must be in range (no zero).
    pub fn slowest_access(&self, bus_ns_per_kib: u64) -> SlowestAccess {
        let bytes = MAX_TRANSFER.min(self.capacity());
        let worst = self.geometry().worst_access(bytes);
        // The driver moves data at the slower of the media and the bus.
        let bus_ns = (u128::from(bytes) * u128::from(bus_ns_per_kib)).div_ceil(1024);
        let transfer_ns = worst.transfer_ns.max(bus_ns);
        // Each setting's share: the seek figures are paid by the full stroke and, while
        // the media sets the pace, by every track switch of the transfer; rpm by the turn
        // and the sectors passing under the head; the bus when it is the slower.
        let (settle, per_track) = (
            u128::from(self.seek_settle_ns),
            u128::from(self.seek_ns_per_track),
        );
        let (switches, platter, bus) = if worst.transfer_ns >= bus_ns {
            let switches = u128::from(worst.track_switches);
            let passing = worst.transfer_ns - switches * (settle + per_track);
            (switches, worst.rotation_ns + passing, 0)
        } else {
            (0, worst.rotation_ns, bus_ns)
        };
        let shares = [
            (settle * (1 + switches), Culprit::Disk("seek_settle_ns")),
            (
                per_track * (u128::from(self.tracks - 1) + switches),
                Culprit::Disk("seek_ns_per_track"),
            ),
            (platter, Culprit::Disk("rpm")),
            (bus, Culprit::Bus),
        ];
        // The first of equal shares (`max_by_key` would keep the last).
        let largest = shares.iter().map(|(share, _)| *share).max().unwrap_or(0);
        let culprit = shares
            .iter()
            .find(|(share, _)| *share == largest)
            .map_or(Culprit::Disk("rpm"), |(_, culprit)| *culprit);
        SlowestAccess {
            seek_ns: worst.seek_ns,
            rotation_ns: worst.rotation_ns,
            transfer_ns,
            bytes,
            culprit,
        }
    }
}

/// The slowest one access to a disk can be: a full-stroke seek, a whole turn, and the
/// largest transfer (16 MiB, or the whole disk if smaller) placed to cross the most
/// tracks, at the slower of the media and the DMA bus. Validation refuses a disk whose
/// total passes [`MAX_NS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowestAccess {
    pub seek_ns: u128,
    pub rotation_ns: u128,
    pub transfer_ns: u128,
    /// The transfer's size.
    pub bytes: u64,
    /// The setting behind the largest share of the total.
    pub culprit: Culprit,
}

impl SlowestAccess {
    pub fn total_ns(&self) -> u128 {
        self.seek_ns + self.rotation_ns + self.transfer_ns
    }
}

/// A setting that makes a disk access slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Culprit {
    /// A field of the disk: `seek_settle_ns`, `seek_ns_per_track` or `rpm`.
    Disk(&'static str),
    /// The machine's `costs.bus_ns_per_kib`.
    Bus,
}

impl Culprit {
    /// The field's name as a scenario author writes it.
    pub fn name(self) -> &'static str {
        match self {
            Culprit::Disk(field) => field,
            Culprit::Bus => "machine.costs.bus_ns_per_kib",
        }
    }
}

/// Stands in for a field the format no longer has: it is only ever absent, since reading
/// it is an error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Removed;

/// Refuses the retired `transfer_mb_s`, saying what replaced it. The message keeps serde's
/// "what, expected ..." shape so the error report splits it the same way.
fn removed_transfer_mb_s<'de, D: Deserializer<'de>>(_: D) -> Result<Removed, D::Error> {
    Err(serde::de::Error::custom(
        "`transfer_mb_s` was removed: a disk's media rate now follows from `rpm` and \
         `sectors_per_track` (one track passes under the head per turn), \
         expected no `transfer_mb_s` field; to change the rate, change `rpm` or `sectors_per_track`",
    ))
}

/// What unwritten disk bytes contain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// Every unwritten byte is zero.
    Zero,
    /// Every unwritten byte is computed from its offset on the disk (the disk model defines
    /// the exact pattern), so a read that lands in the wrong place shows it.
    #[default]
    OffsetPattern,
}

/// How a disk driver orders pending IRPs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueuePolicy {
    /// First come, first served.
    #[default]
    Fifo,
    /// Elevator: the head sweeps in one direction serving requests on its way, then turns.
    Scan,
    /// Shortest seek time first: always the request nearest the head.
    Sstf,
}

fn default_sector_size() -> u32 {
    DEFAULT_SECTOR_SIZE
}
fn default_sectors_per_track() -> u32 {
    DEFAULT_SECTORS_PER_TRACK
}
fn default_tracks() -> u32 {
    DEFAULT_TRACKS
}
fn default_rpm() -> u32 {
    DEFAULT_RPM
}
fn default_seek_settle_ns() -> u64 {
    DEFAULT_SEEK_SETTLE_NS
}
fn default_seek_ns_per_track() -> u64 {
    DEFAULT_SEEK_NS_PER_TRACK
}
/// Whether a count is zero, its default, which a written scenario leaves out.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn default_max_segment() -> u32 {
    DEFAULT_MAX_SEGMENT
}
