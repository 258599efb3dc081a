//! Each IRP's path through the machine, read from the trace: created by a thread,
//! dispatched to a driver, transferred by a device, announced by an interrupt, completed in
//! a DPC, delivered to a thread. Both pictures draw from it, so they tell the same story.

use kernel_sim::{CpuId, DeviceId, IrpId, Lane, ThreadId, Time, TraceEvent, What};
use std::collections::BTreeMap;

/// One IRP's path. Every moment after creation is `None` if the run ended before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrpPath {
    pub irp: IrpId,
    pub major: &'static str,
    /// When it was built, and for which thread (none for the kernel's own request).
    pub created: (Time, Option<ThreadId>),
    /// When it reached the top of its device's stack (the drivers below get it later).
    pub dispatched: Option<(Time, DeviceId)>,
    pub transfer: Option<(Time, DeviceId)>,
    /// The ISR that took the interrupt announcing the end of its transfer (one interrupt
    /// may announce several).
    pub isr: Option<(Time, CpuId)>,
    pub completed: Option<(Time, CpuId)>,
    /// The first delivery: its wait returned, its APC ran, or its packet was dequeued.
    pub delivered: Option<(Time, ThreadId)>,
    /// When its lifetime ends: delivery, else completion, else the run's end.
    pub end: Time,
    /// The lifetime's row: the first row free when the IRP was created, so lifetimes on
    /// a row never overlap.
    pub row: usize,
}

#[derive(Default)]
struct Partial {
    created: Option<(Time, Option<ThreadId>, &'static str)>,
    dispatched: Option<(Time, DeviceId)>,
    transfer: Option<(Time, DeviceId)>,
    isr: Option<(Time, CpuId)>,
    completed: Option<(Time, CpuId)>,
    delivered: Option<(Time, ThreadId)>,
}

/// Every IRP's path, in id (creation) order, with its lifetime's row.
pub fn paths(trace: &[TraceEvent]) -> Vec<IrpPath> {
    let run_end = trace.last().map_or(0, |e| e.time);
    let mut partial: BTreeMap<IrpId, Partial> = BTreeMap::new();
    // Transfers that ended and whose interrupt no CPU has taken yet, per device.
    let mut awaiting_isr: BTreeMap<DeviceId, Vec<IrpId>> = BTreeMap::new();
    for e in trace {
        match e.what {
            What::IrpCreated {
                irp, thread, major, ..
            } => partial.entry(irp).or_default().created = Some((e.time, thread, major.name())),
            What::IrpDispatched { irp, device, .. } => {
                let p = partial.entry(irp).or_default();
                p.dispatched = p.dispatched.or(Some((e.time, device)));
            }
            What::Device { device, kind, .. } => match (kind.lane, e.what.irp()) {
                (Lane::BeginTransfer, Some(irp)) => {
                    partial.entry(irp).or_default().transfer = Some((e.time, device))
                }
                (Lane::EndTransfer, Some(irp)) => awaiting_isr.entry(device).or_default().push(irp),
                _ => {}
            },
            What::IsrStarted { device, .. } => {
                for irp in awaiting_isr.remove(&device).unwrap_or_default() {
                    partial.entry(irp).or_default().isr = e.cpu.map(|c| (e.time, c));
                }
            }
            What::IrpCompleted { irp, .. } => {
                partial.entry(irp).or_default().completed = e.cpu.map(|c| (e.time, c))
            }
            What::IoDelivered { irp, thread, .. }
            | What::ApcRun {
                irp: Some(irp),
                thread,
                ..
            }
            | What::PacketDequeued {
                irp: Some(irp),
                thread,
                ..
            } => {
                let p = partial.entry(irp).or_default();
                p.delivered = p.delivered.or(Some((e.time, thread)));
            }
            _ => {}
        }
    }
    let mut rows_busy_until: Vec<Time> = Vec::new();
    partial
        .into_iter()
        .filter_map(|(irp, p)| {
            let (created, thread, major) = p.created?;
            let end = p
                .delivered
                .map(|(t, _)| t)
                .or(p.completed.map(|(t, _)| t))
                .unwrap_or(run_end);
            let row = match rows_busy_until.iter().position(|&until| until <= created) {
                Some(row) => row,
                None => {
                    rows_busy_until.push(0);
                    rows_busy_until.len() - 1
                }
            };
            rows_busy_until[row] = end;
            Some(IrpPath {
                irp,
                major,
                created: (created, thread),
                dispatched: p.dispatched,
                transfer: p.transfer,
                isr: p.isr,
                completed: p.completed,
                delivered: p.delivered,
                end,
                row,
            })
        })
        .collect()
}
