//! Kernel objects a program waits on: `create_event`, `set_event`, `reset_event`,
//! `create_semaphore`, `release_semaphore`, `open_thread`, `duplicate_handle`,
//! `wait_objects`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::error::Problem;
use crate::scenario::handle_kind::{HandleKind, Wanted};
use crate::scenario::limits::*;

/// Arguments of `create_event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEvent {
    /// Name the process's ops use for the event's handle (and the event's name in the
    /// narration).
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub event: String,
    /// True: stays signalled until `reset_event`, and a `set_event` releases every
    /// waiter. False: an auto-reset event, which lets one waiter through and resets.
    /// Default false.
    #[serde(default)]
    pub manual_reset: bool,
    /// Whether the event starts signalled. Default false.
    #[serde(default)]
    pub signalled: bool,
}

/// Arguments of `set_event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetEvent {
    /// Event name bound by `create_event ... as` (or `duplicate_handle ... as`) in this
    /// process.
    pub event: String,
}

/// Arguments of `reset_event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetEvent {
    /// Event name bound by `create_event ... as` (or `duplicate_handle ... as`) in this
    /// process.
    pub event: String,
}

/// Arguments of `create_semaphore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSemaphore {
    /// Name the process's ops use for the semaphore's handle (and its name in the
    /// narration).
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub semaphore: String,
    /// The count it starts with, 0 to `max`. The semaphore is signalled while its count
    /// is above 0, and each satisfied wait takes one.
    #[schemars(range(max = MAX_SEMAPHORE_COUNT))]
    pub count: u32,
    /// The most its count may reach, 1 to 2147483647.
    #[schemars(range(min = 1, max = MAX_SEMAPHORE_COUNT))]
    pub max: u32,
}

/// Arguments of `release_semaphore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSemaphore {
    /// Semaphore name bound by `create_semaphore ... as` (or `duplicate_handle ... as`) in
    /// this process.
    pub semaphore: String,
    /// How much to add to the count, 1 to the semaphore's `max`. A release that would take
    /// the count past `max` fails (ERROR_TOO_MANY_POSTS) and changes nothing. Default 1.
    #[serde(default = "default_release")]
    #[schemars(range(min = 1, max = MAX_SEMAPHORE_COUNT))]
    pub count: u32,
}

/// Arguments of `open_thread`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenThread {
    /// Name of a thread of this process (it may be the caller itself).
    pub thread: String,
    /// Name the process's ops use for the thread handle.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub handle: String,
}

/// Arguments of `duplicate_handle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateHandle {
    /// A name bound in this process, of any kind.
    pub handle: String,
    /// Name for the new handle; it is of the same kind as `handle`.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub copy: String,
}

/// Arguments of `wait_objects`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitObjects {
    /// 1 to 64 names of events, semaphores or thread handles bound in this process, each
    /// once. With one name the call is WaitForSingleObjectEx.
    #[schemars(length(min = 1, max = MAX_WAIT_OBJECTS))]
    pub handles: Vec<String>,
    /// True: wait until all are signalled at once, then take them all. False: the first
    /// signalled one (lowest position first) ends the wait, and its position is the
    /// result (WAIT_OBJECT_0 + n). Default false.
    #[serde(default)]
    pub all: bool,
    /// Whether queued APCs may run during the wait (and end it, WAIT_IO_COMPLETION).
    /// Default false.
    #[serde(default)]
    pub alertable: bool,
    /// Give up after this long, ns (WAIT_TIMEOUT); 0 only looks and never waits. Default:
    /// wait forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub timeout_ns: Option<u64>,
}

fn default_release() -> u32 {
    1
}

impl OpForm for CreateEvent {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("as"), &self.event, HandleKind::Event)
    }
}

impl OpForm for SetEvent {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(
            at.key("event"),
            &self.event,
            Wanted::Kind(HandleKind::Event),
        )
    }
}

impl OpForm for ResetEvent {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(
            at.key("event"),
            &self.event,
            Wanted::Kind(HandleKind::Event),
        )
    }
}

impl OpForm for CreateSemaphore {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("as"), &self.semaphore, HandleKind::Semaphore)?;
        d.bounds(&self.semaphore, self.max);
        d.number(at.key("max"), self.max.into(), 1, MAX_SEMAPHORE_COUNT)?;
        d.number(at.key("count"), self.count.into(), 0, MAX_SEMAPHORE_COUNT)?;
        d.rule(|_| {
            if self.count > self.max {
                return at.key("count").fail(Problem::CountAboveMax {
                    count: self.count,
                    max: self.max,
                });
            }
            Ok(())
        })
    }
}

impl OpForm for ReleaseSemaphore {
    /// A count the semaphore's maximum allows, when the name is bound by
    /// `create_semaphore` alone (through a duplicate, the run reports it).
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        let semaphore = &self.semaphore;
        d.uses(
            at.key("semaphore"),
            semaphore,
            Wanted::Kind(HandleKind::Semaphore),
        )?;
        d.number(at.key("count"), self.count.into(), 1, MAX_SEMAPHORE_COUNT)?;
        d.rule(|cx| match cx.semaphore_max(semaphore) {
            Some(max) if self.count > max => at.key("count").fail(Problem::ReleaseAboveMax {
                semaphore: semaphore.clone(),
                count: self.count,
                max,
            }),
            _ => Ok(()),
        })
    }
}

/// Arguments of `queue_apc`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueApc {
    /// A thread handle bound in this process (by `open_thread`): the thread whose APC queue
    /// gets the routine.
    pub thread: String,
    /// A routine declared in the process's `routines`: it runs in that thread when the
    /// thread waits alertably, or first thing if the thread has not begun to run.
    pub routine: String,
}

impl OpForm for QueueApc {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(
            at.key("thread"),
            &self.thread,
            Wanted::Kind(HandleKind::Thread),
        )?;
        d.uses_routine(at.key("routine"), &self.routine)
    }
}

impl Step for QueueApc {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::QueueApc {
            thread: cx.handle(&self.thread),
            routine: cx.routine(&self.routine),
        }
    }
}

impl OpForm for OpenThread {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("as"), &self.handle, HandleKind::Thread)?;
        d.uses_thread(at.key("thread"), &self.thread)
    }
}

impl OpForm for DuplicateHandle {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.copies(at.key("as"), &self.copy, &self.handle)?;
        d.uses(at.key("handle"), &self.handle, Wanted::Any)
    }
}

impl OpForm for WaitObjects {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.count(
            at.key("handles"),
            "handles",
            self.handles.len(),
            1,
            MAX_WAIT_OBJECTS,
        )?;
        for (i, handle) in self.handles.iter().enumerate() {
            d.uses(at.item("handles", i), handle, Wanted::Waitable)?;
            d.rule(
                |_| match self.handles[..i].iter().position(|h| h == handle) {
                    Some(first) => at.item("handles", i).fail(Problem::NamedTwiceInWait {
                        name: handle.clone(),
                        first,
                    }),
                    None => Ok(()),
                },
            )?;
        }
        if let Some(timeout) = self.timeout_ns {
            d.number(at.key("timeout_ns"), timeout, 0, MAX_NS)?;
        }
        Ok(())
    }
}

impl Step for CreateEvent {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.event);
        Syscall::CreateEvent {
            manual_reset: self.manual_reset,
            signalled: self.signalled,
            name: self.event.clone(),
        }
    }
}

impl Step for SetEvent {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::SetEvent {
            event: cx.handle(&self.event),
        }
    }
}

impl Step for ResetEvent {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::ResetEvent {
            event: cx.handle(&self.event),
        }
    }
}

impl Step for CreateSemaphore {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.semaphore);
        Syscall::CreateSemaphore {
            count: self.count,
            max: self.max,
            name: self.semaphore.clone(),
        }
    }
}

impl Step for ReleaseSemaphore {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::ReleaseSemaphore {
            semaphore: cx.handle(&self.semaphore),
            count: self.count,
        }
    }
}

impl Step for OpenThread {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.handle);
        Syscall::OpenThread {
            thread: cx.thread(&self.thread),
        }
    }
}

impl Step for DuplicateHandle {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.copy);
        Syscall::DuplicateHandle {
            handle: cx.handle(&self.handle),
        }
    }
}

impl Step for WaitObjects {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::WaitObjects {
            handles: self.handles.iter().map(|h| cx.handle(h)).collect(),
            all: self.all,
            alertable: self.alertable,
            timeout_ns: self.timeout_ns,
        }
    }
}
