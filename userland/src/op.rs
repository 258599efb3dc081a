//! The operations a thread performs.

use kernel_sim::{IoMode, OverlappedId, ThreadId};
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
        mode: IoMode,
    },
    Write {
        file: String,
        offset: Offset,
        data: Payload,
        mode: IoMode,
    },
    /// WaitForSingleObjectEx on the event of the OVERLAPPED `overlapped`.
    Wait {
        overlapped: OverlappedId,
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
    /// A new completion port, its handle bound to the name `bind` (also the port's name).
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
    /// CreateEvent; its handle is bound to the name `bind` (also the event's name).
    CreateEvent {
        bind: String,
        manual_reset: bool,
        signalled: bool,
    },
    SetEvent {
        event: String,
    },
    ResetEvent {
        event: String,
    },
    /// CreateSemaphore; its handle is bound to the name `bind` (also its name).
    CreateSemaphore {
        bind: String,
        count: u32,
        max: u32,
    },
    ReleaseSemaphore {
        semaphore: String,
        count: u32,
    },
    /// OpenThread on `thread`, its handle bound to the name `bind`.
    OpenThread {
        thread: ThreadId,
        bind: String,
    },
    /// DuplicateHandle within the process: the copy of `handle` is bound to `bind`.
    DuplicateHandle {
        handle: String,
        bind: String,
    },
    /// WaitForSingleObjectEx (one name) or WaitForMultipleObjectsEx on the named handles.
    WaitObjects {
        handles: Arc<[String]>,
        all: bool,
        alertable: bool,
        timeout_ns: Option<u64>,
    },
    /// CancelIo: the calling thread's requests on the file.
    CancelIo {
        file: String,
    },
    /// CancelIoEx: every thread's requests on the file, or only the one last issued
    /// with the process's OVERLAPPED `overlapped`.
    CancelIoEx {
        file: String,
        overlapped: Option<OverlappedId>,
    },
    /// CreatePipe: an anonymous pipe of `capacity` bytes called `name`, its read end's
    /// handle bound to the name `read` and its write end's to `write`.
    CreatePipe {
        read: String,
        write: String,
        capacity: u32,
        name: String,
    },
    /// CreateNamedPipe: the server's end of the pipe `name` (`\\.\pipe\...`), its handle
    /// bound to `bind`. Clients `Open` the pipe by its name.
    CreateNamedPipe {
        bind: String,
        name: String,
        capacity: u32,
    },
    /// Runs `ops` `times` times.
    Repeat {
        times: u64,
        ops: Arc<[Op]>,
    },
    Exit,
}

/// The bytes a write sends, built only when the write runs: a program that writes 16 MiB
/// four hundred times holds one buffer at a time, not four hundred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// These bytes.
    Bytes(Arc<[u8]>),
    /// `unit` repeated, the last copy cut short, to `len` bytes.
    Repeat { unit: Arc<[u8]>, len: u32 },
}

impl Payload {
    /// Bytes the payload stands for.
    pub fn len(&self) -> u32 {
        match self {
            Payload::Bytes(b) => b.len() as u32,
            Payload::Repeat { len, unit } if !unit.is_empty() => *len,
            Payload::Repeat { .. } => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes themselves.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Payload::Bytes(b) => b.to_vec(),
            Payload::Repeat { unit, len } => {
                unit.iter().copied().cycle().take(*len as usize).collect()
            }
        }
    }
}
