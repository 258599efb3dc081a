//! The kernel's I/O path on a loopback device, with no scenario file and no disk: a
//! device that finishes each request a fixed time after its doorbell, a function driver
//! for it, and filters stacked above. What these tests check is the kernel's: stack
//! locations, IoCallDriver, completion routines bottom-up and exactly once, a routine
//! that holds an IRP, and a dispatch routine that completes at once.

use kernel_sim::io::Status;
use kernel_sim::{
    AfterCompletion, CpuId, Device, DeviceView, Dispatch, DpcStep, Driver, DriverCtx, HwCtx,
    IoMode, IrpId, Irq, Kernel, MachineConfig, ProgramCtx, Syscall, SyscallResult, ThreadProgram,
    What,
};
use std::any::Any;
use std::collections::VecDeque;

/// How long the loopback takes per request.
const LATENCY_NS: u64 = 50_000;

/// A device that completes whatever its driver hands it, one request at a time.
#[derive(Debug, Clone, Default)]
struct Loopback {
    /// Requests handed over by the driver, not started yet.
    todo: VecDeque<IrpId>,
    busy: Option<IrpId>,
    /// Requests done, for the driver's DPC.
    done: VecDeque<IrpId>,
    interrupt_pending: bool,
}

impl Loopback {
    fn start(&mut self, hw: &mut HwCtx<'_>) {
        if self.busy.is_none()
            && let Some(irp) = self.todo.pop_front()
        {
            self.busy = Some(irp);
            hw.schedule(LATENCY_NS, 0);
        }
    }
}

impl Device for Loopback {
    fn kind(&self) -> &'static str {
        "loopback"
    }

    fn irq(&self) -> Option<Irq> {
        Some(Irq(5))
    }

    fn capacity(&self) -> Option<u64> {
        Some(1 << 20)
    }

    fn preload(&mut self, _offset: u64, _bytes: &[u8]) {}

    fn timer(&mut self, hw: &mut HwCtx<'_>, _token: u64) {
        let irp = self.busy.take().expect("a request was under way");
        self.done.push_back(irp);
        self.interrupt_pending = true;
        hw.raise_interrupt();
        self.start(hw);
    }

    fn doorbell(&mut self, hw: &mut HwCtx<'_>) {
        self.start(hw);
    }

    fn stats(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    fn view(&self) -> DeviceView {
        DeviceView::default()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn clone_box(&self) -> Box<dyn Device> {
        Box::new(self.clone())
    }
}

/// The loopback's function driver. With `instant`, it completes every request inside its
/// dispatch routine, as a driver with the data at hand would.
#[derive(Debug, Clone, Default)]
struct LoopDriver {
    instant: bool,
}

impl Driver for LoopDriver {
    fn name(&self) -> &'static str {
        "loopback driver"
    }

    fn dispatch(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> Dispatch {
        let len = io.irp(irp).location().len;
        if self.instant {
            io.complete_irp(irp, Status::Success, len);
            return Dispatch::Completed;
        }
        io.mark_pending(irp);
        io.hardware::<Loopback>().todo.push_back(irp);
        io.ring_doorbell();
        Dispatch::Pending
    }

    fn isr(&mut self, io: &mut DriverCtx<'_>) -> bool {
        std::mem::take(&mut io.hardware::<Loopback>().interrupt_pending)
    }

    fn dpc(&mut self, io: &mut DriverCtx<'_>) -> DpcStep {
        match io.hardware::<Loopback>().done.pop_front() {
            Some(irp) => {
                let len = io.irp(irp).location().len;
                io.complete_irp(irp, Status::Success, len);
                DpcStep::More
            }
            None => DpcStep::Done,
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}

/// A filter that passes every IRP down with a completion routine. With `batch`, its
/// routine holds each completed IRP until it has two, then completes both: the other
/// one from inside the routine, this one by letting completion go on.
#[derive(Debug, Clone, Default)]
struct Filter {
    name: &'static str,
    batch: bool,
    held: Option<IrpId>,
}

impl Driver for Filter {
    fn name(&self) -> &'static str {
        self.name
    }

    fn dispatch(&mut self, _io: &mut DriverCtx<'_>, _irp: IrpId) -> Dispatch {
        Dispatch::PassDown { completion: true }
    }

    fn completion(&mut self, io: &mut DriverCtx<'_>, irp: IrpId) -> AfterCompletion {
        if !self.batch {
            return AfterCompletion::Continue;
        }
        match self.held.take() {
            None => {
                self.held = Some(irp);
                AfterCompletion::MoreProcessingRequired
            }
            Some(first) => {
                let len = io.irp(first).location().len;
                io.complete_irp(first, Status::Success, len);
                AfterCompletion::Continue
            }
        }
    }

    fn clone_box(&self) -> Box<dyn Driver> {
        Box::new(self.clone())
    }
}

/// Opens `file`, then makes each call in `reads` (a length and a completion style).
#[derive(Debug, Clone)]
struct Reader {
    reads: Vec<(u32, IoMode)>,
    next: usize,
    /// The file opened synchronously (for reads without an OVERLAPPED), and for
    /// overlapped I/O (for the others): each is opened when a read first needs it.
    handles: [Option<kernel_sim::Handle>; 2],
    /// Which of the two the last call opened.
    opening: usize,
}

impl ThreadProgram for Reader {
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        if let SyscallResult::Handle(h) = cx.last {
            self.handles[self.opening] = Some(*h);
        }
        let Some(&(len, mode)) = self.reads.get(self.next) else {
            return Syscall::Exit;
        };
        let which = usize::from(mode != IoMode::Sync);
        let Some(handle) = self.handles[which] else {
            self.opening = which;
            return Syscall::Open {
                path: "loop".into(),
                overlapped: which == 1,
            };
        };
        self.next += 1;
        Syscall::Read {
            handle,
            offset: Some(0),
            len,
            mode,
        }
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

/// A one-CPU machine with the loopback, `filters` attached above its driver (the first
/// directly above), and one thread making `reads`; run to its end.
fn run(driver: LoopDriver, filters: Vec<Filter>, reads: Vec<(u32, IoMode)>) -> Kernel {
    let mut k = Kernel::new(MachineConfig {
        cpus: 1,
        costs: kernel_sim::Costs::default(),
        seed: 1,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    let device = k.add_device("loop0", Box::new(Loopback::default()), Box::new(driver));
    for f in filters {
        k.attach(device, Box::new(f));
    }
    k.add_file("loop", device, 0, 4096, &[]);
    let p = k.add_process("app", Vec::new());
    let program = Reader {
        reads,
        next: 0,
        handles: [None, None],
        opening: 0,
    };
    k.add_thread(p, "T", 0, Box::new(program));
    k.run(100_000).expect("the run ends");
    assert!(k.core().irps.is_empty(), "IRPs left live");
    k
}

fn filter(name: &'static str) -> Filter {
    Filter {
        name,
        ..Filter::default()
    }
}

/// The (kind, stack location or driver) of each stack event of `irp`, in order.
fn stack_story(k: &Kernel, irp: IrpId) -> Vec<String> {
    k.trace()
        .iter()
        .filter(|e| e.what.irp() == Some(irp))
        .filter_map(|e| match e.what {
            What::IrpDispatched { stack_location, .. } => Some(format!("down {stack_location}")),
            What::CompletionRoutineRan {
                stack_location,
                held,
                ..
            } => Some(format!(
                "up {stack_location}{}",
                if held { " (held)" } else { "" }
            )),
            What::IrpCompleted { .. } => Some("completed".into()),
            What::IrpCompletionResumed { .. } => Some("resumed".into()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_irp_goes_down_every_driver_and_its_routines_run_bottom_up_once() {
    let k = run(
        LoopDriver::default(),
        vec![filter("lower filter"), filter("upper filter")],
        vec![(512, IoMode::Sync)],
    );
    assert_eq!(
        stack_story(&k, IrpId(1)),
        ["down 0", "down 1", "down 2", "completed", "up 1", "up 0"]
    );
    let routines: Vec<&str> = k
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            What::CompletionRoutineRan { driver, .. } => Some(k.driver_name(driver)),
            _ => None,
        })
        .collect();
    assert_eq!(routines, ["lower filter", "upper filter"]);
}

#[test]
fn a_routine_can_hold_an_irp_and_complete_it_later() {
    let batching = Filter {
        name: "batching filter",
        batch: true,
        held: None,
    };
    let k = run(
        LoopDriver::default(),
        vec![batching, filter("upper filter")],
        vec![(512, IoMode::Overlapped(None)), (512, IoMode::Sync)],
    );
    // IRP1 completes below, is held, and goes on up only when IRP2 completes.
    assert_eq!(
        stack_story(&k, IrpId(1)),
        [
            "down 0",
            "down 1",
            "down 2",
            "completed",
            "up 1 (held)",
            "resumed",
            "up 0"
        ]
    );
    assert_eq!(
        stack_story(&k, IrpId(2)),
        ["down 0", "down 1", "down 2", "completed", "up 1", "up 0"]
    );
    // The upper filter's routine ran once for each, IRP1's after IRP2's completion.
    let t = k.trace();
    let at = |f: &dyn Fn(&What) -> bool| t.iter().position(|e| f(&e.what)).unwrap();
    let resumed = at(&|w| matches!(w, What::IrpCompletionResumed { .. }));
    let second = at(&|w| matches!(w, What::IrpCompleted { irp: IrpId(2), .. }));
    assert!(second < resumed);
}

#[test]
fn a_dispatch_routine_can_complete_at_once() {
    let k = run(
        LoopDriver { instant: true },
        vec![filter("filter")],
        vec![(512, IoMode::Sync)],
    );
    assert_eq!(
        stack_story(&k, IrpId(1)),
        ["down 0", "down 1", "completed", "up 0"]
    );
    let returned = k
        .trace()
        .iter()
        .find_map(|e| match e.what {
            What::IoReturned { pending, .. } => Some(pending),
            _ => None,
        })
        .unwrap();
    assert!(!returned, "the call returns with the result, not pending");
    assert!(
        !k.trace()
            .iter()
            .any(|e| matches!(e.what, What::ThreadWaiting { .. } | What::IrpPending { .. })),
        "nobody waits for a request that completed at once"
    );
    let cpu = CpuId(0);
    assert!(k.core().cpus[cpu.0 as usize].frames.is_empty());
}

/// A kernel component that asks for `chain` reads, one after another: each callback
/// issues the next. It records what each callback got.
#[derive(Debug, Clone)]
struct Pager {
    chain: u64,
    got: std::sync::Arc<std::sync::Mutex<Vec<(u64, Status, u32)>>>,
}

impl kernel_sim::io::client::Client for Pager {
    fn name(&self) -> &'static str {
        "test pager"
    }

    fn completed(
        &mut self,
        cx: &mut kernel_sim::io::client::ClientCtx<'_>,
        irp: &kernel_sim::io::Irp,
        tag: u64,
    ) {
        self.got
            .lock()
            .unwrap()
            .push((tag, irp.status, irp.information));
        if tag + 1 < self.chain {
            cx.issue(read_page(kernel_sim::ClientId(0), tag + 1));
        }
    }

    fn clone_box(&self) -> Box<dyn kernel_sim::io::client::Client> {
        Box::new(self.clone())
    }
}

fn read_page(client: kernel_sim::ClientId, tag: u64) -> kernel_sim::io::client::KernelRequest {
    kernel_sim::io::client::KernelRequest {
        client,
        tag,
        file: kernel_sim::FileId(0),
        major: kernel_sim::io::Major::Read,
        offset: tag * 1024,
        len: 1024,
        data: None,
    }
}

#[test]
fn the_kernel_issues_irps_of_its_own_that_complete_to_its_callback() {
    let mut k = Kernel::new(MachineConfig {
        cpus: 1,
        costs: kernel_sim::Costs::default(),
        seed: 1,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    let device = k.add_device(
        "loop0",
        Box::new(Loopback::default()),
        Box::new(LoopDriver::default()),
    );
    k.attach(device, Box::new(filter("counting filter")));
    k.add_file("loop", device, 0, 4096, &[]);
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let client = k.add_client(Box::new(Pager {
        chain: 3,
        got: got.clone(),
    }));
    k.issue_irp(read_page(client, 0));
    k.run(100_000).expect("the run ends");
    // Each callback got its request's result, in order; the last one issued no more.
    assert_eq!(
        *got.lock().unwrap(),
        vec![
            (0, Status::Success, 1024),
            (1, Status::Success, 1024),
            (2, Status::Success, 1024)
        ]
    );
    assert!(k.core().irps.is_empty(), "IRPs left live");
    let trace = k.trace();
    // No thread owns them: no delivery, no APC, no return to a caller.
    let created: Vec<_> = trace
        .iter()
        .filter_map(|e| match e.what {
            What::IrpCreated { thread, .. } => Some(thread),
            _ => None,
        })
        .collect();
    assert_eq!(created, vec![None, None, None]);
    assert!(!trace.iter().any(|e| matches!(
        e.what,
        What::IoDelivered { .. } | What::IoReturned { .. } | What::ApcQueued { .. }
    )));
    // They went through the whole stack, the filter's completion routine included, and
    // each was freed after its callback.
    let routines = trace
        .iter()
        .filter(|e| matches!(e.what, What::CompletionRoutineRan { .. }))
        .count();
    assert_eq!(routines, 3);
    for i in 1..=3 {
        let irp = IrpId(i);
        let at = |f: &dyn Fn(&What) -> bool| trace.iter().position(|e| f(&e.what));
        let called = at(&|w| matches!(w, What::ClientCalledBack { irp: x, .. } if *x == irp));
        let freed = at(&|w| matches!(w, What::IrpFreed { irp: x } if *x == irp));
        assert!(called.is_some() && called < freed, "{irp}");
    }
    // The system worker sent them and is left waiting for more work, not blocked on I/O.
    let worker = k.core().worker.expect("a worker");
    assert_eq!(k.thread_name(worker), "system worker");
    assert!(k.summary().threads_blocked_at_end.is_empty());
}
