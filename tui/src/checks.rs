//! A scenario's expectations in the walkthrough: each one's verdict at the step on screen.
//!
//! The walkthrough knows nothing of the scenario format; whoever starts it (the `iosim`
//! binary) hands it an evaluator as a [`Checks`], which takes in a run a step at a time,
//! can be copied, and says how each expectation stands. A [`Checker`], on the simulation
//! thread, keeps it in step with the session the way the session keeps its kernel:
//!
//! 1. A kernel of its own runs ahead of the step on screen, never past the steps the
//!    session has explored, and feeds every step's events to the evaluator; every
//!    `interval` steps it saves the kernel and a copy of the evaluator.
//! 2. Showing step k restores the nearest save at or before k (unless the state shown is
//!    nearer) and replays to k, feeding the evaluator as it goes: a step back costs at
//!    most one interval of replay, never the whole run from step 0.
//! 3. The verdicts are read from the evaluator at k, with the kernel as step k left it.
//!
//! The run is deterministic, so the replayed kernel is the session's kernel at the same
//! step, and the verdicts after a step back are those the same step showed going forward.

use kernel_sim::{Checkpoint, Kernel, TraceEvent};

/// An evaluator of a scenario's expectations, fed a run step by step.
pub trait Checks: Send {
    /// Takes in one step: the events it recorded (for the first call, those the build
    /// recorded: step 0), with `kernel` as the step left it.
    fn step(&mut self, kernel: &mut Kernel, events: &[TraceEvent]);

    /// Each expectation's line after the steps taken in, `kernel` being as the last one
    /// left it; `ended`: the run ends there, so every verdict is final.
    fn lines(&self, kernel: &Kernel, ended: bool) -> Vec<CheckLine>;

    /// A copy of the evaluator as it is, to come back to.
    fn save(&self) -> Box<dyn Checks>;
}

/// One expectation, as the overlay lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// What it states.
    pub label: String,
    pub verdict: CheckVerdict,
    /// Lines under it: for a broken one what was expected, what was found and where; for
    /// one judged at the end, how it would stand if the run ended here.
    pub detail: Vec<String>,
}

/// How an expectation stands at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckVerdict {
    Held,
    Broken,
    /// Its moment has not come: it is judged at a later step, or at the end of the run.
    NotYet,
}

impl CheckVerdict {
    /// A glyph and a word, readable without colour.
    pub fn mark(self) -> &'static str {
        match self {
            CheckVerdict::Held => "✓ held",
            CheckVerdict::Broken => "✗ broken",
            CheckVerdict::NotYet => "… not yet",
        }
    }
}

/// Steps between two saves of the kernel and the evaluator, at first.
const SAVE_EVERY: u64 = 256;

/// The most saves kept; past it, every other one goes and the interval doubles (as the
/// session does with its checkpoints), so a long run costs a longer replay per step back
/// rather than more memory.
const MAX_SAVES: usize = 1024;

/// A kernel and the evaluator fed its run up to the same step.
struct Cursor {
    kernel: Kernel,
    checks: Box<dyn Checks>,
}

impl Cursor {
    fn step_count(&self) -> u64 {
        self.kernel.core().steps
    }

    /// One step forward, fed to the evaluator; false when the run has ended.
    fn forward(&mut self, events: &mut Vec<TraceEvent>) -> bool {
        if !self.kernel.step() {
            return false;
        }
        self.kernel.move_trace_into(events);
        self.checks.step(&mut self.kernel, events);
        events.clear();
        true
    }
}

/// A save: the kernel and the evaluator at one step.
struct Save {
    kernel: Checkpoint,
    checks: Box<dyn Checks>,
}

/// Keeps a [`Checks`] in step with the walkthrough (see the module's doc).
pub struct Checker {
    ahead: Cursor,
    shown: Cursor,
    /// Sorted by step; the first is step 0.
    saves: Vec<Save>,
    interval: u64,
    max_saves: usize,
    /// The kernel running ahead has reached the end of the run.
    ended: bool,
    /// One step's events, reused.
    events: Vec<TraceEvent>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("ahead", &self.ahead.step_count())
            .field("shown", &self.shown.step_count())
            .field("saves", &self.saves.len())
            .finish()
    }
}

impl Checker {
    /// A checker of `checks` on the run of `kernel`, which is as built, with the events
    /// its build recorded still in its trace (a clone of the kernel the session starts
    /// from, taken before the session takes its trace).
    pub fn new(kernel: Kernel, checks: Box<dyn Checks>) -> Self {
        Self::with_limits(kernel, checks, SAVE_EVERY, MAX_SAVES)
    }

    /// As [`Checker::new`], saving every `interval` steps at first and keeping at most
    /// `max_saves` saves (at least 2).
    pub fn with_limits(
        mut kernel: Kernel,
        mut checks: Box<dyn Checks>,
        interval: u64,
        max_saves: usize,
    ) -> Self {
        let mut events = Vec::new();
        kernel.move_trace_into(&mut events);
        checks.step(&mut kernel, &events);
        events.clear();
        let saves = vec![Save {
            kernel: kernel.checkpoint(),
            checks: checks.save(),
        }];
        let shown = Cursor {
            kernel: kernel.clone(),
            checks: checks.save(),
        };
        Self {
            ahead: Cursor { kernel, checks },
            shown,
            saves,
            interval: interval.max(1),
            max_saves: max_saves.max(2),
            ended: false,
            events,
        }
    }

    /// How far the kernel running ahead has got.
    pub fn explored(&self) -> u64 {
        self.ahead.step_count()
    }

    /// Whether the kernel running ahead has reached step `known`, or the end of the run.
    pub fn caught_up(&self, known: u64) -> bool {
        self.ended || self.explored() >= known
    }

    /// Runs ahead up to `budget` steps, but not past step `known` (the steps the session
    /// has explored, so never past its event limit). Returns the steps taken.
    pub fn explore(&mut self, budget: u64, known: u64) -> u64 {
        let mut taken = 0;
        while taken < budget && self.ahead.step_count() < known {
            if !self.ahead.forward(&mut self.events) {
                self.ended = true;
                break;
            }
            taken += 1;
            if self.ahead.step_count().is_multiple_of(self.interval) {
                self.save();
            }
        }
        taken
    }

    fn save(&mut self) {
        self.saves.push(Save {
            kernel: self.ahead.kernel.checkpoint(),
            checks: self.ahead.checks.save(),
        });
        if self.saves.len() > self.max_saves {
            self.interval *= 2;
            let keep = self.interval;
            self.saves.retain(|s| s.kernel.steps().is_multiple_of(keep));
        }
    }

    /// Each expectation's line at step `step` (explored by the session); `ended`: the
    /// run ends at that step.
    pub fn lines_at(&mut self, step: u64, ended: bool) -> Vec<CheckLine> {
        self.explore(u64::MAX, step);
        self.goto(step.min(self.explored()));
        debug_assert_eq!(
            self.shown.step_count(),
            step,
            "the run reaches the step shown"
        );
        self.shown.checks.lines(&self.shown.kernel, ended)
    }

    /// Moves the state shown to `target`, at most one interval of replay away.
    fn goto(&mut self, target: u64) {
        let here = self.shown.step_count();
        if target == here {
            return;
        }
        let at = self.saves.partition_point(|s| s.kernel.steps() <= target) - 1;
        let save = &self.saves[at];
        if target < here || save.kernel.steps() > here {
            self.shown = Cursor {
                kernel: Kernel::restore(&save.kernel, Vec::new()),
                checks: save.checks.save(),
            };
        }
        while self.shown.step_count() < target {
            let stepped = self.shown.forward(&mut self.events);
            assert!(stepped, "a replay ended before a step the run reached");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_sim::{Costs, MachineConfig, ProgramCtx, Syscall, ThreadProgram};
    use std::sync::{Arc, Mutex};

    /// Counts the events it is fed, and shares the count of steps fed to any copy: how
    /// much replaying was done.
    #[derive(Clone, Default)]
    struct Counting {
        steps: u64,
        events: u64,
        fed: Arc<Mutex<u64>>,
    }

    impl Checks for Counting {
        fn step(&mut self, kernel: &mut Kernel, events: &[TraceEvent]) {
            assert_eq!(kernel.core().steps, self.steps, "fed every step, in order");
            self.steps += 1;
            self.events += events.len() as u64;
            *self.fed.lock().unwrap() += 1;
        }

        fn lines(&self, kernel: &Kernel, ended: bool) -> Vec<CheckLine> {
            vec![CheckLine {
                label: format!("{} events by step {}", self.events, kernel.core().steps),
                verdict: if ended {
                    CheckVerdict::Held
                } else {
                    CheckVerdict::NotYet
                },
                detail: Vec::new(),
            }]
        }

        fn save(&self) -> Box<dyn Checks> {
            Box::new(self.clone())
        }
    }

    /// A thread that sleeps 1 µs this many times, then exits.
    #[derive(Debug, Clone)]
    struct Sleeps(usize);

    impl ThreadProgram for Sleeps {
        fn next(&mut self, _: &mut ProgramCtx<'_>) -> Syscall {
            if self.0 == 0 {
                return Syscall::Exit;
            }
            self.0 -= 1;
            Syscall::Sleep {
                ns: 1000,
                alertable: None,
            }
        }

        fn clone_box(&self) -> Box<dyn ThreadProgram> {
            Box::new(self.clone())
        }
    }

    fn sleeper(n: usize) -> Kernel {
        let mut k = Kernel::new(MachineConfig {
            cpus: 1,
            costs: Costs::default(),
            seed: 1,
            byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
        });
        let p = k.add_process("p", Vec::new());
        k.add_thread(p, "T", 0, Box::new(Sleeps(n)));
        k
    }

    #[test]
    fn stepping_back_gives_the_same_lines_and_replays_one_interval_at_most() {
        let kernel = sleeper(400);
        let mut whole = kernel.clone();
        whole.run(u64::MAX).unwrap();
        let total = whole.core().steps;
        let events = whole.trace().len();
        assert!(total > 4 * SAVE_EVERY, "{total} steps");
        let fed = Arc::new(Mutex::new(0));
        let counting = Counting {
            fed: fed.clone(),
            ..Counting::default()
        };
        let mut checker = Checker::new(kernel, Box::new(counting));
        let mut at = |step| checker.lines_at(step, false).remove(0).label;
        assert!(at(0).ends_with("by step 0"));
        let from = total - 40;
        let forward: Vec<String> = (from..=total).map(&mut at).collect();
        let fed_forward = *fed.lock().unwrap();
        // The kernel ahead fed every step once; the state shown replayed at most one
        // interval to reach `from`, then went one step at a time.
        assert!(
            fed_forward <= total + SAVE_EVERY + 40,
            "{fed_forward} steps fed for {total}"
        );
        let mut back: Vec<String> = (from..=total).rev().map(&mut at).collect();
        back.reverse();
        assert_eq!(back, forward);
        let replayed = *fed.lock().unwrap() - fed_forward;
        assert!(
            replayed <= 41 * SAVE_EVERY,
            "{replayed} steps replayed for 40 steps back"
        );
        assert_eq!(forward[40], format!("{events} events by step {total}"));
        let end = checker.lines_at(total, true).remove(0);
        assert_eq!(end.verdict, CheckVerdict::Held);
    }

    #[test]
    fn saves_stay_bounded_as_the_run_grows() {
        let mut checker = Checker::with_limits(sleeper(100), Box::new(Counting::default()), 4, 8);
        checker.explore(u64::MAX, u64::MAX);
        assert!(
            checker.explored() > 8 * 4 * 4,
            "{} steps",
            checker.explored()
        );
        assert!(checker.saves.len() <= 8, "{} saves", checker.saves.len());
        assert!(checker.interval > 4, "the interval doubled");
        assert_eq!(checker.saves[0].kernel.steps(), 0);
        // Anywhere is still reachable, and gives what going there from step 0 gives.
        let total = checker.explored();
        for step in [total, 3, total / 2, 0, total - 1] {
            let mut fresh = Checker::new(sleeper(100), Box::new(Counting::default()));
            assert_eq!(checker.lines_at(step, false), fresh.lines_at(step, false));
        }
    }
}
