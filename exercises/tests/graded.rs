//! The graded runs: each exercise's document must equal its pinned snapshot,
//! `tests/snapshots/<exercise>.snap`, made from the reference solution.
//!
//! Without the `student` feature the reference runs, through `insta::assert_snapshot!`,
//! so an instructor can pin a new snapshot (`INSTA_UPDATE=always`, reviewed with
//! `git diff`) and CI proves every exercise solvable. With the `student` feature the
//! student's code runs and its document is compared with the pinned file as read, by
//! this crate's own comparison: insta is never asked to assert, so no insta setting or
//! environment variable (INSTA_UPDATE, INSTA_FORCE_PASS, `cargo insta accept`) can write
//! a snapshot or let a wrong answer pass.

use iosim_exercises::disk_dpc::{self, Dpc, DpcPass, DpcStep, Status};
use iosim_exercises::disk_order::{self, DiskOrder, Head, Pick, Request};
use iosim_exercises::port_worker::{self, Call, Outcome, PortWorker};
use iosim_exercises::{EXERCISES, Exercise, ExerciseError, GRADES_STUDENT, NotWritten, grade};
use std::path::PathBuf;

fn snapshot_file(exercise: &Exercise) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{}.snap", exercise.name))
}

/// The pinned document of `exercise`, as insta reads it.
fn pinned(exercise: &Exercise) -> String {
    let file = snapshot_file(exercise);
    let snapshot = insta::Snapshot::from_file(&file)
        .unwrap_or_else(|e| panic!("cannot read the pinned snapshot {}: {e}", file.display()));
    snapshot
        .as_text()
        .unwrap_or_else(|| panic!("{} is not a text snapshot", file.display()))
        .to_string()
}

/// Runs `exercise` with the code this build grades and compares its document with the
/// pinned one; panics with what differs.
fn grade_exercise(exercise: &Exercise) {
    let document = iosim_exercises::graded_run(exercise).unwrap_or_else(|e| panic!("\n{e}\n"));
    if GRADES_STUDENT {
        if let Err(mismatch) = grade::compare(&pinned(exercise), &document, exercise.look) {
            let error = ExerciseError::Mismatch {
                exercise: exercise.name,
                mismatch,
            };
            panic!("\n{error}\n");
        }
    } else {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(format!(
            "{} run with the reference solution; the student's must give the same",
            exercise.scenario_file
        ));
        settings.bind(|| insta::assert_snapshot!(exercise.name, document));
    }
}

#[test]
fn disk_order() {
    grade_exercise(&disk_order::EXERCISE);
}

#[test]
fn port_worker() {
    grade_exercise(&port_worker::EXERCISE);
}

#[test]
fn disk_dpc() {
    grade_exercise(&disk_dpc::EXERCISE);
}

#[test]
fn every_exercise_has_a_pinned_snapshot_and_a_test() {
    for exercise in EXERCISES {
        assert!(
            snapshot_file(exercise).is_file(),
            "{} has no pinned snapshot: run INSTA_UPDATE=always cargo test -p \
             iosim-exercises and review it",
            exercise.name
        );
        let tests = include_str!("graded.rs");
        let test = format!(
            "grade_exercise(&{}::EXERCISE);",
            exercise.name.replace('-', "_")
        );
        assert!(tests.contains(&test), "no test runs `{test}`");
    }
}

/// The starting files: each fails with a message that names its file and the guide,
/// pinned whole. Only for the repository's starting files: once a student writes theirs,
/// they grade it with the `student` feature, which leaves this test out.
#[cfg(not(feature = "student"))]
#[test]
fn starting_files_fail_with_their_message() {
    for exercise in EXERCISES {
        let error = match (exercise.student)() {
            Err(error @ ExerciseError::NotWritten { .. }) => error,
            other => panic!(
                "{}'s starting file ({}) must fail with NotWritten, not give {other:?}",
                exercise.name, exercise.student_file
            ),
        };
        let message = error.to_string();
        assert!(message.contains(exercise.student_file), "{message}");
        assert!(message.contains("docs/build-it-yourself.md"), "{message}");
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("starter-{}", exercise.name), message);
        });
    }
}

// Wrong answers fail, and say where.

/// The document of a run that must finish.
fn finished(run: Result<String, ExerciseError>) -> String {
    run.unwrap_or_else(|e| panic!("the run should finish: {e}"))
}

/// SCAN where C-LOOK is asked for: the same until the head must jump back.
#[derive(Debug)]
struct Scan;

impl DiskOrder for Scan {
    fn pick(&self, head: Head, waiting: &[Request]) -> Result<Pick, NotWritten> {
        use devices::disk::order::{OrderPolicy, Policy};
        Ok(Policy::Scan.pick(head, waiting))
    }
}

#[test]
fn scan_is_not_c_look_and_grading_shows_the_first_wrong_pick() {
    let exercise = &disk_order::EXERCISE;
    let document = finished(disk_order::run(Scan));
    let mismatch = grade::compare(&pinned(exercise), &document, exercise.look).unwrap_err();
    assert!(!mismatch.in_summary);
    // C-LOOK jumps from 183 to 14 (the sixth read, IRP6); SCAN turns to 37 (IRP4).
    let (want, got) = (mismatch.expected.unwrap(), mismatch.actual.unwrap());
    assert!(
        want.contains("IrpStarted") && want.contains("IRP6 "),
        "{want}"
    );
    assert!(got.contains("IrpStarted") && got.contains("IRP4 "), "{got}");
}

#[derive(Debug)]
struct PastTheEnd;

impl DiskOrder for PastTheEnd {
    fn pick(&self, head: Head, waiting: &[Request]) -> Result<Pick, NotWritten> {
        Ok(Pick {
            index: waiting.len(),
            direction: head.direction,
        })
    }
}

#[test]
fn a_pick_past_the_end_stops_the_run_and_says_so() {
    let error = disk_order::run(PastTheEnd).unwrap_err();
    let ExerciseError::Misused { what, .. } = &error else {
        panic!("{error:?}");
    };
    // The first pick: the first read alone in the queue.
    assert!(
        what.starts_with("pick returned index 1 with 1 request waiting"),
        "{what}"
    );
}

/// Processes each packet before issuing the next read: the disk idles meanwhile.
#[derive(Debug, Clone, Default)]
struct ProcessFirst {
    issued: Vec<(u64, u64)>,
    in_flight: u32,
    next: Option<Call>,
}

impl PortWorker for ProcessFirst {
    fn next(&mut self, last: &Outcome) -> Result<Call, NotWritten> {
        let chunk = u64::from(port_worker::CHUNK);
        match *last {
            Outcome::Start => {
                self.next = Some(Call::Read { key: 2, offset: 0 });
                return Ok(Call::Read { key: 1, offset: 0 });
            }
            Outcome::Issued => self.in_flight += 1,
            Outcome::Packet {
                key, offset, bytes, ..
            } => {
                self.in_flight -= 1;
                let len = port_worker::FILES
                    .iter()
                    .find(|f| f.key == key)
                    .unwrap()
                    .len;
                if offset + chunk < len {
                    self.next = Some(Call::Read {
                        key,
                        offset: offset + chunk,
                    });
                }
                self.issued.push((key, offset));
                return Ok(Call::Process { bytes });
            }
            Outcome::Refused | Outcome::Processed => {}
        }
        if let Some(read) = self.next.take() {
            return Ok(read);
        }
        Ok(if self.in_flight > 0 {
            Call::GetPacket
        } else {
            Call::Exit
        })
    }
}

#[test]
fn processing_before_the_next_read_is_graded_wrong() {
    let exercise = &port_worker::EXERCISE;
    let document = finished(port_worker::run(ProcessFirst::default()));
    let mismatch = grade::compare(&pinned(exercise), &document, exercise.look).unwrap_err();
    assert!(!mismatch.in_summary);
    assert!(
        document.contains("ThreadExited"),
        "the wrong worker still finishes"
    );
}

/// Completes every IRP as a success with the bytes asked for.
#[derive(Debug)]
struct AlwaysSuccess;

impl DpcPass for AlwaysSuccess {
    fn run(&self, dpc: &mut Dpc<'_, '_, '_>) -> Result<DpcStep, NotWritten> {
        let Some(reaped) = dpc.reap() else {
            dpc.start_queued();
            return Ok(DpcStep::Done);
        };
        dpc.complete(reaped.irp, Status::Success, reaped.done_bytes);
        Ok(DpcStep::More)
    }
}

#[test]
fn a_dpc_that_ignores_the_descriptor_status_is_graded_wrong() {
    let exercise = &disk_dpc::EXERCISE;
    let document = finished(disk_dpc::run(AlwaysSuccess));
    let mismatch = grade::compare(&pinned(exercise), &document, exercise.look).unwrap_err();
    // The skipped descriptor comes first: IRP2 is completed as a success.
    let (want, got) = (mismatch.expected.unwrap(), mismatch.actual.unwrap());
    assert!(
        want.contains("IrpCompleted") && want.contains("STATUS_CANCELLED"),
        "{want}"
    );
    assert!(
        got.contains("IrpCompleted") && got.contains("STATUS_SUCCESS"),
        "{got}"
    );
}

/// Reaps and never completes.
#[derive(Debug)]
struct ReapOnly;

impl DpcPass for ReapOnly {
    fn run(&self, dpc: &mut Dpc<'_, '_, '_>) -> Result<DpcStep, NotWritten> {
        Ok(match dpc.reap() {
            Some(_) => DpcStep::Done,
            None => DpcStep::Done,
        })
    }
}

#[test]
fn a_dpc_that_ends_with_an_irp_not_completed_stops_the_run() {
    let error = disk_dpc::run(ReapOnly).unwrap_err();
    let ExerciseError::Misused { what, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        what.starts_with("the DPC returned Done with IRP1 reaped but not completed"),
        "{what}"
    );
}
