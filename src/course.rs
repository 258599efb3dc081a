//! Course exercises: predict, then check against answers the simulator computes.
//!
//! An [`Exercise`] draws a variant for each seed — a scenario from its seeded ranges
//! (sizes, offsets, timings, thread counts, queue policies) and 3–6 questions about it —
//! as the OSTEP homework simulators do: a seed gives each student their own numbers.
//! [`Sheet::answers`] runs the variant and computes every answer with the step where it
//! can be seen; [`Sheet::grade`] reads a student's answers the way students write them
//! and says which are wrong, and where the truth shows. Nothing here states an answer:
//! each comes out of the run.
//!
//! - [`exercise`]: the trait, the seeded draws, variants and questions;
//! - [`query`]: questions as queries on the run's trace, and their computed answers;
//! - [`answer`]: reading a student's answer text;
//! - [`answers`]: answer files, and grading a folder of them;
//! - [`exercises`]: the course's exercises, one file each;
//! - [`print`]: the text outputs of `iosim exercise`.

pub mod answer;
pub mod answers;
pub mod exercise;
pub mod exercises;
pub mod print;
pub mod query;

use serde::Serialize;

pub use exercise::{Draw, Exercise, Question, Topic, Variant};
pub use query::{Computed, Form, Query, Run, Value};

use crate::Error;
use crate::scenario::model::Scenario;

/// The exercise called `id`.
pub fn find(id: &str) -> Result<&'static dyn Exercise, Error> {
    exercises::ALL
        .iter()
        .copied()
        .find(|e| e.id() == id)
        .ok_or_else(|| {
            let known: Vec<&str> = exercises::ALL.iter().map(|e| e.id()).collect();
            Error::Usage(format!(
                "no exercise `{id}`; the exercises are: {} (iosim exercise list)",
                known.join(", ")
            ))
        })
}

/// One exercise's variant for one seed, ready to be shown, run and graded.
pub struct Sheet {
    pub exercise: &'static dyn Exercise,
    pub seed: u64,
    pub variant: Variant,
    /// The variant's scenario, validated as a file of it would be.
    pub scenario: Scenario,
}

/// A computed answer to one question.
#[derive(Debug, Clone, Serialize)]
pub struct Answered {
    pub id: String,
    pub question: String,
    pub form: Form,
    /// The answer in words, as `iosim exercise answer` prints it.
    pub answer: String,
    #[serde(flatten)]
    pub computed: Computed,
}

/// `iosim exercise show --format json`: a variant and its questions, without answers.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionSheet {
    pub exercise: String,
    pub seed: u64,
    pub topic: Topic,
    pub goal: String,
    pub scenario: serde_json::Value,
    pub questions: Vec<Asked>,
}

/// One question as a sheet gives it: what to answer, and in what form.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub id: String,
    pub question: String,
    pub form: Form,
    /// How to write an answer of that form.
    pub hint: &'static str,
}

/// `iosim exercise answer --format json`: a variant's answer key.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerKey {
    pub exercise: String,
    pub seed: u64,
    pub answers: Vec<Answered>,
}

impl Sheet {
    /// The variant of `exercise` for `seed`.
    pub fn new(exercise: &'static dyn Exercise, seed: u64) -> Result<Sheet, Error> {
        let mut variant = exercise.variant(&mut Draw::new(exercise.id(), seed));
        // The run's own random streams follow the exercise's seed, and the saved scenario
        // says so, so `iosim run` of it gives the same run.
        if let Some(object) = variant.scenario.as_object_mut() {
            object.entry("seed").or_insert(seed.into());
        }
        let name = format!("{} (seed {seed})", exercise.id());
        let text = serde_json::to_string_pretty(&variant.scenario)
            .expect("a JSON value always serializes");
        // A variant that does not validate is a bug in the exercise; the tests draw many
        // seeds of each to keep one from shipping.
        let scenario = crate::scenario::parse(&name, &text)?;
        Ok(Sheet {
            exercise,
            seed,
            variant,
            scenario,
        })
    }

    /// The scenario as JSON text, to save and run with `iosim run` or `iosim tui`: laid
    /// out as a person writes one, each op on a line of its own.
    pub fn scenario_text(&self) -> String {
        let mut text = String::new();
        layout(&self.variant.scenario, 0, &mut text);
        text
    }

    /// The variant and its questions, for `iosim exercise show --format json`.
    pub fn questions_sheet(&self) -> QuestionSheet {
        QuestionSheet {
            exercise: self.exercise.id().to_owned(),
            seed: self.seed,
            topic: self.exercise.topic(),
            goal: self.exercise.goal().to_owned(),
            scenario: self.variant.scenario.clone(),
            questions: self
                .variant
                .questions
                .iter()
                .map(|q| Asked {
                    id: q.id.clone(),
                    question: q.ask.clone(),
                    form: q.query.form(),
                    hint: q.query.form().hint(),
                })
                .collect(),
        }
    }

    /// Runs the variant and computes every answer.
    pub fn answers(&self) -> Result<Vec<Answered>, Error> {
        let run = Run::new(&self.scenario, self.scenario.seed)?;
        self.variant
            .questions
            .iter()
            .map(|q| {
                let computed = run.answer(&q.query).map_err(|e| {
                    Error::Usage(format!(
                        "exercise {} (seed {}) is broken, not your answer: {e}",
                        self.exercise.id(),
                        self.seed
                    ))
                })?;
                Ok(Answered {
                    id: q.id.clone(),
                    question: q.ask.clone(),
                    form: q.query.form(),
                    answer: computed.value.to_string(),
                    computed,
                })
            })
            .collect()
    }
}

/// The members of a JSON object in the order a person writes a scenario: names first,
/// then the machine, then what runs; any other key after these, alphabetically (the
/// JSON values here keep their keys sorted).
fn ordered(map: &serde_json::Map<String, serde_json::Value>) -> Vec<(&String, &serde_json::Value)> {
    const ORDER: [&str; 15] = [
        "name",
        "description",
        "seed",
        "machine",
        "devices",
        "files",
        "processes",
        "routines",
        "threads",
        "start_ns",
        "program",
        "times",
        "ops",
        "as",
        "path",
    ];
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    let mut members: Vec<_> = map.iter().collect();
    members.sort_by_key(|(k, _)| (rank(k), k.as_str()));
    members
}

/// The widest a JSON object or array may be to stay on one line.
const LINE: usize = 96;

/// Writes `value` at `indent`: on one line when it fits in [`LINE`] columns, else one
/// member per line.
fn layout(value: &serde_json::Value, indent: usize, out: &mut String) {
    let flat = flat(value);
    let (open, close, members): (char, char, Vec<(Option<&String>, &serde_json::Value)>) =
        match value {
            serde_json::Value::Object(map) => (
                '{',
                '}',
                ordered(map)
                    .into_iter()
                    .map(|(k, v)| (Some(k), v))
                    .collect(),
            ),
            serde_json::Value::Array(items) => {
                ('[', ']', items.iter().map(|v| (None, v)).collect())
            }
            _ => return out.push_str(&flat),
        };
    if indent + flat.len() <= LINE || members.is_empty() {
        return out.push_str(&flat);
    }
    out.push(open);
    for (i, (key, member)) in members.iter().enumerate() {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        if let Some(key) = key {
            out.push_str(&serde_json::Value::from(key.as_str()).to_string());
            out.push_str(": ");
        }
        layout(member, indent + 2, out);
        if i + 1 < members.len() {
            out.push(',');
        }
    }
    out.push('\n');
    out.push_str(&" ".repeat(indent));
    out.push(close);
}

/// `value` on one line, spaced as a person writes it: `{"ns": 500000}`.
fn flat(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let members: Vec<String> = ordered(map)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", serde_json::Value::from(k.as_str()), flat(v)))
                .collect();
            format!("{{ {} }}", members.join(", "))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(flat).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}
