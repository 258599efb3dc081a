//! The walkthrough: frames at chosen steps pinned at 80x24 and 120x40, and key handling,
//! including that stepping back then forward gives identical screens.

use crate::load;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui::{Action, App, Session, action_for};

fn app(name: &str) -> App {
    let loaded = load(&format!("scenarios/{name}.json"), &[]);
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    App::new(Session::new(kernel), &loaded.scenario.name)
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
    }
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
}

#[test]
fn back_then_forward_gives_identical_screens() {
    let mut a = app("iocp-thread-pool");
    press(&mut a, KeyCode::Right, 100);
    let there = screen(&a, 120, 40);
    press(&mut a, KeyCode::Left, 60);
    assert_eq!(a.session.step(), 40);
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
    assert_eq!(k(KeyCode::Esc), Some(Action::Quit));
    assert_eq!(k(KeyCode::Char('x')), None);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(action_for(ctrl_c), Some(Action::Quit));
}

#[test]
fn first_and_last_reach_the_ends_and_back_stops_at_zero() {
    let mut a = app("tour");
    a.update(Action::Last);
    assert_eq!(a.session.step(), a.session.total());
    a.update(Action::Forward);
    assert_eq!(a.session.step(), a.session.total());
    a.update(Action::First);
    assert_eq!(a.session.step(), 0);
    a.update(Action::Back);
    assert_eq!(a.session.step(), 0);
    a.update(Action::ToggleHelp);
    assert!(screen(&a, 80, 24).contains("next interrupt"));
}

#[test]
fn run_steps_on_its_own_at_the_chosen_speed_and_pauses_at_the_end() {
    let mut a = app("tour");
    a.tick();
    assert_eq!(a.session.step(), 0, "paused: a tick does nothing");
    a.update(Action::ToggleRun);
    a.tick();
    assert_eq!(a.session.step(), 1);
    press(&mut a, KeyCode::Char('+'), 2);
    assert_eq!(a.speed, 16);
    a.tick();
    assert_eq!(a.session.step(), 17);
    press(&mut a, KeyCode::Char('-'), 5);
    assert_eq!(a.speed, 1);
    a.speed = 1024;
    a.tick();
    assert_eq!(a.session.step(), a.session.total());
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
    press(&mut a, KeyCode::Right, 6);
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
}

#[test]
fn go_to_a_step_or_a_time_and_search_forward() {
    let mut a = app("tour");
    typed(&mut a, "g20");
    assert_eq!(a.session.step(), 20);
    typed(&mut a, "g8.3ms");
    assert!(a.session.kernel().now() >= 8_300_000);
    let at = a.session.step();
    typed(&mut a, "g5");
    assert_eq!(a.session.step(), 5);
    typed(&mut a, "g8.3ms");
    assert_eq!(
        a.session.step(),
        at,
        "going to a time lands on the same step both ways"
    );
    typed(&mut a, "/wait_io_completion");
    assert!(
        a.session
            .last_events()
            .iter()
            .any(|e| matches!(e.what, kernel_sim::What::AlertableWaitReturned { .. })),
        "search finds the alertable wait's return"
    );
    let here = a.session.step();
    typed(&mut a, "/no such thing");
    assert_eq!(a.session.step(), here, "a failed search stays put");
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
