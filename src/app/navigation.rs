//! Getting to the rows that matter on a long run: the table's sort orders, the jumps to the
//! next running or failed row, half-page moves, and a selection that follows the run holding
//! everything up until the user moves it.
//!
//! A sorted order is a permutation of the shown rows, redone on the clock's tick rather than
//! on every engine event, and at most every quarter second: a batch of hundreds of events
//! then costs one sort, not hundreds, and the rows do not jitter faster than the eye can
//! follow.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

/// How often a sorted order whose rows changed is redone at most. The loop's clock moves on
/// every turn (every few engine events while runs go), not only on the 250 ms ticker the
/// order was meant to follow: sorted by state, 100,000 rows were filtered and sorted on
/// every turn, a few milliseconds each, and a key's answer waited behind them (median 44 ms,
/// 90th 111 ms in `benches/tui_keys.sh` with `S` pressed first).
pub(super) const RESORT_EVERY: Duration = Duration::from_millis(250);

use super::{JobRow, JobState, Model};

/// How the table orders its rows. `S` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Discovery order: the projects by path, each project's stages together.
    #[default]
    Name,
    /// Running first, then failed, timed out, cancelled, queued, skipped and ok.
    State,
    /// Longest first (a running row counts the time so far); rows that never ran last.
    Time,
}

impl SortOrder {
    /// The word the footer and docs/usage.md use.
    pub fn word(self) -> &'static str {
        match self {
            SortOrder::Name => "name",
            SortOrder::State => "state",
            SortOrder::Time => "time",
        }
    }

    fn next(self) -> Self {
        match self {
            SortOrder::Name => SortOrder::State,
            SortOrder::State => SortOrder::Time,
            SortOrder::Time => SortOrder::Name,
        }
    }
}

/// Where a state goes in the state order: what needs attention or is happening comes first.
fn state_rank(state: JobState) -> u8 {
    match state {
        JobState::Running => 0,
        JobState::Cancelling => 1,
        JobState::Failed => 2,
        JobState::Timeout => 3,
        JobState::Cancelled => 4,
        JobState::Dispatched | JobState::Queued => 5,
        JobState::Skipped => 6,
        JobState::Flaky => 7,
        JobState::Ok => 8,
    }
}

/// Sorts job indices by `order`; ties keep job order, so equal rows never swap places.
pub(super) fn sort_rows(rows: &mut [usize], jobs: &[JobRow], order: SortOrder, now: Instant) {
    match order {
        SortOrder::Name => rows.sort_unstable(),
        SortOrder::State => rows.sort_by_key(|&i| (state_rank(jobs[i].state), i)),
        SortOrder::Time => {
            rows.sort_by_key(|&i| (jobs[i].duration_at(now).map(Reverse), i));
            // `None` sorts first; rows that never ran belong at the end.
            let ran = rows.partition_point(|&i| jobs[i].duration_at(now).is_none());
            rows.rotate_left(ran);
        }
    }
}

fn is_running(state: JobState) -> bool {
    matches!(state, JobState::Running | JobState::Cancelling)
}

fn is_failed(state: JobState) -> bool {
    matches!(state, JobState::Failed | JobState::Timeout)
}

impl Model {
    /// `S`: the next sort order. The selection stays on its job.
    pub(super) fn cycle_sort(&mut self) {
        self.ui.sort = self.ui.sort.next();
        self.apply_filter();
    }

    /// Redoes a sorted order whose rows changed (or, by time, whose running rows grew), at
    /// most every [`RESORT_EVERY`].
    pub(super) fn resort_if_stale(&mut self) {
        let growing = self.ui.sort == SortOrder::Time && self.runs_in_flight() > 0;
        let due = self
            .ui
            .sorted_at
            .is_none_or(|at| self.now.saturating_duration_since(at) >= RESORT_EVERY);
        if (self.ui.order_stale || growing) && due {
            self.reorder(true);
            self.dirty = true;
        }
    }

    /// `Tab` / `Shift-Tab`: the next (or previous) running row, wrapping around.
    pub(super) fn jump_running(&mut self, forward: bool) {
        if !self.jump_to(forward, is_running) {
            self.ui.notice = Some("no running job is shown".into());
        }
    }

    /// `F`: the next failed or timed-out row, wrapping around.
    pub(super) fn jump_failed(&mut self) {
        if !self.jump_to(true, is_failed) {
            self.ui.notice = Some("no failed job is shown".into());
        }
    }

    /// Selects the first shown row after the selection (or before it) whose state passes
    /// `wanted`, wrapping around; false when there is none.
    fn jump_to(&mut self, forward: bool, wanted: fn(JobState) -> bool) -> bool {
        let len = self.shown_len();
        if len == 0 {
            return false;
        }
        let from = self.selected_position().unwrap_or(len - 1);
        let found = (1..=len)
            .map(|step| {
                if forward {
                    (from + step) % len
                } else {
                    (from + len - step % len) % len
                }
            })
            .find(|&position| {
                self.shown_job(position)
                    .is_some_and(|index| wanted(self.jobs[index].state))
            });
        let Some(position) = found else {
            return false;
        };
        self.ui.pinned = true;
        self.select_position(position);
        true
    }

    /// `Ctrl-d` / `Ctrl-u`: half the table's height down or up.
    pub(super) fn half_page(&mut self, down: bool) {
        let half = usize::from(self.ui.viewport.table.height / 2).max(1);
        let delta = isize::try_from(half).unwrap_or(isize::MAX);
        self.ui.pinned = true;
        self.move_selection(if down { delta } else { -delta });
    }

    /// Until the user moves the selection, it sits on the shown row that has been running
    /// longest: the one holding everything up stays on screen without a search. With
    /// nothing running it stays where it is.
    pub(super) fn follow_running(&mut self) {
        if self.ui.pinned {
            return;
        }
        let longest = self
            .activity
            .worker_stats
            .values()
            .filter_map(|stats| stats.current)
            .filter(|&(job, run, _)| {
                let row = self.job(job);
                row.run == run && row.state == JobState::Running
            })
            .filter_map(|(job, _, since)| {
                let position = self.position_of(job.0 as usize)?;
                Some((since, position))
            })
            .min();
        if let Some((_, position)) = longest {
            self.select_position(position);
        }
    }
}
