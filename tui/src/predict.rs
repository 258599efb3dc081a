//! Predict mode: before a new step shows, the student says what they expect of it, then
//! sees the step and learns whether they were right, and why.
//!
//! A [`Question`] is about the step after the one shown. The simulation thread takes that
//! step, reads the answer off what it did, and steps back before the student sees
//! anything (see `Command::Ask` in [`crate::sim`]), so the right answer is never written
//! by hand: it is computed from the step's trace events and the state they leave, the
//! same state the panes show once the step is revealed.
//!
//! The kind of question turns with the step's number, so that a question says nothing
//! about the step it is about: "which pane changes" (read off the panes before and after
//! the step), "whose code runs on the CPU" (the frame on top of that CPU after the step,
//! which the CPUs pane shows) and "does an interrupt come" (the step's `InterruptRaised`
//! events; not asked on a machine with no interrupt lines, where it is always no).

use crate::view::View;
use kernel_sim::cpu::FrameKind;
use kernel_sim::thread::ThreadState;
use kernel_sim::{CpuId, Kernel, TraceEvent, What};

/// The most choices a question offers: one digit key each.
pub const MAX_CHOICES: usize = 9;

/// What a question asks about the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Which pane the step changes: any that does is right.
    Pane,
    /// Whose code runs on a CPU after the step: a thread's, or none.
    Cpu,
    /// Whether the step raises an interrupt.
    Interrupt,
}

impl Ask {
    /// In the order they take turns.
    pub const ALL: [Ask; 3] = [Ask::Pane, Ask::Cpu, Ask::Interrupt];

    /// The kind asked about step `step`, among those `after` (the view after it) can
    /// judge: they take turns, step by step.
    pub fn for_step(step: u64, after: &View) -> Ask {
        let kinds: Vec<Ask> = Ask::ALL
            .into_iter()
            .filter(|&k| k != Ask::Interrupt || after.has_lines)
            .collect();
        kinds[(step % kinds.len() as u64) as usize]
    }
}

/// A question about one step, with its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The step it is about: one forward of the step shown when it was asked.
    pub step: u64,
    pub kind: Ask,
    pub text: String,
    pub choices: Vec<String>,
    /// Which of `choices` are right: at least one is.
    pub right: Vec<bool>,
    /// What the step did that makes the right choices right, as a sentence.
    pub why: String,
}

impl Question {
    /// The question of kind `kind` about the step from `before` (the view of the step
    /// shown) to `after` (the view of the next), with `kernel` the state after the next
    /// step and `events` its trace events.
    pub fn about(
        kind: Ask,
        before: &View,
        after: &View,
        kernel: &Kernel,
        events: &[TraceEvent],
    ) -> Question {
        let (text, choices, right, why) = match kind {
            Ask::Pane => panes(before, after),
            Ask::Cpu => cpu(kernel, events),
            Ask::Interrupt => interrupt(kernel, events),
        };
        debug_assert!(right.iter().any(|&r| r), "a question with no right answer");
        Question {
            step: after.step,
            kind,
            text,
            choices,
            right,
            why,
        }
    }

    /// The sentence that tells the student how their choice `chosen` fared.
    pub fn verdict(&self, chosen: usize) -> (bool, String) {
        let right = self.right[chosen];
        let choice = &self.choices[chosen];
        let text = if right {
            format!("✓ Right ({choice}): {}", self.why)
        } else {
            format!("✗ Not \"{choice}\": {}", self.why)
        };
        (right, text)
    }
}

type Parts = (String, Vec<String>, Vec<bool>, String);

/// Which pane the step changes, judged on the panes' lines as drawn.
fn panes(before: &View, after: &View) -> Parts {
    let mut panes: Vec<(String, bool)> = vec![
        ("CPUs".to_string(), before.cpus != after.cpus),
        (
            "Threads".to_string(),
            texts(&before.threads) != texts(&after.threads),
        ),
        (
            "IRPs".to_string(),
            texts(&before.irps) != texts(&after.irps),
        ),
        ("Devices".to_string(), before.devices != after.devices),
    ];
    if !after.lines_and_ports.is_empty() || !before.lines_and_ports.is_empty() {
        panes.push((
            after.side_title(),
            before.lines_and_ports != after.lines_and_ports,
        ));
    }
    let changed: Vec<&str> = panes
        .iter()
        .filter(|(_, c)| *c)
        .map(|(n, _)| n.as_str())
        .collect();
    let why = if changed.is_empty() {
        "the step changes none of these panes; only the clock, the timeline and the story move."
            .to_string()
    } else {
        format!("the step changes {}.", and_list(&changed))
    };
    let none = changed.is_empty();
    let (mut choices, mut right): (Vec<String>, Vec<bool>) = panes.into_iter().unzip();
    choices.push("none of them".into());
    right.push(none);
    (
        "Which pane will the next step change? Any one it changes is right.".into(),
        choices,
        right,
        why,
    )
}

/// A pane's rows as drawn (the selection mark aside).
fn texts<Id>(rows: &[crate::view::Row<Id>]) -> Vec<&str> {
    rows.iter().map(|r| r.text.as_str()).collect()
}

/// The CPU a step is about: the one its first event on a CPU ran on, else the first.
pub fn cpu_of(events: &[TraceEvent]) -> CpuId {
    events.iter().find_map(|e| e.cpu).unwrap_or(CpuId(0))
}

/// Whose code runs on the step's CPU after it: the thread whose frame is on top.
fn cpu(kernel: &Kernel, events: &[TraceEvent]) -> Parts {
    let id = cpu_of(events);
    let core = kernel.core();
    let cpu = &core.cpus[id.0 as usize];
    let on_top = match cpu.top() {
        Some(FrameKind::Thread { thread }) => Some(thread),
        _ => None,
    };
    // The threads that could run: those that have not exited, the right one always.
    let mut threads: Vec<kernel_sim::ThreadId> = core
        .threads
        .iter()
        .filter(|t| t.state != ThreadState::Terminated || Some(t.id) == on_top)
        .map(|t| t.id)
        .collect();
    while threads.len() > MAX_CHOICES - 1 {
        let drop = threads
            .iter()
            .rposition(|&t| Some(t) != on_top)
            .expect("more than one thread");
        threads.remove(drop);
    }
    let mut choices: Vec<String> = threads
        .iter()
        .map(|&t| kernel.thread_name(t).to_string())
        .collect();
    let mut right: Vec<bool> = threads.iter().map(|&t| Some(t) == on_top).collect();
    choices.push("no thread's".into());
    right.push(on_top.is_none());
    let below = cpu.thread().filter(|&t| Some(t) != on_top);
    let why = match cpu.top() {
        Some(FrameKind::Thread { thread }) => {
            format!(
                "after the step {id} runs {}'s code.",
                kernel.thread_name(thread)
            )
        }
        None => format!("after the step {id} is idle: no thread is ready to run."),
        Some(FrameKind::Switch { to, .. }) => format!(
            "after the step {id} runs the dispatcher, switching to {}; {} runs once the \
             switch is done.",
            kernel.thread_name(to),
            kernel.thread_name(to)
        ),
        Some(other) => {
            let what = match other {
                FrameKind::Isr { device, .. } => format!("{}'s ISR", kernel.device_name(device)),
                FrameKind::Clock => "the clock's ISR".into(),
                FrameKind::Dpc { device } | FrameKind::DpcTail { device } => {
                    format!("{}'s DPC", kernel.device_name(device))
                }
                FrameKind::Thread { .. } | FrameKind::Switch { .. } => unreachable!(),
            };
            match below {
                Some(t) => format!(
                    "after the step {id} runs {what}; {} waits underneath, frozen.",
                    kernel.thread_name(t)
                ),
                None => format!("after the step {id} runs {what}."),
            }
        }
    };
    (
        format!("After the next step, whose code runs on {id}?"),
        choices,
        right,
        why,
    )
}

/// Whether the step raises an interrupt.
fn interrupt(kernel: &Kernel, events: &[TraceEvent]) -> Parts {
    let raised: Vec<String> = events
        .iter()
        .filter_map(|e| match e.what {
            What::InterruptRaised { irq, device } => {
                Some(format!("{} asserts {irq}", kernel.device_name(device)))
            }
            _ => None,
        })
        .collect();
    let why = if raised.is_empty() {
        "the step raises no interrupt.".to_string()
    } else {
        format!("in the step {}.", and_list(&raised))
    };
    (
        "Will the next step raise an interrupt?".into(),
        vec!["yes".into(), "no".into()],
        vec![!raised.is_empty(), raised.is_empty()],
        why,
    )
}

/// "a", "a and b", "a, b and c".
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["CPUs"]), "CPUs");
        assert_eq!(and_list(&["CPUs", "IRPs"]), "CPUs and IRPs");
        assert_eq!(
            and_list(&["CPUs", "IRPs", "Devices"]),
            "CPUs, IRPs and Devices"
        );
    }

    #[test]
    fn kinds_take_turns_and_skip_interrupts_where_there_are_no_lines() {
        let mut view = View {
            has_lines: true,
            ..View::default()
        };
        let turns: Vec<Ask> = (0..4).map(|s| Ask::for_step(s, &view)).collect();
        assert_eq!(turns, [Ask::Pane, Ask::Cpu, Ask::Interrupt, Ask::Pane]);
        view.has_lines = false;
        let turns: Vec<Ask> = (0..3).map(|s| Ask::for_step(s, &view)).collect();
        assert_eq!(turns, [Ask::Pane, Ask::Cpu, Ask::Pane]);
    }
}
