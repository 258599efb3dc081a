//! One step of a program, and what it sees when it makes its call.

use kernel_sim::trace::Pass;
use kernel_sim::{Handle, OverlappedId, ProgramCtx, RoutineId, Syscall, ThreadId};
use rand::RngExt;
use std::collections::BTreeMap;

/// One step of a thread's program: the call it asks the kernel for when its turn comes.
pub trait Step: std::fmt::Debug + Send + Sync {
    /// The call this step makes now. Handles are looked up by name as the call is made,
    /// so a step can use a handle another thread of the process bound a moment ago.
    fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall;

    /// For a step that runs a list of steps several times instead of making a call: how
    /// many times, and the list. [`ListProgram`](crate::ListProgram) steps into it.
    fn repeat(&self) -> Option<(u64, &[Self])>
    where
        Self: Sized,
    {
        None
    }
}

/// The names a process's programs give what the kernel numbers: its completion routines,
/// its OVERLAPPED structures and its threads. Fixed when the programs are built, and shared
/// by the process's threads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Routine name → the routine's number in the process.
    pub routines: BTreeMap<String, RoutineId>,
    /// Request tag → the process's OVERLAPPED it names.
    pub overlapped: BTreeMap<String, OverlappedId>,
    /// Thread name → the thread.
    pub threads: BTreeMap<String, ThreadId>,
}

/// The names the handles the next call returns are to be stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// One handle (CreateFile, CreateEvent, ...).
    One(String),
    /// CreatePipe's two: the read end's name, then the write end's.
    Pair(String, String),
}

/// What a step sees when it makes its call: the process's handles and names, the thread's
/// random stream, and where it is in its repeats.
pub struct StepCtx<'c, 'p> {
    pub(crate) cx: &'c mut ProgramCtx<'p>,
    pub(crate) names: &'c Names,
    pub(crate) binding: &'c mut Option<Binding>,
    pub(crate) pass: Option<Pass>,
}

/// Where the process keeps the handle bound to `name`.
pub(crate) fn handle_var(name: &str) -> String {
    format!("handle:{name}")
}

impl StepCtx<'_, '_> {
    /// The handle bound to `name` in the process. A name that was never bound becomes
    /// handle 0, which no table holds, so the kernel fails the call with
    /// STATUS_INVALID_HANDLE — as a real program passing garbage would.
    pub fn handle(&self, name: &str) -> Handle {
        Handle(self.cx.vars.get(&handle_var(name)).copied().unwrap_or(0) as u32)
    }

    /// Binds the handle this call returns to `name`. If the call fails, the name keeps
    /// what it had.
    pub fn bind(&mut self, name: &str) {
        *self.binding = Some(Binding::One(name.to_owned()));
    }

    /// Binds the two handles this call returns (CreatePipe's): the first to `read`, the
    /// second to `write`.
    pub fn bind_pair(&mut self, read: &str, write: &str) {
        *self.binding = Some(Binding::Pair(read.to_owned(), write.to_owned()));
    }

    /// An offset drawn from the thread's workload stream: a multiple of `align` below
    /// `below` (0 when `below` is under `align`).
    pub fn random_offset(&mut self, below: u64, align: u64) -> u64 {
        let align = align.max(1);
        let slots = (below / align).max(1);
        self.cx.rng.random_range(0..slots) * align
    }

    /// The process's completion routine called `name`.
    pub fn routine(&self, name: &str) -> RoutineId {
        *self
            .names
            .routines
            .get(name)
            .unwrap_or_else(|| panic!("routine `{name}` was not named when the program was built"))
    }

    /// The process's OVERLAPPED the tag `tag` names.
    pub fn overlapped(&self, tag: &str) -> OverlappedId {
        *self
            .names
            .overlapped
            .get(tag)
            .unwrap_or_else(|| panic!("tag `{tag}` was not named when the program was built"))
    }

    /// The process's thread called `name`.
    pub fn thread(&self, name: &str) -> ThreadId {
        *self
            .names
            .threads
            .get(name)
            .unwrap_or_else(|| panic!("thread `{name}` was not named when the program was built"))
    }

    /// Which pass of its innermost repeat the step is in, if it is in a repeat.
    pub fn pass(&self) -> Option<Pass> {
        self.pass
    }
}
