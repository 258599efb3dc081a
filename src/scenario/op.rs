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

use super::limits::*;
use super::model::Data;

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
}

/// Arguments of `close`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// A name bound in this process: a file handle, a completion port, an event, a
    /// semaphore or a thread handle.
    pub handle: String,
}

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

/// Arguments of `sleep`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sleep {
    /// How long to sleep, ns.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
}

/// Arguments of `sleep_ex`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SleepEx {
    /// How long to sleep, ns.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
    /// Whether queued APCs may run during the sleep (and end it early). Default false.
    #[serde(default)]
    pub alertable: bool,
}

/// Arguments of `compute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    /// CPU time to use, ns. Other threads may run in between when the timeslice ends.
    #[schemars(range(max = MAX_NS))]
    pub ns: u64,
}

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

/// Arguments of `post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Post {
    /// Port name bound by `create_port ... as` in this process.
    pub port: String,
    /// Completion key of the packet. Default 0.
    #[serde(default)]
    pub key: u64,
    /// Byte count the packet reports. Default 0.
    #[serde(default)]
    pub bytes: u64,
}

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
    /// Tag of an overlapped read or write in this process: only the request last issued
    /// with that tag's OVERLAPPED is cancelled. Default: every request on the file. With
    /// nothing to cancel the call fails with ERROR_NOT_FOUND.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

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
}

/// Arguments of `repeat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    /// How many times to run `ops`, 1..=10000000.
    #[schemars(range(min = 1, max = MAX_REPEAT))]
    pub times: u64,
    /// The ops to run each time, in order; 1 to 10000 of them. May contain further repeats.
    #[schemars(length(min = 1, max = MAX_OPS))]
    pub ops: Vec<Op>,
}

/// Arguments of `exit`: none, written `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exit {}

fn default_align() -> u64 {
    1
}

fn default_release() -> u32 {
    1
}

fn default_pipe_capacity() -> u32 {
    DEFAULT_PIPE_CAPACITY
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

fn position(offset: Option<u64>, random: Option<RandomOffset>) -> Position {
    match (offset, random) {
        (Some(offset), _) => Position::At(offset),
        (None, Some(random)) => Position::Random(random),
        (None, None) => Position::Current,
    }
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
