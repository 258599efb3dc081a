//! A pipe's bounded buffer: reads take what is there, writes wait for room, and the
//! writer's close breaks the pipe.

use serde_json::json;

use crate::course::{Draw, Exercise, Query, Topic, Variant};

pub struct PipeBuffer;

impl Exercise for PipeBuffer {
    fn id(&self) -> &'static str {
        "pipe-buffer"
    }
    fn topic(&self) -> Topic {
        Topic::Pipes
    }
    fn goal(&self) -> &'static str {
        "Predict what each read of a bounded pipe returns, when a writer waits for room, and what a read returns once the writer has closed its end"
    }
    fn variant(&self, d: &mut Draw) -> Variant {
        let capacity = 8 * d.range(2, 6);
        let first = d.range(3, capacity - 1);
        let second = capacity + d.range(4, 20);
        let read_len = d.range(4, capacity);
        let scenario = json!({
            "name": "pipe-buffer",
            "description": "A producer and a consumer on an anonymous pipe with a small buffer",
            "machine": { "cpus": 1 },
            "processes": [{ "name": "shell", "threads": [
                { "name": "producer", "program": [
                    { "create_pipe": { "read_as": "r", "write_as": "w", "capacity": capacity } },
                    { "write": { "file": "w", "data": { "repeat": { "text": "ab", "length": first } } } },
                    { "sleep": { "ns": 200000 } },
                    { "write": { "file": "w", "data": { "repeat": { "text": "0123456789", "length": second } } } },
                    { "close": { "handle": "w" } }
                ] },
                { "name": "consumer", "start_ns": 100000, "program": [
                    { "read": { "file": "r", "len": 64 } },
                    { "sleep": { "ns": 300000 } },
                    { "repeat": { "times": 8, "ops": [ { "read": { "file": "r", "len": read_len } } ] } }
                ] }
            ] }]
        });
        Variant::new(
            scenario,
            vec![
                (
                    format!(
                        "The pipe holds {capacity} bytes. The producer writes {first} bytes, sleeps 200 us, writes {second} bytes and closes its end; the consumer starts at 100 us and reads up to 64 bytes. How many bytes does that first read return (IRP2's byte count)?"
                    ),
                    Query::IrpBytes { irp: 2 },
                ),
                (
                    "How long does the producer wait inside its second WriteFile?".into(),
                    Query::Waited {
                        thread: "producer".into(),
                        call: "WriteFile",
                        nth: 1,
                    },
                ),
                (
                    format!(
                        "The consumer then reads up to {read_len} bytes at a time. What does its last ReadFile return?"
                    ),
                    Query::CallReturns {
                        thread: "consumer".into(),
                        call: "ReadFile",
                        nth: 9,
                    },
                ),
                (
                    "And what does GetLastError give after it?".into(),
                    Query::CallError {
                        thread: "consumer".into(),
                        call: "ReadFile",
                        nth: 9,
                    },
                ),
            ],
        )
    }
}
