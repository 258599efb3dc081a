//! The walkthrough's screen state and what each key does. Keys become [`Action`]s through
//! a lookup table; [`App::update`] turns actions into commands for the simulation thread
//! and [`App::receive`] takes its answers. The screen never steps the kernel itself.

use crate::checks::{Checker, Checks};
use crate::predict::Question;
use crate::sim::{Command, Progress, SimHandle, Task, Update};
use crate::timeline::SPANS;
use crate::view::{Detail, Lens, View};
use kernel_sim::trace::parse_time;
use kernel_sim::{IrpId, Kernel, ThreadId};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::cell::Cell;

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Forward,
    Back,
    /// Forward to the next step that raises an interrupt.
    NextInterrupt,
    First,
    Last,
    /// Down / up in the open overlay, else in the focused pane: the next IRP or thread,
    /// or scroll.
    Down,
    Up,
    /// A page down / up in the open overlay; ten rows in a pane.
    PageDown,
    PageUp,
    FocusNext,
    FocusPrev,
    /// Show or hide the details of the selected IRP or thread.
    ToggleDetails,
    /// Show or hide the scenario's expectations and their verdicts at this step.
    ToggleChecks,
    /// Turn predict mode on or off: stepping to a new step first asks what it will do.
    TogglePredict,
    /// Ask for a step number or a time to go to.
    Goto,
    /// Ask for text to find in the coming steps' events.
    Search,
    /// Ask for text to find in the earlier steps' events.
    SearchBack,
    /// The last search again, forward / backward, from the step shown.
    RepeatSearch,
    RepeatSearchBack,
    /// Start or stop stepping on its own.
    ToggleRun,
    Faster,
    Slower,
    /// Widen / narrow the timeline's window.
    ZoomOut,
    ZoomIn,
    ToggleHelp,
    /// Cancel what runs, else close what is open; never quits (a stray Esc on the main
    /// screen must not end a student's walk: `q` does).
    Escape,
    Quit,
}

/// The key table: shown by the help overlay (the expectations' key only when the
/// scenario states some); a test checks that every action a key can ask for is listed
/// here.
pub const KEYS: &[(&str, &str, &[Action])] = &[
    ("→ space l", "step forward", &[Action::Forward]),
    ("← h", "step back", &[Action::Back]),
    ("n", "next interrupt", &[Action::NextInterrupt]),
    (
        "Home / End",
        "first / last step",
        &[Action::First, Action::Last],
    ),
    ("g", "go to a step or a time", &[Action::Goto]),
    (
        "/",
        "search forward (Enter alone: the last)",
        &[Action::Search],
    ),
    (
        "\\",
        "search backward (Enter alone: the last)",
        &[Action::SearchBack],
    ),
    (
        "] [",
        "the last search again, forward / back",
        &[Action::RepeatSearch, Action::RepeatSearchBack],
    ),
    ("r", "run / pause", &[Action::ToggleRun]),
    (
        "+ -",
        "run faster / slower",
        &[Action::Faster, Action::Slower],
    ),
    (
        "Tab ⇧Tab",
        "focus the next / previous pane",
        &[Action::FocusNext, Action::FocusPrev],
    ),
    (
        "↓ j / ↑ k",
        "scroll the overlay, or select / scroll in the pane",
        &[Action::Down, Action::Up],
    ),
    (
        "PgDn PgUp",
        "a page in the overlay; ten rows in the pane",
        &[Action::PageDown, Action::PageUp],
    ),
    ("mouse wheel", "scroll the pane under the pointer", &[]),
    (
        "Enter",
        "details of the selected IRP or thread",
        &[Action::ToggleDetails],
    ),
    (
        "< >",
        "timeline: wider / narrower window",
        &[Action::ZoomOut, Action::ZoomIn],
    ),
    (
        "e",
        "expectations: verdicts at this step",
        &[Action::ToggleChecks],
    ),
    (
        "p",
        "predict mode: guess each new step first",
        &[Action::TogglePredict],
    ),
    ("?", "this help", &[Action::ToggleHelp]),
    (
        "Esc",
        "cancel a long jump, or close (never quits)",
        &[Action::Escape],
    ),
    ("q Ctrl-C", "quit", &[Action::Quit]),
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
        KeyCode::End => Action::Last,
        KeyCode::Char('r') => Action::ToggleRun,
        KeyCode::Char('g') => Action::Goto,
        KeyCode::Char('/') => Action::Search,
        KeyCode::Char('\\') => Action::SearchBack,
        KeyCode::Char(']') => Action::RepeatSearch,
        KeyCode::Char('[') => Action::RepeatSearchBack,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Enter => Action::ToggleDetails,
        KeyCode::Char('e') => Action::ToggleChecks,
        KeyCode::Char('p') => Action::TogglePredict,
        KeyCode::Char('<') | KeyCode::Char(',') => Action::ZoomOut,
        KeyCode::Char('>') | KeyCode::Char('.') => Action::ZoomIn,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

/// The panes, every one of which takes focus, in Tab order: the screen's reading order,
/// left to right, then down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Cpus,
    Threads,
    Irps,
    Devices,
    Ports,
    Timeline,
    Story,
}

impl Pane {
    pub const ALL: [Pane; 7] = [
        Pane::Cpus,
        Pane::Threads,
        Pane::Irps,
        Pane::Devices,
        Pane::Ports,
        Pane::Timeline,
        Pane::Story,
    ];

    fn index(self) -> usize {
        Pane::ALL.iter().position(|&p| p == self).expect("listed")
    }
}

pub struct App {
    sim: SimHandle,
    /// The latest view the simulation sent.
    pub view: View,
    /// The view of the step shown before this one: pane lines that differ from it are
    /// highlighted, so the student sees what the step changed.
    pub before: Option<View>,
    /// Commands sent so far; the view is current when it has answered them all.
    sent: u64,
    /// How far a long task has got, while one runs.
    pub progress: Option<Progress>,
    pub scenario: String,
    /// The seed the run was built with (the kernel's), for the status line.
    pub seed: u64,
    /// What the scenario sets out to show, for the last step's summary; empty if not
    /// given.
    pub description: String,
    pub focus: Pane,
    /// How far each scrolling pane is scrolled, by [`Pane`] order.
    pub scroll: [usize; Pane::ALL.len()],
    /// The IRP and the thread chosen in their tables. An IRP stays selected when it
    /// leaves the table: its history stays in the trace.
    pub selected_irp: Option<IrpId>,
    pub selected_thread: Option<ThreadId>,
    pub show_details: bool,
    /// How far the detail overlay is scrolled: the simulation sends the lines from there.
    pub details_scroll: Scroll,
    /// The detail the simulation was last asked for: a new one opens at its top.
    looked: Option<Detail>,
    pub show_help: bool,
    pub help_scroll: Scroll,
    pub show_checks: bool,
    pub checks_scroll: Scroll,
    pub quit: bool,
    /// Stepping on its own, `speed` steps per tick.
    pub running: bool,
    pub speed: u32,
    /// A line being typed at the bottom of the screen.
    pub prompt: Option<Prompt>,
    /// A one-line answer to the last command ("not found", ...).
    pub message: Option<String>,
    /// The last search's text and direction, for `]`, `[` and an empty search.
    pub last_search: Option<String>,
    /// Whether to use colour; off when NO_COLOR is set (see [`crate::run`]).
    pub color: bool,
    /// How many widths wider (positive) or narrower the timeline's window is than the one
    /// that follows the steps.
    pub zoom: i8,
    /// The simulation thread is gone (it panicked): the walkthrough cannot go on.
    pub lost: bool,
    /// Predict mode, its open question and its tally.
    pub predict: Predict,
}

/// Predict mode: while it is on, stepping forward to a step never shown first asks what
/// the step will do ([`Question`]); the answer picked, the step shows with a verdict.
///
/// A step counts once: going back and forward again over steps already shown steps
/// without asking (the student has seen them), and so do jumps (`n`, `g`, `/`, End) and
/// running (`r`). Only `→` onto a step beyond the furthest one shown asks.
#[derive(Debug, Clone, Default)]
pub struct Predict {
    pub on: bool,
    /// The question waiting for an answer, and the choice under the cursor.
    pub question: Option<Question>,
    pub cursor: usize,
    /// The verdict on the last answer, shown with the step it was about.
    pub verdict: Option<Verdict>,
    /// Right answers, and questions answered.
    pub right: u32,
    pub answered: u32,
    /// The furthest step shown so far: steps up to it are not asked about.
    pub furthest: u64,
    /// A question was asked for and has not arrived yet.
    asking: bool,
}

/// How the student's answer fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The step the question was about.
    pub step: u64,
    pub right: bool,
    pub text: String,
}

/// How far an overlay is scrolled. Drawing records how far it can go and how many rows
/// a page is: only the layout knows how many rows its lines wrap to and how tall it is.
#[derive(Debug, Default)]
pub struct Scroll {
    pub offset: usize,
    pub max: Cell<usize>,
    pub page: Cell<usize>,
}

impl Scroll {
    /// Moves `delta` rows, within what the last drawing allowed.
    fn by(&mut self, delta: i64) {
        self.offset = self
            .offset
            .saturating_add_signed(delta as isize)
            .min(self.max.get());
    }

    /// Moves a page down (+1) or up (-1).
    fn pages(&mut self, sign: i64) {
        self.by(sign * self.page.get().max(1) as i64);
    }
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
    SearchBack,
}

impl PromptKind {
    /// The prompt's words; a search's say what Enter alone does.
    pub fn label(self, last: Option<&str>) -> String {
        let way = match self {
            PromptKind::Goto => return "go to step, or time such as 8.3ms or 120us: ".into(),
            PromptKind::Search => "forward",
            PromptKind::SearchBack => "backward",
        };
        match last {
            Some(last) => format!("search {way} (Enter alone: \"{last}\"): "),
            None => format!("search {way} for: "),
        }
    }
}

/// Rows PgDn and PgUp move in a pane (an overlay moves by its height).
const PANE_PAGE: i64 = 10;

/// Speeds `+` and `-` move between, in steps per tick (a tick is 100 ms).
const SPEEDS: [u32; 6] = [1, 4, 16, 64, 256, 1024];

impl App {
    /// Starts the simulation thread on `kernel` and waits for its first view.
    pub fn new(kernel: Kernel, scenario: &str) -> Self {
        Self::with_event_limit(kernel, scenario, u64::MAX)
    }

    /// As [`App::new`], ending the run after `event_limit` trace events.
    pub fn with_event_limit(kernel: Kernel, scenario: &str, event_limit: u64) -> Self {
        let seed = kernel.core().seed;
        let sim = SimHandle::spawn(kernel, event_limit);
        let mut app = Self {
            sim,
            view: View::default(),
            before: None,
            sent: 0,
            progress: None,
            scenario: scenario.to_string(),
            seed,
            description: String::new(),
            focus: Pane::Irps,
            scroll: [0; Pane::ALL.len()],
            selected_irp: None,
            selected_thread: None,
            show_details: false,
            details_scroll: Scroll::default(),
            looked: None,
            show_help: false,
            help_scroll: Scroll::default(),
            show_checks: false,
            checks_scroll: Scroll::default(),
            quit: false,
            running: false,
            speed: 1,
            prompt: None,
            message: None,
            last_search: None,
            color: false,
            zoom: 0,
            lost: false,
            predict: Predict::default(),
        };
        app.settle();
        app
    }

    /// Says what the scenario sets out to show: the last step shows it under the run's
    /// summary.
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = description.to_string();
        self
    }

    /// Judges the scenario's expectations at every step shown: `checks` is their
    /// evaluator, and `kernel` the machine as built, with the events its build recorded
    /// (a clone of the kernel the walkthrough started from, taken before starting it).
    /// Waits for the view of the current step with its verdicts.
    pub fn with_checks(mut self, kernel: Kernel, checks: Box<dyn Checks>) -> Self {
        self.send(Command::Check(Box::new(Checker::new(kernel, checks))));
        self.settle();
        self
    }

    /// Whether the scenario states expectations (the walkthrough was given a checker).
    pub fn has_checks(&self) -> bool {
        !self.view.checks.is_empty()
    }

    /// Whether the simulation still has commands to answer.
    pub fn busy(&self) -> bool {
        self.view.answered < self.sent
    }

    /// Whether commands are still unanswered once `answered` of them are.
    fn busy_after(&self, answered: u64) -> bool {
        answered < self.sent
    }

    /// The channel the simulation's answers arrive on, for the event loop to wait on.
    pub fn updates(&self) -> &crossbeam_channel::Receiver<Update> {
        &self.sim.updates
    }

    fn send(&mut self, command: Command) {
        self.sent += 1;
        // A send fails only if the simulation thread is gone, which happens only if it
        // panicked; the panic message is already on its way to the terminal.
        let _ = self.sim.commands.send(command);
    }

    /// Takes in one answer from the simulation.
    pub fn receive(&mut self, update: Update) {
        match update {
            Update::View(mut view) => {
                if view.message.is_some() {
                    self.message = view.message.clone();
                }
                if let Some(q) = view.question.take() {
                    self.running = false;
                    self.predict.question = Some(q);
                    self.predict.cursor = 0;
                }
                if !self.busy_after(view.answered) {
                    self.predict.asking = false;
                }
                self.predict.furthest = self.predict.furthest.max(view.step);
                let moved = view.step != self.view.step;
                let old = std::mem::replace(&mut self.view, *view);
                if moved {
                    self.scroll[Pane::Story.index()] = 0;
                    // Nothing to compare with before the first view.
                    self.before = (old != View::default()).then_some(old);
                }
                if !self.busy() {
                    self.progress = None;
                }
                if self.running && self.view.total == Some(self.view.step) {
                    self.running = false;
                }
            }
            Update::Progress(p) => self.progress = Some(p),
        }
    }

    /// Takes in every answer already waiting; true if there was one. Marks the
    /// simulation as lost if its thread is gone.
    pub fn receive_pending(&mut self) -> bool {
        let mut any = false;
        loop {
            match self.sim.updates.try_recv() {
                Ok(u) => {
                    self.receive(u);
                    any = true;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => return any,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.lost = true;
                    return any;
                }
            }
        }
    }

    /// Waits until the simulation has answered every command sent (for tests, and for
    /// the first view).
    pub fn settle(&mut self) {
        while self.busy() || self.view == View::default() {
            match self.sim.updates.recv() {
                Ok(u) => self.receive(u),
                Err(_) => return,
            }
        }
    }

    /// Waits until the whole run is explored and its length known.
    pub fn settle_explored(&mut self) {
        self.settle();
        while self.view.total.is_none() {
            match self.sim.updates.recv() {
                Ok(u) => self.receive(u),
                Err(_) => return,
            }
        }
    }

    /// A key press: typed into the prompt if one is open, an answer if a question is,
    /// otherwise looked up.
    pub fn handle_key(&mut self, key: KeyEvent) {
        if self.prompt.is_some() {
            self.prompt_key(key);
        } else if self.predict.question.is_some() {
            self.question_key(key);
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
                let text = text.trim();
                match kind {
                    PromptKind::Goto => match parse_target(text) {
                        Some(command) => self.send(command),
                        None => self.message = Some(format!("not a step or a time: {text}")),
                    },
                    PromptKind::Search => self.search(text, false),
                    PromptKind::SearchBack => self.search(text, true),
                }
            }
            _ => {}
        }
    }

    /// Searches for `text`, or for the last search's text when `text` is empty, forward
    /// or `backward` from the step shown.
    fn search(&mut self, text: &str, backward: bool) {
        if !text.is_empty() {
            self.last_search = Some(text.to_string());
        }
        match &self.last_search {
            Some(text) => {
                let text = text.clone();
                self.send(Command::Search { text, backward });
            }
            None => self.message = Some("no search yet: / or \\ asks for the text".into()),
        }
    }

    /// A key while a question is open: a digit picks a choice, ↑↓ move the cursor and
    /// Enter picks it, Esc closes the question without stepping; Ctrl-C still quits.
    fn question_key(&mut self, key: KeyEvent) {
        let Some(q) = &self.predict.question else {
            return;
        };
        let n = q.choices.len();
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => self.quit = true,
            KeyCode::Char(c @ '1'..='9') => {
                let i = c as usize - '1' as usize;
                if i < n {
                    self.answer(i);
                }
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::Left | KeyCode::Char('h') => {
                self.predict.cursor = self.predict.cursor.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Right | KeyCode::Char('l') => {
                self.predict.cursor = (self.predict.cursor + 1).min(n - 1)
            }
            KeyCode::Enter => self.answer(self.predict.cursor),
            KeyCode::Esc => {
                self.predict.question = None;
                self.message = Some("no guess, no step: → asks again".into());
            }
            _ => {}
        }
    }

    /// The student picks choice `i`: the tally counts it and the step shows, with the
    /// verdict.
    pub fn answer(&mut self, i: usize) {
        let Some(q) = self.predict.question.take() else {
            return;
        };
        let (right, text) = q.verdict(i);
        self.predict.answered += 1;
        self.predict.right += u32::from(right);
        self.predict.verdict = Some(Verdict {
            step: q.step,
            right,
            text,
        });
        self.send(Command::Forward);
    }

    /// Forward: in predict mode, onto a step never shown, ask first.
    fn forward(&mut self) {
        let new = self.view.step >= self.predict.furthest;
        let at_end = self.view.total == Some(self.view.step);
        if self.predict.on && new && !at_end && !self.predict.asking && !self.busy() {
            self.predict.asking = true;
            self.send(Command::Ask);
        } else if !self.predict.asking {
            self.send(Command::Forward);
        }
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Forward => self.forward(),
            Action::Back => self.send(Command::Back),
            Action::NextInterrupt => self.send(Command::NextInterrupt),
            Action::First => self.send(Command::First),
            Action::Last => self.send(Command::Last),
            Action::Down => self.move_in_focus(1),
            Action::Up => self.move_in_focus(-1),
            Action::PageDown => self.page(1),
            Action::PageUp => self.page(-1),
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::ToggleDetails => {
                self.show_details = !self.show_details && self.detail().is_some();
                self.details_scroll.offset = 0;
                if self.show_details {
                    self.show_checks = false;
                }
                self.look();
            }
            Action::ToggleChecks => {
                if !self.has_checks() {
                    self.message = Some(
                        "this scenario states no expectations (an \"expect\" list: see \
                         scenarios/README.md)"
                            .into(),
                    );
                    return;
                }
                self.show_checks = !self.show_checks;
                self.checks_scroll.offset = 0;
                if self.show_checks && self.show_details {
                    self.show_details = false;
                    self.look();
                }
            }
            Action::TogglePredict => {
                self.predict.on = !self.predict.on;
                self.message = Some(if self.predict.on {
                    "predict mode: → asks what the next new step will do before showing it".into()
                } else {
                    "predict mode off".into()
                });
            }
            Action::Goto => self.open_prompt(PromptKind::Goto),
            Action::Search => self.open_prompt(PromptKind::Search),
            Action::SearchBack => self.open_prompt(PromptKind::SearchBack),
            Action::RepeatSearch => self.search("", false),
            Action::RepeatSearchBack => self.search("", true),
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
            Action::ZoomOut => self.zoom(1),
            Action::ZoomIn => self.zoom(-1),
            Action::ToggleHelp => {
                self.show_help = !self.show_help;
                self.help_scroll.offset = 0;
            }
            Action::Escape => {
                // Only a task the bottom line shows ("Esc cancels") is cancelled: an Esc
                // while a quick answer is on its way closes what is open, as it looks.
                let long = self
                    .progress
                    .as_ref()
                    .is_some_and(|p| p.task != Task::Exploring);
                if self.busy() && long {
                    self.send(Command::Cancel);
                } else if self.show_help {
                    self.show_help = false;
                } else if self.show_checks {
                    self.show_checks = false;
                } else if self.show_details {
                    self.show_details = false;
                    self.look();
                } else {
                    self.message = Some("nothing to close: q quits".into());
                }
            }
            Action::Quit => self.quit = true,
        }
    }

    /// Time passed with no key pressed: while running and once the last steps are
    /// answered, ask for the next `speed` steps.
    pub fn tick(&mut self) {
        if self.running && !self.busy() {
            self.send(Command::Run(self.speed));
        }
    }

    /// The overlay the selection and focus ask for.
    fn detail(&self) -> Option<Detail> {
        match self.focus {
            Pane::Threads => self.selected_thread.map(Detail::Thread),
            _ => self.selected_irp.map(Detail::Irp),
        }
    }

    /// Tells the simulation what overlay to build, and from which of its lines: a detail
    /// other than the last one asked for opens at its top.
    fn look(&mut self) {
        let detail = if self.show_details {
            self.detail()
        } else {
            None
        };
        self.show_details = detail.is_some();
        if detail != self.looked {
            self.details_scroll.offset = 0;
            self.looked = detail;
        }
        self.send(Command::Look(Lens {
            detail,
            zoom: self.zoom,
            from: self.details_scroll.offset,
            rows: self.details_scroll.page.get(),
        }));
    }

    /// Makes the timeline's window one width wider (+1) or narrower (-1) than it is
    /// now, relative to the one that follows the steps.
    fn zoom(&mut self, by: i8) {
        let limit = SPANS.len() as i8 - 1;
        let zoom = self.zoom.saturating_add(by).clamp(-limit, limit);
        if zoom != self.zoom {
            self.zoom = zoom;
            self.look();
        }
    }

    /// Whether `pane` is on the screen: the lines' and ports' pane gives its room away
    /// when it has nothing to list (as [`crate::ui::Areas`] lays it out).
    pub fn shown(&self, pane: Pane) -> bool {
        pane != Pane::Ports || !self.view.lines_and_ports.is_empty()
    }

    /// Focus the next pane on the screen (+1) or the previous one (-1).
    fn cycle_focus(&mut self, by: i64) {
        let n = Pane::ALL.len() as i64;
        let mut at = self.focus.index() as i64;
        loop {
            at = (at + by).rem_euclid(n);
            if self.shown(Pane::ALL[at as usize]) {
                break;
            }
        }
        self.focus = Pane::ALL[at as usize];
        if self.show_details {
            self.look();
        }
    }

    /// The keys that focus `pane` from the focused one and scroll it down, the fewer
    /// presses of Tab or ⇧Tab: "↓ scrolls" (it has focus), "Tab, then ↓", "⇧Tab ×2, then ↓".
    pub fn keys_to_scroll(&self, pane: Pane) -> String {
        let shown: Vec<Pane> = Pane::ALL.into_iter().filter(|&p| self.shown(p)).collect();
        let (Some(from), Some(to)) = (
            shown.iter().position(|&p| p == self.focus),
            shown.iter().position(|&p| p == pane),
        ) else {
            return "↓ scrolls".into();
        };
        let n = shown.len();
        let ahead = (to + n - from) % n;
        let (key, times) = match (ahead, n - ahead) {
            (0, _) => return "↓ scrolls".into(),
            (a, b) if a <= b => ("Tab", a),
            (_, b) => ("⇧Tab", b),
        };
        if times == 1 {
            format!("{key}, then ↓")
        } else {
            format!("{key} ×{times}, then ↓")
        }
    }

    /// Focuses `pane` (a mouse click or wheel over it).
    pub fn focus_on(&mut self, pane: Pane) {
        if self.focus != pane {
            self.focus = pane;
            if self.show_details {
                self.look();
            }
        }
    }

    /// The overlay on top, if one is open: help, else expectations, else details (the
    /// order they are drawn in, the last on top).
    fn overlay_scroll(&mut self) -> Option<&mut Scroll> {
        if self.show_help {
            Some(&mut self.help_scroll)
        } else if self.show_checks {
            Some(&mut self.checks_scroll)
        } else if self.show_details {
            Some(&mut self.details_scroll)
        } else {
            None
        }
    }

    /// A page down (+1) or up (-1) in the open overlay; ten rows in the focused pane.
    fn page(&mut self, sign: i64) {
        match self.overlay_scroll() {
            Some(scroll) => {
                scroll.pages(sign);
                if self.show_details && !self.show_help && !self.show_checks {
                    self.look();
                }
            }
            None => self.move_in_focus(sign * PANE_PAGE),
        }
    }

    /// Down (+1) or up (-1) in the open overlay, else in the focused pane.
    pub fn move_in_focus(&mut self, delta: i64) {
        if let Some(scroll) = self.overlay_scroll() {
            scroll.by(delta);
            if self.show_details && !self.show_help && !self.show_checks {
                self.look();
            }
            return;
        }
        match self.focus {
            Pane::Irps => {
                let ids: Vec<IrpId> = self.view.irps.iter().map(|r| r.id).collect();
                self.selected_irp = step_selection(&ids, self.selected_irp, delta);
            }
            Pane::Threads => {
                let ids: Vec<ThreadId> = self.view.threads.iter().map(|r| r.id).collect();
                self.selected_thread = step_selection(&ids, self.selected_thread, delta);
            }
            pane => {
                let s = &mut self.scroll[pane.index()];
                *s = s.saturating_add_signed(delta as isize);
            }
        }
    }

    /// How far `pane` is scrolled.
    pub fn scroll_of(&self, pane: Pane) -> usize {
        self.scroll[pane.index()]
    }
}

/// The next selection among `ids` (in their order) from `current`, `delta` rows away.
fn step_selection<Id: Copy + PartialEq>(ids: &[Id], current: Option<Id>, delta: i64) -> Option<Id> {
    if ids.is_empty() {
        return current;
    }
    let at = current
        .and_then(|s| ids.iter().position(|&i| i == s))
        .map_or(0, |p| {
            (p as i64 + delta).clamp(0, ids.len() as i64 - 1) as usize
        });
    Some(ids[at])
}

/// A step number ("1200", "1_200") or a time ("8.3ms").
fn parse_target(text: &str) -> Option<Command> {
    if let Ok(step) = text.replace('_', "").parse::<u64>() {
        return Some(Command::Goto(step));
    }
    parse_time(text).map(Command::GotoTime)
}
