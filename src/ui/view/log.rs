//! The log pane: the selected job's output tail, following new lines unless scrolled, with
//! CMake errors and warnings picked out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

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
    let height = usize::from(area.height.saturating_sub(1));
    let held = row.output.lines();
    let start = model.log_start(row, height);
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
    let title = Line::from(vec![
        Span::styled(format!(" {} ", row.name), theme.key()),
        Span::styled(format!("run {} · {position}{log} ", row.runs), theme.dim()),
    ]);
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
                ratatui::style::Style::new()
            };
            Line::styled(line.as_str(), style)
        })
        .collect();
    let text = if lines.is_empty() {
        vec![Line::styled("(no output yet)", theme.dim())]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(text).block(block), area);
}
