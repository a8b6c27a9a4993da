//! The only place that spawns or kills a job's child processes: the one process runner every
//! process job kind (configure, build, test) goes through.
//!
//! Each child gets its own process group, stdin from /dev/null, and stdout and stderr through
//! **one** pipe, so the log keeps the order the program wrote them in (as ninja does). The
//! worker thread itself reads the pipe, polling it together with a pidfd that wakes it the
//! moment the child exits: no reader threads. Every byte goes to the run's log file as soon as
//! it is read, so `tail -f` and a jobdeck killed by SIGKILL both see the log up to the last read; a
//! bounded tail of display lines goes to the consumer. The log starts with the exact command
//! line and ends with one line that says how the run ended.
//!
//! Stopping a run signals the whole group (cmake starts compilers of its own) with the one
//! stop escalation of `engine::stop`, and the child is always reaped. What is left after the
//! leader exits is cleaned up by [`reap`].
//!
//! With a launcher (`--launcher`, `--slurm`) the child is the launcher, and the work may run
//! elsewhere: the stop signals go to the launcher's own pid, never to its whole group at once
//! (`engine::stop` says why). The rest of the group is stopped once the launcher is gone. The
//! launcher's CPU time says nothing about the job's, so none is reported.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, WaitId, WaitIdOptions};

use super::ending::{self, Voice};
use super::output::{LineBatch, LineSplitter};
use super::reap;
use super::run_ctx::{Report, RunCtx};
use super::stop::{Escalation, Target};
use super::{Outcome, StopReason};

pub use super::stop::GRACE;

/// How often the wait loop wakes to flush output and check for a stop, at the most.
const TICK: Duration = Duration::from_millis(40);

/// How long to wait for the pipe to close once every process of the group is gone. Only a
/// process that left the group (e.g. with `setsid`) can hold it open past that.
const PIPE_DRAIN: Duration = Duration::from_secs(2);

/// The environment variable that marks every process of a run, so a descendant that left the
/// run's process group can still be found and stopped (see [`reap`]).
pub const RUN_MARKER: &str = "JOBDECK_RUN";

/// Runs `command` to completion (or until the run is stopped), logging to `log_path`.
///
/// The returned report carries the outcome, the CPU time of the child and its waited-for
/// descendants, and the log path. A failure to write the log fails the run, because a run
/// whose output is lost cannot be trusted.
pub fn run(command: Command, log_path: &Path, ctx: &mut RunCtx) -> Report {
    run_announced(command, log_path, ctx, Announce::AsCommand, None)
}

/// Runs a helper process of a job (a toolchain probe's cmake) as [`run`] does, but its
/// command line is an output line of the job, never the job's own command.
pub fn run_helper(command: Command, log_path: &Path, ctx: &mut RunCtx) -> Report {
    run_announced(command, log_path, ctx, Announce::AsOutput, None)
}

/// What a run hands each line of its child's output to as it arrives, made displayable (as
/// the log pane shows it), with the run's context to tell of what the line says. It returns
/// whether it wants the lines after this one: once it does not, the rest of the output is
/// neither split nor decoded for it (a ctest console stops being read at a failed test's
/// output, which can be a flood). The log still gets every byte.
pub type Watch<'w> = &'w mut dyn FnMut(&RunCtx, &str) -> bool;

/// Runs a helper process as [`run_helper`] does, and hands each of its output lines to
/// `watch` as it arrives, so the job can follow what the program says while it runs (a
/// ctest's `Start`/`Passed` lines); a last line without its newline comes at the end.
pub fn run_helper_watched(
    command: Command,
    log_path: &Path,
    ctx: &mut RunCtx,
    watch: Watch<'_>,
) -> Report {
    run_announced(command, log_path, ctx, Announce::AsOutput, Some(watch))
}

/// How a run tells its consumer which command it starts.
#[derive(Clone, Copy)]
enum Announce {
    /// The run's own command (`EventKind::Command`): the log pane pins it.
    AsCommand,
    /// A line of the job's output, for a helper the job runs first.
    AsOutput,
}

fn run_announced(
    mut command: Command,
    log_path: &Path,
    ctx: &mut RunCtx,
    announce: Announce,
    watch: Option<Watch<'_>>,
) -> Report {
    let mut log = match Log::create(log_path, &command) {
        Ok(log) => log,
        Err(err) => {
            return Report::failure(format!("cannot write log {}: {err}", log_path.display()));
        }
    };
    // The log's first line too. Shown as the output is: a folder name cannot reach the
    // terminal as an escape.
    let shown = super::output::display_line(format!("$ {}", describe(&command)).as_bytes(), false);
    match announce {
        Announce::AsCommand => ctx.command(shown),
        Announce::AsOutput => ctx.output(vec![shown], 0),
    }
    let spawned = spawn(&mut command, ctx);
    // The command holds our copies of the pipe's write end; the pipe only reaches its end of
    // file once they are closed.
    drop(command);
    let (mut child, pipe) = match spawned {
        Ok(spawned) => spawned,
        Err(err) => {
            let message = err.to_string();
            log.line(&format!("jobdeck: could not start: {message}"));
            let mut report = Report::new(Outcome::SpawnFailed(message));
            report.log = Some(log_path.to_path_buf());
            return report;
        }
    };
    let pid = Pid::from_child(&child);
    if let Some(watchdog) = &ctx.watchdog {
        watchdog.watch(pid, ctx.launcher().is_some());
    }
    let mut reader = PipeReader::new(pipe, watch);
    let stopped = wait_or_stop(pid, ctx, &mut reader, &mut log);
    let cpu = cpu_time_of_zombie(pid).filter(|_| ctx.launcher().is_none());
    let status = child.wait();
    reap::forget(pid);
    reap::clean_up_group(pid, || reader.read_available(&mut log));
    // A daemon of the run that left its group and cleared its environment is jobdeck's
    // child now that its parents are gone.
    reap::stop_orphans(&ctx.marker_prefix, Some(ctx.run));
    reader.drain(&mut log, ctx);
    if let Some(watchdog) = &ctx.watchdog {
        watchdog.release(pid);
    }
    reader.flush(ctx);

    let mut report = match (status, stopped) {
        (Err(err), _) => Report::failure(format!("could not wait for the process: {err}")),
        (Ok(_), Some(reason)) => Report::stopped(reason),
        (Ok(status), None) if status.success() => Report::new(Outcome::Succeeded),
        (Ok(status), None) => Report::new(Outcome::Failed {
            code: status.code(),
            signal: status.signal(),
        }),
    };
    let ending = ending::describe(&report.outcome, ctx.timeout(), Voice::Log).unwrap_or_default();
    log.line(&format!("jobdeck: {ending}"));
    match log.error.take() {
        Some(err) => {
            report = Report::failure(format!("could not write log {}: {err}", log_path.display()));
        }
        None => report.output = Some(log.output.clone()),
    }
    report.cpu = cpu;
    report.log = Some(log_path.to_path_buf());
    report
}

/// Spawns the child in a group of its own with one pipe for stdout and stderr, and the
/// jobserver pipe the run was given for it, if any.
fn spawn(command: &mut Command, ctx: &mut RunCtx) -> io::Result<(std::process::Child, OwnedFd)> {
    let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    rustix::io::ioctl_fionbio(&read, true)?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(write.try_clone()?))
        .stderr(Stdio::from(write))
        .env(RUN_MARKER, reap::marker(&ctx.marker_prefix, ctx.run))
        .process_group(0);
    let child = reap::spawn_own(command, ctx.inherited.take().as_ref())?;
    Ok((child, read))
}

pub use super::ending::signal_name;

/// The log file, written through as output arrives, and the first error writing to it.
struct Log {
    file: File,
    error: Option<io::Error>,
    /// Where the program's own bytes lie in the file: after the command line, and before
    /// anything jobdeck writes at the end.
    output: std::ops::Range<u64>,
}

impl Log {
    fn create(path: &Path, command: &Command) -> io::Result<Self> {
        // The folder is usually there already (the job kind made room for the log), so it is
        // only created when the file cannot be.
        // A log is jobdeck's own file: never written through a link or into another's.
        let mut file = match crate::sys::regular_file::create_own(path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                crate::sys::regular_file::create_own(path)?
            }
            other => other?,
        };
        // One write, so a reader never sees half the first line.
        let top = format!("$ {}\n", describe(command));
        file.write_all(top.as_bytes())?;
        let start = top.len() as u64;
        Ok(Self {
            file,
            error: None,
            output: start..start,
        })
    }

    /// Appends the program's raw output. After an error the rest is dropped; the error
    /// fails the run.
    fn write(&mut self, bytes: &[u8]) {
        if self.write_own(bytes) {
            self.output.end += bytes.len() as u64;
        }
    }

    /// Appends bytes of jobdeck's own; returns whether they were written.
    fn write_own(&mut self, bytes: &[u8]) -> bool {
        if self.error.is_none()
            && let Err(err) = self.file.write_all(bytes)
        {
            self.error = Some(err);
        }
        self.error.is_none()
    }

    /// Appends jobdeck's own line, on a line of its own.
    fn line(&mut self, text: &str) {
        self.write_own(format!("{text}\n").as_bytes());
    }
}

/// The command line as a person would type it, for the top of the log. An argument that is
/// not UTF-8 (a folder's name) is written in the shell's `$'…\xNN…'` quoting, which a shell
/// takes back byte for byte: never U+FFFD, and never a `\` that reads as a folder separator.
pub fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|arg| {
            let Some(arg) = arg.to_str() else {
                return ansi_c_quoted(arg);
            };
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `arg` in the shell's `$'…'` quoting: `\` and `'` escaped, bytes that are not UTF-8 as
/// `\xNN`.
fn ansi_c_quoted(arg: &std::ffi::OsStr) -> String {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    let mut text = String::from("$'");
    for chunk in arg.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' | '\'' => {
                    text.push('\\');
                    text.push(c);
                }
                c if c.is_control() => {
                    for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                        let _ = write!(text, "\\x{byte:02x}");
                    }
                }
                c => text.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(text, "\\x{byte:02x}");
        }
    }
    text.push('\'');
    text
}

/// The read end of the child's output pipe, with the display lines it produced so far.
struct PipeReader<'w> {
    pipe: Option<OwnedFd>,
    buf: Vec<u8>,
    splitter: LineSplitter,
    batch: LineBatch,
    /// Whether the last byte written to the log ended a line.
    at_line_start: bool,
    /// Who follows every line (the batch may skip some in a flood), its own splitter, and
    /// the lines it has not been handed yet.
    watch: Option<(Watch<'w>, LineSplitter, Vec<String>)>,
}

impl<'w> PipeReader<'w> {
    fn new(pipe: OwnedFd, watch: Option<Watch<'w>>) -> Self {
        Self {
            pipe: Some(pipe),
            buf: vec![0; 64 * 1024],
            splitter: LineSplitter::default(),
            batch: LineBatch::default(),
            at_line_start: true,
            watch: watch.map(|watch| (watch, LineSplitter::default(), Vec::new())),
        }
    }

    /// Reads whatever the pipe holds now, without blocking. Closes it at its end of file.
    fn read_available(&mut self, log: &mut Log) {
        while let Some(pipe) = &self.pipe {
            match rustix::io::read(pipe, &mut self.buf) {
                Ok(0) => self.close(),
                Ok(n) => {
                    let chunk = &self.buf[..n];
                    log.write(chunk);
                    self.at_line_start = chunk.ends_with(b"\n");
                    self.splitter.push_into(chunk, &mut self.batch);
                    if let Some((_, splitter, lines)) = &mut self.watch {
                        splitter.push(chunk, |line| lines.push(line));
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(rustix::io::Errno::AGAIN) => return,
                Err(_) => self.close(),
            }
        }
    }

    fn close(&mut self) {
        self.pipe = None;
        let batch = &mut self.batch;
        self.splitter.finish(|line| batch.push(line));
        if let Some((_, splitter, lines)) = &mut self.watch {
            splitter.finish(|line| lines.push(line));
        }
    }

    /// Reads until every writer closed the pipe. A writer that outlives the run's group left
    /// it; it is found by its marker and stopped, and the wait is bounded either way.
    fn drain(&mut self, log: &mut Log, ctx: &RunCtx) {
        self.read_available(log);
        if self.pipe.is_none() {
            return self.end_line(log);
        }
        // The group is gone, so whoever still holds the pipe escaped it.
        self.wait_readable(Duration::from_millis(50), log);
        if self.pipe.is_some() {
            reap::stop_escaped(&ctx.marker_prefix, ctx.run);
        }
        let deadline = Instant::now() + PIPE_DRAIN;
        while self.pipe.is_some() && Instant::now() < deadline {
            self.wait_readable(TICK, log);
        }
        self.pipe = None;
        self.end_line(log);
    }

    /// Keeps jobdeck's closing line on a line of its own after output without a final newline.
    fn end_line(&mut self, log: &mut Log) {
        if !self.at_line_start {
            log.write_own(b"\n");
            self.at_line_start = true;
        }
    }

    fn wait_readable(&mut self, timeout: Duration, log: &mut Log) {
        if let Some(pipe) = &self.pipe {
            let mut fds = [PollFd::new(pipe, PollFlags::IN)];
            let _ = poll(&mut fds, Some(&timespec(timeout)));
        }
        self.read_available(log);
    }

    /// Sends the display lines gathered since the last flush.
    fn flush(&mut self, ctx: &RunCtx) {
        if let Some((lines, skipped)) = self.batch.take() {
            ctx.output(lines, skipped);
        }
        if let Some((watch, _, lines)) = &mut self.watch {
            let wants_more = lines.drain(..).all(|line| watch(ctx, &line));
            if !wants_more {
                self.watch = None;
            }
        }
    }
}

fn timespec(duration: Duration) -> Timespec {
    Timespec::try_from(duration).unwrap_or(Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    })
}

/// Waits for the child to exit, logging its output as it goes. If the run is asked to stop,
/// signals it (see [`Stopping`]). Leaves the child unreaped (a zombie), so its CPU time can
/// still be read.
fn wait_or_stop(
    pid: Pid,
    ctx: &RunCtx,
    reader: &mut PipeReader<'_>,
    log: &mut Log,
) -> Option<StopReason> {
    let pidfd = rustix::process::pidfd_open(pid, PidfdFlags::empty()).ok();
    let launched = ctx.launcher().is_some();
    let mut stopping: Option<Stopping> = None;
    loop {
        wait_for_output_or_exit(pid, pidfd.as_ref(), reader, TICK);
        reader.read_available(log);
        reader.flush(ctx);
        if has_exited(pid) {
            return stopping.map(|stopping| stopping.reason);
        }
        match &mut stopping {
            None => {
                if let Some(reason) = ctx.stop_reason() {
                    stopping = Some(Stopping::start(pid, launched, reason));
                }
            }
            Some(stopping) => stopping.go_on(),
        }
    }
}

/// A run being stopped: why, and its stop escalation (`engine::stop`). A launched run is
/// stopped through the launcher's pid, never its whole group (see the module's comment).
#[derive(Debug)]
struct Stopping {
    reason: StopReason,
    escalation: Escalation,
}

impl Stopping {
    fn start(pid: Pid, launched: bool, reason: StopReason) -> Self {
        Self {
            reason,
            escalation: Escalation::start(vec![Target::leader(pid, launched)]),
        }
    }

    fn go_on(&mut self) {
        self.escalation.go_on();
    }
}

/// Blocks until the child writes, exits, or `timeout` passes: on the pidfd where the kernel
/// has one (so an exit is seen at once), else in short slices.
fn wait_for_output_or_exit(
    pid: Pid,
    pidfd: Option<&OwnedFd>,
    reader: &PipeReader<'_>,
    timeout: Duration,
) {
    let timeout = if pidfd.is_some() {
        timeout
    } else {
        timeout.min(Duration::from_millis(10))
    };
    let mut fds = Vec::with_capacity(2);
    if let Some(pipe) = &reader.pipe {
        fds.push(PollFd::new(pipe, PollFlags::IN));
    }
    if let Some(fd) = pidfd {
        fds.push(PollFd::new(fd, PollFlags::IN));
    }
    if fds.is_empty() {
        if !has_exited(pid) {
            std::thread::sleep(timeout);
        }
        return;
    }
    // A pipe at its end of file is closed by the reader, so this never spins on it.
    let _ = poll(&mut fds, Some(&timespec(timeout)));
}

/// Whether the child has exited, without reaping it.
fn has_exited(pid: Pid) -> bool {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    // An error here means there is no such child any more, which counts as exited.
    !matches!(rustix::process::waitid(WaitId::Pid(pid), options), Ok(None))
}

/// User plus system time of an exited, unreaped child and the descendants it waited for,
/// from `/proc/<pid>/stat`.
fn cpu_time_of_zombie(pid: Pid) -> Option<Duration> {
    let stat = reap::read_proc_file(&format!("/proc/{}/stat", pid.as_raw_pid()))?;
    let fields = reap::stat_fields(&stat)?;
    // Fields 14 to 17 of stat(5): utime, stime, cutime, cstime; index 0 here is field 3.
    let ticks: u64 = fields
        .get(11..15)?
        .iter()
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(per_second);
    Some(Duration::from_nanos(
        u64::try_from(nanos).unwrap_or(u64::MAX),
    ))
}
