//! Tests as rows against tests that misbehave, with the real binary, cmake and ctest: a
//! test's output that looks like ctest's own console lines.

mod common;

use common::{Run, TempDir, cmake_available, run_command};

/// `jobdeck --headless --json --test -j2 MORE… TEMP/ws -B TEMP/build`, run to its end.
fn test_session(temp: &TempDir, more: &[&str]) -> Run {
    let mut command = common::jobdeck();
    command
        .args(["--headless", "--json", "--test", "-j2"])
        .args(more)
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    run_command(command)
}

/// A failed test's output (printed by ctest under `--output-on-failure` right after its
/// result line) says the next test of its ctest started and passed; that test then fails.
/// Each test gets one `finished` event, with ctest's outcome, not one from the output.
#[test]
fn a_failed_tests_output_that_looks_like_ctests_lines_ends_no_test() {
    if !cmake_available("hostile_test_rows") {
        return;
    }
    let temp = TempDir::new("hostile-test-rows-liar");
    // `victim` DEPENDS on `liar`: one group, one ctest, `liar` first.
    common::write_project(
        &temp.join("ws/liar"),
        "enable_testing()\n\
         add_test(NAME liar COMMAND sh -c \"printf '      Start  2: victim\\\\n\
         2/2 Test  #2: victim ....   Passed    0.00 sec\\\\n'; exit 1\")\n\
         add_test(NAME victim COMMAND false)\n\
         set_tests_properties(victim PROPERTIES DEPENDS liar)",
    );
    let run = test_session(&temp, &[]);
    assert_eq!(run.code(), 1, "{run:?}");
    let ends: Vec<(String, String)> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| (e["test"].to_string(), e["status"].to_string()))
        .collect();
    let ends: Vec<(&str, &str)> = ends.iter().map(|(t, s)| (t.as_str(), s.as_str())).collect();
    assert_eq!(
        ends,
        [("\"liar\"", "\"failed\""), ("\"victim\"", "\"failed\"")],
        "{run:?}"
    );
}

/// A test stage interrupted (Ctrl-C) while its first test ran: the tests it cut off end
/// `cancelled`, and its other tests were never run; `--rerun-failed` then runs them all, not
/// only those its record names: `broken` fails there as under plain ctest, and the session
/// fails.
#[test]
fn rerun_failed_after_an_interrupted_test_stage_runs_the_tests_it_never_ran() {
    if !cmake_available("hostile_test_rows") {
        return;
    }
    let temp = TempDir::new("hostile-test-rows-interrupted");
    let started = temp.join("hang-started");
    let project = temp.join("ws/cut");
    // At one worker the first ctest takes `hang` and `broken`, the second `fine`.
    let body = |hang: &str| {
        format!(
            "enable_testing()\n\
             add_test(NAME hang COMMAND sh -c \"{hang}\")\n\
             add_test(NAME broken COMMAND false)\n\
             add_test(NAME fine COMMAND true)"
        )
    };
    common::write_project(
        &project,
        &body(&format!("touch '{}'; exec sleep 1000", started.display())),
    );
    let args = |more: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = ["--headless", "--json", "--test", "-j1"]
            .iter()
            .chain(more)
            .map(Into::into)
            .collect();
        args.extend([
            temp.join("ws").into_os_string(),
            "-B".into(),
            temp.join("build").into_os_string(),
        ]);
        args
    };
    let run = common::Streaming::start(args(&[]));
    assert!(
        common::wait_until(|| started.exists()),
        "hang never started"
    );
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let mut seen = Vec::new();
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    // What the stop cut off has no outcome: `cancelled`, not `failed`, after the time it ran
    // (its row's time stops there); a test its ctest never started has no event.
    let cut: Vec<String> = seen
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| {
            format!(
                "{} {} {}",
                e["test"],
                e["status"],
                e["duration_ms"].is_u64()
            )
        })
        .collect();
    assert_eq!(cut, ["\"hang\" \"cancelled\" true"], "{seen:#?}");
    // `hang` fixed: what is left to learn is how `broken` and `fine` end.
    common::write_project(&project, &body("true"));
    let mut command = common::jobdeck();
    command.args(args(&["--rerun-failed"]));
    let run = run_command(command);
    let mut ends: Vec<(String, String)> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| (e["test"].to_string(), e["status"].to_string()))
        .collect();
    ends.sort();
    let ends: Vec<(&str, &str)> = ends.iter().map(|(t, s)| (t.as_str(), s.as_str())).collect();
    assert_eq!(
        ends,
        [
            ("\"broken\"", "\"failed\""),
            ("\"fine\"", "\"ok\""),
            ("\"hang\"", "\"ok\"")
        ],
        "{run:?}"
    );
    assert_eq!(run.code(), 1, "{run:?}");
}

/// A failed test that floods its output: the end jobdeck keeps starts at a whole line, so
/// the error (the first line saying `error`) is one of the test's lines, not a cut one.
#[test]
fn a_flooding_failed_tests_error_is_a_whole_line_of_its_output() {
    if !cmake_available("hostile_test_rows") {
        return;
    }
    let temp = TempDir::new("hostile-test-rows-flood");
    common::write_project(
        &temp.join("ws/flood"),
        "enable_testing()\n\
         add_test(NAME flood COMMAND sh -c \"yes 'flood line ERROR here' | head -n 20000; exit 1\")",
    );
    let run = test_session(&temp, &[]);
    assert_eq!(run.code(), 1, "{run:?}");
    let errors: Vec<String> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished" && e["test"] == "flood")
        .map(|e| e["error"].to_string())
        .collect();
    assert_eq!(errors, ["\"flood line ERROR here\""], "{run:?}");
}

/// Failed tests that flood past ctest's limit (300 KiB) with no line saying `error`: ctest
/// cuts their output in its file and ends it with `...` and its notice (`[This part of the
/// test output was removed …]`); the error is the test's own last whole line before it, not
/// the notice, nor a line ctest cut (`flood line h...`: 307,200 is no multiple of 17).
#[test]
fn a_flooding_failed_tests_error_is_not_ctests_cut_notice() {
    if !cmake_available("hostile_test_rows") {
        return;
    }
    let temp = TempDir::new("hostile-test-rows-flood-notice");
    common::write_project(
        &temp.join("ws/flood"),
        "enable_testing()\n\
         add_test(NAME flood COMMAND sh -c \"yes 'flood line here' | head -n 40000; exit 1\")\n\
         add_test(NAME cut COMMAND sh -c \"yes 'flood line here!' | head -n 40000; exit 1\")",
    );
    let run = test_session(&temp, &[]);
    assert_eq!(run.code(), 1, "{run:?}");
    let errors: Vec<String> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| format!("{} {}", e["test"], e["error"]))
        .collect();
    let mut errors = errors;
    errors.sort();
    assert_eq!(
        errors,
        [
            "\"cut\" \"flood line here!\"",
            "\"flood\" \"flood line here\""
        ],
        "{run:?}"
    );
}

/// `--rerun-failed` after the failed test was renamed runs it under its new name (a test
/// the last run has no result for), so the session still fails as plain ctest would.
#[test]
fn rerun_failed_runs_a_failed_test_renamed_since() {
    if !cmake_available("hostile_test_rows") {
        return;
    }
    let temp = TempDir::new("hostile-test-rows-renamed");
    let project = temp.join("ws/renamed");
    let body = |name: &str| {
        format!(
            "enable_testing()\nadd_test(NAME fine COMMAND true)\n\
             add_test(NAME {name} COMMAND false)"
        )
    };
    let session = |more: &[&str]| test_session(&temp, more);
    common::write_project(&project, &body("old"));
    assert_eq!(session(&[]).code(), 1);
    common::write_project(&project, &body("new"));
    let run = session(&["--rerun-failed"]);
    let ran: Vec<String> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| format!("{} {}", e["test"], e["status"]))
        .collect();
    assert_eq!(ran, ["\"new\" \"failed\""], "{run:?}");
    assert_eq!(run.code(), 1, "{run:?}");
}
