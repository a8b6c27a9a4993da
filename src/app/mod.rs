//! The app state: a plain model that changes only through `update(Msg)`.
//!
//! No I/O, no terminal, no clock: time arrives in `Msg::Tick`, engine news in `Msg::Engine`,
//! and what the user wants in `Msg::Action`. `update` returns the `Effect`s the loop must carry
//! out (start a run, cancel one, resize the pool, exit). The TUI and the headless mode drive
//! the same model, so scheduling behaves the same in both.

pub mod causes;
mod graph;
pub mod job_row;
mod lanes;
pub mod log_view;
pub mod navigation;
mod options;
pub mod progress;
pub mod record;
mod schedule;
pub mod stats;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_fix_loop;
#[cfg(test)]
mod tests_graph;
#[cfg(test)]
mod tests_navigation;
#[cfg(test)]
mod tests_ui;
pub mod ui_state;
mod watching;

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::engine::{EngineEvent, EventKind, JobId, RunId, WorkerId};
pub use causes::{CauseAction, CausesPanel};
use graph::Ready;
pub use job_row::{JobNode, JobRow, JobState, OutputTail};
pub use log_view::{LogAction, LogView};
pub use navigation::SortOrder;
pub use options::OptionsAction;
pub use progress::{Eta, Progress};
pub use record::{News, RunRecord};
pub use stats::{Counts, Summary, WorkerStats};
pub use ui_state::{Band, LogScroll, UiAction, UiState, Viewport};

/// What the user wants. Comes from the keymap (TUI) or a signal (both modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Move the selection down one row.
    SelectNext,
    /// Move the selection up one row.
    SelectPrev,
    /// Jump to the first row.
    SelectFirst,
    /// Jump to the last row.
    SelectLast,
    /// Select a row by its position among the visible rows (a mouse click).
    Select(usize),
    /// Start the selected job now, even while paused (a finished one runs again).
    Start,
    /// Cancel the selected job.
    Cancel,
    /// Cancel every job (asks first).
    CancelAll,
    /// Re-run the selected finished job.
    Rerun,
    /// Re-run every failed, cancelled or timed-out job.
    RerunFailed,
    /// Pause or resume dispatch.
    TogglePause,
    /// One more worker.
    AddWorker,
    /// One worker fewer (the pool keeps at least one).
    RemoveWorker,
    /// Show or hide the log pane.
    ToggleLog,
    /// Open the selected job's log file in the pager.
    OpenLog,
    /// Open the selected project's file at its error's line in `$VISUAL`/`$EDITOR`.
    OpenEditor,
    /// Turn watch mode on or off: re-run a project when its folder changes.
    ToggleWatch,
    /// Quit: asks first while jobs run; then cancels everything and exits once it is gone.
    Quit,
    /// Answer the question showing with yes.
    Confirm,
    /// Answer the question showing with no.
    Dismiss,
    /// Quit without asking (Ctrl-C, a signal); a second one stops waiting for cleanup.
    ForceQuit,
    /// Hand the terminal back to the shell and stop until `fg` (Ctrl-Z); the jobs go on.
    Suspend,
    /// Change only what is shown (filter, search, scrolling, help).
    Ui(UiAction),
    /// The causes panel: open it, move in it, choose a cause or re-run its jobs.
    Cause(CauseAction),
    /// A project's own `-D` options: ask for one, type it, add it, or remove them.
    Options(OptionsAction),
    /// The log pane: wrap, search, copy.
    Log(LogAction),
}

/// A question the footer asks before an action that cancels runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// `q` while runs are unfinished: quit and cancel them?
    Quit,
    /// `C`: cancel every unfinished job?
    CancelAll,
}

/// Everything `update` accepts.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A user action.
    Action(Action),
    /// News from the engine.
    Engine(EngineEvent),
    /// The clock moved on.
    Tick(Instant),
    /// The TUI drew its regions here (after a resize or a layout change).
    Viewport(Viewport),
    /// The terminal changed size, or a program that had it (the pager) gave it back:
    /// everything must be drawn again.
    Resized,
    /// The screen now shows the model as it is.
    Drawn,
    /// A one-line message for the user, shown until the next key.
    Notice(String),
    /// The watch could not start (why, as one line): watch mode is off.
    WatchFailed(String),
    /// A watched project folder changed on disk (and then stayed quiet a moment).
    SourceChanged(PathBuf),
    /// The pool could not grow to the size asked: the OS would not start another thread.
    PoolShort {
        /// The worker count the pool has.
        workers: usize,
        /// Why, as one line.
        error: String,
    },
}

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Submit a run of a job to the engine.
    Start {
        /// The job.
        job: JobId,
        /// The new run's id.
        run: RunId,
    },
    /// Ask the engine to stop a run.
    Cancel(RunId),
    /// Take a run back from the engine if no worker has picked it up yet.
    Withdraw {
        /// The job.
        job: JobId,
        /// The run on deck.
        run: RunId,
    },
    /// Resize the worker pool.
    SetWorkers(usize),
    /// Show a log file in the pager, then come back.
    OpenPager {
        /// The log file.
        log: PathBuf,
        /// Whether its run is still writing it: the pager should follow its end.
        follow: bool,
    },
    /// Put this text on the clipboard (OSC 52: works over ssh and inside tmux).
    Copy(String),
    /// Give a job's configure these `-D` options (`VAR=VALUE`) from its next run on.
    SetOptions {
        /// The project's configure.
        job: JobId,
        /// Its options, in order.
        options: Vec<String>,
    },
    /// Start watching the project folders for changes, or stop.
    SetWatch(bool),
    /// Open a file in the user's editor at a line (`+LINE FILE`), then come back.
    OpenEditor {
        /// The file.
        file: PathBuf,
        /// The line, where the error names one.
        line: Option<u32>,
    },
    /// Restore the terminal, stop until the shell continues jobdeck (`fg`), then take the
    /// terminal back and draw everything again.
    Suspend,
    /// Leave the loop (the loop then shuts the engine down, which kills what is left).
    Exit,
}

/// One finished run on a worker, for the timeline and the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The lane.
    pub worker: WorkerId,
    /// The job.
    pub job: JobId,
    /// When it started, since the model's start.
    pub start: Duration,
    /// When it ended, since the model's start.
    pub end: Duration,
    /// How it ended.
    pub state: JobState,
}

/// The whole app state.
#[derive(Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent UI switches, not a state machine"
)]
pub struct Model {
    /// Every job, indexed by `JobId`.
    pub jobs: Vec<JobRow>,
    /// The worker count the pool is sized to.
    pub workers: usize,
    /// Whether a quit is under way: everything was cancelled and the loop exits once idle.
    pub quitting: bool,
    /// The yes-or-no question showing in the footer, if any.
    pub asking: Option<Question>,
    /// Index of the selected row in the job list.
    pub selected: usize,
    /// Whether the log pane is open.
    pub show_log: bool,
    /// The latest clock reading.
    pub now: Instant,
    /// When the session started.
    pub started_at: Instant,
    /// Niceness jobs run at, shown in the header.
    pub nice: Option<i32>,
    /// Where process jobs run when a launcher is in use (`slurm`, `ssh`), shown in the
    /// header; their CPU time is then unknown.
    pub launcher: Option<String>,
    /// Per worker slot: what it runs and what it did.
    pub worker_stats: BTreeMap<WorkerId, WorkerStats>,
    /// Finished runs, oldest first.
    pub spans: Vec<Span>,
    /// What the TUI shows: filter, search, scroll offsets, help.
    pub ui: UiState,
    /// The causes panel (`causes.rs`).
    pub causes_panel: CausesPanel,
    /// The `-D VAR=VALUE` being typed for the selected project, while asking (`options.rs`).
    pub options_prompt: Option<String>,
    /// The log pane's wrap switch and search (`log_view.rs`).
    pub log_view: LogView,
    /// Whether dispatch is paused (running jobs go on).
    paused: bool,
    /// Whether a change in a project's folder re-runs it (`--watch`, `W`).
    watching: bool,
    /// Whether something visible changed since the last draw.
    dirty: bool,
    /// Whether some job is a stage after a configure.
    has_stages: bool,
    /// Jobs each job's dependants, indexed by `JobId`: the reverse edges of `JobRow::deps`.
    dependants: Vec<Vec<JobId>>,
    /// Dispatch priority of each job: its expected time plus the longest chain waiting on it.
    priority: Vec<u64>,
    /// Queued jobs whose dependencies all succeeded, highest priority first. Entries of runs
    /// that were cancelled or superseded are left in place and skipped when they come up,
    /// so cancelling is O(1) per job.
    ready: BinaryHeap<Ready>,
    /// Runs started by hand with `s`: dispatched before the rest, even while paused.
    forced: VecDeque<(JobId, RunId)>,
    in_flight: BTreeMap<RunId, JobId>,
    /// Runs handed to the engine by priority that no worker has picked up yet (as far as the
    /// model knows): what a pause or an `s` takes back (see `schedule.rs`).
    unstarted: BTreeSet<RunId>,
    /// Jobs re-run while their previous run was still being cancelled: the new run waits
    /// until the old one is gone, so two runs of a job never share its build folder.
    draining: BTreeSet<JobId>,
    /// When the last run ended with nothing left to start (`None` while there is work).
    work_ended_at: Option<Instant>,
    next_run: u64,
    job_time: Duration,
    cpu_time: Duration,
    /// Wall time during which at least one run was in flight, up to `clock_mark`.
    active_time: Duration,
    /// Worker time the pool offered while active, up to `clock_mark`.
    pool_time: Duration,
    /// Where `active_time` and `pool_time` were last brought up to date.
    clock_mark: Instant,
    /// When the worker count last changed.
    resized_at: Instant,
    force_quits: u32,
    /// What happened to runs since the loop last asked (see `take_news`).
    news: Vec<News>,
}

impl Model {
    /// A model with one queued row per job, to run on `workers` workers. Each job is a
    /// `JobNode` (or a `(name, kind)` pair, for a job with no dependencies).
    pub fn new<N: Into<JobNode>>(jobs: Vec<N>, workers: usize, now: Instant) -> Self {
        let mut model = Self {
            jobs: Vec::with_capacity(jobs.len()),
            workers: workers.max(1),
            quitting: false,
            asking: None,
            selected: 0,
            show_log: false,
            now,
            started_at: now,
            nice: None,
            launcher: None,
            worker_stats: BTreeMap::new(),
            spans: Vec::new(),
            ui: UiState::default(),
            causes_panel: CausesPanel::default(),
            options_prompt: None,
            log_view: LogView::default(),
            paused: false,
            watching: false,
            dirty: true,
            has_stages: false,
            dependants: Vec::new(),
            priority: Vec::new(),
            ready: BinaryHeap::with_capacity(jobs.len()),
            forced: VecDeque::new(),
            in_flight: BTreeMap::new(),
            unstarted: BTreeSet::new(),
            draining: BTreeSet::new(),
            work_ended_at: None,
            next_run: 0,
            job_time: Duration::ZERO,
            cpu_time: Duration::ZERO,
            active_time: Duration::ZERO,
            pool_time: Duration::ZERO,
            clock_mark: now,
            resized_at: now,
            force_quits: 0,
            news: Vec::new(),
        };
        for node in jobs {
            let run = model.new_run();
            model.jobs.push(JobRow::new(node.into(), run));
        }
        model.has_stages = model.jobs.iter().any(|row| {
            row.stage
                .is_some_and(|s| s != crate::jobs::Stage::Configure)
        });
        model.build_graph();
        for index in 0..model.jobs.len() {
            model.push_if_ready(job_id(index));
        }
        model
    }

    /// Starts with dispatch paused: nothing runs until the user starts a job or resumes.
    #[must_use]
    pub fn starting_paused(mut self, paused: bool) -> Self {
        self.paused = paused;
        self
    }

    /// Where each job's runs write their log, in job order: `o` opens a running job's log
    /// before the run ends and reports where it went.
    #[must_use]
    pub fn with_log_paths(mut self, logs: impl IntoIterator<Item = PathBuf>) -> Self {
        for (row, log) in self.jobs.iter_mut().zip(logs) {
            row.log_path = Some(log);
        }
        self
    }

    /// Each job's project folder, in job order (`None` for a job of no project): `e` opens
    /// its files.
    #[must_use]
    pub fn with_sources(mut self, sources: impl IntoIterator<Item = Option<PathBuf>>) -> Self {
        for (row, source) in self.jobs.iter_mut().zip(sources) {
            row.source = source;
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
        self.paused
    }

    /// Whether something visible changed since the screen was last drawn.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Runs handed to the engine that have not finished, superseded ones included: each
    /// holds (or will hold) a worker.
    pub fn runs_in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether nothing is ready or in flight: a headless run is over. Jobs still queued
    /// then wait for a dependency that will never succeed, which cannot happen: those are
    /// skipped the moment the dependency ends.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && (self.paused || !self.has_ready())
    }

    /// What happened to runs since the last call, in order: what the loop reports and
    /// records in the run history.
    pub fn take_news(&mut self) -> Vec<News> {
        std::mem::take(&mut self.news)
    }

    fn new_run(&mut self) -> RunId {
        self.next_run += 1;
        RunId(self.next_run)
    }

    fn row_mut(&mut self, job: JobId) -> &mut JobRow {
        &mut self.jobs[job.0 as usize]
    }

    /// Reports the end of `job`'s current run (or its skip or cancel before it ran).
    fn report_finished(&mut self, job: JobId) {
        let record = self.record(job);
        self.news.push(News::Finished(record));
    }

    /// A snapshot of `job`'s row now, for `--json` and the history.
    pub fn record(&self, job: JobId) -> RunRecord {
        let at = self.now.saturating_duration_since(self.started_at);
        RunRecord::of(job, self.job(job), at)
    }
}

fn job_id(index: usize) -> JobId {
    JobId(u32::try_from(index).expect("fewer than 4 billion jobs"))
}

/// Applies one message and returns what the loop must do.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let effects = apply(model, msg);
    model.prune_ready();
    model.note_work_end();
    effects
}

fn apply(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            let second = |at: Instant| at.saturating_duration_since(model.started_at).as_secs();
            // While idle only the header's clock changes: redraw when its second turns.
            let clock_moved = second(now) != second(model.now);
            model.now = now;
            // Every active row has a run in flight, so this is O(1) where scanning the rows
            // would cost a pass over 10,000 of them on every loop turn.
            if !model.in_flight.is_empty() || model.asking.is_some() || clock_moved {
                model.dirty = true;
            }
            model.resort_if_stale();
            Vec::new()
        }
        Msg::Engine(event) => model.on_engine_event(event),
        Msg::Viewport(viewport) => {
            model.set_viewport(viewport);
            Vec::new()
        }
        Msg::Resized => {
            model.dirty = true;
            Vec::new()
        }
        Msg::Drawn => {
            model.dirty = false;
            Vec::new()
        }
        Msg::Notice(text) => {
            model.ui.notice = Some(text);
            model.dirty = true;
            Vec::new()
        }
        Msg::SourceChanged(folder) => model.on_source_changed(&folder),
        Msg::WatchFailed(error) => {
            // Nothing is watched: the header must not say WATCH, and a headless session
            // must not wait for changes that will never be reported.
            model.watching = false;
            model.ui.notice = Some(error);
            model.dirty = true;
            Vec::new()
        }
        Msg::PoolShort { workers, error } => {
            model.ui.notice = Some(format!("{error}; {workers} workers"));
            model.dirty = true;
            model.pool_short(workers);
            Vec::new()
        }
        Msg::Action(action) => {
            model.dirty = true;
            // A key answers the last notice.
            model.ui.notice = None;
            model.on_action(action)
        }
    }
}

impl Model {
    fn on_engine_event(&mut self, event: EngineEvent) -> Vec<Effect> {
        self.settle_clock();
        let EngineEvent { job, run, kind } = event;
        if !matches!(kind, EventKind::Progress { .. } | EventKind::Output { .. }) {
            // Picked up, ended or taken back: no longer on deck either way.
            self.unstarted.remove(&run);
        }
        let is_current = self
            .jobs
            .get(job.0 as usize)
            .is_some_and(|row| row.run == run);
        if matches!(kind, EventKind::Withdrawn) {
            self.in_flight.remove(&run);
            if is_current && self.job(job).state == JobState::Dispatched {
                // Back in line under a new run id: the engine may still hold the old one in
                // its queue, to drop when a worker takes it.
                let run = self.new_run();
                let row = self.row_mut(job);
                row.state = JobState::Queued;
                row.run = run;
                self.push_if_ready(job);
                self.dirty = true;
            } else if !is_current && self.draining.remove(&job) {
                self.push_if_ready(job);
            }
            return self.dispatch_or_exit();
        }
        if let EventKind::Started { worker } = &kind {
            let slot = self.worker_stats.entry(*worker).or_default();
            slot.current = Some((job, run, self.now));
            slot.first_started.get_or_insert(self.now);
            slot.last_started = Some(self.now);
        }
        if let EventKind::Finished(finished) = &kind {
            self.job_time += finished.elapsed;
            self.cpu_time += finished.cpu.unwrap_or_default();
            self.in_flight.remove(&run);
            let state = JobState::from_outcome(&finished.outcome);
            self.record_worker_finish(run, finished.elapsed, state);
            if !is_current && self.draining.remove(&job) {
                // The superseded run is gone: its successor may start now.
                self.push_if_ready(job);
            }
        }
        let mut effects = Vec::new();
        if is_current {
            self.dirty = true;
            let started = matches!(kind, EventKind::Started { .. });
            let finished = matches!(kind, EventKind::Finished(_));
            self.apply_current_run_event(job, kind);
            if started {
                let record = self.record(job);
                self.news.push(News::Started(record));
            }
            if finished {
                self.report_finished(job);
                effects.extend(self.after_finish(job));
            }
            self.note_row_changed(job.0 as usize);
            if started || finished {
                self.follow_running();
            }
        }
        effects.extend(self.dispatch_or_exit());
        effects
    }

    /// After a run left the engine: the next runs, or the exit a quit was waiting for.
    fn dispatch_or_exit(&mut self) -> Vec<Effect> {
        let mut effects = self.dispatch();
        if self.quitting && self.in_flight.is_empty() {
            effects.push(Effect::Exit);
        }
        effects
    }

    fn apply_current_run_event(&mut self, job: JobId, kind: EventKind) {
        let now = self.now;
        let row = self.row_mut(job);
        match kind {
            EventKind::Started { worker } => {
                if row.state == JobState::Dispatched {
                    row.state = JobState::Running;
                }
                row.worker = Some(worker);
                row.started_at = Some(now);
            }
            EventKind::Progress { done, total } => row.progress = Some((done, total)),
            EventKind::Detail(detail) => row.detail = Some(detail),
            EventKind::Output { lines, skipped } => row.output.push(lines, skipped),
            // Kept apart from the output, so the log pane shows it at its top however much
            // output follows. A probe's own cmake runs are not the run's command: they are
            // never announced as one.
            EventKind::Command(line) => row.command = Some(line),
            // Handled before the row is touched: it only puts the job back in line.
            EventKind::Withdrawn => {}
            EventKind::Finished(finished) => {
                row.state = JobState::from_outcome(&finished.outcome);
                row.exit_code = finished.outcome.exit_code();
                row.elapsed = Some(finished.elapsed);
                row.cpu = finished.cpu;
                row.error = finished.error;
                row.diagnosis = finished.diagnosis;
                if finished.log.is_some() {
                    row.log = finished.log;
                }
                row.outcome = Some(finished.outcome);
            }
        }
    }

    fn record_worker_finish(&mut self, run: RunId, elapsed: Duration, state: JobState) {
        let worker = self
            .worker_stats
            .iter()
            .find(|(_, stats)| stats.current.is_some_and(|(_, r, _)| r == run))
            .map(|(worker, _)| *worker);
        let Some(worker) = worker else { return };
        let slot = self.worker_stats.entry(worker).or_default();
        let (span_job, _, since) = slot.current.take().expect("found by its current run");
        slot.done += 1;
        slot.busy += elapsed;
        // Both ends are the times the events were handled: one worker's events arrive in
        // order, so the spans of a lane never overlap.
        self.spans.push(Span {
            worker,
            job: span_job,
            start: since.saturating_duration_since(self.started_at),
            end: self.now.saturating_duration_since(self.started_at),
            state,
        });
    }
}
