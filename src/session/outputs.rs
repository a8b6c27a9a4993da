//! The small reporters: warnings on stderr, and the run history. The others have files of
//! their own: plain and JSON lines (`lines`), the progress line (`progress`), the trace
//! (`trace`) and the exit recap (`recap`).

use std::time::SystemTime;

use crate::app::Model;
use crate::records::history::History;
use crate::session::{Event, Problem, Reporter};
use crate::sys::text::warn;

/// Prints every warning as `jobdeck: warning: …` on stderr: at once, or (under a full-screen
/// UI, where it shows as a notice meanwhile) when the session ends and the terminal is the
/// shell's again.
#[derive(Debug, Default)]
pub struct Warnings {
    at_exit: bool,
    held: Vec<String>,
    ended: bool,
}

impl Warnings {
    /// Prints each warning as it comes.
    pub fn at_once() -> Self {
        Self::default()
    }

    /// Holds the warnings until the session ends.
    pub fn at_exit() -> Self {
        Self {
            at_exit: true,
            ..Self::default()
        }
    }
}

impl Reporter for Warnings {
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        match event {
            Event::Warning(warning) if self.at_exit && !self.ended => {
                self.held.push((*warning).to_string());
            }
            Event::Warning(warning) => warn(warning),
            Event::Ended(_) => {
                self.ended = true;
                self.held.drain(..).for_each(|warning| warn(&warning));
            }
            _ => {}
        }
        Ok(())
    }
}

impl Reporter for History {
    /// Appends every run that ended to the history, as it ends: if jobdeck is killed, only
    /// the runs in flight are lost.
    fn report(&mut self, event: &Event<'_>, _: &Model) -> Result<(), Problem> {
        match event {
            Event::RunFinished(record) => self
                .append(record, SystemTime::now())
                .map_or(Ok(()), |warning| Err(Problem::Warning(warning))),
            _ => Ok(()),
        }
    }
}
