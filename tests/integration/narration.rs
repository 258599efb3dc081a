//! Every sentence true: each step of every scenario is walked, and what the narration and
//! the walkthrough's hints claim is checked against the kernel's state and against what
//! the trace shows happened next (for kernel objects: which object a wait result names,
//! who a set event or a released semaphore lets through, that a destroyed object has no
//! handle and no waiter left). A sentence added later cannot drift from the model
//! without one of these checks failing.

use kernel_sim::cpu::FrameKind;
use kernel_sim::io::Object;
use kernel_sim::io::{Major, Status};
use kernel_sim::object::WaitResult;
use kernel_sim::trace::{Narrator, Note, WaitReason, WakeReason};
use kernel_sim::{CpuId, IoMode, IrpId, Kernel, Lane, ThreadId, TraceEvent, What};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What a CPU last did with threads, as the trace tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CpuThread {
    /// No thread has run here yet.
    Never,
    Running(ThreadId),
    /// The thread's frame left (it waited or was preempted): its context was saved now.
    Left(ThreadId),
    Exited,
    Idle,
}

/// Everything the checks remember between steps.
struct Walk {
    name: String,
    /// The whole run's trace, to see what happened after a step.
    future: Vec<TraceEvent>,
    cpu: Vec<CpuThread>,
    /// CPUs with nothing on them (no thread, ISR, DPC or switch), per the trace.
    idle: Vec<bool>,
    ready: VecDeque<ThreadId>,
    /// Per CPU: requests completed and started since its DPC began.
    dpc_work: Vec<Option<(u32, u32)>>,
    /// Per CPU and ISR device: the frame the ISR interrupted, from the state.
    interrupted: BTreeMap<(CpuId, u16), Option<FrameKind>>,
    /// Each IRP's completion mode, from the state when it was built.
    modes: BTreeMap<IrpId, IoMode>,
    /// IRPs not completed yet, with their thread and whether they would run to their end
    /// after their thread exits (false for overlapped I/O on a file bound to a port, which
    /// exit leaves alone, and for requests their driver took back).
    open: BTreeMap<IrpId, (ThreadId, bool)>,
    completed: BTreeSet<IrpId>,
    /// The start of each thread's current stretch of user-mode code, and its CPU time.
    computing: BTreeMap<ThreadId, (u64, u64)>,
    /// Threads waiting on kernel objects, and the objects, from the state when they began.
    object_waits: BTreeMap<ThreadId, Vec<Object>>,
    /// The objects of each thread's last wait that ended by a signal, until the call
    /// returns.
    signalled_waits: BTreeMap<ThreadId, Vec<Object>>,
    narrator: Narrator,
    notes: BTreeSet<Note>,
    hinted_interrupts: usize,
    /// Which kinds of hint promise were checked at least once.
    promises: BTreeSet<&'static str>,
    /// The thread that asked for each IRP, until the run ends.
    open_threads: BTreeMap<IrpId, ThreadId>,
}

fn fail(w: &Walk, index: usize, e: &TraceEvent, why: &str) -> ! {
    panic!(
        "{}: event {index} ({:?} at {} ns): {why}",
        w.name, e.what, e.time
    )
}

impl Walk {
    /// Checks the events of one step, with `k` the state after it.
    fn step(&mut self, k: &Kernel, from: usize) {
        let events: Vec<(usize, TraceEvent)> = k.trace()[from..]
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, e)| (from + i, e))
            .collect();
        for (i, e) in &events {
            self.event(k, *i, e, &events);
        }
        self.hint(k, from, &events);
    }

    fn event(&mut self, k: &Kernel, i: usize, e: &TraceEvent, step: &[(usize, TraceEvent)]) {
        let sentence = k.explain(e);
        let note = self.narrator.observe(e);
        if let Some(note) = note
            && !self.notes.insert(note)
        {
            fail(self, i, e, "a note given twice");
        }
        let c = e.cpu.map(|c| c.0 as usize);
        match e.what {
            What::ContextSwitched { from, to, idle, .. } => {
                let c = c.expect("a switch runs on a CPU");
                let was = self.cpu[c];
                let ok = match from {
                    // A context is saved only from a thread that left this CPU just now.
                    Some(f) => was == CpuThread::Left(f),
                    None if idle => matches!(was, CpuThread::Idle | CpuThread::Never),
                    None => was == CpuThread::Exited,
                };
                if !ok {
                    fail(
                        self,
                        i,
                        e,
                        &format!("the CPU's last thread event was {was:?}"),
                    );
                }
                if self.ready.pop_front() != Some(to) {
                    fail(
                        self,
                        i,
                        e,
                        "switched to a thread not at the head of the queue",
                    );
                }
                self.idle[c] = false;
            }
            What::ThreadResumed { thread } => self.cpu[c.unwrap()] = CpuThread::Running(thread),
            What::ThreadWaiting { thread, .. } | What::ThreadPreempted { thread } => {
                self.cpu[c.unwrap()] = CpuThread::Left(thread);
                if matches!(e.what, What::ThreadPreempted { .. }) {
                    self.ready.push_back(thread);
                }
            }
            What::ThreadExited { thread, in_flight } => {
                self.cpu[c.unwrap()] = CpuThread::Exited;
                let left = self
                    .open
                    .values()
                    .filter(|&&(t, cancellable)| t == thread && cancellable)
                    .count() as u32;
                if left != in_flight {
                    fail(self, i, e, &format!("{left} of its requests are in flight"));
                }
            }
            What::CpuIdle => {
                self.cpu[c.unwrap()] = CpuThread::Idle;
                self.idle[c.unwrap()] = true;
            }
            What::IsrStarted { device, .. } => {
                let c = c.unwrap();
                self.idle[c] = false;
                let frames = &k.core().cpus[c].frames;
                let at = frames
                    .iter()
                    .rposition(
                        |f| matches!(f.kind, FrameKind::Isr { device: d, .. } if d == device),
                    )
                    .expect("the ISR's frame is on its CPU");
                let below = at.checked_sub(1).map(|b| frames[b].kind);
                self.interrupted.insert((CpuId(c as u16), device.0), below);
            }
            What::IsrFinished {
                device,
                dpc_next,
                interrupted,
                ..
            } => {
                let cpu = e.cpu.unwrap();
                if self.interrupted.remove(&(cpu, device.0)) != Some(interrupted) {
                    fail(
                        self,
                        i,
                        e,
                        "it names another frame than the ISR interrupted",
                    );
                }
                if dpc_next && !self.dpc_runs_first(i, cpu) {
                    fail(self, i, e, "something else ran on the CPU before the DPC");
                }
            }
            What::ClockInterrupt | What::DpcStarted { .. } => {
                self.idle[c.unwrap()] = false;
                if matches!(e.what, What::DpcStarted { .. }) {
                    self.dpc_work[c.unwrap()] = Some((0, 0));
                }
            }
            What::CancelRoutineRan {
                irp, taken: true, ..
            } => {
                // Taken back by its driver: it no longer runs to its end.
                if let Some(open) = self.open.get_mut(&irp) {
                    open.1 = false;
                }
            }
            What::IrpCompleted { irp, .. } => {
                self.completed.insert(irp);
                self.open.remove(&irp);
                if let Some(w) = c.and_then(|c| self.dpc_work[c].as_mut()) {
                    w.0 += 1;
                }
            }
            What::IrpStarted { .. } => {
                if let Some(w) = c.and_then(|c| self.dpc_work[c].as_mut()) {
                    w.1 += 1;
                }
            }
            What::DpcFinished {
                completed, started, ..
            } => {
                let did = self.dpc_work[c.unwrap()].take();
                if did != Some((completed, started)) {
                    fail(
                        self,
                        i,
                        e,
                        &format!("the trace shows {did:?} (completed, started)"),
                    );
                }
            }
            What::ThreadReady {
                thread,
                queued,
                ahead,
            } => {
                let any_idle = self.idle.iter().any(|&idle| idle);
                if queued == any_idle {
                    fail(self, i, e, &format!("idle CPUs: {:?}", self.idle));
                }
                if ahead as usize != self.ready.len() {
                    fail(self, i, e, &format!("the queue holds {:?}", self.ready));
                }
                self.ready.push_back(thread);
                let switched_in = step.iter().any(|(j, later)| {
                    *j > i && matches!(later.what, What::ContextSwitched { to, .. } if to == thread)
                });
                if !queued && !switched_in {
                    fail(
                        self,
                        i,
                        e,
                        "said an idle CPU takes it, but none did in this step",
                    );
                }
            }
            What::ThreadComputed { thread, ns, pass } => {
                if let Some(p) = pass
                    && !(1..=p.of).contains(&p.n)
                {
                    fail(self, i, e, "a pass outside its repeat");
                }
                self.computing.insert(thread, (e.time, ns));
            }
            What::ComputeStretched {
                thread,
                ns,
                wall_ns,
            } => {
                let began = self.computing.get(&thread).copied();
                if began != Some((e.time - wall_ns, ns)) || wall_ns <= ns {
                    fail(self, i, e, &format!("the stretch began as {began:?}"));
                }
            }
            What::IrpCreated { irp, thread, .. } => {
                let thread = thread.expect("a scenario's requests come from threads");
                let core = k.core();
                let mode = core.irps[&irp].mode;
                let bound = core.file_objects[core.irps[&irp].file_object.0 as usize]
                    .port
                    .is_some();
                self.modes.insert(irp, mode);
                self.open_threads.insert(irp, thread);
                self.open
                    .insert(irp, (thread, !(mode.is_overlapped() && bound)));
            }
            What::IoReturned {
                irp, pending, sync, ..
            } => {
                if pending == self.completed.contains(&irp) {
                    fail(self, i, e, "pending says the opposite of the trace");
                }
                if sync != (self.modes[&irp] == IoMode::Sync) {
                    fail(self, i, e, "the handle is not as said");
                }
            }
            _ => {}
        }
        self.objects(k, i, e, step);
        // Names: ports by the scenario's names; the Win32 calls by their names.
        if let What::PortCreated { port, .. }
        | What::FileBound { port, .. }
        | What::PacketQueued { port, .. }
        | What::PacketDequeued { port, .. }
        | What::PortRunningOver { port, .. }
        | What::PortHeldPacket { port, .. }
        | What::PortClosed { port, .. } = e.what
            && !sentence.contains(k.port_name(port))
        {
            fail(self, i, e, "the port is not called by its scenario name");
        }
        if let What::ThreadWaiting {
            call, alertable, ..
        } = e.what
        {
            if !sentence.contains(call) {
                fail(self, i, e, "the call is not named");
            }
            if alertable && call == "Sleep" {
                fail(self, i, e, "an alertable sleep is SleepEx");
            }
        }
        for wrong in ["saves", "borrows", "refilled", "fresh timeslice"] {
            if sentence.contains(wrong)
                && !matches!(e.what, What::ContextSwitched { from: Some(_), .. })
            {
                fail(self, i, e, &format!("says {wrong:?}"));
            }
        }
    }

    /// Kernel objects and waits on them: what the sentences about events, semaphores,
    /// handles and wait results claim, against the state after the step and the step's
    /// later events.
    fn objects(&mut self, k: &Kernel, i: usize, e: &TraceEvent, step: &[(usize, TraceEvent)]) {
        let core = k.core();
        let later = || step.iter().filter(move |(j, _)| *j > i).map(|(_, l)| l);
        let woken_here = |thread: ThreadId| {
            later().any(|l| {
                matches!(l.what, What::ThreadWoken { thread: t, reason: WakeReason::Signalled } if t == thread)
            })
        };
        match e.what {
            What::ThreadWaiting {
                thread,
                reason: WaitReason::Objects,
                ..
            } => {
                let objects = core.threads[thread.0 as usize].wait_objects.clone();
                if objects.is_empty()
                    && !later().any(
                        |l| matches!(l.what, What::ThreadWoken { thread: t, .. } if t == thread),
                    )
                {
                    fail(self, i, e, "waits on objects, but the state lists none");
                }
                self.object_waits.insert(thread, objects);
            }
            What::ThreadWoken { thread, reason } => {
                if let Some(objects) = self.object_waits.remove(&thread)
                    && reason == WakeReason::Signalled
                {
                    self.signalled_waits.insert(thread, objects);
                }
            }
            What::WaitReturned {
                thread,
                result,
                object,
                ..
            } => {
                let waited = self.signalled_waits.remove(&thread);
                match (result, object) {
                    (WaitResult::Object { index }, Some(o)) => {
                        // "<object> is signalled": the one at the index the call returns.
                        if let Some(objects) = waited
                            && objects.get(index as usize) != Some(&o)
                        {
                            fail(
                                self,
                                i,
                                e,
                                &format!("names {o:?}, not the object at {index} of {objects:?}"),
                            );
                        }
                    }
                    (WaitResult::Object { .. }, None) => {}
                    (_, Some(_)) => fail(self, i, e, "names an object, but no object ended it"),
                    (_, None) => {}
                }
            }
            What::EventSet { event, .. } if core.event_objects[event.0 as usize].manual_reset => {
                // "every thread waiting on it is released"
                let waiting: Vec<ThreadId> = self
                    .object_waits
                    .iter()
                    .filter(|(_, objects)| objects.contains(&Object::Event(event)))
                    .map(|(t, _)| *t)
                    .collect();
                if let Some(t) = waiting.into_iter().find(|&t| !woken_here(t)) {
                    fail(
                        self,
                        i,
                        e,
                        &format!("says every waiting thread is released, but {t} still waits"),
                    );
                }
            }
            What::SemaphoreReleased { semaphore, now, .. } => {
                // "its count is <now>, and each waiting thread a count lets through is
                // released, taking one"
                let released = self
                    .object_waits
                    .iter()
                    .filter(|(t, objects)| {
                        objects.contains(&Object::Semaphore(semaphore)) && woken_here(**t)
                    })
                    .count() as u32;
                let count = core.semaphores[semaphore.0 as usize].count;
                if now.checked_sub(released) != Some(count) {
                    fail(
                        self,
                        i,
                        e,
                        &format!("{released} released and the count is {count}"),
                    );
                }
            }
            What::ObjectOpened {
                thread,
                handle,
                object,
            } => {
                let process = core.threads[thread.0 as usize].process;
                let closed = later()
                    .any(|l| matches!(l.what, What::HandleClosed { handle: h, .. } if h == handle));
                let held = core.processes[process.0 as usize].handles.get(handle);
                if !closed && held != Some(object) {
                    fail(self, i, e, &format!("the handle table holds {held:?}"));
                }
            }
            What::ObjectDestroyed { object } => {
                // "The last handle to <object> is closed"
                if let Some(p) = core
                    .processes
                    .iter()
                    .find(|p| p.handles.iter().any(|(_, o)| o == object))
                {
                    fail(
                        self,
                        i,
                        e,
                        &format!("process {} still has a handle to it", p.name),
                    );
                }
                // A wait holds a reference too: an object is not destroyed under a waiter.
                if let Some(t) = self
                    .object_waits
                    .iter()
                    .find(|(_, objects)| objects.contains(&object))
                    .map(|(t, _)| *t)
                {
                    fail(self, i, e, &format!("{t} still waits on it"));
                }
            }
            _ => {}
        }
    }

    /// The promises the hints about requests, cancels and objects make, for the hint
    /// `hint` given for event `at` of the step `events` (from `from`), with `k` the state
    /// after the step.
    fn hint_promises(&mut self, k: &Kernel, from: usize, at: usize, hint: &str) {
        let e = &self.future[at];
        let mut checked = Vec::new();
        let core = k.core();
        let said = |promise: &str| hint.contains(promise);
        let fail = |why: &str| -> ! { fail(self, at, e, &format!("the hint {hint:?}: {why}")) };
        let irp = e.what.irp();
        // The IRP's events after this one, and how it completed.
        let later: Vec<&TraceEvent> = irp.map_or(Vec::new(), |id| {
            self.future[at + 1..]
                .iter()
                .filter(|l| l.what.irp() == Some(id))
                .collect()
        });
        let completed = |id: IrpId| {
            self.future.iter().find_map(|l| match l.what {
                What::IrpCompleted { irp, status, .. } if irp == id => Some(status),
                _ => None,
            })
        };
        // How the trace tells the IRP's life so far: created as a read or a write,
        // dispatched to which device, pended or not, completed with what.
        let before = &self.future[..=at];
        let created = irp.and_then(|id| {
            before.iter().find_map(|l| match l.what {
                What::IrpCreated { irp, major, .. } if irp == id => Some(major),
                _ => None,
            })
        });
        let device = irp.and_then(|id| {
            before.iter().rev().find_map(|l| match l.what {
                What::IrpDispatched { irp, device, .. } if irp == id => Some(device),
                _ => None,
            })
        });
        let pended = irp.is_some_and(|id| {
            before
                .iter()
                .any(|l| matches!(l.what, What::IrpPending { irp } if irp == id))
        });
        if said("The bytes reached the program") {
            let id = irp.unwrap();
            if created != Some(Major::Read) || completed(id) != Some(Status::Success) {
                fail(&format!(
                    "a {created:?} that completed with {:?}",
                    completed(id)
                ));
            }
        }
        if said("while the device works") && device.is_some() && device == core.pipe_device {
            fail("the request is on a pipe, which has no device to work");
        }
        if said("goes back the way the program asked") {
            let id = irp.unwrap();
            if !pended && completed(id).is_some_and(Status::is_error) {
                fail("it failed at submission: the call itself returns the failure");
            }
        }
        if said("Select the IRP") {
            let id = irp.unwrap_or_else(|| fail("names no IRP"));
            let rows = tui::view::irp_rows(k, k.trace(), from);
            if !rows.iter().any(|r| r.id == id) {
                fail("the IRP is not in the IRP table");
            }
            checked.push("select");
        }
        if said("cancel asked") {
            let id = irp.unwrap_or_else(|| fail("names no IRP"));
            if core.irps.get(&id).is_some_and(|i| !i.cancel) {
                fail("the IRP is not marked");
            }
            checked.push("cancel asked");
        }
        if said("completes with STATUS_CANCELLED") {
            let id = irp.unwrap();
            if completed(id) != Some(Status::Cancelled) {
                fail(&format!("it completed with {:?}", completed(id)));
            }
            checked.push("cancelled");
        }
        if said("before the cancelling call goes on") {
            // The canceller (the thread on this CPU) makes no other call first.
            let id = irp.unwrap();
            let end = self.future[at..]
                .iter()
                .position(|l| matches!(l.what, What::IrpCompleted { irp, .. } if irp == id))
                .unwrap_or_else(|| fail("it never completes"));
            if self.future[at..at + end]
                .iter()
                .any(|l| l.cpu == e.cpu && matches!(l.what, What::SyscallEntered { .. }))
            {
                fail("the cancelling thread made another call first");
            }
            checked.push("cancelled at once");
        }
        if said("no cancel routine runs") {
            let id = irp.unwrap();
            if self.future[at + 1..]
                .iter()
                .any(|l| matches!(l.what, What::CancelRoutineRan { irp, .. } if irp == id))
            {
                fail("a cancel routine ran");
            }
        }
        if said("completes as it would have") {
            let id = irp.unwrap();
            if matches!(completed(id), Some(Status::Cancelled) | None) {
                fail(&format!("it completed with {:?}", completed(id)));
            }
            checked.push("not cancelled");
        }
        if said("the call itself returns the failure") {
            let id = irp.unwrap();
            let thread = match e.what {
                What::IrpCompleted { .. } => self.open_threads.get(&id).copied(),
                _ => None,
            }
            .unwrap_or_else(|| fail("no thread asked for the IRP"));
            // The caller's next word on a call is the failure, and nothing carries the
            // result: no APC, no packet.
            let next = self.future[at + 1..]
                .iter()
                .find(|l| {
                    l.what.thread() == Some(thread)
                        && matches!(
                            l.what,
                            What::SyscallFailed { .. }
                                | What::SyscallEntered { .. }
                                | What::IoDelivered { .. }
                        )
                })
                .map(|l| &l.what);
            if !matches!(next, Some(What::SyscallFailed { .. })) {
                fail(&format!("the caller's next is {next:?}"));
            }
            if self.future[at + 1..].iter().any(|l| {
                l.what.irp() == Some(id)
                    && matches!(l.what, What::ApcQueued { .. } | What::PacketQueued { .. })
            }) {
                fail("an APC or a packet carries the result");
            }
            checked.push("failed at submission");
        }
        if said("until the device can take it") {
            let next = later
                .iter()
                .find(|l| {
                    matches!(
                        l.what,
                        What::IrpStarted { .. }
                            | What::IrpCancelRequested { .. }
                            | What::IrpCompleted { .. }
                    )
                })
                .map(|l| &l.what);
            if !matches!(
                next,
                Some(What::IrpStarted { .. } | What::IrpCancelRequested { .. }) | None
            ) {
                fail(&format!("the IRP's next event is {next:?}"));
            }
            checked.push("queued for the device");
        }
        if said("the other end's requests let it finish") {
            let id = irp.unwrap();
            // Between its queueing and its completion: another request to the pipe
            // driver, an end's close, or its cancel.
            let end = self.future[at..]
                .iter()
                .position(|l| matches!(l.what, What::IrpCompleted { irp, .. } if irp == id));
            if let Some(end) = end {
                let released = self.future[at..at + end].iter().any(|l| match l.what {
                    What::IrpDispatched { irp, device, .. } => {
                        irp != id && Some(device) == core.pipe_device
                    }
                    What::IrpCancelRequested { irp, .. } => irp == id,
                    What::Device { kind, .. } => kind.name == "PipeEndClosed",
                    _ => false,
                });
                if !released {
                    fail("no other request, close or cancel released it");
                }
            }
            checked.push("queued in a pipe");
        }
        if said("writes a DMA descriptor") {
            let next = later.first().map(|l| &l.what);
            if !matches!(next, Some(What::Device { kind, .. }) if kind.name == "DmaDescriptorPosted")
            {
                fail(&format!("the IRP's next event is {next:?}"));
            }
        }
        if let (true, What::CompletionRoutineRan { driver: holder, .. }) =
            (said("until that driver completes it again"), &e.what)
        {
            // What the holding driver does meanwhile (its own events, its work routine)
            // may come first; then the same driver completes the IRP again.
            let next = later
                .iter()
                .find(|l| match l.what {
                    What::Device { .. } => false,
                    What::WorkItemRan { driver, .. } => driver != *holder,
                    _ => true,
                })
                .map(|l| &l.what);
            if !matches!(next, Some(What::IrpCompletionResumed { driver, .. }) if driver == holder)
            {
                fail(&format!("the IRP's next event is {next:?}"));
            }
        }
        if said("waits in the pipe driver") {
            let id = irp.unwrap();
            if let Some(i) = core.irps.get(&id)
                && Some(i.location().device) != core.pipe_device
            {
                fail("the IRP is not with the pipe driver");
            }
        }
        if let What::EventSet { event, .. } = e.what {
            let signalled = core.event_objects[event.0 as usize].signalled;
            if said("shows □") == signalled || said("■ signalled") != signalled {
                fail(&format!("the event's signalled state is {signalled}"));
            }
            checked.push("event");
        }
        self.promises.extend(checked);
    }

    /// Whether, after event `i` on `cpu`, the CPU's next step below an ISR is the DPC.
    fn dpc_runs_first(&self, i: usize, cpu: CpuId) -> bool {
        let mut isrs = 0;
        for e in self.future[i + 1..].iter().filter(|e| e.cpu == Some(cpu)) {
            match e.what {
                What::IsrStarted { .. } => isrs += 1,
                What::IsrFinished { .. } if isrs > 0 => isrs -= 1,
                What::DpcStarted { .. } if isrs == 0 => return true,
                What::DpcQueued { .. } | What::InterruptCoalesced { .. } => {}
                _ if isrs > 0 => {}
                _ => return false,
            }
        }
        false
    }

    /// The walkthrough's hint for the step promises only what the state and the trace
    /// then show.
    fn hint(&mut self, k: &Kernel, from: usize, events: &[(usize, TraceEvent)]) {
        let step: Vec<TraceEvent> = events.iter().map(|(_, e)| e.clone()).collect();
        // Every hint an event of the step gives, shown or not.
        for (i, _) in events {
            if let Some(hint) = tui::hint::hint_at(k, k.trace(), *i) {
                self.hint_promises(k, from, *i, hint);
            }
        }
        let Some(hint) = tui::hint::look_next(k, k.trace(), from) else {
            return;
        };
        if hint.contains("n jumps to its interrupt") {
            self.hinted_interrupts += 1;
            let (last, _) = events.last().expect("a hint comes with an event");
            let started = step
                .iter()
                .rev()
                .find_map(|e| match e.what {
                    What::Device { device, kind, .. } if kind.lane == Lane::BeginTransfer => {
                        Some((device, e.what.irp().expect("a transfer names its IRP")))
                    }
                    _ => None,
                })
                .expect("the hint is about a transfer");
            // `n` goes to the next InterruptRaised; it must be this transfer's.
            let rest = &self.future[last + 1..];
            let raised = rest
                .iter()
                .position(|e| matches!(e.what, What::InterruptRaised { .. }))
                .expect("an interrupt follows");
            let consumed = rest[..raised].iter().rev().find_map(|e| match e.what {
                What::Device { device, kind, .. } if kind.lane == Lane::EndTransfer => {
                    Some((device, e.what.irp().expect("a transfer names its IRP")))
                }
                _ => None,
            });
            assert_eq!(
                consumed,
                Some(started),
                "{}: the hint after event {last} promised its interrupt",
                self.name
            );
        }
        if hint.contains("n jumps") && !hint.contains("n jumps to its interrupt") {
            panic!(
                "{}: a hint promises an n jump no check covers: {hint}",
                self.name
            );
        }
    }
}

fn walk(name: &str, k: Kernel, future: Vec<TraceEvent>) -> Walk {
    let cpus = k.core().cpus.len();
    let mut w = Walk {
        name: name.to_string(),
        future,
        cpu: vec![CpuThread::Never; cpus],
        idle: vec![true; cpus],
        ready: VecDeque::new(),
        dpc_work: vec![None; cpus],
        interrupted: BTreeMap::new(),
        object_waits: BTreeMap::new(),
        signalled_waits: BTreeMap::new(),
        modes: BTreeMap::new(),
        open: BTreeMap::new(),
        completed: BTreeSet::new(),
        computing: BTreeMap::new(),
        narrator: Narrator::new(),
        notes: BTreeSet::new(),
        hinted_interrupts: 0,
        promises: BTreeSet::new(),
        open_threads: BTreeMap::new(),
    };
    let mut k = k;
    let mut from = 0;
    while k.step() {
        w.step(&k, from);
        from = k.trace().len();
    }
    w
}

#[test]
fn every_sentence_and_hint_agrees_with_the_state() {
    let mut hinted = 0;
    let mut promises = BTreeSet::new();
    for path in crate::scenario_paths() {
        let loaded = crate::load(path.to_str().unwrap(), &[]);
        let seed = loaded.scenario.seed;
        let future = iosim::run(&loaded.scenario, seed).unwrap().into_trace();
        let k = iosim::build::build(&loaded.scenario, seed);
        let pipes = k.core().pipe_device.is_some();
        let w = walk(&loaded.scenario.name, k, future);
        hinted += w.hinted_interrupts;
        promises.extend(w.promises.iter().copied());
        // The notes every scenario of its kind reaches are said, once each. Only a disk
        // makes them all: the note on file systems is about storage, and DPCs come from
        // interrupts, which pipes never raise (their driver completes what it can inside
        // dispatch). A scenario of pipes says that instead.
        // A filter that holds every IRP past the DPC finishes completions in the system
        // worker instead.
        let held = loaded.scenario.devices.iter().any(|d| {
            d.as_disk()
                .is_some_and(|d| d.filters.contains(&iosim::scenario::device::Filter::Audit))
        });
        let mut notes = Vec::new();
        if !loaded.scenario.devices.is_empty() {
            notes.extend([Note::NoFileSystem, Note::OrdinaryDpcs]);
            notes.push(if held {
                Note::CompletionAtOnce
            } else {
                Note::CompletionInDpc
            });
        }
        if pipes {
            notes.push(Note::CompletionAtOnce);
        }
        assert!(!notes.is_empty(), "{}: neither a disk nor a pipe", w.name);
        for note in notes {
            assert!(w.notes.contains(&note), "{}: {note:?} never said", w.name);
        }
    }
    assert!(
        hinted > 0,
        "no hint promised an interrupt: the check checked nothing"
    );
    // Each kind of promise was checked somewhere.
    for promise in [
        "select",
        "cancel asked",
        "cancelled",
        "cancelled at once",
        "not cancelled",
        "failed at submission",
        "queued for the device",
        "queued in a pipe",
        "event",
    ] {
        assert!(
            promises.contains(promise),
            "no hint made the promise {promise:?}: its check checked nothing ({promises:?})"
        );
    }
}

#[test]
fn the_scaled_down_benchmarks_narrate_truly_too() {
    // Two CPUs, eight workers, a port and a deep ring: more interleavings than the
    // course scenarios show.
    let sets = crate::scaled_bench(3);
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let loaded = crate::load("scenarios/bench/iocp-throughput.json", &sets);
    let seed = loaded.scenario.seed;
    let future = iosim::run(&loaded.scenario, seed).unwrap().into_trace();
    walk(
        "iocp-throughput",
        iosim::build::build(&loaded.scenario, seed),
        future,
    );
}
