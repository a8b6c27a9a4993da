//! The fix loop (issue 12) in headless mode: failures grouped by cause, and per-project
//! options and watch mode as scripts see them.

mod common;

use common::{TempDir, cmake_available, copy_fixture, path_arg, run_jobdeck};
use serde_json::json;

/// A workspace where three projects miss the same package (cmake's message differs only in
/// what each asked for) and one fails on its own message.
fn three_and_one(temp: &TempDir) {
    for name in ["a", "b", "c"] {
        copy_fixture("cmake/missing-package", &temp.join(name));
    }
    copy_fixture("cmake/fatal", &temp.join("d"));
    copy_fixture("cmake/none", &temp.join("e"));
}

#[test]
fn causes_group_three_failures_of_one_cause_and_one_of_another() {
    if !cmake_available("causes_group_three_failures_of_one_cause_and_one_of_another") {
        return;
    }
    let temp = TempDir::new("causes");
    three_and_one(&temp);
    let run = run_jobdeck(["--json", "-j2", path_arg(temp.path())]);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    let summary = events.last().expect("a summary");
    assert_eq!(summary["event"], "summary");
    assert_eq!(
        summary["causes"],
        json!([
            {"cause": "Could NOT find GSL", "jobs": 3},
            {"cause": "fixture-fatal: deliberate configure failure", "jobs": 1},
        ]),
        "{summary}"
    );

    let run = run_jobdeck(["--headless", "-j2", path_arg(temp.path())]);
    assert_eq!(run.code(), 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "causes (2):")
        .unwrap_or_else(|| panic!("a causes block: {lines:#?}"));
    assert_eq!(lines[at + 1], "     3  Could NOT find GSL");
    assert_eq!(
        lines[at + 2],
        "     1  fixture-fatal: deliberate configure failure"
    );
}

#[test]
fn headless_watch_reruns_a_project_fixed_on_disk_until_interrupted() {
    if !cmake_available("headless_watch_reruns_a_project_fixed_on_disk_until_interrupted") {
        return;
    }
    let temp = TempDir::new("watch");
    copy_fixture("cmake/fatal", &temp.join("broken"));
    copy_fixture("cmake/none", &temp.join("steady"));
    let run = common::Streaming::start(["--headless", "--watch", "-j2", path_arg(temp.path())]);
    let mut seen: Vec<String> = Vec::new();
    // The two first runs end in either order.
    while !(seen.iter().any(|l| l.starts_with("failed    broken "))
        && seen.iter().any(|l| l.starts_with("ok        steady ")))
    {
        run.wait_for_line(&mut seen, |_| true);
    }
    // Both first runs are over, and jobdeck keeps watching. Fix the broken one on disk.
    std::fs::write(
        temp.join("broken/CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(fixed NONE)\n",
    )
    .expect("fix the project");
    run.wait_for_line(&mut seen, |l| l.starts_with("ok        broken "));
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    // Only the changed project ran again; its own configure (writing its build folder)
    // did not set off another run.
    let runs = |name: &str| {
        seen.iter()
            .filter(|l| l.contains(&format!(" {name} ")))
            .count()
    };
    assert_eq!(runs("steady"), 1, "{seen:#?}");
    assert_eq!(runs("broken"), 2, "{seen:#?}");
}

#[test]
fn rerun_failed_reuses_a_projects_own_options_from_the_history() {
    if !cmake_available("rerun_failed_reuses_a_projects_own_options_from_the_history") {
        return;
    }
    let temp = TempDir::new("options");
    copy_fixture("cmake/needs-option", &temp.join("p"));
    let first = run_jobdeck(["--headless", path_arg(temp.path())]);
    assert_eq!(first.code(), 1, "it needs the option: {first:?}");
    // A run that failed with options of its own, as the options key records it (the key
    // itself is tested in tmux): here with the option that makes it pass.
    let history = temp.join("build/.jobdeck/history.jsonl");
    let mut text = std::fs::read_to_string(&history).expect("the history");
    text.push_str(
        &json!({"job": "p", "kind": "cmake", "stage": "configure", "status": "failed",
                "duration_ms": 10, "options": ["FIXTURE_CHECK=OFF"]})
        .to_string(),
    );
    text.push('\n');
    std::fs::write(&history, text).expect("write the history");
    let rerun = run_jobdeck(["--json", "--rerun-failed", path_arg(temp.path())]);
    assert_eq!(rerun.code(), 0, "the option came back: {rerun:?}");
    let events = rerun.json();
    let finished = events
        .iter()
        .find(|e| e["event"] == "finished")
        .expect("a finished event");
    assert_eq!(finished["status"], "ok");
    assert_eq!(
        finished["detail"], "cached -DFIXTURE_CHECK=OFF",
        "{finished}"
    );
    let log = std::fs::read_to_string(finished["log"].as_str().expect("a log")).expect("log");
    assert!(
        log.lines()
            .next()
            .is_some_and(|l| l.ends_with(" -DFIXTURE_CHECK=OFF")),
        "{log}"
    );
}
