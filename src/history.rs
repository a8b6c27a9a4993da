//! The run history: one JSON line per finished run in `<build-root>/.jobdeck/history.jsonl`.
//!
//! Each record is written with a single `write` of a whole line and flushed at once, so if
//! jobdeck is killed with SIGKILL only the runs in flight are lost. A torn last line (a write
//! cut off mid-way) is skipped with a warning when the file is read back.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::app::JobRow;

/// The history file for a build root.
pub fn history_path(build_root: &Path) -> PathBuf {
    build_root.join(".jobdeck").join("history.jsonl")
}

/// An open history file that finished runs are appended to.
#[derive(Debug)]
pub struct History {
    path: PathBuf,
    file: Option<File>,
    warned: bool,
}

impl History {
    /// Opens (creating if needed) the history at `path`. A history that cannot be written is
    /// not fatal: the first failure is returned as a warning by `append`.
    pub fn open(path: PathBuf) -> Self {
        let file = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                OpenOptions::new()
                    .create(true)
                    .read(true)
                    .append(true)
                    .open(&path)
            })
            .and_then(end_torn_line)
            .ok();
        Self {
            path,
            file,
            warned: false,
        }
    }

    /// Appends the record of a finished run. Returns a warning the first time writing fails.
    pub fn append(&mut self, row: &JobRow, now: SystemTime) -> Option<String> {
        let elapsed = row.elapsed.unwrap_or_default();
        let started = now.checked_sub(elapsed).unwrap_or(now);
        let record = json!({
            "job": row.name,
            "kind": row.kind.as_str(),
            "status": row.state.word(),
            "exit_code": row.exit_code,
            "duration_ms": millis(elapsed),
            "cpu_ms": row.cpu.map(millis),
            "started_at_ms": started.duration_since(UNIX_EPOCH).map_or(0, millis),
            "error": row.error,
            "log": row.log.as_ref().map(|p| p.display().to_string()),
        });
        let line = format!("{record}\n");
        let result = match &mut self.file {
            Some(file) => file.write_all(line.as_bytes()),
            None => Err(std::io::Error::other("it could not be opened")),
        };
        match result {
            Ok(()) => None,
            Err(_) if self.warned => None,
            Err(err) => {
                self.warned = true;
                Some(format!(
                    "cannot write the run history {}: {err}",
                    self.path.display()
                ))
            }
        }
    }
}

/// Ends a last line cut off by a crash, so the next record starts on a line of its own.
fn end_torn_line(mut file: File) -> std::io::Result<File> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() > 0 {
        let mut last = [0u8];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            file.write_all(b"\n")?;
        }
    }
    Ok(file)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The last recorded status of each job name, and warnings about lines that could not be read.
#[derive(Debug, Default)]
pub struct LastRuns {
    /// Job name to its last status word.
    pub status: HashMap<String, String>,
    /// One line per unreadable record.
    pub warnings: Vec<String>,
}

/// Reads the history at `path`. A missing file is an empty history.
pub fn read_last_runs(path: &Path) -> LastRuns {
    let mut last = LastRuns::default();
    let Ok(file) = File::open(path) else {
        return last;
    };
    for (number, line) in BufReader::new(file).split(b'\n').enumerate() {
        let Ok(line) = line else { break };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed: Option<(String, String)> = serde_json::from_slice::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| {
                Some((
                    v["job"].as_str()?.to_string(),
                    v["status"].as_str()?.to_string(),
                ))
            });
        match parsed {
            Some((job, status)) => {
                last.status.insert(job, status);
            }
            None => last.warnings.push(format!(
                "skipped unreadable line {} of {} (cut off by a crash?)",
                number + 1,
                path.display()
            )),
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::app::{JobRow, JobState};
    use crate::engine::RunId;
    use crate::jobs::JobKind;

    fn row(name: &str, state: JobState) -> JobRow {
        let mut row = JobRow::new(name.to_string(), JobKind::Cmake, RunId(1));
        row.state = state;
        row.elapsed = Some(Duration::from_millis(5));
        row
    }

    #[test]
    fn last_status_wins_and_a_torn_line_is_skipped_and_ended() {
        let dir = std::env::temp_dir().join(format!("jobdeck-history-{}", std::process::id()));
        let path = history_path(&dir);
        let _ = std::fs::remove_file(&path);
        let mut history = History::open(path.clone());
        assert_eq!(
            history.append(&row("a", JobState::Failed), SystemTime::now()),
            None
        );
        assert_eq!(
            history.append(&row("b", JobState::Failed), SystemTime::now()),
            None
        );
        assert_eq!(
            history.append(&row("a", JobState::Ok), SystemTime::now()),
            None
        );
        drop(history);
        // A crash cut the last write short.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"job\":\"b\",\"sta"))
            .expect("append a torn line");
        let mut history = History::open(path.clone());
        assert_eq!(
            history.append(&row("c", JobState::Timeout), SystemTime::now()),
            None
        );
        let last = read_last_runs(&path);
        assert_eq!(last.status.get("a").map(String::as_str), Some("ok"));
        assert_eq!(last.status.get("b").map(String::as_str), Some("failed"));
        assert_eq!(last.status.get("c").map(String::as_str), Some("timeout"));
        assert_eq!(last.warnings.len(), 1, "{:?}", last.warnings);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn an_unwritable_history_warns_once() {
        let mut history = History::open(PathBuf::from("/proc/jobdeck/history.jsonl"));
        let first = history.append(&row("a", JobState::Ok), SystemTime::now());
        assert!(first.is_some_and(|w| w.contains("cannot write the run history")));
        assert_eq!(
            history.append(&row("a", JobState::Ok), SystemTime::now()),
            None
        );
    }
}
