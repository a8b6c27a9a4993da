//! Re-running tests as rows, with the real binary, cmake and ctest: `--rerun-failed` runs
//! only the tests that failed, after building a test fixed in its source; and under
//! `--launcher` every ctest (the listing, each group's, each retry's) runs through it while
//! each test keeps its row, its retries and its re-run.

mod common;

use std::path::PathBuf;

use common::{TempDir, cmake_available, run_command};

#[test]
fn rerun_failed_runs_only_the_tests_that_failed() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-rerun-failed");
    let count = |name: &str| {
        std::fs::read_to_string(temp.join(format!("{name}.runs"))).map_or(0, |t| t.lines().count())
    };
    common::write_project(
        &temp.join("ws/counted"),
        &format!(
            "enable_testing()\n\
             add_test(NAME bad COMMAND sh -c \"echo run >> '{d}/bad.runs'; exit 1\")\n\
             add_test(NAME good COMMAND sh -c \"echo run >> '{d}/good.runs'\")",
            d = temp.path().display()
        ),
    );
    let session = |extra: &[&str]| {
        let mut command = common::jobdeck();
        command
            .args(["--test", "--json", "-j2"])
            .args(extra)
            .arg(temp.join("ws"))
            .arg("-B")
            .arg(temp.join("build"));
        run_command(command)
    };
    assert_eq!(session(&[]).code(), 1);
    assert_eq!((count("bad"), count("good")), (1, 1));
    let again = session(&["--rerun-failed"]);
    assert_eq!(again.code(), 1, "{again:?}");
    assert_eq!((count("bad"), count("good")), (2, 1), "{again:?}");
    let tests: Vec<String> = again
        .json()
        .iter()
        .filter_map(|e| e["test"].as_str().map(str::to_string))
        .collect();
    assert_eq!(tests, ["bad"], "{again:?}");
}

/// A project with a C test, `check`, that fails until its source is fixed, and a test that
/// always passes.
fn fixable_workspace(temp: &TempDir) -> PathBuf {
    let project = temp.join("ws/fixable");
    std::fs::create_dir_all(&project).expect("project folder");
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(fixable C)\nenable_testing()\n\
         add_executable(check check.c)\n\
         add_test(NAME check COMMAND check)\n\
         add_test(NAME steady COMMAND sh -c \"exit 0\")\n",
    )
    .expect("write CMakeLists.txt");
    let source = project.join("check.c");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(void) { puts(\"check: value was 2\"); return 1; }\n",
    )
    .expect("write check.c");
    source
}

/// Each `finished` event's `(stage, test, status)` in a `--json` run.
fn ends(run: &common::Run) -> Vec<(String, String, String)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    run.json()
        .iter()
        .filter(|e| e["event"] == "finished")
        .map(|e| (text(&e["stage"]), text(&e["test"]), text(&e["status"])))
        .collect()
}

#[test]
fn rerun_failed_builds_a_fixed_test_before_it_runs_again() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-rerun-fixed");
    let source = fixable_workspace(&temp);
    let session = |extra: &[&str]| {
        let mut command = common::jobdeck();
        command
            .args(["--test", "--json", "-j2"])
            .args(extra)
            .arg(temp.join("ws"))
            .arg("-B")
            .arg(temp.join("build"));
        run_command(command)
    };
    let first = session(&[]);
    assert_eq!(first.code(), 1, "{first:?}");
    std::fs::write(&source, "int main(void) { return 0; }\n").expect("fix check.c");
    let again = session(&["--rerun-failed"]);
    assert_eq!(
        again.code(),
        0,
        "the fixed test was built, then passed: {again:?}"
    );
    let ended = ends(&again);
    let s = |text: &str| text.to_string();
    // The build ran again (and built the fix), then only the failed test.
    assert!(ended.contains(&(s("build"), s(""), s("ok"))), "{ended:?}");
    assert!(
        ended.contains(&(s("test"), s("check"), s("ok"))),
        "{ended:?}"
    );
    assert!(
        !ended.iter().any(|e| e.1 == "steady" || e.0 == "configure"),
        "{ended:?}"
    );
}

#[test]
fn under_a_launcher_every_ctest_runs_through_it_and_each_test_is_a_row() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-launcher");
    // The launcher logs its words, marks what it runs, then runs it.
    let launcher = temp.join("wrap.sh");
    let words = temp.join("launched.txt");
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nWRAPPED=yes exec \"$@\"\n",
            words.display()
        ),
    )
    .expect("write the launcher");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&launcher)
        .status()
        .expect("chmod");
    // Every test fails unless it runs under the launcher.
    let wrapped = "[ -n \\\"$WRAPPED\\\" ] || { echo not launched; exit 1; }";
    common::write_project(
        &temp.join("ws/launched"),
        &format!(
            "enable_testing()\n\
             add_test(NAME passes COMMAND sh -c \"{wrapped}\")\n\
             add_test(NAME fails COMMAND sh -c \"{wrapped}; echo check failed; exit 1\")\n\
             add_test(NAME flaky COMMAND sh -c \"{wrapped}; test -f ran || {{ touch ran; exit 1; }}\")"
        ),
    );
    let session = |extra: &[&str]| {
        let mut command = common::jobdeck();
        command
            .args(["--test", "--json", "-j2", "--retries", "1", "--launcher"])
            .arg(&launcher)
            .args(extra)
            .arg(temp.join("ws"))
            .arg("-B")
            .arg(temp.join("build"));
        run_command(command)
    };
    let tests_of = |run: &common::Run| {
        let mut tests: Vec<(String, String, u64)> = common::test_ends(run);
        tests.sort();
        tests
    };
    let run = session(&[]);
    assert_eq!(run.code(), 1, "{run:?}");
    let t = |name: &str, status: &str, attempt| (name.to_string(), status.to_string(), attempt);
    assert_eq!(
        tests_of(&run),
        [
            t("fails", "failed", 1),
            t("fails", "failed", 2),
            t("flaky", "failed", 1),
            t("flaky", "flaky", 2),
            t("passes", "ok", 1),
        ],
        "{run:?}"
    );
    let logged = std::fs::read_to_string(&words).expect("the launcher's log");
    let ctests: Vec<&str> = logged
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.ends_with("ctest"))
        })
        .collect();
    assert!(
        ctests.iter().any(|l| l.contains("--show-only=json-v1")),
        "the listing went through the launcher: {logged}"
    );
    // At least one group's ctest and the two retries, each selecting its tests.
    let selecting = ctests.iter().filter(|l| l.contains(" -R ")).count();
    assert!(selecting >= 3, "{logged}");
    // Some tests only (as `r` on a test's row runs them) go through the launcher too.
    let again = session(&["--rerun-failed"]);
    assert_eq!(again.code(), 1, "{again:?}");
    assert_eq!(
        tests_of(&again),
        [t("fails", "failed", 1), t("fails", "failed", 2)],
        "{again:?}"
    );
}

/// Issue 32: after a stop, `test.log`'s tally (ctest's words) counted only the tests that
/// ended (`100% tests passed, 0 tests failed out of 0`), so the log of a run cut short read
/// as a whole run that passed. A line under it says how many have no result, and why.
#[test]
fn a_stopped_test_stages_log_says_how_many_tests_did_not_end() {
    if !cmake_available("a_stopped_test_stages_log_says_how_many_tests_did_not_end") {
        return;
    }
    let temp = TempDir::new("test-rows-stopped-log");
    common::write_project(
        &temp.join("ws/stopped"),
        "enable_testing()\n\
         add_test(NAME quick COMMAND cmake -E true)\n\
         add_test(NAME slow COMMAND cmake -E sleep 60)\n\
         add_test(NAME later COMMAND cmake -E true)\n\
         set_tests_properties(slow PROPERTIES DEPENDS quick)\n\
         set_tests_properties(later PROPERTIES DEPENDS slow)",
    );
    let mut command = common::jobdeck();
    command
        .args(["--test", "--json", "-j1", "--timeout", "5"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let log = std::fs::read_to_string(temp.join("build/stopped/.jobdeck/test.log"))
        .or_else(|_| {
            let found = run
                .json()
                .iter()
                .filter_map(|e| e["log"].as_str().map(PathBuf::from))
                .find(|p| p.ends_with("test.log"))
                .expect("the test stage's log in the JSON");
            std::fs::read_to_string(found)
        })
        .expect("the test stage's log");
    // The three run in one ctest, cut off before it wrote its results: `quick`, seen
    // passing on the console, is counted from there; the other two have no result.
    let head: Vec<&str> = log.lines().take(2).collect();
    assert_eq!(
        head,
        [
            "100% tests passed, 0 tests failed out of 1",
            "2 of 3 tests have no result (cut off, not started, or in a ctest run cut off \
             before it wrote its results): the stage timed out",
        ],
        "{log}"
    );
}

/// The log of the test stage of `project`, as its `--json` events give it.
fn stage_log(run: &common::Run, project: &str) -> PathBuf {
    run.json()
        .iter()
        .filter(|e| e["job"] == project && e["stage"] == "test")
        .find_map(|e| e["log"].as_str().map(PathBuf::from))
        .expect("the test stage's log in the JSON")
}

/// Issue 32: a test that ended on ctest's console (passed, or failed) in a ctest run cut off
/// before it wrote its results file had no result: it was missing from `test.results.json`
/// (which `--rerun-failed` reads) and from `test.log`'s tally, and a failed one's event said
/// `cancelled`. Now
/// it keeps what the console said; the test cut off is `cancelled`, with no result.
#[test]
fn a_test_that_ended_on_the_console_keeps_its_result_when_its_ctest_is_cut_off() {
    if !cmake_available(
        "a_test_that_ended_on_the_console_keeps_its_result_when_its_ctest_is_cut_off",
    ) {
        return;
    }
    let temp = TempDir::new("test-rows-cut-off-results");
    // In each project `a` ends at once and `b` (tied to it, so one ctest runs both) hangs
    // until the stage's `--timeout` cuts the ctest off.
    for (project, a) in [("passes", "cmake -E true"), ("fails", "cmake -E false")] {
        common::write_project(
            &temp.join(format!("ws/{project}")),
            &format!(
                "enable_testing()\n\
                 add_test(NAME a COMMAND {a})\n\
                 add_test(NAME b COMMAND cmake -E sleep 60)\n\
                 set_tests_properties(b PROPERTIES DEPENDS a)"
            ),
        );
    }
    let session = |extra: &[&str]| {
        let mut command = common::jobdeck();
        command
            .args(["--test", "--json", "-j2", "--timeout", "5"])
            .args(extra)
            .arg(temp.join("ws"))
            .arg("-B")
            .arg(temp.join("build"));
        run_command(command)
    };
    // Each test's `finished` event: `(job, test, status, error)`.
    let tests_of = |run: &common::Run| -> Vec<(String, String, String, String)> {
        run.json()
            .iter()
            .filter(|e| e["event"] == "finished" && e["test"].is_string())
            .map(|e| {
                let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
                (
                    text(&e["job"]),
                    text(&e["test"]),
                    text(&e["status"]),
                    text(&e["error"]),
                )
            })
            .collect()
    };
    let run = session(&[]);
    assert_eq!(run.code(), 1, "{run:?}");
    let tests = tests_of(&run);
    let s = |text: &str| text.to_string();
    assert!(
        tests.contains(&(s("passes"), s("a"), s("ok"), s(""))),
        "{tests:?}"
    );
    assert!(
        tests.contains(&(s("passes"), s("b"), s("cancelled"), s(""))),
        "{tests:?}"
    );
    let failed: Vec<_> = tests.iter().filter(|t| t.0 == "fails").collect();
    assert_eq!(
        failed.len(),
        1,
        "after a failed test the console is not read: {tests:?}"
    );
    assert_eq!((&*failed[0].1, &*failed[0].2), ("a", "failed"), "{tests:?}");
    assert!(failed[0].3.contains("test.log"), "{tests:?}");
    for (project, status) in [("passes", "passed"), ("fails", "failed")] {
        let log = stage_log(&run, project);
        let recorded = std::fs::read_to_string(log.with_file_name("test.results.json"))
            .expect("test.results.json");
        let recorded: serde_json::Value = serde_json::from_str(&recorded).expect("its JSON");
        let recorded: Vec<(&str, &str)> = recorded
            .as_array()
            .expect("a list")
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap_or(""),
                    t["status"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(recorded, [("a", status)], "{project}");
        let log = std::fs::read_to_string(&log).expect("test.log");
        let tally = if status == "passed" {
            "100% tests passed, 0 tests failed out of 1"
        } else {
            "0% tests passed, 1 tests failed out of 1"
        };
        assert_eq!(log.lines().next(), Some(tally), "{log}");
        assert!(log.contains("1 of 2 tests have no result"), "{log}");
    }
    // `--rerun-failed` runs `passes`'s cut-off `b` again, not `a`, which passed.
    let again = session(&["--rerun-failed"]);
    let passes: Vec<_> = tests_of(&again)
        .into_iter()
        .filter(|t| t.0 == "passes")
        .map(|t| t.1)
        .collect();
    assert_eq!(passes, ["b"], "{again:?}");
}
