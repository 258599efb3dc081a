//! The `iosim` command: runs scenarios and prints their traces. Only this binary turns
//! errors into messages and exit codes: 0 on success, 2 on bad input.

use clap::{Parser, Subcommand};
use iosim::output::Format;
use iosim::{Loaded, load_scenario, scenario};
use std::io::{self, Write};
use std::process::ExitCode;

/// A deterministic simulation of an operating system's I/O subsystem, for learning.
#[derive(Debug, Parser)]
#[command(name = "iosim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and print its trace.
    Run {
        /// A built-in scenario name (see `iosim list`) or a path to a JSON file.
        scenario: String,
        /// Seed for the scenario's random streams (default: the scenario's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario value before validation, e.g. --set machine.cpus=2 or
        /// --set devices.0.disk.queue=scan.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the built-in scenarios.
    List,
    /// Check a scenario without running it.
    Check {
        scenario: String,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Draw a run's timeline as an SVG, sized for a slide.
    Svg {
        /// A built-in scenario name or a path to a JSON file.
        scenario: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Where to write the SVG (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Start of the window, e.g. 8ms or 120us (default: the run's start).
        #[arg(long, value_parser = time_arg, value_name = "TIME")]
        from: Option<u64>,
        /// End of the window (default: 20 ms after its start, or the run's end).
        #[arg(long, value_parser = time_arg, value_name = "TIME")]
        to: Option<u64>,
    },
    /// Step through a scenario in the walkthrough (the guided tour by default).
    Tui {
        /// A built-in scenario name or a path to a JSON file.
        #[arg(default_value = "tour")]
        scenario: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// Opens the walkthrough on a scenario.
fn walkthrough(
    out: &mut impl Write,
    scenario: &str,
    seed: Option<u64>,
    sets: &[String],
) -> Result<(), iosim::Error> {
    let loaded = load_scenario(scenario, sets)?;
    let seed = seed.unwrap_or(loaded.scenario.seed);
    let kernel = iosim::build::build(&loaded.scenario, seed);
    let limit = loaded.scenario.machine.event_limit;
    let app = tui::App::with_event_limit(kernel, &loaded.scenario.name, limit);
    let _ = out.flush();
    tui::run(app).map_err(iosim::Error::Walkthrough)
}

/// A time on the command line: a number with its unit.
fn time_arg(text: &str) -> Result<u64, String> {
    kernel_sim::trace::parse_time(text).ok_or_else(|| {
        format!("not a time: {text} (write it with a unit: 8.3ms, 120us, 500ns, 2s)")
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    // Buffered: a trace is millions of short lines, and stdout alone flushes each one.
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = match cli.command {
        None => walkthrough(&mut out, "tour", None, &[]),
        Some(Command::Tui {
            scenario,
            seed,
            sets,
        }) => walkthrough(&mut out, &scenario, seed, &sets),
        Some(Command::List) => {
            for b in iosim::catalog::BUILTINS {
                let desc = scenario::parse(b.name, b.source)
                    .map(|s| s.description)
                    .unwrap_or_default();
                let _ = writeln!(out, "{:<26} {desc}", b.name);
            }
            Ok(())
        }
        Some(Command::Schema) => {
            let schema = scenario::schema();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema serializes")
            );
            Ok(())
        }
        Some(Command::Check { scenario, sets }) => {
            load_scenario(&scenario, &sets).map(|Loaded { scenario, .. }| {
                let _ = writeln!(out, "{}: ok ({})", scenario.name, scenario.description);
            })
        }
        Some(Command::Svg {
            scenario,
            seed,
            sets,
            output,
            from,
            to,
        }) => load_scenario(&scenario, &sets).and_then(|loaded| {
            if let (Some(f), Some(t)) = (from, to)
                && t <= f
            {
                return Err(iosim::Error::Usage(format!(
                    "--to ({t} ns) must come after --from ({f} ns)"
                )));
            }
            let seed = seed.unwrap_or(loaded.scenario.seed);
            let kernel = iosim::run(&loaded.scenario, seed)?;
            let end = kernel.trace().last().map_or(0, |e| e.time);
            let window = iosim::export::svg::Window::choose(from, to, end);
            let svg = iosim::export::svg::render(&kernel, &loaded.scenario.name, seed, window);
            match output {
                Some(path) => {
                    std::fs::write(&path, svg).map_err(|source| iosim::Error::WriteFile {
                        file: path.display().to_string(),
                        source,
                    })
                }
                None => out.write_all(svg.as_bytes()).map_err(iosim::Error::Io),
            }
        }),
        Some(Command::Run {
            scenario,
            seed,
            sets,
            format,
        }) => load_scenario(&scenario, &sets).and_then(|loaded| {
            let seed = seed.unwrap_or(loaded.scenario.seed);
            let kernel = iosim::run(&loaded.scenario, seed)?;
            let written =
                iosim::output::write(&mut out, &kernel, &loaded.scenario.name, seed, format)
                    .map_err(iosim::Error::Io);
            // The process ends right after this; freeing a trace of millions of events
            // one page at a time would only slow the exit.
            std::mem::forget(kernel);
            written
        }),
    };
    match result.and_then(|()| out.flush().map_err(iosim::Error::Io)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Whatever is still buffered is dropped, not printed after the error.
            let _ = out.into_parts();
            let _ = write!(io::stderr(), "{}", e.render());
            ExitCode::from(2)
        }
    }
}
