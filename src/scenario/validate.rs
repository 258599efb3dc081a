//! The rules a well-formed scenario must also follow.
//!
//! serde has already checked names, types and required fields. These checks cross fields:
//! ranges, unique names, references between devices, files and ops, and transfers that
//! would run off the end of a file. Each error carries the JSON path of the value at fault;
//! [`parse`](super::parse) turns that path into a line and column.
//!
//! The checks run in document order, so the first error reported is the first one a reader
//! meets, with one exception: the names a process binds (handles of every kind, tags) are
//! gathered over all its threads before any op that uses them is checked, because a thread
//! may use a name that another thread of the process binds. A name keeps one kind
//! ([`HandleKind`]) wherever it is bound; a `duplicate_handle` takes the kind of the name it
//! copies, once every other binding is known.
//!
//! The expectations' rules are beside their forms, in [`expect`](super::expect), and are
//! checked last, once the threads and ports they name are known.
//!
//! The ops' rules are not here: each op declares them beside its form (see `declare`), and
//! this module reads the declarations. It holds the readers (the scenario's named pipes, a
//! process's `Bindings`, and the `Checker` of uses, numbers and the ops' own rules, which
//! see the process through a `Context`) and the checks of everything that is not an op.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::declare::{Check, Declare, List, Place, walk};
use super::device::{Culprit, Device, Disk};
use super::echo;
use super::error::{Problem, ScenarioError};
use super::handle_kind::{HandleKind, Wanted};
use super::limits::*;
use super::model::{Data, FileSpec, Process, Routine, Scenario};
use super::op::Op;
use super::path::{JsonPath, PathSegment};

/// Checks every rule of the format that serde cannot. Returns the first error, with the
/// path of the offending value but no line or column (the scenario has no source text);
/// [`parse`](super::parse) and [`load`](super::load) add those.
pub fn validate(scenario: &Scenario) -> Check {
    let root = JsonPath::root();
    name(
        &root.key("name"),
        &scenario.name,
        "scenario",
        NameRule::Scenario,
    )?;
    if scenario.description.trim().is_empty()
        || scenario.description.chars().any(echo::acts_on_a_terminal)
    {
        return Err(ScenarioError::invalid(
            root.key("description"),
            Problem::BadDescription,
        ));
    }
    machine(scenario)?;
    devices(scenario)?;
    files(scenario)?;
    processes(scenario)?;
    super::expect::validate(scenario)
}

fn machine(scenario: &Scenario) -> Check {
    let at = JsonPath::root().key("machine");
    let m = &scenario.machine;
    range(&at.key("cpus"), m.cpus.into(), 1, MAX_CPUS)?;
    range(&at.key("timeslice_ns"), m.timeslice_ns, 1, MAX_NS)?;
    range(&at.key("event_limit"), m.event_limit, 1, MAX_EVENT_LIMIT)?;
    range(
        &at.key("byte_budget"),
        m.byte_budget,
        MIN_BYTE_BUDGET,
        MAX_BYTE_BUDGET,
    )?;
    let costs = at.key("costs");
    for (field, value) in m.costs.fields() {
        if let Some(value) = value {
            range(&costs.key(field), value, 0, MAX_NS)?;
        }
    }
    Ok(())
}

fn devices(scenario: &Scenario) -> Check {
    let at = JsonPath::root().key("devices");
    // No device is fine: a scenario of pipes and kernel objects needs no disk, and the
    // machine gets its pipe device from the build when a program creates a pipe.
    count(&at, "devices", scenario.devices.len(), 0, MAX_DEVICES)?;
    let mut names: BTreeMap<&str, JsonPath> = BTreeMap::new();
    let mut irqs: BTreeMap<u32, &str> = BTreeMap::new();
    for (i, device) in scenario.devices.iter().enumerate() {
        let here = at.index(i).key(device.kind());
        let name_at = here.key("name");
        name(&name_at, device.name(), "device", NameRule::Device)?;
        if let Some(first) = names.get(device.name()) {
            return Err(duplicate(name_at, "device", device.name(), first));
        }
        names.insert(device.name(), name_at);
        range(&here.key("irq"), device.irq().into(), 0, MAX_IRQ)?;
        if let Some(other) = irqs.get(&device.irq()) {
            return Err(ScenarioError::invalid(
                here.key("irq"),
                Problem::DuplicateIrq {
                    irq: device.irq(),
                    other: (*other).to_owned(),
                },
            ));
        }
        irqs.insert(device.irq(), device.name());
        match device {
            Device::Disk(disk) => {
                let size = u64::from(disk.sector_size);
                range(
                    &here.key("sector_size"),
                    size,
                    MIN_SECTOR_SIZE,
                    MAX_SECTOR_SIZE,
                )?;
                if !size.is_power_of_two() {
                    return Err(ScenarioError::invalid(
                        here.key("sector_size"),
                        Problem::NotPowerOfTwo {
                            field: "sector_size".to_owned(),
                            found: size,
                        },
                    ));
                }
                range(
                    &here.key("sectors_per_track"),
                    disk.sectors_per_track.into(),
                    1,
                    MAX_SECTORS_PER_TRACK,
                )?;
                range(&here.key("tracks"), disk.tracks.into(), 1, MAX_TRACKS)?;
                range(&here.key("rpm"), disk.rpm.into(), 1, MAX_RPM)?;
                range(&here.key("seek_settle_ns"), disk.seek_settle_ns, 0, MAX_NS)?;
                range(
                    &here.key("seek_ns_per_track"),
                    disk.seek_ns_per_track,
                    0,
                    MAX_NS,
                )?;
                range(
                    &here.key("ring_size"),
                    disk.ring_size.into(),
                    1,
                    MAX_RING_SIZE,
                )?;
                range(
                    &here.key("max_segment"),
                    disk.max_segment.into(),
                    MIN_SEGMENT,
                    MAX_SEGMENT,
                )?;
                range(
                    &here.key("media_error_ppm"),
                    disk.media_error_ppm.into(),
                    0,
                    MAX_MEDIA_ERROR_PPM,
                )?;
                count(
                    &here.key("filters"),
                    "filters",
                    disk.filters.len(),
                    0,
                    MAX_FILTERS,
                )?;
                disk_access_time(&here, disk, scenario)?;
            }
        }
    }
    Ok(())
}

/// Where an `exit` op is in `ops` (at `at`), repeats included.
fn exit_in(ops: &[Op], at: JsonPath) -> Option<JsonPath> {
    ops.iter().enumerate().find_map(|(i, op)| match op {
        Op::Exit(_) => Some(at.index(i).key("exit")),
        Op::Repeat(repeat) => exit_in(&repeat.ops, at.index(i).key("repeat").key("ops")),
        _ => None,
    })
}

/// Refuses a disk whose slowest single access would outlast [`MAX_NS`], so that the disk
/// model never produces an absurd delay. Run after the disk's ranges are checked.
fn disk_access_time(at: &JsonPath, disk: &Disk, scenario: &Scenario) -> Check {
    let bus_ns_per_kib = scenario
        .machine
        .costs
        .bus_ns_per_kib
        .unwrap_or(kernel_sim::Costs::default().bus_ns_per_kib);
    let slowest = disk.slowest_access(bus_ns_per_kib);
    if slowest.total_ns() <= u128::from(MAX_NS) {
        return Ok(());
    }
    let path = match slowest.culprit {
        Culprit::Disk(field) => at.key(field),
        Culprit::Bus => JsonPath::root()
            .key("machine")
            .key("costs")
            .key("bus_ns_per_kib"),
    };
    Err(ScenarioError::invalid(
        path,
        Problem::DiskAccessTooSlow {
            disk: disk.name.clone(),
            seek_ns: slowest.seek_ns,
            rotation_ns: slowest.rotation_ns,
            transfer_ns: slowest.transfer_ns,
            bytes: slowest.bytes,
            field: slowest.culprit.name(),
        },
    ))
}

fn files(scenario: &Scenario) -> Check {
    let at = JsonPath::root().key("files");
    count(&at, "files", scenario.files.len(), 0, MAX_FILES)?;
    let mut names: BTreeMap<&str, JsonPath> = BTreeMap::new();
    let mut contents: u64 = 0;
    for (i, file) in scenario.files.iter().enumerate() {
        let here = at.index(i);
        let name_at = here.key("name");
        name(&name_at, &file.name, "file", NameRule::Label)?;
        if let Some(first) = names.get(file.name.as_str()) {
            return Err(duplicate(name_at, "file", &file.name, first));
        }
        names.insert(&file.name, name_at);

        let Some(device) = scenario.devices.iter().find(|d| d.name() == file.device) else {
            return Err(ScenarioError::invalid(
                here.key("device"),
                Problem::UnknownDevice {
                    name: file.device.clone(),
                    known: scenario
                        .devices
                        .iter()
                        .map(|d| d.name().to_owned())
                        .collect(),
                },
            ));
        };
        let Some(disk) = device.as_disk() else {
            return Err(ScenarioError::invalid(
                here.key("device"),
                Problem::NotADisk {
                    name: file.device.clone(),
                    kind: device.kind(),
                },
            ));
        };
        if file.offset % u64::from(disk.sector_size.max(1)) != 0 {
            return Err(ScenarioError::invalid(
                here.key("offset"),
                Problem::Misaligned {
                    offset: file.offset,
                    sector_size: disk.sector_size,
                },
            ));
        }
        range(&here.key("length"), file.length, 1, u64::MAX)?;
        let end = file.offset.saturating_add(file.length);
        if end > disk.capacity() {
            let culprit = if file.offset >= disk.capacity() {
                "offset"
            } else {
                "length"
            };
            return Err(ScenarioError::invalid(
                here.key(culprit),
                Problem::FilePastDiskEnd {
                    file: file.name.clone(),
                    end,
                    disk: disk.name.clone(),
                    capacity: disk.capacity(),
                },
            ));
        }
        if let Some(content) = &file.content {
            let content_at = here.key("content");
            data(&content_at, content)?;
            if content.len() > MAX_CONTENT {
                return Err(ScenarioError::invalid(
                    content_at,
                    Problem::OutOfRange {
                        field: "content length".to_owned(),
                        min: 0,
                        max: MAX_CONTENT,
                        found: content.len(),
                    },
                ));
            }
            if content.len() > file.length {
                return Err(ScenarioError::invalid(
                    content_at,
                    Problem::ContentTooLong {
                        content: content.len(),
                        length: file.length,
                    },
                ));
            }
            // The disks hold every file's content from the start: together they must
            // fit in the run's byte budget.
            contents = contents.saturating_add(content.len());
            if contents > scenario.machine.byte_budget {
                return Err(ScenarioError::invalid(
                    content_at,
                    Problem::OverByteBudget {
                        contents,
                        budget: scenario.machine.byte_budget,
                    },
                ));
            }
        }
    }
    Ok(())
}

/// Rules every data value follows: a repeat of nothing cannot fill a length.
pub(crate) fn data(at: &JsonPath, data: &Data) -> Check {
    if let Data::Repeat(repeat) = data
        && repeat.text.is_empty()
        && repeat.length > 0
    {
        return Err(ScenarioError::invalid(
            at.key("repeat").key("text"),
            Problem::EmptyRepeatText {
                length: repeat.length,
            },
        ));
    }
    Ok(())
}

fn processes(scenario: &Scenario) -> Check {
    let at = JsonPath::root().key("processes");
    count(&at, "processes", scenario.processes.len(), 1, MAX_PROCESSES)?;
    // Named pipes are the machine's, not a process's: any process may open one.
    let mut pipes = NamedPipes::default();
    for (i, process) in scenario.processes.iter().enumerate() {
        for (program_at, ops) in Routine::ops_at(process, &at.index(i)) {
            walk(List::Program(&program_at), ops, &mut pipes)?;
        }
    }
    let mut names: BTreeMap<&str, JsonPath> = BTreeMap::new();
    let mut threads: BTreeMap<&str, JsonPath> = BTreeMap::new();
    for (i, process) in scenario.processes.iter().enumerate() {
        let here = at.index(i);
        let name_at = here.key("name");
        name(&name_at, &process.name, "process", NameRule::Label)?;
        if let Some(first) = names.get(process.name.as_str()) {
            return Err(duplicate(name_at, "process", &process.name, first));
        }
        names.insert(&process.name, name_at);

        for (routine, spec) in &process.routines {
            let routine_at = here.key("routines").key(routine);
            name(&routine_at, routine, "routine", NameRule::Label).map_err(key_error)?;
            range(&routine_at.key("cost_ns"), spec.cost_ns, 0, MAX_NS)?;
        }

        let threads_at = here.key("threads");
        count(
            &threads_at,
            "threads",
            process.threads.len(),
            1,
            MAX_THREADS,
        )?;
        for (t, thread) in process.threads.iter().enumerate() {
            let thread_at = threads_at.index(t);
            let name_at = thread_at.key("name");
            name(&name_at, &thread.name, "thread", NameRule::Label)?;
            if let Some(first) = threads.get(thread.name.as_str()) {
                return Err(duplicate(name_at, "thread", &thread.name, first));
            }
            threads.insert(&thread.name, name_at);
            range(&thread_at.key("start_ns"), thread.start_ns, 0, MAX_NS)?;
        }

        let mut bindings = Bindings::default();
        let programs = Routine::ops_at(process, &at.index(i));
        for (program_at, ops) in &programs {
            walk(List::Program(program_at), ops, &mut bindings)?;
        }
        bindings.resolve_duplicates()?;
        let mut checker = Checker(Context {
            scenario,
            process,
            bindings: &bindings,
            pipes: &pipes.0,
        });
        for (program_at, ops) in &programs {
            count(program_at, "ops", ops.len(), 0, MAX_OPS)?;
            walk(List::Program(program_at), ops, &mut checker)?;
        }
        // A routine returns to the wait it ran from; ExitThread inside one is not modelled.
        for (name, routine) in &process.routines {
            if let Some(path) = exit_in(
                &routine.ops,
                at.index(i).key("routines").key(name).key("ops"),
            ) {
                return Err(ScenarioError::invalid(
                    path,
                    Problem::ExitInRoutine {
                        routine: name.clone(),
                    },
                ));
            }
        }
    }
    Ok(())
}

/// Whether `open` names a named pipe rather than a file: by its prefix, as CreateFile
/// tells them apart. No file can be so named (file names have no backslash).
pub(crate) fn is_pipe_name(path: &str) -> bool {
    path.starts_with(PIPE_PREFIX)
}

/// The names of the named pipes the scenario's ops create, in any process.
#[derive(Default)]
struct NamedPipes<'a>(BTreeSet<&'a str>);

impl<'a> Declare<'a> for NamedPipes<'a> {
    fn creates_named_pipe(&mut self, _: Place<'_>, name: &'a str) -> Check {
        self.0.insert(name);
        Ok(())
    }
}

/// Names one process binds, over all its threads.
#[derive(Default)]
struct Bindings<'a> {
    /// Handle name → what it is bound as.
    handles: BTreeMap<&'a str, Bound<'a>>,
    /// The `duplicate_handle` ops, in document order: the new name takes the kind of the
    /// old one, which may be bound later in the document (or by another duplicate).
    duplicates: Vec<Duplicate<'a>>,
    /// Tags set by overlapped ops.
    tags: BTreeSet<&'a str>,
    /// File handle name → the first port it is bound to.
    bound: BTreeMap<&'a str, &'a str>,
}

/// What one handle name is bound as.
struct Bound<'a> {
    kind: HandleKind,
    /// Where it is first bound.
    first: JsonPath,
    /// For a file handle: the files its `open`s name.
    files: BTreeSet<&'a str>,
    /// For a semaphore: the largest `max` it is created with.
    max: u32,
    /// For a file or pipe handle: whether its opens are for overlapped I/O (true),
    /// synchronous (false), or some of each.
    overlapped: BTreeSet<bool>,
    /// Bound by `duplicate_handle` too: which file or semaphore it stands for is known
    /// only when the program runs, so the checks that need to know are left to the run.
    duplicated: bool,
}

/// A `duplicate_handle`: `copy` becomes a handle of the same kind as `source`.
struct Duplicate<'a> {
    source: &'a str,
    copy: &'a str,
    /// Where `copy` is written.
    at: JsonPath,
}

impl<'a> Declare<'a> for Bindings<'a> {
    fn binds(&mut self, at: Place<'_>, name: &'a str, kind: HandleKind) -> Check {
        label(at, name, kind.name_word())?;
        self.bind(name, kind, at.path())
    }

    fn opens(&mut self, name: &'a str, path: &'a str) {
        if let Some(bound) = self.handles.get_mut(name) {
            bound.files.insert(path);
        }
    }

    fn opened_for(&mut self, name: &'a str, overlapped: bool) {
        if let Some(bound) = self.handles.get_mut(name) {
            bound.overlapped.insert(overlapped);
        }
    }

    fn bounds(&mut self, name: &'a str, max: u32) {
        if let Some(bound) = self.handles.get_mut(name) {
            bound.max = bound.max.max(max);
        }
    }

    fn copies(&mut self, at: Place<'_>, copy: &'a str, source: &'a str) -> Check {
        label(at, copy, "handle")?;
        self.duplicates.push(Duplicate {
            source,
            copy,
            at: at.path(),
        });
        Ok(())
    }

    fn binds_tag(&mut self, at: Place<'_>, tag: &'a str) -> Check {
        label(at, tag, "tag")?;
        self.tags.insert(tag);
        Ok(())
    }

    fn binds_to_port(&mut self, file: &'a str, port: &'a str) {
        self.bound.entry(file).or_insert(port);
    }
}

impl<'a> Bindings<'a> {
    /// Binds `name` as a handle of `kind` at `at`, unless it is bound as another kind.
    fn bind(&mut self, name: &'a str, kind: HandleKind, at: JsonPath) -> Check {
        self.bound_as(name, kind, at).map(|_| ())
    }

    /// [`Bindings::bind`], giving what the name is bound as.
    fn bound_as(
        &mut self,
        name: &'a str,
        kind: HandleKind,
        at: JsonPath,
    ) -> Result<&mut Bound<'a>, ScenarioError> {
        if let Some(other) = self.handles.get(name)
            && other.kind != kind
        {
            return Err(ScenarioError::invalid(
                at,
                Problem::NameBoundTwice {
                    name: name.to_owned(),
                    first: other.kind,
                    then: kind,
                    other: other.first.clone(),
                },
            ));
        }
        Ok(self.handles.entry(name).or_insert_with(|| Bound {
            kind,
            first: at,
            files: BTreeSet::new(),
            max: 0,
            overlapped: BTreeSet::new(),
            duplicated: false,
        }))
    }

    /// Gives each duplicate the kind of the handle it copies, once all other names are
    /// bound. Each name is looked at once, so this takes time in proportion to the ops.
    /// A duplicate of a name nobody binds stays unbound: its op reports it, in document
    /// order.
    fn resolve_duplicates(&mut self) -> Check {
        let mut by_source: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, duplicate) in self.duplicates.iter().enumerate() {
            by_source.entry(duplicate.source).or_default().push(i);
        }
        let mut queue: VecDeque<&'a str> = self.handles.keys().copied().collect();
        let mut done = vec![false; self.duplicates.len()];
        while let Some(source) = queue.pop_front() {
            let kind = self.handles[source].kind;
            for &i in by_source.get(source).map_or(&[][..], Vec::as_slice) {
                if std::mem::replace(&mut done[i], true) {
                    continue;
                }
                let (copy, at) = (self.duplicates[i].copy, self.duplicates[i].at.clone());
                let new = !self.handles.contains_key(copy);
                self.bound_as(copy, kind, at)?.duplicated = true;
                if new {
                    queue.push_back(copy);
                }
            }
        }
        Ok(())
    }

    /// The names bound as a kind `wanted` takes.
    fn names(&self, wanted: Wanted) -> Vec<String> {
        self.handles
            .iter()
            .filter(|(_, bound)| wanted.accepts(bound.kind))
            .map(|(name, _)| (*name).to_owned())
            .collect()
    }
}

/// What an op's own rules see of its process: what the process binds, and the scenario.
pub(crate) struct Context<'s> {
    scenario: &'s Scenario,
    process: &'s Process,
    bindings: &'s Bindings<'s>,
    /// The names of the scenario's named pipes, from every process.
    pipes: &'s BTreeSet<&'s str>,
}

impl Context<'_> {
    /// The kind of handle `name` is bound to, if it is bound.
    pub(crate) fn kind(&self, name: &str) -> Option<HandleKind> {
        self.bindings.handles.get(name).map(|bound| bound.kind)
    }

    /// Whether the handle `name` is opened for overlapped I/O, when every op that binds it
    /// says the same (and no duplicate binds it).
    pub(crate) fn overlapped(&self, name: &str) -> Option<bool> {
        let bound = self.bindings.handles.get(name)?;
        if bound.duplicated || bound.overlapped.len() != 1 {
            return None;
        }
        bound.overlapped.first().copied()
    }

    /// The first completion port the file handle `file` is bound to, if any.
    pub(crate) fn port_of(&self, file: &str) -> Option<&str> {
        self.bindings.bound.get(file).copied()
    }

    /// The file a handle name is opened on, when every `open` of it in the process names the
    /// same file (and no duplicate binds it).
    pub(crate) fn only_file(&self, handle: &str) -> Option<&FileSpec> {
        let bound = self.bindings.handles.get(handle)?;
        if bound.duplicated {
            return None;
        }
        let mut paths = bound.files.iter();
        let only = paths.next()?;
        if paths.next().is_some() {
            return None;
        }
        self.scenario.files.iter().find(|f| f.name == *only)
    }

    /// The largest maximum the semaphore `name` is created with, when no duplicate binds
    /// the name (through a duplicate, which semaphore it is is known only at run time).
    pub(crate) fn semaphore_max(&self, name: &str) -> Option<u32> {
        match self.bindings.handles.get(name) {
            Some(bound) if !bound.duplicated => Some(bound.max),
            _ => None,
        }
    }
}

/// Checks each op's uses, numbers and rules, in the order it declares them.
struct Checker<'s>(Context<'s>);

impl<'a> Declare<'a> for Checker<'_> {
    fn creates_named_pipe(&mut self, at: Place<'_>, name: &'a str) -> Check {
        let valid = name.strip_prefix(PIPE_PREFIX).is_some_and(|rest| {
            (1..=MAX_NAME_LEN).contains(&rest.chars().count())
                && rest.chars().all(NameRule::Label.allows())
        });
        if !valid {
            return at.fail(Problem::BadPipeName {
                found: name.to_owned(),
            });
        }
        Ok(())
    }

    /// `name` must be bound in the process as a kind `wanted` takes.
    fn uses(&mut self, at: Place<'_>, name: &'a str, wanted: Wanted) -> Check {
        let bindings = self.0.bindings;
        let problem = match bindings.handles.get(name) {
            Some(bound) if wanted.accepts(bound.kind) => return Ok(()),
            Some(bound) => Problem::WrongHandleKind {
                name: name.to_owned(),
                is: bound.kind,
                wanted,
            },
            None => Problem::UnknownHandle {
                name: name.to_owned(),
                process: self.0.process.name.clone(),
                wanted,
                known: bindings.names(wanted),
            },
        };
        at.fail(problem)
    }

    /// `tag` must be set by an overlapped read or write of the process.
    fn uses_tag(&mut self, at: Place<'_>, tag: &'a str) -> Check {
        let tags = &self.0.bindings.tags;
        if tags.contains(tag) {
            return Ok(());
        }
        at.fail(Problem::UnknownTag {
            name: tag.to_owned(),
            process: self.0.process.name.clone(),
            known: tags.iter().map(|t| (*t).to_owned()).collect(),
        })
    }

    fn uses_routine(&mut self, at: Place<'_>, routine: &'a str) -> Check {
        let process = self.0.process;
        if process.routines.contains_key(routine) {
            return Ok(());
        }
        at.fail(Problem::UnknownRoutine {
            name: routine.to_owned(),
            process: process.name.clone(),
            known: process.routines.keys().cloned().collect(),
        })
    }

    /// `open_thread` names a thread of the process itself.
    fn uses_thread(&mut self, at: Place<'_>, thread: &'a str) -> Check {
        let process = self.0.process;
        if process.threads.iter().any(|t| t.name == thread) {
            return Ok(());
        }
        let elsewhere = self
            .0
            .scenario
            .processes
            .iter()
            .find(|p| p.threads.iter().any(|t| t.name == thread))
            .map(|p| p.name.clone());
        at.fail(Problem::UnknownThread {
            name: thread.to_owned(),
            process: process.name.clone(),
            known: process.threads.iter().map(|t| t.name.clone()).collect(),
            elsewhere,
        })
    }

    /// `open`'s path: a named pipe by its prefix, a file otherwise.
    fn uses_path(&mut self, at: Place<'_>, path: &'a str) -> Check {
        if is_pipe_name(path) {
            let pipes = self.0.pipes;
            if !pipes.contains(path) {
                return at.fail(Problem::UnknownPipe {
                    name: path.to_owned(),
                    known: pipes.iter().map(|p| (*p).to_owned()).collect(),
                });
            }
            return Ok(());
        }
        let files = &self.0.scenario.files;
        if !files.iter().any(|f| f.name == path) {
            return at.fail(Problem::UnknownFile {
                name: path.to_owned(),
                known: files.iter().map(|f| f.name.clone()).collect(),
            });
        }
        Ok(())
    }

    fn number(&mut self, at: Place<'_>, value: u64, min: u64, max: u64) -> Check {
        if (min..=max).contains(&value) {
            return Ok(());
        }
        at.fail(Problem::OutOfRange {
            field: at.last_key().unwrap_or("value").to_owned(),
            min,
            max,
            found: value,
        })
    }

    fn count(
        &mut self,
        at: Place<'_>,
        what: &'static str,
        len: usize,
        min: u64,
        max: u64,
    ) -> Check {
        count(&at.path(), what, len, min, max)
    }

    fn label(&mut self, at: Place<'_>, kind: &'static str, name: &'a str) -> Check {
        label(at, name, kind)
    }

    fn rule(&mut self, rule: impl FnOnce(&Context<'_>) -> Check) -> Check {
        rule(&self.0)
    }
}

/// Checks that `value`, written at `at`, follows the rules of a name (a label) of `kind`.
fn label(at: Place<'_>, value: &str, kind: &'static str) -> Check {
    match bad_name(value, kind, NameRule::Label) {
        Some(problem) => at.fail(problem),
        None => Ok(()),
    }
}

/// The character rules for names.
#[derive(Clone, Copy)]
enum NameRule {
    /// Lowercase letters, digits and `-`.
    Scenario,
    /// Lowercase letters, digits, `_` and `-`.
    Device,
    /// Letters, digits, `_`, `.` and `-`.
    Label,
}

impl NameRule {
    /// Which characters the rule allows, and the same in words.
    fn characters(self) -> (fn(char) -> bool, &'static str) {
        match self {
            NameRule::Scenario => (
                |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
                "lowercase letters, digits and -",
            ),
            NameRule::Device => (
                |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-',
                "lowercase letters, digits, _ and -",
            ),
            NameRule::Label => (
                |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'),
                "letters, digits, _, . and -",
            ),
        }
    }

    /// Whether the rule allows a character.
    fn allows(self) -> fn(char) -> bool {
        self.characters().0
    }
}

fn name(at: &JsonPath, value: &str, kind: &'static str, rule: NameRule) -> Check {
    match bad_name(value, kind, rule) {
        Some(problem) => Err(ScenarioError::invalid(at.clone(), problem)),
        None => Ok(()),
    }
}

/// What is wrong with `value` as a name of `kind` under `rule`, if anything.
fn bad_name(value: &str, kind: &'static str, rule: NameRule) -> Option<Problem> {
    let (ok, allowed) = rule.characters();
    let length = value.chars().count();
    if (1..=MAX_NAME_LEN).contains(&length) && value.chars().all(ok) {
        return None;
    }
    Some(Problem::BadName {
        kind,
        found: value.to_owned(),
        allowed,
    })
}

pub(crate) fn range(at: &JsonPath, value: u64, min: u64, max: u64) -> Check {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    let field = match at.segments().last() {
        Some(PathSegment::Key(key)) => key.clone(),
        _ => "value".to_owned(),
    };
    Err(ScenarioError::invalid(
        at.clone(),
        Problem::OutOfRange {
            field,
            min,
            max,
            found: value,
        },
    ))
}

pub(crate) fn count(at: &JsonPath, what: &'static str, len: usize, min: u64, max: u64) -> Check {
    let found = len as u64;
    if (min..=max).contains(&found) {
        return Ok(());
    }
    Err(ScenarioError::invalid(
        at.clone(),
        Problem::Count {
            what,
            min,
            max,
            found,
        },
    ))
}

fn duplicate(at: JsonPath, kind: &'static str, name: &str, first: &JsonPath) -> ScenarioError {
    ScenarioError::invalid(
        at,
        Problem::Duplicate {
            kind,
            name: name.to_owned(),
            first: first.clone(),
        },
    )
}

/// Re-points an error about a map entry at the entry's key, where the name is written.
fn key_error(error: ScenarioError) -> ScenarioError {
    match error {
        ScenarioError::At(mut located) => {
            located.pointing = super::error::Pointing::Key;
            ScenarioError::At(located)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::apply_overrides;

    /// A small valid scenario; each test changes one thing with `--set` syntax.
    const BASE: &str = r#"{
  "name": "base",
  "description": "a valid starting point",
  "machine": { "cpus": 1, "costs": {} },
  "devices": [ { "disk": { "name": "disk0", "irq": 14 } } ],
  "files": [ { "name": "data.bin", "device": "disk0", "offset": 0, "length": 65536 } ],
  "processes": [
    { "name": "app",
      "routines": { "on_read": { "cost_ns": 2000 } },
      "threads": [
        { "name": "T1", "program": [
          { "open": { "path": "data.bin", "as": "f" } },
          { "read": { "file": "f", "offset": 0, "len": 4096 } },
          { "open": { "path": "data.bin", "as": "f", "overlapped": true } }
        ] },
        { "name": "T2", "program": [] }
      ] }
  ]
}"#;

    fn with(sets: &[(&str, &str)]) -> Result<(), ScenarioError> {
        let sets: Vec<(String, String)> = sets
            .iter()
            .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
            .collect();
        let text = apply_overrides(BASE, &sets).expect("overrides apply");
        let scenario: Scenario = serde_json::from_str(&text).expect("well-formed scenario");
        validate(&scenario)
    }

    /// Sets T1's second op (the read) to `op`.
    fn op(op: &str) -> Result<(), ScenarioError> {
        with(&[("processes.0.threads.0.program.1", op)])
    }

    /// Sets T2's program.
    fn t2(program: &str) -> Result<(), ScenarioError> {
        with(&[("processes.0.threads.1.program", program)])
    }

    fn fails(result: Result<(), ScenarioError>) -> (String, Problem) {
        let error = result.expect_err("the scenario should be invalid");
        let path = error.path().expect("a located error").to_string();
        let problem = error.problem().expect("a rule error").clone();
        (path, problem)
    }

    const P: &str = "processes[0].threads[0].program[1]";

    #[test]
    fn the_base_scenario_is_valid() {
        assert_eq!(with(&[]), Ok(()));
    }

    #[test]
    fn names_follow_their_character_rules() {
        let (path, problem) = fails(with(&[("name", "Tour")]));
        assert_eq!(path, "name");
        assert!(matches!(
            problem,
            Problem::BadName {
                kind: "scenario",
                ..
            }
        ));
        let (path, _) = fails(with(&[("devices.0.disk.name", "Disk0")]));
        assert_eq!(path, "devices[0].disk.name");
        let (path, _) = fails(with(&[("processes.0.threads.0.name", "")]));
        assert_eq!(path, "processes[0].threads[0].name");
        let (path, _) = fails(with(&[("processes.0.routines", r#"{"on read": {}}"#)]));
        assert_eq!(path, "processes[0].routines[\"on read\"]");
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert!(with(&[("name", &long)]).is_err());
    }

    #[test]
    fn description_is_one_non_empty_line() {
        let (path, problem) = fails(with(&[("description", r#""two\nlines""#)]));
        assert_eq!(
            (path.as_str(), problem),
            ("description", Problem::BadDescription)
        );
        assert!(with(&[("description", r#""  ""#)]).is_err());
        for bad in [
            r#""\u001b[2J""#,
            r#""tab\there""#,
            r#""abc\u202edef""#,
            "\"\u{85}\"",
        ] {
            let (path, problem) = fails(with(&[("description", bad)]));
            assert_eq!(
                (path.as_str(), problem),
                ("description", Problem::BadDescription),
                "{bad}"
            );
        }
        assert!(with(&[("description", r#""Ünïcödé is fine: 世界""#)]).is_ok());
    }

    #[test]
    fn machine_values_have_ranges() {
        for (set, value, path) in [
            ("machine.cpus", "0", "machine.cpus"),
            ("machine.cpus", "65", "machine.cpus"),
            ("machine.timeslice_ns", "0", "machine.timeslice_ns"),
            ("machine.event_limit", "0", "machine.event_limit"),
            ("machine.event_limit", "1000000001", "machine.event_limit"),
            (
                "machine.costs.isr_ns",
                "1000000000001",
                "machine.costs.isr_ns",
            ),
        ] {
            let (got, problem) = fails(with(&[(set, value)]));
            assert_eq!(got, path);
            assert!(matches!(problem, Problem::OutOfRange { .. }), "{problem:?}");
        }
        assert_eq!(with(&[("machine.cpus", "64")]), Ok(()));
    }

    #[test]
    fn disk_geometry_has_ranges() {
        for (field, value) in [
            ("irq", "24"),
            ("ring_size", "0"),
            ("ring_size", "4097"),
            ("sector_size", "256"),
            ("sectors_per_track", "0"),
            ("tracks", "1000001"),
            ("rpm", "0"),
            ("max_segment", "511"),
            ("seek_settle_ns", "1000000000001"),
            ("media_error_ppm", "1000001"),
        ] {
            let (path, problem) = fails(with(&[(&format!("devices.0.disk.{field}"), value)]));
            assert_eq!(path, format!("devices[0].disk.{field}"));
            assert!(
                matches!(problem, Problem::OutOfRange { .. }),
                "{field}: {problem:?}"
            );
        }
    }

    #[test]
    fn a_disk_whose_slowest_access_outlasts_the_time_limit_is_refused() {
        for (sets, path, field) in [
            // A full stroke over a million tracks at 1 ms each is 1000 s.
            (
                &[
                    ("devices.0.disk.tracks", "1000000"),
                    ("devices.0.disk.seek_ns_per_track", "1000000"),
                ][..],
                "devices[0].disk.seek_ns_per_track",
                "seek_ns_per_track",
            ),
            (
                &[("devices.0.disk.seek_settle_ns", "1000000000000")],
                "devices[0].disk.seek_settle_ns",
                "seek_settle_ns",
            ),
            // 1 rpm: a minute a turn, and 16 MiB is 512 tracks.
            (&[("devices.0.disk.rpm", "1")], "devices[0].disk.rpm", "rpm"),
            // A bus slower than the platter: 16 MiB at 0.1 s per KiB.
            (
                &[("machine.costs.bus_ns_per_kib", "100000000")],
                "machine.costs.bus_ns_per_kib",
                "machine.costs.bus_ns_per_kib",
            ),
        ] {
            let (got, problem) = fails(with(sets));
            assert_eq!(got, path, "{sets:?}");
            assert!(
                matches!(problem, Problem::DiskAccessTooSlow { field: f, bytes: 16_777_216, .. } if f == field),
                "{sets:?}: {problem:?}"
            );
        }
    }

    #[test]
    fn the_slowest_disk_access_may_take_exactly_the_time_limit() {
        // On the default disk, the slowest 16 MiB access is a full stroke (1023 tracks),
        // a turn, and 32769 sectors (starting on a sector's last byte) passing under the
        // head with 512 track switches (settle + one track each): 1535 per-track costs
        // plus a fixed part. Find the largest per-track cost that fits.
        let g = devices::disk::geometry::Geometry::default();
        let (settle, rot) = (u128::from(g.seek_settle_ns), u128::from(g.rotation_ns()));
        let fixed = settle + rot + (32_769 * rot).div_ceil(64) + 512 * settle;
        let per_track = (u128::from(MAX_NS) - fixed) / (1023 + 512);
        let fits = per_track.to_string();
        assert_eq!(with(&[("devices.0.disk.seek_ns_per_track", &fits)]), Ok(()));
        let over = (per_track + 1).to_string();
        let (path, _) = fails(with(&[("devices.0.disk.seek_ns_per_track", &over)]));
        assert_eq!(path, "devices[0].disk.seek_ns_per_track");
    }

    #[test]
    fn sector_size_is_a_power_of_two() {
        let (path, problem) = fails(with(&[("devices.0.disk.sector_size", "1000")]));
        assert_eq!(path, "devices[0].disk.sector_size");
        assert!(matches!(
            problem,
            Problem::NotPowerOfTwo { found: 1000, .. }
        ));
    }

    #[test]
    fn device_names_and_irqs_are_unique() {
        let two =
            r#"[{"disk": {"name": "disk0", "irq": 14}}, {"disk": {"name": "disk0", "irq": 15}}]"#;
        let (path, problem) = fails(with(&[("devices", two)]));
        assert_eq!(path, "devices[1].disk.name");
        assert!(matches!(problem, Problem::Duplicate { kind: "device", .. }));
        let two =
            r#"[{"disk": {"name": "disk0", "irq": 14}}, {"disk": {"name": "disk1", "irq": 14}}]"#;
        let (path, problem) = fails(with(&[("devices", two)]));
        assert_eq!(path, "devices[1].disk.irq");
        assert!(matches!(problem, Problem::DuplicateIrq { irq: 14, .. }));
    }

    #[test]
    fn device_count_is_limited() {
        // No device is fine (a machine of pipes and kernel objects); a file still needs one.
        let (path, problem) = fails(with(&[("devices", "[]")]));
        assert_eq!(path, "files[0].device");
        assert!(matches!(problem, Problem::UnknownDevice { .. }));
        let many: Vec<String> = (0..17)
            .map(|i| format!(r#"{{"disk": {{"name": "d{i}", "irq": {i}}}}}"#))
            .collect();
        let many = format!("[{}]", many.join(","));
        // 17 devices need 17 distinct irqs; 0..=16 are all in range.
        let (path, problem) = fails(with(&[
            ("devices", &many),
            ("files", "[]"),
            ("processes.0.threads.0.program", "[]"),
        ]));
        assert_eq!(path, "devices");
        assert!(matches!(problem, Problem::Count { found: 17, .. }));
    }

    #[test]
    fn files_name_an_existing_disk() {
        let (path, problem) = fails(with(&[("files.0.device", "disk9")]));
        assert_eq!(path, "files[0].device");
        assert_eq!(
            problem,
            Problem::UnknownDevice {
                name: "disk9".to_owned(),
                known: vec!["disk0".to_owned()]
            }
        );
    }

    #[test]
    fn files_fit_on_their_disk_and_start_on_a_sector() {
        // The default disk holds 512 * 64 * 1024 = 32 MiB.
        let (path, problem) = fails(with(&[("files.0.length", "33554433")]));
        assert_eq!(path, "files[0].length");
        assert!(matches!(
            problem,
            Problem::FilePastDiskEnd {
                capacity: 33554432,
                ..
            }
        ));
        let (path, _) = fails(with(&[("files.0.offset", "33554432")]));
        assert_eq!(path, "files[0].offset");
        let (path, problem) = fails(with(&[("files.0.offset", "100")]));
        assert_eq!(path, "files[0].offset");
        assert!(matches!(
            problem,
            Problem::Misaligned {
                offset: 100,
                sector_size: 512
            }
        ));
        let (path, _) = fails(with(&[("files.0.length", "0")]));
        assert_eq!(path, "files[0].length");
        assert_eq!(with(&[("files.0.offset", "33488896")]), Ok(()));
    }

    #[test]
    fn file_content_fits_the_file() {
        let (path, problem) = fails(with(&[
            ("files.0.length", "4"),
            ("files.0.content", r#"{"text": "hello"}"#),
            (
                "processes.0.threads.0.program.1",
                r#"{"compute": {"ns": 1}}"#,
            ),
        ]));
        assert_eq!(path, "files[0].content");
        assert_eq!(
            problem,
            Problem::ContentTooLong {
                content: 5,
                length: 4
            }
        );
        let (path, problem) = fails(with(&[(
            "files.0.content",
            r#"{"repeat": {"text": "", "length": 10}}"#,
        )]));
        assert_eq!(path, "files[0].content.repeat.text");
        assert_eq!(problem, Problem::EmptyRepeatText { length: 10 });
        let (path, problem) = fails(with(&[
            ("files.0.length", "1000000000"),
            (
                "files.0.content",
                r#"{"repeat": {"text": "ab", "length": 67108865}}"#,
            ),
            ("devices.0.disk.tracks", "1000000"),
        ]));
        assert_eq!(path, "files[0].content");
        assert!(matches!(
            problem,
            Problem::OutOfRange {
                max: MAX_CONTENT,
                ..
            }
        ));
    }

    #[test]
    fn file_and_process_and_thread_names_are_unique() {
        let files = r#"[{"name": "data.bin", "device": "disk0", "length": 512}, {"name": "data.bin", "device": "disk0", "length": 512}]"#;
        let (path, _) = fails(with(&[
            ("files", files),
            ("processes.0.threads.0.program.1", r#"{"exit": {}}"#),
        ]));
        assert_eq!(path, "files[1].name");
        let (path, problem) = fails(with(&[("processes.0.threads.1.name", "T1")]));
        assert_eq!(path, "processes[0].threads[1].name");
        assert_eq!(
            problem,
            Problem::Duplicate {
                kind: "thread",
                name: "T1".to_owned(),
                first: JsonPath::root()
                    .key("processes")
                    .index(0)
                    .key("threads")
                    .index(0)
                    .key("name"),
            }
        );
        let procs = r#"[{"name": "app", "threads": [{"name": "A", "program": []}]},
                        {"name": "app", "threads": [{"name": "B", "program": []}]}]"#;
        let (path, problem) = fails(with(&[("processes", procs)]));
        assert!(matches!(
            problem,
            Problem::Duplicate {
                kind: "process",
                ..
            }
        ));
        assert_eq!(path, "processes[1].name");
    }

    #[test]
    fn threads_are_unique_across_processes() {
        let procs = r#"[{"name": "a", "threads": [{"name": "T", "program": []}]}, {"name": "b", "threads": [{"name": "T", "program": []}]}]"#;
        let (path, problem) = fails(with(&[("processes", procs)]));
        assert_eq!(path, "processes[1].threads[0].name");
        assert!(matches!(problem, Problem::Duplicate { kind: "thread", .. }));
    }

    #[test]
    fn process_and_thread_counts_are_limited() {
        let (path, _) = fails(with(&[("processes", "[]")]));
        assert_eq!(path, "processes");
        let (path, _) = fails(with(&[("processes.0.threads", "[]")]));
        assert_eq!(path, "processes[0].threads");
    }

    #[test]
    fn open_names_a_declared_file() {
        let (path, problem) = fails(with(&[(
            "processes.0.threads.0.program.0.open.path",
            "nope.bin",
        )]));
        assert_eq!(path, "processes[0].threads[0].program[0].open.path");
        assert!(matches!(problem, Problem::UnknownFile { .. }));
    }

    #[test]
    fn handles_must_be_bound_in_the_same_process() {
        let (path, problem) = fails(op(r#"{"read": {"file": "g", "len": 1}}"#));
        assert_eq!(path, format!("{P}.read.file"));
        assert_eq!(
            problem,
            Problem::UnknownHandle {
                name: "g".to_owned(),
                process: "app".to_owned(),
                wanted: Wanted::Io,
                known: vec!["f".to_owned()]
            }
        );
        // Bound by another thread of the same process: fine.
        assert_eq!(t2(r#"[{"read": {"file": "f", "len": 1}}]"#), Ok(()));
        // Bound only in another process: not fine.
        let procs = r#"[
            {"name": "a", "threads": [{"name": "A", "program": [{"open": {"path": "data.bin", "as": "f"}}]}]},
            {"name": "b", "threads": [{"name": "B", "program": [{"close": {"handle": "f"}}]}]}]"#;
        let (path, problem) = fails(with(&[("processes", procs)]));
        assert_eq!(path, "processes[1].threads[0].program[0].close.handle");
        assert!(matches!(problem, Problem::UnknownHandle { .. }));
    }

    #[test]
    fn ports_must_be_bound_and_used_as_ports() {
        let (path, problem) = fails(t2(r#"[{"get_queued": {"port": "P1"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].get_queued.port");
        assert!(matches!(
            problem,
            Problem::UnknownHandle {
                wanted: Wanted::Kind(HandleKind::Port),
                ..
            }
        ));
        let (path, _) = fails(t2(r#"[{"post": {"port": "P1"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].post.port");
        let (path, problem) = fails(t2(r#"[{"get_queued": {"port": "f"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].get_queued.port");
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::File,
                ..
            }
        ));
        let (path, problem) = fails(t2(
            r#"[{"create_port": {"as": "P"}}, {"write": {"file": "P", "data": {"text": "x"}}}]"#,
        ));
        assert_eq!(path, "processes[0].threads[1].program[1].write.file");
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::Port,
                ..
            }
        ));
        assert_eq!(
            t2(
                r#"[{"create_port": {"as": "P"}}, {"bind": {"file": "f", "port": "P"}},
                {"read_overlapped": {"file": "f", "offset": 0, "len": 10}},
                {"get_queued": {"port": "P"}}, {"close": {"handle": "P"}}]"#
            ),
            Ok(())
        );
    }

    #[test]
    fn bind_checks_both_names() {
        let (path, _) = fails(t2(
            r#"[{"create_port": {"as": "P"}}, {"bind": {"file": "x", "port": "P"}}]"#,
        ));
        assert_eq!(path, "processes[0].threads[1].program[1].bind.file");
        let (path, _) = fails(t2(r#"[{"bind": {"file": "f", "port": "Q"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].bind.port");
    }

    #[test]
    fn a_name_is_either_a_handle_or_a_port() {
        let (path, problem) = fails(t2(r#"[{"create_port": {"as": "f"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].create_port.as");
        assert_eq!(
            problem,
            Problem::NameBoundTwice {
                name: "f".to_owned(),
                first: HandleKind::File,
                then: HandleKind::Port,
                other: JsonPath::root()
                    .key("processes")
                    .index(0)
                    .key("threads")
                    .index(0)
                    .key("program")
                    .index(0)
                    .key("open")
                    .key("as"),
            }
        );
    }

    #[test]
    fn tags_and_routines_must_exist() {
        let (path, problem) = fails(t2(r#"[{"wait": {"tag": "r1"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].wait.tag");
        assert!(matches!(problem, Problem::UnknownTag { .. }));
        // A tag set inside a repeat in another thread counts.
        assert_eq!(
            with(&[
                (
                    "processes.0.threads.0.program.1",
                    r#"{"repeat": {"times": 2, "ops": [{"read_overlapped": {"file": "f", "offset": 0, "len": 1, "tag": "r1"}}]}}"#
                ),
                (
                    "processes.0.threads.1.program",
                    r#"[{"wait": {"tag": "r1", "timeout_ns": 5}}]"#
                ),
            ]),
            Ok(())
        );
        let (path, problem) = fails(op(
            r#"{"read_ex": {"file": "f", "offset": 0, "len": 1, "routine": "nope"}}"#,
        ));
        assert_eq!(path, format!("{P}.read_ex.routine"));
        assert_eq!(
            problem,
            Problem::UnknownRoutine {
                name: "nope".to_owned(),
                process: "app".to_owned(),
                known: vec!["on_read".to_owned()]
            }
        );
        assert_eq!(
            op(
                r#"{"write_ex": {"file": "f", "offset": 0, "data": {"text": "x"}, "routine": "on_read"}}"#
            ),
            Ok(())
        );
    }

    #[test]
    fn completion_routines_are_refused_on_port_bound_files() {
        let program = r#"[{"create_port": {"as": "P"}}, {"bind": {"file": "f", "port": "P", "key": 1}},
            {"write_ex": {"file": "f", "offset": 0, "data": {"text": "x"}, "routine": "on_read"}}]"#;
        let (path, problem) = fails(t2(program));
        assert_eq!(path, "processes[0].threads[1].program[2].write_ex.file");
        assert_eq!(
            problem,
            Problem::RoutineOnPortBoundFile {
                op: "write_ex",
                handle: "f".to_owned(),
                port: "P".to_owned()
            }
        );
    }

    #[test]
    fn fixed_offset_transfers_stay_inside_the_file() {
        let (path, problem) = fails(op(
            r#"{"read": {"file": "f", "offset": 63488, "len": 4096}}"#,
        ));
        assert_eq!(path, format!("{P}.read.len"));
        assert_eq!(
            problem,
            Problem::PastEndOfFile {
                op: "read",
                file: "data.bin".to_owned(),
                length: 65536,
                start: 63488,
                end: 67584
            }
        );
        assert_eq!(
            problem.to_string(),
            "read past the end of data.bin (65536 bytes): bytes 63488..67584"
        );
        let (path, _) = fails(op(
            r#"{"write_overlapped": {"file": "f", "offset": 65536, "data": {"text": "x"}}}"#,
        ));
        assert_eq!(path, format!("{P}.write_overlapped.offset"));
        let (path, _) = fails(op(
            r#"{"write": {"file": "f", "offset": 65535, "data": {"bytes": [1, 2]}}}"#,
        ));
        assert_eq!(path, format!("{P}.write.data"));
        assert_eq!(
            op(r#"{"read": {"file": "f", "offset": 61440, "len": 4096}}"#),
            Ok(())
        );
        // At the file position nothing is known before the run.
        assert_eq!(op(r#"{"read": {"file": "f", "len": 65536}}"#), Ok(()));
    }

    #[test]
    fn a_handle_opened_on_two_files_is_not_checked_for_length() {
        let files = r#"[{"name": "data.bin", "device": "disk0", "length": 65536},
                        {"name": "small", "device": "disk0", "offset": 65536, "length": 512}]"#;
        let result = with(&[
            ("files", files),
            (
                "processes.0.threads.1.program",
                r#"[{"open": {"path": "small", "as": "f"}}]"#,
            ),
        ]);
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn random_offsets_stay_inside_the_file() {
        let (path, problem) = fails(op(
            r#"{"read": {"file": "f", "random_offset": {"below": 65536, "align": 512}, "len": 4096}}"#,
        ));
        assert_eq!(path, format!("{P}.read.random_offset.below"));
        assert!(matches!(
            problem,
            Problem::PastEndOfFile { start: 65024, .. }
        ));
        assert_eq!(
            op(
                r#"{"read": {"file": "f", "random_offset": {"below": 61441, "align": 4096}, "len": 4096}}"#
            ),
            Ok(())
        );
        let (path, problem) = fails(op(
            r#"{"read": {"file": "f", "random_offset": {"below": 8, "align": 16}, "len": 1}}"#,
        ));
        assert_eq!(path, format!("{P}.read.random_offset.align"));
        assert!(matches!(problem, Problem::AlignAboveBelow { .. }));
        let (path, _) = fails(op(
            r#"{"read": {"file": "f", "random_offset": {"below": 8, "align": 0}, "len": 1}}"#,
        ));
        assert_eq!(path, format!("{P}.read.random_offset.align"));
    }

    #[test]
    fn offset_and_random_offset_exclude_each_other() {
        let (path, problem) = fails(op(
            r#"{"read_overlapped": {"file": "f", "offset": 0, "random_offset": {"below": 512}, "len": 1}}"#,
        ));
        assert_eq!(path, format!("{P}.read_overlapped.random_offset"));
        assert_eq!(problem, Problem::OffsetAndRandomOffset);
    }

    #[test]
    fn transfer_sizes_are_limited() {
        let (path, _) = fails(op(r#"{"read": {"file": "f", "len": 0}}"#));
        assert_eq!(path, format!("{P}.read.len"));
        let (path, _) = fails(op(r#"{"read": {"file": "f", "len": 16777217}}"#));
        assert_eq!(path, format!("{P}.read.len"));
        let (path, _) = fails(op(r#"{"write": {"file": "f", "data": {"text": ""}}}"#));
        assert_eq!(path, format!("{P}.write.data"));
        let (path, _) = fails(op(
            r#"{"write": {"file": "f", "data": {"repeat": {"text": "ab", "length": 16777217}}}}"#,
        ));
        assert_eq!(path, format!("{P}.write.data"));
    }

    #[test]
    fn times_and_counts_are_limited() {
        for (json, field) in [
            (r#"{"sleep": {"ns": 1000000000001}}"#, "sleep.ns"),
            (r#"{"sleep_ex": {"ns": 1000000000001}}"#, "sleep_ex.ns"),
            (r#"{"compute": {"ns": 1000000000001}}"#, "compute.ns"),
            (
                r#"{"create_port": {"as": "P", "concurrency": 257}}"#,
                "create_port.concurrency",
            ),
            (
                r#"{"repeat": {"times": 0, "ops": [{"exit": {}}]}}"#,
                "repeat.times",
            ),
            (
                r#"{"repeat": {"times": 10000001, "ops": [{"exit": {}}]}}"#,
                "repeat.times",
            ),
        ] {
            let (path, problem) = fails(op(json));
            assert_eq!(path, format!("{P}.{field}"));
            assert!(
                matches!(problem, Problem::OutOfRange { .. }),
                "{json}: {problem:?}"
            );
        }
        let (path, problem) = fails(op(r#"{"repeat": {"times": 2, "ops": []}}"#));
        assert_eq!(path, format!("{P}.repeat.ops"));
        assert!(matches!(problem, Problem::Count { found: 0, .. }));
        let (path, _) = fails(op(
            r#"{"repeat": {"times": 2, "ops": [{"repeat": {"times": 20000000, "ops": [{"exit": {}}]}}]}}"#,
        ));
        assert_eq!(path, format!("{P}.repeat.ops[0].repeat.times"));
        let (path, _) = fails(with(&[
            (
                "processes.0.threads.0.program.1",
                r#"{"read_overlapped": {"file": "f", "offset": 0, "len": 1, "tag": "t"}}"#,
            ),
            (
                "processes.0.threads.1.program",
                r#"[{"wait": {"tag": "t", "timeout_ns": 1000000000001}}]"#,
            ),
        ]));
        assert_eq!(path, "processes[0].threads[1].program[0].wait.timeout_ns");
    }

    #[test]
    fn kernel_object_ops_take_names_of_their_kind() {
        let (path, problem) = fails(t2(r#"[{"set_event": {"event": "f"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].set_event.event");
        assert_eq!(
            problem,
            Problem::WrongHandleKind {
                name: "f".to_owned(),
                is: HandleKind::File,
                wanted: Wanted::Kind(HandleKind::Event),
            }
        );
        let (path, problem) = fails(t2(
            r#"[{"create_event": {"as": "e"}}, {"release_semaphore": {"semaphore": "e"}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].release_semaphore.semaphore"
        );
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::Event,
                ..
            }
        ));
        let (path, problem) = fails(t2(
            r#"[{"create_port": {"as": "P"}}, {"wait_objects": {"handles": ["P"]}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].wait_objects.handles[0]"
        );
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::Port,
                wanted: Wanted::Waitable,
                ..
            }
        ));
        let (_, problem) = fails(t2(r#"[{"reset_event": {"event": "nope"}}]"#));
        assert_eq!(
            problem,
            Problem::UnknownHandle {
                name: "nope".to_owned(),
                process: "app".to_owned(),
                wanted: Wanted::Kind(HandleKind::Event),
                known: vec![],
            }
        );
        // Events, semaphores and threads can be waited on, together, and closed; so can
        // every other kind be closed.
        assert_eq!(
            t2(
                r#"[{"create_event": {"as": "e", "manual_reset": true, "signalled": true}},
                {"create_semaphore": {"as": "s", "count": 1, "max": 3}},
                {"open_thread": {"thread": "T1", "as": "t"}},
                {"create_port": {"as": "P"}},
                {"wait_objects": {"handles": ["e", "s", "t"], "all": true, "alertable": true, "timeout_ns": 0}},
                {"set_event": {"event": "e"}}, {"reset_event": {"event": "e"}},
                {"release_semaphore": {"semaphore": "s", "count": 2}},
                {"close": {"handle": "e"}}, {"close": {"handle": "s"}}, {"close": {"handle": "t"}},
                {"close": {"handle": "P"}}, {"close": {"handle": "f"}}]"#
            ),
            Ok(())
        );
        let (_, problem) = fails(t2(r#"[{"close": {"handle": "g"}}]"#));
        assert!(matches!(
            problem,
            Problem::UnknownHandle {
                wanted: Wanted::Any,
                ..
            }
        ));
    }

    #[test]
    fn cancels_take_a_file_and_a_tag_of_the_process() {
        assert_eq!(
            t2(
                r#"[{"read_overlapped": {"file": "f", "offset": 0, "len": 512, "tag": "r"}},
                {"cancel_io": {"file": "f"}},
                {"cancel_io_ex": {"file": "f"}},
                {"cancel_io_ex": {"file": "f", "tag": "r"}}]"#
            ),
            Ok(())
        );
        let (path, problem) = fails(t2(
            r#"[{"create_event": {"as": "e"}}, {"cancel_io": {"file": "e"}}]"#,
        ));
        assert_eq!(path, "processes[0].threads[1].program[1].cancel_io.file");
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::Event,
                ..
            }
        ));
        let (path, problem) = fails(t2(r#"[{"cancel_io_ex": {"file": "f", "tag": "r"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].cancel_io_ex.tag");
        assert!(matches!(problem, Problem::UnknownTag { .. }));
        let (path, _) = fails(t2(r#"[{"cancel_io_ex": {"file": "g"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].cancel_io_ex.file");
    }

    #[test]
    fn pipe_ends_are_handles_of_their_own_kinds() {
        assert_eq!(
            t2(r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}},
                {"write": {"file": "w", "data": {"text": "hi"}}},
                {"read": {"file": "r", "len": 2}},
                {"cancel_io": {"file": "r"}}, {"cancel_io_ex": {"file": "w"}},
                {"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\echo", "capacity": 1,
                    "overlapped": true}},
                {"open": {"path": "\\\\.\\pipe\\echo", "as": "c", "overlapped": true}},
                {"create_port": {"as": "P"}}, {"bind": {"file": "s", "port": "P"}},
                {"read_overlapped": {"file": "s", "len": 2}},
                {"write_overlapped": {"file": "c", "data": {"text": "hi"}, "tag": "t"}},
                {"read_ex": {"file": "c", "len": 2, "routine": "on_read"}},
                {"cancel_io_ex": {"file": "c", "tag": "t"}},
                {"close": {"handle": "r"}}, {"close": {"handle": "w"}}]"#),
            Ok(())
        );
        // A duplicate of a read end is a read end: it cannot write either.
        let (path, problem) = fails(t2(r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}},
                {"duplicate_handle": {"handle": "r", "as": "r2"}},
                {"write": {"file": "r2", "data": {"text": "hi"}}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[2].write.file");
        assert_eq!(
            problem,
            Problem::WrongPipeEnd {
                op: "write",
                handle: "r2".to_owned(),
                is: HandleKind::PipeRead
            }
        );
        let (path, problem) = fails(t2(r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}},
                {"read_ex": {"file": "w", "len": 2, "routine": "on_read"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[1].read_ex.file");
        assert!(matches!(problem, Problem::WrongPipeEnd { op: "read", .. }));
        // One name cannot be both ends.
        let (path, problem) = fails(t2(
            r#"[{"create_pipe": {"read_as": "p", "write_as": "p"}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].create_pipe.write_as"
        );
        assert!(matches!(
            problem,
            Problem::NameBoundTwice {
                first: HandleKind::PipeRead,
                then: HandleKind::PipeWrite,
                ..
            }
        ));
        // A file's name opened as a pipe too keeps one kind.
        let (path, _) = fails(t2(
            r#"[{"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\x"}},
                {"open": {"path": "\\\\.\\pipe\\x", "as": "f"}}]"#,
        ));
        assert_eq!(path, "processes[0].threads[1].program[1].open.as");
        // A pipe end is waitable, as any file handle is; it has no offsets.
        assert_eq!(
            t2(r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}},
                {"wait_objects": {"handles": ["r"], "timeout_ns": 0}}]"#),
            Ok(())
        );
        let (path, problem) = fails(t2(r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}},
                {"read": {"file": "r", "random_offset": {"below": 4096}, "len": 2}}]"#));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].read.random_offset"
        );
        assert!(matches!(problem, Problem::OffsetOnPipe { .. }));
    }

    #[test]
    fn anonymous_pipes_do_only_synchronous_io() {
        // ReadFile and WriteFile ignore an OVERLAPPED on an anonymous pipe: allowed.
        for op in [
            r#"{"read_overlapped": {"file": "r", "len": 2}}"#,
            r#"{"write_overlapped": {"file": "w", "data": {"text": "hi"}}}"#,
        ] {
            let program =
                format!(r#"[{{"create_pipe": {{"read_as": "r", "write_as": "w"}}}}, {op}]"#);
            assert_eq!(t2(&program), Ok(()), "{op}");
        }
        for (op, field) in [
            (
                r#"{"read_ex": {"file": "r", "len": 2, "routine": "on_read"}}"#,
                "read_ex.file",
            ),
            (
                r#"{"write_ex": {"file": "w", "data": {"text": "hi"}, "routine": "on_read"}}"#,
                "write_ex.file",
            ),
            (r#"{"bind": {"file": "w", "port": "P"}}"#, "bind.file"),
        ] {
            let program = format!(
                r#"[{{"create_pipe": {{"read_as": "r", "write_as": "w"}}}},
                    {{"create_port": {{"as": "P"}}}}, {op}]"#
            );
            let (path, problem) = fails(t2(&program));
            assert_eq!(path, format!("processes[0].threads[1].program[2].{field}"));
            assert!(
                matches!(problem, Problem::AnonymousPipeAsync { .. }),
                "{op}: {problem:?}"
            );
            assert!(problem.expected().contains(
                "Anonymous pipes do not support asynchronous (overlapped) read and write \
                 operations (Microsoft Learn: Anonymous Pipe Operations); use \
                 create_named_pipe"
            ));
        }
    }

    #[test]
    fn pipes_have_a_capacity_and_named_pipes_a_pipe_name() {
        let create = |op: &str| t2(&format!("[{op}]"));
        assert_eq!(
            create(
                r#"{"create_pipe": {"read_as": "r", "write_as": "w", "capacity": 1048576, "name": "p.1"}}"#
            ),
            Ok(())
        );
        for (op, field) in [
            (
                r#"{"create_pipe": {"read_as": "r", "write_as": "w", "capacity": 0}}"#,
                "create_pipe.capacity",
            ),
            (
                r#"{"create_pipe": {"read_as": "r", "write_as": "w", "capacity": 1048577}}"#,
                "create_pipe.capacity",
            ),
            (
                r#"{"create_named_pipe": {"as": "s", "name": "\\\\.\\pipe\\x", "capacity": 0}}"#,
                "create_named_pipe.capacity",
            ),
        ] {
            let (path, problem) = fails(create(op));
            assert_eq!(path, format!("processes[0].threads[1].program[0].{field}"));
            assert!(matches!(problem, Problem::OutOfRange { .. }), "{op}");
        }
        let (path, problem) = fails(create(
            r#"{"create_pipe": {"read_as": "r", "write_as": "w", "name": "a pipe"}}"#,
        ));
        assert_eq!(path, "processes[0].threads[1].program[0].create_pipe.name");
        assert!(matches!(problem, Problem::BadName { kind: "pipe", .. }));
        let long = "x".repeat(MAX_NAME_LEN);
        for (name, ok) in [
            (r"\\\\.\\pipe\\echo".to_owned(), true),
            (format!(r"\\\\.\\pipe\\{long}"), true),
            (format!(r"\\\\.\\pipe\\{long}x"), false),
            (r"\\\\.\\pipe\\".to_owned(), false),
            ("echo".to_owned(), false),
            (r"\\\\.\\PIPE\\echo".to_owned(), false),
            (r"\\\\.\\pipe\\a\\b".to_owned(), false),
            (r"\\\\.\\pipe\\a b".to_owned(), false),
            (r"\\\\.\\pipe\\\u001b[2J".to_owned(), false),
        ] {
            let result = create(&format!(
                r#"{{"create_named_pipe": {{"as": "s", "name": "{name}"}}}}"#
            ));
            if ok {
                assert_eq!(result, Ok(()), "{name}");
            } else {
                let (path, problem) = fails(result);
                assert_eq!(
                    path,
                    "processes[0].threads[1].program[0].create_named_pipe.name"
                );
                assert!(matches!(problem, Problem::BadPipeName { .. }), "{name}");
            }
        }
    }

    #[test]
    fn any_process_may_open_a_named_pipe_the_scenario_creates() {
        let scenario = |path: &str| {
            let text = format!(
                r#"{{"name": "p", "description": "pipes across processes",
                "processes": [
                  {{"name": "server", "threads": [{{"name": "S", "program": [
                    {{"create_named_pipe": {{"as": "s", "name": "\\\\.\\pipe\\echo"}}}}]}}]}},
                  {{"name": "client", "threads": [{{"name": "C", "program": [
                    {{"open": {{"path": "{path}", "as": "c"}}}},
                    {{"write": {{"file": "c", "data": {{"text": "hi"}}}}}}]}}]}}]}}"#
            );
            validate(&serde_json::from_str(&text).expect("well-formed"))
        };
        assert_eq!(scenario(r"\\\\.\\pipe\\echo"), Ok(()));
        let (path, problem) = fails(scenario(r"\\\\.\\pipe\\ech0"));
        assert_eq!(path, "processes[1].threads[0].program[0].open.path");
        assert_eq!(
            problem,
            Problem::UnknownPipe {
                name: r"\\.\pipe\ech0".to_owned(),
                known: vec![r"\\.\pipe\echo".to_owned()]
            }
        );
        // Without the pipe prefix, the name is a file's.
        let (_, problem) = fails(scenario("echo"));
        assert!(matches!(problem, Problem::UnknownFile { .. }));
    }

    #[test]
    fn a_machine_may_have_no_devices() {
        assert_eq!(
            with(&[
                ("devices", "[]"),
                ("files", "[]"),
                (
                    "processes.0.threads.0.program",
                    r#"[{"create_pipe": {"read_as": "r", "write_as": "w"}}]"#
                )
            ]),
            Ok(())
        );
    }

    #[test]
    fn a_name_keeps_one_kind() {
        let (path, problem) = fails(t2(
            r#"[{"create_event": {"as": "x"}}, {"create_semaphore": {"as": "x", "count": 0, "max": 1}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].create_semaphore.as"
        );
        assert!(matches!(
            problem,
            Problem::NameBoundTwice {
                first: HandleKind::Event,
                then: HandleKind::Semaphore,
                ..
            }
        ));
        let (path, _) = fails(t2(r#"[{"open_thread": {"thread": "T2", "as": "f"}}]"#));
        assert_eq!(path, "processes[0].threads[1].program[0].open_thread.as");
        // A duplicate cannot rebind a name as another kind either.
        let (path, problem) = fails(t2(
            r#"[{"create_event": {"as": "e"}}, {"duplicate_handle": {"handle": "e", "as": "f"}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].duplicate_handle.as"
        );
        assert!(matches!(
            problem,
            Problem::NameBoundTwice {
                first: HandleKind::File,
                then: HandleKind::Event,
                ..
            }
        ));
        // Binding a name again as the same kind (in a loop, say) is fine.
        assert_eq!(
            t2(
                r#"[{"repeat": {"times": 3, "ops": [{"create_event": {"as": "e"}}, {"close": {"handle": "e"}}]}}]"#
            ),
            Ok(())
        );
    }

    #[test]
    fn a_duplicate_has_the_kind_of_what_it_copies() {
        // Copied in T1 from a name T2 binds later, then copied again: still a semaphore.
        let result = with(&[
            (
                "processes.0.threads.0.program.1",
                r#"{"duplicate_handle": {"handle": "s", "as": "s2"}}"#,
            ),
            (
                "processes.0.threads.1.program",
                r#"[{"duplicate_handle": {"handle": "s2", "as": "s3"}},
                    {"create_semaphore": {"as": "s", "count": 0, "max": 2}},
                    {"release_semaphore": {"semaphore": "s3"}},
                    {"wait_objects": {"handles": ["s", "s2", "s3"], "timeout_ns": 5}},
                    {"set_event": {"event": "s3"}}]"#,
            ),
        ]);
        let (path, problem) = fails(result);
        assert_eq!(path, "processes[0].threads[1].program[4].set_event.event");
        assert!(matches!(
            problem,
            Problem::WrongHandleKind {
                is: HandleKind::Semaphore,
                ..
            }
        ));
        // Copies of nothing stay unknown, even copies of each other.
        let (path, problem) = fails(t2(
            r#"[{"duplicate_handle": {"handle": "b", "as": "a"}}, {"duplicate_handle": {"handle": "a", "as": "b"}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].duplicate_handle.handle"
        );
        assert!(matches!(
            problem,
            Problem::UnknownHandle {
                wanted: Wanted::Any,
                ..
            }
        ));
        // A transfer through a duplicated file handle is checked when it runs, not here.
        assert_eq!(
            t2(r#"[{"duplicate_handle": {"handle": "f", "as": "g"}},
                {"read": {"file": "g", "offset": 65536, "len": 1}}]"#),
            Ok(())
        );
    }

    #[test]
    fn open_thread_names_a_thread_of_its_own_process() {
        assert_eq!(
            t2(r#"[{"open_thread": {"thread": "T2", "as": "me"}}]"#),
            Ok(())
        );
        let (path, problem) = fails(t2(r#"[{"open_thread": {"thread": "T3", "as": "t"}}]"#));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].open_thread.thread"
        );
        assert_eq!(
            problem,
            Problem::UnknownThread {
                name: "T3".to_owned(),
                process: "app".to_owned(),
                known: vec!["T1".to_owned(), "T2".to_owned()],
                elsewhere: None,
            }
        );
        assert_eq!(
            problem.expected(),
            "the name of a thread of process `app`: `T1`, `T2` (did you mean `T1`?)"
        );
    }

    #[test]
    fn a_wait_names_one_to_64_distinct_objects() {
        let events: Vec<String> = (0..65)
            .map(|i| format!(r#"{{"create_event": {{"as": "e{i}"}}}}"#))
            .collect();
        let wait = |n: usize| {
            let names: Vec<String> = (0..n).map(|i| format!("\"e{i}\"")).collect();
            format!(
                r#"[{}, {{"wait_objects": {{"handles": [{}], "all": true}}}}]"#,
                events.join(", "),
                names.join(", ")
            )
        };
        assert_eq!(t2(&wait(64)), Ok(()));
        let (path, problem) = fails(t2(&wait(65)));
        assert_eq!(
            path,
            "processes[0].threads[1].program[65].wait_objects.handles"
        );
        assert_eq!(
            problem,
            Problem::Count {
                what: "handles",
                min: 1,
                max: 64,
                found: 65
            }
        );
        let (_, problem) = fails(t2(&wait(0)));
        assert!(matches!(problem, Problem::Count { found: 0, .. }));
        let (path, problem) = fails(t2(
            r#"[{"create_event": {"as": "a"}}, {"wait_objects": {"handles": ["a", "a"]}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].wait_objects.handles[1]"
        );
        assert_eq!(
            problem,
            Problem::NamedTwiceInWait {
                name: "a".to_owned(),
                first: 0
            }
        );
        let (path, _) = fails(t2(
            r#"[{"create_event": {"as": "a"}}, {"wait_objects": {"handles": ["a"], "timeout_ns": 1000000000001}}]"#,
        ));
        assert_eq!(
            path,
            "processes[0].threads[1].program[1].wait_objects.timeout_ns"
        );
    }

    #[test]
    fn semaphore_counts_stay_within_their_maximum() {
        let create = |count: u64, max: u64| {
            t2(&format!(
                r#"[{{"create_semaphore": {{"as": "s", "count": {count}, "max": {max}}}}}]"#
            ))
        };
        assert_eq!(create(0, 1), Ok(()));
        assert_eq!(create(MAX_SEMAPHORE_COUNT, MAX_SEMAPHORE_COUNT), Ok(()));
        let (path, problem) = fails(create(3, 2));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].create_semaphore.count"
        );
        assert_eq!(problem, Problem::CountAboveMax { count: 3, max: 2 });
        let (path, _) = fails(create(0, 0));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].create_semaphore.max"
        );
        let (path, _) = fails(create(0, MAX_SEMAPHORE_COUNT + 1));
        assert_eq!(
            path,
            "processes[0].threads[1].program[0].create_semaphore.max"
        );

        let release = |count: u64| {
            t2(&format!(
                r#"[{{"create_semaphore": {{"as": "s", "count": 0, "max": 2}}}},
                    {{"create_semaphore": {{"as": "s", "count": 0, "max": 4}}}},
                    {{"release_semaphore": {{"semaphore": "s", "count": {count}}}}}]"#
            ))
        };
        // The largest maximum the name is created with bounds the release.
        assert_eq!(release(4), Ok(()));
        let (path, problem) = fails(release(5));
        assert_eq!(
            path,
            "processes[0].threads[1].program[2].release_semaphore.count"
        );
        assert_eq!(
            problem,
            Problem::ReleaseAboveMax {
                semaphore: "s".to_owned(),
                count: 5,
                max: 4
            }
        );
        let (path, problem) = fails(release(0));
        assert_eq!(
            path,
            "processes[0].threads[1].program[2].release_semaphore.count"
        );
        assert!(matches!(problem, Problem::OutOfRange { min: 1, .. }));
        // Through a duplicate, which semaphore it is is known only at run time.
        assert_eq!(
            t2(r#"[{"create_semaphore": {"as": "s", "count": 0, "max": 1}},
                {"duplicate_handle": {"handle": "s", "as": "s2"}},
                {"release_semaphore": {"semaphore": "s2", "count": 7}}]"#),
            Ok(())
        );
    }

    #[test]
    fn routine_costs_are_limited() {
        let (path, _) = fails(with(&[(
            "processes.0.routines.on_read.cost_ns",
            "1000000000001",
        )]));
        assert_eq!(path, "processes[0].routines.on_read.cost_ns");
    }
}
