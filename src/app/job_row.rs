//! One row of the job table: the job's current state, timings and a bounded output tail.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{Detail, Diagnosis, Finished, JobId, Outcome, RunId, WorkerId};
use crate::jobs::{JobKind, Stage};

/// Lines of output kept in memory per job; the log file has all of them.
pub const OUTPUT_TAIL: usize = 2000;

/// Lines of a failed attempt's output kept for the reports (its log is rotated away by the
/// next attempt's).
pub const ATTEMPT_TAIL: usize = 30;

/// Where a job is in its life. Each job is in exactly one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Handed to the engine, not yet picked up by a worker.
    Dispatched,
    /// Running on a worker.
    Running,
    /// Asked to stop; waiting for its process group to die.
    Cancelling,
    /// Succeeded.
    Ok,
    /// Succeeded on a retry, after failed attempts (`--retries`, a `jobdeck.toml`'s
    /// `retries`). Passing, unless `--flaky-fails`.
    Flaky,
    /// Failed, could not start, or panicked.
    Failed,
    /// Cancelled before or while running.
    Cancelled,
    /// Killed after running past `--timeout`.
    Timeout,
    /// Never ran: a job it depends on did not succeed.
    Skipped,
}

impl JobState {
    /// Every state, in the order the header lists them.
    pub const ALL: [JobState; 9] = [
        JobState::Queued,
        JobState::Running,
        JobState::Cancelling,
        JobState::Ok,
        JobState::Flaky,
        JobState::Failed,
        JobState::Cancelled,
        JobState::Timeout,
        JobState::Skipped,
    ];

    /// The status word shown to people and scripts: the one place status words are made.
    /// A dispatched job still reads `queued`.
    pub fn word(self) -> &'static str {
        match self {
            JobState::Queued | JobState::Dispatched => "queued",
            JobState::Running => "running",
            JobState::Cancelling => "cancelling",
            JobState::Ok => "ok",
            JobState::Flaky => "flaky",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Timeout => "timeout",
            JobState::Skipped => "skipped",
        }
    }

    /// The state a finished run leaves its job in.
    pub fn from_outcome(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Succeeded => JobState::Ok,
            Outcome::Failed { .. } | Outcome::SpawnFailed(_) | Outcome::Panicked(_) => {
                JobState::Failed
            }
            Outcome::Cancelled => JobState::Cancelled,
            Outcome::TimedOut => JobState::Timeout,
        }
    }

    /// Whether the job passed, on its first attempt or on a retry.
    pub fn is_passing(self) -> bool {
        matches!(self, JobState::Ok | JobState::Flaky)
    }

    /// Whether the job has a run that has not finished (dispatched, running or cancelling).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            JobState::Dispatched | JobState::Running | JobState::Cancelling
        )
    }

    /// Whether the job's last run ended (or it was skipped).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Ok
                | JobState::Flaky
                | JobState::Failed
                | JobState::Cancelled
                | JobState::Timeout
                | JobState::Skipped
        )
    }

    /// Whether `R` re-runs a job in this state: failed, cancelled, timed out or skipped.
    pub fn is_unsuccessful(self) -> bool {
        matches!(
            self,
            JobState::Failed | JobState::Cancelled | JobState::Timeout | JobState::Skipped
        )
    }
}

/// The recent output of a job's current run.
#[derive(Debug, Clone, Default)]
pub struct OutputTail {
    lines: VecDeque<String>,
    /// Lines the run printed in all, including those no longer held or never sent.
    pub total: u64,
}

impl OutputTail {
    /// Appends a batch; `skipped` lines were printed before it but not sent.
    pub fn push(&mut self, lines: Vec<String>, skipped: u64) {
        if skipped > 0 {
            self.push_line(format!("… {skipped} lines not shown (see the log file)"));
        }
        self.total += skipped;
        for line in lines {
            self.total += 1;
            self.push_line(line);
        }
    }

    fn push_line(&mut self, line: String) {
        if self.lines.len() == OUTPUT_TAIL {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }

    /// The lines held, oldest first.
    pub fn lines(&self) -> &VecDeque<String> {
        &self.lines
    }

    /// Forgets everything, for a new run.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.total = 0;
    }
}

/// A job as the model first learns of it: a node of the job graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobNode {
    /// The row's name.
    pub name: String,
    /// `cmake` or `words`.
    pub kind: JobKind,
    /// The pipeline stage of a CMake job.
    pub stage: Option<Stage>,
    /// The jobs that must succeed first (earlier in the list).
    pub deps: Vec<JobId>,
    /// The jobs that must have ended, however, before this one runs (a fresh configure
    /// comes after its toolchain probe).
    pub after: Vec<JobId>,
    /// How long a run is expected to take, from the history.
    pub expected: Option<Duration>,
}

impl From<(String, JobKind)> for JobNode {
    /// A job with no stage, no dependencies and no history.
    fn from((name, kind): (String, JobKind)) -> Self {
        Self {
            name,
            kind,
            stage: None,
            deps: Vec::new(),
            after: Vec::new(),
            expected: None,
        }
    }
}

/// One job and what is known about its current (or last) run.
#[derive(Debug, Clone)]
// Laid out in the order declared: what each frame reads of every row (the counts' and the
// estimate's state, kind, stage, history, dependencies, start and result) comes first and
// together. In Rust's own order it was spread over the row's ~600 bytes, and those passes
// over 100,000 rows waited on several cache lines a row, not two or three.
#[repr(C)]
pub struct JobRow {
    /// The row's name.
    pub name: String,
    /// `cmake` or `words`.
    pub kind: JobKind,
    /// The pipeline stage of a CMake job; `None` for a pseudoword task.
    pub stage: Option<Stage>,
    /// Where the job is.
    pub state: JobState,
    /// How many runs this job has had, this one included.
    pub runs: u32,
    /// The jobs that must succeed before this one runs.
    pub deps: Vec<JobId>,
    /// How long a run is expected to take, from the history.
    pub expected: Option<Duration>,
    /// The current run; events from any other run are ignored.
    pub run: RunId,
    /// The worker running the job, or the one that ran its last run.
    pub worker: Option<WorkerId>,
    /// When the current run started on a worker.
    pub started_at: Option<Instant>,
    /// What the last run left, or why the job did not run (empty while it runs).
    pub result: RunResult,
    /// The full log of the last run. Shared with `log_path` when it is the same file, as a
    /// command's always is: one path a job, not two (100,000 jobs, 10 MB).
    pub log: Option<Arc<Path>>,
    /// Where the job's runs write their log, if the plan said: a running job's log is
    /// there before its run reports it.
    pub log_path: Option<Arc<Path>>,
    /// Recent output lines.
    pub output: OutputTail,
    /// The current run's command line (`$ cmake -S …`), from its `Command` event. Boxed, not
    /// a `String`: every command job's row keeps one.
    pub command: Option<Box<str>>,
    /// How many compilers the running build may run now (its slot plus the tokens it holds
    /// from the pool), once it said; `None` for any other run (one slot). On the row, not
    /// in its box: every command run in a pool of slots says it.
    pub compilers: Option<u32>,
    /// Whether the run handed to the engine waits for memory to start (`--mem-free`).
    pub waiting_for_memory: bool,
    /// How many times a failed run is run again (`--retries`, a job's own `retries`).
    pub retries: u32,
    /// What few rows have (see [`RowExtra`]): made on the first write of one of its fields.
    pub(super) extra: Option<Box<RowExtra>>,
}

/// The parts of a row most rows never use: a CMake project's folder and options, a run's
/// progress and detail, retries so far, a test stage's tests. Kept behind
/// one box, so a row of a plain command is ~250 bytes smaller (100,000 jobs: 25 MB).
#[derive(Debug, Clone, Default)]
pub struct RowExtra {
    /// The job-specific detail, e.g. a configure's `cached` or `fresh`.
    pub detail: Option<Detail>,
    /// Progress of the current run: done and total units.
    pub progress: Option<(u64, u64)>,
    /// The project's folder, for a CMake job.
    pub source: Option<PathBuf>,
    /// The project's own `-D` options (`VAR=VALUE`), on its first stage.
    pub options: Vec<String>,
    /// The failed attempts of this job since it was last queued by hand, oldest first: its
    /// retries so far.
    pub failed_attempts: Vec<FailedAttempt>,
    /// The current run's parts (a test stage's tests), in the order they were first heard of.
    pub parts: Vec<super::PartRow>,
    /// The parts its current run runs (`r` on a part's row): all when empty.
    pub only_parts: Vec<String>,
    /// How many parts its current run said it is to run (`EventKind::PartsPlanned`), while
    /// it runs; `None` before it says, and for a run without parts.
    pub parts_planned: Option<u64>,
    /// The parts its next run is to run, when set (see `Model::rerun_part`).
    pub next_parts: Option<Vec<String>>,
    /// How long the current run lasts at least, from its start, as its own output announced
    /// (see `Kind::announced_wait`); `None` when it said nothing of the kind.
    pub announced_end: Option<Duration>,
    /// The situation its first run in this session starts in, decided before the session
    /// began (see `crate::jobs::Work::situation`).
    pub situation: Option<&'static str>,
}

impl RowExtra {
    /// Nothing: what a row without its box reads.
    const EMPTY: RowExtra = RowExtra {
        detail: None,
        progress: None,
        source: None,
        options: Vec::new(),
        failed_attempts: Vec::new(),
        parts: Vec::new(),
        only_parts: Vec::new(),
        parts_planned: None,
        next_parts: None,
        announced_end: None,
        situation: None,
    };
}

/// What every row without a box of its own reads.
static NO_EXTRA: RowExtra = RowExtra::EMPTY;

/// An attempt of a job that failed and was retried.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedAttempt {
    /// Which attempt it was: 1 for the first.
    pub attempt: u32,
    /// What it left.
    pub result: RunResult,
    /// The end of its output (at most [`ATTEMPT_TAIL`] lines).
    pub output: Vec<String>,
}

impl JobRow {
    /// A queued row for a job that has not run yet.
    pub fn new(node: JobNode, run: RunId) -> Self {
        Self {
            name: node.name,
            kind: node.kind,
            stage: node.stage,
            deps: node.deps,
            expected: node.expected,
            state: JobState::Queued,
            run,
            runs: 1,
            worker: None,
            started_at: None,
            result: RunResult::default(),
            log: None,
            log_path: None,
            output: OutputTail::default(),
            command: None,
            compilers: None,
            waiting_for_memory: false,
            retries: 0,
            extra: None,
        }
    }

    /// The fields few rows use (all empty unless written).
    pub fn extra(&self) -> &RowExtra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    /// The fields few rows use, to write: boxed on the first write.
    pub fn extra_mut(&mut self) -> &mut RowExtra {
        self.extra.get_or_insert_default()
    }

    /// The project's folder, for a CMake job.
    pub fn source(&self) -> Option<&Path> {
        self.extra().source.as_deref()
    }

    /// The failed attempts of this job since it was last queued by hand, oldest first.
    pub fn failed_attempts(&self) -> &[FailedAttempt] {
        &self.extra().failed_attempts
    }

    /// The current run's parts (a test stage's tests).
    pub fn parts(&self) -> &[super::PartRow] {
        &self.extra().parts
    }

    /// How far the parts of its current run got, once the run said how many it runs: those
    /// of its parts it runs (all, or those `r` named) that ended, and failed.
    pub fn parts_so_far(&self) -> Option<crate::jobs::PartsSoFar> {
        let extra = self.extra();
        let planned = extra.parts_planned?;
        let (mut ended, mut failed) = (0_u64, 0_u64);
        let in_run =
            |name: &str| extra.only_parts.is_empty() || extra.only_parts.iter().any(|p| p == name);
        for part in extra.parts.iter().filter(|p| in_run(&p.name)) {
            if part.state != JobState::Running {
                ended += 1;
            }
            if part.state == JobState::Failed {
                failed += 1;
            }
        }
        Some(crate::jobs::PartsSoFar {
            ended: ended.min(planned),
            failed,
            planned,
        })
    }

    /// Forgets which parts the next run was to run (without boxing anything for it).
    pub fn clear_next_parts(&mut self) {
        if let Some(extra) = &mut self.extra {
            extra.next_parts = None;
        }
    }

    /// The name with the stage, as people read it: `01-basic/A [build]`.
    pub fn label(&self) -> String {
        label(&self.name, self.stage)
    }

    /// Resets the row for a new run with id `run`, keeping the name, kind and log path: a
    /// fresh start, with all its retries again.
    pub fn requeue(&mut self, run: RunId) {
        if let Some(extra) = &mut self.extra {
            extra.failed_attempts.clear();
        }
        self.next_attempt(run);
    }

    /// Whether the end of the current run, `finished`, is a failure to try again: it failed
    /// or timed out (not cancelled, nor a program that could not start), nobody asked it to
    /// stop (a run that fails while being cancelled stays ended), and retries are left.
    pub fn is_retried_after(&self, finished: &Finished) -> bool {
        self.state != JobState::Cancelling
            && matches!(finished.outcome, Outcome::Failed { .. } | Outcome::TimedOut)
            && u32::try_from(self.failed_attempts().len()).unwrap_or(u32::MAX) < self.retries
    }

    /// Keeps the failed current run, `finished`, as an attempt and queues the job again as
    /// run `run`.
    pub fn retry(&mut self, run: RunId, finished: Finished) {
        let skip = self.output.lines().len().saturating_sub(ATTEMPT_TAIL);
        let output = self.output.lines().iter().skip(skip).cloned().collect();
        self.keep_log(finished.log.as_deref());
        let attempt = self.runs;
        self.extra_mut().failed_attempts.push(FailedAttempt {
            attempt,
            result: RunResult::from(finished),
            output,
        });
        self.next_attempt(run);
    }

    fn next_attempt(&mut self, run: RunId) {
        self.state = JobState::Queued;
        self.run = run;
        self.runs += 1;
        self.worker = None;
        self.started_at = None;
        self.result = RunResult::default();
        self.command = None;
        self.output.clear();
        self.compilers = None;
        self.waiting_for_memory = false;
        if let Some(extra) = &mut self.extra {
            extra.progress = None;
            extra.parts_planned = None;
            extra.announced_end = None;
        }
    }

    /// Takes in the log a run reported (else the last one known stays), sharing the path
    /// the plan gave when it is that one.
    fn keep_log(&mut self, log: Option<&Path>) {
        let Some(log) = log else { return };
        if self.log.as_deref() == Some(log) {
            return;
        }
        self.log = Some(match &self.log_path {
            Some(planned) if **planned == *log => Arc::clone(planned),
            _ => Arc::from(log),
        });
    }

    /// The slots the run holds now: none unless it runs, else its own plus its build's.
    pub fn slots_in_use(&self) -> usize {
        match self.state {
            JobState::Running | JobState::Cancelling => {
                self.compilers.map_or(1, |count| count as usize)
            }
            _ => 0,
        }
    }

    /// Wall time so far for a running job, or the duration of a finished one.
    pub fn duration_at(&self, now: Instant) -> Option<Duration> {
        match (self.state, self.started_at) {
            (JobState::Running | JobState::Cancelling, Some(start)) => {
                Some(now.saturating_duration_since(start))
            }
            _ => self.result.elapsed,
        }
    }

    /// Takes in the end of the current run: its state, its result, and its log if it
    /// reported one (else the last one known stays).
    pub fn finish(&mut self, finished: Finished) {
        self.compilers = None;
        self.waiting_for_memory = false;
        self.state = match JobState::from_outcome(&finished.outcome) {
            JobState::Ok if !self.failed_attempts().is_empty() => JobState::Flaky,
            // A run whose parts (tests) passed only on retries of their own is flaky too.
            JobState::Ok if self.parts().iter().any(|p| p.state == JobState::Flaky) => {
                JobState::Flaky
            }
            state => state,
        };
        self.keep_log(finished.log.as_deref());
        self.result = RunResult::from(finished);
        if super::only_warns(self.kind, self.state)
            && let Some(consequence) = self.kind.failure_consequence()
        {
            let error = self.result.error.take().filter(|e| !e.is_empty());
            // The consequence first: a narrow column or a cut line still shows it.
            self.result.error = Some(match error {
                Some(error) => format!("{consequence}: {error}"),
                None => format!("{consequence}: {}", self.state.word()),
            });
        }
    }

    /// Whether its last run counts as failed for the session (see [`super::fails_session`]).
    pub fn fails_session(&self) -> bool {
        super::fails_session(self.kind, self.state)
    }

    /// Whether its last run did not succeed but only warns (see [`super::only_warns`]).
    pub fn only_warns(&self) -> bool {
        super::only_warns(self.kind, self.state)
    }
}

/// What a job's last run left: the one declaration of a run's result on the app side,
/// kept by the row and copied whole into each `RunRecord`. A job that never ran (cancelled
/// in the queue, skipped) has only an `error` saying why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunResult {
    /// Wall time of the run.
    pub elapsed: Option<Duration>,
    /// CPU time of the run, where measured.
    pub cpu: Option<Duration>,
    /// How the run ended.
    pub outcome: Option<Outcome>,
    /// One-line reason for an unsuccessful run, or why the job did not run.
    pub error: Option<String>,
    /// The error's message and where in the project it points, where known (boxed: most
    /// rows have none, and every row has a result).
    pub diagnosis: Option<Box<Diagnosis>>,
    /// Which bytes of the log are the program's own output, for a process run.
    pub output: Option<std::ops::Range<u64>>,
}

impl From<Finished> for RunResult {
    fn from(finished: Finished) -> Self {
        Self {
            elapsed: Some(finished.elapsed),
            cpu: finished.cpu,
            outcome: Some(finished.outcome),
            error: finished.error,
            diagnosis: finished.diagnosis.map(Box::new),
            output: finished.output,
        }
    }
}

impl RunResult {
    /// The process's exit code, where there was one.
    pub fn exit_code(&self) -> Option<i32> {
        self.outcome.as_ref().and_then(Outcome::exit_code)
    }

    /// The file the error points at, relative to the project's folder.
    pub fn error_file(&self) -> Option<String> {
        self.diagnosis.as_ref().and_then(|d| d.file.clone())
    }

    /// The line in `error_file`.
    pub fn error_line(&self) -> Option<u32> {
        self.diagnosis.as_ref().and_then(|d| d.line)
    }
}

/// A job's name with its stage, as people read it: `01-basic/A [build]`.
pub fn label(name: &str, stage: Option<Stage>) -> String {
    match stage {
        Some(stage) => format!("{name} [{}]", stage.as_str()),
        None => name.to_string(),
    }
}
