//! SIGINT, SIGTERM and SIGHUP as messages on a channel.
//!
//! Children run in their own process groups, so a Ctrl-C at the shell reaches only jobdeck;
//! jobdeck must then cancel every run itself, which the loops do when a signal arrives here.
//!
//! A pager runs in jobdeck's process group, so a Ctrl-C meant for it (`less` stops following
//! a file on Ctrl-C) reaches jobdeck too. SIGINT therefore has a listener of its own, which
//! [`StopSignals::lend_ctrl_c`] stops while the pager runs: with no listener, a SIGINT is
//! dropped the moment it comes, so none can be mistaken for a stop later, however late the
//! forwarding thread would have run.

use std::io;
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

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
    /// SIGINT, SIGTERM and SIGHUP.
    pub events: Receiver<i32>,
    tx: Sender<i32>,
    _term_and_hup: Listener,
    ctrl_c: Mutex<Option<Listener>>,
}

/// Starts the threads that forward the three stop signals to `StopSignals::events`.
pub fn listen() -> io::Result<StopSignals> {
    let (tx, events) = crossbeam_channel::unbounded();
    let term_and_hup = Listener::start("signals", &[SIGTERM, SIGHUP], tx.clone())?;
    let ctrl_c = Listener::start("sigint", &[SIGINT], tx.clone())?;
    Ok(StopSignals {
        events,
        tx,
        _term_and_hup: term_and_hup,
        ctrl_c: Mutex::new(Some(ctrl_c)),
    })
}

impl StopSignals {
    /// Runs `program` with SIGINT left to it: a Ctrl-C while it runs is not a stop signal
    /// for jobdeck. SIGTERM and SIGHUP still are.
    pub fn lend_ctrl_c<T>(&self, program: impl FnOnce() -> T) -> io::Result<T> {
        let mut ctrl_c = self.ctrl_c.lock().unwrap_or_else(PoisonError::into_inner);
        drop(ctrl_c.take());
        let result = program();
        *ctrl_c = Some(Listener::start("sigint", &[SIGINT], self.tx.clone())?);
        Ok(result)
    }
}
