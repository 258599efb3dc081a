//! The timeline strip: a lane per CPU, per device that moves data on its own (one with an
//! interrupt line or a DMA ring) and per thread, over a window of simulated time, from
//! the segments the session rebuilt from the trace. Only what had happened by the current
//! step is shown.
//!
//! The window follows the current step:
//!
//! 1. Its width comes from the spacing of the last few moments something happened
//!    ([`follow`]): the narrowest of [`SPANS`] that puts the most of them in view, each in
//!    a column of its own, even on the narrowest screen. Steps microseconds apart get a
//!    window of tens of microseconds; a disk access, milliseconds.
//! 2. `<` and `>` make it that many [`SPANS`] wider or narrower than that choice
//!    ([`crate::view::Lens::zoom`]); it goes on following.
//! 3. It moves in quarter widths, so the current moment stays between half and three
//!    quarters of the way across, and the picture holds still for a few steps at a time.
//!
//! A thread is told apart without colour by its mark, a character of its name (its last
//! digit where it has one: `1` for T1), underlined in its lane's label and written at the
//! start of each of its runs, on its own lane and on the CPU's.

use kernel_sim::session::Session;
use kernel_sim::trace::segments::{Activity, Lane};
use kernel_sim::{CpuId, DeviceId, ThreadId, Time};

/// Window widths, in ns: 1-2-5 steps from 10 µs to 100 s.
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

/// How many moments before the current one the window tries to keep apart: "the last
/// few steps".
pub const FOLLOWED: usize = 4;

/// The most trace events looked back through for those moments, so that a burst of
/// events at one instant costs a bounded look.
const LOOKBACK: usize = 4096;

/// The widest lane label, in columns with the space after it; longer names are cut.
pub const LABEL_MAX: usize = 12;

/// Columns of the lanes on the narrowest screen the walkthrough draws (80 wide, less the
/// widest label): the window is chosen so that steps are apart even there.
pub const MIN_COLUMNS: usize = crate::ui::MIN_WIDTH as usize - LABEL_MAX;

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
    /// At most `LABEL_MAX - 1` characters.
    pub label: String,
    /// A thread's lane: which thread, and where its mark is in the label (a character
    /// index), to underline it.
    pub thread: Option<(ThreadId, usize)>,
    pub marks: Vec<Mark>,
}

/// One activity over part of the window; `rank` decides which shows when several share
/// a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub from: Time,
    pub to: Time,
    pub glyph: char,
    /// What its first column shows instead of `glyph`: a thread's mark at the start of
    /// its run.
    pub head: Option<char>,
    pub rank: u8,
    /// The thread it shows, for colouring it as in the Threads pane.
    pub thread: Option<ThreadId>,
}

/// One column of a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub glyph: char,
    pub thread: Option<ThreadId>,
}

/// The legend's entries, the most needed first: a narrow header keeps a prefix of them.
pub const LEGEND: [&str; 8] = [
    "█ runs",
    "░ ready",
    "· waits",
    "s switch",
    "I ISR",
    "D DPC",
    "═ transfer",
    "c clock",
];

/// The legend's entries that fit in `width` columns, whole ones only; when some do not
/// fit, a closing `… ?` says so and where the whole legend is (the help).
pub fn legend(width: usize) -> String {
    let all = LEGEND.join(" ");
    if all.chars().count() <= width {
        return all;
    }
    const MORE: &str = " … ?";
    let mut line = String::new();
    for entry in LEGEND {
        let sep = if line.is_empty() { "" } else { " " };
        if line.chars().count() + sep.len() + entry.chars().count() + MORE.chars().count() > width {
            break;
        }
        line.push_str(sep);
        line.push_str(entry);
    }
    if line.is_empty() {
        return String::new();
    }
    line + MORE
}

/// The glyphs a CPU or device lane draws; no thread takes one of these as its mark.
const RESERVED: [char; 6] = ['s', 'I', 'c', 'D', '!', '#'];

/// A CPU's or device's activity: its glyph and rank (short, rare things win a column).
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
        // Thread lanes: ready and waiting; a run or a switch (from the CPU lanes) wins.
        Activity::Ready => ('░', 2),
        Activity::Waiting(_) => ('·', 1),
    }
}

/// On a thread's lane, its runs and the switches to it outrank its ready periods.
const THREAD_RUN: u8 = 4;
const THREAD_SWITCH: u8 = 3;

/// Each thread's mark, in thread order: the last character of its name if that is a
/// digit, else the first character of it no earlier thread took (letters and digits
/// only, never a glyph of the CPU lanes), with its character index in the name; `None`
/// for a name with no free character, which gets a free digit or letter instead.
pub fn thread_marks<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(char, Option<usize>)> {
    let mut taken: Vec<char> = RESERVED.to_vec();
    let mut out = Vec::new();
    for name in names {
        let chars: Vec<char> = name.chars().collect();
        let last_digit = chars
            .last()
            .filter(|c| c.is_ascii_digit())
            .map(|&c| (c, chars.len() - 1));
        let in_name = chars
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_alphanumeric())
            .map(|(i, &c)| (c, i));
        let spare = ('1'..='9').chain('a'..='z').chain('A'..='Z');
        let found = last_digit
            .into_iter()
            .chain(in_name)
            .map(|(c, i)| (c, Some(i)))
            .chain(spare.map(|c| (c, None)))
            .find(|(c, _)| !taken.contains(c))
            .unwrap_or(('?', None));
        taken.push(found.0);
        out.push(found);
    }
    out
}

/// Up to `n` moments before `now` at which something happened, latest first, from the
/// trace as seen at the current step.
pub fn recent_times(trace: &[kernel_sim::TraceEvent], now: Time, n: usize) -> Vec<Time> {
    let mut out: Vec<Time> = Vec::with_capacity(n);
    for e in trace.iter().rev().take(LOOKBACK) {
        if out.len() == n {
            break;
        }
        if e.time < out.last().copied().unwrap_or(now) {
            out.push(e.time);
        }
    }
    out
}

/// The index in [`SPANS`] of the window that follows the steps (see the module's doc):
/// the one that shows the most of the `recent` moments (latest first, before `now`) in
/// view and each in a column apart from the one after it, at `columns` columns; the
/// narrowest of those that show as many. With no moment before `now`, the narrowest.
///
/// "In view" means within half a width of `now`, as the window always shows that much
/// of the past.
pub fn follow(now: Time, recent: &[Time], columns: usize) -> usize {
    let columns = columns.max(1) as u128;
    let mut best = (0, 0);
    for (i, &span) in SPANS.iter().enumerate() {
        let mut apart = 0;
        let mut after = now;
        for &t in recent {
            if now - t > span / 2 {
                break;
            }
            // A gap of a column's width or more puts the two in different columns.
            if (after - t) as u128 * columns >= span as u128 {
                apart += 1;
            }
            after = t;
        }
        if apart > best.0 {
            best = (apart, i);
        }
    }
    best.1
}

impl Timeline {
    /// The strip at the session's current step, `zoom` widths wider (positive) or
    /// narrower than the one that follows the steps.
    pub fn capture(session: &Session, zoom: i8) -> Timeline {
        let k = session.kernel();
        let now = k.now();
        let trace = session.trace();
        let followed = follow(now, &recent_times(trace, now, FOLLOWED), MIN_COLUMNS);
        let span = SPANS[followed
            .saturating_add_signed(zoom as isize)
            .min(SPANS.len() - 1)];
        let quarter = (span / 4).max(1);
        let from = now.saturating_sub(span * 3 / 4).div_ceil(quarter) * quarter;
        let from = from.min(now);
        let to = from + span;
        let seen = trace.len();
        let segments = session.segments();
        let threads = &k.core().threads;
        let glyphs = thread_marks(threads.iter().map(|t| t.name.as_str()));
        let in_window = |lane: Lane| -> Vec<Mark> {
            let all = segments.lane(lane);
            all[segments.first_ending_after(lane, from)..]
                .iter()
                .take_while(|s| s.start <= to && s.begun_before(seen))
                // A thread that held the CPU for no time between two interrupt routines
                // did not run.
                .filter(|s| {
                    !(matches!(s.activity, Activity::Thread(_))
                        && s.end_before(seen) == Some(s.start))
                })
                .map(|s| {
                    let (glyph, rank) = glyph(s.activity);
                    let thread = match s.activity {
                        Activity::Thread(t) | Activity::Switch { to: t } => Some(t),
                        _ => None,
                    };
                    let head = match s.activity {
                        Activity::Thread(t) => Some(glyphs[t.0 as usize].0),
                        _ => None,
                    };
                    Mark {
                        from: s.start.max(from),
                        to: s.end_before(seen).unwrap_or(now).min(to),
                        glyph,
                        head,
                        rank,
                        thread,
                    }
                })
                .collect()
        };
        let mut lanes = Vec::new();
        // Each thread's runs and the switches to it, gathered from the CPU lanes.
        let mut runs: Vec<Vec<Mark>> = vec![Vec::new(); threads.len()];
        for c in 0..k.core().cpus.len() {
            let marks = in_window(Lane::Cpu(CpuId(c as u16)));
            for m in &marks {
                if let Some(t) = m.thread {
                    let rank = if m.head.is_some() {
                        THREAD_RUN
                    } else {
                        THREAD_SWITCH
                    };
                    runs[t.0 as usize].push(Mark { rank, ..*m });
                }
            }
            lanes.push(LaneMarks {
                label: format!("cpu{c}"),
                thread: None,
                marks,
            });
        }
        // A device with no interrupt line and no ring (the pipe device: its driver does
        // everything on the caller's CPU) never moves data on its own: no lane.
        let devices = (0..k.core().device_names.len())
            .map(|d| DeviceId(d as u16))
            .filter(|&id| {
                k.core().lines.values().any(|l| l.device == id)
                    || !k.device_view(id).rings.is_empty()
            });
        for id in devices {
            lanes.push(LaneMarks {
                label: cut(k.device_name(id)),
                thread: None,
                marks: in_window(Lane::Device(id)),
            });
        }
        for ((t, mut marks), &(mark, at)) in threads.iter().zip(runs).zip(&glyphs) {
            marks.extend(in_window(Lane::Thread(t.id)).into_iter().map(|m| Mark {
                thread: Some(t.id),
                ..m
            }));
            let name = cut(&t.name);
            // The mark where it is in the shown name, else written before it.
            let (label, at) = match at.filter(|&i| i < name.chars().count()) {
                Some(i) => (name, i),
                None => (cut(&format!("{mark} {}", t.name)), 0),
            };
            lanes.push(LaneMarks {
                label,
                thread: Some((t.id, at)),
                marks,
            });
        }
        Timeline {
            from,
            to,
            now,
            lanes,
        }
    }

    /// The lane's cells at `width` columns: the highest-ranked mark touching each
    /// column's stretch of time, blank where the lane was idle or it is not yet now. A
    /// thread's run shows its mark in the first column it wins after another's, so that
    /// a switch sharing the run's first column does not hide whose run it is, and an ISR
    /// in the middle of it neither.
    pub fn cells(&self, lane: &LaneMarks, width: usize) -> Vec<Cell> {
        let mut winners: Vec<Option<(usize, u8)>> = vec![None; width];
        for (i, m) in lane.marks.iter().enumerate() {
            let (a, b) = (self.column(m.from, width), self.column(m.to, width));
            for w in &mut winners[a..=b.max(a)] {
                if w.is_none_or(|(_, rank)| m.rank > rank) {
                    *w = Some((i, m.rank));
                }
            }
        }
        let mut cells = Vec::with_capacity(width);
        let mut before = None;
        for w in winners {
            let index = w.map(|(i, _)| i);
            cells.push(match index {
                Some(i) => {
                    let m = &lane.marks[i];
                    let glyph = match m.head {
                        Some(head) if before != index => head,
                        _ => m.glyph,
                    };
                    Cell {
                        glyph,
                        thread: m.thread,
                    }
                }
                None => Cell {
                    glyph: ' ',
                    thread: None,
                },
            });
            before = index;
        }
        cells
    }

    /// Columns of the lanes' labels, with the space after them: the longest label's,
    /// between 6 and [`LABEL_MAX`].
    pub fn label_width(&self) -> usize {
        self.lanes
            .iter()
            .map(|l| l.label.chars().count() + 1)
            .max()
            .unwrap_or(0)
            .clamp(6, LABEL_MAX)
    }

    /// The column a time falls in (the last column for the window's end).
    pub fn column(&self, t: Time, width: usize) -> usize {
        let span = (self.to - self.from).max(1);
        let offset = t.clamp(self.from, self.to) - self.from;
        ((offset as u128 * width as u128 / span as u128) as usize).min(width.saturating_sub(1))
    }

    /// The window as "175–275 µs": both ends in the unit of its width, with as many
    /// decimals as its quarter steps need.
    pub fn range(&self) -> String {
        format_range(self.from, self.to)
    }
}

/// `from`–`to` in the unit of the width between them (s, ms, µs or ns): "175–275 µs",
/// "0–20 ms". Each end has the decimals it needs, at most three (cut, not rounded, as
/// the trace's times are).
pub fn format_range(from: Time, to: Time) -> String {
    let (unit, name) = unit_of(to.saturating_sub(from).max(1));
    format!("{}–{} {name}", in_unit(from, unit), in_unit(to, unit))
}

/// `t` ns in `unit` ns, without trailing zeros: 12.5, 3, 0.125.
pub fn in_unit(t: Time, unit: Time) -> String {
    let whole = t / unit;
    let fraction = (t % unit) as u128 * 1000 / unit as u128;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = format!("{fraction:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// The unit a length of time reads best in, in ns and by name: the largest that keeps
/// it at 1 or more.
pub fn unit_of(ns: Time) -> (Time, &'static str) {
    match ns {
        1_000_000_000.. => (1_000_000_000, "s"),
        1_000_000.. => (1_000_000, "ms"),
        1_000.. => (1_000, "µs"),
        _ => (1, "ns"),
    }
}

/// A label cut to fit its column.
fn cut(text: &str) -> String {
    text.chars().take(LABEL_MAX - 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_microseconds_apart_get_a_window_of_microseconds() {
        // The tour's first steps: a system call, an IRP, a dispatch routine.
        let now = 231_000;
        let recent = [224_000, 222_500, 221_500, 220_000];
        let i = follow(now, &recent, MIN_COLUMNS);
        assert_eq!(SPANS[i], 50_000, "11 µs back fits in half of 50 µs");
        // Every one of them in a column of its own.
        let t = Timeline {
            from: 200_000,
            to: 250_000,
            now,
            lanes: Vec::new(),
        };
        let mut columns: Vec<usize> = std::iter::once(now)
            .chain(recent)
            .map(|x| t.column(x, MIN_COLUMNS))
            .collect();
        columns.dedup();
        assert_eq!(columns.len(), 5, "{columns:?}");
    }

    #[test]
    fn a_disk_access_gets_a_window_of_milliseconds() {
        // The interrupt 8.8 ms after the request, which came after a few µs of steps.
        let now = 9_028_333;
        let recent = [220_000, 216_000, 212_000, 208_000];
        assert_eq!(SPANS[follow(now, &recent, MIN_COLUMNS)], 20_000_000);
    }

    #[test]
    fn moments_too_close_for_any_window_give_way_to_those_that_can_be_apart() {
        // 1 ns apart is less than a column of the narrowest window; the older ones are
        // still worth showing apart.
        let now = 1_000_000;
        let recent = [999_999, 990_000, 980_000, 970_000];
        assert_eq!(SPANS[follow(now, &recent, MIN_COLUMNS)], 100_000);
    }

    #[test]
    fn with_nothing_before_now_the_window_is_the_narrowest() {
        assert_eq!(follow(0, &[], MIN_COLUMNS), 0);
        assert_eq!(follow(5_000, &[], MIN_COLUMNS), 0);
    }

    #[test]
    fn recent_times_are_distinct_latest_first_and_before_now() {
        let event = |time| kernel_sim::TraceEvent {
            time,
            cpu: None,
            what: kernel_sim::What::CpuIdle,
        };
        let trace: Vec<_> = [0, 5, 5, 7, 9, 9, 12].into_iter().map(event).collect();
        assert_eq!(recent_times(&trace, 12, 3), vec![9, 7, 5]);
        assert_eq!(recent_times(&trace, 20, 10), vec![12, 9, 7, 5, 0]);
    }

    #[test]
    fn threads_are_marked_by_a_character_of_their_name() {
        let marks = thread_marks(["T1", "T2", "Main", "W1", "closer", "canceller", "system"]);
        let glyphs: String = marks.iter().map(|m| m.0).collect();
        // W1's 1 is T1's already; closer's c is the clock's; "system"'s s the switch's.
        assert_eq!(glyphs, "12MWlay");
        assert_eq!(marks[4].1, Some(1));
        let marks = thread_marks(["s", "s"]);
        assert_eq!(marks, vec![('1', None), ('2', None)]);
    }

    #[test]
    fn a_run_shows_its_threads_mark_where_it_starts_and_resumes_after_an_isr() {
        let run = Mark {
            from: 0,
            to: 60,
            glyph: '█',
            head: Some('2'),
            rank: 1,
            thread: Some(ThreadId(1)),
        };
        let isr = Mark {
            from: 30,
            to: 30,
            glyph: 'I',
            head: None,
            rank: 5,
            thread: None,
        };
        let t = Timeline {
            from: 0,
            to: 100,
            now: 60,
            lanes: Vec::new(),
        };
        let lane = LaneMarks {
            label: "cpu0".into(),
            thread: None,
            marks: vec![run, isr],
        };
        let glyphs: String = t.cells(&lane, 10).iter().map(|c| c.glyph).collect();
        // The mark again after the ISR: whose run goes on reads without colour.
        assert_eq!(glyphs, "2██I2██   ");
    }

    #[test]
    fn a_run_whose_first_column_a_switch_wins_shows_its_mark_in_the_next() {
        let switch = Mark {
            from: 0,
            to: 5,
            glyph: 's',
            head: None,
            rank: 2,
            thread: Some(ThreadId(2)),
        };
        let run = Mark {
            from: 5,
            to: 40,
            glyph: '█',
            head: Some('3'),
            rank: 1,
            thread: Some(ThreadId(2)),
        };
        let t = Timeline {
            from: 0,
            to: 100,
            now: 40,
            lanes: Vec::new(),
        };
        let lane = LaneMarks {
            label: "cpu1".into(),
            thread: None,
            marks: vec![switch, run],
        };
        let glyphs: String = t.cells(&lane, 10).iter().map(|c| c.glyph).collect();
        assert_eq!(glyphs, "s3███     ");
    }

    #[test]
    fn the_window_reads_in_one_unit() {
        assert_eq!(format_range(0, 20_000_000), "0–20 ms");
        assert_eq!(format_range(175_000, 275_000), "175–275 µs");
        assert_eq!(format_range(212_500, 262_500), "212.5–262.5 µs");
        assert_eq!(format_range(9_025_000, 9_125_000), "9025–9125 µs");
        assert_eq!(format_range(5_000_000_000, 15_000_000_000), "5–15 s");
        assert_eq!(format_range(0, 28_362_700), "0–28.362 ms");
        assert_eq!(format_range(1_250_000, 2_250_000), "1.25–2.25 ms");
        assert_eq!(format_range(0, 1), "0–1 ns");
    }

    #[test]
    fn the_legend_keeps_whole_entries_that_fit() {
        let full = legend(usize::MAX);
        assert_eq!(full.split(' ').count(), 2 * LEGEND.len());
        // Cut short, it says so and points to the help, which has it whole.
        assert_eq!(legend(20), "█ runs ░ ready … ?");
        assert_eq!(legend(17), "█ runs … ?");
        assert_eq!(legend(3), "");
    }
}
