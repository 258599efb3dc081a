//! User APCs. The I/O manager queues a completion routine to the thread that issued the
//! request; the routine runs only when that thread enters an alertable wait, in FIFO
//! order, and is thrown away if the thread exits first.

use crate::ids::*;
use crate::kernel::Core;
use crate::thread::{Apc, Cont, ThreadState};
use crate::trace::{WakeReason, What};

impl Core {
    /// Queues `apc` to `thread`, or discards it if the thread has exited. A thread in an
    /// alertable wait is woken to run it.
    pub(crate) fn queue_apc(&mut self, cpu: Option<CpuId>, thread: ThreadId, apc: Apc) {
        let t = &mut self.threads[thread.0 as usize];
        if t.state == ThreadState::Terminated {
            self.stats.apcs_discarded += 1;
            self.trace(
                cpu,
                What::ApcDiscarded {
                    thread,
                    irp: apc.irp,
                    routine: apc.routine,
                },
            );
            return;
        }
        t.apcs.push_back(apc);
        self.held_bytes += crate::kernel::held::APC;
        let alertable = matches!(
            t.state,
            ThreadState::Waiting {
                alertable: true,
                ..
            }
        );
        self.trace(
            cpu,
            What::ApcQueued {
                thread,
                irp: apc.irp,
                routine: apc.routine,
            },
        );
        if alertable {
            let run = Cont::RunApcs {
                ran: 0,
                at_start: false,
            };
            self.wake(cpu, thread, WakeReason::Apc, 0, run);
        }
    }

    /// Drops every APC still queued to an exiting thread.
    pub(crate) fn discard_apcs(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        while let Some(apc) = self.threads[thread.0 as usize].apcs.pop_front() {
            self.held_bytes -= crate::kernel::held::APC;
            self.stats.apcs_discarded += 1;
            self.trace(
                cpu,
                What::ApcDiscarded {
                    thread,
                    irp: apc.irp,
                    routine: apc.routine,
                },
            );
        }
    }
}
