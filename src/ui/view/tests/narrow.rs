//! The screen at 80×24 and 60×15 on a `--build --test` session (issue 22): the speed-up
//! stays in the header, a column that says the same on every row gives its room to the
//! detail, skipped stages say what failed first, and the footer follows the session's state.

use std::time::{Duration, Instant};

use super::{draw, screen, send, started};
use crate::app::{self, JobNode, Model, Msg};
use crate::engine::{EventKind, Finished, JobId, Outcome};

const PROJECTS: [&str; 3] = [
    "07-package-management/D-conan/ii-basic-targets",
    "01-basic/A-hello-cmake",
    "05-unit-testing/boost",
];

fn ended(outcome: Outcome, error: Option<&str>) -> EventKind {
    EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_secs(1),
        cpu: None,
        error: error.map(str::to_string),
        log: None,
        diagnosis: None,
        output: None,
    })
}

/// Three projects of three stages on two workers: the conan one fails to configure (its
/// build and test are skipped), the hello one is built, the boost one configures.
fn staged() -> Model {
    let t0 = Instant::now();
    let mut nodes = Vec::new();
    for name in PROJECTS {
        for (i, stage) in crate::jobs::cmake::Step::ALL.into_iter().enumerate() {
            let before = nodes.len().checked_sub(1).filter(|_| i > 0);
            nodes.push(JobNode {
                after: Vec::new(),
                name: name.to_string(),
                kind: crate::jobs::cmake::KIND,
                stage: Some(stage.stage()),
                deps: before
                    .map(|b| JobId(u32::try_from(b).expect("few")))
                    .into_iter()
                    .collect(),
                expected: None,
            });
        }
    }
    let mut model = Model::new(nodes, 2, t0);
    model.start();
    send(&mut model, 0, started(0));
    send(&mut model, 3, started(1));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(1)));
    let failed = Outcome::Failed {
        code: Some(1),
        signal: None,
    };
    let error = "include could not find requested file: /b/conanbuildinfo.cmake — \
                 CMakeLists.txt:4 (include)";
    send(&mut model, 0, ended(failed, Some(error)));
    send(&mut model, 3, ended(Outcome::Succeeded, None));
    send(&mut model, 4, started(1));
    send(&mut model, 6, started(0));
    app::update(&mut model, Msg::Tick(t0 + Duration::from_secs(3)));
    model
}

#[test]
fn the_speed_up_stays_in_the_header_at_80_and_60_columns() {
    for (width, height) in [(80, 24), (60, 15)] {
        let mut model = staged();
        let lines = screen(&draw(&mut model, width, height));
        assert!(
            lines[0].contains("speed-up "),
            "{width}×{height}: {}",
            lines[0]
        );
        assert!(lines[0].starts_with(" jobdeck  4/9 "), "{}", lines[0]);
    }
    // With room, everything shows.
    let mut model = staged();
    let lines = screen(&draw(&mut model, 160, 24));
    assert!(lines[0].contains("workers 2/2 │ speed-up"), "{}", lines[0]);
    assert!(lines[0].contains(" eff "), "{}", lines[0]);
}

#[test]
fn a_kind_column_saying_cmake_everywhere_gives_its_room_to_the_detail() {
    for (width, height) in [(80, 24), (60, 15)] {
        let mut model = staged();
        let lines = screen(&draw(&mut model, width, height));
        let joined = lines.join("\n");
        assert!(!lines[1].contains("kind"), "{width}: {}", lines[1]);
        assert!(lines[1].contains("stage"), "{}", lines[1]);
        // The skipped stages say what failed first, not the project's name again.
        let build = lines
            .iter()
            .find(|l| l.contains(" build ") && l.contains("skipped"))
            .unwrap_or_else(|| panic!("a skipped build:\n{joined}"));
        assert!(
            build.contains("configure fai"),
            "{width}: the reason shows:\n{joined}"
        );
        let test = lines
            .iter()
            .find(|l| l.contains(" test ") && l.contains("skipped"))
            .unwrap_or_else(|| panic!("a skipped test:\n{joined}"));
        assert!(
            test.contains("configure fai"),
            "the failure behind the build:\n{joined}"
        );
    }
    let mut model = staged();
    let lines = screen(&draw(&mut model, 80, 24));
    let failed = lines
        .iter()
        .skip(1)
        .find(|l| l.contains("failed "))
        .expect("the failed configure");
    assert!(
        failed.contains("include could not find"),
        "the detail has room for the error: {failed}"
    );
}

/// Whether `header` shows the speed-up whole: `speed-up ` then a figure ending in `x`.
fn speed_up_whole(header: &str) -> bool {
    header.split("speed-up ").nth(1).is_some_and(|rest| {
        let figure = rest.split_whitespace().next().unwrap_or_default();
        figure
            .strip_suffix('x')
            .is_some_and(|number| number.parse::<f64>().is_ok())
    })
}

#[test]
fn narrower_headers_drop_the_workers_then_the_eta_before_the_speed_up() {
    let mut model = staged();
    let lines = screen(&draw(&mut model, 40, 12));
    assert!(speed_up_whole(&lines[0]), "40 columns: {}", lines[0]);
    assert!(
        lines[0].contains(" ETA "),
        "40 columns keep the ETA: {}",
        lines[0]
    );
    assert!(
        !lines[0].contains(" w "),
        "the workers went first: {}",
        lines[0]
    );
    let mut model = staged();
    let lines = screen(&draw(&mut model, 30, 12));
    assert!(lines[0].starts_with(" jobdeck  4/9 "), "{}", lines[0]);
    assert!(speed_up_whole(&lines[0]), "30 columns: {}", lines[0]);
}

/// At every width the speed-up is whole or left out, never cut (`speed-`, `speed-up 1.`);
/// it shows down to 29 columns, the name, `4/9` and itself.
#[test]
fn the_speed_up_is_whole_or_left_out_at_every_width() {
    for width in 14..=80 {
        let mut model = staged();
        let lines = screen(&draw(&mut model, width, 12));
        let header = &lines[0];
        assert!(header.starts_with(" jobdeck "), "{width}: {header}");
        if width >= 29 {
            assert!(speed_up_whole(header), "{width} columns: {header}");
        } else {
            assert!(
                !header.contains("speed"),
                "{width}: no half speed-up: {header}"
            );
        }
    }
}
