//! Bounded, whatever the input: a legal scenario that would hold more data than its
//! byte budget stops with a message naming the budget, in the command line and in the
//! walkthrough alike, and never holds more than the budget on the way.

use kernel_sim::RunError;
use serde_json::json;

/// A thread that issues `times` overlapped reads of `len` bytes and never waits.
fn read_loop(times: u64, len: u64) -> iosim::scenario::Scenario {
    let src = json!({
        "name": "read-loop", "description": "overlapped reads nobody waits for",
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "big", "device": "disk0", "offset": 0, "length": 16_777_216}],
        "processes": [{"name": "p", "threads": [{"name": "T", "program": [
            {"open": {"path": "big", "as": "f"}},
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
