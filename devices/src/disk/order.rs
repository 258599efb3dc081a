//! The disk driver's queue discipline: which queued request goes to the device next.
//!
//! Seeks dominate a rotating disk's cost, so the order in which the driver hands
//! requests to the device changes the total time far more than any one request
//! does. The policies trade throughput against fairness:
//!
//! 1. [`Policy::Fifo`] is fair but makes the arm zig-zag.
//! 2. [`Policy::Sstf`] minimises each next move, but a steady stream of nearby
//!    requests can starve a far one.
//! 3. [`Policy::Scan`] sweeps like an elevator: short moves, and every request is
//!    reached within two sweeps.

use serde::Serialize;

/// How the driver picks the next request from its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Policy {
    /// First come, first served: always the oldest request.
    Fifo,
    /// The elevator: keep moving the head in one direction, serving the nearest
    /// request at or beyond it; when nothing lies ahead, turn round. This is the
    /// LOOK variant: the head turns at the last request, not at the disk's edge.
    Scan,
    /// Shortest seek time first: the request on the nearest track, either side.
    Sstf,
}

impl Policy {
    pub const ALL: [Policy; 3] = [Policy::Fifo, Policy::Scan, Policy::Sstf];

    /// The short name used in traces and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Fifo => "FIFO",
            Self::Scan => "SCAN",
            Self::Sstf => "SSTF",
        }
    }
}

/// Which way the elevator is sweeping: towards higher or lower track numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn reversed(self) -> Self {
        match self {
            Self::Up => Self::Down,
            Self::Down => Self::Up,
        }
    }
}

/// What the policy needs to know about a queued request: its id and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QueuedRequest {
    pub tag: u64,
    pub track: u32,
}

/// The index in `queue` (oldest first) of the request to send next, or `None` when
/// the queue is empty. Ties always go to the earliest arrival, so the choice is
/// deterministic.
///
/// Only [`Policy::Scan`] uses and updates `direction`: it flips it when nothing is
/// left ahead of the head.
pub fn pick(
    policy: Policy,
    queue: &[QueuedRequest],
    head_track: u32,
    direction: &mut Direction,
) -> Option<usize> {
    if queue.is_empty() {
        return None;
    }
    match policy {
        Policy::Fifo => Some(0),
        Policy::Sstf => nearest(queue, head_track, |_| true),
        Policy::Scan => nearest_ahead(queue, head_track, *direction).or_else(|| {
            *direction = direction.reversed();
            nearest_ahead(queue, head_track, *direction)
        }),
    }
}

/// The nearest request at or beyond `head_track` in `direction`.
fn nearest_ahead(queue: &[QueuedRequest], head_track: u32, direction: Direction) -> Option<usize> {
    nearest(queue, head_track, |track| match direction {
        Direction::Up => track >= head_track,
        Direction::Down => track <= head_track,
    })
}

/// The nearest request whose track passes `allowed`; `min_by_key` keeps the first
/// of equals, which is the earliest arrival.
fn nearest(
    queue: &[QueuedRequest],
    head_track: u32,
    allowed: impl Fn(u32) -> bool,
) -> Option<usize> {
    queue
        .iter()
        .enumerate()
        .filter(|(_, r)| allowed(r.track))
        .min_by_key(|(_, r)| r.track.abs_diff(head_track))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn queue(tracks: &[u32]) -> Vec<QueuedRequest> {
        tracks
            .iter()
            .enumerate()
            .map(|(i, &track)| QueuedRequest {
                tag: i as u64,
                track,
            })
            .collect()
    }

    /// Serves the whole queue under `policy` (no new arrivals) and returns the tracks
    /// in service order and the total head movement in tracks.
    fn serve_all(policy: Policy, tracks: &[u32], head: u32, start: Direction) -> (Vec<u32>, u64) {
        let mut q = queue(tracks);
        let mut head = head;
        let mut direction = start;
        let mut order = Vec::new();
        let mut moved = 0;
        while let Some(i) = pick(policy, &q, head, &mut direction) {
            let r = q.remove(i);
            moved += u64::from(r.track.abs_diff(head));
            head = r.track;
            order.push(r.track);
        }
        (order, moved)
    }

    /// The textbook queue: head at 53, requests in this arrival order.
    const TEXTBOOK: [u32; 8] = [98, 183, 37, 122, 14, 124, 65, 67];

    #[test]
    fn textbook_fifo_moves_640_tracks() {
        let (order, moved) = serve_all(Policy::Fifo, &TEXTBOOK, 53, Direction::Up);
        assert_eq!(order, TEXTBOOK);
        assert_eq!(moved, 640);
    }

    #[test]
    fn textbook_sstf_moves_236_tracks() {
        let (order, moved) = serve_all(Policy::Sstf, &TEXTBOOK, 53, Direction::Up);
        assert_eq!(order, [65, 67, 37, 14, 98, 122, 124, 183]);
        assert_eq!(moved, 236);
    }

    #[test]
    fn textbook_scan_sweeps_up_then_down_moving_299_tracks() {
        let (order, moved) = serve_all(Policy::Scan, &TEXTBOOK, 53, Direction::Up);
        assert_eq!(order, [65, 67, 98, 122, 124, 183, 37, 14]);
        // Up 53 → 183 is 130, back down 183 → 14 is 169.
        assert_eq!(moved, 130 + 169);
    }

    #[test]
    fn empty_queue_picks_nothing_and_keeps_direction() {
        for policy in Policy::ALL {
            let mut direction = Direction::Up;
            assert_eq!(pick(policy, &[], 10, &mut direction), None);
            assert_eq!(direction, Direction::Up);
        }
    }

    #[test]
    fn fifo_takes_the_oldest_whatever_the_distance() {
        let mut d = Direction::Up;
        assert_eq!(pick(Policy::Fifo, &queue(&[900, 10]), 10, &mut d), Some(0));
    }

    #[test]
    fn sstf_breaks_ties_by_arrival() {
        let mut d = Direction::Up;
        // 40 and 60 are both 10 tracks from 50; 40 arrived first.
        assert_eq!(
            pick(Policy::Sstf, &queue(&[90, 40, 60]), 50, &mut d),
            Some(1)
        );
        assert_eq!(
            pick(Policy::Sstf, &queue(&[90, 60, 40]), 50, &mut d),
            Some(1)
        );
        // Two requests on the same track: the older one.
        assert_eq!(pick(Policy::Sstf, &queue(&[7, 7]), 0, &mut d), Some(0));
    }

    #[test]
    fn scan_serves_the_current_track_in_either_direction() {
        for start in [Direction::Up, Direction::Down] {
            let mut d = start;
            assert_eq!(
                pick(Policy::Scan, &queue(&[60, 50, 40]), 50, &mut d),
                Some(1)
            );
            assert_eq!(d, start, "a request under the head needs no turn");
        }
    }

    #[test]
    fn scan_keeps_direction_over_a_nearer_request_behind() {
        let mut d = Direction::Up;
        // 49 is nearer, but it is behind the head.
        assert_eq!(pick(Policy::Scan, &queue(&[49, 80]), 50, &mut d), Some(1));
        assert_eq!(d, Direction::Up);
    }

    #[test]
    fn scan_turns_when_nothing_lies_ahead() {
        let mut d = Direction::Up;
        assert_eq!(pick(Policy::Scan, &queue(&[10, 30]), 50, &mut d), Some(1));
        assert_eq!(d, Direction::Down);
        let mut d = Direction::Down;
        assert_eq!(pick(Policy::Scan, &queue(&[70, 60]), 50, &mut d), Some(1));
        assert_eq!(d, Direction::Up);
    }

    #[test]
    fn policy_names() {
        let names: Vec<_> = Policy::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["FIFO", "SCAN", "SSTF"]);
    }

    proptest! {
        #[test]
        fn every_policy_serves_every_request_once(
            tracks in proptest::collection::vec(0u32..1024, 0..40),
            head in 0u32..1024,
            policy_index in 0usize..3,
        ) {
            let policy = Policy::ALL[policy_index];
            let (mut order, _) = serve_all(policy, &tracks, head, Direction::Up);
            let mut want = tracks.clone();
            order.sort_unstable();
            want.sort_unstable();
            prop_assert_eq!(order, want);
        }

        #[test]
        fn sstf_picks_a_nearest_request(
            tracks in proptest::collection::vec(0u32..1024, 1..40),
            head in 0u32..1024,
        ) {
            let q = queue(&tracks);
            let mut d = Direction::Up;
            let sstf = pick(Policy::Sstf, &q, head, &mut d).unwrap();
            prop_assert!(q.iter().all(|r| q[sstf].track.abs_diff(head) <= r.track.abs_diff(head)));
        }

        #[test]
        fn scan_without_arrivals_turns_at_most_once(
            tracks in proptest::collection::vec(0u32..1024, 0..40),
            head in 0u32..1024,
        ) {
            // With no new arrivals, LOOK reverses at most once over the whole queue.
            let (order, _) = serve_all(Policy::Scan, &tracks, head, Direction::Up);
            let mut position = head;
            let mut turns = 0;
            let mut going_up = true;
            for track in order {
                if going_up && track < position {
                    going_up = false;
                    turns += 1;
                } else if !going_up {
                    prop_assert!(track <= position, "down sweep went up");
                }
                position = track;
            }
            prop_assert!(turns <= 1);
        }
    }
}
