//! Carries out the model's engine effects. Shared by the TUI and the headless mode, so both
//! start, cancel and resize the same way.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Receiver;

use crate::app::{Effect, JobNode, Model, Msg, News};
use crate::engine::{EngineConfig, EngineEvent, JobId, PoolShort, WorkItem};
use crate::history::History;
use crate::jobs::Job;
use crate::jobs::probe::Probes;
use crate::plan::Plan;

/// What carrying out an effect leaves to the loop.
#[derive(Debug)]
pub enum Followup {
    /// An effect that is the loop's own business (`Exit`, `OpenPager`).
    Effect(Effect),
    /// A message to update the model with.
    Update(Msg),
}

/// The engine plus the job specs the model's `JobId`s point into.
#[derive(Debug)]
pub struct Driver {
    engine: crate::engine::Engine,
    jobs: Vec<Job>,
    timeout: Option<Duration>,
    history: Option<RefCell<History>>,
    trace: Option<PathBuf>,
    probes: Option<Arc<Probes>>,
}

impl Driver {
    /// Starts the worker pool; its events arrive on the returned receiver. Fails if the OS
    /// will not start every worker thread.
    pub fn new(
        jobs: Vec<Job>,
        config: &EngineConfig,
        timeout: Option<Duration>,
    ) -> Result<(Self, Receiver<EngineEvent>), PoolShort> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let engine = crate::engine::Engine::new(config, tx)?;
        let driver = Self {
            engine,
            jobs,
            timeout,
            history: None,
            trace: None,
            probes: None,
        };
        Ok((driver, rx))
    }

    /// Appends every finished run to the history file at `history`, and writes a Chrome
    /// trace to `trace` when the session ends.
    #[must_use]
    pub fn with_records(mut self, history: Option<PathBuf>, trace: Option<PathBuf>) -> Self {
        self.history = history.map(|path| RefCell::new(History::open(path)));
        self.trace = trace;
        self
    }

    /// Appends the runs in `news` that ended to the history. Returns a warning the first
    /// time the history cannot be written.
    pub fn record(&self, news: &[News]) -> Option<String> {
        let history = self.history.as_ref()?;
        let now = SystemTime::now();
        let mut history = history.borrow_mut();
        news.iter()
            .filter_map(|news| match news {
                News::Finished(record) => history.append(record, now),
                News::Started(_) => None,
            })
            .last()
    }

    /// Writes the trace, if one was asked for. Returns a warning if it could not be written.
    pub fn write_trace(&self, model: &Model) -> Option<String> {
        let path = self.trace.as_ref()?;
        crate::trace::write_trace(model, path)
            .err()
            .map(|err| format!("cannot write the trace {}: {err}", path.display()))
    }

    /// Starts a session for `plan`: the pool, its event channel, and a model holding one
    /// queued row per job. The TUI and the headless mode both begin here.
    pub fn start(plan: Plan) -> Result<(Self, Receiver<EngineEvent>, Model), PoolShort> {
        let config = EngineConfig {
            workers: plan.workers,
            nice: plan.nice,
            watchdog: plan.watchdog,
        };
        let nodes: Vec<JobNode> = plan
            .jobs
            .iter()
            .zip(&plan.expected)
            .map(|(job, expected)| JobNode {
                name: job.name.clone(),
                kind: job.spec.kind(),
                stage: job.spec.stage(),
                deps: job.deps.iter().map(|&dep| job_id(dep)).collect(),
                expected: *expected,
            })
            .collect();
        let logs: Vec<PathBuf> = plan.jobs.iter().map(|job| job.spec.log().into()).collect();
        let (mut driver, events) = Self::new(plan.jobs, &config, plan.timeout)?;
        driver.probes = plan.probes;
        let driver = driver.with_records(Some(plan.history), plan.trace);
        let model = Model::new(nodes, plan.workers, Instant::now())
            .with_log_paths(logs)
            .starting_paused(plan.paused)
            .with_nice(plan.nice);
        Ok((driver, events, model))
    }

    /// Each job's project and build folders, for a CMake job (`None` for the others).
    pub fn folders(&self) -> Vec<Option<(PathBuf, PathBuf)>> {
        self.jobs
            .iter()
            .map(|job| match &job.spec {
                crate::jobs::JobSpec::Cmake { job, .. } => {
                    Some((job.source.clone(), job.build_dir.clone()))
                }
                crate::jobs::JobSpec::Words { .. } => None,
            })
            .collect()
    }

    /// Warnings from the engine, e.g. a niceness that could not be set.
    pub fn warnings(&self) -> Vec<String> {
        self.engine.warnings()
    }

    /// Warnings about what went wrong during the session, e.g. a watchdog that died or a
    /// toolchain probe that failed.
    pub fn late_warnings(&self) -> Vec<String> {
        let mut warnings = self.engine.late_warnings();
        warnings.extend(self.probes.iter().flat_map(|probes| probes.warnings()));
        warnings
    }

    /// Warnings made since the last call, for the live table to show at once (a toolchain
    /// probe that failed); `late_warnings` still has them.
    pub fn new_warnings(&self) -> Vec<String> {
        self.probes
            .iter()
            .flat_map(|probes| probes.take_new_warnings())
            .collect()
    }

    /// Carries out an engine effect. Returns what is left to the caller: the effects that
    /// are its business (`Exit`, `OpenPager`, `Suspend`), untouched, or a message for the
    /// model when the engine could not do what the model asked (the pool could not grow).
    pub fn apply(&self, effect: Effect) -> Option<Followup> {
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
            Effect::Withdraw { job, run } => {
                self.engine.withdraw(job, run);
                None
            }
            Effect::SetWorkers(count) => self.engine.set_workers(count).err().map(|short| {
                Followup::Update(Msg::PoolShort {
                    workers: short.workers,
                    error: short.to_string(),
                })
            }),
            other @ (Effect::Exit | Effect::OpenPager { .. } | Effect::Suspend) => {
                Some(Followup::Effect(other))
            }
        }
    }

    /// Cancels every run, waits for their process groups to be gone, and joins the workers.
    pub fn shutdown(&self) {
        self.engine.shutdown();
    }
}

fn job_id(index: usize) -> JobId {
    JobId(u32::try_from(index).expect("fewer than 4 billion jobs"))
}
