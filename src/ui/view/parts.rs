//! The rows of a job's parts (a test stage's tests) under the job's row in the table.

use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::format_duration;
use crate::app::{JobState, Model, PartRow};
use crate::sys::text::escape_controls;
use crate::ui::theme::Theme;

/// The word in a part's state column: a test running past what its history (or `--slow`)
/// allows says `slow` while it runs.
pub(super) fn state_word(model: &Model, part: &PartRow) -> &'static str {
    if part.is_slow_at(model.now, model.slow) {
        "slow"
    } else {
        part.state.word()
    }
}

/// A part's row: its name indented under its job, its state, its time, and its error or the
/// attempt it is on. `optional` says which of the stage, kind, worker and cpu columns are
/// shown (they stay empty).
pub(super) fn part_row<'a>(
    model: &Model,
    theme: Theme,
    part: &'a PartRow,
    optional: [bool; 4],
    name_width: usize,
) -> Row<'a> {
    let name = format!("  {}", escape_controls(&part.name));
    let name = super::table::shorten_middle(&name, name_width).into_owned();
    let time = part
        .duration_at(model.now)
        .map(format_duration)
        .unwrap_or_default();
    let detail = match (&part.error, part.state) {
        (Some(error), JobState::Failed) => Line::from(Span::styled(
            escape_controls(error).into_owned(),
            theme.error_text(),
        )),
        _ if part.attempt > 1 => Line::from(Span::styled(
            format!("attempt {}", part.attempt),
            theme.state(JobState::Flaky),
        )),
        _ => Line::default(),
    };
    let word = state_word(model, part);
    let style = if word == "slow" {
        theme.log_warning()
    } else {
        theme.state(part.state)
    };
    let [stage, kind, worker, cpu] = optional;
    let blank = |shown: bool| shown.then(|| Cell::from(""));
    let cells = std::iter::once(Cell::from(Span::styled(name, theme.dim())))
        .chain(blank(stage))
        .chain(blank(kind))
        .chain([Cell::from(Span::styled(word, style))])
        .chain(blank(worker))
        .chain([Cell::from(time)])
        .chain(blank(cpu))
        .chain([Cell::from(detail)]);
    Row::new(cells)
}
