//! Two threads share one handle opened for synchronous I/O: their reads take turns.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct SyncSerialized;

impl Exercise for SyncSerialized {
    fn id(&self) -> &'static str {
        "sync-serialized"
    }
    fn topic(&self) -> Topic {
        Topic::Completion
    }
    fn goal(&self) -> &'static str {
        "See that I/O on a file object opened for synchronous I/O is serialized: a second thread's read waits for the first to finish before its IRP is even built"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let len = 4096 * d.range(1, 4);
        let gap = 10_000 * d.range(1, 20);
        let first = d.range(0, 255) * 4096;
        let second = d.range(256, 511) * 4096;
        let scenario = json!({
            "name": "sync-serialized",
            "description": "Two threads read through one synchronous handle: the second waits for the file object before its read starts",
            "machine": { "cpus": 2 },
            "devices": [super::disk(8, "fifo")],
            "files": [{ "name": "shared.db", "device": "disk0", "offset": 0, "length": 4194304 }],
            "processes": [{
                "name": "app",
                "threads": [
                    { "name": "A", "program": [
                        { "open": { "path": "shared.db", "as": "f" } },
                        { "read": { "file": "f", "offset": first, "len": len } }
                    ] },
                    { "name": "B", "start_ns": gap, "program": [
                        { "read": { "file": "f", "offset": second, "len": len } }
                    ] }
                ]
            }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "A opens the file and reads {len} bytes; B starts {} later and reads through the same handle. At what time does A's read (IRP1) complete?",
                        kernel_sim::trace::duration(gap)
                    ),
                    Query::IrpCompletedAt { irp: 1 },
                ),
                (
                    "At what time is B's IRP (IRP2) created?".into(),
                    Query::TimeOf {
                        kind: "IrpCreated",
                        nth: 2,
                    },
                ),
                (
                    "How long does B wait for the file object before its read may start?".into(),
                    Query::Waited {
                        thread: "B".into(),
                        call: "ReadFile",
                        nth: 1,
                    },
                ),
                (
                    "At what time does IRP2 complete?".into(),
                    Query::IrpCompletedAt { irp: 2 },
                ),
            ],
        )
    }
}
