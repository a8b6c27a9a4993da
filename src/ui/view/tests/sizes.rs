//! View tests at the sizes people use: 80×24 and 60×15, with real-looking long names, every
//! panel open, a sorted table, retired workers and the questions that cancel runs.

use std::time::{Duration, Instant};

use ratatui::style::Modifier;

use super::{draw, screen, send, started};
use crate::app::{self, Action, Model, Msg, UiAction};
use crate::engine::{EventKind, Finished, Outcome};

const NAMES: [&str; 8] = [
    "cmake-cookbook/chapter-01/recipe-01/cxx-example",
    "cmake-cookbook/chapter-01/recipe-06/cxx-example",
    "cmake-cookbook/chapter-03/recipe-05/fortran-example",
    "cmake-cookbook/chapter-07/recipe-02/cxx-example",
    "modern-cmake/examples/extended-project",
    "modern-cmake/examples/root-simple",
    "cmake-examples/01-basic/A-hello-cmake",
    "cmake-examples/02-sub-projects/A-basic",
];

fn failed(error: &str) -> EventKind {
    EventKind::Finished(Finished {
        outcome: Outcome::Failed {
            code: Some(1),
            signal: None,
        },
        elapsed: Duration::from_secs(1),
        cpu: None,
        error: Some(error.to_string()),
        log: None,
        diagnosis: None,
        output: None,
    })
}

/// The cookbook collection on two workers, 3 s in: the second project failed, the first and
/// the fourth run, the rest wait.
fn collection() -> Model {
    let t0 = Instant::now();
    let jobs = NAMES
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::cmake::KIND))
        .collect();
    let mut model = Model::new(jobs, 2, t0);
    model.start();
    send(&mut model, 0, started(0));
    send(&mut model, 1, started(1));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(1)));
    send(
        &mut model,
        1,
        failed("Could NOT find Boost (missing: filesystem)"),
    );
    send(&mut model, 2, started(1));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
    model
}

fn ui(model: &mut Model, action: UiAction) {
    app::update(model, Msg::Action(Action::Ui(action)));
}

/// Table rows that show a job (the column titles and panels excluded): they start with a
/// name of the collection, shortened (`cookbook/c01/r01/cxx`) or cut (`…es/01-basic/A…`).
fn job_rows(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| {
            ["…", "cookbook/"]
                .iter()
                .any(|start| l[2..].starts_with(start))
        })
        .count()
}

#[test]
fn at_80x24_names_keep_the_parts_that_differ_and_the_header_starts_with_progress() {
    let mut model = collection();
    let lines = screen(&draw(&mut model, 80, 24));
    assert!(
        lines[0].starts_with(" jobdeck  1/8 "),
        "progress first: {}",
        lines[0]
    );
    assert!(lines[0].contains("ETA"), "{}", lines[0]);
    let joined = lines.join("\n");
    // Names are shortened towards 32 columns (the worker and CPU columns are left out
    // below 100): numbered folders are abbreviated, the collections lose the word they
    // share, `-example` goes (`app::short_names`); what is still longer takes the room the
    // state and time columns spare (up to 39), so these are whole, not `…dern-cmake/…`.
    for name in [
        "  cookbook/c01/r06/cxx ",
        "  cookbook/c03/r05/fortran ",
        "  modern-cmake/examples/root-simple ",
        "  modern-cmake/examples/extended-project ",
        "  examples/01-basic/A-hello-cmake ",
    ] {
        assert!(joined.contains(name), "{name}:\n{joined}");
    }
    // The error column gets what is left, enough to say what failed.
    assert!(joined.contains("Could NOT find"), "{joined}");
    // Following the longest-running job: the first project, started at 0 s.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("> cookbook/c01/r01/cxx ")),
        "{joined}"
    );
}

#[test]
fn at_60x15_the_table_keeps_five_rows_with_every_panel_open() {
    let mut model = collection();
    for action in [UiAction::ToggleWorkers, UiAction::ToggleTimeline] {
        ui(&mut model, action);
    }
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    let lines = screen(&draw(&mut model, 60, 15));
    let joined = lines.join("\n");
    assert!(job_rows(&lines) >= 5, "five job rows:\n{joined}");
    assert!(joined.contains(" timeline "), "{joined}");
    assert!(joined.contains(" workers "), "{joined}");
    assert!(
        lines[14].contains("? help") && lines[14].contains("q quit"),
        "{joined}"
    );
    // Every row is a full 60 columns: nothing spills or wraps.
    assert!(lines.iter().all(|l| l.chars().count() == 60));
}

#[test]
fn at_60x15_the_help_scrolls_and_the_sort_shows() {
    let mut model = collection();
    ui(&mut model, UiAction::CycleSort);
    let lines = screen(&draw(&mut model, 60, 15));
    let joined = lines.join("\n");
    assert!(joined.contains("BY STATE"), "{joined}");
    // By state: the running rows first, then the failure.
    let first = lines
        .iter()
        .position(|l| l.contains("running"))
        .expect("running");
    let fail = lines
        .iter()
        .position(|l| l.contains("failed "))
        .expect("failed");
    assert!(first < fail, "{joined}");
    ui(&mut model, UiAction::ToggleHelp);
    let lines = screen(&draw(&mut model, 60, 15));
    assert!(lines.iter().any(|l| l.contains("↓↑ PgDn")), "{lines:?}");
}

#[test]
fn the_questions_say_what_they_will_cancel() {
    let mut model = collection();
    app::update(&mut model, Msg::Action(Action::CancelAll));
    let lines = screen(&draw(&mut model, 100, 24));
    assert!(
        lines[23].contains("Cancel every job? 2 running and 5 queued jobs will be cancelled"),
        "{}",
        lines[23]
    );
    assert!(lines[23].contains("y yes n no"), "{}", lines[23]);
    app::update(&mut model, Msg::Action(Action::Dismiss));
    app::update(&mut model, Msg::Action(Action::Quit));
    let lines = screen(&draw(&mut model, 100, 24));
    assert!(
        lines[23].contains("Quit? 2 running and 5 queued jobs will be cancelled"),
        "{}",
        lines[23]
    );
}

#[test]
fn retired_workers_keep_their_dimmed_lanes_in_the_timeline() {
    let mut model = collection();
    ui(&mut model, UiAction::ToggleTimeline);
    // `-`: one worker leaves once its run ends.
    app::update(&mut model, Msg::Action(Action::RemoveWorker));
    let t0 = model.started_at;
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(4)));
    send(&mut model, 2, failed("gfortran not found"));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(5)));
    let terminal = draw(&mut model, 80, 24);
    let lines = screen(&terminal);
    let joined = lines.join("\n");
    // Slot 2 ended its run after the `-`: it is the one that left.
    let lane = lines
        .iter()
        .position(|l| l.starts_with("w2  "))
        .expect("w2's lane stays");
    assert!(lines[lane].contains('×'), "its failures stay: {joined}");
    let buffer = terminal.backend().buffer();
    let y = u16::try_from(lane).expect("short");
    assert!(
        buffer[(0, y)].modifier.contains(Modifier::DIM),
        "retired lane is dimmed"
    );
    let live = lines
        .iter()
        .position(|l| l.starts_with("w1  "))
        .expect("w1's lane");
    let y = u16::try_from(live).expect("short");
    assert!(!buffer[(0, y)].modifier.contains(Modifier::DIM));
}
