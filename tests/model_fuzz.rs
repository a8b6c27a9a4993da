//! Property test of the app state machine: random key actions interleaved with the events a
//! real engine would send, including late events from superseded and cancelled runs, over a
//! random job graph (each job may depend on any earlier ones, as configure → build → test and
//! letters → gather do), each job with 0 to 2 retries.
//!
//! The simulated engine behaves like `engine::Engine`: runs wait in a queue until a worker is
//! free, a cancelled queued run finishes without starting, a withdrawn queued run leaves the
//! queue with `Withdrawn` at once (unless it was cancelled or a worker has it), a cancel
//! reaches a running run only when it next finishes, and shrinking the pool retires workers
//! after their current run.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use jobdeck::app::{
    Action, CauseAction, Effect, JobNode, JobState, LogAction, Model, Msg, OptionsAction, UiAction,
    update,
};
use jobdeck::engine::{EngineEvent, EventKind, Finished, JobId, Outcome, RunId, WorkerId};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Act(Action),
    /// Let the simulated engine do something: pick the n-th possible event.
    Engine(u8),
    Tick,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::SelectNext),
        Just(Action::SelectPrev),
        Just(Action::SelectFirst),
        Just(Action::SelectLast),
        (0usize..12).prop_map(Action::Select),
        Just(Action::Start),
        Just(Action::Cancel),
        Just(Action::CancelAll),
        Just(Action::Rerun),
        Just(Action::RerunFailed),
        Just(Action::TogglePause),
        Just(Action::AddWorker),
        Just(Action::RemoveWorker),
        Just(Action::ToggleLog),
        Just(Action::OpenLog),
        Just(Action::OpenEditor),
        Just(Action::ToggleWatch),
        Just(Action::Options(OptionsAction::Ask)),
        Just(Action::Options(OptionsAction::Char('='))),
        Just(Action::Options(OptionsAction::Submit)),
        Just(Action::Options(OptionsAction::Remove)),
        Just(Action::Log(LogAction::ToggleWrap)),
        Just(Action::Log(LogAction::BeginSearch)),
        Just(Action::Log(LogAction::SearchChar('o'))),
        Just(Action::Log(LogAction::SubmitSearch)),
        Just(Action::Log(LogAction::NextMatch)),
        Just(Action::Log(LogAction::PrevMatch)),
        Just(Action::Log(LogAction::CopyError)),
        Just(Action::Cause(CauseAction::Toggle)),
        Just(Action::Cause(CauseAction::Next)),
        Just(Action::Cause(CauseAction::Choose)),
        Just(Action::Cause(CauseAction::Rerun)),
        Just(Action::Quit),
        Just(Action::Confirm),
        Just(Action::Dismiss),
        Just(Action::Ui(UiAction::ToggleFailedFilter)),
        Just(Action::Ui(UiAction::BeginSearch)),
        Just(Action::Ui(UiAction::SearchChar('1'))),
        Just(Action::Ui(UiAction::CancelSearch)),
        Just(Action::Ui(UiAction::LogPageUp)),
        Just(Action::Ui(UiAction::LogBottom)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => action().prop_map(Step::Act),
        5 => any::<u8>().prop_map(Step::Engine),
        1 => Just(Step::Tick),
    ]
}

/// A stand-in for the engine with the same ordering guarantees.
#[derive(Default)]
struct SimEngine {
    queued: VecDeque<(JobId, RunId)>,
    /// Worker slot to its run. Slots keep their number, and a new worker takes the lowest
    /// free one, as in the real pool.
    workers: BTreeMap<usize, Option<(JobId, RunId)>>,
    target: usize,
    cancelled: Vec<RunId>,
    finished: Vec<RunId>,
    started: Vec<RunId>,
    /// Events the engine sends on its own before anything else happens (`Withdrawn`).
    pending: VecDeque<EngineEvent>,
}

impl SimEngine {
    fn apply(&mut self, effect: &Effect) {
        match effect {
            Effect::Start { job, run } => self.queued.push_back((*job, *run)),
            Effect::Cancel(run) => self.cancelled.push(*run),
            Effect::Withdraw { job, run } => {
                let queued = self.queued.iter().position(|q| q.1 == *run);
                if let Some(at) = queued.filter(|_| !self.cancelled.contains(run)) {
                    self.queued.remove(at);
                    let (job, run, kind) = (*job, *run, EventKind::Withdrawn);
                    self.pending.push_back(EngineEvent { job, run, kind });
                }
            }
            Effect::SetWorkers(n) => self.resize(*n),
            Effect::OpenPager { .. }
            | Effect::SetParts { .. }
            | Effect::OpenEditor { .. }
            | Effect::SetWatch(_)
            | Effect::SetOptions { .. }
            | Effect::Copy(_)
            | Effect::Suspend
            | Effect::Exit => {}
        }
    }

    fn resize(&mut self, n: usize) {
        self.target = n;
        while self.workers.len() < n {
            let slot = (0..=self.workers.len())
                .find(|s| !self.workers.contains_key(s))
                .expect("a free slot");
            self.workers.insert(slot, None);
        }
        self.retire_idle();
    }

    fn retire_idle(&mut self) {
        while self.workers.len() > self.target {
            let idle = self
                .workers
                .iter()
                .rev()
                .find(|(_, run)| run.is_none())
                .map(|(s, _)| *s);
            match idle {
                Some(slot) => {
                    self.workers.remove(&slot);
                }
                None => break,
            }
        }
    }

    fn free_worker(&self) -> Option<usize> {
        self.workers
            .iter()
            .find(|(_, run)| run.is_none())
            .map(|(slot, _)| *slot)
    }

    fn busy_workers(&self) -> Vec<usize> {
        self.workers
            .iter()
            .filter(|(_, run)| run.is_some())
            .map(|(slot, _)| *slot)
            .collect()
    }

    /// The next event, chosen by `pick` among those possible now.
    fn next_event(&mut self, pick: u8) -> Option<EngineEvent> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        let can_start = self.free_worker().is_some() && !self.queued.is_empty();
        let busy = self.busy_workers();
        let choices = usize::from(can_start) + busy.len() * 2;
        if choices == 0 {
            return None;
        }
        let choice = usize::from(pick) % choices;
        if can_start && choice == 0 {
            let (job, run) = self.queued.pop_front().expect("checked non-empty");
            if self.cancelled.contains(&run) {
                self.finished.push(run);
                return Some(finished(job, run, Outcome::Cancelled));
            }
            let worker = self.free_worker().expect("checked");
            self.workers.insert(worker, Some((job, run)));
            self.started.push(run);
            let kind = EventKind::Started {
                worker: WorkerId(worker),
            };
            return Some(EngineEvent { job, run, kind });
        }
        let index = choice - usize::from(can_start);
        let worker = busy[index / 2];
        let (job, run) = self.workers[&worker].expect("busy");
        if index.is_multiple_of(2) {
            let kind = EventKind::Progress { done: 1, total: 2 };
            return Some(EngineEvent { job, run, kind });
        }
        self.workers.insert(worker, None);
        self.retire_idle();
        self.finished.push(run);
        let outcome = if self.cancelled.contains(&run) {
            Outcome::Cancelled
        } else {
            let outcomes = [
                Outcome::Succeeded,
                Outcome::Failed {
                    code: Some(1),
                    signal: None,
                },
                Outcome::TimedOut,
            ];
            outcomes[usize::from(pick) % 3].clone()
        };
        Some(finished(job, run, outcome))
    }

    /// An event that moves towards the end: start a queued run, else finish a running one.
    fn drain_event(&mut self) -> Option<EngineEvent> {
        if !self.pending.is_empty() || (self.free_worker().is_some() && !self.queued.is_empty()) {
            return self.next_event(0);
        }
        // With nothing startable, choice 1 finishes the first busy worker's run.
        if self.busy_workers().is_empty() {
            None
        } else {
            self.next_event(1)
        }
    }

    fn in_flight(&self) -> usize {
        self.queued.len() + self.workers.values().flatten().count() + self.pending.len()
    }
}

fn finished(job: JobId, run: RunId, outcome: Outcome) -> EngineEvent {
    let kind = EventKind::Finished(Finished {
        outcome,
        elapsed: Duration::from_millis(10),
        cpu: None,
        error: None,
        log: None,
        diagnosis: None,
        output: None,
    });
    EngineEvent { job, run, kind }
}

/// Jobs in the fuzzed graph.
const JOBS: usize = 6;

/// `JOBS` jobs; bit `d` of `masks[i]` makes job `i` depend on job `d` (only `d < i` counts,
/// so the graph has no cycle).
fn graph(masks: &[u8]) -> Vec<JobNode> {
    masks
        .iter()
        .enumerate()
        .map(|(i, mask)| JobNode {
            deps: (0..i)
                .filter(|d| mask & (1 << d) != 0)
                .map(|d| JobId(u32::try_from(d).expect("few jobs")))
                .collect(),
            ..JobNode::from((format!("job{i}"), jobdeck::jobs::cmake::KIND))
        })
        .collect()
}

fn check_invariants(model: &Model, sim: &SimEngine) -> Result<(), TestCaseError> {
    for (index, row) in model.jobs.iter().enumerate() {
        let deps = row.deps.iter().map(|d| model.job(*d).state);
        if matches!(row.state, JobState::Dispatched | JobState::Running) {
            for (dep, state) in row.deps.iter().zip(deps.clone()) {
                prop_assert!(
                    state.is_passing(),
                    "job {} runs only after its dependency {:?} succeeded (it is {:?})",
                    index,
                    dep,
                    state
                );
            }
        }
        if row.state == JobState::Queued {
            for (dep, state) in row.deps.iter().zip(deps) {
                prop_assert!(
                    !state.is_unsuccessful(),
                    "job {} still waits on {:?}, which ended {:?}: it should be skipped ({:?})",
                    index,
                    dep,
                    state,
                    model
                        .jobs
                        .iter()
                        .map(|r| (r.state, r.run))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    for row in &model.jobs {
        prop_assert!(
            row.failed_attempts().len() <= row.retries as usize,
            "retries kept"
        );
        prop_assert!(
            row.state != JobState::Flaky || !row.failed_attempts().is_empty(),
            "a flaky job failed before"
        );
    }
    let counts = model.recount();
    prop_assert_eq!(counts.total(), model.jobs.len(), "header counts add up");
    // Kept as rows change, not counted: after every message, what a recount says.
    prop_assert_eq!(model.counts(), counts, "the counts kept are a recount's");
    // So are the causes the panel lists: each failed job's, grouped again.
    prop_assert_eq!(
        model.causes(),
        model.recount_causes(),
        "the causes kept are the rows' grouped again"
    );
    let mut running_workers = Vec::new();
    for (index, row) in model.jobs.iter().enumerate() {
        if row.state == JobState::Running {
            let worker = row.worker;
            prop_assert!(worker.is_some(), "running job {} has a worker", index);
            let worker = worker.expect("checked");
            prop_assert!(
                !running_workers.contains(&worker),
                "worker {:?} runs two jobs",
                worker
            );
            running_workers.push(worker);
            let current = model
                .activity
                .worker_stats
                .get(&worker)
                .and_then(|w| w.current);
            prop_assert_eq!(
                current.map(|(j, r, _)| (j, r)),
                Some((JobId(u32::try_from(index).expect("few jobs")), row.run))
            );
        }
    }
    prop_assert_eq!(
        model.runs_in_flight(),
        sim.in_flight(),
        "model and engine agree on runs in flight"
    );
    prop_assert!(model.busy_workers() <= sim.workers.len().max(model.workers()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn state_machine_invariants_hold(
        steps in prop::collection::vec(step(), 1..200),
        workers in 1usize..4,
        masks in prop::collection::vec(any::<u8>(), JOBS),
        retries in prop::collection::vec(0u32..3, JOBS),
    ) {
        let t0 = Instant::now();
        let mut model = Model::new(graph(&masks), workers, t0).with_retries(retries);
        let mut sim = SimEngine::default();
        sim.resize(workers);
        let mut now = t0;
        for effect in model.start() {
            sim.apply(&effect);
        }
        for step in steps {
            let effects = match step {
                Step::Act(action) => update(&mut model, Msg::Action(action)),
                Step::Tick => {
                    now += Duration::from_millis(100);
                    update(&mut model, Msg::Tick(now))
                }
                Step::Engine(pick) => match sim.next_event(pick) {
                    Some(event) => update(&mut model, Msg::Engine(event)),
                    None => Vec::new(),
                },
            };
            for effect in &effects {
                sim.apply(effect);
            }
            check_invariants(&model, &sim)?;
        }
        // Drain: every run that started finishes exactly once.
        update(&mut model, Msg::Action(Action::CancelAll));
        update(&mut model, Msg::Action(Action::Confirm));
        while let Some(event) = sim.drain_event() {
            for effect in update(&mut model, Msg::Engine(event)) {
                sim.apply(&effect);
            }
            check_invariants(&model, &sim)?;
        }
        let mut finished = sim.finished.clone();
        finished.sort_unstable();
        let before = finished.len();
        finished.dedup();
        prop_assert_eq!(before, finished.len(), "no run finished twice");
        for run in &sim.started {
            prop_assert!(finished.contains(run), "started run {:?} finished", run);
        }
    }
}
