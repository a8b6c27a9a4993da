//! Retries in the model: a failed run of a job with retries left is queued again as a new
//! run, its dependants wait instead of being skipped, and a pass on a retry is `flaky`.

use std::time::Instant;

use super::{act, failed, finish_as, runs, started};
use crate::app::{Action, JobNode, JobState, Model, News};
use crate::engine::{JobId, Outcome};

/// Job 0 (`flaky`) with `retries`, and job 1 (`after`) depending on it, on one worker.
fn chain(retries: u32) -> Model {
    let kind = crate::jobs::pseudowords::KIND;
    let after = JobNode {
        deps: vec![JobId(0)],
        ..JobNode::from(("after".to_string(), kind))
    };
    Model::new(
        vec![JobNode::from(("flaky".to_string(), kind)), after],
        1,
        Instant::now(),
    )
    .with_retries([retries, 0])
}

fn finished_news(model: &mut Model) -> Vec<(String, JobState, u32)> {
    model
        .take_news()
        .into_iter()
        .filter_map(|news| match news {
            News::Finished(record) => Some((record.name, record.state, record.attempt)),
            News::Started(_) | News::Retried(_) | News::PartFinished(..) => None,
        })
        .collect()
}

#[test]
fn a_failed_run_with_retries_left_runs_again_and_its_pass_is_flaky() {
    let mut model = chain(1);
    let first = runs(&model.start());
    started(&mut model, 0, 0);
    let effects = finish_as(&mut model, 0, failed());
    // Not finished, not counted: queued again as a new run, and started at once.
    let again = runs(&effects);
    assert_eq!(again.len(), 1, "{effects:?}");
    assert_eq!(again[0].0, JobId(0));
    assert_ne!(again[0].1, first[0].1);
    assert_eq!(model.jobs[0].runs, 2);
    assert_eq!(model.jobs[0].failed_attempts().len(), 1);
    assert_eq!(model.jobs[1].state, JobState::Queued, "the dependant waits");
    let news = model.take_news();
    let retried: Vec<_> = news
        .iter()
        .filter_map(|news| match news {
            News::Retried(record) => Some(record),
            _ => None,
        })
        .collect();
    assert_eq!(retried.len(), 1, "the failed attempt is reported: {news:?}");
    assert_eq!(
        (retried[0].state, retried[0].attempt, retried[0].run),
        (JobState::Failed, 1, first[0].1)
    );
    assert!(
        !news.iter().any(|news| matches!(news, News::Finished(_))),
        "{news:?}"
    );
    started(&mut model, 0, 0);
    let effects = finish_as(&mut model, 0, Outcome::Succeeded);
    assert_eq!(model.jobs[0].state, JobState::Flaky);
    assert_eq!(
        finished_news(&mut model),
        [("flaky".to_string(), JobState::Flaky, 2)]
    );
    assert_eq!(
        runs(&effects)[0].0,
        JobId(1),
        "a flaky job frees its dependants"
    );
    started(&mut model, 1, 0);
    finish_as(&mut model, 1, Outcome::Succeeded);
    assert!(model.all_own_jobs_succeeded());
    assert_eq!(model.counts().ok, 2);
    assert_eq!(model.counts().flaky, 1);
    assert!(!model.with_flaky_fails(true).all_own_jobs_succeeded());
}

#[test]
fn a_job_out_of_retries_fails_and_skips_its_dependants() {
    let mut model = chain(1);
    model.start();
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, failed());
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, Outcome::TimedOut);
    assert_eq!(model.jobs[0].state, JobState::Timeout);
    assert_eq!(model.jobs[1].state, JobState::Skipped);
    assert_eq!(model.jobs[0].failed_attempts().len(), 1);
}

#[test]
fn a_cancelled_run_or_a_quitting_session_is_not_retried() {
    let mut model = chain(3);
    model.start();
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, Outcome::Cancelled);
    assert_eq!(model.jobs[0].state, JobState::Cancelled);

    // A run that fails while it is being cancelled stays ended.
    let mut model = chain(3);
    model.start();
    started(&mut model, 0, 0);
    act(&mut model, Action::Cancel);
    assert_eq!(model.jobs[0].state, JobState::Cancelling);
    finish_as(&mut model, 0, failed());
    assert_eq!(model.jobs[0].state, JobState::Failed);

    let mut model = chain(3);
    model.start();
    started(&mut model, 0, 0);
    // As a quit leaves it: everything cancelled, the loop waiting for the runs to end.
    model.quitting = true;
    finish_as(&mut model, 0, failed());
    assert_eq!(model.jobs[0].state, JobState::Failed);
}

#[test]
fn a_rerun_by_hand_starts_with_all_its_retries_again() {
    let mut model = chain(1);
    model.start();
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, failed());
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, failed());
    assert_eq!(model.jobs[0].state, JobState::Failed);
    act(&mut model, Action::Rerun);
    assert!(!model.jobs[0].state.is_finished());
    assert!(model.jobs[0].failed_attempts().is_empty());
    started(&mut model, 0, 0);
    finish_as(&mut model, 0, failed());
    assert_eq!(model.jobs[0].failed_attempts().len(), 1, "retried again");
}
