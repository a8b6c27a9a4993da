//! The live timeline (`t`): one lane per worker slot, time running left to right, each run a
//! span in its outcome's colour (a running one in the running colour), idle time dotted.
//!
//! How it stays readable at any width: the window grows in steps with the session (10 s,
//! 20 s, 30 s, 1 min, 2 min, 5 min) and, once the session is longer than the last step,
//! scrolls, showing the latest 5 minutes. Compressing a whole long session into the width
//! would shrink every run to less than a column; scrolling keeps recent runs wide enough to
//! see while the steps keep the scale still (it changes only when a step is passed, not on
//! every tick). Everything is computed from `&Model`: the clock is `model.now`, and the
//! cells come from `Model::timeline_marks` (`app/timeline.rs`), which keeps the finished
//! runs' part of them as runs end.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format_duration;
use crate::app::timeline::Mark;
pub(super) use crate::app::timeline::Window;
use crate::app::{JobState, Model};
use crate::engine::WorkerId;
use crate::ui::theme::Theme;

/// Columns before the lanes, for the worker's name.
pub(super) const LABEL: u16 = 4;

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
    for mark in model.timeline_marks(worker, window, columns) {
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
