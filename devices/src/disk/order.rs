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
//! [`OrderPolicy`] states a discipline in its plainest form: given the head and the
//! waiting requests in arrival order, which one next. [`Policy`] implements it for the
//! three built-in disciplines, and any other type can, to give the driver a discipline of
//! its own ([`Queue::custom`]; the build-it-yourself exercises in `exercises/` do).
//!
//! [`Queue`] holds the waiting requests so that a built-in pick costs the same however
//! long the queue grows: FIFO keeps arrival order in a ring buffer; SCAN and SSTF keep
//! requests ordered by (track, arrival), so the nearest request at or beyond the head, or
//! at or below it, is one range lookup, O(log n). Ties always go to the earliest arrival.
//! It picks exactly what [`Policy`]'s [`OrderPolicy::pick`] picks (a property test checks
//! it). A custom policy's queue is the plain list, O(n) a pick.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Debug;
use std::sync::Arc;

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

/// What an [`OrderPolicy`] knows of the disk's head: the track it will be over once every
/// request already sent to the device is done, and which way it was last moving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub track: u32,
    pub direction: Direction,
}

/// A request waiting in the driver's queue, as an [`OrderPolicy`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The track its transfer starts on.
    pub track: u32,
    /// Its place in the order requests reached the queue: 0 for the first, counting on
    /// (the queue is in arrival order, so this only grows along it).
    pub arrival: u64,
}

/// A policy's choice: the position in the waiting list of the request to send next, and
/// the direction the head moves in from now on (a policy that has no direction returns
/// the one it was given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    pub index: usize,
    pub direction: Direction,
}

/// A queue discipline: which waiting request the driver sends to the device next.
///
/// The contract, which the driver relies on:
/// 1. `pick` is called only with a non-empty `waiting` list, in arrival order (oldest
///    first), and returns an index into it.
/// 2. It is a function of its arguments: the driver may ask again with the same
///    arguments (to show the walkthrough the order it would serve) and must get the same
///    answer. Anything a policy needs to remember between picks travels in
///    [`Head::direction`].
pub trait OrderPolicy: Debug + Send + Sync {
    /// The short name used in traces, summaries and the walkthrough's queue pane.
    fn name(&self) -> &'static str;

    /// The request to send next with the head at `head`, out of `waiting`.
    fn pick(&self, head: Head, waiting: &[Request]) -> Pick;
}

/// The built-in disciplines, written as the plain scan of the list the contract
/// describes: O(n) a pick. The driver's [`Queue`] makes the same picks in O(log n).
impl OrderPolicy for Policy {
    fn name(&self) -> &'static str {
        Policy::name(*self)
    }

    fn pick(&self, head: Head, waiting: &[Request]) -> Pick {
        let keep = |index| Pick {
            index,
            direction: head.direction,
        };
        match self {
            Policy::Fifo => keep(0),
            Policy::Sstf => keep(nearest(waiting, head.track, |_| true).expect("not empty")),
            Policy::Scan => match nearest_ahead(waiting, head.track, head.direction) {
                Some(index) => keep(index),
                None => {
                    let turned = head.direction.reversed();
                    let index = nearest_ahead(waiting, head.track, turned).expect("not empty");
                    Pick {
                        index,
                        direction: turned,
                    }
                }
            },
        }
    }
}

/// The nearest request at or beyond `track` going `direction`.
fn nearest_ahead(waiting: &[Request], track: u32, direction: Direction) -> Option<usize> {
    nearest(waiting, track, |t| match direction {
        Direction::Up => t >= track,
        Direction::Down => t <= track,
    })
}

/// The nearest `allowed` request to `track`; `min_by_key` keeps the first of equals, the
/// earliest arrival.
fn nearest(waiting: &[Request], track: u32, allowed: impl Fn(u32) -> bool) -> Option<usize> {
    waiting
        .iter()
        .enumerate()
        .filter(|(_, r)| allowed(r.track))
        .min_by_key(|(_, r)| r.track.abs_diff(track))
        .map(|(i, _)| i)
}

/// Where a request waits in a by-track queue: its track, then its arrival number, so
/// that among requests on one track the earliest comes first.
type Key = (u32, u64);

/// Requests waiting for the device, each with the track it starts on, in a structure
/// that makes a built-in policy's next pick O(log n) (O(1) for FIFO).
#[derive(Debug, Clone)]
pub struct Queue<T> {
    /// The next arrival's number.
    arrivals: u64,
    waiting: Waiting<T>,
}

#[derive(Debug, Clone)]
enum Waiting<T> {
    /// FIFO: oldest first.
    InArrivalOrder(VecDeque<T>),
    /// SCAN and SSTF: by track, then by arrival.
    ByTrack(Policy, BTreeMap<Key, T>),
    /// Any other policy: the list it picks from, in arrival order, and each request's
    /// own item at the same index.
    Custom {
        policy: Arc<dyn OrderPolicy>,
        requests: Vec<Request>,
        items: Vec<T>,
    },
}

impl<T> Queue<T> {
    pub fn new(policy: Policy) -> Self {
        let waiting = match policy {
            Policy::Fifo => Waiting::InArrivalOrder(VecDeque::new()),
            Policy::Scan | Policy::Sstf => Waiting::ByTrack(policy, BTreeMap::new()),
        };
        Self {
            arrivals: 0,
            waiting,
        }
    }

    /// A queue ordered by a policy of the caller's, which sees the whole waiting list at
    /// every pick.
    pub fn custom(policy: Arc<dyn OrderPolicy>) -> Self {
        Self {
            arrivals: 0,
            waiting: Waiting::Custom {
                policy,
                requests: Vec::new(),
                items: Vec::new(),
            },
        }
    }

    /// The name of the policy that orders the queue.
    pub fn policy_name(&self) -> &'static str {
        match &self.waiting {
            Waiting::InArrivalOrder(_) => Policy::Fifo.name(),
            Waiting::ByTrack(policy, _) => policy.name(),
            Waiting::Custom { policy, .. } => policy.name(),
        }
    }

    pub fn len(&self) -> usize {
        match &self.waiting {
            Waiting::InArrivalOrder(list) => list.len(),
            Waiting::ByTrack(_, map) => map.len(),
            Waiting::Custom { items, .. } => items.len(),
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
            Waiting::ByTrack(_, map) => drop(map.insert((track, arrival), request)),
            Waiting::Custom {
                requests, items, ..
            } => {
                requests.push(Request { track, arrival });
                items.push(request);
            }
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
            Waiting::ByTrack(_, map) => {
                let key = *map.iter().find(|(_, r)| is(r))?.0;
                map.remove(&key)
            }
            Waiting::Custom {
                requests, items, ..
            } => {
                let at = items.iter().position(is)?;
                requests.remove(at);
                Some(items.remove(at))
            }
        }
    }

    /// Removes and returns the request to send next with the head over `head_track`,
    /// or `None` when the queue is empty. Of the built-in policies only [`Policy::Scan`]
    /// uses and updates `direction`: it flips it when nothing is left ahead of the head;
    /// a custom policy sets it to the direction it picks.
    ///
    /// Panics if a custom policy picks past the end of the list (a broken contract).
    pub fn pop_next(&mut self, head_track: u32, direction: &mut Direction) -> Option<T> {
        match &mut self.waiting {
            Waiting::InArrivalOrder(list) => list.pop_front(),
            Waiting::ByTrack(policy, map) => {
                let key = choose(*policy, map, &BTreeSet::new(), head_track, direction)?;
                map.remove(&key)
            }
            Waiting::Custom {
                policy,
                requests,
                items,
            } => {
                let index = pick_custom(policy.as_ref(), head_track, direction, requests)?;
                requests.remove(index);
                Some(items.remove(index))
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
            Waiting::ByTrack(policy, map) => {
                let mut taken = BTreeSet::new();
                let (mut head, mut direction) = (head_track, direction);
                let mut order = Vec::with_capacity(limit.min(map.len()));
                while order.len() < limit {
                    let Some(key) = choose(*policy, map, &taken, head, &mut direction) else {
                        break;
                    };
                    taken.insert(key);
                    let request = &map[&key];
                    head = end_track(request);
                    order.push(request);
                }
                order
            }
            // O(limit × n): a custom policy sees the whole list at each pick.
            Waiting::Custom {
                policy,
                requests,
                items,
            } => {
                let mut left: Vec<Request> = requests.clone();
                let mut at: Vec<usize> = (0..items.len()).collect();
                let (mut head, mut direction) = (head_track, direction);
                let mut order = Vec::with_capacity(limit.min(items.len()));
                while order.len() < limit {
                    let Some(index) = pick_custom(policy.as_ref(), head, &mut direction, &left)
                    else {
                        break;
                    };
                    left.remove(index);
                    let request = &items[at.remove(index)];
                    head = end_track(request);
                    order.push(request);
                }
                order
            }
        }
    }
}

/// What `policy` picks from `requests` with the head over `head_track` going `direction`,
/// which it updates; `None` for an empty list.
fn pick_custom(
    policy: &dyn OrderPolicy,
    head_track: u32,
    direction: &mut Direction,
    requests: &[Request],
) -> Option<usize> {
    if requests.is_empty() {
        return None;
    }
    let head = Head {
        track: head_track,
        direction: *direction,
    };
    let pick = policy.pick(head, requests);
    assert!(
        pick.index < requests.len(),
        "the {} policy picked request {} of a queue of {}",
        policy.name(),
        pick.index,
        requests.len()
    );
    *direction = pick.direction;
    Some(pick.index)
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

    /// The plain statement the queue must agree with: [`OrderPolicy::pick`] over a list
    /// in arrival order. Returns the index in `queue` of the request to send next.
    mod reference {
        use super::super::{Direction, Policy, Request, pick_custom};

        pub fn pick(
            policy: Policy,
            queue: &[u32],
            head_track: u32,
            direction: &mut Direction,
        ) -> Option<usize> {
            let requests: Vec<Request> = (0u64..)
                .zip(queue)
                .map(|(arrival, &track)| Request { track, arrival })
                .collect();
            pick_custom(&policy, head_track, direction, &requests)
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

    /// A policy of the test's own: always the newest request, heading nowhere new.
    #[derive(Debug)]
    struct Newest;

    impl OrderPolicy for Newest {
        fn name(&self) -> &'static str {
            "NEWEST"
        }

        fn pick(&self, head: Head, waiting: &[Request]) -> Pick {
            Pick {
                index: waiting.len() - 1,
                direction: head.direction,
            }
        }
    }

    #[test]
    fn a_custom_policy_orders_the_queue_and_names_it() {
        let mut q = Queue::custom(Arc::new(Newest));
        for (i, track) in [5, 9, 1].into_iter().enumerate() {
            q.push(track, i);
        }
        assert_eq!(q.policy_name(), "NEWEST");
        assert_eq!(q.remove_where(|&i| i == 1), Some(1));
        let mut d = Direction::Up;
        assert_eq!(q.pop_next(0, &mut d), Some(2));
        assert_eq!(q.pop_next(0, &mut d), Some(0));
        assert_eq!(q.pop_next(0, &mut d), None);
    }

    #[test]
    #[should_panic(expected = "the NEWEST policy picked request 1 of a queue of 1")]
    fn a_custom_pick_past_the_end_is_a_broken_contract() {
        #[derive(Debug)]
        struct PastTheEnd;
        impl OrderPolicy for PastTheEnd {
            fn name(&self) -> &'static str {
                "NEWEST"
            }
            fn pick(&self, head: Head, waiting: &[Request]) -> Pick {
                Pick {
                    index: waiting.len(),
                    direction: head.direction,
                }
            }
        }
        let mut q = Queue::custom(Arc::new(PastTheEnd));
        q.push(3, ());
        q.pop_next(0, &mut Direction::Up);
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
            // The same policy as a custom one: the queue keeps the plain list.
            let mut c = Queue::custom(Arc::new(policy));
            // The reference keeps (track, arrival number) in arrival order.
            let mut list: Vec<(u32, usize)> = Vec::new();
            let (mut dq, mut dc, mut dr) = (start, start, start);
            for (arrival, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Arrive(track) => {
                        q.push(track, arrival);
                        c.push(track, arrival);
                        list.push((track, arrival));
                    }
                    Step::Take(head) => {
                        let tracks: Vec<u32> = list.iter().map(|(t, _)| *t).collect();
                        let want = reference::pick(policy, &tracks, head, &mut dr)
                            .map(|i| list.remove(i).1);
                        prop_assert_eq!(q.pop_next(head, &mut dq), want);
                        prop_assert_eq!(c.pop_next(head, &mut dc), want);
                        prop_assert_eq!(dq, dr);
                        prop_assert_eq!(dc, dr);
                    }
                }
                prop_assert_eq!(q.len(), list.len());
                prop_assert_eq!(c.len(), list.len());
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
            let mut c = Queue::custom(Arc::new(policy));
            for (i, &track) in tracks.iter().enumerate() {
                c.push(track, i);
            }
            let custom: Vec<usize> =
                c.service_order(head, start, end, limit).into_iter().copied().collect();
            prop_assert_eq!(&custom, &got);
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
