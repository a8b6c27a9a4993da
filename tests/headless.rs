//! The real binary in headless mode: its lines, its JSON events and its exit codes when the
//! jobs run to their end (stops are in `headless_stops.rs`, start-up errors in `startup.rs`).

mod common;

use std::path::Path;

use common::{
    TempDir, check_event_stream, cmake_available, copy_fixture, finished_by_job, path_arg,
    run_jobdeck, write_none_project,
};
use serde_json::Value;

#[test]
fn missing_cmake_fails_every_job_with_one_clear_message() {
    let temp = TempDir::new("no-cmake");
    for name in ["a", "b", "c"] {
        write_none_project(&temp.join(name));
    }
    let run = run_jobdeck([
        "--json",
        "-j2",
        "--cmake",
        "/nonexistent/cmake",
        path_arg(temp.path()),
    ]);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    check_event_stream(&events);
    let finished = finished_by_job(&events);
    assert_eq!(finished.len(), 3);
    for event in finished.values() {
        assert_eq!(event["status"], "failed", "{event}");
        let error = event["error"].as_str().expect("an error message");
        assert!(error.contains("/nonexistent/cmake"), "{error}");
        assert!(error.contains("Install CMake"), "{error}");
        assert!(error.contains("--cmake"), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }
    let summary = events.last().expect("summary");
    assert_eq!(summary["failed"], 3);
}

#[test]
fn plain_lines_report_each_job_and_a_summary() {
    if !cmake_available("plain_lines_report_each_job_and_a_summary") {
        return;
    }
    let temp = TempDir::new("plain");
    copy_fixture("cmake/none", &temp.join("good"));
    copy_fixture("cmake/fatal", &temp.join("bad"));
    let run = run_jobdeck(["--headless", "-j2", path_arg(temp.path())]);
    assert_eq!(run.code(), 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        9,
        "two jobs, a summary and a recap: {lines:#?}"
    );
    let good = lines
        .iter()
        .find(|l| l.contains(" good "))
        .expect("good line");
    assert!(good.starts_with("ok "), "{good}");
    assert!(!good.contains("log:"), "no log path for a success: {good}");
    let bad = lines
        .iter()
        .find(|l| l.contains(" bad "))
        .expect("bad line");
    assert!(bad.starts_with("failed "), "{bad}");
    assert!(
        bad.contains("fixture-fatal: deliberate configure failure — CMakeLists.txt:3 (message)"),
        "{bad}"
    );
    let log = temp.join("build/.jobdeck/logs/bad/configure.log");
    assert!(bad.contains(&format!("(log: {})", log.display())), "{bad}");
    assert!(log.is_file());
    // The counts last, where a terminal leaves them in view.
    let summary = lines[8];
    assert!(
        summary.starts_with("2 jobs: 1 ok, 1 failed, 0 cancelled, 0 timeout in "),
        "{summary}"
    );
    assert!(summary.contains("speed-up"), "{summary}");
    // Before them the recap: what failed, where the logs are, and how to run it again.
    assert_eq!(lines[2], "did not succeed (1):");
    assert!(
        lines[3].starts_with("  failed    bad  fixture-fatal: deliberate"),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "causes (1):");
    assert_eq!(
        lines[5],
        "     1  fixture-fatal: deliberate configure failure"
    );
    let logs = temp.join("build/.jobdeck/logs");
    assert_eq!(lines[6], format!("logs: {}", logs.display()));
    assert_eq!(
        lines[7],
        format!(
            "re-run them: {} --headless -j2 {} --rerun-failed",
            env!("CARGO_BIN_EXE_jobdeck"),
            temp.path().display()
        )
    );
    let rerun = run_jobdeck(["--headless", "-j2", path_arg(temp.path()), "--rerun-failed"]);
    assert_eq!(
        rerun.code(),
        1,
        "the command runs the failed job again: {rerun:?}"
    );
    assert!(rerun.stdout.starts_with("failed    bad  "), "{rerun:?}");
}

#[test]
fn json_events_parse_and_carry_the_contract_fields() {
    if !cmake_available("json_events_parse_and_carry_the_contract_fields") {
        return;
    }
    let temp = TempDir::new("json");
    copy_fixture("cmake/ok", &temp.join("ok"));
    copy_fixture("cmake/fatal", &temp.join("fatal"));
    copy_fixture("cmake/syntax", &temp.join("syntax"));
    copy_fixture("cmake/none", &temp.join("none"));
    copy_fixture("cmake/missing-package", &temp.join("missing"));
    let run = run_jobdeck(["--json", "-j2", path_arg(temp.path())]);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    check_event_stream(&events);
    let started = |kind: &str| {
        events
            .iter()
            .filter(|e| e["event"] == "started" && e["kind"] == kind)
            .count()
    };
    assert_eq!(started("cmake"), 5);
    assert_eq!(
        started("probe"),
        1,
        "one toolchain probe before the fresh configures"
    );
    let finished = finished_by_job(&events);
    for ok in ["ok", "none"] {
        let event = &finished[ok];
        assert_eq!(event["status"], "ok", "{event}");
        assert_eq!(event["exit_code"], 0);
        assert_eq!(event["error"], Value::Null);
        assert_eq!(event["error_file"], Value::Null);
        assert_eq!(event["error_line"], Value::Null);
        // A project(x NONE) has no compilers to seed.
        let seeded = ok == "ok";
        assert_eq!(event["detail"], if seeded { "seeded" } else { "fresh" });
        assert_eq!(event["seeded"], seeded);
        let worker = event["worker"].as_u64().expect("a worker number");
        assert!((1..=2).contains(&worker), "{event}");
        assert!(event["duration_ms"].is_u64());
        let log = event["log"].as_str().expect("a log path");
        assert!(Path::new(log).is_file(), "{log}");
    }
    let fatal = &finished["fatal"];
    assert_eq!(fatal["status"], "failed");
    assert_eq!(fatal["exit_code"], 1);
    // The message first, then the project's own frame; the place also as fields.
    assert_eq!(
        fatal["error"],
        "fixture-fatal: deliberate configure failure — CMakeLists.txt:3 (message)"
    );
    assert_eq!(fatal["error_file"], "CMakeLists.txt");
    assert_eq!(fatal["error_line"], 3);
    let syntax = &finished["syntax"];
    assert_eq!(syntax["status"], "failed");
    let error = syntax["error"].as_str().expect("syntax error summary");
    assert!(
        error.starts_with("Parse error") && error.ends_with(" — CMakeLists.txt:3"),
        "{error}"
    );
    assert_eq!(syntax["error_line"], 3);
    // Raised inside cmake's FindGSL module; the summary names the project's line instead.
    let missing = &finished["missing"];
    let error = missing["error"].as_str().expect("missing package summary");
    assert!(
        error.starts_with("Could NOT find GSL")
            && error.ends_with(" — CMakeLists.txt:6 (find_package)")
            && !error.contains("/usr/share"),
        "{error}"
    );
    assert_eq!(missing["error_file"], "CMakeLists.txt");
    assert_eq!(missing["error_line"], 6);
    let summary = events.last().expect("summary");
    // The toolchain probe's row counts as a job.
    assert_eq!(summary["jobs"], 6);
    assert_eq!(summary["ok"], 3);
    assert_eq!(summary["failed"], 3);
    assert_eq!(summary["interrupted"], false);
    assert!(temp.join("build/ok/CMakeCache.txt").is_file());

    check_times_and_places(&events, temp.path());
    // The summary names what did not succeed, for a script to act on.
    let unsuccessful = summary["unsuccessful"].as_array().expect("a list");
    let names: Vec<&str> = unsuccessful
        .iter()
        .filter_map(|u| u["job"].as_str())
        .collect();
    assert_eq!(names, ["fatal", "missing", "syntax"]);
    assert_eq!(unsuccessful[0]["status"], "failed");
    assert_eq!(unsuccessful[0]["stage"], "configure");
    assert_eq!(unsuccessful[0]["error"], fatal["error"]);
    assert_eq!(unsuccessful[0]["log"], fatal["log"]);
}

#[test]
fn all_succeeded_exits_zero_and_a_second_run_reuses_the_cache() {
    if !cmake_available("all_succeeded_exits_zero_and_a_second_run_reuses_the_cache") {
        return;
    }
    let temp = TempDir::new("cached");
    copy_fixture("cmake/ok", &temp.join("ok"));
    copy_fixture("cmake/none", &temp.join("none"));
    let build = temp.join("out");
    let args = [
        "--json",
        "-B",
        path_arg(&build),
        "-D",
        "FIXTURE_FLAG=on",
        path_arg(temp.path()),
    ];
    for attempt in [1, 2] {
        let run = run_jobdeck(args);
        assert_eq!(run.code(), 0, "attempt {attempt}: {run:?}");
        let events = run.json();
        check_event_stream(&events);
        let configures = finished_by_job(&events)
            .into_iter()
            .filter(|(_, event)| event["kind"] == "cmake");
        for (name, event) in configures {
            let detail = match (attempt, name.as_str()) {
                (1, "ok") => "seeded",
                (1, _) => "fresh",
                _ => "cached",
            };
            assert_eq!(event["status"], "ok", "attempt {attempt}: {event}");
            assert_eq!(event["detail"], detail, "attempt {attempt}: {event}");
            assert_eq!(
                event["seeded"],
                detail == "seeded",
                "attempt {attempt}: {event}"
            );
        }
    }
    let cache = std::fs::read_to_string(build.join("ok/CMakeCache.txt")).expect("cache");
    assert!(cache.contains("CMAKE_BUILD_TYPE:STRING=Debug"));
    assert!(cache.contains("FIXTURE_FLAG:UNINITIALIZED=on"));
    // Each run keeps the previous run's log beside the current one.
    assert!(build.join(".jobdeck/logs/ok/configure.log").is_file());
    assert!(build.join(".jobdeck/logs/ok/configure.log.1").is_file());
}

#[test]
fn configure_options_reach_cmake_and_logs_go_to_the_log_dir() {
    if !cmake_available("configure_options_reach_cmake_and_logs_go_to_the_log_dir") {
        return;
    }
    let temp = TempDir::new("options");
    copy_fixture("cmake/none", &temp.join("p"));
    let (build, logs) = (temp.join("b"), temp.join("logs"));
    // No --headless: stdout is a pipe, so jobdeck prints plain lines by itself.
    let run = run_jobdeck([
        "-G",
        "Unix Makefiles",
        "--build-type",
        "Release",
        "-D",
        "FIRST=1",
        "-DSECOND=two words",
        "-B",
        path_arg(&build),
        "--log-dir",
        path_arg(&logs),
        path_arg(&temp.join("p")),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stdout.starts_with("ok        p  "), "{}", run.stdout);
    let cache = std::fs::read_to_string(build.join("p/CMakeCache.txt")).expect("cache");
    for entry in [
        "CMAKE_BUILD_TYPE:UNINITIALIZED=Release",
        "FIRST:UNINITIALIZED=1",
        "SECOND:UNINITIALIZED=two words",
        "CMAKE_GENERATOR:INTERNAL=Unix Makefiles",
    ] {
        assert!(cache.contains(entry), "cache lacks {entry}");
    }
    let log = std::fs::read_to_string(logs.join("p/configure.log")).expect("log in --log-dir");
    let first = log.lines().next().expect("command line");
    assert!(
        first.contains("-G 'Unix Makefiles'") && first.contains("'-DSECOND=two words'"),
        "{first}"
    );
    assert!(
        !build.join(".jobdeck/logs").exists(),
        "logs went to --log-dir only"
    );
}

#[test]
fn an_unknown_generator_fails_each_job_with_cmakes_own_error() {
    if !cmake_available("an_unknown_generator_fails_each_job_with_cmakes_own_error") {
        return;
    }
    let temp = TempDir::new("generator");
    copy_fixture("cmake/none", &temp.join("p"));
    let run = run_jobdeck(["--json", "-G", "No Such Generator", path_arg(temp.path())]);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    let error = finished["p"]["error"].as_str().expect("an error summary");
    // No frame of the project is involved: the message alone, with no place.
    assert_eq!(error, "Could not create named generator No Such Generator");
    assert_eq!(finished["p"]["error_file"], Value::Null);
}

#[test]
fn nothing_to_rerun_still_reports_a_torn_history_line() {
    if !cmake_available("nothing_to_rerun") {
        return;
    }
    let temp = TempDir::new("rerun-torn");
    std::fs::create_dir_all(temp.join("p")).expect("mkdir");
    std::fs::write(temp.join("p/CMakeLists.txt"), "project(p NONE)").expect("write");
    let dir = path_arg(temp.path());
    assert_eq!(run_jobdeck(["--headless", dir]).code(), 0);
    let history = temp.join("build/.jobdeck/history.jsonl");
    let mut text = std::fs::read_to_string(&history).expect("history written");
    // The torn line comes after the session's records (a queued one, then the end).
    let torn = text.lines().count() + 1;
    text.push_str("{\"job\":\"p\",\"sta");
    std::fs::write(&history, text).expect("tear the last line");
    let run = run_jobdeck(["--headless", "--rerun-failed", dir]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stderr.contains("nothing to re-run"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("unreadable line {torn} ")),
        "{}",
        run.stderr
    );
}

/// Times since the session started, never going back; first attempts; where each runs.
fn check_times_and_places(events: &[Value], workspace: &Path) {
    let times: Vec<u64> = events
        .iter()
        .filter(|e| e["event"] != "summary")
        .map(|e| e["ts_ms"].as_u64().expect("ts_ms"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(
        events
            .iter()
            .filter(|e| e["event"] != "summary")
            .all(|e| e["attempt"] == 1)
    );
    for started in events.iter().filter(|e| e["event"] == "started") {
        let job = started["job"].as_str().expect("a name");
        if started["kind"] == "probe" {
            // jobdeck's own job: no project folder, no build folder.
            assert_eq!(started["source"], Value::Null, "{started}");
            assert_eq!(started["build_dir"], Value::Null, "{started}");
            continue;
        }
        assert_eq!(started["source"], workspace.join(job).display().to_string());
        let build_dir = workspace.join("build").join(job);
        assert_eq!(started["build_dir"], build_dir.display().to_string());
        // Where the run writes its log, so a script can follow it while it runs.
        let finished = events
            .iter()
            .find(|e| e["event"] == "finished" && e["job"] == job)
            .expect("its end");
        assert!(started["log"].is_string(), "{started}");
        assert_eq!(started["log"], finished["log"]);
    }
}
