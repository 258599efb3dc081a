//! Wiring: turns a validated scenario into a kernel with its devices, files, processes
//! and thread programs.

use crate::scenario::declare::{Check, Declare, List, Place, walk};
use crate::scenario::device::{Device, Fill, Filter, QueuePolicy};
use crate::scenario::handle_kind::HandleKind;
use crate::scenario::model::Scenario;
use crate::scenario::op::{self as sop, Position};
use crate::scenario::path::JsonPath;
use devices::disk::order::Policy;
use devices::disk::storage;
use devices::disk::{DiskConfig, DiskDriver, DiskHardware};
use devices::filter::ChecksumFilter;
use devices::pipe::{PipeDevice, PipeDriver};
use kernel_sim::thread::Routine;
use kernel_sim::{Costs, IoMode, Irq, Kernel, MachineConfig, OverlappedId, RoutineId, ThreadId};
use std::collections::BTreeMap;
use userland::{ListProgram, Offset, Op, Payload};

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
    for thread in scenario.processes.iter().flat_map(|p| &p.threads) {
        declare_all(&thread.program, &mut found);
    }
    found.0
}

/// Builds the machine a scenario describes, with `seed` for its random streams.
///
/// The scenario must have passed validation: names resolve and values are in range.
pub fn build(scenario: &Scenario, seed: u64) -> Kernel {
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
                };
                let policy = match d.queue {
                    QueuePolicy::Fifo => Policy::Fifo,
                    QueuePolicy::Scan => Policy::Scan,
                    QueuePolicy::Sstf => Policy::Sstf,
                };
                let disk = DiskHardware::new(config);
                let driver = DiskDriver::new(&disk, policy, d.max_segment);
                let id = kernel.add_device(&d.name, Box::new(disk), Box::new(driver));
                for filter in &d.filters {
                    kernel.attach(
                        id,
                        match filter {
                            Filter::Checksum => Box::new(ChecksumFilter::default()),
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
        let routine_ids: BTreeMap<&str, RoutineId> = p
            .routines
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), RoutineId(i as u32)))
            .collect();
        let routines = p
            .routines
            .iter()
            .map(|(name, r)| Routine {
                name: name.clone(),
                cost_ns: r.cost_ns,
            })
            .collect();
        let pid = kernel.add_process(&p.name, routines);
        let mut overlapped = BTreeMap::new();
        for t in &p.threads {
            number_tags(&t.program, &mut overlapped);
        }
        // Threads are numbered in the order they are added: the process's own come next,
        // so `open_thread` can name one that is added after the thread that opens it.
        let first = kernel.core().threads.len();
        let threads: BTreeMap<&str, ThreadId> = p
            .threads
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), ThreadId((first + i) as u32)))
            .collect();
        let names = Names {
            routines: &routine_ids,
            overlapped: &overlapped,
            threads: &threads,
        };
        for t in &p.threads {
            let ops = t.program.iter().map(|op| convert(op, &names)).collect();
            let id = kernel.add_thread(pid, &t.name, t.start_ns, Box::new(ListProgram::new(ops)));
            assert_eq!(
                id,
                threads[t.name.as_str()],
                "threads are numbered in order"
            );
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

/// What a process's names stand for in its programs.
struct Names<'a> {
    routines: &'a BTreeMap<&'a str, RoutineId>,
    /// Each overlapped request tag names one of the process's OVERLAPPED structures.
    overlapped: &'a BTreeMap<String, OverlappedId>,
    /// The process's threads, for `open_thread`.
    threads: &'a BTreeMap<&'a str, ThreadId>,
}

/// Gives every tag the process's programs use an OVERLAPPED of its own, in order of first
/// use (set by a read or write, or named by a wait or a cancel).
fn number_tags(ops: &[sop::Op], ids: &mut BTreeMap<String, OverlappedId>) {
    /// Numbers tags as the ops declare them.
    struct Tags<'m>(&'m mut BTreeMap<String, OverlappedId>);
    impl Tags<'_> {
        fn number(&mut self, tag: &str) -> Check {
            if !self.0.contains_key(tag) {
                let id = OverlappedId(self.0.len() as u32);
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
    declare_all(ops, &mut Tags(ids));
}

/// Tells `d` what every op of `ops` declares. The scenario is valid, so nothing fails.
fn declare_all<'a, D: Declare<'a>>(ops: &'a [sop::Op], d: &mut D) {
    let nowhere = JsonPath::root();
    walk(List::Program(&nowhere), ops, d).expect("a build reads declarations that cannot fail");
}

/// The bytes a write sends, built when it runs (see [`Payload`]).
fn payload(data: &crate::scenario::Data) -> Payload {
    match data {
        crate::scenario::Data::Repeat(r) => Payload::Repeat {
            unit: r.text.as_bytes().into(),
            len: u32::try_from(r.length).expect("validated: a transfer fits in u32"),
        },
        other => Payload::Bytes(other.to_bytes().into()),
    }
}

fn convert(op: &sop::Op, names: &Names<'_>) -> Op {
    if let Some(t) = op.transfer() {
        let offset = match t.position {
            Position::Current => Offset::Current,
            Position::At(o) => Offset::At(o),
            Position::Random(r) => Offset::Random {
                below: r.below,
                align: r.align,
            },
        };
        let mode = match t.completion {
            IoMode::Sync => IoMode::Sync,
            IoMode::Apc(name) => IoMode::Apc(names.routines[name]),
            IoMode::Overlapped(tag) => IoMode::Overlapped(tag.map(|tag| names.overlapped[tag])),
        };
        let file = t.file.to_string();
        return match t.data {
            Some(data) => Op::Write {
                file,
                offset,
                data: payload(data),
                mode,
            },
            None => Op::Read {
                file,
                offset,
                len: t.len as u32,
                mode,
            },
        };
    }
    match op {
        sop::Op::Open(o) => Op::Open {
            path: o.path.clone(),
            bind: o.handle.clone(),
        },
        sop::Op::Close(c) => Op::Close {
            name: c.handle.clone(),
        },
        sop::Op::Wait(w) => Op::Wait {
            overlapped: names.overlapped[w.tag.as_str()],
            alertable: w.alertable,
            timeout_ns: w.timeout_ns,
        },
        sop::Op::Sleep(s) => Op::Sleep {
            ns: s.ns,
            alertable: false,
        },
        sop::Op::SleepEx(s) => Op::Sleep {
            ns: s.ns,
            alertable: s.alertable,
        },
        sop::Op::Compute(c) => Op::Compute { ns: c.ns },
        sop::Op::CreatePort(c) => Op::CreatePort {
            bind: c.port.clone(),
            concurrency: c.concurrency,
        },
        sop::Op::Bind(b) => Op::Bind {
            file: b.file.clone(),
            port: b.port.clone(),
            key: b.key,
        },
        sop::Op::GetQueued(g) => Op::GetQueued {
            port: g.port.clone(),
            timeout_ns: g.timeout_ns,
        },
        sop::Op::Post(p) => Op::Post {
            port: p.port.clone(),
            key: p.key,
            bytes: p.bytes as u32,
        },
        sop::Op::CreateEvent(c) => Op::CreateEvent {
            bind: c.event.clone(),
            manual_reset: c.manual_reset,
            signalled: c.signalled,
        },
        sop::Op::SetEvent(e) => Op::SetEvent {
            event: e.event.clone(),
        },
        sop::Op::ResetEvent(e) => Op::ResetEvent {
            event: e.event.clone(),
        },
        sop::Op::CreateSemaphore(c) => Op::CreateSemaphore {
            bind: c.semaphore.clone(),
            count: c.count,
            max: c.max,
        },
        sop::Op::ReleaseSemaphore(r) => Op::ReleaseSemaphore {
            semaphore: r.semaphore.clone(),
            count: r.count,
        },
        sop::Op::OpenThread(o) => Op::OpenThread {
            thread: names.threads[o.thread.as_str()],
            bind: o.handle.clone(),
        },
        sop::Op::DuplicateHandle(d) => Op::DuplicateHandle {
            handle: d.handle.clone(),
            bind: d.copy.clone(),
        },
        sop::Op::WaitObjects(w) => Op::WaitObjects {
            handles: w.handles.clone().into(),
            all: w.all,
            alertable: w.alertable,
            timeout_ns: w.timeout_ns,
        },
        sop::Op::CancelIo(c) => Op::CancelIo {
            file: c.file.clone(),
        },
        sop::Op::CancelIoEx(c) => Op::CancelIoEx {
            file: c.file.clone(),
            overlapped: c.tag.as_deref().map(|tag| names.overlapped[tag]),
        },
        sop::Op::CreatePipe(c) => Op::CreatePipe {
            read: c.read.clone(),
            write: c.write.clone(),
            capacity: c.capacity,
            name: c.pipe_name(),
        },
        sop::Op::CreateNamedPipe(c) => Op::CreateNamedPipe {
            bind: c.handle.clone(),
            name: c.name.clone(),
            capacity: c.capacity,
        },
        sop::Op::Repeat(r) => Op::Repeat {
            times: r.times,
            ops: r
                .ops
                .iter()
                .map(|o| convert(o, names))
                .collect::<Vec<_>>()
                .into(),
        },
        sop::Op::Exit(_) => Op::Exit,
        sop::Op::Read(_)
        | sop::Op::Write(_)
        | sop::Op::ReadEx(_)
        | sop::Op::WriteEx(_)
        | sop::Op::ReadOverlapped(_)
        | sop::Op::WriteOverlapped(_) => unreachable!("transfers are converted above"),
    }
}
