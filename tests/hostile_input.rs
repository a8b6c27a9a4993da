//! Hostile input and faults at start-up (issue 14): paths that are not what they should be
//! (a FIFO history or trace, a log folder that is a file, a build root inside a project, a
//! trace over jobdeck's own files), absurd counts, threads the OS will not start, a history of
//! garbage, and the temporaries a killed run left behind. Each ends with a clear message and
//! the public exit status, never a hang, a panic or a silent loss.

mod common;
mod tmux;

use std::path::Path;
use std::process::Command;

use common::{JOBDECK, Run, TempDir, path_arg, run_command, run_jobdeck, write_none_project};

/// The quickest pseudoword session: one task of one word.
fn one_word(build: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-cmake",
        "--words",
        "1",
        "--words-per-task",
        "1",
        "-B",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([path_arg(build).to_string()])
    .collect()
}

fn make_fifo(path: &Path) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
}

/// A start-up refusal: exit 2, nothing on stdout, and one `jobdeck: ` line on stderr that
/// holds every one of `words`.
fn assert_refused(run: &Run, words: &[&str]) {
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.starts_with("jobdeck: "), "{run:?}");
    for word in words {
        assert!(run.stderr.contains(word), "no `{word}` in {}", run.stderr);
    }
}

#[test]
fn a_fifo_history_or_trace_is_refused_without_blocking() {
    let temp = TempDir::new("fifo-history");
    let build = temp.join("build");
    let history = build.join(".jobdeck/history.jsonl");
    make_fifo(&history);
    // `run_jobdeck` kills jobdeck and fails the test if it blocks.
    let mut args = one_word(&build);
    args.push("--rerun-failed".to_string());
    let run = run_jobdeck(&args);
    assert_refused(&run, &[path_arg(&history), "FIFO", "not a regular file"]);

    std::fs::remove_file(&history).expect("remove the FIFO");
    let trace = temp.join("trace.json");
    make_fifo(&trace);
    let mut args = one_word(&build);
    args.extend(["--trace".to_string(), path_arg(&trace).to_string()]);
    let run = run_jobdeck(&args);
    assert_refused(&run, &[path_arg(&trace), "FIFO", "not a regular file"]);
    assert!(
        !temp.join("build/pseudowords/output0.txt").exists(),
        "nothing ran"
    );
}

#[test]
fn a_log_folder_or_build_root_that_is_not_a_folder_is_refused() {
    let temp = TempDir::new("log-dir-file");
    let build = temp.join("build");
    let file = temp.join("a-file");
    std::fs::write(&file, "mine").expect("write a file");
    let fifo = temp.join("a-fifo");
    make_fifo(&fifo);
    let mut args = one_word(&build);
    args.extend(["--log-dir".to_string(), path_arg(&fifo).to_string()]);
    let run = run_jobdeck(&args);
    assert_refused(&run, &[path_arg(&fifo), "not a folder", "--log-dir"]);
    // (A `--words-out` at a file, or a folder under one, fails the tasks that write there,
    // each with a message naming it.)
    for option in ["--log-dir", "-B"] {
        let mut args = one_word(&build);
        if option == "-B" {
            args.truncate(args.len() - 2);
        }
        args.extend([option.to_string(), path_arg(&file).to_string()]);
        let run = run_jobdeck(&args);
        assert_refused(&run, &[path_arg(&file), "not a folder", option]);
    }
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "mine");
}

#[test]
fn a_build_root_in_a_project_folder_is_refused() {
    let temp = TempDir::new("build-in-project");
    let dir = temp.join("src");
    write_none_project(&dir.join("p"));
    write_none_project(&dir.join("q"));
    // `true` stands in for cmake: were anything run, it would succeed at once.
    for build_root in [dir.join("p"), dir.join("p/out")] {
        let run = run_jobdeck([
            "--headless",
            "--cmake",
            "true",
            path_arg(&dir),
            "-B",
            path_arg(&build_root),
        ]);
        assert_refused(
            &run,
            &[path_arg(&build_root), path_arg(&dir.join("p")), "-B"],
        );
        assert!(!dir.join("p/.jobdeck").exists() && !dir.join("p/out").exists());
    }
    // A single project searched directly keeps its usual `build` subfolder.
    let run = run_jobdeck(["--headless", "--cmake", "true", path_arg(&dir.join("p"))]);
    assert_eq!(run.code(), 0, "{run:?}");
}

#[test]
fn a_trace_over_jobdecks_own_files_is_refused() {
    let temp = TempDir::new("trace-history");
    let build = temp.join("build");
    let run = run_jobdeck(one_word(&build));
    assert_eq!(run.code(), 0, "{run:?}");
    let history = build.join(".jobdeck/history.jsonl");
    let before = std::fs::read_to_string(&history).expect("a history");
    for trace in [history.clone(), build.join(".jobdeck/trace.json")] {
        let mut args = one_word(&build);
        args.extend(["--trace".to_string(), path_arg(&trace).to_string()]);
        let run = run_jobdeck(&args);
        assert_refused(&run, &[path_arg(&trace), ".jobdeck", "--trace"]);
    }
    let logs = temp.join("logs");
    let mut args = one_word(&build);
    let trace = logs.join("t.json");
    args.extend(["--log-dir", path_arg(&logs), "--trace", path_arg(&trace)].map(String::from));
    let run = run_jobdeck(&args);
    assert_refused(&run, &[path_arg(&trace), "--trace"]);
    assert_eq!(std::fs::read_to_string(&history).expect("kept"), before);
}

#[test]
fn absurd_task_counts_are_usage_errors() {
    let temp = TempDir::new("absurd-counts");
    let build = temp.join("build");
    let max = "100000";
    for words in ["0", "1000000000", "18446744073709551615", "100001"] {
        let run = run_jobdeck([
            "--headless",
            "--no-cmake",
            "-B",
            path_arg(&build),
            "--words",
            words,
        ]);
        assert_eq!(run.code(), 2, "--words {words}: {run:?}");
        for word in ["--words", words, "at least 1", max] {
            assert!(run.stderr.contains(word), "no `{word}` in {}", run.stderr);
        }
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let letters = "a".repeat(100_001);
    let run = run_jobdeck([
        "--headless",
        "--no-cmake",
        "--words-per-task",
        "0",
        "-B",
        path_arg(&build),
        "--letters",
        &letters,
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--letters") && run.stderr.contains(max),
        "{}",
        run.stderr
    );
}

/// A shell line running `jobdeck args…` (through `exec` if `exec`) with its address space
/// capped at 600 MiB: room for a few hundred thread stacks (2 MiB each), not thousands. One
/// malloc arena keeps the heap from reserving 64 MiB per thread, so the thread stacks, not the
/// heap, hit the cap.
fn under_a_memory_cap(args: &[&str], exec: bool) -> String {
    let exec = if exec { "exec " } else { "" };
    format!(
        "ulimit -v 614400; MALLOC_ARENA_MAX=1 {exec}'{JOBDECK}' {}",
        shell_words(args)
    )
}

/// `args` quoted for a shell line (temp paths and plain flags: no `'` in them).
fn shell_words<S: AsRef<str>>(args: &[S]) -> String {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{}'", a.as_ref())).collect();
    quoted.join(" ")
}

/// A worker thread the system refuses is a start-up error that names it and `-j`, never an
/// abort. The refusal is made certain: `nobody` under a limit of 64 processes, so the 65th
/// thread's clone fails with `EAGAIN`. (A capped address space, as below, leaves it to
/// chance: a thread may start and then fail to map its signal stack, and the Rust runtime
/// aborts there, before jobdeck can say anything; it failed 2 runs in 7 that way.)
#[test]
fn a_worker_thread_that_cannot_start_is_a_startup_error() {
    let test = "a_worker_thread_that_cannot_start_is_a_startup_error";
    let Some(temp) = common::nobody_workspace(test, "threads") else {
        return;
    };
    let args = one_word(&temp.join("build"));
    // bash: dash's `ulimit` has no `-u`.
    let mut command = Command::new("bash");
    command.arg("-c").arg(format!(
        "ulimit -u 64 && exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
         '{JOBDECK}' {} -j 1000",
        shell_words(&args)
    ));
    let run = run_command(command);
    assert_refused(&run, &["cannot start worker thread", "1000", "-j"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_worker_thread_that_cannot_start_when_growing_is_a_notice() {
    if !tmux::tools_present("growing_pool", &[("tmux", "-V")]) {
        return;
    }
    let temp = TempDir::new("threads-grow");
    let build = temp.join("build");
    let mut args = one_word(&build);
    args.retain(|a| a != "--headless");
    args.extend(["-j", "1", "--paused"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let command = format!(
        "{}; echo \"jobdeck exited $?\"",
        under_a_memory_cap(&args, false)
    );
    let session = tmux::Tmux::start("grow", &command);
    session.wait_for("the table", |screen| screen.contains("output0"));
    // More workers than the capped address space has room for, in one burst.
    session.keys(&["-N", "1000", "+"]);
    let screen = session.wait_for("the notice", |screen| {
        screen.contains("cannot start worker thread")
    });
    assert!(!screen.contains("jobdeck exited"), "{screen}");
    // Paused with a job queued: `q` asks first.
    session.keys(&["q"]);
    session.wait_for("the quit question", |screen| screen.contains("Quit?"));
    session.keys(&["y"]);
    let screen = session.wait_for("the exit", |screen| screen.contains("jobdeck exited"));
    assert!(
        !screen.contains("panicked") && !screen.contains("jobdeck exited 101"),
        "{screen}"
    );
}

#[test]
fn a_history_of_garbage_gives_one_warning_with_the_count_and_the_first_line() {
    let temp = TempDir::new("garbage-history");
    let build = temp.join("build");
    let history = build.join(".jobdeck/history.jsonl");
    std::fs::create_dir_all(history.parent().expect("a parent")).expect("mkdir");
    let mut text = String::from("{\"job\":\"output0\",\"status\":\"ok\",\"duration_ms\":1}\n\n");
    for n in 0..3000 {
        text.push_str("garbage \u{1}\u{2}{{");
        text.push_str(&n.to_string());
        text.push('\n');
    }
    // One line longer than any record, with no end: it must not be held in memory whole.
    text.push_str(&"x".repeat(2 << 20));
    std::fs::write(&history, text).expect("write the history");
    let run = run_jobdeck(one_word(&build));
    assert_eq!(run.code(), 0, "{run:?}");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("history.jsonl"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains("3001 unreadable lines") && warnings[0].contains("line 3"),
        "{}",
        warnings[0]
    );
}

#[test]
fn stale_temporaries_of_a_killed_run_are_removed_at_startup() {
    let temp = TempDir::new("stale-temps");
    let build = temp.join("build");
    let out = temp.join("words");
    let parts = build.join(".jobdeck/letter-parts");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::create_dir_all(&parts).expect("mkdir");
    let stale = [
        out.join(".output7.txt.run999.tmp"),
        out.join(".letters.txt.run12.tmp"),
        parts.join(".part3.run5.tmp"),
    ];
    let users = [
        out.join("notes.txt"),
        out.join(".output7.txt.run999.tmp.keep"),
        out.join(".output7.txt.mine.tmp"),
        out.join("output7.txt.run1.tmp"),
    ];
    for path in stale.iter().chain(&users) {
        std::fs::write(path, "x").expect("write");
    }
    // A temporary of a live session elsewhere holds its lock: it is not stale.
    let live = out.join(".output8.txt.run2.tmp");
    let held = std::fs::File::create(&live).expect("create");
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).expect("lock");
    let mut args = one_word(&build);
    args.extend(["--words-out".to_string(), path_arg(&out).to_string()]);
    let run = run_jobdeck(&args);
    assert_eq!(run.code(), 0, "{run:?}");
    for path in &stale {
        assert!(!path.exists(), "{} is left", path.display());
    }
    for path in users.iter().chain([&live]) {
        assert!(path.exists(), "{} was removed", path.display());
    }
    assert!(out.join("output0.txt").exists());
    drop(held);
}

/// A launcher that fails without running the tool (`--launcher false`) is named: the status
/// is the launcher's, and the tool never printed a line.
#[test]
fn a_launcher_that_fails_without_running_the_tool_is_named() {
    let root = TempDir::new("false-launcher");
    common::write_none_project(&root.join("src/one"));
    let build_root = root.join("b");
    let run = common::run_jobdeck([
        "--headless",
        "--json",
        "--launcher",
        "false",
        "-B",
        build_root.to_str().expect("utf-8"),
        root.join("src").to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished = common::finished_by_job(&run.json());
    assert_eq!(finished.len(), 1, "{finished:?}");
    for (job, event) in finished {
        let error = event["error"].as_str().unwrap_or_default();
        assert_eq!(event["status"], "failed", "{job}");
        assert!(
            error.contains("the launcher `false` exited with status 1")
                && error.contains("`cmake` printed nothing"),
            "{job}: {error}"
        );
    }
}
