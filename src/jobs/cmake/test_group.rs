//! One group of a project's tests run as its own ctest, then each of its failed tests run
//! again alone under `--retries`, with every test's start and end told as a `Part` event.
//!
//! ctest decides every outcome: a retry is `ctest -R '^(name)$'`, which brings in the
//! fixtures' setup and cleanup tests the test needs, as ctest always does; only the named
//! test's result is taken from it. A group's ctest runs its tests one after another, and
//! its console is read as it prints ([`ctest_console`]): each test is told `running` when
//! ctest starts it and ended when ctest reports it. A passed or skipped test's end is final
//! then; a failed one's is provisional until the ctest ends and its results file gives the
//! test's error. Every test's record comes from that file, unless a stop cuts the ctest off
//! before it writes the file: then a test whose end the console reported keeps what the
//! console said (ctest's verdict, with its word as a failed test's error), and a test cut
//! off while it ran is `cancelled`, with no record.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::ctest;
use super::ctest_console::{Console, Said, Word};
use super::test_list::{Group, escape};
use crate::engine::{Outcome, Part, PartStatus, RunCtx, process};
use crate::jobs::{SubResult, SubVerdict};

/// How a group's ctest runs went.
pub struct GroupEnd {
    /// The group's index.
    pub index: usize,
    /// How its first ctest ended.
    pub outcome: Outcome,
    /// Its tests' results, with any failed attempts before each.
    pub results: Vec<SubResult>,
    /// The tests ctest could not run (a failed fixture setup, a missing program), which
    /// ctest's tally calls `Not Run` and counts as failed.
    pub not_run: Vec<String>,
    /// The logs of its ctest runs, in the order they ran.
    pub logs: Vec<PathBuf>,
}

/// What every group's run shares: how to start ctest and where its files go.
pub struct Runner<'a> {
    /// The ctest program.
    pub ctest: &'a std::ffi::OsStr,
    /// The project's build folder.
    pub build_dir: &'a Path,
    /// Where each run's log and `JUnit` file go.
    pub runs: &'a Path,
    /// Times a failed test is run again.
    pub retries: u32,
    /// Each test's time in the last run, in seconds, where known.
    pub last: &'a std::collections::HashMap<String, f64>,
}

impl Runner<'_> {
    /// The ctest run selecting `regex`, through the run's launcher when it has one, as every
    /// process of a job runs.
    fn command(&self, regex: &str, junit: &Path, ctx: &RunCtx) -> Command {
        let mut command = Command::new(self.ctest);
        command
            .arg("--test-dir")
            .arg(self.build_dir)
            .arg("--output-on-failure")
            .arg("-R")
            .arg(regex)
            .arg("--output-junit")
            .arg(junit);
        match ctx.launcher() {
            Some(launcher) => launcher.wrap(&command, ctx.label()),
            None => command,
        }
    }

    /// How long `names`, run one after another, should take by their last times; `None`
    /// when none is known.
    fn expected(&self, names: &[String]) -> Option<Duration> {
        let known: Vec<f64> = names
            .iter()
            .filter_map(|n| self.last.get(n))
            .copied()
            .collect();
        (!known.is_empty()).then(|| Duration::from_secs_f64(known.iter().sum::<f64>().max(0.0)))
    }

    /// Runs group `index` and its retries on this thread, telling `ctx` of each test.
    pub fn run(&self, index: usize, group: &Group, ctx: &mut RunCtx) -> GroupEnd {
        let junit = self.runs.join(format!("{index}.junit.xml"));
        let log = self.runs.join(format!("{index}.log"));
        let mut live = Live::new(group);
        let report = process::run_helper_watched(
            self.command(&group.regex(), &junit, ctx),
            &log,
            ctx,
            &mut |ctx, line| {
                live.see(self, ctx, line);
                !live.console.is_done()
            },
        );
        // `None`: ctest wrote no readable results file (it was cut off before it did).
        let file = ctest::read(&junit);
        let wrote_file = file.is_some();
        let read = file.unwrap_or_default();
        let words = ctest::failed_words(&log);
        let mut end = GroupEnd {
            index,
            outcome: report.outcome,
            results: Vec::new(),
            not_run: Vec::new(),
            logs: vec![log],
        };
        let stopped = ctx.stop_reason().is_some();
        for name in &group.tests {
            let raw = read.iter().find(|r| &r.name == name).cloned();
            // Cut off by the stop before ctest reported it: no outcome, so no record (a
            // `--rerun-failed` runs it again), and a row it has ends `cancelled`, not failed.
            if raw.is_none() && stopped {
                // With no file at all, a test whose end the console reported keeps ctest's
                // verdict from there (a failed one is told final now, its error from the
                // console's word); with a file, the file alone says.
                if !wrote_file && let Some(result) = live.reported.remove(name) {
                    if let SubVerdict::Failed(message) = &result.verdict {
                        if message.starts_with(ctest::NOT_RUN) {
                            end.not_run.push(name.clone());
                        }
                        ctx.part(ended(&result));
                    }
                    end.results.push(result);
                    continue;
                }
                if let Some(at) = live.started.get(name)
                    && !live.final_end.contains_key(name)
                {
                    ctx.part(cancelled(name, at.elapsed()));
                }
                continue;
            }
            // ctest did not run it (a failed fixture, a missing program): `ctest::read` says
            // so as a failure whose message starts `Not Run`, as ctest's tally counts it.
            let not_run = match raw.as_ref().map(|r| &r.verdict) {
                Some(SubVerdict::Skipped(message)) => !is_skip(message),
                Some(SubVerdict::Failed(message)) => message.starts_with(ctest::NOT_RUN),
                _ => false,
            };
            if not_run {
                end.not_run.push(name.clone());
            }
            let first = raw.map_or_else(|| unreported(name), as_ctest_counts);
            let first = with_failure_line(in_ctest_word(first, &words));
            let result = self.retried(index, first, &mut end.logs, ctx);
            let part = ended(&result);
            // Told already, final, from the console: its end is news once only.
            if live.final_end.get(name) != Some(&part.status) || part.attempt > 1 {
                ctx.part(part);
            }
            end.results.push(result);
        }
        end
    }

    /// `first`, run again alone while it fails and retries are left (and the run is not
    /// being stopped); the result of its last attempt, with the failed ones before it.
    fn retried(
        &self,
        index: usize,
        first: SubResult,
        logs: &mut Vec<PathBuf>,
        ctx: &mut RunCtx,
    ) -> SubResult {
        let mut result = first;
        for attempt in 2..=self.retries.saturating_add(1) {
            if !matches!(result.verdict, SubVerdict::Failed(_)) || ctx.stop_reason().is_some() {
                break;
            }
            ctx.part(ended(&result));
            let expected = self.expected(std::slice::from_ref(&result.name));
            ctx.part(running(&result.name, attempt, expected));
            let stem = format!("{index}.{}.{attempt}", logs.len());
            let junit = self.runs.join(format!("{stem}.junit.xml"));
            let log = self.runs.join(format!("{stem}.log"));
            let regex = format!("^({})$", escape(&result.name));
            process::run_helper(self.command(&regex, &junit, ctx), &log, ctx);
            let words = ctest::failed_words(&log);
            logs.push(log);
            let again = ctest::read(&junit)
                .unwrap_or_default()
                .into_iter()
                .find(|r| r.name == result.name)
                .map_or_else(|| unreported(&result.name), as_ctest_counts);
            let again = with_failure_line(in_ctest_word(again, &words));
            let mut earlier = std::mem::take(&mut result.failed_attempts);
            earlier.push(result);
            result = SubResult {
                failed_attempts: earlier,
                ..again
            };
        }
        result
    }
}

/// What a group's ctest said of its tests so far, as its console lines arrive.
struct Live<'g> {
    group: &'g Group,
    console: Console,
    /// The tests whose end was told final from the console, and how they ended.
    final_end: std::collections::HashMap<String, PartStatus>,
    /// When each test the console started was seen starting.
    started: std::collections::HashMap<String, std::time::Instant>,
    /// Each test whose end the console reported, as a result: what stands for it when its
    /// ctest is cut off before it writes its results file.
    reported: std::collections::HashMap<String, SubResult>,
}

impl<'g> Live<'g> {
    fn new(group: &'g Group) -> Self {
        Self {
            group,
            console: Console::default(),
            final_end: std::collections::HashMap::new(),
            started: std::collections::HashMap::new(),
            reported: std::collections::HashMap::new(),
        }
    }

    /// Tells `ctx` of a test of the group that ctest's `line` starts or ends. A passed or
    /// skipped test's end is final (its time to ctest's hundredth of a second, as the console
    /// gives it); a failed one's waits for its error from ctest's file, so it is provisional.
    fn see(&mut self, runner: &Runner<'_>, ctx: &RunCtx, line: &str) {
        let Some(said) = self.console.read(line) else {
            return;
        };
        let ours = |name: &str| self.group.tests.iter().any(|t| t == name);
        match said {
            Said::Started(name) if ours(&name) => {
                let expected = runner.expected(std::slice::from_ref(&name));
                ctx.part(running(&name, 1, expected));
                self.started.insert(name, std::time::Instant::now());
            }
            Said::Ended {
                name,
                word,
                seconds,
                how,
            } if ours(&name) => {
                self.reported
                    .insert(name.clone(), from_console(&name, word, seconds, &how));
                let status = match word {
                    Word::Passed => PartStatus::Passed,
                    Word::Skipped => PartStatus::Skipped,
                    Word::Failed => PartStatus::Failed,
                };
                let provisional = status == PartStatus::Failed;
                if !provisional {
                    self.final_end.insert(name.clone(), status);
                }
                ctx.part(Part {
                    name,
                    status,
                    elapsed: Some(Duration::from_secs_f64(seconds.unwrap_or(0.0).max(0.0))),
                    error: None,
                    attempt: 1,
                    expected: None,
                    provisional,
                });
            }
            _ => {}
        }
    }
}

/// A test's result as ctest's console reported it, for when its ctest is cut off before it
/// writes its results file: ctest's verdict, its time to the hundredth of a second, and no
/// output (that is in the run's log). A skipped test's reason is ctest's console word
/// (`disabled` for `Not Run (Disabled)`, as its file says); a failed one's error is ctest's
/// word for how it failed (`Timeout`, `Exception: SegFault`, `Not Run`), or for a plain
/// `Failed`, where its output is (the file would have given the line that says why).
fn from_console(name: &str, word: Word, seconds: Option<f64>, how: &str) -> SubResult {
    let verdict = match word {
        Word::Passed => SubVerdict::Passed,
        Word::Skipped if how == "Not Run (Disabled)" => SubVerdict::Skipped("disabled".into()),
        Word::Skipped => SubVerdict::Skipped(how.to_string()),
        Word::Failed if how == "Failed" || how.is_empty() => SubVerdict::Failed(
            "Failed (ctest was cut off before it wrote its results: the output is in test.log)"
                .to_string(),
        ),
        Word::Failed => SubVerdict::Failed(how.to_string()),
    };
    SubResult {
        name: name.to_string(),
        seconds: seconds.unwrap_or(0.0).max(0.0),
        verdict,
        output: String::new(),
        failed_attempts: Vec::new(),
    }
}

fn running(name: &str, attempt: u32, expected: Option<Duration>) -> Part {
    Part {
        name: name.to_string(),
        status: PartStatus::Running,
        elapsed: None,
        error: None,
        attempt,
        expected,
        provisional: false,
    }
}

/// The `Part` event of a test its run's stop cut off after it ran for `ran`.
fn cancelled(name: &str, ran: Duration) -> Part {
    Part {
        status: PartStatus::Cancelled,
        elapsed: Some(ran),
        ..running(name, 1, None)
    }
}

/// The `Part` event of a test's end.
fn ended(result: &SubResult) -> Part {
    let (status, error) = match &result.verdict {
        SubVerdict::Passed => (PartStatus::Passed, None),
        SubVerdict::Skipped(_) => (PartStatus::Skipped, None),
        SubVerdict::Failed(message) => (
            PartStatus::Failed,
            Some(first_failure_line(result, message)),
        ),
    };
    Part {
        name: result.name.clone(),
        status,
        elapsed: Some(Duration::from_secs_f64(result.seconds.max(0.0))),
        error,
        attempt: u32::try_from(result.failed_attempts.len() + 1).unwrap_or(u32::MAX),
        expected: None,
        provisional: false,
    }
}

/// `result` with, when it failed with no reason from ctest's `JUnit` file (ctest 3.x writes
/// none for a timeout), ctest's word for how from its console (`words`: `Timeout`), unless
/// that word is the plain `Failed`.
fn in_ctest_word(
    mut result: SubResult,
    words: &std::collections::HashMap<String, String>,
) -> SubResult {
    if let SubVerdict::Failed(message) = &result.verdict
        && (message.is_empty() || message == "Failed")
        && let Some(word) = words.get(&result.name).filter(|w| *w != "Failed")
    {
        result.verdict = SubVerdict::Failed(word.clone());
    }
    result
}

/// `result` with, when it failed, its first failure line as its message: the error its row,
/// JSON and `JUnit` show.
fn with_failure_line(mut result: SubResult) -> SubResult {
    if let SubVerdict::Failed(message) = &result.verdict {
        result.verdict = SubVerdict::Failed(first_failure_line(&result, message));
    }
    result
}

/// A failed test's error: ctest's own reason when it gives one (`Fixture dependency failed`,
/// a regular expression found), else the first line of its output that says it failed,
/// else its last line. ctest's own lines in the output are never it: a flood's output in
/// ctest's file is cut, ended by ctest's notice that says so, which tells nothing of why the
/// test failed; the last whole line before it is the test's own.
fn first_failure_line(result: &SubResult, message: &str) -> String {
    if !message.is_empty() && message != "Failed" {
        return message.to_string();
    }
    let all: Vec<&str> = result.output.lines().map(str::trim).collect();
    let lines = || {
        all.iter().enumerate().filter_map(|(at, line)| {
            let cut = all
                .get(at + 1)
                .is_some_and(|next| is_ctest_cut_notice(next))
                && line.ends_with("...");
            (!line.is_empty() && !cut && !is_ctest_cut_notice(line)).then_some(*line)
        })
    };
    let says_failed = |line: &&str| {
        let lower = line.to_ascii_lowercase();
        ["fail", "error", "assert"]
            .iter()
            .any(|w| lower.contains(w))
    };
    lines()
        .find(says_failed)
        .or_else(|| lines().next_back())
        .map_or_else(|| "failed, printing nothing".to_string(), str::to_string)
}

/// Whether `line` is the notice ctest puts in a test's output where it cut it (past its
/// size limit, 300 KiB for a failed test by default): `[This part of the test output was
/// removed since it exceeds the threshold of 307200 bytes.]` (ctest 3.x and 4.x alike),
/// right after the cut line's start and `...` (`flood li...`, or `...` alone when the cut
/// fell at a line's end).
fn is_ctest_cut_notice(line: &str) -> bool {
    line.starts_with("[This part of the test output was removed") && line.ends_with("bytes.]")
}

/// A test its ctest did not report (ctest stopped, or its file is cut short): failed.
fn unreported(name: &str) -> SubResult {
    SubResult {
        name: name.to_string(),
        seconds: 0.0,
        verdict: SubVerdict::Failed("not reported by ctest".to_string()),
        output: String::new(),
        failed_attempts: Vec::new(),
    }
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
