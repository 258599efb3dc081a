//! The kernel: all simulated state, the event loop, and the control surface
//! (`step`, `run_until`, `run`).
//!
//! State is split in two: [`Core`] holds what the kernel itself owns (CPUs, threads,
//! handle tables, IRPs, ports, the trace), and [`Kernel`] adds the drivers and the thread
//! programs, which the kernel calls into with a borrow of the core.

use crate::completion::CompletionPort;
use crate::costs::Costs;
use crate::cpu::Cpu;
use crate::device::{Device, DeviceView, HwCtx};
use crate::driver::{Completion, Driver, DriverCtx};
use crate::engine::Time;
use crate::engine::queue::EventQueue;
use crate::engine::rng::{self, Stream};
use crate::ids::*;
use crate::intr::Line;
use crate::io::{File, FileObject, Irp};
use crate::syscall::ThreadProgram;
use crate::thread::{Cont, Process, Routine, Segment, Thread, ThreadState};
use crate::trace::{TraceEvent, What};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use thiserror::Error;

/// What the byte budget counts for each object besides its data: fixed sizes, so the
/// point where a run stops is the same on every machine. Each is a little over the
/// object's size in memory.
pub mod held {
    /// A live IRP, with its stack location and its place in a driver's queue.
    pub const IRP: u64 = 256;
    /// A completion packet queued to a port.
    pub const PACKET: u64 = 64;
    /// A user APC queued to a thread.
    pub const APC: u64 = 64;
}

/// The most trace events [`Kernel::run`] reserves room for up front.
const MAX_TRACE_RESERVE: u64 = 64 << 20;

/// Something scheduled to happen at a future instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// The top frame of `cpu` finished its current piece of work (stale unless `epoch`
    /// matches the CPU's).
    Cpu { cpu: CpuId, epoch: u64 },
    /// A device timer fired.
    Device { device: DeviceId, token: u64 },
    /// A doorbell the driver rang reaches its device.
    Doorbell { device: DeviceId },
    /// A thread's timeslice ran out (stale unless `epoch` matches).
    Quantum { cpu: CpuId, epoch: u64 },
    /// A sleep or wait timeout expired (stale unless `epoch` matches the thread's).
    Timer { thread: ThreadId, epoch: u64 },
    /// A thread's start time came.
    Start { thread: ThreadId },
}

/// Counters kept as the run goes. Each one counts one kind of trace event, and is
/// raised exactly where that event is recorded, so it always equals the number of those
/// events in the run's trace (the integration test `every_counter_counts_its_event_kind`
/// checks this on every built-in scenario).
///
/// Interrupts are counted by source: a device's line (`device_interrupts`) and the clock
/// (`clock_interrupts`) are different mechanisms (a device asserts a line that the
/// controller delivers, and its ISR queues a DPC; the clock interrupts the CPU whose
/// timeslice ran out, and its ISR only decides whether the thread yields), and each has
/// its own ISR cost (`machine.costs.isr_ns` and `clock_isr_ns`). One `interrupts` count
/// beside one ISR time used to disagree about the clock: the count left it out and the
/// time put it in. Each count now has the CPU time of exactly those ISRs beside it, in
/// [`CpuTime`](crate::cpu::CpuTime).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// IRPs the I/O manager created, for programs' calls and for the kernel's own
    /// requests alike (`IrpCreated` events).
    pub irps_issued: u64,
    /// IRPs completed, whatever their status: successes, failures and cancellations
    /// (`IrpCompleted` events). A request that fails before it has an IRP is not one.
    pub irps_completed: u64,
    /// Bytes that completed read IRPs report having moved (the sum of `bytes` over the
    /// `IrpCompleted` events of reads), from disks and pipes alike.
    pub bytes_read: u64,
    /// Bytes that completed write IRPs report having moved (the sum of `bytes` over the
    /// `IrpCompleted` events of writes).
    pub bytes_written: u64,
    /// Times a device asserted its idle interrupt line (`InterruptRaised` events). Each
    /// is serviced by one device ISR, whose time is in `device_isr_ns`. The clock
    /// interrupt is not one of them: it is counted in `clock_interrupts`.
    pub device_interrupts: u64,
    /// Times a device signalled a completion while its line was already raised or in
    /// service (`InterruptCoalesced` events): no ISR of its own, as the DPC already due
    /// reaps that completion too.
    pub interrupts_coalesced: u64,
    /// Clock interrupts (`ClockInterrupt` events): a running thread's timeslice ran out.
    /// Each is serviced by one clock ISR, whose time is in `clock_isr_ns`.
    pub clock_interrupts: u64,
    /// DPCs that started running (`DpcStarted` events); a DPC queued while already
    /// queued is not queued twice, so it is counted once.
    pub dpcs: u64,
    /// User APCs that ran: completion routines and APCs queued by QueueUserAPC
    /// (`ApcRun` events).
    pub apcs_run: u64,
    /// User APCs thrown away because their thread had exited (`ApcDiscarded` events).
    pub apcs_discarded: u64,
    /// Completion packets queued to ports, for completed requests and posted by
    /// PostQueuedCompletionStatus alike (`PacketQueued` events).
    pub packets_queued: u64,
    /// Completion packets a thread took from a port (`PacketDequeued` events).
    pub packets_dequeued: u64,
    /// Times the dispatcher loaded a thread onto a CPU (`ContextSwitched` events),
    /// including a thread's first load and a load onto an idle CPU. A thread that goes
    /// on after an ISR or DPC on its own CPU is not switched.
    pub context_switches: u64,
    /// Times a running thread was taken off its CPU because its timeslice ran out while
    /// another thread was ready (`ThreadPreempted` events).
    pub preemptions: u64,
}

/// Machine-wide settings a kernel is built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineConfig {
    pub cpus: u16,
    pub costs: Costs,
    pub seed: u64,
    /// The most bytes of data the run may hold at once: the buffers of requests in
    /// flight and what the devices store. A run that would hold more stops with
    /// [`RunError::ByteBudget`].
    pub byte_budget: u64,
}

/// The state the kernel owns.
#[derive(Debug, Clone)]
pub struct Core {
    pub now: Time,
    pub seed: u64,
    pub costs: Costs,
    pub cpus: Vec<Cpu>,
    pub threads: Vec<Thread>,
    pub processes: Vec<Process>,
    pub ready: VecDeque<ThreadId>,
    pub files: Vec<File>,
    pub file_objects: Vec<FileObject>,
    pub device_names: Vec<String>,
    /// Each device's stack of drivers, the top one first; the last is the function
    /// driver, which handles the device's interrupts.
    pub stacks: Vec<Vec<DriverId>>,
    /// The device each driver is attached to.
    pub driver_devices: Vec<DeviceId>,
    /// Each device's own random stream.
    pub(crate) device_rngs: Vec<crate::engine::rng::SimRng>,
    /// The device pipes are made on, if the machine has one.
    pub pipe_device: Option<DeviceId>,
    /// The system worker thread that sends the kernel's own requests, once a client
    /// needs it.
    pub worker: Option<ThreadId>,
    /// Work waiting for the system worker: kernel requests to send, drivers' work items.
    pub work: VecDeque<crate::io::client::Work>,
    /// The file objects the kernel opened for its own requests, by file.
    pub kernel_files: BTreeMap<FileId, FileObjectId>,
    /// Interrupt lines by IRQ number.
    pub lines: BTreeMap<Irq, Line>,
    /// Whether each device's DPC is queued on some CPU (a DPC is queued at most once).
    pub(crate) dpc_queued: Vec<bool>,
    /// IRPs not yet delivered to their program.
    pub irps: crate::io::table::IrpTable,
    pub(crate) next_irp: u64,
    pub ports: Vec<CompletionPort>,
    /// The scenario's name (tag) of each OVERLAPPED, by number: numbered across all
    /// processes, so a packet's OVERLAPPED names one structure of one process.
    pub overlapped_tags: Vec<String>,
    pub event_objects: Vec<crate::object::Event>,
    pub semaphores: Vec<crate::object::Semaphore>,
    /// Trace events not yet taken out (see [`Kernel::move_trace_into`]).
    pub trace: Vec<TraceEvent>,
    /// Trace events recorded so far, taken out or not: the summary's `events` and what
    /// the event limit counts, so a caller may print and drop events as they come.
    pub events: u64,
    /// Events handled so far: the number of `step()` calls that did something.
    pub steps: u64,
    pub stats: Counters,
    pub(crate) queue: EventQueue<Event>,
    /// Why the run cannot go on, once something made it impossible (time overflowed).
    pub(crate) fault: Option<RunError>,
    /// Bytes the kernel holds for the run's objects: live IRPs with their buffers,
    /// queued packets and APCs (counted at the fixed sizes in [`held`]).
    pub held_bytes: u64,
    /// The most [`Kernel::bytes_held`] has reached, or asked for, so far.
    pub peak_bytes: u64,
    pub byte_budget: u64,
}

/// A whole simulated machine. Its `Debug` output is its whole state (kernel, drivers
/// and devices, thread programs), which is what a checkpoint saves and a replay restores.
#[derive(Clone, Debug)]
pub struct Kernel {
    pub(crate) core: Core,
    pub(crate) devices: Vec<Box<dyn Device>>,
    pub(crate) drivers: Vec<Box<dyn Driver>>,
    pub(crate) programs: Vec<Box<dyn ThreadProgram>>,
    /// Per thread, the bodies of the APC routines it is inside, innermost last.
    pub(crate) routine_programs: Vec<Vec<Box<dyn ThreadProgram>>>,
    /// Kernel components that issue IRPs of their own.
    pub(crate) clients: Vec<Box<dyn crate::io::client::Client>>,
}

/// A saved kernel state, for stepping backward: restore it and replay forward.
///
/// The trace is append-only, so a checkpoint keeps only its length, not a copy: memory
/// per checkpoint is the kernel's state, however long the run.
#[derive(Clone)]
pub struct Checkpoint {
    kernel: Kernel,
    trace_len: usize,
}

impl Checkpoint {
    /// The step the checkpoint was taken at.
    pub fn steps(&self) -> u64 {
        self.kernel.core.steps
    }
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RunError {
    /// The trace reached the event limit; the run is cut off there and cannot continue.
    #[error(
        "the run stopped after {limit} trace events without finishing; \
         raise the limit with --set machine.event_limit=N if the scenario is meant to be this long"
    )]
    EventLimit { limit: u64 },
    /// Simulated time would pass the largest time the clock can hold.
    #[error(
        "simulated time overflowed: at t={now} ns, {what} asked for {delay} ns more, past the \
         clock's end ({max} ns); the scenario's times or costs are too large"
    )]
    TimeOverflow {
        now: u64,
        delay: u64,
        what: &'static str,
        max: u64,
    },
    /// The run would hold more data at once than its byte budget.
    #[error(
        "the run would hold {held} bytes of data at once ({what}), more than its byte budget of \
         {budget}"
    )]
    ByteBudget {
        budget: u64,
        held: u64,
        what: &'static str,
    },
}

/// Per-CPU figures in the summary: where one CPU's time went, in nanoseconds of
/// simulated time. Time is booked to what ran on top of the CPU's frame stack; a frame
/// paused under an interrupt books nothing while it waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CpuSummary {
    /// Time the CPU ran anything: the sum of the five times below. The CPU idled for
    /// the rest of `sim_time_ns`.
    pub busy_ns: u64,
    #[serde(flatten)]
    pub time: crate::cpu::CpuTime,
}

/// What a run did, in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The simulated clock, in nanoseconds, when the summary was taken: at the end of a
    /// run, the time of its last step.
    pub sim_time_ns: u64,
    /// Trace events the run recorded: as many as `--format json` and `jsonl` print.
    pub events: u64,
    #[serde(flatten)]
    pub counters: Counters,
    /// Threads still waiting when nothing was left to happen (a deadlock or a missed
    /// wake-up in the scenario), by name, in thread-number order. The system worker,
    /// which waits for work by design, is never listed; nothing is listed while the run
    /// can go on.
    pub threads_blocked_at_end: Vec<String>,
    /// One entry per CPU, by CPU number.
    pub cpus: Vec<CpuSummary>,
    /// Each device's figures: its hardware's and its drivers', by device name, then by
    /// figure name (see each device model's `stats`).
    pub devices: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Event {
    /// What asked for the time, in words for an error message.
    fn what(self) -> &'static str {
        match self {
            Event::Cpu { .. } => "a piece of CPU work",
            Event::Device { .. } => "a device",
            Event::Doorbell { .. } => "a doorbell write",
            Event::Quantum { .. } => "the clock (a timeslice)",
            Event::Timer { .. } => "a sleep or wait timeout",
            Event::Start { .. } => "a thread's start time",
        }
    }
}

impl Core {
    fn new(config: &MachineConfig) -> Self {
        Self {
            now: 0,
            seed: config.seed,
            costs: config.costs.clone(),
            cpus: (0..config.cpus).map(|i| Cpu::new(CpuId(i))).collect(),
            threads: Vec::new(),
            processes: Vec::new(),
            ready: VecDeque::new(),
            files: Vec::new(),
            file_objects: Vec::new(),
            device_names: Vec::new(),
            stacks: Vec::new(),
            driver_devices: Vec::new(),
            device_rngs: Vec::new(),
            pipe_device: None,
            worker: None,
            work: VecDeque::new(),
            kernel_files: BTreeMap::new(),
            lines: BTreeMap::new(),
            dpc_queued: Vec::new(),
            irps: Default::default(),
            next_irp: 1,
            ports: Vec::new(),
            overlapped_tags: Vec::new(),
            event_objects: Vec::new(),
            semaphores: Vec::new(),
            trace: Vec::new(),
            events: 0,
            steps: 0,
            stats: Counters::default(),
            queue: EventQueue::default(),
            fault: None,
            held_bytes: 0,
            peak_bytes: 0,
            byte_budget: config.byte_budget,
        }
    }

    /// Appends a trace record at the current time.
    pub(crate) fn trace(&mut self, cpu: Option<CpuId>, what: What) {
        self.events += 1;
        self.trace.push(TraceEvent {
            time: self.now,
            cpu,
            what,
        });
    }

    /// Schedules `event` `delay` ns from now and returns when it will happen. Time is
    /// checked: if it would overflow, the run stops with [`RunError::TimeOverflow`]
    /// (nothing is scheduled, and `step` does nothing more).
    pub(crate) fn schedule_after(&mut self, delay: u64, event: Event) -> Time {
        match self.now.checked_add(delay) {
            Some(at) => {
                self.queue.push(at, event);
                at
            }
            None => {
                self.fault.get_or_insert(RunError::TimeOverflow {
                    now: self.now,
                    delay,
                    what: event.what(),
                    max: Time::MAX,
                });
                Time::MAX
            }
        }
    }

    pub fn irp(&self, id: IrpId) -> &Irp {
        self.irps
            .get(&id)
            .unwrap_or_else(|| panic!("{id} is not live"))
    }

    pub(crate) fn irp_mut(&mut self, id: IrpId) -> &mut Irp {
        self.irps
            .get_mut(&id)
            .unwrap_or_else(|| panic!("{id} is not live"))
    }

    pub(crate) fn thread_mut(&mut self, id: ThreadId) -> &mut Thread {
        &mut self.threads[id.0 as usize]
    }
}

impl Kernel {
    pub fn new(config: MachineConfig) -> Self {
        assert!(config.cpus > 0, "a machine needs at least one CPU");
        Self {
            core: Core::new(&config),
            devices: Vec::new(),
            drivers: Vec::new(),
            programs: Vec::new(),
            routine_programs: Vec::new(),
            clients: Vec::new(),
        }
    }

    /// Adds a device with its function driver (the driver that programs it and handles
    /// its interrupts); its interrupt line, if it has one, is registered.
    pub fn add_device(
        &mut self,
        name: &str,
        device: Box<dyn Device>,
        function_driver: Box<dyn Driver>,
    ) -> DeviceId {
        let id = DeviceId(self.devices.len() as u16);
        if let Some(irq) = device.irq() {
            let old = self.core.lines.insert(irq, Line::new(irq, id));
            assert!(old.is_none(), "{irq} is already used by another device");
        }
        self.devices.push(device);
        self.core.device_names.push(name.to_string());
        self.core.dpc_queued.push(false);
        self.core.stacks.push(Vec::new());
        self.core
            .device_rngs
            .push(rng::stream(self.core.seed, Stream::Device, u64::from(id.0)));
        self.attach(id, function_driver);
        id
    }

    /// Attaches a filter driver on top of a device's stack (IoAttachDeviceToDeviceStack):
    /// IRPs for the device reach it first.
    pub fn attach(&mut self, device: DeviceId, driver: Box<dyn Driver>) -> DriverId {
        let id = DriverId(self.drivers.len() as u16);
        let worker = driver.uses_work_items();
        self.drivers.push(driver);
        if worker {
            self.ensure_worker();
        }
        self.core.driver_devices.push(device);
        self.core.stacks[device.0 as usize].insert(0, id);
        id
    }

    /// The device's hardware, as the type it was built as (to load a disk's content, or
    /// read a device's state in a test).
    pub fn hardware<T: Device + 'static>(&mut self, device: DeviceId) -> Option<&mut T> {
        self.devices[device.0 as usize]
            .as_any_mut()
            .downcast_mut::<T>()
    }

    /// Declares a file as an extent of a device, optionally with initial content.
    pub fn add_file(
        &mut self,
        name: &str,
        device: DeviceId,
        start: u64,
        length: u64,
        content: &[u8],
    ) -> FileId {
        let capacity = self.devices[device.0 as usize]
            .capacity()
            .expect("a file lies on a storage device");
        assert!(
            start + length <= capacity,
            "file {name} lies past the end of its device"
        );
        assert!(
            content.len() as u64 <= length,
            "file {name} content too long"
        );
        if !content.is_empty() {
            self.devices[device.0 as usize].preload(start, content);
        }
        let id = FileId(self.core.files.len() as u32);
        self.core.files.push(File {
            id,
            name: name.to_string(),
            device,
            start,
            length,
            kind: crate::io::FileKind::Extent,
        });
        id
    }

    /// Adds the device pipes live on (its driver keeps their buffers): CreatePipe and
    /// CreateNamedPipe make files on it.
    pub fn add_pipe_device(
        &mut self,
        name: &str,
        device: Box<dyn Device>,
        driver: Box<dyn Driver>,
    ) -> DeviceId {
        let id = self.add_device(name, device, driver);
        self.core.pipe_device = Some(id);
        id
    }

    /// Names a new OVERLAPPED structure `tag`, giving it the next number.
    pub fn add_overlapped(&mut self, tag: &str) -> OverlappedId {
        let id = OverlappedId::nth(self.core.overlapped_tags.len() as u32);
        self.core.overlapped_tags.push(tag.to_owned());
        id
    }

    pub fn add_process(&mut self, name: &str, routines: Vec<Routine>) -> ProcessId {
        let id = ProcessId(self.core.processes.len() as u32);
        self.core.processes.push(Process {
            id,
            name: name.to_string(),
            handles: Default::default(),
            routines,
            threads: Vec::new(),
            vars: BTreeMap::new(),
            overlapped: BTreeMap::new(),
        });
        id
    }

    /// Adds a thread that starts running `program` at `start`.
    pub fn add_thread(
        &mut self,
        process: ProcessId,
        name: &str,
        start: Time,
        program: Box<dyn ThreadProgram>,
    ) -> ThreadId {
        let id = ThreadId(self.core.threads.len() as u32);
        self.core.threads.push(Thread {
            id,
            name: name.to_string(),
            process,
            start,
            state: ThreadState::NotStarted,
            apcs: VecDeque::new(),
            port: None,
            counted: false,
            segment: Segment {
                remaining: 0,
                cont: Cont::NextOp,
            },
            wait: None,
            timer_gen: 0,
            last: Default::default(),
            call: None,
            file_lock: None,
            apc_frames: Vec::new(),
            batch: 0,
            began: false,
            ran: false,
            sync_result: None,
            exit_waiters: Vec::new(),
            wait_objects: Vec::new(),
            wait_refs: Vec::new(),
            rng: rng::stream(self.core.seed, Stream::Workload, u64::from(id.0)),
        });
        self.core.processes[process.0 as usize].threads.push(id);
        self.programs.push(program);
        self.routine_programs.push(Vec::new());
        // Threads are added before the run, at time 0: the start time is the delay.
        self.core.schedule_after(start, Event::Start { thread: id });
        id
    }

    /// Saves the current state (without copying the trace).
    pub fn checkpoint(&mut self) -> Checkpoint {
        let trace = std::mem::take(&mut self.core.trace);
        let kernel = self.clone();
        self.core.trace = trace;
        Checkpoint {
            kernel,
            trace_len: self.core.trace.len(),
        }
    }

    /// The kernel as it was at `checkpoint`, taking over `trace` (this run's trace, cut
    /// back to the checkpoint's length). Replaying from here reproduces the same steps.
    pub fn restore(checkpoint: &Checkpoint, mut trace: Vec<TraceEvent>) -> Kernel {
        assert!(
            trace.len() >= checkpoint.trace_len,
            "the trace does not reach the checkpoint"
        );
        trace.truncate(checkpoint.trace_len);
        let mut kernel = checkpoint.kernel.clone();
        kernel.core.trace = trace;
        kernel
    }

    /// Takes the trace out, leaving this kernel with none: for handing the trace over to
    /// [`Kernel::restore`] when stepping back.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.core.trace)
    }

    /// Moves the events traced since the last call onto the end of `out`, leaving this
    /// kernel's trace empty but keeping its buffer: for a viewer that holds the run's one
    /// copy of the trace while kernels step and replay.
    pub fn move_trace_into(&mut self, out: &mut Vec<TraceEvent>) {
        out.append(&mut self.core.trace);
    }

    /// Drops the events traced so far, keeping the buffer: for a replay whose events are
    /// already known.
    pub fn discard_trace(&mut self) {
        self.core.trace.clear();
    }

    /// Gives up the kernel, keeping its trace (to hand to [`Kernel::restore`]).
    pub fn into_trace(self) -> Vec<TraceEvent> {
        self.core.trace
    }

    /// Read access to everything the kernel owns.
    pub fn core(&self) -> &Core {
        &self.core
    }

    pub fn now(&self) -> Time {
        self.core.now
    }

    pub fn trace(&self) -> &[TraceEvent] {
        &self.core.trace
    }

    /// What the walkthrough draws of a device: its hardware's view with each of its
    /// drivers' (queues and counters) added, the top driver's first.
    pub fn device_view(&self, device: DeviceId) -> DeviceView {
        let mut view = self.devices[device.0 as usize].view();
        for d in &self.core.stacks[device.0 as usize] {
            let v = self.drivers[d.0 as usize].view();
            view.rings.extend(v.rings);
            view.queues.extend(v.queues);
            view.buffers.extend(v.buffers);
            view.registers.extend(v.registers);
            view.counters.extend(v.counters);
        }
        view
    }

    /// A device's figures for the summary: its hardware's and its drivers'.
    pub fn device_stats(&self, device: DeviceId) -> BTreeMap<String, u64> {
        let mut stats: BTreeMap<String, u64> = self.devices[device.0 as usize]
            .stats()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for d in &self.core.stacks[device.0 as usize] {
            stats.extend(
                self.drivers[d.0 as usize]
                    .stats()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v)),
            );
        }
        stats
    }

    /// The driver objects, by id.
    pub fn driver_name(&self, driver: DriverId) -> &'static str {
        self.drivers[driver.0 as usize].name()
    }

    /// Whether anything is left to happen (nothing is after a fault).
    pub fn is_finished(&self) -> bool {
        self.core.queue.is_empty() || self.core.fault.is_some()
    }

    /// When the next [`Kernel::step`] happens, if anything is left to happen: what the
    /// state at a given time is can be read only before the first step past it. Queue
    /// entries that step would skip as stale are dropped first, as it would drop them,
    /// so the time is that of the step's own event.
    pub fn next_time(&mut self) -> Option<Time> {
        if self.core.fault.is_some() {
            return None;
        }
        while let Some((at, &event)) = self.core.queue.peek() {
            if !self.is_stale(event) {
                return Some(at);
            }
            self.core.queue.pop();
        }
        None
    }

    /// Advances by exactly one event. Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        if self.core.fault.is_some() {
            return false;
        }
        while let Some((at, event)) = self.core.queue.pop() {
            if self.is_stale(event) {
                continue;
            }
            debug_assert!(at >= self.core.now, "time went backwards");
            self.core.now = at;
            self.core.steps += 1;
            self.handle(event);
            self.check_bytes(0, "requests, packets, APCs and stored data");
            return true;
        }
        false
    }

    /// Advances by one event, as [`Kernel::step`], then fails if the run has now recorded
    /// more than `event_limit` trace events: for a caller that takes the events out as
    /// they come. Returns false when nothing is left to happen.
    pub fn step_within(&mut self, event_limit: u64) -> Result<bool, RunError> {
        let stepped = self.step();
        self.check_limit(event_limit)?;
        Ok(stepped)
    }

    /// Steps until the next event would be later than `t` (or nothing is left); the
    /// clock then reads `t`.
    pub fn run_until(&mut self, t: Time, event_limit: u64) -> Result<(), RunError> {
        while self.core.queue.peek_time().is_some_and(|next| next <= t) {
            self.step();
            self.check_limit(event_limit)?;
        }
        self.core.now = self.core.now.max(t);
        Ok(())
    }

    /// Steps until nothing is left to happen.
    pub fn run(&mut self, event_limit: u64) -> Result<(), RunError> {
        // Reserve the trace once: growing a vector of millions of events by doubling
        // copies it again and again. Untouched reserved memory costs nothing.
        let want = event_limit.min(MAX_TRACE_RESERVE) as usize;
        self.core
            .trace
            .reserve(want.saturating_sub(self.core.trace.len()));
        while self.step() {
            self.check_limit(event_limit)?;
        }
        self.check_limit(event_limit)
    }

    /// Bytes of data the run holds now: the buffers of requests in flight and what the
    /// devices store.
    pub fn bytes_held(&self) -> u64 {
        let stored: u64 = self.devices.iter().map(|d| d.stored_bytes()).sum();
        let buffered: u64 = self.drivers.iter().map(|d| d.stored_bytes()).sum();
        self.core
            .held_bytes
            .saturating_add(stored)
            .saturating_add(buffered)
    }

    /// Whether the run may hold `more` bytes beyond what it holds now; if not, the run
    /// stops with [`RunError::ByteBudget`] (`what` says what asked).
    pub(crate) fn check_bytes(&mut self, more: u64, what: &'static str) -> bool {
        let held = self.bytes_held().saturating_add(more);
        self.core.peak_bytes = self.core.peak_bytes.max(held);
        if held <= self.core.byte_budget {
            return true;
        }
        self.core.fault.get_or_insert(RunError::ByteBudget {
            budget: self.core.byte_budget,
            held,
            what,
        });
        false
    }

    /// Why the run cannot go on, if something stopped it (see [`RunError`]); `step`
    /// then returns false.
    pub fn fault(&self) -> Option<&RunError> {
        self.core.fault.as_ref()
    }

    fn check_limit(&self, limit: u64) -> Result<(), RunError> {
        if let Some(fault) = &self.core.fault {
            return Err(fault.clone());
        }
        if self.core.events > limit {
            return Err(RunError::EventLimit { limit });
        }
        Ok(())
    }

    fn is_stale(&self, event: Event) -> bool {
        match event {
            Event::Cpu { cpu, epoch } => self.core.cpus[cpu.0 as usize].epoch != epoch,
            Event::Quantum { cpu, epoch } => self.core.cpus[cpu.0 as usize].quantum_gen != epoch,
            Event::Timer { thread, epoch } => {
                self.core.threads[thread.0 as usize].timer_gen != epoch
            }
            Event::Device { .. } | Event::Doorbell { .. } | Event::Start { .. } => false,
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Cpu { cpu, .. } => self.cpu_work_done(cpu),
            Event::Device { device, token } => {
                self.with_device(device, |d, hw| d.timer(hw, token));
            }
            Event::Doorbell { device } => {
                self.with_device(device, |d, hw| d.doorbell(hw));
            }
            Event::Quantum { cpu, .. } => self.core.clock_interrupt(cpu),
            Event::Timer { thread, .. } => self.core.timer_expired(thread),
            Event::Start { thread } => self.core.start_thread(thread),
        }
    }

    /// Calls into a driver with a context borrowing the core. Returns what the call
    /// returned, the CPU time it charged, and the completions it asked for (to deliver
    /// once that time is paid).
    pub(crate) fn with_driver<R>(
        &mut self,
        driver: DriverId,
        cpu: Option<CpuId>,
        f: impl FnOnce(&mut dyn Driver, &mut DriverCtx<'_>) -> R,
    ) -> (R, u64, Vec<Completion>) {
        let device = self.core.driver_devices[driver.0 as usize];
        let mut io = DriverCtx {
            core: &mut self.core,
            hardware: self.devices[device.0 as usize].as_mut(),
            device,
            driver,
            cpu,
            charged: 0,
            completions: Vec::new(),
        };
        let r = f(self.drivers[driver.0 as usize].as_mut(), &mut io);
        (r, io.charged, io.completions)
    }

    /// The function driver of a device: the bottom of its stack.
    pub(crate) fn function_driver(&self, device: DeviceId) -> DriverId {
        *self.core.stacks[device.0 as usize]
            .last()
            .expect("every device has a function driver")
    }

    /// Lets a device act on its own: no CPU, no charge.
    pub(crate) fn with_device(
        &mut self,
        device: DeviceId,
        f: impl FnOnce(&mut dyn Device, &mut HwCtx<'_>),
    ) {
        let mut hw = HwCtx {
            core: &mut self.core,
            device,
        };
        f(self.devices[device.0 as usize].as_mut(), &mut hw);
    }

    /// The run's figures so far.
    pub fn summary(&self) -> Summary {
        let c = &self.core;
        Summary {
            sim_time_ns: c.now,
            events: c.events,
            counters: c.stats.clone(),
            threads_blocked_at_end: if self.is_finished() {
                c.threads
                    .iter()
                    // The system worker waits for work by design: it is never stuck.
                    .filter(|t| {
                        matches!(t.state, ThreadState::Waiting { .. }) && Some(t.id) != c.worker
                    })
                    .map(|t| t.name.clone())
                    .collect()
            } else {
                Vec::new()
            },
            cpus: c
                .cpus
                .iter()
                .map(|cpu| CpuSummary {
                    busy_ns: cpu.time.busy_ns(),
                    time: cpu.time,
                })
                .collect(),
            devices: c
                .device_names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), self.device_stats(DeviceId(i as u16))))
                .collect(),
        }
    }
}
