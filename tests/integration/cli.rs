//! The command line, driven as a user or a script drives it: the real binary, its exit
//! code, and its messages pinned whole.

use std::fs::File;
use std::process::{Command, Output, Stdio};

const IOSIM: &str = env!("CARGO_BIN_EXE_iosim");

/// Runs `iosim ARGS` with no terminal: standard input empty, output captured.
fn iosim(args: &[&str]) -> Output {
    Command::new(IOSIM)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs the binary")
}

/// The exit code and standard error of each command, as one document to pin.
fn transcript(runs: &[(&[&str], Output)]) -> String {
    runs.iter()
        .map(|(args, out)| {
            format!(
                "$ iosim {}\nexit {:?}\n{}",
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_walkthrough_without_a_terminal_says_what_to_run_instead() {
    let runs: Vec<(&[&str], Output)> = [
        &[][..],
        &["tui"],
        &[
            "tui",
            "disk-elevator",
            "--seed",
            "3",
            "--set",
            "machine={\"cpus\": 2}",
        ],
    ]
    .into_iter()
    .map(|args| (args, iosim(args)))
    .collect();
    for (args, out) in &runs {
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        // Not one escape sequence: the terminal was never touched.
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
    insta::assert_snapshot!(transcript(&runs));
}

#[test]
fn the_suggested_command_runs() {
    let out = iosim(&["tui", "disk-elevator", "--seed", "3"]);
    let message = String::from_utf8(out.stderr).unwrap();
    let suggested = message.trim_end().rsplit(": ").next().unwrap();
    let args: Vec<&str> = suggested.split(' ').skip(1).collect();
    assert_eq!(args, ["run", "disk-elevator", "--seed", "3"], "{message}");
    let run = iosim(&args);
    assert_eq!(run.status.code(), Some(0));
    assert!(!run.stdout.is_empty());
}

/// Runs `iosim ARGS` through `sh` with standard output closed (`>&-`).
fn with_stdout_closed(args: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec \"$0\" {args} >&-"))
        .arg(IOSIM)
        .output()
        .expect("runs sh")
}

#[test]
fn output_that_has_nowhere_to_go_is_an_error() {
    for args in [
        "run tour",
        "run tour --format summary",
        "list",
        "schema",
        "check tour",
    ] {
        let out = with_stdout_closed(args);
        assert_eq!(out.status.code(), Some(2), "{args}");
        insta::assert_snapshot!(
            "stdout_closed",
            String::from_utf8_lossy(&out.stderr).into_owned()
        );
    }
    // An SVG written to a file needs no standard output.
    let dir = std::env::temp_dir().join(format!("iosim-closed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("tour.svg");
    let out = with_stdout_closed(&format!("svg tour -o {}", svg.display()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_disk_is_an_error() {
    let out = Command::new(IOSIM)
        .args(["run", "tour"])
        .stdout(File::create("/dev/full").expect("Linux has /dev/full"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr).into_owned());
}

#[test]
fn output_thrown_away_on_purpose_is_not_an_error() {
    // `> /dev/null` opens it write-only, unlike the runtime's stand-in for a closed output.
    let out = Command::new(IOSIM)
        .args(["run", "tour"])
        .stdout(File::options().write(true).open("/dev/null").unwrap())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn svg_windows_outside_the_run_are_refused_with_its_length() {
    // The tour lasts 12.371 ms.
    let cases: [&[&str]; 8] = [
        &["svg", "tour", "--from", "50ms"],
        &["svg", "tour", "--from", "12.371ms"],
        &["svg", "tour", "--from", "1e30s"],
        &["svg", "tour", "--to", "50ms"],
        &["svg", "tour", "--to", "1e30s"],
        &["svg", "tour", "--from", "12.3711ms"],
        &["svg", "tour", "--from", "2ms", "--to", "1ms"],
        &["svg", "tour", "--to", "0ns"],
    ];
    let runs: Vec<(&[&str], Output)> = cases.into_iter().map(|a| (a, iosim(a))).collect();
    for (args, out) in &runs {
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} drew a picture");
    }
    insta::assert_snapshot!(transcript(&runs));
}

#[test]
fn svg_windows_inside_the_run_are_drawn() {
    for args in [
        &["svg", "tour", "--from", "8.37ms", "--to", "8.39ms"][..],
        &["svg", "tour", "--to", "12.371ms"],
        &["svg", "tour", "--from", "12.368ms"],
    ] {
        let out = crate::succeeds(args);
        assert!(out.stdout.starts_with(b"<svg"), "{args:?}");
    }
}

#[test]
fn the_help_of_every_subcommand_describes_its_arguments() {
    let names = ["run", "list", "check", "schema", "svg", "tui"];
    let help: Vec<String> = names
        .iter()
        .map(|name| {
            let out = iosim(&[name, "--help"]);
            assert_eq!(out.status.code(), Some(0), "{name}");
            format!(
                "$ iosim {name} --help\n{}",
                String::from_utf8(out.stdout).unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(help.join("\n"));
}
