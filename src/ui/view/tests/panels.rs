//! View tests of the workers panel and the timeline: a fixture session with fixed `Instant`s
//! drawn into a `TestBackend`.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::{send, started};
use crate::app::{self, Action, Model, Msg, UiAction};
use crate::engine::{EventKind, Finished, Outcome, WorkerId};
use crate::ui::theme::Theme;
use crate::ui::view::timeline::{Window, render_timeline};
use crate::ui::view::workers::render_workers;
use crate::ui::view::{layout, render};

fn done(outcome: Outcome, secs: u64) -> EventKind {
    EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_secs(secs),
        cpu: Some(Duration::from_secs(secs) / 2),
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    })
}

fn at(model: &mut Model, t0: Instant, secs: u64) {
    app::update(model, Msg::Tick(t0 + Duration::from_secs(secs)));
}

/// Two workers, 5 s in. Worker 1: `a` ok 0–2 s, then `c` running since 2 s. Worker 2: `b`
/// failed 0–3 s, idle 3–4 s, then `d` running since 4 s.
fn session() -> (Model, Instant) {
    let t0 = Instant::now();
    let jobs = ["a", "b", "c", "d"]
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::pseudowords::KIND))
        .collect();
    let mut model = Model::new(jobs, 2, t0);
    model.start();
    send(&mut model, 0, started(0));
    send(&mut model, 1, started(1));
    at(&mut model, t0, 2);
    send(&mut model, 0, done(Outcome::Succeeded, 2));
    send(&mut model, 2, started(0));
    at(&mut model, t0, 3);
    let failed = Outcome::Failed {
        code: Some(1),
        signal: None,
    };
    send(&mut model, 1, done(failed, 3));
    at(&mut model, t0, 4);
    send(&mut model, 3, started(1));
    at(&mut model, t0, 5);
    (model, t0)
}

fn lines(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}

fn draw_with(
    width: u16,
    height: u16,
    draw: impl FnOnce(&mut ratatui::Frame),
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(draw).expect("draw into memory");
    terminal
}

#[test]
fn workers_panel_shows_job_time_on_it_runs_done_and_busy_fraction() {
    let (model, _) = session();
    let theme = Theme::new(false);
    let terminal = draw_with(60, 3, |f| render_workers(&model, theme, f, f.area()));
    assert_eq!(
        lines(&terminal),
        [
            " workers 2 busy of 2 · pool size 2 ─────────────────────────",
            "w1   c                           3.0s    done   1  busy 100%",
            "w2   d                           1.0s    done   1  busy  80%",
        ]
    );
    let buffer = terminal.backend().buffer();
    assert_eq!(buffer[(5, 1)].fg, Color::Cyan, "a running job's name");
}

#[test]
fn workers_panel_shows_idle_slots_and_drops_a_retired_one() {
    let (mut model, t0) = session();
    at(&mut model, t0, 6);
    send(&mut model, 2, done(Outcome::Succeeded, 4));
    app::update(&mut model, Msg::Action(Action::AddWorker));
    let theme = Theme::new(true);
    let terminal = draw_with(60, 4, |f| render_workers(&model, theme, f, f.area()));
    let screen = lines(&terminal);
    assert!(screen[1].starts_with("w1   idle "), "{screen:#?}");
    assert!(screen[3].starts_with("w3   idle "), "{screen:#?}");
    assert!(screen[3].contains("busy   -"), "{screen:#?}");
    // Down to one worker: slot 2 is still on `d`, so slots 1 and 3 go.
    app::update(&mut model, Msg::Action(Action::RemoveWorker));
    app::update(&mut model, Msg::Action(Action::RemoveWorker));
    assert_eq!(model.lanes(), [WorkerId(1)]);
    let terminal = draw_with(60, 2, |f| render_workers(&model, theme, f, f.area()));
    assert!(lines(&terminal)[1].starts_with("w2   d "));
}

#[test]
fn timeline_draws_runs_by_outcome_idle_gaps_and_the_future() {
    let (model, _) = session();
    let theme = Theme::new(false);
    // 40 columns over the first 10 s: a quarter second each.
    let terminal = draw_with(44, 4, |f| render_timeline(&model, theme, f, f.area()));
    let screen = lines(&terminal);
    assert!(
        screen[0].contains(" timeline 250ms per column"),
        "{screen:#?}"
    );
    assert_eq!(
        screen[1..],
        [
            format!("w1  ▐███████▐▒▒▒▒▒▒▒▒▒▒▒{}", " ".repeat(20)),
            // A failure has its own glyph in colour too, not only its red.
            format!("w2  ▐×××××××××××····▐▒▒▒{}", " ".repeat(20)),
            format!("    0.0s {} 10.0s", "─".repeat(29)),
        ]
    );
    let buffer = terminal.backend().buffer();
    assert_eq!(buffer[(6, 1)].fg, Color::Green, "ok");
    assert_eq!(buffer[(14, 1)].fg, Color::Cyan, "running");
    assert_eq!(buffer[(6, 2)].fg, Color::Red, "failed");
}

#[test]
fn timeline_without_colour_tells_outcomes_apart_by_character() {
    let (mut model, _) = session();
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::SetNoColor(true))),
    );
    let theme = Theme::new(true);
    let terminal = draw_with(44, 4, |f| render_timeline(&model, theme, f, f.area()));
    let screen = lines(&terminal);
    assert!(screen[1].starts_with("w1  ▐███████▐▒▒▒"), "{screen:#?}");
    assert!(
        screen[2].starts_with("w2  ▐×××××××××××····▐▒▒▒"),
        "{screen:#?}"
    );
    for cell in terminal.backend().buffer().content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
    }
}

#[test]
fn timeline_lanes_follow_the_pool_size() {
    let (mut model, t0) = session();
    let theme = Theme::new(false);
    app::update(&mut model, Msg::Action(Action::AddWorker));
    let terminal = draw_with(44, 5, |f| render_timeline(&model, theme, f, f.area()));
    let screen = lines(&terminal);
    assert!(
        screen[3].starts_with("w3  ···"),
        "a new, empty lane: {screen:#?}"
    );
    // Back to one: slot 1 retires after `c`, slot 3 never ran, slot 2 takes the next run.
    app::update(&mut model, Msg::Action(Action::RemoveWorker));
    app::update(&mut model, Msg::Action(Action::RemoveWorker));
    at(&mut model, t0, 6);
    send(&mut model, 2, done(Outcome::Succeeded, 4));
    send(&mut model, 3, done(Outcome::Succeeded, 2));
    assert_eq!(
        model.lanes(),
        [WorkerId(0)],
        "idle: the lowest slot stands in"
    );
    let terminal = draw_with(44, 3, |f| render_timeline(&model, theme, f, f.area()));
    let screen = lines(&terminal);
    assert_eq!(
        screen[1],
        format!("w1  ▐███████▐{}{}", "█".repeat(15), " ".repeat(16))
    );
}

#[test]
fn timeline_window_grows_in_steps_then_scrolls() {
    let window = |secs: u64| Window::for_elapsed(Duration::from_secs(secs));
    assert_eq!(window(0).length, Duration::from_secs(10));
    assert_eq!(window(10).length, Duration::from_secs(10));
    assert_eq!(window(11).length, Duration::from_secs(20));
    assert_eq!(window(200).start, Duration::ZERO);
    assert_eq!(window(200).length, Duration::from_secs(300));
    let late = window(1000);
    assert_eq!(late.length, Duration::from_secs(300));
    assert_eq!(late.start, Duration::from_secs(700), "the latest 5 minutes");
}

#[test]
fn short_runs_still_show_and_old_ones_scroll_off() {
    let t0 = Instant::now();
    let jobs = vec![
        ("old".to_string(), crate::jobs::pseudowords::KIND),
        ("blip".to_string(), crate::jobs::pseudowords::KIND),
    ];
    let mut model = Model::new(jobs, 1, t0);
    model.start();
    send(&mut model, 0, started(0));
    at(&mut model, t0, 100);
    send(&mut model, 0, done(Outcome::Succeeded, 100));
    // A run that takes no time at all, at 400 s.
    at(&mut model, t0, 400);
    send(&mut model, 1, started(0));
    send(&mut model, 1, done(Outcome::Succeeded, 0));
    at(&mut model, t0, 420);
    let theme = Theme::new(false);
    let lane = |model: &Model| {
        let terminal = draw_with(34, 3, |f| render_timeline(model, theme, f, f.area()));
        lines(&terminal)[1].clone()
    };
    // The work ended at 400 s: 30 columns of 10 s over 100–400 s. `old` (0–100 s) is gone,
    // the blip is in the last column.
    assert_eq!(lane(&model), format!("w1  {}█", "·".repeat(29)));
    // Time after the end adds no idle columns: the timeline no longer moves.
    at(&mut model, t0, 1000);
    assert_eq!(lane(&model), format!("w1  {}█", "·".repeat(29)));
}

#[test]
fn panels_fit_the_screen_and_tiny_terminals_do_not_panic() {
    let (mut model, _) = session();
    for action in [UiAction::ToggleWorkers, UiAction::ToggleTimeline] {
        app::update(&mut model, Msg::Action(Action::Ui(action)));
    }
    model.ui.show_log = true;
    let regions = layout(ratatui::layout::Rect::new(0, 0, 80, 30), &model);
    let (workers, timeline) = (
        regions.workers.expect("open"),
        regions.timeline.expect("open"),
    );
    assert_eq!((workers.height, timeline.height), (3, 4));
    assert!(regions.table.bottom() <= workers.y && workers.bottom() <= timeline.y);
    let screen = lines(&draw_with(80, 30, |f| render(&model, f)));
    assert!(screen.iter().any(|l| l.contains(" workers 2 busy")));
    assert!(screen.iter().any(|l| l.starts_with("w2  ▐××××")));
    for (w, h) in [(10, 3), (1, 1), (0, 0), (3, 10), (200, 2), (10, 1), (5, 40)] {
        for log in [false, true] {
            model.ui.show_log = log;
            draw_with(w, h, |f| render(&model, f));
        }
    }
}

/// A CMake build named `name`, with no history.
fn build(name: &str) -> app::JobNode {
    app::JobNode {
        after: Vec::new(),
        name: name.to_string(),
        kind: crate::jobs::cmake::KIND,
        stage: Some(crate::jobs::cmake::Step::Build.stage()),
        deps: Vec::new(),
        expected: None,
    }
}

/// Two builds on two workers, with the pool of slots: `p` runs two compilers, `q` waits on
/// deck for memory (`--mem-free`).
fn pooled_builds() -> Model {
    let t0 = Instant::now();
    let mut model = Model::new(vec![build("p"), build("q")], 2, t0).with_slot_pool(true);
    model.start();
    send(&mut model, 0, started(0));
    send(&mut model, 0, EventKind::Slots(2));
    send(&mut model, 1, EventKind::WaitingForMemory);
    at(&mut model, t0, 1);
    model
}

#[test]
fn the_header_shows_slots_in_use_and_a_wait_for_memory() {
    let mut model = pooled_builds();
    let terminal = super::draw(&mut model, 160, 10);
    let header = &super::screen(&terminal)[0];
    assert!(header.contains("slots 2/2"), "{header}");
    assert!(header.contains("waiting for memory"), "{header}");
    send(&mut model, 1, started(1));
    send(&mut model, 0, EventKind::Slots(1));
    let terminal = super::draw(&mut model, 160, 10);
    let header = &super::screen(&terminal)[0];
    assert!(header.contains("slots 2/2"), "{header}");
    assert!(!header.contains("waiting for memory"), "{header}");
}

#[test]
fn workers_panel_shows_the_compilers_of_a_build() {
    let model = pooled_builds();
    let terminal = draw_with(60, 3, |f| {
        render_workers(&model, Theme::new(false), f, f.area());
    });
    let screen = lines(&terminal);
    assert!(screen[1].contains("p [build] (2 compilers)"), "{screen:#?}");
}

/// A job run again says which run its row shows, so a re-run that ends as the last one did
/// (a watch re-run of an unchanged project) still shows that it ran.
#[test]
fn a_rerun_row_says_which_run_it_shows() {
    use crate::app::{self, Action, Msg};
    use crate::engine::{Detail, EventKind, Finished, Outcome, WorkerId};
    let new_model = || {
        crate::app::Model::new(
            vec![("p".to_string(), crate::jobs::cmake::KIND)],
            1,
            std::time::Instant::now(),
        )
    };
    let mut model = new_model();
    let finish = |model: &mut crate::app::Model, detail: Option<&str>| {
        super::send(
            model,
            0,
            EventKind::Started {
                worker: WorkerId(0),
            },
        );
        if let Some(detail) = detail {
            super::send(model, 0, EventKind::Detail(Detail::note(detail)));
        }
        super::send(
            model,
            0,
            EventKind::Finished(Finished {
                outcome: Outcome::Succeeded,
                elapsed: std::time::Duration::from_millis(100),
                cpu: None,
                error: None,
                log: None,
                output: None,
                diagnosis: None,
            }),
        );
    };
    model.start();
    finish(&mut model, Some("cached"));
    let lines = super::screen(&super::draw(&mut model, 80, 6));
    assert!(!lines[2].contains("run "), "{lines:#?}");
    app::update(&mut model, Msg::Action(Action::Rerun));
    finish(&mut model, Some("cached"));
    let lines = super::screen(&super::draw(&mut model, 80, 6));
    assert!(lines[2].contains("run 2 · cached"), "{lines:#?}");
    // A job with no detail: no dot after its run, where `run 2 ·` read as something cut off.
    let mut quiet = new_model();
    quiet.start();
    finish(&mut quiet, None);
    app::update(&mut quiet, Msg::Action(Action::Rerun));
    finish(&mut quiet, None);
    let lines = super::screen(&super::draw(&mut quiet, 80, 6));
    assert!(lines[2].trim_end().ends_with("run 2"), "{lines:#?}");
}

/// The compile slots go with the workers on a narrow screen (issue 32: at 80 columns with
/// `FAILED ONLY`, `slots 0/2` stayed where the failed count was needed).
#[test]
fn the_slots_are_left_out_with_the_workers() {
    let mut model = pooled_builds();
    let mut dropped = false;
    for width in 30..=160 {
        let header = super::screen(&super::draw(&mut model, width, 10))[0].clone();
        let workers = header.contains("│ w ") || header.contains("│ workers ");
        if header.contains("slots") {
            assert!(workers, "{width}: {header}");
        }
        dropped |= !workers;
    }
    assert!(dropped, "some width leaves the workers out");
}

/// A CMake download asleep on its announced back-off lends its worker: the header counts the
/// lent one after the workers asked for (`w 2/1+1`), the workers panel says so, and both go
/// back once the download says it went through.
#[test]
fn a_worker_lent_by_a_wait_is_counted_apart() {
    let t0 = Instant::now();
    let jobs = vec![build("super"), build("other")];
    let mut model = Model::new(jobs, 1, t0).with_slot_pool(true);
    model.start();
    send(&mut model, 0, started(0));
    at(&mut model, t0, 1);
    let said = |line: &str| EventKind::Output {
        lines: vec![line.to_string()],
        skipped: 0,
    };
    send(
        &mut model,
        0,
        said("-- Retry after 5 seconds (attempt #2) ..."),
    );
    send(&mut model, 1, started(1));
    let theme = Theme::new(false);
    let header = |model: &Model| {
        let terminal = draw_with(120, 12, |f| render(model, f));
        lines(&terminal)[0].clone()
    };
    assert!(
        header(&model).contains("│ workers 2/1+1 │"),
        "{}",
        header(&model)
    );
    // The pool of compile slots grew with it (it said `slots 2/1`).
    assert!(
        header(&model).contains("│ slots 2/1+1"),
        "{}",
        header(&model)
    );
    let terminal = draw_with(60, 3, |f| render_workers(&model, theme, f, f.area()));
    assert!(
        lines(&terminal)[0].contains("2 busy of 2 · pool size 1 + 1 lent by a wait"),
        "{:#?}",
        lines(&terminal)
    );
    at(&mut model, t0, 2);
    send(&mut model, 0, said("-- Downloading... done"));
    assert!(
        header(&model).contains("│ workers 2/1 │"),
        "{}",
        header(&model)
    );
    // The lent worker's lane leaves with its run: `1 busy of 2 · pool size 1` stayed
    // `of 2` to the end of the session.
    send(&mut model, 1, done(Outcome::Succeeded, 1));
    let terminal = draw_with(60, 3, |f| render_workers(&model, theme, f, f.area()));
    assert!(
        lines(&terminal)[0].contains("1 busy of 1 · pool size 1 "),
        "{:#?}",
        lines(&terminal)
    );
}
