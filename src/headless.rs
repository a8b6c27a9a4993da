//! The headless mode: the session's runner with no one at the keyboard, reported as plain
//! lines or JSON on stdout, warnings on stderr, and on a terminal's stderr a progress line.

use std::io;

use crossbeam_channel::Receiver;

use crate::session::lines::Lines;
use crate::session::outputs::Warnings;
use crate::session::progress::ProgressLine;
use crate::session::recap::Recap;
use crate::session::{End, Reporter, Session, Unattended};

/// Runs a started session to the end, printing to stdout. `signals` delivers SIGINT,
/// SIGTERM, SIGHUP.
pub fn run_headless(session: Session, json: bool, signals: &Receiver<i32>) -> io::Result<End> {
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    // First: it takes itself off the screen before anything else prints.
    if let Some(progress) = ProgressLine::for_stderr(json) {
        reporters.push(Box::new(progress));
    }
    reporters.push(Box::new(Warnings::at_once()));
    reporters.push(Box::new(Lines::stdout(json, session.driver.folders())));
    if !json {
        reporters.push(Box::new(Recap::stdout()));
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
    if let Some(progress) = ProgressLine::for_stderr(json) {
        reporters.push(Box::new(progress));
    }
    reporters.push(Box::new(Warnings::at_once()));
    reporters.push(capture);
    session.run(Unattended, reporters, signals)
}
