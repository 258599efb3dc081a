//! Kernel objects and waits on several of them, driven by scripted threads with no
//! scenario file: events (manual and auto reset), semaphores, thread objects, duplicated
//! handles, and WaitForMultipleObjectsEx's results (Microsoft Learn:
//! WaitForMultipleObjectsEx, SetEvent, ReleaseSemaphore, DuplicateHandle).

use kernel_sim::object::WaitResult;
use kernel_sim::{
    Costs, Handle, Kernel, MachineConfig, ProgramCtx, Syscall, SyscallResult, ThreadId,
    ThreadProgram, What,
};

/// A step of a script: the call to make, given the process's named handles, and the name
/// to keep the handle it returns under.
type Step = (fn(&dyn Fn(&str) -> Handle) -> Syscall, Option<&'static str>);

/// A thread that makes its script's calls in order and records what each returned.
#[derive(Debug, Clone)]
struct Script {
    steps: Vec<Step>,
    next: usize,
    /// The name the previous call's handle goes under.
    keep: Option<&'static str>,
}

impl ThreadProgram for Script {
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        if let (Some(name), SyscallResult::Handle(h)) = (self.keep.take(), cx.last) {
            cx.vars.insert(name.to_string(), u64::from(h.0));
        }
        let Some(&(call, keep)) = self.steps.get(self.next) else {
            return Syscall::Exit;
        };
        self.next += 1;
        self.keep = keep;
        let vars = cx.vars.clone();
        let handle = move |name: &str| Handle(vars.get(name).copied().unwrap_or(0) as u32);
        call(&handle)
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

fn script(steps: Vec<Step>) -> Box<dyn ThreadProgram> {
    Box::new(Script {
        steps,
        next: 0,
        keep: None,
    })
}

/// A machine with one process whose threads start at the given times and run their
/// scripts; run to the end.
fn run(cpus: u16, threads: Vec<(&str, u64, Box<dyn ThreadProgram>)>) -> Kernel {
    let mut k = Kernel::new(MachineConfig {
        cpus,
        costs: Costs::default(),
        seed: 1,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    let p = k.add_process("app", Vec::new());
    for (name, start, program) in threads {
        k.add_thread(p, name, start, program);
    }
    k.run(100_000).expect("the run ends");
    k
}

/// What each wait of `thread` returned, in order (a zero timeout's WAIT_TIMEOUT too).
fn waits(k: &Kernel, thread: &str) -> Vec<WaitResult> {
    let id = thread_id(k, thread);
    k.trace()
        .iter()
        .filter_map(|e| match e.what {
            What::WaitReturned { thread, result, .. } if thread == id => Some(result),
            What::TimedOutAtOnce { thread, .. } if thread == id => Some(WaitResult::Timeout),
            _ => None,
        })
        .collect()
}

fn thread_id(k: &Kernel, name: &str) -> ThreadId {
    k.core().threads.iter().find(|t| t.name == name).unwrap().id
}

fn object(index: u32) -> WaitResult {
    WaitResult::Object { index }
}

fn wait(names: &'static [&'static str], all: bool, timeout_ns: Option<u64>) -> Step {
    // Function pointers cannot capture; the few shapes the tests need are spelled out.
    match (names, all, timeout_ns) {
        (["e"], false, None) => (
            |h| Syscall::WaitObjects {
                handles: vec![h("e")],
                all: false,
                alertable: false,
                timeout_ns: None,
            },
            None,
        ),
        (["e"], false, Some(0)) => (
            |h| Syscall::WaitObjects {
                handles: vec![h("e")],
                all: false,
                alertable: false,
                timeout_ns: Some(0),
            },
            None,
        ),
        (["e"], false, Some(_)) => (
            |h| Syscall::WaitObjects {
                handles: vec![h("e")],
                all: false,
                alertable: false,
                timeout_ns: Some(100_000),
            },
            None,
        ),
        (["a", "b"], all, None) => (
            if all {
                |h| Syscall::WaitObjects {
                    handles: vec![h("a"), h("b")],
                    all: true,
                    alertable: false,
                    timeout_ns: None,
                }
            } else {
                |h| Syscall::WaitObjects {
                    handles: vec![h("a"), h("b")],
                    all: false,
                    alertable: false,
                    timeout_ns: None,
                }
            },
            None,
        ),
        (["s"], false, None) => (
            |h| Syscall::WaitObjects {
                handles: vec![h("s")],
                all: false,
                alertable: false,
                timeout_ns: None,
            },
            None,
        ),
        (["w"], false, None) => (
            |h| Syscall::WaitObjects {
                handles: vec![h("w")],
                all: false,
                alertable: false,
                timeout_ns: None,
            },
            None,
        ),
        other => panic!("no step for {other:?}"),
    }
}

fn event(name: &'static str, manual_reset: bool) -> Step {
    (
        if manual_reset {
            |_| Syscall::CreateEvent {
                manual_reset: true,
                signalled: false,
                name: "E".into(),
            }
        } else {
            |_| Syscall::CreateEvent {
                manual_reset: false,
                signalled: false,
                name: "E".into(),
            }
        },
        Some(name),
    )
}

fn set(name: &'static str) -> Step {
    match name {
        "e" => (|h| Syscall::SetEvent { event: h("e") }, None),
        "a" => (|h| Syscall::SetEvent { event: h("a") }, None),
        "b" => (|h| Syscall::SetEvent { event: h("b") }, None),
        other => panic!("no set for {other}"),
    }
}

fn compute(ns: u64) -> Step {
    match ns {
        100_000 => (
            |_| Syscall::Compute {
                ns: 100_000,
                pass: None,
            },
            None,
        ),
        300_000 => (
            |_| Syscall::Compute {
                ns: 300_000,
                pass: None,
            },
            None,
        ),
        other => panic!("no compute of {other}"),
    }
}

#[test]
fn an_auto_reset_event_releases_one_waiter_per_set_and_a_manual_one_all() {
    for manual in [false, true] {
        let k = run(
            2,
            vec![
                (
                    "Main",
                    0,
                    script(vec![event("e", manual), compute(100_000), set("e")]),
                ),
                ("W1", 20_000, script(vec![wait(&["e"], false, None)])),
                ("W2", 30_000, script(vec![wait(&["e"], false, None)])),
            ],
        );
        let released = [waits(&k, "W1").len(), waits(&k, "W2").len()];
        if manual {
            assert_eq!(
                released,
                [1, 1],
                "a manual-reset event releases every waiter"
            );
            assert!(k.summary().threads_blocked_at_end.is_empty());
        } else {
            // First come, first released; the event resets at once.
            assert_eq!(released, [1, 0], "an auto-reset event releases one waiter");
            assert_eq!(k.summary().threads_blocked_at_end, ["W2"]);
            assert!(!k.core().event_objects[0].signalled);
        }
    }
}

#[test]
fn a_wait_for_any_returns_the_index_of_the_signalled_object_and_one_for_all_waits() {
    let k = run(
        3,
        vec![
            (
                "Main",
                0,
                script(vec![
                    event("a", true),
                    event("b", true),
                    compute(100_000),
                    set("b"),
                    compute(300_000),
                    set("a"),
                ]),
            ),
            ("Any", 20_000, script(vec![wait(&["a", "b"], false, None)])),
            ("All", 30_000, script(vec![wait(&["a", "b"], true, None)])),
        ],
    );
    assert_eq!(waits(&k, "Any"), [object(1)], "WAIT_OBJECT_0 + 1: b");
    assert_eq!(waits(&k, "All"), [object(0)]);
    // The wait for all returned only after a was set too.
    let returned = |name: &str| {
        let id = thread_id(&k, name);
        k.trace()
            .iter()
            .find(|e| matches!(e.what, What::WaitReturned { thread, .. } if thread == id))
            .unwrap()
            .time
    };
    assert!(returned("All") > returned("Any") + 300_000);
}

#[test]
fn zero_and_expired_timeouts_return_wait_timeout_and_leave_the_object_alone() {
    let k = run(
        2,
        vec![
            (
                "Main",
                0,
                script(vec![event("e", false), compute(300_000), set("e")]),
            ),
            (
                "Poll",
                20_000,
                script(vec![
                    wait(&["e"], false, Some(0)),
                    wait(&["e"], false, Some(1)),
                ]),
            ),
        ],
    );
    assert_eq!(
        waits(&k, "Poll"),
        [WaitResult::Timeout, WaitResult::Timeout]
    );
    let poll = thread_id(&k, "Poll");
    let waited = k
        .trace()
        .iter()
        .filter(|e| matches!(e.what, What::ThreadWaiting { thread, .. } if thread == poll))
        .count();
    assert_eq!(waited, 1, "the zero timeout never waited; the other did");
    // Nobody waits on the event any more, so the set leaves it signalled.
    assert!(k.core().event_objects[0].signalled);
    assert!(k.core().event_objects[0].waiters.is_empty());
}

#[test]
fn a_semaphore_lets_through_as_many_waiters_as_its_count() {
    let k = run(
        4,
        vec![
            (
                "Main",
                0,
                script(vec![
                    (
                        |_| Syscall::CreateSemaphore {
                            count: 0,
                            max: 2,
                            name: "S".into(),
                        },
                        Some("s"),
                    ),
                    compute(100_000),
                    (
                        |h| Syscall::ReleaseSemaphore {
                            semaphore: h("s"),
                            count: 2,
                        },
                        None,
                    ),
                    (
                        |h| Syscall::ReleaseSemaphore {
                            semaphore: h("s"),
                            count: 3,
                        },
                        None,
                    ),
                ]),
            ),
            ("W1", 20_000, script(vec![wait(&["s"], false, None)])),
            ("W2", 30_000, script(vec![wait(&["s"], false, None)])),
            ("W3", 40_000, script(vec![wait(&["s"], false, None)])),
        ],
    );
    let released: Vec<usize> = ["W1", "W2", "W3"]
        .iter()
        .map(|t| waits(&k, t).len())
        .collect();
    assert_eq!(released, [1, 1, 0]);
    assert_eq!(k.core().semaphores[0].count, 0);
    let refused = k.trace().iter().any(|e| {
        matches!(
            e.what,
            What::SyscallFailed {
                call: "ReleaseSemaphore",
                status: kernel_sim::io::Status::TooManyPosts,
                ..
            }
        )
    });
    assert!(
        refused,
        "a release past the maximum fails: ERROR_TOO_MANY_POSTS"
    );
}

#[test]
fn a_thread_object_is_signalled_when_its_thread_exits() {
    let k = run(
        2,
        vec![
            ("Worker", 0, script(vec![compute(300_000)])),
            (
                "Main",
                10_000,
                script(vec![
                    (
                        |_| Syscall::OpenThread {
                            thread: ThreadId(0),
                        },
                        Some("w"),
                    ),
                    wait(&["w"], false, None),
                ]),
            ),
        ],
    );
    assert_eq!(waits(&k, "Main"), [object(0)]);
    let exited = k
        .trace()
        .iter()
        .position(|e| {
            matches!(
                e.what,
                What::ThreadExited {
                    thread: ThreadId(0),
                    ..
                }
            )
        })
        .unwrap();
    let returned = k
        .trace()
        .iter()
        .position(|e| matches!(e.what, What::WaitReturned { .. }))
        .unwrap();
    assert!(returned > exited);
}

#[test]
fn an_object_lives_until_its_last_handle_is_closed() {
    let k = run(
        1,
        vec![(
            "Main",
            0,
            script(vec![
                event("e", true),
                (|h| Syscall::DuplicateHandle { handle: h("e") }, Some("e2")),
                (|h| Syscall::Close { handle: h("e") }, None),
                compute(100_000),
                (|h| Syscall::Close { handle: h("e2") }, None),
            ]),
        )],
    );
    let t = k.trace();
    let closes: Vec<usize> = t
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.what, What::HandleClosed { .. }))
        .map(|(i, _)| i)
        .collect();
    let destroyed: Vec<usize> = t
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.what, What::ObjectDestroyed { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(closes.len(), 2);
    assert_eq!(destroyed.len(), 1, "destroyed once");
    assert!(destroyed[0] > closes[1], "only when the second handle goes");
}
