//! The `iosim` command: runs scenarios and prints their traces. Only this binary turns
//! errors into messages and exit codes: 0 on success, 1 when `iosim check` finds an
//! expectation broken (or `iosim exercise check` a wrong answer), 2 on bad input or
//! output that cannot be written. A reader that stops early (`iosim run … | head`) is
//! not an error: the run stops at once and the command ends quietly with 0.

use clap::{Parser, Subcommand};
use iosim::export::svg::{LATEST_TIME, Window};
use iosim::output::Format;
use iosim::{Error, Loaded, load_scenario, scenario};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// A deterministic simulation of an operating system's I/O subsystem, for learning.
#[derive(Debug, Parser)]
#[command(name = "iosim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// Which scenario, with which seed and overrides: the arguments every running command
/// shares.
#[derive(Debug, clap::Args)]
struct ScenarioArgs {
    /// A built-in scenario name (see `iosim list`) or a path to a JSON file.
    scenario: String,
    /// Seed for the scenario's random streams (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario value before validation, e.g. --set machine.cpus=2 or
    /// --set devices.0.disk.queue=scan (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and print its trace.
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// How to print the run. All but chrome-trace stream: memory stays the same
        /// however long the run.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the built-in scenarios.
    List,
    /// Check a scenario; if it states expectations, run it and say whether each held
    /// (exit 1 if one broke).
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Draw a run's timeline as an SVG, sized for a slide.
    Svg {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Where to write the SVG (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Start of the window, e.g. 8ms or 120us; before the run's end (default: the
        /// run's start).
        #[arg(long, value_parser = time_arg, value_name = "TIME")]
        from: Option<TimeArg>,
        /// End of the window; after --from and not past the run's end (default: 20 ms
        /// after its start, or the run's end).
        #[arg(long, value_parser = time_arg, value_name = "TIME")]
        to: Option<TimeArg>,
    },
    /// Course exercises: a variant per seed, questions about it, and answers the
    /// simulator computes (see docs/course.md).
    Exercise {
        #[command(subcommand)]
        command: ExerciseCommand,
    },
    /// Step through a scenario in the walkthrough (the guided tour by default).
    Tui {
        /// A built-in scenario name (see `iosim list`) or a path to a JSON file.
        #[arg(default_value = "tour")]
        scenario: String,
        /// Seed for the scenario's random streams (default: the scenario's own).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a scenario value before validation, e.g. --set machine.cpus=2
        /// (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

/// The exercise commands: `iosim exercise …`.
#[derive(Debug, Subcommand)]
enum ExerciseCommand {
    /// List the exercises: id, topic and goal, in course order.
    List,
    /// Print an exercise's variant for a seed: its scenario and its questions.
    Show {
        #[command(flatten)]
        variant: VariantArgs,
        /// Print only the variant's scenario, as JSON to save and run.
        #[arg(long, conflicts_with = "tui")]
        scenario: bool,
        /// Open the variant in the walkthrough instead of printing it.
        #[arg(long)]
        tui: bool,
        /// How to print the sheet: JSON carries the scenario and each question's id,
        /// text and answer form, for tools that hand out or collect answers.
        #[arg(long, value_enum, default_value_t = TextOrJson::Text, conflicts_with_all = ["tui", "scenario"])]
        format: TextOrJson,
    },
    /// Print the answers the simulator computes for a variant, each with the step where
    /// it can be seen.
    Answer {
        #[command(flatten)]
        variant: VariantArgs,
        /// How to print the answers.
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// Grade a student's answer file against a variant: exit 0 if every answer is right,
    /// 1 if one is not.
    Check {
        #[command(flatten)]
        variant: VariantArgs,
        /// The answer file: {"answers": {"q1": "12.5 us", "q2": "T2"}}.
        file: PathBuf,
        /// How to print the grades.
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// Grade every answer file (*.json) in a folder, each naming its exercise and seed:
    /// one row per file.
    Grade {
        /// The folder of answer files.
        dir: PathBuf,
        /// How to print the table.
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
    },
}

/// Which exercise, with which seed.
#[derive(Debug, clap::Args)]
struct VariantArgs {
    /// The exercise's id (see `iosim exercise list`).
    id: String,
    /// The seed that picks the variant: each student gets their own.
    #[arg(long)]
    seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TableFormat {
    Text,
    Csv,
    Json,
}

/// Opens the walkthrough on a scenario, if standard input and output are a terminal.
fn walkthrough(scenario: &str, seed: Option<u64>, sets: &[String]) -> Result<(), Error> {
    let loaded = load_scenario(scenario, sets)?;
    let mut run = format!("iosim run {}", shell_word(scenario));
    if let Some(seed) = seed {
        run += &format!(" --seed {seed}");
    }
    for set in sets {
        run += &format!(" --set {}", shell_word(set));
    }
    let seed = seed.unwrap_or(loaded.scenario.seed);
    walk(&loaded.scenario, seed, &run)
}

/// Opens the walkthrough on `scenario` run with `seed`; `instead` is the command that
/// prints the run, offered when there is no terminal.
fn walk(scenario: &scenario::model::Scenario, seed: u64, instead: &str) -> Result<(), Error> {
    // Checked before anything touches the terminal: without one, ratatui would panic
    // after writing escape sequences to whatever standard output is.
    if !(io::stdin().is_terminal() && io::stdout().is_terminal()) {
        return Err(Error::Usage(format!(
            "the walkthrough needs a terminal, and standard input or output is not one; \
             to print the run instead: {instead}"
        )));
    }
    let kernel = iosim::build::build(scenario, seed);
    // Expectations are judged at the step shown, by an evaluator that runs its own copy
    // of the machine as built (with the events the build recorded).
    let expect = &scenario.expect;
    let checks = if expect.is_empty() {
        None
    } else {
        let checks = iosim::expect::walkthrough::WalkthroughChecks::new(expect, &kernel)?;
        Some((checks, kernel.clone()))
    };
    // The walkthrough keeps the whole trace, so it stops where a kept trace must.
    let limit = scenario.machine.event_limit.min(iosim::MAX_KEPT_EVENTS);
    let mut app = tui::App::with_event_limit(kernel, &scenario.name, limit)
        .with_description(&scenario.description);
    if let Some((checks, kernel)) = checks {
        app = app.with_checks(kernel, Box::new(checks));
    }
    tui::run(app).map_err(Error::Walkthrough)
}

/// `word` as one word for a POSIX shell: as it is when that is safe, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A time on the command line, as written, and its value in ns unless it is later than
/// [`LATEST_TIME`] (refused once the run's length is known, to say it too).
#[derive(Debug, Clone)]
struct TimeArg {
    text: String,
    ns: Option<u64>,
}

/// Parses a time written with its unit: 8.3ms, 120us, 500ns, 2s.
fn time_arg(text: &str) -> Result<TimeArg, String> {
    let ns = kernel_sim::trace::parse_time(text).ok_or_else(|| {
        format!("not a time: {text} (write it with a unit: 8.3ms, 120us, 500ns, 2s)")
    })?;
    Ok(TimeArg {
        text: text.to_string(),
        ns: (ns <= LATEST_TIME).then_some(ns),
    })
}

/// The window `--from` and `--to` ask for on a run that ends at `run_end`.
fn window(from: Option<&TimeArg>, to: Option<&TimeArg>, run_end: u64) -> Result<Window, Error> {
    for (flag, arg) in [("--from", from), ("--to", to)] {
        if let Some(TimeArg { text, ns: None }) = arg {
            return Err(Error::Usage(format!(
                "{flag} {text} is too large: the latest time accepted is {} s, and the run \
                 lasts {}",
                LATEST_TIME / 1_000_000_000,
                iosim::export::svg::format_time_exact(run_end)
            )));
        }
    }
    Window::choose(from.and_then(|t| t.ns), to.and_then(|t| t.ns), run_end)
        .map_err(|e| Error::Usage(e.to_string()))
}

/// Whether standard output was closed when the program started (`iosim … >&-`).
///
/// Rust's runtime reopens a closed standard output on /dev/null, read-write, before
/// `main`, and writes to it then succeed, so the output would vanish with exit 0. A
/// shell's `> /dev/null` opens it write-only: a read-write /dev/null is a closed output
/// (`1<> /dev/null` looks the same and is refused too). Linux only; elsewhere this
/// cannot tell and says no.
fn stdout_was_closed() -> bool {
    let is_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|p| p == *"/dev/null");
    let read_write = || {
        let info = std::fs::read_to_string("/proc/self/fdinfo/1").unwrap_or_default();
        info.lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            // O_ACCMODE is 3, O_RDWR is 2.
            .is_some_and(|flags| flags & 3 == 2)
    };
    is_null && read_write()
}

/// Whether the command prints to standard output.
fn writes_stdout(command: &Option<Command>) -> bool {
    match command {
        None | Some(Command::Tui { .. }) => false,
        Some(Command::Exercise {
            command: ExerciseCommand::Show { tui: true, .. },
        }) => false,
        Some(Command::Svg { output, .. }) => output.is_none(),
        Some(_) => true,
    }
}

/// How a command that ran went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    /// It did what was asked (exit 0).
    Ok,
    /// `iosim check` ran the scenario and an expectation broke (exit 1).
    Broken,
}

/// Carries out the command, writing its output to `out`.
fn execute(command: Option<Command>, out: &mut impl Write) -> Result<Done, Error> {
    let Some(command) = command else {
        return walkthrough("tour", None, &[]).map(|()| Done::Ok);
    };
    let done = match command {
        Command::Check { scenario: args } => return check(&args, out),
        Command::Tui {
            scenario,
            seed,
            sets,
        } => walkthrough(&scenario, seed, &sets),
        Command::List => list(out),
        Command::Exercise { command } => return exercise(command, out),
        Command::Schema => {
            let schema = scenario::schema();
            serde_json::to_writer_pretty(&mut *out, &schema).map_err(io::Error::from)?;
            writeln!(out)?;
            Ok(())
        }
        Command::Svg {
            scenario: args,
            output,
            from,
            to,
        } => svg(&args, output, from.as_ref(), to.as_ref(), out),
        Command::Run {
            scenario: args,
            format,
        } => {
            let loaded = load_scenario(&args.scenario, &args.sets)?;
            let seed = args.seed.unwrap_or(loaded.scenario.seed);
            iosim::output::write(out, &loaded.scenario, seed, format)
        }
    };
    done.map(|()| Done::Ok)
}

/// `iosim check`: validates the scenario; if it has expectations, runs it with the seed
/// given (or its own) and reports each one.
fn check(args: &ScenarioArgs, out: &mut impl Write) -> Result<Done, Error> {
    let Loaded { scenario, .. } = load_scenario(&args.scenario, &args.sets)?;
    if scenario.expect.is_empty() {
        writeln!(out, "{}: ok ({})", scenario.name, scenario.description)?;
        return Ok(Done::Ok);
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let (_, verdicts) = iosim::expect::run_checking(&scenario, seed, |_, _| Ok(()))?;
    writeln!(
        out,
        "{}, seed {seed}: expectations: {}",
        scenario.name,
        iosim::output::tally(&verdicts)
    )?;
    iosim::output::write_verdicts_text(out, &verdicts)?;
    Ok(if verdicts.iter().all(|v| v.held()) {
        Done::Ok
    } else {
        Done::Broken
    })
}

/// `iosim exercise …`.
fn exercise(command: ExerciseCommand, out: &mut impl Write) -> Result<Done, Error> {
    use iosim::course::{Sheet, answers, find, print};
    let sheet = |v: &VariantArgs| Sheet::new(find(&v.id)?, v.seed);
    match command {
        ExerciseCommand::List => print::list(out)?,
        ExerciseCommand::Show {
            variant,
            scenario,
            tui,
            format,
        } => {
            let sheet = sheet(&variant)?;
            if tui {
                let instead = format!(
                    "iosim exercise show {} --seed {} --scenario > variant.json && iosim run variant.json",
                    shell_word(&variant.id),
                    variant.seed
                );
                walk(&sheet.scenario, sheet.scenario.seed, &instead)?;
            } else if scenario {
                writeln!(out, "{}", sheet.scenario_text())?;
            } else if format == TextOrJson::Json {
                json_line(out, &sheet.questions_sheet())?;
            } else {
                print::sheet(out, &sheet)?;
            }
        }
        ExerciseCommand::Answer { variant, format } => {
            let sheet = sheet(&variant)?;
            let answers = sheet.answers()?;
            match format {
                TextOrJson::Text => print::answers(out, &sheet, &answers)?,
                TextOrJson::Json => json_line(
                    out,
                    &iosim::course::AnswerKey {
                        exercise: variant.id,
                        seed: variant.seed,
                        answers,
                    },
                )?,
            }
        }
        ExerciseCommand::Check {
            variant,
            file,
            format,
        } => {
            let sheet = sheet(&variant)?;
            let report = sheet.grade(&answers::load(&file)?)?;
            match format {
                TextOrJson::Text => print::report(out, &report)?,
                TextOrJson::Json => json_line(out, &report)?,
            }
            return Ok(if report.all_right() {
                Done::Ok
            } else {
                Done::Broken
            });
        }
        ExerciseCommand::Grade { dir, format } => {
            let rows = answers::grade_dir(&dir)?;
            match format {
                TableFormat::Text => print::class_text(out, &rows)?,
                TableFormat::Csv => print::class_csv(out, &rows)?,
                TableFormat::Json => json_line(out, &rows)?,
            }
        }
    }
    Ok(Done::Ok)
}

/// `value` as pretty JSON, and a newline.
fn json_line(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// `iosim list`: the built-in scenarios and what each shows.
fn list(out: &mut impl Write) -> Result<(), Error> {
    for b in iosim::catalog::BUILTINS {
        let desc = scenario::parse(b.name, b.source)
            .map(|s| s.description)
            .unwrap_or_default();
        writeln!(out, "{:<26} {desc}", b.name)?;
    }
    Ok(())
}

/// `iosim svg`: the run's timeline in the window asked for, to `output` or `out`.
fn svg(
    args: &ScenarioArgs,
    output: Option<PathBuf>,
    from: Option<&TimeArg>,
    to: Option<&TimeArg>,
    out: &mut impl Write,
) -> Result<(), Error> {
    let loaded = load_scenario(&args.scenario, &args.sets)?;
    // A window that is empty whatever the run is refused before running it.
    Window::check_order(from.and_then(|t| t.ns), to.and_then(|t| t.ns))
        .map_err(|e| Error::Usage(e.to_string()))?;
    let seed = args.seed.unwrap_or(loaded.scenario.seed);
    let kernel = iosim::run(&loaded.scenario, seed)?;
    let end = kernel.trace().last().map_or(0, |e| e.time);
    let window = window(from, to, end)?;
    let svg = iosim::export::svg::render(&kernel, &loaded.scenario.name, seed, window);
    match output {
        Some(path) => std::fs::write(&path, svg).map_err(|source| Error::WriteFile {
            file: path.display().to_string(),
            source,
        }),
        None => Ok(out.write_all(svg.as_bytes())?),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if writes_stdout(&cli.command) && stdout_was_closed() {
        let _ = writeln!(
            io::stderr(),
            "error: standard output is closed, so the output has nowhere to go; \
             redirect it to a file (or to /dev/null to discard it)"
        );
        return ExitCode::from(2);
    }
    // Buffered: a trace is millions of short lines, and stdout alone flushes each one.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = execute(cli.command, &mut out).and_then(|done| Ok((done, out.flush()?)));
    match result {
        Ok((Done::Ok, ())) => ExitCode::SUCCESS,
        Ok((Done::Broken, ())) => ExitCode::from(1),
        // The reader stopped early (`| head`): it has what it wanted, and the run is
        // already stopped.
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            let _ = out.into_parts();
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Whatever is still buffered is dropped, not printed after the error.
            let _ = out.into_parts();
            let _ = write!(io::stderr(), "{}", e.render());
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every subcommand, with the path of subcommands leading to it.
    fn arguments(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        for arg in command.get_arguments() {
            out.push((path.to_string(), arg.clone()));
        }
        for sub in command.get_subcommands() {
            arguments(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_argument_of_every_subcommand_has_help() {
        let mut command = Cli::command();
        // Adds the generated --help and --version, so they are checked too.
        command.build();
        let mut all = Vec::new();
        arguments(&command, "iosim", &mut all);
        let undescribed: Vec<String> = all
            .iter()
            .filter(|(_, arg)| {
                arg.get_help()
                    .or(arg.get_long_help())
                    .is_none_or(|help| help.to_string().trim().is_empty())
            })
            .map(|(path, arg)| format!("{path} {}", arg.get_id()))
            .collect();
        assert!(
            all.len() > 20,
            "the walk found only {} arguments",
            all.len()
        );
        assert_eq!(undescribed, Vec::<String>::new(), "arguments without help");
    }

    #[test]
    fn every_subcommand_has_help() {
        let command = Cli::command();
        for sub in command.get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
        }
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("tour"), "tour");
        assert_eq!(
            shell_word("devices.0.disk.queue=scan"),
            "devices.0.disk.queue=scan"
        );
        assert_eq!(shell_word("my scenario.json"), "'my scenario.json'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
