//! The estimate of the time left, pure: what each unfinished job should still take, spread
//! over the workers, never less than the longest chain of stages still to run.
//!
//! A job's expected time comes from the history when it has one, scaled by the session's
//! *pace*: how long this session's runs took against what the history said of them (a
//! loaded machine, or a history made on another one, moves every estimate, not only the
//! jobs that ran). A job without history takes the median history of its stage (or of all
//! jobs), and with no history at all, the mean of this session's runs of its stage, where
//! the runs still going count with the time they have run so far (the censored mean: the
//! quick failures that end first do not make the long jobs look short). A run past its
//! expected time pushes the pace up, so the estimate moves every second instead of freezing;
//! once only such runs are left, the estimate says by how much they are overdue. A job whose
//! dependencies have not succeeded yet counts with the share of this session's runs that
//! succeeded, since it is skipped when they fail (`--rerun-failed` re-runs mostly failures).
//!
//! A run whose own output announced how long it still needs (its kind reads the lines: a
//! CMake download retried on its back-off) is expected to last at least that long, and is
//! late only past it; the session's pace stretches only its time past the announced end.

use std::time::Duration;

use super::{JobRow, JobState, Model};
use crate::jobs::{JobKind, Stage};

/// What is left to wait for, as the estimate sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// The time left with the workers there are now.
    pub left: Duration,
    /// How far the latest run is past its expected time (zero when none is).
    pub overdue: Duration,
}

/// Jobs whose runs look alike: the same kind at the same stage.
pub(super) type Group = (JobKind, Option<Stage>);

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
        mean_of(&self.finished, &self.running)
    }

    /// The longest a run of the group has been going: its runs take at least that.
    fn longest_running(&self) -> f64 {
        self.running.iter().copied().fold(0.0, f64::max)
    }
}

/// [`Seen::mean`] of the runs `finished` and `running` (of one group, or of all groups one
/// after the other, summed in that order without gathering them first).
fn mean_of<'a, F, R>(finished: F, running: R) -> Option<f64>
where
    F: IntoIterator<Item = &'a f64>,
    F::IntoIter: Clone,
    R: IntoIterator<Item = &'a f64>,
{
    let finished = finished.into_iter();
    let count = finished.clone().count();
    if count == 0 {
        return None;
    }
    let sum: f64 = finished.sum();
    let floor = sum / count_f(count);
    let mut runs = 0;
    let running: f64 = running
        .into_iter()
        .map(|&ran| {
            runs += 1;
            ran.max(floor)
        })
        .sum();
    Some((sum + running) / count_f(count + runs))
}

impl Model {
    /// The time left, or `None` while some unfinished job's length cannot be guessed: no
    /// history at all and no run ended in this session.
    ///
    /// Two passes over the rows, so the model makes it once a second of its clock and keeps
    /// it (`progress.rs`), not once a frame. The passes do only what a row of their state
    /// needs, allocate nothing per row, and skip the per-job chains when no job waits on
    /// another: the same arithmetic in the same order as the first version (kept in
    /// `app::tests::estimate_reference`, which the ETA tests compare it with after every
    /// message), bit for bit the same estimate at a fraction of the cost.
    pub(crate) fn estimate(&self) -> Option<Estimate> {
        let (left, overdue) = self.estimate_in_seconds()?;
        Some(Estimate {
            left: duration(left),
            overdue: duration(overdue),
        })
    }

    /// The time left and how overdue the latest run is, in seconds before they are rounded
    /// to durations: the tests compare these, bit for bit, with the first version's.
    pub(super) fn estimate_in_seconds(&self) -> Option<(f64, f64)> {
        let priors = &self.priors;
        let Observed {
            spent,
            planned,
            late_spent,
            late_planned,
            seen,
            succeeded,
            failed,
        } = self.observe(priors);
        // Each group's mean and longest run, and all runs' mean, once: asked per waiting job,
        // they made an estimate of 100,000 jobs take seconds (each mean sums every run).
        let all_mean = mean_of(
            seen.iter().flat_map(|(_, tally)| &tally.finished),
            seen.iter().flat_map(|(_, tally)| &tally.running),
        );
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
            // waiting, at least as long as a run of the group has been going. Not for a
            // running one: the longest run would then be expected to end now, whenever
            // asked, and the header sat at `ETA 0.0s` for all 85 s of a lone superbuild's
            // build; measured against the other jobs, it is overdue and says so.
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
        // Per job: the chance it runs at all, and its own chain of stages still to run, and
        // how far its run is past its expected time. A job waiting on a late run starts no
        // sooner than that run ends, which is taken to be as far off again: counted as
        // ending now, the late run left the tests waiting on it looking ready, and the
        // header sat at `ETA 1.9s` for the 80 s two builds spent on their downloads. Only
        // a dependency's figures are ever read back: without dependencies there is nothing
        // to keep (three arrays of 100,000 figures a frame, cleared and freed).
        let mut chains = priors.has_deps.then(|| Chains::new(self.jobs.len()));
        let mut longest: f64 = 0.0;
        let (mut held, mut waiting) = (0.0, false);
        for (index, row) in self.jobs.iter().enumerate() {
            let (own, late, asleep) = match row.state {
                JobState::Queued | JobState::Dispatched => (expected(row)?, 0.0, 0.0),
                JobState::Running => {
                    // At least what its own output announced (a download's retries), the
                    // pace stretching only its time past that.
                    let expected = row.running_with_announced(expected(row)?, ended_pace);
                    let ran = self.ran(row);
                    overdue = overdue.max(ran - expected);
                    row.running_left(expected, ran)
                }
                _ => continue,
            };
            waiting |= row.state != JobState::Running;
            held += late;
            let mut reach = 1.0;
            let mut before: f64 = 0.0;
            if let Some(chains) = chains.as_mut() {
                chains.late[index] = late;
                for dep in &row.deps {
                    let dep = dep.0 as usize;
                    if matches!(self.jobs[dep].state, JobState::Ok | JobState::Flaky) {
                        continue;
                    }
                    reach *= success * chains.reach[dep];
                    before = before.max(chains.chain[dep]).max(chains.late[dep]);
                }
                chains.reach[index] = reach;
            }
            let chain = before + own * reach;
            if let Some(chains) = chains.as_mut() {
                chains.chain[index] = chain;
            }
            longest = longest.max(chain);
            sum += (own - asleep) * reach;
        }
        // A late run holds its worker as far off again, and the jobs waiting for a worker
        // start no sooner: with two silent superbuilds late on both workers and 28 tests
        // waiting, the work spread over the workers stayed the same and the header froze.
        // Only while some job waits: with late runs alone left, it says how overdue they are.
        let sum = if waiting { sum + held } else { sum };
        let workers = self.workers().max(1);
        let left = (sum / count_f(workers)).max(longest);
        Some((left, overdue))
    }

    /// How long the row's current run has been going, in seconds.
    fn ran(&self, row: &JobRow) -> f64 {
        row.started_at
            .map_or(0.0, |at| secs(self.now.saturating_duration_since(at)))
    }

    /// What this session's runs say: their time against the history's, per group. A
    /// waiting row says nothing: only the rows that ran or run are looked at past their state.
    fn observe(&self, priors: &Priors) -> Observed {
        let mut seen = Observed {
            seen: priors
                .group_order
                .iter()
                .map(|&group| (group, Seen::default()))
                .collect(),
            ..Observed::default()
        };
        let mut last = 0;
        for row in &self.jobs {
            let finished = match row.state {
                JobState::Ok | JobState::Flaky | JobState::Failed | JobState::Timeout => true,
                JobState::Running => false,
                _ => continue,
            };
            if finished {
                match row.state {
                    JobState::Ok | JobState::Flaky => seen.succeeded += 1,
                    _ => seen.failed += 1,
                }
            }
            if finished && row.result.elapsed.is_none() {
                continue;
            }
            let group = (row.kind, row.stage);
            if seen.seen[last].0 != group {
                last = seen
                    .seen
                    .iter()
                    .position(|(g, _)| *g == group)
                    .expect("every row's group is in the priors' order");
            }
            let tally = &mut seen.seen[last].1;
            let prior = priors.of_row(row);
            // Time a run spent within what its output announced (a download waiting to
            // retry) says nothing of the pace of the other runs, nor of how long they take:
            // only its time past that counts, in its group's times and against its history
            // past it. Counted whole, two superbuilds first in the names made every build still
            // to come expect as long as they had waited (a run going counts at least what it
            // ran), and the ETA grew past twice the truth.
            if let Some(elapsed) = row.result.elapsed.filter(|_| finished) {
                tally
                    .finished
                    .push(row.past_announced(secs(elapsed), 0.0).0);
                if let Some(prior) = prior {
                    let (spent, planned) = row.past_announced(secs(elapsed), prior);
                    seen.spent += spent;
                    seen.planned += planned;
                }
            } else {
                let ran = self.ran(row);
                tally.running.push(row.past_announced(ran, 0.0).0);
                // A run still within its time says little of the pace; one past it
                // says the pace is at least this slow.
                if let Some(prior) = prior.filter(|&prior| ran > row.at_least_announced(prior)) {
                    let (spent, planned) = row.past_announced(ran, prior);
                    seen.late_spent += spent;
                    seen.late_planned += planned;
                }
            }
        }
        seen
    }
}

/// Each waiting or running job's chance to run, its chain of stages still to run and how
/// late its run is, for the jobs that wait on it.
struct Chains {
    reach: Vec<f64>,
    chain: Vec<f64>,
    late: Vec<f64>,
}

impl Chains {
    fn new(jobs: usize) -> Self {
        Self {
            reach: vec![1.0; jobs],
            chain: vec![0.0; jobs],
            late: vec![0.0; jobs],
        }
    }
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

/// What the history expects of each job, with medians for the jobs it does not know. Made
/// once with the model: a row's expected time never changes.
#[derive(Debug, Default)]
pub(super) struct Priors {
    pub(super) groups: Vec<(Group, f64)>,
    pub(super) all: Option<f64>,
    /// Every group, in the order of its first row: the order the runs of all groups are
    /// summed in.
    pub(super) group_order: Vec<Group>,
    /// Whether some job waits on another (the rows' dependencies never change).
    pub(super) has_deps: bool,
}

impl Priors {
    pub(super) fn of(rows: &[JobRow]) -> Self {
        let mut by_group: Vec<(Group, Vec<f64>)> = Vec::new();
        let mut all = Vec::new();
        let mut group_order = Vec::new();
        for row in rows {
            if !group_order.contains(&(row.kind, row.stage)) {
                group_order.push((row.kind, row.stage));
            }
            let Some(expected) = row.expected else {
                continue;
            };
            let group = (row.kind, row.stage);
            match by_group.iter_mut().find(|(g, _)| *g == group) {
                Some((_, times)) => times.push(secs(expected)),
                None => by_group.push((group, vec![secs(expected)])),
            }
            all.push(secs(expected));
        }
        Self {
            groups: by_group
                .into_iter()
                .filter_map(|(group, mut times)| median(&mut times).map(|m| (group, m)))
                .collect(),
            all: median(&mut all),
            group_order,
            has_deps: rows.iter().any(|row| !row.deps.is_empty()),
        }
    }

    /// The job's own history, else its group's median, else the median of all.
    pub(super) fn of_row(&self, row: &JobRow) -> Option<f64> {
        row.expected
            .map(secs)
            .or_else(|| self.of_group((row.kind, row.stage)))
            .or(self.all)
    }

    pub(super) fn of_group(&self, group: Group) -> Option<f64> {
        self.groups
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, m)| *m)
    }
}

fn median(times: &mut [f64]) -> Option<f64> {
    times.sort_unstable_by(f64::total_cmp);
    times.get(times.len() / 2).copied()
}

/// Seconds as a duration: never negative, and a history of nanoseconds against a run of
/// hours (a pace in the billions) gives a long time, not a panic.
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn any_figure_becomes_a_duration() {
        assert_eq!(super::duration(-3.0), Duration::ZERO);
        assert_eq!(super::duration(f64::NAN), Duration::ZERO);
        assert_eq!(super::duration(f64::INFINITY), Duration::MAX);
        assert_eq!(super::duration(1e30), Duration::MAX);
        assert_eq!(super::duration(1.5), Duration::from_millis(1500));
    }
}
