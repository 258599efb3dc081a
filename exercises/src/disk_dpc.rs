//! Exercise `disk-dpc`: the disk driver's DPC, which reaps the DMA ring.
//!
//! ```text
//!   disk ─► interrupt ─► ISR (acknowledges) ─► DPC queued
//!                                              │
//!   your DpcPass::run, once a pass: ───────────┘
//!     reap ──► a finished descriptor? ── yes ─► complete its IRP, return More
//!                                     └─ no ──► start queued requests, return Done
//! ```
//!
//! When the disk finishes a descriptor it hands the slot back and interrupts; the ISR only
//! acknowledges, and the DPC does the rest at DISPATCH_LEVEL. The student writes one pass
//! of it ([`DpcPass::run`]), which the kernel calls until it returns [`DpcStep::Done`]:
//! 1. Reap one finished descriptor ([`Dpc::reap`]). If there is one, complete its IRP
//!    ([`Dpc::complete`]) with the status the descriptor calls for (the disk skipped it:
//!    [`Status::Cancelled`]; it failed: [`Status::DeviceError`]; else
//!    [`Status::Success`]) and the bytes the disk moved, and return [`DpcStep::More`].
//! 2. If there is none, the ring has free slots: move queued requests into them
//!    ([`Dpc::start_queued`]) and return [`DpcStep::Done`].
//!
//! The scenario (`exercises/scenarios/disk-dpc.json`) sends six reads through a ring of
//! two slots, so the queue waits for the DPC to refill the ring; the disk fails a transfer
//! (a media error), and one read posted to the ring is cancelled, so the disk skips it.

use crate::harness::{self, Slot, Wrong};
use crate::{Exercise, ExerciseError, NotWritten};
pub use devices::disk::driver::Reaped;
use devices::disk::driver::{DiskDpc, DpcRoutine};
use iosim::build::Parts;
pub use kernel_sim::io::Status;
pub use kernel_sim::{DpcStep, IrpId};
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};

/// One pass of the disk's DPC, as the student writes it.
pub trait DpcPass: Debug + Send + Sync + 'static {
    /// Does one pass's work through `dpc`; [`DpcStep::More`] to be called again,
    /// [`DpcStep::Done`] to end the DPC.
    fn run(&self, dpc: &mut Dpc<'_, '_, '_>) -> Result<DpcStep, NotWritten>;
}

/// What the DPC can do: the disk driver's own operations, each with its trace event and
/// its cost, and checked.
pub struct Dpc<'a, 'd, 'k> {
    inner: &'a mut DiskDpc<'d, 'k>,
    /// IRPs reaped and not completed yet.
    reaped: &'a mut Vec<IrpId>,
    slot: &'a Slot,
}

impl Dpc<'_, '_, '_> {
    /// Takes the oldest finished descriptor back from the ring; `None` when the disk has
    /// finished nothing more.
    pub fn reap(&mut self) -> Option<Reaped> {
        let reaped = self.inner.reap()?;
        self.reaped.push(reaped.irp);
        Some(reaped)
    }

    /// Completes `irp`, which this DPC reaped, with `status`, having moved `bytes`
    /// (IoCompleteRequest).
    pub fn complete(&mut self, irp: IrpId, status: Status, bytes: u32) {
        let Some(at) = self.reaped.iter().position(|&r| r == irp) else {
            self.slot.report(Wrong::Misused(format!(
                "the DPC completed {irp}, which it had not reaped, or had completed already \
                 (it may complete only the IRP of a descriptor it reaped, once)"
            )));
            return;
        };
        if status == Status::Pending {
            self.slot.report(Wrong::Misused(format!(
                "the DPC completed {irp} with Status::Pending, which is not a result: a \
                 completed request succeeded or failed"
            )));
            return;
        }
        self.reaped.remove(at);
        self.inner.complete(irp, status, bytes);
    }

    /// Moves queued requests into the ring's free slots, in the queue's order, and rings
    /// the disk's doorbell if it posted any (the driver's StartIo).
    pub fn start_queued(&mut self) {
        self.inner.start_queued();
    }
}

/// The exercise.
pub const EXERCISE: Exercise = Exercise {
    name: "disk-dpc",
    student_file: "exercises/src/student/disk_dpc.rs",
    scenario_file: "exercises/scenarios/disk-dpc.json",
    scenario: include_str!("../scenarios/disk-dpc.json"),
    look: "each DmaDescriptorReaped line says what the disk reported (done, failed, skipped) \
           and the IrpCompleted line after it the status and bytes your DPC completed the IRP \
           with; a request that never reaches the ring (no DmaDescriptorPosted for it) was \
           left in the queue",
    student: || run(crate::student::disk_dpc::ReapRing),
    reference: || run(crate::reference::disk_dpc::ReapRing),
};

/// The disk whose DPC the student writes.
const DISK: &str = "disk0";

/// Runs the exercise with `pass` as the disk driver's DPC.
pub fn run(pass: impl DpcPass) -> Result<String, ExerciseError> {
    let slot = Slot::new();
    let mut parts = Parts::default();
    parts.disk_dpc.insert(
        DISK.into(),
        Arc::new(Plugged {
            pass,
            slot: Arc::clone(&slot),
            reaped: Mutex::default(),
        }),
    );
    harness::run(
        &EXERCISE,
        &parts,
        &slot,
        "a DPC that returns More when it has reaped nothing never ends: return Done once \
         reap gives None",
    )
}

/// The student's pass as the driver sees it.
#[derive(Debug)]
struct Plugged<P> {
    pass: P,
    slot: Arc<Slot>,
    /// IRPs reaped and not completed yet, across the passes of one DPC. Shared by the
    /// driver's clones, like `slot`: an exercise's run steps one kernel forward and never
    /// restores a checkpoint.
    reaped: Mutex<Vec<IrpId>>,
}

impl<P: DpcPass> DpcRoutine for Plugged<P> {
    /// The student's pass; anything wrong is reported and the DPC ended, so the kernel
    /// can finish its step before the harness stops.
    fn run(&self, dpc: &mut DiskDpc<'_, '_>) -> DpcStep {
        let mut reaped = self.reaped.lock().unwrap_or_else(PoisonError::into_inner);
        let step = self.pass.run(&mut Dpc {
            inner: dpc,
            reaped: &mut reaped,
            slot: &self.slot,
        });
        match step {
            Ok(DpcStep::Done) if !reaped.is_empty() => {
                self.slot.report(Wrong::Misused(format!(
                    "the DPC returned Done with {} reaped but not completed: nothing else will \
                     complete it, and its caller would wait forever",
                    reaped
                        .iter()
                        .map(|irp| irp.to_string())
                        .collect::<Vec<_>>()
                        .join(" and ")
                )));
                DpcStep::Done
            }
            Ok(step) => step,
            Err(NotWritten(message)) => {
                self.slot.report(Wrong::NotWritten(message));
                DpcStep::Done
            }
        }
    }
}
