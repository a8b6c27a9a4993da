//! The tmux harness for end-to-end tests of the live TUI: a private tmux server at a fixed
//! size, screens read with `capture-pane`, waits that poll with a deadline (`E2E_TIMEOUT_MS`,
//! default 20 s) and never sleep to synchronise, and /proc lookups of every process a
//! session started (they carry a unique `JOBDECK_E2E_TAG` in their environment).
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of these helpers"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

// Loaded by path, not through `crate::common`: most tmux tests have no `common` module.
#[allow(clippy::duplicate_mod)]
#[path = "../common/cache_home.rs"]
mod cache_home;

/// The tmux session every test uses, on its own server.
pub const SESSION: &str = "e2e";

/// How long any awaited screen or condition may take.
pub fn timeout() -> Duration {
    let millis = std::env::var("E2E_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    Duration::from_millis(millis)
}

/// A private tmux server; dropping it kills the server and everything in it.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a detached 100x30 session on a server named after `label`; the
    /// pane stays after the command exits, so its last screen can be read.
    pub fn start(label: &str, command: &str) -> Self {
        Self::start_sized(label, command, (100, 30))
    }

    /// `start` in a session of `(columns, rows)`.
    pub fn start_sized(label: &str, command: &str, (columns, rows): (u16, u16)) -> Self {
        let (columns, rows) = (columns.to_string(), rows.to_string());
        let tmux = Self {
            socket: format!("e2e-{label}-{}", std::process::id()),
        };
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            &columns,
            "-y",
            &rows,
            command,
        ]);
        assert!(started.status.success(), "tmux new-session: {started:?}");
        tmux.run(&["set-option", "-t", SESSION, "remain-on-exit", "on"]);
        tmux
    }

    /// Runs a tmux command on this server.
    pub fn run(&self, args: &[&str]) -> Output {
        // The server, started by the first of these, passes its environment to the shells
        // that start jobdeck: the tests' user cache folder, not the real one.
        cache_home::isolate(&mut Command::new("tmux"))
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// The visible screen, or with `history` also the lines scrolled off the top.
    pub fn capture_with(&self, history: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", SESSION];
        if history {
            args.extend(["-S", "-"]);
        }
        let out = self.run(&args);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `keys` (tmux key names) into the pane.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?}: {out:?}");
    }

    /// Clicks the left button on screen row `row` (from 0), column 5, as a terminal reports
    /// it to a program that asked for mouse events (SGR encoding: press, then release).
    pub fn click(&self, row: usize) {
        let line = row + 1;
        let report = format!("\x1b[<0;5;{line}M\x1b[<0;5;{line}m");
        let out = self.run(&["send-keys", "-t", SESSION, "-l", &report]);
        assert!(out.status.success(), "send-keys click: {out:?}");
    }

    /// Polls the screen every 50 ms until `ready` holds; panics with the last screen if the
    /// deadline passes.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        self.wait_for_in(false, what, ready)
    }

    /// `wait_for`, optionally over the scrollback too.
    pub fn wait_for_in(&self, history: bool, what: &str, ready: impl Fn(&str) -> bool) -> String {
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

/// A tag unique to this test run, for `JOBDECK_E2E_TAG`.
pub fn unique_tag(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{label}-{}-{nanos}", std::process::id())
}

/// The screen line of the row named `name` (names are padded, so `name ` is unambiguous).
pub fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name} ");
    screen.lines().find(|line| line.contains(&needle))
}

/// Whether the row named `name` shows `state`.
pub fn row_is(screen: &str, name: &str, state: &str) -> bool {
    row(screen, name).is_some_and(|line| line.contains(&format!(" {state} ")))
}

/// Pids of live (not zombie) processes whose environment carries `tag`, with their names.
pub fn tagged_processes(tag: &str) -> Vec<(u32, String)> {
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

/// Polls `ready` every 50 ms; panics if it does not hold within `timeout()`.
pub fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout();
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
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

/// A temporary folder, removed also when the test fails.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `$TMPDIR/jobdeck-e2e-<tag>`, created empty.
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("jobdeck-e2e-{tag}"));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether every program in `programs` runs; without one, prints a loud skip message (the
/// stderr handle, not `eprintln!`, which the harness hides for a passing test), or fails
/// under `CI=true`.
pub fn tools_present(test: &str, programs: &[(&str, &str)]) -> bool {
    let missing: Vec<&str> = programs
        .iter()
        .filter(|(program, arg)| {
            !Command::new(program)
                .arg(arg)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|(program, _)| *program)
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {missing:?} not installed, and CI=true forbids skipping"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!! {test} SKIPPED: {missing:?} not installed !!!!!!!!\n"
    );
    false
}
