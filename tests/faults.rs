//! Trust under faults (issue 5): output floods, odd output, odd and unwritable folders, a
//! full disk, timeouts, and a stress run of thousands of short jobs with random cancels and
//! re-runs that must leave no process behind.
//!
//! Everything here is real: the real binary, real cmake, real processes, a real (tiny) tmpfs.
//! Tests that need root (mounting, switching to `nobody`) skip loudly without it, but fail
//! under `CI=true`, where `.ci/run` runs as root.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    JOBDECK, MARKER_VAR, TempDir, cmake_available, engine, live_processes_with_marker, run_command,
    run_jobdeck, timeout, wait_until,
};
use jobdeck::app::{Action, Effect, Model, Msg, update};
use jobdeck::engine::{EngineEvent, EventKind, JobId, Outcome, WorkItem, output, process};
use jobdeck::jobs::JobKind;

/// Whether a test that needs `what` can run; without it, skip loudly, or fail under CI.
fn available(test: &str, ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {what} is required under CI=true"
    );
    eprintln!("\n*** SKIPPED {test}: {what} ***\n");
    false
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn write_project(dir: &Path, body: &str) {
    std::fs::create_dir_all(dir).expect("create project folder");
    let text = format!("cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n{body}\n");
    std::fs::write(dir.join("CMakeLists.txt"), text).expect("write CMakeLists.txt");
}

fn jobdeck_json(args: &[&str]) -> Vec<serde_json::Value> {
    let run = run_jobdeck(args);
    assert!(matches!(run.code(), 0 | 1), "{run:?}");
    run.json()
}

fn finished_by_job(events: &[serde_json::Value]) -> HashMap<String, serde_json::Value> {
    events
        .iter()
        .filter(|e| e["event"] == "finished")
        .map(|e| (e["job"].as_str().expect("job name").to_string(), e.clone()))
        .collect()
}

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
    let mut child = Command::new(JOBDECK)
        .args(["--headless", "--json", "-j1"])
        .arg(dir.path())
        .arg("-B")
        .arg(&build)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start jobdeck");
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
    assert!(status.success(), "{status:?}");
    assert!(peak > 0, "could read jobdeck's memory");
    assert!(peak < 100 * 1024, "peak RSS {peak} KiB is over 100 MB");
    let log = std::fs::read(build.join(".jobdeck/logs/flood/configure.log")).expect("read the log");
    let full = log
        .split(|&b| b == b'\n')
        .filter(|l| *l == FLOOD_LINE.as_bytes())
        .count();
    assert_eq!(full, FLOOD_LINES, "every flooded line is in the log");
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

#[test]
fn timeout_kills_the_whole_group_and_reports_timeout() {
    if !cmake_available("timeout") {
        return;
    }
    let dir = TempDir::new("timeout");
    write_project(&dir.join("hangs"), "execute_process(COMMAND sleep 60)");
    write_project(&dir.join("quick"), "");
    let marker = format!("timeout-{}", std::process::id());
    let mut command = Command::new(JOBDECK);
    command
        .args(["--headless", "--json", "--timeout", "1", "-j2"])
        .arg(dir.path())
        .env(MARKER_VAR, &marker);
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    assert_eq!(finished["hangs"]["status"], "timeout");
    assert_eq!(finished["quick"]["status"], "ok");
    assert!(
        live_processes_with_marker(&marker).is_empty(),
        "the sleep was killed"
    );
}

#[test]
fn a_project_deleted_after_discovery_fails_with_a_clear_error() {
    let dir = TempDir::new("deleted");
    let spec = jobdeck::jobs::JobSpec::Cmake {
        job: jobdeck::jobs::cmake::CmakeJob {
            source: dir.join("gone"),
            build_dir: dir.join("build/gone"),
            log: dir.join("logs/gone.log"),
            stage: jobdeck::jobs::Stage::Configure,
            options: Vec::new(),
        },
        settings: std::sync::Arc::new(jobdeck::jobs::cmake::CmakeSettings {
            program: "cmake".into(),
            generator: None,
            defines: Vec::new(),
            build_type: "Debug".into(),
            build_jobs: 1,
            probes: None,
        }),
    };
    let (engine, rx) = engine(1);
    let run = jobdeck::engine::RunId(7);
    engine.submit(WorkItem {
        job: JobId(0),
        run,
        timeout: None,
        task: spec.task(),
    });
    let finished = loop {
        let event = rx.recv_timeout(timeout()).expect("the run reports");
        if let EventKind::Finished(finished) = event.kind {
            break finished;
        }
    };
    assert_eq!(
        jobdeck::app::JobState::from_outcome(&finished.outcome).word(),
        "failed"
    );
    let error = finished.error.expect("an error summary");
    assert!(
        error.contains("no longer holds a CMakeLists.txt"),
        "{error}"
    );
}

#[test]
fn ten_thousand_folders_are_searched_and_their_projects_found() {
    let dir = TempDir::new("many-folders");
    for i in 0..10_000 {
        let sub = dir.join(format!("d{:02}/e{i:05}", i % 100));
        std::fs::create_dir_all(&sub).expect("create folder");
        if i % 2_500 == 0 {
            std::fs::write(sub.join("CMakeLists.txt"), "").expect("write project");
        }
    }
    let found = jobdeck::jobs::discovery::discover(dir.path(), &dir.join("build"));
    let names: Vec<&str> = found.projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["d00/e00000", "d00/e02500", "d00/e05000", "d00/e07500"]
    );
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
}

/// A command that runs jobdeck as the unprivileged user `nobody`, so permission bits apply.
fn as_nobody(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(JOBDECK)
        .args(args)
        .arg(dir);
    command
}

/// A fresh folder everyone may use, for a test that runs jobdeck as `nobody`; `None` (after
/// a loud skip, or a failure under CI) without cmake or root.
fn nobody_workspace(test: &str, label: &str) -> Option<TempDir> {
    if !cmake_available(test) || !available(test, is_root(), "root, to run as `nobody`") {
        return None;
    }
    let dir = TempDir::new(label);
    open_to_everyone(dir.path());
    Some(dir)
}

fn open_to_everyone(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
}

#[test]
fn an_unreadable_folder_is_a_warning_and_the_rest_run() {
    use std::os::unix::fs::PermissionsExt;
    let Some(dir) = nobody_workspace("unreadable_folder", "unreadable") else {
        return;
    };
    write_project(&dir.join("fine"), "");
    write_project(&dir.join("locked/inner"), "");
    let locked = dir.join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let run = run_command(as_nobody(
        &["--headless", "--json", "-B", "/tmp"],
        dir.path(),
    ));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // `-B /tmp` is writable by nobody; the build folder goes to /tmp/fine.
    let _ = std::fs::remove_dir_all("/tmp/fine");
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stderr.contains("warning: skipped") && run.stderr.contains("locked"),
        "{run:?}"
    );
    let finished = finished_by_job(&run.json());
    assert_eq!(finished.len(), 1);
    assert_eq!(finished["fine"]["status"], "ok");
}

#[test]
fn a_read_only_build_root_fails_each_job_with_a_clear_message() {
    use std::os::unix::fs::PermissionsExt;
    let Some(dir) = nobody_workspace("read_only_build_root", "read-only") else {
        return;
    };
    write_project(&dir.join("a"), "");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).expect("create log folder");
    open_to_everyone(&logs);
    let build = dir.join("build");
    std::fs::create_dir_all(&build).expect("create build root");
    std::fs::set_permissions(&build, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let logs_arg = logs.to_string_lossy().into_owned();
    let run = run_command(as_nobody(
        &["--headless", "--json", "--log-dir", &logs_arg],
        dir.path(),
    ));
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    assert_eq!(finished["a"]["status"], "failed");
    let error = finished["a"]["error"].as_str().expect("an error summary");
    assert!(
        !error.is_empty() && !error.starts_with("cmake exited"),
        "the summary is cmake's own error: {error}"
    );
    assert!(
        logs.join("a/configure.log").is_file(),
        "the log of the failure was kept"
    );
}

#[test]
fn an_unwritable_log_folder_fails_the_job_with_a_clear_message() {
    if !cmake_available("unwritable_log_folder") {
        return;
    }
    let dir = TempDir::new("unwritable-logs");
    write_project(&dir.join("a"), "");
    // A log folder below a regular file cannot be created, even by root.
    std::fs::write(dir.join("file"), "").expect("write file");
    let logs = dir.join("file/logs");
    let events = jobdeck_json(&[
        "--headless",
        "--json",
        dir.path().to_str().expect("utf-8 temp path"),
        "--log-dir",
        logs.to_str().expect("utf-8 temp path"),
    ]);
    let finished = finished_by_job(&events);
    assert_eq!(finished["a"]["status"], "failed");
    let error = finished["a"]["error"].as_str().expect("an error summary");
    assert!(
        error.starts_with("cannot write log") && error.contains("file/logs/a/configure.log"),
        "{error}"
    );
}

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct SmallDisk(TempDir);

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = TempDir::new("small-disk");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_fails_the_job_that_hits_it_and_keeps_what_was_written() {
    let test = "full_disk";
    if !cmake_available(test) {
        return;
    }
    let disk = if is_root() {
        SmallDisk::mount("256k")
    } else {
        None
    };
    if !available(test, disk.is_some(), "root, to mount a 256 KiB tmpfs") {
        return;
    }
    let disk = disk.expect("checked");
    let dir = TempDir::new("full-disk");
    write_project(&dir.join("a-small"), "message(STATUS \"small output\")");
    let flood = "execute_process(COMMAND sh -c \"head -c 1000000 /dev/zero | tr '\\\\0' x\")";
    write_project(&dir.join("b-big"), flood);
    let logs = disk.0.path().to_str().expect("utf-8 temp path").to_string();
    let events = jobdeck_json(&[
        "--headless",
        "--json",
        "-j1",
        dir.path().to_str().expect("utf-8 temp path"),
        "--log-dir",
        &logs,
    ]);
    let finished = finished_by_job(&events);
    assert_eq!(finished["a-small"]["status"], "ok");
    assert_eq!(finished["b-big"]["status"], "failed");
    let error = finished["b-big"]["error"]
        .as_str()
        .expect("an error summary");
    assert!(error.contains("No space left on device"), "{error}");
    let small =
        std::fs::read_to_string(disk.0.join("a-small/configure.log")).expect("first log kept");
    assert!(small.contains("small output"), "{small}");
}

/// xorshift64: deterministic choices without a dependency.
struct Choices(u64);

impl Choices {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % below as u64).expect("fits")
    }
}

#[test]
fn thousands_of_short_runs_with_random_cancels_and_reruns_end_once_and_leave_no_process() {
    const JOBS: usize = 2_000;
    const RERUNS: usize = 300;
    let dir = TempDir::new("stress");
    let marker = format!("stress-{}", std::process::id());
    let (engine, rx) = engine(4);
    // Every 40th job would sleep for a minute: only a cancel can end it.
    let is_long = |job: JobId| job.0 % 40 == 7;
    let submit = |job: JobId, run| {
        let (log, marker) = (dir.join(format!("logs/{}.log", job.0)), marker.clone());
        let script = if is_long(job) { "sleep 60" } else { "true" };
        engine.submit(WorkItem {
            job,
            run,
            timeout: None,
            task: Box::new(move |ctx| {
                let mut command = Command::new("sh");
                command.arg("-c").arg(script).env(MARKER_VAR, marker);
                process::run(command, &log, ctx)
            }),
        });
    };
    let names = (0..JOBS)
        .map(|i| (format!("job{i}"), JobKind::Words))
        .collect();
    let mut model = Model::new(names, 4, Instant::now());
    let mut choices = Choices(0x9E37_79B9_7F4A_7C15);
    let (mut started, mut finished) = (HashMap::new(), HashMap::new());
    let mut reruns = 0;
    let mut pending = model.start();
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Start { job, run } => submit(job, run),
                Effect::Cancel(run) => engine.cancel(run),
                Effect::Withdraw { job, run } => engine.withdraw(job, run),
                Effect::SetWorkers(n) => engine.set_workers(n).expect("the pool grows"),
                Effect::OpenPager { .. }
                | Effect::OpenEditor { .. }
                | Effect::SetWatch(_)
                | Effect::SetOptions { .. }
                | Effect::Copy(_)
                | Effect::Suspend
                | Effect::Exit => {}
            }
        }
        if model.is_idle() {
            break;
        }
        let event: EngineEvent = rx
            .recv_timeout(timeout())
            .expect("the pool keeps reporting");
        match &event.kind {
            EventKind::Started { .. } => *started.entry(event.run).or_insert(0) += 1,
            EventKind::Finished(_) => *finished.entry(event.run).or_insert(0) += 1,
            _ => {}
        }
        let (job, was_start) = (event.job, matches!(event.kind, EventKind::Started { .. }));
        pending.extend(update(&mut model, Msg::Engine(event)));
        let act = |model: &mut Model, action| update(model, Msg::Action(action));
        if was_start && is_long(job) {
            pending.extend(act(&mut model, Action::Select(job.0 as usize)));
            pending.extend(act(&mut model, Action::Cancel));
        }
        match choices.next(10) {
            0 => {
                pending.extend(act(&mut model, Action::Select(choices.next(JOBS))));
                pending.extend(act(&mut model, Action::Cancel));
            }
            1 if reruns < RERUNS => {
                reruns += 1;
                pending.extend(act(&mut model, Action::Select(choices.next(JOBS))));
                pending.extend(act(&mut model, Action::Rerun));
            }
            _ => {}
        }
    }
    assert!(
        reruns > 0 && started.len() > JOBS / 2,
        "the run did real work"
    );
    for (run, count) in &started {
        assert_eq!(*count, 1, "{run:?} started once");
        assert_eq!(finished.get(run), Some(&1), "{run:?} finished exactly once");
    }
    assert!(finished.values().all(|&n| n == 1), "no run finished twice");
    assert_eq!(model.counts().total(), JOBS);
    drop(engine);
    assert!(
        wait_until(|| live_processes_with_marker(&marker).is_empty()),
        "no process of any run survives"
    );
    let me = i32::try_from(std::process::id()).expect("pid fits");
    // Only this test's programs count: the other tests of this binary run jobdeck and cmake
    // concurrently, and since an engine makes this process a subreaper, the orphans of a
    // jobdeck they SIGKILL come here too.
    let zombies: Vec<_> = common::processes()
        .into_iter()
        .filter(|p| p.ppid == me && p.state == 'Z')
        .filter(|p| matches!(p.comm.as_str(), "sh" | "sleep" | "true"))
        .collect();
    assert!(zombies.is_empty(), "every child was reaped: {zombies:#?}");
}

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
    let mut child = Command::new(JOBDECK)
        .args([
            "--headless",
            "--no-cmake",
            "--nice",
            "7",
            "-j1",
            "--words",
            "1",
        ])
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
    let args = ["--headless", "--no-cmake", "--nice", "-5", "--words", "2"];
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

#[test]
fn pseudoword_tasks_obey_the_timeout_and_leave_no_file() {
    let dir = TempDir::new("words-timeout");
    let out = dir.join("words");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--json".as_ref(),
        "--no-cmake".as_ref(),
        "--words".as_ref(),
        "2".as_ref(),
        "--words-per-task".as_ref(),
        "4000000000".as_ref(),
        "--timeout".as_ref(),
        "0.3".as_ref(),
        "--words-out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = finished_by_job(&run.json());
    assert_eq!(finished["output0"]["status"], "timeout");
    assert_eq!(finished["output1"]["status"], "timeout");
    let left = std::fs::read_dir(&out).map_or(0, Iterator::count);
    assert_eq!(left, 0, "no final or temporary file is left");
}

#[test]
fn a_sigkilled_session_leaves_no_child_and_a_readable_history() {
    if !cmake_available("sigkill_history") {
        return;
    }
    let dir = TempDir::new("sigkill");
    write_project(&dir.join("a-quick"), "");
    write_project(&dir.join("b-quick"), "");
    write_project(
        &dir.join("c-hangs"),
        "message(STATUS \"before the hang\")\nexecute_process(COMMAND sleep 60)",
    );
    let marker = format!("sigkill-{}", std::process::id());
    let hang_log = dir.join("build/.jobdeck/logs/c-hangs/configure.log");
    let hang_logged =
        || std::fs::read_to_string(&hang_log).is_ok_and(|log| log.contains("-- before the hang"));
    let history = dir.join("build/.jobdeck/history.jsonl");
    let mut child = Command::new(JOBDECK)
        .args(["--headless", "-j1"])
        .arg(dir.path())
        .env(MARKER_VAR, &marker)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start jobdeck");
    let records = || std::fs::read_to_string(&history).map_or(0, |h| h.lines().count());
    let hangs_started = || {
        live_processes_with_marker(&marker)
            .iter()
            .any(|p| p.comm == "sleep")
    };
    assert!(
        wait_until(|| records() == 2 && hangs_started()),
        "two runs ended, one hangs"
    );
    // The log of the hung configure is on disk while it runs (it once waited in an 8 KB
    // buffer until the run ended, and a SIGKILL lost it)...
    assert!(
        wait_until(hang_logged),
        "the running job's output is not in its log"
    );
    child.kill().expect("SIGKILL jobdeck");
    child.wait().expect("reap jobdeck");
    // jobdeck cannot catch SIGKILL; its watchdog sees the pipe close and stops the job's
    // process group (the watchdog carries the marker too, and leaves when done).
    let gone = wait_until(|| live_processes_with_marker(&marker).is_empty());
    for process in live_processes_with_marker(&marker) {
        let pid = rustix::process::Pid::from_raw(process.pid).expect("a real pid");
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
    assert!(gone, "no process of the killed session survives it");
    // ... and stays there after jobdeck's SIGKILL.
    assert!(hang_logged());
    let last = jobdeck::history::read_last_runs(&history);
    assert!(last.warnings.is_empty(), "{:?}", last.warnings);
    assert_eq!(last.status("a-quick", Some("configure")), Some("ok"));
    assert_eq!(last.status("b-quick", Some("configure")), Some("ok"));
    // The next start reads it without complaint: nothing failed, so nothing to re-run.
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--rerun-failed".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stderr.contains("nothing to re-run") && !run.stderr.contains("unreadable"));
}
