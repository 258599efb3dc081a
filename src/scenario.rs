//! Scenario files: the JSON format instructors write, loaded into typed values.
//!
//! Start here:
//!
//! - [`load`] / [`parse`] read a scenario and check it completely; [`validate()`] is the rule
//!   check on its own. [`source::read`] reads a file's text, refusing files over the size
//!   limit and text that is not UTF-8.
//! - [`model`] is the document: [`Scenario`], [`Machine`], [`FileSpec`], [`Process`],
//!   [`Thread`]. [`device`] holds [`Device`] and [`Disk`]; [`op`] holds [`Op`], one variant per
//!   operation a thread can perform.
//! - [`error`] is [`ScenarioError`]: every failure names the file, the JSON path, the line and
//!   column, and what was expected; [`ScenarioError::render`] prints it with the source line.
//!   [`echo`] escapes and clips the input text a message quotes.
//! - [`overrides`] applies `--set PATH=VALUE` to the text before parsing.
//! - [`schema`] is the JSON Schema of the format, generated from the types, for editors;
//!   `field` reads from it what the format takes at a path (a range, a string, an object).
//! - [`expect`] holds the `expect` list's forms and their validation: what a run must show,
//!   which `iosim check` checks (with [`crate::expect`]).
//! - [`handle_kind`] says what a bound name stands for and what each op takes; `declare`
//!   is how each op states its rules beside its form, for validation and the build to read.
//! - [`limits`] lists every default and range; [`path`] and `span` find values in the text.
//!
//! Loading runs in four stages, each with its own kind of error:
//!
//! 0. The file is read, at most [`limits::MAX_SCENARIO_BYTES`] of it
//!    ([`ScenarioError::TooLarge`]), and must be UTF-8 ([`ErrorKind::NotUtf8`]).
//! 1. serde_json reads the text: malformed JSON is an [`ErrorKind::Syntax`] error.
//! 2. serde maps it onto the types, which deny unknown fields: wrong names, types and
//!    missing fields are [`ErrorKind::Shape`] errors, with the path serde_path_to_error saw.
//! 3. [`validate()`] checks ranges and cross-references: [`ErrorKind::Invalid`] errors.
//!
//! Memory stays in proportion to the text: the typed scenario is the only thing built from
//! it, and finding a place in the text (for a message or a `--set`) walks the text in
//! place.
//!
//! Ops and devices are externally tagged enums (`{"read": {...}}`) because serde then reads
//! them in one pass and reports errors at their real position, which internally tagged and
//! untagged enums cannot do.
//!
//! The format is documented for instructors in `scenarios/README.md`.

pub(crate) mod declare;
pub mod device;
mod diagnose;
pub mod echo;
pub mod error;
pub mod expect;
mod field;
pub mod handle_kind;
pub mod limits;
pub mod model;
pub mod op;
pub mod overrides;
pub mod path;
pub mod source;
mod span;
pub mod validate;

use std::path::Path;

pub use device::{Device, Disk, Fill, QueuePolicy};
pub use error::{ErrorKind, Located, Location, OverrideProblem, Problem, ScenarioError, ShapeKind};
pub use model::{Costs, Data, FileSpec, Machine, Process, RepeatedText, Routine, Scenario, Thread};
pub use op::Op;
pub use overrides::{apply_overrides, parse_set};
pub use path::{JsonPath, PathSegment};
pub use validate::validate;

/// Reads, parses and validates the scenario at `path`. Messages show `path` as given.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with_overrides(path, &[])
}

/// [`load`], with `--set` overrides applied to the text first.
pub fn load_with_overrides(
    path: &Path,
    sets: &[(String, String)],
) -> Result<Scenario, ScenarioError> {
    let src = source::read(path)?;
    parse_with_overrides(&path.display().to_string(), &src, sets)
}

/// Parses and validates scenario text. `name` is the file name shown in messages.
pub fn parse(name: &str, src: &str) -> Result<Scenario, ScenarioError> {
    // Some editors start UTF-8 files with a byte order mark; it is not JSON.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut de = serde_json::Deserializer::from_str(src);
    let scenario: Scenario = match serde_path_to_error::deserialize(&mut de) {
        Ok(scenario) => scenario,
        Err(error) => {
            let path = JsonPath::from(error.path());
            return Err(diagnose::from_serde(name, src, path, error.into_inner()));
        }
    };
    if let Err(error) = de.end() {
        return Err(diagnose::from_serde(name, src, JsonPath::root(), error));
    }
    if let Some(error) = diagnose::misplaced_array(src) {
        return Err(error.locate(name, src));
    }
    validate(&scenario).map_err(|e| e.locate(name, src))?;
    Ok(scenario)
}

/// [`parse`], with `--set` overrides applied to the text first. An error about a value an
/// override wrote says so.
pub fn parse_with_overrides(
    name: &str,
    src: &str,
    sets: &[(String, String)],
) -> Result<Scenario, ScenarioError> {
    let text = apply_overrides(src, sets)?;
    parse_overridden(name, &text, sets)
}

/// [`parse`] of text that `sets` were already applied to; an error about a value an
/// override wrote says so.
pub fn parse_overridden(
    name: &str,
    text: &str,
    sets: &[(String, String)],
) -> Result<Scenario, ScenarioError> {
    parse(name, text).map_err(|error| match error {
        ScenarioError::At(mut located) => {
            let at = overrides::dotted(&located.path);
            located.set_by = sets
                .iter()
                .rev()
                .find(|(path, _)| at == *path || at.starts_with(&format!("{path}.")))
                .map(|(path, value)| format!("{path}={value}"));
            ScenarioError::At(located)
        }
        other => other,
    })
}

/// The JSON Schema of the scenario format (draft 2020-12), with every field's description
/// and default. Point a scenario's `"$schema"` at a saved copy to get completion and
/// checking in an editor. The schema checks types and ranges; only `iosim check` knows the
/// cross-references (unknown handles, files past the end of a disk, ...).
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Scenario).to_value();
    describe_variant_keys(&mut schema);
    schema
}

/// Copies each externally tagged variant's description onto its one key, where an editor
/// looks for it when showing the key (`"read"`, `"disk"`, `"text"`).
fn describe_variant_keys(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            let description = object.get("description").cloned();
            if let (Some(description), Some(serde_json::Value::Object(properties))) =
                (description, object.get_mut("properties"))
                && properties.len() == 1
            {
                for property in properties.values_mut() {
                    if let serde_json::Value::Object(property) = property {
                        property
                            .entry("description")
                            .or_insert_with(|| description.clone());
                    }
                }
            }
            for child in object.values_mut() {
                describe_variant_keys(child);
            }
        }
        serde_json::Value::Array(array) => array.iter_mut().for_each(describe_variant_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAD: &str = "tests/bad-scenarios";
    const GOOD: &str = "tests/good-scenario-example.json";

    /// The bad scenarios, sorted, as paths relative to the package root (the working
    /// directory of `cargo test`), so messages show no absolute path.
    fn bad_scenarios() -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(BAD)
            .expect("tests/bad-scenarios exists")
            .map(|entry| Path::new(BAD).join(entry.expect("readable entry").file_name()))
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
    }

    fn err(src: &str) -> ScenarioError {
        parse("t.json", src).expect_err("the scenario should not load")
    }

    #[test]
    fn every_bad_scenario_fails_to_load() {
        let files = bad_scenarios();
        assert!(files.len() >= 13, "only {} bad scenarios", files.len());
        for path in files {
            let error = match load(&path) {
                Ok(_) => panic!("{} loaded, but it should fail", path.display()),
                Err(error) => error,
            };
            let shown = path.display().to_string();
            let rendered = error.render();
            assert!(rendered.starts_with("error: "), "{rendered}");
            assert!(rendered.contains(&format!("--> {shown}:")), "{rendered}");
            assert!(!rendered.contains('\u{1b}'), "no colour codes: {rendered}");
            assert!(!rendered.contains(env!("CARGO_MANIFEST_DIR")), "{rendered}");
            assert!(error.line_column().is_some(), "{shown} has no line:column");
            assert_eq!(rendered, error.render(), "render is deterministic");
        }
    }

    /// What each bad scenario must fail with: its file stem, then the error's path (`None`
    /// for the root) and kind. Add a row with each new file.
    #[test]
    fn each_bad_scenario_fails_for_its_own_reason() {
        use ErrorKind as K;
        use ShapeKind as S;
        let program = "processes[0].threads[0].program";
        type Row = (&'static str, String, fn(&ErrorKind) -> bool);
        let expected: Vec<Row> = vec![
            (
                "absurd-repeat-count",
                format!("{program}[1].repeat.times"),
                |k| matches!(k, K::Invalid(Problem::OutOfRange { .. })),
            ),
            (
                "bad-pipe-name",
                format!("{program}[0].create_named_pipe.name"),
                |k| matches!(k, K::Invalid(Problem::BadPipeName { .. })),
            ),
            ("bad-scenario-name", "name".into(), |k| {
                matches!(k, K::Invalid(Problem::BadName { .. }))
            }),
            (
                "bind-anonymous-pipe-to-port",
                format!("{program}[2].bind.file"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::AnonymousPipeAsync { op: "bind", .. })
                    )
                },
            ),
            (
                "bind-synchronous-handle",
                format!("{program}[2].bind.file"),
                |k| matches!(k, K::Invalid(Problem::BindSynchronousHandle { .. })),
            ),
            (
                "cancel-io-ex-unknown-tag",
                format!("{program}[3].cancel_io_ex.tag"),
                |k| matches!(k, K::Invalid(Problem::UnknownTag { .. })),
            ),
            (
                "cancel-io-on-a-port",
                format!("{program}[4].cancel_io.file"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::WrongHandleKind {
                            is: handle_kind::HandleKind::Port,
                            ..
                        })
                    )
                },
            ),
            ("content-too-long", "files[0].content".into(), |k| {
                matches!(k, K::Invalid(Problem::ContentTooLong { .. }))
            }),
            ("control-characters-in-name", "name".into(), |k| {
                matches!(k, K::Invalid(Problem::BadName { .. }))
            }),
            (
                "disk-access-too-slow",
                "devices[0].disk.seek_ns_per_track".into(),
                |k| matches!(k, K::Invalid(Problem::DiskAccessTooSlow { .. })),
            ),
            ("duplicate-irq", "devices[1].disk.irq".into(), |k| {
                matches!(k, K::Invalid(Problem::DuplicateIrq { .. }))
            }),
            (
                "duplicate-name",
                "processes[0].threads[1].name".into(),
                |k| matches!(k, K::Invalid(Problem::Duplicate { .. })),
            ),
            (
                "duplicate-of-unknown-handle",
                format!("{program}[1].duplicate_handle.handle"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownHandle {
                            wanted: handle_kind::Wanted::Any,
                            ..
                        })
                    )
                },
            ),
            (
                "exit-in-routine",
                "processes[0].routines.on_read.ops[0].exit".to_owned(),
                |k| matches!(k, K::Invalid(Problem::ExitInRoutine { .. })),
            ),
            ("expect-ambiguous-port", "expect[0].port.port".into(), |k| {
                matches!(k, K::Invalid(Problem::AmbiguousPort { .. }))
            }),
            (
                "expect-moment-two-keys",
                "expect[0].count.at.step".into(),
                |k| {
                    matches!(
                        k,
                        K::Shape {
                            kind: S::NotOneKey,
                            ..
                        }
                    )
                },
            ),
            ("expect-nothing-stated", "expect[0].irp".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::NothingExpected { subject: "irp", .. })
                )
            }),
            (
                "expect-null-in-order",
                "expect[0].order.is[1]".into(),
                |k| matches!(k, K::Invalid(Problem::NullInOrder { of: "completions" })),
            ),
            ("expect-order-too-long", "expect[0].order.is".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::Count {
                        found: 1025,
                        max: 1024,
                        ..
                    })
                )
            }),
            (
                "expect-order-without-thread",
                "expect[0].order".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::OrderField {
                            of: "apcs",
                            field: "thread",
                            needed: true
                        })
                    )
                },
            ),
            (
                "expect-pending-with-bytes",
                "expect[0].irp.bytes".into(),
                |k| matches!(k, K::Invalid(Problem::PendingWithBytes)),
            ),
            ("expect-too-many", "expect".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::Count {
                        found: 257,
                        max: 256,
                        ..
                    })
                )
            }),
            ("expect-unknown-call", "expect[0].call.call".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::UnknownNamed {
                        what: expect::Named::Call,
                        ..
                    })
                )
            }),
            ("expect-unknown-error", "expect[0].call.error".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::UnknownNamed {
                        what: expect::Named::Error,
                        twin: Some(_),
                        ..
                    })
                )
            }),
            (
                "expect-unknown-event-kind",
                "expect[0].count.of".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownNamed {
                            what: expect::Named::Kind,
                            ..
                        })
                    )
                },
            ),
            ("expect-unknown-port", "expect[0].port.port".into(), |k| {
                matches!(
                    k,
                    K::Invalid(Problem::UnknownNamed {
                        what: expect::Named::Port,
                        ..
                    })
                )
            }),
            (
                "expect-unknown-return",
                "expect[0].call.returns".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownNamed {
                            what: expect::Named::Return,
                            ..
                        })
                    )
                },
            ),
            (
                "expect-unknown-status",
                "expect[0].irp.status".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownNamed {
                            what: expect::Named::Status,
                            twin: None,
                            ..
                        })
                    )
                },
            ),
            (
                "expect-unknown-subject",
                "expect[0].interrupt".into(),
                |k| {
                    matches!(
                        k,
                        K::Shape {
                            kind: S::UnknownVariant,
                            ..
                        }
                    )
                },
            ),
            (
                "expect-unknown-tag",
                "expect[0].packet.overlapped".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownNamed {
                            what: expect::Named::Tag,
                            ..
                        })
                    )
                },
            ),
            (
                "expect-unknown-thread",
                "expect[0].thread.thread".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownNamed {
                            what: expect::Named::Thread,
                            ..
                        })
                    )
                },
            ),
            ("file-past-end-of-disk", "files[0].length".into(), |k| {
                matches!(k, K::Invalid(Problem::FilePastDiskEnd { .. }))
            }),
            ("fractional-number", "machine.cpus".into(), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::WrongType,
                        ..
                    }
                )
            }),
            (
                "handle-named-twice-in-wait",
                format!("{program}[2].wait_objects.handles[2]"),
                |k| matches!(k, K::Invalid(Problem::NamedTwiceInWait { first: 0, .. })),
            ),
            ("malformed-json", program.into(), |k| {
                matches!(k, K::Syntax(_))
            }),
            ("misaligned-file", "files[0].offset".into(), |k| {
                matches!(k, K::Invalid(Problem::Misaligned { .. }))
            }),
            ("missing-field", format!("{program}[1].read"), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::MissingField,
                        ..
                    }
                )
            }),
            (
                "name-bound-twice",
                format!("{program}[1].create_semaphore.as"),
                |k| matches!(k, K::Invalid(Problem::NameBoundTwice { .. })),
            ),
            ("negative-number", "devices[0].disk.irq".into(), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::WrongValue,
                        ..
                    }
                )
            }),
            ("no-devices", "files[0].device".into(), |k| {
                matches!(k, K::Invalid(Problem::UnknownDevice { .. }))
            }),
            (
                "no-wait-handles",
                format!("{program}[1].wait_objects.handles"),
                |k| matches!(k, K::Invalid(Problem::Count { found: 0, .. })),
            ),
            ("not-utf8", "(root)".into(), |k| {
                matches!(k, K::NotUtf8 { byte: 0xe9 })
            }),
            (
                "number-too-large-for-its-type",
                "machine.cpus".into(),
                |k| {
                    matches!(
                        k,
                        K::Shape {
                            kind: S::WrongValue,
                            ..
                        }
                    )
                },
            ),
            (
                "offset-and-random-offset",
                format!("{program}[1].read.random_offset"),
                |k| matches!(k, K::Invalid(Problem::OffsetAndRandomOffset)),
            ),
            (
                "offset-on-a-pipe",
                format!("{program}[1].read.offset"),
                |k| matches!(k, K::Invalid(Problem::OffsetOnPipe { .. })),
            ),
            (
                "open-thread-of-another-process",
                "processes[1].threads[0].program[0].open_thread.thread".into(),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownThread {
                            elsewhere: Some(_),
                            ..
                        })
                    )
                },
            ),
            (
                "overlapped-read-without-offset",
                format!("{program}[1].read_overlapped"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::OverlappedWithoutOffset {
                            op: "read_overlapped"
                        })
                    )
                },
            ),
            (
                "pipe-capacity-over-limit",
                format!("{program}[0].create_named_pipe.capacity"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::OutOfRange {
                            max: 1_048_576,
                            found: 16_777_216,
                            ..
                        })
                    )
                },
            ),
            (
                "pipe-capacity-zero",
                format!("{program}[0].create_pipe.capacity"),
                |k| matches!(k, K::Invalid(Problem::OutOfRange { found: 0, .. })),
            ),
            (
                "port-used-as-file",
                format!("{program}[2].read.file"),
                |k| matches!(k, K::Invalid(Problem::WrongHandleKind { .. })),
            ),
            (
                "post-bytes-too-large",
                format!("{program}[1].post.bytes"),
                |k| matches!(k, K::Invalid(Problem::OutOfRange { .. })),
            ),
            (
                "random-offset-past-end-of-file",
                format!("{program}[1].read.random_offset.below"),
                |k| matches!(k, K::Invalid(Problem::PastEndOfFile { .. })),
            ),
            ("raw-control-character", "processes[0].name".into(), |k| {
                matches!(k, K::Syntax(_))
            }),
            (
                "read-ex-on-port-bound-file",
                format!("{program}[3].read_ex.file"),
                |k| matches!(k, K::Invalid(Problem::RoutineOnPortBoundFile { .. })),
            ),
            (
                "read-ex-on-synchronous-handle",
                format!("{program}[1].read_ex.file"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::RoutineOnSynchronousHandle { op: "read_ex", .. })
                    )
                },
            ),
            (
                "read-on-overlapped-handle",
                format!("{program}[1].read.file"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::SyncTransferOnOverlappedHandle { op: "read", .. })
                    )
                },
            ),
            (
                "read-past-end-of-file",
                format!("{program}[1].read.len"),
                |k| matches!(k, K::Invalid(Problem::PastEndOfFile { .. })),
            ),
            (
                "release-above-max",
                format!("{program}[1].release_semaphore.count"),
                |k| matches!(k, K::Invalid(Problem::ReleaseAboveMax { max: 2, .. })),
            ),
            ("ring-size-zero", "devices[0].disk.ring_size".into(), |k| {
                matches!(k, K::Invalid(Problem::OutOfRange { found: 0, .. }))
            }),
            ("seed-too-large", "seed".into(), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::WrongValue,
                        ..
                    }
                )
            }),
            (
                "semaphore-count-above-max",
                format!("{program}[0].create_semaphore.count"),
                |k| matches!(k, K::Invalid(Problem::CountAboveMax { .. })),
            ),
            (
                "semaphore-max-zero",
                format!("{program}[0].create_semaphore.max"),
                |k| matches!(k, K::Invalid(Problem::OutOfRange { found: 0, .. })),
            ),
            (
                "set-event-on-a-semaphore",
                format!("{program}[1].set_event.event"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::WrongHandleKind {
                            is: handle_kind::HandleKind::Semaphore,
                            wanted: handle_kind::Wanted::Kind(handle_kind::HandleKind::Event),
                            ..
                        })
                    )
                },
            ),
            (
                "too-many-wait-handles",
                format!("{program}[1].wait_objects.handles"),
                |k| matches!(k, K::Invalid(Problem::Count { found: 65, .. })),
            ),
            ("trailing-characters", "(root)".into(), |k| {
                matches!(k, K::Syntax(_))
            }),
            (
                "transfer-rate-removed",
                "devices[0].disk.transfer_mb_s".into(),
                |k| matches!(k, K::Shape { kind: S::Other, message } if message.contains("rpm")),
            ),
            ("unknown-device", "files[0].device".into(), |k| {
                matches!(k, K::Invalid(Problem::UnknownDevice { .. }))
            }),
            (
                "unknown-event",
                format!("{program}[2].set_event.event"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownHandle {
                            wanted: handle_kind::Wanted::Kind(handle_kind::HandleKind::Event),
                            ..
                        })
                    )
                },
            ),
            ("unknown-field", "machine.cpu".into(), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::UnknownField,
                        ..
                    }
                )
            }),
            ("unknown-file", format!("{program}[0].open.path"), |k| {
                matches!(k, K::Invalid(Problem::UnknownFile { .. }))
            }),
            ("unknown-handle", format!("{program}[1].read.file"), |k| {
                matches!(k, K::Invalid(Problem::UnknownHandle { .. }))
            }),
            ("unknown-op", format!("{program}[1].reed"), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::UnknownVariant,
                        ..
                    }
                )
            }),
            ("unknown-pipe", format!("{program}[2].open.path"), |k| {
                matches!(k, K::Invalid(Problem::UnknownPipe { .. }))
            }),
            (
                "unknown-port",
                format!("{program}[2].get_queued.port"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::UnknownHandle {
                            wanted: handle_kind::Wanted::Kind(handle_kind::HandleKind::Port),
                            ..
                        })
                    )
                },
            ),
            (
                "unknown-routine",
                format!("{program}[1].read_ex.routine"),
                |k| matches!(k, K::Invalid(Problem::UnknownRoutine { .. })),
            ),
            ("unknown-tag", format!("{program}[2].wait.tag"), |k| {
                matches!(k, K::Invalid(Problem::UnknownTag { .. }))
            }),
            (
                "wait-on-a-port",
                format!("{program}[2].wait_objects.handles[1]"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::WrongHandleKind {
                            is: handle_kind::HandleKind::Port,
                            wanted: handle_kind::Wanted::Waitable,
                            ..
                        })
                    )
                },
            ),
            (
                "write-ex-on-anonymous-pipe",
                format!("{program}[1].write_ex.file"),
                |k| {
                    matches!(
                        k,
                        K::Invalid(Problem::AnonymousPipeAsync {
                            op: "write_ex",
                            is: handle_kind::HandleKind::PipeWrite,
                            ..
                        })
                    )
                },
            ),
            (
                "write-to-pipe-read-end",
                format!("{program}[1].write.file"),
                |k| matches!(k, K::Invalid(Problem::WrongPipeEnd { op: "write", .. })),
            ),
            ("wrong-type", "devices[0].disk.irq".into(), |k| {
                matches!(
                    k,
                    K::Shape {
                        kind: S::WrongType,
                        ..
                    }
                )
            }),
        ];
        let files = bad_scenarios();
        let stems: Vec<String> = files
            .iter()
            .map(|p| {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let listed: Vec<&str> = expected.iter().map(|(stem, _, _)| *stem).collect();
        assert_eq!(
            stems, listed,
            "one row per file in tests/bad-scenarios, sorted"
        );
        for ((stem, path, check), file) in expected.iter().zip(&files) {
            let error = load(file).expect_err("bad scenario");
            let located = error.located().expect("a located error");
            assert_eq!(&located.path.to_string(), path, "{stem}");
            assert!(check(&located.kind), "{stem}: {:?}", located.kind);
        }
    }

    /// Every whole-number field the good example writes, as a path.
    fn number_paths(value: &serde_json::Value, at: JsonPath, out: &mut Vec<JsonPath>) {
        match value {
            serde_json::Value::Number(_) => out.push(at),
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    number_paths(member, at.key(key), out);
                }
            }
            serde_json::Value::Array(elements) => {
                for (i, element) in elements.iter().enumerate() {
                    number_paths(element, at.index(i), out);
                }
            }
            _ => {}
        }
    }

    /// A range message must state the field's own range, whichever stage finds the number
    /// wrong: serde (beyond the Rust type) or `validate` (beyond the format's limit). Both
    /// read the range from `limits`, through the schema and through the checks; this test
    /// sets every number of the good example just outside its range and reads the message.
    #[test]
    fn every_range_message_states_the_fields_own_range() {
        let src = std::fs::read_to_string(GOOD).expect("readable");
        let document: serde_json::Value = serde_json::from_str(&src).expect("JSON");
        let mut paths = Vec::new();
        number_paths(&document, JsonPath::root(), &mut paths);
        assert!(paths.len() >= 30, "only {} numbers", paths.len());
        for path in paths {
            let (min, max) = field::Field::of(&path)
                .and_then(field::Field::range)
                .unwrap_or_else(|| panic!("{path} has no range in the schema"));
            let mut outside = vec![if max == u64::MAX {
                "18446744073709551616".to_owned()
            } else {
                (u128::from(max) + 1).to_string()
            }];
            if min > 0 {
                outside.push((min - 1).to_string());
            }
            for value in outside {
                let set = vec![(overrides::dotted(&path), value.clone())];
                let error = parse_with_overrides(GOOD, &src, &set)
                    .expect_err(&format!("{path} = {value} loads"));
                let rendered = error.render();
                assert_eq!(error.path(), Some(&path), "{rendered}");
                assert!(
                    rendered.contains(&format!("= {value} is out of range\n")),
                    "{rendered}"
                );
                let expected = error::whole_numbers(min, max);
                assert!(
                    rendered.contains(&format!("= expected: {expected}\n")),
                    "{path}: {rendered}"
                );
            }
        }
    }

    #[test]
    fn the_good_example_loads_and_round_trips() {
        let scenario = load(Path::new(GOOD)).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(scenario.name, "every-op");
        assert_eq!(scenario.machine.cpus, 2);
        assert_eq!(
            scenario.devices[1].as_disk().map(Disk::capacity),
            Some(32 * 1024 * 1024)
        );
        let json = serde_json::to_string_pretty(&scenario).expect("serializes");
        assert_eq!(parse("again.json", &json), Ok(scenario));
    }

    #[test]
    fn the_good_example_uses_every_op() {
        fn collect(ops: &[Op], names: &mut std::collections::BTreeSet<&'static str>) {
            for op in ops {
                // `name` is the key serde reads and writes, for every op.
                let json = serde_json::to_value(op).expect("serializes");
                let keys: Vec<&String> = json.as_object().expect("an object").keys().collect();
                assert_eq!(keys, [op.name()]);
                names.insert(op.name());
                if let Op::Repeat(repeat) = op {
                    collect(&repeat.ops, names);
                }
            }
        }
        let scenario = load(Path::new(GOOD)).expect("loads");
        let mut used = std::collections::BTreeSet::new();
        for thread in scenario.processes.iter().flat_map(|p| &p.threads) {
            collect(&thread.program, &mut used);
        }
        let schema = schema();
        let all: std::collections::BTreeSet<&str> = schema["$defs"]["Op"]["oneOf"]
            .as_array()
            .expect("Op is a oneOf")
            .iter()
            .filter_map(|v| v["required"][0].as_str())
            .collect();
        assert_eq!(all.len(), 34);
        assert_eq!(used, all);
    }

    #[test]
    fn the_good_example_states_every_subject_at_every_moment() {
        let scenario = load(Path::new(GOOD)).expect("loads");
        let mut used = std::collections::BTreeSet::new();
        let mut moments = std::collections::BTreeSet::new();
        for expectation in &scenario.expect {
            // `subject` is the key serde reads and writes, for every expectation.
            let json = serde_json::to_value(expectation).expect("serializes");
            let keys: Vec<&String> = json.as_object().expect("an object").keys().collect();
            assert_eq!(keys, [expectation.subject()]);
            used.insert(expectation.subject());
            moments.insert(match expectation.at() {
                None => "end",
                Some(expect::Moment::Ns(_)) => "ns",
                Some(expect::Moment::After(_)) => "after",
                Some(expect::Moment::Step(_)) => "step",
            });
        }
        let schema = schema();
        let all: std::collections::BTreeSet<&str> = schema["$defs"]["Expectation"]["oneOf"]
            .as_array()
            .expect("Expectation is a oneOf")
            .iter()
            .filter_map(|v| v["required"][0].as_str())
            .collect();
        assert_eq!(all.len(), 7);
        assert_eq!(used, all);
        assert_eq!(moments.len(), 4, "{moments:?}");
    }

    #[test]
    fn defaults_fill_in_what_is_left_out() {
        let src = r#"{"name": "min", "description": "smallest",
            "devices": [{"disk": {"name": "d", "irq": 0}}],
            "processes": [{"name": "p", "threads": [{"name": "t", "program": []}]}]}"#;
        let scenario = parse("min.json", src).expect("valid");
        assert_eq!(scenario.seed, 0);
        assert_eq!(scenario.machine, Machine::default());
        assert_eq!(scenario.machine.timeslice_ns, 10_000_000);
        assert_eq!(scenario.machine.event_limit, 5_000_000);
        let Device::Disk(disk) = &scenario.devices[0];
        assert_eq!(disk.sector_size, 512);
        assert_eq!(disk.ring_size, 8);
        assert_eq!(disk.queue, QueuePolicy::Fifo);
        assert_eq!(disk.fill, Fill::OffsetPattern);
        assert!(scenario.files.is_empty());
    }

    #[test]
    fn the_schema_key_is_accepted_and_ignored() {
        let src = std::fs::read_to_string(GOOD).expect("readable");
        let scenario = parse(GOOD, &src).expect("valid");
        assert_eq!(scenario.schema.as_deref(), Some("../iosim.schema.json"));
    }

    #[test]
    fn malformed_json_points_where_the_comma_belongs() {
        let error = err("{\n  \"name\": \"x\"\n  \"description\": \"y\"\n}");
        assert!(error.is_syntax());
        assert_eq!(error.line_column(), Some((2, 14)));
        assert_eq!(
            error.render(),
            "error: malformed JSON\n --> t.json:2:14\n  |\n2 |   \"name\": \"x\"\n  |              ^\n  = expected: `,` or `}`\n"
        );
    }

    #[test]
    fn shape_errors_name_the_path_and_point_at_the_value() {
        let src = std::fs::read_to_string(GOOD).expect("readable");
        let bad = src.replace(r#""cpus": 2"#, r#""cpus": "two""#);
        let error = err(&bad);
        assert_eq!(error.shape(), Some(ShapeKind::WrongType));
        assert_eq!(
            error.path().map(ToString::to_string).as_deref(),
            Some("machine.cpus")
        );
        assert_eq!(error.line_column(), Some((7, 13)));
        let located = error.located().expect("located");
        assert_eq!(located.location.as_ref().map(|l| l.width), Some(5));
    }

    #[test]
    fn an_op_needs_exactly_one_key() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let exit = r#"{ "exit": {} }"#;
        for (op, kind, path) in [
            (
                "{}",
                ShapeKind::NotOneKey,
                "processes[0].threads[0].program[17]",
            ),
            (
                r#"{ "exit": {}, "sleep": {"ns": 1} }"#,
                ShapeKind::NotOneKey,
                "processes[0].threads[0].program[17].sleep",
            ),
            (
                r#""exit""#,
                ShapeKind::WrongType,
                "processes[0].threads[0].program[17]",
            ),
            (
                r#"{ "exitt": {} }"#,
                ShapeKind::UnknownVariant,
                "processes[0].threads[0].program[17].exitt",
            ),
            (
                r#"{ "exit": {"now": 1} }"#,
                ShapeKind::UnknownField,
                "processes[0].threads[0].program[17].exit.now",
            ),
        ] {
            let error = err(&base.replace(exit, op));
            assert_eq!(error.shape(), Some(kind), "{op}: {}", error.render());
            assert_eq!(
                error.path().map(ToString::to_string).as_deref(),
                Some(path),
                "{op}"
            );
        }
    }

    #[test]
    fn data_needs_exactly_one_kind() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let data = r#"{ "text": "abc" }"#;
        let at = "processes[0].threads[0].program[3].write.data";
        let error = err(&base.replace(data, r#"{ "text": "abc", "bytes": [1] }"#));
        assert_eq!(error.shape(), Some(ShapeKind::NotOneKey));
        assert_eq!(
            error.path().map(ToString::to_string),
            Some(format!("{at}.bytes"))
        );
        let error = err(&base.replace(data, r#""abc""#));
        assert_eq!(error.shape(), Some(ShapeKind::WrongType));
        assert_eq!(error.path().map(ToString::to_string), Some(at.to_owned()));
        let error = err(&base.replace(data, r#"{ "bytes": [1, 256] }"#));
        assert_eq!(error.shape(), Some(ShapeKind::WrongValue));
        assert_eq!(
            error.path().map(ToString::to_string),
            Some(format!("{at}.bytes[1]"))
        );
    }

    #[test]
    fn unknown_words_suggest_the_nearest_one() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let error = err(&base.replace(r#""queue": "scan""#, r#""queue": "scna""#));
        assert_eq!(error.shape(), Some(ShapeKind::UnknownVariant));
        assert_eq!(
            error.path().map(ToString::to_string).as_deref(),
            Some("devices[0].disk.queue")
        );
        assert!(
            error.render().contains("did you mean `scan`?"),
            "{}",
            error.render()
        );
    }

    #[test]
    fn an_array_cannot_stand_in_for_an_object() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let machine_start = base.find(r#""machine": {"#).expect("has machine");
        let machine_end =
            base[machine_start..].find("\n  },").expect("machine ends") + machine_start + 4;
        let bad = format!(
            "{}\"machine\": [2, 100, 1000, 1048576, {{}}]{}",
            &base[..machine_start],
            &base[machine_end..]
        );
        let error = err(&bad);
        assert_eq!(error.shape(), Some(ShapeKind::WrongType));
        assert_eq!(
            error.path().map(ToString::to_string).as_deref(),
            Some("machine")
        );
        let error = err("[]");
        assert_eq!(error.shape(), Some(ShapeKind::WrongType));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let error = err(&base.replace(r#""seed": 7,"#, r#""seed": 7, "seed": 8,"#));
        assert_eq!(error.shape(), Some(ShapeKind::DuplicateField));
        assert_eq!(error.line_column(), Some((5, 14)));
        let error = err(&base.replace(r#""on_write": {}"#, r#""on_read": {}"#));
        assert_eq!(error.shape(), Some(ShapeKind::DuplicateField));
        assert_eq!(
            error.path().map(ToString::to_string).as_deref(),
            Some("processes[0].routines.on_read")
        );
    }

    #[test]
    fn overrides_go_through_the_same_checks() {
        let src = std::fs::read_to_string(GOOD).expect("readable");
        let sets = |s: &[(&str, &str)]| -> Vec<(String, String)> {
            s.iter()
                .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
                .collect()
        };
        let scenario = parse_with_overrides(
            GOOD,
            &src,
            &sets(&[("machine.cpus", "4"), ("devices.1.disk.queue", "sstf")]),
        )
        .expect("valid");
        assert_eq!(scenario.machine.cpus, 4);
        assert_eq!(
            scenario.devices[1].as_disk().map(|d| d.queue),
            Some(QueuePolicy::Sstf)
        );

        let error = parse_with_overrides(GOOD, &src, &sets(&[("devices.0.disk.ring_size", "0")]))
            .expect_err("ring_size 0");
        let located = error.located().expect("located");
        assert_eq!(
            located.set_by.as_deref(),
            Some("devices.0.disk.ring_size=0")
        );
        assert!(
            error
                .render()
                .contains("= note: this value was set by --set devices.0.disk.ring_size=0")
        );
        // The splice keeps every line where it was.
        assert_eq!(error.line_column().map(|(line, _)| line), Some(23));

        let error = parse_with_overrides(GOOD, &src, &sets(&[("machine.cpus", "\"many\"")]))
            .expect_err("a string");
        assert_eq!(error.shape(), Some(ShapeKind::WrongType));
        let error = parse_with_overrides(GOOD, &src, &sets(&[("machine.cpus", "many")]))
            .expect_err("not JSON");
        assert!(
            matches!(
                error,
                ScenarioError::Override {
                    problem: OverrideProblem::NotJson { .. },
                    ..
                }
            ),
            "{error:?}"
        );

        let error = parse_with_overrides(
            GOOD,
            &src,
            &sets(&[("devices.0.disk.driver.queue", "scan")]),
        )
        .expect_err("no driver object");
        assert_eq!(
            error,
            ScenarioError::Override {
                set: "devices.0.disk.driver.queue=scan".to_owned(),
                problem: OverrideProblem::UnknownField {
                    within: "devices.0.disk".to_owned(),
                    part: "driver".to_owned(),
                    suggestion: None,
                },
            }
        );
        assert!(
            error
                .render()
                .starts_with("error: --set devices.0.disk.driver.queue=scan: ")
        );
    }

    #[test]
    fn hostile_text_gives_errors_not_panics() {
        for src in [
            "[".repeat(100_000),
            "{".repeat(100_000),
            "\u{feff}".to_owned(),
            "{\"name\": \"\\ud800\"}".to_owned(),
            "\0".to_owned(),
            "{\"devices\": [".to_owned() + &"{\"disk\": ".repeat(200),
        ] {
            let error = err(&src);
            let _ = error.render();
        }
        let src = std::fs::read_to_string(GOOD).expect("readable");
        assert!(parse("bom.json", &format!("\u{feff}{src}")).is_ok());
    }

    /// A message has a fixed size and nothing in it acts on a terminal, whatever the text:
    /// each input here puts a megabyte, or control characters, where a message quotes it.
    #[test]
    fn messages_are_small_and_plain_whatever_the_input() {
        let base = std::fs::read_to_string(GOOD).expect("readable");
        let huge = "\u{1b}[2J\u{202e}".to_owned() + &"x".repeat(1 << 20);
        let json = |text: &str| serde_json::to_string(text).expect("a JSON string");
        let inputs = [
            base.replace(r#""cpus": 2"#, &format!(r#""cpus": {}"#, json(&huge))),
            base.replace(
                r#""cpus": 2"#,
                &format!(r#""cpus": 2{}"#, "9".repeat(1 << 20)),
            ),
            base.replace(r#""cpus": 2"#, &format!(r#"{}: 2"#, json(&huge))),
            base.replace(
                r#""name": "every-op""#,
                &format!(r#""name": {}"#, json(&huge)),
            ),
            base.replace(
                r#"{ "exit": {} }"#,
                &format!(r#"{{ {}: {{}} }}"#, json(&huge)),
            ),
            base.replace(
                r#""queue": "scan""#,
                &format!(r#""queue": {}"#, json(&huge)),
            ),
            base.replace(
                r#""path": "data.bin""#,
                &format!(r#""path": {}"#, json(&huge)),
            ),
            base.replace(r#""file": "f""#, &format!(r#""file": {}"#, json(&huge))),
            base.replace("\n", " ")
                .replace(r#""irq": 14"#, &format!(r#""irq": "{huge}""#)),
            format!("{{\"name\": \"{huge}"),
            format!("{{{}", " ".repeat(1 << 20)),
        ];
        let bound = 8 * 4 * echo::MESSAGE_LINE_CHARS;
        for (i, src) in inputs.iter().enumerate() {
            let rendered = err(src).render();
            assert!(rendered.len() <= bound, "{i}: {} bytes", rendered.len());
            assert!(rendered.lines().count() <= 8, "{i}: {rendered}");
            assert!(
                !rendered
                    .chars()
                    .any(|c| c != '\n' && echo::acts_on_a_terminal(c)),
                "{i}: {rendered:?}"
            );
        }
    }

    #[test]
    fn damaged_text_never_panics() {
        // Delete, or insert a troublesome character at, many positions of a valid scenario
        // that contains multi-byte characters; every result must render.
        let src = std::fs::read_to_string(GOOD)
            .expect("readable")
            .replace("One of each op", "Ünë öf each op");
        let boundaries: Vec<usize> = src.char_indices().map(|(i, _)| i).step_by(5).collect();
        for &i in &boundaries {
            let next = src[i..].chars().next().map_or(0, char::len_utf8);
            let deleted = format!("{}{}", &src[..i], &src[i + next..]);
            for (j, text) in [
                deleted,
                format!("{}\"{}", &src[..i], &src[i..]),
                format!("{}é{}", &src[..i], &src[i..]),
                format!("{}[{}", &src[..i], &src[i..]),
            ]
            .iter()
            .enumerate()
            {
                if let Err(error) = parse("damaged.json", text) {
                    let rendered = error.render();
                    assert!(rendered.starts_with("error: "), "{i}/{j}: {rendered}");
                }
            }
        }
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let error = load(Path::new("tests/no-such-scenario.json")).expect_err("missing");
        assert!(
            matches!(error, ScenarioError::Read { ref file, .. } if file == "tests/no-such-scenario.json")
        );
        assert!(
            error
                .render()
                .starts_with("error: cannot read tests/no-such-scenario.json: ")
        );
    }

    #[test]
    fn validate_errors_can_be_located_later() {
        let src = std::fs::read_to_string(GOOD).expect("readable");
        let mut scenario: Scenario = serde_json::from_str(&src).expect("well-formed");
        scenario.machine.cpus = 0;
        let error = validate(&scenario).expect_err("cpus 0");
        assert_eq!(error.line_column(), None);
        let error = error.locate("good.json", &src);
        assert_eq!(error.line_column(), Some((7, 13)));
    }

    #[test]
    fn the_schema_describes_every_field_and_allows_dollar_schema() {
        let schema = schema();
        assert_eq!(
            schema["$schema"].as_str(),
            Some("https://json-schema.org/draft/2020-12/schema")
        );
        assert_eq!(schema["title"].as_str(), Some("iosim scenario"));
        assert!(schema["properties"]["$schema"].is_object());
        assert_eq!(
            schema["additionalProperties"],
            serde_json::Value::Bool(false)
        );
        assert_eq!(
            schema["$defs"]["Machine"]["properties"]["cpus"]["default"],
            1
        );
        assert_eq!(
            schema["$defs"]["Machine"]["properties"]["cpus"]["maximum"],
            64
        );

        fn undocumented(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
            if let Some(props) = value.get("properties").and_then(|p| p.as_object()) {
                for (name, prop) in props {
                    if prop.get("description").is_none() {
                        out.push(format!("{at}.{name}"));
                    }
                }
            }
            if let Some(object) = value.as_object() {
                for (key, child) in object {
                    undocumented(child, format!("{at}/{key}"), out);
                }
            } else if let Some(array) = value.as_array() {
                for (i, child) in array.iter().enumerate() {
                    undocumented(child, format!("{at}/{i}"), out);
                }
            }
        }
        let mut missing = Vec::new();
        undocumented(&schema, String::new(), &mut missing);
        assert_eq!(missing, Vec::<String>::new());
    }

    #[test]
    fn the_schema_names_the_fields_the_example_uses() {
        // A cheap cross-check that the schema is generated from the same types that parse;
        // full JSON Schema validation is the editor's job.
        let schema = serde_json::to_string(&schema()).expect("serializes");
        for key in [
            "ring_size",
            "max_segment",
            "random_offset",
            "read_overlapped",
            "get_queued",
            "sleep_ex",
        ] {
            assert!(schema.contains(&format!("\"{key}\"")), "{key}");
        }
    }
}
