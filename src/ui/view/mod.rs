//! The pure view: `render(&Model, &mut Frame)` draws the whole screen from the model alone
//! (no clock, no channels, no files). One helper per region: header, table, log, footer,
//! and the help overlay on top.

mod chrome;
mod log;
mod table;
#[cfg(test)]
mod tests;

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::theme::Theme;
use crate::app::{Band, Model, Viewport};

/// Where each region goes on a screen of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    /// The one-line title bar.
    pub header: Rect,
    /// The job table, column titles included.
    pub table: Rect,
    /// The log pane, border included, while it is open.
    pub log: Option<Rect>,
    /// The one-line key hints.
    pub footer: Rect,
}

/// Splits `area` for `model`: the log pane takes the lower half of the body while open.
pub fn layout(area: Rect, model: &Model) -> Regions {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if model.show_log {
        let [table, log] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
        Regions {
            header,
            table,
            log: Some(log),
            footer,
        }
    } else {
        Regions {
            header,
            table: body,
            log: None,
            footer,
        }
    }
}

/// The bands the model needs for scrolling and clicks: the table's rows under its titles
/// and the log's text under its border.
pub fn viewport(regions: &Regions) -> Viewport {
    Viewport {
        table: below_first_line(regions.table),
        log: regions.log.map(below_first_line).unwrap_or_default(),
    }
}

fn below_first_line(area: Rect) -> Band {
    Band {
        top: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
    }
}

/// Draws the whole screen.
pub fn render(model: &Model, frame: &mut Frame) {
    let theme = Theme::new(model.ui.no_color);
    let regions = layout(frame.area(), model);
    chrome::render_header(model, theme, frame, regions.header);
    table::render_table(model, theme, frame, regions.table);
    if let Some(area) = regions.log {
        log::render_log(model, theme, frame, area);
    }
    chrome::render_footer(model, theme, frame, regions.footer);
    if model.ui.show_help {
        chrome::render_help(theme, frame, frame.area());
    }
}

/// `0.4s`, `12.3s`, `2m03s`, `1h02m`: short enough for a 7-wide column.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    }
}
