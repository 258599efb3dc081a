//! The run's outputs, all read from the one trace: narrated text, one JSON document,
//! JSON lines, the summary alone, or a Chrome trace.
//!
//! All but the Chrome trace stream: each event is written as the run makes it and then
//! dropped, so memory stays the same however long the run (the Chrome trace needs the
//! whole trace at once, and is capped at [`crate::MAX_KEPT_EVENTS`]). A streamed format
//! with events runs the scenario twice: a silent first pass checks that the run ends
//! within its limits and counts its events (text's first line states the count), so a
//! refused run prints nothing, never half a document; the second pass prints.
//!
//! A scenario with expectations gets their verdicts after the summary, in every format
//! but the Chrome trace (whose format has no place for them): the second pass judges
//! them as it prints ([`crate::expect::run_checking`]).
//!
//! `json` and `jsonl` give, before the events, the [`names`] of every id the events
//! carry, read from the finished kernel of the first pass: complete for the whole run,
//! ports and pipes made during it included, without keeping any event.
//!
//! Every format and every summary field is described in `docs/outputs.md`.

pub mod names;

use crate::Error;
use crate::expect::{Place, Verdict};
use crate::scenario::model::Scenario;
use kernel_sim::trace::{Narrator, format_time};
use kernel_sim::{Kernel, Summary, TraceEvent};
use names::Names;
use serde_json::Value;
use std::io::{self, Write};

/// How `iosim run` prints a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One narrated line per event, then the summary.
    Text,
    /// One JSON object: scenario, seed, names (of every id), events, summary.
    Json,
    /// One JSON object per line: the names of every id, each event, then the summary.
    Jsonl,
    /// Only the summary, as JSON.
    Summary,
    /// The Chrome Trace Event Format, for Perfetto UI or chrome://tracing.
    ChromeTrace,
}

/// Runs `scenario` with `seed` and writes the run in `format`. An error writing stops the
/// run at once.
pub fn write(
    out: &mut impl Write,
    scenario: &Scenario,
    seed: u64,
    format: Format,
) -> Result<(), Error> {
    let name = &scenario.name;
    match format {
        Format::ChromeTrace => {
            let kernel = crate::run(scenario, seed)?;
            crate::export::chrome::write(out, &kernel, name, seed)?;
        }
        Format::Summary => {
            let (kernel, verdicts) = crate::expect::run_checking(scenario, seed, |_, _| Ok(()))?;
            let mut summary = serde_json::to_value(kernel.summary()).expect("summary serializes");
            if !verdicts.is_empty() {
                summary
                    .as_object_mut()
                    .expect("the summary is an object")
                    .insert("expectations".into(), verdicts_json(&verdicts));
            }
            serde_json::to_writer_pretty(&mut *out, &summary).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        Format::Text | Format::Json | Format::Jsonl => {
            let finished = crate::run_streaming(scenario, seed, |_, _| Ok(()))?;
            let checked = finished.summary();
            let names = Names::of(&finished);
            drop(finished);
            let mut printer = Printer {
                out,
                format,
                narrator: Narrator::new(),
                first: true,
            };
            printer.start(name, seed, checked.events, &names)?;
            let (kernel, verdicts) =
                crate::expect::run_checking(scenario, seed, |kernel, event| {
                    printer.event(kernel, event)
                })?;
            let summary = kernel.summary();
            assert_eq!(
                summary, checked,
                "a run is a pure function of its scenario and seed, yet two runs differ"
            );
            printer.finish(&summary, &verdicts)?;
        }
    }
    Ok(())
}

/// Writes a run's events in one of the streamed formats as they come.
struct Printer<'w, W: Write> {
    out: &'w mut W,
    format: Format,
    /// Fed each printed event exactly once, in the order the run made them: it adds the
    /// model's notes where they are due.
    narrator: Narrator,
    /// No event written yet (JSON separates events with commas).
    first: bool,
}

impl<W: Write> Printer<'_, W> {
    /// What comes before the first event. `events` is the run's count and `names` its
    /// name tables, both known from the checking pass.
    fn start(&mut self, scenario: &str, seed: u64, events: u64, names: &Names) -> io::Result<()> {
        match self.format {
            Format::Text => writeln!(
                self.out,
                "iosim run of {scenario} (seed {seed}): {events} events"
            ),
            Format::Json => {
                write!(
                    self.out,
                    "{{\n  \"scenario\": {},\n  \"seed\": {seed},\n  \"names\": ",
                    serde_json::to_string(scenario).expect("a string serializes")
                )?;
                write_indented(self.out, names, "  ")?;
                write!(self.out, ",\n  \"events\": [")
            }
            _ => {
                serde_json::to_writer(&mut *self.out, &serde_json::json!({ "names": names }))?;
                writeln!(self.out)
            }
        }
    }

    fn event(&mut self, kernel: &Kernel, event: &TraceEvent) -> io::Result<()> {
        let sentence = self.narrator.narrate(kernel, event);
        match self.format {
            Format::Text => {
                let cpu = event.cpu.map_or_else(|| "-".to_string(), |c| c.to_string());
                writeln!(
                    self.out,
                    "{:>14}  {cpu:<5} {:<22} {sentence}",
                    format_time(event.time),
                    event.what.kind(),
                )?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.first { b"\n    " } else { b",\n    " })?;
                write_indented(self.out, &event_json(event, sentence), "    ")?;
            }
            _ => {
                serde_json::to_writer(&mut *self.out, &event_json(event, sentence))?;
                writeln!(self.out)?;
            }
        }
        self.first = false;
        Ok(())
    }

    /// What comes after the last event: the summary, then the verdicts if the scenario
    /// has expectations.
    fn finish(&mut self, summary: &Summary, verdicts: &[Verdict]) -> io::Result<()> {
        match self.format {
            Format::Text => {
                writeln!(self.out)?;
                write_summary_text(self.out, summary)?;
                if !verdicts.is_empty() {
                    writeln!(self.out)?;
                    writeln!(self.out, "expectations: {}", tally(verdicts))?;
                    write_verdicts_text(self.out, verdicts)?;
                }
                Ok(())
            }
            Format::Json => {
                let close = if self.first { "]" } else { "\n  ]" };
                write!(self.out, "{close},\n  \"summary\": ")?;
                write_indented(self.out, summary, "  ")?;
                if !verdicts.is_empty() {
                    write!(self.out, ",\n  \"expectations\": ")?;
                    write_indented(self.out, &verdicts_json(verdicts), "  ")?;
                }
                writeln!(self.out, "\n}}")
            }
            _ => {
                serde_json::to_writer(&mut *self.out, &serde_json::json!({ "summary": summary }))?;
                writeln!(self.out)?;
                if !verdicts.is_empty() {
                    let line = serde_json::json!({ "expectations": verdicts_json(verdicts) });
                    serde_json::to_writer(&mut *self.out, &line)?;
                    writeln!(self.out)?;
                }
                Ok(())
            }
        }
    }
}

/// The verdicts as JSON: an array of objects (see [`Verdict`]).
fn verdicts_json(verdicts: &[Verdict]) -> Value {
    serde_json::to_value(verdicts).expect("verdicts serialize")
}

/// "6 of 7 held".
pub fn tally(verdicts: &[Verdict]) -> String {
    let held = verdicts.iter().filter(|v| v.held()).count();
    format!("{held} of {} held", verdicts.len())
}

/// Each verdict: its index, what it states and `held`, or `broken` with what was expected,
/// what was found and where, one line each, indented under a heading.
pub fn write_verdicts_text(out: &mut impl Write, verdicts: &[Verdict]) -> io::Result<()> {
    for v in verdicts {
        if v.held() {
            writeln!(out, "  [{}] {}: held", v.index, v.expectation)?;
            continue;
        }
        writeln!(out, "  [{}] {}: broken", v.index, v.expectation)?;
        writeln!(out, "      expected: {}", v.expected)?;
        writeln!(out, "      found:    {}", v.found)?;
        let place = match &v.place {
            Place::Event(e) => format!(
                "event {} (step {}, t={}), {}: {}",
                e.index,
                e.step,
                format_time(e.time),
                e.kind,
                e.text
            ),
            Place::Checked(c) => {
                let when = if c.end {
                    format!(
                        "at the end of the run (step {}, t={})",
                        c.step,
                        format_time(c.time)
                    )
                } else {
                    format!("after step {} (t={})", c.step, format_time(c.time))
                };
                match &c.last_event {
                    Some(e) => format!(
                        "checked {when}, after event {}, {}: {}",
                        e.index, e.kind, e.text
                    ),
                    None => format!("checked {when}, before any event"),
                }
            }
        };
        writeln!(out, "      where:    {place}")?;
    }
    Ok(())
}

/// A trace event as JSON, with its sentence under `text`.
fn event_json(event: &TraceEvent, sentence: String) -> Value {
    let mut v = serde_json::to_value(event).expect("trace events serialize");
    v.as_object_mut()
        .expect("an event is an object")
        .insert("text".into(), Value::String(sentence));
    v
}

/// Writes `value` as pretty JSON nested at `indent`, as `serde_json::to_writer_pretty`
/// writes it inside a document: every line after the first is indented. A JSON string
/// never holds a raw line break, so each one in the text is between two lines.
fn write_indented(
    out: &mut impl Write,
    value: &impl serde::Serialize,
    indent: &str,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::from)?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(indent.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// The summary as aligned `key: value` lines, nested objects indented.
pub fn write_summary_text(out: &mut impl Write, summary: &Summary) -> io::Result<()> {
    writeln!(out, "summary")?;
    let v = serde_json::to_value(summary).expect("summary serializes");
    write_value(out, &v, 1)
}

fn write_value(out: &mut impl Write, v: &Value, depth: usize) -> io::Result<()> {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) | Value::Array(_) => {
                        writeln!(out, "{pad}{k}:")?;
                        write_value(out, v, depth + 1)?;
                    }
                    _ => writeln!(out, "{pad}{k}: {v}")?,
                }
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                writeln!(out, "{pad}(none)")?;
            }
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        writeln!(out, "{pad}[{i}]")?;
                        write_value(out, item, depth + 1)?;
                    }
                    _ => writeln!(out, "{pad}- {item}")?,
                }
            }
        }
        other => writeln!(out, "{pad}{other}")?,
    }
    Ok(())
}
