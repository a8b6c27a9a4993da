//! The run history: one JSON line per finished run in `<build-root>/.jobdeck/history.jsonl`.
//!
//! Each record is written with a single `write` of a whole line and flushed at once, so if
//! jobdeck is killed with SIGKILL only the runs in flight are lost. A torn last line (a write
//! cut off mid-way) is skipped with a warning when the file is read back; a file of garbage
//! gives one warning for all its lines, and a line too long for a record is never held whole.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::app::RunRecord;
use crate::app::record::millis;
use crate::jobs::JobKind;

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
                crate::sys::regular_file::open_own(
                    &path,
                    OpenOptions::new().create(true).read(true).append(true),
                )
            })
            .and_then(end_torn_line)
            .ok();
        Self {
            path,
            file,
            warned: false,
        }
    }

    /// Appends the record of a finished run that ended at `now`. Returns a warning the first
    /// time writing fails.
    pub fn append(&mut self, record: &RunRecord, now: SystemTime) -> Option<String> {
        let elapsed = record.elapsed.unwrap_or_default();
        let started = now.checked_sub(elapsed).unwrap_or(now);
        let started_ms = started.duration_since(UNIX_EPOCH).map_or(0, millis);
        let line = format!("{}\n", HistoryRecord::of(record, started_ms).to_json());
        self.write(&line)
    }

    /// Appends a `queued` record for each job of a session that begins at `now`, in writes
    /// of about 64 KiB. Until a job's run ends and its own record follows, its last status is
    /// `queued`: a session killed before that leaves its unended and unstarted jobs for
    /// `--rerun-failed`, never counted as successes.
    ///
    /// The records come one at a time and the text is written in chunks: with 100,000 jobs,
    /// all records at once (about 700 bytes each) and all lines in one string were the
    /// session's peak of memory.
    pub fn append_queued(
        &mut self,
        records: impl IntoIterator<Item = RunRecord>,
        now: SystemTime,
    ) -> Option<String> {
        const CHUNK: usize = 64 * 1024;
        let now_ms = now.duration_since(UNIX_EPOCH).map_or(0, millis);
        let mut lines = String::new();
        let mut warning = None;
        for record in records {
            let mut queued = HistoryRecord::of(&record, now_ms);
            queued.duration_ms = None;
            lines.push_str(&queued.to_json().to_string());
            lines.push('\n');
            if lines.len() >= CHUNK {
                warning = warning.or(self.write(&lines));
                lines.clear();
            }
        }
        if !lines.is_empty() {
            warning = warning.or(self.write(&lines));
        }
        warning
    }

    fn write(&mut self, line: &str) -> Option<String> {
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

/// Which job a record is about: its name and, for a CMake job, its stage word. Records
/// written before stages existed are configures.
pub type RecordKey = (String, Option<String>);

/// The last recorded run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// Its status word.
    pub status: String,
    /// How long it took, if it ran to an end of its own (not cancelled or skipped).
    pub duration: Option<Duration>,
    /// The project's own `-D` options it ran with.
    pub options: Vec<String>,
    /// The situation it started in (see [`crate::jobs::Work::situation`]), if recorded.
    pub situation: Option<String>,
}

/// The last recorded run of each job, and warnings about lines that could not be read.
#[derive(Debug, Default)]
pub struct LastRuns {
    /// Each job's last run.
    pub runs: HashMap<RecordKey, LastRun>,
    /// The last duration of each job that ran to an end of its own, whatever situation it
    /// started in.
    pub durations: HashMap<RecordKey, Duration>,
    /// The last duration of each job that ran to an end of its own, per situation it started
    /// in (for the jobs whose records say one): a build of a folder already built takes
    /// seconds where a fresh one took minutes.
    pub situated: HashMap<RecordKey, Vec<(String, Duration)>>,
    /// One line per unreadable record.
    pub warnings: Vec<String>,
}

impl LastRuns {
    /// The last status word of the job `name` at `stage`.
    pub fn status(&self, name: &str, stage: Option<&str>) -> Option<&str> {
        self.runs
            .get(&(name.to_string(), stage.map(str::to_string)))
            .map(|run| run.status.as_str())
    }

    /// Whether the last recorded run of the job `key` succeeded.
    pub fn succeeded(&self, key: &RecordKey) -> bool {
        self.runs
            .get(key)
            .is_some_and(|run| matches!(run.status.as_str(), "ok" | "flaky"))
    }

    /// What the job `key` is expected to take when its run starts in `situation`: its last
    /// run in that situation, else (none recorded in it, or no situation) its last run in
    /// any. Not nothing: a job without a time of its own is measured against the median of
    /// all jobs' times in the estimate's pace, and a second session whose re-configures had
    /// none (only fresh ones were recorded) was paced against the tests' fraction of a
    /// second: the ETA said 1433 s of 109 s left (`benches/eta_corpus.sh`).
    pub fn expected(&self, key: &RecordKey, situation: Option<&str>) -> Option<Duration> {
        situation
            .and_then(|situation| {
                let runs = self.situated.get(key)?;
                runs.iter()
                    .find(|(seen, _)| seen == situation)
                    .map(|&(_, duration)| duration)
            })
            .or_else(|| self.durations.get(key).copied())
    }
}

/// The longest line taken for a record. A record is a few hundred bytes; a longer line is
/// garbage, and is skipped without being held in memory whole.
const MAX_RECORD_BYTES: usize = 64 * 1024;

/// Reads the history at `path`. A missing file is an empty history. Unreadable lines are
/// skipped with one warning for all of them, however many there are.
pub fn read_last_runs(path: &Path) -> LastRuns {
    let mut last = LastRuns::default();
    let file = match crate::sys::regular_file::open_to_read(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return last,
        Err(err) => {
            let path = path.display();
            last.warnings
                .push(format!("cannot read the run history {path}: {err}"));
            return last;
        }
    };
    let mut skipped = 0_usize;
    let mut first_skipped = 0_usize;
    let mut number = 0_usize;
    let read = for_each_line(BufReader::new(file), |line| {
        number += 1;
        if line.is_some_and(|line| line.iter().all(u8::is_ascii_whitespace)) {
            return;
        }
        if let Some((key, run)) = line.and_then(parse_record) {
            if let Some(duration) = run.duration {
                last.durations.insert(key.clone(), duration);
                if let Some(situation) = &run.situation {
                    let runs = last.situated.entry(key.clone()).or_default();
                    match runs.iter_mut().find(|(seen, _)| seen == situation) {
                        Some((_, last)) => *last = duration,
                        None => runs.push((situation.clone(), duration)),
                    }
                }
            }
            last.runs.insert(key, run);
        } else {
            skipped += 1;
            if skipped == 1 {
                first_skipped = number;
            }
        }
    });
    let path = path.display();
    match skipped {
        0 => {}
        1 => last.warnings.push(format!(
            "skipped unreadable line {first_skipped} of {path} (cut off by a crash?)"
        )),
        _ => last.warnings.push(format!(
            "skipped {skipped} unreadable lines of {path}, the first at line {first_skipped} \
             (not a jobdeck history?)"
        )),
    }
    if let Err(err) = read {
        last.warnings
            .push(format!("stopped reading {path} after line {number}: {err}"));
    }
    last
}

/// Calls `each` with every line of `reader`, without its newline, or with `None` for a line
/// longer than [`MAX_RECORD_BYTES`]; memory stays bounded by that length whatever the file
/// holds.
fn for_each_line(
    mut reader: impl BufRead,
    mut each: impl FnMut(Option<&[u8]>),
) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        let newline = memchr::memchr(b'\n', buffer);
        let chunk = &buffer[..newline.unwrap_or(buffer.len())];
        if line.len() + chunk.len() > MAX_RECORD_BYTES {
            too_long = true;
            line.clear();
        } else if !too_long {
            line.extend_from_slice(chunk);
        }
        let used = newline.map_or(buffer.len(), |at| at + 1);
        reader.consume(used);
        if newline.is_some() {
            each((!too_long).then_some(line.as_slice()));
            line.clear();
            too_long = false;
        }
    }
    if too_long || !line.is_empty() {
        each((!too_long).then_some(line.as_slice()));
    }
    Ok(())
}

/// One line of `history.jsonl`: written from a finished run, read back by the planner.
///
/// The one description of the line: [`HistoryRecord::to_json`] and
/// [`HistoryRecord::from_json`] take the same fields under the same names, so what is written
/// is what is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// The job's name.
    pub job: String,
    /// `cmake` or `words`.
    pub kind: String,
    /// The pipeline stage of a CMake job (`None` in records written before stages existed).
    pub stage: Option<String>,
    /// The status word.
    pub status: String,
    /// The process's exit code, where there was one.
    pub exit_code: Option<i32>,
    /// Wall time.
    pub duration_ms: Option<u64>,
    /// CPU time, where measured.
    pub cpu_ms: Option<u64>,
    /// The wall-clock start, in ms since 1970.
    pub started_at_ms: Option<u64>,
    /// One-line reason for an unsuccessful run.
    pub error: Option<String>,
    /// The run's log.
    pub log: Option<String>,
    /// The project's own `-D` options (only written when there are some, so older readers
    /// see the lines they always did).
    pub options: Vec<String>,
    /// The situation the run started in, for a kind that tells them apart (a CMake build's
    /// `incremental` or `fresh`); only written when there is one.
    pub situation: Option<String>,
}

impl HistoryRecord {
    /// The record of a finished run that started `started_at_ms` (ms since 1970).
    pub fn of(record: &RunRecord, started_at_ms: u64) -> Self {
        Self {
            job: record.name.clone(),
            kind: record.kind.as_str().to_string(),
            stage: record.stage.map(|stage| stage.as_str().to_string()),
            status: record.state.word().to_string(),
            exit_code: record.exit_code(),
            duration_ms: Some(millis(record.elapsed.unwrap_or_default())),
            cpu_ms: record.cpu.map(millis),
            started_at_ms: Some(started_at_ms),
            error: record.error.clone(),
            log: record.log.as_deref().map(crate::sys::text::path_text),
            options: record.options.clone(),
            situation: record.situation.map(str::to_string),
        }
    }

    /// The line, without its newline.
    pub fn to_json(&self) -> Value {
        let mut line = json!({
            "job": self.job,
            "kind": self.kind,
            "stage": self.stage,
            "status": self.status,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "cpu_ms": self.cpu_ms,
            "started_at_ms": self.started_at_ms,
            "error": self.error,
            "log": self.log,
        });
        if !self.options.is_empty() {
            line["options"] = json!(self.options);
        }
        if let Some(situation) = &self.situation {
            line["situation"] = json!(situation);
        }
        line
    }

    /// Reads a line back. `job` and `status` must be strings; any other field of the wrong
    /// type reads as absent, as a missing one does.
    pub fn from_json(line: &Value) -> Option<Self> {
        let text = |field: &str| line[field].as_str().map(str::to_string);
        let number = |field: &str| line[field].as_u64();
        Some(Self {
            job: text("job")?,
            kind: text("kind").unwrap_or_default(),
            stage: text("stage"),
            status: text("status")?,
            exit_code: line["exit_code"]
                .as_i64()
                .and_then(|code| i32::try_from(code).ok()),
            duration_ms: number("duration_ms"),
            cpu_ms: number("cpu_ms"),
            started_at_ms: number("started_at_ms"),
            error: text("error"),
            log: text("log"),
            options: line["options"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|o| o.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            situation: text("situation"),
        })
    }

    /// Which job it is about. Records written before stages existed are configures.
    pub fn key(&self) -> RecordKey {
        let stage = self.stage.clone().or_else(|| {
            JobKind::from_word(&self.kind)
                .and_then(|kind| kind.stage_of_old_records())
                .map(str::to_string)
        });
        (self.job.clone(), stage)
    }

    /// What the planner needs of it: the status, the duration of a run that ran to an end of
    /// its own, the options.
    pub fn last_run(self) -> LastRun {
        let ran_to_an_end = matches!(self.status.as_str(), "ok" | "flaky" | "failed" | "timeout");
        LastRun {
            duration: self
                .duration_ms
                .filter(|_| ran_to_an_end)
                .map(Duration::from_millis),
            status: self.status,
            options: self.options,
            situation: self.situation,
        }
    }
}

fn parse_record(line: &[u8]) -> Option<(RecordKey, LastRun)> {
    let value = serde_json::from_slice::<Value>(line).ok()?;
    let record = HistoryRecord::from_json(&value)?;
    Some((record.key(), record.last_run()))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::app::{JobRow, JobState, RunRecord};
    use crate::engine::{JobId, RunId};

    fn row(name: &str, state: JobState) -> RunRecord {
        let mut row = JobRow::new(
            (name.to_string(), crate::jobs::cmake::KIND).into(),
            RunId(1),
        );
        row.stage = Some(crate::jobs::cmake::Step::Configure.stage());
        row.state = state;
        row.result.elapsed = Some(Duration::from_millis(5));
        RunRecord::of(JobId(0), &row, Duration::ZERO)
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
        // A record from before stages existed is a configure.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| {
                f.write_all(b"{\"job\":\"d\",\"kind\":\"cmake\",\"status\":\"ok\"}\n")
            })
            .expect("append an old record");
        let last = read_last_runs(&path);
        let status = |name| last.status(name, Some("configure"));
        assert_eq!(status("a"), Some("ok"));
        assert_eq!(status("b"), Some("failed"));
        assert_eq!(status("c"), Some("timeout"));
        assert_eq!(status("d"), Some("ok"));
        assert_eq!(last.status("a", Some("build")), None);
        assert_eq!(
            last.durations
                .get(&("a".to_string(), Some("configure".to_string()))),
            Some(&Duration::from_millis(5))
        );
        assert_eq!(last.warnings.len(), 1, "{:?}", last.warnings);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// The bytes on disk are those of every earlier version, and reading them back gives the
    /// record that was written.
    #[test]
    fn a_record_is_written_as_before_and_read_back_whole() {
        let mut run = row("a/b", JobState::Failed);
        run.result.error = Some("x.c:1: error".to_string());
        run.result.outcome = Some(crate::engine::Outcome::Failed {
            code: Some(1),
            signal: None,
        });
        run.log = Some(PathBuf::from("/l/a/b/configure.log"));
        let plain = HistoryRecord::of(&run, 7);
        assert_eq!(
            plain.to_json().to_string(),
            r#"{"job":"a/b","kind":"cmake","stage":"configure","status":"failed","exit_code":1,"duration_ms":5,"cpu_ms":null,"started_at_ms":7,"error":"x.c:1: error","log":"/l/a/b/configure.log"}"#
        );
        assert_eq!(HistoryRecord::from_json(&plain.to_json()), Some(plain));
        run.options = vec!["X=1".to_string()];
        let with_options = HistoryRecord::of(&run, 7);
        let line = with_options.to_json().to_string();
        assert!(line.ends_with(r#","options":["X=1"]}"#), "{line}");
        assert_eq!(
            HistoryRecord::from_json(&with_options.to_json()),
            Some(with_options)
        );
    }

    /// A run is expected to take what the job's last run in its situation took; with none
    /// recorded in it (or records from before situations), its last run in any.
    #[test]
    fn the_expected_time_is_the_last_one_in_the_same_situation() {
        let dir = std::env::temp_dir().join(format!("jobdeck-situated-{}", std::process::id()));
        let path = history_path(&dir);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect(".jobdeck");
        let line = |job: &str, ms: u64, situation: Option<&str>| {
            let situation = situation.map_or(String::new(), |s| format!(r#","situation":"{s}""#));
            format!(
                r#"{{"job":"{job}","kind":"cmake","stage":"build","status":"ok","duration_ms":{ms}{situation}}}"#
            ) + "\n"
        };
        let text = [
            line("a", 900, Some("incremental")),
            line("a", 60_000, Some("fresh")),
            line("a", 1_000, Some("incremental")),
            line("a", 50_000, Some("fresh")),
            line("b", 70_000, Some("fresh")),
            line("old", 80_000, None),
        ]
        .concat();
        std::fs::write(&path, text).expect("write the history");
        let last = read_last_runs(&path);
        let expected = |job: &str, situation| {
            last.expected(&(job.to_string(), Some("build".to_string())), situation)
        };
        let ms = |ms| Some(Duration::from_millis(ms));
        assert_eq!(expected("a", Some("incremental")), ms(1_000));
        assert_eq!(expected("a", Some("fresh")), ms(50_000));
        assert_eq!(
            expected("a", None),
            ms(50_000),
            "no situation: the last run"
        );
        assert_eq!(expected("b", Some("incremental")), ms(70_000));
        assert_eq!(expected("old", Some("incremental")), ms(80_000));
        assert!(last.succeeded(&("a".to_string(), Some("build".to_string()))));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn lines_longer_than_a_record_are_skipped_whole() {
        let long = "x".repeat(MAX_RECORD_BYTES + 1);
        let text = format!("a\n{long}\nb\n\n{long}");
        // A buffer smaller than a line, so lines arrive in pieces.
        let reader = BufReader::with_capacity(7, text.as_bytes());
        let mut lines = Vec::new();
        for_each_line(reader, |line| lines.push(line.map(<[u8]>::to_vec)))
            .expect("read from memory");
        let expected: [Option<&[u8]>; 5] = [Some(b"a"), None, Some(b"b"), Some(b""), None];
        assert_eq!(lines, expected.map(|line| line.map(<[u8]>::to_vec)));
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
