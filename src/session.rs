//! The start and the end of a session, written once for both front ends: the engine, its
//! events and the model at the start; at the end the shutdown, the runs that ended during
//! it, the history, the trace, the warnings and the exit status.

use std::time::Instant;

use crossbeam_channel::Receiver;

use crate::app::{self, Model, Msg, News};
use crate::driver::Driver;
use crate::engine::{EngineEvent, JobId, PoolShort};
use crate::plan::Plan;

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

/// A running session: the engine (through the driver), its events, and the model.
#[derive(Debug)]
pub struct Session {
    /// Carries out the model's effects.
    pub driver: Driver,
    /// The engine's events.
    pub events: Receiver<EngineEvent>,
    /// The state of every job.
    pub model: Model,
}

impl Session {
    /// Starts the pool for `plan`, with one queued row per job. Fails if the OS will not
    /// start every worker thread.
    pub fn start(plan: Plan) -> Result<Self, PoolShort> {
        let (driver, events, model) = Driver::start(plan)?;
        Ok(Self {
            driver,
            events,
            model,
        })
    }

    /// Takes what happened to runs since the last call, appends the ended ones to the
    /// history, and hands each to `report`. Returns a warning if the history could not be
    /// written.
    pub fn take_news(&mut self, mut report: impl FnMut(&News)) -> Option<String> {
        let news = self.model.take_news();
        let warning = self.driver.record(&news);
        news.iter().for_each(&mut report);
        warning
    }

    /// Ends the session: cancels what still runs and waits for it, feeds the runs that
    /// ended meanwhile (and the jobs cancelled before they ran) to the model, the history and
    /// `report`, writes the trace, and says how it ended, with any warnings.
    pub fn finish(mut self, interrupted: bool, mut report: impl FnMut(&News)) -> Finish {
        self.driver.shutdown();
        // The runs still in flight ended during the shutdown, after the loop's last tick.
        // Without a tick first, their time would count as job time but not as active time,
        // and a second Ctrl-C would print a speed-up above the worker count.
        app::update(&mut self.model, Msg::Tick(Instant::now()));
        while let Ok(event) = self.events.try_recv() {
            app::update(&mut self.model, Msg::Engine(event));
        }
        app::update(&mut self.model, Msg::Tick(Instant::now()));
        let mut warnings = Vec::new();
        warnings.extend(self.take_news(&mut report));
        warnings.extend(self.driver.write_trace(&self.model));
        warnings.extend(self.driver.late_warnings());
        let counts = self.model.counts();
        let end = if interrupted {
            End::Interrupted
        } else if counts.ok == counts.total() {
            End::AllSucceeded
        } else {
            End::SomeUnsuccessful
        };
        let unsuccessful = (0..self.model.jobs.len())
            .map(|index| JobId(u32::try_from(index).unwrap_or(u32::MAX)))
            .filter(|&job| self.model.jobs[job.0 as usize].state.is_unsuccessful())
            .map(|job| self.model.record(job))
            .collect();
        Finish {
            end,
            summary: self.model.summary(),
            unsuccessful,
            warnings,
        }
    }
}

/// What a finished session leaves to its front end to print.
#[derive(Debug)]
pub struct Finish {
    /// How it ended.
    pub end: End,
    /// The figures of the summary line.
    pub summary: app::Summary,
    /// The jobs that did not succeed (failed, timed out, cancelled or skipped), in row order.
    pub unsuccessful: Vec<app::RunRecord>,
    /// Problems to show on stderr.
    pub warnings: Vec<String>,
}
