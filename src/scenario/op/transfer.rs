//! Reads and writes, in their three completion styles (see [`super`]): `read`, `write`,
//! `read_ex`, `write_ex`, `read_overlapped`, `write_overlapped`, and the [`Transfer`] lens
//! that sees the six as one.

use kernel_sim::{IoMode, Syscall};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use crate::scenario::declare::{Check, Declare, OpAt, OpForm};
use crate::scenario::error::{Problem, ScenarioError};
use crate::scenario::handle_kind::{HandleKind, Wanted};
use crate::scenario::limits::*;
use crate::scenario::model::{Data, FileSpec};
use crate::scenario::validate::data as data_rules;

/// Where in the file a transfer starts, chosen when the op runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomOffset {
    /// Offsets are drawn below this bound (exclusive), at least 1.
    #[schemars(range(min = 1))]
    pub below: u64,
    /// Offsets are multiples of this, at least 1. Default 1.
    #[serde(default = "default_align")]
    #[schemars(range(min = 1))]
    pub align: u64,
}

impl RandomOffset {
    /// The largest offset this can draw: the last multiple of `align` below `below`.
    pub fn max_offset(&self) -> u64 {
        let align = self.align.max(1);
        (self.below.saturating_sub(1) / align) * align
    }
}

/// Arguments of `read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Read {
    /// A file handle or a pipe end bound in this process (by `open`, `create_pipe`,
    /// `create_named_pipe` or `duplicate_handle`).
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position (it advances by
    /// each transfer). Give `offset` or `random_offset`, not both, and neither on a pipe,
    /// which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// Bytes to read, 1..=16777216 (16 MiB).
    #[schemars(range(min = 1, max = MAX_TRANSFER))]
    pub len: u64,
}

/// Arguments of `write`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Write {
    /// A file handle or a pipe end bound in this process (by `open`, `create_pipe`,
    /// `create_named_pipe` or `duplicate_handle`).
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position (it advances by
    /// each transfer). Give `offset` or `random_offset`, not both, and neither on a pipe,
    /// which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// The bytes to write, 1..=16777216 of them.
    pub data: Data,
}

/// Arguments of `read_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadEx {
    /// A file handle or a named pipe's end bound in this process, not bound to a port.
    /// (An anonymous pipe does only synchronous I/O.)
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position. Give `offset`
    /// or `random_offset`, not both, and neither on a pipe, which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// Bytes to read, 1..=16777216 (16 MiB).
    #[schemars(range(min = 1, max = MAX_TRANSFER))]
    pub len: u64,
    /// Name of a completion routine declared in the process's `routines`.
    pub routine: String,
}

/// Arguments of `write_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteEx {
    /// A file handle or a named pipe's end bound in this process, not bound to a port.
    /// (An anonymous pipe does only synchronous I/O.)
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position. Give `offset`
    /// or `random_offset`, not both, and neither on a pipe, which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// The bytes to write, 1..=16777216 of them.
    pub data: Data,
    /// Name of a completion routine declared in the process's `routines`.
    pub routine: String,
}

/// Arguments of `read_overlapped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadOverlapped {
    /// A file handle or a pipe end bound in this process (by `open`, `create_pipe`,
    /// `create_named_pipe` or `duplicate_handle`).
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position. Give `offset`
    /// or `random_offset`, not both, and neither on a pipe, which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// Bytes to read, 1..=16777216 (16 MiB).
    #[schemars(range(min = 1, max = MAX_TRANSFER))]
    pub len: u64,
    /// Name a `wait` in this process can use for this request. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub tag: Option<String>,
}

/// Arguments of `write_overlapped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOverlapped {
    /// A file handle or a pipe end bound in this process (by `open`, `create_pipe`,
    /// `create_named_pipe` or `duplicate_handle`).
    pub file: String,
    /// Byte offset in the file. Absent: the handle's current file position. Give `offset`
    /// or `random_offset`, not both, and neither on a pipe, which has no offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Draw the offset from the run's seeded random stream instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_offset: Option<RandomOffset>,
    /// The bytes to write, 1..=16777216 of them.
    pub data: Data,
    /// Name a `wait` in this process can use for this request. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(LABEL_PATTERN))]
    pub tag: Option<String>,
}

fn default_align() -> u64 {
    1
}

/// Which way a transfer moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Device to program.
    Read,
    /// Program to device.
    Write,
}

/// Where a transfer starts in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// At the handle's file position, which then advances by the bytes transferred.
    Current,
    /// At a fixed byte offset.
    At(u64),
    /// At an offset drawn from the seeded random stream.
    Random(RandomOffset),
}

/// How the program learns that a transfer completed: the kernel's [`IoMode`], with the
/// routine and the OVERLAPPED named as the scenario names them (a routine's name, a tag),
/// not yet numbered. `Sync`: the thread blocks in the call until the IRP completes.
/// `Apc(routine)`: the routine is queued as an APC to the issuing thread.
/// `Overlapped(tag)`: a packet on the file's completion port, or else the tag (if any) is
/// signalled.
pub type Completion<'a> = IoMode<&'a str, &'a str>;

/// The six read and write ops seen through one lens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// Read or write.
    pub direction: Direction,
    /// The handle name.
    pub file: &'a str,
    /// Where the transfer starts.
    pub position: Position,
    /// Both `offset` and `random_offset` are given, which the rules forbid.
    pub both_offsets: bool,
    /// Bytes moved: `len` for reads, the data's length for writes.
    pub len: u64,
    /// The bytes of a write; `None` for reads.
    pub data: Option<&'a Data>,
    /// How completion is reported.
    pub completion: Completion<'a>,
}

/// Where a transfer starts, from its two fields; `offset` wins when (against the rules) both
/// are given.
fn position(offset: Option<u64>, random: Option<RandomOffset>) -> Position {
    match (offset, random) {
        (Some(offset), _) => Position::At(offset),
        (None, Some(random)) => Position::Random(random),
        (None, None) => Position::Current,
    }
}

/// Each of the six ops is its [`Transfer`]: its rules are the lens's.
macro_rules! transfer {
    ($form:ident, $direction:ident, |$op:ident| $data:expr, $len:expr, $completion:expr) => {
        impl $form {
            /// The transfer this op performs.
            pub fn transfer(&self) -> Transfer<'_> {
                let $op = self;
                Transfer {
                    direction: Direction::$direction,
                    file: &$op.file,
                    position: position($op.offset, $op.random_offset),
                    both_offsets: $op.offset.is_some() && $op.random_offset.is_some(),
                    len: $len,
                    data: $data,
                    completion: $completion,
                }
            }
        }

        impl OpForm for $form {
            fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
                self.transfer().declare(at, d)
            }
        }

        impl Step for $form {
            fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
                self.transfer().call(cx)
            }
        }
    };
}

transfer!(Read, Read, |op| None, op.len, IoMode::Sync);
transfer!(
    Write,
    Write,
    |op| Some(&op.data),
    op.data.len(),
    IoMode::Sync
);
transfer!(ReadEx, Read, |op| None, op.len, IoMode::Apc(&op.routine));
transfer!(
    WriteEx,
    Write,
    |op| Some(&op.data),
    op.data.len(),
    IoMode::Apc(&op.routine)
);
transfer!(
    ReadOverlapped,
    Read,
    |op| None,
    op.len,
    IoMode::Overlapped(op.tag.as_deref())
);
transfer!(
    WriteOverlapped,
    Write,
    |op| Some(&op.data),
    op.data.len(),
    IoMode::Overlapped(op.tag.as_deref())
);

impl<'a> Transfer<'a> {
    /// ReadFile, ReadFileEx, WriteFile or WriteFileEx: at the offset the transfer starts at
    /// (drawn now, if random), completing as its op says, with the routine and OVERLAPPED
    /// numbered.
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
        let handle = cx.handle(self.file);
        let offset = match self.position {
            Position::Current => None,
            Position::At(offset) => Some(offset),
            Position::Random(random) => Some(cx.random_offset(random.below, random.align)),
        };
        let mode = match self.completion {
            IoMode::Sync => IoMode::Sync,
            IoMode::Apc(routine) => IoMode::Apc(cx.routine(routine)),
            IoMode::Overlapped(tag) => IoMode::Overlapped(tag.map(|tag| cx.overlapped(tag))),
        };
        match self.data {
            // The bytes are built only now: a program that writes 16 MiB four hundred
            // times holds one buffer at a time, not four hundred.
            Some(data) => Syscall::Write {
                handle,
                offset,
                data: data.to_bytes(),
                mode,
            },
            None => Syscall::Read {
                handle,
                offset,
                len: self.len as u32,
                mode,
            },
        }
    }

    /// The rules of every read and write, in the order they are checked.
    fn declare<D: Declare<'a>>(self, at: OpAt<'_>, d: &mut D) -> Check {
        if let IoMode::Overlapped(Some(tag)) = self.completion {
            d.binds_tag(at.key("tag"), tag)?;
        }
        d.uses(at.key("file"), self.file, Wanted::Io)?;
        d.rule(|cx| self.pipe_end(at, cx.kind(self.file)))?;
        d.rule(|cx| self.handle_mode(at, cx.kind(self.file), cx.overlapped(self.file)))?;
        d.rule(|_| {
            if self.both_offsets {
                return at.key("random_offset").fail(Problem::OffsetAndRandomOffset);
            }
            Ok(())
        })?;
        match self.data {
            Some(data) => d.rule(|_| {
                data_rules(&at.key("data").path(), data)?;
                if !(1..=MAX_TRANSFER).contains(&self.len) {
                    return at.key("data").fail(Problem::OutOfRange {
                        field: "data length".to_owned(),
                        min: 1,
                        max: MAX_TRANSFER,
                        found: self.len,
                    });
                }
                Ok(())
            })?,
            None => d.number(at.key("len"), self.len, 1, MAX_TRANSFER)?,
        }
        if let Position::Random(random) = self.position {
            d.number(at.sub("random_offset", "below"), random.below, 1, u64::MAX)?;
            d.number(at.sub("random_offset", "align"), random.align, 1, u64::MAX)?;
            d.rule(|_| {
                if random.align > random.below {
                    return at
                        .sub("random_offset", "align")
                        .fail(Problem::AlignAboveBelow {
                            align: random.align,
                            below: random.below,
                        });
                }
                Ok(())
            })?;
        }
        if let IoMode::Apc(routine) = self.completion {
            d.uses_routine(at.key("routine"), routine)?;
            d.rule(|cx| match cx.port_of(self.file) {
                Some(port) => at.key("file").fail(Problem::RoutineOnPortBoundFile {
                    op: at.name(),
                    handle: self.file.to_owned(),
                    port: port.to_owned(),
                }),
                None => Ok(()),
            })?;
        }
        d.rule(|cx| self.within_file(at, cx.only_file(self.file)))
    }

    /// What a pipe end cannot do: the other direction of an anonymous pipe, overlapped or
    /// APC I/O on an anonymous pipe, and offsets on any pipe.
    fn pipe_end(&self, at: OpAt<'_>, kind: Option<HandleKind>) -> Check {
        let Some(kind) = kind else { return Ok(()) };
        let handle = self.file.to_owned();
        let wrong_end = match (kind, self.direction) {
            (HandleKind::PipeRead, Direction::Write) => Some("write"),
            (HandleKind::PipeWrite, Direction::Read) => Some("read"),
            _ => None,
        };
        if let Some(op) = wrong_end {
            return at.key("file").fail(Problem::WrongPipeEnd {
                op,
                handle,
                is: kind,
            });
        }
        // ReadFileEx and WriteFileEx cannot be used; ReadFile and WriteFile ignore an
        // OVERLAPPED there (Microsoft Learn: Anonymous Pipe Operations).
        if kind.is_anonymous_pipe() && matches!(self.completion, IoMode::Apc(_)) {
            return at.key("file").fail(Problem::AnonymousPipeAsync {
                op: at.name(),
                handle,
                is: kind,
            });
        }
        let offset_at = match self.position {
            Position::Current => None,
            Position::At(_) => Some(at.key("offset")),
            Position::Random(_) => Some(at.key("random_offset")),
        };
        if kind.is_pipe()
            && let Some(offset_at) = offset_at
        {
            return offset_at.fail(Problem::OffsetOnPipe { handle, is: kind });
        }
        Ok(())
    }

    /// What the handle's mode allows (when every open of it agrees): no OVERLAPPED-less
    /// ReadFile on a handle opened for overlapped I/O, no ReadFileEx on a synchronous one;
    /// and a request with an OVERLAPPED on a file names its offset.
    fn handle_mode(
        &self,
        at: OpAt<'_>,
        kind: Option<HandleKind>,
        overlapped: Option<bool>,
    ) -> Check {
        let handle = self.file.to_owned();
        match (self.completion, overlapped) {
            (IoMode::Sync, Some(true)) => {
                return at
                    .key("file")
                    .fail(Problem::SyncTransferOnOverlappedHandle {
                        op: at.name(),
                        handle,
                    });
            }
            (IoMode::Apc(_), Some(false)) => {
                return at.key("file").fail(Problem::RoutineOnSynchronousHandle {
                    op: at.name(),
                    handle,
                });
            }
            _ => {}
        }
        let on_file = !kind.is_some_and(HandleKind::is_pipe);
        if self.completion != IoMode::Sync && on_file && self.position == Position::Current {
            return Err(ScenarioError::invalid(
                at.path(),
                Problem::OverlappedWithoutOffset { op: at.name() },
            ));
        }
        Ok(())
    }

    /// A transfer on a handle opened on one file only (`file`) stays inside it.
    fn within_file(&self, at: OpAt<'_>, file: Option<&FileSpec>) -> Check {
        let Some(file) = file else { return Ok(()) };
        let op = match self.direction {
            Direction::Read => "read",
            Direction::Write => "write",
        };
        let (start, culprit) = match self.position {
            Position::Current => return Ok(()),
            Position::At(offset) if offset >= file.length => (offset, at.key("offset")),
            Position::At(offset) if self.data.is_some() => (offset, at.key("data")),
            Position::At(offset) => (offset, at.key("len")),
            Position::Random(random) => (random.max_offset(), at.sub("random_offset", "below")),
        };
        let end = start.saturating_add(self.len);
        if end > file.length {
            return culprit.fail(Problem::PastEndOfFile {
                op,
                file: file.name.clone(),
                length: file.length,
                start,
                end,
            });
        }
        Ok(())
    }
}
