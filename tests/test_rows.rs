//! Tests as rows, with the real binary, cmake and ctest: a project whose tests exercise every
//! ctest property that decides an outcome (`assets/fixtures/tests/properties`) ends, test by
//! test, exactly as plain `ctest` on the same project says, although jobdeck runs its tests
//! in groups side by side; tests that share a resource lock never overlap, nor does a
//! `RUN_SERIAL` test with any of them.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
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

/// Each test's `finished` event of jobdeck's `--json` output: `ok` is ctest's `passed`.
/// Every one names its job, the stage `test`, its attempt and its time.
fn json_outcomes(run: &common::Run) -> Outcomes {
    let mut outcomes = Outcomes::new();
    for event in run.json() {
        let Some(test) = event["test"].as_str() else {
            continue;
        };
        assert_eq!(event["event"], "finished", "{event}");
        assert_eq!(event["job"], "properties", "{event}");
        assert_eq!(event["stage"], "test", "{event}");
        assert_eq!(event["attempt"], 1, "{event}");
        assert!(event["duration_ms"].is_u64(), "{event}");
        let status = match event["status"].as_str() {
            Some("ok") => "passed",
            Some("failed") => {
                assert!(
                    event["error"].is_string(),
                    "a failed test says why: {event}"
                );
                "failed"
            }
            Some("skipped") => "skipped",
            other => panic!("unexpected status {other:?}: {event}"),
        };
        assert!(
            outcomes.insert(test.to_string(), status).is_none(),
            "two ends of {test}"
        );
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
    assert_eq!(json_outcomes(&run), expected, "{run:?}");
    // A test past its TIMEOUT says so in ctest's word, with ctest 3.x (whose JUnit file
    // gives no reason) as with 4.x; so does the stage's error.
    let timeout = run
        .json()
        .into_iter()
        .find(|e| e["test"] == "timeout")
        .expect("the timeout test's end");
    assert_eq!(
        (&timeout["status"], &timeout["error"]),
        (&"failed".into(), &"Timeout".into()),
        "{timeout}"
    );
    let stage = run
        .json()
        .into_iter()
        .find(|e| e["event"] == "finished" && e["stage"] == "test" && e["test"].is_null())
        .expect("the stage's end");
    assert!(
        stage["error"]
            .as_str()
            .is_some_and(|e| e.contains("timeout (Timeout)")),
        "{stage}"
    );
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

/// A project with a test that fails on its first run and passes on its second (a file it
/// leaves behind), and one that always fails.
fn flaky_workspace(temp: &TempDir) {
    common::write_project(
        &temp.join("ws/flaky"),
        "enable_testing()\n\
         add_test(NAME flaky COMMAND sh -c \"test -f ran || { touch ran; echo first run fails; exit 1; }\")\n\
         add_test(NAME steady COMMAND sh -c \"exit 0\")",
    );
}

#[test]
fn a_test_that_passes_on_its_retry_is_flaky_and_junit_keeps_its_failed_attempt() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-flaky");
    flaky_workspace(&temp);
    let (junit, html) = (temp.join("junit.xml"), temp.join("report.html"));
    let mut command = common::jobdeck();
    command
        .args(["--test", "--json", "-j2", "--retries", "1"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"))
        .args(["--junit", arg(&junit), "--report", arg(&html)]);
    let run = run_command(command);
    assert_eq!(run.code(), 0, "flaky passes unless --flaky-fails: {run:?}");
    let tests: Vec<(String, String, u64)> = common::test_ends(&run);
    let flaky: Vec<_> = tests.iter().filter(|t| t.0 == "flaky").collect();
    assert_eq!(
        flaky,
        [
            &("flaky".to_string(), "failed".to_string(), 1),
            &("flaky".to_string(), "flaky".to_string(), 2)
        ],
        "{run:?}"
    );
    let stage = run
        .json()
        .into_iter()
        .find(|e| e["event"] == "finished" && e["stage"] == "test" && e["test"].is_null())
        .expect("the stage's end");
    assert_eq!(stage["status"], "flaky", "{stage}");
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    let case = &xml[xml.find("name=\"flaky\"").expect("the flaky case")..];
    let case = &case[..case.find("</testcase>").expect("its end")];
    assert!(case.contains("<flakyFailure"), "{xml}");
    assert!(!case.contains("<failure"), "{xml}");
    // The HTML report's tests section counts it and lists it as flaky.
    let report = std::fs::read_to_string(&html).expect("the HTML report");
    let section = &report[report
        .find("<section id=\"tests\">")
        .expect("a tests section")..];
    let section = &section[..section.find("</section>").expect("its end")];
    assert!(
        section.contains("Tests (2: 1 ok, 1 flaky, 0 failed, 0 skipped)"),
        "{section}"
    );
    let flaky_list = &section[section.find("Flaky (1)").expect("the flaky list")..];
    assert!(flaky_list.contains("<td>flaky</td>"), "{section}");
    assert!(
        flaky_list.contains("attempt 1: first run fails"),
        "{section}"
    );
    // With --flaky-fails the same end fails the session.
    let mut again = common::jobdeck();
    std::fs::remove_file(temp.join("build/flaky/ran")).expect("the flaky test's mark");
    again
        .args(["--test", "-j2", "--retries", "1", "--flaky-fails"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    assert_eq!(run_command(again).code(), 1);
}

/// Several plain tests share one ctest (a batch), yet each ends, in its row and its JSON
/// event, when ctest reports it: `waits` runs until a file appears, which the test makes
/// only once it has seen `first`'s `finished` event, so the session can only end if that
/// event came while `waits`, in the same ctest, still ran.
#[test]
fn a_test_of_a_batch_ends_when_ctest_reports_it_not_when_the_batch_ends() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-live");
    let flag = temp.join("first-was-told");
    // At one worker, four plain tests with no history go two to the first ctest (a share of
    // `1 / (2 × slots)` of those left, rounded up), in ctest's order: `first` and `waits`.
    common::write_project(
        &temp.join("ws/live"),
        &format!(
            "enable_testing()\n\
             add_test(NAME first COMMAND true)\n\
             add_test(NAME waits COMMAND sh -c \"while [ ! -e '{flag}' ]; do sleep 0.02; done\")\n\
             set_tests_properties(waits PROPERTIES TIMEOUT 120)\n\
             add_test(NAME third COMMAND true)\n\
             add_test(NAME fourth COMMAND true)",
            flag = flag.display()
        ),
    );
    let jobdeck = common::Streaming::start([
        "--headless".as_ref(),
        "--json".as_ref(),
        "--test".as_ref(),
        "-j1".as_ref(),
        temp.join("ws").as_os_str(),
        "-B".as_ref(),
        temp.join("build").as_os_str(),
    ]);
    let mut seen = Vec::new();
    let test_end = |line: &str, name: &str| {
        serde_json::from_str::<serde_json::Value>(line)
            .is_ok_and(|e| e["event"] == "finished" && e["test"] == name)
    };
    jobdeck.wait_for_line(&mut seen, |line| test_end(line, "first"));
    assert!(
        !seen.iter().any(|line| test_end(line, "waits")),
        "{seen:#?}"
    );
    std::fs::write(&flag, "").expect("the flag file");
    let (status, stderr) = jobdeck.finish(&mut seen);
    assert!(status.success(), "{stderr}\n{seen:#?}");
    let ends: Vec<(String, String)> = seen
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|e| e["event"] == "finished" && e["test"].is_string())
        .map(|e| {
            (
                e["test"].as_str().unwrap_or_default().to_string(),
                e["status"].to_string(),
            )
        })
        .collect();
    let ends: Vec<(&str, &str)> = ends.iter().map(|(t, s)| (t.as_str(), s.as_str())).collect();
    assert_eq!(
        ends,
        [
            ("first", "\"ok\""),
            ("waits", "\"ok\""),
            ("third", "\"ok\""),
            ("fourth", "\"ok\"")
        ],
        "one end each, in ctest's order: {seen:#?}"
    );
    // `first` and `waits` did share one ctest.
    let log = find_file(temp.path(), "test.log").expect("the test stage's log");
    let shared = std::fs::read_dir(log.with_file_name("test.runs"))
        .expect("the ctest runs")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .any(|text| text.contains("Start 1: first") && text.contains("Start 2: waits"));
    assert!(shared, "first and waits ran in separate ctests");
}

/// A test stage keeps its project's test listing for the next session while the build's
/// test files stay the same (`test.list.json`); a test added since is listed and run.
#[test]
fn a_test_added_since_the_last_session_is_listed_again() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-listing");
    let project = temp.join("ws/listed");
    common::write_project(&project, "enable_testing()\nadd_test(NAME a COMMAND true)");
    let session = || {
        let mut command = common::jobdeck();
        command
            .args(["--test", "--json", "-j2"])
            .arg(temp.join("ws"))
            .arg("-B")
            .arg(temp.join("build"));
        let run = run_command(command);
        assert_eq!(run.code(), 0, "{run:?}");
        let mut tests: Vec<String> = run
            .json()
            .iter()
            .filter_map(|e| e["test"].as_str().map(str::to_string))
            .collect();
        tests.sort();
        tests
    };
    assert_eq!(session(), ["a"]);
    assert!(
        find_file(temp.path(), "test.list.json").is_some(),
        "no kept listing"
    );
    assert_eq!(session(), ["a"]);
    common::write_project(
        &project,
        "enable_testing()\nadd_test(NAME a COMMAND true)\nadd_test(NAME b COMMAND true)",
    );
    assert_eq!(session(), ["a", "b"]);
}

/// Tests of two projects at `-j2`, each group on the stage's own slot or a pool slot (kept
/// from one group to the next while no run waits): never more than two tests at once.
#[test]
fn tests_of_several_projects_never_run_more_at_once_than_the_pool_has_slots() {
    if !cmake_available("test_rows") {
        return;
    }
    let temp = TempDir::new("test-rows-slots");
    let log = temp.join("spans.log");
    for (project, count) in [("many", 8), ("few", 2)] {
        let mut body = String::from("enable_testing()\n");
        for i in 0..count {
            let name = format!("{project}{i}");
            let _ = writeln!(
                body,
                "add_test(NAME {name} COMMAND sh -c \"echo start {name} $(date +%s%N) >> '{log}'; \
                 sleep 0.2; echo end {name} $(date +%s%N) >> '{log}'\")",
                log = log.display()
            );
        }
        common::write_project(&temp.join(format!("ws/{project}")), &body);
    }
    let mut command = common::jobdeck();
    command
        .args(["--test", "-j2"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
    assert_eq!(run.code(), 0, "{run:?}");
    let spans = intervals(&log);
    assert_eq!(spans.len(), 10, "{spans:?}");
    for (name, start, _) in &spans {
        let at_once = spans
            .iter()
            .filter(|s| s.1 <= *start && *start < s.2)
            .count();
        assert!(
            at_once <= 2,
            "{at_once} tests ran when {name} started: {spans:?}"
        );
    }
}
