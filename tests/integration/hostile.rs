//! Hostile input, through the real binary: what a message quotes is escaped and clipped,
//! numbers are judged against their field's range, `--set` says what it will not do, a
//! name that is not a scenario gets a suggestion, and input files have a size limit that
//! is enforced while reading. Each case pins the exit code and the whole message, and
//! where the point is a bound (message size, memory, time), the bound.
//!
//! Large inputs are generated here at test time, into Cargo's scratch directory; small
//! ones live in `tests/bad-scenarios/` (see `bad_input.rs`).

use crate::{iosim_capped, iosim_in, refused};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use iosim::scenario::limits::MAX_SCENARIO_BYTES;

fn scratch(test: &str) -> PathBuf {
    crate::scratch("hostile", test)
}

/// Several runs' messages in one document, each under the command that gave it.
fn transcript(runs: &[(String, String)]) -> String {
    runs.iter()
        .map(|(command, message)| format!("$ {command}\n{message}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The tour's text with `name` as the scenario's name.
fn tour_named(name: &str) -> String {
    let tour = iosim::catalog::builtin("tour").expect("built in").source;
    let name = serde_json::to_string(name).expect("a JSON string");
    tour.replacen("\"name\": \"tour\"", &format!("\"name\": {name}"), 1)
}

/// Characters that would act on the reader's terminal: C0 and C1 controls other than the
/// line feed, DEL, and the bidirectional controls.
fn acts_on_a_terminal(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[test]
fn a_one_megabyte_name_gives_a_short_message() {
    let dir = scratch("huge-name");
    std::fs::write(dir.join("huge-name.json"), tour_named(&"a".repeat(1 << 20))).unwrap();
    let message = refused(&iosim_in(&dir, &["check", "huge-name.json"]));
    assert!(message.len() < 1000, "{} bytes", message.len());
    insta::assert_snapshot!(message);
}

#[test]
fn a_long_line_is_cut_around_the_error_with_the_marker_under_it() {
    // The whole scenario on one line, a 200,000-character description first, and a wrong
    // value after it.
    let dir = scratch("long-line");
    let tour = iosim::catalog::builtin("tour").expect("built in").source;
    let mut document: serde_json::Value = serde_json::from_str(tour).unwrap();
    document["description"] = "x".repeat(200_000).into();
    document["devices"][0]["disk"]["ring_size"] = 0.into();
    std::fs::write(dir.join("one-line.json"), document.to_string()).unwrap();
    let message = refused(&iosim_in(&dir, &["check", "one-line.json"]));
    assert!(message.len() < 1000, "{} bytes", message.len());

    let lines: Vec<&str> = message.lines().collect();
    let source = lines[3].split_once(" | ").expect("a source line").1;
    let marker = lines[4].split_once(" | ").expect("a marker line").1;
    let column = marker.find('^').expect("a marker");
    let under: String = source
        .chars()
        .skip(column)
        .take(marker.len() - column)
        .collect();
    assert_eq!(under, "0", "{message}");
    assert!(
        source.starts_with('…') && source.ends_with('…'),
        "{message}"
    );
    insta::assert_snapshot!(message);
}

#[test]
fn terminal_controls_in_the_input_are_shown_escaped() {
    let dir = scratch("controls");
    for bad in [
        "control-characters-in-name.json",
        "raw-control-character.json",
    ] {
        std::fs::copy(Path::new("tests/bad-scenarios").join(bad), dir.join(bad)).unwrap();
    }
    std::fs::write(
        dir.join("unknown-field.json"),
        tour_named("tour").replacen(
            "\"machine\": {",
            "\"machine\": { \"\\u001b]0;pwned\\u0007\": 1,",
            1,
        ),
    )
    .unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", "control-characters-in-name.json"],
        vec!["check", "raw-control-character.json"],
        vec!["check", "unknown-field.json"],
        vec!["check", "tour", "--set", "name=\u{1b}[2J\u{202e}evil"],
        vec!["check", "tour", "--set", "machine.cpus=\u{1b}[2J"],
        vec!["check", "tour", "--set", "\u{1b}[31m.cpus=1"],
        vec!["check", "tour", "--set", "\u{9b}31m"],
        vec!["check", "no\u{1b}[2Jsuch\u{2067}file.json"],
    ];
    let mut shown = Vec::new();
    for args in runs {
        let message = refused(&iosim_in(&dir, &args));
        assert!(
            !message.chars().any(acts_on_a_terminal),
            "{args:?} printed a control character: {message:?}"
        );
        shown.push((args.join(" ").escape_debug().to_string(), message));
    }
    insta::assert_snapshot!(transcript(&shown));
}

#[test]
fn numbers_outside_their_field_state_the_fields_range() {
    let mut shown = Vec::new();
    // Too long even for a floating point number: serde_json calls it a syntax error.
    let huge = format!("machine.event_limit={}", "9".repeat(400));
    for set in [
        "seed=18446744073709551616",
        "seed=-1",
        "machine.cpus=99999999999",
        "machine.cpus=65",
        "machine.cpus=1.5",
        "devices.0.disk.irq=-1",
        &huge,
    ] {
        let args = ["check", "tour", "--set", set];
        let message = refused(&iosim_in(Path::new("."), &args));
        shown.push((args.join(" "), message));
    }
    insta::assert_snapshot!(transcript(&shown));
}

#[test]
fn set_reads_a_bare_word_only_where_a_string_belongs() {
    for set in [
        "name=renamed",
        "devices.0.disk.queue=scan",
        "processes.0.name=app2",
    ] {
        let out = iosim_in(Path::new("."), &["check", "tour", "--set", set]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{set}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut shown = Vec::new();
    for set in [
        "machine.cpus=two",
        "devices=[",
        "files.0.content={\"text\": hi}",
        "processes.0.threads.0.program.0=exit",
        "machine.event_limit=",
    ] {
        let args = ["check", "tour", "--set", set];
        let message = refused(&iosim_in(Path::new("."), &args));
        shown.push((args.join(" "), message));
    }
    insta::assert_snapshot!(transcript(&shown));
}

#[test]
fn set_creates_missing_objects_but_not_array_elements() {
    let dir = scratch("no-machine");
    let text = tour_named("no-machine").replacen("\"machine\": { \"cpus\": 1 },", "", 1);
    assert!(!text.contains("\"machine\""));
    std::fs::write(dir.join("no-machine.json"), text).unwrap();
    let out = iosim_in(
        &dir,
        &[
            "check",
            "no-machine.json",
            "--set",
            "machine.costs.isr_ns=500",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut shown = Vec::new();
    for set in ["files.9.name=extra", "machin.cpus=2", "name.first=x"] {
        let args = ["check", "no-machine.json", "--set", set];
        shown.push((args.join(" "), refused(&iosim_in(&dir, &args))));
    }
    insta::assert_snapshot!(transcript(&shown));
}

#[test]
fn a_name_that_is_no_scenario_gets_the_nearest_built_in() {
    let mut shown = Vec::new();
    for args in [
        ["run", "tuor"],
        ["check", "iocp-thread-pol"],
        ["run", "elsewhere/disk-elevatr.json"],
        ["check", "nonsense"],
    ] {
        shown.push((args.join(" "), refused(&iosim_in(Path::new("."), &args))));
    }
    insta::assert_snapshot!(transcript(&shown));
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_refused_quickly_in_little_memory() {
    let started = Instant::now();
    // 100 MB of address space: six times the size limit, a fraction of what reading
    // /dev/zero without a limit takes (all of it).
    let out = iosim_capped(Path::new("."), 100_000, &["check", "/dev/zero"]);
    let message = refused(&out);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    insta::assert_snapshot!(message);
}

#[cfg(unix)]
#[test]
fn a_pipe_that_never_ends_is_refused() {
    let dir = scratch("fifo");
    let fifo = dir.join("endless.json");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        let block = vec![b' '; 1 << 16];
        // Writes until the reader goes away (then the write fails: SIGPIPE is ignored).
        while pipe.write_all(&block).is_ok() {}
    });
    let started = Instant::now();
    let message = refused(&iosim_capped(&dir, 100_000, &["check", "endless.json"]));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        message.contains(&format!("larger than {MAX_SCENARIO_BYTES} bytes")),
        "{message}"
    );
    writer.join().expect("the writer stops");
}

/// The tour, padded with blanks (which JSON allows after the value) to `size` bytes.
fn tour_padded_to(size: u64) -> String {
    let tour = tour_named("padded");
    let size = usize::try_from(size).unwrap();
    format!("{tour}{}", " ".repeat(size - tour.len()))
}

#[test]
fn the_size_limit_is_exact() {
    let dir = scratch("size-limit");
    std::fs::write(
        dir.join("at-limit.json"),
        tour_padded_to(MAX_SCENARIO_BYTES),
    )
    .unwrap();
    std::fs::write(
        dir.join("over-limit.json"),
        tour_padded_to(MAX_SCENARIO_BYTES + 1),
    )
    .unwrap();
    let out = iosim_in(&dir, &["check", "at-limit.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = refused(&iosim_in(&dir, &["check", "over-limit.json"]));
    insta::assert_snapshot!(message);
}

#[test]
fn a_large_legal_scenario_loads_in_memory_in_proportion_to_its_text() {
    // 33 threads of 9,999 reads: 15 MB of text, all of it legal. Checked with a syntax tree
    // of the document, it took 385 MB; now about 90 MB of address space in a debug build.
    let dir = scratch("large");
    let read = r#"{"read":{"file":"f","offset":4096,"len":4096}}"#;
    let program = format!(
        r#"{{"open":{{"path":"data.bin","as":"f"}}}},{}"#,
        vec![read; 9_999].join(",")
    );
    let threads: Vec<String> = (0..33)
        .map(|t| format!(r#"{{"name":"t{t}","program":[{program}]}}"#))
        .collect();
    let text = format!(
        r#"{{"name":"large","description":"many reads","devices":[{{"disk":{{"name":"d","irq":0}}}}],"files":[{{"name":"data.bin","device":"d","length":65536}}],"processes":[{{"name":"p","threads":[{}]}}]}}"#,
        threads.join(",")
    );
    assert!(text.len() > 15_000_000 && (text.len() as u64) < MAX_SCENARIO_BYTES);
    std::fs::write(dir.join("large.json"), text).unwrap();
    let out = iosim_capped(&dir, 250_000, &["check", "large.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "large: ok (many reads)\n"
    );
}
