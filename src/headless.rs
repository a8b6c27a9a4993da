//! The headless mode: the session's runner with no one at the keyboard, reported as plain
//! lines or JSON on stdout, warnings on stderr, and on a terminal's stderr a progress line.
//! A `jobdeck run` session's stdout carries its jobs' own output instead (`--json` keeps it
//! for the JSON lines), and its plain lines and recap go to stderr.

use std::io;

use crossbeam_channel::Receiver;

use crate::session::job_output::JobOutput;
use crate::session::lines::Lines;
use crate::session::outputs::Warnings;
use crate::session::progress::ProgressLine;
use crate::session::recap::Recap;
use crate::session::{End, Reporter, Session, Unattended};

/// Runs a started session to the end, printing to stdout. `signals` delivers SIGINT,
/// SIGTERM, SIGHUP.
pub fn run_headless(session: Session, json: bool, signals: &Receiver<i32>) -> io::Result<End> {
    let job_output = session.job_output();
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    // First: it takes itself off the screen before anything else prints.
    if let Some(progress) = ProgressLine::for_stderr(json, job_output.is_some()) {
        reporters.push(Box::new(progress));
    }
    reporters.push(Box::new(Warnings::at_once()));
    let mut folders = session.driver.folders();
    if folders.iter().all(Option::is_none) {
        // Command jobs have no project folders: 48 bytes a job of `None`s for nothing.
        folders = Vec::new();
    }
    match job_output {
        Some(_) if json => reporters.push(Box::new(Lines::stdout(json, folders))),
        Some(order) => {
            // A job's output, then its line: on a terminal the line closes the output.
            reporters.push(Box::new(JobOutput::stdout(order)));
            reporters.push(Box::new(Lines::new(false, folders, io::stderr())));
            reporters.push(Box::new(Recap::stderr()));
        }
        None => {
            reporters.push(Box::new(Lines::stdout(json, folders)));
            if !json {
                reporters.push(Box::new(Recap::stdout()));
            }
        }
    }
    session.run(Unattended, reporters, signals)
}

/// Runs one point of a sweep: the progress line and the warnings as in any headless session,
/// but no job lines (the sweep prints one line per point); `capture` is the sweep's reporter.
pub fn run_sweep_point(
    session: Session,
    json: bool,
    capture: Box<dyn Reporter>,
    signals: &Receiver<i32>,
) -> io::Result<End> {
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    if let Some(progress) = ProgressLine::for_stderr(json, false) {
        reporters.push(Box::new(progress));
    }
    reporters.push(Box::new(Warnings::at_once()));
    reporters.push(capture);
    session.run(Unattended, reporters, signals)
}
