//! `jobdeck run`'s command line as a user of just, make or GNU parallel meets it: job names
//! after `run` pick jobs of the `jobdeck.toml` with what they depend on, `--help` shows
//! `run`'s own forms, the options only CMake projects use are refused (not ignored), and
//! `--mem-free` holds commands back as it holds builds. The real binary, real `sh`.

mod common;

use std::process::Stdio;

use common::commands::run_in;
use common::{TempDir, jobdeck, wait_until};
use jobdeck::engine::memory::MEMINFO_OVERRIDE;

/// lint; build[a], build[b]; test after the builds and lint; deploy after test; docs alone.
/// Each job touches a file named after its row.
const FILE: &str = r#"
[jobs.lint]
cmd = "touch ran-lint"

[jobs.build]
cmd = "touch ran-build-{}"
each = ["a", "b"]

[jobs.test]
cmd = "touch ran-test"
deps = ["build", "lint"]

[jobs.deploy]
cmd = "touch ran-deploy"
deps = ["test"]

[jobs.docs]
cmd = "touch ran-docs"
"#;

/// The `ran-*` files in `folder`, sorted.
fn ran(folder: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("read the folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("ran-"))
        .collect();
    names.sort();
    names
}

#[test]
fn named_jobs_run_with_what_they_depend_on_and_nothing_else() {
    let temp = TempDir::new("run-names");
    std::fs::write(temp.join("jobdeck.toml"), FILE).expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["test"]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(
        ran(temp.path()),
        ["ran-build-a", "ran-build-b", "ran-lint", "ran-test"],
        "{run:?}"
    );
    // One row of an `each`, and a job with no dependencies, side by side.
    let again = TempDir::new("run-names-row");
    std::fs::write(again.join("jobdeck.toml"), FILE).expect("write jobdeck.toml");
    let run = run_in(again.path(), &["build[b]", "docs", "--list"]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), ["build[b]", "docs"]);
    assert!(ran(again.path()).is_empty(), "--list ran something");
}

#[test]
fn an_unknown_job_name_is_refused_with_the_jobs_there_are_and_nothing_runs() {
    let temp = TempDir::new("run-unknown");
    std::fs::write(temp.join("jobdeck.toml"), FILE).expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["tset"]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr
            .contains("no job is named `tset` (its jobs: `lint`, `build`, `test`"),
        "{}",
        run.stderr
    );
    assert!(ran(temp.path()).is_empty());
    // Without a jobdeck.toml a word after `run` is no job, and no folder either.
    let bare = TempDir::new("run-no-toml");
    let run = run_in(bare.path(), &["echo"]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("there is none here") && run.stderr.contains("after `--`"),
        "{}",
        run.stderr
    );
}

#[test]
fn runs_help_shows_its_own_forms() {
    let mut command = jobdeck();
    command.args(["run", "--help"]);
    let run = common::run_command(command);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stdout.contains(
            "Usage: jobdeck run [OPTIONS] -- COMMAND [ARGS]... [::: INPUTS... | :::: FILE]..."
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("[JOB]..."), "{}", run.stdout);
    assert!(
        !run.stdout.contains("Finds the CMake projects"),
        "{}",
        run.stdout
    );
}

#[test]
fn options_only_cmake_projects_use_are_refused_not_ignored() {
    let temp = TempDir::new("run-cmake-flags");
    for flag in [
        &["--build"][..],
        &["--test"],
        &["-D", "X=1"],
        &["--demo"],
        &["--cmake", "cmake"],
    ] {
        let mut args: Vec<&str> = flag.to_vec();
        args.extend(["--", "touch", "ran-{}", ":::", "x"]);
        let run = run_in(temp.path(), &args);
        assert_eq!(run.code(), 2, "{flag:?}: {run:?}");
        assert!(
            run.stderr.contains("is for CMake projects"),
            "{flag:?}: {}",
            run.stderr
        );
        assert!(ran(temp.path()).is_empty(), "{flag:?} ran the command");
    }
}

/// `--mem-free` holds a command back while memory is short (it once ran regardless: only
/// builds and tests were held), says so once, and runs it when memory is back.
#[test]
fn mem_free_holds_commands_until_memory_is_available() {
    let temp = TempDir::new("run-mem-free");
    let meminfo = temp.join("meminfo");
    std::fs::write(&meminfo, "MemTotal: 8388608 kB\nMemAvailable: 1024 kB\n")
        .expect("write meminfo");
    let mut child = jobdeck()
        .current_dir(temp.path())
        .args([
            "run",
            "--headless",
            "--mem-free",
            "1G",
            "--",
            "touch",
            "ran-{}",
        ])
        .args([":::", "a"])
        .env(MEMINFO_OVERRIDE, &meminfo)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(temp.join("err")).expect("create the errors"))
        .spawn()
        .expect("start jobdeck");
    let err = || std::fs::read_to_string(temp.join("err")).unwrap_or_default();
    let said = wait_until(|| err().contains("waiting for memory"));
    if !said {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(said, "headless never said it waits: {}", err());
    assert!(
        ran(temp.path()).is_empty(),
        "the command ran below --mem-free"
    );
    std::fs::write(&meminfo, "MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n")
        .expect("free memory");
    let status = child.wait().expect("jobdeck ends");
    assert!(status.success(), "{}", err());
    assert_eq!(ran(temp.path()), ["ran-a"], "{}", err());
}

/// `--dry-run` prints each command as it would run, as GNU parallel's `--dry-run` does (the
/// lines below are parallel 20221122's), and runs nothing; outside `run` it is refused.
#[test]
fn dry_run_prints_the_commands_and_runs_nothing() {
    let temp = TempDir::new("run-dry");
    let run = run_in(
        temp.path(),
        &[
            "--dry-run",
            "--",
            "touch",
            "ran-{.}",
            "{}",
            ":::",
            "a.txt",
            "b c.d",
        ],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(
        run.stdout, "touch ran-a a.txt\ntouch ran-'b c' 'b c.d'\n",
        "{run:?}"
    );
    assert!(ran(temp.path()).is_empty(), "--dry-run ran something");
    std::fs::write(temp.join("jobdeck.toml"), FILE).expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--dry-run", "test"]);
    assert_eq!(
        run.stdout, "touch ran-lint\ntouch ran-build-a\ntouch ran-build-b\ntouch ran-test\n",
        "{run:?}"
    );
    let mut outside = jobdeck();
    outside.args(["--dry-run", "--no-cmake", "--words", "1"]);
    assert_eq!(common::run_command(outside).code(), 2);
}
