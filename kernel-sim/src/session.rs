//! Stepping through a run forward and backward, exactly.
//!
//! A session holds two kernels. `ahead` runs ahead of anything shown, a chunk at a time,
//! and lays down the run's one copy of the trace, the trace length and the clock after
//! every step, and a checkpoint every `interval` steps; once the run has ended it stays,
//! the furthest state explored, to explain any event of the trace (see
//! [`Session::narrate`]). `kernel` is the state on screen:
//! going to step k restores the nearest checkpoint at or before k (unless the kernel on
//! screen is nearer) and replays. A replay's events are already in the trace, so they are
//! dropped; the run is deterministic, so back-then-forward shows exactly what forward did
//! (debug builds check every replayed event against the trace).
//!
//! Memory stays bounded: one trace, 16 bytes per step, and at most [`MAX_CHECKPOINTS`]
//! checkpoints, each a copy of the kernel's state without the trace. When there would be
//! more, every other one is dropped and the interval doubles, so a long run costs a
//! longer replay per step back rather than more memory.

use crate::trace::segments::Segments;
use crate::trace::{Narrator, Note};
use crate::{Checkpoint, Kernel, Time, TraceEvent};
use std::collections::BTreeMap;

/// Steps between checkpoints at first: a step back replays at most this many events.
pub const CHECKPOINT_EVERY: u64 = 256;

/// The most checkpoints a session keeps.
pub const MAX_CHECKPOINTS: usize = 4096;

pub struct Session {
    kernel: Kernel,
    /// Runs ahead to learn the run; at its end once `finished`. The kernel's records of
    /// threads, files, file objects, ports and objects only grow, so this state has
    /// everything any explored event names.
    ahead: Kernel,
    finished: bool,
    trace: Vec<TraceEvent>,
    /// The timeline lanes of the explored trace.
    segments: Segments,
    /// Decides where the model's notes are due; it has seen the explored trace.
    narrator: Narrator,
    /// The notes due, by the position of the event they go with.
    notes: BTreeMap<usize, Note>,
    /// After step k: the trace length (`marks[k]`) and the clock (`times[k]`).
    marks: Vec<usize>,
    times: Vec<Time>,
    /// Sorted by step; the first is step 0.
    checkpoints: Vec<Checkpoint>,
    interval: u64,
    max_checkpoints: usize,
    /// The most trace events the run may have (the scenario's `machine.event_limit`).
    event_limit: u64,
    /// Why the run ended early, if it did: cut at the event limit, or stopped by the
    /// kernel (time overflowed, the byte budget).
    stopped: Option<&'static str>,
}

impl Session {
    /// A session at step 0 of `kernel`'s run. Nothing is run yet: call [`Session::explore`].
    pub fn new(kernel: Kernel) -> Self {
        Self::with_limits(kernel, CHECKPOINT_EVERY, MAX_CHECKPOINTS)
    }

    /// A session with a checkpoint every `interval` steps at first and at most
    /// `max_checkpoints` of them (at least 2).
    pub fn with_limits(mut kernel: Kernel, interval: u64, max_checkpoints: usize) -> Self {
        let mut trace = Vec::new();
        kernel.move_trace_into(&mut trace);
        let marks = vec![trace.len()];
        let times = vec![kernel.now()];
        let checkpoints = vec![kernel.checkpoint()];
        let mut narrator = Narrator::new();
        let notes = trace
            .iter()
            .enumerate()
            .filter_map(|(i, e)| narrator.observe(e).map(|n| (i, n)))
            .collect();
        Self {
            ahead: kernel.clone(),
            finished: false,
            kernel,
            segments: Segments::from_trace(&trace),
            narrator,
            notes,
            trace,
            marks,
            times,
            checkpoints,
            interval: interval.max(1),
            max_checkpoints: max_checkpoints.max(2),
            event_limit: u64::MAX,
            stopped: None,
        }
    }

    /// A session whose whole run is already explored (tests and small scenarios).
    pub fn explored(kernel: Kernel) -> Self {
        let mut session = Self::new(kernel);
        while !session.finished() {
            session.explore(u64::MAX);
        }
        session
    }

    /// Ends the run once its trace passes `limit` events, as `iosim run` does, so a
    /// runaway scenario cannot fill memory.
    pub fn with_event_limit(mut self, limit: u64) -> Self {
        self.event_limit = limit;
        self
    }

    /// Why the run ended early, in a few words, if it did.
    pub fn stopped(&self) -> Option<&'static str> {
        self.stopped
    }

    /// Lets the kernel running ahead take up to `budget` more steps. Returns how many it
    /// took (fewer when the run ended).
    pub fn explore(&mut self, budget: u64) -> u64 {
        if self.finished {
            return 0;
        }
        let ahead = &mut self.ahead;
        let mut taken = 0;
        let mut ended = false;
        while taken < budget {
            if !ahead.step() {
                ended = true;
                self.stopped = ahead.fault().map(|fault| match fault {
                    crate::RunError::TimeOverflow { .. } => "stopped: time overflowed",
                    crate::RunError::ByteBudget { .. } => "stopped: over its byte budget",
                    crate::RunError::EventLimit { .. } => "cut at the event limit",
                });
                break;
            }
            taken += 1;
            let from = self.trace.len();
            ahead.move_trace_into(&mut self.trace);
            for (i, e) in self.trace.iter().enumerate().skip(from) {
                self.segments.push(i, e);
                if let Some(note) = self.narrator.observe(e) {
                    self.notes.insert(i, note);
                }
            }
            self.marks.push(self.trace.len());
            self.times.push(ahead.now());
            if self.trace.len() as u64 > self.event_limit {
                ended = true;
                self.stopped = Some("cut at the event limit");
                break;
            }
            if ahead.core().steps.is_multiple_of(self.interval) {
                self.checkpoints.push(ahead.checkpoint());
                if self.checkpoints.len() > self.max_checkpoints {
                    self.interval *= 2;
                    let keep = self.interval;
                    self.checkpoints.retain(|c| c.steps().is_multiple_of(keep));
                }
            }
        }
        self.finished = ended;
        taken
    }

    /// Whether the run's end is known.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Steps explored so far: the furthest step [`Session::goto`] can reach now.
    pub fn known(&self) -> u64 {
        self.marks.len() as u64 - 1
    }

    /// The run's length in steps, once known.
    pub fn total(&self) -> Option<u64> {
        self.finished().then(|| self.known())
    }

    /// The state on screen. Its own trace is always empty: read [`Session::trace`].
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// The current step: 0 before anything happened.
    pub fn step(&self) -> u64 {
        self.kernel.core().steps
    }

    /// The trace up to and including the current step.
    pub fn trace(&self) -> &[TraceEvent] {
        &self.trace[..self.marks[self.step() as usize]]
    }

    /// The trace as far as it is explored, past the current step too.
    pub fn explored_trace(&self) -> &[TraceEvent] {
        &self.trace
    }

    /// The timeline lanes of the explored trace: segments that begin at or after
    /// [`Session::trace`]'s end are in the future of the current step.
    pub fn segments(&self) -> &Segments {
        &self.segments
    }

    /// The trace events the current step added.
    pub fn last_events(&self) -> &[TraceEvent] {
        &self.trace[self.last_range()]
    }

    /// Where the current step's events are in the trace.
    pub fn last_range(&self) -> std::ops::Range<usize> {
        let k = self.step() as usize;
        let from = if k == 0 { 0 } else { self.marks[k - 1] };
        from..self.marks[k]
    }

    /// The model's note due at the trace's event number `index`, if one is.
    pub fn note_at(&self, index: usize) -> Option<Note> {
        self.notes.get(&index).copied()
    }

    /// The sentence for the explored trace's event number `index`, with its note if one
    /// is due: the words `iosim run` prints for it, whatever the current step.
    pub fn narrate(&self, index: usize) -> String {
        crate::trace::with_note(self.explain(index), self.note_at(index))
    }

    /// The sentence for the explored trace's event number `index`, without its note.
    ///
    /// An event can name a file, a file object, a port or an object that it creates, so
    /// it is explained with a state that has them: the state on screen for an event up
    /// to the current step (the state right after the event, or later), the furthest
    /// explored state for a later one. Both give the event's own words, for the kernel
    /// never removes such a record nor changes what a sentence reads from it (names,
    /// kinds, a pipe's ends).
    pub fn explain(&self, index: usize) -> String {
        let shown = index < self.marks[self.step() as usize];
        let kernel = if shown { &self.kernel } else { &self.ahead };
        kernel.explain(&self.trace[index])
    }

    /// The step that added the explored trace's event number `index`.
    pub fn step_of_event(&self, index: usize) -> u64 {
        self.marks.partition_point(|&m| m <= index) as u64
    }

    /// The first explored step whose clock reads `time` or later.
    pub fn step_at_time(&self, time: Time) -> Option<u64> {
        let k = self.times.partition_point(|&t| t < time);
        (k < self.times.len()).then_some(k as u64)
    }

    /// Checkpoints kept now, and the steps between them.
    pub fn checkpoint_spacing(&self) -> (usize, u64) {
        (self.checkpoints.len(), self.interval)
    }

    /// One step forward, exploring it first if needed; false at the end.
    pub fn forward(&mut self) -> bool {
        let next = self.step() + 1;
        if next > self.known() {
            self.explore(1);
        }
        if next > self.known() {
            return false;
        }
        self.goto(next);
        true
    }

    pub fn back(&mut self) {
        self.goto(self.step().saturating_sub(1));
    }

    /// Goes to step `target`, clamped to the explored steps, backward or forward. Costs
    /// at most one checkpoint's interval of replay.
    pub fn goto(&mut self, target: u64) {
        let target = target.min(self.known());
        let here = self.step();
        if target == here {
            return;
        }
        let at = self.checkpoints.partition_point(|c| c.steps() <= target) - 1;
        let checkpoint = &self.checkpoints[at];
        if target < here || checkpoint.steps() > here {
            self.kernel = Kernel::restore(checkpoint, Vec::new());
        }
        while self.step() < target {
            self.kernel.step();
            if cfg!(debug_assertions) {
                let k = self.step() as usize;
                let known = &self.trace[self.marks[k - 1]..self.marks[k]];
                let mut replayed = Vec::new();
                self.kernel.move_trace_into(&mut replayed);
                assert_eq!(replayed, known, "replaying step {k} changed its events");
            }
            self.kernel.discard_trace();
        }
    }
}
