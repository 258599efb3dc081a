//! Opening and closing handles: `open`, `close`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::handle_kind::{HandleKind, Wanted};
use crate::scenario::limits::*;
use crate::scenario::validate::is_pipe_name;

/// Arguments of `open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Open {
    /// Name of a file declared in `files`, or of a named pipe (`\\.\pipe\NAME`) that a
    /// `create_named_pipe` in the scenario creates: opening it connects a client.
    pub path: String,
    /// Handle name the process's ops use for the opened file.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub handle: String,
    /// Open for overlapped I/O (CreateFile with FILE_FLAG_OVERLAPPED): every read and
    /// write on the handle is `read_overlapped`, `write_overlapped`, `read_ex` or
    /// `write_ex` and names its offset, and the handle can be bound to a completion port.
    /// Default false: a synchronous handle, whose reads and writes wait in the kernel and
    /// move its file position.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overlapped: bool,
}

/// Arguments of `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A name bound in this process: a file handle, a completion port, an event, a
    /// semaphore or a thread handle.
    pub handle: String,
}

impl OpForm for Open {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        let kind = if is_pipe_name(&self.path) {
            HandleKind::NamedPipe
        } else {
            HandleKind::File
        };
        d.binds(at.key("as"), &self.handle, kind)?;
        d.opens(&self.handle, &self.path);
        d.opened_for(&self.handle, self.overlapped);
        d.uses_path(at.key("path"), &self.path)
    }
}

impl OpForm for Close {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("handle"), &self.handle, Wanted::Any)
    }
}

impl Step for Open {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.handle);
        Syscall::Open {
            path: self.path.clone(),
            overlapped: self.overlapped,
        }
    }
}

impl Step for Close {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Close {
            handle: cx.handle(&self.handle),
        }
    }
}
