//! State-machine tests for what the keys and engine events do to the model, the TUI's view
//! state included. Every test feeds `Msg`s and checks rows and returned `Effect`s.

use std::time::{Duration, Instant};

use super::{
    Action, Band, Effect, JobNode, JobState, LogScroll, Model, Msg, Overlay, Prompt, UiAction,
    Viewport, update,
};
use crate::engine::{Detail, EngineEvent, EventKind, Finished, JobId, Outcome, RunId, WorkerId};
use crate::jobs::JobKind;

fn model(names: &[&str], workers: usize) -> (Model, Vec<Effect>) {
    let jobs = names
        .iter()
        .map(|n| ((*n).to_string(), JobKind::Cmake))
        .collect();
    let mut model = Model::new(jobs, workers, Instant::now());
    let effects = model.start();
    (model, effects)
}

fn act(model: &mut Model, action: Action) -> Vec<Effect> {
    update(model, Msg::Action(action))
}

fn ui(model: &mut Model, action: UiAction) -> Vec<Effect> {
    act(model, Action::Ui(action))
}

fn event(model: &mut Model, job: u32, run: RunId, kind: EventKind) -> Vec<Effect> {
    update(
        model,
        Msg::Engine(EngineEvent {
            job: JobId(job),
            run,
            kind,
        }),
    )
}

fn started(model: &mut Model, job: u32, worker: usize) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(
        model,
        job,
        run,
        EventKind::Started {
            worker: WorkerId(worker),
        },
    )
}

fn finished(outcome: Outcome) -> EventKind {
    EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_millis(100),
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
    })
}

fn finish(model: &mut Model, job: u32, outcome: Outcome) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(model, job, run, finished(outcome))
}

fn failed() -> Outcome {
    Outcome::Failed {
        code: Some(1),
        signal: None,
    }
}

fn states(model: &Model) -> Vec<JobState> {
    model.jobs.iter().map(|j| j.state).collect()
}

fn viewport(model: &mut Model, table_rows: u16, log_rows: u16) {
    update(
        model,
        Msg::Viewport(Viewport {
            table: Band {
                top: 2,
                height: table_rows,
            },
            log: Band {
                top: 2 + table_rows + 1,
                height: log_rows,
            },
            help_overflow: 0,
        }),
    );
}

#[test]
fn cancelling_a_queued_job_means_it_never_runs() {
    let (mut m, effects) = model(&["a", "b", "c"], 1);
    assert_eq!(effects.len(), 2, "one run per worker and one on deck");
    act(&mut m, Action::SelectLast);
    assert!(act(&mut m, Action::Cancel).is_empty());
    assert_eq!(m.jobs[2].state, JobState::Cancelled);
    started(&mut m, 0, 0);
    let effects = finish(&mut m, 0, Outcome::Succeeded);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Start { .. })),
        "the cancelled job must not be dispatched: {effects:?}"
    );
}

fn withdrawn(model: &mut Model, job: u32) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(model, job, run, EventKind::Withdrawn)
}

#[test]
fn one_run_waits_on_deck_and_a_pause_takes_it_back() {
    let (mut m, effects) = model(&["a", "b", "c"], 1);
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
    assert!(finish(&mut m, 0, Outcome::Succeeded).is_empty());
    let effects = act(&mut m, Action::TogglePause);
    assert_eq!(
        runs_started(&effects),
        vec![1, 2],
        "b first: it kept its place"
    );
}

#[test]
fn a_run_a_worker_picked_up_before_the_withdrawal_just_runs() {
    let (mut m, _) = model(&["a", "b"], 1);
    started(&mut m, 0, 0);
    act(&mut m, Action::TogglePause);
    // The engine had handed b to a worker already: the withdrawal lost the race.
    finish(&mut m, 0, Outcome::Succeeded);
    started(&mut m, 1, 0);
    assert_eq!(m.jobs[1].state, JobState::Running);
    finish(&mut m, 1, Outcome::Succeeded);
    assert_eq!(states(&m), vec![JobState::Ok, JobState::Ok]);
}

#[test]
fn s_on_a_full_deck_takes_the_run_on_deck_back_so_the_started_job_goes_next() {
    let (mut m, _) = model(&["a", "b", "c"], 1);
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
    let effects = finish(&mut m, 0, Outcome::Succeeded);
    assert_eq!(runs_started(&effects), vec![1], "b goes on deck again");
}

#[test]
fn a_rerun_of_a_withdrawn_run_goes_once_the_withdrawal_is_heard() {
    let (mut m, _) = model(&["a", "b"], 1);
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

#[test]
fn rerun_while_cancelling_waits_for_the_old_run_and_ignores_its_events() {
    let (mut m, _) = model(&["a"], 2);
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
    finish(&mut m, 0, Outcome::Succeeded);
    assert_eq!(m.jobs[0].state, JobState::Ok);
}

#[test]
fn quit_while_running_asks_then_cancels_and_exits_once_idle() {
    let (mut m, _) = model(&["a", "b", "c", "d"], 2);
    started(&mut m, 0, 0);
    started(&mut m, 1, 1);
    assert!(act(&mut m, Action::Quit).is_empty());
    assert_eq!(m.ui.overlay.question(), Some(super::Question::Quit));
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
    assert!(finish(&mut m, 0, Outcome::Cancelled).is_empty());
    assert!(finish(&mut m, 2, Outcome::Cancelled).is_empty());
    assert_eq!(finish(&mut m, 1, Outcome::Cancelled), vec![Effect::Exit]);
}

#[test]
fn quit_when_idle_exits_at_once() {
    let (mut m, _) = model(&["a"], 1);
    started(&mut m, 0, 0);
    finish(&mut m, 0, Outcome::Succeeded);
    assert_eq!(act(&mut m, Action::Quit), vec![Effect::Exit]);
}

#[test]
fn force_quit_twice_stops_waiting() {
    let (mut m, _) = model(&["a"], 1);
    started(&mut m, 0, 0);
    let effects = act(&mut m, Action::ForceQuit);
    assert!(m.quitting);
    assert!(!effects.contains(&Effect::Exit));
    assert_eq!(act(&mut m, Action::ForceQuit), vec![Effect::Exit]);
}

#[test]
fn panicked_job_is_failed_and_the_queue_goes_on() {
    let (mut m, _) = model(&["a", "b", "c"], 1);
    started(&mut m, 0, 0);
    let effects = finish(&mut m, 0, Outcome::Panicked("boom".into()));
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
        ("a".to_string(), JobKind::Cmake),
        ("b".to_string(), JobKind::Cmake),
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
    let (mut m, _) = model(&["a"], 1);
    assert_eq!(act(&mut m, Action::AddWorker), vec![Effect::SetWorkers(2)]);
    act(&mut m, Action::RemoveWorker);
    assert!(act(&mut m, Action::RemoveWorker).is_empty());
    assert_eq!(m.workers(), 1);
}

#[test]
fn a_pool_that_could_not_grow_counts_the_workers_it_has_and_says_why() {
    let (mut m, _) = model(&["a"], 2);
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

#[test]
fn tick_moves_the_clock_for_running_rows() {
    let (mut m, _) = model(&["a"], 1);
    let t0 = m.now;
    started(&mut m, 0, 0);
    m.dirty = false;
    update(&mut m, Msg::Tick(t0 + Duration::from_secs(3)));
    assert!(m.dirty);
    assert_eq!(m.jobs[0].duration_at(m.now), Some(Duration::from_secs(3)));
}

#[test]
fn failed_filter_keeps_selection_on_the_same_job() {
    let (mut m, _) = model(&["a", "b", "c", "d"], 4);
    for job in 0..4 {
        started(&mut m, job, job as usize);
    }
    finish(&mut m, 0, Outcome::Succeeded);
    finish(&mut m, 1, failed());
    finish(&mut m, 2, Outcome::Succeeded);
    finish(&mut m, 3, failed());
    act(&mut m, Action::SelectLast);
    assert_eq!(m.ui.selected, 3);
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.shown_len(), 2);
    assert_eq!(m.ui.selected, 3, "d is failed, so it stays selected");
    assert_eq!(m.selected_position(), Some(1));
    act(&mut m, Action::SelectPrev);
    assert_eq!(m.ui.selected, 1);
    act(&mut m, Action::SelectPrev);
    assert_eq!(m.ui.selected, 1, "stops at the first shown row");
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.shown_len(), 4);
    assert_eq!(m.ui.selected, 1);
}

#[test]
fn failed_filter_moves_a_hidden_selection_to_the_next_shown_row() {
    let (mut m, _) = model(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    finish(&mut m, 0, Outcome::Succeeded);
    finish(&mut m, 1, Outcome::Succeeded);
    finish(&mut m, 2, failed());
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.ui.selected, 2);
}

#[test]
fn job_that_fails_while_filtered_appears_and_rerun_keeps_it_shown() {
    let (mut m, _) = model(&["a", "b"], 2);
    started(&mut m, 0, 0);
    started(&mut m, 1, 1);
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.shown_len(), 0);
    assert!(
        act(&mut m, Action::Cancel).is_empty(),
        "nothing shown, nothing to cancel"
    );
    finish(&mut m, 1, failed());
    assert_eq!(m.shown_len(), 1);
    assert_eq!(m.ui.selected, 1);
    let effects = act(&mut m, Action::Rerun);
    assert_eq!(effects.len(), 1);
    assert_eq!(
        m.shown_len(),
        1,
        "the re-run stays in view until the filter is re-applied"
    );
}

#[test]
fn search_filters_names_while_typing_and_escape_clears_it() {
    let (mut m, _) = model(&["alpha", "beta", "gamma", "Alpine"], 1);
    act(&mut m, Action::SelectLast);
    ui(&mut m, UiAction::BeginSearch);
    assert_eq!(m.ui.overlay, Overlay::Prompt(Prompt::Search));
    ui(&mut m, UiAction::SearchChar('a'));
    ui(&mut m, UiAction::SearchChar('l'));
    assert_eq!(m.shown_len(), 2, "case-insensitive: alpha and Alpine");
    assert_eq!(m.ui.selected, 3, "Alpine stays selected");
    ui(&mut m, UiAction::SearchChar('x'));
    assert_eq!(m.shown_len(), 0);
    ui(&mut m, UiAction::SearchBackspace);
    assert_eq!(m.shown_len(), 2);
    ui(&mut m, UiAction::SubmitSearch);
    assert_eq!(m.ui.overlay, Overlay::None);
    assert_eq!(m.ui.query, "al");
    act(&mut m, Action::SelectFirst);
    assert_eq!(m.ui.selected, 0);
    ui(&mut m, UiAction::BeginSearch);
    ui(&mut m, UiAction::CancelSearch);
    assert!(m.ui.query.is_empty());
    assert_eq!(m.shown_len(), 4);
    assert_eq!(m.ui.selected, 0);
}

#[test]
fn search_finds_errors_and_details_too() {
    let (mut m, _) = model(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    let run = m.jobs[0].run;
    event(
        &mut m,
        0,
        run,
        EventKind::Detail(Detail::Note("cached".into())),
    );
    finish(&mut m, 0, Outcome::Succeeded);
    let run = m.jobs[1].run;
    let mut failure = finished(failed());
    if let EventKind::Finished(f) = &mut failure {
        f.error = Some("Could NOT find MPI (missing: MPI_C_FOUND)".into());
    }
    event(&mut m, 1, run, failure);
    ui(&mut m, UiAction::BeginSearch);
    for c in "mpi".chars() {
        ui(&mut m, UiAction::SearchChar(c));
    }
    assert_eq!(m.shown_len(), 1, "the error says MPI");
    assert_eq!(m.ui.selected, 1);
    ui(&mut m, UiAction::CancelSearch);
    ui(&mut m, UiAction::BeginSearch);
    for c in "cached".chars() {
        ui(&mut m, UiAction::SearchChar(c));
    }
    assert_eq!(m.shown_len(), 1, "the detail says cached");
    assert_eq!(m.ui.selected, 0);
}

#[test]
fn table_offset_scrolls_smoothly_with_the_selection() {
    let names: Vec<String> = (0..10_000).map(|i| format!("job{i:05}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut m, _) = model(&refs, 1);
    viewport(&mut m, 5, 0);
    for _ in 0..4 {
        act(&mut m, Action::SelectNext);
    }
    assert_eq!(m.ui.table_offset, 0);
    act(&mut m, Action::SelectNext);
    assert_eq!(m.ui.table_offset, 1, "one row at a time, not a page");
    act(&mut m, Action::SelectLast);
    assert_eq!(m.ui.selected, 9_999);
    assert_eq!(m.ui.table_offset, 9_995);
    act(&mut m, Action::SelectPrev);
    assert_eq!(m.ui.table_offset, 9_995);
    act(&mut m, Action::SelectFirst);
    assert_eq!(m.ui.table_offset, 0);
}

#[test]
fn a_smaller_viewport_keeps_the_selection_visible() {
    let (mut m, _) = model(&["a", "b", "c", "d", "e", "f"], 1);
    viewport(&mut m, 6, 0);
    act(&mut m, Action::SelectLast);
    assert_eq!(m.ui.table_offset, 0);
    viewport(&mut m, 2, 0);
    assert_eq!(m.ui.table_offset, 4);
    viewport(&mut m, 0, 0);
    assert_eq!(m.ui.table_offset, 5);
}

#[test]
fn clicks_select_rows_and_the_wheel_moves_the_selection() {
    let (mut m, _) = model(&["a", "b", "c", "d", "e", "f", "g", "h"], 1);
    viewport(&mut m, 4, 3);
    ui(&mut m, UiAction::Click { row: 4 });
    assert_eq!(m.ui.selected, 2);
    ui(&mut m, UiAction::Click { row: 1 });
    assert_eq!(
        m.ui.selected, 2,
        "a click on the column titles selects nothing"
    );
    ui(&mut m, UiAction::Wheel { row: 3, down: true });
    assert_eq!(m.ui.selected, 5);
    assert_eq!(m.ui.table_offset, 2);
    ui(
        &mut m,
        UiAction::Wheel {
            row: 3,
            down: false,
        },
    );
    assert_eq!(m.ui.selected, 2);
}

fn with_output(lines: usize) -> Model {
    let (mut m, _) = model(&["a", "b"], 2);
    started(&mut m, 0, 0);
    let run = m.jobs[0].run;
    let lines = (0..lines).map(|i| format!("line {i}")).collect();
    event(&mut m, 0, run, EventKind::Output { lines, skipped: 0 });
    act(&mut m, Action::ToggleLog);
    viewport(&mut m, 3, 10);
    m
}

#[test]
fn log_follows_the_tail_and_pages_up_and_down() {
    let mut m = with_output(35);
    assert_eq!(m.ui.log_scroll, LogScroll::Follow);
    assert_eq!(m.log_start(&m.jobs[0], 10), 25);
    ui(&mut m, UiAction::LogPageUp);
    assert_eq!(m.log_start(&m.jobs[0], 10), 15);
    // New output does not move a scrolled pane.
    let run = m.jobs[0].run;
    event(
        &mut m,
        0,
        run,
        EventKind::Output {
            lines: vec!["more".into()],
            skipped: 0,
        },
    );
    assert_eq!(m.log_start(&m.jobs[0], 10), 15);
    ui(&mut m, UiAction::LogTop);
    assert_eq!(m.log_start(&m.jobs[0], 10), 0);
    ui(&mut m, UiAction::LogPageUp);
    assert_eq!(m.log_start(&m.jobs[0], 10), 0, "stops at the top");
    ui(&mut m, UiAction::LogPageDown);
    ui(&mut m, UiAction::LogPageDown);
    assert_eq!(m.log_start(&m.jobs[0], 10), 20);
    ui(&mut m, UiAction::LogPageDown);
    assert_eq!(
        m.ui.log_scroll,
        LogScroll::Follow,
        "back at the end: following again"
    );
    ui(&mut m, UiAction::LogTop);
    ui(&mut m, UiAction::LogBottom);
    assert_eq!(m.ui.log_scroll, LogScroll::Follow);
}

#[test]
fn wheel_over_the_log_scrolls_the_log_and_selecting_another_row_follows_again() {
    let mut m = with_output(30);
    ui(
        &mut m,
        UiAction::Wheel {
            row: 8,
            down: false,
        },
    );
    assert_eq!(m.log_start(&m.jobs[0], 10), 17);
    assert_eq!(m.ui.selected, 0, "the table did not move");
    act(&mut m, Action::SelectNext);
    assert_eq!(m.ui.log_scroll, LogScroll::Follow);
}

#[test]
fn help_toggles_and_actions_mark_the_model_dirty() {
    let (mut m, _) = model(&["a"], 1);
    m.dirty = false;
    ui(&mut m, UiAction::ToggleHelp);
    assert!(m.ui.overlay == Overlay::Help && m.dirty);
    ui(&mut m, UiAction::ToggleHelp);
    assert_eq!(m.ui.overlay, Overlay::None);
}

#[test]
fn open_log_asks_for_the_pager_only_when_there_is_a_log() {
    let (mut m, _) = model(&["a"], 1);
    assert!(act(&mut m, Action::OpenLog).is_empty());
    started(&mut m, 0, 0);
    let run = m.jobs[0].run;
    event(
        &mut m,
        0,
        run,
        EventKind::Finished(Finished {
            outcome: failed(),
            elapsed: Duration::from_millis(5),
            cpu: None,
            error: Some("CMake Error at CMakeLists.txt:2".into()),
            log: Some("/tmp/a.log".into()),
            diagnosis: None,
        }),
    );
    assert_eq!(
        act(&mut m, Action::OpenLog),
        vec![Effect::OpenPager {
            log: "/tmp/a.log".into(),
            follow: false
        }]
    );
}

/// Ctrl-Z is the terminal's business: the loop suspends, the jobs and the model go on.
#[test]
fn suspend_asks_the_loop_to_suspend_and_leaves_the_jobs_alone() {
    let (mut m, _) = model(&["a", "b"], 1);
    started(&mut m, 0, 0);
    assert_eq!(act(&mut m, Action::Suspend), vec![Effect::Suspend]);
    assert_eq!(m.jobs[0].state, JobState::Running);
    assert!(!m.quitting);
}

/// The log of a run is written while it runs: `o` opens it then, following its end.
#[test]
fn open_log_on_a_running_job_follows_the_log_being_written() {
    let jobs = vec![("a".to_string(), JobKind::Cmake)];
    let log = std::path::PathBuf::from("/logs/a/configure.log");
    let mut m = Model::new(jobs, 1, Instant::now()).with_log_paths([log.clone()]);
    m.start();
    // Handed to the engine but not started: nothing is written yet.
    assert!(act(&mut m, Action::OpenLog).is_empty());
    assert!(m.ui.notice.is_some());
    started(&mut m, 0, 0);
    assert_eq!(
        act(&mut m, Action::OpenLog),
        vec![Effect::OpenPager {
            log: log.clone(),
            follow: true
        }]
    );
    let run = m.jobs[0].run;
    let done = Finished {
        outcome: Outcome::Succeeded,
        elapsed: Duration::from_millis(5),
        cpu: None,
        error: None,
        log: Some(log.clone()),
        diagnosis: None,
    };
    event(&mut m, 0, run, EventKind::Finished(done));
    assert_eq!(
        act(&mut m, Action::OpenLog),
        vec![Effect::OpenPager { log, follow: false }]
    );
}

#[test]
fn rerun_failed_reruns_only_unsuccessful_jobs() {
    let (mut m, _) = model(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    finish(&mut m, 0, Outcome::Succeeded);
    finish(&mut m, 1, failed());
    finish(&mut m, 2, Outcome::Cancelled);
    let effects = act(&mut m, Action::RerunFailed);
    assert_eq!(effects.len(), 2);
    assert_eq!(
        states(&m),
        vec![JobState::Ok, JobState::Dispatched, JobState::Dispatched]
    );
}

#[test]
fn cancel_all_cancels_running_and_queued() {
    let (mut m, _) = model(&["a", "b", "c"], 1);
    started(&mut m, 0, 0);
    assert!(act(&mut m, Action::CancelAll).is_empty(), "C asks first");
    assert_eq!(m.ui.overlay.question(), Some(super::Question::CancelAll));
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
    let (mut m, _) = model(&["a", "b", "c"], 1);
    act(&mut m, Action::TogglePause);
    withdrawn(&mut m, 1);
    started(&mut m, 0, 0);
    assert!(finish(&mut m, 0, Outcome::Succeeded).is_empty());
    let effects = act(&mut m, Action::TogglePause);
    assert_eq!(runs_started(&effects), vec![1, 2]);
}

#[test]
fn an_idle_clock_redraws_when_its_second_turns_and_not_between() {
    let t0 = Instant::now();
    let mut m = Model::new(Vec::<JobNode>::new(), 1, t0);
    m.dirty = false;
    update(&mut m, Msg::Tick(t0 + Duration::from_millis(400)));
    assert!(!m.dirty, "nothing shown changed within the first second");
    update(&mut m, Msg::Tick(t0 + Duration::from_millis(1100)));
    assert!(m.dirty, "the header's clock turned to 1 s");
}

#[test]
fn minus_at_one_worker_says_why_nothing_happened() {
    let (mut m, _) = model(&["a"], 1);
    assert!(act(&mut m, Action::RemoveWorker).is_empty());
    assert_eq!(m.workers(), 1);
    let notice = m.ui.notice.clone().unwrap_or_default();
    assert!(notice.contains("one worker"), "{notice}");
}

#[test]
fn escape_clears_a_kept_search_and_the_failed_filter() {
    let (mut m, _) = model(&["alpha", "beta"], 2);
    started(&mut m, 0, 0);
    finish(&mut m, 0, failed());
    ui(&mut m, UiAction::ToggleFailedFilter);
    ui(&mut m, UiAction::BeginSearch);
    ui(&mut m, UiAction::SearchChar('a'));
    ui(&mut m, UiAction::SubmitSearch);
    assert_eq!(m.shown_len(), 1);
    ui(&mut m, UiAction::ClearFilters);
    assert!(m.ui.query.is_empty() && !m.ui.failed_only);
    assert_eq!(m.shown_len(), 2, "every row again");
}
