//! The runner with reporters that record what they saw, driven by small pseudoword sessions.

use std::cell::RefCell;
use std::rc::Rc;

use clap::Parser;
use crossbeam_channel::{Receiver, unbounded};

use super::lines::Lines;
use super::recap::Recap;
use super::{CommandLine, End, Event, Problem, Reporter, Session, Unattended};
use crate::app::Model;

/// What a reporter saw, one word per event.
type Seen = Rc<RefCell<Vec<String>>>;

struct Recorder(Seen);

impl Reporter for Recorder {
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        let word = match event {
            Event::Began => "began".to_string(),
            Event::RunStarted(record) => format!("started {}", record.name),
            Event::RunFinished(record) => {
                format!("finished {} {}", record.name, record.state.word())
            }
            Event::RunRetried(record) => format!("retried {} {}", record.name, record.attempt),
            Event::PartFinished(record, part) => {
                format!(
                    "finished {} {} {}",
                    record.name,
                    part.name,
                    part.state.word()
                )
            }
            Event::Warning(text) => format!("warning {text}"),
            Event::Turned => return Ok(()),
            Event::Ended(ending) => format!("ended {:?} {}", ending.end, ending.interrupted),
        };
        self.0.borrow_mut().push(word);
        Ok(())
    }
}

/// A reporter whose output is gone from the start, as stdout is under `| head -0`.
struct Closed;

impl Reporter for Closed {
    fn report(&mut self, _: &Event<'_>, _: &Model) -> Result<(), Problem> {
        Err(Problem::Lost(std::io::ErrorKind::BrokenPipe.into()))
    }
}

fn session(tasks: u32, build_root: &std::path::Path) -> Session {
    let words = (tasks * 50).to_string();
    let args = crate::plan::cli::Args::try_parse_from([
        "jobdeck".as_ref(),
        "--no-cmake".as_ref(),
        "-j1".as_ref(),
        "--words".as_ref(),
        words.as_ref(),
        "--words-per-task=50".as_ref(),
        "--letters=ab".as_ref(),
        "-B".as_ref(),
        build_root.as_os_str(),
    ])
    .expect("arguments");
    let plan = args.plan().expect("a plan");
    Session::start(plan).expect("a pool")
}

fn build_root(label: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jobdeck-runner-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn quiet() -> Receiver<i32> {
    unbounded().1
}

#[test]
fn every_reporter_sees_each_run_start_and_finish_then_the_end() {
    let dir = build_root("all");
    let session = session(2, &dir);
    let jobs = session.model.jobs.len();
    let seen = Seen::default();
    let end = session
        .run(Unattended, vec![Box::new(Recorder(seen.clone()))], &quiet())
        .expect("no output lost");
    assert_eq!(end, End::AllSucceeded);
    let seen = seen.borrow();
    assert_eq!(seen.first().map(String::as_str), Some("began"), "{seen:?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("ended AllSucceeded false")
    );
    let started = seen.iter().filter(|s| s.starts_with("started")).count();
    let finished = seen.iter().filter(|s| s.ends_with(" ok")).count();
    assert_eq!((started, finished), (jobs, jobs), "{seen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_signal_still_ends_every_reporter_with_what_ran() {
    let dir = build_root("signal");
    let session = session(3, &dir);
    let (tx, rx) = unbounded();
    tx.send(2).expect("the runner listens");
    let seen = Seen::default();
    let end = session
        .run(Unattended, vec![Box::new(Recorder(seen.clone()))], &rx)
        .expect("no output lost");
    assert_eq!(end, End::Interrupted);
    let seen = seen.borrow();
    assert_eq!(
        seen.last().map(String::as_str),
        Some("ended Interrupted true")
    );
    assert!(
        seen.iter().any(|s| s.starts_with("finished")),
        "the cancelled jobs are reported: {seen:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_lost_output_stops_the_session_and_the_others_still_see_the_end() {
    let dir = build_root("lost");
    let session = session(3, &dir);
    let seen = Seen::default();
    let end = session
        .run(
            Unattended,
            vec![Box::new(Closed), Box::new(Recorder(seen.clone()))],
            &quiet(),
        )
        .expect("a closed pipe is not an error");
    assert_eq!(end, End::OutputClosed);
    assert!(
        seen.borrow().last().is_some_and(|s| s.starts_with("ended")),
        "{seen:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plain_lines_and_the_recap_print_what_headless_prints() {
    let model = Model::new(
        Vec::<crate::app::JobNode>::new(),
        1,
        std::time::Instant::now(),
    );
    let mut lines = Lines::new(false, Vec::new(), Vec::new());
    let mut recap = Recap::new(Vec::new(), None);
    let summary = model.summary();
    let command = CommandLine::default();
    let ending = super::Ending {
        end: End::AllSucceeded,
        interrupted: false,
        output_lost: false,
        summary: &summary,
        unsuccessful: &[],
        command: &command,
    };
    for reporter in [&mut lines as &mut dyn Reporter, &mut recap] {
        reporter
            .report(&Event::Ended(&ending), &model)
            .expect("in memory");
    }
    assert!(
        lines.into_inner().is_empty(),
        "plain lines end with the recap"
    );
    let printed = String::from_utf8(recap.into_inner()).expect("text");
    assert_eq!(printed, format!("{}\n", summary.line(false)));
}

/// The history's line of a run of `stage` of project `p` that took `ms`, in `situation`.
fn history_line(stage: &str, status: &str, ms: u64, situation: &str) -> String {
    format!(
        r#"{{"job":"p","kind":"cmake","stage":"{stage}","status":"{status}","duration_ms":{ms},"situation":"{situation}"}}"#
    )
}

/// A session on a build root whose history has runs in both situations, the latest fresh
/// (the folder was emptied in between): its configure finds a cache and its build a folder
/// already built, so each expects what the runs in that situation took, not the latest
/// fresh run's (issue 32: the ETA said 24m09s of a run that took 4m59s); on an emptied
/// folder, the fresh runs'.
#[test]
fn a_run_is_expected_to_take_what_runs_in_its_situation_took() {
    let dir = build_root("situations");
    let (ws, root) = (dir.join("ws"), dir.join("build"));
    std::fs::create_dir_all(ws.join("p")).expect("project folder");
    std::fs::write(ws.join("p/CMakeLists.txt"), "project(p NONE)\n").expect("project");
    std::fs::create_dir_all(root.join("p")).expect("build folder");
    let mut lines = [
        history_line("configure", "ok", 500, "reconfigure"),
        history_line("build", "ok", 1_000, "incremental"),
        // The latest runs were fresh (the build folder was removed in between).
        history_line("configure", "ok", 4_000, "fresh"),
        history_line("build", "ok", 60_000, "fresh"),
    ]
    .join("\n");
    lines.push('\n');
    let history = crate::records::history::history_path(&root);
    std::fs::create_dir_all(history.parent().expect("a folder")).expect(".jobdeck");
    std::fs::write(&history, lines).expect("history");
    let estimate = |folder_files: &[&str]| {
        for file in ["CMakeCache.txt", "Makefile"] {
            let _ = std::fs::remove_file(root.join("p").join(file));
        }
        for file in folder_files {
            std::fs::write(root.join("p").join(file), "").expect("a build folder's file");
        }
        let args = crate::plan::cli::Args::try_parse_from([
            "jobdeck".as_ref(),
            "--build".as_ref(),
            "--no-share-probes".as_ref(),
            "-j1".as_ref(),
            ws.as_os_str(),
            "-B".as_ref(),
            root.as_os_str(),
        ])
        .expect("arguments");
        let session = Session::start(args.plan().expect("a plan")).expect("a pool");
        let expected: Vec<_> = session.model.jobs.iter().map(|row| row.expected).collect();
        let left = session.model.estimate().map(|estimate| estimate.left);
        (expected, left)
    };
    let secs = |ms| Some(std::time::Duration::from_millis(ms));
    // The configure's 0.5 s, then the build's 1 s half the time (it runs only if the
    // configure succeeds, two chances in four before any run ended): 1 s left.
    assert_eq!(
        estimate(&["CMakeCache.txt", "Makefile"]),
        (vec![secs(500), secs(1_000)], secs(1_000))
    );
    // A folder without a cache: both fresh, 4 s and half of 60 s.
    assert_eq!(
        estimate(&[]),
        (vec![secs(4_000), secs(60_000)], secs(34_000))
    );
    let _ = std::fs::remove_dir_all(&dir);
}
