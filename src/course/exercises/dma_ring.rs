//! A DMA ring too small for the requests: descriptors in use, and IRPs held back.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct DmaRing;

impl Exercise for DmaRing {
    fn id(&self) -> &'static str {
        "dma-ring"
    }
    fn topic(&self) -> Topic {
        Topic::DmaRings
    }
    fn goal(&self) -> &'static str {
        "Count the descriptors a DMA ring has in use as requests arrive and finish, and see the driver hold IRPs back while the ring is full"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let ring = d.range(2, 4);
        let reads = ring + d.range(2, 4);
        let len = 4096 * d.range(1, 3);
        let ops: Vec<serde_json::Value> = (0..reads)
            .map(|i| json!({ "read_overlapped": { "file": "f", "offset": i * 65536, "len": len } }))
            .collect();
        let mut program = vec![
            json!({ "create_port": { "as": "P", "concurrency": 1 } }),
            json!({ "open": { "path": "stream.dat", "as": "f", "overlapped": true } }),
            json!({ "bind": { "file": "f", "port": "P" } }),
        ];
        program.extend(ops);
        program.push(
            json!({ "repeat": { "times": reads, "ops": [ { "get_queued": { "port": "P" } } ] } }),
        );
        let scenario = json!({
            "name": "dma-ring",
            "description": "More overlapped reads than a disk's DMA ring has descriptors",
            "machine": { "cpus": 1 },
            "devices": [super::disk(ring, "fifo")],
            "files": [{ "name": "stream.dat", "device": "disk0", "offset": 0, "length": 4194304 }],
            "processes": [{ "name": "app", "threads": [{ "name": "T1", "program": program }] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "T1 issues {reads} overlapped reads of {len} bytes at once; the disk's ring has {ring} descriptors. At what time does the driver post the descriptor of the last request?"
                    ),
                    Query::TimeOf {
                        kind: "DmaDescriptorPosted",
                        nth: reads,
                    },
                ),
                (
                    "How many descriptors are in use when the first interrupt is raised?".into(),
                    Query::RingInUseAt {
                        kind: "InterruptRaised",
                        nth: 1,
                    },
                ),
                (
                    "How many descriptors are in use when the second interrupt is raised?".into(),
                    Query::RingInUseAt {
                        kind: "InterruptRaised",
                        nth: 2,
                    },
                ),
                (
                    "How many interrupts does the run have?".into(),
                    Query::Count {
                        kind: "InterruptRaised",
                    },
                ),
                (
                    format!("At what time does the last IRP, IRP{reads}, complete?"),
                    Query::IrpCompletedAt { irp: reads },
                ),
            ],
        )
    }
}
