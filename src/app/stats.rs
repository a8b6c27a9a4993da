//! Figures derived from the model: counts per state, speed-up, efficiency, worker activity.

use std::time::{Duration, Instant};

use super::{JobState, Model};
use crate::engine::{JobId, RunId};

/// What one worker slot is doing and has done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerStats {
    /// The run it is on, and since when.
    pub current: Option<(JobId, RunId, Instant)>,
    /// Runs it finished.
    pub done: u32,
    /// Time it spent on finished runs.
    pub busy: Duration,
}

/// Number of jobs in each state. They always add up to the number of jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Queued or dispatched.
    pub queued: usize,
    /// Running.
    pub running: usize,
    /// Being cancelled.
    pub cancelling: usize,
    /// Succeeded.
    pub ok: usize,
    /// Failed.
    pub failed: usize,
    /// Cancelled.
    pub cancelled: usize,
    /// Timed out.
    pub timeout: usize,
}

impl Counts {
    /// The count for one state.
    pub fn get(&self, state: JobState) -> usize {
        match state {
            JobState::Queued | JobState::Dispatched => self.queued,
            JobState::Running => self.running,
            JobState::Cancelling => self.cancelling,
            JobState::Ok => self.ok,
            JobState::Failed => self.failed,
            JobState::Cancelled => self.cancelled,
            JobState::Timeout => self.timeout,
        }
    }

    /// All jobs counted.
    pub fn total(&self) -> usize {
        JobState::ALL.iter().map(|&s| self.get(s)).sum()
    }

    /// Jobs whose last run did not succeed.
    pub fn unsuccessful(&self) -> usize {
        self.failed + self.cancelled + self.timeout
    }
}

/// The figures printed at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Jobs per state.
    pub counts: Counts,
    /// Wall time since the start.
    pub wall: Duration,
    /// Sum of the wall times of every finished run.
    pub job_time: Duration,
    /// Sum of the CPU times of every finished run, where measured.
    pub cpu_time: Duration,
    /// `job_time / wall`.
    pub speedup: f64,
    /// Speed-up per busy worker: `speedup / average busy workers`, where the average counts
    /// the workers the pool was sized to.
    pub efficiency: f64,
    /// The worker count at the end.
    pub workers: usize,
}

impl Model {
    /// Jobs per state.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for row in &self.jobs {
            let slot = match row.state {
                JobState::Queued | JobState::Dispatched => &mut counts.queued,
                JobState::Running => &mut counts.running,
                JobState::Cancelling => &mut counts.cancelling,
                JobState::Ok => &mut counts.ok,
                JobState::Failed => &mut counts.failed,
                JobState::Cancelled => &mut counts.cancelled,
                JobState::Timeout => &mut counts.timeout,
            };
            *slot += 1;
        }
        counts
    }

    /// Workers with a run on them right now.
    pub fn busy_workers(&self) -> usize {
        self.worker_stats
            .values()
            .filter(|w| w.current.is_some())
            .count()
    }

    /// The summary as of `model.now`.
    pub fn summary(&self) -> Summary {
        let wall = self.now.saturating_duration_since(self.started_at);
        let running: Duration = self
            .worker_stats
            .values()
            .filter_map(|w| {
                w.current
                    .map(|(_, _, since)| self.now.saturating_duration_since(since))
            })
            .sum();
        let job_time = self.job_time;
        let speedup = ratio(job_time + running, wall);
        let pool_time = wall.as_secs_f64() * f64::from(u32::try_from(self.workers).unwrap_or(u32::MAX));
        let efficiency = if pool_time > 0.0 {
            (job_time + running).as_secs_f64() / pool_time
        } else {
            0.0
        };
        Summary {
            counts: self.counts(),
            wall,
            job_time,
            cpu_time: self.cpu_time,
            speedup,
            efficiency,
            workers: self.workers,
        }
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}
