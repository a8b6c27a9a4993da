//! A guard process that stops jobdeck's jobs if jobdeck itself is killed with SIGKILL.
//!
//! Every job runs in its own process group, so nothing the kernel does on jobdeck's death
//! reaches them, and SIGKILL cannot be caught. So jobdeck starts a copy of itself in the
//! watchdog role (`jobdeck --internal-watchdog`, in a process group of its own, so a Ctrl-C at
//! the terminal does not reach it) and tells it over a pipe which job groups exist: `+<pgid>`
//! when a child starts, `-<pgid>` once it is reaped. When the pipe closes, jobdeck is gone;
//! any group still registered then gets SIGTERM, a grace period, and SIGKILL, as a cancel
//! would. On a normal exit every group was released first, so the watchdog just leaves.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, PoisonError};

use rustix::process::Pid;

/// The hidden first argument that runs the jobdeck binary as the watchdog.
pub const ARG: &str = "--internal-watchdog";

/// jobdeck's end of the watchdog: registers and releases job process groups.
#[derive(Debug)]
pub struct Watchdog {
    pipe: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
}

impl Watchdog {
    /// Starts `program --internal-watchdog` (the jobdeck binary) in its own process group.
    pub fn spawn(program: &Path) -> std::io::Result<Self> {
        let mut child = Command::new(program)
            .arg(ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()?;
        let pipe = child.stdin.take();
        Ok(Self {
            pipe: Mutex::new(pipe),
            child: Mutex::new(child),
        })
    }

    /// Registers a job's process group: it is stopped if jobdeck dies before releasing it.
    pub fn watch(&self, pgid: Pid) {
        self.send('+', pgid);
    }

    /// Releases a group whose processes are all gone.
    pub fn release(&self, pgid: Pid) {
        self.send('-', pgid);
    }

    fn send(&self, op: char, pgid: Pid) {
        let mut pipe = self.pipe.lock().unwrap_or_else(PoisonError::into_inner);
        // A watchdog that died cannot help any more; the jobs still run and are still
        // stopped by jobdeck itself on every exit it can see.
        let failed = pipe.as_mut().is_some_and(|p| {
            // One write per message: the pipe is unbuffered, and `writeln!` would make three.
            p.write_all(format!("{op}{}\n", pgid.as_raw_pid()).as_bytes())
                .is_err()
        });
        if failed {
            *pipe = None;
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Closing the pipe tells the watchdog to leave; every group was released by now.
        self.pipe
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let _ = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .wait();
    }
}

/// The watchdog role: reads registrations from stdin until it closes, then stops whatever
/// is still registered.
pub fn run() {
    // Terminal signals aimed at jobdeck's session must not end the watchdog before jobdeck.
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGHUP] {
        let _ = signal_hook::flag::register(signal, std::sync::Arc::default());
    }
    // Read now: once jobdeck is gone, the watchdog's parent is someone else.
    let jobdeck = rustix::process::getppid();
    let mut groups = HashSet::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let (op, pgid) = line.split_at(line.len().min(1));
        let Some(pgid) = pgid.parse().ok().and_then(Pid::from_raw) else {
            continue;
        };
        match op {
            "+" => {
                groups.insert(pgid);
            }
            "-" => {
                groups.remove(&pgid);
            }
            _ => {}
        }
    }
    super::reap::stop_groups(&groups.into_iter().collect::<Vec<_>>());
    // Processes of jobdeck's runs that left their groups carry its pid in their marker.
    if let Some(jobdeck) = jobdeck {
        super::reap::stop_all_marked(&format!("{}.", jobdeck.as_raw_pid()));
    }
}
