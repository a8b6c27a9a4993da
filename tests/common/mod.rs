//! Helpers shared by the integration tests: fresh temporary folders holding copies of the
//! fixtures, running the real binary with a time limit, the cmake skip rule, and reading
//! `/proc` to prove that no process of a job's group survives.
//!
//! Nothing here sleeps to synchronise: waits poll a condition until a deadline.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of these helpers"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

pub mod cache_home;
pub mod commands;
pub mod held_cmake;
pub mod skip;

mod processes;
pub use processes::*;

pub use skip::available;

/// The jobdeck binary Cargo built for these tests.
pub const JOBDECK: &str = env!("CARGO_BIN_EXE_jobdeck");

/// A command running [`JOBDECK`] with the tests' user cache folder
/// ([`cache_home::isolate`]): every test starts jobdeck through this or [`run_command`].
pub fn jobdeck() -> Command {
    let mut command = Command::new(JOBDECK);
    cache_home::isolate(&mut command);
    command
}

/// How long a whole run (or any awaited condition) may take before the test fails.
///
/// Long enough for cmake's compiler probes on a busy 2-core machine; `JOBDECK_TEST_TIMEOUT_MS`
/// raises it on slower ones.
pub fn timeout() -> Duration {
    let millis = std::env::var("JOBDECK_TEST_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000);
    Duration::from_millis(millis)
}

/// A folder under the system temp folder, removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty folder whose name holds `label`, this process's id and a counter.
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("jobdeck-test-{}-{n}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        // Canonical, so paths compare equal to what discovery and cmake report.
        Self(path.canonicalize().expect("canonical temp dir"))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `path/relative`.
    pub fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.0.join(relative)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `assets/fixtures/<relative>` in the source tree.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/fixtures")
        .join(relative)
}

/// Copies the fixture `assets/fixtures/<relative>` to `dest` (created with its parents).
pub fn copy_fixture(relative: &str, dest: &Path) {
    copy_tree(&fixture(relative), dest);
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("create copy destination");
    for entry in std::fs::read_dir(src).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = dest.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Writes a minimal `project(<x> NONE)` CMakeLists.txt into `dir` (created).
pub fn write_none_project(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create project folder");
    std::fs::write(
        dir.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(generated NONE)\n",
    )
    .expect("write CMakeLists.txt");
}

/// Whether cmake can run; without it the test is skipped where the harness shows it, or
/// fails under `CI=true` (see [`skip`]).
pub fn cmake_available(test: &str) -> bool {
    let found = Command::new("cmake")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    available(test, found, "cmake")
}

/// The result of running the binary to the end.
#[derive(Debug)]
pub struct Run {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// The exit code (panics if a signal ended it).
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("jobdeck was killed by a signal: {self:?}"))
    }

    /// The stdout lines parsed as JSON, one object per line.
    pub fn json(&self) -> Vec<serde_json::Value> {
        parse_json_lines(&self.stdout)
    }
}

/// Parses every line as JSON, failing the test on any line that does not parse.
pub fn parse_json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"))
        })
        .collect()
}

/// Runs `jobdeck args…` with stdout and stderr piped, and fails the test if it takes longer
/// than `timeout()`.
pub fn run_jobdeck<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = jobdeck();
    command.args(args);
    run_command(command)
}

/// The output of `child` (started from `command`) once it ends; kills it and fails the test
/// if it has not ended within `timeout()`.
pub fn output_within(child: std::process::Child, command: &Command) -> std::process::Output {
    let pid = child.id();
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(output) = rx.recv_timeout(timeout()) else {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
        panic!("{command:?} did not finish within {:?}", timeout());
    };
    output.expect("wait for the command")
}

/// Runs a prepared command to the end with stdin from /dev/null, within `timeout()`; a
/// jobdeck it starts (itself, or through `sh`, `setpriv`, …) gets the tests' user cache
/// folder unless the command names one.
pub fn run_command(mut command: Command) -> Run {
    cache_home::isolate(&mut command);
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the command");
    let output = output_within(child, &command);
    Run {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A running child whose stdout lines arrive on a channel, so a test can wait for a line.
pub struct Streaming {
    /// The child; its stdout is taken.
    pub child: Child,
    /// Its stdout, line by line.
    pub lines: Receiver<String>,
    stderr: Option<std::process::ChildStderr>,
}

impl Streaming {
    /// Starts `jobdeck args…` with piped output.
    pub fn start<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Self::start_with_marker(args, "none")
    }

    /// Starts `jobdeck args…` with piped output and `JOBDECK_TEST_MARKER=<marker>` set.
    pub fn start_with_marker<I, S>(args: I, marker: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Self::start_with_env(args, marker, &[])
    }

    /// Starts `jobdeck args…` with piped output, `JOBDECK_TEST_MARKER=<marker>` and `env` set.
    pub fn start_with_env<I, S>(args: I, marker: &str, env: &[(&str, &std::ffi::OsStr)]) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = jobdeck();
        command
            .args(args)
            .env(MARKER_VAR, marker)
            .envs(env.iter().copied());
        Self::spawn(command)
    }

    /// Starts `command` (jobdeck, or jobdeck through `setpriv`) with piped output.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start jobdeck");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take();
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// Collects lines until one satisfies `is_match`; fails the test after `timeout()`.
    pub fn wait_for_line(&self, seen: &mut Vec<String>, is_match: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout();
        loop {
            match self.lines.recv_deadline(deadline) {
                Ok(line) => {
                    let done = is_match(&line);
                    seen.push(line);
                    if done {
                        return;
                    }
                }
                Err(err) => panic!("no matching line ({err}); saw {seen:#?}"),
            }
        }
    }

    /// Waits for the child to exit (within `timeout()`), then returns its status, with the
    /// rest of stdout appended to `seen` and its stderr.
    pub fn finish(mut self, seen: &mut Vec<String>) -> (ExitStatus, String) {
        let deadline = Instant::now() + timeout();
        // The reader thread closes the channel at end of file, which comes after the exit.
        loop {
            match self.lines.recv_deadline(deadline) {
                Ok(line) => seen.push(line),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("jobdeck did not exit within {:?}; saw {seen:#?}", timeout());
                }
            }
        }
        let status = self.child.wait().expect("wait for jobdeck");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        (status, stderr)
    }
}

impl Drop for Streaming {
    /// A test that fails while jobdeck waits must not leave it running: kill it (a no-op once
    /// `finish` reaped it), and its watchdog stops its jobs.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout()` passes; returns whether it held.
pub fn wait_until(condition: impl FnMut() -> bool) -> bool {
    wait_within(timeout(), condition)
}

/// Polls `condition` every 20 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_within(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A pool of `workers` workers driven directly (no watchdog, no niceness), and its events.
pub fn engine(
    workers: usize,
) -> (
    jobdeck::engine::Engine,
    Receiver<jobdeck::engine::EngineEvent>,
) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let config = jobdeck::engine::EngineConfig {
        workers,
        nice: None,
        watchdog: None,
        launcher: None,
        ..Default::default()
    };
    let engine = jobdeck::engine::Engine::new(&config, tx).expect("the OS starts the workers");
    (engine, rx)
}

/// The engine's next event; fails the test if none comes within `timeout()`.
pub fn next_event(rx: &Receiver<jobdeck::engine::EngineEvent>) -> jobdeck::engine::EngineEvent {
    rx.recv_timeout(timeout())
        .unwrap_or_else(|err| panic!("no engine event within {:?}: {err}", timeout()))
}

/// Whether the tests run as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Writes a `project(p NONE)` project with `body` after it into `dir`.
pub fn write_project(dir: &Path, body: &str) {
    std::fs::create_dir_all(dir).expect("create project folder");
    let text = format!("cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n{body}\n");
    std::fs::write(dir.join("CMakeLists.txt"), text).expect("write CMakeLists.txt");
}

/// Runs jobdeck, which must exit 0 or 1, and parses its JSON lines.
pub fn jobdeck_json(args: &[&str]) -> Vec<serde_json::Value> {
    let run = run_jobdeck(args);
    assert!(matches!(run.code(), 0 | 1), "{run:?}");
    run.json()
}

/// A command that runs jobdeck as the unprivileged user `nobody`, so permission bits apply.
pub fn as_nobody(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(JOBDECK)
        .args(args)
        .arg(dir);
    command
}

/// A fresh folder everyone may use, for a test that runs jobdeck as `nobody`; `None` (after
/// a loud skip, or a failure under CI) without cmake or root.
pub fn nobody_workspace(test: &str, label: &str) -> Option<TempDir> {
    if !cmake_available(test) || !available(test, is_root(), "root, to run as `nobody`") {
        return None;
    }
    let dir = TempDir::new(label);
    open_to_everyone(dir.path());
    Some(dir)
}

/// Lets everyone read, write and enter `path`.
pub fn open_to_everyone(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777)).expect("chmod");
}

/// A temporary path as one command-line argument.
pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// The fields every job event carries, by the public contract.
pub const JOB_FIELDS: [&str; 12] = [
    "event",
    "ts_ms",
    "attempt",
    "job",
    "kind",
    "worker",
    "status",
    "duration_ms",
    "exit_code",
    "error",
    "log",
    "seeded",
];

/// Each test's `finished` event of a `--json` run (those with a `test` field), as `(test,
/// status, attempt)`, in the order they came.
pub fn test_ends(run: &Run) -> Vec<(String, String, u64)> {
    run.json()
        .iter()
        .filter(|e| e["test"].is_string())
        .map(|e| {
            (
                e["test"].as_str().expect("name").to_string(),
                e["status"].as_str().expect("status").to_string(),
                e["attempt"].as_u64().expect("attempt"),
            )
        })
        .collect()
}

/// The `finished` event of each job, by job name; fails on a job that finished twice.
pub fn finished_by_job(events: &[serde_json::Value]) -> HashMap<String, serde_json::Value> {
    let mut finished = HashMap::new();
    for event in events.iter().filter(|e| e["event"] == "finished") {
        let job = event["job"].as_str().expect("job is a string").to_string();
        assert!(
            finished.insert(job.clone(), event.clone()).is_none(),
            "{job} finished twice"
        );
    }
    finished
}

/// Checks the event stream's invariants: every job event has the contract's fields, every
/// `started` has exactly one `finished`, and the last line is the summary.
pub fn check_event_stream(events: &[serde_json::Value]) {
    for event in events.iter().filter(|e| e["event"] != "summary") {
        for field in JOB_FIELDS {
            assert!(
                event.get(field).is_some(),
                "field {field} missing in {event}"
            );
        }
        assert!(
            event["kind"] == "cmake" || event["kind"] == "probe",
            "a project's stage or a toolchain probe: {event}"
        );
    }
    let count = |name: &str| events.iter().filter(|e| e["event"] == name).count();
    let finished = finished_by_job(events);
    for started in events.iter().filter(|e| e["event"] == "started") {
        let job = started["job"].as_str().expect("job name");
        assert!(finished.contains_key(job), "{job} started, never finished");
    }
    assert_eq!(
        count("queued"),
        count("finished"),
        "every queued job finishes exactly once"
    );
    assert_eq!(events.last().expect("some events")["event"], "summary");
}

/// A local HTTP server, for the rest of the test process, that answers every request 404
/// (CMake does not retry it, so a download fails at once); its port.
pub fn not_found_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    port
}
