//! Trust under faults (issue 5), output: a flood keeps memory flat and the log whole, and
//! odd output is shown sensibly and logged exactly.
//!
//! Everything here is real: the real binary, real cmake, real processes, a real (tiny) tmpfs.
//! Tests that need root (mounting, switching to `nobody`) skip loudly without it, but fail
//! under `CI=true`, where `.ci/run` runs as root.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TempDir, cmake_available, engine, timeout, write_project};
use jobdeck::engine::{EventKind, JobId, Outcome, WorkItem, output, process};

const FLOOD_LINE: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
/// 5,405,406 lines of 37 bytes: just over 200 MB.
const FLOOD_LINES: usize = 5_405_406;

/// Peak resident memory of a live process, from `/proc/<pid>/status`.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn output_flood_keeps_memory_flat_and_the_log_holds_every_byte() {
    if !cmake_available("output_flood") {
        return;
    }
    let dir = TempDir::new("flood");
    let script = format!("yes {FLOOD_LINE} | head -n {FLOOD_LINES}");
    write_project(
        &dir.join("flood"),
        &format!("execute_process(COMMAND sh -c \"{script}\")"),
    );
    let build = dir.join("build");
    let (status, peak, _) = run_measured(dir.path(), &build);
    assert!(status.success(), "{status:?}");
    assert!(peak < 100 * 1024, "peak RSS {peak} KiB is over 100 MB");
    let log = std::fs::read(build.join(".jobdeck/logs/flood/configure.log")).expect("read the log");
    let full = log
        .split(|&b| b == b'\n')
        .filter(|l| *l == FLOOD_LINE.as_bytes())
        .count();
    assert_eq!(full, FLOOD_LINES, "every flooded line is in the log");
}

/// Runs jobdeck headless (`--json -j1`) on the projects in `projects`, building in `build`,
/// and returns how it ended, its peak resident memory in KiB and its JSON lines.
fn run_measured(
    projects: &Path,
    build: &Path,
) -> (std::process::ExitStatus, u64, Vec<serde_json::Value>) {
    let mut child = common::jobdeck()
        .args(["--headless", "--json", "-j1"])
        .arg(projects)
        .arg("-B")
        .arg(build)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start jobdeck");
    // The JSON lines are read as they come, so a full pipe never holds jobdeck up.
    let stdout = child.stdout.take().expect("jobdeck's stdout");
    let reader =
        std::thread::spawn(move || std::io::read_to_string(stdout).expect("read jobdeck's stdout"));
    let mut peak = 0;
    let deadline = Instant::now() + timeout();
    let status = loop {
        // VmHWM only grows, so the last reading before exit is the peak (give or take the
        // final few milliseconds, when jobdeck is only printing its summary).
        peak = peak.max(peak_rss_kib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("poll jobdeck") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the flood run did not finish in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(peak > 0, "could read jobdeck's memory");
    let json = reader.join().expect("the stdout reader");
    let events = json
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    (status, peak, events)
}

/// A failed configure reads its log back for the first error: a flood of one line with no
/// newline must not be held whole for it.
#[test]
fn a_failing_configure_after_one_huge_line_keeps_memory_flat() {
    if !cmake_available("failing_one_line_flood") {
        return;
    }
    let dir = TempDir::new("one-line-flood");
    // 200 MB of `a` and not one newline, then the error.
    write_project(
        &dir.join("flood"),
        r#"execute_process(COMMAND sh -c "head -c 200000000 /dev/zero | tr '\\0' a")
message(FATAL_ERROR "after the flood")"#,
    );
    let build = dir.join("build");
    let (status, peak, events) = run_measured(dir.path(), &build);
    assert_eq!(status.code(), Some(1), "{status:?}");
    assert!(peak < 100 * 1024, "peak RSS {peak} KiB is over 100 MB");
    let configure = events
        .iter()
        .find(|e| e["event"] == "finished" && e["job"] == "flood" && e["stage"] == "configure")
        .expect("the configure's finished event");
    assert_eq!(configure["status"], "failed", "{configure}");
    let log = std::fs::read(build.join(".jobdeck/logs/flood/configure.log")).expect("read the log");
    assert!(
        memchr::memchr_iter(b'a', &log).count() >= 200_000_000,
        "the log holds the whole line"
    );
}

/// Runs `script` through `sh -c` as one engine run and returns its output events and log.
fn run_script(script: &str, dir: &Path) -> (Vec<String>, u64, Vec<u8>, Outcome) {
    let (engine, rx) = engine(1);
    let log = dir.join("odd.log");
    let (script, task_log) = (script.to_string(), log.clone());
    engine.submit(WorkItem {
        job: JobId(0),
        run: jobdeck::engine::RunId(1),
        timeout: None,
        task: Box::new(move |ctx| {
            let mut command = Command::new("sh");
            command.arg("-c").arg(script);
            process::run(command, &task_log, ctx)
        }),
    });
    let (mut lines, mut skipped) = (Vec::new(), 0);
    loop {
        let event = rx.recv_timeout(timeout()).expect("the run reports in time");
        match event.kind {
            // The command line comes first, as in the log (the log pane pins it at its top).
            EventKind::Command(line) => {
                assert!(lines.is_empty(), "the command comes before any output");
                lines.push(line);
            }
            EventKind::Output {
                lines: batch,
                skipped: s,
            } => {
                lines.extend(batch);
                skipped += s;
            }
            EventKind::Finished(finished) => {
                let log = std::fs::read(&log).expect("read the log");
                return (lines, skipped, log, finished.outcome);
            }
            _ => {}
        }
    }
}

#[test]
fn odd_output_is_shown_sensibly_and_logged_exactly() {
    let dir = TempDir::new("odd-output");
    let script = "printf 'bad \\377\\376 bytes\\n'; \
                  printf '\\033[1;31mred\\033[0m plain\\n'; \
                  printf '10%%\\r50%%\\r100%%\\n'; \
                  head -c 1048576 /dev/zero | tr '\\0' x";
    let (mut lines, skipped, log, outcome) = run_script(script, dir.path());
    assert_eq!(outcome, Outcome::Succeeded);
    assert_eq!(skipped, 0);
    let command = lines.remove(0);
    assert!(command.starts_with("$ sh -c "), "{command}");
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], "bad \u{fffd}\u{fffd} bytes");
    assert_eq!(lines[1], "red plain");
    assert_eq!(lines[2], "100%");
    assert!(lines[3].starts_with("xxxx") && lines[3].ends_with('…'));
    assert!(
        lines[3].len() <= output::MAX_LINE_BYTES + 4,
        "a 1 MB line is cut for display"
    );
    assert!(lines.iter().all(|l| !l.contains(['\u{1b}', '\r'])));
    // The log has every byte as printed, between the command line jobdeck writes first and
    // the line that says how the run ended (on a line of its own: the output had no final
    // newline).
    let body = &log[log.iter().position(|&b| b == b'\n').expect("header line") + 1..];
    assert!(body.starts_with(b"bad \xff\xfe bytes\n\x1b[1;31mred"));
    let ending = b"\njobdeck: exit 0\n";
    assert!(
        body.ends_with(ending),
        "{:?}",
        String::from_utf8_lossy(&body[body.len() - 40..])
    );
    let body = &body[..body.len() - ending.len()];
    assert_eq!(memchr::memchr_iter(b'x', body).count(), 1 << 20);
}
