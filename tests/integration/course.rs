//! The course exercises: every exercise draws valid variants whose questions the run
//! answers; the variants, questions and answers for a fixed set of seeds are pinned, so a
//! change to the simulator that would change a course's answer fails here and shows the
//! diff; and grading marks right answers right, wrong ones wrong, from the forms students
//! write, through the real binary.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use iosim::course::answers::{Mark, parse};
use iosim::course::{Form, Sheet, Value, exercises, print};

const IOSIM: &str = env!("CARGO_BIN_EXE_iosim");

/// The seeds whose variants, questions and answers are pinned.
const PINNED_SEEDS: [u64; 3] = [1, 2, 3];

/// How many seeds of each exercise the tests draw to find a broken variant.
const DRAWN_SEEDS: u64 = 40;

#[test]
fn the_course_has_at_least_twelve_exercises_with_unique_ids_on_every_topic() {
    let ids: BTreeSet<&str> = exercises::ALL.iter().map(|e| e.id()).collect();
    assert!(
        exercises::ALL.len() >= 12,
        "{} exercises",
        exercises::ALL.len()
    );
    assert_eq!(ids.len(), exercises::ALL.len(), "ids are unique");
    use strum::IntoEnumIterator;
    let topics: BTreeSet<_> = exercises::ALL.iter().map(|e| e.topic()).collect();
    for topic in iosim::course::Topic::iter() {
        assert!(topics.contains(&topic), "no exercise on {}", topic.title());
    }
}

#[test]
fn every_variant_of_every_exercise_is_valid_and_answerable() {
    for exercise in exercises::ALL {
        let mut variants = BTreeSet::new();
        for seed in 0..DRAWN_SEEDS {
            let sheet = Sheet::new(*exercise, seed)
                .unwrap_or_else(|e| panic!("{} seed {seed}: {}", exercise.id(), e.render()));
            let n = sheet.variant.questions.len();
            assert!((3..=6).contains(&n), "{} asks {n} questions", exercise.id());
            let answers = sheet
                .answers()
                .unwrap_or_else(|e| panic!("{} seed {seed}: {}", exercise.id(), e.render()));
            assert_eq!(answers.len(), n);
            variants.insert(sheet.scenario_text());
        }
        // Seeded ranges: the seeds do not all draw the same variant.
        assert!(
            variants.len() > DRAWN_SEEDS as usize / 4,
            "{}: only {} different variants in {DRAWN_SEEDS} seeds",
            exercise.id(),
            variants.len()
        );
    }
}

#[test]
fn every_exercise_is_pinned_for_its_seeds() {
    for exercise in exercises::ALL {
        for seed in PINNED_SEEDS {
            let sheet = Sheet::new(*exercise, seed).expect("a valid variant");
            let mut text = Vec::new();
            print::sheet(&mut text, &sheet).unwrap();
            writeln_answers(&mut text, &sheet);
            insta::assert_snapshot!(
                format!("{}-seed-{seed}", exercise.id()),
                String::from_utf8(text).unwrap()
            );
        }
    }
}

fn writeln_answers(text: &mut Vec<u8>, sheet: &Sheet) {
    use std::io::Write;
    writeln!(text, "\n---- answers ----").unwrap();
    print::answers(text, sheet, &sheet.answers().unwrap()).unwrap();
}

/// A right answer, written the way a student might: times in microseconds, threads with
/// the word "thread", orders as IRP names.
fn as_a_student_writes(value: &Value) -> String {
    match value {
        Value::Time(ns) if ns % 1000 == 0 => format!("{} us", ns / 1000),
        Value::Time(ns) => format!("{}.{:03} us", ns / 1000, ns % 1000),
        Value::Thread(name) => format!("thread {}", name.to_lowercase()),
        Value::Number(n) => n.to_string(),
        Value::Word(w) => w.to_lowercase(),
        Value::List(irps) => irps
            .iter()
            .map(|n| format!("IRP{n}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A wrong answer of the same form.
fn wrong(value: &Value) -> String {
    match value {
        Value::Time(ns) => format!("{} ns", ns + 1),
        Value::Thread(_) => "NoSuchThread".into(),
        Value::Number(n) => (n + 1).to_string(),
        Value::Word(_) => "STATUS_NOPE".into(),
        Value::List(irps) => irps
            .iter()
            .rev()
            .chain([&999])
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

#[test]
fn right_answers_in_students_forms_are_right_and_wrong_ones_are_wrong() {
    for exercise in exercises::ALL {
        let sheet = Sheet::new(*exercise, 5).unwrap();
        let answers = sheet.answers().unwrap();
        let file = |f: &dyn Fn(&Value) -> String| {
            let map: serde_json::Map<String, serde_json::Value> = answers
                .iter()
                .map(|a| (a.id.clone(), f(&a.computed.value).into()))
                .collect();
            serde_json::json!({ "answers": map }).to_string()
        };
        let right = sheet
            .grade(&parse("right.json", &file(&as_a_student_writes)).unwrap())
            .unwrap();
        assert!(right.all_right(), "{}: {:#?}", exercise.id(), right.answers);
        let wrong = sheet
            .grade(&parse("wrong.json", &file(&wrong)).unwrap())
            .unwrap();
        assert_eq!(wrong.right, 0, "{}: {:#?}", exercise.id(), wrong.answers);
        assert!(wrong.answers.iter().all(|a| a.mark == Mark::Wrong));
    }
}

#[test]
fn an_answer_in_the_wrong_form_is_unreadable_and_a_missing_one_is_missing() {
    let sheet = Sheet::new(iosim::course::find("irp-life-cycle").unwrap(), 1).unwrap();
    let time_question = sheet
        .variant
        .questions
        .iter()
        .find(|q| q.query.form() == Form::Time)
        .expect("a question about time");
    let file = format!(r#"{{"answers": {{"{}": "11477507"}}}}"#, time_question.id);
    let report = sheet.grade(&parse("a.json", &file).unwrap()).unwrap();
    for a in &report.answers {
        let expected = if a.id == time_question.id {
            Mark::Unreadable
        } else {
            Mark::Missing
        };
        assert_eq!(a.mark, expected, "{}", a.id);
    }
}

/// Runs `iosim ARGS` and returns its exit code and standard output.
fn iosim(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(IOSIM)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs the binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_shows_answers_checks_and_grades_a_class() {
    let dir = std::env::temp_dir().join(format!("iosim-course-{}", std::process::id()));
    let class = dir.join("class");
    std::fs::create_dir_all(&class).unwrap();
    let sheet = Sheet::new(iosim::course::find("port-release").unwrap(), 4).unwrap();
    let answers = sheet.answers().unwrap();
    let all_right: serde_json::Map<String, serde_json::Value> = answers
        .iter()
        .map(|a| (a.id.clone(), as_a_student_writes(&a.computed.value).into()))
        .collect();
    let mut one_wrong = all_right.clone();
    one_wrong.insert("q2".into(), wrong(&answers[1].computed.value).into());
    let write =
        |name: &str, student: &str, answers: &serde_json::Map<String, serde_json::Value>| {
            let path = class.join(name);
            let text = serde_json::json!({
                "exercise": "port-release", "seed": 4, "student": student, "answers": answers,
            });
            std::fs::write(&path, text.to_string()).unwrap();
            path.display().to_string()
        };
    let ada = write("ada.json", "ada", &all_right);
    let bob = write("bob.json", "bob", &one_wrong);
    std::fs::write(class.join("eve.json"), "{\"answers\": ").unwrap();

    let (code, out, _) = iosim(&["exercise", "check", "port-release", "--seed", "4", &ada]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out, _) = iosim(&["exercise", "check", "port-release", "--seed", "4", &bob]);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("q2 wrong") && out.contains("seen at step"),
        "{out}"
    );
    // An answer file for another seed is bad input, not a wrong answer.
    let (code, _, err) = iosim(&["exercise", "check", "port-release", "--seed", "5", &ada]);
    assert_eq!(code, Some(2));
    assert!(err.contains("seed 4, not 5"), "{err}");
    // The sheet as JSON, for tools: the scenario and each question, no answers.
    let (code, json, _) = iosim(&[
        "exercise",
        "show",
        "port-release",
        "--seed",
        "4",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let sheet_json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = sheet_json["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["q1", "q2", "q3", "q4"]);
    assert_eq!(sheet_json["scenario"], sheet.variant.scenario);
    assert!(!json.contains("seen_at"), "a sheet gives no answers");
    // Without a terminal, --tui says how to print the variant's run instead.
    let (code, _, err) = iosim(&["exercise", "show", "port-release", "--seed", "4", "--tui"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("iosim exercise show port-release --seed 4 --scenario > variant.json"),
        "{err}"
    );
    let (code, _, err) = iosim(&["exercise", "show", "no-such", "--seed", "1"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("port-release"),
        "the message lists the exercises: {err}"
    );

    let (code, table, _) = iosim(&[
        "exercise",
        "grade",
        &class.display().to_string(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, Some(0));
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(
        rows[1].starts_with("ada,") && rows[1].contains(",4,4,4,-,"),
        "{table}"
    );
    assert!(
        rows[2].starts_with("bob,") && rows[2].contains(",3,4,q2,"),
        "{table}"
    );
    assert!(
        rows[3].starts_with("eve,") && rows[3].contains("eve.json:1:"),
        "{table}"
    );
    // A file far larger than any answer file is refused before it is read whole.
    let huge = dir.join("huge.json");
    std::fs::write(
        &huge,
        vec![b' '; (iosim::course::answers::MAX_ANSWER_FILE + 1) as usize],
    )
    .unwrap();
    let huge = huge.display().to_string();
    let (code, _, err) = iosim(&["exercise", "check", "port-release", "--seed", "4", &huge]);
    assert_eq!(code, Some(2));
    assert!(err.contains("larger than"), "{err}");
    // A folder with no answer file is a mistake worth saying, not an empty table.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, err) = iosim(&["exercise", "grade", &empty.display().to_string()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no answer files"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_variant_saved_with_scenario_runs_as_the_exercise_ran_it() {
    let (code, json, _) = iosim(&[
        "exercise",
        "show",
        "disk-ordering",
        "--seed",
        "2",
        "--scenario",
    ]);
    assert_eq!(code, Some(0));
    let path = std::env::temp_dir().join(format!("iosim-variant-{}.json", std::process::id()));
    std::fs::write(&path, &json).unwrap();
    let (code, summary, err) = iosim(&["run", &path.display().to_string(), "--format", "summary"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, Some(0), "{err}");
    let sheet = Sheet::new(iosim::course::find("disk-ordering").unwrap(), 2).unwrap();
    let seek = sheet
        .answers()
        .unwrap()
        .into_iter()
        .find(|a| a.question.contains("seek time"))
        .unwrap();
    let Value::Time(ns) = seek.computed.value else {
        panic!("a time")
    };
    assert!(summary.contains(&format!("\"seek_ns\": {ns}")), "{summary}");
}
