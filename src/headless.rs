//! The headless mode: the same engine and model as the TUI, reported as plain lines or JSON.

use std::io::{self, Write};
use std::time::Instant;

use crossbeam_channel::{Receiver, select};
use serde_json::json;

use crate::app::{self, Action, Effect, JobRow, Model, Msg, Summary};
use crate::cli::Plan;
use crate::driver::Driver;
use crate::engine::{EngineEvent, EventKind, JobId};

/// How the headless run ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadlessEnd {
    /// Every job succeeded (exit 0).
    AllSucceeded,
    /// Some job failed, was cancelled or timed out (exit 1).
    SomeUnsuccessful,
    /// A signal stopped the run (exit 130).
    Interrupted,
}

/// Runs the plan to the end, printing to stdout. `signals` delivers SIGINT, SIGTERM, SIGHUP.
pub fn run_headless(plan: Plan, json: bool, signals: &Receiver<i32>) -> io::Result<HeadlessEnd> {
    let (driver, events, mut model) = Driver::start(plan);
    for warning in driver.warnings() {
        let _ = writeln!(io::stderr(), "jobdeck: warning: {warning}");
    }
    let mut out = Reporter {
        json,
        out: io::stdout().lock(),
        reported: vec![false; model.jobs.len()],
    };
    if json {
        for index in 0..model.jobs.len() {
            out.event(
                "queued",
                &model,
                JobId(u32::try_from(index).unwrap_or(u32::MAX)),
            )?;
        }
    }
    let mut interrupted = false;
    let mut pending = model.start();
    loop {
        let mut exit = false;
        for effect in pending.drain(..) {
            exit |= driver.apply(effect) == Some(Effect::Exit);
        }
        if exit || model.is_idle() {
            break;
        }
        select! {
            recv(events) -> event => {
                let Ok(event) = event else { break };
                app::update(&mut model, Msg::Tick(Instant::now()));
                pending = model_event(&mut model, event, &mut out)?;
                if let Some(warning) = driver.record_finished(&mut model) {
                    let _ = writeln!(io::stderr(), "jobdeck: warning: {warning}");
                }
            }
            recv(signals) -> _ => {
                interrupted = true;
                app::update(&mut model, Msg::Tick(Instant::now()));
                pending = app::update(&mut model, Msg::Action(Action::ForceQuit));
            }
        }
    }
    driver.shutdown();
    // Runs cancelled while still queued never reached a worker; report them too.
    while let Ok(event) = events.try_recv() {
        model_event(&mut model, event, &mut out)?;
    }
    app::update(&mut model, Msg::Tick(Instant::now()));
    let warnings = [
        driver.record_finished(&mut model),
        driver.write_trace(&model),
    ];
    for warning in warnings.into_iter().flatten() {
        let _ = writeln!(io::stderr(), "jobdeck: warning: {warning}");
    }
    for index in 0..model.jobs.len() {
        let job = JobId(u32::try_from(index).unwrap_or(u32::MAX));
        if model.job(job).state.is_finished() {
            out.finished(&model, job)?;
        }
    }
    let summary = model.summary();
    out.summary(&summary, interrupted)?;
    Ok(if interrupted {
        HeadlessEnd::Interrupted
    } else if summary.counts.ok == summary.counts.total() {
        HeadlessEnd::AllSucceeded
    } else {
        HeadlessEnd::SomeUnsuccessful
    })
}

fn model_event(
    model: &mut Model,
    event: EngineEvent,
    out: &mut Reporter<impl Write>,
) -> io::Result<Vec<Effect>> {
    let (job, run) = (event.job, event.run);
    let started = matches!(event.kind, EventKind::Started { .. });
    let finished = matches!(event.kind, EventKind::Finished(_));
    let effects = app::update(model, Msg::Engine(event));
    if model.job(job).run == run {
        if started {
            out.event("started", model, job)?;
        } else if finished {
            out.finished(model, job)?;
        }
    }
    Ok(effects)
}

struct Reporter<W: Write> {
    json: bool,
    out: W,
    reported: Vec<bool>,
}

impl<W: Write> Reporter<W> {
    fn event(&mut self, event: &str, model: &Model, job: JobId) -> io::Result<()> {
        if self.json {
            writeln!(self.out, "{}", job_json(event, model.job(job), job))?;
        }
        Ok(())
    }

    /// Reports a finished job once, however many times it is asked.
    fn finished(&mut self, model: &Model, job: JobId) -> io::Result<()> {
        let reported = &mut self.reported[job.0 as usize];
        if std::mem::replace(reported, true) {
            return Ok(());
        }
        let row = model.job(job);
        if self.json {
            return writeln!(self.out, "{}", job_json("finished", row, job));
        }
        let seconds = row.elapsed.unwrap_or_default().as_secs_f64();
        write!(
            self.out,
            "{:<9} {}  {seconds:.2}s",
            row.state.word(),
            row.name
        )?;
        if !row.state.is_unsuccessful() {
            return writeln!(self.out);
        }
        if let Some(error) = &row.error {
            write!(self.out, "  {error}")?;
        }
        if let Some(log) = &row.log {
            write!(self.out, "  (log: {})", log.display())?;
        }
        writeln!(self.out)
    }

    fn summary(&mut self, s: &Summary, interrupted: bool) -> io::Result<()> {
        let c = &s.counts;
        if self.json {
            let line = json!({
                "event": "summary",
                "jobs": c.total(), "ok": c.ok, "failed": c.failed,
                "cancelled": c.cancelled, "timeout": c.timeout,
                "wall_ms": millis(s.wall), "active_ms": millis(s.active), "job_ms": millis(s.job_time),
                "cpu_ms": millis(s.cpu_time), "speedup": round2(s.speedup),
                "efficiency": round2(s.efficiency), "workers": s.workers,
                "interrupted": interrupted,
            });
            return writeln!(self.out, "{line}");
        }
        writeln!(self.out, "{}", s.line(interrupted))
    }
}

fn job_json(event: &str, row: &JobRow, job: JobId) -> serde_json::Value {
    json!({
        "event": event,
        "job": row.name,
        "id": job.0,
        "run": row.run.0,
        "kind": row.kind.as_str(),
        "worker": row.worker.map(|w| w.0 + 1),
        "status": row.state.word(),
        "duration_ms": row.elapsed.map(millis),
        "cpu_ms": row.cpu.map(millis),
        "exit_code": row.exit_code,
        "error": row.error,
        "log": row.log.as_ref().map(|p| p.display().to_string()),
        "detail": row.detail,
    })
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
