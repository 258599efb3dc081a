//! Kernel objects, where kernel-sim disagrees with Windows (found while adding the
//! scenario ops). Each test states the Windows behaviour and fails until kernel-sim
//! follows it; none of them can be fixed from the scenario side.

use kernel_sim::io::{Object, Status};
use kernel_sim::{Kernel, What};

fn run(src: &str) -> Kernel {
    let scenario =
        iosim::scenario::parse("t.json", src).unwrap_or_else(|e| panic!("{}", e.render()));
    iosim::run(&scenario, 0).expect("the run ends")
}

fn scenario(threads: &str) -> String {
    format!(
        r#"{{"name": "t", "description": "kernel objects",
        "devices": [{{"disk": {{"name": "disk0", "irq": 14}}}}],
        "processes": [{{"name": "app", "threads": {threads}}}]}}"#
    )
}

/// WaitForMultipleObjectsEx for all on two handles to one object fails with
/// ERROR_INVALID_PARAMETER (NtWaitForMultipleObjects returns STATUS_INVALID_PARAMETER_MIX:
/// "with a wait any the user can specify the same object multiple times", but not with a
/// wait all; Windows Research Kernel, ob/obwait.c). kernel-sim satisfies the wait and
/// takes the semaphore's one count twice: `count -= 1` underflows, a panic in a debug
/// build and a count of 4294967295 in a release build.
#[test]
fn a_wait_for_all_on_one_object_twice_is_refused() {
    let k = run(&scenario(
        r#"[{"name": "T1", "program": [
            {"create_semaphore": {"as": "s", "count": 1, "max": 1}},
            {"duplicate_handle": {"handle": "s", "as": "s2"}},
            {"wait_objects": {"handles": ["s", "s2"], "all": true, "timeout_ns": 1000}}]}]"#,
    ));
    assert!(
        k.trace().iter().any(|e| matches!(
            e.what,
            What::SyscallFailed {
                call: "WaitForMultipleObjectsEx",
                status: Status::InvalidParameter,
                ..
            }
        )),
        "the wait was not refused"
    );
    assert_eq!(k.core().semaphores[0].count, 1, "the wait took the count");
}

/// A wait holds a reference to each object it waits on (ObpWaitForMultipleObjects
/// references the objects for the length of the wait), so closing the last handle while a
/// thread waits does not destroy the object. kernel-sim's `Event::refs` says it counts
/// "handles and waits", but a wait adds none: the object is traced as destroyed under its
/// waiter.
#[test]
fn an_object_is_not_destroyed_while_a_thread_waits_on_it() {
    let k = run(&scenario(
        r#"[{"name": "T1", "program": [
            {"create_event": {"as": "e"}},
            {"sleep": {"ns": 100000}},
            {"close": {"handle": "e"}}]},
           {"name": "T2", "start_ns": 50000, "program": [
            {"wait_objects": {"handles": ["e"], "timeout_ns": 1000000}}]}]"#,
    ));
    let trace = k.trace();
    let destroyed = trace
        .iter()
        .position(|e| {
            matches!(
                e.what,
                What::ObjectDestroyed {
                    object: Object::Event(_)
                }
            )
        })
        .expect("the event is destroyed at last");
    let returned = trace
        .iter()
        .position(|e| matches!(e.what, What::WaitReturned { .. }))
        .expect("the wait times out");
    assert!(
        destroyed > returned,
        "destroyed at event {destroyed}, while T2 waited on it until event {returned}"
    );
}

/// SetEvent on a manual-reset event releases every thread whose wait it satisfies; a
/// thread waiting for all of several objects stays waiting while another is not
/// signalled. The narration says "every thread waiting on it is released" regardless.
#[test]
fn setting_a_manual_reset_event_claims_only_the_releases_that_happen() {
    let k = run(&scenario(
        r#"[{"name": "T1", "program": [
            {"create_event": {"as": "go", "manual_reset": true}},
            {"create_event": {"as": "other"}},
            {"sleep": {"ns": 100000}},
            {"set_event": {"event": "go"}},
            {"sleep": {"ns": 100000}},
            {"set_event": {"event": "other"}}]},
           {"name": "T2", "start_ns": 50000, "program": [
            {"wait_objects": {"handles": ["go", "other"], "all": true}}]}]"#,
    ));
    let trace = k.trace();
    let set = trace
        .iter()
        .position(|e| matches!(e.what, What::EventSet { .. }))
        .expect("go is set");
    let sentence = k.explain(&trace[set]);
    let released = trace[set..]
        .iter()
        .take_while(|e| !matches!(e.what, What::SyscallEntered { .. }))
        .any(|e| matches!(e.what, What::ThreadWoken { .. }));
    assert!(
        released || !sentence.contains("every thread waiting on it is released"),
        "T2 still waits, but the narration says: {sentence}"
    );
}
