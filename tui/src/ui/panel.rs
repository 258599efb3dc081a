//! A pane: a bordered list of lines that scrolls, keeps a selection in sight, says what it
//! hides, and shows which lines the last step changed.

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

/// A bordered list of lines that scrolls and, when it cannot show everything, says how
/// many lines are hidden above and below.
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
    /// Whether lines too long for the pane go on under it, indented, rather than lose
    /// their end (for panes whose lines are not selectable rows).
    wrap: bool,
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
            wrap: false,
        }
    }

    pub(super) fn wrapped(mut self) -> Self {
        self.wrap = true;
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
    fn render(mut self, area: Rect, buf: &mut Buffer) {
        let room = area.height.saturating_sub(2) as usize;
        let wrapped = self.wrap.then(|| {
            let (lines, rows) = wrap(self.lines, area.width.saturating_sub(2) as usize);
            self.changed = rows
                .iter()
                .map(|&r| self.changed.get(r).copied().unwrap_or(false))
                .collect();
            self.colors = rows
                .iter()
                .map(|&r| self.colors.get(r).copied().flatten())
                .collect();
            lines
        });
        let all: &[String] = wrapped.as_deref().unwrap_or(self.lines);
        let n = all.len();
        let max_offset = n.saturating_sub(room);
        let offset = match self.selected {
            Some(row) => (0..=max_offset)
                .find(|&o| {
                    // The rows left once the "more above / below" notes take theirs.
                    let first = o + usize::from(o > 0);
                    let end = o + room - usize::from(o + room < n);
                    (first..end).contains(&row)
                })
                .unwrap_or(max_offset),
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
            shown[last] = format!("(+{} more below)", below + 1);
        }
        let mut block = Block::bordered().title(format!(" {} ", self.title));
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
                if !note && self.changed.get(row).copied().unwrap_or(false) {
                    style = self.changed_style;
                }
                if let Some(color) = self.colors.get(row).copied().flatten().filter(|_| !note) {
                    style = style.fg(color);
                }
                Line::from(text).style(style)
            })
            .collect();
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

/// `lines` cut to `width` columns, each cut-off part going on under its line after two
/// spaces (at word boundaries where there is one); with, for each shown line, the line
/// it came from.
fn wrap(lines: &[String], width: usize) -> (Vec<String>, Vec<usize>) {
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
            let cut = if fits {
                rest.len()
            } else {
                let limit = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
                // The last space before the limit, unless that leaves nothing.
                match rest[..limit].rfind(' ') {
                    Some(space) if space > 0 => space,
                    _ => limit,
                }
            };
            out.push(format!("{indent}{}", &rest[..cut]));
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

/// Lines that changed in the last step: bold, and cyan when colour is on.
fn changed_style(color: bool) -> Style {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    if color { bold.fg(Color::Cyan) } else { bold }
}
