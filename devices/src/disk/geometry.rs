//! How long a rotating disk takes to reach and move some bytes.
//!
//! An access costs three things, in this order:
//!
//! ```text
//!   seek            rotation wait         transfer
//!   |-- arm moves --|-- platter turns --|-- sectors pass under the head --|
//!   settle + per-track   until the target     bytes at the media rate
//!   distance             sector comes round
//! ```
//!
//! Everything is integer nanoseconds and a pure function of its inputs: the platter
//! angle follows from the virtual time alone (it started at angle 0 at time 0), so
//! the same requests at the same times cost the same on every run.
//!
//! Simplifications, on purpose: byte offsets map to sectors linearly, track after
//! track (no cylinders, heads or zones); the transfer runs at `transfer_mb_s`
//! whatever the rotation speed, and a transfer crossing into the next track pays no
//! extra head switch.

use std::fmt;

use serde::Serialize;

/// A disk's shape and speeds. See [`Geometry::default`] for the figures the
/// simulator uses unless a scenario overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Geometry {
    /// Bytes per sector.
    pub sector_size: u32,
    pub sectors_per_track: u32,
    pub tracks: u32,
    /// Platter speed in revolutions per minute.
    pub rpm: u32,
    /// Fixed cost of any head move, however short: accelerate, stop, settle.
    pub seek_settle_ns: u64,
    /// Added cost per track crossed.
    pub seek_ns_per_track: u64,
    /// Media transfer rate in MB/s, 1 MB = 10^6 bytes.
    pub transfer_mb_s: u32,
}

impl Default for Geometry {
    /// A small desktop-class drive, scaled down so the numbers stay readable:
    /// 512-byte sectors, 64 sectors/track, 1024 tracks (32 MiB), 7200 rpm
    /// (8.33 ms per turn), 0.5 ms settle plus 10 us per track crossed (a full stroke
    /// is about 10.7 ms), 100 MB/s media rate (10 ns per byte).
    fn default() -> Self {
        Self {
            sector_size: 512,
            sectors_per_track: 64,
            tracks: 1024,
            rpm: 7200,
            seek_settle_ns: 500_000,
            seek_ns_per_track: 10_000,
            transfer_mb_s: 100,
        }
    }
}

/// The cost of one access, split so the trace can say where the time went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Moving the arm to the target track.
    pub seek_ns: u64,
    /// Rotational latency: waiting for the target sector to come under the head.
    pub rotation_ns: u64,
    /// Moving the bytes at the media rate.
    pub transfer_ns: u64,
    /// The track the head is over when the transfer ends; the next access seeks
    /// from here.
    pub end_track: u32,
}

impl Access {
    /// Seek + rotation wait + transfer.
    pub fn total_ns(&self) -> u64 {
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
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { field } => write!(f, "disk geometry field `{field}` must be positive"),
            Self::TooLarge => f.write_str("disk capacity does not fit in 64 bits"),
        }
    }
}

impl std::error::Error for GeometryError {}

impl Geometry {
    /// Checks what the other methods rely on (they panic or divide by zero on a
    /// geometry that fails this).
    pub fn validate(&self) -> Result<(), GeometryError> {
        let fields = [
            ("sector_size", self.sector_size),
            ("sectors_per_track", self.sectors_per_track),
            ("tracks", self.tracks),
            ("rpm", self.rpm),
            ("transfer_mb_s", self.transfer_mb_s),
        ];
        if let Some((field, _)) = fields.iter().find(|(_, v)| *v == 0) {
            return Err(GeometryError::Zero { field });
        }
        self.track_bytes()
            .checked_mul(u64::from(self.tracks))
            .map(|_| ())
            .ok_or(GeometryError::TooLarge)
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
        60_000_000_000 / u64::from(self.rpm)
    }

    /// Arm movement between two tracks: free if it stays put, otherwise the settle
    /// cost plus a cost per track crossed.
    pub fn seek_ns(&self, from_track: u32, to_track: u32) -> u64 {
        if from_track == to_track {
            return 0;
        }
        self.seek_settle_ns + u64::from(from_track.abs_diff(to_track)) * self.seek_ns_per_track
    }

    /// How long, from `at_time_ns`, until the start of the sector holding
    /// `byte_offset` passes under the head; in `0..rotation_ns()`.
    ///
    /// The platter is at angle `(t mod rotation) / rotation` at time `t`, and a
    /// sector starts at angle `(sector mod sectors_per_track) / sectors_per_track`;
    /// both are scaled to nanoseconds of rotation so the sum stays in integers.
    pub fn rotation_wait_ns(&self, at_time_ns: u64, byte_offset: u64) -> u64 {
        let rot = self.rotation_ns();
        let spt = u64::from(self.sectors_per_track);
        let target = (self.sector_of(byte_offset) % spt) * rot / spt;
        let now = at_time_ns % rot;
        (target + rot - now) % rot
    }

    /// Moving `bytes` at the media rate, rounded up so no transfer is free.
    pub fn transfer_ns(&self, bytes: u64) -> u64 {
        (bytes * 1000).div_ceil(u64::from(self.transfer_mb_s))
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
        let rotation_ns = self.rotation_wait_ns(at_time_ns + seek_ns, byte_offset);
        let end_track = if bytes == 0 {
            to_track
        } else {
            self.track_of(end - 1)
        };
        Access {
            seek_ns,
            rotation_ns,
            transfer_ns: self.transfer_ns(bytes),
            end_track,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_is_a_32_mib_disk() {
        let g = Geometry::default();
        assert_eq!(g.capacity_bytes(), 32 * 1024 * 1024);
        assert_eq!(g.track_bytes(), 32 * 1024);
        assert_eq!(g.validate(), Ok(()));
    }

    #[test]
    fn offsets_map_to_tracks_and_sectors() {
        let g = Geometry::default();
        assert_eq!(g.track_of(0), 0);
        assert_eq!(g.track_of(32 * 1024 - 1), 0);
        assert_eq!(g.track_of(32 * 1024), 1);
        assert_eq!(g.track_of(g.capacity_bytes() - 1), 1023);
        assert_eq!(g.sector_of(511), 0);
        assert_eq!(g.sector_of(512), 1);
        assert_eq!(g.sector_of(32 * 1024), 64);
    }

    #[test]
    fn one_turn_at_7200_rpm_is_8_33_ms() {
        assert_eq!(Geometry::default().rotation_ns(), 8_333_333);
    }

    #[test]
    fn seek_costs_settle_plus_distance_and_nothing_in_place() {
        let g = Geometry::default();
        assert_eq!(g.seek_ns(5, 5), 0);
        assert_eq!(g.seek_ns(5, 6), 510_000);
        assert_eq!(g.seek_ns(100, 0), 500_000 + 100 * 10_000);
        assert_eq!(g.seek_ns(0, 1023), g.seek_ns(1023, 0));
    }

    #[test]
    fn rotation_wait_counts_to_the_target_sector_start() {
        let g = Geometry::default();
        let rot = g.rotation_ns();
        // Sector 0 of any track is under the head at time 0 and every full turn.
        assert_eq!(g.rotation_wait_ns(0, 0), 0);
        assert_eq!(g.rotation_wait_ns(rot, 32 * 1024), 0);
        // Half a track along is half a turn away.
        assert_eq!(g.rotation_wait_ns(0, 32 * 512), rot / 2);
        // Just missed sector 0: wait almost a whole turn.
        assert_eq!(g.rotation_wait_ns(1, 0), rot - 1);
        // An offset inside a sector waits for that sector's start.
        assert_eq!(g.rotation_wait_ns(0, 513), g.rotation_wait_ns(0, 512));
    }

    #[test]
    fn transfer_at_100_mb_s_is_10_ns_per_byte_rounded_up() {
        let g = Geometry::default();
        assert_eq!(g.transfer_ns(0), 0);
        assert_eq!(g.transfer_ns(4096), 40_960);
        let odd = Geometry {
            transfer_mb_s: 3,
            ..g
        };
        assert_eq!(odd.transfer_ns(1), 334);
    }

    #[test]
    fn access_adds_seek_then_rotation_then_transfer() {
        let g = Geometry::default();
        // From track 0 to track 10, sector 0 of that track, 4 KiB.
        let a = g.access(0, 0, 10 * 32 * 1024, 4096);
        assert_eq!(a.seek_ns, 600_000);
        assert_eq!(a.rotation_ns, g.rotation_ns() - 600_000);
        assert_eq!(a.transfer_ns, 40_960);
        assert_eq!(a.end_track, 10);
        assert_eq!(a.total_ns(), g.rotation_ns() + 40_960);
    }

    #[test]
    fn access_crossing_a_track_ends_on_the_next() {
        let g = Geometry::default();
        let a = g.access(0, 0, 32 * 1024 - 512, 1024);
        assert_eq!(a.seek_ns, 0);
        assert_eq!(a.end_track, 1);
    }

    #[test]
    #[should_panic(expected = "past capacity")]
    fn access_past_the_end_panics() {
        let g = Geometry::default();
        g.access(0, 0, g.capacity_bytes() - 1, 2);
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

    proptest! {
        #[test]
        fn rotation_wait_is_less_than_a_turn_and_lands_on_the_sector(
            t in 0u64..10_000_000_000,
            offset in 0u64..32 * 1024 * 1024,
        ) {
            let g = Geometry::default();
            let rot = g.rotation_ns();
            let wait = g.rotation_wait_ns(t, offset);
            prop_assert!(wait < rot);
            // After waiting, the sector is exactly under the head: no further wait.
            prop_assert_eq!(g.rotation_wait_ns(t + wait, offset), 0);
        }

        #[test]
        fn seek_is_symmetric_and_grows_with_distance(a in 0u32..1024, b in 0u32..1024) {
            let g = Geometry::default();
            prop_assert_eq!(g.seek_ns(a, b), g.seek_ns(b, a));
            if a < b && b < 1023 {
                prop_assert!(g.seek_ns(a, b + 1) > g.seek_ns(a, b));
            }
        }
    }
}
