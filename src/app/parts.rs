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
    /// Where it is: `Running`, then `Ok`, `Flaky`, `Failed` or `Skipped`.
    pub state: JobState,
    /// When its current attempt started, on the model's clock.
    pub started_at: Option<Instant>,
    /// Its wall time, once it ended.
    pub elapsed: Option<Duration>,
    /// Its first failure line.
    pub error: Option<String>,
    /// Its attempt, from 1.
    pub attempt: u32,
}

impl PartRow {
    /// How long it has run, or ran, at `now`.
    pub fn duration_at(&self, now: Instant) -> Option<Duration> {
        self.elapsed
            .or_else(|| self.started_at.map(|at| now.saturating_duration_since(at)))
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
        });
        parts.len() - 1
    };
    let row = &mut parts[at];
    row.state = state;
    row.attempt = part.attempt;
    if state == JobState::Running {
        row.started_at = Some(now);
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
        }
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
