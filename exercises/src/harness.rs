//! Running an exercise: the scenario is built with the student's piece in place
//! ([`iosim::build::build_with`]), run to its end, and written as the graded document:
//! a heading, one narrated line per event (the format of `iosim run --format text`), a
//! blank line and the summary.
//!
//! The piece runs inside the kernel, which cannot stop for it: when it returns
//! [`NotWritten`](crate::NotWritten) or does something it may never do, its adapter
//! reports that in a [`Slot`], answers the kernel with something harmless, and the
//! harness stops the run after the step and returns the report. A run that stops early is
//! never graded: its document would differ from the reference's for a reason the report
//! states better.

use crate::{Exercise, ExerciseError};
use iosim::build::{Parts, build_with};
use kernel_sim::trace::{Narrator, format_time};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

/// What a piece got wrong, as its adapter reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrong {
    /// The piece returned [`NotWritten`](crate::NotWritten) with this message.
    NotWritten(&'static str),
    /// The piece did something it may never do; the sentence says what.
    Misused(String),
}

/// Where a piece's adapter reports what went wrong, shared with the harness. Only the
/// first report counts: what follows it may be its consequence.
#[derive(Debug, Default)]
pub struct Slot(Mutex<Option<Wrong>>);

impl Slot {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Records `wrong` unless something was reported before.
    pub fn report(&self, wrong: Wrong) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(wrong);
    }

    fn take(&self) -> Option<Wrong> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Runs `exercise`'s scenario with `parts` plugged in and returns the graded document,
/// or what stopped it. `slot` is where the parts report; `on_limit` is the hint given
/// when the run passes its event limit.
pub fn run(
    exercise: &Exercise,
    parts: &Parts,
    slot: &Slot,
    on_limit: &'static str,
) -> Result<String, ExerciseError> {
    let name = exercise.name;
    let scenario =
        iosim::scenario::parse(exercise.scenario_file, exercise.scenario).map_err(|e| {
            ExerciseError::Scenario {
                exercise: name,
                error: e.render(),
            }
        })?;
    let seed = scenario.seed;
    let limit = scenario.machine.event_limit;
    let mut kernel = build_with(&scenario, seed, parts);
    let mut narrator = Narrator::new();
    let mut document = format!("exercise {name}: {}, seed {seed}\n", exercise.scenario_file);
    let mut batch = Vec::new();
    loop {
        kernel.move_trace_into(&mut batch);
        for event in &batch {
            let sentence = narrator.narrate(&kernel, event);
            let cpu = event.cpu.map_or_else(|| "-".to_string(), |c| c.to_string());
            writeln!(
                document,
                "{:>14}  {cpu:<5} {:<22} {sentence}",
                format_time(event.time),
                event.what.kind(),
            )
            .expect("writing to a String cannot fail");
        }
        batch.clear();
        if let Some(wrong) = slot.take() {
            return Err(match wrong {
                Wrong::NotWritten(message) => ExerciseError::NotWritten {
                    exercise: name,
                    message,
                },
                Wrong::Misused(what) => ExerciseError::Misused {
                    exercise: name,
                    time: format_time(kernel.now()),
                    what,
                },
            });
        }
        match kernel.step_within(limit) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                return Err(ExerciseError::Run {
                    exercise: name,
                    error: error.to_string(),
                    hint: on_limit,
                });
            }
        }
    }
    document.push('\n');
    let mut summary = Vec::new();
    iosim::output::write_summary_text(&mut summary, &kernel.summary())
        .expect("writing to a Vec cannot fail");
    document.push_str(&String::from_utf8(summary).expect("the summary is UTF-8"));
    Ok(document)
}
