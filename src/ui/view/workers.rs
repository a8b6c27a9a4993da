//! The workers panel (`w`): one line per worker slot with its current job, how long it has
//! been on it, the runs it finished and its busy fraction, so the pool's work is visible.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use super::format_duration;
use crate::app::job_row::label;
use crate::app::{Model, Shortening};
use crate::engine::WorkerId;
use crate::ui::theme::Theme;

/// Rows the panel needs for `model`: a title line and one line per lane.
pub(super) fn height(model: &Model) -> u16 {
    u16::try_from(model.lanes().len() + 1).unwrap_or(u16::MAX)
}

pub(super) fn render_workers(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let lanes = model.lanes();
    let busy = lanes
        .iter()
        .filter(|w| {
            model
                .activity
                .worker_stats
                .get(w)
                .is_some_and(|s| s.current.is_some())
        })
        .count();
    let title = Line::from(vec![
        Span::styled(" workers ", theme.key()),
        Span::styled(
            match model.lent_workers() {
                0 => format!(
                    "{busy} busy of {} · pool size {} ",
                    lanes.len(),
                    model.workers()
                ),
                lent => format!(
                    "{busy} busy of {} · pool size {} + {lent} lent by a wait ",
                    lanes.len(),
                    model.workers()
                ),
            },
            theme.dim(),
        ),
    ]);
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border())
        .title(title);
    // Names shortened as the table shortens them (see `app::short_names`), with room left
    // for the stage and the compilers: `cookbook/c11/r01/cxx [build] (2 compilers)`.
    let room = usize::from(
        area.width
            .saturating_sub(FIXED_COLUMNS + STAGE_AND_COMPILERS),
    );
    let level = model.names.fitting(room);
    let rows = lanes
        .iter()
        .map(|&worker| worker_row(model, theme, worker, level));
    let widths = [
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    let table = Table::new(rows, widths).column_spacing(1).block(block);
    frame.render_widget(table, area);
}

/// Columns the panel's lines take besides the job's: worker, time, runs, busy, spacing.
const FIXED_COLUMNS: u16 = 4 + 7 + 9 + 9 + 4;

/// Room kept after a job's name for ` [build] (2 compilers)`.
const STAGE_AND_COMPILERS: u16 = 22;

fn worker_row(model: &Model, theme: Theme, worker: WorkerId, level: Shortening) -> Row<'static> {
    let stats = model.activity.worker_stats.get(&worker);
    let current = stats.and_then(|s| s.current);
    let (job, on_it) = match current {
        Some((job, _, since)) => {
            let row = model.job(job);
            // A build in the pool of slots says how many compilers it runs now.
            // With its stage, as the plain lines name it: `big [build]`.
            let index = usize::try_from(job.0).expect("a job index fits usize");
            let name = model.names.name(index, &row.name, level);
            let label = crate::sys::text::escape_controls(&label(name, row.stage)).into_owned();
            let name = match row.compilers {
                Some(1) => format!("{label} (1 compiler)"),
                Some(count) => format!("{label} ({count} compilers)"),
                None => label,
            };
            (
                Span::styled(name, theme.state(row.state)),
                format_duration(model.now.saturating_duration_since(since)),
            )
        }
        None => (Span::styled("idle", theme.dim()), String::new()),
    };
    let done = stats.map_or(0, |s| s.done);
    let busy = model.busy_fraction(worker).map_or_else(
        || "busy   -".to_string(),
        |f| format!("busy {:>3.0}%", f * 100.0),
    );
    Row::new([
        Cell::from(format!("w{worker}")),
        Cell::from(job),
        Cell::from(on_it),
        Cell::from(Span::styled(format!("done {done:>3}"), theme.dim())),
        Cell::from(busy),
    ])
}
