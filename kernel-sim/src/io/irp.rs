//! I/O request packets: what the I/O manager builds for each read or write, carrying the
//! parameters, the buffer, the file object and the issuing thread down the driver stack.

use crate::ids::*;
use crate::syscall::IoMode;
use serde::Serialize;
use std::sync::Arc;

/// The major function: what the request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Major {
    Read,
    Write,
}

impl Major {
    pub fn name(self) -> &'static str {
        match self {
            Major::Read => "READ",
            Major::Write => "WRITE",
        }
    }
}

/// An NTSTATUS-like result code. `Status::VARIANTS` ([`strum::VariantArray`]) lists them
/// all, for a reader that looks one up by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Success,
    Pending,
    EndOfFile,
    InvalidHandle,
    InvalidParameter,
    Timeout,
    DeviceError,
    /// A wait ended because the object waited on went away (a completion port's last
    /// handle was closed while threads waited on it).
    AbandonedWait0,
    /// ReleaseSemaphore would take the count past its maximum.
    TooManyPosts,
    /// The request was cancelled.
    Cancelled,
    /// There was nothing to cancel.
    NotFound,
    /// The handle does not allow this (a write on a pipe's read end).
    AccessDenied,
    /// The operation failed for no more specific reason (QueueUserAPC to a thread that
    /// has exited).
    Unsuccessful,
    /// An alertable wait that ended because APCs ran (WAIT_IO_COMPLETION), where a call
    /// reports it as an error code (GetQueuedCompletionStatusEx).
    UserApc,
    /// GetOverlappedResult without waiting, on a request still in progress. Windows has
    /// no NTSTATUS for it (the request's own status is still STATUS_PENDING): GetLastError
    /// gives ERROR_IO_INCOMPLETE, which is also its name here.
    IoIncomplete,
    /// No object has that name (a named pipe whose server end is gone).
    ObjectNameNotFound,
    /// The other end of the pipe is closed and nothing is left to read.
    PipeBroken,
    /// The other end of the pipe is closed: nothing written now could be read.
    PipeClosing,
    /// A named pipe's server end has no client yet.
    PipeListening,
    /// The named pipe's instance already has a client.
    PipeBusy,
    /// The pipe end was cleaned up (its last handle closed) before the request reached
    /// the pipe driver.
    PipeDisconnected,
}

impl Status {
    /// Whether this is a failure (not success, not pending).
    pub fn is_error(self) -> bool {
        !matches!(self, Status::Success | Status::Pending)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Success => "STATUS_SUCCESS",
            Status::Pending => "STATUS_PENDING",
            Status::EndOfFile => "STATUS_END_OF_FILE",
            Status::InvalidHandle => "STATUS_INVALID_HANDLE",
            Status::InvalidParameter => "STATUS_INVALID_PARAMETER",
            Status::Timeout => "STATUS_TIMEOUT",
            Status::DeviceError => "STATUS_IO_DEVICE_ERROR",
            Status::AbandonedWait0 => "STATUS_ABANDONED_WAIT_0",
            Status::TooManyPosts => "STATUS_SEMAPHORE_LIMIT_EXCEEDED",
            Status::Cancelled => "STATUS_CANCELLED",
            Status::NotFound => "STATUS_NOT_FOUND",
            Status::AccessDenied => "STATUS_ACCESS_DENIED",
            Status::Unsuccessful => "STATUS_UNSUCCESSFUL",
            Status::IoIncomplete => "ERROR_IO_INCOMPLETE",
            Status::UserApc => "STATUS_USER_APC",
            Status::ObjectNameNotFound => "STATUS_OBJECT_NAME_NOT_FOUND",
            Status::PipeBroken => "STATUS_PIPE_BROKEN",
            Status::PipeClosing => "STATUS_PIPE_CLOSING",
            Status::PipeListening => "STATUS_PIPE_LISTENING",
            Status::PipeBusy => "STATUS_PIPE_BUSY",
            Status::PipeDisconnected => "STATUS_PIPE_DISCONNECTED",
        }
    }

    /// What a Win32 caller reads from GetLastError when a call fails with this status.
    ///
    /// The pairs are the documented ones: RtlNtStatusToDosError maps STATUS_END_OF_FILE to
    /// ERROR_HANDLE_EOF, STATUS_INVALID_HANDLE and STATUS_INVALID_PARAMETER to their ERROR_
    /// twins, STATUS_IO_DEVICE_ERROR to ERROR_IO_DEVICE; the wait functions and
    /// GetQueuedCompletionStatus report a timeout as WAIT_TIMEOUT and a closed port as
    /// ERROR_ABANDONED_WAIT_0 (Microsoft Learn: GetQueuedCompletionStatus). The pipe
    /// statuses map as RtlNtStatusToDosError maps them: STATUS_PIPE_BROKEN to
    /// ERROR_BROKEN_PIPE, STATUS_PIPE_CLOSING to ERROR_NO_DATA ("The pipe is being
    /// closed"), STATUS_PIPE_LISTENING to ERROR_PIPE_LISTENING, STATUS_PIPE_BUSY to
    /// ERROR_PIPE_BUSY, STATUS_PIPE_DISCONNECTED to ERROR_PIPE_NOT_CONNECTED (Microsoft
    /// Learn: System Error Codes, and Named Pipe Client).
    pub fn win32_name(self) -> &'static str {
        match self {
            Status::Success => "ERROR_SUCCESS",
            Status::Pending => "ERROR_IO_PENDING",
            Status::EndOfFile => "ERROR_HANDLE_EOF",
            Status::InvalidHandle => "ERROR_INVALID_HANDLE",
            Status::InvalidParameter => "ERROR_INVALID_PARAMETER",
            Status::Timeout => "WAIT_TIMEOUT",
            Status::DeviceError => "ERROR_IO_DEVICE",
            Status::AbandonedWait0 => "ERROR_ABANDONED_WAIT_0",
            Status::TooManyPosts => "ERROR_TOO_MANY_POSTS",
            Status::Cancelled => "ERROR_OPERATION_ABORTED",
            Status::NotFound => "ERROR_NOT_FOUND",
            Status::AccessDenied => "ERROR_ACCESS_DENIED",
            Status::Unsuccessful => "ERROR_GEN_FAILURE",
            Status::UserApc => "WAIT_IO_COMPLETION",
            Status::IoIncomplete => "ERROR_IO_INCOMPLETE",
            Status::ObjectNameNotFound => "ERROR_FILE_NOT_FOUND",
            Status::PipeBroken => "ERROR_BROKEN_PIPE",
            Status::PipeClosing => "ERROR_NO_DATA",
            Status::PipeListening => "ERROR_PIPE_LISTENING",
            Status::PipeBusy => "ERROR_PIPE_BUSY",
            Status::PipeDisconnected => "ERROR_PIPE_NOT_CONNECTED",
        }
    }
}

/// Where an IRP is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IrpState {
    /// Built by the I/O manager, not yet handed to a driver.
    Created,
    /// Inside a driver's dispatch routine.
    Dispatched,
    /// Marked pending; waiting in the driver's queue.
    Queued,
    /// Programmed into the device's DMA ring.
    InDevice,
    /// A completion routine returned STATUS_MORE_PROCESSING_REQUIRED: its driver holds
    /// the IRP and will complete it again.
    Held,
    /// Completed by the driver; the I/O manager is delivering the result. The IRP is
    /// freed once the result is on its way (`IrpFreed`), so no IRP outlives this state:
    /// its result reaching the program (`IoDelivered`) is the request's, not the IRP's.
    Completed,
}

/// One driver's view of the request: which driver it is at and what that driver was
/// asked to do. Each driver of the device's stack has its own location, the top one
/// first; a driver that passes the IRP down may ask for its completion routine to run
/// when the IRP comes back up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackLocation {
    pub driver: DriverId,
    pub device: DeviceId,
    pub major: Major,
    /// Byte address on the device.
    pub device_offset: u64,
    pub len: u32,
    /// The driver here set a completion routine that has not run yet.
    pub completion: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irp {
    pub id: IrpId,
    pub major: Major,
    /// Offset within the file.
    pub offset: u64,
    /// Bytes asked for.
    pub len: u32,
    /// The system buffer: for a write it holds the caller's data, for a read the device
    /// fills it by DMA. Shared, so that a checkpoint of the kernel (for stepping back)
    /// does not copy the bytes of every request in flight; the one write a read's buffer
    /// gets copies it only if a checkpoint still shares it.
    pub buffer: Arc<Vec<u8>>,
    pub file_object: FileObjectId,
    /// Who asked for it: a thread, or the kernel itself.
    pub origin: Origin,
    pub mode: IoMode,
    pub stack: Vec<StackLocation>,
    /// Index into `stack` of the driver that holds the IRP now.
    pub current: u8,
    pub state: IrpState,
    pub status: Status,
    /// Bytes transferred (IoStatus.Information).
    pub information: u32,
    /// FNV-1a of the bytes transferred, to show data is conserved end to end.
    pub checksum: u64,
    /// Cancellation was asked for (Irp->Cancel).
    pub cancel: bool,
    /// The cancel routine took it back: it will complete cancelled.
    pub taken_back: bool,
    /// Its dispatch returned STATUS_PENDING to the I/O manager. One that completed
    /// inside its dispatch with an error failed at submission: the caller learns of it
    /// from the call alone, with no APC, packet or event.
    pub pending_returned: bool,
}

/// Who asked for an IRP, and so where its result goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A thread's call: the result goes back by the completion path the call chose.
    Thread(ThreadId),
    /// A kernel component's own request (as demand paging issues): no thread owns it,
    /// nothing is delivered to a program, and the component's callback gets the result,
    /// with the tag it gave.
    Kernel { client: ClientId, tag: u64 },
}

impl Irp {
    /// The thread that asked for the IRP; none for the kernel's own.
    pub fn thread(&self) -> Option<ThreadId> {
        match self.origin {
            Origin::Thread(t) => Some(t),
            Origin::Kernel { .. } => None,
        }
    }

    /// The stack location of the driver that holds the IRP now.
    pub fn location(&self) -> &StackLocation {
        &self.stack[self.current as usize]
    }
}

/// A small, stable checksum of transferred bytes: FNV-1a's mixing applied to 8-byte
/// little-endian words (then to the remaining bytes), so checking conservation end to end
/// costs little even for large transfers.
pub fn checksum(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h ^= u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = h.wrapping_mul(PRIME);
    }
    for &b in words.remainder() {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_byte_and_its_position() {
        let a = vec![7u8; 13];
        let mut b = a.clone();
        b[12] = 8;
        let mut c = a.clone();
        c.swap(0, 12);
        c[0] = 8;
        assert_ne!(checksum(&a), checksum(&b));
        assert_ne!(checksum(&b), checksum(&c));
        assert_eq!(checksum(&a), checksum(&a.clone()));
    }
}
