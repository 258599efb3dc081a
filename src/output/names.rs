//! The name tables of `--format json` and `jsonl`: for every number a trace event
//! carries as an id, what it names.
//!
//! Events are stored and printed with ids, not names ([`kernel_sim::trace`]), so a
//! reader of the JSON needs a table to say that thread 3 is `W2` of process `server`, or
//! that routine 1 of that process is `on_read`. [`Names::of`] reads the tables from a
//! kernel. Some objects are made during the run (ports, pipes and their files, file
//! objects, event and semaphore objects), so tables read before the run would miss
//! them; the streamed formats read them from the kernel of their silent first pass,
//! finished, which is complete for the whole run and costs no memory per event. Ids are
//! never reused within a run, so one table serves every event.
//!
//! Each table is a JSON object keyed by the id as a decimal string, in numeric order,
//! and every entry is an object with at least a `name`. [`ID_FIELDS`] says which event
//! fields hold which table's ids.

use kernel_sim::{DeviceId, DriverId, Kernel};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which table each id-carrying event field refers to: (field, table), wherever the field
/// is, nested ones included (`interrupted`, `returned`). A field's value may be null (no
/// such object). `object` holds either a file object's number or a handle object
/// (`{"type": "port", "id": 2}`), which refers to the table its `type` names (see
/// [`OBJECT_TYPES`]). `routine` is looked up in the `routines` of the process of the
/// event's `thread`.
///
/// Two kinds of numbers have no table, as the events that make them define them: an
/// `irp` is numbered by its `IrpCreated` event, and a `handle` (a number in one
/// process's handle table, never reused in a run) by the `FileOpened`, `ObjectOpened` or
/// `PortCreated` event that made it, which names the object it refers to.
pub const ID_FIELDS: &[(&str, &str)] = &[
    ("cpu", "cpus"),
    ("thread", "threads"),
    ("from", "threads"),
    ("to", "threads"),
    ("process", "processes"),
    ("routine", "routines"),
    ("device", "devices"),
    ("driver", "drivers"),
    ("irq", "irqs"),
    ("file", "files"),
    ("object", "file_objects"),
    ("server_end", "file_objects"),
    ("client_end", "file_objects"),
    ("port", "ports"),
    ("event", "event_objects"),
    ("semaphore", "semaphores"),
    ("overlapped", "overlapped"),
    ("client", "clients"),
];

/// The table each `type` of a handle object (`{"type": ..., "id": ...}`) refers to.
pub const OBJECT_TYPES: &[(&str, &str)] = &[
    ("file", "file_objects"),
    ("port", "ports"),
    ("event", "event_objects"),
    ("semaphore", "semaphores"),
    ("thread", "threads"),
];

/// What each id of a run names. See the module doc and `docs/outputs.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    /// Processors: `cpu0`, `cpu1`, ...
    pub cpus: BTreeMap<u16, Named>,
    /// Processes, with their completion routines.
    pub processes: BTreeMap<u32, ProcessNames>,
    /// Threads, with the process each belongs to.
    pub threads: BTreeMap<u32, Owned>,
    /// Devices: each one's interrupt line (none for a device without one, such as the
    /// pipe device) and driver stack, top driver first.
    pub devices: BTreeMap<u16, DeviceNames>,
    /// Driver objects, with the device each is attached to.
    pub drivers: BTreeMap<u16, DriverNames>,
    /// Interrupt lines, by IRQ number, with the device that raises each.
    pub irqs: BTreeMap<u8, IrqNames>,
    /// Files: the scenario's files and the pipes made during the run (all instances of
    /// a named pipe are one file), with the device each lies on.
    pub files: BTreeMap<u32, FileNames>,
    /// File objects (open instances of a file), named as the text output names them
    /// (`FO3`), with their file.
    pub file_objects: BTreeMap<u32, FileObjectNames>,
    /// Completion ports, by the name their CreateIoCompletionPort gave them, with the
    /// process that created each.
    pub ports: BTreeMap<u32, Owned>,
    /// Event objects (CreateEvent), by the scenario's name.
    pub event_objects: BTreeMap<u32, Named>,
    /// Semaphores, by the scenario's name.
    pub semaphores: BTreeMap<u32, Named>,
    /// OVERLAPPED structures, by the scenario's tag; numbered from 1.
    pub overlapped: BTreeMap<u32, Named>,
    /// Kernel components that send requests of their own (none in a scenario's run).
    pub clients: BTreeMap<u16, Named>,
}

/// A table entry that is only a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub name: String,
}

/// A thread or a port: its name and the process it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owned {
    pub name: String,
    pub process: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessNames {
    pub name: String,
    /// The process's completion routines, by routine number (the `routine` of its
    /// threads' APC events).
    pub routines: BTreeMap<u32, Named>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceNames {
    pub name: String,
    /// Its interrupt line's IRQ number, if it has one.
    pub irq: Option<u8>,
    /// Its driver stack, top driver first; the last is the function driver.
    pub drivers: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriverNames {
    pub name: String,
    pub device: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IrqNames {
    /// `IRQ14`, as the text output names it.
    pub name: String,
    pub device: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileNames {
    pub name: String,
    pub device: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileObjectNames {
    pub name: String,
    pub file: u32,
}

impl Names {
    /// The tables of everything `kernel` has made so far: of a finished run's kernel,
    /// every id its events carry.
    pub fn of(kernel: &Kernel) -> Names {
        let core = kernel.core();
        let named = |name: &str| Named {
            name: name.to_string(),
        };
        Names {
            cpus: core
                .cpus
                .iter()
                .map(|c| (c.id.0, named(&c.id.to_string())))
                .collect(),
            processes: core
                .processes
                .iter()
                .map(|p| {
                    let routines = (0u32..)
                        .zip(&p.routines)
                        .map(|(i, r)| (i, named(&r.name)))
                        .collect();
                    let names = ProcessNames {
                        name: p.name.clone(),
                        routines,
                    };
                    (p.id.0, names)
                })
                .collect(),
            threads: core
                .threads
                .iter()
                .map(|t| {
                    let owned = Owned {
                        name: t.name.clone(),
                        process: t.process.0,
                    };
                    (t.id.0, owned)
                })
                .collect(),
            devices: (0u16..)
                .zip(&core.device_names)
                .map(|(i, name)| {
                    let irq = core.lines.values().find(|l| l.device == DeviceId(i));
                    let names = DeviceNames {
                        name: name.clone(),
                        irq: irq.map(|l| l.irq.0),
                        drivers: core.stacks[i as usize].iter().map(|d| d.0).collect(),
                    };
                    (i, names)
                })
                .collect(),
            drivers: (0u16..)
                .zip(&core.driver_devices)
                .map(|(i, device)| {
                    let names = DriverNames {
                        name: kernel.driver_name(DriverId(i)).to_string(),
                        device: device.0,
                    };
                    (i, names)
                })
                .collect(),
            irqs: core
                .lines
                .values()
                .map(|l| {
                    let names = IrqNames {
                        name: l.irq.to_string(),
                        device: l.device.0,
                    };
                    (l.irq.0, names)
                })
                .collect(),
            files: core
                .files
                .iter()
                .map(|f| {
                    let names = FileNames {
                        name: f.name.clone(),
                        device: f.device.0,
                    };
                    (f.id.0, names)
                })
                .collect(),
            file_objects: core
                .file_objects
                .iter()
                .map(|fo| {
                    let names = FileObjectNames {
                        name: fo.id.to_string(),
                        file: fo.file.0,
                    };
                    (fo.id.0, names)
                })
                .collect(),
            ports: core
                .ports
                .iter()
                .map(|p| {
                    let owned = Owned {
                        name: p.name.clone(),
                        process: p.process.0,
                    };
                    (p.id.0, owned)
                })
                .collect(),
            event_objects: core
                .event_objects
                .iter()
                .map(|e| (e.id.0, named(&e.name)))
                .collect(),
            semaphores: core
                .semaphores
                .iter()
                .map(|s| (s.id.0, named(&s.name)))
                .collect(),
            overlapped: (0u32..)
                .zip(&core.overlapped_tags)
                .map(|(i, tag)| (kernel_sim::OverlappedId::nth(i).0.get(), named(tag)))
                .collect(),
            clients: kernel
                .client_names()
                .enumerate()
                .map(|(i, name)| (i as u16, named(name)))
                .collect(),
        }
    }
}
