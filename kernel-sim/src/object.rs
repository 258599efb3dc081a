//! Kernel objects a thread can wait on, and the waits themselves.
//!
//! A handle refers to an [`Object`]. Some kinds are waitable: an event (manual-reset
//! stays signalled until reset; auto-reset lets one waiter through and resets), a
//! semaphore (signalled while its count is above zero; a wait takes one), a thread
//! (signalled once it has exited). A thread may wait on up to 64 objects at once, for any
//! of them or for all, alertably or not, with a timeout (a zero timeout never waits), as
//! WaitForMultipleObjectsEx does (Microsoft Learn: WaitForMultipleObjectsEx).
//!
//! Everything that depends on an object's kind is here: whether it is signalled, what a
//! satisfied wait does to it, who waits on it, what closing it does. The scheduler only
//! asks; a new kind of object is added here, not there.

use crate::ids::*;
use crate::io::Object;
use crate::kernel::Core;
use crate::syscall::SyscallResult;
use crate::thread::{Cont, WaitFor};
use crate::trace::{WakeReason, What};
use serde::Serialize;

/// The most objects one wait may name (MAXIMUM_WAIT_OBJECTS).
pub const MAX_WAIT_OBJECTS: usize = 64;

/// An event object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: EventId,
    /// The scenario's name for it.
    pub name: String,
    /// Stays signalled until reset (manual-reset), or resets when it releases one
    /// waiter (auto-reset).
    pub manual_reset: bool,
    pub signalled: bool,
    /// Handles and waits that refer to it.
    pub refs: u32,
    /// Threads waiting on it, first come first.
    pub waiters: Vec<ThreadId>,
}

/// A semaphore object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Semaphore {
    pub id: SemaphoreId,
    pub name: String,
    pub count: u32,
    pub max: u32,
    pub refs: u32,
    pub waiters: Vec<ThreadId>,
}

/// How a wait ended, as its call returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WaitResult {
    /// WAIT_OBJECT_0 + index: the object at `index` was signalled (for a wait for all,
    /// index 0).
    Object { index: u32 },
    /// WAIT_TIMEOUT.
    Timeout,
    // WAIT_IO_COMPLETION is not a WaitResult: an alertable wait that APCs end returns
    // through AlertableWaitReturned, whatever it waited on.
}

impl WaitResult {
    /// The name a Win32 program compares the return value with.
    pub fn name(self) -> String {
        match self {
            WaitResult::Object { index: 0 } => "WAIT_OBJECT_0".into(),
            WaitResult::Object { index } => format!("WAIT_OBJECT_0 + {index}"),
            WaitResult::Timeout => "WAIT_TIMEOUT".into(),
        }
    }
}

impl Core {
    /// Whether a thread can wait on `object`.
    pub fn is_waitable(&self, object: Object) -> bool {
        matches!(
            object,
            Object::Event(_) | Object::Semaphore(_) | Object::Thread(_) | Object::File(_)
        )
    }

    /// Whether `object` is signalled now.
    pub fn is_signalled(&self, object: Object) -> bool {
        match object {
            Object::Event(e) => self.event_objects[e.0 as usize].signalled,
            Object::Semaphore(s) => self.semaphores[s.0 as usize].count > 0,
            Object::Thread(t) => {
                self.threads[t.0 as usize].state == crate::thread::ThreadState::Terminated
            }
            Object::File(fo) => self.file_objects[fo.0 as usize].signalled,
            Object::Port(_) => false,
        }
    }

    /// A wait on `object` is satisfied: what that does to it.
    fn acquire(&mut self, object: Object) {
        match object {
            Object::Event(e) => {
                let event = &mut self.event_objects[e.0 as usize];
                if !event.manual_reset {
                    event.signalled = false;
                }
            }
            Object::Semaphore(s) => self.semaphores[s.0 as usize].count -= 1,
            Object::Thread(_) | Object::File(_) | Object::Port(_) => {}
        }
    }

    fn waiters_mut(&mut self, object: Object) -> &mut Vec<ThreadId> {
        match object {
            Object::Event(e) => &mut self.event_objects[e.0 as usize].waiters,
            Object::Semaphore(s) => &mut self.semaphores[s.0 as usize].waiters,
            Object::Thread(t) => &mut self.threads[t.0 as usize].exit_waiters,
            Object::File(fo) => &mut self.file_objects[fo.0 as usize].waiters,
            Object::Port(_) => unreachable!("not a waitable object"),
        }
    }

    /// Whether the wait on `objects` (for all of them, or any) could be satisfied now:
    /// the index it would return.
    fn satisfiable(&self, objects: &[Object], all: bool) -> Option<u32> {
        if all {
            objects.iter().all(|&o| self.is_signalled(o)).then_some(0)
        } else {
            objects
                .iter()
                .position(|&o| self.is_signalled(o))
                .map(|i| i as u32)
        }
    }

    /// Satisfies a wait at once if it can: acquires what it waited for and says which.
    pub(crate) fn try_wait(&mut self, objects: &[Object], all: bool) -> Option<u32> {
        let index = self.satisfiable(objects, all)?;
        if all {
            for &o in objects {
                self.acquire(o);
            }
        } else {
            self.acquire(objects[index as usize]);
        }
        Some(index)
    }

    /// `thread` starts to wait on `objects`: it joins each one's waiters.
    pub(crate) fn enlist(&mut self, thread: ThreadId, objects: &[Object]) {
        for &o in objects {
            self.waiters_mut(o).push(thread);
            self.wait_ref(o);
        }
        self.threads[thread.0 as usize].wait_refs = objects.to_vec();
        self.threads[thread.0 as usize].wait_objects = objects.to_vec();
    }

    /// `thread`'s wait on objects ended (satisfied, timed out, or an APC): it leaves
    /// every waiter list.
    pub(crate) fn unlist(&mut self, thread: ThreadId) {
        let objects = std::mem::take(&mut self.threads[thread.0 as usize].wait_objects);
        for o in objects {
            self.waiters_mut(o).retain(|&t| t != thread);
        }
    }

    /// `object` may have become signalled: the threads waiting on it whose wait can now
    /// be satisfied are, first come first, until it runs out (an auto-reset event lets
    /// one through, a semaphore as many as its count).
    /// Returns how many waits it satisfied.
    pub(crate) fn wake_waiters(&mut self, cpu: Option<CpuId>, object: Object) -> u32 {
        let mut released = 0;
        let waiters = self.waiters_mut(object).clone();
        for thread in waiters {
            if !self.is_signalled(object) {
                break;
            }
            let t = &self.threads[thread.0 as usize];
            let Some(WaitFor::Objects { all }) = t.wait else {
                continue;
            };
            let objects = t.wait_objects.clone();
            if let Some(index) = self.try_wait(&objects, all) {
                released += 1;
                self.unlist(thread);
                let call = Self::wait_call(objects.len());
                self.wake(
                    cpu,
                    thread,
                    WakeReason::Signalled,
                    0,
                    Cont::WaitDone {
                        call,
                        result: WaitResult::Object { index },
                        object: (!all).then(|| objects[index as usize]),
                    },
                );
            }
        }
        released
    }

    /// Creates an event and a handle to it in `thread`'s process.
    pub(crate) fn create_event(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        name: String,
        manual_reset: bool,
        signalled: bool,
    ) -> Handle {
        let id = EventId(self.event_objects.len() as u32);
        self.event_objects.push(Event {
            id,
            name,
            manual_reset,
            signalled,
            refs: 1,
            waiters: Vec::new(),
        });
        self.new_handle(cpu, thread, Object::Event(id))
    }

    /// Creates a semaphore and a handle to it in `thread`'s process.
    pub(crate) fn create_semaphore(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        name: String,
        count: u32,
        max: u32,
    ) -> Handle {
        let id = SemaphoreId(self.semaphores.len() as u32);
        self.semaphores.push(Semaphore {
            id,
            name,
            count,
            max,
            refs: 1,
            waiters: Vec::new(),
        });
        self.new_handle(cpu, thread, Object::Semaphore(id))
    }

    /// A new handle to `object` in `thread`'s process (the object's reference for it is
    /// already counted).
    pub(crate) fn new_handle(&mut self, cpu: CpuId, thread: ThreadId, object: Object) -> Handle {
        let process = self.threads[thread.0 as usize].process;
        let handle = self.processes[process.0 as usize].handles.insert(object);
        self.trace(
            Some(cpu),
            What::ObjectOpened {
                thread,
                handle,
                object,
            },
        );
        handle
    }

    /// One more reference to `object` (a duplicated handle).
    pub(crate) fn add_ref(&mut self, object: Object) {
        match object {
            Object::File(fo) => {
                let object = &mut self.file_objects[fo.0 as usize];
                object.refs += 1;
                object.handles += 1;
            }
            Object::Port(p) => self.ports[p.0 as usize].handles += 1,
            Object::Event(e) => self.event_objects[e.0 as usize].refs += 1,
            Object::Semaphore(s) => self.semaphores[s.0 as usize].refs += 1,
            Object::Thread(_) => {}
        }
    }

    /// A reference to `object` went (a handle was closed). Returns whether it was the
    /// last: the object is then destroyed.
    pub(crate) fn release(&mut self, cpu: Option<CpuId>, object: Object) -> bool {
        let refs = match object {
            Object::File(fo) => {
                let object = &mut self.file_objects[fo.0 as usize];
                object.refs -= 1;
                object.handles -= 1;
                object.refs
            }
            Object::Port(p) => {
                let handles = &mut self.ports[p.0 as usize].handles;
                *handles -= 1;
                if *handles == 0 {
                    self.close_port(cpu, p);
                }
                return self.ports[p.0 as usize].handles == 0;
            }
            Object::Event(e) => {
                let refs = &mut self.event_objects[e.0 as usize].refs;
                *refs -= 1;
                *refs
            }
            Object::Semaphore(s) => {
                let refs = &mut self.semaphores[s.0 as usize].refs;
                *refs -= 1;
                *refs
            }
            // A thread object lives as long as the thread's record: the run.
            Object::Thread(_) => return false,
        };
        if refs == 0 && !matches!(object, Object::File(_)) {
            self.trace(cpu, What::ObjectDestroyed { object });
        }
        refs == 0
    }

    /// SetEvent.
    pub(crate) fn set_event(&mut self, cpu: CpuId, thread: ThreadId, event: EventId) {
        self.event_objects[event.0 as usize].signalled = true;
        let at = self.trace.len();
        self.trace(
            Some(cpu),
            What::EventSet {
                thread,
                event,
                released: 0,
            },
        );
        let released = self.wake_waiters(Some(cpu), Object::Event(event));
        self.count_released(at, released);
    }

    /// ResetEvent.
    pub(crate) fn reset_event(&mut self, cpu: CpuId, thread: ThreadId, event: EventId) {
        self.event_objects[event.0 as usize].signalled = false;
        self.trace(Some(cpu), What::EventReset { thread, event });
    }

    /// ReleaseSemaphore: false (ERROR_TOO_MANY_POSTS) if the count would pass its
    /// maximum, and nothing changes then.
    pub(crate) fn release_semaphore(
        &mut self,
        cpu: CpuId,
        thread: ThreadId,
        semaphore: SemaphoreId,
        count: u32,
    ) -> bool {
        let s = &mut self.semaphores[semaphore.0 as usize];
        let Some(new) = s.count.checked_add(count).filter(|&n| n <= s.max) else {
            return false;
        };
        s.count = new;
        let at = self.trace.len();
        self.trace(
            Some(cpu),
            What::SemaphoreReleased {
                thread,
                semaphore,
                count,
                now: new,
                released: 0,
            },
        );
        let released = self.wake_waiters(Some(cpu), Object::Semaphore(semaphore));
        self.count_released(at, released);
        true
    }

    /// Writes into the signal traced at `at` how many waits it satisfied, once they have
    /// been (within the same step: nothing has read the record yet), so its sentence can
    /// say who it released.
    fn count_released(&mut self, at: usize, n: u32) {
        match &mut self.trace[at].what {
            What::EventSet { released, .. } | What::SemaphoreReleased { released, .. } => {
                *released = n
            }
            other => unreachable!("{other:?} is not a signal"),
        }
    }

    /// The thread exited: its object is signalled for good, and its waiters wake.
    pub(crate) fn thread_signalled(&mut self, cpu: Option<CpuId>, thread: ThreadId) {
        self.wake_waiters(cpu, Object::Thread(thread));
    }

    /// A wait holds a reference to each object it waits on, as Windows' does, so the
    /// object outlives its last handle until the wait ends.
    fn wait_ref(&mut self, object: Object) {
        match object {
            Object::Event(e) => self.event_objects[e.0 as usize].refs += 1,
            Object::Semaphore(s) => self.semaphores[s.0 as usize].refs += 1,
            Object::Thread(_) | Object::File(_) | Object::Port(_) => {}
        }
    }

    /// The wait call returns: it lets go of the objects it referenced (the last
    /// reference to one destroys it).
    pub(crate) fn drop_wait_refs(&mut self, cpu: CpuId, thread: ThreadId) {
        for object in std::mem::take(&mut self.threads[thread.0 as usize].wait_refs) {
            self.drop_wait_ref(Some(cpu), object);
        }
    }

    /// A wait's reference goes; if it was the last, the object is destroyed.
    fn drop_wait_ref(&mut self, cpu: Option<CpuId>, object: Object) {
        let refs = match object {
            Object::Event(e) => &mut self.event_objects[e.0 as usize].refs,
            Object::Semaphore(s) => &mut self.semaphores[s.0 as usize].refs,
            Object::Thread(_) | Object::File(_) | Object::Port(_) => return,
        };
        *refs -= 1;
        if *refs == 0 {
            self.trace(cpu, What::ObjectDestroyed { object });
        }
    }

    /// The call a wait on these objects was made with.
    pub(crate) fn wait_call(objects: usize) -> &'static str {
        if objects == 1 {
            "WaitForSingleObjectEx"
        } else {
            "WaitForMultipleObjectsEx"
        }
    }

    /// The result of a wait that ended, for the program.
    pub(crate) fn wait_result(result: WaitResult) -> SyscallResult {
        match result {
            WaitResult::Object { index } => SyscallResult::WaitObject(index),
            WaitResult::Timeout => SyscallResult::Timeout,
        }
    }
}
