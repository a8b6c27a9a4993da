//! The job graph driven through `update`: stages, `skipped`, re-runs that bring the jobs
//! after them along, `R` from the first stage that did not succeed, the letters → gather
//! edge, longest first, and history records taken at the moment a run ends.

use std::time::{Duration, Instant};

use super::{act, current, failed, runs, send, start, states};
use crate::app::{Action, Effect, JobNode, JobState, Model, Msg, News, update};
use crate::engine::{EventKind, Finished, JobId, Outcome};
use crate::jobs::{JobKind, Stage};

/// Runs every job to success, in the order the engine's queue would start them (first
/// dispatched, first started), and returns that order.
fn dispatch_order(model: &mut Model) -> Vec<u32> {
    let mut queue: std::collections::VecDeque<_> = runs(&model.start()).into();
    let mut order = Vec::new();
    while let Some((job, _)) = queue.pop_front() {
        order.push(job.0);
        queue.extend(runs(&run(model, job.0, Outcome::Succeeded)));
    }
    order
}

/// Ends the current run of `job` with `outcome` without a start, as the engine ends a run
/// cancelled before a worker picked it up.
fn end(model: &mut Model, job: u32, outcome: Outcome) -> Vec<Effect> {
    let finished = Finished {
        outcome,
        elapsed: Duration::ZERO,
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    };
    send(model, current(model, job), EventKind::Finished(finished))
}

fn finished_news(model: &mut Model) -> Vec<(String, Option<Stage>, JobState)> {
    model
        .take_news()
        .into_iter()
        .filter_map(|news| match news {
            News::Finished(r) => Some((r.name, r.stage, r.state)),
            News::Started(_) | News::Retried(_) | News::PartFinished(..) => None,
        })
        .collect()
}

/// Projects `names`, each configure → build → test, in that row order.
fn pipelines(names: &[&str], workers: usize) -> Model {
    let mut nodes = Vec::new();
    for name in names {
        for (i, stage) in crate::jobs::cmake::Step::ALL.into_iter().enumerate() {
            let deps = if i == 0 {
                Vec::new()
            } else {
                vec![JobId(u32::try_from(nodes.len() - 1).expect("small"))]
            };
            nodes.push(JobNode {
                after: Vec::new(),
                name: (*name).to_string(),
                kind: crate::jobs::cmake::KIND,
                stage: Some(stage.stage()),
                deps,
                expected: None,
            });
        }
    }
    Model::new(nodes, workers, Instant::now())
}

/// Starts and ends the current run of `job` with `outcome`; returns the effects.
fn run(model: &mut Model, job: u32, outcome: Outcome) -> Vec<Effect> {
    let run = current(model, job);
    start(model, run, 0);
    let finished = Finished {
        outcome,
        elapsed: Duration::from_millis(10),
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    };
    send(model, run, EventKind::Finished(finished))
}

fn select(model: &mut Model, job: usize) {
    update(model, Msg::Action(Action::SelectFirst));
    for _ in 0..job {
        update(model, Msg::Action(Action::SelectNext));
    }
}

#[test]
fn a_stage_starts_only_after_the_one_before_it_succeeds() {
    let mut model = pipelines(&["a"], 4);
    let started = runs(&model.start());
    assert_eq!(started, [current(&model, 0)], "only the configure is ready");
    let next = runs(&run(&mut model, 0, Outcome::Succeeded));
    assert_eq!(next, [current(&model, 1)], "the build follows");
    let next = runs(&run(&mut model, 1, Outcome::Succeeded));
    assert_eq!(next, [current(&model, 2)], "then the test");
    run(&mut model, 2, Outcome::Succeeded);
    assert!(model.is_idle());
    assert_eq!(states(&model), [JobState::Ok; 3]);
}

#[test]
fn the_stages_after_a_failure_are_skipped_and_reported_once() {
    let mut model = pipelines(&["a", "b"], 1);
    assert_eq!(
        runs(&model.start()),
        [current(&model, 0), current(&model, 3)],
        "b's configure waits on deck"
    );
    model.take_news();
    let effects = run(&mut model, 0, failed());
    assert!(runs(&effects).is_empty(), "nothing else is ready");
    assert_eq!(
        states(&model)[..3],
        [JobState::Failed, JobState::Skipped, JobState::Skipped]
    );
    assert_eq!(
        finished_news(&mut model),
        [
            (
                "a".into(),
                Some(crate::jobs::cmake::Step::Configure.stage()),
                JobState::Failed
            ),
            (
                "a".into(),
                Some(crate::jobs::cmake::Step::Build.stage()),
                JobState::Skipped
            ),
            (
                "a".into(),
                Some(crate::jobs::cmake::Step::Test.stage()),
                JobState::Skipped
            ),
        ]
    );
    let error = model.jobs[2].result.error.as_deref().unwrap_or_default();
    assert_eq!(
        error, "configure failed",
        "the failure behind the skipped build"
    );
    let error = model.jobs[1].result.error.as_deref().unwrap_or_default();
    assert_eq!(error, "configure failed");
    assert_eq!(model.counts().skipped, 2);
}

#[test]
fn rerunning_a_stage_reruns_the_stages_after_it_once_it_succeeds() {
    let mut model = pipelines(&["a"], 2);
    model.start();
    run(&mut model, 0, Outcome::Succeeded);
    run(&mut model, 1, failed());
    assert_eq!(states(&model)[2], JobState::Skipped);
    select(&mut model, 1);
    let effects = update(&mut model, Msg::Action(Action::Rerun));
    assert_eq!(runs(&effects), [current(&model, 1)]);
    assert_eq!(states(&model)[2], JobState::Queued, "the test waits again");
    let effects = run(&mut model, 1, Outcome::Succeeded);
    assert_eq!(runs(&effects), [current(&model, 2)]);
}

#[test]
fn rerunning_a_test_stage_builds_first_so_a_fixed_test_is_built() {
    let mut model = pipelines(&["a"], 1);
    model.start();
    run(&mut model, 0, Outcome::Succeeded);
    run(&mut model, 1, Outcome::Succeeded);
    run(&mut model, 2, failed());
    // `r` on the test stage: its build runs again first (a no-op when nothing changed),
    // its configure does not.
    select(&mut model, 2);
    let effects = update(&mut model, Msg::Action(Action::Rerun));
    assert_eq!(runs(&effects), [current(&model, 1)], "the build first");
    assert_eq!(model.jobs[0].runs, 1, "the configure is not run again");
    assert_eq!(states(&model)[2], JobState::Queued, "the test waits for it");
    let effects = run(&mut model, 1, Outcome::Succeeded);
    assert_eq!(runs(&effects), [current(&model, 2)]);
    run(&mut model, 2, failed());
    // `R` too; its question counts the build.
    update(&mut model, Msg::Action(Action::RerunFailed));
    assert_eq!(model.rerun_would_queue(), 2);
    let effects = update(&mut model, Msg::Action(Action::Confirm));
    assert_eq!(runs(&effects), [current(&model, 1)], "the build first");
    assert_eq!(
        (model.jobs[1].runs, model.jobs[2].state),
        (3, JobState::Queued)
    );
}

#[test]
fn rerun_all_starts_each_project_at_its_first_stage_that_did_not_succeed() {
    let mut model = pipelines(&["a", "b"], 1);
    model.start();
    run(&mut model, 0, Outcome::Succeeded);
    run(&mut model, 1, failed()); // a's build fails, its test is skipped
    run(&mut model, 3, failed()); // b's configure fails, its build and test are skipped
    assert!(model.is_idle());
    update(&mut model, Msg::Action(Action::RerunFailed));
    assert_eq!(
        model.ui.overlay.question(),
        Some(crate::app::Question::RerunFailed),
        "R asks first"
    );
    let effects = update(&mut model, Msg::Action(Action::Confirm));
    assert_eq!(
        runs(&effects),
        [current(&model, 1), current(&model, 3)],
        "a starts at its build, b at its configure"
    );
    assert_eq!(model.jobs[0].runs, 1, "a's configure is not run again");
    assert_eq!(
        states(&model),
        [
            JobState::Ok,
            JobState::Dispatched,
            JobState::Queued,
            JobState::Dispatched,
            JobState::Queued,
            JobState::Queued,
        ]
    );
    let effects = run(&mut model, 1, Outcome::Succeeded);
    assert_eq!(runs(&effects), [current(&model, 2)], "a's test follows");
}

#[test]
fn cancelling_a_letter_skips_the_gather_and_its_rerun_runs_the_gather_again() {
    let letter = |name: &str| JobNode::from((name.to_string(), crate::jobs::pseudowords::KIND));
    let gather = JobNode {
        deps: vec![JobId(0), JobId(1)],
        ..letter("letters-gather")
    };
    let mut model = Model::new(vec![letter("l0"), letter("l1"), gather], 1, Instant::now());
    let first = runs(&model.start());
    assert_eq!(first, [current(&model, 0), current(&model, 1)]);
    select(&mut model, 1);
    update(&mut model, Msg::Action(Action::Cancel));
    // l1 was on deck: the engine ends it as cancelled without starting it.
    end(&mut model, 1, Outcome::Cancelled);
    assert_eq!(
        states(&model)[1..],
        [JobState::Cancelled, JobState::Skipped]
    );
    run(&mut model, 0, Outcome::Succeeded);
    assert!(
        model.is_idle(),
        "nothing waits for a letter that will not run"
    );
    let effects = update(&mut model, Msg::Action(Action::Rerun));
    assert_eq!(runs(&effects), [current(&model, 1)]);
    let effects = run(&mut model, 1, Outcome::Succeeded);
    assert_eq!(
        runs(&effects),
        [current(&model, 2)],
        "the gather runs again"
    );
}

/// Two letters fail; re-running one must not queue the gather, which still waits on the
/// other: queued, it would wait for ever (the fuzzer found it once its graphs had edges).
#[test]
fn rerunning_one_failed_letter_leaves_the_gather_skipped_while_the_other_has_failed() {
    let letter = |name: &str| JobNode::from((name.to_string(), crate::jobs::pseudowords::KIND));
    let gather = JobNode {
        deps: vec![JobId(0), JobId(1)],
        ..letter("letters-gather")
    };
    let mut model = Model::new(vec![letter("l0"), letter("l1"), gather], 2, Instant::now());
    model.start();
    run(&mut model, 0, failed());
    run(&mut model, 1, failed());
    assert_eq!(states(&model)[2], JobState::Skipped);
    select(&mut model, 1);
    let effects = update(&mut model, Msg::Action(Action::Rerun));
    assert_eq!(runs(&effects), [current(&model, 1)]);
    assert_eq!(states(&model)[2], JobState::Skipped, "l0 still failed");
    run(&mut model, 1, Outcome::Succeeded);
    assert!(model.is_idle());
    assert_eq!(states(&model)[2], JobState::Skipped);
}

#[test]
fn ready_jobs_start_longest_expected_first_and_unknown_ones_count_as_the_median() {
    let node = |name: &str, ms: Option<u64>| JobNode {
        expected: ms.map(Duration::from_millis),
        ..JobNode::from((name.to_string(), crate::jobs::cmake::KIND))
    };
    let nodes = vec![
        node("a", Some(100)),
        node("b", None),
        node("c", Some(3000)),
        node("d", Some(500)),
        node("e", Some(100)),
    ];
    let mut model = Model::new(nodes, 1, Instant::now());
    let order: Vec<String> = dispatch_order(&mut model)
        .into_iter()
        .map(|job| model.jobs[job as usize].name.clone())
        .collect();
    // b has no history: it counts as the median of 100, 100, 500 and 3000 (the upper middle
    // one, 500 ms), and goes before d, which expects the same, by name order.
    assert_eq!(order, ["c", "b", "d", "a", "e"]);
}

#[test]
fn a_chain_counts_the_stages_waiting_on_it() {
    let mut nodes = Vec::new();
    for (name, stages) in [
        ("a-long-build", [100, 5000]),
        ("b-long-configure", [1000, 10]),
    ] {
        for (i, ms) in stages.into_iter().enumerate() {
            nodes.push(JobNode {
                after: Vec::new(),
                name: name.to_string(),
                kind: crate::jobs::cmake::KIND,
                stage: Some(crate::jobs::cmake::Step::ALL[i].stage()),
                deps: if i == 0 {
                    Vec::new()
                } else {
                    vec![JobId(u32::try_from(nodes.len() - 1).expect("small"))]
                },
                expected: Some(Duration::from_millis(ms)),
            });
        }
    }
    let mut model = Model::new(nodes, 1, Instant::now());
    assert_eq!(runs(&model.start())[0], current(&model, 0));
}

#[test]
fn cancel_then_rerun_in_one_turn_records_the_cancelled_run_as_it_ended() {
    let mut model = pipelines(&["a"], 1);
    let first = runs(&model.start());
    start(&mut model, first[0], 0);
    update(&mut model, Msg::Action(Action::CancelAll));
    update(&mut model, Msg::Action(Action::Confirm));
    let cancelled = Finished {
        outcome: Outcome::Cancelled,
        elapsed: Duration::from_millis(1500),
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    };
    send(&mut model, first[0], EventKind::Finished(cancelled));
    // `R` before the loop took the news: the record must still be the cancelled run's.
    update(&mut model, Msg::Action(Action::RerunFailed));
    update(&mut model, Msg::Action(Action::Confirm));
    let news = model.take_news();
    let records: Vec<_> = news
        .iter()
        .filter_map(|n| match n {
            News::Finished(r) if r.stage == Some(crate::jobs::cmake::Step::Configure.stage()) => {
                Some(r)
            }
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 1, "{news:?}");
    assert_eq!(records[0].state, JobState::Cancelled);
    assert_eq!(records[0].elapsed, Some(Duration::from_millis(1500)));
}

#[test]
fn cancelling_every_queued_job_is_one_pass() {
    // 200,000 queued jobs cancel in one pass (the old queue removed each one from the
    // middle, which took minutes); the test would time out on the quadratic version.
    let names: Vec<(String, JobKind)> = (0..200_000)
        .map(|i| (format!("w{i}"), crate::jobs::pseudowords::KIND))
        .collect();
    let mut model = Model::new(names, 2, Instant::now());
    let first = runs(&model.start());
    update(&mut model, Msg::Action(Action::CancelAll));
    let effects = update(&mut model, Msg::Action(Action::Confirm));
    assert_eq!(
        effects.len(),
        first.len(),
        "only the dispatched ones need the engine"
    );
    assert_eq!(model.counts().cancelled, 200_000 - first.len());
    assert!(model.take_news().len() >= 200_000 - first.len());
}

/// Fresh configures come after their toolchain probe (an order edge): queued while it runs,
/// so `c` cancels one at once (no worker waits on the probe); after the probe failed the
/// others run, unseeded, not skipped; and the probe's failure alone fails no session: it
/// only warns.
#[test]
fn configures_after_a_probe_wait_queued_cancel_at_once_and_run_after_its_failure() {
    let node = |name: &str, kind: JobKind, after: Vec<JobId>| JobNode {
        name: name.to_string(),
        kind,
        stage: (kind == crate::jobs::cmake::KIND)
            .then_some(crate::jobs::cmake::Step::Configure.stage()),
        deps: Vec::new(),
        after,
        expected: None,
    };
    let probed = |cancel_one: bool| {
        let nodes = vec![
            node("toolchain probe", crate::jobs::probe::KIND, Vec::new()),
            node("a", crate::jobs::cmake::KIND, vec![JobId(0)]),
            node("b", crate::jobs::cmake::KIND, vec![JobId(0)]),
        ];
        let mut model = Model::new(nodes, 2, Instant::now());
        let probe = current(&model, 0);
        assert_eq!(runs(&model.start()), [probe], "the configures wait");
        start(&mut model, probe, 0);
        if cancel_one {
            model.ui.selected = 1;
            act(&mut model, Action::Cancel);
            assert_eq!(states(&model)[1], JobState::Cancelled, "at once");
            assert_eq!(states(&model)[0], JobState::Running, "the probe goes on");
        }
        let next = runs(&send(&mut model, probe, super::finished(failed())));
        let waiting: Vec<_> = (u32::from(cancel_one) + 1..3)
            .map(|job| current(&model, job))
            .collect();
        assert_eq!(next, waiting, "run after the failed probe, not skipped");
        for job in u32::from(cancel_one) + 1..3 {
            run(&mut model, job, Outcome::Succeeded);
        }
        model
    };
    let model = probed(false);
    assert_eq!(
        states(&model),
        [JobState::Failed, JobState::Ok, JobState::Ok]
    );
    assert!(model.all_own_jobs_succeeded(), "the probe aside, all ok");
    // One rule for what failed: a warning, counted apart, with no cause and its consequence.
    let counts = model.counts();
    assert_eq!((counts.failed, counts.warned, counts.total()), (0, 1, 3));
    assert!(model.causes().is_empty(), "{:?}", model.causes());
    assert!(model.jobs[0].only_warns() && !model.jobs[0].fails_session());
    let error = model.jobs[0].result.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("its configures run unseeded: "),
        "{error}"
    );
    assert!(
        !probed(true).all_own_jobs_succeeded(),
        "a cancelled configure counts"
    );
}

/// The quit question's counts are what the summary then says: a later stage whose first
/// stage is queued ends skipped, not cancelled (the question used to count it as a queued
/// job to cancel).
#[test]
fn the_quit_question_counts_what_quitting_ends() {
    let mut model = pipelines(&["a", "b", "c"], 1);
    let first = runs(&model.start());
    start(&mut model, first[0], 0);
    // a's configure runs; a's build and test wait on it; b and c wait whole.
    let ends = model.cancel_all_would_end();
    let in_flight = states(&model)
        .iter()
        .filter(|&&s| s == JobState::Running)
        .count();
    assert_eq!(ends.running, in_flight, "{ends:?}");
    act(&mut model, Action::Quit);
    act(&mut model, Action::Quit);
    for job in 0..9 {
        if model.jobs[job as usize].state == JobState::Cancelling {
            end(&mut model, job, Outcome::Cancelled);
        }
    }
    let counts = model.counts();
    assert_eq!(
        (counts.cancelled, counts.skipped),
        (ends.running + ends.cancelled, ends.skipped),
        "{ends:?} {counts:?}"
    );
    assert!(
        ends.skipped > 0,
        "later stages of b and c are skipped: {ends:?}"
    );
}
