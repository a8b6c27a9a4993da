//! Retries: `--retries N` and a `jobdeck.toml` job's `retries` run a failed command again; a
//! job that passed on a retry ends `flaky` (passing, unless `--flaky-fails`), in the plain
//! lines, the recap, JSON (a `retried` event per attempt run again) and `JUnit`
//! (`<flakyFailure>`, `<rerunFailure>`). Each flaky command
//! fails on its first attempt and leaves a file behind that makes the next one pass: no
//! timing is involved.

mod common;

use std::path::Path;
use std::process::Command;

use common::commands::run_in;
use common::{TempDir, available};

/// A command line that fails the first time it runs in its folder and passes after.
const FLAKY: &str =
    "if [ -e tried ]; then echo second try; else touch tried; echo first try failed; exit 1; fi";

/// A folder with a `jobdeck.toml` holding `toml`.
fn workspace(label: &str, toml: &str) -> TempDir {
    let temp = TempDir::new(label);
    std::fs::write(temp.join("jobdeck.toml"), toml).expect("write jobdeck.toml");
    temp
}

/// The `finished` event of `job`: there is exactly one, whatever its attempts.
fn finished<'a>(events: &'a [serde_json::Value], job: &str) -> &'a serde_json::Value {
    let mut found = events
        .iter()
        .filter(|e| e["event"] == "finished" && e["job"] == job);
    let event = found.next().unwrap_or_else(|| panic!("no finished {job}"));
    assert!(found.next().is_none(), "two finished events for {job}");
    event
}

#[test]
fn a_job_that_passes_on_its_second_attempt_is_flaky_and_passes() {
    let temp = workspace(
        "retries-flaky",
        &format!(
            "[jobs.flaky]\ncmd = '{FLAKY}'\n\n[jobs.after]\ncmd = \"touch after\"\ndeps = [\"flaky\"]\n"
        ),
    );
    let junit = temp.join("junit.xml");
    let junit_arg = junit.to_string_lossy().into_owned();
    let run = run_in(
        temp.path(),
        &["--retries", "1", "--json", "--junit", &junit_arg],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    let flaky = finished(&events, "flaky");
    assert_eq!(flaky["status"], "flaky", "{flaky}");
    assert_eq!(flaky["attempt"], 2);
    let attempts: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["event"] == "started" && e["job"] == "flaky")
        .map(|e| &e["attempt"])
        .collect();
    assert_eq!(attempts, [1, 2]);
    // A flaky job passed: what depends on it runs.
    assert_eq!(finished(&events, "after")["status"], "ok");
    assert!(temp.join("after").exists());
    let summary = events.last().expect("a summary");
    assert_eq!(summary["ok"], 2, "{summary}");
    // Of which one passed on a retry: a count of its own (within `ok`).
    assert_eq!(summary["flaky"], 1, "{summary}");

    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    let case = testcase(&xml, "flaky");
    assert!(
        case.contains("<flakyFailure message=\"first try failed\" type=\"failed\">"),
        "{xml}"
    );
    assert!(
        case.contains("<system-out>first try failed</system-out>"),
        "{xml}"
    );
    assert!(!case.contains("<failure"), "{xml}");
    validate_without_reruns(&xml, &temp);

    // The same flaky job under --flaky-fails fails the session, and the plain lines and the
    // recap say it.
    std::fs::remove_file(temp.join("tried")).expect("remove the marker");
    let run = run_in(temp.path(), &["--retries", "1", "--flaky-fails"]);
    assert_eq!(run.code(), 1, "{run:?}");
    // A `jobdeck run` session's own lines and recap are on stderr; stdout is the jobs' output.
    assert!(run.stderr.contains("flaky     flaky  "), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "passed on a retry (1):\n  flaky     flaky  attempt 2 of 2; attempt 1: first try failed"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("2 jobs: 2 ok (1 flaky), 0 failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_jobs_own_retries_win_and_a_job_that_never_passes_fails_with_its_reruns() {
    let temp = workspace(
        "retries-own",
        &format!(
            "[defaults]\nretries = 0\n\n[jobs.flaky]\ncmd = '{FLAKY}'\nretries = 1\n\n\
             [jobs.never]\ncmd = 'echo attempt >> attempts; echo broken; exit 3'\nretries = 2\n\n\
             [jobs.once]\ncmd = 'echo attempt >> attempts-once; exit 1'\n"
        ),
    );
    let junit = temp.join("junit.xml");
    let junit_arg = junit.to_string_lossy().into_owned();
    // --retries 5 is the session's; every job here has its own (the defaults' 0 for once).
    let run = run_in(
        temp.path(),
        &["--retries", "5", "--json", "--junit", &junit_arg],
    );
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    assert_eq!(finished(&events, "flaky")["status"], "flaky");
    let never = finished(&events, "never");
    assert_eq!(never["status"], "failed");
    assert_eq!(never["attempt"], 3);
    assert_eq!(finished(&events, "once")["status"], "failed");
    // Each failed attempt that was run again has a `retried` event of its own, before the
    // job's one `finished`: its attempt, status, exit code, error and log.
    let retried = |job: &str| -> Vec<&serde_json::Value> {
        events
            .iter()
            .filter(|e| e["event"] == "retried" && e["job"] == job)
            .collect()
    };
    let never_retried = retried("never");
    assert_eq!(never_retried.len(), 2, "{events:#?}");
    for (event, attempt) in never_retried.iter().zip([1, 2]) {
        assert_eq!(event["attempt"], attempt, "{event}");
        assert_eq!(event["status"], "failed", "{event}");
        assert_eq!(event["exit_code"], 3, "{event}");
        assert_eq!(event["error"], "broken", "{event}");
        assert!(event["duration_ms"].is_u64(), "{event}");
        assert!(event["worker"].is_u64(), "{event}");
        assert!(event["log"].is_string(), "{event}");
    }
    assert_ne!(never_retried[0]["run"], never_retried[1]["run"]);
    assert_ne!(never_retried[1]["run"], never["run"]);
    let at = |event: &serde_json::Value| {
        events
            .iter()
            .position(|e| e == event)
            .expect("the event is in the list")
    };
    assert!(at(never_retried[1]) < at(never), "{events:#?}");
    let flaky_retried = retried("flaky");
    assert_eq!(flaky_retried.len(), 1, "{events:#?}");
    assert_eq!(flaky_retried[0]["status"], "failed");
    assert_eq!(flaky_retried[0]["attempt"], 1);
    assert!(
        retried("once").is_empty(),
        "no retries left: no retried event"
    );
    let read = |file: &str| std::fs::read_to_string(temp.join(file)).expect(file);
    assert_eq!(read("attempts").lines().count(), 3);
    assert_eq!(read("attempts-once").lines().count(), 1);

    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    let case = testcase(&xml, "never");
    assert_eq!(case.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(case.matches("<rerunFailure ").count(), 2, "{xml}");
    assert!(!testcase(&xml, "once").contains("rerunFailure"), "{xml}");
    validate_without_reruns(&xml, &temp);
}

#[test]
fn a_retried_attempt_has_a_plain_line_and_points_at_its_own_log() {
    let temp = workspace("retries-lines", &format!("[jobs.flaky]\ncmd = '{FLAKY}'\n"));
    let run = run_in(temp.path(), &["--retries", "1"]);
    assert_eq!(run.code(), 0, "{run:?}");
    // The failed attempt has a line of its own, before the job's one `flaky` line: its
    // attempt, its error, and the log that holds its output.
    let line = run
        .stderr
        .lines()
        .find(|line| line.starts_with("retried   flaky  "))
        .unwrap_or_else(|| panic!("no retried line in\n{}", run.stderr));
    let (head, log) = line
        .split_once("  (log: ")
        .unwrap_or_else(|| panic!("no log in {line:?}"));
    assert!(head.ends_with("s  attempt 1: first try failed"), "{line:?}");
    let log = log.strip_suffix(')').expect("the log in parentheses");
    assert!(log.ends_with("command.log.1"), "{line:?}");
    let text = std::fs::read_to_string(log).expect("the failed attempt's log");
    // (The log's first line is the command, which holds both texts.)
    let printed = |text: &str, line: &str| text.lines().any(|l| l == line);
    assert!(printed(&text, "first try failed"), "{text}");
    assert!(!printed(&text, "second try"), "{text}");
    let at = |prefix: &str| run.stderr.find(prefix).expect(prefix);
    assert!(
        at("retried   flaky") < at("flaky     flaky"),
        "{}",
        run.stderr
    );

    // JSON: the `retried` event's log is the failed attempt's too, the `finished` one's the
    // attempt that passed.
    std::fs::remove_file(temp.join("tried")).expect("remove the marker");
    let run = run_in(temp.path(), &["--retries", "1", "--json"]);
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    let log_of = |event: &str| {
        let found = events
            .iter()
            .find(|e| e["event"] == event && e["job"] == "flaky")
            .unwrap_or_else(|| panic!("no {event} event in {events:#?}"));
        let path = found["log"].as_str().expect("a log path");
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("read {path}: {err}"))
    };
    let failed = log_of("retried");
    assert!(printed(&failed, "first try failed"), "{failed}");
    assert!(!printed(&failed, "second try"), "{failed}");
    assert!(printed(&log_of("finished"), "second try"));
}

/// The `<testcase …>` element named `name`, through its end.
fn testcase<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no testcase {name} in\n{xml}"));
    let rest = &xml[start..];
    let end = rest
        .find("</testcase>")
        .into_iter()
        .chain(rest.find("/>\n"))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Validates the `JUnit` file against `tests/junit.xsd` (Jenkins' schema), with the retry
/// elements taken out: that schema has no `<flakyFailure>` or `<rerunFailure>` (Surefire's
/// and nextest's additions), and everything else must still follow it.
fn validate_without_reruns(xml: &str, temp: &TempDir) {
    if !available(
        "retries: JUnit schema",
        Command::new("xmllint").arg("--version").output().is_ok(),
        "xmllint (Debian's libxml2-utils)",
    ) {
        return;
    }
    let mut kept = xml.to_string();
    for element in ["flakyFailure", "rerunFailure"] {
        while let Some(start) = kept.find(&format!("<{element} ")) {
            let close = format!("</{element}>");
            let end = kept[start..].find(&close).expect("a closed element") + start;
            kept.replace_range(start..end + close.len(), "");
        }
    }
    let stripped = temp.join("stripped.xml");
    std::fs::write(&stripped, &kept).expect("write the stripped JUnit file");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/junit.xsd");
    let valid = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&stripped)
        .output()
        .expect("run xmllint");
    assert!(valid.status.success(), "{valid:?}\n{xml}");
}
