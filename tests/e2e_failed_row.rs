//! A failed row's error at 80×24 in a real tmux (issue 32, item 8): the detail column had
//! 15 characters for it (`broken: this de`), so what failed was never readable on screen.
//! The selected failed row's whole error is drawn under the table, and the exit recap names
//! the jobs as the table does, with the error's telling words after them.

mod common;
mod tmux;

use std::path::Path;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

/// The words that tell what failed, at the end of a long error.
const TELLING: &str = "Tell CMake where to find the compiler";

/// jobdeck configuring the projects under `corpus` at 80×24 in tmux (session `name`, build
/// root in `dir`), every configure ended, and the failure selected with `F`: the session and
/// its screen.
fn failure_selected(name: &str, tag: &str, dir: &TempDir, corpus: &Path) -> (Tmux, String) {
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' -j 2 -B '{build}' '{corpus}'; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = dir.join("build").display(),
        corpus = corpus.display(),
    );
    let tmux = Tmux::start_sized(name, &command, (80, 24));
    tmux.wait_for("every configure to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in"))
    });
    tmux.keys(&["F"]);
    let screen = tmux.wait_for("the failed row to be selected", |s| {
        s.lines()
            .any(|l| l.starts_with("> ") && l.contains(" failed "))
    });
    (tmux, screen)
}

#[test]
fn at_80x24_a_failed_rows_error_and_its_recap_line_say_what_failed() {
    if !tools_present(
        "at_80x24_a_failed_rows_error_and_its_recap_line_say_what_failed",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("failed-row");
    let dir = TempDir::new(&tag);
    let corpus = dir.join("cmake-cookbook");
    // A chapter of a collection, as the cookbook's: one recipe fails on a long error.
    for chapter in 1..=3 {
        for recipe in 1..=3 {
            let body = if chapter == 2 && recipe == 3 {
                format!(
                    "message(FATAL_ERROR \"No CMAKE_Fortran_COMPILER could be found. {TELLING} \
                     by setting the variable\")"
                )
            } else {
                String::new()
            };
            let name = format!("chapter-{chapter:02}/recipe-{recipe:02}/fortran-example");
            common::write_project(&corpus.join(name), &body);
        }
    }
    // F selects the failure: its whole error is on screen, telling words included.
    let (tmux, screen) = failure_selected("failed-row", &tag, &dir, &corpus);
    let flat: String = screen.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(TELLING),
        "the error's telling words:\n{screen}"
    );

    tmux.keys(&["q"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
    let failure = screen
        .lines()
        .find(|l| l.starts_with("  failed    "))
        .unwrap_or_else(|| panic!("the failure's recap line:\n{screen}"));
    // The table's short name (chapter and recipe abbreviated as the rows had them), then
    // the error from its first word.
    assert!(
        failure.starts_with(
            "  failed    c02/r03/fortran-example  No CMAKE_Fortran_COMPILER could be found."
        ),
        "{failure}\n{screen}"
    );
}

/// Issue 32: the error under the table wrapped at words, so a long path went whole to the
/// second line and its end, the file and line, to a third line that is not drawn
/// (`…/googletest-populate-gitclone.` and no more). The two lines keep the message and
/// where it came from: the path loses folders from its middle.
#[test]
fn at_80x24_a_long_paths_file_and_line_stay_in_the_two_error_lines() {
    if !tools_present(
        "at_80x24_a_long_paths_file_and_line_stay_in_the_two_error_lines",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("failed-path");
    let dir = TempDir::new(&tag);
    let corpus = dir.join("corpus");
    common::write_project(&corpus.join("fine"), "");
    // As the cookbook's FetchContent recipes fail offline: the message comes from a script
    // deep in the build tree.
    let script = "googletest-subbuild/googletest-populate-prefix/tmp/\
                  googletest-populate-gitclone.cmake";
    common::write_project(&corpus.join("fetching"), &format!("include({script})"));
    let script_path = corpus.join("fetching").join(script);
    std::fs::create_dir_all(script_path.parent().expect("a folder")).expect("create folders");
    std::fs::write(
        &script_path,
        "\n\nmessage(FATAL_ERROR \"Failed to clone repository: \
         'https://github.com/google/googletest.git'\")\n",
    )
    .expect("write the script");
    let (tmux, screen) = failure_selected("failed-path", &tag, &dir, &corpus);
    let lines: Vec<&str> = screen.lines().collect();
    let footer = lines
        .iter()
        .rposition(|l| l.contains("q quit"))
        .expect("the footer");
    let under = [lines[footer - 2], lines[footer - 1]];
    assert!(
        under[0].starts_with("Failed to clone repository: 'https://github.com/google/"),
        "the message first:\n{screen}"
    );
    assert!(
        under[1].contains("googletest-populate-gitclone.cmake:3 (message)"),
        "the file and line, whole:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
}

/// Issue 32: a superbuild's download that cannot connect fails after CMake's six tries with
/// a message of some ninety lines (`Each download failed!`, then each try's URL, status and
/// curl log). Its first 300 characters, one try and half its log, took more than the two
/// lines under the table even with the URL's folders taken out, and the file and line were
/// cut off. The error says how many tries failed, the last one's URL and status, and where.
#[test]
fn at_80x24_a_failed_download_says_its_url_and_last_status_in_two_lines() {
    let test = "at_80x24_a_failed_download_says_its_url_and_last_status_in_two_lines";
    if !tools_present(test, &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("failed-download");
    let dir = TempDir::new(&tag);
    let project = dir.join("ws").join("superbuild");
    common::held_cmake::unreachable_superbuild(&project);
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} CMAKE_GENERATOR='Unix Makefiles' '{bin}' --build -B \
         '{build}' '{ws}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = dir.join("build").display(),
        ws = dir.join("ws").display(),
    );
    let tmux = Tmux::start_sized("failed-download", &command, (80, 24));
    tmux.wait_for_past(
        std::time::Duration::from_secs(85),
        false,
        "the build to fail after CMake's back-off",
        |s| s.lines().next().is_some_and(|h| h.contains("done in")),
    );
    tmux.keys(&["F"]);
    let screen = tmux.wait_for("the failed build to be selected", |s| {
        s.lines()
            .any(|l| l.starts_with("> ") && l.contains(" failed "))
    });
    let lines: Vec<&str> = screen.lines().collect();
    let footer = lines
        .iter()
        .rposition(|l| l.contains("q quit"))
        .expect("the footer");
    let under = [lines[footer - 2], lines[footer - 1]].map(str::trim_end);
    // The status string is curl's and its words vary between versions; the code does not.
    assert!(
        under[0].starts_with("Each download failed (6 tries), the last:")
            && under
                .join(" ")
                .contains("'http://127.0.0.1:1/dep.tar.gz' status 7 "),
        "how many tries, the URL and the status:\n{screen}"
    );
    assert!(
        under[1].contains(" — download-dep.cmake:") && under[1].ends_with(" (message)"),
        "where, whole:\n{screen}"
    );
    // The whole message stays in the build's log.
    let log = dir.join("build/.jobdeck/logs/superbuild/build.log");
    let log = std::fs::read_to_string(&log).expect("the build's log");
    assert_eq!(
        log.matches("error: downloading 'http://127.0.0.1:1/")
            .count(),
        6
    );
    assert!(log.contains("--- LOG BEGIN ---"), "{log}");
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
}
