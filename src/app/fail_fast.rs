//! `--fail-fast`: the first job that fails the session stops every job that has not started
//! (as nextest's `--fail-fast`, GNU parallel's `--halt soon,fail=1`, make without `-k`); the
//! runs already going on run to their end, so what they print and report is whole, and so
//! does a run on deck that a worker picked up before it could be taken back.

use super::{Effect, JobId, JobState, Model};
use crate::engine::RunId;

impl Model {
    /// Stops what has not started, the first time a job of the session fails it (`job` just
    /// ended). A job run again by hand afterwards runs as asked: the stop happens once.
    pub(super) fn fail_fast_after(&mut self, job: JobId) -> Vec<Effect> {
        if !self.fail_fast || self.failed_fast.is_some() || self.quitting {
            return Vec::new();
        }
        let row = self.job(job);
        let failed = match row.state {
            JobState::Failed | JobState::Timeout => true,
            JobState::Flaky => self.flaky_fails,
            _ => false,
        };
        if !failed || !row.kind.failure_fails_session() {
            return Vec::new();
        }
        let name = row.name.clone();
        let why = format!("cancelled before it started (--fail-fast: {name} failed)");
        let mut effects = Vec::new();
        let mut stopped = 0_usize;
        for index in 0..self.jobs.len() {
            let other = super::job_id(index);
            match self.job(other).state {
                JobState::Queued => effects.extend(self.cancel_job_saying(other, &why)),
                // On deck: taken back if no worker has picked it up, else it runs to its
                // end as the running ones do (a run begun is not cut short).
                JobState::Dispatched => {
                    let run = self.job(other).run;
                    self.fast_cancelled.push(run);
                    effects.push(Effect::Withdraw { job: other, run });
                }
                _ => continue,
            }
            stopped += 1;
        }
        self.ui.notice = Some(format!(
            "--fail-fast: {name} failed; {stopped} jobs that had not started are stopped"
        ));
        self.failed_fast = Some(name);
        effects
    }

    /// After the engine gave back a run `--fail-fast` withdrew (it was on deck, no worker
    /// had picked it up): the job, back in line, is cancelled as the queued ones were.
    pub(super) fn cancel_if_fast_withdrawn(&mut self, job: JobId, run: RunId) -> Vec<Effect> {
        let Some(at) = self.fast_cancelled.iter().position(|&r| r == run) else {
            return Vec::new();
        };
        self.fast_cancelled.swap_remove(at);
        match (&self.failed_fast, self.job(job).state) {
            (Some(name), JobState::Queued) => {
                let why = format!("cancelled before it started (--fail-fast: {name} failed)");
                self.cancel_job_saying(job, &why)
            }
            _ => Vec::new(),
        }
    }
}
