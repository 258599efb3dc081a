//! The simulation thread. It owns the [`Session`]; the screen sends it [`Command`]s and
//! gets [`Update`]s back over crossbeam channels, so the screen never waits on the
//! simulation: while a long command runs, the thread reports progress and still listens
//! for [`Command::Cancel`].
//!
//! When it has nothing to answer, the thread explores the run ahead, a chunk at a time,
//! so the run's length, the checkpoints and the trace are ready before the student asks.
//! A scenario's expectations, when it has some, are judged here too, by a [`Checker`]
//! that explores alongside the session and is read at the step every view shows.

use crate::checks::Checker;
use crate::predict::{Ask, Question};
use crate::view::{Lens, View};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use kernel_sim::session::Session;
use kernel_sim::{Kernel, Time, What};
use std::collections::VecDeque;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the screen asks of the simulation.
#[derive(Debug)]
pub enum Command {
    Forward,
    Back,
    /// Up to this many steps forward (running on its own).
    Run(u32),
    Goto(u64),
    /// The first step whose clock reads this time (ns) or later.
    GotoTime(Time),
    First,
    Last,
    /// Forward to the next step that raises an interrupt.
    NextInterrupt,
    /// Forward to the next step with an event whose kind or narration (its sentence and
    /// the model's note due there) contains the text, ignoring case; or `backward`, to the
    /// last such step before the one shown.
    Search {
        text: String,
        backward: bool,
    },
    /// Only show something else (a detail overlay).
    Look(Lens),
    /// Ask a question about the next step (predict mode): take it, read the answer off
    /// it, and come back, so the view stays at the step shown and carries the question.
    Ask,
    /// Stop the long command under way.
    Cancel,
    /// Judge the scenario's expectations from now on, at every step shown.
    Check(Box<Checker>),
}

/// What the simulation sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The state after a command (or after exploring learned the run's length).
    View(Box<View>),
    /// How far a long task has got.
    Progress(Progress),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub task: Task,
    /// Steps explored so far (the run's length is not known yet while exploring).
    pub known: u64,
    /// The step a seek is heading for.
    pub target: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Running the rest of the run ahead to learn its length (in the background).
    Exploring,
    /// Running ahead to reach a step far away.
    Seeking,
    /// Running ahead to find an event.
    Searching,
    /// Looking through the steps already taken, the latest first, for an event; the
    /// progress's `target` is then the step it has looked back to.
    SearchingBack,
}

/// Steps explored between two looks at the command channel: about a millisecond.
const CHUNK: u64 = 2048;

/// Least time between two progress reports.
const PROGRESS_EVERY: Duration = Duration::from_millis(40);

/// The screen's end of the channels.
pub struct SimHandle {
    pub commands: Sender<Command>,
    pub updates: Receiver<Update>,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Starts the simulation thread on `kernel` at step 0, cutting the run after
    /// `event_limit` trace events. Its first update is the view of step 0.
    pub fn spawn(kernel: Kernel, event_limit: u64) -> Self {
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (update_tx, updates) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("iosim-sim".into())
            .spawn(move || {
                Sim {
                    session: Session::new(kernel).with_event_limit(event_limit),
                    lens: Lens::default(),
                    checker: None,
                    question: None,
                    answered: 0,
                    backlog: VecDeque::new(),
                    commands: command_rx,
                    updates: update_tx,
                    last_progress: Instant::now(),
                }
                .serve()
            })
            .expect("spawning the simulation thread");
        Self {
            commands,
            updates,
            thread: Some(thread),
        }
    }
}

impl Drop for SimHandle {
    /// Hangs up and lets the thread finish its chunk and exit.
    fn drop(&mut self) {
        let (hung_up, _) = crossbeam_channel::bounded(0);
        self.commands = hung_up;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Sim {
    session: Session,
    lens: Lens,
    /// The expectations' judge, once the screen has sent one.
    checker: Option<Checker>,
    /// The question the last command asked, for the view that answers it.
    question: Option<Question>,
    answered: u64,
    /// Commands that arrived while a long one ran, in arrival order.
    backlog: VecDeque<Command>,
    commands: Receiver<Command>,
    updates: Sender<Update>,
    last_progress: Instant,
}

/// Why a long command stopped before its end.
enum Stop {
    Cancelled,
    /// The screen hung up: the thread ends.
    HungUp,
}

impl Sim {
    fn serve(mut self) {
        if !self.send_view(None) {
            return;
        }
        loop {
            let command = match self.backlog.pop_front() {
                Some(c) => c,
                None if !self.exploring() => match self.commands.recv() {
                    Ok(c) => c,
                    Err(_) => return,
                },
                None => match self.commands.try_recv() {
                    Ok(c) => c,
                    Err(TryRecvError::Empty) => {
                        let was_finished = self.session.finished();
                        self.explore_chunk();
                        let sent = if !self.session.finished() {
                            self.progress(Task::Exploring, None)
                        } else if !was_finished {
                            // The run's length is known: the status line can show it,
                            // and expectations judged at the end can be.
                            self.send_view(None)
                        } else {
                            // Only the checker was catching up: nothing new to show.
                            true
                        };
                        if !sent {
                            return;
                        }
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => return,
                },
            };
            let message = match self.handle(command) {
                Ok(message) => message,
                Err(Stop::Cancelled) => Some("stopped".to_string()),
                Err(Stop::HungUp) => return,
            };
            self.answered += 1;
            if !self.send_view(message) {
                return;
            }
        }
    }

    /// Whether there is still run to explore in the background: the session's, or the
    /// checker's, which follows it.
    fn exploring(&self) -> bool {
        !self.session.finished()
            || self
                .checker
                .as_ref()
                .is_some_and(|c| !c.caught_up(self.session.known()))
    }

    /// Explores a chunk of the run ahead, and lets the checker follow.
    fn explore_chunk(&mut self) {
        self.session.explore(CHUNK);
        if let Some(checker) = &mut self.checker {
            checker.explore(CHUNK, self.session.known());
        }
    }

    fn send_view(&mut self, message: Option<String>) -> bool {
        let mut view = View::capture(&self.session, &self.lens);
        if let Some(checker) = &mut self.checker {
            let step = self.session.step();
            // A run cut at its event limit has no end to judge at: what is judged at the
            // end stays not yet.
            let ended = self.session.total() == Some(step) && self.session.stopped().is_none();
            view.checks = checker.lines_at(step, ended);
        }
        view.answered = self.answered;
        view.message = message;
        view.question = self.question.take();
        self.updates.send(Update::View(Box::new(view))).is_ok()
    }

    /// Sends progress, at most every [`PROGRESS_EVERY`]; false if the screen hung up.
    fn progress(&mut self, task: Task, target: Option<u64>) -> bool {
        if self.last_progress.elapsed() < PROGRESS_EVERY {
            return true;
        }
        self.last_progress = Instant::now();
        let known = self.session.known();
        self.updates
            .send(Update::Progress(Progress {
                task,
                known,
                target,
            }))
            .is_ok()
    }

    /// Between two chunks of a long task: reports progress and takes in commands, which
    /// wait in the backlog unless one cancels the task.
    fn between_chunks(&mut self, task: Task, target: Option<u64>) -> Result<(), Stop> {
        if !self.progress(task, target) {
            return Err(Stop::HungUp);
        }
        loop {
            match self.commands.try_recv() {
                Ok(Command::Cancel) => {
                    // The cancel is answered by the view that ends the task.
                    self.answered += 1;
                    return Err(Stop::Cancelled);
                }
                Ok(c) => self.backlog.push_back(c),
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => return Err(Stop::HungUp),
            }
        }
    }

    /// Explores until step `target` is known or the run ends.
    fn explore_to(&mut self, target: u64) -> Result<(), Stop> {
        while self.session.known() < target && !self.session.finished() {
            self.explore_chunk();
            self.between_chunks(Task::Seeking, Some(target))?;
        }
        Ok(())
    }

    /// Finds the first event after the current step that `matches` accepts (given the
    /// session and the event's number in the explored trace), exploring as needed, and
    /// goes to its step. `None` when the rest of the run has none.
    fn find(&mut self, matches: impl Fn(&Session, usize) -> bool) -> Result<Option<u64>, Stop> {
        let mut from = self.session.trace().len();
        loop {
            let to = self.session.explored_trace().len();
            if let Some(index) = (from..to).find(|&i| matches(&self.session, i)) {
                let step = self.session.step_of_event(index);
                self.session.goto(step);
                return Ok(Some(step));
            }
            from = to;
            if self.session.finished() {
                return Ok(None);
            }
            self.explore_chunk();
            self.between_chunks(Task::Searching, None)?;
        }
    }

    /// Finds the last event before the current step's that `matches` accepts, looking
    /// back a chunk at a time (so a search back over a long run can be cancelled), and
    /// goes to its step. `None` when no earlier step has one.
    fn find_back(
        &mut self,
        matches: impl Fn(&Session, usize) -> bool,
    ) -> Result<Option<u64>, Stop> {
        let mut to = self.session.last_range().start;
        while to > 0 {
            let from = to.saturating_sub(CHUNK as usize);
            if let Some(index) = (from..to).rev().find(|&i| matches(&self.session, i)) {
                let step = self.session.step_of_event(index);
                self.session.goto(step);
                return Ok(Some(step));
            }
            to = from;
            if to > 0 {
                let at = self.session.step_of_event(to);
                self.between_chunks(Task::SearchingBack, Some(at))?;
            }
        }
        Ok(None)
    }

    /// Carries out one command; its answer, if it has one, goes in the view's message.
    fn handle(&mut self, command: Command) -> Result<Option<String>, Stop> {
        let s = &mut self.session;
        match command {
            Command::Forward => {
                if !s.forward() {
                    return Ok(Some("the run is over: nothing more happens".into()));
                }
            }
            Command::Back => s.back(),
            Command::Run(n) => {
                for _ in 0..n {
                    if !s.forward() {
                        break;
                    }
                }
            }
            Command::First => s.goto(0),
            Command::Goto(step) => {
                self.explore_to(step)?;
                self.session.goto(step);
                if self.session.step() < step {
                    return Ok(Some(format!(
                        "the run has only {} steps",
                        self.session.known()
                    )));
                }
            }
            Command::Last => {
                self.explore_to(u64::MAX)?;
                let end = self.session.known();
                self.session.goto(end);
            }
            Command::GotoTime(time) => loop {
                if let Some(step) = self.session.step_at_time(time) {
                    self.session.goto(step);
                    break;
                }
                if self.session.finished() {
                    let end = self.session.known();
                    self.session.goto(end);
                    return Ok(Some(format!(
                        "the run ends before {}",
                        kernel_sim::trace::format_time(time)
                    )));
                }
                self.explore_chunk();
                self.between_chunks(Task::Seeking, None)?;
            },
            Command::NextInterrupt => {
                let found = self.find(|s, i| {
                    matches!(s.explored_trace()[i].what, What::InterruptRaised { .. })
                })?;
                if found.is_none() {
                    return Ok(Some("no interrupt after this step".into()));
                }
            }
            Command::Search { text, backward } => {
                let needle = text.to_lowercase();
                let start = self.session.step();
                // What the story would show for the event: its sentence and its note.
                let matches = |s: &Session, i: usize| {
                    s.explored_trace()[i]
                        .what
                        .kind()
                        .to_lowercase()
                        .contains(&needle)
                        || s.narrate(i).to_lowercase().contains(&needle)
                };
                let (found, way) = if backward {
                    (self.find_back(matches)?, "before")
                } else {
                    (self.find(matches)?, "after")
                };
                if found.is_none() {
                    return Ok(Some(format!(
                        "\"{text}\" does not occur {way} step {start}"
                    )));
                }
            }
            Command::Ask => {
                let before = View::capture(&self.session, &self.lens);
                if !self.session.forward() {
                    return Ok(Some("the run is over: nothing more happens".into()));
                }
                let after = View::capture(&self.session, &self.lens);
                let kind = Ask::for_step(after.step, &after);
                self.question = Some(Question::about(
                    kind,
                    &before,
                    &after,
                    self.session.kernel(),
                    self.session.last_events(),
                ));
                self.session.back();
            }
            Command::Look(lens) => self.lens = lens,
            Command::Cancel => {}
            Command::Check(checker) => self.checker = Some(*checker),
        }
        Ok(None)
    }
}
