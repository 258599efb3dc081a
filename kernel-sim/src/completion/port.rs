//! Completion ports. Packets queue FIFO; waiting threads are released last-in-first-out
//! (the most recently active thread is likeliest to still be in cache); and the port
//! releases no waiter while `concurrency` of its threads run. The value is not a cap on
//! running threads: a thread that blocks on something other than the port stops
//! counting, so another may be released; when it wakes it counts again, and the running
//! count may exceed the value until threads come back to the port. That excess is by
//! design (Microsoft Learn: I/O Completion Ports) and is traced.
//!
//! Closing the port's last handle wakes every thread waiting on it: their
//! GetQueuedCompletionStatus fails with ERROR_ABANDONED_WAIT_0 (Microsoft Learn:
//! GetQueuedCompletionStatus). iosim then frees the port and its packets; Windows keeps
//! the port object while files bound to it are open, though no handle can reach it.

use crate::ids::*;
use crate::io::Status;
use crate::kernel::Core;
use crate::syscall::SyscallResult;
use crate::thread::{Cont, WaitFor};
use crate::trace::{WakeReason, What};
use serde::Serialize;
use std::collections::VecDeque;

/// A completion packet: the result of one request, or a posted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Packet {
    pub irp: Option<IrpId>,
    pub key: u64,
    pub bytes: u32,
    pub status: Status,
    /// The OVERLAPPED it reports (lpOverlapped): its request's, or what
    /// PostQueuedCompletionStatus was given, which the port never reads.
    pub overlapped: Option<OverlappedId>,
}

#[derive(Debug, Clone)]
pub struct CompletionPort {
    pub id: PortId,
    /// The scenario's name for the port.
    pub name: String,
    pub process: ProcessId,
    pub concurrency: u32,
    pub packets: VecDeque<Packet>,
    /// Waiting threads; the last one is released first.
    pub waiters: Vec<ThreadId>,
    /// Associated threads not blocked anywhere.
    pub running: u32,
    /// Open handles to the port.
    pub handles: u32,
    /// The last handle was closed: nothing reaches the port any more.
    pub closed: bool,
}

/// What GetQueuedCompletionStatus did.
pub(crate) enum Dequeue {
    Got(Packet),
    Blocked,
    /// Nothing to take and a zero timeout: WAIT_TIMEOUT without waiting.
    TimedOut,
}

impl Core {
    /// Queues a packet and releases a waiter if the concurrency value allows.
    pub(crate) fn queue_packet(&mut self, cpu: Option<CpuId>, port: PortId, packet: Packet) {
        let p = &mut self.ports[port.0 as usize];
        if p.closed {
            return;
        }
        p.packets.push_back(packet);
        let queue_len = p.packets.len() as u32;
        self.held_bytes += crate::kernel::held::PACKET;
        self.stats.packets_queued += 1;
        self.trace(
            cpu,
            What::PacketQueued {
                port,
                irp: packet.irp,
                key: packet.key,
                bytes: packet.bytes,
                overlapped: packet.overlapped,
                queue_len,
            },
        );
        self.release_waiters(cpu, port);
        let p = &self.ports[port.0 as usize];
        if !p.packets.is_empty() && !p.waiters.is_empty() {
            // Told at the moment, so nobody wonders why a waiter was not released.
            let (running, concurrency, waiting) =
                (p.running, p.concurrency, p.waiters.len() as u32);
            self.trace(
                cpu,
                What::PortHeldPacket {
                    port,
                    running,
                    concurrency,
                    waiting,
                },
            );
        }
    }

    /// Wakes waiting threads, last-in-first-out, while packets wait and the running count
    /// is below the concurrency value.
    pub(crate) fn release_waiters(&mut self, cpu: Option<CpuId>, port: PortId) {
        loop {
            let p = &mut self.ports[port.0 as usize];
            if p.packets.is_empty() || p.waiters.is_empty() || p.running >= p.concurrency {
                return;
            }
            let thread = p.waiters.pop().expect("checked non-empty");
            let packet = p.packets.pop_front().expect("checked non-empty");
            p.running += 1;
            let running = p.running;
            self.threads[thread.0 as usize].counted = true;
            self.dequeued(cpu, port, thread, packet, running, true);
            // GetQueuedCompletionStatusEx takes what else is queued, up to its count.
            let batch = std::mem::take(&mut self.threads[thread.0 as usize].batch);
            let (result, taken) = if batch > 0 {
                let more = self.take_batch(cpu, port, thread, batch - 1);
                (SyscallResult::Packets(1 + more), 1 + more)
            } else {
                (packet_result(packet), 1)
            };
            // The released thread finishes its call in the kernel: dequeuing costs it.
            let cost = self.costs.port_ns.saturating_mul(u64::from(taken));
            self.wake(cpu, thread, WakeReason::Packet, cost, Cont::Deliver(result));
        }
    }

    /// Up to `max` more packets for `thread`, which has just taken one: a batch of
    /// GetQueuedCompletionStatusEx. Returns how many it took.
    pub(crate) fn take_batch(
        &mut self,
        cpu: Option<CpuId>,
        port: PortId,
        thread: ThreadId,
        max: u32,
    ) -> u32 {
        let mut taken = 0;
        while taken < max {
            let p = &mut self.ports[port.0 as usize];
            let Some(packet) = p.packets.pop_front() else {
                break;
            };
            let running = p.running;
            self.dequeued(cpu, port, thread, packet, running, false);
            taken += 1;
        }
        taken
    }

    fn dequeued(
        &mut self,
        cpu: Option<CpuId>,
        port: PortId,
        thread: ThreadId,
        packet: Packet,
        running: u32,
        released: bool,
    ) {
        self.stats.packets_dequeued += 1;
        self.held_bytes -= crate::kernel::held::PACKET;
        self.trace(
            cpu,
            What::PacketDequeued {
                port,
                thread,
                irp: packet.irp,
                key: packet.key,
                status: packet.status,
                running,
                released,
            },
        );
    }

    /// GetQueuedCompletionStatus from `thread`, which runs on `cpu`. With a zero timeout
    /// the thread never waits: no packet it may take means WAIT_TIMEOUT at once.
    pub(crate) fn get_queued(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        port: PortId,
        timeout_ns: Option<u64>,
    ) -> Dequeue {
        self.associate(thread, port);
        let t = &mut self.threads[thread.0 as usize];
        let p = &mut self.ports[port.0 as usize];
        if t.counted {
            // Coming back to the port: no longer counted as running while it looks.
            t.counted = false;
            p.running -= 1;
        }
        if !p.packets.is_empty() && p.running < p.concurrency {
            let packet = p.packets.pop_front().expect("checked non-empty");
            p.running += 1;
            let running = p.running;
            t.counted = true;
            self.dequeued(Some(cpu), port, thread, packet, running, false);
            Dequeue::Got(packet)
        } else if timeout_ns == Some(0) {
            // It did not wait: it goes on running (and counts again, see
            // `port_thread_unblocked`).
            Dequeue::TimedOut
        } else {
            p.waiters.push(thread);
            Dequeue::Blocked
        }
    }

    /// The port's last handle is closed: its waiters wake, their calls failing with
    /// ERROR_ABANDONED_WAIT_0, and its packets are freed.
    pub(crate) fn close_port(&mut self, cpu: Option<CpuId>, port: PortId) {
        let p = &mut self.ports[port.0 as usize];
        p.closed = true;
        let packets = p.packets.len() as u32;
        p.packets.clear();
        self.held_bytes -= u64::from(packets) * crate::kernel::held::PACKET;
        let waiters: Vec<ThreadId> = p.waiters.drain(..).rev().collect();
        p.running = 0;
        for t in self.threads.iter_mut().filter(|t| t.port == Some(port)) {
            t.port = None;
            t.counted = false;
        }
        self.trace(
            cpu,
            What::PortClosed {
                port,
                waiters: waiters.len() as u32,
                packets,
            },
        );
        for thread in waiters {
            self.wake(
                cpu,
                thread,
                WakeReason::PortClosed,
                0,
                Cont::Fail {
                    call: "GetQueuedCompletionStatus",
                    status: Status::AbandonedWait0,
                },
            );
        }
    }

    /// Makes `port` the thread's port; a thread belongs to at most one.
    fn associate(&mut self, thread: ThreadId, port: PortId) {
        let t = &mut self.threads[thread.0 as usize];
        if let Some(old) = t.port
            && old != port
            && t.counted
        {
            t.counted = false;
            self.ports[old.0 as usize].running -= 1;
        }
        self.threads[thread.0 as usize].port = Some(port);
    }

    /// A counted thread blocks on something other than its port: it stops counting, and
    /// another waiter may take its place.
    pub(crate) fn port_thread_blocked(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        let t = &mut self.threads[thread.0 as usize];
        if let (Some(port), true) = (t.port, t.counted) {
            t.counted = false;
            self.ports[port.0 as usize].running -= 1;
            self.release_waiters(cpu, port);
        }
    }

    /// A thread associated with a port wakes from some other wait: it counts again, even
    /// past the concurrency value.
    pub(crate) fn port_thread_unblocked(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        let t = &mut self.threads[thread.0 as usize];
        if let (Some(port), false) = (t.port, t.counted) {
            t.counted = true;
            let p = &mut self.ports[port.0 as usize];
            p.running += 1;
            if p.running > p.concurrency {
                let (running, concurrency) = (p.running, p.concurrency);
                self.trace(
                    cpu,
                    What::PortRunningOver {
                        port,
                        thread,
                        running,
                        concurrency,
                    },
                );
            }
        }
    }

    /// A waiter's timeout expired before a packet came.
    pub(crate) fn port_wait_timed_out(&mut self, thread: ThreadId) {
        if let Some(WaitFor::Port(port)) = self.threads[thread.0 as usize].wait {
            self.ports[port.0 as usize].waiters.retain(|&w| w != thread);
        }
    }

    /// The thread is leaving for good.
    pub(crate) fn port_thread_exited(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        self.port_thread_blocked(cpu, thread);
    }
}

pub(crate) fn packet_result(p: Packet) -> SyscallResult {
    SyscallResult::Packet {
        irp: p.irp,
        key: p.key,
        bytes: p.bytes,
        status: p.status,
    }
}
