//! The acceptance check of the foundation: on a nested collection of realistic CMake example
//! projects (`assets/examples/`), every project's outcome under jobdeck matches running
//! `cmake -S <p> -B <build> -DCMAKE_BUILD_TYPE=Debug` by hand on it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{TempDir, cmake_available, copy_tree, run_jobdeck};

/// Every project of the collection, as jobdeck names them; `add_subdirectory` children are
/// not projects of their own.
const PROJECTS: [&str; 19] = [
    "01-basic/A-hello-cmake",
    "01-basic/B-hello-headers",
    "01-basic/C-static-library",
    "01-basic/D-shared-library",
    "01-basic/E-installing",
    "01-basic/F-build-type",
    "01-basic/G-compile-flags",
    "01-basic/H-third-party-library",
    "01-basic/I-find-zlib",
    "02-sub-projects/A-basic",
    "03-code-generation/configure-files",
    "05-unit-testing/ctest",
    "06-options/option-and-cache",
    "07-failing/A-fatal-error",
    "07-failing/B-missing-source",
    "07-failing/C-syntax-error",
    "07-failing/D-version-too-new",
    "07-failing/E-bad-subdirectory",
    "08-deep/level-1/level-2/A-deep-project",
];

/// Configures each project by hand, two at a time (as `-j2` does); returns each exit code.
fn by_hand(sources: &Path, builds: &Path) -> BTreeMap<String, Option<i32>> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let (work_tx, work_rx) = crossbeam_channel::unbounded::<&'static str>();
    for name in PROJECTS {
        work_tx.send(name).expect("queue");
    }
    drop(work_tx);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (tx, work_rx) = (tx.clone(), work_rx.clone());
            scope.spawn(move || {
                for name in work_rx {
                    let status = Command::new("cmake")
                        .arg("-S")
                        .arg(sources.join(name))
                        .arg("-B")
                        .arg(builds.join(name))
                        .arg("-DCMAKE_BUILD_TYPE=Debug")
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .expect("run cmake");
                    tx.send((name.to_string(), status.code())).expect("report");
                }
            });
        }
    });
    drop(tx);
    rx.iter().collect()
}

#[test]
fn every_example_ends_as_cmake_by_hand_says() {
    if !cmake_available("every_example_ends_as_cmake_by_hand_says") {
        return;
    }
    let temp = TempDir::new("examples");
    let sources = temp.join("examples");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples"),
        &sources,
    );
    let expected = by_hand(&sources, &temp.join("by-hand"));

    let build_root: PathBuf = temp.join("jobdeck-build");
    let run = run_jobdeck([
        "--json".as_ref(),
        "-j2".as_ref(),
        "-B".as_ref(),
        build_root.as_os_str(),
        sources.as_os_str(),
    ]);
    let events = run.json();
    // The projects' configures; the toolchain probe's row is jobdeck's own.
    let outcomes: BTreeMap<String, (String, Option<i64>)> = events
        .iter()
        .filter(|e| e["event"] == "finished" && e["kind"] == "cmake")
        .map(|e| {
            (
                e["job"].as_str().expect("name").to_string(),
                (
                    e["status"].as_str().expect("status").to_string(),
                    e["exit_code"].as_i64(),
                ),
            )
        })
        .collect();
    assert_eq!(
        outcomes.keys().map(String::as_str).collect::<Vec<_>>(),
        PROJECTS,
        "discovery found a different set of projects"
    );
    for (name, code) in &expected {
        let (status, exit_code) = &outcomes[name];
        let want = if *code == Some(0) { "ok" } else { "failed" };
        assert_eq!(status, want, "{name}: cmake by hand exited {code:?}");
        assert_eq!(*exit_code, code.map(i64::from), "{name}");
    }
    for name in PROJECTS.iter().filter(|n| n.starts_with("07-failing/")) {
        assert_eq!(outcomes[*name].0, "failed", "{name} fails on purpose");
        let event = events
            .iter()
            .find(|e| e["event"] == "finished" && e["job"] == *name)
            .expect("a finished event");
        let error = event["error"].as_str().unwrap_or_default();
        // Each fails in its own files: the summary names the place, and so do the fields.
        let file = event["error_file"].as_str().unwrap_or_default();
        let line = event["error_line"].as_u64().unwrap_or_default();
        assert!(
            file.ends_with("CMakeLists.txt") && line > 0,
            "{name}: {event}"
        );
        assert!(
            error.contains(&format!(" — {file}:{line}")) && !error.starts_with("CMake Error"),
            "{name}: summary {error:?}"
        );
    }
    let missing = events
        .iter()
        .find(|e| e["event"] == "finished" && e["job"] == "07-failing/B-missing-source")
        .and_then(|e| e["error"].as_str())
        .unwrap_or_default();
    assert!(
        missing.contains("does_not_exist.c"),
        "the summary names the missing file: {missing}"
    );
    let any_failed = expected.values().any(|code| *code != Some(0));
    assert_eq!(run.code(), i32::from(any_failed), "{}", run.stderr);
}
