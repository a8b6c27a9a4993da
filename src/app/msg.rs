//! The messages of the app: what the user wants (`Action`), what `update` accepts (`Msg`),
//! what it asks the loop to do (`Effect`), and the questions the footer asks (`Question`).

use std::path::PathBuf;
use std::time::Instant;

use super::{CauseAction, LogAction, OptionsAction, UiAction, Viewport};
use crate::engine::{EngineEvent, JobId, RunId};

/// What the user wants. Comes from the keymap (TUI) or a signal (both modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Move the selection down one row.
    SelectNext,
    /// Move the selection up one row.
    SelectPrev,
    /// Jump to the first row.
    SelectFirst,
    /// Jump to the last row.
    SelectLast,
    /// Select a row by its position among the visible rows (a mouse click).
    Select(usize),
    /// Start the selected job now, even while paused (a finished one runs again).
    Start,
    /// Cancel the selected job.
    Cancel,
    /// Cancel every job (asks first).
    CancelAll,
    /// Re-run the selected finished job.
    Rerun,
    /// Re-run every failed, cancelled or timed-out job.
    RerunFailed,
    /// Pause or resume dispatch.
    TogglePause,
    /// One more worker.
    AddWorker,
    /// One worker fewer (the pool keeps at least one).
    RemoveWorker,
    /// Show or hide the log pane.
    ToggleLog,
    /// Open the selected job's log file in the pager.
    OpenLog,
    /// Open the selected project's file at its error's line in `$VISUAL`/`$EDITOR`.
    OpenEditor,
    /// Turn watch mode on or off: re-run a project when its folder changes.
    ToggleWatch,
    /// Quit: asks first while jobs run or wait (queued ones of a paused session too); then
    /// cancels everything and exits once it is gone.
    Quit,
    /// Answer the question showing with yes.
    Confirm,
    /// Answer the question showing with no.
    Dismiss,
    /// Quit without asking (Ctrl-C, a signal); a second one stops waiting for cleanup.
    ForceQuit,
    /// Hand the terminal back to the shell and stop until `fg` (Ctrl-Z); the jobs go on.
    Suspend,
    /// Change only what is shown (filter, search, scrolling, help).
    Ui(UiAction),
    /// The causes panel: open it, move in it, choose a cause or re-run its jobs.
    Cause(CauseAction),
    /// A project's own `-D` options: ask for one, type it, add it, or remove them.
    Options(OptionsAction),
    /// The log pane: wrap, search, copy.
    Log(LogAction),
}

/// A question the footer asks before an action that cancels runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// `q` while runs are unfinished: quit and cancel them?
    Quit,
    /// `C`: cancel every unfinished job?
    CancelAll,
    /// `R`: re-run every job that did not succeed?
    RerunFailed,
}

/// Everything `update` accepts.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A user action.
    Action(Action),
    /// News from the engine.
    Engine(EngineEvent),
    /// The clock moved on.
    Tick(Instant),
    /// The TUI drew its regions here (after a resize or a layout change).
    Viewport(Viewport),
    /// The terminal changed size, or a program that had it (the pager) gave it back:
    /// everything must be drawn again.
    Resized,
    /// The screen now shows the model as it is.
    Drawn,
    /// A one-line message for the user, shown until the next key.
    Notice(String),
    /// The watch could not start (why, as one line): watch mode is off.
    WatchFailed(String),
    /// A watched project folder changed on disk (and then stayed quiet a moment).
    SourceChanged(PathBuf),
    /// Files that these jobs watch by pattern changed on disk (and then stayed quiet).
    WatchedFilesChanged(Vec<crate::engine::JobId>),
    /// The pool could not grow to the size asked: the OS would not start another thread.
    PoolShort {
        /// The worker count the pool has.
        workers: usize,
        /// Why, as one line.
        error: String,
    },
}

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Submit a run of a job to the engine.
    Start {
        /// The job.
        job: JobId,
        /// The new run's id.
        run: RunId,
    },
    /// Ask the engine to stop a run.
    Cancel(RunId),
    /// Take a run back from the engine if no worker has picked it up yet.
    Withdraw {
        /// The job.
        job: JobId,
        /// The run on deck.
        run: RunId,
    },
    /// Resize the worker pool.
    SetWorkers(usize),
    /// Show a log file in the pager, then come back.
    OpenPager {
        /// The log file.
        log: PathBuf,
        /// Whether its run is still writing it: the pager should follow its end.
        follow: bool,
    },
    /// Put this text on the clipboard (OSC 52: works over ssh and inside tmux).
    Copy(String),
    /// Give a job's configure these `-D` options (`VAR=VALUE`) from its next run on.
    SetOptions {
        /// The project's configure.
        job: JobId,
        /// Its options, in order.
        options: Vec<String>,
    },
    /// Run only these parts (a test stage's tests) of a job from its next run on; all of them
    /// when empty.
    SetParts {
        /// The job.
        job: JobId,
        /// The parts' names.
        parts: Vec<String>,
    },
    /// Start watching the project folders for changes, or stop.
    SetWatch(bool),
    /// Open a file in the user's editor at a line (`+LINE FILE`), then come back.
    OpenEditor {
        /// The file.
        file: PathBuf,
        /// The line, where the error names one.
        line: Option<u32>,
    },
    /// Restore the terminal, stop until the shell continues jobdeck (`fg`), then take the
    /// terminal back and draw everything again.
    Suspend,
    /// Leave the loop (the loop then shuts the engine down, which kills what is left).
    Exit,
}
