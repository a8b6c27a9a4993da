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
use std::sync::mpsc;

use super::test_group::{GroupEnd, Runner};
use super::test_list::{self, Group};
use super::{CmakeJob, CmakeSettings};
use crate::engine::slots::{BROKER_TURN, Held, Slots};
use crate::engine::{Outcome, Report, RunCtx, StopReason};
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
    Some(value.as_array()?.iter().map(from_json).collect())
}

fn from_json(test: &serde_json::Value) -> SubResult {
    let text_of = |key: &str| {
        test.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let message = text_of("message");
    SubResult {
        name: text_of("name"),
        seconds: test
            .get("seconds")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0),
        verdict: match text_of("status").as_str() {
            "passed" => SubVerdict::Passed,
            "skipped" => SubVerdict::Skipped(message),
            _ => SubVerdict::Failed(message),
        },
        output: text_of("output"),
        failed_attempts: test
            .get("failed_attempts")
            .and_then(serde_json::Value::as_array)
            .map(|all| all.iter().map(from_json).collect())
            .unwrap_or_default(),
    }
}

fn to_json(result: &SubResult) -> serde_json::Value {
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
        "failed_attempts": result.failed_attempts.iter().map(to_json).collect::<Vec<_>>(),
    })
}

/// Writes jobdeck's record of each test's last attempt, with the failed ones before it.
fn write_results(path: &Path, results: &[SubResult]) -> std::io::Result<()> {
    let tests: Vec<serde_json::Value> = results.iter().map(to_json).collect();
    std::fs::write(path, serde_json::to_vec_pretty(&tests)?)
}

/// Runs the test stage of `job` as groups of tests, or `None` when that way does not apply
/// (the tests cannot be listed, or there are none) and the stage runs as one ctest. Without
/// a pool of slots (`--build-jobs`, a launcher) the groups run one at a time. With a
/// launcher every ctest, the listing's too, runs through it.
pub fn run(job: &CmakeJob, settings: &CmakeSettings, ctx: &mut RunCtx) -> Option<Report> {
    let slots = ctx.slots().cloned();
    let ctest_program = settings.ctest();
    let log = std::path::absolute(&job.log).unwrap_or_else(|_| job.log.clone());
    let kept = log.with_file_name("test.list.json");
    let listed = super::test_listing::list(&ctest_program, &job.build_dir, &kept, ctx).ok()?;
    if listed.is_empty() {
        return None;
    }
    let results_path = results_beside(&log);
    let last = read_results(&results_path).unwrap_or_default();
    let only = only_tests(job, settings, &listed, &last);
    // Some tests only (`r` on a test's row, `--rerun-failed`): ctest adds the fixtures
    // each needs.
    let tests: Vec<test_list::TestInfo> = listed
        .iter()
        .filter(|test| only.is_empty() || only.contains(&test.name))
        .cloned()
        .collect();
    let groups = test_list::groups(&tests);
    if let Err(err) = log_files::make_room(&log) {
        return Some(Report::failure(format!(
            "cannot write log {}: {err}",
            log.display()
        )));
    }
    // A run of some tests only keeps the other tests' results of the run before.
    let kept: Vec<SubResult> = last
        .iter()
        .filter(|r| !only.is_empty() && !only.contains(&r.name))
        .cloned()
        .collect();
    let times: HashMap<String, f64> = last.iter().map(|r| (r.name.clone(), r.seconds)).collect();
    let order = longest_first(&groups, last);
    let runs = runs_beside(&log);
    let _ = std::fs::remove_dir_all(&runs);
    if let Err(err) = std::fs::create_dir_all(&runs) {
        return Some(Report::failure(format!(
            "cannot write {}: {err}",
            runs.display()
        )));
    }
    let _ = std::fs::remove_file(&results_path);
    // Under a launcher the pinned command says where the ctest runs go, as its runs' logs do.
    let ctest_shown = match ctx.launcher() {
        Some(launcher) => crate::engine::process::describe(
            &launcher.wrap(&std::process::Command::new(&ctest_program), ctx.label()),
        ),
        None => Path::new(&ctest_program).display().to_string(),
    };
    ctx.command(format!(
        "$ {ctest_shown} --test-dir {} --output-on-failure -R <group>  ({} tests in {} ctest runs)",
        job.build_dir.display(),
        tests.len(),
        groups.len()
    ));
    // The row counts its tests' ends against these while the stage runs.
    ctx.parts_planned(tests.len());
    let runner = Runner {
        ctest: &ctest_program,
        build_dir: &job.build_dir,
        runs: &runs,
        retries: settings.test_retries,
        last: &times,
    };
    let ended = run_groups(&groups, order, slots.as_ref(), &runner, ctx);
    let stopped = ctx.stop_reason();
    let tally = Tally::of(&listed, &ended, &kept);
    let unended = stopped.map(|reason| (reason, tally.unended(&tests)));
    let written = write_log(&log, &ended, &tally, unended)
        .and_then(|()| write_results(&results_path, &tally.results));
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
    Some(stage_report(job, ctx, &log, &ended, &tally))
}

/// The tests a run runs when not all: those named by `r` on a test's row, else under
/// `--rerun-failed` those that failed in the last run and the listed tests it has no result
/// for (a run stopped before their ctest started, a test added since); empty for all.
fn only_tests(
    job: &CmakeJob,
    settings: &CmakeSettings,
    listed: &[test_list::TestInfo],
    last: &[SubResult],
) -> Vec<String> {
    if !job.only_tests.is_empty() {
        return job.only_tests.clone();
    }
    if !settings.rerun_failed_tests || last.is_empty() {
        return Vec::new();
    }
    let unrun = listed
        .iter()
        .filter(|test| !last.iter().any(|r| r.name == test.name))
        .map(|test| test.name.clone());
    last.iter()
        .filter(|r| matches!(r.verdict, SubVerdict::Failed(_)))
        .map(|r| r.name.clone())
        .chain(unrun)
        .collect()
}

/// The stage's report: it failed when a test failed at its last attempt, or when a group's
/// ctest failed with no test to blame (ctest could not run at all).
fn stage_report(
    job: &CmakeJob,
    ctx: &RunCtx,
    log: &Path,
    ended: &[GroupEnd],
    tally: &Tally,
) -> Report {
    let unexplained = ended.iter().find(|end| {
        !end.outcome.is_success()
            && !end.results.iter().any(|r| !r.failed_attempts.is_empty())
            && !end
                .results
                .iter()
                .any(|r| matches!(r.verdict, SubVerdict::Failed(_)))
    });
    let outcome = if let Some(end) = unexplained {
        end.outcome.clone()
    } else if tally.failed.is_empty() {
        Outcome::Succeeded
    } else {
        // ctest's exit status when tests failed.
        Outcome::Failed {
            code: Some(8),
            signal: None,
        }
    };
    let mut report = Report::new(outcome);
    report.log = Some(log.to_path_buf());
    if report.outcome.is_success() {
        ctx.detail(crate::jobs::summaries::tests_passed(log));
    } else {
        let (error, diagnosis) = super::test_error(log, &job.source, &job.build_dir)
            .unwrap_or_else(|| ("tests failed".to_string(), None));
        report.error = Some(error);
        report.diagnosis = diagnosis;
    }
    report
}

/// Every test's last result, in ctest's order, and what ctest's own tally would say.
struct Tally {
    results: Vec<SubResult>,
    /// The tests failed at their last attempt: their number in ctest's listing, and their
    /// name with ctest's word for how (`setup (Failed)`, `needs (Not Run)`).
    failed: Vec<(usize, String)>,
    /// The tests ctest counts (a disabled one is in no total).
    counted: usize,
}

impl Tally {
    fn of(tests: &[test_list::TestInfo], ended: &[GroupEnd], kept: &[SubResult]) -> Self {
        let all = || ended.iter().flat_map(|end| &end.results).chain(kept);
        let not_run = |name: &str| {
            ended
                .iter()
                .any(|end| end.not_run.iter().any(|n| n == name))
        };
        let mut tally = Tally {
            results: Vec::new(),
            failed: Vec::new(),
            counted: 0,
        };
        for (number, test) in tests.iter().enumerate() {
            let Some(result) = all().find(|r| r.name == test.name) else {
                continue;
            };
            if result.verdict != SubVerdict::Skipped("disabled".to_string()) {
                tally.counted += 1;
            }
            if matches!(result.verdict, SubVerdict::Failed(_)) {
                let how = if not_run(&test.name) && result.failed_attempts.is_empty() {
                    "Not Run"
                } else if result.verdict == SubVerdict::Failed(super::ctest::TIMEOUT.into()) {
                    super::ctest::TIMEOUT
                } else {
                    "Failed"
                };
                tally
                    .failed
                    .push((number + 1, format!("{} ({how})", test.name)));
            }
            tally.results.push(result.clone());
        }
        tally
    }

    /// How many of `tests` (a disabled one not counted) have no result: on a stop, those
    /// cut off while they ran and those never started.
    fn unended(&self, tests: &[test_list::TestInfo]) -> usize {
        tests
            .iter()
            .filter(|test| !self.results.iter().any(|r| r.name == test.name))
            .count()
    }
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

/// Runs every group, each once its slots are held (with no pool, one at a time), and
/// returns how each ended, in the groups' order. Stops starting groups once the run is
/// stopped.
fn run_groups(
    groups: &[Group],
    mut pending: VecDeque<usize>,
    slots: Option<&std::sync::Arc<Slots>>,
    runner: &Runner<'_>,
    ctx: &mut RunCtx,
) -> Vec<GroupEnd> {
    let size = slots.map_or(1, |slots| slots.usage().0.max(1));
    // Each ended group comes back with whether it ran on the stage's own slot, and the
    // pool's slots it held.
    let (sender, receiver) = mpsc::channel::<(GroupEnd, bool, Vec<Held>)>();
    let mut ended = Vec::new();
    std::thread::scope(|scope| {
        let mut running = 0_usize;
        let mut serial_running = false;
        // The stage's own slot (the run's implicit one) is free for a group.
        let mut own_free = true;
        let mut settled = Settled::default();
        // Pool slots an ended group held: the next group takes them at once, with no wait
        // for a slot to settle, unless a run waits for one (it has the first claim).
        let mut spare: Vec<Held> = Vec::new();
        loop {
            if !slots.is_some_and(|slots| slots.may_keep()) {
                spare.clear();
            }
            while ctx.stop_reason().is_none() && !serial_running {
                let Some(&next) = pending.front() else { break };
                let group = &groups[next];
                if group.serial && running > 0 {
                    break;
                }
                // A group runs on the stage's own slot when it is free; every slot more
                // must be free in the pool, which runs waiting to start have the first
                // claim on.
                let extra = group.processors.min(size) - usize::from(own_free);
                let mut held: Vec<Held> = Vec::with_capacity(extra);
                while held.len() < extra
                    && let Some(slot) = spare.pop()
                {
                    held.push(slot);
                }
                while held.len() < extra && settled.is_free(slots) {
                    match slots.and_then(Slots::try_hold) {
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
                let on_own = std::mem::replace(&mut own_free, false);
                let batch = batch(groups, &mut pending, next, size);
                let mut sibling = ctx.sibling();
                let sender = sender.clone();
                scope.spawn(move || {
                    let end = runner.run(next, &batch, &mut sibling);
                    let _ = sender.send((end, on_own, held));
                });
            }
            // A spare slot no group took now goes back to the pool.
            spare.clear();
            if running == 0 {
                break;
            }
            if let Ok((end, on_own, held)) = receiver.recv_timeout(BROKER_TURN) {
                spare = held;
                running -= 1;
                own_free |= on_own;
                if groups[end.index].serial {
                    serial_running = false;
                }
                ended.push(end);
            }
        }
    });
    ended.sort_by_key(|end| end.index);
    ended
}

/// How long a slot of the pool must stay free before a group takes it: the moment between
/// one run's end and the next queued run's start on the same worker (the model's round
/// trip) must not be taken for a group, since runs waiting to start have the first claim.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(50);

/// Whether the pool has had a free slot for [`SETTLE`], as seen at each look.
#[derive(Default)]
struct Settled {
    free_since: Option<std::time::Instant>,
}

impl Settled {
    fn is_free(&mut self, slots: Option<&std::sync::Arc<Slots>>) -> bool {
        let free = slots.is_some_and(|slots| {
            let (size, used) = slots.usage();
            used < size
        });
        if !free {
            self.free_since = None;
            return false;
        }
        let since = *self.free_since.get_or_insert_with(std::time::Instant::now);
        since.elapsed() >= SETTLE
    }
}

/// Group `first` with, when it is plain (no `RUN_SERIAL`, one processor), the plain groups
/// next in line, up to a share of `1 / (2 × size)` of the plain ones left (guided
/// self-scheduling): one ctest start for several tests while many are left, one test per
/// ctest at the tail, where the slots must come out even. ctest runs a batch as it runs any
/// selection, one test after another, so nothing about an outcome changes.
fn batch(groups: &[Group], pending: &mut VecDeque<usize>, first: usize, size: usize) -> Group {
    let is_plain = |group: &Group| !group.serial && group.processors == 1;
    let mut batch = groups[first].clone();
    if !is_plain(&batch) {
        return batch;
    }
    let left = 1 + pending.iter().filter(|&&i| is_plain(&groups[i])).count();
    let mut taken = 1;
    while taken < left.div_ceil(2 * size) {
        let Some(&next) = pending.front().filter(|&&i| is_plain(&groups[i])) else {
            break;
        };
        pending.pop_front();
        batch.tests.extend(groups[next].tests.iter().cloned());
        taken += 1;
    }
    batch
}

/// The stage's log: the tally of all its tests as ctest words it (`50% tests passed, 1 tests
/// failed out of 2` and the list of the failed ones), which the stage's summaries read, then
/// each ctest run's output, group by group. After a stop, ctest's tally counts only the
/// tests that ended; a line under it says how many have no result (`3 of 5 tests have no
/// result (…): the run was stopped`), so the log does not read as a whole run that passed.
fn write_log(
    log: &Path,
    ended: &[GroupEnd],
    tally: &Tally,
    unended: Option<(StopReason, usize)>,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(log)?);
    let total = tally.counted;
    let passed = total - tally.failed.len();
    let percent = (passed * 100).checked_div(total).unwrap_or(100);
    writeln!(
        file,
        "{percent}% tests passed, {} tests failed out of {total}",
        tally.failed.len()
    )?;
    if let Some((reason, count)) = unended.filter(|(_, count)| *count > 0) {
        let why = match reason {
            StopReason::TimedOut => "the stage timed out",
            StopReason::Cancelled => "the run was stopped",
        };
        // A test its console saw end has a result even in a ctest run cut off before it
        // wrote its file; the tests after a failed one there (its console is not read past
        // the failure's output) have none and are among these.
        writeln!(
            file,
            "{count} of {} tests have no result (cut off, not started, or in a ctest run \
             cut off before it wrote its results): {why}",
            total + count
        )?;
    }
    if !tally.failed.is_empty() {
        writeln!(file)?;
        writeln!(file, "The following tests FAILED:")?;
        for (number, name) in &tally.failed {
            writeln!(file, "\t{number:>3} - {name}")?;
        }
    }
    writeln!(file)?;
    for path in ended.iter().flat_map(|end| &end.logs) {
        // Copied by the kernel, not through memory: a flooding test's run log is long.
        let ends_line = match std::fs::File::open(path) {
            Ok(mut run) => std::io::copy(&mut run, &mut file)? > 0 && last_byte(&run)? == b'\n',
            Err(_) => false,
        };
        if !ends_line {
            writeln!(file)?;
        }
    }
    file.flush()
}

/// The last byte of `file`, which is not empty.
fn last_byte(file: &std::fs::File) -> std::io::Result<u8> {
    use std::os::unix::fs::FileExt;
    let mut byte = [0];
    file.read_exact_at(&mut byte, file.metadata()?.len() - 1)?;
    Ok(byte[0])
}
