//! The scheduler alone, as cargo tests its `DependencyQueue`: no model, no rows.

use std::time::Duration;

use super::Scheduler;
use crate::engine::{JobId, RunId};

#[expect(
    clippy::unnecessary_wraps,
    reason = "reads as the expected cost it stands for"
)]
fn secs(s: u64) -> Option<Duration> {
    Some(Duration::from_secs(s))
}

/// Jobs named by index: `(dependencies, expected seconds)`.
fn scheduler(jobs: &[(&[u32], Option<Duration>)], workers: usize) -> Scheduler {
    let graph = jobs
        .iter()
        .map(|(deps, cost)| (deps.iter().map(|&d| JobId(d)).collect(), *cost))
        .collect();
    Scheduler::new(graph, workers)
}

fn jobs(started: &[(JobId, RunId)]) -> Vec<u32> {
    started.iter().map(|(job, _)| job.0).collect()
}

#[test]
fn dequeues_the_longest_cost_chain_first_and_ties_in_job_order() {
    // 0 (1 s) alone; 1 (1 s) → 2 (5 s): the chain 1–2 is longer than 0 or 3.
    let mut s = scheduler(
        &[
            (&[], secs(1)),
            (&[], secs(1)),
            (&[1], secs(5)),
            (&[], secs(1)),
        ],
        1,
    );
    // One worker plus one on deck.
    let first = s.dispatch();
    assert_eq!(jobs(&first), [1, 0]);
    assert_eq!(s.in_flight(), 2);
    assert!(s.dispatch().is_empty(), "every slot is taken");
}

#[test]
fn finish_frees_dependants() {
    let mut s = scheduler(&[(&[], None), (&[0], None), (&[1], None)], 4);
    let started = s.dispatch();
    assert_eq!(jobs(&started), [0], "1 and 2 wait for 0");
    let ended = s.finished(JobId(0), started[0].1, true);
    assert!(ended.is_current && ended.skipped.is_empty());
    let next = s.dispatch();
    assert_eq!(jobs(&next), [1]);
    s.finished(JobId(1), next[0].1, true);
    assert_eq!(jobs(&s.dispatch()), [2]);
}

#[test]
fn a_failed_dependency_skips_its_dependants_transitively() {
    let mut s = scheduler(&[(&[], None), (&[0], None), (&[1], None), (&[], None)], 4);
    let started = s.dispatch();
    assert_eq!(jobs(&started), [0, 3]);
    let ended = s.finished(JobId(0), started[0].1, false);
    assert_eq!(
        ended.skipped,
        [(JobId(1), JobId(0)), (JobId(2), JobId(1))],
        "each skipped job comes with the one whose end skipped it"
    );
    assert!(s.dispatch().is_empty());
    assert_eq!(s.blocking_dep(JobId(1)), Some(JobId(0)));
}

/// Found by the fuzzer once its graphs had edges: a job ready but not yet dispatched kept its
/// place when its dependency was re-queued, and ran before the dependency's new run ended.
#[test]
fn a_ready_job_waits_again_when_its_dependency_is_requeued() {
    let mut s = scheduler(&[(&[], None), (&[0], None), (&[0], None)], 1).paused();
    s.force(JobId(0));
    let (job, run) = s.dispatch()[0];
    s.finished(job, run, true);
    // 2 is ready, and even started by hand, when 0 is re-queued.
    s.force(JobId(2));
    s.requeue(JobId(0));
    s.set_paused(false);
    assert_eq!(jobs(&s.dispatch()), [0], "1 and 2 wait for 0's new run");
    s.finished(JobId(0), s.run(JobId(0)), true);
    assert_eq!(jobs(&s.dispatch()), [1, 2], "then both go");
}

#[test]
fn cancelling_a_queued_job_skips_its_dependants() {
    let mut s = scheduler(&[(&[], None), (&[0], None)], 1).paused();
    assert_eq!(s.cancel_queued(JobId(0)), [(JobId(1), JobId(0))]);
    assert!(s.cancel_queued(JobId(1)).is_empty(), "already ended");
    assert!(s.is_idle());
}

#[test]
fn a_stale_runs_end_is_ignored() {
    let mut s = scheduler(&[(&[], None)], 1);
    let (job, old) = s.dispatch()[0];
    let new = s.requeue(job);
    assert_ne!(old, new);
    assert!(s.is_current(job, new) && !s.is_current(job, old));
    assert!(!s.finished(job, old, true).is_current);
}

#[test]
fn a_rerun_waits_until_the_old_run_drains() {
    let mut s = scheduler(&[(&[], None)], 2);
    let (job, old) = s.dispatch()[0];
    s.requeue(job);
    assert!(
        s.dispatch().is_empty(),
        "the old run still holds the build folder"
    );
    s.finished(job, old, false);
    let next = s.dispatch();
    assert_eq!(next, [(job, s.run(job))]);
}

#[test]
fn withdraw_takes_back_the_run_on_deck_and_queues_it_again() {
    let mut s = scheduler(&[(&[], None), (&[], None)], 1);
    let started = s.dispatch();
    assert_eq!(started.len(), 2, "one running, one on deck");
    s.started(started[0].1);
    s.set_paused(true);
    assert_eq!(s.withdraw_unstarted(), [started[1]]);
    let (job, run) = started[1];
    let again = s
        .withdrawn(job, run, true)
        .expect("queued again under a new run");
    assert_ne!(again, run);
    s.finished(started[0].0, started[0].1, true);
    assert!(s.dispatch().is_empty(), "paused");
    s.force(job);
    assert_eq!(
        s.dispatch(),
        [(job, again)],
        "a forced start goes even while paused"
    );
    assert!(
        s.withdraw_unstarted().is_empty(),
        "a forced run is not on deck"
    );
}

#[test]
fn a_withdrawn_superseded_run_lets_its_successor_go() {
    let mut s = scheduler(&[(&[], None)], 1);
    let (job, old) = s.dispatch()[0];
    let new = s.requeue(job);
    assert!(s.withdrawn(job, old, false).is_none());
    assert_eq!(s.dispatch(), [(job, new)]);
}

/// Jobs named by index with order edges: `(dependencies, after, expected seconds)`.
fn ordered(jobs: &[(&[u32], &[u32], Option<Duration>)], workers: usize) -> Scheduler {
    let ids = |list: &[u32]| list.iter().map(|&d| JobId(d)).collect();
    let graph = jobs
        .iter()
        .map(|(deps, after, cost)| (ids(deps), ids(after), *cost))
        .collect();
    Scheduler::with_order(graph, workers)
}

/// A fresh configure comes after its toolchain probe: it waits while the probe is queued or
/// running, and goes however the probe ends (a failed probe leaves it unseeded, not skipped).
#[test]
fn a_job_after_another_waits_for_its_end_whatever_the_end() {
    for probe_succeeded in [true, false] {
        // 0: the probe; 1 and 2 configures after it; 3 a build of 1.
        let mut s = ordered(
            &[
                (&[], &[], None),
                (&[], &[0], None),
                (&[], &[0], None),
                (&[1], &[], None),
            ],
            4,
        );
        let started = s.dispatch();
        assert_eq!(jobs(&started), [0], "the configures wait for the probe");
        assert_eq!(s.blocking_dep(JobId(1)), Some(JobId(0)));
        let ended = s.finished(JobId(0), started[0].1, probe_succeeded);
        assert!(
            ended.skipped.is_empty(),
            "nothing is skipped by a probe's end"
        );
        assert_eq!(jobs(&s.dispatch()), [1, 2]);
    }
}

#[test]
fn the_job_others_come_after_goes_first_and_a_rerun_holds_them_again() {
    // 0 alone is long; 2 comes after the short 1, so 1's chain (1 then 2) is longer.
    let mut s = ordered(
        &[
            (&[], &[], secs(3)),
            (&[], &[], secs(1)),
            (&[], &[1], secs(5)),
        ],
        1,
    );
    let started = s.dispatch();
    assert_eq!(
        jobs(&started),
        [1, 0],
        "the chain through the order edge first"
    );
    s.finished(JobId(1), started[0].1, true);
    s.requeue(JobId(1));
    assert_eq!(
        s.blocking_dep(JobId(2)),
        Some(JobId(1)),
        "waits for the new run"
    );
    // Cancelled while queued: the job after it goes, and is not skipped.
    assert!(s.cancel_queued(JobId(1)).is_empty());
    assert_eq!(s.blocking_dep(JobId(2)), None);
}

/// A job skipped because its dependency failed no longer holds the jobs that come after it.
#[test]
fn a_skipped_job_releases_the_jobs_after_it() {
    let mut s = ordered(&[(&[], &[], None), (&[0], &[], None), (&[], &[1], None)], 2);
    let started = s.dispatch();
    assert_eq!(jobs(&started), [0]);
    let ended = s.finished(JobId(0), started[0].1, false);
    assert_eq!(ended.skipped, [(JobId(1), JobId(0))]);
    assert_eq!(jobs(&s.dispatch()), [2]);
}

impl Scheduler {
    fn paused(mut self) -> Self {
        self.set_paused(true);
        self
    }
}

/// A superbuild's configure found a download ahead: its build goes before the configures of
/// the projects after it, not after them all in its turn (where a wait of 85 s showed last).
#[test]
fn a_hurried_job_goes_first_once_ready() {
    // Configures 0, 2, 3, 4 (each before its build: 1, 5, 6, 7), one worker.
    let mut s = scheduler(
        &[
            (&[], secs(1)),
            (&[0], secs(1)),
            (&[], secs(1)),
            (&[], secs(1)),
            (&[], secs(1)),
            (&[2], secs(1)),
            (&[3], secs(1)),
            (&[4], secs(1)),
        ],
        1,
    );
    let first = s.dispatch();
    assert_eq!(jobs(&first), [0, 2], "configures go first, one on deck");
    s.hurry(JobId(1));
    s.hurry(JobId(1));
    s.finished(JobId(0), first[0].1, true);
    assert_eq!(
        jobs(&s.dispatch()),
        [1],
        "the hurried build before configures 3 and 4"
    );
    s.finished(JobId(2), first[1].1, true);
    assert_eq!(jobs(&s.dispatch()), [3], "then the others in their turn");
}

/// A job hurried while already ready (its entry in the heap) is not dispatched twice.
#[test]
fn a_job_hurried_when_ready_runs_once() {
    let mut s = scheduler(&[(&[], secs(5)), (&[], secs(1)), (&[], secs(1))], 1).paused();
    s.hurry(JobId(2));
    s.set_paused(false);
    let started = s.dispatch();
    assert_eq!(jobs(&started), [2, 0]);
    s.finished(JobId(2), started[0].1, true);
    s.finished(JobId(0), started[1].1, true);
    assert_eq!(jobs(&s.dispatch()), [1], "2's earlier entry is stale");
    assert!(s.dispatch().is_empty());
}

/// `--order name` (no expected times): the job list's order, and no job hurried.
#[test]
fn in_name_order_nothing_moves_ahead() {
    let mut s = scheduler(&[(&[], None), (&[0], None), (&[], None), (&[2], None)], 1);
    s.keep_name_order();
    s.hurry(JobId(3));
    let first = s.dispatch();
    assert_eq!(jobs(&first), [0, 2]);
    s.finished(JobId(0), first[0].1, true);
    s.finished(JobId(2), first[1].1, true);
    assert_eq!(jobs(&s.dispatch()), [1, 3], "3 is not hurried");
}

/// Without history every job counts the same, so the jobs with the most stages to come go
/// first: each project's configure before any build. In name order the job list's order
/// alone, project by project.
#[test]
fn without_history_the_stages_to_come_decide() {
    let jobs_of = || {
        scheduler(
            &[
                (&[], None),
                (&[0], None),
                (&[], None),
                (&[2], None),
                (&[], None),
                (&[4], None),
            ],
            1,
        )
    };
    let mut s = jobs_of();
    let first = s.dispatch();
    assert_eq!(jobs(&first), [0, 2], "configures first");
    s.finished(JobId(0), first[0].1, true);
    assert_eq!(jobs(&s.dispatch()), [4], "every configure before any build");
    let mut s = jobs_of();
    s.keep_name_order();
    let first = s.dispatch();
    s.finished(JobId(0), first[0].1, true);
    assert_eq!(jobs(&s.dispatch()), [1]);
    s.finished(JobId(2), first[1].1, true);
    assert_eq!(jobs(&s.dispatch()), [3], "name order: project by project");
}
