//! The course's text outputs: the exercise list, a question sheet, computed answers, a
//! graded sheet and a class's table. JSON outputs are the same structures, serialized.

use std::io::{self, Write};

use kernel_sim::trace::format_time;

use super::answers::{Mark, Outcome, Report, Row};
use super::{Answered, Sheet, exercises};
use crate::expect::EventAt;

/// `iosim exercise list`: each exercise's id and goal, under its topic, in course order.
pub fn list(out: &mut impl Write) -> io::Result<()> {
    let mut topic = None;
    for e in exercises::ALL {
        if topic != Some(e.topic()) {
            topic = Some(e.topic());
            let title = e.topic().title();
            writeln!(out, "{}{}:", title[..1].to_uppercase(), &title[1..])?;
        }
        writeln!(out, "  {:<18} {}", e.id(), e.goal())?;
    }
    Ok(())
}

/// `iosim exercise show`: the variant's scenario and its questions, and how to answer.
pub fn sheet(out: &mut impl Write, sheet: &Sheet) -> io::Result<()> {
    let (id, seed) = (sheet.exercise.id(), sheet.seed);
    writeln!(
        out,
        "Exercise {id}, seed {seed}: {}",
        sheet.exercise.topic().title()
    )?;
    writeln!(out, "Goal: {}", sheet.exercise.goal())?;
    writeln!(out)?;
    writeln!(
        out,
        "The scenario (save it with `iosim exercise show {id} --seed {seed} --scenario > \
         variant.json`, or step through it with --tui):"
    )?;
    writeln!(out, "{}", sheet.scenario_text())?;
    writeln!(out)?;
    writeln!(out, "Questions:")?;
    for q in &sheet.variant.questions {
        writeln!(out, "{}. {}", q.id, q.ask)?;
        writeln!(out, "    answer with {}", q.query.form().hint())?;
    }
    writeln!(out)?;
    let keys: Vec<String> = sheet
        .variant
        .questions
        .iter()
        .map(|q| format!("\"{}\": \"...\"", q.id))
        .collect();
    writeln!(out, "Write your answers in a JSON file, e.g. answers.json:")?;
    writeln!(
        out,
        "  {{\"exercise\": \"{id}\", \"seed\": {seed}, \"answers\": {{{}}}}}",
        keys.join(", ")
    )?;
    writeln!(
        out,
        "then check them: iosim exercise check {id} --seed {seed} answers.json"
    )
}

/// `iosim exercise answer`: each question with its computed answer and where it shows.
pub fn answers(out: &mut impl Write, sheet: &Sheet, answers: &[Answered]) -> io::Result<()> {
    writeln!(
        out,
        "{}, seed {}: answers computed by running the variant",
        sheet.exercise.id(),
        sheet.seed
    )?;
    for a in answers {
        writeln!(out, "{}. {}", a.id, a.question)?;
        writeln!(out, "    {}", a.computed.value)?;
        writeln!(out, "    {}", seen(&a.computed.seen_at))?;
    }
    Ok(())
}

/// Where an answer shows, for a student to go and look.
fn seen(at: &EventAt) -> String {
    format!(
        "seen at step {} (t={}, {}): {}",
        at.step,
        format_time(at.time),
        at.kind,
        at.text
    )
}

/// `iosim exercise check`: each answer marked, and for each wrong one the truth and the
/// step where it shows.
pub fn report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    writeln!(
        out,
        "{}, seed {}: {} of {} right",
        report.exercise, report.seed, report.right, report.total
    )?;
    for a in &report.answers {
        let given = a.given.as_deref().unwrap_or_default();
        match a.mark {
            Mark::Right => writeln!(out, "{} right: {}", a.id, a.truth.computed.value)?,
            Mark::Wrong => {
                writeln!(
                    out,
                    "{} wrong: you answered {given}; the run shows {}",
                    a.id, a.truth.computed.value
                )?;
                writeln!(out, "    {}", seen(&a.truth.computed.seen_at))?;
            }
            Mark::Unreadable => {
                let why = a.unreadable.as_deref().unwrap_or_default();
                writeln!(out, "{} unreadable: `{given}`: {why}", a.id)?;
                writeln!(out, "    answer with {}", a.truth.form.hint())?;
            }
            Mark::Missing => writeln!(out, "{} no answer", a.id)?,
        }
    }
    if !report.all_right() {
        writeln!(
            out,
            "To see for yourself: iosim exercise show {} --seed {} --tui, then g and the step number",
            report.exercise, report.seed
        )?;
    }
    Ok(())
}

/// `iosim exercise grade`: one line per answer file.
pub fn class_text(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|r| r.student.len())
        .max()
        .unwrap_or(7)
        .max(7);
    writeln!(
        out,
        "{:<width$}  {:<18} {:>6}  {:>5}  not right",
        "student", "exercise", "seed", "score"
    )?;
    for row in rows {
        match &row.outcome {
            Outcome::Graded(r) => writeln!(
                out,
                "{:<width$}  {:<18} {:>6}  {:>5}  {}",
                row.student,
                r.exercise,
                r.seed,
                format!("{}/{}", r.right, r.total),
                not_right(r)
            )?,
            Outcome::Error(e) => writeln!(
                out,
                "{:<width$}  not graded: {}",
                row.student,
                e.lines().next().unwrap_or_default()
            )?,
        }
    }
    Ok(())
}

/// `iosim exercise grade --format csv`: the same table for a spreadsheet.
pub fn class_csv(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    writeln!(
        out,
        "student,file,exercise,seed,right,total,not_right,error"
    )?;
    for row in rows {
        let file = csv(&row.file.display().to_string());
        match &row.outcome {
            Outcome::Graded(r) => writeln!(
                out,
                "{},{file},{},{},{},{},{},",
                csv(&row.student),
                r.exercise,
                r.seed,
                r.right,
                r.total,
                csv(&not_right(r))
            )?,
            Outcome::Error(e) => writeln!(
                out,
                "{},{file},,,,,,{}",
                csv(&row.student),
                csv(e.lines().next().unwrap_or_default())
            )?,
        }
    }
    Ok(())
}

/// The questions a report did not get right: "q2 q4", or "-".
fn not_right(r: &Report) -> String {
    let ids: Vec<&str> = r
        .answers
        .iter()
        .filter(|a| a.mark != Mark::Right)
        .map(|a| a.id.as_str())
        .collect();
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(" ")
    }
}

/// A CSV field, quoted when it must be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
