//! The ordering guarantees listed in kernel-sim's crate doc, each checked on a scenario
//! whose trace shows it.

use crate::load;
use kernel_sim::{Kernel, TraceEvent, What};

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

#[test]
fn dpcs_run_before_any_thread_resumes() {
    for name in ["tour", "iocp-thread-pool", "apc-completion-routines"] {
        let k = run(name);
        let mut in_dpc = vec![false; k.core().cpus.len()];
        let mut dpcs = 0;
        for ev in k.trace() {
            let Some(cpu) = ev.cpu else { continue };
            let c = cpu.0 as usize;
            match ev.what {
                What::DpcStarted { .. } => {
                    in_dpc[c] = true;
                    dpcs += 1;
                }
                What::DpcFinished { .. } => in_dpc[c] = false,
                ref w if is_thread_code(w) => {
                    assert!(!in_dpc[c], "{name}: {w:?} on {cpu} during a DPC")
                }
                _ => {}
            }
        }
        assert!(dpcs > 0, "{name} ran no DPC");
    }
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
