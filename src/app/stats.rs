//! Figures derived from the model: counts per state, speed-up, efficiency, worker activity.

use std::time::{Duration, Instant};

use super::{JobRow, JobState, Model};
use crate::engine::{JobId, RunId};
use crate::jobs::JobKind;

/// The one rule for what failed: whether a job of `kind` left in `state` counts as failed
/// for the session. The exit status, the recap, the summary line, JSON, `JUnit`, the HTML
/// report, the annotations and the causes all ask this (or [`only_warns`]), so a failure
/// reads the same everywhere.
pub fn fails_session(kind: JobKind, state: JobState) -> bool {
    state.is_unsuccessful() && kind.failure_fails_session()
}

/// Whether a job of `kind` left in `state` did not succeed but fails nothing (a helper such
/// as the toolchain probe, whose failure only changes how other jobs run): every output
/// shows it as a warning, with its consequence, never as a failure.
pub fn only_warns(kind: JobKind, state: JobState) -> bool {
    state.is_unsuccessful() && !kind.failure_fails_session()
}

/// What one worker slot is doing and has done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerStats {
    /// The run it is on, and since when.
    pub current: Option<(JobId, RunId, Instant)>,
    /// Runs it finished.
    pub done: u32,
    /// Time it spent on finished runs.
    pub busy: Duration,
    /// When it started its first run: its busy fraction counts from here.
    pub first_started: Option<Instant>,
    /// When it started its latest run: tells the lanes which slots are still alive.
    pub last_started: Option<Instant>,
}

/// Number of jobs in each state, a helper that only warns (see [`only_warns`]) counted apart
/// as `warned`. They always add up to the number of jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Queued or dispatched.
    pub queued: usize,
    /// Running.
    pub running: usize,
    /// Being cancelled.
    pub cancelling: usize,
    /// Succeeded, on the first attempt or on a retry: `flaky` of them on a retry.
    pub ok: usize,
    /// Succeeded on a retry (counted in `ok` too).
    pub flaky: usize,
    /// Failed.
    pub failed: usize,
    /// Cancelled.
    pub cancelled: usize,
    /// Timed out.
    pub timeout: usize,
    /// Skipped because a job they depend on did not succeed.
    pub skipped: usize,
    /// Helpers that did not succeed, whatever their state: a warning, not a failure.
    pub warned: usize,
}

impl Counts {
    /// The count for one state (a helper that only warns is not in it).
    pub fn get(&self, state: JobState) -> usize {
        match state {
            JobState::Queued | JobState::Dispatched => self.queued,
            JobState::Running => self.running,
            JobState::Cancelling => self.cancelling,
            JobState::Ok => self.ok - self.flaky,
            JobState::Flaky => self.flaky,
            JobState::Failed => self.failed,
            JobState::Cancelled => self.cancelled,
            JobState::Timeout => self.timeout,
            JobState::Skipped => self.skipped,
        }
    }

    /// Counts `row` in its state.
    pub(super) fn add(&mut self, row: &JobRow) {
        self.change(row, |count| *count += 1);
    }

    /// Takes `row` out of the count of its state: it is about to change (see `row_mut`).
    pub(super) fn take(&mut self, row: &JobRow) {
        self.change(row, |count| *count -= 1);
    }

    /// Changes the count `row` is in, by `by`: one table for counting in and out, so the
    /// two never disagree on where a row counts.
    fn change(&mut self, row: &JobRow, by: impl Fn(&mut usize)) {
        let slot = match row.state {
            _ if only_warns(row.kind, row.state) => &mut self.warned,
            JobState::Queued | JobState::Dispatched => &mut self.queued,
            JobState::Running => &mut self.running,
            JobState::Cancelling => &mut self.cancelling,
            JobState::Ok => &mut self.ok,
            JobState::Flaky => {
                by(&mut self.ok);
                &mut self.flaky
            }
            JobState::Failed => &mut self.failed,
            JobState::Cancelled => &mut self.cancelled,
            JobState::Timeout => &mut self.timeout,
            JobState::Skipped => &mut self.skipped,
        };
        by(slot);
    }

    /// All jobs counted.
    pub fn total(&self) -> usize {
        JobState::ALL.iter().map(|&s| self.get(s)).sum::<usize>() + self.warned
    }

    /// Jobs whose last run did not succeed and fails the session.
    pub fn unsuccessful(&self) -> usize {
        self.failed + self.cancelled + self.timeout + self.skipped
    }
}

/// The figures printed at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Jobs per state.
    pub counts: Counts,
    /// Wall time from the start until the work ended (or until now, while it goes on).
    pub wall: Duration,
    /// Wall time during which at least one run was in flight: what speed-up divides by.
    pub active: Duration,
    /// Sum of the wall times of every finished run.
    pub job_time: Duration,
    /// Sum of the CPU times of every finished run, where measured.
    pub cpu_time: Duration,
    /// `job_time / active`: how many workers were busy on average while anything ran. Never
    /// more than the average pool size (the worker count, unless the pool was resized).
    pub speedup: f64,
    /// `speedup / average pool size`: the share of the worker time the pool offered that
    /// jobs used. The average is weighted by time, so resizing mid-run is counted fairly.
    /// Never more than 1. A job waiting on a download keeps its worker busy all the same:
    /// how much of that time was spent computing is [`Summary::cpu_share`].
    pub efficiency: f64,
    /// `cpu_time / (active time × average pool size)`: the share of the worker time the pool
    /// offered that the jobs spent on a CPU (more than 1 when jobs run several threads or
    /// compilers each). `None` with a launcher, whose jobs' CPU time is not measured.
    pub cpu_share: Option<f64>,
    /// The worker count at the end.
    pub workers: usize,
    /// The most workers lent at once by runs waiting out a back-off their output announced
    /// (`scheduler/lending.rs`): the pool had that many more then.
    pub lent: usize,
    /// Whether process jobs ran through a launcher, so `cpu_time` counts only jobdeck's own
    /// tasks (the pseudowords).
    pub is_launched: bool,
}

impl Summary {
    /// The one-line summary both modes print at the end (the headless mode on stdout, the
    /// TUI after it restored the terminal), so they always read the same.
    pub fn line(&self, interrupted: bool) -> String {
        let c = &self.counts;
        // Only sessions with stages or a gather can skip; the others keep the line they had.
        let skipped = if c.skipped > 0 {
            format!(", {} skipped", c.skipped)
        } else {
            String::new()
        };
        // Only sessions with retries can have flaky jobs: the others keep their line too.
        let flaky = if c.flaky > 0 {
            format!(" ({} flaky)", c.flaky)
        } else {
            String::new()
        };
        let warned = if c.warned > 0 {
            format!(", {} warned", c.warned)
        } else {
            String::new()
        };
        format!(
            "{}{} jobs: {} ok{flaky}, {} failed, {} cancelled, {} timeout{skipped}{warned} in {:.2}s; \
             speed-up {:.2}x, efficiency {:.0}% on {} worker{}, cpu {:.2}s",
            if interrupted { "interrupted: " } else { "" },
            c.total(),
            c.ok,
            c.failed,
            c.cancelled,
            c.timeout,
            self.wall.as_secs_f64(),
            self.speedup,
            self.efficiency * 100.0,
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.cpu_time.as_secs_f64(),
        ) + &match (self.is_launched, self.cpu_share) {
            (true, _) => " (launched jobs not counted)".to_string(),
            (false, Some(share)) => {
                format!(" (on a CPU {:.0}% of the workers' time)", share * 100.0)
            }
            (false, None) => String::new(),
        } + &match self.lent {
            0 => String::new(),
            1 => "; a worker more while a run waited out a back-off".to_string(),
            lent => format!("; up to {lent} workers more while runs waited out a back-off"),
        }
    }
}

impl Model {
    /// Whether every job succeeded, the toolchain probes aside: a probe is jobdeck's own
    /// helper, and when it fails its configures run unseeded and decide the session's end.
    /// A job that passed on a retry succeeded, unless `--flaky-fails`.
    pub fn all_own_jobs_succeeded(&self) -> bool {
        self.jobs.iter().all(|row| {
            !row.kind.failure_fails_session()
                || row.state == JobState::Ok
                || (row.state == JobState::Flaky && !self.flaky_fails)
        })
    }

    /// Workers with a run on them right now.
    pub fn busy_workers(&self) -> usize {
        self.activity.busy_workers()
    }

    /// The summary as of `model.now`.
    pub fn summary(&self) -> Summary {
        self.summary_of(self.counts())
    }

    /// [`Model::summary`] with the counts already at hand.
    pub fn summary_of(&self, counts: Counts) -> Summary {
        let running: Duration = self
            .activity
            .worker_stats
            .values()
            .filter_map(|w| {
                w.current
                    .map(|(_, _, since)| self.now.saturating_duration_since(since))
            })
            .sum();
        let (active, pool) =
            self.activity
                .active_and_pool_time(self.now, self.runs_in_flight(), self.workers());
        let job_time = self.activity.job_time;
        // A run's duration is measured by its worker, the active and pool time by this
        // model's clock, which moves only when a message comes. A run that ends after the
        // clock's last tick (the loop left on a second Ctrl-C, the run died during the
        // shutdown) can outlast what the clock saw: the figures are capped, so they stay
        // possible whatever the timing of the messages.
        let busy = job_time + running;
        Summary {
            counts,
            // Up to the moment the work ended: minutes spent reading the results after it
            // are not the session's.
            wall: self.work_time(),
            active,
            job_time,
            cpu_time: self.activity.cpu_time,
            speedup: ratio(busy, active).min(ratio(pool, active)),
            efficiency: ratio(busy, pool).min(1.0),
            cpu_share: self
                .launcher
                .is_none()
                .then(|| ratio(self.activity.cpu_time, pool)),
            workers: self.workers(),
            lent: self.scheduler.most_lent(),
            is_launched: self.launcher.is_some(),
        }
    }

    /// Brings the active and pool clocks up to now. Called before anything that changes
    /// whether runs are in flight or how many workers there are.
    pub(super) fn settle_clock(&mut self) {
        let (in_flight, workers) = (self.runs_in_flight(), self.workers());
        self.activity.settle(self.now, in_flight, workers);
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        0.0
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::app::tests::{finish, model, runs, start, tick};
    use crate::app::{Action, JobId, Model, Msg, update};
    use crate::engine::RunId;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// A model whose first runs have all started, one per worker slot.
    fn all_started(jobs: usize, workers: usize, t0: Instant) -> (Model, Vec<(JobId, RunId)>) {
        let mut model = model(jobs, workers, t0);
        let first = runs(&model.start());
        for (slot, &run) in first.iter().enumerate() {
            start(&mut model, run, slot);
        }
        (model, first)
    }

    /// Two workers, two 4-second jobs side by side: speed-up 2, efficiency 100 %.
    #[test]
    fn speedup_and_efficiency_of_two_parallel_jobs() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(2, 2, t0);
        tick(&mut model, t0, 4);
        for &run in &first {
            finish(&mut model, run, secs(4));
        }
        let summary = model.summary();
        assert_eq!(summary.wall, secs(4));
        assert!((summary.speedup - 2.0).abs() < 1e-9, "{summary:?}");
        assert!((summary.efficiency - 1.0).abs() < 1e-9, "{summary:?}");
        assert_eq!(summary.cpu_time, secs(4));
        assert_eq!(summary.counts.ok, 2);
    }

    /// Two workers busy all the time, computing half of it (the other half waiting on a
    /// download, say): efficiency counts them busy, the CPU share says half, and the line
    /// says both apart (issue 32 item 5: `efficiency 100%` for a run spent waiting).
    #[test]
    fn busy_workers_and_cpu_used_are_two_figures() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(2, 2, t0);
        tick(&mut model, t0, 4);
        for &run in &first {
            // `finish` reports half the wall time as CPU time.
            finish(&mut model, run, secs(4));
        }
        let summary = model.summary();
        assert!((summary.efficiency - 1.0).abs() < 1e-9, "{summary:?}");
        let share = summary.cpu_share.expect("measured");
        assert!((share - 0.5).abs() < 1e-9, "{summary:?}");
        let line = summary.line(false);
        assert!(
            line.contains(
                "efficiency 100% on 2 workers, cpu 4.00s (on a CPU 50% of the workers' time)"
            ),
            "{line}"
        );
    }

    /// One 4-second job on a pool that had 1 worker for 2 s and 3 workers for 2 s: the pool
    /// offered 8 worker-seconds, so efficiency is 4/8.
    #[test]
    fn efficiency_weights_pool_size_by_time() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(1, 1, t0);
        tick(&mut model, t0, 2);
        update(&mut model, Msg::Action(Action::AddWorker));
        update(&mut model, Msg::Action(Action::AddWorker));
        tick(&mut model, t0, 4);
        finish(&mut model, first[0], secs(4));
        let summary = model.summary();
        assert!((summary.speedup - 1.0).abs() < 1e-9, "{summary:?}");
        assert!((summary.efficiency - 0.5).abs() < 1e-9, "{summary:?}");
        assert_eq!(summary.workers, 3);
        assert!(
            summary.line(false).contains(" on 3 workers, "),
            "{}",
            summary.line(false)
        );
        let one = crate::app::Summary {
            workers: 1,
            ..summary
        };
        assert!(
            one.line(false).contains(" on 1 worker, "),
            "{}",
            one.line(false)
        );
        // Workers lent by waits are said after everything else, which keeps its place.
        let lent = crate::app::Summary { lent: 2, ..one };
        assert!(
            lent.line(false).contains(" on 1 worker, ")
                && lent
                    .line(false)
                    .ends_with("; up to 2 workers more while runs waited out a back-off"),
            "{}",
            lent.line(false)
        );
    }

    /// Idle time (after everything finished, or between a run and a later re-run) counts
    /// neither for speed-up nor for efficiency.
    #[test]
    fn idle_time_does_not_dilute_speedup_or_efficiency() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(1, 1, t0);
        tick(&mut model, t0, 2);
        finish(&mut model, first[0], secs(2));
        tick(&mut model, t0, 60);
        let summary = model.summary();
        assert_eq!(
            summary.wall,
            secs(2),
            "the clock stopped when the work ended"
        );
        assert_eq!(summary.active, secs(2));
        assert!((summary.speedup - 1.0).abs() < 1e-9, "{summary:?}");
        assert!((summary.efficiency - 1.0).abs() < 1e-9, "{summary:?}");
        // A re-run after the idle minute adds its own time only.
        let rerun = runs(&update(&mut model, Msg::Action(Action::Rerun)))[0];
        start(&mut model, rerun, 0);
        tick(&mut model, t0, 61);
        finish(&mut model, rerun, secs(1));
        assert_eq!(model.summary().active, secs(3));
        assert_eq!(
            model.summary().wall,
            secs(3),
            "the idle minute before the re-run is not counted"
        );
    }

    /// Shrinking the pool while both workers run: the retiring worker's run still counts
    /// as pool time, so efficiency stays at 100 % rather than going past it.
    #[test]
    fn efficiency_counts_a_retiring_workers_run_as_pool_time() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(2, 2, t0);
        tick(&mut model, t0, 1);
        update(&mut model, Msg::Action(Action::RemoveWorker));
        tick(&mut model, t0, 4);
        for &run in &first {
            finish(&mut model, run, secs(4));
        }
        let summary = model.summary();
        assert!((summary.efficiency - 1.0).abs() < 1e-9, "{summary:?}");
        assert!((summary.speedup - 2.0).abs() < 1e-9, "{summary:?}");
    }

    /// A second Ctrl-C leaves the loop at once; the runs end later, during the shutdown,
    /// with durations the model's clock never saw pass. The figures must stay possible.
    #[test]
    fn runs_ending_after_a_second_force_quit_keep_the_figures_possible() {
        let t0 = Instant::now();
        let (mut model, first) = all_started(2, 2, t0);
        tick(&mut model, t0, 1);
        update(&mut model, Msg::Action(Action::ForceQuit));
        let effects = update(&mut model, Msg::Action(Action::ForceQuit));
        assert!(effects.contains(&crate::app::Effect::Exit), "{effects:?}");
        for &run in &first {
            finish(&mut model, run, secs(10));
        }
        tick(&mut model, t0, 11);
        let summary = model.summary();
        assert!(summary.efficiency <= 1.0, "{summary:?}");
        assert!(summary.speedup <= 2.0, "{summary:?}");
    }

    /// Speed-up counts running jobs too, so the header is right mid-run.
    #[test]
    fn speedup_counts_time_of_running_jobs() {
        let t0 = Instant::now();
        let (mut model, _) = all_started(2, 2, t0);
        tick(&mut model, t0, 3);
        assert!((model.summary().speedup - 2.0).abs() < 1e-9);
        assert_eq!(model.busy_workers(), 2);
    }
}
