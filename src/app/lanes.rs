//! Which worker slots exist right now, as far as the model can tell, and how busy each was:
//! the rows of the workers panel and the lanes of the timeline.
//!
//! The engine does not report a worker leaving. After `-` some worker leaves once its current
//! run ends, and the model cannot know which one. What it does know: a slot with a run on it
//! is alive (or leaving after that run), and a slot that started a run after the latest resize
//! survived that resize. Those are shown; if they are fewer than the pool size, the lowest
//! other slot numbers fill up (the engine hands out the lowest free slot when it grows, so a
//! new worker gets exactly such a number).

use std::collections::BTreeSet;
use std::time::Duration;

use super::Model;
use crate::engine::WorkerId;

impl Model {
    /// The worker slots to show, in slot order: at least `workers` of them, more while
    /// workers that are leaving still finish their runs.
    pub fn lanes(&self) -> Vec<WorkerId> {
        self.activity.lanes(self.workers())
    }

    /// Worker slots that ran something but are no longer in the pool (retired by `-`): the
    /// timeline keeps their lanes, dimmed, so their history stays visible.
    pub fn retired_lanes(&self) -> Vec<WorkerId> {
        let live: BTreeSet<WorkerId> = self.lanes().into_iter().collect();
        self.activity
            .worker_stats
            .iter()
            .filter(|(worker, stats)| stats.done > 0 && !live.contains(worker))
            .map(|(worker, _)| *worker)
            .collect()
    }

    /// Time `worker` has spent on runs, the current one included.
    pub fn busy_time(&self, worker: WorkerId) -> Duration {
        self.activity.busy_time(worker, self.now)
    }

    /// The share of the time since `worker` started its first run that it spent on runs;
    /// `None` before its first run. Counting from its first run, not from the session's start,
    /// keeps a worker added by `+` late in the session from looking idle.
    pub fn busy_fraction(&self, worker: WorkerId) -> Option<f64> {
        let since = self.activity.worker_stats.get(&worker)?.first_started?;
        // Up to when the work ended, as the header's figures: time spent reading the
        // results is nobody's idleness (the fraction kept falling after the run was done).
        let end = self.activity.work_ended_at.unwrap_or(self.now);
        let alive = end.saturating_duration_since(since);
        if alive.is_zero() {
            return Some(1.0);
        }
        Some((self.busy_time(worker).as_secs_f64() / alive.as_secs_f64()).min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::app::tests::{finish, model, runs, start};
    use crate::app::{Action, Model, Msg, update};
    use crate::engine::WorkerId;

    fn slots(model: &Model) -> Vec<usize> {
        model.lanes().into_iter().map(|w| w.0).collect()
    }

    /// Before any run starts, the pool's slots are shown, empty.
    #[test]
    fn lanes_before_any_run_are_the_pool_slots() {
        let t0 = Instant::now();
        let model = model(4, 3, t0);
        assert_eq!(slots(&model), [0, 1, 2]);
        assert_eq!(model.busy_fraction(WorkerId(0)), None);
    }

    /// `+` mid-run adds a lane at once; the new slot's first run lands on it.
    #[test]
    fn adding_a_worker_adds_a_lane_that_its_runs_land_on() {
        let t0 = Instant::now();
        let mut model = model(6, 2, t0);
        let first = runs(&model.start());
        start(&mut model, first[0], 0);
        start(&mut model, first[1], 1);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(1)));
        let added = runs(&update(&mut model, Msg::Action(Action::AddWorker)));
        assert_eq!(
            slots(&model),
            [0, 1, 2],
            "the new lane shows before it runs"
        );
        start(&mut model, added[0], 2);
        assert_eq!(slots(&model), [0, 1, 2]);
        assert_eq!(
            model.activity.worker_stats[&WorkerId(2)]
                .current
                .map(|c| c.0),
            Some(added[0].0)
        );
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
        // Slot 2 has been busy for all of the 2 s since it first started.
        let busy = model.busy_fraction(WorkerId(2)).expect("started");
        assert!((busy - 1.0).abs() < 1e-9, "{busy}");
    }

    /// The busy fraction stops with the work, as the header's efficiency does: a minute of
    /// reading the results after a 2-second run leaves it at 100 %.
    #[test]
    fn the_busy_fraction_stops_when_the_work_ends() {
        let t0 = Instant::now();
        let mut model = model(1, 1, t0);
        let first = runs(&model.start());
        start(&mut model, first[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(2)));
        finish(&mut model, first[0], Duration::from_secs(2));
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(60)));
        let busy = model.busy_fraction(WorkerId(0)).expect("it ran");
        assert!((busy - 1.0).abs() < 1e-9, "{busy}");
    }

    /// `-` while every worker is busy: the leaving worker's lane stays until its run ends,
    /// and whichever slot the engine retired is the one that disappears.
    #[test]
    fn removing_a_worker_drops_the_lane_of_the_slot_that_retired() {
        let t0 = Instant::now();
        let mut model = model(8, 3, t0);
        let first = runs(&model.start());
        let (running, deck) = (&first[..3], first[3]);
        for (slot, &run) in running.iter().enumerate() {
            start(&mut model, run, slot);
        }
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(1)));
        update(&mut model, Msg::Action(Action::RemoveWorker));
        assert_eq!(slots(&model), [0, 1, 2], "all three still run");
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(2)));
        // The engine's queue holds the run on deck, then the Retire message. Slot 0 finishes
        // first and picks up the run on deck.
        let next = runs(&finish(&mut model, running[0], Duration::from_secs(1)));
        assert!(
            next.is_empty(),
            "three runs in flight: two workers and the deck"
        );
        start(&mut model, deck, 0);
        // Slot 1 finishes and takes the Retire message: it never starts again.
        let refill = runs(&finish(&mut model, running[1], Duration::from_secs(1)));
        assert_eq!(refill.len(), 1, "the deck is filled again");
        assert_eq!(slots(&model), [0, 2], "slot 1 left");
        // Slot 2 finishes and picks up the new run; slot 0 goes idle: it survived the
        // resize, so it stays.
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
        finish(&mut model, running[2], Duration::from_secs(1));
        start(&mut model, refill[0], 2);
        finish(&mut model, deck, Duration::from_secs(1));
        assert_eq!(slots(&model), [0, 2]);
    }

    /// Down to one worker and back up: the engine reuses the lowest free slot, and so do the
    /// lanes before its first run.
    #[test]
    fn shrinking_to_one_and_growing_back_reuses_the_lowest_slot() {
        let t0 = Instant::now();
        let mut model = model(8, 2, t0);
        let first = runs(&model.start());
        start(&mut model, first[0], 0);
        start(&mut model, first[1], 1);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(1)));
        update(&mut model, Msg::Action(Action::RemoveWorker));
        finish(&mut model, first[0], Duration::from_secs(1));
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(2)));
        let next = runs(&finish(&mut model, first[1], Duration::from_secs(1)));
        start(&mut model, next[0], 1);
        assert_eq!(slots(&model), [1], "only slot 1 is left");
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
        let added = runs(&update(&mut model, Msg::Action(Action::AddWorker)));
        assert_eq!(slots(&model), [0, 1], "the freed slot comes back");
        start(&mut model, added[0], 0);
        assert_eq!(slots(&model), [0, 1]);
        // Spans stay on the lane they ran on.
        let lanes: Vec<usize> = model.activity.spans.iter().map(|s| s.worker.0).collect();
        assert_eq!(lanes, [0, 1]);
    }
}
