//! The main screen uses its room: at every step of every built-in scenario (and of a
//! sample of the conformance scenarios), at 80x24, 120x40 and 200x50, no pane cuts a word
//! without a mark, and no two parts of the screen overlap.
//!
//! What "cut" means here. Each pane shows some source lines (the view's rows, the
//! narration, the hint), wrapped or not. Read top to bottom, a pane's rows must be the
//! words of its source lines in order: every row carries the next words of the line it
//! continues, or starts a line. A line may stop early only where the screen says so: its
//! last visible word ends with `…`, or a "(+N more …)" note follows it (the pane scrolls).
//! A row holding a word that is not the source's next word ("DISPATC" for "DISPATCH"),
//! or a line that stops with no mark before the next line starts or the pane ends, is a
//! cut. A pane's title must not run into its corner (which is how a cut title looks).
//!
//! Words are what lies between spaces, with one exception: a DMA ring's slots (`[d]`,
//! `[R]`, a free `[ ]`) are each a word, so a long ring may break between two slots.

use crate::load;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tui::{Action, App};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// Conformance scenarios walked too: one of each family, the busiest screens first.
const CONFORMANCE: [&str; 6] = [
    "apc-routine-waits",
    "cancel-ioex-other-thread",
    "handle-sync-serialized",
    "pipe-full-writer-waits",
    "port-lifo-release",
    "port-get-queued-ex-batch",
];

fn app(path: &str) -> App {
    let loaded = load(path, &[]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut app = App::new(kernel, &loaded.scenario.name);
    app.settle_explored();
    app
}

/// The text of row `y` of `buf` between columns `x0` and `x1` (exclusive).
fn row(buf: &Buffer, y: u16, x0: u16, x1: u16) -> String {
    (x0..x1).map(|x| buf[(x, y)].symbol()).collect()
}

/// The words of a row or line (see the module's doc for a ring's slots).
fn words(text: &str) -> Vec<String> {
    text.replace("[ ]", "[_]")
        .replace("][", "] [")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Whether a row is one of the notes that say a pane hides lines.
fn is_note(text: &str) -> bool {
    text.starts_with("(+") && text.contains("more")
}

/// Where a row may go on from: line `line` at word `word`; `rest` is the remainder of a
/// word that the row before split with a `…`.
#[derive(Clone, PartialEq, Debug)]
struct At {
    line: usize,
    word: usize,
    rest: Option<String>,
}

/// Checks one pane's inner rows against its source lines; returns what is wrong.
fn check_rows(rows: &[String], sources: &[String]) -> Result<(), String> {
    let lines: Vec<Vec<String>> = sources.iter().map(|s| words(s)).collect();
    // Where each candidate reading of the rows so far stands; None: between lines.
    let mut open: Vec<Option<At>> = vec![None];
    let mut after_note = false;
    for (y, text) in rows.iter().enumerate() {
        let text = text.trim();
        let text = text.strip_prefix('▶').unwrap_or(text).trim();
        if is_note(text) {
            // A note marks whatever it hides, above or below it.
            open = vec![None];
            after_note = true;
            continue;
        }
        let row = words(text);
        if row.is_empty() {
            if !open.contains(&None) {
                return Err(format!(
                    "row {y} is empty but a line above it stopped mid-way"
                ));
            }
            open = vec![None];
            continue;
        }
        // Every place this row may start: the candidates' continuations, any line's
        // start, and (just under a "more above" note) anywhere.
        let mut starts: Vec<At> = Vec::new();
        for at in &open {
            match at {
                Some(at) => starts.push(at.clone()),
                None => {
                    for (line, words) in lines.iter().enumerate() {
                        let all = if after_note { words.len() } else { 1 };
                        for word in 0..all.min(words.len()) {
                            starts.push(At {
                                line,
                                word,
                                rest: None,
                            });
                        }
                    }
                }
            }
        }
        let mut next: Vec<Option<At>> = Vec::new();
        for start in &starts {
            next.extend(read_row(&row, start.line, &lines[start.line], start));
        }
        if next.is_empty() {
            return Err(format!(
                "row {y} {text:?} is not the next words of any line of {sources:#?}"
            ));
        }
        next.dedup();
        open = next;
        after_note = false;
    }
    if !open.contains(&None) {
        return Err(format!(
            "the last row {:?} stops mid-line with no mark",
            rows.last()
        ));
    }
    Ok(())
}

/// Reads `row` as words of line number `n` (`line`) from `start`: where the line stands
/// after it (None when the row ends the line or marks the rest with `…`), or nothing if
/// the row is not those words.
fn read_row(row: &[String], n: usize, line: &[String], start: &At) -> Vec<Option<At>> {
    let mut i = start.word;
    for (k, got) in row.iter().enumerate() {
        let want: &str = match (k, &start.rest) {
            (0, Some(rest)) => rest,
            _ => match line.get(i) {
                Some(w) => w,
                None => return Vec::new(),
            },
        };
        if got == want {
            i += 1;
            continue;
        }
        return match got.strip_suffix('…') {
            // Cut with a mark: the line may stop here, or go on with the word's rest.
            Some(cut) if k + 1 == row.len() && want.starts_with(cut) && cut.len() < want.len() => {
                vec![
                    None,
                    Some(At {
                        line: n,
                        word: i + 1,
                        rest: Some(want[cut.len()..].to_string()),
                    }),
                ]
            }
            _ => Vec::new(),
        };
    }
    if i >= line.len() {
        vec![None]
    } else {
        vec![Some(At {
            line: n,
            word: i,
            rest: None,
        })]
    }
}

/// Checks a pane's title and inner rows.
fn check_pane(buf: &Buffer, r: Rect, sources: &[String]) -> Result<(), String> {
    if r.width < 3 || r.height < 3 {
        return Ok(());
    }
    let top = row(buf, r.y, r.x, r.right());
    let before_corner = top.chars().rev().nth(1).unwrap_or(' ');
    if !matches!(before_corner, '─' | '━') {
        return Err(format!("the title runs into the corner: {top:?}"));
    }
    let rows: Vec<String> = (r.y + 1..r.bottom() - 1)
        .map(|y| row(buf, y, r.x + 1, r.right() - 1))
        .collect();
    check_rows(&rows, sources)
}

/// The lines each pane shows, from the view alone.
fn sources(app: &App) -> Vec<(&'static str, Vec<String>)> {
    let v = &app.view;
    let mut irps: Vec<String> = v.irps.iter().map(|r| r.text.clone()).collect();
    if irps.is_empty() {
        irps.push("(none yet)".into());
    }
    let mut story: Vec<String> = v.narration.iter().map(|e| format!("• {e}")).collect();
    story.push("Nothing has happened yet. Press → to take the first step.".into());
    story.push(
        "This step recorded no event: the kernel handled something with no effect to \
         show, such as a doorbell write reaching a device that is already busy. Press → \
         to go on."
            .into(),
    );
    story.extend(v.hint.iter().map(|h| format!("Look next: {h}")));
    // The last step's account of the whole run.
    if !v.summary.is_empty() {
        story.push("The run is over: nothing is left to happen.".into());
        story.extend(v.stopped.map(|why| format!("The run stops here ({why}).")));
        story.extend(v.summary.iter().cloned());
        story.push(format!("What this scenario shows: {}", app.description));
    }
    vec![
        ("CPUs", v.cpus.clone()),
        (
            "Threads",
            v.threads.iter().map(|r| r.text.clone()).collect(),
        ),
        ("IRPs", irps),
        ("Devices", v.devices.clone()),
        ("Ports", v.lines_and_ports.clone()),
        ("Story", story),
    ]
}

fn check_screen(app: &App, w: u16, h: u16) -> Result<(), String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    let buf = t.backend().buffer();
    let a = tui::ui::Areas::new(Rect::new(0, 0, w, h), app);
    let all = [
        a.status, a.cpus, a.threads, a.irps, a.devices, a.ports, a.timeline, a.story, a.bottom,
    ];
    let screen = Rect::new(0, 0, w, h);
    for (i, r) in all.iter().enumerate() {
        if !r.is_empty() && screen.intersection(*r) != *r {
            return Err(format!("{r:?} is off the screen"));
        }
        for o in &all[i + 1..] {
            if r.intersects(*o) {
                return Err(format!("{r:?} overlaps {o:?}"));
            }
        }
    }
    let rects = [a.cpus, a.threads, a.irps, a.devices, a.ports, a.story];
    for ((name, lines), r) in sources(app).into_iter().zip(rects) {
        check_pane(buf, r, &lines).map_err(|e| format!("{name} pane: {e}"))?;
    }
    Ok(())
}

/// Walks every step of the scenario at `path`, checking every size: each frame with a
/// cut, described (the first one drawn in full).
fn walk(path: &str) -> Vec<String> {
    let mut a = app(path);
    let mut cuts = Vec::new();
    loop {
        for (w, h) in SIZES {
            if let Err(e) = check_screen(&a, w, h) {
                let mut what = format!("{path} step {} at {w}x{h}: {e}", a.view.step);
                if cuts.is_empty() {
                    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
                    t.draw(|f| f.render_widget(&a, f.area())).unwrap();
                    what = format!("{what}\n{}", t.backend());
                }
                cuts.push(what);
            }
        }
        if Some(a.view.step) == a.view.total {
            return cuts;
        }
        a.update(Action::Forward);
        a.settle();
    }
}

#[test]
fn no_pane_cuts_a_word_without_a_mark_at_any_step_or_size() {
    let mut paths: Vec<String> = crate::scenario_paths()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    paths.extend(
        CONFORMANCE
            .iter()
            .map(|n| format!("scenarios/conformance/{n}.json")),
    );
    let mut cuts = 0;
    let mut first = Vec::new();
    for path in &paths {
        let found = walk(path);
        cuts += found.len();
        first.extend(found.into_iter().next());
    }
    assert!(
        first.is_empty(),
        "{cuts} frames cut a word without a mark; the first in each scenario:\n\n{}",
        first.join("\n\n")
    );
}

/// The check itself: wrapped and marked rows pass, a cut word or a silently dropped end
/// fails.
#[test]
fn the_cut_check_tells_a_cut_from_a_wrap_or_a_mark() {
    let src = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let rows = |s: &[&str]| s.iter().map(|l| format!("{l}   ")).collect::<Vec<_>>();
    let cpu = src(&["cpu0 DPC disk0 DISPATCH", "cpu1 idle PASSIVE"]);
    assert!(check_rows(&rows(&["cpu0 DPC disk0 DISPATCH", "cpu1 idle"]), &cpu).is_err());
    assert!(check_rows(&rows(&["cpu0 DPC disk0 DISPATC"]), &cpu).is_err());
    assert!(check_rows(&rows(&["cpu0 DPC disk0", "cpu1 idle PASSIVE"]), &cpu).is_err());
    assert!(check_rows(&rows(&["cpu0 DPC disk0", "  DISPATCH", ""]), &cpu).is_ok());
    assert!(check_rows(&rows(&["cpu0 DPC disk0 DISP…", "cpu1 idle PASSIVE"]), &cpu).is_ok());
    assert!(check_rows(&rows(&["cpu0 DPC disk0 DISP…", "ATCH"]), &cpu).is_ok());
    assert!(check_rows(&rows(&["cpu0 DPC disk0", "(+2 more below)"]), &cpu).is_ok());
    assert!(check_rows(&rows(&["(+2 more above)", "disk0 DISPATCH"]), &cpu).is_ok());
    assert!(check_rows(&rows(&["▶cpu1 idle PASSIVE"]), &cpu).is_ok());
    let ring = src(&["[ ][d][R] head 1 tail 2"]);
    assert!(check_rows(&rows(&["[ ][d]", "  [R] head 1 tail 2"]), &ring).is_ok());
    assert!(check_rows(&rows(&["[ ][d][", "R] head 1 tail 2"]), &ring).is_err());
    assert!(check_rows(&rows(&["[ ][d][R] head 1"]), &ring).is_err());
}
