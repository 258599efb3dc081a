//! Property tests: generated scenarios run step by step, and after every step the
//! kernel's invariants are checked against its state and the new trace events.
//!
//! The generated threads share a completion port, a file, two events (`ea` auto-reset,
//! `em` manual-reset) and a semaphore (`s`, maximum 4), and wait on them for any or all.
//! They cancel their own requests and each other's (CancelIo, CancelIoEx), on the disk and
//! on the pipes. Four more threads use two small pipes, one end each, and close it when
//! they are done: a reader and a writer on an anonymous pipe (`apr`, `apw`), and the
//! server (`ns`) and the client (`nc`) of a named pipe, which both read and write. On each
//! pipe, reads never take more bytes than writes have brought (checked per direction,
//! after every step).
//!
//! Every scenario ends by construction: every wait on an event or a semaphore has a
//! timeout, and a thread waits forever only for an earlier thread to exit (`Join`), which
//! by induction does. On the anonymous pipe, a read waits only while the pipe is empty and
//! a write only while it is full, so one of its two threads always goes on, and when that
//! one's program ends it closes its end, which ends the other's wait. Both named pipe
//! threads read and write, so they could wait for each other: every request there is
//! overlapped, waited for with a timeout, and cancelled if it is still waiting (and waited
//! for again, with a timeout, since a request that failed when issued never signals).
//! Each end is closed only by its own thread, never while another thread is in a call on
//! it: the pipe driver cannot take a request on an end already cleaned up (a bug reported
//! on branch ops-kernel-bugs), which a close racing a call on another CPU would send it.

use iosim::scenario;
use kernel_sim::cpu::FrameKind;
use kernel_sim::io::FileKind;
use kernel_sim::io::Major;
use kernel_sim::thread::ThreadState;
use kernel_sim::trace::WaitReason;
use kernel_sim::{
    DeviceId, FileId, FileObjectId, Handle, IrpId, Kernel, ProcessId, ThreadId, What,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One generated action of a thread.
#[derive(Debug, Clone)]
enum Gen {
    /// Write a sector run at a slot of the thread's own region, then read it back.
    WriteRead {
        slot: u8,
        sectors: u8,
        fill: u8,
    },
    ReadSync {
        slot: u8,
    },
    /// A synchronous read at a random offset of the whole file (drawn from the seed).
    ReadRandom,
    /// ReadFileEx, then an alertable sleep that may or may not see the routine run.
    ReadEx {
        slot: u8,
        sleep_us: u16,
    },
    /// Several ReadFileEx calls, then one long alertable wait that runs their routines.
    ReadExBurst {
        n: u8,
    },
    Compute {
        us: u16,
    },
    Sleep {
        us: u16,
    },
    /// Reads through the shared completion port, each followed by a dequeue.
    PortIo {
        n: u8,
    },
    /// An overlapped read on the port-bound file, waited on through its own event (the
    /// packet still goes to the port), then a dequeue that never waits.
    WaitBound {
        alertable: bool,
    },
    /// A dequeue with a zero timeout: a packet if one may be taken, WAIT_TIMEOUT if not.
    PollPort,
    /// `n` reads through the port-bound file, then GetQueuedCompletionStatusEx for up to
    /// `n` packets, alertable, with a timeout.
    BatchPort {
        n: u8,
    },
    /// QueueUserAPC to an earlier thread (which may have exited, or not have begun).
    QueueApc {
        back: u8,
    },
    /// A read through the synchronous handle every thread shares: reads from several
    /// threads are serialized on it.
    SharedSyncRead {
        slot: u8,
    },
    /// An overlapped read, then GetOverlappedResult without waiting, then waiting.
    OverlappedResult {
        slot: u8,
    },
    /// SetEvent on `em` (manual) or `ea` (auto-reset).
    SetEvent {
        manual: bool,
    },
    /// ResetEvent on `em`.
    ResetManual,
    /// ReleaseSemaphore on `s` by `n`; past its maximum it fails and changes nothing.
    Release {
        n: u8,
    },
    /// A wait on the shared objects in `mask` (bit 0 `ea`, 1 `em`, 2 `s`), for any or
    /// all, with a timeout (0: a poll).
    WaitObjects {
        mask: u8,
        all: bool,
        alertable: bool,
        timeout_us: u16,
    },
    /// ReadFileEx, then an alertable wait on the shared objects in `mask`, which the
    /// routine's APC ends (WAIT_IO_COMPLETION) unless an object is signalled first.
    ReadExThenWait {
        slot: u8,
        mask: u8,
        all: bool,
    },
    /// OpenThread on an earlier thread (`back` picks which), a wait for it to exit with
    /// no timeout, and CloseHandle.
    Join {
        back: u8,
    },
    /// An event of the thread's own: created, duplicated, polled through both handles,
    /// and closed twice, which destroys it.
    Private {
        signalled: bool,
    },
    /// An overlapped read of the thread's own file, cancelled at once (`how`: 0 CancelIo,
    /// 1 CancelIoEx naming its OVERLAPPED, 2 CancelIoEx on the whole file), then waited
    /// for; a second CancelIoEx naming it then finds nothing (ERROR_NOT_FOUND).
    CancelRead {
        slot: u8,
        how: u8,
    },
    /// CancelIoEx on the shared port-bound file: other threads' requests, or nothing.
    CancelShared,
    /// CancelIoEx on a pipe end (`named`: the named pipe's server end, else the anonymous
    /// pipe's read end): another thread's waiting requests, or nothing.
    PipeCancel {
        named: bool,
    },
}

/// One step of a pipe thread's program.
#[derive(Debug, Clone)]
enum PipeGen {
    /// Write `len` bytes (on the named pipe: overlapped, waited for `wait_us`, cancelled if
    /// still waiting).
    Write {
        len: u8,
        wait_us: u16,
    },
    /// Read up to `len` bytes (on the named pipe: as a write is).
    Read {
        len: u8,
        wait_us: u16,
    },
    /// On the named pipe: ReadFileEx, an alertable sleep of `wait_us`, CancelIo, and an
    /// alertable sleep that runs the routine if it has not run. On the anonymous pipe, a
    /// read.
    ReadEx {
        len: u8,
        wait_us: u16,
    },
    Pause {
        us: u16,
    },
    /// Close the end now; the thread's later calls on it fail (ERROR_INVALID_HANDLE).
    Close,
}

/// How long a named pipe thread waits for its request once it has cancelled it. A
/// request still waiting is taken back at once, so the wait ends at once; one that failed
/// when it was issued (on a pipe already closing) never signals its OVERLAPPED, in iosim
/// as in Windows, and the wait times out.
const LATE_NS: u64 = 1_000_000;

fn gen_pipe_op() -> impl Strategy<Value = PipeGen> {
    prop_oneof![
        4 => (1u8..48, 0u16..3_000).prop_map(|(len, wait_us)| PipeGen::Write { len, wait_us }),
        4 => (1u8..48, 0u16..3_000).prop_map(|(len, wait_us)| PipeGen::Read { len, wait_us }),
        2 => (1u8..48, 0u16..3_000).prop_map(|(len, wait_us)| PipeGen::ReadEx { len, wait_us }),
        2 => (1u16..2_000).prop_map(|us| PipeGen::Pause { us }),
        1 => Just(PipeGen::Close),
    ]
}

/// What a pipe thread's end is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    AnonReader,
    AnonWriter,
    Named,
}

/// The pipe threads: each one's name, the end it owns, and what the end is.
const PIPE_THREADS: [(&str, &str, Role); 4] = [
    ("ap_reader", "apr", Role::AnonReader),
    ("ap_writer", "apw", Role::AnonWriter),
    ("np_server", "ns", Role::Named),
    ("np_client", "nc", Role::Named),
];

/// A pipe thread's program: its ops on its own end, then closing it.
fn pipe_program(k: usize, end: &str, role: Role, ops: &[PipeGen]) -> Vec<Value> {
    let mut p = Vec::new();
    let data = |len: u8| json!({"repeat": {"text": format!("{k}:{len}."), "length": len}});
    for (n, op) in ops.iter().enumerate() {
        let tag = format!("{end}{n}");
        match (op, role) {
            (PipeGen::Pause { us }, _) => p.push(json!({"sleep": {"ns": u64::from(*us) * 1000}})),
            (PipeGen::Close, _) => p.push(json!({"close": {"handle": end}})),
            (PipeGen::Write { len, .. }, Role::AnonWriter) => {
                p.push(json!({"write": {"file": end, "data": data(*len)}}))
            }
            (
                PipeGen::Read { len, .. }
                | PipeGen::ReadEx { len, .. }
                | PipeGen::Write { len, .. },
                Role::AnonReader,
            ) => p.push(json!({"read": {"file": end, "len": len}})),
            (PipeGen::Read { len, .. } | PipeGen::ReadEx { len, .. }, Role::AnonWriter) => {
                p.push(json!({"write": {"file": end, "data": data(*len)}}))
            }
            (PipeGen::Write { len, wait_us }, Role::Named) => {
                p.push(json!({"write_overlapped": {"file": end, "data": data(*len), "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "timeout_ns": u64::from(*wait_us) * 1000}}));
                p.push(json!({"cancel_io_ex": {"file": end, "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "timeout_ns": LATE_NS}}));
            }
            (PipeGen::Read { len, wait_us }, Role::Named) => {
                p.push(json!({"read_overlapped": {"file": end, "len": len, "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "timeout_ns": u64::from(*wait_us) * 1000}}));
                p.push(json!({"cancel_io_ex": {"file": end, "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "timeout_ns": LATE_NS}}));
            }
            (PipeGen::ReadEx { len, wait_us }, Role::Named) => {
                p.push(json!({"read_ex": {"file": end, "len": len, "routine": "done"}}));
                p.push(json!({"sleep_ex": {"ns": u64::from(*wait_us) * 1000, "alertable": true}}));
                p.push(json!({"cancel_io": {"file": end}}));
                p.push(json!({"sleep_ex": {"ns": 1_000_000, "alertable": true}}));
            }
        }
    }
    p.push(json!({"close": {"handle": end}}));
    p
}

/// The named pipe of every generated scenario.
const PIPE_NAME: &str = r"\\.\pipe\gen";

/// The shared kernel objects, by their bit in [`Gen::WaitObjects`]'s mask.
const SHARED: [&str; 3] = ["ea", "em", "s"];

/// The names a wait mask picks.
fn picked(mask: u8) -> Vec<&'static str> {
    SHARED
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, name)| *name)
        .collect()
}

fn gen_op() -> impl Strategy<Value = Gen> {
    prop_oneof![
        (0u8..8, 1u8..9, any::<u8>()).prop_map(|(slot, sectors, fill)| Gen::WriteRead {
            slot,
            sectors,
            fill
        }),
        (0u8..8).prop_map(|slot| Gen::ReadSync { slot }),
        Just(Gen::ReadRandom),
        (0u8..8, 0u16..20_000).prop_map(|(slot, sleep_us)| Gen::ReadEx { slot, sleep_us }),
        (2u8..5).prop_map(|n| Gen::ReadExBurst { n }),
        (1u16..30_000).prop_map(|us| Gen::Compute { us }),
        (1u16..5_000).prop_map(|us| Gen::Sleep { us }),
        (1u8..4).prop_map(|n| Gen::PortIo { n }),
        any::<bool>().prop_map(|alertable| Gen::WaitBound { alertable }),
        Just(Gen::PollPort),
        (1u8..4).prop_map(|n| Gen::BatchPort { n }),
        any::<u8>().prop_map(|back| Gen::QueueApc { back }),
        // Three times as likely as the others: it matters only when threads overlap.
        (0u8..8).prop_map(|slot| Gen::SharedSyncRead { slot }),
        (0u8..8).prop_map(|slot| Gen::SharedSyncRead { slot }),
        (0u8..8).prop_map(|slot| Gen::SharedSyncRead { slot }),
        (0u8..8).prop_map(|slot| Gen::OverlappedResult { slot }),
        any::<bool>().prop_map(|manual| Gen::SetEvent { manual }),
        Just(Gen::ResetManual),
        (1u8..4).prop_map(|n| Gen::Release { n }),
        (1u8..8, any::<bool>(), any::<bool>(), 0u16..5_000).prop_map(
            |(mask, all, alertable, timeout_us)| Gen::WaitObjects {
                mask,
                all,
                alertable,
                timeout_us
            }
        ),
        (0u8..8, 1u8..8, any::<bool>()).prop_map(|(slot, mask, all)| Gen::ReadExThenWait {
            slot,
            mask,
            all
        }),
        any::<u8>().prop_map(|back| Gen::Join { back }),
        any::<bool>().prop_map(|signalled| Gen::Private { signalled }),
        (0u8..8, 0u8..3).prop_map(|(slot, how)| Gen::CancelRead { slot, how }),
        Just(Gen::CancelShared),
        any::<bool>().prop_map(|named| Gen::PipeCancel { named }),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    cpus: u32,
    ring: u32,
    queue: &'static str,
    concurrency: u32,
    timeslice_us: u64,
    /// Filters stacked on the disk, the first directly above it: a checksum filter, or
    /// an audit filter that holds each IRP until its work item has run.
    filters: Vec<&'static str>,
    /// The disk's media error rate, in transfers per million.
    media_error_ppm: u32,
    threads: Vec<(Vec<Gen>, bool)>,
    /// A last thread that keeps setting the events and releasing the semaphore for a
    /// while, so that waits end by signals as well as by timeouts.
    signaller: bool,
    /// Bytes each pipe holds.
    pipe_capacity: u32,
    /// The pipe threads' programs and starts (µs after 100 µs), in [`PIPE_THREADS`]'s
    /// order.
    pipe_threads: Vec<(Vec<PipeGen>, u16)>,
}

fn gen_case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        1u32..4,
        1u32..7,
        prop_oneof![Just("fifo"), Just("scan"), Just("sstf")],
        1u32..3,
        prop_oneof![Just(10_000u64), Just(2_000)],
        (
            prop::collection::vec(prop_oneof![Just("checksum"), Just("audit")], 0..3),
            prop_oneof![Just(0u32), Just(250_000)],
        ),
        prop::collection::vec((prop::collection::vec(gen_op(), 0..7), any::<bool>()), 1..5),
        any::<bool>(),
        (
            1u32..33,
            prop::collection::vec(
                (prop::collection::vec(gen_pipe_op(), 0..7), 0u16..2_000),
                PIPE_THREADS.len(),
            ),
        ),
    )
        .prop_map(
            |(
                seed,
                cpus,
                ring,
                queue,
                concurrency,
                timeslice_us,
                (filters, media_error_ppm),
                threads,
                signaller,
                (pipe_capacity, pipe_threads),
            )| {
                Case {
                    seed,
                    cpus,
                    ring,
                    queue,
                    concurrency,
                    timeslice_us,
                    filters,
                    media_error_ppm,
                    threads,
                    signaller,
                    pipe_capacity,
                    pipe_threads,
                }
            },
        )
}

const REGION: u64 = 128 * 1024;

fn program(i: usize, ops: &[Gen], exit_early: bool) -> Vec<Value> {
    let base = i as u64 * REGION;
    let at = |slot: u8| base + u64::from(slot) * 8192;
    // A synchronous handle for ReadFile without an OVERLAPPED, and one opened for
    // overlapped I/O for the rest.
    let (f, o) = (format!("f{i}"), format!("o{i}"));
    let mut p = vec![
        json!({"open": {"path": "f.dat", "as": f}}),
        json!({"open": {"path": "f.dat", "as": o, "overlapped": true}}),
    ];
    for op in ops {
        match *op {
            Gen::WriteRead {
                slot,
                sectors,
                fill,
            } => {
                let len = u64::from(sectors) * 512;
                p.push(json!({"write": {"file": f, "offset": at(slot),
                    "data": {"repeat": {"text": format!("{fill:02x}!"), "length": len}}}}));
                p.push(json!({"read": {"file": f, "offset": at(slot), "len": len}}));
            }
            Gen::ReadSync { slot } => {
                p.push(json!({"read": {"file": f, "offset": at(slot), "len": 4096}}))
            }
            Gen::ReadRandom => p.push(json!({"read": {"file": f, "len": 512,
                "random_offset": {"below": 1_048_576 - 512, "align": 512}}})),
            Gen::ReadEx { slot, sleep_us } => {
                p.push(json!({"read_ex": {"file": o, "offset": at(slot), "len": 2048, "routine": "done"}}));
                p.push(json!({"sleep_ex": {"ns": u64::from(sleep_us) * 1000, "alertable": true}}));
            }
            Gen::ReadExBurst { n } => {
                for k in 0..n {
                    p.push(json!({"read_ex": {"file": o, "offset": at(k), "len": 1024, "routine": "done"}}));
                }
                p.push(json!({"sleep_ex": {"ns": 80_000_000u64, "alertable": true}}));
            }
            Gen::Compute { us } => p.push(json!({"compute": {"ns": u64::from(us) * 1000}})),
            Gen::Sleep { us } => p.push(json!({"sleep": {"ns": u64::from(us) * 1000}})),
            Gen::WaitBound { alertable } => {
                let tag = format!("w{i}");
                p.push(json!({"read_overlapped": {"file": "pf", "offset": base, "len": 1024, "tag": tag}}));
                p.push(json!({"wait": {"tag": tag, "alertable": alertable}}));
                p.push(json!({"get_queued": {"port": "P", "timeout_ns": 0}}));
            }
            Gen::PollPort => p.push(json!({"get_queued": {"port": "P", "timeout_ns": 0}})),
            Gen::BatchPort { n } => {
                for k in 0..n {
                    p.push(json!({"read_overlapped": {"file": "pf", "offset": at(k), "len": 512}}));
                }
                p.push(json!({"get_queued_ex": {"port": "P", "count": n,
                    "alertable": true, "timeout_ns": 50_000_000u64}}));
            }
            Gen::QueueApc { back } => {
                let target = match i {
                    0 => "setup".to_string(),
                    _ => format!("T{}", i - 1 - usize::from(back) % i),
                };
                let h = format!("a{i}");
                p.push(json!({"open_thread": {"thread": target, "as": h}}));
                p.push(json!({"queue_apc": {"thread": h, "routine": "done"}}));
                p.push(json!({"close": {"handle": h}}));
            }
            Gen::SharedSyncRead { slot } => {
                p.push(json!({"read": {"file": "sf", "offset": at(slot), "len": 2048}}))
            }
            Gen::OverlappedResult { slot } => {
                let tag = format!("g{i}");
                p.push(json!({"read_overlapped": {"file": o, "offset": at(slot), "len": 1024, "tag": tag}}));
                p.push(json!({"get_overlapped_result": {"tag": tag}}));
                p.push(json!({"get_overlapped_result": {"tag": tag, "wait": true}}));
            }
            Gen::PortIo { n } => p.push(json!({"repeat": {"times": n, "ops": [
                {"read_overlapped": {"file": "pf", "offset": base, "len": 1024}},
                {"get_queued": {"port": "P", "timeout_ns": 1_000_000_000u64}}
            ]}})),
            Gen::SetEvent { manual } => {
                p.push(json!({"set_event": {"event": if manual { "em" } else { "ea" }}}))
            }
            Gen::ResetManual => p.push(json!({"reset_event": {"event": "em"}})),
            Gen::Release { n } => {
                p.push(json!({"release_semaphore": {"semaphore": "s", "count": n}}))
            }
            Gen::WaitObjects {
                mask,
                all,
                alertable,
                timeout_us,
            } => p.push(json!({"wait_objects": {"handles": picked(mask), "all": all,
                "alertable": alertable, "timeout_ns": u64::from(timeout_us) * 1000}})),
            Gen::ReadExThenWait { slot, mask, all } => {
                p.push(json!({"read_ex": {"file": o, "offset": at(slot), "len": 2048, "routine": "done"}}));
                p.push(json!({"wait_objects": {"handles": picked(mask), "all": all,
                    "alertable": true, "timeout_ns": 80_000_000u64}}));
            }
            Gen::Join { back } => {
                // Only an earlier thread: the waits-for graph has no cycle.
                let target = match i {
                    0 => "setup".to_string(),
                    _ => format!("T{}", i - 1 - usize::from(back) % i),
                };
                let h = format!("j{i}");
                p.push(json!({"open_thread": {"thread": target, "as": h}}));
                p.push(json!({"wait_objects": {"handles": [h]}}));
                p.push(json!({"close": {"handle": h}}));
            }
            Gen::CancelRead { slot, how } => {
                let tag = format!("c{i}");
                p.push(json!({"read_overlapped": {"file": o, "offset": at(slot), "len": 4096, "tag": tag}}));
                p.push(match how {
                    0 => json!({"cancel_io": {"file": o}}),
                    1 => json!({"cancel_io_ex": {"file": o, "tag": tag}}),
                    _ => json!({"cancel_io_ex": {"file": o}}),
                });
                p.push(json!({"wait": {"tag": tag}}));
                p.push(json!({"cancel_io_ex": {"file": o, "tag": tag}}));
            }
            Gen::CancelShared => p.push(json!({"cancel_io_ex": {"file": "pf"}})),
            Gen::PipeCancel { named } => {
                p.push(json!({"cancel_io_ex": {"file": if named { "ns" } else { "apr" }}}))
            }
            Gen::Private { signalled } => {
                let (e, d) = (format!("p{i}"), format!("q{i}"));
                p.push(json!({"create_event": {"as": e, "signalled": signalled}}));
                p.push(json!({"duplicate_handle": {"handle": e, "as": d}}));
                p.push(json!({"wait_objects": {"handles": [e], "timeout_ns": 0}}));
                p.push(json!({"wait_objects": {"handles": [d], "timeout_ns": 0}}));
                p.push(json!({"close": {"handle": e}}));
                p.push(json!({"close": {"handle": d}}));
            }
        }
    }
    if exit_early {
        // Leave a routine behind: its APC must be discarded, not run.
        p.push(json!({"read_ex": {"file": o, "offset": base, "len": 512, "routine": "done"}}));
        p.push(json!({"exit": {}}));
    }
    p
}

fn scenario_json(case: &Case) -> String {
    let mut threads = vec![json!({"name": "setup", "program": [
        {"create_port": {"as": "P", "concurrency": case.concurrency}},
        {"open": {"path": "f.dat", "as": "pf", "overlapped": true}},
        {"open": {"path": "f.dat", "as": "sf"}},
        {"bind": {"file": "pf", "port": "P", "key": 5}},
        {"create_event": {"as": "ea"}},
        {"create_event": {"as": "em", "manual_reset": true}},
        {"create_semaphore": {"as": "s", "count": 0, "max": 4}},
        {"create_pipe": {"read_as": "apr", "write_as": "apw", "capacity": case.pipe_capacity, "name": "ap"}},
        {"create_named_pipe": {"as": "ns", "name": PIPE_NAME, "capacity": case.pipe_capacity,
            "overlapped": true}},
        {"open": {"path": PIPE_NAME, "as": "nc", "overlapped": true}}
    ]})];
    for (i, (ops, exit_early)) in case.threads.iter().enumerate() {
        threads.push(
            json!({"name": format!("T{i}"), "start_ns": 100_000 + i as u64 * 7_000,
            "program": program(i, ops, *exit_early)}),
        );
    }
    if case.signaller {
        threads.push(
            json!({"name": "signaller", "start_ns": 150_000, "program": [
                {"repeat": {"times": 12, "ops": [
                    {"sleep": {"ns": 400_000}},
                    {"set_event": {"event": "ea"}},
                    {"release_semaphore": {"semaphore": "s"}},
                    {"set_event": {"event": "em"}},
                    {"sleep": {"ns": 300_000}},
                    {"reset_event": {"event": "em"}}
                ]}}
            ]}),
        );
    }
    for (k, ((name, end, role), (ops, start_us))) in
        PIPE_THREADS.iter().zip(&case.pipe_threads).enumerate()
    {
        threads.push(
            json!({"name": name, "start_ns": 100_000 + u64::from(*start_us) * 1000,
            "program": pipe_program(k, end, *role, ops)}),
        );
    }
    json!({
        "name": "generated",
        "description": "a generated scenario",
        "machine": {"cpus": case.cpus, "timeslice_ns": case.timeslice_us * 1000},
        "devices": [{"disk": {"name": "disk0", "irq": 14, "ring_size": case.ring, "queue": case.queue,
            "filters": case.filters, "media_error_ppm": case.media_error_ppm}}],
        "files": [{"name": "f.dat", "device": "disk0", "offset": 0, "length": 1_048_576}],
        // The routine makes a call of its own: the thread runs it inside its APC.
        "processes": [{"name": "app", "routines": {"done": {"cost_ns": 3000, "ops": [
                {"set_event": {"event": "ea"}}
            ]}}, "threads": threads}]
    })
    .to_string()
}

/// What the checker remembers between steps.
#[derive(Default)]
struct Watch {
    seen: usize,
    /// Each IRP's thread, major function, file offset (none on a pipe) and length.
    created: BTreeMap<IrpId, (ThreadId, Major, Option<u64>, u32)>,
    completed: BTreeMap<IrpId, u64>,
    freed: BTreeSet<IrpId>,
    last_write: BTreeMap<(ThreadId, u64, u32), u64>,
    apcs: BTreeMap<ThreadId, VecDeque<Option<IrpId>>>,
    over_seen: BTreeSet<u32>,
    segments: kernel_sim::trace::segments::Segments,
    fed: usize,
    /// Whether each thread's current WaitForMultipleObjectsEx waits for all: the
    /// generated flags, in program order, taken as the calls are entered.
    all_flags: BTreeMap<ThreadId, VecDeque<bool>>,
    waits_for_all: BTreeMap<ThreadId, bool>,
    /// Handles to kernel objects opened, and whether each has been closed since.
    object_handles: BTreeMap<(ProcessId, Handle), bool>,
    /// Each pipe end's file object: its pipe, and whether it is the server's end (an
    /// anonymous pipe's read end).
    pipe_ends: BTreeMap<FileObjectId, (FileId, bool)>,
    /// Each pipe request: the stream it moves bytes on (its pipe, and whether the server's
    /// end writes that stream), and whether it reads.
    pipe_irps: BTreeMap<IrpId, ((FileId, bool), bool)>,
    /// Per stream: the bytes write requests brought, and the bytes reads took.
    pipe_written: BTreeMap<(FileId, bool), u64>,
    pipe_read: BTreeMap<(FileId, bool), u64>,
}

fn check_step(k: &Kernel, w: &mut Watch) -> Result<(), String> {
    let core = k.core();
    // CPUs: a thread (or the dispatcher) only at the bottom; above it, only ISRs and DPCs.
    for cpu in &core.cpus {
        for f in cpu.frames.iter().skip(1) {
            if matches!(f.kind, FrameKind::Thread { .. } | FrameKind::Switch { .. }) {
                return Err(format!(
                    "{}: thread frame above another: {:?}",
                    cpu.id, cpu.frames
                ));
            }
        }
    }
    for ev in &core.trace[w.seen..] {
        // Thread code and APCs run only with their thread's frame on top of that CPU.
        if let What::ThreadComputed { thread, .. }
        | What::SyscallEntered { thread, .. }
        | What::ApcRun { thread, .. } = ev.what
        {
            let cpu = &core.cpus[ev.cpu.expect("thread events have a CPU").0 as usize];
            if cpu.top() != Some(FrameKind::Thread { thread }) || cpu.in_interrupt_or_dpc() {
                return Err(format!("{:?} ran under {:?}", ev.what, cpu.frames));
            }
        }
        match ev.what {
            What::FileOpened {
                call, file, object, ..
            } if matches!(core.files[file.0 as usize].kind, FileKind::Pipe { .. }) => {
                // CreatePipe opens its read end (the server's) first.
                let server = match call {
                    "CreateNamedPipe" => true,
                    "CreatePipe" => !w.pipe_ends.values().any(|&(f, _)| f == file),
                    _ => false,
                };
                w.pipe_ends.insert(object, (file, server));
            }
            What::IrpCreated {
                irp,
                thread,
                major,
                offset,
                len,
            } => {
                // A scenario has no kernel component issuing requests of its own.
                let thread = thread.ok_or(format!("{irp} has no thread"))?;
                w.created.insert(irp, (thread, major, offset, len));
                let object = core
                    .irps
                    .get(&irp)
                    .ok_or(format!("{irp} is gone in the step that created it"))?
                    .file_object;
                if let Some(&(file, server)) = w.pipe_ends.get(&object) {
                    // A read takes the stream the other end writes.
                    let reads = major == Major::Read;
                    let stream = (file, server != reads);
                    w.pipe_irps.insert(irp, (stream, reads));
                    if !reads {
                        *w.pipe_written.entry(stream).or_default() += u64::from(len);
                    }
                }
            }
            What::IrpFreed { irp } => {
                // The end of an IRP's life: once, after its completion, and it is gone.
                if !w.completed.contains_key(&irp) || !w.freed.insert(irp) {
                    return Err(format!("{irp} freed twice or before it completed"));
                }
                if core.irps.contains_key(&irp) {
                    return Err(format!("{irp} freed but still live"));
                }
            }
            What::IrpCompleted {
                irp,
                checksum,
                status,
                bytes,
            } => {
                if w.completed.insert(irp, checksum).is_some() {
                    return Err(format!("{irp} completed twice"));
                }
                if let (Some(&(stream, true)), kernel_sim::io::Status::Success) =
                    (w.pipe_irps.get(&irp), status)
                {
                    *w.pipe_read.entry(stream).or_default() += u64::from(bytes);
                }
                let (thread, major, offset, len) = w.created[&irp];
                // Bytes at an offset can be compared with what was written there; a
                // pipe's stream is checked by the pipe's own tests.
                let Some(offset) = offset else {
                    continue;
                };
                if status != kernel_sim::io::Status::Success {
                    // A cancelled request moved no data: nothing to compare. (A cancelled
                    // write may still have reached the disk; nothing is assumed of it.)
                    if major == Major::Write {
                        let end = offset + u64::from(len);
                        w.last_write.retain(|&(t, o, l), _| {
                            t != thread || o + u64::from(l) <= offset || end <= o
                        });
                    }
                    continue;
                }
                match major {
                    Major::Write => {
                        // The write replaces what the thread's earlier writes left in its
                        // range: a read of those no longer expects their bytes.
                        let end = offset + u64::from(len);
                        w.last_write.retain(|&(t, o, l), _| {
                            t != thread || o + u64::from(l) <= offset || end <= o
                        });
                        w.last_write.insert((thread, offset, len), checksum);
                    }
                    Major::Read => {
                        if let Some(&wrote) = w.last_write.get(&(thread, offset, len))
                            && wrote != checksum
                        {
                            return Err(format!("{irp} read back other bytes than were written"));
                        }
                    }
                }
            }
            What::ApcQueued { thread, irp, .. } => w.apcs.entry(thread).or_default().push_back(irp),
            What::ApcRun { thread, irp, .. } | What::ApcDiscarded { thread, irp, .. } => {
                // Discards at queue time (thread already gone) never entered the queue.
                let q = w.apcs.entry(thread).or_default();
                if q.front() == Some(&irp) {
                    q.pop_front();
                } else if matches!(ev.what, What::ApcRun { .. }) || q.contains(&irp) {
                    return Err(format!(
                        "APC for {irp:?} left {thread}'s queue out of order"
                    ));
                }
            }
            What::PacketDequeued { port, running, .. } => {
                let p = &core.ports[port.0 as usize];
                if running > p.concurrency {
                    return Err(format!("{port} released a thread past its limit"));
                }
            }
            What::PortRunningOver { port, .. } => {
                w.over_seen.insert(port.0);
            }
            What::SyscallEntered {
                thread,
                call: "WaitForMultipleObjectsEx",
            } => {
                let Some(all) = w.all_flags.entry(thread).or_default().pop_front() else {
                    return Err(format!(
                        "{thread} waits on several objects more often than its program"
                    ));
                };
                w.waits_for_all.insert(thread, all);
            }
            What::ObjectOpened { thread, handle, .. } => {
                let process = core.threads[thread.0 as usize].process;
                if w.object_handles.insert((process, handle), false).is_some() {
                    return Err(format!("{handle} of {process} opened twice"));
                }
            }
            What::HandleClosed { thread, handle, .. } => {
                let process = core.threads[thread.0 as usize].process;
                if let Some(closed) = w.object_handles.get_mut(&(process, handle))
                    && std::mem::replace(closed, true)
                {
                    return Err(format!("{handle} of {process} closed twice"));
                }
            }
            What::ObjectDestroyed { object } => {
                // Destroyed with its last handle, and never under a waiter.
                if core
                    .processes
                    .iter()
                    .any(|p| p.handles.iter().any(|(_, o)| o == object))
                {
                    return Err(format!("{object:?} destroyed while a handle refers to it"));
                }
                if let Some(t) = core
                    .threads
                    .iter()
                    .find(|t| t.wait_objects.contains(&object))
                {
                    return Err(format!("{object:?} destroyed while {} waits on it", t.id));
                }
            }
            _ => {}
        }
    }
    w.seen = core.trace.len();
    // Pipes: reads never take more bytes from a stream than writes have brought to it.
    for (stream, &read) in &w.pipe_read {
        let written = w.pipe_written.get(stream).copied().unwrap_or(0);
        if read > written {
            return Err(format!(
                "reads took {read} bytes from {stream:?}, writes brought {written}"
            ));
        }
    }
    // Waits on objects: a waiting thread has nothing it could take. For a wait for any,
    // none of its objects is signalled; for a wait for all, not all of them are.
    for t in &core.threads {
        if !matches!(
            t.state,
            ThreadState::Waiting {
                reason: WaitReason::Objects,
                ..
            }
        ) {
            continue;
        }
        if t.wait_objects.is_empty() {
            return Err(format!("{} waits on objects but lists none", t.id));
        }
        let all = t.wait_objects.len() > 1 && w.waits_for_all.get(&t.id) == Some(&true);
        let signalled: Vec<bool> = t
            .wait_objects
            .iter()
            .map(|&o| core.is_signalled(o))
            .collect();
        let could = if all {
            signalled.iter().all(|&s| s)
        } else {
            signalled.iter().any(|&s| s)
        };
        if could {
            return Err(format!(
                "{} waits for {} of {:?}, signalled {signalled:?}",
                t.id,
                if all { "all" } else { "any" },
                t.wait_objects
            ));
        }
    }
    for s in &core.semaphores {
        if s.count > s.max {
            return Err(format!(
                "semaphore {} counts {} past its maximum {}",
                s.name, s.count, s.max
            ));
        }
    }
    // Ports: the running count is the number of counted threads; it exceeds the limit only
    // after a blocked thread woke (traced as PortRunningOver).
    for p in &core.ports {
        let counted = core
            .threads
            .iter()
            .filter(|t| t.port == Some(p.id) && t.counts_for_port())
            .count() as u32;
        if counted != p.running {
            return Err(format!(
                "{} running {} but {counted} threads count",
                p.id, p.running
            ));
        }
        if p.running > p.concurrency && !w.over_seen.contains(&p.id.0) {
            return Err(format!("{} over its limit with no excess traced", p.id));
        }
    }
    // The timeline lanes rebuilt from the trace agree with the state.
    crate::segments::check(k, &mut w.segments, &mut w.fed)?;
    // Rings: indices in range.
    for d in 0..core.device_names.len() {
        for r in k.device_view(DeviceId(d as u16)).rings {
            let n = r.slots.len() as u16;
            if r.head >= n || r.tail >= n || r.reap >= n {
                return Err(format!("ring index out of range: {r:?}"));
            }
        }
    }
    Ok(())
}

/// Per thread, whether each of its waits on several objects is for all of them, in
/// program order.
fn multi_wait_flags(sc: &scenario::Scenario, k: &Kernel) -> BTreeMap<ThreadId, VecDeque<bool>> {
    fn collect(ops: &[scenario::Op], out: &mut VecDeque<bool>) {
        for op in ops {
            match op {
                scenario::Op::WaitObjects(wait) if wait.handles.len() > 1 => {
                    out.push_back(wait.all)
                }
                scenario::Op::Repeat(repeat) => {
                    for _ in 0..repeat.times {
                        collect(&repeat.ops, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut flags = BTreeMap::new();
    for thread in sc.processes.iter().flat_map(|p| &p.threads) {
        let id = k
            .core()
            .threads
            .iter()
            .find(|t| t.name == thread.name)
            .expect("every thread is built")
            .id;
        collect(&thread.program, flags.entry(id).or_default());
    }
    flags
}

fn run_checked(src: &str, seed: u64) -> Result<Vec<kernel_sim::TraceEvent>, String> {
    let sc = scenario::parse("generated.json", src).map_err(|e| e.render())?;
    let mut k = iosim::build::build(&sc, seed);
    let mut w = Watch {
        all_flags: multi_wait_flags(&sc, &k),
        ..Watch::default()
    };
    let mut steps = 0u64;
    while k.step() {
        check_step(&k, &mut w)?;
        steps += 1;
        if steps > 2_000_000 {
            return Err("runaway".into());
        }
    }
    for irp in w.created.keys() {
        if !w.completed.contains_key(irp) {
            return Err(format!("{irp} never completed"));
        }
        if !w.freed.contains(irp) {
            return Err(format!("{irp} never freed"));
        }
    }
    // Nothing is left live but what a blocked thread still waits for.
    for irp in k.core().irps.keys() {
        if !k
            .core()
            .threads
            .iter()
            .any(|t| t.waits_for_irp() == Some(*irp))
        {
            return Err(format!("{irp} is live at the end and nobody waits for it"));
        }
    }
    // Every handle to a kernel object was closed, by its thread or when its process
    // ended, and no table still holds it.
    for (&(process, handle), &closed) in &w.object_handles {
        let held = k.core().processes[process.0 as usize].handles.get(handle);
        if !closed || held.is_some() {
            return Err(format!("{handle} of {process} left open: {held:?}"));
        }
    }
    let blocked = k.summary().threads_blocked_at_end;
    if !blocked.is_empty() {
        return Err(format!("threads still blocked at the end: {blocked:?}"));
    }
    Ok(k.trace().to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(case in gen_case()) {
        let src = scenario_json(&case);
        let first = run_checked(&src, case.seed);
        prop_assert!(first.is_ok(), "{}\nscenario: {src}", first.unwrap_err());
        let again = run_checked(&src, case.seed).unwrap();
        prop_assert_eq!(first.unwrap(), again, "same seed, different trace");
    }
}

/// The generator reaches what the invariants are about: waits on objects that end by a
/// signal (for any and for all), by a timeout, at once, and by APCs; objects destroyed;
/// a release refused past the semaphore's maximum. Without this, a generator that never
/// blocks on an object would pass the property above while checking nothing of it.
#[test]
fn generated_scenarios_reach_every_way_a_wait_ends() {
    use kernel_sim::object::WaitResult;
    use kernel_sim::trace::WakeReason;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..48 {
        let case = gen_case().new_tree(&mut runner).unwrap().current();
        let trace = run_checked(&scenario_json(&case), case.seed).unwrap();
        let mut signalled = BTreeSet::new();
        let mut on_objects = BTreeSet::new();
        for e in &trace {
            match e.what {
                What::ThreadWaiting { thread, reason, .. } => {
                    if reason == WaitReason::Objects {
                        on_objects.insert(thread);
                    } else {
                        on_objects.remove(&thread);
                    }
                }
                // APCs end an alertable wait with WAIT_IO_COMPLETION once they have run.
                What::AlertableWaitReturned { thread, .. } if on_objects.remove(&thread) => {
                    seen.insert("APCs");
                }
                What::ThreadWoken {
                    thread,
                    reason: WakeReason::Signalled,
                } => {
                    signalled.insert(thread);
                }
                What::WaitReturned {
                    thread,
                    result,
                    object,
                    ..
                } => {
                    let by_signal = signalled.remove(&thread);
                    seen.insert(match (result, object) {
                        (WaitResult::Object { .. }, Some(_)) if by_signal => "signalled, any",
                        (WaitResult::Object { .. }, None) if by_signal => "signalled, all",
                        (WaitResult::Object { .. }, _) => "at once",
                        (WaitResult::Timeout, _) => "timed out",
                    });
                }
                What::TimedOutAtOnce { call, .. } if call.contains("Object") => {
                    seen.insert("zero timeout");
                }
                What::ObjectDestroyed { .. } => {
                    seen.insert("destroyed");
                }
                What::SyscallFailed {
                    call: "ReleaseSemaphore",
                    ..
                } => {
                    seen.insert("too many posts");
                }
                _ => {}
            }
        }
    }
    for way in [
        "signalled, any",
        "signalled, all",
        "at once",
        "timed out",
        "zero timeout",
        "APCs",
        "destroyed",
        "too many posts",
    ] {
        assert!(
            seen.contains(way),
            "no generated wait ended {way}: {seen:?}"
        );
    }
}

/// The generator reaches what the cancellation and pipe invariants are about: a request
/// cancelled, a pipe read and a pipe write that waited, a pipe broken under a waiting
/// request or at submission, ERROR_NOT_FOUND from CancelIoEx, and a waiting pipe request
/// cancelled by a close or an exit.
#[test]
fn generated_scenarios_reach_cancels_and_pipes_that_wait_and_break() {
    use kernel_sim::io::Status;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..48 {
        let case = gen_case().new_tree(&mut runner).unwrap().current();
        let trace = run_checked(&scenario_json(&case), case.seed).unwrap();
        let mut pipe_irps = BTreeSet::new();
        for e in &trace {
            match e.what {
                What::Device { kind, values, .. } if kind.name == "PipeRequestWaits" => {
                    pipe_irps.insert(IrpId(values[0]));
                    seen.insert(if values[1] == 0 {
                        "pipe read waited"
                    } else {
                        "pipe write waited"
                    });
                }
                What::IrpCompleted {
                    irp,
                    status: Status::Cancelled,
                    ..
                } => {
                    seen.insert(if pipe_irps.contains(&irp) {
                        "waiting pipe request cancelled"
                    } else {
                        "request cancelled"
                    });
                }
                What::IrpCompleted {
                    status: Status::PipeBroken,
                    ..
                } => {
                    seen.insert("broken while waiting");
                }
                What::SyscallFailed {
                    status: Status::PipeBroken,
                    ..
                } => {
                    seen.insert("broken at submission");
                }
                What::SyscallFailed {
                    status: Status::PipeClosing,
                    ..
                } => {
                    seen.insert("no data");
                }
                What::SyscallFailed {
                    call: "CancelIoEx",
                    status: Status::NotFound,
                    ..
                } => {
                    seen.insert("nothing to cancel");
                }
                What::IrpCompletionResumed { .. } => {
                    seen.insert("held, then completed again");
                }
                What::ThreadWoken {
                    reason: kernel_sim::trace::WakeReason::FileUnlocked,
                    ..
                } => {
                    seen.insert("waited for a synchronous file object");
                }
                What::ApcRun { irp: None, .. } => {
                    seen.insert("user APC ran");
                }
                What::CallReturned {
                    call: "GetQueuedCompletionStatusEx",
                    returned: kernel_sim::Returned::True,
                    ..
                } => {
                    seen.insert("batch dequeued");
                }
                What::SyscallFailed {
                    status: Status::IoIncomplete,
                    ..
                } => {
                    seen.insert("result not yet there");
                }
                What::IrpCompleted {
                    status: Status::DeviceError,
                    ..
                } => {
                    seen.insert("media error");
                }
                _ => {}
            }
        }
    }
    for what in [
        "request cancelled",
        "pipe read waited",
        "pipe write waited",
        "broken while waiting",
        "broken at submission",
        "no data",
        "nothing to cancel",
        "waiting pipe request cancelled",
        "held, then completed again",
        "media error",
        "waited for a synchronous file object",
        "user APC ran",
        "batch dequeued",
        "result not yet there",
    ] {
        assert!(seen.contains(what), "never reached: {what}: {seen:?}");
    }
}
