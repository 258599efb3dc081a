//! Completion ports: `create_port`, `bind`, `get_queued`, `post`.

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::error::Problem;
use crate::scenario::handle_kind::{HandleKind, Wanted};
use crate::scenario::limits::*;

/// Arguments of `create_port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePort {
    /// Name the process's ops use for the port.
    #[serde(rename = "as")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub port: String,
    /// Most threads the port lets run at once; threads blocked elsewhere do not count.
    /// 0 means the number of CPUs, as on Windows. Default 0.
    #[serde(default)]
    #[schemars(range(max = MAX_CONCURRENCY))]
    pub concurrency: u32,
}

/// Arguments of `bind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bind {
    /// A file handle or a named pipe's end bound in this process (an anonymous pipe does
    /// only synchronous I/O, so it cannot be bound).
    pub file: String,
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Completion key carried by every packet from this file. Default 0.
    #[serde(default)]
    pub key: u64,
}

/// Arguments of `get_queued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetQueued {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Give up after this long, ns. Default: wait forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub timeout_ns: Option<u64>,
}

/// Arguments of `get_queued_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetQueuedEx {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Most packets to take at once (ulCount), 1..=1024.
    #[schemars(range(min = 1, max = MAX_BATCH))]
    pub count: u32,
    /// Give up after this long, ns. Default: wait forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub timeout_ns: Option<u64>,
    /// With no packet to take, wait alertably: an APC queued meanwhile runs and ends the
    /// call (FALSE, WAIT_IO_COMPLETION). Default false.
    #[serde(default)]
    pub alertable: bool,
}

impl OpForm for GetQueuedEx {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("port"), &self.port, Wanted::Kind(HandleKind::Port))?;
        d.number(at.key("count"), self.count.into(), 1, MAX_BATCH)?;
        if let Some(timeout) = self.timeout_ns {
            d.number(at.key("timeout_ns"), timeout, 0, MAX_NS)?;
        }
        Ok(())
    }
}

impl Step for GetQueuedEx {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::GetQueuedEx {
            port: cx.handle(&self.port),
            count: self.count,
            timeout_ns: self.timeout_ns,
            alertable: self.alertable,
        }
    }
}

/// Arguments of `post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Completion key of the packet. Default 0.
    #[serde(default)]
    pub key: u64,
    /// Byte count the packet reports (a DWORD). Default 0.
    #[serde(default)]
    #[schemars(range(max = u32::MAX))]
    pub bytes: u64,
    /// Tag of an OVERLAPPED of this process the packet reports (lpOverlapped), or none
    /// (NULL). The port neither reads it nor signals its event: the tag need not be one a
    /// request was issued with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub overlapped: Option<String>,
}

/// Arguments of `skip_port_on_success`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipPortOnSuccess {
    /// A file handle or a named pipe's end bound in this process: from now on, a request on
    /// its file object that succeeds at once (inside its dispatch routine) queues no
    /// packet to the file's completion port.
    pub file: String,
}

impl OpForm for SkipPortOnSuccess {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("file"), &self.file, Wanted::Io)
    }
}

impl Step for SkipPortOnSuccess {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::SkipPortOnSuccess {
            handle: cx.handle(&self.file),
        }
    }
}

impl OpForm for CreatePort {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds(at.key("as"), &self.port, HandleKind::Port)?;
        d.number(
            at.key("concurrency"),
            self.concurrency.into(),
            0,
            MAX_CONCURRENCY,
        )
    }
}

impl OpForm for Bind {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.binds_to_port(&self.file, &self.port);
        d.uses(at.key("file"), &self.file, Wanted::Io)?;
        d.rule(|cx| match cx.kind(&self.file) {
            Some(kind) if kind.is_anonymous_pipe() => {
                at.key("file").fail(Problem::AnonymousPipeAsync {
                    op: at.name(),
                    handle: self.file.clone(),
                    is: kind,
                })
            }
            _ if cx.overlapped(&self.file) == Some(false) => {
                at.key("file").fail(Problem::BindSynchronousHandle {
                    handle: self.file.clone(),
                })
            }
            _ => Ok(()),
        })?;
        d.uses(at.key("port"), &self.port, Wanted::Kind(HandleKind::Port))
    }
}

impl OpForm for GetQueued {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("port"), &self.port, Wanted::Kind(HandleKind::Port))?;
        if let Some(timeout) = self.timeout_ns {
            d.number(at.key("timeout_ns"), timeout, 0, MAX_NS)?;
        }
        Ok(())
    }
}

impl OpForm for Post {
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
        d.uses(at.key("port"), &self.port, Wanted::Kind(HandleKind::Port))?;
        d.number(at.key("bytes"), self.bytes, 0, u32::MAX.into())?;
        if let Some(tag) = &self.overlapped {
            d.binds_tag(at.key("overlapped"), tag)?;
        }
        Ok(())
    }
}

impl Step for CreatePort {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        cx.bind(&self.port);
        Syscall::CreatePort {
            concurrency: self.concurrency,
            name: self.port.clone(),
        }
    }
}

impl Step for Bind {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Bind {
            file: cx.handle(&self.file),
            port: cx.handle(&self.port),
            key: self.key,
        }
    }
}

impl Step for GetQueued {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::GetQueued {
            port: cx.handle(&self.port),
            timeout_ns: self.timeout_ns,
        }
    }
}

impl Step for Post {
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        Syscall::Post {
            port: cx.handle(&self.port),
            key: self.key,
            // Validation keeps it within a DWORD.
            bytes: u32::try_from(self.bytes).unwrap_or(u32::MAX),
            overlapped: self.overlapped.as_deref().map(|tag| cx.overlapped(tag)),
        }
    }
}
