//! Input text as messages show it: escaped and clipped.
//!
//! Messages quote input back to the reader: names, values, source lines, file names,
//! `--set` arguments. That text is untrusted. Printed raw, a name holding `ESC [ 2 J`
//! clears the reader's terminal, a right-to-left override makes a line read backwards, and
//! a 1 MB name makes a 3 MB message. So every piece of input text passes through this
//! module on its way into a message:
//!
//! - control characters (C0, DEL, C1), the Unicode bidirectional marks, embeddings,
//!   overrides and isolates, and the line and paragraph separators are written as the JSON
//!   escapes a scenario author would type (`\u001b`, `\u202e`, `\n`);
//! - a value longer than [`VALUE_CHARS`] keeps its start and its end, with `…` between;
//! - a source line wider than [`LINE_CHARS`] keeps a window around the error, with `…`
//!   where text was cut, and the marker under it stays under the right column;
//! - any line of a message is at most [`MESSAGE_LINE_CHARS`] wide, so a message has a
//!   fixed size whatever the input.
//!
//! Widths are counted in characters after escaping, which is what the reader sees.

/// Widest value quoted in a message, in characters: a legal name (at most 64) is never cut.
pub const VALUE_CHARS: usize = 64;

/// Widest excerpt of a source line, in characters: wide enough for any line of a
/// hand-written scenario, narrow enough to read in a terminal.
pub const LINE_CHARS: usize = 120;

/// Widest line of a whole message, in characters: a last bound on whatever a message
/// holds (a list of known names, a long file path). Wide enough for the list of every op
/// (30 of them, about 450 characters with the line's start), which an unknown op shows.
pub const MESSAGE_LINE_CHARS: usize = 512;

/// Marks text that was left out.
const CUT: char = '…';

/// True for the characters messages escape: controls (C0, DEL, C1), the bidirectional
/// marks, embeddings, overrides and isolates, and the line and paragraph separators.
pub fn acts_on_a_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The escape a message uses for `c`, or `None` when `c` is shown as itself.
fn escape(c: char) -> Option<String> {
    match c {
        '\n' => Some("\\n".to_owned()),
        '\r' => Some("\\r".to_owned()),
        '\t' => Some("\\t".to_owned()),
        _ if acts_on_a_terminal(c) => Some(format!("\\u{:04x}", u32::from(c))),
        _ => None,
    }
}

/// How one input character is shown: itself, or its escape.
struct Shown {
    raw: char,
    escaped: Option<String>,
}

impl Shown {
    fn of(c: char, keep_tab: bool) -> Self {
        let escaped = if keep_tab && c == '\t' {
            None
        } else {
            escape(c)
        };
        Shown { raw: c, escaped }
    }

    fn width(&self) -> usize {
        self.escaped.as_ref().map_or(1, String::len)
    }

    fn push_to(&self, out: &mut String) {
        match &self.escaped {
            Some(escaped) => out.push_str(escaped),
            None => out.push(self.raw),
        }
    }
}

/// `text` with every character a terminal would act on escaped; no clipping.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        Shown::of(c, false).push_to(&mut out);
    }
    out
}

/// A value for a message: escaped, and at most [`VALUE_CHARS`] wide.
pub fn value(text: &str) -> String {
    clipped(text, VALUE_CHARS)
}

/// `text` escaped and at most `max` characters wide: when it is wider, its start (two
/// thirds of `max`) and its end, with `…` between.
pub fn clipped(text: &str, max: usize) -> String {
    let width: usize = text.chars().map(|c| Shown::of(c, false).width()).sum();
    if width <= max {
        return escaped(text);
    }
    let room = max.saturating_sub(1);
    let head_room = room * 2 / 3;
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let shown = Shown::of(c, false);
        if used + shown.width() > head_room {
            break;
        }
        used += shown.width();
        shown.push_to(&mut head);
    }
    let mut tail: Vec<Shown> = Vec::new();
    let mut tail_used = 0;
    for c in text.chars().rev() {
        let shown = Shown::of(c, false);
        if used + tail_used + shown.width() > room {
            break;
        }
        tail_used += shown.width();
        tail.push(shown);
    }
    head.push(CUT);
    for shown in tail.iter().rev() {
        shown.push_to(&mut head);
    }
    head
}

/// A line of a message: escaped, and cut at [`MESSAGE_LINE_CHARS`] with `…`.
pub fn message_line(text: &str) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let shown = Shown::of(c, true);
        if used + shown.width() > MESSAGE_LINE_CHARS {
            out.push(CUT);
            break;
        }
        used += shown.width();
        shown.push_to(&mut out);
    }
    out
}

/// A message whose quoted parts (between backticks, or between double quotes) came from the
/// input, such as serde's "unknown field `...`" and "invalid type: string \"...\"": each
/// quoted part is clipped to [`VALUE_CHARS`], and the whole is escaped.
pub fn quoted_parts_clipped(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * MESSAGE_LINE_CHARS));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&escaped(&rest[..=open]));
        let inner = &rest[open + 1..];
        let close = if quote == '"' {
            closing_double_quote(inner)
        } else {
            inner.find('`')
        };
        let Some(close) = close else {
            out.push_str(&value(inner));
            return out;
        };
        out.push_str(&value(&inner[..close]));
        out.push(quote);
        rest = &inner[close + 1..];
    }
    out.push_str(&escaped(rest));
    out
}

/// The index of the first `"` in `text` not escaped by a backslash.
fn closing_double_quote(text: &str) -> Option<usize> {
    let mut backslash = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            _ if backslash => backslash = false,
            b'\\' => backslash = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// A source line as a message shows it, with the marker line under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The line, escaped, perhaps cut to a window around the error (`…` marks each cut).
    pub line: String,
    /// What goes before the marker: a space per character before the error, a tab under a
    /// tab, so the marker lines up in any terminal.
    pub lead: String,
    /// How many `^` to draw, at least 1.
    pub marker: usize,
}

/// The excerpt of a source line `text` for an error at character `column` (from 0) that
/// is `width` characters wide. `cut_before` and `cut_after` say that the line goes on
/// beyond `text` (the caller already kept only part of a long line). The result is at most
/// [`LINE_CHARS`] + 2 characters wide.
pub fn excerpt(
    text: &str,
    column: usize,
    width: usize,
    cut_before: bool,
    cut_after: bool,
) -> Excerpt {
    let units: Vec<Shown> = text.chars().map(|c| Shown::of(c, true)).collect();
    // pos[i] is the displayed column where unit i starts; pos[len] is the total width.
    let mut pos = Vec::with_capacity(units.len() + 1);
    let mut at = 0;
    pos.push(0);
    for unit in &units {
        at += unit.width();
        pos.push(at);
    }
    let len = units.len();
    let col = column.min(len);
    let mark_end = pos[(col + width.max(1)).min(len)];
    let start = pos[col];
    let total = pos[len];

    let (first, last) = if total <= LINE_CHARS {
        (0, len)
    } else {
        // A third of the window shows what comes before the error; an error in the first
        // half of the window keeps the line's start.
        let want = if start <= LINE_CHARS / 2 {
            0
        } else {
            start - LINE_CHARS / 3
        };
        let mut first = pos.partition_point(|&p| p < want).min(col);
        let mut last = pos.partition_point(|&p| p <= pos[first] + LINE_CHARS) - 1;
        if last == len {
            // The line ends inside the window: use the room for more of its start.
            first = pos
                .partition_point(|&p| p < total.saturating_sub(LINE_CHARS))
                .min(first);
            last = len;
        }
        (first, last)
    };
    let cut_left = first > 0 || cut_before;
    let cut_right = last < len || cut_after;

    let mut line = String::new();
    let mut lead = String::new();
    if cut_left {
        line.push(CUT);
        lead.push(' ');
    }
    for unit in &units[first..last] {
        unit.push_to(&mut line);
    }
    if cut_right {
        line.push(CUT);
    }
    for unit in &units[first..col.max(first)] {
        if unit.raw == '\t' {
            lead.push('\t');
        } else {
            lead.extend(std::iter::repeat_n(' ', unit.width()));
        }
    }
    let shown_end = if cut_right { pos[last] } else { mark_end };
    let marker = mark_end.min(shown_end).saturating_sub(start).max(1);
    Excerpt { line, lead, marker }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidirectional_characters_are_escaped() {
        assert_eq!(escaped("a\u{1b}[2Jb"), "a\\u001b[2Jb");
        assert_eq!(escaped("x\u{202e}y\u{2066}z"), "x\\u202ey\\u2066z");
        assert_eq!(escaped("\u{7f}\u{85}\n\t"), "\\u007f\\u0085\\n\\t");
        assert_eq!(escaped("héllo, 世界"), "héllo, 世界");
    }

    #[test]
    fn long_values_keep_their_start_and_end() {
        let long = format!("start{}end", "x".repeat(1_000_000));
        let shown = value(&long);
        assert_eq!(shown.chars().count(), VALUE_CHARS);
        assert!(
            shown.starts_with("startxx") && shown.ends_with("xxend"),
            "{shown}"
        );
        assert!(shown.contains('…'));
        let name = "n".repeat(VALUE_CHARS);
        assert_eq!(value(&name), name, "a legal name is never cut");
    }

    #[test]
    fn clipping_never_splits_an_escape() {
        let shown = value(&"\u{1b}".repeat(100));
        assert!(shown.chars().count() <= VALUE_CHARS);
        let kept = shown.replace('…', "");
        assert_eq!(kept.len() % 6, 0, "{shown}");
    }

    #[test]
    fn quoted_parts_of_a_message_are_clipped_and_escaped() {
        let key = "k".repeat(10_000);
        let message = format!("unknown field `{key}`, expected `cpus`");
        let shown = quoted_parts_clipped(&message);
        assert!(shown.starts_with("unknown field `kkk"), "{shown}");
        assert!(shown.ends_with("kk`, expected `cpus`"), "{shown}");
        assert!(shown.len() < 200);
        let message = "invalid type: string \"a\\\"\u{1b}b\", expected u32";
        assert_eq!(
            quoted_parts_clipped(message),
            "invalid type: string \"a\\\"\\u001bb\", expected u32"
        );
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let shown = excerpt("  \"cpus\": \"two\",", 10, 5, false, false);
        assert_eq!(shown.line, "  \"cpus\": \"two\",");
        assert_eq!(shown.lead, " ".repeat(10));
        assert_eq!(shown.marker, 5);
    }

    #[test]
    fn a_long_line_is_cut_around_the_error_and_the_marker_follows() {
        let text = format!("{}ERROR{}", "a".repeat(5000), "b".repeat(5000));
        let shown = excerpt(&text, 5000, 5, false, false);
        assert!(shown.line.chars().count() <= LINE_CHARS + 2);
        assert!(shown.line.starts_with('…') && shown.line.ends_with('…'));
        let at = shown.lead.chars().count();
        let under: String = shown.line.chars().skip(at).take(shown.marker).collect();
        assert_eq!(under, "ERROR");
    }

    #[test]
    fn escapes_before_the_error_move_the_marker() {
        let text = "\"\u{1b}[31m\": 1";
        let shown = excerpt(text, 8, 1, false, false);
        assert_eq!(shown.line, "\"\\u001b[31m\": 1");
        let at = shown.lead.chars().count();
        assert_eq!(shown.line.chars().nth(at), Some(' '));
        assert_eq!(shown.line.chars().nth(at + 1), Some('1'));
    }

    #[test]
    fn a_wide_value_is_marked_only_as_far_as_it_is_shown() {
        let text = format!("\"name\": \"{}\",", "a".repeat(1_000_000));
        let shown = excerpt(&text, 8, 1_000_002, false, false);
        assert!(shown.line.chars().count() <= LINE_CHARS + 2);
        assert_eq!(shown.lead.chars().count(), 8);
        assert_eq!(shown.marker, shown.line.chars().count() - 8 - 1);
    }

    #[test]
    fn an_error_at_the_end_of_a_long_line_shows_the_end() {
        let text = "x".repeat(1000);
        let shown = excerpt(&text, 1000, 1, false, false);
        assert!(shown.line.starts_with('…') && !shown.line.ends_with('…'));
        assert_eq!(shown.lead.chars().count(), shown.line.chars().count());
    }

    #[test]
    fn tabs_stay_tabs_in_lines_and_under_them() {
        let shown = excerpt("\t\"a\": x", 6, 1, false, false);
        assert_eq!(shown.line, "\t\"a\": x");
        assert_eq!(shown.lead, "\t     ");
    }

    #[test]
    fn message_lines_have_a_fixed_width() {
        let line = message_line(&"z".repeat(100_000));
        assert_eq!(line.chars().count(), MESSAGE_LINE_CHARS + 1);
    }
}
