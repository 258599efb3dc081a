//! How long a rotating disk takes to reach and move some bytes.
//!
//! An access costs three things, in this order:
//!
//! ```text
//!   seek            rotation wait         transfer
//!   |-- arm moves --|-- platter turns --|-- sectors pass under the head --|
//!   settle + per-track   until the target     a turn per track of bytes, plus
//!   distance             sector comes round   a track-to-track step per track crossed
//! ```
//!
//! Sectors cannot leave the platter faster than they pass under the head, so the media
//! rate is not a setting: one track, `sector_size × sectors_per_track` bytes, passes in
//! one turn (`60 s / rpm`). The default disk moves its 32 KiB track in 8.33 ms, about
//! 3.9 MB/s, and a 4 KiB read transfers in 1.04 ms. The disk moves whole sectors, so
//! a transfer lasts from the start of its first sector to the end of its last. (The
//! DMA bus has its own rate, a kernel cost; the driver takes the slower of the two.)
//!
//! A transfer that runs off the end of a track continues on the next one after the arm
//! steps over: a track-to-track seek (`seek_settle_ns + seek_ns_per_track`). Each track
//! starts that much later round the platter than the one before it (the *track skew*
//! real disks are formatted with), so the first sector of the next track arrives just as
//! the head settles and the transfer loses no turn.
//!
//! Everything is integer nanoseconds and a pure function of its inputs: the platter
//! angle follows from the virtual time alone (it started at angle 0 at time 0), so
//! the same requests at the same times cost the same on every run. Products that could
//! pass 64 bits are taken in 128; [`Geometry::validate`] refuses a geometry whose
//! slowest possible access would not fit in 64 bits, so the methods never overflow.
//!
//! Simplifications, on purpose: byte offsets map to sectors linearly, track after
//! track (no cylinders, heads or zones: every track holds the same number of sectors);
//! the drive has no cache, so reading the rest of a sector that just passed waits a
//! turn; and the platter never speeds up or slows down.

use std::fmt;

use serde::Serialize;

/// Nanoseconds in a minute: rpm → time per turn.
const NS_PER_MINUTE: u64 = 60_000_000_000;

/// A disk's shape and speeds. See [`Geometry::DEFAULT`] for the figures the
/// simulator uses unless a scenario overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Geometry {
    /// Bytes per sector.
    pub sector_size: u32,
    pub sectors_per_track: u32,
    pub tracks: u32,
    /// Platter speed in revolutions per minute; with the track size it sets the media rate.
    pub rpm: u32,
    /// Fixed cost of any head move, however short: accelerate, stop, settle.
    pub seek_settle_ns: u64,
    /// Added cost per track crossed.
    pub seek_ns_per_track: u64,
}

impl Geometry {
    /// The disk the simulator uses unless a scenario says otherwise: a small
    /// desktop-class drive, scaled down so the numbers stay readable:
    /// 512-byte sectors, 64 sectors/track, 1024 tracks (32 MiB), 7200 rpm
    /// (8.33 ms per turn, so 32 KiB per 8.33 ms: about 3.9 MB/s off the platter),
    /// 0.5 ms settle plus 10 us per track crossed (a full stroke is about 10.7 ms).
    /// The scenario format's defaults are these fields.
    pub const DEFAULT: Geometry = Geometry {
        sector_size: 512,
        sectors_per_track: 64,
        tracks: 1024,
        rpm: 7200,
        seek_settle_ns: 500_000,
        seek_ns_per_track: 10_000,
    };
}

impl Default for Geometry {
    /// [`Geometry::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The cost of one access, split so the trace can say where the time went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Moving the arm to the target track.
    pub seek_ns: u64,
    /// Rotational latency: waiting for the target sector to come under the head.
    pub rotation_ns: u64,
    /// The bytes passing under the head, with the track-to-track steps of a transfer
    /// that crosses tracks.
    pub transfer_ns: u64,
    /// The track the head is over when the transfer ends; the next access seeks
    /// from here.
    pub end_track: u32,
}

impl Access {
    /// Seek + rotation wait + transfer. Fits in 64 bits on a validated geometry.
    pub fn total_ns(&self) -> u64 {
        self.seek_ns + self.rotation_ns + self.transfer_ns
    }
}

/// The slowest an access of a given size can be, in 128 bits so that any geometry
/// can be asked: a full-stroke seek, a whole turn of waiting, and a transfer that
/// crosses as many tracks as its size allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorstAccess {
    /// A full stroke: `seek_settle_ns + seek_ns_per_track * (tracks - 1)`.
    pub seek_ns: u128,
    /// A whole turn (the wait is always a little less).
    pub rotation_ns: u128,
    /// The transfer, track switches included.
    pub transfer_ns: u128,
    /// How many track switches `transfer_ns` includes.
    pub track_switches: u64,
}

impl WorstAccess {
    pub fn total_ns(&self) -> u128 {
        self.seek_ns + self.rotation_ns + self.transfer_ns
    }
}

/// A geometry the timing model cannot work with. Scenario loading reports it; the
/// run does not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryError {
    /// The named field is 0, which would divide by zero or give an empty disk.
    Zero { field: &'static str },
    /// sector_size × sectors_per_track × tracks does not fit in 64 bits.
    TooLarge,
    /// Reading the whole disk in one access (after a full-stroke seek and a turn of
    /// waiting) would take more than 2^64 - 1 ns.
    TooSlow,
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { field } => write!(f, "disk geometry field `{field}` must be positive"),
            Self::TooLarge => f.write_str("disk capacity does not fit in 64 bits"),
            Self::TooSlow => f.write_str(
                "one access to the disk could take more nanoseconds than fit in 64 bits",
            ),
        }
    }
}

impl std::error::Error for GeometryError {}

impl Geometry {
    /// Checks what the other methods rely on: no zero field, a capacity that fits in
    /// 64 bits, and a slowest access (the whole disk at once) whose time does too, so
    /// that no method can overflow. The methods panic or divide by zero on a geometry
    /// that fails this.
    pub fn validate(&self) -> Result<(), GeometryError> {
        let fields = [
            ("sector_size", self.sector_size),
            ("sectors_per_track", self.sectors_per_track),
            ("tracks", self.tracks),
            ("rpm", self.rpm),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, v)| *v == 0) {
            return Err(GeometryError::Zero { field });
        }
        let capacity = self
            .track_bytes()
            .checked_mul(u64::from(self.tracks))
            .ok_or(GeometryError::TooLarge)?;
        if self.worst_access(capacity).total_ns() > u128::from(u64::MAX) {
            return Err(GeometryError::TooSlow);
        }
        Ok(())
    }

    /// Bytes on one track.
    pub fn track_bytes(&self) -> u64 {
        u64::from(self.sector_size) * u64::from(self.sectors_per_track)
    }

    pub fn capacity_bytes(&self) -> u64 {
        self.track_bytes() * u64::from(self.tracks)
    }

    /// The track holding `byte_offset`. Plain arithmetic: an offset past the end
    /// gives a track past the last.
    pub fn track_of(&self, byte_offset: u64) -> u32 {
        u32::try_from(byte_offset / self.track_bytes()).expect("track number fits in u32")
    }

    /// The absolute sector number holding `byte_offset`.
    pub fn sector_of(&self, byte_offset: u64) -> u64 {
        byte_offset / u64::from(self.sector_size)
    }

    /// One full turn of the platter (rounded down to whole nanoseconds).
    pub fn rotation_ns(&self) -> u64 {
        NS_PER_MINUTE / u64::from(self.rpm)
    }

    /// Arm movement between two tracks: free if it stays put, otherwise the settle
    /// cost plus a cost per track crossed.
    pub fn seek_ns(&self, from_track: u32, to_track: u32) -> u64 {
        fits(self.seek_ns_wide(from_track.abs_diff(to_track)))
    }

    /// A seek over `distance` tracks, in 128 bits.
    fn seek_ns_wide(&self, distance: u32) -> u128 {
        if distance == 0 {
            return 0;
        }
        u128::from(self.seek_settle_ns) + u128::from(distance) * u128::from(self.seek_ns_per_track)
    }

    /// The step from one track to the next, which a transfer pays at each track it
    /// crosses; also the track skew.
    pub fn track_switch_ns(&self) -> u64 {
        fits(self.seek_ns_wide(1))
    }

    /// Where round the platter sector 0 of `track` starts, in nanoseconds of rotation
    /// after angle 0: each track is skewed one track switch later than the one before,
    /// modulo a turn.
    fn track_start_ns(&self, track: u32) -> u64 {
        let rot = u128::from(self.rotation_ns());
        let skew = self.seek_ns_wide(1) % rot;
        (u128::from(track) * skew % rot) as u64
    }

    /// How long, from `at_time_ns`, until the start of the sector holding
    /// `byte_offset` passes under the head; in `0..rotation_ns()`.
    ///
    /// The platter is at angle `(t mod rotation) / rotation` at time `t`, and a
    /// sector starts at angle `(sector mod sectors_per_track) / sectors_per_track`
    /// plus its track's skew; all are scaled to nanoseconds of rotation so the sum
    /// stays in integers.
    pub fn rotation_wait_ns(&self, at_time_ns: u64, byte_offset: u64) -> u64 {
        let rot = self.rotation_ns();
        let sector = self.sector_of(byte_offset);
        let in_track = sector % u64::from(self.sectors_per_track);
        let target = (self.sector_start_ns(in_track)
            + self.track_start_ns(self.track_of(byte_offset)))
            % rot;
        let now = at_time_ns % rot;
        (target + rot - now) % rot
    }

    /// When, in nanoseconds of rotation after its track's sector 0, sector `in_track`
    /// of a track starts; `sectors_per_track` gives a whole turn. Rounded down, the
    /// same way for the rotation wait and the transfer, so that a transfer ends exactly
    /// where the next sector starts and back-to-back sequential accesses lose no turn.
    fn sector_start_ns(&self, in_track: u64) -> u64 {
        let rot = u128::from(self.rotation_ns());
        (u128::from(in_track) * rot / u128::from(self.sectors_per_track)) as u64
    }

    /// Moving `bytes` from `byte_offset` on: the time for the sectors that hold them to
    /// pass under the head, a turn for each track's worth, plus a track switch for each
    /// track boundary crossed. The disk moves whole sectors, so a partial sector costs
    /// the whole sector's time.
    pub fn transfer_ns(&self, byte_offset: u64, bytes: u64) -> u64 {
        if bytes == 0 {
            return 0;
        }
        let last = byte_offset
            .checked_add(bytes - 1)
            .expect("disk access range overflows u64");
        let spt = u64::from(self.sectors_per_track);
        let (first, last) = (self.sector_of(byte_offset), self.sector_of(last));
        let crossings = last / spt - first / spt;
        // From the first sector's start to the last sector's end, plus a turn and a
        // switch for every track boundary in between.
        // (Added before subtracting: with a crossing, the last sector may end earlier
        // in its track than the first one starts in its own.)
        let turns_and_switches =
            u128::from(crossings) * (u128::from(self.rotation_ns()) + self.seek_ns_wide(1));
        fits(
            turns_and_switches + u128::from(self.sector_start_ns(last % spt + 1))
                - u128::from(self.sector_start_ns(first % spt)),
        )
    }

    /// The slowest an access of `bytes` can be on this disk: a full-stroke seek, a
    /// whole turn of waiting (an upper bound: the wait is always shorter), and the
    /// transfer placed to touch as many sectors, and cross as many track boundaries,
    /// as it can.
    pub fn worst_access(&self, bytes: u64) -> WorstAccess {
        let sector_size = u64::from(self.sector_size);
        let spt = u64::from(self.sectors_per_track);
        // Starting on a sector's last byte adds a sector.
        let sectors = match bytes {
            0 => 0,
            _ => (bytes - 1).div_ceil(sector_size) + 1,
        };
        let crossings = sectors
            .saturating_sub(1)
            .div_ceil(spt)
            .min(u64::from(self.tracks.saturating_sub(1)));
        // n sectors pass in n/spt of a turn; rounding each start down never makes
        // that longer than rounding the whole up.
        let passing =
            (u128::from(sectors) * u128::from(self.rotation_ns())).div_ceil(u128::from(spt));
        WorstAccess {
            seek_ns: self.seek_ns_wide(self.tracks.saturating_sub(1)),
            rotation_ns: u128::from(self.rotation_ns()),
            transfer_ns: passing + u128::from(crossings) * self.seek_ns_wide(1),
            track_switches: crossings,
        }
    }

    /// The full cost of reading or writing `bytes` at `byte_offset`, starting at
    /// `at_time_ns` with the head over `from_track`. The rotation wait is measured
    /// when the seek ends.
    pub fn access(&self, at_time_ns: u64, from_track: u32, byte_offset: u64, bytes: u64) -> Access {
        let end = byte_offset
            .checked_add(bytes)
            .expect("disk access range overflows u64");
        assert!(
            end <= self.capacity_bytes(),
            "disk access {byte_offset}+{bytes} past capacity {}",
            self.capacity_bytes()
        );
        let to_track = self.track_of(byte_offset);
        let seek_ns = self.seek_ns(from_track, to_track);
        // Only the angle matters, so add modulo a turn: no overflow near u64::MAX.
        let rot = self.rotation_ns();
        let seek_done = (at_time_ns % rot + seek_ns % rot) % rot;
        let rotation_ns = self.rotation_wait_ns(seek_done, byte_offset);
        let end_track = if bytes == 0 {
            to_track
        } else {
            self.track_of(end - 1)
        };
        Access {
            seek_ns,
            rotation_ns,
            transfer_ns: self.transfer_ns(byte_offset, bytes),
            end_track,
        }
    }
}

/// A time a validated geometry guarantees fits in 64 bits.
fn fits(ns: u128) -> u64 {
    u64::try_from(ns).expect("a validated geometry's times fit in 64 bits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TRACK: u64 = 32 * 1024;

    #[test]
    fn default_is_a_32_mib_disk() {
        let g = Geometry::default();
        assert_eq!(g.capacity_bytes(), 32 * 1024 * 1024);
        assert_eq!(g.track_bytes(), TRACK);
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn offsets_map_to_tracks_and_sectors() {
        let g = Geometry::default();
        assert_eq!(g.track_of(0), 0);
        assert_eq!(g.track_of(TRACK - 1), 0);
        assert_eq!(g.track_of(TRACK), 1);
        assert_eq!(g.track_of(g.capacity_bytes() - 1), 1023);
        assert_eq!(g.sector_of(511), 0);
        assert_eq!(g.sector_of(512), 1);
        assert_eq!(g.sector_of(TRACK), 64);
    }

    #[test]
    fn one_turn_at_7200_rpm_is_8_33_ms() {
        assert_eq!(Geometry::default().rotation_ns(), 8_333_333);
    }

    #[test]
    fn seek_costs_settle_plus_distance_and_nothing_in_place() {
        let g = Geometry::default();
        assert_eq!(g.seek_ns(5, 5), 0);
        assert_eq!(g.seek_ns(5, 6), 500_000 + 10_000);
        assert_eq!(g.seek_ns(100, 0), 500_000 + 100 * 10_000);
        assert_eq!(g.seek_ns(0, 1023), g.seek_ns(1023, 0));
        assert_eq!(g.track_switch_ns(), g.seek_ns(0, 1));
    }

    #[test]
    fn rotation_wait_counts_to_the_target_sector_start() {
        let g = Geometry::default();
        let rot = g.rotation_ns();
        // Sector 0 of track 0 is under the head at time 0 and every full turn.
        assert_eq!(g.rotation_wait_ns(0, 0), 0);
        assert_eq!(g.rotation_wait_ns(rot, 0), 0);
        // Half a track along is half a turn away.
        assert_eq!(g.rotation_wait_ns(0, TRACK / 2), rot / 2);
        // Just missed sector 0: wait almost a whole turn.
        assert_eq!(g.rotation_wait_ns(1, 0), rot - 1);
        // An offset inside a sector waits for that sector's start.
        assert_eq!(g.rotation_wait_ns(0, 513), g.rotation_wait_ns(0, 512));
    }

    #[test]
    fn each_track_starts_one_track_switch_later_round_the_platter() {
        let g = Geometry::default();
        let (rot, switch) = (g.rotation_ns(), g.track_switch_ns());
        assert_eq!(g.rotation_wait_ns(0, TRACK), switch);
        assert_eq!(g.rotation_wait_ns(0, 3 * TRACK), 3 * switch);
        // Track 17 would start past a whole turn: the skew wraps round.
        assert_eq!(g.rotation_wait_ns(0, 17 * TRACK), 17 * switch % rot);
    }

    #[test]
    fn a_track_passes_under_the_head_in_one_turn() {
        let g = Geometry::default();
        let rot = g.rotation_ns();
        assert_eq!(g.transfer_ns(0, 0), 0);
        assert_eq!(g.transfer_ns(0, TRACK), rot);
        // 4 KiB is 8 of the track's 64 sectors: an eighth of a turn (to the ns at which
        // sector 8 starts).
        assert_eq!(g.transfer_ns(0, 4096), 8 * rot / 64);
        assert_eq!(g.transfer_ns(0, 4096), 1_041_666);
        // The disk moves whole sectors: one byte costs its sector's time.
        assert_eq!(g.transfer_ns(0, 1), rot / 64);
        assert_eq!(g.transfer_ns(100, 1), g.transfer_ns(0, 512));
        // Two bytes either side of a sector boundary cost two sectors.
        assert_eq!(g.transfer_ns(511, 2), 2 * rot / 64);
        // The media rate the issue quoted: a track per turn is about 3.9 MB/s.
        let bytes_per_s = TRACK * 1_000_000_000 / rot;
        assert_eq!(bytes_per_s / 100_000, 39);
    }

    #[test]
    fn a_faster_spindle_or_a_fuller_track_moves_bytes_faster() {
        let g = Geometry::default();
        let fast = Geometry { rpm: 14_400, ..g };
        let dense = Geometry {
            sectors_per_track: 128,
            ..g
        };
        assert_eq!(fast.transfer_ns(0, 4096), 8 * fast.rotation_ns() / 64);
        assert!(fast.transfer_ns(0, 4096) < g.transfer_ns(0, 4096));
        assert_eq!(dense.transfer_ns(0, 4096), 8 * g.rotation_ns() / 128);
    }

    #[test]
    fn crossing_a_track_pays_one_track_switch() {
        let g = Geometry::default();
        let rot = g.rotation_ns();
        // The last sector of track 0, then the first of track 1.
        let last_sector = rot - 63 * rot / 64;
        assert_eq!(
            g.transfer_ns(TRACK - 512, 1024),
            last_sector + g.track_switch_ns() + rot / 64
        );
        // Two sectors inside one track pay no switch.
        assert_eq!(g.transfer_ns(0, 1024), 2 * rot / 64);
        // Three whole tracks from a track start: three turns, two switches.
        assert_eq!(
            g.transfer_ns(TRACK, 3 * TRACK),
            3 * g.rotation_ns() + 2 * g.track_switch_ns()
        );
    }

    #[test]
    fn a_crossing_loses_no_turn() {
        // Start at sector 0 of track 5 just as it comes round, read to the end of the
        // track, step over: sector 0 of track 6 is under the head that very moment.
        let g = Geometry::default();
        let start = g.rotation_wait_ns(0, 5 * TRACK);
        assert_eq!(g.rotation_wait_ns(start, 5 * TRACK), 0);
        let arrive = start + g.rotation_ns() + g.track_switch_ns();
        assert_eq!(g.rotation_wait_ns(arrive, 6 * TRACK), 0);
    }

    #[test]
    fn access_adds_seek_then_rotation_then_transfer() {
        let g = Geometry::default();
        // From track 0 to track 10, sector 0 of that track, 4 KiB, at time 0.
        let a = g.access(0, 0, 10 * TRACK, 4096);
        let seek = 500_000 + 10 * 10_000;
        assert_eq!(a.seek_ns, seek);
        // Track 10's sector 0 sits 10 switches round; the head arrives after the seek.
        assert_eq!(a.rotation_ns, 10 * g.track_switch_ns() - seek);
        assert_eq!(a.transfer_ns, g.transfer_ns(10 * TRACK, 4096));
        assert_eq!(a.end_track, 10);
        assert_eq!(a.total_ns(), 10 * g.track_switch_ns() + a.transfer_ns);
    }

    #[test]
    fn access_crossing_a_track_ends_on_the_next() {
        let g = Geometry::default();
        let a = g.access(0, 0, TRACK - 512, 1024);
        assert_eq!(a.seek_ns, 0);
        assert_eq!(a.end_track, 1);
    }

    #[test]
    fn access_at_the_end_of_time_does_not_overflow() {
        let g = Geometry::default();
        let a = g.access(u64::MAX, 1023, 0, 4096);
        assert!(a.rotation_ns < g.rotation_ns());
        assert_eq!(a.seek_ns, g.seek_ns(1023, 0));
    }

    #[test]
    #[should_panic(expected = "past capacity")]
    fn access_past_the_end_panics() {
        let g = Geometry::default();
        g.access(0, 0, g.capacity_bytes() - 1, 2);
    }

    #[test]
    fn worst_access_is_a_full_stroke_a_turn_and_the_most_crossings() {
        let g = Geometry::default();
        let bytes = 16 * 1024 * 1024;
        let w = g.worst_access(bytes);
        assert_eq!(w.seek_ns, u128::from(g.seek_ns(0, 1023)));
        assert_eq!(w.rotation_ns, u128::from(g.rotation_ns()));
        // 16 MiB is 32768 sectors on 512 tracks; started on a sector's last byte it
        // touches one sector more, and crosses 512 track boundaries.
        let sectors = u128::from(bytes / 512 + 1);
        let rot = u128::from(g.rotation_ns());
        assert_eq!(w.track_switches, 512);
        assert_eq!(
            w.transfer_ns,
            (sectors * rot).div_ceil(64) + 512 * u128::from(g.track_switch_ns())
        );
        let placed = u128::from(g.transfer_ns(511, bytes));
        assert!(placed <= w.transfer_ns, "{placed} > {}", w.transfer_ns);
        assert!(
            w.transfer_ns - placed <= 1,
            "the bound is only rounding above the worst case"
        );
        // Nothing crosses more tracks than the disk has.
        let one = Geometry { tracks: 1, ..g };
        assert_eq!(one.worst_access(TRACK).track_switches, 0);
        assert_eq!(one.worst_access(TRACK).seek_ns, 0);
    }

    #[test]
    fn validate_names_the_zero_field() {
        let g = Geometry {
            rpm: 0,
            ..Geometry::default()
        };
        assert_eq!(g.validate(), Err(GeometryError::Zero { field: "rpm" }));
        assert_eq!(
            g.validate().unwrap_err().to_string(),
            "disk geometry field `rpm` must be positive"
        );
        let huge = Geometry {
            sector_size: u32::MAX,
            sectors_per_track: u32::MAX,
            tracks: u32::MAX,
            ..Geometry::default()
        };
        assert_eq!(huge.validate(), Err(GeometryError::TooLarge));
    }

    #[test]
    fn validate_refuses_a_disk_whose_times_overflow() {
        // Each seek figure alone fits in 64 bits; a full stroke over three tracks does not.
        let slow_arm = Geometry {
            tracks: 3,
            seek_ns_per_track: u64::MAX / 2 + 1,
            ..Geometry::default()
        };
        assert_eq!(slow_arm.validate(), Err(GeometryError::TooSlow));
        // 4 billion tracks at 1 rpm: reading them all takes 4e9 minutes, past 2^64 ns.
        let slow_platter = Geometry {
            rpm: 1,
            tracks: u32::MAX,
            ..Geometry::default()
        };
        assert_eq!(slow_platter.validate(), Err(GeometryError::TooSlow));
        // The largest disk the scenario format allows, at its slowest, still fits.
        let largest = Geometry {
            sector_size: 4096,
            sectors_per_track: 4096,
            tracks: 1_000_000,
            rpm: 1,
            seek_settle_ns: 1_000_000_000_000,
            seek_ns_per_track: 1_000_000_000_000,
        };
        assert_eq!(largest.validate(), Ok(()));
    }

    proptest! {
        #[test]
        fn rotation_wait_is_less_than_a_turn_and_lands_on_the_sector(
            t in any::<u64>(),
            offset in 0u64..32 * 1024 * 1024,
        ) {
            let g = Geometry::default();
            let rot = g.rotation_ns();
            let wait = g.rotation_wait_ns(t, offset);
            prop_assert!(wait < rot);
            // After waiting, the sector is exactly under the head: no further wait.
            let then = (t % rot) + wait;
            prop_assert_eq!(g.rotation_wait_ns(then, offset), 0);
        }

        #[test]
        fn seek_is_symmetric_and_grows_with_distance(a in 0u32..1024, b in 0u32..1024) {
            let g = Geometry::default();
            prop_assert_eq!(g.seek_ns(a, b), g.seek_ns(b, a));
            if a < b && b < 1023 {
                prop_assert!(g.seek_ns(a, b + 1) > g.seek_ns(a, b));
            }
        }

        #[test]
        fn transfer_is_each_sector_passing_plus_a_switch_per_crossing(
            offset in 0u64..16 * 1024 * 1024,
            bytes in 0u64..2 * 1024 * 1024,
        ) {
            // Sector by sector: each takes from its start to the next one's (the last
            // of a track until the turn is complete), and a new track costs a switch.
            let g = Geometry::default();
            let rot = g.rotation_ns();
            let start = |k: u64| k * rot / 64;
            let mut want = 0;
            if bytes > 0 {
                for sector in offset / 512..=(offset + bytes - 1) / 512 {
                    if sector != offset / 512 && sector % 64 == 0 {
                        want += g.track_switch_ns();
                    }
                    want += start(sector % 64 + 1) - start(sector % 64);
                }
            }
            prop_assert_eq!(g.transfer_ns(offset, bytes), want);
            prop_assert!(u128::from(want) <= g.worst_access(bytes).transfer_ns);
        }

        #[test]
        fn back_to_back_sequential_accesses_lose_no_turn(
            sector in 0u64..32 * 1024,
            sectors in 1u64..200,
            turns in 0u64..1_000_000,
        ) {
            // A starts just as its first sector comes round; B, the sectors right after
            // A's, starts the moment A ends: B needs no rotation wait, whether or not it
            // is on the next track.
            let g = Geometry::default();
            let offset = sector * 512;
            let bytes = sectors * 512;
            let t = turns * g.rotation_ns() + g.rotation_wait_ns(0, offset);
            let a = g.access(t, g.track_of(offset), offset, bytes);
            prop_assert_eq!(a.rotation_ns, 0);
            let next = offset + bytes;
            prop_assume!(next + 512 <= g.capacity_bytes());
            let b = g.access(t + a.total_ns(), a.end_track, next, 512);
            prop_assert_eq!(b.rotation_ns, 0);
        }

        #[test]
        fn no_access_is_slower_than_the_worst(
            t in any::<u64>(),
            from in 0u32..1024,
            offset in 0u64..16 * 1024 * 1024,
            bytes in 0u64..16 * 1024 * 1024,
        ) {
            let g = Geometry::default();
            let a = g.access(t, from, offset, bytes);
            prop_assert!(u128::from(a.total_ns()) <= g.worst_access(bytes).total_ns());
        }
    }
}
