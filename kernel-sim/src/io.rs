//! The I/O manager's objects: files and file objects, handle tables, and IRPs.
//!
//! Start with [`irp`]: an IRP is the request a read or write becomes on its way down the
//! driver stack. [`handle`] holds the per-process handle tables and the file objects they
//! point to.

pub mod cancel;
pub mod handle;
pub mod irp;
mod manager;

pub use handle::{FileObject, HandleTable, Object};
pub use irp::{Irp, IrpState, Major, StackLocation, Status};

use crate::ids::{DeviceId, FileId};
use serde::Serialize;

/// A named file: a fixed extent of one device, a volume table reduced to its essence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    pub id: FileId,
    pub name: String,
    pub device: DeviceId,
    /// Byte address of the file's first byte on the device.
    pub start: u64,
    pub length: u64,
}
