//! The walkthrough: frames at chosen steps pinned at 80x24 and 120x40, every scenario's key
//! steps at 80x24, 120x40 and 200x50, a resize in the middle of a run, and key handling,
//! including that stepping back then forward gives identical screens.

use crate::load;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui::{Action, App, action_for};

/// The app on a scenario, once the simulation thread has explored the whole run (so the
/// status line shows the run's length, as it does a moment after start).
fn app(name: &str) -> App {
    let loaded = load(&format!("scenarios/{name}.json"), &[]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut app =
        App::new(kernel, &loaded.scenario.name).with_description(&loaded.scenario.description);
    app.settle_explored();
    app
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

fn press(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        let action = action_for(KeyEvent::new(code, KeyModifiers::NONE)).expect("bound key");
        app.update(action);
        app.settle();
    }
}

/// Acts and waits for the simulation's answer.
fn act(app: &mut App, action: Action) {
    app.update(action);
    app.settle();
}

#[test]
fn tour_frames_are_pinned() {
    let mut a = app("tour");
    insta::assert_snapshot!("tour_step_0_80x24", screen(&a, 80, 24));
    press(&mut a, KeyCode::Right, 6);
    insta::assert_snapshot!("tour_step_6_80x24", screen(&a, 80, 24));
    press(&mut a, KeyCode::Char('n'), 1);
    insta::assert_snapshot!("tour_first_interrupt_120x40", screen(&a, 120, 40));
    press(&mut a, KeyCode::Right, 2);
    insta::assert_snapshot!("tour_in_dpc_120x40", screen(&a, 120, 40));
}

#[test]
fn iocp_frame_shows_the_port() {
    let mut a = app("iocp-thread-pool");
    press(&mut a, KeyCode::Char('n'), 3);
    insta::assert_snapshot!("iocp_third_interrupt_120x40", screen(&a, 120, 40));
    insta::assert_snapshot!("iocp_third_interrupt_80x24", screen(&a, 80, 24));
}

#[test]
fn elevator_frames_show_the_queue_in_service_order() {
    let mut a = app("disk-elevator");
    press(&mut a, KeyCode::Char('n'), 1);
    insta::assert_snapshot!("elevator_first_interrupt_80x24", screen(&a, 80, 24));
    press(&mut a, KeyCode::Char('n'), 4);
    insta::assert_snapshot!("elevator_fifth_interrupt_120x40", screen(&a, 120, 40));
}

#[test]
fn back_then_forward_gives_identical_screens() {
    let mut a = app("iocp-thread-pool");
    press(&mut a, KeyCode::Right, 100);
    let there = screen(&a, 120, 40);
    press(&mut a, KeyCode::Left, 60);
    assert_eq!(a.view.step, 40);
    let back = screen(&a, 120, 40);
    press(&mut a, KeyCode::Right, 60);
    assert_eq!(screen(&a, 120, 40), there);
    let mut fresh = app("iocp-thread-pool");
    press(&mut fresh, KeyCode::Right, 40);
    assert_eq!(screen(&fresh, 120, 40), back);
}

#[test]
fn keys_map_to_actions() {
    let k = |c| action_for(KeyEvent::new(c, KeyModifiers::NONE));
    assert_eq!(k(KeyCode::Right), Some(Action::Forward));
    assert_eq!(k(KeyCode::Char(' ')), Some(Action::Forward));
    assert_eq!(k(KeyCode::Char('h')), Some(Action::Back));
    assert_eq!(k(KeyCode::Esc), Some(Action::Escape));
    assert_eq!(k(KeyCode::Char('q')), Some(Action::Quit));
    assert_eq!(k(KeyCode::Tab), Some(Action::FocusNext));
    assert_eq!(k(KeyCode::Char('e')), Some(Action::ToggleChecks));
    assert_eq!(k(KeyCode::Char('p')), Some(Action::TogglePredict));
    assert_eq!(k(KeyCode::Char('x')), None);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(action_for(ctrl_c), Some(Action::Quit));
}

#[test]
fn first_and_last_reach_the_ends_and_back_stops_at_zero() {
    let mut a = app("tour");
    act(&mut a, Action::Last);
    assert_eq!(a.view.step, a.view.total.unwrap());
    act(&mut a, Action::Forward);
    assert_eq!(a.view.step, a.view.total.unwrap());
    assert!(screen(&a, 80, 24).contains("the run is over"));
    act(&mut a, Action::First);
    assert_eq!(a.view.step, 0);
    act(&mut a, Action::Back);
    assert_eq!(a.view.step, 0);
    act(&mut a, Action::ToggleHelp);
    assert!(screen(&a, 80, 24).contains("next interrupt"));
}

#[test]
fn run_steps_on_its_own_at_the_chosen_speed_and_pauses_at_the_end() {
    let mut a = app("tour");
    a.tick();
    a.settle();
    assert_eq!(a.view.step, 0, "paused: a tick does nothing");
    act(&mut a, Action::ToggleRun);
    a.tick();
    a.tick(); // ignored: the first tick's steps are not answered yet
    a.settle();
    assert_eq!(a.view.step, 1);
    press(&mut a, KeyCode::Char('+'), 2);
    assert_eq!(a.speed, 16);
    a.tick();
    a.settle();
    assert_eq!(a.view.step, 17);
    press(&mut a, KeyCode::Char('-'), 5);
    assert_eq!(a.speed, 1);
    a.speed = 1024;
    a.tick();
    a.settle();
    assert_eq!(a.view.step, a.view.total.unwrap());
    assert!(!a.running, "the run pauses at its end");
}

#[test]
fn a_small_terminal_is_told_what_it_needs() {
    let a = app("tour");
    let s = screen(&a, 60, 20);
    assert!(s.contains("at least 80x24"), "{s}");
    assert!(s.contains("this one is 60x20"), "{s}");
}

#[test]
fn an_irp_can_be_selected_and_its_details_shown() {
    let mut a = app("tour");
    // The dispatch routine's look at the IRP (step 6) comes before it programs the device.
    press(&mut a, KeyCode::Right, 7);
    press(&mut a, KeyCode::Down, 1);
    press(&mut a, KeyCode::Enter, 1);
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("IRP1 READ 4096 bytes at offset 0 of data.bin"),
        "{s}"
    );
    assert!(s.contains("DmaDescriptorPosted"), "{s}");
    // After the transfer, the buffer holds the file's bytes.
    press(&mut a, KeyCode::Char('n'), 1);
    press(&mut a, KeyCode::Right, 2);
    insta::assert_snapshot!("tour_irp1_details_120x40", screen(&a, 120, 40));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    app.settle();
}

#[test]
fn go_to_a_step_or_a_time_and_search_forward() {
    let mut a = app("tour");
    typed(&mut a, "g20");
    assert_eq!(a.view.step, 20);
    typed(&mut a, "g8.3ms");
    assert!(a.view.now >= 8_300_000);
    let at = a.view.step;
    typed(&mut a, "g5");
    assert_eq!(a.view.step, 5);
    typed(&mut a, "g8.3ms");
    assert_eq!(
        a.view.step, at,
        "going to a time lands on the same step both ways"
    );
    typed(&mut a, "/wait_io_completion");
    assert!(
        a.view
            .narration
            .iter()
            .any(|l| l.contains("its wait returns WAIT_IO_COMPLETION")),
        "search finds the alertable wait's return: {:?}",
        a.view.narration
    );
    let here = a.view.step;
    typed(&mut a, "/no such thing");
    assert_eq!(a.view.step, here, "a failed search stays put");
    assert!(screen(&a, 80, 24).contains("does not occur"));
    typed(&mut a, "gsoon");
    assert!(screen(&a, 80, 24).contains("not a step or a time: soon"));
}

#[test]
fn colour_is_used_only_when_allowed() {
    use ratatui::style::{Color, Modifier};
    let mut a = app("tour");
    let style_of_bar = |a: &App| {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| f.render_widget(a, f.area())).unwrap();
        t.backend().buffer()[(0, 0)].style()
    };
    let plain = style_of_bar(&a);
    assert_eq!(plain.bg, Some(Color::Reset));
    assert!(plain.add_modifier.contains(Modifier::REVERSED));
    a.color = true;
    assert_eq!(style_of_bar(&a).bg, Some(Color::Blue));
}

#[test]
fn tab_moves_focus_and_the_arrows_follow_it() {
    use tui::Pane;
    let mut a = app("apc-completion-routines");
    assert_eq!(a.focus, Pane::Irps);
    // Tab goes in reading order: the Threads pane is left of the IRPs'.
    press(&mut a, KeyCode::BackTab, 1);
    assert_eq!(a.focus, Pane::Threads);
    press(&mut a, KeyCode::Down, 2);
    let second = a.view.threads[1].id;
    assert_eq!(
        a.selected_thread,
        Some(second),
        "↓ twice: first, then second"
    );
    press(&mut a, KeyCode::Tab, 1);
    assert_eq!(a.focus, Pane::Irps);
    let mut seen = vec![a.focus];
    for _ in 0..Pane::ALL.len() {
        press(&mut a, KeyCode::Tab, 1);
        seen.push(a.focus);
    }
    assert_eq!(a.focus, Pane::Irps, "Tab cycles through every pane");
    seen.sort_by_key(|p| Pane::ALL.iter().position(|q| q == p));
    seen.dedup();
    assert_eq!(seen, Pane::ALL, "every pane takes focus");
    // The focused pane's border is drawn thick.
    let s = screen(&a, 80, 24);
    assert!(s.contains("┏ IRPs"), "{s}");
    assert!(s.contains("┌ Threads"), "{s}");
}

#[test]
fn a_thread_shows_its_apc_queue_in_the_order_it_will_run() {
    let mut a = app("apc-completion-routines");
    // Step until some thread has two APCs queued.
    while !a
        .view
        .threads
        .iter()
        .any(|t| t.text.contains("APCs[2]: IRP1→on_block IRP2→on_block"))
    {
        let at = a.view.step;
        press(&mut a, KeyCode::Right, 1);
        assert_ne!(a.view.step, at, "the scenario queues two APCs for a thread");
    }
    press(&mut a, KeyCode::BackTab, 1);
    let row = a
        .view
        .threads
        .iter()
        .position(|t| t.text.contains("APCs[2]: IRP1→on_block IRP2→on_block"))
        .unwrap();
    press(&mut a, KeyCode::Down, row + 1);
    press(&mut a, KeyCode::Enter, 1);
    let detail: Vec<&str> = a
        .view
        .detail
        .as_ref()
        .expect("the thread's details")
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    let start = detail
        .iter()
        .position(|l| l.starts_with("APC queue"))
        .unwrap();
    let end = detail.iter().position(|&l| l == "history:").unwrap();
    let queue = &detail[start + 1..end];
    assert_eq!(queue.len(), 2, "{detail:?}");
    assert!(
        queue[0].contains("IRP1") && queue[1].contains("IRP2"),
        "FIFO: {queue:?}"
    );
    insta::assert_snapshot!("apc_thread_details_120x40", screen(&a, 120, 40));
    press(&mut a, KeyCode::Esc, 1);
    assert!(!a.show_details, "Esc closes the overlay first");
    assert!(!a.quit);
}

#[test]
fn the_mouse_focuses_and_scrolls_the_pane_under_it() {
    use ratatui::layout::Rect;
    use tui::Pane;
    use tui::ui::Areas;
    let mut a = app("iocp-thread-pool");
    let areas = Areas::new(Rect::new(0, 0, 120, 40), &a);
    let (x, y) = (areas.threads.x + 3, areas.threads.y + 2);
    let pane = areas.pane_at(x, y).expect("a pane under the pointer");
    assert_eq!(pane, Pane::Threads);
    a.focus_on(pane);
    a.move_in_focus(1);
    a.settle();
    assert_eq!(a.selected_thread, Some(a.view.threads[0].id));
    assert_eq!(
        areas.pane_at(areas.story.x + 1, areas.story.y + 1),
        Some(Pane::Story)
    );
    // Every pane takes focus, the CPUs' and the timeline's too.
    assert_eq!(
        areas.pane_at(areas.cpus.x + 1, areas.cpus.y + 1),
        Some(Pane::Cpus)
    );
    assert_eq!(
        areas.pane_at(areas.timeline.x + 1, areas.timeline.y + 1),
        Some(Pane::Timeline)
    );
}

#[test]
fn a_long_seek_shows_progress_and_esc_cancels_it() {
    use tui::sim::Update;
    let loaded = load("scenarios/bench/iocp-throughput.json", &[]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut a = App::new(kernel, &loaded.scenario.name);
    press(&mut a, KeyCode::Right, 3);
    act(&mut a, Action::ToggleHelp);
    act(&mut a, Action::ToggleHelp);
    a.update(Action::Last);
    // Wait for a progress report of the seek (one of the background exploration may
    // still be on its way first: Esc does not cancel that, and the bottom line does not
    // offer it).
    loop {
        match a.updates().recv().unwrap() {
            u @ Update::Progress(_) => {
                let seek = matches!(&u, Update::Progress(p) if p.task != tui::sim::Task::Exploring);
                a.receive(u);
                if a.busy() && seek {
                    break;
                }
            }
            u => a.receive(u),
        }
    }
    let s = screen(&a, 80, 24);
    assert!(s.contains("running ahead"), "{s}");
    assert!(s.contains("Esc cancels"), "{s}");
    assert!(
        s.contains("(exploring)"),
        "the length is not known yet: {s}"
    );
    a.update(Action::Escape);
    a.settle();
    assert!(!a.quit, "Esc cancels a long task rather than quitting");
    assert_eq!(a.view.step, 3, "a cancelled seek stays where it was");
    assert!(screen(&a, 80, 24).contains("stopped"));
}

#[test]
fn checkpoints_stay_bounded_and_going_anywhere_is_exact() {
    use tui::Session;
    let loaded = load("scenarios/iocp-thread-pool.json", &[]);
    let kernel = || iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut small = Session::with_limits(kernel(), 4, 8);
    while !small.finished() {
        small.explore(10);
    }
    let (count, interval) = small.checkpoint_spacing();
    assert!(count <= 8, "{count} checkpoints");
    assert!(interval > 4, "the interval doubled as the run grew");
    // Every step reached by a jump has the state and events of the plain forward run.
    let mut plain = Session::explored(kernel());
    let total = small.total().unwrap();
    for target in [total, 3, total / 2, 0, total - 1, 7] {
        small.goto(target);
        plain.goto(0);
        while plain.step() < target {
            plain.forward();
        }
        assert_eq!(small.last_events(), plain.last_events(), "step {target}");
        assert_eq!(
            format!("{:?}", small.kernel().core()),
            format!("{:?}", plain.kernel().core()),
            "step {target}"
        );
    }
}

/// The timeline's row of a lane, as drawn at `w`x`h`: the cells after its label.
fn timeline_row(a: &App, w: u16, h: u16, label: &str) -> String {
    let frame = plain(&screen(a, w, h));
    let skip = a.view.timeline.label_width();
    let line = frame
        .lines()
        .find(|l| l.starts_with(&format!("{label} ")) && l.chars().count() > skip)
        .unwrap_or_else(|| panic!("lane {label} in\n{frame}"));
    line.chars().skip(skip).collect()
}

#[test]
fn the_timeline_shows_what_ran_up_to_now_and_zooms() {
    use ratatui::style::Modifier;
    let mut a = app("tour");
    let t = &a.view.timeline;
    let labels: Vec<&str> = t.lanes.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        ["cpu0", "disk0", "T1", "T2"],
        "a lane per thread too"
    );
    assert!(
        t.lanes.iter().all(|l| l.marks.is_empty()),
        "nothing yet at step 0"
    );
    press(&mut a, KeyCode::Char('n'), 1);
    let t = &a.view.timeline;
    let cells = |i: usize| {
        t.cells(&t.lanes[i], 100)
            .into_iter()
            .map(|c| c.glyph)
            .collect::<String>()
    };
    // T2 computes on cpu0 until the interrupt: its runs start with its mark, 2.
    assert!(
        cells(0).contains("2█") && cells(0).contains('I'),
        "{}",
        cells(0)
    );
    assert!(cells(1).contains('═'), "{}", cells(1));
    // T1 waits for its read all the while; T2 runs.
    assert!(
        cells(2).contains("···") && !cells(2).contains('█'),
        "{}",
        cells(2)
    );
    assert!(cells(3).contains("2██"), "{}", cells(3));
    // Nothing drawn lies in the future of the current step.
    assert!(t.lanes.iter().flat_map(|l| &l.marks).all(|m| m.to <= t.now));
    // The current moment's column is highlighted on every lane.
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| f.render_widget(&a, f.area())).unwrap();
    let buf = term.backend().buffer().clone();
    let row = (0..40)
        .find(|&y| buf[(0, y)].symbol() == "c" && buf[(1, y)].symbol() == "p")
        .expect("the cpu0 lane");
    let label = t.label_width();
    let col = (label + t.column(t.now, 120 - label)) as u16;
    for lane in 0..4 {
        assert!(buf[(col, row + lane)].modifier.contains(Modifier::REVERSED));
    }
    assert_eq!(buf[(col, row)].symbol(), "I", "the ISR runs now");
    // T2's mark is underlined in its label, so the 2s on cpu0 read as T2 without colour.
    assert_eq!(buf[(1, row + 3)].symbol(), "2");
    assert!(buf[(1, row + 3)].modifier.contains(Modifier::UNDERLINED));
    // > and < move one width narrower and wider than the one that follows the steps,
    // and the window goes on holding the current moment.
    let width = |a: &App| a.view.timeline.to - a.view.timeline.from;
    let followed = tui::timeline::SPANS
        .iter()
        .position(|&s| s == width(&a))
        .unwrap();
    press(&mut a, KeyCode::Char('>'), 1);
    assert_eq!(width(&a), tui::timeline::SPANS[followed - 1]);
    press(&mut a, KeyCode::Char('<'), 2);
    assert_eq!(width(&a), tui::timeline::SPANS[followed + 1]);
    for _ in 0..10 {
        press(&mut a, KeyCode::Right, 1);
        let t = &a.view.timeline;
        assert!(t.from <= t.now && t.now < t.to, "{t:?}");
    }
}

#[test]
fn early_steps_microseconds_apart_fall_in_columns_of_their_own() {
    let mut a = app("tour");
    // The steps up to T2's first run: T1 opens and reads (5-10 us), T2 starts at 20 us
    // and runs at 25 us.
    while a.view.now < 25_000 {
        press(&mut a, KeyCode::Right, 1);
    }
    let t = &a.view.timeline;
    assert!(
        t.to - t.from <= 50_000,
        "a window of tens of microseconds, not milliseconds: {}",
        t.range()
    );
    // The moments of the last few steps, each in a column of its own on the narrowest
    // screen.
    let width = 80 - t.label_width();
    let moments = [5_000, 6_000, 7_000, 7_500, 8_500, 10_000, 20_000, 25_000];
    let mut columns: Vec<usize> = moments.iter().map(|&m| t.column(m, width)).collect();
    columns.dedup();
    assert_eq!(columns.len(), moments.len(), "{columns:?}");
    insta::assert_snapshot!("tour_t2_runs_80x24", screen(&a, 80, 24));
    insta::assert_snapshot!("tour_t2_runs_120x40", screen(&a, 120, 40));
    // On the lanes: T1 ran (its mark, 1) then waits; T2 stood ready, then was switched
    // to, and runs now.
    let t1 = timeline_row(&a, 120, 40, "T1");
    assert!(t1.contains("1█") && t1.contains('·'), "{t1}");
    let t2 = timeline_row(&a, 120, 40, "T2");
    assert!(t2.contains("s2") || t2.contains("░s"), "{t2}");
    // Steps 3 ms apart (T2's passes) get a window of milliseconds.
    while a.view.now < 3_025_000 {
        press(&mut a, KeyCode::Right, 1);
    }
    let t = &a.view.timeline;
    assert!(t.to - t.from >= 5_000_000, "{}", t.range());
    insta::assert_snapshot!("tour_second_pass_80x24", screen(&a, 80, 24));
}

#[test]
fn without_colour_threads_on_a_busy_machine_are_told_apart_by_their_marks() {
    // Four CPUs, five threads: on a screen of 30 rows the thread lanes do not fit, so
    // the CPU lanes carry each run's mark (W3's 3, W4's 4), even where a switch shares
    // its column. (At 80x24 only the first lanes fit, with the rest counted as hidden.)
    let (w, h) = (100, 30);
    let mut a = app("iocp-thread-pool");
    press(&mut a, KeyCode::Char('n'), 3);
    let frame = plain(&screen(&a, w, h));
    assert!(frame.contains("lanes 1-"), "some lanes do not fit: {frame}");
    let cpus: String = ["cpu1", "cpu2"]
        .into_iter()
        .map(|l| timeline_row(&a, w, h, l))
        .collect();
    for mark in ['3', '4'] {
        assert!(cpus.contains(&format!("{mark}█")), "{mark} in {cpus}");
    }
}

#[test]
fn lines_the_last_step_changed_are_bold() {
    use ratatui::style::Modifier;
    let mut a = app("tour");
    let bold_at = |a: &App, text: &str| {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| f.render_widget(a, f.area())).unwrap();
        let buf = t.backend().buffer().clone();
        let screen = t.backend().to_string();
        let (y, line) = screen
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(text))
            .unwrap_or_else(|| panic!("{text} on screen:\n{screen}"));
        // Less one for the quote the test backend puts at the start of each line.
        let x = line[..line.find(text).unwrap()].chars().count() - 1;
        buf[(x as u16, y as u16)].modifier.contains(Modifier::BOLD)
    };
    assert!(
        !bold_at(&a, "cpu0 idle"),
        "nothing is bold before the first step"
    );
    press(&mut a, KeyCode::Right, 1);
    assert!(bold_at(&a, "cpu0 switch"), "the CPU began a switch");
    assert!(!bold_at(&a, "IRQ14 disk0"), "the line did not change");
}

#[test]
fn the_walkthrough_honours_the_event_limit() {
    let loaded = load("scenarios/tour.json", &["machine.event_limit=30"]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut a = App::with_event_limit(kernel, &loaded.scenario.name, 30);
    a.settle_explored();
    assert_eq!(a.view.stopped, Some("cut at the event limit"));
    let full = app("tour");
    assert!(a.view.total.unwrap() < full.view.total.unwrap());
    act(&mut a, Action::Last);
    assert!(screen(&a, 80, 24).contains("(cut at the event limit)"));
}

#[test]
fn each_thread_wears_one_colour_in_the_timeline_and_the_threads_pane() {
    use tui::ui::thread_color;
    let mut a = app("tour");
    press(&mut a, KeyCode::Char('n'), 1);
    let draw = |a: &App| {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| f.render_widget(a, f.area())).unwrap();
        (t.backend().buffer().clone(), t.backend().to_string())
    };
    let (plain, _) = draw(&a);
    a.color = true;
    let (buf, text) = draw(&a);
    let lines: Vec<&str> = text.lines().collect();
    let row = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix)).unwrap() as u16;
    // T2 runs on cpu0 before the interrupt: its cells on the cpu0 lane wear T2's colour.
    let lane = row("\"cpu0 ");
    let t2 = kernel_sim::ThreadId(1);
    let x = (6..120).find(|&x| buf[(x, lane)].symbol() == "█").unwrap();
    assert_eq!(buf[(x, lane)].fg, thread_color(t2));
    assert_eq!(
        plain[(x, lane)].fg,
        ratatui::style::Color::Reset,
        "no colour under NO_COLOR"
    );
    // So do its own lane, its label's mark, and T1's waits on T1's lane its colour.
    let t1 = kernel_sim::ThreadId(0);
    for (label, thread, glyph) in [("\"T2 ", t2, "█"), ("\"T1 ", t1, "·")] {
        let lane = row(label);
        let x = (6..120)
            .find(|&x| buf[(x, lane)].symbol() == glyph)
            .unwrap();
        assert_eq!(buf[(x, lane)].fg, thread_color(thread), "{label}");
        assert_eq!(buf[(1, lane)].fg, thread_color(thread), "{label}'s mark");
    }
    // And so does T2's row in the Threads pane.
    let pane = row("\"┌ CPUs");
    let t2_row = (pane..pane + 8).find(|&y| {
        (0..120).any(|x| buf[(x, y)].symbol() == "T" && buf[(x + 1, y)].symbol() == "2")
    });
    let y = t2_row.expect("T2 in the Threads pane");
    let x = (0..120)
        .find(|&x| buf[(x, y)].symbol() == "T" && buf[(x + 1, y)].symbol() == "2")
        .unwrap();
    assert_eq!(buf[(x, y)].fg, thread_color(t2));
}

#[test]
fn the_help_lists_every_action_a_key_can_ask_for() {
    use std::collections::BTreeSet;
    use tui::app::KEYS;
    let mut codes: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    codes.extend([
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ]);
    let bound: BTreeSet<String> = codes
        .into_iter()
        .filter_map(|c| action_for(KeyEvent::new(c, KeyModifiers::NONE)))
        .map(|a| format!("{a:?}"))
        .collect();
    let listed: BTreeSet<String> = KEYS
        .iter()
        .flat_map(|(_, _, actions)| actions.iter().map(|a| format!("{a:?}")))
        .collect();
    assert_eq!(bound, listed);
    // The expectations' key is listed only for a scenario that states some.
    let mut a = app_checking(ALL_HOLD, &[]);
    act(&mut a, Action::ToggleHelp);
    let s = screen(&a, 120, 60);
    for (keys, what, _) in KEYS {
        assert!(
            s.contains(keys) && s.contains(what),
            "{keys} {what} in\n{s}"
        );
    }
}

/// A frame as a person sees it: no quotes, no trailing blanks.
fn plain(frame: &str) -> String {
    frame
        .lines()
        .map(|l| {
            l.strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l)
                .trim_end()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_readme_shows_the_real_tour_screen() {
    let mut a = app("tour");
    press(&mut a, KeyCode::Char('n'), 1);
    let want = plain(&screen(&a, 80, 24));
    let readme = std::fs::read_to_string("README.md").unwrap();
    let shown = readme
        .split("screen at 80x24):\n\n```\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the README shows a capture");
    assert_eq!(
        shown, want,
        "README.md's capture is out of date; the screen is now:\n{want}"
    );
}

#[test]
fn cancel_io_frame_shows_what_each_request_held() {
    let mut a = app("cancel-io");
    typed(&mut a, "/IoCancelIrp");
    let frame = screen(&a, 120, 40);
    assert!(frame.contains("cannot take IRP1 back"), "{frame}");
    // Every request CancelIo reached says so, whether its driver could take it back.
    for irp in [
        "IRP1 READ in device, cancel asked",
        "IRP3 READ queued, cancel asked",
    ] {
        assert!(frame.contains(irp), "{irp} in\n{frame}");
    }
    insta::assert_snapshot!("cancel_io_after_cancel_io_120x40", frame);
    insta::assert_snapshot!("cancel_io_after_cancel_io_80x24", screen(&a, 80, 24));
}

#[test]
fn pipe_frame_shows_the_buffer_full_and_the_write_waiting() {
    let mut a = app("pipe-basics");
    typed(&mut a, "/the write waits until reads make room");
    let frame = screen(&a, 120, 40);
    assert!(frame.contains("16/16 bytes"), "{frame}");
    assert!(frame.contains("writes (FIFO, 1 waiting): IRP3"), "{frame}");
    // A pipe has no interrupt line and no DMA ring: no pane or lane stands empty for
    // them.
    assert!(!frame.contains("Interrupt lines"), "{frame}");
    assert!(!frame.contains("DMA ring"), "{frame}");
    insta::assert_snapshot!("pipe_basics_write_waits_120x40", frame);
    let small = screen(&a, 80, 24);
    assert!(small.contains("16/16 bytes"), "{small}");
    assert!(small.contains("1 waiting): IRP3"), "{small}");
    insta::assert_snapshot!("pipe_basics_write_waits_80x24", small);
}

#[test]
fn objects_frame_shows_each_wait_and_each_object() {
    let mut a = app("events-and-waits");
    // The last of five threads to wait: the joiner, on the producer's thread object.
    typed(&mut a, "/joiner waits in");
    let frame = screen(&a, 120, 40);
    for seen in [
        // Names padded to the longest, consumer_all's.
        "poller       waits: go",
        "consumer_all waits all: items go",
        "joiner       waits: thread producer",
        "event item_ready (auto) □ waiters: consumer_any",
        "event go (manual) □ waiters: poller consumer_all",
        "semaphore items 0/2 waiters: consumer_any",
    ] {
        assert!(frame.contains(seen), "{seen} in\n{frame}");
    }
    insta::assert_snapshot!("events_and_waits_threads_wait_on_objects_120x40", frame);
    insta::assert_snapshot!(
        "events_and_waits_threads_wait_on_objects_80x24",
        screen(&a, 80, 24)
    );
}

#[test]
fn filter_frame_shows_which_driver_of_the_stack_holds_the_irp() {
    let mut a = app("filter-driver");
    typed(&mut a, "/goes to disk0's checksum filter");
    let frame = screen(&a, 120, 40);
    assert!(
        frame.contains("IRP1 READ at checksum filter, in dispatch"),
        "{frame}"
    );
    insta::assert_snapshot!("filter_driver_irp_at_the_filter_120x40", frame);
    let small = screen(&a, 80, 24);
    assert!(small.contains("IRP1 READ at checksum filte"), "{small}");
    insta::assert_snapshot!("filter_driver_irp_at_the_filter_80x24", small);
    // Passed down, the IRP is the disk driver's.
    press(&mut a, KeyCode::Right, 2);
    let below = screen(&a, 120, 40);
    assert!(
        below.contains("IRP1 READ at disk driver, in dispatch"),
        "{below}"
    );
}

/// Each built-in scenario's name and its narration as `iosim run` prints it: each event's
/// sentence, with its note, explained with the state right after the event's step.
fn narrated_runs() -> Vec<(String, Vec<String>)> {
    crate::scenario_paths()
        .iter()
        .map(|path| {
            let loaded = load(path.to_str().unwrap(), &[]);
            let mut narrator = kernel_sim::trace::Narrator::new();
            let mut lines = Vec::new();
            iosim::run_streaming(&loaded.scenario, loaded.scenario.seed, |k, e| {
                lines.push(narrator.narrate(k, e));
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}", e.render()));
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            (name, lines)
        })
        .collect()
}

#[test]
fn every_event_is_narrated_as_the_run_narrates_it_from_any_step() {
    use tui::Session;
    for (name, want) in narrated_runs() {
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let mut s = Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
        assert_eq!(s.explored_trace().len(), want.len(), "{name}");
        // From the first step, the middle one and the last: events before the current
        // step, at it and after it.
        let total = s.total().unwrap();
        for step in [0, total / 2, total] {
            s.goto(step);
            for (i, line) in want.iter().enumerate() {
                assert_eq!(&s.narrate(i), line, "{name}, event {i}, from step {step}");
            }
        }
    }
}

#[test]
fn searching_from_the_first_step_for_text_that_never_occurs_says_so() {
    for path in crate::scenario_paths() {
        let name = path.file_stem().unwrap().to_str().unwrap();
        let mut a = app(name);
        typed(&mut a, "/no such words");
        assert!(!a.lost, "{name}: the simulation thread is gone");
        assert_eq!(a.view.step, 0, "{name}: a failed search stays put");
        let s = screen(&a, 80, 24);
        assert!(
            s.contains("\"no such words\" does not occur after step 0"),
            "{name}:\n{s}"
        );
    }
}

#[test]
fn searching_from_the_first_step_finds_text_that_occurs_only_late() {
    for (name, lines) in narrated_runs() {
        // The last sentence no earlier sentence contains: the search from step 0
        // explains every event before it, many of which name files, ports and objects
        // that do not exist at step 0.
        let lower: Vec<String> = lines.iter().map(|l| l.to_lowercase()).collect();
        let at = (0..lines.len())
            .rev()
            .find(|&i| !lower[..i].iter().any(|l| l.contains(&lower[i])))
            .unwrap();
        let text = &lines[at];
        let needle = &lower[at];
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let session =
            tui::Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
        let want = session.step_of_event(at);
        assert!(
            want > session.total().unwrap() / 2,
            "{name}: {text:?} is said at step {want}"
        );
        let mut a = app(&name);
        typed(&mut a, &format!("/{text}"));
        assert!(!a.lost, "{name}: the simulation thread is gone");
        assert_eq!(a.message, None, "{name}");
        assert_eq!(a.view.step, want, "{name}: searched for {text:?}");
        assert!(
            a.view
                .narration
                .iter()
                .any(|l| l.to_lowercase().contains(needle)),
            "{name}: {:?}",
            a.view.narration
        );
    }
}

/// The scenario that states one expectation of each subject at each kind of moment.
const ALL_HOLD: &str = "tests/expectations/all-hold.json";

/// The app on a scenario file with its expectations judged, as `iosim tui` opens it,
/// once the whole run is explored.
fn app_checking(path: &str, sets: &[&str]) -> App {
    use iosim::expect::walkthrough::WalkthroughChecks;
    let loaded = load(path, sets);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let checks = WalkthroughChecks::new(&loaded.scenario.expect, &kernel).expect("valid");
    let mut app =
        App::new(kernel.clone(), &loaded.scenario.name).with_checks(kernel, Box::new(checks));
    app.settle_explored();
    app
}

/// The lines `iosim check` prints for the run (without its heading), and the
/// walkthrough's lines as it would print them: the label, then `held` or `broken`, then
/// the details.
fn as_checked(path: &str, sets: &[&str]) -> String {
    let loaded = load(path, sets);
    let s = &loaded.scenario;
    let (_, verdicts) = iosim::expect::run_checking(s, s.seed, |_, _| Ok(())).unwrap();
    let mut out = Vec::new();
    iosim::output::write_verdicts_text(&mut out, &verdicts).unwrap();
    String::from_utf8(out).unwrap()
}

fn as_shown(checks: &[tui::CheckLine]) -> String {
    use tui::CheckVerdict;
    let mut out = String::new();
    for c in checks {
        let word = match c.verdict {
            CheckVerdict::Held => "held",
            CheckVerdict::Broken => "broken",
            CheckVerdict::NotYet => "not yet",
        };
        out += &format!("  {}: {word}\n", c.label);
        for d in &c.detail {
            out += &format!("      {d}\n");
        }
    }
    out
}

#[test]
fn the_expectations_overlay_shows_each_verdict_at_the_step_shown() {
    use tui::CheckVerdict;
    let mut a = app_checking(ALL_HOLD, &[]);
    let total = a.view.total.unwrap();
    assert_eq!(a.view.checks.len(), 20);
    // Step 0: only the expectation about step 0 is judged.
    let judged = |a: &App| {
        a.view
            .checks
            .iter()
            .filter(|c| c.verdict != CheckVerdict::NotYet)
            .count()
    };
    assert_eq!(judged(&a), 1, "{}", as_shown(&a.view.checks));
    assert!(screen(&a, 80, 24).contains("expect 1/20 held"));
    press(&mut a, KeyCode::Char('e'), 1);
    assert!(a.show_checks);
    // Halfway through the run's time: some moments have come, the end has not.
    typed(&mut a, "g10ms");
    assert!(a.view.step > 0 && a.view.step < total);
    let middle = as_shown(&a.view.checks);
    assert!(
        middle.contains(": held") && middle.contains(": not yet"),
        "{middle}"
    );
    assert!(
        middle.contains("judged at the end of the run; at this step it would break"),
        "{middle}"
    );
    insta::assert_snapshot!("expectations_middle_120x40", screen(&a, 120, 40));
    insta::assert_snapshot!("expectations_middle_80x24", screen(&a, 80, 24));
    act(&mut a, Action::Last);
    assert_eq!(judged(&a), 20);
    // At the end the overlay says what `iosim check` says, word for word.
    assert_eq!(as_shown(&a.view.checks), as_checked(ALL_HOLD, &[]));
    insta::assert_snapshot!("expectations_end_120x40", screen(&a, 120, 40));
    press(&mut a, KeyCode::Esc, 1);
    assert!(!a.show_checks, "Esc closes the overlay");
    assert!(!a.quit);
}

#[test]
fn a_verdict_once_judged_stays_and_is_the_one_the_run_ends_with() {
    use tui::CheckVerdict;
    // Expectation 1, judged after the 1st IrpCompleted, made wrong: it breaks mid-run.
    let sets = ["expect.1.irp.bytes=512"];
    let mut a = app_checking(ALL_HOLD, &sets);
    let total = a.view.total.unwrap();
    act(&mut a, Action::Last);
    let end = a.view.checks.clone();
    assert_eq!(as_shown(&end), as_checked(ALL_HOLD, &sets));
    act(&mut a, Action::First);
    let mut broke_at = None;
    for step in 0..=total {
        // Judged lines are final; the rest are judged later.
        for (now, last) in a.view.checks.iter().zip(&end) {
            if now.verdict != CheckVerdict::NotYet {
                assert_eq!(now, last, "step {step}");
            }
        }
        if broke_at.is_none() && a.view.checks[1].verdict == CheckVerdict::Broken {
            broke_at = Some(step);
            press(&mut a, KeyCode::Char('e'), 1);
            let frame = screen(&a, 120, 40);
            insta::assert_snapshot!("expectations_one_broken_120x40", frame);
            press(&mut a, KeyCode::Char('e'), 1);
        }
        if step < total {
            press(&mut a, KeyCode::Right, 1);
        }
    }
    let broke_at = broke_at.expect("expectation 1 breaks");
    assert!(
        broke_at < total,
        "broken at step {broke_at}, before the end ({total})"
    );
    assert!(screen(&a, 80, 24).contains("expect 19/20 held"));
    press(&mut a, KeyCode::Char('e'), 1);
    insta::assert_snapshot!("expectations_one_broken_end_80x24", screen(&a, 80, 24));
}

#[test]
fn stepping_forward_then_back_gives_the_same_verdicts() {
    let mut a = app_checking(ALL_HOLD, &[]);
    let total = a.view.total.unwrap();
    press(&mut a, KeyCode::Char('e'), 1);
    let mut forward = Vec::new();
    for _ in 0..total {
        forward.push((a.view.step, a.view.checks.clone(), screen(&a, 120, 40)));
        press(&mut a, KeyCode::Right, 1);
    }
    for (step, checks, frame) in forward.into_iter().rev() {
        press(&mut a, KeyCode::Left, 1);
        assert_eq!(a.view.step, step);
        assert_eq!(a.view.checks, checks, "step {step}");
        assert_eq!(screen(&a, 120, 40), frame, "step {step}");
    }
    // Going straight to a step, from the end, gives what stepping to it gave.
    act(&mut a, Action::Last);
    typed(&mut a, "g40");
    let jumped = a.view.checks.clone();
    let mut fresh = app_checking(ALL_HOLD, &[]);
    press(&mut fresh, KeyCode::Right, 40);
    assert_eq!(fresh.view.checks, jumped);
}

#[test]
fn the_expectations_key_shows_only_where_there_are_expectations() {
    let mut tour = app("tour");
    assert!(!tour.has_checks());
    assert!(!screen(&tour, 120, 40).contains("e expect"));
    act(&mut tour, Action::ToggleHelp);
    assert!(!screen(&tour, 80, 24).contains("expectations"));
    act(&mut tour, Action::ToggleHelp);
    press(&mut tour, KeyCode::Char('e'), 1);
    assert!(!tour.show_checks);
    let s = screen(&tour, 80, 24);
    assert!(s.contains("this scenario states no expectations"), "{s}");
    let mut a = app_checking(ALL_HOLD, &[]);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&a, w, h);
        assert!(s.contains("e expect"), "{s}");
        assert!(s.contains("? help"), "{s}");
    }
    act(&mut a, Action::ToggleHelp);
    let s = screen(&a, 80, 24);
    assert!(s.contains("expectations: verdicts at this step"), "{s}");
}

#[test]
fn a_long_list_of_expectations_scrolls() {
    let mut a = app_checking(ALL_HOLD, &[]);
    act(&mut a, Action::Last);
    press(&mut a, KeyCode::Char('e'), 1);
    let top = screen(&a, 80, 24);
    assert!(top.contains("more below: ↓ PgDn scroll"), "{top}");
    assert!(top.contains("[0] IRP3"), "{top}");
    assert!(!top.contains("[19]"), "{top}");
    // Scrolled to the bottom, and no further however often ↓ is pressed.
    press(&mut a, KeyCode::Down, 100);
    let bottom = screen(&a, 80, 24);
    assert!(bottom.contains("more above: ↑ PgUp scroll"), "{bottom}");
    assert!(
        bottom.contains("[19] after the 2nd InterruptRaised"),
        "{bottom}"
    );
    assert!(!bottom.contains("more below"), "{bottom}");
    press(&mut a, KeyCode::Up, 1);
    assert!(screen(&a, 80, 24).contains("more below"));
    // The panes underneath kept their selection: ↓ scrolled the overlay only.
    assert_eq!(a.selected_irp, None);
}

/// A key as the terminal gives it (a question takes digits and arrows that are not
/// actions).
fn key(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    app.settle();
}

#[test]
fn predict_mode_asks_then_shows_the_step_with_a_verdict_and_a_tally() {
    let mut a = app("tour");
    press(&mut a, KeyCode::Right, 5);
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Right);
    // Asked, not stepped: the question is about step 6, and step 5 is still shown.
    assert_eq!(a.view.step, 5);
    let q = a.predict.question.clone().expect("a question");
    assert_eq!(q.step, 6);
    insta::assert_snapshot!("predict_question_80x24", screen(&a, 80, 24));
    insta::assert_snapshot!("predict_question_120x40", screen(&a, 120, 40));
    // A wrong guess: the step shows, with why, and the tally counts it.
    let wrong = q.right.iter().position(|r| !r).expect("a wrong choice");
    key(&mut a, KeyCode::Char(char::from(b'1' + wrong as u8)));
    assert_eq!(a.view.step, 6);
    assert_eq!((a.predict.right, a.predict.answered), (0, 1));
    let s = screen(&a, 80, 24);
    assert!(s.contains("predict 0/1") && s.contains("✗ Not"), "{s}");
    insta::assert_snapshot!("predict_wrong_80x24", s);
    // A right one, picked with the arrows and Enter.
    key(&mut a, KeyCode::Right);
    let q = a.predict.question.clone().expect("a question");
    let right = q.right.iter().position(|&r| r).unwrap();
    for _ in 0..right {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.view.step, 7);
    insta::assert_snapshot!("predict_right_120x40", screen(&a, 120, 40));
    assert_eq!((a.predict.right, a.predict.answered), (1, 2));
}

#[test]
fn esc_closes_a_question_without_stepping_and_steps_seen_are_not_asked_again() {
    let mut a = app("tour");
    key(&mut a, KeyCode::Char('p'));
    key(&mut a, KeyCode::Right);
    assert!(a.predict.question.is_some());
    key(&mut a, KeyCode::Esc);
    assert!(a.predict.question.is_none());
    assert_eq!(a.view.step, 0, "Esc does not step");
    assert!(!a.quit, "Esc closes the question, not the walkthrough");
    for _ in 0..3 {
        key(&mut a, KeyCode::Right);
        key(&mut a, KeyCode::Char('1'));
    }
    assert_eq!((a.view.step, a.predict.answered), (3, 3));
    // Back over steps already shown, and forward again: no question, no count.
    press(&mut a, KeyCode::Left, 2);
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Right);
    assert_eq!((a.view.step, a.predict.answered), (3, 3));
    assert!(a.predict.question.is_none());
    // A new step asks again; a jump does not.
    key(&mut a, KeyCode::Right);
    assert!(a.predict.question.is_some());
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('n'));
    assert!(a.predict.question.is_none() && a.view.step > 4);
    // Off: → steps at once.
    key(&mut a, KeyCode::Char('p'));
    let at = a.view.step;
    key(&mut a, KeyCode::Right);
    assert_eq!(a.view.step, at + 1);
    let tally = format!("predict {}/3", a.predict.right);
    assert!(screen(&a, 80, 24).contains(&tally), "{tally}");
}

/// Every step of a run, every kind of question: the right choices are the ones the
/// trace and the panes say, and there is always one.
#[test]
fn every_predicted_answer_matches_the_trace_and_the_panes() {
    use kernel_sim::What;
    use kernel_sim::cpu::FrameKind;
    use tui::predict::{Ask, Question, cpu_of};
    use tui::view::{Lens, View};
    for name in ["tour", "disk-elevator", "iocp-thread-pool"] {
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
        let mut s = tui::Session::explored(kernel);
        let lens = Lens::default();
        let mut before = View::capture(&s, &lens);
        let mut asked = [0usize; 3];
        let mut raised_count = 0;
        while s.forward() {
            let after = View::capture(&s, &lens);
            let events = s.last_events();
            let k = s.kernel();
            for (n, kind) in Ask::ALL.into_iter().enumerate() {
                let q = Question::about(kind, &before, &after, k, events);
                let at = format!("{name} step {} {kind:?}: {q:?}", after.step);
                assert_eq!(q.step, after.step, "{at}");
                assert_eq!(q.choices.len(), q.right.len(), "{at}");
                assert!(q.right.contains(&true), "{at}");
                assert!(q.choices.len() <= tui::predict::MAX_CHOICES, "{at}");
                let right: Vec<&str> = q
                    .choices
                    .iter()
                    .zip(&q.right)
                    .filter(|(_, r)| **r)
                    .map(|(c, _)| c.as_str())
                    .collect();
                match kind {
                    Ask::Interrupt => {
                        let raised = events
                            .iter()
                            .any(|e| matches!(e.what, What::InterruptRaised { .. }));
                        assert_eq!(right, [if raised { "yes" } else { "no" }], "{at}");
                        raised_count += usize::from(raised);
                    }
                    Ask::Cpu => {
                        let cpu = cpu_of(events);
                        // The CPUs pane's line for that CPU names what runs on it.
                        let line = &after.cpus[cpu.0 as usize];
                        let shown = line.split_whitespace().nth(1).unwrap();
                        let thread = k
                            .core()
                            .threads
                            .iter()
                            .find(|t| t.name == shown)
                            .map(|t| t.name.as_str());
                        assert_eq!(right, [thread.unwrap_or("no thread's")], "{at} {line}");
                        // And the trace: the step's last event on that CPU.
                        match events
                            .iter()
                            .rev()
                            .find(|e| e.cpu == Some(cpu))
                            .map(|e| &e.what)
                        {
                            Some(What::ThreadResumed { thread }) => {
                                assert_eq!(right, [k.thread_name(*thread)], "{at}")
                            }
                            Some(What::IsrStarted { .. } | What::DpcStarted { .. }) => {
                                assert_eq!(right, ["no thread's"], "{at}")
                            }
                            _ => {}
                        }
                        if let Some(FrameKind::Thread { thread }) =
                            k.core().cpus[cpu.0 as usize].top()
                        {
                            assert_eq!(right, [k.thread_name(thread)], "{at}");
                        }
                    }
                    Ask::Pane => {
                        let has = |pane: &str| right.contains(&pane);
                        // What the step's events imply, pane by pane.
                        for e in events {
                            match e.what {
                                What::IrpCreated { .. } => assert!(has("IRPs"), "{at}"),
                                What::IsrStarted { .. } | What::ContextSwitched { .. } => {
                                    assert!(has("CPUs"), "{at}")
                                }
                                What::ThreadWaiting { .. } | What::ThreadExited { .. } => {
                                    assert!(has("Threads"), "{at}")
                                }
                                _ => {}
                            }
                        }
                        let none = before.cpus == after.cpus
                            && before.devices == after.devices
                            && before.lines_and_ports == after.lines_and_ports
                            && before
                                .threads
                                .iter()
                                .map(|r| &r.text)
                                .eq(after.threads.iter().map(|r| &r.text))
                            && before
                                .irps
                                .iter()
                                .map(|r| &r.text)
                                .eq(after.irps.iter().map(|r| &r.text));
                        assert_eq!(has("none of them"), none, "{at}");
                        assert_eq!(has("Devices"), before.devices != after.devices, "{at}");
                    }
                }
                asked[n] += 1;
            }
            before = after;
        }
        assert!(asked.iter().all(|&n| n > 10), "{name}: {asked:?}");
        assert!(
            raised_count > 0 && raised_count < asked[2],
            "{name}: both answers occur"
        );
    }
}

#[test]
fn esc_closes_what_is_open_and_never_quits_from_the_main_screen() {
    let mut a = app("tour");
    press(&mut a, KeyCode::Esc, 3);
    assert!(!a.quit, "Esc on the main screen does not quit");
    let s = screen(&a, 80, 24);
    assert!(s.contains("nothing to close: q quits"), "{s}");
    // Each Esc closes one thing, the one on top first.
    press(&mut a, KeyCode::Right, 8);
    press(&mut a, KeyCode::Down, 1);
    press(&mut a, KeyCode::Enter, 1);
    press(&mut a, KeyCode::Char('?'), 1);
    assert!(a.show_details && a.show_help);
    press(&mut a, KeyCode::Esc, 1);
    assert!(a.show_details && !a.show_help);
    press(&mut a, KeyCode::Esc, 1);
    assert!(!a.show_details);
    press(&mut a, KeyCode::Esc, 1);
    assert!(!a.quit);
    press(&mut a, KeyCode::Char('q'), 1);
    assert!(a.quit, "q quits");
}

#[test]
fn search_backward_and_repeat_in_both_directions() {
    let mut a = app("disk-elevator");
    press(&mut a, KeyCode::Char(']'), 1);
    assert!(
        screen(&a, 80, 24).contains("no search yet"),
        "] with no search before says so"
    );
    typed(&mut a, "/InterruptRaised");
    let first = a.view.step;
    assert!(first > 0);
    // Enter alone repeats the last search; the prompt says what it will look for.
    a.handle_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
    assert!(
        screen(&a, 80, 24).contains("search forward (Enter alone: \"InterruptRaised\")"),
        "{}",
        screen(&a, 80, 24)
    );
    typed(&mut a, "");
    let second = a.view.step;
    assert!(second > first, "{second} after {first}");
    press(&mut a, KeyCode::Char(']'), 1);
    let third = a.view.step;
    assert!(third > second, "{third} after {second}");
    press(&mut a, KeyCode::Char('['), 1);
    assert_eq!(a.view.step, second, "[ goes back to the one before");
    typed(&mut a, "\\");
    assert_eq!(
        a.view.step, first,
        "\\ then Enter alone: the last search, back"
    );
    press(&mut a, KeyCode::Char('['), 1);
    assert_eq!(a.view.step, first, "none before the first: it stays");
    assert!(
        screen(&a, 80, 24).contains(&format!(
            "\"InterruptRaised\" does not occur before step {first}"
        )),
        "{}",
        screen(&a, 80, 24)
    );
    // Each step found has the event; none between them does.
    let loaded = load("scenarios/disk-elevator.json", &[]);
    let session =
        tui::Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
    let steps: Vec<u64> = session
        .explored_trace()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.what.kind() == "InterruptRaised")
        .map(|(i, _)| session.step_of_event(i))
        .collect();
    assert_eq!(steps[..3], [first, second, third]);
}

#[test]
fn searching_backward_from_the_last_step_finds_text_said_only_early() {
    for (name, lines) in narrated_runs() {
        // The first sentence no later sentence contains.
        let lower: Vec<String> = lines.iter().map(|l| l.to_lowercase()).collect();
        let at = (0..lines.len())
            .find(|&i| !lower[i + 1..].iter().any(|l| l.contains(&lower[i])))
            .unwrap();
        let loaded = load(&format!("scenarios/{name}.json"), &[]);
        let session =
            tui::Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
        let want = session.step_of_event(at);
        let mut a = app(&name);
        act(&mut a, Action::Last);
        typed(&mut a, &format!("\\{}", lines[at]));
        assert!(!a.lost, "{name}: the simulation thread is gone");
        assert_eq!(a.message, None, "{name}");
        assert_eq!(
            a.view.step, want,
            "{name}: searched back for {:?}",
            lines[at]
        );
    }
}

/// Every line an overlay can show, scrolling it from top to bottom with ↓ (the rows at
/// its edges that say what is hidden left out).
fn scrolled_through(a: &mut App, w: u16, h: u16) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    loop {
        let s = plain(&screen(a, w, h));
        for line in s.lines() {
            let line = line.to_string();
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
        let before = s;
        press(a, KeyCode::Down, 1);
        if plain(&screen(a, w, h)) == before {
            return seen;
        }
    }
}

#[test]
fn the_irp_details_scroll_to_the_end_of_the_history_and_the_buffer() {
    let mut a = app("tour");
    press(&mut a, KeyCode::Char('n'), 1);
    press(&mut a, KeyCode::Right, 2);
    press(&mut a, KeyCode::Down, 1);
    press(&mut a, KeyCode::Enter, 1);
    let irp = a.selected_irp.expect("IRP1 selected");
    let top = screen(&a, 80, 24);
    assert!(top.contains("more below: ↓ PgDn scroll"), "{top}");
    // PgDn reaches the end, and stops there.
    press(&mut a, KeyCode::PageDown, 100);
    let end = screen(&a, 80, 24);
    assert!(end.contains("more above: ↑ PgUp scroll"), "{end}");
    assert!(!end.contains("more below"), "{end}");
    assert!(
        end.contains("done: STATUS, N bytes"),
        "the legend ends it:\n{end}"
    );
    press(&mut a, KeyCode::PageUp, 100);
    assert_eq!(screen(&a, 80, 24), top, "PgUp comes back to the top");
    // Line by line, every buffer row and every event of its history shows.
    let seen = scrolled_through(&mut a, 80, 24).join("\n");
    for row in (0..4096).step_by(16) {
        assert!(
            seen.contains(&format!("  {row:04x}  ")),
            "buffer row {row:04x}"
        );
    }
    let loaded = load("scenarios/tour.json", &[]);
    let mut session =
        tui::Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
    session.goto(a.view.step);
    let history: Vec<String> = session
        .trace()
        .iter()
        .filter(|e| e.what.irp() == Some(irp))
        .map(|e| {
            let time = kernel_sim::trace::format_time_scaled(e.time);
            format!("{time:>10}  {:<22}", e.what.kind())
        })
        .collect();
    assert!(history.len() > 8, "{history:?}");
    for event in &history {
        assert!(seen.contains(event.as_str()), "{event:?} in\n{seen}");
    }
    // Each state word the IRPs pane uses is explained.
    for state in tui::detail::IRP_STATES {
        let word = tui::detail::state_meaning(state);
        assert!(seen.contains(&word[..20.min(word.len())]), "{word}");
    }
}

#[test]
fn a_thread_history_longer_than_the_overlay_is_read_whole() {
    let mut a = app("disk-elevator");
    act(&mut a, Action::Last);
    press(&mut a, KeyCode::BackTab, 1);
    assert_eq!(a.focus, tui::Pane::Threads);
    press(&mut a, KeyCode::Down, 1);
    press(&mut a, KeyCode::Enter, 1);
    let thread = a.selected_thread.expect("a thread selected");
    let loaded = load("scenarios/disk-elevator.json", &[]);
    let session =
        tui::Session::explored(iosim::build::build(&loaded.scenario, loaded.scenario.seed));
    let history: Vec<String> = session
        .explored_trace()
        .iter()
        .filter(|e| e.what.thread() == Some(thread))
        .map(|e| {
            let time = kernel_sim::trace::format_time_scaled(e.time);
            format!("{time:>10}  {:<22}", e.what.kind())
        })
        .collect();
    assert!(history.len() > 100, "{}", history.len());
    let seen = scrolled_through(&mut a, 120, 40).join("\n");
    for event in &history {
        assert!(seen.contains(event.as_str()), "{event:?}");
    }
    assert!(!seen.contains("not shown"), "nothing is left out");
}

#[test]
fn the_story_names_the_keys_that_reach_its_hidden_lines_from_any_focus() {
    use tui::Pane;
    let mut a = app("tour");
    press(&mut a, KeyCode::Char('n'), 1);
    for start in 0..Pane::ALL.len() {
        a.focus = Pane::ALL[start];
        let s = plain(&screen(&a, 80, 24));
        let hint = s
            .lines()
            .find_map(|l| l.split("more lines: ").nth(1))
            .unwrap_or_else(|| panic!("a hint of hidden lines:\n{s}"))
            .split(')')
            .next()
            .unwrap()
            .to_string();
        // Do what it says.
        let (tabs, _) = hint.split_once(", then ↓").unwrap_or(("", ""));
        let times = tabs
            .split_once(" ×")
            .map_or(1, |(_, n)| n.parse::<usize>().unwrap());
        if a.focus == Pane::Story {
            assert_eq!(hint, "↓ scrolls");
        } else if tabs.starts_with("⇧Tab") {
            press(&mut a, KeyCode::BackTab, times);
        } else {
            assert!(tabs.starts_with("Tab"), "{hint}");
            press(&mut a, KeyCode::Tab, times);
        }
        assert_eq!(a.focus, Pane::Story, "from {:?}: {hint}", Pane::ALL[start]);
        let before = screen(&a, 80, 24);
        press(&mut a, KeyCode::Down, 1);
        assert_ne!(screen(&a, 80, 24), before, "↓ scrolls the story");
        press(&mut a, KeyCode::Up, 1);
    }
}

#[test]
fn the_last_step_sums_the_run_up_and_says_what_the_scenario_shows() {
    let loaded = load("scenarios/disk-elevator.json", &[]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut whole = kernel.clone();
    whole.run(u64::MAX).unwrap();
    let summary = whole.summary();
    let mut a =
        App::new(kernel, &loaded.scenario.name).with_description(&loaded.scenario.description);
    a.settle_explored();
    assert!(a.view.summary.is_empty(), "not before the last step");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains(&format!(
            "iosim · disk-elevator · seed {} · step 0/",
            loaded.scenario.seed
        )),
        "{s}"
    );
    act(&mut a, Action::Last);
    let c = &summary.counters;
    let text = a.view.summary.join("\n");
    for figure in [
        format!("{} IRPs", c.irps_issued),
        format!("{} device interrupts", c.device_interrupts),
        format!("{} DPCs", c.dpcs),
        format!("{} APCs run", c.apcs_run),
        format!("{} completion packets", c.packets_queued),
    ] {
        assert!(text.contains(&figure), "{figure} in {text}");
    }
    let disk = &summary.devices["disk0"];
    let seek = kernel_sim::trace::format_time_scaled(disk["seek_ns"]);
    assert!(
        text.contains(&format!(
            "disk0 served {} requests and spent {seek} seeking, over {} tracks",
            disk["requests"], disk["tracks_moved"]
        )),
        "{text}"
    );
    // The story shows it, with what the scenario sets out to show, at the end.
    let s = plain(&screen(&a, 200, 60));
    assert!(s.contains("The run is over"), "{s}");
    assert!(s.contains("In all: "), "{s}");
    let start: String = loaded.scenario.description.chars().take(40).collect();
    assert!(
        s.replace('\n', " ").contains(&start) || s.contains(&start),
        "{start} in\n{s}"
    );
    act(&mut a, Action::Back);
    assert!(a.view.summary.is_empty(), "only at the last step");
}

#[test]
fn the_help_scrolls_to_the_irp_state_legend() {
    let mut a = app("tour");
    press(&mut a, KeyCode::Char('?'), 1);
    let top = screen(&a, 80, 24);
    assert!(top.contains("more below"), "{top}");
    press(&mut a, KeyCode::PageDown, 20);
    let end = screen(&a, 80, 24);
    assert!(!end.contains("more below"), "{end}");
    assert!(end.contains("done: STATUS, N bytes"), "{end}");
    assert!(end.contains("in device"), "{end}");
    press(&mut a, KeyCode::Esc, 1);
    assert!(!a.show_help && !a.quit);
}

/// The sizes every scenario's key frames are pinned at: the smallest screen the
/// walkthrough draws on, a common laptop terminal, and a large one.
const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

#[test]
fn every_scenarios_key_steps_are_pinned_at_three_sizes() {
    for builtin in iosim::catalog::BUILTINS {
        let mut a = app(builtin.name);
        let total = a.view.total.expect("explored");
        // Key steps: the first interrupt (or, on a machine without one, the middle of the
        // run), the middle, and the last step with the run's summary.
        press(&mut a, KeyCode::Char('n'), 1);
        let first = if a.view.step > 0 {
            a.view.step
        } else {
            total / 4
        };
        for (moment, step) in [("first", first), ("middle", total / 2), ("last", total)] {
            typed(&mut a, &format!("g{step}"));
            assert_eq!(a.view.step, step, "{}", builtin.name);
            for (w, h) in SIZES {
                insta::assert_snapshot!(
                    format!("frame_{}_{moment}_{w}x{h}", builtin.name),
                    screen(&a, w, h)
                );
            }
        }
    }
}

#[test]
fn a_resize_in_the_middle_of_a_run_redraws_the_same_step_in_the_new_size() {
    let mut a = app("iocp-thread-pool");
    typed(&mut a, "g60");
    let big = screen(&a, 200, 50);
    // The terminal shrinks, then grows back: the state is the same, only the layout
    // changes, and growing back gives the first frame again exactly.
    let small = screen(&a, 80, 24);
    assert!(small.contains("step 60/"), "{small}");
    press(&mut a, KeyCode::Right, 1);
    press(&mut a, KeyCode::Left, 1);
    assert_eq!(screen(&a, 200, 50), big);
    insta::assert_snapshot!("resize_iocp_step_60_200x50", big);
    insta::assert_snapshot!("resize_iocp_step_60_80x24", small);
    insta::assert_snapshot!("resize_iocp_step_60_120x40", screen(&a, 120, 40));
}
