//! The tmux part of the test harness, for end-to-end tests of the live TUI: a private tmux
//! server at a fixed size, screens read with `capture-pane`, waits that poll with the
//! harness's deadline (`common::timeout`) and never sleep to synchronise, and /proc lookups
//! of every process a session started (they carry a unique `JOBDECK_E2E_TAG` in their
//! environment). What is not about tmux (temporary folders, the deadline, copying fixtures,
//! the skip rule) is `tests/common`'s: a crate using this module declares `mod common;`.
#![allow(
    dead_code,
    unused_imports,
    reason = "each test crate uses a different subset of these helpers"
)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::cache_home;
pub use crate::common::{TempDir, timeout};

/// The tmux session every test uses, on its own server.
pub const SESSION: &str = "e2e";

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
        // A server of its own per start: a test that starts the same label again at once
        // lost its new session to the server its first one was stopping (`server exited
        // unexpectedly`, seen in e2e_eta under load).
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let (columns, rows) = (columns.to_string(), rows.to_string());
        let start = STARTS.fetch_add(1, Ordering::Relaxed);
        let tmux = Self {
            socket: format!("e2e-{label}-{}-{start}", std::process::id()),
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
        self.wait_for_past(Duration::ZERO, history, what, ready)
    }

    /// `wait_for_in` with `longer` added to the deadline, for what takes a known time of its
    /// own (CMake's download back-off: 85 s, more than the harness's deadline).
    pub fn wait_for_past(
        &self,
        longer: Duration,
        history: bool,
        what: &str,
        ready: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout() + longer;
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

/// Polls `ready` until it holds; panics naming `what` if it does not within `timeout()`.
pub fn wait_until(what: &str, ready: impl Fn() -> bool) {
    assert!(
        crate::common::wait_until(ready),
        "timed out waiting for {what}"
    );
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    crate::common::copy_tree(from, to);
}

/// Whether every program in `programs` runs; without one the test is skipped where the
/// harness shows it, or fails under `CI=true` (see [`skip`]).
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
    crate::common::available(test, missing.is_empty(), &missing.join(", "))
}
