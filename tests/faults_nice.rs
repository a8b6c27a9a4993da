//! Trust under faults (issue 5), niceness: `--nice` reaches child processes and worker
//! threads, and a niceness that cannot be set is a warning.
//!
//! Everything here is real: the real binary, real cmake, real processes, a real (tiny) tmpfs.
//! Tests that need root (mounting, switching to `nobody`) skip loudly without it, but fail
//! under `CI=true`, where `.ci/run` runs as root.

mod common;

use common::{
    TempDir, as_nobody, available, cmake_available, is_root, open_to_everyone, run_command,
    run_jobdeck, wait_until, write_project,
};

/// The niceness of the thread named `name` in process `pid`, from `/proc/<pid>/task/*/stat`.
fn thread_nice(pid: u32, name: &str) -> Option<i32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find_map(|task| {
            let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
            if comm.trim() != name {
                return None;
            }
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            // Field 19 of stat(5) is the nice value; index 0 after the name is field 3.
            stat.rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(16)?
                .parse()
                .ok()
        })
}

#[test]
fn nice_reaches_the_child_processes_and_the_worker_threads() {
    if !cmake_available("nice") {
        return;
    }
    let dir = TempDir::new("nice");
    write_project(
        &dir.join("p"),
        "execute_process(COMMAND nice OUTPUT_FILE ${CMAKE_BINARY_DIR}/nice.txt)",
    );
    let build = dir.join("build");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--nice".as_ref(),
        "7".as_ref(),
        dir.path().as_os_str(),
        "-B".as_ref(),
        build.as_os_str(),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    let seen = std::fs::read_to_string(build.join("p/nice.txt")).expect("the configure ran nice");
    assert_eq!(
        seen.trim(),
        "7",
        "cmake's child ran at the niceness asked for"
    );

    // An in-process task runs on the worker thread itself: its niceness must be set too.
    let out = dir.join("words");
    let mut child = common::jobdeck()
        .args([
            "--headless",
            "--no-cmake",
            "--nice",
            "7",
            "-j1",
            "--words",
            "1",
        ])
        .arg("-B")
        .arg(dir.join("b"))
        .args(["--words-per-task", "4000000000", "--words-out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start jobdeck");
    let pid = child.id();
    let seen = wait_until(|| thread_nice(pid, "worker-1") == Some(7));
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    );
    let status = child.wait().expect("jobdeck ends after SIGTERM");
    assert!(seen, "worker-1 ran at niceness 7");
    assert_eq!(status.code(), Some(130));
}

#[test]
fn a_niceness_that_cannot_be_set_warns_and_the_jobs_still_run() {
    let test = "unsettable_nice";
    if !available(test, is_root(), "root, to run as `nobody`") {
        return;
    }
    let dir = TempDir::new("nice-denied");
    open_to_everyone(dir.path());
    let out = dir.join("words");
    // Its own build root: one the tests made as root elsewhere is not nobody's to use.
    let build = dir.join("b");
    let build = build.to_str().expect("UTF-8");
    let args = [
        "--headless",
        "--no-cmake",
        "--nice",
        "-5",
        "--words",
        "2",
        "-B",
        build,
    ];
    let args = [&args[..], &["--words-per-task", "1000", "--words-out"]].concat();
    let run = run_command(as_nobody(&args, &out));
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stderr.contains("could not set niceness -5"),
        "{}",
        run.stderr
    );
    assert!(out.join("output0.txt").is_file() && out.join("output1.txt").is_file());
}
