//! Tests as rows against tests that misbehave, with the real binary, cmake and ctest: a
//! test's output that looks like ctest's own console lines.

mod common;

use common::{TempDir, cmake_available, run_command};

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
    let mut command = common::jobdeck();
    command
        .args(["--headless", "--json", "--test", "-j2"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
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
