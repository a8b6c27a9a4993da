//! Pipelines end to end (the real binary, real cmake, ctest and compilers): configure →
//! build → test, `skipped`, one pipe for stdout and stderr, orphaned zombies, and longest
//! first from the history.

mod common;

use std::collections::HashMap;

use common::{TempDir, cmake_available, copy_fixture, path_arg as arg, run_jobdeck};
use serde_json::Value;

/// Copies the named fixtures of `assets/fixtures/pipelines` into a fresh workspace.
fn workspace(label: &str, projects: &[&str]) -> TempDir {
    let temp = TempDir::new(label);
    for project in projects {
        copy_fixture(
            &format!("pipelines/{project}"),
            &temp.join("ws").join(project),
        );
    }
    temp
}

/// The `finished` events of the projects' stages by `(job, stage)` (not the probe's).
fn finished(events: &[Value]) -> HashMap<(String, String), Value> {
    events
        .iter()
        .filter(|e| e["event"] == "finished" && e["kind"] == "cmake")
        .map(|e| {
            let key = (
                e["job"].as_str().expect("job").to_string(),
                e["stage"].as_str().expect("a cmake stage").to_string(),
            );
            (key, e.clone())
        })
        .collect()
}

#[test]
fn every_stage_ends_as_its_tool_says_and_the_stages_after_a_failure_are_skipped() {
    if !cmake_available("pipelines") {
        return;
    }
    let projects = [
        "builds",
        "bad-configure",
        "bad-build",
        "tests-pass",
        "tests-fail",
    ];
    let temp = workspace("pipelines", &projects);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let run = run_jobdeck(["--test", "--json", "-j2", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    assert!(
        events
            .iter()
            .all(|e| e["event"] == "summary" || e["kind"] == "cmake" || e["kind"] == "probe")
    );
    let ends = finished(&events);
    assert_eq!(ends.len(), projects.len() * 3, "each stage ends once");
    let status = |job: &str, stage: &str| {
        ends[&(job.to_string(), stage.to_string())]["status"]
            .as_str()
            .expect("status")
            .to_string()
    };
    let expected = [
        ("builds", ["ok", "ok", "ok"]),
        ("bad-configure", ["failed", "skipped", "skipped"]),
        ("bad-build", ["ok", "failed", "skipped"]),
        ("tests-pass", ["ok", "ok", "ok"]),
        ("tests-fail", ["ok", "ok", "failed"]),
    ];
    for (job, statuses) in expected {
        for (stage, want) in ["configure", "build", "test"].into_iter().zip(statuses) {
            assert_eq!(status(job, stage), want, "{job} [{stage}]");
        }
    }
    let detail = |job: &str| ends[&(job.to_string(), "test".to_string())]["detail"].clone();
    assert_eq!(detail("builds"), "no tests");
    assert_eq!(detail("tests-pass"), "1 test passed");
    let error = |job: &str, stage: &str| {
        ends[&(job.to_string(), stage.to_string())]["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // Named from the project's folder, so a narrow detail column still shows the error.
    assert!(
        error("bad-build", "build").starts_with("main.c:")
            && error("bad-build", "build").contains("error:"),
        "{}",
        error("bad-build", "build")
    );
    assert_eq!(
        error("tests-fail", "test"),
        "1 of 2 tests failed: fails (Failed)"
    );
    assert_eq!(error("bad-build", "test"), "build failed");
    for built in [
        "builds/builds",
        "tests-pass/tests_pass",
        "tests-fail/tests_fail",
    ] {
        assert!(build.join(built).is_file(), "{built} was built");
    }
    // Each stage logs in the job's own folder.
    let logs = build.join(".jobdeck/logs/bad-build");
    for stage in ["configure", "build"] {
        let log = std::fs::read_to_string(logs.join(format!("{stage}.log"))).expect("log");
        assert!(log.starts_with("$ "), "the command line comes first: {log}");
    }
    let build_log = std::fs::read_to_string(logs.join("build.log")).expect("build log");
    assert!(build_log.ends_with("jobdeck: exit 2\n") || build_log.contains("jobdeck: exit "));
    assert!(!logs.join("test.log").exists(), "a skipped stage never ran");
    let summary = events.last().expect("summary");
    assert_eq!(summary["skipped"], 3);
    assert_eq!(summary["failed"], 3);
    // The failed jobs, as the plain recap lists them; skipped ones are counted, not listed.
    let listed = summary["unsuccessful"].as_array().expect("a list");
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.iter().all(|u| u["status"] == "failed"), "{listed:?}");
}

#[test]
fn plain_lines_name_the_stage() {
    if !cmake_available("plain_lines_name_the_stage") {
        return;
    }
    let temp = workspace("pipelines-plain", &["bad-build"]);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let run = run_jobdeck(["--build", "--headless", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("failed    bad-build [build]  ")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ok        bad-build [configure]  "),
        "{}",
        run.stdout
    );
}

#[test]
fn stdout_and_stderr_reach_the_log_in_the_order_cmake_wrote_them() {
    if !cmake_available("interleaved") {
        return;
    }
    let temp = workspace("interleaved", &["interleaved"]);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let run = run_jobdeck(["--headless", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 0, "{run:?}");
    let log = std::fs::read_to_string(build.join(".jobdeck/logs/interleaved/configure.log"))
        .expect("log");
    let order: Vec<&str> = log
        .lines()
        .filter_map(|line| {
            line.split_whitespace()
                .find(|w| w.starts_with("status-") || w.starts_with("warning-"))
        })
        .collect();
    let expected: Vec<String> = (1..=20)
        .flat_map(|i| [format!("status-{i}"), format!("warning-{i}")])
        .collect();
    assert_eq!(order, expected, "{log}");
    assert!(log.ends_with("jobdeck: exit 0\n"), "{log}");
}

#[test]
fn an_orphaned_zombie_left_by_a_configure_is_reaped_at_once() {
    if !cmake_available("orphaned zombie") {
        return;
    }
    let temp = workspace("zombie", &["zombie", "no-zombie"]);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let run = run_jobdeck(["--json", "-j2", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    let ends = finished(&events);
    let millis = |job: &str| {
        ends[&(job.to_string(), "configure".to_string())]["duration_ms"]
            .as_u64()
            .expect("duration")
    };
    // Both configures take the same time in cmake. A zombie used to be waited for until
    // init reaped it, or for the whole 2 s grace period: compared in one run, never as a
    // time of its own.
    assert!(
        millis("zombie") < millis("no-zombie") + 1000,
        "zombie {} ms vs no-zombie {} ms",
        millis("zombie"),
        millis("no-zombie")
    );
}

#[test]
fn with_history_the_longest_job_starts_first() {
    if !cmake_available("longest first") {
        return;
    }
    let temp = TempDir::new("longest-first");
    let ws = temp.join("ws");
    for name in ["a", "b", "c"] {
        common::write_none_project(&ws.join(name));
    }
    std::fs::create_dir_all(ws.join("zz-slow")).expect("slow project folder");
    std::fs::write(
        ws.join("zz-slow/CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(slow NONE)\n\
         execute_process(COMMAND sleep 1)\n",
    )
    .expect("write the slow project");
    let build = temp.join("build");
    let first_started = |run: &common::Run| {
        run.json()
            .into_iter()
            .find(|e| e["event"] == "started")
            .map(|e| e["job"].as_str().unwrap_or_default().to_string())
    };
    let args = ["--json", "-j1", arg(&ws), "-B", arg(&build)];
    let first = run_jobdeck(args);
    assert_eq!(first.code(), 0, "{first:?}");
    assert_eq!(
        first_started(&first).as_deref(),
        Some("a"),
        "no history: name order"
    );
    // Fresh build folders, the same history.
    for name in ["a", "b", "c", "zz-slow"] {
        std::fs::remove_dir_all(build.join(name)).expect("remove a build folder");
    }
    let second = run_jobdeck(args);
    assert_eq!(second.code(), 0, "{second:?}");
    assert_eq!(first_started(&second).as_deref(), Some("zz-slow"));
    let by_name = run_jobdeck([
        "--json",
        "-j1",
        "--order",
        "name",
        arg(&ws),
        "-B",
        arg(&build),
    ]);
    assert_eq!(
        first_started(&by_name).as_deref(),
        Some("a"),
        "--order name"
    );
}

#[test]
fn rerun_failed_starts_each_project_at_its_first_stage_that_did_not_succeed() {
    if !cmake_available("rerun_failed stages") {
        return;
    }
    let temp = workspace("rerun-stages", &["builds", "bad-build"]);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let run = run_jobdeck(["--build", "--json", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 1, "{run:?}");
    std::fs::write(
        ws.join("bad-build/main.c"),
        "int main(void) { return 0; }\n",
    )
    .expect("fix the source");
    let rerun = run_jobdeck([
        "--build",
        "--json",
        "--rerun-failed",
        arg(&ws),
        "-B",
        arg(&build),
    ]);
    assert_eq!(rerun.code(), 0, "{rerun:?}");
    let ends = finished(&rerun.json());
    let keys: Vec<_> = ends.keys().cloned().collect();
    assert_eq!(
        keys,
        [("bad-build".to_string(), "build".to_string())],
        "only the failed build runs again"
    );
}

#[test]
fn log_folders_of_hostile_names_never_collide_and_keep_their_earlier_runs() {
    // Found by trying hostile names when logs were `<logs>/<name>.log`: the rotation of
    // `q.log` renamed the folder of project `q.log/inner`, and a 251–255-byte name left no
    // room for `.log.1`, so earlier logs were silently not kept.
    let temp = TempDir::new("hostile-log-names");
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let long = "x".repeat(255);
    let names = ["q", "q.log/inner", &long[..251], &long];
    for name in names {
        common::write_none_project(&ws.join(name));
    }
    for _ in 0..2 {
        // `true` stands in for cmake: the logs are what is tested, not the configure.
        let run = run_jobdeck(["--json", "--cmake", "true", arg(&ws), "-B", arg(&build)]);
        assert_eq!(run.code(), 0, "{run:?}");
    }
    let logs = build.join(".jobdeck/logs");
    for name in names {
        for log in ["configure.log", "configure.log.1"] {
            let text = std::fs::read_to_string(logs.join(name).join(log))
                .unwrap_or_else(|err| panic!("{name}/{log}: {err}"));
            assert!(
                text.starts_with("$ true ") && text.contains(&format!("/ws/{name} ")),
                "{name}/{log} is another job's log: {text}"
            );
            assert!(text.ends_with("jobdeck: exit 0\n"), "{text}");
        }
    }
}

/// A second session on the same build root re-configures a folder with a cache and builds
/// a folder already built: the history says so with each run (`situation`), so the next
/// session expects such runs to take what such runs took, not a fresh build's minutes.
#[test]
fn a_second_session_records_its_runs_as_reconfigure_and_incremental() {
    if !cmake_available("situations") {
        return;
    }
    let temp = workspace("situations", &["builds"]);
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let situations = || {
        let text =
            std::fs::read_to_string(build.join(".jobdeck/history.jsonl")).expect("the history");
        common::parse_json_lines(&text)
            .into_iter()
            .filter(|record| record["job"] == "builds" && record["status"] == "ok")
            .map(|record| {
                format!(
                    "{} {}",
                    record["stage"].as_str().unwrap_or_default(),
                    record["situation"].as_str().unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        let run = run_jobdeck(["--build", "--json", arg(&ws), "-B", arg(&build)]);
        assert_eq!(run.code(), 0, "{run:?}");
    }
    assert_eq!(
        situations(),
        [
            "configure fresh",
            "build fresh",
            "configure reconfigure",
            "build incremental"
        ]
    );
    // A build folder emptied by hand is fresh again, whatever the history says.
    std::fs::remove_dir_all(build.join("builds")).expect("empty the build folder");
    let run = run_jobdeck(["--build", "--json", arg(&ws), "-B", arg(&build)]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(situations()[4..], ["configure fresh", "build fresh"]);
}
