//! What the format takes at a path, read from its JSON Schema.
//!
//! The schema ([`schema`](super::schema())) is generated from the same types that read
//! scenarios, with the ranges of [`limits`](super::limits) as annotations. So it is the
//! one place that knows, for any path, whether the value there is a number and its range,
//! a string, an object or an array. Messages use it to state a field's real range where
//! serde knows only the Rust type (`u32`); `--set` uses it to decide whether a bare word
//! is a string and which missing objects it may create.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

use super::error::whole_numbers;
use super::path::{JsonPath, PathSegment};

/// The schema, generated once.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(super::schema)
}

/// The part of the schema that describes the value at one path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field(&'static Value);

impl Field {
    /// The whole scenario.
    pub(crate) fn root() -> Field {
        Field(schema())
    }

    /// The field at `path`, if the format has one there.
    pub(crate) fn of(path: &JsonPath) -> Option<Field> {
        path.segments()
            .iter()
            .try_fold(Field::root(), |field, segment| match segment {
                PathSegment::Key(key) => field.member(key),
                PathSegment::Index(_) => field.element(),
            })
    }

    /// The field one dotted `--set` part below: an index when this is an array and the
    /// part is a number, a member name otherwise.
    pub(crate) fn child(self, part: &str) -> Option<Field> {
        if part.parse::<usize>().is_ok()
            && let Some(element) = self.element()
        {
            return Some(element);
        }
        self.member(part)
    }

    /// The member `key` of an object field: a property, a one-key variant's key, or an
    /// entry of a map (`routines`).
    fn member(self, key: &str) -> Option<Field> {
        self.alternatives().into_iter().find_map(|alt| {
            alt.get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| alt.get("additionalProperties").filter(|a| a.is_object()))
                .map(|v| Field(deref(v)))
        })
    }

    /// The element of an array field.
    fn element(self) -> Option<Field> {
        self.alternatives()
            .into_iter()
            .find_map(|alt| alt.get("items").map(|v| Field(deref(v))))
    }

    /// The member names an object field has, for suggestions.
    pub(crate) fn names(self) -> Vec<&'static str> {
        self.alternatives()
            .into_iter()
            .filter_map(|alt| alt.get("properties")?.as_object())
            .flat_map(|p| p.keys().map(String::as_str))
            .collect()
    }

    /// The schemas a value here may match: `$ref`s followed, `oneOf` and `anyOf` flattened,
    /// and `null` (an absent optional value) left out.
    fn alternatives(self) -> Vec<&'static Value> {
        fn collect(value: &'static Value, out: &mut Vec<&'static Value>) {
            let value = deref(value);
            let choices = value.get("oneOf").or_else(|| value.get("anyOf"));
            match choices.and_then(Value::as_array) {
                Some(choices) => choices.iter().for_each(|c| collect(c, out)),
                None if types(value) == ["null"] => {}
                None => out.push(value),
            }
        }
        let mut out = Vec::new();
        collect(self.0, &mut out);
        out
    }

    /// The range of whole numbers the field takes, if it takes a number.
    pub(crate) fn range(self) -> Option<(u64, u64)> {
        self.alternatives()
            .into_iter()
            .find(|alt| types(alt).contains(&"integer"))
            .map(|alt| {
                let min = alt.get("minimum").and_then(Value::as_u64).unwrap_or(0);
                let by_format = match alt.get("format").and_then(Value::as_str) {
                    Some("uint8") => u8::MAX.into(),
                    Some("uint16") => u16::MAX.into(),
                    Some("uint32") => u32::MAX.into(),
                    _ => u64::MAX,
                };
                let max = alt
                    .get("maximum")
                    .and_then(Value::as_u64)
                    .unwrap_or(by_format);
                (min, max)
            })
    }

    /// True when a string is one of the values the field takes.
    pub(crate) fn takes_string(self) -> bool {
        self.alternatives()
            .into_iter()
            .any(|alt| types(alt).contains(&"string"))
    }

    /// True when the field is an object: a struct, a map, or an object with one key.
    pub(crate) fn is_object(self) -> bool {
        let alternatives = self.alternatives();
        !alternatives.is_empty() && alternatives.iter().all(|alt| types(alt) == ["object"])
    }

    /// What the field takes, in words: "a whole number from 1 to 64", "one of `fifo`,
    /// `scan`, `sstf`", "an object with one key: `text`, `bytes` or `repeat`".
    pub(crate) fn described(self) -> String {
        let alternatives = self.alternatives();
        let words: Vec<&str> = alternatives
            .iter()
            .filter_map(|alt| alt.get("const").and_then(Value::as_str))
            .collect();
        if !words.is_empty() && words.len() == alternatives.len() {
            return format!("one of {}", backticked(&words, "or"));
        }
        let one_keys: Vec<&str> = alternatives
            .iter()
            .filter_map(|alt| match alt.get("required")?.as_array()?.as_slice() {
                [key] if types(alt) == ["object"] => key.as_str(),
                _ => None,
            })
            .collect();
        if alternatives.len() > 1 && one_keys.len() == alternatives.len() {
            // Ops are many: name a few, and count the rest.
            const NAMED: usize = 6;
            if one_keys.len() > NAMED {
                let others = one_keys.len() - NAMED;
                let named: Vec<String> =
                    one_keys[..NAMED].iter().map(|k| format!("`{k}`")).collect();
                return format!(
                    "an object with one key: {} or one of {others} others",
                    named.join(", ")
                );
            }
            return format!("an object with one key: {}", backticked(&one_keys, "or"));
        }
        if let Some((min, max)) = self.range() {
            return whole_numbers(min, max);
        }
        let mut kinds: Vec<&str> = Vec::new();
        for alt in &alternatives {
            for kind in types(alt) {
                let words = match kind {
                    "string" => "a string",
                    "boolean" => "true or false",
                    "array" => "an array",
                    "object" => "an object",
                    "null" => continue,
                    _ => "a number",
                };
                if !kinds.contains(&words) {
                    kinds.push(words);
                }
            }
        }
        match kinds.as_slice() {
            [] => "a value".to_owned(),
            _ => kinds.join(" or "),
        }
    }
}

/// The member names whose values are arrays somewhere in the format (`devices`,
/// `program`, `handles`, ...), read from the schema once.
pub(crate) fn array_keys() -> &'static BTreeSet<&'static str> {
    fn collect(value: &'static Value, out: &mut BTreeSet<&'static str>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::Object(properties)) = object.get("properties") {
                    for (key, property) in properties {
                        let field = Field(deref(property));
                        if field
                            .alternatives()
                            .iter()
                            .any(|alt| types(alt).contains(&"array"))
                        {
                            out.insert(key.as_str());
                        }
                    }
                }
                object.values().for_each(|child| collect(child, out));
            }
            Value::Array(array) => array.iter().for_each(|child| collect(child, out)),
            _ => {}
        }
    }
    static KEYS: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = BTreeSet::new();
        collect(schema(), &mut keys);
        keys
    })
}

/// `$ref`s followed to the definition they name.
fn deref(mut value: &'static Value) -> &'static Value {
    // Definitions never refer to each other in a loop without a property between, but a
    // bound costs nothing.
    for _ in 0..8 {
        let Some(name) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        else {
            break;
        };
        match schema().get("$defs").and_then(|d| d.get(name)) {
            Some(def) => value = def,
            None => break,
        }
    }
    value
}

/// The JSON types a schema names, as `type` gives them (one, or a list).
fn types(value: &Value) -> Vec<&str> {
    match value.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// "`a`, `b` or `c`".
fn backticked(words: &[&str], last: &str) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((end, [])) => end.clone(),
        Some((end, rest)) => format!("{} {last} {end}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(dotted: &str) -> Option<Field> {
        dotted
            .split('.')
            .try_fold(Field::root(), |field, part| field.child(part))
    }

    #[test]
    fn numbers_have_the_ranges_of_the_limits() {
        use crate::scenario::limits::*;
        assert_eq!(
            at("machine.cpus").and_then(Field::range),
            Some((1, MAX_CPUS))
        );
        assert_eq!(at("seed").and_then(Field::range), Some((0, u64::MAX)));
        assert_eq!(
            at("devices.0.disk.irq").and_then(Field::range),
            Some((0, MAX_IRQ))
        );
        assert_eq!(
            at("machine.costs.isr_ns").and_then(Field::range),
            Some((0, MAX_NS))
        );
        assert_eq!(
            at("processes.3.routines.any_name.cost_ns").and_then(Field::range),
            Some((0, MAX_NS))
        );
        assert_eq!(
            at("processes.0.threads.0.program.0.repeat.times").and_then(Field::range),
            Some((1, MAX_REPEAT))
        );
        assert_eq!(
            at("files.0.content.bytes.7").and_then(Field::range),
            Some((0, 255))
        );
    }

    #[test]
    fn kinds_of_fields() {
        let field = |p: &str| at(p).unwrap_or_else(|| panic!("{p}"));
        assert!(field("name").takes_string());
        assert!(field("devices.0.disk.queue").takes_string());
        assert!(!field("machine.cpus").takes_string());
        assert!(!field("files.0.content").takes_string());
        assert!(field("machine").is_object());
        assert!(field("machine.costs").is_object());
        assert!(field("processes.0.routines").is_object());
        assert!(field("files.0.content").is_object());
        assert!(!field("devices").is_object());
        assert!(!field("name").is_object());
        assert!(at("machine.cpu").is_none());
        assert!(at("devices.x").is_none());
    }

    #[test]
    fn fields_in_words() {
        let words = |p: &str| at(p).map(Field::described).unwrap_or_default();
        assert_eq!(words("machine.cpus"), "a whole number from 1 to 64");
        assert_eq!(
            words("devices.0.disk.queue"),
            "one of `fifo`, `scan` or `sstf`"
        );
        assert_eq!(
            words("files.0.content"),
            "an object with one key: `text`, `bytes` or `repeat`"
        );
        assert_eq!(
            words("processes.0.threads.0.program.0"),
            "an object with one key: `open`, `close`, `read`, `write`, `read_ex`, `write_ex` \
             or one of 28 others"
        );
        assert_eq!(words("devices"), "an array");
        assert_eq!(words("machine"), "an object");
        assert_eq!(
            words("processes.0.threads.0.program.0.wait.alertable"),
            "true or false"
        );
        assert_eq!(words("name"), "a string");
    }

    #[test]
    fn the_array_members_are_read_from_the_schema() {
        let keys: Vec<&str> = array_keys().iter().copied().collect();
        assert_eq!(
            keys,
            [
                "bytes",
                "devices",
                "expect",
                "files",
                "filters",
                "handles",
                "is",
                "ops",
                "processes",
                "program",
                "threads"
            ]
        );
    }
}
