//! GitHub Actions annotations (`--annotations github`, or by default when
//! `GITHUB_ACTIONS=true`): at the end of the session, for each failed or timed-out job, one
//! `::error file=<path>,line=<N>,title=<project> <stage>::<error summary>` workflow command
//! (`::warning` for a toolchain probe, whose failure fails nothing),
//! which GitHub shows on the diff at that line, then the end of its log folded between
//! `::group::` and `::endgroup::`.
//!
//! They go to stderr, in both modes: the runner reads workflow commands from a step's stdout
//! and stderr alike, and stdout stays what scripts parse (plain lines, `--json`'s JSON lines).
//!
//! The log is hostile input: a line of it reading `::error::…` or `::endgroup::` would be
//! taken as a command. So the tail is printed between `::stop-commands::<token>` and
//! `::<token>::`, the runner's own way to stop processing commands, with a token drawn at
//! random when the session ends (after every log was written, so no log can know it).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{JobReport, record_tail};
use crate::app::{JobState, Model};
use crate::session::{Event, Problem, Reporter};
use crate::sys::text::escape_controls;

/// The folder annotation paths are relative to: `GITHUB_WORKSPACE` (where GitHub checks the
/// repository out), else the current folder.
pub fn workspace() -> PathBuf {
    std::env::var_os("GITHUB_WORKSPACE")
        .filter(|w| !w.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

/// The reporter that prints the annotations when the session ends.
#[derive(Debug)]
pub struct Annotations<W: Write> {
    workspace: PathBuf,
    out: W,
}

impl Annotations<io::Stderr> {
    /// Annotations on stderr, with paths relative to `workspace`.
    pub fn stderr(workspace: PathBuf) -> Self {
        Self::new(workspace, io::stderr())
    }
}

impl<W: Write> Annotations<W> {
    /// Annotations on `out`, with paths relative to `workspace`.
    pub fn new(workspace: PathBuf, out: W) -> Self {
        Self { workspace, out }
    }

    /// What was written, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Reporter for Annotations<W> {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        if !matches!(event, Event::Ended(_)) {
            return Ok(());
        }
        let token = format!("jobdeck-{:016x}", rand::random::<u64>());
        let text = annotations(model, &self.workspace, &token);
        // Like the warnings on stderr: a stderr nobody reads is no reason to stop.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
        Ok(())
    }
}

/// Every failed and timed-out job's annotation and log group; `token` stops the runner from
/// reading commands in the logs.
pub fn annotations(model: &Model, workspace: &Path, token: &str) -> String {
    let mut text = String::new();
    for job in super::jobs(model) {
        let record = &job.record;
        if !matches!(record.state, JobState::Failed | JobState::Timeout) {
            continue;
        }
        let title = match record.stage {
            Some(stage) => format!("{} {}", record.name, stage.as_str()),
            None => record.name.clone(),
        };
        let mut properties = Vec::new();
        if let Some(file) = annotated_file(&job, workspace) {
            properties.push(format!("file={}", escape_property(&file)));
            if let Some(line) = record.error_line() {
                properties.push(format!("line={line}"));
            }
        }
        properties.push(format!("title={}", escape_property(&title)));
        let message = record
            .error
            .clone()
            .unwrap_or_else(|| format!("{} with no error message", record.state.word()));
        // A failure of a kind whose failure fails nothing is a warning: it fails nothing, and
        // its error says what it changed.
        let level = if record.only_warns() {
            "warning"
        } else {
            "error"
        };
        let _ = writeln!(
            text,
            "::{level} {}::{}",
            properties.join(","),
            escape_data(&message)
        );
        let log = record
            .log
            .as_ref()
            .map_or_else(String::new, |log| format!(": {}", log.display()));
        let _ = writeln!(
            text,
            "::group::{}",
            escape_data(&format!("log of {}{log}", record.label()))
        );
        let _ = writeln!(text, "::stop-commands::{token}");
        for line in record_tail(record) {
            text.push_str(&escape_controls(&line));
            text.push('\n');
        }
        let _ = writeln!(text, "::{token}::\n::endgroup::");
    }
    text
}

/// The file the job's error points at, relative to the workspace when it is inside it.
fn annotated_file(job: &JobReport, workspace: &Path) -> Option<String> {
    let file = job.record.error_file()?;
    let path = match &job.source {
        Some(source) => source.join(&file),
        None => PathBuf::from(&file),
    };
    let relative = path
        .strip_prefix(workspace)
        .map(Path::to_path_buf)
        .ok()
        .or_else(|| {
            let (path, workspace) = (path.canonicalize().ok()?, workspace.canonicalize().ok()?);
            path.strip_prefix(workspace).map(Path::to_path_buf).ok()
        })
        .unwrap_or(path);
    Some(relative.display().to_string())
}

/// A command's message, escaped as GitHub's toolkit does: `%`, `\r`, `\n`; other control
/// characters are made visible, as everywhere jobdeck prints to a terminal.
pub fn escape_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escape_controls(&escaped).into_owned()
}

/// A command's property value, escaped as GitHub's toolkit does: as a message, and also
/// `:` and `,`, which would end the property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_githubs_toolkit_does() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("50% a\r\nb: c, d"),
            "50%25 a%0D%0Ab%3A c%2C d"
        );
        assert_eq!(escape_data("\u{1b}]0;x"), "\\u{1b}]0;x");
    }
    /// A failed toolchain probe is annotated as a warning, a failed configure as an error.
    #[test]
    fn a_failed_probe_is_a_warning_and_a_failed_configure_an_error() {
        use crate::app::JobNode;
        use crate::app::tests::{failed, finish_as, started};
        let node = |name: &str, kind| JobNode {
            name: name.to_string(),
            kind,
            stage: None,
            deps: Vec::new(),
            after: Vec::new(),
            expected: None,
        };
        let jobs = vec![
            node("toolchain probe", crate::jobs::probe::KIND),
            node("proj", crate::jobs::cmake::KIND),
        ];
        let mut model = Model::new(jobs, 2, std::time::Instant::now());
        model.start();
        for job in [0, 1] {
            started(&mut model, job, job as usize);
            finish_as(&mut model, job, failed());
        }
        let text = annotations(&model, Path::new("/"), "token");
        assert!(text.contains("::warning title=toolchain probe::"), "{text}");
        assert!(text.contains("::error title=proj::"), "{text}");
    }
}
