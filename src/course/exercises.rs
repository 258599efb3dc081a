//! The course's exercises, in the order the course guide takes them. Each is one file;
//! adding one is that file and its line here.

mod apc_alertable;
mod cancel_race;
mod disk_ordering;
mod dma_ring;
mod filter_stack;
mod interrupt_dpc;
mod irp_life_cycle;
mod pipe_buffer;
mod port_concurrency;
mod port_release;
mod sync_serialized;
mod three_completions;

use super::Exercise;

/// Every exercise, in course order.
pub const ALL: &[&dyn Exercise] = &[
    &irp_life_cycle::IrpLifeCycle,
    &three_completions::ThreeCompletions,
    &apc_alertable::ApcAlertable,
    &sync_serialized::SyncSerialized,
    &port_release::PortRelease,
    &port_concurrency::PortConcurrency,
    &dma_ring::DmaRing,
    &interrupt_dpc::InterruptDpc,
    &disk_ordering::DiskOrdering,
    &cancel_race::CancelRace,
    &pipe_buffer::PipeBuffer,
    &filter_stack::FilterStack,
];

/// A disk with `ring` descriptors and the driver's `queue` order, as a scenario writes it.
fn disk(ring: u64, queue: &str) -> serde_json::Value {
    serde_json::json!({ "disk": { "name": "disk0", "irq": 14, "ring_size": ring, "queue": queue } })
}
