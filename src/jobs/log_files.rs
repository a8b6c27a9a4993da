//! Per-job log files, rotated so that a re-run never overwrites the previous run's log.

use std::path::{Path, PathBuf};

/// How many earlier logs are kept beside the current one (`name.1.log` … `name.N.log`).
pub const KEPT_EARLIER_LOGS: usize = 3;

/// The log path for a job name inside `log_dir`: `<log_dir>/<name>.log`.
pub fn log_path(log_dir: &Path, name: &str) -> PathBuf {
    log_dir.join(format!("{name}.log"))
}

/// Shifts `name.log` to `name.1.log`, `name.1.log` to `name.2.log`, and so on, dropping the
/// oldest, so the path is free for a new run. Missing files are fine.
pub fn rotate(path: &Path) {
    let numbered = |n: usize| path.with_extension(format!("{n}.log"));
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
        assert_eq!(read(dir.join("p.1.log")), "run 3");
        assert_eq!(read(dir.join("p.3.log")), "run 1");
        assert!(!dir.join("p.4.log").exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
