//! The detail overlays (Enter on an IRP or a thread): everything about one of them, read
//! whole by scrolling. An IRP's: its parameters, its story so far, its whole buffer, and
//! what each state word of the panes means. A thread's: its state, its APC queue in the
//! order the APCs will run, and its story so far.
//!
//! The lines are listed cheaply first ([`Source`]); only the window the screen shows, and
//! the last lines (for the screen to know how far it can scroll once they are wrapped),
//! are written out and sent, so a long history costs a step no more than a short one.

use crate::view::{Detail, Lens, state_words, thread_state};
use kernel_sim::io::IrpState;
use kernel_sim::session::Session;
use kernel_sim::trace::format_time_scaled;
use kernel_sim::{IrpId, ThreadId, What};

/// A window of a detail overlay's lines, as the screen asked for ([`Lens::from`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailView {
    pub title: String,
    /// The lines from `offset` on: as many as the screen showed last time, and
    /// [`MIN_WINDOW`] at least, when there are that many.
    pub lines: Vec<DetailLine>,
    pub offset: usize,
    /// How many lines the whole overlay has.
    pub total: usize,
    /// Its last lines, as many as `lines` has: the screen wraps them to learn how far
    /// down it can scroll.
    pub tail: Vec<DetailLine>,
}

/// One line of an overlay, and how far in its wrapped rows after the first start (a
/// history line's go under its sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailLine {
    pub text: String,
    pub indent: usize,
}

impl DetailLine {
    /// The line in rows of at most `width` columns, broken at spaces; a word longer than a
    /// row is cut by the screen.
    pub fn rows(&self, width: usize) -> Vec<String> {
        wrap_hanging(&self.text, width, self.indent)
    }
}

/// Lines sent past the offset when the screen has not said how many it shows, or shows
/// fewer: enough for a terminal resized taller before the next key.
pub const MIN_WINDOW: usize = 128;

/// Columns before a history line's sentence: two, the time, two, the kind, one.
const SENTENCE_AT: usize = 2 + 10 + 2 + 22 + 1;

/// Bytes of the buffer on one line of the hex dump.
const HEX_ROW: usize = 16;

/// A line of an overlay before it is written: a history event's sentence is written only
/// if its line is sent.
enum Source {
    Line(DetailLine),
    /// The trace event with this number.
    Event(usize),
    /// The buffer's bytes from this offset.
    Hex(usize),
}

/// What each IRP state word of the panes means, in the order of an IRP's life. The words
/// are the IRPs pane's ([`state_words`]).
pub const IRP_STATES: [IrpState; 6] = [
    IrpState::Created,
    IrpState::Dispatched,
    IrpState::Queued,
    IrpState::InDevice,
    IrpState::Held,
    IrpState::Completed,
];

/// What an IRP state means, in a line.
pub fn state_meaning(state: IrpState) -> &'static str {
    match state {
        IrpState::Created => "the I/O manager built it; no driver has it yet",
        IrpState::Dispatched => "a driver's dispatch routine is looking at it",
        IrpState::Queued => "marked pending, it waits in the driver's queue",
        IrpState::InDevice => "its driver handed it to the device, which works on it",
        IrpState::Held => {
            "a completion routine kept it (STATUS_MORE_PROCESSING_REQUIRED); its driver \
             completes it again"
        }
        IrpState::Completed => {
            "a driver completed it (IoCompleteRequest); the I/O manager delivers the result"
        }
    }
}

/// The row of an IRP that has left the kernel, and what it means.
pub const DONE: (&str, &str) = (
    "done: STATUS, N bytes",
    "its result was delivered and the IRP freed: the status it ended with (Success, \
     Cancelled, ...) and the bytes it moved",
);

/// The legend of the IRP state words, a line each, its wrapped rows under the meaning.
pub fn irp_state_legend() -> Vec<DetailLine> {
    let width = IRP_STATES
        .iter()
        .map(|&s| state_words(s).len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<DetailLine> = IRP_STATES
        .iter()
        .map(|&s| DetailLine {
            text: format!("  {:<width$}  {}", state_words(s), state_meaning(s)),
            indent: 2 + width + 2,
        })
        .collect();
    lines.push(DetailLine {
        text: format!("  {}: {}", DONE.0, DONE.1),
        indent: 2 + width + 2,
    });
    lines
}

/// A line of text; its wrapped rows go two further in than it.
fn text(text: impl Into<String>) -> Source {
    let text: String = text.into();
    let indent = text.len() - text.trim_start().len() + 2;
    Source::Line(DetailLine { text, indent })
}

impl DetailView {
    /// The window of `detail`'s lines the lens asks for, at the session's step.
    pub fn capture(session: &Session, detail: Detail, lens: &Lens) -> DetailView {
        let (title, sources, buffer) = match detail {
            Detail::Irp(id) => irp_sources(session, id),
            Detail::Thread(id) => thread_sources(session, id),
        };
        let total = sources.len();
        let offset = lens.from.min(total.saturating_sub(1));
        let window = lens.rows.max(MIN_WINDOW);
        let write = |s: &Source| write(session, s, buffer);
        DetailView {
            title,
            lines: sources
                .iter()
                .skip(offset)
                .take(window)
                .map(write)
                .collect(),
            offset,
            total,
            tail: sources[total.saturating_sub(window)..]
                .iter()
                .map(write)
                .collect(),
        }
    }
}

fn write(session: &Session, source: &Source, buffer: &[u8]) -> DetailLine {
    let text = match source {
        Source::Line(line) => return line.clone(),
        Source::Event(i) => {
            let e = &session.trace()[*i];
            return DetailLine {
                text: format!(
                    "  {:>10}  {:<22} {}",
                    format_time_scaled(e.time),
                    e.what.kind(),
                    session.explain(*i)
                ),
                indent: SENTENCE_AT,
            };
        }
        Source::Hex(at) => {
            let chunk = &buffer[*at..(*at + HEX_ROW).min(buffer.len())];
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("  {at:04x}  {:<48} {ascii}", hex.join(" "))
        }
    };
    DetailLine { text, indent: 8 }
}

/// `text` in rows of at most `width` columns, broken at spaces (runs of spaces inside a
/// row stay, so columns line up); rows after the first start `indent` columns in, or
/// four when `indent` leaves too little room.
pub fn wrap_hanging(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(8);
    let indent = if indent + 20 > width { 4 } else { indent };
    let mut rows = Vec::new();
    let mut row = String::new();
    // Columns in `row`, and where its own words start (after an indent).
    let (mut used, mut start) = (0, 0);
    for (i, word) in text.split(' ').enumerate() {
        let w = word.chars().count();
        let gap = usize::from(i > 0);
        if used + gap + w > width && used > start {
            rows.push(std::mem::take(&mut row));
            row.push_str(&" ".repeat(indent));
            (used, start) = (indent, indent);
            if w == 0 {
                continue;
            }
        } else if i > 0 {
            row.push(' ');
            used += 1;
        }
        row.push_str(word);
        used += w;
    }
    rows.push(row);
    rows
}

/// The events up to the current step that `concerns` picks, oldest first: all of them.
fn history(session: &Session, concerns: impl Fn(&What) -> bool) -> Vec<Source> {
    let trace = session.trace();
    let events: Vec<Source> = (0..trace.len())
        .filter(|&i| concerns(&trace[i].what))
        .map(Source::Event)
        .collect();
    if events.is_empty() {
        return vec![text("  (nothing yet)")];
    }
    events
}

/// The selected IRP: its parameters, its story so far (before the buffer: a few lines
/// that tell what happened, where the buffer may run to hundreds), its whole buffer,
/// and what the state words mean.
fn irp_sources(session: &Session, id: IrpId) -> (String, Vec<Source>, &[u8]) {
    let (k, trace) = (session.kernel(), session.trace());
    let mut lines = Vec::new();
    let mut buffer: &[u8] = &[];
    match k.core().irps.get(&id) {
        Some(irp) => {
            let file = k.core().file_objects[irp.file_object.0 as usize].file;
            let loc = irp.location();
            lines.push(text(format!(
                "{} {} {} bytes at offset {} of {} · {} · {:?} · {}",
                irp.id,
                irp.major.name(),
                irp.len,
                irp.offset,
                k.file_name(file),
                irp.thread().map_or("the kernel", |t| k.thread_name(t)),
                irp.mode,
                state_words(irp.state)
            )));
            let cancel = if irp.cancel { " · cancel asked" } else { "" };
            lines.push(text(format!(
                "stack location {} of {}: {}'s {} at device byte {}{cancel}",
                irp.current,
                irp.stack.len(),
                k.device_name(loc.device),
                k.driver_name(loc.driver),
                loc.device_offset
            )));
            buffer = &irp.buffer;
        }
        None if trace.iter().any(|e| e.what.irp() == Some(id)) => {
            let kernel_own = trace
                .iter()
                .any(|e| matches!(e.what, What::IrpCreated { irp, thread: None, .. } if irp == id));
            lines.push(text(if kernel_own {
                format!("{id} is no longer in flight: the I/O manager gave its result to the kernel component's callback and freed it.")
            } else {
                format!("{id} is no longer in flight: the I/O manager sent its result on the path the caller chose and freed it.")
            }))
        }
        None => lines.push(text(format!("{id} has not been created yet at this step."))),
    }
    lines.push(text("history:"));
    lines.extend(history(session, |w| w.irp() == Some(id)));
    if k.core().irps.contains_key(&id) {
        lines.push(text(format!("buffer ({} bytes):", buffer.len())));
        if buffer.is_empty() {
            lines.push(text("  (empty)"));
        }
        lines.extend((0..buffer.len()).step_by(HEX_ROW).map(Source::Hex));
    }
    lines.push(text("IRP states, as the IRPs pane words them:"));
    lines.extend(irp_state_legend().into_iter().map(Source::Line));
    (format!("{id}"), lines, buffer)
}

/// The selected thread: its state, its APC queue in the order the APCs will run, and
/// its story so far.
fn thread_sources(session: &Session, id: ThreadId) -> (String, Vec<Source>, &[u8]) {
    let k = session.kernel();
    let t = &k.core().threads[id.0 as usize];
    let process = &k.core().processes[t.process.0 as usize].name;
    let mut lines = vec![text(format!(
        "{} in process {process} · {}",
        t.name,
        thread_state(k, t)
    ))];
    if t.apcs.is_empty() {
        lines.push(text("APC queue: empty"));
    } else {
        lines.push(text("APC queue (runs first to last):"));
        for apc in &t.apcs {
            let routine = k.routine_name(id, apc.routine);
            lines.push(text(match apc.irp {
                Some(irp) => format!(
                    "  {routine} for {irp}: {:?}, {} bytes",
                    apc.status, apc.bytes
                ),
                None => format!("  {routine}, queued with QueueUserAPC"),
            }));
        }
    }
    lines.push(text("history:"));
    lines.extend(history(session, |w| w.thread() == Some(id)));
    (t.name.clone(), lines, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_rows_hang_under_the_sentence_and_keep_the_columns() {
        let line = "  9.031 ms  IrpCreated  The I/O manager builds IRP1 for T1.";
        assert_eq!(
            wrap_hanging(line, 40, 12),
            [
                "  9.031 ms  IrpCreated  The I/O manager",
                "            builds IRP1 for T1.",
            ]
        );
        assert_eq!(wrap_hanging("short", 40, 12), ["short"]);
        // Every word is kept, in order.
        let words = |rows: Vec<String>| -> Vec<String> {
            rows.join(" ")
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        let long = "a ".repeat(200);
        assert_eq!(words(wrap_hanging(&long, 30, 37)).len(), 200);
        assert!(
            wrap_hanging(&long, 30, 37)
                .iter()
                .all(|r| r.chars().count() <= 30)
        );
    }
}
