//! The engine: a resizable pool of worker threads that runs submitted tasks and reports typed
//! events about each run over a channel.
//!
//! It knows nothing of CMake, pseudowords or terminals. Scheduling (what runs next, pausing,
//! priorities) belongs to the app model; the engine only runs what it is given, cancels what it
//! is told to, and guarantees that every run it starts finishes exactly once.

pub mod cancel;
pub mod ending;
pub mod event;
pub mod launcher;
pub mod memory;
pub mod output;
mod pool;
pub mod process;
pub mod reap;
pub mod run_ctx;
pub mod slots;
pub mod stop;
pub mod token_pipe;
pub mod watchdog;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

pub use cancel::{CancelToken, StopReason};
pub use event::{
    Detail, Diagnosis, EngineEvent, EventKind, Finished, JobId, Outcome, Part, PartStatus, RunId,
    WorkerId,
};
pub use run_ctx::{Report, RunCtx};

/// The work a task does. It must check `ctx.stop_reason()` often enough to stop promptly.
pub type Task = Box<dyn FnOnce(&mut RunCtx) -> Report + Send>;

/// One run to execute.
pub struct WorkItem {
    /// The job it belongs to.
    pub job: JobId,
    /// The run's id; events carry it.
    pub run: RunId,
    /// Kill the run after this long (`--timeout`).
    pub timeout: Option<Duration>,
    /// The work itself.
    pub task: Task,
}

impl std::fmt::Debug for WorkItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkItem")
            .field("job", &self.job)
            .field("run", &self.run)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Settings for the pool's threads.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// Number of worker threads to start with (at least 1).
    pub workers: usize,
    /// Niceness for worker threads, inherited by every child they spawn.
    pub nice: Option<i32>,
    /// The guard that stops the jobs' process groups if jobdeck is killed with SIGKILL.
    pub watchdog: Option<std::sync::Arc<watchdog::Watchdog>>,
    /// The prefix every process job runs through (`--launcher`, `--slurm`), if any.
    pub launcher: Option<Arc<launcher::Launcher>>,
    /// Whether every run takes a slot of one pool of `workers` slots, and builds take more
    /// from it as a GNU make jobserver (`engine::slots`). Off with a launcher and with
    /// `--build-jobs`.
    pub slots: bool,
    /// The memory gate (`--mem-free`), and the jobs it holds back (builds and tests).
    pub memory: Option<(memory::MemoryGate, Arc<std::collections::HashSet<JobId>>)>,
}

/// Handle to the worker pool. Dropping it cancels every run and joins the workers.
pub struct Engine {
    shared: Arc<pool::Shared>,
    work_tx: Sender<pool::Message>,
    work_rx: Receiver<pool::Message>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Engine {
    /// Starts `config.workers` worker threads that report to `events`. Fails if the OS will
    /// not start them all; the ones that did start are stopped again.
    pub fn new(config: &EngineConfig, events: Sender<EngineEvent>) -> Result<Self, PoolShort> {
        let (work_tx, work_rx) = crossbeam_channel::unbounded();
        let engine = Self {
            shared: Arc::new(pool::Shared::new(
                events,
                config.nice,
                config.watchdog.clone(),
                config.launcher.clone(),
                config.memory.clone(),
            )),
            work_tx,
            work_rx,
            handles: Mutex::new(Vec::new()),
        };
        if let Err(err) = reap::become_subreaper() {
            engine.shared.warn_once(format!(
                "cannot become the subreaper of the jobs' processes ({err}): orphans are left \
                 to init"
            ));
        }
        if config.slots {
            match slots::Slots::start(config.workers.max(1)) {
                Ok(slots) => engine.shared.set_slots(slots),
                Err(err) => engine.shared.warn_once(format!(
                    "cannot start the pool of compile slots ({err}): each build runs one \
                     compiler"
                )),
            }
        }
        engine.set_workers(config.workers.max(1))?;
        Ok(engine)
    }

    /// Queues a run. It starts on the next free worker; the caller keeps the number of
    /// submitted-but-unfinished runs at or below the worker count if it wants strict control.
    pub fn submit(&self, item: WorkItem) {
        self.shared.register(item.run);
        // The receiver lives in `self`, so the send cannot fail while the engine exists.
        let _ = self.work_tx.send(pool::Message::Run(item));
    }

    /// Asks a run to stop. A queued run finishes as cancelled without starting; a running one
    /// has its whole process group terminated. Unknown or finished runs are ignored.
    pub fn cancel(&self, run: RunId) {
        self.shared.cancel(run);
    }

    /// Takes a queued run of `job` back if no worker has picked it up yet: `Withdrawn` is
    /// sent at once and the run never starts. A run already picked up goes on as if nothing
    /// happened, and a cancelled one still ends as cancelled. The model uses it to keep one
    /// run on deck without letting it start after a pause.
    pub fn withdraw(&self, job: JobId, run: RunId) {
        self.shared.withdraw(job, run);
    }

    /// Cancels every run that has not finished.
    pub fn cancel_all(&self) {
        self.shared.cancel_all();
    }

    /// Changes the number of worker threads. Growing starts threads at once; shrinking lets
    /// workers leave after their current run, so nothing running is killed. If the OS will
    /// not start every thread asked for, the pool keeps those that did start and says so.
    pub fn set_workers(&self, count: usize) -> Result<(), PoolShort> {
        let asked = count.max(1);
        let over_the_bound = check_workers(asked).err();
        let count = match &over_the_bound {
            Some(short) => short.workers,
            None => asked,
        };
        let mut handles = self.handles.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.shared.target();
        let mut short = None;
        if count > current {
            let (ready_tx, ready_rx) = crossbeam_channel::unbounded();
            for started in current..count {
                let slot = self.shared.claim_slot();
                let rx = self.work_rx.clone();
                match pool::spawn_worker(slot, &self.shared, rx, ready_tx.clone()) {
                    Ok(handle) => handles.push(handle),
                    Err(error) => {
                        self.shared.release_slot(slot);
                        short = Some(PoolShort {
                            asked,
                            workers: started,
                            error,
                        });
                        break;
                    }
                }
            }
            // Wait until each new worker has applied its niceness, so `warnings()` is
            // complete when this returns.
            drop(ready_tx);
            while ready_rx.recv().is_ok() {}
        } else {
            for _ in count..current {
                let _ = self.work_tx.send(pool::Message::Retire);
            }
        }
        let short = short.or(over_the_bound);
        let workers = short.as_ref().map_or(count, |short| short.workers);
        self.shared.set_target(workers);
        if let Some(slots) = self.shared.slots() {
            slots.set_size(workers);
        }
        handles.retain(|h| !h.is_finished());
        short.map_or(Ok(()), Err)
    }

    /// The number of workers the pool is sized to.
    pub fn workers(&self) -> usize {
        self.shared.target()
    }

    /// Warnings about settings that could not be applied, such as a niceness without privilege.
    pub fn warnings(&self) -> Vec<String> {
        self.shared.warnings()
    }

    /// What the session should say while it runs, once each, since the last call (the
    /// first wait at the memory gate, with its size).
    pub fn new_notes(&self) -> Vec<String> {
        self.shared.take_notes()
    }

    /// Warnings about what went wrong during the session, such as a watchdog that died.
    pub fn late_warnings(&self) -> Vec<String> {
        self.shared.late_warnings()
    }

    /// Cancels every run, lets every worker finish its cleanup (kill and reap), and joins them.
    pub fn shutdown(&self) {
        self.cancel_all();
        let mut handles = self.handles.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..handles.len() {
            let _ = self.work_tx.send(pool::Message::Retire);
        }
        for handle in handles.drain(..) {
            let _ = handle.join();
        }
        self.shared.set_target(0);
        if let Some(slots) = self.shared.slots() {
            slots.close();
        }
        // A process that left its run's group and closed its output outlived the run
        // unnoticed; nothing of the session may outlive it.
        reap::stop_all_marked(self.shared.marker_prefix());
        reap::stop_orphans(self.shared.marker_prefix(), None);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("workers", &self.workers())
            .finish()
    }
}

/// The most worker threads a pool starts.
///
/// A bound, not the OS's limit: a thread's stack is reserved address space (2 MiB each), and
/// when a capped address space (`ulimit -v`) runs out between threads, glibc may abort the
/// process inside a new thread (`failed to register TLS destructor: out of memory`) before
/// the spawn can report an error. Below the bound such a cap is far from reach on any machine
/// that can run the jobs at all; above it `-j` is refused up front (exit 2) and `+` stops
/// with a notice.
///
/// With a launcher each job step in flight still holds a worker thread: the thread reads the
/// step's output and escalates its stop (`engine::process`), which keeps one code path for
/// local and launched runs. 1024 steps in flight is more than a Slurm allocation hands one
/// user at a time.
pub const MAX_WORKERS: usize = 1024;

/// Refuses a worker count above [`MAX_WORKERS`], or one whose jobs cannot fit in the limit
/// on open files (`+` in the TUI past it), as a pool that cannot grow that far.
pub fn check_workers(count: usize) -> Result<(), PoolShort> {
    if count > MAX_WORKERS {
        return Err(PoolShort {
            asked: count,
            workers: MAX_WORKERS,
            error: std::io::Error::other(format!(
                "jobdeck starts at most {MAX_WORKERS} worker threads"
            )),
        });
    }
    crate::sys::limits::check_workers(count).map_err(|why| PoolShort {
        asked: count,
        workers: crate::sys::limits::workers_that_fit().max(1),
        error: std::io::Error::other(why),
    })
}

/// The pool could not grow to the size asked: the OS refused to start a thread (a limit on
/// processes or on memory). It keeps the workers it has.
#[derive(Debug)]
pub struct PoolShort {
    /// The worker count asked for.
    pub asked: usize,
    /// The worker count the pool has.
    pub workers: usize,
    /// Why the next thread did not start.
    pub error: std::io::Error,
}

impl std::fmt::Display for PoolShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot start worker thread {} of {}: {}",
            self.workers + 1,
            self.asked,
            self.error
        )
    }
}

impl std::error::Error for PoolShort {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Runs in-flight tokens and their bookkeeping, keyed by run.
pub(crate) type Tokens = HashMap<RunId, pool::Entry>;
