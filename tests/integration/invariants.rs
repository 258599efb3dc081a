//! Property tests: generated scenarios run step by step, and after every step the
//! kernel's invariants are checked against its state and the new trace events.

use iosim::scenario;
use kernel_sim::cpu::FrameKind;
use kernel_sim::io::Major;
use kernel_sim::{DeviceId, IrpId, Kernel, ThreadId, What};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One generated action of a thread.
#[derive(Debug, Clone)]
enum Gen {
    /// Write a sector run at a slot of the thread's own region, then read it back.
    WriteRead {
        slot: u8,
        sectors: u8,
        fill: u8,
    },
    ReadSync {
        slot: u8,
    },
    /// A synchronous read at a random offset of the whole file (drawn from the seed).
    ReadRandom,
    /// ReadFileEx, then an alertable sleep that may or may not see the routine run.
    ReadEx {
        slot: u8,
        sleep_us: u16,
    },
    /// Several ReadFileEx calls, then one long alertable wait that runs their routines.
    ReadExBurst {
        n: u8,
    },
    Compute {
        us: u16,
    },
    Sleep {
        us: u16,
    },
    /// Reads through the shared completion port, each followed by a dequeue.
    PortIo {
        n: u8,
    },
    /// An overlapped read on the port-bound file, waited on through its own event (the
    /// packet still goes to the port), then a dequeue that never waits.
    WaitBound {
        alertable: bool,
    },
    /// A dequeue with a zero timeout: a packet if one may be taken, WAIT_TIMEOUT if not.
    PollPort,
}

fn gen_op() -> impl Strategy<Value = Gen> {
    prop_oneof![
        (0u8..8, 1u8..9, any::<u8>()).prop_map(|(slot, sectors, fill)| Gen::WriteRead {
            slot,
            sectors,
            fill
        }),
        (0u8..8).prop_map(|slot| Gen::ReadSync { slot }),
        Just(Gen::ReadRandom),
        (0u8..8, 0u16..20_000).prop_map(|(slot, sleep_us)| Gen::ReadEx { slot, sleep_us }),
        (2u8..5).prop_map(|n| Gen::ReadExBurst { n }),
        (1u16..30_000).prop_map(|us| Gen::Compute { us }),
        (1u16..5_000).prop_map(|us| Gen::Sleep { us }),
        (1u8..4).prop_map(|n| Gen::PortIo { n }),
        any::<bool>().prop_map(|alertable| Gen::WaitBound { alertable }),
        Just(Gen::PollPort),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    cpus: u32,
    ring: u32,
    queue: &'static str,
    concurrency: u32,
    timeslice_us: u64,
    /// Checksum filters stacked on the disk.
    filters: usize,
    threads: Vec<(Vec<Gen>, bool)>,
}

fn gen_case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        1u32..4,
        1u32..7,
        prop_oneof![Just("fifo"), Just("scan"), Just("sstf")],
        1u32..3,
        prop_oneof![Just(10_000u64), Just(2_000)],
        0usize..3,
        prop::collection::vec((prop::collection::vec(gen_op(), 0..7), any::<bool>()), 1..5),
    )
        .prop_map(
            |(seed, cpus, ring, queue, concurrency, timeslice_us, filters, threads)| Case {
                seed,
                cpus,
                ring,
                queue,
                concurrency,
                timeslice_us,
                filters,
                threads,
            },
        )
}

const REGION: u64 = 128 * 1024;

fn program(i: usize, ops: &[Gen], exit_early: bool) -> Vec<Value> {
    let base = i as u64 * REGION;
    let at = |slot: u8| base + u64::from(slot) * 8192;
    let mut p = vec![json!({"open": {"path": "f.dat", "as": format!("f{i}")}})];
    let f = format!("f{i}");
    for op in ops {
        match *op {
            Gen::WriteRead {
                slot,
                sectors,
                fill,
            } => {
                let len = u64::from(sectors) * 512;
                p.push(json!({"write": {"file": f, "offset": at(slot),
                    "data": {"repeat": {"text": format!("{fill:02x}!"), "length": len}}}}));
                p.push(json!({"read": {"file": f, "offset": at(slot), "len": len}}));
            }
            Gen::ReadSync { slot } => {
                p.push(json!({"read": {"file": f, "offset": at(slot), "len": 4096}}))
            }
            Gen::ReadRandom => p.push(json!({"read": {"file": f, "len": 512,
                "random_offset": {"below": 1_048_576 - 512, "align": 512}}})),
            Gen::ReadEx { slot, sleep_us } => {
                p.push(json!({"read_ex": {"file": f, "offset": at(slot), "len": 2048, "routine": "done"}}));
                p.push(json!({"sleep_ex": {"ns": u64::from(sleep_us) * 1000, "alertable": true}}));
            }
            Gen::ReadExBurst { n } => {
                for k in 0..n {
                    p.push(json!({"read_ex": {"file": f, "offset": at(k), "len": 1024, "routine": "done"}}));
                }
                p.push(json!({"sleep_ex": {"ns": 80_000_000u64, "alertable": true}}));
            }
            Gen::Compute { us } => p.push(json!({"compute": {"ns": u64::from(us) * 1000}})),
            Gen::Sleep { us } => p.push(json!({"sleep": {"ns": u64::from(us) * 1000}})),
            Gen::WaitBound { alertable } => {
                let tag = format!("w{i}");
                p.push(json!({"read_overlapped": {"file": "pf", "offset": base, "len": 1024, "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "alertable": alertable}}));
                p.push(json!({"get_queued": {"port": "P", "timeout_ns": 0}}));
            }
            Gen::PollPort => p.push(json!({"get_queued": {"port": "P", "timeout_ns": 0}})),
            Gen::PortIo { n } => p.push(json!({"repeat": {"times": n, "ops": [
                {"read_overlapped": {"file": "pf", "offset": base, "len": 1024}},
                {"get_queued": {"port": "P", "timeout_ns": 1_000_000_000u64}}
            ]}})),
        }
    }
    if exit_early {
        // Leave a routine behind: its APC must be discarded, not run.
        p.push(json!({"read_ex": {"file": f, "offset": base, "len": 512, "routine": "done"}}));
        p.push(json!({"exit": {}}));
    }
    p
}

fn scenario_json(case: &Case) -> String {
    let mut threads = vec![json!({"name": "setup", "program": [
        {"create_port": {"as": "P", "concurrency": case.concurrency}},
        {"open": {"path": "f.dat", "as": "pf"}},
        {"bind": {"file": "pf", "port": "P", "key": 5}}
    ]})];
    for (i, (ops, exit_early)) in case.threads.iter().enumerate() {
        threads.push(
            json!({"name": format!("T{i}"), "start_ns": 100_000 + i as u64 * 7_000,
            "program": program(i, ops, *exit_early)}),
        );
    }
    json!({
        "name": "generated",
        "description": "a generated scenario",
        "machine": {"cpus": case.cpus, "timeslice_ns": case.timeslice_us * 1000},
        "devices": [{"disk": {"name": "disk0", "irq": 14, "ring_size": case.ring, "queue": case.queue,
            "filters": vec!["checksum"; case.filters]}}],
        "files": [{"name": "f.dat", "device": "disk0", "offset": 0, "length": 1_048_576}],
        "processes": [{"name": "app", "routines": {"done": {"cost_ns": 3000}}, "threads": threads}]
    })
    .to_string()
}

/// What the checker remembers between steps.
#[derive(Default)]
struct Watch {
    seen: usize,
    /// Each IRP's thread, major function, file offset (none on a pipe) and length.
    created: BTreeMap<IrpId, (ThreadId, Major, Option<u64>, u32)>,
    completed: BTreeMap<IrpId, u64>,
    freed: BTreeSet<IrpId>,
    last_write: BTreeMap<(ThreadId, u64, u32), u64>,
    apcs: BTreeMap<ThreadId, VecDeque<IrpId>>,
    over_seen: BTreeSet<u32>,
    segments: kernel_sim::trace::segments::Segments,
    fed: usize,
}

fn check_step(k: &Kernel, w: &mut Watch) -> Result<(), String> {
    let core = k.core();
    // CPUs: a thread (or the dispatcher) only at the bottom; above it, only ISRs and DPCs.
    for cpu in &core.cpus {
        for f in cpu.frames.iter().skip(1) {
            if matches!(f.kind, FrameKind::Thread { .. } | FrameKind::Switch { .. }) {
                return Err(format!(
                    "{}: thread frame above another: {:?}",
                    cpu.id, cpu.frames
                ));
            }
        }
    }
    for ev in &core.trace[w.seen..] {
        // Thread code and APCs run only with their thread's frame on top of that CPU.
        if let What::ThreadComputed { thread, .. }
        | What::SyscallEntered { thread, .. }
        | What::ApcRun { thread, .. } = ev.what
        {
            let cpu = &core.cpus[ev.cpu.expect("thread events have a CPU").0 as usize];
            if cpu.top() != Some(FrameKind::Thread { thread }) || cpu.in_interrupt_or_dpc() {
                return Err(format!("{:?} ran under {:?}", ev.what, cpu.frames));
            }
        }
        match ev.what {
            What::IrpCreated {
                irp,
                thread,
                major,
                offset,
                len,
            } => {
                // A scenario has no kernel component issuing requests of its own.
                let thread = thread.ok_or(format!("{irp} has no thread"))?;
                w.created.insert(irp, (thread, major, offset, len));
            }
            What::IrpFreed { irp } => {
                // The end of an IRP's life: once, after its completion, and it is gone.
                if !w.completed.contains_key(&irp) || !w.freed.insert(irp) {
                    return Err(format!("{irp} freed twice or before it completed"));
                }
                if core.irps.contains_key(&irp) {
                    return Err(format!("{irp} freed but still live"));
                }
            }
            What::IrpCompleted {
                irp,
                checksum,
                status,
                ..
            } => {
                if w.completed.insert(irp, checksum).is_some() {
                    return Err(format!("{irp} completed twice"));
                }
                let (thread, major, offset, len) = w.created[&irp];
                // Bytes at an offset can be compared with what was written there; a
                // pipe's stream is checked by the pipe's own tests.
                let Some(offset) = offset else {
                    continue;
                };
                if status != kernel_sim::io::Status::Success {
                    // A cancelled request moved no data: nothing to compare. (A cancelled
                    // write may still have reached the disk; nothing is assumed of it.)
                    if major == Major::Write {
                        let end = offset + u64::from(len);
                        w.last_write.retain(|&(t, o, l), _| {
                            t != thread || o + u64::from(l) <= offset || end <= o
                        });
                    }
                    continue;
                }
                match major {
                    Major::Write => {
                        // The write replaces what the thread's earlier writes left in its
                        // range: a read of those no longer expects their bytes.
                        let end = offset + u64::from(len);
                        w.last_write.retain(|&(t, o, l), _| {
                            t != thread || o + u64::from(l) <= offset || end <= o
                        });
                        w.last_write.insert((thread, offset, len), checksum);
                    }
                    Major::Read => {
                        if let Some(&wrote) = w.last_write.get(&(thread, offset, len))
                            && wrote != checksum
                        {
                            return Err(format!("{irp} read back other bytes than were written"));
                        }
                    }
                }
            }
            What::ApcQueued { thread, irp, .. } => w.apcs.entry(thread).or_default().push_back(irp),
            What::ApcRun { thread, irp, .. } | What::ApcDiscarded { thread, irp, .. } => {
                // Discards at queue time (thread already gone) never entered the queue.
                let q = w.apcs.entry(thread).or_default();
                if q.front() == Some(&irp) {
                    q.pop_front();
                } else if matches!(ev.what, What::ApcRun { .. }) || q.contains(&irp) {
                    return Err(format!("APC for {irp} left {thread}'s queue out of order"));
                }
            }
            What::PacketDequeued { port, running, .. } => {
                let p = &core.ports[port.0 as usize];
                if running > p.concurrency {
                    return Err(format!("{port} released a thread past its limit"));
                }
            }
            What::PortRunningOver { port, .. } => {
                w.over_seen.insert(port.0);
            }
            _ => {}
        }
    }
    w.seen = core.trace.len();
    // Ports: the running count is the number of counted threads; it exceeds the limit only
    // after a blocked thread woke (traced as PortRunningOver).
    for p in &core.ports {
        let counted = core
            .threads
            .iter()
            .filter(|t| t.port == Some(p.id) && t.counts_for_port())
            .count() as u32;
        if counted != p.running {
            return Err(format!(
                "{} running {} but {counted} threads count",
                p.id, p.running
            ));
        }
        if p.running > p.concurrency && !w.over_seen.contains(&p.id.0) {
            return Err(format!("{} over its limit with no excess traced", p.id));
        }
    }
    // The timeline lanes rebuilt from the trace agree with the state.
    crate::segments::check(k, &mut w.segments, &mut w.fed)?;
    // Rings: indices in range.
    for d in 0..core.device_names.len() {
        for r in k.device_view(DeviceId(d as u16)).rings {
            let n = r.slots.len() as u16;
            if r.head >= n || r.tail >= n || r.reap >= n {
                return Err(format!("ring index out of range: {r:?}"));
            }
        }
    }
    Ok(())
}

fn run_checked(src: &str, seed: u64) -> Result<Vec<kernel_sim::TraceEvent>, String> {
    let sc = scenario::parse("generated.json", src).map_err(|e| e.render())?;
    let mut k = iosim::build::build(&sc, seed);
    let mut w = Watch::default();
    let mut steps = 0u64;
    while k.step() {
        check_step(&k, &mut w)?;
        steps += 1;
        if steps > 2_000_000 {
            return Err("runaway".into());
        }
    }
    for irp in w.created.keys() {
        if !w.completed.contains_key(irp) {
            return Err(format!("{irp} never completed"));
        }
        if !w.freed.contains(irp) {
            return Err(format!("{irp} never freed"));
        }
    }
    // Nothing is left live but what a blocked thread still waits for.
    for irp in k.core().irps.keys() {
        if !k
            .core()
            .threads
            .iter()
            .any(|t| t.waits_for_irp() == Some(*irp))
        {
            return Err(format!("{irp} is live at the end and nobody waits for it"));
        }
    }
    let blocked = k.summary().threads_blocked_at_end;
    if !blocked.is_empty() {
        return Err(format!("threads still blocked at the end: {blocked:?}"));
    }
    Ok(k.trace().to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(case in gen_case()) {
        let src = scenario_json(&case);
        let first = run_checked(&src, case.seed);
        prop_assert!(first.is_ok(), "{}\nscenario: {src}", first.unwrap_err());
        let again = run_checked(&src, case.seed).unwrap();
        prop_assert_eq!(first.unwrap(), again, "same seed, different trace");
    }
}
