//! The scenario document: machine, devices, files and processes.
//!
//! These types are what a scenario file deserializes into, field for field. Serde checks
//! the shape (names, types, required fields); [`validate`](super::validate()) checks the rules
//! that cross fields. Durations are integer nanoseconds everywhere.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::device::Device;
use super::expect::Expectation;
use super::limits::*;
use super::op::Op;

/// A complete scenario: the machine, its devices, the files stored on them, and the processes
/// whose threads run programs of I/O operations. A run is a pure function of the scenario and
/// the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "iosim scenario")]
pub struct Scenario {
    /// URL or path of a JSON Schema for editors (see `iosim schema`); iosim ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Short name of the scenario: lowercase letters, digits and `-`.
    #[schemars(pattern(SCENARIO_NAME_PATTERN))]
    pub name: String,
    /// One line saying what the scenario shows.
    #[schemars(length(min = 1))]
    pub description: String,
    /// Seed of every random choice in the run; the command line's `--seed` replaces it.
    #[serde(default)]
    pub seed: u64,
    /// CPUs, scheduling and kernel costs. Every field has a default.
    #[serde(default)]
    pub machine: Machine,
    /// The devices, up to 16. Default: none. Pipes need no device here: the machine gets
    /// its pipe device when a program creates a pipe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_DEVICES))]
    pub devices: Vec<Device>,
    /// Named extents of disks that programs can open. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_FILES))]
    pub files: Vec<FileSpec>,
    /// The processes, 1 to 64.
    #[schemars(length(min = 1, max = MAX_PROCESSES))]
    pub processes: Vec<Process>,
    /// What must hold of the run, up to 256 facts: `iosim check` runs the scenario and
    /// says of each whether it held. Default: none (`iosim check` then only validates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_EXPECTATIONS))]
    pub expect: Vec<Expectation>,
}

/// The simulated machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Machine {
    /// Number of CPUs, 1..=64.
    #[serde(default = "default_cpus")]
    #[schemars(range(min = 1, max = MAX_CPUS))]
    pub cpus: u32,
    /// How long a thread may run before the scheduler may switch to another ready thread, ns.
    #[serde(default = "default_timeslice_ns")]
    #[schemars(range(min = 1, max = MAX_NS))]
    pub timeslice_ns: u64,
    /// The run stops with an error after this many trace events, 1..=10^9.
    #[serde(default = "default_event_limit")]
    #[schemars(range(min = 1, max = MAX_EVENT_LIMIT))]
    pub event_limit: u64,
    /// The most bytes of data the run may hold at once, 1 MiB..=16 GiB (default 1 GiB):
    /// file contents and what is written to disks, buffers of requests in flight, and the
    /// kernel's records of requests, packets and APCs. A scenario whose file contents
    /// alone exceed it is refused at load; a run that would exceed it stops with an error.
    #[serde(default = "default_byte_budget")]
    #[schemars(range(min = MIN_BYTE_BUDGET, max = MAX_BYTE_BUDGET))]
    pub byte_budget: u64,
    /// Costs of kernel actions, ns. Each absent field keeps the kernel's documented default.
    #[serde(default)]
    pub costs: Costs,
}

impl Default for Machine {
    fn default() -> Self {
        Self {
            cpus: DEFAULT_CPUS,
            timeslice_ns: DEFAULT_TIMESLICE_NS,
            event_limit: DEFAULT_EVENT_LIMIT,
            byte_budget: DEFAULT_BYTE_BUDGET,
            costs: Costs::default(),
        }
    }
}

/// CPU time charged for kernel actions, in nanoseconds. An absent field means the kernel's
/// default for that action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Entering and leaving the kernel for one system call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub syscall_ns: Option<u64>,
    /// The I/O manager allocating and filling in an IRP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub irp_alloc_ns: Option<u64>,
    /// Passing an IRP to a driver's dispatch routine, per stack location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub dispatch_ns: Option<u64>,
    /// A driver programming the device (DMA descriptors, doorbell) for one request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub start_io_ns: Option<u64>,
    /// One interrupt service routine run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub isr_ns: Option<u64>,
    /// One deferred procedure call run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub dpc_ns: Option<u64>,
    /// Completing one IRP (status, information, waking or queueing the completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub complete_ns: Option<u64>,
    /// Copying one KiB between kernel and user buffers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub copy_ns_per_kib: Option<u64>,
    /// Switching a CPU from one thread to another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub context_switch_ns: Option<u64>,
    /// Delivering one APC to a thread in an alertable wait (before the routine's own cost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub apc_dispatch_ns: Option<u64>,
    /// One clock interrupt (timeslice accounting, timer expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub clock_isr_ns: Option<u64>,
    /// Moving one KiB across the bus by DMA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub bus_ns_per_kib: Option<u64>,
    /// One completion port operation (queue or dequeue a packet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = MAX_NS))]
    pub port_ns: Option<u64>,
}

impl Costs {
    /// Every cost field with its JSON name, in declaration order.
    pub fn fields(&self) -> [(&'static str, Option<u64>); 13] {
        [
            ("syscall_ns", self.syscall_ns),
            ("irp_alloc_ns", self.irp_alloc_ns),
            ("dispatch_ns", self.dispatch_ns),
            ("start_io_ns", self.start_io_ns),
            ("isr_ns", self.isr_ns),
            ("dpc_ns", self.dpc_ns),
            ("complete_ns", self.complete_ns),
            ("copy_ns_per_kib", self.copy_ns_per_kib),
            ("context_switch_ns", self.context_switch_ns),
            ("apc_dispatch_ns", self.apc_dispatch_ns),
            ("clock_isr_ns", self.clock_isr_ns),
            ("bus_ns_per_kib", self.bus_ns_per_kib),
            ("port_ns", self.port_ns),
        ]
    }
}

/// A file: a named, contiguous extent of a disk that programs open by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Name programs use in `open`; unique among files. Letters, digits, `_`, `.` and `-`.
    #[schemars(pattern(LABEL_PATTERN))]
    pub name: String,
    /// Name of the disk that holds the file.
    pub device: String,
    /// Byte offset of the file's first byte on the disk; a multiple of the disk's sector size.
    /// Default 0.
    #[serde(default)]
    pub offset: u64,
    /// Size of the file in bytes, at least 1. The extent must fit on the disk.
    #[schemars(range(min = 1))]
    pub length: u64,
    /// Bytes written at the start of the file before the run begins (at most the file's
    /// length, and at most 64 MiB); the rest of the file keeps the disk's fill. Default:
    /// nothing written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Data>,
}

/// A run of bytes, written as an object with one key saying how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Data {
    /// The UTF-8 bytes of a string.
    Text(String),
    /// Bytes given one by one, each 0..=255.
    Bytes(Vec<u8>),
    /// A string's bytes repeated, the last copy cut short, to exactly `length` bytes.
    Repeat(RepeatedText),
}

/// A string repeated to a given length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatedText {
    /// The string to repeat; not empty.
    #[schemars(length(min = 1))]
    pub text: String,
    /// Total length in bytes.
    pub length: u64,
}

impl Data {
    /// Number of bytes this data stands for, without building them.
    pub fn len(&self) -> u64 {
        match self {
            Data::Text(text) => text.len() as u64,
            Data::Bytes(bytes) => bytes.len() as u64,
            Data::Repeat(repeat) => repeat.length,
        }
    }

    /// True when there are no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes themselves. Call only on validated data: a repeat of an empty string yields
    /// nothing, whatever its length.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Data::Text(text) => text.as_bytes().to_vec(),
            Data::Bytes(bytes) => bytes.clone(),
            Data::Repeat(repeat) => {
                let unit = repeat.text.as_bytes();
                let length = usize::try_from(repeat.length).unwrap_or(usize::MAX);
                unit.iter().copied().cycle().take(length).collect()
            }
        }
    }
}

/// A process: threads that share handles, completion ports and completion routines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Process {
    /// Name of the process, unique among processes.
    #[schemars(pattern(LABEL_PATTERN))]
    pub name: String,
    /// Completion routines by name, for `read_ex` and `write_ex`. A routine runs as an APC on
    /// the thread that issued the I/O, when that thread next waits alertably. Default: none.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys::deserialize"
    )]
    pub routines: BTreeMap<String, Routine>,
    /// The threads, 1 to 256.
    #[schemars(length(min = 1, max = MAX_THREADS))]
    pub threads: Vec<Thread>,
}

/// A completion routine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routine {
    /// CPU time the routine's body takes, ns, on top of the APC delivery cost. Default 0.
    #[serde(default)]
    #[schemars(range(max = MAX_NS))]
    pub cost_ns: u64,
    /// Calls the routine makes, after its cost, when a thread runs it as an APC: any op
    /// but `exit`. It may wait, alertably too (then APCs queued meanwhile run inside it);
    /// when its last op is done it returns to the wait it ran from. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = MAX_OPS))]
    pub ops: Vec<super::op::Op>,
}

impl Routine {
    /// The process's programs a validation or build walks: each thread's, then each
    /// routine's ops, with where they are written.
    pub fn ops_at<'a>(
        process: &'a Process,
        at: &crate::scenario::path::JsonPath,
    ) -> Vec<(crate::scenario::path::JsonPath, &'a [super::op::Op])> {
        let mut lists: Vec<_> = process
            .threads
            .iter()
            .enumerate()
            .map(|(t, thread)| {
                (
                    at.key("threads").index(t).key("program"),
                    thread.program.as_slice(),
                )
            })
            .collect();
        lists.extend(process.routines.iter().map(|(name, routine)| {
            (
                at.key("routines").key(name).key("ops"),
                routine.ops.as_slice(),
            )
        }));
        lists
    }
}

/// A thread and the program it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Thread {
    /// Name of the thread, unique in the whole scenario.
    #[schemars(pattern(LABEL_PATTERN))]
    pub name: String,
    /// Virtual time at which the thread becomes ready, ns. Default 0.
    #[serde(default)]
    #[schemars(range(max = MAX_NS))]
    pub start_ns: u64,
    /// The operations the thread performs, in order (at most 10000). The thread exits after
    /// the last one.
    #[schemars(length(max = MAX_OPS))]
    pub program: Vec<Op>,
}

fn default_cpus() -> u32 {
    DEFAULT_CPUS
}
fn default_timeslice_ns() -> u64 {
    DEFAULT_TIMESLICE_NS
}
fn default_event_limit() -> u64 {
    DEFAULT_EVENT_LIMIT
}
fn default_byte_budget() -> u64 {
    DEFAULT_BYTE_BUDGET
}

/// A map that rejects a key given twice, which plain serde maps silently accept (the later
/// value would win).
mod unique_keys {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

    pub(super) fn deserialize<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
    where
        D: Deserializer<'de>,
        V: Deserialize<'de>,
    {
        struct UniqueKeys<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueKeys<V> {
            type Value = BTreeMap<String, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of named routines")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(A::Error::custom(format_args!("duplicate routine `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.insert(key, value);
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(UniqueKeys(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_cost_can_be_set_and_no_other() {
        // The kernel's `Costs` is the one list of costs and their defaults; the scenario
        // lists the same names (the timeslice is the machine's `timeslice_ns`).
        let kernel = serde_json::to_value(kernel_sim::Costs::default()).expect("serializes");
        let kernel: Vec<&str> = kernel
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .filter(|name| *name != "timeslice_ns")
            .collect();
        let mut scenario: Vec<&str> = Costs::default().fields().iter().map(|f| f.0).collect();
        scenario.sort_unstable();
        assert_eq!(scenario, kernel);
    }
}
