//! Drawing: lays out the latest [`View`]. Nothing here reads the kernel; the simulation
//! thread already turned its state into lines.

mod panel;

use crate::app::{Action, App, KEYS, Pane};
use crate::checks::{CheckLine, CheckVerdict};
use crate::predict::Question;
use crate::sim::Task;
use crate::timeline::legend;
use crate::view::View;
use kernel_sim::trace::format_time;
use panel::{Panel, focus_style};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// Rows the story keeps however many timeline lanes there are.
const STORY_MIN: u16 = 7;

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
            (self.irps, Pane::Irps),
            (self.threads, Pane::Threads),
            (self.devices, Pane::Devices),
            (self.ports, Pane::Ports),
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
        Panel::new("CPUs", &v.cpus)
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
            && let Some((title, lines)) = &v.detail
        {
            details(title, lines, area, buf);
        }
        if self.show_checks {
            self.checks(area, buf);
        }
        if self.show_help {
            help(area, buf, self.has_checks());
        }
    }
}

impl App {
    /// The step, the time and the mode; with expectations, how many hold at this step.
    /// The program's name goes first when the line is too long for `width`.
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
        let mode = if self.running {
            format!("running ×{}", self.speed)
        } else {
            "paused".to_string()
        };
        let held = v
            .checks
            .iter()
            .filter(|c| c.verdict == CheckVerdict::Held)
            .count();
        let expect = if v.checks.is_empty() {
            String::new()
        } else {
            format!(" · expect {held}/{} held", v.checks.len())
        };
        let p = &self.predict;
        let predict = if p.on || p.answered > 0 {
            format!(" · predict {}/{}", p.right, p.answered)
        } else {
            String::new()
        };
        let line = format!(
            " iosim · {} · step {}/{of} · t={} · {mode}{expect}{predict} ",
            self.scenario,
            grouped(v.step),
            format_time(v.now)
        );
        if line.chars().count() > width as usize && !(expect.is_empty() && predict.is_empty()) {
            return line.replacen(" iosim ·", "", 1);
        }
        line
    }

    /// The typed line, else what a long task has done so far, else the last answer, else
    /// the keys that matter now, as many as fit in `width`.
    fn bottom_line(&self, width: u16) -> String {
        if let Some(p) = &self.prompt {
            return format!(" {}{}_", p.kind.label(), p.text);
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
        if self.show_checks {
            return " ↑↓ scroll  e/Esc close  →/← step: the verdicts follow  ? help  q quit".into();
        }
        if self.show_details {
            return " ↑↓ select  Enter/Esc close  →/← step  ? help  q quit".into();
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
        let max = rows.len().saturating_sub(room);
        self.checks_scroll_max.set(max);
        let offset = self.checks_scroll.min(max);
        let end = (offset + room).min(rows.len());
        let mut shown: Vec<Line> = rows[offset..end].to_vec();
        // As a pane does: say what is hidden, on the rows at the edges.
        let below = rows.len() - end;
        if offset > 0 && !shown.is_empty() {
            shown[0] = Line::from(format!("(+{} more above: ↑ scrolls)", offset + 1));
        }
        if below > 0 && shown.len() > 1 {
            let last = shown.len() - 1;
            shown[last] = Line::from(format!("(+{} more below: ↓ scrolls)", below + 1));
        }
        Paragraph::new(shown).render(inner, buf);
    }

    /// The timeline strip: a header with the window and the legend, then a row per
    /// lane (CPUs, devices, threads) with the current moment's column marked. A thread's
    /// lane and its runs wear its colour; its mark is underlined in the lane's label.
    fn timeline(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.view.timeline;
        let label = t.label_width();
        let width = (area.width as usize).saturating_sub(label);
        if area.height == 0 || width == 0 {
            return;
        }
        let rows = area.height as usize - 1;
        let hidden = t.lanes.len().saturating_sub(rows);
        let more = match hidden {
            0 => String::new(),
            1 => " · 1 lane hidden".to_string(),
            n => format!(" · {n} lanes hidden"),
        };
        let head = format!("{}{more} │ ", t.range());
        let room = (area.width as usize).saturating_sub(head.chars().count());
        let dim = Style::new().add_modifier(Modifier::DIM);
        Line::from(format!("{head}{}", legend(room)))
            .style(dim)
            .render(area, buf);
        let now = t.column(t.now, width);
        let marker = if self.color {
            Style::new().bg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        };
        for (row, lane) in t.lanes.iter().take(rows).enumerate() {
            let y = area.y + 1 + row as u16;
            let mut cells = t.cells(lane, width);
            // The current moment: a line where the lane is idle, highlighted either way.
            if cells[now].glyph == ' ' {
                cells[now].glyph = '│';
            }
            Line::from(lane.label.clone()).render(Rect::new(area.x, y, label as u16, 1), buf);
            if let Some((thread, at)) = lane.thread {
                let c = &mut buf[(area.x + at as u16, y)];
                c.set_style(Style::new().add_modifier(Modifier::UNDERLINED));
                if self.color {
                    c.set_fg(thread_color(thread));
                }
            }
            for (i, cell) in cells.iter().enumerate() {
                let c = &mut buf[(area.x + (label + i) as u16, y)];
                c.set_char(cell.glyph);
                if let Some(t) = cell.thread.filter(|_| self.color) {
                    c.set_fg(thread_color(t));
                }
            }
            buf[(area.x + (label + now) as u16, y)].set_style(marker);
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
            Line::from(format!("(+{below} more line{s}: Tab here, then ↓)")).render(r, buf);
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

/// A thread's colour, the same in the timeline, the Threads pane and the SVG.
pub use crate::palette::thread_color;

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

/// The keys, and how to read the panes; the expectations' key only when the scenario
/// states some.
fn help(area: Rect, buf: &mut Buffer, checks: bool) {
    let keys: Vec<_> = KEYS
        .iter()
        .filter(|(_, _, actions)| checks || !actions.contains(&Action::ToggleChecks))
        .collect();
    let w = 56.min(area.width);
    let h = (keys.len() as u16 + 6).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(keys, what, _)| Line::from(format!(" {keys:<12} {what}")))
        .collect();
    lines.push(Line::from(" Bold lines changed in the last step."));
    lines.push(Line::from(
        " A thread's colour is the same in the timeline.",
    ));
    lines.push(Line::from(" Timeline: CPUs, devices, threads; │ is now."));
    lines.push(Line::from(format!(" {}", legend(usize::MAX))));
    Paragraph::new(lines)
        .block(Block::bordered().title(" Keys · ? closes "))
        .render(r, buf);
}

/// The detail overlay: its lines, keeping the newest history when they do not fit.
fn details(title: &str, lines: &[String], area: Rect, buf: &mut Buffer) {
    let r = Rect::new(
        area.x + 2,
        area.y + 2,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    Clear.render(r, buf);
    let room = r.height.saturating_sub(2) as usize;
    let mut shown: Vec<String> = lines.to_vec();
    if shown.len() > room && room > 1 {
        // The head (parameters, buffer) stays; the oldest history goes.
        let head = shown
            .iter()
            .position(|l| l == "history:")
            .map_or(0, |p| p + 1)
            .min(room - 1);
        let cut = shown.len() - room + 1;
        shown.drain(head..head + cut);
        shown.insert(head, format!("  ({cut} earlier lines not shown)"));
    }
    Paragraph::new(shown.into_iter().map(Line::from).collect::<Vec<_>>())
        .block(Block::bordered().title(format!(" {title} · Enter closes ")))
        .render(r, buf);
}
