//! The system-call interface between user programs and the kernel. A thread's program is
//! asked for its next call each time the previous one returns; the kernel performs it in
//! simulated time and hands back a [`SyscallResult`].
//!
//! `kernel-sim` defines this interface; the `userland` crate implements programs on it.

use crate::engine::Time;
use crate::engine::rng::SimRng;
use crate::ids::*;
use crate::io::Status;
use std::collections::BTreeMap;

/// How an I/O request reports its completion.
///
/// The one definition of the three styles: a program that names its routines and
/// OVERLAPPEDs some other way (a scenario, by name) uses the same enum over its own
/// references, `IoMode<&str, &str>`, and resolves them to the ids when it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoMode<R = RoutineId, O = OverlappedId> {
    /// ReadFile on a synchronous handle: the caller waits until the data is there.
    Sync,
    /// ReadFile with an OVERLAPPED: the call returns at once; on completion the result is
    /// recorded in the OVERLAPPED (if the program gave one it can wait on) and its event
    /// signalled, and a packet goes to the completion port the file is bound to, if any.
    Overlapped(Option<O>),
    /// ReadFileEx: the call returns at once; the routine runs later as a user APC.
    Apc(R),
}

impl<R, O> IoMode<R, O> {
    /// ReadFile or WriteFile with an OVERLAPPED (not the Ex forms).
    pub fn is_overlapped(&self) -> bool {
        matches!(self, IoMode::Overlapped(_))
    }
}

/// One request from a thread to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syscall {
    /// Run user-mode code for `ns` (no kernel entry). `pass` says which pass of a
    /// repeated op this is, for the narration.
    Compute {
        ns: u64,
        pass: Option<crate::trace::Pass>,
    },
    /// CreateFile; with `overlapped`, FILE_FLAG_OVERLAPPED: the handle does overlapped
    /// I/O, and every read and write on it names its offset.
    Open {
        path: String,
        overlapped: bool,
    },
    Close {
        handle: Handle,
    },
    /// `offset: None` uses (and advances) the file position, on a synchronous handle
    /// only: a handle opened for overlapped I/O has none.
    Read {
        handle: Handle,
        offset: Option<u64>,
        len: u32,
        mode: IoMode,
    },
    Write {
        handle: Handle,
        offset: Option<u64>,
        data: Vec<u8>,
        mode: IoMode,
    },
    /// Sleep (`alertable` none) or SleepEx(bAlertable). An alertable sleep returns early
    /// once APCs have run.
    Sleep {
        ns: u64,
        alertable: Option<bool>,
    },
    /// Wait for the overlapped request last issued with this OVERLAPPED to finish
    /// (WaitForSingleObjectEx on its event).
    WaitIo {
        overlapped: OverlappedId,
        alertable: bool,
        timeout_ns: Option<u64>,
    },
    /// GetQueuedCompletionStatusEx: up to `count` packets at once; with `alertable`, an
    /// APC queued while it waits for the first ends the wait.
    GetQueuedEx {
        port: Handle,
        count: u32,
        timeout_ns: Option<u64>,
        alertable: bool,
    },
    /// GetOverlappedResult for the request last issued with this OVERLAPPED: its result,
    /// waiting for it with `wait`, or failing with ERROR_IO_INCOMPLETE without.
    GetOverlappedResult {
        overlapped: OverlappedId,
        wait: bool,
    },
    /// CreateIoCompletionPort with no file: a new port. `concurrency` 0 means the number
    /// of CPUs.
    CreatePort {
        concurrency: u32,
        /// The name the scenario gives the port, shown in traces.
        name: String,
    },
    /// CreateIoCompletionPort with a file: bind the file's completions to the port.
    Bind {
        file: Handle,
        port: Handle,
        key: u64,
    },
    GetQueued {
        port: Handle,
        timeout_ns: Option<u64>,
    },
    /// PostQueuedCompletionStatus: `key`, `bytes` and `overlapped` go into the packet as
    /// they are; the port interprets none of them.
    Post {
        port: Handle,
        key: u64,
        bytes: u32,
        overlapped: Option<OverlappedId>,
    },
    /// CreateEvent: a new event object; `name` is the scenario's name for it.
    CreateEvent {
        manual_reset: bool,
        signalled: bool,
        name: String,
    },
    SetEvent {
        event: Handle,
    },
    ResetEvent {
        event: Handle,
    },
    /// CreateSemaphore with a count and a maximum.
    CreateSemaphore {
        count: u32,
        max: u32,
        name: String,
    },
    ReleaseSemaphore {
        semaphore: Handle,
        count: u32,
    },
    /// OpenThread: a handle to a thread's object, which is signalled once it exits.
    OpenThread {
        thread: ThreadId,
    },
    /// DuplicateHandle within the caller's process: a second handle to the same object.
    DuplicateHandle {
        handle: Handle,
    },
    /// CreatePipe: an anonymous pipe with a buffer of `capacity` bytes; `name` is the
    /// scenario's name for it.
    CreatePipe {
        capacity: u32,
        name: String,
    },
    /// CreateNamedPipe: the server's end of a duplex pipe clients open by `name`; with
    /// `overlapped`, FILE_FLAG_OVERLAPPED.
    CreateNamedPipe {
        capacity: u32,
        name: String,
        overlapped: bool,
    },
    /// QueueUserAPC: queue the caller's `routine` to the thread `thread` is a handle to.
    QueueApc {
        thread: Handle,
        routine: RoutineId,
    },
    /// SetFileCompletionNotificationModes with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: a
    /// request on the file that succeeds at once queues no packet to its port.
    SkipPortOnSuccess {
        handle: Handle,
    },
    /// CancelIo: cancels the caller's requests on the file.
    CancelIo {
        handle: Handle,
    },
    /// CancelIoEx: cancels every thread's requests on the file object, or only those
    /// issued with `overlapped`.
    CancelIoEx {
        handle: Handle,
        overlapped: Option<OverlappedId>,
    },
    /// WaitForSingleObjectEx (one handle) or WaitForMultipleObjectsEx: for any of the
    /// objects, or all; a zero timeout never waits.
    WaitObjects {
        handles: Vec<Handle>,
        all: bool,
        alertable: bool,
        timeout_ns: Option<u64>,
    },
    Exit,
}

impl Syscall {
    /// The Win32 name a student would recognise.
    pub fn name(&self) -> &'static str {
        match self {
            Syscall::Compute { .. } => "compute",
            Syscall::Open { .. } => "CreateFile",
            Syscall::Close { .. } => "CloseHandle",
            Syscall::Read { mode, .. } => match mode {
                IoMode::Apc(_) => "ReadFileEx",
                _ => "ReadFile",
            },
            Syscall::Write { mode, .. } => match mode {
                IoMode::Apc(_) => "WriteFileEx",
                _ => "WriteFile",
            },
            Syscall::Sleep {
                alertable: Some(_), ..
            } => "SleepEx",
            Syscall::Sleep { .. } => "Sleep",
            Syscall::WaitIo { .. } => "WaitForSingleObjectEx",
            Syscall::CreatePort { .. } => "CreateIoCompletionPort",
            Syscall::Bind { .. } => "CreateIoCompletionPort",
            Syscall::GetQueued { .. } => "GetQueuedCompletionStatus",
            Syscall::Post { .. } => "PostQueuedCompletionStatus",
            Syscall::CreateEvent { .. } => "CreateEvent",
            Syscall::SetEvent { .. } => "SetEvent",
            Syscall::ResetEvent { .. } => "ResetEvent",
            Syscall::CreateSemaphore { .. } => "CreateSemaphore",
            Syscall::ReleaseSemaphore { .. } => "ReleaseSemaphore",
            Syscall::OpenThread { .. } => "OpenThread",
            Syscall::DuplicateHandle { .. } => "DuplicateHandle",
            Syscall::SkipPortOnSuccess { .. } => "SetFileCompletionNotificationModes",
            Syscall::QueueApc { .. } => "QueueUserAPC",
            Syscall::GetOverlappedResult { .. } => "GetOverlappedResult",
            Syscall::GetQueuedEx { .. } => "GetQueuedCompletionStatusEx",
            Syscall::CancelIo { .. } => "CancelIo",
            Syscall::CreatePipe { .. } => "CreatePipe",
            Syscall::CreateNamedPipe { .. } => "CreateNamedPipe",
            Syscall::CancelIoEx { .. } => "CancelIoEx",
            Syscall::WaitObjects { handles, .. } if handles.len() == 1 => "WaitForSingleObjectEx",
            Syscall::WaitObjects { .. } => "WaitForMultipleObjectsEx",
            Syscall::Exit => "ExitThread",
        }
    }
}

/// The Win32 names of the calls that return to their program, each traced as
/// [`What::CallReturned`](crate::What::CallReturned) when it does: every name
/// [`Syscall::name`] gives but `compute` (user-mode code, not a call) and `ExitThread`
/// (which never returns).
pub const RETURNING_CALLS: &[&str] = &[
    "CreateFile",
    "CloseHandle",
    "ReadFile",
    "ReadFileEx",
    "WriteFile",
    "WriteFileEx",
    "Sleep",
    "SleepEx",
    "WaitForSingleObjectEx",
    "WaitForMultipleObjectsEx",
    "CreateIoCompletionPort",
    "GetQueuedCompletionStatus",
    "PostQueuedCompletionStatus",
    "CreateEvent",
    "SetEvent",
    "ResetEvent",
    "CreateSemaphore",
    "ReleaseSemaphore",
    "OpenThread",
    "DuplicateHandle",
    "SetFileCompletionNotificationModes",
    "QueueUserAPC",
    "GetOverlappedResult",
    "GetQueuedCompletionStatusEx",
    "CancelIo",
    "CancelIoEx",
    "CreatePipe",
    "CreateNamedPipe",
];

/// What the last call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyscallResult {
    /// Nothing yet: the thread is starting.
    #[default]
    Start,
    /// The call succeeded with nothing to report.
    Done,
    Handle(Handle),
    /// Two handles: CreatePipe's read end, then its write end.
    HandlePair(Handle, Handle),
    /// An overlapped request was accepted and is in progress.
    Pending(IrpId),
    /// An overlapped request completed before the call returned: it succeeded at once
    /// (its completion is still reported the way the caller asked).
    CompletedAtOnce(IrpId),
    /// A request finished (synchronous read, or a waited-for overlapped one).
    Io {
        irp: IrpId,
        status: Status,
        bytes: u32,
        checksum: u64,
    },
    /// GetQueuedCompletionStatusEx removed this many packets (each with its own result,
    /// which does not make the call fail).
    Packets(u32),
    /// A completion packet was dequeued.
    Packet {
        irp: Option<IrpId>,
        key: u64,
        bytes: u32,
        /// The request's status: GetQueuedCompletionStatus fails for a failed request's
        /// packet.
        status: Status,
    },
    /// An alertable wait returned because completion routines ran (WAIT_IO_COMPLETION).
    IoCompletion,
    /// A wait on objects returned WAIT_OBJECT_0 + this.
    WaitObject(u32),
    Timeout,
    Failed(Status),
}

/// What a program may see and touch when choosing its next call.
pub struct ProgramCtx<'a> {
    pub now: Time,
    pub thread: ThreadId,
    /// The result of the previous call.
    pub last: &'a SyscallResult,
    /// The process's user-mode memory, where its threads keep handle values and request
    /// ids under names. Shared by all threads of the process.
    pub vars: &'a mut BTreeMap<String, u64>,
    /// This thread's workload stream.
    pub rng: &'a mut SimRng,
}

/// A thread's code. Programs must be cloneable so a run can be checkpointed.
pub trait ThreadProgram: Send + std::fmt::Debug {
    /// The next call, given the previous call's result.
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall;
    fn clone_box(&self) -> Box<dyn ThreadProgram>;
    /// The body of one of the process's routines, when it makes calls of its own: a
    /// program the thread runs when it calls the routine as an APC, whose
    /// [`Syscall::Exit`] is the routine's return. None for a routine that only computes.
    fn routine(&self, _routine: RoutineId) -> Option<Box<dyn ThreadProgram>> {
        None
    }
}

impl Clone for Box<dyn ThreadProgram> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// What a call returns to its program, as the Win32 documentation writes it; with it,
/// the code GetLastError gives ([`win32_return`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Returned {
    /// A BOOL call succeeded (nonzero).
    True,
    /// A BOOL call failed (zero): GetLastError says why.
    False,
    /// A new handle.
    Handle(Handle),
    /// CreateFile's and CreateNamedPipe's failure.
    InvalidHandleValue,
    /// The failure of a call that returns a handle (CreateEvent, CreateSemaphore,
    /// OpenThread, CreateIoCompletionPort).
    Null,
    /// WAIT_OBJECT_0 + n.
    WaitObject(u32),
    WaitTimeout,
    WaitIoCompletion,
    WaitFailed,
    /// SleepEx slept its whole time.
    Zero,
    /// The call has no return value (Sleep).
    Nothing,
}

impl Returned {
    /// The value as a program's source would write it: "TRUE", "WAIT_OBJECT_0 + 1".
    pub fn name(self) -> String {
        match self {
            Returned::True => "TRUE".into(),
            Returned::False => "FALSE".into(),
            Returned::Handle(h) => format!("handle {h}"),
            Returned::InvalidHandleValue => "INVALID_HANDLE_VALUE".into(),
            Returned::Null => "NULL".into(),
            Returned::WaitObject(0) => "WAIT_OBJECT_0".into(),
            Returned::WaitObject(n) => format!("WAIT_OBJECT_0 + {n}"),
            Returned::WaitTimeout => "WAIT_TIMEOUT".into(),
            Returned::WaitIoCompletion => "WAIT_IO_COMPLETION".into(),
            Returned::WaitFailed => "WAIT_FAILED".into(),
            Returned::Zero => "0".into(),
            Returned::Nothing => "nothing".into(),
        }
    }
}

/// What `call` returns to its program when the kernel hands back `result`, and the code
/// GetLastError then gives (none when the call sets none). From each function's page on
/// Microsoft Learn ("Return value"): CreateFile, CreateNamedPipe, CreateEvent,
/// CreateSemaphore, OpenThread, CreateIoCompletionPort, ReadFile, ReadFileEx, SleepEx,
/// WaitForSingleObjectEx, WaitForMultipleObjectsEx, GetQueuedCompletionStatus, and the
/// BOOL calls (CloseHandle, CreatePipe, DuplicateHandle, SetEvent, ResetEvent,
/// ReleaseSemaphore, PostQueuedCompletionStatus, CancelIo, CancelIoEx).
pub fn win32_return(call: &str, result: &SyscallResult) -> (Returned, Option<Status>) {
    use SyscallResult as R;
    let failed = |s: Status| Some(s);
    match (call, *result) {
        ("Sleep", _) => (Returned::Nothing, None),
        ("SleepEx", R::IoCompletion) => (Returned::WaitIoCompletion, None),
        ("SleepEx", _) => (Returned::Zero, None),
        ("WaitForSingleObjectEx" | "WaitForMultipleObjectsEx", r) => match r {
            R::WaitObject(n) => (Returned::WaitObject(n), None),
            // A wait on an OVERLAPPED's event: the event was signalled.
            R::Io { .. } => (Returned::WaitObject(0), None),
            R::Timeout => (Returned::WaitTimeout, None),
            R::IoCompletion => (Returned::WaitIoCompletion, None),
            R::Failed(s) => (Returned::WaitFailed, failed(s)),
            _ => (Returned::WaitFailed, None),
        },
        ("GetQueuedCompletionStatusEx", r) => match r {
            R::Packets(_) => (Returned::True, None),
            R::Timeout => (Returned::False, failed(Status::Timeout)),
            // An APC ended its alertable wait.
            R::IoCompletion => (Returned::False, failed(Status::UserApc)),
            R::Failed(s) => (Returned::False, failed(s)),
            _ => (Returned::True, None),
        },
        ("GetQueuedCompletionStatus", r) => match r {
            R::Packet { status, .. } if status.is_error() => (Returned::False, failed(status)),
            R::Packet { .. } => (Returned::True, None),
            // No packet in time: FALSE, with WAIT_TIMEOUT from GetLastError.
            R::Timeout => (Returned::False, failed(Status::Timeout)),
            R::Failed(s) => (Returned::False, failed(s)),
            _ => (Returned::True, None),
        },
        ("CreateFile" | "CreateNamedPipe", R::Handle(h)) => (Returned::Handle(h), None),
        ("CreateFile" | "CreateNamedPipe", R::Failed(s)) => {
            (Returned::InvalidHandleValue, failed(s))
        }
        (
            "CreateEvent" | "CreateSemaphore" | "OpenThread" | "CreateIoCompletionPort",
            R::Handle(h),
        ) => (Returned::Handle(h), None),
        (
            "CreateEvent" | "CreateSemaphore" | "OpenThread" | "CreateIoCompletionPort",
            R::Failed(s),
        ) => (Returned::Null, failed(s)),
        // An overlapped request in progress: FALSE, and GetLastError gives
        // ERROR_IO_PENDING; that is not a failure ("ReadFile function").
        ("ReadFile" | "WriteFile", R::Pending(_)) => (Returned::False, failed(Status::Pending)),
        (_, R::Io { status, .. }) if status.is_error() => (Returned::False, failed(status)),
        (_, R::Failed(s)) => (Returned::False, failed(s)),
        _ => (Returned::True, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One call of each kind, each way it can be named.
    fn one_of_each() -> Vec<Syscall> {
        let h = Handle(1);
        let mut calls = vec![
            Syscall::Compute { ns: 1, pass: None },
            Syscall::Open {
                path: "f".into(),
                overlapped: false,
            },
            Syscall::Close { handle: h },
            Syscall::Sleep {
                ns: 1,
                alertable: None,
            },
            Syscall::Sleep {
                ns: 1,
                alertable: Some(true),
            },
            Syscall::WaitIo {
                overlapped: OverlappedId::nth(0),
                alertable: false,
                timeout_ns: None,
            },
            Syscall::CreatePort {
                concurrency: 0,
                name: "P".into(),
            },
            Syscall::Bind {
                file: h,
                port: h,
                key: 0,
            },
            Syscall::GetQueued {
                port: h,
                timeout_ns: None,
            },
            Syscall::Post {
                port: h,
                key: 0,
                bytes: 0,
                overlapped: None,
            },
            Syscall::CreateEvent {
                manual_reset: false,
                signalled: false,
                name: "e".into(),
            },
            Syscall::SetEvent { event: h },
            Syscall::ResetEvent { event: h },
            Syscall::CreateSemaphore {
                count: 0,
                max: 1,
                name: "s".into(),
            },
            Syscall::ReleaseSemaphore {
                semaphore: h,
                count: 1,
            },
            Syscall::OpenThread {
                thread: ThreadId(0),
            },
            Syscall::DuplicateHandle { handle: h },
            Syscall::CreatePipe {
                capacity: 1,
                name: "p".into(),
            },
            Syscall::CreateNamedPipe {
                capacity: 1,
                name: "p".into(),
                overlapped: false,
            },
            Syscall::SkipPortOnSuccess { handle: h },
            Syscall::QueueApc {
                thread: h,
                routine: RoutineId(0),
            },
            Syscall::GetOverlappedResult {
                overlapped: OverlappedId::nth(0),
                wait: true,
            },
            Syscall::GetQueuedEx {
                port: h,
                count: 2,
                timeout_ns: None,
                alertable: true,
            },
            Syscall::CancelIo { handle: h },
            Syscall::CancelIoEx {
                handle: h,
                overlapped: None,
            },
            Syscall::Exit,
        ];
        for handles in [vec![h], vec![h, h]] {
            calls.push(Syscall::WaitObjects {
                handles,
                all: false,
                alertable: false,
                timeout_ns: None,
            });
        }
        for mode in [
            IoMode::Sync,
            IoMode::Overlapped(None),
            IoMode::Apc(RoutineId(0)),
        ] {
            calls.push(Syscall::Read {
                handle: h,
                offset: None,
                len: 1,
                mode,
            });
            calls.push(Syscall::Write {
                handle: h,
                offset: None,
                data: Vec::new(),
                mode,
            });
        }
        calls
    }

    #[test]
    fn returning_calls_are_every_name_but_compute_and_exit() {
        let mut names: Vec<&str> = Vec::new();
        for call in one_of_each() {
            // A new kind of call fails to compile here until it is in `one_of_each`.
            match &call {
                Syscall::Compute { .. }
                | Syscall::Open { .. }
                | Syscall::Close { .. }
                | Syscall::Read { .. }
                | Syscall::Write { .. }
                | Syscall::Sleep { .. }
                | Syscall::WaitIo { .. }
                | Syscall::CreatePort { .. }
                | Syscall::Bind { .. }
                | Syscall::GetQueued { .. }
                | Syscall::Post { .. }
                | Syscall::CreateEvent { .. }
                | Syscall::SetEvent { .. }
                | Syscall::ResetEvent { .. }
                | Syscall::CreateSemaphore { .. }
                | Syscall::ReleaseSemaphore { .. }
                | Syscall::OpenThread { .. }
                | Syscall::DuplicateHandle { .. }
                | Syscall::CreatePipe { .. }
                | Syscall::CreateNamedPipe { .. }
                | Syscall::SkipPortOnSuccess { .. }
                | Syscall::QueueApc { .. }
                | Syscall::GetOverlappedResult { .. }
                | Syscall::GetQueuedEx { .. }
                | Syscall::CancelIo { .. }
                | Syscall::CancelIoEx { .. }
                | Syscall::WaitObjects { .. }
                | Syscall::Exit => {}
            }
            if !names.contains(&call.name()) {
                names.push(call.name());
            }
        }
        let mut returning: Vec<&str> = names
            .into_iter()
            .filter(|n| !["compute", "ExitThread"].contains(n))
            .collect();
        returning.sort_unstable();
        let mut listed = RETURNING_CALLS.to_vec();
        listed.sort_unstable();
        assert_eq!(returning, listed);
    }
}
