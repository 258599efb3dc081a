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
//! listening; the first client to open it connects it (iosim does not model
//! ConnectNamedPipe: opening is connecting), and a second client finds it busy
//! (ERROR_PIPE_BUSY: one instance per CreateNamedPipe). Reads and writes on a server end
//! with no client fail with ERROR_PIPE_LISTENING. Pipes are byte streams: message mode is
//! not modelled.
//!
//! The buffer holds exactly the size CreatePipe or CreateNamedPipe was given; Windows
//! takes that size only as a suggestion (Microsoft Learn: CreatePipe) and charges pending
//! writes against a quota, which iosim does not model.

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
    /// Bytes moved so far (a write's bytes already in the buffer).
    done: u32,
}

/// One direction of a pipe.
#[derive(Debug, Clone, Default)]
struct Channel {
    /// The bytes written and not yet read.
    data: VecDeque<u8>,
    /// Reads waiting for data; only while `data` is empty.
    reads: VecDeque<Waiting>,
    /// Writes waiting for room; only while `data` is full.
    writes: VecDeque<Waiting>,
}

/// One pipe: an anonymous pipe, or one instance of a named pipe.
#[derive(Debug, Clone)]
struct Pipe {
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
    fn end(&self, side: Side) -> Option<FileObjectId> {
        self.ends[side as usize]
    }

    /// Whether `side` may read, and write: an anonymous pipe's server end only reads,
    /// its client end only writes.
    fn may(&self, side: Side, major: Major) -> bool {
        self.named || (side == Side::Server) == (major == Major::Read)
    }
}

/// A pipe driver event's kinds.
pub mod events {
    use super::*;

    fn pipe(names: &Names<'_>, file: u64) -> String {
        let file = names.file(FileId(file as u32));
        match file.kind {
            FileKind::Pipe { named: true, .. } => format!("named pipe {}", file.name),
            _ => format!("pipe {}", file.name),
        }
    }

    /// Bytes of a write went straight into a waiting read's buffer.
    pub static HANDED_OVER: DeviceEventKind = DeviceEventKind {
        name: "PipeHandedOver",
        small: "",
        values: ["irp", "read", "bytes", "file"],
        irp: Some(0),
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "A read waits on {}, so the pipe driver copies {} of {} straight into read {}'s \
                 buffer and completes that read: the data never sits in the pipe's buffer.",
                pipe(names, e.values[3]),
                count(e.values[2] as u32, "byte"),
                IrpId(e.values[0]),
                IrpId(e.values[1]),
            )
        },
        hint: Some(
            "Devices: the waiting read completed inside the writer's dispatch routine, on the writer's CPU.",
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
                "The pipe driver copies {} of {} into {}'s buffer in kernel memory, which now \
                 holds {} of its {} bytes.",
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
                "Read {} finds data in {}: the pipe driver copies {} into its buffer and \
                 completes it inside the dispatch routine, without waiting; {} stay buffered.",
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
                    "{} is empty, so read {} waits in the pipe driver's queue until a write \
                     arrives (or the other end closes).",
                    pipe(names, e.values[3]),
                    IrpId(e.values[0]),
                )
            } else {
                format!(
                    "{}'s buffer is full with {} of write {} still to go: the write waits \
                     until reads make room, for a write to a pipe does not complete until all \
                     its bytes are written. (iosim's buffer holds exactly the size the pipe \
                     was created with; Windows takes that size only as a suggestion.)",
                    pipe(names, e.values[3]),
                    count(e.values[2] as u32, "byte"),
                    IrpId(e.values[0]),
                )
            }
        },
        hint: Some(
            "Devices: the request is in the pipe driver's queue; the other end's next request will finish it.",
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

    /// A client opened a named pipe: it is connected.
    pub static CONNECTED: DeviceEventKind = DeviceEventKind {
        name: "PipeConnected",
        small: "",
        values: ["server", "client", "file", ""],
        irp: None,
        lane: Lane::Same,
        ring_delta: 0,
        explain: |e, names| {
            format!(
                "The pipe driver connects {}: the server's end {} and the client's end {} now \
                 talk to each other. A second client would find the instance busy.",
                pipe(names, e.values[2]),
                FileObjectId(e.values[0] as u32),
                FileObjectId(e.values[1] as u32),
            )
        },
        hint: None,
    };

    /// One end's last handle closed. Its small value is the end: 0 for the server's (an
    /// anonymous pipe's read end), 1 for the client's (the write end).
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
            "Devices: closing one end broke the pipe; the other end's requests failed instead of waiting forever.",
        ),
    };
}

/// The pipe driver: it keeps every pipe's buffers and the requests waiting on them.
#[derive(Debug, Clone, Default)]
pub struct PipeDriver {
    pipes: BTreeMap<FileId, Pipe>,
    /// Which pipe, and which end of it, each open file object is.
    ends: BTreeMap<FileObjectId, (FileId, Side)>,
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

    /// Copies `n` bytes of `write` (from its byte `from`) into the channel's buffer.
    fn buffer_from(io: &mut DriverCtx<'_>, channel: &mut Channel, write: IrpId, from: u32, n: u32) {
        let data = &io.irp(write).buffer[from as usize..(from + n) as usize];
        channel.data.extend(data.iter().copied());
        let cost = io.costs().copy_ns(u64::from(n));
        io.charge(cost);
    }

    /// Moves bytes of waiting writes into the room reads made, completing each write
    /// whose last byte is in.
    fn refill(&mut self, io: &mut DriverCtx<'_>, file: FileId, channel: usize) {
        let pipe = self.pipes.get_mut(&file).expect("an open pipe");
        let capacity = pipe.capacity as usize;
        let ch = &mut pipe.channels[channel];
        while let Some(w) = ch.writes.front_mut() {
            let room = capacity.saturating_sub(ch.data.len()) as u32;
            let n = room.min(w.len - w.done);
            if n == 0 {
                break;
            }
            let (irp, from) = (w.irp, w.done);
            w.done += n;
            let finished = w.done == w.len;
            let len = w.len;
            Self::buffer_from(io, ch, irp, from, n);
            io.trace_event(DeviceEvent {
                kind: &events::REFILLED,
                small: 0,
                values: [irp.0, u64::from(n), ch.data.len() as u64, u64::from(file.0)],
            });
            if finished {
                ch.writes.pop_front();
                io.complete_irp(irp, Status::Success, len);
            }
        }
    }

    fn read(&mut self, io: &mut DriverCtx<'_>, irp: IrpId, file: FileId, side: Side) -> Dispatch {
        let len = io.irp(irp).len;
        let pipe = self.pipes.get_mut(&file).expect("an open pipe");
        let channel = side.reads_from();
        let closing = pipe.state == State::Closing;
        let ch = &mut pipe.channels[channel];
        if ch.data.is_empty() && ch.writes.is_empty() {
            if closing {
                // Nothing left, and nobody to write more.
                io.complete_irp(irp, Status::PipeBroken, 0);
                return Dispatch::Completed;
            }
            io.mark_pending(irp);
            ch.reads.push_back(Waiting { irp, len, done: 0 });
            let waiting = ch.reads.len() as u32;
            io.trace_event(DeviceEvent {
                kind: &events::WAITS,
                small: 0,
                values: [irp.0, 0, u64::from(len), u64::from(file.0)],
            });
            io.queued(irp, waiting);
            self.waited += 1;
            return Dispatch::Pending;
        }
        // Data is here (in the buffer, or, with no room at all, in a waiting write):
        // take what there is, up to what was asked.
        let mut taken = Vec::with_capacity(len.min(ch.data.len() as u32) as usize);
        while taken.len() < len as usize {
            match ch.data.pop_front() {
                Some(b) => taken.push(b),
                None => break,
            }
        }
        if taken.len() < len as usize
            && let Some(w) = ch.writes.front_mut()
        {
            // A zero-size buffer: the read takes straight from the waiting write.
            let n = (len as usize - taken.len()).min((w.len - w.done) as usize);
            let from = w.done as usize;
            taken.extend_from_slice(&io.irp(w.irp).buffer[from..from + n]);
            w.done += n as u32;
        }
        let n = taken.len() as u32;
        io.irp_buffer_mut(irp)[..taken.len()].copy_from_slice(&taken);
        let cost = io.costs().copy_ns(u64::from(n));
        io.charge(cost);
        let used = ch.data.len() as u64;
        io.trace_event(DeviceEvent {
            kind: &events::DRAINED,
            small: 0,
            values: [irp.0, u64::from(n), used, u64::from(file.0)],
        });
        self.at_once += 1;
        self.bytes += u64::from(n);
        io.complete_irp(irp, Status::Success, n);
        // Writes waiting on the room just made, or fully taken by this read.
        let ch = &mut self.pipes.get_mut(&file).expect("an open pipe").channels[channel];
        while let Some(w) = ch.writes.front().copied().filter(|w| w.done == w.len) {
            ch.writes.pop_front();
            io.complete_irp(w.irp, Status::Success, w.len);
        }
        self.refill(io, file, channel);
        Dispatch::Completed
    }

    fn write(&mut self, io: &mut DriverCtx<'_>, irp: IrpId, file: FileId, side: Side) -> Dispatch {
        let len = io.irp(irp).len;
        let pipe = self.pipes.get_mut(&file).expect("an open pipe");
        if pipe.state == State::Closing {
            io.complete_irp(irp, Status::PipeClosing, 0);
            return Dispatch::Completed;
        }
        let capacity = pipe.capacity as usize;
        let ch = &mut pipe.channels[side.writes_to()];
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
        // Then the buffer, as far as there is room (and nobody queued before us).
        if done < len && ch.writes.is_empty() {
            let room = capacity.saturating_sub(ch.data.len()) as u32;
            let n = room.min(len - done);
            if n > 0 {
                Self::buffer_from(io, ch, irp, done, n);
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
        io.mark_pending(irp);
        ch.writes.push_back(Waiting { irp, len, done });
        let waiting = ch.writes.len() as u32;
        io.trace_event(DeviceEvent {
            kind: &events::WAITS,
            small: 0,
            values: [irp.0, 1, u64::from(len - done), u64::from(file.0)],
        });
        io.queued(irp, waiting);
        self.waited += 1;
        Dispatch::Pending
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
        let name = io.file_of(object).name.clone();
        let new = |state, server| Pipe {
            name,
            capacity,
            named,
            state,
            ends: [Some(server), None],
            channels: Default::default(),
        };
        let side = match opening {
            Opening::PipeReadEnd => {
                self.pipes.insert(file, new(State::Listening, object));
                Side::Server
            }
            Opening::NamedPipeServer => {
                self.pipes.insert(file, new(State::Listening, object));
                Side::Server
            }
            Opening::PipeWriteEnd | Opening::NamedPipeClient => {
                // The server's end is gone: there is no pipe by that name any more.
                let Some(pipe) = self.pipes.get_mut(&file) else {
                    return Status::ObjectNameNotFound;
                };
                if pipe.state != State::Listening {
                    return Status::PipeBusy;
                }
                pipe.state = State::Connected;
                pipe.ends[Side::Client as usize] = Some(object);
                let server = pipe
                    .end(Side::Server)
                    .expect("a listening pipe has a server");
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
                Side::Client
            }
            Opening::File => return Status::InvalidParameter,
        };
        self.ends.insert(object, (file, side));
        Status::Success
    }

    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch {
        let (object, major) = {
            let r = io.irp(irp);
            (r.file_object, r.major)
        };
        let &(file, side) = self.ends.get(&object).expect("an open end");
        let pipe = &self.pipes[&file];
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
            Major::Read => self.read(io, irp, file, side),
            Major::Write => self.write(io, irp, file, side),
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

    /// The last handle to one end closed (its own requests were cancelled already): the
    /// pipe is closing. What flowed toward this end is dropped, with the writes waiting
    /// to send it; reads the other end has waiting can never be satisfied. Both complete
    /// with STATUS_PIPE_BROKEN. What this end wrote stays for the other end to read.
    /// When both ends are closed the pipe is gone.
    fn cleanup(&mut self, io: &mut DriverCtx<'_>, object: FileObjectId) {
        let Some((file, side)) = self.ends.remove(&object) else {
            return;
        };
        let pipe = self.pipes.get_mut(&file).expect("an open pipe");
        pipe.ends[side as usize] = None;
        if pipe.ends.iter().all(Option::is_none) || pipe.state == State::Listening {
            // Nobody is left to read or write (a named pipe no client ever opened).
            self.pipes.remove(&file);
            return;
        }
        pipe.state = State::Closing;
        let incoming = &mut pipe.channels[side.reads_from()];
        incoming.data.clear();
        let mut broken: Vec<IrpId> = incoming.writes.drain(..).map(|w| w.irp).collect();
        broken.extend(incoming.reads.drain(..).map(|w| w.irp));
        let outgoing = &mut pipe.channels[side.writes_to()];
        broken.extend(outgoing.reads.drain(..).map(|w| w.irp));
        let left = outgoing.data.len() as u64;
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
                        len: queue.len(),
                    });
                }
            }
        }
        view.counters = vec![
            ("pipe driver: completed at once", self.at_once),
            ("pipe driver: waited", self.waited),
        ];
        view
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}
