//! The title bar: how far and how long, the flags, the counts per state and the figures
//! (wall time, workers, speed-up, efficiency, slots), in the first of its shapes that fits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format_duration;
use crate::app::{Eta, JobState, Model, Progress, Prompt, SortOrder, Summary};
use crate::ui::theme::Theme;

pub(super) fn render_header(model: &Model, theme: Theme, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    // From the fullest header to the most compact; the first that fits is drawn. The
    // speed-up is what the demo asks people to watch: the efficiency, the wall time (the
    // ETA or `done in` says how long) and the gauge go first, then the figures come before
    // the counts, so what is cut at the edge is a count; narrower still, the workers and then
    // the ETA go, never the speed-up.
    let compact_without_workers = Shape {
        workers: false,
        ..Shape::COMPACT
    };
    let shapes = [
        Shape::FULL,
        Shape {
            efficiency: false,
            ..Shape::FULL
        },
        Shape {
            efficiency: false,
            wall: false,
            short_workers: true,
            ..Shape::FULL
        },
        Shape {
            efficiency: false,
            wall: false,
            short_workers: true,
            gauge: false,
            ..Shape::FULL
        },
        Shape::COMPACT,
        compact_without_workers,
        Shape::NARROWEST,
    ];
    // The summary and the progress once a frame, not once per shape tried. Neither passes
    // over the rows: the counts and the estimate are kept in the model.
    let counts = model.counts();
    let progress = model.progress_of(&counts);
    let summary = model.summary_of(counts);
    // Once the work ended, the busy workers and the slots in use read `0/2` and say nothing
    // more: each shape that shows them is followed by the same without them, and they show
    // only with every count whole (at 80 columns `w 0/2 │ … │ slots 0/2 │ 10 failed` left
    // out how many succeeded).
    let finished = matches!(progress.eta, Eta::Ended(_));
    let shapes: Vec<Shape> = if finished {
        shapes
            .iter()
            .flat_map(|shape| {
                let without = shape.workers.then_some(Shape {
                    workers: false,
                    ..*shape
                });
                std::iter::once(*shape).chain(without)
            })
            .collect()
    } else {
        shapes.to_vec()
    };
    let header = |shape: Shape| header_spans(model, &summary, &progress, theme, shape);
    let spans = shapes
        .iter()
        .map(|shape| (header(*shape), shape))
        .find(|(header, shape)| header.fits(**shape, width, finished))
        .map_or_else(|| header(Shape::NARROWEST), |(header, _)| header)
        .into_spans(width);
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.header()),
        area,
    );
}

/// What the header holds, from the fullest to the most compact.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent parts of the header, dropped one by one"
)]
struct Shape {
    gauge: bool,
    eta: bool,
    wall: bool,
    workers: bool,
    efficiency: bool,
    short_workers: bool,
    figures_first: bool,
}

impl Shape {
    const FULL: Shape = Shape {
        gauge: true,
        eta: true,
        wall: true,
        workers: true,
        efficiency: true,
        short_workers: false,
        figures_first: false,
    };
    const COMPACT: Shape = Shape {
        gauge: false,
        eta: true,
        wall: false,
        workers: true,
        efficiency: false,
        short_workers: true,
        figures_first: true,
    };
    /// The count of jobs done and the speed-up, then the counts.
    const NARROWEST: Shape = Shape {
        eta: false,
        workers: false,
        ..Shape::COMPACT
    };
}

/// The header's spans in one shape, and where its figures are.
struct Header {
    spans: Vec<Span<'static>>,
    /// For each count, in the order shown, how much it matters (0 the most): when not
    /// every count fits, the others go whole, never cut (`1 fai` read as nothing).
    count_ranks: Vec<u8>,
    /// The index of the speed-up's span.
    speed_up: usize,
    /// The index after the last figure's span: in a compact shape the counts come after.
    figures_end: usize,
}

impl Header {
    /// Whether it fits in `width` in its shape: a wide shape whole, a compact one up to its
    /// speed-up (the figures after it and the counts may be left out at the edge). Once
    /// `finished`, a shape with the workers fits only whole, every count with it.
    fn fits(&self, shape: Shape, width: usize, finished: bool) -> bool {
        let end = if shape.figures_first && !(finished && shape.workers) {
            self.speed_up + 1
        } else {
            self.spans.len()
        };
        // A compact shape with the workers fits only with room left for the count that
        // matters most (the failures) after all its figures: with a flag such as `FAILED
        // ONLY` the 80-column header kept `w 0/2` and lost `10 failed`. The next shape drops
        // the workers; the ETA still goes only for the speed-up, never for a count.
        let needed = if shape.figures_first && shape.workers {
            self.spans[..self.figures_end]
                .iter()
                .map(Span::width)
                .sum::<usize>()
                + self.first_count_width()
        } else {
            0
        };
        self.spans[..end].iter().map(Span::width).sum::<usize>() <= width && needed <= width
    }

    /// The columns the most important count takes with the separator before the counts
    /// (` │ 10 failed`), or 0 with no count.
    fn first_count_width(&self) -> usize {
        let counts = &self.spans[self.figures_end..];
        let Some(best) = (0..self.count_ranks.len()).min_by_key(|&i| self.count_ranks[i]) else {
            return 0;
        };
        // The counts: a separator, then a space and a count for each.
        let pair = |i: usize| {
            counts.get(1 + 2 * i).map_or(0, Span::width)
                + counts.get(2 + 2 * i).map_or(0, Span::width)
        };
        counts.first().map_or(0, Span::width) + pair(best)
    }

    /// The spans to draw in `width`: up to the last figure, those that fit whole (a figure
    /// cut in half, `speed-up 1.`, would read as a wrong one); then, if every figure
    /// fitted, the counts that fit whole, the failures first.
    fn into_spans(mut self, width: usize) -> Vec<Span<'static>> {
        let counts = self.spans.split_off(self.figures_end);
        let total = self.spans.len();
        let mut used = 0;
        let mut kept: Vec<Span<'static>> = Vec::with_capacity(total + counts.len());
        for span in self.spans {
            // The first span is the name: kept even on a screen narrower than it.
            if used + span.width() > width && !kept.is_empty() {
                break;
            }
            used += span.width();
            kept.push(span);
        }
        if kept.len() == total {
            kept.extend(fit_counts(
                counts,
                &self.count_ranks,
                width.saturating_sub(used),
            ));
        }
        kept
    }
}

/// Of `counts` (a separator, then a space and a count for each), the counts that fit in
/// `room` columns whole, the most important first by `ranks`, shown in their own order.
fn fit_counts(counts: Vec<Span<'static>>, ranks: &[u8], room: usize) -> Vec<Span<'static>> {
    let mut counts = counts.into_iter();
    let Some(separator) = counts.next() else {
        return Vec::new();
    };
    let pairs: Vec<(Span<'static>, Span<'static>)> = counts
        .collect::<Vec<_>>()
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let mut room = room.saturating_sub(separator.width());
    let mut order: Vec<usize> = (0..pairs.len()).collect();
    order.sort_by_key(|&index| ranks.get(index).copied().unwrap_or(u8::MAX));
    let mut chosen = vec![false; pairs.len()];
    // In order of rank, up to the first that does not fit: a lesser count in the room of
    // a greater one (`60 ok` where `10 failed` did not fit) would read as all there is.
    for index in order {
        let needed = pairs[index].0.width() + pairs[index].1.width();
        if needed > room {
            break;
        }
        room -= needed;
        chosen[index] = true;
    }
    if !chosen.contains(&true) {
        return Vec::new();
    }
    std::iter::once(separator)
        .chain(
            pairs
                .into_iter()
                .zip(chosen)
                .filter(|(_, chosen)| *chosen)
                .flat_map(|((space, count), _)| [space, count]),
        )
        .collect()
}

/// How much a state's count matters in a narrow header (0 the most): what went wrong,
/// then what runs, then what is done or waiting.
fn count_rank(state: JobState) -> u8 {
    match state {
        JobState::Failed => 0,
        JobState::Timeout => 1,
        // Passed only on a retry: worth seeing, as a warning is.
        JobState::Flaky => 2,
        JobState::Running => 3,
        JobState::Cancelled => 4,
        JobState::Cancelling => 5,
        JobState::Skipped => 6,
        JobState::Ok => 7,
        JobState::Queued | JobState::Dispatched => 8,
    }
}

/// The most characters of a cause the header's filter flag shows.
const CAUSE_FLAG: usize = 20;

/// The rank of the `warned` count (see [`count_rank`]).
const WARNED_RANK: u8 = 2;

fn header_spans(
    model: &Model,
    summary: &Summary,
    progress: &Progress,
    theme: Theme,
    shape: Shape,
) -> Header {
    let counts = summary.counts;
    let mut spans = vec![Span::styled(" jobdeck ", theme.brand())];
    // First after the name: on a narrow screen, how far and how long is what must stay.
    let mut progress = progress_spans(progress, theme);
    if !shape.gauge && progress.len() == 3 {
        progress.remove(1);
        let count = progress[0].content.trim_end().to_string();
        progress[0] = Span::raw(count);
    }
    if !shape.eta {
        progress.truncate(1);
        let count = progress[0].content.trim_end().to_string();
        progress[0] = Span::raw(count);
    }
    spans.extend(progress);
    // Then the flags that change what the keys and the table do, before the counts: on a
    // narrow screen a hidden PAUSED would be a trap.
    if model.is_paused() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" PAUSED ", theme.flag()));
    }
    if model.is_watching() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" WATCH ", theme.flag()));
    }
    if model.ui.failed_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" FAILED ONLY ", theme.flag()));
    }
    if let Some(cause) = &model.ui.cause {
        // As the causes panel says it (a cause of one job by its message), cut short: a
        // whole cause (up to 100 characters) left no room for the figures, and the header
        // fell back to its name and progress, with nothing saying the table was filtered.
        // The causes panel and the rows hold the whole text.
        let cause = model.shown_cause(cause);
        let shown: String = if cause.chars().count() > CAUSE_FLAG {
            cause.chars().take(CAUSE_FLAG - 1).collect::<String>() + "…"
        } else {
            cause
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" cause: {shown} "), theme.flag()));
    }
    if model.ui.sort != SortOrder::Name {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" BY {} ", model.ui.sort.word().to_uppercase()),
            theme.flag(),
        ));
    }
    if !model.ui.query.is_empty() && !model.ui.overlay.is_typing(&Prompt::Search) {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" /{} ", model.ui.query), theme.flag()));
    }
    if model.is_waiting_for_memory() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" waiting for memory ", theme.alert()));
    }
    let mut count_spans = vec![Span::raw(" │")];
    let mut count_ranks = Vec::new();
    for state in JobState::ALL {
        let count = counts.get(state);
        if count > 0 {
            count_ranks.push(count_rank(state));
            count_spans.push(Span::raw(" "));
            count_spans.push(Span::styled(
                format!("{count} {}", state.word()),
                theme.state(state),
            ));
        }
    }
    if counts.warned > 0 {
        count_ranks.push(WARNED_RANK);
        count_spans.push(Span::raw(" "));
        count_spans.push(Span::styled(
            format!("{} warned", counts.warned),
            theme.warning(),
        ));
    }
    let (figures, speed_up) = figure_spans(model, summary, shape);
    if shape.figures_first {
        let speed_up = spans.len() + speed_up;
        spans.extend(figures);
        let figures_end = spans.len();
        spans.extend(count_spans);
        Header {
            spans,
            count_ranks,
            speed_up,
            figures_end,
        }
    } else {
        spans.extend(count_spans);
        let speed_up = spans.len() + speed_up;
        spans.extend(figures);
        let figures_end = spans.len();
        Header {
            spans,
            count_ranks,
            speed_up,
            figures_end,
        }
    }
}

/// The figures, one span each (wall time, workers, speed-up, efficiency, slots, launcher,
/// nice) as far as `shape` holds them, and the index of the speed-up's span among them.
fn figure_spans(model: &Model, summary: &Summary, shape: Shape) -> (Vec<Span<'static>>, usize) {
    let mut figures = Vec::new();
    // `+1`: a worker lent by a run asleep on an announced wait, busy with another run.
    let lent = match model.lent_workers() {
        0 => String::new(),
        lent => format!("+{lent}"),
    };
    if shape.wall {
        figures.push(format!(" │ {}", format_duration(summary.wall)));
    }
    if shape.workers {
        let workers = if shape.short_workers { "w" } else { "workers" };
        figures.push(format!(
            " │ {workers} {}/{}{lent}",
            model.busy_workers(),
            model.workers()
        ));
    }
    let speed_up = figures.len();
    figures.push(format!(" │ speed-up {:.1}x", summary.speedup));
    if shape.efficiency {
        figures.push(format!(" eff {:.0}%", summary.efficiency * 100.0));
        // Beside how busy the workers were, how much of that time was spent on a CPU, as the
        // recap and the report say it: busy workers waiting on a download read `eff 100%`
        // alone. Its own span, so it is left out whole, never cut.
        if let Some(share) = summary.cpu_share {
            figures.push(format!(" cpu {:.0}%", share * 100.0));
        }
    }
    // The compile slots go with the workers: on a narrow screen both leave room for a count.
    if model.slot_pool && model.has_stages() && shape.workers {
        // The pool of slots grows with the workers lent, as the pool of workers does.
        figures.push(format!(
            " │ slots {}/{}{lent}",
            model.slots_in_use(),
            model.workers()
        ));
    }
    if let Some(launcher) = &model.launcher {
        figures.push(format!(" │ {launcher}"));
    }
    if let Some(nice) = model.nice {
        figures.push(format!(" │ nice {nice}"));
    }
    (figures.into_iter().map(Span::raw).collect(), speed_up)
}

/// `61/159 ███▍     ETA 1m12s`, or `159/159 done in 35.2s` once the work ended.
fn progress_spans(progress: &Progress, theme: Theme) -> Vec<Span<'static>> {
    let count = format!(" {}/{} ", progress.done, progress.total);
    let when = match progress.eta {
        Eta::Unknown => " ETA ?".to_string(),
        Eta::Left(left) => format!(" ETA {}", format_duration(left)),
        Eta::Overdue(by) => format!(" {}", crate::app::progress::overdue(by)),
        Eta::Ended(at) => {
            return vec![
                Span::raw(count),
                Span::styled(
                    format!("done in {}", format_duration(at)),
                    theme.state(JobState::Ok),
                ),
            ];
        }
    };
    vec![
        Span::raw(count),
        Span::styled(progress.gauge(), theme.key()),
        Span::raw(when),
    ]
}
