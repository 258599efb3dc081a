//! Bounded, whatever the input: a legal scenario that would hold more data than its
//! byte budget stops with a message naming the budget, in the command line and in the
//! walkthrough alike, and never holds more than the budget on the way.

use crate::{iosim_capped, refused, scratch};
use kernel_sim::RunError;
use serde_json::json;
use std::time::{Duration, Instant};

/// A thread that issues `times` overlapped reads of `len` bytes and never waits.
fn read_loop(times: u64, len: u64) -> iosim::scenario::Scenario {
    let src = json!({
        "name": "read-loop", "description": "overlapped reads nobody waits for",
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "big", "device": "disk0", "offset": 0, "length": 16_777_216}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [
            {"open": {"path": "big", "as": "f", "overlapped": true}},
            {"repeat": {"times": times, "ops": [
                {"read_overlapped": {"file": "f", "offset": 0, "len": len}}
            ]}}
        ]}]}]
    })
    .to_string();
    iosim::scenario::parse("read-loop.json", &src).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn buffers_in_flight_stop_at_the_byte_budget() {
    let sc = read_loop(2000, 16 * 1024 * 1024);
    let mut k = iosim::build::build(&sc, sc.seed);
    let budget = k.core().byte_budget;
    let mut most = 0;
    while k.step() {
        most = most.max(k.bytes_held());
    }
    assert!(
        most <= budget,
        "held {most} bytes, over the budget of {budget}"
    );
    let Some(RunError::ByteBudget {
        held, budget: b, ..
    }) = k.fault().cloned()
    else {
        panic!("the run should stop at its byte budget: {:?}", k.fault())
    };
    assert_eq!(b, budget);
    assert!(held > budget);
    // The command line's message says how much the run needs: more than any budget here.
    let message = iosim::run(&sc, sc.seed).unwrap_err().render();
    assert!(
        message.contains("even the largest budget a scenario may ask for"),
        "{message}"
    );
}

#[test]
fn file_contents_over_the_budget_are_refused_at_load() {
    let src = json!({
        "name": "big-files", "description": "contents over the budget",
        "machine": {"byte_budget": 1_048_576},
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [
            {"name": "a", "device": "disk0", "offset": 0, "length": 1_048_576,
             "content": {"repeat": {"text": "a", "length": 600_000}}},
            {"name": "b", "device": "disk0", "offset": 1_048_576, "length": 1_048_576,
             "content": {"repeat": {"text": "b", "length": 600_000}}}
        ],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [{"compute": {"ns": 1}}]}]}]
    })
    .to_string();
    let err = iosim::scenario::parse("big-files.json", &src).unwrap_err();
    let message = err.render();
    assert!(message.contains("files[1].content"), "{message}");
    assert!(message.contains("machine.byte_budget"), "{message}");
}

#[test]
fn a_run_under_its_budget_is_not_stopped() {
    let sc = read_loop(8, 4096);
    let k = iosim::run(&sc, sc.seed).expect("a small run ends normally");
    assert!(k.fault().is_none());
    assert_eq!(
        k.bytes_held(),
        0,
        "nothing is held once every request completed"
    );
}

#[test]
fn the_walkthrough_says_why_the_run_stopped() {
    let sc = read_loop(2000, 16 * 1024 * 1024);
    let session = tui::Session::explored(iosim::build::build(&sc, sc.seed));
    assert_eq!(session.stopped(), Some("stopped: over its byte budget"));
}

#[test]
fn synchronous_16_mib_reads_hold_one_buffer_at_a_time() {
    // Each synchronous IRP is freed once its result is delivered: the run never holds
    // more than one request's buffer, however many it makes (300 of them held 4.9 GB).
    let src = json!({
        "name": "sync-reads", "description": "big synchronous reads, one after another",
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "big", "device": "disk0", "offset": 0, "length": 16_777_216}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [
            {"open": {"path": "big", "as": "f"}},
            {"repeat": {"times": 12, "ops": [
                {"read": {"file": "f", "offset": 0, "len": 16_777_216}}
            ]}}
        ]}]}]
    })
    .to_string();
    let sc = iosim::scenario::parse("sync-reads.json", &src).unwrap();
    let k = iosim::run(&sc, sc.seed).unwrap();
    assert_eq!(k.summary().counters.irps_completed, 12);
    let one = 16 * 1024 * 1024 + kernel_sim::kernel::held::IRP;
    assert_eq!(
        k.core().peak_bytes,
        one,
        "more than one request's buffer at once"
    );
}

/// A scenario file written into `dir`.
fn write_scenario(dir: &std::path::Path, name: &str, scenario: &serde_json::Value) -> String {
    let file = format!("{name}.json");
    std::fs::write(dir.join(&file), scenario.to_string()).unwrap();
    file
}

#[test]
fn contents_past_the_budget_are_refused_before_anything_is_built() {
    // 256 files of 64 MiB: a 40 KB scenario that would need 16 GiB. Refused at load, in
    // little memory and at once.
    let dir = scratch("bounded", "many-big-files");
    let files: Vec<_> = (0..256u64)
        .map(|i| {
            json!({"name": format!("f{i}"), "device": "disk0", "offset": i * 67_108_864,
                   "length": 67_108_864, "content": {"repeat": {"text": "x", "length": 67_108_864}}})
        })
        .collect();
    let scenario = json!({
        "name": "many-big-files", "description": "256 files of 64 MiB each",
        "devices": [{"disk": {"name": "disk0", "irq": 14, "tracks": 600_000}}],
        "files": files,
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [{"compute": {"ns": 1}}]}]}]
    });
    let file = write_scenario(&dir, "many-big-files", &scenario);
    let began = Instant::now();
    let out = iosim_capped(&dir, 512 * 1024, &["run", &file, "--format", "summary"]);
    let message = refused(&out);
    assert!(began.elapsed() < Duration::from_secs(10));
    assert!(message.contains("files[16].content"), "{message}");
    assert!(message.contains("machine.byte_budget"), "{message}");
}

#[test]
fn write_data_is_built_when_the_write_runs() {
    // 400 writes of 16 MiB, each its own op: building them all up front took 6.4 GB.
    // Stopped early by its event limit, the run needs only what it reached.
    let dir = scratch("bounded", "many-big-writes");
    let writes: Vec<_> = (0..400)
        .map(|i| {
            json!({"write": {"file": "f", "offset": 0,
                   "data": {"repeat": {"text": format!("w{i}"), "length": 16_777_216}}}})
        })
        .collect();
    let mut program = vec![json!({"open": {"path": "big", "as": "f"}})];
    program.extend(writes);
    let scenario = json!({
        "name": "many-big-writes", "description": "400 writes of 16 MiB",
        "machine": {"event_limit": 60},
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "big", "device": "disk0", "offset": 0, "length": 16_777_216}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": program}]}]
    });
    let file = write_scenario(&dir, "many-big-writes", &scenario);
    let out = iosim_capped(&dir, 1024 * 1024, &["run", &file, "--format", "summary"]);
    let message = refused(&out);
    assert!(
        message.contains("trace events"),
        "stopped by its event limit: {message}"
    );
}

#[test]
fn a_run_over_its_budget_is_refused_with_what_it_needs() {
    let dir = scratch("bounded", "over-budget");
    let scenario = json!({
        "name": "over-budget", "description": "overlapped reads nobody waits for",
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "big", "device": "disk0", "offset": 0, "length": 16_777_216}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [
            {"open": {"path": "big", "as": "f", "overlapped": true}},
            {"repeat": {"times": 2000, "ops": [
                {"read_overlapped": {"file": "f", "offset": 0, "len": 16_777_216}}
            ]}}
        ]}]}]
    });
    let file = write_scenario(&dir, "over-budget", &scenario);
    let out = crate::iosim_in(&dir, &["run", &file, "--format", "summary"]);
    insta::assert_snapshot!(refused(&out));
}
