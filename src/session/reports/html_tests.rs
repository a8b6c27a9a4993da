//! The HTML report's tests section: the tests of every test stage, from each stage's own
//! record of them (the kind's sub-results), counted by how they ended, with the slowest and
//! the flaky ones (passed only on a retry) listed.

use std::fmt::Write as _;

use super::{JobReport, escape_markup as esc};
use crate::app::JobState;
use crate::jobs::{SubResult, SubVerdict};

/// Tests the slowest list shows.
const SLOWEST: usize = 10;

/// One test and the job it belongs to.
struct Test<'a> {
    job: &'a str,
    result: SubResult,
}

impl Test<'_> {
    fn word(&self) -> &'static str {
        match &self.result.verdict {
            SubVerdict::Passed if !self.result.failed_attempts.is_empty() => "flaky",
            SubVerdict::Passed => "ok",
            SubVerdict::Failed(_) => "failed",
            SubVerdict::Skipped(_) => "skipped",
        }
    }
}

/// Writes the section, or nothing when no job has tests.
pub fn tests_section(out: &mut String, jobs: &[JobReport]) {
    let tests: Vec<Test<'_>> = jobs
        .iter()
        .filter(|job| {
            matches!(
                job.record.state,
                JobState::Ok | JobState::Flaky | JobState::Failed
            )
        })
        .flat_map(|job| {
            let record = &job.record;
            let results = record
                .log
                .as_deref()
                .and_then(|log| record.kind.sub_results(record.stage, log))
                .unwrap_or_default();
            results.into_iter().map(|result| Test {
                job: &record.name,
                result,
            })
        })
        .collect();
    if tests.is_empty() {
        return;
    }
    let count = |word: &str| tests.iter().filter(|t| t.word() == word).count();
    let _ = writeln!(
        out,
        "<section id=\"tests\">\n<h2>Tests ({}: {} ok, {} flaky, {} failed, {} skipped)</h2>",
        tests.len(),
        count("ok"),
        count("flaky"),
        count("failed"),
        count("skipped")
    );
    let mut slowest: Vec<&Test<'_>> = tests.iter().collect();
    slowest.sort_by(|a, b| b.result.seconds.total_cmp(&a.result.seconds));
    slowest.truncate(SLOWEST);
    out.push_str("<h3>Slowest</h3>\n");
    table(out, &slowest, |test| format!("{:.3}s", test.result.seconds));
    let flaky: Vec<&Test<'_>> = tests.iter().filter(|t| t.word() == "flaky").collect();
    let _ = writeln!(out, "<h3>Flaky ({})</h3>", flaky.len());
    if flaky.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    } else {
        table(out, &flaky, |test| {
            let first = test.result.failed_attempts.first();
            let message = match first.map(|a| &a.verdict) {
                Some(SubVerdict::Failed(message)) => message.clone(),
                _ => String::new(),
            };
            format!(
                "passed on attempt {}; attempt 1: {message}",
                test.result.failed_attempts.len() + 1
            )
        });
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, tests: &[&Test<'_>], note: impl Fn(&Test<'_>) -> String) {
    out.push_str(
        "<table class=\"tests\">\n<thead><tr><th>project</th><th>test</th><th>status</th>\
         <th></th></tr></thead>\n<tbody>\n",
    );
    for test in tests {
        let word = test.word();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><span class=\"status {word}\">{word}</span></td>\
             <td>{}</td></tr>",
            esc(test.job),
            esc(&test.result.name),
            esc(&note(test))
        );
    }
    out.push_str("</tbody>\n</table>\n");
}
