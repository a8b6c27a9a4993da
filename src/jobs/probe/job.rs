//! The toolchain probe as a job of the graph: a row of its own (kind `probe`), with its log
//! and the session's `--timeout`, counted in `-j`, which the fresh configures of its key
//! come after.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::ending::{Voice, describe};
use crate::engine::{Outcome, Report, RunCtx};
use crate::jobs::cmake::CmakeSettings;
use crate::jobs::{JobKind, Kind, Tool, Work, log_files};

use super::{Found, ProbeError, language_log, seed};

/// The name of the probe's row (with a number after it when a session needs several).
pub const NAME: &str = "toolchain probe";

/// One key's probe: the settings and options its configures run with.
#[derive(Debug, Clone)]
pub struct ProbeJob {
    /// The session's CMake settings (their `probes` hold what the probe leaves).
    pub settings: Arc<CmakeSettings>,
    /// The project options of the configures it seeds (part of the key).
    pub options: Vec<String>,
    /// Its log, `<logs>/toolchain probe/probe.log`: each language's cmake log, one after
    /// the other (each also kept beside it, `c.log`, `cxx.log`).
    pub log: PathBuf,
}

impl ProbeJob {
    /// Takes the probe kept in the user's cache, or runs it; says which in the detail.
    pub fn run(&self, ctx: &mut RunCtx) -> Report {
        let Some(probes) = &self.settings.probes else {
            return Report::failure("toolchain probes are off (--no-share-probes)");
        };
        if let Err(err) = log_files::make_room(&self.log) {
            return Report::failure(format!("cannot write log {}: {err}", self.log.display()));
        }
        for language in seed::LANGUAGES {
            // A kept probe runs no cmake: no earlier session's language log may pass for
            // this run's.
            let _ = std::fs::remove_file(language_log(&self.log, language));
        }
        let (mut report, heading) =
            match probes.probe(&self.settings, &self.options, &self.log, ctx) {
                Ok(found) => {
                    ctx.detail(found.as_str());
                    let heading = match found {
                        Found::Kept => "kept from an earlier session, in the user's cache folder",
                        Found::Probed => "probed",
                    };
                    (Report::new(Outcome::Succeeded), heading.to_string())
                }
                Err(ProbeError::Stopped(reason)) => {
                    let report = Report::stopped(reason);
                    let heading =
                        describe(&report.outcome, ctx.timeout(), Voice::Log).unwrap_or_default();
                    (report, heading)
                }
                Err(ProbeError::Failed(why)) => (Report::failure(why.clone()), why),
            };
        report.log = self.write_log(format!("toolchain probe: {heading}\n"));
        report
    }

    /// Writes the job's log: what happened, then each language's cmake log.
    fn write_log(&self, heading: String) -> Option<PathBuf> {
        let mut text = heading;
        for language in seed::LANGUAGES {
            if let Ok(log) = std::fs::read_to_string(language_log(&self.log, language)) {
                text.push('\n');
                text.push_str(&log);
            }
        }
        let mut file = crate::sys::regular_file::create_own(&self.log).ok()?;
        std::io::Write::write_all(&mut file, text.as_bytes()).ok()?;
        Some(self.log.clone())
    }
}

/// The kind of a toolchain probe.
pub const KIND: JobKind = JobKind::of(&Probe);

/// What every toolchain probe has in common: jobdeck's own helper job, whose failure fails
/// nothing (its configures run unseeded and decide the session's status).
struct Probe;

impl Kind for Probe {
    fn word(&self) -> &'static str {
        "probe"
    }

    fn failure_fails_session(&self) -> bool {
        false
    }

    fn failure_consequence(&self) -> Option<&'static str> {
        Some("its configures run unseeded")
    }
}

impl Work for ProbeJob {
    fn kind(&self) -> JobKind {
        KIND
    }

    fn log(&self) -> &std::path::Path {
        &self.log
    }

    fn run(&self, ctx: &mut RunCtx) -> Report {
        ProbeJob::run(self, ctx)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn tool(&self) -> Option<Tool> {
        Some(Tool {
            program: self.settings.program.clone(),
            install: crate::jobs::cmake::INSTALL,
        })
    }

    /// Never retried under `--retries`: a failed probe only leaves its configures unseeded,
    /// and they run (and are retried) as plain configures.
    fn retries(&self) -> Option<u32> {
        Some(0)
    }
}
