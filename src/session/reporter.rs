//! What the runner tells its reporters, and the trait they implement.
//!
//! Every output of a session is a reporter fed from the same events, in the order the runner
//! sees them: a run started or finished, a warning, a turn of the loop (for what redraws
//! itself), and the end of the session with its summary. A reporter that cannot write says
//! so with a [`Problem`], and the runner decides what that means for the session.

use std::io;

use crate::app::{Model, RunRecord, Summary};
use crate::session::{CommandLine, End};

/// Something that happened in a session.
#[derive(Debug)]
pub enum Event<'a> {
    /// The session began: every job is a queued row.
    Began,
    /// A worker picked a run up.
    RunStarted(&'a RunRecord),
    /// A run ended, or its job was cancelled or skipped before it ran.
    RunFinished(&'a RunRecord),
    /// A run failed or timed out and its job runs again (`--retries`): the failed attempt.
    RunRetried(&'a RunRecord),
    /// A part of a run (a test of a test stage) ended: the run as it is, and the part.
    PartFinished(&'a RunRecord, &'a crate::app::PartRow),
    /// Something went wrong that does not stop the session (a history that cannot be
    /// written, a toolchain probe that failed, a watch that could not start).
    Warning(&'a str),
    /// A turn of the loop ended: what shows live figures may redraw them.
    Turned,
    /// The session ended: nothing runs any more.
    Ended(&'a Ending<'a>),
}

/// How a session ended, with what every reporter needs to say so.
#[derive(Debug)]
pub struct Ending<'a> {
    /// How it ended, for the exit status.
    pub end: End,
    /// A signal stopped it.
    pub interrupted: bool,
    /// An output of the session was lost (stdout closed, the terminal gone): no summary is
    /// printed after it.
    pub output_lost: bool,
    /// The figures of the summary line.
    pub summary: &'a Summary,
    /// The jobs that did not succeed (failed, timed out, cancelled or skipped), in row order.
    pub unsuccessful: &'a [RunRecord],
    /// How the session was started.
    pub command: &'a CommandLine,
}

/// Why a reporter could not do all it was told.
#[derive(Debug)]
pub enum Problem {
    /// It could not do its part, and the user should know (the runner passes it on to every
    /// reporter as a [`Event::Warning`]); the session goes on.
    Warning(String),
    /// Its output is gone (stdout closed, the terminal lost): it hears nothing more, and the
    /// session stops as soon as it can.
    Lost(io::Error),
}

/// One output of a session.
///
/// Adding an output means implementing this and adding the reporter to the list the front
/// end hands to [`crate::session::Session::run`].
pub trait Reporter {
    /// Takes in one event; `model` is the session's state after it.
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem>;
}
