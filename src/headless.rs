//! The headless mode: the same engine and model as the TUI, reported as plain lines or JSON.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use crossbeam_channel::{Receiver, select};
use serde_json::json;

use crate::app::{self, Action, Effect, Msg, News, RunRecord, Summary};
use crate::driver::Followup;
use crate::engine::JobId;
use crate::progress_line::ProgressLine;
use crate::session::{End, Session};
use crate::text::{escape_controls, warn};

/// Runs a started session to the end, printing to stdout. `signals` delivers SIGINT,
/// SIGTERM, SIGHUP.
pub fn run_headless(mut session: Session, json: bool, signals: &Receiver<i32>) -> io::Result<End> {
    for warning in session.driver.warnings() {
        warn(&warning);
    }
    // Plain lines name the stage only when projects have more than one, so a configure-only
    // session prints the lines it always did.
    let staged = session.model.has_stages();
    let mut out = Reporter {
        json,
        staged,
        folders: session.driver.folders(),
        out: io::stdout().lock(),
        error: None,
        progress: ProgressLine::for_stderr(json),
    };
    if json {
        for index in 0..session.model.jobs.len() {
            let job = JobId(u32::try_from(index).unwrap_or(u32::MAX));
            out.line(&session.model.record(job).event_json("queued").to_string());
        }
    }
    let mut interrupted = false;
    let changes = session.driver.changes();
    let mut pending = session.model.start();
    loop {
        let mut exit = false;
        while !pending.is_empty() {
            for effect in std::mem::take(&mut pending) {
                match session.driver.apply(effect) {
                    Some(Followup::Effect(Effect::Exit)) => exit = true,
                    // No screen to show a notice on: it is a warning.
                    Some(Followup::Update(Msg::Notice(text))) => warn(&text),
                    Some(Followup::Update(Msg::WatchFailed(text))) => {
                        warn(&text);
                        let failed = Msg::WatchFailed(text);
                        pending.extend(app::update(&mut session.model, failed));
                    }
                    Some(Followup::Update(msg)) => {
                        pending.extend(app::update(&mut session.model, msg));
                    }
                    _ => {}
                }
            }
        }
        // In watch mode the session goes on when the work is done, waiting for changes,
        // until a signal ends it.
        if exit || (session.model.is_idle() && !session.model.is_watching()) {
            break;
        }
        if out.error.is_some() && !session.model.quitting {
            // Nobody reads the lines any more: stop as a command-line tool does on SIGPIPE,
            // cancelling what is left but keeping the history of every run that ended.
            app::update(&mut session.model, Msg::Tick(Instant::now()));
            pending = app::update(&mut session.model, Msg::Action(Action::ForceQuit));
            continue;
        }
        select! {
            recv(session.events) -> event => {
                let Ok(event) = event else { break };
                app::update(&mut session.model, Msg::Tick(Instant::now()));
                pending = app::update(&mut session.model, Msg::Engine(event));
            }
            recv(changes) -> folder => {
                let Ok(folder) = folder else { break };
                app::update(&mut session.model, Msg::Tick(Instant::now()));
                pending = app::update(&mut session.model, Msg::SourceChanged(folder));
            }
            recv(signals) -> _ => {
                interrupted = true;
                app::update(&mut session.model, Msg::Tick(Instant::now()));
                pending = app::update(&mut session.model, Msg::Action(Action::ForceQuit));
            }
        }
        if let Some(warning) = session.take_news(|news| out.news(news)) {
            out.clear_progress();
            warn(&warning);
        }
        if let Some(line) = out.progress.as_mut() {
            line.draw(|| session.model.progress(), Instant::now());
        }
    }
    out.clear_progress();
    let finish = session.finish(interrupted, |news| out.news(news));
    for warning in &finish.warnings {
        warn(warning);
    }
    out.summary(&finish.summary, &finish.unsuccessful, interrupted);
    match out.error {
        Some(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(End::OutputClosed),
        Some(err) => Err(err),
        None => Ok(finish.end),
    }
}

struct Reporter<W: Write> {
    json: bool,
    staged: bool,
    /// Each job's project and build folders (CMake jobs), for `started` events.
    folders: Vec<Option<(PathBuf, PathBuf)>>,
    out: W,
    /// The first error writing to stdout; nothing more is written after it.
    error: Option<io::Error>,
    /// The self-updating progress line on a terminal's stderr.
    progress: Option<ProgressLine>,
}

impl<W: Write> Reporter<W> {
    fn clear_progress(&mut self) {
        if let Some(line) = self.progress.as_mut() {
            line.clear();
        }
    }

    fn line(&mut self, text: &str) {
        if let Some(line) = self.progress.as_mut() {
            line.clear_for_stdout();
        }
        if self.error.is_none()
            && let Err(err) = writeln!(self.out, "{text}")
        {
            self.error = Some(err);
        }
    }

    fn news(&mut self, news: &News) {
        match news {
            News::Started(record) if self.json => {
                let mut event = record.event_json("started");
                if let Some(Some((source, build_dir))) = self.folders.get(record.job.0 as usize) {
                    event["source"] = source.display().to_string().into();
                    event["build_dir"] = build_dir.display().to_string().into();
                }
                self.line(&event.to_string());
            }
            News::Started(_) => {}
            News::Finished(record) => self.finished(record),
        }
    }

    fn finished(&mut self, record: &RunRecord) {
        if self.json {
            return self.line(&record.event_json("finished").to_string());
        }
        let seconds = record.elapsed.unwrap_or_default().as_secs_f64();
        let name = if self.staged {
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
                let _ = write!(line, "  (log: {})", log.display());
            }
        }
        // The name, the error and the log path come from folders and tools: one job, one line.
        self.line(&escape_controls(&line));
    }

    fn summary(&mut self, s: &Summary, unsuccessful: &[RunRecord], interrupted: bool) {
        let c = &s.counts;
        if !self.json {
            self.line(&s.line(interrupted));
            let args: Vec<_> = std::env::args_os().collect();
            for line in crate::recap::recap(unsuccessful, self.staged, &args) {
                self.line(&line);
            }
            return;
        }
        let ms = app::record::millis;
        let line = json!({
            "event": "summary",
            "jobs": c.total(), "ok": c.ok, "failed": c.failed,
            "cancelled": c.cancelled, "timeout": c.timeout, "skipped": c.skipped,
            "wall_ms": ms(s.wall), "active_ms": ms(s.active), "job_ms": ms(s.job_time),
            "cpu_ms": ms(s.cpu_time), "speedup": round2(s.speedup),
            "efficiency": round2(s.efficiency), "workers": s.workers,
            "interrupted": interrupted,
            "causes": app::causes::tally(unsuccessful.iter().filter_map(|r| r.cause.as_deref()))
                .into_iter()
                .map(|(cause, jobs)| json!({"cause": cause, "jobs": jobs}))
                .collect::<Vec<_>>(),
            "unsuccessful": unsuccessful.iter().map(|r| json!({
                "job": r.name,
                "stage": r.stage.map(crate::jobs::Stage::as_str),
                "status": r.state.word(),
                "error": r.error,
                "log": r.log.as_ref().map(|p| p.display().to_string()),
            })).collect::<Vec<_>>(),
        });
        self.line(&line.to_string());
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
