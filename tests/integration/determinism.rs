//! A run is a pure function of (scenario, seed).

use crate::{load, render};
use iosim::output::Format;

/// The first line where two outputs differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i + 1, x.to_string(), y.to_string()))
        .or_else(|| {
            (a.lines().count() != b.lines().count())
                .then(|| (0, "lengths differ".into(), String::new()))
        })
}

#[test]
fn same_seed_gives_identical_json() {
    for name in [
        "tour",
        "apc-completion-routines",
        "iocp-thread-pool",
        "disk-elevator",
    ] {
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let a = render(&loaded, Format::Json);
        let b = render(&loaded, Format::Json);
        assert_eq!(
            first_difference(&a, &b),
            None,
            "{name} differs between runs"
        );
        assert_eq!(a, b);
    }
}

#[test]
fn another_seed_changes_a_random_workload() {
    let a = load("scenarios/disk-elevator.json", &["seed=7"]);
    let b = load("scenarios/disk-elevator.json", &["seed=8"]);
    let (ta, tb) = (render(&a, Format::Jsonl), render(&b, Format::Jsonl));
    assert!(
        first_difference(&ta, &tb).is_some(),
        "random offsets should differ"
    );
}

#[test]
fn jsonl_is_the_json_names_then_events_one_per_line() {
    let loaded = load("scenarios/tour.json", &[]);
    let doc: serde_json::Value = serde_json::from_str(&render(&loaded, Format::Json)).unwrap();
    let lines: Vec<serde_json::Value> = render(&loaded, Format::Jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0], serde_json::json!({ "names": doc["names"] }));
    let events = doc["events"].as_array().unwrap();
    assert_eq!(&lines[1..=events.len()], &events[..]);
    assert_eq!(lines.len(), events.len() + 2);
    assert_eq!(lines.last().unwrap()["summary"], doc["summary"]);
    assert_eq!(doc["scenario"], "tour");
    assert_eq!(doc["seed"], 1);
}
