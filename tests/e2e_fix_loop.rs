//! The fix loop (issue 12) in a real terminal: `e` hands the terminal to `$EDITOR` at the
//! error's line, and `--watch` re-runs a project whose files change, with no key pressed.
//! Same tmux harness as `e2e_tmux.rs`; never sleeps to synchronise.

mod common;
mod tmux;

use std::path::Path;

use tmux::{TempDir, Tmux, row_is, tools_present, unique_tag, wait_until};

const FIXED: &str = "cmake_minimum_required(VERSION 3.10)\nproject(fixed NONE)\n";

fn copy_fixture(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/fixtures/cmake")
        .join(name);
    tmux::copy_dir(&from, to);
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the script");
    let mut permissions = std::fs::metadata(path).expect("script").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).expect("make it executable");
}

#[test]
fn e_opens_the_editor_at_the_errors_line_and_r_turns_the_row_ok() {
    if !tools_present("e2e_fix_loop", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("editor");
    let dir = TempDir::new(&tag);
    let projects = dir.0.join("projects");
    copy_fixture("missing-package", &projects.join("needs-gsl"));
    // The "editor" records how it was called, then makes the fix a person would.
    let record = dir.0.join("editor-args");
    let editor = dir.0.join("editor");
    write_script(
        &editor,
        &format!(
            "printf '%s\\n' \"$@\" > '{record}'\nprintf '{fixed}' > \"$2\"\n",
            record = record.display(),
            fixed = FIXED.replace('\n', "\\n"),
        ),
    );
    let command = format!(
        "env -u VISUAL EDITOR='{editor}' '{bin}' -j 1 '{projects}'; echo \"jobdeck exited $?\"",
        editor = editor.display(),
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        projects = projects.display(),
    );
    let tmux = Tmux::start("editor", &command);
    tmux.wait_for("the project to fail", |s| row_is(s, "needs-gsl", "failed"));

    tmux.keys(&["e"]);
    wait_until("the editor to record its arguments", || {
        std::fs::read_to_string(&record).is_ok_and(|text| text.lines().count() == 2)
    });
    let args = std::fs::read_to_string(&record).expect("the record");
    let file = projects.join("needs-gsl/CMakeLists.txt");
    assert_eq!(
        args,
        format!("+6\n{}\n", file.display()),
        "`+LINE FILE` at the find_package line"
    );
    // The terminal comes back to jobdeck, and one key re-runs the fixed project.
    tmux.wait_for("the table after the editor", |s| s.contains("q quit"));
    tmux.keys(&["r"]);
    tmux.wait_for("the fixed project to configure", |s| {
        row_is(s, "needs-gsl", "ok")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}

#[test]
fn with_watch_on_a_project_fixed_on_disk_turns_ok_with_no_key() {
    if !tools_present("e2e_fix_loop", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("watch");
    let dir = TempDir::new(&tag);
    let projects = dir.0.join("projects");
    copy_fixture("fatal", &projects.join("broken"));
    copy_fixture("none", &projects.join("steady"));
    let command = format!(
        "'{bin}' --watch -j 2 '{projects}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        projects = projects.display(),
    );
    let tmux = Tmux::start("watch", &command);
    tmux.wait_for("the first runs to end, watching", |s| {
        row_is(s, "broken", "failed") && row_is(s, "steady", "ok") && s.contains(" WATCH ")
    });
    std::fs::write(projects.join("broken/CMakeLists.txt"), FIXED).expect("fix it");
    tmux.wait_for("the fixed project to turn ok on its own", |s| {
        row_is(s, "broken", "ok")
    });
    // `W` turns watching off.
    tmux.keys(&["W"]);
    tmux.wait_for("the watch flag to go", |s| !s.contains(" WATCH "));
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}

#[test]
fn a_projects_own_d_option_turns_its_failure_into_success() {
    if !tools_present("e2e_fix_loop", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("options");
    let dir = TempDir::new(&tag);
    let projects = dir.0.join("projects");
    copy_fixture("needs-option", &projects.join("needs-option"));
    let command = format!(
        "'{bin}' -j 1 '{projects}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        projects = projects.display(),
    );
    let tmux = Tmux::start("options", &command);
    tmux.wait_for("the project to fail", |s| {
        row_is(s, "needs-option", "failed")
    });
    tmux.keys(&["D"]);
    tmux.wait_for("the prompt", |s| s.contains(" -D █"));
    tmux.keys(&["-l", "FIXTURE_CHECK=OFF"]);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the project to configure with it", |s| {
        row_is(s, "needs-option", "ok")
    });
    assert!(
        tmux::row(&screen, "needs-option").is_some_and(|row| row.contains("-DFIXTURE_CHECK=OFF")),
        "the detail shows the option:\n{screen}"
    );
    // The history keeps it with the run.
    let history = std::fs::read_to_string(projects.join("build/.jobdeck/history.jsonl"))
        .expect("the history");
    let last = history.lines().last().expect("a record");
    assert!(
        last.contains(r#""options":["FIXTURE_CHECK=OFF"]"#),
        "{last}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}
