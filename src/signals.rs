//! SIGINT, SIGTERM and SIGHUP as messages on a channel.
//!
//! Children run in their own process groups, so a Ctrl-C at the shell reaches only jobdeck;
//! jobdeck must then cancel every run itself, which the loops do when a signal arrives here.

use crossbeam_channel::Receiver;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Starts a thread that forwards the three stop signals to the returned channel.
pub fn listen() -> std::io::Result<Receiver<i32>> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(signal).is_err() {
                    break;
                }
            }
        })?;
    Ok(rx)
}
