//! Documented behaviours, each on the smallest scenario that shows it: what a call
//! returns, when a thread waits or does not, what a cost is charged for, and which events
//! may carry a CPU.

use iosim::scenario;
use kernel_sim::io::Status;
use kernel_sim::trace::WakeReason;
use kernel_sim::{Kernel, TraceEvent, What};
use serde_json::{Value, json};

/// A one-process scenario on a default disk with one 1 MiB file `f.dat`; `threads` is
/// the list of `{name, program}` objects, `machine` extra machine settings.
fn scenario(machine: Value, threads: Value) -> String {
    json!({
        "name": "semantics",
        "description": "a documented behaviour",
        "machine": machine,
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "files": [{"name": "f.dat", "device": "disk0", "offset": 0, "length": 1_048_576}],
        "processes": [{"name": "app", "routines": {"done": {"cost_ns": 2000}}, "threads": threads}]
    })
    .to_string()
}

fn run(src: &str) -> Kernel {
    let sc = scenario::parse("semantics.json", src).unwrap_or_else(|e| panic!("{}", e.render()));
    let mut k = iosim::build::build(&sc, sc.seed);
    k.run(sc.machine.event_limit).expect("the run ends");
    k
}

fn thread_named(k: &Kernel, name: &str) -> kernel_sim::ThreadId {
    k.core().threads.iter().find(|t| t.name == name).unwrap().id
}

/// What each call `thread` made returned, in order: the call, its value and the code
/// GetLastError then gives.
type Returns = Vec<(&'static str, kernel_sim::Returned, Option<Status>)>;

fn returns(k: &Kernel, thread: &str) -> Returns {
    of(k, thread_named(k, thread))
        .iter()
        .filter_map(|e| match e.what {
            What::CallReturned {
                call,
                returned,
                error,
                ..
            } => Some((call, returned, error)),
            _ => None,
        })
        .collect()
}

/// The values and codes of `thread`'s calls named `call`, in order.
fn returns_of(k: &Kernel, thread: &str, call: &str) -> Vec<(kernel_sim::Returned, Option<Status>)> {
    returns(k, thread)
        .into_iter()
        .filter(|&(c, ..)| c == call)
        .map(|(_, r, e)| (r, e))
        .collect()
}

/// The events about `thread`, in order.
fn of(k: &Kernel, thread: kernel_sim::ThreadId) -> Vec<&TraceEvent> {
    k.trace()
        .iter()
        .filter(|e| e.what.thread() == Some(thread))
        .collect()
}

#[test]
fn synchronous_irps_are_freed_once_their_result_is_delivered() {
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"open": {"path": "f.dat", "as": "f"}},
            {"repeat": {"times": 30, "ops": [{"read": {"file": "f", "offset": 0, "len": 65536}}]}}
        ]}]),
    ));
    assert_eq!(k.summary().counters.irps_completed, 30);
    assert!(
        k.core().irps.is_empty(),
        "IRPs still live at the end: {:?}",
        k.core().irps.keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_wait_on_a_port_bound_request_returns_when_it_completes() {
    // The event in the OVERLAPPED is signalled whether or not a packet also goes to a
    // port (Microsoft Learn: GetQueuedCompletionStatus, OVERLAPPED).
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"create_port": {"as": "P", "concurrency": 1}},
            {"open": {"path": "f.dat", "as": "f", "overlapped": true}},
            {"bind": {"file": "f", "port": "P", "key": 7}},
            {"read_overlapped": {"file": "f", "offset": 0, "len": 4096, "tag": "r"}},
            {"wait": {"tag": "r"}},
            {"get_queued": {"port": "P", "timeout_ns": 0}}
        ]}]),
    ));
    let t = thread_named(&k, "T");
    let events = of(&k, t);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.what, What::IoDelivered { bytes: 4096, .. })),
        "the wait got the request's result"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.what, What::PacketDequeued { key: 7, .. })),
        "and the packet still went to the port"
    );
    assert!(k.summary().threads_blocked_at_end.is_empty());
}

#[test]
fn a_zero_timeout_dequeue_on_an_empty_port_never_waits() {
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"create_port": {"as": "P"}},
            {"get_queued": {"port": "P", "timeout_ns": 0}},
            {"compute": {"ns": 1000}}
        ]}]),
    ));
    let t = thread_named(&k, "T");
    let events = of(&k, t);
    assert!(
        events.iter().any(|e| matches!(
            e.what,
            What::TimedOutAtOnce {
                call: "GetQueuedCompletionStatus",
                ..
            }
        )),
        "WAIT_TIMEOUT at once"
    );
    assert!(
        !events.iter().any(|e| matches!(
            e.what,
            What::ThreadWaiting { .. } | What::ThreadWoken { .. }
        )),
        "the thread never waited"
    );
    assert_eq!(
        k.summary().counters.context_switches,
        1,
        "only the first dispatch"
    );
}

#[test]
fn closing_a_port_wakes_its_waiters_with_abandoned_wait() {
    let k = run(&scenario(
        json!({"cpus": 2}),
        json!([
            {"name": "Main", "program": [
                {"create_port": {"as": "P"}},
                {"compute": {"ns": 200000}},
                {"close": {"handle": "P"}}
            ]},
            {"name": "W", "start_ns": 50000, "program": [
                {"get_queued": {"port": "P"}},
                {"compute": {"ns": 1000}}
            ]}
        ]),
    ));
    let w = thread_named(&k, "W");
    let events = of(&k, w);
    assert!(events.iter().any(|e| matches!(
        e.what,
        What::ThreadWoken {
            reason: WakeReason::PortClosed,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e.what,
        What::SyscallFailed {
            call: "GetQueuedCompletionStatus",
            status: Status::AbandonedWait0,
            ..
        }
    )));
    assert!(
        k.trace()
            .iter()
            .any(|e| matches!(e.what, What::PortClosed { waiters: 1, .. }))
    );
    assert!(k.summary().threads_blocked_at_end.is_empty());
}

/// The time from a packet's release to the woken thread's next op, with `port_ns` set.
fn dequeue_to_compute(port_ns: u64) -> u64 {
    let k = run(&scenario(
        json!({"costs": {"port_ns": port_ns}}),
        json!([{"name": "T", "program": [
            {"create_port": {"as": "P"}},
            {"post": {"port": "P", "key": 1, "bytes": 0}},
            {"get_queued": {"port": "P"}},
            {"compute": {"ns": 1000}}
        ]}]),
    ));
    let at = |f: &dyn Fn(&What) -> bool| k.trace().iter().find(|e| f(&e.what)).unwrap().time;
    at(&|w| matches!(w, What::ThreadComputed { .. }))
        - at(&|w| matches!(w, What::PacketDequeued { .. }))
}

#[test]
fn dequeuing_a_packet_costs_port_ns() {
    assert_eq!(dequeue_to_compute(40_000) - dequeue_to_compute(0), 40_000);
}

#[test]
fn posting_a_packet_costs_port_ns() {
    let posted_at = |port_ns: u64| {
        let k = run(&scenario(
            json!({"costs": {"port_ns": port_ns}}),
            json!([{"name": "T", "program": [
                {"create_port": {"as": "P"}},
                {"post": {"port": "P", "key": 1, "bytes": 0}}
            ]}]),
        ));
        k.trace()
            .iter()
            .find(|e| matches!(e.what, What::PacketQueued { .. }))
            .unwrap()
            .time
    };
    assert_eq!(posted_at(25_000) - posted_at(0), 25_000);
}

#[test]
fn device_events_carry_no_cpu_and_the_device_starts_after_dispatch_is_paid() {
    for path in crate::scenario_paths() {
        let loaded = crate::load(path.to_str().unwrap(), &[]);
        let k = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let costs = &k.core().costs;
        let mut dispatched = std::collections::BTreeMap::new();
        for e in k.trace() {
            match e.what {
                What::Device { kind, .. } if kind.lane == kernel_sim::Lane::BeginTransfer => {
                    assert_eq!(e.cpu, None, "{path:?}: {e:?}");
                    let irp = e.what.irp().expect("a transfer names its IRP");
                    if let Some(&at) = dispatched.get(&irp) {
                        assert!(
                            e.time >= at + costs.dispatch_ns + costs.start_io_ns,
                            "{path:?}: {irp} reached the device before its dispatch was paid"
                        );
                    }
                }
                What::Device { kind, .. } if kind.lane == kernel_sim::Lane::EndTransfer => {
                    assert_eq!(e.cpu, None, "{path:?}: {e:?}")
                }
                What::InterruptRaised { .. } | What::InterruptCoalesced { .. } => {
                    assert_eq!(e.cpu, None, "{path:?}: {e:?}")
                }
                What::IrpDispatched { irp, .. } => {
                    dispatched.insert(irp, e.time);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn a_driver_marks_an_irp_pending_before_it_queues_it() {
    for path in crate::scenario_paths() {
        let loaded = crate::load(path.to_str().unwrap(), &[]);
        let k = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let mut pending = std::collections::BTreeSet::new();
        for e in k.trace() {
            match e.what {
                What::IrpPending { irp } => {
                    pending.insert(irp);
                }
                What::IrpQueued { irp, .. } => {
                    assert!(
                        pending.contains(&irp),
                        "{path:?}: {irp} queued before pending"
                    )
                }
                _ => {}
            }
        }
    }
}

/// Sleeps for half of the clock's range, again and again.
#[derive(Debug, Clone)]
struct LongSleeper;

impl kernel_sim::ThreadProgram for LongSleeper {
    fn next(&mut self, _: &mut kernel_sim::ProgramCtx<'_>) -> kernel_sim::Syscall {
        kernel_sim::Syscall::Sleep {
            ns: u64::MAX / 2,
            alertable: None,
        }
    }

    fn clone_box(&self) -> Box<dyn kernel_sim::ThreadProgram> {
        Box::new(self.clone())
    }
}

#[test]
fn time_overflow_stops_the_run_with_an_error_naming_the_values() {
    // Scenarios cap every span at 10^12 ns, so only a very long run could overflow the
    // clock; the kernel's own API lets a program ask for more, and the check is the same.
    let mut k = Kernel::new(kernel_sim::MachineConfig {
        cpus: 1,
        costs: kernel_sim::Costs::default(),
        seed: 1,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    let p = k.add_process("app", Vec::new());
    k.add_thread(p, "T", 0, Box::new(LongSleeper));
    let err = k.run(1_000_000).unwrap_err();
    let kernel_sim::RunError::TimeOverflow {
        now, delay, what, ..
    } = err.clone()
    else {
        panic!("{err:?}")
    };
    assert_eq!(delay, u64::MAX / 2);
    assert!(now.checked_add(delay).is_none());
    assert_eq!(what, "a sleep or wait timeout");
    assert!(
        k.trace().windows(2).all(|w| w[0].time <= w[1].time),
        "time never went backwards"
    );
    assert!(!k.step(), "nothing happens after the fault");
    let message = err.to_string();
    assert!(message.contains(&now.to_string()) && message.contains(&delay.to_string()));
}

#[test]
fn a_synchronous_read_at_the_end_of_the_file_succeeds_with_nothing_read() {
    // "When a synchronous read operation reaches the end of a file, ReadFile returns TRUE
    // and sets *lpNumberOfBytesRead to zero" (Microsoft Learn: ReadFile function).
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"open": {"path": "f.dat", "as": "f"}},
            {"read": {"file": "f", "offset": 0, "len": 1_048_576}},
            {"read": {"file": "f", "len": 512}}
        ]}]),
    ));
    let t = thread_named(&k, "T");
    assert_eq!(
        returns(&k, "T")[1..],
        [
            ("ReadFile", kernel_sim::Returned::True, None),
            ("ReadFile", kernel_sim::Returned::True, None)
        ]
    );
    assert!(of(&k, t).iter().any(|e| matches!(
        e.what,
        What::ReadAtEndOfFile {
            offset: 1_048_576,
            ..
        }
    )));
    // No IRP for the read at the end: nothing was asked of the disk.
    assert_eq!(k.summary().counters.irps_issued, 1);
}

#[test]
fn a_file_that_skips_its_port_on_success_queues_no_packet_for_a_request_done_at_once() {
    // "If the following three conditions are true, the I/O Manager does not queue a
    // completion entry to the port": the file is associated with a port, opened for
    // asynchronous I/O, and a request returns success immediately (Microsoft Learn:
    // SetFileCompletionNotificationModes function).
    let src = json!({
        "name": "skip", "description": "skip the port on success",
        "processes": [{"name": "app", "threads": [
            {"name": "server", "program": [
                {"create_port": {"as": "P"}},
                {"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\skip", "overlapped": true}},
                {"bind": {"file": "s", "port": "P", "key": 3}},
                {"skip_port_on_success": {"file": "s"}},
                {"sleep": {"ns": 1_000_000}},
                // The client's bytes are there: done at once, TRUE, no packet.
                {"read_overlapped": {"file": "s", "len": 4}},
                // Nothing there: pends, and its completion queues a packet.
                {"read_overlapped": {"file": "s", "len": 4}},
                {"get_queued": {"port": "P", "timeout_ns": 50_000_000u64}},
                {"get_queued": {"port": "P", "timeout_ns": 0}}
            ]},
            {"name": "client", "start_ns": 100_000, "program": [
                {"open": {"path": "\\\\.\\pipe\\skip", "as": "c"}},
                {"write": {"file": "c", "data": {"text": "ping"}}},
                {"sleep": {"ns": 2_000_000}},
                {"write": {"file": "c", "data": {"text": "pong"}}}
            ]}
        ]}]
    })
    .to_string();
    let k = run(&src);
    let calls: Returns = returns(&k, "server")
        .into_iter()
        .filter(|&(call, ..)| call == "ReadFile" || call == "GetQueuedCompletionStatus")
        .collect();
    use kernel_sim::Returned::{False, True};
    assert_eq!(
        calls,
        [
            ("ReadFile", True, None),
            ("ReadFile", False, Some(Status::Pending)),
            ("GetQueuedCompletionStatus", True, None),
            ("GetQueuedCompletionStatus", False, Some(Status::Timeout)),
        ]
    );
    let skipped = k
        .trace()
        .iter()
        .filter(|e| matches!(e.what, What::PacketSkipped { .. }))
        .count();
    assert_eq!((skipped, k.summary().counters.packets_queued), (1, 1));
}

#[test]
fn queue_user_apc_runs_in_an_alertable_wait_or_first_thing_and_fails_on_an_exited_thread() {
    // "If an application queues an APC before the thread begins running, the thread begins
    // by calling the APC function"; "When the thread is in the process of being
    // terminated, calling QueueUserAPC to add to the thread's APC queue will fail with (31)
    // ERROR_GEN_FAILURE" (Microsoft Learn: QueueUserAPC function).
    let k = run(&scenario(
        json!({}),
        json!([
            {"name": "queuer", "start_ns": 100_000, "program": [
                {"open_thread": {"thread": "late", "as": "l"}},
                {"open_thread": {"thread": "sleeper", "as": "s"}},
                {"open_thread": {"thread": "gone", "as": "g"}},
                {"queue_apc": {"thread": "l", "routine": "done"}},
                {"queue_apc": {"thread": "s", "routine": "done"}},
                {"sleep": {"ns": 2_000_000}},
                {"queue_apc": {"thread": "g", "routine": "done"}}
            ]},
            {"name": "late", "start_ns": 1_500_000, "program": [
                {"compute": {"ns": 1000}}
            ]},
            {"name": "sleeper", "program": [
                {"sleep": {"ns": 500_000}},
                {"sleep_ex": {"ns": 5_000_000, "alertable": true}}
            ]},
            {"name": "gone", "program": [{"exit": {}}]}
        ]),
    ));
    let calls = returns_of(&k, "queuer", "QueueUserAPC");
    use kernel_sim::Returned::{False, True};
    assert_eq!(
        calls,
        [
            (True, None),
            (True, None),
            (False, Some(Status::Unsuccessful))
        ]
    );
    assert_eq!(Status::Unsuccessful.win32_name(), "ERROR_GEN_FAILURE");
    // The late thread begins with the routine, before its first op.
    let late = of(&k, thread_named(&k, "late"));
    let first_run = late.iter().position(|e| {
        matches!(
            e.what,
            What::ApcRun {
                at_start: true,
                irp: None,
                ..
            }
        )
    });
    let computed = late
        .iter()
        .position(|e| matches!(e.what, What::ThreadComputed { .. }));
    assert!(first_run.is_some() && first_run < computed, "{late:?}");
    // The sleeper keeps it queued through its plain Sleep, runs it in SleepEx, whose wait
    // returns WAIT_IO_COMPLETION.
    let returned: Vec<(&str, kernel_sim::Returned)> = returns(&k, "sleeper")
        .into_iter()
        .map(|(call, returned, _)| (call, returned))
        .collect();
    assert_eq!(
        returned,
        [
            ("Sleep", kernel_sim::Returned::Nothing),
            ("SleepEx", kernel_sim::Returned::WaitIoCompletion)
        ]
    );
}

#[test]
fn get_overlapped_result_fails_with_io_incomplete_unless_it_waits() {
    // "If the bWait parameter is FALSE and the operation is still pending, the function
    // returns FALSE and the GetLastError function returns ERROR_IO_INCOMPLETE" (Microsoft
    // Learn: GetOverlappedResult function).
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"open": {"path": "f.dat", "as": "f", "overlapped": true}},
            {"read_overlapped": {"file": "f", "offset": 0, "len": 4096, "tag": "r"}},
            {"get_overlapped_result": {"tag": "r"}},
            {"get_overlapped_result": {"tag": "r", "wait": true}},
            {"get_overlapped_result": {"tag": "r"}}
        ]}]),
    ));
    let got = returns_of(&k, "T", "GetOverlappedResult");
    use kernel_sim::Returned::{False, True};
    assert_eq!(
        got,
        [
            (False, Some(Status::IoIncomplete)),
            (True, None),
            (True, None)
        ]
    );
    assert_eq!(Status::IoIncomplete.win32_name(), "ERROR_IO_INCOMPLETE");
}

#[test]
fn get_queued_completion_status_ex_takes_a_batch_or_ends_its_alertable_wait_for_an_apc() {
    // It removes up to ulCount entries at once; "If the parameter is TRUE and there are no
    // available entries, the function performs an alertable wait" (Microsoft Learn:
    // GetQueuedCompletionStatusEx function).
    let k = run(&scenario(
        json!({}),
        json!([
            {"name": "T", "program": [
                {"create_port": {"as": "P", "concurrency": 1}},
                {"post": {"port": "P", "key": 1}},
                {"post": {"port": "P", "key": 2}},
                {"post": {"port": "P", "key": 3}},
                {"get_queued_ex": {"port": "P", "count": 2}},
                {"get_queued_ex": {"port": "P", "count": 2}},
                {"get_queued_ex": {"port": "P", "count": 2, "alertable": true}},
                {"get_queued_ex": {"port": "P", "count": 2, "timeout_ns": 1000}}
            ]},
            {"name": "Q", "start_ns": 2_000_000, "program": [
                {"open_thread": {"thread": "T", "as": "t"}},
                {"queue_apc": {"thread": "t", "routine": "done"}}
            ]}
        ]),
    ));
    let t = thread_named(&k, "T");
    let calls = returns_of(&k, "T", "GetQueuedCompletionStatusEx");
    use kernel_sim::Returned::{False, True};
    assert_eq!(
        calls,
        [
            (True, None),
            (True, None),
            (False, Some(Status::UserApc)),
            (False, Some(Status::Timeout))
        ]
    );
    let keys: Vec<u64> = of(&k, t)
        .iter()
        .filter_map(|e| match e.what {
            What::PacketDequeued { key, .. } => Some(key),
            _ => None,
        })
        .collect();
    // Two at once, then the one left.
    assert_eq!(keys, [1, 2, 3]);
    assert_eq!(Status::UserApc.win32_name(), "WAIT_IO_COMPLETION");
}

#[test]
fn a_file_handle_is_signalled_when_a_request_with_no_event_completes() {
    // "If the hEvent member of the OVERLAPPED structure is NULL, the system uses the state
    // of the hFile handle to signal when the operation has been completed" (Microsoft
    // Learn: Synchronization and Overlapped Input and Output).
    let k = run(&scenario(
        json!({}),
        json!([{"name": "T", "program": [
            {"open": {"path": "f.dat", "as": "f", "overlapped": true}},
            {"read_overlapped": {"file": "f", "offset": 0, "len": 4096}},
            {"wait_objects": {"handles": ["f"], "timeout_ns": 0}},
            {"wait_objects": {"handles": ["f"]}},
            {"wait_objects": {"handles": ["f"], "timeout_ns": 0}}
        ]}]),
    ));
    let got: Vec<kernel_sim::Returned> = returns_of(&k, "T", "WaitForSingleObjectEx")
        .into_iter()
        .map(|(returned, _)| returned)
        .collect();
    use kernel_sim::Returned::{WaitObject, WaitTimeout};
    // Not yet, then it waits for the completion, then it stays signalled.
    assert_eq!(got, [WaitTimeout, WaitObject(0), WaitObject(0)]);
}
