//! The trace in the Chrome Trace Event Format, which Perfetto UI (ui.perfetto.dev) and
//! chrome://tracing open.
//!
//! Each part of the machine is a process, each of its members a track: CPUs, threads,
//! drivers (every driver of each device's stack), devices, interrupt lines, and IRPs
//! (each IRP's lifetime on the first IRP track free at its start, so spans on a track
//! never overlap). What ran where, and when each thread waited and for what, comes from
//! the lanes `kernel_sim::trace::segments` rebuilds from the trace; the moments of
//! [`super::marks`] (what each driver did with an IRP, what a thread did to objects and
//! handles, a device's own events) are marks on their tracks, each with its sentence. A
//! flow arrow follows each IRP from the call through the driver, the device, the
//! interrupt and the DPC to its delivery. Counters show ring occupancy, driver queue
//! length and port queue length.
//!
//! Timestamps are microseconds, as the format wants; a nanosecond is 0.001 and is kept
//! exactly (every time is a whole number of nanoseconds divided by 1000).

use super::marks::{self, Track};
use kernel_sim::trace::segments::{Activity, Lane, Segment, Segments};
use kernel_sim::{CpuId, DeviceId, DriverId, Kernel, ThreadId, Time, TraceEvent, What};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The processes, in the order Perfetto lists them.
const CPUS: u32 = 1;
const THREADS: u32 = 2;
const DRIVERS: u32 = 3;
const DEVICES: u32 = 4;
const LINES: u32 = 5;
const IRPS: u32 = 6;
const PORTS: u32 = 7;

/// One record of the format. Optional fields are left out when empty.
#[derive(Debug, Serialize)]
struct Record {
    name: String,
    ph: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    ts: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<f64>,
    pid: u32,
    tid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<Value>,
}

fn us(ns: Time) -> f64 {
    ns as f64 / 1000.0
}

impl Record {
    fn new(name: impl Into<String>, ph: &'static str, ts: Time, pid: u32, tid: u32) -> Self {
        Self {
            name: name.into(),
            ph,
            cat: None,
            ts: us(ts),
            dur: None,
            pid,
            tid,
            id: None,
            bp: None,
            args: None,
        }
    }

    /// A complete span ("X").
    fn span(
        name: impl Into<String>,
        cat: &'static str,
        from: Time,
        to: Time,
        pid: u32,
        tid: u32,
    ) -> Self {
        Self {
            cat: Some(cat),
            dur: Some(us(to - from)),
            ..Self::new(name, "X", from, pid, tid)
        }
    }

    /// An instant ("i") on a track, with its sentence.
    fn instant(
        name: String,
        cat: &'static str,
        ts: Time,
        pid: u32,
        tid: u32,
        what: String,
    ) -> Self {
        Self {
            cat: Some(cat),
            args: Some(json!({ "what": what })),
            ..Self::new(name, "i", ts, pid, tid)
        }
    }

    /// A metadata record naming or ordering a process or a track.
    fn meta(name: &'static str, pid: u32, tid: u32, args: Value) -> Self {
        Self {
            args: Some(args),
            ..Self::new(name, "M", 0, pid, tid)
        }
    }

    fn counter(name: String, ts: Time, pid: u32, series: &str, value: u64) -> Self {
        Self {
            args: Some(json!({ series: value })),
            ..Self::new(name, "C", ts, pid, 0)
        }
    }
}

/// Writes the run as one Chrome trace JSON document. Records are written as they are
/// made, track by track, each track in time order (viewers sort the rest), so memory
/// stays that of the trace and its segments however long the run.
pub fn write(out: &mut impl Write, kernel: &Kernel, scenario: &str, seed: u64) -> io::Result<()> {
    writeln!(out, "{{\"traceEvents\":[")?;
    let mut sink = Sink {
        out,
        written: 0,
        error: None,
    };
    records(kernel, &mut sink);
    if let Some(e) = sink.error {
        return Err(e);
    }
    writeln!(out, "\n],")?;
    let other = json!({ "scenario": scenario, "seed": seed, "source": "iosim" });
    writeln!(out, "\"displayTimeUnit\":\"ns\",\"otherData\":{other}}}")
}

/// Where records go: written at once, comma-separated; the first write error is kept
/// and ends the writing.
struct Sink<'a> {
    out: &'a mut dyn Write,
    written: u64,
    error: Option<io::Error>,
}

impl Sink<'_> {
    fn push(&mut self, record: Record) {
        if self.error.is_some() {
            return;
        }
        let separator: &[u8] = if self.written == 0 { b"" } else { b",\n" };
        let result = self
            .out
            .write_all(separator)
            .and_then(|()| serde_json::to_writer(&mut *self.out, &record).map_err(io::Error::from));
        match result {
            Ok(()) => self.written += 1,
            Err(e) => self.error = Some(e),
        }
    }
}

/// Every record: names first, then each kind of span, flows and counters.
fn records(k: &Kernel, out: &mut Sink<'_>) {
    let trace = k.trace();
    let end = trace.last().map_or(0, |e| e.time);
    let segments = Segments::from_trace(trace);
    for r in names(k) {
        out.push(r);
    }
    cpu_spans(k, &segments, end, out);
    let runs = thread_tracks(k, &segments, end, out);
    device_and_line_spans(&segments, end, out);
    marks(k, trace, out);
    irps(k, trace, &runs, out);
    counters(k, trace, out);
}

/// Process and track names, and their order.
fn names(k: &Kernel) -> Vec<Record> {
    let core = k.core();
    let mut r = Vec::new();
    let mut process = |pid: u32, name: &str| {
        r.push(Record::meta(
            "process_name",
            pid,
            0,
            json!({ "name": name }),
        ));
        r.push(Record::meta(
            "process_sort_index",
            pid,
            0,
            json!({ "sort_index": pid }),
        ));
    };
    process(CPUS, "CPUs");
    process(THREADS, "Threads");
    process(DRIVERS, "Drivers");
    process(DEVICES, "Devices");
    process(LINES, "Interrupt lines");
    process(IRPS, "IRPs");
    if !core.ports.is_empty() {
        process(PORTS, "Completion ports");
    }
    let mut track = |pid: u32, tid: u32, name: String| {
        r.push(Record::meta(
            "thread_name",
            pid,
            tid,
            json!({ "name": name }),
        ));
        r.push(Record::meta(
            "thread_sort_index",
            pid,
            tid,
            json!({ "sort_index": tid }),
        ));
    };
    for c in &core.cpus {
        track(CPUS, cpu_tid(c.id), c.id.to_string());
    }
    for t in &core.threads {
        track(THREADS, thread_tid(t.id), t.name.clone());
    }
    for (driver, name) in marks::driver_tracks(k) {
        track(DRIVERS, driver_tid(driver), name);
    }
    for d in 0..core.device_names.len() {
        let id = DeviceId(d as u16);
        track(DEVICES, device_tid(id), k.device_name(id).to_string());
        track(
            DEVICES,
            device_events_tid(id),
            format!("{} events", k.device_name(id)),
        );
    }
    for l in core.lines.values() {
        track(
            LINES,
            u32::from(l.irq.0),
            format!("{} ({})", l.irq, k.device_name(l.device)),
        );
    }
    r
}

fn cpu_tid(c: CpuId) -> u32 {
    u32::from(c.0) + 1
}

fn thread_tid(t: ThreadId) -> u32 {
    t.0 + 1
}

fn driver_tid(d: DriverId) -> u32 {
    u32::from(d.0) + 1
}

fn device_tid(d: DeviceId) -> u32 {
    u32::from(d.0) + 1
}

/// A device's own events, on a track of their own beside its transfers.
fn device_events_tid(d: DeviceId) -> u32 {
    u32::from(u16::MAX) + 1 + u32::from(d.0)
}

/// A segment's end, or the run's end for one still open.
fn end_of(s: &Segment, end: Time) -> Time {
    s.end.map_or(end, |(t, _)| t)
}

/// What each CPU ran: threads, switches, ISRs, DPCs.
fn cpu_spans(k: &Kernel, segments: &Segments, end: Time, out: &mut Sink<'_>) {
    for c in &k.core().cpus {
        for s in segments.lane(Lane::Cpu(c.id)) {
            let (name, cat) = match s.activity {
                Activity::Thread(t) => (k.thread_name(t).to_string(), "thread"),
                Activity::Switch { to } => (format!("switch to {}", k.thread_name(to)), "switch"),
                Activity::Isr(d) => (format!("ISR {}", k.device_name(d)), "isr"),
                Activity::Clock => ("clock ISR".to_string(), "isr"),
                Activity::Dpc(d) => (format!("DPC {}", k.device_name(d)), "dpc"),
                _ => continue,
            };
            out.push(Record::span(
                name,
                cat,
                s.start,
                end_of(s, end),
                CPUS,
                cpu_tid(c.id),
            ));
        }
    }
}

/// Each thread's track, in time order: when it ran, when it was ready and waited for a
/// CPU, when it waited and for what, and its calls on objects and handles. Returns the runs per thread, in time order, for
/// binding flow arrows.
fn thread_tracks(
    k: &Kernel,
    segments: &Segments,
    end: Time,
    out: &mut Sink<'_>,
) -> BTreeMap<ThreadId, Vec<(Time, Time)>> {
    /// What a thread's track shows, by start.
    enum Item {
        Run(Time, CpuId),
        Ready(Time),
        Wait(Time, kernel_sim::trace::WaitReason),
        /// A mark: its label and the trace position of its event.
        Mark(String, usize),
    }
    let mut items: BTreeMap<ThreadId, Vec<(Time, Item)>> = BTreeMap::new();
    for c in &k.core().cpus {
        for s in segments.lane(Lane::Cpu(c.id)) {
            if let Activity::Thread(t) = s.activity {
                let item = Item::Run(end_of(s, end), c.id);
                items.entry(t).or_default().push((s.start, item));
            }
        }
    }
    for t in &k.core().threads {
        for s in segments.lane(Lane::Thread(t.id)) {
            let item = match s.activity {
                Activity::Waiting(reason) => Item::Wait(end_of(s, end), reason),
                // A thread made ready and switched to at once has no wait to show.
                Activity::Ready if end_of(s, end) > s.start => Item::Ready(end_of(s, end)),
                _ => continue,
            };
            items.entry(t.id).or_default().push((s.start, item));
        }
    }
    let trace = k.trace();
    marks::each(k, trace, |m| {
        if let Track::Thread(t) = m.track {
            let item = Item::Mark(m.label, m.index);
            items.entry(t).or_default().push((m.time, item));
        }
    });
    let mut spans = BTreeMap::new();
    for (t, mut list) in items {
        // By start; the sort is stable, so marks at one instant keep their trace order.
        list.sort_by_key(|(from, _)| *from);
        let mut runs = Vec::new();
        for (from, item) in list {
            let tid = thread_tid(t);
            out.push(match item {
                Item::Run(to, cpu) => {
                    runs.push((from, to));
                    Record::span(format!("runs on {cpu}"), "thread", from, to, THREADS, tid)
                }
                Item::Ready(to) => Record::span(
                    "ready, waits for a CPU".to_string(),
                    "ready",
                    from,
                    to,
                    THREADS,
                    tid,
                ),
                Item::Wait(to, reason) => {
                    let name = format!("waits: {}", reason.short());
                    Record::span(name, "wait", from, to, THREADS, tid)
                }
                Item::Mark(label, index) => {
                    let what = k.explain(&trace[index]);
                    Record::instant(label, "object", from, THREADS, tid, what)
                }
            });
        }
        spans.insert(t, runs);
    }
    spans
}

/// Device transfers and interrupt line states.
fn device_and_line_spans(segments: &Segments, end: Time, out: &mut Sink<'_>) {
    for lane in segments.lanes() {
        for s in segments.lane(lane) {
            let to = end_of(s, end);
            match (lane, s.activity) {
                (Lane::Device(d), Activity::Transfer(irp)) => out.push(Record::span(
                    format!("transfer {irp}"),
                    "device",
                    s.start,
                    to,
                    DEVICES,
                    device_tid(d),
                )),
                (Lane::Line(irq), Activity::Raised) => out.push(Record::span(
                    "raised",
                    "line",
                    s.start,
                    to,
                    LINES,
                    u32::from(irq.0),
                )),
                (Lane::Line(irq), Activity::InService(cpu)) => out.push(Record::span(
                    format!("in service on {cpu}"),
                    "line",
                    s.start,
                    to,
                    LINES,
                    u32::from(irq.0),
                )),
                _ => {}
            }
        }
    }
}

/// The marks on driver and device tracks (a thread's are on its track already): a
/// driver's moments with an IRP as zero-length spans, a device's own events as instants;
/// each says its sentence.
fn marks(k: &Kernel, trace: &[TraceEvent], out: &mut Sink<'_>) {
    marks::each(k, trace, |m| {
        if let Track::Thread(_) = m.track {
            return;
        }
        let what = k.explain(&trace[m.index]);
        let record = match m.track {
            Track::Driver(d) => Record {
                args: Some(json!({ "what": what })),
                ..Record::span(m.label, "driver", m.time, m.time, DRIVERS, driver_tid(d))
            },
            Track::Thread(_) => unreachable!("on the thread's track already"),
            Track::Device(d) => Record::instant(
                m.label,
                "device",
                m.time,
                DEVICES,
                device_events_tid(d),
                what,
            ),
        };
        out.push(record);
    });
}

/// IRP lifetimes on the IRP tracks, and a flow arrow along each IRP's path.
fn irps(
    k: &Kernel,
    trace: &[TraceEvent],
    runs: &BTreeMap<ThreadId, Vec<(Time, Time)>>,
    out: &mut Sink<'_>,
) {
    let paths = super::irps::paths(trace);
    let running = |t: ThreadId, at: Time| {
        runs.get(&t).is_some_and(|list| {
            let i = list.partition_point(|&(_, to)| to < at);
            list.get(i).is_some_and(|&(from, _)| from <= at)
        })
    };
    for p in &paths {
        let (irp, (from, thread), to) = (p.irp, p.created, p.end);
        let mut span = Record::span(
            format!("{irp} {}", p.major),
            "irp",
            from,
            to,
            IRPS,
            p.row as u32 + 1,
        );
        // The kernel's own requests have no thread: their flow starts at the driver.
        let by = thread.map_or("the kernel", |t| k.thread_name(t));
        span.args = Some(json!({ "thread": by }));
        out.push(span);
        // The flow: call → driver → device → interrupt → DPC → delivery.
        let mut points: Vec<_> = thread
            .map(|t| (from, THREADS, thread_tid(t)))
            .into_iter()
            .collect();
        if let Some((t, d)) = p.dispatched {
            // It goes first to the top of the device's stack.
            let top = k.core().stacks[d.0 as usize][0];
            points.push((t, DRIVERS, driver_tid(top)));
        }
        if let Some((t, d)) = p.transfer {
            points.push((t, DEVICES, device_tid(d)));
        }
        if let Some((t, c)) = p.isr {
            points.push((t, CPUS, cpu_tid(c)));
        }
        if let Some((t, c)) = p.completed {
            points.push((t, CPUS, cpu_tid(c)));
        }
        let last = p.delivered.map(|(t, th)| (t, th, running(th, t)));
        if points.len() < 2 && last.is_none() {
            continue;
        }
        let n = points.len();
        for (i, &(t, pid, tid)) in points.iter().enumerate() {
            let ph = if i == 0 {
                "s"
            } else if i + 1 == n && last.is_none() {
                "f"
            } else {
                "t"
            };
            out.push(Record {
                cat: Some("irp"),
                id: Some(irp.0),
                bp: Some("e"),
                ..Record::new(format!("{irp}"), ph, t, pid, tid)
            });
        }
        if let Some((t, th, enclosed)) = last {
            out.push(Record {
                cat: Some("irp"),
                id: Some(irp.0),
                // Delivered while the thread waited: the arrow ends on its next run.
                bp: enclosed.then_some("e"),
                ..Record::new(format!("{irp}"), "f", t, THREADS, thread_tid(th))
            });
        }
    }
    let rows = paths.iter().map(|p| p.row + 1).max().unwrap_or(0);
    for i in 0..rows {
        let tid = i as u32 + 1;
        out.push(Record::meta(
            "thread_name",
            IRPS,
            tid,
            json!({ "name": format!("IRPs {tid}") }),
        ));
        out.push(Record::meta(
            "thread_sort_index",
            IRPS,
            tid,
            json!({ "sort_index": tid }),
        ));
    }
}

/// Ring occupancy and queue length per device, and queued packets per port.
fn counters(k: &Kernel, trace: &[TraceEvent], out: &mut Sink<'_>) {
    let mut ring: BTreeMap<DeviceId, u64> = BTreeMap::new();
    let mut queue: BTreeMap<DeviceId, u64> = BTreeMap::new();
    let mut packets: BTreeMap<u32, u64> = BTreeMap::new();
    for e in trace {
        match e.what {
            What::Device { device, kind, .. } if kind.ring_delta != 0 => {
                let n = ring.entry(device).or_default();
                *n = n.saturating_add_signed(i64::from(kind.ring_delta));
                let name = format!("{} ring slots in use", k.device_name(device));
                out.push(Record::counter(name, e.time, DEVICES, "slots", *n));
            }
            What::IrpQueued {
                device, queue_len, ..
            } => {
                queue.insert(device, u64::from(queue_len));
                let name = format!("{} driver queue", k.device_name(device));
                out.push(Record::counter(
                    name,
                    e.time,
                    DRIVERS,
                    "IRPs",
                    u64::from(queue_len),
                ));
            }
            What::IrpStarted { device, .. } => {
                let n = queue.entry(device).or_default();
                *n = n.saturating_sub(1);
                let name = format!("{} driver queue", k.device_name(device));
                out.push(Record::counter(name, e.time, DRIVERS, "IRPs", *n));
            }
            What::PacketQueued {
                port, queue_len, ..
            } => {
                packets.insert(port.0, u64::from(queue_len));
                out.push(Record::counter(
                    format!("{port} packets"),
                    e.time,
                    PORTS,
                    "packets",
                    u64::from(queue_len),
                ));
            }
            What::PacketDequeued { port, .. } => {
                let n = packets.entry(port.0).or_default();
                *n = n.saturating_sub(1);
                out.push(Record::counter(
                    format!("{port} packets"),
                    e.time,
                    PORTS,
                    "packets",
                    *n,
                ));
            }
            _ => {}
        }
    }
}
