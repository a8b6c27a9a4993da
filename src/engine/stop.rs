//! The one stop escalation: how jobdeck stops processes, whoever asks (a cancel or a timeout
//! of a running job, the clean-up of a run's group, the engine's shutdown, the watchdog).
//!
//! A process group of jobdeck's own gets SIGTERM, a grace period of [`GRACE`], then SIGKILL.
//! A launcher (`--launcher`, `--slurm`) is stopped through its own pid only: SIGINT, a second
//! SIGINT [`SECOND_INTERRUPT`] later, SIGKILL to its pid after [`GRACE`], and only once it
//! is gone (or [`KILL_WAIT`] later) SIGKILL to what is left of its group. Two SIGINTs within
//! a second is srun's own way to end a step at once: measured on Slurm 22.05, the step's task
//! and its children are gone within about 100 ms, where a SIGTERM to srun took 1 to 3 s for a
//! task with children (cmake and its `sleep`). Other launchers (`nice`, `taskset`, `ssh`) end
//! on the first. A SIGKILL to srun's whole group would kill the helper srun forks to cancel
//! the remote step when srun dies, and leave the step running until the cluster's
//! `InactiveLimit`.

use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};

/// How long a stopped process gets between the first signal and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// How long after a launcher's first SIGINT the second one goes: srun takes two within a
/// second as "end the step now", and two sent at once could merge into one pending signal.
pub const SECOND_INTERRUPT: Duration = Duration::from_millis(100);

/// How long to wait for processes to vanish after SIGKILL.
pub const KILL_WAIT: Duration = Duration::from_secs(1);

/// What a stop signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A process group of jobdeck's own run, by its id: signalled as a whole.
    Group(Pid),
    /// A launcher leading its group: signalled through its pid until it is gone.
    Launcher(Pid),
    /// A process found by its run marker, and the group it may lead.
    Marked(Pid),
}

impl Target {
    /// A run's leader: through a launcher or of its own.
    pub fn leader(pid: Pid, launched: bool) -> Self {
        if launched {
            Target::Launcher(pid)
        } else {
            Target::Group(pid)
        }
    }

    fn signal(self, signal: Signal) {
        match self {
            Target::Group(pgid) => {
                let _ = rustix::process::kill_process_group(pgid, signal);
            }
            Target::Launcher(pid) => {
                let _ = rustix::process::kill_process(pid, signal);
            }
            Target::Marked(pid) => {
                let _ = rustix::process::kill_process(pid, signal);
                let _ = rustix::process::kill_process_group(pid, signal);
            }
        }
    }

    /// The first signal: SIGINT to a launcher, SIGTERM to the others.
    fn first(self) -> Signal {
        match self {
            Target::Launcher(_) => Signal::INT,
            Target::Group(_) | Target::Marked(_) => Signal::TERM,
        }
    }
}

/// Targets being stopped, and the signals they have had. Driven by polling ([`go_on`]) where
/// the caller waits on something else meanwhile (a run's output and exit), or to the end by
/// [`stop`].
///
/// [`go_on`]: Escalation::go_on
#[derive(Debug)]
pub struct Escalation {
    targets: Vec<Target>,
    since: Instant,
    second_interrupt_sent: bool,
}

impl Escalation {
    /// Sends each target its first signal.
    pub fn start(targets: Vec<Target>) -> Self {
        for &target in &targets {
            target.signal(target.first());
        }
        Self {
            targets,
            since: Instant::now(),
            second_interrupt_sent: false,
        }
    }

    /// Sends what is due by now: a launcher's second SIGINT, and SIGKILL (again, to catch
    /// what was started since) once the grace period is over.
    pub fn go_on(&mut self) {
        self.interrupt_again_if_due();
        if self.since.elapsed() >= GRACE {
            self.kill();
        }
    }

    fn interrupt_again_if_due(&mut self) {
        if self.second_interrupt_sent || self.since.elapsed() < SECOND_INTERRUPT {
            return;
        }
        self.second_interrupt_sent = true;
        for &target in &self.targets {
            if let Target::Launcher(pid) = target {
                let _ = rustix::process::kill_process(pid, Signal::INT);
            }
        }
    }

    /// SIGKILL to every target (a launcher's pid only, never its group).
    fn kill(&self) {
        for &target in &self.targets {
            target.signal(Signal::KILL);
        }
    }
}

/// Stops `targets` to the end: the first signals, up to [`GRACE`] for them to go, SIGKILL,
/// up to [`KILL_WAIT`] more, and then SIGKILL to the whole group of any still there (a
/// launcher's helpers). `alive` tells whether a target still has a live process (reaping
/// what it may); `between` runs while it waits (to keep draining an output pipe).
pub fn stop(
    targets: Vec<Target>,
    mut between: impl FnMut(),
    mut alive: impl FnMut(Target) -> bool,
) {
    if targets.is_empty() {
        return;
    }
    let mut escalation = Escalation::start(targets);
    wait_while(GRACE, &mut between, || {
        escalation.interrupt_again_if_due();
        escalation.targets.iter().any(|&target| alive(target))
    });
    escalation.kill();
    wait_while(KILL_WAIT, &mut between, || {
        escalation.targets.iter().any(|&target| alive(target))
    });
    for &target in &escalation.targets {
        if alive(target) {
            let group = match target {
                Target::Group(pid) | Target::Launcher(pid) | Target::Marked(pid) => pid,
            };
            let _ = rustix::process::kill_process_group(group, Signal::KILL);
        }
    }
}

/// Runs `between` and sleeps in short slices while `busy` holds, for at most `limit`.
fn wait_while(limit: Duration, between: &mut impl FnMut(), mut busy: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while busy() && Instant::now() < deadline {
        between();
        std::thread::sleep(Duration::from_millis(5));
    }
}
