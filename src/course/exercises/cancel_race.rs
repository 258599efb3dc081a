//! Cancelling reads: a queued one is taken back, the one on the device finishes anyway.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct CancelRace;

impl Exercise for CancelRace {
    fn id(&self) -> &'static str {
        "cancel-race"
    }
    fn topic(&self) -> Topic {
        Topic::Cancellation
    }
    fn goal(&self) -> &'static str {
        "Predict what CancelIoEx does to each request: taken back while the driver holds it queued, finished anyway once the device has it, nothing at all once it is done"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let reads = d.range(3, 4);
        let delay = 1_000_000 * d.range(1, 20);
        let ops: Vec<serde_json::Value> = (0..reads)
            .map(|i| json!({ "read_overlapped": { "file": "f", "offset": i * 1048576, "len": 4096, "tag": format!("r{}", i + 1) } }))
            .collect();
        let mut program =
            vec![json!({ "open": { "path": "big.dat", "as": "f", "overlapped": true } })];
        program.extend(ops);
        let waits: Vec<serde_json::Value> = (0..reads)
            .map(|i| json!({ "wait": { "tag": format!("r{}", i + 1) } }))
            .collect();
        let reader = [program, waits].concat();
        let scenario = json!({
            "name": "cancel-race",
            "description": "CancelIoEx from a second thread while reads are queued, on the device, or done",
            "machine": { "cpus": 2 },
            "devices": [super::disk(1, "fifo")],
            "files": [{ "name": "big.dat", "device": "disk0", "offset": 0, "length": 8388608 }],
            "processes": [{ "name": "app", "threads": [
                { "name": "Reader", "program": reader },
                { "name": "Canceller", "start_ns": delay, "program": [
                    { "cancel_io_ex": { "file": "f" } }
                ] }
            ] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "Reader issues {reads} overlapped reads at once on a disk whose ring holds one request; Canceller calls CancelIoEx on the same handle at {}. With what status does IRP1 complete?",
                        kernel_sim::trace::duration(delay)
                    ),
                    Query::IrpStatus { irp: 1 },
                ),
                (
                    format!("With what status does IRP{reads} complete?"),
                    Query::IrpStatus { irp: reads },
                ),
                (
                    format!("With how many bytes does IRP{reads} complete?"),
                    Query::IrpBytes { irp: reads },
                ),
                (
                    "What does CancelIoEx return?".into(),
                    Query::CallReturns {
                        thread: "Canceller".into(),
                        call: "CancelIoEx",
                        nth: 1,
                    },
                ),
                (
                    "For how many IRPs does the I/O manager ask for cancellation (IoCancelIrp)?"
                        .into(),
                    Query::Count {
                        kind: "IrpCancelRequested",
                    },
                ),
            ],
        )
    }
}
