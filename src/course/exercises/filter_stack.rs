//! A request's trip down and up a stack of filter drivers.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct FilterStack;

impl Exercise for FilterStack {
    fn id(&self) -> &'static str {
        "filter-stack"
    }
    fn topic(&self) -> Topic {
        Topic::FilterDrivers
    }
    fn goal(&self) -> &'static str {
        "Follow IRPs through a stack of filter drivers: each passes them down, its completion routine sees them on the way up, and an audit filter holds each one for a work item"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let audit = d.pick(&[false, true]);
        let reads = d.range(1, 3);
        let filters = if audit {
            json!(["checksum", "audit"])
        } else {
            json!(["checksum"])
        };
        let ops: Vec<serde_json::Value> = (0..reads)
            .map(|i| json!({ "read": { "file": "f", "offset": i * 8192, "len": 4096 } }))
            .collect();
        let mut program = vec![json!({ "open": { "path": "notes.txt", "as": "f" } })];
        program.extend(ops);
        let scenario = json!({
            "name": "filter-stack",
            "description": "Synchronous reads through a disk's filter drivers",
            "machine": { "cpus": 1 },
            "devices": [{ "disk": { "name": "disk0", "irq": 14, "ring_size": 4, "filters": filters } }],
            "files": [{ "name": "notes.txt", "device": "disk0", "offset": 1048576, "length": 65536 }],
            "processes": [{ "name": "editor", "threads": [{ "name": "T1", "program": program }] }]
        });
        let stack = if audit {
            "an audit filter above a checksum filter above the disk driver"
        } else {
            "a checksum filter above the disk driver"
        };
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "T1 makes {} through {stack}. How many times does an IRP pass down from one driver to the next (IrpPassedDown)?",
                        kernel_sim::trace::count(reads as u32, "synchronous read")
                    ),
                    Query::Count {
                        kind: "IrpPassedDown",
                    },
                ),
                (
                    "How many completion routines run?".into(),
                    Query::Count {
                        kind: "CompletionRoutineRan",
                    },
                ),
                (
                    "How many work items run?".into(),
                    Query::Count {
                        kind: "WorkItemRan",
                    },
                ),
                (
                    "At what time does IRP1 complete?".into(),
                    Query::IrpCompletedAt { irp: 1 },
                ),
            ],
        )
    }
}
