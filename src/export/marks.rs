//! The moments the exports mark on a track, beside the spans: what each driver of a
//! stack did with an IRP (on that driver's track), what a thread did to kernel objects
//! and handles and which of its calls failed (on its thread's track), and a device's own
//! events (on its track). The Chrome trace and the SVG draw the same marks.

use kernel_sim::{DeviceId, DriverId, IrpId, Kernel, ThreadId, Time, TraceEvent, What};
use std::collections::BTreeMap;

/// Where a mark goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Track {
    Driver(DriverId),
    Thread(ThreadId),
    Device(DeviceId),
}

/// One marked moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub time: Time,
    pub track: Track,
    /// A few words: "dispatch IRP3", "SetEvent", "PipeBuffered IRP5".
    pub label: String,
    /// The trace position of the event marked, for its sentence.
    pub index: usize,
}

/// The driver tracks, in drawing order: each device's stack, top driver first.
pub fn driver_tracks(k: &Kernel) -> Vec<(DriverId, String)> {
    let core = k.core();
    let mut tracks = Vec::new();
    for (d, stack) in core.stacks.iter().enumerate() {
        let device = k.device_name(DeviceId(d as u16));
        for &driver in stack {
            tracks.push((driver, format!("{device}: {}", k.driver_name(driver))));
        }
    }
    tracks
}

/// Every mark of the run, handed to `out` in trace order, one at a time (a long run's
/// marks are never all held at once).
pub fn each(k: &Kernel, trace: &[TraceEvent], mut out: impl FnMut(Mark)) {
    let core = k.core();
    let function_driver = |device: DeviceId| {
        *core.stacks[device.0 as usize]
            .last()
            .expect("a device has a function driver")
    };
    // The lowest driver each IRP reached: the one that completes it.
    let mut reached: BTreeMap<IrpId, DriverId> = BTreeMap::new();
    for (index, e) in trace.iter().enumerate() {
        let mut mark = |track: Track, label: String| {
            out(Mark {
                time: e.time,
                track,
                label,
                index,
            })
        };
        match e.what {
            What::IrpDispatched { irp, driver, .. } => {
                reached.insert(irp, driver);
                mark(Track::Driver(driver), format!("dispatch {irp}"));
            }
            What::IrpPassedDown { irp, driver, .. } => {
                mark(Track::Driver(driver), format!("pass down {irp}"))
            }
            What::IrpStarted { irp, device } => {
                mark(
                    Track::Driver(function_driver(device)),
                    format!("start {irp}"),
                );
            }
            What::IrpCompleted { irp, .. } => {
                if let Some(&driver) = reached.get(&irp) {
                    mark(Track::Driver(driver), format!("complete {irp}"));
                }
            }
            What::CompletionRoutineRan {
                irp, driver, held, ..
            } => {
                let what = if held { "hold" } else { "completion routine" };
                mark(Track::Driver(driver), format!("{what} {irp}"));
            }
            What::IrpCompletionResumed { irp, driver } => {
                mark(Track::Driver(driver), format!("resume {irp}"))
            }
            What::CancelRoutineRan { irp, driver, .. } => {
                mark(Track::Driver(driver), format!("cancel routine {irp}"))
            }
            What::Device { device, driver, .. } => {
                let label = match e.what.irp() {
                    Some(irp) => format!("{} {irp}", e.what.kind()),
                    None => e.what.kind().to_string(),
                };
                match driver {
                    Some(driver) => mark(Track::Driver(driver), label),
                    None => mark(Track::Device(device), label),
                }
            }
            What::FileOpened { thread, .. }
            | What::HandleClosed { thread, .. }
            | What::ObjectOpened { thread, .. }
            | What::EventSet { thread, .. }
            | What::EventReset { thread, .. }
            | What::SemaphoreReleased { thread, .. }
            | What::WaitReturned { thread, .. }
            | What::TimedOutAtOnce { thread, .. }
            | What::SyscallFailed { thread, .. } => {
                mark(Track::Thread(thread), e.what.kind().to_string())
            }
            What::IrpFreed { irp } => {
                reached.remove(&irp);
            }
            _ => {}
        }
    }
}
