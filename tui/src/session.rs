//! Stepping through a run forward and backward. Backward restores the nearest earlier
//! checkpoint and replays, so going back then forward shows exactly what going forward
//! did. Checkpoints are taken every `CHECKPOINT_EVERY` steps and hold no copy of the
//! trace, so memory stays bounded by the number of checkpoints times the kernel's state.

use kernel_sim::{Checkpoint, Kernel};

/// Steps between checkpoints: a step back replays at most this many events.
pub const CHECKPOINT_EVERY: u64 = 256;

pub struct Session {
    kernel: Kernel,
    checkpoints: Vec<Checkpoint>,
    /// How many steps the whole run has, found by running a copy to the end.
    total: u64,
    /// Trace length after each step, so a viewer can show what one step did.
    marks: Vec<usize>,
}

impl Session {
    pub fn new(mut kernel: Kernel) -> Self {
        let mut probe = kernel.clone();
        while probe.step() {}
        let total = probe.core().steps;
        let marks = vec![kernel.trace().len()];
        let checkpoints = vec![kernel.checkpoint()];
        Self {
            kernel,
            checkpoints,
            total,
            marks,
        }
    }

    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// The current step: 0 before anything happened.
    pub fn step(&self) -> u64 {
        self.kernel.core().steps
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The trace events the current step added.
    pub fn last_events(&self) -> &[kernel_sim::TraceEvent] {
        let k = self.step() as usize;
        let from = if k == 0 { 0 } else { self.marks[k - 1] };
        &self.kernel.trace()[from..self.marks[k]]
    }

    /// One step forward; false at the end.
    pub fn forward(&mut self) -> bool {
        if !self.kernel.step() {
            return false;
        }
        let k = self.step();
        let len = self.kernel.trace().len();
        if self.marks.len() as u64 <= k {
            self.marks.push(len);
        }
        let last = self.checkpoints.last().map_or(0, Checkpoint::steps);
        if k.is_multiple_of(CHECKPOINT_EVERY) && k > last {
            let cp = self.kernel.checkpoint();
            self.checkpoints.push(cp);
        }
        true
    }

    /// Goes to step `target` (clamped to the run), backward or forward.
    pub fn goto(&mut self, target: u64) {
        let target = target.min(self.total);
        if target < self.step() {
            let cp = self
                .checkpoints
                .iter()
                .rev()
                .find(|c| c.steps() <= target)
                .expect("a checkpoint at step 0")
                .clone();
            let trace = self.kernel.take_trace();
            self.kernel = Kernel::restore(&cp, trace);
        }
        while self.step() < target && self.forward() {}
    }

    pub fn back(&mut self) {
        self.goto(self.step().saturating_sub(1));
    }

    /// Steps forward until a step adds an event `matches` accepts.
    pub fn forward_until(&mut self, matches: impl Fn(&kernel_sim::What) -> bool) {
        while self.forward() {
            if self.last_events().iter().any(|e| matches(&e.what)) {
                return;
            }
        }
    }
}
