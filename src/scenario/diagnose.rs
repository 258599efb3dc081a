//! Turning what serde reports into errors a scenario author can act on.
//!
//! serde's messages speak Rust ("unknown variant", "expected u32", "invalid type: unit
//! variant"). This module keeps serde's facts but places them precisely and rewords the
//! cases where the Rust view would mislead: an op object with two keys or none, an op written
//! as a bare string, an array where an object belongs, and a number outside its field's
//! range (serde knows only the Rust type's range, and reads a whole number too large for
//! any integer type as a floating point number).
//!
//! serde's messages quote the input (an unknown field's name, a wrong string value), so
//! every message made here has its quoted parts escaped and clipped.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::echo;
use super::error::{
    ErrorKind, Pointing, ScenarioError, ShapeKind, between_backticks, whole_numbers,
};
use super::field::Field;
use super::path::{JsonPath, PathSegment};
use super::span::{self, Kind};

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
        // A whole number too long even for a floating point number.
        if message == "number out of range"
            && let Some((min, max)) = Field::of(&path).and_then(Field::range)
            && let Some(error) = out_of_range(src, &path, min, max)
        {
            return error.locate_at(name, src, offset);
        }
        let offset = if message.starts_with("expected `,`") {
            after_previous_token(src, offset)
        } else {
            offset
        };
        let message = echo::quoted_parts_clipped(&message);
        return ScenarioError::at(path, ErrorKind::Syntax(message), Pointing::Start)
            .locate_at(name, src, offset);
    }

    let kind = ShapeKind::of(&message);
    if let Some(error) = number(src, &path, kind, &message) {
        return error.locate_at(name, src, offset);
    }
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
    let message = echo::quoted_parts_clipped(&message);
    ScenarioError::at(path, ErrorKind::Shape { kind, message }, pointing)
}

/// Rewords serde's errors about a number where a whole number belongs, with the range the
/// field really takes (from the schema, so from `limits`) instead of its Rust type's:
///
/// - a whole number outside the range, which serde reports as an "invalid value" when it
///   fits some integer type and as an "invalid type: floating point" when it does not
///   (2^64), is out of range;
/// - anything else (a fraction, a string) keeps serde's description, and the range is
///   what was expected.
fn number(src: &str, path: &JsonPath, kind: ShapeKind, message: &str) -> Option<ScenarioError> {
    let (what, rust_type) = message.split_once(", expected ")?;
    let type_range: (u64, u64) = match rust_type {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX),
        _ => return None,
    };
    let (min, max) = Field::of(path).and_then(Field::range).unwrap_or(type_range);
    let beyond = kind == ShapeKind::WrongValue || what.starts_with("invalid type: floating point");
    if beyond && let Some(error) = out_of_range(src, path, min, max) {
        return Some(error);
    }
    let message = format!("{what}, expected {}", whole_numbers(min, max));
    Some(shape(path.clone(), kind, message, Pointing::Value))
}

/// The error for the whole number at `path` lying outside `min..=max`, if a whole number
/// is written there.
fn out_of_range(src: &str, path: &JsonPath, min: u64, max: u64) -> Option<ScenarioError> {
    let literal = span::resolve(src, path)
        .filter(|node| node.kind == Kind::Number)?
        .text(src);
    let digits = literal.strip_prefix('-').unwrap_or(literal);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let message = format!(
        "`{}` = {} is out of range, expected {}",
        field_name(path),
        echo::value(literal),
        whole_numbers(min, max)
    );
    Some(shape(
        path.clone(),
        ShapeKind::WrongValue,
        message,
        Pointing::Value,
    ))
}

/// The name a message gives a field: its key, with the indices after it (`bytes[1]`).
fn field_name(path: &JsonPath) -> String {
    let segments = path.segments();
    let from = segments
        .iter()
        .rposition(|s| matches!(s, PathSegment::Key(_)))
        .unwrap_or(0);
    JsonPath::from_segments(segments[from..].to_vec()).to_string()
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
            "expect" => Some("enum Expectation"),
            _ => None,
        },
        [.., PathSegment::Key(key)] if key == "data" || key == "content" => Some("enum Data"),
        [
            PathSegment::Key(list),
            PathSegment::Index(_),
            PathSegment::Key(_),
            PathSegment::Key(at),
        ] if list == "expect" && at == "at" => Some("enum Moment"),
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
    let written_as_string =
        span::resolve(src, &parent).is_some_and(|node| node.kind == Kind::String);
    if written_as_string {
        let message = format!("invalid type: string {variant:?}, expected {expected}");
        return shape(parent, ShapeKind::WrongType, message, Pointing::Value);
    }
    let what = match expected {
        "enum Op" => "op",
        "enum Device" => "device kind",
        "enum Expectation" => "expectation subject",
        "enum Moment" => "moment",
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
    if !span::is_json(src) {
        return None;
    }
    let object = span::resolve(src, path).filter(|node| node.kind == Kind::Object)?;
    let members: Vec<span::Member<'_>> = object.members(src).take(2).collect();
    let (what, at, pointing) = match members.as_slice() {
        [] => ("no key", path.clone(), Pointing::Value),
        [_] => return None,
        [first, second, ..] => {
            // Point at the second key: the first one is the op serde was reading.
            let pointing = if first.key == second.key {
                Pointing::SecondKey
            } else {
                Pointing::Key
            };
            let at = path.key(&second.key);
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

/// The first array in `src` that stands where an object belongs, as an error. `src` is a
/// scenario serde has read, so it is JSON.
///
/// serde reads the text once more for this, holding only the path to the current value:
/// the check costs no memory in proportion to the file.
pub(crate) fn misplaced_array(src: &str) -> Option<ScenarioError> {
    let mut walk = Walk::default();
    let mut de = serde_json::Deserializer::from_str(src);
    // The walk stops at the first misplaced array, with an error that only says so.
    let _ = Step {
        walk: &mut walk,
        array_allowed: false,
    }
    .deserialize(&mut de);
    let path = walk.misplaced?;
    Some(shape(
        path,
        ShapeKind::WrongType,
        "invalid type: array, expected an object".to_owned(),
        Pointing::Value,
    ))
}

/// Where the walk for [`misplaced_array`] is, and what it found.
#[derive(Default)]
struct Walk {
    /// The path of the value being read.
    path: Vec<PathSegment>,
    /// The path of the first misplaced array.
    misplaced: Option<JsonPath>,
}

/// One value of the walk; arrays are allowed only as the value of a member the format
/// makes an array ([`field::array_keys`](super::field::array_keys)). An array anywhere else
/// is a struct written as a list of its fields, which serde accepts and the format does not.
struct Step<'w> {
    walk: &'w mut Walk,
    array_allowed: bool,
}

impl<'de> DeserializeSeed<'de> for Step<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Step<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let walk = self.walk;
        if !self.array_allowed {
            walk.misplaced = Some(JsonPath::from_segments(walk.path.clone()));
            return Err(de::Error::custom("misplaced array"));
        }
        for index in 0.. {
            walk.path.push(PathSegment::Index(index));
            let step = Step {
                walk: &mut *walk,
                array_allowed: false,
            };
            let more = seq.next_element_seed(step)?;
            walk.path.pop();
            if more.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.walk;
        while let Some(key) = map.next_key::<String>()? {
            let array_allowed = super::field::array_keys().contains(key.as_str());
            walk.path.push(PathSegment::Key(key));
            map.next_value_seed(Step {
                walk: &mut *walk,
                array_allowed,
            })?;
            walk.path.pop();
        }
        Ok(())
    }
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
            let found = match located.kind {
                ErrorKind::Syntax(_) | ErrorKind::NotUtf8 { .. } => None,
                _ => span::find(src, &located.path, located.pointing),
            };
            let span = found.unwrap_or(span::Span {
                start: fallback,
                end: fallback + 1,
            });
            located.location = Some(span::location(src, span));
        }
        ScenarioError::At(located)
    }
}
