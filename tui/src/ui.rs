//! Drawing: lays out the latest [`View`]. Nothing here reads the kernel; the simulation
//! thread already turned its state into lines.

mod panel;

use crate::app::{Action, App, KEYS, Pane};
use crate::checks::{CheckLine, CheckVerdict};
use crate::detail::{DetailView, irp_state_legend};
use crate::predict::Question;
use crate::sim::Task;
use crate::timeline::LEGEND;
use crate::view::View;
use kernel_sim::ThreadId;
use kernel_sim::trace::{format_time_scaled, format_time_short};
use panel::{Panel, focus_style};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// Rows the story keeps however many timeline lanes there are.
const STORY_MIN: u16 = 7;

/// Columns of a timeline lane's label.
const LABEL: usize = 7;

/// The smallest screen the walkthrough draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where each part of the screen goes; the mouse uses it to find the pane under the
/// pointer.
#[derive(Debug, Clone, Copy)]
pub struct Areas {
    pub status: Rect,
    pub cpus: Rect,
    pub threads: Rect,
    pub irps: Rect,
    pub devices: Rect,
    pub ports: Rect,
    pub timeline: Rect,
    pub story: Rect,
    pub bottom: Rect,
}

impl Areas {
    /// The layout for a screen of `area` showing `view`.
    pub fn new(area: Rect, view: &View) -> Self {
        // Taller screens give the panes more rows; the timeline takes what it needs
        // while the story keeps at least STORY_MIN rows; the story takes the rest.
        let (top, mid) = match area.height {
            ..30 => (5, 6),
            30..36 => (6, 7),
            _ => (7, 8),
        };
        let fixed = 1 + top + mid + 1;
        let spare = area.height.saturating_sub(fixed + STORY_MIN);
        let lanes = view.timeline.lanes.len() as u16;
        let timeline = (1 + lanes).min(spare).max(2);
        let [status, top, mid, timeline, story, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(top),
            Constraint::Length(mid),
            Constraint::Length(timeline),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);
        // A wide screen gives the CPUs' short lines less and the threads' waits more.
        let cpus_share = if area.width < 100 { 30 } else { 26 };
        let [cpus, threads, irps] = Layout::horizontal([
            Constraint::Percentage(cpus_share),
            Constraint::Percentage(62 - cpus_share),
            Constraint::Percentage(38),
        ])
        .areas(top);
        // The lines' pane gives its room to the devices when there is nothing to list
        // (pipes raise no interrupts), and takes more when it lists objects, whose
        // waiters make long lines.
        let side = match (view.lines_and_ports.is_empty(), view.has_objects) {
            (true, _) => 0,
            (false, false) => 38,
            (false, true) => 45,
        };
        let [devices, ports] = Layout::horizontal([
            Constraint::Percentage(100 - side),
            Constraint::Percentage(side),
        ])
        .areas(mid);
        Self {
            status,
            cpus,
            threads,
            irps,
            devices,
            ports,
            timeline,
            story,
            bottom,
        }
    }

    /// The focusable pane at a screen cell, if any.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let p = Position::new(column, row);
        [
            (self.cpus, Pane::Cpus),
            (self.irps, Pane::Irps),
            (self.threads, Pane::Threads),
            (self.devices, Pane::Devices),
            (self.ports, Pane::Ports),
            (self.timeline, Pane::Timeline),
            (self.story, Pane::Story),
        ]
        .into_iter()
        .find(|(r, _)| r.contains(p))
        .map(|(_, pane)| pane)
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small(area, buf);
            return;
        }
        let v = &self.view;
        let a = Areas::new(area, v);
        Line::from(self.status_line(area.width))
            .style(self.bar_style())
            .render(a.status, buf);

        let before = self.before.as_ref();
        self.panel(Pane::Cpus, "CPUs", &v.cpus)
            .changes(before.map(|b| b.cpus.as_slice()), self.color)
            .render(a.cpus, buf);
        let threads_before = before.map(|b| row_texts(&b.threads));
        let irps_before = before.map(|b| row_texts(&b.irps));
        let threads: Vec<String> = v
            .threads
            .iter()
            .map(|r| marked(r.text.as_str(), Some(r.id) == self.selected_thread))
            .collect();
        self.panel(Pane::Threads, "Threads", &threads)
            .changes_in(&v.threads, threads_before.as_deref(), self.color)
            .colored(
                v.threads
                    .iter()
                    .map(|r| self.color.then(|| thread_color(r.id)))
                    .collect(),
            )
            .selected(
                v.threads
                    .iter()
                    .position(|r| Some(r.id) == self.selected_thread),
            )
            .render(a.threads, buf);
        let mut irps: Vec<String> = v
            .irps
            .iter()
            .map(|r| marked(r.text.as_str(), Some(r.id) == self.selected_irp))
            .collect();
        if irps.is_empty() {
            irps.push("(none yet)".into());
        }
        self.panel(Pane::Irps, "IRPs", &irps)
            .changes_in(&v.irps, irps_before.as_deref(), self.color)
            .selected(v.irps.iter().position(|r| Some(r.id) == self.selected_irp))
            .render(a.irps, buf);
        let devices_title = match (v.has_rings, v.has_buffers) {
            (true, true) => "Devices and drivers · DMA rings · buffers",
            (true, false) => "Devices and drivers · DMA rings",
            (false, true) => "Devices and drivers · buffers",
            (false, false) => "Devices and drivers",
        };
        // Long lines (a queue with each request's place) wrap rather than lose their end.
        self.panel(Pane::Devices, devices_title, &v.devices)
            .changes(before.map(|b| b.devices.as_slice()), self.color)
            .wrapped()
            .render(a.devices, buf);
        if !a.ports.is_empty() {
            let side_title = v.side_title();
            // Long lines (an object's waiters) wrap rather than lose their end.
            self.panel(Pane::Ports, &side_title, &v.lines_and_ports)
                .changes(before.map(|b| b.lines_and_ports.as_slice()), self.color)
                .wrapped()
                .render(a.ports, buf);
        }
        self.timeline(a.timeline, buf);
        self.story(a.story, buf);
        if let Some(q) = &self.predict.question {
            self.question(q, a.story, buf);
        }

        Line::from(self.bottom_line(area.width))
            .style(self.bar_style())
            .render(a.bottom, buf);

        if self.show_details
            && let Some(detail) = &v.detail
        {
            self.details(detail, area, buf);
        }
        if self.show_checks {
            self.checks(area, buf);
        }
        if self.show_help {
            self.help(area, buf);
        }
    }
}

impl App {
    /// The scenario and its seed, the step, the time and the mode; with expectations, how
    /// many hold at this step; in predict mode, the tally. When the line is too long for
    /// `width`, the program's name goes first, then the word "paused", then the seed.
    fn status_line(&self, width: u16) -> String {
        let v = &self.view;
        let of = match v.total {
            Some(n) => match v.stopped {
                Some(why) => format!("{} ({why})", grouped(n)),
                None => grouped(n),
            },
            None => {
                let known = self.progress.as_ref().map_or(0, |p| p.known).max(v.known);
                format!("≥{} (exploring)", grouped(known))
            }
        };
        // Each part with the rank at which it goes when the line is too long (the
        // highest first; 0 stays).
        let mut parts: Vec<(String, u8)> = vec![
            ("iosim".into(), 3),
            (self.scenario.clone(), 0),
            (format!("seed {}", self.seed), 1),
            (format!("step {}/{of}", grouped(v.step)), 0),
            (format!("t={}", format_time_scaled(v.now)), 0),
        ];
        parts.push(if self.running {
            (format!("running ×{}", self.speed), 0)
        } else {
            ("paused".into(), 2)
        });
        if !v.checks.is_empty() {
            let held = v
                .checks
                .iter()
                .filter(|c| c.verdict == CheckVerdict::Held)
                .count();
            parts.push((format!("expect {held}/{} held", v.checks.len()), 0));
        }
        let p = &self.predict;
        if p.on || p.answered > 0 {
            parts.push((format!("predict {}/{}", p.right, p.answered), 0));
        }
        let line = |parts: &[(String, u8)]| {
            let words: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
            format!(" {} ", words.join(" · "))
        };
        while line(&parts).chars().count() > width as usize {
            let Some(worst) = parts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.1 > 0)
                .max_by_key(|(_, p)| p.1)
                .map(|(i, _)| i)
            else {
                break;
            };
            parts.remove(worst);
        }
        line(&parts)
    }

    /// The typed line, else what a long task has done so far, else the last answer, else
    /// the keys that matter now, as many as fit in `width`.
    fn bottom_line(&self, width: u16) -> String {
        if let Some(p) = &self.prompt {
            return format!(" {}{}_", p.kind.label(self.last_search.as_deref()), p.text);
        }
        if let Some(p) = self.progress.as_ref().filter(|_| self.busy()) {
            return match (p.task, p.target) {
                (Task::Seeking, Some(target)) if target != u64::MAX => format!(
                    " running ahead to step {}: {} explored ({}%) · Esc cancels",
                    grouped(target),
                    grouped(p.known),
                    p.known.saturating_mul(100) / target.max(1)
                ),
                (Task::Searching, _) => {
                    format!(
                        " searching: {} steps explored so far · Esc cancels",
                        p.known
                    )
                }
                (Task::SearchingBack, at) => format!(
                    " searching back: looked back to step {} · Esc cancels",
                    grouped(at.unwrap_or(0))
                ),
                _ => format!(
                    " running ahead: {} steps explored so far · Esc cancels",
                    grouped(p.known)
                ),
            };
        }
        if let Some(q) = &self.predict.question {
            return format!(
                " 1-{} or ←→ Enter: your guess · Esc: no guess, no step",
                q.choices.len()
            );
        }
        if let Some(m) = &self.message {
            return format!(" {m}");
        }
        if self.show_help {
            return " ↑↓ PgDn PgUp scroll  ?/Esc close  q quit".into();
        }
        if self.show_checks {
            return " ↑↓ scroll  e/Esc close  →/← step: the verdicts follow  ? help  q quit".into();
        }
        if self.show_details {
            return " ↑↓ PgDn PgUp scroll  Enter/Esc close  →/← step  ? help  q quit".into();
        }
        key_hints(self.has_checks(), width)
    }

    /// The status and key bars: coloured, or reverse video under NO_COLOR.
    fn bar_style(&self) -> Style {
        if self.color {
            Style::new().fg(Color::White).bg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    fn panel<'a>(&self, pane: Pane, title: &'a str, lines: &'a [String]) -> Panel<'a> {
        let mut panel = Panel::new(title, lines).scrolled(self.scroll_of(pane));
        if self.focus == pane {
            panel = panel.focused(self.color);
        }
        panel
    }

    /// The expectations overlay: each one's verdict at this step under a glyph that reads
    /// without colour, with what a broken one expected and found, and how one judged at
    /// the end would stand now. The status and key bars stay visible above and below.
    fn checks(&self, area: Rect, buf: &mut Buffer) {
        let v = &self.view;
        let width = area.width.saturating_sub(6) as usize;
        let rows = check_rows(&v.checks, width, self.color);
        // As tall as the list, at most all but the two bars.
        let r = Rect::new(
            area.x + 2,
            area.y + 1,
            area.width.saturating_sub(4),
            (rows.len() as u16 + 2).min(area.height.saturating_sub(2)),
        );
        Clear.render(r, buf);
        let count = |verdict| v.checks.iter().filter(|c| c.verdict == verdict).count();
        let title = format!(
            " Expectations after step {} · {} held · {} broken · {} not yet ",
            grouped(v.step),
            count(CheckVerdict::Held),
            count(CheckVerdict::Broken),
            count(CheckVerdict::NotYet),
        );
        let block = Block::bordered().title(title);
        let inner = block.inner(r);
        block.render(r, buf);
        let room = inner.height as usize;
        let scroll = &self.checks_scroll;
        scroll.max.set(rows.len().saturating_sub(room));
        scroll.page.set(room);
        let offset = scroll.offset.min(scroll.max.get());
        let end = (offset + room).min(rows.len());
        let shown = with_edge_marks(rows[offset..end].to_vec(), offset, rows.len() - end);
        Paragraph::new(shown).render(inner, buf);
    }

    /// The timeline strip: a header with the window and the legend, then a row per
    /// lane with the current moment's column marked.
    fn timeline(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.view.timeline;
        let width = (area.width as usize).saturating_sub(LABEL);
        if area.height == 0 || width == 0 {
            return;
        }
        let rows = area.height as usize - 1;
        let hidden = t.lanes.len().saturating_sub(rows);
        // Focused, ↓ and ↑ scroll the lanes.
        let skip = self.scroll_of(Pane::Timeline).min(hidden);
        let more = if hidden > 0 {
            format!(
                " (lanes {}-{} of {})",
                skip + 1,
                skip + rows.min(t.lanes.len()),
                t.lanes.len()
            )
        } else {
            String::new()
        };
        let focused = self.focus == Pane::Timeline;
        let header = format!(
            "{:<LABEL$}{} – {}{more} │ {LEGEND}",
            if focused { "▶time" } else { "time" },
            format_time_short(t.from),
            format_time_short(t.to),
        );
        let style = Style::new().add_modifier(if focused {
            Modifier::BOLD
        } else {
            Modifier::DIM
        });
        Line::from(header).style(style).render(area, buf);
        let now = t.column(t.now, width);
        let marker = if self.color {
            Style::new().bg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        };
        for (row, lane) in t.lanes.iter().skip(skip).take(rows).enumerate() {
            let y = area.y + 1 + row as u16;
            let mut cells = t.cells(lane, width);
            // The current moment: a line where the lane is idle, highlighted either way.
            if cells[now].glyph == ' ' {
                cells[now].glyph = '│';
            }
            let label: String = lane.label.chars().take(LABEL - 1).collect();
            Line::from(format!("{label:<LABEL$}"))
                .render(Rect::new(area.x, y, LABEL as u16, 1), buf);
            for (i, cell) in cells.iter().enumerate() {
                let c = &mut buf[(area.x + (LABEL + i) as u16, y)];
                c.set_char(cell.glyph);
                if let Some(t) = cell.thread.filter(|_| self.color) {
                    c.set_fg(thread_color(t));
                }
            }
            buf[(area.x + (LABEL + now) as u16, y)].set_style(marker);
        }
    }

    /// Predict mode's question, over the story pane (the panes above stay in sight): the
    /// question, then the choices in a row, numbered, the one under the cursor marked.
    fn question(&self, q: &Question, area: Rect, buf: &mut Buffer) {
        Clear.render(area, buf);
        let block = focus_style(
            Block::bordered().title(format!(
                " Predict step {} · what happens next? ",
                grouped(q.step)
            )),
            self.color,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let marker = if self.color {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        };
        let mut choices: Vec<Span> = Vec::new();
        for (i, choice) in q.choices.iter().enumerate() {
            if i > 0 {
                choices.push(Span::raw("  "));
            }
            // The cursor reads without colour or reverse video too.
            let cursor = if i == self.predict.cursor { '▶' } else { ' ' };
            let text = format!("{cursor}{} {choice}", i + 1);
            choices.push(if i == self.predict.cursor {
                Span::styled(text, marker)
            } else {
                Span::raw(text)
            });
        }
        Paragraph::new(vec![
            Line::from(q.text.clone()),
            Line::from(""),
            Line::from(choices),
        ])
        .wrap(Wrap { trim: true })
        .render(inner, buf);
    }

    /// "What just happened": the step's events, then where to look next.
    fn story(&self, area: Rect, buf: &mut Buffer) {
        let v = &self.view;
        let mut block = Block::bordered().title(" What just happened ");
        if self.focus == Pane::Story {
            block = focus_style(block, self.color);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        let hint = v.hint.as_ref().map(|h| format!("Look next: {h}"));
        let hint_rows = hint.as_ref().map_or(0, |h| {
            (wrapped_rows(h, inner.width) as u16).min(inner.height.saturating_sub(1))
        });
        let [events, look] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(hint_rows)]).areas(inner);
        let mut lines: Vec<Line> = if v.narration.is_empty() && v.step == 0 {
            vec![Line::from(
                "Nothing has happened yet. Press → to take the first step.",
            )]
        } else if v.narration.is_empty() {
            vec![Line::from(
                "This step recorded no event: the kernel handled something with no effect to \
                 show, such as a doorbell write reaching a device that is already busy. Press → \
                 to go on.",
            )]
        } else {
            v.narration
                .iter()
                .map(|e| Line::from(format!("• {e}")))
                .collect()
        };
        // At the last step, what the whole run did and what it was for.
        if !v.summary.is_empty() {
            let over = match v.stopped {
                Some(why) => format!("The run stops here ({why})."),
                None => "The run is over: nothing is left to happen.".to_string(),
            };
            lines.push(Line::from(over).style(Style::new().add_modifier(Modifier::BOLD)));
            lines.extend(v.summary.iter().map(|l| Line::from(l.clone())));
            if !self.description.is_empty() {
                lines.push(Line::from(format!(
                    "What this scenario shows: {}",
                    self.description
                )));
            }
        }
        // Predict mode's verdict on the guess about this step, above what it did.
        if let Some(verdict) = self.predict.verdict.as_ref().filter(|x| x.step == v.step) {
            let style = match (verdict.right, self.color) {
                (true, true) => Style::new().fg(Color::Green),
                (false, true) => Style::new().fg(Color::Red),
                (_, false) => Style::new(),
            };
            lines.insert(
                0,
                Line::from(verdict.text.clone()).style(style.add_modifier(Modifier::BOLD)),
            );
        }
        let total: usize = lines
            .iter()
            .map(|l| wrapped_rows(&l.to_string(), events.width))
            .sum();
        let room = events.height as usize;
        let offset = self.scroll_of(Pane::Story).min(total.saturating_sub(room));
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .scroll((offset as u16, 0))
            .render(events, buf);
        if total > offset + room && room > 0 {
            // The note takes the last row, so that row is hidden too.
            let below = total - offset - room + 1;
            let r = Rect::new(events.x, events.bottom() - 1, events.width, 1);
            Clear.render(r, buf);
            let s = if below == 1 { "" } else { "s" };
            let keys = self.keys_to_scroll(Pane::Story);
            Line::from(format!("(+{below} more line{s}: {keys})")).render(r, buf);
        }
        if let Some(h) = hint {
            let style = if self.color {
                Style::new().fg(Color::Yellow)
            } else {
                Style::new().add_modifier(Modifier::BOLD)
            };
            Paragraph::new(h)
                .style(style)
                .wrap(Wrap { trim: true })
                .render(look, buf);
        }
    }
}

/// The keys that matter on the panes, in the order shown: each hint with the rank at
/// which it goes when the line is too narrow (the highest goes first).
const HINTS: [(&str, u8); 10] = [
    ("→/space step", 0),
    ("← back", 0),
    ("r run", 3),
    ("n next irq", 4),
    ("g go to", 2),
    ("/ search", 2),
    ("p predict", 5),
    ("Tab focus", 5),
    ("? help", 0),
    ("q quit", 6),
];

/// The expectations' hint, after the search's: only when the scenario states some.
const CHECKS_HINT: (&str, u8) = ("e expect", 1);

/// The key hints that fit in `width`, dropping the least needed first; the expectations'
/// key only when the scenario has expectations.
fn key_hints(checks: bool, width: u16) -> String {
    let mut hints: Vec<(&str, u8)> = HINTS.to_vec();
    if checks {
        let at = hints
            .iter()
            .position(|h| h.0 == "/ search")
            .map_or(0, |p| p + 1);
        hints.insert(at, CHECKS_HINT);
    }
    let line = |hints: &[(&str, u8)]| {
        let words: Vec<&str> = hints.iter().map(|h| h.0).collect();
        format!(" {}", words.join("  "))
    };
    while line(&hints).chars().count() > width as usize {
        let Some(worst) = hints
            .iter()
            .enumerate()
            .filter(|(_, h)| h.1 > 0)
            .max_by_key(|(_, h)| h.1)
            .map(|(i, _)| i)
        else {
            break;
        };
        hints.remove(worst);
    }
    line(&hints)
}

/// Columns of the expectations overlay's verdict column ("… not yet" and a space).
const MARK: usize = 10;

/// The expectations overlay's rows at `width` columns: each expectation's verdict and
/// label, wrapped under the label's start, then its details, indented under it.
fn check_rows(checks: &[CheckLine], width: usize, color: bool) -> Vec<Line<'static>> {
    let mut rows = Vec::new();
    for check in checks {
        let style = verdict_style(check.verdict, color);
        for (i, text) in wrap_words(&check.label, width.saturating_sub(MARK))
            .into_iter()
            .enumerate()
        {
            let mark = if i == 0 { check.verdict.mark() } else { "" };
            rows.push(Line::from(vec![
                Span::styled(format!("{mark:<MARK$}"), style),
                Span::raw(text),
            ]));
        }
        for detail in &check.detail {
            // A detail's own continuation rows go two further in.
            for (i, text) in wrap_words(detail, width.saturating_sub(MARK + 4))
                .into_iter()
                .enumerate()
            {
                let indent = MARK + 2 + if i == 0 { 0 } else { 2 };
                rows.push(Line::from(format!("{:indent$}{text}", "")));
            }
        }
    }
    rows
}

/// A verdict's style: green, red or yellow with colour; without it, a broken one is bold
/// (the glyph and the word already say which is which).
fn verdict_style(verdict: CheckVerdict, color: bool) -> Style {
    match (verdict, color) {
        (CheckVerdict::Held, true) => Style::new().fg(Color::Green),
        (CheckVerdict::Broken, true) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        (CheckVerdict::NotYet, true) => Style::new().fg(Color::Yellow),
        (CheckVerdict::Broken, false) => Style::new().add_modifier(Modifier::BOLD),
        (_, false) => Style::new(),
    }
}

/// `text` in rows of at most `width` characters, broken at spaces where it can be.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > width {
        // The first character that does not fit: there is one, the text is longer.
        let limit = rest
            .char_indices()
            .nth(width)
            .map_or(rest.len(), |(i, _)| i);
        // Cut at the last space up to the limit, unless that leaves nothing.
        let cut = if rest[limit..].starts_with(' ') {
            limit
        } else {
            match rest[..limit].rfind(' ') {
                Some(space) if space > 0 => space,
                _ => limit,
            }
        };
        rows.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    rows.push(rest.to_string());
    rows
}

/// How many rows `text` takes wrapped at `width` (an estimate by characters; word wrap
/// may take one more).
fn wrapped_rows(text: &str, width: u16) -> usize {
    let n = text.chars().count().max(1);
    n.div_ceil(width.max(1) as usize)
}

/// A count with thousands separators: 1,048,576.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn marked(text: &str, selected: bool) -> String {
    format!("{}{text}", if selected { '▶' } else { ' ' })
}

fn row_texts<Id>(rows: &[crate::view::Row<Id>]) -> Vec<String> {
    rows.iter().map(|r| r.text.clone()).collect()
}

/// A thread's colour, the same in the timeline and the Threads pane (with colour on).
pub fn thread_color(t: ThreadId) -> Color {
    const PALETTE: [Color; 6] = [
        Color::LightBlue,
        Color::LightGreen,
        Color::LightMagenta,
        Color::LightRed,
        Color::LightYellow,
        Color::LightCyan,
    ];
    PALETTE[t.0 as usize % PALETTE.len()]
}

/// Says what is missing instead of drawing a broken screen.
fn too_small(area: Rect, buf: &mut Buffer) {
    Paragraph::new(vec![
        Line::from(format!(
            "iosim needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window to see the panes; q quits."),
    ])
    .wrap(Wrap { trim: true })
    .render(area, buf);
}

/// The rows at the edges of a scrolled window say what is hidden beyond them, as a pane's
/// do: `above` rows before the window, `below` after it. A marked row hides its own line,
/// so it counts it.
fn with_edge_marks(mut shown: Vec<Line<'_>>, above: usize, below: usize) -> Vec<Line<'_>> {
    if above > 0 && !shown.is_empty() {
        shown[0] = Line::from(format!("(+{} more above: ↑ PgUp scroll)", above + 1));
    }
    if below > 0 && shown.len() > 1 {
        let last = shown.len() - 1;
        shown[last] = Line::from(format!("(+{} more below: ↓ PgDn scroll)", below + 1));
    }
    shown
}

impl App {
    /// The keys (the expectations' key only when the scenario states some), how to read
    /// the panes and the timeline, and what each IRP state word means; scrolls when the
    /// screen is too short for it all.
    fn help(&self, area: Rect, buf: &mut Buffer) {
        let checks = self.has_checks();
        let keys: Vec<_> = KEYS
            .iter()
            .filter(|(_, _, actions)| checks || !actions.contains(&Action::ToggleChecks))
            .collect();
        let mut lines: Vec<Line> = keys
            .iter()
            .map(|(keys, what, _)| Line::from(format!(" {keys:<12} {what}")))
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from(" Bold lines changed in the last step."));
        lines.push(Line::from(
            " A thread's colour is the same in the timeline.",
        ));
        lines.push(Line::from(
            " Timeline: CPUs and devices over time; │ is now.",
        ));
        lines.push(Line::from(format!(" {LEGEND}")));
        lines.push(Line::from(""));
        lines.push(Line::from(" IRP states, as the IRPs pane words them:"));
        let w = 76.min(area.width);
        for legend in irp_state_legend() {
            let rows = legend.rows(w.saturating_sub(3) as usize);
            lines.extend(rows.into_iter().map(|r| Line::from(format!(" {r}"))));
        }
        let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
        let r = Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        );
        Clear.render(r, buf);
        let room = h.saturating_sub(2) as usize;
        let scroll = &self.help_scroll;
        scroll.max.set(lines.len().saturating_sub(room));
        scroll.page.set(room);
        let offset = scroll.offset.min(scroll.max.get());
        let end = (offset + room).min(lines.len());
        let shown = with_edge_marks(lines[offset..end].to_vec(), offset, lines.len() - end);
        Paragraph::new(shown)
            .block(Block::bordered().title(" Help · ? or Esc closes "))
            .render(r, buf);
    }

    /// The detail overlay: its lines from the offset asked for, wrapped, with a row at
    /// each edge that says how many lines are hidden beyond it. Records how far down it
    /// can scroll: until its last line shows at the bottom.
    fn details(&self, detail: &DetailView, area: Rect, buf: &mut Buffer) {
        let r = Rect::new(
            area.x + 2,
            area.y + 2,
            area.width.saturating_sub(4),
            area.height.saturating_sub(4),
        );
        Clear.render(r, buf);
        let block = Block::bordered().title(format!(" {} · Enter or Esc closes ", detail.title));
        let inner = block.inner(r);
        block.render(r, buf);
        let (room, width) = (inner.height as usize, inner.width as usize);
        // The furthest offset: the last lines fill the rows under the "more above" row;
        // none when every line fits with no mark at all.
        let tail_from = detail.total - detail.tail.len();
        let (mut used, mut furthest, mut all) = (0, None, true);
        for (i, line) in detail.tail.iter().enumerate().rev() {
            used += line.rows(width).len();
            if used > room {
                all = false;
                break;
            }
            if used < room {
                furthest = Some(tail_from + i);
            }
        }
        let max = if all && tail_from == 0 {
            0
        } else {
            furthest.unwrap_or(detail.total.saturating_sub(1))
        };
        let scroll = &self.details_scroll;
        scroll.max.set(max);
        scroll.page.set(room.saturating_sub(2).max(1));
        // Drawn from the tail when the screen grew since the offset was asked for.
        let offset = detail.offset.min(max);
        let lines: &[_] = if offset == detail.offset {
            &detail.lines
        } else {
            &detail.tail[offset - tail_from..]
        };
        let top = usize::from(offset > 0);
        // The whole lines that fit in `rows` rows.
        let fit = |rows: usize| {
            let mut shown: Vec<String> = Vec::new();
            let mut n = 0;
            for line in lines {
                let wrapped = line.rows(width);
                if shown.len() + wrapped.len() > rows {
                    // A line taller than the overlay shows what fits of it.
                    if n == 0 {
                        shown.extend(wrapped.into_iter().take(rows));
                    }
                    break;
                }
                shown.extend(wrapped);
                n += 1;
            }
            (shown, n)
        };
        let (mut shown, mut n) = fit(room.saturating_sub(top));
        let below = |n: usize| detail.total - offset - n;
        if below(n) > 0 {
            (shown, n) = fit(room.saturating_sub(top + 1));
        }
        let mut rows: Vec<Line> = Vec::new();
        if top > 0 {
            rows.push(Line::from(format!("(+{offset} more above: ↑ PgUp scroll)")));
        }
        rows.extend(shown.into_iter().map(Line::from));
        if below(n) > 0 {
            rows.resize(room.saturating_sub(1), Line::from(""));
            rows.push(Line::from(format!(
                "(+{} more below: ↓ PgDn scroll)",
                below(n)
            )));
        }
        Paragraph::new(rows).render(inner, buf);
    }
}
