//! Turning what serde reports into errors a scenario author can act on.
//!
//! serde's messages speak Rust ("unknown variant", "expected u32", "invalid type: unit
//! variant"). This module keeps serde's facts but places them precisely and rewords the few
//! cases where the Rust view would mislead: an op object with two keys or none, an op written
//! as a bare string, and an array where an object belongs.

use jsonc_parser::ast::Value;

use super::error::{ErrorKind, Pointing, ScenarioError, ShapeKind, between_backticks};
use super::path::{JsonPath, PathSegment};
use super::span;

/// A located error from a serde_json failure at `path`.
pub(crate) fn from_serde(
    name: &str,
    src: &str,
    path: JsonPath,
    error: serde_json::Error,
) -> ScenarioError {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let offset = span::offset_of(src, error.line(), error.column());

    if error.classify() != serde_json::error::Category::Data {
        if let Some(shape) = not_one_key(src, &path, &message) {
            return shape.locate(name, src);
        }
        let offset = if message.starts_with("expected `,`") {
            after_previous_token(src, offset)
        } else {
            offset
        };
        return ScenarioError::at(path, ErrorKind::Syntax(message), Pointing::Start)
            .locate_at(name, src, offset);
    }

    let kind = ShapeKind::of(&message);
    let named = between_backticks(&message).map(str::to_owned);
    let error = match (kind, named) {
        (ShapeKind::UnknownVariant, Some(variant)) => {
            unknown_variant(src, path, &variant, &message)
        }
        (ShapeKind::UnknownField, Some(field)) => {
            shape(with_last_key(path, &field), kind, message, Pointing::Key)
        }
        (ShapeKind::DuplicateField, Some(field)) => shape(
            with_last_key(path, &field),
            kind,
            message,
            Pointing::SecondKey,
        ),
        (ShapeKind::MissingField, _) => shape(path, kind, message, Pointing::Start),
        (ShapeKind::WrongType, _) if message.starts_with("invalid type: unit variant") => {
            // `"read"` where `{"read": {...}}` belongs: serde took the string as a variant
            // name and then missed its arguments. Report it as the wrong type it is.
            let variant = match path.segments().last() {
                Some(PathSegment::Key(key)) => key.clone(),
                _ => String::new(),
            };
            let parent = path.parent();
            let expected = enum_of(&parent).unwrap_or("an object");
            shape(
                parent,
                ShapeKind::WrongType,
                format!("invalid type: string {variant:?}, expected {expected}"),
                Pointing::Value,
            )
        }
        (ShapeKind::WrongValue, _) if message.starts_with("invalid length") => {
            // serde lets a struct be read from an array of its fields in order; the format
            // does not, and the honest complaint is the type.
            let expected = message
                .split(", expected ")
                .nth(1)
                .and_then(|e| e.split(" with ").next())
                .unwrap_or("an object")
                .to_owned();
            shape(
                path,
                ShapeKind::WrongType,
                format!("invalid type: array, expected {expected}"),
                Pointing::Value,
            )
        }
        _ => shape(path, kind, message, Pointing::Value),
    };
    error.locate_at(name, src, offset)
}

fn shape(path: JsonPath, kind: ShapeKind, message: String, pointing: Pointing) -> ScenarioError {
    ScenarioError::at(path, ErrorKind::Shape { kind, message }, pointing)
}

/// `path` ending in `key`: serde_path_to_error includes the offending member for some errors
/// and stops at the object for others.
fn with_last_key(path: JsonPath, key: &str) -> JsonPath {
    match path.segments().last() {
        Some(PathSegment::Key(last)) if last == key => path,
        _ => path.key(key),
    }
}

/// The serde name of the externally tagged enum expected at `path`, judged by where the
/// value sits: list elements of `program` and `ops` are ops, of `devices` devices; `data` and
/// `content` hold data.
fn enum_of(path: &JsonPath) -> Option<&'static str> {
    match path.segments() {
        [.., PathSegment::Key(list), PathSegment::Index(_)] => match list.as_str() {
            "program" | "ops" => Some("enum Op"),
            "devices" => Some("enum Device"),
            _ => None,
        },
        [.., PathSegment::Key(key)] if key == "data" || key == "content" => Some("enum Data"),
        _ => None,
    }
}

/// Rewords "unknown variant": an op, a device kind, a data kind, or an enumerated word such
/// as a queue policy; and a plain string where an op object belongs.
fn unknown_variant(src: &str, path: JsonPath, variant: &str, message: &str) -> ScenarioError {
    let path = with_last_key(path, variant);
    let parent = path.parent();
    let tail = message
        .find(", expected ")
        .map_or("", |i| &message[i..])
        .to_owned();
    let Some(expected) = enum_of(&parent) else {
        let message = format!("unknown value `{variant}`{tail}");
        return shape(parent, ShapeKind::UnknownVariant, message, Pointing::Value);
    };
    let written_as_string = span::parse(src)
        .and_then(|root| span::resolve(&root, &parent).map(|v| matches!(v, Value::StringLit(_))))
        .unwrap_or(false);
    if written_as_string {
        let message = format!("invalid type: string {variant:?}, expected {expected}");
        return shape(parent, ShapeKind::WrongType, message, Pointing::Value);
    }
    let what = match expected {
        "enum Op" => "op",
        "enum Device" => "device kind",
        _ => "data kind",
    };
    let message = format!("unknown {what} `{variant}`{tail}");
    shape(path, ShapeKind::UnknownVariant, message, Pointing::Key)
}

/// serde_json says only "expected value" when an externally tagged enum's object has a
/// second key, or none. When the text is JSON after all, say what is really wrong.
fn not_one_key(src: &str, path: &JsonPath, message: &str) -> Option<ScenarioError> {
    if message != "expected value" {
        return None;
    }
    let expected = enum_of(path)?;
    let root = span::parse(src)?;
    let Value::Object(object) = span::resolve(&root, path)? else {
        return None;
    };
    let (what, at, pointing) = match object.properties.as_slice() {
        [] => ("no key", path.clone(), Pointing::Value),
        [_] => return None,
        [first, second, ..] => {
            // Point at the second key: the first one is the op serde was reading.
            let pointing = if first.name.as_str() == second.name.as_str() {
                Pointing::SecondKey
            } else {
                Pointing::Key
            };
            let at = path.key(second.name.as_str());
            ("a second key", at, pointing)
        }
    };
    let message = format!("{what} in an object that takes exactly one, expected {expected}");
    Some(shape(at, ShapeKind::NotOneKey, message, pointing))
}

/// The offset just after the last non-blank character before `offset`: where a missing
/// comma belongs.
fn after_previous_token(src: &str, offset: usize) -> usize {
    let before = &src[..span::floor_char_boundary(src, offset.min(src.len()))];
    match before.trim_end().len() {
        0 => offset,
        end => end,
    }
}

/// Keys whose values are arrays in the format; an array anywhere else is a struct written
/// as a list of its fields, which serde accepts and the format does not.
const ARRAY_KEYS: [&str; 7] = [
    "devices",
    "files",
    "processes",
    "threads",
    "program",
    "ops",
    "bytes",
];

/// The first array in `src` that stands where an object belongs, as an error.
pub(crate) fn misplaced_array(src: &str) -> Option<ScenarioError> {
    fn walk(value: &Value<'_>, path: &JsonPath, key: Option<&str>) -> Option<JsonPath> {
        match value {
            Value::Array(array) => {
                if !key.is_some_and(|k| ARRAY_KEYS.contains(&k)) {
                    return Some(path.clone());
                }
                array
                    .elements
                    .iter()
                    .enumerate()
                    .find_map(|(i, element)| walk(element, &path.index(i), None))
            }
            Value::Object(object) => object.properties.iter().find_map(|prop| {
                let name = prop.name.as_str();
                walk(&prop.value, &path.key(name), Some(name))
            }),
            _ => None,
        }
    }
    let root = span::parse(src)?;
    let path = walk(&root, &JsonPath::root(), None)?;
    Some(shape(
        path,
        ShapeKind::WrongType,
        "invalid type: array, expected an object".to_owned(),
        Pointing::Value,
    ))
}

impl ScenarioError {
    /// Attaches the file name and, from the source text, the line, column and source line of
    /// the error's path. Use it on errors from [`validate`](super::validate()) when you have
    /// the text.
    pub fn locate(self, name: &str, src: &str) -> Self {
        self.locate_at(name, src, 0)
    }

    /// [`locate`](Self::locate), with a byte offset to use when the text has no syntax tree
    /// (malformed JSON).
    fn locate_at(self, name: &str, src: &str, fallback: usize) -> Self {
        let ScenarioError::At(mut located) = self else {
            return self;
        };
        located.file = name.to_owned();
        if located.location.is_none() {
            let tree = match located.kind {
                ErrorKind::Syntax(_) => None,
                _ => span::parse(src),
            };
            let found = tree.map(|root| span::find(&root, &located.path, located.pointing));
            let span = found.unwrap_or(span::Span {
                start: fallback,
                end: fallback + 1,
            });
            located.location = Some(span::location(src, span));
        }
        ScenarioError::At(located)
    }
}
