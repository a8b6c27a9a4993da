//! The input thread: the only reader of the terminal. It passes on key presses (never
//! releases, so no key acts twice), wheel turns, left clicks and resizes, and stops when the
//! loop hangs up.
//!
//! It can be paused while a pager owns the terminal: `pause` returns only once the thread is
//! between reads, so not one keystroke meant for the pager is taken.

use std::io;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use ratatui::crossterm::event::{self, Event, KeyEvent, KeyEventKind, MouseButton, MouseEventKind};

/// What the input thread reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// A key press or repeat.
    Key(KeyEvent),
    /// A wheel turn at a screen row.
    Wheel {
        /// The screen row under the pointer.
        row: u16,
        /// Toward the end.
        down: bool,
    },
    /// A left click at a screen row.
    Click {
        /// The screen row.
        row: u16,
    },
    /// The terminal changed size.
    Resize,
}

enum Control {
    Pause(Sender<()>),
    Resume,
}

/// Handle to the input thread.
#[derive(Debug)]
pub struct Input {
    /// Events from the terminal.
    pub events: Receiver<InputEvent>,
    control: Sender<Control>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Control::Pause(_) => "Pause",
            Control::Resume => "Resume",
        })
    }
}

/// How long one `poll` waits before the thread looks at its control channel again.
const POLL: Duration = Duration::from_millis(30);

impl Input {
    /// Starts the thread.
    pub fn spawn() -> io::Result<Self> {
        let (tx, events) = crossbeam_channel::unbounded();
        let (control, control_rx) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("input".into())
            .spawn(move || read_loop(&tx, &control_rx))?;
        Ok(Self { events, control })
    }

    /// Stops reading the terminal; returns once the thread is parked between reads.
    pub fn pause(&self) {
        let (ack, acked) = crossbeam_channel::bounded(1);
        if self.control.send(Control::Pause(ack)).is_ok() {
            let _ = acked.recv();
        }
    }

    /// Reads the terminal again after `pause`.
    pub fn resume(&self) {
        let _ = self.control.send(Control::Resume);
    }
}

fn read_loop(tx: &Sender<InputEvent>, control: &Receiver<Control>) {
    loop {
        match control.try_recv() {
            Ok(Control::Pause(ack)) => {
                let _ = ack.send(());
                // Parked until resumed; a hang-up ends the thread.
                loop {
                    match control.recv() {
                        Ok(Control::Resume) => break,
                        Ok(Control::Pause(ack)) => {
                            let _ = ack.send(());
                        }
                        Err(_) => return,
                    }
                }
            }
            Ok(Control::Resume) | Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => return,
        }
        // A read error means the terminal is gone; dropping `tx` tells the loop.
        let Ok(ready) = event::poll(POLL) else { return };
        if !ready {
            continue;
        }
        let Ok(event) = event::read() else { return };
        let Some(input) = translate(&event) else {
            continue;
        };
        if tx.send(input).is_err() {
            return;
        }
    }
}

/// Keeps the events the UI acts on; mouse motion and key releases are dropped here so they
/// never wake the loop.
fn translate(event: &Event) -> Option<InputEvent> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(InputEvent::Key(*key)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(InputEvent::Wheel {
                row: mouse.row,
                down: true,
            }),
            MouseEventKind::ScrollUp => Some(InputEvent::Wheel {
                row: mouse.row,
                down: false,
            }),
            MouseEventKind::Down(MouseButton::Left) => Some(InputEvent::Click { row: mouse.row }),
            _ => None,
        },
        Event::Resize(..) => Some(InputEvent::Resize),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyEventState, KeyModifiers, MouseEvent};

    use super::*;

    #[test]
    fn key_releases_and_mouse_motion_are_dropped() {
        let mut key = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(translate(&Event::Key(key)), Some(InputEvent::Key(key)));
        key.kind = KeyEventKind::Release;
        key.state = KeyEventState::NONE;
        assert_eq!(translate(&Event::Key(key)), None);
        let moved = MouseEvent {
            kind: MouseEventKind::Moved,
            column: 1,
            row: 2,
            modifiers: KeyModifiers::NONE,
        };
        assert_eq!(translate(&Event::Mouse(moved)), None);
        let wheel = MouseEvent {
            kind: MouseEventKind::ScrollUp,
            ..moved
        };
        assert_eq!(
            translate(&Event::Mouse(wheel)),
            Some(InputEvent::Wheel {
                row: 2,
                down: false
            })
        );
    }
}
