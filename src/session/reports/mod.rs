//! The CI reports a session writes when it ends, in both modes and also after a signal (with
//! what ran): `JUnit` XML (`--junit`), GitHub Actions annotations (`--annotations github`, or
//! under `GITHUB_ACTIONS=true`) and a one-file HTML report (`--report`).
//!
//! Each is a [`Reporter`] that waits for [`Event::Ended`] and reads the finished model; what
//! they share is here: every job's record in row order, the end of a run's log, and seconds
//! as CI formats want them.
//!
//! [`Event::Ended`]: crate::session::Event::Ended

pub mod annotations;
pub mod html;
mod html_parts;
mod html_tests;
pub mod junit;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::app::{Model, RunRecord};
use crate::engine::JobId;
use crate::plan::Reports;
use crate::session::{Problem, Reporter};

/// Lines of a failed run's log a report shows: enough for a compiler error with its context,
/// short enough that a hundred failures stay readable.
pub const TAIL_LINES: usize = 30;

/// At most this much of a log's end is read for its tail, however long the log is.
const TAIL_BYTES: u64 = 64 * 1024;

/// The reporters `reports` asks for. They come after the front end's own, so on stderr the
/// annotations follow the progress line's last clearing and the warnings.
pub fn reporters(reports: &Reports) -> Vec<Box<dyn Reporter>> {
    let mut list: Vec<Box<dyn Reporter>> = Vec::new();
    if let Some(path) = &reports.junit {
        list.push(Box::new(junit::Junit::new(path.clone())));
    }
    if reports.annotations {
        list.push(Box::new(annotations::Annotations::stderr(
            annotations::workspace(),
        )));
    }
    if let Some(path) = &reports.html {
        list.push(Box::new(html::Html::new(path.clone())));
    }
    list
}

/// One job as the reports show it: its last run's record and its project's folder.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// The record of the job's last run (or why it did not run).
    pub record: RunRecord,
    /// The project's folder, for a CMake job: where `error_file` is relative to.
    pub source: Option<PathBuf>,
}

/// Every job of the model, in row order.
pub fn jobs(model: &Model) -> Vec<JobReport> {
    (0..model.jobs.len())
        .map(|index| {
            let job = JobId(u32::try_from(index).unwrap_or(u32::MAX));
            JobReport {
                record: model.record(job),
                source: model.job(job).source().map(std::path::Path::to_path_buf),
            }
        })
        .collect()
}

/// The last `count` lines of the log at `path`, made displayable (escape sequences and
/// control characters dropped, as the live log pane shows them). Only the log's last 64 KiB
/// are read, so a flood of output costs nothing here; a missing log has no lines.
pub fn log_tail(path: &Path, count: usize) -> Vec<String> {
    let Ok(mut file) = crate::sys::regular_file::open_to_read(path) else {
        return Vec::new();
    };
    let length = file.metadata().map_or(0, |meta| meta.len());
    let start = length.saturating_sub(TAIL_BYTES);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err()
        || file.take(TAIL_BYTES).read_to_end(&mut bytes).is_err()
    {
        return Vec::new();
    }
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    if start > 0 && !lines.is_empty() {
        // The first line read is a piece of a longer one.
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(count);
    lines[skip..]
        .iter()
        .map(|line| crate::engine::output::display_line(line, false))
        .collect()
}

/// Whether the record's run started on a worker (a job cancelled in the queue or on deck,
/// or skipped, never did).
pub fn has_run(record: &RunRecord) -> bool {
    record.worker.is_some()
}

/// The log tail of a record's run, if it has a log.
pub fn record_tail(record: &RunRecord) -> Vec<String> {
    record
        .log
        .as_deref()
        .map(|log| log_tail(log, TAIL_LINES))
        .unwrap_or_default()
}

/// `d` in seconds with millisecond precision, as `JUnit`'s `time` attribute has it.
pub fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// `text` made safe inside XML or HTML markup: `&`, `<`, `>`, `"` and `'` as entities, and
/// the characters XML 1.0 does not allow at all (control characters other than tab and line
/// breaks, U+FFFE, U+FFFF) written as visible escapes (`\u{1b}`), so a log line or a folder
/// name can neither break the markup nor make the file unreadable.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.extend(c.escape_default());
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` made safe as an attribute's value: as [`escape_markup`], with tabs and line
/// breaks as character references, which an attribute keeps where a parser would turn the
/// characters themselves into spaces.
pub fn escape_attribute(text: &str) -> String {
    escape_markup(text)
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// Writes `text` to the report file `path` (`what` names it in a warning).
fn write_report(path: &Path, what: &str, text: &str) -> Result<(), Problem> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(crate::sys::regular_file::create_output(path)?);
        file.write_all(text.as_bytes())?;
        file.flush()
    };
    write()
        .map_err(|err| Problem::Warning(format!("cannot write {what} {}: {err}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_characters_xml_forbids_are_made_visible() {
        assert_eq!(
            escape_markup("<a href=\"x\">&'\u{1b}[31m\u{0}\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\\u{1b}[31m\\u{0}\n"
        );
        assert_eq!(escape_attribute("a\nb\tc"), "a&#10;b&#9;c");
    }

    #[test]
    fn a_log_tail_is_its_last_lines_made_displayable() {
        let dir = std::env::temp_dir().join(format!("jobdeck-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log = dir.join("a.log");
        let lines: Vec<String> = (0..20_000).map(|n| format!("line {n}")).collect();
        let mut text = lines.join("\n") + "\n";
        text.push_str("\u{1b}[31mred\u{1b}[0m end");
        std::fs::write(&log, &text).expect("write log");
        let tail = log_tail(&log, 3);
        assert_eq!(tail, ["line 19998", "line 19999", "red end"]);
        assert!(log_tail(&dir.join("missing.log"), 3).is_empty());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
