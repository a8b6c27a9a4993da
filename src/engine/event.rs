//! The typed lifecycle events that workers send to whoever consumes the engine.
//!
//! Every event names the job and the run it belongs to. A job can be run many times (re-runs);
//! consumers ignore events whose `RunId` is not the job's current run, so late events from a
//! cancelled or superseded run can never corrupt the state.

use std::path::PathBuf;
use std::time::Duration;

/// Index of a job in the job list: stable for the whole session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u32);

/// One execution of a job. Assigned by the app model from a counter, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub u64);

/// A worker thread's slot number; slots freed by shrinking the pool are reused by growing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerId(pub usize);

impl std::fmt::Display for WorkerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0 + 1)
    }
}

/// An event about one run, sent from a worker to the consumer.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineEvent {
    /// The job the run belongs to.
    pub job: JobId,
    /// The run that produced the event.
    pub run: RunId,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to a run.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A worker picked the run up.
    Started {
        /// The worker running it.
        worker: WorkerId,
    },
    /// Units of work done so far (rate-limited by the sender).
    Progress {
        /// Units done.
        done: u64,
        /// Units in all.
        total: u64,
    },
    /// A job-specific note for the detail column.
    Detail(Detail),
    /// The exact command line a process run starts (escapes made visible), before its first
    /// output: the log pane pins it at its top. Typed, so no output line can pass for it.
    Command(String),
    /// A batch of output lines (only a bounded tail of a flood; the log file has every byte).
    Output {
        /// The lines, oldest first.
        lines: Vec<String>,
        /// Lines produced since the previous batch that were not sent.
        skipped: u64,
    },
    /// The run ended. Sent exactly once for every `Started`.
    Finished(Finished),
    /// The run waits to start until more memory is available (`--mem-free`); it starts
    /// (`Started`) once there is.
    WaitingForMemory,
    /// How many slots of the pool the run holds now: its own plus the jobserver tokens its
    /// processes took (a build's compilers).
    Slots(usize),
    /// A part of the run (a test of a test stage) started or ended: its row follows it.
    Part(Part),
    /// How many parts (tests of a test stage) the run is to run, said before the first
    /// starts: while it runs, its row's detail counts them against how many ended.
    PartsPlanned(u64),
    /// The jobs that depend on this run's job will wait on something outside the machine
    /// whose length nothing here can tell before it starts (a CMake superbuild's download:
    /// a second with a network, 85 s of CMake's back-off without): they start as soon as
    /// they are ready, so that wait overlaps the other work and the estimate hears of it
    /// early, instead of when they come up in their turn near the end.
    DependantsWaitOutside,
    /// The run was taken back before a worker picked it up (`Engine::withdraw`): it never
    /// starts, and no other event of it follows. Sent by `withdraw` itself.
    Withdrawn,
}

/// A part of a run that ends on its own (a test of a test stage), as the run reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Its name, unique within the run (a test's name).
    pub name: String,
    /// Where it is.
    pub status: PartStatus,
    /// Its wall time, once it ended.
    pub elapsed: Option<Duration>,
    /// Its first failure line, when it failed.
    pub error: Option<String>,
    /// Which attempt of it this is, from 1 (a failed part run again under `--retries`).
    pub attempt: u32,
    /// On `Running`: how long it should take from now, by its history; longer marks it slow.
    pub expected: Option<Duration>,
    /// On an end: whether the run will tell this end again, final, once it knows all of it
    /// (a failed test seen on ctest's console, whose error comes from ctest's file). Its row
    /// ends now; only the final end is news (JSON, reports).
    pub provisional: bool,
}

/// Where a [`Part`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStatus {
    /// Started, not ended.
    Running,
    /// Passed.
    Passed,
    /// Failed (or could not run).
    Failed,
    /// Did not run, by its own choice or because it is disabled.
    Skipped,
    /// Cut off by its run's stop (a cancel, the job's timeout, the session quitting) before
    /// it ended: it has no outcome.
    Cancelled,
}

/// What a job says about its run in the detail column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The words shown, e.g. `seed 42`, `3 tests passed` or a configure's `seeded -DX=1`.
    pub text: String,
    /// Whether the run started from a shared seed (JSON `seeded`, for the kinds that report
    /// it).
    pub seeded: bool,
}

impl Detail {
    /// Free text.
    pub fn note(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            seeded: false,
        }
    }

    /// Whether the run started from a shared seed.
    pub fn is_seeded(&self) -> bool {
        self.seeded
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a run ended, with its measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// Success or the kind of failure.
    pub outcome: Outcome,
    /// Wall time from start to end.
    pub elapsed: Duration,
    /// CPU time (user + system) of the child process tree, or of the worker thread for
    /// in-process tasks, where it could be measured.
    pub cpu: Option<Duration>,
    /// One-line reason for a failure, e.g. the first CMake error.
    pub error: Option<String>,
    /// Where the full output of the run was written.
    pub log: Option<PathBuf>,
    /// What the error says and where in the job's own files it points, where known.
    pub diagnosis: Option<Diagnosis>,
    /// Which bytes of the log are the program's own output (see `Report::output`).
    pub output: Option<std::ops::Range<u64>>,
}

/// A failure's message and the place in the job's own files it points at (for a CMake
/// project: the first frame of the call stack inside the project, relative to its folder).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnosis {
    /// The error message alone, without any place.
    pub message: String,
    /// The file, relative to the job's folder.
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<u32>,
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exit status 0, or an in-process task that completed.
    Succeeded,
    /// A non-zero exit status (`code`), a signal (`signal`), or a task that reported an error.
    Failed {
        /// The exit code, if the process exited normally.
        code: Option<i32>,
        /// The signal that ended the process, if one did.
        signal: Option<i32>,
    },
    /// Cancelled by the user or by jobdeck shutting down.
    Cancelled,
    /// Killed because it ran past `--timeout`.
    TimedOut,
    /// The program could not be started.
    SpawnFailed(String),
    /// The job's code panicked; the worker survived.
    Panicked(String),
}

impl Outcome {
    /// Whether the run succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Succeeded)
    }

    /// The process exit code, where there was one.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Outcome::Succeeded => Some(0),
            Outcome::Failed { code, .. } => *code,
            _ => None,
        }
    }
}
