//! The estimate as first written (commit 1329978's `app/estimate.rs`, unchanged but for
//! the names and for eta32c's three edits of its meaning: a running job lasts at least what
//! its output announced, in the pace too, and a running job of a group never seen to end is
//! not expected to end now; and eta32e's: the pace stretches only a running job's time
//! past what its output announced, and the time within it counts in no pace), kept to check the faster one against: after every message the ETA tests
//! send, both must give the same estimate, to the bit. The faster one does the same
//! arithmetic in the same order; this one is the definition it must keep.

use std::time::Duration;

use crate::app::estimate::{Estimate, Group, Priors};
use crate::app::{JobRow, JobState, Model};

/// Asserts that the model's estimate is the reference's, to the bit (the seconds, before
/// they are rounded to nanoseconds: a sum in another order would often round the same), and
/// that the counts the model keeps as rows change are a recount's.
pub fn assert_estimate_is_the_reference(model: &Model) {
    let bits =
        |secs: Option<(f64, f64)>| secs.map(|(left, overdue)| (left.to_bits(), overdue.to_bits()));
    assert_eq!(
        bits(model.estimate_in_seconds()),
        bits(estimate_in_seconds(model)),
        "the estimate differs from the first version's, before any rounding"
    );
    super::assert_counts_kept(model);
}

/// Asserts that the ETA the header shows is the reference's estimate: what the model shows
/// right after its clock's second turned, when it makes the estimate again.
pub fn assert_shown_eta_is_the_reference(model: &Model) {
    let reference = match estimate(model) {
        _ if model.work_has_ended() => crate::app::Eta::Ended(model.work_time()),
        Some(estimate) => crate::app::progress::eta_of(estimate),
        None => crate::app::Eta::Unknown,
    };
    assert_eq!(
        model.progress().eta,
        reference,
        "the ETA shown after the second turned is not the first version's estimate"
    );
}

/// Runs of one group seen in this session: the finished runs' times and the running ones'
/// times so far.
#[derive(Debug, Clone, Default)]
struct Seen {
    finished: Vec<f64>,
    running: Vec<f64>,
}

impl Seen {
    /// The mean time of a run, where a run still going counts as at least the finished
    /// runs' mean and at least what it ran: the quick failures that end first do not make
    /// the long runs still going look short. `None` before a run of the group finished.
    fn mean(&self) -> Option<f64> {
        if self.finished.is_empty() {
            return None;
        }
        let finished: f64 = self.finished.iter().sum();
        let floor = finished / count_f(self.finished.len());
        let running: f64 = self.running.iter().map(|&ran| ran.max(floor)).sum();
        Some((finished + running) / count_f(self.finished.len() + self.running.len()))
    }

    /// The longest a run of the group has been going: its runs take at least that.
    fn longest_running(&self) -> f64 {
        self.running.iter().copied().fold(0.0, f64::max)
    }
}

/// The estimate by the first version's two passes over every row.
pub fn estimate(model: &Model) -> Option<Estimate> {
    let (left, overdue) = estimate_in_seconds(model)?;
    Some(Estimate {
        left: duration(left),
        overdue: duration(overdue),
    })
}

/// The time left and how overdue the latest run is, in seconds, before the rounding to
/// durations.
fn estimate_in_seconds(model: &Model) -> Option<(f64, f64)> {
    let priors = &model.priors;
    let Observed {
        spent,
        planned,
        late_spent,
        late_planned,
        seen,
        succeeded,
        failed,
    } = observe(model, priors);
    let all = seen.iter().fold(Seen::default(), |mut all, (_, tally)| {
        all.finished.extend(&tally.finished);
        all.running.extend(&tally.running);
        all
    });
    // Each group's mean and longest run, and all runs' mean, once: asked per waiting job,
    // they made an estimate of 100,000 jobs take seconds (each mean sums every run).
    let all_mean = all.mean();
    let tallies: Vec<(Group, Option<f64>, f64)> = seen
        .iter()
        .map(|(group, tally)| (*group, tally.mean(), tally.longest_running()))
        .collect();
    // A quarter of a job's worth of evidence at pace 1, so one run does not swing it.
    let weight = priors.all.unwrap_or(0.0) / 4.0;
    let pace = |spent: f64, planned: f64| {
        if planned + weight > 0.0 {
            (spent + weight) / (planned + weight)
        } else {
            1.0
        }
    };
    // A late run makes the jobs still waiting look longer, not itself: its own lateness
    // is measured against the pace of the runs that ended.
    let ended_pace = pace(spent, planned);
    let waiting_pace = pace(spent + late_spent, planned + late_planned);
    let expected = |row: &JobRow| {
        let group = (row.kind, row.stage);
        let pace = if row.state == JobState::Running {
            ended_pace
        } else {
            waiting_pace
        };
        let tally = tallies.iter().find(|(g, ..)| *g == group);
        // Nothing known of this group: what is known of all jobs, and for a job still
        // waiting, at least as long as a run of the group has been going.
        let running = row.state == JobState::Running;
        let elsewhere = || {
            let longest = tally.map_or(0.0, |&(_, _, longest)| longest);
            priors
                .all
                .map(|prior| prior * pace)
                .or(all_mean)
                .map(|guess| if running { guess } else { guess.max(longest) })
        };
        row.expected
            .map(secs)
            .or_else(|| priors.of_group(group))
            .map(|prior| prior * pace)
            .or_else(|| tally.and_then(|&(_, mean, _)| mean))
            .or_else(elsewhere)
    };
    let mut expected = once_per_group(expected);
    // The chance that a run succeeds, from this session's runs (two successes and two
    // failures assumed beforehand, so the first few do not decide it): a job that waits
    // on one runs only that often.
    let success = f64::from(succeeded + 2) / f64::from(succeeded + failed + 4);
    let mut sum = 0.0;
    let mut overdue: f64 = 0.0;
    // Per job: the chance it runs at all, and its own chain of stages still to run.
    let mut reach = vec![1.0; model.jobs.len()];
    let mut chain = vec![0.0; model.jobs.len()];
    // Per job: how far its run is past its expected time. A job waiting on a late run
    // starts no sooner than that run ends, which is taken to be as far off again: counted
    // as ending now, the late run left the tests waiting on it looking ready, and the
    // header sat at `ETA 1.9s` for the 80 s two builds spent on their downloads.
    let mut late = vec![0.0; model.jobs.len()];
    let mut longest: f64 = 0.0;
    // A late run holds its worker as far off again, while some job waits for one.
    let (mut held, mut waiting) = (0.0, false);
    for (index, row) in model.jobs.iter().enumerate() {
        let mut asleep = 0.0;
        let own = match row.state {
            JobState::Queued | JobState::Dispatched => {
                waiting = true;
                expected(row)?
            }
            JobState::Running => {
                let expected = row.running_with_announced(expected(row)?, ended_pace);
                let ran = ran(model, row);
                overdue = overdue.max(ran - expected);
                let own;
                (own, late[index], asleep) = row.running_left(expected, ran);
                held += late[index];
                own
            }
            _ => continue,
        };
        let mut before: f64 = 0.0;
        for dep in &row.deps {
            let dep = dep.0 as usize;
            if matches!(model.jobs[dep].state, JobState::Ok | JobState::Flaky) {
                continue;
            }
            reach[index] *= success * reach[dep];
            before = before.max(chain[dep]).max(late[dep]);
        }
        chain[index] = before + own * reach[index];
        longest = longest.max(chain[index]);
        sum += (own - asleep) * reach[index];
    }
    if waiting {
        sum += held;
    }
    let workers = model.workers().max(1);
    let left = (sum / count_f(workers)).max(longest);
    Some((left, overdue))
}

fn ran(model: &Model, row: &JobRow) -> f64 {
    row.started_at
        .map_or(0.0, |at| secs(model.now.saturating_duration_since(at)))
}

fn observe(model: &Model, priors: &Priors) -> Observed {
    let mut seen = Observed::default();
    for row in &model.jobs {
        let group = (row.kind, row.stage);
        let index = seen
            .seen
            .iter()
            .position(|(g, _)| *g == group)
            .unwrap_or_else(|| {
                seen.seen.push((group, Seen::default()));
                seen.seen.len() - 1
            });
        let tally = &mut seen.seen[index].1;
        let prior = priors.of_row(row);
        match row.state {
            JobState::Ok | JobState::Flaky | JobState::Failed | JobState::Timeout => {
                match row.state {
                    JobState::Ok | JobState::Flaky => seen.succeeded += 1,
                    _ => seen.failed += 1,
                }
                let Some(elapsed) = row.result.elapsed else {
                    continue;
                };
                tally
                    .finished
                    .push(row.past_announced(secs(elapsed), 0.0).0);
                if let Some(prior) = prior {
                    let (spent, planned) = row.past_announced(secs(elapsed), prior);
                    seen.spent += spent;
                    seen.planned += planned;
                }
            }
            JobState::Running => {
                let ran = ran(model, row);
                tally.running.push(row.past_announced(ran, 0.0).0);
                // A run still within its time says little of the pace; one past it
                // says the pace is at least this slow.
                if let Some(prior) = prior.filter(|&prior| ran > row.at_least_announced(prior)) {
                    let (spent, planned) = row.past_announced(ran, prior);
                    seen.late_spent += spent;
                    seen.late_planned += planned;
                }
            }
            _ => {}
        }
    }
    seen
}

/// `expected` asked once per group (and whether running) for the rows without a history of
/// their own, which all expect the same: not once per row (100,000 waiting rows a frame).
fn once_per_group(expected: impl Fn(&JobRow) -> Option<f64>) -> impl FnMut(&JobRow) -> Option<f64> {
    let mut shared: Vec<(Group, bool, Option<f64>)> = Vec::new();
    move |row: &JobRow| {
        if row.expected.is_some() {
            return expected(row);
        }
        let key = ((row.kind, row.stage), row.state == JobState::Running);
        if let Some(&(.., known)) = shared.iter().find(|(g, r, _)| (*g, *r) == key) {
            return known;
        }
        let known = expected(row);
        shared.push((key.0, key.1, known));
        known
    }
}

/// What the session's runs say, for the estimate.
#[derive(Debug, Default)]
struct Observed {
    /// Time the finished runs with a history took, and what their history said.
    spent: f64,
    planned: f64,
    /// Time the runs going past their history's time ran so far, and what it said.
    late_spent: f64,
    late_planned: f64,
    /// Runs per group.
    seen: Vec<(Group, Seen)>,
    /// Finished runs that succeeded, and that failed or timed out.
    succeeded: u32,
    failed: u32,
}

fn duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[expect(
    clippy::cast_precision_loss,
    reason = "worker and job counts are far below 2^52"
)]
fn count_f(n: usize) -> f64 {
    n as f64
}
