//! A static SVG timeline of a run, sized for a slide: the lanes of the Chrome trace (a
//! lane per CPU, thread, driver of each device's stack, device and interrupt line, and
//! rows of IRP lifetimes), the spans `kernel_sim::trace::segments` rebuilds from the
//! trace (threads' runs, ready periods and waits among them), the marks of
//! [`super::marks`] (what each driver did with an IRP, what a thread did to objects and
//! handles), a time axis and a legend.
//!
//! Each thread's runs wear its colour, the one the walkthrough gives it
//! ([`tui::palette`]), on its own lane and on the CPUs'; its ready periods are a pale
//! wash of it, and its waits grey.
//!
//! A long run is shown through a window of simulated time rather than squeezed: by
//! default the first [`DEFAULT_WINDOW`] ns, and the title says what part of the run it
//! is. Spans narrower than a pixel are drawn a pixel wide, so even a short ISR shows.

use super::irps;
use super::marks::{self, Track};
use kernel_sim::trace::segments::{Activity, Lane, Segment, Segments};
use kernel_sim::trace::{format_time, format_time_short};
use kernel_sim::{CpuId, DeviceId, Kernel, ThreadId, Time, TraceEvent};
use std::collections::BTreeMap;
use std::fmt::Write;
use tui::palette::thread_hex;
use tui::timeline::{format_range, in_unit, unit_of};

/// The window shown when none is asked for: a few disk accesses.
pub const DEFAULT_WINDOW: Time = 20_000_000;

const WIDTH: f64 = 1280.0;
/// Room for a lane's label: a driver's is "disk0: checksum filter".
const LABEL: f64 = 200.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 70.0;
const LANE: f64 = 30.0;
const BAR: f64 = 20.0;

/// The latest time `--from` and `--to` accept: the whole seconds a run's clock can count
/// (it counts nanoseconds in 64 bits), so a larger value is refused rather than cut
/// down to fit.
pub const LATEST_TIME: Time = u64::MAX / 1_000_000_000 * 1_000_000_000;

/// The part of the run to draw, in ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Time,
    pub to: Time,
}

/// Why a window cannot be drawn: it would be empty or reach past the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// `--to` is not after `--from` (`None`: not given, so the run's start).
    #[error("--to {} must come after {}", format_time_exact(*to), match from {
        Some(from) => format!("--from {}", format_time_exact(*from)),
        None => "the run's start, where the window begins without --from".to_string(),
    })]
    Empty { from: Option<Time>, to: Time },
    /// `--from` is at or after the run's last event: the picture would be empty.
    #[error("--from {} is not before the run's end: the run lasts {}", format_time_exact(*from), format_time_exact(*run_end))]
    FromPastEnd { from: Time, run_end: Time },
    /// `--to` is after the run's last event.
    #[error(
        "--to {} is past the run's end: the run lasts {} (leave --to out to draw up to the end)",
        format_time_exact(*to),
        format_time_exact(*run_end)
    )]
    ToPastEnd { to: Time, run_end: Time },
}

/// A time for a message: short, and exact in nanoseconds when the short form rounds.
pub fn format_time_exact(ns: Time) -> String {
    let short = format_time_short(ns);
    if kernel_sim::trace::parse_time(&short) == Some(ns) {
        short
    } else {
        format!("{short} ({ns} ns)")
    }
}

impl Window {
    /// Checks `--from` and `--to` as given, before any run: `--to` must come after
    /// `--from` (which defaults to the run's start).
    pub fn check_order(from: Option<Time>, to: Option<Time>) -> Result<(), WindowError> {
        match to {
            Some(to) if to <= from.unwrap_or(0) => Err(WindowError::Empty { from, to }),
            _ => Ok(()),
        }
    }

    /// `from`..`to` as asked, or from `from` for [`DEFAULT_WINDOW`] (cut at the run's
    /// end). A window that would show nothing of the run, or reach past it, is refused.
    pub fn choose(
        from: Option<Time>,
        to: Option<Time>,
        run_end: Time,
    ) -> Result<Window, WindowError> {
        Self::check_order(from, to)?;
        if let Some(from) = from
            && from >= run_end
        {
            return Err(WindowError::FromPastEnd { from, run_end });
        }
        if let Some(to) = to
            && to > run_end
        {
            return Err(WindowError::ToPastEnd { to, run_end });
        }
        let from = from.unwrap_or(0);
        let to = to.unwrap_or_else(|| from.saturating_add(DEFAULT_WINDOW).min(run_end));
        Ok(Window {
            from,
            // A run whose every event is at time 0 still gets a window 1 ns wide.
            to: to.max(from + 1),
        })
    }
}

/// The kinds of span, in legend order, with their colours.
const KINDS: [(&str, &str); 14] = [
    // No colour of their own: each thread's is its palette colour (see `fill`).
    ("thread runs", ""),
    ("context switch", "#9c9c9c"),
    ("ISR", "#e15759"),
    ("clock ISR", "#b07aa1"),
    ("DPC", "#f28e2b"),
    ("device transfer", "#55677a"),
    ("line raised", "#ff9da7"),
    ("line in service", "#c0392b"),
    ("thread waits", "#c9d3df"),
    ("thread ready", ""),
    ("driver at work", "#76b7b2"),
    ("object, handle or failed call", "#8c6bb1"),
    ("device event", "#2b3440"),
    ("IRP lifetime", "#edc948"),
];

const RUNS: usize = 0;
/// A thread's wait, light enough for dark text.
const WAIT: usize = 8;
const READY: usize = 9;
/// Indexes into [`KINDS`] for the spans that are not segments.
const DRIVER: usize = 10;
const THREAD_MARK: usize = 11;
const DEVICE_MARK: usize = 12;
const IRP: usize = 13;

/// How strongly a ready period shows its thread's colour: pale enough for dark text and
/// to tell from a run at a glance.
const READY_OPACITY: f64 = 0.35;

/// How many of the palette's colours the legend's "thread runs" swatch shows.
const SWATCH_THREADS: u32 = 3;

/// The most IRP rows drawn; more IRPs in flight at once are counted, not drawn.
const MAX_IRP_ROWS: usize = 8;

fn kind(activity: Activity) -> usize {
    match activity {
        Activity::Thread(_) => RUNS,
        Activity::Switch { .. } => 1,
        Activity::Isr(_) => 2,
        Activity::Clock => 3,
        Activity::Dpc(_) => 4,
        Activity::Transfer(_) => 5,
        Activity::Raised => 6,
        Activity::InService(_) => 7,
        Activity::Waiting(_) => WAIT,
        Activity::Ready => READY,
    }
}

/// A span's fill: its thread's colour for a run or a ready period (drawn pale, at
/// [`READY_OPACITY`]), else its kind's.
fn fill(kind: usize, thread: Option<ThreadId>) -> String {
    if matches!(kind, RUNS | READY) {
        thread_hex(thread.expect("a thread's run or ready period names its thread"))
    } else {
        KINDS[kind].1.to_string()
    }
}

/// One drawn row: its label and its spans.
struct Row {
    label: String,
    spans: Vec<Span>,
}

/// One bar: from, to, its kind (an index into [`KINDS`]), the text inside, and the
/// thread whose colour it wears, if any.
struct Span {
    from: Time,
    to: Time,
    kind: usize,
    text: String,
    thread: Option<ThreadId>,
}

impl Span {
    fn new(from: Time, to: Time, kind: usize, text: String) -> Self {
        Span {
            from,
            to,
            kind,
            text,
            thread: None,
        }
    }
}

/// The SVG of `kernel`'s finished run over `window`.
pub fn render(kernel: &Kernel, scenario: &str, seed: u64, window: Window) -> String {
    let trace = kernel.trace();
    let run_end = trace.last().map_or(0, |e| e.time);
    let segments = Segments::from_trace(trace);
    let mut rows = rows(kernel, &segments, run_end, window);
    rows.extend(irp_rows(trace, window));
    let height = TOP + rows.len() as f64 * LANE + 68.0 + 22.0 * legend_lines() as f64;
    let x = |t: Time| {
        let span = (window.to - window.from) as f64;
        LABEL
            + (t.clamp(window.from, window.to) - window.from) as f64 / span
                * (WIDTH - LABEL - RIGHT)
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let whole = if window.from == 0 && window.to >= run_end {
        "the whole run".to_string()
    } else {
        let (unit, name) = unit_of(run_end.max(1));
        format!("of a run of {} {name}", in_unit(run_end, unit))
    };
    let _ = writeln!(
        s,
        r#"<text x="20" y="34" font-size="22" font-weight="bold">{} (seed {seed})</text>"#,
        escape(scenario)
    );
    let _ = writeln!(
        s,
        r##"<text x="20" y="56" font-size="14" fill="#555">{}, {whole}</text>"##,
        format_range(window.from, window.to)
    );
    let bottom = TOP + rows.len() as f64 * LANE;
    for (i, _) in rows.iter().enumerate() {
        let y = TOP + i as f64 * LANE;
        if i % 2 == 0 {
            let _ = writeln!(
                s,
                r##"<rect x="0" y="{y:.1}" width="{WIDTH}" height="{LANE}" fill="#f4f4f4"/>"##
            );
        }
    }
    let ticks = ticks(window);
    for &t in &ticks {
        let tx = x(t);
        let _ = writeln!(
            s,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{:.1}" stroke="#ddd"/>"##,
            bottom + 5.0
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + i as f64 * LANE;
        let _ = writeln!(
            s,
            r#"<text x="20" y="{:.1}" font-size="14">{}</text>"#,
            y + LANE / 2.0 + 5.0,
            escape(&row.label)
        );
        for span in &row.spans {
            let (from, to, k, text) = (span.from, span.to, span.kind, &span.text);
            // A thread that held the CPU, or stood ready, for no time between two
            // other things says nothing on a slide.
            if from == to && matches!(k, RUNS | READY) {
                continue;
            }
            let (x0, x1) = (x(from), x(to));
            // Instants still show: a mark as a tick, anything else a hairline.
            let tick = matches!(k, DRIVER | THREAD_MARK | DEVICE_MARK);
            let w = (x1 - x0).max(if tick { 2.0 } else { 1.0 });
            let opacity = if k == READY {
                format!(r#" fill-opacity="{READY_OPACITY}""#)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{w:.1}" height="{BAR}" fill="{}"{opacity}><title>{} {}: {}–{}</title></rect>"#,
                y + (LANE - BAR) / 2.0,
                fill(k, span.thread),
                KINDS[k].0,
                // A ready period's bar says "ready"; its tooltip says whose it is.
                escape(match span.thread {
                    Some(t) if k == READY => kernel.thread_name(t),
                    _ => text,
                }),
                format_time(from),
                format_time(to)
            );
            // A label only where it fits (about 7 px a character at this size).
            if !text.is_empty() && w > 7.0 * text.chars().count() as f64 + 6.0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="12" fill="{}">{}</text>"#,
                    x0 + 3.0,
                    y + LANE / 2.0 + 4.0,
                    // Dark text on the light colours.
                    if matches!(k, IRP | WAIT | READY) {
                        "#222"
                    } else {
                        "white"
                    },
                    escape(text)
                );
            }
        }
    }
    axis(&mut s, &ticks, bottom, &x);
    legend(&mut s, height - 2.0 - 22.0 * legend_lines() as f64);
    s.push_str("</svg>\n");
    s
}

/// The lanes: CPUs, threads, devices, interrupt lines, each with the spans that touch
/// the window, then the IRPs'.
fn rows(k: &Kernel, segments: &Segments, run_end: Time, window: Window) -> Vec<Row> {
    let core = k.core();
    let in_window = |lane: Lane| -> Vec<(Time, Time, Activity)> {
        let all = segments.lane(lane);
        all[segments.first_ending_after(lane, window.from)..]
            .iter()
            .take_while(|s| s.start <= window.to)
            .map(|s: &Segment| (s.start, s.end.map_or(run_end, |(t, _)| t), s.activity))
            .collect()
    };
    let span = |(a, b, act): (Time, Time, Activity)| {
        let text = match act {
            Activity::Thread(t) => k.thread_name(t).to_string(),
            Activity::Isr(_) => "ISR".into(),
            Activity::Dpc(_) => "DPC".into(),
            Activity::Transfer(irp) => irp.to_string(),
            Activity::Waiting(reason) => format!("waits: {}", reason.short()),
            Activity::Ready => "ready".into(),
            _ => String::new(),
        };
        let thread = match act {
            Activity::Thread(t) => Some(t),
            _ => None,
        };
        Span {
            thread,
            ..Span::new(a, b, kind(act), text)
        }
    };
    let mut rows = Vec::new();
    let mut runs: BTreeMap<ThreadId, Vec<Span>> = BTreeMap::new();
    for c in 0..core.cpus.len() {
        let cpu = CpuId(c as u16);
        let spans = in_window(Lane::Cpu(cpu));
        for &(a, b, act) in &spans {
            if let Activity::Thread(t) = act {
                runs.entry(t).or_default().push(Span {
                    thread: Some(t),
                    ..Span::new(a, b, RUNS, format!("on {cpu}"))
                });
            }
        }
        rows.push(Row {
            label: cpu.to_string(),
            spans: spans.into_iter().map(span).collect(),
        });
    }
    // The marks in the window, by track.
    let mut marked: BTreeMap<Track, Vec<Span>> = BTreeMap::new();
    marks::each(k, k.trace(), |m| {
        if (window.from..=window.to).contains(&m.time) {
            let kind = match m.track {
                Track::Driver(_) => DRIVER,
                Track::Thread(_) => THREAD_MARK,
                Track::Device(_) => DEVICE_MARK,
            };
            marked
                .entry(m.track)
                .or_default()
                .push(Span::new(m.time, m.time, kind, m.label));
        }
    });
    let mut take = |track: Track| marked.remove(&track).unwrap_or_default();
    for t in &core.threads {
        let mut spans = runs.remove(&t.id).unwrap_or_default();
        spans.extend(in_window(Lane::Thread(t.id)).into_iter().map(|s| Span {
            thread: Some(t.id),
            ..span(s)
        }));
        spans.extend(take(Track::Thread(t.id)));
        spans.sort_by_key(|s| s.from);
        rows.push(Row {
            label: format!("thread {}", t.name),
            spans,
        });
    }
    for (driver, label) in marks::driver_tracks(k) {
        rows.push(Row {
            label,
            spans: take(Track::Driver(driver)),
        });
    }
    for d in 0..core.device_names.len() {
        let id = DeviceId(d as u16);
        let mut spans: Vec<Span> = in_window(Lane::Device(id)).into_iter().map(span).collect();
        spans.extend(take(Track::Device(id)));
        spans.sort_by_key(|s| s.from);
        rows.push(Row {
            label: k.device_name(id).to_string(),
            spans,
        });
    }
    for l in core.lines.values() {
        rows.push(Row {
            label: format!("{} line", l.irq),
            spans: in_window(Lane::Line(l.irq))
                .into_iter()
                .map(|(a, b, act)| Span::new(a, b, kind(act), String::new()))
                .collect(),
        });
    }
    rows
}

/// IRP lifetimes that touch the window, on as few rows as they need (at most
/// [`MAX_IRP_ROWS`]; a last row counts the rest): the first row is labelled "IRPs in
/// flight", the rows below it hold those in flight at the same time.
fn irp_rows(trace: &[TraceEvent], window: Window) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut busy_until: Vec<Time> = Vec::new();
    let mut hidden = 0;
    for p in irps::paths(trace) {
        let (from, _) = p.created;
        if from > window.to || p.end < window.from {
            continue;
        }
        let row = match busy_until.iter().position(|&until| until <= from) {
            Some(row) => row,
            None if busy_until.len() < MAX_IRP_ROWS => {
                busy_until.push(0);
                rows.push(Row {
                    label: if rows.is_empty() {
                        "IRPs in flight".to_string()
                    } else {
                        "  more at once".to_string()
                    },
                    spans: Vec::new(),
                });
                busy_until.len() - 1
            }
            None => {
                hidden += 1;
                continue;
            }
        };
        busy_until[row] = p.end;
        rows[row].spans.push(Span::new(
            from,
            p.end,
            IRP,
            format!("{} {}", p.irp, p.major),
        ));
    }
    if hidden > 0 {
        let s = if hidden == 1 { "" } else { "s" };
        rows.push(Row {
            label: format!("{hidden} more IRP{s}, not drawn"),
            spans: Vec::new(),
        });
    }
    rows
}

/// Ticks at a round step (1, 2 or 5 times a power of ten) that gives at most 10 of them.
fn ticks(window: Window) -> Vec<Time> {
    let span = window.to - window.from;
    let step = (0..19)
        .flat_map(|power| [1, 2, 5].map(|m| m * 10u64.pow(power)))
        .find(|&step| span / step <= 10)
        .unwrap_or(span.max(1));
    let first = window.from.div_ceil(step) * step;
    (0..)
        .map(|i| first + i * step)
        .take_while(|&t| t <= window.to)
        .collect()
}

/// The axis line and the tick labels below the lanes.
fn axis(s: &mut String, ticks: &[Time], y: f64, x: &impl Fn(Time) -> f64) {
    let _ = writeln!(
        s,
        r##"<line x1="{LABEL}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#333"/>"##,
        WIDTH - RIGHT
    );
    let last = ticks.last().copied().unwrap_or(0);
    for &t in ticks {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
            x(t),
            y + 20.0,
            tick_label(t, last)
        );
    }
}

/// A tick's time in the unit the window's end calls for: "5.5 ms", "120 µs", "2 s".
fn tick_label(t: Time, window_end: Time) -> String {
    let (unit, name) = unit_of(window_end.max(1));
    format!("{} {name}", t as f64 / unit as f64)
}

/// The legend's entries, each with where it goes (left edge and line), wrapped to the
/// picture's width.
fn legend_layout() -> Vec<(f64, usize)> {
    let mut at = Vec::new();
    let (mut x, mut line) = (20.0, 0);
    for (name, _) in KINDS {
        let w = 19.0 + 8.0 * name.len() as f64 + 18.0;
        if x + w > WIDTH && x > 20.0 {
            (x, line) = (20.0, line + 1);
        }
        at.push((x, line));
        x += w;
    }
    at
}

/// Lines the legend takes.
fn legend_lines() -> usize {
    legend_layout().last().map_or(0, |&(_, line)| line + 1)
}

/// The legend: a swatch and a name per kind; the threads' kinds show the first few
/// threads' colours side by side, as each thread wears its own.
fn legend(s: &mut String, y: f64) {
    for (k, ((name, colour), (x, line))) in KINDS.into_iter().zip(legend_layout()).enumerate() {
        let y = y + 22.0 * line as f64;
        if matches!(k, RUNS | READY) {
            let w = 14.0 / SWATCH_THREADS as f64;
            for i in 0..SWATCH_THREADS {
                let _ = write!(
                    s,
                    r#"<rect x="{:.2}" y="{:.1}" width="{w:.2}" height="14" fill="{}"{}/>"#,
                    x + w * i as f64,
                    y - 11.0,
                    thread_hex(ThreadId(i)),
                    if k == READY {
                        format!(r#" fill-opacity="{READY_OPACITY}""#)
                    } else {
                        String::new()
                    }
                );
            }
        } else {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" fill="{colour}"/>"#,
                y - 11.0
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{y:.1}" font-size="13">{name}</text>"#,
            x + 19.0
        );
    }
}

/// Escapes text for XML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
