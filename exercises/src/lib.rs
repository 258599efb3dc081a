//! `iosim-exercises`: build it yourself. A student writes one piece of the I/O subsystem in
//! Rust, against a small trait, in a file of their own under `src/student/`; the piece
//! runs inside the simulator on a fixed scenario, and the run's trace and summary must be
//! exactly those of the reference solution under `src/reference/`.
//!
//! Start with [`EXERCISES`], then one exercise's module, which holds its trait, its
//! scenario and what it plugs into the machine:
//! - [`disk_order`]: a disk's queue discipline (C-LOOK), plugged into the disk driver as
//!   a [`devices::disk::order::OrderPolicy`];
//! - [`port_worker`]: a completion-port worker loop, run as the worker thread's program;
//! - [`disk_dpc`]: the disk driver's DPC, which reaps the DMA ring and completes IRPs.
//!
//! Underneath: [`harness`] runs an exercise and writes the graded document (every
//! narrated event, then the summary), stopping at the first thing the student's code got
//! wrong in a way the simulator can name; [`grade`] compares a document with the pinned
//! one and says where they part.
//!
//! Which code runs is chosen at compile time: the reference by default, so
//! `cargo test --workspace` proves every exercise solvable; the student's with the
//! `student` feature (`cargo test -p iosim-exercises --features student`), whose graded
//! tests read the pinned snapshots and never write one (docs/build-it-yourself.md).

pub mod disk_dpc;
pub mod disk_order;
pub mod grade;
pub mod harness;
pub mod port_worker;
pub mod reference;
pub mod student;

use grade::Mismatch;
use thiserror::Error;

/// What a student's starting file returns until it is written: a message that says what
/// to write, in which file, and where to read about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct NotWritten(pub &'static str);

/// Why an exercise did not match its reference. Each variant stops the exercise; the
/// student fixes their file and runs it again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExerciseError {
    /// The student's code returned [`NotWritten`]: the starting file, or a part of it not
    /// written yet.
    #[error("{exercise}: not written yet\n  {message}")]
    NotWritten {
        exercise: &'static str,
        message: &'static str,
    },
    /// The student's code did something the piece may never do (a pick past the end of
    /// the queue, completing an IRP twice); the run stopped there.
    #[error("{exercise}: at {time} in the run, {what}")]
    Misused {
        exercise: &'static str,
        time: String,
        what: String,
    },
    /// The run could not go on (it passed its event limit, say); `hint` says what in the
    /// student's code usually causes it.
    #[error("{exercise}: {error}\n  = hint: {hint}")]
    Run {
        exercise: &'static str,
        error: String,
        hint: &'static str,
    },
    /// The exercise's own scenario is broken: the exercise, not the student, is at fault.
    #[error("{exercise}: its scenario is invalid:\n{error}")]
    Scenario {
        exercise: &'static str,
        error: String,
    },
    /// The run finished but its trace or summary differs from the reference's.
    #[error("{exercise}: {mismatch}")]
    Mismatch {
        exercise: &'static str,
        mismatch: Mismatch,
    },
}

/// One build-it-yourself exercise: what it is called, where its pieces live, what a
/// difference from the reference usually means, and its two runs.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// Its name, also its pinned snapshot's (`tests/snapshots/<name>.snap`).
    pub name: &'static str,
    /// The file the student writes, from the repository's root.
    pub student_file: &'static str,
    /// The scenario it runs, from the repository's root.
    pub scenario_file: &'static str,
    /// The scenario's text (built in, so the tests run from any directory).
    pub scenario: &'static str,
    /// Where to look when the run differs from the reference's.
    pub look: &'static str,
    /// The run with the student's file.
    pub student: fn() -> Result<String, ExerciseError>,
    /// The run with the reference solution.
    pub reference: fn() -> Result<String, ExerciseError>,
}

/// Every exercise, in the order the guide presents them.
pub const EXERCISES: [&Exercise; 3] = [
    &disk_order::EXERCISE,
    &port_worker::EXERCISE,
    &disk_dpc::EXERCISE,
];

/// Whether this build grades the student's files (the `student` feature) rather than
/// the reference solutions.
pub const GRADES_STUDENT: bool = cfg!(feature = "student");

/// The graded document of `exercise` run with the code this build grades: the student's
/// with the `student` feature, the reference's without.
pub fn graded_run(exercise: &Exercise) -> Result<String, ExerciseError> {
    if GRADES_STUDENT {
        (exercise.student)()
    } else {
        (exercise.reference)()
    }
}
