//! What a running job's own output says of the time it still needs (`Kind::announced_wait`):
//! a CMake download retried on its fixed back-off announces each wait. The estimate takes
//! the run to last at least that long: its own guess from other runs cannot know it.

use std::time::Instant;

use super::{Effect, JobRow, JobState, Model};
use crate::engine::JobId;

impl Model {
    /// Lends `job`'s worker while its current run waits out what its output announced, and
    /// ends the loan once it no longer does (`scheduler/lending.rs`).
    pub(super) fn keep_loan(&mut self, job: JobId) {
        let row = self.job(job);
        let (run, waits) = (row.run, row.waits_announced(self.now));
        if waits {
            self.scheduler.lend(run);
        } else {
            self.scheduler.end_loan(run);
        }
    }

    /// Ends the loans of runs whose announced wait is over by now (the sleep ended and the
    /// download is tried again), and dispatches with the pool so resized.
    pub(super) fn end_loans_past(&mut self) -> Vec<Effect> {
        let mut ended = false;
        for (job, run) in self.scheduler.lent_runs() {
            if !self.job(job).waits_announced(self.now) {
                ended |= self.scheduler.end_loan(run);
            }
        }
        if ended { self.dispatch() } else { Vec::new() }
    }
}

impl JobRow {
    /// Whether the row's run is running within a wait its output announced, at `now`.
    pub(super) fn waits_announced(&self, now: Instant) -> bool {
        let (Some(started), Some(end)) = (self.started_at, self.extra().announced_end) else {
            return false;
        };
        self.state == JobState::Running && now.saturating_duration_since(started) < end
    }

    /// The running run's seconds left, `ran` seconds into a run `expected` to take so long;
    /// how far past that it is (late); and the part of its time left within the wait its
    /// output announced, when its worker is lent (`scheduler/lending.rs`): that part is in
    /// its chain, not in the work the workers share.
    pub(super) fn running_left(&self, expected: f64, ran: f64) -> (f64, f64, f64) {
        let own = (expected - ran).max(0.0);
        let asleep = self
            .extra()
            .announced_end
            .map_or(0.0, |end| (end.as_secs_f64() - ran).max(0.0));
        (own, (ran - expected).max(0.0), asleep.min(own))
    }

    /// Hears `lines` of the current run's output, which came at `now`: the latest line that
    /// announces a wait sets how long the run lasts at least.
    pub(super) fn hear_announced_wait(&mut self, lines: &[String], now: Instant) {
        let Some(started) = self.started_at else {
            return;
        };
        let (kind, stage) = (self.kind, self.stage);
        // The latest word counts: a `done` after a wait ends it.
        if let Some(wait) = lines
            .iter()
            .rev()
            .find_map(|line| kind.announced_wait(stage, line))
        {
            let ran = now.saturating_duration_since(started);
            self.extra_mut().announced_end = Some(ran.saturating_add(wait));
        }
    }

    /// The run's expected length in seconds, `expected`, made at least what its output
    /// announced.
    pub(super) fn at_least_announced(&self, expected: f64) -> f64 {
        self.extra()
            .announced_end
            .map_or(expected, |end| expected.max(end.as_secs_f64()))
    }

    /// `ran` seconds of the run and its history's `prior`, each less the time within what
    /// its output announced: the part of the run that says how fast this session computes.
    /// A superbuild failing on the same downloads again took its 85 s against a history of
    /// 85 s, and counted so it held the pace near 1 for the runs after it, whose history
    /// was a third of their time (the ETA fell to a fifth of the truth as it ended).
    pub(super) fn past_announced(&self, ran: f64, prior: f64) -> (f64, f64) {
        match self.extra().announced_end {
            None => (ran, prior),
            Some(end) => {
                let end = end.as_secs_f64();
                ((ran - end).max(0.0), (prior - end).max(0.0))
            }
        }
    }

    /// The running run's expected length in seconds, from `expected`, its own time scaled by
    /// the session's `pace`, and what its output announced: it lasts at least to the
    /// announced end, and the pace stretches only the part of its own time past that end.
    /// The pace says how much slower than their history the other runs compute; a wait on
    /// a fixed back-off takes the same at any load. A superbuild whose history is the same
    /// 85 s of retries, scaled by the pace of three sub-second configures (1.5), was
    /// expected to take 127 s, and the ETA with history was past twice the truth.
    pub(super) fn running_with_announced(&self, expected: f64, pace: f64) -> f64 {
        let Some(end) = self.extra().announced_end else {
            return expected;
        };
        let end = end.as_secs_f64();
        if pace.is_nan() || pace <= 0.0 {
            return expected.max(end);
        }
        let own = expected / pace;
        if own <= end {
            end
        } else {
            end + (own - end) * pace
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::app::{JobNode, JobRow};
    use crate::engine::RunId;

    fn row(kind: crate::jobs::JobKind) -> JobRow {
        let mut row = JobRow::new(JobNode::from(("p".to_string(), kind)), RunId(1));
        row.started_at = Some(Instant::now());
        row
    }

    #[test]
    fn the_latest_announcing_line_sets_the_runs_least_length() {
        let mut row = row(crate::jobs::cmake::KIND);
        let at = |s| row.started_at.expect("started") + Duration::from_secs(s);
        let (two, done) = (at(2), at(30));
        let lines = |l: &[&str]| l.iter().map(ToString::to_string).collect::<Vec<_>>();
        row.hear_announced_wait(&lines(&["-- Using src='http://x/y.tgz'"]), two);
        assert_eq!(row.extra().announced_end, None);
        row.hear_announced_wait(
            &lines(&[
                "-- Retrying...",
                "-- Retry after 5 seconds (attempt #2) ...",
                "-- Using src='http://x/y.tgz'",
            ]),
            two,
        );
        assert_eq!(row.extra().announced_end, Some(Duration::from_secs(87)));
        assert!((row.at_least_announced(3.0) - 87.0).abs() < 1e-9);
        assert!((row.at_least_announced(100.0) - 100.0).abs() < 1e-9);
        row.hear_announced_wait(&lines(&["-- Downloading... done", "[ 50%] x"]), done);
        assert_eq!(row.extra().announced_end, Some(Duration::from_secs(30)));
    }

    #[test]
    fn a_kind_that_announces_nothing_keeps_its_guess() {
        let mut row = row(crate::jobs::command::KIND);
        let at = row.started_at.expect("started") + Duration::from_secs(1);
        let lines = vec!["-- Retry after 5 seconds (attempt #2) ...".to_string()];
        row.hear_announced_wait(&lines, at);
        assert_eq!(row.extra().announced_end, None);
    }
}
