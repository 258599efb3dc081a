//! What a script may rely on in the outputs (docs/outputs.md): the name tables of
//! `--format json` name every id its events carry, and the summary's counters count what
//! their documentation says, each interrupt count agreeing with its ISR time.

use crate::{load, render};
use iosim::output::Format;
use iosim::output::names::{ID_FIELDS, Names, OBJECT_TYPES};
use kernel_sim::io::Major;
use kernel_sim::{Kernel, Summary, What};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Numeric event fields that are quantities, positions or flags, not ids: what the walk
/// below may meet besides the fields of [`ID_FIELDS`]. A new numeric field fails the test
/// until it is put in one list or the other (and, if it is an id, given a table).
const NOT_IDS: &[&str] = &[
    "ahead",
    "apcs",
    "broken",
    "bytes",
    "cancelling",
    "checksum",
    "completed",
    "concurrency",
    "count",
    "device_offset",
    "dropped",
    "end",
    "failed",
    "in_flight",
    "index",
    "key",
    "left",
    "len",
    "n",
    "now",
    "ns",
    "of",
    "offset",
    "others",
    "packets",
    "queue_len",
    "queued",
    "records",
    "released",
    "requests",
    "rotation_ns",
    "running",
    "seek_ns",
    "seen",
    "segments",
    "skipped",
    "slot",
    "stack_location",
    "started",
    "time",
    "transfer_ns",
    "used",
    "wait_object",
    "waiters",
    "waiting",
    "wall_ns",
    "write",
];

/// Numbers that are ids with no table, as docs/outputs.md says: an IRP is defined by its
/// `IrpCreated` event, a handle by the event that opened it.
const IDS_DEFINED_BY_EVENTS: &[&str] = &["irp", "read_irp", "handle"];

/// Checks that every id in `value` (part of `event`) has an entry in `names`, counting the
/// lookups per table in `found`.
fn check_ids(
    names: &Value,
    event: &Value,
    value: &Value,
    found: &mut BTreeMap<&'static str, usize>,
) {
    let Value::Object(fields) = value else {
        return;
    };
    for (field, v) in fields {
        let table = ID_FIELDS.iter().find(|(f, _)| f == field).map(|(_, t)| *t);
        match (v, table) {
            (Value::Object(o), Some(_)) if o.contains_key("type") => {
                let kind = o["type"].as_str().expect("an object's type is a string");
                let (_, table) = OBJECT_TYPES
                    .iter()
                    .find(|(t, _)| *t == kind)
                    .unwrap_or_else(|| panic!("object type {kind} has no table: {event}"));
                look_up(names, event, table, &o["id"], found);
            }
            (Value::Object(_), _) => check_ids(names, event, v, found),
            (Value::Number(_), Some(table)) => look_up(names, event, table, v, found),
            (Value::Number(_), None) => assert!(
                NOT_IDS.contains(&field.as_str())
                    || IDS_DEFINED_BY_EVENTS.contains(&field.as_str()),
                "field {field} is a number that is neither an id with a table nor a listed \
                 quantity: {event}"
            ),
            _ => {}
        }
    }
}

fn look_up(
    names: &Value,
    event: &Value,
    table: &'static str,
    id: &Value,
    found: &mut BTreeMap<&'static str, usize>,
) {
    let id = id.as_u64().expect("an id is a number").to_string();
    let entry = if table == "routines" {
        let thread = event["thread"].to_string();
        let process = names["threads"][&thread]["process"].to_string();
        &names["processes"][&process]["routines"][&id]
    } else {
        &names[table][&id]
    };
    assert!(
        entry["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{table} has no name for {id}: {event}"
    );
    *found.entry(table).or_default() += 1;
}

/// Every id in every event of the scenario's JSON output, looked up in its `names`.
fn check_scenario(path: &str, found: &mut BTreeMap<&'static str, usize>) {
    let loaded = load(path, &[]);
    let doc: Value = serde_json::from_str(&render(&loaded, Format::Json)).unwrap();
    let names = &doc["names"];
    for event in doc["events"].as_array().unwrap() {
        check_ids(names, event, event, found);
    }
}

#[test]
fn json_names_name_every_id_the_events_carry() {
    let mut found = BTreeMap::new();
    for name in [
        "iocp-thread-pool",
        "pipe-completions",
        "filter-work-item",
        "events-and-waits",
        "apc-completion-routines",
        "media-errors",
        "tour",
    ] {
        check_scenario(&format!("scenarios/{name}.json"), &mut found);
    }
    // Every table was used, so the walk really reached each kind of id (a scenario's run
    // has no kernel clients).
    let tables: BTreeSet<&str> = ID_FIELDS.iter().map(|(_, t)| *t).collect();
    let unused: Vec<&str> = tables
        .into_iter()
        .filter(|t| *t != "clients" && !found.contains_key(t))
        .collect();
    assert_eq!(
        unused,
        Vec::<&str>::new(),
        "tables no event used: {found:?}"
    );
}

#[test]
fn every_scenarios_and_conformance_runs_ids_are_named() {
    let mut found = BTreeMap::new();
    let mut paths = crate::scenario_paths();
    paths.extend(crate::conformance::suite());
    for path in paths {
        check_scenario(path.to_str().unwrap(), &mut found);
    }
    assert!(found["ports"] > 0 && found["routines"] > 0, "{found:?}");
}

#[test]
fn the_name_tables_of_a_run_with_pipes_and_a_port() {
    // Pipes, their file objects and the port are made during the run, yet named.
    let loaded = load("scenarios/pipe-completions.json", &[]);
    let jsonl = render(&loaded, Format::Jsonl);
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&first).unwrap());
}

#[test]
fn names_come_from_the_finished_run_not_the_machine_as_built() {
    // As built, nothing made during the run is known yet: the printed tables are the
    // finished run's.
    let loaded = load("scenarios/pipe-completions.json", &[]);
    let built = Names::of(&iosim::build::build(&loaded.scenario, loaded.scenario.seed));
    assert!(built.ports.is_empty() && built.files.is_empty());
    let doc: Value = serde_json::from_str(&render(&loaded, Format::Json)).unwrap();
    let finished = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    assert_eq!(
        doc["names"],
        serde_json::to_value(Names::of(&finished)).unwrap()
    );
    assert_eq!(doc["names"]["ports"]["0"]["name"], "P");
}

/// How many events of each kind the kept trace of `kernel` holds.
fn kinds(kernel: &Kernel) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for e in kernel.trace() {
        *counts.entry(e.what.kind()).or_default() += 1;
    }
    counts
}

fn run(path: &str, sets: &[&str]) -> (Kernel, Summary) {
    let loaded = load(path, sets);
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let summary = kernel.summary();
    (kernel, summary)
}

#[test]
fn the_interrupt_counts_and_isr_times_cover_the_same_interrupts() {
    // Costs that differ, so the clock's ISR time cannot pass for a device's.
    let sets = [
        "machine.costs.isr_ns=3000",
        "machine.costs.clock_isr_ns=700",
    ];
    let mut seen = (0, 0);
    for path in crate::scenario_paths() {
        let (kernel, s) = run(path.to_str().unwrap(), &sets);
        let kinds = kinds(&kernel);
        let count = |kind: &str| kinds.get(kind).copied().unwrap_or(0);
        let name = path.display();
        let c = &s.counters;
        // Each device interrupt is serviced by one device ISR; the clock's by its own.
        assert_eq!(c.device_interrupts, count("InterruptRaised"), "{name}");
        assert_eq!(c.device_interrupts, count("IsrStarted"), "{name}");
        assert_eq!(c.clock_interrupts, count("ClockInterrupt"), "{name}");
        let device_isr: u64 = s.cpus.iter().map(|cpu| cpu.time.device_isr_ns).sum();
        let clock_isr: u64 = s.cpus.iter().map(|cpu| cpu.time.clock_isr_ns).sum();
        assert_eq!(device_isr, c.device_interrupts * 3000, "{name}");
        assert_eq!(clock_isr, c.clock_interrupts * 700, "{name}");
        for cpu in &s.cpus {
            let t = cpu.time;
            let parts = t.thread_ns + t.switch_ns + t.device_isr_ns + t.clock_isr_ns + t.dpc_ns;
            assert_eq!(cpu.busy_ns, parts, "{name}");
            assert!(cpu.busy_ns <= s.sim_time_ns, "{name}");
        }
        seen.0 += c.device_interrupts;
        seen.1 += c.clock_interrupts;
    }
    assert!(seen.0 > 0 && seen.1 > 0, "both kinds occur: {seen:?}");
}

#[test]
fn every_counter_counts_its_event_kind() {
    for path in crate::scenario_paths() {
        let (kernel, s) = run(path.to_str().unwrap(), &[]);
        let kinds = kinds(&kernel);
        let count = |kind: &str| kinds.get(kind).copied().unwrap_or(0);
        let c = &s.counters;
        let pairs = [
            (c.irps_issued, "IrpCreated"),
            (c.irps_completed, "IrpCompleted"),
            (c.device_interrupts, "InterruptRaised"),
            (c.interrupts_coalesced, "InterruptCoalesced"),
            (c.clock_interrupts, "ClockInterrupt"),
            (c.dpcs, "DpcStarted"),
            (c.apcs_run, "ApcRun"),
            (c.apcs_discarded, "ApcDiscarded"),
            (c.packets_queued, "PacketQueued"),
            (c.packets_dequeued, "PacketDequeued"),
            (c.context_switches, "ContextSwitched"),
            (c.preemptions, "ThreadPreempted"),
        ];
        for (counter, kind) in pairs {
            assert_eq!(counter, count(kind), "{} {kind}", path.display());
        }
        assert_eq!(s.events, kernel.trace().len() as u64);
        // Bytes: what completed reads and writes report, by the major of their IRP.
        let mut majors = BTreeMap::new();
        let (mut read, mut written) = (0, 0);
        for e in kernel.trace() {
            match e.what {
                What::IrpCreated { irp, major, .. } => {
                    majors.insert(irp, major);
                }
                What::IrpCompleted { irp, bytes, .. } => match majors[&irp] {
                    Major::Read => read += u64::from(bytes),
                    Major::Write => written += u64::from(bytes),
                },
                _ => {}
            }
        }
        assert_eq!((c.bytes_read, c.bytes_written), (read, written), "{path:?}");
    }
}

/// The examples of docs/outputs.md: each fenced block after a line
/// `<!-- output of: iosim run SCENARIO [--format F] -->`, with its command.
fn doc_examples(doc: &str) -> Vec<(String, Vec<&str>)> {
    let mut examples = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(command) = line
            .strip_prefix("<!-- output of: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().expect("a fenced block after the marker");
        assert!(fence.starts_with("```"), "{command}: {fence}");
        let block = lines.by_ref().take_while(|l| *l != "```").collect();
        examples.push((command.to_string(), block));
    }
    examples
}

#[test]
fn docs_examples_are_what_the_binary_prints() {
    let doc = std::fs::read_to_string("docs/outputs.md").expect("docs/outputs.md");
    let examples = doc_examples(&doc);
    assert!(examples.len() >= 5, "{} examples", examples.len());
    for (command, block) in examples {
        let words: Vec<&str> = command.split(' ').collect();
        let (scenario, format) = match words[..] {
            ["iosim", "run", scenario] => (scenario, Format::Text),
            ["iosim", "run", scenario, "--format", "json"] => (scenario, Format::Json),
            ["iosim", "run", scenario, "--format", "jsonl"] => (scenario, Format::Jsonl),
            ["iosim", "run", scenario, "--format", "summary"] => (scenario, Format::Summary),
            _ => panic!("an example command this test cannot run: {command}"),
        };
        let printed = render(&load(scenario, &[]), format);
        let printed: Vec<&str> = printed.lines().collect();
        if !block.contains(&"…") {
            assert_eq!(block, printed, "{command}: the whole output");
            continue;
        }
        // An excerpt: each run of lines between `…` appears in the output as it is, the
        // runs in order.
        let mut from = 0;
        for run in block.split(|l| *l == "…").filter(|r| !r.is_empty()) {
            let at = printed[from..]
                .windows(run.len())
                .position(|w| w == run)
                .unwrap_or_else(|| panic!("{command}: not printed after line {from}: {run:#?}"));
            from += at + run.len();
        }
        // Without `…` at an end, the excerpt starts or ends where the output does.
        if block.first() != Some(&"…") {
            assert_eq!(block[0], printed[0], "{command}");
        }
        if block.last() != Some(&"…") {
            assert_eq!(block.last(), printed.last(), "{command}");
        }
    }
}

#[test]
fn docs_describe_every_summary_field_and_name_table() {
    let doc = std::fs::read_to_string("docs/outputs.md").expect("docs/outputs.md");
    let mut keys = BTreeSet::new();
    for path in crate::scenario_paths() {
        let loaded = load(path.to_str().unwrap(), &[]);
        let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let summary = serde_json::to_value(kernel.summary()).unwrap();
        for (key, value) in summary.as_object().unwrap() {
            keys.insert(key.clone());
            for cpu in value.as_array().into_iter().flatten() {
                keys.extend(cpu.as_object().unwrap().keys().cloned());
            }
        }
        for figures in summary["devices"].as_object().unwrap().values() {
            keys.extend(figures.as_object().unwrap().keys().cloned());
        }
        let names = serde_json::to_value(Names::of(&kernel)).unwrap();
        keys.extend(names.as_object().unwrap().keys().cloned());
    }
    keys.extend(ID_FIELDS.iter().map(|(field, _)| field.to_string()));
    // The figures of every device stack the scenarios build: disk (one that can fail
    // too), pipes, and both filters.
    for figure in [
        "media_errors",
        "pipe_bytes_read",
        "filter_digest",
        "audit_records",
    ] {
        assert!(keys.contains(figure), "no scenario shows {figure}");
    }
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert_eq!(missing, Vec::<&String>::new(), "not in docs/outputs.md");
}
