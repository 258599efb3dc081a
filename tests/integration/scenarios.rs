//! Every scenario under scenarios/ (benchmarks aside) runs to its end, and its narrated
//! trace is pinned.

use crate::{load, render};
use iosim::output::Format;

#[test]
fn every_scenario_trace_is_pinned() {
    insta::glob!("../../scenarios", "*.json", |path| {
        let loaded = load(path.to_str().unwrap(), &[]);
        insta::assert_snapshot!(render(&loaded, Format::Text));
    });
}

#[test]
fn every_builtin_is_a_scenario_file() {
    for b in iosim::catalog::BUILTINS {
        let on_disk = std::fs::read_to_string(format!("scenarios/{}.json", b.name)).unwrap();
        assert_eq!(on_disk, b.source, "{} differs from its file", b.name);
    }
}

fn seek_ns(queue: &str) -> u64 {
    let loaded = load(
        "scenarios/disk-elevator.json",
        &[&format!("devices.0.disk.queue={queue}")],
    );
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let summary = kernel.summary();
    assert_eq!(summary.counters.irps_completed, 16);
    summary.devices["disk0"]["seek_ns"]
}

#[test]
fn the_elevator_seeks_less_than_fifo() {
    let (fifo, scan, sstf) = (seek_ns("fifo"), seek_ns("scan"), seek_ns("sstf"));
    assert!(
        scan < fifo,
        "SCAN {scan} ns should seek less than FIFO {fifo} ns"
    );
    assert!(
        sstf < fifo,
        "SSTF {sstf} ns should seek less than FIFO {fifo} ns"
    );
    insta::assert_snapshot!(format!("fifo {fifo} ns\nscan {scan} ns\nsstf {sstf} ns"));
}

#[test]
fn the_tour_reads_back_the_file_content() {
    let loaded = load("scenarios/tour.json", &[]);
    let kernel = iosim::run(&loaded.scenario, 1).unwrap();
    let text =
        b"Hello from sector 2048! These bytes travelled disk -> DMA -> IRP buffer -> your program.";
    let mut expected = text.to_vec();
    expected.resize(4096, 0);
    // The file's first 4 KiB: the text, then the disk's offset pattern (1 MiB onward).
    for (i, b) in expected.iter_mut().enumerate().skip(text.len()) {
        let o = 1_048_576u64 + i as u64;
        *b = (o ^ (o >> 8) ^ (o >> 16)) as u8;
    }
    let sum = kernel_sim::io::irp::checksum(&expected);
    let first_read = kernel
        .trace()
        .iter()
        .find_map(|e| match e.what {
            kernel_sim::What::IrpCompleted { checksum, .. } => Some(checksum),
            _ => None,
        })
        .unwrap();
    assert_eq!(first_read, sum, "the bytes read are the bytes on the disk");
}

#[test]
fn the_benchmark_scenarios_are_balanced_when_scaled_down() {
    // 10 passes of each worker's main loop instead of thousands.
    let sets = crate::scaled_bench(10);
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    for bench in ["iocp-throughput", "tui-million"] {
        let loaded = load(&format!("scenarios/bench/{bench}.json"), &sets);
        let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        let s = kernel.summary();
        let reads = 8 * (32 + 10);
        assert_eq!(s.counters.irps_issued, reads, "{bench}");
        assert_eq!(s.counters.irps_completed, reads, "{bench}");
        assert_eq!(s.counters.packets_dequeued, reads, "{bench}");
        assert!(s.threads_blocked_at_end.is_empty(), "{bench}");
    }
}

#[test]
fn the_driver_queue_is_shown_in_the_order_it_will_be_served() {
    use kernel_sim::{DeviceId, What};
    for policy in ["fifo", "scan", "sstf"] {
        let set = format!("devices.0.disk.queue={policy}");
        let loaded = load("scenarios/disk-elevator.json", &[&set]);
        let mut k = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
        // The queue at its longest, and where the trace was then.
        let (mut longest, mut at) = (Vec::new(), 0);
        while k.step() {
            let queue = k.device_view(DeviceId(0)).queues.remove(0).first;
            if queue.len() > longest.len() {
                (longest, at) = (queue, k.trace().len());
            }
        }
        let later = &k.trace()[at..];
        assert!(
            !later
                .iter()
                .any(|e| matches!(e.what, What::IrpQueued { .. })),
            "{policy}: nothing arrives after the queue is longest, so its order is final"
        );
        let started: Vec<_> = later
            .iter()
            .filter_map(|e| match e.what {
                What::IrpStarted { irp, .. } if longest.contains(&irp) => Some(irp),
                _ => None,
            })
            .collect();
        assert!(longest.len() >= 4, "{policy}: {longest:?}");
        assert_eq!(started, longest, "{policy}");
    }
}

#[test]
fn a_long_driver_queue_lists_its_first_irps_and_counts_them_all() {
    use kernel_sim::DeviceId;
    // 100 reads queued at once behind a one-slot ring.
    let sets = [
        "processes.0.threads.0.program.3.repeat.times=100",
        "processes.0.threads.0.program.4.repeat.times=100",
        "devices.0.disk.queue=sstf",
    ];
    let loaded = load("scenarios/disk-elevator.json", &sets);
    let mut k = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let mut longest = 0;
    while k.step() {
        let queue = k.device_view(DeviceId(0)).queues.remove(0);
        assert_eq!(
            queue.first.len(),
            queue.len.min(kernel_sim::device::SHOWN_QUEUE)
        );
        longest = longest.max(queue.len);
    }
    assert!(
        longest > kernel_sim::device::SHOWN_QUEUE,
        "the queue grew to {longest}"
    );
}

#[test]
fn the_big_file_benchmark_runs_when_scaled_down() {
    let loaded = load(
        "scenarios/bench/big-file.json",
        &["processes.0.threads.0.program.1.repeat.times=5"],
    );
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let s = kernel.summary();
    assert_eq!(s.counters.irps_completed, 10);
    assert_eq!(s.counters.bytes_read, 5 * 4096);
    assert_eq!(s.counters.bytes_written, 5 * 4096);
}

/// What cancel-io.json says it shows, read from its trace: each request's fate, by its
/// offset in the file.
#[test]
fn cancel_io_cancels_what_its_description_says() {
    use kernel_sim::What;
    use kernel_sim::io::Status;
    use kernel_sim::io::cancel::CancelReason;
    use std::collections::BTreeMap;
    let loaded = load("scenarios/cancel-io.json", &[]);
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let trace = kernel.trace();
    let mut offsets = BTreeMap::new();
    let mut fate = BTreeMap::new();
    let mut reasons = BTreeMap::new();
    let mut skipped = Vec::new();
    for e in trace {
        match e.what {
            What::IrpCreated { irp, offset, .. } => {
                offsets.insert(irp, offset.unwrap());
            }
            What::IrpCompleted {
                irp, status, bytes, ..
            } => {
                fate.insert(offsets[&irp], (status, bytes, e.time));
            }
            What::IrpCancelRequested { irp, reason, .. } => {
                reasons.insert(offsets[&irp], reason);
            }
            What::Device { kind, .. } if kind.name == "DmaDescriptorSkipped" => {
                skipped.push(offsets[&e.what.irp().unwrap()]);
            }
            _ => {}
        }
    }
    let first_interrupt = trace
        .iter()
        .find(|e| matches!(e.what, What::InterruptRaised { .. }))
        .unwrap()
        .time;
    // CancelIo: the moving read runs to its end, the posted one is skipped by the disk,
    // the queued one completes at once.
    assert_eq!(fate[&0].0, Status::Success);
    assert_eq!(fate[&0].1, 4096);
    assert_eq!(fate[&262_144].0, Status::Cancelled);
    assert!(fate[&524_288].0 == Status::Cancelled && fate[&524_288].2 < first_interrupt);
    assert_eq!(reasons[&524_288], CancelReason::CancelIo);
    // CancelIoEx names one OVERLAPPED: the other read goes on; the second finds nothing.
    assert_eq!(fate[&786_432].0, Status::Cancelled);
    assert_eq!(reasons[&786_432], CancelReason::CancelIoEx);
    assert_eq!(fate[&8192].0, Status::Success);
    assert_eq!(skipped, [262_144, 786_432]);
    let not_found = trace
        .iter()
        .filter(|e| {
            matches!(
                e.what,
                What::SyscallFailed {
                    call: "CancelIoEx",
                    status: Status::NotFound,
                    ..
                }
            )
        })
        .count();
    assert_eq!(not_found, 1);
    // The quitter's exit, and the closer's last close, cancel theirs.
    assert_eq!(reasons[&16_384], CancelReason::ThreadExit);
    assert_eq!(fate[&16_384].0, Status::Cancelled);
    assert_eq!(reasons[&32_768], CancelReason::Cleanup);
    assert_eq!(fate[&32_768].0, Status::Cancelled);
    // Of the closer's two closes, only the second cleans the file object up.
    let closer = kernel
        .core()
        .threads
        .iter()
        .find(|t| t.name == "closer")
        .unwrap()
        .id;
    let closes: Vec<usize> = trace
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.what, What::HandleClosed { thread, .. } if thread == closer))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(closes.len(), 2);
    let cleanup = trace
        .iter()
        .position(|e| matches!(e.what, What::FileCleanup { requests: 1, .. }))
        .unwrap();
    assert_eq!(cleanup, closes[1] + 1);
}

/// A run's trace, and the byte count and status of each request it completed, in order.
fn pipe_run(
    path: &str,
) -> (
    Vec<kernel_sim::TraceEvent>,
    Vec<(u32, kernel_sim::io::Status)>,
) {
    let loaded = load(path, &[]);
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let completed = kernel
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            kernel_sim::What::IrpCompleted { bytes, status, .. } => Some((bytes, status)),
            _ => None,
        })
        .collect();
    (kernel.trace().to_vec(), completed)
}

fn kinds(trace: &[kernel_sim::TraceEvent]) -> Vec<&'static str> {
    trace.iter().map(|e| e.what.kind()).collect()
}

/// What pipe-basics.json says it shows, read from its trace.
#[test]
fn pipe_basics_shows_what_its_description_says() {
    use kernel_sim::What;
    use kernel_sim::io::Status;
    let (trace, completed) = pipe_run("scenarios/pipe-basics.json");
    // "hello" fits; the first read finds it and takes only what is there; the 40-byte write
    // completes once reads have made room for all of it; the reads take 16, 16 and 8; the
    // read waiting when the write end closes breaks.
    let ok = Status::Success;
    assert_eq!(
        completed,
        [
            (5, ok),
            (5, ok),
            (16, ok),
            (16, ok),
            (40, ok),
            (8, ok),
            (0, Status::PipeBroken),
            (0, Status::PipeBroken),
        ]
    );
    let k = kinds(&trace);
    assert_eq!(k.iter().filter(|&&k| k == "PipeRequestWaits").count(), 2);
    assert_eq!(k.iter().filter(|&&k| k == "PipeRefilled").count(), 2);
    // The last read fails at submission: the call itself fails, it never waits.
    let last = trace
        .iter()
        .rev()
        .find(|e| matches!(e.what, What::SyscallFailed { .. }))
        .unwrap();
    assert!(matches!(
        last.what,
        What::SyscallFailed {
            call: "ReadFile",
            status: Status::PipeBroken,
            ..
        }
    ));
    assert_eq!(k.iter().filter(|&&k| k == "IrpPending").count(), 2);
}

/// What pipe-completions.json says it shows, read from its trace: each of the four reads
/// waited, and each reached its caller its own way.
#[test]
fn pipe_completions_shows_every_way_a_read_finishes() {
    use kernel_sim::What;
    use kernel_sim::trace::WakeReason;
    let (trace, completed) = pipe_run("scenarios/pipe-completions.json");
    assert!(
        completed
            .iter()
            .all(|&(_, s)| s == kernel_sim::io::Status::Success),
        "{completed:?}"
    );
    let k = kinds(&trace);
    // Four reads wait on empty pipes, and four writes hand their bytes straight over.
    assert_eq!(k.iter().filter(|&&k| k == "PipeRequestWaits").count(), 4);
    assert_eq!(k.iter().filter(|&&k| k == "PipeHandedOver").count(), 4);
    let woken: Vec<WakeReason> = trace
        .iter()
        .filter_map(|e| match e.what {
            What::ThreadWoken { reason, .. }
                if !matches!(reason, WakeReason::Timeout | WakeReason::SleepOver) =>
            {
                Some(reason)
            }
            _ => None,
        })
        .collect();
    // The synchronous read and the OVERLAPPED's event, the APC, the packet.
    assert_eq!(
        woken,
        [
            WakeReason::IoCompleted,
            WakeReason::IoCompleted,
            WakeReason::Apc,
            WakeReason::Packet
        ]
    );
    assert_eq!(k.iter().filter(|&&k| k == "ApcRun").count(), 1);
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.what, What::PacketDequeued { key: 7, .. }))
    );
}

/// What media-errors.json says it shows: with its seed, one request of each completion
/// path fails and one succeeds, and each failure reaches its caller by that path with
/// STATUS_IO_DEVICE_ERROR and no bytes; another seed fails other transfers.
#[test]
fn media_errors_reach_the_caller_by_its_own_path() {
    use kernel_sim::What;
    use kernel_sim::io::Status;
    let results = |seed: Option<u64>| {
        let loaded = load("scenarios/media-errors.json", &[]);
        let seed = seed.unwrap_or(loaded.scenario.seed);
        let kernel = iosim::run(&loaded.scenario, seed).unwrap();
        // What each caller learned, by path: the blocked call, the routine, the packet
        // (whose byte count is its IRP's completion's).
        let mut bytes = std::collections::BTreeMap::new();
        let mut seen = Vec::new();
        for e in kernel.trace() {
            match e.what {
                What::IrpCompleted {
                    irp, bytes: moved, ..
                } => {
                    bytes.insert(irp, moved);
                }
                What::IoDelivered { status, bytes, .. } => seen.push(("call", status, bytes)),
                What::ApcRun { status, bytes, .. } => seen.push(("routine", status, bytes)),
                What::PacketDequeued {
                    status,
                    irp: Some(irp),
                    ..
                } => seen.push(("packet", status, bytes[&irp])),
                _ => {}
            }
        }
        seen
    };
    assert_eq!(
        results(None),
        [
            ("call", Status::DeviceError, 0),
            ("call", Status::Success, 4096),
            ("routine", Status::Success, 4096),
            ("routine", Status::DeviceError, 0),
            ("packet", Status::DeviceError, 0),
            ("packet", Status::Success, 4096),
        ]
    );
    // The failures come from the disk's seeded stream, not from the scenario's layout.
    let clean = results(Some(6));
    assert_eq!(clean.len(), 6);
    assert!(
        clean
            .iter()
            .all(|&(_, s, b)| s == Status::Success && b == 4096)
    );
}

/// What filter-work-item.json says it shows, for every IRP in order: the checksum filter's
/// routine lets completion go on, the audit filter's holds the IRP and queues a work item,
/// the system worker (of the System process) runs it and the audit filter completes the
/// IRP again, and only then does the caller learn the result.
#[test]
fn filter_work_item_holds_each_irp_until_the_worker_completes_it_again() {
    use kernel_sim::What;
    let loaded = load("scenarios/filter-work-item.json", &[]);
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let worker = kernel
        .core()
        .worker
        .expect("the audit filter brought the worker");
    assert_eq!(
        kernel.core().threads[worker.0 as usize].name,
        "system worker"
    );
    let mut steps: std::collections::BTreeMap<u64, Vec<String>> = Default::default();
    for e in kernel.trace() {
        let (irp, step) = match e.what {
            What::CompletionRoutineRan {
                irp, driver, held, ..
            } => (
                irp,
                format!(
                    "{} {}",
                    kernel.driver_name(driver),
                    if held { "holds" } else { "passes" }
                ),
            ),
            What::WorkItemQueued { irp, driver, .. } => {
                (irp, format!("{} queues", kernel.driver_name(driver)))
            }
            What::WorkItemRan { irp, thread, .. } => {
                assert_eq!(thread, worker);
                (irp, "worker runs".to_owned())
            }
            What::IrpCompletionResumed { irp, driver } => (
                irp,
                format!("{} completes again", kernel.driver_name(driver)),
            ),
            What::IoDelivered { irp, .. } | What::ApcQueued { irp: Some(irp), .. } => {
                (irp, "delivered".to_owned())
            }
            _ => continue,
        };
        steps.entry(irp.0).or_default().push(step);
    }
    assert_eq!(steps.len(), 2, "{steps:?}");
    for (irp, seen) in steps {
        assert_eq!(
            seen,
            [
                "checksum filter passes",
                "audit filter queues",
                "audit filter holds",
                "worker runs",
                "audit filter completes again",
                "delivered"
            ],
            "IRP{irp}"
        );
    }
}

#[test]
fn an_event_s_irp_and_thread_are_its_fields_of_those_names() {
    // What::irp and What::thread read the fields named so; the JSON output writes every
    // field: the two must agree on every event of every scenario.
    let mut checked = (0, 0);
    for path in crate::scenario_paths() {
        let loaded = load(path.to_str().unwrap(), &[]);
        let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
        for e in kernel.trace() {
            let json = serde_json::to_value(e).unwrap();
            let field = |name: &str| json.get(name).and_then(serde_json::Value::as_u64);
            assert_eq!(e.what.kind(), json["kind"], "{e:?}");
            if !matches!(e.what, kernel_sim::What::ContextSwitched { .. }) {
                assert_eq!(
                    e.what.thread().map(|t| u64::from(t.0)),
                    field("thread"),
                    "{e:?}"
                );
            }
            assert_eq!(e.what.irp().map(|i| i.0), field("irp"), "{e:?}");
            checked.0 += usize::from(e.what.irp().is_some());
            checked.1 += usize::from(e.what.thread().is_some());
        }
    }
    assert!(checked.0 > 100 && checked.1 > 100, "{checked:?}");
}
