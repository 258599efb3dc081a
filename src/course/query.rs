//! Questions as queries on a run: each computes its answer from the trace of the
//! variant's run, with the event where a student can see it. The vocabulary is that of
//! a scenario's expectations (an IRP's status and byte count, a call's return value, who
//! took a packet, an order, a count), with times added, since "when" is what a student
//! predicts most.

use kernel_sim::trace::format_time;
use kernel_sim::{Kernel, TraceEvent, What};
use serde::Serialize;

use crate::Error;
use crate::expect::EventAt;
use crate::scenario::model::Scenario;

/// What a question asks, in terms of the run. Names are the scenario's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// When IRP `irp` completes (its `IrpCompleted`).
    IrpCompletedAt { irp: u64 },
    /// The status IRP `irp` completes with, as the trace writes it (`STATUS_SUCCESS`).
    IrpStatus { irp: u64 },
    /// The byte count IRP `irp` completes with.
    IrpBytes { irp: u64 },
    /// When the `nth` event of `kind` happens (from 1).
    TimeOf { kind: &'static str, nth: u64 },
    /// How many events of `kind` the whole run records.
    Count { kind: &'static str },
    /// How many events of `counted` happen before the `nth` event of `until`.
    CountBefore {
        counted: &'static str,
        until: &'static str,
        nth: u64,
    },
    /// DMA descriptors posted and not yet reaped when the `nth` event of `kind` happens.
    RingInUseAt { kind: &'static str, nth: u64 },
    /// The thread that takes the `nth` packet dequeued from port `port`.
    PacketTaker { port: String, nth: u64 },
    /// The IRPs in the order they complete.
    CompletionOrder,
    /// The IRPs whose packets leave port `port`, in order.
    PacketOrder { port: String },
    /// When the completion routine of IRP `irp` runs as an APC (its `ApcRun`).
    ApcRunsAt { irp: u64 },
    /// What the `nth` call named `call` of thread `thread` returns (`FALSE`, `WAIT_OBJECT_0 + 1`).
    CallReturns {
        thread: String,
        call: &'static str,
        nth: u64,
    },
    /// The code GetLastError gives after that call (`ERROR_IO_PENDING`), or `none`.
    CallError {
        thread: String,
        call: &'static str,
        nth: u64,
    },
    /// How long thread `thread` waits in its `nth` wait inside call `call`: from the
    /// moment it starts waiting to the moment its wait ends.
    Waited {
        thread: String,
        call: &'static str,
        nth: u64,
    },
    /// A figure of device `device` in the run's summary (`seek_ns`, `tracks_moved`); one
    /// in nanoseconds (`…_ns`) is a time.
    DeviceFigure {
        device: String,
        figure: &'static str,
    },
}

/// The form an answer takes, which decides how a student's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Time,
    Thread,
    Number,
    Word,
    List,
}

impl Form {
    /// How to write an answer of this form, for the question sheet.
    pub fn hint(self) -> &'static str {
        match self {
            Form::Time => "a time with its unit, e.g. 12.5 us or 12500 ns",
            Form::Thread => "a thread's name, e.g. T2",
            Form::Number => "a whole number",
            Form::Word => "the name as the trace writes it, e.g. STATUS_SUCCESS or FALSE",
            Form::List => "IRP numbers in order, e.g. 3, 1, 2",
        }
    }
}

impl Query {
    /// The form of its answer.
    pub fn form(&self) -> Form {
        match self {
            Query::IrpCompletedAt { .. }
            | Query::TimeOf { .. }
            | Query::ApcRunsAt { .. }
            | Query::Waited { .. } => Form::Time,
            Query::IrpStatus { .. } | Query::CallReturns { .. } | Query::CallError { .. } => {
                Form::Word
            }
            Query::IrpBytes { .. }
            | Query::Count { .. }
            | Query::CountBefore { .. }
            | Query::RingInUseAt { .. } => Form::Number,
            Query::DeviceFigure { figure, .. } if figure.ends_with("_ns") => Form::Time,
            Query::DeviceFigure { .. } => Form::Number,
            Query::PacketTaker { .. } => Form::Thread,
            Query::CompletionOrder | Query::PacketOrder { .. } => Form::List,
        }
    }
}

/// An answer's value.
/// As JSON it is the bare value: nanoseconds, a name, a number, a list of IRP numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Nanoseconds of simulated time.
    Time(u64),
    Thread(String),
    Number(u64),
    Word(String),
    /// IRP numbers.
    List(Vec<u64>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Time(ns) => write!(f, "{} ({ns} ns)", format_time(*ns)),
            Value::Thread(name) | Value::Word(name) => f.write_str(name),
            Value::Number(n) => write!(f, "{n}"),
            Value::List(irps) => {
                let words: Vec<String> = irps.iter().map(|n| format!("IRP{n}")).collect();
                f.write_str(&words.join(", "))
            }
        }
    }
}

/// A computed answer: its value, and where in the run it can be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Computed {
    pub value: Value,
    /// The event that shows it: the walkthrough step to go to.
    pub seen_at: EventAt,
}

/// A question whose answer the run does not contain: the exercise is wrong, not the
/// student. The tests run every exercise over many seeds so that none ships.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the run has no answer to {query:?}: {why}")]
pub struct Unanswered {
    pub query: Query,
    pub why: String,
}

/// A finished run of a variant: every event with the step that recorded it, and the
/// machine at the end (which names threads, ports and devices, and explains events).
pub struct Run {
    pub kernel: Kernel,
    events: Vec<(u64, TraceEvent)>,
}

impl Run {
    /// Runs `scenario` with `seed`, keeping its trace (an exercise's run is small).
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Run, Error> {
        let kernel = crate::build::build(scenario, seed);
        let mut events = Vec::new();
        let mut step = 0;
        let kernel = crate::run_steps(kernel, scenario, seed, |_, batch| {
            events.extend(batch.iter().map(|e| (step, e.clone())));
            step += 1;
            Ok(())
        })?;
        Ok(Run { kernel, events })
    }

    /// Where event `index` is, in the words the walkthrough shows.
    fn at(&self, index: usize) -> EventAt {
        let (step, event) = &self.events[index];
        EventAt {
            index: index as u64,
            step: *step,
            time: event.time,
            kind: event.what.kind(),
            text: self.kernel.explain(event),
        }
    }

    /// The first event (index) for which `pick` gives a value, with that value.
    fn first<T>(&self, mut pick: impl FnMut(&What) -> Option<T>) -> Option<(usize, T)> {
        self.events
            .iter()
            .enumerate()
            .find_map(|(i, (_, e))| pick(&e.what).map(|v| (i, v)))
    }

    /// The index of the `nth` event (from 1) of `kind`.
    fn nth_of(&self, kind: &str, nth: u64) -> Option<usize> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, (_, e))| e.what.kind() == kind)
            .nth(nth.checked_sub(1)? as usize)
            .map(|(i, _)| i)
    }

    /// The answer to `query`.
    pub fn answer(&self, query: &Query) -> Result<Computed, Unanswered> {
        let none = |why: &str| Unanswered {
            query: query.clone(),
            why: why.to_owned(),
        };
        let thread_named = |name: &str| {
            let k = &self.kernel;
            (0..k.core().threads.len() as u32)
                .map(kernel_sim::ThreadId)
                .find(|&t| k.thread_name(t) == name)
        };
        let (index, value) = match query {
            Query::IrpCompletedAt { irp } => self
                .first(|w| match w {
                    What::IrpCompleted { irp: i, .. } if i.0 == *irp => Some(()),
                    _ => None,
                })
                .map(|(i, ())| (i, Value::Time(self.events[i].1.time)))
                .ok_or_else(|| none("the IRP never completes"))?,
            Query::IrpStatus { irp } => self
                .first(|w| match w {
                    What::IrpCompleted { irp: i, status, .. } if i.0 == *irp => {
                        Some(Value::Word(status.name().to_owned()))
                    }
                    _ => None,
                })
                .ok_or_else(|| none("the IRP never completes"))?,
            Query::IrpBytes { irp } => self
                .first(|w| match w {
                    What::IrpCompleted { irp: i, bytes, .. } if i.0 == *irp => {
                        Some(Value::Number(u64::from(*bytes)))
                    }
                    _ => None,
                })
                .ok_or_else(|| none("the IRP never completes"))?,
            Query::TimeOf { kind, nth } => self
                .nth_of(kind, *nth)
                .map(|i| (i, Value::Time(self.events[i].1.time)))
                .ok_or_else(|| none("there are fewer such events"))?,
            Query::Count { kind } => {
                let counted: Vec<usize> = self
                    .events
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, e))| e.what.kind() == *kind)
                    .map(|(i, _)| i)
                    .collect();
                // Seen at the last one counted; with none, at the end of the run.
                let at = match counted.last() {
                    Some(&i) => i,
                    None => self
                        .events
                        .len()
                        .checked_sub(1)
                        .ok_or_else(|| none("no events"))?,
                };
                (at, Value::Number(counted.len() as u64))
            }
            Query::CountBefore {
                counted,
                until,
                nth,
            } => {
                let end = self
                    .nth_of(until, *nth)
                    .ok_or_else(|| none("there are fewer events to count up to"))?;
                let n = self.events[..end]
                    .iter()
                    .filter(|(_, e)| e.what.kind() == *counted)
                    .count();
                (end, Value::Number(n as u64))
            }
            Query::RingInUseAt { kind, nth } => {
                let end = self
                    .nth_of(kind, *nth)
                    .ok_or_else(|| none("there are fewer such events"))?;
                // Each ring event says how it changes the number of slots in use.
                let in_use: i64 = self.events[..end]
                    .iter()
                    .map(|(_, e)| match e.what {
                        What::Device { kind, .. } => i64::from(kind.ring_delta),
                        _ => 0,
                    })
                    .sum();
                (end, Value::Number(in_use.max(0) as u64))
            }
            Query::PacketTaker { port, nth } => {
                let mut seen = 0;
                self.first(|w| match w {
                    What::PacketDequeued {
                        port: p, thread, ..
                    } if self.kernel.port_name(*p) == port => {
                        seen += 1;
                        (seen == *nth)
                            .then(|| Value::Thread(self.kernel.thread_name(*thread).into()))
                    }
                    _ => None,
                })
                .ok_or_else(|| none("the port releases fewer packets"))?
            }
            Query::CompletionOrder => {
                let done: Vec<(usize, u64)> = self
                    .events
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, e))| match e.what {
                        What::IrpCompleted { irp, .. } => Some((i, irp.0)),
                        _ => None,
                    })
                    .collect();
                let last = done.last().ok_or_else(|| none("no IRP completes"))?.0;
                (
                    last,
                    Value::List(done.into_iter().map(|(_, n)| n).collect()),
                )
            }
            Query::PacketOrder { port } => {
                let out: Vec<(usize, Option<u64>)> = self
                    .events
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, e))| match e.what {
                        What::PacketDequeued { port: p, irp, .. }
                            if self.kernel.port_name(p) == port =>
                        {
                            Some((i, irp.map(|irp| irp.0)))
                        }
                        _ => None,
                    })
                    .collect();
                if out.iter().any(|(_, irp)| irp.is_none()) {
                    return Err(none("a posted packet has no IRP to list"));
                }
                let last = out
                    .last()
                    .ok_or_else(|| none("no packet leaves the port"))?
                    .0;
                (
                    last,
                    Value::List(out.into_iter().filter_map(|(_, n)| n).collect()),
                )
            }
            Query::ApcRunsAt { irp } => self
                .first(|w| match w {
                    What::ApcRun { irp: Some(i), .. } if i.0 == *irp => Some(()),
                    _ => None,
                })
                .map(|(i, ())| (i, Value::Time(self.events[i].1.time)))
                .ok_or_else(|| none("the routine never runs"))?,
            Query::CallReturns { thread, call, nth } | Query::CallError { thread, call, nth } => {
                let t = thread_named(thread).ok_or_else(|| none("no such thread"))?;
                let mut seen = 0;
                let (i, (returned, error)) = self
                    .first(|w| match w {
                        What::CallReturned {
                            thread,
                            call: c,
                            returned,
                            error,
                        } if *thread == t && c == call => {
                            seen += 1;
                            (seen == *nth).then_some((*returned, *error))
                        }
                        _ => None,
                    })
                    .ok_or_else(|| none("the thread makes fewer such calls"))?;
                let value = match query {
                    Query::CallReturns { .. } => returned.name(),
                    _ => error.map_or("none".to_owned(), |e| e.win32_name().to_owned()),
                };
                (i, Value::Word(value))
            }
            Query::Waited { thread, call, nth } => {
                let t = thread_named(thread).ok_or_else(|| none("no such thread"))?;
                let start = self
                    .events
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, e))| {
                        matches!(e.what, What::ThreadWaiting { thread, call: c, .. }
                            if thread == t && c == *call)
                    })
                    .nth(nth.checked_sub(1).ok_or_else(|| none("nth is from 1"))? as usize)
                    .map(|(i, _)| i)
                    .ok_or_else(|| none("the thread waits fewer times in that call"))?;
                let (end, ()) = self.events[start..]
                    .iter()
                    .enumerate()
                    .find_map(|(i, (_, e))| match e.what {
                        What::ThreadWoken { thread, .. } if thread == t => Some((start + i, ())),
                        _ => None,
                    })
                    .ok_or_else(|| none("the wait never ends"))?;
                let waited = self.events[end].1.time - self.events[start].1.time;
                (end, Value::Time(waited))
            }
            Query::DeviceFigure { device, figure } => {
                let summary = self.kernel.summary();
                let n = summary
                    .devices
                    .get(device)
                    .and_then(|figures| figures.get(*figure))
                    .ok_or_else(|| none("the device has no such figure"))?;
                let last = self
                    .events
                    .len()
                    .checked_sub(1)
                    .ok_or_else(|| none("no events"))?;
                // A figure in nanoseconds is a time, and is asked and read as one.
                let value = if figure.ends_with("_ns") {
                    Value::Time(*n)
                } else {
                    Value::Number(*n)
                };
                (last, value)
            }
        };
        Ok(Computed {
            value,
            seen_at: self.at(index),
        })
    }
}
