//! The `jobdeck` binary: parse the command line, pick the TUI or the headless mode, and map
//! the result to an exit status (0 all ok, 1 some job did not succeed, 2 usage or start-up
//! error, 130 interrupted, 141 stdout closed).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use jobdeck::engine::watchdog::{self, Watchdog};
use jobdeck::headless::run_headless;
use jobdeck::plan::Plan;
use jobdeck::plan::cli::{Args, RunError};
use jobdeck::records::lock::{BuildRootLock, Locked};
use jobdeck::session::Session;
use jobdeck::sweep::Sweeper;
use jobdeck::sweep::lines::SweepLines;

fn main() -> ExitCode {
    // Descriptors jobdeck inherited without close-on-exec (a pipe of the shell or of a build
    // system that started it) would otherwise reach every job: a job holding a pipe open can
    // keep a caller waiting for its end of file long after jobdeck exited. Done first, while
    // there is one thread and no child, so no descriptor of jobdeck's own is in flight.
    close_fds::set_fds_cloexec(3, &[]);
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == watchdog::ARG)
    {
        watchdog::run();
        return ExitCode::SUCCESS;
    }
    // Before any descriptor of a session is open; the plan checks `-j` against the result.
    jobdeck::sys::limits::raise_open_files();
    let command_line: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `run` as the first word only: a folder called `run` stays reachable as `./run`.
    let parsed = if command_line.get(1).is_some_and(|arg| arg == "run") {
        Args::parse_run(&command_line)
    } else {
        Args::try_parse()
            .map_err(RunError::Usage)
            .and_then(Args::outside_run)
    };
    let mut args = match parsed {
        Ok(args) => args,
        Err(RunError::Other(why)) => return startup_error(&why),
        Err(RunError::Usage(err)) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let headless = args.headless || args.json || !std::io::stdout().is_terminal();
    if !headless && let Some(why) = jobdeck::ui::terminal_not_ours() {
        return startup_error(&why);
    }
    // Dropped last, after the engine is shut down: nothing writes into the folder then.
    let _demo_folder = match args.demo_folder() {
        Ok(folder) => folder,
        Err(err) => return startup_error(&format!("cannot make the demo's folder: {err}")),
    };
    let signals = match jobdeck::sys::signals::listen() {
        Ok(signals) => signals,
        Err(err) => return startup_error(&format!("cannot install signal handlers: {err}")),
    };
    if let Some(counts) = args.sweep_counts() {
        return sweep(&args, counts, headless, &signals);
    }
    let plan = match args.plan() {
        Ok(plan) => plan,
        Err(err) => return startup_error(&err.to_string()),
    };
    // The plan's jobs hold the commands now: a template's inputs (100,000 lines of a
    // `::::` file) need not be kept a second time for the whole session.
    args.commands = None;
    if plan.list {
        // Before the lock, the watchdog and any folder: `--list` creates nothing.
        for warning in &plan.warnings {
            jobdeck::sys::text::warn(warning);
        }
        let mut out = std::io::stdout().lock();
        let lines = if args.dry_run {
            jobdeck::plan::list::commands(&plan)
        } else {
            jobdeck::plan::list::lines(&plan, args.json)
        };
        for line in lines {
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        return ExitCode::SUCCESS;
    }
    if headless && args.paused {
        // `--headless` and `--json` are refused by the parser; this is a stdout that is not
        // a terminal. Nobody could press `p`: the session would end at once, nothing run.
        return startup_error(
            "--paused needs the live table, and stdout is not a terminal (headless): nothing \
             could resume the jobs; leave --paused out",
        );
    }
    let watchdog = spawn_watchdog();
    // Held until main returns, after the engine is shut down.
    let (plan, _build_root) = match prepare(plan, watchdog) {
        Ok(prepared) => prepared,
        Err(err) => return startup_error(&err),
    };
    if plan.jobs.is_empty() {
        // Only `--rerun-failed` plans nothing without an error: there is nothing left to do.
        return ExitCode::SUCCESS;
    }
    let session = match Session::start(plan) {
        Ok(session) => session,
        Err(short) => return startup_error(&format!("{short}; pass a smaller -j")),
    };
    let result = if headless {
        run_headless(session, args.json, &signals.events)
    } else {
        jobdeck::ui::run_tui(session, &signals)
    };
    match result {
        Ok(end) => ExitCode::from(end.exit_code()),
        Err(err) => startup_error(&format!("terminal error: {err}")),
    }
}

/// The watchdog every session of this process registers its jobs with, or the warning that
/// there is none.
fn spawn_watchdog() -> Result<std::sync::Arc<Watchdog>, String> {
    std::env::current_exe()
        .and_then(|exe| Watchdog::spawn(&exe))
        .map_err(|err| {
            format!(
                "cannot start the watchdog ({err}): if jobdeck is killed with SIGKILL, its \
                 running jobs will outlive it"
            )
        })
}

/// Readies a planned session: locks its build root, clears what a killed session left,
/// registers the watchdog, and prints the plan's warnings. The lock is held until the
/// returned guard is dropped.
fn prepare(
    mut plan: Plan,
    watchdog: Result<std::sync::Arc<Watchdog>, String>,
) -> Result<(Plan, Option<BuildRootLock>), String> {
    let lock = match plan
        .history
        .parent()
        .map(jobdeck::records::lock::lock_build_root)
    {
        Some(Err(err)) => return Err(err),
        Some(Ok(Locked::Unlockable(warning))) => {
            plan.warnings.push(warning);
            None
        }
        Some(Ok(Locked::Held(lock))) => Some(lock),
        None => None,
    };
    for folder in &plan.words_folders {
        jobdeck::jobs::pseudowords::remove_stale_temporaries(folder);
    }
    match watchdog {
        Ok(watchdog) => plan.watchdog = Some(watchdog),
        Err(warning) => plan.warnings.push(warning),
    }
    for warning in &plan.warnings {
        jobdeck::sys::text::warn(warning);
    }
    Ok((plan, lock))
}

/// `--sweep`: one session per worker count, each run by the chosen front end, then the
/// speed-up curve (headless: its lines, printed as each point ends; TUI: a chart, then the
/// same lines once the terminal is the shell's again).
fn sweep(
    args: &Args,
    counts: Vec<usize>,
    headless: bool,
    signals: &jobdeck::sys::signals::StopSignals,
) -> ExitCode {
    let sweeper = Sweeper::new(args.request(std::env::args_os().collect()), counts);
    let watchdog = spawn_watchdog();
    let mut lines = SweepLines::stdout(args.json);
    let mut lost = None;
    let result = sweeper.run(
        |request, label, capture| {
            let plan = jobdeck::plan::plan(&request).map_err(|err| err.to_string())?;
            let (plan, _lock) = prepare(plan, watchdog.clone())?;
            let session =
                Session::start(plan).map_err(|short| format!("{short}; pass a smaller -j"))?;
            let end = if headless {
                jobdeck::headless::run_sweep_point(session, args.json, capture, &signals.events)
            } else {
                jobdeck::ui::run_sweep_point(session, signals, label, capture)
            };
            end.map_err(|err| format!("terminal error: {err}"))
        },
        |point| {
            if headless && let Err(err) = lines.point(point) {
                lost.get_or_insert(err);
            }
        },
    );
    let sweep = match result {
        Ok(sweep) => sweep,
        Err(err) => return startup_error(&err),
    };
    // A sweep cut short by a signal or by `q` ends at once, without the chart.
    if !headless
        && sweep.cut_short.is_none()
        && let Err(err) = jobdeck::ui::show_sweep(&sweep)
    {
        return startup_error(&format!("terminal error: {err}"));
    }
    if !headless {
        for point in &sweep.points {
            let _ = lines.point(point);
        }
    }
    if let Err(err) = lines.end(&sweep) {
        lost.get_or_insert(err);
    }
    match lost {
        Some(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(141),
        _ => ExitCode::from(sweep.end().exit_code()),
    }
}

fn startup_error(message: &str) -> ExitCode {
    // Not `eprintln!`: it panics when stderr is a closed pipe. Escaped: messages name folders.
    let message = jobdeck::sys::text::escape_controls(message);
    let _ = writeln!(std::io::stderr(), "jobdeck: {message}");
    ExitCode::from(2)
}
