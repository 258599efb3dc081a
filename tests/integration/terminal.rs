//! End to end in a real terminal: the binary runs under tmux, keys are sent, the screen is
//! read back, and after `q` the terminal is restored. `.ci/run` installs tmux.
//!
//! Each test runs its own tmux server (its own socket, no configuration file), which it
//! kills when it ends, pass or fail. A server shared with other tests, other test runs or
//! the user exits when its last session closes, and a `new-session` that reaches it then
//! fails ("server exited unexpectedly"): under load that happened often enough to fail
//! this test now and then.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for. Generous: a loaded machine
/// may take seconds to start the binary; the tests wait only as long as it takes.
const DEADLINE: Duration = Duration::from_secs(90);

/// How often the pane is read while waiting.
const POLL: Duration = Duration::from_millis(50);

/// One tmux server with one session running `iosim ARGS`.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `iosim ARGS` in a detached session of `width`x`height` on a new server.
    /// When the binary exits, the pane prints TERMINAL-BACK and its exit status and stays
    /// as it is until the server is killed. (Not tmux's remain-on-exit: a dead pane's
    /// message scrolls the screen, which could hide a walkthrough left on it.)
    fn start(name: &str, args: &str, width: u16, height: u16) -> Self {
        let tmux = Self {
            socket: format!("iosim-e2e-{name}-{}", std::process::id()),
        };
        let command = format!(
            "{} {args}; echo TERMINAL-BACK $?; exec sleep infinity",
            env!("CARGO_BIN_EXE_iosim")
        );
        let (w, h) = (width.to_string(), height.to_string());
        tmux.ok(&[
            "new-session",
            "-d",
            "-c",
            env!("CARGO_MANIFEST_DIR"),
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            &command,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            // CI may run with no TERM at all; tmux needs one to start its server.
            .env("TERM", "xterm-256color")
            // Inside a tmux session, do not talk to that session's server.
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (.ci/run installs it)")
    }

    /// Runs a tmux command that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend(keys);
        self.ok(&args);
    }

    /// The pane's visible screen.
    fn screen(&self) -> String {
        self.ok(&["capture-pane", "-t", "e2e", "-p"])
    }

    /// Reads the pane until `want` shows (the binary starts, redraws and exits in its own
    /// time); fails with the screen if it does not show before the deadline.
    fn wait_for(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(want) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{want:?} did not show within {DEADLINE:?}; the screen:\n{screen}"
            );
            sleep(POLL);
        }
    }

    /// Waits for the binary to exit and checks the screen it left: its exit status 0 on
    /// the shell's line, and nothing of the walkthrough's alternate screen.
    fn assert_restored(&self, walkthrough_text: &str) {
        let after = self.wait_for("TERMINAL-BACK");
        assert!(after.contains("TERMINAL-BACK 0"), "{after}");
        assert!(
            !after.contains(walkthrough_text),
            "the alternate screen was left behind:\n{after}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn the_walkthrough_runs_in_a_terminal_and_restores_it() {
    let tmux = Tmux::start("keys", "tui tour", 80, 24);
    let first = tmux.wait_for("step 0/");
    assert!(first.contains("iosim · tour · seed "), "{first}");
    tmux.keys(&["Right", "Right", "Right"]);
    tmux.wait_for("step 3/");
    tmux.keys(&["Left"]);
    tmux.wait_for("step 2/");
    // The tour states no expectations: their key says so.
    tmux.keys(&["e"]);
    tmux.wait_for("this scenario states no expectations");
    tmux.keys(&["q"]);
    tmux.assert_restored("iosim · tour");
}

#[test]
fn the_expectations_overlay_opens_in_a_terminal() {
    let tmux = Tmux::start("expect", "tui tests/expectations/all-hold.json", 80, 24);
    tmux.wait_for("expect 1/20 held");
    // The footer names the key (waited for on its own: under load the first frame that
    // shows the count may come before the one with the footer's hints).
    tmux.wait_for("e expect");
    tmux.keys(&["e"]);
    let overlay = tmux.wait_for("Expectations after step 0");
    assert!(overlay.contains("… not yet [0] IRP3"), "{overlay}");
    tmux.keys(&["End"]);
    let end = tmux.wait_for("expect 20/20 held");
    assert!(end.contains("✓ held    [0] IRP3"), "{end}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("What just happened");
    tmux.keys(&["q"]);
    tmux.assert_restored("expectations-hold · seed");
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let tmux = Tmux::start("ctrl-c", "tui iocp-thread-pool", 100, 30);
    tmux.wait_for("iocp-thread-pool · seed ");
    tmux.keys(&["C-c"]);
    tmux.assert_restored("iocp-thread-pool · seed");
}

#[test]
fn predict_mode_asks_takes_an_answer_and_keeps_the_tally() {
    let tmux = Tmux::start("predict", "tui tour", 80, 24);
    tmux.wait_for("step 0/");
    tmux.keys(&["p"]);
    tmux.wait_for("predict 0/0");
    tmux.keys(&["Right"]);
    let asked = tmux.wait_for("what happens next?");
    assert!(asked.contains("step 0/"), "asking does not step:\n{asked}");
    tmux.keys(&["1"]);
    let shown = tmux.wait_for("step 1/");
    assert!(shown.contains("step 1/"), "{shown}");
    assert!(
        shown.contains("predict 1/1") && shown.contains("✓ Right")
            || shown.contains("predict 0/1") && shown.contains("✗ Not"),
        "{shown}"
    );
    tmux.keys(&["q"]);
    tmux.assert_restored("iosim · tour");
}

#[test]
fn esc_never_quits_and_searches_go_both_ways_in_a_terminal() {
    let tmux = Tmux::start("search", "tui disk-elevator", 80, 24);
    tmux.wait_for("step 0/");
    // Esc on the main screen says how to quit, and the walkthrough goes on.
    tmux.keys(&["Escape"]);
    tmux.wait_for("nothing to close: q quits");
    tmux.keys(&["Right"]);
    tmux.wait_for("step 1/");
    tmux.keys(&["/"]);
    tmux.wait_for("search forward for:");
    tmux.keys(&["-l", "InterruptRaised"]);
    tmux.keys(&["Enter"]);
    let first = wait_for_step(&tmux, |s| s > 1);
    tmux.keys(&["]"]);
    let second = wait_for_step(&tmux, |s| s > first);
    tmux.keys(&["["]);
    wait_for_step(&tmux, |s| s == first);
    // Backward, Enter alone: the last search's text.
    tmux.keys(&["\\"]);
    tmux.wait_for("search backward (Enter alone: \"InterruptRaised\")");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("does not occur before step {first}"));
    assert!(second > first);
    tmux.keys(&["q"]);
    tmux.assert_restored("disk-elevator · seed");
}

#[test]
fn the_irp_details_scroll_to_their_end_in_a_terminal() {
    let tmux = Tmux::start("details", "tui tour", 80, 24);
    tmux.wait_for("step 0/");
    tmux.keys(&["n"]);
    tmux.wait_for("t=9.028 ms");
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("more below: ↓ PgDn scroll");
    for _ in 0..30 {
        tmux.keys(&["PageDown"]);
    }
    let end = tmux.wait_for("done: STATUS, N bytes");
    assert!(end.contains("more above"), "{end}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("What just happened");
    tmux.keys(&["Escape"]);
    tmux.wait_for("nothing to close: q quits");
    tmux.keys(&["q"]);
    tmux.assert_restored("iosim · tour");
}

/// The step the status line shows.
fn step_of(screen: &str) -> u64 {
    let at = screen.find("step ").expect("a status line") + "step ".len();
    screen[at..]
        .split('/')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .expect("a step number")
}

/// Waits until the status line's step satisfies `want`; that step.
fn wait_for_step(tmux: &Tmux, want: impl Fn(u64) -> bool) -> u64 {
    let start = Instant::now();
    loop {
        let screen = tmux.screen();
        if screen.contains("step ") && want(step_of(&screen)) {
            return step_of(&screen);
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the step did not come:\n{screen}"
        );
        sleep(POLL);
    }
}
