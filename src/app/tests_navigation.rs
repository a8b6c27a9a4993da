//! Tests for getting to the rows that matter: sort orders, jumps, half pages, the selection
//! that follows the longest-running job, and `C` asking first.

use std::time::{Duration, Instant};

use super::test_support::{finish, model, runs, send, start, tick};
use super::{Action, Band, Effect, Model, Msg, Question, SortOrder, UiAction, Viewport, update};
use crate::engine::{EventKind, Finished, JobId, Outcome, RunId};

fn act(model: &mut Model, action: Action) -> Vec<Effect> {
    update(model, Msg::Action(action))
}

fn ui(model: &mut Model, action: UiAction) {
    act(model, Action::Ui(action));
}

fn fail(model: &mut Model, run: (JobId, RunId), millis: u64) {
    let finished = Finished {
        outcome: Outcome::Failed {
            code: Some(1),
            signal: None,
        },
        elapsed: Duration::from_millis(millis),
        cpu: None,
        error: Some("broken".into()),
        log: None,
        diagnosis: None,
    };
    send(model, run, EventKind::Finished(finished));
}

fn selected_name(model: &Model) -> &str {
    &model.jobs[model.ui.selected].name
}

/// The names in the order the table shows them.
fn shown(model: &Model) -> Vec<String> {
    (0..model.shown_len())
        .map(|p| model.jobs[model.shown_job(p).expect("shown")].name.clone())
        .collect()
}

fn table_of(model: &mut Model, rows: u16) {
    update(
        model,
        Msg::Viewport(Viewport {
            table: Band {
                top: 2,
                height: rows,
            },
            ..Viewport::default()
        }),
    );
}

/// Six jobs on two workers: job0 ok, job1 failed, job2 and job3 running (job2 since longer),
/// job4 and job5 queued (one of them on deck).
fn busy(t0: Instant) -> Model {
    let mut m = model(6, 2, t0);
    let first = runs(&m.start());
    start(&mut m, first[0], 0);
    start(&mut m, first[1], 1);
    tick(&mut m, t0, 1);
    finish(&mut m, first[0], Duration::from_secs(1));
    fail(&mut m, first[1], 10);
    tick(&mut m, t0, 2);
    let job2 = current(&m, 2);
    start(&mut m, job2, 0);
    tick(&mut m, t0, 3);
    let job3 = current(&m, 3);
    start(&mut m, job3, 1);
    tick(&mut m, t0, 5);
    m
}

/// Job `job`'s current run.
fn current(model: &Model, job: u32) -> (JobId, RunId) {
    (JobId(job), model.jobs[job as usize].run)
}

#[test]
fn the_selection_follows_the_longest_running_job_until_the_user_moves_it() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    assert_eq!(
        selected_name(&m),
        "job2",
        "running since 2 s, job3 since 3 s"
    );
    act(&mut m, Action::SelectFirst);
    assert_eq!(selected_name(&m), "job0");
    // job2 ends: the selection stays where the user put it.
    let run = current(&m, 2);
    finish(&mut m, run, Duration::from_secs(3));
    assert_eq!(selected_name(&m), "job0");
}

#[test]
fn without_a_user_move_a_finish_moves_the_selection_to_the_next_longest() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    let run = current(&m, 2);
    finish(&mut m, run, Duration::from_secs(3));
    assert_eq!(selected_name(&m), "job3");
}

#[test]
fn tab_and_f_jump_to_running_and_failed_rows_wrapping_around() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    act(&mut m, Action::SelectFirst);
    ui(&mut m, UiAction::JumpRunning { forward: true });
    assert_eq!(selected_name(&m), "job2");
    ui(&mut m, UiAction::JumpRunning { forward: true });
    assert_eq!(selected_name(&m), "job3");
    ui(&mut m, UiAction::JumpRunning { forward: true });
    assert_eq!(selected_name(&m), "job2", "wraps around");
    ui(&mut m, UiAction::JumpRunning { forward: false });
    assert_eq!(selected_name(&m), "job3", "backwards wraps too");
    ui(&mut m, UiAction::JumpFailed);
    assert_eq!(selected_name(&m), "job1");
    assert_eq!(m.ui.notice(), None);
}

#[test]
fn a_jump_with_nothing_to_find_says_so_and_stays() {
    let t0 = Instant::now();
    let mut m = model(3, 1, t0);
    m.start();
    ui(&mut m, UiAction::JumpFailed);
    assert_eq!(selected_name(&m), "job0");
    assert_eq!(m.ui.notice(), Some("no failed job is shown"));
}

#[test]
fn sort_cycles_name_state_time_and_keeps_the_selection_on_its_job() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    table_of(&mut m, 10);
    act(&mut m, Action::SelectFirst);
    assert_eq!(m.ui.sort, SortOrder::Name);
    ui(&mut m, UiAction::CycleSort);
    assert_eq!(m.ui.sort, SortOrder::State);
    assert_eq!(
        shown(&m),
        ["job2", "job3", "job1", "job4", "job5", "job0"],
        "running, failed, queued, ok"
    );
    assert_eq!(selected_name(&m), "job0", "the selection stays on its job");
    assert_eq!(m.selected_position(), Some(5));
    ui(&mut m, UiAction::CycleSort);
    assert_eq!(m.ui.sort, SortOrder::Time);
    // job2 has run 3 s, job3 2 s (still running), job0 took 1 s, job1 10 ms; the queued
    // ones never ran and come last.
    assert_eq!(shown(&m), ["job2", "job3", "job0", "job1", "job4", "job5"]);
    ui(&mut m, UiAction::CycleSort);
    assert_eq!(m.ui.sort, SortOrder::Name);
    assert_eq!(shown(&m), ["job0", "job1", "job2", "job3", "job4", "job5"]);
}

#[test]
fn a_sorted_table_is_redone_on_the_next_tick_after_rows_change() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    ui(&mut m, UiAction::CycleSort);
    let run = current(&m, 3);
    fail(&mut m, run, 2000);
    assert_eq!(shown(&m)[1], "job3", "not before the tick");
    tick(&mut m, t0, 6);
    assert_eq!(shown(&m), ["job2", "job1", "job3", "job4", "job5", "job0"]);
}

#[test]
fn sort_and_the_failed_filter_combine() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    let run = current(&m, 3);
    fail(&mut m, run, 2000);
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(shown(&m), ["job1", "job3"]);
    ui(&mut m, UiAction::CycleSort);
    ui(&mut m, UiAction::CycleSort);
    assert_eq!(shown(&m), ["job3", "job1"], "by time: job3 ran longer");
    assert!(!m.is_shown(0));
}

#[test]
fn ctrl_d_and_ctrl_u_move_half_a_table() {
    let t0 = Instant::now();
    let mut m = model(50, 1, t0);
    table_of(&mut m, 10);
    ui(&mut m, UiAction::HalfPage { down: true });
    assert_eq!(m.ui.selected, 5);
    ui(&mut m, UiAction::HalfPage { down: true });
    assert_eq!(m.ui.selected, 10);
    assert_eq!(m.ui.table_offset, 1, "scrolled just enough");
    ui(&mut m, UiAction::HalfPage { down: false });
    assert_eq!(m.ui.selected, 5);
}

#[test]
fn cancel_all_asks_first_and_a_second_q_quits() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    assert!(act(&mut m, Action::CancelAll).is_empty());
    assert_eq!(m.ui.overlay.question(), Some(Question::CancelAll));
    // `q` while asking about `C` asks about quitting instead; a second `q` quits.
    assert!(act(&mut m, Action::Quit).is_empty());
    assert_eq!(m.ui.overlay.question(), Some(Question::Quit));
    let effects = act(&mut m, Action::Quit);
    assert!(m.quitting);
    assert!(effects.iter().any(|e| matches!(e, Effect::Cancel(_))));
}

#[test]
fn cancel_all_with_nothing_left_says_so() {
    let t0 = Instant::now();
    let mut m = model(1, 1, t0);
    let first = runs(&m.start());
    start(&mut m, first[0], 0);
    finish(&mut m, first[0], Duration::from_secs(1));
    act(&mut m, Action::CancelAll);
    assert_eq!(m.ui.overlay.question(), None);
    assert_eq!(m.ui.notice(), Some("nothing to cancel"));
}
