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
//!
//! [`Queue`] holds the waiting requests so that a pick costs the same however long the
//! queue grows: FIFO keeps arrival order in a ring buffer; SCAN and SSTF keep requests
//! ordered by (track, arrival), so the nearest request at or beyond the head, or at or
//! below it, is one range lookup, O(log n). Ties always go to the earliest arrival.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

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

/// Where a request waits in a by-track queue: its track, then its arrival number, so
/// that among requests on one track the earliest comes first.
type Key = (u32, u64);

/// Requests waiting for the device, each with the track it starts on, in a structure
/// that makes the policy's next pick O(log n) (O(1) for FIFO).
#[derive(Debug, Clone)]
pub struct Queue<T> {
    policy: Policy,
    /// The next arrival's number.
    arrivals: u64,
    waiting: Waiting<T>,
}

#[derive(Debug, Clone)]
enum Waiting<T> {
    /// FIFO: oldest first.
    InArrivalOrder(VecDeque<T>),
    /// SCAN and SSTF: by track, then by arrival.
    ByTrack(BTreeMap<Key, T>),
}

impl<T> Queue<T> {
    pub fn new(policy: Policy) -> Self {
        let waiting = match policy {
            Policy::Fifo => Waiting::InArrivalOrder(VecDeque::new()),
            Policy::Scan | Policy::Sstf => Waiting::ByTrack(BTreeMap::new()),
        };
        Self {
            policy,
            arrivals: 0,
            waiting,
        }
    }

    pub fn len(&self) -> usize {
        match &self.waiting {
            Waiting::InArrivalOrder(list) => list.len(),
            Waiting::ByTrack(map) => map.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a request that starts on `track`, behind every request already queued.
    pub fn push(&mut self, track: u32, request: T) {
        let arrival = self.arrivals;
        self.arrivals += 1;
        match &mut self.waiting {
            Waiting::InArrivalOrder(list) => list.push_back(request),
            Waiting::ByTrack(map) => drop(map.insert((track, arrival), request)),
        }
    }

    /// Removes the first waiting request `is` picks out, if any (to cancel it). O(n): a
    /// cancellation is rare next to a pick.
    pub fn remove_where(&mut self, is: impl Fn(&T) -> bool) -> Option<T> {
        match &mut self.waiting {
            Waiting::InArrivalOrder(list) => {
                let at = list.iter().position(is)?;
                list.remove(at)
            }
            Waiting::ByTrack(map) => {
                let key = *map.iter().find(|(_, r)| is(r))?.0;
                map.remove(&key)
            }
        }
    }

    /// Removes and returns the request to send next with the head over `head_track`,
    /// or `None` when the queue is empty. Only [`Policy::Scan`] uses and updates
    /// `direction`: it flips it when nothing is left ahead of the head.
    pub fn pop_next(&mut self, head_track: u32, direction: &mut Direction) -> Option<T> {
        let policy = self.policy;
        match &mut self.waiting {
            Waiting::InArrivalOrder(list) => list.pop_front(),
            Waiting::ByTrack(map) => {
                let key = choose(policy, map, &BTreeSet::new(), head_track, direction)?;
                map.remove(&key)
            }
        }
    }

    /// Up to `limit` requests in the order [`Queue::pop_next`] would return them if
    /// nothing else arrived, the head moving to `end_track(request)` after each; the
    /// queue is left as it is. Costs O(limit × (log n + limit)), not O(n): the picks
    /// are replayed on the queue itself, skipping the ones already taken.
    pub fn service_order(
        &self,
        head_track: u32,
        direction: Direction,
        end_track: impl Fn(&T) -> u32,
        limit: usize,
    ) -> Vec<&T> {
        match &self.waiting {
            Waiting::InArrivalOrder(list) => list.iter().take(limit).collect(),
            Waiting::ByTrack(map) => {
                let mut taken = BTreeSet::new();
                let (mut head, mut direction) = (head_track, direction);
                let mut order = Vec::with_capacity(limit.min(map.len()));
                while order.len() < limit {
                    let Some(key) = choose(self.policy, map, &taken, head, &mut direction) else {
                        break;
                    };
                    taken.insert(key);
                    let request = &map[&key];
                    head = end_track(request);
                    order.push(request);
                }
                order
            }
        }
    }
}

/// The key of the request `policy` sends next from `map`, ignoring the keys in `taken`.
fn choose<T>(
    policy: Policy,
    map: &BTreeMap<Key, T>,
    taken: &BTreeSet<Key>,
    head: u32,
    direction: &mut Direction,
) -> Option<Key> {
    let ahead = |direction| match direction {
        Direction::Up => at_or_above(map, taken, head),
        Direction::Down => at_or_below(map, taken, head),
    };
    match policy {
        Policy::Sstf => {
            let distance = |key: &Key| key.0.abs_diff(head);
            match (at_or_above(map, taken, head), at_or_below(map, taken, head)) {
                // Equally near on both sides: the earlier arrival.
                (Some(up), Some(down)) if distance(&up) == distance(&down) => {
                    Some(if up.1 <= down.1 { up } else { down })
                }
                (Some(up), Some(down)) => Some(if distance(&up) < distance(&down) {
                    up
                } else {
                    down
                }),
                (up, down) => up.or(down),
            }
        }
        Policy::Scan => ahead(*direction).or_else(|| {
            let turned = direction.reversed();
            let found = ahead(turned)?;
            *direction = turned;
            Some(found)
        }),
        Policy::Fifo => unreachable!("a FIFO queue is kept in arrival order, not by track"),
    }
}

/// The earliest request on the lowest track at or above `track`.
fn at_or_above<T>(map: &BTreeMap<Key, T>, taken: &BTreeSet<Key>, track: u32) -> Option<Key> {
    map.range((track, 0)..)
        .map(|(key, _)| *key)
        .find(|key| !taken.contains(key))
}

/// The earliest request on the highest track at or below `track`: the range gives that
/// track's last arrival, so look again from the track's start.
fn at_or_below<T>(map: &BTreeMap<Key, T>, taken: &BTreeSet<Key>, track: u32) -> Option<Key> {
    let (nearest, _) = map
        .range(..=(track, u64::MAX))
        .rev()
        .map(|(key, _)| *key)
        .find(|key| !taken.contains(key))?;
    at_or_above(map, taken, nearest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The simple implementation the queue must agree with: a scan of a list in arrival
    /// order, O(n) per pick. Returns the index in `queue` of the request to send next.
    mod reference {
        use super::super::{Direction, Policy};

        pub fn pick(
            policy: Policy,
            queue: &[u32],
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

        fn nearest_ahead(queue: &[u32], head_track: u32, direction: Direction) -> Option<usize> {
            nearest(queue, head_track, |track| match direction {
                Direction::Up => track >= head_track,
                Direction::Down => track <= head_track,
            })
        }

        /// `min_by_key` keeps the first of equals: the earliest arrival.
        fn nearest(queue: &[u32], head_track: u32, allowed: impl Fn(u32) -> bool) -> Option<usize> {
            queue
                .iter()
                .enumerate()
                .filter(|(_, track)| allowed(**track))
                .min_by_key(|(_, track)| track.abs_diff(head_track))
                .map(|(i, _)| i)
        }
    }

    /// A queue of the given tracks; each request is its index (its arrival order).
    fn queue(policy: Policy, tracks: &[u32]) -> Queue<usize> {
        let mut q = Queue::new(policy);
        for (i, &track) in tracks.iter().enumerate() {
            q.push(track, i);
        }
        q
    }

    /// The arrival index of the request picked first.
    fn first_pick(
        policy: Policy,
        tracks: &[u32],
        head: u32,
        direction: &mut Direction,
    ) -> Option<usize> {
        queue(policy, tracks).pop_next(head, direction)
    }

    /// Serves the whole queue under `policy` (no new arrivals) and returns the tracks
    /// in service order and the total head movement in tracks.
    fn serve_all(policy: Policy, tracks: &[u32], head: u32, start: Direction) -> (Vec<u32>, u64) {
        let mut q = queue(policy, tracks);
        let mut head = head;
        let mut direction = start;
        let mut order = Vec::new();
        let mut moved = 0;
        while let Some(i) = q.pop_next(head, &mut direction) {
            let track = tracks[i];
            moved += u64::from(track.abs_diff(head));
            head = track;
            order.push(track);
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
            for start in [Direction::Up, Direction::Down] {
                let mut direction = start;
                assert_eq!(first_pick(policy, &[], 10, &mut direction), None);
                assert_eq!(direction, start);
            }
        }
    }

    #[test]
    fn fifo_takes_the_oldest_whatever_the_distance() {
        let mut d = Direction::Up;
        assert_eq!(first_pick(Policy::Fifo, &[900, 10], 10, &mut d), Some(0));
    }

    #[test]
    fn sstf_breaks_ties_by_arrival() {
        let mut d = Direction::Up;
        // 40 and 60 are both 10 tracks from 50; 40 arrived first.
        assert_eq!(first_pick(Policy::Sstf, &[90, 40, 60], 50, &mut d), Some(1));
        assert_eq!(first_pick(Policy::Sstf, &[90, 60, 40], 50, &mut d), Some(1));
        // Two requests on the same track: the older one, on either side of the head.
        assert_eq!(first_pick(Policy::Sstf, &[7, 7], 0, &mut d), Some(0));
        assert_eq!(first_pick(Policy::Sstf, &[9, 3, 3], 5, &mut d), Some(1));
    }

    #[test]
    fn scan_serves_the_current_track_in_either_direction() {
        for start in [Direction::Up, Direction::Down] {
            let mut d = start;
            assert_eq!(first_pick(Policy::Scan, &[60, 50, 40], 50, &mut d), Some(1));
            assert_eq!(d, start, "a request under the head needs no turn");
        }
    }

    #[test]
    fn scan_keeps_direction_over_a_nearer_request_behind() {
        let mut d = Direction::Up;
        // 49 is nearer, but it is behind the head.
        assert_eq!(first_pick(Policy::Scan, &[49, 80], 50, &mut d), Some(1));
        assert_eq!(d, Direction::Up);
    }

    #[test]
    fn scan_turns_when_nothing_lies_ahead() {
        let mut d = Direction::Up;
        assert_eq!(first_pick(Policy::Scan, &[10, 30], 50, &mut d), Some(1));
        assert_eq!(d, Direction::Down);
        let mut d = Direction::Down;
        assert_eq!(first_pick(Policy::Scan, &[70, 60], 50, &mut d), Some(1));
        assert_eq!(d, Direction::Up);
        // Below the head on a lower track, the earliest of that track's requests.
        let mut d = Direction::Down;
        assert_eq!(first_pick(Policy::Scan, &[20, 30, 30], 50, &mut d), Some(1));
    }

    #[test]
    fn policy_names() {
        let names: Vec<_> = Policy::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["FIFO", "SCAN", "SSTF"]);
    }

    #[test]
    fn service_order_shows_at_most_the_limit_and_leaves_the_queue() {
        for policy in Policy::ALL {
            let q = queue(policy, &TEXTBOOK);
            let shown: Vec<usize> = q
                .service_order(53, Direction::Up, |&i| TEXTBOOK[i], 3)
                .into_iter()
                .copied()
                .collect();
            let (all, _) = serve_all(policy, &TEXTBOOK, 53, Direction::Up);
            let shown_tracks: Vec<u32> = shown.iter().map(|&i| TEXTBOOK[i]).collect();
            assert_eq!(shown_tracks, all[..3], "{policy:?}");
            assert_eq!(q.len(), TEXTBOOK.len());
        }
    }

    /// One step of a random workload: a request arrives on a track, or the driver takes
    /// one with the head moved to a track.
    #[derive(Debug, Clone)]
    enum Step {
        Arrive(u32),
        Take(u32),
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        // Few tracks, so that ties on a track and at equal distances are common.
        let step = prop_oneof![
            (0u32..40).prop_map(Step::Arrive),
            (0u32..40).prop_map(Step::Take),
        ];
        proptest::collection::vec(step, 0..200)
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
            let mut d = Direction::Up;
            let sstf = first_pick(Policy::Sstf, &tracks, head, &mut d).unwrap();
            prop_assert!(tracks.iter().all(|t| tracks[sstf].abs_diff(head) <= t.abs_diff(head)));
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

        #[test]
        fn the_queue_picks_exactly_what_the_reference_picks(
            steps in steps(),
            policy_index in 0usize..3,
            start_up in any::<bool>(),
        ) {
            let policy = Policy::ALL[policy_index];
            let start = if start_up { Direction::Up } else { Direction::Down };
            let mut q = Queue::new(policy);
            // The reference keeps (track, arrival number) in arrival order.
            let mut list: Vec<(u32, usize)> = Vec::new();
            let (mut dq, mut dr) = (start, start);
            for (arrival, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Arrive(track) => {
                        q.push(track, arrival);
                        list.push((track, arrival));
                    }
                    Step::Take(head) => {
                        let tracks: Vec<u32> = list.iter().map(|(t, _)| *t).collect();
                        let want = reference::pick(policy, &tracks, head, &mut dr)
                            .map(|i| list.remove(i).1);
                        prop_assert_eq!(q.pop_next(head, &mut dq), want);
                        prop_assert_eq!(dq, dr);
                    }
                }
                prop_assert_eq!(q.len(), list.len());
            }
        }

        #[test]
        fn service_order_is_the_reference_replayed(
            tracks in proptest::collection::vec(0u32..40, 0..60),
            spans in proptest::collection::vec(0u32..5, 60),
            head in 0u32..40,
            start_up in any::<bool>(),
            policy_index in 0usize..3,
            limit in 0usize..70,
        ) {
            // Each request ends `spans[i]` tracks past its start: the head moves there.
            let policy = Policy::ALL[policy_index];
            let start = if start_up { Direction::Up } else { Direction::Down };
            let q = queue(policy, &tracks);
            let end = |i: &usize| tracks[*i] + spans[*i];
            let got: Vec<usize> =
                q.service_order(head, start, end, limit).into_iter().copied().collect();
            let mut list: Vec<usize> = (0..tracks.len()).collect();
            let (mut at, mut direction) = (head, start);
            let mut want = Vec::new();
            while want.len() < limit {
                let remaining: Vec<u32> = list.iter().map(|&i| tracks[i]).collect();
                let Some(pick) = reference::pick(policy, &remaining, at, &mut direction) else {
                    break;
                };
                let i = list.remove(pick);
                at = end(&i);
                want.push(i);
            }
            prop_assert_eq!(got, want);
        }
    }
}
