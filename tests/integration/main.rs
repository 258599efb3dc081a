//! Integration tests, in one binary: one module per concern.

mod advice;
mod bad_input;
mod bounded;
mod checkpoints;
mod chrome_trace;
mod cli;
mod conformance;
mod course;
mod determinism;
mod expect;
mod guarantees;
mod hostile;
mod invariants;
mod kernel_objects;
mod narration;
mod outputs;
mod pipes;
mod scenarios;
mod screen;
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

/// A fresh scratch directory for one test, under Cargo's temporary directory.
pub fn scratch(group: &str, test: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// `iosim ARGS` run in `dir`, so that messages show file names relative to it.
pub fn iosim_in<S: AsRef<std::ffi::OsStr>>(
    dir: &std::path::Path,
    args: &[S],
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_iosim"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs the binary")
}

/// `iosim ARGS` in `dir` with its address space capped at `limit_kib` (`ulimit -v`): an
/// allocation past the cap fails, and the binary aborts or reports it, so a bound on
/// memory is one the test can see broken.
pub fn iosim_capped(dir: &std::path::Path, limit_kib: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_iosim"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs the binary under sh")
}

/// The binary's error output; it must have failed with exit code 2 and written nothing
/// on stdout.
pub fn refused(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "partial output: {stderr}");
    stderr
}

/// Runs `iosim ARGS` and checks it succeeded (exit 0), saying why if not.
pub fn succeeds(args: &[&str]) -> std::process::Output {
    let out = iosim_in(std::path::Path::new("."), args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
