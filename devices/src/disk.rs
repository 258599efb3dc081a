//! A rotating disk and its driver.
//!
//! The [`driver`] module joins the pieces into one [`kernel_sim::Driver`]: the dispatch
//! routine queues IRPs, the driver moves them from its queue to the DMA ring in the order
//! its [`order::Policy`] picks, the disk works through the ring alone and raises its
//! interrupt after each transfer, and the DPC reaps finished descriptors and completes
//! their IRPs.

pub mod driver;
pub mod geometry;
pub mod order;
pub mod storage;

pub use driver::{Disk, DiskConfig};
