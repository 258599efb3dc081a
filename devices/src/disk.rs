//! A rotating disk and its driver.
//!
//! Two halves, as in a real machine: [`hardware`] is the disk (a [`kernel_sim::Device`]):
//! it works through the DMA ring alone and raises its interrupt after each transfer;
//! [`driver`] is its function driver (a [`kernel_sim::Driver`]): the dispatch routine
//! queues IRPs, StartIo moves them to the ring in the order its [`order::Policy`] picks,
//! and the DPC reaps finished descriptors and completes their IRPs.

pub mod driver;
pub mod geometry;
pub mod hardware;
pub mod order;
pub mod storage;

pub use driver::DiskDriver;
pub use hardware::{DiskConfig, DiskHardware};
