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
    /// The footer's keys and word for it; `None` keeps it out of the footer (it is still in
    /// `?`). Both arrow entries share one hint, and so do `+` and `-`.
    pub footer: Option<(&'static str, &'static str)>,
    /// The help line.
    pub help: &'static str,
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

const fn cause(action: CauseAction) -> Action {
    Action::Cause(action)
}

/// Every key jobdeck knows, in the order the footer and the help list them.
#[rustfmt::skip]
pub const KEYMAP: &[Binding] = &[
    Binding { mode: None, keys: &[Key::Ctrl('c')], label: "Ctrl-C", action: Action::ForceQuit, footer: None, help: "quit now: cancel every job (twice: stop waiting)" },
    Binding { mode: None, keys: &[Key::Ctrl('z')], label: "Ctrl-Z", action: Action::Suspend, footer: None, help: "suspend to the shell (fg comes back; jobs go on)" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: Action::SelectNext, footer: None, help: "select the next row" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: Action::SelectPrev, footer: None, help: "select the previous row" },
    Binding { mode: NORMAL, keys: &[c('g')], label: "g", action: Action::SelectFirst, footer: None, help: "jump to the first row" },
    Binding { mode: NORMAL, keys: &[c('G')], label: "G", action: Action::SelectLast, footer: None, help: "jump to the last row" },
    Binding { mode: NORMAL, keys: &[Key::Ctrl('d')], label: "Ctrl-D", action: ui(UiAction::HalfPage { down: true }), footer: None, help: "move down half a page" },
    Binding { mode: NORMAL, keys: &[Key::Ctrl('u')], label: "Ctrl-U", action: ui(UiAction::HalfPage { down: false }), footer: None, help: "move up half a page" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Tab)], label: "Tab", action: ui(UiAction::JumpRunning { forward: true }), footer: None, help: "jump to the next running job" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::BackTab)], label: "Shift-Tab", action: ui(UiAction::JumpRunning { forward: false }), footer: None, help: "jump to the previous running job" },
    Binding { mode: NORMAL, keys: &[c('F')], label: "F", action: ui(UiAction::JumpFailed), footer: None, help: "jump to the next failed or timed-out job" },
    Binding { mode: NORMAL, keys: &[c('s')], label: "s", action: Action::Start, footer: Some(("s", "start")), help: "start the selected job now, even while paused" },
    Binding { mode: NORMAL, keys: &[c('c')], label: "c", action: Action::Cancel, footer: Some(("c", "cancel")), help: "cancel the selected job and its processes" },
    Binding { mode: NORMAL, keys: &[c('C')], label: "C", action: Action::CancelAll, footer: None, help: "cancel every job (asks first)" },
    Binding { mode: NORMAL, keys: &[c('r')], label: "r", action: Action::Rerun, footer: Some(("r", "re-run")), help: "re-run the selected finished job" },
    Binding { mode: NORMAL, keys: &[c('R')], label: "R", action: Action::RerunFailed, footer: None, help: "re-run every failed, cancelled and timed-out job" },
    Binding { mode: NORMAL, keys: &[c('p')], label: "p", action: Action::TogglePause, footer: Some(("p", "pause")), help: "pause or resume dispatch (running jobs go on)" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: Action::ToggleLog, footer: Some(("Enter", "log")), help: "show or hide the log pane" },
    Binding { mode: NORMAL, keys: &[c('o')], label: "o", action: Action::OpenLog, footer: Some(("o", "pager")), help: "open the full log in $PAGER (default less)" },
    Binding { mode: NORMAL, keys: &[c('e')], label: "e", action: Action::OpenEditor, footer: None, help: "edit the project at its error ($VISUAL/$EDITOR)" },
    Binding { mode: NORMAL, keys: &[c('W')], label: "W", action: Action::ToggleWatch, footer: None, help: "watch mode: re-run a project when its files change" },
    Binding { mode: NORMAL, keys: &[c('D')], label: "D", action: Action::Options(OptionsAction::Ask), footer: None, help: "add a -D VAR=VALUE to the project and re-run it" },
    Binding { mode: NORMAL, keys: &[c('U')], label: "U", action: Action::Options(OptionsAction::Remove), footer: None, help: "remove the project's own -D options" },
    Binding { mode: NORMAL, keys: &[c('+'), c('=')], label: "+", action: Action::AddWorker, footer: Some(("+/-", "pool")), help: "grow the pool by one worker" },
    Binding { mode: NORMAL, keys: &[c('-')], label: "-", action: Action::RemoveWorker, footer: None, help: "shrink the pool by one worker" },
    Binding { mode: NORMAL, keys: &[c('w')], label: "w", action: ui(UiAction::ToggleWorkers), footer: Some(("w", "workers")), help: "show or hide the workers panel (one line per worker)" },
    Binding { mode: NORMAL, keys: &[c('t')], label: "t", action: ui(UiAction::ToggleTimeline), footer: Some(("t", "timeline")), help: "show or hide the timeline (one lane per worker)" },
    Binding { mode: NORMAL, keys: &[c('f')], label: "f", action: ui(UiAction::ToggleFailedFilter), footer: Some(("f", "failed")), help: "show only failed jobs, or all again" },
    Binding { mode: NORMAL, keys: &[c('/')], label: "/", action: ui(UiAction::BeginSearch), footer: Some(("/", "search")), help: "search names, errors and details" },
    Binding { mode: NORMAL, keys: &[c('S')], label: "S", action: ui(UiAction::CycleSort), footer: Some(("S", "sort")), help: "sort by name, state or time (longest first)" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: ui(UiAction::ClearFilters), footer: None, help: "clear a kept search and the failed filter" },
    Binding { mode: NORMAL, keys: &[c('v')], label: "v", action: log(LogAction::ToggleWrap), footer: None, help: "wrap long log lines, or cut them" },
    Binding { mode: NORMAL, keys: &[c('L')], label: "L", action: log(LogAction::BeginSearch), footer: None, help: "search the log pane (then n / N)" },
    Binding { mode: NORMAL, keys: &[c('n')], label: "n", action: log(LogAction::NextMatch), footer: None, help: "the next match of the log search" },
    Binding { mode: NORMAL, keys: &[c('N')], label: "N", action: log(LogAction::PrevMatch), footer: None, help: "the previous match of the log search" },
    Binding { mode: NORMAL, keys: &[c('y')], label: "y", action: log(LogAction::CopyError), footer: None, help: "copy the job's error (OSC 52 clipboard)" },
    Binding { mode: NORMAL, keys: &[c('Y')], label: "Y", action: log(LogAction::CopyLogPath), footer: None, help: "copy the job's log path (OSC 52 clipboard)" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::PageUp)], label: "PgUp", action: ui(UiAction::LogPageUp), footer: None, help: "scroll the log up a page" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::PageDown)], label: "PgDn", action: ui(UiAction::LogPageDown), footer: None, help: "scroll the log down a page" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::Home)], label: "Home", action: ui(UiAction::LogTop), footer: None, help: "scroll to the start of the log" },
    Binding { mode: NORMAL, keys: &[Key::Plain(KeyCode::End)], label: "End", action: ui(UiAction::LogBottom), footer: None, help: "follow the end of the log" },
    Binding { mode: NORMAL, keys: &[c('x')], label: "x", action: cause(CauseAction::Toggle), footer: Some(("x", "causes")), help: "the failed jobs' causes, with counts" },
    Binding { mode: NORMAL, keys: &[c('?')], label: "?", action: ui(UiAction::ToggleHelp), footer: Some(("?", "help")), help: "help: show every key" },
    Binding { mode: NORMAL, keys: &[c('q')], label: "q", action: Action::Quit, footer: Some(("q", "quit")), help: "quit (asks first while jobs run)" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('y'), Key::Plain(KeyCode::Enter)], label: "y/Enter", action: Action::Confirm, footer: Some(("y", "yes")), help: "yes: quit, or cancel every job" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('q')], label: "q", action: Action::Quit, footer: None, help: "quit (q twice quits)" },
    Binding { mode: Some(Mode::Confirm), keys: &[c('n'), Key::Plain(KeyCode::Esc)], label: "n/Esc", action: Action::Dismiss, footer: Some(("n", "no")), help: "no: keep the jobs running" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: ui(UiAction::SubmitSearch), footer: Some(("Enter", "keep")), help: "keep the search" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: ui(UiAction::CancelSearch), footer: Some(("Esc", "clear")), help: "clear the search" },
    Binding { mode: Some(Mode::Search), keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: ui(UiAction::SearchBackspace), footer: None, help: "delete a character" },
    Binding { mode: Some(Mode::Help), keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: ui(UiAction::HelpScroll { down: true }), footer: None, help: "scroll this list down" },
    Binding { mode: Some(Mode::Help), keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: ui(UiAction::HelpScroll { down: false }), footer: None, help: "scroll this list up" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Down), c('j')], label: "↓/j", action: cause(CauseAction::Next), footer: None, help: "the next cause" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Up), c('k')], label: "↑/k", action: cause(CauseAction::Prev), footer: None, help: "the previous cause" },
    Binding { mode: CAUSES, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: cause(CauseAction::Choose), footer: Some(("Enter", "show")), help: "show only this cause's jobs" },
    Binding { mode: CAUSES, keys: &[c('R')], label: "R", action: cause(CauseAction::Rerun), footer: Some(("R", "re-run")), help: "re-run this cause's jobs" },
    Binding { mode: CAUSES, keys: &[c('x'), c('q'), Key::Plain(KeyCode::Esc)], label: "x/Esc", action: cause(CauseAction::Toggle), footer: Some(("Esc", "close")), help: "close the causes" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: Action::Options(OptionsAction::Submit), footer: Some(("Enter", "add")), help: "add the option and re-run the project" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: Action::Options(OptionsAction::Cancel), footer: Some(("Esc", "cancel")), help: "cancel: add nothing" },
    Binding { mode: Some(Mode::Options), keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: Action::Options(OptionsAction::Backspace), footer: None, help: "delete a character" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Enter)], label: "Enter", action: log(LogAction::SubmitSearch), footer: Some(("Enter", "find")), help: "find: jump to the first match" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Esc)], label: "Esc", action: log(LogAction::CancelSearch), footer: Some(("Esc", "clear")), help: "clear the log search" },
    Binding { mode: LOG_SEARCH, keys: &[Key::Plain(KeyCode::Backspace)], label: "Bksp", action: log(LogAction::SearchBackspace), footer: None, help: "delete a character" },
    Binding { mode: Some(Mode::Help), keys: &[c('?'), c('q'), Key::Plain(KeyCode::Esc)], label: "?/Esc", action: ui(UiAction::ToggleHelp), footer: Some(("?/Esc", "close")), help: "close this help" },
];

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

/// The `(keys, word, action)` hints the footer shows in `mode`, in table order.
pub fn footer_hints(mode: Mode) -> impl Iterator<Item = (&'static str, &'static str, Action)> {
    KEYMAP
        .iter()
        .filter(move |b| b.mode == Some(mode))
        .filter_map(|b| b.footer.map(|(label, word)| (label, word, b.action)))
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

    /// The README's Keys section names every key of the table, so it cannot fall behind.
    #[test]
    fn readme_lists_every_key() {
        let readme = include_str!("../../README.md");
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
                    readme.contains(&format!("`{name}`")),
                    "README.md's Keys section lacks `{name}` ({})",
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
            if let Some((_, word)) = binding.footer {
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
    fn footer_comes_from_the_table() {
        let hints: Vec<_> = footer_hints(Mode::Normal)
            .map(|(label, word, _)| (label, word))
            .collect();
        assert!(hints.contains(&("s", "start")));
        assert!(hints.contains(&("+/-", "pool")));
        assert!(hints.contains(&("q", "quit")));
        assert!(!hints.iter().any(|(label, _)| *label == "C"));
    }
}
