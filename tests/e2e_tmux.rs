//! End-to-end test of the live TUI in a real terminal: the binary runs inside a private tmux
//! server at a fixed size, on the fixture projects in `assets/fixtures/tui/` copied to a
//! temporary folder. The test sends keys and reads the screen with `capture-pane`, waiting for
//! text with a deadline (`E2E_TIMEOUT_MS`, default 20 s) and never sleeping to synchronise.
//!
//! Every process jobdeck starts inherits a unique `JOBDECK_E2E_TAG` in its environment, so the
//! test can find, through /proc, any child or grandchild (`sleep 60`) that survived.
//!
//! Without tmux the test prints a loud skip message; with `CI=true` it fails instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const SESSION: &str = "e2e";

fn timeout() -> Duration {
    let millis = std::env::var("E2E_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    Duration::from_millis(millis)
}

/// A private tmux server; dropping it kills the server and everything in it.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// The visible screen, or with `history` also the lines scrolled off the top (the pager
    /// can leave the cursor at the bottom of the normal screen, so the shell's last lines
    /// scroll).
    fn capture_with(&self, history: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", SESSION];
        if history {
            args.extend(["-S", "-"]);
        }
        let out = self.run(&args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    /// Polls the screen every 50 ms until `ready` holds; panics with the last screen if the
    /// deadline passes.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_for_in(false, what, ready)
    }

    fn wait_for_in(&self, history: bool, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout();
        loop {
            let screen = self.capture_with(history);
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The screen line of the row named `name` (names are padded, so `name ` is unambiguous).
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name} ");
    screen.lines().find(|line| line.contains(&needle))
}

fn row_is(screen: &str, name: &str, state: &str) -> bool {
    row(screen, name).is_some_and(|line| line.contains(&format!(" {state} ")))
}

/// Pids of live processes whose environment carries `tag`, with their command names.
fn tagged_processes(tag: &str) -> Vec<(u32, String)> {
    let needle = format!("JOBDECK_E2E_TAG={tag}");
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let tagged = environ
            .split(|&b| b == 0)
            .any(|var| var == needle.as_bytes());
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // A zombie has been killed; it only waits for its reaper.
        let is_zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if tagged && !is_zombie {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_string()));
        }
    }
    found
}

fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout();
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture copy");
    for entry in std::fs::read_dir(from).expect("read fixtures").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Removes the temporary copy of the fixtures, also when the test fails.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tools_present() -> bool {
    let has = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = [
        ("tmux", "-V"),
        ("cmake", "--version"),
        ("less", "--version"),
    ]
    .into_iter()
    .filter(|(program, arg)| !has(program, arg))
    .map(|(program, _)| program)
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "e2e_tmux: {missing:?} not installed, and CI=true forbids skipping"
    );
    // Written to the stderr handle, not with `eprintln!`, which the test harness captures
    // and hides for a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!! e2e_tmux SKIPPED: {missing:?} not installed !!!!!!!!\n"
    );
    false
}

#[test]
#[expect(clippy::too_many_lines, reason = "one user session, told step by step")]
fn live_table_read_fix_rerun_cancel_resize_and_quit() {
    if !tools_present() {
        return;
    }
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tag = format!("{pid}-{nanos}");
    let dir = TempDir(std::env::temp_dir().join(format!("jobdeck-e2e-{tag}")));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures/tui");
    copy_dir(&fixtures, &dir.0);
    let command = format!(
        "env JOBDECK_E2E_TAG={tag} PAGER=less LESS= '{bin}' -j 2 '{dir}'; \
         echo \"jobdeck exited $?\"; stty -a",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        dir = dir.0.display(),
    );
    let tmux = Tmux {
        socket: format!("e2e-{pid}"),
    };
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        "100",
        "-y",
        "30",
        &command,
    ]);
    assert!(started.status.success(), "tmux new-session: {started:?}");
    tmux.run(&["set-option", "-t", SESSION, "remain-on-exit", "on"]);

    // Rows finish on two workers while the long job keeps running.
    tmux.wait_for("the quick rows to finish", |s| {
        row_is(s, "broken", "failed")
            && row_is(s, "ok-one", "ok")
            && row_is(s, "ok-two", "ok")
            && row_is(s, "long-sleep", "running")
    });
    wait_until("the long job's `sleep 60` to show up in /proc", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });

    // Quitting while a job runs asks first; `n` keeps the session.
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| {
        s.contains("Quit? 1 unfinished runs")
    });
    tmux.keys(&["n"]);
    tmux.wait_for("the footer to come back", |s| s.contains("q quit"));

    // Read why the failed one failed: the log pane, then the full log in the pager.
    tmux.keys(&["Enter"]);
    // The detail column shows the error summary too; the pane's title tells them apart.
    let screen = tmux.wait_for("the log pane", |s| s.contains(" broken run 1 "));
    assert!(
        screen
            .lines()
            .filter(|l| l.contains("CMake Error at"))
            .count()
            >= 2,
        "the summary in the table and the full error in the pane:\n{screen}"
    );
    tmux.keys(&["o"]);
    tmux.wait_for("less showing the log", |s| {
        s.contains("tui-fixture: broken on purpose") && !s.contains("q quit")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the table after the pager", |s| {
        row_is(s, "broken", "failed") && s.contains("q quit")
    });

    // Cancel the long job: its whole process group goes.
    tmux.keys(&["j", "c"]);
    tmux.wait_for("the long job to be cancelled", |s| {
        row_is(s, "long-sleep", "cancelled")
    });
    wait_until("no process of the cancelled job to remain", || {
        tagged_processes(&tag)
            .iter()
            .all(|(_, comm)| comm != "sleep" && comm != "cmake")
    });

    // Fix the failed project on disk and re-run it to ok without leaving.
    std::fs::write(
        dir.0.join("broken/CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(tui_broken NONE)\n",
    )
    .expect("fix the fixture");
    tmux.keys(&["k", "r"]);
    tmux.wait_for("the fixed project to configure", |s| {
        row_is(s, "broken", "ok")
    });

    // One more worker while running.
    tmux.keys(&["+"]);
    tmux.wait_for("three workers in the header", |s| s.contains("/3 │"));

    // Start the long job again, then quit: confirmed, it is cancelled and the shell is clean.
    tmux.keys(&["j", "r"]);
    tmux.wait_for("the long job to run again", |s| {
        row_is(s, "long-sleep", "running")
    });
    wait_until("the re-run's `sleep 60`", || {
        tagged_processes(&tag)
            .iter()
            .any(|(_, comm)| comm == "sleep")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for_in(true, "jobdeck to exit", |s| {
        s.contains("jobdeck exited") && s.contains("icanon")
    });
    assert!(
        screen.contains("jobdeck exited 1"),
        "a cancelled job makes the exit status 1:\n{screen}"
    );
    // `stty -a` ran after jobdeck: the terminal is back in canonical mode with echo.
    let words: Vec<&str> = screen.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "{screen}"
    );
    wait_until("every process jobdeck started to be gone", || {
        tagged_processes(&tag).is_empty()
    });
}
