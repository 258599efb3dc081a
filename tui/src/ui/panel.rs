//! A pane: a bordered list of lines that wraps at word boundaries, scrolls, keeps a
//! selection in sight, says what it hides, and shows which lines the last step changed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

/// The focused pane's border: thick, and yellow when colour is on.
pub(super) fn focus_style(block: Block<'_>, color: bool) -> Block<'_> {
    let block = block.border_type(BorderType::Thick);
    if color {
        block.border_style(Style::new().fg(Color::Yellow))
    } else {
        block
    }
}

/// A bordered list of lines that wraps what is too wide (nothing is cut), scrolls and,
/// when it cannot show everything, says how many lines are hidden above and below.
pub(super) struct Panel<'a> {
    title: &'a str,
    lines: &'a [String],
    offset: usize,
    selected: Option<usize>,
    focused: Option<bool>,
    /// Which lines changed in the last step, and the style that shows it.
    changed: Vec<bool>,
    changed_style: Style,
    /// A colour per line (threads wear their timeline colour).
    colors: Vec<Option<Color>>,
    /// The keys that scroll this pane from the focus now ("Tab ×2, then ↓"), named in
    /// the "more below" note when the row has room for them.
    keys: Option<String>,
}

impl<'a> Panel<'a> {
    pub(super) fn new(title: &'a str, lines: &'a [String]) -> Self {
        Self {
            title,
            lines,
            offset: 0,
            selected: None,
            focused: None,
            changed: Vec::new(),
            changed_style: Style::new(),
            colors: Vec::new(),
            keys: None,
        }
    }

    /// Names `keys` as the way to the hidden lines below.
    pub(super) fn reached_by(mut self, keys: String) -> Self {
        self.keys = Some(keys);
        self
    }

    pub(super) fn colored(mut self, colors: Vec<Option<Color>>) -> Self {
        self.colors = colors;
        self
    }

    /// Highlights the lines that differ from the same row `before` the step.
    pub(super) fn changes(self, before: Option<&[String]>, color: bool) -> Self {
        let now: Vec<&str> = self.lines.iter().map(String::as_str).collect();
        self.changes_of(&now, before, color)
    }

    /// As [`Panel::changes`], comparing the rows' own texts (without the selection mark).
    pub(super) fn changes_in<Id>(
        self,
        rows: &[crate::view::Row<Id>],
        before: Option<&[String]>,
        color: bool,
    ) -> Self {
        let now: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        self.changes_of(&now, before, color)
    }

    fn changes_of(mut self, now: &[&str], before: Option<&[String]>, color: bool) -> Self {
        let Some(before) = before else { return self };
        self.changed = now
            .iter()
            .enumerate()
            .map(|(i, line)| before.get(i).map(String::as_str) != Some(*line))
            .collect();
        self.changed_style = changed_style(color);
        self
    }

    pub(super) fn scrolled(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Scrolls so the selected row shows.
    pub(super) fn selected(mut self, row: Option<usize>) -> Self {
        self.selected = row;
        self
    }

    pub(super) fn focused(mut self, color: bool) -> Self {
        self.focused = Some(color);
        self
    }
}

impl Widget for Panel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let room = area.height.saturating_sub(2) as usize;
        // Lines too long for the pane go on under it, indented, rather than lose their end.
        let (all, rows) = wrap(self.lines, area.width.saturating_sub(2) as usize);
        let changed: Vec<bool> = rows
            .iter()
            .map(|&r| self.changed.get(r).copied().unwrap_or(false))
            .collect();
        let colors: Vec<Option<Color>> = rows
            .iter()
            .map(|&r| self.colors.get(r).copied().flatten())
            .collect();
        let n = all.len();
        let max_offset = n.saturating_sub(room);
        // The shown rows of each offset, once the "more above / below" notes take theirs.
        let shown_at = |o: usize| o + usize::from(o > 0)..o + room - usize::from(o + room < n);
        let offset = match self.selected {
            Some(row) => {
                // The selected row with all its wrapped lines if they fit, else its first.
                let first = rows.iter().position(|&r| r == row).unwrap_or(0);
                let last = rows.iter().rposition(|&r| r == row).unwrap_or(first);
                (0..=max_offset)
                    .find(|&o| shown_at(o).contains(&first) && shown_at(o).contains(&last))
                    .or_else(|| (0..=max_offset).find(|&o| shown_at(o).contains(&first)))
                    .unwrap_or(max_offset)
            }
            None => self.offset.min(max_offset),
        };
        let mut shown: Vec<String> = all[offset..(offset + room).min(n)].to_vec();
        let above = offset;
        let below = n - (offset + shown.len());
        if above > 0 && !shown.is_empty() {
            // Keep the selected row: say what is hidden on the row before it.
            shown[0] = format!("(+{} more above)", above + 1);
        }
        if below > 0 && shown.len() > 1 {
            let last = shown.len() - 1;
            let plain = format!("(+{} more below)", below + 1);
            let width = area.width.saturating_sub(2) as usize;
            shown[last] = match &self.keys {
                Some(keys) => {
                    let with_keys = format!("(+{} more below: {keys})", below + 1);
                    if with_keys.chars().count() <= width {
                        with_keys
                    } else {
                        plain
                    }
                }
                None => plain,
            };
        }
        // The title leaves a border cell before the corner, so a cut one shows its mark.
        let title = fit(self.title, area.width.saturating_sub(5) as usize);
        let mut block = Block::bordered().title(format!(" {title} "));
        if let Some(color) = self.focused {
            block = focus_style(block, color);
        }
        let lines: Vec<Line> = shown
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let row = offset + i;
                let note = (i == 0 && above > 0) || (row + 1 == offset + room && below > 0);
                let mut style = Style::new();
                if !note && changed.get(row).copied().unwrap_or(false) {
                    style = self.changed_style;
                }
                if let Some(color) = colors.get(row).copied().flatten().filter(|_| !note) {
                    style = style.fg(color);
                }
                Line::from(text).style(style)
            })
            .collect();
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

/// How many rows `lines` take wrapped at `width` columns.
pub(super) fn rows_needed(lines: &[String], width: usize) -> usize {
    wrap(lines, width).0.len()
}

/// `text` in at most `width` columns: whole, or cut at a word boundary where there is one
/// and marked with `…`.
pub(super) fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let limit = text
        .char_indices()
        .nth(width.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    let cut = match text[..limit].rfind(' ') {
        Some(space) if space > 0 => space,
        _ => limit,
    };
    format!("{}…", text[..cut].trim_end())
}

/// `lines` cut to `width` columns, each cut-off part going on under its line after two
/// spaces, at a word boundary; a word too long for a row is split with a `…` at the end
/// of its first part. With, for each shown line, the line it came from.
pub(super) fn wrap(lines: &[String], width: usize) -> (Vec<String>, Vec<usize>) {
    const INDENT: &str = "  ";
    let mut out = Vec::new();
    let mut rows = Vec::new();
    for (row, line) in lines.iter().enumerate() {
        let mut rest: &str = line;
        let mut first = true;
        loop {
            let indent = if first { "" } else { INDENT };
            let room = width.saturating_sub(indent.len()).max(1);
            let fits = rest.chars().count() <= room;
            let (cut, mark) = if fits {
                (rest.len(), "")
            } else {
                let limit = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
                match last_break(rest, limit) {
                    Some(space) => (space, ""),
                    None => {
                        let split = rest
                            .char_indices()
                            .nth(room.saturating_sub(1).max(1))
                            .map_or(rest.len(), |(i, _)| i);
                        (split, "…")
                    }
                }
            };
            out.push(format!("{indent}{}{mark}", rest[..cut].trim_end()));
            rows.push(row);
            rest = rest[cut..].trim_start();
            first = false;
            if rest.is_empty() {
                break;
            }
        }
    }
    (out, rows)
}

/// Where `text` may break at or before byte `limit`: the last space after its first word
/// that is not inside brackets (a DMA ring's `[ ]` slot stays whole), else the last place
/// between two bracketed slots (`][`), as a ring too long for the row breaks.
fn last_break(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut word = false;
    let mut space = None;
    let mut slot = None;
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        if i > limit {
            break;
        }
        match c {
            '[' if previous == ']' && depth <= 0 => slot = Some(i),
            ' ' if word && depth <= 0 => space = Some(i),
            _ => {}
        }
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        word |= c != ' ';
        previous = c;
    }
    space.or(slot)
}

/// Lines that changed in the last step: bold, and cyan when colour is on.
fn changed_style(color: bool) -> Style {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    if color { bold.fg(Color::Cyan) } else { bold }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wrap_breaks_at_spaces_and_indents_the_rest() {
        let (rows, from) = wrap(&lines(&["cpu0 DPC disk0 DISPATCH", "cpu1 idle"]), 16);
        assert_eq!(rows, ["cpu0 DPC disk0", "  DISPATCH", "cpu1 idle"]);
        assert_eq!(from, [0, 0, 1]);
    }

    #[test]
    fn wrap_keeps_a_ring_slot_whole_and_marks_a_split_word() {
        let (rows, _) = wrap(&lines(&["[ ][d][R][ ] head 1"]), 8);
        assert_eq!(rows, ["[ ][d]", "  [R][ ]", "  head 1"]);
        let (rows, _) = wrap(&lines(&["requests.database"]), 8);
        assert_eq!(rows, ["request…", "  s.dat…", "  abase"]);
    }

    #[test]
    fn fit_cuts_at_a_word_and_marks_it() {
        assert_eq!(
            fit("Interrupt lines · ports", 30),
            "Interrupt lines · ports"
        );
        assert_eq!(fit("Interrupt lines · ports", 20), "Interrupt lines ·…");
        assert_eq!(fit("Interrupt", 5), "Inte…");
    }
}
