//! The real binary in headless mode, stopped: by a signal, by a job's timeout, or by the
//! reader of its output going away. Each ends with its exit status and nothing left running.

mod common;

use common::{
    TempDir, check_event_stream, cmake_available, copy_fixture, finished_by_job, path_arg,
    write_none_project,
};
use serde_json::Value;

/// Starts a `-j1` JSON run whose first job sleeps in a grandchild, sends `signal` once that
/// grandchild runs, and checks the run ends with 130, a summary, every job reported once and
/// no process left. Returns the events.
fn interrupt_slow_run(signal: rustix::process::Signal, label: &str) -> Vec<Value> {
    let temp = TempDir::new(label);
    copy_fixture("cmake/grandchild", &temp.join("a-slow"));
    for name in ["b", "c", "d"] {
        copy_fixture("cmake/none", &temp.join(name));
    }
    let marker = temp.path().to_str().expect("UTF-8").to_string();
    // One worker: `a-slow` runs first and the others wait in the queue behind it.
    let run =
        common::Streaming::start_with_marker(["--json", "-j1", path_arg(temp.path())], &marker);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| {
        line.contains(r#""event":"started""#) && line.contains(r#""job":"a-slow""#)
    });
    let slow = temp.join("a-slow");
    let pgid = common::wait_for_sleeping_group(slow.to_str().expect("UTF-8"));

    let before = common::live_processes_with_marker(&marker);
    assert!(
        before.iter().any(|p| p.comm == "sleep"),
        "the marker reaches the grandchild: {before:#?}"
    );
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, signal).expect("send the signal");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(
        status.code(),
        Some(130),
        "{signal:?}: stderr: {stderr}; stdout: {seen:#?}"
    );

    let survivors = common::live_group_members(pgid);
    assert!(
        survivors.is_empty(),
        "survivors of group {pgid}: {survivors:#?}"
    );
    let survivors = common::live_processes_with_marker(&marker);
    assert!(survivors.is_empty(), "survivors of the run: {survivors:#?}");
    let events = common::parse_json_lines(&seen.join("\n"));
    check_event_stream(&events);
    let finished = finished_by_job(&events);
    assert_eq!(finished.len(), 4, "every job is reported once: {seen:#?}");
    for job in ["a-slow", "b", "c", "d"] {
        assert_eq!(finished[job]["status"], "cancelled", "{job}");
    }
    let summary = events.last().expect("summary");
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["cancelled"], 4);
    events
}

#[test]
fn sigint_cancels_every_run_prints_the_summary_and_exits_130() {
    if !cmake_available("sigint_cancels_every_run_prints_the_summary_and_exits_130") {
        return;
    }
    let events = interrupt_slow_run(rustix::process::Signal::INT, "sigint");
    let started = events.iter().filter(|e| e["event"] == "started").count();
    assert_eq!(started, 1, "the queued jobs never started");
}

#[test]
fn sigterm_sighup_and_sigquit_stop_a_run_like_sigint() {
    if !cmake_available("sigterm_sighup_and_sigquit_stop_a_run_like_sigint") {
        return;
    }
    interrupt_slow_run(rustix::process::Signal::TERM, "sigterm");
    interrupt_slow_run(rustix::process::Signal::HUP, "sighup");
    // Ctrl-\ at a shell: a clean stop too, not a core dump that leaves the runs behind.
    interrupt_slow_run(rustix::process::Signal::QUIT, "sigquit");
}

#[test]
fn a_job_past_its_timeout_ends_timeout_and_leaves_nothing_behind() {
    if !cmake_available("a_job_past_its_timeout_ends_timeout_and_leaves_nothing_behind") {
        return;
    }
    let temp = TempDir::new("timeout");
    copy_fixture("cmake/grandchild", &temp.join("slow"));
    copy_fixture("cmake/none", &temp.join("quick"));
    let marker = temp.path().to_str().expect("UTF-8").to_string();
    let mut command = common::jobdeck();
    command
        .args(["--json", "-j2", "--timeout", "1", path_arg(temp.path())])
        .env(common::MARKER_VAR, &marker);
    let run = common::run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    check_event_stream(&events);
    let finished = finished_by_job(&events);
    assert_eq!(finished["quick"]["status"], "ok");
    let slow = &finished["slow"];
    assert_eq!(slow["status"], "timeout", "{slow}");
    // The error says why it stopped, not nothing.
    assert_eq!(slow["error"], "timed out after 1 s (--timeout)", "{slow}");
    let millis = slow["duration_ms"].as_u64().expect("duration");
    // One second of running plus at most the two-second grace period (sleep dies on SIGTERM).
    assert!((1000..3500).contains(&millis), "{slow}");
    let survivors = common::live_processes_with_marker(&marker);
    assert!(survivors.is_empty(), "survivors: {survivors:#?}");
    assert_eq!(events.last().expect("summary")["timeout"], 1);
}

#[test]
fn closed_output_pipes_end_the_run_quietly_with_status_141_not_a_panic() {
    let temp = TempDir::new("closed-pipes");
    for name in ["a", "b"] {
        write_none_project(&temp.join(name));
    }
    // A symlink loop, so there is a warning to print on the closed stderr too.
    std::os::unix::fs::symlink(temp.path(), temp.join("a-loop")).expect("symlink");
    let mut child = common::jobdeck()
        .args(["--headless", "--cmake", "true", path_arg(temp.path())])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start jobdeck");
    // Like `jobdeck 2>&1 | head -0`: the reader is gone before anything is written.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let mut status = None;
    assert!(
        common::wait_until(|| {
            status = child.try_wait().expect("try_wait");
            status.is_some()
        }),
        "jobdeck did not exit"
    );
    let status = status.expect("exited");
    assert_eq!(status.code(), Some(141), "{status:?} (101 is a panic)");
}
