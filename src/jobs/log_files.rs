//! Per-job log files, rotated so that a re-run never overwrites the previous run's log.

use std::path::{Path, PathBuf};

/// How many earlier logs are kept beside the current one (`name.log.1` … `name.log.N`).
///
/// The number goes after `.log`, as logrotate does, so no rotated name can be another job's
/// log: a job named `a.1` logs to `a.1.log`, which `a`'s rotation never touches.
pub const KEPT_EARLIER_LOGS: usize = 3;

/// The log path for a job name inside `log_dir`: `<log_dir>/<name>.log`.
pub fn log_path(log_dir: &Path, name: &str) -> PathBuf {
    log_dir.join(format!("{name}.log"))
}

/// The log of the n-th run before the current one: `name.log.n`.
pub fn earlier_log(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{n}"));
    PathBuf::from(name)
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
        let log = log_path(&dir, "p");
        for run in 0..5 {
            rotate(&log);
            std::fs::write(&log, format!("run {run}")).expect("write log");
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).expect("log exists");
        assert_eq!(read(log.clone()), "run 4");
        assert_eq!(read(dir.join("p.log.1")), "run 3");
        assert_eq!(read(dir.join("p.log.3")), "run 1");
        assert!(!dir.join("p.log.4").exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn rotation_never_touches_another_jobs_log() {
        let dir = std::env::temp_dir().join(format!("jobdeck-rotate-2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let other = log_path(&dir, "a.1");
        std::fs::write(&other, "job a.1").expect("write the other log");
        let log = log_path(&dir, "a");
        for run in 0..3 {
            rotate(&log);
            std::fs::write(&log, format!("run {run}")).expect("write log");
        }
        assert_eq!(
            std::fs::read_to_string(&other).expect("still there"),
            "job a.1"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
