//! What a running task gets from the engine: its identity, its stop flag, and a way to report.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use super::cancel::{CancelToken, StopReason};
use super::event::{Detail, Diagnosis, EngineEvent, EventKind, JobId, Outcome, RunId, WorkerId};
use super::launcher::Launcher;
use super::slots::{CompilerReport, Slots};
use super::token_pipe::PipeEnds;
use super::watchdog::Watchdog;

/// Progress is sent at most this often per run, so a tight loop cannot flood the consumer.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// What a task returns; the pool adds the wall time and sends it as `Finished`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Success or the kind of failure.
    pub outcome: Outcome,
    /// CPU time used, where it could be measured.
    pub cpu: Option<Duration>,
    /// One-line reason for a failure.
    pub error: Option<String>,
    /// Where the run's full output went.
    pub log: Option<PathBuf>,
    /// The failure's message and where it points, where the job could tell.
    pub diagnosis: Option<Diagnosis>,
    /// Which bytes of the log are the program's own output, exactly as it wrote them (after
    /// the command line at the top, before jobdeck's closing line), for a process run.
    pub output: Option<Range<u64>>,
}

impl Report {
    /// A report with just an outcome.
    pub fn new(outcome: Outcome) -> Self {
        Self {
            outcome,
            cpu: None,
            error: None,
            log: None,
            diagnosis: None,
            output: None,
        }
    }

    /// A failure with a one-line reason and no exit code.
    pub fn failure(error: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            ..Self::new(Outcome::Failed {
                code: None,
                signal: None,
            })
        }
    }

    /// The report of a run that stopped because of `reason`.
    pub fn stopped(reason: StopReason) -> Self {
        Self::new(match reason {
            StopReason::Cancelled => Outcome::Cancelled,
            StopReason::TimedOut => Outcome::TimedOut,
        })
    }
}

/// The context a task runs in. Owned by the worker for the length of one run.
#[derive(Debug)]
pub struct RunCtx {
    /// The job being run.
    pub job: JobId,
    /// This run of it.
    pub run: RunId,
    /// The worker running it.
    pub worker: WorkerId,
    cancel: CancelToken,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    events: Sender<EngineEvent>,
    last_progress: Option<(Instant, u64)>,
    /// Where child process groups are registered, so they die with jobdeck even after a
    /// `SIGKILL`.
    pub(crate) watchdog: Option<Arc<Watchdog>>,
    /// The engine's marker prefix, which tags the run's processes (see `engine::reap`).
    pub(crate) marker_prefix: Arc<str>,
    /// The prefix process jobs run through, if any (`--launcher`, `--slurm`).
    pub(crate) launcher: Option<Arc<Launcher>>,
    /// The pool of compile slots builds join, if the session has one.
    pub(crate) slots: Option<Arc<Slots>>,
    /// The job's name, for a launcher that names what it runs (srun's `--job-name`).
    label: String,
    /// The jobserver pipe the run's next process inherits.
    pub(crate) inherited: Option<PipeEnds>,
}

impl RunCtx {
    pub(crate) fn new(
        job: JobId,
        run: RunId,
        worker: WorkerId,
        cancel: CancelToken,
        timeout: Option<Duration>,
        events: Sender<EngineEvent>,
    ) -> Self {
        Self {
            job,
            run,
            worker,
            cancel,
            timeout,
            // A limit too far away to represent is no limit at all.
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            events,
            last_progress: None,
            watchdog: None,
            marker_prefix: Arc::from(""),
            launcher: None,
            slots: None,
            label: String::new(),
            inherited: None,
        }
    }

    /// A second context for the same run, for a helper process the task runs beside its
    /// main one on a thread of its own: the same stop flag, deadline, watchdog and marker,
    /// and its output goes to the same job.
    #[must_use]
    pub fn sibling(&self) -> RunCtx {
        RunCtx {
            job: self.job,
            run: self.run,
            worker: self.worker,
            cancel: self.cancel.clone(),
            timeout: self.timeout,
            deadline: self.deadline,
            events: self.events.clone(),
            last_progress: None,
            watchdog: self.watchdog.clone(),
            marker_prefix: Arc::clone(&self.marker_prefix),
            launcher: self.launcher.clone(),
            slots: self.slots.clone(),
            label: self.label.clone(),
            inherited: None,
        }
    }

    /// Runs `work` off the run's clock: `work` gets a whole time limit of its own, and the
    /// run's deadline moves back by the time `work` took. For work done for the whole
    /// session that this run happens to wait for (the toolchain probe), which is no part of
    /// the run's own time.
    pub fn off_the_clock<T>(&mut self, work: impl FnOnce(&mut RunCtx) -> T) -> T {
        let start = Instant::now();
        let own = self.deadline;
        self.deadline = self.timeout.and_then(|t| start.checked_add(t));
        let result = work(self);
        self.deadline = own.and_then(|deadline| deadline.checked_add(start.elapsed()));
        result
    }

    /// The run's time limit (`--timeout`), if it has one.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The launcher process jobs run through (`--launcher`, `--slurm`), if any.
    pub fn launcher(&self) -> Option<&Launcher> {
        self.launcher.as_deref()
    }

    /// The pool of compile slots a build joins (`engine::slots`), if the session has one.
    pub fn slots(&self) -> Option<&Arc<Slots>> {
        self.slots.as_ref()
    }

    /// Hands the ends of a jobserver pipe to the next process this run starts, and to no
    /// other (see [`PipeEnds`]).
    pub fn inherit(&mut self, ends: Option<PipeEnds>) {
        self.inherited = ends;
    }

    /// Says how many compilers the run's build may run now (see `EventKind::Slots`).
    pub fn compilers(&self, count: usize) {
        self.send(EventKind::Slots(count));
    }

    /// A report of the run's compilers that the pool's broker can call from its thread.
    pub fn compiler_report(&self) -> CompilerReport {
        let (events, job, run) = (self.events.clone(), self.job, self.run);
        Box::new(move |count| {
            let kind = EventKind::Slots(count);
            let _ = events.send(EngineEvent { job, run, kind });
        })
    }

    /// The job's name, as a launcher names the work (empty unless set).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Names the job for the launcher (set by the jobs layer, which knows the names).
    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    /// Why the task should stop now, if it should: a cancel, or the deadline passing.
    ///
    /// Cheap enough to call every few thousand units of work.
    pub fn stop_reason(&self) -> Option<StopReason> {
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            self.cancel.stop(StopReason::TimedOut);
        }
        self.cancel.stop_reason()
    }

    /// Reports progress, at most every `PROGRESS_INTERVAL` and only when it changed.
    ///
    /// The final value (`done == total`) is always sent.
    pub fn progress(&mut self, done: u64, total: u64) {
        let now = Instant::now();
        let due = match self.last_progress {
            None => true,
            Some((_, last)) if last == done => false,
            Some((at, _)) => done == total || now.duration_since(at) >= PROGRESS_INTERVAL,
        };
        if due {
            self.last_progress = Some((now, done));
            self.send(EventKind::Progress { done, total });
        }
    }

    /// Sets the job's one-line detail as free text, e.g. `seed 42`.
    pub fn detail(&self, text: impl Into<String>) {
        self.send(EventKind::Detail(Detail::note(text.into())));
    }

    /// Sets the job's detail to a typed value (a configure's preparation).
    pub fn set_detail(&self, detail: Detail) {
        self.send(EventKind::Detail(detail));
    }

    /// Says which command line the run starts (shown before its output).
    pub fn command(&self, line: String) {
        self.send(EventKind::Command(line));
    }

    /// Says a part of the run (a test) started or ended.
    pub fn part(&self, part: super::event::Part) {
        self.send(EventKind::Part(part));
    }

    /// Says how many parts (tests) the run is to run, before the first starts.
    pub fn parts_planned(&self, count: usize) {
        self.send(EventKind::PartsPlanned(
            u64::try_from(count).unwrap_or(u64::MAX),
        ));
    }

    /// Says that the jobs depending on this one will wait on something outside the machine
    /// (`EventKind::DependantsWaitOutside`): they go first once ready.
    pub fn dependants_wait_outside(&self) {
        self.send(EventKind::DependantsWaitOutside);
    }

    /// Sends a batch of display lines.
    pub fn output(&self, lines: Vec<String>, skipped: u64) {
        self.send(EventKind::Output { lines, skipped });
    }

    /// Sends an event about this run. A closed channel means nobody listens any more, which
    /// is not the task's problem.
    pub(crate) fn send(&self, kind: EventKind) {
        let _ = self.events.send(EngineEvent {
            job: self.job,
            run: self.run,
            kind,
        });
    }
}
