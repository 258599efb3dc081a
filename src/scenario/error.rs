//! What can be wrong with a scenario, and how it is told.
//!
//! Every error names the file, the JSON path of the value at fault, its line and column, what
//! was wrong and what was expected. [`ScenarioError::render`] turns one into a short plain-text
//! report with the offending source line and a marker under the position; the binary decides
//! whether to colour it. Rendering is deterministic.
//!
//! Whatever text of the input a message quotes (the file name, a source line, a value, a
//! name, a `--set` argument) goes through [`echo`](super::echo): control and bidirectional
//! characters are escaped and long text is clipped, so a message is plain and small
//! whatever the input holds.

use std::fmt;

use super::echo;
use super::expect::Named;
use super::handle_kind::{HandleKind, Wanted};
use super::limits::MAX_NS;
use super::path::JsonPath;

/// Why a scenario could not be loaded. Whatever the variant, the run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file could not be read; nothing was parsed.
    #[error("cannot read {}: {reason}", echo::clipped(.file, echo::LINE_CHARS))]
    Read {
        /// The path as the caller gave it.
        file: String,
        /// The operating system's explanation.
        reason: String,
        /// The built-in scenario names, when the caller would have taken one of them in
        /// place of a file (the message then suggests the nearest); empty otherwise.
        builtins: Vec<String>,
    },
    /// The scenario file is larger than the limit; nothing was parsed.
    #[error(
        "{} is larger than {limit} bytes, the most a scenario file may hold",
        echo::clipped(.file, echo::LINE_CHARS)
    )]
    TooLarge {
        /// The path as the caller gave it.
        file: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A `--set PATH=VALUE` could not be applied to the document.
    #[error("--set {}: {problem}", echo::clipped(.set, echo::LINE_CHARS))]
    Override {
        /// The override as written, `PATH=VALUE`.
        set: String,
        /// What went wrong.
        problem: OverrideProblem,
    },
    /// The text is wrong at a known place: malformed JSON, a value of the wrong shape, or a
    /// broken rule.
    #[error("{0}")]
    At(Box<Located>),
}

/// An error at a place in the scenario text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file name as given to `load` or `parse`; empty when [`validate`](super::validate())
    /// reported it on a scenario that came without source text.
    pub file: String,
    /// The value at fault; the root for malformed JSON.
    pub path: JsonPath,
    /// What is wrong.
    pub kind: ErrorKind,
    /// Which part of the value at `path` to point at.
    pub pointing: Pointing,
    /// Line, column and source line; `None` until the error is matched with the source text.
    pub location: Option<Location>,
    /// The `--set PATH=VALUE` that wrote the value at fault, if one did.
    pub set_by: Option<String>,
}

/// The ways scenario text can be wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes are not UTF-8 text; `byte` is the first that is not.
    NotUtf8 {
        /// The first byte that is not part of a UTF-8 character.
        byte: u8,
    },
    /// Not JSON at all; the message is serde_json's.
    Syntax(String),
    /// JSON, but not the shape of a scenario: an unknown or missing field, a wrong type, an
    /// unknown op. The message is serde's.
    Shape {
        /// Which kind of shape error.
        kind: ShapeKind,
        /// serde's message, without its position.
        message: String,
    },
    /// A well-formed scenario that breaks one of the format's rules.
    Invalid(Problem),
}

/// Kinds of shape errors, as serde reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// A field the type does not have (every type denies unknown fields).
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A field appears twice in one object.
    DuplicateField,
    /// A value of the wrong JSON type, e.g. a string where a number belongs.
    WrongType,
    /// A value of the right type but out of the type's range, e.g. a negative count.
    WrongValue,
    /// An op, device or data kind, or an enumerated word, that does not exist.
    UnknownVariant,
    /// An op, device or data object with two keys or none; it must have exactly one.
    NotOneKey,
    /// Anything else serde reports.
    Other,
}

/// Which part of the value at an error's path the marker goes under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointing {
    /// The whole value (underlined when it fits on one line).
    Value,
    /// The first character of the value, e.g. the `{` of an object missing a field.
    Start,
    /// The member name of the path's last key, e.g. an unknown field's name.
    Key,
    /// The member name of the second member with the path's last key (a duplicate).
    SecondKey,
}

/// Where in the source text an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Line number, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// Characters to underline, at least 1.
    pub width: usize,
    /// The source line without its line ending; of a very long line, only the part around
    /// the error (see `skipped` and `cut`).
    pub source_line: String,
    /// Characters of the line before `source_line` that are left out (0: it starts the line).
    pub skipped: usize,
    /// True when the line goes on after `source_line`.
    pub cut: bool,
}

/// A broken rule of the scenario format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A number outside its allowed range.
    #[error("`{}` = {found} is out of range", echo::value(.field))]
    OutOfRange {
        /// The field's JSON name.
        field: String,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
        /// The value given.
        found: u64,
    },
    /// A list with too few or too many entries.
    #[error("{} {what}: {found}", if .found < .min { "too few" } else { "too many" })]
    Count {
        /// What the list holds, plural ("devices").
        what: &'static str,
        /// Fewest entries.
        min: u64,
        /// Most entries.
        max: u64,
        /// Entries given.
        found: u64,
    },
    /// A number that must be a power of two is not.
    #[error("`{}` = {found} is not a power of two", echo::value(.field))]
    NotPowerOfTwo {
        /// The field's JSON name.
        field: String,
        /// The value given.
        found: u64,
    },
    /// A name with characters or a length its kind does not allow.
    #[error("`{}` is not a valid {kind} name", echo::value(.found))]
    BadName {
        /// Kind of name ("device").
        kind: &'static str,
        /// The name given.
        found: String,
        /// The allowed characters, in words.
        allowed: &'static str,
    },
    /// The description is empty, spans lines, or holds characters that would act on a
    /// terminal (it is printed as it is, by `iosim check` and the walkthrough).
    #[error("the description must be one non-empty line of plain text")]
    BadDescription,
    /// Two things of one kind share a name.
    #[error("duplicate {kind} name `{}`", echo::value(.name))]
    Duplicate {
        /// Kind of thing ("thread").
        kind: &'static str,
        /// The name used twice.
        name: String,
        /// Where it was first used.
        first: JsonPath,
    },
    /// Two devices share an interrupt line.
    #[error("irq {irq} is already used by device `{}`", echo::value(.other))]
    DuplicateIrq {
        /// The line.
        irq: u32,
        /// The device that has it first.
        other: String,
    },
    /// A file names a device that does not exist.
    #[error("no device named `{}`", echo::value(.name))]
    UnknownDevice {
        /// The name given.
        name: String,
        /// The device names that exist.
        known: Vec<String>,
    },
    /// A file names a device that is not a disk.
    #[error("device `{}` is a {kind}, not a disk", echo::value(.name))]
    NotADisk {
        /// The device's name.
        name: String,
        /// Its kind.
        kind: &'static str,
    },
    /// A file's extent runs past the end of its disk.
    #[error(
        "file `{}` ends at byte {end}, past the end of disk `{}` ({capacity} bytes)",
        echo::value(.file),
        echo::value(.disk)
    )]
    FilePastDiskEnd {
        /// The file.
        file: String,
        /// offset + length.
        end: u64,
        /// The disk.
        disk: String,
        /// The disk's capacity in bytes.
        capacity: u64,
    },
    /// A disk whose slowest single access (a full-stroke seek, a whole turn, the largest
    /// transfer) would last longer than any span of time the format allows.
    #[error(
        "one access to disk `{disk}` can take {} ns: a full-stroke seek {seek_ns} ns, a turn {rotation_ns} ns and a {bytes}-byte transfer {transfer_ns} ns",
        .seek_ns + .rotation_ns + .transfer_ns
    )]
    DiskAccessTooSlow {
        /// The disk.
        disk: String,
        /// `seek_settle_ns + seek_ns_per_track * (tracks - 1)`.
        seek_ns: u128,
        /// One turn of the platter, `60 s / rpm`.
        rotation_ns: u128,
        /// The largest transfer, at the slower of the media rate and the DMA bus.
        transfer_ns: u128,
        /// The largest transfer's size: 16 MiB, or the whole disk if smaller.
        bytes: u64,
        /// The field the longest part comes from.
        field: &'static str,
    },
    /// A file does not start on a sector boundary.
    #[error("offset {offset} is not a multiple of the sector size ({sector_size} bytes)")]
    Misaligned {
        /// The file's offset.
        offset: u64,
        /// The disk's sector size.
        sector_size: u32,
    },
    /// A file's initial content is longer than the file.
    #[error("content is {content} bytes, longer than the file ({length} bytes)")]
    ContentTooLong {
        /// Bytes of content.
        content: u64,
        /// The file's length.
        length: u64,
    },
    /// The files' contents together exceed the run's byte budget.
    #[error(
        "the files' contents add up to {contents} bytes, more than the byte budget of {budget}"
    )]
    OverByteBudget {
        /// Bytes of content in this file and the ones before it.
        contents: u64,
        /// `machine.byte_budget`.
        budget: u64,
    },
    /// A `repeat` data value repeats an empty string to a non-zero length.
    #[error("cannot repeat an empty string to {length} bytes")]
    EmptyRepeatText {
        /// The requested length.
        length: u64,
    },
    /// `open` names a file that is not declared.
    #[error("no file named `{}`", echo::value(.name))]
    UnknownFile {
        /// The name given.
        name: String,
        /// The declared file names.
        known: Vec<String>,
    },
    /// `open` names a named pipe (`\\.\pipe\...`) that no `create_named_pipe` in the
    /// scenario creates.
    #[error("no named pipe `{}`", echo::value(.name))]
    UnknownPipe {
        /// The name given.
        name: String,
        /// The names `create_named_pipe` ops create, in any process.
        known: Vec<String>,
    },
    /// A named pipe's name that is not `\\.\pipe\` and a name iosim allows.
    #[error("`{}` is not a valid named pipe name", echo::value(.found))]
    BadPipeName {
        /// The name given.
        found: String,
    },
    /// A read on an anonymous pipe's write end, or a write on its read end: one-way, it
    /// always fails (ERROR_ACCESS_DENIED).
    #[error(
        "`{}` is {}, which cannot {op}",
        echo::value(.handle),
        .is.words()
    )]
    WrongPipeEnd {
        /// "read" or "write".
        op: &'static str,
        /// The handle name.
        handle: String,
        /// Which end it is.
        is: HandleKind,
    },
    /// APC I/O on an anonymous pipe end (read_ex, write_ex), or `bind` of one to a port:
    /// anonymous pipes do not support asynchronous I/O.
    #[error(
        "`{}` is {}, which {}",
        echo::value(.handle),
        .is.words(),
        if *.op == "bind" {
            "cannot be bound to a completion port".to_owned()
        } else {
            format!("{} cannot use", .op)
        }
    )]
    AnonymousPipeAsync {
        /// The op ("read_ex", "bind").
        op: &'static str,
        /// The handle name.
        handle: String,
        /// Which end it is.
        is: HandleKind,
    },
    /// A transfer on a pipe end gives `offset` or `random_offset`: a pipe is a stream.
    #[error(
        "`{}` is {}, and a pipe has no offsets",
        echo::value(.handle),
        .is.words()
    )]
    OffsetOnPipe {
        /// The handle name.
        handle: String,
        /// Which end it is.
        is: HandleKind,
    },
    /// A name an op uses as a handle is not bound in the process (or not as a kind the op
    /// takes, nor as any other kind).
    #[error(
        "unknown {} `{}` in process `{}`",
        .wanted.noun(),
        echo::value(.name),
        echo::value(.process)
    )]
    UnknownHandle {
        /// The name given.
        name: String,
        /// The process.
        process: String,
        /// What the op takes there.
        wanted: Wanted,
        /// Names the process does bind as what the op takes.
        known: Vec<String>,
    },
    /// A `wait` names a tag that no overlapped op in the process sets.
    #[error(
        "unknown tag `{}` in process `{}`",
        echo::value(.name),
        echo::value(.process)
    )]
    UnknownTag {
        /// The tag given.
        name: String,
        /// The process.
        process: String,
        /// Tags the process does set.
        known: Vec<String>,
    },
    /// A routine name not declared in the process.
    #[error(
        "unknown routine `{}` in process `{}`",
        echo::value(.name),
        echo::value(.process)
    )]
    UnknownRoutine {
        /// The name given.
        name: String,
        /// The process.
        process: String,
        /// The routines the process declares.
        known: Vec<String>,
    },
    /// A name is bound in the process, but as a kind the op does not take: a port where a
    /// file handle belongs, a file where `wait_objects` needs an event.
    #[error("`{}` is {}, not {}", echo::value(.name), .is.words(), .wanted.words())]
    WrongHandleKind {
        /// The name given.
        name: String,
        /// What it is bound as.
        is: HandleKind,
        /// What the op takes there.
        wanted: Wanted,
    },
    /// One name is bound as two kinds of handle in one process (a file handle and a port,
    /// an event and a semaphore): every op that uses it could mean either.
    #[error(
        "`{}` is bound both as {} and as {}",
        echo::value(.name),
        .first.words(),
        .then.words()
    )]
    NameBoundTwice {
        /// The name.
        name: String,
        /// The kind of the other binding.
        first: HandleKind,
        /// The kind of this one.
        then: HandleKind,
        /// Where the other binding is.
        other: JsonPath,
    },
    /// `open_thread` names a thread that is not in the process.
    #[error(
        "no thread `{}` in process `{}`",
        echo::value(.name),
        echo::value(.process)
    )]
    UnknownThread {
        /// The name given.
        name: String,
        /// The process.
        process: String,
        /// The process's threads.
        known: Vec<String>,
        /// The process that has a thread of this name, if another one does.
        elsewhere: Option<String>,
    },
    /// `wait_objects` names one handle twice.
    #[error("`{}` is named twice in one wait", echo::value(.name))]
    NamedTwiceInWait {
        /// The name.
        name: String,
        /// Where in `handles` it is first.
        first: usize,
    },
    /// `create_semaphore` starts with a count above its maximum.
    #[error("count {count} is above the semaphore's maximum, {max}")]
    CountAboveMax {
        /// The count given.
        count: u32,
        /// The semaphore's maximum.
        max: u32,
    },
    /// `release_semaphore` adds more than the semaphore's maximum: it would fail
    /// whatever the count.
    #[error(
        "releasing semaphore `{}` by {count} always fails: its maximum is {max}",
        echo::value(.semaphore)
    )]
    ReleaseAboveMax {
        /// The semaphore's name.
        semaphore: String,
        /// The count given.
        count: u32,
        /// The largest maximum it is created with.
        max: u32,
    },
    /// A transfer gives both `offset` and `random_offset`.
    #[error("both `offset` and `random_offset` are given")]
    OffsetAndRandomOffset,
    /// `random_offset.align` is larger than `below`, so only offset 0 could be drawn.
    #[error("align {align} is larger than below {below}")]
    AlignAboveBelow {
        /// The alignment.
        align: u64,
        /// The bound.
        below: u64,
    },
    /// A transfer at a fixed offset, or at the largest random offset, runs past the file.
    #[error(
        "{op} past the end of {} ({length} bytes): bytes {start}..{end}",
        echo::value(.file)
    )]
    PastEndOfFile {
        /// "read" or "write".
        op: &'static str,
        /// The file name.
        file: String,
        /// The file's length.
        length: u64,
        /// First byte of the transfer (for a random offset, the largest it can draw).
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// An `exit` op in a routine's ops.
    #[error("routine `{}` ends its thread with `exit`", echo::value(.routine))]
    ExitInRoutine { routine: String },
    /// `read` or `write` (no OVERLAPPED) on a handle opened for overlapped I/O.
    #[error(
        "`{}` is opened for overlapped I/O, so {op} (ReadFile or WriteFile without an \
         OVERLAPPED) cannot use it",
        echo::value(.handle)
    )]
    SyncTransferOnOverlappedHandle {
        /// The op ("read", "write").
        op: &'static str,
        handle: String,
    },
    /// `read_ex` or `write_ex` on a synchronous handle.
    #[error("`{}` is a synchronous handle, so {op} cannot use it", echo::value(.handle))]
    RoutineOnSynchronousHandle {
        /// The op ("read_ex", "write_ex").
        op: &'static str,
        handle: String,
    },
    /// A transfer with an OVERLAPPED on a file gives no offset.
    #[error("{op} on a file gives no `offset` or `random_offset`")]
    OverlappedWithoutOffset {
        /// The op ("read_overlapped", "write_ex", ...).
        op: &'static str,
    },
    /// `bind` of a synchronous handle to a completion port.
    #[error(
        "`{}` is a synchronous handle, so it cannot be bound to a completion port",
        echo::value(.handle)
    )]
    BindSynchronousHandle { handle: String },
    /// `read_ex` or `write_ex` on a handle that is bound to a completion port.
    #[error(
        "`{}` is bound to completion port `{}`, so {op} cannot queue an APC",
        echo::value(.handle),
        echo::value(.port)
    )]
    RoutineOnPortBoundFile {
        /// The op ("read_ex").
        op: &'static str,
        /// The handle.
        handle: String,
        /// The port it is bound to.
        port: String,
    },
    /// An expectation names a thread, a port, a call, a status, an error code, a return
    /// value or an event kind that does not exist.
    #[error("no {} named `{}`", .what.noun(), echo::value(.name))]
    UnknownNamed {
        /// What the name stands for.
        what: Named,
        /// The name given.
        name: String,
        /// The names there are.
        known: Vec<String>,
        /// What was meant, when the name is the right thing in the other form: a status
        /// where an error code belongs (`STATUS_SUCCESS` for `ERROR_SUCCESS`), or the
        /// other way round.
        twin: Option<String>,
    },
    /// Two processes create a completion port under one name, and an expectation names
    /// the port by name alone, so it could mean either.
    #[error(
        "completion port `{}` is created by process `{}` and by process `{}`",
        echo::value(.name),
        echo::value(.first),
        echo::value(.second)
    )]
    AmbiguousPort {
        /// The port's name.
        name: String,
        /// The first process that creates it.
        first: String,
        /// Another one.
        second: String,
    },
    /// An expectation that states nothing to check.
    #[error("this `{subject}` expectation states nothing to check")]
    NothingExpected {
        /// Its subject ("irp").
        subject: &'static str,
        /// The facts it could state, in words.
        fields: &'static str,
    },
    /// An IRP expected to be pending, with a byte count.
    #[error("an IRP that is still pending has no byte count")]
    PendingWithBytes,
    /// An order lacks the thread or port its kind needs, or names one it does not take.
    #[error(
        "an order of {of} {} `{field}`",
        if *.needed { "needs" } else { "takes no" }
    )]
    OrderField {
        /// What it orders ("apcs").
        of: &'static str,
        /// "thread" or "port".
        field: &'static str,
        /// The field is missing (rather than given where it does not belong).
        needed: bool,
    },
    /// `null` in an order of something else than packets.
    #[error("`null` in an order of {of}")]
    NullInOrder {
        /// What the order lists.
        of: &'static str,
    },
}

/// Most names a list in a message shows; the rest are counted.
const LISTED: usize = 12;

/// Names as a message lists them: quoted, escaped, at most [`LISTED`] of them.
pub(crate) fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    let mut shown: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| format!("`{}`", echo::value(n)))
        .collect();
    if names.len() > LISTED {
        shown.push(format!("and {} more", names.len() - LISTED));
    }
    shown.join(", ")
}

/// The names a misspelt `given` could have meant: [`list`], and the nearest one if it is
/// close (unless it is the only one, which the list already says).
pub(crate) fn suggesting(given: &str, known: &[String]) -> String {
    let listed = list(known);
    if known.len() < 2 {
        return listed;
    }
    match nearest_of(given, known.iter().map(String::as_str)) {
        Some(near) => format!("{listed} (did you mean `{}`?)", echo::value(near)),
        None => listed,
    }
}

/// A range of whole numbers in words, as every range message states it.
pub(crate) fn whole_numbers(min: u64, max: u64) -> String {
    if max == u64::MAX {
        format!("a whole number from {min} to {max} (2^64 - 1)")
    } else {
        format!("a whole number from {min} to {max}")
    }
}

impl Problem {
    /// What a correct scenario has here, in words.
    pub fn expected(&self) -> String {
        match self {
            Problem::OutOfRange { min, max, .. } => whole_numbers(*min, *max),
            Problem::Count { min, max, .. } if min == max => format!("exactly {min}"),
            Problem::Count { min, max, .. } => format!("{min} to {max} entries"),
            Problem::NotPowerOfTwo { .. } => "a power of two: 512, 1024, 2048 or 4096".to_owned(),
            Problem::BadName { allowed, .. } => format!("1 to 64 characters: {allowed}"),
            Problem::BadDescription => {
                "one line of text, not empty, without control or bidirectional characters"
                    .to_owned()
            }
            Problem::Duplicate { first, .. } => {
                format!("a name not used before (first used at {first})")
            }
            Problem::DuplicateIrq { .. } => "an interrupt line no other device uses".to_owned(),
            Problem::UnknownDevice { name, known } => {
                format!(
                    "the name of a device in `devices`: {}",
                    suggesting(name, known)
                )
            }
            Problem::NotADisk { .. } => "the name of a disk".to_owned(),
            Problem::FilePastDiskEnd { capacity, .. } => {
                format!("offset + length at most {capacity}")
            }
            Problem::DiskAccessTooSlow { field, .. } => format!(
                "at most {MAX_NS} ns in all (the longest span the format allows); the largest \
                 part comes from `{field}`: seek_settle_ns and seek_ns_per_track set the seek, \
                 rpm the turn, rpm and sectors_per_track the media rate, and \
                 machine.costs.bus_ns_per_kib the DMA bus"
            ),
            Problem::Misaligned { sector_size, .. } => {
                format!("an offset that is a multiple of {sector_size}")
            }
            Problem::ContentTooLong { length, .. } => format!("at most {length} bytes"),
            Problem::OverByteBudget { budget, .. } => format!(
                "contents that fit in machine.byte_budget ({budget} bytes); raise it with \
                 --set machine.byte_budget=N, up to {}",
                super::limits::MAX_BYTE_BUDGET
            ),
            Problem::EmptyRepeatText { .. } => "a non-empty `text`".to_owned(),
            Problem::UnknownFile { name, known } => {
                format!("the name of a file in `files`: {}", suggesting(name, known))
            }
            Problem::UnknownPipe { name, known } => format!(
                "the name of a named pipe a `create_named_pipe` in this scenario creates: {}",
                suggesting(name, known)
            ),
            Problem::BadPipeName { .. } => format!(
                "`{}` followed by 1 to 64 characters: letters, digits, _, . and - (in JSON, \
                 each backslash is written twice: \"\\\\\\\\.\\\\pipe\\\\echo\")",
                super::limits::PIPE_PREFIX
            ),
            Problem::WrongPipeEnd { op, .. } => format!(
                "a handle that can {op}: a file handle, a named pipe's end or an anonymous \
                 pipe's {op} end (an anonymous pipe is one-way, and a {op} on its other end \
                 fails with ERROR_ACCESS_DENIED)"
            ),
            Problem::AnonymousPipeAsync { op, .. } => {
                let why = if *op == "bind" {
                    " (a completion port receives the completions of overlapped I/O)"
                } else {
                    ""
                };
                format!(
                    "a file handle or a named pipe's end{why}: Anonymous pipes do not support \
                     asynchronous (overlapped) read and write operations (Microsoft Learn: \
                     Anonymous Pipe Operations); use create_named_pipe"
                )
            }
            Problem::OffsetOnPipe { .. } => "no `offset` or `random_offset`: a pipe is a stream \
                 of bytes, and each read takes the bytes next in line"
                .to_owned(),
            Problem::UnknownHandle {
                name,
                wanted,
                known,
                ..
            } => format!("{}: {}", wanted.bound_by(), suggesting(name, known)),
            Problem::UnknownTag { name, known, .. } => format!(
                "a tag set by `read_overlapped` or `write_overlapped` in this process: {}",
                suggesting(name, known)
            ),
            Problem::UnknownRoutine { name, known, .. } => format!(
                "a routine declared in this process's `routines`: {}",
                suggesting(name, known)
            ),
            Problem::WrongHandleKind {
                wanted: Wanted::Waitable,
                is,
                ..
            } => {
                let instead = match is {
                    HandleKind::File | HandleKind::NamedPipe => {
                        "; to wait for a request on a file, give it a `tag` and `wait` for the tag"
                    }
                    HandleKind::Port => "; a completion port's packets are taken with `get_queued`",
                    _ => "",
                };
                format!(
                    "the name of an event, a semaphore or a thread handle (wait_objects waits on \
                     kernel objects{instead})"
                )
            }
            Problem::WrongHandleKind { wanted, .. } => format!("the name of {}", wanted.words()),
            Problem::NameBoundTwice { other, .. } => {
                format!("a name not already used at {other}")
            }
            Problem::UnknownThread {
                name,
                process,
                known,
                elsewhere,
            } => {
                let mut expected = format!(
                    "the name of a thread of process `{}`: {}",
                    echo::value(process),
                    suggesting(name, known)
                );
                if let Some(other) = elsewhere {
                    expected += &format!(
                        " (`{}` is a thread of process `{}`; open_thread opens threads of its \
                         own process)",
                        echo::value(name),
                        echo::value(other)
                    );
                }
                expected
            }
            Problem::NamedTwiceInWait { first, .. } => format!(
                "each handle once (it is first at handles[{first}]): WaitForMultipleObjectsEx \
                 refuses a list that names a handle twice"
            ),
            Problem::CountAboveMax { max, .. } => whole_numbers(0, u64::from(*max)),
            Problem::ReleaseAboveMax { max, .. } => format!(
                "{}; a release that would take the count past the maximum fails with \
                 ERROR_TOO_MANY_POSTS and changes nothing",
                whole_numbers(1, u64::from(*max))
            ),
            Problem::OffsetAndRandomOffset => {
                "either `offset` or `random_offset`, not both".to_owned()
            }
            Problem::AlignAboveBelow { below, .. } => format!("an align of at most {below}"),
            Problem::PastEndOfFile { length, .. } => {
                format!("a transfer that ends at or before byte {length}")
            }
            Problem::ExitInRoutine { .. } => "ops that return: a routine goes back to the wait \
                 it ran from when its last op is done (iosim does not model ExitThread from \
                 inside an APC)"
                .to_owned(),
            Problem::SyncTransferOnOverlappedHandle { op, .. } => {
                let with = if *op == "read" {
                    "read_overlapped or read_ex"
                } else {
                    "write_overlapped or write_ex"
                };
                format!(
                    "a synchronous handle (`open` without `overlapped`): on a handle opened \
                     with FILE_FLAG_OVERLAPPED, ReadFile and WriteFile must be given an \
                     OVERLAPPED (Microsoft Learn: CreateFile); use {with}"
                )
            }
            Problem::RoutineOnSynchronousHandle { op, .. } => format!(
                "a handle opened for overlapped I/O (`\"overlapped\": true` on its `open` or \
                 `create_named_pipe`): {} takes a handle opened with FILE_FLAG_OVERLAPPED \
                 (Microsoft Learn: ReadFileEx, WriteFileEx)",
                if *op == "read_ex" {
                    "ReadFileEx"
                } else {
                    "WriteFileEx"
                }
            ),
            Problem::OverlappedWithoutOffset { .. } => "`offset` or `random_offset`: a request \
                 with an OVERLAPPED starts at the offset its OVERLAPPED holds, never at the \
                 file position (Microsoft Learn: ReadFile, WriteFile)"
                .to_owned(),
            Problem::BindSynchronousHandle { .. } => "a handle opened for overlapped I/O \
                 (`\"overlapped\": true` on its `open` or `create_named_pipe`): \
                 CreateIoCompletionPort takes only a handle opened for overlapped I/O \
                 (Microsoft Learn: CreateIoCompletionPort)"
                .to_owned(),
            Problem::RoutineOnPortBoundFile { op, .. } => format!(
                "a handle not bound to a port (Windows rejects {op} there: a port-bound file \
                 delivers completion packets, not APCs); use read_overlapped or write_overlapped"
            ),
            Problem::UnknownNamed {
                what,
                name,
                twin: Some(twin),
                ..
            } => format!(
                "{}; for `{}`, that is `{}`",
                what.source(),
                echo::value(name),
                echo::value(twin)
            ),
            Problem::UnknownNamed {
                what, name, known, ..
            } => format!("{}: {}", what.source(), suggesting(name, known)),
            Problem::AmbiguousPort { .. } => "a port name that only one process creates, \
                 since an expectation names its port by name alone"
                .to_owned(),
            Problem::NothingExpected { fields, .. } => {
                format!("at least one of {fields}")
            }
            Problem::PendingWithBytes => "no `bytes` with STATUS_PENDING: an IRP's byte count \
                 is set when it completes"
                .to_owned(),
            Problem::OrderField { .. } => "an order of completions takes an optional `thread` \
                 (only its requests), of apcs a `thread` (whose routines ran), of packets a \
                 `port` (that they left)"
                .to_owned(),
            Problem::NullInOrder { .. } => "an IRP number: `null` stands for a posted packet \
                 (PostQueuedCompletionStatus) or an APC queued with QueueUserAPC, which only \
                 an order of packets or of apcs has"
                .to_owned(),
        }
    }
}

/// Why a `--set PATH=VALUE` could not be applied. Paths are shown dotted, as written on
/// the command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideProblem {
    /// The argument has no `=`.
    #[error("expected PATH=VALUE, such as machine.cpus=2")]
    NoEquals,
    /// The path is empty or has an empty part.
    #[error(
        "the path has an empty part; write parts separated by dots, such as devices.0.disk.queue"
    )]
    EmptyPart,
    /// A part of the path before the last names a field the format does not have.
    #[error(
        "{} has no field `{}`{}",
        echo::clipped(.within, echo::LINE_CHARS),
        echo::value(.part),
        .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    UnknownField {
        /// Where the field was looked for: "the scenario", or a dotted path.
        within: String,
        /// The part given.
        part: String,
        /// The nearest field name, if one is close.
        suggestion: Option<String>,
    },
    /// A part of the path does not exist, and is not an object `--set` could create.
    #[error(
        "{} does not exist, and --set creates only missing objects, while {} takes {takes}",
        echo::clipped(.at, echo::LINE_CHARS),
        echo::clipped(.at, echo::LINE_CHARS)
    )]
    NotCreated {
        /// The path that does not exist, dotted.
        at: String,
        /// What the format takes there ("an array").
        takes: String,
    },
    /// The path goes into a value that is not an object or array.
    #[error("{} is {found}, which has no member `{}`", echo::clipped(.at, echo::LINE_CHARS), echo::value(.part))]
    NotContainer {
        /// The path of the value, dotted.
        at: String,
        /// What it is ("a number").
        found: &'static str,
        /// The part that cannot be looked up.
        part: String,
    },
    /// An array is indexed by something that is not a number.
    #[error(
        "{} is an array, so `{}` must be an index (0, 1, ...)",
        echo::clipped(.at, echo::LINE_CHARS),
        echo::value(.part)
    )]
    NotAnIndex {
        /// The array's path, dotted.
        at: String,
        /// The part given.
        part: String,
    },
    /// An array index past the end. Overrides never add elements to an array.
    #[error(
        "{} has {len} {}, so index {index} does not exist",
        echo::clipped(.at, echo::LINE_CHARS),
        if *.len == 1 { "entry" } else { "entries" }
    )]
    IndexOutOfRange {
        /// The array's path, dotted.
        at: String,
        /// The index given.
        index: usize,
        /// The array's length.
        len: usize,
    },
    /// VALUE is not JSON, and the field does not take a string, so it cannot be read as
    /// one either.
    #[error(
        "the value `{}` is not valid JSON ({reason}), and {} takes {takes}; write the value \
         as JSON (inside JSON, every string is written in double quotes)",
        echo::value(.value),
        echo::clipped(.at, echo::LINE_CHARS)
    )]
    NotJson {
        /// VALUE as given.
        value: String,
        /// What the JSON reader found wrong, and at which character of VALUE.
        reason: String,
        /// The path, dotted.
        at: String,
        /// What the format takes there ("a whole number from 1 to 64").
        takes: String,
    },
}

impl ErrorKind {
    /// The headline: what is wrong, without what was expected.
    pub fn what(&self) -> String {
        match self {
            ErrorKind::NotUtf8 { byte } => {
                format!(
                    "the file is not UTF-8 text: byte 0x{byte:02x} here is not part of a character"
                )
            }
            ErrorKind::Syntax(message) => match message.strip_prefix("expected ") {
                Some(_) => "malformed JSON".to_owned(),
                None => format!("malformed JSON: {message}"),
            },
            ErrorKind::Shape { message, .. } => split_expected(message).0.to_owned(),
            ErrorKind::Invalid(problem) => problem.to_string(),
        }
    }

    /// What was expected, when known.
    pub fn expected(&self) -> Option<String> {
        match self {
            ErrorKind::NotUtf8 { .. } => Some("UTF-8 text (save the file as UTF-8)".to_owned()),
            ErrorKind::Syntax(message) => message.strip_prefix("expected ").map(str::to_owned),
            ErrorKind::Shape { kind, message } => match kind {
                ShapeKind::MissingField => {
                    let field = between_backticks(message)?;
                    Some(format!("a `{field}` field in this object"))
                }
                ShapeKind::DuplicateField if message.starts_with("duplicate routine") => {
                    Some("each routine name once".to_owned())
                }
                ShapeKind::DuplicateField => Some("each field once".to_owned()),
                _ => split_expected(message)
                    .1
                    .map(|e| explain_expected(e, message)),
            },
            ErrorKind::Invalid(problem) => Some(problem.expected()),
        }
    }
}

/// Splits serde's "what, expected X" into its two halves.
fn split_expected(message: &str) -> (&str, Option<&str>) {
    match message.find(", expected ") {
        Some(i) => (&message[..i], Some(&message[i + ", expected ".len()..])),
        None => match message.find(", there are no fields") {
            Some(i) => (&message[..i], Some("no fields: write {}")),
            None => (message, None),
        },
    }
}

/// The first `quoted` word of a serde message.
pub(crate) fn between_backticks(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Rewrites serde's Rust-flavoured expectations ("u32", "struct Read") in scenario words, and
/// suggests the nearest name for a misspelt field or variant.
fn explain_expected(expected: &str, message: &str) -> String {
    let plain = match expected {
        // Only when the schema knows no range for the field: the type's range is then the
        // field's (see `diagnose::number_range`).
        "u8" => whole_numbers(0, u8::MAX.into()),
        "u32" => whole_numbers(0, u32::MAX.into()),
        "u64" => whole_numbers(0, u64::MAX),
        "a string" => "a string in double quotes".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" | "an object of named routines" => "an object".to_owned(),
        "unit struct Exit" | "struct Exit" => "an empty object: {}".to_owned(),
        "enum Op" => "an op: an object with one key naming it, such as {\"read\": {...}}".to_owned(),
        "enum Device" => "a device: an object with one key naming its kind, such as {\"disk\": {...}}".to_owned(),
        "enum Expectation" => {
            "an expectation: an object with one key naming its subject, such as {\"irp\": {...}}"
                .to_owned()
        }
        "enum Moment" => {
            "a moment: {\"ns\": N}, {\"after\": {\"kind\": \"...\", \"nth\": N}} or {\"step\": N}"
                .to_owned()
        }
        "enum Data" => {
            "data: {\"text\": \"...\"}, {\"bytes\": [...]} or {\"repeat\": {\"text\": \"...\", \"length\": N}}"
                .to_owned()
        }
        other => match other.strip_prefix("struct ") {
            Some(_) => "an object".to_owned(),
            None => other.to_owned(),
        },
    };
    let is_name_error = message.starts_with("unknown ");
    let suggestion = match (is_name_error, between_backticks(message)) {
        (true, Some(given)) => nearest(given, expected),
        _ => None,
    };
    // A long list (the ops) may not fit on a message line: its count and the suggestion
    // go first, where clipping cannot reach them.
    let names = expected.split('`').skip(1).step_by(2).count();
    match (plain.strip_prefix("one of "), suggestion) {
        (Some(list), Some(suggestion)) if names > LISTED => {
            format!("one of {names} (did you mean `{suggestion}`?): {list}")
        }
        (Some(list), None) if names > LISTED => format!("one of {names}: {list}"),
        (_, Some(suggestion)) => format!("{plain} (did you mean `{suggestion}`?)"),
        (_, None) => plain,
    }
}

/// The backticked candidate in `candidates` closest to `given`, if it is close.
fn nearest<'a>(given: &str, candidates: &'a str) -> Option<&'a str> {
    nearest_of(given, candidates.split('`').skip(1).step_by(2))
}

/// The candidate closest to `given`, if it is close: at most 2 edits away, or a quarter of
/// its length for long names, and not so far that every character changes. The first of
/// equally close candidates wins.
pub(crate) fn nearest_of<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Text longer than any name is not a misspelling; don't spend time measuring it.
    if given.len() > 4 * echo::VALUE_CHARS {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (edit_distance(given, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

impl ShapeKind {
    /// Classifies a serde message by serde's fixed wording.
    pub(crate) fn of(message: &str) -> Self {
        if message.starts_with("unknown field") {
            ShapeKind::UnknownField
        } else if message.starts_with("missing field") {
            ShapeKind::MissingField
        } else if message.starts_with("duplicate ") {
            ShapeKind::DuplicateField
        } else if message.starts_with("invalid type") {
            ShapeKind::WrongType
        } else if message.starts_with("invalid value") || message.starts_with("invalid length") {
            ShapeKind::WrongValue
        } else if message.starts_with("unknown variant") {
            ShapeKind::UnknownVariant
        } else {
            ShapeKind::Other
        }
    }
}

impl fmt::Display for Located {
    /// One line: `file:line:column: path: what; expected ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}:", echo::clipped(&self.file, echo::LINE_CHARS))?;
        }
        if let Some(at) = &self.location {
            write!(f, "{}:{}: ", at.line, at.column)?;
        } else if !self.file.is_empty() {
            f.write_str(" ")?;
        }
        if !self.path.is_root() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.kind.what())?;
        if let Some(expected) = self.kind.expected() {
            write!(f, "; expected {expected}")?;
        }
        if let Some(set) = &self.set_by {
            write!(
                f,
                " (value from --set {})",
                echo::clipped(set, echo::LINE_CHARS)
            )?;
        }
        Ok(())
    }
}

impl ScenarioError {
    /// An error about the value at `path`, not yet matched with any source text.
    pub(crate) fn invalid(path: JsonPath, problem: Problem) -> Self {
        Self::at(path, ErrorKind::Invalid(problem), Pointing::Value)
    }

    pub(crate) fn at(path: JsonPath, kind: ErrorKind, pointing: Pointing) -> Self {
        ScenarioError::At(Box::new(Located {
            file: String::new(),
            path,
            kind,
            pointing,
            location: None,
            set_by: None,
        }))
    }

    /// Where the error is, if it is in the text.
    pub fn located(&self) -> Option<&Located> {
        match self {
            ScenarioError::At(located) => Some(located),
            _ => None,
        }
    }

    /// The JSON path of the value at fault, if the error is in the text.
    pub fn path(&self) -> Option<&JsonPath> {
        self.located().map(|l| &l.path)
    }

    /// The broken rule, if the error is one `validate` found.
    pub fn problem(&self) -> Option<&Problem> {
        match &self.located()?.kind {
            ErrorKind::Invalid(problem) => Some(problem),
            _ => None,
        }
    }

    /// The kind of shape error, if serde rejected the document's shape.
    pub fn shape(&self) -> Option<ShapeKind> {
        match &self.located()?.kind {
            ErrorKind::Shape { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// True when the text is not JSON at all.
    pub fn is_syntax(&self) -> bool {
        matches!(self.located().map(|l| &l.kind), Some(ErrorKind::Syntax(_)))
    }

    /// Line and column (both from 1), if known.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        let at = self.located()?.location.as_ref()?;
        Some((at.line, at.column))
    }

    /// The error as a short plain-text report, without colour:
    ///
    /// ```text
    /// error: unknown handle `g` in process `app`
    ///   --> scenario.json:14:31
    ///    |
    /// 14 |           { "read": { "file": "g", "len": 4096 } },
    ///    |                               ^^^
    ///    = at: processes[0].threads[0].program[2].read.file
    ///    = expected: a handle bound by `open ... as` in this process: `f`
    /// ```
    ///
    /// The output ends with a newline and depends only on the error. Input text in it is
    /// escaped and clipped (see [`echo`](super::echo)): every line is at most
    /// [`MESSAGE_LINE_CHARS`](super::echo::MESSAGE_LINE_CHARS) wide.
    pub fn render(&self) -> String {
        let lines = match self {
            ScenarioError::At(located) => located.report(),
            ScenarioError::Read { file, builtins, .. } if !builtins.is_empty() => {
                unknown_scenario(file, builtins, &self.to_string())
            }
            ScenarioError::TooLarge { .. } => vec![
                format!("error: {self}"),
                " = help: a scenario this large is almost always generated: write a long \
                 program with `repeat`, and long data with `repeat` or `text`, not op by op or \
                 byte by byte"
                    .to_owned(),
            ],
            other => vec![format!("error: {other}")],
        };
        let mut out = String::new();
        for line in lines {
            out += &echo::message_line(&line);
            out.push('\n');
        }
        out
    }
}

/// The report for a name that is neither a built-in scenario nor a readable file: the
/// nearest built-in name if one is close, or all of them.
fn unknown_scenario(given: &str, builtins: &[String], read_error: &str) -> Vec<String> {
    let stem = given.strip_suffix(".json").unwrap_or(given);
    let stem = stem.rsplit('/').next().unwrap_or(stem);
    let near = nearest_of(given, builtins.iter().map(String::as_str))
        .or_else(|| nearest_of(stem, builtins.iter().map(String::as_str)));
    let expected = match near {
        Some(name) => {
            format!("a built-in scenario (did you mean `{name}`?) or the path of a scenario file")
        }
        None => format!(
            "the path of a scenario file, or a built-in scenario: {}",
            list(builtins)
        ),
    };
    vec![
        format!(
            "error: `{}` is neither a built-in scenario nor a file that can be read",
            echo::clipped(given, echo::LINE_CHARS)
        ),
        format!(" = note: {read_error}"),
        format!(" = expected: {expected}"),
    ]
}

impl Located {
    /// The lines of [`ScenarioError::render`] for an error at a place in the text.
    fn report(&self) -> Vec<String> {
        let mut out = vec![format!("error: {}", self.kind.what())];
        let file = if self.file.is_empty() {
            "<scenario>".to_owned()
        } else {
            echo::clipped(&self.file, echo::LINE_CHARS)
        };
        let gutter = self
            .location
            .as_ref()
            .map_or(1, |at| at.line.to_string().len());
        let pad = " ".repeat(gutter);
        match &self.location {
            Some(at) => {
                let shown = echo::excerpt(
                    &at.source_line,
                    at.column.saturating_sub(1 + at.skipped),
                    at.width,
                    at.skipped > 0,
                    at.cut,
                );
                out.push(format!("{pad}--> {file}:{}:{}", at.line, at.column));
                out.push(format!("{pad} |"));
                out.push(format!("{} | {}", at.line, shown.line));
                out.push(format!(
                    "{pad} | {}{}",
                    shown.lead,
                    "^".repeat(shown.marker)
                ));
            }
            None => out.push(format!("{pad}--> {file}")),
        }
        if !self.path.is_root() {
            out.push(format!("{pad} = at: {}", self.path));
        }
        if let Some(expected) = self.kind.expected() {
            out.push(format!("{pad} = expected: {expected}"));
        }
        if let Some(set) = &self.set_by {
            out.push(format!(
                "{pad} = note: this value was set by --set {}",
                echo::clipped(set, echo::LINE_CHARS)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        let kind = ErrorKind::Shape {
            kind: ShapeKind::UnknownField,
            message: "unknown field `cpu`, expected one of `cpus`, `timeslice_ns`".to_owned(),
        };
        assert_eq!(kind.what(), "unknown field `cpu`");
        assert_eq!(
            kind.expected().as_deref(),
            Some("one of `cpus`, `timeslice_ns` (did you mean `cpus`?)")
        );
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let kind = ErrorKind::Shape {
            kind: ShapeKind::UnknownVariant,
            message: "unknown variant `zzzzzz`, expected one of `fifo`, `scan`, `sstf`".to_owned(),
        };
        assert_eq!(
            kind.expected().as_deref(),
            Some("one of `fifo`, `scan`, `sstf`")
        );
    }

    #[test]
    fn rust_type_names_become_plain_words() {
        let kind = ErrorKind::Shape {
            kind: ShapeKind::WrongType,
            message: "invalid type: string \"two\", expected u32".to_owned(),
        };
        assert_eq!(kind.what(), "invalid type: string \"two\"");
        assert_eq!(
            kind.expected().as_deref(),
            Some("a whole number from 0 to 4294967295")
        );
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("cpu", "cpus"), 1);
        assert_eq!(edit_distance("reed", "read"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
