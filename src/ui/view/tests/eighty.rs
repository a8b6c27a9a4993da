//! The screen at 80 columns after the new-user round of issue 32: a failed row's whole error
//! under the table, the CPU share beside the efficiency, and a flagged header that keeps its
//! failed count.

use std::time::{Duration, Instant};

use super::{done, draw, fixture, screen, send, started};
use crate::app::{self, Action, Msg, UiAction};
use crate::app::{JobState, Model};
use crate::engine::{JobId, Outcome};

/// Issue 32, item 8: at 80×24 the detail column had 15 characters for a failed row's error
/// (`CMakeLists.txt:`, the telling words cut); the selected failed row's whole error is
/// drawn under the table, and the worker and CPU columns give their room to the detail.
#[test]
fn at_80_columns_the_selected_failed_rows_whole_error_is_under_the_table() {
    let mut model = fixture();
    let error = "CMakeLists.txt:3: No CMAKE_Fortran_COMPILER could be found. Tell CMake where \
                 to find the compiler by setting the variable";
    if let Some(row) = model.jobs.get_mut(0) {
        row.result.error = Some(error.to_string());
    }
    let terminal = draw(&mut model, 80, 24);
    let lines = screen(&terminal);
    let text = lines.join("\n");
    assert!(
        lines[1].contains(" state ") && !lines[1].contains(" w "),
        "{text}"
    );
    // The row's own cell now has room for more than the location.
    assert!(lines[2].contains("No CMAKE_Fortran"), "{text}");
    // Above the footer, under the table: the whole error, wrapped over two lines.
    let under = 21;
    let below = format!("{} {}", lines[under].trim(), lines[under + 1].trim());
    assert_eq!(below, error, "{text}");
    // Nor while the log pane shows the error in the log.
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    let lines = screen(&draw(&mut model, 80, 24));
    assert!(
        !lines.join(" ").contains("by setting the variable"),
        "{}",
        lines.join("\n")
    );
    app::update(&mut model, Msg::Action(Action::ToggleLog));
    // Nothing under the table once an ok row is selected.
    app::update(&mut model, Msg::Action(Action::SelectNext));
    let lines = screen(&draw(&mut model, 80, 24));
    assert!(lines[under].trim().is_empty(), "{}", lines.join("\n"));
}

/// Issue 32: the header says how much of the workers' time was on a CPU beside how busy they
/// were (`eff 100%` alone read as full use while both waited on downloads), as the recap and
/// the report do; where the efficiency does not fit, the share goes with it, whole.
#[test]
fn the_header_shows_the_cpu_share_beside_the_efficiency_and_never_half_of_it() {
    let mut model = fixture();
    let share = model.summary().cpu_share.expect("measured");
    let lines = screen(&draw(&mut model, 160, 8));
    let expected = format!(" cpu {:.0}%", share * 100.0);
    assert!(lines[0].contains(" eff "), "{}", lines[0]);
    assert!(lines[0].contains(&expected), "{expected}: {}", lines[0]);
    for width in 20..=160 {
        let lines = screen(&draw(&mut model, width, 8));
        let tokens: Vec<&str> = lines[0].split_whitespace().collect();
        let eff = tokens.iter().position(|t| *t == "eff");
        let cpu = tokens.iter().position(|t| *t == "cpu");
        assert_eq!(eff.is_some(), cpu.is_some(), "{width}: {}", lines[0]);
        if let Some(cpu) = cpu {
            assert!(
                tokens.get(cpu + 1).is_some_and(|t| t.ends_with('%')),
                "{width}: a share cut: {}",
                lines[0]
            );
        }
    }
}

/// Issue 32, item 8, on the corpus: with the `FAILED ONLY` flag the 80-column header kept
/// `w 0/2` and lost its failed count. Wherever the workers are shown, so is the failed count.
#[test]
fn a_flagged_header_drops_the_workers_before_the_failed_count() {
    let mut model = fixture();
    app::update(
        &mut model,
        Msg::Action(Action::Ui(UiAction::ToggleFailedFilter)),
    );
    app::update(&mut model, Msg::Action(Action::Ui(UiAction::CycleSort)));
    let mut dropped = false;
    for width in 40..=120 {
        let header = screen(&draw(&mut model, width, 8))[0].clone();
        assert!(header.contains("FAILED ONLY"), "{width}: {header}");
        if header.contains(" w 1/2") || header.contains("workers 1/2") {
            assert!(header.contains("1 failed"), "{width}: {header}");
        } else {
            dropped = true;
        }
    }
    assert!(dropped, "some width leaves the workers out");
}

/// 30 projects configured, built and tested on two workers with the pool of compile slots,
/// ended after 2m01s: the first 10 configures failed (their builds and tests skipped), the
/// other 20 projects passed.
fn finished_corpus() -> Model {
    use crate::jobs::cmake::{KIND, Step};
    let t0 = Instant::now();
    let mut nodes = Vec::new();
    for project in 0..30 {
        let first = u32::try_from(nodes.len()).expect("few jobs");
        for (i, step) in [Step::Configure, Step::Build, Step::Test]
            .iter()
            .enumerate()
        {
            nodes.push(app::JobNode {
                name: format!("p{project:02}/{}", step.as_str()),
                kind: KIND,
                stage: Some(step.stage()),
                deps: (i > 0)
                    .then(|| JobId(first + u32::try_from(i).expect("small") - 1))
                    .into_iter()
                    .collect(),
                after: Vec::new(),
                expected: None,
            });
        }
    }
    let mut model = Model::new(nodes, 2, t0).with_slot_pool(true);
    model.start();
    let mut clock = 0;
    for job in 0..90u32 {
        if model.jobs[job as usize].state == JobState::Skipped {
            continue;
        }
        let failed = job < 30 && job % 3 == 0;
        send(&mut model, job, started(0));
        clock += 2500;
        app::update(&mut model, Msg::Tick(t0 + Duration::from_millis(clock)));
        let outcome = if failed {
            Outcome::Failed {
                code: Some(1),
                signal: None,
            }
        } else {
            Outcome::Succeeded
        };
        send(&mut model, job, done(outcome, 2500, None));
    }
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(121)));
    model
}

/// Issue 32, the new-user round: the finished header at 80 columns read `97/97 done in 2m01s
/// │ w 0/2 │ speed-up 2.0x │ slots 0/2 │ 10 failed`, the ok and skipped counts dropped for
/// figures that say nothing once the work ended. Once finished, the workers and the slots
/// give way first: wherever they show, every count shows whole; and where not every count
/// fits, the failures are not left out for a lesser count.
#[test]
fn a_finished_header_keeps_every_count_before_the_workers_and_slots() {
    let mut model = finished_corpus();
    let counts = ["60 ok", "10 failed", "20 skipped"];
    let header = screen(&draw(&mut model, 80, 24))[0].clone();
    assert!(header.contains("done in"), "{header}");
    assert!(header.contains("speed-up"), "{header}");
    for count in counts {
        assert!(header.contains(count), "{count}: {header}");
    }
    let mut shown = false;
    for width in 30..=200 {
        let header = screen(&draw(&mut model, width, 8))[0].clone();
        // A lesser count never in the room of the failures: `60 ok` alone read as all
        // there was.
        if header.contains("60 ok") || header.contains("20 skipped") {
            assert!(header.contains("10 failed"), "{width}: {header}");
        }
        let running_figures = ["│ w ", "│ workers ", "slots"];
        if running_figures.iter().any(|figure| header.contains(figure)) {
            shown = true;
            for count in counts {
                assert!(header.contains(count), "{width}: {count}: {header}");
            }
        }
    }
    assert!(shown, "a wide header still shows the workers");
}
