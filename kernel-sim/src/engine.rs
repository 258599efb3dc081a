//! The deterministic engine underneath the kernel: virtual time, the event queue, and
//! seeded random streams.

pub mod queue;
pub mod rng;

/// Simulated time in nanoseconds since the run began.
pub type Time = u64;
