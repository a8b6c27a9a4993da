//! The headless progress line's ETA moves while a job runs in silence (issue 32, item 4): the
//! line was redrawn only when a job wrote a line, so on the cookbook corpus a download
//! retrying with nothing to say held it at `ETA 10.1s` for 15 s at a time.

mod common;
mod tmux;

use std::cell::RefCell;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

#[test]
fn the_progress_lines_eta_moves_while_a_job_runs_in_silence() {
    if !tools_present(
        "the_progress_lines_eta_moves_while_a_job_runs_in_silence",
        &[("tmux", "-V")],
    ) {
        return;
    }
    let tag = unique_tag("headless-eta");
    let dir = TempDir::new(&tag);
    let release = dir.0.join("release");
    // `b`'s configure waits, printing nothing, until `release` exists.
    let (ws, cmake) = common::held_cmake::two_projects(&dir.0, &release, "b");
    let command = format!(
        "'{bin}' --headless -j1 --cmake '{cmake}' '{ws}' -B '{build}' > /dev/null; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        cmake = cmake.display(),
        ws = ws.display(),
        build = dir.0.join("build").display(),
    );
    let tmux = Tmux::start(&tag, &command);
    // While `b` runs silently, the line's ETA takes at least three different values.
    let seen = RefCell::new(Vec::<String>::new());
    tmux.wait_for("the ETA to move while b runs in silence", |screen| {
        let Some(line) = screen.lines().find(|l| l.starts_with("jobdeck 1/2")) else {
            return false;
        };
        let mut seen = seen.borrow_mut();
        if seen.last().is_none_or(|last| last != line) {
            seen.push(line.trim_end().to_string());
        }
        seen.len() >= 3
    });
    std::fs::write(&release, "").expect("let b end");
    tmux.wait_for_in(true, "the end", |screen| {
        screen.contains("jobdeck exited 0")
    });
}
