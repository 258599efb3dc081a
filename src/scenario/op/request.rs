//! What a program does with its overlapped requests: `wait` for one, ask for its result
//! (`get_overlapped_result`), `cancel_io` and
//! `cancel_io_ex`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::handle_kind::Wanted;
use crate::scenario::limits::*;

/// Arguments of `wait`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    /// Tag of an overlapped request issued in this process.
    pub tag: String,
    /// Whether queued APCs may run during the wait (and end it). Default false.
    #[serde(default)]
    pub alertable: bool,
    /// Give up after this long, ns. Default: wait forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub timeout_ns: Option<u64>,
}

/// Arguments of `get_overlapped_result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetOverlappedResult {
    /// Tag of an overlapped request issued in this process: the request last issued with
    /// it.
    pub tag: String,
    /// Wait for the request to complete (bWait). Default false: a request still in
    /// progress makes the call fail with ERROR_IO_INCOMPLETE.
    #[serde(default)]
    pub wait: bool,
}

impl OpForm for GetOverlappedResult {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses_tag(at.key("tag"), &self.tag)
    }
}

impl Step for GetOverlappedResult {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::GetOverlappedResult {
            overlapped: cx.overlapped(&self.tag),
            wait: self.wait,
        }
    }
}

/// Arguments of `cancel_io`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIo {
    /// A file handle or a pipe end bound in this process. Only the calling thread's
    /// requests on it are cancelled, and the call does not wait for them: each completes
    /// later, with ERROR_OPERATION_ABORTED if its driver could take it back.
    pub file: String,
}

/// Arguments of `cancel_io_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIoEx {
    /// A file handle or a pipe end bound in this process. Every thread's requests on the
    /// file object are cancelled, whichever handle issued them.
    pub file: String,
    /// Tag of an overlapped read or write in this process: only the requests issued with
    /// that tag's OVERLAPPED are cancelled (every one, if it was used for several).
    /// Default: every request on the file. With nothing to cancel the call fails with
    /// ERROR_NOT_FOUND.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl OpForm for Wait {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses_tag(at.key("tag"), &self.tag)?;
        if let Some(timeout) = self.timeout_ns {
            d.number(at.key("timeout_ns"), timeout, 0, MAX_NS)?;
        }
        Ok(())
    }
}

impl OpForm for CancelIo {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("file"), &self.file, Wanted::Io)
    }
}

impl OpForm for CancelIoEx {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("file"), &self.file, Wanted::Io)?;
        if let Some(tag) = &self.tag {
            d.uses_tag(at.key("tag"), tag)?;
        }
        Ok(())
    }
}

impl Step for Wait {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::WaitIo {
            overlapped: cx.overlapped(&self.tag),
            alertable: self.alertable,
            timeout_ns: self.timeout_ns,
        }
    }
}

impl Step for CancelIo {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::CancelIo {
            handle: cx.handle(&self.file),
        }
    }
}

impl Step for CancelIoEx {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::CancelIoEx {
            handle: cx.handle(&self.file),
            overlapped: self.tag.as_deref().map(|tag| cx.overlapped(tag)),
        }
    }
}
