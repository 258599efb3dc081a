//! Expectations: what a scenario states must hold of its run, judged by `iosim check`.
//! One scenario states one of each subject at each kind of moment, all true; the same
//! run with wrong values gets each one broken, with what it found and the event where
//! the trace shows it; the moments are checked against the kernel's own state at every
//! step; and the command line's exit codes, outputs and memory are pinned.

use crate::{iosim_in, load, refused, render, scratch};
use iosim::expect::{Outcome, Place, Verdict, run_checking};
use iosim::output::Format;
use iosim::scenario::expect::{Expectation, Moment, ThreadState};
use iosim::scenario::model::Scenario;
use kernel_sim::{Kernel, TraceEvent};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// A run of two processes: T1 reads with completion routines, cancels an overlapped read
/// and sleeps alertably; a server's Main reads through completion port P1 (concurrency
/// 1) and posts a packet, which its workers W1 and W2 take.
const HOLD: &str = "tests/expectations/all-hold.json";

/// The example scenario with `expect` in place of its own.
fn with_expect(expect: Value) -> Scenario {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(HOLD).expect("readable")).expect("JSON");
    doc["expect"] = expect;
    iosim::scenario::parse("expect.json", &doc.to_string())
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

fn verdicts(scenario: &Scenario) -> Vec<Verdict> {
    run_checking(scenario, scenario.seed, |_, _| Ok(()))
        .unwrap_or_else(|e| panic!("{}", e.render()))
        .1
}

/// The whole run, each event with the step that recorded it, and the kernel after
/// each step (step 0: as built).
struct Stepped {
    events: Vec<(u64, TraceEvent)>,
    /// After each step: its time, and each thread's state as an expectation names it.
    states: Vec<(u64, Vec<ThreadState>)>,
    end: Kernel,
}

fn stepped(scenario: &Scenario) -> Stepped {
    let mut kernel = iosim::build::build(scenario, scenario.seed);
    let mut events = Vec::new();
    let mut states = Vec::new();
    loop {
        let step = kernel.core().steps;
        let mut batch = Vec::new();
        kernel.move_trace_into(&mut batch);
        events.extend(batch.into_iter().map(|e| (step, e)));
        let threads = kernel
            .core()
            .threads
            .iter()
            .map(|t| ThreadState::of(&t.state))
            .collect();
        states.push((kernel.now(), threads));
        if !kernel.step() {
            break;
        }
    }
    Stepped {
        events,
        states,
        end: kernel,
    }
}

#[test]
fn every_expectation_of_the_example_holds() {
    let loaded = load(HOLD, &[]);
    let scenario = &loaded.scenario;
    let subjects: BTreeSet<&str> = scenario.expect.iter().map(Expectation::subject).collect();
    assert_eq!(subjects.len(), 7, "one of each subject: {subjects:?}");
    let moments: BTreeSet<&str> = scenario
        .expect
        .iter()
        .map(|e| match e.at() {
            None => "end",
            Some(Moment::Ns(_)) => "ns",
            Some(Moment::After(_)) => "after",
            Some(Moment::Step(_)) => "step",
        })
        .collect();
    assert_eq!(moments, BTreeSet::from(["after", "end", "ns", "step"]));

    let got = verdicts(scenario);
    assert_eq!(got.len(), scenario.expect.len());
    for v in &got {
        assert_eq!(v.verdict, Outcome::Held, "{v:#?}");
        assert!(!v.expected.is_empty(), "{v:#?}");
    }
    assert_eq!(got, verdicts(scenario), "a second run judges the same");
}

/// Where a broken expectation's value comes from.
enum At {
    /// The event of this kind that set it (and, for an event about one IRP, its IRP).
    Event(&'static str, Option<u64>),
    /// The moment it was checked: the end of the run, or after this step.
    End,
    Step(u64),
}

#[test]
fn wrong_values_are_broken_with_what_was_found_and_where() {
    let run = stepped(&load(HOLD, &[]).scenario);
    let count = |kind: &str| {
        run.events
            .iter()
            .filter(|(_, e)| e.what.kind() == kind)
            .count()
    };
    let steps = run.end.core().steps;
    let rows: Vec<(Value, String, At)> = vec![
        (
            json!({"irp": {"irp": 3, "status": "STATUS_SUCCESS", "bytes": 0}}),
            "STATUS_CANCELLED and 0 bytes".into(),
            At::Event("IrpCompleted", Some(3)),
        ),
        (
            json!({"irp": {"irp": 9, "status": "STATUS_SUCCESS"}}),
            format!("no IRP9: {} IRPs created", count("IrpCreated")),
            At::End,
        ),
        (
            json!({"irp": {"irp": 2, "status": "STATUS_PENDING", "at": {"ns": 12_000_000}}}),
            "STATUS_SUCCESS and 4096 bytes".into(),
            At::Event("IrpCompleted", Some(2)),
        ),
        (
            json!({"call": {"thread": "T1", "call": "ReadFile", "returns": "TRUE", "error": "none"}}),
            "FALSE with ERROR_IO_PENDING".into(),
            At::Event("CallReturned", None),
        ),
        (
            json!({"call": {"thread": "T1", "call": "ReadFile", "nth": 2, "returns": "FALSE"}}),
            "only 1 ReadFile call returned to T1".into(),
            At::End,
        ),
        (
            json!({"call": {"thread": "T1", "call": "CreateFile", "returns": "handle", "at": {"step": 0}}}),
            "no CreateFile call returned to T1 by then".into(),
            At::Step(0),
        ),
        (
            json!({"thread": {"thread": "T1", "state": "running",
                              "at": {"after": {"kind": "IrpCompleted", "nth": 2}}}}),
            "is waiting, has 2 APCs queued and has run 0 APC routines".into(),
            At::Event("ThreadWaiting", None),
        ),
        (
            json!({"thread": {"thread": "T1", "apcs_run": 3}}),
            "has exited, has 0 APCs queued and has run 2 APC routines".into(),
            At::Event("ApcRun", Some(2)),
        ),
        (
            json!({"port": {"port": "P1", "waiting": 2, "at": {"ns": 5_000_000}}}),
            "has 0 packets queued, a running count of 0 and 1 thread waiting".into(),
            At::Event("ThreadWoken", None),
        ),
        (
            json!({"port": {"port": "P1", "queued": 1, "at": {"step": 0}}}),
            "no port P1 created by then".into(),
            At::Step(0),
        ),
        (
            json!({"packet": {"port": "P1", "thread": "W1"}}),
            "goes to W2, has key 9 and is a posted packet (no IRP)".into(),
            At::Event("PacketDequeued", None),
        ),
        (
            // A posted packet's byte count is the poster's: 0 when it gave none.
            json!({"packet": {"port": "P1", "bytes": 512}}),
            "goes to W2, has key 9, reports 0 bytes and is a posted packet (no IRP)".into(),
            At::Event("PacketDequeued", None),
        ),
        (
            json!({"packet": {"port": "P1", "nth": 4, "key": 7}}),
            format!("only {} packets dequeued from P1", count("PacketDequeued")),
            At::End,
        ),
        (
            json!({"order": {"of": "completions", "is": [1, 3, 2, 4, 5]}}),
            "IRP1, IRP2, IRP3, IRP4, IRP5".into(),
            At::Event("IrpCompleted", Some(2)),
        ),
        (
            json!({"order": {"of": "completions", "is": [1]}}),
            format!("IRP1, IRP2, ... ({} in all)", count("IrpCompleted")),
            At::Event("IrpCompleted", Some(2)),
        ),
        (
            json!({"order": {"of": "apcs", "thread": "T1", "is": [1]}}),
            "IRP1, IRP2".into(),
            At::Event("ApcRun", Some(2)),
        ),
        (
            json!({"order": {"of": "packets", "port": "P1", "is": [null, 4, 5, 6]}}),
            "posted, IRP4, IRP5".into(),
            At::End,
        ),
        (
            json!({"count": {"of": "InterruptRaised", "is": 3}}),
            count("InterruptRaised").to_string(),
            At::Event("InterruptRaised", None),
        ),
        (
            json!({"count": {"of": "InterruptRaised", "is": 5}}),
            count("InterruptRaised").to_string(),
            At::End,
        ),
        (
            json!({"count": {"of": "IrpCompleted", "is": 1,
                             "at": {"after": {"kind": "InterruptRaised", "nth": 9}}}}),
            format!(
                "the run has only {} InterruptRaised events",
                count("InterruptRaised")
            ),
            At::End,
        ),
        (
            json!({"count": {"of": "IrpCompleted", "is": 1, "at": {"step": 100_000}}}),
            format!("the run has only {steps} steps"),
            At::End,
        ),
    ];
    let scenario = with_expect(Value::Array(rows.iter().map(|r| r.0.clone()).collect()));
    let lines: Vec<Value> = render(
        &iosim::Loaded {
            scenario: scenario.clone(),
            source: String::new(),
        },
        Format::Jsonl,
    )
    .lines()
    .map(|l| serde_json::from_str(l).expect("a JSON line"))
    .collect();
    let got = verdicts(&scenario);
    assert_eq!(got.len(), rows.len());
    for (v, (expectation, found, at)) in got.iter().zip(&rows) {
        assert_eq!(v.verdict, Outcome::Broken, "{expectation}: {v:#?}");
        assert_eq!(&v.found, found, "{expectation}");
        match (&v.place, at) {
            (Place::Event(e), At::Event(kind, irp)) => {
                let (step, event) = &run.events[e.index as usize];
                assert_eq!(e.kind, *kind, "{expectation}");
                assert_eq!(event.what.kind(), *kind, "{expectation}");
                assert_eq!((e.time, e.step), (event.time, *step), "{expectation}");
                if let Some(irp) = irp {
                    assert_eq!(event.what.irp().map(|i| i.0), Some(*irp), "{expectation}");
                }
                // The line `--format jsonl` prints for the event, sentence and all (after
                // the line of names).
                let line = &lines[e.index as usize + 1];
                assert_eq!(line["kind"], *kind, "{expectation}");
                let text = line["text"].as_str().expect("a sentence");
                assert!(text.starts_with(&e.text), "{expectation}: {text}");
            }
            (Place::Checked(c), At::End) => {
                assert!(c.end, "{expectation}");
                assert_eq!(c.step, steps, "{expectation}");
                let last = c.last_event.as_ref().expect("the run recorded events");
                assert_eq!(last.index as usize, run.events.len() - 1, "{expectation}");
            }
            (Place::Checked(c), At::Step(step)) => {
                assert!(!c.end, "{expectation}");
                assert_eq!(c.step, *step, "{expectation}");
            }
            (place, _) => panic!("{expectation}: {place:#?}"),
        }
    }
}

/// Every moment reads the state the kernel had then: a thread's state at each step, at
/// each time a step happens and just before it, and after every event of three kinds,
/// against the state recorded by stepping the kernel; and a count at a time against the
/// events at or before it.
#[test]
fn moments_read_the_state_of_their_step() {
    let base = load(HOLD, &[]).scenario;
    let run = stepped(&base);
    let names: Vec<String> = run
        .end
        .core()
        .threads
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let state_after = |step: usize| &run.states[step].1;
    // The last step at or before `t` (step 0 if none is).
    let step_at = |t: u64| run.states.iter().rposition(|(at, _)| *at <= t).unwrap_or(0);
    let thread_at = |thread: usize, state: ThreadState, at: Value| -> Value {
        json!({"thread": {"thread": names[thread], "state": state, "at": at}})
    };
    let mut expect = Vec::new();
    for (step, states) in run.states.iter().enumerate() {
        for (thread, state) in states.1.iter().enumerate() {
            expect.push(thread_at(thread, *state, json!({"step": step})));
        }
        for t in [states.0.saturating_sub(1), states.0] {
            for (thread, state) in state_after(step_at(t)).iter().enumerate() {
                expect.push(thread_at(thread, *state, json!({"ns": t})));
            }
            let idle = run
                .events
                .iter()
                .filter(|(_, e)| e.time <= t && e.what.kind() == "CpuIdle")
                .count();
            expect.push(json!({"count": {"of": "CpuIdle", "is": idle, "at": {"ns": t}}}));
        }
    }
    for kind in ["IrpCompleted", "ThreadWaiting", "InterruptRaised"] {
        let steps: Vec<u64> = run
            .events
            .iter()
            .filter(|(_, e)| e.what.kind() == kind)
            .map(|(step, _)| *step)
            .collect();
        for (n, step) in steps.iter().enumerate() {
            let at = json!({"after": {"kind": kind, "nth": n + 1}});
            for (thread, state) in state_after(*step as usize).iter().enumerate() {
                expect.push(thread_at(thread, *state, at.clone()));
            }
        }
    }
    // More than a scenario may state: the evaluator itself has no such limit.
    let mut scenario = base.clone();
    scenario.expect = expect
        .into_iter()
        .map(|e| serde_json::from_value(e).expect("an expectation"))
        .collect();
    assert!(scenario.expect.len() > 1000, "{}", scenario.expect.len());
    for v in verdicts(&scenario) {
        assert!(v.held(), "{v:#?}");
    }
}

/// `Kernel::next_time` is the time of the step that follows, and looking changes
/// nothing the run does.
#[test]
fn the_next_steps_time_is_known_before_it_is_taken() {
    let scenario = load(HOLD, &[]).scenario;
    let mut looked = iosim::build::build(&scenario, scenario.seed);
    let mut times = Vec::new();
    loop {
        let next = looked.next_time();
        let stepped = looked.step();
        assert_eq!(next, stepped.then(|| looked.now()));
        times.push(next);
        if !stepped {
            break;
        }
    }
    let plain = iosim::run(&scenario, scenario.seed).expect("the run ends");
    assert_eq!(looked.trace(), plain.trace());
    assert_eq!(looked.core().steps, plain.core().steps);
    assert!(times.windows(2).all(|w| w[0] <= w[1] || w[1].is_none()));
}

/// The example with its expectations 3, 8 and 17 made wrong: a held-and-broken mix.
fn mix(dir: &Path) -> &'static str {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(HOLD).expect("readable")).expect("JSON");
    doc["name"] = json!("expectations-mix");
    doc["expect"][3]["call"]["returns"] = json!("TRUE");
    doc["expect"][8]["thread"]["apcs_run"] = json!(1);
    doc["expect"][17]["count"]["is"] = json!(5);
    std::fs::write(dir.join("mix.json"), doc.to_string()).expect("writable");
    "mix.json"
}

#[test]
fn check_exits_0_when_all_hold_1_when_one_breaks_and_2_on_bad_input() {
    let dir = scratch("expect", "exit_codes");
    let holds = iosim_in(Path::new("."), &["check", HOLD]);
    assert_eq!(holds.status.code(), Some(0));
    let out = String::from_utf8(holds.stdout).unwrap();
    assert!(
        out.starts_with("expectations-hold, seed 3: expectations: 20 of 20 held\n"),
        "{out}"
    );

    let mixed = iosim_in(&dir, &["check", mix(&dir)]);
    assert_eq!(mixed.status.code(), Some(1));
    assert!(mixed.stderr.is_empty());
    insta::assert_snapshot!(String::from_utf8(mixed.stdout).unwrap());

    let bad = iosim_in(
        Path::new("."),
        &["check", "tests/bad-scenarios/expect-unknown-thread.json"],
    );
    let message = refused(&bad);
    assert!(message.contains("no thread named `W2`"), "{message}");

    // The seed is the command line's when it gives one.
    let seeded = iosim_in(Path::new("."), &["check", HOLD, "--seed", "11"]);
    let out = String::from_utf8(seeded.stdout).unwrap();
    assert!(out.starts_with("expectations-hold, seed 11: "), "{out}");

    // Without expectations, check validates and says so, as it always did.
    let plain = iosim_in(Path::new("."), &["check", "tour"]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(
        String::from_utf8(plain.stdout)
            .unwrap()
            .starts_with("tour: ok (")
    );
}

#[test]
fn run_prints_the_verdicts_in_every_format() {
    let loaded = load(HOLD, &[]);
    let verdicts = serde_json::to_value(verdicts(&loaded.scenario)).unwrap();
    assert_eq!(verdicts.as_array().map(Vec::len), Some(20));

    let text = render(&loaded, Format::Text);
    let tail = text
        .split("\nexpectations: ")
        .nth(1)
        .expect("verdicts after the summary");
    assert!(
        tail.starts_with("20 of 20 held\n  [0] IRP3 completes"),
        "{tail}"
    );
    assert!(text.find("\nsummary\n") < text.find("\nexpectations: "));

    let json: Value = serde_json::from_str(&render(&loaded, Format::Json)).expect("one document");
    assert_eq!(json["expectations"], verdicts);

    let jsonl = render(&loaded, Format::Jsonl);
    let last: Value = serde_json::from_str(jsonl.lines().last().unwrap()).unwrap();
    assert_eq!(last, json!({ "expectations": verdicts }));

    let summary: Value = serde_json::from_str(&render(&loaded, Format::Summary)).unwrap();
    assert_eq!(summary["expectations"], verdicts);
    assert_eq!(summary["events"], json["summary"]["events"]);

    // A scenario without expectations prints none, in any format.
    let tour = load("tour", &[]);
    for format in [Format::Text, Format::Json, Format::Jsonl, Format::Summary] {
        assert!(
            !render(&tour, format).contains("expectations"),
            "{format:?}"
        );
    }
}

#[test]
fn the_schema_describes_expectations() {
    let schema = iosim::scenario::schema();
    assert_eq!(
        schema["properties"]["expect"]["items"]["$ref"],
        "#/$defs/Expectation"
    );
    let keys = |def: &str| -> Vec<String> {
        schema["$defs"][def]["oneOf"]
            .as_array()
            .expect("a oneOf")
            .iter()
            .map(|v| v["required"][0].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        keys("Expectation"),
        ["irp", "call", "thread", "port", "packet", "order", "count"]
    );
    assert_eq!(keys("Moment"), ["ns", "after", "step"]);
}

/// Every kind of event a shipped scenario traces is one an expectation can name.
#[test]
fn every_traced_kind_can_be_named() {
    let kinds: BTreeSet<&str> = iosim::scenario::expect::event_kinds().collect();
    for path in crate::scenario_paths() {
        let loaded = load(path.to_str().unwrap(), &[]);
        iosim::run_streaming(&loaded.scenario, loaded.scenario.seed, |_, event| {
            assert!(
                kinds.contains(event.what.kind()),
                "{}: {}",
                path.display(),
                event.what.kind()
            );
            Ok(())
        })
        .unwrap();
    }
}

/// `iosim check` of a run of 2 million events keeps only what its expectations ask for:
/// its memory is that of any streamed run.
#[test]
fn a_long_check_stays_in_bounded_memory() {
    let dir = scratch("expect", "long_check");
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string("scenarios/bench/iocp-throughput.json").expect("readable"),
    )
    .expect("JSON");
    let longest: Vec<u64> = (1..=1024).collect();
    doc["expect"] = json!([
        { "order": { "of": "completions", "is": [1, 2, 3] } },
        { "order": { "of": "packets", "port": "P", "is": longest } },
        { "count": { "of": "IrpCompleted", "is": 0 } },
        { "irp": { "irp": 100000, "status": "STATUS_SUCCESS" } },
        { "thread": { "thread": "W1", "apcs_run": 0 } }
    ]);
    std::fs::write(dir.join("long.json"), doc.to_string()).expect("writable");
    let mut args = vec![
        "check".to_string(),
        dir.join("long.json").display().to_string(),
    ];
    for set in crate::scaled_bench(9_000) {
        args.extend(["--set".to_string(), set]);
    }
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_iosim"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs the binary");
    let usage = crate::streaming::watch(child);
    assert_eq!(usage.status.code(), Some(1), "{}", usage.stderr);
    assert!(
        usage.peak_kb < crate::streaming::STREAMED_PEAK_BOUND_KB,
        "peak {} KB for a check of 2 million events",
        usage.peak_kb
    );
}
