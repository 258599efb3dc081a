//! Typed ids for every kernel object, so a thread id can never be passed where an IRP id
//! is wanted. Each is a plain number in traces and JSON.

use serde::Serialize;
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id!(
    /// A simulated processor.
    CpuId(u16),
    "cpu"
);
id!(
    /// A thread, unique across all processes.
    ThreadId(u32),
    "T#"
);
id!(
    /// A process: owner of a handle table and of completion routines.
    ProcessId(u32),
    "P#"
);
id!(
    /// An I/O request packet. Numbered from 1 in creation order.
    IrpId(u64),
    "IRP"
);
id!(
    /// A device together with its driver (one device stack).
    DeviceId(u16),
    "dev"
);
id!(
    /// A driver object: one driver in one device's stack.
    DriverId(u16),
    "drv"
);
id!(
    /// A named file: an extent of a device.
    FileId(u32),
    "file"
);
id!(
    /// A file object: one open instance of a file, with its own position.
    FileObjectId(u32),
    "FO"
);
id!(
    /// A completion port.
    PortId(u32),
    "port"
);
id!(
    /// An OVERLAPPED structure of a process: where the I/O manager records an overlapped
    /// request's result and signals its event, for a later wait. A program reuses one
    /// for request after request, as real programs reuse theirs.
    OverlappedId(std::num::NonZeroU32),
    "ov"
);

impl OverlappedId {
    /// The OVERLAPPED numbered `i` from 0; it shows as ov{i+1}. Never zero, so an
    /// `Option<OverlappedId>` costs a trace event no more than the number.
    pub fn nth(i: u32) -> Self {
        OverlappedId(std::num::NonZeroU32::MIN.saturating_add(i))
    }
}
id!(
    /// An event object.
    EventId(u32),
    "event"
);
id!(
    /// A semaphore object.
    SemaphoreId(u32),
    "sem"
);
id!(
    /// A kernel component that issues IRPs of its own (see [`crate::io::client`]).
    ClientId(u16),
    "client"
);
id!(
    /// A completion routine declared by a process.
    RoutineId(u32),
    "routine"
);

/// A process-relative handle value. Like Windows, values are multiples of four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(pub u32);

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "h{}", self.0)
    }
}

/// An interrupt request line number. A lower number means a higher priority, as on the
/// PC's cascaded 8259 interrupt controllers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Irq(pub u8);

impl fmt::Display for Irq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IRQ{}", self.0)
    }
}
