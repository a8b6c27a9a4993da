//! The live terminal UI: the same engine and model as the headless mode, drawn with ratatui.
//!
//! One loop fans in key presses (input thread), engine events, stop signals and a ticker
//! (`tick(250ms)` while a run is in flight, `never()` while idle, so an idle UI sleeps). Each
//! turn takes everything pending, updates the model, carries out the effects through the
//! `Driver`, and draws once if the model changed, at most once per frame interval, so a flood
//! of engine events never delays a key.

mod clipboard;
pub mod input;
pub mod keymap;
mod terminal;
pub mod theme;
pub mod view;

use std::io::{self, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, after, never, select, tick};
use rustix::process::Signal;
use signal_hook::consts::SIGTSTP;

use crate::app::{self, Action, Effect, Model, Msg, UiAction};
use crate::driver::Followup;
use crate::engine::EngineEvent;
use crate::session::{End, Session};
use crate::signals::{self, StopSignals, SuspendSignals};
use input::{Input, InputEvent};
use keymap::Mode;
use terminal::Tui;
pub use terminal::not_ours as terminal_not_ours;
use theme::Theme;

/// How often the clock moves while something runs.
const TICK: Duration = Duration::from_millis(250);

/// How often the clock ticks while nothing runs.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// Engine events taken per turn, so keys are read between chunks of a flood.
const EVENT_BUDGET: usize = 20_000;

/// Runs the full-screen UI over a started session until the user quits or a signal arrives.
pub fn run_tui(mut session: Session, signals: &StopSignals) -> io::Result<End> {
    app::update(
        &mut session.model,
        Msg::Action(Action::Ui(UiAction::SetNoColor(Theme::no_color_from_env()))),
    );
    for warning in session.driver.warnings() {
        crate::text::warn(&warning);
    }
    let result = {
        let mut tui = Tui::enter()?;
        let suspend = signals::listen_for_suspend()?;
        let input = Input::spawn()?;
        let mut ui = Loop {
            tui: &mut tui,
            input: &input,
            session: &mut session,
            signals,
            suspend: &suspend,
            interrupted: false,
            last_draw: None,
        };
        ui.run()
    };
    // The terminal is back to normal here; the shutdown waits for any process group that a
    // second Ctrl-C stopped waiting for. Runs that ended during it still belong in the
    // history and the trace.
    let staged = session.model.has_stages();
    let finish = session.finish(result.as_ref().is_ok_and(|&i| i), |_| {});
    for warning in &finish.warnings {
        crate::text::warn(warning);
    }
    let interrupted = result?;
    // Speed-up and efficiency count only the time runs were in flight (see
    // `Model::summary`), so time spent looking at the finished table does not dilute them.
    // The same line the headless mode ends with, now that the screen is the shell's again.
    // Not `println!`: it panics when stdout is a closed pipe.
    let _ = writeln!(io::stdout(), "{}", finish.summary.line(interrupted));
    let args: Vec<_> = std::env::args_os().collect();
    for line in crate::recap::recap(&finish.unsuccessful, staged, &args) {
        let _ = writeln!(io::stdout(), "{line}");
    }
    Ok(finish.end)
}

struct Loop<'a> {
    tui: &'a mut Tui,
    input: &'a Input,
    session: &'a mut Session,
    signals: &'a StopSignals,
    suspend: &'a SuspendSignals,
    interrupted: bool,
    last_draw: Option<Instant>,
}

impl Loop<'_> {
    /// Returns whether a signal ended the session.
    fn run(&mut self) -> io::Result<bool> {
        let ticker = tick(TICK);
        // While nothing runs, a slow tick keeps the header's clock honest at next to no cost
        // (a redraw a second, and only of the visible rows).
        let idle = tick(IDLE_TICK);
        let changes = self.session.driver.changes();
        let mut pending = self.session.model.start();
        loop {
            while !pending.is_empty() {
                for effect in std::mem::take(&mut pending) {
                    match self.session.driver.apply(effect) {
                        Some(Followup::Effect(Effect::Exit)) => return Ok(self.interrupted),
                        Some(Followup::Effect(Effect::OpenPager { log, follow })) => {
                            pending.extend(self.open_pager(&log, follow)?);
                        }
                        Some(Followup::Effect(Effect::OpenEditor { file, line })) => {
                            pending.extend(self.open_editor(&file, line)?);
                        }
                        Some(Followup::Effect(Effect::Copy(text))) => {
                            clipboard::copy(self.tui.terminal.backend_mut(), &text)?;
                        }
                        Some(Followup::Effect(Effect::Suspend)) => {
                            pending.extend(self.suspend()?);
                        }
                        Some(Followup::Update(msg)) => pending.extend(self.update(msg)),
                        _ => {}
                    }
                }
            }
            self.sync_viewport()?;
            let frame_due = self.draw_if_due()?;
            let clock = if self.session.model.runs_in_flight() > 0 {
                &ticker
            } else {
                &idle
            };
            select! {
                recv(self.input.events) -> event => match event {
                    Ok(event) => pending.extend(self.on_input(event)),
                    // The terminal is gone: stop everything without asking.
                    Err(_) => pending.extend(self.update(Msg::Action(Action::ForceQuit))),
                },
                recv(self.session.events) -> event => {
                    if let Ok(event) = event {
                        self.update(Msg::Tick(Instant::now()));
                        pending.extend(self.update(Msg::Engine(event)));
                    }
                },
                recv(self.signals.events) -> signal => if signal.is_ok() {
                    self.interrupted = true;
                    pending.extend(self.update(Msg::Action(Action::ForceQuit)));
                },
                recv(self.suspend.events) -> signal => match signal {
                    Ok(SIGTSTP) => pending.extend(self.suspend()?),
                    // Continued after a stop jobdeck did not ask for (SIGSTOP): the shell
                    // may have reset the terminal's modes meanwhile, and drawn over it.
                    Ok(_) => {
                        self.tui.resume()?;
                        pending.extend(self.update(Msg::Resized));
                    }
                    Err(_) => {}
                },
                recv(changes) -> folder => if let Ok(folder) = folder {
                    self.update(Msg::Tick(Instant::now()));
                    pending.extend(self.update(Msg::SourceChanged(folder)));
                },
                recv(clock) -> _ => {},
                recv(frame_due) -> _ => {},
            }
            let events: Vec<InputEvent> = self.input.events.try_iter().collect();
            for event in events {
                pending.extend(self.on_input(event));
            }
            self.update(Msg::Tick(Instant::now()));
            let batch: Vec<EngineEvent> =
                self.session.events.try_iter().take(EVENT_BUDGET).collect();
            for event in batch {
                pending.extend(self.update(Msg::Engine(event)));
            }
            if let Some(warning) = self.session.take_news(|_| {}) {
                self.update(Msg::Notice(warning));
            }
            for warning in self.session.driver.new_warnings() {
                self.update(Msg::Notice(warning));
            }
        }
    }

    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        app::update(&mut self.session.model, msg)
    }

    fn on_input(&mut self, event: InputEvent) -> Vec<Effect> {
        let messages = input_messages(&self.session.model, event, Instant::now());
        let mut effects = Vec::new();
        for message in messages {
            effects.extend(self.update(message));
        }
        effects
    }

    /// Tells the model where the table and log are whenever the size or the layout changed.
    fn sync_viewport(&mut self) -> io::Result<()> {
        let size = self.tui.terminal.size()?;
        let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
        let viewport = view::viewport(&view::layout(area, &self.session.model));
        if viewport != self.session.model.ui.viewport {
            self.update(Msg::Viewport(viewport));
        }
        Ok(())
    }

    /// Draws if the model changed and a frame interval passed; otherwise returns a timer for
    /// when the next frame may be drawn (or `never` when nothing is waiting to be drawn).
    fn draw_if_due(&mut self) -> io::Result<Receiver<Instant>> {
        if !self.session.model.is_dirty() {
            return Ok(never());
        }
        let now = Instant::now();
        if let Some(last) = self.last_draw {
            let next = last + FRAME;
            if next > now {
                return Ok(after(next - now));
            }
        }
        let model = &self.session.model;
        self.tui.terminal.draw(|frame| view::render(model, frame))?;
        self.update(Msg::Drawn);
        self.last_draw = Some(now);
        Ok(never())
    }

    /// Ctrl-Z or SIGTSTP, as vim and htop do it: gives the terminal back as it was, stops
    /// until the shell continues jobdeck (`fg`), then takes the terminal back and draws
    /// everything again. Only jobdeck stops: its jobs run in their own process groups and go
    /// on, their output waiting in their pipes.
    fn suspend(&mut self) -> io::Result<Vec<Effect>> {
        self.input.pause();
        self.tui.suspend()?;
        // SIGSTOP, which no handler can catch: jobdeck's own SIGTSTP handler is what
        // brought it here.
        let _ = rustix::process::kill_process(rustix::process::getpid(), Signal::STOP);
        self.tui.resume()?;
        self.input.resume();
        Ok(self.update(Msg::Resized))
    }

    /// Runs `$PAGER` (default `less`) on the real terminal, then takes the screen back. A
    /// log still being written is opened with `less +F`, which follows its end until Ctrl-C.
    fn open_pager(&mut self, path: &Path, follow: bool) -> io::Result<Vec<Effect>> {
        if !path.exists() {
            // A run that has just started may not have created its log yet.
            let notice = format!("no log file at {} (yet)", path.display());
            return Ok(self.update(Msg::Notice(notice)));
        }
        self.input.pause();
        self.tui.suspend()?;
        let pager = std::env::var("PAGER")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "less".to_string());
        let follow = if follow && is_less(&pager) { " +F" } else { "" };
        // Through `sh` so a PAGER with arguments (`less -R`) works; the path stays one word.
        // `exec`, so a Ctrl-C that stops less following cannot end the shell under it and
        // hand the screen back while less still runs. That Ctrl-C is the pager's, not a
        // stop for jobdeck.
        let run_pager = || {
            Command::new("sh")
                .arg("-c")
                .arg(format!("exec {pager}{follow} \"$1\""))
                .arg("jobdeck-pager")
                .arg(path)
                .status()
        };
        let status = self
            .signals
            .lend_ctrl_c(|| self.suspend.lend_ctrl_z(run_pager))??;
        self.tui.resume()?;
        self.input.resume();
        let mut effects = Vec::new();
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                effects.extend(self.update(Msg::Notice(format!("{pager} ended with {status}"))));
            }
            Err(err) => {
                effects.extend(self.update(Msg::Notice(format!("cannot run {pager}: {err}"))));
            }
        }
        effects.extend(self.update(Msg::Resized));
        Ok(effects)
    }
}

impl Loop<'_> {
    /// Runs `$VISUAL`, else `$EDITOR`, else `vi` on the real terminal at `+LINE FILE` (the
    /// form vi, vim, nano, emacs and helix all read), then takes the screen back, as the
    /// pager does. Ctrl-C and Ctrl-Z inside it are the editor's.
    fn open_editor(&mut self, file: &Path, line: Option<u32>) -> io::Result<Vec<Effect>> {
        let editor = ["VISUAL", "EDITOR"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.trim().is_empty())
            .unwrap_or_else(|| "vi".to_string());
        let at = line.map(|line| format!(" +{line}")).unwrap_or_default();
        self.input.pause();
        self.tui.suspend()?;
        // Through `sh` so an editor with arguments (`code -w`) works; the file stays one word.
        let run_editor = || {
            Command::new("sh")
                .arg("-c")
                .arg(format!("exec {editor}{at} \"$1\""))
                .arg("jobdeck-editor")
                .arg(file)
                .status()
        };
        let status = self
            .signals
            .lend_ctrl_c(|| self.suspend.lend_ctrl_z(run_editor))??;
        self.tui.resume()?;
        self.input.resume();
        let mut effects = Vec::new();
        let notice = match status {
            Ok(status) if status.success() => None,
            Ok(status) => Some(format!("{editor} ended with {status}")),
            Err(err) => Some(format!("cannot run {editor}: {err}")),
        };
        if let Some(notice) = notice {
            effects.extend(self.update(Msg::Notice(notice)));
        }
        effects.extend(self.update(Msg::Resized));
        Ok(effects)
    }
}

/// Whether the pager command runs `less`, which can follow a growing file (`+F`).
fn is_less(pager: &str) -> bool {
    pager
        .split_whitespace()
        .next()
        .and_then(|program| Path::new(program).file_name())
        .is_some_and(|name| name == "less")
}

/// The messages one input event becomes: a clock tick, then the action its key is bound to.
///
/// The clock only moves on ticks, and none come while idle, so without the tick first an
/// action after a quiet minute (say `R`) would be stamped with the time of the last event,
/// and that minute would count as time with runs in flight.
fn input_messages(model: &Model, event: InputEvent, now: Instant) -> Vec<Msg> {
    let action = match event {
        InputEvent::Key(key) => keymap::action_for(Mode::of(model), &key),
        InputEvent::Wheel { row, down } => Some(Action::Ui(UiAction::Wheel { row, down })),
        InputEvent::Click { row } => Some(Action::Ui(UiAction::Click { row })),
        InputEvent::Resize => return vec![Msg::Tick(now), Msg::Resized],
    };
    std::iter::once(Msg::Tick(now))
        .chain(action.map(Msg::Action))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::{InputEvent, input_messages};
    use crate::app::{Action, Model, Msg};

    /// `R` after a quiet spell must reach the model at the time it was pressed.
    #[test]
    fn a_key_is_preceded_by_a_tick_at_the_time_it_was_pressed() {
        let t0 = Instant::now();
        let model = Model::new(Vec::<crate::app::JobNode>::new(), 1, t0);
        let pressed = t0 + Duration::from_secs(60);
        let key = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        let messages = input_messages(&model, InputEvent::Key(key), pressed);
        assert!(
            matches!(messages[0], Msg::Tick(at) if at == pressed),
            "{messages:?}"
        );
        assert!(
            matches!(messages[1], Msg::Action(Action::RerunFailed)),
            "{messages:?}"
        );
    }
}
