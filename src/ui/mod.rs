//! The live terminal UI: a front end of the session's runner, drawn with ratatui.
//!
//! The runner's one loop fans in key presses (input thread), SIGTSTP/SIGCONT, engine events,
//! stop signals and this front end's clock (`tick(250ms)` while a run is in flight, a slow
//! tick while idle). Each turn the screen is drawn once if the model changed, at most once
//! per frame interval, so a flood of engine events never delays a key.

mod clipboard;
pub mod input;
pub mod keymap;
mod terminal;
pub mod theme;
pub mod view;

use std::io;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, after, never, tick};
use rustix::process::Signal;
use signal_hook::consts::SIGTSTP;

use crate::app::{self, Action, Effect, Model, Msg, UiAction};
use crate::session::outputs::Warnings;
use crate::session::recap::Recap;
use crate::session::{End, Frontend, Reporter, Session};
use crate::sys::signals::{self, StopSignals, SuspendSignals};
use input::{Input, InputEvent};
use keymap::Mode;
use terminal::Tui;
pub use terminal::not_ours as terminal_not_ours;
use theme::Theme;

/// How often the clock moves while something runs.
const TICK: Duration = Duration::from_millis(250);

/// How often the clock ticks while nothing runs.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// Tests set `JOBDECK_IDLE_TICK_MS` (a hook for tests, not part of the contract) to a
/// clock too slow to answer for anything, so a screen that waited for it would be caught.
const IDLE_TICK_OVERRIDE: &str = "JOBDECK_IDLE_TICK_MS";

/// The idle tick: [`IDLE_TICK`], or the tests' own.
fn idle_tick() -> Duration {
    std::env::var(IDLE_TICK_OVERRIDE)
        .ok()
        .and_then(|millis| millis.parse().ok())
        .map_or(IDLE_TICK, Duration::from_millis)
}

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);

/// Runs the full-screen UI over a started session until the user quits or a signal arrives.
/// Warnings show as notices, and are printed again with the summary and the recap once the
/// terminal is the shell's again.
pub fn run_tui(session: Session, signals: &StopSignals) -> io::Result<End> {
    let reporters: Vec<Box<dyn Reporter>> =
        vec![Box::new(Warnings::at_exit()), Box::new(Recap::stdout())];
    run_screen(session, signals, reporters, None)
}

/// Runs one point of a sweep on the full screen: the live table as in any session, the
/// point named in a notice, ending by itself once nothing is left to run. `capture` is the
/// sweep's reporter.
pub fn run_sweep_point(
    session: Session,
    signals: &StopSignals,
    label: crate::sweep::PointLabel,
    capture: Box<dyn Reporter>,
) -> io::Result<End> {
    let reporters: Vec<Box<dyn Reporter>> = vec![Box::new(Warnings::at_exit()), capture];
    run_screen(session, signals, reporters, Some(label.to_string()))
}

/// Shows the finished sweep's chart until a key says to go on (`q`, `Esc`, `Enter`).
pub fn show_sweep(sweep: &crate::sweep::Sweep) -> io::Result<()> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
    let theme = Theme::new(Theme::no_color_from_env());
    let mut tui = Tui::enter()?;
    loop {
        tui.terminal
            .draw(|frame| view::sweep::render(sweep, theme, frame))?;
        if let Event::Key(key) = crossterm::event::read()?
            && key.kind == KeyEventKind::Press
            && (matches!(key.code, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter)
                || (key.code == KeyCode::Char('c')
                    && key.modifiers.contains(KeyModifiers::CONTROL)))
        {
            return Ok(());
        }
    }
}

/// The full screen over `session`; a sweep's point (`sweep_point`, its label) is named in
/// a notice and ends once nothing is left to run.
fn run_screen(
    mut session: Session,
    signals: &StopSignals,
    reporters: Vec<Box<dyn Reporter>>,
    sweep_point: Option<String>,
) -> io::Result<End> {
    app::update(
        &mut session.model,
        Msg::Action(Action::Ui(UiAction::SetNoColor(Theme::no_color_from_env()))),
    );
    // After the action above, which would clear it. A sweep's point is named rather than
    // the plan's warnings said again at each point.
    let until_idle = sweep_point.is_some();
    let warnings = session.take_start_notice();
    if let Some(notice) = sweep_point.or(warnings) {
        app::update(&mut session.model, Msg::Notice(notice));
    }
    let screen = Screen {
        until_idle,
        tui: Some(Tui::enter()?),
        suspend: Some(signals::listen_for_suspend()?),
        input: Some(Input::spawn()?),
        signals,
        last_draw: None,
        keyed: false,
        draw_cost: Duration::ZERO,
        gone: false,
        ticker: tick(TICK),
        // While nothing runs, a slow tick keeps the header's clock honest at next to no cost
        // (a redraw a second, and only of the visible rows).
        idle: tick(idle_tick()),
    };
    session.run(screen, reporters, &signals.events)
}

/// The full screen as the session's front end: key presses and SIGTSTP/SIGCONT in, frames
/// out, and the pager, the editor and the clipboard as its effects.
struct Screen<'a> {
    /// End once nothing is left to run (a sweep's point), instead of waiting for `q`.
    until_idle: bool,
    /// `None` once the terminal is given back.
    tui: Option<Tui>,
    suspend: Option<SuspendSignals>,
    input: Option<Input>,
    signals: &'a StopSignals,
    last_draw: Option<Instant>,
    /// Whether input came since the last frame: its answer is drawn at once, not held for
    /// the frame interval that paces the redraws the engine's events ask for.
    keyed: bool,
    /// How long the last frame took to draw: the engine's redraws wait four times that (at
    /// least [`FRAME`]), so drawing a table of 100,000 rows takes at most a fifth of the
    /// loop's time, and a key finds the loop free to answer.
    draw_cost: Duration,
    /// The terminal went away (its input ended): nothing is drawn any more, as a write to
    /// it fails, and the session ends as a hang-up, not as a terminal error.
    gone: bool,
    ticker: Receiver<Instant>,
    idle: Receiver<Instant>,
}

impl Frontend for Screen<'_> {
    type Input = InputEvent;
    type Signal = i32;

    fn input(&self) -> Receiver<InputEvent> {
        self.input
            .as_ref()
            .map_or_else(never, |input| input.events.clone())
    }

    fn own_signals(&self) -> Receiver<i32> {
        self.suspend
            .as_ref()
            .map_or_else(never, |suspend| suspend.events.clone())
    }

    fn on_input(&mut self, input: Option<InputEvent>, model: &Model) -> io::Result<Vec<Msg>> {
        self.keyed = true;
        if let Some(event) = input {
            return Ok(input_messages(model, event, Instant::now()));
        }
        // The terminal is gone: stop everything without asking.
        self.gone = true;
        Ok(vec![Msg::Action(Action::ForceQuit)])
    }

    fn on_signal(&mut self, signal: i32, _: &Model) -> io::Result<Vec<Msg>> {
        if signal == SIGTSTP {
            return self.suspend();
        }
        // Continued after a stop jobdeck did not ask for (SIGSTOP): the shell may have reset
        // the terminal's modes meanwhile, and drawn over it.
        self.tui()?.resume()?;
        Ok(vec![Msg::Resized])
    }

    fn carry_out(&mut self, effect: Effect, _: &Model) -> io::Result<Vec<Msg>> {
        match effect {
            Effect::OpenPager { log, follow } => self.open_pager(&log, follow),
            Effect::OpenEditor { file, line } => self.open_editor(&file, line),
            Effect::Copy(text) => {
                clipboard::copy(self.tui()?.terminal.backend_mut(), &text)?;
                Ok(Vec::new())
            }
            Effect::Suspend => self.suspend(),
            _ => Ok(Vec::new()),
        }
    }

    fn clock(&self, busy: bool) -> Receiver<Instant> {
        if busy { &self.ticker } else { &self.idle }.clone()
    }

    /// Tells the model where the table and log are whenever the size or the layout changed;
    /// otherwise draws if the model changed and a frame interval passed.
    fn refresh(&mut self, model: &Model) -> io::Result<(Vec<Msg>, Receiver<Instant>)> {
        if self.gone {
            return Ok((Vec::new(), never()));
        }
        let size = self.tui()?.terminal.size()?;
        let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
        let viewport = view::viewport(&view::layout(area, model));
        if viewport != model.ui.viewport {
            // The frame for the new layout is due at once: waiting for the clock held the
            // log pane, the timeline and the panels back for up to a second while idle.
            return Ok((vec![Msg::Viewport(viewport)], after(Duration::ZERO)));
        }
        if !model.is_dirty() {
            return Ok((Vec::new(), never()));
        }
        let now = Instant::now();
        if let Some(last) = self.last_draw.filter(|_| !self.keyed) {
            // (At most half a second: one slow frame, the terminal stalled, holds no more.)
            let next = last + FRAME.max((self.draw_cost * 4).min(Duration::from_millis(500)));
            if next > now {
                return Ok((Vec::new(), after(next - now)));
            }
        }
        self.tui()?
            .terminal
            .draw(|frame| view::render(model, frame))?;
        self.last_draw = Some(now);
        self.draw_cost = now.elapsed();
        self.keyed = false;
        Ok((vec![Msg::Drawn], never()))
    }

    fn ends_when_idle(&self) -> bool {
        self.until_idle
    }

    /// Gives the terminal back before the shutdown, which waits for any process group that
    /// a second Ctrl-C stopped waiting for.
    fn leave(&mut self) {
        self.input = None;
        self.suspend = None;
        self.tui = None;
    }
}

impl Screen<'_> {
    fn tui(&mut self) -> io::Result<&mut Tui> {
        self.tui
            .as_mut()
            .ok_or_else(|| io::Error::other("the terminal was given back"))
    }

    fn input(&self) -> &Input {
        self.input
            .as_ref()
            .expect("the input thread runs until the terminal is given back")
    }

    fn suspend_signals(&self) -> &SuspendSignals {
        self.suspend
            .as_ref()
            .expect("the suspend signals are heard until the terminal is given back")
    }

    /// Ctrl-Z or SIGTSTP, as vim and htop do it: gives the terminal back as it was, stops
    /// until the shell continues jobdeck (`fg`), then takes the terminal back and draws
    /// everything again. Only jobdeck stops: its jobs run in their own process groups and go
    /// on, their output waiting in their pipes.
    fn suspend(&mut self) -> io::Result<Vec<Msg>> {
        self.input().pause();
        self.tui()?.suspend()?;
        // SIGSTOP, which no handler can catch: jobdeck's own SIGTSTP handler is what
        // brought it here.
        let _ = rustix::process::kill_process(rustix::process::getpid(), Signal::STOP);
        self.tui()?.resume()?;
        self.input().resume();
        Ok(vec![Msg::Resized])
    }

    /// Runs `command` on the real terminal with Ctrl-C and Ctrl-Z left to it, then takes the
    /// screen back. Returns the notice to show if it did not end well.
    fn lend_terminal(&mut self, name: &str, mut command: Command) -> io::Result<Vec<Msg>> {
        self.input().pause();
        self.tui()?.suspend()?;
        let signals = self.signals;
        let program = || run_lent(&mut command, signals);
        let status = signals.lend_ctrl_c(|| self.suspend_signals().lend_ctrl_z(program))??;
        self.tui()?.resume()?;
        self.input().resume();
        let notice = match status {
            Ok(status) if status.success() => None,
            Ok(status) => Some(format!("{name} ended with {status}")),
            Err(err) => Some(format!("cannot run {name}: {err}")),
        };
        Ok(notice
            .map(Msg::Notice)
            .into_iter()
            .chain([Msg::Resized])
            .collect())
    }

    /// Runs `$PAGER` (default `less`) on the real terminal, then takes the screen back. A
    /// log still being written is opened with `less +F`, which follows its end until Ctrl-C.
    fn open_pager(&mut self, path: &Path, follow: bool) -> io::Result<Vec<Msg>> {
        if !path.exists() {
            // A run that has just started may not have created its log yet.
            let notice = format!("no log file at {} (yet)", path.display());
            return Ok(vec![Msg::Notice(notice)]);
        }
        let pager = std::env::var("PAGER")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "less".to_string());
        let follow = if follow && is_less(&pager) { " +F" } else { "" };
        // Through `sh` so a PAGER with arguments (`less -R`) works; the path stays one word.
        // `exec`, so a Ctrl-C that stops less following cannot end the shell under it and
        // hand the screen back while less still runs. That Ctrl-C is the pager's, not a
        // stop for jobdeck.
        let mut run_pager = Command::new("sh");
        run_pager
            .arg("-c")
            .arg(format!("exec {pager}{follow} \"$1\""))
            .arg("jobdeck-pager")
            .arg(path);
        self.lend_terminal(&pager, run_pager)
    }

    /// Runs `$VISUAL`, else `$EDITOR`, else `vi` on the real terminal at `+LINE FILE` (the
    /// form vi, vim, nano, emacs and helix all read), then takes the screen back, as the
    /// pager does. Ctrl-C and Ctrl-Z inside it are the editor's.
    fn open_editor(&mut self, file: &Path, line: Option<u32>) -> io::Result<Vec<Msg>> {
        let editor = ["VISUAL", "EDITOR"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.trim().is_empty())
            .unwrap_or_else(|| "vi".to_string());
        let at = line.map(|line| format!(" +{line}")).unwrap_or_default();
        // Through `sh` so an editor with arguments (`code -w`) works; the file stays one word.
        let mut run_editor = Command::new("sh");
        run_editor
            .arg("-c")
            .arg(format!("exec {editor}{at} \"$1\""))
            .arg("jobdeck-editor")
            .arg(file);
        self.lend_terminal(&editor, run_editor)
    }
}

/// How often a lent program is looked at while jobdeck waits for it or for a stop signal.
const LENT_POLL: Duration = Duration::from_millis(50);

/// Runs a program the terminal is lent to (a pager, an editor) until it ends, or until
/// SIGTERM, SIGHUP or SIGQUIT (Ctrl-C is the program's while it runs) ends the session: the
/// program and every process it started are stopped first, with the one stop escalation,
/// so the terminal is jobdeck's again to restore and nothing of it outlives jobdeck, and
/// the signal is put back for the loop to end the session with.
fn run_lent(command: &mut Command, signals: &StopSignals) -> io::Result<std::process::ExitStatus> {
    // Every process the program starts inherits the marker, so the whole tree can be found
    // and stopped: it runs in jobdeck's own process group (it needs the terminal), where
    // no group signal can reach it alone. Not a run's marker: the watchdog leaves it be.
    static LENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = LENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let marker = format!("{}.{n}", std::process::id());
    command.env(LENT_MARKER, &marker);
    let mut child = crate::engine::reap::spawn(command)?;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if let Ok(signal) = signals.events.recv_timeout(LENT_POLL) {
            let pid = rustix::process::Pid::from_child(&child);
            crate::engine::reap::stop_lent(&format!("{LENT_MARKER}={marker}"), pid, || {
                matches!(child.try_wait(), Ok(None))
            });
            signals.put_back(signal);
            return child.wait();
        }
    }
}

/// The environment variable that marks a program the terminal is lent to, and all it starts.
const LENT_MARKER: &str = "JOBDECK_LENT";

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
