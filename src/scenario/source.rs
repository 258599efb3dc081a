//! Reading a scenario file: at most [`MAX_SCENARIO_BYTES`], and UTF-8.
//!
//! A file is read whole before it is parsed, so the size limit is checked while reading:
//! no more than the limit and one byte are ever read, and a file that never ends is
//! refused as soon as it passes the limit. Text that is not UTF-8 is reported like any
//! other error in the text, at the line and column of the first byte that is not.

use std::io::Read;
use std::path::Path;

use super::error::{ErrorKind, Located, Location, Pointing, ScenarioError};
use super::limits::MAX_SCENARIO_BYTES;
use super::path::JsonPath;

/// The text of the scenario file at `path`. Messages show `path` as given.
pub fn read(path: &Path) -> Result<String, ScenarioError> {
    let shown = path.display().to_string();
    let cannot = |e: std::io::Error| ScenarioError::Read {
        file: shown.clone(),
        reason: e.to_string(),
        builtins: Vec::new(),
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    // A regular file says how long it is: reserve that, up to the limit. A device or a
    // pipe says 0 and grows the buffer as it comes.
    let hint = file
        .metadata()
        .map_or(0, |m| m.len())
        .min(MAX_SCENARIO_BYTES + 1);
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::TooLarge {
            file: shown,
            limit: MAX_SCENARIO_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        not_utf8(&shown, e.as_bytes(), bad)
    })
}

/// Bytes of a long line kept on each side of the bad byte.
const EXCERPT_BYTES: usize = 1024;

/// The error for `bytes`, whose first `bad` bytes are UTF-8 and whose next byte is not.
fn not_utf8(file: &str, bytes: &[u8], bad: usize) -> ScenarioError {
    let line_start = bytes[..bad]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[bad..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| bad + i);
    let line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
    // Everything before `bad` is UTF-8, so this never fails.
    let before = std::str::from_utf8(&bytes[line_start..bad]).unwrap_or("");
    let column = before.chars().count() + 1;

    // Keep the part of the line around the bad byte, starting on a character boundary.
    let mut shown_start = bad.saturating_sub(EXCERPT_BYTES).max(line_start);
    while shown_start < bad && (bytes[shown_start] & 0xc0) == 0x80 {
        shown_start += 1;
    }
    let mut shown_end = (bad + EXCERPT_BYTES).min(line_end);
    while shown_end < line_end && (bytes[shown_end] & 0xc0) == 0x80 {
        shown_end -= 1;
    }
    let skipped =
        std::str::from_utf8(&bytes[line_start..shown_start]).map_or(0, |s| s.chars().count());
    let source_line = with_bad_bytes_escaped(&bytes[shown_start..shown_end]);

    ScenarioError::At(Box::new(Located {
        file: file.to_owned(),
        path: JsonPath::root(),
        kind: ErrorKind::NotUtf8 { byte: bytes[bad] },
        pointing: Pointing::Start,
        location: Some(Location {
            line,
            column,
            width: 4,
            source_line: source_line.trim_end_matches('\r').to_owned(),
            skipped,
            cut: shown_end < line_end,
        }),
        set_by: None,
    }))
}

/// `bytes` as text, each byte that is not part of a UTF-8 character written `\xNN`, so
/// the message shows exactly what the file holds, and `\xNN` takes four columns under
/// which the marker can sit.
fn with_bad_bytes_escaped(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_for(bytes: &[u8]) -> ScenarioError {
        let text = String::from_utf8(bytes.to_vec()).expect_err("not UTF-8");
        let bad = text.utf8_error().valid_up_to();
        not_utf8("t.json", bytes, bad)
    }

    #[test]
    fn the_first_bad_byte_has_a_line_and_column() {
        let error = error_for(b"{\n  \"name\": \"\xc3\xa9t\xff\xfe\",\n}");
        assert_eq!(error.line_column(), Some((2, 14)));
        assert_eq!(
            error.render(),
            "error: the file is not UTF-8 text: byte 0xff here is not part of a character\n\
             \x20--> t.json:2:14\n\
             \x20 |\n\
             2 |   \"name\": \"\u{e9}t\\xff\\xfe\",\n\
             \x20 |              ^^^^\n\
             \x20 = expected: UTF-8 text (save the file as UTF-8)\n"
        );
    }

    #[test]
    fn a_bad_byte_far_into_a_long_line_is_shown_near_its_marker() {
        let mut bytes = vec![b'"'];
        bytes.extend("é".repeat(100_000).as_bytes());
        bytes.push(0x80);
        let error = error_for(&bytes);
        assert_eq!(error.line_column(), Some((1, 100_002)));
        let rendered = error.render();
        assert!(rendered.len() < 1000, "{rendered}");
        assert!(rendered.contains("é\\x80\n"), "{rendered}");
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let error = read(Path::new("tests/no-such-scenario.json")).expect_err("missing");
        assert!(
            matches!(error, ScenarioError::Read { ref file, .. } if file == "tests/no-such-scenario.json")
        );
    }
}
