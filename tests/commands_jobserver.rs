//! `make` inside `jobdeck run`'s commands sharing the pool's jobserver, with the real make:
//! never more recipes at once than `-j`, and each command handed its own jobserver pipes
//! and no other descriptor.

mod common;

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::TempDir;
use common::commands::jobdeck_run;

/// A recipe wrapper: appends `start` and `end` lines to `log` under `flock` around its
/// work, so the order of the lines is the order the recipes started and ended in.
fn recording_wrapper(dir: &Path, log: &Path) -> std::path::PathBuf {
    let script = dir.join("record");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nflock '{log}' sh -c 'echo \"start $1\" >> \"$0\"' '{log}' \"$1\"\n\
             sleep 0.2\nflock '{log}' sh -c 'echo \"end $1\" >> \"$0\"' '{log}' \"$1\"\n",
            log = log.display()
        ),
    )
    .expect("write the wrapper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make the wrapper executable");
    script
}

/// The most recipes the log shows running at once.
fn most_at_once(log: &Path) -> usize {
    let text = std::fs::read_to_string(log).expect("read the recipe log");
    let (mut now, mut most) = (0usize, 0usize);
    for line in text.lines() {
        if line.starts_with("start ") {
            now += 1;
            most = most.max(now);
        } else if line.starts_with("end ") {
            now -= 1;
        }
    }
    most
}

#[test]
fn make_inside_commands_shares_the_pools_jobserver() {
    let found = Command::new("make").arg("--version").output().is_ok();
    let flock = Command::new("flock").arg("--version").output().is_ok();
    if !found || !flock {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "make or flock not found, and CI=true requires them"
        );
        eprintln!("\n======== SKIPPED: make or flock not found ========\n");
        return;
    }
    let temp = TempDir::new("make-jobserver");
    let log = temp.join("recipes.log");
    let wrapper = recording_wrapper(temp.path(), &log);
    let projects = ["a", "b", "c", "d"];
    for project in projects {
        let dir = temp.join(project);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let targets = ["t1", "t2", "t3", "t4"];
        let mut makefile = format!(
            ".PHONY: all {}\nall: {}\n",
            targets.join(" "),
            targets.join(" ")
        );
        for target in targets {
            let _ = write!(
                makefile,
                "{target}:\n\t@{} {project}-{target}\n",
                wrapper.display()
            );
        }
        std::fs::write(dir.join("Makefile"), makefile).expect("write the Makefile");
    }
    let mut args = vec!["-j2", "--", "make", "-C", "{}", ":::"];
    args.extend(projects);
    let run = jobdeck_run(temp.path(), &args, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    let text = std::fs::read_to_string(&log).expect("read the recipe log");
    assert_eq!(text.lines().count(), 32, "every recipe ran once: {text}");
    let most = most_at_once(&log);
    assert!(most <= 2, "{most} recipes ran at once under -j2: {text}");
    eprintln!("at most {most} recipes at once under -j2");
}

/// What one job saw: the descriptors its process held (number → what it is) and the
/// `MAKEFLAGS` it was given.
fn descriptors_of(temp: &TempDir, job: &str) -> (Vec<(i32, String)>, String) {
    let listing = std::fs::read_to_string(temp.join(format!("fds.{job}")))
        .unwrap_or_else(|err| panic!("job {job} listed no descriptors: {err}"));
    let fds = listing
        .lines()
        .filter_map(|line| {
            let (left, target) = line.split_once(" -> ")?;
            let fd = left.split_whitespace().last()?.parse().ok()?;
            Some((fd, target.to_string()))
        })
        .collect();
    let makeflags = std::fs::read_to_string(temp.join(format!("makeflags.{job}")))
        .unwrap_or_else(|err| panic!("job {job} wrote no MAKEFLAGS: {err}"));
    (fds, makeflags.trim().to_string())
}

#[test]
fn each_command_inherits_its_own_jobserver_pipe_and_no_other() {
    let has_make = Command::new("make").arg("--version").output().is_ok();
    if !common::available(
        "each_command_inherits_its_own_jobserver_pipe_and_no_other",
        has_make,
        "make",
    ) {
        return;
    }
    let temp = TempDir::new("jobserver-fds");
    // `ls` lists its own descriptors: what the job's shell handed down, plus the folder it
    // reads. A make that cannot reach the pipe its MAKEFLAGS names says "jobserver
    // unavailable".
    std::fs::write(
        temp.join("check.sh"),
        "ls -l /proc/self/fd > \"fds.$1\"\nprintf '%s\\n' \"$MAKEFLAGS\" > \"makeflags.$1\"\n\
         make -f Makefile\n",
    )
    .expect("write the script");
    std::fs::write(
        temp.join("Makefile"),
        ".PHONY: all a b\nall: a b\na b:\n\t@echo made $@\n",
    )
    .expect("write the Makefile");
    let jobs = ["1", "2", "3", "4", "5", "6", "7", "8"];
    let mut args = vec!["-j4", "--", "sh", "check.sh", "{}", ":::"];
    args.extend(jobs);
    let run = jobdeck_run(temp.path(), &args, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    let stdout = run.stdout_text();
    assert!(!stdout.contains("jobserver unavailable"), "{stdout}");
    assert_eq!(stdout.matches("made a").count(), jobs.len(), "{stdout}");
    let mut pipes = Vec::new();
    for job in jobs {
        let (fds, makeflags) = descriptors_of(&temp, job);
        let auth = makeflags
            .split_whitespace()
            .find_map(|word| word.strip_prefix("--jobserver-auth="))
            .unwrap_or_else(|| panic!("job {job}: no jobserver in MAKEFLAGS `{makeflags}`"));
        let (read, write) = auth.split_once(',').expect("--jobserver-auth=R,W");
        let ends: Vec<i32> = [read, write]
            .iter()
            .map(|fd| fd.parse().expect("a descriptor number"))
            .collect();
        let target = |fd: i32| fds.iter().find(|(n, _)| *n == fd).map(|(_, t)| t.clone());
        // Two pipes: the job reads its tokens from one and hands them back into the other,
        // which only jobdeck reads (so a smaller pool can keep what comes back).
        let [tokens, returns] = [target(ends[0]), target(ends[1])];
        for (end, pipe) in [(ends[0], &tokens), (ends[1], &returns)] {
            assert!(
                pipe.as_deref().is_some_and(|t| t.starts_with("pipe:")),
                "job {job}: the end {end} is not an open pipe: {fds:?}"
            );
        }
        assert_ne!(tokens, returns, "job {job}: a pipe each way: {fds:?}");
        let others: Vec<_> = fds
            .iter()
            .filter(|(fd, target)| *fd > 2 && !ends.contains(fd) && !target.starts_with("/proc/"))
            .collect();
        assert!(
            others.is_empty(),
            "job {job} inherited descriptors not its own: {others:?} (all: {fds:?})"
        );
        pipes.extend([tokens, returns]);
    }
    pipes.sort();
    pipes.dedup();
    assert_eq!(
        pipes.len(),
        2 * jobs.len(),
        "pipes of each job's own: {pipes:?}"
    );
}
