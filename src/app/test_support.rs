//! Helpers for the model's unit tests: a model of numbered jobs, the runs an `update`
//! started, and the events a worker would send about them.

use std::time::{Duration, Instant};

use super::{Effect, Model, Msg, update};
use crate::engine::{EngineEvent, EventKind, Finished, JobId, Outcome, RunId, WorkerId};
use crate::jobs::JobKind;

/// A model of `jobs` jobs named `job0`, `job1`, … on `workers` workers, started at `t0`.
pub fn model(jobs: usize, workers: usize, t0: Instant) -> Model {
    let names = (0..jobs)
        .map(|i| (format!("job{i}"), JobKind::Words))
        .collect();
    Model::new(names, workers, t0)
}

/// The runs that `effects` start, in order.
pub fn runs(effects: &[Effect]) -> Vec<(JobId, RunId)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Start { job, run } => Some((*job, *run)),
            _ => None,
        })
        .collect()
}

/// Sends the model an event about `run`.
pub fn send(model: &mut Model, (job, run): (JobId, RunId), kind: EventKind) -> Vec<Effect> {
    update(model, Msg::Engine(EngineEvent { job, run, kind }))
}

/// `run` started on worker slot `slot`.
pub fn start(model: &mut Model, run: (JobId, RunId), slot: usize) -> Vec<Effect> {
    send(
        model,
        run,
        EventKind::Started {
            worker: WorkerId(slot),
        },
    )
}

/// `run` succeeded after `elapsed`, using half of it as CPU time.
pub fn finish(model: &mut Model, run: (JobId, RunId), elapsed: Duration) -> Vec<Effect> {
    let finished = Finished {
        outcome: Outcome::Succeeded,
        elapsed,
        cpu: Some(elapsed / 2),
        error: None,
        log: None,
        diagnosis: None,
    };
    send(model, run, EventKind::Finished(finished))
}

/// Moves the model's clock to `t0 + secs`.
pub fn tick(model: &mut Model, t0: Instant, secs: u64) {
    update(model, Msg::Tick(t0 + Duration::from_secs(secs)));
}
