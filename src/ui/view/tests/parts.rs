//! A test stage's tests as rows under its row at 80×24: each test's name indented, its state
//! word (`running`, `slow`, `failed`, `flaky`, `skipped`, `ok`), its error or the attempt it
//! is on; and, with no room for every test, the passed ones folded away first.

use std::time::{Duration, Instant};

use super::{done, draw, screen, send, started};
use crate::app::{self, Model, Msg};
use crate::engine::{EventKind, Outcome, Part, PartStatus};

fn part(name: &str, status: PartStatus, attempt: u32, error: Option<&str>) -> EventKind {
    EventKind::Part(Part {
        name: name.to_string(),
        status,
        elapsed: (status != PartStatus::Running).then_some(Duration::from_millis(40)),
        error: error.map(str::to_string),
        attempt,
        expected: None,
        provisional: false,
    })
}

/// `projects` cmake jobs on two workers; the first one runs its tests, 2 s in: `waits`
/// running, `hangs` running past its history, `fails` failed, `flaky` passed on its second
/// attempt, `skips` skipped, then `passed` passing tests.
fn testing(projects: usize, passed: usize) -> Model {
    testing_in(projects, 0, passed)
}

/// As [`testing`], the tests being job `job`'s.
fn testing_in(projects: usize, job: u32, passed: usize) -> Model {
    let t0 = Instant::now();
    let jobs = (0..projects)
        .map(|i| (format!("project-{i:02}"), crate::jobs::cmake::KIND))
        .collect();
    let mut model = Model::new(jobs, 2, t0);
    model.start();
    // The jobs before it end first, so it is dispatched.
    for before in 0..job {
        send(&mut model, before, started(0));
        send(&mut model, before, done(Outcome::Succeeded, 10, None));
    }
    send(&mut model, job, started(0));
    send(&mut model, job, part("waits", PartStatus::Running, 1, None));
    let mut hangs = part("hangs", PartStatus::Running, 1, None);
    if let EventKind::Part(part) = &mut hangs {
        part.expected = Some(Duration::from_millis(100));
    }
    send(&mut model, job, hangs);
    let failure = Some("check: value was 2");
    send(
        &mut model,
        job,
        part("fails", PartStatus::Failed, 1, failure),
    );
    send(
        &mut model,
        job,
        part("flaky", PartStatus::Failed, 1, Some("once")),
    );
    send(&mut model, job, part("flaky", PartStatus::Running, 2, None));
    send(&mut model, job, part("flaky", PartStatus::Passed, 2, None));
    send(&mut model, job, part("skips", PartStatus::Skipped, 1, None));
    for i in 0..passed {
        let name = format!("passes-{i:02}");
        send(&mut model, job, part(&name, PartStatus::Passed, 1, None));
    }
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(2)));
    model
}

/// The screen line of test `name`'s row: its name indented by two after the selection mark.
fn row<'a>(lines: &'a [String], name: &str) -> Option<&'a str> {
    let start = format!("    {name} ");
    lines
        .iter()
        .find(|line| line.starts_with(&start))
        .map(String::as_str)
}

/// The words of test `name`'s row after its name: state, time, detail.
fn words(lines: &[String], name: &str) -> Vec<String> {
    let line =
        row(lines, name).unwrap_or_else(|| panic!("no row of {name}:\n{}", lines.join("\n")));
    line.split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn each_test_is_a_row_under_its_stage_with_its_state_and_error() {
    let mut model = testing(3, 2);
    let lines = screen(&draw(&mut model, 80, 24));
    let text = lines.join("\n");
    // The stage's own row stays, the tests' rows follow it in their order.
    let stage = lines
        .iter()
        .position(|l| l.contains("project-00"))
        .expect("the stage's row");
    let at = |name: &str| {
        lines
            .iter()
            .position(|l| row(std::slice::from_ref(l), name).is_some())
            .unwrap_or_else(|| panic!("no row of {name}:\n{text}"))
    };
    let order: Vec<usize> = ["waits", "hangs", "fails", "flaky", "skips", "passes-00"]
        .iter()
        .map(|name| at(name))
        .collect();
    assert_eq!(order[0], stage + 1, "{text}");
    assert!(order.windows(2).all(|w| w[0] + 1 == w[1]), "{text}");
    assert_eq!(words(&lines, "waits"), ["running", "2.0s"], "{text}");
    // No --slow: past twice its history and a second more.
    assert_eq!(words(&lines, "hangs"), ["slow", "2.0s"], "{text}");
    assert_eq!(
        words(&lines, "fails"),
        ["failed", "0.0s", "check:", "value", "was", "2"],
        "{text}"
    );
    assert_eq!(
        words(&lines, "flaky"),
        ["flaky", "0.0s", "attempt", "2"],
        "{text}"
    );
    assert_eq!(words(&lines, "skips"), ["skipped", "0.0s"], "{text}");
    assert_eq!(words(&lines, "passes-01"), ["ok", "0.0s"], "{text}");
    // The other projects' rows come after the tests.
    assert!(
        at("passes-01")
            < lines
                .iter()
                .position(|l| l.contains("project-01"))
                .expect("project-01")
    );
}

#[test]
fn with_no_room_for_every_test_the_passed_ones_fold_away_first() {
    // 80×24 leaves 21 table lines: 12 projects and 5 tests needing attention leave room for
    // 4 of the 10 passed tests, the first 4 in their order.
    let mut model = testing(12, 10);
    let lines = screen(&draw(&mut model, 80, 24));
    let text = lines.join("\n");
    for name in ["waits", "hangs", "fails", "flaky", "skips"] {
        assert!(row(&lines, name).is_some(), "{name} shown:\n{text}");
    }
    let passed_shown = (0..10)
        .filter(|i| row(&lines, &format!("passes-{i:02}")).is_some())
        .count();
    assert_eq!(
        passed_shown, 4,
        "the other passed tests folded away:\n{text}"
    );
    assert!(row(&lines, "passes-03").is_some(), "{text}");
    for i in 0..12 {
        let name = format!("project-{i:02}");
        assert!(
            text.contains(&name),
            "every project keeps its row: {name}\n{text}"
        );
    }
}

#[test]
fn tests_needing_attention_take_lines_from_jobs_that_fill_the_table() {
    // 30 projects fill the 21 table lines of 80×24 alone; the running and failed tests of
    // the selected one (the first, then the last) take lines from the jobs farthest from it,
    // the skipped and passed ones stay folded away.
    for job in [0, 29] {
        let mut model = testing_in(30, job, 10);
        let lines = screen(&draw(&mut model, 80, 24));
        let text = lines.join("\n");
        for name in ["waits", "hangs", "fails", "flaky"] {
            assert!(row(&lines, name).is_some(), "{name} shown:\n{text}");
        }
        assert!(row(&lines, "skips").is_none(), "{text}");
        assert!(row(&lines, "passes-00").is_none(), "{text}");
        let selected = lines
            .iter()
            .find(|line| line.starts_with('>'))
            .unwrap_or_else(|| panic!("the selection in view:\n{text}"));
        assert!(selected.contains(&format!("project-{job:02}")), "{text}");
        let projects = (0..30)
            .filter(|i| text.contains(&format!("project-{i:02}")))
            .count();
        assert!(projects >= 10, "the jobs keep half the lines:\n{text}");
    }
    // Up two rows from the last project: its tests keep their lines, the rows above go.
    let mut model = testing_in(30, 29, 10);
    draw(&mut model, 80, 24);
    for _ in 0..2 {
        app::update(&mut model, Msg::Action(app::Action::SelectPrev));
    }
    let lines = screen(&draw(&mut model, 80, 24));
    let text = lines.join("\n");
    assert!(row(&lines, "fails").is_some(), "{text}");
    let selected = lines.iter().find(|line| line.starts_with('>'));
    assert!(
        selected.is_some_and(|line| line.contains("project-27")),
        "{text}"
    );
}

#[test]
fn a_click_on_a_tests_row_selects_that_test() {
    // The clicked screen line is mapped through the lines drawn: before, a click counted
    // job rows from the table's offset, so a test's row selected a job further down.
    for projects in [3, 30] {
        let mut model = testing_in(projects, 0, 10);
        let lines = screen(&draw(&mut model, 80, 24));
        let y = lines
            .iter()
            .position(|line| row(std::slice::from_ref(line), "fails").is_some())
            .expect("the failed test's row");
        let row = u16::try_from(y).expect("on screen");
        app::update(
            &mut model,
            Msg::Action(app::Action::Ui(app::UiAction::Click { row })),
        );
        assert_eq!(model.selected_part_name().as_deref(), Some("fails"));
        let lines = screen(&draw(&mut model, 80, 24));
        let text = lines.join("\n");
        assert!(lines[y].starts_with('>'), "{text}");
        // And a job's row below the tests selects that job.
        let y = lines
            .iter()
            .position(|line| line.contains("project-01"))
            .expect("project-01's row");
        let row = u16::try_from(y).expect("on screen");
        app::update(
            &mut model,
            Msg::Action(app::Action::Ui(app::UiAction::Click { row })),
        );
        assert_eq!((model.ui.selected, model.ui.selected_part), (1, None));
    }
}

/// A test stage of 500 tests, 122 of them ended (2 failed) and one running: its row's detail
/// counts them as ctest's console does; once the stage ends, its detail is its tally again.
#[test]
fn a_running_test_stages_row_counts_its_ended_tests_and_failures() {
    let t0 = Instant::now();
    let node = app::JobNode {
        name: "suite".to_string(),
        kind: crate::jobs::cmake::KIND,
        stage: Some(crate::jobs::cmake::Step::Test.stage()),
        deps: Vec::new(),
        after: Vec::new(),
        expected: None,
    };
    let mut model = Model::new(vec![node], 2, t0);
    model.start();
    send(&mut model, 0, started(0));
    let stage_line = |model: &mut Model| {
        let lines = screen(&draw(model, 80, 24));
        let line = lines
            .iter()
            .find(|l| l.contains("suite"))
            .cloned()
            .unwrap_or_else(|| panic!("no stage row:\n{}", lines.join("\n")));
        (line, lines.join("\n"))
    };
    // Before the stage says how many tests it runs, nothing is counted.
    send(&mut model, 0, part("first", PartStatus::Running, 1, None));
    let (line, text) = stage_line(&mut model);
    assert!(!line.contains("tests"), "{text}");
    send(&mut model, 0, EventKind::PartsPlanned(500));
    let (line, text) = stage_line(&mut model);
    assert!(line.trim_end().ends_with("0/500 tests"), "{text}");
    for i in 0..120 {
        let name = format!("passes-{i:03}");
        send(&mut model, 0, part(&name, PartStatus::Passed, 1, None));
    }
    for name in ["fails", "breaks"] {
        send(&mut model, 0, part(name, PartStatus::Running, 1, None));
        send(&mut model, 0, part(name, PartStatus::Failed, 1, Some("no")));
    }
    let (line, text) = stage_line(&mut model);
    assert!(
        line.trim_end().ends_with("122/500 tests, 2 failed"),
        "{text}"
    );
    send(&mut model, 0, part("first", PartStatus::Passed, 1, None));
    send(
        &mut model,
        0,
        EventKind::Detail(crate::engine::Detail::note("500 tests passed")),
    );
    send(&mut model, 0, done(Outcome::Succeeded, 10, None));
    let (line, text) = stage_line(&mut model);
    assert!(line.trim_end().ends_with(" 500 tests passed"), "{text}");
    assert!(!line.contains("/500"), "{text}");
}
