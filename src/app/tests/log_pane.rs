//! The log pane driven through `update`: following the tail, paging, the pager, the
//! command kept apart from the output, log search, and copying.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{
    act, event, fail_with, failed, projects, runs, send, start, started, two_projects, ui, viewport,
};
use crate::app::{Action, Effect, LogScroll, Model, UiAction};
use crate::engine::{EventKind, Finished, JobId, Outcome};

/// a's configure ran and printed `lines`, its command first, and failed with `boom`.
fn with_lines(lines: &[&str]) -> Model {
    let mut model = two_projects();
    let started = model.start();
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    let run = (JobId(0), model.job(JobId(0)).run);
    let command = "$ cmake -S /w/a -B /b/a".to_string();
    send(&mut model, run, EventKind::Command(command));
    let batch = lines.iter().map(|l| (*l).to_string()).collect();
    send(
        &mut model,
        run,
        EventKind::Output {
            lines: batch,
            skipped: 0,
        },
    );
    fail_with(&mut model, JobId(0), None);
    // The user selects it (untouched, the selection follows the running jobs).
    act(&mut model, Action::SelectFirst);
    model
}

fn with_output(lines: usize) -> Model {
    let (mut m, _) = projects(&["a", "b"], 2);
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
fn open_log_asks_for_the_pager_only_when_there_is_a_log() {
    let (mut m, _) = projects(&["a"], 1);
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
            output: None,
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

/// The log of a run is written while it runs: `o` opens it then, following its end.
#[test]
fn open_log_on_a_running_job_follows_the_log_being_written() {
    let jobs = vec![("a".to_string(), crate::jobs::cmake::KIND)];
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
        output: None,
    };
    event(&mut m, 0, run, EventKind::Finished(done));
    assert_eq!(
        act(&mut m, Action::OpenLog),
        vec![Effect::OpenPager { log, follow: false }]
    );
}

#[test]
fn the_command_is_kept_apart_from_the_output() {
    let model = with_lines(&["-- one", "-- two"]);
    let row = model.job(JobId(0));
    assert_eq!(row.command.as_deref(), Some("$ cmake -S /w/a -B /b/a"));
    assert_eq!(row.output.lines(), &["-- one", "-- two"]);
}

/// A probe runs cmake before the configure's own command: its `$ cmake -S …/probe/…` output
/// line must not pass for the command (it did while the command was "the first output line
/// starting with `$ `").
#[test]
fn an_output_line_that_looks_like_a_command_is_output() {
    let model = with_lines(&["$ cmake -S /b/.jobdeck/probe/k/c", "-- two"]);
    let row = model.job(JobId(0));
    assert_eq!(row.command.as_deref(), Some("$ cmake -S /w/a -B /b/a"));
    assert_eq!(
        row.output.lines(),
        &["$ cmake -S /b/.jobdeck/probe/k/c", "-- two"]
    );
}

#[test]
fn a_log_search_jumps_to_matches_forward_and_back() {
    use crate::app::{LogAction, LogScroll};
    let lines: Vec<String> = (0..30)
        .map(|i| {
            if i % 10 == 5 {
                format!("line {i} Boost")
            } else {
                format!("line {i}")
            }
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut model = with_lines(&refs);
    act(&mut model, Action::Log(LogAction::BeginSearch));
    assert!(model.ui.show_log, "the pane opens");
    for c in "boost".chars() {
        act(&mut model, Action::Log(LogAction::SearchChar(c)));
    }
    act(&mut model, Action::Log(LogAction::SubmitSearch));
    assert_eq!(model.ui.log_view.current, Some(5));
    assert_eq!(
        model.ui.log_scroll,
        LogScroll::At(3),
        "two lines of context above"
    );
    act(&mut model, Action::Log(LogAction::NextMatch));
    assert_eq!(model.ui.log_view.current, Some(15));
    act(&mut model, Action::Log(LogAction::NextMatch));
    act(&mut model, Action::Log(LogAction::NextMatch));
    assert_eq!(model.ui.log_view.current, Some(5), "wraps around");
    act(&mut model, Action::Log(LogAction::PrevMatch));
    assert_eq!(model.ui.log_view.current, Some(25));
    assert!(model.is_log_match("a BOOST b") && !model.is_log_match("boo"));
    act(&mut model, Action::Log(LogAction::CancelSearch));
    assert!(!model.is_log_match("boost"));
}

#[test]
fn y_and_shift_y_copy_the_error_and_the_log_path() {
    use crate::app::LogAction;
    let mut model = with_lines(&[]);
    assert_eq!(
        act(&mut model, Action::Log(LogAction::CopyError)),
        [Effect::Copy("boom".into())]
    );
    model.jobs[0].log = Some(PathBuf::from("/b/.jobdeck/logs/a/configure.log").into());
    assert_eq!(
        act(&mut model, Action::Log(LogAction::CopyLogPath)),
        [Effect::Copy("/b/.jobdeck/logs/a/configure.log".into())]
    );
}

/// `/` searches what has focus (issue 22): the log pane once `Enter` opened it and moved
/// there, the table again after `Esc`, which leaves the pane open.
#[test]
fn slash_searches_the_focused_pane_and_esc_goes_back_to_the_table() {
    use crate::app::{Overlay, Pane, Prompt};
    let mut model = with_lines(&["boost here"]);
    ui(&mut model, UiAction::BeginSearch);
    assert_eq!(
        model.ui.overlay,
        Overlay::Prompt(Prompt::Search),
        "the table"
    );
    ui(&mut model, UiAction::CancelSearch);
    act(&mut model, Action::ToggleLog);
    assert_eq!(model.ui.focus, Pane::Log);
    ui(&mut model, UiAction::BeginSearch);
    assert_eq!(
        model.ui.overlay,
        Overlay::Prompt(Prompt::LogSearch),
        "the log"
    );
    act(&mut model, Action::Log(crate::app::LogAction::CancelSearch));
    ui(&mut model, UiAction::ClearFilters);
    assert_eq!(model.ui.focus, Pane::Table, "Esc: back to the table");
    assert!(model.ui.show_log, "the pane stays open");
    ui(&mut model, UiAction::BeginSearch);
    assert_eq!(model.ui.overlay, Overlay::Prompt(Prompt::Search));
    ui(&mut model, UiAction::CancelSearch);
    act(&mut model, Action::ToggleLog);
    assert!(!model.ui.show_log, "Enter hides the pane, as it always did");
    assert_eq!(model.ui.focus, Pane::Table);
}
