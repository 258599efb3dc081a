//! `tui`: the ratatui walkthrough of a run, where a student steps forward and back and
//! reads why each step happened.
//!
//! Start with [`app`]: the state and the key table. [`session`] steps the kernel forward
//! and back (checkpoints and replay); [`ui`] draws every pane from the kernel's state and
//! trace; [`run`] drives a real terminal.

pub mod app;
pub mod session;
pub mod ui;

pub use app::{Action, App, action_for};
pub use session::Session;

use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::io;
use std::time::Duration;

/// How often a running walkthrough takes its next steps.
const TICK: Duration = Duration::from_millis(100);

/// Runs the walkthrough in the terminal until the student quits. The terminal is restored
/// on return and on panic.
pub fn run(mut app: App) -> io::Result<()> {
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    ratatui::run(|terminal| {
        while !app.quit {
            terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
            // Block for a key when paused; while running, wake up every tick.
            if app.running && !event::poll(TICK)? {
                app.tick();
                continue;
            }
            if let Event::Key(key) = event::read()?
                && key.kind == KeyEventKind::Press
            {
                app.handle_key(key);
            }
        }
        Ok(())
    })
}
