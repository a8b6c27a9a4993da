//! The files a session writes besides its build root: the trace and the CI reports, each made
//! absolute and checked before anything runs (a regular file, not through a link, outside
//! jobdeck's own folder and the log folder, no two the same file).

use std::path::{Path, PathBuf};

use super::{PlanRequest, Reports, StartupError, absolute};
use crate::sys::path_checks;

impl PlanRequest {
    /// The trace file asked for, absolute, and checked to be a file outside jobdeck's folder
    /// and the log folder.
    pub(super) fn trace_file(
        &self,
        history: &Path,
        build_root: &Path,
        log_dir: &Path,
    ) -> Result<Option<PathBuf>, StartupError> {
        let trace = self.trace.as_ref().map(|t| absolute(t)).transpose()?;
        if let Some(trace) = &trace {
            let own = history.parent().unwrap_or(build_root);
            path_checks::file(trace, "the trace file", "pass another --trace")
                .and_then(|()| path_checks::output(trace, "the trace file", "--trace"))
                .and_then(|()| {
                    path_checks::trace_outside(
                        trace,
                        &[(own, "jobdeck's folder"), (log_dir, "the log folder")],
                    )
                })
                .map_err(StartupError)?;
        }
        Ok(trace)
    }

    /// The report files asked for, absolute, each checked as the trace is, and no two the
    /// same file (nor the trace): one would overwrite the other.
    pub(super) fn reports_files(
        &self,
        history: &Path,
        build_root: &Path,
        log_dir: &Path,
        trace: Option<&Path>,
    ) -> Result<Reports, StartupError> {
        let own = history.parent().unwrap_or(build_root);
        let folders = [(own, "jobdeck's folder"), (log_dir, "the log folder")];
        let check = |file: &Option<PathBuf>, what: &str, flag: &str| {
            let Some(file) = file else { return Ok(None) };
            let file = absolute(file)?;
            path_checks::file(&file, what, &format!("pass another {flag}"))
                .and_then(|()| path_checks::output(&file, what, flag))
                .and_then(|()| path_checks::file_outside(&file, what, flag, &folders))
                .map_err(StartupError)?;
            Ok(Some(file))
        };
        let junit = check(&self.reports.junit, "the JUnit file", "--junit")?;
        let html = check(&self.reports.html, "the HTML report", "--report")?;
        let mut taken: Vec<(&Path, &str)> = Vec::new();
        for (file, flag) in [
            (trace, "--trace"),
            (junit.as_deref(), "--junit"),
            (html.as_deref(), "--report"),
        ] {
            let Some(file) = file else { continue };
            if let Some((_, other)) = taken.iter().find(|(t, _)| path_checks::same_file(t, file)) {
                return Err(StartupError(format!(
                    "{flag} and {other} name the same file {}: one would overwrite the other",
                    file.display()
                )));
            }
            taken.push((file, flag));
        }
        Ok(Reports {
            junit,
            html,
            annotations: self.reports.annotations,
        })
    }
}
