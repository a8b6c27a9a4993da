//! jobdeck's own files against another user who can write the build root (issue 21): a
//! `lock`, `history.jsonl` or log folder planted as a symbolic link, or owned by someone else,
//! is refused with an error naming it, and what it points to is never written.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::{TempDir, available, is_root, path_arg, run_jobdeck, write_none_project};

/// A workspace with one project `src/p` and an empty build root `b` holding `.jobdeck`.
fn workspace(label: &str) -> TempDir {
    let temp = TempDir::new(label);
    write_none_project(&temp.join("src/p"));
    std::fs::create_dir_all(temp.join("b/.jobdeck/logs")).expect("jobdeck's folder");
    temp
}

fn run_on(temp: &TempDir) -> common::Run {
    run_jobdeck([
        "--headless",
        "-B",
        path_arg(&temp.join("b")),
        path_arg(&temp.join("src")),
    ])
}

fn precious(path: &Path) {
    std::fs::write(path, "precious\n").expect("the victim");
}

fn untouched(path: &Path) {
    assert_eq!(
        std::fs::read_to_string(path).expect("the victim is still there"),
        "precious\n",
        "{}",
        path.display()
    );
}

#[test]
fn a_lock_or_history_planted_as_a_link_is_refused_and_its_target_untouched() {
    for file in ["lock", "history.jsonl"] {
        let temp = workspace("planted-link");
        let victim = temp.join("victim");
        precious(&victim);
        let planted = temp.join("b/.jobdeck").join(file);
        symlink(&victim, &planted).expect("plant the link");
        let run = run_on(&temp);
        assert_eq!(run.code(), 2, "{file}: {run:?}");
        assert!(
            run.stderr.contains(&planted.display().to_string())
                && run.stderr.contains("symbolic link"),
            "{file}: {}",
            run.stderr
        );
        untouched(&victim);
    }
}

#[test]
fn jobdeck_folder_planted_as_a_link_is_refused() {
    let temp = TempDir::new("planted-folder");
    write_none_project(&temp.join("src/p"));
    let elsewhere = temp.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("the link's target");
    std::fs::create_dir_all(temp.join("b")).expect("the build root");
    symlink(&elsewhere, temp.join("b/.jobdeck")).expect("plant the link");
    let run = run_on(&temp);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("jobdeck's folder") && run.stderr.contains("symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(&elsewhere).expect("read").count(),
        0,
        "nothing is written through the link"
    );
}

#[test]
fn a_job_log_folder_planted_as_a_link_fails_the_job_and_writes_nothing_there() {
    let temp = workspace("planted-log-folder");
    let victim_dir = temp.join("victim");
    std::fs::create_dir_all(&victim_dir).expect("the victim folder");
    let victim = victim_dir.join("configure.log");
    precious(&victim);
    let planted = temp.join("b/.jobdeck/logs/p");
    symlink(&victim_dir, &planted).expect("plant the link");
    let run = run_on(&temp);
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(
        run.stdout.contains("symbolic link") && run.stdout.contains("logs/p"),
        "{}",
        run.stdout
    );
    untouched(&victim);
    assert!(!victim_dir.join("configure.log.1").exists(), "not rotated");
}

#[test]
fn a_log_file_planted_as_a_link_is_rotated_away_never_written_through() {
    let temp = workspace("planted-log-file");
    let victim = temp.join("victim");
    precious(&victim);
    std::fs::create_dir_all(temp.join("b/.jobdeck/logs/p")).expect("the job's log folder");
    symlink(&victim, temp.join("b/.jobdeck/logs/p/configure.log")).expect("plant the link");
    let run = run_on(&temp);
    assert!(matches!(run.code(), 0 | 1), "{run:?}");
    untouched(&victim);
}

#[test]
fn another_users_jobdeck_files_are_refused() {
    let test = "another_users_jobdeck_files_are_refused";
    if !available(test, is_root(), "root, to give a file to `nobody`") {
        return;
    }
    let nobody = rustix::process::Uid::from_raw(65534);
    for (what, relative) in [
        ("jobdeck's folder", ".jobdeck"),
        ("the run history", ".jobdeck/history.jsonl"),
        ("the lock file", ".jobdeck/lock"),
    ] {
        let temp = workspace("foreign");
        let path = temp.join("b").join(relative);
        if !path.exists() {
            precious(&path);
        }
        rustix::fs::chown(&path, Some(nobody), None).expect("chown to nobody");
        let run = run_on(&temp);
        assert_eq!(run.code(), 2, "{what}: {run:?}");
        assert!(
            run.stderr.contains(what)
                && run.stderr.contains(&path.display().to_string())
                && run.stderr.contains("belongs to uid 65534"),
            "{what}: {}",
            run.stderr
        );
    }
    // A job's log folder given to another user fails that job, naming it.
    let temp = workspace("foreign-log");
    let folder = temp.join("b/.jobdeck/logs/p");
    std::fs::create_dir_all(&folder).expect("the job's log folder");
    rustix::fs::chown(&folder, Some(nobody), None).expect("chown to nobody");
    let run = run_on(&temp);
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(
        run.stdout.contains("belongs to uid 65534") && run.stdout.contains("logs/p"),
        "{}",
        run.stdout
    );
}

/// `--demo` runs in a fresh folder with a random name under `$TMPDIR`, mode 0700, never one
/// named after its pid (which another user could make in advance); the demo's projects are
/// copied there, so nothing (not even `e`) edits the repository's own; and the folder is
/// gone after the demo.
#[test]
fn the_demo_runs_in_a_fresh_private_folder_with_its_own_copy_of_the_projects() {
    use std::os::unix::fs::PermissionsExt;
    let test = "the_demo_runs_in_a_fresh_private_folder_with_its_own_copy_of_the_projects";
    if !common::cmake_available(test) {
        return;
    }
    let tmp = TempDir::new("demo-tmpdir");
    let run = common::Streaming::start_with_env(
        ["--demo", "--headless", "-j2"],
        "none",
        &[("TMPDIR", tmp.path().as_os_str())],
    );
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| {
        (line.starts_with("ok ") || line.starts_with("failed ")) && line.contains("debug/")
    });
    // The compilers the demo runs keep their own temporaries in TMPDIR too.
    let demo_folders = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(tmp.path())
            .expect("read TMPDIR")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| {
                path.file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("jobdeck-demo-"))
            })
            .collect()
    };
    let folders = demo_folders();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = &folders[0];
    let name = folder.file_name().expect("a name").to_string_lossy();
    assert_ne!(name, format!("jobdeck-demo-{}", run.child.id()));
    let mode = std::fs::metadata(folder)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let projects = folder.join("projects");
    assert!(projects.join("broken/CMakeLists.txt").is_file());
    let log =
        std::fs::read_to_string(folder.join("build/.jobdeck/logs/debug/broken/configure.log"))
            .expect("the configure log of the demo's broken project");
    assert!(
        log.lines()
            .next()
            .is_some_and(|line| line.contains(&projects.join("broken").display().to_string())),
        "configured from the copy: {log}"
    );
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(!folder.exists(), "the demo's folder is removed at exit");
    assert!(demo_folders().is_empty());
}

/// `--junit`, `--report` and `--trace` are opened as the logs are: never through a symbolic
/// link, and never in a folder other users can write unless it is sticky and the file is
/// jobdeck's. Each refusal is a start-up error (exit 2) naming the file; nothing is written
/// through the link. Run as root, one of them once overwrote a root-only file through a link
/// in a folder of `nobody`'s, and made a root-owned file through a dangling one.
#[test]
fn report_files_are_never_written_through_a_link_or_into_another_users_folder() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let test = "report_files_are_never_written_through_a_link_or_into_another_users_folder";
    if !available(test, is_root(), "root, to give a folder to `nobody`") {
        return;
    }
    let nobody = rustix::process::Uid::from_raw(65534);
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    for flag in ["--junit", "--report", "--trace"] {
        let temp = workspace("report-files");
        let run_with = |file: &Path| {
            run_jobdeck([
                "--headless",
                flag,
                path_arg(file),
                "-B",
                path_arg(&temp.join("b")),
                path_arg(&temp.join("src")),
            ])
        };
        let refused = |file: &Path, why: &str| {
            let run = run_with(file);
            assert_eq!(run.code(), 2, "{flag} {}: {run:?}", file.display());
            assert!(
                run.stderr.contains(&file.display().to_string()) && run.stderr.contains(why),
                "{flag}: {}",
                run.stderr
            );
        };
        let victim = temp.join("victim");
        precious(&victim);
        // A link in a folder of another user's.
        let shared = temp.join("shared");
        std::fs::create_dir(&shared).expect("the shared folder");
        rustix::fs::chown(&shared, Some(nobody), None).expect("chown to nobody");
        symlink(&victim, shared.join("out")).expect("plant the link");
        refused(&shared.join("out"), "uid 65534");
        untouched(&victim);
        // A dangling link in another user's private folder.
        let private = temp.join("private");
        std::fs::create_dir(&private).expect("the private folder");
        mode(&private, 0o700);
        rustix::fs::chown(&private, Some(nobody), None).expect("chown to nobody");
        let target = temp.join("made");
        symlink(&target, private.join("out")).expect("plant the dangling link");
        refused(&private.join("out"), "uid 65534");
        assert!(
            !target.exists(),
            "{flag}: a file was made through the dangling link"
        );
        // A link in jobdeck's own user's folder is not followed either.
        let mine = temp.join("mine");
        std::fs::create_dir(&mine).expect("own folder");
        symlink(&victim, mine.join("out")).expect("the link");
        refused(&mine.join("out"), "symbolic link");
        untouched(&victim);
        // A folder everyone can write, not sticky: refused.
        let open = temp.join("open");
        std::fs::create_dir(&open).expect("the open folder");
        mode(&open, 0o777);
        refused(&open.join("out"), "other users can write");
        // Sticky (as /tmp): another user's file is refused, a new one is jobdeck's own.
        let sticky = temp.join("sticky");
        std::fs::create_dir(&sticky).expect("the sticky folder");
        mode(&sticky, 0o1777);
        let theirs = sticky.join("theirs");
        precious(&theirs);
        rustix::fs::chown(&theirs, Some(nobody), None).expect("chown to nobody");
        refused(&theirs, "uid 65534");
        untouched(&theirs);
        let ours = sticky.join("ours");
        let run = run_with(&ours);
        assert_eq!(run.code(), 0, "{flag}: {run:?}");
        let meta = std::fs::symlink_metadata(&ours).expect("the report was written");
        assert!(
            meta.is_file() && meta.len() > 0 && meta.uid() == 0,
            "{flag}"
        );
    }
}
