//! Running a list of operations as a thread program.

use crate::op::{Offset, Op};
use kernel_sim::trace::Pass;
use kernel_sim::{Handle, ProgramCtx, Syscall, SyscallResult, ThreadProgram};
use rand::RngExt;
use std::sync::Arc;

/// Where the program is: one cursor per enclosing `Repeat`.
#[derive(Debug, Clone)]
struct Cursor {
    ops: Arc<[Op]>,
    index: usize,
    /// Passes left after the current one.
    passes_left: u64,
    /// Passes in all (0 for the program's own list, which is not a repeat).
    times: u64,
}

impl Cursor {
    /// Which pass of its repeat the cursor is in, if it is a repeat.
    fn pass(&self) -> Option<Pass> {
        let n = self.times.checked_sub(self.passes_left)?;
        (self.times > 0).then(|| Pass {
            n: u32::try_from(n).unwrap_or(u32::MAX),
            of: u32::try_from(self.times).unwrap_or(u32::MAX),
        })
    }
}

/// The names the handles the previous call returns are to be stored under.
#[derive(Debug, Clone)]
enum Binding {
    /// One handle (CreateFile, CreateEvent, ...).
    One(String),
    /// CreatePipe's two: the read end's name, then the write end's.
    Pair(String, String),
}

/// A thread program made of [`Op`]s.
#[derive(Debug, Clone)]
pub struct ListProgram {
    stack: Vec<Cursor>,
    /// Where the handles the previous call returns go.
    pending: Option<Binding>,
}

impl ListProgram {
    pub fn new(ops: Vec<Op>) -> Self {
        Self {
            stack: vec![Cursor {
                ops: ops.into(),
                index: 0,
                passes_left: 0,
                times: 0,
            }],
            pending: None,
        }
    }

    /// The next operation, stepping into and out of repeats.
    fn next_op(&mut self) -> Option<Op> {
        loop {
            let top = self.stack.last_mut()?;
            if top.index >= top.ops.len() {
                if top.passes_left > 0 {
                    top.passes_left -= 1;
                    top.index = 0;
                } else {
                    self.stack.pop();
                }
                continue;
            }
            let op = top.ops[top.index].clone();
            top.index += 1;
            match op {
                Op::Repeat { times, ops } => {
                    if times > 0 && !ops.is_empty() {
                        self.stack.push(Cursor {
                            ops,
                            index: 0,
                            passes_left: times - 1,
                            times,
                        });
                    }
                }
                op => return Some(op),
            }
        }
    }
}

fn handle_var(name: &str) -> String {
    format!("handle:{name}")
}

/// A name that was never bound becomes handle 0, which no table holds, so the kernel
/// fails the call with STATUS_INVALID_HANDLE — as a real program passing garbage would.
fn lookup_handle(cx: &ProgramCtx<'_>, name: &str) -> Handle {
    Handle(cx.vars.get(&handle_var(name)).copied().unwrap_or(0) as u32)
}

fn offset(cx: &mut ProgramCtx<'_>, offset: &Offset) -> Option<u64> {
    match *offset {
        Offset::At(o) => Some(o),
        Offset::Current => None,
        Offset::Random { below, align } => {
            let align = align.max(1);
            let slots = (below / align).max(1);
            Some(cx.rng.random_range(0..slots) * align)
        }
    }
}

impl ThreadProgram for ListProgram {
    fn next(&mut self, cx: &mut ProgramCtx<'_>) -> Syscall {
        match (self.pending.take(), cx.last) {
            (Some(Binding::One(name)), SyscallResult::Handle(h)) => {
                cx.vars.insert(handle_var(&name), u64::from(h.0));
            }
            (Some(Binding::Pair(read, write)), SyscallResult::HandlePair(r, w)) => {
                cx.vars.insert(handle_var(&read), u64::from(r.0));
                cx.vars.insert(handle_var(&write), u64::from(w.0));
            }
            // The call failed: the names keep what they had.
            _ => {}
        }
        let Some(op) = self.next_op() else {
            return Syscall::Exit;
        };
        match op {
            Op::Open { path, bind } => {
                self.pending = Some(Binding::One(bind));
                Syscall::Open { path }
            }
            Op::Close { name } => Syscall::Close {
                handle: lookup_handle(cx, &name),
            },
            Op::Read {
                file,
                offset: o,
                len,
                mode,
            } => Syscall::Read {
                handle: lookup_handle(cx, &file),
                offset: offset(cx, &o),
                len,
                mode,
            },
            Op::Write {
                file,
                offset: o,
                data,
                mode,
            } => Syscall::Write {
                handle: lookup_handle(cx, &file),
                offset: offset(cx, &o),
                data: data.to_vec(),
                mode,
            },
            Op::Wait {
                overlapped,
                alertable,
                timeout_ns,
            } => Syscall::WaitIo {
                overlapped,
                alertable,
                timeout_ns,
            },
            Op::Sleep { ns, alertable } => Syscall::Sleep { ns, alertable },
            Op::Compute { ns } => Syscall::Compute {
                ns,
                pass: self.stack.last().and_then(Cursor::pass),
            },
            Op::CreatePort { bind, concurrency } => {
                self.pending = Some(Binding::One(bind.clone()));
                Syscall::CreatePort {
                    concurrency,
                    name: bind,
                }
            }
            Op::Bind { file, port, key } => Syscall::Bind {
                file: lookup_handle(cx, &file),
                port: lookup_handle(cx, &port),
                key,
            },
            Op::GetQueued { port, timeout_ns } => Syscall::GetQueued {
                port: lookup_handle(cx, &port),
                timeout_ns,
            },
            Op::Post { port, key, bytes } => Syscall::Post {
                port: lookup_handle(cx, &port),
                key,
                bytes,
            },
            Op::CreateEvent {
                bind,
                manual_reset,
                signalled,
            } => {
                self.pending = Some(Binding::One(bind.clone()));
                Syscall::CreateEvent {
                    manual_reset,
                    signalled,
                    name: bind,
                }
            }
            Op::SetEvent { event } => Syscall::SetEvent {
                event: lookup_handle(cx, &event),
            },
            Op::ResetEvent { event } => Syscall::ResetEvent {
                event: lookup_handle(cx, &event),
            },
            Op::CreateSemaphore { bind, count, max } => {
                self.pending = Some(Binding::One(bind.clone()));
                Syscall::CreateSemaphore {
                    count,
                    max,
                    name: bind,
                }
            }
            Op::ReleaseSemaphore { semaphore, count } => Syscall::ReleaseSemaphore {
                semaphore: lookup_handle(cx, &semaphore),
                count,
            },
            Op::OpenThread { thread, bind } => {
                self.pending = Some(Binding::One(bind));
                Syscall::OpenThread { thread }
            }
            Op::DuplicateHandle { handle, bind } => {
                self.pending = Some(Binding::One(bind));
                Syscall::DuplicateHandle {
                    handle: lookup_handle(cx, &handle),
                }
            }
            Op::WaitObjects {
                handles,
                all,
                alertable,
                timeout_ns,
            } => Syscall::WaitObjects {
                handles: handles.iter().map(|h| lookup_handle(cx, h)).collect(),
                all,
                alertable,
                timeout_ns,
            },
            Op::CancelIo { file } => Syscall::CancelIo {
                handle: lookup_handle(cx, &file),
            },
            Op::CancelIoEx { file, overlapped } => Syscall::CancelIoEx {
                handle: lookup_handle(cx, &file),
                overlapped,
            },
            Op::CreatePipe {
                read,
                write,
                capacity,
                name,
            } => {
                self.pending = Some(Binding::Pair(read, write));
                Syscall::CreatePipe { capacity, name }
            }
            Op::CreateNamedPipe {
                bind,
                name,
                capacity,
            } => {
                self.pending = Some(Binding::One(bind));
                Syscall::CreateNamedPipe { capacity, name }
            }
            Op::Repeat { .. } => unreachable!("next_op unrolls repeats"),
            Op::Exit => Syscall::Exit,
        }
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_sim::engine::rng::{Stream, stream};
    use kernel_sim::{IoMode, OverlappedId, ThreadId};
    use std::collections::BTreeMap;

    fn calls(program: &mut ListProgram, results: &[SyscallResult]) -> Vec<Syscall> {
        let mut vars = BTreeMap::new();
        let mut rng = stream(1, Stream::Workload, 0);
        let mut out = Vec::new();
        let mut last = SyscallResult::Start;
        for r in results {
            let mut cx = ProgramCtx {
                now: 0,
                thread: ThreadId(0),
                last: &last,
                vars: &mut vars,
                rng: &mut rng,
            };
            out.push(program.next(&mut cx));
            last = *r;
        }
        out
    }

    #[test]
    fn nested_repeats_unroll_in_order() {
        let inner: Arc<[Op]> = vec![Op::Compute { ns: 2 }].into();
        let body: Arc<[Op]> = vec![
            Op::Compute { ns: 1 },
            Op::Repeat {
                times: 2,
                ops: inner,
            },
        ]
        .into();
        let mut p = ListProgram::new(vec![Op::Repeat {
            times: 2,
            ops: body,
        }]);
        let got = calls(&mut p, &[SyscallResult::Done; 7]);
        let ns: Vec<_> = got
            .iter()
            .map(|c| match c {
                Syscall::Compute { ns, .. } => *ns,
                Syscall::Exit => 0,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(ns, vec![1, 2, 2, 1, 2, 2, 0]);
    }

    #[test]
    fn an_opened_handle_is_used_by_name() {
        let mut p = ListProgram::new(vec![
            Op::Open {
                path: "data.bin".into(),
                bind: "f".into(),
            },
            Op::Read {
                file: "f".into(),
                offset: Offset::At(0),
                len: 512,
                mode: IoMode::Sync,
            },
        ]);
        let got = calls(
            &mut p,
            &[SyscallResult::Handle(Handle(4)), SyscallResult::Done],
        );
        assert_eq!(
            got[1],
            Syscall::Read {
                handle: Handle(4),
                offset: Some(0),
                len: 512,
                mode: IoMode::Sync
            }
        );
    }

    #[test]
    fn an_unbound_name_becomes_an_invalid_handle() {
        let mut p = ListProgram::new(vec![Op::Close {
            name: "nope".into(),
        }]);
        let got = calls(&mut p, &[SyscallResult::Done]);
        assert_eq!(got[0], Syscall::Close { handle: Handle(0) });
    }

    #[test]
    fn kernel_objects_are_named_by_the_handles_their_calls_return() {
        let mut p = ListProgram::new(vec![
            Op::CreateEvent {
                bind: "e".into(),
                manual_reset: true,
                signalled: false,
            },
            Op::CreateSemaphore {
                bind: "s".into(),
                count: 0,
                max: 2,
            },
            Op::OpenThread {
                thread: ThreadId(3),
                bind: "t".into(),
            },
            Op::DuplicateHandle {
                handle: "e".into(),
                bind: "e2".into(),
            },
            Op::WaitObjects {
                handles: vec!["e2".to_string(), "s".into(), "t".into(), "nope".into()].into(),
                all: true,
                alertable: false,
                timeout_ns: Some(0),
            },
            Op::SetEvent { event: "e".into() },
            Op::ReleaseSemaphore {
                semaphore: "s".into(),
                count: 2,
            },
        ]);
        let got = calls(
            &mut p,
            &[
                SyscallResult::Handle(Handle(4)),
                SyscallResult::Handle(Handle(8)),
                SyscallResult::Handle(Handle(12)),
                SyscallResult::Handle(Handle(16)),
                SyscallResult::Timeout,
                SyscallResult::Done,
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got,
            vec![
                Syscall::CreateEvent {
                    manual_reset: true,
                    signalled: false,
                    name: "e".into()
                },
                Syscall::CreateSemaphore {
                    count: 0,
                    max: 2,
                    name: "s".into()
                },
                Syscall::OpenThread {
                    thread: ThreadId(3)
                },
                Syscall::DuplicateHandle { handle: Handle(4) },
                // An unbound name is handle 0, which the kernel refuses.
                Syscall::WaitObjects {
                    handles: vec![Handle(16), Handle(8), Handle(12), Handle(0)],
                    all: true,
                    alertable: false,
                    timeout_ns: Some(0)
                },
                Syscall::SetEvent { event: Handle(4) },
                Syscall::ReleaseSemaphore {
                    semaphore: Handle(8),
                    count: 2
                },
            ]
        );
    }

    #[test]
    fn a_pipe_s_two_handles_are_bound_to_their_names() {
        let mut p = ListProgram::new(vec![
            Op::CreatePipe {
                read: "r".into(),
                write: "w".into(),
                capacity: 64,
                name: "p".into(),
            },
            Op::CreateNamedPipe {
                bind: "s".into(),
                name: r"\\.\pipe\echo".into(),
                capacity: 128,
            },
            Op::Open {
                path: r"\\.\pipe\echo".into(),
                bind: "c".into(),
            },
            Op::Write {
                file: "w".into(),
                offset: Offset::Current,
                data: crate::op::Payload::Bytes(b"hi".as_slice().into()),
                mode: IoMode::Sync,
            },
            Op::Read {
                file: "r".into(),
                offset: Offset::Current,
                len: 2,
                mode: IoMode::Sync,
            },
            Op::Close { name: "s".into() },
            Op::Close { name: "c".into() },
        ]);
        let got = calls(
            &mut p,
            &[
                SyscallResult::HandlePair(Handle(4), Handle(8)),
                SyscallResult::Handle(Handle(12)),
                SyscallResult::Handle(Handle(16)),
                SyscallResult::Done,
                SyscallResult::Done,
                SyscallResult::Done,
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got[0],
            Syscall::CreatePipe {
                capacity: 64,
                name: "p".into()
            }
        );
        assert_eq!(
            got[1],
            Syscall::CreateNamedPipe {
                capacity: 128,
                name: r"\\.\pipe\echo".into()
            }
        );
        let handle = |c: &Syscall| match c {
            Syscall::Write { handle, .. }
            | Syscall::Read { handle, .. }
            | Syscall::Close { handle } => *handle,
            other => panic!("{other:?}"),
        };
        let used: Vec<Handle> = got[3..].iter().map(handle).collect();
        assert_eq!(used, [Handle(8), Handle(4), Handle(12), Handle(16)]);
    }

    #[test]
    fn cancels_name_the_file_and_the_overlapped() {
        let mut p = ListProgram::new(vec![
            Op::Open {
                path: "data.bin".into(),
                bind: "f".into(),
            },
            Op::CancelIo { file: "f".into() },
            Op::CancelIoEx {
                file: "f".into(),
                overlapped: Some(OverlappedId(2)),
            },
            Op::CancelIoEx {
                file: "f".into(),
                overlapped: None,
            },
        ]);
        let got = calls(
            &mut p,
            &[
                SyscallResult::Handle(Handle(4)),
                SyscallResult::Done,
                SyscallResult::Failed(kernel_sim::io::Status::NotFound),
                SyscallResult::Done,
            ],
        );
        assert_eq!(
            got[1..],
            [
                Syscall::CancelIo { handle: Handle(4) },
                Syscall::CancelIoEx {
                    handle: Handle(4),
                    overlapped: Some(OverlappedId(2))
                },
                Syscall::CancelIoEx {
                    handle: Handle(4),
                    overlapped: None
                },
            ]
        );
    }

    #[test]
    fn random_offsets_are_aligned_and_below_the_bound() {
        let body: Arc<[Op]> = vec![Op::Read {
            file: "f".into(),
            offset: Offset::Random {
                below: 8192,
                align: 512,
            },
            len: 512,
            mode: IoMode::Sync,
        }]
        .into();
        let mut p = ListProgram::new(vec![Op::Repeat {
            times: 50,
            ops: body,
        }]);
        for c in calls(&mut p, &[SyscallResult::Done; 50]) {
            let Syscall::Read {
                offset: Some(o), ..
            } = c
            else {
                panic!("expected a read, got {c:?}")
            };
            assert!(o < 8192 && o % 512 == 0, "offset {o}");
        }
    }
}
