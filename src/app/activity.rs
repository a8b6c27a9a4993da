//! What the workers did: each slot's current run and totals, the spans of finished runs (the
//! timeline and the trace), and the clocks behind speed-up and efficiency (active time, pool
//! time, when the pool was resized, when the work ended).
//!
//! A part of the model that knows nothing of rows or the job graph: the model tells it when
//! a run started or ended and how many runs and workers there are when the clock settles.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::{JobState, WorkerStats};
use crate::engine::{JobId, RunId, WorkerId};

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

/// The workers' activity and the session's time figures.
#[derive(Debug)]
pub struct Activity {
    /// When the session started: spans count from here.
    started_at: Instant,
    /// Per worker slot: what it runs and what it did.
    pub worker_stats: BTreeMap<WorkerId, WorkerStats>,
    /// Finished runs, oldest first.
    pub spans: Vec<Span>,
    /// When the last run ended with nothing left to start (`None` while there is work).
    pub work_ended_at: Option<Instant>,
    /// Time between the work's end and a re-run that brought work back: the results were
    /// being read, and the session's wall time leaves it out.
    pub idle_time: Duration,
    /// Sum of the wall times of every finished run.
    pub job_time: Duration,
    /// Sum of the CPU times of every finished run, where measured.
    pub cpu_time: Duration,
    /// Wall time during which at least one run was in flight, up to `clock_mark`.
    active_time: Duration,
    /// Worker time the pool offered while active, up to `clock_mark`.
    pool_time: Duration,
    /// Where `active_time` and `pool_time` were last brought up to date.
    clock_mark: Instant,
    /// When the worker count last changed.
    resized_at: Instant,
}

impl Activity {
    /// No runs yet, in a session that started `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            started_at: now,
            worker_stats: BTreeMap::new(),
            spans: Vec::new(),
            work_ended_at: None,
            idle_time: Duration::ZERO,
            job_time: Duration::ZERO,
            cpu_time: Duration::ZERO,
            active_time: Duration::ZERO,
            pool_time: Duration::ZERO,
            clock_mark: now,
            resized_at: now,
        }
    }

    /// `run` of `job` started on `worker` at `now`.
    pub fn started(&mut self, worker: WorkerId, job: JobId, run: RunId, now: Instant) {
        let slot = self.worker_stats.entry(worker).or_default();
        slot.current = Some((job, run, now));
        slot.first_started.get_or_insert(now);
        slot.last_started = Some(now);
    }

    /// `run` ended at `now` after `elapsed` (and `cpu`, where measured), leaving its job in
    /// `state`: counted, and a span on the worker it ran on, if it started on one.
    pub fn finished(
        &mut self,
        run: RunId,
        elapsed: Duration,
        cpu: Option<Duration>,
        state: JobState,
        now: Instant,
    ) {
        self.job_time += elapsed;
        self.cpu_time += cpu.unwrap_or_default();
        let worker = self
            .worker_stats
            .iter()
            .find(|(_, stats)| stats.current.is_some_and(|(_, r, _)| r == run))
            .map(|(worker, _)| *worker);
        let Some(worker) = worker else { return };
        let slot = self.worker_stats.entry(worker).or_default();
        let Some((job, _, since)) = slot.current.take() else {
            return;
        };
        slot.done += 1;
        slot.busy += elapsed;
        // Both ends are the times the events were handled: one worker's events arrive in
        // order, so the spans of a lane never overlap.
        self.spans.push(Span {
            worker,
            job,
            start: since.saturating_duration_since(self.started_at),
            end: now.saturating_duration_since(self.started_at),
            state,
        });
    }

    /// Brings the active and pool clocks up to `now`, with `in_flight` runs and `workers`
    /// workers since the last settle. Called before anything that changes either, so each
    /// stretch of time is counted with the state it had.
    pub fn settle(&mut self, now: Instant, in_flight: usize, workers: usize) {
        (self.active_time, self.pool_time) = self.active_and_pool_time(now, in_flight, workers);
        self.clock_mark = now;
    }

    /// The pool was resized at `now` (settle the clock first).
    pub fn resized(&mut self, now: Instant) {
        self.resized_at = now;
    }

    /// Keeps `work_ended_at` true: set when the work `has_ended` (nothing in flight and
    /// nothing else can start), cleared when a re-run brings work back.
    pub fn note_work_end(&mut self, has_ended: bool, now: Instant) {
        match (has_ended, self.work_ended_at) {
            (true, None) => self.work_ended_at = Some(now),
            (false, Some(ended)) => {
                self.idle_time += now.saturating_duration_since(ended);
                self.work_ended_at = None;
            }
            _ => {}
        }
    }

    /// Workers with a run on them right now.
    pub fn busy_workers(&self) -> usize {
        self.worker_stats
            .values()
            .filter(|w| w.current.is_some())
            .count()
    }

    /// Wall time with at least one run in flight, and the worker time the pool offered then.
    ///
    /// Idle time is left out of both: a TUI left open after its jobs finished would otherwise
    /// show the speed-up decaying towards zero.
    pub fn active_and_pool_time(
        &self,
        now: Instant,
        in_flight: usize,
        workers: usize,
    ) -> (Duration, Duration) {
        if in_flight == 0 {
            return (self.active_time, self.pool_time);
        }
        let since = now.saturating_duration_since(self.clock_mark);
        // After `-` a retiring worker still finishes its run: the pool then has more live
        // workers than its target, and counting only the target would push efficiency past
        // 100 %. Both numbers change only at events, where the clock is settled.
        let live = workers.max(self.busy_workers());
        let size = u32::try_from(live).unwrap_or(u32::MAX);
        (self.active_time + since, self.pool_time + since * size)
    }

    /// The worker slots to show, in slot order: at least `workers` of them, more while
    /// workers that are leaving still finish their runs (see `lanes.rs`).
    pub fn lanes(&self, workers: usize) -> Vec<WorkerId> {
        let mut lanes: BTreeSet<WorkerId> = self
            .worker_stats
            .iter()
            .filter(|(_, stats)| {
                stats.current.is_some()
                    || stats.last_started.is_some_and(|at| at >= self.resized_at)
            })
            .map(|(worker, _)| *worker)
            .collect();
        let mut slot = 0;
        while lanes.len() < workers {
            lanes.insert(WorkerId(slot));
            slot += 1;
        }
        lanes.into_iter().collect()
    }

    /// Time `worker` has spent on runs up to `now`, the current one included.
    pub fn busy_time(&self, worker: WorkerId, now: Instant) -> Duration {
        self.worker_stats
            .get(&worker)
            .map_or(Duration::ZERO, |stats| {
                let running = stats.current.map_or(Duration::ZERO, |(_, _, since)| {
                    now.saturating_duration_since(since)
                });
                stats.busy + running
            })
    }
}
