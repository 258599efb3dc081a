//! What one frame shows, captured from the session by the simulation thread and sent to
//! the screen. Every pane's lines come from the one kernel state and the one trace at the
//! current step, so the panes always agree; the screen only lays them out.

use crate::checks::CheckLine;
use crate::detail::DetailView;
use crate::hint::look_next;
use crate::predict::Question;
use crate::timeline::Timeline;
use kernel_sim::cpu::FrameKind;
use kernel_sim::intr::LineState;
use kernel_sim::io::IrpState;
use kernel_sim::session::Session;
use kernel_sim::thread::ThreadState;
use kernel_sim::trace::format_time_scaled;
use kernel_sim::{DeviceId, IrpId, Kernel, SlotView, ThreadId, Time, TraceEvent, What};

/// What the screen asks to see besides the panes every frame has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lens {
    /// The overlay open over the panes, if any.
    pub detail: Option<Detail>,
    /// How many of the timeline's widths wider (positive) or narrower than the one that
    /// follows the steps ([`crate::timeline`]).
    pub zoom: i8,
    /// The overlay's first line to send, and how many rows it showed when last drawn (0
    /// before it was): only a window of its lines is written and sent, so a thread's
    /// history of a million events costs no more than one of ten.
    pub from: usize,
    pub rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Irp(IrpId),
    Thread(ThreadId),
}

/// One selectable row of a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<Id> {
    pub id: Id,
    pub text: String,
}

/// Everything one frame shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    /// How many commands the simulation had answered when it captured this view.
    pub answered: u64,
    pub step: u64,
    /// Steps explored so far, and the run's length once known.
    pub known: u64,
    pub total: Option<u64>,
    /// Why the run ended early (cut at the event limit, or stopped by the kernel).
    pub stopped: Option<&'static str>,
    pub now: Time,
    pub cpus: Vec<String>,
    pub threads: Vec<Row<ThreadId>>,
    /// IRPs in flight in id order, then the most recently finished.
    pub irps: Vec<Row<IrpId>>,
    pub devices: Vec<String>,
    /// Whether the devices have DMA rings, and buffers (a pipe's), for the pane's title.
    pub has_rings: bool,
    pub has_buffers: bool,
    pub lines_and_ports: Vec<String>,
    /// Whether the machine has interrupt lines (a pipe device has none).
    pub has_lines: bool,
    /// Whether the scenario has completion ports (their pane shares the lines' pane).
    pub has_ports: bool,
    /// Whether it has events or semaphores (listed in that pane too).
    pub has_objects: bool,
    /// The current step's events, explained.
    pub narration: Vec<String>,
    /// Where to look next.
    pub hint: Option<String>,
    pub timeline: Timeline,
    /// The overlay asked for by the lens: a window of its lines.
    pub detail: Option<DetailView>,
    /// At the run's last step: what the whole run did, in a few lines.
    pub summary: Vec<String>,
    /// The answer to the last command, when it has one ("not found", ...).
    pub message: Option<String>,
    /// The scenario's expectations at this step, when it states some (filled in by the
    /// simulation thread's checker, not by [`View::capture`]).
    pub checks: Vec<CheckLine>,
    /// The question about the next step the screen asked for (predict mode), if it did
    /// with the command this view answers.
    pub question: Option<Question>,
}

/// How many finished IRPs the IRP table keeps after the live ones.
const RECENT_IRPS: usize = 3;

/// How far back the IRP table looks for finished IRPs, in trace events.
const RECENT_LOOKBACK: usize = 20_000;

impl View {
    pub fn capture(session: &Session, lens: &Lens) -> View {
        let k = session.kernel();
        let step = session.last_range();
        View {
            answered: 0,
            step: session.step(),
            known: session.known(),
            total: session.total(),
            stopped: session.stopped(),
            now: k.now(),
            cpus: cpu_lines(k),
            threads: thread_rows(k),
            irps: irp_rows(k, session.trace(), step.start),
            devices: device_lines(k),
            has_rings: views(k).any(|v| !v.rings.is_empty()),
            has_buffers: views(k).any(|v| !v.buffers.is_empty()),
            lines_and_ports: line_and_port_lines(k),
            has_lines: !k.core().lines.is_empty(),
            has_ports: !k.core().ports.is_empty(),
            has_objects: !k.core().event_objects.is_empty() || !k.core().semaphores.is_empty(),
            narration: step.clone().map(|i| session.narrate(i)).collect(),
            hint: look_next(k, session.trace(), step.start).map(str::to_string),
            timeline: Timeline::capture(session, lens.zoom),
            detail: lens.detail.map(|d| DetailView::capture(session, d, lens)),
            summary: if session.total() == Some(session.step()) {
                summary_lines(&k.summary())
            } else {
                Vec::new()
            },
            message: None,
            checks: Vec::new(),
            question: None,
        }
    }
}

impl View {
    /// The title of the devices' pane: what it shows besides the devices and drivers.
    pub fn devices_title(&self) -> &'static str {
        match (self.has_rings, self.has_buffers) {
            (true, true) => "Devices and drivers · DMA rings · buffers",
            (true, false) => "Devices and drivers · DMA rings",
            (false, true) => "Devices and drivers · buffers",
            (false, false) => "Devices and drivers",
        }
    }

    /// The title of the pane beside the devices: what it lists.
    pub fn side_title(&self) -> String {
        let parts: Vec<&str> = [
            (self.has_lines, "Interrupt lines"),
            (self.has_ports, "ports"),
            (self.has_objects, "objects"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect();
        let title = parts.join(" · ");
        let mut chars = title.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => title,
        }
    }
}

/// Every device's view, in id order.
fn views(k: &Kernel) -> impl Iterator<Item = kernel_sim::DeviceView> + '_ {
    (0..k.core().device_names.len()).map(|d| k.device_view(DeviceId(d as u16)))
}

fn cpu_lines(k: &Kernel) -> Vec<String> {
    k.core()
        .cpus
        .iter()
        .map(|c| {
            let what = match c.top() {
                None => "idle".to_string(),
                Some(FrameKind::Thread { thread }) => k.thread_name(thread).to_string(),
                Some(FrameKind::Switch { to, .. }) => format!("switch→{}", k.thread_name(to)),
                Some(FrameKind::Isr { device, .. }) => format!("ISR {}", k.device_name(device)),
                Some(FrameKind::Clock) => "clock ISR".into(),
                Some(FrameKind::Dpc { device } | FrameKind::DpcTail { device }) => {
                    format!("DPC {}", k.device_name(device))
                }
            };
            format!("{} {what:<9} {}", c.id, c.irql().name())
        })
        .collect()
}

/// A thread's state in a few words; a wait says what for (and which objects).
pub(crate) fn thread_state(k: &Kernel, t: &kernel_sim::thread::Thread) -> String {
    match t.state {
        ThreadState::NotStarted => "not started".to_string(),
        ThreadState::Ready => "ready".into(),
        ThreadState::Running { cpu } => format!("running {cpu}"),
        ThreadState::Waiting { reason, alertable } => {
            // The objects it waits on say more than the word "objects", in less room.
            let on = if t.wait_objects.is_empty() {
                format!(": {}", reason.short())
            } else {
                let names: Vec<String> =
                    t.wait_objects.iter().map(|&o| object_name(k, o)).collect();
                // For several objects, whether it wants all of them or any one.
                match (names.len(), t.waits_for_all()) {
                    (1, _) => format!(": {}", names.join(" ")),
                    (_, Some(true)) => format!(" all: {}", names.join(" ")),
                    _ => format!(" any: {}", names.join(" ")),
                }
            };
            let alertable = if alertable { " (alertable)" } else { "" };
            format!("waits{on}{alertable}")
        }
        ThreadState::Terminated => "exited".into(),
    }
}

/// An object's short name, as the scenario gave it.
fn object_name(k: &Kernel, object: kernel_sim::io::Object) -> String {
    use kernel_sim::io::Object;
    let core = k.core();
    match object {
        Object::Event(e) => core.event_objects[e.0 as usize].name.clone(),
        Object::Semaphore(s) => core.semaphores[s.0 as usize].name.clone(),
        Object::Thread(t) => format!("thread {}", k.thread_name(t)),
        Object::File(fo) => fo.to_string(),
        Object::Port(p) => k.port_name(p).to_string(),
    }
}

fn thread_rows(k: &Kernel) -> Vec<Row<ThreadId>> {
    // Names padded to the longest, so the states line up in no more room than needed.
    let pad = k
        .core()
        .threads
        .iter()
        .map(|t| t.name.chars().count())
        .max();
    let pad = pad.unwrap_or(0);
    k.core()
        .threads
        .iter()
        .map(|t| {
            // The APC queue in the order it will run: which IRP, which routine.
            let apcs = if t.apcs.is_empty() {
                String::new()
            } else {
                let queue: Vec<String> = t
                    .apcs
                    .iter()
                    .map(|a| {
                        let routine = k.routine_name(t.id, a.routine);
                        match a.irp {
                            Some(irp) => format!("{irp}→{routine}"),
                            // Queued with QueueUserAPC: a routine, no request.
                            None => format!("user→{routine}"),
                        }
                    })
                    .collect();
                format!(" APCs[{}]: {}", t.apcs.len(), queue.join(" "))
            };
            Row {
                id: t.id,
                text: format!("{:<pad$} {}{apcs}", t.name, thread_state(k, t)),
            }
        })
        .collect()
}

/// An IRP's state in a word or two.
pub(crate) fn state_words(state: IrpState) -> &'static str {
    match state {
        IrpState::Created => "new",
        IrpState::Dispatched => "in dispatch",
        IrpState::Queued => "queued",
        IrpState::InDevice => "in device",
        IrpState::Held => "held",
        IrpState::Completed => "completed",
    }
}

/// The IRP table: the IRPs in flight in id order, then finished ones, newest first: the
/// last `RECENT_IRPS` to complete, and any the current step's events (`trace[from..]`)
/// name, so that an IRP the step is about can always be selected.
pub fn irp_rows(k: &Kernel, trace: &[TraceEvent], from: usize) -> Vec<Row<IrpId>> {
    let core = k.core();
    let mut rows: Vec<Row<IrpId>> = core
        .irps
        .values()
        .map(|irp| {
            let file = core.file_objects[irp.file_object.0 as usize].file;
            let loc = irp.location();
            // What matters first, as a narrow pane cuts the end: which driver of a stack
            // of several holds it, its state, whether its cancel was asked for; then the
            // file, and the device when the machine has several.
            let at = if irp.stack.len() > 1 {
                format!("at {}, ", k.driver_name(loc.driver))
            } else {
                String::new()
            };
            let cancel = if irp.cancel { ", cancel asked" } else { "" };
            let device = if core.device_names.len() > 1 {
                format!(" @{}", k.device_name(loc.device))
            } else {
                String::new()
            };
            Row {
                id: irp.id,
                text: format!(
                    "{} {} {at}{}{cancel} · {}{device}",
                    irp.id,
                    irp.major.name(),
                    state_words(irp.state),
                    k.file_name(file),
                ),
            }
        })
        .collect();
    // Finished IRPs have left the kernel; the trace still knows how they ended.
    let mut named: Vec<IrpId> = trace[from..]
        .iter()
        .filter_map(|e| e.what.irp())
        .filter(|irp| !core.irps.contains_key(irp))
        .collect();
    let mut recent = 0;
    for e in trace.iter().rev().take(RECENT_LOOKBACK) {
        if recent >= RECENT_IRPS && named.is_empty() {
            break;
        }
        if let What::IrpCompleted {
            irp, status, bytes, ..
        } = e.what
            && !core.irps.contains_key(&irp)
        {
            let was_named = named.contains(&irp);
            named.retain(|&n| n != irp);
            if was_named || recent < RECENT_IRPS {
                recent += 1;
                rows.push(Row {
                    id: irp,
                    text: format!("{irp} done: {status:?}, {bytes} bytes"),
                });
            }
        }
    }
    rows
}

fn device_lines(k: &Kernel) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rings = false;
    let mut places = None;
    for d in 0..k.core().device_names.len() {
        let id = DeviceId(d as u16);
        let v = k.device_view(id);
        let name = k.device_name(id);
        // The state that explains the queue's order first (a disk's head), then the
        // queue and the rings; what the device has done so far comes last. At 80x24 a
        // disk's head, queue and ring show.
        lines.extend(v.registers.iter().map(|(n, value)| format!("{n}: {value}")));
        for q in &v.queues {
            // The count first: a narrow pane cuts the end of the line, not the number.
            lines.push(if q.first.is_empty() {
                format!("{name} {} ({}): empty", q.name, q.policy)
            } else {
                // Each request with its place when the device says where they lie.
                let ids: Vec<String> = if q.places.len() == q.first.len() {
                    places = Some(q.place);
                    q.first
                        .iter()
                        .zip(&q.places)
                        .map(|(i, at)| format!("{i}@{at}"))
                        .collect()
                } else {
                    q.first.iter().map(|i| i.to_string()).collect()
                };
                // A long queue lists only its first IRPs.
                let more = if q.len > ids.len() {
                    format!(" (+{} more)", q.len - ids.len())
                } else {
                    String::new()
                };
                format!(
                    "{name} {} ({}, {} waiting): {}{more}",
                    q.name,
                    q.policy,
                    q.len,
                    ids.join(" ")
                )
            });
        }
        for r in &v.rings {
            rings = true;
            let slots: String = r
                .slots
                .iter()
                .map(|s| match s {
                    SlotView::Free => "[ ]",
                    SlotView::Device(_) => "[d]",
                    SlotView::Driver(_) => "[R]",
                })
                .collect();
            lines.push(format!("{slots} head {} tail {}", r.head, r.tail));
        }
        for b in &v.buffers {
            // Ten cells of fill: enough to see full, empty and in between.
            let cells = (b.used * 10).div_ceil(b.capacity.max(1)).min(10) as usize;
            lines.push(format!(
                "{} [{}{}] {}/{} bytes, {}",
                b.name,
                "#".repeat(cells),
                ".".repeat(10 - cells),
                b.used,
                b.capacity,
                b.state
            ));
        }
        lines.extend(v.counters.iter().map(|(n, value)| format!("{n}: {value}")));
    }
    if let Some(place) = places {
        lines.push(format!("IRPn@t: the request starts on {place} t"));
    }
    if rings {
        lines.push("d: the device owns the slot · R: done, to reap".into());
    }
    lines
}

fn line_and_port_lines(k: &Kernel) -> Vec<String> {
    let core = k.core();
    let mut lines: Vec<String> = core
        .lines
        .values()
        .map(|l| {
            let state = match l.state {
                LineState::Idle => "□ idle".to_string(),
                LineState::Raised => "■ raised".into(),
                LineState::InService { cpu } => format!("■ in service {cpu}"),
            };
            format!("{} {} {state}", l.irq, k.device_name(l.device))
        })
        .collect();
    for p in &core.ports {
        let waiters: Vec<&str> = p.waiters.iter().rev().map(|t| k.thread_name(*t)).collect();
        lines.push(format!(
            "port {} run {}/{} pkts {}",
            k.port_name(p.id),
            p.running,
            p.concurrency,
            p.packets.len()
        ));
        lines.push(if waiters.is_empty() {
            " waiters: none".to_string()
        } else {
            format!(" waiters (next first): {}", waiters.join(" "))
        });
    }
    // Kernel objects threads wait on: signalled or not, and who waits.
    let waiters = |list: &[ThreadId]| {
        let names: Vec<&str> = list.iter().map(|t| k.thread_name(*t)).collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(" waiters: {}", names.join(" "))
        }
    };
    for e in &core.event_objects {
        if e.refs == 0 {
            continue;
        }
        let mark = if e.signalled { "■ signalled" } else { "□" };
        let kind = if e.manual_reset { "manual" } else { "auto" };
        lines.push(format!(
            "event {} ({kind}) {mark}{}",
            e.name,
            waiters(&e.waiters)
        ));
    }
    for s in &core.semaphores {
        if s.refs == 0 {
            continue;
        }
        lines.push(format!(
            "semaphore {} {}/{}{}",
            s.name,
            s.count,
            s.max,
            waiters(&s.waiters)
        ));
    }
    lines
}

/// The run's figures, for its last step: what it did in all, and a disk's seeking, the
/// cost the disk scenarios are about.
fn summary_lines(s: &kernel_sim::Summary) -> Vec<String> {
    let c = &s.counters;
    // "1 DPC", "2 DPCs"; "switch" takes "es".
    let n = |count: u64, what: &str| {
        let plural = if what.ends_with("ch") { "es" } else { "s" };
        let what = if count == 1 {
            what.to_string()
        } else {
            format!("{what}{plural}")
        };
        format!("{count} {what}")
    };
    let mut lines = vec![format!(
        "In all: {} ({} completed), {} ({} more coalesced), {}, {}, {} run ({} \
         discarded), {} queued and {} taken, {}, over {}.",
        n(c.irps_issued, "IRP"),
        c.irps_completed,
        n(c.device_interrupts, "device interrupt"),
        c.interrupts_coalesced,
        n(c.clock_interrupts, "clock interrupt"),
        n(c.dpcs, "DPC"),
        n(c.apcs_run, "APC"),
        c.apcs_discarded,
        n(c.packets_queued, "completion packet"),
        c.packets_dequeued,
        n(c.context_switches, "context switch"),
        format_time_scaled(s.sim_time_ns),
    )];
    for (device, figures) in &s.devices {
        if let (Some(&seek), Some(&tracks)) = (figures.get("seek_ns"), figures.get("tracks_moved"))
        {
            let requests = figures.get("requests").copied().unwrap_or(0);
            lines.push(format!(
                "{device} served {} and spent {} seeking, over {} in total.",
                n(requests, "request"),
                format_time_scaled(seek),
                n(tracks, "track")
            ));
        }
    }
    if !s.threads_blocked_at_end.is_empty() {
        lines.push(format!(
            "Still waiting when nothing was left to happen: {}.",
            s.threads_blocked_at_end.join(", ")
        ));
    }
    lines
}
