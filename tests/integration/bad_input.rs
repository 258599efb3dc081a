//! Bad scenarios: one file per error, the whole message pinned; the binary exits 2 with
//! nothing on stdout.

use std::process::Command;

#[test]
fn every_bad_scenario_gets_a_pinned_message() {
    insta::glob!("../bad-scenarios", "*.json", |path| {
        let name = format!(
            "tests/bad-scenarios/{}",
            path.file_name().unwrap().to_str().unwrap()
        );
        let err = iosim::load_scenario(&name, &[]).expect_err("a bad scenario must not load");
        insta::assert_snapshot!(err.render());
    });
}

fn iosim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_iosim"))
        .args(args)
        .output()
        .expect("runs the binary")
}

#[test]
fn bad_input_exits_2_with_no_partial_output() {
    for args in [
        &["run", "tests/bad-scenarios/malformed-json.json"][..],
        &["run", "no-such-file.json"],
        &["check", "tests/bad-scenarios/ring-size-zero.json"],
        &["run", "tour", "--set", "machine.cpus=0"],
        &["run", "tour", "--set", "machine.event_limit=10"],
    ] {
        let out = iosim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        assert!(!out.stderr.is_empty(), "{args:?} said nothing");
    }
}

#[test]
fn the_event_limit_says_how_to_raise_it() {
    let out = iosim(&["run", "tour", "--set", "machine.event_limit=10"]);
    let msg = String::from_utf8(out.stderr).unwrap();
    assert!(msg.contains("machine.event_limit"), "{msg}");
}

#[test]
fn good_commands_exit_0() {
    for args in [
        &["run", "tour", "--format", "summary"][..],
        &["list"],
        &["check", "scenarios/iocp-thread-pool.json"],
        &["schema"],
    ] {
        crate::succeeds(args);
    }
}
