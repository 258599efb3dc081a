//! Finding a JSON path's place in the source text.
//!
//! serde reports where it stopped reading, which for a wrong value is just past the value and
//! for a missing field is the closing brace; and `validate` works on typed values that have
//! no position at all. So every located error is placed by walking the path through the
//! source text and taking the byte range of the value, or of a member's name, there.
//!
//! The walk reads the text in place and skips the values it passes, holding only positions:
//! finding a path costs no memory whatever the size of the file (a syntax tree of the whole
//! document, which this module once built, costs about 40 times the text). It expects JSON
//! (callers check with [`is_json`] first) and, on text that is not, finds less rather than
//! failing.

use std::borrow::Cow;

use super::error::{Location, Pointing};
use super::path::{JsonPath, PathSegment};

/// Byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
}

impl Kind {
    /// The type in words, with its article: "an object".
    pub(crate) fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Boolean => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// A value in the source: where it is and what type it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node {
    pub span: Span,
    pub kind: Kind,
}

/// A member of an object: its name's place, the name decoded, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member<'s> {
    pub name: Span,
    pub key: Cow<'s, str>,
    pub value: Node,
}

/// True when `src` is one JSON value, as serde_json reads it. Checking costs time in
/// proportion to the text and no memory beyond the nesting depth.
pub(crate) fn is_json(src: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(src).is_ok()
}

/// The document's top-level value.
pub(crate) fn root(src: &str) -> Option<Node> {
    value_at(src, skip_blank(src.as_bytes(), 0))
}

fn skip_blank(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The value that starts at byte `i`.
fn value_at(src: &str, i: usize) -> Option<Node> {
    let bytes = src.as_bytes();
    let (kind, end) = match bytes.get(i)? {
        b'{' => (Kind::Object, container_end(bytes, i)?),
        b'[' => (Kind::Array, container_end(bytes, i)?),
        b'"' => (Kind::String, string_end(bytes, i)?),
        b't' | b'f' => (Kind::Boolean, word_end(bytes, i)),
        b'n' => (Kind::Null, word_end(bytes, i)),
        b'-' | b'0'..=b'9' => (Kind::Number, word_end(bytes, i)),
        _ => return None,
    };
    Some(Node {
        span: Span { start: i, end },
        kind,
    })
}

/// One past the closing quote of the string that opens at `i`.
fn string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match bytes.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// One past the end of a number or a literal (`true`, `false`, `null`) that starts at `i`.
fn word_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while bytes
        .get(j)
        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
    {
        j += 1;
    }
    j
}

/// One past the bracket that closes the object or array opening at `i`. Counting brackets
/// outside strings is enough for JSON, and needs no stack however deep the nesting.
fn container_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        match bytes.get(j)? {
            b'"' => {
                j = string_end(bytes, j)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
}

impl Node {
    /// The value's text.
    pub(crate) fn text(self, src: &str) -> &str {
        src.get(self.span.start..self.span.end).unwrap_or("")
    }

    /// The members of an object, in order; nothing for any other value.
    pub(crate) fn members(self, src: &str) -> Members<'_> {
        Members {
            src,
            next: (self.kind == Kind::Object).then_some(self.span.start + 1),
            first: true,
        }
    }

    /// The elements of an array, in order; nothing for any other value.
    pub(crate) fn elements(self, src: &str) -> Elements<'_> {
        Elements {
            src,
            next: (self.kind == Kind::Array).then_some(self.span.start + 1),
            first: true,
        }
    }
}

/// The position after the separator that comes before the next member or element: `,`
/// unless it is the first, or `None` at the closing bracket.
fn next_item(bytes: &[u8], at: usize, first: bool, close: u8) -> Option<usize> {
    let i = skip_blank(bytes, at);
    match bytes.get(i)? {
        b if *b == close => None,
        b',' if !first => Some(skip_blank(bytes, i + 1)),
        _ if first => Some(i),
        _ => None,
    }
}

/// Iterator over an object's members; see [`Node::members`].
pub(crate) struct Members<'s> {
    src: &'s str,
    next: Option<usize>,
    first: bool,
}

impl<'s> Iterator for Members<'s> {
    type Item = Member<'s>;

    fn next(&mut self) -> Option<Member<'s>> {
        let bytes = self.src.as_bytes();
        let at = self.next.take()?;
        let i = next_item(bytes, at, self.first, b'}')?;
        self.first = false;
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let name = Span {
            start: i,
            end: string_end(bytes, i)?,
        };
        let colon = skip_blank(bytes, name.end);
        if bytes.get(colon) != Some(&b':') {
            return None;
        }
        let value = value_at(self.src, skip_blank(bytes, colon + 1))?;
        self.next = Some(value.span.end);
        Some(Member {
            key: decode_key(&self.src[name.start..name.end]),
            name,
            value,
        })
    }
}

/// A member name without its quotes, with escapes decoded when it has any.
fn decode_key(quoted: &str) -> Cow<'_, str> {
    let inner = &quoted[1..quoted.len() - 1];
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    match serde_json::from_str::<String>(quoted) {
        Ok(key) => Cow::Owned(key),
        Err(_) => Cow::Borrowed(inner),
    }
}

/// Iterator over an array's elements; see [`Node::elements`].
pub(crate) struct Elements<'s> {
    src: &'s str,
    next: Option<usize>,
    first: bool,
}

impl Iterator for Elements<'_> {
    type Item = Node;

    fn next(&mut self) -> Option<Node> {
        let at = self.next.take()?;
        let i = next_item(self.src.as_bytes(), at, self.first, b']')?;
        self.first = false;
        let value = value_at(self.src, i)?;
        self.next = Some(value.span.end);
        Some(value)
    }
}

/// The member of `object` named `key`: the first such member, or the second for `second`.
pub(crate) fn member<'s>(
    src: &'s str,
    object: Node,
    key: &str,
    second: bool,
) -> Option<Member<'s>> {
    let mut matches = object.members(src).filter(|m| m.key == key);
    let first = matches.next()?;
    if second { matches.next() } else { Some(first) }
}

/// The value one step below `value`, if that step exists.
fn child(src: &str, value: Node, segment: &PathSegment) -> Option<Node> {
    match segment {
        PathSegment::Key(key) => member(src, value, key, false).map(|m| m.value),
        PathSegment::Index(index) => value.elements(src).nth(*index),
    }
}

/// The value at `path`, if the document has one there.
pub(crate) fn resolve(src: &str, path: &JsonPath) -> Option<Node> {
    path.segments()
        .iter()
        .try_fold(root(src)?, |value, segment| child(src, value, segment))
}

/// The byte range to mark for `path` pointed at as `pointing`. When the path goes deeper
/// than the document (a value that was never written, e.g. a default), the deepest value
/// that exists is used, pointed at by its first character.
pub(crate) fn find(src: &str, path: &JsonPath, pointing: Pointing) -> Option<Span> {
    let segments = path.segments();
    let (parent_segments, last) = match segments.split_last() {
        Some((last, rest)) if matches!(pointing, Pointing::Key | Pointing::SecondKey) => {
            (rest, Some(last))
        }
        _ => (segments, None),
    };
    let mut value = root(src)?;
    for segment in parent_segments {
        match child(src, value, segment) {
            Some(next) => value = next,
            None => return Some(start_of(value)),
        }
    }
    if let (Some(PathSegment::Key(key)), Kind::Object) = (last, value.kind) {
        let second = pointing == Pointing::SecondKey;
        if let Some(found) = member(src, value, key, second) {
            return Some(found.name);
        }
    }
    Some(match pointing {
        Pointing::Value => value.span,
        _ => start_of(value),
    })
}

fn start_of(value: Node) -> Span {
    Span {
        start: value.span.start,
        end: value.span.start + 1,
    }
}

/// Bytes of a long line kept on each side of an error: enough for the widest excerpt a
/// message shows ([`LINE_CHARS`](super::echo::LINE_CHARS) characters of up to 4 bytes).
const EXCERPT_BYTES: usize = 1024;

/// Line, column and source line of a byte range. The marker covers the range when it stays
/// on one line, and one character otherwise. Of a very long line, only the part around the
/// range is kept.
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
    let line_text = src[line_start..line_end].trim_end_matches('\r');
    let shown_start = floor_char_boundary(
        line_text,
        (start - line_start).saturating_sub(EXCERPT_BYTES),
    );
    let shown_end = floor_char_boundary(
        line_text,
        (start - line_start + EXCERPT_BYTES).min(line_text.len()),
    );
    Location {
        line,
        column,
        width,
        source_line: line_text[shown_start..shown_end].to_owned(),
        skipped: line_text[..shown_start].chars().count(),
        cut: shown_end < line_text.len(),
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
        location(SRC, find(SRC, path, pointing).expect("a document"))
    }

    #[test]
    fn finds_a_value_inside_arrays_and_objects() {
        let at = locate(
            &JsonPath::root().key("a").index(1).key("b"),
            Pointing::Value,
        );
        assert_eq!((at.line, at.column, at.width), (2, 18, 4));
        assert_eq!(at.source_line, "  \"a\": [1, {\"b\": \"xy\"}],");
        assert_eq!((at.skipped, at.cut), (0, false));
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
    fn values_of_every_type_are_told_apart() {
        let src = r#"{"o": {}, "a": [], "s": "x\"y", "n": -1.5e3, "t": true, "z": null}"#;
        let kinds: Vec<(String, Kind, &str)> = root(src)
            .unwrap()
            .members(src)
            .map(|m| (m.key.into_owned(), m.value.kind, m.value.text(src)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("o".to_owned(), Kind::Object, "{}"),
                ("a".to_owned(), Kind::Array, "[]"),
                ("s".to_owned(), Kind::String, r#""x\"y""#),
                ("n".to_owned(), Kind::Number, "-1.5e3"),
                ("t".to_owned(), Kind::Boolean, "true"),
                ("z".to_owned(), Kind::Null, "null"),
            ]
        );
    }

    #[test]
    fn escaped_member_names_are_decoded() {
        let src = r#"{"\u0061": 1, "b\"]}": [2, "]"]}"#;
        let at = find(src, &JsonPath::root().key("a"), Pointing::Value).unwrap();
        assert_eq!(&src[at.start..at.end], "1");
        let at = find(
            src,
            &JsonPath::root().key("b\"]}").index(1),
            Pointing::Value,
        )
        .unwrap();
        assert_eq!(&src[at.start..at.end], "\"]\"");
    }

    #[test]
    fn deep_nesting_is_walked_without_recursing() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let node = root(&deep).unwrap();
        assert_eq!(node.span.end, deep.len());
        assert_eq!(node.elements(&deep).count(), 1);
        assert!(root(&"[".repeat(100_000)).is_none());
    }

    #[test]
    fn text_that_is_not_json_finds_less_and_never_panics() {
        for src in [
            "",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\": 1,",
            "[1,",
            "\"abc",
            "{\"a\" 1}",
            "{,}",
            "]",
        ] {
            let _ = find(src, &JsonPath::root().key("a").index(0), Pointing::Key);
            let _ = resolve(src, &JsonPath::root().index(3));
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "{\"é\": \"ü\", \"x\": 1}";
        let at = location(
            src,
            find(src, &JsonPath::root().key("x"), Pointing::Value).unwrap(),
        );
        assert_eq!(at.column, 17);
    }

    #[test]
    fn only_the_part_of_a_long_line_near_the_error_is_kept() {
        let src = format!("{{\"a\": \"{}\", \"b\": x}}", "é".repeat(1_000_000));
        let at = location(
            &src,
            Span {
                start: src.len() - 2,
                end: src.len() - 1,
            },
        );
        assert_eq!(at.column, 1_000_000 + 16);
        assert!(at.source_line.len() <= 2 * EXCERPT_BYTES);
        assert!(at.source_line.ends_with("\"b\": x}"));
        assert_eq!(at.skipped + at.source_line.chars().count(), 1_000_000 + 17);
        assert!(!at.cut);
    }
}
