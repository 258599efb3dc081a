//! The walkthrough's view of a scenario's expectations: an [`Evaluator`] as the
//! [`tui::Checks`] the walkthrough feeds step by step and asks, at the step on screen,
//! where each expectation stands, in the words `iosim check` uses.

use kernel_sim::{Kernel, TraceEvent};
use tui::{CheckLine, CheckVerdict, Checks};

use super::{Evaluator, ExpectError, Standing, Verdict};
use crate::scenario::expect::Expectation;

/// A scenario's expectations, judged for the walkthrough.
#[derive(Clone)]
pub struct WalkthroughChecks {
    evaluator: Evaluator<'static>,
}

impl WalkthroughChecks {
    /// The checks of `expectations` on the run of `kernel`, as built (its threads are
    /// looked up by name now).
    ///
    /// An evaluator borrows its expectations, and the walkthrough's simulation thread
    /// keeps it (and copies of it) until the walkthrough ends, so the expectations are
    /// leaked: once per walkthrough, a few kilobytes at most (256 expectations).
    pub fn new(expectations: &[Expectation], kernel: &Kernel) -> Result<Self, ExpectError> {
        let expectations: &'static [Expectation] = Vec::leak(expectations.to_vec());
        Ok(Self {
            evaluator: Evaluator::new(expectations, kernel)?,
        })
    }
}

impl Checks for WalkthroughChecks {
    fn step(&mut self, kernel: &mut Kernel, events: &[TraceEvent]) {
        self.evaluator.step(kernel, events);
    }

    fn lines(&self, kernel: &Kernel, ended: bool) -> Vec<CheckLine> {
        self.evaluator
            .standing(kernel, ended)
            .into_iter()
            .map(line)
            .collect()
    }

    fn save(&self) -> Box<dyn Checks> {
        Box::new(self.clone())
    }
}

/// One expectation's line: held; broken, with what `iosim check` says of it; or not yet,
/// saying for one judged at the end how it would stand if the run ended at this step.
fn line(standing: Standing) -> CheckLine {
    match standing {
        Standing::Judged(v) if v.held() => CheckLine {
            label: label(v.index, &v.expectation),
            verdict: CheckVerdict::Held,
            detail: Vec::new(),
        },
        Standing::Judged(v) => CheckLine {
            label: label(v.index, &v.expectation),
            verdict: CheckVerdict::Broken,
            detail: check_words(&v),
        },
        Standing::Ahead { index, expectation } => CheckLine {
            label: label(index, &expectation),
            verdict: CheckVerdict::NotYet,
            detail: Vec::new(),
        },
        Standing::AtEnd(v) => CheckLine {
            label: label(v.index, &v.expectation),
            verdict: CheckVerdict::NotYet,
            detail: vec![if v.held() {
                "judged at the end of the run; at this step it would hold".to_owned()
            } else {
                format!(
                    "judged at the end of the run; at this step it would break, found: {}",
                    v.found
                )
            }],
        },
    }
}

/// "[3] T1's 1st ReadFile returns FALSE", numbered as `iosim check` numbers it.
fn label(index: usize, expectation: &str) -> String {
    format!("[{index}] {expectation}")
}

/// What `iosim check` prints under a broken verdict (expected, found, where), each line
/// without its indent.
fn check_words(verdict: &Verdict) -> Vec<String> {
    let mut text = Vec::new();
    crate::output::write_verdicts_text(&mut text, std::slice::from_ref(verdict))
        .expect("writing to memory");
    String::from_utf8(text)
        .expect("verdicts are UTF-8")
        .lines()
        .skip(1)
        .map(|l| l.trim_start().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each step's lines, fed the run of the example that states one expectation of each
    /// subject at each kind of moment; the last as the walkthrough shows the run's end.
    fn lines_at_every_step() -> Vec<Vec<CheckLine>> {
        let loaded = crate::load_scenario("tests/expectations/all-hold.json", &[]).unwrap();
        let s = &loaded.scenario;
        let kernel = crate::build::build(s, s.seed);
        let mut checks = WalkthroughChecks::new(&s.expect, &kernel).unwrap();
        let mut steps = Vec::new();
        let end = crate::run_steps(kernel, s, s.seed, |kernel, events| {
            checks.step(kernel, events);
            steps.push(checks.lines(kernel, false));
            Ok(())
        })
        .unwrap();
        *steps.last_mut().unwrap() = checks.lines(&end, true);
        steps
    }

    #[test]
    fn a_verdict_is_final_once_its_moment_has_come() {
        let steps = lines_at_every_step();
        let end = steps.last().unwrap();
        assert!(end.iter().all(|l| l.verdict == CheckVerdict::Held));
        // At step 0, only the expectation about step 0 is judged.
        let judged: Vec<&str> = steps[0]
            .iter()
            .filter(|l| l.verdict != CheckVerdict::NotYet)
            .map(|l| l.label.as_str())
            .collect();
        assert_eq!(judged, ["[9] at step 0 (as built): W1 has not started"]);
        for (step, lines) in steps.iter().enumerate() {
            for (now, last) in lines.iter().zip(end) {
                if now.verdict != CheckVerdict::NotYet {
                    assert_eq!(now, last, "step {step}");
                }
            }
        }
        // One judged at the end says, before it, how it would stand.
        let before = &steps[steps.len() - 2][17];
        assert_eq!(before.label, "[17] 4 InterruptRaised events happen");
        assert_eq!(
            before.detail,
            ["judged at the end of the run; at this step it would hold"]
        );
        assert_eq!(steps[1][17].verdict, CheckVerdict::NotYet);
        assert_eq!(
            steps[1][17].detail,
            ["judged at the end of the run; at this step it would break, found: 0"]
        );
    }
}
