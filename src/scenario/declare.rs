//! How an op states its rules: once, beside its form, as a list of declarations that every
//! reader of the rules walks.
//!
//! Each op's arguments implement [`OpForm::declare`]: calls on a [`Declare`], in the order
//! they are checked, saying which names the op binds and as what kind of handle, which
//! names it uses and which kinds it takes there, which numbers have which limits, and any
//! rule of its own (a closure given the process's [`Context`]). For `create_semaphore`:
//!
//! ```text
//! d.binds(at.key("as"), &self.semaphore, HandleKind::Semaphore)?;
//! d.bounds(&self.semaphore, self.max);
//! d.number(at.key("max"), self.max.into(), 1, MAX_SEMAPHORE_COUNT)?;
//! d.number(at.key("count"), self.count.into(), 0, MAX_SEMAPHORE_COUNT)?;
//! d.rule(|_| /* count ≤ max */)
//! ```
//!
//! The readers implement the declarations they need and let the others pass (every
//! method's default does nothing):
//!
//! 1. [`validate`](super::validate()) first collects the named pipes the scenario creates,
//!    then, per process, the names its ops bind (`binds`, `copies`, `binds_tag`, ...), over
//!    all its threads, since one thread may use a name another binds;
//! 2. then it checks each op's uses, numbers and rules in the order declared, and reports
//!    the first that fails, at the path the declaration names;
//! 3. the build numbers the process's OVERLAPPEDs by the tags its ops bind and use, and
//!    gives the machine its pipe device when an op binds a pipe end.
//!
//! Paths are made only for a message: an op's place ([`OpAt`]) and a field's ([`Place`])
//! are a few words on the stack, so a reader that never fails (the build) builds none.

use super::error::{Problem, ScenarioError};
use super::handle_kind::{HandleKind, Wanted};
use super::op::Op;
use super::path::JsonPath;
use super::validate::Context;

/// The result of a declaration: the first broken rule stops the walk.
pub(crate) type Check = Result<(), ScenarioError>;

/// What every op's arguments implement: the op's rules, declared in the order they are
/// checked. [`Op`] implements it by its variant's.
pub(crate) trait OpForm {
    /// Tells `d` what the op at `at` binds, uses and must satisfy.
    fn declare<'a, D: Declare<'a>>(&'a self, at: OpAt<'_>, d: &mut D) -> Check;
}

/// The declarations an op can make; each reader overrides the ones it reads. Names are
/// borrowed from the scenario (`'a`), so a reader may keep them.
pub(crate) trait Declare<'a>: Sized {
    // What the op binds. Validation gathers these over a whole process before it checks
    // any use; the name's characters are checked then.

    /// Binds `name`, written at `at`, to a handle of `kind`.
    fn binds(&mut self, at: Place<'_>, name: &'a str, kind: HandleKind) -> Check {
        let _ = (at, name, kind);
        Ok(())
    }

    /// The handle `name` (bound just before) is opened on `path`.
    fn opens(&mut self, name: &'a str, path: &'a str) {
        let _ = (name, path);
    }

    /// The handle bound to `name` (just before) is opened for overlapped I/O or not.
    fn opened_for(&mut self, name: &'a str, overlapped: bool) {
        let _ = (name, overlapped);
    }

    /// The semaphore bound to `name` (just before) is created with a maximum count of `max`.
    fn bounds(&mut self, name: &'a str, max: u32) {
        let _ = (name, max);
    }

    /// Binds `copy`, written at `at`, to a second handle to what `source` is bound to, and so
    /// to the same kind, whichever op binds `source`.
    fn copies(&mut self, at: Place<'_>, copy: &'a str, source: &'a str) -> Check {
        let _ = (at, copy, source);
        Ok(())
    }

    /// Sets the request tag `tag`, written at `at`, which `wait` and `cancel_io_ex` name.
    fn binds_tag(&mut self, at: Place<'_>, tag: &'a str) -> Check {
        let _ = (at, tag);
        Ok(())
    }

    /// Binds the file handle `file` to the completion port `port`.
    fn binds_to_port(&mut self, file: &'a str, port: &'a str) {
        let _ = (file, port);
    }

    /// Creates the named pipe `name`, written at `at`, which any process may open. The
    /// name's form is checked with the uses.
    fn creates_named_pipe(&mut self, at: Place<'_>, name: &'a str) -> Check {
        let _ = (at, name);
        Ok(())
    }

    // What the op uses, and its limits: checked in the order declared, once every name of
    // the process is bound.

    /// Uses the handle `name`, written at `at`, which must be of a kind `wanted` takes.
    fn uses(&mut self, at: Place<'_>, name: &'a str, wanted: Wanted) -> Check {
        let _ = (at, name, wanted);
        Ok(())
    }

    /// Uses the request tag `tag`, which an overlapped read or write of the process sets.
    fn uses_tag(&mut self, at: Place<'_>, tag: &'a str) -> Check {
        let _ = (at, tag);
        Ok(())
    }

    /// Uses the completion routine `routine`, declared in the process's `routines`.
    fn uses_routine(&mut self, at: Place<'_>, routine: &'a str) -> Check {
        let _ = (at, routine);
        Ok(())
    }

    /// Uses the thread `thread`, which must be one of the process's own.
    fn uses_thread(&mut self, at: Place<'_>, thread: &'a str) -> Check {
        let _ = (at, thread);
        Ok(())
    }

    /// Uses `path`, a file of the scenario or a named pipe one of its ops creates.
    fn uses_path(&mut self, at: Place<'_>, path: &'a str) -> Check {
        let _ = (at, path);
        Ok(())
    }

    /// A number that must be from `min` to `max`.
    fn number(&mut self, at: Place<'_>, value: u64, min: u64, max: u64) -> Check {
        let _ = (at, value, min, max);
        Ok(())
    }

    /// A list of `len` `what`s that must number from `min` to `max`.
    fn count(
        &mut self,
        at: Place<'_>,
        what: &'static str,
        len: usize,
        min: u64,
        max: u64,
    ) -> Check {
        let _ = (at, what, len, min, max);
        Ok(())
    }

    /// A name (for the narration) that follows the rules of names; `kind` says what it
    /// names in the message.
    fn label(&mut self, at: Place<'_>, kind: &'static str, name: &'a str) -> Check {
        let _ = (at, kind, name);
        Ok(())
    }

    /// A rule of the op's own, checked with the uses. It sees what the process binds.
    fn rule(&mut self, rule: impl FnOnce(&Context<'_>) -> Check) -> Check {
        let _ = rule;
        Ok(())
    }

    /// A list of ops inside this one (a repeat's), declared in turn, at `at`.
    fn ops(&mut self, at: Place<'_>, ops: &'a [Op]) -> Check {
        walk(List::Within(&at), ops, self)
    }
}

/// Declares every op of `ops`, which sit in `list`, to `d`, in document order; stops at
/// the first error.
pub(crate) fn walk<'a, D: Declare<'a>>(list: List<'_>, ops: &'a [Op], d: &mut D) -> Check {
    for (index, op) in ops.iter().enumerate() {
        let at = OpAt {
            list,
            index,
            name: op.name(),
        };
        op.declare(at, d)?;
    }
    Ok(())
}

/// A list of ops: a thread's program, or the list a field of an op holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum List<'p> {
    /// The program at this path.
    Program(&'p JsonPath),
    /// The list in this field of an op.
    Within(&'p Place<'p>),
}

impl List<'_> {
    fn path(&self) -> JsonPath {
        match self {
            List::Program(path) => (*path).clone(),
            List::Within(place) => place.path(),
        }
    }
}

/// Where an op is: its list, its index there, and its name (the key its arguments are
/// under).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpAt<'p> {
    list: List<'p>,
    index: usize,
    name: &'static str,
}

impl<'p> OpAt<'p> {
    /// The op's name: `read_ex`.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The path of the op's arguments: `processes[0].threads[1].program[2].read_ex`.
    pub(crate) fn path(&self) -> JsonPath {
        self.list.path().index(self.index).key(self.name)
    }

    /// The member `key` of the op's arguments.
    pub(crate) fn key(self, key: &'static str) -> Place<'p> {
        Place {
            op: self,
            field: Field::Key(key),
        }
    }

    /// The member `member` of the op's member `key`: `random_offset.below`.
    pub(crate) fn sub(self, key: &'static str, member: &'static str) -> Place<'p> {
        Place {
            op: self,
            field: Field::Sub(key, member),
        }
    }

    /// The element `index` of the op's list `key`: `handles[2]`.
    pub(crate) fn item(self, key: &'static str, index: usize) -> Place<'p> {
        Place {
            op: self,
            field: Field::Item(key, index),
        }
    }
}

/// A value inside an op's arguments.
#[derive(Debug, Clone, Copy)]
enum Field {
    Key(&'static str),
    Sub(&'static str, &'static str),
    Item(&'static str, usize),
}

/// Where a value of an op is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'p> {
    op: OpAt<'p>,
    field: Field,
}

impl Place<'_> {
    /// The value's path.
    pub(crate) fn path(&self) -> JsonPath {
        let op = self.op.path();
        match self.field {
            Field::Key(key) => op.key(key),
            Field::Sub(key, member) => op.key(key).key(member),
            Field::Item(key, index) => op.key(key).index(index),
        }
    }

    /// The key the value is under (`below` for `random_offset.below`), or `None` for an
    /// element of a list.
    pub(crate) fn last_key(&self) -> Option<&'static str> {
        match self.field {
            Field::Key(key) | Field::Sub(_, key) => Some(key),
            Field::Item(..) => None,
        }
    }

    /// An error about this value.
    pub(crate) fn fail(&self, problem: Problem) -> Check {
        Err(ScenarioError::invalid(self.path(), problem))
    }
}
