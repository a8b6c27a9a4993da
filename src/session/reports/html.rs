//! `--report FILE.html`: the finished session as one self-contained HTML file to keep or
//! share: the summary (jobs, outcomes, wall time, speed-up, efficiency), the per-worker
//! timeline drawn as SVG, the causes with their counts, every failure with its error, its
//! location and the end of its log, and a table of every job, sorted by clicking a column's
//! header.
//!
//! Nothing is fetched: the CSS and the small script are inline, the fonts the reader's own.
//! Everything from outside (names, errors, log lines) is escaped, and a Content Security
//! Policy lets only the report's own style and script run (a per-file random nonce), so even
//! markup that got through could neither run nor load anything.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::html_parts::{job_table, timeline_svg};
use super::{JobReport, escape_attribute, escape_markup as esc, record_tail};
use crate::app::causes::tally;
use crate::app::{JobState, Model, Summary};
use crate::session::{Ending, Event, Problem, Reporter};

/// The report's style sheet.
const CSS: &str = include_str!("report.css");
/// The report's script: sorting the job table.
const SCRIPT: &str = include_str!("report.js");

/// The reporter that writes the HTML report when the session ends.
#[derive(Debug)]
pub struct Html {
    path: PathBuf,
}

impl Html {
    /// Writes the report to `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for Html {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        let Event::Ended(ending) = event else {
            return Ok(());
        };
        let nonce = format!("{:032x}", rand::random::<u128>());
        super::write_report(&self.path, "the HTML report", &html(model, ending, &nonce))
    }
}

/// The whole report; `nonce` marks the report's own style and script for its policy.
pub fn html(model: &Model, ending: &Ending<'_>, nonce: &str) -> String {
    let jobs = super::jobs(model);
    let summary = ending.summary;
    let counts = &summary.counts;
    let unsuccessful = counts.failed + counts.timeout + counts.cancelled;
    let verdict = if ending.interrupted {
        "interrupted".to_string()
    } else if unsuccessful == 0 && counts.skipped == 0 && counts.warned > 0 {
        format!(
            "all succeeded, {} warning{}",
            counts.warned,
            if counts.warned == 1 { "" } else { "s" }
        )
    } else if unsuccessful == 0 && counts.skipped == 0 {
        "all succeeded".to_string()
    } else {
        format!("{unsuccessful} did not succeed")
    };
    let command: Vec<String> = ending
        .command
        .args
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>jobdeck: {} jobs, {}</title>\n<style nonce=\"{nonce}\">\n{CSS}</style>\n\
         </head>\n<body>\n<header>\n<h1>jobdeck report</h1>\n\
         <p class=\"verdict {}\">{}</p>\n<p class=\"command\"><code>{}</code></p>\n</header>\n",
        counts.total(),
        esc(&verdict),
        if ending.interrupted || unsuccessful > 0 {
            "bad"
        } else {
            "good"
        },
        esc(&verdict),
        esc(&shell_words::join(&command)),
    );
    summary_section(&mut out, summary, ending.interrupted);
    out.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    out.push_str(&timeline_svg(model));
    out.push_str("</section>\n");
    causes_section(&mut out, &jobs);
    failures_section(&mut out, &jobs);
    warnings_section(&mut out, &jobs);
    super::html_tests::tests_section(&mut out, &jobs);
    out.push_str("<section id=\"jobs\">\n<h2>All jobs</h2>\n");
    out.push_str(&job_table(&jobs));
    out.push_str("</section>\n");
    let _ = write!(
        out,
        "<script nonce=\"{nonce}\">\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// What the two figures of the workers' time mean, under the tiles: a run spent waiting on
/// downloads keeps its workers busy (efficiency 100 %) while using little CPU.
const WHICH_IS_WHICH: &str = "<p class=\"note\">Workers busy (efficiency): the share of the \
    workers' time a job was running on them, waiting on the network or a lock included. On a \
    CPU: the share of that same worker time the jobs spent computing.</p>\n";

/// The workers asked for, and the most lent by runs waiting out an announced back-off.
fn workers_tile(summary: &Summary) -> String {
    match summary.lent {
        0 => summary.workers.to_string(),
        lent => format!("{} (+{lent} lent by waits)", summary.workers),
    }
}

fn summary_section(out: &mut String, summary: &Summary, interrupted: bool) {
    let c = &summary.counts;
    let cpu = if summary.is_launched {
        format!(
            "{:.2} s (launched jobs not counted)",
            summary.cpu_time.as_secs_f64()
        )
    } else {
        format!("{:.2} s", summary.cpu_time.as_secs_f64())
    };
    let tiles = [
        ("jobs", c.total().to_string(), ""),
        ("ok", c.ok.to_string(), "ok"),
        ("failed", c.failed.to_string(), "failed"),
        ("timeout", c.timeout.to_string(), "timeout"),
        ("cancelled", c.cancelled.to_string(), "cancelled"),
        ("skipped", c.skipped.to_string(), "skipped"),
        ("warned", c.warned.to_string(), "warned"),
        ("wall", format!("{:.2} s", summary.wall.as_secs_f64()), ""),
        ("speed-up", format!("{:.2}x", summary.speedup), ""),
        (
            "workers busy (efficiency)",
            format!("{:.0} %", summary.efficiency * 100.0),
            "",
        ),
        (
            "workers' time on a CPU",
            summary.cpu_share.map_or_else(
                || "not measured".to_string(),
                |s| format!("{:.0} %", s * 100.0),
            ),
            "",
        ),
        ("workers", workers_tile(summary), ""),
        ("cpu", cpu, ""),
    ];
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"tiles\">\n");
    // Only a session with retries can have flaky jobs (counted in `ok` too).
    let flaky = (c.flaky > 0).then(|| ("flaky", c.flaky.to_string(), "flaky"));
    let (first, rest) = tiles.split_at(2);
    for (name, value, class) in first
        .iter()
        .cloned()
        .chain(flaky)
        .chain(rest.iter().cloned())
    {
        let _ = writeln!(
            out,
            "<div class=\"tile {class}\"><dt>{name}</dt><dd>{}</dd></div>",
            esc(&value)
        );
    }
    out.push_str("</dl>\n");
    out.push_str(WHICH_IS_WHICH);
    let _ = writeln!(
        out,
        "<p class=\"line\"><code>{}</code></p>\n</section>",
        esc(&summary.line(interrupted))
    );
}

fn causes_section(out: &mut String, jobs: &[JobReport]) {
    let causes = tally(jobs.iter().filter_map(|job| job.record.cause.as_deref()));
    out.push_str("<section id=\"causes\">\n<h2>Causes</h2>\n");
    if causes.is_empty() {
        out.push_str("<p class=\"none\">No job failed or timed out.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"causes\">\n<thead><tr><th>jobs</th><th>cause</th></tr></thead>\n<tbody>\n",
    );
    for (cause, count) in causes {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{count}</td><td>{}</td></tr>",
            esc(&cause)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The runs that did not succeed but fail nothing, each with its error (which says what it
/// changed); the section is left out when there are none.
fn warnings_section(out: &mut String, jobs: &[JobReport]) {
    let warnings: Vec<&JobReport> = jobs.iter().filter(|job| job.record.only_warns()).collect();
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"warnings\">\n<h2>Warnings ({})</h2>",
        warnings.len()
    );
    for job in warnings {
        let record = &job.record;
        let error = record.error.as_deref().unwrap_or("(no error message)");
        let _ = writeln!(
            out,
            "<article class=\"warning\">\n<h3><span class=\"status warned\">{}</span> {}</h3>\n\
             <p class=\"error\">{}</p>",
            record.state.word(),
            esc(&record.label()),
            esc(error)
        );
        if let Some(log) = &record.log {
            let _ = writeln!(
                out,
                "<p class=\"log\">log: <code>{}</code></p>",
                esc(&log.display().to_string())
            );
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

fn failures_section(out: &mut String, jobs: &[JobReport]) {
    let failures: Vec<&JobReport> = jobs
        .iter()
        .filter(|job| {
            matches!(
                job.record.state,
                JobState::Failed | JobState::Timeout | JobState::Cancelled
            ) && job.record.fails_session()
                && super::has_run(&job.record)
        })
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"failures\">\n<h2>Failures ({})</h2>",
        failures.len()
    );
    if failures.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
    }
    for (index, job) in failures.into_iter().enumerate() {
        let record = &job.record;
        let state = record.state.word();
        let _ = writeln!(
            out,
            "<article class=\"failure\" id=\"failure-{index}\">\n\
             <h3><span class=\"status {state}\">{state}</span> {}</h3>",
            esc(&record.label())
        );
        let error = record.error.as_deref().unwrap_or("(no error message)");
        let _ = writeln!(out, "<p class=\"error\">{}</p>", esc(error));
        if let Some(file) = record.error_file() {
            let place = match record.error_line() {
                Some(line) => format!("{file}:{line}"),
                None => file,
            };
            let folder = job
                .source
                .as_ref()
                .map(|s| format!(" in {}", s.display()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<p class=\"where\">at <code>{}</code>{}</p>",
                esc(&place),
                esc(&folder)
            );
        }
        if let Some(log) = &record.log {
            let _ = writeln!(
                out,
                "<p class=\"log\">log: <code title=\"{}\">{}</code></p>",
                escape_attribute(&log.display().to_string()),
                esc(&log.display().to_string())
            );
        }
        let tail = record_tail(record);
        if !tail.is_empty() {
            let _ = writeln!(out, "<pre class=\"tail\">{}</pre>", esc(&tail.join("\n")));
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::app::{Counts, Summary};

    /// The run: both workers busy for 199 s, 80 s of CPU between them. The report
    /// said `efficiency 100%` and nothing else; it now shows how much was computing too.
    #[test]
    fn the_summary_shows_busy_workers_and_cpu_used_as_two_figures() {
        let secs = Duration::from_secs;
        let summary = Summary {
            counts: Counts::default(),
            wall: secs(199),
            active: secs(199),
            job_time: secs(398),
            cpu_time: secs(80),
            speedup: 2.0,
            efficiency: 1.0,
            cpu_share: Some(80.0 / 398.0),
            workers: 2,
            lent: 0,
            is_launched: false,
        };
        let mut out = String::new();
        super::summary_section(&mut out, &summary, false);
        assert!(
            out.contains("<dt>workers busy (efficiency)</dt><dd>100 %</dd>"),
            "{out}"
        );
        assert!(
            out.contains("<dt>workers&#39; time on a CPU</dt><dd>20 %</dd>")
                || out.contains("<dt>workers' time on a CPU</dt><dd>20 %</dd>"),
            "{out}"
        );
        assert!(out.contains("waiting on the network"), "{out}");
    }
}
