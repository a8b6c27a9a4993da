//! The live terminal UI.

use crossbeam_channel::Receiver;

use crate::cli::Plan;
use crate::headless::{HeadlessEnd, run_headless};

/// Runs the full-screen UI until the user quits.
pub fn run_tui(plan: Plan, signals: &Receiver<i32>) -> std::io::Result<HeadlessEnd> {
    run_headless(plan, false, signals)
}
