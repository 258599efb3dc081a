//! The walkthrough's state and what each key does. Keys become [`Action`]s through a
//! lookup table; [`App::update`] is the only place that changes the state, and the only
//! place that steps the kernel.

use crate::session::Session;
use kernel_sim::{IrpId, What};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Forward,
    Back,
    /// Forward to the next step that raises an interrupt.
    NextInterrupt,
    First,
    Last,
    /// Select the next / previous IRP in the IRP table.
    SelectNext,
    SelectPrev,
    /// Show or hide the selected IRP's details.
    ToggleDetails,
    /// Start or stop stepping on its own.
    ToggleRun,
    Faster,
    Slower,
    ToggleHelp,
    Quit,
}

/// The key table: shown by the help overlay, used by [`action_for`].
pub const KEYS: &[(&str, &str, Action)] = &[
    ("→ space l", "step forward", Action::Forward),
    ("← h", "step back", Action::Back),
    ("n", "next interrupt", Action::NextInterrupt),
    ("Home", "first step", Action::First),
    ("r", "run / pause", Action::ToggleRun),
    ("+ -", "run faster / slower", Action::Faster),
    ("End", "last step", Action::Last),
    ("↓ j / ↑ k", "select an IRP", Action::SelectNext),
    ("Enter", "IRP details", Action::ToggleDetails),
    ("?", "help", Action::ToggleHelp),
    ("q Esc", "quit", Action::Quit),
];

/// The action bound to a key, if any.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => Action::Forward,
        KeyCode::Left | KeyCode::Char('h') => Action::Back,
        KeyCode::Char('n') => Action::NextInterrupt,
        KeyCode::Home => Action::First,
        KeyCode::Char('r') => Action::ToggleRun,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::End => Action::Last,
        KeyCode::Down | KeyCode::Char('j') => Action::SelectNext,
        KeyCode::Up | KeyCode::Char('k') => Action::SelectPrev,
        KeyCode::Enter => Action::ToggleDetails,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        _ => return None,
    })
}

pub struct App {
    pub session: Session,
    pub scenario: String,
    pub show_help: bool,
    pub quit: bool,
    /// Stepping on its own, `speed` steps per tick.
    pub running: bool,
    pub speed: u32,
    /// The IRP chosen in the IRP table, kept when it leaves the table (its history
    /// stays in the trace).
    pub selected: Option<IrpId>,
    pub show_details: bool,
}

/// Speeds `+` and `-` move between, in steps per tick (a tick is 100 ms).
const SPEEDS: [u32; 6] = [1, 4, 16, 64, 256, 1024];

impl App {
    pub fn new(session: Session, scenario: &str) -> Self {
        Self {
            session,
            scenario: scenario.to_string(),
            show_help: false,
            quit: false,
            running: false,
            speed: 1,
            selected: None,
            show_details: false,
        }
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Forward => {
                self.session.forward();
            }
            Action::Back => self.session.back(),
            Action::NextInterrupt => self
                .session
                .forward_until(|w| matches!(w, What::InterruptRaised { .. })),
            Action::First => self.session.goto(0),
            Action::Last => {
                let total = self.session.total();
                self.session.goto(total);
            }
            Action::SelectNext => self.select(1),
            Action::SelectPrev => self.select(-1),
            Action::ToggleDetails => self.show_details = !self.show_details,
            Action::ToggleRun => self.running = !self.running,
            Action::Faster => {
                self.speed = SPEEDS
                    .into_iter()
                    .find(|&s| s > self.speed)
                    .unwrap_or(self.speed)
            }
            Action::Slower => {
                self.speed = SPEEDS
                    .into_iter()
                    .rev()
                    .find(|&s| s < self.speed)
                    .unwrap_or(self.speed)
            }
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::Quit => self.quit = true,
        }
    }
}

impl App {
    /// Time passed with no key pressed: while running, take the next `speed` steps, and
    /// pause at the end of the run.
    pub fn tick(&mut self) {
        if !self.running {
            return;
        }
        for _ in 0..self.speed {
            if !self.session.forward() {
                self.running = false;
                break;
            }
        }
    }
}

impl App {
    /// Moves the selection among the IRPs in flight, in id order.
    fn select(&mut self, delta: i64) {
        let live: Vec<IrpId> = self.session.kernel().core().irps.keys().copied().collect();
        if live.is_empty() {
            return;
        }
        let at = self
            .selected
            .and_then(|s| live.iter().position(|&i| i == s))
            .map_or(0, |p| {
                (p as i64 + delta).clamp(0, live.len() as i64 - 1) as usize
            });
        self.selected = Some(live[at]);
    }
}
