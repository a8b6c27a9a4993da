//! The model's tests, one file per part they drive (always through `update`), and the helpers
//! they share: models of numbered jobs or named projects, the runs an `update` started, and
//! the events a worker would send about them.

mod dispatch;
pub mod estimate_reference;
mod eta;
mod eta_corpus;
mod graph;
mod log_pane;
mod parts;
mod projects;
mod retries;
mod row_extra;
mod selection;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::app::{Action, Band, Effect, JobNode, JobState, Model, Msg, UiAction, Viewport};
use crate::engine::{Diagnosis, EngineEvent, EventKind, Finished, JobId, Outcome, RunId, WorkerId};

/// Asserts that the counts and the causes the model keeps as its rows change are what a
/// pass over every row counts and groups: a row changed without `row_mut` leaves them behind.
pub fn assert_counts_kept(model: &Model) {
    assert_eq!(
        model.counts,
        model.recount(),
        "the counts kept differ from a recount of the rows"
    );
    assert_eq!(
        model.causes(),
        model.recount_causes(),
        "the causes kept differ from the rows' causes grouped again"
    );
    for (cause, jobs) in model.recount_causes() {
        let only = (jobs.len() == 1).then(|| jobs[0]);
        assert_eq!(model.kept_causes.only_job(&cause), only, "{cause}");
    }
}

/// `app::update`, then [`assert_counts_kept`]: every message the helpers below send is
/// checked, in models of up to 10,000 jobs (a recount passes over every row, and the tests
/// of 200,000 jobs send a message or more per job).
fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let effects = crate::app::update(model, msg);
    if model.jobs.len() <= 10_000 {
        assert_counts_kept(model);
    }
    effects
}

/// A model of `jobs` jobs named `job0`, `job1`, … on `workers` workers, started at `t0`.
pub fn model(jobs: usize, workers: usize, t0: Instant) -> Model {
    let names = (0..jobs)
        .map(|i| (format!("job{i}"), crate::jobs::pseudowords::KIND))
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
        output: None,
    };
    send(model, run, EventKind::Finished(finished))
}

/// Moves the model's clock to `t0 + secs`.
pub fn tick(model: &mut Model, t0: Instant, secs: u64) {
    update(model, Msg::Tick(t0 + Duration::from_secs(secs)));
}

pub fn act(model: &mut Model, action: Action) -> Vec<Effect> {
    update(model, Msg::Action(action))
}

/// Job `job`'s current run.
pub fn current(model: &Model, job: u32) -> (JobId, RunId) {
    (JobId(job), model.jobs[job as usize].run)
}

pub fn event(model: &mut Model, job: u32, run: RunId, kind: EventKind) -> Vec<Effect> {
    update(
        model,
        Msg::Engine(EngineEvent {
            job: JobId(job),
            run,
            kind,
        }),
    )
}

pub fn failed() -> Outcome {
    Outcome::Failed {
        code: Some(1),
        signal: None,
    }
}

pub fn finish_as(model: &mut Model, job: u32, outcome: Outcome) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(model, job, run, finished(outcome))
}

pub fn finished(outcome: Outcome) -> EventKind {
    EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_millis(100),
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    })
}

pub fn projects(names: &[&str], workers: usize) -> (Model, Vec<Effect>) {
    let jobs = names
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::cmake::KIND))
        .collect();
    let mut model = Model::new(jobs, workers, Instant::now());
    let effects = model.start();
    (model, effects)
}

pub fn started(model: &mut Model, job: u32, worker: usize) -> Vec<Effect> {
    let run = model.jobs[job as usize].run;
    event(
        model,
        job,
        run,
        EventKind::Started {
            worker: WorkerId(worker),
        },
    )
}

pub fn states(model: &Model) -> Vec<JobState> {
    model.jobs.iter().map(|j| j.state).collect()
}

/// Two projects, `a` and `b`, each a configure and a build, on two workers.
pub fn two_projects() -> Model {
    let node = |name: &str, stage, deps: Vec<JobId>| JobNode {
        after: Vec::new(),
        name: name.to_string(),
        kind: crate::jobs::cmake::KIND,
        stage: Some(stage),
        deps,
        expected: None,
    };
    let nodes = vec![
        node("a", crate::jobs::cmake::Step::Configure.stage(), vec![]),
        node("a", crate::jobs::cmake::Step::Build.stage(), vec![JobId(0)]),
        node("b", crate::jobs::cmake::Step::Configure.stage(), vec![]),
        node("b", crate::jobs::cmake::Step::Build.stage(), vec![JobId(2)]),
    ];
    let sources = ["/w/a", "/w/a", "/w/b", "/w/b"].map(|s| Some(PathBuf::from(s)));
    Model::new(nodes, 2, Instant::now()).with_sources(sources)
}

pub fn ui(model: &mut Model, action: UiAction) -> Vec<Effect> {
    act(model, Action::Ui(action))
}

pub fn viewport(model: &mut Model, table_rows: u16, log_rows: u16) {
    update(
        model,
        Msg::Viewport(Viewport {
            table: Band {
                top: 2,
                height: table_rows,
            },
            log: Band {
                top: 2 + table_rows + 1,
                height: log_rows,
            },
            help_overflow: 0,
            help_page: 0,
            timeline_columns: 0,
        }),
    );
}

/// Ends `job`'s current run as failed with error `boom` and `diagnosis`.
pub fn fail_with(model: &mut Model, job: JobId, diagnosis: Option<Diagnosis>) -> Vec<Effect> {
    let run = model.job(job).run;
    let finished = Finished {
        outcome: Outcome::Failed {
            code: Some(1),
            signal: None,
        },
        elapsed: Duration::from_millis(5),
        cpu: None,
        error: Some("boom".into()),
        log: None,
        diagnosis,
        output: None,
    };
    send(model, (job, run), EventKind::Finished(finished))
}
