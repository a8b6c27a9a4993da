//! The causes of the failed jobs, grouped as rows change: what the causes panel lists.
//!
//! Grouped on each frame, the panel cost a pass over every row and a signature of every
//! failed one (100,000 jobs, a third failed: 25 ms a frame, and `x` twice that). A row's
//! cause depends on the row alone (`causes::cause_of`), and every change of a row passes
//! through `Model::row_mut`, so the guard that keeps the counts per state keeps each job's
//! cause here too: when it lets go of a row that has or had a cause, the cause is taken again
//! and the job moves between groups. The groups are kept in the panel's order (most jobs
//! first, then by cause), so a frame reads the causes it shows and no more. Debug builds
//! compare them with a recount where the panel reads them, and the model's tests after
//! every message.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::JobRow;
use super::causes::{cause_of, has_cause};
use crate::engine::JobId;

/// A job with no cause in `KeptCauses::by_job`.
const NONE: u32 = u32::MAX;

/// Each job's cause and the jobs per cause, in the panel's order.
#[derive(Debug, Default)]
pub struct KeptCauses {
    /// Each job's cause, as a place in `names` (`NONE`: it has none).
    by_job: Vec<u32>,
    /// Every cause seen, once each (a cause keeps its place when its last job leaves it).
    names: Vec<Arc<str>>,
    /// The place of each cause in `names`.
    ids: HashMap<Arc<str>, u32>,
    /// Jobs per cause, by place in `names`.
    jobs: Vec<usize>,
    /// The sum of the indices of each cause's jobs: a cause of one job names it, with no
    /// pass over the jobs (the panel says such a cause by its job's own message).
    index_sums: Vec<u64>,
    /// The causes with jobs, most jobs first, then by cause: the panel's order.
    order: BTreeSet<(Reverse<usize>, Arc<str>)>,
}

impl KeptCauses {
    /// The causes of `rows`, taken from each.
    pub fn of(rows: &[JobRow]) -> Self {
        let mut kept = Self {
            by_job: vec![NONE; rows.len()],
            ..Self::default()
        };
        for (index, row) in rows.iter().enumerate() {
            kept.note(index, row);
        }
        kept
    }

    /// Row `index` may have changed: its cause is taken again if it has or had one (a row
    /// that neither failed nor had failed costs nothing).
    pub fn note(&mut self, index: usize, row: &JobRow) {
        let before = self.by_job[index];
        if before == NONE && !has_cause(row.state) {
            return;
        }
        let after = cause_of(row).map_or(NONE, |cause| self.id(cause));
        if after == before {
            return;
        }
        self.by_job[index] = after;
        if before != NONE {
            self.add(before, index, false);
        }
        if after != NONE {
            self.add(after, index, true);
        }
    }

    /// The cause's place in `names`, given one if it is new.
    fn id(&mut self, cause: String) -> u32 {
        if let Some(&id) = self.ids.get(cause.as_str()) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer causes than jobs");
        let name: Arc<str> = cause.into();
        self.names.push(name.clone());
        self.ids.insert(name, id);
        self.jobs.push(0);
        self.index_sums.push(0);
        id
    }

    /// Job `index` more (or fewer) of cause `id`, its place in the order moved with its
    /// count.
    fn add(&mut self, id: u32, index: usize, more: bool) {
        let at = id as usize;
        let index = index as u64;
        let sum = &mut self.index_sums[at];
        *sum = if more { *sum + index } else { *sum - index };
        let name = &self.names[at];
        let count = &mut self.jobs[at];
        if *count > 0 {
            self.order.remove(&(Reverse(*count), name.clone()));
        }
        if more {
            *count += 1;
        } else {
            *count -= 1;
        }
        if *count > 0 {
            self.order.insert((Reverse(*count), name.clone()));
        }
    }

    /// The causes with their numbers of jobs, in the panel's order.
    pub fn counts(&self) -> impl Iterator<Item = (&str, usize)> {
        self.order
            .iter()
            .map(|(Reverse(jobs), cause)| (&**cause, *jobs))
    }

    /// The job of `cause` when it has exactly one.
    pub fn only_job(&self, cause: &str) -> Option<JobId> {
        let id = *self.ids.get(cause)? as usize;
        let index = usize::try_from(self.index_sums[id]).ok()?;
        (self.jobs[id] == 1).then(|| super::job_id(index))
    }

    /// How many causes have jobs.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Job `index`'s cause, as kept.
    pub fn of_job(&self, index: usize) -> Option<&str> {
        let id = *self.by_job.get(index)?;
        (id != NONE).then(|| &*self.names[id as usize])
    }

    /// Every cause with its jobs (in job order), in the panel's order: a pass over the jobs,
    /// comparing numbers.
    pub fn groups(&self) -> Vec<(String, Vec<JobId>)> {
        let mut jobs: Vec<Vec<JobId>> = vec![Vec::new(); self.names.len()];
        for (index, &id) in self.by_job.iter().enumerate() {
            if id != NONE {
                jobs[id as usize].push(super::job_id(index));
            }
        }
        self.order
            .iter()
            .map(|(_, cause)| {
                let id = self.ids[cause] as usize;
                (cause.to_string(), std::mem::take(&mut jobs[id]))
            })
            .collect()
    }

    /// The jobs of `cause`, in job order: a pass over the jobs, comparing numbers.
    pub fn jobs_of(&self, cause: &str) -> Vec<JobId> {
        let Some(&id) = self.ids.get(cause) else {
            return Vec::new();
        };
        self.by_job
            .iter()
            .enumerate()
            .filter(|&(_, &of)| of == id)
            .map(|(index, _)| super::job_id(index))
            .collect()
    }
}
