//! The operations a thread performs.

use kernel_sim::RoutineId;
use std::sync::Arc;

/// Where in the file a read or write goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offset {
    /// At this byte offset.
    At(u64),
    /// At the file object's current position, which the request then advances.
    Current,
    /// At a random multiple of `align` below `below`, drawn from the thread's stream.
    Random { below: u64, align: u64 },
}

/// How the caller learns that a request finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoStyle {
    /// ReadFile / WriteFile on a synchronous handle: wait for the result.
    Sync,
    /// ReadFileEx / WriteFileEx: a completion routine runs as an APC.
    Routine(RoutineId),
    /// ReadFile / WriteFile with an OVERLAPPED: the result goes to the file's completion
    /// port, or is collected by a `Wait` on `tag`.
    Overlapped { tag: Option<String> },
}

/// One step of a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Open {
        path: String,
        bind: String,
    },
    Close {
        name: String,
    },
    Read {
        file: String,
        offset: Offset,
        len: u32,
        style: IoStyle,
    },
    Write {
        file: String,
        offset: Offset,
        data: Vec<u8>,
        style: IoStyle,
    },
    /// WaitForSingleObjectEx on the request named `tag`.
    Wait {
        tag: String,
        alertable: bool,
        timeout_ns: Option<u64>,
    },
    Sleep {
        ns: u64,
        alertable: bool,
    },
    Compute {
        ns: u64,
    },
    CreatePort {
        bind: String,
        concurrency: u32,
    },
    Bind {
        file: String,
        port: String,
        key: u64,
    },
    GetQueued {
        port: String,
        timeout_ns: Option<u64>,
    },
    Post {
        port: String,
        key: u64,
        bytes: u32,
    },
    /// Runs `ops` `times` times.
    Repeat {
        times: u64,
        ops: Arc<[Op]>,
    },
    Exit,
}
