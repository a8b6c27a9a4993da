//! Entering and leaving the full-screen terminal, on every path.
//!
//! jobdeck's panic hook restores the terminal, then runs the hook that was there before. A
//! worker thread's panic is caught by the pool and becomes `Outcome::Panicked`, so for
//! threads named `worker-*` the hook does nothing: no restore (the UI stays live) and no
//! message (it would garble the screen; the message is shown as the job's error).
//!
//! Restoring never panics: the terminal may be gone (an SSH drop, `tmux kill-session`), and
//! then every write fails with `EIO`. ratatui's own `restore` says so with `eprintln!`,
//! which panics when stderr is that terminal too, and a panic in the panic hook aborts: the
//! session would end without recording its runs.

use std::io::{self, stdout};
use std::mem::ManuallyDrop;

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, disable_raw_mode, enable_raw_mode};

/// Why the terminal on stdout is not this process's to take, if it is not.
///
/// Only the terminal's foreground process group may change its modes: from a background
/// group (`timeout 20 jobdeck`, `jobdeck &`) the first change stops the process with
/// SIGTTOU, before anything is drawn, and there it stays until SIGKILL. So the TUI asks
/// first, while it can still say why it will not start. A stdout that is not our
/// controlling terminal cannot stop us, and is left to `Tui::enter` to judge.
pub fn not_ours() -> Option<String> {
    let foreground = rustix::termios::tcgetpgrp(stdout()).ok()?;
    let ours = rustix::process::getpgrp();
    (foreground != ours).then(|| {
        format!(
            "the terminal is not ours to take: jobdeck runs in background process group {} \
             (started by `timeout`, or with `&`?), the terminal's foreground group is {}; \
             run it in the foreground, or with --headless",
            ours.as_raw_nonzero(),
            foreground.as_raw_nonzero(),
        )
    })
}

/// The live terminal. Dropping it restores the terminal, also while unwinding.
#[derive(Debug)]
pub struct Tui {
    /// The ratatui terminal to draw on. Never dropped: ratatui's own drop shows the cursor
    /// and, when that fails, says so with `eprintln!`, which panics on a terminal that is
    /// gone; `Tui`'s drop shows it instead.
    pub terminal: ManuallyDrop<DefaultTerminal>,
}

impl Tui {
    /// Raw mode, the alternate screen, mouse reporting, and the panic hook.
    pub fn enter() -> io::Result<Self> {
        let before = std::panic::take_hook();
        let terminal = ratatui::try_init()?;
        // ratatui's hook restores with `restore`, which may panic (see the module's notes):
        // ours replaces it.
        drop(std::panic::take_hook());
        std::panic::set_hook(skip_for_workers(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            let _ = ratatui::try_restore();
            before(info);
        })));
        let tui = Self {
            terminal: ManuallyDrop::new(terminal),
        };
        execute!(stdout(), EnableMouseCapture)?;
        Ok(tui)
    }

    /// Hands the terminal back to the shell for a while (a pager).
    #[expect(
        clippy::unused_self,
        reason = "a method, so only the owner of the terminal can suspend it"
    )]
    pub fn suspend(&mut self) -> io::Result<()> {
        execute!(stdout(), DisableMouseCapture)?;
        ratatui::try_restore()
    }

    /// Takes the terminal back after `suspend`, or after something else changed its modes
    /// (the shell, when jobdeck was stopped from outside), and forces a full redraw.
    pub fn resume(&mut self) -> io::Result<()> {
        // crossterm skips `enable_raw_mode` while it believes raw mode is on; after an
        // outside stop the shell may have put the terminal back in cooked mode.
        disable_raw_mode()?;
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        self.terminal.clear()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        // Nothing to say if it fails: the terminal is gone, and stderr with it.
        let _ = execute!(stdout(), DisableMouseCapture);
        let _ = ratatui::try_restore();
        let _ = self.terminal.show_cursor();
        // `self.terminal` is left undropped (a few buffers, once per session): its drop
        // would only show the cursor again, done here, and panic if it could not.
    }
}

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync + 'static>;

/// Wraps `hook` so that it does not run for panics on worker threads.
fn skip_for_workers(hook: PanicHook) -> PanicHook {
    Box::new(move |info| {
        if !is_worker_thread() {
            hook(info);
        }
    })
}

fn is_worker_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("worker-"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn panic_on_thread(name: &str) {
        let joined = std::thread::Builder::new()
            .name(name.into())
            .spawn(|| panic!("test panic"))
            .expect("spawn")
            .join();
        assert!(joined.is_err());
    }

    #[test]
    fn worker_panics_skip_the_restoring_hook() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let previous = std::panic::take_hook();
        std::panic::set_hook(skip_for_workers(Box::new(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        })));
        panic_on_thread("worker-3");
        let after_worker = calls.load(Ordering::SeqCst);
        panic_on_thread("input");
        let after_input = calls.load(Ordering::SeqCst);
        std::panic::set_hook(previous);
        assert_eq!(
            after_worker, 0,
            "a worker's panic must not restore the terminal"
        );
        assert!(after_input >= 1, "any other thread's panic must");
    }
}
