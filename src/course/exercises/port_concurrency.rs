//! The concurrency value: a worker that blocks elsewhere stops counting, and comes back
//! over the limit.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct PortConcurrency;

impl Exercise for PortConcurrency {
    fn id(&self) -> &'static str {
        "port-concurrency"
    }
    fn topic(&self) -> Topic {
        Topic::CompletionPorts
    }
    fn goal(&self) -> &'static str {
        "Use the concurrency value to predict when a port holds a packet back, when a worker that blocks elsewhere lets another run, and when the running count briefly exceeds the limit"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let packets = d.range(4, 6);
        let sleep = 1_000_000 * d.range(1, 4);
        let work = 1_000_000 * d.range(2, 5);
        let mut main = vec![
            json!({ "create_port": { "as": "P", "concurrency": 1 } }),
            json!({ "sleep": { "ns": 500000 } }),
        ];
        for key in 1..=packets {
            main.push(json!({ "post": { "port": "P", "key": key } }));
        }
        let loop_ops = |first: Vec<serde_json::Value>| {
            let mut ops = first;
            ops.push(json!({ "repeat": { "times": packets, "ops": [
                { "get_queued": { "port": "P", "timeout_ns": 40000000 } },
                { "compute": { "ns": work } }
            ] } }));
            ops
        };
        let scenario = json!({
            "name": "port-concurrency",
            "description": "A port of concurrency 1 and three workers, one of which sleeps after its first packet",
            "machine": { "cpus": 4 },
            "processes": [{ "name": "server", "threads": [
                { "name": "Main", "program": main },
                { "name": "W1", "start_ns": 100000, "program": [
                    { "get_queued": { "port": "P", "timeout_ns": 40000000 } },
                    { "sleep": { "ns": sleep } },
                    { "compute": { "ns": work } },
                    { "repeat": { "times": packets, "ops": [
                        { "get_queued": { "port": "P", "timeout_ns": 40000000 } },
                        { "compute": { "ns": work } }
                    ] } }
                ] },
                { "name": "W2", "start_ns": 200000, "program": loop_ops(vec![]) },
                { "name": "W3", "start_ns": 300000, "program": loop_ops(vec![]) }
            ] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!("P has concurrency 1, and W1, W2 and W3 start waiting on it in that order; Main posts {packets} packets at 0.5 ms. W1 sleeps {} after taking its first packet, then computes {}; each other packet costs its worker {} of computing. Which worker takes the first packet?", kernel_sim::trace::duration(sleep), kernel_sim::trace::duration(work), kernel_sim::trace::duration(work)),
                    Query::PacketTaker { port: "P".into(), nth: 1 },
                ),
                ("Which worker takes the second packet?".into(), Query::PacketTaker { port: "P".into(), nth: 2 }),
                ("At what time is the second packet taken?".into(), Query::TimeOf { kind: "PacketDequeued", nth: 2 }),
                ("How many times does the running count go over the concurrency value (PortRunningOver)?".into(), Query::Count { kind: "PortRunningOver" }),
                ("At what time is the third packet taken?".into(), Query::TimeOf { kind: "PacketDequeued", nth: 3 }),
            ],
        )
    }
}
