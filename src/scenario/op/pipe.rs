//! Pipes: `create_pipe`, `create_named_pipe` (a client `open`s a named pipe by its name).

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::handle_kind::HandleKind;
use crate::scenario::limits::*;

/// Arguments of `create_pipe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePipe {
    /// Name the process's ops use for the read end, which only reads.
    #[serde(rename = "read_as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub read: String,
    /// Name the process's ops use for the write end, which only writes.
    #[serde(rename = "write_as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub write: String,
    /// Bytes the pipe's buffer holds, 1 to 1048576; a write that does not fit waits for
    /// reads to make room. Default 4096.
    #[serde(default = "default_pipe_capacity")]
    #[schemars(range(min = 1, max = MAX_PIPE_CAPACITY))]
    pub capacity: u32,
    /// The pipe's name in the narration. Default: the two handle names, `READ|WRITE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub name: Option<String>,
}

impl CreatePipe {
    /// The pipe's name in the narration.
    pub fn pipe_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}|{}", self.read, self.write))
    }
}

/// Arguments of `create_named_pipe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNamedPipe {
    /// Name the process's ops use for the server's end, which reads and writes.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub handle: String,
    /// The pipe's name, which clients `open`: `\\.\pipe\` followed by 1 to 64 letters,
    /// digits, `_`, `.` and `-` (in JSON each backslash is written twice:
    /// `"\\\\.\\pipe\\echo"`).
    #[schemars(pattern(PIPE_NAME_PATTERN))]
    pub name: String,
    /// Bytes each direction's buffer holds, 1 to 1048576. Default 4096.
    #[serde(default = "default_pipe_capacity")]
    #[schemars(range(min = 1, max = MAX_PIPE_CAPACITY))]
    pub capacity: u32,
    /// The server's end does overlapped I/O (FILE_FLAG_OVERLAPPED), as `open`'s
    /// `overlapped`. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overlapped: bool,
}

fn default_pipe_capacity() -> u32 {
    DEFAULT_PIPE_CAPACITY
}

impl OpForm for CreatePipe {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("read_as"), &self.read, HandleKind::PipeRead)?;
        d.binds(at.key("write_as"), &self.write, HandleKind::PipeWrite)?;
        d.opened_for(&self.read, false);
        d.opened_for(&self.write, false);
        d.number(
            at.key("capacity"),
            self.capacity.into(),
            1,
            MAX_PIPE_CAPACITY,
        )?;
        if let Some(name) = &self.name {
            d.label(at.key("name"), "pipe", name)?;
        }
        Ok(())
    }
}

impl OpForm for CreateNamedPipe {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("as"), &self.handle, HandleKind::NamedPipe)?;
        d.opened_for(&self.handle, self.overlapped);
        d.creates_named_pipe(at.key("name"), &self.name)?;
        d.number(
            at.key("capacity"),
            self.capacity.into(),
            1,
            MAX_PIPE_CAPACITY,
        )
    }
}

impl Step for CreatePipe {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind_pair(&self.read, &self.write);
        Syscall::CreatePipe {
            capacity: self.capacity,
            name: self.pipe_name(),
        }
    }
}

impl Step for CreateNamedPipe {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.handle);
        Syscall::CreateNamedPipe {
            capacity: self.capacity,
            name: self.name.clone(),
            overlapped: self.overlapped,
        }
    }
}
