//! An interrupt takes the CPU from a computing thread: ISR at device level, then a DPC.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct InterruptDpc;

impl Exercise for InterruptDpc {
    fn id(&self) -> &'static str {
        "interrupt-dpc"
    }
    fn topic(&self) -> Topic {
        Topic::Interrupts
    }
    fn goal(&self) -> &'static str {
        "Time an interrupt from the device's signal through the ISR and the DPC it queues, while a thread that made no call loses the CPU to them"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let isr = 1000 * d.range(1, 5);
        let dpc = 1000 * d.range(5, 20);
        let len = 4096 * d.range(1, 4);
        let scenario = json!({
            "name": "interrupt-dpc",
            "description": "A disk interrupt arrives while a second thread computes on the only CPU",
            "machine": { "cpus": 1, "costs": { "isr_ns": isr, "dpc_ns": dpc } },
            "devices": [super::disk(8, "fifo")],
            "files": [{ "name": "data.bin", "device": "disk0", "offset": 0, "length": 1048576 }],
            "processes": [{ "name": "app", "threads": [
                { "name": "Reader", "program": [
                    { "open": { "path": "data.bin", "as": "f" } },
                    { "read": { "file": "f", "offset": 0, "len": len } }
                ] },
                { "name": "Cruncher", "start_ns": 5000, "program": [
                    { "compute": { "ns": 50000000 } }
                ] }
            ] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "An ISR costs {} and a DPC {} here. At what time does the disk raise its interrupt?",
                        kernel_sim::trace::duration(isr),
                        kernel_sim::trace::duration(dpc)
                    ),
                    Query::TimeOf {
                        kind: "InterruptRaised",
                        nth: 1,
                    },
                ),
                (
                    "At what time does the DPC start?".into(),
                    Query::TimeOf {
                        kind: "DpcStarted",
                        nth: 1,
                    },
                ),
                (
                    "At what time does the DPC finish?".into(),
                    Query::TimeOf {
                        kind: "DpcFinished",
                        nth: 1,
                    },
                ),
                (
                    "How many context switches happen before the interrupt is raised?".into(),
                    Query::CountBefore {
                        counted: "ContextSwitched",
                        until: "InterruptRaised",
                        nth: 1,
                    },
                ),
                (
                    "How long does Reader wait inside ReadFile?".into(),
                    Query::Waited {
                        thread: "Reader".into(),
                        call: "ReadFile",
                        nth: 1,
                    },
                ),
            ],
        )
    }
}
