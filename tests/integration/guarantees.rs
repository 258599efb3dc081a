//! The ordering guarantees listed in kernel-sim's crate doc, each checked on the
//! scenarios whose traces show it (numbered as there).

use crate::load;
use kernel_sim::{Kernel, TraceEvent, What};

/// The course scenarios every guarantee is checked on.
const COURSE: [&str; 4] = [
    "tour",
    "iocp-thread-pool",
    "apc-completion-routines",
    "disk-elevator",
];

fn run(name: &str) -> Kernel {
    let loaded = load(&format!("scenarios/{name}.json"), &[]);
    iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap()
}

fn is_thread_code(w: &What) -> bool {
    matches!(
        w,
        What::ThreadComputed { .. }
            | What::SyscallEntered { .. }
            | What::ApcRun { .. }
            | What::ContextSwitched { .. }
    )
}

/// Guarantee 3: no thread code and no APC runs on a CPU while an ISR or DPC is in
/// progress there.
#[test]
fn no_thread_code_runs_under_an_isr_or_a_dpc() {
    for name in COURSE {
        let k = run(name);
        // Per CPU: how many ISR and DPC frames are open.
        let mut open = vec![0u32; k.core().cpus.len()];
        let mut dpcs = 0;
        for ev in k.trace() {
            let Some(cpu) = ev.cpu else { continue };
            let c = cpu.0 as usize;
            match ev.what {
                What::DpcStarted { .. } => {
                    open[c] += 1;
                    dpcs += 1;
                }
                What::IsrStarted { .. } | What::ClockInterrupt => open[c] += 1,
                What::DpcFinished { .. }
                | What::IsrFinished { .. }
                | What::QuantumExpired { .. }
                | What::QuantumRenewed { .. } => open[c] -= 1,
                ref w if is_thread_code(w) => {
                    assert_eq!(open[c], 0, "{name}: {w:?} on {cpu} under an ISR or DPC")
                }
                _ => {}
            }
        }
        assert!(dpcs > 0, "{name} ran no DPC");
    }
}

/// Guarantee 2: each `step()` handles exactly one scheduled event, and the same scenario
/// and seed give the same trace.
#[test]
fn one_event_per_step_and_the_same_trace_every_time() {
    let loaded = load("scenarios/iocp-thread-pool.json", &[]);
    let trace_of = || {
        let mut k = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
        let mut calls = 0;
        while k.step() {
            calls += 1;
            assert_eq!(k.core().steps, calls, "a step handled other than one event");
        }
        assert!(!k.step(), "nothing after the end");
        k.into_trace()
    };
    let first = trace_of();
    assert!(!first.is_empty());
    assert_eq!(first, trace_of());
}

#[test]
fn apc_discarded_when_thread_exits() {
    let k = run("apc-completion-routines");
    let quitter = k
        .core()
        .threads
        .iter()
        .find(|t| t.name == "Quitter")
        .unwrap()
        .id;
    let discarded: Vec<_> = k
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            What::ApcDiscarded { thread, irp, .. } => Some((thread, irp)),
            _ => None,
        })
        .collect();
    assert_eq!(discarded.len(), 1);
    assert_eq!(discarded[0].0, quitter);
    let ran = k
        .trace()
        .iter()
        .any(|e| matches!(e.what, What::ApcRun { irp, .. } if irp == discarded[0].1));
    assert!(!ran, "a discarded APC must never run");
    assert_eq!(k.summary().counters.apcs_discarded, 1);
}

#[test]
fn apcs_wait_for_an_alertable_wait_and_run_in_fifo_order() {
    let k = run("apc-completion-routines");
    let t = k.trace();
    let queued = irps_of(t, "ApcQueued");
    let ran = irps_of(t, "ApcRun");
    assert_eq!(
        queued, ran,
        "every routine of the surviving thread runs, in queue order"
    );
    // The non-alertable Sleep in between runs none: the two routines queued before it
    // wait until the final SleepEx.
    let sleep = position(t, |w| {
        matches!(
            w,
            What::ThreadWaiting {
                alertable: false,
                reason: kernel_sim::trace::WaitReason::Sleep,
                ..
            }
        )
    });
    let runs_after_sleep = t[sleep..]
        .iter()
        .filter(|e| matches!(e.what, What::ApcRun { .. }))
        .count();
    assert_eq!(runs_after_sleep, 2);
}

/// The IRPs of the events of one kind, in trace order.
fn irps_of(t: &[TraceEvent], kind: &str) -> Vec<kernel_sim::IrpId> {
    t.iter()
        .filter(|e| e.what.kind() == kind)
        .filter_map(|e| e.what.irp())
        .collect()
}

fn position(t: &[TraceEvent], f: impl Fn(&What) -> bool) -> usize {
    t.iter().position(|e| f(&e.what)).expect("event present")
}

#[test]
fn the_port_releases_waiters_last_in_first_out() {
    let k = run("iocp-thread-pool");
    let t = k.trace();
    let name = |id| k.thread_name(id).to_string();
    // W1..W4 wait in that order; the first packet goes to the last to wait.
    let first = t
        .iter()
        .find_map(|e| match e.what {
            What::PacketDequeued { thread, .. } => Some(name(thread)),
            _ => None,
        })
        .unwrap();
    assert_eq!(first, "W4");
}

#[test]
fn the_port_limit_holds_except_after_a_blocked_worker_wakes() {
    let k = run("iocp-thread-pool");
    let over: Vec<_> = k
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            What::PortRunningOver {
                thread,
                running,
                concurrency,
                ..
            } => Some((k.thread_name(thread).to_string(), running, concurrency)),
            _ => None,
        })
        .collect();
    assert_eq!(over, vec![("W2".to_string(), 3, 2)]);
    for e in k.trace() {
        if let What::PacketDequeued { running, .. } = e.what {
            assert!(running <= 2, "a packet was handed out past the limit");
        }
    }
}

#[test]
fn a_sync_read_completes_exactly_once_and_returns_its_data() {
    let k = run("tour");
    let completions = k
        .trace()
        .iter()
        .filter(|e| matches!(e.what, What::IrpCompleted { .. }))
        .count();
    let s = k.summary();
    assert_eq!(completions as u64, s.counters.irps_issued);
    assert_eq!(s.counters.irps_completed, s.counters.irps_issued);
    assert_eq!(s.counters.bytes_read, 8192);
}

/// Guarantee 1: events due at the same instant happen in the order they were scheduled.
#[test]
fn same_instant_events_happen_in_the_order_they_were_scheduled() {
    // The queue itself: equal times come out in push order, whatever the heap does.
    let mut q = kernel_sim::engine::queue::EventQueue::default();
    for (i, at) in [5u64, 3, 5, 3, 5].into_iter().enumerate() {
        q.push(at, i);
    }
    let order: Vec<usize> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
    assert_eq!(order, vec![1, 3, 0, 2, 4]);
    // And in a run: three threads due at the same instant start in the order the
    // scenario lists them (their start events were scheduled in that order).
    let src = serde_json::json!({
        "name": "same-instant", "description": "three threads due at once",
        "devices": [{"disk": {"name": "disk0", "irq": 14}}],
        "processes": [{"name": "p", "threads": [
            {"name": "C", "start_ns": 1000, "program": [{"compute": {"ns": 10}}]},
            {"name": "A", "start_ns": 1000, "program": [{"compute": {"ns": 10}}]},
            {"name": "B", "start_ns": 1000, "program": [{"compute": {"ns": 10}}]}
        ]}]
    })
    .to_string();
    let sc = iosim::scenario::parse("same-instant.json", &src).unwrap();
    let k = iosim::run(&sc, 1).unwrap();
    let started: Vec<&str> = k
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            What::ThreadCreated { thread, .. } => Some(k.thread_name(thread)),
            _ => None,
        })
        .collect();
    assert_eq!(started, vec!["C", "A", "B"]);
}

/// Guarantee 4: once a DPC is queued on a CPU, no thread resumes there until it has run.
#[test]
fn queued_dpcs_run_before_any_thread_resumes_on_that_cpu() {
    for name in COURSE {
        let k = run(name);
        let mut queued = vec![0u32; k.core().cpus.len()];
        let mut checked = 0;
        for ev in k.trace() {
            let Some(cpu) = ev.cpu else { continue };
            let c = cpu.0 as usize;
            match ev.what {
                What::DpcQueued { .. } => queued[c] += 1,
                What::DpcStarted { .. } => queued[c] -= 1,
                What::ThreadResumed { .. } | What::ContextSwitched { .. } => {
                    assert_eq!(
                        queued[c], 0,
                        "{name}: {:?} on {cpu} with a DPC queued",
                        ev.what
                    );
                    checked += 1;
                }
                ref w if is_thread_code(w) => {
                    assert_eq!(queued[c], 0, "{name}: {w:?} on {cpu} with a DPC queued");
                }
                _ => {}
            }
        }
        assert!(checked > 0, "{name}: no thread resumed");
        // The case that matters: an interrupt that came while a thread ran.
        let interrupted_thread = k.trace().iter().any(|e| {
            matches!(
                e.what,
                What::IsrFinished {
                    dpc_next: true,
                    interrupted: Some(kernel_sim::cpu::FrameKind::Thread { .. }),
                    ..
                }
            )
        });
        if name == "tour" {
            assert!(interrupted_thread, "the tour interrupts a running thread");
        }
    }
}

/// Guarantee 5: an IRP is completed exactly once, and a pended one never inside the
/// dispatch call that pended it (true of iosim; on a multiprocessor Windows, a pended
/// IRP may complete on another CPU before dispatch returns).
#[test]
fn a_pended_irp_completes_once_and_never_inside_its_dispatch_call() {
    for name in COURSE {
        let k = run(name);
        let mut in_dispatch = std::collections::BTreeSet::new();
        let mut completed = std::collections::BTreeSet::new();
        for ev in k.trace() {
            match ev.what {
                What::IrpDispatched { irp, .. } => {
                    in_dispatch.insert(irp);
                }
                What::IoReturned { irp, pending, .. } => {
                    assert!(in_dispatch.remove(&irp));
                    assert_eq!(pending, !completed.contains(&irp), "{name}: {irp}");
                }
                What::IrpCompleted { irp, .. } => {
                    assert!(
                        !in_dispatch.contains(&irp),
                        "{name}: {irp} completed inside its dispatch call"
                    );
                    assert!(completed.insert(irp), "{name}: {irp} completed twice");
                }
                _ => {}
            }
        }
        let s = k.summary();
        assert_eq!(completed.len() as u64, s.counters.irps_issued, "{name}");
        assert!(k.core().irps.is_empty(), "{name}: IRPs live at the end");
    }
}
