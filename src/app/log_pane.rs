//! Reading a log in the pane: wrapping long lines (`L`), searching the held lines (`l` to
//! type a pattern, then `n` / `N` for the next and previous match, which scroll the pane to
//! it), and copying the selected job's log path or error (`y` / `Y`) to the clipboard.
//!
//! Matching ignores ASCII case and nothing else, so a match's byte range is the same in the
//! line and in its lowercase copy, and the view can highlight exactly what was found.

use super::ui_state::first_held_line;
use super::{Effect, LogScroll, Model};

/// Where `query` (already ASCII-lowercase) occurs in `line`, as byte ranges.
pub fn match_ranges(line: &str, query: &str) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    line.to_ascii_lowercase()
        .match_indices(query)
        .map(|(at, found)| (at, at + found.len()))
        .collect()
}

fn holds(line: &str, query: &str) -> bool {
    !query.is_empty() && line.to_ascii_lowercase().contains(query)
}

impl Model {
    /// `L`: long lines wrap in the pane, or are cut at its edge again.
    pub(super) fn toggle_wrap(&mut self) {
        self.ui.wrap_log = !self.ui.wrap_log;
        if !self.show_log {
            self.ui.notice = Some("Enter opens the log pane".into());
        }
    }

    /// `l`: starts typing a pattern to find in the selected job's log (opening the pane).
    pub(super) fn begin_log_search(&mut self) {
        self.show_log = true;
        self.ui.log_typing = true;
        self.ui.log_query.clear();
    }

    /// A character typed into the log search: the pane moves to the first match from where
    /// it is, as less does while a pattern is typed.
    pub(super) fn log_search_char(&mut self, c: char) {
        self.ui.log_query.push(c.to_ascii_lowercase());
        self.jump_to_match(true, true);
    }

    pub(super) fn log_search_backspace(&mut self) {
        self.ui.log_query.pop();
    }

    /// `Enter`: keep the pattern for `n` / `N`.
    pub(super) fn submit_log_search(&mut self) {
        self.ui.log_typing = false;
        if !self.ui.log_query.is_empty() && !self.jump_to_match(true, true) {
            self.ui.notice = Some(format!("no held line holds {:?}", self.ui.log_query));
        }
    }

    /// `Esc` while typing: no pattern any more.
    pub(super) fn cancel_log_search(&mut self) {
        self.ui.log_typing = false;
        self.ui.log_query.clear();
    }

    /// `n` / `N`: the next (or previous) line holding the pattern, wrapping around.
    pub(super) fn next_match(&mut self, forward: bool) {
        if self.ui.log_query.is_empty() {
            self.ui.notice = Some("l searches the log first".into());
        } else if !self.jump_to_match(forward, false) {
            self.ui.notice = Some(format!("no held line holds {:?}", self.ui.log_query));
        }
    }

    /// Scrolls the pane so the next matching line (from the pane's top line, which counts
    /// when `inclusive`) is its top line. False when no held line matches.
    fn jump_to_match(&mut self, forward: bool, inclusive: bool) -> bool {
        let height = usize::from(self.ui.viewport.log.height).max(1);
        let Some(row) = self.selected_shown_job() else {
            return false;
        };
        let lines = row.output.lines();
        let len = lines.len();
        if len == 0 {
            return false;
        }
        let top = self.log_start(row, height);
        let query = &self.ui.log_query;
        let first = usize::from(!inclusive);
        let found = (first..first + len)
            .map(|step| {
                if forward {
                    (top + step) % len
                } else {
                    (top + len - step % len) % len
                }
            })
            .find(|&index| holds(&lines[index], query));
        let Some(index) = found else {
            return false;
        };
        let first_line = first_held_line(row);
        self.ui.log_scroll = LogScroll::At(first_line + index as u64);
        true
    }

    /// `y`: the selected job's log path to the clipboard.
    pub(super) fn copy_log_path(&mut self) -> Vec<Effect> {
        let log = self.selected_shown_job().and_then(|row| {
            let log = row.log.as_ref().or(row.log_path.as_ref())?;
            Some(log.display().to_string())
        });
        self.copy(log, "the log path", "this job has no log")
    }

    /// `Y`: the selected job's error to the clipboard.
    pub(super) fn copy_error(&mut self) -> Vec<Effect> {
        let error = self.selected_shown_job().and_then(|row| row.error.clone());
        self.copy(error, "the error", "this job has no error")
    }

    fn copy(&mut self, text: Option<String>, what: &'static str, missing: &str) -> Vec<Effect> {
        if let Some(text) = text {
            return vec![Effect::Copy { text, what }];
        }
        self.ui.notice = Some(missing.to_string());
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::match_ranges;
    use crate::app::test_support::{model, runs, send, start};
    use crate::app::{Action, Band, Effect, LogScroll, Model, Msg, UiAction, Viewport, update};
    use crate::engine::{EventKind, Finished, Outcome};

    fn ui(model: &mut Model, action: UiAction) -> Vec<Effect> {
        update(model, Msg::Action(Action::Ui(action)))
    }

    /// One running job whose output has `lines` lines (`line 0` …, with `error` at 5 and
    /// 12), in a pane 4 lines tall.
    fn with_output(lines: usize) -> Model {
        let mut m = model(1, 1, Instant::now());
        let first = runs(&m.start());
        start(&mut m, first[0], 0);
        let text = (0..lines)
            .map(|i| {
                if i == 5 || i == 12 {
                    format!("line {i}: CMake ERROR here")
                } else {
                    format!("line {i}")
                }
            })
            .collect();
        send(
            &mut m,
            first[0],
            EventKind::Output {
                lines: text,
                skipped: 0,
            },
        );
        update(
            &mut m,
            Msg::Viewport(Viewport {
                log: Band { top: 10, height: 4 },
                ..Viewport::default()
            }),
        );
        m
    }

    fn top_line(m: &Model) -> u64 {
        match m.ui.log_scroll {
            LogScroll::At(line) => line,
            LogScroll::Follow => u64::MAX,
        }
    }

    #[test]
    fn typing_a_pattern_moves_to_its_first_match_and_n_goes_on_wrapping() {
        let mut m = with_output(20);
        ui(&mut m, UiAction::BeginLogSearch);
        assert!(m.show_log && m.ui.log_typing);
        for c in "Error".chars() {
            ui(&mut m, UiAction::LogSearchChar(c));
        }
        ui(&mut m, UiAction::SubmitLogSearch);
        assert_eq!(m.ui.log_query, "error", "case is ignored");
        assert_eq!(top_line(&m), 5, "the first match from the top of the pane");
        ui(&mut m, UiAction::NextMatch { forward: true });
        // Line 12 is near the end: the pane stops at its last page but shows it.
        let start = m.log_start(&m.jobs[0], 4);
        assert!((start..start + 4).contains(&12), "{start}");
        ui(&mut m, UiAction::NextMatch { forward: false });
        assert_eq!(top_line(&m), 5, "back to the previous match");
        assert_eq!(m.ui.notice(), None);
    }

    #[test]
    fn a_pattern_that_matches_nothing_says_so() {
        let mut m = with_output(20);
        ui(&mut m, UiAction::NextMatch { forward: true });
        assert_eq!(m.ui.notice(), Some("l searches the log first"));
        ui(&mut m, UiAction::BeginLogSearch);
        ui(&mut m, UiAction::LogSearchChar('z'));
        ui(&mut m, UiAction::SubmitLogSearch);
        assert_eq!(m.ui.notice(), Some("no held line holds \"z\""));
        assert_eq!(m.ui.log_scroll, LogScroll::Follow, "the pane stays");
    }

    #[test]
    fn y_and_capital_y_copy_the_log_path_and_the_error() {
        let mut m = with_output(3).with_log_paths(["/logs/job0/configure.log".into()]);
        let run = (crate::engine::JobId(0), m.jobs[0].run);
        assert_eq!(
            update(&mut m, Msg::Action(Action::CopyLogPath)),
            [Effect::Copy {
                text: "/logs/job0/configure.log".into(),
                what: "the log path"
            }]
        );
        assert!(update(&mut m, Msg::Action(Action::CopyError)).is_empty());
        assert_eq!(m.ui.notice(), Some("this job has no error"));
        let failed = Finished {
            outcome: Outcome::Failed {
                code: Some(1),
                signal: None,
            },
            elapsed: Duration::from_secs(1),
            cpu: None,
            error: Some("Could NOT find Boost".into()),
            log: None,
        };
        send(&mut m, run, EventKind::Finished(failed));
        assert_eq!(
            update(&mut m, Msg::Action(Action::CopyError)),
            [Effect::Copy {
                text: "Could NOT find Boost".into(),
                what: "the error"
            }]
        );
    }

    #[test]
    fn matches_ignore_ascii_case_and_keep_byte_ranges() {
        assert_eq!(
            match_ranges("CMake Error: cmake", "cmake"),
            [(0, 5), (13, 18)]
        );
        assert_eq!(match_ranges("ÉCMAKE", "cmake"), [(2, 7)]);
        assert!(match_ranges("anything", "").is_empty());
    }
}
