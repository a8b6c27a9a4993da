//! Per-job log files, rotated so that a re-run never overwrites the previous run's log.
//!
//! Each job has a folder of its own, `<logs>/<name>/`, holding one log per stage
//! (`configure.log`, `build.log`, `test.log`; a pseudoword task's is `words.log`). No project's
//! path is a prefix of another's (a project's subfolders are never projects), so no job's
//! rotation can touch another job's files, and the file names stay short whatever the name.

use std::path::{Path, PathBuf};

/// How many earlier logs are kept beside the current one (`configure.log.1` … `.N`).
pub const KEPT_EARLIER_LOGS: usize = 3;

/// The log of one stage of a job inside `log_dir`: `<log_dir>/<name>/<stage>.log`, where
/// `name` is the job's folder as it is on disk.
pub fn log_path(log_dir: &Path, name: impl AsRef<Path>, stage: &str) -> PathBuf {
    log_dir.join(name).join(format!("{stage}.log"))
}

/// The log of the n-th run before the current one: `name.log.n`.
pub fn earlier_log(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Makes `path` free for a new run's log: creates the job's folder, or, if the folder was
/// already there, rotates the earlier logs in it.
///
/// A fresh folder holds nothing to rotate, so a first run costs one `mkdir` instead of
/// three failing renames and a `mkdir`: with hundreds of short jobs, those system calls are a
/// measurable share of jobdeck's own time (see `benches/overhead.sh`).
pub fn make_room(path: &Path) -> std::io::Result<()> {
    let Some(folder) = path.parent() else {
        rotate(path);
        return Ok(());
    };
    match std::fs::create_dir(folder) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            // Rotation renames files in it, and the new log is made in it: a link planted
            // in its place (to `/etc`) or another user's folder must not be written into.
            crate::sys::regular_file::check_own_folder(folder)?;
            rotate(path);
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(folder),
        Err(err) => Err(err),
    }
}

/// Shifts `name.log` to `name.log.1`, `name.log.1` to `name.log.2`, and so on, dropping the
/// oldest, so the path is free for a new run. Missing files are fine.
pub fn rotate(path: &Path) {
    let numbered = |n: usize| earlier_log(path, n);
    for n in (1..KEPT_EARLIER_LOGS).rev() {
        let _ = std::fs::rename(numbered(n), numbered(n + 1));
    }
    let _ = std::fs::rename(path, numbered(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_earlier_runs() {
        let dir = std::env::temp_dir().join(format!("jobdeck-rotate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log = log_path(&dir, "p", "configure");
        std::fs::create_dir_all(log.parent().expect("a folder")).expect("log folder");
        for run in 0..5 {
            rotate(&log);
            std::fs::write(&log, format!("run {run}")).expect("write log");
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).expect("log exists");
        assert_eq!(read(log.clone()), "run 4");
        assert_eq!(read(dir.join("p/configure.log.1")), "run 3");
        assert_eq!(read(dir.join("p/configure.log.3")), "run 1");
        assert!(!dir.join("p/configure.log.4").exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn rotation_never_touches_another_jobs_log() {
        let dir = std::env::temp_dir().join(format!("jobdeck-rotate-2-{}", std::process::id()));
        // `q.log/inner` was renamed away by the rotation of `q.log` when logs were
        // `<name>.log`; `a.1` was overwritten by `a`'s `.1`.
        for other_name in ["a.1", "q.log/inner"] {
            let other = log_path(&dir, other_name, "configure");
            std::fs::create_dir_all(other.parent().expect("a folder")).expect("log folder");
            std::fs::write(&other, other_name).expect("write the other log");
            for name in ["a", "q"] {
                let log = log_path(&dir, name, "configure");
                std::fs::create_dir_all(log.parent().expect("a folder")).expect("log folder");
                for run in 0..3 {
                    rotate(&log);
                    std::fs::write(&log, format!("run {run}")).expect("write log");
                }
            }
            assert_eq!(
                std::fs::read_to_string(&other).expect("still there"),
                other_name
            );
        }
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
