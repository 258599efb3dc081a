//! Your disk DPC. Read the exercise in docs/build-it-yourself.md ("disk-dpc") and what
//! the DPC can do in exercises/src/disk_dpc.rs.
//!
//! The kernel calls `run` once a pass until it returns `DpcStep::Done`. One pass:
//! 1. `dpc.reap()`. If it gives a `Reaped` descriptor, complete its IRP with
//!    `dpc.complete(reaped.irp, status, reaped.done_bytes)`, where `status` is
//!    `Status::Cancelled` if the disk skipped it (`reaped.skipped`),
//!    `Status::DeviceError` if the transfer failed (`!reaped.ok`), and `Status::Success`
//!    otherwise; then return `Ok(DpcStep::More)`.
//! 2. If it gives `None`, refill the ring with `dpc.start_queued()` and return
//!    `Ok(DpcStep::Done)`.
//!
//! Grade it with `cargo test -p iosim-exercises --features student`.

use crate::NotWritten;
use crate::disk_dpc::{Dpc, DpcPass, DpcStep};

/// Your DPC.
#[derive(Debug)]
pub struct ReapRing;

impl DpcPass for ReapRing {
    fn run(&self, _dpc: &mut Dpc<'_, '_, '_>) -> Result<DpcStep, NotWritten> {
        Err(NotWritten(
            "implement `ReapRing::run` in exercises/src/student/disk_dpc.rs: reap one \
             descriptor with dpc.reap(); if there is one, complete its IRP with the status \
             it calls for (skipped: Cancelled, failed: DeviceError, else Success) and the \
             bytes the disk moved, and return More; if there is none, call \
             dpc.start_queued() and return Done; see docs/build-it-yourself.md, exercise \
             disk-dpc",
        ))
    }
}
