//! The real binary refusing to start: usage errors (exit 2), folders that cannot work, and
//! `docs/usage.md` documenting every option `--help` lists.

mod common;

use std::path::Path;

use common::{TempDir, path_arg, run_jobdeck};

#[test]
fn zero_workers_is_a_usage_error() {
    let run = run_jobdeck(["--headless", "-j", "0", "."]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr.contains("-j"), "{}", run.stderr);
}

#[test]
fn workers_above_the_engines_bound_are_refused_by_the_parser_with_the_range() {
    let run = run_jobdeck(["--headless", "-j", "1025", "."]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr.contains("1..=1024"), "{}", run.stderr);
    assert!(!run.stderr.contains("65535"), "{}", run.stderr);
    let help = run_jobdeck(["--help"]);
    let jobs = help
        .stdout
        .split("\n\n")
        .find(|option| option.contains("--jobs"))
        .unwrap_or_default();
    assert!(jobs.contains("1024"), "--help's -j says its limit: {jobs}");
}

/// Headless, nobody can press `p` to resume: `--paused` would end at once with nothing
/// run. It is refused before anything is made, whether `--headless`, `--json` or a stdout
/// that is not a terminal makes the session headless.
#[test]
fn paused_without_the_live_table_is_a_usage_error() {
    let temp = TempDir::new("paused-headless");
    std::fs::create_dir_all(temp.join("p")).expect("mkdir");
    std::fs::write(temp.join("p/CMakeLists.txt"), "project(p NONE)").expect("write");
    let dir = path_arg(temp.path());
    let build = temp.join("build");
    let build = path_arg(&build);
    for flags in [
        &["--json", "--headless"][..],
        &["--headless"],
        &["--json"],
        &[],
    ] {
        let mut args = flags.to_vec();
        args.extend(["--paused", dir, "-B", build]);
        let run = run_jobdeck(&args);
        assert_eq!(run.code(), 2, "{flags:?}: {run:?}");
        assert!(run.stderr.contains("--paused"), "{flags:?}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{flags:?}: no job line, no summary: {}",
            run.stdout
        );
        assert!(!temp.join("build").exists(), "{flags:?}: nothing was made");
    }
    let run = run_jobdeck(["--paused", dir, "-B", build]);
    assert!(
        run.stderr.contains("live table") && run.stderr.contains("terminal"),
        "says why: {}",
        run.stderr
    );
}

#[test]
fn an_unknown_option_is_a_usage_error() {
    let run = run_jobdeck(["--headless", "--no-such-option"]);
    assert_eq!(run.code(), 2, "{run:?}");
}

#[test]
fn a_missing_folder_is_a_startup_error() {
    let temp = TempDir::new("missing");
    let run = run_jobdeck(["--headless", path_arg(&temp.join("not-there"))]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr.contains("not-there"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_build_root_equal_to_the_searched_folder_is_a_startup_error() {
    let temp = TempDir::new("build-root-is-dir");
    std::fs::create_dir_all(temp.join("p")).expect("mkdir");
    std::fs::write(temp.join("p/CMakeLists.txt"), "project(p NONE)").expect("write");
    let dir = path_arg(temp.path());
    let run = run_jobdeck(["--headless", dir, "-B", dir]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("build root cannot be"),
        "{}",
        run.stderr
    );
    assert!(
        !temp.join("p/CMakeCache.txt").exists(),
        "nothing was configured in-source"
    );
}

#[test]
fn a_folder_without_projects_is_a_startup_error() {
    let temp = TempDir::new("no-projects");
    std::fs::create_dir_all(temp.join("just/folders")).expect("mkdir");
    std::fs::write(temp.join("just/readme.txt"), "no CMakeLists here").expect("write");
    let run = run_jobdeck(["--headless", path_arg(temp.path())]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("no CMake projects"),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn every_option_in_help_is_documented_in_the_readme_or_docs() {
    let run = run_jobdeck(["--help"]);
    assert_eq!(run.code(), 0);
    // The README and the pages of docs/ it leads to.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    for page in std::fs::read_dir(root.join("docs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if page.path().extension().is_some_and(|ext| ext == "md") {
            readme.push_str(&std::fs::read_to_string(page.path()).expect("read a docs page"));
        }
    }
    let options: Vec<&str> = run
        .stdout
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .flat_map(|line| line.split([' ', ',']))
        .filter(|word| word.starts_with('-') && word.len() > 1)
        .collect();
    for option in ["--jobs", "--build-root", "--cmake", "--json", "-D"] {
        assert!(
            options.contains(&option),
            "--help lacks {option}: {options:?}"
        );
    }
    let undocumented: Vec<&&str> = options
        .iter()
        .filter(|option| !readme.contains(&format!("`{option}")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "options in --help but not in README.md nor docs/: {undocumented:?}"
    );
}

/// `jobdeck args…` under `prlimit --nofile=SOFT:HARD`.
fn with_open_files(soft: u64, hard: u64, args: &[&str]) -> common::Run {
    let mut command = std::process::Command::new("prlimit");
    command
        .arg(format!("--nofile={soft}:{hard}"))
        .arg("--")
        .arg(common::JOBDECK)
        .args(args);
    common::run_command(command)
}

/// A soft limit on open files far below the hard one (1024 is the usual soft limit; jobs
/// take up to eight descriptors each while they run) is raised to the hard one at start, as
/// most servers do: every job runs, none fails with "Too many open files".
#[test]
fn a_low_soft_open_files_limit_is_raised_to_the_hard_one() {
    if !common::cmake_available("a_low_soft_open_files_limit_is_raised_to_the_hard_one") {
        return;
    }
    let temp = TempDir::new("nofile-soft");
    for n in 0..24 {
        common::write_none_project(&temp.join(format!("p{n:02}")));
    }
    let run = with_open_files(24, 4096, &["--headless", "-j", "12", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stdout.contains("24 ok"), "{}", run.stdout);
}

/// A `-j` whose jobs cannot fit in the hard limit on open files is refused at start, saying
/// why and what fits, rather than failing most of its jobs with "Too many open files".
#[test]
fn a_worker_count_beyond_the_open_files_limit_is_refused_saying_why() {
    let temp = TempDir::new("nofile-hard");
    common::write_none_project(&temp.join("p"));
    let run = with_open_files(64, 64, &["--headless", "-j", "400", path_arg(temp.path())]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("-j400") && run.stderr.contains("open files"),
        "{}",
        run.stderr
    );
}
