//! Advice the tool prints must work. Messages advise in two ways, and this test follows
//! every one of them the way a reader would, then runs the command again:
//!
//! - a `--set PATH=N` to run with (the event limit): it is added to the command with a
//!   value for `N`, and the run must then finish; the byte budget's advice comes with
//!   its value, and is added as it is;
//! - a "did you mean `NAME`?" (a built-in scenario, a `--set` path, a field, an op, a
//!   word): the word the message complains about is replaced by `NAME` in the command and
//!   in the scenario file, and the scenario must then load.
//!
//! The cases cover each place that prints advice; a message whose advice this test cannot
//! find or follow fails it.

use crate::iosim_in;
use std::path::{Path, PathBuf};

fn scratch(test: &str) -> PathBuf {
    crate::scratch("advice", test)
}

/// One piece of advice found in a message.
#[derive(Debug)]
enum Advice {
    /// Run again with this `--set` (its `N` already replaced).
    Set(String),
    /// Write `right` where `wrong` was written.
    Instead { wrong: String, right: String },
}

/// The value given for a placeholder `N`: large enough for any scenario here.
const N: &str = "1000000";

/// Every piece of advice in `message`.
fn advice_in(message: &str) -> Vec<Advice> {
    let mut found = Vec::new();
    let mut rest = message;
    while let Some(at) = rest.find("--set ") {
        let set: String = rest[at + 6..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if let Some(path) = set.strip_suffix("=N") {
            found.push(Advice::Set(format!("{path}={N}")));
        } else if rest[..at].ends_with("raise the budget: ") {
            found.push(Advice::Set(set.clone()));
        }
        rest = &rest[at + 6..];
    }
    // The word complained about is the first one quoted in the headline.
    let headline = message.lines().next().unwrap_or("");
    let wrong = headline.split('`').nth(1);
    let mut rest = message;
    while let Some(at) = rest.find("did you mean `") {
        let after = &rest[at + "did you mean `".len()..];
        let right = after.split('`').next().unwrap_or("");
        if let Some(wrong) = wrong {
            found.push(Advice::Instead {
                wrong: wrong.to_owned(),
                right: right.to_owned(),
            });
        }
        rest = after;
    }
    found
}

/// Runs `args` in `dir`, expects a refusal with advice, follows the advice (in the
/// arguments and in `file`, if given), and expects the command to succeed then.
fn follow_the_advice(dir: &Path, mut args: Vec<String>, file: Option<&str>) {
    let out = iosim_in(dir, &args);
    let message = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail: {message}"
    );
    let advice = advice_in(&message);
    assert!(!advice.is_empty(), "{args:?} gave no advice: {message}");
    for piece in &advice {
        match piece {
            Advice::Set(set) => args.extend(["--set".to_owned(), set.clone()]),
            Advice::Instead { wrong, right } => {
                for arg in &mut args {
                    *arg = arg.replacen(wrong.as_str(), right, 1);
                }
                if let Some(file) = file {
                    let path = dir.join(file);
                    let text = std::fs::read_to_string(&path).unwrap();
                    let quoted = |w: &str| format!("\"{w}\"");
                    std::fs::write(&path, text.replacen(&quoted(wrong), &quoted(right), 1))
                        .unwrap();
                }
            }
        }
    }
    let out = iosim_in(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "following {advice:?} from\n{message}\ngave\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn the_event_limit_advice_works_on_a_scenario_without_a_machine() {
    let dir = scratch("event-limit");
    let tour = iosim::catalog::builtin("tour").expect("built in").source;
    let text = tour.replacen("\"machine\": { \"cpus\": 1 },", "", 1);
    assert!(!text.contains("\"machine\""));
    std::fs::write(dir.join("no-machine.json"), text).unwrap();
    follow_the_advice(
        &dir,
        args(&[
            "run",
            "no-machine.json",
            "--format",
            "summary",
            "--set",
            "machine.event_limit=10",
        ]),
        None,
    );
}

#[test]
fn suggested_names_work() {
    let dir = scratch("names");
    for bad in ["unknown-field.json", "unknown-op.json"] {
        std::fs::copy(Path::new("tests/bad-scenarios").join(bad), dir.join(bad)).unwrap();
    }
    follow_the_advice(&dir, args(&["check", "tuor"]), None);
    follow_the_advice(&dir, args(&["check", "iocp-thread-pol"]), None);
    follow_the_advice(
        &dir,
        args(&["check", "tour", "--set", "machin.cpus=2"]),
        None,
    );
    follow_the_advice(
        &dir,
        args(&["check", "tour", "--set", "devices.0.disk.queue=scna"]),
        None,
    );
    follow_the_advice(
        &dir,
        args(&["check", "tour", "--set", "machine.cpu=2"]),
        None,
    );
    follow_the_advice(
        &dir,
        args(&["check", "unknown-field.json"]),
        Some("unknown-field.json"),
    );
    follow_the_advice(
        &dir,
        args(&["check", "unknown-op.json"]),
        Some("unknown-op.json"),
    );
}

#[test]
fn the_byte_budget_advice_works() {
    // Four 512 KiB reads in flight at once, on a budget of 1 MiB: the run stops at the
    // third, and the budget the message suggests is enough.
    let dir = scratch("byte-budget");
    let scenario = serde_json::json!({
        "name": "budget", "description": "more data in flight than the budget",
        "machine": {"byte_budget": 1_048_576},
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "f", "device": "disk0", "offset": 0, "length": 2_097_152}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [
            {"open": {"path": "f", "as": "f", "overlapped": true}},
            {"repeat": {"times": 4, "ops": [
                {"read_overlapped": {"file": "f", "offset": 0, "len": 524_288}}
            ]}}
        ]}]}]
    });
    std::fs::write(dir.join("budget.json"), scenario.to_string()).unwrap();
    follow_the_advice(
        &dir,
        args(&["run", "budget.json", "--format", "summary"]),
        None,
    );
}
