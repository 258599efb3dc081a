//! One synchronous read, from the call to the wake-up: the IRP's whole life.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct IrpLifeCycle;

impl Exercise for IrpLifeCycle {
    fn id(&self) -> &'static str {
        "irp-life-cycle"
    }
    fn topic(&self) -> Topic {
        Topic::IrpLifeCycle
    }
    fn goal(&self) -> &'static str {
        "Follow one synchronous ReadFile from the call through the IRP, the disk, the interrupt and the DPC back to the waiting thread"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let len = 4096 * d.range(1, 4);
        let file_len = 4096 * d.range(8, 16);
        let offset = 4096 * d.range(0, file_len / 4096 - len / 4096);
        let track = d.range(10, 900);
        let scenario = json!({
            "name": "irp-life-cycle",
            "description": "One synchronous read of a file on a disk, from the call to the wake-up",
            "machine": { "cpus": 1 },
            "devices": [super::disk(8, "fifo")],
            "files": [{ "name": "data.bin", "device": "disk0", "offset": track * 32768, "length": file_len }],
            "processes": [{ "name": "app", "threads": [{ "name": "T1", "program": [
                { "open": { "path": "data.bin", "as": "f" } },
                { "read": { "file": "f", "offset": offset, "len": len } }
            ] }] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!("T1 reads {len} bytes at offset {offset} of a {file_len}-byte file. How many DMA descriptors does the driver post for it?"),
                    Query::Count { kind: "DmaDescriptorPosted" },
                ),
                ("At what time does IRP1 complete?".into(), Query::IrpCompletedAt { irp: 1 }),
                (
                    "How long does T1 wait inside ReadFile, from the moment it starts waiting to the moment its wait ends?".into(),
                    Query::Waited { thread: "T1".into(), call: "ReadFile", nth: 1 },
                ),
                ("How many interrupts does the disk raise?".into(), Query::Count { kind: "InterruptRaised" }),
                ("What does ReadFile return to T1?".into(), Query::CallReturns { thread: "T1".into(), call: "ReadFile", nth: 1 }),
            ],
        )
    }
}
