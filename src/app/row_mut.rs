//! The one way the model changes a row, and the counts per state (and the causes,
//! `kept_causes.rs`) it keeps on the way.
//!
//! The header shows how many jobs are in each state on every frame. Counted there, that was
//! a pass over every row a frame (100,000 rows: a frame's cost grew with the session, and a
//! key's answer with it). The counts are kept instead: [`Model::row_mut`] hands out a
//! [`RowMut`], which takes its row out of the counts when made and puts it back, in whatever
//! state it is then, when dropped. A row's count depends only on its state and its kind (a
//! helper that only warns is counted apart), so every change of a row's state, wherever in
//! the model it happens and through whichever of the row's own methods (`finish`, `retry`,
//! `requeue`), passes through here. Debug builds recount on every [`Model::counts`], and the
//! model's tests recount after every message they send.

use std::ops::{Deref, DerefMut};

use super::kept_causes::KeptCauses;
use super::{Counts, JobRow, Model};
use crate::engine::JobId;

/// A row lent out to be changed: it is counted again, in its new state, when this goes, and
/// its cause taken again.
pub(super) struct RowMut<'a> {
    row: &'a mut JobRow,
    index: usize,
    counts: &'a mut Counts,
    causes: &'a mut KeptCauses,
}

impl Deref for RowMut<'_> {
    type Target = JobRow;

    fn deref(&self) -> &JobRow {
        self.row
    }
}

impl DerefMut for RowMut<'_> {
    fn deref_mut(&mut self) -> &mut JobRow {
        self.row
    }
}

impl Drop for RowMut<'_> {
    fn drop(&mut self) {
        self.counts.add(self.row);
        self.causes.note(self.index, self.row);
    }
}

impl Model {
    /// The row for `job`, to change: the counts and the causes follow whatever is done to it.
    pub(super) fn row_mut(&mut self, job: JobId) -> RowMut<'_> {
        let index = job.0 as usize;
        let row = &mut self.jobs[index];
        self.counts.take(row);
        RowMut {
            row,
            index,
            counts: &mut self.counts,
            causes: &mut self.kept_causes,
        }
    }

    /// Jobs per state, as kept while the rows changed: no pass over the rows.
    pub fn counts(&self) -> Counts {
        debug_assert_eq!(
            self.counts,
            self.recount(),
            "the counts kept differ from the rows: a row changed without `row_mut`"
        );
        self.counts
    }

    /// Jobs per state, counted in a pass over every row: what [`Model::counts`] keeps up to
    /// date, for the checks that it does.
    pub fn recount(&self) -> Counts {
        let mut counts = Counts::default();
        for row in &self.jobs {
            counts.add(row);
        }
        counts
    }
}
