//! The process job: what every job that runs a program shares (configure, build, test).
//!
//! A kind plugs in only its command, the name of its tool for messages, what to do when the
//! program is missing, and how to read the first error from its log; rotating the log,
//! running the process (`engine::process`, with the command line at the top of the log and
//! how it ended at the bottom), and turning a failure into a one-line error are the same for
//! all of them. So is the launcher
//! (`--launcher`, `--slurm`): every process job's command goes through it.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::engine::ending::{Voice, describe};
use crate::engine::{Diagnosis, Outcome, Report, RunCtx, process};

use super::{log_files, summaries};

/// Reads a failed run's log: its one-line summary, and what it says and where, if it can.
pub type FirstError<'a> = dyn Fn(&Path) -> Option<(String, Option<Diagnosis>)> + 'a;

/// A program run as a job.
pub struct ProcessJob<'a> {
    /// The command line.
    pub command: Command,
    /// Where its log goes (the earlier ones are rotated).
    pub log: &'a Path,
    /// How messages name what ran: `cmake`, `cmake --build`, `ctest`.
    pub tool: &'a str,
    /// What to do when the program is not found (the kind's: cmake says how to install
    /// CMake).
    pub install: &'a str,
    /// Reads the one-line summary of a failure from the log, and where it points, if it can.
    pub first_error: &'a FirstError<'a>,
}

impl ProcessJob<'_> {
    /// Runs the program and reports the outcome, with a one-line error for a failure.
    pub fn run(self, ctx: &mut RunCtx) -> Report {
        if let Err(err) = log_files::make_room(self.log) {
            return Report::failure(format!("cannot write log {}: {err}", self.log.display()));
        }
        let (command, launcher) = match ctx.launcher() {
            Some(launcher) => (
                launcher.wrap(&self.command, ctx.label()),
                Some(launcher.program().to_os_string()),
            ),
            None => (self.command, None),
        };
        let program = command.get_program().to_os_string();
        let mut report = process::run(command, self.log, ctx);
        let outcome = report.outcome.clone();
        report.error = match &report.outcome {
            Outcome::Succeeded | Outcome::Cancelled | Outcome::TimedOut => report.error,
            Outcome::SpawnFailed(reason) if launcher.is_some() => {
                Some(launcher_spawn_error(&program, reason))
            }
            Outcome::SpawnFailed(reason) => Some(spawn_error(&program, reason, self.install)),
            Outcome::Failed { .. } => report
                .error
                .or_else(|| {
                    let (summary, diagnosis) = (self.first_error)(self.log)?;
                    report.diagnosis = diagnosis;
                    Some(summary)
                })
                .or_else(|| {
                    let launcher = launcher.as_deref()?;
                    summaries::first_launcher_error(self.log, launcher)
                        .or_else(|| silent_launcher_error(self.log, launcher, self.tool, &outcome))
                })
                .or_else(|| describe(&report.outcome, None, Voice::Tool(self.tool))),
            Outcome::Panicked(_) => describe(&report.outcome, None, Voice::Tool(self.tool)),
        };
        report
    }
}

/// The message for a program that could not be started, naming the program and the fix.
fn spawn_error(program: &OsStr, reason: &str, install: &str) -> String {
    let program = program.to_string_lossy();
    if reason.contains("No such file") || reason.contains("not found") {
        format!("cannot run `{program}`: not found. {install}")
    } else {
        format!("cannot run `{program}`: {reason}")
    }
}

/// The message for a launched run that failed without a line of output: the tool prints
/// something whenever it runs (cmake at least its first `--` line or its error), so it most
/// likely never started, and the status is the launcher's (`--launcher false`), not the
/// tool's.
fn silent_launcher_error(
    log: &Path,
    launcher: &OsStr,
    tool: &str,
    outcome: &Outcome,
) -> Option<String> {
    // The log holds the command line, then jobdeck's own last line: nothing else came.
    let said_something = summaries::lines(log)?
        .skip(1)
        .any(|line| !line.is_empty() && !line.starts_with("jobdeck: "));
    if said_something {
        return None;
    }
    let launcher = format!("the launcher `{}`", launcher.to_string_lossy());
    let ending = describe(outcome, None, Voice::Tool(&launcher))?;
    Some(format!(
        "{ending} and `{tool}` printed nothing: it may never have started (check --launcher)"
    ))
}

/// The message for a launcher that could not be started: the launcher is what is missing,
/// not the tool.
fn launcher_spawn_error(program: &OsStr, reason: &str) -> String {
    let program = program.to_string_lossy();
    if reason.contains("No such file") || reason.contains("not found") {
        format!(
            "cannot run the launcher `{program}`: not found. Install it, or check --launcher \
             (--slurm needs Slurm's srun on PATH)"
        )
    } else {
        format!("cannot run the launcher `{program}`: {reason}")
    }
}
