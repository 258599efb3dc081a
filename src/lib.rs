//! `iosim`: the command-line front end and the wiring of the simulator.
//!
//! Start with [`load_scenario`], which turns a scenario name or file into a validated
//! scenario, and [`output::write`], which runs it and prints each event as it happens
//! ([`run_streaming`]); [`run`] instead keeps the whole trace, for the pictures in
//! [`export`]. [`expect::run_checking`] runs a scenario and judges its expectations
//! (`iosim check`). Underneath:
//! - [`scenario`]: the JSON scenario format, its validation and its error messages;
//! - [`build`]: a validated scenario becomes a kernel with devices and programs;
//! - [`catalog`]: the scenarios built into the binary;
//! - [`course`]: the course exercises (`iosim exercise`).

pub mod build;
pub mod catalog;
pub mod course;
pub mod expect;
pub mod export;
pub mod output;
pub mod scenario;

use kernel_sim::{Kernel, RunError, TraceEvent};
use scenario::ScenarioError;
use scenario::model::Scenario;
use thiserror::Error;

/// Anything that stops a command.
#[derive(Debug, Error)]
pub enum Error {
    /// The scenario is malformed or invalid; nothing ran.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The run stopped early (a runaway scenario); nothing was printed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The expectations name what the machine does not have; nothing ran.
    #[error(transparent)]
    Expect(#[from] expect::ExpectError),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
    /// The run would have held more data than its byte budget; it stopped there and
    /// nothing was printed. `needed` is the budget the whole run needs, found by running
    /// it again with the largest budget, if that run ends.
    #[error("{error}")]
    OverBudget {
        error: RunError,
        needed: Option<u64>,
    },
    /// The run passed [`MAX_KEPT_EVENTS`] in an output that keeps the whole trace; it
    /// stopped there and nothing was printed.
    #[error(
        "the run passed {cap} trace events, the cap on a kept trace: --format chrome-trace \
         and iosim svg keep the whole trace in memory; --format text, json, jsonl and \
         summary stream it and run up to machine.event_limit"
    )]
    TraceTooLong { cap: u64 },
    /// The walkthrough could not go on (the terminal failed, or the simulation thread
    /// stopped).
    #[error("the walkthrough stopped: {0}")]
    Walkthrough(std::io::Error),
    /// The command line asks for something impossible (checked beyond what clap checks).
    #[error("{0}")]
    Usage(String),
    /// Writing an output file failed.
    #[error("cannot write {file}: {source}")]
    WriteFile {
        file: String,
        source: std::io::Error,
    },
}

impl Error {
    /// The message for a person, with the offending source line for scenario errors.
    pub fn render(&self) -> String {
        match self {
            Error::Scenario(e) => e.render(),
            Error::OverBudget { needed, .. } => {
                let max = scenario::limits::MAX_BYTE_BUDGET;
                let advice = match needed {
                    Some(needed) => format!(
                        "run to its end, the scenario holds at most {needed} bytes at once; if \
                         it means to, raise the budget: --set machine.byte_budget={needed}"
                    ),
                    None => format!(
                        "even the largest budget a scenario may ask for ({max} bytes) does not \
                         see it through: issue fewer or smaller requests at once, or wait for \
                         them to complete"
                    ),
                };
                format!("error: {self}\n  = help: {advice}\n")
            }
            Error::Run(e) => format!("error: {e}\n"),
            Error::Expect(e) => format!("error: {e}\n"),
            Error::Io(e) => format!("error: cannot write the output: {e}\n"),
            Error::TraceTooLong { .. } => format!("error: {self}\n"),
            Error::Usage(message) => format!("error: {message}\n"),
            Error::Walkthrough(e) => format!("error: the walkthrough stopped: {e}\n"),
            Error::WriteFile { file, source } => format!("error: cannot write {file}: {source}\n"),
        }
    }
}

/// A scenario ready to run, and the JSON text it came from (after `--set` overrides).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub source: String,
}

/// Loads a built-in scenario by name, or a scenario file by path, applies `PATH=VALUE`
/// overrides and validates the result. A name that is neither a built-in scenario nor a
/// readable file gets the nearest built-in name suggested, or the list of them.
pub fn load_scenario(name_or_path: &str, sets: &[String]) -> Result<Loaded, Error> {
    let (label, source) = match catalog::builtin(name_or_path) {
        Some(b) => (format!("{}.json (built in)", b.name), b.source.to_string()),
        None => {
            let text =
                scenario::source::read(std::path::Path::new(name_or_path)).map_err(|error| {
                    match error {
                        ScenarioError::Read { file, reason, .. } => ScenarioError::Read {
                            file,
                            reason,
                            builtins: catalog::BUILTINS
                                .iter()
                                .map(|b| b.name.to_owned())
                                .collect(),
                        },
                        other => other,
                    }
                })?;
            (name_or_path.to_string(), text)
        }
    };
    let pairs = sets
        .iter()
        .map(|s| scenario::parse_set(s))
        .collect::<Result<Vec<_>, _>>()?;
    // The text is edited only when there are overrides; errors in overridden values carry
    // a note naming the `--set` that wrote them.
    let edited = match scenario::apply_overrides(&source, &pairs)? {
        std::borrow::Cow::Owned(text) => Some(text),
        std::borrow::Cow::Borrowed(_) => None,
    };
    let source = edited.unwrap_or(source);
    let scenario = scenario::parse_overridden(&label, &source, &pairs)?;
    Ok(Loaded { scenario, source })
}

/// The most trace events a run keeps in memory, for the outputs that need the whole trace
/// at once: `--format chrome-trace`, `iosim svg` and the walkthrough. A kept event is 56
/// bytes and those outputs peak near 86 bytes an event (measured on 28 million), so
/// 50,000,000 events need about 4.3 GB; the `machine.event_limit` maximum, 10^9, would
/// need 86 GB. The other formats stream the trace and reach `machine.event_limit` in
/// constant memory.
pub const MAX_KEPT_EVENTS: u64 = 50_000_000;

/// Runs a scenario to its end with `seed`, keeping the whole trace: for the outputs that
/// need all of it at once. Refused past [`MAX_KEPT_EVENTS`] as well as past the
/// scenario's event limit.
pub fn run(scenario: &Scenario, seed: u64) -> Result<Kernel, Error> {
    run_keeping_at_most(scenario, seed, MAX_KEPT_EVENTS)
}

/// As [`run`], with `cap` in place of [`MAX_KEPT_EVENTS`].
pub fn run_keeping_at_most(scenario: &Scenario, seed: u64, cap: u64) -> Result<Kernel, Error> {
    let limit = scenario.machine.event_limit;
    let mut kernel = build::build(scenario, seed);
    match kernel.run(limit.min(cap)) {
        Err(RunError::EventLimit { .. }) if limit > cap => Err(Error::TraceTooLong { cap }),
        Err(error) => {
            // Free this run before a second one looks for the budget it needs.
            drop(kernel);
            Err(run_error(error, scenario, seed))
        }
        Ok(()) => Ok(kernel),
    }
}

/// The error for a run that stopped: for one over its byte budget, with the budget the
/// whole run needs.
fn run_error(error: RunError, scenario: &Scenario, seed: u64) -> Error {
    match error {
        RunError::ByteBudget { .. } => Error::OverBudget {
            error,
            needed: needed_budget(scenario, seed),
        },
        other => Error::Run(other),
    }
}

/// The most data the run holds at once, found by running it again (without keeping its
/// trace) with the largest budget a scenario may ask for; `None` if even that run does
/// not end within its limits.
pub fn needed_budget(scenario: &Scenario, seed: u64) -> Option<u64> {
    let mut roomy = scenario.clone();
    roomy.machine.byte_budget = scenario::limits::MAX_BYTE_BUDGET;
    let mut kernel = build::build(&roomy, seed);
    loop {
        kernel.discard_trace();
        match kernel.step_within(roomy.machine.event_limit) {
            Ok(true) => {}
            Ok(false) => return Some(kernel.core().peak_bytes),
            Err(_) => return None,
        }
    }
}

/// Runs a scenario to its end with `seed` without keeping its trace: each event goes to
/// `each` as soon as it happens, strictly in order and exactly once, and is then dropped,
/// so memory stays that of the machine however long the run. The first error `each`
/// returns stops the run at once. The finished kernel (with an empty trace) gives the
/// summary.
pub fn run_streaming(
    scenario: &Scenario,
    seed: u64,
    mut each: impl FnMut(&Kernel, &TraceEvent) -> std::io::Result<()>,
) -> Result<Kernel, Error> {
    let kernel = build::build(scenario, seed);
    run_steps(kernel, scenario, seed, |kernel, events| {
        events.iter().try_for_each(|event| each(kernel, event))
    })
}

/// As [`run_streaming`], a step at a time: `each` gets the events each step recorded
/// (first those the build recorded, step 0, perhaps none), with the kernel as that step
/// left it. `kernel` is the machine `scenario` and `seed` built, not run yet.
pub fn run_steps(
    mut kernel: Kernel,
    scenario: &Scenario,
    seed: u64,
    mut each: impl FnMut(&mut Kernel, &[TraceEvent]) -> std::io::Result<()>,
) -> Result<Kernel, Error> {
    let limit = scenario.machine.event_limit;
    let mut batch = Vec::new();
    loop {
        // Building the machine may already have traced something: take it first.
        kernel.move_trace_into(&mut batch);
        each(&mut kernel, &batch)?;
        batch.clear();
        let stepped = match kernel.step_within(limit) {
            Ok(stepped) => stepped,
            Err(error) => {
                // Free this run before a second one looks for the budget it needs.
                drop(kernel);
                return Err(run_error(error, scenario, seed));
            }
        };
        if !stepped {
            return Ok(kernel);
        }
    }
}
