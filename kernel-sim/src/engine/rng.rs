//! Seeded random streams. Each concern (a thread's workload, a device's jitter) draws from
//! its own ChaCha8 stream derived from the scenario seed, so adding randomness in one
//! place never shifts the numbers another place sees. ChaCha8 is specified by its
//! algorithm, so its output is the same on every platform and in every release.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses.
pub type SimRng = ChaCha8Rng;

/// Well-known stream families; the member number (a thread id, a device id) selects one
/// stream within the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// A thread's workload choices, such as random file offsets.
    Workload = 1,
    /// A device's timing jitter.
    Device = 2,
}

/// The stream for `family` member `member` under `seed`.
pub fn stream(seed: u64, family: Stream, member: u64) -> SimRng {
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(((family as u64) << 48) | member);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_seed_same_numbers() {
        let a: Vec<u32> = (0..4)
            .map({
                let mut r = stream(7, Stream::Workload, 3);
                move |_| r.random()
            })
            .collect();
        let b: Vec<u32> = (0..4)
            .map({
                let mut r = stream(7, Stream::Workload, 3);
                move |_| r.random()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn streams_are_independent() {
        let mut a = stream(7, Stream::Workload, 3);
        let mut b = stream(7, Stream::Workload, 4);
        let mut c = stream(7, Stream::Device, 3);
        let x: u64 = a.random();
        assert_ne!(x, b.random::<u64>());
        assert_ne!(x, c.random::<u64>());
    }

    #[test]
    fn the_stream_is_pinned_across_versions() {
        // If this fails, every seeded scenario changes: ChaCha8 or our derivation moved.
        let first: u64 = stream(1, Stream::Workload, 0).random();
        assert_eq!(first, PINNED);
    }

    const PINNED: u64 = 16_211_689_357_093_010_036;
}
