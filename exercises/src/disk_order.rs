//! Exercise `disk-order`: the disk driver's queue discipline.
//!
//! ```text
//!   ReadFile ─► IRP ─► disk driver's queue ──pick──► DMA ring (1 slot) ─► disk
//!                      [98 183 37 122 14 …]    ▲
//!                                              └── your DiskOrder::pick
//! ```
//!
//! The student writes C-LOOK, the circular elevator: the head sweeps only upward. Each
//! pick takes the request on the lowest track at or above the head; when none is left
//! there, the head jumps back and takes the request on the lowest track of all, and
//! sweeps up again. Among requests on one track, the earliest arrival goes first. Every
//! request waits at most one sweep, and requests at the edges are not served twice as
//! often as those in the middle, as they are under SCAN.
//!
//! The scenario (`exercises/scenarios/disk-order.json`) queues ten reads at once on the
//! textbook's tracks; the disk's single DMA slot makes the queue choose every move. The
//! piece is plugged in as the disk driver's [`OrderPolicy`]: the driver asks it each
//! time a slot is free (and the walkthrough asks it to show the order to come).

use crate::harness::{self, Slot, Wrong};
use crate::{Exercise, ExerciseError, NotWritten};
use devices::disk::order::OrderPolicy;
pub use devices::disk::order::{Direction, Head, Pick, Request};
use iosim::build::Parts;
use kernel_sim::trace::count;
use std::fmt::Debug;
use std::sync::Arc;

/// A disk queue discipline, as the student writes it.
pub trait DiskOrder: Debug + Send + Sync + 'static {
    /// Which of `waiting` to send to the disk next, with the head at `head`.
    ///
    /// `waiting` is never empty and is in arrival order: `waiting[0]` came first. Return
    /// its index in [`Pick::index`], and the direction the head moves in from now on in
    /// [`Pick::direction`] (C-LOOK always moves up). Called again with the same
    /// arguments, it must give the same answer: it may not keep state of its own.
    fn pick(&self, head: Head, waiting: &[Request]) -> Result<Pick, NotWritten>;
}

/// The exercise.
pub const EXERCISE: Exercise = Exercise {
    name: "disk-order",
    student_file: "exercises/src/student/disk_order.rs",
    scenario_file: "exercises/scenarios/disk-order.json",
    scenario: include_str!("../scenarios/disk-order.json"),
    look: "the IrpStarted lines give the order your policy sent the requests to the disk in \
           (IRPn is the n-th read of the scenario, on tracks 53, 98, 183, 37, 122, 14, 124, 65, \
           67, 122): the first one that differs is your first wrong pick, when the requests \
           not started above it were waiting",
    student: || run(crate::student::disk_order::CLook),
    reference: || run(crate::reference::disk_order::CLook),
};

/// The name the queue shows for the policy.
pub const POLICY_NAME: &str = "C-LOOK";

/// The disk whose queue the policy orders.
const DISK: &str = "disk0";

/// Runs the exercise with `policy` ordering the disk's queue.
pub fn run(policy: impl DiskOrder) -> Result<String, ExerciseError> {
    let slot = Slot::new();
    let mut parts = Parts::default();
    parts.disk_order.insert(
        DISK.into(),
        Arc::new(Plugged {
            policy,
            slot: Arc::clone(&slot),
        }),
    );
    harness::run(
        &EXERCISE,
        &parts,
        &slot,
        "a queue policy alone cannot make a run endless; look at the scenario",
    )
}

/// The student's policy as the driver sees it.
#[derive(Debug)]
struct Plugged<P> {
    policy: P,
    slot: Arc<Slot>,
}

impl<P: DiskOrder> OrderPolicy for Plugged<P> {
    fn name(&self) -> &'static str {
        POLICY_NAME
    }

    /// The student's pick, checked; anything wrong is reported and the oldest request
    /// taken instead, so the kernel can finish its step before the harness stops.
    fn pick(&self, head: Head, waiting: &[Request]) -> Pick {
        let oldest = Pick {
            index: 0,
            direction: head.direction,
        };
        match self.policy.pick(head, waiting) {
            Ok(pick) if pick.index < waiting.len() => pick,
            Ok(pick) => {
                self.slot.report(Wrong::Misused(format!(
                    "pick returned index {} with {} waiting (the index must be below {}): the \
                     head was over track {}, the waiting tracks were {:?}",
                    pick.index,
                    count(waiting.len() as u32, "request"),
                    waiting.len(),
                    head.track,
                    waiting.iter().map(|r| r.track).collect::<Vec<_>>(),
                )));
                oldest
            }
            Err(NotWritten(message)) => {
                self.slot.report(Wrong::NotWritten(message));
                oldest
            }
        }
    }
}
