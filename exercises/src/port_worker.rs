//! Exercise `port-worker`: a completion-port worker loop.
//!
//! ```text
//!   a.log (key 1) ─┐                              ┌─► your PortWorker::next
//!                  ├─► completion port ─► packet ─┤     Read the file's next chunk
//!   b.log (key 2) ─┘        ▲                     │     Process the packet's bytes
//!                           └──── next read ◄─────┘     GetPacket again, or Exit
//! ```
//!
//! The worker thread opens two files for overlapped I/O and binds both to one completion
//! port, each with its own completion key (this module does that part, before the
//! student's first call). The student writes the loop that follows, in a small call
//! vocabulary ([`Call`]), each call answered by an [`Outcome`]:
//! 1. First, issue the first read of each file, in the order of [`FILES`].
//! 2. Then, get a packet. For each packet, first issue the next read of the file the
//!    packet's key names, unless that file has been read to its end, and then process
//!    the packet's bytes: the disk works on the next read while the CPU processes.
//! 3. Exit when no read is in flight and nothing is left to process.
//!
//! Reads are [`CHUNK`] bytes at increasing offsets: 0, [`CHUNK`], 2 × [`CHUNK`], …
//!
//! The loop is run as the worker thread's [`ThreadProgram`]: every call it makes is a
//! real system call (CreateIoCompletionPort, ReadFile with an OVERLAPPED,
//! GetQueuedCompletionStatus, user-mode computing), traced like any other.

use crate::harness::{self, Slot, Wrong};
use crate::{Exercise, ExerciseError, NotWritten};
use iosim::build::Parts;
use kernel_sim::{Handle, IoMode, IrpId, ProgramCtx, Syscall, SyscallResult, ThreadProgram};
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

/// A call the worker can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// GetQueuedCompletionStatus on the port, waiting as long as it takes.
    GetPacket,
    /// ReadFile with an OVERLAPPED: [`CHUNK`] bytes at `offset` of the file whose
    /// completion key is `key`.
    Read { key: u64, offset: u64 },
    /// Work on `bytes` bytes of data in user mode ([`PROCESS_NS_PER_BYTE`] each).
    Process { bytes: u32 },
    /// ExitThread.
    Exit,
}

/// What the worker's previous call gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing yet: the port and both files are ready, and nothing has been read.
    Start,
    /// The read was issued: a packet will come when it completes (ReadFile returned
    /// FALSE with ERROR_IO_PENDING, or TRUE having finished at once; a packet comes
    /// either way).
    Issued,
    /// The read failed at once (past the end of the file, say): no packet will come.
    Refused,
    /// A packet: the read of `key`'s file at `offset` completed, moving `bytes` bytes,
    /// successfully or not (`ok`).
    Packet {
        key: u64,
        offset: u64,
        bytes: u32,
        ok: bool,
    },
    /// The data was processed.
    Processed,
}

/// A completion-port worker loop, as the student writes it.
pub trait PortWorker: Debug + Clone + Send + 'static {
    /// The worker's next call, given what its previous call gave.
    fn next(&mut self, last: &Outcome) -> Result<Call, NotWritten>;
}

/// A file the worker reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct File {
    pub name: &'static str,
    /// Its completion key: the packets of its reads carry it.
    pub key: u64,
    /// Its length in bytes, a multiple of [`CHUNK`].
    pub len: u64,
}

/// The files, in the order their first reads are issued (the scenario lays them out on
/// the disk; these are its numbers).
pub const FILES: [File; 2] = [
    File {
        name: "a.log",
        key: 1,
        len: 16384,
    },
    File {
        name: "b.log",
        key: 2,
        len: 8192,
    },
];

/// The size of every read, in bytes.
pub const CHUNK: u32 = 4096;

/// User-mode time to process one byte (iosim's figure for the exercise: 40.96 us a
/// chunk, about a tenth of a read's time on the disk).
pub const PROCESS_NS_PER_BYTE: u64 = 10;

/// The exercise.
pub const EXERCISE: Exercise = Exercise {
    name: "port-worker",
    student_file: "exercises/src/student/port_worker.rs",
    scenario_file: "exercises/scenarios/port-worker.json",
    scenario: include_str!("../scenarios/port-worker.json"),
    look: "the worker's calls are its SyscallEntered lines (ReadFile, \
           GetQueuedCompletionStatus, ExitThread) and ThreadComputed lines (Process); the \
           IrpCreated line after a ReadFile gives its offset, and a PacketDequeued line the \
           packet's key (1 is a.log, 2 is b.log): the first difference is usually a call made \
           too early, too late, or for the wrong file",
    student: || run(crate::student::port_worker::Worker::default()),
    reference: || run(crate::reference::port_worker::Worker::default()),
};

/// The process and thread the worker runs as.
const PROCESS: &str = "server";
const THREAD: &str = "worker";

/// Runs the exercise with `worker` as the worker thread's loop.
pub fn run(worker: impl PortWorker) -> Result<String, ExerciseError> {
    let slot = Slot::new();
    let mut parts = Parts::default();
    parts.programs.insert(
        (PROCESS.into(), THREAD.into()),
        Box::new(Plugged {
            worker,
            slot: Arc::clone(&slot),
            setup: 0,
            port: Handle(0),
            files: BTreeMap::new(),
            last: None,
            reads: BTreeMap::new(),
        }),
    );
    harness::run(
        &EXERCISE,
        &parts,
        &slot,
        "a worker that never exits and never waits keeps the run going: does your loop \
         exit once no read is in flight?",
    )
}

/// The worker's setup, before its loop: create the port, then open and bind each file.
const SETUP_CALLS: usize = 1 + 2 * FILES.len();

/// The student's loop as the kernel sees it: a thread program.
#[derive(Debug, Clone)]
struct Plugged<W> {
    worker: W,
    slot: Arc<Slot>,
    /// Setup calls made so far.
    setup: usize,
    port: Handle,
    /// Completion key → the file's handle.
    files: BTreeMap<u64, Handle>,
    /// The student's previous call.
    last: Option<Call>,
    /// Each read issued: its file's key and its offset, for its packet.
    reads: BTreeMap<IrpId, (u64, u64)>,
}

impl<W: PortWorker> Plugged<W> {
    /// The next setup call, having seen the previous one's result.
    fn setup_call(&mut self, result: &SyscallResult) -> Syscall {
        let handle = |result: &SyscallResult| match result {
            SyscallResult::Handle(h) => *h,
            other => panic!("the exercise's setup failed: {other:?}"),
        };
        let step = self.setup;
        self.setup += 1;
        if step == 0 {
            return Syscall::CreatePort {
                concurrency: 1,
                name: "port".into(),
            };
        }
        if step == 1 {
            self.port = handle(result);
        }
        let file = FILES[(step - 1) / 2];
        if step % 2 == 1 {
            Syscall::Open {
                path: file.name.into(),
                overlapped: true,
            }
        } else {
            self.files.insert(file.key, handle(result));
            Syscall::Bind {
                file: self.files[&file.key],
                port: self.port,
                key: file.key,
            }
        }
    }

    /// What the student's previous call gave, from the kernel's result.
    fn outcome(&mut self, result: &SyscallResult) -> Result<Outcome, String> {
        Ok(match (self.last, *result) {
            (None, _) => Outcome::Start,
            (Some(Call::Read { key, offset }), r) => match r {
                SyscallResult::Pending(irp) | SyscallResult::CompletedAtOnce(irp) => {
                    self.reads.insert(irp, (key, offset));
                    Outcome::Issued
                }
                _ => Outcome::Refused,
            },
            (
                Some(Call::GetPacket),
                SyscallResult::Packet {
                    irp: Some(irp),
                    bytes,
                    status,
                    ..
                },
            ) => {
                let (key, offset) = self
                    .reads
                    .remove(&irp)
                    .expect("every packet on the port is for a read the worker issued");
                Outcome::Packet {
                    key,
                    offset,
                    bytes,
                    ok: !status.is_error(),
                }
            }
            (Some(Call::GetPacket), other) => {
                return Err(format!(
                    "GetQueuedCompletionStatus returned {other:?}, not a packet"
                ));
            }
            (Some(Call::Process { .. }), _) => Outcome::Processed,
            (Some(Call::Exit), _) => unreachable!("a thread that exited makes no more calls"),
        })
    }

    /// The system call for the student's `call`.
    fn syscall(&self, call: Call) -> Result<Syscall, String> {
        Ok(match call {
            Call::GetPacket => Syscall::GetQueued {
                port: self.port,
                timeout_ns: None,
            },
            Call::Read { key, offset } => {
                let Some(&handle) = self.files.get(&key) else {
                    return Err(format!(
                        "next returned Call::Read with key {key}, which no file has (the keys \
                         are {:?})",
                        FILES.map(|f| f.key)
                    ));
                };
                Syscall::Read {
                    handle,
                    offset: Some(offset),
                    len: CHUNK,
                    mode: IoMode::Overlapped(None),
                }
            }
            Call::Process { bytes } => Syscall::Compute {
                ns: u64::from(bytes) * PROCESS_NS_PER_BYTE,
                pass: None,
            },
            Call::Exit => Syscall::Exit,
        })
    }
}

impl<W: PortWorker> ThreadProgram for Plugged<W> {
    /// Anything wrong is reported and the thread exits, so the kernel can finish its step
    /// before the harness stops.
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        if self.setup < SETUP_CALLS {
            return self.setup_call(cx.last);
        }
        if self.setup == SETUP_CALLS {
            // The last bind's result: nothing to keep.
            self.setup += 1;
        }
        let outcome = match self.outcome(cx.last) {
            Ok(outcome) => outcome,
            Err(what) => {
                self.slot.report(Wrong::Misused(what));
                return Syscall::Exit;
            }
        };
        let call = match self.worker.next(&outcome) {
            Ok(call) => call,
            Err(NotWritten(message)) => {
                self.slot.report(Wrong::NotWritten(message));
                return Syscall::Exit;
            }
        };
        self.last = Some(call);
        self.syscall(call).unwrap_or_else(|what| {
            self.slot.report(Wrong::Misused(what));
            Syscall::Exit
        })
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}
