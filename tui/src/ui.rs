//! Drawing: every pane reads the one kernel state and the one trace, so the panes always
//! agree. Nothing here steps the kernel.

use crate::app::{App, KEYS};
use kernel_sim::cpu::FrameKind;
use kernel_sim::intr::LineState;
use kernel_sim::thread::ThreadState;
use kernel_sim::trace::format_time;
use kernel_sim::{DeviceId, IrpId, Kernel, SlotView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small(area, buf);
            return;
        }
        let k = self.session.kernel();
        let [title, top, mid, story, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .areas(area);
        let mode = if self.running {
            format!("running ×{}", self.speed)
        } else {
            "paused".to_string()
        };
        let status = format!(
            " iosim · {} · step {}/{} · t={} · {mode} ",
            self.scenario,
            self.session.step(),
            self.session.total(),
            format_time(k.now())
        );
        Line::from(status)
            .style(self.bar_style())
            .render(title, buf);

        let [cpus, threads, irps] = Layout::horizontal([
            Constraint::Percentage(30),
            Constraint::Percentage(32),
            Constraint::Percentage(38),
        ])
        .areas(top);
        pane("CPUs", cpu_lines(k), cpus, buf);
        pane("Threads", thread_lines(k), threads, buf);
        pane("IRPs (↑↓ Enter)", irp_lines(k, self.selected), irps, buf);

        let [devices, lines] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(mid);
        pane("Drivers and DMA rings", device_lines(k), devices, buf);
        pane(
            "Interrupt lines · ports",
            line_and_port_lines(k),
            lines,
            buf,
        );

        let narration: Vec<Line> = self
            .session
            .last_events()
            .iter()
            .map(|e| Line::from(format!("• {}", k.explain(e))))
            .collect();
        let narration = if narration.is_empty() {
            vec![Line::from(
                "Nothing has happened yet. Press → to take the first step.",
            )]
        } else {
            narration
        };
        Paragraph::new(narration)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" What just happened "))
            .render(story, buf);

        let bottom = match (&self.prompt, &self.message) {
            (Some(p), _) => format!(" {}{}_", p.kind.label(), p.text),
            (None, Some(m)) => format!(" {m}"),
            (None, None) => {
                " →/space step  ← back  r run  n next irq  g go to  / search  ? help  q quit"
                    .to_string()
            }
        };
        Line::from(bottom).style(self.bar_style()).render(keys, buf);

        if self.show_details
            && let Some(irp) = self.selected
        {
            details(k, irp, area, buf);
        }
        if self.show_help {
            help(area, buf);
        }
    }
}

impl App {
    /// The status and key bars: coloured, or reverse video under NO_COLOR.
    fn bar_style(&self) -> Style {
        if self.color {
            Style::new().fg(Color::White).bg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
}

/// The smallest screen the walkthrough draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

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

/// A bordered pane of lines; when they do not fit, the last line says how many are hidden.
fn pane(title: &str, mut lines: Vec<String>, area: Rect, buf: &mut Buffer) {
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room && room > 0 {
        let hidden = lines.len() - (room - 1);
        lines.truncate(room - 1);
        lines.push(format!("(+{hidden} more)"));
    }
    Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
        .block(Block::bordered().title(format!(" {title} ")))
        .render(area, buf);
}

fn cpu_lines(k: &Kernel) -> Vec<String> {
    k.core()
        .cpus
        .iter()
        .map(|c| {
            let what = match c.top() {
                None => "idle".to_string(),
                Some(FrameKind::Thread { thread }) => k.thread_name(thread).to_string(),
                Some(FrameKind::Switch { to, .. }) => format!("switch→{}", k.thread_name(to)),
                Some(FrameKind::Isr { device, .. }) => format!("ISR {}", k.device_name(device)),
                Some(FrameKind::Clock) => "clock ISR".into(),
                Some(FrameKind::Dpc { device } | FrameKind::DpcTail { device }) => {
                    format!("DPC {}", k.device_name(device))
                }
            };
            format!("{} {what:<9} {}", c.id, c.irql().name())
        })
        .collect()
}

fn thread_lines(k: &Kernel) -> Vec<String> {
    k.core()
        .threads
        .iter()
        .map(|t| {
            let state = match t.state {
                ThreadState::NotStarted => "not started".to_string(),
                ThreadState::Ready => "ready".into(),
                ThreadState::Running { cpu } => format!("running {cpu}"),
                ThreadState::Waiting {
                    alertable: true, ..
                } => "wait (alertable)".into(),
                ThreadState::Waiting { .. } => "waiting".into(),
                ThreadState::Terminated => "exited".into(),
            };
            let apcs = if t.apcs.is_empty() {
                String::new()
            } else {
                format!(" APCs:{}", t.apcs.len())
            };
            format!("{:<8} {state}{apcs}", t.name)
        })
        .collect()
}

fn irp_lines(k: &Kernel, selected: Option<IrpId>) -> Vec<String> {
    let core = k.core();
    let mut lines: Vec<String> = core
        .irps
        .values()
        .map(|irp| {
            let file = core.file_objects[irp.file_object.0 as usize].file;
            let mark = if Some(irp.id) == selected { '▶' } else { ' ' };
            format!(
                "{mark}{} {} {} {:?}",
                irp.id,
                irp.major.name(),
                k.file_name(file),
                irp.state
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("(none in flight)".into());
    }
    lines
}

fn device_lines(k: &Kernel) -> Vec<String> {
    let mut lines = Vec::new();
    for d in 0..k.core().device_names.len() {
        let id = DeviceId(d as u16);
        let v = k.device_view(id);
        let slots: String = v
            .ring
            .iter()
            .map(|s| match s {
                SlotView::Free => "[ ]",
                SlotView::Device(_) => "[d]",
                SlotView::Driver(_) => "[R]",
            })
            .collect();
        lines.push(format!(
            "{} ({}) queue: {}",
            k.device_name(id),
            v.policy,
            if v.queue.is_empty() {
                "empty".to_string()
            } else {
                v.queue
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        ));
        lines.push(format!("{slots} head {} tail {}", v.head, v.tail));
        lines.push("d = device owns, R = done, driver to reap".into());
        if let Some((slot, irp, until)) = v.in_flight {
            lines.push(format!(
                "in flight: slot {slot} {irp} until {}",
                format_time(until)
            ));
        }
    }
    lines
}

fn line_and_port_lines(k: &Kernel) -> Vec<String> {
    let core = k.core();
    let mut lines: Vec<String> = core
        .lines
        .values()
        .map(|l| {
            let state = match l.state {
                LineState::Idle => "□ idle".to_string(),
                LineState::Raised => "■ raised".into(),
                LineState::InService { cpu } => format!("■ in service {cpu}"),
            };
            format!("{} {} {state}", l.irq, k.device_name(l.device))
        })
        .collect();
    for p in &core.ports {
        let waiters: Vec<&str> = p.waiters.iter().rev().map(|t| k.thread_name(*t)).collect();
        lines.push(format!(
            "{} run {}/{} pkts {}",
            p.id,
            p.running,
            p.concurrency,
            p.packets.len()
        ));
        lines.push(format!(" waiters (next first): {}", waiters.join(" ")));
    }
    lines
}

fn help(area: Rect, buf: &mut Buffer) {
    let w = 44.min(area.width);
    let h = (KEYS.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(keys, what, _)| Line::from(format!(" {keys:<12} {what}")))
        .collect();
    Paragraph::new(lines)
        .block(Block::bordered().title(" Keys "))
        .render(r, buf);
}

/// The selected IRP: its parameters, the first bytes of its buffer, and its story so far.
fn details(k: &Kernel, id: IrpId, area: Rect, buf: &mut Buffer) {
    let r = Rect::new(
        area.x + 2,
        area.y + 2,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    Clear.render(r, buf);
    let mut lines = Vec::new();
    match k.core().irps.get(&id) {
        Some(irp) => {
            let file = k.core().file_objects[irp.file_object.0 as usize].file;
            let loc = irp.location();
            lines.push(format!(
                "{} {} {} bytes at offset {} of {} · {} · {:?} · {:?}",
                irp.id,
                irp.major.name(),
                irp.len,
                irp.offset,
                k.file_name(file),
                k.thread_name(irp.thread),
                irp.mode,
                irp.state
            ));
            lines.push(format!(
                "stack location {}: {} at device byte {}",
                irp.current,
                k.device_name(loc.device),
                loc.device_offset
            ));
            lines.push("buffer:".into());
            for (row, chunk) in irp.buffer.chunks(16).take(4).enumerate() {
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
                lines.push(format!("  {:04x}  {:<48} {ascii}", row * 16, hex.join(" ")));
            }
        }
        None => lines.push(format!(
            "{id} is no longer in flight: its result reached the program."
        )),
    }
    lines.push("history:".into());
    let history: Vec<String> = k
        .trace()
        .iter()
        .filter(|e| e.what.irp() == Some(id))
        .map(|e| format!("  {:>14}  {}", format_time(e.time), e.what.kind()))
        .collect();
    let room = (r.height as usize).saturating_sub(2 + lines.len());
    let skip = history.len().saturating_sub(room);
    if skip > 0 {
        lines.push(format!("  ({skip} earlier events not shown)"));
    }
    lines.extend(history.into_iter().skip(skip + usize::from(skip > 0)));
    Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
        .block(Block::bordered().title(format!(" {id} · Enter closes ")))
        .render(r, buf);
}
