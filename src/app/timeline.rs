//! What the timeline's cells show (`t`): its window, each lane's cell marks, and those marks
//! for the finished runs kept as runs end.
//!
//! A cell shows the run that overlaps it most (the first such run, in the order the runs
//! ended, then the run still going). Found on each frame, that was a pass over every
//! finished run of the session for each lane (100,000 runs: 1.3 ms a frame, and growing
//! with the session). The finished runs' part of the answer changes only when a run ends,
//! or when the window or the width moves, so it is kept in the model: each run that ends is
//! laid over its lane's cells once, and the whole is made again only when the window steps
//! (a few times in the first five minutes, then on each tick while it scrolls) or the width
//! changes. A frame lays the running runs over a copy and fills the empty cells as idle or
//! future. The width is the one the loop last drew (`Viewport::timeline_columns`); a frame
//! of another width or window computes the marks whole, as before. Debug builds compare
//! the kept marks with a recount where the view reads them.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{JobState, Model, Span};
use crate::engine::WorkerId;

/// The window lengths the timeline steps through, in seconds; the last one is the cap.
const WINDOW_STEPS: [u64; 6] = [10, 20, 30, 60, 120, 300];

/// The part of the session the timeline shows, as offsets from the session's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// The left edge.
    pub start: Duration,
    /// The width in time.
    pub length: Duration,
}

impl Window {
    /// The window for a session `elapsed` long: the smallest step that holds it, or the last
    /// step's worth of the most recent time.
    pub fn for_elapsed(elapsed: Duration) -> Self {
        let cap = Duration::from_secs(WINDOW_STEPS[WINDOW_STEPS.len() - 1]);
        let length = WINDOW_STEPS
            .iter()
            .map(|&s| Duration::from_secs(s))
            .find(|&step| step >= elapsed)
            .unwrap_or(cap);
        Self {
            start: elapsed.saturating_sub(length),
            length,
        }
    }
}

/// What one timeline cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Time that has not happened yet.
    Future,
    /// The worker had no run.
    Idle,
    /// A run in this state covered (most of) the cell; `first` marks the cell it began in,
    /// so back-to-back runs stay apart.
    Run {
        /// The run's state.
        state: JobState,
        /// Whether the run began in this cell (and goes on past it).
        first: bool,
    },
}

/// The run that overlaps a cell most so far, and by how much (in seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Covered {
    overlap: f64,
    state: JobState,
    first: bool,
}

/// A cell's covering run so far, if any.
type Cells = Vec<Option<Covered>>;

/// The finished runs' cells of every lane, for one window and width, as of `seen` runs.
#[derive(Debug, PartialEq)]
pub struct KeptTimeline {
    window: Window,
    columns: usize,
    /// Finished runs (`Activity::spans`) laid over the cells so far.
    seen: usize,
    lanes: BTreeMap<WorkerId, Cells>,
}

impl KeptTimeline {
    /// The cells of `spans` in `window` over `columns` columns.
    fn of(spans: &[Span], window: Window, columns: usize) -> Self {
        let mut kept = Self {
            window,
            columns,
            seen: 0,
            lanes: BTreeMap::new(),
        };
        kept.lay(spans);
        kept
    }

    /// Lays the runs of `spans` not yet seen over their lanes' cells, in the order they
    /// ended.
    fn lay(&mut self, spans: &[Span]) {
        let geometry = Geometry::of(self.window, self.columns);
        for span in &spans[self.seen..] {
            let cells = self
                .lanes
                .entry(span.worker)
                .or_insert_with(|| vec![None; self.columns]);
            geometry.cover(cells, span.start, span.end, span.state);
        }
        self.seen = spans.len();
    }
}

/// Where the cells of a window over some columns lie, in seconds.
struct Geometry {
    /// The window's left edge.
    start: f64,
    /// One column's width.
    column: f64,
}

impl Geometry {
    fn of(window: Window, columns: usize) -> Self {
        Self {
            start: window.start.as_secs_f64(),
            column: window.length.as_secs_f64() / float(columns.max(1)),
        }
    }

    /// Lays a run from `from` to `to` (since the session's start) over `cells`: each cell it
    /// overlaps more than the run there so far shows it.
    fn cover(&self, cells: &mut [Option<Covered>], from: Duration, to: Duration, state: JobState) {
        let (column, columns) = (self.column, cells.len());
        let a = from.as_secs_f64() - self.start;
        let b = to.as_secs_f64() - self.start;
        let right = column * float(columns);
        // A run that ends where the window starts, or starts where it ends, is outside it;
        // an instant run exactly at an edge (the last run of a finished session) is in.
        let before = b < 0.0 || (b <= 0.0 && a < 0.0);
        let after = a > right || (a >= right && b > a);
        if before || after || columns == 0 {
            return;
        }
        let first = cell_index(a.max(0.0), column, columns);
        // A run ending exactly on a cell's edge does not reach into that cell.
        let end = if b > a {
            (b - 1e-9).max(0.0)
        } else {
            b.max(0.0)
        };
        let last = cell_index(end, column, columns).max(first);
        for (c, slot) in cells.iter_mut().enumerate().take(last + 1).skip(first) {
            let cell_start = float(c) * column;
            let overlap = b.min(cell_start + column) - a.max(cell_start);
            if overlap > slot.map_or(-1.0, |covered| covered.overlap) {
                *slot = Some(Covered {
                    overlap,
                    state,
                    first: c == first && last > first && a >= 0.0,
                });
            }
        }
    }
}

/// A column count or index as a float; columns come from a `u16` width, so nothing is lost.
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a non-negative offset divided by a column width, clamped to the columns"
)]
fn cell_index(offset: f64, column: f64, columns: usize) -> usize {
    ((offset / column) as usize).min(columns - 1)
}

impl Model {
    /// One lane's cells across `columns` columns of `window`. Each cell shows the run that
    /// overlaps it most, so a run shorter than a column still shows in the cell it ran in.
    pub fn timeline_marks(&self, worker: WorkerId, window: Window, columns: usize) -> Vec<Mark> {
        let geometry = Geometry::of(window, columns);
        let spans = &self.activity.spans;
        let kept = self.kept_timeline.as_ref().filter(|kept| {
            kept.window == window && kept.columns == columns && kept.seen == spans.len()
        });
        let mut cells = match kept {
            Some(kept) => {
                let cells = kept
                    .lanes
                    .get(&worker)
                    .cloned()
                    .unwrap_or_else(|| vec![None; columns]);
                debug_assert_eq!(
                    cells,
                    finished_cells(spans, worker, &geometry, columns),
                    "the timeline's kept cells differ from its runs laid again"
                );
                cells
            }
            None => finished_cells(spans, worker, &geometry, columns),
        };
        let elapsed = self.work_elapsed();
        let running = self
            .activity
            .worker_stats
            .get(&worker)
            .and_then(|stats| stats.current);
        if let Some((job, run, since)) = running {
            let row = self.job(job);
            // A superseded run still on its worker is being cancelled.
            let state = if row.run == run {
                row.state
            } else {
                JobState::Cancelling
            };
            let since = since.saturating_duration_since(self.started_at);
            geometry.cover(&mut cells, since, elapsed, state);
        }
        cells
            .into_iter()
            .enumerate()
            .map(|(c, covered)| match covered {
                Some(Covered { state, first, .. }) => Mark::Run { state, first },
                None if geometry.start + float(c) * geometry.column < elapsed.as_secs_f64() => {
                    Mark::Idle
                }
                None => Mark::Future,
            })
            .collect()
    }

    /// Keeps the finished runs' cells for the timeline as drawn last (its window, and the
    /// width the loop reported), while it is open: the runs that ended since are laid over
    /// them, or all again once the window or the width moved. Nothing is kept while it is
    /// closed.
    pub(super) fn keep_timeline(&mut self) {
        let columns = usize::from(self.ui.viewport.timeline_columns);
        if !self.ui.show_timeline || columns == 0 {
            self.kept_timeline = None;
            return;
        }
        let window = Window::for_elapsed(self.work_elapsed());
        let spans = &self.activity.spans;
        match &mut self.kept_timeline {
            Some(kept)
                if kept.window == window && kept.columns == columns && kept.seen <= spans.len() =>
            {
                kept.lay(spans);
            }
            _ => self.kept_timeline = Some(KeptTimeline::of(spans, window, columns)),
        }
    }
}

/// The finished runs' cells of `worker`'s lane, laid in a pass over every finished run.
fn finished_cells(spans: &[Span], worker: WorkerId, geometry: &Geometry, columns: usize) -> Cells {
    let mut cells = vec![None; columns];
    for span in spans.iter().filter(|span| span.worker == worker) {
        geometry.cover(&mut cells, span.start, span.end, span.state);
    }
    cells
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Geometry, Mark, Window, finished_cells};
    use crate::app::tests::{fail_with, finish, model, runs, send, start};
    use crate::app::{Action, Model, Msg, UiAction, Viewport, update};
    use crate::engine::{JobId, WorkerId};

    /// The timeline open, drawn `columns` wide.
    fn open(model: &mut Model, columns: u16) {
        update(model, Msg::Action(Action::Ui(UiAction::ToggleTimeline)));
        let viewport = Viewport {
            timeline_columns: columns,
            ..Viewport::default()
        };
        update(model, Msg::Viewport(viewport));
    }

    /// The model keeps the cells of the window and width drawn, as of every finished run,
    /// and they are what laying every run again gives.
    fn assert_kept(model: &Model, columns: usize) {
        let kept = model.kept_timeline.as_ref().expect("kept while open");
        let window = Window::for_elapsed(model.work_elapsed());
        assert_eq!((kept.window, kept.columns), (window, columns));
        assert_eq!(
            kept.seen,
            model.activity.spans.len(),
            "every finished run laid"
        );
        let geometry = Geometry::of(window, columns);
        for worker in (0..3).map(WorkerId) {
            let cells = kept
                .lanes
                .get(&worker)
                .cloned()
                .unwrap_or_else(|| vec![None; columns]);
            assert_eq!(
                cells,
                finished_cells(&model.activity.spans, worker, &geometry, columns)
            );
        }
    }

    /// Runs of 0.3 s to 2.9 s on two workers over ten minutes, every fourth failing: the
    /// window steps from 10 s to 5 min, then scrolls; after every message the kept cells are
    /// the runs laid again, and the lanes' marks (checked against them in debug builds where
    /// they are read) show every outcome.
    #[test]
    fn kept_cells_follow_runs_steps_and_scrolling() {
        let t0 = Instant::now();
        let mut model = model(400, 2, t0);
        let mut pending = runs(&model.start());
        open(&mut model, 37);
        let mut clock = Duration::ZERO;
        let mut seen = Vec::new();
        for n in 0u64..400 {
            let run = pending.remove(0);
            start(&mut model, run, usize::from(n % 2 == 1));
            clock += Duration::from_millis(300 + (n * 37) % 2600);
            update(&mut model, Msg::Tick(t0 + clock));
            assert_kept(&model, 37);
            let next = if n % 4 == 3 {
                fail_with(&mut model, run.0, None)
            } else {
                finish(&mut model, run, Duration::from_millis(10))
            };
            pending.extend(runs(&next));
            assert_kept(&model, 37);
            let window = Window::for_elapsed(model.work_elapsed());
            for worker in [WorkerId(0), WorkerId(1)] {
                seen.extend(model.timeline_marks(worker, window, 37));
            }
        }
        assert!(clock > Duration::from_secs(400), "it scrolled: {clock:?}");
        for state in [crate::app::JobState::Ok, crate::app::JobState::Failed] {
            assert!(
                seen.iter()
                    .any(|mark| matches!(mark, Mark::Run { state: s, .. } if *s == state)),
                "{state:?} shows"
            );
        }
        // A new width lays every run again.
        let viewport = Viewport {
            timeline_columns: 80,
            ..Viewport::default()
        };
        update(&mut model, Msg::Viewport(viewport));
        assert_kept(&model, 80);
        // Closed, nothing is kept.
        update(
            &mut model,
            Msg::Action(Action::Ui(UiAction::ToggleTimeline)),
        );
        assert!(model.kept_timeline.is_none());
    }

    /// A run that ends after the cells were kept shows in them at once: the frame after it
    /// reads it from the kept cells, not from a pass over the runs (a kept copy that missed
    /// it would show the cell idle).
    #[test]
    fn a_run_that_ends_shows_in_the_kept_cells() {
        let t0 = Instant::now();
        let mut model = model(2, 1, t0);
        let first = runs(&model.start());
        open(&mut model, 10);
        start(&mut model, first[0], 0);
        update(&mut model, Msg::Tick(t0 + Duration::from_secs(4)));
        let window = Window::for_elapsed(model.work_elapsed());
        let running = model.timeline_marks(WorkerId(0), window, 10);
        assert!(matches!(
            running[0],
            Mark::Run {
                state: crate::app::JobState::Running,
                ..
            }
        ));
        let run = model.jobs[0].run;
        let kind = crate::app::tests::finished(crate::app::tests::failed());
        send(&mut model, (JobId(0), run), kind);
        let kept = model.kept_timeline.as_ref().expect("open");
        assert_eq!(kept.seen, 1);
        let cells = &kept.lanes[&WorkerId(0)];
        assert!(
            cells[..4]
                .iter()
                .all(|cell| cell
                    .is_some_and(|covered| covered.state == crate::app::JobState::Failed)),
            "{cells:?}"
        );
        let window = Window::for_elapsed(model.work_elapsed());
        let marks = model.timeline_marks(WorkerId(0), window, 10);
        assert!(matches!(
            marks[1],
            Mark::Run {
                state: crate::app::JobState::Failed,
                ..
            }
        ));
    }
}
