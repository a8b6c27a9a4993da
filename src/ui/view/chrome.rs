//! The footer (key hints, the search prompt, the quit question) and the help overlay; the
//! title bar is in `header.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::{Action, CancelAllEnds, Model, Overlay, Prompt, Question, UiAction};
use crate::ui::keymap::{FooterState, HelpLine, Mode, footer_hints, help_lines};
use crate::ui::theme::Theme;

pub(super) fn render_footer(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let mode = Mode::of(model);
    let mut spans = Vec::new();
    if model.quitting {
        spans.push(Span::styled(
            format!(
                " quitting: waiting for {} runs to stop ",
                model.runs_in_flight()
            ),
            theme.alert(),
        ));
        spans.push(Span::styled(" Ctrl-C", theme.key()));
        spans.push(Span::styled(" stop waiting", theme.hint()));
    } else if let Some(question) = model.ui.overlay.question() {
        let text = match question {
            Question::Quit => format!("Quit? {}", unfinished(model.cancel_all_would_end())),
            Question::CancelAll => format!(
                "Cancel every job? {}",
                unfinished(model.cancel_all_would_end())
            ),
            Question::RerunFailed => {
                let jobs = model.rerun_would_queue();
                format!(
                    "Re-run every job that did not succeed? {jobs} job{} will run again",
                    if jobs == 1 { "" } else { "s" }
                )
            }
        };
        spans.push(Span::styled(format!(" {text} "), theme.alert()));
    } else if mode == Mode::LogSearch {
        spans.push(Span::styled(
            format!(" log /{}", model.ui.log_view.query),
            theme.key(),
        ));
        spans.push(Span::styled("█", theme.dim()));
    } else if mode == Mode::Options {
        let typed = match &model.ui.overlay {
            Overlay::Prompt(Prompt::Options(text)) => text.as_str(),
            _ => "",
        };
        spans.push(Span::styled(format!(" -D {typed}"), theme.key()));
        spans.push(Span::styled("█", theme.dim()));
        spans.push(Span::raw("  (VAR=VALUE) "));
    } else if mode == Mode::Search {
        spans.push(Span::styled(format!("/{}", model.ui.query), theme.key()));
        spans.push(Span::styled("█", theme.dim()));
        spans.push(Span::raw(format!("  {} shown ", model.shown_len())));
    } else if let Some(notice) = model.ui.notice() {
        spans.push(Span::styled(format!(" {notice} "), theme.alert()));
    }
    if !model.quitting {
        let used: usize = spans.iter().map(Span::width).sum();
        let room = usize::from(area.width).saturating_sub(used);
        let hints = footer_hints(mode, FooterState::of(model))
            .map(|(label, word, action)| {
                let word = if action == Action::Ui(UiAction::CycleSort) {
                    format!("{word}: {}", model.ui.sort.word())
                } else {
                    word.to_string()
                };
                (label, word)
            })
            .collect();
        for (label, hint) in fitting_hints(hints, room) {
            spans.push(Span::styled(format!(" {label}"), theme.key()));
            spans.push(Span::styled(format!(" {hint}"), theme.hint()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints that fit in `room` columns. The last two (`?` help and `q` quit) always stay,
/// so a narrow terminal still shows how to find every key and how to leave; others are
/// dropped from the end of the middle.
fn fitting_hints(
    mut hints: Vec<(&'static str, String)>,
    room: usize,
) -> Vec<(&'static str, String)> {
    let width = |hints: &[(&str, String)]| -> usize {
        hints
            .iter()
            .map(|(label, hint)| label.chars().count() + hint.chars().count() + 2)
            .sum()
    };
    while width(&hints) > room && hints.len() > 2 {
        hints.remove(hints.len() - 3);
    }
    hints
}

/// What a quit or a `C` would end, as the summary will count it: `2 running and 89 queued
/// jobs will be cancelled`, then `, 40 waiting on them skipped` when later stages wait.
fn unfinished(ends: CancelAllEnds) -> String {
    let jobs = |n: usize| if n == 1 { "job" } else { "jobs" };
    let cancelled = match (ends.running, ends.cancelled) {
        (0, q) => format!("{q} queued {}", jobs(q)),
        (r, 0) => format!("{r} running {}", jobs(r)),
        (r, q) => format!("{r} running and {q} queued {}", jobs(q)),
    };
    let skipped = match ends.skipped {
        0 => String::new(),
        n => format!(", {n} waiting on them skipped"),
    };
    format!("{cancelled} will be cancelled{skipped}")
}

/// The key list's box: up to 64 columns wide and as tall as the list, in the middle.
pub(super) fn help_box(area: Rect) -> Rect {
    let height = u16::try_from(help_lines().len() + 2).unwrap_or(u16::MAX);
    super::centered(area, 64, height)
}

/// Key lines that do not fit in the box `popup` (inside its border).
pub(super) fn help_overflow(popup: Rect) -> u16 {
    let lines = u16::try_from(help_lines().len()).unwrap_or(u16::MAX);
    lines.saturating_sub(popup.height.saturating_sub(2))
}

/// Every key from the table, by section, in a box over the middle of the screen; on a short
/// screen it scrolls (`↓`/`↑`, `PgDn`/`PgUp`, `g`/`G`), and its title says which lines show.
pub(super) fn render_help(model: &Model, theme: Theme, frame: &mut Frame, popup: Rect) {
    let overflow = help_overflow(popup);
    let skip = usize::from(model.ui.help_scroll.min(overflow));
    let all = help_lines();
    let lines: Vec<Line> = all
        .iter()
        .skip(skip)
        .map(|line| {
            let b = match line {
                HelpLine::Heading(section) => {
                    return Line::from(Span::styled(section.title(), theme.column_titles()));
                }
                HelpLine::Key(b) => b,
            };
            let context = match b.mode {
                Some(Mode::Search) => "search: ",
                Some(Mode::Confirm) => "asked: ",
                Some(Mode::Help) => "help: ",
                Some(Mode::Causes) => "causes: ",
                Some(Mode::Options) => "-D: ",
                Some(Mode::LogSearch) => "log search: ",
                _ => "",
            };
            Line::from(vec![
                Span::styled(format!("{:>9} ", b.label), theme.key()),
                Span::styled(context, theme.dim()),
                Span::styled(b.help, Style::new()),
            ])
        })
        .collect();
    let title = if overflow == 0 {
        " keys (? or Esc closes) ".to_string()
    } else {
        let shown = all.len() - usize::from(overflow);
        format!(
            " keys {}-{} of {} (↓↑ PgDn PgUp g G; ? or Esc closes) ",
            skip + 1,
            skip + shown,
            all.len()
        )
    };
    let block = Block::bordered().title(title).border_style(theme.border());
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
