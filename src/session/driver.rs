//! Carries out the model's engine effects for the session's runner, so both front ends
//! start, cancel and resize the same way.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::app::{Effect, JobNode, Model, Msg};
use crate::engine::{EngineConfig, EngineEvent, JobId, PoolShort, WorkItem};
use crate::jobs::{Job, Reload, Warner};
use crate::plan::Plan;
use crate::session::watch::Change;
use crate::session::watch::globs::Globs;

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
    /// The jobs; a project's options (`Effect::SetOptions`) change its configure's spec.
    jobs: RefCell<Vec<Job>>,
    timeout: Option<Duration>,
    /// The folders runs write into, which watch mode ignores.
    written: Vec<PathBuf>,
    /// The watch, while watch mode is on.
    watch: RefCell<Option<crate::session::watch::Watch>>,
    /// Where the watch sends the folders whose files changed.
    changes: (Sender<Change>, Receiver<Change>),
    /// The jobs that watch files by pattern, while watch mode is on.
    globs: RefCell<Globs>,
    /// What the watch could not watch (an unreadable folder), and what a reload did (a
    /// `jobdeck.toml` read again), said as warnings.
    watch_warnings: (Sender<String>, Receiver<String>),
    warners: Vec<Arc<dyn Warner>>,
    /// What gives jobs new commands when their file changed, asked before each run.
    reload: Option<Arc<dyn Reload>>,
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
            jobs: RefCell::new(jobs),
            timeout,
            written: Vec::new(),
            watch: RefCell::new(None),
            changes: crossbeam_channel::unbounded(),
            globs: RefCell::new(Globs::default()),
            watch_warnings: crossbeam_channel::unbounded(),
            warners: Vec::new(),
            reload: None,
        };
        Ok((driver, rx))
    }

    /// Starts a session for `plan`: the pool, its event channel, and a model holding one
    /// queued row per job. The TUI and the headless mode both begin here.
    pub fn start(plan: Plan) -> Result<(Self, Receiver<EngineEvent>, Model), PoolShort> {
        let warners = plan.warners();
        let config = EngineConfig {
            workers: plan.workers,
            // With a launcher the work runs under the launcher's rules: `--slurm` passes the
            // niceness to srun, and jobdeck's own threads keep theirs.
            nice: plan.nice.filter(|_| plan.launcher.is_none()),
            watchdog: plan.watchdog,
            launcher: plan.launcher.clone(),
            slots: plan.slots,
            memory: plan
                .memory
                .clone()
                .map(|gate| (gate, Arc::new(gated_jobs(&plan.jobs)))),
        };
        let launcher_word = plan.launcher.as_ref().map(|launcher| launcher.word());
        // Made one by one as the model takes them: no list of them all.
        let nodes = plan
            .jobs
            .iter()
            .zip(&plan.expected)
            .map(|(job, expected)| JobNode {
                name: job.name.clone(),
                kind: job.spec.kind(),
                stage: job.spec.stage(),
                deps: job.deps.iter().map(|&dep| job_id(dep)).collect(),
                after: job.after.iter().map(|&first| job_id(first)).collect(),
                expected: *expected,
            });
        // The rows take each job's log, folder, options and retries straight from the
        // plan's jobs, before the pool takes them: no list of each for all jobs in between.
        let jobs = &plan.jobs;
        let model = Model::of_nodes(nodes, plan.workers, Instant::now())
            .with_log_paths(jobs.iter().map(|job| job.spec.shared_log()))
            .with_sources(
                jobs.iter()
                    .map(|job| job.spec.source().map(Path::to_path_buf)),
            )
            .with_options(jobs.iter().map(|job| job.spec.options().to_vec()))
            .with_situations(plan.situations.iter().copied())
            .watching(plan.watch)
            .starting_paused(plan.paused)
            .with_nice(plan.nice)
            .with_slot_pool(plan.slots)
            .with_launcher(launcher_word)
            .with_retries(jobs.iter().map(|job| job.spec.retries(plan.retries)))
            .with_flaky_fails(plan.flaky_fails)
            .with_fail_fast(plan.fail_fast)
            .in_name_order(plan.by_name)
            .with_slow(plan.slow);
        let (mut driver, events) = Self::new(plan.jobs, &config, plan.timeout)?;
        driver.warners = warners;
        driver.reload = plan.reload;
        driver.written = plan.written_folders;
        Ok((driver, events, model))
    }

    /// Each job's project and build folders, for a job that has both (`None` for the
    /// others).
    pub fn folders(&self) -> Vec<Option<(PathBuf, PathBuf)>> {
        self.jobs
            .borrow()
            .iter()
            .map(|job| {
                let (source, build) = job.spec.source().zip(job.spec.build_folder())?;
                Some((source.to_path_buf(), build.to_path_buf()))
            })
            .collect()
    }

    /// The folders whose files changed while watch mode is on (debounced).
    pub fn changes(&self) -> Receiver<Change> {
        self.changes.1.clone()
    }

    /// The jobs one of whose watch patterns matches a file of `change`.
    pub fn watching_jobs(&self, change: &Change) -> Vec<JobId> {
        self.globs.borrow().jobs_of(&change.files)
    }

    /// Starts or stops watching every project's folder and the files jobs watch by
    /// pattern. Returns why it could not start.
    fn set_watch(&self, on: bool) -> Option<String> {
        let mut watch = self.watch.borrow_mut();
        if !on {
            *watch = None;
            return None;
        }
        if watch.is_some() {
            return None;
        }
        let globs = Globs::new(
            self.jobs
                .borrow()
                .iter()
                .enumerate()
                .map(|(index, job)| (job_id(index), job.spec.watches())),
        );
        let mut projects: Vec<PathBuf> = self
            .folders()
            .into_iter()
            .flatten()
            .map(|(source, _)| source)
            .chain(globs.roots())
            .collect();
        *self.globs.borrow_mut() = globs;
        projects.sort();
        projects.dedup();
        let mut written = self.written.clone();
        written.extend(self.folders().into_iter().flatten().map(|(_, build)| build));
        let ignored = crate::session::watch::Ignored { folders: written };
        let watch_started = crate::session::watch::Watch::start(
            projects,
            ignored,
            self.changes.0.clone(),
            self.watch_warnings.0.clone(),
        );
        match watch_started {
            Ok(started) => {
                *watch = Some(started);
                None
            }
            Err(err) => Some(format!("cannot watch the project folders: {err}")),
        }
    }

    /// Warnings from the engine, e.g. a niceness that could not be set.
    pub fn warnings(&self) -> Vec<String> {
        self.engine.warnings()
    }

    /// Warnings about what went wrong during the session that were not yet taken: a
    /// watchdog that died, a toolchain probe that failed since the last `new_warnings`.
    pub fn late_warnings(&self) -> Vec<String> {
        let mut warnings = self.engine.late_warnings();
        warnings.extend(self.new_warnings());
        warnings
    }

    /// Warnings made since the last call (a toolchain probe that failed, a folder the watch
    /// cannot read), for every reporter to hear at once.
    pub fn new_warnings(&self) -> Vec<String> {
        let mut warnings: Vec<String> = self
            .warners
            .iter()
            .flat_map(|warner| warner.take_new_warnings())
            .collect();
        warnings.extend(self.watch_warnings.1.try_iter());
        warnings.extend(self.engine.new_notes());
        warnings
    }

    /// Carries out an engine effect. Returns what is left to the caller: the effects that
    /// are its business (`Exit`, `OpenPager`, `Suspend`), untouched, or a message for the
    /// model when the engine could not do what the model asked (the pool could not grow).
    pub fn apply(&self, effect: Effect) -> Option<Followup> {
        match effect {
            Effect::Start { job, run } => {
                if let Some(said) = self
                    .reload
                    .as_ref()
                    .and_then(|reload| reload.reload(&mut self.jobs.borrow_mut()))
                {
                    let _ = self.watch_warnings.0.send(said);
                }
                let (task, timeout) = {
                    let jobs = self.jobs.borrow();
                    let planned = &jobs[job.0 as usize];
                    (planned.task(), planned.spec.timeout(self.timeout))
                };
                self.engine.submit(WorkItem {
                    job,
                    run,
                    timeout,
                    task,
                });
                None
            }
            Effect::SetOptions { job, options } => {
                if let Some(job) = self.jobs.borrow_mut().get_mut(job.0 as usize) {
                    job.spec.set_options(options);
                }
                None
            }
            Effect::SetParts { job, parts } => {
                if let Some(job) = self.jobs.borrow_mut().get_mut(job.0 as usize) {
                    job.spec.set_parts(parts);
                }
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
            Effect::SetWatch(on) => self
                .set_watch(on)
                .map(|error| Followup::Update(Msg::WatchFailed(error))),
            other @ (Effect::Exit
            | Effect::Copy(_)
            | Effect::OpenPager { .. }
            | Effect::OpenEditor { .. }
            | Effect::Suspend) => Some(Followup::Effect(other)),
        }
    }

    /// Cancels every run, waits for their process groups to be gone, and joins the workers.
    pub fn shutdown(&self) {
        self.engine.shutdown();
    }
}

/// The jobs the memory gate holds back: builds and tests (a configure needs little).
fn gated_jobs(jobs: &[Job]) -> std::collections::HashSet<JobId> {
    jobs.iter()
        .enumerate()
        .filter(|(_, job)| job.spec.needs_memory())
        .map(|(index, _)| job_id(index))
        .collect()
}

fn job_id(index: usize) -> JobId {
    JobId(u32::try_from(index).expect("fewer than 4 billion jobs"))
}
