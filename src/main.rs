//! The `jobdeck` binary: parse the command line, pick the TUI or the headless mode, and map
//! the result to an exit status (0 all ok, 1 some job did not succeed, 2 usage or start-up
//! error, 130 interrupted, 141 stdout closed).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use jobdeck::engine::watchdog::{self, Watchdog};
use jobdeck::headless::run_headless;
use jobdeck::plan::cli::Args;
use jobdeck::session::Session;

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
    let mut args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
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
    let mut plan = match args.plan() {
        Ok(plan) => plan,
        Err(err) => return startup_error(&err.to_string()),
    };
    // Held until main returns, after the engine is shut down.
    let _build_root = match plan
        .history
        .parent()
        .map(jobdeck::records::lock::lock_build_root)
    {
        Some(Err(err)) => return startup_error(&err),
        Some(Ok(jobdeck::records::lock::Locked::Unlockable(warning))) => {
            plan.warnings.push(warning);
            None
        }
        Some(Ok(jobdeck::records::lock::Locked::Held(lock))) => Some(lock),
        None => None,
    };
    for folder in &plan.words_folders {
        jobdeck::jobs::pseudowords::remove_stale_temporaries(folder);
    }
    match std::env::current_exe().and_then(|exe| Watchdog::spawn(&exe)) {
        Ok(watchdog) => plan.watchdog = Some(watchdog),
        Err(err) => plan.warnings.push(format!(
            "cannot start the watchdog ({err}): if jobdeck is killed with SIGKILL, its running \
             jobs will outlive it"
        )),
    }
    for warning in &plan.warnings {
        jobdeck::sys::text::warn(warning);
    }
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

fn startup_error(message: &str) -> ExitCode {
    // Not `eprintln!`: it panics when stderr is a closed pipe. Escaped: messages name folders.
    let message = jobdeck::sys::text::escape_controls(message);
    let _ = writeln!(std::io::stderr(), "jobdeck: {message}");
    ExitCode::from(2)
}
