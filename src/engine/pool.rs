//! The worker threads: each pulls messages from one shared queue and runs them to the end.

use std::collections::{BTreeSet, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::ending::{Voice, describe};
use super::launcher::Launcher;
use super::memory::{self, MemoryGate};
use super::run_ctx::{Report, RunCtx};
use super::slots::Slots;
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
    /// Runs held at the memory gate, set aside so they hold no worker: a free worker takes
    /// one back once the gate opens (or it was stopped, to end it as stopped).
    parked: Mutex<Vec<WorkItem>>,
    /// Whether the first wait at the memory gate was said.
    memory_said: AtomicBool,
    /// What the session should hear of while it runs (the first wait for memory).
    notes: Mutex<Vec<String>>,
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
            parked: Mutex::default(),
            memory_said: AtomicBool::new(false),
            notes: Mutex::default(),
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

    /// What happened since the last call that the session should say (once each).
    pub(super) fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.notes))
    }

    /// Whether `item` must wait at the memory gate: a gated job, not stopped, below the gate.
    fn is_held_back(&self, item: &WorkItem) -> bool {
        self.memory.as_ref().is_some_and(|(gate, gated)| {
            gated.contains(&item.job) && !self.is_abandoned(item.run) && !gate.is_open()
        })
    }

    /// Sets a run held at the memory gate aside, and says once what it waits for.
    fn park(&self, item: WorkItem) {
        lock(&self.parked).push(item);
        if !self.memory_said.swap(true, Ordering::SeqCst)
            && let Some((gate, _)) = &self.memory
        {
            lock(&self.notes).push(gate.waiting_words());
        }
    }

    fn has_parked(&self) -> bool {
        !lock(&self.parked).is_empty()
    }

    /// A run set aside that may go on: one that was stopped (it ends as such), else the
    /// first one, if the gate is open now (`only_stopped`: stopped ones only).
    fn unpark(&self, only_stopped: bool) -> Option<WorkItem> {
        let mut parked = lock(&self.parked);
        if parked.is_empty() {
            return None;
        }
        if let Some(at) = parked.iter().position(|item| self.is_abandoned(item.run)) {
            return Some(parked.remove(at));
        }
        let open = !only_stopped && self.memory.as_ref().is_none_or(|(gate, _)| gate.is_open());
        open.then(|| parked.remove(0))
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
            loop {
                if let Some(item) = shared.unpark(false) {
                    run_item(item, WorkerId(slot), &shared);
                    continue;
                }
                // With runs set aside, wake to read the gate again even if nothing comes.
                let message = if shared.has_parked() {
                    match work_rx.recv_timeout(memory::RECHECK) {
                        Ok(message) => message,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                } else {
                    match work_rx.recv() {
                        Ok(message) => message,
                        Err(_) => break,
                    }
                };
                match message {
                    Message::Retire => {
                        // A shutdown cancels first: the runs set aside end here as
                        // cancelled, so none is left without its `Finished`.
                        while let Some(item) = shared.unpark(true) {
                            run_item(item, WorkerId(slot), &shared);
                        }
                        break;
                    }
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
    if shared.is_held_back(&item) {
        let (job, run) = (item.job, item.run);
        let kind = EventKind::WaitingForMemory;
        let _ = shared.events.send(EngineEvent { job, run, kind });
        shared.park(item);
        return;
    }
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
    let slot = shared
        .slots()
        .and_then(|slots| slots.hold(|| shared.is_abandoned(run)));
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
