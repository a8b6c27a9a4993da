//! The live timeline (`t`): one lane per worker slot, time running left to right, each run a
//! span in its outcome's colour (a running one in the running colour), idle time dotted.
//!
//! How it stays readable at any width: the window grows in steps with the session (10 s,
//! 20 s, 30 s, 1 min, 2 min, 5 min) and, once the session is longer than the last step,
//! scrolls, showing the latest 5 minutes. Compressing a whole long session into the width
//! would shrink every run to less than a column; scrolling keeps recent runs wide enough to
//! see while the steps keep the scale still (it changes only when a step is passed, not on
//! every tick). Everything is computed from `&Model`: the clock is `model.now`.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format_duration;
use crate::app::{JobState, Model};
use crate::engine::WorkerId;
use crate::ui::theme::Theme;

/// The window lengths the timeline steps through, in seconds; the last one is the cap.
const WINDOW_STEPS: [u64; 6] = [10, 20, 30, 60, 120, 300];

/// Columns before the lanes, for the worker's name.
const LABEL: u16 = 4;

/// The part of the session the timeline shows, as offsets from the session's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Window {
    /// The left edge.
    pub start: Duration,
    /// The width in time.
    pub length: Duration,
}

impl Window {
    /// The window for a session `elapsed` long: the smallest step that holds it, or the last
    /// step's worth of the most recent time.
    pub fn for_elapsed(elapsed: Duration) -> Self {
        let cap = Duration::from_secs(WINDOW_STEPS[WINDOW_STEPS.len() - 1]);
        let length = WINDOW_STEPS
            .iter()
            .map(|&s| Duration::from_secs(s))
            .find(|&step| step >= elapsed)
            .unwrap_or(cap);
        Self {
            start: elapsed.saturating_sub(length),
            length,
        }
    }
}

/// What one timeline cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    /// Time that has not happened yet.
    Future,
    /// The worker had no run.
    Idle,
    /// A run in this state covered (most of) the cell; `first` marks the cell it began in,
    /// so back-to-back runs stay apart.
    Run {
        /// The run's state.
        state: JobState,
        /// Whether the run began in this cell (and goes on past it).
        first: bool,
    },
}

/// Rows the timeline needs for `model`: a title, one line per lane (retired ones too) and
/// the time axis.
pub(super) fn height(model: &Model) -> u16 {
    u16::try_from(model.lanes().len() + model.retired_lanes().len() + 2).unwrap_or(u16::MAX)
}

/// Every lane to draw, in slot order, each with whether its worker has retired.
fn all_lanes(model: &Model) -> Vec<(WorkerId, bool)> {
    let mut lanes: Vec<(WorkerId, bool)> = model
        .lanes()
        .into_iter()
        .map(|w| (w, false))
        .chain(model.retired_lanes().into_iter().map(|w| (w, true)))
        .collect();
    lanes.sort_unstable();
    lanes
}

/// One lane's cells across `columns` columns of `window`. Each cell shows the run that
/// overlaps it most, so a run shorter than a column still shows in the cell it ran in.
pub(super) fn lane_marks(
    model: &Model,
    worker: WorkerId,
    window: Window,
    columns: usize,
) -> Vec<Mark> {
    let elapsed = model.work_elapsed();
    let start = window.start.as_secs_f64();
    let column = window.length.as_secs_f64() / float(columns.max(1));
    let mut marks: Vec<Mark> = (0..columns)
        .map(|c| {
            if start + float(c) * column < elapsed.as_secs_f64() {
                Mark::Idle
            } else {
                Mark::Future
            }
        })
        .collect();
    let mut best = vec![-1.0_f64; columns];
    let finished = model
        .activity
        .spans
        .iter()
        .filter(|span| span.worker == worker)
        .map(|span| (span.start, span.end, span.state));
    let running = model
        .activity
        .worker_stats
        .get(&worker)
        .and_then(|stats| stats.current)
        .map(|(job, run, since)| {
            let row = model.job(job);
            // A superseded run still on its worker is being cancelled.
            let state = if row.run == run {
                row.state
            } else {
                JobState::Cancelling
            };
            (
                since.saturating_duration_since(model.started_at),
                elapsed,
                state,
            )
        });
    for (from, to, state) in finished.chain(running) {
        let a = from.as_secs_f64() - start;
        let b = to.as_secs_f64() - start;
        let right = column * float(columns);
        // A run that ends where the window starts, or starts where it ends, is outside it;
        // an instant run exactly at an edge (the last run of a finished session) is in.
        let before = b < 0.0 || (b <= 0.0 && a < 0.0);
        let after = a > right || (a >= right && b > a);
        if before || after || columns == 0 {
            continue;
        }
        let first = cell_index(a.max(0.0), column, columns);
        // A run ending exactly on a cell's edge does not reach into that cell.
        let end = if b > a {
            (b - 1e-9).max(0.0)
        } else {
            b.max(0.0)
        };
        let last = cell_index(end, column, columns).max(first);
        for (c, slot) in marks.iter_mut().enumerate().take(last + 1).skip(first) {
            let cell_start = float(c) * column;
            let overlap = b.min(cell_start + column) - a.max(cell_start);
            if overlap > best[c] {
                best[c] = overlap;
                *slot = Mark::Run {
                    state,
                    first: c == first && last > first && a >= 0.0,
                };
            }
        }
    }
    marks
}

/// A column count or index as a float; columns come from a `u16` width, so nothing is lost.
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a non-negative offset divided by a column width, clamped to the columns"
)]
fn cell_index(offset: f64, column: f64, columns: usize) -> usize {
    ((offset / column) as usize).min(columns - 1)
}

pub(super) fn render_timeline(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    // Once the work is done the window stops growing: no idle columns after the end.
    let window = Window::for_elapsed(model.work_elapsed());
    let columns = usize::from(area.width.saturating_sub(LABEL));
    let mut title = vec![
        Span::styled(" timeline ", theme.key()),
        Span::styled(
            format!("{} per column ", per_column(window, columns)),
            theme.dim(),
        ),
    ];
    for state in [
        JobState::Ok,
        JobState::Running,
        JobState::Failed,
        JobState::Timeout,
        JobState::Cancelled,
    ] {
        title.push(Span::styled(
            theme.span_glyph(state).to_string(),
            theme.state(state),
        ));
        title.push(Span::styled(format!(" {} ", state.word()), theme.dim()));
    }
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(Line::from(title));
    let mut lines: Vec<Line> = all_lanes(model)
        .into_iter()
        .map(|(worker, retired)| {
            let line = lane_line(model, theme, worker, window, columns);
            if retired {
                line.patch_style(Modifier::DIM)
            } else {
                line
            }
        })
        .collect();
    lines.push(axis(theme, window, columns));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn lane_line(
    model: &Model,
    theme: Theme,
    worker: WorkerId,
    window: Window,
    columns: usize,
) -> Line<'static> {
    let mut spans = vec![Span::raw(format!(
        "{:<width$}",
        format!("w{worker}"),
        width = usize::from(LABEL)
    ))];
    for mark in lane_marks(model, worker, window, columns) {
        spans.push(match mark {
            Mark::Future => Span::raw(" "),
            Mark::Idle => Span::styled("·", theme.idle()),
            Mark::Run { state, first } => {
                let glyph = if first {
                    '▐'
                } else {
                    theme.span_glyph(state)
                };
                Span::styled(glyph.to_string(), theme.state(state))
            }
        });
    }
    Line::from(spans)
}

/// The time axis: the window's two ends, as times since the session started.
fn axis(theme: Theme, window: Window, columns: usize) -> Line<'static> {
    let left = format_duration(window.start);
    let right = format_duration(window.start + window.length);
    let fill = columns.saturating_sub(left.chars().count() + right.chars().count() + 2);
    Line::from(Span::styled(
        format!(
            "{:width$}{left} {} {right}",
            "",
            "─".repeat(fill),
            width = usize::from(LABEL)
        ),
        theme.dim(),
    ))
}

fn per_column(window: Window, columns: usize) -> String {
    let per = window.length / u32::try_from(columns.max(1)).unwrap_or(u32::MAX);
    if per < Duration::from_secs(1) {
        format!("{}ms", per.as_millis())
    } else {
        format_duration(per)
    }
}
