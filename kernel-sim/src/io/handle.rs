//! Handle tables and file objects. A handle is a process-relative number; the table maps
//! it to a kernel object. A file object is one open instance of a file, with its own
//! position and (optionally) its completion-port binding, and is kept alive by a
//! reference count: one per handle and one per IRP in flight.

use crate::ids::*;
use std::collections::BTreeMap;

/// What a handle refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Object {
    File(FileObjectId),
    Port(PortId),
    Event(EventId),
    Semaphore(SemaphoreId),
    Thread(ThreadId),
}

/// One process's handles.
#[derive(Debug, Clone, Default)]
pub struct HandleTable {
    entries: BTreeMap<Handle, Object>,
    next: u32,
}

impl HandleTable {
    /// Adds an entry and returns its handle: 4, 8, 12, ... as Windows numbers them.
    pub fn insert(&mut self, object: Object) -> Handle {
        self.next += 4;
        let h = Handle(self.next);
        self.entries.insert(h, object);
        h
    }

    pub fn get(&self, h: Handle) -> Option<Object> {
        self.entries.get(&h).copied()
    }

    pub fn remove(&mut self, h: Handle) -> Option<Object> {
        self.entries.remove(&h)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Handle, Object)> + '_ {
        self.entries.iter().map(|(h, o)| (*h, *o))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// An open file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileObject {
    pub id: FileObjectId,
    pub file: FileId,
    /// How it was opened: which end of a pipe it is, or a file.
    pub opening: crate::driver::Opening,
    /// Opened without FILE_FLAG_OVERLAPPED (FO_SYNCHRONOUS_IO): every read and write on
    /// it waits in the kernel until it completes, and the I/O manager keeps its file
    /// position. A handle opened for overlapped I/O has no position: each request names
    /// its offset in its OVERLAPPED.
    pub synchronous: bool,
    /// Current byte position, used when a request on a synchronous handle gives no
    /// offset.
    pub position: u64,
    /// Completion port and key, once bound.
    pub port: Option<(PortId, u64)>,
    /// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: a request that succeeds inside its dispatch
    /// routine queues no packet (the call's TRUE already told the program).
    pub skip_port_on_success: bool,
    /// Handles plus IRPs in flight that refer to this object.
    pub refs: u32,
    /// Its state as a waitable object: a request on it resets it, and its completion sets
    /// it, which is how a program waiting on the file handle learns of a completion when
    /// its OVERLAPPED names no event.
    pub(crate) signalled: bool,
    /// Threads waiting on the file handle itself.
    pub(crate) waiters: Vec<ThreadId>,
    /// The thread whose call holds the object's I/O now (a synchronous object only), and
    /// the threads waiting their turn with the calls they are in.
    pub(crate) lock: Option<ThreadId>,
    pub(crate) lock_waiters: std::collections::VecDeque<(ThreadId, crate::syscall::Syscall)>,
    /// Handles alone: when the last one closes, the I/O manager cleans up (cancels the
    /// requests still in flight on it).
    pub handles: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_count_up_in_fours_and_are_not_reused() {
        let mut t = HandleTable::default();
        let a = t.insert(Object::Port(PortId(0)));
        let b = t.insert(Object::File(FileObjectId(1)));
        assert_eq!((a, b), (Handle(4), Handle(8)));
        assert_eq!(t.remove(a), Some(Object::Port(PortId(0))));
        assert_eq!(t.get(a), None);
        assert_eq!(t.insert(Object::Port(PortId(2))), Handle(12));
    }
}
