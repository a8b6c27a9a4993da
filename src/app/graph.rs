//! The job graph: which jobs wait on which, what is ready to run, in which order, and what
//! happens to the jobs after one that ended.
//!
//! Edges come with the jobs (`JobRow::deps`: configure → build → test, letters → gather). A
//! job is ready once every job it depends on succeeded; if one of them did not, it ends as
//! `skipped` without running, and so do the jobs after it. Ready jobs run highest priority
//! first: a job's priority is its expected time (from the history; the median of the known
//! ones for a job without history) plus the highest priority among the jobs waiting on it,
//! so the longest chain starts first, as in cargo's dependency queue and ctest's COST. Equal
//! priorities keep the job list's (name) order.

use std::cmp::{Ordering, Reverse};

use super::record::millis;
use super::{Effect, JobState, Model, job_id};
use crate::engine::{JobId, RunId};

/// A ready job's place in the dispatch heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ready {
    priority: u64,
    index: Reverse<u32>,
    run: RunId,
}

impl Ord for Ready {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.priority, self.index).cmp(&(other.priority, other.index))
    }
}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ready {
    pub(super) fn job(self) -> JobId {
        JobId(self.index.0)
    }
}

impl Model {
    /// Builds the reverse edges and the priorities. Dependencies always point to earlier
    /// jobs, so one backward pass sees every dependant before the job it waits on.
    pub(super) fn build_graph(&mut self) {
        let count = self.jobs.len();
        self.dependants = vec![Vec::new(); count];
        for (index, row) in self.jobs.iter().enumerate() {
            for dep in &row.deps {
                if (dep.0 as usize) < index {
                    self.dependants[dep.0 as usize].push(job_id(index));
                }
            }
        }
        let mut known: Vec<u64> = self
            .jobs
            .iter()
            .filter_map(|row| row.expected.map(millis))
            .collect();
        known.sort_unstable();
        let median = known.get(known.len() / 2).copied().unwrap_or(0);
        self.priority = vec![0; count];
        for index in (0..count).rev() {
            let own = self.jobs[index].expected.map_or(median, millis);
            let after = self.dependants[index]
                .iter()
                .map(|d| self.priority[d.0 as usize])
                .max()
                .unwrap_or(0);
            self.priority[index] = own.saturating_add(after);
        }
    }

    /// Whether every job `job` depends on succeeded.
    pub(super) fn deps_succeeded(&self, job: JobId) -> bool {
        self.job(job)
            .deps
            .iter()
            .all(|dep| self.job(*dep).state == JobState::Ok)
    }

    /// Puts a queued job whose dependencies all succeeded on the ready heap.
    pub(super) fn push_if_ready(&mut self, job: JobId) {
        let row = self.job(job);
        if row.state == JobState::Queued && self.deps_succeeded(job) {
            self.ready.push(Ready {
                priority: self.priority[job.0 as usize],
                index: Reverse(job.0),
                run: row.run,
            });
        }
    }

    /// Whether the entry still stands for the job's current, queued run.
    fn is_current(&self, entry: Ready) -> bool {
        let row = self.job(entry.job());
        row.run == entry.run && row.state == JobState::Queued
    }

    /// Takes the highest-priority ready job, dropping entries of runs that are gone.
    pub(super) fn pop_ready(&mut self) -> Option<JobId> {
        while let Some(entry) = self.ready.pop() {
            if self.is_current(entry) {
                return Some(entry.job());
            }
        }
        None
    }

    /// Drops entries of runs that are gone from the top of the heap, so `has_ready` can look
    /// at the top alone. `update` calls it after every message.
    pub(super) fn prune_ready(&mut self) {
        while let Some(&entry) = self.ready.peek() {
            if self.is_current(entry) {
                return;
            }
            self.ready.pop();
        }
    }

    /// Whether some job is ready to run (the heap's top is current after `prune_ready`).
    pub(super) fn has_ready(&self) -> bool {
        self.ready
            .peek()
            .is_some_and(|&entry| self.is_current(entry))
    }

    /// After `job`'s current run ended: its dependants become ready if it succeeded, and are
    /// skipped if it did not.
    pub(super) fn after_finish(&mut self, job: JobId) -> Vec<Effect> {
        if self.job(job).state == JobState::Ok {
            for dependant in self.dependants[job.0 as usize].clone() {
                self.push_if_ready(dependant);
            }
        } else {
            self.skip_dependants(job);
        }
        Vec::new()
    }

    /// Ends every queued job after `job` as `skipped`, saying why.
    pub(super) fn skip_dependants(&mut self, job: JobId) {
        let mut pending = vec![job];
        while let Some(cause) = pending.pop() {
            let reason = format!(
                "{} {}",
                self.job(cause).label(),
                match self.job(cause).state {
                    JobState::Skipped => "was skipped",
                    JobState::Cancelled => "was cancelled",
                    JobState::Timeout => "timed out",
                    _ => "failed",
                }
            );
            for dependant in self.dependants[cause.0 as usize].clone() {
                let row = self.row_mut(dependant);
                if row.state != JobState::Queued {
                    continue;
                }
                row.state = JobState::Skipped;
                row.error = Some(format!("skipped: {reason}"));
                self.report_finished(dependant);
                self.note_row_changed(dependant.0 as usize);
                pending.push(dependant);
            }
        }
    }

    /// Every job that waits on `job`, directly or not, in job order.
    pub(super) fn all_dependants(&self, job: JobId) -> Vec<JobId> {
        let mut seen = vec![false; self.jobs.len()];
        let mut pending = vec![job];
        let mut found = Vec::new();
        while let Some(next) = pending.pop() {
            for &dependant in &self.dependants[next.0 as usize] {
                if !std::mem::replace(&mut seen[dependant.0 as usize], true) {
                    found.push(dependant);
                    pending.push(dependant);
                }
            }
        }
        found.sort_unstable();
        found
    }
}
