//! What jobdeck's processes hold and share: descriptors it inherited never reach a job, a
//! build root serves one jobdeck at a time, and a watchdog that dies is replaced.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    Streaming, TempDir, live_group_members, processes, run_command, run_jobdeck, wait_until,
    write_none_project,
};

/// A stand-in for cmake that writes the descriptors it holds, one per line, to `$FDS`.
fn fd_listing_cmake(dir: &Path) -> PathBuf {
    let script = dir.join("list-fds");
    std::fs::write(&script, "#!/bin/sh\nls /proc/$$/fd > \"$FDS\"\n").expect("write the script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// `program args…` run by a shell that first opens descriptor 251 without close-on-exec, as
/// a build system's jobserver pipe or a shell's redirection would be.
fn with_inherited_fd_251(program: &Path, args: &[&Path]) -> Command {
    // bash: dash takes only one-digit descriptors in a redirection.
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg("exec 251</dev/null; exec \"$0\" \"$@\"")
        .arg(program)
        .args(args);
    command
}

fn descriptors(listing: &Path) -> Vec<String> {
    std::fs::read_to_string(listing)
        .expect("the script ran")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_descriptor_jobdeck_inherited_never_reaches_a_job() {
    let temp = TempDir::new("inherited-fd");
    let (ws, build, listing) = (temp.join("ws"), temp.join("build"), temp.join("fds"));
    write_none_project(&ws.join("p"));
    let script = fd_listing_cmake(temp.path());

    // The setup really does hand descriptor 251 down: run the script the same way directly.
    let direct = run_command({
        let mut command = with_inherited_fd_251(&script, &[]);
        command.env("FDS", &listing);
        command
    });
    assert_eq!(direct.code(), 0, "{direct:?}");
    assert!(descriptors(&listing).contains(&"251".to_string()));

    let jobdeck = Path::new(env!("CARGO_BIN_EXE_jobdeck"));
    let mut command = with_inherited_fd_251(
        jobdeck,
        &[
            Path::new("--headless"),
            Path::new("--cmake"),
            &script,
            &ws,
            Path::new("-B"),
            &build,
        ],
    );
    command.env("FDS", &listing);
    let run = run_command(command);
    assert_eq!(run.code(), 0, "{run:?}");
    let held = descriptors(&listing);
    assert!(
        !held.contains(&"251".to_string()),
        "the job holds jobdeck's inherited descriptor: {held:?}"
    );
}

/// A stand-in for cmake that waits until `release` exists (the job holds its worker till then).
fn waiting_cmake(dir: &Path, release: &Path) -> PathBuf {
    let script = dir.join("wait-for-release");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n",
            release.display()
        ),
    )
    .expect("write the script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

#[test]
fn a_second_jobdeck_on_a_build_root_in_use_exits_2_naming_the_first() {
    let temp = TempDir::new("build-root-lock");
    let (ws, build, release) = (temp.join("ws"), temp.join("build"), temp.join("release"));
    write_none_project(&ws.join("p"));
    let script = waiting_cmake(temp.path(), &release);
    let args = |extra: &[&Path]| {
        let mut args: Vec<PathBuf> = ["--json", "--cmake"].iter().map(PathBuf::from).collect();
        args.push(script.clone());
        args.extend(extra.iter().map(|p| p.to_path_buf()));
        args
    };
    let first = Streaming::start(args(&[&ws, Path::new("-B"), &build]));
    let mut seen = Vec::new();
    first.wait_for_line(&mut seen, |line| line.contains("\"started\""));

    let second = run_jobdeck(args(&[&ws, Path::new("-B"), &build]));
    assert_eq!(second.code(), 2, "{second:?}");
    let pid = first.child.id();
    assert!(
        second
            .stderr
            .contains(&format!("in use by another jobdeck (pid {pid})")),
        "{second:?}"
    );
    // Another build root is free meanwhile.
    let other = run_jobdeck([
        Path::new("--json"),
        Path::new("--cmake"),
        Path::new("true"),
        &ws,
        Path::new("-B"),
        &temp.join("other"),
    ]);
    assert_eq!(other.code(), 0, "{other:?}");

    std::fs::write(&release, "").expect("release the job");
    let (status, stderr) = first.finish(&mut seen);
    assert!(status.success(), "{stderr} {seen:?}");
    let third = run_jobdeck(args(&[&ws, Path::new("-B"), &build]));
    assert_eq!(
        third.code(),
        0,
        "free again once the first ended: {third:?}"
    );
}

/// The live watchdog processes whose parent is `jobdeck`.
fn watchdogs_of(jobdeck: u32) -> Vec<i32> {
    processes()
        .into_iter()
        .filter(|p| {
            p.ppid == i32::try_from(jobdeck).expect("a pid")
                && p.state != 'Z'
                && p.cmdline.contains("--internal-watchdog")
        })
        .map(|p| p.pid)
        .collect()
}

fn kill9(pid: i32) {
    let status = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

#[test]
fn a_dead_watchdog_is_replaced_and_the_new_one_still_stops_the_jobs_after_a_sigkill() {
    let temp = TempDir::new("watchdog-restart");
    let (ws, build, release) = (temp.join("ws"), temp.join("build"), temp.join("release"));
    write_none_project(&ws.join("p"));
    let script = waiting_cmake(temp.path(), &release);
    let mut args: Vec<PathBuf> = ["--json", "--cmake"].iter().map(PathBuf::from).collect();
    args.extend([script.clone(), ws, PathBuf::from("-B"), build]);
    let jobdeck = Streaming::start(&args);
    let mut seen = Vec::new();
    jobdeck.wait_for_line(&mut seen, |line| line.contains("\"started\""));
    let pid = jobdeck.child.id();
    // `started` comes when a worker takes the run, a moment before the process exists. Until
    // it runs the script, the child is a copy of jobdeck, whose own command line names the
    // script too, still in jobdeck's process group: the job is the leader of a group of its
    // own, running the script.
    let job = || {
        processes().into_iter().find(|p| {
            p.ppid == i32::try_from(pid).expect("a pid")
                && p.pgid == p.pid
                && p.comm != "jobdeck"
                && p.cmdline.contains("wait-for-release")
        })
    };
    assert!(wait_until(|| job().is_some()), "the job never ran");
    let job_group = job().expect("the job runs").pgid;

    let first = watchdogs_of(pid);
    assert_eq!(first.len(), 1, "{first:?}");
    kill9(first[0]);
    let mut replaced = Vec::new();
    assert!(
        wait_until(|| {
            replaced = watchdogs_of(pid);
            replaced.len() == 1 && replaced != first
        }),
        "no new watchdog: {replaced:?}"
    );

    // The new watchdog knows the running job: jobdeck's SIGKILL does not orphan it.
    kill9(i32::try_from(pid).expect("a pid"));
    let (status, _) = jobdeck.finish(&mut seen);
    assert!(!status.success());
    assert!(
        wait_until(|| live_group_members(job_group).is_empty()),
        "the job outlived jobdeck: {:?}",
        live_group_members(job_group)
    );
}

/// A project whose configure starts a daemon with a cleared environment in a session of its
/// own, as `sleep <seconds>`, and then waits for `release` unless it is empty.
fn daemon_project(dir: &Path, seconds: &str, release: &str) {
    common::write_project(
        dir,
        &format!(
            "execute_process(COMMAND sh -c \"env -i setsid -f sleep {seconds} \
             </dev/null >/dev/null 2>&1\")\n\
             while(NOT \"{release}\" STREQUAL \"\" AND NOT EXISTS \"{release}\")\n\
             \x20 execute_process(COMMAND sleep 0.05)\nendwhile()\n"
        ),
    );
}

fn live_sleeps(seconds: &str) -> Vec<common::ProcessInfo> {
    let cmdline = format!("sleep {seconds}");
    common::processes()
        .into_iter()
        .filter(|p| p.state != 'Z' && p.cmdline.trim_end() == cmdline)
        .collect()
}

/// Orphans re-parented to jobdeck (it is the subreaper), whatever their environment, are
/// stopped when their run ends (here in watch mode, with jobdeck still running) and when the
/// session ends in the middle of a run.
#[test]
fn daemons_that_left_the_group_and_cleared_their_environment_end_with_the_run() {
    let test = "daemons_that_left_the_group_and_cleared_their_environment_end_with_the_run";
    if !common::cmake_available(test) {
        return;
    }
    let temp = TempDir::new("orphan-daemons");
    // A length no other process uses, so the test finds its own.
    let seconds = format!("1000.{}", std::process::id());
    daemon_project(&temp.join("ws/p"), &seconds, "");
    let run = common::Streaming::start([
        "--headless",
        "--watch",
        "-B",
        common::path_arg(&temp.join("build")),
        common::path_arg(&temp.join("ws")),
    ]);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| line.starts_with("ok "));
    let gone = common::wait_until(|| live_sleeps(&seconds).is_empty());
    let left = live_sleeps(&seconds);
    for sleep in &left {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(sleep.pid).expect("a pid"),
            rustix::process::Signal::KILL,
        );
    }
    assert!(gone, "the run ended but its daemon lives: {left:?}");
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}");

    // Interrupted while the configure still runs: the daemon goes with the session.
    let temp = TempDir::new("orphan-daemons-interrupted");
    let seconds = format!("1001.{}", std::process::id());
    let release = temp.join("never");
    daemon_project(&temp.join("ws/p"), &seconds, common::path_arg(&release));
    let run = common::Streaming::start([
        "--headless",
        "-B",
        common::path_arg(&temp.join("build")),
        common::path_arg(&temp.join("ws")),
    ]);
    assert!(
        common::wait_until(|| !live_sleeps(&seconds).is_empty()),
        "the daemon starts"
    );
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}");
    let left = live_sleeps(&seconds);
    for sleep in &left {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(sleep.pid).expect("a pid"),
            rustix::process::Signal::KILL,
        );
    }
    assert!(
        left.is_empty(),
        "the session ended but the daemon lives: {left:?}"
    );
}
