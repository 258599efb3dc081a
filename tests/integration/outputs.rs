//! What a script may rely on in the outputs: the summary's counters count what their
//! documentation says, each interrupt count agreeing with its ISR time.

use crate::load;
use kernel_sim::io::Major;
use kernel_sim::{Kernel, Summary, What};
use std::collections::BTreeMap;

/// How many events of each kind the kept trace of `kernel` holds.
fn kinds(kernel: &Kernel) -> BTreeMap<&'static str, u64> {
    let mut counts = BTreeMap::new();
    for e in kernel.trace() {
        *counts.entry(e.what.kind()).or_default() += 1;
    }
    counts
}

fn run(path: &str, sets: &[&str]) -> (Kernel, Summary) {
    let loaded = load(path, sets);
    let kernel = iosim::run(&loaded.scenario, loaded.scenario.seed).unwrap();
    let summary = kernel.summary();
    (kernel, summary)
}

#[test]
fn the_interrupt_counts_and_isr_times_cover_the_same_interrupts() {
    // Costs that differ, so the clock's ISR time cannot pass for a device's.
    let sets = [
        "machine.costs.isr_ns=3000",
        "machine.costs.clock_isr_ns=700",
    ];
    let mut seen = (0, 0);
    for path in crate::scenario_paths() {
        let (kernel, s) = run(path.to_str().unwrap(), &sets);
        let kinds = kinds(&kernel);
        let count = |kind: &str| kinds.get(kind).copied().unwrap_or(0);
        let name = path.display();
        let c = &s.counters;
        // Each device interrupt is serviced by one device ISR; the clock's by its own.
        assert_eq!(c.device_interrupts, count("InterruptRaised"), "{name}");
        assert_eq!(c.device_interrupts, count("IsrStarted"), "{name}");
        assert_eq!(c.clock_interrupts, count("ClockInterrupt"), "{name}");
        let device_isr: u64 = s.cpus.iter().map(|cpu| cpu.time.device_isr_ns).sum();
        let clock_isr: u64 = s.cpus.iter().map(|cpu| cpu.time.clock_isr_ns).sum();
        assert_eq!(device_isr, c.device_interrupts * 3000, "{name}");
        assert_eq!(clock_isr, c.clock_interrupts * 700, "{name}");
        for cpu in &s.cpus {
            let t = cpu.time;
            let parts = t.thread_ns + t.switch_ns + t.device_isr_ns + t.clock_isr_ns + t.dpc_ns;
            assert_eq!(cpu.busy_ns, parts, "{name}");
            assert!(cpu.busy_ns <= s.sim_time_ns, "{name}");
        }
        seen.0 += c.device_interrupts;
        seen.1 += c.clock_interrupts;
    }
    assert!(seen.0 > 0 && seen.1 > 0, "both kinds occur: {seen:?}");
}

#[test]
fn every_counter_counts_its_event_kind() {
    for path in crate::scenario_paths() {
        let (kernel, s) = run(path.to_str().unwrap(), &[]);
        let kinds = kinds(&kernel);
        let count = |kind: &str| kinds.get(kind).copied().unwrap_or(0);
        let c = &s.counters;
        let pairs = [
            (c.irps_issued, "IrpCreated"),
            (c.irps_completed, "IrpCompleted"),
            (c.device_interrupts, "InterruptRaised"),
            (c.interrupts_coalesced, "InterruptCoalesced"),
            (c.clock_interrupts, "ClockInterrupt"),
            (c.dpcs, "DpcStarted"),
            (c.apcs_run, "ApcRun"),
            (c.apcs_discarded, "ApcDiscarded"),
            (c.packets_queued, "PacketQueued"),
            (c.packets_dequeued, "PacketDequeued"),
            (c.context_switches, "ContextSwitched"),
            (c.preemptions, "ThreadPreempted"),
        ];
        for (counter, kind) in pairs {
            assert_eq!(counter, count(kind), "{} {kind}", path.display());
        }
        assert_eq!(s.events, kernel.trace().len() as u64);
        // Bytes: what completed reads and writes report, by the major of their IRP.
        let mut majors = BTreeMap::new();
        let (mut read, mut written) = (0, 0);
        for e in kernel.trace() {
            match e.what {
                What::IrpCreated { irp, major, .. } => {
                    majors.insert(irp, major);
                }
                What::IrpCompleted { irp, bytes, .. } => match majors[&irp] {
                    Major::Read => read += u64::from(bytes),
                    Major::Write => written += u64::from(bytes),
                },
                _ => {}
            }
        }
        assert_eq!((c.bytes_read, c.bytes_written), (read, written), "{path:?}");
    }
}
