//! The Chrome trace of every scenario is well formed: the structure Perfetto needs, and
//! the promises the format's docs make (every span closed, tracks in time order, flows
//! with both ends on a span, names everywhere).

use crate::{load, render};
use iosim::output::Format;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One point of a flow arrow: its phase, time, track and whether it binds to the span
/// around it.
type FlowPoint = (String, f64, (u64, u64), bool);

fn check(doc: &Value) -> Result<(), String> {
    let events = doc["traceEvents"]
        .as_array()
        .ok_or("no traceEvents array")?;
    let mut named_tracks = BTreeSet::new();
    let mut named_processes = BTreeSet::new();
    let mut spans: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    let mut counters: BTreeMap<(u64, String), f64> = BTreeMap::new();
    let mut flows: BTreeMap<u64, Vec<FlowPoint>> = BTreeMap::new();
    let mut marks = BTreeSet::new();
    for e in events {
        let name = e["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or(format!("no name: {e}"))?;
        let ph = e["ph"].as_str().ok_or(format!("no ph: {e}"))?;
        let pid = e["pid"].as_u64().ok_or(format!("no pid: {e}"))?;
        let tid = e["tid"].as_u64().unwrap_or(0);
        let ts = e["ts"].as_f64().ok_or(format!("no ts: {e}"))?;
        if ((ts * 1000.0).round() - ts * 1000.0).abs() > 1e-6 {
            return Err(format!("ts is not a whole number of ns: {e}"));
        }
        match ph {
            "M" => {
                if e["args"]["name"].as_str().is_some_and(str::is_empty) {
                    return Err(format!("empty name: {e}"));
                }
                match name {
                    "process_name" => drop(named_processes.insert(pid)),
                    "thread_name" => drop(named_tracks.insert((pid, tid))),
                    _ => {}
                }
            }
            "X" => {
                let dur = e["dur"].as_f64().ok_or(format!("span without dur: {e}"))?;
                if dur < 0.0 {
                    return Err(format!("negative span: {e}"));
                }
                let track = spans.entry((pid, tid)).or_default();
                if track.last().is_some_and(|&(last, _)| last > ts) {
                    return Err(format!("track {pid}/{tid} goes back in time at {e}"));
                }
                track.push((ts, ts + dur));
            }
            "i" => {
                // A mark: on a named track, in time order with the track's spans, saying
                // what happened.
                if e["args"]["what"].as_str().is_none_or(str::is_empty) {
                    return Err(format!("a mark without its sentence: {e}"));
                }
                let track = spans.entry((pid, tid)).or_default();
                if track.last().is_some_and(|&(last, _)| last > ts) {
                    return Err(format!("track {pid}/{tid} goes back in time at {e}"));
                }
                // Ordered with the spans as a span of no length.
                track.push((ts, ts));
                marks.insert((pid, tid));
            }
            "C" => {
                let key = (pid, name.to_string());
                if counters.get(&key).is_some_and(|&last| last > ts) {
                    return Err(format!("counter goes back in time: {e}"));
                }
                counters.insert(key, ts);
            }
            "s" | "t" | "f" => {
                let id = e["id"].as_u64().ok_or(format!("flow without id: {e}"))?;
                let enclosed = e["bp"].as_str() == Some("e");
                flows
                    .entry(id)
                    .or_default()
                    .push((ph.to_string(), ts, (pid, tid), enclosed));
            }
            other => {
                return Err(format!(
                    "unexpected phase {other} (spans must be complete): {e}"
                ));
            }
        }
    }
    for &(pid, tid) in &marks {
        if !named_tracks.contains(&(pid, tid)) {
            return Err(format!("track {pid}/{tid} has marks and no name"));
        }
    }
    for (&(pid, tid), list) in &spans {
        if !named_tracks.contains(&(pid, tid)) || !named_processes.contains(&pid) {
            return Err(format!("track {pid}/{tid} has no name"));
        }
        // Spans on one track nest or follow each other; they never cross.
        let mut open: Vec<f64> = Vec::new();
        for &(from, to) in list {
            while open.last().is_some_and(|&end| end <= from + 1e-9) {
                open.pop();
            }
            if open.last().is_some_and(|&end| to > end + 1e-9) {
                return Err(format!("spans cross on track {pid}/{tid} at {from}"));
            }
            open.push(to);
        }
    }
    for (id, points) in &flows {
        let phases: Vec<&str> = points.iter().map(|p| p.0.as_str()).collect();
        if phases.first() != Some(&"s")
            || phases.last() != Some(&"f")
            || phases.iter().filter(|p| **p == "s" || **p == "f").count() != 2
        {
            return Err(format!("flow {id} lacks an end: {phases:?}"));
        }
        if points.windows(2).any(|w| w[0].1 > w[1].1) {
            return Err(format!("flow {id} goes back in time"));
        }
        for (ph, ts, track, enclosed) in points {
            let on_span = spans
                .get(track)
                .is_some_and(|l| l.iter().any(|&(a, b)| a <= *ts && *ts <= b));
            if *enclosed && !on_span {
                return Err(format!(
                    "flow {id} {ph} at {ts} on {track:?} has no span there"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_scenario_gives_a_well_formed_chrome_trace() {
    let paths = crate::scenario_paths();
    for path in paths {
        let loaded = load(path.to_str().unwrap(), &[]);
        let text = render(&loaded, Format::ChromeTrace);
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        check(&doc).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let events = doc["traceEvents"].as_array().unwrap();
        let run = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let irps = run.summary().counters.irps_issued as usize;
        let flows = events.iter().filter(|e| e["ph"] == "s").count();
        assert_eq!(flows, irps, "{}: a flow per IRP", path.display());
        // Interrupts, DPCs and device transfers come from disks; pipes have none.
        let cats: &[&str] = if loaded.scenario.devices.is_empty() {
            &["thread", "irp", "wait", "driver"]
        } else {
            &["isr", "dpc", "thread", "device", "irp", "wait", "driver"]
        };
        for cat in cats {
            assert!(
                events.iter().any(|e| e["ph"] == "X" && e["cat"] == *cat),
                "{}: no {cat} span",
                path.display()
            );
        }
        assert!(
            events.iter().any(|e| e["ph"] == "C"),
            "{}: counters",
            path.display()
        );
        // Every scenario opens a file: its thread's track marks it.
        assert!(
            events
                .iter()
                .any(|e| e["ph"] == "i" && e["cat"] == "object" && e["name"] == "FileOpened"),
            "{}: no mark of a thread's call",
            path.display()
        );
    }
}

#[test]
fn a_thread_ready_but_not_running_shows_on_its_track() {
    // In the tour, T1's read completes while T2 computes on the only CPU: T1 is ready,
    // and waits its turn (no priority boost), from its wake-up to the switch to it.
    let loaded = load("scenarios/tour.json", &[]);
    let doc: Value = serde_json::from_str(&render(&loaded, Format::ChromeTrace)).unwrap();
    let run = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let segments = kernel_sim::trace::segments::Segments::from_trace(run.trace());
    let t1 = kernel_sim::ThreadId(0);
    let expected: Vec<(f64, f64)> = segments
        .lane(kernel_sim::trace::segments::Lane::Thread(t1))
        .iter()
        .filter(|s| matches!(s.activity, kernel_sim::trace::segments::Activity::Ready))
        .filter_map(|s| s.end.map(|(e, _)| (s.start, e)).filter(|&(a, b)| b > a))
        .map(|(a, b)| (a as f64 / 1000.0, (b - a) as f64 / 1000.0))
        .collect();
    let shown: Vec<(f64, f64)> = doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "ready" && e["tid"] == 1)
        .map(|e| (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap()))
        .collect();
    assert!(!expected.is_empty(), "the tour has T1 ready behind T2");
    assert_eq!(shown, expected);
}

#[test]
fn the_check_catches_broken_traces() {
    let loaded = load("scenarios/tour.json", &[]);
    let good: Value = serde_json::from_str(&render(&loaded, Format::ChromeTrace)).unwrap();
    assert_eq!(check(&good), Ok(()));
    let broken = |f: &dyn Fn(&mut Vec<Value>)| {
        let mut doc = good.clone();
        f(doc["traceEvents"].as_array_mut().unwrap());
        check(&doc)
    };
    let first = |events: &Vec<Value>, ph: &str| events.iter().position(|e| e["ph"] == ph).unwrap();
    assert!(
        broken(&|ev| {
            let i = first(ev, "f");
            ev.remove(i);
        })
        .is_err(),
        "a flow without its end"
    );
    assert!(
        broken(&|ev| {
            let i = first(ev, "X");
            ev[i].as_object_mut().unwrap().remove("dur");
        })
        .is_err()
    );
    assert!(
        broken(&|ev| {
            let i = first(ev, "X");
            ev[i]["ts"] = 1e9.into();
        })
        .is_err(),
        "out of order"
    );
    assert!(
        broken(&|ev| ev.retain(|e| e["name"] != "thread_name")).is_err(),
        "unnamed tracks"
    );
}
