//! A superbuild's download starts as soon as its configure shows it (issue 32, item 4):
//! nothing can say how long a download takes before it runs (a second with a network, 85 s
//! of CMake's back-off without), and a history of it says little (a 404 or a fast mirror
//! last time). So a configure that leaves a download step to come hurries its build ahead
//! of the jobs the history puts first, instead of leaving a wait of 85 s for the end.

mod common;

use common::{TempDir, cmake_available, run_command};

/// `job stage` of each `started` event, in the order they came.
fn started(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "started")
        .map(|e| {
            format!(
                "{} {}",
                e["job"].as_str().unwrap_or("?"),
                e["stage"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// `a-super`: its configure takes a second, and its build downloads from a local server
/// that answers 404; `b`, `c`, `d`: plain projects whose builds take a third of a second.
fn workspace(root: &std::path::Path) -> std::path::PathBuf {
    let port = common::not_found_server();
    let ws = root.join("ws");
    common::write_project(
        &ws.join("a-super"),
        &format!(
            "execute_process(COMMAND ${{CMAKE_COMMAND}} -E sleep 1)\n\
             include(ExternalProject)\nExternalProject_Add(dep URL \
             http://127.0.0.1:{port}/dep.tar.gz CONFIGURE_COMMAND \"\" BUILD_COMMAND \"\" \
             INSTALL_COMMAND \"\")"
        ),
    );
    for name in ["b", "c", "d"] {
        common::write_project(
            &ws.join(name),
            "add_custom_target(wait ALL COMMAND ${CMAKE_COMMAND} -E sleep 0.3)",
        );
    }
    ws
}

/// The `job stage` of each run of `jobdeck --json -j1 --build ws -B build`, in the order
/// they started.
fn session(ws: &std::path::Path, build: &std::path::Path) -> Vec<String> {
    let mut command = common::jobdeck();
    command
        .args(["--json", "-j1", "--build"])
        .arg(ws)
        .arg("-B")
        .arg(build);
    let run = run_command(command);
    assert_eq!(run.code(), 1, "the download fails: {run:?}");
    started(&run.json())
}

/// The second session, build folders removed (so the download is to come again): the
/// history puts `a-super`'s configure first (a second) and its build last (it failed at
/// once), behind the other configures and builds; its configure hurries it.
#[test]
fn a_superbuilds_build_goes_before_what_the_history_puts_first() {
    if !cmake_available("a_superbuilds_build_goes_before_what_the_history_puts_first") {
        return;
    }
    let temp = TempDir::new("downloads-first");
    let ws = workspace(temp.path());
    let build = temp.join("build");
    session(&ws, &build);
    for name in ["a-super", "b", "c", "d"] {
        std::fs::remove_dir_all(build.join(name)).expect("remove a build folder");
    }
    let order = session(&ws, &build);
    assert_eq!(
        order[0], "a-super configure",
        "the longest chain first: {order:?}"
    );
    // One worker and one run on deck: when `a-super`'s configure ended, another configure
    // (whichever the history ranks first) was on deck; the build goes next, where it came
    // after every other configure and build without the hurry.
    assert_eq!(
        order.get(2).map(String::as_str),
        Some("a-super build"),
        "the download's build went before the jobs with longer history: {order:?}"
    );
}
