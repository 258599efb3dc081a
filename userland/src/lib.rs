//! `userland`: what simulated threads do. A program is a list of steps — the calls a
//! student would write against Win32 (ReadFile, ReadFileEx, SleepEx,
//! GetQueuedCompletionStatus, ...) — that the kernel asks for one at a time.
//!
//! Start with [`Step`], one step of a program and the call it makes, then [`ListProgram`],
//! which runs a list of steps (with nested repeats) as a [`kernel_sim::ThreadProgram`].
//! Programs refer to handles by name, of every kind (files, completion ports, events,
//! semaphores, threads, pipe ends); the names live in the process's memory
//! ([`kernel_sim::ProgramCtx::vars`]), so one thread can create an event and another wait
//! on it. Completion routines, OVERLAPPED structures and threads are named too, and the
//! names are numbered when the program is built ([`Names`]).
//!
//! The steps themselves are the scenario's ops: the `iosim` crate's `scenario::op`
//! implements [`Step`] for each op beside its JSON form and its rules, so an op is written
//! once. A Rust program can implement [`Step`] for steps of its own.

pub mod program;
pub mod step;

pub use program::ListProgram;
pub use step::{Names, Step, StepCtx};
