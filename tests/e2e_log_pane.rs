//! The log pane opens at once on a log of several megabytes, in a real terminal (tmux):
//! the frame of a new layout is drawn when the key is read, not at the next tick of the
//! idle clock. The test sets that clock to an hour (`JOBDECK_IDLE_TICK_MS`, a hook for
//! tests), so a screen that waited for it would never come within the harness's deadline.

mod common;
mod tmux;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

#[test]
fn the_log_pane_and_the_timeline_open_without_waiting_for_the_clock() {
    if !tools_present(
        "the_log_pane_and_the_timeline_open_without_waiting_for_the_clock",
        &[("tmux", "-V"), ("cmake", "--version"), ("seq", "1")],
    ) {
        return;
    }
    let tag = unique_tag("log-pane");
    let dir = TempDir::new(&tag);
    // About 4 MB of output: the log pane holds its last 2000 lines.
    common::write_project(
        &dir.join("src/big"),
        "execute_process(COMMAND seq 1 600000)",
    );
    let command = format!(
        "env JOBDECK_IDLE_TICK_MS=3600000 '{}' -j 1 -B '{}' '{}'; echo \"jobdeck exited $?\"",
        common::JOBDECK,
        dir.join("build").display(),
        dir.join("src").display(),
    );
    let tmux = Tmux::start_sized(&tag, &command, (80, 24));
    tmux.wait_for("the run to end", |s| s.contains("done in"));
    let log = std::fs::metadata(dir.join("build/.jobdeck/logs/big/configure.log"))
        .expect("the log")
        .len();
    assert!(log > 3_000_000, "a log of several megabytes: {log} bytes");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the log pane", |s| {
        s.contains(" big run 1 ") && s.contains("600000")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the log pane to close", |s| !s.contains(" big run 1 "));
    tmux.keys(&["t"]);
    tmux.wait_for("the timeline", |s| s.contains("timeline"));
    tmux.keys(&["t", "q"]);
    tmux.wait_for("jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}
