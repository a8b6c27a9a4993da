//! Hostile terminals, signals and names (issue 14): a TUI started in a background process
//! group, a second SIGINT, control characters in folder names and tool output, Ctrl-Z /
//! SIGTSTP / SIGSTOP and `fg`, and `o` on a job that is still running.
//!
//! The tests drive the real binary: in tmux (a real terminal, and an interactive bash where
//! job control matters) or with its output piped. Nothing sleeps to synchronise; every wait
//! polls with a deadline. Without tmux or cmake a test prints a loud skip message; with
//! `CI=true` it fails instead.

mod common;
mod tmux;

use std::path::Path;

use common::{JOBDECK, TempDir, run_command};
use tmux::{Tmux, row_is, tools_present, unique_tag};

/// The prompt of the interactive shell the job-control tests type into.
const PROMPT: &str = "hostile$";

fn tmux_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/fixtures/tui")
        .join(name)
}

/// An interactive bash with job control, no startup files and a known prompt.
fn interactive_shell(label: &str) -> Tmux {
    let tmux = Tmux::start(
        label,
        &format!("env PS1='{PROMPT} ' HISTFILE=/dev/null bash --norc --noprofile -i"),
    );
    tmux.wait_for("the shell's prompt", |s| has_prompt_after(s, ""));
    tmux
}

/// Types `line` into the pane and presses Enter.
fn type_line(tmux: &Tmux, line: &str) {
    tmux.keys(&["-l", line]);
    tmux.keys(&["Enter"]);
}

/// Whether a line holding only the prompt comes after the last line containing `after`
/// (anywhere, when `after` is empty).
fn has_prompt_after(screen: &str, after: &str) -> bool {
    let lines: Vec<&str> = screen.lines().collect();
    let start = if after.is_empty() {
        0
    } else {
        match lines.iter().rposition(|l| l.contains(after)) {
            Some(start) => start,
            None => return false,
        }
    };
    lines[start..].iter().any(|l| l.trim_end() == PROMPT)
}

/// The pid of the jobdeck that the shell started (not its watchdog, which is its child).
fn jobdeck_pid(tag: &str) -> i32 {
    let tagged = tmux::tagged_processes(tag);
    let pids: Vec<i32> = tagged
        .iter()
        .filter(|(_, comm)| comm == "jobdeck")
        .map(|(pid, _)| i32::try_from(*pid).expect("pid fits"))
        .collect();
    common::processes()
        .into_iter()
        .find(|p| pids.contains(&p.pid) && !pids.contains(&p.ppid))
        .unwrap_or_else(|| panic!("no jobdeck among {tagged:?}"))
        .pid
}

fn send_signal(pid: i32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid).expect("a real pid");
    rustix::process::kill_process(pid, signal).expect("send the signal");
}

/// Item 7: `timeout` puts itself and jobdeck in a background process group. Taking the
/// terminal from there stops jobdeck with SIGTTOU, so it must refuse, say why, and exit 2.
#[test]
fn a_tui_in_a_background_process_group_says_so_and_exits_2() {
    if !tools_present(
        "background_group",
        &[("tmux", "-V"), ("timeout", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("bg");
    let dir = TempDir::new("background-group");
    // Not an interactive shell: one with job control would make `timeout` the foreground
    // group. The `read` keeps the pane open: jobdeck now ends at once, maybe before tmux
    // was told to keep the pane of a finished command.
    let command = format!(
        "timeout 120 '{JOBDECK}' --no-cmake --words 1 '{dir}'; echo \"jobdeck exited $?\"; \
         read -r _",
        dir = dir.path().display(),
    );
    let tmux = Tmux::start(&tag, &command);
    let screen = tmux.wait_for_in(true, "jobdeck to give up on the terminal", |s| {
        s.contains("jobdeck exited")
    });
    assert!(screen.contains("jobdeck exited 2"), "{screen}");
    // The message wraps at the pane's width.
    let message: String = screen.lines().collect();
    assert!(
        message.contains("--headless"),
        "it suggests --headless:\n{screen}"
    );
    assert!(
        message.contains("background process group"),
        "it says why the terminal is not its own:\n{screen}"
    );
}

/// Item 12: a second SIGINT stops waiting for the cleanup, but the runs then still end
/// (after the grace period); their time must be counted in the active time too, so
/// efficiency never exceeds 100 % and speed-up never the worker count.
#[test]
fn a_second_sigint_keeps_speedup_and_efficiency_possible() {
    if !common::cmake_available("a_second_sigint_keeps_speedup_and_efficiency_possible") {
        return;
    }
    let temp = TempDir::new("second-sigint");
    // Each configure's shell says in a file that it runs, then notes the SIGTERM of the
    // cancel in another and carries on, so the run ends only with the SIGKILL after the
    // grace period.
    for name in ["a", "b"] {
        let script = format!(
            "trap 'touch {term}' TERM; touch {started}; while true; do sleep 0.05; done",
            term = temp.join(format!("term-{name}")).display(),
            started = temp.join(format!("started-{name}")).display(),
        );
        std::fs::create_dir_all(temp.join(name)).expect("project folder");
        std::fs::write(
            temp.join(name).join("CMakeLists.txt"),
            format!(
                "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n\
                 execute_process(COMMAND sh -c \"{script}\")\n"
            ),
        )
        .expect("write CMakeLists.txt");
    }
    let run = common::Streaming::start(["--json", "-j2", temp.path().to_str().expect("UTF-8")]);
    assert!(
        common::wait_until(|| temp.join("started-a").exists() && temp.join("started-b").exists()),
        "both configures to run their shell"
    );
    let jobdeck = i32::try_from(run.child.id()).expect("pid fits");
    send_signal(jobdeck, rustix::process::Signal::INT);
    // Both runs got the cancel's SIGTERM, so the first SIGINT was handled: the next one is
    // a second signal, not one merged with the first.
    assert!(
        common::wait_until(|| temp.join("term-a").exists() && temp.join("term-b").exists()),
        "the first SIGINT to cancel both runs"
    );
    send_signal(jobdeck, rustix::process::Signal::INT);
    let mut seen = Vec::new();
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    let events = common::parse_json_lines(&seen.join("\n"));
    let summary = events.last().expect("a summary");
    assert_eq!(summary["event"], "summary", "{seen:#?}");
    let number = |field: &str| summary[field].as_f64().expect("a number");
    let workers = number("workers");
    assert!(number("efficiency") <= 1.0, "{summary}");
    assert!(number("speedup") <= workers, "{summary}");
    // Not only clamped: the time the runs took to die is active time too. Each run's
    // duration is measured by its worker, the active time by the model, so allow a little.
    assert!(
        number("job_ms") <= workers * number("active_ms") + 250.0,
        "the runs' time lies outside the active time: {summary}"
    );
}

/// Item 13: a folder name with a newline and escape sequences, and a tool whose error
/// output sets the terminal title and clears the screen. Plain lines stay one per job, and
/// not one control character reaches stdout or stderr.
#[test]
fn plain_lines_escape_control_characters_in_names_and_errors() {
    let temp = TempDir::new("control-characters");
    let projects = temp.join("projects");
    let evil = "evil\nname\u{1b}]0;pwned\u{7}\u{1b}[2J";
    common::write_none_project(&projects.join(evil));
    common::write_none_project(&projects.join("plain"));
    // A symlink loop whose name holds a control character: discovery warns on stderr.
    std::os::unix::fs::symlink(&projects, projects.join("loop\u{1b}[31m")).expect("symlink");
    // A cmake that fails with a title-setting, screen-clearing error message.
    let fake_cmake = temp.join("cmake");
    std::fs::write(
        &fake_cmake,
        "#!/bin/sh\n\
         printf 'CMake Error at CMakeLists.txt:1 (message):\\n'\n\
         printf '  \\033]0;owned\\007\\033[2J\\033[31mboom\\r\\n'\n\
         exit 1\n",
    )
    .expect("write the fake cmake");
    let mut permissions = std::fs::metadata(&fake_cmake)
        .expect("fake cmake")
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake_cmake, permissions).expect("make it executable");

    let mut command = common::jobdeck();
    command
        .arg("--headless")
        .arg("--cmake")
        .arg(&fake_cmake)
        .arg("-B")
        .arg(temp.join("build"))
        .arg(&projects);
    let run = run_command(command);
    assert_eq!(run.code(), 1, "{run:?}");
    let is_unsafe = |c: char| c.is_control() && c != '\n';
    assert!(!run.stdout.contains(is_unsafe), "stdout: {:?}", run.stdout);
    assert!(!run.stderr.contains(is_unsafe), "stderr: {:?}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    // Two jobs, the recap (its heading, two jobs, their one cause, the logs, the re-run),
    // then the summary.
    assert_eq!(
        lines.len(),
        10,
        "two jobs, the recap and the summary: {lines:#?}"
    );
    assert_eq!(lines[2], "did not succeed (2):");
    let evil_line = lines
        .iter()
        .find(|l| l.contains("evil"))
        .expect("the evil project's line");
    assert!(evil_line.starts_with("failed"), "{evil_line}");
    assert!(
        evil_line.contains(r"evil\nname\u{1b}]0;pwned\u{7}\u{1b}[2J"),
        "the name is escaped visibly, not dropped: {evil_line}"
    );
    assert!(evil_line.contains("boom"), "{evil_line}");
    assert!(
        run.stderr.contains(r"loop\u{1b}[31m"),
        "the warning names the loop: {}",
        run.stderr
    );
}

/// Item 14: Ctrl-Z, an outside SIGTSTP and an outside SIGSTOP each hand a sane terminal back
/// to the shell; `fg` takes it back in raw mode, redrawn, with the keys working.
#[test]
fn ctrl_z_sigtstp_and_sigstop_suspend_and_fg_takes_the_terminal_back() {
    let tools = [("tmux", "-V"), ("bash", "--version"), ("less", "--version")];
    if !tools_present("suspend", &tools) {
        return;
    }
    let tag = unique_tag("suspend");
    let dir = TempDir::new("suspend");
    let tmux = interactive_shell(&tag);
    type_line(
        &tmux,
        &format!(
            "JOBDECK_E2E_TAG={tag} PAGER=less LESS= '{JOBDECK}' --no-cmake --words 2 \
             --words-per-task 1000 '{}'",
            dir.path().display()
        ),
    );
    let table_drawn = |s: &str| s.contains("q quit") && !s.lines().any(|l| l.trim_end() == PROMPT);
    tmux.wait_for("the table with both tasks done", |s| {
        table_drawn(s) && row_is(s, "output0", "ok") && row_is(s, "output1", "ok")
    });
    let pid = jobdeck_pid(&tag);
    for how in ["Ctrl-Z", "SIGTSTP", "SIGSTOP"] {
        match how {
            "Ctrl-Z" => tmux.keys(&["C-z"]),
            "SIGTSTP" => send_signal(pid, rustix::process::Signal::TSTP),
            _ => send_signal(pid, rustix::process::Signal::STOP),
        }
        tmux.wait_for(&format!("the shell's prompt after {how}"), |s| {
            has_prompt_after(s, "Stopped")
        });
        type_line(&tmux, "clear; stty -a");
        let screen = tmux.wait_for(&format!("stty's settings after {how}"), |s| {
            s.contains("speed") && has_prompt_after(s, "speed")
        });
        let words: Vec<&str> = screen.split_whitespace().collect();
        assert!(
            words.contains(&"icanon") && words.contains(&"echo"),
            "after {how} the shell has a sane terminal:\n{screen}"
        );
        type_line(&tmux, "clear; fg");
        tmux.wait_for(&format!("the table again after {how} and fg"), |s| {
            table_drawn(s) && row_is(s, "output0", "ok")
        });
        // Raw mode: a key arrives without Enter, and is not echoed.
        tmux.keys(&["?"]);
        tmux.wait_for(&format!("the help after {how} and fg"), |s| {
            s.contains("or Esc closes)")
        });
        tmux.keys(&["Escape"]);
        tmux.wait_for("the help to close", |s| {
            !s.contains("or Esc closes)") && s.contains("q quit")
        });
    }
    // The pager still comes and goes after the suspends. (A Ctrl-Z inside the pager, which
    // should stop less and jobdeck together, is not checked here: in one run out of four the
    // shell never saw jobdeck stop, a race between signal-hook's emulated default action and
    // the listener being put back. Left open in the notes of issue 14.)
    tmux.keys(&["o"]);
    tmux.wait_for("less showing the log", |s| {
        s.contains("(END)") && !s.contains("q quit")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the table after less", |s| {
        table_drawn(s) && row_is(s, "output0", "ok")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the prompt after quitting", |s| {
        s.lines().any(|l| l.trim_end() == PROMPT)
    });
    type_line(&tmux, "echo \"jobdeck exited $?\"; stty -a");
    let screen = tmux.wait_for("the exit status", |s| {
        s.contains("jobdeck exited") && has_prompt_after(s, "speed")
    });
    assert!(screen.contains("jobdeck exited 0"), "{screen}");
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "{screen}"
    );
}

/// Item 15: `o` on a running job opens its log, which is still being written: `less`
/// follows it (`+F`) until Ctrl-C, and `q` comes back to the table.
#[test]
fn o_on_a_running_job_opens_its_growing_log() {
    let tools = [
        ("tmux", "-V"),
        ("cmake", "--version"),
        ("less", "--version"),
    ];
    if !tools_present("open_running_log", &tools) {
        return;
    }
    let tag = unique_tag("running-log");
    let dir = TempDir::new("running-log");
    tmux::copy_dir(&tmux_fixture("long-sleep"), &dir.join("long-sleep"));
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} PAGER=less LESS= '{JOBDECK}' -j 1 '{dir}'; \
         echo \"jobdeck exited $?\"",
        dir = dir.path().display(),
    );
    let tmux = Tmux::start(&tag, &command);
    tmux.wait_for("the long job to run", |s| {
        row_is(s, "long-sleep", "running")
    });
    tmux::wait_until("the long job's `sleep 60`", || {
        tmux::tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });
    tmux.keys(&["o"]);
    tmux.wait_for("less following the running job's log", |s| {
        s.contains("tui-fixture: sleeping for a minute") && !s.contains("q quit")
    });
    assert!(
        tmux::tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "less"),
        "the pager is less"
    );
    // Ctrl-\ (SIGQUIT to the terminal's foreground group) is the pager's too: it must not
    // kill jobdeck with a core dump and leave its job behind.
    tmux.keys(&["C-\\"]);
    // Ctrl-C stops less following; it is the pager's, not a quit for jobdeck.
    tmux.keys(&["C-c"]);
    tmux.keys(&["q"]);
    tmux.wait_for("the table after the pager", |s| {
        s.contains("q quit") && row_is(s, "long-sleep", "running")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
    assert!(screen.contains("jobdeck exited 1"), "{screen}");
}

/// 10,000 characters pasted into the `-D` prompt (no bracketed paste, as tmux's
/// `paste-buffer`) arrive whole, and the one `Esc` after them closes the prompt. The
/// terminal was read edge-triggered (crossterm's mio source): the rest of a paste longer
/// than one read stayed in the kernel until the next key came, and each `Esc` only brought
/// in the next kilobyte of the paste.
#[test]
fn one_esc_after_a_long_paste_into_the_options_prompt_closes_it() {
    if !tools_present(
        "one_esc_after_a_long_paste_into_the_options_prompt_closes_it",
        &[("tmux", "-V"), ("cmake", "--version")],
    ) {
        return;
    }
    let tag = unique_tag("paste");
    let dir = TempDir::new(&tag);
    common::write_none_project(&dir.join("projects/p"));
    let command = format!(
        "'{JOBDECK}' -j 1 '{}'; echo \"jobdeck exited $?\"",
        dir.join("projects").display()
    );
    let tmux = Tmux::start("paste", &command);
    tmux.wait_for("the project to configure", |s| row_is(s, "p", "ok"));
    tmux.keys(&["D"]);
    tmux.wait_for("the -D prompt", |s| s.contains("VAR=VALUE"));
    let paste = dir.join("paste");
    std::fs::write(&paste, "x".repeat(10_000)).expect("the paste");
    let loaded = tmux.run(&["load-buffer", &paste.display().to_string()]);
    assert!(loaded.status.success(), "{loaded:?}");
    let pasted = tmux.run(&["paste-buffer", "-t", tmux::SESSION]);
    assert!(pasted.status.success(), "{pasted:?}");
    tmux.wait_for("the paste in the prompt", |s| s.contains(" -D xxxxxxxx"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("one Esc to close the prompt", |s| {
        s.contains("q quit") && !s.contains(" -D xxxxxxxx")
    });
    tmux.keys(&["q"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 0"));
}
