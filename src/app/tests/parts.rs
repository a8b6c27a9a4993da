//! A run's parts (a test stage's tests): their rows follow the run's `Part` events, the
//! selection steps through them, and `r` on a part's row re-runs that part alone.

use std::time::{Duration, Instant};

use super::{act, current, finish, model, runs, send, start};
use crate::app::{Action, Effect, JobState, News};
use crate::engine::{EventKind, Part, PartStatus};

fn part(name: &str, status: PartStatus, attempt: u32) -> EventKind {
    EventKind::Part(Part {
        name: name.to_string(),
        status,
        elapsed: (status != PartStatus::Running).then_some(Duration::from_millis(3)),
        error: (status == PartStatus::Failed).then(|| "boom".to_string()),
        attempt,
        expected: None,
        provisional: false,
    })
}

/// One job run to its end with parts `a` (failed) and `b` (passed).
fn ran_with_parts(t0: Instant) -> crate::app::Model {
    let mut m = model(2, 1, t0);
    let run = runs(&m.start())[0];
    start(&mut m, run, 0);
    send(&mut m, run, part("a", PartStatus::Running, 1));
    send(&mut m, run, part("b", PartStatus::Running, 1));
    send(&mut m, run, part("a", PartStatus::Failed, 1));
    send(&mut m, run, part("b", PartStatus::Passed, 1));
    finish(&mut m, run, Duration::from_secs(1));
    m
}

#[test]
fn each_part_end_is_news_with_its_own_state() {
    let m = &mut ran_with_parts(Instant::now());
    let ends: Vec<(String, JobState)> = m
        .take_news()
        .into_iter()
        .filter_map(|news| match news {
            News::PartFinished(_, part) => Some((part.name, part.state)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        [
            ("a".to_string(), JobState::Failed),
            ("b".to_string(), JobState::Ok)
        ]
    );
    let a = &m.jobs[0].parts()[0];
    assert_eq!(a.error.as_deref(), Some("boom"));
}

#[test]
fn a_provisional_end_ends_the_row_and_only_the_final_end_is_news() {
    let mut m = model(1, 1, Instant::now());
    let run = runs(&m.start())[0];
    start(&mut m, run, 0);
    m.take_news();
    send(&mut m, run, part("a", PartStatus::Running, 1));
    let EventKind::Part(mut seen) = part("a", PartStatus::Failed, 1) else {
        unreachable!()
    };
    seen.provisional = true;
    seen.error = None;
    send(&mut m, run, EventKind::Part(seen));
    assert_eq!(m.jobs[0].parts()[0].state, JobState::Failed);
    let ended = |m: &mut crate::app::Model| {
        m.take_news()
            .into_iter()
            .filter(|news| matches!(news, News::PartFinished(..)))
            .count()
    };
    assert_eq!(ended(&mut m), 0, "a provisional end is no news");
    send(&mut m, run, part("a", PartStatus::Failed, 1));
    assert_eq!(ended(&mut m), 1);
    assert_eq!(m.jobs[0].parts()[0].error.as_deref(), Some("boom"));
}

#[test]
fn a_run_whose_part_passed_on_a_retry_is_flaky() {
    let mut m = model(1, 1, Instant::now());
    let run = runs(&m.start())[0];
    start(&mut m, run, 0);
    send(&mut m, run, part("a", PartStatus::Failed, 1));
    send(&mut m, run, part("a", PartStatus::Running, 2));
    send(&mut m, run, part("a", PartStatus::Passed, 2));
    finish(&mut m, run, Duration::from_secs(1));
    assert_eq!(m.jobs[0].parts()[0].state, JobState::Flaky);
    assert_eq!(m.jobs[0].state, JobState::Flaky);
}

#[test]
fn the_selection_steps_through_a_jobs_parts_and_r_reruns_the_selected_part_alone() {
    let mut m = ran_with_parts(Instant::now());
    assert_eq!(m.ui.selected, 0);
    act(&mut m, Action::SelectNext);
    assert_eq!(m.selected_part_name().as_deref(), Some("a"));
    act(&mut m, Action::SelectNext);
    assert_eq!(m.selected_part_name().as_deref(), Some("b"));
    act(&mut m, Action::SelectNext);
    assert_eq!((m.ui.selected, m.ui.selected_part), (1, None));
    // Up from the next job lands on the last part of the job above.
    act(&mut m, Action::SelectPrev);
    assert_eq!(m.selected_part_name().as_deref(), Some("b"));
    act(&mut m, Action::SelectPrev);
    let effects = act(&mut m, Action::Rerun);
    let set = effects
        .iter()
        .position(|e| matches!(e, Effect::SetParts { parts, .. } if parts == &["a".to_string()]))
        .expect("the job is told to run part a alone");
    let started = effects
        .iter()
        .position(|e| matches!(e, Effect::Start { .. }))
        .expect("and it runs again");
    assert!(set < started, "{effects:?}");
    // The re-run updates part a's row and leaves b's as it was.
    let run = current(&m, 0);
    start(&mut m, run, 0);
    assert_eq!(m.jobs[0].parts().len(), 2);
    send(&mut m, run, part("a", PartStatus::Passed, 1));
    finish(&mut m, run, Duration::from_secs(1));
    assert_eq!(m.jobs[0].parts()[0].state, JobState::Ok);
    assert_eq!(m.jobs[0].parts()[1].state, JobState::Ok);
    // `r` on the job's own row runs every part again.
    m.ui.selected_part = None;
    let effects = act(&mut m, Action::Rerun);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SetParts { parts, .. } if parts.is_empty())),
        "{effects:?}"
    );
}

#[test]
fn rerunning_what_failed_runs_only_the_failed_parts() {
    let mut m = ran_with_parts(Instant::now());
    // The job failed with part a failed and b passed.
    let run = current(&m, 0);
    let failed = crate::engine::Finished {
        outcome: crate::engine::Outcome::Failed {
            code: Some(8),
            signal: None,
        },
        elapsed: Duration::from_secs(1),
        cpu: None,
        error: Some("1 of 2 tests failed".into()),
        log: None,
        diagnosis: None,
        output: None,
    };
    // Run it again by hand so it ends failed this time.
    m.ui.selected_part = None;
    act(&mut m, Action::Rerun);
    let again = current(&m, 0);
    assert_ne!(run, again);
    start(&mut m, again, 0);
    send(&mut m, again, part("a", PartStatus::Failed, 1));
    send(&mut m, again, part("b", PartStatus::Passed, 1));
    send(&mut m, again, EventKind::Finished(failed));
    assert_eq!(m.jobs[0].state, JobState::Failed);
    act(&mut m, Action::RerunFailed);
    let effects = act(&mut m, Action::Confirm);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SetParts { parts, .. } if parts == &["a".to_string()])),
        "{effects:?}"
    );
}

/// How far a run's parts got counts the parts the run runs, each once, against how many it
/// said it runs: `r` on part `a`'s row counts `a` alone, not `b`, which the last run left.
#[test]
fn parts_so_far_counts_the_parts_the_current_run_runs() {
    let so_far = |m: &crate::app::Model| {
        m.jobs[0]
            .parts_so_far()
            .map(|p| (p.ended, p.failed, p.planned))
    };
    let mut m = model(2, 1, Instant::now());
    let run = runs(&m.start())[0];
    start(&mut m, run, 0);
    send(&mut m, run, part("a", PartStatus::Running, 1));
    assert_eq!(so_far(&m), None, "before the run says how many");
    send(&mut m, run, EventKind::PartsPlanned(2));
    send(&mut m, run, part("b", PartStatus::Running, 1));
    assert_eq!(so_far(&m), Some((0, 0, 2)));
    send(&mut m, run, part("a", PartStatus::Failed, 1));
    // Told again, final: still one ended.
    send(&mut m, run, part("a", PartStatus::Failed, 1));
    assert_eq!(so_far(&m), Some((1, 1, 2)));
    send(&mut m, run, part("b", PartStatus::Passed, 1));
    assert_eq!(so_far(&m), Some((2, 1, 2)));
    finish(&mut m, run, Duration::from_secs(1));
    act(&mut m, Action::SelectNext);
    assert_eq!(m.selected_part_name().as_deref(), Some("a"));
    act(&mut m, Action::Rerun);
    let run = current(&m, 0);
    start(&mut m, run, 0);
    assert_eq!(so_far(&m), None, "a new run says again");
    send(&mut m, run, EventKind::PartsPlanned(1));
    send(&mut m, run, part("a", PartStatus::Running, 1));
    assert_eq!(so_far(&m), Some((0, 0, 1)));
    send(&mut m, run, part("a", PartStatus::Passed, 1));
    assert_eq!(so_far(&m), Some((1, 0, 1)));
}
