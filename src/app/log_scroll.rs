//! The log pane's scroll: where its window starts in a run's held lines, following the end
//! or pinned to a line that stays put while more comes in.

use super::{JobRow, LogScroll, Model};

impl Model {
    /// Where the log pane's window starts in `row`'s held lines, for a pane `height` lines tall.
    pub fn log_start(&self, row: &JobRow, height: usize) -> usize {
        let held = row.output.lines().len();
        let last_start = held.saturating_sub(height);
        match self.ui.log_scroll {
            LogScroll::Follow => last_start,
            LogScroll::At(line) => {
                let first = first_held_line(row);
                usize::try_from(line.saturating_sub(first))
                    .unwrap_or(usize::MAX)
                    .min(last_start)
            }
        }
    }

    pub(super) fn log_page(&self) -> usize {
        usize::from(self.ui.viewport.log.height).max(1)
    }

    pub(super) fn scroll_log_up(&mut self, lines: usize) {
        let height = self.log_page();
        let Some(row) = self.selected_shown_job() else {
            return;
        };
        let start = self.log_start(row, height).saturating_sub(lines);
        self.ui.log_scroll = LogScroll::At(first_held_line(row) + start as u64);
    }

    pub(super) fn scroll_log_down(&mut self, lines: usize) {
        let height = self.log_page();
        let Some(row) = self.selected_shown_job() else {
            return;
        };
        let start = self.log_start(row, height) + lines;
        self.ui.log_scroll = if start + height >= row.output.lines().len() {
            LogScroll::Follow
        } else {
            LogScroll::At(first_held_line(row) + start as u64)
        };
    }
}

/// The line number of the oldest held line, counted from the run's first line.
pub(super) fn first_held_line(row: &JobRow) -> u64 {
    row.output
        .total
        .saturating_sub(row.output.lines().len() as u64)
}
