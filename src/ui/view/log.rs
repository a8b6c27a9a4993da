//! The log pane: the selected job's output tail, following new lines unless scrolled, with
//! CMake errors and warnings picked out, long lines cut or wrapped (`L`), and the log search's
//! matches highlighted.

use ratatui::Frame;
use std::collections::VecDeque;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::log_pane::match_ranges;
use crate::app::{LogScroll, Model};
use crate::ui::theme::Theme;

pub(super) fn render_log(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = model.selected_shown_job() else {
        let block = Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border());
        frame.render_widget(Paragraph::new("no job selected").block(block), area);
        return;
    };
    // The command line stays at the top, however far the log scrolls.
    let pinned = row.command.as_ref().map(|command| {
        Line::from(vec![
            Span::styled("$ ", theme.dim()),
            Span::styled(command.as_str(), theme.key()),
        ])
    });
    let wrap = model.ui.wrap_log;
    let pinned_rows = pinned.as_ref().map_or(0, |line| {
        if wrap {
            line.width().div_ceil(usize::from(area.width).max(1)).max(1)
        } else {
            1
        }
    });
    let height = usize::from(area.height.saturating_sub(1)).saturating_sub(pinned_rows);
    let held = row.output.lines();
    let start = match model.ui.log_scroll {
        // Wrapped, the newest lines take more rows than lines: as many as fit, from the end.
        LogScroll::Follow if wrap => wrapped_start(held, usize::from(area.width), height),
        _ => model.log_start(row, height),
    };
    let end = (start + height).min(held.len());
    let position = match model.ui.log_scroll {
        LogScroll::Follow => "following".to_string(),
        LogScroll::At(_) => format!("lines {}-{} of {}", start + 1, end, held.len()),
    };
    let log = row
        .log
        .as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default();
    let mut title = vec![
        Span::styled(format!(" {} ", row.name), theme.key()),
        Span::styled(format!("run {} · {position}", row.runs), theme.dim()),
    ];
    if wrap {
        title.push(Span::styled(" · wrap", theme.dim()));
    }
    let query = model.ui.log_query.as_str();
    if !query.is_empty() {
        title.push(Span::styled(format!(" · /{query} (n/N)"), theme.dim()));
    }
    title.push(Span::styled(format!("{log} "), theme.dim()));
    let title = Line::from(title);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(title);
    let lines: Vec<Line> = held
        .range(start..end)
        .map(|line| {
            let style = if line.contains("CMake Error") {
                theme.log_error()
            } else if line.contains("CMake Warning") {
                theme.log_warning()
            } else {
                Style::new()
            };
            highlighted(line, query, style, theme)
        })
        .collect();
    let mut text: Vec<Line> = pinned.into_iter().collect();
    if lines.is_empty() {
        text.push(Line::styled("(no output yet)", theme.dim()));
    } else {
        text.extend(lines);
    }
    let mut paragraph = Paragraph::new(text).block(block);
    if wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

/// `line` in `style`, with the log search's matches picked out.
fn highlighted<'a>(line: &'a str, query: &str, style: Style, theme: Theme) -> Line<'a> {
    let matches = match_ranges(line, query);
    if matches.is_empty() {
        return Line::styled(line, style);
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for (from, to) in matches {
        spans.push(Span::styled(&line[at..from], style));
        spans.push(Span::styled(&line[from..to], theme.flag()));
        at = to;
    }
    spans.push(Span::styled(&line[at..], style));
    Line::from(spans)
}

/// The first line to show so the last lines, wrapped at `width` columns, fill `height` rows.
fn wrapped_start(lines: &VecDeque<String>, width: usize, height: usize) -> usize {
    let width = width.max(1);
    let mut rows = 0;
    let mut start = lines.len();
    while start > 0 {
        let line_rows = Span::raw(lines[start - 1].as_str())
            .width()
            .div_ceil(width)
            .max(1);
        if rows + line_rows > height {
            break;
        }
        rows += line_rows;
        start -= 1;
    }
    start
}
