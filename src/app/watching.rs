//! Watch mode in the model: whether it is on, and which job a changed project folder
//! re-runs. The watching itself (inotify, the debounce) is the loop's (`crate::session::watch`); the
//! model only hears `Msg::SourceChanged` with the folder.

use std::path::Path;

use super::{Effect, JobState, Model, job_id};

impl Model {
    /// Starts in watch mode (`--watch`).
    #[must_use]
    pub fn watching(mut self, watching: bool) -> Self {
        self.watching = watching;
        self
    }

    /// Whether a change in a project's folder re-runs it.
    pub fn is_watching(&self) -> bool {
        self.watching
    }

    pub(super) fn toggle_watch(&mut self) -> Vec<Effect> {
        self.watching = !self.watching;
        vec![Effect::SetWatch(self.watching)]
    }

    /// Re-runs the project in `folder` from its first stage, and only that project. A run
    /// under way is stopped first: it configures what the folder held before the change.
    /// A job still queued will read the new files anyway.
    pub(super) fn on_source_changed(&mut self, folder: &Path) -> Vec<Effect> {
        if !self.watching || self.quitting {
            return Vec::new();
        }
        // The project's first stage: the only one of its jobs with no dependency.
        let first = self
            .jobs
            .iter()
            .position(|row| row.source() == Some(folder) && row.deps.is_empty());
        let Some(index) = first else {
            return Vec::new();
        };
        self.dirty = true;
        self.restart(job_id(index))
    }

    /// Re-runs each of `jobs`, whose watched files changed, and the jobs after them; a run
    /// under way is stopped first.
    pub(super) fn on_watched_files_changed(&mut self, jobs: &[super::JobId]) -> Vec<Effect> {
        if !self.watching || self.quitting {
            return Vec::new();
        }
        self.dirty = true;
        jobs.iter().flat_map(|&job| self.restart(job)).collect()
    }

    /// Runs `job` again from now: a run under way is stopped first, and a job still queued
    /// is left to run as it is.
    pub(super) fn restart(&mut self, job: super::JobId) -> Vec<Effect> {
        let mut effects = Vec::new();
        match self.job(job).state {
            JobState::Queued => return Vec::new(),
            JobState::Dispatched | JobState::Running => effects.extend(self.cancel_job(job)),
            _ => {}
        }
        effects.extend(self.rerun(job));
        effects
    }
}
