//! Drawing: lays out the latest [`View`]. Nothing here reads the kernel; the simulation
//! thread already turned its state into lines.

mod panel;

use crate::app::{Action, App, KEYS, Pane};
use crate::checks::{CheckLine, CheckVerdict};
use crate::detail::{DetailView, irp_state_legend};
use crate::predict::Question;
use crate::sim::Task;
use crate::timeline::legend;
use kernel_sim::trace::format_time_scaled;
use panel::{Panel, focus_style};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

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

/// Columns a pane gets before any pane beside it gets more.
const MIN_COLUMNS: u16 = 16;

/// Rows of the story pane's own text it keeps however full the panes above are (the
/// hint's rows come on top), unless that takes over two fifths of the screen.
const STORY_MIN: u16 = 4;

impl Areas {
    /// The layout for a screen of `area` showing `app`'s view. The panes share the room
    /// by what they hold, at every size. Across: in each row of panes, the narrowest
    /// gets the next column until each has what its longest line and title need; what is
    /// left goes to the lists (Threads and IRPs; the devices and the lines' pane). Down:
    /// the rows of panes, the timeline and the story each get the lines they need; when
    /// the screen has fewer, each first gets a minimum, then the one missing the most
    /// gets the next line, so no one hides far more than the others, and each says what
    /// it hides. Rows to spare go to the lists, never to empty story lines. The CPUs,
    /// which do not scroll, keep all their lines unless they would take over half the
    /// screen.
    pub fn new(area: Rect, app: &App) -> Self {
        let v = &app.view;
        let [status, body, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let texts = Texts::of(app);
        // The columns a pane needs for its longest line and its title, borders included
        // (the title keeps a border cell before the corner).
        let widest = |title: &str, lines: &[String]| {
            let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            (chars + 2).max(title.chars().count() + 5) as u16
        };
        // Rows a pane of `width` columns needs for `lines`, borders left out.
        let rows = |lines: &[String], width: u16| {
            panel::rows_needed(lines, width.saturating_sub(2) as usize) as u16
        };
        let w = area.width;
        let top = share(
            w,
            [MIN_COLUMNS; 3],
            [
                widest("CPUs", &v.cpus),
                widest("Threads", &texts.threads),
                widest("IRPs", &texts.irps),
            ],
            Fair::Level,
            &[1, 2],
        );
        let (cpus_w, threads_w, irps_w) = (top[0], top[1], top[2]);
        let mid = if v.lines_and_ports.is_empty() {
            // Nothing to list (pipes raise no interrupts): the devices take the row.
            [w, 0]
        } else {
            share(
                w,
                [MIN_COLUMNS; 2],
                [
                    widest(v.devices_title(), &v.devices),
                    widest(&v.side_title(), &v.lines_and_ports),
                ],
                Fair::Level,
                &[0, 1],
            )
        };
        let (devices_w, ports_w) = (mid[0], mid[1]);

        let cpu_rows = rows(&v.cpus, cpus_w);
        let top_rows = cpu_rows
            .max(rows(&texts.threads, threads_w))
            .max(rows(&texts.irps, irps_w));
        let mid_rows = rows(&v.devices, devices_w).max(if ports_w > 0 {
            rows(&v.lines_and_ports, ports_w)
        } else {
            0
        });
        let lanes = v.timeline.lanes.len() as u16;
        let story_rows = rows(&texts.story, w);
        let hint_rows = texts
            .hint
            .as_ref()
            .map_or(0, |h| rows(std::slice::from_ref(h), w));
        let h = body.height;
        // In the order that wins a tie: the story, the lists, the timeline, the devices.
        let [story, top, timeline, mid] = share(
            h,
            [
                (2 + hint_rows + story_rows.min(STORY_MIN)).min(h * 2 / 5),
                (cpu_rows.max(2) + 2).min(h / 2),
                (1 + lanes).min(3),
                (mid_rows + 2).min(5),
            ],
            [
                2 + hint_rows + story_rows,
                top_rows + 2,
                1 + lanes,
                mid_rows + 2,
            ],
            Fair::Deficit,
            &[1, 3],
        );
        let [top, mid, timeline, story] =
            Layout::vertical([top, mid, timeline, story].map(Constraint::Length)).areas(body);
        let [cpus, threads, irps] =
            Layout::horizontal([cpus_w, threads_w, irps_w].map(Constraint::Length)).areas(top);
        let [devices, ports] =
            Layout::horizontal([devices_w, ports_w].map(Constraint::Length)).areas(mid);
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
        let a = Areas::new(area, self);
        let texts = Texts::of(self);
        Line::from(self.status_line(area.width))
            .style(self.bar_style())
            .render(a.status, buf);

        let before = self.before.as_ref();
        self.panel(Pane::Cpus, "CPUs", &v.cpus)
            .changes(before.map(|b| b.cpus.as_slice()), self.color)
            .render(a.cpus, buf);
        let threads_before = before.map(|b| row_texts(&b.threads));
        let irps_before = before.map(|b| row_texts(&b.irps));
        self.panel(Pane::Threads, "Threads", &texts.threads)
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
        self.panel(Pane::Irps, "IRPs", &texts.irps)
            .changes_in(&v.irps, irps_before.as_deref(), self.color)
            .selected(v.irps.iter().position(|r| Some(r.id) == self.selected_irp))
            .render(a.irps, buf);
        self.panel(Pane::Devices, v.devices_title(), &v.devices)
            .changes(before.map(|b| b.devices.as_slice()), self.color)
            .render(a.devices, buf);
        if !a.ports.is_empty() {
            let side_title = v.side_title();
            self.panel(Pane::Ports, &side_title, &v.lines_and_ports)
                .changes(before.map(|b| b.lines_and_ports.as_slice()), self.color)
                .render(a.ports, buf);
        }
        self.timeline(a.timeline, buf);
        self.story(&texts, a.story, buf);
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
        // What Esc cancels, and only that: a task the student asked for (the background
        // exploration is not one, and Esc leaves it alone).
        if let Some(p) = self
            .progress
            .as_ref()
            .filter(|p| self.busy() && p.task != Task::Exploring)
        {
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
        let mut panel = Panel::new(title, lines)
            .scrolled(self.scroll_of(pane))
            .reached_by(self.keys_to_scroll(pane));
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
        // Focused, ↓ and ↑ scroll the lanes.
        let skip = self.scroll_of(Pane::Timeline).min(hidden);
        let more = if hidden > 0 {
            format!(
                " · lanes {}-{} of {}",
                skip + 1,
                skip + rows.min(t.lanes.len()),
                t.lanes.len()
            )
        } else {
            String::new()
        };
        let focused = self.focus == Pane::Timeline;
        let head = format!("{}{}{more} │ ", if focused { "▶ " } else { "" }, t.range());
        let room = (area.width as usize).saturating_sub(head.chars().count());
        let style = Style::new().add_modifier(if focused {
            Modifier::BOLD
        } else {
            Modifier::DIM
        });
        Line::from(format!("{head}{}", legend(room)))
            .style(style)
            .render(area, buf);
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

    /// "What just happened": the step's events, then where to look next, each wrapped at
    /// word boundaries; the hint keeps its rows at the bottom and the events scroll above
    /// it, with notes on the edge rows saying what is hidden.
    fn story(&self, texts: &Texts, area: Rect, buf: &mut Buffer) {
        let mut block = Block::bordered().title(" What just happened ");
        if self.focus == Pane::Story {
            block = focus_style(block, self.color);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        let width = inner.width as usize;
        let mut hint = texts
            .hint
            .as_ref()
            .map_or_else(Vec::new, |h| panel::wrap(std::slice::from_ref(h), width).0);
        let hint_rows = hint.len().min(inner.height.saturating_sub(1) as usize);
        if hint.len() > hint_rows && hint_rows > 0 {
            // Only on a screen too short for the layout's minimum: mark what is cut.
            let cut = format!("{} {}", hint[hint_rows - 1], hint[hint_rows].trim_start());
            hint[hint_rows - 1] = panel::fit(&cut, width.saturating_sub(1));
        }
        hint.truncate(hint_rows);
        let [events, look] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(hint_rows as u16)])
                .areas(inner);
        let (rows, from) = panel::wrap(&texts.story, width);
        let n = rows.len();
        let room = events.height as usize;
        let offset = self.scroll_of(Pane::Story).min(n.saturating_sub(room));
        let end = (offset + room).min(n);
        let mut shown: Vec<Line> = (offset..end)
            .map(|i| Line::from(rows[i].clone()).style(texts.story_styles[from[i]]))
            .collect();
        // As a pane does: the notes take the edge rows, so those are hidden too.
        if offset > 0 && !shown.is_empty() {
            shown[0] = Line::from(format!("(+{} more lines above: ↑)", offset + 1));
        }
        let below = n - end;
        if below > 0 && shown.len() > 1 {
            let last = shown.len() - 1;
            let keys = self.keys_to_scroll(Pane::Story);
            shown[last] = Line::from(format!("(+{} more lines: {keys})", below + 1));
        }
        Paragraph::new(shown).render(events, buf);
        let style = if self.color {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        Paragraph::new(hint.into_iter().map(Line::from).collect::<Vec<_>>())
            .style(style)
            .render(look, buf);
    }
}

/// The lines of the panes that depend on more than the view (the selection, predict
/// mode's verdict), made once for the layout and once for the drawing.
struct Texts {
    threads: Vec<String>,
    irps: Vec<String>,
    /// The story's lines above the hint, and each one's style.
    story: Vec<String>,
    story_styles: Vec<Style>,
    hint: Option<String>,
}

impl Texts {
    fn of(app: &App) -> Self {
        let v = &app.view;
        let threads = v
            .threads
            .iter()
            .map(|r| marked(r.text.as_str(), Some(r.id) == app.selected_thread))
            .collect();
        let mut irps: Vec<String> = v
            .irps
            .iter()
            .map(|r| marked(r.text.as_str(), Some(r.id) == app.selected_irp))
            .collect();
        if irps.is_empty() {
            irps.push("(none yet)".into());
        }
        let mut story: Vec<String> = if v.narration.is_empty() && v.step == 0 {
            vec!["Nothing has happened yet. Press → to take the first step.".into()]
        } else if v.narration.is_empty() {
            vec![
                "This step recorded no event: the kernel handled something with no effect to \
                 show, such as a doorbell write reaching a device that is already busy. Press \
                 → to go on."
                    .into(),
            ]
        } else {
            v.narration.iter().map(|e| format!("• {e}")).collect()
        };
        let mut story_styles = vec![Style::new(); story.len()];
        // At the last step, what the whole run did and what it was for.
        if !v.summary.is_empty() {
            let over = match v.stopped {
                Some(why) => format!("The run stops here ({why})."),
                None => "The run is over: nothing is left to happen.".to_string(),
            };
            story.push(over);
            story_styles.push(Style::new().add_modifier(Modifier::BOLD));
            story.extend(v.summary.iter().cloned());
            if !app.description.is_empty() {
                story.push(format!("What this scenario shows: {}", app.description));
            }
            story_styles.resize(story.len(), Style::new());
        }
        // Predict mode's verdict on the guess about this step, above what it did.
        if let Some(verdict) = app.predict.verdict.as_ref().filter(|x| x.step == v.step) {
            let style = match (verdict.right, app.color) {
                (true, true) => Style::new().fg(Color::Green),
                (false, true) => Style::new().fg(Color::Red),
                (_, false) => Style::new(),
            };
            story.insert(0, verdict.text.clone());
            story_styles.insert(0, style.add_modifier(Modifier::BOLD));
        }
        Self {
            threads,
            irps,
            story,
            story_styles,
            hint: v.hint.as_ref().map(|h| format!("Look next: {h}")),
        }
    }
}

/// How [`share`] picks the part that gets the next unit.
#[derive(Debug, Clone, Copy)]
enum Fair {
    /// The smallest part: one that needs little gets all it needs.
    Level,
    /// The part missing the most: each ends up hiding about as much.
    Deficit,
}

/// `total` split among parts that need `need` and get at least `min` (when the total is
/// too small even for those, the largest minimum gives first). Units go one at a time to
/// the part `fair` picks among those that need more, the first among equals; once every
/// need is met, the rest goes evenly to the parts in `spare`. The parts add up to `total`.
fn share<const N: usize>(
    total: u16,
    min: [u16; N],
    need: [u16; N],
    fair: Fair,
    spare: &[usize],
) -> [u16; N] {
    let mut give = min;
    while give.iter().sum::<u16>() > total {
        let largest = (0..N)
            .max_by_key(|&i| (give[i], std::cmp::Reverse(i)))
            .expect("at least one part");
        give[largest] -= 1;
    }
    let mut left = total - give.iter().sum::<u16>();
    while left > 0 {
        let wanting = (0..N).filter(|&i| give[i] < need[i]);
        let next = match fair {
            Fair::Level => wanting.min_by_key(|&i| give[i]),
            Fair::Deficit => wanting.max_by_key(|&i| (need[i] - give[i], std::cmp::Reverse(i))),
        };
        let Some(i) = next else { break };
        give[i] += 1;
        left -= 1;
    }
    let parts = spare.len() as u16;
    for (k, &i) in spare.iter().enumerate() {
        give[i] += left / parts + u16::from((k as u16) < left % parts);
    }
    give
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
        lines.push(Line::from(" Timeline: CPUs, devices, threads; │ is now."));
        lines.push(Line::from(format!(" {}", legend(usize::MAX))));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_gives_a_short_part_all_it_needs_by_level() {
        // The CPUs need 20 of 80 columns; the other two split the rest.
        assert_eq!(
            share(80, [16; 3], [20, 60, 50], Fair::Level, &[1, 2]),
            [20, 30, 30]
        );
        // Everything fits: the spare goes to the parts named, the first taking the odd one.
        assert_eq!(
            share(80, [16; 3], [20, 20, 20], Fair::Level, &[1, 2]),
            [20, 30, 30]
        );
        assert_eq!(
            share(81, [16; 3], [20, 20, 20], Fair::Level, &[1, 2]),
            [20, 31, 30]
        );
    }

    #[test]
    fn share_by_deficit_leaves_each_part_missing_about_as_much() {
        let parts = share(22, [4; 4], [14, 12, 6, 8], Fair::Deficit, &[1, 3]);
        assert_eq!(parts.iter().sum::<u16>(), 22);
        let missing: Vec<u16> = [14, 12, 6, 8]
            .iter()
            .zip(parts)
            .map(|(n, g)| n - g)
            .collect();
        // The two missing most (10 and 8 rows past the minimums) end up even; the others,
        // missing less from the start, get nothing more.
        assert_eq!(missing, [6, 6, 2, 4]);
    }

    #[test]
    fn share_shrinks_the_largest_minimum_when_the_total_is_too_small() {
        assert_eq!(
            share(10, [8, 4, 2], [8, 4, 2], Fair::Deficit, &[0]),
            [4, 4, 2]
        );
    }
}
