//! The headless progress line's ETA moves while a job runs in silence (issue 32, item 4): the
//! line was redrawn only when a job wrote a line, so on the cookbook corpus a download
//! retrying with nothing to say held it at `ETA 10.1s` for 15 s at a time.

mod common;
mod tmux;

use std::cell::RefCell;
use std::os::unix::fs::PermissionsExt;

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
    let (ws, release) = (dir.0.join("ws"), dir.0.join("release"));
    for name in ["a", "b"] {
        std::fs::create_dir_all(ws.join(name)).expect("project folder");
        std::fs::write(ws.join(name).join("CMakeLists.txt"), "project(x NONE)\n")
            .expect("write a project");
    }
    // A stand-in for cmake: `b`'s configure waits, printing nothing, until `release` exists.
    let cmake = dir.0.join("fake-cmake");
    std::fs::write(
        &cmake,
        format!(
            "#!/bin/sh\ncase \"$*\" in *'{ws}/b'*) \
             while [ ! -e '{release}' ]; do sleep 0.05; done ;; esac\n",
            ws = ws.display(),
            release = release.display()
        ),
    )
    .expect("write the script");
    std::fs::set_permissions(&cmake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
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
