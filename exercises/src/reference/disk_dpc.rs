//! Reference solution of `disk-dpc`.

use crate::NotWritten;
use crate::disk_dpc::{Dpc, DpcPass, DpcStep, Status};

/// One descriptor a pass; the pass that finds none refills the ring.
#[derive(Debug)]
pub struct ReapRing;

impl DpcPass for ReapRing {
    fn run(&self, dpc: &mut Dpc<'_, '_, '_>) -> Result<DpcStep, NotWritten> {
        let Some(reaped) = dpc.reap() else {
            dpc.start_queued();
            return Ok(DpcStep::Done);
        };
        let status = if reaped.skipped {
            Status::Cancelled
        } else if reaped.ok {
            Status::Success
        } else {
            Status::DeviceError
        };
        dpc.complete(reaped.irp, status, reaped.done_bytes);
        Ok(DpcStep::More)
    }
}
