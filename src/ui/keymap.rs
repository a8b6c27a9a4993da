//! The one key table: it dispatches key presses to `Action`s, and the footer hints and the
//! `?` help are drawn from it, so what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::{Action, CauseAction, LogAction, Model, OptionsAction, Overlay, Prompt, UiAction};

/// Which set of keys is live, derived from the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The table.
    Normal,
    /// Typing a name search.
    Search,
    /// The quit question is showing.
    Confirm,
    /// The key list is showing.
    Help,
    /// The causes panel is showing.
    Causes,
    /// Typing a project's `-D VAR=VALUE`.
    Options,
    /// Typing a search of the log pane.
    LogSearch,
}

impl Mode {
    /// The live mode for `model`: what its overlay is.
    pub fn of(model: &Model) -> Self {
        match &model.ui.overlay {
            Overlay::None => Mode::Normal,
            Overlay::Help => Mode::Help,
            Overlay::Causes => Mode::Causes,
            Overlay::Prompt(Prompt::Search) => Mode::Search,
            Overlay::Prompt(Prompt::LogSearch) => Mode::LogSearch,
            Overlay::Prompt(Prompt::Options(_)) => Mode::Options,
            Overlay::Question(_) => Mode::Confirm,
        }
    }
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key pressed without Ctrl or Alt (Shift is part of the character: `G`, `?`, `+`).
    Plain(KeyCode),
    /// A character pressed with Ctrl.
    Ctrl(char),
}

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        let chorded = event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match self {
            Key::Plain(code) => !chorded && event.code == code,
            Key::Ctrl(c) => {
                event.modifiers.contains(KeyModifiers::CONTROL) && event.code == KeyCode::Char(c)
            }
        }
    }
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where the binding is live; `None` means in every mode.
    pub mode: Option<Mode>,
    /// The keys that trigger it.
    pub keys: &'static [Key],
    /// How the keys are written in the help and the footer.
    pub label: &'static str,
    /// What it does.
    pub action: Action,
    /// The footer's keys and word for it, and when the footer offers it; `None` keeps it
    /// out of the footer (it is still in `?`). Both arrow entries share one hint, and so do
    /// `+` and `-`.
    pub footer: Option<(&'static str, &'static str, When)>,
    /// The help's section it is listed under.
    pub section: Section,
    /// The help line.
    pub help: &'static str,
}

/// The help's sections, in the order it lists them: the common ones first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Moving the selection.
    Moving,
    /// Acting on jobs.
    Jobs,
    /// The log pane.
    Log,
    /// What the table shows.
    Views,
    /// The session as a whole.
    Session,
    /// Keys of a question, a prompt or a panel.
    Asked,
}

impl Section {
    /// The section's heading in the help.
    pub fn title(self) -> &'static str {
        match self {
            Section::Moving => "moving",
            Section::Jobs => "acting on jobs",
            Section::Log => "the log pane (Enter opens it and moves there)",
            Section::Views => "views",
            Section::Session => "the session",
            Section::Asked => "in a question, a prompt or a panel",
        }
    }
}

/// When the table's footer offers a key: its hints follow the session's state, so what
/// matters now is what it shows (`x` causes and `F` the next failure once the run ended, not
/// `s` start and `p` pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// With the table focused, while work is left or after.
    Table,
    /// With the table focused, while jobs run or wait.
    Running,
    /// With the table focused, once every job ended.
    Ended,
    /// With the log pane focused.
    Log,
    /// Always.
    Everywhere,
}

/// What the footer is about, for `When`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FooterState {
    /// The table has the keys and work is left.
    Running,
    /// The table has the keys and every job ended.
    Ended,
    /// The log pane has the keys.
    Log,
}

impl FooterState {
    /// The state of `model`'s footer.
    pub fn of(model: &Model) -> Self {
        if model.is_log_focused() {
            FooterState::Log
        } else if model.work_has_ended() {
            FooterState::Ended
        } else {
            FooterState::Running
        }
    }

    fn offers(self, when: When) -> bool {
        match when {
            When::Everywhere => true,
            When::Table => self != FooterState::Log,
            When::Running => self == FooterState::Running,
            When::Ended => self == FooterState::Ended,
            When::Log => self == FooterState::Log,
        }
    }
}

const fn c(ch: char) -> Key {
    Key::Plain(KeyCode::Char(ch))
}

const fn ui(action: UiAction) -> Action {
    Action::Ui(action)
}

const NORMAL: Option<Mode> = Some(Mode::Normal);
const LOG_SEARCH: Option<Mode> = Some(Mode::LogSearch);

const fn log(action: LogAction) -> Action {
    Action::Log(action)
}
const CAUSES: Option<Mode> = Some(Mode::Causes);
const HELP: Option<Mode> = Some(Mode::Help);

const fn cause(action: CauseAction) -> Action {
    Action::Cause(action)
}

use Section::{Asked, Jobs, Log, Moving, Session, Views};

/// Every key jobdeck knows, in the order the help lists them (by section, the common ones
/// first) and the footer offers them.
#[rustfmt::skip]
pub const KEYMAP: &[Binding] = &[
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: Action::SelectNext, footer: None, section: Moving, help: "select the next row" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: Action::SelectPrev, footer: None, section: Moving, help: "select the previous row" },
    Binding { mode: NORMAL, keys: &[c('F')], label: "F", action: ui(UiAction::JumpFailed), footer: Some(("F", "next failure", When::Ended)), section: Moving, help: "jump to the next failure (a failed or timed-out job)" },
    Binding { mode: NORMAL, keys: &[c('g')], label: "g", action: Action::SelectFirst, footer: None, section: Moving, help: "jump to the first row" },
    Binding { mode: NORMAL, keys: &[c('G')], label: "G", action: Action::SelectLast, footer: None, section: Moving, help: "jump to the last row" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Tab)], label: "Tab", action: ui(UiAction::JumpRunning { forward: true }), footer: None, section: Moving, help: "jump to the next running job" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::BackTab)], label: "Shift-Tab", action: ui(UiAction::JumpRunning { forward: false }), footer: None, section: Moving, help: "jump to the previous running job" },
    Binding { mode: NORMAL, keys: &[Key::Ctrl('d')], label: "Ctrl-D", action: ui(UiAction::HalfPage { down: true }), footer: None, section: Moving, help: "move down half a page" },
    Binding { mode: NORMAL, keys: &[Key::Ctrl('u')], label: "Ctrl-U", action: ui(UiAction::HalfPage { down: false }), footer: None, section: Moving, help: "move up half a page" },
    Binding { mode: NORMAL, keys: &[c('r')], label: "r", action: Action::Rerun, footer: Some(("r", "re-run", When::Table)), section: Jobs, help: "re-run the selected finished job" },
    Binding { mode: NORMAL, keys: &[c('e')], label: "e", action: Action::OpenEditor, footer: Some(("e", "edit", When::Ended)), section: Jobs, help: "edit the project at its error ($VISUAL/$EDITOR)" },
    Binding { mode: NORMAL, keys: &[c('x')], label: "x", action: cause(CauseAction::Toggle), footer: Some(("x", "causes", When::Table)), section: Jobs, help: "the failed jobs' causes, with counts" },
    Binding { mode: NORMAL, keys: &[c('s')], label: "s", action: Action::Start, footer: Some(("s", "start", When::Running)), section: Jobs, help: "start the selected job now, even while paused" },
    Binding { mode: NORMAL, keys: &[c('c')], label: "c", action: Action::Cancel, footer: Some(("c", "cancel", When::Running)), section: Jobs, help: "cancel the selected job and its processes" },
    Binding { mode: NORMAL, keys: &[c('p')], label: "p", action: Action::TogglePause, footer: Some(("p", "pause", When::Running)), section: Jobs, help: "pause or resume dispatch (running jobs go on)" },
    Binding { mode: NORMAL, keys: &[c('R')], label: "R", action: Action::RerunFailed, footer: None, section: Jobs, help: "re-run every failed, cancelled and timed-out job" },
    Binding { mode: NORMAL, keys: &[c('C')], label: "C", action: Action::CancelAll, footer: None, section: Jobs, help: "cancel every job (asks first)" },
    Binding { mode: NORMAL, keys: &[c('D')], label: "D", action: Action::Options(OptionsAction::Ask), footer: None, section: Jobs, help: "add a -D VAR=VALUE to the project and re-run it" },
    Binding { mode: NORMAL, keys: &[c('U')], label: "U", action: Action::Options(OptionsAction::Remove), footer: None, section: Jobs, help: "remove the project's own -D options" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: Action::ToggleLog, footer: Some(("Enter", "log", When::Everywhere)), section: Log, help: "show the log pane and move to it, or hide it" },
    Binding { mode: NORMAL, keys: &[c('o')], label: "o", action: Action::OpenLog, footer: Some(("o", "pager", When::Log)), section: Log, help: "open the full log in $PAGER (default less)" },
    Binding { mode: NORMAL, keys: &[c('n')], label: "n", action: log(LogAction::NextMatch), footer: Some(("n/N", "next match", When::Log)), section: Log, help: "the next match of the log search" },
    Binding { mode: NORMAL, keys: &[c('N')], label: "N", action: log(LogAction::PrevMatch), footer: None, section: Log, help: "the previous match of the log search" },
    Binding { mode: NORMAL, keys: &[c('v')], label: "v", action: log(LogAction::ToggleWrap), footer: Some(("v", "wrap", When::Log)), section: Log, help: "wrap long log lines, or cut them" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::PageUp)], label: "PgUp", action: ui(UiAction::LogPageUp), footer: None, section: Log, help: "scroll the log up a page" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::PageDown)], label: "PgDn", action: ui(UiAction::LogPageDown), footer: None, section: Log, help: "scroll the log down a page" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Home)], label: "Home", action: ui(UiAction::LogTop), footer: None, section: Log, help: "scroll to the start of the log" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::End)], label: "End", action: ui(UiAction::LogBottom), footer: None, section: Log, help: "follow the end of the log" },
    Binding { mode: NORMAL, keys: &[c('L')], label: "L", action: log(LogAction::BeginSearch), footer: None, section: Log, help: "search the log pane from the table (then n / N)" },
    Binding { mode: NORMAL, keys: &[c('y')], label: "y", action: log(LogAction::CopyError), footer: None, section: Log, help: "copy the job's error (OSC 52 clipboard)" },
    Binding { mode: NORMAL, keys: &[c('Y')], label: "Y", action: log(LogAction::CopyLogPath), footer: None, section: Log, help: "copy the job's log path (OSC 52 clipboard)" },
    Binding { mode: NORMAL, keys: &[c('f')], label: "f", action: ui(UiAction::ToggleFailedFilter), footer: Some(("f", "failed", When::Table)), section: Views, help: "show only failed jobs, or all again" },
    Binding { mode: NORMAL, keys: &[c('/')], label: "/", action: ui(UiAction::BeginSearch), footer: Some(("/", "search", When::Everywhere)), section: Views, help: "search what has focus: the table or the log" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: ui(UiAction::ClearFilters), footer: Some(("Esc", "table", When::Log)), section: Views, help: "log: back to the table; table: clear search, filters" },
    Binding { mode: NORMAL, keys: &[c('S')], label: "S", action: ui(UiAction::CycleSort), footer: Some(("S", "sort", When::Running)), section: Views, help: "sort by name, state or time (longest first)" },
    Binding { mode: NORMAL, keys: &[c('w')], label: "w", action: ui(UiAction::ToggleWorkers), footer: Some(("w", "workers", When::Running)), section: Views, help: "show or hide the workers panel (one line per worker)" },
    Binding { mode: NORMAL, keys: &[c('t')], label: "t", action: ui(UiAction::ToggleTimeline), footer: Some(("t", "timeline", When::Running)), section: Views, help: "show or hide the timeline (one lane per worker)" },
    Binding { mode: NORMAL, keys: &[c('+'), c('=')], label: "+", action: Action::AddWorker, footer: Some(("+/-", "pool", When::Running)), section: Session, help: "grow the pool by one worker" },
    Binding { mode: NORMAL, keys: &[c('-')], label: "-", action: Action::RemoveWorker, footer: None, section: Session, help: "shrink the pool by one worker" },
    Binding { mode: NORMAL, keys: &[c('W')], label: "W", action: Action::ToggleWatch, footer: None, section: Session, help: "watch mode: re-run a project when its files change" },
    Binding { mode: NORMAL, keys: &[c('?')], label: "?", action: ui(UiAction::ToggleHelp), footer: Some(("?", "help", When::Everywhere)), section: Session, help: "help: show every key" },
    Binding { mode: NORMAL, keys: &[c('q')], label: "q", action: Action::Quit, footer: Some(("q", "quit", When::Everywhere)), section: Session, help: "quit (asks first while jobs run or wait)" },
    Binding { mode: None, keys: &[Key::Ctrl('z')], label: "Ctrl-Z", action: Action::Suspend, footer: None, section: Session, help: "suspend to the shell (fg comes back; jobs go on)" },
    Binding { mode: None, keys: &[Key::Ctrl('c')], label: "Ctrl-C", action: Action::ForceQuit, footer: None, section: Session, help: "quit now: cancel every job (twice: stop waiting)" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('y'), Key::Plain(KeyCode::Enter)], label: "y/Enter", action: Action::Confirm, footer: Some(("y", "yes", When::Everywhere)), section: Asked, help: "yes: quit, or cancel every job" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('q')], label: "q", action: Action::Quit, footer: None, section: Asked, help: "quit (q twice quits)" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('n'), Key::Plain(KeyCode::Esc)], label: "n/Esc", action: Action::Dismiss, footer: Some(("n", "no", When::Everywhere)), section: Asked, help: "no: keep the jobs running" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: ui(UiAction::SubmitSearch), footer: Some(("Enter", "keep", When::Everywhere)), section: Asked, help: "keep the search" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: ui(UiAction::CancelSearch), footer: Some(("Esc", "clear", When::Everywhere)), section: Asked, help: "clear the search" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: ui(UiAction::SearchBackspace), footer: None, section: Asked, help: "delete a character" },
    Binding { mode: HELP, keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: ui(UiAction::HelpScroll { down: true }), footer: None, section: Asked, help: "scroll this list down" },
    Binding { mode: HELP, keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: ui(UiAction::HelpScroll { down: false }), footer: None, section: Asked, help: "scroll this list up" },
    Binding { mode: HELP, keys: &[Key::Plain(KeyCode::PageDown)], label: "PgDn", action: ui(UiAction::HelpPage { down: true }), footer: None, section: Asked, help: "scroll this list a page down" },
    Binding { mode: HELP, keys: &[Key::Plain(KeyCode::PageUp)], label: "PgUp", action: ui(UiAction::HelpPage { down: false }), footer: None, section: Asked, help: "scroll this list a page up" },
    Binding { mode: HELP, keys: &[c('G'), Key::Plain(KeyCode::End)], label: "G", action: ui(UiAction::HelpEdge { end: true }), footer: None, section: Asked, help: "scroll to the end of this list" },
    Binding { mode: HELP, keys: &[c('g'), Key::Plain(KeyCode::Home)], label: "g", action: ui(UiAction::HelpEdge { end: false }), footer: None, section: Asked, help: "scroll to the start of this list" },
    Binding { mode: HELP, keys: &[c('?'), c('q'), Key::Plain(KeyCode::Esc)], label: "?/Esc", action: ui(UiAction::ToggleHelp), footer: Some(("?/Esc", "close", When::Everywhere)), section: Asked, help: "close this help" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: cause(CauseAction::Next), footer: None, section: Asked, help: "the next cause" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: cause(CauseAction::Prev), footer: None, section: Asked, help: "the previous cause" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: cause(CauseAction::Choose), footer: Some(("Enter", "show", When::Everywhere)), section: Asked, help: "show only this cause's jobs" },
    Binding { mode: CAUSES, keys: &[c('R')], label: "R", action: cause(CauseAction::Rerun), footer: Some(("R", "re-run", When::Everywhere)), section: Asked, help: "re-run this cause's jobs" },
    Binding { mode: CAUSES, keys: &[c('x'), c('q'), Key::Plain(KeyCode::Esc)], label: "x/Esc", action: cause(CauseAction::Toggle), footer: Some(("Esc", "close", When::Everywhere)), section: Asked, help: "close the causes" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: Action::Options(OptionsAction::Submit), footer: Some(("Enter", "add", When::Everywhere)), section: Asked, help: "add the option and re-run the project" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: Action::Options(OptionsAction::Cancel), footer: Some(("Esc", "cancel", When::Everywhere)), section: Asked, help: "cancel: add nothing" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: Action::Options(OptionsAction::Backspace), footer: None, section: Asked, help: "delete a character" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: log(LogAction::SubmitSearch), footer: Some(("Enter", "find", When::Everywhere)), section: Asked, help: "find: jump to the first match" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: log(LogAction::CancelSearch), footer: Some(("Esc", "clear", When::Everywhere)), section: Asked, help: "clear the log search" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: log(LogAction::SearchBackspace), footer: None, section: Asked, help: "delete a character" },
];

/// A line of the help: a section's heading or a key.
#[derive(Debug, Clone, Copy)]
pub enum HelpLine {
    /// The heading of the section whose keys follow.
    Heading(Section),
    /// A key.
    Key(&'static Binding),
}

/// The help's lines: each section's heading, then its keys, in table order.
pub fn help_lines() -> Vec<HelpLine> {
    let mut lines = Vec::with_capacity(KEYMAP.len() + 6);
    let mut section = None;
    for binding in KEYMAP {
        if section != Some(binding.section) {
            section = Some(binding.section);
            lines.push(HelpLine::Heading(binding.section));
        }
        lines.push(HelpLine::Key(binding));
    }
    lines
}

/// The action for a key press in `mode`, if any. While searching, a character that is not
/// bound is typed into the search.
pub fn action_for(mode: Mode, event: &KeyEvent) -> Option<Action> {
    let bound = KEYMAP
        .iter()
        .filter(|b| b.mode.is_none_or(|m| m == mode))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action);
    if bound.is_some() {
        return bound;
    }
    match (mode, event.code) {
        (Mode::Search, KeyCode::Char(ch))
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(ui(UiAction::SearchChar(ch)))
        }
        (Mode::LogSearch, KeyCode::Char(ch))
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(log(LogAction::SearchChar(ch)))
        }
        (Mode::Options, KeyCode::Char(ch))
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Action::Options(OptionsAction::Char(ch)))
        }
        _ => None,
    }
}

/// The `(keys, word, action)` hints the footer shows in `mode` and `state`, in table order.
pub fn footer_hints(
    mode: Mode,
    state: FooterState,
) -> impl Iterator<Item = (&'static str, &'static str, Action)> {
    KEYMAP
        .iter()
        .filter(move |b| b.mode == Some(mode))
        .filter_map(move |b| {
            let (label, word, when) = b.footer?;
            (mode != Mode::Normal || state.offers(when)).then_some((label, word, b.action))
        })
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyEventKind, KeyEventState};

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn shifted_characters_and_ctrl_c_dispatch() {
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            action_for(Mode::Normal, &key(KeyCode::Char('G'), shift)),
            Some(Action::SelectLast)
        );
        assert_eq!(
            action_for(
                Mode::Normal,
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Action::ForceQuit)
        );
        assert_eq!(
            action_for(Mode::Normal, &key(KeyCode::Char('c'), KeyModifiers::NONE)),
            Some(Action::Cancel)
        );
        // In raw mode Ctrl-Z is a key, not SIGTSTP: jobdeck suspends itself, in every mode.
        for mode in [Mode::Normal, Mode::Search, Mode::Confirm, Mode::Help] {
            assert_eq!(
                action_for(mode, &key(KeyCode::Char('z'), KeyModifiers::CONTROL)),
                Some(Action::Suspend)
            );
        }
    }

    #[test]
    fn search_mode_types_characters_that_are_keys_elsewhere() {
        assert_eq!(
            action_for(Mode::Search, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Ui(UiAction::SearchChar('q')))
        );
        assert_eq!(
            action_for(Mode::Search, &key(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Action::Ui(UiAction::CancelSearch))
        );
    }

    #[test]
    fn confirm_mode_ignores_table_keys() {
        assert_eq!(
            action_for(Mode::Confirm, &key(KeyCode::Char('s'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            action_for(Mode::Confirm, &key(KeyCode::Char('y'), KeyModifiers::NONE)),
            Some(Action::Confirm)
        );
    }

    #[test]
    fn every_normal_key_is_in_the_help_and_no_key_is_bound_twice() {
        for mode in [
            Mode::Normal,
            Mode::Search,
            Mode::Confirm,
            Mode::Help,
            Mode::Causes,
            Mode::Options,
            Mode::LogSearch,
        ] {
            let mut seen = Vec::new();
            for binding in KEYMAP.iter().filter(|b| b.mode.is_none_or(|m| m == mode)) {
                assert!(!binding.help.is_empty());
                for k in binding.keys {
                    assert!(!seen.contains(k), "{k:?} bound twice in {mode:?}");
                    seen.push(*k);
                }
            }
        }
    }

    /// The Keys section of `docs/usage.md` names every key of the table, so it cannot fall
    /// behind.
    #[test]
    fn the_usage_doc_lists_every_key() {
        let usage = include_str!("../../docs/usage.md");
        let keys = usage
            .split_once("\n## Keys\n")
            .map(|(_, keys)| keys)
            .expect("docs/usage.md has a Keys section");
        for binding in KEYMAP {
            for key in binding.keys {
                let name = match key {
                    Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
                    Key::Plain(KeyCode::Char(c)) => c.to_string(),
                    Key::Plain(KeyCode::Down) => "↓".into(),
                    Key::Plain(KeyCode::Up) => "↑".into(),
                    Key::Plain(KeyCode::PageUp) => "PgUp".into(),
                    Key::Plain(KeyCode::PageDown) => "PgDn".into(),
                    Key::Plain(KeyCode::BackTab) => "Shift-Tab".into(),
                    Key::Plain(code) => code.to_string(),
                };
                assert!(
                    keys.contains(&format!("`{name}`")),
                    "docs/usage.md's Keys section lacks `{name}` ({})",
                    binding.help
                );
            }
        }
    }

    /// A key's footer word is a word of its help line, so the footer and `?` never
    /// describe one key two ways (`w` once said "threads" in one and "workers" in the other).
    #[test]
    fn footer_words_are_the_help_words() {
        for binding in KEYMAP {
            if let Some((_, word, _)) = binding.footer {
                assert!(
                    binding.help.to_lowercase().contains(word),
                    "footer says {word:?} for {}, its help says {:?}",
                    binding.label,
                    binding.help
                );
            }
        }
    }

    #[test]
    fn footer_comes_from_the_table_and_follows_the_state() {
        let hints = |state| -> Vec<_> {
            footer_hints(Mode::Normal, state)
                .map(|(label, word, _)| (label, word))
                .collect()
        };
        let running = hints(FooterState::Running);
        assert!(running.contains(&("s", "start")));
        assert!(running.contains(&("p", "pause")));
        assert!(running.contains(&("+/-", "pool")));
        assert!(running.contains(&("q", "quit")));
        assert!(!running.iter().any(|(label, _)| *label == "C"));
        let ended = hints(FooterState::Ended);
        for hint in [
            ("x", "causes"),
            ("F", "next failure"),
            ("e", "edit"),
            ("r", "re-run"),
        ] {
            assert!(ended.contains(&hint), "{hint:?} in {ended:?}");
        }
        assert!(
            !ended
                .iter()
                .any(|(label, _)| ["s", "c", "p"].contains(label)),
            "{ended:?}"
        );
        let log = hints(FooterState::Log);
        for hint in [("/", "search"), ("n/N", "next match"), ("Esc", "table")] {
            assert!(log.contains(&hint), "{hint:?} in {log:?}");
        }
    }

    #[test]
    fn help_groups_the_keys_in_sections_common_first() {
        let lines = help_lines();
        let headings: Vec<Section> = lines
            .iter()
            .filter_map(|line| match line {
                HelpLine::Heading(section) => Some(*section),
                HelpLine::Key(_) => None,
            })
            .collect();
        assert_eq!(
            headings,
            [Moving, Jobs, Log, Views, Session, Asked],
            "each section once, in order"
        );
        assert!(
            matches!(lines[1], HelpLine::Key(b) if b.label == "↓/j"),
            "moving first, not Ctrl-C"
        );
        // Every Normal-mode key of the Help mode's own scrolling is there.
        for key in [
            c('g'),
            c('G'),
            Key::Plain(KeyCode::PageUp),
            Key::Plain(KeyCode::PageDown),
        ] {
            assert!(
                KEYMAP
                    .iter()
                    .any(|b| b.mode == Some(Mode::Help) && b.keys.contains(&key)),
                "{key:?} scrolls the help"
            );
        }
    }
}
