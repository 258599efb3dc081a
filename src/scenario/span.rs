//! Finding a JSON path's place in the source text.
//!
//! serde reports where it stopped reading, which for a wrong value is just past the value and
//! for a missing field is the closing brace; and `validate` works on typed values that have
//! no position at all. So every located error is placed by walking the path through a
//! syntax tree of the source (jsonc-parser, in strict JSON mode) and taking the byte range
//! of the value, or of a member's name, there.

use jsonc_parser::ast::{ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::error::{Location, Pointing};
use super::path::{JsonPath, PathSegment};

/// Byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

/// Parser options that accept exactly standard JSON, like serde_json.
pub(crate) fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Deepest nesting `parse` accepts. serde_json stops at 128 levels; the syntax tree is built
/// recursively, so text nested deeper than this is never handed to it.
const MAX_DEPTH: usize = 256;

/// Parses `src` into a syntax tree, or `None` if it is not JSON or is nested too deeply.
pub(crate) fn parse(src: &str) -> Option<Value<'_>> {
    if nesting_depth(src) > MAX_DEPTH {
        return None;
    }
    parse_to_ast(src, &CollectOptions::default(), &strict())
        .ok()?
        .value
}

/// The deepest bracket nesting in `src`, ignoring brackets inside strings.
fn nesting_depth(src: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in src.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The member of `object` named `key`: the first such member, or the second for `second`.
pub(crate) fn member<'v, 'a>(
    object: &'v jsonc_parser::ast::Object<'a>,
    key: &str,
    second: bool,
) -> Option<&'v ObjectProp<'a>> {
    let mut matches = object.properties.iter().filter(|p| p.name.as_str() == key);
    let first = matches.next()?;
    if second { matches.next() } else { Some(first) }
}

/// The value one step below `value`, if that step exists.
fn child<'v, 'a>(value: &'v Value<'a>, segment: &PathSegment) -> Option<&'v Value<'a>> {
    match (value, segment) {
        (Value::Object(object), PathSegment::Key(key)) => {
            member(object, key, false).map(|p| &p.value)
        }
        (Value::Array(array), PathSegment::Index(index)) => array.elements.get(*index),
        _ => None,
    }
}

/// The value at `path`, if the document has one there.
pub(crate) fn resolve<'v, 'a>(root: &'v Value<'a>, path: &JsonPath) -> Option<&'v Value<'a>> {
    path.segments()
        .iter()
        .try_fold(root, |value, segment| child(value, segment))
}

/// The byte range to mark for `path` pointed at as `pointing`. When the path goes deeper
/// than the document (a value that was never written, e.g. a default), the deepest value
/// that exists is used, pointed at by its first character.
pub(crate) fn find(root: &Value<'_>, path: &JsonPath, pointing: Pointing) -> Span {
    let segments = path.segments();
    let (parent_segments, last) = match segments.split_last() {
        Some((last, rest)) if matches!(pointing, Pointing::Key | Pointing::SecondKey) => {
            (rest, Some(last))
        }
        _ => (segments, None),
    };
    let mut value = root;
    for segment in parent_segments {
        match child(value, segment) {
            Some(next) => value = next,
            None => return start_of(value),
        }
    }
    if let (Some(PathSegment::Key(key)), Value::Object(object)) = (last, value) {
        let second = pointing == Pointing::SecondKey;
        if let Some(prop) = member(object, key, second) {
            let range = prop.name.range();
            return Span {
                start: range.start,
                end: range.end,
            };
        }
    }
    match pointing {
        Pointing::Value => {
            let range = value.range();
            Span {
                start: range.start,
                end: range.end,
            }
        }
        _ => start_of(value),
    }
}

fn start_of(value: &Value<'_>) -> Span {
    let start = value.range().start;
    Span {
        start,
        end: start + 1,
    }
}

/// Line, column and source line of a byte range. The marker covers the range when it stays
/// on one line, and one character otherwise.
pub(crate) fn location(src: &str, span: Span) -> Location {
    let start = floor_char_boundary(src, span.start.min(src.len()));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = src[..start].matches('\n').count() + 1;
    let column = src[line_start..start].chars().count() + 1;
    let end = floor_char_boundary(src, span.end.min(src.len()));
    let width = if end > start && end <= line_end {
        src[start..end].chars().count()
    } else {
        1
    };
    Location {
        line,
        column,
        width,
        source_line: src[line_start..line_end].trim_end_matches('\r').to_owned(),
    }
}

/// Byte offset of serde_json's (line, column): its column counts bytes from the start of
/// the line and names the byte just read, so column 1 is the line's first byte.
pub(crate) fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut line_start = 0;
    for _ in 1..line {
        match src[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => break,
        }
    }
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    (line_start + column.saturating_sub(1)).min(line_end)
}

/// The largest char boundary at or before `i`.
pub(crate) fn floor_char_boundary(src: &str, mut i: usize) -> usize {
    while i > 0 && !src.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "{\n  \"a\": [1, {\"b\": \"xy\"}],\n  \"c\": {\n    \"d\": 2\n  }\n}\n";

    fn locate(path: &JsonPath, pointing: Pointing) -> Location {
        let root = parse(SRC).expect("valid json");
        location(SRC, find(&root, path, pointing))
    }

    #[test]
    fn finds_a_value_inside_arrays_and_objects() {
        let at = locate(
            &JsonPath::root().key("a").index(1).key("b"),
            Pointing::Value,
        );
        assert_eq!((at.line, at.column, at.width), (2, 18, 4));
        assert_eq!(at.source_line, "  \"a\": [1, {\"b\": \"xy\"}],");
    }

    #[test]
    fn points_at_a_member_name() {
        let at = locate(&JsonPath::root().key("c").key("d"), Pointing::Key);
        assert_eq!((at.line, at.column, at.width), (4, 5, 3));
    }

    #[test]
    fn multi_line_values_get_a_one_character_marker() {
        let at = locate(&JsonPath::root().key("c"), Pointing::Value);
        assert_eq!((at.line, at.column, at.width), (3, 8, 1));
    }

    #[test]
    fn a_path_past_the_document_stops_at_the_deepest_value() {
        let at = locate(
            &JsonPath::root().key("c").key("zzz").key("y"),
            Pointing::Value,
        );
        assert_eq!((at.line, at.column), (3, 8));
    }

    #[test]
    fn serde_positions_map_to_offsets() {
        assert_eq!(offset_of(SRC, 1, 1), 0);
        assert_eq!(offset_of(SRC, 2, 3), 4);
        assert_eq!(offset_of(SRC, 2, 999), SRC.find("],").unwrap() + 2);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_none());
        assert_eq!(nesting_depth(r#"{"a": "[[[", "b": [{}]}"#), 3);
        assert_eq!(nesting_depth(r#"["\\\"[", 1]"#), 1);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "{\"é\": \"ü\", \"x\": 1}";
        let root = parse(src).unwrap();
        let at = location(
            src,
            find(&root, &JsonPath::root().key("x"), Pointing::Value),
        );
        assert_eq!(at.column, 17);
    }
}
