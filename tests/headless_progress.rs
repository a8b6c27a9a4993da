//! The headless mode's progress line in a real terminal (tmux): on stderr when it is a
//! terminal, redrawn in place, gone at the end, and never in the stdout that scripts read;
//! not at all when stdout is a pipe, whose reader writes the job lines to the same screen.
//!
//! Without tmux the test prints a loud skip message; with `CI=true` it fails.

mod common;
mod tmux;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

#[test]
fn a_terminal_stderr_shows_progress_that_stdout_never_gets() {
    if !tools_present("headless progress line", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("progress");
    let dir = TempDir::new(&tag);
    let (build, out, release) = (
        dir.0.join("build"),
        dir.0.join("out.txt"),
        dir.0.join("release"),
    );
    let (ws, cmake) = common::held_cmake::two_projects(&dir.0, &release, "*");
    let command = format!(
        "'{bin}' --headless -j1 --cmake '{cmake}' '{ws}' -B '{build}' > '{out}'; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        cmake = cmake.display(),
        ws = ws.display(),
        build = build.display(),
        out = out.display(),
    );
    let tmux = Tmux::start(&tag, &command);
    tmux.wait_for("the progress line", |screen| {
        screen.contains("jobdeck 0/2") && screen.contains("ETA ?")
    });
    std::fs::write(&release, "").expect("let the jobs end");
    let screen = tmux.wait_for_in(true, "the end", |screen| {
        screen.contains("jobdeck exited 0")
    });
    assert!(
        !screen.contains("ETA"),
        "the line is gone at the end:\n{screen}"
    );
    let stdout = std::fs::read_to_string(&out).expect("stdout was written");
    assert!(
        !stdout.contains("ETA") && !stdout.contains('\u{1b}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    assert_eq!(
        stdout.lines().count(),
        3,
        "two jobs and a summary: {stdout}"
    );
}

/// `jobdeck … | cat` on a terminal: the job lines come through the pipe to the screen the
/// progress line would be drawn on, so there is none, and the lines are whole.
#[test]
fn a_piped_stdout_gets_no_progress_line_in_its_way() {
    if !tools_present("headless progress line", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("progress-pipe");
    let dir = TempDir::new(&tag);
    let (build, release) = (dir.0.join("build"), dir.0.join("release"));
    // `a` ends at once, `b` runs until released: the screen holds a's line while a job is
    // still running, when a progress line would be there too.
    let (ws, cmake) = common::held_cmake::two_projects(&dir.0, &release, "b");
    let command = format!(
        "'{bin}' --headless -j1 --cmake '{cmake}' '{ws}' -B '{build}' | cat; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        cmake = cmake.display(),
        ws = ws.display(),
        build = build.display(),
    );
    let tmux = Tmux::start(&tag, &command);
    let progress_drawn = |screen: &str| screen.contains("ETA") || screen.contains('█');
    let screen = tmux.wait_for("a's line", |screen| {
        screen.lines().any(|line| line.contains(" a "))
    });
    assert!(
        !progress_drawn(&screen),
        "no progress line while a job runs:\n{screen}"
    );
    std::fs::write(&release, "").expect("let b end");
    let screen = tmux.wait_for_in(true, "the end", |screen| {
        screen.contains("jobdeck exited 0")
    });
    assert!(
        !progress_drawn(&screen),
        "no progress line at all:\n{screen}"
    );
    let ok_lines = screen
        .lines()
        .filter(|line| line.starts_with("ok "))
        .count();
    assert_eq!(
        ok_lines, 2,
        "both job lines whole, from their start:\n{screen}"
    );
}
