//! Tests as rows in the live TUI at 80×24 in a real tmux: a test's row shows `running` while
//! it runs (`slow` past `--slow`), each test ends on a row of its own, `r` on a failed
//! test's row runs that test alone (the tests count their runs in files), and `R` builds a
//! test fixed in its source before it runs again.

mod common;
mod tmux;

use std::fmt::Write as _;
use std::path::Path;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

/// A project whose `waits` test runs until the file `release` appears in `dir`, `fails`
/// fails and `passes` passes; `fails` and `passes` add a line to `<name>.runs` each run.
fn workspace(dir: &Path) {
    let project = dir.join("ws/rows");
    std::fs::create_dir_all(&project).expect("project folder");
    let d = dir.display();
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.21)\nproject(rows NONE)\nenable_testing()\n\
             add_test(NAME waits COMMAND sh -c \"while [ ! -f '{d}/release' ]; do sleep 0.05; done\")\n\
             add_test(NAME fails COMMAND sh -c \"echo run >> '{d}/fails.runs'; echo 'check: value was 2'; exit 1\")\n\
             add_test(NAME passes COMMAND sh -c \"echo run >> '{d}/passes.runs'\")\n"
        ),
    )
    .expect("write CMakeLists.txt");
}

fn runs(dir: &Path, test: &str) -> usize {
    std::fs::read_to_string(dir.join(format!("{test}.runs"))).map_or(0, |text| text.lines().count())
}

/// The screen line of test `name`'s row: after the selection mark, its name indented by two.
fn test_row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let start = format!("  {name} ");
    screen
        .lines()
        .find(|line| line.get(2..).is_some_and(|rest| rest.starts_with(&start)))
}

/// Whether test `name`'s row shows `state`.
fn row_is(screen: &str, name: &str, state: &str) -> bool {
    test_row(screen, name).is_some_and(|line| line.contains(&format!(" {state} ")))
}

/// The selected row's line (the table marks it with `>`).
fn selected(screen: &str) -> String {
    screen
        .lines()
        .find(|line| line.starts_with('>'))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn test_rows_follow_their_tests_live_and_r_reruns_one_test_alone() {
    if !tools_present("e2e_test_rows", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("testrows");
    let dir = TempDir::new(&tag);
    workspace(dir.path());
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' --test --slow 0.3 -j2 '{ws}' -B '{build}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        ws = dir.path().join("ws").display(),
        build = dir.path().join("build").display(),
    );
    let tmux = Tmux::start_sized("testrows", &command, (80, 24));
    // `waits` is running while the two others have ended, each on its own row; past
    // `--slow 0.3` its row says it is slow.
    tmux.wait_for("the test rows while one test runs", |s| {
        (row_is(s, "waits", "running") || row_is(s, "waits", "slow"))
            && row_is(s, "fails", "failed")
            && row_is(s, "passes", "ok")
    });
    tmux.wait_for("the running test marked slow", |s| {
        row_is(s, "waits", "slow")
    });
    std::fs::write(dir.path().join("release"), "").expect("release the waiting test");
    let screen = tmux.wait_for("the run to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "waits", "ok")
    });
    assert!(
        test_row(&screen, "fails").is_some_and(|l| l.contains("check: value was 2")),
        "a failed test's row shows its first failure line:\n{screen}"
    );
    assert_eq!(
        (runs(dir.path(), "fails"), runs(dir.path(), "passes")),
        (1, 1)
    );
    // Down to the failed test's row.
    for _ in 0..8 {
        let before = selected(&tmux.capture_with(false));
        if test_row(&before, "fails").is_some() {
            break;
        }
        tmux.keys(&["j"]);
        tmux.wait_for("the selection to move", |s| selected(s) != before);
    }
    let line = selected(&tmux.capture_with(false));
    assert!(test_row(&line, "fails").is_some(), "{line}");
    tmux.keys(&["r"]);
    tmux::wait_until("the failed test to run again", || {
        runs(dir.path(), "fails") == 2
    });
    let screen = tmux.wait_for("the re-run to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "fails", "failed")
    });
    assert_eq!(
        runs(dir.path(), "passes"),
        1,
        "only the selected test ran:\n{screen}"
    );
    assert_eq!(runs(dir.path(), "fails"), 2);
    assert!(row_is(&screen, "waits", "ok"), "{screen}");
}

/// While the test stage runs (`waits` blocked until released, `fails` and `passes` ended),
/// its own row's detail counts its tests as ctest's console does; once it ends, the count
/// is gone and the row says how the stage ended.
#[test]
fn a_running_test_stages_row_says_how_many_tests_ended_and_failed() {
    if !tools_present("e2e_test_rows", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("testcount");
    let dir = TempDir::new(&tag);
    workspace(dir.path());
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' --test -j2 '{ws}' -B '{build}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        ws = dir.path().join("ws").display(),
        build = dir.path().join("build").display(),
    );
    let tmux = Tmux::start_sized("testcount", &command, (80, 24));
    let stage_row = |s: &str| {
        s.lines()
            .find(|line| line.contains("2/3 tests, 1 failed"))
            .map(str::to_string)
    };
    let screen = tmux.wait_for("the stage's row counting its ended tests", |s| {
        stage_row(s).is_some() && (row_is(s, "waits", "running") || row_is(s, "waits", "slow"))
    });
    let line = stage_row(&screen).unwrap_or_default();
    assert!(
        line.contains(" test ") && line.contains("running"),
        "the count is on the running stage's own row:\n{screen}"
    );
    std::fs::write(dir.path().join("release"), "").expect("release the waiting test");
    let screen = tmux.wait_for("the run to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "waits", "ok")
    });
    assert!(!screen.contains("/3 tests"), "{screen}");
}

#[test]
fn rerunning_the_failed_builds_a_test_fixed_in_its_source_first() {
    if !tools_present("e2e_test_rows", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("testfix");
    let dir = TempDir::new(&tag);
    let project = dir.path().join("ws/fixable");
    std::fs::create_dir_all(&project).expect("project folder");
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.21)\nproject(fixable C)\nenable_testing()\n\
         add_executable(check check.c)\nadd_test(NAME check COMMAND check)\n\
         add_test(NAME steady COMMAND sh -c \"exit 0\")\n",
    )
    .expect("write CMakeLists.txt");
    let source = project.join("check.c");
    std::fs::write(
        &source,
        "#include <stdio.h>\nint main(void) { puts(\"check: value was 2\"); return 1; }\n",
    )
    .expect("write check.c");
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' --test -j2 '{ws}' -B '{build}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        ws = dir.path().join("ws").display(),
        build = dir.path().join("build").display(),
    );
    let tmux = Tmux::start_sized("testfix", &command, (80, 24));
    tmux.wait_for("the test to fail", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "check", "failed")
    });
    std::fs::write(&source, "int main(void) { return 0; }\n").expect("fix check.c");
    tmux.keys(&["R"]);
    // The question counts the build, which runs again first.
    let asked = tmux.wait_for("R's question", |s| s.contains("will run again"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the fixed test to pass", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in")) && row_is(s, "check", "ok")
    });
    assert!(!screen.contains("failed  "), "{screen}");
    assert!(asked.contains("2 jobs will run again"), "{asked}");
}

/// A workspace of seven small projects with a test each and `many`, whose 500 tests pass
/// but for `t137`, `t288` and `t466`, and whose `t400` runs until the file `release`
/// appears in `dir`.
fn many_tests(dir: &Path) {
    for name in ["a", "b", "c", "d", "e", "f", "g"] {
        let project = dir.join("ws").join(name);
        std::fs::create_dir_all(&project).expect("project folder");
        std::fs::write(
            project.join("CMakeLists.txt"),
            format!(
                "cmake_minimum_required(VERSION 3.21)\nproject({name} NONE)\nenable_testing()\n\
                 add_test(NAME one COMMAND sh -c \"exit 0\")\n"
            ),
        )
        .expect("write CMakeLists.txt");
    }
    let project = dir.join("ws/many");
    std::fs::create_dir_all(&project).expect("project folder");
    let mut text =
        "cmake_minimum_required(VERSION 3.21)\nproject(many NONE)\nenable_testing()\n".to_string();
    for i in 1..=500 {
        let command = match i {
            137 | 288 | 466 => format!("echo 'check: value was {i}'; exit 1"),
            400 => format!(
                "while [ ! -f '{}' ]; do sleep 0.05; done",
                dir.join("release").display()
            ),
            _ => "exit 0".to_string(),
        };
        let _ = writeln!(text, "add_test(NAME t{i:03} COMMAND sh -c \"{command}\")");
    }
    std::fs::write(project.join("CMakeLists.txt"), text).expect("write CMakeLists.txt");
}

#[test]
fn failed_and_running_tests_of_500_are_in_view_among_many_projects() {
    if !tools_present("e2e_test_rows", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("testmany");
    let dir = TempDir::new(&tag);
    many_tests(dir.path());
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' --test -j2 '{ws}' -B '{build}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        ws = dir.path().join("ws").display(),
        build = dir.path().join("build").display(),
    );
    // Eight projects' 24 stage rows alone fill the 20 rows 80×24 has for the table.
    let tmux = Tmux::start_sized("testmany", &command, (80, 24));
    tmux.wait_for("the waiting test's row among the jobs", |s| {
        row_is(s, "t400", "running") || row_is(s, "t400", "slow")
    });
    std::fs::write(dir.path().join("release"), "").expect("release the waiting test");
    let screen = tmux.wait_for("the run to end", |s| {
        s.lines().next().is_some_and(|h| h.contains("done in"))
    });
    for (name, value) in [("t137", 137), ("t288", 288), ("t466", 466)] {
        assert!(
            test_row(&screen, name).is_some_and(
                |l| l.contains(" failed ") && l.contains(&format!("check: value was {value}"))
            ),
            "{name}'s row in view with its error, no key pressed:\n{screen}"
        );
    }
    assert!(test_row(&screen, "t001").is_none(), "{screen}");
}
