//! How long the walkthrough takes to answer a key on a run of 1,000,000 trace events:
//! from the key press to the redrawn frame, through the simulation thread; then the same
//! with the expectations overlay open on a run of about 1,000 steps that states 20
//! expectations, judged at every step shown. The budget is one frame at 60 Hz, 16 ms. Run
//! with:
//!
//!     cargo bench --bench tui_keys
//!
//! Each measured press goes the whole way a real one does: `App::handle_key` sends a
//! command over the channel, the simulation thread answers with a view, the app takes it
//! in and a 120x40 frame is drawn (into ratatui's test backend rather than a terminal,
//! so the terminal's own speed is left out). A plain harness rather than a statistics
//! crate: what matters is the worst press against a fixed budget, not a mean.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};
use tui::App;

const SCENARIO: &str = "scenarios/bench/tui-million.json";
const PRESSES: usize = 200;
const BUDGET: Duration = Duration::from_millis(16);

/// One expectation of each subject at each kind of moment: 20 of them.
const EXPECTING: &str = "tests/expectations/all-hold.json";

/// Synchronous reads a thread added to [`EXPECTING`] makes once the rest is over, to
/// stretch its run to about 1,000 steps.
const EXTRA_READS: u64 = 84;

fn main() {
    million();
    expectations();
}

/// Presses a key and waits for the frame it leads to; the time that took.
fn press(app: &mut App, terminal: &mut Terminal<TestBackend>, code: KeyCode) -> Duration {
    let t = Instant::now();
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.settle();
    terminal
        .draw(|f| f.render_widget(&*app, f.area()))
        .expect("draw");
    t.elapsed()
}

fn million() {
    let loaded = iosim::load_scenario(SCENARIO, &[]).expect("the bench scenario loads");
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut whole = kernel.clone();
    whole.run(u64::MAX).expect("the bench scenario ends");
    let events = whole.trace().len();
    drop(whole);
    let started = Instant::now();
    let mut app = App::new(kernel, &loaded.scenario.name);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut press = |app: &mut App, code: KeyCode| press(app, &mut terminal, code);
    // While the simulation thread is still exploring the run in the background.
    let early: Vec<Duration> = (0..20).map(|_| press(&mut app, KeyCode::Right)).collect();
    let still_exploring = app.view.total.is_none();
    app.settle_explored();
    let explored = started.elapsed();
    println!(
        "{SCENARIO}: {events} trace events in {} steps, explored in the background in {:.2} s",
        app.view.total.expect("explored"),
        explored.as_secs_f64()
    );
    println!("{:<34} {:>9} {:>9} {:>9}", "key", "median", "p99", "max");
    let label = if still_exploring {
        "→ while the run is being explored"
    } else {
        "→ (exploring had already ended)"
    };
    report(label, early);
    let end = press(&mut app, KeyCode::End);
    report("End (first step to last)", vec![end]);
    let back: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Left))
        .collect();
    report("← step back at the far end", back);
    let forward: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Right))
        .collect();
    report("→ step forward at the far end", forward);
    let home = press(&mut app, KeyCode::Home);
    report("Home (last step to first)", vec![home]);
    let interrupts: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Char('n')))
        .collect();
    report("n next interrupt", interrupts);
    let back: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Left))
        .collect();
    report("← step back near the start", back);
}

/// The keys with the expectations overlay open: every view carries each expectation's
/// verdict at its step (a step back restores the checker's save and replays, as the
/// session does), and every frame draws the overlay.
fn expectations() {
    let text = std::fs::read_to_string(EXPECTING).expect("the expectations scenario");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let reads = serde_json::json!({
        "name": "reader",
        "threads": [{
            "name": "R", "start_ns": 20_000_000,
            "program": [
                { "open": { "path": "data.bin", "as": "d" } },
                { "repeat": { "times": EXTRA_READS, "ops": [
                    { "read": { "file": "d", "offset": 0, "len": 512 } }
                ] } }
            ]
        }]
    });
    doc["processes"]
        .as_array_mut()
        .expect("processes")
        .push(reads);
    let scenario = iosim::scenario::parse(EXPECTING, &doc.to_string())
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let kernel = iosim::build::build(&scenario, scenario.seed);
    let checks = iosim::expect::walkthrough::WalkthroughChecks::new(&scenario.expect, &kernel)
        .expect("the expectations name what the machine has");
    let mut app = App::new(kernel.clone(), &scenario.name).with_checks(kernel, Box::new(checks));
    app.settle_explored();
    let total = app.view.total.expect("explored");
    println!(
        "\n{EXPECTING} with {EXTRA_READS} reads more: {total} steps, {} expectations, overlay open",
        app.view.checks.len()
    );
    println!("{:<34} {:>9} {:>9} {:>9}", "key", "median", "p99", "max");
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut press = |app: &mut App, code: KeyCode| press(app, &mut terminal, code);
    press(&mut app, KeyCode::Char('e'));
    assert!(app.show_checks, "the overlay is open");
    let forward: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Right))
        .collect();
    report("→ step forward from the start", forward);
    let end = press(&mut app, KeyCode::End);
    report("End (to the last step)", vec![end]);
    let back: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Left))
        .collect();
    report("← step back from the end", back);
    let home = press(&mut app, KeyCode::Home);
    report("Home (to the first step)", vec![home]);
    let scroll: Vec<Duration> = (0..PRESSES)
        .map(|_| press(&mut app, KeyCode::Down))
        .collect();
    report("↓ scroll the overlay", scroll);
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
    let max = *times.last().expect("measured");
    let verdict = if max <= BUDGET { "" } else { "  over budget" };
    println!(
        "{what:<34} {:>9} {:>9} {:>9}{verdict}",
        ms(at(0.5)),
        ms(at(0.99)),
        ms(max)
    );
}
