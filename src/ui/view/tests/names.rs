//! Names at 80 and 60 columns (issue 32, item 7): with many projects in nested folders, as
//! a corpus of cmake-cookbook and cmake-examples projects, the rows in view must stay told
//! apart: the folders every row shares go first, then folders are abbreviated against their
//! siblings, and only then are names cut. A column that says `cmake` on every row but the
//! toolchain probe's is left out.

use std::time::Instant;

use super::{draw, screen};
use crate::app::{JobNode, Model};
use crate::engine::JobId;

/// About forty projects of a corpus, each with configure, build and test rows (`stages`) or
/// a configure only, after the toolchain probe's row; `cookbook_only` leaves out the
/// cmake-examples collection.
fn corpus(cookbook_only: bool, stages: bool) -> Model {
    let mut names = Vec::new();
    for chapter in [1, 2, 3, 7, 10, 11, 12] {
        for recipe in 1..=5 {
            names.push(format!(
                "cmake-cookbook/chapter-{chapter:02}/recipe-{recipe:02}/cxx-example"
            ));
            if recipe % 2 == 1 {
                names.push(format!(
                    "cmake-cookbook/chapter-{chapter:02}/recipe-{recipe:02}/fortran-example"
                ));
            }
        }
    }
    if !cookbook_only {
        for name in [
            "01-basic/A-hello-cmake",
            "01-basic/B-hello-headers",
            "02-sub-projects/A-basic",
        ] {
            names.push(format!("cmake-examples/{name}"));
        }
    }
    names.sort();
    staged_model(&names, stages)
}

/// The toolchain probe's row, then `names` with configure, build and test rows (`stages`)
/// or a configure row only.
fn staged_model(names: &[String], stages: bool) -> Model {
    let mut nodes = vec![JobNode::from((
        "toolchain probe".to_string(),
        crate::jobs::probe::KIND,
    ))];
    for name in names {
        let steps = if stages { 3 } else { 1 };
        for (i, stage) in crate::jobs::cmake::Step::ALL
            .into_iter()
            .take(steps)
            .enumerate()
        {
            let before = (i > 0).then(|| JobId(u32::try_from(nodes.len() - 1).expect("few")));
            nodes.push(JobNode {
                after: Vec::new(),
                name: name.clone(),
                kind: crate::jobs::cmake::KIND,
                stage: Some(stage.stage()),
                deps: before.into_iter().collect(),
                expected: None,
            });
        }
    }
    Model::new(nodes, 2, Instant::now())
}

/// The table's title row and the name cell of every project's first row on `lines`.
fn name_cells(lines: &[String]) -> (String, Vec<String>) {
    let at = lines
        .iter()
        .position(|line| line.contains(" state ") && line.contains(" time "))
        .unwrap_or_else(|| panic!("no column titles:\n{}", lines.join("\n")));
    let titles = &lines[at];
    let end = titles
        .find(" stage ")
        .or_else(|| titles.find(" state "))
        .expect("the column after the name");
    let staged = titles.contains(" stage ");
    let cells = lines[at + 1..lines.len() - 1]
        .iter()
        .filter(|line| !line.contains("toolchain probe"))
        .filter(|line| !staged || line.contains(" configure "))
        .map(|line| line.chars().skip(2).take(end - 2).collect::<String>())
        .map(|cell| cell.trim_end().to_string())
        .collect();
    (titles.clone(), cells)
}

#[test]
fn corpus_rows_stay_told_apart_at_80_and_60_columns_without_a_kind_column() {
    for ((width, height), stages) in [(80, 24), (60, 20)]
        .into_iter()
        .flat_map(|size| [(size, true), (size, false)])
    {
        let mut model = corpus(false, stages);
        let lines = screen(&draw(&mut model, width, height));
        let (titles, cells) = name_cells(&lines);
        assert!(
            cells.len() >= 5,
            "{width}×{height}: rows in view:\n{}",
            lines.join("\n")
        );
        let mut distinct = cells.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            cells.len(),
            "{width}×{height}, stages {stages}: two rows read the same:\n{}",
            lines.join("\n")
        );
        assert!(
            !titles.contains(" kind "),
            "{width}×{height}: every row but the probe's is cmake:\n{titles}"
        );
        // The probe's row keeps its name.
        assert!(
            lines.iter().any(|l| l.contains("toolchain probe")),
            "{}",
            lines.join("\n")
        );
    }
}

#[test]
fn the_folders_every_row_shares_are_said_once_as_the_name_columns_title() {
    let mut model = corpus(true, true);
    let lines = screen(&draw(&mut model, 80, 24));
    let (titles, cells) = name_cells(&lines);
    assert!(titles.starts_with("  cmake-cookbook/ "), "{titles}");
    // `…-example` would not fit 20 columns: the word every project ends with goes too.
    assert_eq!(
        &cells[..2],
        ["c01/r01/cxx", "c01/r01/fortran"],
        "{}",
        lines.join("\n")
    );
    // With room, whole names.
    let mut model = corpus(true, true);
    let lines = screen(&draw(&mut model, 200, 10));
    let (titles, cells) = name_cells(&lines);
    assert!(titles.starts_with("  name "), "{titles}");
    assert_eq!(cells[0], "cmake-cookbook/chapter-01/recipe-01/cxx-example");
}

#[test]
fn the_workers_panel_names_jobs_as_the_table_does() {
    let mut model = corpus(false, true);
    model.start();
    // Job 1 is the first project's configure (job 0 is the probe's row).
    super::send(&mut model, 1, super::started(0));
    crate::app::update(
        &mut model,
        crate::app::Msg::Action(crate::app::Action::Ui(crate::app::UiAction::ToggleWorkers)),
    );
    let lines = screen(&draw(&mut model, 80, 24));
    let worker = lines
        .iter()
        .find(|l| l.starts_with("w1 "))
        .unwrap_or_else(|| panic!("no worker line:\n{}", lines.join("\n")));
    assert!(
        worker.contains(" cookbook/c01/r01/cxx [configure] "),
        "{}",
        lines.join("\n")
    );
}

/// The 31 projects of the cmake-cookbook checkout a user ran at 80×24 (issue 32): at the
/// table's target width (a quarter, with stages) `c04/r03/cxx-example-3.5` is the one name
/// the shortening cannot bring under 20 columns, and it was cut to `…r03/cxx-example-3.5`
/// wherever chapter 1 was in view too. At 80 columns no name in view is cut now, and at 80
/// and 60 the rows in view stay told apart wherever the table is scrolled.
#[test]
fn the_cookbook_names_are_whole_at_80_columns_and_told_apart_at_60() {
    let recipes = [
        "01/01/c",
        "01/01/cxx",
        "01/01/fortran",
        "01/02/c",
        "01/02/cxx",
        "01/02/fortran",
        "01/03/cxx",
        "01/03/cxx-objlib",
        "01/03/fortran",
        "01/04/cxx",
        "01/05/cxx",
        "01/06/",
        "01/07/",
        "01/08/cxx",
        "01/09/cxx",
        "01/09/fortran",
        "01/10/cxx",
        "04/01/cxx",
        "04/02/cxx",
        "04/03/cxx",
        "04/04/cxx",
        "04/05/cxx",
        "04/06/",
        "04/07/",
        "04/08/using-cost",
        "04/08/without-cost",
        "04/09/",
        "04/10/",
        "08/01/cxx",
        "08/02/cxx",
        "08/03/c",
    ];
    let mut names: Vec<String> = recipes
        .iter()
        .map(|recipe| {
            let (chapter, rest) = recipe.split_at(2);
            let (number, project) = rest[1..].split_at(2);
            let project = &project[1..];
            let project = if project.is_empty() {
                "example".to_string()
            } else {
                format!("{project}-example")
            };
            format!("cmake-cookbook/chapter-{chapter}/recipe-{number}/{project}")
        })
        .collect();
    names.push("cmake-cookbook/chapter-04/recipe-03/cxx-example-3.5".to_string());
    names.sort();
    for (width, height) in [(80, 24), (60, 20)] {
        let mut model = staged_model(&names, true);
        for _ in 0..model.jobs.len() {
            let lines = screen(&draw(&mut model, width, height));
            let (_, cells) = name_cells(&lines);
            let text = lines.join("\n");
            let mut distinct = cells.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                cells.len(),
                "{width}: two rows read the same:\n{text}"
            );
            if width == 80 {
                assert!(
                    cells.iter().all(|cell| !cell.contains('…')),
                    "80 columns: a name cut:\n{text}"
                );
            }
            crate::app::update(
                &mut model,
                crate::app::Msg::Action(crate::app::Action::SelectNext),
            );
        }
    }
}
