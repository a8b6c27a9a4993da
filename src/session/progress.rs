//! The headless mode's one self-updating progress line: `jobdeck 61/159 ███▍ ETA 1m12s`,
//! redrawn in place on stderr when stderr is a terminal. Never on stdout (scripts read it),
//! never with `--json`, never when stderr is a file or a pipe (logs would fill with it), and
//! never when stdout is a pipe: what reads it (`| cat`, `| tee`) may well write the job lines
//! to the same terminal, where they would land in the middle of the line.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::app::{Model, Progress};
use crate::session::{Event, Problem, Reporter};

/// How often the line is redrawn at most: often enough to look alive, rarely enough to cost
/// nothing against the jobs.
const EVERY: Duration = Duration::from_millis(100);

/// Clears the terminal line the cursor is on, from its start.
const CLEAR: &str = "\r\x1b[2K";

/// The progress line, while it is on screen.
#[derive(Debug)]
pub struct ProgressLine {
    shown: bool,
    last: Option<Instant>,
    /// The job lines reach this terminal (on stdout, the same terminal, or on stderr in a
    /// `jobdeck run` session): the line is cleared before each, which then scrolls up above
    /// the redrawn progress.
    shares_lines: bool,
}

impl ProgressLine {
    /// A progress line if it belongs on this stderr: a terminal, not `--json`, and stdout
    /// not a pipe. `lines_on_stderr`: the job lines go to stderr too (`jobdeck run`).
    pub fn for_stderr(json: bool, lines_on_stderr: bool) -> Option<Self> {
        (!json && io::stderr().is_terminal() && !stdout_is_pipe()).then(|| Self {
            shown: false,
            last: None,
            shares_lines: lines_on_stderr || io::stdout().is_terminal(),
        })
    }

    /// Redraws the line with what `progress` computes, unless it was drawn less than `EVERY`
    /// ago. The figures (a pass over every job) are computed only when the line is drawn, so
    /// a session of many short jobs does not pay for them at every event.
    pub fn draw(&mut self, progress: impl FnOnce() -> Progress, now: Instant) {
        if self
            .last
            .is_some_and(|at| now.saturating_duration_since(at) < EVERY)
        {
            return;
        }
        let progress = progress();
        self.last = Some(now);
        self.shown = true;
        let _ = write!(io::stderr(), "{CLEAR}jobdeck {}", progress.text());
    }

    /// Takes the line off the screen before something else is printed where it is.
    pub fn clear_for_lines(&mut self) {
        if self.shares_lines {
            self.clear();
        }
    }

    /// Takes the line off the screen, for good or until the next `draw`.
    pub fn clear(&mut self) {
        if self.shown {
            let _ = write!(io::stderr(), "{CLEAR}");
            self.shown = false;
            // The next draw comes at once, not 100 ms after the one just wiped.
            self.last = None;
        }
    }
}

/// Whether stdout is a pipe or a socket: a stream some other program relays, perhaps to
/// this very terminal, without clearing the progress line first. A terminal is handled (the
/// line is cleared before each job line), and a file or `/dev/null` never reaches the screen.
fn stdout_is_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|stdout| stdout.metadata())
        .is_ok_and(|meta| meta.file_type().is_fifo() || meta.file_type().is_socket())
}

impl Reporter for ProgressLine {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        match event {
            // A plain line follows: off the screen first if it reaches this terminal.
            Event::RunFinished(_) => self.clear_for_lines(),
            Event::Warning(_) | Event::Ended(_) => self.clear(),
            Event::Turned => self.draw(|| model.progress(), Instant::now()),
            Event::Began
            | Event::RunStarted(_)
            | Event::RunRetried(_)
            | Event::PartFinished(..) => {}
        }
        Ok(())
    }
}
