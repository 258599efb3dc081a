//! The run's outputs, all read from the one trace: narrated text, one JSON document,
//! JSON lines, or the summary alone.

use kernel_sim::trace::Narrator;
use kernel_sim::{Kernel, Summary, TraceEvent};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};

/// How `iosim run` prints a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One narrated line per event, then the summary.
    Text,
    /// One JSON object: scenario, seed, events, summary.
    Json,
    /// One JSON object per line: each event, then the summary.
    Jsonl,
    /// Only the summary, as JSON.
    Summary,
    /// The Chrome Trace Event Format, for Perfetto UI or chrome://tracing.
    ChromeTrace,
}

/// A trace event as JSON, with its explanation under `text`. `narrator` must see every
/// event of the run, in order: it adds the model's notes where they are due.
pub fn event_json(kernel: &Kernel, narrator: &mut Narrator, ev: &TraceEvent) -> Value {
    let mut v = serde_json::to_value(ev).expect("trace events serialize");
    v.as_object_mut()
        .expect("an event is an object")
        .insert("text".into(), Value::String(narrator.narrate(kernel, ev)));
    v
}

#[derive(Serialize)]
struct Document<'a> {
    scenario: &'a str,
    seed: u64,
    events: Vec<Value>,
    summary: Summary,
}

/// Writes the finished run in `format`.
pub fn write(
    out: &mut impl Write,
    kernel: &Kernel,
    scenario: &str,
    seed: u64,
    format: Format,
) -> io::Result<()> {
    let trace = kernel.trace();
    let mut narrator = Narrator::new();
    match format {
        Format::ChromeTrace => crate::export::chrome::write(out, kernel, scenario, seed)?,
        Format::Text => {
            writeln!(
                out,
                "iosim run of {scenario} (seed {seed}): {} events",
                trace.len()
            )?;
            for ev in trace {
                let note = narrator.observe(ev);
                writeln!(out, "{}", kernel.narrate(ev, note))?;
            }
            writeln!(out)?;
            write_summary_text(out, &kernel.summary())?;
        }
        Format::Json => {
            let doc = Document {
                scenario,
                seed,
                events: trace
                    .iter()
                    .map(|ev| event_json(kernel, &mut narrator, ev))
                    .collect(),
                summary: kernel.summary(),
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for ev in trace {
                serde_json::to_writer(&mut *out, &event_json(kernel, &mut narrator, ev))?;
                writeln!(out)?;
            }
            serde_json::to_writer(
                &mut *out,
                &serde_json::json!({ "summary": kernel.summary() }),
            )?;
            writeln!(out)?;
        }
        Format::Summary => {
            serde_json::to_writer_pretty(&mut *out, &kernel.summary())?;
            writeln!(out)?;
        }
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
