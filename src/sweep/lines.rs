//! A sweep's lines on stdout: one per point as it is measured, then the fit and the `--nice`
//! contest; with `--json`, one object each (`sweep`, `sweep_summary`, `nice`). Scripts read
//! these: every word and field is part of the public contract.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Point, Sweep, fit, nice::NiceContest};

/// Plain or JSON sweep lines on a writer.
#[derive(Debug)]
pub struct SweepLines<W: Write> {
    json: bool,
    out: W,
}

impl SweepLines<io::Stdout> {
    /// Lines on stdout.
    pub fn stdout(json: bool) -> Self {
        Self::new(json, io::stdout())
    }
}

impl<W: Write> SweepLines<W> {
    /// Lines on `out`.
    pub fn new(json: bool, out: W) -> Self {
        Self { json, out }
    }

    /// What was written, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The line of one point.
    pub fn point(&mut self, point: &Point) -> io::Result<()> {
        let line = if self.json {
            point_json(point).to_string()
        } else {
            point_line(point)
        };
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }

    /// The lines after the last point: the fit, why it stopped early, the contest.
    pub fn end(&mut self, sweep: &Sweep) -> io::Result<()> {
        if self.json {
            let summary = json!({
                "event": "sweep_summary",
                "points": sweep.points.len(),
                "serial_fraction": sweep.serial_fraction.map(round3),
                "max_speedup": sweep.claim().map(|(_, speedup)| round2(speedup)),
                "max_speedup_workers": sweep.claim().map(|(workers, _)| workers),
                "cores": sweep.cores,
                "stopped": sweep.stopped,
                "unsuccessful_points": sweep.unsuccessful_points(),
            });
            writeln!(self.out, "{summary}")?;
            if let Some(contest) = &sweep.nice {
                writeln!(self.out, "{}", nice_json(contest))?;
            }
        } else {
            for line in summary_lines(sweep) {
                writeln!(self.out, "{line}")?;
            }
        }
        self.out.flush()
    }
}

/// `sweep -j2  wall 6.10s  cpu 11.80s  speed-up 1.93x  efficiency 96%  threads 1.95 cores …
/// load 2.31`, and after it, when jobs of the point did not succeed, [`unsuccessful_text`].
pub fn point_line(point: &Point) -> String {
    let cores = |cores: Option<f64>| cores.map_or_else(|| "-".to_string(), |c| format!("{c:.2}"));
    let unsuccessful = unsuccessful_text(point)
        .map(|text| format!("  {text}"))
        .unwrap_or_default();
    format!(
        "sweep -j{:<3} wall {:.2}s  cpu {:.2}s  speed-up {:.2}x  efficiency {:.0}%  threads \
         {} cores  processes {} cores  load {}{unsuccessful}",
        point.workers,
        point.wall.as_secs_f64(),
        point.cpu.as_secs_f64(),
        point.speedup,
        point.efficiency * 100.0,
        cores(point.thread_cores),
        cores(point.process_cores),
        load(point.load),
    )
}

/// What a point whose jobs did not all succeed says beside its figures (`failed: 2 of 4
/// jobs did not succeed`): they measured work that failed. `None` when every job
/// succeeded.
pub fn unsuccessful_text(point: &Point) -> Option<String> {
    (point.unsuccessful > 0).then(|| {
        format!(
            "failed: {} of {} jobs did not succeed",
            point.unsuccessful, point.jobs
        )
    })
}

/// The load average as printed beside a point: `2.31`, or `-` where it could not be read.
pub fn load(load: Option<f64>) -> String {
    load.map_or_else(|| "-".to_string(), |load| format!("{load:.2}"))
}

/// What the fit says, after `serial fraction 0.646`: the speed-up at the most workers it
/// speaks for, and why no further (`1.4x at -j2, the most it tells (2 cores; up to -j4
/// measured)`).
pub fn claim_text(sweep: &Sweep) -> Option<String> {
    let (workers, speedup) = sweep.claim()?;
    let most = sweep.points.iter().map(|point| point.workers).max()?;
    let why = if most > workers {
        format!("{} cores; up to -j{most} measured", sweep.cores)
    } else {
        format!("the most workers measured; {} cores", sweep.cores)
    };
    Some(format!(
        "{speedup:.1}x at -j{workers}, the most it tells ({why})"
    ))
}

/// The plain lines after the points (also printed by the TUI once it gave the terminal back).
pub fn summary_lines(sweep: &Sweep) -> Vec<String> {
    let mut lines = Vec::new();
    let points = sweep.points.len();
    lines.push(match (sweep.serial_fraction, claim_text(sweep)) {
        (Some(serial), Some(claim)) => format!(
            "sweep: serial fraction {serial:.3} (Amdahl's law fitted to {points} points): {claim}"
        ),
        _ => format!(
            "sweep: no serial fraction (Amdahl's law is fitted to {} points or more, {points} \
             measured)",
            fit::MIN_FIT_POINTS
        ),
    });
    let unsuccessful = sweep.unsuccessful_points();
    if !unsuccessful.is_empty() {
        let at: Vec<String> = unsuccessful.iter().map(|n| format!("-j{n}")).collect();
        lines.push(format!(
            "sweep: jobs did not succeed at {}: the speed-ups there (and a fit through them) \
             are of work that failed, not of the whole work",
            at.join(", ")
        ));
    }
    if let Some(why) = &sweep.stopped {
        lines.push(format!("sweep: stopped early: {why}"));
    }
    match &sweep.nice {
        Some(Ok(contest)) => lines.push(nice_line(contest)),
        Some(Err(err)) => lines.push(format!("nice: the contest could not run: {err}")),
        None => {}
    }
    lines
}

/// `nice: two threads on CPU 0 for 2.0s: nice 0 got 91% (weights predict 90%), nice 10 got 9% (10%)`
pub fn nice_line(contest: &NiceContest) -> String {
    let [own, niced] = contest.groups;
    format!(
        "nice: two threads on CPU {} for {:.1}s: nice {} got {:.0}% of it (weights predict \
         {:.0}%), nice {} got {:.0}% ({:.0}%)",
        contest.cpu,
        contest.window.as_secs_f64(),
        own.nice,
        own.share * 100.0,
        own.expected * 100.0,
        niced.nice,
        niced.share * 100.0,
        niced.expected * 100.0,
    )
}

fn point_json(point: &Point) -> Value {
    json!({
        "event": "sweep",
        "workers": point.workers,
        "wall_ms": crate::app::record::millis(point.wall),
        "cpu_ms": crate::app::record::millis(point.cpu),
        "speedup": round2(point.speedup),
        "efficiency": round2(point.efficiency),
        "thread_cores": point.thread_cores.map(round2),
        "process_cores": point.process_cores.map(round2),
        "load": point.load.map(round2),
        "jobs": point.jobs,
        "unsuccessful_jobs": point.unsuccessful,
    })
}

fn nice_json(contest: &Result<NiceContest, String>) -> Value {
    match contest {
        Ok(contest) => json!({
            "event": "nice",
            "cpu": contest.cpu,
            "window_ms": crate::app::record::millis(contest.window),
            "groups": contest.groups.iter().map(|group| json!({
                "nice": group.nice,
                "cpu_ms": crate::app::record::millis(group.cpu),
                "share": round3(group.share),
                "expected_share": round3(group.expected),
            })).collect::<Vec<_>>(),
        }),
        Err(err) => json!({"event": "nice", "error": err}),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The speed-up the fit predicts at `workers`, for the chart.
pub fn fitted(sweep: &Sweep, workers: f64) -> Option<f64> {
    sweep.serial_fraction.map(|s| fit::amdahl(s, workers))
}
