//! End to end in a real terminal: the binary runs under tmux, keys are sent, the screen is
//! read back, and after `q` the terminal is restored. `.ci/run` installs tmux.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        // CI may run with no TERM at all; tmux needs one to start its server.
        .env("TERM", "xterm-256color")
        .output()
        .expect("tmux is installed (.ci/run installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the pane until `want` shows (the binary starts and redraws in its own time).
fn wait_for(session: &str, want: &str) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-t", session, "-p"]);
        if screen.contains(want) || start.elapsed() > Duration::from_secs(20) {
            return screen;
        }
        sleep(Duration::from_millis(100));
    }
}

/// Starts `iosim ARGS` in a detached tmux session of `width`x`height`; when the binary
/// exits, the pane prints TERMINAL-BACK and stays open to be read.
fn start(name: &str, args: &str, width: u16, height: u16) -> String {
    let session = format!("iosim-e2e-{name}-{}", std::process::id());
    let command = format!(
        "{} {args}; echo TERMINAL-BACK; sleep 30",
        env!("CARGO_BIN_EXE_iosim")
    );
    let (w, h) = (width.to_string(), height.to_string());
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        &w,
        "-y",
        &h,
        &command,
    ]);
    session
}

/// Waits for the binary to exit, closes the session, and checks the screen it left:
/// the shell's line, and nothing of the walkthrough's alternate screen.
fn assert_restored(session: &str, walkthrough_text: &str) {
    let after = wait_for(session, "TERMINAL-BACK");
    tmux(&["kill-session", "-t", session]);
    assert!(after.contains("TERMINAL-BACK"), "{after}");
    assert!(
        !after.contains(walkthrough_text),
        "the alternate screen was left behind:\n{after}"
    );
}

#[test]
fn the_walkthrough_runs_in_a_terminal_and_restores_it() {
    let session = start("keys", "tui tour", 80, 24);
    let first = wait_for(&session, "step 0/");
    assert!(first.contains("iosim · tour · step 0/"), "{first}");
    tmux(&["send-keys", "-t", &session, "Right", "Right", "Right"]);
    let stepped = wait_for(&session, "step 3/");
    assert!(stepped.contains("step 3/"), "{stepped}");
    tmux(&["send-keys", "-t", &session, "Left"]);
    let back = wait_for(&session, "step 2/");
    assert!(back.contains("step 2/"), "{back}");
    tmux(&["send-keys", "-t", &session, "q"]);
    assert_restored(&session, "iosim · tour");
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let session = start("ctrl-c", "tui iocp-thread-pool", 100, 30);
    let first = wait_for(&session, "iocp-thread-pool · step 0/");
    assert!(first.contains("step 0/"), "{first}");
    tmux(&["send-keys", "-t", &session, "C-c"]);
    assert_restored(&session, "iocp-thread-pool · step");
}
