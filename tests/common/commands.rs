//! Helpers for the tests of command jobs (`jobdeck run`): running a program with bytes on
//! stdin and its stdout kept as bytes (a job's output is compared byte for byte), and the
//! GNU parallel skip rule.

use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use super::{cache_home, jobdeck, output_within};

/// The result of a run whose stdout is kept exactly.
#[derive(Debug)]
pub struct RawRun {
    /// Its exit status.
    pub status: ExitStatus,
    /// Every byte it printed on stdout.
    pub stdout: Vec<u8>,
    /// What it printed on stderr.
    pub stderr: String,
}

impl RawRun {
    /// The exit code (panics if a signal ended it).
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {self:?}"))
    }

    /// stdout as text (lossy), for messages and line checks.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// `jobdeck run --headless ARGS…` started in `folder`, stdin from /dev/null.
pub fn run_in(folder: &Path, args: &[&str]) -> super::Run {
    let mut command = jobdeck();
    command
        .current_dir(folder)
        .arg("run")
        .arg("--headless")
        .args(args);
    super::run_command(command)
}

/// `jobdeck run ARGS…` in `folder` (where its logs go), with `stdin` on its stdin.
pub fn jobdeck_run(folder: &Path, args: &[&str], stdin: &[u8]) -> RawRun {
    let mut command = jobdeck();
    command.arg("run").args(args).current_dir(folder);
    run_raw(command, stdin)
}

/// Runs `command` to the end with `stdin` written to it, within `timeout()`; fails the test
/// if it takes longer.
pub fn run_raw(mut command: Command, stdin: &[u8]) -> RawRun {
    cache_home::isolate(&mut command);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("start {command:?}: {err}"));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_vec();
    std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = output_within(child, &command);
    RawRun {
        status: output.status,
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether GNU parallel can run. Without it a test should return early: this prints a loud
/// skip notice, except under `CI=true`, where a missing parallel fails the test instead.
pub fn parallel_available(test: &str) -> bool {
    let found = Command::new("parallel")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: GNU parallel not found, and CI=true requires it"
        );
        eprintln!("\n======== SKIPPED: GNU parallel not found ({test}) ========\n");
    }
    found
}
