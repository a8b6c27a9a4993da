//! The parts of a job's current run that end on their own (the tests of a test stage): one
//! row each under the job's row, following the run's `Part` events.
//!
//! A part's state uses the job status words (`running`, `ok`, `failed`, `skipped`,
//! `flaky`), so the table, JSON and the reports speak one language.

use std::time::{Duration, Instant};

use super::JobState;
use crate::engine::{Part, PartStatus};

/// One part of a run, as its last event left it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartRow {
    /// Its name (a test's name).
    pub name: String,
    /// Where it is: `Running`, then `Ok`, `Flaky`, `Failed`, `Skipped` or `Cancelled`.
    pub state: JobState,
    /// When its current attempt started, on the model's clock.
    pub started_at: Option<Instant>,
    /// Its wall time, once it ended.
    pub elapsed: Option<Duration>,
    /// Its first failure line.
    pub error: Option<String>,
    /// Its attempt, from 1.
    pub attempt: u32,
    /// How long its current attempt should take, by its history.
    pub expected: Option<Duration>,
}

impl PartRow {
    /// How long it has run, or ran, at `now`.
    pub fn duration_at(&self, now: Instant) -> Option<Duration> {
        self.elapsed
            .or_else(|| self.started_at.map(|at| now.saturating_duration_since(at)))
    }

    /// Whether it is running and has run longer than `limit` (`--slow`), or than twice what
    /// its history says and a second more.
    pub fn is_slow_at(&self, now: Instant, limit: Option<Duration>) -> bool {
        let Some(running) = self.started_at.filter(|_| self.state == JobState::Running) else {
            return false;
        };
        let ran = now.saturating_duration_since(running);
        let past_history = self
            .expected
            .is_some_and(|e| ran > e * 2 && ran > e + Duration::from_secs(1));
        past_history || limit.is_some_and(|limit| ran > limit)
    }
}

/// The state a part's status leaves its row in: a pass after failed attempts is `flaky`.
fn state_of(part: &Part) -> JobState {
    match part.status {
        PartStatus::Running => JobState::Running,
        PartStatus::Passed if part.attempt > 1 => JobState::Flaky,
        PartStatus::Passed => JobState::Ok,
        PartStatus::Failed => JobState::Failed,
        PartStatus::Skipped => JobState::Skipped,
        PartStatus::Cancelled => JobState::Cancelled,
    }
}

/// Applies `part` to `parts` at `now`; returns the row when the part ended.
pub fn apply(parts: &mut Vec<PartRow>, part: Part, now: Instant) -> Option<PartRow> {
    let state = state_of(&part);
    let at = if let Some(at) = parts.iter().position(|row| row.name == part.name) {
        at
    } else {
        parts.push(PartRow {
            name: part.name.clone(),
            state,
            started_at: None,
            elapsed: None,
            error: None,
            attempt: part.attempt,
            expected: None,
        });
        parts.len() - 1
    };
    let row = &mut parts[at];
    row.state = state;
    row.attempt = part.attempt;
    if state == JobState::Running {
        row.started_at = Some(now);
        row.expected = part.expected;
        row.elapsed = None;
        row.error = None;
        return None;
    }
    row.elapsed = part.elapsed;
    row.error = part.error;
    Some(row.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(status: PartStatus, attempt: u32) -> Part {
        Part {
            name: "t".into(),
            status,
            elapsed: Some(Duration::from_millis(5)),
            error: None,
            attempt,
            expected: None,
            provisional: false,
        }
    }

    #[test]
    fn a_running_part_is_slow_past_its_limit_or_twice_its_history_and_a_second() {
        let t0 = Instant::now();
        let mut parts = Vec::new();
        let mut running = part(PartStatus::Running, 1);
        running.expected = Some(Duration::from_secs(2));
        apply(&mut parts, running, t0);
        let at = |secs| t0 + Duration::from_secs(secs);
        assert!(!parts[0].is_slow_at(at(4), None));
        assert!(parts[0].is_slow_at(at(5), None));
        assert!(parts[0].is_slow_at(at(2), Some(Duration::from_secs(1))));
        apply(&mut parts, part(PartStatus::Passed, 1), at(9));
        assert!(
            !parts[0].is_slow_at(at(9), None),
            "an ended part is never slow"
        );
    }

    #[test]
    fn a_part_that_passes_on_a_later_attempt_is_flaky() {
        let now = Instant::now();
        let mut parts = Vec::new();
        assert!(apply(&mut parts, part(PartStatus::Running, 1), now).is_none());
        assert_eq!(parts[0].state, JobState::Running);
        let ended = apply(&mut parts, part(PartStatus::Failed, 1), now).expect("ended");
        assert_eq!(ended.state, JobState::Failed);
        apply(&mut parts, part(PartStatus::Running, 2), now);
        let ended = apply(&mut parts, part(PartStatus::Passed, 2), now).expect("ended");
        assert_eq!((ended.state, ended.attempt), (JobState::Flaky, 2));
        assert_eq!(parts.len(), 1);
    }
}
