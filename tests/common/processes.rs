//! Reading `/proc` to prove that no process of a job's group, or of a marked run, survives.

use super::wait_until;

/// One live process as `/proc/<pid>/stat` describes it.
#[derive(Debug, Clone)]
pub struct ProcessInfo {
    /// Its pid.
    pub pid: i32,
    /// Its short name (`comm`).
    pub comm: String,
    /// Its state letter (`Z` is a zombie: dead, waiting to be reaped).
    pub state: char,
    /// Its parent's pid.
    pub ppid: i32,
    /// Its process group.
    pub pgid: i32,
    /// Its command line, arguments joined by spaces.
    pub cmdline: String,
}

/// Every process visible in `/proc` right now.
pub fn processes() -> Vec<ProcessInfo> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(process_info)
        .collect()
}

fn process_info(pid: i32) -> Option<ProcessInfo> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_string();
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|&b| b == 0)
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Some(ProcessInfo {
        pid,
        comm,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        pgid: fields.get(2)?.parse().ok()?,
        cmdline,
    })
}

/// Live (not zombie) processes of process group `pgid`.
///
/// Zombies are left out: they are dead already, and an orphan's zombie is reaped by PID 1,
/// which in some containers never reaps.
pub fn live_group_members(pgid: i32) -> Vec<ProcessInfo> {
    processes()
        .into_iter()
        .filter(|p| p.pgid == pgid && p.state != 'Z')
        .collect()
}

/// Waits until a process group led by a cmake whose command line mentions `marker` holds a
/// live `sleep`, and returns that group's id (the cmake's pid).
pub fn wait_for_sleeping_group(marker: &str) -> i32 {
    let mut found = None;
    let ok = wait_until(|| {
        let all = processes();
        found = all
            .iter()
            .filter(|p| p.pid == p.pgid && p.cmdline.contains(marker) && p.state != 'Z')
            .map(|leader| leader.pgid)
            .find(|&pgid| {
                all.iter()
                    .any(|p| p.pgid == pgid && p.comm == "sleep" && p.state != 'Z')
            });
        found.is_some()
    });
    assert!(ok, "no cmake group with a live `sleep` for {marker}");
    found.expect("found when the wait succeeded")
}

/// The name of an environment variable the tests set on jobdeck; its children inherit it.
pub const MARKER_VAR: &str = "JOBDECK_TEST_MARKER";

/// Live processes whose environment holds `JOBDECK_TEST_MARKER=<marker>`: what is left of a
/// run started with that marker, whatever group its processes ended up in.
pub fn live_processes_with_marker(marker: &str) -> Vec<ProcessInfo> {
    let needle = format!("{MARKER_VAR}={marker}");
    processes()
        .into_iter()
        .filter(|p| p.state != 'Z' && p.pid != std::process::id().cast_signed())
        .filter(|p| {
            std::fs::read(format!("/proc/{}/environ", p.pid)).is_ok_and(|env| {
                env.split(|&b| b == 0)
                    .any(|entry| entry == needle.as_bytes())
            })
        })
        .collect()
}
