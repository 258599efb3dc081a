//! The timeline lanes rebuilt from the trace agree with the kernel's own state after
//! every step: what each CPU runs, what each device transfers, what each line is doing,
//! which threads are ready and which wait.
//! This is what makes the trace enough to draw a run (the walkthrough's strip, exports).

use crate::load;
use kernel_sim::cpu::FrameKind;
use kernel_sim::intr::LineState;
use kernel_sim::thread::ThreadState;
use kernel_sim::trace::segments::{Activity, Lane, Segments};
use kernel_sim::{DeviceId, Kernel};

/// Feeds the events since `fed` and checks every lane against the kernel's state.
pub fn check(k: &Kernel, segments: &mut Segments, fed: &mut usize) -> Result<(), String> {
    let trace = k.trace();
    for (i, e) in trace.iter().enumerate().skip(*fed) {
        segments.push(i, e);
    }
    *fed = trace.len();
    let open = |lane: Lane| {
        segments
            .lane(lane)
            .last()
            .filter(|s| s.end.is_none())
            .map(|s| s.activity)
    };
    let core = k.core();
    for cpu in &core.cpus {
        let want = cpu.top().map(|f| match f {
            FrameKind::Thread { thread } => Activity::Thread(thread),
            FrameKind::Switch { to, .. } => Activity::Switch { to },
            FrameKind::Isr { device, .. } => Activity::Isr(device),
            FrameKind::Clock => Activity::Clock,
            FrameKind::Dpc { device } | FrameKind::DpcTail { device } => Activity::Dpc(device),
        });
        let got = open(Lane::Cpu(cpu.id));
        if got != want {
            return Err(format!(
                "{}: lane shows {got:?}, kernel runs {want:?}",
                cpu.id
            ));
        }
    }
    for d in 0..core.device_names.len() {
        let id = DeviceId(d as u16);
        let want = k
            .device_view(id)
            .in_flight
            .map(|(irp, _)| Activity::Transfer(irp));
        let got = open(Lane::Device(id));
        if got != want {
            return Err(format!("{id}: lane shows {got:?}, device has {want:?}"));
        }
    }
    for line in core.lines.values() {
        let want = match line.state {
            LineState::Idle => None,
            LineState::Raised => Some(Activity::Raised),
            LineState::InService { cpu } => Some(Activity::InService(cpu)),
        };
        let got = open(Lane::Line(line.irq));
        if got != want {
            return Err(format!(
                "{}: lane shows {got:?}, line is {want:?}",
                line.irq
            ));
        }
    }
    for thread in &core.threads {
        let want = match thread.state {
            ThreadState::Ready => Some(Activity::Ready),
            ThreadState::Waiting { reason, .. } => Some(Activity::Waiting(reason)),
            ThreadState::NotStarted | ThreadState::Running { .. } | ThreadState::Terminated => None,
        };
        let got = open(Lane::Thread(thread.id));
        if got != want {
            return Err(format!(
                "{}: lane shows {got:?}, thread is {:?}",
                thread.name, thread.state
            ));
        }
    }
    for lane in segments.lanes() {
        let s = segments.lane(lane);
        for pair in s.windows(2) {
            let (end, _) = pair[0]
                .end
                .ok_or_else(|| format!("{lane:?}: a segment before the last is open"))?;
            if end > pair[1].start || end < pair[0].start {
                return Err(format!("{lane:?}: segments overlap: {pair:?}"));
            }
        }
    }
    Ok(())
}

#[test]
fn lanes_rebuilt_from_the_trace_match_the_kernel_after_every_step() {
    let names = crate::scenario_paths();
    assert!(names.len() >= 4);
    for path in names {
        let loaded = load(path.to_str().unwrap(), &[]);
        let mut k = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
        let (mut segments, mut fed) = (Segments::new(), 0);
        let mut steps = 0;
        while k.step() {
            steps += 1;
            if let Err(e) = check(&k, &mut segments, &mut fed) {
                panic!("{}, step {steps}: {e}", path.display());
            }
        }
        // Only a disk interrupts; a scenario of pipes has no ISR to show.
        let cpu0 = segments.lane(Lane::Cpu(kernel_sim::CpuId(0)));
        assert_eq!(
            cpu0.iter().any(|s| matches!(s.activity, Activity::Isr(_))),
            !loaded.scenario.devices.is_empty(),
            "{}: an ISR shows on cpu0 when there is a disk",
            path.display()
        );
    }
}
