//! `iosim`: the command-line front end and the wiring of the simulator.
//!
//! Start with [`load_scenario`] and [`run`]: they turn a scenario name or file into a
//! finished [`kernel_sim::Kernel`], whose trace [`output`] prints. Underneath:
//! - [`scenario`]: the JSON scenario format, its validation and its error messages;
//! - [`build`]: a validated scenario becomes a kernel with devices and programs;
//! - [`catalog`]: the scenarios built into the binary.

pub mod build;
pub mod catalog;
pub mod export;
pub mod output;
pub mod scenario;

use kernel_sim::{Kernel, RunError};
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
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
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
            Error::Run(e) => format!("error: {e}\n"),
            Error::Io(e) => format!("error: cannot write the output: {e}\n"),
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

/// Runs a scenario to its end with `seed`.
pub fn run(scenario: &Scenario, seed: u64) -> Result<Kernel, Error> {
    let mut kernel = build::build(scenario, seed);
    kernel.run(scenario.machine.event_limit)?;
    Ok(kernel)
}
