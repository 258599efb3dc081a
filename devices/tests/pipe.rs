//! The pipe driver on a machine with no scenario: scripted threads create pipes, read,
//! write, close and cancel, and each call's result is checked against what Windows
//! documents (Microsoft Learn: Anonymous Pipe Operations, Named Pipe Operations,
//! ReadFile, WriteFile).

use devices::pipe::{PipeDevice, PipeDriver};
use kernel_sim::io::Status;
use kernel_sim::io::irp::checksum;
use kernel_sim::{
    Costs, Handle, IoMode, Kernel, MachineConfig, OverlappedId, ProgramCtx, Syscall, SyscallResult,
    ThreadProgram,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A process's named handle values, as a step sees them.
type Vars = BTreeMap<String, u64>;
/// One call of a script, built from the handles kept so far.
type Call = Arc<dyn Fn(&Vars) -> Syscall + Send + Sync>;

/// What to keep of a call's result, under which names.
#[derive(Debug, Clone, Copy)]
enum Keep {
    Nothing,
    Handle(&'static str),
    /// CreatePipe's read end, then its write end.
    Pair(&'static str, &'static str),
}

/// A thread that makes its calls in order and logs what each returned.
#[derive(Clone)]
struct Script {
    steps: Vec<(Call, Keep)>,
    next: usize,
    keep: Keep,
    log: Arc<Mutex<Vec<SyscallResult>>>,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Script")
    }
}

impl ThreadProgram for Script {
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        if self.next > 0 {
            self.log.lock().unwrap().push(*cx.last);
        }
        match (self.keep, *cx.last) {
            (Keep::Handle(name), SyscallResult::Handle(h)) => {
                cx.vars.insert(name.into(), u64::from(h.0));
            }
            (Keep::Pair(r, w), SyscallResult::HandlePair(hr, hw)) => {
                cx.vars.insert(r.into(), u64::from(hr.0));
                cx.vars.insert(w.into(), u64::from(hw.0));
            }
            _ => {}
        }
        let Some((call, keep)) = self.steps.get(self.next).cloned() else {
            return Syscall::Exit;
        };
        self.next += 1;
        self.keep = keep;
        call(cx.vars)
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

/// A script under construction.
#[derive(Default)]
struct Steps(Vec<(Call, Keep)>);

fn h(vars: &Vars, name: &str) -> Handle {
    Handle(*vars.get(name).unwrap_or_else(|| panic!("no handle {name}")) as u32)
}

impl Steps {
    fn call(mut self, keep: Keep, call: impl Fn(&Vars) -> Syscall + Send + Sync + 'static) -> Self {
        self.0.push((Arc::new(call), keep));
        self
    }
    fn pipe(self, capacity: u32, read: &'static str, write: &'static str) -> Self {
        self.call(Keep::Pair(read, write), move |_| Syscall::CreatePipe {
            capacity,
            name: "p".into(),
        })
    }
    /// The server's end of a named pipe, synchronous.
    fn named_pipe(self, capacity: u32, name: &'static str, keep: &'static str) -> Self {
        self.call(Keep::Handle(keep), move |_| Syscall::CreateNamedPipe {
            capacity,
            name: name.into(),
            overlapped: false,
        })
    }
    /// The server's end of a named pipe, for overlapped I/O.
    fn overlapped_named_pipe(self, capacity: u32, name: &'static str, keep: &'static str) -> Self {
        self.call(Keep::Handle(keep), move |_| Syscall::CreateNamedPipe {
            capacity,
            name: name.into(),
            overlapped: true,
        })
    }
    fn open(self, path: &'static str, keep: &'static str) -> Self {
        self.call(Keep::Handle(keep), move |_| Syscall::Open {
            path: path.into(),
            overlapped: false,
        })
    }
    fn read(self, handle: &'static str, len: u32) -> Self {
        self.read_as(handle, len, IoMode::Sync)
    }
    fn read_as(self, handle: &'static str, len: u32, mode: IoMode) -> Self {
        self.call(Keep::Nothing, move |v| Syscall::Read {
            handle: h(v, handle),
            offset: None,
            len,
            mode,
        })
    }
    fn write(self, handle: &'static str, data: &'static [u8]) -> Self {
        self.write_as(handle, data, IoMode::Sync)
    }
    fn write_as(self, handle: &'static str, data: &'static [u8], mode: IoMode) -> Self {
        self.call(Keep::Nothing, move |v| Syscall::Write {
            handle: h(v, handle),
            offset: None,
            data: data.to_vec(),
            mode,
        })
    }
    fn close(self, handle: &'static str) -> Self {
        self.call(Keep::Nothing, move |v| Syscall::Close {
            handle: h(v, handle),
        })
    }
    fn sleep(self, ns: u64) -> Self {
        self.call(Keep::Nothing, move |_| Syscall::Sleep {
            ns,
            alertable: None,
        })
    }
    fn wait_io(self, overlapped: u32) -> Self {
        self.call(Keep::Nothing, move |_| Syscall::WaitIo {
            overlapped: OverlappedId::nth(overlapped),
            alertable: false,
            timeout_ns: None,
        })
    }
}

/// A machine with a pipe device and one process; each thread starts at its time and
/// runs its script. Returns the kernel after the run and each thread's results.
fn run(threads: Vec<(&str, u64, Steps)>) -> (Kernel, Vec<Vec<SyscallResult>>) {
    let mut k = Kernel::new(MachineConfig {
        cpus: 2,
        costs: Costs::default(),
        seed: 1,
        byte_budget: kernel_sim::costs::DEFAULT_BYTE_BUDGET,
    });
    k.add_pipe_device("pipes", Box::new(PipeDevice), Box::new(PipeDriver::new()));
    let p = k.add_process("app", Vec::new());
    let mut logs = Vec::new();
    for (name, start, steps) in threads {
        let log = Arc::new(Mutex::new(Vec::new()));
        logs.push(log.clone());
        let script = Script {
            steps: steps.0,
            next: 0,
            keep: Keep::Nothing,
            log,
        };
        k.add_thread(p, name, start, Box::new(script));
    }
    k.run(100_000).expect("the run ends");
    let logs = logs.iter().map(|l| l.lock().unwrap().clone()).collect();
    (k, logs)
}

/// A finished request's status and byte count, or a failed call's status.
fn outcome(r: &SyscallResult) -> (Status, u32) {
    match *r {
        SyscallResult::Io { status, bytes, .. } => (status, bytes),
        SyscallResult::Failed(status) => (status, 0),
        other => panic!("not an I/O result: {other:?}"),
    }
}

const MS: u64 = 1_000_000;

#[test]
fn a_read_that_finds_data_completes_at_once_and_takes_only_what_is_there() {
    let (k, logs) = run(vec![(
        "T",
        0,
        Steps::default()
            .pipe(64, "r", "w")
            .write("w", b"0123456789")
            .read("r", 4)
            .read("r", 100),
    )]);
    let log = &logs[0];
    assert_eq!(outcome(&log[1]), (Status::Success, 10), "the write fits");
    assert_eq!(outcome(&log[2]), (Status::Success, 4));
    assert_eq!(
        outcome(&log[3]),
        (Status::Success, 6),
        "a pipe read returns what is there"
    );
    // Nothing pended: every request completed inside its dispatch routine.
    let stats = k.device_stats(kernel_sim::DeviceId(0));
    assert_eq!(stats["pipe_requests_at_once"], 3);
    assert_eq!(stats["pipe_requests_waited"], 0);
    // The data is conserved: what came out is what went in.
    let SyscallResult::Io { checksum: got, .. } = log[3] else {
        unreachable!()
    };
    assert_eq!(got, checksum(b"456789"));
}

#[test]
fn a_read_on_an_empty_pipe_waits_for_the_write_which_hands_its_bytes_over() {
    let (_, logs) = run(vec![
        (
            "reader",
            0,
            Steps::default().pipe(64, "r", "w").read("r", 8),
        ),
        ("writer", MS, Steps::default().write("w", b"hello")),
    ]);
    assert_eq!(outcome(&logs[0][1]), (Status::Success, 5));
    let SyscallResult::Io { checksum: got, .. } = logs[0][1] else {
        unreachable!()
    };
    assert_eq!(got, checksum(b"hello"));
    assert_eq!(outcome(&logs[1][0]), (Status::Success, 5));
}

#[test]
fn a_write_to_a_full_pipe_waits_until_reads_have_taken_every_byte_in() {
    let (_, logs) = run(vec![
        (
            "writer",
            0,
            Steps::default()
                .pipe(8, "r", "w")
                .write("w", b"abcdefghijklmnopqrst"),
        ),
        (
            "reader",
            MS,
            Steps::default().read("r", 8).read("r", 8).read("r", 8),
        ),
    ]);
    assert_eq!(
        outcome(&logs[0][1]),
        (Status::Success, 20),
        "the write completes whole, once all its bytes are in"
    );
    let sums: Vec<u64> = logs[1]
        .iter()
        .map(|r| match *r {
            SyscallResult::Io {
                checksum, bytes, ..
            } => {
                assert_eq!(
                    bytes,
                    [8, 8, 4][logs[1].iter().position(|x| x == r).unwrap()]
                );
                checksum
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sums,
        [
            checksum(b"abcdefgh"),
            checksum(b"ijklmnop"),
            checksum(b"qrst")
        ]
    );
}

#[test]
fn closing_the_write_end_breaks_a_waiting_read_and_later_reads_fail_at_submission() {
    let (k, logs) = run(vec![
        (
            "reader",
            0,
            Steps::default()
                .pipe(64, "r", "w")
                .read("r", 8)
                .read("r", 8),
        ),
        ("closer", MS, Steps::default().close("w")),
    ]);
    assert_eq!(outcome(&logs[0][1]), (Status::PipeBroken, 0));
    assert_eq!(logs[0][2], SyscallResult::Failed(Status::PipeBroken));
    assert_eq!(Status::PipeBroken.win32_name(), "ERROR_BROKEN_PIPE");
    // The second read never reached a queue: it failed inside the dispatch routine.
    let failed = k
        .trace()
        .iter()
        .filter(|e| matches!(e.what, kernel_sim::What::SyscallFailed { .. }))
        .count();
    assert_eq!(failed, 1);
}

#[test]
fn what_was_written_before_the_writer_closed_can_still_be_read() {
    let (_, logs) = run(vec![(
        "T",
        0,
        Steps::default()
            .pipe(64, "r", "w")
            .write("w", b"last words")
            .close("w")
            .read("r", 4)
            .read("r", 100)
            .read("r", 100),
    )]);
    let log = &logs[0];
    assert_eq!(outcome(&log[3]), (Status::Success, 4));
    assert_eq!(outcome(&log[4]), (Status::Success, 6));
    assert_eq!(log[5], SyscallResult::Failed(Status::PipeBroken));
}

#[test]
fn a_write_after_the_read_end_closed_fails_with_no_data_and_a_waiting_one_breaks() {
    let (_, logs) = run(vec![
        (
            "writer",
            0,
            Steps::default()
                .pipe(4, "r", "w")
                .write("w", b"more than four")
                .write("w", b"x"),
        ),
        ("closer", MS, Steps::default().close("r")),
    ]);
    assert_eq!(
        outcome(&logs[0][1]),
        (Status::PipeBroken, 0),
        "the waiting write is broken"
    );
    assert_eq!(logs[0][2], SyscallResult::Failed(Status::PipeClosing));
    assert_eq!(Status::PipeClosing.win32_name(), "ERROR_NO_DATA");
}

#[test]
fn an_anonymous_pipe_is_one_way_and_synchronous() {
    // "you cannot use the ReadFileEx and WriteFileEx functions with anonymous pipes. In
    // addition, the lpOverlapped parameter of ReadFile and WriteFile is ignored"
    // (Microsoft Learn: Anonymous Pipe Operations).
    let ov = IoMode::Overlapped(Some(OverlappedId::nth(0)));
    let apc = IoMode::Apc(kernel_sim::RoutineId(0));
    let (_, logs) = run(vec![(
        "T",
        0,
        Steps::default()
            .pipe(64, "r", "w")
            .write("r", b"wrong end")
            .read("w", 4)
            .read_as("r", 4, apc)
            .write_as("w", b"x", apc)
            .write_as("w", b"abc", ov)
            .read_as("r", 4, ov),
    )]);
    let log = &logs[0];
    assert_eq!(log[1], SyscallResult::Failed(Status::AccessDenied));
    assert_eq!(log[2], SyscallResult::Failed(Status::AccessDenied));
    assert_eq!(log[3], SyscallResult::Failed(Status::InvalidParameter));
    assert_eq!(log[4], SyscallResult::Failed(Status::InvalidParameter));
    // The OVERLAPPED is ignored: each call does its transfer before it returns.
    assert_eq!(outcome(&log[5]), (Status::Success, 3));
    assert_eq!(outcome(&log[6]), (Status::Success, 3));
}

#[test]
fn a_named_pipe_listens_until_a_client_opens_it_and_then_is_busy() {
    let (_, logs) = run(vec![
        (
            "server",
            0,
            Steps::default()
                .named_pipe(64, r"\\.\pipe\echo", "s")
                .read("s", 4)
                .sleep(2 * MS)
                .read("s", 5)
                .write("s", b"pong"),
        ),
        (
            "client",
            MS,
            Steps::default()
                .open(r"\\.\pipe\echo", "c")
                .open(r"\\.\pipe\echo", "c2")
                .write("c", b"ping!")
                .read("c", 16),
        ),
    ]);
    let server = &logs[0];
    assert_eq!(server[1], SyscallResult::Failed(Status::PipeListening));
    assert_eq!(outcome(&server[3]), (Status::Success, 5));
    assert_eq!(outcome(&server[4]), (Status::Success, 4));
    let client = &logs[1];
    assert!(matches!(client[0], SyscallResult::Handle(_)));
    assert_eq!(client[1], SyscallResult::Failed(Status::PipeBusy));
    assert_eq!(outcome(&client[2]), (Status::Success, 5));
    assert_eq!(
        outcome(&client[3]),
        (Status::Success, 4),
        "duplex: the reply comes back"
    );
}

#[test]
fn a_named_pipe_whose_server_end_closed_cannot_be_opened() {
    let (_, logs) = run(vec![(
        "T",
        0,
        Steps::default()
            .named_pipe(64, r"\\.\pipe\gone", "s")
            .close("s")
            .open(r"\\.\pipe\gone", "c"),
    )]);
    assert_eq!(
        logs[0][2],
        SyscallResult::Failed(Status::ObjectNameNotFound)
    );
}

#[test]
fn an_overlapped_read_on_a_named_pipe_pends_and_its_event_reports_the_data() {
    let ov = IoMode::Overlapped(Some(OverlappedId::nth(0)));
    let (_, logs) = run(vec![
        (
            "server",
            0,
            Steps::default()
                .overlapped_named_pipe(64, r"\\.\pipe\ov", "s")
                .sleep(MS)
                .read_as("s", 16, ov)
                .wait_io(0),
        ),
        (
            "client",
            MS / 2,
            Steps::default()
                .open(r"\\.\pipe\ov", "c")
                .sleep(2 * MS)
                .write("c", b"later"),
        ),
    ]);
    assert!(matches!(logs[0][2], SyscallResult::Pending(_)));
    assert_eq!(outcome(&logs[0][3]), (Status::Success, 5));
}

#[test]
fn cancelling_a_waiting_read_completes_it_cancelled() {
    let (_, logs) = run(vec![
        (
            "reader",
            0,
            Steps::default().pipe(64, "r", "w").read("r", 8),
        ),
        (
            "canceller",
            MS,
            Steps::default().call(Keep::Nothing, |v| Syscall::CancelIoEx {
                handle: h(v, "r"),
                overlapped: None,
            }),
        ),
    ]);
    assert_eq!(outcome(&logs[0][1]), (Status::Cancelled, 0));
    assert_eq!(logs[1][0], SyscallResult::Done);
}

#[test]
fn closing_the_last_handle_of_the_reader_s_end_cancels_its_read_and_breaks_the_pipe() {
    // The reader's own waiting read is cancelled by the cleanup of its end; the writer's
    // next write then finds the pipe closing.
    let (_, logs) = run(vec![
        (
            "reader",
            0,
            Steps::default().pipe(64, "r", "w").read("r", 8),
        ),
        (
            "other",
            MS,
            Steps::default().close("r").sleep(MS).write("w", b"hello?"),
        ),
    ]);
    assert_eq!(outcome(&logs[0][1]), (Status::Cancelled, 0));
    assert_eq!(logs[1][2], SyscallResult::Failed(Status::PipeClosing));
}

#[test]
fn each_create_named_pipe_makes_an_instance_and_clients_take_listening_ones() {
    let (k, logs) = run(vec![
        (
            "server",
            0,
            Steps::default()
                .named_pipe(64, r"\\.\pipe\two", "s1")
                .named_pipe(64, r"\\.\pipe\two", "s2")
                .sleep(2 * MS)
                .read("s1", 8)
                .read("s2", 8),
        ),
        (
            "clients",
            MS,
            Steps::default()
                .open(r"\\.\pipe\two", "c1")
                .open(r"\\.\pipe\two", "c2")
                .open(r"\\.\pipe\two", "c3")
                .write("c1", b"first")
                .write("c2", b"second"),
        ),
    ]);
    let clients = &logs[1];
    assert!(matches!(clients[0], SyscallResult::Handle(_)));
    assert!(matches!(clients[1], SyscallResult::Handle(_)));
    assert_eq!(clients[2], SyscallResult::Failed(Status::PipeBusy));
    // Each instance carries its own client's bytes.
    let server = &logs[0];
    let sum = |r: &SyscallResult| match *r {
        SyscallResult::Io { checksum, .. } => checksum,
        other => panic!("{other:?}"),
    };
    assert_eq!(sum(&server[3]), checksum(b"first"));
    assert_eq!(sum(&server[4]), checksum(b"second"));
    // One file for the name, two instances of it.
    let named = k
        .core()
        .files
        .iter()
        .filter(|f| f.name == r"\\.\pipe\two")
        .count();
    assert_eq!(named, 1);
}

#[test]
fn a_read_larger_than_the_buffer_takes_the_rest_straight_from_a_waiting_write() {
    let (k, logs) = run(vec![
        (
            "writer",
            0,
            Steps::default().pipe(4, "r", "w").write("w", b"0123456789"),
        ),
        ("reader", MS, Steps::default().read("r", 8).read("r", 8)),
    ]);
    let sums: Vec<(u32, u64)> = logs[1]
        .iter()
        .map(|r| match *r {
            SyscallResult::Io {
                bytes, checksum, ..
            } => (bytes, checksum),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        sums,
        [(8, checksum(b"01234567")), (2, checksum(b"89"))],
        "four from the buffer and four from the write, then the last two"
    );
    assert_eq!(outcome(&logs[0][1]), (Status::Success, 10));
    // Every byte the reads got is accounted for in the trace: drained from the buffer
    // or handed over straight from the write.
    let moved: u64 = k
        .trace()
        .iter()
        .filter_map(|e| {
            let (_, ev) = e.what.device_event()?;
            match ev.kind.name {
                "PipeDrained" => ev.value("bytes"),
                "PipeHandedOver" => ev.value("bytes"),
                _ => None,
            }
        })
        .sum();
    assert_eq!(moved, 10);
}

#[test]
fn closing_both_ends_frees_the_pipe_and_says_what_was_dropped() {
    let (k, _) = run(vec![(
        "T",
        0,
        Steps::default()
            .pipe(64, "r", "w")
            .write("w", b"unread")
            .close("r")
            .close("w"),
    )]);
    let gone: Vec<u64> = k
        .trace()
        .iter()
        .filter_map(|e| {
            let (_, ev) = e.what.device_event()?;
            (ev.kind.name == "PipeGone").then(|| ev.value("dropped").unwrap())
        })
        .collect();
    // The read end's close dropped the six bytes flowing to it; nothing was left when
    // the write end went.
    assert_eq!(gone, [0]);
    assert_eq!(k.bytes_held(), 0, "the driver holds nothing more");
}
