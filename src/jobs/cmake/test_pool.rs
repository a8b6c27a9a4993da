//! A test stage whose tests share the session's pool of slots.
//!
//! The stage lists its project's tests from ctest (`--show-only=json-v1`), splits them into
//! groups that can run apart without changing any outcome ([`test_list::groups`]), and runs
//! each group as its own ctest invocation (`-R '^(names)$'`), so ctest still decides every
//! outcome: fixtures, locks, dependencies, `WILL_FAIL`, regular expressions, skip codes,
//! `DISABLED`, environment and working folder. Its first group runs on the stage's own slot;
//! each further one needs a slot free in the pool (runs waiting to start have the first
//! claim), so the tests of a long project fill the slots other projects leave idle at the
//! tail of a session. Groups go longest first by each test's last recorded time.
//!
//! The stage's log holds each group's ctest output, in the order they ended, and a closing
//! tally in ctest's words. Each test's result is kept beside the log in jobdeck's own file
//! (`test.results.json`), which the reports read.

use std::collections::{HashMap, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;

use super::test_list::{self, Group};
use super::{CmakeJob, CmakeSettings, ctest};
use crate::engine::slots::{BROKER_TURN, Held};
use crate::engine::{Outcome, Report, RunCtx, process};
use crate::jobs::{SubResult, SubVerdict, log_files};

/// jobdeck's own record of each test of the test stage whose log is `log`.
pub fn results_beside(log: &Path) -> PathBuf {
    log.with_file_name("test.results.json")
}

/// The folder of each group's log and ctest `JUnit` file.
fn runs_beside(log: &Path) -> PathBuf {
    log.with_file_name("test.runs")
}

/// The tests recorded in `path` (see [`write_results`]).
pub fn read_results(path: &Path) -> Option<Vec<SubResult>> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let tests = value.as_array()?;
    let text_of = |test: &serde_json::Value, key: &str| {
        test.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some(
        tests
            .iter()
            .map(|test| {
                let message = text_of(test, "message");
                SubResult {
                    name: text_of(test, "name"),
                    seconds: test
                        .get("seconds")
                        .and_then(serde_json::Value::as_f64)
                        .unwrap_or(0.0),
                    verdict: match text_of(test, "status").as_str() {
                        "passed" => SubVerdict::Passed,
                        "skipped" => SubVerdict::Skipped(message),
                        _ => SubVerdict::Failed(message),
                    },
                    output: text_of(test, "output"),
                }
            })
            .collect(),
    )
}

fn write_results(path: &Path, results: &[SubResult]) -> std::io::Result<()> {
    let tests: Vec<serde_json::Value> = results
        .iter()
        .map(|result| {
            let (status, message) = match &result.verdict {
                SubVerdict::Passed => ("passed", ""),
                SubVerdict::Failed(message) => ("failed", message.as_str()),
                SubVerdict::Skipped(message) => ("skipped", message.as_str()),
            };
            serde_json::json!({
                "name": result.name,
                "status": status,
                "seconds": result.seconds,
                "message": message,
                "output": result.output,
            })
        })
        .collect();
    std::fs::write(path, serde_json::to_vec_pretty(&tests)?)
}

/// How one group's ctest ended.
struct GroupEnd {
    index: usize,
    outcome: Outcome,
}

/// Runs the test stage of `job` in the pool of slots, or `None` when that way does not apply
/// (no pool, a launcher, tests that cannot be listed, a single group) and the stage runs as
/// one ctest.
pub fn run(job: &CmakeJob, settings: &CmakeSettings, ctx: &mut RunCtx) -> Option<Report> {
    let slots = std::sync::Arc::clone(ctx.slots()?);
    if ctx.launcher().is_some() {
        return None;
    }
    let ctest_program = settings.ctest();
    let tests = test_list::list(&ctest_program, &job.build_dir).ok()?;
    let groups = test_list::groups(&tests);
    if groups.len() < 2 {
        return None;
    }
    let log = std::path::absolute(&job.log).unwrap_or_else(|_| job.log.clone());
    if let Err(err) = log_files::make_room(&log) {
        return Some(Report::failure(format!(
            "cannot write log {}: {err}",
            log.display()
        )));
    }
    let results_path = results_beside(&log);
    let order = longest_first(&groups, read_results(&results_path).unwrap_or_default());
    let runs = runs_beside(&log);
    let _ = std::fs::remove_dir_all(&runs);
    if let Err(err) = std::fs::create_dir_all(&runs) {
        return Some(Report::failure(format!(
            "cannot write {}: {err}",
            runs.display()
        )));
    }
    let _ = std::fs::remove_file(&results_path);
    ctx.command(format!(
        "$ {} --test-dir {} --output-on-failure -R <group>  ({} tests in {} ctest runs)",
        Path::new(&ctest_program).display(),
        job.build_dir.display(),
        tests.len(),
        groups.len()
    ));
    let command = |index: usize| {
        let mut command = Command::new(&ctest_program);
        command
            .arg("--test-dir")
            .arg(&job.build_dir)
            .arg("--output-on-failure")
            .arg("-R")
            .arg(groups[index].regex())
            .arg("--output-junit")
            .arg(runs.join(format!("{index}.junit.xml")));
        command
    };
    let mut ended = run_groups(&groups, order, &slots, &runs, ctx, command);
    ended.sort_by_key(|end| end.index);
    let stopped = ctx.stop_reason();
    let (results, failed, disabled) = collect(&tests, groups.len(), &runs);
    let written = write_log(&log, &runs, &ended, tests.len() - disabled, &failed)
        .and_then(|()| write_results(&results_path, &results));
    if let Err(err) = written {
        return Some(Report::failure(format!(
            "cannot write log {}: {err}",
            log.display()
        )));
    }
    if let Some(reason) = stopped {
        let mut report = Report::stopped(reason);
        report.log = Some(log);
        return Some(report);
    }
    let outcome = ended
        .iter()
        .map(|end| end.outcome.clone())
        .find(|outcome| !outcome.is_success())
        .unwrap_or(Outcome::Succeeded);
    let mut report = Report::new(outcome);
    report.log = Some(log.clone());
    if report.outcome.is_success() {
        ctx.detail(crate::jobs::summaries::tests_passed(&log));
    } else {
        let (error, diagnosis) = super::test_error(&log, &job.source, &job.build_dir)
            .unwrap_or_else(|| ("tests failed".to_string(), None));
        report.error = Some(error);
        report.diagnosis = diagnosis;
    }
    Some(report)
}

/// Every test's result, read from each group's ctest `JUnit` file; the failed ones with their
/// number in ctest's listing and ctest's word for how they failed; and how many are
/// disabled (ctest counts those in no total).
fn collect(
    tests: &[test_list::TestInfo],
    group_count: usize,
    runs: &Path,
) -> (Vec<SubResult>, Vec<(usize, String)>, usize) {
    let mut results = Vec::new();
    let mut not_run = Vec::new();
    for group in 0..group_count {
        let read = ctest::read(&runs.join(format!("{group}.junit.xml"))).unwrap_or_default();
        for result in read {
            if matches!(&result.verdict, SubVerdict::Skipped(m) if !is_skip(m)) {
                not_run.push(result.name.clone());
            }
            results.push(as_ctest_counts(result));
        }
    }
    let mut failed = Vec::new();
    for (number, test) in tests.iter().enumerate() {
        let result = results.iter().find(|r| r.name == test.name);
        if let Some(SubVerdict::Failed(_)) = result.map(|r| &r.verdict) {
            let how = if not_run.contains(&test.name) {
                "Not Run"
            } else {
                "Failed"
            };
            failed.push((number + 1, format!("{} ({how})", test.name)));
        }
    }
    let disabled = results
        .iter()
        .filter(|r| r.verdict == SubVerdict::Skipped("disabled".to_string()))
        .count();
    (results, failed, disabled)
}

/// Whether ctest's reason for not running a test says the test chose to be skipped (its skip
/// code or expression) or is disabled, rather than that it could not run.
fn is_skip(message: &str) -> bool {
    message.starts_with("SKIP_") || message == "disabled"
}

/// A test's result as ctest counts it: of the tests it did not run, one skipped by its skip
/// code or expression, or disabled, is skipped; any other (a failed fixture setup, missing
/// files) failed, as ctest's own tally and exit status have it.
fn as_ctest_counts(mut result: SubResult) -> SubResult {
    if let SubVerdict::Skipped(message) = &result.verdict
        && !is_skip(message)
    {
        result.verdict = SubVerdict::Failed(message.clone());
    }
    result
}

/// The groups' indices, longest first by their tests' last recorded times; a test never
/// recorded counts as the median of the recorded ones. Equal ones keep ctest's order.
fn longest_first(groups: &[Group], last: Vec<SubResult>) -> VecDeque<usize> {
    let times: HashMap<String, f64> = last.into_iter().map(|r| (r.name, r.seconds)).collect();
    let mut known: Vec<f64> = times.values().copied().collect();
    known.sort_by(f64::total_cmp);
    let median = known.get(known.len() / 2).copied().unwrap_or(0.0);
    let cost = |group: &Group| -> f64 {
        group
            .tests
            .iter()
            .map(|name| times.get(name).copied().unwrap_or(median))
            .sum()
    };
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| cost(&groups[b]).total_cmp(&cost(&groups[a])));
    order.into()
}

/// Runs every group, each once its slots are held, and returns how each ended (in the order
/// they ended). Stops starting groups once the run is stopped.
fn run_groups(
    groups: &[Group],
    mut pending: VecDeque<usize>,
    slots: &std::sync::Arc<crate::engine::slots::Slots>,
    runs: &Path,
    ctx: &mut RunCtx,
    command: impl Fn(usize) -> Command,
) -> Vec<GroupEnd> {
    let size = slots.usage().0.max(1);
    let (sender, receiver) = mpsc::channel::<GroupEnd>();
    let mut ended = Vec::new();
    std::thread::scope(|scope| {
        let mut running = 0_usize;
        let mut serial_running = false;
        loop {
            while ctx.stop_reason().is_none() && !serial_running {
                let Some(&next) = pending.front() else { break };
                let group = &groups[next];
                if group.serial && running > 0 {
                    break;
                }
                let extra = group.processors.min(size) - usize::from(running == 0);
                let mut held: Vec<Held> = Vec::with_capacity(extra);
                while held.len() < extra {
                    match slots.try_hold() {
                        Some(slot) => held.push(slot),
                        None => break,
                    }
                }
                if held.len() < extra && running > 0 {
                    break;
                }
                pending.pop_front();
                running += 1;
                serial_running = group.serial;
                let mut sibling = ctx.sibling();
                let sender = sender.clone();
                let command = command(next);
                let group_log = runs.join(format!("{next}.log"));
                scope.spawn(move || {
                    let report = process::run_helper(command, &group_log, &mut sibling);
                    drop(held);
                    let _ = sender.send(GroupEnd {
                        index: next,
                        outcome: report.outcome,
                    });
                });
            }
            if running == 0 {
                break;
            }
            if let Ok(end) = receiver.recv_timeout(BROKER_TURN) {
                running -= 1;
                if groups[end.index].serial {
                    serial_running = false;
                }
                ended.push(end);
            }
        }
    });
    ended
}

/// The stage's log: the tally of all its tests as ctest words it (`50% tests passed, 1 tests
/// failed out of 2` and the list of the failed ones), which the stage's summaries read, then
/// each group's ctest output in the order they ended.
fn write_log(
    log: &Path,
    runs: &Path,
    ended: &[GroupEnd],
    total: usize,
    failed: &[(usize, String)],
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(log)?);
    let passed = total - failed.len();
    let percent = (passed * 100).checked_div(total).unwrap_or(100);
    writeln!(
        file,
        "{percent}% tests passed, {} tests failed out of {total}",
        failed.len()
    )?;
    if !failed.is_empty() {
        writeln!(file)?;
        writeln!(file, "The following tests FAILED:")?;
        for (number, name) in failed {
            writeln!(file, "\t{number:>3} - {name}")?;
        }
    }
    writeln!(file)?;
    for end in ended {
        let text = std::fs::read(runs.join(format!("{}.log", end.index))).unwrap_or_default();
        file.write_all(&text)?;
        if !text.ends_with(b"\n") {
            writeln!(file)?;
        }
    }
    file.flush()
}
