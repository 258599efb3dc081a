//! Answer files and grading. A student writes their answers in a JSON file:
//!
//! ```json
//! { "exercise": "port-release", "seed": 17, "student": "ada",
//!   "answers": { "q1": "W3", "q2": "12.5 us" } }
//! ```
//!
//! `exercise` and `seed` may be left out when the command line names them
//! (`iosim exercise check ID --seed N FILE`); a folder of a class's files is graded with
//! `iosim exercise grade DIR`, which needs them in each file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::answer::{matches, read};
use super::{Answered, Sheet};
use crate::Error;

/// An answer file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerFile {
    pub exercise: Option<String>,
    pub seed: Option<u64>,
    pub student: Option<String>,
    pub answers: BTreeMap<String, AnswerText>,
}

/// An answer: text, or a bare number (a count).
#[derive(Debug, Clone)]
pub enum AnswerText {
    Text(String),
    Number(u64),
}

impl<'de> Deserialize<'de> for AnswerText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = AnswerText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an answer: a string such as \"12.5 us\" or \"T2\", or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AnswerText, E> {
                Ok(AnswerText::Text(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AnswerText, E> {
                Ok(AnswerText::Number(v))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl AnswerText {
    fn text(&self) -> String {
        match self {
            AnswerText::Text(t) => t.clone(),
            AnswerText::Number(n) => n.to_string(),
        }
    }
}

/// The largest answer file read: a sheet's answers take a few hundred bytes, so anything
/// near this is not an answer file, and reading it whole would cost its size in memory.
pub const MAX_ANSWER_FILE: u64 = 1 << 20;

/// Reads an answer file; a malformed one is an error naming the file, line and column.
pub fn load(path: &Path) -> Result<AnswerFile, Error> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        Error::Usage(format!(
            "cannot read the answer file {}: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut text = String::new();
    // One byte past the limit tells a file at the limit from one over it.
    file.take(MAX_ANSWER_FILE + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX_ANSWER_FILE {
        return Err(Error::Usage(format!(
            "the answer file {} is larger than {MAX_ANSWER_FILE} bytes, the most an answer \
             file may hold",
            path.display()
        )));
    }
    parse(&path.display().to_string(), &text)
}

/// Parses the text of answer file `name`.
pub fn parse(name: &str, text: &str) -> Result<AnswerFile, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // The JSON path, where one is known ("?" marks a member not read yet).
        let path = e.path().to_string();
        let path = path.trim_end_matches(".?").trim_end_matches('?');
        let at = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" (at {path})")
        };
        let inner = e.into_inner();
        Error::Usage(format!(
            "{name}:{}:{}: {}{at}; an answer file looks like {{\"answers\": {{\"q1\": \"12.5 us\", \"q2\": \"T2\"}}}}",
            inner.line(),
            inner.column(),
            strip_position(&inner.to_string()),
        ))
    })
}

/// serde_json's message without its own " at line L column C", given separately.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// What became of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Right,
    Wrong,
    /// The text cannot be read as the form the question asks for.
    Unreadable,
    /// No answer was given.
    Missing,
}

/// One graded answer.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    pub id: String,
    pub question: String,
    pub mark: Mark,
    /// What the student wrote.
    pub given: Option<String>,
    /// Why it could not be read.
    pub unreadable: Option<String>,
    /// The computed answer, and where it shows.
    pub truth: Answered,
}

/// A whole sheet graded.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub exercise: String,
    pub seed: u64,
    pub student: Option<String>,
    pub right: usize,
    pub total: usize,
    pub answers: Vec<Graded>,
}

impl Report {
    pub fn all_right(&self) -> bool {
        self.right == self.total
    }
}

impl Sheet {
    /// Grades `file` against this sheet. An answer to a question the sheet does not ask,
    /// or a file for another exercise or seed, is an error: grading it would mislead.
    pub fn grade(&self, file: &AnswerFile) -> Result<Report, Error> {
        let id = self.exercise.id();
        if let Some(other) = file.exercise.as_deref().filter(|e| *e != id) {
            return Err(Error::Usage(format!(
                "the answer file is for exercise {other}, not {id}"
            )));
        }
        if let Some(other) = file.seed.filter(|s| *s != self.seed) {
            return Err(Error::Usage(format!(
                "the answer file is for seed {other}, not {}: each seed has its own numbers",
                self.seed
            )));
        }
        let asked: Vec<&str> = self
            .variant
            .questions
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        if let Some(extra) = file.answers.keys().find(|k| !asked.contains(&k.as_str())) {
            return Err(Error::Usage(format!(
                "the answer file answers `{extra}`, which exercise {id} does not ask; its \
                 questions are {}",
                asked.join(", ")
            )));
        }
        let answers: Vec<Graded> = self
            .answers()?
            .into_iter()
            .map(|truth| {
                let given = file.answers.get(&truth.id).map(AnswerText::text);
                let (mark, unreadable) = match given.as_deref().map(|g| read(truth.form, g)) {
                    None => (Mark::Missing, None),
                    Some(Err(why)) => (Mark::Unreadable, Some(why)),
                    Some(Ok(value)) if matches(&value, &truth.computed.value) => {
                        (Mark::Right, None)
                    }
                    Some(Ok(_)) => (Mark::Wrong, None),
                };
                Graded {
                    id: truth.id.clone(),
                    question: truth.question.clone(),
                    mark,
                    given,
                    unreadable,
                    truth,
                }
            })
            .collect();
        Ok(Report {
            exercise: id.to_owned(),
            seed: self.seed,
            student: file.student.clone(),
            right: answers.iter().filter(|a| a.mark == Mark::Right).count(),
            total: answers.len(),
            answers,
        })
    }
}

/// One row of a class's grades: a file, and its report or why it could not be graded.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub file: PathBuf,
    pub student: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Graded(Report),
    /// The file could not be graded; the rest of the class still is.
    Error(String),
}

/// Grades every `*.json` file in `dir`, in file-name order. A file that cannot be graded
/// becomes a row saying why; only a folder that cannot be read, or holds no answer file,
/// is an error.
pub fn grade_dir(dir: &Path) -> Result<Vec<Row>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::Usage(format!("cannot read the folder {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "no answer files (*.json) in the folder {}",
            dir.display()
        )));
    }
    Ok(files
        .into_iter()
        .map(|file| {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let graded = load(&file).and_then(|answers| {
                let student = answers.student.clone().unwrap_or_else(|| stem.clone());
                let (Some(id), Some(seed)) = (answers.exercise.as_deref(), answers.seed) else {
                    return Err(Error::Usage(
                        "a class's answer file must name its \"exercise\" and \"seed\"".into(),
                    ));
                };
                let sheet = Sheet::new(super::find(id)?, seed)?;
                Ok((student, sheet.grade(&answers)?))
            });
            match graded {
                Ok((student, report)) => Row {
                    file,
                    student,
                    outcome: Outcome::Graded(report),
                },
                Err(e) => Row {
                    file,
                    student: stem,
                    outcome: Outcome::Error(e.to_string()),
                },
            }
        })
        .collect())
}
