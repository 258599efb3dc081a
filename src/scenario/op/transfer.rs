//! Reads and writes, in their three completion styles (see [`super`]): `read`, `write`,
//! `read_ex`, `write_ex`, `read_overlapped`, `write_overlapped`, and the [`Transfer`] lens
//! that sees the six as one.

use kernel_sim::IoMode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::limits::*;
use crate::scenario::model::Data;

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
    /// Bytes moved: `len` for reads, the data's length for writes.
    pub len: u64,
    /// The bytes of a write; `None` for reads.
    pub data: Option<&'a Data>,
    /// How completion is reported.
    pub completion: Completion<'a>,
}

pub(super) fn position(offset: Option<u64>, random: Option<RandomOffset>) -> Position {
    match (offset, random) {
        (Some(offset), _) => Position::At(offset),
        (None, Some(random)) => Position::Random(random),
        (None, None) => Position::Current,
    }
}
