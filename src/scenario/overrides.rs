//! `--set PATH=VALUE`: changing a scenario's JSON before it is parsed.
//!
//! Overrides edit the source text rather than the typed scenario, so an overridden value goes
//! through exactly the same checks, with the same messages, as one written in the file. The
//! edit is a splice: only the overridden value's bytes change, so every other line keeps its
//! line number and an error elsewhere still points at the right place in the file.
//!
//! PATH is dot-separated; a part that is a number indexes an array (`devices.0.disk.queue`).
//! VALUE is JSON when it parses as JSON (`4`, `true`, `{"text": "hi"}`), and otherwise a
//! bare string (`scan` means `"scan"`). A member that does not exist yet is added, but only
//! when the object it belongs in exists: `machine.cpus=2` needs a `machine` object.

use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

use super::error::{OverrideProblem, ScenarioError};
use super::span;

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

/// Applies each `(PATH, VALUE)` in order and returns the edited JSON text.
///
/// A leading byte order mark is dropped. If `src` is not valid JSON it is returned unchanged: parsing it then reports the syntax
/// error with its real position, which is more useful than an override error.
pub fn apply_overrides(src: &str, sets: &[(String, String)]) -> Result<String, ScenarioError> {
    let mut text = src.strip_prefix('\u{feff}').unwrap_or(src).to_owned();
    for (path, value) in sets {
        match apply_one(&text, path, value) {
            Ok(Some(edited)) => text = edited,
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

/// The JSON text to splice in for VALUE.
fn value_text(value: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(json) if value.contains(['\n', '\r']) => json.to_string(),
        Ok(_) => value.trim().to_owned(),
        Err(_) => serde_json::Value::String(value.to_owned()).to_string(),
    }
}

fn kind_of(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::NullKeyword(_) => "null",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
    }
}

/// One override; `Ok(None)` when the text is not JSON.
fn apply_one(text: &str, path: &str, value: &str) -> Result<Option<String>, OverrideProblem> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(OverrideProblem::EmptyPart);
    }
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return Ok(None);
    }
    // serde_json accepted the text, so the (strict) syntax tree must exist too.
    let root = span::parse(text).ok_or(OverrideProblem::Unparsable)?;
    let new_value = value_text(value);
    let (last, parents) = parts.split_last().ok_or(OverrideProblem::EmptyPart)?;

    let mut current = &root;
    for (depth, part) in parents.iter().enumerate() {
        let at = || parts[..=depth].join(".");
        let here = || {
            if depth == 0 {
                "the scenario".to_owned()
            } else {
                parts[..depth].join(".")
            }
        };
        current = match current {
            Value::Object(object) => match span::member(object, part, false) {
                Some(prop) => &prop.value,
                None => return Err(OverrideProblem::Missing { at: at() }),
            },
            Value::Array(array) => &array.elements[index(array.elements.len(), part, here)?],
            scalar => {
                return Err(OverrideProblem::NotContainer {
                    at: here(),
                    found: kind_of(scalar),
                    part: (*part).to_owned(),
                });
            }
        };
    }

    let here = || {
        if parents.is_empty() {
            "the scenario".to_owned()
        } else {
            parents.join(".")
        }
    };
    let (start, end, insert) = match current {
        Value::Object(object) => match span::member(object, last, false) {
            Some(prop) => {
                let range = prop.value.range();
                (range.start, range.end, new_value)
            }
            None => {
                let key = serde_json::Value::String((*last).to_owned()).to_string();
                match object.properties.last() {
                    Some(prop) => {
                        let end = prop.range.end;
                        (end, end, format!(", {key}: {new_value}"))
                    }
                    None => {
                        let open = object.range.start + 1;
                        (open, open, format!("{key}: {new_value}"))
                    }
                }
            }
        },
        Value::Array(array) => {
            let range = array.elements[index(array.elements.len(), last, here)?].range();
            (range.start, range.end, new_value)
        }
        scalar => {
            return Err(OverrideProblem::NotContainer {
                at: here(),
                found: kind_of(scalar),
                part: (*last).to_owned(),
            });
        }
    };
    let mut edited = String::with_capacity(text.len() + insert.len());
    edited.push_str(&text[..start]);
    edited.push_str(&insert);
    edited.push_str(&text[end..]);
    Ok(Some(edited))
}

/// An array index within `len`, or the reason it is not one.
fn index(len: usize, part: &str, at: impl Fn() -> String) -> Result<usize, OverrideProblem> {
    let index: usize = part.parse().map_err(|_| OverrideProblem::NotAnIndex {
        at: at(),
        part: part.to_owned(),
    })?;
    if index >= len {
        return Err(OverrideProblem::IndexOutOfRange {
            at: at(),
            index,
            len,
        });
    }
    Ok(index)
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
        apply_overrides(src, &[(path.to_owned(), value.to_owned())])
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
    fn indexes_arrays_with_numbers() {
        let src = r#"{"devices": [{"disk": {"queue": "fifo"}}]}"#;
        let out = set(src, "devices.0.disk.queue", "scan").unwrap();
        assert_eq!(out, r#"{"devices": [{"disk": {"queue": "scan"}}]}"#);
    }

    #[test]
    fn bare_words_become_strings_and_json_stays_json() {
        assert_eq!(value_text("scan"), "\"scan\"");
        assert_eq!(value_text("12"), "12");
        assert_eq!(value_text("true"), "true");
        assert_eq!(value_text(r#"{"text": "hi"}"#), r#"{"text": "hi"}"#);
        assert_eq!(value_text("say \"hi\""), r#""say \"hi\"""#);
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
    fn will_not_create_a_missing_parent() {
        let got = problem(set(r#"{"name": "x"}"#, "machine.cpus", "2"));
        assert_eq!(
            got,
            OverrideProblem::Missing {
                at: "machine".to_owned()
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
