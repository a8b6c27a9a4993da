//! The job table. Only the rows in view are built, so a frame costs the same for ten rows or
//! ten thousand.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

use super::columns::Columns;
use super::format_duration;
use crate::app::TableLine;
use crate::app::name_fit::shared_to_drop;
pub(super) use crate::app::name_fit::shorten_middle;
use crate::app::{JobRow, JobState, Model, Shortening};
use crate::jobs::Stage;
use crate::sys::text::escape_controls;
use crate::ui::theme::Theme;

pub(super) fn render_table(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let shown = model.shown_len();
    if shown == 0 {
        let text = if model.ui.failed_only && model.ui.query.is_empty() {
            "no failed jobs (f shows every job)"
        } else {
            "no job matches (Esc or f shows every job)"
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim()), area);
        return;
    }
    let body = usize::from(area.height.saturating_sub(1));
    // The jobs in view and their parts' rows that get room (`app::table_lines`, which maps
    // clicks back through the same lines).
    let lines = model.table_lines(body);
    let shown_columns = Columns::of(model.has_stages(), model.has_mixed_kinds(), area.width);
    // Names too long for the column lose the folders every row shares, then have their
    // folders abbreviated (`c11/r01/cxx-example`; see `app::short_names`), the same way on
    // every row; a name still longer takes the room the other columns spare; only then do
    // the rows in view lose the folders they share, and only then are the longest cut.
    let level = model
        .names
        .fitting(usize::from(shown_columns.target(area.width)));
    let room = usize::from(shown_columns.room(area.width));
    let mut in_view: Vec<(usize, bool, Cow<'_, str>)> = lines
        .iter()
        .filter_map(|line| match *line {
            TableLine::Job(index) => Some(index),
            TableLine::Part(..) => None,
        })
        .map(|index| {
            let row = &model.jobs[index];
            let name = escape_controls(model.names.name(index, &row.name, level));
            (index, row.kind.failure_fails_session(), name)
        })
        .collect();
    let view_shared = drop_view_shared(&mut in_view, room);
    // The name column fits the tests' names too, indented under their job.
    let part_names = lines.iter().filter_map(|line| match *line {
        TableLine::Part(index, part) => {
            Some(2 + columns(&escape_controls(&model.jobs[index].parts()[part].name)))
        }
        TableLine::Job(_) => None,
    });
    let longest = in_view
        .iter()
        .map(|(_, _, name)| columns(name))
        .chain(part_names)
        .max()
        .unwrap_or(0);
    let (state, time) = state_and_time_widths(model, &lines);
    let widths = shown_columns.widths(longest, state, time, area.width);
    let name_width = match widths[0] {
        Constraint::Length(n) => usize::from(n),
        _ => usize::MAX,
    };
    // The folders left out of every name are said once, as the column's title.
    let shared = if level > Shortening::Full {
        model.names.shared()
    } else {
        ""
    };
    let name_title = if shared.is_empty() && view_shared.is_empty() {
        "name".to_string()
    } else {
        let title = format!("{}{view_shared}", escape_controls(shared));
        shorten_middle(&title, name_width).into_owned()
    };
    let selected = match model.ui.selected_part {
        Some(part) if lines.contains(&TableLine::Part(model.ui.selected, part)) => {
            TableLine::Part(model.ui.selected, part)
        }
        _ => TableLine::Job(model.ui.selected),
    };
    let selected_line = lines.iter().position(|line| *line == selected);
    let names: std::collections::HashMap<usize, Cow<'_, str>> = in_view
        .into_iter()
        .map(|(index, _, name)| (index, name))
        .collect();
    let rows = lines.iter().map(|line| match *line {
        TableLine::Job(index) => {
            let name = names.get(&index).map_or("", |name| name.as_ref());
            let name = shorten_middle(name, name_width).into_owned();
            job_row(model, theme, &model.jobs[index], name, shown_columns)
        }
        TableLine::Part(index, part) => super::parts::part_row(
            model,
            theme,
            &model.jobs[index].parts()[part],
            shown_columns.cells(),
            name_width,
        ),
    });
    let titles = Row::new(shown_columns.titles(name_title)).style(theme.column_titles());
    let table = Table::new(rows, widths)
        .header(titles)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("> ");
    // Only shown jobs are on the lines: a hidden selection marks none.
    let mut state = TableState::default().with_selected(selected_line);
    frame.render_stateful_widget(table, area, &mut state);
}

/// Names still too long for `room`: the folders the rows in view share go too (the rows of
/// one collection, once scrolled to it), taken off their names and returned for the title.
fn drop_view_shared(in_view: &mut [(usize, bool, Cow<'_, str>)], room: usize) -> String {
    let view_shared = shared_to_drop(
        in_view
            .iter()
            .filter(|(_, main, _)| *main)
            .map(|(_, _, name)| (name.as_ref(), room)),
    );
    if !view_shared.is_empty() {
        for (_, main, name) in in_view.iter_mut() {
            if *main {
                *name = Cow::Owned(name[view_shared.len()..].to_string());
            }
        }
    }
    view_shared
}

/// The columns the longest state word and the longest time on `lines` take.
fn state_and_time_widths(model: &Model, lines: &[TableLine]) -> (usize, usize) {
    let mut widest = (0, 0);
    for line in lines {
        let (word, time) = match *line {
            TableLine::Job(index) => {
                let row = &model.jobs[index];
                (row.state.word(), row.duration_at(model.now))
            }
            TableLine::Part(index, part) => {
                let part = &model.jobs[index].parts()[part];
                (
                    super::parts::state_word(model, part),
                    part.duration_at(model.now),
                )
            }
        };
        let time = time.map_or(0, |time| format_duration(time).len());
        widest = (widest.0.max(word.len()), widest.1.max(time));
    }
    widest
}

/// The row of `row`, its name already shortened to `name`.
fn job_row<'a>(
    model: &Model,
    theme: Theme,
    row: &'a JobRow,
    name: String,
    shown: Columns,
) -> Row<'a> {
    let worker = row.worker.map(|w| format!("w{w}")).unwrap_or_default();
    let worker_style = if row.state.is_active() {
        Style::new()
    } else {
        theme.dim()
    };
    let time = row
        .duration_at(model.now)
        .map(format_duration)
        .unwrap_or_default();
    // CPU time (user + sys) of a finished run: about the wall time for a job that computes,
    // much less for one that waits. A process job run through a launcher used CPU time that
    // jobdeck cannot see (on another node, perhaps): `–`, not the launcher's own.
    let cpu = match row.result.cpu.filter(|_| row.state.is_finished()) {
        Some(cpu) => format_duration(cpu),
        None if model.launcher.is_some() && row.kind.is_process() && row.state.is_finished() => {
            "–".to_string()
        }
        None => String::new(),
    };
    // A project's later stages sit under its configure row; their name is dimmed so the eye
    // groups them.
    let later_stage = row.stage.is_some_and(|stage| !stage.is_first());
    let name = if later_stage {
        Cell::from(Span::styled(name, theme.dim()))
    } else {
        Cell::from(name)
    };
    let stage = shown
        .stage
        .then(|| Cell::from(row.stage.map_or("", Stage::as_str)));
    let kind = shown
        .kind
        .then(|| Cell::from(Span::styled(row.kind.as_str(), theme.dim())));
    let worker = shown
        .worker
        .then(|| Cell::from(Span::styled(worker, worker_style)));
    let cpu = shown
        .cpu
        .then(|| Cell::from(Span::styled(cpu, theme.dim())));
    let cells = std::iter::once(name)
        .chain(stage)
        .chain(kind)
        .chain([Cell::from(Span::styled(
            row.state.word(),
            if row.only_warns() {
                theme.warning()
            } else {
                theme.state(row.state)
            },
        ))])
        .chain(worker)
        .chain([Cell::from(time)])
        .chain(cpu)
        .chain([Cell::from(detail(row, theme))]);
    Row::new(cells)
}

/// The detail column: why it failed, how far it got, or whether its cache was reused.
fn detail(row: &JobRow, theme: Theme) -> Line<'static> {
    if row.state == JobState::Skipped {
        let text = row
            .result
            .error
            .clone()
            .unwrap_or_else(|| "skipped".to_string());
        return Line::from(Span::styled(text, theme.dim()));
    }
    if let Some(text) = failed_text(row) {
        let style = if row.only_warns() {
            theme.warning()
        } else {
            theme.error_text()
        };
        return Line::from(Span::styled(text, style));
    }
    let mut spans = Vec::new();
    let parts = parts_detail(row);
    if !row.failed_attempts().is_empty() {
        // A job being retried, or one that passed on a retry: which attempt this is.
        let text = format!(
            "attempt {} of {} ",
            row.failed_attempts().len() + 1,
            row.retries + 1
        );
        spans.push(Span::styled(text, theme.state(JobState::Flaky)));
    } else if row.runs > 1 && !row.state.is_unsuccessful() {
        // A run after the first says so: a watch re-run that ends as the last one did left
        // the row as it was, and nothing showed that it ran. The dot only before more.
        let more = row.state == JobState::Cancelling
            || row.extra().progress.is_some()
            || row.extra().detail.is_some()
            || parts.is_some();
        let text = if more {
            format!("run {} · ", row.runs)
        } else {
            format!("run {}", row.runs)
        };
        spans.push(Span::styled(text, theme.dim()));
    }
    if row.state == JobState::Cancelling {
        spans.push(Span::styled("stopping… ", theme.state(row.state)));
    }
    if let Some((done, total)) = row.extra().progress {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        spans.push(Span::raw(format!("{done}/{total} {percent:>3}% ")));
    }
    if let Some(parts) = parts {
        spans.push(Span::styled(parts, theme.dim()));
    } else if let Some(note) = &row.extra().detail {
        let note = note.to_string();
        spans.push(Span::styled(
            escape_controls(&note).into_owned(),
            theme.dim(),
        ));
    } else if let Some(line) = live_line(row) {
        spans.push(Span::styled(line.to_string(), theme.dim()));
    }
    Line::from(spans)
}

/// How far a running job's parts got, as its kind words it (`120/500 tests, 2 failed`), over
/// the note a run before left (`500 tests passed`).
fn parts_detail(row: &JobRow) -> Option<String> {
    if !matches!(row.state, JobState::Running | JobState::Cancelling) {
        return None;
    }
    row.kind.parts_detail(row.stage, row.parts_so_far()?)
}

/// The latest line a running job printed, for a kind whose rows show it
/// (`Kind::live_output_as_detail`) and a run with no progress of its own to show.
fn live_line(row: &JobRow) -> Option<&str> {
    if row.state != JobState::Running || row.extra().progress.is_some() {
        return None;
    }
    if !row.kind.live_output_as_detail() {
        return None;
    }
    // Display lines come without control characters (the engine drops them).
    row.output
        .lines()
        .iter()
        .rev()
        .map(|line| line.trim())
        .find(|line| !line.is_empty())
}

/// Why a failed or timed-out row failed, as its detail column says it (control characters
/// escaped); `None` for any other state.
fn failed_text(row: &JobRow) -> Option<String> {
    if !matches!(row.state, JobState::Failed | JobState::Timeout) {
        return None;
    }
    let text = row
        .result
        .error
        .clone()
        .unwrap_or_else(|| match row.result.exit_code() {
            Some(code) => format!("exit code {code}"),
            None => "failed".to_string(),
        });
    let text = match row.failed_attempts().len() {
        0 => text,
        retried => format!("{} attempts: {text}", retried + 1),
    };
    Some(escape_controls(&text).into_owned())
}

/// The selected row's whole error, when it failed (a failed test's, when a failed test's row
/// is selected), and whether it only warns. The detail column keeps what is left of 80
/// columns after the name, state and time, 26 characters or fewer, where an error such as
/// `No CMAKE_Fortran_COMPILER could be found.` is cut before its telling words; this line
/// under the table has the screen's whole width for it.
pub(super) fn selected_error(model: &Model) -> Option<(String, bool)> {
    let row = model.selected_shown_job()?;
    if let Some(part) = model.ui.selected_part.and_then(|at| row.parts().get(at)) {
        return match (&part.error, part.state) {
            (Some(error), JobState::Failed) => Some((
                format!(
                    "{}: {}",
                    escape_controls(&part.name),
                    escape_controls(error)
                ),
                false,
            )),
            _ => None,
        };
    }
    failed_text(row).map(|text| (text, row.only_warns()))
}

/// The selected row's whole error over the lines of `area`, its telling parts kept where it
/// does not fit (see `error_lines`).
pub(super) fn render_selected_error(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let Some((text, warns)) = selected_error(model) else {
        return;
    };
    let style = if warns {
        theme.warning()
    } else {
        theme.error_text()
    };
    let lines =
        super::error_lines::error_lines(&text, usize::from(area.width), usize::from(area.height));
    let lines: Vec<Line<'_>> = lines
        .into_iter()
        .map(|line| Line::from(Span::styled(line, style)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// Terminal columns `text` takes (a CJK character or a joined emoji takes two).
pub(super) fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}
