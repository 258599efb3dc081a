//! Completion routines wait for an alertable wait, run in order, and die with their thread.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct ApcAlertable;

impl Exercise for ApcAlertable {
    fn id(&self) -> &'static str {
        "apc-alertable"
    }
    fn topic(&self) -> Topic {
        Topic::Completion
    }
    fn goal(&self) -> &'static str {
        "See that APCs run only in an alertable wait, all of them in the order they were queued, and that a thread's exit discards the ones still queued"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let reads = d.range(2, 4);
        let busy = 1_000_000 * d.range(30, 60);
        let plain = 1_000_000 * d.range(2, 8);
        let offsets = d.distinct(reads as usize, 0, 200);
        let ops: Vec<serde_json::Value> = offsets
            .iter()
            .map(|o| json!({ "read_ex": { "file": "f", "offset": o * 4096, "len": 4096, "routine": "done" } }))
            .collect();
        let mut program =
            vec![json!({ "open": { "path": "data.bin", "as": "f", "overlapped": true } })];
        program.extend(ops.clone());
        program.push(json!({ "compute": { "ns": busy } }));
        program.push(json!({ "sleep": { "ns": plain } }));
        program.push(json!({ "sleep_ex": { "ns": 100000000, "alertable": true } }));
        let mut quitter =
            vec![json!({ "open": { "path": "data.bin", "as": "f", "overlapped": true } })];
        let quitter_reads = d.range(1, 3);
        for i in 0..quitter_reads {
            quitter.push(json!({ "read_ex": { "file": "f", "offset": 1048576 + i * 4096, "len": 4096, "routine": "done" } }));
        }
        quitter.push(json!({ "compute": { "ns": busy } }));
        let scenario = json!({
            "name": "apc-alertable",
            "description": "ReadFileEx completion routines queued as APCs: run only in an alertable wait, in order; discarded at thread exit",
            "machine": { "cpus": 2 },
            "devices": [super::disk(8, "fifo")],
            "files": [{ "name": "data.bin", "device": "disk0", "offset": 0, "length": 2097152 }],
            "processes": [{
                "name": "app",
                "routines": { "done": { "cost_ns": 2000 } },
                "threads": [
                    { "name": "Reader", "program": program },
                    { "name": "Quitter", "start_ns": 10000, "program": quitter }
                ]
            }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "Reader issues {reads} ReadFileEx calls, computes for {}, sleeps {} in Sleep (not alertable), then calls SleepEx alertably. At what time does the first completion routine run?",
                        kernel_sim::trace::duration(busy),
                        kernel_sim::trace::duration(plain)
                    ),
                    Query::TimeOf {
                        kind: "ApcRun",
                        nth: 1,
                    },
                ),
                (
                    "How many APC routines run in the whole run?".into(),
                    Query::Count { kind: "ApcRun" },
                ),
                (
                    format!(
                        "Quitter makes {}, computes for {} and exits without ever waiting alertably. How many APCs are discarded?",
                        kernel_sim::trace::count(quitter_reads as u32, "ReadFileEx call"),
                        kernel_sim::trace::duration(busy)
                    ),
                    Query::Count {
                        kind: "ApcDiscarded",
                    },
                ),
                (
                    "What does Reader's SleepEx return?".into(),
                    Query::CallReturns {
                        thread: "Reader".into(),
                        call: "SleepEx",
                        nth: 1,
                    },
                ),
            ],
        )
    }
}
