//! The headless progress line's ETA moves while a job runs in silence (issue 32, item 4): the
//! line was redrawn only when a job wrote a line, so on the cookbook corpus a download
//! retrying with nothing to say held it at `ETA 10.1s` for 15 s at a time. And a download
//! that CMake retries on its back-off is expected to wait it out: the corpus's superbuilds
//! without network spent 85 s so while the ETA said a few seconds.

mod common;
mod tmux;

use std::cell::RefCell;

use tmux::{TempDir, Tmux, tagged_processes, tools_present, unique_tag, wait_until};

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

/// Seconds in the progress line's `ETA 12.3s` or `ETA 1m24s`; `None` for any other line.
fn eta_secs(line: &str) -> Option<f64> {
    let text = line.split(" ETA ").nth(1)?.split_whitespace().next()?;
    if let Some((minutes, seconds)) = text.split_once('m') {
        let minutes: f64 = minutes.parse().ok()?;
        return Some(minutes * 60.0 + seconds.trim_end_matches('s').parse::<f64>().ok()?);
    }
    text.strip_suffix('s')?.parse().ok()
}

#[test]
fn a_download_cmake_retries_makes_the_eta_wait_out_its_back_off() {
    let test = "a_download_cmake_retries_makes_the_eta_wait_out_its_back_off";
    if !tools_present(test, &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("eta-retry");
    let dir = TempDir::new(&tag);
    let project = dir.0.join("ws").join("superbuild");
    common::held_cmake::unreachable_superbuild(&project);
    let command = format!(
        "JOBDECK_E2E_TAG={tag} CMAKE_GENERATOR='Unix Makefiles' '{bin}' --headless --build \
         '{ws}' -B '{build}' > /dev/null; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        ws = dir.0.join("ws").display(),
        build = dir.0.join("build").display(),
    );
    let tmux = Tmux::start(&tag, &command);
    // The build has no history and no other build ran: before the retry lines were read,
    // its run counted as ending any moment (`ETA 0.0s`) for all of its 85 s.
    tmux.wait_for("the ETA to expect a minute or more of retries", |screen| {
        screen
            .lines()
            .filter(|line| line.starts_with("jobdeck 1/2"))
            .filter_map(eta_secs)
            .any(|eta| eta >= 60.0)
    });
    tmux.keys(&["C-c"]);
    tmux.wait_for_in(true, "the end", |screen| screen.contains("jobdeck exited"));
    wait_until("every process jobdeck started to be gone", || {
        tagged_processes(&tag).is_empty()
    });
}
