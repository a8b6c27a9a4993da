//! The command kind: any program, as GNU parallel, xargs and mprocs users give it (a
//! template with `:::`, a file of command lines, or a `jobdeck.toml`). One command is one
//! job: a process with its own log, the session's launcher and timeout, and the pool's make
//! jobserver in its environment, so `make`, `cmake --build` and cargo inside it share the
//! `-j` slots.

mod errors;

use std::any::Any;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::ending::{Voice, describe};
use crate::engine::token_pipe::TokenPipe;
use crate::engine::{Outcome, Report, RunCtx};
use crate::jobs::process_job::ProcessJob;
use crate::jobs::{JobKind, JobSpec, Kind, Tone, Tool, Work};

pub use errors::first_error;

/// The kind of a command job.
pub const KIND: JobKind = JobKind::of(&Commands);

/// The shell that runs a command line.
const SHELL: &str = "/bin/sh";

/// What to do when a command's program is not found.
pub const INSTALL: &str = "check the command's spelling and PATH";

/// What every command job has in common.
struct Commands;

impl Kind for Commands {
    fn word(&self) -> &'static str {
        "command"
    }

    fn tone(&self, line: &str) -> Tone {
        errors::tone(line)
    }

    fn live_output_as_detail(&self) -> bool {
        true
    }

    fn cause_text<'a>(&self, message: &'a str) -> &'a str {
        errors::without_shell_prefix(message)
    }
}

/// What a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// A command line, run by `/bin/sh -c` (a template's, a file's line, a toml `cmd`
    /// string).
    Shell(String),
    /// A program and its arguments, run as they are (a toml `cmd` array).
    Argv(Vec<OsString>),
}

/// One command job.
#[derive(Debug, Clone)]
pub struct CommandJob {
    /// What it runs.
    pub program: Program,
    /// Where each run writes its log (shared with its row: see `Work::shared_log`).
    pub log: Arc<Path>,
    /// What a `jobdeck.toml` job sets beside its command; `None` for a template's or a
    /// file's command line, which sets none of it (a job 48 bytes, not 144: 100,000
    /// commands, 10 MB).
    pub settings: Option<Box<Settings>>,
}

/// A command job's folder, environment, limits and watch patterns, as a `jobdeck.toml`
/// sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The folder it runs in (`None`: jobdeck's own).
    pub cwd: Option<PathBuf>,
    /// Variables added to its environment, in order.
    pub env: Vec<(String, String)>,
    /// Its own time limit (a `jobdeck.toml`'s `timeout`), over the session's `--timeout`.
    pub timeout: Option<Duration>,
    /// How many times a failed run is run again (a `jobdeck.toml`'s `retries`), over the
    /// session's `--retries`.
    pub retries: Option<u32>,
    /// Absolute glob patterns of the files whose change re-runs it in watch mode (a
    /// `jobdeck.toml`'s `watch`).
    pub watch: Vec<String>,
}

impl CommandJob {
    /// A shell command line run in jobdeck's folder, logged at `log`.
    pub fn shell(line: impl Into<String>, log: impl Into<Arc<Path>>) -> Self {
        Self {
            program: Program::Shell(line.into()),
            log: log.into(),
            settings: None,
        }
    }

    /// Its folder, environment, limits and watch patterns (all unset without settings).
    pub fn settings(&self) -> &Settings {
        static NONE: Settings = Settings {
            cwd: None,
            env: Vec::new(),
            timeout: None,
            retries: None,
            watch: Vec::new(),
        };
        self.settings.as_deref().unwrap_or(&NONE)
    }

    /// The spec of this job.
    pub fn spec(self) -> JobSpec {
        JobSpec::new(self)
    }

    /// The process it starts.
    pub fn command(&self) -> Command {
        let mut command = match &self.program {
            Program::Shell(line) => {
                // By its path, as system(3) runs it: no search of PATH (eight failed execs
                // per job with a long one) in every job.
                let mut command = Command::new(SHELL);
                command.arg("-c").arg(line);
                command
            }
            Program::Argv(argv) => {
                let mut command =
                    Command::new(argv.first().map_or_else(OsString::new, Clone::clone));
                command.args(argv.iter().skip(1));
                command
            }
        };
        let settings = self.settings();
        if let Some(cwd) = &settings.cwd {
            command.current_dir(cwd);
        }
        command.envs(settings.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

impl Work for CommandJob {
    fn kind(&self) -> JobKind {
        KIND
    }

    fn log(&self) -> &Path {
        &self.log
    }

    fn shared_log(&self) -> Arc<Path> {
        Arc::clone(&self.log)
    }

    fn run(&self, ctx: &mut RunCtx) -> Report {
        let mut command = self.command();
        // Held until the command's processes are gone: every slot it took comes back.
        let _joined = join_jobserver(&mut command, ctx);
        let folder = self.settings().cwd.clone();
        let first = move |log: &Path| first_error(log, folder.as_deref());
        let mut report = ProcessJob {
            command,
            log: &self.log,
            tool: "the command",
            install: INSTALL,
            first_error: &first,
        }
        .run(ctx);
        // The engine's words would name --timeout, which did not set this limit.
        if self.settings().timeout.is_some()
            && report.outcome == Outcome::TimedOut
            && report.error.is_none()
        {
            report.error = describe(&report.outcome, ctx.timeout(), Voice::Log)
                .map(|ending| format!("{ending} (its timeout in jobdeck.toml)"));
        }
        report
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn source(&self) -> Option<&Path> {
        self.settings().cwd.as_deref()
    }

    fn timeout(&self) -> Option<Duration> {
        self.settings().timeout
    }

    fn retries(&self) -> Option<u32> {
        self.settings().retries
    }

    fn watches(&self) -> &[String] {
        &self.settings().watch
    }

    /// A command is any program, as heavy as a build: `--mem-free` holds it back too.
    fn needs_memory(&self) -> bool {
        true
    }

    fn command_text(&self) -> Option<String> {
        Some(match &self.program {
            Program::Shell(line) => line.clone(),
            Program::Argv(argv) => {
                shell_words::join(argv.iter().map(|word| word.to_string_lossy()))
            }
        })
    }

    fn tool(&self) -> Option<Tool> {
        let program = match &self.program {
            Program::Shell(_) => OsString::from(SHELL),
            Program::Argv(argv) => argv.first().cloned().unwrap_or_default(),
        };
        Some(Tool {
            program,
            install: INSTALL,
        })
    }
}

/// Gives `command` the pool's make jobserver (the inherited pipe, which GNU make and cargo
/// join), so what it runs in parallel takes slots of `-j`; nothing without a pool (a
/// launcher).
fn join_jobserver(command: &mut Command, ctx: &mut RunCtx) -> Option<crate::engine::slots::Joined> {
    let slots = Arc::clone(ctx.slots()?);
    match TokenPipe::pipe() {
        Ok(pipe) => {
            let joined = slots.join(pipe, ctx.compiler_report());
            ctx.inherit(slots.configure(&joined, command));
            Some(joined)
        }
        Err(err) => {
            ctx.detail(format!("no jobserver: {err}"));
            None
        }
    }
}
