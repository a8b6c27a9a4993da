//! The headless mode's stdout: one plain line per finished job (and per failed attempt run
//! again), or with `--json` one JSON object per event (`queued`, `started`, `retried`,
//! `finished`, then `summary`). Scripts read these:
//! every word and field is part of the public contract.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::json;

use crate::app::{self, Model, RunRecord, Summary};
use crate::engine::JobId;
use crate::session::{Ending, Event, Problem, Reporter};
use crate::sys::text::escape_controls;

/// Plain or JSON lines on a writer (stdout).
#[derive(Debug)]
pub struct Lines<W: Write> {
    json: bool,
    /// Each job's project and build folders (CMake jobs), for `started` events.
    folders: Vec<Option<(PathBuf, PathBuf)>>,
    out: W,
}

impl Lines<io::StdoutLock<'static>> {
    /// Lines on stdout; `folders` are each job's project and build folders, if it has them.
    pub fn stdout(json: bool, folders: Vec<Option<(PathBuf, PathBuf)>>) -> Self {
        Self::new(json, folders, io::stdout().lock())
    }
}

impl<W: Write> Lines<W> {
    /// Lines on `out`.
    pub fn new(json: bool, folders: Vec<Option<(PathBuf, PathBuf)>>, out: W) -> Self {
        Self { json, folders, out }
    }

    /// What was written, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn line(&mut self, text: &str) -> Result<(), Problem> {
        writeln!(self.out, "{text}").map_err(Problem::Lost)
    }

    fn finished(&mut self, record: &RunRecord, staged: bool) -> Result<(), Problem> {
        if self.json {
            return self.line(&record.event_json("finished").to_string());
        }
        let seconds = record.elapsed.unwrap_or_default().as_secs_f64();
        // Plain lines name the stage only when projects have more than one, so a
        // configure-only session prints the lines it always did.
        let name = if staged {
            record.label()
        } else {
            record.name.clone()
        };
        let mut line = format!("{:<9} {name}  {seconds:.2}s", record.state.word());
        if record.state.is_unsuccessful() {
            if let Some(error) = &record.error {
                let _ = write!(line, "  {error}");
            }
            if let Some(log) = &record.log {
                let _ = write!(line, "  (log: {})", crate::sys::text::path_text(log));
            }
        }
        // The name, the error and the log path come from folders and tools: one job, one line.
        self.line(&escape_controls(&line))
    }

    /// A failed attempt that runs again (`--retries`): `retried   <name>  <seconds>s  attempt
    /// <n>: <error>  (log: <path>)`, the attempt's own figures, in the place of the
    /// `finished` line a job has only once, its last attempt's.
    fn retried(&mut self, record: &RunRecord, staged: bool) -> Result<(), Problem> {
        if self.json {
            return self.line(&record.event_json("retried").to_string());
        }
        let seconds = record.elapsed.unwrap_or_default().as_secs_f64();
        let name = if staged {
            record.label()
        } else {
            record.name.clone()
        };
        let error = record.error.as_deref().unwrap_or(record.state.word());
        let mut line = format!(
            "{:<9} {name}  {seconds:.2}s  attempt {}: {error}",
            "retried", record.attempt
        );
        if let Some(log) = &record.log {
            let _ = write!(line, "  (log: {})", crate::sys::text::path_text(log));
        }
        self.line(&escape_controls(&line))
    }

    fn summary(&mut self, ending: &Ending<'_>) -> Result<(), Problem> {
        let s: &Summary = ending.summary;
        let c = &s.counts;
        let unsuccessful = ending.unsuccessful;
        let ms = app::record::millis;
        let line = json!({
            "event": "summary",
            "jobs": c.total(), "ok": c.ok, "failed": c.failed,
            "cancelled": c.cancelled, "timeout": c.timeout, "skipped": c.skipped,
            "warned": c.warned, "flaky": c.flaky,
            "wall_ms": ms(s.wall), "active_ms": ms(s.active), "job_ms": ms(s.job_time),
            "cpu_ms": ms(s.cpu_time), "speedup": round2(s.speedup),
            "efficiency": round2(s.efficiency), "cpu_share": s.cpu_share.map(round2),
            "workers": s.workers, "lent_workers": s.lent,
            "interrupted": ending.interrupted,
            "causes": app::causes::tally(unsuccessful.iter().filter_map(|r| r.cause.as_deref()))
                .into_iter()
                .map(|(cause, jobs)| json!({"cause": cause, "jobs": jobs}))
                .collect::<Vec<_>>(),
            "unsuccessful": unsuccessful.iter().map(|r| json!({
                "job": r.name,
                "stage": r.stage.map(crate::jobs::Stage::as_str),
                "status": r.state.word(),
                "error": r.error,
                "log": r.log.as_deref().map(crate::sys::text::path_text),
            })).collect::<Vec<_>>(),
        });
        self.line(&line.to_string())
    }
}

impl<W: Write> Reporter for Lines<W> {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        match event {
            Event::Began if self.json => (0..model.jobs.len()).try_for_each(|index| {
                let job = JobId(u32::try_from(index).unwrap_or(u32::MAX));
                self.line(&model.record(job).event_json("queued").to_string())
            }),
            Event::RunStarted(record) if self.json => {
                let mut event = record.event_json("started");
                if let Some(Some((source, build_dir))) = self.folders.get(record.job.0 as usize) {
                    event["source"] = crate::sys::text::path_text(source).into();
                    event["build_dir"] = crate::sys::text::path_text(build_dir).into();
                }
                self.line(&event.to_string())
            }
            Event::RunFinished(record) => self.finished(record, model.has_stages()),
            Event::RunRetried(record) => self.retried(record, model.has_stages()),
            Event::PartFinished(record, part) if self.json => {
                self.line(&record.part_json(part).to_string())
            }
            // Plain lines end with the recap, a reporter of its own that the TUI prints too.
            Event::Ended(ending) if self.json => self.summary(ending),
            _ => Ok(()),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
