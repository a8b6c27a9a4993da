//! View tests of the log pane's pinned folder and command, wrapping, search
//! highlights, and the causes panel.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{find, send};
use crate::app::{self, Action, CauseAction, LogAction, Model, Msg};
use crate::engine::{EventKind, Finished, Outcome, WorkerId};
use crate::ui::view::{layout, render, viewport};

/// One failed project whose output has a long line and a line mentioning Boost.
fn failed_project() -> Model {
    let mut model = Model::new(
        vec![("proj".to_string(), crate::jobs::cmake::KIND)],
        1,
        Instant::now(),
    )
    .with_sources([Some(PathBuf::from("/src/proj"))]);
    model.start();
    send(
        &mut model,
        0,
        EventKind::Started {
            worker: WorkerId(0),
        },
    );
    send(
        &mut model,
        0,
        EventKind::Command("$ cmake -S /src/proj -B /b/proj".to_string()),
    );
    let lines = vec![
        format!("-- a long line {}END", "x".repeat(70)),
        "-- looking for Boost here".to_string(),
    ];
    send(&mut model, 0, EventKind::Output { lines, skipped: 0 });
    send(
        &mut model,
        0,
        EventKind::Finished(Finished {
            outcome: Outcome::Failed {
                code: Some(1),
                signal: None,
            },
            elapsed: Duration::from_millis(5),
            cpu: None,
            error: Some("Could NOT find Boost — CMakeLists.txt:3 (find_package)".into()),
            log: None,
            diagnosis: None,
            output: None,
        }),
    );
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    model
}

fn screen(model: &mut Model, width: u16, height: u16) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let regions = layout(ratatui::layout::Rect::new(0, 0, width, height), model);
    app::update(model, Msg::Viewport(viewport(&regions)));
    terminal.draw(|frame| render(model, frame)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

#[test]
fn the_log_pane_starts_with_the_folder_and_the_command() {
    let mut model = failed_project();
    let lines = screen(&mut model, 80, 20);
    let pane = lines
        .iter()
        .position(|l| l.contains(" proj ") && l.contains("run 1"));
    let pane = pane.unwrap_or_else(|| panic!("the pane's title:\n{}", lines.join("\n")));
    assert!(
        lines[pane + 1].starts_with("in /src/proj"),
        "{}",
        lines.join("\n")
    );
    assert!(lines[pane + 2].starts_with("$ cmake -S /src/proj -B /b/proj"));
    assert!(lines[pane + 3].starts_with("-- a long line"));
    assert!(!lines.join("\n").contains("END"), "cut at the width");
}

#[test]
fn wrap_shows_the_end_of_a_long_line() {
    let mut model = failed_project();
    app::update(&mut model, Msg::Action(Action::Log(LogAction::ToggleWrap)));
    let lines = screen(&mut model, 80, 20);
    assert!(
        lines.iter().any(|l| l.contains("END")),
        "{}",
        lines.join("\n")
    );
    assert!(lines.iter().any(|l| l.contains("looking for Boost")));
}

/// A job whose last line is longer than the pane can wrap (a flood with no newline, cut at
/// the engine's 4096 bytes): wrapped, it still shows, where the pane said "(no output)".
#[test]
fn wrap_shows_a_line_taller_than_the_pane() {
    let mut model = silent_project(false);
    let lines = vec![format!("START{}", "y".repeat(4000))];
    send(&mut model, 0, EventKind::Output { lines, skipped: 0 });
    app::update(&mut model, Msg::Action(Action::Log(LogAction::ToggleWrap)));
    let text = screen(&mut model, 80, 20).join("\n");
    assert!(!text.contains("(no output)"), "{text}");
    assert!(text.contains("START"), "{text}");
}

#[test]
fn search_matches_are_highlighted() {
    let mut model = failed_project();
    for action in [
        LogAction::BeginSearch,
        LogAction::SearchChar('b'),
        LogAction::SearchChar('o'),
    ]
    .into_iter()
    .chain("ost".chars().map(LogAction::SearchChar))
    .chain([LogAction::SubmitSearch])
    {
        app::update(&mut model, Msg::Action(Action::Log(action)));
    }
    let lines = screen(&mut model, 80, 20);
    let (x, y) = find(&lines, "Boost here");
    let matched = style_at(&mut model, x, y);
    let rest = style_at(&mut model, x + 6, y);
    assert_ne!(matched, rest, "the match is picked out from its line");
    assert_eq!(matched, style_at(&mut model, x + 4, y), "the whole match");
}

#[test]
fn the_causes_panel_lists_causes_with_counts() {
    let mut model = failed_project();
    app::update(&mut model, Msg::Action(Action::Cause(CauseAction::Toggle)));
    let lines = screen(&mut model, 80, 20);
    find(&lines, "1  Could NOT find Boost");
    find(&lines, "causes: Enter shows its jobs");
}

/// Issue 32, the new-user round: a cause of one job read as its signature, its numbers
/// `N` (`CMakeLists.txt:N: broken on purpose`); it is that job's own message.
#[test]
fn the_causes_panel_says_a_cause_of_one_job_by_its_message() {
    let mut model = super::fixture();
    app::update(&mut model, Msg::Action(Action::Cause(CauseAction::Toggle)));
    let lines = screen(&mut model, 80, 20);
    let text = lines.join("\n");
    assert!(
        text.contains("1  CMakeLists.txt:3: broken on purpose"),
        "{text}"
    );
    assert!(!text.contains(":N:"), "{text}");
}

/// The header's filter flag said the signature (`cause: CMakeLists.txt:N: broken on
/// purpose`) of the cause chosen in the panel, which said its one job's message.
#[test]
fn the_filter_flag_says_a_cause_of_one_job_as_the_panel_does() {
    let mut model = super::fixture();
    let (cause, jobs) = model
        .causes()
        .into_iter()
        .find(|(cause, _)| cause.contains(":N:"))
        .expect("a cause with a number");
    assert_eq!(jobs.len(), 1);
    model.ui.cause = Some(cause);
    let lines = screen(&mut model, 120, 8);
    assert!(
        lines[0].contains(" cause: CMakeLists.txt:3: b… "),
        "{}",
        lines[0]
    );
}

fn style_at(model: &mut Model, x: u16, y: u16) -> ratatui::style::Style {
    let mut terminal = Terminal::new(TestBackend::new(80, 20)).expect("test backend");
    terminal.draw(|frame| render(model, frame)).expect("draw");
    terminal.backend().buffer()[(x, y)].style()
}

/// A project that printed nothing, open in the log pane, `finished` or still running.
fn silent_project(finished: bool) -> Model {
    let mut model = Model::new(
        vec![("quiet".to_string(), crate::jobs::cmake::KIND)],
        1,
        Instant::now(),
    );
    model.start();
    let worker = WorkerId(0);
    send(&mut model, 0, EventKind::Started { worker });
    if finished {
        let ended = Finished {
            outcome: Outcome::Succeeded,
            elapsed: Duration::from_millis(5),
            cpu: None,
            error: None,
            log: None,
            diagnosis: None,
            output: None,
        };
        send(&mut model, 0, EventKind::Finished(ended));
    }
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    model
}

#[test]
fn an_empty_log_says_yet_only_while_its_job_runs() {
    let running = screen(&mut silent_project(false), 80, 20).join("\n");
    assert!(running.contains("(no output yet)"), "{running}");
    let ended = screen(&mut silent_project(true), 80, 20).join("\n");
    assert!(ended.contains("(no output)"), "{ended}");
    assert!(!ended.contains("no output yet"), "{ended}");
}

/// Issue 32: at 10×8 `Enter` showed no log pane, the table keeping five rows for its one
/// job. The table keeps as many rows as its jobs need, and the pane gets the rest.
#[test]
fn on_a_10x8_screen_one_jobs_log_pane_opens() {
    let mut model = failed_project();
    let lines = screen(&mut model, 10, 8);
    let text = lines.join("\n");
    assert!(text.contains("proj"), "{text}");
    assert!(
        lines.iter().any(|l| l.contains("$ cmake")),
        "the log pane's command line:\n{text}"
    );
    assert!(lines[7].contains("help"), "the footer:\n{text}");
}
