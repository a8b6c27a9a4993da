//! The log pane: the selected job's project folder and exact command line at its top, then
//! its output tail, following new lines unless scrolled, with CMake errors and warnings
//! picked out and the log search's matches highlighted; long lines are cut, or wrapped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::{LogScroll, Model};
use crate::jobs::Tone;
use crate::sys::text::escape_controls;
use crate::ui::theme::Theme;

pub(super) fn render_log(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = model.selected_shown_job() else {
        let block = Block::new()
            .borders(Borders::TOP)
            .border_style(theme.border());
        frame.render_widget(Paragraph::new("no job selected").block(block), area);
        return;
    };
    // Where and what ran, pinned above the output.
    let mut pinned: Vec<Line> = Vec::new();
    if let Some(source) = row.source() {
        pinned.push(Line::styled(
            escape_controls(&format!("in {}", source.display())).into_owned(),
            theme.dim(),
        ));
    }
    if let Some(command) = &row.command {
        pinned.push(Line::styled(
            escape_controls(command).into_owned(),
            theme.dim(),
        ));
    }
    let height = usize::from(area.height.saturating_sub(1)).saturating_sub(pinned.len());
    let held = row.output.lines();
    let mut start = model.log_start(row, height);
    let mut end = (start + height).min(held.len());
    if model.ui.log_view.wrap && matches!(model.ui.log_scroll, LogScroll::Follow) {
        // Wrapped lines take more rows: follow the end by the rows they take.
        let width = usize::from(area.width).max(1);
        let mut rows = 0;
        start = end;
        while start > 0 {
            let taken = super::table::columns(&held[start - 1])
                .max(1)
                .div_ceil(width);
            if rows + taken > height {
                break;
            }
            rows += taken;
            start -= 1;
        }
        end = held.len();
        // A last line taller than the pane (a flood with no newline) is still shown, from
        // its start, rather than nothing.
        if start == end {
            start = end.saturating_sub(1);
        }
    }
    let position = match model.ui.log_scroll {
        // Only a run that may still print is followed; a finished one's pane shows its end.
        LogScroll::Follow if row.state.is_active() => "following".to_string(),
        LogScroll::Follow => format!("end, {} lines", held.len()),
        LogScroll::At(_) => format!("lines {}-{} of {}", start + 1, end, held.len()),
    };
    let log = row
        .log
        .as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default();
    let title = Line::from(vec![
        Span::styled(format!(" {} ", escape_controls(&row.name)), theme.key()),
        Span::styled(format!("run {} · {position}{log} ", row.runs), theme.dim()),
    ]);
    // The focused pane's border is drawn as a key is, so it is plain where `/` will search.
    let border = if model.is_log_focused() {
        theme.key()
    } else {
        theme.border()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(border)
        .title(title);
    let first = row.output.total.saturating_sub(held.len() as u64);
    let lines: Vec<Line> = held
        .range(start..end)
        .enumerate()
        .map(|(offset, line)| {
            let style = match row.kind.tone(line) {
                Tone::Error => theme.log_error(),
                Tone::Warning => theme.log_warning(),
                Tone::Plain => ratatui::style::Style::new(),
            };
            if model.is_log_match(line) {
                let number = first + (start + offset) as u64;
                let current = model.ui.log_view.current == Some(number);
                return highlighted(line, &model.ui.log_view.query, style, theme, current);
            }
            Line::styled(line.as_str(), style)
        })
        .collect();
    let mut text = pinned;
    if lines.is_empty() {
        // "yet" only while something can still come: a job that ended printed nothing.
        let empty = if row.state.is_active() {
            "(no output yet)"
        } else {
            "(no output)"
        };
        text.push(Line::styled(empty, theme.dim()));
    } else {
        text.extend(lines);
    }
    let mut paragraph = Paragraph::new(text).block(block);
    if model.ui.log_view.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}

/// `line` with every (case-insensitive) occurrence of `query` picked out; the current
/// match's line is marked as a whole too.
fn highlighted<'a>(
    line: &'a str,
    query: &str,
    style: ratatui::style::Style,
    theme: Theme,
    current: bool,
) -> Line<'a> {
    let lower = line.to_lowercase();
    let needle = query.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII: then the whole line is marked.
    if lower.len() != line.len() || needle.is_empty() {
        return Line::styled(line, theme.flag());
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        let begin = at + found;
        let finish = begin + needle.len();
        if begin > at {
            spans.push(Span::styled(&line[at..begin], style));
        }
        spans.push(Span::styled(&line[begin..finish], theme.flag()));
        at = finish;
    }
    if at < line.len() {
        spans.push(Span::styled(&line[at..], style));
    }
    let line = Line::from(spans);
    if current {
        line.patch_style(theme.selected())
    } else {
        line
    }
}
