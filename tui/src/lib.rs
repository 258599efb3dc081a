//! `tui`: the ratatui walkthrough of a run, where a student steps forward and back and
//! reads why each step happened.
//!
//! Two threads. [`sim`] owns the [`Session`] (kernel-sim's checkpoints and replay) and answers
//! commands with a [`view::View`] of the panes; [`app`] holds the screen's state and the
//! key table and talks to the simulation over crossbeam channels; [`ui`] lays out the
//! latest view, with [`timeline`]'s strip in it, [`palette`]'s colour for each thread
//! (which the SVG export shares) and [`detail`]'s overlays on an IRP or a thread; [`run`]
//! drives a real terminal. [`predict`] asks the student what the
//! next step will do before showing it. [`checks`] judges a scenario's
//! expectations at the step shown, through an evaluator the caller supplies (the scenario
//! format and its evaluator live in the root crate, which this crate does not know).

pub mod app;
pub mod checks;
pub mod detail;
pub mod hint;
pub mod palette;
pub mod predict;
pub mod sim;
pub mod timeline;
pub mod ui;
pub mod view;

pub use app::{Action, App, Pane, action_for};
pub use checks::{CheckLine, CheckVerdict, Checks};
pub use kernel_sim::session::Session;

use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use ratatui::crossterm::execute;
use std::io;
use std::time::{Duration, Instant};

/// How often a running walkthrough asks for its next steps.
const TICK: Duration = Duration::from_millis(100);

/// How long to wait for a key before looking for answers from the simulation.
const POLL: Duration = Duration::from_millis(10);

/// Runs the walkthrough in the terminal until the student quits. The terminal is restored
/// on return and on panic (ratatui's hook; ours first turns mouse reporting off).
pub fn run(mut app: App) -> io::Result<()> {
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    ratatui::run(|terminal| {
        execute!(io::stdout(), EnableMouseCapture)?;
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(io::stdout(), DisableMouseCapture);
            restore(info);
        }));
        let result = event_loop(terminal, &mut app);
        execute!(io::stdout(), DisableMouseCapture)?;
        result
    })
}

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> io::Result<()> {
    let mut next_tick = Instant::now() + TICK;
    let mut dirty = true;
    while !app.quit {
        if dirty {
            terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
            dirty = false;
        }
        if event::poll(POLL)? {
            dirty = true;
            match event::read()? {
                Event::Key(key) if key.kind == KeyEventKind::Press => app.handle_key(key),
                Event::Mouse(mouse) => {
                    let area = terminal.get_frame().area();
                    let areas = ui::Areas::new(area, app);
                    if let Some(pane) = areas.pane_at(mouse.column, mouse.row) {
                        match mouse.kind {
                            MouseEventKind::ScrollDown => {
                                app.focus_on(pane);
                                app.move_in_focus(1);
                            }
                            MouseEventKind::ScrollUp => {
                                app.focus_on(pane);
                                app.move_in_focus(-1);
                            }
                            MouseEventKind::Down(_) => app.focus_on(pane),
                            _ => dirty = false,
                        }
                    }
                }
                _ => {}
            }
        }
        dirty |= app.receive_pending();
        if app.lost {
            return Err(io::Error::other("the simulation thread stopped"));
        }
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + TICK;
            app.tick();
        }
    }
    Ok(())
}
