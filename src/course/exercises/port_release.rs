//! Which worker a completion port releases: the last to wait, with the oldest packet.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct PortRelease;

impl Exercise for PortRelease {
    fn id(&self) -> &'static str {
        "port-release"
    }
    fn topic(&self) -> Topic {
        Topic::CompletionPorts
    }
    fn goal(&self) -> &'static str {
        "Predict which waiting worker a completion port releases (last in, first out) and which packet it gets (first in, first out)"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let workers = d.range(3, 5);
        // Each worker starts waiting at its own time; the order is drawn.
        let starts = d.distinct(workers as usize, 1, 9);
        let work = 100_000 * d.range(2, 10);
        let mut threads = vec![json!({ "name": "Main", "program": [
            { "create_port": { "as": "P", "concurrency": workers } },
            { "sleep": { "ns": 1000000 } },
            { "post": { "port": "P", "key": 1 } },
            { "post": { "port": "P", "key": 2 } },
            { "post": { "port": "P", "key": 3 } }
        ] })];
        for (i, start) in starts.iter().enumerate() {
            threads.push(
                json!({ "name": format!("W{}", i + 1), "start_ns": start * 50000, "program": [
                { "get_queued": { "port": "P", "timeout_ns": 20000000 } },
                { "compute": { "ns": work } }
            ] }),
            );
        }
        let order: Vec<String> = starts
            .iter()
            .enumerate()
            .map(|(i, s)| format!("W{} at {}", i + 1, kernel_sim::trace::duration(s * 50000)))
            .collect();
        let scenario = json!({
            "name": "port-release",
            "description": "Workers wait on a completion port; three packets are posted: who takes which",
            "machine": { "cpus": 8 },
            "processes": [{ "name": "server", "threads": threads }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "The workers start waiting on P: {}. Main posts three packets at about 1 ms. Which worker takes the first packet?",
                        order.join(", ")
                    ),
                    Query::PacketTaker {
                        port: "P".into(),
                        nth: 1,
                    },
                ),
                (
                    "Which worker takes the second packet?".into(),
                    Query::PacketTaker {
                        port: "P".into(),
                        nth: 2,
                    },
                ),
                (
                    "Which worker takes the third?".into(),
                    Query::PacketTaker {
                        port: "P".into(),
                        nth: 3,
                    },
                ),
                (
                    "At what time is the third packet taken?".into(),
                    Query::TimeOf {
                        kind: "PacketDequeued",
                        nth: 3,
                    },
                ),
            ],
        )
    }
}
