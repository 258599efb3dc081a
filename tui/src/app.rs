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
    /// Ask for a step number or a time to go to.
    Goto,
    /// Ask for text to find in the coming steps' events.
    Search,
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
    ("g", "go to a step or time", Action::Goto),
    ("/", "search forward", Action::Search),
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
        KeyCode::Char('g') => Action::Goto,
        KeyCode::Char('/') => Action::Search,
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
    /// A line being typed at the bottom of the screen.
    pub prompt: Option<Prompt>,
    /// A one-line answer to the last command ("not found", ...).
    pub message: Option<String>,
    /// Whether to use colour; off when NO_COLOR is set (see [`crate::run`]).
    pub color: bool,
}

/// What the typed line is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Goto,
    Search,
}

impl PromptKind {
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Goto => "go to step, or time such as 8.3ms or 120us: ",
            PromptKind::Search => "search forward for: ",
        }
    }
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
            prompt: None,
            message: None,
            color: false,
        }
    }

    /// A key press: typed into the prompt if one is open, otherwise looked up.
    pub fn handle_key(&mut self, key: KeyEvent) {
        if self.prompt.is_some() {
            self.prompt_key(key);
        } else if let Some(action) = action_for(key) {
            self.message = None;
            self.update(action);
        }
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        self.running = false;
        self.prompt = Some(Prompt {
            kind,
            text: String::new(),
        });
    }

    fn prompt_key(&mut self, key: KeyEvent) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Char(c) => prompt.text.push(c),
            KeyCode::Backspace => {
                prompt.text.pop();
            }
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                let Prompt { kind, text } = self.prompt.take().expect("checked");
                match kind {
                    PromptKind::Goto => self.goto(text.trim()),
                    PromptKind::Search => self.search(text.trim()),
                }
            }
            _ => {}
        }
    }

    /// Goes to a step number, or to the first step at or after a time.
    fn goto(&mut self, text: &str) {
        if let Ok(step) = text.replace('_', "").parse::<u64>() {
            self.session.goto(step);
            return;
        }
        let Some(ns) = parse_time(text) else {
            self.message = Some(format!("not a step or a time: {text}"));
            return;
        };
        if ns < self.session.kernel().now() {
            self.session.goto(0);
        }
        while self.session.kernel().now() < ns && self.session.forward() {}
    }

    /// Steps forward to the next step with an event whose kind or explanation contains
    /// `text` (ignoring case); stays put if there is none.
    fn search(&mut self, text: &str) {
        let needle = text.to_lowercase();
        let start = self.session.step();
        while self.session.forward() {
            let k = self.session.kernel();
            let hit = self.session.last_events().iter().any(|e| {
                e.what.kind().to_lowercase().contains(&needle)
                    || k.explain(e).to_lowercase().contains(&needle)
            });
            if hit {
                return;
            }
        }
        self.session.goto(start);
        self.message = Some(format!("\"{text}\" does not occur after step {start}"));
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
            Action::Goto => self.open_prompt(PromptKind::Goto),
            Action::Search => self.open_prompt(PromptKind::Search),
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

/// Parses "8.3ms", "120us", "5000ns" or "2s" into nanoseconds.
fn parse_time(text: &str) -> Option<u64> {
    let (number, scale) = [("ns", 1.0), ("us", 1e3), ("ms", 1e6), ("s", 1e9)]
        .into_iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))?;
    let value: f64 = number.trim().parse().ok()?;
    (value >= 0.0).then(|| (value * scale).round() as u64)
}
