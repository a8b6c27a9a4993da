//! The whole app state: the model and its owned parts, with the read-only questions the
//! front ends ask of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::activity::Activity;
use super::scheduler::{Scheduler, job_id};
use super::{Effect, JobNode, JobRow, News, RunRecord, ShortNames, UiState};
use crate::engine::{JobId, RunId, WorkerId};

/// The whole app state.
#[derive(Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent UI switches, not a state machine"
)]
pub struct Model {
    /// Every job, indexed by `JobId`. Read it freely; change a row only through
    /// `row_mut`, which keeps `counts` and `kept_causes` up to date.
    pub jobs: Vec<JobRow>,
    /// Jobs per state, kept as rows change (`row_mut.rs`): the header's counts without a
    /// pass over every row a frame.
    pub(super) counts: super::Counts,
    /// Each job's cause and the jobs per cause, kept as rows change (`kept_causes.rs`): the
    /// causes panel without a pass over every row a frame.
    pub(super) kept_causes: super::kept_causes::KeptCauses,
    /// The timeline's cells of the finished runs, kept as runs end while it is open
    /// (`timeline.rs`): a frame does not lay every run of the session again.
    pub(super) kept_timeline: Option<super::timeline::KeptTimeline>,
    /// The estimate of the time left as last made, and when (`progress.rs`): made once a
    /// second of the clock, not on every frame or key.
    pub(super) kept_estimate: Option<super::progress::KeptEstimate>,
    /// The job graph, the ready queue and the runs in flight (`scheduler/`).
    pub(super) scheduler: Scheduler,
    /// Whether a quit is under way: everything was cancelled and the loop exits once idle.
    pub quitting: bool,
    /// Whether `ForceQuit` (Ctrl-C, or a signal) stopped work that had not ended: the
    /// session ends interrupted (exit 130), in the live table as headless.
    pub interrupted: bool,
    /// The latest clock reading.
    pub now: Instant,
    /// When the session started.
    pub started_at: Instant,
    /// Niceness jobs run at, shown in the header.
    pub nice: Option<i32>,
    /// Where process jobs run when a launcher is in use (`slurm`, `ssh`), shown in the
    /// header; their CPU time is then unknown.
    pub launcher: Option<String>,
    /// Whether runs share a pool of compile slots (jobdeck as the builds' jobserver): the
    /// header then shows the slots in use.
    pub slot_pool: bool,
    /// What the workers did and the session's time figures (`activity.rs`).
    pub activity: Activity,
    /// What the TUI shows: selection, filter, search, scroll offsets, the log pane, and what
    /// has the keyboard (`ui_state.rs`).
    pub ui: UiState,
    /// Whether a change in a project's folder re-runs it (`--watch`, `W`).
    pub(super) watching: bool,
    /// Whether something visible changed since the last draw.
    pub(super) dirty: bool,
    /// Whether some job is a stage after a configure.
    pub(super) has_stages: bool,
    /// Whether the main jobs are of more than one kind (the table then has a kind column).
    mixed_kinds: bool,
    /// What the history expects of each job, for the estimate (the rows' `expected` never
    /// change: made once, not each frame).
    pub(super) priors: super::estimate::Priors,
    pub(super) force_quits: u32,
    /// Whether a job that passed only on a retry fails the session (`--flaky-fails`).
    pub(super) flaky_fails: bool,
    /// Whether the first job to fail the session stops the jobs not started (`--fail-fast`).
    pub(super) fail_fast: bool,
    /// The job whose failure did, once it did.
    pub(super) failed_fast: Option<String>,
    /// The runs it stopped that had been handed to the engine but not started: their end
    /// comes from the engine, and says why.
    pub(super) fast_cancelled: Vec<crate::engine::RunId>,
    /// A part running longer than this is slow (`--slow`).
    pub slow: Option<std::time::Duration>,
    /// What happened to runs since the loop last asked (see `take_news`).
    pub(super) news: Vec<News>,
    /// The jobs' names shortened for a narrow table, made once from all of them.
    pub names: ShortNames,
}

impl Model {
    /// A model with one queued row per job, to run on `workers` workers. Each job is a
    /// `JobNode` (or a `(name, kind)` pair, for a job with no dependencies).
    pub fn new<N: Into<JobNode>>(jobs: Vec<N>, workers: usize, now: Instant) -> Self {
        Self::of_nodes(jobs.into_iter().map(Into::into), workers, now)
    }

    /// A model with one queued row per job of `nodes`, taken one by one: each gives its row
    /// and its place in the graph, with no list of all the nodes in between (100,000 jobs:
    /// 13 MB more at the start, the session's peak once the rows were small).
    pub fn of_nodes(nodes: impl Iterator<Item = JobNode>, workers: usize, now: Instant) -> Self {
        let mut rows = Vec::with_capacity(nodes.size_hint().0);
        // Made with the rows, job by job: no list of the whole graph beside them.
        let mut building = Scheduler::building(nodes.size_hint().0, workers);
        for mut node in nodes {
            let after = std::mem::take(&mut node.after);
            building.add(node.deps.clone(), after, node.expected);
            // Its run comes from the scheduler, once made.
            rows.push(JobRow::new(node, RunId(0)));
        }
        let scheduler = building.finish();
        for (index, row) in rows.iter_mut().enumerate() {
            row.run = scheduler.run(job_id(index));
        }
        let mut model = Self {
            scheduler,
            jobs: rows,
            counts: super::Counts::default(),
            kept_causes: super::kept_causes::KeptCauses::default(),
            kept_timeline: None,
            kept_estimate: None,
            quitting: false,
            now,
            started_at: now,
            nice: None,
            launcher: None,
            slot_pool: false,
            activity: Activity::new(now),
            ui: UiState::default(),
            watching: false,
            dirty: true,
            interrupted: false,
            has_stages: false,
            mixed_kinds: false,
            priors: super::estimate::Priors::default(),
            force_quits: 0,
            flaky_fails: false,
            fail_fast: false,
            failed_fast: None,
            fast_cancelled: Vec::new(),
            slow: None,
            news: Vec::new(),
            names: ShortNames::default(),
        };
        model.names = ShortNames::of(
            model
                .jobs
                .iter()
                .map(|row| (row.name.as_str(), row.kind.failure_fails_session())),
        );
        model.has_stages = model
            .jobs
            .iter()
            .any(|row| row.stage.is_some_and(|s| !s.is_first()));
        // A helper's row (the toolchain probe) is told apart by its name: it alone does not
        // bring back a column that says `cmake` on every other row. Asked once: the kinds
        // never change, and the table asked it of every row each frame.
        let mut main = model
            .jobs
            .iter()
            .filter(|row| row.kind.failure_fails_session());
        let first = main.next().map(|row| row.kind);
        model.mixed_kinds = main.any(|row| Some(row.kind) != first);
        model.priors = super::estimate::Priors::of(&model.jobs);
        model.counts = model.recount();
        model.kept_causes = super::kept_causes::KeptCauses::of(&model.jobs);
        model.keep_estimate();
        model
    }

    /// Whether the main jobs (helpers aside) are of more than one kind.
    pub fn has_mixed_kinds(&self) -> bool {
        self.mixed_kinds
    }

    /// Starts with dispatch paused: nothing runs until the user starts a job or resumes.
    #[must_use]
    pub fn starting_paused(mut self, paused: bool) -> Self {
        self.scheduler.set_paused(paused);
        self
    }

    /// Where each job's runs write their log, in job order: `o` opens a running job's log
    /// before the run ends and reports where it went.
    #[must_use]
    pub fn with_log_paths<P: Into<Arc<Path>>>(mut self, logs: impl IntoIterator<Item = P>) -> Self {
        for (row, log) in self.jobs.iter_mut().zip(logs) {
            row.log_path = Some(log.into());
        }
        self
    }

    /// Each job's project folder, in job order (`None` for a job of no project): `e` opens
    /// its files.
    #[must_use]
    pub fn with_sources(mut self, sources: impl IntoIterator<Item = Option<PathBuf>>) -> Self {
        for (row, source) in self.jobs.iter_mut().zip(sources) {
            if source.is_some() || row.extra.is_some() {
                row.extra_mut().source = source;
            }
        }
        self
    }

    /// How many times each job's failed run is run again, in job order (`--retries`, a
    /// job's own `retries`).
    #[must_use]
    pub fn with_retries(mut self, retries: impl IntoIterator<Item = u32>) -> Self {
        for (row, retries) in self.jobs.iter_mut().zip(retries) {
            row.retries = retries;
        }
        self
    }

    /// A test running longer than `slow` is marked `slow` in its row (`--slow`).
    #[must_use]
    pub fn with_slow(mut self, slow: Option<std::time::Duration>) -> Self {
        self.slow = slow;
        self
    }

    /// Whether a job that passed only on a retry (`flaky`) fails the session
    /// (`--flaky-fails`); it passes without.
    #[must_use]
    pub fn with_flaky_fails(mut self, fails: bool) -> Self {
        self.flaky_fails = fails;
        self
    }

    /// Whether the first job to fail the session cancels every job not started yet
    /// (`--fail-fast`).
    #[must_use]
    pub fn with_fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Whether ready jobs go in name order (`--order name`), not longest chain first, and
    /// no download is hurried.
    #[must_use]
    pub fn in_name_order(mut self, by_name: bool) -> Self {
        if by_name {
            self.scheduler.keep_name_order();
        }
        self
    }

    /// Shows the niceness jobs run at in the header.
    #[must_use]
    pub fn with_nice(mut self, nice: Option<i32>) -> Self {
        self.nice = nice;
        self
    }

    /// Shows in the header that process jobs run through a launcher (`slurm`).
    #[must_use]
    pub fn with_launcher(mut self, launcher: Option<String>) -> Self {
        self.launcher = launcher;
        self
    }

    /// Shows the pool of compile slots in the header (`slots 2/2`).
    #[must_use]
    pub fn with_slot_pool(mut self, on: bool) -> Self {
        self.slot_pool = on;
        self
    }

    /// The slots of the pool in use now, as the runs reported them: one per run, plus the
    /// compilers its build runs beyond it.
    pub fn slots_in_use(&self) -> usize {
        self.jobs_in_flight()
            .map(|job| self.job(job).slots_in_use())
            .sum()
    }

    /// Whether some run handed to the engine waits for memory to start (`--mem-free`).
    pub fn is_waiting_for_memory(&self) -> bool {
        self.jobs_in_flight().any(|job| {
            let row = self.job(job);
            row.waiting_for_memory && row.state == crate::app::JobState::Dispatched
        })
    }

    /// The jobs with a run in flight, each once: the only rows that are dispatched, running
    /// or cancelling. The header asks of these each frame, not of every row.
    fn jobs_in_flight(&self) -> impl Iterator<Item = JobId> {
        let mut jobs = self.scheduler.jobs_in_flight();
        jobs.sort_unstable_by_key(|job| job.0);
        jobs.dedup();
        jobs.into_iter()
    }

    /// Starts as many ready jobs as there are free workers (none while paused), and the
    /// watch if the session starts in watch mode.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects: Vec<Effect> = self
            .watching
            .then_some(Effect::SetWatch(true))
            .into_iter()
            .collect();
        effects.extend(self.dispatch());
        effects
    }

    /// The row for `job`.
    pub fn job(&self, job: JobId) -> &JobRow {
        &self.jobs[job.0 as usize]
    }

    /// Whether some project runs more than one stage, so rows need to say which.
    pub fn has_stages(&self) -> bool {
        self.has_stages
    }

    /// Whether dispatch is paused.
    pub fn is_paused(&self) -> bool {
        self.scheduler.is_paused()
    }

    /// The worker count the pool is sized to.
    pub fn workers(&self) -> usize {
        self.scheduler.workers()
    }

    /// Workers lent by runs that wait out a back-off their output announced: the pool has
    /// these beside `workers` (`scheduler/lending.rs`).
    pub fn lent_workers(&self) -> usize {
        self.scheduler.lent_count()
    }

    /// Whether something visible changed since the screen was last drawn.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Runs handed to the engine that have not finished, superseded ones included: each
    /// holds (or will hold) a worker.
    pub fn runs_in_flight(&self) -> usize {
        self.scheduler.in_flight()
    }

    /// Whether nothing is ready or in flight: a headless run is over. Jobs still queued
    /// then wait for a dependency that will never succeed, which cannot happen: those are
    /// skipped the moment the dependency ends.
    pub fn is_idle(&self) -> bool {
        self.scheduler.is_idle()
    }

    /// What happened to runs since the last call, in order: what the loop reports and
    /// records in the run history.
    pub fn take_news(&mut self) -> Vec<News> {
        std::mem::take(&mut self.news)
    }

    /// Reports the end of `job`'s current run (or its skip or cancel before it ran).
    pub(super) fn report_finished(&mut self, job: JobId) {
        let record = self.record(job);
        self.news.push(News::Finished(record));
    }

    /// Reports the failed attempt `run` of `job` (on `worker`), which the row just kept to
    /// run the job again.
    pub(super) fn report_retried(&mut self, job: JobId, run: RunId, worker: Option<WorkerId>) {
        let at = self.now.saturating_duration_since(self.started_at);
        if let Some(record) = RunRecord::of_retried(job, self.job(job), run, worker, at) {
            self.news.push(News::Retried(record));
        }
    }

    /// A snapshot of `job`'s row now, for `--json` and the history.
    pub fn record(&self, job: JobId) -> RunRecord {
        let at = self.now.saturating_duration_since(self.started_at);
        RunRecord::of(job, self.job(job), at)
    }
}
