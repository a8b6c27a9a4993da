//! The job-kind boundary: the two traits every kind implements, and the values that cross
//! from a kind into the generic layers (engine, app, ui, session, records, reports).
//!
//! Those layers never name a kind, a stage or a tool. They ask a job's [`JobKind`] (what
//! holds for every job of the kind: its word, whether its failure fails the session, how
//! its errors group into causes, which log lines deserve a colour) or its [`JobSpec`] (what
//! holds for one job: its stage, log, folders, options, and how one run of it goes). A new
//! kind is one module implementing [`Kind`] and [`Work`], plus one line in
//! [`super::KINDS`].

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::{Report, RunCtx, Task};

/// What every job of one kind has in common. Every method but `word` has a default that
/// suits a plain program run as a job.
pub trait Kind: Sync + 'static {
    /// The kind word of the public contract (table, JSON `kind`, history): `cmake`.
    fn word(&self) -> &'static str;

    /// Whether its runs are processes (which a launcher runs elsewhere), not tasks on
    /// jobdeck's own threads.
    fn runs_processes(&self) -> bool {
        true
    }

    /// Whether a run of this kind that did not succeed fails the session. `false` for a
    /// helper whose failure only changes how other jobs run (the toolchain probe): it is
    /// then reported as a warning everywhere, never as a failure.
    fn failure_fails_session(&self) -> bool {
        true
    }

    /// What a run that did not succeed leaves to the other jobs, said before its error
    /// wherever the error shows (`its configures run unseeded`); `None` when it leaves
    /// nothing to say.
    fn failure_consequence(&self) -> Option<&'static str> {
        None
    }

    /// The stage a history record of this kind written before stages existed was about.
    fn stage_of_old_records(&self) -> Option<&'static str> {
        None
    }

    /// The cause of an error message when it belongs to a family its users group by hand
    /// (`Could NOT find Boost`); `None` leaves it to the generic signature (quoted text,
    /// paths and numbers taken out).
    fn cause_family(&self, message: &str) -> Option<String> {
        let _ = message;
        None
    }

    /// Whether a running job's row shows its latest output line as its detail when the run
    /// said nothing else (no progress, no detail): for a command, what it prints is all
    /// there is to tell how far it got, where a CMake stage has its own progress.
    fn live_output_as_detail(&self) -> bool {
        false
    }

    /// A running job's detail from how far the parts of its run got (a test stage's
    /// `120/500 tests, 2 failed`, as ctest's own console counts), over its note; `None`
    /// leaves the row's detail as it is. Asked for every running row with parts each frame:
    /// it must be cheap.
    fn parts_detail(&self, stage: Option<Stage>, so_far: PartsSoFar) -> Option<String> {
        let _ = (stage, so_far);
        None
    }

    /// The part of an error message that tells its cause, before it is grouped: a command's
    /// `/bin/sh: 1: cc: not found` without the shell's `/bin/sh: 1: `, which would read as a
    /// path and a number (`<path> N: cc: not found`).
    fn cause_text<'a>(&self, message: &'a str) -> &'a str {
        message
    }

    /// How a line of its output is coloured in the log pane.
    fn tone(&self, line: &str) -> Tone {
        let _ = line;
        Tone::Plain
    }

    /// The file `e` opens, relative to the job's folder, when its failure points at no file
    /// of its own (a CMake project's `CMakeLists.txt`).
    fn main_file(&self) -> Option<&'static str> {
        None
    }

    /// Whether `-D VAR=VALUE` options apply to its jobs (the options key `D`).
    fn takes_options(&self) -> bool {
        false
    }

    /// Whether a finished run of `stage` says in JSON (`seeded`) whether it started from a
    /// shared seed.
    fn reports_seeding(&self, stage: Option<Stage>) -> bool {
        let _ = stage;
        false
    }

    /// Whether a re-run of a job at `stage` runs the jobs it waits on again first, even those
    /// that succeeded, because the run uses what they make and they bring in what changed
    /// since they ran (a test stage's build: a fix to a test must be built before the test
    /// runs again). Such a job must be cheap when nothing changed (`cmake --build` then
    /// does nothing).
    fn reruns_deps_first(&self, stage: Option<Stage>) -> bool {
        let _ = stage;
        false
    }

    /// The results inside one finished run, for reports (ctest's tests of a test stage),
    /// read from what the run left beside its `log`; `None` when it has none.
    fn sub_results(&self, stage: Option<Stage>, log: &Path) -> Option<Vec<SubResult>> {
        let _ = (stage, log);
        None
    }

    /// How much longer the current run of `stage` still needs, when a line of its output
    /// says so (a download retried on a fixed back-off, announcing its waits), counted from
    /// when the line came; `Some(ZERO)` when the line ends what an earlier one announced.
    /// The ETA takes the latest such line over its own guess. Asked of every output line:
    /// it must be cheap.
    fn announced_wait(&self, stage: Option<Stage>, line: &str) -> Option<Duration> {
        let _ = (stage, line);
        None
    }
}

/// A job's kind: a handle on its [`Kind`], cheap to copy and compared by its word.
#[derive(Clone, Copy)]
pub struct JobKind(&'static dyn Kind);

impl JobKind {
    /// The handle of `kind`.
    pub const fn of(kind: &'static dyn Kind) -> Self {
        Self(kind)
    }

    /// The kind word of the public contract.
    pub fn as_str(self) -> &'static str {
        self.0.word()
    }

    /// The registered kind named `word` (the history's `"kind"`), if any.
    pub fn from_word(word: &str) -> Option<JobKind> {
        super::KINDS
            .iter()
            .copied()
            .find(|kind| kind.as_str() == word)
    }

    /// Whether its runs are processes (see [`Kind::runs_processes`]).
    pub fn is_process(self) -> bool {
        self.0.runs_processes()
    }
}

impl std::ops::Deref for JobKind {
    type Target = dyn Kind;

    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for JobKind {
    fn eq(&self, other: &Self) -> bool {
        // The same registered kind first (its data and vtable): the estimate and the table
        // compare kinds of every row each frame. Two copies of one vtable still compare by word.
        std::ptr::eq(self.0, other.0) || self.as_str() == other.as_str()
    }
}

impl Eq for JobKind {}

impl fmt::Debug for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobKind({})", self.as_str())
    }
}

/// A stage of a kind's pipeline (`configure`, `build`, `test`): its word and its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stage {
    index: u8,
    word: &'static str,
}

impl Stage {
    /// The stage called `word`, at `index` in its pipeline (0 for the first).
    pub const fn new(word: &'static str, index: u8) -> Self {
        Self { index, word }
    }

    /// Its word of the public contract (JSON `stage`, the table's stage column).
    pub fn as_str(self) -> &'static str {
        self.word
    }

    /// Whether it is the first stage of its pipeline: the row later stages sit under.
    pub fn is_first(self) -> bool {
        self.index == 0
    }

    /// Its place in its pipeline, from 0.
    pub fn index(self) -> u8 {
        self.index
    }
}

/// How far the parts of a running job's run got (see [`Kind::parts_detail`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartsSoFar {
    /// Parts ended (passed, failed, skipped, cut off), each counted once.
    pub ended: u64,
    /// Of those, the failed ones.
    pub failed: u64,
    /// How many the run said it is to run.
    pub planned: u64,
}

/// How a log line is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// No colour.
    Plain,
    /// An error.
    Error,
    /// A warning.
    Warning,
}

/// One result inside a run (a test of a test stage), as its tool recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubResult {
    /// Its name (`add_test(NAME …)`).
    pub name: String,
    /// Its wall time in seconds, as its tool measured it.
    pub seconds: f64,
    /// How it ended.
    pub verdict: SubVerdict,
    /// The end of what it printed.
    pub output: String,
    /// Its earlier attempts in the same run, each failed, oldest first (a test run again
    /// under `--retries`): a pass after them is flaky.
    pub failed_attempts: Vec<SubResult>,
}

/// How a [`SubResult`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubVerdict {
    /// It passed.
    Passed,
    /// It failed, with its tool's message (often empty).
    Failed(String),
    /// It did not run, with its tool's reason.
    Skipped(String),
}

/// The program a process job runs, and how to get it when it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// The program, as it will be run (`cmake`, `/opt/cmake/bin/ctest`).
    pub program: std::ffi::OsString,
    /// What to do when it is not found, e.g. `Install CMake (…) or pass its path with
    /// --cmake`.
    pub install: &'static str,
}

/// One job of a kind: what it is and how one run of it goes. Every method but `kind`,
/// `log`, `run` and `as_any` has a default for a job without stages, folders or options.
pub trait Work: fmt::Debug + Send + Sync + 'static {
    /// Its kind.
    fn kind(&self) -> JobKind;

    /// Where each run of it writes its log.
    fn log(&self) -> &Path;

    /// Its `log`, to keep beside it (a row's): a kind that holds it in an `Arc` hands out
    /// that one, so 100,000 commands keep one copy of each path, not two.
    fn shared_log(&self) -> Arc<Path> {
        Arc::from(self.log())
    }

    /// Runs it once on a worker and reports how it went.
    fn run(&self, ctx: &mut RunCtx) -> Report;

    /// Itself, for the one place that knows its kind's type (the plan).
    fn as_any(&self) -> &dyn Any;

    /// The pipeline stage of a staged job.
    fn stage(&self) -> Option<Stage> {
        None
    }

    /// The same job at a later `stage` of its pipeline, named by its word.
    fn at_stage(&self, stage: &str) -> Option<JobSpec> {
        let _ = stage;
        None
    }

    /// The folder the job works on: where `e` opens its files and what watch mode watches.
    fn source(&self) -> Option<&Path> {
        None
    }

    /// The folder it writes into (its changes never count in watch mode).
    fn build_folder(&self) -> Option<&Path> {
        None
    }

    /// The situation its next run starts in, for a job whose runs take very different times
    /// in different situations (a build of a folder already built, `incremental`, against a
    /// `fresh` one): decided from its folders as they are now and whether its last recorded
    /// run succeeded (`last_succeeded`), before the run starts. The history keeps it with the
    /// run, and the time a run is expected to take comes from runs in the same situation.
    /// `None` for a job whose runs are all alike.
    fn situation(&self, last_succeeded: bool) -> Option<&'static str> {
        let _ = last_succeeded;
        None
    }

    /// Its own options (a project's `-D VAR=VALUE`).
    fn options(&self) -> &[String] {
        &[]
    }

    /// The same job with `options` instead of its own; `None` for a kind without options.
    fn with_options(&self, options: Vec<String>) -> Option<JobSpec> {
        let _ = options;
        None
    }

    /// The same job running only the parts named `parts` of its runs (a test stage's tests),
    /// or all of them when `parts` is empty; `None` for a kind whose runs have no parts.
    fn with_parts(&self, parts: Vec<String>) -> Option<JobSpec> {
        let _ = parts;
        None
    }

    /// The command line a run of it runs, as a shell would read it, when the job is one
    /// command a user gave (`--dry-run` prints it); `None` for a job jobdeck composes.
    fn command_text(&self) -> Option<String> {
        None
    }

    /// The program it runs and how to install it; `None` for a task on jobdeck's threads.
    fn tool(&self) -> Option<Tool> {
        None
    }

    /// This job for another build type, built in `build_dir` and logged under
    /// `log_dir/<name>/` (the demo's per-build-type copies).
    fn for_build_type(
        &self,
        build_type: &str,
        build_dir: PathBuf,
        log_dir: &Path,
        name: &str,
    ) -> Option<JobSpec> {
        let _ = (build_type, build_dir, log_dir, name);
        None
    }

    /// Whether it waits for free memory under `--mem-free` (builds and tests; a configure
    /// needs little).
    fn needs_memory(&self) -> bool {
        false
    }

    /// Its own time limit for one run, over the session's `--timeout` (a `jobdeck.toml`
    /// job's `timeout`); `None` leaves it to the session.
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// How many times a failed run of it is run again, over the session's `--retries` (a
    /// `jobdeck.toml` job's `retries`); `None` leaves it to the session.
    fn retries(&self) -> Option<u32> {
        None
    }

    /// Absolute glob patterns of the files whose change re-runs it in watch mode (a
    /// `jobdeck.toml` job's `watch`), beside its `source` folder, which a kind with
    /// projects watches whole.
    fn watches(&self) -> &[String] {
        &[]
    }
}

/// Something of a kind's that the session shares among its jobs and that warns as it goes
/// (the toolchain probes: one that failed).
pub trait Warner: fmt::Debug + Send + Sync {
    /// The warnings made since the last call, for every reporter to hear at once.
    fn take_new_warnings(&self) -> Vec<String>;
}

/// What a job is: one [`Work`] of some kind. Cheap to clone: a re-run submits the same spec
/// again.
#[derive(Debug, Clone)]
pub struct JobSpec(Arc<dyn Work>);

impl JobSpec {
    /// The spec of `work`.
    pub fn new(work: impl Work) -> Self {
        Self(Arc::new(work))
    }

    /// The job's kind.
    pub fn kind(&self) -> JobKind {
        self.0.kind()
    }

    /// Whether its runs are processes (see [`Kind::runs_processes`]).
    pub fn is_process(&self) -> bool {
        self.kind().is_process()
    }

    /// Its work as the type `W`, for the plan, which knows the kinds.
    pub fn downcast<W: Work>(&self) -> Option<&W> {
        self.0.as_any().downcast_ref()
    }

    /// The pipeline stage of a staged job.
    pub fn stage(&self) -> Option<Stage> {
        self.0.stage()
    }

    /// The same job at a later stage of its pipeline, for a kind that has stages.
    #[must_use]
    pub fn at_stage(&self, stage: &str) -> Option<JobSpec> {
        self.0.at_stage(stage)
    }

    /// Where each run of this job writes its log.
    pub fn log(&self) -> &Path {
        self.0.log()
    }

    /// Where each run of it writes its log, to keep (see [`Work::shared_log`]).
    pub fn shared_log(&self) -> Arc<Path> {
        self.0.shared_log()
    }

    /// The folder the job works on, which watch mode watches.
    pub fn source(&self) -> Option<&Path> {
        self.0.source()
    }

    /// The folder the job writes into.
    pub fn build_folder(&self) -> Option<&Path> {
        self.0.build_folder()
    }

    /// The situation its next run starts in (see [`Work::situation`]).
    pub fn situation(&self, last_succeeded: bool) -> Option<&'static str> {
        self.0.situation(last_succeeded)
    }

    /// The job's own options; empty for a kind without them.
    pub fn options(&self) -> &[String] {
        self.0.options()
    }

    /// Sets the job's own options (the options key `D`, or the history's under
    /// `--rerun-failed`); a kind without options is left alone.
    pub fn set_options(&mut self, options: Vec<String>) {
        if let Some(spec) = self.0.with_options(options) {
            *self = spec;
        }
    }

    /// Runs only the parts named `parts` from the next run on (all when empty); a kind whose
    /// runs have no parts is left alone.
    pub fn set_parts(&mut self, parts: Vec<String>) {
        if let Some(spec) = self.0.with_parts(parts) {
            *self = spec;
        }
    }

    /// The command line a run of it runs (see [`Work::command_text`]).
    pub fn command_text(&self) -> Option<String> {
        self.0.command_text()
    }

    /// The program a process job runs and how to install it.
    pub fn tool(&self) -> Option<Tool> {
        self.0.tool()
    }

    /// This job for another build type (see [`Work::for_build_type`]).
    #[must_use]
    pub fn for_build_type(
        &self,
        build_type: &str,
        build_dir: PathBuf,
        log_dir: &Path,
        name: &str,
    ) -> Option<JobSpec> {
        self.0.for_build_type(build_type, build_dir, log_dir, name)
    }

    /// Whether it waits for free memory under `--mem-free`.
    pub fn needs_memory(&self) -> bool {
        self.0.needs_memory()
    }

    /// The time limit of one run: its own, else the session's `session` (`--timeout`).
    pub fn timeout(&self, session: Option<Duration>) -> Option<Duration> {
        self.0.timeout().or(session)
    }

    /// How many times a failed run is run again: its own count, else the session's.
    pub fn retries(&self, session: u32) -> u32 {
        self.0.retries().unwrap_or(session)
    }

    /// The glob patterns of the files whose change re-runs it in watch mode.
    pub fn watches(&self) -> &[String] {
        self.0.watches()
    }

    /// The engine task for one run of this job.
    pub fn task(&self) -> Task {
        let work = Arc::clone(&self.0);
        Box::new(move |ctx| work.run(ctx))
    }
}
