//! The pure view: `render(&Model, &mut Frame)` draws the whole screen from the model alone
//! (no clock, no channels, no files). One helper per region: header, table, workers panel,
//! timeline, log, footer, and the help overlay on top.

mod causes;
mod chrome;
mod columns;
mod error_lines;
mod header;
mod log;
mod parts;
pub mod sweep;
mod table;
#[cfg(test)]
mod tests;
mod timeline;
mod workers;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::theme::Theme;
use crate::app::{Band, Model, Overlay, Viewport};

/// Where each region goes on a screen of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    /// The one-line title bar.
    pub header: Rect,
    /// The job table, column titles included.
    pub table: Rect,
    /// The selected row's whole error under the table, while the selected row failed.
    pub error: Option<Rect>,
    /// The workers panel, title included, while it is open.
    pub workers: Option<Rect>,
    /// The timeline, title and axis included, while it is open.
    pub timeline: Option<Rect>,
    /// The log pane, border included, while it is open.
    pub log: Option<Rect>,
    /// The one-line key hints.
    pub footer: Rect,
    /// The key list's box over everything, while it is open.
    pub help: Option<Rect>,
}

/// Rows the table keeps (its titles and five jobs) before any panel gets a row.
const MIN_TABLE: u16 = 6;

/// Rows the log pane keeps while open (its title and two lines).
const MIN_LOG: u16 = 3;

/// Splits `area` for `model`. Below the table come the open panels: workers and timeline at
/// the height their lanes need (each at most a third of the body), then the log pane in the
/// rest. On a short screen the panels shrink first: the table keeps five rows as long as
/// the screen has them, since it is what every key acts on.
pub fn layout(area: Rect, model: &Model) -> Regions {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    // The table keeps five rows, or as many as its jobs need if fewer: on a short screen
    // (10×8) with one job, `Enter` found no row for the log pane left after five.
    let needed = u16::try_from(model.shown_len().saturating_add(1)).unwrap_or(u16::MAX);
    let min_table = MIN_TABLE.min(body.height).min(needed.max(2));
    let log_min = if model.ui.show_log { MIN_LOG } else { 0 };
    let mut spare = body.height.saturating_sub(min_table + log_min);
    // The selected failed row's error takes two lines at most (wrapped), before any panel;
    // none while the log pane is open, which shows the error in its place in the log.
    let error = table::selected_error(model).filter(|_| !model.ui.show_log);
    let error_rows = error.map_or(0, |(text, _)| {
        let lines = error_lines::error_lines(&text, usize::from(area.width), 2).len();
        u16::try_from(lines).unwrap_or(2).min(spare)
    });
    spare -= error_rows;
    let [body, error] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(error_rows)]).areas(body);
    let mut take = |want: u16| {
        let got = want.min(body.height / 3).min(spare);
        spare -= got;
        got
    };
    let workers_rows = if model.ui.show_workers {
        take(workers::height(model))
    } else {
        0
    };
    let timeline_rows = if model.ui.show_timeline {
        take(timeline::height(model))
    } else {
        0
    };
    let mut constraints = vec![if model.ui.show_log {
        // The table shares the screen with the log, but never below its five rows.
        let table_share = body.height * 45 / 100;
        Constraint::Length(table_share.clamp(min_table, min_table + spare))
    } else {
        Constraint::Fill(1)
    }];
    if model.ui.show_workers {
        constraints.push(Constraint::Length(workers_rows));
    }
    if model.ui.show_timeline {
        constraints.push(Constraint::Length(timeline_rows));
    }
    if model.ui.show_log {
        constraints.push(Constraint::Fill(1));
    }
    let areas = Layout::vertical(constraints).split(body);
    let mut rest = areas.iter().copied().skip(1);
    let workers = model.ui.show_workers.then(|| rest.next()).flatten();
    let timeline = model.ui.show_timeline.then(|| rest.next()).flatten();
    let log = model.ui.show_log.then(|| rest.next()).flatten();
    Regions {
        header,
        table: areas[0],
        error: (error_rows > 0).then_some(error),
        workers,
        timeline,
        log,
        footer,
        help: (model.ui.overlay == Overlay::Help).then(|| chrome::help_box(area)),
    }
}

/// The bands the model needs for scrolling and clicks: the table's rows under its titles
/// and the log's text under its border.
pub fn viewport(regions: &Regions) -> Viewport {
    Viewport {
        table: below_first_line(regions.table),
        log: regions.log.map(below_first_line).unwrap_or_default(),
        help_overflow: regions.help.map_or(0, chrome::help_overflow),
        help_page: regions.help.map_or(0, |help| help.height.saturating_sub(2)),
        timeline_columns: regions
            .timeline
            .map_or(0, |area| area.width.saturating_sub(timeline::LABEL)),
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
    header::render_header(model, theme, frame, regions.header);
    table::render_table(model, theme, frame, regions.table);
    if let Some(area) = regions.error {
        table::render_selected_error(model, theme, frame, area);
    }
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
    if model.ui.overlay == Overlay::Causes {
        causes::render_causes(model, theme, frame, frame.area());
    }
    if let Some(area) = regions.help {
        chrome::render_help(model, theme, frame, area);
    }
}

/// A box `width` × `height` (each at most the area's) in the middle of `area`: the help and
/// the causes panel float there over the table.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [_, column, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height.min(area.height)),
        Constraint::Fill(1),
    ])
    .areas(column);
    middle
}

/// Durations read the same on the screen and on the headless progress line.
pub use crate::app::progress::format_duration;
