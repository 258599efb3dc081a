//! Direct memory access: how a device moves a request's bytes without the CPU.
//!
//! The driver never copies data to the device itself. It writes a *descriptor* —
//! "move these buffer pieces to/from this device address" — into a ring it shares
//! with the device, and the device works through the ring on its own, interrupting
//! only when a whole transfer is done.
//!
//! - [`ring`]: the descriptor ring, its three indices and who owns each slot;
//!   also the scatter/gather split of a buffer into segments.

pub mod events;
pub mod ring;

pub use ring::{Descriptor, DmaRing, RingFull, Segment, SlotOwner, split_into_segments};
