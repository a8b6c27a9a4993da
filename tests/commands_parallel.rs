//! `jobdeck run` against GNU parallel itself: every replacement string, several input
//! sources (`:::`, `::::` files, `:::: -` from stdin), odd values, a file of commands, and
//! the grouped output, each run by both and compared byte for byte (where they disagree,
//! parallel is right). Both run their commands with `sh` (`PARALLEL_SHELL=sh`: parallel
//! would otherwise use the shell that started it, whose `echo` may differ).
//!
//! Also jobdeck alone: a failing command (exit 1, its error line in JSON), `-f -` with blank
//! lines and comments, and `make` inside commands sharing the pool's jobserver.

mod common;

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::TempDir;
use common::commands::{RawRun, jobdeck_run, parallel_available, run_raw};

/// Inputs that test the path replacement strings.
const PATHS: &[&str] = &[
    "dir/sub/file.tar.gz",
    "file",
    "./x.y",
    "/abs/p.q",
    ".hidden",
    "a.b/c",
    "noext/",
    "dir.d/",
    "a/.b",
];

/// Values a shell would take apart if they were not quoted.
const ODD: &[&str] = &[
    "a b",
    "  two  spaces ",
    "it's",
    "say \"hi\"",
    "$HOME",
    "${PATH}",
    "back\\slash",
    "é 日本 🙂",
    "-n",
    "--flag",
    "*",
    "~",
    "a;b",
    "a|b",
    "a&b",
    "$(echo no)",
    "`echo no`",
    "#hash",
    "",
];

/// GNU parallel's run of `args` (its options, the command and the inputs) with `-k`.
fn parallel(temp: &TempDir, args: &[&str], stdin: &[u8]) -> RawRun {
    let mut command = Command::new("parallel");
    command
        .args(["--will-cite", "-k", "-j4"])
        .args(args)
        .env("PARALLEL_SHELL", "sh")
        .env("HOME", temp.path())
        .current_dir(temp.path());
    run_raw(command, stdin)
}

/// Runs the same template through parallel and `jobdeck run -k` and compares stdout. The
/// command's words are joined by spaces, unquoted, as parallel does (`'%s\n'` keeps its
/// quotes for the shell).
fn same_as_parallel(test: &str, args: &[&str], stdin: &[u8]) {
    let temp = TempDir::new(test);
    std::fs::write(temp.join("lines.txt"), "f1\nf 2\n\nlast no newline").expect("write");
    std::fs::write(temp.join("two.txt"), "x/y.z\nq\n").expect("write");
    let expected = parallel(&temp, args, stdin);
    assert_eq!(expected.code(), 0, "parallel {args:?}: {expected:?}");
    let mut ours = vec!["-k", "-j4", "--"];
    ours.extend(args);
    let run = jobdeck_run(temp.path(), &ours, stdin);
    assert_eq!(run.code(), 0, "jobdeck run {ours:?}: {run:?}");
    assert_eq!(
        run.stdout_text(),
        expected.stdout_text(),
        "jobdeck run {ours:?} (left) and parallel (right) differ"
    );
    assert_eq!(run.stdout, expected.stdout, "bytes differ for {args:?}");
}

fn with_inputs<'a>(command: &[&'a str], inputs: &[&'a str]) -> Vec<&'a str> {
    let mut args = command.to_vec();
    args.push(":::");
    args.extend(inputs);
    args
}

#[test]
fn every_path_replacement_string_as_parallel() {
    if !parallel_available("every_path_replacement_string_as_parallel") {
        return;
    }
    let command = [
        "printf",
        "'%s|%s|%s|%s|%s|%s\\n'",
        "{}",
        "{.}",
        "{/}",
        "{//}",
        "{/.}",
        "{#}",
    ];
    same_as_parallel("paths", &with_inputs(&command, PATHS), b"");
}

#[test]
fn positional_replacement_strings_over_several_sources_as_parallel() {
    if !parallel_available("positional_replacement_strings_over_several_sources_as_parallel") {
        return;
    }
    let args = [
        "echo", "{1}", "{2}", "{2/.}", "{1.}", "{1/}", "{1//}", "{2//}", "{1/.}", "{#}", "{}",
        ":::", "a/b.c", "d.e", ":::", "x/y.z", "q",
    ];
    same_as_parallel("positional", &args, b"");
}

#[test]
fn inputs_without_a_replacement_string_are_appended_as_parallel() {
    if !parallel_available("inputs_without_a_replacement_string_are_appended_as_parallel") {
        return;
    }
    let args = ["echo", "in", ":::", "a", "b", ":::", "1", "2", ":::", "x"];
    same_as_parallel("appended", &args, b"");
}

#[test]
fn odd_values_are_quoted_as_parallel_quotes_them() {
    if !parallel_available("odd_values_are_quoted_as_parallel_quotes_them") {
        return;
    }
    // As separate words, and inside one command line given as a single word.
    same_as_parallel(
        "odd-words",
        &with_inputs(&["printf", "'%s|\\n'", "{}"], ODD),
        b"",
    );
    same_as_parallel(
        "odd-line",
        &with_inputs(&["printf '[%s]\\n' {} {}"], ODD),
        b"",
    );
}

#[test]
fn files_and_stdin_as_input_sources_as_parallel() {
    if !parallel_available("files_and_stdin_as_input_sources_as_parallel") {
        return;
    }
    let stdin = b"a\nb c\n\n-d\ncr\r\n";
    let printf = ["printf", "'%s|\\n'"];
    let cases: [(&str, &[&str]); 5] = [
        ("file", &["{}", "::::", "lines.txt"]),
        ("stdin", &["{#}", "{}", "::::", "-"]),
        (
            "mixed",
            &[
                "{1}", "{2}", "{3}", "::::", "-", ":::", "p", "q", "::::", "two.txt",
            ],
        ),
        ("two-files", &["{2}", "{1}", "::::", "two.txt", "lines.txt"]),
        ("file-then-args", &["{}", "::::", "two.txt", ":::", "k"]),
    ];
    for (name, rest) in cases {
        let args: Vec<&str> = printf.iter().chain(rest).copied().collect();
        same_as_parallel(name, &args, stdin);
    }
}

/// Prints 200 lines one by one, then bytes that are not text and no final newline: two
/// jobs running at once would mix their lines without grouping.
const NOISY: &str =
    r"i=0; while [ $i -lt 200 ]; do echo {} $i; i=$((i+1)); done; printf '\001\377\r{} end'";

#[test]
fn grouped_output_in_input_order_as_parallel_k() {
    if !parallel_available("grouped_output_in_input_order_as_parallel_k") {
        return;
    }
    let inputs = ["a", "b", "c", "d", "e", "f", "g", "h"];
    same_as_parallel("grouped", &with_inputs(&[NOISY], &inputs), b"");
}

#[test]
fn grouped_output_as_jobs_end_holds_the_same_groups_as_parallel() {
    if !parallel_available("grouped_output_as_jobs_end_holds_the_same_groups_as_parallel") {
        return;
    }
    let temp = TempDir::new("groups");
    let inputs = ["a", "b", "c", "d", "e", "f"];
    let args = with_inputs(&[NOISY, "; echo"], &inputs);
    let mut command = Command::new("parallel");
    command
        .args(["--will-cite", "-j4"])
        .args(&args)
        .env("PARALLEL_SHELL", "sh")
        .env("HOME", temp.path())
        .current_dir(temp.path());
    let expected = run_raw(command, b"");
    let mut ours = vec!["-j4", "--"];
    ours.extend(&args);
    let run = jobdeck_run(temp.path(), &ours, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    // Each group ends with its ` end` line: both outputs are the same groups, in the order
    // their jobs ended.
    assert_eq!(groups(&run.stdout), groups(&expected.stdout), "{run:?}");
}

/// The groups of an output whose every job ends with a line ending ` end\n`, sorted.
fn groups(output: &[u8]) -> Vec<Vec<u8>> {
    let mut groups: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    for line in output.split_inclusive(|&byte| byte == b'\n') {
        current.extend_from_slice(line);
        if line.ends_with(b" end\n") {
            groups.push(std::mem::take(&mut current));
        }
    }
    assert!(
        current.is_empty(),
        "output after the last group: {current:?}"
    );
    groups.sort();
    groups
}

#[test]
fn a_file_of_commands_from_stdin_as_parallel_reads_it() {
    if !parallel_available("a_file_of_commands_from_stdin_as_parallel_reads_it") {
        return;
    }
    let temp = TempDir::new("commands-file");
    let file = b"echo one\n\n# a comment\n   \nprintf '%s\\n' \"two  words\" $((1+2))\n  # indented\necho 'last'";
    let expected = parallel(&temp, &[], file);
    assert_eq!(expected.code(), 0, "{expected:?}");
    let run = jobdeck_run(temp.path(), &["-k", "-f", "-"], file);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.stdout_text(), expected.stdout_text());
    assert_eq!(run.stdout_text(), "one\ntwo  words\n3\nlast\n");
    // Three commands: the blank lines and the comments are no jobs.
    assert!(run.stderr.contains("3 jobs: 3 ok"), "{run:?}");
}

#[test]
fn a_failing_command_exits_1_with_its_error_line_in_json() {
    let temp = TempDir::new("failing");
    let run = jobdeck_run(
        temp.path(),
        &[
            "--json",
            "--",
            "echo building {}; echo \"src/{}.c:7:3: error: no such thing\" >&2; echo more; exit 2",
            ":::",
            "bad",
            "other",
        ],
        b"",
    );
    assert_eq!(run.code(), 1, "{run:?}");
    let events = common::parse_json_lines(&run.stdout_text());
    let finished = |job: &str| {
        events
            .iter()
            .find(|event| event["event"] == "finished" && event["job"] == job)
            .unwrap_or_else(|| panic!("no finished event of {job}: {events:?}"))
            .clone()
    };
    let bad = finished("bad");
    assert_eq!(bad["status"], "failed", "{bad}");
    assert_eq!(bad["exit_code"], 2, "{bad}");
    assert_eq!(bad["error"], "src/bad.c:7:3: error: no such thing", "{bad}");
    assert_eq!(bad["error_file"], "src/bad.c", "{bad}");
    assert_eq!(bad["error_line"], 7, "{bad}");
    let summary = events.last().expect("a summary");
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["unsuccessful"][0]["job"], "bad", "{summary}");
}

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

/// A template with no `:::` reads its inputs from stdin, one per line, as `ls | parallel
/// gzip` does (jobdeck said "a template needs input" before).
#[test]
fn a_template_without_sources_reads_stdin_as_parallel() {
    if !parallel_available("a_template_without_sources_reads_stdin_as_parallel") {
        return;
    }
    same_as_parallel(
        "stdin-source",
        &["echo", "got", "{}", "{#}"],
        b"one\ntwo words\n$HOME\n",
    );
    same_as_parallel("stdin-appended", &["echo", "in"], b"a\nb\n");
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
