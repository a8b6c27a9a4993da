//! Where a failure points and how it is counted (issue 32, items 2 and 3), with real cmake
//! and ctest on fixtures in `assets/fixtures/pipelines/`:
//!
//! - a failed test's place comes from that test's own output, read against the folder it
//!   configured (`test-configure-fails`: a test runs `cmake` on `tests/use_target`, as the
//!   cmake-cookbook's packaging recipes do): in JSON, in the GitHub annotation, and for `e`
//!   in the live table, with `$EDITOR` a script that records how it was called;
//! - a test ctest did not run because its fixture failed counts as failed in the stage's
//!   error and in `JUnit` alike, as ctest's own tally counts it; one that skipped itself or is
//!   disabled is skipped in both;
//! - a build's error is the compiler's, the linker's or the failed command's own line, never
//!   make's `*** [...] Error 1` while a better line exists.

mod common;
mod tmux;

use std::path::Path;

use common::{TempDir, cmake_available, copy_fixture, path_arg, run_command};
use tmux::{Tmux, tools_present, unique_tag, wait_until};

const FIXTURE: &str = "test-configure-fails";

/// The line of the fixture's `relative` file that holds `mark`, from 1.
fn line_of(relative: &str, mark: &str) -> u64 {
    let path = common::fixture(&format!("pipelines/{FIXTURE}/{relative}"));
    let text = std::fs::read_to_string(path).expect("read the fixture");
    let at = text
        .lines()
        .position(|l| l.contains(mark))
        .expect("the mark");
    u64::try_from(at + 1).expect("a small line number")
}

/// The `<testsuite …>` start tag of `suite` in a `JUnit` file.
fn suite_tag<'a>(junit: &'a str, suite: &str) -> &'a str {
    let start = junit
        .find(&format!("<testsuite name=\"{suite}\""))
        .unwrap_or_else(|| panic!("no suite {suite} in\n{junit}"));
    let end = start + junit[start..].find('>').expect("the tag ends");
    &junit[start..end]
}

/// The element right after `<testcase … name="name" …>`: `failure`, `skipped` or `/` (passed).
fn case_outcome<'a>(junit: &'a str, name: &str) -> &'a str {
    let start = junit
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no case {name} in\n{junit}"));
    let rest = &junit[start..];
    let tag_end = rest.find('>').expect("the tag ends");
    if rest[..tag_end].ends_with('/') {
        return "passed";
    }
    let inner = rest[tag_end + 1..].trim_start();
    let inner = inner.strip_prefix('<').expect("an element inside");
    &inner[..inner
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(inner.len())]
}

#[test]
fn a_failed_tests_place_and_count_come_from_the_test_itself_in_json_annotations_and_junit() {
    if !cmake_available("a_failed_tests_place_and_count_come_from_the_test_itself") {
        return;
    }
    let temp = TempDir::new("test-place");
    copy_fixture(
        &format!("pipelines/{FIXTURE}"),
        &temp.join("ws").join(FIXTURE),
    );
    let junit = temp.join("junit.xml");
    let mut command = common::jobdeck();
    command
        .args(["--test", "--json", "-j2", "--junit", path_arg(&junit)])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", temp.path());
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = common::finished_by_job(
        &run.json()
            .into_iter()
            // The stage's own event, not its tests' (those have a `test` field).
            .filter(|e| e["stage"] == "test" && e.get("test").is_none())
            .collect::<Vec<_>>(),
    );
    let test = &finished[FIXTURE];
    let line = line_of("tests/use_target/CMakeLists.txt", "find_package");
    assert_eq!(
        (test["error_file"].as_str(), test["error_line"].as_u64()),
        (Some("tests/use_target/CMakeLists.txt"), Some(line)),
        "the file the failing test configured, not the project's own CMakeLists.txt: {test}"
    );
    let error = test["error"].as_str().expect("an error");
    assert!(
        error.starts_with(
            "2 of 3 tests failed: use-target_configure (Failed), use-target_build (Not Run)"
        ),
        "{error}"
    );
    let annotation = format!(
        "::error file=ws/{FIXTURE}/tests/use_target/CMakeLists.txt,line={line},title={FIXTURE} \
         test::"
    );
    assert!(
        run.stderr.lines().any(|l| l.starts_with(&annotation)),
        "{annotation}\n{}",
        run.stderr
    );

    // JUnit counts what the stage's error counts: the test not run for its failed fixture is
    // a failure (ctest's tally); the one that skipped itself and the disabled one are not.
    let report = std::fs::read_to_string(&junit).expect("the JUnit file");
    let suite = suite_tag(&report, FIXTURE);
    assert!(
        suite.contains(" failures=\"2\"") && suite.contains(" skipped=\"2\""),
        "{suite}"
    );
    assert_eq!(case_outcome(&report, "use-target_configure"), "failure");
    assert_eq!(case_outcome(&report, "use-target_build"), "failure");
    assert_eq!(case_outcome(&report, "skips"), "skipped");
    assert_eq!(case_outcome(&report, "disabled"), "skipped");
}

#[test]
fn a_build_error_is_the_real_error_and_never_makes_line_when_a_better_one_exists() {
    if !cmake_available("a_build_error_is_the_real_error") {
        return;
    }
    let temp = TempDir::new("build-errors");
    for fixture in ["bad-generator", "bad-link"] {
        copy_fixture(
            &format!("pipelines/{fixture}"),
            &temp.join("ws").join(fixture),
        );
    }
    let mut command = common::jobdeck();
    command
        .args(["--build", "--json", "-j2"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let events = run.json();
    let builds = common::finished_by_job(
        &events
            .iter()
            .filter(|e| e["stage"] == "build")
            .cloned()
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        builds["bad-generator"]["error"],
        "generate.sh: cannot read the spec spec.yaml: no such file",
        "what the failed command said, not make's line after it"
    );
    assert_eq!(
        builds["bad-link"]["error"],
        "/usr/bin/ld: cannot find -lnope_lib: No such file or directory",
        "the linker's line, not collect2's nor make's"
    );
    let summary = events.last().expect("a summary");
    let causes = summary["causes"].as_array().expect("causes");
    assert_eq!(causes.len(), 2, "{summary}");
    for cause in causes {
        let cause = cause["cause"].as_str().expect("a cause");
        assert!(
            !cause.contains("make") && !cause.contains("collect2"),
            "{cause}"
        );
    }
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}")).expect("write the script");
    let mut permissions = std::fs::metadata(path).expect("script").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(path, permissions).expect("make it executable");
}

#[test]
fn e_on_a_failed_test_opens_the_file_the_tests_own_output_names() {
    if !tools_present(
        "e_on_a_failed_test_opens_the_file",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("test-place");
    let dir = TempDir::new(&tag);
    let projects = dir.0.join("projects");
    copy_fixture(&format!("pipelines/{FIXTURE}"), &projects.join(FIXTURE));
    let record = dir.0.join("editor-args");
    let editor = dir.0.join("editor");
    write_script(
        &editor,
        &format!("printf '%s\\n' \"$@\" > '{}'\n", record.display()),
    );
    let command = format!(
        "env -u VISUAL EDITOR='{editor}' '{bin}' --test -j 2 '{projects}'; echo \"jobdeck \
         exited $?\"",
        editor = editor.display(),
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        projects = projects.display(),
    );
    let tmux = Tmux::start("test-place", &command);
    tmux.wait_for("the test stage to fail", |s| {
        s.lines()
            .any(|l| l.contains(FIXTURE) && l.contains(" test ") && l.contains(" failed "))
            && s.contains("F next failure")
    });
    tmux.keys(&["F"]);
    tmux.keys(&["e"]);
    wait_until("the editor to record its arguments", || {
        std::fs::read_to_string(&record).is_ok_and(|text| text.lines().count() == 2)
    });
    let args = std::fs::read_to_string(&record).expect("the record");
    let file = projects
        .join(FIXTURE)
        .join("tests/use_target/CMakeLists.txt");
    assert_eq!(
        args,
        format!(
            "+{}\n{}\n",
            line_of("tests/use_target/CMakeLists.txt", "find_package"),
            file.display()
        ),
    );
    tmux.wait_for("the table after the editor", |s| s.contains("q quit"));
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
}

/// Issue 32: a `FetchContent` download that fails at configure time was said by the first
/// 280 characters of CMake's record of every try, curl's log included (`… log: --- LOG
/// BEGIN --- Trying 127.0.0.1…`), its place cut off at 80 columns. It is said as a build's
/// is: how many tries failed, the last one's URL and status, then where. The server answers
/// 404, which CMake does not retry, so the download fails at once.
#[test]
fn a_failed_fetchcontent_download_is_said_short_before_its_place() {
    if !cmake_available("a_failed_fetchcontent_download_is_said_short_before_its_place") {
        return;
    }
    let port = common::not_found_server();
    let temp = TempDir::new("fetch-fails");
    let url = format!("http://127.0.0.1:{port}/dep.tar.gz");
    write_fetching_project(&temp.join("ws"), &url);
    let mut command = common::jobdeck();
    command
        .args(["--json"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = common::finished_by_job(&run.json());
    let error = finished["fetching"]["error"].as_str().expect("an error");
    assert!(
        error.starts_with(&format!(
            "Each download failed (1 try), the last: '{url}' status 22 "
        )),
        "{error}"
    );
    assert!(
        error.contains(" — ") && error.ends_with(" (message)"),
        "where, after the message: {error}"
    );
    assert!(!error.contains("LOG BEGIN"), "{error}");
}

/// A project `fetching` in `workspace` whose configure downloads `url` with `FetchContent`.
fn write_fetching_project(workspace: &Path, url: &str) {
    common::write_project(
        &workspace.join("fetching"),
        &format!(
            "include(FetchContent)\nFetchContent_Declare(dep URL {url})\nFetchContent_MakeAvailable(dep)"
        ),
    );
}

/// Issue 32, the new-user round at 80×24: under a failed download's row, its error's second
/// line ended `—…`, the place lost behind the URL (a URL with no folder, as the cookbook's
/// `http://www.fftw.org/fftw-3.3.8.tar.gz`, had nothing to shorten). The place stays.
#[test]
fn at_80_columns_a_failed_downloads_place_shows_under_its_row() {
    if !tools_present(
        "at_80_columns_a_failed_downloads_place_shows_under_its_row",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let port = common::not_found_server();
    let temp = TempDir::new(&unique_tag("fetch-place"));
    write_fetching_project(
        &temp.join("ws"),
        &format!("http://127.0.0.1:{port}/fftw-3.3.8.tar.gz"),
    );
    let command = format!(
        "'{bin}' -B '{build}' '{ws}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = temp.join("build").display(),
        ws = temp.join("ws").display(),
    );
    let tmux = Tmux::start_sized("fetch-place", &command, (80, 24));
    let screen = tmux.wait_for("the download to fail", |s| {
        tmux::row_is(s, "fetching", "failed") && s.contains("F next failure")
    });
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let footer = lines
        .iter()
        .rposition(|l| l.contains("q quit"))
        .expect("the footer");
    let under = &lines[footer.saturating_sub(2)..footer];
    assert!(
        under[0].starts_with("Each download failed (1 try), the last: '"),
        "{screen}"
    );
    assert!(
        under[1].contains("download-dep-populate.cmake:") && under[1].ends_with(" (message)"),
        "the place, whole: {screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
}
