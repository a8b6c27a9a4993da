//! Workers lent by runs that wait out a back-off their own output announced.
//!
//! A CMake download that cannot reach its host retries on a fixed back-off and sleeps 85 s
//! in all (`jobs/cmake/download_wait.rs`): its run holds a worker and uses no CPU. On the
//! cookbook's 31 projects two such superbuilds held both workers for 85 s while 45 s of other
//! work waited. So while a run is inside such a wait, it **lends** its worker: the pool grows
//! by one, and dispatch counts the run as holding no worker, as it does a run waiting for
//! memory. The loan ends when the wait does (the run's output says the download went
//! through, the announced time is over, or the run ends); the pool then shrinks back, and
//! the engine lets the extra worker go once its run ends, so nothing running is stopped.
//! `-j N` is thus N runs that compute at once, plus one per run asleep on an announced wait.

use super::Scheduler;
use crate::engine::{JobId, RunId};

impl Scheduler {
    /// `run`, in flight and started, waits out an announced back-off: its worker is lent to
    /// the next run. Returns whether it was not lent already.
    pub fn lend(&mut self, run: RunId) -> bool {
        let lent = self.in_flight.contains_key(&run)
            && !self.waiting.contains(&run)
            && self.lent.insert(run);
        self.most_lent = self.most_lent.max(self.lent.len());
        lent
    }

    /// The most workers lent at once so far.
    pub fn most_lent(&self) -> usize {
        self.most_lent
    }

    /// `run`'s wait is over: it computes again, on a worker of its own. Returns whether it
    /// had lent its worker.
    pub fn end_loan(&mut self, run: RunId) -> bool {
        self.lent.remove(&run)
    }

    /// The runs that lent their worker, with their jobs.
    pub fn lent_runs(&self) -> Vec<(JobId, RunId)> {
        self.lent
            .iter()
            .filter_map(|&run| Some((*self.in_flight.get(&run)?, run)))
            .collect()
    }

    /// How many runs lent their worker.
    pub fn lent_count(&self) -> usize {
        self.lent.len()
    }

    /// The pool size dispatch counts on: the workers asked for, and one per lent worker.
    pub fn pool_size(&self) -> usize {
        self.workers + self.lent.len()
    }

    /// The pool size the engine must be told, if it changed since it was last told.
    pub fn pool_change(&mut self) -> Option<usize> {
        let size = self.pool_size();
        (size != self.told_pool).then(|| {
            self.told_pool = size;
            size
        })
    }

    /// The engine's pool stopped short at `size` workers: as many are counted, the lent
    /// ones among them.
    pub fn pool_short(&mut self, size: usize) {
        self.told_pool = size;
        self.workers = size.saturating_sub(self.lent.len()).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheduler;
    use crate::engine::RunId;

    fn jobs(runs: &[(crate::engine::JobId, RunId)]) -> Vec<u32> {
        runs.iter().map(|(job, _)| job.0).collect()
    }

    #[test]
    fn a_lent_worker_takes_the_next_run_and_comes_back_when_the_wait_ends() {
        let mut s = Scheduler::new(vec![(Vec::new(), None); 4], 1);
        // One worker, one run on deck.
        let first = s.dispatch();
        assert_eq!(jobs(&first), [0, 1]);
        s.started(first[0].1);
        assert!(s.dispatch().is_empty(), "full");
        assert_eq!(s.pool_change(), None);
        assert!(s.lend(first[0].1));
        assert!(!s.lend(first[0].1), "lent once");
        assert_eq!(s.pool_change(), Some(2), "the pool grows by one");
        assert_eq!(s.pool_change(), None, "told once");
        assert_eq!(jobs(&s.dispatch()), [2], "the lent worker's run");
        assert_eq!(jobs(&s.lent_runs()), [0]);
        assert!(s.end_loan(first[0].1));
        assert_eq!(s.pool_change(), Some(1), "back to the workers asked for");
        assert!(s.dispatch().is_empty(), "over the limit until runs end");
        // A run that ends while lending gives its loan back with it.
        assert!(s.lend(first[0].1));
        s.finished(first[0].0, first[0].1, true);
        assert_eq!(s.lent_count(), 0);
        assert_eq!(s.pool_change(), None, "2 then 1 again: nothing to tell");
    }

    #[test]
    fn a_run_not_in_flight_lends_nothing() {
        let mut s = Scheduler::new(vec![(Vec::new(), None); 2], 1);
        assert!(!s.lend(RunId(1)), "queued");
        assert_eq!(s.pool_size(), 1);
    }

    #[test]
    fn a_short_pool_counts_the_lent_workers_among_its_own() {
        let mut s = Scheduler::new(vec![(Vec::new(), None); 3], 2);
        let first = s.dispatch();
        assert!(s.lend(first[0].1));
        assert_eq!(s.pool_change(), Some(3));
        s.pool_short(2);
        assert_eq!((s.workers(), s.pool_size()), (1, 2));
        assert_eq!(s.pool_change(), None);
    }
}
