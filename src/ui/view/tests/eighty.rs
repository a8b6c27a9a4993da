//! The screen at 80 columns after the new-user round of issue 32: a failed row's whole error
//! under the table, the CPU share beside the efficiency, and a flagged header that keeps its
//! failed count.

use super::{draw, fixture, screen};
use crate::app::{self, Action, Msg, UiAction};

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
