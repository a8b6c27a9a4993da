//! The engine driven directly: lifecycle guarantees with in-process tasks, and real cmake
//! configures of the fixture projects, including cancelling one whose configure has started
//! a grandchild.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{
    TempDir, cmake_available, copy_fixture, engine, live_group_members, next_event as next,
};
use crossbeam_channel::Receiver;
use jobdeck::engine::{
    EngineEvent, EventKind, Finished, JobId, Outcome, Report, RunCtx, RunId, Task, WorkItem,
};
use jobdeck::jobs::JobSpec;
use jobdeck::jobs::cmake::{CmakeJob, CmakeSettings};

fn item(n: u32, task: Task) -> WorkItem {
    WorkItem {
        job: JobId(n),
        run: RunId(u64::from(n) + 1),
        timeout: None,
        task,
    }
}

/// A task that spins until it is told to stop.
fn until_stopped() -> Task {
    Box::new(|ctx: &mut RunCtx| {
        while ctx.stop_reason().is_none() {
            std::thread::yield_now();
        }
        Report::stopped(ctx.stop_reason().expect("stopped"))
    })
}

/// Receives events until `count` runs have finished; returns every event seen, and checks
/// that no run finished twice and that each started run finished.
fn collect_until_finished(rx: &Receiver<EngineEvent>, count: usize) -> Vec<EngineEvent> {
    let mut events = Vec::new();
    let mut finished: HashMap<RunId, usize> = HashMap::new();
    while finished.len() < count {
        let event = next(rx);
        if matches!(event.kind, EventKind::Finished(_)) {
            *finished.entry(event.run).or_default() += 1;
        }
        events.push(event);
    }
    // Nothing more may arrive for these runs once the engine is idle.
    assert!(rx.try_recv().is_err(), "an event after the last Finished");
    assert!(finished.values().all(|&n| n == 1), "a run finished twice");
    for started in events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Started { .. }))
    {
        assert!(
            finished.contains_key(&started.run),
            "started, never finished"
        );
    }
    events
}

fn finished_of(events: &[EngineEvent], run: RunId) -> &Finished {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Finished(f) if e.run == run => Some(f),
            _ => None,
        })
        .expect("the run finished")
}

#[test]
fn every_started_run_finishes_exactly_once_and_a_panic_leaves_the_pool_working() {
    let (engine, rx) = engine(2);
    engine.submit(item(0, Box::new(|_: &mut RunCtx| panic!("task blew up"))));
    engine.submit(item(
        1,
        Box::new(|_: &mut RunCtx| Report::new(Outcome::Succeeded)),
    ));
    engine.submit(item(2, Box::new(|_: &mut RunCtx| panic!("again"))));
    engine.submit(item(3, Box::new(|_: &mut RunCtx| Report::failure("nope"))));
    let events = collect_until_finished(&rx, 4);
    let started = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Started { .. }))
        .count();
    assert_eq!(started, 4);
    assert_eq!(
        finished_of(&events, RunId(1)).outcome,
        Outcome::Panicked("task blew up".into())
    );
    assert_eq!(finished_of(&events, RunId(2)).outcome, Outcome::Succeeded);
    let failed = finished_of(&events, RunId(4));
    assert_eq!(failed.error.as_deref(), Some("nope"));
    // Both panics were caught, so both workers still take work.
    for n in 10..14 {
        engine.submit(item(
            n,
            Box::new(|_: &mut RunCtx| Report::new(Outcome::Succeeded)),
        ));
    }
    let events = collect_until_finished(&rx, 4);
    assert!(
        events.iter().all(|e| match &e.kind {
            EventKind::Finished(f) => f.outcome.is_success(),
            _ => true,
        }),
        "{events:#?}"
    );
}

#[test]
fn a_cancelled_queued_run_finishes_cancelled_without_starting() {
    let (engine, rx) = engine(1);
    engine.submit(item(0, until_stopped()));
    engine.submit(item(
        1,
        Box::new(|_: &mut RunCtx| Report::new(Outcome::Succeeded)),
    ));
    let first = next(&rx);
    assert_eq!(first.run, RunId(1));
    assert!(matches!(first.kind, EventKind::Started { .. }));
    engine.cancel(RunId(2));
    engine.cancel(RunId(1));
    engine.cancel(RunId(1));
    let events = collect_until_finished(&rx, 2);
    assert_eq!(finished_of(&events, RunId(1)).outcome, Outcome::Cancelled);
    assert_eq!(finished_of(&events, RunId(2)).outcome, Outcome::Cancelled);
    // A stopped run says so in its error.
    assert_eq!(
        finished_of(&events, RunId(1)).error.as_deref(),
        Some("cancelled while running")
    );
    assert_eq!(
        finished_of(&events, RunId(2)).error.as_deref(),
        Some("cancelled before it started")
    );
    assert!(
        !events
            .iter()
            .any(|e| e.run == RunId(2) && matches!(e.kind, EventKind::Started { .. })),
        "the queued run never started"
    );
}

#[test]
fn a_withdrawn_run_never_starts_and_one_already_picked_up_goes_on() {
    let (engine, rx) = engine(1);
    let (release_tx, release_rx) = crossbeam_channel::bounded::<()>(0);
    engine.submit(item(
        0,
        Box::new(move |_: &mut RunCtx| {
            let _ = release_rx.recv();
            Report::new(Outcome::Succeeded)
        }),
    ));
    let ok = || -> Task { Box::new(|_: &mut RunCtx| Report::new(Outcome::Succeeded)) };
    engine.submit(item(1, ok()));
    engine.submit(item(2, ok()));
    let first = next(&rx);
    assert!(matches!(first.kind, EventKind::Started { .. }) && first.run == RunId(1));
    // Runs 2 and 3 wait in the queue behind the busy worker. 2 is taken back at once.
    engine.withdraw(JobId(1), RunId(2));
    let withdrawn = next(&rx);
    assert_eq!((withdrawn.job, withdrawn.run), (JobId(1), RunId(2)));
    assert!(
        matches!(withdrawn.kind, EventKind::Withdrawn),
        "{withdrawn:?}"
    );
    // A cancelled run is not withdrawn (it ends as cancelled), nor is a running one, and a
    // second withdrawal says nothing more.
    engine.cancel(RunId(3));
    engine.withdraw(JobId(2), RunId(3));
    engine.withdraw(JobId(0), RunId(1));
    engine.withdraw(JobId(1), RunId(2));
    release_tx.send(()).expect("the first task waits");
    let events = collect_until_finished(&rx, 2);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Withdrawn) || e.run == RunId(2)),
        "{events:?}"
    );
    assert!(finished_of(&events, RunId(1)).outcome.is_success());
    assert_eq!(finished_of(&events, RunId(3)).outcome, Outcome::Cancelled);
    // The worker is free again, and a withdrawn run leaves nothing behind.
    engine.submit(item(9, ok()));
    let events = collect_until_finished(&rx, 1);
    assert!(events.iter().all(|e| e.run == RunId(10)), "{events:?}");
}

#[test]
fn a_run_past_its_timeout_ends_timed_out() {
    let (engine, rx) = engine(1);
    let mut work = item(0, until_stopped());
    work.timeout = Some(Duration::from_millis(50));
    engine.submit(work);
    let events = collect_until_finished(&rx, 1);
    let finished = finished_of(&events, RunId(1));
    assert_eq!(finished.outcome, Outcome::TimedOut);
    assert_eq!(
        jobdeck::app::JobState::from_outcome(&finished.outcome).word(),
        "timeout"
    );
}

fn cmake_spec(temp: &TempDir, name: &str, program: &str) -> JobSpec {
    jobdeck::jobs::JobSpec::new(jobdeck::jobs::cmake::CmakeSpec {
        job: CmakeJob {
            source: temp.join(name),
            build_dir: temp.join("build").join(name),
            log: temp.join("logs").join(format!("{name}.log")),
            stage: jobdeck::jobs::cmake::Step::Configure,
            options: Vec::new(),
            only_tests: Vec::new(),
        },
        settings: Arc::new(CmakeSettings {
            program: program.into(),
            generator: None,
            defines: Vec::new(),
            build_type: "Debug".into(),
            build_jobs: Some(1),
            probes: None,
            ctest_junit: false,
            test_retries: 0,
            rerun_failed_tests: false,
        }),
    })
}

fn cmake_item(n: u32, spec: &JobSpec) -> WorkItem {
    item(n, spec.task())
}

#[test]
fn cmake_fixtures_end_ok_or_failed_with_their_first_error() {
    if !cmake_available("cmake_fixtures_end_ok_or_failed_with_their_first_error") {
        return;
    }
    let temp = TempDir::new("engine-cmake");
    let names = ["ok", "fatal", "syntax", "none"];
    for name in names {
        copy_fixture(&format!("cmake/{name}"), &temp.join(name));
    }
    let (engine, rx) = engine(2);
    for (n, name) in (0..).zip(names) {
        engine.submit(cmake_item(n, &cmake_spec(&temp, name, "cmake")));
    }
    let events = collect_until_finished(&rx, names.len());
    let by_name = |name: &str| {
        let n = names.iter().position(|&x| x == name).expect("known");
        finished_of(&events, RunId(n as u64 + 1))
    };
    for ok in ["ok", "none"] {
        let finished = by_name(ok);
        assert_eq!(finished.outcome, Outcome::Succeeded, "{ok}: {finished:?}");
        assert_eq!(finished.error, None);
        assert!(finished.cpu.is_some());
        assert!(temp.join("build").join(ok).join("CMakeCache.txt").is_file());
    }
    let fatal = by_name("fatal");
    assert_eq!(
        fatal.outcome,
        Outcome::Failed {
            code: Some(1),
            signal: None
        }
    );
    assert_eq!(
        fatal.error.as_deref(),
        Some("fixture-fatal: deliberate configure failure — CMakeLists.txt:3 (message)")
    );
    let diagnosis = fatal.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!(diagnosis.file.as_deref(), Some("CMakeLists.txt"));
    assert_eq!(diagnosis.line, Some(3));
    let log = std::fs::read_to_string(fatal.log.as_ref().expect("a log")).expect("log");
    assert!(
        log.starts_with("$ cmake -S "),
        "the log starts with the command: {log}"
    );
    assert!(log.contains("-- Configuring incomplete, errors occurred!"));
    let syntax = by_name("syntax");
    assert_eq!(
        jobdeck::app::JobState::from_outcome(&syntax.outcome).word(),
        "failed"
    );
    let error = syntax.error.as_deref().expect("an error summary");
    assert!(error.contains("Parse error"), "{error}");
    // Output reached the consumer in batches, not only the log.
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::Output { lines, .. } if lines.iter().any(|l| l.contains("fixture-none")))));
}

#[test]
fn a_missing_cmake_is_a_spawn_failure_naming_the_program() {
    let temp = TempDir::new("engine-no-cmake");
    copy_fixture("cmake/none", &temp.join("none"));
    let (engine, rx) = engine(1);
    engine.submit(cmake_item(
        0,
        &cmake_spec(&temp, "none", "/nonexistent/cmake"),
    ));
    let events = collect_until_finished(&rx, 1);
    let finished = finished_of(&events, RunId(1));
    assert!(
        matches!(finished.outcome, Outcome::SpawnFailed(_)),
        "{finished:?}"
    );
    let error = finished.error.as_deref().expect("error");
    assert!(
        error.contains("`/nonexistent/cmake`") && error.contains("apt-get install cmake"),
        "{error}"
    );
}

#[test]
fn cancelling_a_configure_kills_its_grandchild_and_whole_group() {
    if !cmake_available("cancelling_a_configure_kills_its_grandchild_and_whole_group") {
        return;
    }
    let temp = TempDir::new("engine-cancel");
    copy_fixture("cmake/grandchild", &temp.join("grandchild"));
    let (engine, rx) = engine(1);
    engine.submit(cmake_item(0, &cmake_spec(&temp, "grandchild", "cmake")));
    let started = next(&rx);
    assert!(
        matches!(started.kind, EventKind::Started { .. }),
        "{started:?}"
    );
    // The group id is the cmake's pid; its command line names our unique temp folder.
    let marker = temp.join("grandchild");
    let pgid = common::wait_for_sleeping_group(marker.to_str().expect("UTF-8"));
    assert!(!live_group_members(pgid).is_empty());

    engine.cancel(RunId(1));
    let events = collect_until_finished(&rx, 1);
    let finished = finished_of(&events, RunId(1));
    assert_eq!(finished.outcome, Outcome::Cancelled);
    assert!(
        finished.elapsed < Duration::from_secs(30),
        "cancel did not wait for sleep 60: {:?}",
        finished.elapsed
    );
    let survivors = live_group_members(pgid);
    assert!(
        survivors.is_empty(),
        "survivors of group {pgid}: {survivors:#?}"
    );
    assert_log_mentions(
        finished.log.as_deref(),
        "fixture-grandchild: starting sleep 60",
    );
}

#[test]
fn a_grandchild_that_ignores_sigterm_is_killed_after_the_grace_period() {
    if !cmake_available("a_grandchild_that_ignores_sigterm_is_killed_after_the_grace_period") {
        return;
    }
    let temp = TempDir::new("engine-stubborn");
    copy_fixture("cmake/stubborn", &temp.join("stubborn"));
    let (engine, rx) = engine(1);
    engine.submit(cmake_item(0, &cmake_spec(&temp, "stubborn", "cmake")));
    let started = next(&rx);
    assert!(
        matches!(started.kind, EventKind::Started { .. }),
        "{started:?}"
    );
    let marker = temp.join("stubborn");
    let pgid = common::wait_for_sleeping_group(marker.to_str().expect("UTF-8"));

    engine.cancel(RunId(1));
    let events = collect_until_finished(&rx, 1);
    let finished = finished_of(&events, RunId(1));
    assert_eq!(finished.outcome, Outcome::Cancelled);
    let limit = jobdeck::engine::process::GRACE * 3;
    assert!(
        finished.elapsed < limit,
        "{:?} ≥ {limit:?}",
        finished.elapsed
    );
    let survivors = live_group_members(pgid);
    assert!(
        survivors.is_empty(),
        "survivors of group {pgid}: {survivors:#?}"
    );
}

fn assert_log_mentions(log: Option<&Path>, text: &str) {
    let log = std::fs::read_to_string(log.expect("a log path")).expect("read log");
    assert!(log.contains(text), "log lacks {text}: {log}");
}

#[test]
fn the_error_summary_keeps_message_lines_after_a_blank_line() {
    // cmake 3.25's diagnostic for a missing source file: the file name comes after a blank
    // line, and the summary is useless without it.
    let temp = TempDir::new("summary");
    let log = temp.join("missing-source.log");
    std::fs::write(
        &log,
        "-- Configuring done\n\
         CMake Error at CMakeLists.txt:3 (add_executable):\n\
         \x20 Cannot find source file:\n\
         \n\
         \x20   does_not_exist.c\n\
         \n\
         \x20 Tried extensions .c .C\n\
         \n\
         \n\
         CMake Error at CMakeLists.txt:3 (add_executable):\n\
         \x20 No SOURCES given to target: missing_source\n\
         \n\
         \n\
         CMake Generate step failed.  Build files cannot be regenerated correctly.\n",
    )
    .expect("write log");
    assert_eq!(
        jobdeck::jobs::cmake::first_cmake_error(&log).as_deref(),
        Some(
            "CMake Error at CMakeLists.txt:3 (add_executable): Cannot find source file: \
             does_not_exist.c Tried extensions .c .C"
        )
    );
}

#[test]
fn a_watch_that_wants_no_more_lines_gets_none_and_the_log_keeps_every_line() {
    let (engine, rx) = engine(1);
    let temp = TempDir::new("watch-stop");
    let log = temp.path().join("watched.log");
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (task_log, task_seen) = (log.clone(), Arc::clone(&seen));
    engine.submit(item(
        0,
        Box::new(move |ctx: &mut RunCtx| {
            let mut command = std::process::Command::new("sh");
            command.args(["-c", "echo one; echo stop; seq 1 20000"]);
            jobdeck::engine::process::run_helper_watched(command, &task_log, ctx, &mut |_, line| {
                let mut seen = task_seen.lock().expect("lines seen");
                seen.push(line.to_string());
                line != "stop"
            })
        }),
    ));
    let events = collect_until_finished(&rx, 1);
    assert_eq!(finished_of(&events, RunId(1)).outcome, Outcome::Succeeded);
    assert_eq!(*seen.lock().expect("lines seen"), ["one", "stop"]);
    let text = std::fs::read_to_string(&log).expect("the log");
    let numbers: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "stop")
        .skip(1)
        .take(20_000)
        .collect();
    let expected: Vec<String> = (1..=20_000).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected, "the log keeps every line after the stop");
}
