//! Integration tests, in one binary: one module per concern.

mod advice;
mod bad_input;
mod bounded;
mod checkpoints;
mod chrome_trace;
mod cli;
mod determinism;
mod guarantees;
mod hostile;
mod invariants;
mod narration;
mod scenarios;
mod segments;
mod semantics;
mod streaming;
mod svg;
mod terminal;
mod walkthrough;

use iosim::Loaded;
use iosim::output::Format;

/// Loads a scenario file with `PATH=VALUE` overrides; a load error fails the test with the
/// rendered message.
pub fn load(path: &str, sets: &[&str]) -> Loaded {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    iosim::load_scenario(path, &sets).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Runs a loaded scenario with its own seed and returns the output in `format`, through
/// the same streaming path as `iosim run`.
pub fn render(loaded: &Loaded, format: Format) -> String {
    let mut out = Vec::new();
    iosim::output::write(&mut out, &loaded.scenario, loaded.scenario.seed, format)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    String::from_utf8(out).expect("output is UTF-8")
}

/// The course scenarios (scenarios/*.json, benchmarks aside), in name order.
pub fn scenario_paths() -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .expect("the scenarios directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
}

/// `--set` overrides that shrink a benchmark scenario (8 workers, main loop at
/// `program.1`) to `passes` passes of each worker's main loop: the same shape, small
/// enough for a test.
pub fn scaled_bench(passes: u32) -> Vec<String> {
    (1..=8)
        .map(|t| format!("processes.0.threads.{t}.program.1.repeat.times={passes}"))
        .collect()
}
