//! The pure view: `render(&Model, &mut Frame)` draws the whole screen from the model alone
//! (no clock, no channels, no files). One helper per region: header, table, workers panel,
//! timeline, log, footer, and the help overlay on top.

mod causes;
mod chrome;
mod log;
mod table;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fix_loop;
#[cfg(test)]
mod tests_panels;
mod timeline;
mod workers;

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
    /// The workers panel, title included, while it is open.
    pub workers: Option<Rect>,
    /// The timeline, title and axis included, while it is open.
    pub timeline: Option<Rect>,
    /// The log pane, border included, while it is open.
    pub log: Option<Rect>,
    /// The one-line key hints.
    pub footer: Rect,
}

/// Splits `area` for `model`. Below the table come the open panels: workers and timeline at
/// the height their lanes need (each at most a third of the body, so the table never
/// vanishes), then the log pane in the rest.
pub fn layout(area: Rect, model: &Model) -> Regions {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let panel = |rows: u16| Constraint::Length(rows.min(body.height / 3));
    let mut constraints = vec![if model.show_log {
        Constraint::Percentage(45)
    } else {
        Constraint::Fill(1)
    }];
    if model.ui.show_workers {
        constraints.push(panel(workers::height(model)));
    }
    if model.ui.show_timeline {
        constraints.push(panel(timeline::height(model)));
    }
    if model.show_log {
        constraints.push(Constraint::Fill(1));
    }
    let areas = Layout::vertical(constraints).split(body);
    let mut rest = areas.iter().copied().skip(1);
    let workers = model.ui.show_workers.then(|| rest.next()).flatten();
    let timeline = model.ui.show_timeline.then(|| rest.next()).flatten();
    let log = model.show_log.then(|| rest.next()).flatten();
    Regions {
        header,
        table: areas[0],
        workers,
        timeline,
        log,
        footer,
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
    let theme = Theme::new(model.ui.is_no_color());
    let regions = layout(frame.area(), model);
    chrome::render_header(model, theme, frame, regions.header);
    table::render_table(model, theme, frame, regions.table);
    if let Some(area) = regions.workers {
        workers::render_workers(model, theme, frame, area);
    }
    if let Some(area) = regions.timeline {
        timeline::render_timeline(model, theme, frame, area);
    }
    if let Some(area) = regions.log {
        log::render_log(model, theme, frame, area);
    }
    chrome::render_footer(model, theme, frame, regions.footer);
    if model.causes_panel.is_open {
        causes::render_causes(model, theme, frame, frame.area());
    }
    if model.ui.show_help {
        chrome::render_help(theme, frame, frame.area());
    }
}

/// Durations read the same on the screen and on the headless progress line.
pub use crate::app::progress::format_duration;
