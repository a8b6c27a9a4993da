//! `--junit FILE`: the session as `JUnit` XML, the format CI systems read test results from
//! (GitLab, Jenkins, Azure, GitHub's test-report actions).
//!
//! One `<testsuite>` per project (the pseudoword tasks share one named `words`), one
//! `<testcase>` per stage with `classname` the project and `name` the stage, and with `--test`
//! one per ctest test, named as ctest names it, taken from the `JUnit` file ctest wrote
//! itself. A failure's `message` is jobdeck's error summary and its text the end of the log;
//! a timeout is a failure too; a run cancelled while running is an `<error>`; a stage that
//! never ran (skipped, or cancelled before it started) is `<skipped>` with the reason, and
//! so is a job of a kind whose failure only warns, its message the warning. Times are in
//! seconds. The layout is the one the Jenkins `JUnit` schema describes
//! (`tests/junit.xsd`, which the tests validate against).
//!
//! A job run again after failing (`--retries`) adds the failed attempts as Maven Surefire
//! and nextest write them, which that schema does not know: a job that passed on a retry is
//! a passing case with a `<flakyFailure>` per failed attempt; one that never passed is a
//! `<failure>` (its first attempt) with a `<rerunFailure>` per attempt after it.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{JobReport, escape_attribute, escape_markup, record_tail, seconds};
use crate::app::{JobState, Model, RunRecord, RunResult};
use crate::engine::Outcome;
use crate::jobs::{SubResult, SubVerdict};
use crate::session::{Event, Problem, Reporter};

/// The reporter that writes the `JUnit` file when the session ends.
#[derive(Debug)]
pub struct Junit {
    path: PathBuf,
}

impl Junit {
    /// Writes the report to `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for Junit {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        if !matches!(event, Event::Ended(_)) {
            return Ok(());
        }
        super::write_report(&self.path, "the JUnit file", &junit_xml(model))
    }
}

/// How one test case ended.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Passed,
    /// `<failure>`: failed or timed out.
    Failed {
        kind: &'static str,
        message: String,
        text: String,
    },
    /// `<error>`: stopped while it ran.
    Error {
        message: String,
        text: String,
    },
    /// `<skipped>`: never ran.
    Skipped(String),
}

/// One `<testcase>`.
#[derive(Debug, Clone, PartialEq)]
struct Case {
    name: String,
    seconds: f64,
    verdict: Verdict,
    /// Failed attempts beside the verdict's: `<flakyFailure>` or `<rerunFailure>`.
    attempts: Vec<Attempt>,
}

/// A failed attempt of a case that was run again.
#[derive(Debug, Clone, PartialEq)]
struct Attempt {
    /// `flakyFailure` or `rerunFailure`.
    element: &'static str,
    kind: &'static str,
    message: String,
    output: String,
}

/// The whole session as `JUnit` XML.
pub fn junit_xml(model: &Model) -> String {
    let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
    for job in super::jobs(model) {
        let suite = match job.record.stage {
            Some(_) => job.record.name.clone(),
            None => job.record.kind.as_str().to_string(),
        };
        let cases = cases_of(&job);
        match suites.iter_mut().find(|(name, _)| *name == suite) {
            Some((_, list)) => list.extend(cases),
            None => suites.push((suite, cases)),
        }
    }
    let all: Vec<&Case> = suites.iter().flat_map(|(_, cases)| cases).collect();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // The schema has no `skipped` on the root: each suite says how many it skipped.
    let _ = writeln!(
        xml,
        "<testsuites name=\"jobdeck\" {} time=\"{}\">",
        counts(&all, false),
        seconds(model.summary().wall)
    );
    for (id, (suite, cases)) in suites.iter().enumerate() {
        let refs: Vec<&Case> = cases.iter().collect();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" id=\"{id}\" {} time=\"{:.3}\">",
            escape_attribute(suite),
            counts(&refs, true),
            cases.iter().map(|c| c.seconds).sum::<f64>()
        );
        for case in cases {
            write_case(&mut xml, suite, case);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// `tests="…" failures="…" errors="…"` of `cases`, and `skipped="…"` if asked.
fn counts(cases: &[&Case], with_skipped: bool) -> String {
    let count = |test: fn(&Verdict) -> bool| cases.iter().filter(|c| test(&c.verdict)).count();
    let mut text = format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\"",
        cases.len(),
        count(|v| matches!(v, Verdict::Failed { .. })),
        count(|v| matches!(v, Verdict::Error { .. })),
    );
    if with_skipped {
        let _ = write!(
            text,
            " skipped=\"{}\"",
            count(|v| matches!(v, Verdict::Skipped(_)))
        );
    }
    text
}

fn write_case(xml: &mut String, suite: &str, case: &Case) {
    let _ = write!(
        xml,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
        escape_attribute(suite),
        escape_attribute(&case.name),
        case.seconds
    );
    if case.verdict == Verdict::Passed && case.attempts.is_empty() {
        xml.push_str("/>\n");
        return;
    }
    xml.push_str(">\n");
    match &case.verdict {
        Verdict::Passed => {}
        Verdict::Skipped(reason) => {
            let _ = writeln!(
                xml,
                "      <skipped message=\"{}\"/>",
                escape_attribute(reason)
            );
        }
        Verdict::Failed {
            kind,
            message,
            text,
        } => {
            let _ = writeln!(
                xml,
                "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
                escape_attribute(message),
                escape_markup(text)
            );
        }
        Verdict::Error { message, text } => {
            let _ = writeln!(
                xml,
                "      <error message=\"{}\" type=\"cancelled\">{}</error>",
                escape_attribute(message),
                escape_markup(text)
            );
        }
    }
    for attempt in &case.attempts {
        let _ = writeln!(
            xml,
            "      <{element} message=\"{}\" type=\"{}\"><system-out>{}</system-out></{element}>",
            escape_attribute(&attempt.message),
            attempt.kind,
            escape_markup(&attempt.output),
            element = attempt.element,
        );
    }
    xml.push_str("    </testcase>\n");
}

/// The cases of one job: its stage, or with ctest's file each test of a test stage.
fn cases_of(job: &JobReport) -> Vec<Case> {
    let record = &job.record;
    let (verdict, attempts) = verdict_and_attempts(record);
    let stage_case = Case {
        name: record
            .stage
            .map_or_else(|| record.name.clone(), |stage| stage.as_str().to_string()),
        seconds: record.elapsed.unwrap_or_default().as_secs_f64(),
        verdict,
        attempts,
    };
    let ran = matches!(
        record.state,
        JobState::Ok | JobState::Flaky | JobState::Failed
    );
    let tests = record
        .log
        .as_deref()
        .filter(|_| ran)
        .and_then(|log| record.kind.sub_results(record.stage, log))
        .filter(|tests| !tests.is_empty());
    let Some(tests) = tests else {
        return vec![stage_case];
    };
    let mut cases: Vec<Case> = tests
        .into_iter()
        .map(|test| test_case(record, test))
        .collect();
    // ctest failed although no test did (a test it could not start, a failing fixture):
    // the stage's own failure must not be lost.
    let test_failed = cases
        .iter()
        .any(|c| matches!(c.verdict, Verdict::Failed { .. }));
    if record.state == JobState::Failed && !test_failed {
        cases.push(stage_case);
    }
    cases
}

/// The case of one test of a test stage, with its failed attempts when it was run again:
/// flaky failures of a test that passed on a retry, or, for one that failed every time, its
/// first attempt as the failure and the attempts after it as rerun failures.
fn test_case(record: &RunRecord, test: SubResult) -> Case {
    let failure = |test: &SubResult, message: &str| Verdict::Failed {
        kind: "failed",
        message: if message.is_empty() {
            format!("{} failed", test.name)
        } else {
            message.to_string()
        },
        text: tail_of_output(&test.output).unwrap_or_else(|| log_text(record)),
    };
    let as_attempt = |element: &'static str, verdict: Verdict| match verdict {
        Verdict::Failed {
            kind,
            message,
            text,
        } => Attempt {
            element,
            kind,
            message,
            output: text,
        },
        _ => Attempt {
            element,
            kind: "failed",
            message: String::new(),
            output: String::new(),
        },
    };
    let earlier: Vec<Verdict> = test
        .failed_attempts
        .iter()
        .map(|attempt| match &attempt.verdict {
            SubVerdict::Failed(message) => failure(attempt, message),
            _ => failure(attempt, ""),
        })
        .collect();
    let (verdict, attempts) = match &test.verdict {
        SubVerdict::Passed => (
            Verdict::Passed,
            earlier
                .into_iter()
                .map(|v| as_attempt("flakyFailure", v))
                .collect(),
        ),
        SubVerdict::Skipped(reason) => (Verdict::Skipped(reason.clone()), Vec::new()),
        SubVerdict::Failed(message) => {
            let last = failure(&test, message);
            let mut all = earlier.into_iter().chain(std::iter::once(last));
            let first = all.next().expect("the last attempt at least");
            (first, all.map(|v| as_attempt("rerunFailure", v)).collect())
        }
    };
    Case {
        name: test.name,
        seconds: test.seconds,
        verdict,
        attempts,
    }
}

/// The verdict of a job's case, with its failed attempts if it was run again: flaky
/// failures of a job that passed, or, for one that failed every time, its first attempt
/// as the failure and the attempts after it as rerun failures (Surefire's layout).
fn verdict_and_attempts(record: &RunRecord) -> (Verdict, Vec<Attempt>) {
    let attempt = |element, result: &RunResult, output: String| Attempt {
        element,
        kind: match result.outcome {
            Some(Outcome::TimedOut) => "timeout",
            _ => "failed",
        },
        message: result.error.clone().unwrap_or_default(),
        output,
    };
    let earlier = |element| {
        record
            .failed_attempts
            .iter()
            .map(move |failed| attempt(element, &failed.result, failed.output.join("\n")))
    };
    let last = verdict(record);
    let Some(first) = record.failed_attempts.first() else {
        return (last, Vec::new());
    };
    match last {
        Verdict::Passed => (Verdict::Passed, earlier("flakyFailure").collect()),
        Verdict::Failed {
            kind,
            message,
            text,
        } => {
            let first_verdict = Verdict::Failed {
                kind: attempt("", &first.result, String::new()).kind,
                message: first.result.error.clone().unwrap_or_default(),
                text: first.output.join("\n"),
            };
            let mut attempts: Vec<Attempt> = earlier("rerunFailure").skip(1).collect();
            attempts.push(Attempt {
                element: "rerunFailure",
                kind,
                message,
                output: text,
            });
            (first_verdict, attempts)
        }
        other => (other, earlier("rerunFailure").collect()),
    }
}

/// The verdict of a stage's last run.
fn verdict(record: &RunRecord) -> Verdict {
    let message = || record.error.clone().unwrap_or_default();
    // A helper that only warns fails no CI report: its case is skipped with the warning.
    if record.only_warns() {
        return Verdict::Skipped(format!("warning: {}", message()));
    }
    match record.state {
        JobState::Ok | JobState::Flaky => Verdict::Passed,
        JobState::Failed | JobState::Timeout => Verdict::Failed {
            kind: record.state.word(),
            message: record
                .error
                .clone()
                .unwrap_or_else(|| format!("{} with no error message", record.state.word())),
            text: log_text(record),
        },
        JobState::Cancelled if super::has_run(record) => Verdict::Error {
            message: message(),
            text: log_text(record),
        },
        JobState::Cancelled | JobState::Skipped => Verdict::Skipped(message()),
        // The session ended before the job did (its end was lost with the output).
        _ => Verdict::Skipped("did not run to its end".to_string()),
    }
}

/// The end of a run's log, as one text.
fn log_text(record: &RunRecord) -> String {
    record_tail(record).join("\n")
}

/// The last lines of a test's own output, if it printed any.
fn tail_of_output(output: &str) -> Option<String> {
    let lines: Vec<&str> = output.lines().collect();
    let skip = lines.len().saturating_sub(super::TAIL_LINES);
    let text = lines[skip..].join("\n");
    (!text.trim().is_empty()).then_some(text)
}
