//! JSON paths such as `processes[0].threads[1].program[3].read.len`.
//!
//! Every scenario error names the value it is about with one of these. The same path finds
//! the value's line and column in the source text (see the private `span` module).

use std::fmt;

use super::echo;

/// One step into a JSON document: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathSegment {
    /// A member of an object.
    Key(String),
    /// An element of an array, counted from 0.
    Index(usize),
}

/// A path from the document root to one value. The empty path is the root itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JsonPath(Vec<PathSegment>);

impl JsonPath {
    /// The path of the whole document.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Builds a path from its segments.
    pub fn from_segments(segments: Vec<PathSegment>) -> Self {
        Self(segments)
    }

    /// The steps from the root, in order.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// This path extended by an object key.
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Key(key.to_owned()));
        next
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Index(index));
        next
    }

    /// The path without its last step; the root stays the root.
    pub fn parent(&self) -> Self {
        let mut up = self.clone();
        up.0.pop();
        up
    }

    /// True when `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &JsonPath) -> bool {
        self.0.starts_with(&other.0)
    }
}

/// True for keys that print bare after a dot: `machine`, `read_ex`, `on_read`.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for JsonPath {
    /// Dots between keys, brackets around indices; keys that are not plain words are quoted,
    /// as in `["$schema"]`. The root prints as `(root)`. Keys come from the input, so they
    /// are escaped and clipped like any input text in a message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(&echo::value(key))?;
                }
                PathSegment::Key(key) => {
                    let quoted = serde_json::to_string(key).unwrap_or_default();
                    let inner = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("");
                    write!(f, "[\"{}\"]", echo::value(inner))?;
                }
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl From<&serde_path_to_error::Path> for JsonPath {
    /// Converts the path serde reached when it failed. An externally tagged enum's variant is
    /// the key of its one-member object, so it becomes a key too.
    fn from(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut segments = Vec::new();
        for segment in path.iter() {
            match segment {
                Segment::Seq { index } => segments.push(PathSegment::Index(*index)),
                Segment::Map { key } => segments.push(PathSegment::Key(key.clone())),
                Segment::Enum { variant } => segments.push(PathSegment::Key(variant.clone())),
                Segment::Unknown => break,
            }
        }
        Self(segments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_keys_with_dots_and_indices_in_brackets() {
        let path = JsonPath::root()
            .key("processes")
            .index(0)
            .key("threads")
            .index(1)
            .key("program")
            .index(3)
            .key("read")
            .key("len");
        assert_eq!(
            path.to_string(),
            "processes[0].threads[1].program[3].read.len"
        );
    }

    #[test]
    fn quotes_keys_that_are_not_plain_words() {
        let path = JsonPath::root().key("$schema");
        assert_eq!(path.to_string(), "[\"$schema\"]");
        let path = JsonPath::root().key("routines").key("on read");
        assert_eq!(path.to_string(), "routines[\"on read\"]");
    }

    #[test]
    fn keys_from_the_input_are_escaped_and_clipped() {
        let path = JsonPath::root()
            .key("a\u{1b}[2J\u{202e}")
            .key(&"k".repeat(100_000));
        let shown = path.to_string();
        assert!(shown.starts_with(r#"["a\u001b[2J\u202e"].kkk"#), "{shown}");
        assert!(shown.len() < 200, "{}", shown.len());
    }

    #[test]
    fn root_has_a_visible_name() {
        assert_eq!(JsonPath::root().to_string(), "(root)");
    }
}
