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
//!
//! Each op's arguments are a struct in the module of its concept (`file`, `transfer`,
//! `request`, `time`, `port`, `object`, `pipe`, `flow`), which also holds the op's rules
//! (`declare::OpForm`: the names it binds and uses, the limits of its numbers, and any rule
//! of its own) and its program step ([`userland::Step`]: the call it makes, with the
//! process's handles and names resolved when it runs). [`Op`] lists them, each with its
//! JSON key. There is no second copy of an op for the program: a thread runs its scenario
//! ops ([`userland::ListProgram`]).

use kernel_sim::Syscall;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use userland::{Step, StepCtx};

use super::declare::{Check, Declare, OpAt, OpForm};

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
    CreateEvent, CreateSemaphore, DuplicateHandle, OpenThread, QueueApc, ReleaseSemaphore,
    ResetEvent, SetEvent, WaitObjects,
};
pub use pipe::{CreateNamedPipe, CreatePipe};
pub use port::{Bind, CreatePort, GetQueued, GetQueuedEx, Post, SkipPortOnSuccess};
pub use request::{CancelIo, CancelIoEx, GetOverlappedResult, Wait};
pub use time::{Compute, Sleep, SleepEx};
pub use transfer::{
    Completion, Direction, Position, RandomOffset, Read, ReadEx, ReadOverlapped, Transfer, Write,
    WriteEx, WriteOverlapped,
};

/// Declares [`Op`] from its list of variants, each with its JSON key, and what follows from
/// the list: [`Op::name`], and `OpForm` and [`Step`] for `Op` (an op's rules and its call
/// are its arguments'). Adding an op is adding its line here.
macro_rules! ops {
    (
        $(#[$doc:meta])*
        pub enum Op {
            $($(#[$variant_doc:meta])* $key:literal => $variant:ident($form:ty),)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub enum Op {
            $($(#[$variant_doc])* #[serde(rename = $key)] $variant($form),)*
        }

        impl Op {
            /// The op's JSON key, e.g. `read_ex`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Op::$variant(_) => $key,)*
                }
            }
        }

        impl OpForm for Op {
            fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check {
                match self {
                    $(Op::$variant(form) => form.declare(at, d),)*
                }
            }
        }

        impl Step for Op {
            fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
                match self {
                    $(Op::$variant(form) => form.call(cx),)*
                }
            }

            fn repeat(&self) -> Option<(u64, &[Op])> {
                match self {
                    Op::Repeat(repeat) => Some((repeat.times, &repeat.ops)),
                    _ => None,
                }
            }
        }
    };
}

ops! {
    /// One operation in a thread's program.
    ///
    /// The six transfer ops are boxed: their arguments are three to four times the size of any
    /// other op's, and a program of short ops (`{"compute": {"ns": 1}}`, 22 bytes of text)
    /// would otherwise take 128 bytes an op, six times its text.
    pub enum Op {
        /// Open a file by name and bind a handle name to it.
        "open" => Open(Open),
        /// Close a handle of any kind (CloseHandle). The object goes when its last handle does.
        "close" => Close(Close),
        /// Synchronous read: the thread blocks until the data is in its buffer.
        "read" => Read(Box<Read>),
        /// Synchronous write: the thread blocks until the device has the data.
        "write" => Write(Box<Write>),
        /// Overlapped read whose completion runs a routine as an APC (ReadFileEx).
        "read_ex" => ReadEx(Box<ReadEx>),
        /// Overlapped write whose completion runs a routine as an APC (WriteFileEx).
        "write_ex" => WriteEx(Box<WriteEx>),
        /// Overlapped read without a routine: completes to the bound port, or signals its tag.
        "read_overlapped" => ReadOverlapped(Box<ReadOverlapped>),
        /// Overlapped write without a routine: completes to the bound port, or signals its tag.
        "write_overlapped" => WriteOverlapped(Box<WriteOverlapped>),
        /// Block until a tagged overlapped request completes.
        "wait" => Wait(Wait),
        /// A tagged overlapped request's result, waiting for it or not (GetOverlappedResult).
        "get_overlapped_result" => GetOverlappedResult(GetOverlappedResult),
        /// Block for a fixed time; not alertable.
        "sleep" => Sleep(Sleep),
        /// Block for a fixed time, optionally alertable so queued APCs run (SleepEx).
        "sleep_ex" => SleepEx(SleepEx),
        /// Use the CPU for a fixed time.
        "compute" => Compute(Compute),
        /// Create an I/O completion port and bind a name to it.
        "create_port" => CreatePort(CreatePort),
        /// Associate a file handle with a completion port; its overlapped completions become
        /// packets on that port.
        "bind" => Bind(Bind),
        /// Wait for a completion packet on a port (GetQueuedCompletionStatus).
        "get_queued" => GetQueued(GetQueued),
        /// Take up to `count` packets at once, optionally in an alertable wait
        /// (GetQueuedCompletionStatusEx).
        "get_queued_ex" => GetQueuedEx(GetQueuedEx),
        /// Queue a packet on a port by hand (PostQueuedCompletionStatus).
        "post" => Post(Post),
        /// A file's requests that succeed at once queue no packet to its port
        /// (SetFileCompletionNotificationModes, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS).
        "skip_port_on_success" => SkipPortOnSuccess(SkipPortOnSuccess),
        /// Create an event object and bind a name to its handle (CreateEvent).
        "create_event" => CreateEvent(CreateEvent),
        /// Signal an event (SetEvent): a manual-reset event releases every waiter and stays
        /// signalled; an auto-reset event lets one waiter through and resets.
        "set_event" => SetEvent(SetEvent),
        /// Make an event non-signalled (ResetEvent).
        "reset_event" => ResetEvent(ResetEvent),
        /// Create a semaphore object and bind a name to its handle (CreateSemaphore).
        "create_semaphore" => CreateSemaphore(CreateSemaphore),
        /// Add to a semaphore's count (ReleaseSemaphore); each unit lets one waiter through.
        "release_semaphore" => ReleaseSemaphore(ReleaseSemaphore),
        /// Open a handle to a thread of the same process (OpenThread); a thread object is
        /// signalled once the thread has exited.
        "open_thread" => OpenThread(OpenThread),
        /// Queue a routine to a thread as a user APC (QueueUserAPC); it fails with
        /// ERROR_GEN_FAILURE if the thread has exited.
        "queue_apc" => QueueApc(QueueApc),
        /// A second handle to the object a handle refers to (DuplicateHandle, within the
        /// process): the object lives until both are closed.
        "duplicate_handle" => DuplicateHandle(DuplicateHandle),
        /// Wait until one, or all, of up to 64 events, semaphores and threads are signalled
        /// (WaitForSingleObjectEx for one handle, WaitForMultipleObjectsEx for more).
        "wait_objects" => WaitObjects(WaitObjects),
        /// Cancel the calling thread's requests on a file (CancelIo).
        "cancel_io" => CancelIo(CancelIo),
        /// Cancel every thread's requests on a file, or only the one a tag names (CancelIoEx).
        "cancel_io_ex" => CancelIoEx(CancelIoEx),
        /// Create an anonymous pipe and bind names to its read end and its write end
        /// (CreatePipe).
        "create_pipe" => CreatePipe(Box<CreatePipe>),
        /// Create a named pipe and bind a name to its server's end (CreateNamedPipe); clients
        /// `open` it by its name.
        "create_named_pipe" => CreateNamedPipe(Box<CreateNamedPipe>),
        /// Run a list of ops several times.
        "repeat" => Repeat(Repeat),
        /// End the thread now. Queued APCs that have not run are discarded.
        "exit" => Exit(Exit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_sim::engine::rng::{Stream, stream};
    use kernel_sim::{Handle, IoMode, OverlappedId, ProgramCtx, RoutineId, SyscallResult};
    use kernel_sim::{ThreadId, ThreadProgram};
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use userland::{ListProgram, Names};

    /// The calls the ops of `program` (a JSON list) make, the previous call returning each
    /// of `results` in turn.
    fn calls(program: &str, names: Names, results: &[SyscallResult]) -> Vec<Syscall> {
        let ops: Vec<Op> = serde_json::from_str(program).expect("ops");
        let mut program = ListProgram::new(ops.into(), Arc::new(names));
        let mut vars = BTreeMap::new();
        let mut rng = stream(1, Stream::Workload, 0);
        let mut out = Vec::new();
        let mut last = SyscallResult::Start;
        for r in results {
            let mut cx = ProgramCtx {
                now: 0,
                thread: ThreadId(0),
                last: &last,
                vars: &mut vars,
                rng: &mut rng,
            };
            out.push(program.next(&mut cx));
            last = *r;
        }
        out
    }

    #[test]
    fn an_opened_handle_is_used_by_name() {
        let got = calls(
            r#"[{"open": {"path": "data.bin", "as": "f", "overlapped": true}},
                {"read": {"file": "f", "offset": 0, "len": 512}}]"#,
            Names::default(),
            &[SyscallResult::Handle(Handle(4)), SyscallResult::Done],
        );
        assert_eq!(
            got,
            [
                Syscall::Open {
                    path: "data.bin".into(),
                    overlapped: true
                },
                Syscall::Read {
                    handle: Handle(4),
                    offset: Some(0),
                    len: 512,
                    mode: IoMode::Sync
                }
            ]
        );
    }

    #[test]
    fn transfers_complete_as_their_op_says_with_routines_and_tags_numbered() {
        let names = Names {
            routines: [("done".to_owned(), RoutineId(3))].into(),
            overlapped: [("t".to_owned(), OverlappedId::nth(2))].into(),
            ..Names::default()
        };
        let got = calls(
            r#"[{"read_ex": {"file": "f", "len": 8, "routine": "done"}},
                {"write_overlapped": {"file": "f", "offset": 8,
                                      "data": {"repeat": {"text": "ab", "length": 5}}, "tag": "t"}},
                {"write_overlapped": {"file": "f", "data": {"text": "hi"}}}]"#,
            names,
            &[SyscallResult::Done; 3],
        );
        assert_eq!(
            got,
            [
                Syscall::Read {
                    handle: Handle(0),
                    offset: None,
                    len: 8,
                    mode: IoMode::Apc(RoutineId(3))
                },
                Syscall::Write {
                    handle: Handle(0),
                    offset: Some(8),
                    data: b"ababa".to_vec(),
                    mode: IoMode::Overlapped(Some(OverlappedId::nth(2)))
                },
                Syscall::Write {
                    handle: Handle(0),
                    offset: None,
                    data: b"hi".to_vec(),
                    mode: IoMode::Overlapped(None)
                },
            ]
        );
    }

    #[test]
    fn kernel_objects_are_named_by_the_handles_their_calls_return() {
        let names = Names {
            threads: [("T3".to_owned(), ThreadId(3))].into(),
            ..Names::default()
        };
        let got = calls(
            r#"[{"create_event": {"as": "e", "manual_reset": true}},
                {"create_semaphore": {"as": "s", "count": 0, "max": 2}},
                {"open_thread": {"thread": "T3", "as": "t"}},
                {"duplicate_handle": {"handle": "e", "as": "e2"}},
                {"wait_objects": {"handles": ["e2", "s", "t", "nope"], "all": true, "timeout_ns": 0}},
                {"set_event": {"event": "e"}},
                {"release_semaphore": {"semaphore": "s", "count": 2}}]"#,
            names,
            &[
                SyscallResult::Handle(Handle(4)),
                SyscallResult::Handle(Handle(8)),
                SyscallResult::Handle(Handle(12)),
                SyscallResult::Handle(Handle(16)),
                SyscallResult::Timeout,
                SyscallResult::Done,
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got,
            vec![
                Syscall::CreateEvent {
                    manual_reset: true,
                    signalled: false,
                    name: "e".into()
                },
                Syscall::CreateSemaphore {
                    count: 0,
                    max: 2,
                    name: "s".into()
                },
                Syscall::OpenThread {
                    thread: ThreadId(3)
                },
                Syscall::DuplicateHandle { handle: Handle(4) },
                // An unbound name is handle 0, which the kernel refuses.
                Syscall::WaitObjects {
                    handles: vec![Handle(16), Handle(8), Handle(12), Handle(0)],
                    all: true,
                    alertable: false,
                    timeout_ns: Some(0)
                },
                Syscall::SetEvent { event: Handle(4) },
                Syscall::ReleaseSemaphore {
                    semaphore: Handle(8),
                    count: 2
                },
            ]
        );
    }

    #[test]
    fn a_pipe_s_two_handles_are_bound_to_their_names() {
        let got = calls(
            r#"[{"create_pipe": {"read_as": "r", "write_as": "w", "capacity": 64, "name": "p"}},
                {"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\echo", "capacity": 128}},
                {"open": {"path": "\\\\.\\pipe\\echo", "as": "c"}},
                {"write": {"file": "w", "data": {"text": "hi"}}},
                {"read": {"file": "r", "len": 2}},
                {"close": {"handle": "s"}},
                {"close": {"handle": "c"}}]"#,
            Names::default(),
            &[
                SyscallResult::HandlePair(Handle(4), Handle(8)),
                SyscallResult::Handle(Handle(12)),
                SyscallResult::Handle(Handle(16)),
                SyscallResult::Done,
                SyscallResult::Done,
                SyscallResult::Done,
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got[0],
            Syscall::CreatePipe {
                capacity: 64,
                name: "p".into()
            }
        );
        assert_eq!(
            got[1],
            Syscall::CreateNamedPipe {
                capacity: 128,
                name: r"\\.\pipe\echo".into(),
                overlapped: false
            }
        );
        let handle = |c: &Syscall| match c {
            Syscall::Write { handle, .. }
            | Syscall::Read { handle, .. }
            | Syscall::Close { handle } => *handle,
            other => panic!("{other:?}"),
        };
        let used: Vec<Handle> = got[3..].iter().map(handle).collect();
        assert_eq!(used, [Handle(8), Handle(4), Handle(12), Handle(16)]);
    }

    #[test]
    fn cancels_name_the_file_and_the_overlapped() {
        let names = Names {
            overlapped: [("t".to_owned(), OverlappedId::nth(2))].into(),
            ..Names::default()
        };
        let got = calls(
            r#"[{"open": {"path": "data.bin", "as": "f"}},
                {"cancel_io": {"file": "f"}},
                {"cancel_io_ex": {"file": "f", "tag": "t"}},
                {"cancel_io_ex": {"file": "f"}}]"#,
            names,
            &[
                SyscallResult::Handle(Handle(4)),
                SyscallResult::Done,
                SyscallResult::Failed(kernel_sim::io::Status::NotFound),
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got[1..],
            [
                Syscall::CancelIo { handle: Handle(4) },
                Syscall::CancelIoEx {
                    handle: Handle(4),
                    overlapped: Some(OverlappedId::nth(2))
                },
                Syscall::CancelIoEx {
                    handle: Handle(4),
                    overlapped: None
                },
            ]
        );
    }

    #[test]
    fn an_op_is_small() {
        // A scenario's memory is mostly its ops: keep an op within 8 words (two names and
        // a flag, as `open` has, with the variant's tag).
        assert!(
            std::mem::size_of::<Op>() <= 64,
            "{}",
            std::mem::size_of::<Op>()
        );
    }
}
