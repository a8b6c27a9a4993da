//! The only place that spawns or kills child processes.
//!
//! Each child gets its own process group, stdin from /dev/null and piped stdout and stderr,
//! read by one thread per pipe so the child never blocks on a full pipe. Every byte goes to
//! the run's log file; a bounded tail of display lines goes to the consumer. Stopping a run
//! signals the whole group (cmake starts compilers of its own): SIGTERM, a grace period, then
//! SIGKILL, and the child is always reaped.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, Signal, WaitId, WaitIdOptions};

use super::output::{LineBatch, LineSplitter};
use super::run_ctx::{Report, RunCtx};
use super::{Outcome, StopReason};

/// How long a stopped group gets between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// How often the wait loop wakes to flush output and check for a stop, at the most.
const TICK: Duration = Duration::from_millis(40);

/// How long to wait for the pipe readers once every process of the group is gone. Only a
/// process that left the group (e.g. with `setsid`) can hold a pipe open past that.
const READER_DRAIN: Duration = Duration::from_secs(2);

/// Runs `command` to completion (or until the run is stopped), logging to `log_path`.
///
/// The returned report carries the outcome, the CPU time of the child and its waited-for
/// descendants, and the log path. A failure to write the log fails the run, because a run
/// whose output is lost cannot be trusted.
pub fn run(mut command: Command, log_path: &Path, ctx: &mut RunCtx) -> Report {
    let log = match open_log(log_path, &command) {
        Ok(log) => Arc::new(Mutex::new(log)),
        Err(err) => {
            return Report::failure(format!("cannot write log {}: {err}", log_path.display()));
        }
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let message = err.to_string();
            let _ = writeln!(lock(&log).writer, "jobdeck: could not start: {message}");
            let mut report = Report::new(Outcome::SpawnFailed(message));
            report.log = Some(log_path.to_path_buf());
            return report;
        }
    };
    let batch = Arc::new(Mutex::new(LineBatch::default()));
    let readers = start_readers(&mut child, &log, &batch);
    let pid = Pid::from_child(&child);
    if let Some(watchdog) = &ctx.watchdog {
        watchdog.watch(pid);
    }
    let stopped = wait_or_stop(pid, ctx, &batch);
    let cpu = cpu_time_of_zombie(pid);
    let status = child.wait();
    kill_group_leftovers(pid);
    if let Some(watchdog) = &ctx.watchdog {
        watchdog.release(pid);
    }
    wait_for_readers(&readers);
    flush(&batch, ctx);

    let mut report = match (status, stopped) {
        (Err(err), _) => Report::failure(format!("could not wait for the process: {err}")),
        (Ok(_), Some(reason)) => Report::stopped(reason),
        (Ok(status), None) if status.success() => Report::new(Outcome::Succeeded),
        (Ok(status), None) => Report::new(Outcome::Failed {
            code: status.code(),
            signal: status.signal(),
        }),
    };
    let mut log = lock(&log);
    let flushed = log.writer.flush();
    if let Some(err) = log.error.take().or(flushed.err()) {
        report = Report::failure(format!("could not write log {}: {err}", log_path.display()));
    }
    report.cpu = cpu;
    report.log = Some(log_path.to_path_buf());
    report
}

/// The log file and the first error writing to it.
struct Log {
    writer: BufWriter<File>,
    error: Option<io::Error>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn open_log(path: &Path, command: &Command) -> io::Result<Log> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut writer = BufWriter::new(File::create(path)?);
    writeln!(writer, "$ {}", describe(command))?;
    Ok(Log {
        writer,
        error: None,
    })
}

/// The command line as a person would type it, for the top of the log.
fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|arg| {
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts one reader thread per pipe; each signals on the returned channel when its pipe closes.
fn start_readers(
    child: &mut Child,
    log: &Arc<Mutex<Log>>,
    batch: &Arc<Mutex<LineBatch>>,
) -> Receiver<()> {
    let (done_tx, done_rx) = crossbeam_channel::bounded(2);
    let pipes: [Option<Box<dyn Read + Send>>; 2] = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ];
    for pipe in pipes.into_iter().flatten() {
        let (log, batch, done_tx) = (Arc::clone(log), Arc::clone(batch), done_tx.clone());
        std::thread::Builder::new()
            .name("pipe-reader".into())
            .spawn(move || {
                read_pipe(pipe, &log, &batch);
                let _ = done_tx.send(());
            })
            .expect("the OS can start a pipe reader thread");
    }
    done_rx
}

fn read_pipe(mut pipe: Box<dyn Read + Send>, log: &Mutex<Log>, batch: &Mutex<LineBatch>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut splitter = LineSplitter::default();
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let chunk = &buf[..n];
        {
            // Keep draining after a write error so the child never blocks; the error fails
            // the run at the end.
            let mut log = lock(log);
            if log.error.is_none()
                && let Err(err) = log.writer.write_all(chunk)
            {
                log.error = Some(err);
            }
        }
        splitter.push_into(chunk, &mut lock(batch));
    }
    let mut batch = lock(batch);
    splitter.finish(|line| batch.push(line));
}

fn wait_for_readers(done: &Receiver<()>) {
    let deadline = Instant::now() + READER_DRAIN;
    for _ in 0..2 {
        if done.recv_deadline(deadline).is_err() {
            return;
        }
    }
}

fn flush(batch: &Mutex<LineBatch>, ctx: &RunCtx) {
    let taken = lock(batch).take();
    if let Some((lines, skipped)) = taken {
        ctx.output(lines, skipped);
    }
}

/// Waits for the child to exit, flushing output as it goes. If the run is asked to stop,
/// terminates the whole group and returns why. Leaves the child unreaped (a zombie), so its
/// CPU time can still be read.
fn wait_or_stop(pid: Pid, ctx: &RunCtx, batch: &Mutex<LineBatch>) -> Option<StopReason> {
    let pidfd = rustix::process::pidfd_open(pid, PidfdFlags::empty()).ok();
    loop {
        if has_exited(pid) {
            return None;
        }
        flush(batch, ctx);
        if let Some(reason) = ctx.stop_reason() {
            terminate_group(pid, pidfd.as_ref());
            return Some(reason);
        }
        wait_for_exit(pid, pidfd.as_ref(), TICK);
    }
}

/// SIGTERM to the group, up to `GRACE` for the leader to exit, then SIGKILL to the group.
fn terminate_group(pid: Pid, pidfd: Option<&OwnedFd>) {
    let _ = rustix::process::kill_process_group(pid, Signal::TERM);
    let deadline = Instant::now() + GRACE;
    while !has_exited(pid) && Instant::now() < deadline {
        wait_for_exit(pid, pidfd, TICK);
    }
    let _ = rustix::process::kill_process_group(pid, Signal::KILL);
}

/// Kills whatever is left of the group after its leader exited: a grandchild that outlived
/// its parent would otherwise be orphaned.
fn kill_group_leftovers(pgid: Pid) {
    stop_groups(&[pgid]);
}

/// SIGTERM to every group that still has a process, up to `GRACE` for them all to go, then
/// SIGKILL to what is left. Groups already empty are left alone.
pub(crate) fn stop_groups(groups: &[Pid]) {
    let alive = |pgid: &&Pid| rustix::process::test_kill_process_group(**pgid).is_ok();
    for pgid in groups.iter().filter(alive) {
        let _ = rustix::process::kill_process_group(*pgid, Signal::TERM);
    }
    let deadline = Instant::now() + GRACE;
    while groups.iter().any(|g| alive(&g)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    for pgid in groups.iter().filter(alive) {
        let _ = rustix::process::kill_process_group(*pgid, Signal::KILL);
    }
}

/// Whether the child has exited, without reaping it.
fn has_exited(pid: Pid) -> bool {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    // An error here means there is no such child any more, which counts as exited.
    !matches!(rustix::process::waitid(WaitId::Pid(pid), options), Ok(None))
}

/// Blocks until the child exits or `timeout` passes: on the pidfd where the kernel has one
/// (so an exit is seen at once), else by sleeping a short while.
fn wait_for_exit(pid: Pid, pidfd: Option<&OwnedFd>, timeout: Duration) {
    if let Some(fd) = pidfd {
        let timeout = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(fd, PollFlags::IN)];
        let _ = poll(&mut fds, Some(&timeout));
    } else if !has_exited(pid) {
        std::thread::sleep(timeout.min(Duration::from_millis(10)));
    }
}

/// User plus system time of an exited, unreaped child and the descendants it waited for,
/// from `/proc/<pid>/stat`.
fn cpu_time_of_zombie(pid: Pid) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_pid())).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
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
