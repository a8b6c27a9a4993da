//! Names at 80×24 in a real terminal (issue 32, item 7): a generated tree of about forty
//! nested projects, as a corpus of cmake-cookbook and cmake-examples projects, configured by
//! the real binary in tmux. The rows in view must stay told apart (the middle elision made
//! them all read `…cipe-01/cxx-example`), no `kind` column may come back for the toolchain
//! probe's row alone, and the names scripts read (`--list`, JSON) stay whole.

mod common;
mod tmux;

use std::path::Path;

use common::{TempDir, path_arg};
use tmux::{Tmux, tools_present, unique_tag};

/// Writes the tree under `root`: cookbook chapters and recipes (a few enable C, so the
/// toolchain probe has a row), and a second collection; returns the names, sorted.
fn write_corpus(root: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for chapter in [1, 2, 3, 7, 10, 11, 12] {
        for recipe in 1..=5 {
            names.push(format!(
                "cmake-cookbook/chapter-{chapter:02}/recipe-{recipe:02}/cxx-example"
            ));
            if recipe == 1 {
                names.push(format!(
                    "cmake-cookbook/chapter-{chapter:02}/recipe-{recipe:02}/fortran-example"
                ));
            }
        }
    }
    for name in ["01-basic/A-hello-cmake", "01-basic/B-hello-headers"] {
        names.push(format!("cmake-examples/{name}"));
    }
    names.sort();
    for (i, name) in names.iter().enumerate() {
        let language = if i % 12 == 0 { "C" } else { "NONE" };
        common::write_project(&root.join(name), "");
        let file = root.join(name).join("CMakeLists.txt");
        let text = std::fs::read_to_string(&file).expect("the project file");
        std::fs::write(&file, text.replace("NONE", language)).expect("write the project file");
    }
    names
}

/// The name cells of the table's rows on `screen` (the probe's row left out), read between
/// the row marker and the column after the name.
fn name_cells(screen: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.contains(" state ") && line.contains(" time "))
        .unwrap_or_else(|| panic!("no column titles:\n{screen}"));
    let titles = lines[at];
    let end = titles.find(" state ").expect("the state column");
    let cells = lines[at + 1..]
        .iter()
        .take_while(|line| line.contains(" ok ") || line.contains(" failed "))
        .filter(|line| !line.contains("toolchain probe"))
        .map(|line| line.chars().skip(2).take(end - 2).collect::<String>())
        .map(|cell| cell.trim_end().to_string())
        .collect();
    (titles.to_string(), cells)
}

#[test]
fn at_80x24_a_nested_corpus_keeps_its_rows_told_apart() {
    if !tools_present(
        "at_80x24_a_nested_corpus_keeps_its_rows_told_apart",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("names");
    let dir = TempDir::new(&tag);
    let corpus = dir.join("corpus");
    let names = write_corpus(&corpus);
    assert!(names.len() >= 40);

    let command = format!(
        "'{bin}' -j 2 -B '{build}' '{corpus}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = dir.join("build").display(),
        corpus = corpus.display(),
    );
    let tmux = Tmux::start_sized("names", &command, (80, 24));
    let total = format!("{}/{} done in", names.len() + 1, names.len() + 1);
    tmux.wait_for("every configure to end", |s| s.contains(&total));
    // Scrolled to where chapters meet, so rows of the same recipe in two chapters are in
    // view together; then back to the top.
    for keys in [&["G"][..], &["g"][..], &["C-d"][..]] {
        tmux.keys(keys);
        let screen = tmux.wait_for("the table after the keys", |s| {
            !name_cells(s).1.is_empty() && s.contains("q quit")
        });
        let (titles, cells) = name_cells(&screen);
        assert!(cells.len() >= 10, "{screen}");
        let mut distinct = cells.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            cells.len(),
            "two rows read the same:\n{screen}"
        );
        assert!(
            !titles.contains(" kind "),
            "no kind column for the probe's row alone: {keys:?}\n{screen}"
        );
    }
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));

    // Scripts read the whole names.
    let listed = common::run_jobdeck([
        "--list",
        "-B",
        path_arg(&dir.join("build")),
        path_arg(&corpus),
    ]);
    assert_eq!(listed.code(), 0, "{listed:?}");
    let mut lines: Vec<&str> = listed
        .stdout
        .lines()
        .filter(|l| !l.contains("probe"))
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, names.iter().map(String::as_str).collect::<Vec<_>>());
}

/// The name cells of every project's configure row on `screen`, with stages: the cells
/// between the row marker and the stage column.
fn configure_cells(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|line| line.contains(" stage ") && line.contains(" state "))
    else {
        return Vec::new();
    };
    let end = lines[at].find(" stage ").expect("the stage column");
    lines[at + 1..]
        .iter()
        .filter(|line| line.contains(" configure "))
        .map(|line| line.chars().skip(2).take(end - 2).collect::<String>())
        .map(|cell| cell.trim_end().to_string())
        .collect()
}

/// Issue 32: on the cmake-cookbook checkout a user ran with `--build --test` at 80×24, the
/// name column had a quarter of the width, so `chapter-04/recipe-03/cxx-example-3.5` (the
/// one name the shortening leaves at 23 columns) read `…r03/cxx-example-3.5` beside
/// `c01/…` rows. Now no name in view is cut at 80 columns, and at 60 the rows in view
/// still read apart.
#[test]
fn at_80_columns_with_stages_the_cookbooks_names_are_whole() {
    if !tools_present(
        "at_80_columns_with_stages_the_cookbooks_names_are_whole",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("names-staged");
    let dir = TempDir::new(&tag);
    let corpus = dir.join("corpus");
    let names = [
        "chapter-01/recipe-01/cxx-example",
        "chapter-01/recipe-01/fortran-example",
        "chapter-01/recipe-02/cxx-example",
        "chapter-01/recipe-03/cxx-objlib-example",
        "chapter-04/recipe-01/cxx-example",
        "chapter-04/recipe-03/cxx-example",
        "chapter-04/recipe-03/cxx-example-3.5",
        "chapter-04/recipe-06/example",
        "chapter-04/recipe-08/using-cost-example",
        "chapter-04/recipe-08/without-cost-example",
        "chapter-08/recipe-03/c-example",
    ];
    for name in names {
        common::write_project(&corpus.join("cmake-cookbook").join(name), "");
    }
    let command = format!(
        "'{bin}' --build --test -j 2 -B '{build}' '{corpus}'; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = dir.join("build").display(),
        corpus = corpus.display(),
    );
    let tmux = Tmux::start_sized("names-staged", &command, (80, 24));
    let total = format!("{0}/{0} done in", names.len() * 3);
    tmux.wait_for("every stage to end", |s| s.contains(&total));
    for (columns, cut_allowed) in [("80", false), ("60", true)] {
        let out = tmux.run(&[
            "resize-window",
            "-t",
            tmux::SESSION,
            "-x",
            columns,
            "-y",
            "24",
        ]);
        assert!(out.status.success(), "resize-window: {out:?}");
        for keys in [&["g"][..], &["C-d"][..], &["G"][..]] {
            tmux.keys(keys);
            let screen = tmux.wait_for("the table at its new width", |s| {
                s.lines()
                    .all(|line| line.chars().count() <= columns.parse().expect("a number"))
                    && configure_cells(s).len() >= 3
                    && s.contains("q quit")
            });
            let cells = configure_cells(&screen);
            let mut distinct = cells.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                cells.len(),
                "{columns} columns, {keys:?}: two rows read the same:\n{screen}"
            );
            assert!(
                cut_allowed || cells.iter().all(|cell| !cell.contains('…')),
                "{columns} columns, {keys:?}: a name cut:\n{screen}"
            );
        }
    }
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}

/// Issue 32, the new-user round: the recap printed after the table closed (and headless)
/// cut names in their middle (`c01/r01…ortran`) where the table at the same 80 columns had
/// shown them whole. In a real terminal, headless and after the TUI, each failed project's
/// line names it as the table does, whole. On the way, the finished header at 80 columns
/// keeps its counts whole.
#[test]
fn at_80_columns_the_recap_names_jobs_whole_as_the_table_did() {
    if !tools_present(
        "at_80_columns_the_recap_names_jobs_whole_as_the_table_did",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("names-recap");
    let dir = TempDir::new(&tag);
    let corpus = dir.join("corpus");
    let chapters = ["01", "03", "07", "11"];
    for chapter in chapters {
        let recipe = corpus.join(format!("cmake-cookbook/chapter-{chapter}/recipe-01"));
        common::write_project(&recipe.join("cxx-example"), "");
        common::write_project(
            &recipe.join("fortran-example"),
            "message(FATAL_ERROR \"No CMAKE_Fortran_COMPILER could be found. Tell CMake where \
             to find the compiler by setting the variable\")",
        );
    }
    for headless in [true, false] {
        let command = format!(
            "'{bin}' {mode} --build --test -j 2 -B '{build}' '{corpus}'; echo \"jobdeck exited \
             $?\"",
            bin = env!("CARGO_BIN_EXE_jobdeck"),
            mode = if headless { "--headless" } else { "" },
            build = dir.join(format!("build-{headless}")).display(),
            corpus = corpus.display(),
        );
        // A server of its own each time: the last one may still be going away.
        let label = if headless {
            "recap-headless"
        } else {
            "recap-tui"
        };
        let tmux = Tmux::start_sized(label, &command, (80, 24));
        if !headless {
            let screen = tmux.wait_for("every stage to end", |s| s.contains("24/24 done in"));
            // The finished header keeps every count whole, before the workers and the slots
            // (it read `w 0/2 │ speed-up 1.9x │ slots 0/2 │ 4 failed`).
            let header = screen.lines().next().unwrap_or_default();
            assert!(
                header.contains("12 ok 4 failed 8 skipped"),
                "the finished header's counts: {header}"
            );
            tmux.keys(&["q"]);
        }
        let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
        let recap: Vec<&str> = screen
            .lines()
            .skip_while(|line| !line.starts_with("did not succeed (4)"))
            .skip(1)
            .take_while(|line| line.starts_with("  failed "))
            .collect();
        assert_eq!(recap.len(), 4, "headless {headless}:\n{screen}");
        for (line, chapter) in recap.iter().zip(chapters) {
            assert!(
                line.starts_with(&format!(
                    "  failed    c{chapter}/r01/fortran [configure]  No CMAKE_Fortran"
                )),
                "headless {headless}: the name whole, as in the table:\n{screen}"
            );
        }
    }
}
