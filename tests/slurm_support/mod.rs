//! The local one-node Slurm cluster of `tests/slurm.rs`: started by `scripts/slurm-local.sh
//! up` when it is not up already, and then stopped when the test process ends, however it
//! ends; one test at a time on it.
#![allow(
    dead_code,
    reason = "each test crate uses a different subset of these helpers"
)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use crate::common::{self, TempDir};

/// A cluster test's footing: the cluster's `SLURM_CONF`, and the lock held while it runs.
pub struct OnCluster {
    pub conf: PathBuf,
    _lock: MutexGuard<'static, ()>,
}

/// What every cluster test starts with: cmake, the cluster (started if needed) and its
/// lock; `None` after the skip notice when cmake or the cluster is missing off CI.
pub fn on_cluster(test: &str) -> Option<OnCluster> {
    let conf = cluster_with_cmake(test)?;
    Some(OnCluster {
        conf,
        _lock: cluster_lock(),
    })
}

/// [`on_cluster`] without the lock, for a test that never reaches the cluster's node.
pub fn cluster_with_cmake(test: &str) -> Option<PathBuf> {
    if !common::cmake_available(test) {
        return None;
    }
    cluster(test)
}

/// `jobdeck args…` with the cluster's configuration in its environment.
pub fn jobdeck<S: AsRef<std::ffi::OsStr>>(conf: &Path, args: &[S]) -> Command {
    let mut command = common::jobdeck();
    command.args(args).env("SLURM_CONF", conf);
    command
}

/// `jobdeck --headless OPTIONS -B ROOT/b ROOT/src`, with `conf`'s cluster, run to its end.
pub fn run_in(conf: &Path, root: &TempDir, options: &[&str]) -> common::Run {
    common::run_command(jobdeck(conf, &args_in(root, options)))
}

/// The arguments of [`run_in`], for a jobdeck the test starts itself.
pub fn args_in(root: &TempDir, options: &[&str]) -> Vec<String> {
    let path = |relative: &str| root.join(relative).to_str().expect("utf-8").to_string();
    std::iter::once("--headless".to_string())
        .chain(options.iter().map(ToString::to_string))
        .chain(["-B".to_string(), path("b"), path("src")])
        .collect()
}

/// Sends SIGINT, the headless mode's cancel of every run, to `child`.
pub fn interrupt(child: &Child) {
    let pid = rustix::process::Pid::from_raw(child.id().cast_signed()).expect("a pid");
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("signal jobdeck");
}

/// One test at a time on the cluster.
pub fn cluster_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `SLURM_CONF` of the local cluster, started if needed; `None` (after a loud notice)
/// when it cannot start off CI.
pub fn cluster(test: &str) -> Option<PathBuf> {
    static CONF: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let conf = CONF.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh");
        let was_up = cluster_is_up();
        let up = Command::new(&script)
            .arg("up")
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run {}: {err}", script.display()))?;
        if !was_up {
            stop_at_exit(&script);
        }
        if !up.status.success() {
            return Err(format!(
                "{} up failed: {}",
                script.display(),
                String::from_utf8_lossy(&up.stderr)
            ));
        }
        let env = Command::new(&script)
            .arg("env")
            .output()
            .map_err(|err| err.to_string())?;
        let line = String::from_utf8_lossy(&env.stdout).trim().to_string();
        line.strip_prefix("SLURM_CONF=")
            .map(PathBuf::from)
            .ok_or_else(|| format!("unexpected `env` output: {line}"))
    });
    match conf {
        Ok(conf) => Some(conf.clone()),
        Err(err) => {
            common::available(test, false, &format!("a Slurm cluster ({err})"));
            None
        }
    }
}

/// Whether the local cluster's three daemons are running (`.ci/run` starts it before the
/// tests, and stops it itself).
fn cluster_is_up() -> bool {
    let run = std::env::var_os("JOBDECK_SLURM_DIR")
        .map_or_else(|| PathBuf::from("/tmp/jobdeck-slurm"), PathBuf::from);
    ["munge/munged.pid", "slurmctld.pid", "slurmd.pid"]
        .iter()
        .all(|file| {
            let pid = std::fs::read_to_string(run.join(file)).unwrap_or_default();
            let stat =
                std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
        })
}

/// Stops the cluster these tests start when this test process ends, however it ends (a
/// panic, Ctrl-C, SIGKILL): a helper in a process group of its own waits for the end of a
/// pipe only this process holds, then runs `slurm-local.sh down`.
fn stop_at_exit(script: &Path) {
    static HELD: OnceLock<std::process::ChildStdin> = OnceLock::new();
    let stopper = Command::new("sh")
        .args([
            "-c",
            "cat >/dev/null; exec \"$0\" down",
            &script.to_string_lossy(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Ok(mut stopper) = stopper
        && let Some(stdin) = stopper.stdin.take()
    {
        let _ = HELD.set(stdin);
    }
}
