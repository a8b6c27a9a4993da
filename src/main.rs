//! The `jobdeck` binary: parse the command line, pick the TUI or the headless mode, and map
//! the result to an exit status (0 all ok, 1 some job did not succeed, 2 usage or start-up
//! error, 130 interrupted, 141 stdout closed).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use jobdeck::cli::Args;
use jobdeck::engine::watchdog::{self, Watchdog};
use jobdeck::headless::run_headless;

fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == watchdog::ARG)
    {
        watchdog::run();
        return ExitCode::SUCCESS;
    }
    let args = match Args::try_parse() {
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
    let _demo_build_root = args.demo_cleanup();
    let signals = match jobdeck::signals::listen() {
        Ok(signals) => signals,
        Err(err) => return startup_error(&format!("cannot install signal handlers: {err}")),
    };
    let mut plan = match args.plan() {
        Ok(plan) => plan,
        Err(err) => return startup_error(&err.to_string()),
    };
    match std::env::current_exe().and_then(|exe| Watchdog::spawn(&exe)) {
        Ok(watchdog) => plan.watchdog = Some(Arc::new(watchdog)),
        Err(err) => plan.warnings.push(format!(
            "cannot start the watchdog ({err}): if jobdeck is killed with SIGKILL, its running \
             jobs will outlive it"
        )),
    }
    for warning in &plan.warnings {
        jobdeck::text::warn(warning);
    }
    if plan.jobs.is_empty() {
        // Only `--rerun-failed` plans nothing without an error: there is nothing left to do.
        return ExitCode::SUCCESS;
    }
    let result = if headless {
        run_headless(plan, args.json, &signals.events)
    } else {
        jobdeck::ui::run_tui(plan, &signals)
    };
    match result {
        Ok(end) => ExitCode::from(end.exit_code()),
        Err(err) => startup_error(&format!("terminal error: {err}")),
    }
}

fn startup_error(message: &str) -> ExitCode {
    // Not `eprintln!`: it panics when stderr is a closed pipe. Escaped: messages name folders.
    let message = jobdeck::text::escape_controls(message);
    let _ = writeln!(std::io::stderr(), "jobdeck: {message}");
    ExitCode::from(2)
}
