//! What `update` does to runs: dispatch with one run on deck, pause and withdrawal, `s`,
//! re-runs while a run is cancelled, cancel, quit, and the worker count.

use std::time::Instant;

use super::{act, event, failed, finish_as, finished, projects, started, states};
use crate::app::{Action, Effect, JobState, Model, Msg, News, Question, update};
use crate::engine::{EventKind, JobId, Outcome};

/// The jobs that `effects` start, in order.
fn runs_started(effects: &[Effect]) -> Vec<u32> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Start { job, .. } => Some(job.0),
            _ => None,
        })
        .collect()
}

fn withdrawn(model: &mut Model, job: u32) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(model, job, run, EventKind::Withdrawn)
}

#[test]
fn cancelling_a_queued_job_means_it_never_runs() {
    let (mut m, effects) = projects(&["a", "b", "c"], 1);
    assert_eq!(effects.len(), 2, "one run per worker and one on deck");
    act(&mut m, Action::SelectLast);
    assert!(act(&mut m, Action::Cancel).is_empty());
    assert_eq!(m.jobs[2].state, JobState::Cancelled);
    started(&mut m, 0, 0);
    let effects = finish_as(&mut m, 0, Outcome::Succeeded);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Start { .. })),
        "the cancelled job must not be dispatched: {effects:?}"
    );
}

#[test]
fn one_run_waits_on_deck_and_a_pause_takes_it_back() {
    let (mut m, effects) = projects(&["a", "b", "c"], 1);
    let deck = m.jobs[1].run;
    assert_eq!(
        effects,
        vec![
            Effect::Start {
                job: JobId(0),
                run: m.jobs[0].run
            },
            Effect::Start {
                job: JobId(1),
                run: deck
            }
        ]
    );
    started(&mut m, 0, 0);
    assert_eq!(
        act(&mut m, Action::TogglePause),
        vec![Effect::Withdraw {
            job: JobId(1),
            run: deck
        }]
    );
    assert!(withdrawn(&mut m, 1).is_empty(), "nothing goes while paused");
    assert_eq!(m.jobs[1].state, JobState::Queued);
    assert!(finish_as(&mut m, 0, Outcome::Succeeded).is_empty());
    let effects = act(&mut m, Action::TogglePause);
    assert_eq!(
        runs_started(&effects),
        vec![1, 2],
        "b first: it kept its place"
    );
}

#[test]
fn a_run_a_worker_picked_up_before_the_withdrawal_just_runs() {
    let (mut m, _) = projects(&["a", "b"], 1);
    started(&mut m, 0, 0);
    act(&mut m, Action::TogglePause);
    // The engine had handed b to a worker already: the withdrawal lost the race.
    finish_as(&mut m, 0, Outcome::Succeeded);
    started(&mut m, 1, 0);
    assert_eq!(m.jobs[1].state, JobState::Running);
    finish_as(&mut m, 1, Outcome::Succeeded);
    assert_eq!(states(&m), vec![JobState::Ok, JobState::Ok]);
}

#[test]
fn s_on_a_full_deck_takes_the_run_on_deck_back_so_the_started_job_goes_next() {
    let (mut m, _) = projects(&["a", "b", "c"], 1);
    started(&mut m, 0, 0);
    let deck = m.jobs[1].run;
    act(&mut m, Action::SelectLast);
    assert_eq!(
        act(&mut m, Action::Start),
        vec![Effect::Withdraw {
            job: JobId(1),
            run: deck
        }]
    );
    let effects = withdrawn(&mut m, 1);
    assert_eq!(runs_started(&effects), vec![2], "c takes the deck");
    let effects = finish_as(&mut m, 0, Outcome::Succeeded);
    assert_eq!(runs_started(&effects), vec![1], "b goes on deck again");
}

#[test]
fn a_rerun_of_a_withdrawn_run_goes_once_the_withdrawal_is_heard() {
    let (mut m, _) = projects(&["a", "b"], 1);
    started(&mut m, 0, 0);
    let deck = m.jobs[1].run;
    act(&mut m, Action::TogglePause);
    // Before the engine's `Withdrawn` is read: c, then r, on the run on deck.
    act(&mut m, Action::SelectLast);
    assert_eq!(act(&mut m, Action::Cancel), vec![Effect::Cancel(deck)]);
    assert!(act(&mut m, Action::Rerun).is_empty());
    event(&mut m, 1, deck, EventKind::Withdrawn);
    assert_eq!(m.jobs[1].state, JobState::Queued);
    let effects = act(&mut m, Action::TogglePause);
    assert_eq!(
        runs_started(&effects),
        vec![1],
        "not stuck behind the old run"
    );
}

#[test]
fn rerun_while_cancelling_waits_for_the_old_run_and_ignores_its_events() {
    let (mut m, _) = projects(&["a"], 2);
    let old = m.jobs[0].run;
    started(&mut m, 0, 0);
    assert_eq!(act(&mut m, Action::Cancel), vec![Effect::Cancel(old)]);
    assert_eq!(m.jobs[0].state, JobState::Cancelling);
    let effects = act(&mut m, Action::Rerun);
    let new = m.jobs[0].run;
    assert_ne!(new, old);
    // A cmake that ignores SIGTERM lives on through the grace period: a second one in the
    // same build folder meanwhile would fight it over the files.
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(m.jobs[0].state, JobState::Queued);
    event(
        &mut m,
        0,
        old,
        EventKind::Output {
            lines: vec!["late".into()],
            skipped: 0,
        },
    );
    let effects = event(&mut m, 0, old, finished(Outcome::Cancelled));
    assert_eq!(
        effects,
        vec![Effect::Start {
            job: JobId(0),
            run: new
        }],
        "the old run is gone: the new one goes"
    );
    assert_eq!(m.jobs[0].state, JobState::Dispatched, "still the new run");
    assert!(m.jobs[0].output.lines().is_empty());
    started(&mut m, 0, 1);
    finish_as(&mut m, 0, Outcome::Succeeded);
    assert_eq!(m.jobs[0].state, JobState::Ok);
}

#[test]
fn quit_while_running_asks_then_cancels_and_exits_once_idle() {
    let (mut m, _) = projects(&["a", "b", "c", "d"], 2);
    started(&mut m, 0, 0);
    started(&mut m, 1, 1);
    assert!(act(&mut m, Action::Quit).is_empty());
    assert_eq!(m.ui.overlay.question(), Some(Question::Quit));
    act(&mut m, Action::Dismiss);
    assert!(m.ui.overlay.question().is_none() && !m.quitting);
    act(&mut m, Action::Quit);
    let effects = act(&mut m, Action::Confirm);
    assert!(m.quitting);
    assert_eq!(
        effects.len(),
        3,
        "both running jobs and the one on deck are cancelled: {effects:?}"
    );
    assert!(effects.iter().all(|e| matches!(e, Effect::Cancel(_))));
    assert_eq!(
        m.jobs[3].state,
        JobState::Cancelled,
        "the queued job never runs"
    );
    assert!(finish_as(&mut m, 0, Outcome::Cancelled).is_empty());
    assert!(finish_as(&mut m, 2, Outcome::Cancelled).is_empty());
    assert_eq!(finish_as(&mut m, 1, Outcome::Cancelled), vec![Effect::Exit]);
}

#[test]
fn quit_when_idle_exits_at_once() {
    let (mut m, _) = projects(&["a"], 1);
    started(&mut m, 0, 0);
    finish_as(&mut m, 0, Outcome::Succeeded);
    assert_eq!(act(&mut m, Action::Quit), vec![Effect::Exit]);
}

/// Nothing runs in a paused session, yet its queued jobs are work left undone: `q` asks
/// as it does mid-run, and quitting ends each one `cancelled`, recorded and counted, so the
/// summary's counts add up to the jobs.
#[test]
fn quitting_a_paused_session_asks_then_cancels_and_counts_every_queued_job() {
    let mut m = super::model(4, 2, Instant::now()).starting_paused(true);
    assert!(m.start().is_empty(), "nothing starts while paused");
    assert!(act(&mut m, Action::Quit).is_empty(), "asks first");
    assert_eq!(m.ui.overlay.question(), Some(Question::Quit));
    assert_eq!(act(&mut m, Action::Confirm), vec![Effect::Exit]);
    assert_eq!(states(&m), vec![JobState::Cancelled; 4]);
    let counts = m.summary().counts;
    assert_eq!((counts.cancelled, counts.queued), (4, 0), "{counts:?}");
    let recorded = m
        .take_news()
        .into_iter()
        .filter(|news| matches!(news, News::Finished(_)))
        .count();
    assert_eq!(
        recorded, 4,
        "each cancelled job goes to the history and the recap"
    );
}

/// Ctrl-C in a paused session: no question, the queued jobs end `cancelled` all the same.
#[test]
fn force_quitting_a_paused_session_cancels_every_queued_job() {
    let mut m = super::model(3, 1, Instant::now()).starting_paused(true);
    m.start();
    assert_eq!(act(&mut m, Action::ForceQuit), vec![Effect::Exit]);
    assert_eq!(states(&m), vec![JobState::Cancelled; 3]);
}

#[test]
fn force_quit_twice_stops_waiting() {
    let (mut m, _) = projects(&["a"], 1);
    started(&mut m, 0, 0);
    let effects = act(&mut m, Action::ForceQuit);
    assert!(m.quitting);
    assert!(!effects.contains(&Effect::Exit));
    assert_eq!(act(&mut m, Action::ForceQuit), vec![Effect::Exit]);
}

#[test]
fn panicked_job_is_failed_and_the_queue_goes_on() {
    let (mut m, _) = projects(&["a", "b", "c"], 1);
    started(&mut m, 0, 0);
    let effects = finish_as(&mut m, 0, Outcome::Panicked("boom".into()));
    assert_eq!(m.jobs[0].state, JobState::Failed);
    assert_eq!(
        effects,
        vec![Effect::Start {
            job: JobId(2),
            run: m.jobs[2].run
        }]
    );
}

#[test]
fn paused_start_only_runs_what_the_user_starts() {
    let jobs = vec![
        ("a".to_string(), crate::jobs::cmake::KIND),
        ("b".to_string(), crate::jobs::cmake::KIND),
    ];
    let mut m = Model::new(jobs, 2, Instant::now()).starting_paused(true);
    assert!(m.start().is_empty());
    act(&mut m, Action::SelectNext);
    let effects = act(&mut m, Action::Start);
    assert_eq!(
        effects,
        vec![Effect::Start {
            job: JobId(1),
            run: m.jobs[1].run
        }]
    );
    assert_eq!(m.jobs[0].state, JobState::Queued);
}

#[test]
fn workers_change_with_plus_and_minus_but_never_below_one() {
    let (mut m, _) = projects(&["a"], 1);
    assert_eq!(act(&mut m, Action::AddWorker), vec![Effect::SetWorkers(2)]);
    act(&mut m, Action::RemoveWorker);
    assert!(act(&mut m, Action::RemoveWorker).is_empty());
    assert_eq!(m.workers(), 1);
}

#[test]
fn a_pool_that_could_not_grow_counts_the_workers_it_has_and_says_why() {
    let (mut m, _) = projects(&["a"], 2);
    assert_eq!(act(&mut m, Action::AddWorker), vec![Effect::SetWorkers(3)]);
    let error = "cannot start worker thread 3 of 3: Resource temporarily unavailable";
    let effects = update(
        &mut m,
        Msg::PoolShort {
            workers: 2,
            error: error.to_string(),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(m.workers(), 2);
    assert_eq!(m.ui.notice(), Some(format!("{error}; 2 workers").as_str()));
}

/// Ctrl-Z is the terminal's business: the loop suspends, the jobs and the model go on.
#[test]
fn suspend_asks_the_loop_to_suspend_and_leaves_the_jobs_alone() {
    let (mut m, _) = projects(&["a", "b"], 1);
    started(&mut m, 0, 0);
    assert_eq!(act(&mut m, Action::Suspend), vec![Effect::Suspend]);
    assert_eq!(m.jobs[0].state, JobState::Running);
    assert!(!m.quitting);
}

#[test]
fn rerun_failed_reruns_only_unsuccessful_jobs() {
    let (mut m, _) = projects(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    finish_as(&mut m, 0, Outcome::Succeeded);
    finish_as(&mut m, 1, failed());
    finish_as(&mut m, 2, Outcome::Cancelled);
    act(&mut m, Action::RerunFailed);
    assert_eq!(
        m.ui.overlay.question(),
        Some(crate::app::Question::RerunFailed),
        "R asks first"
    );
    let effects = act(&mut m, Action::Confirm);
    assert_eq!(effects.len(), 2);
    assert_eq!(
        states(&m),
        vec![JobState::Ok, JobState::Dispatched, JobState::Dispatched]
    );
}

#[test]
fn cancel_all_cancels_running_and_queued() {
    let (mut m, _) = projects(&["a", "b", "c"], 1);
    started(&mut m, 0, 0);
    assert!(act(&mut m, Action::CancelAll).is_empty(), "C asks first");
    assert_eq!(m.ui.overlay.question(), Some(Question::CancelAll));
    act(&mut m, Action::Dismiss);
    assert_eq!(m.ui.overlay.question(), None);
    assert_eq!(m.jobs[0].state, JobState::Running, "no is no");
    act(&mut m, Action::CancelAll);
    let effects = act(&mut m, Action::Confirm);
    assert_eq!(
        effects,
        vec![Effect::Cancel(m.jobs[0].run), Effect::Cancel(m.jobs[1].run)]
    );
    assert_eq!(
        states(&m),
        vec![
            JobState::Cancelling,
            JobState::Cancelling,
            JobState::Cancelled
        ]
    );
}

#[test]
fn pause_holds_the_queue_and_resume_dispatches() {
    let (mut m, _) = projects(&["a", "b", "c"], 1);
    act(&mut m, Action::TogglePause);
    withdrawn(&mut m, 1);
    started(&mut m, 0, 0);
    assert!(finish_as(&mut m, 0, Outcome::Succeeded).is_empty());
    let effects = act(&mut m, Action::TogglePause);
    assert_eq!(runs_started(&effects), vec![1, 2]);
}

#[test]
fn minus_at_one_worker_says_why_nothing_happened() {
    let (mut m, _) = projects(&["a"], 1);
    assert!(act(&mut m, Action::RemoveWorker).is_empty());
    assert_eq!(m.workers(), 1);
    let notice = m.ui.notice.clone().unwrap_or_default();
    assert!(notice.contains("one worker"), "{notice}");
}
