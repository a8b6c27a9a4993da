//! The limit on open files: raised to the most the system allows at start, and a `-j` that
//! cannot fit in it refused before anything runs.
//!
//! Each running job holds a few descriptors of jobdeck's (its output pipe, its log, the pipes
//! and pidfds of its process, a launcher's own), so `-j400` needs well over a thousand. The
//! usual soft limit is 1024 while the hard one is often far higher: most servers raise the
//! soft limit to the hard one themselves, and so does jobdeck. A `-j` that still cannot fit
//! would fail most of its jobs with "Too many open files"; it is refused, saying what fits.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors jobdeck holds with no job running (the standard streams, the lock and
/// history, the watchdog, signal and jobserver pipes, the terminal, a watch), with room.
pub const BASE_FILES: u64 = 64;

/// Descriptors one running job holds, at most. Measured (issue 29) on command jobs that
/// each start two processes, counting `/proc/<jobdeck>/fd` while `-j1` and `-j4` run
/// (`jobdeck run --headless -jN -- 'sleep 3 & sleep 3; wait' ::: 1 2 3 4`): 22 and 46
/// descriptors, eight a job (its output pipe, its log, its pidfd, and the pipes of the
/// pool's jobserver it is given), against three a job with `--build-jobs 1` (no jobserver:
/// 17 and 26). Four, the figure before builds got jobserver pipes, let `-j` pass a limit
/// its jobs then ran out of.
pub const FILES_PER_JOB: u64 = 8;

/// Raises the soft limit on open files to the hard one. Failing leaves the limit as it was:
/// [`check_workers`] then says whether the session fits in it.
pub fn raise_open_files() {
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            },
        );
    }
}

/// The most workers whose jobs fit in the soft limit on open files.
pub fn workers_that_fit() -> usize {
    getrlimit(Resource::Nofile)
        .current
        .map_or(usize::MAX, |soft| {
            usize::try_from(soft.saturating_sub(BASE_FILES) / FILES_PER_JOB).unwrap_or(usize::MAX)
        })
}

/// Refuses `workers` workers when their jobs cannot fit in the soft limit on open files
/// (after [`raise_open_files`], the hard one): the error says why and what fits.
pub fn check_workers(workers: usize) -> Result<(), String> {
    let limit = getrlimit(Resource::Nofile);
    let Some(soft) = limit.current else {
        return Ok(());
    };
    let needed = BASE_FILES + FILES_PER_JOB * u64::try_from(workers).unwrap_or(u64::MAX / 8);
    if needed <= soft {
        return Ok(());
    }
    let hard = limit
        .maximum
        .map_or_else(|| "unlimited".to_string(), |hard| hard.to_string());
    let fits = soft.saturating_sub(BASE_FILES) / FILES_PER_JOB;
    let advice = if fits == 0 {
        "raise the limit (ulimit -n)".to_string()
    } else {
        format!("pass -j{fits} or less, or raise the hard limit (ulimit -Hn)")
    };
    Err(format!(
        "-j{workers} needs about {needed} open files ({FILES_PER_JOB} per running job and \
         {BASE_FILES} of jobdeck's own), but the limit on open files is {soft} (hard limit \
         {hard}): {advice}"
    ))
}
