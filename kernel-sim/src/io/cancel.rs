//! Cancelling requests: CancelIo (the caller's requests on a handle), CancelIoEx (any
//! thread's requests on the file object, or the one carried by an OVERLAPPED), a
//! thread's exit (IoCancelThreadIo), and the cleanup that closing a file object's last
//! handle runs.
//!
//! Cancelling an IRP sets its cancel flag and calls the cancel routine of the driver that
//! holds it. A driver that still has it queued completes it with STATUS_CANCELLED; one
//! whose hardware has it may take it back from the hardware (the disk driver marks a
//! posted descriptor for the disk to skip) and completes it once the hardware gives it
//! up; a request the hardware is already moving completes as it would have. The caller
//! of CancelIo learns of it only through the request's own completion (Microsoft Learn:
//! CancelIoEx, Canceling Pending I/O Operations).

use crate::driver::Completion;
use crate::ids::*;
use crate::io::{IrpState, Object};
use crate::kernel::Kernel;
use crate::thread::Cont;
use crate::trace::What;
use serde::Serialize;

/// Why a request is being cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    CancelIo,
    CancelIoEx,
    /// Its thread exited.
    ThreadExit,
    /// The last handle to its file object was closed.
    Cleanup,
}

impl Kernel {
    /// Asks for each IRP in `irps` to be cancelled, calling its holder's cancel routine.
    /// Returns what the routines charged and the completions they asked for, which the
    /// caller delivers once that time is paid.
    pub(crate) fn cancel_irps(
        &mut self,
        cpu: CpuId,
        irps: Vec<IrpId>,
        reason: CancelReason,
    ) -> (u64, Vec<Completion>) {
        let mut charged = 0;
        let mut completions = Vec::new();
        for irp in irps {
            let Some(request) = self.core.irps.get_mut(&irp) else {
                continue;
            };
            // A request completing, or held by a completion routine, is past cancelling.
            let held = match request.state {
                _ if request.cancel => continue,
                IrpState::Held | IrpState::Completed => continue,
                IrpState::Queued | IrpState::InDevice => true,
                // On its way to a driver, or inside a dispatch routine: no cancel routine
                // is set yet, so IoCancelIrp only sets the flag, and the driver that
                // queues it sees it there.
                IrpState::Created | IrpState::Dispatched => false,
            };
            request.cancel = true;
            let driver = request.location().driver;
            self.core
                .trace(Some(cpu), What::IrpCancelRequested { irp, reason, held });
            if !held {
                continue;
            }
            let (taken, cost, done) =
                self.with_driver(driver, Some(cpu), |d, io| d.cancel(io, irp));
            charged += cost;
            let now = done.iter().any(|c| c.irp == irp);
            completions.extend(done);
            if let Some(request) = self.core.irps.get_mut(&irp) {
                request.taken_back = taken;
            }
            self.core.trace(
                Some(cpu),
                What::CancelRoutineRan {
                    irp,
                    driver,
                    taken,
                    now,
                },
            );
        }
        (charged, completions)
    }

    /// The requests in flight on `file_object`, oldest first; only `thread`'s if given.
    pub(crate) fn requests_on(
        &self,
        file_object: FileObjectId,
        thread: Option<ThreadId>,
    ) -> Vec<IrpId> {
        self.core
            .irps
            .values()
            .filter(|irp| {
                irp.file_object == file_object && thread.is_none_or(|t| irp.thread() == Some(t))
            })
            .map(|irp| irp.id)
            .collect()
    }

    /// The requests a thread's exit cancels: its own, except overlapped I/O on a file
    /// bound to a completion port, which is not tied to its thread (Windows Internals,
    /// "thread-agnostic I/O").
    pub(crate) fn requests_of(&self, thread: ThreadId) -> Vec<IrpId> {
        let core = &self.core;
        core.irps
            .values()
            .filter(|irp| {
                irp.thread() == Some(thread)
                    && !(irp.mode.is_overlapped()
                        && core.file_objects[irp.file_object.0 as usize].port.is_some())
            })
            .map(|irp| irp.id)
            .collect()
    }

    /// Cancels `irps` from `thread`'s call, then goes on with `then` once the cancel
    /// routines' time is paid and their completions are delivered.
    pub(crate) fn cancel_then(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        irps: Vec<IrpId>,
        reason: CancelReason,
        then: Cont,
    ) {
        if irps.is_empty() {
            // Nothing to cancel: the call goes straight on.
            return self.advance(cpu, thread, then);
        }
        let (charged, completions) = self.cancel_irps(cpu, irps, reason);
        let next = Cont::AfterRoutines {
            completions,
            then: Box::new(then),
        };
        self.work(cpu, thread, charged, next);
    }

    /// The driver routines' time is paid (cancel routines, a work item's routine): their
    /// completions reach the I/O manager (and the completion routines those run are paid
    /// for) before the thread goes on.
    pub(crate) fn after_routines(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        completions: Vec<Completion>,
        then: Cont,
    ) {
        let charged: u64 = completions
            .into_iter()
            .map(|c| self.complete_irp(Some(cpu), c.irp, c.status, c.bytes))
            .sum();
        if charged == 0 {
            return self.advance(cpu, thread, then);
        }
        self.work(cpu, thread, charged, then);
    }

    /// CloseHandle: the handle goes; if it was the file object's last, the I/O manager
    /// cleans up, cancelling the requests still in flight on it. Returns false for a
    /// handle the process does not have.
    pub(crate) fn close_handle(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        handle: crate::ids::Handle,
        then: Cont,
    ) -> bool {
        let Some(object) = self.core.close(cpu, thread, handle) else {
            return false;
        };
        match object {
            Object::File(fo) if self.core.file_objects[fo.0 as usize].handles == 0 => {
                let (charged, completions) = self.cleanup(cpu, fo);
                if charged == 0 && completions.is_empty() {
                    return {
                        self.advance(cpu, thread, then);
                        true
                    };
                }
                let next = Cont::AfterRoutines {
                    completions,
                    then: Box::new(then),
                };
                self.work(cpu, thread, charged, next);
            }
            _ => self.advance(cpu, thread, then),
        }
        true
    }

    /// The last handle to `fo` closed: the I/O manager cleans it up (IRP_MJ_CLEANUP),
    /// cancelling its requests still in flight and calling its driver's cleanup
    /// routine. Returns what that charged and the completions it asked for.
    pub(crate) fn cleanup(&mut self, cpu: CpuId, fo: FileObjectId) -> (u64, Vec<Completion>) {
        let irps = self.requests_on(fo, None);
        let cancelling = irps
            .iter()
            .filter(|irp| self.core.irps.get(irp).is_some_and(|r| !r.cancel))
            .count() as u32;
        self.core.trace(
            Some(cpu),
            What::FileCleanup {
                object: fo,
                requests: irps.len() as u32,
                cancelling,
            },
        );
        let (mut charged, mut completions) = self.cancel_irps(cpu, irps, CancelReason::Cleanup);
        let file = self.core.file_objects[fo.0 as usize].file;
        let device = self.core.files[file.0 as usize].device;
        let driver = self.function_driver(device);
        let (_, cost, more) = self.with_driver(driver, Some(cpu), |d, io| d.cleanup(io, fo));
        charged += cost;
        completions.extend(more);
        (charged, completions)
    }
}
