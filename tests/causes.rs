//! Causes and error locations from real cmake output (issue 22): fixtures in
//! `assets/fixtures/causes/` that fail the same way on any machine.

mod common;

use std::collections::HashMap;

use common::{TempDir, available, cmake_available, copy_fixture, path_arg};
use serde_json::Value;

/// Runs `--json` (plus `extra`) over copies of the named fixtures; the `finished` event of
/// each job by `<name> <stage>`, and the summary's causes as `cause → jobs`.
fn run(fixtures: &[&str], extra: &[&str]) -> (HashMap<String, Value>, HashMap<String, u64>) {
    let temp = TempDir::new("causes");
    for fixture in fixtures {
        copy_fixture(&format!("causes/{fixture}"), &temp.join(fixture));
    }
    let mut args = vec!["--json", "-j2"];
    args.extend(extra);
    args.push(path_arg(temp.path()));
    let events = common::jobdeck_json(&args);
    let finished = events
        .iter()
        .filter(|e| e["event"] == "finished")
        .map(|e| {
            (
                format!(
                    "{} {}",
                    e["job"].as_str().unwrap_or(""),
                    e["stage"].as_str().unwrap_or("")
                ),
                e.clone(),
            )
        })
        .collect();
    let summary = events.last().expect("a summary");
    let causes = summary["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .map(|c| {
            (
                c["cause"].as_str().expect("cause").to_string(),
                c["jobs"].as_u64().expect("jobs"),
            )
        })
        .collect();
    (finished, causes)
}

/// `(error_file, error_line)` of a finished event.
fn place(event: &Value) -> (Option<&str>, Option<u64>) {
    (event["error_file"].as_str(), event["error_line"].as_u64())
}

#[test]
fn configure_failures_name_their_package_file_or_module_and_point_at_the_projects_call() {
    if !cmake_available("configure_failures_name_their_package_file_or_module") {
        return;
    }
    let (finished, causes) = run(&["config-package", "missing-include", "find-module"], &[]);
    let config = &finished["config-package configure"];
    assert_eq!(config["status"], "failed");
    assert_eq!(place(config), (Some("CMakeLists.txt"), Some(5)), "{config}");
    let include = &finished["missing-include configure"];
    assert_eq!(
        place(include),
        (Some("CMakeLists.txt"), Some(4)),
        "{include}"
    );
    // The project's find module failed in find_package_handle_standard_args; the line to fix
    // is the project's find_package call that loaded it.
    let module = &finished["find-module configure"];
    assert_eq!(
        place(module),
        (Some("cmake/UseNoSuchTool.cmake"), Some(2)),
        "{module}"
    );
    let error = module["error"].as_str().expect("an error");
    assert!(
        error.ends_with("— cmake/UseNoSuchTool.cmake:2 (find_package)"),
        "{error}"
    );
    assert_eq!(
        causes.get("Could NOT find NoSuchPkg"),
        Some(&1),
        "{causes:?}"
    );
    assert_eq!(
        causes.get("include could not find conanbuildinfo.cmake"),
        Some(&1),
        "{causes:?}"
    );
    assert_eq!(
        causes.get("Could NOT find NoSuchTool"),
        Some(&1),
        "{causes:?}"
    );
}

#[test]
fn a_missing_pkg_config_module_keeps_its_names() {
    let test = "a_missing_pkg_config_module_keeps_its_names";
    let pkg_config = std::process::Command::new("pkg-config")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !cmake_available(test) || !available(test, pkg_config, "pkg-config") {
        return;
    }
    let (finished, causes) = run(&["pkg-config-module"], &[]);
    let event = &finished["pkg-config-module configure"];
    assert_eq!(place(event), (Some("CMakeLists.txt"), Some(5)), "{event}");
    assert_eq!(
        causes.get("None of the required 'libjobdeck-nosuchzmq;libjobdeck-nosuch0mq' found"),
        Some(&1),
        "{causes:?}"
    );
}

/// The line of the fixture's file that holds `mark`, from 1.
fn line_of(fixture: &str, mark: &str) -> u64 {
    let text = std::fs::read_to_string(common::fixture(&format!("causes/{fixture}")))
        .expect("read the fixture");
    let at = text
        .lines()
        .position(|l| l.contains(mark))
        .expect("the mark");
    u64::try_from(at + 1).expect("a small line number")
}

#[test]
fn a_failed_test_points_at_its_first_failure_in_catch2_and_googletest_output() {
    if !cmake_available("a_failed_test_points_at_its_first_failure") {
        return;
    }
    let (finished, _) = run(&["catch2-test", "gtest-test"], &["--test"]);
    let catch2 = &finished["catch2-test test"];
    assert_eq!(catch2["status"], "failed", "{catch2}");
    assert_eq!(
        place(catch2),
        (
            Some("unit_tests.cpp"),
            Some(line_of("catch2-test/unit_tests.cpp", "FAILED:"))
        ),
        "{catch2}"
    );
    let gtest = &finished["gtest-test test"];
    assert_eq!(
        place(gtest),
        (
            Some("math_test.cpp"),
            Some(line_of("gtest-test/math_test.cpp", ": Failure"))
        ),
        "{gtest}"
    );
    let error = gtest["error"].as_str().expect("an error");
    assert!(
        error.starts_with("1 of 1 tests failed: math_test (Failed)"),
        "{error}"
    );
}

/// Issue 32: a test stage's cause is its failed test's own error, not ctest's `1 of 2 tests
/// failed: a (Failed)`, whose counts and test names made every project a cause of its own.
/// Two projects whose tests fail on the same assertion, one failing one test of two and the
/// other two of three, share one cause.
#[test]
fn tests_failing_on_the_same_assertion_share_one_cause_whatever_their_counts() {
    if !cmake_available("tests_failing_on_the_same_assertion_share_one_cause") {
        return;
    }
    let temp = TempDir::new("test-causes");
    let check = "message(FATAL_ERROR \"Assertion total == 6 failed\")\n";
    for (project, failing, passing) in [("one", &["a"][..], "b"), ("two", &["x", "y"][..], "z")] {
        let folder = temp.join(project);
        let failing: Vec<String> = failing
            .iter()
            .map(|test| {
                format!(
                    "add_test(NAME {test} COMMAND ${{CMAKE_COMMAND}} -P \
                     ${{CMAKE_CURRENT_SOURCE_DIR}}/check.cmake)\n"
                )
            })
            .collect();
        let failing = failing.concat();
        let body = format!(
            "enable_testing()\n{failing}add_test(NAME {passing} COMMAND ${{CMAKE_COMMAND}} -E \
             true)\n"
        );
        common::write_project(&folder, &body);
        std::fs::write(folder.join("check.cmake"), check).expect("write check.cmake");
    }
    let events = common::jobdeck_json(&["--json", "-j2", "--test", path_arg(temp.path())]);
    let summary = events.last().expect("a summary");
    let causes = summary["causes"].as_array().expect("causes");
    assert_eq!(causes.len(), 1, "one cause: {causes:#?}");
    assert_eq!(causes[0]["jobs"], 2, "{causes:#?}");
    let cause = causes[0]["cause"].as_str().expect("a cause");
    assert!(cause.contains("Assertion total == N failed"), "{cause}");
    // The rows still say how many tests failed, and which.
    let errors: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "finished" && e["stage"] == "test")
        .filter_map(|e| e["error"].as_str())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("2 of 3 tests failed: x")),
        "{errors:?}"
    );
}
