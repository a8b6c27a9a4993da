//! Which lines the table draws: the jobs in view, and under each job the rows of its parts
//! (a test stage's tests) that get room.
//!
//! A user watching a test stage looks for the tests that need attention: the running ones
//! and those that failed. They come first, even when the jobs alone would fill the table:
//! then they take up to half of its lines from the page's jobs, those at its bottom first,
//! else at its top, keeping the jobs whose tests need the lines, so a workspace of many
//! projects still shows which of its 500 tests failed. The selected job always stays in
//! view. Skipped and passed tests only get the room the jobs leave.
//!
//! The view draws these lines, and a click is mapped back through them, so both agree on
//! which row is on which screen line.

use std::collections::HashSet;

use super::{JobState, Model};

/// Which parts get the room first when not all fit: 0 for those that need attention
/// (running, failed, flaky, cancelled), 1 for skipped ones, 2 for passed ones.
fn rank(state: JobState) -> u8 {
    match state {
        JobState::Ok => 2,
        JobState::Skipped => 1,
        _ => 0,
    }
}

impl Model {
    /// The lines of a table of `body` rows under its titles, from the first shown row
    /// `ui.table_offset`: the jobs in view, each followed by its parts' rows that get room.
    pub fn table_lines(&self, body: usize) -> Vec<TableLine> {
        let offset = self.ui.table_offset.min(self.shown_len().saturating_sub(1));
        let (start, end) = jobs_in_view(self, offset, body);
        let jobs: Vec<usize> = (start..end)
            .filter_map(|position| self.shown_job(position))
            .collect();
        with_parts(self, &jobs, body)
    }
}

/// One line of the table: a job's row, or a row of one of its parts (a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableLine {
    /// The row of the job of this index.
    Job(usize),
    /// The row of part `.1` of the job of index `.0`.
    Part(usize, usize),
}

/// The shown positions of the jobs drawn in `body` lines from `offset` (the model's first
/// shown row), as a range: the model's whole page, unless the parts needing attention take
/// some of its lines (see the module's comment).
fn jobs_in_view(model: &Model, offset: usize, body: usize) -> (usize, usize) {
    let end = (offset + body).min(model.shown_len());
    let page = end - offset;
    let free = body - page;
    let selected = model
        .selected_position()
        .filter(|position| (offset..end).contains(position));
    // Each job's parts needing a line, counted once: a job may have thousands of tests.
    let needing: Vec<usize> = (offset..end)
        .map(|position| {
            let Some(index) = model.shown_job(position) else {
                return 0;
            };
            let selected_part = model
                .ui
                .selected_part
                .filter(|_| index == model.ui.selected)
                .and_then(|at| model.jobs[index].parts().get(at))
                .is_some_and(|part| rank(part.state) != 0);
            needs_attention(model, index).count() + usize::from(selected_part)
        })
        .collect();
    // The jobs keep at least half of the lines, and the selected one. The most lines the
    // parts can fill, taken from below the selection first: of `given` lines, `top` come
    // from above the page's jobs that stay.
    let most_given = page.saturating_sub(body.div_ceil(2).max(1));
    for given in (1..=most_given).rev() {
        for top in 0..=given {
            let (start, stop) = (top, page - (given - top));
            if selected.is_some_and(|at| !(start..stop).contains(&(at - offset))) {
                continue;
            }
            if needing[start..stop]
                .iter()
                .sum::<usize>()
                .saturating_sub(free)
                >= given
            {
                return (offset + start, offset + stop);
            }
        }
    }
    (offset, end)
}

/// The parts of job `index` that need attention (running, failed, flaky, cancelled).
fn needs_attention(model: &Model, index: usize) -> impl Iterator<Item = usize> + '_ {
    model.jobs[index]
        .parts()
        .iter()
        .enumerate()
        .filter(|(_, part)| rank(part.state) == 0)
        .map(|(at, _)| at)
}

/// The jobs `jobs` (shown positions `start..end`), each followed by the rows of its parts
/// that fit in `body` lines: the selected part's, then those needing attention (the
/// selected job's first), then the skipped, then the passed ones; a job's parts keep their
/// order.
fn with_parts(model: &Model, jobs: &[usize], body: usize) -> Vec<TableLine> {
    let mut room = body.saturating_sub(jobs.len());
    let mut chosen = HashSet::new();
    let mut choose = |job: usize, part: usize| {
        if room > 0 && chosen.insert((job, part)) {
            room -= 1;
        }
    };
    let selected_job = jobs
        .contains(&model.ui.selected)
        .then_some(model.ui.selected);
    if let Some(job) = selected_job
        && let Some(part) = model.ui.selected_part
        && part < model.jobs[job].parts().len()
    {
        choose(job, part);
    }
    let by_selection = selected_job.into_iter().chain(
        jobs.iter()
            .copied()
            .filter(|&job| Some(job) != selected_job),
    );
    for job in by_selection {
        for part in needs_attention(model, job) {
            choose(job, part);
        }
    }
    for wanted in 1..3 {
        for &job in jobs {
            for (at, part) in model.jobs[job].parts().iter().enumerate() {
                if rank(part.state) == wanted {
                    choose(job, at);
                }
            }
        }
    }
    let mut lines = Vec::with_capacity(jobs.len() + chosen.len());
    for &job in jobs {
        lines.push(TableLine::Job(job));
        for at in 0..model.jobs[job].parts().len() {
            if chosen.contains(&(job, at)) {
                lines.push(TableLine::Part(job, at));
            }
        }
    }
    lines
}
