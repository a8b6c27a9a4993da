//! Carries out the model's engine effects. Shared by the TUI and the headless mode, so both
//! start, cancel and resize the same way.

use std::time::Duration;

use crossbeam_channel::Receiver;

use crate::app::Effect;
use crate::engine::{EngineConfig, EngineEvent, WorkItem};
use crate::jobs::Job;

/// The engine plus the job specs the model's `JobId`s point into.
#[derive(Debug)]
pub struct Driver {
    engine: crate::engine::Engine,
    jobs: Vec<Job>,
    timeout: Option<Duration>,
}

impl Driver {
    /// Starts the worker pool; its events arrive on the returned receiver.
    pub fn new(
        jobs: Vec<Job>,
        config: &EngineConfig,
        timeout: Option<Duration>,
    ) -> (Self, Receiver<EngineEvent>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let engine = crate::engine::Engine::new(config, tx);
        (
            Self {
                engine,
                jobs,
                timeout,
            },
            rx,
        )
    }

    /// The jobs, indexed by `JobId`.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// Warnings from the engine, e.g. a niceness that could not be set.
    pub fn warnings(&self) -> Vec<String> {
        self.engine.warnings()
    }

    /// Carries out an engine effect. Returns the effects that are the caller's business
    /// (`Exit`, `OpenPager`), untouched.
    pub fn apply(&self, effect: Effect) -> Option<Effect> {
        match effect {
            Effect::Start { job, run } => {
                let spec = &self.jobs[job.0 as usize].spec;
                self.engine.submit(WorkItem {
                    job,
                    run,
                    timeout: self.timeout,
                    task: spec.task(),
                });
                None
            }
            Effect::Cancel(run) => {
                self.engine.cancel(run);
                None
            }
            Effect::SetWorkers(count) => {
                self.engine.set_workers(count);
                None
            }
            other @ (Effect::Exit | Effect::OpenPager(_)) => Some(other),
        }
    }

    /// Cancels every run, waits for their process groups to be gone, and joins the workers.
    pub fn shutdown(&self) {
        self.engine.shutdown();
    }
}
