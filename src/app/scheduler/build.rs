//! Making a scheduler job by job, in job order, as the model makes its rows: no list of the
//! whole graph is held beside the rows while they are made (its tuples cost 64 bytes a job,
//! 6.4 MB at 100,000 jobs, at the session's peak).

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::time::Duration;

use super::{Edges, Node, Scheduler, Status, job_id};
use crate::app::record::millis;
use crate::engine::{JobId, RunId};

/// A scheduler being made (`Scheduler::building`): jobs are added in job order, then
/// `finish` gives the scheduler, its priorities and ready queue made.
#[derive(Debug)]
pub struct Building {
    scheduler: Scheduler,
    /// The known expected times, in milliseconds: a job without one costs their median,
    /// known only once every job was added.
    known: Vec<u64>,
    /// Whether each job has no expected time (its cost waits for the median).
    unknown: Vec<bool>,
}

impl Scheduler {
    /// A scheduler to be made of `count` jobs (room for them all is kept at once), to run on
    /// `workers` workers.
    pub fn building(count: usize, workers: usize) -> Building {
        Building {
            scheduler: Self {
                nodes: Vec::with_capacity(count),
                ready: BinaryHeap::with_capacity(count),
                forced: VecDeque::new(),
                in_flight: BTreeMap::new(),
                unstarted: BTreeSet::new(),
                waiting: BTreeSet::new(),
                lent: BTreeSet::new(),
                told_pool: workers.max(1),
                most_lent: 0,
                draining: BTreeSet::new(),
                next_run: 0,
                workers: workers.max(1),
                paused: false,
                by_name: false,
            },
            known: Vec::new(),
            unknown: Vec::with_capacity(count),
        }
    }

    /// As [`Scheduler::new`], each job also with the jobs that must have ended (however)
    /// before it runs: `(dependencies, after, expected time)`.
    #[cfg(test)]
    pub fn with_order(
        jobs: Vec<(Vec<JobId>, Vec<JobId>, Option<Duration>)>,
        workers: usize,
    ) -> Self {
        let mut building = Self::building(jobs.len(), workers);
        for (deps, after, expected) in jobs {
            building.add(deps, after, expected);
        }
        building.finish()
    }
}

impl Building {
    /// Adds the next job: the jobs it depends on, the jobs that must have ended (however)
    /// before it runs, and its expected time. Edges to a later job (or itself) are ignored.
    pub fn add(&mut self, deps: Vec<JobId>, after: Vec<JobId>, expected: Option<Duration>) {
        let scheduler = &mut self.scheduler;
        let own = expected.map(millis);
        self.known.extend(own);
        self.unknown.push(own.is_none());
        let run: RunId = scheduler.new_run();
        let earlier = |job: &JobId| (job.0 as usize) < scheduler.nodes.len();
        let after: Vec<JobId> = after.into_iter().filter(earlier).collect();
        let edges = (!deps.is_empty() || !after.is_empty()).then(|| {
            Box::new(Edges {
                deps,
                after,
                ..Edges::default()
            })
        });
        scheduler.nodes.push(Node {
            edges,
            // The job's own cost for now; `finish` adds the jobs waiting on it.
            priority: own.unwrap_or(0),
            run,
            status: Status::Queued,
        });
    }

    /// The scheduler of the jobs added: each job's priority is its own cost (the median of
    /// the known ones for a job without) plus the highest among the jobs waiting on it.
    pub fn finish(self) -> Scheduler {
        let Self {
            mut scheduler,
            mut known,
            unknown,
        } = self;
        known.sort_unstable();
        // Without history every job counts the same (at least a millisecond), so the chain
        // with the most stages to come goes first: every project's configure before any
        // build. A configure is where a project finds what it lacks (a compiler fails
        // there) and what it will fetch (its build is then hurried, `Scheduler::hurry`, and
        // its wait on the network lends its worker, `lending.rs`): in name order the
        // cookbook's superbuilds, late in the names, began their 85 s of download retries
        // at job 78 of 97, and the ETA said a few seconds until then.
        let median = known.get(known.len() / 2).copied().unwrap_or(0).max(1);
        drop(known);
        let count = scheduler.nodes.len();
        for (node, unknown) in scheduler.nodes.iter_mut().zip(unknown) {
            if unknown {
                node.priority = median;
            }
        }
        for index in 0..count {
            for dep in scheduler.nodes[index].edges().deps.clone() {
                if (dep.0 as usize) < index {
                    scheduler.nodes[dep.0 as usize]
                        .edges_mut()
                        .dependants
                        .push(job_id(index));
                }
            }
            for first in scheduler.nodes[index].edges().after.clone() {
                scheduler.nodes[first.0 as usize]
                    .edges_mut()
                    .followers
                    .push(job_id(index));
            }
        }
        // Dependencies point to earlier jobs: one backward pass sees every dependant first.
        for index in (0..count).rev() {
            let edges = scheduler.nodes[index].edges();
            let after = edges
                .dependants
                .iter()
                .chain(&edges.followers)
                .map(|d| scheduler.nodes[d.0 as usize].priority)
                .max()
                .unwrap_or(0);
            let own = scheduler.nodes[index].priority;
            scheduler.nodes[index].priority = own.saturating_add(after);
        }
        for index in 0..count {
            scheduler.push_if_ready(job_id(index));
        }
        scheduler
    }
}
