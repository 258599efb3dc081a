//! `userland`: what simulated threads do. A program is a list of operations — the calls a
//! student would write against Win32 (ReadFile, ReadFileEx, SleepEx,
//! GetQueuedCompletionStatus, ...) — that the kernel asks for one at a time.
//!
//! Start with [`Op`], then [`ListProgram`], which runs a list of them (with nested
//! repeats) as a [`kernel_sim::ThreadProgram`]. Programs refer to handles by name, of
//! every kind (files, completion ports, events, semaphores, threads); the names live in the
//! process's memory ([`kernel_sim::ProgramCtx::vars`]), so one thread can create an event
//! and another wait on it. Overlapped requests are waited on
//! through the process's OVERLAPPED structures, numbered when the program is built.

pub mod op;
pub mod program;

pub use op::{Offset, Op, Payload};
pub use program::ListProgram;
