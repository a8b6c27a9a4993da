//! A guard process that stops jobdeck's jobs if jobdeck itself is killed with SIGKILL.
//!
//! Every job runs in its own process group, so nothing the kernel does on jobdeck's death
//! reaches them, and SIGKILL cannot be caught. So jobdeck starts a copy of itself in the
//! watchdog role (`jobdeck --internal-watchdog`, in a process group of its own, so a Ctrl-C at
//! the terminal does not reach it) and tells it over a pipe which job groups exist: `+<pgid>`
//! when a child starts (`L<pgid>` when the child is a launcher such as srun), `-<pgid>` once
//! it is reaped. When the pipe closes, jobdeck is gone; any group still registered then gets
//! the stop escalation a cancel gets (`engine::stop`). A launcher's group is stopped as
//! a cancel stops it too: signals to the launcher first (see `engine::stop`), so srun's
//! helper can cancel the remote step before the rest of the group is killed. On a normal
//! exit every group was released first, so the watchdog just leaves.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rustix::process::Pid;

/// The hidden first argument that runs the jobdeck binary as the watchdog.
pub const ARG: &str = "--internal-watchdog";

/// jobdeck's end of the watchdog: registers and releases job process groups, and starts a
/// new watchdog if the one it has dies (its own SIGKILL, the OOM killer), handing it every
/// group still registered.
#[derive(Debug)]
pub struct Watchdog {
    program: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    child: Child,
    pipe: Option<ChildStdin>,
    /// The groups registered now, each with whether its leader is a launcher, for a
    /// replacement watchdog.
    watched: HashMap<Pid, bool>,
    /// Said once, at the end of the session: the first watchdog death and what was done.
    warning: Option<String>,
    closing: bool,
}

/// How often the monitor thread looks whether the watchdog is still there.
const CHECK_EVERY: Duration = Duration::from_millis(200);

impl Watchdog {
    /// Starts `program --internal-watchdog` (the jobdeck binary) in its own process group,
    /// and a thread that replaces it if it dies.
    pub fn spawn(program: &Path) -> std::io::Result<Arc<Self>> {
        let (child, pipe) = start(program)?;
        let watchdog = Arc::new(Self {
            program: program.to_path_buf(),
            state: Mutex::new(State {
                child,
                pipe,
                watched: HashMap::new(),
                warning: None,
                closing: false,
            }),
        });
        let weak = Arc::downgrade(&watchdog);
        std::thread::Builder::new()
            .name("watchdog-monitor".into())
            .spawn(move || {
                // Ends with the session: the handle is gone, or it is closing.
                while let Some(watchdog) = weak.upgrade() {
                    if !watchdog.keep_alive() {
                        break;
                    }
                    drop(watchdog);
                    std::thread::sleep(CHECK_EVERY);
                }
            })?;
        Ok(watchdog)
    }

    /// Registers a job's process group: it is stopped if jobdeck dies before releasing it.
    /// `launched`: its leader is a launcher (see `engine::launcher`), stopped before its group.
    pub fn watch(&self, pgid: Pid, launched: bool) {
        let mut state = self.lock();
        state.watched.insert(pgid, launched);
        self.send(&mut state, &registration(pgid, launched));
    }

    /// Releases a group whose processes are all gone.
    pub fn release(&self, pgid: Pid) {
        let mut state = self.lock();
        state.watched.remove(&pgid);
        self.send(&mut state, &format!("-{}\n", pgid.as_raw_pid()));
    }

    /// What happened to the watchdog during the session, if anything went wrong.
    pub fn warning(&self) -> Option<String> {
        self.lock().warning.clone()
    }

    /// The watchdog's pid now (it changes when a dead one is replaced).
    pub fn pid(&self) -> u32 {
        self.lock().child.id()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One write per message (the pipe is unbuffered). A failed write means the watchdog is
    /// gone: a new one gets the message with the rest.
    fn send(&self, state: &mut State, message: &str) {
        let sent = state
            .pipe
            .as_mut()
            .is_some_and(|pipe| pipe.write_all(message.as_bytes()).is_ok());
        if !sent {
            self.replace(state);
        }
    }

    /// Replaces a watchdog that exited. Returns false once the session is closing.
    fn keep_alive(&self) -> bool {
        let mut state = self.lock();
        if state.closing {
            return false;
        }
        if matches!(state.child.try_wait(), Ok(Some(_)) | Err(_)) {
            self.replace(&mut state);
        }
        true
    }

    /// Starts a new watchdog and registers every watched group with it.
    fn replace(&self, state: &mut State) {
        if state.closing {
            return;
        }
        let dead = state.child.id();
        // Reap the dead one (it is jobdeck's child).
        let _ = state.child.try_wait();
        let replaced = start(&self.program).and_then(|(child, pipe)| {
            state.child = child;
            state.pipe = pipe;
            let registrations =
                state
                    .watched
                    .iter()
                    .fold(String::new(), |mut all, (&pgid, &launched)| {
                        all.push_str(&registration(pgid, launched));
                        all
                    });
            match state.pipe.as_mut() {
                Some(pipe) => pipe.write_all(registrations.as_bytes()),
                None => Ok(()),
            }
        });
        let what = match replaced {
            Ok(()) => format!("started a new one (pid {})", state.child.id()),
            Err(err) => {
                state.pipe = None;
                format!(
                    "could not start a new one ({err}): if jobdeck is killed with SIGKILL, its \
                     running jobs will outlive it"
                )
            }
        };
        state
            .warning
            .get_or_insert_with(|| format!("the watchdog (pid {dead}) died; {what}"));
    }
}

/// The line that registers a group.
fn registration(pgid: Pid, launched: bool) -> String {
    format!(
        "{}{}\n",
        if launched { "L" } else { "+" },
        pgid.as_raw_pid()
    )
}

/// Starts one watchdog process and takes its end of the pipe.
fn start(program: &Path) -> std::io::Result<(Child, Option<ChildStdin>)> {
    let mut command = Command::new(program);
    command
        .arg(ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    // Registered as jobdeck's own child: the orphan scan at every run's end then passes it
    // by without reading its `/proc` files.
    let mut child = super::reap::spawn_own(&mut command, None)?;
    let pipe = child.stdin.take();
    Ok((child, pipe))
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Closing the pipe tells the watchdog to leave; every group was released by now.
        let mut state = self.lock();
        state.closing = true;
        state.pipe.take();
        let _ = state.child.wait();
        if let Some(pid) = Pid::from_raw(state.child.id().cast_signed()) {
            super::reap::forget(pid);
        }
    }
}

/// The watchdog role: reads registrations from stdin until it closes, then stops whatever
/// is still registered.
pub fn run() {
    // Terminal signals aimed at jobdeck's session must not end the watchdog before jobdeck.
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGQUIT,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(signal, std::sync::Arc::default());
    }
    // Read now: once jobdeck is gone, the watchdog's parent is someone else.
    let jobdeck = rustix::process::getppid();
    let mut groups = HashMap::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let (op, pgid) = line.split_at(line.len().min(1));
        let Some(pgid) = pgid.parse().ok().and_then(Pid::from_raw) else {
            continue;
        };
        match op {
            "+" => {
                groups.insert(pgid, false);
            }
            "L" => {
                groups.insert(pgid, true);
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
