//! Expectations: what a scenario states must hold of its run, so a student can hold iosim
//! against the Windows documentation and an instructor can ask questions that the
//! simulator answers.
//!
//! A scenario's optional `expect` list holds them. Each is an object with one key naming
//! its subject, like an op, whose value says what must hold and, with `at`, when:
//!
//! ```text
//! { "irp":    { "irp": 3, "status": "STATUS_CANCELLED", "bytes": 0 } }
//! { "call":   { "thread": "T1", "call": "ReadFile", "nth": 2, "returns": "FALSE",
//!               "error": "ERROR_IO_PENDING" } }
//! { "thread": { "thread": "W1", "state": "waiting", "at": { "ns": 5000000 } } }
//! { "port":   { "port": "P1", "queued": 0, "running": 1, "waiting": 2 } }
//! { "packet": { "port": "P1", "nth": 1, "thread": "W4", "key": 7, "irp": 3 } }
//! { "order":  { "of": "completions", "is": [2, 1, 3] } }
//! { "count":  { "of": "InterruptRaised", "is": 2,
//!               "at": { "after": { "kind": "IrpCompleted", "nth": 1 } } } }
//! ```
//!
//! Every value is written as the trace writes it (a status as `Status::name`, an error
//! as `Status::win32_name`, a return value as `Returned::name`, an event by its kind), so
//! what a student reads in `iosim run` is what they write here. This module holds the
//! forms (serde and the schema) and their validation: every name must exist, in the
//! scenario (threads, ports) or in iosim (calls, statuses, error codes, event kinds).
//! [`crate::expect`] checks a run against them.

use std::collections::{BTreeMap, BTreeSet};

use kernel_sim::io::Status;
use kernel_sim::{Returned, What};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use strum::VariantArray;

use super::declare::{Check, Declare, List, Place, walk};
use super::error::{Problem, ScenarioError};
use super::handle_kind::HandleKind;
use super::limits::{MAX_EXPECTATIONS, MAX_ORDER_LEN};
use super::model::Scenario;
use super::path::JsonPath;
use super::validate::{count, range};

/// One fact the run must show, written as an object with one key naming its subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// How an IRP has ended: its status and byte count.
    Irp(IrpExpect),
    /// What a thread's call returned, and the code GetLastError then gives.
    Call(CallExpect),
    /// A thread's state and its APCs.
    Thread(ThreadExpect),
    /// A completion port's packets, running count and waiting threads.
    Port(PortExpect),
    /// Who took a packet from a completion port, and what it carried.
    Packet(PacketExpect),
    /// The order in which IRPs completed, APC routines ran or packets left a port.
    Order(OrderExpect),
    /// How many trace events of one kind happened.
    Count(CountExpect),
}

impl Expectation {
    /// The subject's JSON key, e.g. `irp`.
    pub fn subject(&self) -> &'static str {
        match self {
            Expectation::Irp(_) => "irp",
            Expectation::Call(_) => "call",
            Expectation::Thread(_) => "thread",
            Expectation::Port(_) => "port",
            Expectation::Packet(_) => "packet",
            Expectation::Order(_) => "order",
            Expectation::Count(_) => "count",
        }
    }

    /// When it is checked; `None` for the end of the run.
    pub fn at(&self) -> Option<&Moment> {
        match self {
            Expectation::Irp(e) => e.at.as_ref(),
            Expectation::Call(e) => e.at.as_ref(),
            Expectation::Thread(e) => e.at.as_ref(),
            Expectation::Port(e) => e.at.as_ref(),
            Expectation::Packet(e) => e.at.as_ref(),
            Expectation::Order(e) => e.at.as_ref(),
            Expectation::Count(e) => e.at.as_ref(),
        }
    }
}

/// When an expectation is checked. A moment is always the end of a step of the run (one
/// kernel action, whose events happen at one instant), as the walkthrough steps: the
/// state between two events of one step cannot be seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Moment {
    /// The state at this time, ns: after every step at or before it.
    Ns(u64),
    /// The state right after the step that recorded the `nth` event of `kind`.
    After(AfterEvent),
    /// The state after this step of the walkthrough (0: the machine as built, before
    /// anything ran).
    Step(u64),
}

/// The `nth` event of a kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterEvent {
    /// A trace event's kind, as `iosim run` prints it (`InterruptRaised`,
    /// `DeviceMediaError`).
    pub kind: String,
    /// Which one, from 1. Default 1.
    #[serde(default = "first")]
    #[schemars(range(min = 1))]
    pub nth: u64,
}

/// How IRP `irp` has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IrpExpect {
    /// The IRP's number, as the trace names it (IRP3): IRPs are numbered from 1 in the
    /// order they are created, the kernel's own included.
    #[schemars(range(min = 1))]
    pub irp: u64,
    /// The status it completed with, as the trace writes it (`STATUS_SUCCESS`,
    /// `STATUS_CANCELLED`); `STATUS_PENDING`: it has not completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The byte count it completed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u32>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// What the `nth` call named `call` that `thread` made returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallExpect {
    /// The thread that made the call.
    pub thread: String,
    /// The call's Win32 name, as the trace writes it (`ReadFile`, `SleepEx`,
    /// `GetQueuedCompletionStatus`).
    pub call: String,
    /// Which of the thread's calls of that name, from 1, counting those that have
    /// returned. Default 1.
    #[serde(default = "first")]
    #[schemars(range(min = 1))]
    pub nth: u64,
    /// What it returned, as the trace writes it: `TRUE`, `FALSE`, `WAIT_OBJECT_0 + 1`,
    /// `WAIT_IO_COMPLETION`, `INVALID_HANDLE_VALUE`, `NULL`, `0`, ...; `handle` for any
    /// handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    /// The code GetLastError gives after it (`ERROR_IO_PENDING`), or `none` (or
    /// `ERROR_SUCCESS`) when the call set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// The state of `thread` and its APCs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadExpect {
    /// The thread.
    pub thread: String,
    /// What it is doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ThreadState>,
    /// APCs in its queue, waiting for it to wait alertably.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apcs_queued: Option<u32>,
    /// APC routines it has run so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apcs_run: Option<u64>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// What a thread is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadState {
    /// Its start time has not come.
    #[serde(rename = "not started")]
    NotStarted,
    /// Ready to run, waiting for a CPU.
    Ready,
    /// On a CPU.
    Running,
    /// Blocked in a wait (I/O, sleep, a port, objects).
    Waiting,
    /// Exited.
    Exited,
}

impl ThreadState {
    /// The state as written.
    pub fn word(self) -> &'static str {
        match self {
            ThreadState::NotStarted => "not started",
            ThreadState::Ready => "ready",
            ThreadState::Running => "running",
            ThreadState::Waiting => "waiting",
            ThreadState::Exited => "exited",
        }
    }

    /// The state of a kernel thread, in these words.
    pub fn of(state: &kernel_sim::thread::ThreadState) -> Self {
        use kernel_sim::thread::ThreadState as K;
        match state {
            K::NotStarted => ThreadState::NotStarted,
            K::Ready => ThreadState::Ready,
            K::Running { .. } => ThreadState::Running,
            K::Waiting { .. } => ThreadState::Waiting,
            K::Terminated => ThreadState::Exited,
        }
    }
}

/// The state of completion port `port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortExpect {
    /// The port, by the name its `create_port` binds with `as` (the first port created
    /// under that name, if its process creates several).
    pub port: String,
    /// Packets queued on it, not yet dequeued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<u32>,
    /// Its running count: its threads that run (or are ready) rather than wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<u32>,
    /// Threads waiting on it in GetQueuedCompletionStatus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u32>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// The `nth` packet dequeued from `port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PacketExpect {
    /// The port, by the name its `create_port` binds with `as`.
    pub port: String,
    /// Which packet, from 1, in the order they were dequeued. Default 1.
    #[serde(default = "first")]
    #[schemars(range(min = 1))]
    pub nth: u64,
    /// The thread whose GetQueuedCompletionStatus took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// Its completion key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<u64>,
    /// The byte count it reports: its request's, or what PostQueuedCompletionStatus was
    /// given, passed through uninterpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// The IRP whose completion it reports; `null` for a posted packet
    /// (PostQueuedCompletionStatus), which reports none.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>", range(min = 1))]
    pub irp: Option<Option<u64>>,
    /// The OVERLAPPED it reports, by tag: its request's, or the one
    /// PostQueuedCompletionStatus was given, passed through uninterpreted; `null` for
    /// none (NULL).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub overlapped: Option<Option<String>>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// An order things happened in, as IRP numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderExpect {
    /// What is ordered.
    pub of: OrderOf,
    /// For `completions`: only the requests this thread made (default: every IRP). For
    /// `apcs`: the thread whose APC routines ran (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    /// For `packets`: the port they were dequeued from (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// The whole sequence, first to last, as IRP numbers (`null` for a posted packet):
    /// at most 1024 entries.
    #[schemars(length(max = MAX_ORDER_LEN), inner(range(min = 1)))]
    pub is: Vec<Option<u64>>,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

/// What an order lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderOf {
    /// The IRPs, in the order they completed (`IrpCompleted`).
    Completions,
    /// The IRPs whose APC routines a thread ran, in the order it ran them (`ApcRun`).
    Apcs,
    /// The IRPs whose packets left a port, in the order they were dequeued
    /// (`PacketDequeued`).
    Packets,
}

impl OrderOf {
    /// The word as written.
    pub fn word(self) -> &'static str {
        match self {
            OrderOf::Completions => "completions",
            OrderOf::Apcs => "apcs",
            OrderOf::Packets => "packets",
        }
    }
}

/// How many events of one kind happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountExpect {
    /// A trace event's kind, as `iosim run` prints it (`InterruptRaised`,
    /// `DeviceMediaError`).
    pub of: String,
    /// How many.
    pub is: u64,
    /// When to look. Default: the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Moment>,
}

fn first() -> u64 {
    1
}

/// A field that may be `null` and may be absent, and means something different in each
/// case: present (`Some`), whatever its value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A return value as an expectation writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// `handle`: any handle.
    AnyHandle,
    /// Exactly this value.
    Value(Returned),
}

/// The return values written by name alone, each as [`Returned::name`] writes it; a
/// handle and `WAIT_OBJECT_0 + n` carry a number (see [`Returns::parse`]).
const PLAIN_RETURNS: [Returned; 10] = [
    Returned::True,
    Returned::False,
    Returned::InvalidHandleValue,
    Returned::Null,
    Returned::WaitObject(0),
    Returned::WaitTimeout,
    Returned::WaitIoCompletion,
    Returned::WaitFailed,
    Returned::Zero,
    Returned::Nothing,
];

impl Returns {
    /// Reads a return value as the trace writes it; `handle` stands for any handle, and
    /// `WAIT_OBJECT_0 + n` takes n from 1 to 63 (a wait names at most 64 objects).
    pub fn parse(text: &str) -> Option<Returns> {
        if text == "handle" {
            return Some(Returns::AnyHandle);
        }
        if let Some(n) = text.strip_prefix("WAIT_OBJECT_0 + ") {
            let max = kernel_sim::object::MAX_WAIT_OBJECTS as u32;
            return n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..max).contains(n))
                .map(Returned::WaitObject)
                .filter(|r| r.name() == text)
                .map(Returns::Value);
        }
        PLAIN_RETURNS
            .into_iter()
            .find(|r| r.name() == text)
            .map(Returns::Value)
    }

    /// Whether a call that returned `value` returned this.
    pub fn matches(self, value: Returned) -> bool {
        match self {
            Returns::AnyHandle => matches!(value, Returned::Handle(_)),
            Returns::Value(v) => v == value,
        }
    }

    /// Every way to write a return value, for a message.
    fn names() -> Vec<String> {
        let mut names: Vec<String> = PLAIN_RETURNS.iter().map(|r| r.name()).collect();
        names.insert(2, "handle".to_owned());
        names.insert(6, "WAIT_OBJECT_0 + n".to_owned());
        names
    }
}

/// A status by its name, as [`Status::name`] writes it.
pub fn status_named(name: &str) -> Option<Status> {
    Status::VARIANTS.iter().copied().find(|s| s.name() == name)
}

/// An error code by its name, as [`Status::win32_name`] writes it; `Some(None)` for
/// `none`, a call that set no code, and for `ERROR_SUCCESS`, which is what GetLastError
/// would then give (iosim's calls never set it: they set a code only when they fail or
/// pend).
pub fn error_named(name: &str) -> Option<Option<Status>> {
    if name == "none" {
        return Some(None);
    }
    Status::VARIANTS
        .iter()
        .copied()
        .find(|s| s.win32_name() == name)
        .map(|s| (s != Status::Success).then_some(s))
}

/// Every kind of trace event a run can record: the kernel's, then the devices'.
pub fn event_kinds() -> impl Iterator<Item = &'static str> {
    What::kernel_kinds().chain(devices::EVENT_KINDS.iter().map(|k| k.name))
}

/// What an expectation names that must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Thread,
    Port,
    Call,
    Status,
    Error,
    Return,
    Kind,
    Tag,
}

impl Named {
    /// The thing in a word or two: "no {noun} named `x`".
    pub fn noun(self) -> &'static str {
        match self {
            Named::Thread => "thread",
            Named::Port => "completion port",
            Named::Call => "call",
            Named::Status => "status",
            Named::Error => "error code",
            Named::Return => "return value",
            Named::Kind => "event kind",
            Named::Tag => "OVERLAPPED tag",
        }
    }

    /// Where the names come from, for a message's "expected".
    pub fn source(self) -> &'static str {
        match self {
            Named::Thread => "the name of a thread of the scenario",
            Named::Port => "the name a `create_port` in the scenario binds with `as`",
            Named::Call => "the Win32 name of a call that returns to its program",
            Named::Status => "an NTSTATUS name as the trace writes it",
            Named::Error => "a GetLastError code as the trace writes it, or `none`",
            Named::Return => {
                "a return value as the trace writes it (`handle` for any handle, \
                 `WAIT_OBJECT_0 + n` for n from 1 to 63)"
            }
            Named::Kind => "the kind of a trace event, as `iosim run` prints it",
            Named::Tag => "a tag a read, a write or a `post` in the scenario names",
        }
    }
}

/// Checks the scenario's expectations: their number, their numbers' ranges, that every
/// name exists, and that each states something. Run after the rest of the scenario is
/// valid, so its threads and ports are known.
pub(crate) fn validate(scenario: &Scenario) -> Check {
    let at = JsonPath::root().key("expect");
    count(
        &at,
        "expectations",
        scenario.expect.len(),
        0,
        MAX_EXPECTATIONS,
    )?;
    if scenario.expect.is_empty() {
        return Ok(());
    }
    let names = Names::of(scenario);
    for (i, expectation) in scenario.expect.iter().enumerate() {
        let here = at.index(i).key(expectation.subject());
        names.check(&here, expectation)?;
        if let Some(moment) = expectation.at() {
            names.moment(&here.key("at"), moment)?;
        }
    }
    Ok(())
}

/// The scenario's names an expectation may use.
struct Names<'s> {
    threads: Vec<String>,
    /// Port name → the processes whose `create_port` binds it, in document order.
    ports: BTreeMap<&'s str, Vec<&'s str>>,
    /// Every OVERLAPPED tag of every process.
    tags: BTreeSet<&'s str>,
}

/// Collects the names `create_port` binds, as ports, and the tags ops name.
struct PortNames<'s>(Vec<&'s str>, BTreeSet<&'s str>);

impl<'a> Declare<'a> for PortNames<'a> {
    fn binds(&mut self, _: Place<'_>, name: &'a str, kind: HandleKind) -> Check {
        if kind == HandleKind::Port {
            self.0.push(name);
        }
        Ok(())
    }
    fn binds_tag(&mut self, _: Place<'_>, tag: &'a str) -> Check {
        self.1.insert(tag);
        Ok(())
    }
}

impl<'s> Names<'s> {
    fn of(scenario: &'s Scenario) -> Self {
        let mut ports: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut tags = BTreeSet::new();
        for process in &scenario.processes {
            let mut found = PortNames(Vec::new(), BTreeSet::new());
            let nowhere = JsonPath::root();
            for (at, ops) in crate::scenario::model::Routine::ops_at(process, &nowhere) {
                walk(List::Program(&at), ops, &mut found).expect("collecting names cannot fail");
            }
            tags.append(&mut found.1);
            for port in found.0 {
                let processes = ports.entry(port).or_default();
                if !processes.contains(&process.name.as_str()) {
                    processes.push(&process.name);
                }
            }
        }
        Names {
            threads: scenario
                .processes
                .iter()
                .flat_map(|p| &p.threads)
                .map(|t| t.name.clone())
                .collect(),
            ports,
            tags,
        }
    }

    fn check(&self, at: &JsonPath, expectation: &Expectation) -> Check {
        match expectation {
            Expectation::Irp(e) => {
                range(&at.key("irp"), e.irp, 1, u64::MAX)?;
                let status = match &e.status {
                    Some(name) => Some(known(
                        &at.key("status"),
                        Named::Status,
                        name,
                        status_named(name),
                        || {
                            Status::VARIANTS
                                .iter()
                                .map(|s| s.name().to_owned())
                                .collect()
                        },
                    )?),
                    None => None,
                };
                stated(
                    at,
                    "irp",
                    "`status`, `bytes`",
                    [status.is_some(), e.bytes.is_some()],
                )?;
                if status == Some(Status::Pending) && e.bytes.is_some() {
                    return Err(ScenarioError::invalid(
                        at.key("bytes"),
                        Problem::PendingWithBytes,
                    ));
                }
                Ok(())
            }
            Expectation::Call(e) => {
                self.thread(&at.key("thread"), &e.thread)?;
                known(
                    &at.key("call"),
                    Named::Call,
                    &e.call,
                    kernel_sim::RETURNING_CALLS
                        .contains(&e.call.as_str())
                        .then_some(()),
                    || {
                        kernel_sim::RETURNING_CALLS
                            .iter()
                            .map(|c| (*c).to_owned())
                            .collect()
                    },
                )?;
                range(&at.key("nth"), e.nth, 1, u64::MAX)?;
                if let Some(returns) = &e.returns {
                    known(
                        &at.key("returns"),
                        Named::Return,
                        returns,
                        Returns::parse(returns),
                        Returns::names,
                    )?;
                }
                if let Some(error) = &e.error {
                    known(
                        &at.key("error"),
                        Named::Error,
                        error,
                        error_named(error),
                        || {
                            let mut names: Vec<String> = Status::VARIANTS
                                .iter()
                                .map(|s| s.win32_name().to_owned())
                                .collect();
                            names.push("none".to_owned());
                            names
                        },
                    )?;
                }
                stated(
                    at,
                    "call",
                    "`returns`, `error`",
                    [e.returns.is_some(), e.error.is_some()],
                )
            }
            Expectation::Thread(e) => {
                self.thread(&at.key("thread"), &e.thread)?;
                stated(
                    at,
                    "thread",
                    "`state`, `apcs_queued`, `apcs_run`",
                    [
                        e.state.is_some(),
                        e.apcs_queued.is_some(),
                        e.apcs_run.is_some(),
                    ],
                )
            }
            Expectation::Port(e) => {
                self.port(&at.key("port"), &e.port)?;
                stated(
                    at,
                    "port",
                    "`queued`, `running`, `waiting`",
                    [e.queued.is_some(), e.running.is_some(), e.waiting.is_some()],
                )
            }
            Expectation::Packet(e) => {
                self.port(&at.key("port"), &e.port)?;
                range(&at.key("nth"), e.nth, 1, u64::MAX)?;
                if let Some(thread) = &e.thread {
                    self.thread(&at.key("thread"), thread)?;
                }
                if let Some(Some(irp)) = e.irp {
                    range(&at.key("irp"), irp, 1, u64::MAX)?;
                }
                if let Some(Some(tag)) = &e.overlapped {
                    let exists = self.tags.contains(tag.as_str()).then_some(());
                    known(&at.key("overlapped"), Named::Tag, tag, exists, || {
                        self.tags.iter().map(|t| (*t).to_owned()).collect()
                    })?;
                }
                stated(
                    at,
                    "packet",
                    "`thread`, `key`, `bytes`, `irp`, `overlapped`",
                    [
                        e.thread.is_some(),
                        e.key.is_some(),
                        e.bytes.is_some(),
                        e.irp.is_some(),
                        e.overlapped.is_some(),
                    ],
                )
            }
            Expectation::Order(e) => self.order(at, e),
            Expectation::Count(e) => kind(&at.key("of"), &e.of),
        }
    }

    fn order(&self, at: &JsonPath, e: &OrderExpect) -> Check {
        let (thread, port) = match e.of {
            OrderOf::Completions => (None, Some(false)),
            OrderOf::Apcs => (Some(true), Some(false)),
            OrderOf::Packets => (Some(false), Some(true)),
        };
        for (field, given, needed) in [
            ("thread", e.thread.is_some(), thread),
            ("port", e.port.is_some(), port),
        ] {
            let problem = |needed| Problem::OrderField {
                of: e.of.word(),
                field,
                needed,
            };
            match needed {
                Some(true) if !given => {
                    return Err(ScenarioError::invalid(at.clone(), problem(true)));
                }
                Some(false) if given => {
                    return Err(ScenarioError::invalid(at.key(field), problem(false)));
                }
                _ => {}
            }
        }
        if let Some(thread) = &e.thread {
            self.thread(&at.key("thread"), thread)?;
        }
        if let Some(port) = &e.port {
            self.port(&at.key("port"), port)?;
        }
        let is = at.key("is");
        count(&is, "entries in an order", e.is.len(), 0, MAX_ORDER_LEN)?;
        for (i, entry) in e.is.iter().enumerate() {
            match entry {
                Some(irp) => range(&is.index(i), *irp, 1, u64::MAX)?,
                None if e.of == OrderOf::Completions => {
                    return Err(ScenarioError::invalid(
                        is.index(i),
                        Problem::NullInOrder { of: e.of.word() },
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    fn moment(&self, at: &JsonPath, moment: &Moment) -> Check {
        match moment {
            Moment::After(after) => {
                let here = at.key("after");
                kind(&here.key("kind"), &after.kind)?;
                range(&here.key("nth"), after.nth, 1, u64::MAX)
            }
            Moment::Ns(_) | Moment::Step(_) => Ok(()),
        }
    }

    fn thread(&self, at: &JsonPath, name: &str) -> Check {
        let exists = self.threads.iter().any(|t| t == name).then_some(());
        known(at, Named::Thread, name, exists, || self.threads.clone()).map(|_| ())
    }

    fn port(&self, at: &JsonPath, name: &str) -> Check {
        match self.ports.get(name).map(Vec::as_slice) {
            Some([_]) => Ok(()),
            Some([first, second, ..]) => Err(ScenarioError::invalid(
                at.clone(),
                Problem::AmbiguousPort {
                    name: name.to_owned(),
                    first: (*first).to_owned(),
                    second: (*second).to_owned(),
                },
            )),
            _ => known(at, Named::Port, name, None::<()>, || {
                self.ports.keys().map(|p| (*p).to_owned()).collect()
            }),
        }
    }
}

/// `found`, or the error for `name` at `at` naming nothing of its kind; `known` lists the
/// names there are.
fn known<T>(
    at: &JsonPath,
    what: Named,
    name: &str,
    found: Option<T>,
    known: impl FnOnce() -> Vec<String>,
) -> Result<T, ScenarioError> {
    found.ok_or_else(|| {
        // A status and its GetLastError code are easy to mix up: say which is which.
        let twin = match what {
            Named::Error => status_named(name).map(|s| s.win32_name()),
            Named::Status => error_named(name).flatten().map(Status::name),
            _ => None,
        };
        ScenarioError::invalid(
            at.clone(),
            Problem::UnknownNamed {
                what,
                name: name.to_owned(),
                known: known(),
                twin: twin.map(str::to_owned),
            },
        )
    })
}

/// `kind` must be the kind of a trace event.
fn kind(at: &JsonPath, kind: &str) -> Check {
    known(
        at,
        Named::Kind,
        kind,
        event_kinds().any(|k| k == kind).then_some(()),
        || event_kinds().map(str::to_owned).collect(),
    )
}

/// An expectation must state at least one of its facts (`fields`).
fn stated<const N: usize>(
    at: &JsonPath,
    subject: &'static str,
    fields: &'static str,
    given: [bool; N],
) -> Check {
    if given.contains(&true) {
        return Ok(());
    }
    Err(ScenarioError::invalid(
        at.clone(),
        Problem::NothingExpected { subject, fields },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_return_value_can_be_written() {
        let examples = [
            Returned::True,
            Returned::False,
            Returned::Handle(kernel_sim::Handle(4)),
            Returned::InvalidHandleValue,
            Returned::Null,
            Returned::WaitObject(0),
            Returned::WaitObject(63),
            Returned::WaitTimeout,
            Returned::WaitIoCompletion,
            Returned::WaitFailed,
            Returned::Zero,
            Returned::Nothing,
        ];
        for value in examples {
            // A new return value fails to compile here until it is in `examples`.
            let written = match value {
                Returned::Handle(_) => "handle".to_owned(),
                Returned::True
                | Returned::False
                | Returned::InvalidHandleValue
                | Returned::Null
                | Returned::WaitObject(_)
                | Returned::WaitTimeout
                | Returned::WaitIoCompletion
                | Returned::WaitFailed
                | Returned::Zero
                | Returned::Nothing => value.name(),
            };
            let parsed = Returns::parse(&written).unwrap_or_else(|| panic!("{written}"));
            assert!(parsed.matches(value), "{written}");
        }
        assert_eq!(Returns::parse("WAIT_OBJECT_0 + 64"), None);
        assert_eq!(Returns::parse("WAIT_OBJECT_0 + 01"), None);
        assert_eq!(Returns::parse("WAIT_OBJECT_0 + 0"), None);
        assert_eq!(Returns::parse("true"), None);
        assert!(!Returns::AnyHandle.matches(Returned::Null));
    }

    #[test]
    fn statuses_and_errors_are_found_by_the_names_the_trace_prints() {
        for &status in Status::VARIANTS {
            assert_eq!(status_named(status.name()), Some(status));
            let error = (status != Status::Success).then_some(status);
            assert_eq!(error_named(status.win32_name()), Some(error));
        }
        assert_eq!(error_named("none"), Some(None));
        assert_eq!(error_named("ERROR_SUCCESS"), Some(None));
        assert_eq!(status_named("STATUS_NOPE"), None);
    }

    #[test]
    fn event_kinds_are_distinct() {
        let mut kinds: Vec<&str> = event_kinds().collect();
        let all = kinds.len();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), all);
        assert!(kinds.contains(&"InterruptRaised"));
        assert!(kinds.contains(&"DeviceMediaError"));
    }
}
