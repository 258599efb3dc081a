//! The I/O manager's objects: files and file objects, handle tables, and IRPs.
//!
//! Start with [`irp`]: an IRP is the request a read or write becomes on its way down the
//! driver stack. [`handle`] holds the per-process handle tables and the file objects they
//! point to.

pub mod cancel;
pub mod client;
pub mod handle;
pub mod irp;
mod manager;
pub mod table;

pub use handle::{FileObject, HandleTable, Object};
pub use irp::{Irp, IrpState, Major, Origin, StackLocation, Status};

use crate::ids::{DeviceId, FileId};
use serde::Serialize;

/// A named file: a fixed extent of one device, a volume table reduced to its essence;
/// or a pipe, which its driver keeps in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    pub id: FileId,
    pub name: String,
    pub device: DeviceId,
    /// Byte address of the file's first byte on the device.
    pub start: u64,
    pub length: u64,
    pub kind: FileKind,
}

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileKind {
    /// Bytes at fixed places on a storage device: reads and writes name an offset.
    Extent,
    /// A pipe: a stream through a buffer of `capacity` bytes in kernel memory; offsets
    /// mean nothing. A named pipe's ends both read and write (duplex); an anonymous one
    /// has a read end and a write end.
    Pipe { capacity: u32, named: bool },
}
