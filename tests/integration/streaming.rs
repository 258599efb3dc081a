//! The streamed outputs: every event once and in order, the same bytes as a document
//! built whole, and memory that stays flat however long the run (measured on the real
//! binary, as the peak resident memory of a child process).

use crate::{load, render, scaled_bench};
use iosim::output::Format;
use kernel_sim::TraceEvent;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

#[test]
fn streaming_hands_out_every_event_once_in_order() {
    for path in crate::scenario_paths() {
        let loaded = load(path.to_str().unwrap(), &[]);
        let seed = loaded.scenario.seed;
        let kept = iosim::run(&loaded.scenario, seed).unwrap();
        let mut streamed: Vec<TraceEvent> = Vec::new();
        let finished = iosim::run_streaming(&loaded.scenario, seed, |_, event| {
            streamed.push(event.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(streamed, kept.trace(), "{}", path.display());
        assert!(finished.trace().is_empty(), "a streamed run keeps nothing");
        // The count no longer comes from the kept trace's length, yet agrees with it.
        assert_eq!(finished.summary(), kept.summary(), "{}", path.display());
        assert_eq!(finished.summary().events, streamed.len() as u64);
    }
}

/// The document `iosim run --format json` printed before it streamed: one value, built
/// whole and written by serde_json.
#[derive(serde::Serialize)]
struct Whole<'a> {
    scenario: &'a str,
    seed: u64,
    names: iosim::output::names::Names,
    events: &'a [serde_json::Value],
    summary: kernel_sim::Summary,
}

#[test]
fn the_streamed_json_is_the_document_serde_writes_whole() {
    for path in crate::scenario_paths() {
        let loaded = load(path.to_str().unwrap(), &[]);
        let streamed = render(&loaded, Format::Json);
        let parsed: serde_json::Value = serde_json::from_str(&streamed).expect("one document");
        let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let whole = Whole {
            scenario: &loaded.scenario.name,
            seed: loaded.scenario.seed,
            names: iosim::output::names::Names::of(&kernel),
            events: parsed["events"].as_array().expect("an events array"),
            summary: kernel.summary(),
        };
        let whole = serde_json::to_string_pretty(&whole).unwrap() + "\n";
        assert_eq!(
            parsed["events"].as_array().unwrap().len(),
            kernel.trace().len()
        );
        assert!(streamed == whole, "{} differs", path.display());
    }
}

#[test]
fn a_run_longer_than_the_kept_trace_cap_is_refused_by_the_outputs_that_keep_it() {
    let loaded = load("scenarios/tour.json", &[]);
    let Err(err) = iosim::run_keeping_at_most(&loaded.scenario, 1, 50) else {
        panic!("77 events pass a cap of 50");
    };
    insta::assert_snapshot!(err.render());
    // Where the scenario's own limit is the lower one, its own message stands.
    let limited = load("scenarios/tour.json", &["machine.event_limit=40"]);
    let Err(err) = iosim::run_keeping_at_most(&limited.scenario, 1, 50) else {
        panic!("77 events pass a limit of 40");
    };
    assert!(
        err.render().contains("machine.event_limit"),
        "{}",
        err.render()
    );
}

/// What a child process used: its exit status, its peak resident memory (VmHWM) and the
/// CPU time it took (user + system, in clock ticks), sampled from /proc until it exits.
pub(crate) struct Usage {
    pub(crate) status: ExitStatus,
    pub(crate) peak_kb: u64,
    cpu_ticks: u64,
    pub(crate) stderr: String,
}

/// Waits for `child`, sampling its peak resident memory and CPU time.
pub(crate) fn watch(mut child: Child) -> Usage {
    let pid = child.id();
    let (mut peak_kb, mut cpu_ticks) = (0, 0);
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // Fields after the command name (which may hold spaces) start at the state,
            // field 3; utime and stime are fields 14 and 15.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            let fields: Vec<&str> = rest.split(' ').collect();
            let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
            cpu_ticks = cpu_ticks.max(ticks);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    Usage {
        status,
        peak_kb,
        cpu_ticks,
        stderr,
    }
}

/// `iosim run` of the iocp-throughput benchmark cut to `passes` passes per worker
/// (about 224 trace events a pass), in `format`.
fn bench_run(passes: u32, format: &str, stdout: Stdio) -> Child {
    let mut args = vec![
        "run".to_string(),
        "scenarios/bench/iocp-throughput.json".to_string(),
        "--format".to_string(),
        format.to_string(),
    ];
    for set in scaled_bench(passes) {
        args.extend(["--set".to_string(), set]);
    }
    Command::new(env!("CARGO_BIN_EXE_iosim"))
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs the binary")
}

/// Peak memory of a streamed run of about 2 million events (test build): about 9 MB for
/// summary and text, where keeping the trace alone would take 113 MB (56 bytes an event)
/// and the build before streaming peaked at 115 MB. The bound is generous.
pub(crate) const STREAMED_PEAK_BOUND_KB: u64 = 24 * 1024;

#[test]
fn a_long_summary_run_stays_in_bounded_memory() {
    let usage = watch(bench_run(9_000, "summary", Stdio::null()));
    assert!(usage.status.success(), "{}", usage.stderr);
    assert!(
        usage.peak_kb < STREAMED_PEAK_BOUND_KB,
        "peak {} KB for a streamed run of 2 million events",
        usage.peak_kb
    );
}

#[test]
fn a_long_text_run_stays_in_bounded_memory() {
    let usage = watch(bench_run(4_500, "text", Stdio::null()));
    assert!(usage.status.success(), "{}", usage.stderr);
    assert!(
        usage.peak_kb < STREAMED_PEAK_BOUND_KB,
        "peak {} KB for a streamed run of 1 million events",
        usage.peak_kb
    );
}

/// `iosim run … | head -1`: the reader takes one line and goes. The run stops at once and
/// ends quietly with 0. "At once" is measured in CPU time against the silent run that
/// checks the scenario first (the summary alone): printing all 2 million events as JSON
/// lines would take about 15 times that.
#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let baseline = watch(bench_run(9_000, "summary", Stdio::null()));
    assert!(baseline.status.success(), "{}", baseline.stderr);

    let mut child = bench_run(9_000, "jsonl", Stdio::piped());
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is gone: the pipe is closed.
    let usage = watch(child);
    assert!(first.starts_with("{\"names\""), "{first}");
    assert_eq!(usage.status.code(), Some(0), "{}", usage.stderr);
    assert_eq!(usage.stderr, "", "nothing on stderr");
    assert!(
        usage.cpu_ticks < 3 * baseline.cpu_ticks + 100,
        "the run went on after its reader left: {} ticks, the silent run {} ticks",
        usage.cpu_ticks,
        baseline.cpu_ticks
    );
}
