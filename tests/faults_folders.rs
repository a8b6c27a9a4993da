//! Trust under faults (issue 5), folders: a project deleted after discovery, ten thousand
//! folders, unreadable and read-only folders, an unwritable log folder, a full disk.
//!
//! Everything here is real: the real binary, real cmake, real processes, a real (tiny) tmpfs.
//! Tests that need root (mounting, switching to `nobody`) skip loudly without it, but fail
//! under `CI=true`, where `.ci/run` runs as root.

mod common;

use std::process::Command;

use common::{
    TempDir, as_nobody, available, cmake_available, engine, finished_by_job, is_root, jobdeck_json,
    nobody_workspace, open_to_everyone, run_command, timeout, write_project,
};
use jobdeck::engine::{EventKind, JobId, WorkItem};

#[test]
fn a_project_deleted_after_discovery_fails_with_a_clear_error() {
    let dir = TempDir::new("deleted");
    let spec = jobdeck::jobs::JobSpec::new(jobdeck::jobs::cmake::CmakeSpec {
        job: jobdeck::jobs::cmake::CmakeJob {
            source: dir.join("gone"),
            build_dir: dir.join("build/gone"),
            log: dir.join("logs/gone.log"),
            stage: jobdeck::jobs::cmake::Step::Configure,
            options: Vec::new(),
            only_tests: Vec::new(),
        },
        settings: std::sync::Arc::new(jobdeck::jobs::cmake::CmakeSettings {
            program: "cmake".into(),
            generator: None,
            defines: Vec::new(),
            build_type: "Debug".into(),
            build_jobs: Some(1),
            probes: None,
            ctest_junit: false,
            test_retries: 0,
            rerun_failed_tests: false,
        }),
    });
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
