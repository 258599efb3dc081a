//! The timeline strip: a lane per CPU and per device that moves data on its own (one
//! with an interrupt line or a DMA ring) over a window of simulated time,
//! from the segments the session rebuilt from the trace. Only what had happened by the
//! current step is shown; the window moves in quarter steps so that the current moment
//! stays between half and three quarters of the way across.

use kernel_sim::session::Session;
use kernel_sim::trace::segments::{Activity, Lane};
use kernel_sim::{CpuId, DeviceId, ThreadId, Time};

/// Window widths the zoom keys move between, in ns: 1-2-5 steps from 10 µs to 100 s.
pub const SPANS: [Time; 22] = [
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    50_000_000,
    100_000_000,
    200_000_000,
    500_000_000,
    1_000_000_000,
    2_000_000_000,
    5_000_000_000,
    10_000_000_000,
    20_000_000_000,
    50_000_000_000,
    100_000_000_000,
];

/// The window at first: long enough for a disk access (milliseconds), short enough that
/// an ISR still leaves a mark.
pub const DEFAULT_SPAN: Time = 20_000_000;

/// What the strip shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    pub from: Time,
    pub to: Time,
    pub now: Time,
    pub lanes: Vec<LaneMarks>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneMarks {
    pub label: String,
    pub marks: Vec<Mark>,
}

/// One activity over part of the window; `rank` decides which shows when several share
/// a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub from: Time,
    pub to: Time,
    pub glyph: char,
    pub rank: u8,
    /// The thread running (or being switched to), for colouring it as in the Threads pane.
    pub thread: Option<ThreadId>,
}

/// One column of a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub glyph: char,
    pub thread: Option<ThreadId>,
}

/// The glyphs, for the strip's legend.
pub const LEGEND: &str = "█ thread s switch I ISR c clock D DPC ═ transfer";

fn glyph(activity: Activity) -> (char, u8) {
    match activity {
        Activity::Isr(_) => ('I', 5),
        Activity::Clock => ('c', 4),
        Activity::Dpc(_) => ('D', 3),
        Activity::Switch { .. } => ('s', 2),
        Activity::Thread(_) => ('█', 1),
        Activity::Transfer(_) => ('═', 1),
        Activity::Raised => ('!', 1),
        Activity::InService(_) => ('#', 1),
        // The strip draws CPUs and devices only; waits show in the Threads pane.
        Activity::Waiting(_) => ('·', 0),
    }
}

impl Timeline {
    /// The strip at the session's current step, `span` ns wide.
    pub fn capture(session: &Session, span: Time) -> Timeline {
        let k = session.kernel();
        let now = k.now();
        let quarter = (span / 4).max(1);
        let from = now.saturating_sub(span * 3 / 4).div_ceil(quarter) * quarter;
        let from = from.min(now);
        let to = from + span;
        let seen = session.trace().len();
        let segments = session.segments();
        let mut lanes = Vec::new();
        let cpus =
            (0..k.core().cpus.len()).map(|c| (Lane::Cpu(CpuId(c as u16)), format!("cpu{c}")));
        // A device with no interrupt line and no ring (the pipe device: its driver does
        // everything on the caller's CPU) never moves data on its own: no lane.
        let devices = (0..k.core().device_names.len())
            .map(|d| DeviceId(d as u16))
            .filter(|&id| {
                k.core().lines.values().any(|l| l.device == id)
                    || !k.device_view(id).rings.is_empty()
            })
            .map(|id| (Lane::Device(id), k.device_name(id).to_string()));
        for (lane, label) in cpus.chain(devices) {
            let all = segments.lane(lane);
            let marks = all[segments.first_ending_after(lane, from)..]
                .iter()
                .take_while(|s| s.start <= to && s.begun_before(seen))
                .map(|s| {
                    let (glyph, rank) = glyph(s.activity);
                    let thread = match s.activity {
                        Activity::Thread(t) | Activity::Switch { to: t } => Some(t),
                        _ => None,
                    };
                    Mark {
                        from: s.start.max(from),
                        to: s.end_before(seen).unwrap_or(now).min(to),
                        glyph,
                        rank,
                        thread,
                    }
                })
                .collect();
            lanes.push(LaneMarks { label, marks });
        }
        Timeline {
            from,
            to,
            now,
            lanes,
        }
    }

    /// The lane's cells at `width` columns: the highest-ranked mark touching each
    /// column's stretch of time, blank where the lane was idle or it is not yet now.
    pub fn cells(&self, lane: &LaneMarks, width: usize) -> Vec<Cell> {
        let blank = Cell {
            glyph: ' ',
            thread: None,
        };
        let mut cells = vec![(blank, 0u8); width];
        for m in &lane.marks {
            let (a, b) = (self.column(m.from, width), self.column(m.to, width));
            for cell in &mut cells[a..=b.max(a)] {
                if m.rank > cell.1 {
                    let glyph = m.glyph;
                    *cell = (
                        Cell {
                            glyph,
                            thread: m.thread,
                        },
                        m.rank,
                    );
                }
            }
        }
        cells.into_iter().map(|(c, _)| c).collect()
    }

    /// The column a time falls in (the last column for the window's end).
    pub fn column(&self, t: Time, width: usize) -> usize {
        let span = (self.to - self.from).max(1);
        let offset = t.clamp(self.from, self.to) - self.from;
        ((offset as u128 * width as u128 / span as u128) as usize).min(width.saturating_sub(1))
    }
}
