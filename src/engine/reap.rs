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

use std::sync::atomic::{AtomicU64, Ordering};

use rustix::process::{Pid, WaitOptions};

use super::RunId;
use super::process::RUN_MARKER;
use super::stop::{self, Target};

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
    std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_pid())).ok()
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
