//! The headless mode's progress line in a real terminal (tmux): on stderr when it is a
//! terminal, redrawn in place, gone at the end, and never in the stdout that scripts read.
//!
//! Without tmux the test prints a loud skip message; with `CI=true` it fails.

mod common;
mod tmux;

use std::os::unix::fs::PermissionsExt;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

#[test]
fn a_terminal_stderr_shows_progress_that_stdout_never_gets() {
    if !tools_present("headless progress line", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("progress");
    let dir = TempDir::new(&tag);
    let (ws, build, out, release) = (
        dir.0.join("ws"),
        dir.0.join("build"),
        dir.0.join("out.txt"),
        dir.0.join("release"),
    );
    for name in ["a", "b"] {
        std::fs::create_dir_all(ws.join(name)).expect("project folder");
        std::fs::write(ws.join(name).join("CMakeLists.txt"), "project(x NONE)\n")
            .expect("write a project");
    }
    // A stand-in for cmake that waits until the test lets it end.
    let cmake = dir.0.join("fake-cmake");
    std::fs::write(
        &cmake,
        format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n",
            release.display()
        ),
    )
    .expect("write the script");
    std::fs::set_permissions(&cmake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
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
