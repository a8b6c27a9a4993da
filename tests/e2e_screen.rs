//! The TUI at 80×24 in a real tmux (issue 22): the footer follows the session's state, the
//! help is in sections and `G`/`g`/`PgDn` scroll it, `/` searches the focused pane, and the
//! exit recap keeps one line per failure with the counts last.

mod common;
mod tmux;

use std::path::Path;

use tmux::{TempDir, Tmux, copy_dir, row_is, tools_present, unique_tag};

/// The screen's last non-empty line: the footer while jobdeck runs.
fn footer(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

#[test]
fn at_80x24_the_footer_help_search_and_recap_fit_what_is_going_on() {
    if !tools_present("e2e_screen", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("screen");
    let dir = TempDir::new(&tag);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures/tui");
    copy_dir(&fixtures, &dir.0);
    // No job that sleeps: the run ends, and the footer turns to what matters then.
    std::fs::remove_dir_all(dir.0.join("long-sleep")).expect("remove long-sleep");
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' -j 2 '{dir}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux::start_sized("screen", &command, (80, 24));
    let screen = tmux.wait_for("the run to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "broken", "failed")
    });
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("speed-up"),
        "the speed-up shows at 80 columns: {header}"
    );
    let bottom = footer(&screen);
    for hint in [
        "F next failure",
        "e edit",
        "x causes",
        "r re-run",
        "? help",
        "q quit",
    ] {
        assert!(
            bottom.contains(hint),
            "{hint:?} once the run ended: {bottom}"
        );
    }
    for stale in ["s start", "p pause", "c cancel"] {
        assert!(!bottom.contains(stale), "{stale:?} after the run: {bottom}");
    }

    // The help: sections, common first, and G / g / PgDn scroll it.
    tmux.keys(&["?"]);
    let screen = tmux.wait_for("the help", |s| s.contains(" keys 1-"));
    assert!(
        screen.contains("moving") && screen.contains("acting on jobs"),
        "{screen}"
    );
    assert!(
        !screen.contains("Ctrl-C"),
        "the rare keys come last:\n{screen}"
    );
    tmux.keys(&["G"]);
    let end = tmux.wait_for("G to scroll to the end", |s| {
        s.contains("clear the log search")
    });
    assert!(!end.contains(" keys 1-"), "{end}");
    tmux.keys(&["g"]);
    tmux.wait_for("g to scroll back to the start", |s| s.contains(" keys 1-"));
    tmux.keys(&["PageDown"]);
    tmux.wait_for("PgDn to scroll a page", |s| {
        !s.contains(" keys 1-") && s.contains(" keys ")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help to close", |s| !s.contains(" keys "));

    // `/` searches what has focus: the log pane once Enter moved there, the table after Esc.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the log pane to have the keys", |s| {
        footer(s).contains("Esc table")
    });
    tmux.keys(&["/"]);
    tmux.wait_for("a log search", |s| footer(s).contains("log /"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the log search to close", |s| {
        footer(s).contains("Esc table")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the table to have the keys", |s| {
        footer(s).contains("x causes")
    });
    tmux.keys(&["/"]);
    tmux.wait_for("a table search", |s| footer(s).contains(" shown"));
    tmux.keys(&["Escape"]);

    // Nothing runs: q quits at once, and the recap ends with the counts.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    let at = |start: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("a line starting {start:?}:\n{screen}"))
    };
    // The summary line may wrap at 80 columns; it comes after the whole recap.
    assert!(
        at("re-run them: ") < at("3 jobs: 2 ok, 1 failed") && at("3 jobs: ") < at("jobdeck exited"),
        "the counts last:\n{screen}"
    );
    let failure = lines
        .iter()
        .find(|l| l.starts_with("  failed    broken"))
        .unwrap_or_else(|| panic!("the failure's line:\n{screen}"));
    assert!(failure.chars().count() <= 80, "{failure}");
}
