//! The table's view state driven through `update`: the selection and where it follows,
//! filters, search, sort orders, jumps, scrolling, clicks, help, and `C` asking first.

use std::time::{Duration, Instant};

use super::{
    act, current, event, failed, finish, finish_as, finished, model, projects, runs, send, start,
    started, tick, ui, viewport,
};
use crate::app::{
    Action, Band, Effect, JobNode, Model, Msg, Overlay, Prompt, Question, SortOrder, UiAction,
    Viewport, update,
};
use crate::engine::{Detail, EventKind, Finished, JobId, Outcome, RunId};

/// Six jobs on two workers: job0 ok, job1 failed, job2 and job3 running (job2 since longer),
/// job4 and job5 queued (one of them on deck).
fn busy(t0: Instant) -> Model {
    let mut m = model(6, 2, t0);
    let first = runs(&m.start());
    start(&mut m, first[0], 0);
    start(&mut m, first[1], 1);
    tick(&mut m, t0, 1);
    finish(&mut m, first[0], Duration::from_secs(1));
    fail_at(&mut m, first[1], 10);
    tick(&mut m, t0, 2);
    let job2 = current(&m, 2);
    start(&mut m, job2, 0);
    tick(&mut m, t0, 3);
    let job3 = current(&m, 3);
    start(&mut m, job3, 1);
    tick(&mut m, t0, 5);
    m
}

fn fail_at(model: &mut Model, run: (JobId, RunId), millis: u64) {
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
        output: None,
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

#[test]
fn tick_moves_the_clock_for_running_rows() {
    let (mut m, _) = projects(&["a"], 1);
    let t0 = m.now;
    started(&mut m, 0, 0);
    update(&mut m, Msg::Drawn);
    update(&mut m, Msg::Tick(t0 + Duration::from_secs(3)));
    assert!(m.is_dirty());
    assert_eq!(m.jobs[0].duration_at(m.now), Some(Duration::from_secs(3)));
}

#[test]
fn failed_filter_keeps_selection_on_the_same_job() {
    let (mut m, _) = projects(&["a", "b", "c", "d"], 4);
    for job in 0..4 {
        started(&mut m, job, job as usize);
    }
    finish_as(&mut m, 0, Outcome::Succeeded);
    finish_as(&mut m, 1, failed());
    finish_as(&mut m, 2, Outcome::Succeeded);
    finish_as(&mut m, 3, failed());
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
    let (mut m, _) = projects(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    finish_as(&mut m, 0, Outcome::Succeeded);
    finish_as(&mut m, 1, Outcome::Succeeded);
    finish_as(&mut m, 2, failed());
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.ui.selected, 2);
}

#[test]
fn job_that_fails_while_filtered_appears_and_rerun_keeps_it_shown() {
    let (mut m, _) = projects(&["a", "b"], 2);
    started(&mut m, 0, 0);
    started(&mut m, 1, 1);
    ui(&mut m, UiAction::ToggleFailedFilter);
    assert_eq!(m.shown_len(), 0);
    assert!(
        act(&mut m, Action::Cancel).is_empty(),
        "nothing shown, nothing to cancel"
    );
    finish_as(&mut m, 1, failed());
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
    let (mut m, _) = projects(&["alpha", "beta", "gamma", "Alpine"], 1);
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

/// `/MPI` lists the project named MPI first, then the one whose error names MPI, and not
/// the one whose error says COMPILER (issue 22).
#[test]
fn search_ranks_name_matches_first_and_matches_error_words_not_their_middles() {
    let (mut m, _) = projects(&["a-proj", "mpi-hello", "zlib"], 3);
    let errors = [
        Some("Could NOT find MPI (missing: MPI_C_FOUND)"),
        None,
        Some("No CMAKE_CXX_COMPILER could be found."),
    ];
    for (job, error) in errors.into_iter().enumerate() {
        let index = u32::try_from(job).expect("few");
        started(&mut m, index, job);
        let run = m.jobs[job].run;
        let mut end = finished(failed());
        if let EventKind::Finished(f) = &mut end {
            f.error = error.map(str::to_string);
        }
        event(&mut m, index, run, end);
    }
    ui(&mut m, UiAction::BeginSearch);
    for c in "MPI".chars() {
        ui(&mut m, UiAction::SearchChar(c));
    }
    assert_eq!(m.shown_len(), 2, "not the COMPILER error");
    assert_eq!(
        (m.shown_job(0), m.shown_job(1)),
        (Some(1), Some(0)),
        "the name match first"
    );
    act(&mut m, Action::SelectFirst);
    assert_eq!(m.ui.selected, 1);
    act(&mut m, Action::SelectNext);
    assert_eq!(m.ui.selected, 0);
}

#[test]
fn search_finds_errors_and_details_too() {
    let (mut m, _) = projects(&["a", "b", "c"], 3);
    for job in 0..3 {
        started(&mut m, job, job as usize);
    }
    let run = m.jobs[0].run;
    event(&mut m, 0, run, EventKind::Detail(Detail::note("cached")));
    finish_as(&mut m, 0, Outcome::Succeeded);
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
    let (mut m, _) = projects(&refs, 1);
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
    let (mut m, _) = projects(&["a", "b", "c", "d", "e", "f"], 1);
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
    let (mut m, _) = projects(&["a", "b", "c", "d", "e", "f", "g", "h"], 1);
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

#[test]
fn help_toggles_and_actions_mark_the_model_dirty() {
    let (mut m, _) = projects(&["a"], 1);
    update(&mut m, Msg::Drawn);
    ui(&mut m, UiAction::ToggleHelp);
    assert!(m.ui.overlay == Overlay::Help && m.is_dirty());
    ui(&mut m, UiAction::ToggleHelp);
    assert_eq!(m.ui.overlay, Overlay::None);
}

#[test]
fn an_idle_clock_redraws_when_its_second_turns_and_not_between() {
    let t0 = Instant::now();
    let mut m = Model::new(Vec::<JobNode>::new(), 1, t0);
    update(&mut m, Msg::Drawn);
    update(&mut m, Msg::Tick(t0 + Duration::from_millis(400)));
    assert!(
        !m.is_dirty(),
        "nothing shown changed within the first second"
    );
    update(&mut m, Msg::Tick(t0 + Duration::from_millis(1100)));
    assert!(m.is_dirty(), "the header's clock turned to 1 s");
}

#[test]
fn escape_clears_a_kept_search_and_the_failed_filter() {
    let (mut m, _) = projects(&["alpha", "beta"], 2);
    started(&mut m, 0, 0);
    finish_as(&mut m, 0, failed());
    ui(&mut m, UiAction::ToggleFailedFilter);
    ui(&mut m, UiAction::BeginSearch);
    ui(&mut m, UiAction::SearchChar('a'));
    ui(&mut m, UiAction::SubmitSearch);
    assert_eq!(m.shown_len(), 1);
    ui(&mut m, UiAction::ClearFilters);
    assert!(m.ui.query.is_empty() && !m.ui.failed_only);
    assert_eq!(m.shown_len(), 2, "every row again");
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
    fail_at(&mut m, run, 2000);
    assert_eq!(shown(&m)[1], "job3", "not before the tick");
    tick(&mut m, t0, 6);
    assert_eq!(shown(&m), ["job2", "job1", "job3", "job4", "job5", "job0"]);
}

/// The clock moves on every turn of the loop: a sorted order of 100,000 rows redone on each
/// held every key's answer back. It waits a quarter of a second after the last sort.
#[test]
fn a_sorted_table_is_redone_at_most_every_quarter_second() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut m = busy(t0);
    // Sorted at 5 s, by state.
    ui(&mut m, UiAction::CycleSort);
    let run = current(&m, 3);
    fail_at(&mut m, run, 2000);
    update(&mut m, Msg::Tick(t0 + ms(5200)));
    assert_eq!(
        shown(&m)[1],
        "job3",
        "not within a quarter second of the sort"
    );
    update(&mut m, Msg::Tick(t0 + ms(5250)));
    assert_eq!(shown(&m), ["job2", "job1", "job3", "job4", "job5", "job0"]);
}

#[test]
fn sort_and_the_failed_filter_combine() {
    let t0 = Instant::now();
    let mut m = busy(t0);
    let run = current(&m, 3);
    fail_at(&mut m, run, 2000);
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
