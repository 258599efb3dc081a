//! Threads and processes, and the continuation a thread carries between two pieces of
//! CPU work.

use crate::engine::Time;
use crate::engine::rng::SimRng;
use crate::ids::*;
use crate::io::{HandleTable, Status};
use crate::syscall::{Syscall, SyscallResult};
use crate::trace::WaitReason;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ThreadState {
    /// Its start time has not come yet.
    NotStarted,
    Ready,
    Running {
        cpu: CpuId,
    },
    Waiting {
        reason: WaitReason,
        alertable: bool,
    },
    Terminated,
}

/// What the thread does when its current piece of CPU work ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cont {
    /// Ask the program for its next call.
    NextOp,
    /// The system call's entry cost is paid; now carry it out.
    Perform(Syscall),
    /// The IRP is built; send it to the top driver of the device stack.
    SendIrp(IrpId),
    /// The dispatch routine's look at the IRP is paid; now the driver acts on it.
    Dispatch(IrpId),
    /// A dispatch routine pended an IRP and its cost is paid: call the driver's StartIo,
    /// then go on with `then`.
    StartIo { driver: DriverId, then: Box<Cont> },
    /// The driver's dispatch routine returned and its charged time is paid: deliver the
    /// completions it asked for, then give control back to the caller.
    Return {
        irp: IrpId,
        mode: crate::syscall::IoMode,
        call: &'static str,
        /// The caller waits in the kernel until the IRP completes: a synchronous handle.
        waits: bool,
        completions: Vec<crate::driver::Completion>,
    },
    /// A stretch of user-mode code that began at `since` and needed `ns` of CPU is done.
    Computed { ns: u64, since: Time },
    /// PostQueuedCompletionStatus's cost is paid: queue the packet.
    Post {
        port: PortId,
        packet: crate::completion::Packet,
    },
    /// Hand this result to the program.
    Deliver(SyscallResult),
    /// The call fails with `status` (traced), e.g. a wait on a port that was closed.
    Fail { call: &'static str, status: Status },
    /// Driver routines the thread ran (cancel routines, a work item's routine) are paid
    /// for: deliver the completions they asked for, then go on with `then`.
    AfterRoutines {
        completions: Vec<crate::driver::Completion>,
        then: Box<Cont>,
    },
    /// The thread's requests are cancelled: it exits.
    Exit,
    /// A wait on objects returns `result` (traced).
    WaitDone {
        call: &'static str,
        result: crate::object::WaitResult,
        object: Option<crate::io::Object>,
    },
    /// Run the next queued APC, or end the alertable wait if none is left.
    /// With `at_start`, the thread has not begun its program yet: "If an application
    /// queues an APC before the thread begins running, the thread begins by calling the
    /// APC function" (Microsoft Learn: QueueUserAPC function); it then begins.
    RunApcs { ran: u32, at_start: bool },
}

/// A piece of CPU work and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub remaining: Time,
    pub cont: Cont,
}

/// What a waiting thread waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitFor {
    Irp(IrpId),
    Sleep,
    Port(PortId),
    /// The objects in the thread's `wait_objects`: all of them, or any.
    Objects {
        all: bool,
    },
    /// The system worker waits for work: a kernel request to send, a driver's work item.
    WorkItem,
    /// A read or write on a synchronous file object waits for the request in progress on
    /// it to finish: I/O on such a file object is serialized.
    FileLock(FileObjectId),
}

/// A thread inside an APC routine that makes calls: the wait it came from, to go back to
/// when the routine returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApcFrame {
    pub routine: RoutineId,
    /// APCs run so far in that wait, this one included.
    pub ran: u32,
    pub at_start: bool,
    /// The call the thread was in (the alertable wait), and what that wait referenced.
    pub call: Option<&'static str>,
    pub wait_refs: Vec<crate::io::Object>,
}

/// A user APC: a request's completion routine, to run in the issuing thread, or a routine
/// a program queued with QueueUserAPC (no IRP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Apc {
    pub irp: Option<IrpId>,
    pub routine: RoutineId,
    pub status: Status,
    pub bytes: u32,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: ThreadId,
    pub name: String,
    pub process: ProcessId,
    pub start: Time,
    pub state: ThreadState,
    /// The thread's user APC queue, run in FIFO order during alertable waits.
    pub apcs: VecDeque<Apc>,
    /// The completion port this thread last waited on (its association).
    pub port: Option<PortId>,
    /// Whether the thread counts toward its port's running threads.
    pub(crate) counted: bool,
    pub(crate) segment: Segment,
    pub(crate) wait: Option<WaitFor>,
    pub(crate) timer_gen: u64,
    pub(crate) last: SyscallResult,
    /// Whether the thread's program has been asked for its first step.
    pub(crate) began: bool,
    /// The call the thread is in, from its entry until it returns.
    pub(crate) call: Option<&'static str>,
    /// The APC routines with bodies the thread is inside, innermost last: what to go back
    /// to when each returns.
    pub(crate) apc_frames: Vec<ApcFrame>,
    /// How many packets the thread's GetQueuedCompletionStatusEx may take at once (0
    /// outside one).
    pub(crate) batch: u32,
    /// The synchronous file object whose I/O the thread's current call holds.
    pub(crate) file_lock: Option<FileObjectId>,
    /// Whether the thread has run yet (its first switch loads an initial context).
    pub ran: bool,
    /// The result of a synchronous request that completed before the thread began to
    /// wait for it (the I/O manager keeps it in the thread's I/O status block).
    pub(crate) sync_result: Option<SyscallResult>,
    /// Threads waiting for this one to exit (its thread object to be signalled).
    pub exit_waiters: Vec<ThreadId>,
    /// The objects the thread waits on, while it waits on objects.
    pub wait_objects: Vec<crate::io::Object>,
    /// The objects its last wait referenced, until the wait call returns: the wait keeps
    /// each one alive that long, as a Windows wait does.
    pub wait_refs: Vec<crate::io::Object>,
    pub(crate) rng: SimRng,
}

impl Thread {
    /// Whether the thread counts toward its completion port's running threads.
    pub fn counts_for_port(&self) -> bool {
        self.counted
    }

    /// Whether the thread's wait on objects is for all of them (else for any); none if
    /// it is not waiting on objects.
    pub fn waits_for_all(&self) -> Option<bool> {
        match self.wait {
            Some(WaitFor::Objects { all }) => Some(all),
            _ => None,
        }
    }

    /// The IRP the thread is blocked on, if it waits for one.
    pub fn waits_for_irp(&self) -> Option<IrpId> {
        match self.wait {
            Some(WaitFor::Irp(irp)) => Some(irp),
            _ => None,
        }
    }
}

/// A completion routine a process declares: its code costs `cost_ns` when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routine {
    pub name: String,
    pub cost_ns: u64,
}

#[derive(Debug, Clone)]
pub struct Process {
    pub id: ProcessId,
    pub name: String,
    pub handles: HandleTable,
    pub routines: Vec<Routine>,
    pub threads: Vec<ThreadId>,
    /// User-mode memory where the program keeps values by name (see
    /// [`crate::syscall::ProgramCtx::vars`]).
    pub vars: BTreeMap<String, u64>,
    /// The process's OVERLAPPED structures that have been used: the request each last
    /// carried and, once it completed, its result (its event is then signalled).
    pub overlapped: BTreeMap<OverlappedId, Overlapped>,
}

/// One OVERLAPPED structure: the last request issued with it, and its result once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overlapped {
    pub irp: IrpId,
    pub result: Option<SyscallResult>,
}
