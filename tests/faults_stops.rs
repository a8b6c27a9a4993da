//! Trust under faults (issue 5), stops: timeouts of processes and of pseudoword tasks, a
//! stress run of thousands of short jobs with random cancels and re-runs, and a session
//! killed by SIGKILL, none of which may leave a process behind.
//!
//! Everything here is real: the real binary, real cmake, real processes, a real (tiny) tmpfs.
//! Tests that need root (mounting, switching to `nobody`) skip loudly without it, but fail
//! under `CI=true`, where `.ci/run` runs as root.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Instant;

use common::{
    MARKER_VAR, TempDir, cmake_available, engine, finished_by_job, live_processes_with_marker,
    run_command, run_jobdeck, timeout, wait_until, write_project,
};
use jobdeck::app::{Action, Effect, Model, Msg, update};
use jobdeck::engine::{EngineEvent, EventKind, JobId, WorkItem, process};

#[test]
fn timeout_kills_the_whole_group_and_reports_timeout() {
    if !cmake_available("timeout") {
        return;
    }
    let dir = TempDir::new("timeout");
    write_project(&dir.join("hangs"), "execute_process(COMMAND sleep 60)");
    write_project(&dir.join("quick"), "");
    let marker = format!("timeout-{}", std::process::id());
    let mut command = common::jobdeck();
    command
        .args(["--headless", "--json", "--timeout", "1", "-j2"])
        .arg(dir.path())
        .env(MARKER_VAR, &marker);
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    assert_eq!(finished["hangs"]["status"], "timeout");
    assert_eq!(finished["quick"]["status"], "ok");
    assert!(
        live_processes_with_marker(&marker).is_empty(),
        "the sleep was killed"
    );
}

/// xorshift64: deterministic choices without a dependency.
struct Choices(u64);

impl Choices {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % below as u64).expect("fits")
    }
}

#[test]
fn thousands_of_short_runs_with_random_cancels_and_reruns_end_once_and_leave_no_process() {
    const JOBS: usize = 2_000;
    const RERUNS: usize = 300;
    let dir = TempDir::new("stress");
    let marker = format!("stress-{}", std::process::id());
    let (engine, rx) = engine(4);
    // Every 40th job would sleep for a minute: only a cancel can end it.
    let is_long = |job: JobId| job.0 % 40 == 7;
    let submit = |job: JobId, run| {
        let (log, marker) = (dir.join(format!("logs/{}.log", job.0)), marker.clone());
        let script = if is_long(job) { "sleep 60" } else { "true" };
        engine.submit(WorkItem {
            job,
            run,
            timeout: None,
            task: Box::new(move |ctx| {
                let mut command = Command::new("sh");
                command.arg("-c").arg(script).env(MARKER_VAR, marker);
                process::run(command, &log, ctx)
            }),
        });
    };
    let names = (0..JOBS)
        .map(|i| (format!("job{i}"), jobdeck::jobs::pseudowords::KIND))
        .collect();
    let mut model = Model::new(names, 4, Instant::now());
    let mut choices = Choices(0x9E37_79B9_7F4A_7C15);
    let (mut started, mut finished) = (HashMap::new(), HashMap::new());
    let mut reruns = 0;
    let mut pending = model.start();
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Start { job, run } => submit(job, run),
                Effect::Cancel(run) => engine.cancel(run),
                Effect::Withdraw { job, run } => engine.withdraw(job, run),
                Effect::SetWorkers(n) => engine.set_workers(n).expect("the pool grows"),
                Effect::OpenPager { .. }
                | Effect::SetParts { .. }
                | Effect::OpenEditor { .. }
                | Effect::SetWatch(_)
                | Effect::SetOptions { .. }
                | Effect::Copy(_)
                | Effect::Suspend
                | Effect::Exit => {}
            }
        }
        if model.is_idle() {
            break;
        }
        let event: EngineEvent = rx
            .recv_timeout(timeout())
            .expect("the pool keeps reporting");
        match &event.kind {
            EventKind::Started { .. } => *started.entry(event.run).or_insert(0) += 1,
            EventKind::Finished(_) => *finished.entry(event.run).or_insert(0) += 1,
            _ => {}
        }
        let (job, was_start) = (event.job, matches!(event.kind, EventKind::Started { .. }));
        pending.extend(update(&mut model, Msg::Engine(event)));
        let act = |model: &mut Model, action| update(model, Msg::Action(action));
        if was_start && is_long(job) {
            pending.extend(act(&mut model, Action::Select(job.0 as usize)));
            pending.extend(act(&mut model, Action::Cancel));
        }
        match choices.next(10) {
            0 => {
                pending.extend(act(&mut model, Action::Select(choices.next(JOBS))));
                pending.extend(act(&mut model, Action::Cancel));
            }
            1 if reruns < RERUNS => {
                reruns += 1;
                pending.extend(act(&mut model, Action::Select(choices.next(JOBS))));
                pending.extend(act(&mut model, Action::Rerun));
            }
            _ => {}
        }
    }
    assert!(
        reruns > 0 && started.len() > JOBS / 2,
        "the run did real work"
    );
    for (run, count) in &started {
        assert_eq!(*count, 1, "{run:?} started once");
        assert_eq!(finished.get(run), Some(&1), "{run:?} finished exactly once");
    }
    assert!(finished.values().all(|&n| n == 1), "no run finished twice");
    assert_eq!(model.counts().total(), JOBS);
    drop(engine);
    assert!(
        wait_until(|| live_processes_with_marker(&marker).is_empty()),
        "no process of any run survives"
    );
    let me = i32::try_from(std::process::id()).expect("pid fits");
    // Only this test's programs count: the other tests of this binary run jobdeck and cmake
    // concurrently, and since an engine makes this process a subreaper, the orphans of a
    // jobdeck they SIGKILL come here too.
    let zombies: Vec<_> = common::processes()
        .into_iter()
        .filter(|p| p.ppid == me && p.state == 'Z')
        .filter(|p| matches!(p.comm.as_str(), "sh" | "sleep" | "true"))
        .collect();
    assert!(zombies.is_empty(), "every child was reaped: {zombies:#?}");
}

#[test]
fn pseudoword_tasks_obey_the_timeout_and_leave_no_file() {
    let dir = TempDir::new("words-timeout");
    let out = dir.join("words");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--json".as_ref(),
        "--no-cmake".as_ref(),
        "-B".as_ref(),
        dir.join("b").as_os_str(),
        "--words".as_ref(),
        "2".as_ref(),
        "--words-per-task".as_ref(),
        "4000000000".as_ref(),
        "--timeout".as_ref(),
        "0.3".as_ref(),
        "--words-out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    assert_eq!(finished["output0"]["status"], "timeout");
    assert_eq!(finished["output1"]["status"], "timeout");
    let left = std::fs::read_dir(&out).map_or(0, Iterator::count);
    assert_eq!(left, 0, "no final or temporary file is left");
}

#[test]
fn a_sigkilled_session_leaves_no_child_and_its_unended_jobs_are_rerun() {
    if !cmake_available("sigkill_history") {
        return;
    }
    let dir = TempDir::new("sigkill");
    write_project(&dir.join("a-quick"), "");
    write_project(&dir.join("b-quick"), "");
    // Hangs while the file `hang` is there: the session is killed while it hangs, and the
    // re-run after it (the file gone) ends on its own.
    write_project(
        &dir.join("c-hangs"),
        "message(STATUS \"before the hang\")\nif(EXISTS ${CMAKE_SOURCE_DIR}/hang)\n  \
         execute_process(COMMAND sleep 60)\nendif()",
    );
    std::fs::write(dir.join("c-hangs/hang"), "").expect("write the hang switch");
    // Never started: -j1 and they come after the hang by name.
    write_project(&dir.join("d-never"), "");
    write_project(&dir.join("e-never"), "");
    let marker = format!("sigkill-{}", std::process::id());
    let hang_log = dir.join("build/.jobdeck/logs/c-hangs/configure.log");
    let hang_logged =
        || std::fs::read_to_string(&hang_log).is_ok_and(|log| log.contains("-- before the hang"));
    let history = dir.join("build/.jobdeck/history.jsonl");
    let mut child = common::jobdeck()
        .args(["--headless", "-j1", "--order", "name"])
        .arg(dir.path())
        .env(MARKER_VAR, &marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start jobdeck");
    let quick_ended = || {
        let last = jobdeck::records::history::read_last_runs(&history);
        ["a-quick", "b-quick"]
            .iter()
            .all(|name| last.status(name, Some("configure")) == Some("ok"))
    };
    let hangs_started = || {
        live_processes_with_marker(&marker)
            .iter()
            .any(|p| p.comm == "sleep")
    };
    assert!(
        wait_until(|| quick_ended() && hangs_started()),
        "two runs ended, one hangs"
    );
    // The log of the hung configure is on disk while it runs (it once waited in an 8 KB
    // buffer until the run ended, and a SIGKILL lost it)...
    assert!(
        wait_until(hang_logged),
        "the running job's output is not in its log"
    );
    child.kill().expect("SIGKILL jobdeck");
    child.wait().expect("reap jobdeck");
    // jobdeck cannot catch SIGKILL; its watchdog sees the pipe close and stops the job's
    // process group (the watchdog carries the marker too, and leaves when done).
    let gone = wait_until(|| live_processes_with_marker(&marker).is_empty());
    for process in live_processes_with_marker(&marker) {
        let pid = rustix::process::Pid::from_raw(process.pid).expect("a real pid");
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
    assert!(gone, "no process of the killed session survives it");
    // ... and stays there after jobdeck's SIGKILL.
    assert!(hang_logged());
    let last = jobdeck::records::history::read_last_runs(&history);
    assert!(last.warnings.is_empty(), "{:?}", last.warnings);
    assert_eq!(last.status("a-quick", Some("configure")), Some("ok"));
    // A job that never ended, or never started, in the killed session is no success: the
    // next `--rerun-failed` runs exactly those (once `jobdeck || jobdeck --rerun-failed`
    // ended green with three of five never run).
    std::fs::remove_file(dir.join("c-hangs/hang")).expect("remove the hang switch");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--json".as_ref(),
        "--rerun-failed".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(!run.stderr.contains("unreadable"), "{}", run.stderr);
    let mut rerun: Vec<String> = finished_by_job(&run.json()).into_keys().collect();
    rerun.sort();
    assert_eq!(rerun, ["c-hangs", "d-never", "e-never"], "{run:?}");
}
