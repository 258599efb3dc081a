//! Checking a run against its scenario's expectations (`expect`), as it runs.
//!
//! [`run_checking`] runs a scenario to its end the way `iosim run` streams it and feeds
//! each step to an [`Evaluator`], which keeps only what the expectations ask about (a
//! counter, the IRP or call they name, the first entries of an order), never the trace:
//! memory stays bounded however long the run. Each expectation is judged at its moment:
//!
//! 1. The state is read at step boundaries only, as the walkthrough shows it: step 0 is
//!    the machine as built, and step N the state once the kernel's Nth action and all
//!    the events it recorded are done.
//! 2. `{"step": N}` is judged after step N; `{"after": {kind, nth}}` after the step that
//!    recorded the nth event of that kind (with whatever else that step recorded);
//!    `{"ns": T}` after the last step at or before T, just before the first step past
//!    it (or at the end); no `at`, at the end of the run.
//! 3. What an expectation counts (events, calls, packets, an order) counts every event
//!    up to its moment, and nothing after.
//!
//! Each [`Verdict`] says what was expected and what was found, and where: the event that
//! set the value found (the IRP's `IrpCompleted`, the call's `CallReturned`, the step
//! that last changed a thread's state), or the moment it was checked at. Sentences are
//! made at the end, from the finished kernel, which explains any earlier event in the
//! same words as the kernel of its own time did.

use std::collections::BTreeSet;
use std::io;

use kernel_sim::io::Status;
use kernel_sim::trace::format_time;
use kernel_sim::{IrpId, Kernel, OverlappedId, PortId, Returned, ThreadId, Time, TraceEvent, What};
use serde::Serialize;

use crate::Error;
use crate::scenario::expect::{
    Expectation, Moment, Named, OrderOf, PacketExpect, PortExpect, Returns, ThreadExpect,
    ThreadState, error_named, event_kinds, status_named,
};
use crate::scenario::model::Scenario;

pub mod walkthrough;

/// Why expectations cannot be checked against a kernel: they name something it does not
/// have, because they were not validated with the scenario the kernel was built from.
/// Nothing was checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpectError {
    /// Expectation `index` names a thread, call, status, error code, return value or
    /// event kind that does not exist.
    #[error("expectation {index} names no {} `{name}`", .what.noun())]
    Unknown {
        index: usize,
        what: Named,
        name: String,
    },
}

/// What became of one expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Its place in the scenario's `expect` list, from 0.
    pub index: usize,
    /// What it states, in words.
    pub expectation: String,
    pub verdict: Outcome,
    /// The value it states, in words.
    pub expected: String,
    /// The value the run showed, in the same words.
    pub found: String,
    /// Where the value found was set, or when it was checked.
    #[serde(rename = "where")]
    pub place: Place,
}

impl Verdict {
    pub fn held(&self) -> bool {
        self.verdict == Outcome::Held
    }
}

/// Whether an expectation held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Held,
    Broken,
}

/// Where a verdict's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The event that set the value found.
    Event(EventAt),
    /// The moment the expectation was checked at, when no single event set the value
    /// (it never changed, or what was expected never happened).
    Checked(Checked),
}

/// One event of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventAt {
    /// Its place in the trace, from 0: its index in `--format json`'s `events`, and in
    /// `--format jsonl` the line after the line of names (line `index + 2`, from 1).
    pub index: u64,
    /// The walkthrough step that recorded it.
    pub step: u64,
    pub time: Time,
    pub kind: &'static str,
    /// Its sentence, as `iosim run` narrates it (without the model's notes).
    pub text: String,
}

/// A moment of the run: the end of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub step: u64,
    pub time: Time,
    /// The run had ended.
    pub end: bool,
    /// The last event by then, if any.
    pub last_event: Option<EventAt>,
}

/// Runs `scenario` to its end with `seed`, as [`crate::run_streaming`] does (each event
/// goes to `each` as it happens, and is then dropped), judging the scenario's
/// expectations as it goes. The finished kernel (with an empty trace) gives the summary.
pub fn run_checking(
    scenario: &Scenario,
    seed: u64,
    mut each: impl FnMut(&Kernel, &TraceEvent) -> io::Result<()>,
) -> Result<(Kernel, Vec<Verdict>), Error> {
    let kernel = crate::build::build(scenario, seed);
    let mut evaluator = Evaluator::new(&scenario.expect, &kernel)?;
    let kernel = crate::run_steps(kernel, scenario, seed, |kernel, events| {
        for event in events {
            each(kernel, event)?;
        }
        evaluator.step(kernel, events);
        Ok(())
    })?;
    let verdicts = evaluator.finish(&kernel);
    Ok((kernel, verdicts))
}

/// Judges expectations on a run fed to it step by step. A clone goes on from where the
/// original was (the walkthrough keeps clones to step back to).
#[derive(Clone)]
pub struct Evaluator<'s> {
    checks: Vec<Check<'s>>,
    /// The next event's place in the trace.
    next_index: u64,
    /// The last event so far.
    last: Option<Seen>,
    /// Checks not judged yet.
    open: usize,
}

/// An event kept for a verdict, explained only at the end.
#[derive(Debug, Clone)]
struct Seen {
    index: u64,
    step: u64,
    event: TraceEvent,
}

/// A moment as it was reached.
#[derive(Debug, Clone)]
struct Mark {
    step: u64,
    time: Time,
    end: bool,
    last: Option<Seen>,
}

#[derive(Debug, Clone)]
enum Spot {
    Event(Seen),
    Checked(Mark),
}

#[derive(Debug, Clone)]
struct Judged {
    held: bool,
    expected: String,
    found: String,
    spot: Spot,
}

/// One expectation being checked.
#[derive(Clone)]
struct Check<'s> {
    expectation: &'s Expectation,
    when: When<'s>,
    watch: Watch,
    judged: Option<Judged>,
}

/// When a check is judged.
#[derive(Clone)]
enum When<'s> {
    End,
    Time(Time),
    Step(u64),
    After {
        kind: &'s str,
        nth: u64,
        seen: u64,
        /// The step now ending recorded the nth one.
        due: bool,
    },
}

/// What a check keeps of the run until its moment: only what its expectation asks.
#[derive(Clone)]
enum Watch {
    Irp {
        irp: IrpId,
        status: Option<Status>,
        /// The highest IRP number created so far.
        made: u64,
        completed: Option<(Status, u32, Seen)>,
    },
    Call {
        thread: ThreadId,
        returns: Option<Returns>,
        error: Option<Option<Status>>,
        /// Calls of that name the thread has returned from.
        made: u64,
        found: Option<(Returned, Option<Status>, Seen)>,
    },
    Thread {
        thread: ThreadId,
        apcs_run: u64,
        /// The stated facts' values after the last step, and the event that last changed
        /// each (none: it is as the machine was built).
        last: Option<ThreadFacts>,
        changed: [Option<Seen>; 3],
    },
    Port {
        port: Option<PortId>,
        last: Option<PortFacts>,
        changed: [Option<Seen>; 3],
    },
    Packet {
        port: Option<PortId>,
        thread: Option<ThreadId>,
        dequeued: u64,
        /// The byte counts and OVERLAPPEDs of the port's packets still queued, oldest
        /// first: a packet leaves in the order it came.
        queued: std::collections::VecDeque<(u32, Option<OverlappedId>)>,
        found: Option<TakenPacket>,
    },
    Order {
        thread: Option<ThreadId>,
        port: Option<PortId>,
        /// The thread's IRPs not completed yet (an order of one thread's completions).
        open: BTreeSet<IrpId>,
        /// The first entries, as many as the expectation lists and one more.
        entries: Vec<(Option<u64>, Seen)>,
        total: u64,
    },
    Count {
        n: u64,
        /// The event that took the count past what is expected.
        passed: Option<Seen>,
    },
}

/// A thread's stated facts (`None`: not stated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ThreadFacts {
    state: Option<ThreadState>,
    apcs_queued: Option<u32>,
    apcs_run: Option<u64>,
}

/// A port's stated facts (`None`: not stated); all `None` until the port exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PortFacts {
    queued: Option<u32>,
    running: Option<u32>,
    waiting: Option<u32>,
}

impl<'s> Evaluator<'s> {
    /// An evaluator of `expectations` for the run of `kernel`, as built: its threads are
    /// looked up by name now.
    pub fn new(expectations: &'s [Expectation], kernel: &Kernel) -> Result<Self, ExpectError> {
        let checks = expectations
            .iter()
            .enumerate()
            .map(|(index, expectation)| Check::new(index, expectation, kernel))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Evaluator {
            open: checks.len(),
            checks,
            next_index: 0,
            last: None,
        })
    }

    /// Takes in one step: the events it recorded (for the first call, those the build
    /// recorded, step 0), with `kernel` as the step left it. Reads the kernel, and the
    /// time of its next step when a check is due at a time (dropping the stale entries
    /// its next step would drop).
    pub fn step(&mut self, kernel: &mut Kernel, events: &[TraceEvent]) {
        let first = self.next_index;
        self.next_index += events.len() as u64;
        if self.open == 0 {
            return;
        }
        let step = kernel.core().steps;
        for (i, event) in events.iter().enumerate() {
            let index = first + i as u64;
            let kind = event.what.kind();
            let seen = || Seen {
                index,
                step,
                event: event.clone(),
            };
            for check in self.checks.iter_mut().filter(|c| c.judged.is_none()) {
                check.observe(kernel, &event.what, kind, &seen);
            }
        }
        if let Some(event) = events.last() {
            self.last = Some(Seen {
                index: self.next_index - 1,
                step,
                event: event.clone(),
            });
        }
        let timed = self
            .checks
            .iter()
            .any(|c| c.judged.is_none() && matches!(c.when, When::Time(_)));
        let next = if timed { kernel.next_time() } else { None };
        let mark = || Mark {
            step,
            time: kernel.now(),
            end: false,
            last: self.last.clone(),
        };
        for check in self.checks.iter_mut().filter(|c| c.judged.is_none()) {
            check.after_step(kernel, events, first, step);
            // A check at a time after the run's last step waits for `finish`, which
            // judges it at the end of the run.
            let due = match check.when {
                When::End => false,
                When::Time(t) => next.is_some_and(|next| next > t),
                When::Step(n) => n == step,
                When::After { due, .. } => due,
            };
            if due {
                check.judged = Some(check.judge(kernel, &mark()));
                self.open -= 1;
            }
        }
    }

    /// The verdicts, in the expectations' order, once the run has ended with `kernel`:
    /// what is not judged yet is judged at the end, and a moment the run never reached
    /// breaks its expectation.
    pub fn finish(mut self, kernel: &Kernel) -> Vec<Verdict> {
        let end = Mark {
            step: kernel.core().steps,
            time: kernel.now(),
            end: true,
            last: self.last.take(),
        };
        self.checks
            .into_iter()
            .enumerate()
            .map(|(index, mut check)| {
                let judged = match check.judged.take() {
                    Some(judged) => judged,
                    None => check.judge_at_end(kernel, &end),
                };
                check.verdict(index, judged, kernel)
            })
            .collect()
    }

    /// Where each expectation stands after the steps taken in so far, `kernel` being as
    /// the last one left it: what the walkthrough shows at a step. `ended`: the run ends
    /// there, and every verdict is final, as [`Evaluator::finish`] gives it.
    pub fn standing(&self, kernel: &Kernel, ended: bool) -> Vec<Standing> {
        if ended {
            let verdicts = self.clone().finish(kernel);
            return verdicts.into_iter().map(Standing::Judged).collect();
        }
        let now = Mark {
            step: kernel.core().steps,
            time: kernel.now(),
            end: false,
            last: self.last.clone(),
        };
        self.checks
            .iter()
            .enumerate()
            .map(|(index, check)| match (&check.judged, &check.when) {
                (Some(judged), _) => Standing::Judged(check.verdict(index, judged.clone(), kernel)),
                (None, When::End) => {
                    Standing::AtEnd(check.verdict(index, check.judge(kernel, &now), kernel))
                }
                (None, _) => Standing::Ahead {
                    index,
                    expectation: statement(check.expectation),
                },
            })
            .collect()
    }
}

/// Where one expectation stands partway through a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Its moment has come: the verdict `iosim check` gives, final.
    Judged(Verdict),
    /// Its moment (a step, a time or an event) is later.
    Ahead { index: usize, expectation: String },
    /// It is judged at the end of the run, which is later: the verdict it would get if
    /// the run ended here.
    AtEnd(Verdict),
}

impl Seen {
    fn explained(self, kernel: &Kernel) -> EventAt {
        EventAt {
            index: self.index,
            step: self.step,
            time: self.event.time,
            kind: self.event.what.kind(),
            text: kernel.explain(&self.event),
        }
    }
}

/// The thread named `name` in `kernel`.
fn thread_id(kernel: &Kernel, index: usize, name: &str) -> Result<ThreadId, ExpectError> {
    kernel
        .core()
        .threads
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.id)
        .ok_or_else(|| unknown(index, Named::Thread, name))
}

fn unknown(index: usize, what: Named, name: &str) -> ExpectError {
    ExpectError::Unknown {
        index,
        what,
        name: name.to_owned(),
    }
}

impl<'s> Check<'s> {
    fn new(
        index: usize,
        expectation: &'s Expectation,
        kernel: &Kernel,
    ) -> Result<Self, ExpectError> {
        let kind = |name: &'s str| {
            event_kinds()
                .any(|k| k == name)
                .then_some(name)
                .ok_or_else(|| unknown(index, Named::Kind, name))
        };
        let when = match expectation.at() {
            None => When::End,
            Some(Moment::Ns(t)) => When::Time(*t),
            Some(Moment::Step(n)) => When::Step(*n),
            Some(Moment::After(after)) => When::After {
                kind: kind(&after.kind)?,
                nth: after.nth,
                seen: 0,
                due: false,
            },
        };
        let thread = |name: &str| thread_id(kernel, index, name);
        let watch = match expectation {
            Expectation::Irp(e) => Watch::Irp {
                irp: IrpId(e.irp),
                status: e
                    .status
                    .as_deref()
                    .map(|s| status_named(s).ok_or_else(|| unknown(index, Named::Status, s)))
                    .transpose()?,
                made: 0,
                completed: None,
            },
            Expectation::Call(e) => {
                if !kernel_sim::RETURNING_CALLS.contains(&e.call.as_str()) {
                    return Err(unknown(index, Named::Call, &e.call));
                }
                Watch::Call {
                    thread: thread(&e.thread)?,
                    returns: e
                        .returns
                        .as_deref()
                        .map(|r| Returns::parse(r).ok_or_else(|| unknown(index, Named::Return, r)))
                        .transpose()?,
                    error: e
                        .error
                        .as_deref()
                        .map(|r| error_named(r).ok_or_else(|| unknown(index, Named::Error, r)))
                        .transpose()?,
                    made: 0,
                    found: None,
                }
            }
            Expectation::Thread(e) => Watch::Thread {
                thread: thread(&e.thread)?,
                apcs_run: 0,
                last: None,
                changed: Default::default(),
            },
            Expectation::Port(_) => Watch::Port {
                port: None,
                last: None,
                changed: Default::default(),
            },
            Expectation::Packet(e) => Watch::Packet {
                port: None,
                thread: e.thread.as_deref().map(thread).transpose()?,
                dequeued: 0,
                queued: Default::default(),
                found: None,
            },
            Expectation::Order(e) => Watch::Order {
                thread: e.thread.as_deref().map(thread).transpose()?,
                port: None,
                open: BTreeSet::new(),
                entries: Vec::new(),
                total: 0,
            },
            Expectation::Count(e) => {
                kind(&e.of)?;
                Watch::Count { n: 0, passed: None }
            }
        };
        Ok(Check {
            expectation,
            when,
            watch,
            judged: None,
        })
    }

    /// The verdict of `judged`, this check being expectation `index`; `kernel` is at or
    /// after the event it names, to explain it.
    fn verdict(&self, index: usize, judged: Judged, kernel: &Kernel) -> Verdict {
        Verdict {
            index,
            expectation: statement(self.expectation),
            verdict: if judged.held {
                Outcome::Held
            } else {
                Outcome::Broken
            },
            expected: judged.expected,
            found: judged.found,
            place: match judged.spot {
                Spot::Event(seen) => Place::Event(seen.explained(kernel)),
                Spot::Checked(mark) => Place::Checked(Checked {
                    step: mark.step,
                    time: mark.time,
                    end: mark.end,
                    last_event: mark.last.map(|seen| seen.explained(kernel)),
                }),
            },
        }
    }

    /// Takes in one event.
    fn observe(&mut self, kernel: &Kernel, what: &What, kind: &str, seen: &dyn Fn() -> Seen) {
        if let When::After {
            kind: after,
            nth,
            seen: count,
            due,
        } = &mut self.when
            && *after == kind
        {
            *count += 1;
            *due |= *count == *nth;
        }
        let port_named = |port: PortId, name: &str| kernel.port_name(port) == name;
        match (&mut self.watch, self.expectation) {
            (
                Watch::Irp {
                    irp: wanted,
                    made,
                    completed,
                    ..
                },
                _,
            ) => match *what {
                What::IrpCreated { irp, .. } => *made = (*made).max(irp.0),
                What::IrpCompleted {
                    irp, status, bytes, ..
                } if irp == *wanted && completed.is_none() => {
                    *completed = Some((status, bytes, seen()));
                }
                _ => {}
            },
            (
                Watch::Call {
                    thread: wanted,
                    made,
                    found,
                    ..
                },
                Expectation::Call(e),
            ) => {
                if let What::CallReturned {
                    thread,
                    call,
                    returned,
                    error,
                } = *what
                    && thread == *wanted
                    && call == e.call
                {
                    *made += 1;
                    if *made == e.nth {
                        *found = Some((returned, error, seen()));
                    }
                }
            }
            (
                Watch::Thread {
                    thread: wanted,
                    apcs_run,
                    ..
                },
                _,
            ) => {
                if let What::ApcRun { thread, .. } = *what
                    && thread == *wanted
                {
                    *apcs_run += 1;
                }
            }
            (Watch::Port { port: found, .. }, Expectation::Port(e)) => {
                if let What::PortCreated { port, .. } = *what
                    && found.is_none()
                    && port_named(port, &e.port)
                {
                    *found = Some(port);
                }
            }
            (
                Watch::Packet {
                    port: resolved,
                    dequeued,
                    queued,
                    found,
                    ..
                },
                Expectation::Packet(e),
            ) => match *what {
                What::PortCreated { port, .. }
                    if resolved.is_none() && port_named(port, &e.port) =>
                {
                    *resolved = Some(port);
                }
                What::PacketQueued {
                    port,
                    bytes,
                    overlapped,
                    ..
                } if Some(port) == *resolved => {
                    queued.push_back((bytes, overlapped));
                }
                What::PortClosed { port, .. } if Some(port) == *resolved => queued.clear(),
                What::PacketDequeued {
                    port,
                    thread,
                    irp,
                    key,
                    ..
                } if Some(port) == *resolved => {
                    *dequeued += 1;
                    let (bytes, overlapped) = queued.pop_front().unwrap_or_default();
                    if *dequeued == e.nth {
                        *found = Some(TakenPacket {
                            thread,
                            key,
                            bytes,
                            irp,
                            overlapped,
                            seen: seen(),
                        });
                    }
                }
                _ => {}
            },
            (
                Watch::Order {
                    thread: wanted,
                    port: resolved,
                    open,
                    entries,
                    total,
                },
                Expectation::Order(e),
            ) => {
                let entry = match (e.of, what) {
                    (OrderOf::Completions, What::IrpCreated { irp, thread, .. }) => {
                        if wanted.is_some() && *thread == *wanted {
                            open.insert(*irp);
                        }
                        None
                    }
                    (OrderOf::Completions, What::IrpCompleted { irp, .. }) => {
                        (wanted.is_none() || open.remove(irp)).then_some(Some(irp.0))
                    }
                    // An APC queued with QueueUserAPC has no IRP: written null.
                    (OrderOf::Apcs, What::ApcRun { thread, irp, .. }) => {
                        (Some(*thread) == *wanted).then_some(irp.map(|i| i.0))
                    }
                    (OrderOf::Packets, What::PortCreated { port, .. }) => {
                        if resolved.is_none()
                            && e.port.as_deref().is_some_and(|n| port_named(*port, n))
                        {
                            *resolved = Some(*port);
                        }
                        None
                    }
                    (OrderOf::Packets, What::PacketDequeued { port, irp, .. }) => {
                        (Some(*port) == *resolved).then_some(irp.map(|i| i.0))
                    }
                    _ => None,
                };
                if let Some(entry) = entry {
                    *total += 1;
                    if entries.len() <= e.is.len() {
                        entries.push((entry, seen()));
                    }
                }
            }
            (Watch::Count { n, passed }, Expectation::Count(e)) if kind == e.of => {
                *n += 1;
                if e.is.checked_add(1) == Some(*n) {
                    *passed = Some(seen());
                }
            }
            _ => {}
        }
    }

    /// After a step: notes which event changed the state a thread or port check reads:
    /// for a thread, the step's last event about it (which leaves it as it is); for a
    /// port, the step's first event (what the step did, which changed the port). `events`
    /// are the step's, the first at `first` in the trace.
    fn after_step(&mut self, kernel: &Kernel, events: &[TraceEvent], first: u64, step: u64) {
        let at = |about: Option<ThreadId>| {
            let i = match about {
                Some(thread) => events
                    .iter()
                    .rposition(|e| e.what.thread() == Some(thread))
                    .or_else(|| events.len().checked_sub(1))?,
                None => (!events.is_empty()).then_some(0)?,
            };
            Some(Seen {
                index: first + i as u64,
                step,
                event: events[i].clone(),
            })
        };
        match (&mut self.watch, self.expectation) {
            (
                Watch::Thread {
                    thread,
                    apcs_run,
                    last,
                    changed,
                },
                Expectation::Thread(e),
            ) => {
                let now = ThreadFacts::now(kernel, *thread, *apcs_run).only(ThreadFacts::stated(e));
                if let Some(last) = last.replace(now) {
                    note_changes(changed, last.differs(now), || at(Some(*thread)));
                }
            }
            (
                Watch::Port {
                    port,
                    last,
                    changed,
                },
                Expectation::Port(e),
            ) => {
                let now = PortFacts::now(kernel, *port).only(PortFacts::stated(e));
                if let Some(last) = last.replace(now) {
                    note_changes(changed, last.differs(now), || at(None));
                }
            }
            _ => {}
        }
    }

    /// Judges the check at a moment the run is at: `kernel` is the state then.
    fn judge(&self, kernel: &Kernel, mark: &Mark) -> Judged {
        let checked = || Spot::Checked(mark.clone());
        let by_then = if mark.end { "" } else { " by then" };
        match (&self.watch, self.expectation) {
            (
                Watch::Irp {
                    status,
                    made,
                    completed,
                    ..
                },
                Expectation::Irp(e),
            ) => {
                let expected = irp_words(*status, e.bytes);
                let (held, found, spot) = match completed {
                    Some((s, bytes, seen)) => (
                        status.is_none_or(|want| want == *s) && e.bytes.is_none_or(|b| b == *bytes),
                        irp_words(Some(*s), Some(*bytes)),
                        Spot::Event(seen.clone()),
                    ),
                    None if e.irp <= *made => (
                        *status == Some(Status::Pending),
                        irp_words(Some(Status::Pending), None),
                        checked(),
                    ),
                    None => (
                        false,
                        format!("no IRP{}: {} created{by_then}", e.irp, plural(*made, "IRP")),
                        checked(),
                    ),
                };
                Judged {
                    held,
                    expected,
                    found,
                    spot,
                }
            }
            (
                Watch::Call {
                    returns,
                    error,
                    made,
                    found,
                    ..
                },
                Expectation::Call(e),
            ) => {
                let expected = call_words(
                    e.returns.as_deref(),
                    error.map(|error| error.map_or("no error", Status::win32_name)),
                );
                match found {
                    Some((returned, set, seen)) => Judged {
                        held: returns.is_none_or(|r| r.matches(*returned))
                            && error.is_none_or(|e| e == *set),
                        expected,
                        found: call_words(
                            Some(&returned.name()),
                            Some(set.map_or("no error", Status::win32_name)),
                        ),
                        spot: Spot::Event(seen.clone()),
                    },
                    None => Judged {
                        held: false,
                        expected,
                        found: match made {
                            0 => format!("no {} call returned to {}{by_then}", e.call, e.thread),
                            n => format!(
                                "only {} returned to {}{by_then}",
                                plural(*n, &format!("{} call", e.call)),
                                e.thread
                            ),
                        },
                        spot: checked(),
                    },
                }
            }
            (
                Watch::Thread {
                    thread,
                    apcs_run,
                    changed,
                    ..
                },
                Expectation::Thread(e),
            ) => {
                let stated = ThreadFacts::stated(e);
                let all = ThreadFacts::now(kernel, *thread, *apcs_run);
                Judged {
                    held: all.only(stated) == stated,
                    expected: thread_words(stated),
                    found: thread_words(all),
                    spot: where_set(changed, all.only(stated).differs(stated))
                        .map_or_else(checked, Spot::Event),
                }
            }
            (Watch::Port { port, changed, .. }, Expectation::Port(e)) => {
                let stated = PortFacts::stated(e);
                if port.is_none() {
                    return Judged {
                        held: false,
                        expected: port_words(stated),
                        found: format!("no port {} created{by_then}", e.port),
                        spot: checked(),
                    };
                }
                let all = PortFacts::now(kernel, *port);
                Judged {
                    held: all.only(stated) == stated,
                    expected: port_words(stated),
                    found: port_words(all),
                    spot: where_set(changed, all.only(stated).differs(stated))
                        .map_or_else(checked, Spot::Event),
                }
            }
            (
                Watch::Packet {
                    thread,
                    dequeued,
                    found,
                    ..
                },
                Expectation::Packet(e),
            ) => {
                let name = |t: ThreadId| kernel.thread_name(t).to_owned();
                let expected = packet_words(e);
                match found {
                    Some(p) => {
                        // A request always has an OVERLAPPED, tagged in the scenario or not;
                        // only a posted packet can report none.
                        let tag = match (p.overlapped, p.irp) {
                            (Some(o), _) => Some(kernel.overlapped_name(o).to_owned()),
                            (None, Some(_)) => Some("(untagged)".to_owned()),
                            (None, None) => None,
                        };
                        Judged {
                            held: thread.is_none_or(|t| t == p.thread)
                                && e.key.is_none_or(|k| k == p.key)
                                && e.bytes.is_none_or(|b| b == u64::from(p.bytes))
                                && e.irp.is_none_or(|i| i == p.irp.map(|i| i.0))
                                && e.overlapped.as_ref().is_none_or(|o| *o == tag),
                            expected,
                            found: packet_words(&PacketExpect {
                                thread: Some(name(p.thread)),
                                key: Some(p.key),
                                bytes: e.bytes.map(|_| u64::from(p.bytes)),
                                irp: Some(p.irp.map(|i| i.0)),
                                overlapped: e.overlapped.as_ref().map(|_| tag),
                                ..e.clone()
                            }),
                            spot: Spot::Event(p.seen.clone()),
                        }
                    }
                    None => Judged {
                        held: false,
                        expected,
                        found: match dequeued {
                            0 => format!("no packet dequeued from {}{by_then}", e.port),
                            n => format!(
                                "only {} dequeued from {}{by_then}",
                                plural(*n, "packet"),
                                e.port
                            ),
                        },
                        spot: checked(),
                    },
                }
            }
            (Watch::Order { entries, total, .. }, Expectation::Order(e)) => {
                let listed: Vec<Option<u64>> = entries.iter().map(|(entry, _)| *entry).collect();
                let mut found = order_words(e.of, &listed);
                if *total > listed.len() as u64 {
                    found += &format!(", ... ({total} in all)");
                }
                let differs = listed.iter().zip(&e.is).position(|(a, b)| a != b);
                let spot = match differs {
                    Some(i) => Spot::Event(entries[i].1.clone()),
                    None if listed.len() > e.is.len() => Spot::Event(entries[e.is.len()].1.clone()),
                    None => checked(),
                };
                Judged {
                    held: listed == e.is,
                    expected: order_words(e.of, &e.is),
                    found,
                    spot,
                }
            }
            (Watch::Count { n, passed }, Expectation::Count(e)) => Judged {
                held: *n == e.is,
                expected: e.is.to_string(),
                found: n.to_string(),
                spot: passed.clone().map_or_else(checked, Spot::Event),
            },
            _ => unreachable!("a check watches what its expectation names"),
        }
    }

    /// Judges a check whose moment had not come when the run ended.
    fn judge_at_end(&self, kernel: &Kernel, end: &Mark) -> Judged {
        let unreached = match &self.when {
            When::End | When::Time(_) => None,
            When::Step(_) => Some(format!("the run has only {}", plural(end.step, "step"))),
            When::After { kind, seen, .. } => Some(format!(
                "the run has only {}",
                plural(*seen, &format!("{kind} event"))
            )),
        };
        let judged = self.judge(kernel, end);
        match unreached {
            None => judged,
            Some(found) => Judged {
                held: false,
                found,
                spot: Spot::Checked(end.clone()),
                ..judged
            },
        }
    }
}

/// Notes, for each fact that `differs`, the event `at` gives as where it changed.
fn note_changes(
    changed: &mut [Option<Seen>; 3],
    differs: [bool; 3],
    at: impl Fn() -> Option<Seen>,
) {
    for (slot, differs) in changed.iter_mut().zip(differs) {
        if differs && let Some(seen) = at() {
            *slot = Some(seen);
        }
    }
}

/// Where the value found was set: the latest change of a fact that is not as expected
/// (`wrong`), or, if all are, the latest change of any. The latest, not the first wrong
/// fact's: a fact set and reset within one step shows no change, and pointing at where
/// it was first set would send the reader far back.
fn where_set(changed: &[Option<Seen>; 3], wrong: [bool; 3]) -> Option<Seen> {
    let any_wrong = wrong.iter().any(|w| *w);
    changed
        .iter()
        .zip(wrong)
        .filter(|(_, w)| *w || !any_wrong)
        .filter_map(|(seen, _)| seen.as_ref())
        .max_by_key(|s| s.index)
        .cloned()
}

impl ThreadFacts {
    /// Which facts differ: state, APCs queued, APCs run.
    fn differs(self, other: Self) -> [bool; 3] {
        [
            self.state != other.state,
            self.apcs_queued != other.apcs_queued,
            self.apcs_run != other.apcs_run,
        ]
    }

    /// What `e` states.
    fn stated(e: &ThreadExpect) -> Self {
        ThreadFacts {
            state: e.state,
            apcs_queued: e.apcs_queued,
            apcs_run: e.apcs_run,
        }
    }

    /// Every fact of `thread` now; `apcs_run` is counted from the trace.
    fn now(kernel: &Kernel, thread: ThreadId, apcs_run: u64) -> Self {
        let t = &kernel.core().threads[thread.0 as usize];
        ThreadFacts {
            state: Some(ThreadState::of(&t.state)),
            apcs_queued: Some(t.apcs.len() as u32),
            apcs_run: Some(apcs_run),
        }
    }

    /// These facts, only where `stated` states one.
    fn only(self, stated: Self) -> Self {
        ThreadFacts {
            state: stated.state.and(self.state),
            apcs_queued: stated.apcs_queued.and(self.apcs_queued),
            apcs_run: stated.apcs_run.and(self.apcs_run),
        }
    }
}

impl PortFacts {
    /// Which facts differ: packets queued, running count, threads waiting.
    fn differs(self, other: Self) -> [bool; 3] {
        [
            self.queued != other.queued,
            self.running != other.running,
            self.waiting != other.waiting,
        ]
    }

    /// What `e` states.
    fn stated(e: &PortExpect) -> Self {
        PortFacts {
            queued: e.queued,
            running: e.running,
            waiting: e.waiting,
        }
    }

    /// Every fact of `port` now; none before it exists.
    fn now(kernel: &Kernel, port: Option<PortId>) -> Self {
        match port {
            Some(port) => {
                let p = &kernel.core().ports[port.0 as usize];
                PortFacts {
                    queued: Some(p.packets.len() as u32),
                    running: Some(p.running),
                    waiting: Some(p.waiters.len() as u32),
                }
            }
            None => PortFacts {
                queued: None,
                running: None,
                waiting: None,
            },
        }
    }

    /// These facts, only where `stated` states one.
    fn only(self, stated: Self) -> Self {
        PortFacts {
            queued: stated.queued.and(self.queued),
            running: stated.running.and(self.running),
            waiting: stated.waiting.and(self.waiting),
        }
    }
}

/// What an expectation states, in words, with its moment first unless it is the end of
/// the run.
fn statement(expectation: &Expectation) -> String {
    let fact = match expectation {
        Expectation::Irp(e) => {
            let status = e.status.as_deref().and_then(status_named);
            if status == Some(Status::Pending) {
                format!("IRP{} is still pending", e.irp)
            } else {
                format!("IRP{} completes with {}", e.irp, irp_words(status, e.bytes))
            }
        }
        Expectation::Call(e) => format!(
            "{}'s {} {} returns {}",
            e.thread,
            ordinal(e.nth),
            e.call,
            call_words(e.returns.as_deref(), e.error.as_deref())
        ),
        Expectation::Thread(e) => format!(
            "{} {}",
            e.thread,
            thread_words(ThreadFacts {
                state: e.state,
                apcs_queued: e.apcs_queued,
                apcs_run: e.apcs_run,
            })
        ),
        Expectation::Port(e) => format!(
            "port {} {}",
            e.port,
            port_words(PortFacts {
                queued: e.queued,
                running: e.running,
                waiting: e.waiting,
            })
        ),
        Expectation::Packet(e) => format!(
            "the {} packet dequeued from {} {}",
            ordinal(e.nth),
            e.port,
            packet_words(e)
        ),
        Expectation::Order(e) => {
            let list = order_words(e.of, &e.is);
            let thread = e.thread.as_deref().unwrap_or_default();
            let port = e.port.as_deref().unwrap_or_default();
            match (e.of, e.is.is_empty(), e.thread.is_some()) {
                (OrderOf::Completions, false, false) => {
                    format!("IRPs complete in the order {list}")
                }
                (OrderOf::Completions, true, false) => "no IRP completes".to_owned(),
                (OrderOf::Completions, false, true) => {
                    format!("{thread}'s IRPs complete in the order {list}")
                }
                (OrderOf::Completions, true, true) => {
                    format!("none of {thread}'s IRPs completes")
                }
                (OrderOf::Apcs, false, _) => {
                    format!("{thread} runs APC routines for {list}, in that order")
                }
                (OrderOf::Apcs, true, _) => format!("{thread} runs no APC routine"),
                (OrderOf::Packets, false, _) => format!("packets leave {port} in the order {list}"),
                (OrderOf::Packets, true, _) => format!("no packet leaves {port}"),
            }
        }
        Expectation::Count(e) => format!(
            "{} {}",
            plural(e.is, &format!("{} event", e.of)),
            if e.is == 1 { "happens" } else { "happen" }
        ),
    };
    match expectation.at() {
        None => fact,
        Some(Moment::Ns(t)) => format!("at t={}: {fact}", format_time(*t)),
        Some(Moment::Step(0)) => format!("at step 0 (as built): {fact}"),
        Some(Moment::Step(n)) => format!("after step {n}: {fact}"),
        Some(Moment::After(after)) => {
            format!("after the {} {}: {fact}", ordinal(after.nth), after.kind)
        }
    }
}

/// "STATUS_CANCELLED and 0 bytes", "still pending".
fn irp_words(status: Option<Status>, bytes: Option<u32>) -> String {
    if status == Some(Status::Pending) {
        return "still pending".to_owned();
    }
    let parts: Vec<String> = [
        status.map(|s| s.name().to_owned()),
        bytes.map(|b| plural(b.into(), "byte")),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join(" and ")
}

/// "FALSE with ERROR_IO_PENDING", "TRUE", "with no error".
fn call_words(returns: Option<&str>, error: Option<&str>) -> String {
    let returns = returns.map(|r| if r == "handle" { "a handle" } else { r });
    let error = error.map(|e| if e == "none" { "no error" } else { e });
    match (returns, error) {
        (Some(r), Some(e)) => format!("{r} with {e}"),
        (Some(r), None) => r.to_owned(),
        (None, Some(e)) => format!("with {e}"),
        (None, None) => String::new(),
    }
}

/// "is waiting, has 0 APCs queued and has run 2 APC routines".
fn thread_words(facts: ThreadFacts) -> String {
    and_list(
        [
            facts.state.map(|s| match s {
                ThreadState::NotStarted => "has not started".to_owned(),
                ThreadState::Exited => "has exited".to_owned(),
                other => format!("is {}", other.word()),
            }),
            facts
                .apcs_queued
                .map(|n| format!("has {} queued", plural(n.into(), "APC"))),
            facts
                .apcs_run
                .map(|n| format!("has run {}", plural(n, "APC routine"))),
        ]
        .into_iter()
        .flatten()
        .collect(),
    )
}

/// "has 0 packets queued, a running count of 1 and 2 threads waiting".
fn port_words(facts: PortFacts) -> String {
    let parts: Vec<String> = [
        facts
            .queued
            .map(|n| format!("{} queued", plural(n.into(), "packet"))),
        facts.running.map(|n| format!("a running count of {n}")),
        facts
            .waiting
            .map(|n| format!("{} waiting", plural(n.into(), "thread"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!("has {}", and_list(parts))
}

/// A packet a check looks for, as it was dequeued.
#[derive(Debug, Clone)]
struct TakenPacket {
    thread: ThreadId,
    key: u64,
    bytes: u32,
    irp: Option<IrpId>,
    overlapped: Option<OverlappedId>,
    seen: Seen,
}

/// "goes to W4, has key 7 and reports IRP3": what `e` states.
fn packet_words(e: &PacketExpect) -> String {
    and_list(
        [
            e.thread.as_ref().map(|t| format!("goes to {t}")),
            e.key.map(|k| format!("has key {k}")),
            e.bytes.map(|b| format!("reports {b} bytes")),
            e.irp.map(|irp| match irp {
                Some(n) => format!("reports IRP{n}"),
                None => "is a posted packet (no IRP)".to_owned(),
            }),
            e.overlapped.as_ref().map(|o| match o {
                Some(tag) => format!("reports OVERLAPPED {tag}"),
                None => "reports no OVERLAPPED".to_owned(),
            }),
        ]
        .into_iter()
        .flatten()
        .collect(),
    )
}

/// "IRP2, IRP1, posted", or "none". An entry with no IRP is a posted packet, or in an
/// order of APCs a routine queued with QueueUserAPC.
fn order_words(of: OrderOf, entries: &[Option<u64>]) -> String {
    if entries.is_empty() {
        return "none".to_owned();
    }
    let no_irp = match of {
        OrderOf::Apcs => "a QueueUserAPC routine",
        _ => "posted",
    };
    entries
        .iter()
        .map(|entry| match entry {
            Some(n) => format!("IRP{n}"),
            None => no_irp.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "a", "a and b", "a, b and c".
fn and_list(parts: Vec<String>) -> String {
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "1 IRP", "2 IRPs".
fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// "1st", "2nd", "3rd", "11th", "22nd".
fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_that_name_what_the_machine_lacks_are_refused() {
        let scenario = crate::scenario::parse(
            "t.json",
            r#"{"name": "t", "description": "one thread",
                "processes": [{"name": "p", "threads": [{"name": "T", "program": []}]}]}"#,
        )
        .expect("valid");
        let kernel = crate::build::build(&scenario, 0);
        let expectations: Vec<Expectation> = serde_json::from_str(
            r#"[{"count": {"of": "CpuIdle", "is": 0}},
                {"thread": {"thread": "nobody", "state": "exited"}}]"#,
        )
        .expect("expectations");
        let error = Evaluator::new(&expectations, &kernel).err();
        assert_eq!(
            error,
            Some(ExpectError::Unknown {
                index: 1,
                what: Named::Thread,
                name: "nobody".to_owned()
            })
        );
    }

    #[test]
    fn ordinals_read_as_english() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }

    #[test]
    fn facts_join_as_a_list() {
        assert_eq!(and_list(vec![]), "");
        assert_eq!(and_list(vec!["a".into()]), "a");
        assert_eq!(
            and_list(vec!["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(
            irp_words(Some(Status::Cancelled), Some(0)),
            "STATUS_CANCELLED and 0 bytes"
        );
        assert_eq!(irp_words(Some(Status::Pending), None), "still pending");
        assert_eq!(call_words(None, Some("none")), "with no error");
    }
}
