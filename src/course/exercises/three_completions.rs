//! The same read completed three ways: a wait, an APC, a completion packet.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct ThreeCompletions;

impl Exercise for ThreeCompletions {
    fn id(&self) -> &'static str {
        "three-completions"
    }
    fn topic(&self) -> Topic {
        Topic::Completion
    }
    fn goal(&self) -> &'static str {
        "Tell apart the three ways a completion reaches a program: a blocked call's return, an APC in an alertable wait, a packet on a completion port"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let len = 4096 * d.range(1, 2);
        let busy = 100_000 * d.range(5, 40);
        let routine_cost = 1000 * d.range(1, 9);
        let scenario = json!({
            "name": "three-completions",
            "description": "Three threads read the same file: a synchronous read, a ReadFileEx with a completion routine, and an overlapped read on a port-bound handle",
            "machine": { "cpus": 2 },
            "devices": [super::disk(8, "fifo")],
            "files": [{ "name": "log.dat", "device": "disk0", "offset": 0, "length": 1048576 }],
            "processes": [{
                "name": "app",
                "routines": { "on_read": { "cost_ns": routine_cost } },
                "threads": [
                    { "name": "Sync", "program": [
                        { "open": { "path": "log.dat", "as": "f" } },
                        { "read": { "file": "f", "offset": 0, "len": len } }
                    ] },
                    { "name": "Apc", "start_ns": 20000, "program": [
                        { "open": { "path": "log.dat", "as": "g", "overlapped": true } },
                        { "read_ex": { "file": "g", "offset": 65536, "len": len, "routine": "on_read" } },
                        { "compute": { "ns": busy } },
                        { "sleep_ex": { "ns": 50000000, "alertable": true } }
                    ] },
                    { "name": "Port", "start_ns": 40000, "program": [
                        { "create_port": { "as": "P", "concurrency": 1 } },
                        { "open": { "path": "log.dat", "as": "h", "overlapped": true } },
                        { "bind": { "file": "h", "port": "P", "key": 7 } },
                        { "read_overlapped": { "file": "h", "offset": 131072, "len": len } },
                        { "get_queued": { "port": "P" } }
                    ] }
                ]
            }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    "What does the Port thread's ReadFile return?".into(),
                    Query::CallReturns {
                        thread: "Port".into(),
                        call: "ReadFile",
                        nth: 1,
                    },
                ),
                (
                    "And what does GetLastError give after it?".into(),
                    Query::CallError {
                        thread: "Port".into(),
                        call: "ReadFile",
                        nth: 1,
                    },
                ),
                (
                    format!(
                        "The Apc thread computes for {} after ReadFileEx, then sleeps alertably. At what time does its completion routine (IRP2's) run?",
                        kernel_sim::trace::duration(busy)
                    ),
                    Query::ApcRunsAt { irp: 2 },
                ),
                (
                    "What does the Apc thread's SleepEx return?".into(),
                    Query::CallReturns {
                        thread: "Apc".into(),
                        call: "SleepEx",
                        nth: 1,
                    },
                ),
                (
                    "At what time does IRP1, the synchronous read, complete?".into(),
                    Query::IrpCompletedAt { irp: 1 },
                ),
            ],
        )
    }
}
