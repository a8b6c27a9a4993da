//! The log pane's own switches: wrapping long lines, and searching the selected job's held
//! output (a pattern, then `n`/`N` to the next and previous match, which the pane scrolls
//! to and highlights). Also copying the job's log path or error to the clipboard.

use super::{Effect, LogScroll, Model, Overlay, Prompt};

/// What the log pane shows besides the lines themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogView {
    /// Wrap long lines instead of cutting them at the pane's width.
    pub wrap: bool,
    /// The search pattern; empty when there is no search.
    pub query: String,
    /// The line number (counted from the run's first line) of the match last jumped to.
    pub current: Option<u64>,
}

/// What the log pane's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    /// Wrap long lines, or cut them again.
    ToggleWrap,
    /// Start typing a search pattern (opens the pane).
    BeginSearch,
    /// A character typed into the pattern.
    SearchChar(char),
    /// Delete the pattern's last character.
    SearchBackspace,
    /// Keep the pattern and jump to its first match.
    SubmitSearch,
    /// Drop the pattern.
    CancelSearch,
    /// Jump to the next match.
    NextMatch,
    /// Jump to the previous match.
    PrevMatch,
    /// Copy the selected job's log path to the clipboard.
    CopyLogPath,
    /// Copy the selected job's error to the clipboard.
    CopyError,
}

/// Lines shown above a match the pane jumps to, so it is read in its context.
const CONTEXT: u64 = 2;

impl Model {
    /// Whether `line` holds the log search's pattern (case-insensitive).
    pub fn is_log_match(&self, line: &str) -> bool {
        !self.ui.log_view.query.is_empty()
            && line
                .to_lowercase()
                .contains(&self.ui.log_view.query.to_lowercase())
    }

    pub(super) fn on_log_action(&mut self, action: LogAction) -> Vec<Effect> {
        match action {
            LogAction::ToggleWrap => self.ui.log_view.wrap = !self.ui.log_view.wrap,
            LogAction::BeginSearch => {
                self.ui.show_log = true;
                self.ui.overlay = Overlay::Prompt(Prompt::LogSearch);
                self.ui.log_view.query.clear();
                self.ui.log_view.current = None;
            }
            LogAction::SearchChar(c) => self.ui.log_view.query.push(c),
            LogAction::SearchBackspace => {
                self.ui.log_view.query.pop();
            }
            LogAction::SubmitSearch => {
                self.ui.overlay.close_prompt(&Prompt::LogSearch);
                self.jump_to_match(true, true);
            }
            LogAction::CancelSearch => {
                self.ui.overlay.close_prompt(&Prompt::LogSearch);
                self.ui.log_view = LogView {
                    wrap: self.ui.log_view.wrap,
                    ..LogView::default()
                };
            }
            LogAction::NextMatch => self.jump_to_match(true, false),
            LogAction::PrevMatch => self.jump_to_match(false, false),
            LogAction::CopyLogPath | LogAction::CopyError => return self.copy(action),
        }
        Vec::new()
    }

    /// Scrolls the pane to the next (or previous) held line holding the pattern, after (or
    /// before) the current match; `from_start` looks from the first held line.
    fn jump_to_match(&mut self, forward: bool, from_start: bool) {
        if self.ui.log_view.query.is_empty() {
            self.ui.notice = Some("no log search: L starts one".into());
            return;
        }
        let Some(row) = self.selected_shown_job() else {
            return;
        };
        let lines = row.output.lines();
        let first = row.output.total.saturating_sub(lines.len() as u64);
        let matches: Vec<u64> = lines
            .iter()
            .enumerate()
            .filter(|(_, line)| self.is_log_match(line))
            .map(|(index, _)| first + index as u64)
            .collect();
        let current = if from_start {
            None
        } else {
            self.ui.log_view.current
        };
        let found = match (current, forward) {
            (None, true) => matches.first().copied(),
            (None, false) => matches.last().copied(),
            (Some(at), true) => matches
                .iter()
                .copied()
                .find(|&m| m > at)
                .or(matches.first().copied()),
            (Some(at), false) => matches
                .iter()
                .rev()
                .copied()
                .find(|&m| m < at)
                .or(matches.last().copied()),
        };
        let Some(found) = found else {
            self.ui.notice = Some(format!("not in the log: {}", self.ui.log_view.query));
            return;
        };
        self.ui.log_view.current = Some(found);
        self.ui.log_scroll = LogScroll::At(found.saturating_sub(CONTEXT).max(first));
    }

    fn copy(&mut self, action: LogAction) -> Vec<Effect> {
        let Some(row) = self.selected_shown_job() else {
            return Vec::new();
        };
        let (what, text) = if action == LogAction::CopyLogPath {
            let log = row.log.clone().or_else(|| row.log_path.clone());
            ("log path", log.map(|p| p.display().to_string()))
        } else {
            ("error", row.result.error.clone())
        };
        if let Some(text) = text {
            self.ui.notice = Some(format!("copied the {what} to the clipboard"));
            vec![Effect::Copy(text)]
        } else {
            self.ui.notice = Some(format!("no {what} to copy"));
            Vec::new()
        }
    }
}
