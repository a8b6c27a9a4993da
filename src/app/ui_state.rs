//! What the live table shows and where: the failed-only filter, the name search, the
//! selection's place among the shown rows, the table and log scroll offsets, the help overlay,
//! and the screen regions the loop last reported.
//!
//! It is plain data, like the rest of the model, so the view stays a pure function of
//! `&Model` and every key is testable without a terminal. Rows are `JobId` indices; a filter
//! keeps a sorted list of the shown ones, so finding the selection's place is a binary search
//! and no key walks every row (10,000 rows stay smooth); a sort order (`navigation.rs`) keeps
//! each job's place in a table beside its permutation, for the same reason.

use super::navigation::{SortOrder, sort_rows};
use super::{CausesPanel, Effect, JobRow, JobState, LogView, Model, Overlay, Prompt};

/// A horizontal band of screen rows: where a region's body starts and how tall it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Band {
    /// The first screen row.
    pub top: u16,
    /// Rows in the band.
    pub height: u16,
}

impl Band {
    /// Whether screen row `row` lies in the band.
    pub fn contains(self, row: u16) -> bool {
        row >= self.top && row - self.top < self.height
    }
}

/// Where the table body and the log text were drawn, reported by the loop after a layout
/// change so the model can keep scroll offsets and map mouse clicks to rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewport {
    /// The table's rows, below its column titles.
    pub table: Band,
    /// The log pane's text lines (empty while the pane is closed).
    pub log: Band,
    /// Help lines that do not fit in the help box (0 while it is closed or fits): how far
    /// it can scroll.
    pub help_overflow: u16,
    /// Help lines the box shows at once: what `PgDn` scrolls.
    pub help_page: u16,
    /// The timeline's columns of cells (0 while it is closed): the width the model keeps
    /// its finished runs' cells for (`timeline.rs`).
    pub timeline_columns: u16,
}

/// Which pane has the keys that act on a pane: `/` searches it, `PgUp`/`PgDn` scroll it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    /// The job table.
    #[default]
    Table,
    /// The log pane (opening it with `Enter` moves there; `Esc` goes back to the table).
    Log,
}

/// Which part of the selected job's output the log pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogScroll {
    /// The newest lines, moving as output arrives.
    #[default]
    Follow,
    /// A fixed window starting at this line number of the run's output (counted from the
    /// run's first line, so it stays put while new lines arrive or old ones are dropped).
    At(u64),
}

/// User actions that only change what is shown. Wrapped in `Action::Ui`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiAction {
    /// Show only failed (and timed-out) jobs, or every job again.
    ToggleFailedFilter,
    /// Start typing a name search.
    BeginSearch,
    /// A character typed into the search.
    SearchChar(char),
    /// Delete the last character of the search.
    SearchBackspace,
    /// Keep the search and go back to normal keys.
    SubmitSearch,
    /// Clear the search and go back to normal keys.
    CancelSearch,
    /// Clear a kept search and the failed-only filter: every row again.
    ClearFilters,
    /// Scroll the log pane up a page.
    LogPageUp,
    /// Scroll the log pane down a page.
    LogPageDown,
    /// Show the first held log line.
    LogTop,
    /// Follow the newest log lines.
    LogBottom,
    /// Show or hide the list of every key.
    ToggleHelp,
    /// Scroll the key list one line down (true) or up.
    HelpScroll {
        /// Toward the end (true) or the start.
        down: bool,
    },
    /// Scroll the key list a page down (true) or up.
    HelpPage {
        /// Toward the end (true) or the start.
        down: bool,
    },
    /// Scroll the key list to its end (true) or its start.
    HelpEdge {
        /// The end (true) or the start.
        end: bool,
    },
    /// Show or hide the workers panel.
    ToggleWorkers,
    /// Show or hide the timeline.
    ToggleTimeline,
    /// Select the next running row after the selection (wrapping), or the previous one.
    JumpRunning {
        /// Down the table (true) or up.
        forward: bool,
    },
    /// Select the next failed or timed-out row after the selection (wrapping).
    JumpFailed,
    /// Sort the table by the next order: name, state, time.
    CycleSort,
    /// Move the selection half a table height down (true) or up.
    HalfPage {
        /// Down the table (true) or up.
        down: bool,
    },
    /// Draw with colours or without (`NO_COLOR`).
    SetNoColor(bool),
    /// A mouse click at a screen row.
    Click {
        /// The screen row.
        row: u16,
    },
    /// A mouse wheel turn at a screen row.
    Wheel {
        /// The screen row under the pointer.
        row: u16,
        /// Toward the end (true) or the start.
        down: bool,
    },
}

/// Lines or rows one wheel notch moves.
const WHEEL_STEP: usize = 3;

/// The TUI's view state. Lives in `Model::ui`.
#[derive(Debug, Clone, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent view switches, not a state machine"
)]
pub struct UiState {
    /// What has the keyboard besides the table: help, the causes panel, a prompt or a
    /// question (`overlay.rs`).
    pub overlay: Overlay,
    /// Index of the selected row in the job list.
    pub selected: usize,
    /// The selected part's row under the selected job (a test of a test stage), if a part's
    /// row rather than the job's is selected.
    pub selected_part: Option<usize>,
    /// Whether the log pane is open.
    pub show_log: bool,
    /// The pane `/` searches: the log pane while it is open and was moved to.
    pub focus: Pane,
    /// The causes panel's highlighted cause (`causes.rs`).
    pub causes_panel: CausesPanel,
    /// The log pane's wrap switch and search (`log_view.rs`).
    pub log_view: LogView,
    /// Show only failed jobs.
    pub failed_only: bool,
    /// The name search; empty shows every name.
    pub query: String,
    /// Show only the jobs of this cause (chosen in the causes panel).
    pub cause: Option<String>,
    /// Whether the workers panel is showing.
    pub show_workers: bool,
    /// Whether the timeline is showing.
    pub show_timeline: bool,
    /// How far the key list is scrolled.
    pub help_scroll: u16,
    /// The first shown row at the top of the table.
    pub table_offset: usize,
    /// The log pane's position.
    pub log_scroll: LogScroll,
    /// The regions last drawn.
    pub viewport: Viewport,
    /// Draw without colours (`NO_COLOR`).
    pub(super) no_color: bool,
    /// A one-line message for the user (e.g. the pager could not start); cleared by a key.
    pub(super) notice: Option<String>,
    /// How the rows are ordered.
    pub sort: SortOrder,
    /// Whether the user moved the selection: until then it follows the longest-running row.
    pub(super) pinned: bool,
    /// The shown rows' job indices in display order while a filter or a sort is on (in
    /// job order when only a filter is); `None` shows every row in job order.
    shown: Option<Vec<usize>>,
    /// Each job's place in `shown` (`usize::MAX` when hidden), kept while a sort is on,
    /// when `shown` is no longer in job order and cannot be binary-searched.
    positions: Option<Vec<usize>>,
    /// Whether a row changed since a sort was applied: the order is redone on the next tick.
    pub(super) order_stale: bool,
    /// When the shown rows were last filtered and sorted: a stale order waits for
    /// `navigation::RESORT_EVERY` to pass.
    pub(super) sorted_at: Option<std::time::Instant>,
}

impl UiState {
    /// The one-line message for the user, if there is one.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether to draw without colours (`NO_COLOR`).
    pub fn is_no_color(&self) -> bool {
        self.no_color
    }
}

impl Model {
    /// Number of rows the table shows.
    pub fn shown_len(&self) -> usize {
        self.ui.shown.as_ref().map_or(self.jobs.len(), Vec::len)
    }

    /// The job index of the shown row at `position`.
    pub fn shown_job(&self, position: usize) -> Option<usize> {
        match &self.ui.shown {
            None => (position < self.jobs.len()).then_some(position),
            Some(shown) => shown.get(position).copied(),
        }
    }

    /// The selected row's place among the shown rows, if it is shown.
    pub fn selected_position(&self) -> Option<usize> {
        self.position_of(self.ui.selected)
    }

    /// The selected row, if it is shown.
    pub fn selected_shown_job(&self) -> Option<&JobRow> {
        self.selected_position()
            .and_then(|_| self.jobs.get(self.ui.selected))
    }

    /// Whether job index `index` is shown.
    pub fn is_shown(&self, index: usize) -> bool {
        self.position_of(index).is_some()
    }

    pub(super) fn position_of(&self, index: usize) -> Option<usize> {
        if let Some(positions) = &self.ui.positions {
            return positions.get(index).copied().filter(|&p| p != usize::MAX);
        }
        match &self.ui.shown {
            None => (index < self.jobs.len()).then_some(index),
            Some(shown) => shown.binary_search(&index).ok(),
        }
    }

    /// Moves the selection `delta` shown rows, stopping at the ends.
    pub(super) fn move_selection(&mut self, delta: isize) {
        let len = self.shown_len();
        if len == 0 || self.move_among_parts(delta) {
            return;
        }
        let before = self.ui.selected;
        let current = self
            .selected_position()
            .unwrap_or_else(|| self.nearest_position());
        let target = current.saturating_add_signed(delta).min(len - 1);
        self.select_position(target);
        // Up from a job's row goes to the last part's row of the job above.
        if delta == -1 && self.ui.selected != before {
            let parts = self.jobs[self.ui.selected].parts().len();
            self.ui.selected_part = parts.checked_sub(1);
        }
    }

    /// One step (`delta` ±1) among the selected job's row and its parts' rows; `false` when
    /// the step leaves them.
    fn move_among_parts(&mut self, delta: isize) -> bool {
        let Some(row) = self.selected_shown_job() else {
            return false;
        };
        let parts = row.parts().len();
        let next = match (delta, self.ui.selected_part) {
            (1, None) if parts > 0 => Some(0),
            (1, Some(at)) if at + 1 < parts => Some(at + 1),
            (-1, Some(0)) => None,
            (-1, Some(at)) => Some(at.min(parts).saturating_sub(1)),
            _ => return false,
        };
        self.ui.selected_part = next;
        true
    }

    /// The name of the selected part's row, if one is selected and still there.
    pub fn selected_part_name(&self) -> Option<String> {
        let row = self.selected_shown_job()?;
        Some(row.parts().get(self.ui.selected_part?)?.name.clone())
    }

    /// Selects the shown row at `position` (clamped to the last one).
    pub(super) fn select_position(&mut self, position: usize) {
        let len = self.shown_len();
        if len == 0 {
            return;
        }
        let position = position.min(len - 1);
        if let Some(index) = self.shown_job(position) {
            if index != self.ui.selected {
                self.ui.log_scroll = LogScroll::Follow;
                self.ui.selected_part = None;
            }
            self.ui.selected = index;
        }
        self.scroll_to_selection();
    }

    /// The shown row closest to the (hidden) selected job: the next one, or else the last.
    fn nearest_position(&self) -> usize {
        if self.ui.positions.is_some() {
            // A sorted table has no "next in job order": its top.
            return 0;
        }
        match &self.ui.shown {
            None => self.ui.selected.min(self.jobs.len().saturating_sub(1)),
            Some(shown) => shown
                .partition_point(|&index| index < self.ui.selected)
                .min(shown.len().saturating_sub(1)),
        }
    }

    /// Moves the table offset the least needed to keep the selection on screen, so the table
    /// scrolls smoothly instead of jumping by pages.
    fn scroll_to_selection(&mut self) {
        let height = usize::from(self.ui.viewport.table.height).max(1);
        let len = self.shown_len();
        let mut offset = self.ui.table_offset.min(len.saturating_sub(height));
        if let Some(position) = self.selected_position() {
            if position < offset {
                offset = position;
            } else if position >= offset + height {
                offset = position + 1 - height;
            }
        }
        self.ui.table_offset = offset;
    }

    /// Rebuilds the shown rows after the filter, the search or the sort changed, keeping the
    /// selection on the same job when it is still shown.
    pub(super) fn apply_filter(&mut self) {
        self.reorder(false);
    }

    /// Filters and sorts the rows. `keep_shown` keeps the rows shown now even if they no
    /// longer match (a re-sort must not drop a failed row being re-run from the failed-only
    /// list while the user watches it).
    pub(super) fn reorder(&mut self, keep_shown: bool) {
        let query = self.ui.query.to_lowercase();
        let filtering = self.ui.failed_only || !query.is_empty() || self.ui.cause.is_some();
        let sorting = self.ui.sort != SortOrder::Name;
        let mut shown: Option<Vec<usize>> = (filtering || sorting).then(|| {
            (0..self.jobs.len())
                .filter(|&i| {
                    !filtering || self.matches_filter(i, &query) || (keep_shown && self.is_shown(i))
                })
                .collect()
        });
        self.ui.positions = None;
        // A search shows the rows whose name matches first, so `/MPI` lists the MPI
        // projects above the rows whose error merely mentions MPI (a stable sort keeps the
        // order within each group).
        let ranking = !query.is_empty()
            && shown.as_ref().is_some_and(|order| {
                let by_name = |&i: &usize| self.jobs[i].name.to_lowercase().contains(&query);
                order.iter().any(by_name) && !order.iter().all(by_name)
            });
        if let Some(order) = shown.as_mut().filter(|_| sorting || ranking) {
            if sorting {
                sort_rows(order, &self.jobs, self.ui.sort, self.now);
            }
            if ranking {
                order.sort_by_key(|&i| !self.jobs[i].name.to_lowercase().contains(&query));
            }
            let mut positions = vec![usize::MAX; self.jobs.len()];
            for (position, &index) in order.iter().enumerate() {
                positions[index] = position;
            }
            self.ui.positions = Some(positions);
        }
        self.ui.shown = shown;
        self.ui.order_stale = false;
        self.ui.sorted_at = Some(self.now);
        if self.selected_position().is_none() {
            let position = self.nearest_position();
            self.select_position(position);
        }
        self.scroll_to_selection();
    }

    fn matches_filter(&self, index: usize, lowercase_query: &str) -> bool {
        let row = &self.jobs[index];
        (!self.ui.failed_only || is_failure(row.state))
            && (lowercase_query.is_empty() || matches_query(row, lowercase_query))
            && self
                .ui
                .cause
                .as_deref()
                .is_none_or(|cause| self.kept_cause(index) == Some(cause))
    }

    /// Adds a job that just failed to the failed-only list. A row that stops failing (it was
    /// re-run) stays until the filter is applied again, so the user can watch the re-run end.
    pub(super) fn note_row_changed(&mut self, job: usize) {
        if self.ui.positions.is_some() {
            // A sorted order is redone on the next tick, failed rows included.
            self.ui.order_stale = true;
            return;
        }
        if !self.ui.failed_only || !is_failure(self.jobs[job].state) {
            return;
        }
        let query = self.ui.query.to_lowercase();
        if !self.matches_filter(job, &query) {
            return;
        }
        let Some(shown) = self.ui.shown.as_mut() else {
            return;
        };
        if let Err(at) = shown.binary_search(&job) {
            shown.insert(at, job);
            if shown.len() == 1 {
                self.ui.selected = job;
            }
        }
    }

    /// Shows only the jobs of `cause` (every job again for `None`).
    pub(super) fn filter_to_cause(&mut self, cause: Option<String>) {
        self.ui.cause = cause;
        self.apply_filter();
    }

    /// Takes the regions the loop drew and keeps the offsets valid for them.
    pub(super) fn set_viewport(&mut self, viewport: Viewport) {
        self.ui.viewport = viewport;
        self.ui.help_scroll = self.ui.help_scroll.min(viewport.help_overflow);
        self.scroll_to_selection();
        self.dirty = true;
    }

    pub(super) fn on_ui_action(&mut self, action: UiAction) -> Vec<Effect> {
        match action {
            UiAction::ToggleFailedFilter => {
                self.ui.failed_only = !self.ui.failed_only;
                self.apply_filter();
            }
            UiAction::BeginSearch if self.is_log_focused() => {
                return self.on_log_action(super::LogAction::BeginSearch);
            }
            UiAction::BeginSearch => self.ui.overlay = Overlay::Prompt(Prompt::Search),
            UiAction::SearchChar(c) => {
                self.ui.query.push(c);
                self.apply_filter();
            }
            UiAction::SearchBackspace => {
                self.ui.query.pop();
                self.apply_filter();
            }
            UiAction::SubmitSearch => self.ui.overlay.close_prompt(&Prompt::Search),
            UiAction::CancelSearch => {
                self.ui.overlay.close_prompt(&Prompt::Search);
                self.ui.query.clear();
                self.apply_filter();
            }
            UiAction::ClearFilters if self.is_log_focused() => self.ui.focus = Pane::Table,
            UiAction::ClearFilters => {
                self.ui.query.clear();
                self.ui.failed_only = false;
                self.ui.cause = None;
                self.apply_filter();
            }
            UiAction::LogPageUp => self.scroll_log_up(self.log_page()),
            UiAction::LogPageDown => self.scroll_log_down(self.log_page()),
            UiAction::LogTop => {
                if let Some(row) = self.selected_shown_job() {
                    self.ui.log_scroll = LogScroll::At(super::log_scroll::first_held_line(row));
                }
            }
            UiAction::LogBottom => self.ui.log_scroll = LogScroll::Follow,
            UiAction::ToggleHelp => {
                self.ui.overlay = if self.ui.overlay == Overlay::Help {
                    Overlay::None
                } else {
                    Overlay::Help
                };
                self.ui.help_scroll = 0;
            }
            UiAction::HelpScroll { down } => self.scroll_help(down, 1),
            UiAction::HelpPage { down } => {
                self.scroll_help(down, self.ui.viewport.help_page.max(1));
            }
            UiAction::HelpEdge { end } => self.scroll_help(end, u16::MAX),
            UiAction::ToggleWorkers => self.ui.show_workers = !self.ui.show_workers,
            UiAction::ToggleTimeline => self.ui.show_timeline = !self.ui.show_timeline,
            UiAction::JumpRunning { forward } => self.jump_running(forward),
            UiAction::JumpFailed => self.jump_failed(),
            UiAction::CycleSort => self.cycle_sort(),
            UiAction::HalfPage { down } => self.half_page(down),
            UiAction::SetNoColor(no_color) => self.ui.no_color = no_color,
            UiAction::Click { row } => {
                let table = self.ui.viewport.table;
                if self.ui.viewport.log.contains(row) {
                    self.ui.focus = Pane::Log;
                }
                if table.contains(row) {
                    self.ui.focus = Pane::Table;
                    // The lines the view drew: a test's row sits between its job's and the
                    // next job's, and the jobs in view may start below `table_offset`.
                    let lines = self.table_lines(usize::from(table.height));
                    let clicked = lines.get(usize::from(row - table.top)).copied();
                    let (job, part) = match clicked {
                        Some(super::TableLine::Job(job)) => (job, None),
                        Some(super::TableLine::Part(job, part)) => (job, Some(part)),
                        None => return Vec::new(),
                    };
                    if let Some(position) = self.position_of(job) {
                        self.ui.pinned = true;
                        self.select_position(position);
                        self.ui.selected_part = part;
                    }
                }
            }
            UiAction::Wheel { row, down } => {
                if self.ui.viewport.log.contains(row) {
                    if down {
                        self.scroll_log_down(WHEEL_STEP);
                    } else {
                        self.scroll_log_up(WHEEL_STEP);
                    }
                } else if self.ui.viewport.table.contains(row) {
                    let step = isize::try_from(WHEEL_STEP).unwrap_or(1);
                    self.ui.pinned = true;
                    self.move_selection(if down { step } else { -step });
                }
            }
        }
        Vec::new()
    }

    /// Whether the log pane shows and has the keys.
    pub fn is_log_focused(&self) -> bool {
        self.ui.show_log && self.ui.focus == Pane::Log
    }

    fn scroll_help(&mut self, down: bool, lines: u16) {
        self.ui.help_scroll = if down {
            self.ui
                .help_scroll
                .saturating_add(lines)
                .min(self.ui.viewport.help_overflow)
        } else {
            self.ui.help_scroll.saturating_sub(lines)
        };
    }
}

/// What the failed-only filter shows.
fn is_failure(state: JobState) -> bool {
    matches!(state, JobState::Failed | JobState::Timeout)
}

/// Whether a row's name holds the query, or a word of its error or detail starts with it
/// (`/MPI` finds the jobs whose error says MPI, `/cached` the re-configured ones, but not
/// every error that says COMPILER).
fn matches_query(row: &JobRow, lowercase_query: &str) -> bool {
    let has_word = |text: &str| {
        let text = text.to_lowercase();
        text.match_indices(lowercase_query).any(|(at, _)| {
            text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    };
    row.name.to_lowercase().contains(lowercase_query)
        || row.result.error.as_deref().is_some_and(has_word)
        || row
            .extra()
            .detail
            .as_ref()
            .is_some_and(|detail| has_word(&detail.to_string()))
}
