//! `--sweep` in the TUI, in a real tmux: each point's live table names the point in the
//! footer, the chart follows the last point, `q` leaves it, and the same figures are printed
//! once the terminal is the shell's again.

mod common;
mod tmux;

use tmux::{TempDir, Tmux, tools_present, unique_tag};

#[test]
fn a_sweep_shows_each_point_then_the_chart_then_prints_the_figures() {
    if !tools_present("e2e_sweep", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("sweep");
    let dir = TempDir::new(&tag);
    let command = format!(
        "'{bin}' --no-cmake --words 4 --words-per-task 50000000 --sweep 1,2 -B '{dir}'; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux::start("sweep", &command);
    tmux.wait_for("the first point's table", |s| s.contains("sweep 1/2: -j1"));
    let chart = tmux.wait_for("the chart", |s| {
        s.contains("jobdeck sweep: speed-up against workers")
    });
    for expected in [
        "ideal",
        "measured",
        // Two points fit nothing (issue 32 item 5), and each shows the machine's load.
        "Amdahl fit: needs 3+ points",
        "  load ",
        " -j1 ",
        " -j2 ",
        "q quit",
    ] {
        assert!(chart.contains(expected), "missing `{expected}`:\n{chart}");
    }
    tmux.keys(&["q"]);
    let after = tmux.wait_for_in(true, "the exit", |s| s.contains("jobdeck exited"));
    assert!(after.contains("jobdeck exited 0"), "{after}");
    assert!(after.contains("sweep -j1 "), "{after}");
    assert!(after.contains("sweep -j2 "), "{after}");
    assert!(after.contains("sweep: no serial fraction"), "{after}");
}
