//! Chrome trace export (`--trace FILE`): one lane per worker, one complete event per run.
//!
//! The format is the Trace Event Format's "X" (complete) events with `ts` and `dur` in
//! microseconds, which Perfetto and `chrome://tracing` open directly.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::app::Model;
use crate::session::{Event, Problem, Reporter};

/// The trace of every finished run in the model, as JSON.
pub fn trace_json(model: &Model) -> Value {
    let mut events: Vec<Value> = Vec::with_capacity(model.activity.spans.len() + 8);
    events.push(json!({
        "name": "process_name", "ph": "M", "pid": 1, "tid": 0,
        "args": { "name": "jobdeck" },
    }));
    let mut lanes: Vec<usize> = model.activity.spans.iter().map(|s| s.worker.0).collect();
    lanes.sort_unstable();
    lanes.dedup();
    for lane in lanes {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": 1, "tid": lane + 1,
            "args": { "name": format!("worker-{}", lane + 1) },
        }));
    }
    for span in &model.activity.spans {
        let row = model.job(span.job);
        events.push(json!({
            "name": if model.has_stages() { row.label() } else { row.name.clone() },
            "cat": row.kind.as_str(),
            "ph": "X",
            "pid": 1,
            "tid": span.worker.0 + 1,
            "ts": micros(span.start),
            "dur": micros(span.end.saturating_sub(span.start)),
            "args": {
                "status": span.state.word(),
                "kind": row.kind.as_str(),
                "stage": row.stage.map(crate::jobs::Stage::as_str),
            },
        }));
    }
    json!({ "traceEvents": events, "displayTimeUnit": "ms" })
}

/// Writes the trace to `path`.
pub fn write_trace(model: &Model, path: &Path) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(crate::sys::regular_file::create_output(path)?);
    serde_json::to_writer(&mut file, &trace_json(model))?;
    file.write_all(b"\n")?;
    file.flush()
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The reporter that writes the trace when the session ends.
#[derive(Debug)]
pub struct Trace {
    path: PathBuf,
}

impl Trace {
    /// Writes the trace to `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for Trace {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        if !matches!(event, Event::Ended(_)) {
            return Ok(());
        }
        write_trace(model, &self.path).map_err(|err| {
            let path = self.path.display();
            Problem::Warning(format!("cannot write the trace {path}: {err}"))
        })
    }
}
