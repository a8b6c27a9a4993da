//! The worker threads: each pulls messages from one shared queue and runs them to the end.

use std::collections::{BTreeSet, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use super::ending::{Voice, describe};
use super::launcher::Launcher;
use super::memory::{self, MemoryGate};
use super::run_ctx::{Report, RunCtx};
use super::slots::{Held, Slots};
use super::watchdog::Watchdog;
use super::{
    CancelToken, EngineEvent, EventKind, Finished, JobId, Outcome, RunId, Tokens, WorkItem,
    WorkerId,
};

/// What the queue carries: a run, or a request for one worker to leave.
pub(super) enum Message {
    Run(WorkItem),
    Retire,
}

/// What the engine knows of a submitted run until it ends.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    token: CancelToken,
    picked_up: bool,
    withdrawn: bool,
}

/// State shared by the engine handle and its workers.
pub(super) struct Shared {
    events: Sender<EngineEvent>,
    nice: Option<i32>,
    watchdog: Option<Arc<Watchdog>>,
    launcher: Option<Arc<Launcher>>,
    memory: Option<(MemoryGate, Arc<HashSet<JobId>>)>,
    compile_slots: OnceLock<Arc<Slots>>,
    tokens: Mutex<Tokens>,
    slots: Mutex<BTreeSet<usize>>,
    target: AtomicUsize,
    warnings: Mutex<Vec<String>>,
    marker_prefix: Arc<str>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(super) fn new(
        events: Sender<EngineEvent>,
        nice: Option<i32>,
        watchdog: Option<Arc<Watchdog>>,
        launcher: Option<Arc<Launcher>>,
        memory: Option<(MemoryGate, Arc<HashSet<JobId>>)>,
    ) -> Self {
        Self {
            events,
            nice,
            watchdog,
            launcher,
            memory,
            compile_slots: OnceLock::new(),
            tokens: Mutex::default(),
            slots: Mutex::default(),
            target: AtomicUsize::new(0),
            warnings: Mutex::default(),
            marker_prefix: Arc::from(super::reap::new_engine_prefix()),
        }
    }

    pub(super) fn register(&self, run: RunId) {
        lock(&self.tokens).entry(run).or_default();
    }

    pub(super) fn cancel(&self, run: RunId) {
        if let Some(entry) = lock(&self.tokens).get(&run) {
            entry.token.cancel();
        }
    }

    pub(super) fn cancel_all(&self) {
        for entry in lock(&self.tokens).values() {
            entry.token.cancel();
        }
    }

    /// Takes back `run` of `job` if no worker has picked it up and it was not cancelled
    /// (a cancelled run ends as cancelled, as it would have): says so with `Withdrawn` at
    /// once, and the worker that later takes it from the queue drops it.
    pub(super) fn withdraw(&self, job: JobId, run: RunId) {
        let mut tokens = lock(&self.tokens);
        let Some(entry) = tokens.get_mut(&run) else {
            return;
        };
        if entry.picked_up || entry.withdrawn || entry.token.stop_reason().is_some() {
            return;
        }
        entry.withdrawn = true;
        // Sent under the lock, so a worker cannot pick the run up in between.
        let kind = EventKind::Withdrawn;
        let _ = self.events.send(EngineEvent { job, run, kind });
    }

    /// Marks a run as picked up by a worker and hands over its token, or `None` if it was
    /// withdrawn. Under one lock with `withdraw`, so exactly one of them wins.
    fn pick_up(&self, run: RunId) -> Option<CancelToken> {
        let mut tokens = lock(&self.tokens);
        let entry = tokens.entry(run).or_default();
        if entry.withdrawn {
            return None;
        }
        entry.picked_up = true;
        Some(entry.token.clone())
    }

    /// Whether a run that waits to start should stop waiting: it was withdrawn or stopped.
    fn is_abandoned(&self, run: RunId) -> bool {
        lock(&self.tokens)
            .get(&run)
            .is_none_or(|entry| entry.withdrawn || entry.token.stop_reason().is_some())
    }

    pub(super) fn set_slots(&self, slots: Arc<Slots>) {
        let _ = self.compile_slots.set(slots);
    }

    pub(super) fn slots(&self) -> Option<&Arc<Slots>> {
        self.compile_slots.get()
    }

    fn forget(&self, run: RunId) {
        lock(&self.tokens).remove(&run);
    }

    /// Takes the lowest free slot number, so lanes stay compact as the pool grows and shrinks.
    pub(super) fn claim_slot(&self) -> usize {
        let mut slots = lock(&self.slots);
        // There are at most `slots.len()` taken numbers, so one of `0..=len` is free.
        let slot = (0..=slots.len())
            .find(|n| !slots.contains(n))
            .expect("a free slot exists");
        slots.insert(slot);
        slot
    }

    pub(super) fn release_slot(&self, slot: usize) {
        lock(&self.slots).remove(&slot);
    }

    pub(super) fn target(&self) -> usize {
        self.target.load(Ordering::SeqCst)
    }

    pub(super) fn set_target(&self, count: usize) {
        self.target.store(count, Ordering::SeqCst);
    }

    pub(super) fn warnings(&self) -> Vec<String> {
        lock(&self.warnings).clone()
    }

    pub(super) fn late_warnings(&self) -> Vec<String> {
        self.watchdog.iter().filter_map(|w| w.warning()).collect()
    }

    pub(super) fn marker_prefix(&self) -> &str {
        &self.marker_prefix
    }

    pub(super) fn warn_once(&self, warning: String) {
        let mut warnings = lock(&self.warnings);
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
}

/// Starts the worker thread for `slot`. Its name starts with `worker-`, which the TUI's panic
/// hook uses to tell a caught task panic from a crash of the UI itself. Fails when the OS
/// will not start another thread (a process or memory limit): the caller frees the slot.
pub(super) fn spawn_worker(
    slot: usize,
    shared: &Arc<Shared>,
    work_rx: Receiver<Message>,
    ready: Sender<()>,
) -> std::io::Result<JoinHandle<()>> {
    let shared = Arc::clone(shared);
    std::thread::Builder::new()
        .name(format!("worker-{}", slot + 1))
        .spawn(move || {
            apply_nice(&shared);
            let _ = ready.send(());
            drop(ready);
            for message in &work_rx {
                match message {
                    Message::Retire => break,
                    Message::Run(item) => run_item(item, WorkerId(slot), &shared),
                }
            }
            shared.release_slot(slot);
        })
}

/// Sets this thread's niceness. On Linux niceness is per thread and children inherit the
/// spawning thread's value, so both in-process tasks and child processes get it.
fn apply_nice(shared: &Shared) {
    let Some(nice) = shared.nice else { return };
    let tid = rustix::thread::gettid();
    if let Err(err) = rustix::process::setpriority_process(Some(tid), nice) {
        shared.warn_once(format!(
            "could not set niceness {nice} ({err}); jobs run at the default priority"
        ));
    }
}

/// Runs one item and sends `Started` and exactly one `Finished`, whatever the task does.
fn run_item(item: WorkItem, worker: WorkerId, shared: &Shared) {
    let WorkItem {
        job,
        run,
        timeout,
        task,
    } = item;
    let send = |kind| {
        let _ = shared.events.send(EngineEvent { job, run, kind });
    };
    // Waiting here, before the run is picked up, keeps it on deck: a pause can still take it
    // back, and it does not show as running before it runs.
    let slot = admit(job, run, shared, &send);
    let Some(token) = shared.pick_up(run) else {
        // Withdrawn while it waited: the engine already said so.
        shared.forget(run);
        return;
    };
    if let Some(reason) = token.stop_reason() {
        shared.forget(run);
        let report = Report {
            error: Some(format!("{} before it started", reason.word())),
            ..Report::stopped(reason)
        };
        send(EventKind::Finished(finished(
            report,
            std::time::Duration::ZERO,
            timeout,
        )));
        return;
    }
    send(EventKind::Started { worker });
    let started = Instant::now();
    let mut ctx = RunCtx::new(job, run, worker, token, timeout, shared.events.clone());
    ctx.watchdog.clone_from(&shared.watchdog);
    ctx.launcher.clone_from(&shared.launcher);
    ctx.marker_prefix = Arc::clone(&shared.marker_prefix);
    ctx.slots = shared.slots().cloned();
    let report = catch_unwind(AssertUnwindSafe(|| task(&mut ctx)))
        .unwrap_or_else(|panic| Report::new(Outcome::Panicked(panic_message(panic.as_ref()))));
    shared.forget(run);
    // The slot is free before the consumer hears of the end and dispatches the next run.
    drop(slot);
    send(EventKind::Finished(finished(
        report,
        started.elapsed(),
        timeout,
    )));
}

/// Waits until the run may start: memory above the gate (for a gated job) and a slot of
/// the pool (when there is one). `None` when the run was withdrawn or stopped meanwhile, or
/// there is no pool.
fn admit(job: JobId, run: RunId, shared: &Shared, send: &impl Fn(EventKind)) -> Option<Held> {
    let give_up = || shared.is_abandoned(run);
    if let Some((gate, gated)) = &shared.memory
        && gated.contains(&job)
        && !gate.is_open()
    {
        send(EventKind::WaitingForMemory);
        let step = std::time::Duration::from_millis(20);
        let mut waited = std::time::Duration::ZERO;
        loop {
            if give_up() {
                return None;
            }
            std::thread::sleep(step);
            waited += step;
            if waited >= memory::RECHECK {
                waited = std::time::Duration::ZERO;
                if gate.is_open() {
                    break;
                }
            }
        }
    }
    shared.slots()?.hold(give_up)
}

/// The `Finished` of a report. A stopped run says so in its error, so a timeout or a
/// cancel never reads as a failure without a reason.
fn finished(
    report: Report,
    elapsed: std::time::Duration,
    timeout: Option<std::time::Duration>,
) -> Finished {
    let error = report
        .error
        .or_else(|| describe(&report.outcome, timeout, Voice::Stopped));
    Finished {
        outcome: report.outcome,
        elapsed,
        cpu: report.cpu,
        error,
        log: report.log,
        diagnosis: report.diagnosis,
        output: report.output,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_string())
}
