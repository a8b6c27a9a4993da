//! Tests as rows, with the real binary, cmake and ctest: a project whose tests exercise every
//! ctest property that decides an outcome (`assets/fixtures/tests/properties`) ends, test by
//! test, exactly as plain `ctest` on the same project says, although jobdeck runs its tests
//! in groups side by side; tests that share a resource lock never overlap, nor does a
//! `RUN_SERIAL` test with any of them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TempDir, cmake_available, copy_fixture, path_arg as arg, run_command};

/// How a test ended, in ctest's three words.
type Outcomes = BTreeMap<String, &'static str>;

/// What plain ctest says of each test of the fixture, built in a folder of its own: the
/// tests its summary lists as failed are `failed`, those it lists as not run `skipped`,
/// every other test it listed `passed`. Read from ctest's console text, not from a file
/// jobdeck also reads, so the two sides share no parser.
fn plain_ctest(temp: &TempDir) -> Outcomes {
    let source = temp.join("plain-src");
    let build = temp.join("plain-build");
    copy_fixture("tests/properties", &source);
    let mut configure = Command::new("cmake");
    configure.arg("-S").arg(&source).arg("-B").arg(&build);
    let run = run_command(configure);
    assert!(run.status.success(), "{run:?}");
    let mut list = Command::new("ctest");
    list.arg("--test-dir").arg(&build).arg("-N");
    let listed = run_command(list);
    let mut test = Command::new("ctest");
    test.arg("--test-dir").arg(&build);
    let run = run_command(test);
    let mut outcomes = Outcomes::new();
    // `  Test  #3: lock_a`
    for line in listed.stdout.lines() {
        if let Some((_, name)) = line
            .trim()
            .strip_prefix("Test")
            .and_then(|r| r.split_once(": "))
        {
            let name = name.strip_suffix(" (Disabled)").unwrap_or(name);
            outcomes.insert(name.to_string(), "passed");
        }
    }
    let mut section = "";
    for line in run.stdout.lines() {
        if line.starts_with("The following tests FAILED") {
            section = "failed";
        } else if line.starts_with("The following tests did not run") {
            section = "skipped";
        } else if let Some((_, rest)) = line.trim().split_once(" - ")
            && !section.is_empty()
        {
            // `  2 - needs_broken (Not Run)`: the name ends before the last ` (`.
            let name = rest.rsplit_once(" (").map_or(rest, |(name, _)| name);
            outcomes.insert(name.to_string(), section);
        } else if line.trim().is_empty() && section == "failed" {
            section = "";
        }
    }
    assert!(outcomes.len() >= 19, "ctest listed too few tests: {run:?}");
    outcomes
}

/// Runs jobdeck `--test --json -j2` on a workspace holding the fixture and returns the run,
/// the `JUnit` file it wrote and its build folder.
fn jobdeck_tests(temp: &TempDir) -> (common::Run, PathBuf, PathBuf) {
    copy_fixture("tests/properties", &temp.join("ws/properties"));
    let junit = temp.join("junit.xml");
    let build = temp.join("build");
    let mut command = common::jobdeck();
    command
        .args(["--test", "--json", "-j2"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(&build)
        .args(["--junit", arg(&junit)]);
    (run_command(command), junit, build)
}

/// Each `<testcase>` of jobdeck's `JUnit` file under `suite` other than its stages: `failed`
/// with a `<failure>`, `skipped` with a `<skipped>`, else `passed`.
fn junit_outcomes(junit: &Path) -> Outcomes {
    let text = std::fs::read_to_string(junit).expect("the JUnit file");
    let mut outcomes = Outcomes::new();
    for case in text.split("<testcase ").skip(1) {
        let name = attribute(&format!(" {case}"), "name");
        if ["configure", "build", "test"].contains(&name.as_str()) {
            continue;
        }
        let head_end = case.find('>').expect("a closed tag");
        let body = if case[..head_end].ends_with('/') {
            ""
        } else {
            &case[..case.find("</testcase>").expect("an end tag")]
        };
        let outcome = if body.contains("<failure") {
            "failed"
        } else if body.contains("<skipped") {
            "skipped"
        } else {
            "passed"
        };
        outcomes.insert(unescape(&name), outcome);
    }
    outcomes
}

fn attribute(tag: &str, name: &str) -> String {
    let start = tag.find(&format!(" {name}=\"")).expect("the attribute") + name.len() + 3;
    let end = start + tag[start..].find('"').expect("a closing quote");
    tag[start..end].to_string()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The intervals each named test recorded in the lock log: `(name, start ns, end ns)`.
fn intervals(log: &Path) -> Vec<(String, u128, u128)> {
    let text = std::fs::read_to_string(log).expect("the lock log");
    let mut starts = BTreeMap::new();
    let mut spans = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [what, name, time] = words[..] else {
            panic!("bad lock log line: {line}")
        };
        let time: u128 = time.parse().expect("a time in ns");
        if what == "start" {
            starts.insert(name.to_string(), time);
        } else {
            spans.push((name.to_string(), starts[name], time));
        }
    }
    spans
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
        if path.is_dir()
            && let Some(found) = find_file(&path, name)
        {
            return Some(found);
        }
    }
    None
}

#[test]
fn every_test_ends_as_plain_ctest_says_and_locked_and_serial_tests_never_overlap() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-properties");
    let expected = plain_ctest(&temp);
    let (run, junit, build) = jobdeck_tests(&temp);
    // Tests failed, so the session did.
    assert_eq!(run.code(), 1, "{run:?}");
    assert_eq!(junit_outcomes(&junit), expected, "{run:?}");
    // Jobdeck did run groups apart: more than one ctest for the project.
    let log = find_file(&temp.join("ws/.jobdeck"), "test.log")
        .or_else(|| find_file(&build, "test.log"))
        .or_else(|| find_file(temp.path(), "test.log"))
        .expect("the test stage's log");
    let runs = log.with_file_name("test.runs");
    let groups = std::fs::read_dir(&runs)
        .expect("the groups' folder")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".junit.xml"))
        .count();
    assert!(groups > 5, "only {groups} ctest runs");
    let spans = intervals(&find_file(&build, "lock.log").expect("the lock log"));
    assert_eq!(spans.len(), 3, "{spans:?}");
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            assert!(a.2 <= b.1 || b.2 <= a.1, "{a:?} overlaps {b:?}");
        }
    }
}
