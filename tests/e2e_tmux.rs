//! End-to-end test of the live TUI in a real terminal: the binary runs inside a private tmux
//! server at a fixed size, on the fixture projects in `assets/fixtures/tui/` copied to a
//! temporary folder. The test sends keys and reads the screen with `capture-pane`, waiting for
//! text with the harness's deadline (`JOBDECK_TEST_TIMEOUT_MS`) and never sleeping to synchronise.
//!
//! Every process jobdeck starts inherits a unique `JOBDECK_E2E_TAG` in its environment, so the
//! test can find, through /proc, any child or grandchild (`sleep 60`) that survived.
//!
//! Without tmux it is skipped on a line the harness shows; with `CI=true` it fails instead.

mod common;
mod tmux;

use std::path::Path;

use tmux::{
    TempDir, Tmux, copy_dir, row_is, tagged_processes, tools_present, unique_tag, wait_until,
};

/// The screen's first line: the header.
fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

#[test]
#[expect(clippy::too_many_lines, reason = "one user session, told step by step")]
fn live_table_read_fix_rerun_cancel_resize_and_quit() {
    let tools = [
        ("tmux", "-V"),
        ("cmake", "--version"),
        ("less", "--version"),
    ];
    if !tools_present("e2e_tmux", &tools) {
        return;
    }
    let tag = unique_tag("table");
    let dir = TempDir::new(&tag);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures/tui");
    copy_dir(&fixtures, &dir.0);
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} PAGER=less LESS= '{bin}' -j 2 '{dir}'; \
         echo \"jobdeck exited $?\"; stty -a",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux::start("table", &command);

    // Rows finish on two workers while the long job keeps running.
    tmux.wait_for("the quick rows to finish", |s| {
        row_is(s, "broken", "failed")
            && row_is(s, "ok-one", "ok")
            && row_is(s, "ok-two", "ok")
            && row_is(s, "long-sleep", "running")
    });
    wait_until("the long job's `sleep 60` to show up in /proc", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });

    // The header says how far: three of four done, and a time left once runs have ended.
    let screen = tmux.wait_for("the progress counter and the ETA", |s| {
        header(s).contains(" 3/4 ") && header(s).contains("ETA ")
    });
    // Untouched, the selection follows the job that holds everything up.
    assert!(
        screen.lines().any(|l| l.starts_with("> long-sleep")),
        "the selection is on the running job:\n{screen}"
    );

    // Quitting while a job runs asks first, counting what it would cancel; `n` keeps the
    // session.
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| {
        s.contains("Quit? 1 running job will be cancelled")
    });
    tmux.keys(&["n"]);
    tmux.wait_for("the footer to come back", |s| s.contains("q quit"));

    // `F` jumps to the failed row (and stops the selection following the running one).
    tmux.keys(&["F"]);
    tmux.wait_for("the failed row selected", |s| {
        s.lines().any(|l| l.starts_with("> broken"))
    });

    // Read why the failed one failed: the log pane, then the full log in the pager.
    tmux.keys(&["Enter"]);
    // The detail column shows the error summary too; the pane's title tells them apart.
    let screen = tmux.wait_for("the log pane", |s| s.contains(" broken run 1 "));
    assert!(
        screen
            .lines()
            .filter(|l| l.contains("tui-fixture: broken on purpose"))
            .count()
            >= 2,
        "the summary in the table and the full error in the pane:\n{screen}"
    );
    tmux.keys(&["o"]);
    tmux.wait_for("less showing the log", |s| {
        s.contains("tui-fixture: broken on purpose") && !s.contains("q quit")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the table after the pager", |s| {
        row_is(s, "broken", "failed") && s.contains("q quit")
    });

    // Cancel the long job: its whole process group goes.
    tmux.keys(&["j", "c"]);
    tmux.wait_for("the long job to be cancelled", |s| {
        row_is(s, "long-sleep", "cancelled")
    });
    wait_until("no process of the cancelled job to remain", || {
        tagged_processes(&tag)
            .iter()
            .all(|(_, comm)| comm != "sleep" && comm != "cmake")
    });

    // Fix the failed project on disk and re-run it to ok without leaving.
    std::fs::write(
        dir.0.join("broken/CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(tui_broken NONE)\n",
    )
    .expect("fix the fixture");
    tmux.keys(&["k", "r"]);
    tmux.wait_for("the fixed project to configure", |s| {
        row_is(s, "broken", "ok")
    });

    // Every job has ended: the header says `done in`, and frames drawn after the end keep
    // it (the workers panel opened and closed forces two). That the clock stops when the work
    // ends, however long after, is the model's arithmetic, tested with fixed instants in
    // `app::stats` (`idle_time_does_not_dilute_speedup_or_efficiency`).
    let done = tmux.wait_for("the finished header", |s| header(s).contains("/4 done in "));
    let ended = header(&done).to_string();
    tmux.keys(&["w"]);
    let screen = tmux.wait_for("the workers panel", |s| s.contains(" busy of "));
    assert_eq!(header(&screen), ended, "the clock stopped at the end");
    tmux.keys(&["w"]);
    let screen = tmux.wait_for("the workers panel to close", |s| !s.contains(" busy of "));
    assert_eq!(header(&screen), ended, "the clock stopped at the end");

    // One more worker.
    tmux.keys(&["+"]);
    tmux.wait_for("three workers in the header", |s| s.contains("/3 │"));

    // Start the long job again, then quit: confirmed, it is cancelled and the shell is clean.
    // A left click selects its row.
    let screen = tmux.capture_with(false);
    let row = screen
        .lines()
        .position(|l| l.contains(" long-sleep "))
        .expect("the long job's row");
    tmux.click(row);
    tmux.wait_for("the clicked row to be selected", |s| {
        s.lines().any(|l| l.starts_with("> long-sleep"))
    });
    tmux.keys(&["r"]);
    tmux.wait_for("the long job to run again", |s| {
        row_is(s, "long-sleep", "running")
    });
    wait_until("the re-run's `sleep 60`", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| {
        s.contains("jobdeck exited") && s.contains("icanon")
    });
    assert!(
        screen.contains("jobdeck exited 1"),
        "a cancelled job makes the exit status 1:\n{screen}"
    );
    // The summary lists what did not succeed and how to run it again.
    assert!(
        screen.contains("did not succeed (1):")
            && screen
                .lines()
                .any(|l| l.contains("cancelled") && l.contains("long-sleep")),
        "the recap names the cancelled job:\n{screen}"
    );
    assert!(screen.contains("re-run them: "), "{screen}");
    // `stty -a` ran after jobdeck: the terminal is back in canonical mode with echo.
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "{screen}"
    );
    wait_until("every process jobdeck started to be gone", || {
        tagged_processes(&tag).is_empty()
    });
}

/// A paused session that ran nothing: `q` asks, and its queued jobs end `cancelled`, in the
/// recap, the summary's counts (which add up to the jobs) and the history.
#[test]
fn quitting_a_paused_session_cancels_and_records_its_queued_jobs() {
    if !tools_present("paused_quit", &[("tmux", "-V")]) {
        return;
    }
    let dir = TempDir::new(&unique_tag("paused-quit"));
    let root = dir.0.join("build");
    let command = format!(
        "'{bin}' -j 2 --paused --no-cmake --words 3 --words-per-task 10 -B '{root}'; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        root = root.display(),
    );
    let tmux = Tmux::start("paused-quit", &command);
    tmux.wait_for("the paused table", |s| {
        header(s).contains("PAUSED") && s.contains("output2 queued")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| {
        s.contains("Quit? 3 queued jobs will be cancelled")
    });
    tmux.keys(&["y"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
    assert!(screen.contains("jobdeck exited 1"), "{screen}");
    assert!(screen.contains("did not succeed (3):"), "{screen}");
    assert!(
        screen.contains("3 jobs: 0 ok, 0 failed, 3 cancelled"),
        "the counts add up:\n{screen}"
    );
    let history = std::fs::read_to_string(root.join(".jobdeck/history.jsonl"))
        .expect("the history was written");
    let cancelled = history
        .lines()
        .filter(|l| l.contains("\"status\":\"cancelled\""))
        .count();
    assert_eq!(cancelled, 3, "{history}");
}
