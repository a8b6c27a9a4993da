//! What the user's actions do to the queue, and which queued job runs next.
//!
//! Dispatch keeps the number of runs in flight at or below the worker count, so the engine
//! never holds a backlog and pausing, `s` and re-runs take effect at once. A superseded run
//! that is still being cancelled keeps its worker busy and counts as in flight.

use super::{Action, Effect, JobState, Model, job_id};
use crate::engine::JobId;

impl Model {
    pub(super) fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::SelectNext => self.move_selection(1),
            Action::SelectPrev => self.move_selection(-1),
            Action::SelectFirst => self.select_position(0),
            Action::SelectLast => self.select_position(usize::MAX),
            Action::Select(position) => self.select_position(position),
            Action::Ui(ui) => return self.on_ui_action(ui),
            Action::ToggleLog => self.show_log = !self.show_log,
            Action::OpenLog => {
                return self
                    .selected_shown_job()
                    .and_then(|row| row.log.clone())
                    .map(Effect::OpenPager)
                    .into_iter()
                    .collect();
            }
            Action::Start => return self.with_selected(Self::start_now),
            Action::Cancel => return self.with_selected(Self::cancel_job),
            Action::Rerun => return self.with_selected(Self::rerun),
            Action::CancelAll => return self.cancel_all(),
            Action::RerunFailed => return self.rerun_unsuccessful(),
            Action::TogglePause => {
                self.paused = !self.paused;
                return self.dispatch();
            }
            Action::AddWorker => return self.set_workers(self.workers + 1),
            Action::RemoveWorker => return self.set_workers(self.workers.saturating_sub(1)),
            Action::Quit => return self.quit(),
            Action::ConfirmQuit if self.confirming_quit => return self.begin_quit(),
            Action::ConfirmQuit => {}
            Action::DismissQuit => self.confirming_quit = false,
            Action::ForceQuit => {
                self.force_quits += 1;
                if self.force_quits > 1 || self.in_flight.is_empty() {
                    return vec![Effect::Exit];
                }
                return self.begin_quit();
            }
        }
        Vec::new()
    }

    fn with_selected(&mut self, act: fn(&mut Self, JobId) -> Vec<Effect>) -> Vec<Effect> {
        if self.is_shown(self.selected) {
            act(self, job_id(self.selected))
        } else {
            Vec::new()
        }
    }

    /// Puts a job at the head of the queue, marked to run even while paused. A finished job
    /// gets a new run first.
    pub(super) fn start_now(&mut self, job: JobId) -> Vec<Effect> {
        if self.quitting {
            return Vec::new();
        }
        let state = self.job(job).state;
        if state.is_finished() {
            self.requeue(job);
        } else if state != JobState::Queued {
            return Vec::new();
        }
        self.queue.retain(|&queued| queued != job);
        self.queue.push_front(job);
        self.row_mut(job).is_forced = true;
        self.dispatch()
    }

    /// Cancels one job: a queued one never runs, an active one is stopped by the engine.
    pub(super) fn cancel_job(&mut self, job: JobId) -> Vec<Effect> {
        let row = self.row_mut(job);
        match row.state {
            JobState::Queued => {
                row.state = JobState::Cancelled;
                row.is_forced = false;
                self.queue.retain(|&queued| queued != job);
                self.finished.push(job);
                Vec::new()
            }
            JobState::Dispatched | JobState::Running => {
                row.state = JobState::Cancelling;
                vec![Effect::Cancel(row.run)]
            }
            _ => Vec::new(),
        }
    }

    /// Queues a finished job again as a new run. A job still being cancelled also gets a new
    /// run: the old one's late events are then ignored.
    pub(super) fn rerun(&mut self, job: JobId) -> Vec<Effect> {
        let state = self.job(job).state;
        if self.quitting || !(state.is_finished() || state == JobState::Cancelling) {
            return Vec::new();
        }
        self.requeue(job);
        self.queue.push_back(job);
        self.dispatch()
    }

    fn requeue(&mut self, job: JobId) {
        let run = self.new_run();
        self.row_mut(job).requeue(run);
    }

    fn rerun_unsuccessful(&mut self) -> Vec<Effect> {
        let jobs: Vec<JobId> = (0..self.jobs.len())
            .filter(|&i| self.jobs[i].state.is_unsuccessful())
            .map(job_id)
            .collect();
        let mut effects = Vec::new();
        for job in jobs {
            effects.extend(self.rerun(job));
        }
        effects
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
        if workers == self.workers {
            return Vec::new();
        }
        self.settle_clock();
        self.resized_at = self.now;
        self.workers = workers;
        let mut effects = vec![Effect::SetWorkers(workers)];
        effects.extend(self.dispatch());
        effects
    }

    fn quit(&mut self) -> Vec<Effect> {
        if self.in_flight.is_empty() {
            return vec![Effect::Exit];
        }
        if self.quitting {
            return Vec::new();
        }
        self.confirming_quit = true;
        Vec::new()
    }

    fn begin_quit(&mut self) -> Vec<Effect> {
        self.confirming_quit = false;
        self.quitting = true;
        let mut effects = self.cancel_all();
        if self.in_flight.is_empty() {
            effects.push(Effect::Exit);
        }
        effects
    }

    /// Hands queued jobs to free workers: forced ones first and even while paused.
    pub(super) fn dispatch(&mut self) -> Vec<Effect> {
        self.settle_clock();
        let mut effects = Vec::new();
        while self.in_flight.len() < self.workers && !self.quitting {
            let next = if self.paused {
                let forced = self.queue.iter().position(|&job| self.job(job).is_forced);
                forced.and_then(|at| self.queue.remove(at))
            } else {
                self.queue.pop_front()
            };
            let Some(job) = next else { break };
            let row = self.row_mut(job);
            row.state = JobState::Dispatched;
            row.is_forced = false;
            let run = row.run;
            self.in_flight.insert(run, job);
            effects.push(Effect::Start { job, run });
        }
        if !effects.is_empty() {
            self.dirty = true;
        }
        effects
    }
}
