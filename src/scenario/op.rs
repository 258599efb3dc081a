//! The operations a thread's program is made of.
//!
//! Each op is written as an object with exactly one key, the op's name, whose value holds
//! its arguments: `{"read": {"file": "f", "len": 4096}}`. Names bind per process. The ops
//! that return a handle bind its name with `as`: `open` (a file handle), `create_port` (a
//! completion port), `create_event`, `create_semaphore`, `open_thread` (a handle to a
//! thread's object), `create_named_pipe` (a named pipe's server end) and
//! `duplicate_handle` (a second handle to whatever the first refers to); `create_pipe`
//! binds two names, with `read_as` and `write_as`. The `tag` of an overlapped read or write binds a request a `wait` or a
//! `cancel_io_ex` can name.
//!
//! The I/O ops come in three flavours that differ only in how the caller learns of the
//! completion:
//!
//! 1. `read` / `write`: synchronous, like ReadFile without OVERLAPPED. The thread blocks
//!    until the IRP completes.
//! 2. `read_ex` / `write_ex`: overlapped with a completion routine, like ReadFileEx. The call
//!    returns at once; the routine runs as an APC when the thread next waits alertably.
//! 3. `read_overlapped` / `write_overlapped`: overlapped without a routine. The completion is
//!    a packet on the file's completion port if it is bound to one, and otherwise signals the
//!    request's `tag` for a `wait`.

use kernel_sim::IoMode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod file;
mod flow;
mod object;
mod pipe;
mod port;
mod request;
mod time;
mod transfer;

pub use file::{Close, Open};
pub use flow::{Exit, Repeat};
pub use object::{
    CreateEvent, CreateSemaphore, DuplicateHandle, OpenThread, ReleaseSemaphore, ResetEvent,
    SetEvent, WaitObjects,
};
pub use pipe::{CreateNamedPipe, CreatePipe};
pub use port::{Bind, CreatePort, GetQueued, Post};
pub use request::{CancelIo, CancelIoEx, Wait};
pub use time::{Compute, Sleep, SleepEx};
use transfer::position;
pub use transfer::{
    Completion, Direction, Position, RandomOffset, Read, ReadEx, ReadOverlapped, Transfer, Write,
    WriteEx, WriteOverlapped,
};

/// One operation in a thread's program.
///
/// The six transfer ops are boxed: their arguments are three to four times the size of any
/// other op's, and a program of short ops (`{"compute": {"ns": 1}}`, 22 bytes of text)
/// would otherwise take 128 bytes an op, six times its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// Open a file by name and bind a handle name to it.
    Open(Open),
    /// Close a handle of any kind (CloseHandle). The object goes when its last handle does.
    Close(Close),
    /// Synchronous read: the thread blocks until the data is in its buffer.
    Read(Box<Read>),
    /// Synchronous write: the thread blocks until the device has the data.
    Write(Box<Write>),
    /// Overlapped read whose completion runs a routine as an APC (ReadFileEx).
    ReadEx(Box<ReadEx>),
    /// Overlapped write whose completion runs a routine as an APC (WriteFileEx).
    WriteEx(Box<WriteEx>),
    /// Overlapped read without a routine: completes to the bound port, or signals its tag.
    ReadOverlapped(Box<ReadOverlapped>),
    /// Overlapped write without a routine: completes to the bound port, or signals its tag.
    WriteOverlapped(Box<WriteOverlapped>),
    /// Block until a tagged overlapped request completes.
    Wait(Wait),
    /// Block for a fixed time; not alertable.
    Sleep(Sleep),
    /// Block for a fixed time, optionally alertable so queued APCs run (SleepEx).
    SleepEx(SleepEx),
    /// Use the CPU for a fixed time.
    Compute(Compute),
    /// Create an I/O completion port and bind a name to it.
    CreatePort(CreatePort),
    /// Associate a file handle with a completion port; its overlapped completions become
    /// packets on that port.
    Bind(Bind),
    /// Wait for a completion packet on a port (GetQueuedCompletionStatus).
    GetQueued(GetQueued),
    /// Queue a packet on a port by hand (PostQueuedCompletionStatus).
    Post(Post),
    /// Create an event object and bind a name to its handle (CreateEvent).
    CreateEvent(CreateEvent),
    /// Signal an event (SetEvent): a manual-reset event releases every waiter and stays
    /// signalled; an auto-reset event lets one waiter through and resets.
    SetEvent(SetEvent),
    /// Make an event non-signalled (ResetEvent).
    ResetEvent(ResetEvent),
    /// Create a semaphore object and bind a name to its handle (CreateSemaphore).
    CreateSemaphore(CreateSemaphore),
    /// Add to a semaphore's count (ReleaseSemaphore); each unit lets one waiter through.
    ReleaseSemaphore(ReleaseSemaphore),
    /// Open a handle to a thread of the same process (OpenThread); a thread object is
    /// signalled once the thread has exited.
    OpenThread(OpenThread),
    /// A second handle to the object a handle refers to (DuplicateHandle, within the
    /// process): the object lives until both are closed.
    DuplicateHandle(DuplicateHandle),
    /// Wait until one, or all, of up to 64 events, semaphores and threads are signalled
    /// (WaitForSingleObjectEx for one handle, WaitForMultipleObjectsEx for more).
    WaitObjects(WaitObjects),
    /// Cancel the calling thread's requests on a file (CancelIo).
    CancelIo(CancelIo),
    /// Cancel every thread's requests on a file, or only the one a tag names (CancelIoEx).
    CancelIoEx(CancelIoEx),
    /// Create an anonymous pipe and bind names to its read end and its write end
    /// (CreatePipe).
    CreatePipe(Box<CreatePipe>),
    /// Create a named pipe and bind a name to its server's end (CreateNamedPipe); clients
    /// `open` it by its name.
    CreateNamedPipe(Box<CreateNamedPipe>),
    /// Run a list of ops several times.
    Repeat(Repeat),
    /// End the thread now. Queued APCs that have not run are discarded.
    Exit(Exit),
}

impl Op {
    /// The op's JSON key, e.g. `read_ex`.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Open(_) => "open",
            Op::Close(_) => "close",
            Op::Read(_) => "read",
            Op::Write(_) => "write",
            Op::ReadEx(_) => "read_ex",
            Op::WriteEx(_) => "write_ex",
            Op::ReadOverlapped(_) => "read_overlapped",
            Op::WriteOverlapped(_) => "write_overlapped",
            Op::Wait(_) => "wait",
            Op::Sleep(_) => "sleep",
            Op::SleepEx(_) => "sleep_ex",
            Op::Compute(_) => "compute",
            Op::CreatePort(_) => "create_port",
            Op::Bind(_) => "bind",
            Op::GetQueued(_) => "get_queued",
            Op::Post(_) => "post",
            Op::CreateEvent(_) => "create_event",
            Op::SetEvent(_) => "set_event",
            Op::ResetEvent(_) => "reset_event",
            Op::CreateSemaphore(_) => "create_semaphore",
            Op::ReleaseSemaphore(_) => "release_semaphore",
            Op::OpenThread(_) => "open_thread",
            Op::DuplicateHandle(_) => "duplicate_handle",
            Op::WaitObjects(_) => "wait_objects",
            Op::CancelIo(_) => "cancel_io",
            Op::CancelIoEx(_) => "cancel_io_ex",
            Op::CreatePipe(_) => "create_pipe",
            Op::CreateNamedPipe(_) => "create_named_pipe",
            Op::Repeat(_) => "repeat",
            Op::Exit(_) => "exit",
        }
    }

    /// The read or write this op performs, if it is one of the six transfer ops. When a
    /// (not yet validated) op gives both `offset` and `random_offset`, `offset` wins.
    pub fn transfer(&self) -> Option<Transfer<'_>> {
        let t = match self {
            Op::Read(r) => Transfer {
                direction: Direction::Read,
                file: &r.file,
                position: position(r.offset, r.random_offset),
                len: r.len,
                data: None,
                completion: IoMode::Sync,
            },
            Op::Write(w) => Transfer {
                direction: Direction::Write,
                file: &w.file,
                position: position(w.offset, w.random_offset),
                len: w.data.len(),
                data: Some(&w.data),
                completion: IoMode::Sync,
            },
            Op::ReadEx(r) => Transfer {
                direction: Direction::Read,
                file: &r.file,
                position: position(r.offset, r.random_offset),
                len: r.len,
                data: None,
                completion: IoMode::Apc(&r.routine),
            },
            Op::WriteEx(w) => Transfer {
                direction: Direction::Write,
                file: &w.file,
                position: position(w.offset, w.random_offset),
                len: w.data.len(),
                data: Some(&w.data),
                completion: IoMode::Apc(&w.routine),
            },
            Op::ReadOverlapped(r) => Transfer {
                direction: Direction::Read,
                file: &r.file,
                position: position(r.offset, r.random_offset),
                len: r.len,
                data: None,
                completion: IoMode::Overlapped(r.tag.as_deref()),
            },
            Op::WriteOverlapped(w) => Transfer {
                direction: Direction::Write,
                file: &w.file,
                position: position(w.offset, w.random_offset),
                len: w.data.len(),
                data: Some(&w.data),
                completion: IoMode::Overlapped(w.tag.as_deref()),
            },
            _ => return None,
        };
        Some(t)
    }

    /// True when both `offset` and `random_offset` are given (an error `validate` reports).
    pub fn has_both_offsets(&self) -> bool {
        let (offset, random) = match self {
            Op::Read(r) => (r.offset, r.random_offset),
            Op::Write(w) => (w.offset, w.random_offset),
            Op::ReadEx(r) => (r.offset, r.random_offset),
            Op::WriteEx(w) => (w.offset, w.random_offset),
            Op::ReadOverlapped(r) => (r.offset, r.random_offset),
            Op::WriteOverlapped(w) => (w.offset, w.random_offset),
            _ => return false,
        };
        offset.is_some() && random.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_is_small() {
        // A scenario's memory is mostly its ops: keep an op within 7 words.
        assert!(
            std::mem::size_of::<Op>() <= 56,
            "{}",
            std::mem::size_of::<Op>()
        );
    }
}
