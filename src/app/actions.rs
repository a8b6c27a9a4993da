//! What the user's actions do to the jobs: start, cancel, re-run, pause, resize, quit.
//! Which job runs next is the scheduler's business (`scheduler/`); this file keeps the rows
//! in step with it.

use super::scheduler::job_id;
use super::{Action, Effect, JobState, Model, Overlay, Question};
use crate::engine::JobId;

impl Model {
    pub(super) fn on_action(&mut self, action: Action) -> Vec<Effect> {
        if matches!(
            action,
            Action::SelectNext
                | Action::SelectPrev
                | Action::SelectFirst
                | Action::SelectLast
                | Action::Select(_)
        ) {
            // The user chose a row: it stops following the running ones.
            self.ui.pinned = true;
        }
        match action {
            Action::SelectNext => self.move_selection(1),
            Action::SelectPrev => self.move_selection(-1),
            Action::SelectFirst => self.select_position(0),
            Action::SelectLast => self.select_position(usize::MAX),
            Action::Select(position) => self.select_position(position),
            Action::Ui(ui) => return self.on_ui_action(ui),
            Action::Cause(action) => return self.on_cause_action(action),
            Action::Options(action) => return self.on_options_action(action),
            Action::Log(action) => return self.on_log_action(action),
            // Opening the log moves to it, so `/` and paging act on what was just opened.
            Action::ToggleLog => {
                self.ui.show_log = !self.ui.show_log;
                self.ui.focus = if self.ui.show_log {
                    super::Pane::Log
                } else {
                    super::Pane::Table
                };
            }
            Action::OpenLog => return self.open_log(),
            Action::OpenEditor => return self.open_editor(),
            Action::ToggleWatch => return self.toggle_watch(),
            Action::Start => return self.with_selected(Self::start_now),
            Action::Cancel => return self.with_selected(Self::cancel_job),
            Action::Rerun => {
                if let Some(part) = self.selected_part_name() {
                    return self.rerun_part(job_id(self.ui.selected), part);
                }
                return self.with_selected(Self::rerun);
            }
            Action::CancelAll => self.ask_cancel_all(),
            Action::RerunFailed => self.ask_rerun_unsuccessful(),
            Action::TogglePause => {
                let paused = !self.scheduler.is_paused();
                self.scheduler.set_paused(paused);
                let mut effects = if paused {
                    self.withdraw_unstarted()
                } else {
                    Vec::new()
                };
                effects.extend(self.dispatch());
                return effects;
            }
            Action::AddWorker => return self.set_workers(self.workers() + 1),
            Action::RemoveWorker if self.workers() == 1 => {
                // Say why nothing happened rather than ignore the key.
                self.ui.notice = Some("one worker is the fewest: pause with p instead".into());
            }
            Action::RemoveWorker => return self.set_workers(self.workers() - 1),
            Action::Quit => return self.quit(),
            Action::Confirm => match self.ui.overlay.take_question() {
                Some(Question::Quit) => return self.begin_quit(),
                Some(Question::CancelAll) => return self.cancel_all(),
                Some(Question::RerunFailed) => return self.rerun_unsuccessful(),
                None => {}
            },
            Action::Dismiss => {
                self.ui.overlay.take_question();
            }
            Action::Suspend => return vec![Effect::Suspend],
            Action::ForceQuit => {
                self.force_quits += 1;
                if self.force_quits > 1 || !self.has_unfinished_jobs() {
                    return vec![Effect::Exit];
                }
                // Also with nothing in flight: the queued jobs of a paused session end
                // cancelled, recorded and counted, as they do mid-run.
                self.interrupted = true;
                return self.begin_quit();
            }
        }
        Vec::new()
    }

    /// The selected job's log in the pager: a running job's as it is being written (the
    /// pager follows its end), else the last run's.
    fn open_log(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_shown_job() else {
            return Vec::new();
        };
        let running = matches!(row.state, JobState::Running | JobState::Cancelling);
        let log = if running {
            row.log_path.clone().or_else(|| row.log.clone())
        } else {
            row.log.clone()
        };
        if let Some(log) = log {
            return vec![Effect::OpenPager {
                log: log.to_path_buf(),
                follow: running,
            }];
        }
        // Say why nothing happened rather than ignore the key.
        self.ui.notice = Some("no log yet: the job has not run".into());
        Vec::new()
    }

    /// The selected job's file at its error's line in the editor: the file the error
    /// points at, else its kind's main file (a CMake project's `CMakeLists.txt`).
    fn open_editor(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_shown_job() else {
            return Vec::new();
        };
        let Some(source) = row.source() else {
            self.ui.notice = Some("no folder to open: this job works in none".into());
            return Vec::new();
        };
        let place = row.result.diagnosis.as_ref().and_then(|d| d.file.as_ref());
        let effect = match (place, row.kind.main_file()) {
            (Some(file), _) => Effect::OpenEditor {
                file: source.join(file),
                line: row.result.diagnosis.as_ref().and_then(|d| d.line),
            },
            (None, Some(main)) => Effect::OpenEditor {
                file: source.join(main),
                line: None,
            },
            (None, None) => {
                self.ui.notice = Some("no file to open: its error names none".into());
                return Vec::new();
            }
        };
        vec![effect]
    }

    fn with_selected(&mut self, act: fn(&mut Self, JobId) -> Vec<Effect>) -> Vec<Effect> {
        if self.is_shown(self.ui.selected) {
            act(self, job_id(self.ui.selected))
        } else {
            Vec::new()
        }
    }

    /// Starts a job next, even while paused. A finished job gets a new run first; a job that
    /// waits for another one starts when that one succeeds.
    pub(super) fn start_now(&mut self, job: JobId) -> Vec<Effect> {
        if self.quitting {
            return Vec::new();
        }
        let state = self.job(job).state;
        let mut effects = Vec::new();
        if state.is_finished() {
            effects.extend(self.rerun(job));
        } else if state != JobState::Queued {
            return effects;
        }
        if self.job(job).state != JobState::Queued {
            return effects;
        }
        if let Some(dep) = self.scheduler.blocking_dep(job) {
            self.ui.notice = Some(format!(
                "{} waits for {}",
                self.job(job).label(),
                self.job(dep).label()
            ));
            return effects;
        }
        self.scheduler.force(job);
        if self.scheduler.is_full() {
            // Every slot is taken: the run on deck would go before this one.
            effects.extend(self.withdraw_unstarted());
        }
        effects.extend(self.dispatch());
        effects
    }

    /// Asks the engine for the runs dispatched by priority that no worker has picked up. Each
    /// comes back as `Withdrawn` and is queued again, or starts if a worker was quicker.
    fn withdraw_unstarted(&self) -> Vec<Effect> {
        self.scheduler
            .withdraw_unstarted()
            .into_iter()
            .map(|(job, run)| Effect::Withdraw { job, run })
            .collect()
    }

    /// Cancels one job: a queued one never runs (and the jobs after it are skipped), an
    /// active one is stopped by the engine.
    pub(super) fn cancel_job(&mut self, job: JobId) -> Vec<Effect> {
        self.cancel_job_saying(job, "cancelled before it started")
    }

    /// Cancels `job`; if it has not started, `why` is its error.
    pub(super) fn cancel_job_saying(&mut self, job: JobId, why: &str) -> Vec<Effect> {
        let mut row = self.row_mut(job);
        match row.state {
            JobState::Queued => {
                row.state = JobState::Cancelled;
                row.result.error = Some(why.to_string());
                drop(row);
                self.report_finished(job);
                let skipped = self.scheduler.cancel_queued(job);
                self.mark_skipped(skipped);
                Vec::new()
            }
            JobState::Dispatched | JobState::Running => {
                row.state = JobState::Cancelling;
                vec![Effect::Cancel(row.run)]
            }
            _ => Vec::new(),
        }
    }

    /// Queues a finished job again as a new run, and with it every job after it, which then
    /// wait for it to succeed. A job still being cancelled also gets a new run: the old
    /// one's late events are then ignored. Dependencies that did not succeed run again first,
    /// and every finished one when the job's kind asks for it (`Kind::reruns_deps_first`).
    pub(super) fn rerun(&mut self, job: JobId) -> Vec<Effect> {
        let state = self.job(job).state;
        if self.quitting || !(state.is_finished() || state == JobState::Cancelling) {
            return Vec::new();
        }
        let mut effects = Vec::new();
        let row = self.job(job);
        // A job whose kind says so (a test stage) runs its finished dependencies again too,
        // so what changed since they ran (a fixed test's source) is built first.
        let refresh = row.kind.reruns_deps_first(row.stage);
        for dep in row.deps.clone() {
            let state = self.job(dep).state;
            if state.is_unsuccessful() || (refresh && state.is_finished()) {
                effects.extend(self.rerun(dep));
            }
        }
        // A dependency's re-run may have queued this job already.
        if self.job(job).state != JobState::Queued {
            effects.extend(self.requeue(job));
        }
        for dependant in self.scheduler.all_dependants(job) {
            // A job that also waits on another one that did not succeed stays skipped:
            // queued, it would wait for a run that is not coming. Job order puts the jobs
            // re-queued here before the jobs after them.
            let blocked = self
                .job(dependant)
                .deps
                .iter()
                .any(|&dep| self.job(dep).state.is_unsuccessful());
            if !blocked && self.job(dependant).state != JobState::Queued {
                effects.extend(self.requeue(dependant));
            }
        }
        effects.extend(self.dispatch());
        effects
    }

    /// `r` on a part's row: re-runs the job for that part alone (a test, with the fixtures
    /// ctest runs with it), as `r` re-runs a job.
    pub(super) fn rerun_part(&mut self, job: JobId, part: String) -> Vec<Effect> {
        self.row_mut(job).extra_mut().next_parts = Some(vec![part]);
        let effects = self.rerun(job);
        // Not re-run (still running, or quitting): the next re-run runs every part.
        self.row_mut(job).clear_next_parts();
        effects
    }

    /// Gives a job a new, queued run; one still in flight is cancelled first.
    fn requeue(&mut self, job: JobId) -> Vec<Effect> {
        let row = self.job(job);
        let cancel = row
            .state
            .is_active()
            .then_some(Effect::Cancel(row.run))
            .filter(|_| row.state != JobState::Cancelling);
        let run = self.scheduler.requeue(job);
        let mut row = self.row_mut(job);
        row.requeue(run);
        let parts = row
            .extra
            .as_mut()
            .and_then(|extra| extra.next_parts.take())
            .unwrap_or_default();
        let mut effects: Vec<Effect> = cancel.into_iter().collect();
        if parts != row.extra().only_parts {
            row.extra_mut().only_parts.clone_from(&parts);
            effects.push(Effect::SetParts { job, parts });
        }
        effects
    }

    /// The jobs `R` would run again: every one that did not succeed (those after them come
    /// along, and are among them: skipped), and the finished jobs such a one runs again
    /// first (a test stage's build: `Kind::reruns_deps_first`).
    pub fn rerun_would_queue(&self) -> usize {
        let mut runs = vec![false; self.jobs.len()];
        for (index, row) in self.jobs.iter().enumerate() {
            if !row.state.is_unsuccessful() {
                continue;
            }
            runs[index] = true;
            if row.kind.reruns_deps_first(row.stage) {
                for dep in &row.deps {
                    runs[dep.0 as usize] |= self.job(*dep).state.is_finished();
                }
            }
        }
        runs.into_iter().filter(|&runs| runs).count()
    }

    /// `R` asks first, as `C` does: one key should not queue a long run again by accident.
    fn ask_rerun_unsuccessful(&mut self) {
        if self.rerun_would_queue() == 0 {
            self.ui.notice = Some("nothing to re-run".into());
        } else if !self.quitting {
            self.ui.overlay = Overlay::Question(Question::RerunFailed);
        }
    }

    /// `R`: re-runs every unsuccessful job from its first step that did not succeed; the jobs
    /// after it come along.
    fn rerun_unsuccessful(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for index in 0..self.jobs.len() {
            let job = job_id(index);
            let row = self.job(job);
            let is_first = !row
                .deps
                .iter()
                .any(|&dep| self.job(dep).state.is_unsuccessful());
            if row.state.is_unsuccessful() && is_first {
                // A run whose parts failed (a test stage's tests) runs those parts only.
                let failed: Vec<String> = row
                    .parts()
                    .iter()
                    .filter(|part| part.state == JobState::Failed)
                    .map(|part| part.name.clone())
                    .collect();
                if !failed.is_empty() {
                    self.row_mut(job).extra_mut().next_parts = Some(failed);
                }
                effects.extend(self.rerun(job));
                self.row_mut(job).clear_next_parts();
            }
        }
        effects
    }

    /// What cancelling every job now would end, counted as the summary will count it: the
    /// runs in flight stopped, the queued jobs cancelled, and the queued jobs that wait on
    /// one of those and so end skipped (a later stage whose first is queued). The quit and
    /// `C` questions say these numbers, so the summary after them agrees.
    pub fn cancel_all_would_end(&self) -> CancelAllEnds {
        let mut ends = CancelAllEnds::default();
        let mut skipped = vec![false; self.jobs.len()];
        for index in 0..self.jobs.len() {
            let job = job_id(index);
            match self.job(job).state {
                JobState::Queued if !skipped[index] => {
                    ends.cancelled += 1;
                    // As `Scheduler::end`: skipping goes on through queued jobs only.
                    let mut pending = vec![job];
                    while let Some(cause) = pending.pop() {
                        for &dependant in self.scheduler.dependants(cause) {
                            let at = dependant.0 as usize;
                            if self.job(dependant).state == JobState::Queued && !skipped[at] {
                                skipped[at] = true;
                                ends.skipped += 1;
                                pending.push(dependant);
                            }
                        }
                    }
                }
                // A dispatched run has not started: the header counts it queued, and so
                // does the question. Its stop is the engine's, and the jobs waiting on it
                // are reached in row order and cancelled before it ends.
                JobState::Dispatched => ends.cancelled += 1,
                JobState::Running => ends.running += 1,
                _ => {}
            }
        }
        ends
    }

    /// Cancels every job, in one pass over the rows.
    /// `C` asks first, like `q`: one key should not end a long run by accident.
    fn ask_cancel_all(&mut self) {
        let counts = self.counts();
        if counts.queued + counts.running == 0 {
            self.ui.notice = Some("nothing to cancel".into());
        } else if !self.quitting {
            self.ui.overlay = Overlay::Question(Question::CancelAll);
        }
    }

    fn cancel_all(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for index in 0..self.jobs.len() {
            effects.extend(self.cancel_job(job_id(index)));
        }
        effects
    }

    fn set_workers(&mut self, workers: usize) -> Vec<Effect> {
        let workers = workers.max(1);
        if workers == self.workers() {
            return Vec::new();
        }
        self.settle_clock();
        self.activity.resized(self.now);
        self.scheduler.set_workers(workers);
        // The pool's new size (with any lent workers) goes out with the dispatch.
        self.dispatch()
    }

    /// The pool stopped short of the size asked: count the workers it has. Runs dispatched
    /// for the missing ones wait in the engine's queue for a free worker.
    pub(super) fn pool_short(&mut self, workers: usize) {
        self.settle_clock();
        self.activity.resized(self.now);
        self.scheduler.pool_short(workers);
    }

    /// Whether some job has not ended: in flight, or queued (in a paused session nothing
    /// runs, yet its queued jobs are work that quitting leaves undone).
    fn has_unfinished_jobs(&self) -> bool {
        self.runs_in_flight() > 0 || self.counts().queued > 0
    }

    fn quit(&mut self) -> Vec<Effect> {
        if !self.has_unfinished_jobs() {
            return vec![Effect::Exit];
        }
        if self.quitting {
            return Vec::new();
        }
        if self.ui.overlay.question() == Some(Question::Quit) {
            // `q` twice: the second one is the yes.
            return self.begin_quit();
        }
        self.ui.overlay = Overlay::Question(Question::Quit);
        Vec::new()
    }

    fn begin_quit(&mut self) -> Vec<Effect> {
        self.ui.overlay.take_question();
        self.quitting = true;
        let mut effects = self.cancel_all();
        if self.runs_in_flight() == 0 {
            effects.push(Effect::Exit);
        }
        effects
    }

    /// Hands ready jobs to free workers: those started by hand first and even while paused,
    /// then the rest by priority.
    pub(super) fn dispatch(&mut self) -> Vec<Effect> {
        self.settle_clock();
        if self.quitting {
            return Vec::new();
        }
        // A worker lent or given back first, so the pool has it when the runs come. The
        // lanes are those of the pool from then on, as after `+` and `-`: the lanes of the
        // workers lent leave once their runs ended (they stayed, idle, to the end).
        let mut effects = Vec::new();
        if let Some(size) = self.scheduler.pool_change() {
            self.activity.resized(self.now);
            effects.push(Effect::SetWorkers(size));
        }
        let started = self.scheduler.dispatch();
        if !started.is_empty() {
            self.dirty = true;
        }
        effects.extend(started.into_iter().map(|(job, run)| {
            self.row_mut(job).state = JobState::Dispatched;
            Effect::Start { job, run }
        }));
        effects
    }

    /// Ends each queued job the scheduler skipped, saying what failed first: `configure
    /// failed` for a stage of the same project (its name is the row's already), the job's
    /// label for another job (`words [letter 3] failed`). A job skipped after a skipped
    /// one takes that one's reason, so a test skipped after a skipped build names the
    /// configure failure behind both.
    pub(super) fn mark_skipped(&mut self, skipped: Vec<(JobId, JobId)>) {
        for (dependant, cause) in skipped {
            let before = self.job(cause);
            let reason = if before.state == JobState::Skipped {
                before
                    .result
                    .error
                    .clone()
                    .unwrap_or_else(|| "skipped".into())
            } else {
                let who = match before.stage {
                    Some(stage) if before.name == self.job(dependant).name => {
                        stage.as_str().to_string()
                    }
                    _ => before.label(),
                };
                let what = match before.state {
                    JobState::Cancelled => "was cancelled",
                    JobState::Timeout => "timed out",
                    _ => "failed",
                };
                format!("{who} {what}")
            };
            let mut row = self.row_mut(dependant);
            row.state = JobState::Skipped;
            row.result.error = Some(reason);
            drop(row);
            self.report_finished(dependant);
            self.note_row_changed(dependant.0 as usize);
        }
    }
}

/// What cancelling every job would end (see [`Model::cancel_all_would_end`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CancelAllEnds {
    /// Runs in flight, stopped.
    pub running: usize,
    /// Queued jobs (and dispatched ones not yet started), cancelled before they start.
    pub cancelled: usize,
    /// Queued jobs waiting on a cancelled one, skipped.
    pub skipped: usize,
}
