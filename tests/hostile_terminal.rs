//! Hostile terminals, signals and names (issue 14): a TUI started in a background process
//! group, a second SIGINT, control characters in folder names and tool output, Ctrl-Z /
//! SIGTSTP / SIGSTOP and `fg`, and `o` on a job that is still running.
//!
//! The tests drive the real binary: in tmux (a real terminal, and an interactive bash where
//! job control matters) or with its output piped. Nothing sleeps to synchronise; every wait
//! polls with a deadline. Without tmux or cmake a test prints a loud skip message; with
//! `CI=true` it fails instead.

mod common;
mod tmux;

use std::process::Command;

use common::{JOBDECK, TempDir, run_command};

/// Item 13: a folder name with a newline and escape sequences, and a tool whose error
/// output sets the terminal title and clears the screen. Plain lines stay one per job, and
/// not one control character reaches stdout or stderr.
#[test]
fn plain_lines_escape_control_characters_in_names_and_errors() {
    let temp = TempDir::new("control-characters");
    let projects = temp.join("projects");
    let evil = "evil\nname\u{1b}]0;pwned\u{7}\u{1b}[2J";
    common::write_none_project(&projects.join(evil));
    common::write_none_project(&projects.join("plain"));
    // A symlink loop whose name holds a control character: discovery warns on stderr.
    std::os::unix::fs::symlink(&projects, projects.join("loop\u{1b}[31m")).expect("symlink");
    // A cmake that fails with a title-setting, screen-clearing error message.
    let fake_cmake = temp.join("cmake");
    std::fs::write(
        &fake_cmake,
        "#!/bin/sh\n\
         printf 'CMake Error at CMakeLists.txt:1 (message):\\n'\n\
         printf '  \\033]0;owned\\007\\033[2J\\033[31mboom\\r\\n'\n\
         exit 1\n",
    )
    .expect("write the fake cmake");
    let mut permissions = std::fs::metadata(&fake_cmake)
        .expect("fake cmake")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake_cmake, permissions).expect("make it executable");

    let mut command = Command::new(JOBDECK);
    command
        .arg("--headless")
        .arg("--cmake")
        .arg(&fake_cmake)
        .arg("-B")
        .arg(temp.join("build"))
        .arg(&projects);
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let is_unsafe = |c: char| c.is_control() && c != '\n';
    assert!(!run.stdout.contains(is_unsafe), "stdout: {:?}", run.stdout);
    assert!(!run.stderr.contains(is_unsafe), "stderr: {:?}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "two jobs and the summary: {lines:#?}");
    let evil_line = lines
        .iter()
        .find(|l| l.contains("evil"))
        .expect("the evil project's line");
    assert!(evil_line.starts_with("failed"), "{evil_line}");
    assert!(
        evil_line.contains(r"evil\nname\u{1b}]0;pwned\u{7}\u{1b}[2J"),
        "the name is escaped visibly, not dropped: {evil_line}"
    );
    assert!(evil_line.contains("boom"), "{evil_line}");
    assert!(
        run.stderr.contains(r"loop\u{1b}[31m"),
        "the warning names the loop: {}",
        run.stderr
    );
}
