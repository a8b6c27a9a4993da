//! SIGINT, SIGQUIT, SIGTERM and SIGHUP as messages on a channel; for the TUI also SIGTSTP and
//! SIGCONT. Each stop signal quits cleanly: every run is cancelled and the terminal restored
//! (SIGQUIT's default action, a core dump, would leave both to the watchdog).
//!
//! Children run in their own process groups, so a Ctrl-C at the shell reaches only jobdeck;
//! jobdeck must then cancel every run itself, which the loops do when a signal arrives here.
//!
//! A pager runs in jobdeck's process group, so a Ctrl-C meant for it (`less` stops following
//! a file on Ctrl-C) reaches jobdeck too. SIGINT therefore has a listener of its own, which
//! [`StopSignals::lend_ctrl_c`] stops while the pager runs: with no listener, a SIGINT is
//! dropped the moment it comes, so none can be mistaken for a stop later, however late the
//! forwarding thread would have run. A Ctrl-\ from the keyboard (a SIGQUIT the kernel sends
//! the terminal's foreground group) is the program's too while it runs, but a SIGQUIT sent to
//! jobdeck (`kill -QUIT`) stops the session as SIGTERM does, an editor or a pager open or
//! not: lent whole, it was ignored for as long as they lived.
//!
//! The TUI handles SIGTSTP itself (see [`SuspendSignals`]): stopping as the default action
//! does would leave the terminal in raw mode for the shell, and not take it back on `fg`.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
use signal_hook::iterator::exfiltrator::WithRawSiginfo;
use signal_hook::iterator::{Handle, Signals, SignalsInfo};

/// A thread that sends each of its signals to a channel as it comes.
#[derive(Debug)]
pub struct Listener {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts listening for `signals`, sending each to `tx` on a thread named `name`.
    pub fn start(name: &str, signals: &[i32], tx: Sender<i32>) -> io::Result<Self> {
        let mut signals = Signals::new(signals)?;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                for signal in signals.forever() {
                    if tx.send(signal).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Self {
            handle,
            thread: Some(thread),
        })
    }
}

impl Listener {
    /// Listens for SIGQUIT, sending it to `tx` unless `lent` is set and the terminal sent it
    /// (Ctrl-\, which the kernel sends the whole foreground group, the lent program with it).
    fn start_quit(lent: Arc<AtomicBool>, tx: Sender<i32>) -> io::Result<Self> {
        let mut signals = SignalsInfo::<WithRawSiginfo>::new([SIGQUIT])?;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name("sigquit".into())
            .spawn(move || {
                for info in signals.forever() {
                    let from_keyboard = info.si_code == SI_KERNEL;
                    if from_keyboard && lent.load(Ordering::SeqCst) {
                        continue;
                    }
                    if tx.send(SIGQUIT).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Self {
            handle,
            thread: Some(thread),
        })
    }
}

impl Drop for Listener {
    /// Stops listening. Once this returns no signal is sent any more, and the signals are
    /// unregistered: one that no other listener has is ignored from then on (signal-hook
    /// keeps its handler, with nothing to run).
    fn drop(&mut self) {
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The stop signals as messages, in the order they came.
#[derive(Debug)]
pub struct StopSignals {
    /// SIGINT, SIGQUIT, SIGTERM and SIGHUP.
    pub events: Receiver<i32>,
    tx: Sender<i32>,
    _term_and_hup: Listener,
    _quit: Listener,
    /// Whether a program has the terminal: a Ctrl-\ from the keyboard is then its own.
    lent: Arc<AtomicBool>,
    ctrl_c: Mutex<Option<Listener>>,
}

/// Linux's `si_code` of a signal the kernel sent, as the terminal sends Ctrl-\'s SIGQUIT (a
/// process's `kill` has `SI_USER`, 0).
const SI_KERNEL: i32 = 0x80;

/// The signal a terminal sends its foreground group from the keyboard that a program lent
/// the terminal has for its own (Ctrl-C).
const KEYBOARD: [i32; 1] = [SIGINT];

/// Starts the threads that forward the four stop signals to `StopSignals::events`.
pub fn listen() -> io::Result<StopSignals> {
    let (tx, events) = crossbeam_channel::unbounded();
    let term_and_hup = Listener::start("signals", &[SIGTERM, SIGHUP], tx.clone())?;
    let lent = Arc::new(AtomicBool::new(false));
    let quit = Listener::start_quit(Arc::clone(&lent), tx.clone())?;
    let ctrl_c = Listener::start("sigint", &KEYBOARD, tx.clone())?;
    Ok(StopSignals {
        events,
        tx,
        _term_and_hup: term_and_hup,
        _quit: quit,
        lent,
        ctrl_c: Mutex::new(Some(ctrl_c)),
    })
}

impl StopSignals {
    /// Runs `program` with SIGINT and the keyboard's SIGQUIT left to it: a Ctrl-C or Ctrl-\
    /// while it runs is not a stop signal for jobdeck. SIGTERM, SIGHUP and a SIGQUIT sent to
    /// jobdeck by a process still are.
    pub fn lend_ctrl_c<T>(&self, program: impl FnOnce() -> T) -> io::Result<T> {
        let mut ctrl_c = self.ctrl_c.lock().unwrap_or_else(PoisonError::into_inner);
        drop(ctrl_c.take());
        self.lent.store(true, Ordering::SeqCst);
        let result = program();
        self.lent.store(false, Ordering::SeqCst);
        *ctrl_c = Some(Listener::start("sigint", &KEYBOARD, self.tx.clone())?);
        Ok(result)
    }

    /// Puts back a signal taken from `events` by someone who had to act on it first (a
    /// SIGTERM that closes the editor before it ends the session).
    pub fn put_back(&self, signal: i32) {
        let _ = self.tx.send(signal);
    }
}

/// SIGTSTP and SIGCONT as messages, for the TUI: on SIGTSTP it restores the terminal before
/// it stops, and on SIGCONT it takes the terminal back and draws everything again.
///
/// While a pager has the terminal, or once the TUI is gone (dropped), SIGTSTP stops jobdeck
/// at once, as it would without a handler: a Ctrl-Z in `less` stops less and jobdeck
/// together, so the shell sees the whole job stopped, and `fg` continues both.
#[derive(Debug)]
pub struct SuspendSignals {
    /// SIGTSTP and SIGCONT.
    pub events: Receiver<i32>,
    tx: Sender<i32>,
    tstp: Mutex<Option<Listener>>,
    _cont: Listener,
    /// Whether SIGTSTP stops jobdeck in its handler, before anyone hears of it.
    stop_at_once: Arc<AtomicBool>,
}

/// Starts forwarding SIGTSTP and SIGCONT to `SuspendSignals::events`.
pub fn listen_for_suspend() -> io::Result<SuspendSignals> {
    let stop_at_once = Arc::new(AtomicBool::new(false));
    // Never unregistered: once the TUI is gone, the flag stays set and SIGTSTP stops
    // jobdeck as before the TUI.
    signal_hook::flag::register_conditional_default(SIGTSTP, Arc::clone(&stop_at_once))?;
    let (tx, events) = crossbeam_channel::unbounded();
    let tstp = Listener::start("sigtstp", &[SIGTSTP], tx.clone())?;
    let cont = Listener::start("sigcont", &[SIGCONT], tx.clone())?;
    Ok(SuspendSignals {
        events,
        tx,
        tstp: Mutex::new(Some(tstp)),
        _cont: cont,
        stop_at_once,
    })
}

impl SuspendSignals {
    /// Runs `program` with SIGTSTP stopping jobdeck at once, unheard: while `program` has the
    /// terminal, a Ctrl-Z is its business, and jobdeck only stops along with it.
    pub fn lend_ctrl_z<T>(&self, program: impl FnOnce() -> T) -> io::Result<T> {
        let mut tstp = self.tstp.lock().unwrap_or_else(PoisonError::into_inner);
        self.stop_at_once.store(true, Ordering::SeqCst);
        drop(tstp.take());
        let result = program();
        *tstp = Some(Listener::start("sigtstp", &[SIGTSTP], self.tx.clone())?);
        self.stop_at_once.store(false, Ordering::SeqCst);
        Ok(result)
    }
}

impl Drop for SuspendSignals {
    fn drop(&mut self) {
        self.stop_at_once.store(true, Ordering::SeqCst);
    }
}
