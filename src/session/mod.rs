//! A session, written once for both front ends: it starts the engine and the model, runs
//! the one loop that feeds the model and carries out its effects ([`runner`]), and hands
//! what happens to a list of [`Reporter`]s: plain lines, JSON lines, the progress line, the
//! history, the Chrome trace, the warnings, the exit recap, the jobs' own output of a
//! `jobdeck run` (`job_output`) and the CI reports (`reports/`). The TUI is a
//! [`Frontend`]: an input source that draws, with the pager, the editor and the clipboard as
//! its business.
//!
//! This is nextest's runner/reporter split: the runner only says what happened, and adding
//! an output (`JUnit` XML, CI annotations) means adding one reporter.

pub mod driver;
pub mod job_output;
pub mod lines;
pub mod outputs;
pub mod progress;
pub mod recap;
pub mod reporter;
pub mod reports;
mod runner;
pub mod trace;
pub mod watch;

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

use crossbeam_channel::Receiver;

use crate::app::Model;
use crate::engine::{EngineEvent, PoolShort};
use crate::plan::{OutputOrder, Plan};
use crate::session::driver::Driver;
pub use reporter::{Ending, Event, Problem, Reporter};
pub use runner::{Frontend, Unattended};

/// How a session ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Every job succeeded (exit 0).
    AllSucceeded,
    /// Some job failed, was cancelled, timed out or was skipped (exit 1).
    SomeUnsuccessful,
    /// A signal stopped the run (exit 130).
    Interrupted,
    /// The reader of stdout went away (`| head`): stopped quietly, as `SIGPIPE` would
    /// (exit 141).
    OutputClosed,
}

impl End {
    /// The process exit status of the public contract.
    pub fn exit_code(self) -> u8 {
        match self {
            End::AllSucceeded => 0,
            End::SomeUnsuccessful => 1,
            End::Interrupted => 130,
            End::OutputClosed => 141,
        }
    }
}

/// The command line a session was started with, given once by `main`: the recap's re-run
/// command is made from it.
#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    /// The arguments, the program first.
    pub args: Vec<OsString>,
    /// The session runs the demo (`--demo`), whose build root is removed at exit.
    pub demo: bool,
}

/// A running session: the engine (through the driver), its events, and the model.
#[derive(Debug)]
pub struct Session {
    /// Carries out the model's engine effects.
    pub driver: Driver,
    /// The engine's events.
    pub events: Receiver<EngineEvent>,
    /// The state of every job.
    pub model: Model,
    /// How the session was started.
    pub command: CommandLine,
    /// The run history every finished run is appended to.
    history: PathBuf,
    /// Where to write a Chrome trace at the end, if asked.
    trace: Option<PathBuf>,
    /// The CI reports to write at the end (`--junit`, `--annotations`, `--report`).
    reports: crate::plan::Reports,
    /// `jobdeck run`: the order its jobs' output comes on stdout (see `Plan::job_output`).
    job_output: Option<OutputOrder>,
    /// The plan's warnings as the live table says them when it opens (see
    /// [`Session::take_start_notice`]).
    notice: Option<String>,
}

impl Session {
    /// Starts the pool for `plan`, with one queued row per job. Fails if the OS will not start
    /// every worker thread.
    pub fn start(plan: Plan) -> Result<Self, PoolShort> {
        let command = CommandLine {
            args: plan.command_line.clone(),
            demo: plan.demo,
        };
        let history = plan.history.clone();
        let trace = plan.trace.clone();
        let reports = plan.reports.clone();
        let job_output = plan.job_output;
        let notice = start_notice(&plan.warnings);
        let (driver, events, model) = Driver::start(plan)?;
        Ok(Self {
            driver,
            events,
            model,
            command,
            history,
            trace,
            reports,
            job_output,
            notice,
        })
    }

    /// What the live table says as it opens: the plan's warnings, printed before it took
    /// the screen (taken: said once).
    pub fn take_start_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    /// `jobdeck run`: stdout carries the jobs' own output in this order, and jobdeck's own
    /// lines go to stderr. `None`: stdout has jobdeck's lines.
    pub fn job_output(&self) -> Option<OutputOrder> {
        self.job_output
    }

    /// Runs the session to its end with `frontend` as the input source (or [`Unattended`])
    /// and `reporters` told of everything that happens, in their order, after the session's
    /// own records (the history, the trace) and before the CI reports (`JUnit`, annotations,
    /// HTML), which so come after the front end's last words. `signals` delivers SIGINT, SIGQUIT, SIGTERM and
    /// SIGHUP: each ends the session as interrupted, and every reporter still sees its end,
    /// with what ran.
    pub fn run<F: Frontend>(
        self,
        frontend: F,
        reporters: Vec<Box<dyn Reporter>>,
        signals: &Receiver<i32>,
    ) -> io::Result<End> {
        let mut all: Vec<Box<dyn Reporter>> = vec![Box::new(
            crate::records::history::History::open(self.history.clone()),
        )];
        if let Some(path) = &self.trace {
            all.push(Box::new(trace::Trace::new(path.clone())));
        }
        all.extend(reporters);
        all.extend(reports::reporters(&self.reports));
        runner::Runner::new(self, frontend, all, signals).run()
    }
}

/// What the live table says of the plan's warnings as it opens: they were printed before
/// it took the screen, where nobody sees them until it quits (an unreadable folder left
/// out, values a linked source left out).
fn start_notice(warnings: &[String]) -> Option<String> {
    let first = warnings.first()?;
    Some(match warnings.len() {
        1 => format!("warning: {first}"),
        n => format!(
            "warning: {first} (and {} more, shown in the shell when the table quits)",
            n - 1
        ),
    })
}

#[cfg(test)]
mod tests;
