//! FIFO, SSTF or SCAN: the order a disk serves a queue in, and the seeking it costs.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct DiskOrdering;

impl Exercise for DiskOrdering {
    fn id(&self) -> &'static str {
        "disk-ordering"
    }
    fn topic(&self) -> Topic {
        Topic::DiskOrdering
    }
    fn goal(&self) -> &'static str {
        "Work out the order a disk driver serves queued requests in under FIFO, SSTF or SCAN, and the tracks and seek time that order costs"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let policy = d.pick(&["fifo", "sstf", "scan"]);
        let count = d.range(5, 7);
        // One 32 KiB track per request; the first read moves the head there first.
        let tracks = d.distinct(count as usize, 1, 199);
        let ops: Vec<serde_json::Value> = tracks
            .iter()
            .map(
                |t| json!({ "read_overlapped": { "file": "f", "offset": t * 32768, "len": 4096 } }),
            )
            .collect();
        let mut program = vec![
            json!({ "create_port": { "as": "P", "concurrency": 1 } }),
            json!({ "open": { "path": "disk.img", "as": "f", "overlapped": true } }),
            json!({ "bind": { "file": "f", "port": "P" } }),
        ];
        program.extend(ops);
        program.push(
            json!({ "repeat": { "times": count, "ops": [ { "get_queued": { "port": "P" } } ] } }),
        );
        let scenario = json!({
            "name": "disk-ordering",
            "description": "Requests queued at once on a disk whose driver orders them by a policy",
            "machine": { "cpus": 1 },
            "devices": [super::disk(1, policy)],
            "files": [{ "name": "disk.img", "device": "disk0", "offset": 0, "length": 8388608 }],
            "processes": [{ "name": "app", "threads": [{ "name": "T1", "program": program }] }]
        });
        let listed: Vec<String> = tracks
            .iter()
            .enumerate()
            .map(|(i, t)| format!("IRP{} track {t}", i + 1))
            .collect();
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "The driver orders its queue by {}, and its ring holds one request, so the first read goes to the disk at once and the others wait in the queue. The head starts at track 0; T1 queues, in this order: {}. In what order do the IRPs complete?",
                        match policy {
                            "fifo" => "FIFO (arrival order)",
                            "sstf" => "SSTF (the nearest track next, either side; a tie goes to the earliest arrival)",
                            _ => "SCAN in its LOOK form (the head sweeps up serving requests on its way, and turns round at the last request, not at the disk's edge)",
                        },
                        listed.join(", ")
                    ),
                    Query::CompletionOrder,
                ),
                ("How many tracks does the head cross in all?".into(), Query::DeviceFigure { device: "disk0".into(), figure: "tracks_moved" }),
                ("What total seek time does that cost (500 us for each seek, plus 10 us per track crossed)?".into(), Query::DeviceFigure { device: "disk0".into(), figure: "seek_ns" }),
                ("At what time does the last request complete?".into(), Query::TimeOf { kind: "IrpCompleted", nth: count }),
            ],
        )
    }
}
