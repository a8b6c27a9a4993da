//! The live TUI on a `jobdeck run` session, in a real terminal (the tmux harness): rows named
//! by their input, `r` re-running a command row, `c` cancelling a running one with its whole
//! process group, and quitting with a command still running leaving no process behind.
//!
//! Without tmux the test prints a loud skip message; with `CI=true` it fails instead.

mod common;
mod tmux;

use tmux::{TempDir, Tmux, row_is, tagged_processes, tools_present, unique_tag, wait_until};

/// Selects the row named `name` with a click, and waits for the selection to show.
fn select(tmux: &Tmux, name: &str) {
    let screen = tmux.capture_with(false);
    let line = screen
        .lines()
        .position(|line| line.contains(&format!(" {name} ")))
        .unwrap_or_else(|| panic!("no row {name}:\n{screen}"));
    tmux.click(line);
    tmux.wait_for(&format!("the row {name} selected"), |s| {
        s.lines()
            .any(|line| line.starts_with(&format!("> {name} ")))
    });
}

/// How many times the `counted` command ran: it appends its input to `runs.txt`.
fn runs(dir: &TempDir) -> usize {
    std::fs::read_to_string(dir.0.join("runs.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|line| *line == "counted")
        .count()
}

#[test]
fn a_run_session_names_rows_by_input_reruns_cancels_and_quits_clean() {
    if !tools_present("e2e_commands", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("commands");
    let dir = TempDir::new(&tag);
    let command = format!(
        "cd '{dir}' && env JOBDECK_E2E_TAG={tag} '{bin}' run -j2 -- \
         'if [ {{}} = slow ]; then sleep 30; fi; echo {{}} >> runs.txt' \
         ::: quick slow counted; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux::start("commands", &command);

    // A row per input, named by it; the slow one keeps running.
    tmux.wait_for("the quick rows to finish and the slow one to run", |s| {
        row_is(s, "quick", "ok") && row_is(s, "counted", "ok") && row_is(s, "slow", "running")
    });
    wait_until("the slow row's `sleep 30` to show up in /proc", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });
    assert_eq!(runs(&dir), 1);

    // `r` runs a finished command again.
    select(&tmux, "counted");
    tmux.keys(&["r"]);
    wait_until("the command to run a second time", || runs(&dir) == 2);
    tmux.wait_for("the re-run to end ok", |s| row_is(s, "counted", "ok"));

    // `c` cancels the running one, and its `sleep` goes with it.
    select(&tmux, "slow");
    tmux.keys(&["c"]);
    tmux.wait_for("the slow row to be cancelled", |s| {
        row_is(s, "slow", "cancelled")
    });
    wait_until("no process of the cancelled command to remain", || {
        tagged_processes(&tag)
            .iter()
            .all(|(_, comm)| comm != "sleep")
    });

    // Run it again, then quit while it runs: confirmed, nothing is left behind.
    tmux.keys(&["r"]);
    tmux.wait_for("the slow row to run again", |s| {
        row_is(s, "slow", "running")
    });
    wait_until("the re-run's `sleep 30`", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
    assert!(
        screen.contains("jobdeck exited 1"),
        "a cancelled command makes the exit status 1:\n{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|line| line.contains("cancelled") && line.contains("slow")),
        "the recap names the cancelled command:\n{screen}"
    );
    eprintln!("{screen}");
    wait_until("every process jobdeck started to be gone", || {
        tagged_processes(&tag).is_empty()
    });
}

/// A warning of the plan (here: values a linked source leaves out) was printed before the
/// table took the screen, so a user of the table never saw it until quitting. The table
/// says it as it opens.
#[test]
fn the_plans_warning_shows_in_the_table_as_it_opens() {
    if !tools_present("e2e_commands", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("commands-note");
    let dir = TempDir::new(&tag);
    let command = format!(
        "cd '{dir}' && '{bin}' run -- true {{1}} {{2}} ::: a b c :::+ 1 2; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux::start("commands-note", &command);
    tmux.wait_for("the linked sources' warning in the table", |s| {
        row_is(s, "a 1", "ok")
            && row_is(s, "b 2", "ok")
            && s.contains("warning: linked input sources 1 and 2")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
    assert!(screen.contains("jobdeck exited 0"), "{screen}");
}
