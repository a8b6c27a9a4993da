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
    /// A job-specific note for the detail column: free text, or a configure's typed state.
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
    /// How many compilers the run's build may run now: its own slot plus the tokens it
    /// holds from the pool of slots.
    Compilers(usize),
    /// The run was taken back before a worker picked it up (`Engine::withdraw`): it never
    /// starts, and no other event of it follows. Sent by `withdraw` itself.
    Withdrawn,
}

/// What a job says about its run in the detail column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Free text, e.g. `seed 42` or `3 tests passed`.
    Note(String),
    /// How a configure's build folder was prepared before cmake ran.
    Prepared(Preparation),
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Detail::Note(text) => f.write_str(text),
            Detail::Prepared(preparation) => preparation.fmt(f),
        }
    }
}

impl Detail {
    /// Whether this says a configure's build folder was seeded from the toolchain probe.
    pub fn is_seeded(&self) -> bool {
        matches!(self, Detail::Prepared(p) if p.folder == Folder::Seeded)
    }
}

/// A configure's build folder as cmake found it, and the project's own `-D` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preparation {
    /// What the folder held (or was given) before cmake ran.
    pub folder: Folder,
    /// The project's own options (`VAR=VALUE`), after the session's.
    pub options: Vec<String>,
    /// Why a fresh folder was not seeded, when jobdeck tried to and cmake said no.
    pub not_seeded: Option<NotSeeded>,
}

/// Why a fresh build folder ended unseeded although the probe had a seed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSeeded {
    /// cmake found, where its compiler detection starts, a state other than the probe's: a
    /// compiler, toolchain file, search path, system or environment chosen by the project,
    /// its options or its environment. The folder was configured again without a seed.
    ToolchainDiffers,
}

impl NotSeeded {
    /// The words shown after `fresh` (detail column, JSON `detail`).
    pub fn as_str(self) -> &'static str {
        match self {
            NotSeeded::ToolchainDiffers => "toolchain chosen by the project",
        }
    }
}

/// What a configure's build folder held before cmake ran: the words of the detail column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// No cache: cmake detects the toolchain itself.
    Fresh,
    /// A cache from an earlier configure.
    Cached,
    /// No cache, but seeded with the toolchain probe's detection.
    Seeded,
}

impl Folder {
    /// The word of the public contract (detail column, JSON `detail`).
    pub fn as_str(self) -> &'static str {
        match self {
            Folder::Fresh => "fresh",
            Folder::Cached => "cached",
            Folder::Seeded => "seeded",
        }
    }
}

impl std::fmt::Display for Preparation {
    /// `seeded`, or with options `seeded -DX=1 -DY=2`; a folder cmake would not let be
    /// seeded says why: `fresh (toolchain chosen by the project)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.folder.as_str())?;
        if let Some(why) = self.not_seeded {
            write!(f, " ({})", why.as_str())?;
        }
        for option in &self.options {
            write!(f, " -D{option}")?;
        }
        Ok(())
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
