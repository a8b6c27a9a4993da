//! View tests: fixture models with fixed `Instant`s rendered into a `TestBackend`. This file
//! holds the main screen's tests and the helpers the others share; the log pane and causes
//! panel, the workers panel and timeline, and common screen sizes have a file each.

mod eighty;
mod frame_cost;
mod log_pane;
mod names;
mod narrow;
mod panels;
mod parts;
mod sizes;
mod sweep;
mod unicode;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use super::{format_duration, layout, render, viewport};
use crate::app::{self, Action, Model, Msg, Overlay, UiAction};
use crate::engine::{Detail, EngineEvent, EventKind, Finished, JobId, Outcome, WorkerId};

/// Sends the model an event about `job`'s current run.
pub(super) fn send(model: &mut Model, job: u32, kind: EventKind) {
    let run = model.jobs[job as usize].run;
    app::update(
        model,
        Msg::Engine(EngineEvent {
            job: JobId(job),
            run,
            kind,
        }),
    );
}

pub(super) fn done(outcome: Outcome, millis: u64, error: Option<&str>) -> EventKind {
    EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_millis(millis),
        cpu: None,
        error: error.map(str::to_string),
        log: Some("/logs/broken.log".into()),
        diagnosis: None,
        output: None,
    })
}

/// Four cmake jobs on two workers, 2.5 s in: one ok, one failed, one running, one queued.
fn fixture() -> Model {
    let t0 = Instant::now();
    let jobs = ["broken", "hello-c", "slow-config", "zeta"]
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::cmake::KIND))
        .collect();
    let mut model = Model::new(jobs, 2, t0);
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
        1,
        EventKind::Started {
            worker: WorkerId(1),
        },
    );
    send(&mut model, 1, EventKind::Detail(Detail::note("fresh")));
    let lines = vec![
        "-- Configuring incomplete".to_string(),
        "CMake Error at CMakeLists.txt:3 (message):".to_string(),
        "  broken on purpose".to_string(),
        "CMake Warning: unused".to_string(),
    ];
    send(&mut model, 0, EventKind::Output { lines, skipped: 0 });
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(300)));
    send(
        &mut model,
        0,
        done(
            Outcome::Failed {
                code: Some(1),
                signal: None,
            },
            300,
            Some("CMakeLists.txt:3: broken on purpose"),
        ),
    );
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(1200)));
    let mut ok = done(Outcome::Succeeded, 1200, None);
    if let EventKind::Finished(finished) = &mut ok {
        finished.cpu = Some(Duration::from_millis(600));
    }
    send(&mut model, 1, ok);
    send(
        &mut model,
        2,
        EventKind::Started {
            worker: WorkerId(0),
        },
    );
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(2500)));
    // The user went back to the top: the selection no longer follows the running row.
    app::update(&mut model, Msg::Action(Action::SelectFirst));
    model
}

pub(super) fn draw(model: &mut Model, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let regions = layout(area, model);
    app::update(model, Msg::Viewport(viewport(&regions)));
    terminal
        .draw(|frame| render(model, frame))
        .expect("draw into memory");
    terminal
}

pub(super) fn screen(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

pub(super) fn find(lines: &[String], needle: &str) -> (u16, u16) {
    for (y, line) in lines.iter().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (
                u16::try_from(x).expect("narrow"),
                u16::try_from(y).expect("short"),
            );
        }
    }
    panic!("`{needle}` not on screen:\n{}", lines.join("\n"));
}

#[test]
fn main_screen_shows_header_rows_and_footer() {
    let mut model = fixture();
    let terminal = draw(&mut model, 80, 8);
    // Text only: styles are checked cell by cell in the next test. The state and time
    // columns are as wide as what the rows in view say; the table keeps the five rows its
    // four jobs need, so the selected failed row's error has the line left.
    assert_eq!(
        screen(&terminal),
        [
            " jobdeck  2/4 ETA 0.9s │ w 1/2 │ speed-up 1.1x │ 1 running 1 ok 1 failed        ",
            "  name        state   time detail                                               ",
            "> broken      failed  0.3s CMakeLists.txt:3: broken on purpose                  ",
            "  hello-c     ok      1.2s fresh                                                ",
            "  slow-config running 1.3s                                                      ",
            "  zeta        queued                                                            ",
            "CMakeLists.txt:3: broken on purpose                                             ",
            " r re-run x causes s start c cancel p pause Enter log f failed ? help q quit    ",
        ]
    );
}

#[test]
fn states_are_coloured_and_the_selection_is_highlighted() {
    let mut model = fixture();
    let terminal = draw(&mut model, 80, 8);
    let lines = screen(&terminal);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(&lines, "failed  ");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    let (x, y) = find(&lines, "ok     ");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    let (x, y) = find(&lines, "running");
    assert_eq!(buffer[(x, y)].fg, Color::Cyan);
    assert!(
        buffer[(2, 2)].modifier.contains(Modifier::BOLD),
        "selected row"
    );
}

#[test]
fn no_color_uses_no_colours_but_keeps_the_words() {
    let mut model = fixture();
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::SetNoColor(true))),
    );
    app::update(&mut model, Msg::Action(Action::TogglePause));
    let terminal = draw(&mut model, 100, 8);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    let lines = screen(&terminal);
    find(&lines, "failed");
    find(&lines, "PAUSED");
}

/// Only a running job's log pane says `following`; a finished one's says it shows the end.
#[test]
fn the_log_pane_follows_only_a_running_job() {
    let mut model = fixture();
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    let lines = screen(&draw(&mut model, 80, 14));
    assert!(!lines.iter().any(|l| l.contains("following")), "{lines:#?}");
    app::update(&mut model, Msg::Action(Action::SelectNext));
    app::update(&mut model, Msg::Action(Action::SelectNext));
    let lines = screen(&draw(&mut model, 80, 14));
    find(&lines, " slow-config run 1 · following");
}

#[test]
fn log_pane_shows_the_selected_output_with_errors_highlighted() {
    let mut model = fixture();
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    let terminal = draw(&mut model, 80, 14);
    let lines = screen(&terminal);
    let (_, title) = find(&lines, " broken run 1 · end, 4 lines /logs/broken.log");
    let (x, y) = find(&lines, "CMake Error at");
    assert!(y > title);
    let buffer = terminal.backend().buffer();
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    let (x, y) = find(&lines, "CMake Warning");
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&lines, "  broken on purpose");
    assert_eq!(
        buffer[(x + 2, y)].fg,
        Color::Reset,
        "plain lines stay plain"
    );
}

#[test]
fn quit_question_and_quitting_state_are_visible() {
    let mut model = fixture();
    app::update(&mut model, Msg::Action(Action::Quit));
    let lines = screen(&draw(&mut model, 80, 8));
    find(&lines, "Quit? 1 running and 1 queued job will be cancelled");
    find(&lines, "y yes n no");
    app::update(&mut model, Msg::Action(Action::Confirm));
    let lines = screen(&draw(&mut model, 80, 8));
    find(&lines, "quitting: waiting for 2 runs to stop");
    find(&lines, "cancelling");
}

/// At 80 columns the counts that do not fit are left out whole, the failures kept: the
/// header once ended `1 ok 1 faile`.
#[test]
fn a_narrow_header_keeps_whole_counts_and_the_failures() {
    let mut model = fixture();
    for width in [60, 70, 80, 90] {
        let lines = screen(&draw(&mut model, width, 8));
        let header = lines[0].trim_end();
        assert!(header.contains("1 failed"), "{width}: {header}");
        let words = ["queued", "running", "ok", "failed"];
        let tokens: Vec<&str> = header.split_whitespace().collect();
        for (index, token) in tokens.iter().enumerate() {
            let cut = words
                .iter()
                .any(|word| word.starts_with(token) && word != token);
            assert!(!cut, "{width}: a count cut: {header}");
            if words.contains(token) {
                assert!(
                    tokens[index - 1].parse::<usize>().is_ok(),
                    "{width}: {header}"
                );
            }
        }
        assert!(
            tokens.last().is_some_and(|t| t.parse::<usize>().is_err()),
            "{width}: a number without its word: {header}"
        );
    }
}

/// Filtered to a long cause, the header still says so (cut short) beside its figures.
#[test]
fn a_cause_filter_is_flagged_in_a_narrow_header() {
    let mut model = fixture();
    model.ui.cause = Some(
        "No CMAKE_Fortran_COMPILER could be found. Tell CMake where to find the compiler"
            .to_string(),
    );
    let lines = screen(&draw(&mut model, 80, 8));
    let header = lines[0].trim_end();
    assert!(header.contains(" cause: No CMAKE_Fortran_CO… "), "{header}");
    assert!(header.contains("speed-up"), "{header}");
}

/// `R` asks first, as `C` does, saying how many jobs would run again.
#[test]
fn r_asks_before_it_runs_every_unsuccessful_job_again() {
    let mut model = fixture();
    app::update(&mut model, Msg::Action(Action::RerunFailed));
    let lines = screen(&draw(&mut model, 100, 8));
    find(
        &lines,
        "Re-run every job that did not succeed? 1 job will run again",
    );
    find(&lines, "y yes n no");
}

/// Two projects, configure then build, none started: quitting cancels the two configures
/// and skips the builds waiting on them, and the question says so, as the summary will.
#[test]
fn the_quit_question_says_which_jobs_end_skipped() {
    let node = |name: &str, stage: crate::jobs::cmake::Step, deps: Vec<JobId>| app::JobNode {
        name: name.to_string(),
        kind: crate::jobs::cmake::KIND,
        stage: Some(stage.stage()),
        deps,
        after: Vec::new(),
        expected: None,
    };
    let (configure, build) = (
        crate::jobs::cmake::Step::Configure,
        crate::jobs::cmake::Step::Build,
    );
    let nodes = vec![
        node("a", configure, Vec::new()),
        node("a", build, vec![JobId(0)]),
        node("b", configure, Vec::new()),
        node("b", build, vec![JobId(2)]),
    ];
    let mut model = Model::new(nodes, 1, Instant::now());
    app::update(&mut model, Msg::Action(Action::Quit));
    let lines = screen(&draw(&mut model, 100, 8));
    find(
        &lines,
        "Quit? 2 queued jobs will be cancelled, 2 waiting on them skipped",
    );
}

#[test]
fn failed_filter_and_search_prompt() {
    let mut model = fixture();
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::ToggleFailedFilter)),
    );
    let lines = screen(&draw(&mut model, 100, 8));
    find(&lines, "FAILED ONLY");
    assert!(lines.iter().all(|l| !l.contains("hello-c")));
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::ToggleFailedFilter)),
    );
    for action in [
        UiAction::BeginSearch,
        UiAction::SearchChar('s'),
        UiAction::SearchChar('l'),
    ] {
        app::update(&mut model, Msg::Action(Action::Ui(action)));
    }
    let lines = screen(&draw(&mut model, 80, 8));
    find(&lines, "/sl█  1 shown");
    assert!(lines.iter().all(|l| !l.contains("broken")));
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::SearchChar('z'))),
    );
    let lines = screen(&draw(&mut model, 80, 8));
    find(&lines, "no job matches");
}

#[test]
fn help_lists_every_key_from_the_keymap() {
    let mut model = fixture();
    app::update(&mut model, Msg::Action(Action::Ui(UiAction::ToggleHelp)));
    let lines = screen(&draw(&mut model, 80, 90));
    for binding in crate::ui::keymap::KEYMAP {
        find(&lines, binding.help);
    }
}

/// At 80×24 the key list is longer than the screen: it says which lines show, and `↓`,
/// `PgDn`/`PgUp` and `G`/`g` scroll it, no further than its end.
#[test]
fn help_scrolls_on_a_short_screen() {
    let total = crate::ui::keymap::help_lines().len();
    let mut model = fixture();
    let help = |model: &mut Model, action: Option<UiAction>| {
        if let Some(action) = action {
            app::update(model, Msg::Action(Action::Ui(action)));
        }
        screen(&draw(model, 80, 24))
    };
    let lines = help(&mut model, Some(UiAction::ToggleHelp));
    find(
        &lines,
        &format!("keys 1-22 of {total} (↓↑ PgDn PgUp g G; ? or Esc closes)"),
    );
    find(&lines, "moving");
    let lines = help(&mut model, Some(UiAction::HelpPage { down: true }));
    find(&lines, &format!("keys 23-44 of {total}"));
    let lines = help(&mut model, Some(UiAction::HelpEdge { end: true }));
    find(&lines, &format!("-{total} of {total}"));
    find(&lines, "clear the log search");
    let lines = help(&mut model, Some(UiAction::HelpScroll { down: true }));
    find(&lines, &format!("-{total} of {total}"));
    let lines = help(&mut model, Some(UiAction::HelpEdge { end: false }));
    find(&lines, "keys 1-22 of");
    let lines = help(&mut model, Some(UiAction::HelpScroll { down: true }));
    find(&lines, "keys 2-23 of");
    let lines = help(&mut model, Some(UiAction::HelpPage { down: false }));
    find(&lines, "keys 1-22 of");
}

#[test]
fn tiny_and_odd_sizes_do_not_panic() {
    let mut model = fixture();
    for (w, h) in [(10, 3), (1, 1), (0, 0), (3, 10), (200, 2), (10, 1)] {
        for log in [false, true] {
            model.ui.show_log = log;
            for help in [false, true] {
                model.ui.overlay = if help { Overlay::Help } else { Overlay::None };
                draw(&mut model, w, h);
            }
        }
    }
}

#[test]
fn ten_thousand_rows_draw_only_the_visible_ones() {
    let t0 = Instant::now();
    let jobs = (0..10_000)
        .map(|i| (format!("job{i:05}"), crate::jobs::pseudowords::KIND))
        .collect();
    let mut model = Model::new(jobs, 4, t0);
    app::update(&mut model, Msg::Action(Action::SelectLast));
    let lines = screen(&draw(&mut model, 60, 10));
    find(&lines, "> job09999");
    find(&lines, "job09993");
    assert!(lines.iter().all(|l| !l.contains("job09992")));
}

#[test]
fn durations_fit_the_time_column() {
    assert_eq!(format_duration(Duration::from_millis(420)), "0.4s");
    assert_eq!(format_duration(Duration::from_secs(123)), "2m03s");
    assert_eq!(format_duration(Duration::from_secs(3720)), "1h02m");
}

#[test]
fn once_the_last_job_ends_the_header_says_done_and_its_clock_stops() {
    let t0 = Instant::now();
    let mut model = Model::new(vec![("only".to_string(), crate::jobs::cmake::KIND)], 2, t0);
    model.start();
    let header = |model: &mut Model| screen(&draw(model, 80, 6))[0].clone();
    assert!(
        header(&mut model).starts_with(" jobdeck  0/1 "),
        "{}",
        header(&mut model)
    );
    assert!(
        header(&mut model).contains("ETA ?"),
        "no history, nothing finished yet"
    );
    send(
        &mut model,
        0,
        EventKind::Started {
            worker: WorkerId(0),
        },
    );
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(1500)));
    send(&mut model, 0, done(Outcome::Succeeded, 1500, None));
    let ended = header(&mut model);
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(200)));
    let later = header(&mut model);
    assert!(later.starts_with(" jobdeck  1/1 done in 1.5s │"), "{later}");
    assert!(later.contains("│ 1.5s │"), "the clock stopped: {later}");
    assert_eq!(later, ended, "nothing moves after the end");
}

#[test]
fn with_a_launcher_the_header_names_it_and_cpu_time_is_unknown() {
    let mut model = fixture().with_launcher(Some("slurm".to_string()));
    // The launched run's CPU time never arrives (the engine reports none).
    if let Some(row) = model.jobs.get_mut(1) {
        row.result.cpu = None;
    }
    let lines = screen(&draw(&mut model, 160, 8));
    assert!(lines[0].contains(" │ slurm"), "{}", lines[0]);
    let cpu_column = lines[1].find("cpu").expect("cpu heading");
    for (row, cpu) in [(2, "–"), (3, "–"), (4, " "), (5, " ")] {
        let cell: String = lines[row].chars().skip(cpu_column).take(1).collect();
        assert_eq!(cell, cpu, "row {row}: {}", lines[row]);
    }
}

/// A worker in slot `slot` picked the run up.
pub fn started(slot: usize) -> EventKind {
    EventKind::Started {
        worker: WorkerId(slot),
    }
}

#[test]
fn a_retried_row_shows_its_attempt_and_a_pass_on_a_retry_reads_flaky() {
    let t0 = Instant::now();
    let jobs = ["again", "shaky"]
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::command::KIND))
        .collect();
    let mut model = Model::new(jobs, 2, t0).with_retries([2, 2]);
    model.start();
    let failed = || {
        done(
            Outcome::Failed {
                code: Some(1),
                signal: None,
            },
            100,
            Some("boom"),
        )
    };
    let on = |worker| EventKind::Started {
        worker: WorkerId(worker),
    };
    for (job, worker) in [(0, 0), (1, 1)] {
        send(&mut model, job, on(worker));
        send(&mut model, job, failed());
        send(&mut model, job, on(worker));
    }
    send(&mut model, 1, done(Outcome::Succeeded, 100, None));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(500)));
    let lines = screen(&draw(&mut model, 80, 6));
    let row = |name: &str| {
        lines
            .iter()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{}", lines.join("\n")))
            .clone()
    };
    assert!(row("again").contains("running"), "{lines:#?}");
    assert!(row("again").contains("attempt 2 of 3"), "{lines:#?}");
    assert!(row("shaky").contains("flaky"), "{lines:#?}");
    assert!(row("shaky").contains("attempt 2 of 3"), "{lines:#?}");
    assert!(lines[0].contains("1 flaky"), "{lines:#?}");
}

/// A running command's row shows the latest line it printed (a blank line does not hide
/// it), a CMake stage's does not (its progress says how far it got), and an ended one's
/// row goes back to its result.
#[test]
fn a_running_commands_row_shows_its_latest_output_line() {
    let t0 = Instant::now();
    let jobs = vec![
        ("make-a".to_string(), crate::jobs::command::KIND),
        ("quiet".to_string(), crate::jobs::command::KIND),
        ("cfg".to_string(), crate::jobs::cmake::KIND),
    ];
    let mut model = Model::new(jobs, 3, t0);
    model.start();
    for job in 0..3 {
        send(&mut model, job, started(job as usize));
    }
    let output = |lines: &[&str]| EventKind::Output {
        lines: lines.iter().map(|line| (*line).to_string()).collect(),
        skipped: 0,
    };
    send(&mut model, 0, output(&["step 1 of 9", "step 3 of 9", "  "]));
    send(&mut model, 2, output(&["-- Detecting C compiler ABI info"]));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(500)));
    let lines = screen(&draw(&mut model, 80, 8));
    let row = |lines: &[String], name: &str| {
        lines
            .iter()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{}", lines.join("\n")))
            .clone()
    };
    assert!(row(&lines, "make-a").contains("step 3 of 9"), "{lines:#?}");
    assert!(!row(&lines, "quiet").contains("step"), "{lines:#?}");
    assert!(!row(&lines, "cfg").contains("Detecting"), "{lines:#?}");
    send(&mut model, 0, done(Outcome::Succeeded, 100, None));
    let lines = screen(&draw(&mut model, 80, 8));
    assert!(!row(&lines, "make-a").contains("step 3"), "{lines:#?}");
}
