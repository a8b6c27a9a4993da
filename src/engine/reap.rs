//! Cleaning up after a run: orphans, zombies, and processes that left the run's group.
//!
//! jobdeck is a child subreaper (`PR_SET_CHILD_SUBREAPER`, as tini is): when a process of a
//! job dies, its children come back to jobdeck rather than to init. So an orphan that exits is
//! jobdeck's zombie, reaped at once by its process group (`waitpid(-pgid)`), which can never
//! take the exit status of a child the runner waits for: the runner reaps its own child
//! before it looks at the group, and other runs' children are in other groups. A group that
//! holds only zombies whose parents still live elsewhere is not waited for: only live
//! processes keep a run going.
//!
//! Every process of a run carries `JOBDECK_RUN=<marker>` in its environment, inherited by its
//! descendants. A descendant that left the group (`setsid`) is out of reach of the group kill,
//! but not of a scan of `/proc` for its marker. Such a scan is costly, so it runs only when
//! there is a sign of an escapee: the run's output pipe stays open after its group is gone
//! (and once at the end of the session, and in the SIGKILL watchdog).
//!
//! A daemon started with a cleared environment in a session of its own (`env -i setsid -f
//! sleep 1000` from a configure) escapes both the group and the marker. But its parent dies,
//! so it becomes jobdeck's child (jobdeck is the subreaper): when a run ends, and when the
//! engine shuts down, every child of jobdeck that jobdeck did not start itself is stopped
//! ([`stop_orphans`]). Finding them costs a read of the main thread's `children` list, one
//! small file, so it runs at every run's end.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

use rustix::process::{Pid, WaitOptions};

use super::RunId;
use super::process::RUN_MARKER;
use super::stop::{self, Target};
use super::token_pipe::PipeEnds;

/// Makes this process the reaper of its descendants' orphans.
pub fn become_subreaper() -> std::io::Result<()> {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    Ok(())
}

/// The marker prefix of one engine: `<pid>.<n>.`, unique among the engines of this process
/// (tests run several at once), and starting with the pid the watchdog matches on.
pub fn new_engine_prefix() -> String {
    static ENGINES: AtomicU64 = AtomicU64::new(0);
    let n = ENGINES.fetch_add(1, Ordering::Relaxed);
    format!("{}.{n}.", rustix::process::getpid().as_raw_pid())
}

/// The marker of one run: the engine's prefix and the run's id.
pub fn marker(prefix: &str, run: RunId) -> String {
    format!("{prefix}{}", run.0)
}

/// After the leader of group `pgid` was reaped: reaps its orphaned zombies, and stops what is
/// still alive in the group (the stop escalation of a group: `engine::stop`). `between` runs
/// while it waits, to keep draining the output pipe so no process blocks on it.
pub fn clean_up_group(pgid: Pid, between: impl FnMut()) {
    reap_group(pgid);
    if !has_live_members(pgid) {
        // A member may have died between the reaping and the look: reap it too, if ours.
        reap_group(pgid);
        return;
    }
    stop::stop(vec![Target::Group(pgid)], between, |_| {
        reap_group(pgid);
        has_live_members(pgid)
    });
}

/// Stops every group that still has a live process; groups already empty are left alone. A
/// group marked as led by a launcher (`true`) is stopped through its leader, as
/// `engine::stop` stops a launcher: srun's helper, in the same group, cancels the remote step
/// once srun is gone.
pub fn stop_groups(groups: &[(Pid, bool)]) {
    let alive = |pgid: Pid| {
        reap_group(pgid);
        has_live_members(pgid)
    };
    let targets = groups
        .iter()
        .filter(|&&(pgid, _)| alive(pgid))
        .map(|&(pgid, launched)| Target::leader(pgid, launched))
        .collect();
    stop::stop(
        targets,
        || {},
        |target| match target {
            Target::Group(pgid) | Target::Launcher(pgid) | Target::Marked(pgid) => alive(pgid),
        },
    );
}

/// Stops the processes marked as belonging to `run` of the engine with `prefix`.
pub fn stop_escaped(prefix: &str, run: RunId) {
    stop_marked(&format!("{RUN_MARKER}={}", marker(prefix, run)), true);
}

/// Stops every process marked with a marker that starts with `prefix` (an engine's, at its
/// shutdown; a jobdeck pid's, in the watchdog).
pub fn stop_all_marked(prefix: &str) {
    stop_marked(&format!("{RUN_MARKER}={prefix}"), false);
}

/// The run leaders this process started and has not yet waited for: children of jobdeck
/// that are not orphans, whatever their marker (a job's helpers, such as the toolchain
/// probe's cmakes, run side by side under one run's marker).
static OWN: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// The lock of every spawn. A spawn that passes no descriptor takes it shared, so such
/// spawns run side by side: `posix_spawn` holds the spawning thread until the child's
/// `exec`, which on a busy machine waits for a core, and one mutex across every spawn made
/// each wait for the one before (1.4× the wall time of 400 trivial configures at load 10,
/// with the same CPU). A spawn that makes a jobserver pipe's ends inheritable takes it
/// exclusively, so no other process is started while they are; the orphan sweep takes it
/// exclusively too, to see every child it started registered ([`stop_orphans`]).
static SPAWNING: RwLock<()> = RwLock::new(());

/// Spawns `command` as one of jobdeck's own children, never taken for an orphan. `inherit`:
/// the ends of a jobserver pipe that this child alone inherits (a build's, a command's).
/// The child is registered before the lock of spawns is let go, so a sweep that holds it
/// sees every child it did not start.
pub fn spawn_own(
    command: &mut std::process::Command,
    inherit: Option<&PipeEnds>,
) -> std::io::Result<std::process::Child> {
    let child = match inherit {
        None => {
            let _spawning = SPAWNING.read().unwrap_or_else(PoisonError::into_inner);
            let child = command.spawn()?;
            register(&child);
            child
        }
        Some(ends) => {
            let _spawning = SPAWNING.write().unwrap_or_else(PoisonError::into_inner);
            ends.set_close_on_exec(false)?;
            let child = command.spawn();
            // Cannot fail on a descriptor jobdeck holds open; were it to, the ends would
            // reach other processes only until the build's pipe is dropped at its end.
            let _ = ends.set_close_on_exec(true);
            let child = child?;
            register(&child);
            child
        }
    };
    Ok(child)
}

fn register(child: &std::process::Child) {
    OWN.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(child.id().cast_signed());
}

fn is_own(pid: Pid) -> bool {
    OWN.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&pid.as_raw_pid())
}

/// Spawns a process that is no run's (a pager, an editor, a tool asked its version) under
/// the lock of every spawn, so it never inherits a jobserver pipe meant for a build that is
/// being spawned at the same moment.
pub fn spawn(command: &mut std::process::Command) -> std::io::Result<std::process::Child> {
    let _spawning = SPAWNING.read().unwrap_or_else(PoisonError::into_inner);
    command.spawn()
}

/// Forgets a child of [`spawn_own`] once it has been waited for.
pub fn forget(pid: Pid) {
    OWN.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&pid.as_raw_pid());
}

/// Stops the processes re-parented to jobdeck when a run ends (`ended`: that run of the
/// engine with `prefix`) or the engine shuts down (`None`): every live child of this process
/// but those it started itself. Those are told apart by what they are: a run's leader is
/// registered ([`spawn_own`]) until its worker waited for it; a pager, an editor or a clipboard
/// tool stays in jobdeck's own process group; the watchdog, or a child not yet past its
/// `exec`, is jobdeck's own program. A zombie is left alone: it may be a run's leader that
/// its worker has yet to wait for.
pub fn stop_orphans(prefix: &str, ended: Option<RunId>) {
    let own_group = rustix::process::getpgrp();
    let own_exe = own_exe();
    let ended_marker = ended.map(|run| marker(prefix, run));
    let candidates: Vec<Pid> = children()
        .into_iter()
        .filter(|&pid| {
            if is_own(pid) {
                return false;
            }
            let Some(fields) = read_stat(pid) else {
                return false;
            };
            let Some(fields) = stat_fields(&fields).map(|f| {
                f.iter()
                    .map(|field| (*field).to_string())
                    .collect::<Vec<_>>()
            }) else {
                return false;
            };
            let (state, group) = (fields.first(), fields.get(2));
            if state.is_none_or(|state| state == "Z")
                || group.is_none_or(|group| *group == own_group.as_raw_pid().to_string())
            {
                return false;
            }
            let exe = file_id(&format!("/proc/{}/exe", pid.as_raw_pid()));
            if exe.is_none() || exe == own_exe {
                return false;
            }
            // Read after `exe`: once that is not ours, the process is past its `exec` and
            // its environment is the run's, marked.
            match run_marker(pid) {
                Marker::Unreadable => false,
                Marker::None => true,
                Marker::Run(value) => match &ended_marker {
                    Some(ended) => value == *ended,
                    None => value.starts_with(prefix),
                },
            }
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    // A child of a spawn still in flight is not registered yet: once every spawn under way
    // has ended (the lock taken exclusively), it is, and only real orphans are left.
    let orphans: Vec<Target> = {
        let _spawning = SPAWNING.write().unwrap_or_else(PoisonError::into_inner);
        candidates
            .into_iter()
            .filter(|&pid| !is_own(pid))
            .map(Target::Marked)
            .collect()
    };
    if orphans.is_empty() {
        return;
    }
    stop::stop(
        orphans,
        || {},
        |target| match target {
            Target::Group(pid) | Target::Launcher(pid) | Target::Marked(pid) => {
                let _ = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG);
                is_alive(pid)
            }
        },
    );
}

/// The children of this process, of every thread (an orphan is handed to one of them).
///
/// Only the main thread's list is read: the kernel hands an orphan to the first live thread
/// of its subreaper (`find_alive_thread`), which is the thread group's leader for as long as
/// jobdeck runs. The other threads' lists hold the children they started themselves, which
/// are jobdeck's own and never orphans. One file instead of one per thread: this runs at
/// every run's end.
fn children() -> Vec<Pid> {
    static LEADER: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    let leader = *LEADER.get_or_init(|| rustix::process::getpid().as_raw_pid());
    let Some(list) = read_proc_file(&format!("/proc/self/task/{leader}/children")) else {
        return Vec::new();
    };
    list.split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .filter_map(Pid::from_raw)
        .collect()
}

/// jobdeck's own executable, as (device, inode): found once, and still itself if the file
/// is replaced while jobdeck runs (a rebuild), as the processes it forks see it.
fn own_exe() -> Option<(u64, u64)> {
    static OWN_EXE: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *OWN_EXE.get_or_init(|| file_id("/proc/self/exe"))
}

/// The (device, inode) of the file `path` names, following links.
fn file_id(path: &str) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

/// A process's run marker, as its environment says.
enum Marker {
    /// The environment cannot be read (another user's process): leave it alone.
    Unreadable,
    /// No marker: not a run's.
    None,
    /// The marker's value.
    Run(String),
}

fn run_marker(pid: Pid) -> Marker {
    let Ok(environ) = std::fs::read(format!("/proc/{}/environ", pid.as_raw_pid())) else {
        return Marker::Unreadable;
    };
    let prefix = format!("{RUN_MARKER}=");
    environ
        .split(|&b| b == 0)
        .find_map(|var| var.strip_prefix(prefix.as_bytes()))
        .map_or(Marker::None, |value| {
            Marker::Run(String::from_utf8_lossy(value).into_owned())
        })
}

/// Stops every marked process (and the group it leads) with the stop escalation, reaping
/// those that are this process's children.
fn stop_marked(entry: &str, exact: bool) {
    let me = rustix::process::getpid();
    let marked = live_pids()
        .filter(|&pid| pid != me && environ_has(pid, entry, exact))
        .map(Target::Marked)
        .collect();
    stop::stop(
        marked,
        || {},
        |target| match target {
            Target::Group(pid) | Target::Launcher(pid) | Target::Marked(pid) => {
                let _ = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG);
                is_alive(pid)
            }
        },
    );
}

/// Stops a program the TUI lent the terminal to (`own`, a child of this process in its
/// process group, which `own_alive` asks about) and every process it started, found by
/// `marker` (`NAME=value`) in their environment: the whole tree, with the one escalation, so
/// a child that inherited an ignored SIGTERM does not outlive it.
pub fn stop_lent(marker: &str, own: Pid, mut own_alive: impl FnMut() -> bool) {
    let me = rustix::process::getpid();
    let mut targets: Vec<Target> = live_pids()
        .filter(|&pid| pid != me && pid != own && environ_has(pid, marker, true))
        .map(Target::Marked)
        .collect();
    targets.push(Target::Marked(own));
    stop::stop(
        targets,
        || {},
        |target| match target {
            Target::Marked(pid) if pid == own => own_alive(),
            Target::Group(pid) | Target::Launcher(pid) | Target::Marked(pid) => {
                // Orphans come back to jobdeck, the subreaper: reap them as they die.
                let _ = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG);
                is_alive(pid)
            }
        },
    );
}

/// Reaps every zombie child of this process in group `pgid`: orphans re-parented to us.
fn reap_group(pgid: Pid) {
    while let Ok(Some(_)) = rustix::process::waitpgid(pgid, WaitOptions::NOHANG) {}
}

/// Whether group `pgid` has a process that is not a zombie.
fn has_live_members(pgid: Pid) -> bool {
    if rustix::process::test_kill_process_group(pgid).is_err() {
        return false;
    }
    // Something is there; it only counts if it is not a zombie (which nothing can kill, and
    // whose parent will reap it).
    live_pids().any(|pid| {
        read_stat(pid).is_some_and(|stat| {
            stat_fields(&stat).is_some_and(|f| {
                f.first() != Some(&"Z") && f.get(2) == Some(&pgid.as_raw_pid().to_string().as_str())
            })
        })
    })
}

/// Whether `pid` exists and is not a zombie.
fn is_alive(pid: Pid) -> bool {
    read_stat(pid).is_some_and(|stat| {
        stat_fields(&stat).is_some_and(|f| f.first().is_some_and(|state| *state != "Z"))
    })
}

/// Every process id in `/proc`.
fn live_pids() -> impl Iterator<Item = Pid> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter_map(Pid::from_raw)
}

fn read_stat(pid: Pid) -> Option<String> {
    read_proc_file(&format!("/proc/{}/stat", pid.as_raw_pid()))
}

/// The text of a small `/proc` file, read in one `read` where it fits: `fs::read_to_string`
/// first asks the file's size, which `/proc` reports as 0, and then reads it in growing
/// pieces. This runs at every run's end.
pub fn read_proc_file(path: &str) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::with_capacity(1024);
    // `take` reads without asking the size first.
    file.take(1 << 20).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The fields of a `/proc/<pid>/stat` line after the command name (which may hold spaces
/// and parentheses): index 0 is the state, 1 the parent, 2 the process group.
pub fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    Some(stat[stat.rfind(')')? + 1..].split_whitespace().collect())
}

/// Whether the environment of `pid` holds `entry` (`VAR=value`), exactly or as a prefix.
fn environ_has(pid: Pid, entry: &str, exact: bool) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{}/environ", pid.as_raw_pid())) else {
        return false;
    };
    environ.split(|&b| b == 0).any(|var| {
        if exact {
            var == entry.as_bytes()
        } else {
            var.starts_with(entry.as_bytes())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_survive_odd_command_names() {
        let stat = "42 (a) b (c)) S 1 42 42 0";
        assert_eq!(
            stat_fields(stat).expect("fields"),
            ["S", "1", "42", "42", "0"]
        );
    }

    #[test]
    fn markers_of_two_engines_never_share_a_prefix() {
        let (a, b) = (new_engine_prefix(), new_engine_prefix());
        assert_ne!(a, b);
        assert!(!marker(&a, RunId(1)).starts_with(&b));
        assert!(a.starts_with(&format!("{}.", std::process::id())));
    }
}
