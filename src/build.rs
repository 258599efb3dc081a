//! Wiring: turns a validated scenario into a kernel with its devices, files, processes
//! and thread programs. A thread's program is its scenario ops, run by
//! [`userland::ListProgram`] with the names of its process numbered here.
//!
//! [`build_with`] builds the same machine with some of its parts written in Rust in place
//! of what the scenario names ([`Parts`]): the build-it-yourself exercises plug a
//! student's code in that way.

use crate::scenario::declare::{Check, Declare, List, Place, walk};
use crate::scenario::device::{Device, Fill, Filter, QueuePolicy};
use crate::scenario::handle_kind::HandleKind;
use crate::scenario::model::Scenario;
use crate::scenario::op::Op;
use crate::scenario::path::JsonPath;
use devices::disk::driver::DpcRoutine;
use devices::disk::order::{OrderPolicy, Policy};
use devices::disk::storage;
use devices::disk::{DiskConfig, DiskDriver, DiskHardware};
use devices::filter::{AuditFilter, ChecksumFilter};
use devices::pipe::{PipeDevice, PipeDriver};
use kernel_sim::thread::Routine;
use kernel_sim::{
    Costs, Irq, Kernel, MachineConfig, OverlappedId, RoutineId, ThreadId, ThreadProgram,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use userland::{ListProgram, Names};

/// The name of the pipe device the build adds to a machine whose programs create pipes.
pub const PIPE_DEVICE: &str = "NamedPipe";

/// Whether any program binds a pipe end, which only a program that creates a pipe can
/// (validation sees to that).
fn uses_pipes(scenario: &Scenario) -> bool {
    /// Finds an op that binds a pipe end.
    struct PipeEnd(bool);
    impl<'a> Declare<'a> for PipeEnd {
        fn binds(&mut self, _: Place<'_>, _: &'a str, kind: HandleKind) -> Check {
            self.0 |= kind.is_pipe();
            Ok(())
        }
    }
    let mut found = PipeEnd(false);
    for process in &scenario.processes {
        for (_, ops) in crate::scenario::model::Routine::ops_at(process, &JsonPath::root()) {
            declare_all(ops, &mut found);
        }
    }
    found.0
}

/// Parts of a machine written in Rust, each taking the place of what the scenario names
/// for it. The scenario format has no way to name them: a scenario run alone gets its
/// own parts.
#[derive(Debug, Default)]
pub struct Parts {
    /// Disk name → the policy that orders its driver's queue, in place of its `queue`.
    pub disk_order: BTreeMap<String, Arc<dyn OrderPolicy>>,
    /// Disk name → the body of its driver's DPC, in place of the driver's own.
    pub disk_dpc: BTreeMap<String, Arc<dyn DpcRoutine>>,
    /// (process name, thread name) → the thread's program, in place of its ops.
    pub programs: BTreeMap<(String, String), Box<dyn ThreadProgram>>,
}

/// Builds the machine a scenario describes, with `seed` for its random streams.
///
/// The scenario must have passed validation: names resolve and values are in range.
pub fn build(scenario: &Scenario, seed: u64) -> Kernel {
    build_with(scenario, seed, &Parts::default())
}

/// As [`build`], with `parts` in place of what the scenario names for them.
///
/// Panics if a part names a disk or thread the scenario does not have: the caller wrote
/// both.
pub fn build_with(scenario: &Scenario, seed: u64, parts: &Parts) -> Kernel {
    let disks: Vec<&str> = scenario
        .devices
        .iter()
        .map(|device| match device {
            Device::Disk(d) => d.name.as_str(),
        })
        .collect();
    for name in parts.disk_order.keys().chain(parts.disk_dpc.keys()) {
        assert!(
            disks.contains(&name.as_str()),
            "a part names disk `{name}`, which the scenario does not have"
        );
    }
    for (process, thread) in parts.programs.keys() {
        assert!(
            scenario
                .processes
                .iter()
                .any(|p| &p.name == process && p.threads.iter().any(|t| &t.name == thread)),
            "a part names thread `{thread}` of process `{process}`, which the scenario does \
             not have"
        );
    }
    let mut kernel = Kernel::new(MachineConfig {
        cpus: scenario.machine.cpus as u16,
        costs: costs(scenario),
        seed,
        byte_budget: scenario.machine.byte_budget,
    });
    let mut devices = BTreeMap::new();
    for device in &scenario.devices {
        match device {
            Device::Disk(d) => {
                let config = DiskConfig {
                    geometry: d.geometry(),
                    fill: match d.fill {
                        Fill::Zero => storage::Fill::Zero,
                        Fill::OffsetPattern => storage::Fill::OffsetPattern,
                    },
                    irq: Irq(d.irq as u8),
                    ring_size: d.ring_size as usize,
                    media_error_ppm: d.media_error_ppm,
                };
                let policy = match d.queue {
                    QueuePolicy::Fifo => Policy::Fifo,
                    QueuePolicy::Scan => Policy::Scan,
                    QueuePolicy::Sstf => Policy::Sstf,
                };
                let disk = DiskHardware::new(config);
                let mut driver = match parts.disk_order.get(&d.name) {
                    Some(order) => DiskDriver::with_order(&disk, Arc::clone(order), d.max_segment),
                    None => DiskDriver::new(&disk, policy, d.max_segment),
                };
                if let Some(dpc) = parts.disk_dpc.get(&d.name) {
                    driver = driver.with_dpc(Arc::clone(dpc));
                }
                let id = kernel.add_device(&d.name, Box::new(disk), Box::new(driver));
                for filter in &d.filters {
                    kernel.attach(
                        id,
                        match filter {
                            Filter::Checksum => Box::new(ChecksumFilter::default()),
                            Filter::Audit => Box::new(AuditFilter::default()),
                        },
                    );
                }
                devices.insert(d.name.clone(), id);
            }
        }
    }
    if uses_pipes(scenario) {
        // After the disks, so their device numbers do not depend on it. Windows keeps
        // every pipe, anonymous ones too, in its named pipe file system, \Device\NamedPipe;
        // the name cannot be a scenario's device name (those are lowercase).
        kernel.add_pipe_device(
            PIPE_DEVICE,
            Box::new(PipeDevice),
            Box::new(PipeDriver::new()),
        );
    }
    for f in &scenario.files {
        let content = f.content.as_ref().map(|c| c.to_bytes()).unwrap_or_default();
        kernel.add_file(&f.name, devices[&f.device], f.offset, f.length, &content);
    }
    for p in &scenario.processes {
        let routines = p
            .routines
            .iter()
            .map(|(name, r)| Routine {
                name: name.clone(),
                cost_ns: r.cost_ns,
            })
            .collect();
        let pid = kernel.add_process(&p.name, routines);
        // Threads are numbered in the order they are added: the process's own come next,
        // so `open_thread` can name one that is added after the thread that opens it.
        let first = kernel.core().threads.len();
        let mut names = Names {
            routines: p
                .routines
                .keys()
                .enumerate()
                .map(|(i, name)| (name.clone(), RoutineId(i as u32)))
                .collect(),
            threads: p
                .threads
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), ThreadId((first + i) as u32)))
                .collect(),
            ..Names::default()
        };
        for (_, ops) in crate::scenario::model::Routine::ops_at(p, &JsonPath::root()) {
            number_tags(ops, &mut names.overlapped, &mut kernel);
        }
        let names = Arc::new(names);
        // The routines that make calls: their ops, by routine number.
        let bodies: BTreeMap<RoutineId, Arc<[Op]>> = p
            .routines
            .values()
            .enumerate()
            .filter(|(_, r)| !r.ops.is_empty())
            .map(|(i, r)| (RoutineId(i as u32), r.ops.as_slice().into()))
            .collect();
        let bodies = Arc::new(bodies);
        for t in &p.threads {
            let program = match parts.programs.get(&(p.name.clone(), t.name.clone())) {
                Some(program) => program.clone(),
                None => Box::new(
                    ListProgram::new(t.program.as_slice().into(), Arc::clone(&names))
                        .with_routines(Arc::clone(&bodies)),
                ),
            };
            let id = kernel.add_thread(pid, &t.name, t.start_ns, program);
            assert_eq!(id, names.threads[&t.name], "threads are numbered in order");
        }
    }
    kernel
}

fn costs(scenario: &Scenario) -> Costs {
    let c = &scenario.machine.costs;
    let d = Costs::default();
    Costs {
        syscall_ns: c.syscall_ns.unwrap_or(d.syscall_ns),
        irp_alloc_ns: c.irp_alloc_ns.unwrap_or(d.irp_alloc_ns),
        dispatch_ns: c.dispatch_ns.unwrap_or(d.dispatch_ns),
        start_io_ns: c.start_io_ns.unwrap_or(d.start_io_ns),
        isr_ns: c.isr_ns.unwrap_or(d.isr_ns),
        dpc_ns: c.dpc_ns.unwrap_or(d.dpc_ns),
        complete_ns: c.complete_ns.unwrap_or(d.complete_ns),
        copy_ns_per_kib: c.copy_ns_per_kib.unwrap_or(d.copy_ns_per_kib),
        context_switch_ns: c.context_switch_ns.unwrap_or(d.context_switch_ns),
        apc_dispatch_ns: c.apc_dispatch_ns.unwrap_or(d.apc_dispatch_ns),
        clock_isr_ns: c.clock_isr_ns.unwrap_or(d.clock_isr_ns),
        bus_ns_per_kib: c.bus_ns_per_kib.unwrap_or(d.bus_ns_per_kib),
        port_ns: c.port_ns.unwrap_or(d.port_ns),
        timeslice_ns: scenario.machine.timeslice_ns,
    }
}

/// Gives every tag the process's programs use an OVERLAPPED of its own, in order of first
/// use (set by a read or write, or named by a wait or a cancel).
/// Numbers the process's tags as its ops declare them; the kernel numbers them across
/// processes, and keeps each one's name for the trace.
fn number_tags(ops: &[Op], ids: &mut BTreeMap<String, OverlappedId>, kernel: &mut Kernel) {
    struct Tags<'m>(&'m mut BTreeMap<String, OverlappedId>, &'m mut Kernel);
    impl Tags<'_> {
        fn number(&mut self, tag: &str) -> Check {
            if !self.0.contains_key(tag) {
                let id = self.1.add_overlapped(tag);
                self.0.insert(tag.to_string(), id);
            }
            Ok(())
        }
    }
    impl<'a> Declare<'a> for Tags<'_> {
        fn binds_tag(&mut self, _: Place<'_>, tag: &'a str) -> Check {
            self.number(tag)
        }
        fn uses_tag(&mut self, _: Place<'_>, tag: &'a str) -> Check {
            self.number(tag)
        }
    }
    declare_all(ops, &mut Tags(ids, kernel));
}

/// Tells `d` what every op of `ops` declares. The scenario is valid, so nothing fails.
fn declare_all<'a, D: Declare<'a>>(ops: &'a [Op], d: &mut D) {
    let nowhere = JsonPath::root();
    walk(List::Program(&nowhere), ops, d).expect("a build reads declarations that cannot fail");
}
