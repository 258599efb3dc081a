//! Pipes through scenarios: named pipe instances, a close racing a request, and the
//! bytes pipes buffer counted against the byte budget. (The pipe driver's own semantics
//! are tested on scripted threads in devices/tests/pipe.rs.)

use kernel_sim::io::Status;
use kernel_sim::{Kernel, What};

fn scenario(text: &str) -> iosim::scenario::Scenario {
    iosim::scenario::parse("pipes.json", text).unwrap_or_else(|e| panic!("{}", e.render()))
}

/// Every call that failed, in order.
fn failures(k: &Kernel) -> Vec<(&'static str, Status)> {
    k.trace()
        .iter()
        .filter_map(|e| match e.what {
            What::SyscallFailed { call, status, .. } => Some((call, status)),
            _ => None,
        })
        .collect()
}

/// A named pipe created again under the name of one that is gone is a new instance that
/// clients can open (Microsoft Learn: CreateNamedPipe creates a new instance each call).
#[test]
fn a_named_pipe_created_again_under_its_name_can_be_opened() {
    let s = scenario(
        r#"{"name": "recreated", "description": "a named pipe created a second time",
        "processes": [{"name": "app", "threads": [
          {"name": "server", "program": [
            {"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\echo"}},
            {"close": {"handle": "s"}},
            {"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\echo"}},
            {"sleep": {"ns": 100000}},
            {"read": {"file": "s", "len": 4}}]},
          {"name": "client", "start_ns": 50000, "program": [
            {"open": {"path": "\\\\.\\pipe\\echo", "as": "c"}},
            {"write": {"file": "c", "data": {"text": "ping"}}}]}]}]}"#,
    );
    let k = iosim::run(&s, 0).expect("runs");
    assert_eq!(failures(&k), [], "the client connects to the second pipe");
}

/// A request on a pipe end whose last handle another thread closes between the request's
/// IRP being built and its dispatch reaches the pipe driver after the end's cleanup: the
/// driver fails it (ERROR_PIPE_NOT_CONNECTED, as NPFS fails a request on a file object
/// it has cleaned up), and the run goes on.
#[test]
fn a_request_racing_the_close_of_its_pipe_end_does_not_panic() {
    let s = scenario(
        r#"{"name": "race", "description": "a close of a pipe end races a write on it",
        "machine": {"cpus": 2},
        "processes": [{"name": "app", "threads": [
          {"name": "setup", "program": [
            {"create_named_pipe": {"as": "ns", "name": "\\\\.\\pipe\\gen", "capacity": 1}},
            {"open": {"path": "\\\\.\\pipe\\gen", "as": "nc"}}]},
          {"name": "T0", "start_ns": 100000, "program": [
            {"read": {"file": "ns", "len": 1}},
            {"write": {"file": "ns", "data": {"text": "x"}}}]},
          {"name": "closer", "start_ns": 120000, "program": [
            {"close": {"handle": "nc"}},
            {"read": {"file": "ns", "len": 64}},
            {"write": {"file": "ns", "data": {"text": "late"}}},
            {"close": {"handle": "ns"}}]}]}]}"#,
    );
    let run = std::panic::catch_unwind(|| iosim::run(&s, 0).map(|_| ()));
    assert!(
        matches!(run, Ok(Ok(()))),
        "the run panicked or failed instead of finishing"
    );
}

/// The byte budget bounds "the data a run may hold at once" (kernel-sim costs.rs,
/// scenarios/README.md), bytes waiting in pipes' buffers included: three pipes holding
/// 1.5 MiB under a 1 MiB budget stop the run.
#[test]
fn bytes_buffered_in_pipes_count_against_the_byte_budget() {
    let s = scenario(
        r#"{"name": "full-pipes", "description": "three pipes hold half a MiB each",
        "machine": {"byte_budget": 1048576},
        "processes": [{"name": "app", "threads": [{"name": "T", "program": [
          {"repeat": {"times": 3, "ops": [
            {"create_pipe": {"read_as": "r", "write_as": "w", "capacity": 1048576}},
            {"write": {"file": "w", "data": {"repeat": {"text": "x", "length": 524288}}}}]}},
          {"sleep": {"ns": 1000}}]}]}]}"#,
    );
    let mut k = iosim::build::build(&s, 0);
    let mut most = 0;
    while k.step() {
        most = most.max(k.bytes_held());
    }
    assert!(
        k.fault().is_some() || most >= 3 * 524_288,
        "pipes held 1.5 MiB; the run counted at most {most} bytes and did not stop"
    );
}
