//! `kernel-sim`: a deterministic, step-by-step model of an operating system's I/O path.
//!
//! Start with [`kernel`]: the [`Kernel`] holds all state and advances one event per
//! [`Kernel::step`]. Then, following one read down and back up:
//! - [`syscall`]: the calls a thread's program makes, and the program trait;
//! - [`exec`] (private): how a thread's calls are carried out, piece by piece;
//! - [`io`]: handles, file objects, IRPs, and the I/O manager;
//! - [`driver`]: the interface a device driver implements (the `devices` crate does);
//! - [`intr`]: interrupt lines, ISRs and DPCs; [`cpu`]: frames and interrupt levels;
//! - [`sched`] (private): threads on CPUs, timeslices, waits and wake-ups;
//! - [`completion`]: APC queues and completion ports;
//! - [`trace`]: the typed record of every state change, and its explanations;
//! - [`engine`]: virtual time, the event queue, seeded random streams; [`costs`]: what
//!   every action costs;
//! - [`session`]: stepping a run forward and backward exactly (checkpoints and replay),
//!   which the walkthrough draws.
//!
//! # Ordering guarantees
//! 1. Events due at the same instant happen in the order they were scheduled.
//! 2. `step()` handles exactly one scheduled event; the same scenario and seed give the
//!    same trace, byte for byte.
//! 3. No thread code and no APC runs on a CPU while an ISR or DPC is in progress there.
//! 4. Queued DPCs run before any thread resumes on that CPU.
//! 5. An IRP is completed exactly once. iosim also never completes a pended IRP inside
//!    the dispatch call that pended it; that is iosim's guarantee, not Windows', where on
//!    a multiprocessor a pended IRP can complete before its dispatch routine returns
//!    (Microsoft Learn: IoMarkIrpPending).
//! 6. APCs run in the order they were queued, only in an alertable wait of their thread,
//!    and are discarded (and traced) if it exits first.
//! 7. A completion port releases its waiters last-in-first-out and dequeues packets
//!    first-in-first-out.
//!
//! Each guarantee has a test in the workspace's `tests/integration/guarantees.rs`, and
//! the property test `tests/integration/invariants.rs` checks 3, 5 and 6 after every
//! step of generated runs.

pub mod completion;
pub mod costs;
pub mod cpu;
pub mod device;
pub mod driver;
pub mod engine;
mod exec;
pub mod ids;
pub mod intr;
pub mod io;
pub mod kernel;
pub mod object;
mod sched;
pub mod session;
pub mod syscall;
pub mod thread;
pub mod trace;

pub use costs::Costs;
pub use device::{
    BufferView, Device, DeviceEvent, DeviceEventKind, DeviceView, HwCtx, Lane, Names, QueueView,
    RingView, SlotView,
};
pub use driver::{AfterCompletion, Dispatch, DpcStep, Driver, DriverCtx, Opening};
pub use engine::Time;
pub use ids::*;
pub use kernel::{Checkpoint, Kernel, MachineConfig, RunError, Summary};
pub use syscall::{
    IoMode, ProgramCtx, RETURNING_CALLS, Returned, Syscall, SyscallResult, ThreadProgram,
    win32_return,
};
pub use trace::{TraceEvent, What};
