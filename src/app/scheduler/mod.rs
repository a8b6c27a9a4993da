//! The scheduler: the job graph, the ready queue, costs, and the runs handed to the engine.
//!
//! A plain structure in the manner of cargo's `DependencyQueue`: it knows jobs only by id,
//! their dependencies and expected costs, and which run of each is current. It knows nothing
//! of rows, their display, or the clock. The model holds one and tells it what happened
//! (a run started, ended, was taken back); the scheduler answers which runs go next.
//!
//! Edges come with the jobs (configure → build → test, letters → gather) and always point to
//! earlier jobs. A job is ready once every job it depends on succeeded; if one did not, its
//! queued dependants end skipped, and so do the jobs after them. An order edge (a fresh
//! configure after its toolchain probe) only says which goes first: the job is ready once the
//! earlier one ended, however it ended. Ready jobs go highest
//! priority first: a job's priority is its expected time (the median of the known ones for a
//! job without history) plus the highest priority among the jobs waiting on it, so the
//! longest chain starts first, as in cargo's dependency queue and ctest's COST. Equal
//! priorities keep the job list's (name) order; without history every job counts the same,
//! so the jobs with the most stages to come go first (every configure before any build). A job whose run will wait on something
//! outside the machine (a download, as its configure found) is **hurried**: it goes before
//! the others once ready, since no expected time can say how long that wait is.
//!
//! Dispatch keeps the runs in flight at the worker count (one more per worker lent by a run
//! asleep on an announced wait: `lending.rs`) plus one run **on deck**: queued in the engine, so a worker that finishes picks up its next run at once instead of waiting
//! for the model to hear of the finish and answer (with jobs of a few milliseconds that
//! round trip left each worker idle a fifth of the time; see `benches/overhead.sh`). The
//! engine never holds more than that, so a pause or an `s` still takes effect at once: both
//! take the run on deck back (`withdraw_unstarted`) if no worker has picked it up yet, and a
//! paused scheduler keeps none on deck. A superseded run that is still being cancelled keeps
//! its worker busy and counts as in flight; the job's next run waits until it is gone
//! (`draining`), so two runs of a job never share its build folder.

mod build;
mod lending;
#[cfg(test)]
mod tests;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
#[cfg(test)]
use std::time::Duration;

use crate::engine::{JobId, RunId};

/// Runs kept queued in the engine beyond one per worker.
const ON_DECK: usize = 1;

/// Added to a hurried job's priority: above any sum of expected times in milliseconds (2^62
/// ms is 146 million years), so hurried jobs go first, among themselves by their own.
const HURRIED: u64 = 1 << 62;

/// Where a job is, as far as scheduling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Waiting for its dependencies or a worker.
    Queued,
    /// Handed to the engine and not ended (on deck, running or being cancelled).
    Active,
    /// Its current run succeeded.
    Succeeded,
    /// Its current run did not succeed, or it never ran (cancelled or skipped).
    Ended,
}

/// One job of the graph.
#[derive(Debug, Clone)]
struct Node {
    /// Its edges; `None` for a job with none, as every job of a long list of commands is
    /// (32 bytes a node, not 120: 100,000 jobs, 9 MB).
    edges: Option<Box<Edges>>,
    priority: u64,
    run: RunId,
    status: Status,
}

/// The edges of one job of the graph.
#[derive(Debug, Clone, Default)]
struct Edges {
    deps: Vec<JobId>,
    dependants: Vec<JobId>,
    /// Jobs that must have ended, however, before this one runs (order edges).
    after: Vec<JobId>,
    /// Jobs that wait for this one to end, however it ends.
    followers: Vec<JobId>,
}

/// The edges of a job without a box of its own.
static NO_EDGES: Edges = Edges {
    deps: Vec::new(),
    dependants: Vec::new(),
    after: Vec::new(),
    followers: Vec::new(),
};

impl Node {
    fn edges(&self) -> &Edges {
        self.edges.as_deref().unwrap_or(&NO_EDGES)
    }

    fn edges_mut(&mut self) -> &mut Edges {
        self.edges.get_or_insert_default()
    }
}

/// A ready job's place in the dispatch heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ready {
    priority: u64,
    index: Reverse<u32>,
    run: RunId,
}

impl Ord for Ready {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.priority, self.index).cmp(&(other.priority, other.index))
    }
}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ready {
    fn job(self) -> JobId {
        JobId(self.index.0)
    }
}

/// What the scheduler learnt from the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ended {
    /// Whether the run was its job's current one (else it was superseded and is ignored).
    pub is_current: bool,
    /// Queued jobs that will not run now, each with the job whose end skipped it, in the
    /// order they were skipped (a cause always comes before the jobs it skipped).
    pub skipped: Vec<(JobId, JobId)>,
}

/// The job graph, the ready queue, and the runs in flight.
#[derive(Debug)]
pub struct Scheduler {
    nodes: Vec<Node>,
    /// Queued jobs whose dependencies all succeeded, highest priority first. Entries of runs
    /// that were cancelled or superseded are left in place and skipped when they come up,
    /// so cancelling is O(1) per job.
    ready: BinaryHeap<Ready>,
    /// Runs started by hand: dispatched before the rest, even while paused.
    forced: VecDeque<(JobId, RunId)>,
    in_flight: BTreeMap<RunId, JobId>,
    /// Runs dispatched by priority that no worker has picked up yet (as far as we know).
    unstarted: BTreeSet<RunId>,
    /// Runs in flight that wait at the memory gate (`--mem-free`): the engine set them aside,
    /// so they hold no worker and take no dispatch slot.
    waiting: BTreeSet<RunId>,
    /// Runs in flight that lent their worker while they wait out a back-off their output
    /// announced (`lending.rs`): the pool has one worker more for each.
    lent: BTreeSet<RunId>,
    /// The pool size the engine was last told (`lending.rs`).
    told_pool: usize,
    /// The most workers lent at once (`lending.rs`).
    most_lent: usize,
    /// Jobs given a new run while their previous run was still active: the new run waits
    /// until the old one is gone.
    draining: BTreeSet<JobId>,
    next_run: u64,
    workers: usize,
    paused: bool,
    /// `--order name`: every job counts the same and none is hurried, so ready jobs go in
    /// the job list's order.
    by_name: bool,
}

impl Scheduler {
    /// A scheduler of one queued job per `(dependencies, expected time)` pair, in job order,
    /// to run on `workers` workers. Job `i`'s first run is `RunId(i + 1)`. Dependencies on
    /// a later job (or itself) are ignored.
    #[cfg(test)]
    pub fn new(jobs: Vec<(Vec<JobId>, Option<Duration>)>, workers: usize) -> Self {
        Self::with_order(
            jobs.into_iter()
                .map(|(deps, expected)| (deps, Vec::new(), expected))
                .collect(),
            workers,
        )
    }

    /// `job`'s current run.
    pub fn run(&self, job: JobId) -> RunId {
        self.nodes[job.0 as usize].run
    }

    /// Whether `run` is `job`'s current run (events of any other run are stale).
    pub fn is_current(&self, job: JobId, run: RunId) -> bool {
        self.nodes.get(job.0 as usize).is_some_and(|n| n.run == run)
    }

    /// The worker count the pool is sized to.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Sizes dispatch to `workers` workers (at least one).
    pub fn set_workers(&mut self, workers: usize) {
        self.workers = workers.max(1);
    }

    /// Whether dispatch by priority is paused (runs started by hand still go).
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Pauses or resumes dispatch by priority.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// The jobs of the runs in flight (a job twice if a superseded run of it is too).
    pub fn jobs_in_flight(&self) -> Vec<JobId> {
        self.in_flight.values().copied().collect()
    }

    /// Runs handed to the engine that have not ended, superseded ones included.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether every dispatch slot is taken. Runs waiting for memory take none.
    pub fn is_full(&self) -> bool {
        let holding = self.in_flight.len() - self.waiting.len();
        holding.saturating_sub(self.lent.len()) >= self.dispatch_limit()
    }

    /// `run` waits at the memory gate, on no worker: the work behind it may go on.
    pub fn waits_for_memory(&mut self, run: RunId) {
        if self.in_flight.contains_key(&run) {
            self.waiting.insert(run);
        }
    }

    /// `run` started, after waiting for memory or not.
    pub fn no_longer_waiting(&mut self, run: RunId) {
        self.waiting.remove(&run);
    }

    /// Whether nothing is in flight and nothing would be dispatched.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty() && (self.paused || !self.has_ready())
    }

    /// Whether nothing is in flight, ready or started by hand: the work is over for now.
    pub fn is_drained(&self) -> bool {
        self.in_flight.is_empty() && !self.has_ready() && self.forced.is_empty()
    }

    /// The first dependency of `job` that has not succeeded, or job it comes after that has
    /// not ended, if any.
    pub fn blocking_dep(&self, job: JobId) -> Option<JobId> {
        let edges = self.nodes[job.0 as usize].edges();
        let status = |job: &JobId| self.nodes[job.0 as usize].status;
        edges
            .deps
            .iter()
            .find(|dep| status(dep) != Status::Succeeded)
            .or_else(|| {
                edges
                    .after
                    .iter()
                    .find(|first| matches!(status(first), Status::Queued | Status::Active))
            })
            .copied()
    }

    /// The jobs that depend on `job` directly.
    pub fn dependants(&self, job: JobId) -> &[JobId] {
        &self.nodes[job.0 as usize].edges().dependants
    }

    /// Every job that waits on `job`, directly or not, in job order.
    pub fn all_dependants(&self, job: JobId) -> Vec<JobId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut pending = vec![job];
        let mut found = Vec::new();
        while let Some(next) = pending.pop() {
            for &dependant in &self.nodes[next.0 as usize].edges().dependants {
                if !std::mem::replace(&mut seen[dependant.0 as usize], true) {
                    found.push(dependant);
                    pending.push(dependant);
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// Hands out the runs to start now: those started by hand first (even while paused),
    /// then ready jobs by priority, until every slot is taken.
    pub fn dispatch(&mut self) -> Vec<(JobId, RunId)> {
        let mut started = Vec::new();
        while !self.is_full() {
            let forced = self.pop_forced();
            let next = forced.or_else(|| if self.paused { None } else { self.pop_ready() });
            let Some(job) = next else { break };
            if self.draining.contains(&job) {
                // Dropped from the line for now; the old run's end puts it back.
                continue;
            }
            let node = &mut self.nodes[job.0 as usize];
            node.status = Status::Active;
            let run = node.run;
            self.in_flight.insert(run, job);
            if forced.is_none() {
                self.unstarted.insert(run);
            }
            started.push((job, run));
        }
        started
    }

    /// Starts `job`'s queued run next, before the others and even while paused, once its
    /// dependencies succeeded.
    pub fn force(&mut self, job: JobId) {
        self.forced.push_back((job, self.run(job)));
    }

    /// Ready jobs go in the job list's order from now on (`--order name`), whatever their
    /// expected times and chains of stages, and no job is hurried.
    pub fn keep_name_order(&mut self) {
        self.by_name = true;
        for node in &mut self.nodes {
            node.priority = 0;
        }
        let ready = std::mem::take(&mut self.ready);
        self.ready = ready
            .into_iter()
            .map(|entry| Ready {
                priority: 0,
                ..entry
            })
            .collect();
    }

    /// Puts `job` before every job not hurried when it is ready (its run waits on something
    /// outside whose length cannot be known before it starts). The jobs it waits for keep
    /// their place: it is hurried once they are done, as its configure is when it says so.
    pub fn hurry(&mut self, job: JobId) {
        let node = &mut self.nodes[job.0 as usize];
        if self.by_name || node.priority >= HURRIED {
            return;
        }
        node.priority = node.priority.saturating_add(HURRIED);
        // Its entry already in the heap (if ready) stays behind, stale once this one goes.
        self.push_if_ready(job);
    }

    /// The runs dispatched by priority that no worker has picked up: what a pause or a
    /// forced start takes back from the engine.
    pub fn withdraw_unstarted(&self) -> Vec<(JobId, RunId)> {
        self.unstarted
            .iter()
            .filter_map(|&run| Some((*self.in_flight.get(&run)?, run)))
            .collect()
    }

    /// A worker picked `run` up: it is no longer on deck.
    pub fn started(&mut self, run: RunId) {
        self.unstarted.remove(&run);
    }

    /// The engine gave `run` back before a worker took it. If it was `job`'s current run and
    /// `back_in_line` (it was not being cancelled), the job is queued again under the new run
    /// returned (the engine may still hold the old id, to drop when a worker takes it).
    pub fn withdrawn(&mut self, job: JobId, run: RunId, back_in_line: bool) -> Option<RunId> {
        self.unstarted.remove(&run);
        self.waiting.remove(&run);
        self.lent.remove(&run);
        self.in_flight.remove(&run);
        if self.is_current(job, run) && back_in_line {
            let run = self.queue(job);
            return Some(run);
        }
        if !self.is_current(job, run) && self.draining.remove(&job) {
            self.push_if_ready(job);
        }
        None
    }

    /// `run` of `job` ended, successfully or not. A current run's end frees its dependants
    /// or skips them; a superseded run's end lets its successor go.
    pub fn finished(&mut self, job: JobId, run: RunId, succeeded: bool) -> Ended {
        self.unstarted.remove(&run);
        self.waiting.remove(&run);
        self.lent.remove(&run);
        self.in_flight.remove(&run);
        if !self.is_current(job, run) {
            if self.draining.remove(&job) {
                self.push_if_ready(job);
            }
            return Ended::default();
        }
        let skipped = self.end(job, succeeded);
        Ended {
            is_current: true,
            skipped,
        }
    }

    /// `run` of `job`, its current run, failed and is tried again: the job is queued as the
    /// returned new run, and the jobs waiting on it go on waiting.
    pub fn retry(&mut self, job: JobId, run: RunId) -> RunId {
        self.unstarted.remove(&run);
        self.lent.remove(&run);
        self.in_flight.remove(&run);
        self.queue(job)
    }

    /// Ends a queued job without running it (cancelled): its dependants are skipped, which
    /// are returned as `Ended::skipped` is. Does nothing to a job that is not queued.
    pub fn cancel_queued(&mut self, job: JobId) -> Vec<(JobId, JobId)> {
        if self.nodes[job.0 as usize].status != Status::Queued {
            return Vec::new();
        }
        self.end(job, false)
    }

    /// Gives `job` a new, queued run and returns its id. A job whose run is still active
    /// waits for that run to end before the new one goes.
    pub fn requeue(&mut self, job: JobId) -> RunId {
        if self.nodes[job.0 as usize].status == Status::Active {
            self.draining.insert(job);
        }
        self.queue(job)
    }

    /// Drops entries of runs that are gone from the top of the heap, so `has_ready` can look
    /// at the top alone. The model calls it after every message.
    pub fn prune_ready(&mut self) {
        while let Some(&entry) = self.ready.peek() {
            if self.is_ready_entry(entry) {
                return;
            }
            self.ready.pop();
        }
    }

    /// Whether some job is ready to run (the heap's top is current after `prune_ready`).
    pub fn has_ready(&self) -> bool {
        self.ready
            .peek()
            .is_some_and(|&entry| self.is_ready_entry(entry))
    }

    fn new_run(&mut self) -> RunId {
        self.next_run += 1;
        RunId(self.next_run)
    }

    fn queue(&mut self, job: JobId) -> RunId {
        let run = self.new_run();
        let node = &mut self.nodes[job.0 as usize];
        node.run = run;
        node.status = Status::Queued;
        self.push_if_ready(job);
        run
    }

    fn end(&mut self, job: JobId, succeeded: bool) -> Vec<(JobId, JobId)> {
        let node = &mut self.nodes[job.0 as usize];
        node.status = if succeeded {
            Status::Succeeded
        } else {
            Status::Ended
        };
        // Jobs that only come after this one go now, however it ended.
        let followers = node.edges().followers.clone();
        for follower in followers {
            self.push_if_ready(follower);
        }
        if succeeded {
            for dependant in self.nodes[job.0 as usize].edges().dependants.clone() {
                self.push_if_ready(dependant);
            }
            return Vec::new();
        }
        let mut skipped = Vec::new();
        let mut pending = vec![job];
        while let Some(cause) = pending.pop() {
            for dependant in self.nodes[cause.0 as usize].edges().dependants.clone() {
                let node = &mut self.nodes[dependant.0 as usize];
                if node.status != Status::Queued {
                    continue;
                }
                node.status = Status::Ended;
                let followers = node.edges().followers.clone();
                skipped.push((dependant, cause));
                pending.push(dependant);
                // A skipped job's followers need not wait for it any more.
                for follower in followers {
                    self.push_if_ready(follower);
                }
            }
        }
        skipped
    }

    fn dispatch_limit(&self) -> usize {
        self.workers + if self.paused { 0 } else { ON_DECK }
    }

    fn push_if_ready(&mut self, job: JobId) {
        let node = &self.nodes[job.0 as usize];
        if node.status == Status::Queued && self.blocking_dep(job).is_none() {
            self.ready.push(Ready {
                priority: node.priority,
                index: Reverse(job.0),
                run: node.run,
            });
        }
    }

    /// Whether the entry stands for the job's current, queued run, and its dependencies
    /// still all succeeded: one of them re-queued since makes the entry stale (the job is
    /// pushed again when it succeeds).
    fn is_ready_entry(&self, entry: Ready) -> bool {
        let node = &self.nodes[entry.job().0 as usize];
        node.run == entry.run
            && node.status == Status::Queued
            && self.blocking_dep(entry.job()).is_none()
    }

    fn pop_ready(&mut self) -> Option<JobId> {
        while let Some(entry) = self.ready.pop() {
            if self.is_ready_entry(entry) {
                return Some(entry.job());
            }
        }
        None
    }

    fn pop_forced(&mut self) -> Option<JobId> {
        while let Some((job, run)) = self.forced.pop_front() {
            let node = &self.nodes[job.0 as usize];
            // A job whose dependency was re-queued since waits for it in the ready queue.
            if node.run == run && node.status == Status::Queued && self.blocking_dep(job).is_none()
            {
                return Some(job);
            }
        }
        None
    }
}

/// The id of the job at `index` in the job list.
pub fn job_id(index: usize) -> JobId {
    JobId(u32::try_from(index).expect("fewer than 4 billion jobs"))
}
