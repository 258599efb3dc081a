//! The trace: one typed event for every state change, the single source of truth that
//! the text and JSON outputs, the timeline exports, the TUI and the tests all read.
//!
//! Events are stored compactly (ids, not names or sentences); [`crate::Kernel::explain`]
//! builds the plain-English sentence only when something prints it.

use crate::cpu::FrameKind;
use crate::engine::Time;
use crate::ids::*;
use crate::io::{Major, Status};
use serde::Serialize;

mod explain;
mod probe;
pub mod segments;
pub use explain::{
    Narrator, Note, count, duration, format_time, format_time_scaled, format_time_short,
    parse_time, with_note,
};

/// Why a thread is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// Synchronous I/O: waiting for its IRP to complete.
    Io,
    /// Waiting on an overlapped request (WaitForSingleObjectEx on its event).
    Overlapped,
    /// Sleep / SleepEx.
    Sleep,
    /// GetQueuedCompletionStatus on a port.
    Port,
    /// WaitForSingleObjectEx or WaitForMultipleObjectsEx on kernel objects.
    Objects,
    /// A system worker waits for kernel work.
    WorkItem,
    /// A read or write waits for another request on the same synchronous file object.
    FileLock,
}

impl WaitReason {
    /// What the thread waits for, in a word or two ("I/O", "objects").
    pub fn short(self) -> &'static str {
        match self {
            WaitReason::Io => "I/O",
            WaitReason::Overlapped => "its request",
            WaitReason::Sleep => "sleep",
            WaitReason::Port => "port",
            WaitReason::Objects => "objects",
            WaitReason::WorkItem => "work",
            WaitReason::FileLock => "file object",
        }
    }
}

/// What woke a waiting thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WakeReason {
    IoCompleted,
    Timeout,
    Apc,
    Packet,
    /// The completion port it waited on was closed.
    PortClosed,
    /// The objects it waited on were signalled (one of them, or all).
    Signalled,
    /// A kernel request was queued for the system worker.
    WorkQueued,
    /// Its Sleep's time is up.
    SleepOver,
    /// The request in progress on the synchronous file object it waited for is over.
    FileUnlocked,
}

/// A pass of a repeated op: the `n`th of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pass {
    pub n: u32,
    pub of: u32,
}

/// One state change. Variant names are past tense: they say what happened.
///
/// How an event is written says what it is about: its variant's name is its `kind`
/// ([`What::kind`]), and the IRP and thread it concerns are its fields named `irp` and
/// `thread` ([`What::irp`], [`What::thread`]). Nothing else lists the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::VariantNames)]
#[serde(tag = "kind")]
pub enum What {
    // --- threads and the scheduler ---
    ThreadCreated {
        thread: ThreadId,
        process: ProcessId,
    },
    ThreadReady {
        thread: ThreadId,
        /// No CPU was idle: the thread waits in the ready queue behind `ahead` others.
        queued: bool,
        ahead: u32,
    },
    /// The dispatcher starts loading `to` onto the CPU. `from` is the thread whose context
    /// it saves now, if one was running here until this moment (none when the CPU idled).
    ContextSwitched {
        from: Option<ThreadId>,
        to: ThreadId,
        /// `to` has never run: the dispatcher loads its initial context.
        first: bool,
        /// The CPU was idle until now (rather than its thread having just exited).
        idle: bool,
    },
    /// The context switch to `thread` is done: it runs from here.
    ThreadResumed {
        thread: ThreadId,
    },
    CpuIdle,
    ThreadComputed {
        thread: ThreadId,
        ns: u64,
        /// Which pass of its innermost repeat this is, if the op is inside one.
        pass: Option<Pass>,
    },
    /// A stretch of user-mode code ended later than its CPU time alone would say: the
    /// CPU ran something else (an ISR, a DPC, another thread) in between.
    ComputeStretched {
        thread: ThreadId,
        ns: u64,
        wall_ns: u64,
    },
    ThreadWaiting {
        thread: ThreadId,
        /// The call the thread waits in, by its Win32 name.
        call: &'static str,
        reason: WaitReason,
        alertable: bool,
    },
    ThreadWoken {
        thread: ThreadId,
        reason: WakeReason,
    },
    /// The clock's ISR returned and `thread` must yield (another is ready). With
    /// [`What::QuantumRenewed`], marks the end of every [`What::ClockInterrupt`].
    QuantumExpired {
        thread: ThreadId,
    },
    /// The clock's ISR returned and `thread` keeps the CPU for a fresh timeslice, as
    /// nothing else is ready.
    QuantumRenewed {
        thread: ThreadId,
    },
    ThreadPreempted {
        thread: ThreadId,
    },
    ThreadExited {
        thread: ThreadId,
        /// Requests the thread issued that are still in progress.
        in_flight: u32,
    },
    // --- system calls and handles ---
    SyscallEntered {
        thread: ThreadId,
        call: &'static str,
    },
    /// A synchronous read without an OVERLAPPED starts at or past the end of its file: it
    /// reads nothing, and succeeds.
    ReadAtEndOfFile {
        thread: ThreadId,
        file: FileId,
        offset: u64,
    },
    /// The call returns to its program: its return value, and the code GetLastError then
    /// gives, if the call set one.
    CallReturned {
        thread: ThreadId,
        call: &'static str,
        returned: crate::syscall::Returned,
        error: Option<Status>,
    },
    FileOpened {
        /// The call that opened it (CreateFile, CreatePipe, CreateNamedPipe).
        call: &'static str,
        thread: ThreadId,
        handle: Handle,
        file: FileId,
        object: FileObjectId,
    },
    HandleClosed {
        thread: ThreadId,
        handle: Handle,
        /// Handles to a file object or port that stay open after this one; none for
        /// the other kinds, whose destruction is traced.
        others: Option<u32>,
        /// Closed because the process's last thread exited.
        at_exit: bool,
    },
    /// A new handle to a kernel object (created, opened or duplicated).
    ObjectOpened {
        thread: ThreadId,
        handle: Handle,
        object: crate::io::Object,
    },
    /// The last reference to an object went: it is destroyed.
    ObjectDestroyed {
        object: crate::io::Object,
    },
    EventSet {
        thread: ThreadId,
        event: EventId,
        /// Waiting threads whose wait it satisfied.
        released: u32,
    },
    EventReset {
        thread: ThreadId,
        event: EventId,
    },
    SemaphoreReleased {
        thread: ThreadId,
        semaphore: SemaphoreId,
        count: u32,
        /// Its count right after the release, before waiters take from it.
        now: u32,
        /// Waiting threads whose wait it satisfied (each took one).
        released: u32,
    },
    /// A wait on objects returned.
    WaitReturned {
        thread: ThreadId,
        call: &'static str,
        result: crate::object::WaitResult,
        /// The object whose signal ended a wait for any of them.
        object: Option<crate::io::Object>,
    },
    SyscallFailed {
        thread: ThreadId,
        call: &'static str,
        status: Status,
    },
    /// A wait with a zero timeout found nothing: the call returned WAIT_TIMEOUT without
    /// waiting.
    TimedOutAtOnce {
        thread: ThreadId,
        call: &'static str,
    },
    // --- I/O manager and IRPs ---
    IrpCreated {
        irp: IrpId,
        /// The thread that asked for it; none for the kernel's own request.
        thread: Option<ThreadId>,
        major: Major,
        /// The offset in the file; none for a stream (a pipe), which has no offsets.
        offset: Option<u64>,
        len: u32,
    },
    IrpDispatched {
        irp: IrpId,
        device: DeviceId,
        driver: DriverId,
        stack_location: u8,
        /// The byte on the device the I/O manager mapped the file offset to; none for a
        /// stream.
        device_offset: Option<u64>,
    },
    IrpPending {
        irp: IrpId,
    },
    /// A driver passes the IRP to the driver below it (IoCallDriver), having set a
    /// completion routine if `completion`.
    IrpPassedDown {
        irp: IrpId,
        driver: DriverId,
        completion: bool,
    },
    /// On the IRP's way back up, the completion routine of the driver at
    /// `stack_location` ran; with `held`, it returned STATUS_MORE_PROCESSING_REQUIRED.
    CompletionRoutineRan {
        irp: IrpId,
        driver: DriverId,
        stack_location: u8,
        held: bool,
    },
    /// The driver that held the IRP completes it again: completion goes on upward.
    IrpCompletionResumed {
        irp: IrpId,
        driver: DriverId,
    },
    IrpQueued {
        irp: IrpId,
        device: DeviceId,
        queue_len: u32,
    },
    IrpStarted {
        irp: IrpId,
        device: DeviceId,
    },
    IrpCompleted {
        irp: IrpId,
        status: Status,
        bytes: u32,
        checksum: u64,
    },
    /// The dispatch routine returned to the I/O manager. On a synchronous handle
    /// (`sync`) the call itself goes on waiting if the IRP is pending.
    /// Cancellation of the IRP was asked for.
    IrpCancelRequested {
        irp: IrpId,
        reason: crate::io::cancel::CancelReason,
        /// A driver has it queued (its cancel routine runs next); otherwise only the
        /// flag is set, for the driver that queues it to see.
        held: bool,
    },
    /// The cancel routine of the driver holding the IRP ran; with `taken`, the driver
    /// takes it back and completes it cancelled: `now`, or once its hardware gives it up.
    CancelRoutineRan {
        irp: IrpId,
        driver: DriverId,
        taken: bool,
        now: bool,
    },
    /// The last handle to a file object closed: the I/O manager cleans up, cancelling
    /// its requests still in flight (`cancelling` of the `requests`: the others' cancel
    /// was asked for already).
    FileCleanup {
        object: FileObjectId,
        requests: u32,
        cancelling: u32,
    },
    /// The I/O manager has sent the IRP's result on its completion path and frees the
    /// IRP: the end of its life.
    IrpFreed {
        irp: IrpId,
    },
    /// A kernel component queued a request of its own for the system worker.
    KernelRequestQueued {
        client: ClientId,
        /// Requests now waiting for the worker.
        queued: u32,
    },
    /// A driver queued a work item for `irp` (IoQueueWorkItem): the system worker will
    /// call its work routine at PASSIVE_LEVEL.
    WorkItemQueued {
        driver: DriverId,
        irp: IrpId,
        /// Work items and requests now waiting for the worker, this one included.
        queued: u32,
    },
    /// The system worker `thread` calls the driver's work routine for `irp`.
    WorkItemRan {
        driver: DriverId,
        irp: IrpId,
        thread: ThreadId,
    },
    /// A kernel request completed: its component's callback got the result.
    ClientCalledBack {
        irp: IrpId,
        client: ClientId,
        status: Status,
        bytes: u32,
    },
    IoReturned {
        thread: ThreadId,
        irp: IrpId,
        pending: bool,
        sync: bool,
    },
    IoDelivered {
        thread: ThreadId,
        irp: IrpId,
        bytes: u32,
        /// How the request ended: a failure makes the call return FALSE.
        status: Status,
    },
    // --- devices ---
    /// An event a device stack defines for itself (a disk's transfer, a ring's
    /// descriptor): its kind names it and explains it.
    /// (Its parts are laid out flat, not as a [`crate::device::DeviceEvent`], so a trace
    /// event stays within 64 bytes; [`What::device_event`] puts them together.)
    #[serde(skip)]
    Device {
        device: DeviceId,
        /// The driver that recorded it; none for the hardware's own events.
        driver: Option<DriverId>,
        small: u16,
        kind: &'static crate::device::DeviceEventKind,
        values: [u64; 4],
    },
    // --- interrupts ---
    InterruptRaised {
        irq: Irq,
        device: DeviceId,
    },
    InterruptCoalesced {
        irq: Irq,
        device: DeviceId,
    },
    IsrStarted {
        irq: Irq,
        device: DeviceId,
    },
    /// The ISR acknowledged its device (dropping the level-triggered line) and returned.
    IsrFinished {
        irq: Irq,
        device: DeviceId,
        /// A DPC is queued on this CPU, so the CPU drops to DISPATCH level and runs it
        /// before anything below the ISR resumes.
        dpc_next: bool,
        /// What the ISR interrupted, which resumes once nothing above it is left.
        interrupted: Option<FrameKind>,
    },
    DpcQueued {
        device: DeviceId,
    },
    DpcStarted {
        device: DeviceId,
    },
    DpcFinished {
        device: DeviceId,
        /// Requests this DPC completed, and requests it started on the device.
        completed: u32,
        started: u32,
    },
    ClockInterrupt,
    // --- completion: APCs and ports ---
    ApcQueued {
        thread: ThreadId,
        /// None for an APC a program queued (QueueUserAPC).
        irp: Option<IrpId>,
        routine: RoutineId,
    },
    /// The routine is called with the request's result: its error code and byte count.
    ApcRun {
        thread: ThreadId,
        /// None for an APC a program queued (QueueUserAPC).
        irp: Option<IrpId>,
        routine: RoutineId,
        status: Status,
        bytes: u32,
        /// The thread had not begun: it begins by calling its queued APCs.
        at_start: bool,
    },
    ApcDiscarded {
        thread: ThreadId,
        /// None for an APC a program queued (QueueUserAPC).
        irp: Option<IrpId>,
        routine: RoutineId,
    },
    /// An APC routine that made calls of its own has returned to the wait it ran from.
    ApcReturned {
        thread: ThreadId,
        routine: RoutineId,
    },
    AlertableWaitReturned {
        thread: ThreadId,
        apcs: u32,
    },
    PortCreated {
        port: PortId,
        concurrency: u32,
        handle: Handle,
    },
    FileBound {
        object: FileObjectId,
        port: PortId,
        key: u64,
    },
    PacketQueued {
        port: PortId,
        irp: Option<IrpId>,
        key: u64,
        /// The byte count it reports (a posted packet's is the poster's, uninterpreted).
        bytes: u32,
        /// The OVERLAPPED it reports: its request's, or the poster's, uninterpreted.
        overlapped: Option<OverlappedId>,
        queue_len: u32,
    },
    /// A file object now skips its port when a request succeeds at once.
    SkipsPortOnSuccess {
        thread: ThreadId,
        object: FileObjectId,
    },
    /// A request on such a file object succeeded inside its dispatch routine: no packet.
    PacketSkipped {
        irp: IrpId,
        port: PortId,
    },
    PacketDequeued {
        port: PortId,
        thread: ThreadId,
        irp: Option<IrpId>,
        key: u64,
        /// The packet's status: GetQueuedCompletionStatus fails when it is an error. (Its
        /// byte count is the completion's, in `IrpCompleted`; keeping it here too would
        /// make every trace event bigger.)
        status: Status,
        running: u32,
        /// The port released `thread` from a wait (raising the running count), rather
        /// than the thread finding a packet when it called.
        released: bool,
    },
    /// The last handle to a port was closed: threads waiting on it wake with
    /// ERROR_ABANDONED_WAIT_0 and its queued packets are freed.
    PortClosed {
        port: PortId,
        waiters: u32,
        packets: u32,
    },
    PortRunningOver {
        port: PortId,
        thread: ThreadId,
        running: u32,
        concurrency: u32,
    },
    /// A packet was queued while threads wait on the port, and none is released: as many
    /// of its threads run as its concurrency value allows, or more.
    PortHeldPacket {
        port: PortId,
        running: u32,
        concurrency: u32,
        waiting: u32,
    },
}

/// One trace record: when, where, what. As JSON it is one flat object: `time`, `cpu`,
/// `kind` (the event's name) and the event's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// Simulated time in nanoseconds.
    pub time: Time,
    /// The CPU the action ran on, if it ran on one (device activity does not).
    pub cpu: Option<CpuId>,
    pub what: What,
}

impl Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.what {
            // A device's own event names its kind and fields itself.
            What::Device { device, .. } => {
                let (_, event) = self.what.device_event().expect("a device event");
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("time", &self.time)?;
                m.serialize_entry("cpu", &self.cpu)?;
                m.serialize_entry("kind", event.kind.name)?;
                m.serialize_entry("device", device)?;
                for (name, value) in event.fields() {
                    m.serialize_entry(name, &value)?;
                }
                m.end()
            }
            what => {
                #[derive(Serialize)]
                struct Flat<'a> {
                    time: Time,
                    cpu: Option<CpuId>,
                    #[serde(flatten)]
                    what: &'a What,
                }
                Flat {
                    time: self.time,
                    cpu: self.cpu,
                    what,
                }
                .serialize(s)
            }
        }
    }
}

impl What {
    /// The device event this is, if it is one, with its device.
    pub fn device_event(&self) -> Option<(DeviceId, crate::device::DeviceEvent)> {
        match *self {
            What::Device {
                device,
                small,
                kind,
                values,
                ..
            } => Some((
                device,
                crate::device::DeviceEvent {
                    kind,
                    small,
                    values,
                },
            )),
            _ => None,
        }
    }

    /// The variant's name, as in JSON output (`"kind"`); a device event's kind names
    /// itself.
    pub fn kind(&self) -> &'static str {
        match self {
            What::Device { kind, .. } => kind.name,
            other => other.into(),
        }
    }

    /// Every kind [`What::kind`] gives to the kernel's own events: the variants' names,
    /// but `Device`'s, whose events are named by their [`crate::DeviceEventKind`] (each
    /// device crate lists its own).
    pub fn kernel_kinds() -> impl Iterator<Item = &'static str> {
        <What as strum::VariantNames>::VARIANTS
            .iter()
            .copied()
            .filter(|name| *name != "Device")
    }

    /// The IRP this event concerns, if any (its field named `irp`): lets a viewer follow
    /// one request.
    pub fn irp(&self) -> Option<IrpId> {
        match self {
            What::Device { .. } => self.device_event().and_then(|(_, e)| e.irp()),
            other => probe::id_field(other, "irp").map(IrpId),
        }
    }

    /// The thread this event is about, if any (its field named `thread`; a context
    /// switch is about the thread it loads): lets a viewer follow one thread.
    pub fn thread(&self) -> Option<ThreadId> {
        match self {
            What::ContextSwitched { to, .. } => Some(*to),
            other => probe::id_field(other, "thread").map(|t| ThreadId(t as u32)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_kinds_are_the_kinds_events_report() {
        let kinds: Vec<&str> = What::kernel_kinds().collect();
        assert!(kinds.contains(&What::CpuIdle.kind()));
        assert!(kinds.contains(&What::ClockInterrupt.kind()));
        assert!(!kinds.contains(&"Device"));
        assert_eq!(
            kinds.len() + 1,
            <What as strum::VariantNames>::VARIANTS.len()
        );
    }

    #[test]
    fn trace_events_stay_compact() {
        // Millions of events are kept in memory; this size is what each one costs.
        assert!(
            std::mem::size_of::<TraceEvent>() <= 64,
            "{}",
            std::mem::size_of::<TraceEvent>()
        );
    }
}
