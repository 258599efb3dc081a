//! Pipes: a stream of bytes from one file object to another through a bounded buffer in
//! kernel memory. There is no hardware: [`PipeDevice`] has no interrupt line and no
//! registers, and [`PipeDriver`] (in the part Windows gives its named pipe file system,
//! NPFS) does all the work inside its dispatch routine, on the caller's CPU.
//!
//! What it teaches is when a request can finish at once and when it must wait:
//! - a read finds data in the buffer and completes inside its dispatch routine; on an
//!   empty pipe it is marked pending and waits in the driver's queue until a write
//!   arrives (Microsoft Learn: Anonymous Pipe Operations: "The ReadFile call returns
//!   when another process has written to the pipe");
//! - a write hands its bytes straight to waiting reads, then fills the buffer; what does
//!   not fit makes it wait until reads make room, for WriteFile on a pipe does not return
//!   until every byte is written (same page);
//! - when one end's last handle closes, the other end's waiting requests complete with
//!   STATUS_PIPE_BROKEN; it can still read what is buffered, after which a read fails at
//!   submission with ERROR_BROKEN_PIPE, and a write fails at once with ERROR_NO_DATA
//!   ("The pipe is being closed").
//!
//! An anonymous pipe is built the way Windows builds one, on a named pipe with a unique
//! name (Microsoft Learn: Anonymous Pipes): the read end is the server's end, the write
//! end the client's, and data flows one way only. A named pipe's server end is created
//! listening; a client that opens the name connects to a listening instance (iosim does
//! not model ConnectNamedPipe: opening is connecting), and finds the pipe busy
//! (ERROR_PIPE_BUSY) when every instance has its client. Each CreateNamedPipe of the
//! name makes one more instance. Reads and writes on a server end with no client fail
//! with ERROR_PIPE_LISTENING; a request that reaches the driver after its own end was
//! cleaned up fails with ERROR_PIPE_NOT_CONNECTED, as NPFS fails it. Pipes are byte
//! streams: message mode is not modelled.
//!
//! The buffer holds exactly the size CreatePipe or CreateNamedPipe was given (every
//! instance of a name the size the first asked for); Windows takes that size only as a
//! suggestion (Microsoft Learn: CreatePipe) and charges pending writes against a quota,
//! which iosim does not model. The bytes buffered count against the run's byte budget.

use kernel_sim::io::{FileKind, Major, Status};
use kernel_sim::trace::count;
use kernel_sim::{
    BufferView, Device, DeviceEvent, DeviceEventKind, DeviceView, Dispatch, Driver, DriverCtx,
    FileId, FileObjectId, HwCtx, IrpId, Irq, Lane, Names, Opening, QueueView,
};
use std::any::Any;
use std::collections::{BTreeMap, VecDeque};

/// The device pipes live on: nothing but a place in the machine for their driver.
#[derive(Debug, Clone, Default)]
pub struct PipeDevice;

impl Device for PipeDevice {
    fn kind(&self) -> &'static str {
        "pipe"
    }

    fn irq(&self) -> Option<Irq> {
        None
    }

    fn timer(&mut self, _hw: &mut HwCtx<'_>, _token: u64) {
        unreachable!("a pipe device sets no timer")
    }

    fn doorbell(&mut self, _hw: &mut HwCtx<'_>) {
        unreachable!("the pipe driver rings no doorbell")
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    fn view(&self) -> DeviceView {
        DeviceView::default()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn clone_box(&self) -> Box<dyn Device> {
        Box::new(self.clone())
    }
}

/// Which end of a pipe a file object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// CreateNamedPipe's end, or an anonymous pipe's read end.
    Server,
    /// A client's end, or an anonymous pipe's write end.
    Client,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Server => Side::Client,
            Side::Client => Side::Server,
        }
    }

    /// The channel this end reads from: the server reads what flows in from the client.
    fn reads_from(self) -> usize {
        match self {
            Side::Server => INBOUND,
            Side::Client => OUTBOUND,
        }
    }

    fn writes_to(self) -> usize {
        self.other().reads_from()
    }
}

/// Client to server.
const INBOUND: usize = 0;
/// Server to client.
const OUTBOUND: usize = 1;
const CHANNEL_NAMES: [&str; 2] = ["inbound", "outbound"];

/// Where a pipe is in its life (the states NPFS gives a named pipe instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A named pipe's server end waits for a client.
    Listening,
    /// Both ends are open.
    Connected,
    /// One end has closed; the other may read what is left.
    Closing,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Listening => "listening",
            State::Connected => "connected",
            State::Closing => "closing",
        }
    }
}

/// A request waiting in a channel: a read for data, or a write for room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Waiting {
    irp: IrpId,
    /// Bytes asked for.
    len: u32,
    /// Bytes moved so far (a write's bytes already in the buffer or read).
    done: u32,
}

/// One direction of a pipe.
#[derive(Debug, Clone, Default)]
struct Channel {
    /// The bytes written and not yet read.
    data: VecDeque<u8>,
    /// Reads waiting for data; only while nothing is there to take.
    reads: VecDeque<Waiting>,
    /// Writes waiting for room, first come first.
    writes: VecDeque<Waiting>,
}

/// One pipe: an anonymous pipe, or one instance of a named pipe.
#[derive(Debug, Clone)]
struct Pipe {
    /// Its file: the anonymous pipe, or the named pipe's name (shared by its instances).
    file: FileId,
    /// The pipe's name (an anonymous pipe's is the one the scenario gave it).
    name: String,
    capacity: u32,
    named: bool,
    state: State,
    /// The file object of each end, server first, while it is open.
    ends: [Option<FileObjectId>; 2],
    channels: [Channel; 2],
}

impl Pipe {
    /// Whether `side` may do `major`: an anonymous pipe's server end only reads, its
    /// client end only writes.
    fn may(&self, side: Side, major: Major) -> bool {
        self.named || (side == Side::Server) == (major == Major::Read)
    }

    fn buffered(&self) -> u64 {
        self.channels.iter().map(|c| c.data.len() as u64).sum()
    }
}

/// A pipe driver event's kinds.
pub mod events {
    use super::*;

    /// "pipe p" or "named pipe \\.\pipe\x".
    fn pipe(names: &Names<'_>, file: u64) -> String {
        let file = names.file(FileId(file as u32));
        match file.kind {
            FileKind::Pipe { named: true, .. } => format!("named pipe {}", file.name),
            _ => format!("pipe {}", file.name),
        }
    }

    /// Bytes of a write went straight into a read's buffer, never sitting in the pipe's.
    pub static HANDED_OVER: DeviceEventKind = DeviceEventKind {
        name: "PipeHandedOver",
        small: "",
        values: ["irp", "read_irp", "bytes", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "The pipe driver copies {} of write {} on {} straight into read {}'s buffer: \
                 they never sit in the pipe's buffer.",
                count(e.values[2] as u32, "byte"),
                IrpId(e.values[0]),
                pipe(names, e.values[3]),
                IrpId(e.values[1]),
            )
        },
        hint: Some(
            "Devices: the read completes inside the writer's dispatch routine, on the writer's CPU.",
        ),
    };

    /// Bytes of a write went into the pipe's buffer.
    pub static BUFFERED: DeviceEventKind = DeviceEventKind {
        name: "PipeBuffered",
        small: "",
        values: ["irp", "bytes", "used", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            let capacity = match names.file(FileId(e.values[3] as u32)).kind {
                FileKind::Pipe { capacity, .. } => capacity,
                FileKind::Extent => 0,
            };
            format!(
                "The pipe driver copies {} of {} into the buffer of {} in kernel memory, which \
                 now holds {} of its {} bytes.",
                count(e.values[1] as u32, "byte"),
                IrpId(e.values[0]),
                pipe(names, e.values[3]),
                e.values[2],
                capacity,
            )
        },
        hint: Some("Devices: the pipe's buffer fills; a write that does not fit waits for room."),
    };

    /// A read took bytes out of the pipe's buffer.
    pub static DRAINED: DeviceEventKind = DeviceEventKind {
        name: "PipeDrained",
        small: "",
        values: ["irp", "bytes", "used", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "Read {} finds data in {}: the pipe driver copies {} from the pipe's buffer into \
                 the read's; {} stay buffered. The read completes inside the dispatch routine, \
                 without waiting.",
                IrpId(e.values[0]),
                pipe(names, e.values[3]),
                count(e.values[1] as u32, "byte"),
                count(e.values[2] as u32, "byte"),
            )
        },
        hint: Some(
            "Devices: a read that finds data completes at once: the call returns success without ever pending.",
        ),
    };

    /// A request must wait: a read on an empty pipe, a write on a full one.
    pub static WAITS: DeviceEventKind = DeviceEventKind {
        name: "PipeRequestWaits",
        small: "",
        values: ["irp", "write", "left", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            if e.values[1] == 0 {
                format!(
                    "The {} is empty, so read {} waits in the pipe driver's queue until a write \
                     arrives (or the other end closes).",
                    pipe(names, e.values[3]),
                    IrpId(e.values[0]),
                )
            } else {
                format!(
                    "The buffer of {} is full with {} of write {} still to go: the write waits \
                     until reads make room, for a write to a pipe does not complete until all \
                     its bytes are written. (iosim's buffer holds exactly the size the pipe was \
                     created with; Windows takes that size only as a suggestion.)",
                    pipe(names, e.values[3]),
                    count(e.values[2] as u32, "byte"),
                    IrpId(e.values[0]),
                )
            }
        },
        hint: Some(
            "Devices: the request is in the pipe driver's queue; the other end's requests will finish it (a write may need several reads to make room).",
        ),
    };

    /// A waiting write's bytes went into the room a read made.
    pub static REFILLED: DeviceEventKind = DeviceEventKind {
        name: "PipeRefilled",
        small: "",
        values: ["irp", "bytes", "used", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "The read made room in {}: the pipe driver moves {} more of waiting write {} \
                 into the buffer ({} now buffered).",
                pipe(names, e.values[3]),
                count(e.values[1] as u32, "byte"),
                IrpId(e.values[0]),
                e.values[2],
            )
        },
        hint: None,
    };

    /// A client opened a named pipe: an instance is connected.
    pub static CONNECTED: DeviceEventKind = DeviceEventKind {
        name: "PipeConnected",
        small: "",
        values: ["server_end", "client_end", "file", ""],
        irp: None,
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "The pipe driver connects the client to a listening instance of {}: the \
                 server's end {} and the client's end {} now talk to each other. Another client \
                 would need another instance.",
                pipe(names, e.values[2]),
                FileObjectId(e.values[0] as u32),
                FileObjectId(e.values[1] as u32),
            )
        },
        hint: None,
    };

    /// One end's last handle closed while the other end is open. Its small value is the
    /// end: 0 for the server's (an anonymous pipe's read end), 1 for the client's (the
    /// write end).
    pub static END_CLOSED: DeviceEventKind = DeviceEventKind {
        name: "PipeEndClosed",
        small: "end",
        values: ["object", "broken", "left", "file"],
        irp: None,
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            let [object, broken, left, file] = e.values;
            let named = matches!(
                names.file(FileId(file as u32)).kind,
                FileKind::Pipe { named: true, .. }
            );
            let broken = match broken {
                0 => "no request of the other end was waiting".to_string(),
                1 => "the other end's waiting request completes with STATUS_PIPE_BROKEN".into(),
                n => {
                    format!("the other end's {n} waiting requests complete with STATUS_PIPE_BROKEN")
                }
            };
            let reads = if left == 0 {
                "nothing is buffered for it, so its next read fails with ERROR_BROKEN_PIPE"
                    .to_string()
            } else {
                format!(
                    "it can still read the {} buffered for it, and after that its reads fail \
                     with ERROR_BROKEN_PIPE",
                    count(left as u32, "byte")
                )
            };
            let (end, after) = match (named, e.small) {
                (false, 0) => (
                    "the read end",
                    "Nothing written now could be read: the write end's next write fails at \
                     once with ERROR_NO_DATA."
                        .to_string(),
                ),
                (false, _) => (
                    "the write end",
                    format!("No more data can come to the read end: {reads}."),
                ),
                (true, side) => (
                    if side == 0 {
                        "the server's end"
                    } else {
                        "the client's end"
                    },
                    format!(
                        "For the other end, {reads}; its writes fail at once with ERROR_NO_DATA."
                    ),
                ),
            };
            format!(
                "The pipe driver's cleanup routine runs for {}, {end} of {}: the pipe is now \
                 closing, and {broken}. {after}",
                FileObjectId(object as u32),
                pipe(names, file),
            )
        },
        hint: Some(
            "Devices: with one end closed, the other end's requests fail instead of waiting forever: a read once the buffer is empty, a write at once.",
        ),
    };

    /// The last open end closed: the pipe (or this instance) is gone.
    pub static GONE: DeviceEventKind = DeviceEventKind {
        name: "PipeGone",
        small: "",
        values: ["object", "dropped", "file", ""],
        irp: None,
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            let dropped = match e.values[1] {
                0 => String::new(),
                n => format!(
                    ", and the {} nobody read are dropped",
                    count(n as u32, "byte")
                ),
            };
            format!(
                "The pipe driver's cleanup routine runs for {}, the last open end of {}: no end \
                 is left, so the pipe driver frees it{dropped}.",
                FileObjectId(e.values[0] as u32),
                pipe(names, e.values[2]),
            )
        },
        hint: None,
    };
}

/// The pipe driver: it keeps every pipe's buffers and the requests waiting on them.
#[derive(Debug, Clone, Default)]
pub struct PipeDriver {
    /// The pipes alive, by a number of the driver's own (a named pipe's instances are
    /// separate pipes of one file).
    pipes: BTreeMap<u32, Pipe>,
    next_pipe: u32,
    /// Which pipe, and which end of it, each open file object is.
    ends: BTreeMap<FileObjectId, (u32, Side)>,
    /// Bytes buffered in all pipes, for the byte budget.
    buffered: u64,
    /// Requests completed inside their dispatch routine, and ones that waited.
    at_once: u64,
    waited: u64,
    /// Bytes reads took out of pipes.
    bytes: u64,
}

impl PipeDriver {
    pub fn new() -> Self {
        Self::default()
    }

    fn pipe(&mut self, id: u32) -> &mut Pipe {
        self.pipes.get_mut(&id).expect("a live pipe")
    }

    /// Copies `n` bytes of `write` (from its byte `from`) into the channel's buffer.
    fn buffer_from(io: &mut DriverCtx<'_>, channel: &mut Channel, write: IrpId, from: u32, n: u32) {
        let data = &io.irp(write).buffer[from as usize..(from + n) as usize];
        channel.data.extend(data.iter().copied());
        let cost = io.costs().copy_ns(u64::from(n));
        io.charge(cost);
    }

    /// Moves bytes of waiting writes into the room reads made, completing each write
    /// whose last byte is in (or was read).
    fn refill(&mut self, io: &mut DriverCtx<'_>, id: u32, channel: usize) {
        let pipe = self.pipes.get_mut(&id).expect("a live pipe");
        let (capacity, file) = (pipe.capacity as usize, pipe.file);
        let ch = &mut pipe.channels[channel];
        while let Some(w) = ch.writes.front_mut() {
            let room = capacity.saturating_sub(ch.data.len()) as u32;
            let n = room.min(w.len - w.done);
            if n > 0 {
                let (irp, from) = (w.irp, w.done);
                w.done += n;
                Self::buffer_from(io, ch, irp, from, n);
                self.buffered += u64::from(n);
                io.trace_event(DeviceEvent {
                    kind: &events::REFILLED,
                    small: 0,
                    values: [irp.0, u64::from(n), ch.data.len() as u64, u64::from(file.0)],
                });
            }
            let w = *ch.writes.front().expect("looked at it");
            if w.done < w.len {
                break;
            }
            ch.writes.pop_front();
            io.complete_irp(w.irp, Status::Success, w.len);
        }
    }

    /// Marks a request pending in a channel's queue, unless its cancel was asked for
    /// before it got here (no cancel routine could take it then): that one completes
    /// cancelled instead, as a driver checks Irp->Cancel when it queues an IRP.
    fn wait(
        &mut self,
        io: &mut DriverCtx<'_>,
        id: u32,
        channel: usize,
        waiting: Waiting,
        write: bool,
    ) -> Dispatch {
        if io.irp(waiting.irp).cancel {
            io.complete_irp(waiting.irp, Status::Cancelled, waiting.done);
            return Dispatch::Completed;
        }
        io.mark_pending(waiting.irp);
        let file = self.pipe(id).file;
        let ch = &mut self.pipe(id).channels[channel];
        let queue = if write { &mut ch.writes } else { &mut ch.reads };
        queue.push_back(waiting);
        let len = queue.len() as u32;
        io.trace_event(DeviceEvent {
            kind: &events::WAITS,
            small: 0,
            values: [
                waiting.irp.0,
                u64::from(write),
                u64::from(waiting.len - waiting.done),
                u64::from(file.0),
            ],
        });
        io.queued(waiting.irp, len);
        self.waited += 1;
        Dispatch::Pending
    }

    fn read(&mut self, io: &mut DriverCtx<'_>, irp: IrpId, id: u32, side: Side) -> Dispatch {
        let len = io.irp(irp).len;
        let channel = side.reads_from();
        let pipe = self.pipes.get_mut(&id).expect("a live pipe");
        let (closing, file) = (pipe.state == State::Closing, pipe.file);
        let ch = &mut pipe.channels[channel];
        if ch.data.is_empty() && ch.writes.is_empty() {
            if closing {
                // Nothing left, and nobody to write more.
                io.complete_irp(irp, Status::PipeBroken, 0);
                return Dispatch::Completed;
            }
            let waiting = Waiting { irp, len, done: 0 };
            return self.wait(io, id, channel, waiting, false);
        }
        // Data is here: first what the buffer holds, then, if the read wants more and a
        // write waits, straight from that write.
        let from_buffer = (len as usize).min(ch.data.len());
        let taken: Vec<u8> = ch.data.drain(..from_buffer).collect();
        self.buffered -= from_buffer as u64;
        io.irp_buffer_mut(irp)[..from_buffer].copy_from_slice(&taken);
        let cost = io.costs().copy_ns(from_buffer as u64);
        io.charge(cost);
        if from_buffer > 0 {
            io.trace_event(DeviceEvent {
                kind: &events::DRAINED,
                small: 0,
                values: [
                    irp.0,
                    from_buffer as u64,
                    ch.data.len() as u64,
                    u64::from(file.0),
                ],
            });
        }
        let mut got = from_buffer as u32;
        if got < len
            && let Some(w) = ch.writes.front_mut()
        {
            let n = (len - got).min(w.len - w.done);
            let data = io.irp(w.irp).buffer[w.done as usize..(w.done + n) as usize].to_vec();
            io.irp_buffer_mut(irp)[got as usize..(got + n) as usize].copy_from_slice(&data);
            let cost = io.costs().copy_ns(u64::from(n));
            io.charge(cost);
            w.done += n;
            io.trace_event(DeviceEvent {
                kind: &events::HANDED_OVER,
                small: 0,
                values: [w.irp.0, irp.0, u64::from(n), u64::from(file.0)],
            });
            got += n;
        }
        self.at_once += 1;
        self.bytes += u64::from(got);
        io.complete_irp(irp, Status::Success, got);
        self.refill(io, id, channel);
        Dispatch::Completed
    }

    fn write(&mut self, io: &mut DriverCtx<'_>, irp: IrpId, id: u32, side: Side) -> Dispatch {
        let len = io.irp(irp).len;
        let channel = side.writes_to();
        let pipe = self.pipes.get_mut(&id).expect("a live pipe");
        if pipe.state == State::Closing {
            io.complete_irp(irp, Status::PipeClosing, 0);
            return Dispatch::Completed;
        }
        let (capacity, file) = (pipe.capacity as usize, pipe.file);
        let ch = &mut pipe.channels[channel];
        let mut done = 0u32;
        // Reads waiting on an empty pipe get the bytes first, straight from this write.
        while done < len
            && let Some(r) = ch.reads.pop_front()
        {
            let n = r.len.min(len - done);
            let data = io.irp(irp).buffer[done as usize..(done + n) as usize].to_vec();
            io.irp_buffer_mut(r.irp)[..n as usize].copy_from_slice(&data);
            let cost = io.costs().copy_ns(u64::from(n));
            io.charge(cost);
            io.trace_event(DeviceEvent {
                kind: &events::HANDED_OVER,
                small: 0,
                values: [irp.0, r.irp.0, u64::from(n), u64::from(file.0)],
            });
            self.bytes += u64::from(n);
            io.complete_irp(r.irp, Status::Success, n);
            done += n;
        }
        // Then the buffer, as far as there is room (and no earlier write waits for it).
        if done < len && ch.writes.is_empty() {
            let room = capacity.saturating_sub(ch.data.len()) as u32;
            let n = room.min(len - done);
            if n > 0 {
                Self::buffer_from(io, ch, irp, done, n);
                self.buffered += u64::from(n);
                io.trace_event(DeviceEvent {
                    kind: &events::BUFFERED,
                    small: 0,
                    values: [irp.0, u64::from(n), ch.data.len() as u64, u64::from(file.0)],
                });
                done += n;
            }
        }
        if done == len {
            self.at_once += 1;
            io.complete_irp(irp, Status::Success, len);
            return Dispatch::Completed;
        }
        self.wait(io, id, channel, Waiting { irp, len, done }, true)
    }

    /// Frees a pipe no end of which is open, with what it still buffered.
    fn free(&mut self, io: &mut DriverCtx<'_>, id: u32, object: FileObjectId) {
        let pipe = self.pipes.remove(&id).expect("a live pipe");
        let dropped = pipe.buffered();
        self.buffered -= dropped;
        io.trace_event(DeviceEvent {
            kind: &events::GONE,
            small: 0,
            values: [u64::from(object.0), dropped, u64::from(pipe.file.0), 0],
        });
    }
}

impl Driver for PipeDriver {
    fn name(&self) -> &'static str {
        "pipe driver"
    }

    fn create(
        &mut self,
        io: &mut DriverCtx<'_>,
        object: FileObjectId,
        file: FileId,
        opening: Opening,
    ) -> Status {
        let FileKind::Pipe { capacity, named } = io.file_of(object).kind else {
            return Status::InvalidParameter;
        };
        let side = match opening {
            Opening::PipeReadEnd | Opening::NamedPipeServer => {
                let id = self.next_pipe;
                self.next_pipe += 1;
                let name = io.file_of(object).name.clone();
                self.pipes.insert(
                    id,
                    Pipe {
                        file,
                        name,
                        capacity,
                        named,
                        state: State::Listening,
                        ends: [Some(object), None],
                        channels: Default::default(),
                    },
                );
                self.ends.insert(object, (id, Side::Server));
                return Status::Success;
            }
            Opening::PipeWriteEnd | Opening::NamedPipeClient => Side::Client,
            Opening::File => return Status::InvalidParameter,
        };
        // A client: the first listening instance of the pipe takes it. An anonymous
        // pipe's write end is opened right after its read end, so it finds that one.
        let mut instances = self.pipes.iter_mut().filter(|(_, p)| p.file == file);
        let Some((&id, pipe)) = instances
            .by_ref()
            .find(|(_, p)| p.state == State::Listening)
        else {
            // Instances that all have their client make the pipe busy; none at all
            // means there is no pipe by that name any more.
            return match self.pipes.values().any(|p| p.file == file) {
                true => Status::PipeBusy,
                false => Status::ObjectNameNotFound,
            };
        };
        pipe.state = State::Connected;
        pipe.ends[side as usize] = Some(object);
        let server = pipe.ends[Side::Server as usize].expect("a listening pipe has a server");
        if opening == Opening::NamedPipeClient {
            io.trace_event(DeviceEvent {
                kind: &events::CONNECTED,
                small: 0,
                values: [
                    u64::from(server.0),
                    u64::from(object.0),
                    u64::from(file.0),
                    0,
                ],
            });
        }
        self.ends.insert(object, (id, side));
        Status::Success
    }

    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch {
        let (object, major) = {
            let r = io.irp(irp);
            (r.file_object, r.major)
        };
        // Its end was cleaned up after the I/O manager built the request (another
        // thread closed the last handle): NPFS finds no pipe behind the file object.
        let Some(&(id, side)) = self.ends.get(&object) else {
            io.complete_irp(irp, Status::PipeDisconnected, 0);
            return Dispatch::Completed;
        };
        let pipe = &self.pipes[&id];
        let refused = if !pipe.may(side, major) {
            Some(Status::AccessDenied)
        } else if pipe.state == State::Listening {
            Some(Status::PipeListening)
        } else {
            None
        };
        if let Some(status) = refused {
            io.complete_irp(irp, status, 0);
            return Dispatch::Completed;
        }
        match major {
            Major::Read => self.read(io, irp, id, side),
            Major::Write => self.write(io, irp, id, side),
        }
    }

    /// A waiting read or write is taken out of its queue and completes cancelled; bytes
    /// a write already put in the buffer stay there.
    fn cancel(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> bool {
        for pipe in self.pipes.values_mut() {
            for ch in &mut pipe.channels {
                for queue in [&mut ch.reads, &mut ch.writes] {
                    if let Some(i) = queue.iter().position(|w| w.irp == irp) {
                        let w = queue.remove(i).expect("found");
                        io.complete_irp(irp, Status::Cancelled, w.done);
                        return true;
                    }
                }
            }
        }
        false
    }

    /// The last handle to one end closed (its own requests were cancelled already). If
    /// the other end is open, the pipe is closing: what flowed toward this end is
    /// dropped, with the writes waiting to send it, and reads the other end has waiting
    /// can never be satisfied; both complete with STATUS_PIPE_BROKEN. What this end
    /// wrote stays for the other end to read. If no end is left, the pipe is freed.
    fn cleanup(&mut self, io: &mut DriverCtx<'_>, object: FileObjectId) {
        let Some((id, side)) = self.ends.remove(&object) else {
            return;
        };
        let pipe = self.pipe(id);
        pipe.ends[side as usize] = None;
        if pipe.ends.iter().all(Option::is_none) || pipe.state == State::Listening {
            // Nobody is left to read or write (or no client ever came).
            return self.free(io, id, object);
        }
        pipe.state = State::Closing;
        let file = pipe.file;
        let incoming = &mut pipe.channels[side.reads_from()];
        let dropped = incoming.data.len() as u64;
        incoming.data.clear();
        let mut broken: Vec<IrpId> = incoming.writes.drain(..).map(|w| w.irp).collect();
        broken.extend(incoming.reads.drain(..).map(|w| w.irp));
        let outgoing = &mut pipe.channels[side.writes_to()];
        broken.extend(outgoing.reads.drain(..).map(|w| w.irp));
        let left = outgoing.data.len() as u64;
        self.buffered -= dropped;
        io.trace_event(DeviceEvent {
            kind: &events::END_CLOSED,
            small: side as u16,
            values: [
                u64::from(object.0),
                broken.len() as u64,
                left,
                u64::from(file.0),
            ],
        });
        for irp in broken {
            io.complete_irp(irp, Status::PipeBroken, 0);
        }
    }

    fn stored_bytes(&self) -> u64 {
        self.buffered
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("pipe_requests_at_once", self.at_once),
            ("pipe_requests_waited", self.waited),
            ("pipe_bytes_read", self.bytes),
        ]
    }

    fn view(&self) -> DeviceView {
        let mut view = DeviceView::default();
        for pipe in self.pipes.values() {
            let name = format!("pipe {}", pipe.name);
            for (i, ch) in pipe.channels.iter().enumerate() {
                // An anonymous pipe has one direction only.
                if !pipe.named && i == OUTBOUND {
                    continue;
                }
                let channel = if pipe.named {
                    format!("{name} {}", CHANNEL_NAMES[i])
                } else {
                    name.clone()
                };
                view.buffers.push(BufferView {
                    name: channel.clone(),
                    used: ch.data.len() as u64,
                    capacity: u64::from(pipe.capacity),
                    state: pipe.state.name(),
                });
                for (what, queue) in [("reads", &ch.reads), ("writes", &ch.writes)] {
                    if queue.is_empty() {
                        continue;
                    }
                    view.queues.push(QueueView {
                        name: format!("{channel} {what}"),
                        policy: "FIFO",
                        first: queue
                            .iter()
                            .take(kernel_sim::device::SHOWN_QUEUE)
                            .map(|w| w.irp)
                            .collect(),
                        places: Vec::new(),
                        place: "",
                        len: queue.len(),
                    });
                }
            }
        }
        view.counters = vec![
            ("pipe driver: completed at once", self.at_once.to_string()),
            ("pipe driver: waited", self.waited.to_string()),
        ];
        view
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}
