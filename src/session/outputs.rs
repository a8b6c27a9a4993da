//! The small reporters: warnings on stderr, and the run history. The others have files of
//! their own: plain and JSON lines (`lines`), the progress line (`progress`), the trace
//! (`trace`) and the exit recap (`recap`).

use std::time::SystemTime;

use crate::app::Model;
use crate::engine::JobId;
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
    /// Appends every job as queued when the session begins, then every run that ended, as
    /// it ends: if jobdeck is killed, only the runs in flight are lost, and those and the
    /// jobs that never started stay `queued`, not successes.
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        match event {
            Event::Began => {
                let queued = (0..model.jobs.len())
                    .filter_map(|index| u32::try_from(index).ok())
                    .map(|index| model.record(JobId(index)));
                self.append_queued(queued, SystemTime::now())
            }
            Event::RunFinished(record) => self.append(record, SystemTime::now()),
            _ => None,
        }
        .map_or(Ok(()), |warning| Err(Problem::Warning(warning)))
    }
}
