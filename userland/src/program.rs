//! Running a list of steps as a thread program.

use crate::step::{Binding, Names, Step, StepCtx, handle_var};
use kernel_sim::trace::Pass;
use kernel_sim::{ProgramCtx, RoutineId, Syscall, SyscallResult, ThreadProgram};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the program is in one list of steps: the program's own, or a repeat's.
#[derive(Debug, Clone)]
struct Cursor {
    /// Where the repeat whose list this is sits in the enclosing list (0 for the
    /// program's own list, which has none).
    repeat_at: usize,
    /// The next step in the list.
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

/// A thread program made of [`Step`]s. Cloning it (the kernel does, at every checkpoint)
/// copies only where it is: the steps and names are shared.
#[derive(Debug)]
pub struct ListProgram<S> {
    steps: Arc<[S]>,
    names: Arc<Names>,
    /// The process's routines that make calls: each one's steps.
    routines: Arc<BTreeMap<RoutineId, Arc<[S]>>>,
    /// One cursor per list the program is in: its own, then each repeat inside.
    stack: Vec<Cursor>,
    /// Where the handles the previous call returns go.
    pending: Option<Binding>,
}

impl<S> Clone for ListProgram<S> {
    fn clone(&self) -> Self {
        Self {
            steps: Arc::clone(&self.steps),
            names: Arc::clone(&self.names),
            routines: Arc::clone(&self.routines),
            stack: self.stack.clone(),
            pending: self.pending.clone(),
        }
    }
}

impl<S: Step> ListProgram<S> {
    /// A program that runs `steps` in order, with the process's `names`.
    pub fn new(steps: Arc<[S]>, names: Arc<Names>) -> Self {
        Self {
            steps,
            names,
            routines: Arc::default(),
            stack: vec![Cursor {
                repeat_at: 0,
                index: 0,
                passes_left: 0,
                times: 0,
            }],
            pending: None,
        }
    }

    /// The same program, whose process's routines with steps (by number) run those steps
    /// when called as APCs.
    pub fn with_routines(mut self, routines: Arc<BTreeMap<RoutineId, Arc<[S]>>>) -> Self {
        self.routines = routines;
        self
    }

    /// The next step that makes a call, stepping into and out of repeats.
    fn advance<'s>(&mut self, steps: &'s [S]) -> Option<&'s S> {
        loop {
            let list = Self::list(steps, &self.stack);
            let top = self.stack.last_mut()?;
            if top.index >= list.len() {
                if top.passes_left > 0 {
                    top.passes_left -= 1;
                    top.index = 0;
                } else {
                    self.stack.pop();
                }
                continue;
            }
            let index = top.index;
            top.index += 1;
            let step = &list[index];
            match step.repeat() {
                Some((times, body)) => {
                    if times > 0 && !body.is_empty() {
                        self.stack.push(Cursor {
                            repeat_at: index,
                            index: 0,
                            passes_left: times - 1,
                            times,
                        });
                    }
                }
                None => return Some(step),
            }
        }
    }

    /// The list the innermost cursor walks.
    fn list<'s>(steps: &'s [S], stack: &[Cursor]) -> &'s [S] {
        stack.iter().skip(1).fold(steps, |list, cursor| {
            list[cursor.repeat_at]
                .repeat()
                .map_or(&[], |(_, body)| body)
        })
    }
}

impl<S: Step + 'static> ThreadProgram for ListProgram<S> {
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
        let steps = Arc::clone(&self.steps);
        let Some(step) = self.advance(&steps) else {
            return Syscall::Exit;
        };
        let mut step_cx = StepCtx {
            cx,
            names: &self.names,
            binding: &mut self.pending,
            pass: self.stack.last().and_then(Cursor::pass),
        };
        step.call(&mut step_cx)
    }

    fn clone_box(&self) -> Box<dyn ThreadProgram> {
        Box::new(self.clone())
    }

    fn routine(&self, routine: RoutineId) -> Option<Box<dyn ThreadProgram>> {
        let steps = self.routines.get(&routine)?;
        let body = ListProgram::new(Arc::clone(steps), Arc::clone(&self.names))
            .with_routines(Arc::clone(&self.routines));
        Some(Box::new(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_sim::engine::rng::{Stream, stream};
    use kernel_sim::{Handle, IoMode, ThreadId};
    use std::collections::BTreeMap;

    /// Steps of a test program: enough to see repeats, names and random offsets.
    #[derive(Debug)]
    enum TestStep {
        Compute(u64),
        Open(&'static str),
        Close(&'static str),
        ReadAtRandom { file: &'static str, below: u64 },
        Repeat(u64, Vec<TestStep>),
    }

    impl Step for TestStep {
        fn call(&self, cx: &mut StepCtx<'_, '_>) -> Syscall {
            match self {
                TestStep::Compute(ns) => Syscall::Compute {
                    ns: *ns,
                    pass: cx.pass(),
                },
                TestStep::Open(name) => {
                    cx.bind(name);
                    Syscall::Open {
                        path: "data.bin".into(),
                        overlapped: false,
                    }
                }
                TestStep::Close(name) => Syscall::Close {
                    handle: cx.handle(name),
                },
                TestStep::ReadAtRandom { file, below } => Syscall::Read {
                    handle: cx.handle(file),
                    offset: Some(cx.random_offset(*below, 512)),
                    len: 512,
                    mode: IoMode::Sync,
                },
                TestStep::Repeat(..) => unreachable!("the program steps into repeats"),
            }
        }

        fn repeat(&self) -> Option<(u64, &[TestStep])> {
            match self {
                TestStep::Repeat(times, body) => Some((*times, body)),
                _ => None,
            }
        }
    }

    fn calls(steps: Vec<TestStep>, results: &[SyscallResult]) -> Vec<Syscall> {
        let mut program = ListProgram::new(steps.into(), Arc::new(Names::default()));
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
    fn nested_repeats_unroll_in_order_and_know_their_pass() {
        let program = vec![TestStep::Repeat(
            2,
            vec![
                TestStep::Compute(1),
                TestStep::Repeat(2, vec![TestStep::Compute(2)]),
                TestStep::Repeat(0, vec![TestStep::Compute(9)]),
            ],
        )];
        let got = calls(program, &[SyscallResult::Done; 7]);
        let ns: Vec<_> = got
            .iter()
            .map(|c| match c {
                Syscall::Compute { ns, pass } => (*ns, pass.map(|p| (p.n, p.of))),
                Syscall::Exit => (0, None),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            ns,
            vec![
                (1, Some((1, 2))),
                (2, Some((1, 2))),
                (2, Some((2, 2))),
                (1, Some((2, 2))),
                (2, Some((1, 2))),
                (2, Some((2, 2))),
                (0, None)
            ]
        );
    }

    #[test]
    fn a_bound_handle_is_used_by_name_and_an_unbound_one_is_invalid() {
        let got = calls(
            vec![
                TestStep::Open("f"),
                TestStep::Close("f"),
                TestStep::Open("g"),
                TestStep::Close("g"),
                TestStep::Close("nope"),
            ],
            &[
                SyscallResult::Handle(Handle(4)),
                SyscallResult::Done,
                SyscallResult::Failed(kernel_sim::io::Status::NotFound),
                SyscallResult::Done,
                SyscallResult::Done,
            ],
        );
        assert_eq!(got[1], Syscall::Close { handle: Handle(4) });
        // A failed open binds nothing; a name never bound is handle 0, which the kernel
        // refuses.
        assert_eq!(got[3], Syscall::Close { handle: Handle(0) });
        assert_eq!(got[4], Syscall::Close { handle: Handle(0) });
    }

    #[test]
    fn random_offsets_are_aligned_and_below_the_bound() {
        let program = vec![TestStep::Repeat(
            50,
            vec![TestStep::ReadAtRandom {
                file: "f",
                below: 8192,
            }],
        )];
        for c in calls(program, &[SyscallResult::Done; 50]) {
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
