//! End-to-end faults of the live TUI in a real terminal (tmux): SIGTERM and SIGHUP restore the
//! terminal and kill every child, as `q` does; an output flood of about 200 MB neither stalls
//! the keys nor loses a byte of the log.
//!
//! Without tmux or cmake the tests print a loud skip message; with `CI=true` they fail.

mod common;
mod tmux;

use std::io::{BufRead, BufReader};
use std::path::Path;

use tmux::{TempDir, Tmux, row_is, tagged_processes, tools_present, unique_tag, wait_until};

const TOOLS: [(&str, &str); 2] = [("tmux", "-V"), ("cmake", "--version")];

fn fixture(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/fixtures/tui")
        .join(relative)
}

/// The shell line tmux runs: jobdeck with a tag every child inherits, then its exit status
/// and the terminal's settings, read after jobdeck left.
fn session_command(tag: &str, dir: &Path) -> String {
    format!(
        "env JOBDECK_E2E_TAG={tag} '{bin}' -j 1 '{dir}'; echo \"jobdeck exited $?\"; stty -a",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.display(),
    )
}

/// jobdeck's own pid: of the tagged `jobdeck` processes, the one whose parent is not
/// another of them (its watchdog runs the same program, as jobdeck's child).
fn jobdeck_pid(tag: &str) -> u32 {
    let found = tagged_processes(tag);
    let jobdecks: Vec<u32> = found
        .iter()
        .filter(|(_, comm)| comm == "jobdeck")
        .map(|(pid, _)| *pid)
        .collect();
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name in parentheses: state, then the parent's pid.
        let after = &stat[stat.rfind(')')? + 1..];
        after.split_whitespace().nth(1)?.parse().ok()
    };
    jobdecks
        .iter()
        .find(|&&pid| parent(pid).is_none_or(|ppid| !jobdecks.contains(&ppid)))
        .map_or_else(|| panic!("no jobdeck process among {found:?}"), |pid| *pid)
}

/// `stty -a` ran after jobdeck: canonical mode and echo are on again (not `-icanon`).
fn assert_terminal_restored(screen: &str) {
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "the terminal is not restored:\n{screen}"
    );
}

#[test]
fn sigterm_sighup_and_ctrl_c_restore_the_terminal_exit_130_and_kill_every_child() {
    if !tools_present("e2e_faults", &TOOLS) {
        return;
    }
    // Ctrl-C in the live table is the key, not SIGINT (raw mode), and ends the same way:
    // exit 130, as SIGINT does headless.
    for signal in ["TERM", "HUP", "Ctrl-C"] {
        let tag = unique_tag(&signal.to_lowercase());
        let dir = TempDir::new(&tag);
        tmux::copy_dir(&fixture("long-sleep"), &dir.0.join("long-sleep"));
        let tmux = Tmux::start(&tag, &session_command(&tag, &dir.0));
        tmux.wait_for("the long job to run", |s| {
            row_is(s, "long-sleep", "running")
        });
        wait_until("its `sleep 60` to show up in /proc", || {
            tagged_processes(&tag)
                .iter()
                .any(|(_, comm)| comm == "sleep")
        });
        if signal == "Ctrl-C" {
            tmux.keys(&["C-c"]);
        } else {
            let pid = jobdeck_pid(&tag).to_string();
            let killed = std::process::Command::new("kill")
                .args([&format!("-{signal}"), &pid])
                .status()
                .expect("kill runs");
            assert!(killed.success());
        }
        let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| {
            s.contains("jobdeck exited") && s.contains("icanon")
        });
        assert!(
            screen.contains("jobdeck exited 130"),
            "{signal} ends the session as interrupted:\n{screen}"
        );
        assert!(
            screen.contains("interrupted: 1 jobs:"),
            "the summary line follows the restored screen:\n{screen}"
        );
        assert_terminal_restored(&screen);
        wait_until("every process jobdeck started to be gone", || {
            tagged_processes(&tag).is_empty()
        });
    }
}

/// The terminal goes away under the live TUI while SIGHUP is ignored (an SSH connection
/// dropped under `nohup`-like shells, `tmux kill-session`): every write then fails with `EIO`.
/// jobdeck used to panic restoring the terminal (ratatui's drop says so with `eprintln!`,
/// which panics on that terminal) and exited 101 without recording the cancelled run; now it
/// ends as a hang-up does: exit 130, every run cancelled and recorded, no process left.
#[test]
fn a_terminal_that_goes_away_ends_the_session_as_a_hang_up() {
    if !tools_present("e2e_faults", &TOOLS) {
        return;
    }
    let tag = unique_tag("gone");
    let dir = TempDir::new(&tag);
    tmux::copy_dir(&fixture("long-sleep"), &dir.0.join("src/long-sleep"));
    let status = dir.0.join("status");
    let command = format!(
        "trap '' HUP; env JOBDECK_E2E_TAG={tag} '{bin}' -j 1 -B '{build}' '{src}'; \
         echo $? > '{status}'",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = dir.0.join("build").display(),
        src = dir.0.join("src").display(),
        status = status.display(),
    );
    let tmux = Tmux::start(&tag, &command);
    tmux.wait_for("the long job to run", |s| {
        row_is(s, "long-sleep", "running")
    });
    tmux.run(&["kill-server"]);
    wait_until("jobdeck to exit and the shell to write its status", || {
        std::fs::read_to_string(&status).is_ok_and(|text| text.ends_with('\n'))
    });
    let code = std::fs::read_to_string(&status).expect("the status");
    assert_eq!(code.trim(), "130", "ended as a hang-up");
    let history = std::fs::read_to_string(dir.0.join("build/.jobdeck/history.jsonl"))
        .expect("the history was written");
    assert!(
        history.contains("\"job\":\"long-sleep\"") && history.contains("\"status\":\"cancelled\""),
        "the cancelled run is recorded: {history}"
    );
    wait_until("every process jobdeck started to be gone", || {
        tagged_processes(&tag).is_empty()
    });
}

/// The terminal goes away under a paused session that ran nothing: its queued jobs end
/// `cancelled` and are recorded, as a hang-up mid-run cancels and records every run.
#[test]
fn a_terminal_that_goes_away_under_a_paused_session_records_its_queued_jobs() {
    if !tools_present("e2e_faults", &[("tmux", "-V")]) {
        return;
    }
    let tag = unique_tag("gone-paused");
    let dir = TempDir::new(&tag);
    let status = dir.0.join("status");
    let build = dir.0.join("build");
    let command = format!(
        "trap '' HUP; '{bin}' -j 2 --paused --no-cmake --words 3 --words-per-task 10 \
         -B '{build}'; echo $? > '{status}'",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        build = build.display(),
        status = status.display(),
    );
    let tmux = Tmux::start(&tag, &command);
    tmux.wait_for("the paused table", |s| {
        s.contains("PAUSED") && s.contains("output2 queued")
    });
    tmux.run(&["kill-server"]);
    wait_until("jobdeck to exit and the shell to write its status", || {
        std::fs::read_to_string(&status).is_ok_and(|text| text.ends_with('\n'))
    });
    let code = std::fs::read_to_string(&status).expect("the status");
    assert_eq!(code.trim(), "130", "ended as a hang-up");
    let history = std::fs::read_to_string(build.join(".jobdeck/history.jsonl")).unwrap_or_default();
    let cancelled = history
        .lines()
        .filter(|l| l.contains("\"status\":\"cancelled\""))
        .count();
    assert_eq!(cancelled, 3, "every queued job is recorded: {history}");
}

/// Lines per chunk of the flood fixture, and the line.
const FLOOD_CHUNK: u64 = 100_000;
const FLOOD_LINE: &str = "0123456789abcdefghijklmnopqrstuvwxyz";

#[test]
fn output_flood_keeps_keys_answered_and_the_log_whole() {
    if !tools_present("e2e_faults", &TOOLS) {
        return;
    }
    let tag = unique_tag("flood");
    let dir = TempDir::new(&tag);
    tmux::copy_dir(&fixture("faults/flood"), &dir.0.join("flood"));
    let tmux = Tmux::start(&tag, &session_command(&tag, &dir.0));
    tmux.wait_for("the flood to run", |s| row_is(s, "flood", "running"));
    wait_until("`yes` to be printing", || {
        tagged_processes(&tag).iter().any(|(_, comm)| comm == "yes")
    });
    // Keys are answered while the flood goes on: the help opens and closes.
    tmux.keys(&["?"]);
    tmux.wait_for("the help over the flood", |s| s.contains("or Esc closes)"));
    // The flood writes its count of chunks when it ends: not yet, so it went on meanwhile.
    let flooding = !dir.0.join("flood/chunks").exists();
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help to close", |s| !s.contains("or Esc closes)"));
    std::fs::write(dir.0.join("flood/stop"), "").expect("stop the flood");
    tmux.wait_for("the flood to end", |s| row_is(s, "flood", "ok"));
    // Peak memory of the TUI, read before it exits.
    let status = std::fs::read_to_string(format!("/proc/{}/status", jobdeck_pid(&tag)))
        .expect("jobdeck's /proc status");
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| {
        s.contains("jobdeck exited") && s.contains("icanon")
    });
    assert!(screen.contains("jobdeck exited 0"), "{screen}");
    assert_terminal_restored(&screen);
    assert!(
        flooding,
        "the help must have opened while the flood was still running"
    );
    assert!(peak_kb < 100 * 1024, "peak RSS {peak_kb} kB");
    let log = dir.0.join("build/.jobdeck/logs/flood/configure.log");
    let file = std::fs::File::open(&log).expect("the flood's log");
    let mut flood_lines = 0_u64;
    for line in BufReader::with_capacity(1 << 20, file).lines() {
        if line.expect("the log is text") == FLOOD_LINE {
            flood_lines += 1;
        }
    }
    let chunks: u64 = std::fs::read_to_string(dir.0.join("flood/chunks"))
        .expect("the flood's count of chunks")
        .trim()
        .parse()
        .expect("a count");
    assert!(
        chunks < 150,
        "the flood ran to its cap: the keys took too long"
    );
    assert_eq!(
        flood_lines,
        chunks * FLOOD_CHUNK,
        "every line of the flood is in {log:?}"
    );
}

/// SIGTERM while `$EDITOR` (`e`) or the pager (`o`) has the terminal ends the session as it
/// does otherwise (exit 130): the editor or pager is closed first, and the terminal is
/// jobdeck's to restore. Before, jobdeck and its jobs went on until the editor was killed.
#[test]
fn sigterm_while_the_editor_or_the_pager_is_open_ends_the_session() {
    if !tools_present("sigterm_while_the_editor_or_the_pager_is_open", &TOOLS) {
        return;
    }
    for (key, variable) in [("e", "EDITOR"), ("o", "PAGER")] {
        let tag = unique_tag(&format!("lent-{key}"));
        let dir = TempDir::new(&tag);
        let projects = dir.0.join("projects");
        let project = projects.join("p");
        std::fs::create_dir_all(&project).expect("the project");
        std::fs::write(
            project.join("CMakeLists.txt"),
            "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n",
        )
        .expect("CMakeLists.txt");
        // The "editor" says it is there, then waits as an editor does.
        let opened = dir.0.join("opened");
        let program = dir.0.join("program");
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\necho $$ > '{}'\nexec sleep 1000\n",
                opened.display()
            ),
        )
        .expect("the program");
        let mut permissions = std::fs::metadata(&program).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&program, permissions).expect("chmod");
        let pid_file = dir.0.join("jobdeck.pid");
        let command = format!(
            "env -u VISUAL {variable}='{program}' sh -c 'echo $$ > \"$0\"; exec \"$1\" -j 1 \"$2\"' \
             '{pid_file}' '{bin}' '{projects}'; echo \"jobdeck exited $?\"",
            program = program.display(),
            pid_file = pid_file.display(),
            bin = env!("CARGO_BIN_EXE_jobdeck"),
            projects = projects.display(),
        );
        let tmux = Tmux::start(&format!("lent-{key}"), &command);
        tmux.wait_for("the project to configure", |s| row_is(s, "p", "ok"));
        tmux.keys(&[key]);
        wait_until("the editor or pager to open", || opened.exists());
        let read_pid = |path: &Path| -> i32 {
            std::fs::read_to_string(path)
                .expect("a pid file")
                .trim()
                .parse()
                .expect("a pid")
        };
        let (jobdeck, lent) = (read_pid(&pid_file), read_pid(&opened));
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(jobdeck).expect("a pid"),
            rustix::process::Signal::TERM,
        )
        .expect("SIGTERM");
        tmux.wait_for_in(true, "jobdeck to exit 130", |s| {
            s.contains("jobdeck exited 130")
        });
        let alive = std::fs::read_to_string(format!("/proc/{lent}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z "));
        assert!(!alive, "{variable} is closed");
    }
}

/// SIGQUIT while `$EDITOR` is open ends the session as SIGTERM does (it was ignored for as
/// long as the editor lived), and either stops the editor's whole tree with the usual
/// escalation: an editor that ignores SIGTERM and SIGHUP, and the child it started (which
/// inherits them ignored and once survived jobdeck), are both gone when jobdeck exits 130.
#[test]
fn sigquit_and_sigterm_while_the_editor_is_open_stop_it_and_all_it_started() {
    if !tools_present("sigquit_and_sigterm_while_the_editor_is_open", &TOOLS) {
        return;
    }
    for (label, signal) in [
        ("quit", rustix::process::Signal::QUIT),
        ("term", rustix::process::Signal::TERM),
    ] {
        let tag = unique_tag(&format!("editor-{label}"));
        let dir = TempDir::new(&tag);
        let projects = dir.0.join("projects");
        std::fs::create_dir_all(projects.join("p")).expect("the project");
        std::fs::write(
            projects.join("p/CMakeLists.txt"),
            "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n",
        )
        .expect("CMakeLists.txt");
        let (opened, child) = (dir.0.join("opened"), dir.0.join("child"));
        let program = dir.0.join("editor");
        std::fs::write(
            &program,
            format!(
                "#!/bin/sh\ntrap '' TERM HUP\nsleep 1000 &\necho $! > '{child}'\necho $$ > '{opened}'\n\
                 wait\n",
                child = child.display(),
                opened = opened.display()
            ),
        )
        .expect("the editor");
        let mut permissions = std::fs::metadata(&program).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&program, permissions).expect("chmod");
        let pid_file = dir.0.join("jobdeck.pid");
        let command = format!(
            "env -u VISUAL EDITOR='{program}' sh -c 'echo $$ > \"$0\"; exec \"$1\" -j 1 \"$2\"' \
             '{pid_file}' '{bin}' '{projects}'; echo \"jobdeck exited $?\"",
            program = program.display(),
            pid_file = pid_file.display(),
            bin = env!("CARGO_BIN_EXE_jobdeck"),
            projects = projects.display(),
        );
        let tmux = Tmux::start(&format!("editor-{label}"), &command);
        tmux.wait_for("the project to configure", |s| row_is(s, "p", "ok"));
        tmux.keys(&["e"]);
        wait_until("the editor and its child", || {
            opened.exists() && std::fs::read_to_string(&child).is_ok_and(|c| !c.is_empty())
        });
        let read_pid = |path: &Path| -> i32 {
            std::fs::read_to_string(path)
                .expect("a pid file")
                .trim()
                .parse()
                .expect("a pid")
        };
        let jobdeck = rustix::process::Pid::from_raw(read_pid(&pid_file)).expect("a pid");
        rustix::process::kill_process(jobdeck, signal).expect("the signal");
        tmux.wait_for_in(true, "jobdeck to exit 130", |s| {
            s.contains("jobdeck exited 130")
        });
        let alive = |pid: i32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| !stat.contains(") Z "))
        };
        let (editor, editors_child) = (read_pid(&opened), read_pid(&child));
        let survivors: Vec<i32> = [editor, editors_child]
            .into_iter()
            .filter(|&pid| alive(pid))
            .collect();
        for &pid in &survivors {
            let pid = rustix::process::Pid::from_raw(pid).expect("a pid");
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
        assert!(survivors.is_empty(), "{label}: {survivors:?} survived");
    }
}
