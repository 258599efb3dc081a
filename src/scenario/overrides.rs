//! `--set PATH=VALUE`: changing a scenario's JSON before it is parsed.
//!
//! Overrides edit the source text rather than the typed scenario, so an overridden value goes
//! through exactly the same checks, with the same messages, as one written in the file. The
//! edit is a splice: only the overridden value's bytes change, or a new member is added at
//! the end of its object on the same line, so every other line keeps its line number and an
//! error elsewhere still points at the right place in the file.
//!
//! The rules (`scenarios/README.md` states them for instructors):
//!
//! 1. PATH is dot-separated; a part that is a number indexes an array
//!    (`devices.0.disk.queue`).
//! 2. VALUE is JSON when it parses as JSON: `4`, `true`, `"0"`, `{"text": "hi"}`.
//! 3. VALUE that is not JSON is read as a string only where a string is what the field
//!    takes, by the format's schema: a name, or a word such as a queue policy (`scan`
//!    means `"scan"`). Where the schema does not know the field, it is a string when the
//!    value it replaces is a string or there is none (and parsing then reports an unknown
//!    field by name). Anywhere else VALUE is refused, with where the JSON went wrong:
//!    `machine.cpus=two` or `devices=[` is a slip, and turning it into a string would only
//!    move the complaint somewhere less clear.
//! 4. A member that does not exist is added. So are the objects on the way to it, where the
//!    schema has an object: `machine.event_limit=N` works on a scenario without a `machine`
//!    (so the advice the event limit prints works on every scenario). Arrays and their
//!    elements are never created: an index past the end is an error.
//!
//! Finding the place to edit walks the text in place ([`span`]), so an override costs a
//! copy of the text and no more.

use std::borrow::Cow;

use super::error::{OverrideProblem, ScenarioError, nearest_of};
use super::field::Field;
use super::span::{self, Kind, Node, Span};

/// Splits a command-line argument `PATH=VALUE` at its first `=`.
pub fn parse_set(arg: &str) -> Result<(String, String), ScenarioError> {
    match arg.split_once('=') {
        Some((path, value)) => Ok((path.trim().to_owned(), value.to_owned())),
        None => Err(ScenarioError::Override {
            set: arg.to_owned(),
            problem: OverrideProblem::NoEquals,
        }),
    }
}

/// Applies each `(PATH, VALUE)` in order and returns the edited JSON text; without
/// overrides, the text itself.
///
/// A leading byte order mark is dropped. If `src` is not valid JSON it is returned
/// unchanged: parsing it then reports the syntax error with its real position, which is
/// more useful than an override error.
pub fn apply_overrides<'s>(
    src: &'s str,
    sets: &[(String, String)],
) -> Result<Cow<'s, str>, ScenarioError> {
    let mut text = Cow::Borrowed(src.strip_prefix('\u{feff}').unwrap_or(src));
    for (path, value) in sets {
        match apply_one(&text, path, value) {
            Ok(Some(edited)) => text = Cow::Owned(edited),
            Ok(None) => return Ok(text),
            Err(problem) => {
                return Err(ScenarioError::Override {
                    set: format!("{path}={value}"),
                    problem,
                });
            }
        }
    }
    Ok(text)
}

/// The dotted path of the first `n` parts, or "the scenario" for none.
fn dotted_prefix(parts: &[&str], n: usize) -> String {
    if n == 0 {
        "the scenario".to_owned()
    } else {
        parts[..n].join(".")
    }
}

/// One override; `Ok(None)` when the text is not JSON.
fn apply_one(text: &str, path: &str, value: &str) -> Result<Option<String>, OverrideProblem> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(OverrideProblem::EmptyPart);
    }
    if !span::is_json(text) {
        return Ok(None);
    }
    let Some(root) = span::root(text) else {
        return Ok(None);
    };
    let (last, parents) = parts.split_last().ok_or(OverrideProblem::EmptyPart)?;

    let mut node = root;
    let mut field = Some(Field::root());
    for (depth, part) in parents.iter().enumerate() {
        node = match node.kind {
            Kind::Object => match span::member(text, node, part, false) {
                Some(member) => member.value,
                None => return insert(text, node, field, &parts, depth, value).map(Some),
            },
            Kind::Array => element(text, node, part, &dotted_prefix(&parts, depth))?,
            kind => {
                return Err(OverrideProblem::NotContainer {
                    at: dotted_prefix(&parts, depth),
                    found: kind.described(),
                    part: (*part).to_owned(),
                });
            }
        };
        field = field.and_then(|f| f.child(part));
    }

    let target = match node.kind {
        Kind::Object => match span::member(text, node, last, false) {
            Some(member) => member.value,
            None => return insert(text, node, field, &parts, parents.len(), value).map(Some),
        },
        Kind::Array => element(text, node, last, &dotted_prefix(&parts, parents.len()))?,
        kind => {
            return Err(OverrideProblem::NotContainer {
                at: dotted_prefix(&parts, parents.len()),
                found: kind.described(),
                part: (*last).to_owned(),
            });
        }
    };
    let field = field.and_then(|f| f.child(last));
    let new = value_text(value, field, Some(target.kind), path)?;
    Ok(Some(splice(text, target.span, &new)))
}

/// Adds the member `parts[from]` to `object` (whose field is `field`), with the missing
/// objects `parts[from + 1..]` inside it and VALUE at the end.
fn insert(
    text: &str,
    object: Node,
    mut field: Option<Field>,
    parts: &[&str],
    from: usize,
    value: &str,
) -> Result<String, OverrideProblem> {
    let last = parts.len() - 1;
    for (k, part) in parts.iter().enumerate().take(last).skip(from) {
        match field.and_then(|f| f.child(part)) {
            Some(child) if child.is_object() => field = Some(child),
            Some(child) => {
                return Err(OverrideProblem::NotCreated {
                    at: parts[..=k].join("."),
                    takes: child.described(),
                });
            }
            None => {
                let names = field.map(Field::names).unwrap_or_default();
                return Err(OverrideProblem::UnknownField {
                    within: dotted_prefix(parts, k),
                    part: (*part).to_owned(),
                    suggestion: nearest_of(part, names).map(str::to_owned),
                });
            }
        }
    }
    let field = field.and_then(|f| f.child(parts[last]));
    let mut new = value_text(value, field, None, &parts.join("."))?;
    for part in parts[from + 1..].iter().rev() {
        new = format!("{{{}: {new}}}", json_string(part));
    }
    let member = format!("{}: {new}", json_string(parts[from]));
    Ok(match object.members(text).last() {
        Some(previous) => {
            let end = previous.value.span.end;
            splice(text, Span { start: end, end }, &format!(", {member}"))
        }
        None => {
            let open = object.span.start + 1;
            splice(
                text,
                Span {
                    start: open,
                    end: open,
                },
                &member,
            )
        }
    })
}

/// The element of `array` that `part` indexes.
fn element(text: &str, array: Node, part: &str, at: &str) -> Result<Node, OverrideProblem> {
    let index: usize = part.parse().map_err(|_| OverrideProblem::NotAnIndex {
        at: at.to_owned(),
        part: part.to_owned(),
    })?;
    array
        .elements(text)
        .nth(index)
        .ok_or_else(|| OverrideProblem::IndexOutOfRange {
            at: at.to_owned(),
            index,
            len: array.elements(text).count(),
        })
}

/// The JSON text to splice in for VALUE, by the rules in the module doc. `field` is what
/// the schema says of the path `at`, `existing` the type of the value VALUE replaces.
fn value_text(
    value: &str,
    field: Option<Field>,
    existing: Option<Kind>,
    at: &str,
) -> Result<String, OverrideProblem> {
    let error = match serde_json::from_str::<serde::de::IgnoredAny>(value) {
        // JSON has line breaks only between tokens: a space keeps every line in place.
        Ok(_) => return Ok(value.trim().replace(['\n', '\r'], " ")),
        Err(error) => error,
    };
    let takes_string = match field {
        Some(field) => field.takes_string(),
        None => existing.is_none_or(|kind| kind == Kind::String),
    };
    if takes_string {
        return Ok(json_string(value));
    }
    let reason = if value.trim().is_empty() {
        "it is empty".to_owned()
    } else {
        let full = error.to_string();
        let message = full.split(" at line ").next().unwrap_or(&full);
        format!("{message} at character {}", error.column())
    };
    let takes = match (field, existing) {
        (Some(field), _) => field.described(),
        (None, Some(kind)) => kind.described().to_owned(),
        (None, None) => "a value".to_owned(),
    };
    Err(OverrideProblem::NotJson {
        value: value.to_owned(),
        reason,
        at: at.to_owned(),
        takes,
    })
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `text` with the bytes of `span` replaced by `insert`.
fn splice(text: &str, span: Span, insert: &str) -> String {
    let mut edited = String::with_capacity(text.len() + insert.len());
    edited.push_str(&text[..span.start]);
    edited.push_str(insert);
    edited.push_str(&text[span.end..]);
    edited
}

/// The dotted override path of a JSON path, for matching errors with the `--set` behind them.
pub(crate) fn dotted(path: &super::path::JsonPath) -> String {
    use super::path::PathSegment;
    path.segments()
        .iter()
        .map(|s| match s {
            PathSegment::Key(key) => key.clone(),
            PathSegment::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(src: &str, path: &str, value: &str) -> Result<String, ScenarioError> {
        apply_overrides(src, &[(path.to_owned(), value.to_owned())]).map(Cow::into_owned)
    }

    fn problem(result: Result<String, ScenarioError>) -> OverrideProblem {
        match result {
            Err(ScenarioError::Override { problem, .. }) => problem,
            other => panic!("expected an override error, got {other:?}"),
        }
    }

    #[test]
    fn replaces_an_existing_value_in_place() {
        let src = "{\n  \"machine\": {\"cpus\": 1},\n  \"x\": 2\n}";
        let out = set(src, "machine.cpus", "4").unwrap();
        assert_eq!(out, "{\n  \"machine\": {\"cpus\": 4},\n  \"x\": 2\n}");
    }

    #[test]
    fn no_overrides_no_copy() {
        let src = r#"{"name": "x"}"#;
        assert!(matches!(apply_overrides(src, &[]), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn indexes_arrays_with_numbers() {
        let src = r#"{"devices": [{"disk": {"queue": "fifo"}}]}"#;
        let out = set(src, "devices.0.disk.queue", "scan").unwrap();
        assert_eq!(out, r#"{"devices": [{"disk": {"queue": "scan"}}]}"#);
    }

    #[test]
    fn json_stays_json() {
        let src = r#"{"seed": 1, "files": [{"content": null}]}"#;
        assert_eq!(
            set(src, "seed", " 12 ").unwrap(),
            r#"{"seed": 12, "files": [{"content": null}]}"#
        );
        assert_eq!(
            set(src, "files.0.content", "{\"text\":\n \"hi\"}").unwrap(),
            r#"{"seed": 1, "files": [{"content": {"text":  "hi"}}]}"#
        );
        assert_eq!(
            set(src, "seed", "\"0\"").unwrap(),
            r#"{"seed": "0", "files": [{"content": null}]}"#
        );
    }

    #[test]
    fn bare_words_are_strings_where_the_field_takes_a_string() {
        let src = r#"{"name": "x", "devices": [{"disk": {"name": "d"}}]}"#;
        assert_eq!(
            set(src, "name", "say \"hi\"").unwrap(),
            r#"{"name": "say \"hi\"", "devices": [{"disk": {"name": "d"}}]}"#
        );
        let out = set(src, "devices.0.disk.queue", "scan").unwrap();
        assert!(out.contains(r#""queue": "scan""#), "{out}");
        // Unknown to the schema: a string, and parsing names the unknown field.
        let out = set(src, "devices.0.disk.colour", "red").unwrap();
        assert!(out.contains(r#""colour": "red""#), "{out}");
    }

    #[test]
    fn other_fields_refuse_what_is_not_json() {
        let src = r#"{"name": "x", "files": [{"name": "f"}]}"#;
        assert_eq!(
            problem(set(src, "machine.cpus", "two")),
            OverrideProblem::NotJson {
                value: "two".to_owned(),
                reason: "expected ident at character 2".to_owned(),
                at: "machine.cpus".to_owned(),
                takes: "a whole number from 1 to 64".to_owned(),
            }
        );
        let got = problem(set(src, "files.0.content", "{\"text\": hi}"));
        assert!(
            matches!(&got, OverrideProblem::NotJson { reason, takes, .. }
                if reason == "expected value at character 10"
                    && takes == "an object with one key: `text`, `bytes` or `repeat`"),
            "{got:?}"
        );
        let got = problem(set(src, "files", "["));
        assert!(
            matches!(&got, OverrideProblem::NotJson { takes, .. } if takes == "an array"),
            "{got:?}"
        );
        let got = problem(set(src, "seed", ""));
        assert!(
            matches!(&got, OverrideProblem::NotJson { reason, .. } if reason == "it is empty"),
            "{got:?}"
        );
    }

    #[test]
    fn adds_a_member_to_an_existing_object() {
        let src = r#"{"machine": {"cpus": 1}}"#;
        let out = set(src, "machine.event_limit", "100").unwrap();
        assert_eq!(out, r#"{"machine": {"cpus": 1, "event_limit": 100}}"#);
        let out = set(r#"{"machine": {}}"#, "machine.cpus", "2").unwrap();
        assert_eq!(out, r#"{"machine": {"cpus": 2}}"#);
    }

    #[test]
    fn creates_missing_objects_the_schema_has() {
        let out = set(r#"{"name": "x"}"#, "machine.event_limit", "100").unwrap();
        assert_eq!(out, r#"{"name": "x", "machine": {"event_limit": 100}}"#);
        let out = set(r#"{"machine": {}}"#, "machine.costs.isr_ns", "5").unwrap();
        assert_eq!(out, r#"{"machine": {"costs": {"isr_ns": 5}}}"#);
        let src = r#"{"processes": [{"name": "p"}]}"#;
        let out = set(src, "processes.0.routines.done.cost_ns", "7").unwrap();
        assert_eq!(
            out,
            r#"{"processes": [{"name": "p", "routines": {"done": {"cost_ns": 7}}}]}"#
        );
    }

    #[test]
    fn creates_no_arrays_and_nothing_the_schema_lacks() {
        assert_eq!(
            problem(set(r#"{"name": "x"}"#, "files.0.name", "f")),
            OverrideProblem::NotCreated {
                at: "files".to_owned(),
                takes: "an array".to_owned()
            }
        );
        assert_eq!(
            problem(set(r#"{"name": "x"}"#, "machin.cpus", "2")),
            OverrideProblem::UnknownField {
                within: "the scenario".to_owned(),
                part: "machin".to_owned(),
                suggestion: Some("machine".to_owned())
            }
        );
        assert_eq!(
            problem(set(r#"{"machine": {}}"#, "machine.cost.isr_ns", "2")),
            OverrideProblem::UnknownField {
                within: "machine".to_owned(),
                part: "cost".to_owned(),
                suggestion: Some("costs".to_owned())
            }
        );
    }

    #[test]
    fn rejects_bad_indices() {
        let src = r#"{"devices": [{"disk": {}}]}"#;
        assert_eq!(
            problem(set(src, "devices.3.disk.irq", "1")),
            OverrideProblem::IndexOutOfRange {
                at: "devices".to_owned(),
                index: 3,
                len: 1
            }
        );
        assert_eq!(
            problem(set(src, "devices.first.disk", "1")),
            OverrideProblem::NotAnIndex {
                at: "devices".to_owned(),
                part: "first".to_owned()
            }
        );
    }

    #[test]
    fn rejects_paths_through_scalars_and_empty_parts() {
        let src = r#"{"name": "x"}"#;
        assert_eq!(
            problem(set(src, "name.first", "1")),
            OverrideProblem::NotContainer {
                at: "name".to_owned(),
                found: "a string",
                part: "first".to_owned()
            }
        );
        assert_eq!(problem(set(src, "a..b", "1")), OverrideProblem::EmptyPart);
    }

    #[test]
    fn leaves_malformed_json_for_the_parser_to_report() {
        assert_eq!(set("{", "a", "1").unwrap(), "{");
        let deep = "[".repeat(100_000);
        assert_eq!(set(&deep, "a", "1").unwrap(), deep);
    }

    #[test]
    fn splits_set_arguments_at_the_first_equals() {
        assert_eq!(
            parse_set("files.0.content={\"text\": \"a=b\"}").unwrap(),
            (
                "files.0.content".to_owned(),
                "{\"text\": \"a=b\"}".to_owned()
            )
        );
        assert!(matches!(
            parse_set("machine.cpus"),
            Err(ScenarioError::Override {
                problem: OverrideProblem::NoEquals,
                ..
            })
        ));
    }
}
