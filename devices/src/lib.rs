//! `devices`: device models and their drivers, built on the interfaces `kernel-sim`
//! defines.
//!
//! Start with [`disk`]: a rotating disk holding real bytes and its driver, which queues
//! IRPs in FIFO or elevator order and feeds them to the disk through a DMA ring. The
//! pieces underneath it:
//! - [`dma`]: the descriptor ring shared by a driver and its device, and scatter/gather;
//! - [`disk::geometry`]: seek, rotation and transfer times;
//! - [`disk::storage`]: the disk's bytes;
//! - [`disk::order`]: the driver's queue disciplines (FIFO, SCAN, SSTF);
//! - [`filter`]: filter drivers that attach above a device's function driver.
//!
//! [`pipe`] needs no hardware: its driver keeps anonymous and named pipes in kernel
//! memory and shows when a request completes at once and when it must wait.

pub mod disk;
pub mod dma;
pub mod filter;
pub mod pipe;
