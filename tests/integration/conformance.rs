//! The conformance suite (`scenarios/conformance/`): small scenarios, each stating one
//! documented behaviour of Windows as expectations, with its source named in its
//! description. Every one loads, states at least one expectation, and every expectation
//! holds of its run; see scenarios/conformance/README.md for the rules.

use crate::load;
use iosim::expect::run_checking;
use std::path::PathBuf;

const DIR: &str = "scenarios/conformance";

/// How many scenarios the suite held when this was last raised: deleting one fails
/// `the_suite_is_complete`. Raise it when adding scenarios.
const SCENARIOS: usize = 83;

/// The suite's scenario files, in name order.
pub fn suite() -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(DIR)
        .expect("the conformance directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
}

/// What a description must name as its source (README.md, "Sources"): a Microsoft Learn
/// page by its title, a man page, or a test file of this repository.
fn names_a_source(description: &str) -> bool {
    let learn = description
        .split("Microsoft Learn: ")
        .skip(1)
        .any(|title| title.starts_with(|c: char| c.is_ascii_alphanumeric()));
    let test_file = description.split_whitespace().any(|word| {
        word.contains("tests/") && word.trim_end_matches([')', ',', '.', ';']).ends_with(".rs")
    });
    learn || description.contains("man page") || test_file
}

#[test]
fn every_conformance_scenario_states_its_source_and_every_expectation_holds() {
    let mut failures = Vec::new();
    for path in suite() {
        let shown = path.display().to_string();
        let loaded = load(&shown, &[]);
        let scenario = &loaded.scenario;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if scenario.name != stem {
            failures.push(format!("{shown}: named `{}`, not `{stem}`", scenario.name));
        }
        if !names_a_source(&scenario.description) {
            failures.push(format!(
                "{shown}: the description names no source (\"Microsoft Learn: <title>\", \
                 a man page or a tests/....rs file): {}",
                scenario.description
            ));
        }
        if scenario.expect.is_empty() {
            failures.push(format!("{shown}: states no expectation"));
            continue;
        }
        let (_, verdicts) = run_checking(scenario, scenario.seed, |_, _| Ok(()))
            .unwrap_or_else(|e| panic!("{shown}: {}", e.render()));
        let broken: Vec<_> = verdicts.into_iter().filter(|v| !v.held()).collect();
        if !broken.is_empty() {
            let mut report = Vec::new();
            iosim::output::write_verdicts_text(&mut report, &broken).expect("writes to memory");
            failures.push(format!(
                "{shown}: {} broken\n{}",
                broken.len(),
                String::from_utf8_lossy(&report)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_suite_is_complete() {
    let found: Vec<_> = suite()
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .collect();
    assert!(
        found.len() >= SCENARIOS,
        "{DIR} holds {} scenarios, fewer than {SCENARIOS}: {}",
        found.len(),
        found.join(", ")
    );
}

#[test]
fn a_source_is_a_learn_page_a_man_page_or_a_test_file() {
    assert!(names_a_source(
        "Packets come out first in, first out (Microsoft Learn: I/O Completion Ports)"
    ));
    assert!(names_a_source(
        "A read at the end returns 0 (read(2) man page)"
    ));
    assert!(names_a_source("As tests/integration/pipes.rs pins it."));
    assert!(!names_a_source("Packets come out first in, first out"));
    assert!(!names_a_source("Microsoft Learn: "));
    assert!(!names_a_source("see tests/ for more"));
}

/// Each conformance scenario's narrated trace is pinned too: a change to the simulator
/// that alters how a documented behaviour unfolds shows as a diff, even where every
/// expectation still holds.
#[test]
fn every_conformance_trace_is_pinned() {
    insta::glob!("../../scenarios/conformance", "*.json", |path| {
        let loaded = load(path.to_str().unwrap(), &[]);
        insta::assert_snapshot!(crate::render(&loaded, iosim::output::Format::Text));
    });
}
