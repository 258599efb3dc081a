//! Comparing a graded document with the reference's, line by line, and saying where they
//! part in words a student can act on.
//!
//! The comparison is exact (after insta's own normalisation of a stored snapshot: no
//! trailing whitespace at the end, `\n` line ends): a run is a pure function of its
//! scenario, its seed and the code plugged in, so a correct piece gives the reference's
//! document byte for byte. Only the first difference is shown: everything after it
//! follows from it.

use std::fmt;

/// Lines shown before the first difference.
pub const CONTEXT: usize = 3;

/// Where a document first differs from the reference's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The first differing line's number, from 1.
    pub line: usize,
    /// Up to [`CONTEXT`] lines before it, the same in both, with their numbers.
    pub before: Vec<(usize, String)>,
    /// The reference's line there; `None` where the reference's document has ended.
    pub expected: Option<String>,
    /// The student's line there; `None` where the student's document has ended.
    pub actual: Option<String>,
    /// Whether the line is in the summary (the traces are the same).
    pub in_summary: bool,
    /// Where the exercise says to look.
    pub look: &'static str,
}

/// Compares `actual` with the reference's document `expected`; `look` is the
/// exercise's advice for a difference.
pub fn compare(expected: &str, actual: &str, look: &'static str) -> Result<(), Mismatch> {
    let expected = normalize(expected);
    let actual = normalize(actual);
    let want: Vec<&str> = expected.lines().collect();
    let got: Vec<&str> = actual.lines().collect();
    let Some(at) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) else {
        return Ok(());
    };
    // The summary starts at the line that says so, after the trace's blank line.
    let summary_starts = want.iter().position(|l| *l == "summary");
    Err(Mismatch {
        line: at + 1,
        before: (at.saturating_sub(CONTEXT)..at)
            .map(|i| (i + 1, want[i].to_string()))
            .collect(),
        expected: want.get(at).map(|l| l.to_string()),
        actual: got.get(at).map(|l| l.to_string()),
        in_summary: summary_starts.is_some_and(|s| at >= s),
        look,
    })
}

/// What insta stores of a text snapshot: no trailing whitespace at the end, `\n` line
/// ends.
fn normalize(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n")
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = if self.in_summary {
            "in the summary (the trace is the same as the reference's)"
        } else {
            "in the trace"
        };
        writeln!(
            f,
            "your run parts from the reference's at line {}, {place}:",
            self.line
        )?;
        for (n, line) in &self.before {
            writeln!(f, "  {n:>6}   | {line}")?;
        }
        let n = self.line;
        match &self.expected {
            Some(line) => writeln!(f, "  {n:>6} - | {line}")?,
            None => writeln!(f, "  {n:>6} - | (the reference's run has ended)")?,
        }
        match &self.actual {
            Some(line) => writeln!(f, "  {n:>6} + | {line}")?,
            None => writeln!(f, "  {n:>6} + | (your run has ended)")?,
        }
        writeln!(
            f,
            "  (- is the reference's line, + is yours; the lines above it are the same in \
             both)"
        )?;
        let meaning = if self.in_summary {
            "every event happened as in the reference's run, but a total differs"
        } else {
            "up to here your code made the machine do exactly what the reference's did; at \
             this event it did something else, and everything after follows from that, so \
             start here"
        };
        write!(
            f,
            "  = what it means: {meaning}\n  = where to look: {}",
            self.look
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_documents_match_whatever_their_line_ends() {
        assert_eq!(compare("a\nb\n", "a\r\nb\r\n\n", ""), Ok(()));
    }

    #[test]
    fn the_first_differing_line_is_shown_with_context() {
        let want = "h\n1\n2\n3\n4\n5\n\nsummary\n  x: 1";
        let got = "h\n1\n2\n3\n4\nfive\n\nsummary\n  x: 2";
        let m = compare(want, got, "the pick").unwrap_err();
        assert_eq!(m.line, 6);
        assert_eq!(
            m.before,
            [(3, "2".into()), (4, "3".into()), (5, "4".into())]
        );
        assert_eq!(m.expected.as_deref(), Some("5"));
        assert_eq!(m.actual.as_deref(), Some("five"));
        assert!(!m.in_summary);
        let text = m.to_string();
        assert!(
            text.contains("       6 - | 5\n       6 + | five\n"),
            "{text}"
        );
        assert!(text.ends_with("where to look: the pick"), "{text}");
    }

    #[test]
    fn a_difference_after_the_trace_is_in_the_summary() {
        let m = compare("e\n\nsummary\n  x: 1", "e\n\nsummary\n  x: 2", "").unwrap_err();
        assert_eq!(m.line, 4);
        assert!(m.in_summary);
    }

    #[test]
    fn a_run_that_ends_early_says_so() {
        let m = compare("a\nb", "a", "").unwrap_err();
        assert_eq!(m.line, 2);
        assert_eq!(m.actual, None);
        assert!(m.to_string().contains("(your run has ended)"));
    }
}
