//! `devices`: device models and their drivers, built on the interfaces `kernel-sim`
//! defines.
//!
//! Start with [`disk`]: a rotating disk holding real bytes and its driver, which queues
//! IRPs in FIFO or elevator order and feeds them to the disk through a DMA ring. The
//! pieces underneath it:
//! - [`dma`]: the descriptor ring shared by a driver and its device, and scatter/gather;
//! - [`disk::geometry`]: seek, rotation and transfer times;
//! - [`disk::storage`]: the disk's bytes;
//! - [`disk::order`]: the driver's queue disciplines (FIFO, SCAN, SSTF) and the trait
//!   another discipline implements;
//! - [`filter`]: filter drivers that attach above a device's function driver.
//!
//! [`pipe`] needs no hardware: its driver keeps anonymous and named pipes in kernel
//! memory and shows when a request completes at once and when it must wait.
//!
//! [`EVENT_KINDS`] lists every kind of event the crate's devices and drivers trace.

pub mod disk;
pub mod dma;
pub mod filter;
pub mod pipe;

use kernel_sim::DeviceEventKind;

/// Every kind of event this crate's devices and drivers record, for a reader that names
/// a kind (an expectation counting `DeviceMediaError`s). A kind defined beside its device
/// is listed here too; the root crate's tests check every kind a run traces against it.
pub static EVENT_KINDS: [&DeviceEventKind; 16] = [
    &dma::events::POSTED,
    &dma::events::CONSUMED,
    &dma::events::SKIPPED,
    &dma::events::REAPED,
    &disk::hardware::TRANSFER_STARTED,
    &disk::hardware::MEDIA_ERROR,
    &filter::CHECKED,
    &filter::RECORDED,
    &pipe::events::HANDED_OVER,
    &pipe::events::BUFFERED,
    &pipe::events::DRAINED,
    &pipe::events::WAITS,
    &pipe::events::REFILLED,
    &pipe::events::CONNECTED,
    &pipe::events::END_CLOSED,
    &pipe::events::GONE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_have_distinct_names() {
        let mut names: Vec<&str> = EVENT_KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_KINDS.len());
    }
}
