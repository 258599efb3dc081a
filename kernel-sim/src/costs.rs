//! What each kernel action costs in simulated time. Every figure the simulator reports
//! (latency, CPU busy time, throughput) is a sum of these and of the device models'
//! costs; none is stated directly. A scenario may override any of them.

use serde::Serialize;

/// Timeslice given to a thread before the clock interrupt may preempt it: 10 ms, the
/// figure Richard Gooch uses in "I/O Event Handling Under Linux".
pub const DEFAULT_TIMESLICE_NS: u64 = 10_000_000;

/// Default limit on trace events, so a runaway scenario stops with a message.
pub const DEFAULT_EVENT_LIMIT: u64 = 5_000_000;

/// Default limit on the data a run holds at once (see [`crate::MachineConfig`]): 1 GiB.
pub const DEFAULT_BYTE_BUDGET: u64 = 1 << 30;

/// Per-action CPU costs, in nanoseconds unless the name says otherwise.
///
/// The defaults are round figures of the right order for a machine of the late 1990s to
/// 2000s (the era of the source documents); they are meant to make orders of magnitude
/// visible, not to match one processor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Costs {
    /// Entering the kernel through a system call and checking its arguments.
    pub syscall_ns: u64,
    /// The I/O manager allocating and filling an IRP and its stack locations.
    pub irp_alloc_ns: u64,
    /// One driver's dispatch routine looking at an IRP (per stack location).
    pub dispatch_ns: u64,
    /// A driver building one DMA descriptor and ringing the device's doorbell.
    pub start_io_ns: u64,
    /// An interrupt service routine: save state, read and acknowledge the device.
    pub isr_ns: u64,
    /// Entering a deferred procedure call.
    pub dpc_ns: u64,
    /// Reaping one completed descriptor and completing its IRP in the DPC.
    pub complete_ns: u64,
    /// Copying data between a kernel buffer and the caller's buffer, per KiB.
    pub copy_ns_per_kib: u64,
    /// Saving one thread's registers and loading another's.
    pub context_switch_ns: u64,
    /// Entering a user APC (a completion routine) before its own code runs.
    pub apc_dispatch_ns: u64,
    /// The clock interrupt's service routine.
    pub clock_isr_ns: u64,
    /// The DMA engine moving data over the bus, per KiB.
    pub bus_ns_per_kib: u64,
    /// Queueing or dequeuing a completion packet on a port.
    pub port_ns: u64,
    /// The length of a thread's timeslice.
    pub timeslice_ns: u64,
}

impl Default for Costs {
    fn default() -> Self {
        Self {
            syscall_ns: 1_000,
            irp_alloc_ns: 500,
            dispatch_ns: 1_000,
            start_io_ns: 1_500,
            isr_ns: 2_000,
            dpc_ns: 1_000,
            complete_ns: 1_500,
            // About 1 GB/s for memcpy.
            copy_ns_per_kib: 1_000,
            context_switch_ns: 5_000,
            apc_dispatch_ns: 1_000,
            clock_isr_ns: 1_000,
            // About 133 MB/s, a 32-bit 33 MHz PCI bus.
            bus_ns_per_kib: 7_700,
            port_ns: 500,
            timeslice_ns: DEFAULT_TIMESLICE_NS,
        }
    }
}

impl Costs {
    /// Cost of copying `bytes` at the configured memcpy rate, rounded up.
    pub fn copy_ns(&self, bytes: u64) -> u64 {
        (bytes * self.copy_ns_per_kib).div_ceil(1024)
    }

    /// Cost of moving `bytes` over the bus, rounded up.
    pub fn bus_ns(&self, bytes: u64) -> u64 {
        (bytes * self.bus_ns_per_kib).div_ceil(1024)
    }
}
