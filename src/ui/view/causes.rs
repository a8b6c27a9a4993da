//! The causes panel: every cause of the failed jobs with its count, biggest first, as an
//! overlay over the table; the highlighted one is what `Enter` filters to and `R` re-runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::Model;
use crate::ui::theme::Theme;

/// Draws the panel centred in `area`.
pub(super) fn render_causes(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let count = model.cause_count();
    let popup = super::centered(area, 78, u16::try_from(count + 2).unwrap_or(u16::MAX));
    let height = popup.height;
    let selected = model.ui.causes_panel.selected.min(count.saturating_sub(1));
    // Keep the highlighted cause in view when there are more than fit.
    let room = usize::from(height.saturating_sub(2)).max(1);
    let skip = (selected + 1).saturating_sub(room);
    // Only the causes that fit are read: the groups are kept in the panel's order.
    let lines: Vec<Line> = model
        .cause_counts()
        .enumerate()
        .skip(skip)
        .take(room)
        .map(|(index, (cause, jobs))| {
            let line = Line::from(vec![
                Span::styled(format!("{jobs:>5}  "), theme.key()),
                Span::raw(model.shown_cause(cause)),
            ]);
            if index == selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    let block = Block::bordered()
        .title(" causes: Enter shows its jobs, R re-runs them, Esc closes ")
        .border_style(theme.border());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
