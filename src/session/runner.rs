//! The one loop of a session, for both front ends.
//!
//! Each turn it carries out the model's effects (engine effects through the [`Driver`], the
//! rest through the [`Frontend`]), then blocks in one `select!` over the engine's events, the
//! watch's changes, the stop signals, the front end's input and signals, its clock and its
//! frame timer. It then takes everything pending (engine events up to a budget, so a flood
//! never delays a key), feeds it to the model through `app::update`, and hands what happened
//! to the reporters. At the end it shuts the engine down, feeds the runs that ended meanwhile
//! to the model and the reporters, and tells every reporter how the session ended: also after
//! a signal, and also when an output was lost.
//!
//! [`Driver`]: crate::session::driver::Driver

use std::io;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, never, select};

use super::reporter::{Ending, Event, Problem, Reporter};
use super::{End, Session};
use crate::app::{self, Action, Effect, JobState, Model, Msg, News};
use crate::engine::JobId;

/// Engine events taken per turn, so input is read between chunks of a flood.
const EVENT_BUDGET: usize = 20_000;

/// Engine events taken in a turn that had input: the key's answer is drawn first, and the
/// backlog waits for the next turns.
const EVENT_BUDGET_AFTER_INPUT: usize = 64;

/// A front end that has input of its own (keys, its own signals), a screen to keep up to
/// date, and effects only it can carry out (a pager, an editor, the clipboard, suspending).
///
/// Every method has a default that does nothing, which is what a session without anyone at
/// the keyboard needs ([`Unattended`]).
pub trait Frontend {
    /// What its input thread reports.
    type Input;
    /// Its own signals (SIGTSTP, SIGCONT).
    type Signal;

    /// The channel its input comes on; `never()` without one. A closed channel means the
    /// input is gone: [`Frontend::on_input`] hears `None`.
    fn input(&self) -> Receiver<Self::Input> {
        never()
    }

    /// The channel its own signals come on; `never()` without.
    fn own_signals(&self) -> Receiver<Self::Signal> {
        never()
    }

    /// The messages one input becomes (`None`: the input is gone).
    fn on_input(&mut self, input: Option<Self::Input>, model: &Model) -> io::Result<Vec<Msg>> {
        let _ = (input, model);
        Ok(Vec::new())
    }

    /// Handles one of its own signals.
    fn on_signal(&mut self, signal: Self::Signal, model: &Model) -> io::Result<Vec<Msg>> {
        let _ = (signal, model);
        Ok(Vec::new())
    }

    /// Carries out an effect that is the front end's business (`OpenPager`, `OpenEditor`,
    /// `Copy`, `Suspend`); returns the messages that came of it.
    fn carry_out(&mut self, effect: Effect, model: &Model) -> io::Result<Vec<Msg>> {
        let _ = (effect, model);
        Ok(Vec::new())
    }

    /// The clock that moves the model's time while runs are in flight (`busy`) or not;
    /// `never()` to move it on events only.
    fn clock(&self, busy: bool) -> Receiver<Instant> {
        let _ = busy;
        never()
    }

    /// Brings the screen up to date with `model`. Returns the messages that came of it and a
    /// timer for when the next frame is due (`never()` if none is waiting).
    fn refresh(&mut self, model: &Model) -> io::Result<(Vec<Msg>, Receiver<Instant>)> {
        let _ = model;
        Ok((Vec::new(), never()))
    }

    /// Whether the session ends once nothing is left to run (and it does not watch).
    fn ends_when_idle(&self) -> bool {
        true
    }

    /// Gives the terminal back, before the engine's shutdown and the session's end.
    fn leave(&mut self) {}
}

/// The front end of a session with no one at the keyboard: the headless mode.
#[derive(Debug, Default)]
pub struct Unattended;

impl Frontend for Unattended {
    type Input = ();
    type Signal = ();

    /// A turn a second while runs are in flight: the progress line's ETA is redrawn then,
    /// not only when a job writes a line (a download retrying in silence held it at
    /// `ETA 10.1s` for 15 s at a time on the cookbook corpus).
    fn clock(&self, busy: bool) -> Receiver<Instant> {
        if busy {
            crossbeam_channel::tick(Duration::from_secs(1))
        } else {
            never()
        }
    }
}

/// The loop's state.
pub(super) struct Runner<'a, F: Frontend> {
    session: Session,
    frontend: F,
    /// `None` once a reporter lost its output.
    reporters: Vec<Option<Box<dyn Reporter>>>,
    signals: &'a Receiver<i32>,
    interrupted: bool,
    /// The first output a reporter lost.
    lost: Option<io::Error>,
    /// Whether the loop still runs: warnings are then also shown as notices.
    live: bool,
}

impl<'a, F: Frontend> Runner<'a, F> {
    pub(super) fn new(
        session: Session,
        frontend: F,
        reporters: Vec<Box<dyn Reporter>>,
        signals: &'a Receiver<i32>,
    ) -> Self {
        Self {
            session,
            frontend,
            reporters: reporters.into_iter().map(Some).collect(),
            signals,
            interrupted: false,
            lost: None,
            live: true,
        }
    }

    pub(super) fn run(mut self) -> io::Result<End> {
        self.dispatch(&Event::Began);
        for warning in self.session.driver.warnings() {
            self.warn(&warning);
        }
        let result = self.live();
        self.live = false;
        self.frontend.leave();
        // A terminal gone (an SSH connection dropped, a window closed while SIGHUP is
        // ignored) ends the session as its hang-up would: every run cancelled and recorded,
        // exit 130, never a terminal error.
        let hung_up = matches!(&result, Err(err) if is_hang_up(err))
            || self.lost.as_ref().is_some_and(is_hang_up);
        self.interrupted |= hung_up;
        let end = self.finish(result.is_err());
        if !hung_up {
            result?;
        }
        match self.lost {
            Some(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(End::OutputClosed),
            Some(_) if hung_up => Ok(end),
            Some(err) => Err(err),
            None => Ok(end),
        }
    }

    /// The loop, until the model asks to exit, or (unattended) nothing is left to run. An
    /// error is the front end's terminal, gone.
    fn live(&mut self) -> io::Result<()> {
        let input = self.frontend.input();
        let own_signals = self.frontend.own_signals();
        let changes = self.session.driver.changes();
        let events = self.session.events.clone();
        let signals = self.signals.clone();
        let mut pending = self.session.model.start();
        loop {
            while !pending.is_empty() {
                for effect in std::mem::take(&mut pending) {
                    if self.carry_out(effect, &mut pending)? {
                        return Ok(());
                    }
                }
            }
            let model = &self.session.model;
            // In watch mode the session goes on when the work is done, waiting for changes,
            // until a signal ends it.
            if self.frontend.ends_when_idle() && model.is_idle() && !model.is_watching() {
                return Ok(());
            }
            if self.lost.is_some() && !model.quitting {
                // Nobody reads the output any more: stop as a command-line tool does on
                // SIGPIPE, cancelling what is left but keeping the history of what ended.
                let _ = self.tick();
                pending = self.update(Msg::Action(Action::ForceQuit));
                continue;
            }
            let (messages, frame_due) = self.frontend.refresh(model)?;
            pending.extend(self.feed(messages));
            if !pending.is_empty() {
                continue;
            }
            let clock = self.frontend.clock(self.session.model.runs_in_flight() > 0);
            let mut keyed = false;
            select! {
                recv(events) -> event => {
                    let Ok(event) = event else { return Ok(()) };
                    pending.extend(self.tick());
                    pending.extend(self.update(Msg::Engine(event)));
                }
                recv(changes) -> change => if let Ok(change) = change {
                    pending.extend(self.tick());
                    let jobs = self.session.driver.watching_jobs(&change);
                    pending.extend(self.update(Msg::SourceChanged(change.folder)));
                    if !jobs.is_empty() {
                        pending.extend(self.update(Msg::WatchedFilesChanged(jobs)));
                    }
                },
                recv(signals) -> signal => if signal.is_ok() {
                    self.interrupted = true;
                    pending.extend(self.tick());
                    pending.extend(self.update(Msg::Action(Action::ForceQuit)));
                },
                recv(input) -> input => {
                    keyed = true;
                    let messages = self.frontend.on_input(input.ok(), &self.session.model)?;
                    pending.extend(self.feed(messages));
                }
                recv(own_signals) -> signal => if let Ok(signal) = signal {
                    let messages = self.frontend.on_signal(signal, &self.session.model)?;
                    pending.extend(self.feed(messages));
                },
                recv(clock) -> _ => {},
                recv(frame_due) -> _ => {},
            }
            for input in input.try_iter() {
                keyed = true;
                let messages = self.frontend.on_input(Some(input), &self.session.model)?;
                pending.extend(self.feed(messages));
            }
            pending.extend(self.tick());
            let budget = if keyed {
                EVENT_BUDGET_AFTER_INPUT
            } else {
                EVENT_BUDGET
            };
            for event in events.try_iter().take(budget) {
                pending.extend(self.update(Msg::Engine(event)));
            }
            self.report_news();
            for warning in self.session.driver.new_warnings() {
                self.warn(&warning);
            }
            self.dispatch(&Event::Turned);
        }
    }

    /// Carries out one effect; returns whether the session is to end.
    fn carry_out(&mut self, effect: Effect, pending: &mut Vec<Effect>) -> io::Result<bool> {
        use crate::session::driver::Followup::{Effect as Left, Update};
        match self.session.driver.apply(effect) {
            None => {}
            Some(Left(Effect::Exit)) => return Ok(true),
            Some(Left(effect)) => {
                let messages = self.frontend.carry_out(effect, &self.session.model)?;
                pending.extend(self.feed(messages));
            }
            Some(Update(Msg::WatchFailed(error))) => {
                self.warn(&error);
                pending.extend(self.update(Msg::WatchFailed(error)));
            }
            Some(Update(msg)) => pending.extend(self.update(msg)),
        }
        Ok(false)
    }

    /// Ends the session: cancels what still runs and waits for it, feeds the runs that
    /// ended meanwhile (and the jobs cancelled before they ran) to the model and the
    /// reporters, and tells every reporter how it ended.
    fn finish(&mut self, front_end_lost: bool) -> End {
        // Ctrl-C in the live table stopped the work as SIGINT does headless: exit 130 in
        // both. (Read before the end's own force-quit below, which is no one's interrupt.)
        self.interrupted |= self.session.model.interrupted;
        if !self.session.model.quitting {
            // An end the model did not ask for (the terminal gone): its jobs that never
            // started end cancelled and recorded, as on a quit, also in a paused session with
            // nothing in flight. Its cancel effects are the shutdown's to carry out.
            self.update(Msg::Action(Action::ForceQuit));
        }
        self.session.driver.shutdown();
        // The runs still in flight ended during the shutdown, after the loop's last tick.
        // Without a tick first, their time would count as job time but not as active time,
        // and a second Ctrl-C would print a speed-up above the worker count.
        let _ = self.tick();
        while let Ok(event) = self.session.events.try_recv() {
            self.update(Msg::Engine(event));
        }
        let _ = self.tick();
        self.report_news();
        for warning in self.session.driver.late_warnings() {
            self.warn(&warning);
        }
        let model = &self.session.model;
        let end = if self.interrupted {
            End::Interrupted
        } else if model.all_own_jobs_succeeded() {
            End::AllSucceeded
        } else {
            End::SomeUnsuccessful
        };
        // Skipped jobs are not listed: the failure before each is (JSON's `unsuccessful`
        // and the plain recap name the same jobs). Nor is a helper that only warns: its
        // failure fails nothing, and no re-run is offered for it.
        let unsuccessful: Vec<_> = (0..model.jobs.len())
            .map(|index| JobId(u32::try_from(index).unwrap_or(u32::MAX)))
            .filter(|&job| {
                let row = model.job(job);
                row.fails_session() && row.state != JobState::Skipped
            })
            .map(|job| model.record(job))
            .collect();
        let summary = model.summary();
        let command = self.session.command.clone();
        let ending = Ending {
            end,
            interrupted: self.interrupted,
            output_lost: front_end_lost || self.lost.is_some(),
            summary: &summary,
            unsuccessful: &unsuccessful,
            command: &command,
        };
        self.dispatch(&Event::Ended(&ending));
        end
    }

    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        app::update(&mut self.session.model, msg)
    }

    fn feed(&mut self, messages: Vec<Msg>) -> Vec<Effect> {
        messages
            .into_iter()
            .flat_map(|msg| self.update(msg))
            .collect()
    }

    /// Brings the model's clock to now; what it asks of the engine then (a worker lent by a
    /// wait that is over goes back) is returned, to be carried out with the rest.
    fn tick(&mut self) -> Vec<Effect> {
        self.update(Msg::Tick(Instant::now()))
    }

    /// Hands what happened to runs since the last call to the reporters.
    fn report_news(&mut self) {
        for news in self.session.model.take_news() {
            match &news {
                News::Started(record) => self.dispatch(&Event::RunStarted(record)),
                News::Finished(record) => self.dispatch(&Event::RunFinished(record)),
                News::Retried(record) => self.dispatch(&Event::RunRetried(record)),
                News::PartFinished(record, part) => {
                    self.dispatch(&Event::PartFinished(record, part));
                }
            }
        }
    }

    /// The one route of a warning: a notice on the live screen, and every reporter.
    fn warn(&mut self, warning: &str) {
        if self.live {
            self.update(Msg::Notice(warning.to_string()));
        }
        self.dispatch(&Event::Warning(warning));
    }

    /// Hands `event` to every reporter in order. A warning a reporter raises reaches every
    /// reporter before the next one hears `event`, so a warning at the end is printed
    /// before the summary.
    fn dispatch(&mut self, event: &Event<'_>) {
        for index in 0..self.reporters.len() {
            let Some(reporter) = self.reporters[index].as_mut() else {
                continue;
            };
            match reporter.report(event, &self.session.model) {
                Ok(()) => {}
                Err(Problem::Warning(warning)) => self.warn(&warning),
                Err(Problem::Lost(err)) => {
                    self.reporters[index] = None;
                    self.lost.get_or_insert(err);
                }
            }
        }
    }
}

/// Whether `err` says the terminal is gone: `EIO` on a terminal whose other side closed.
fn is_hang_up(err: &io::Error) -> bool {
    err.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error())
}
