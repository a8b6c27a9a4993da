//! Shaping the job graph: the stages of each project, appending tasks with dependencies of
//! their own, and `--rerun-failed`'s cut of the graph from the history.

use crate::jobs::Job;
use crate::jobs::cmake::Step as Stage;
use crate::records::history::LastRuns;

/// Each configure job as every stage of `pipeline`, each depending on the one before; a job
/// without stages is kept as it is.
pub(super) fn with_stages(configures: Vec<Job>, pipeline: &[Stage]) -> Vec<Job> {
    let mut jobs = Vec::with_capacity(configures.len() * pipeline.len());
    for configure in configures {
        if configure.spec.stage().is_none() {
            jobs.push(configure);
            continue;
        }
        let mut previous = None;
        for &stage in pipeline {
            let Some(spec) = configure.spec.at_stage(stage.as_str()) else {
                continue;
            };
            jobs.push(Job {
                name: configure.name.clone(),
                spec,
                deps: previous.into_iter().collect(),
                after: Vec::new(),
            });
            previous = Some(jobs.len() - 1);
        }
    }
    jobs
}

/// Appends `more`, whose dependencies are indices into `more`, to `jobs`.
pub(super) fn append_with_deps(jobs: &mut Vec<Job>, more: Vec<Job>) {
    let offset = jobs.len();
    jobs.extend(more.into_iter().map(|mut job| {
        for dep in job.deps.iter_mut().chain(job.after.iter_mut()) {
            *dep += offset;
        }
        job
    }));
}

/// The situation each job's first run starts in (see [`crate::jobs::Work::situation`]),
/// decided now, before any job runs, from its folders and its last recorded run (an empty
/// list when no job has one: 100,000 commands keep no list of nothing); and how long each
/// is expected to take, from the history's runs in that situation (none with `--order
/// name`): what longest-first orders by and the estimate starts from, the same figure for
/// both.
pub(super) fn situations_and_expected(
    jobs: &[Job],
    last: &LastRuns,
    order: super::Order,
) -> (Vec<Option<&'static str>>, Vec<Option<std::time::Duration>>) {
    let mut situations = Vec::new();
    let mut expected = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let key = key(job);
        let situation = job.spec.situation(last.succeeded(&key));
        if situation.is_some() && situations.is_empty() {
            situations.resize(jobs.len(), None);
        }
        if let Some(slot) = situations.get_mut(index) {
            *slot = situation;
        }
        expected.push(match order {
            super::Order::Longest => last.expected(&key, situation),
            super::Order::Name => None,
        });
    }
    (situations, expected)
}

/// A job's key in the history.
pub(super) fn key(job: &Job) -> (String, Option<String>) {
    (
        job.name.clone(),
        job.spec.stage().map(|stage| stage.as_str().to_string()),
    )
}

/// `--rerun-failed`: the jobs whose last recorded run did not succeed, from each project's
/// first stage that did not succeed, with the jobs after them. A job whose last record is the
/// `queued` one its session wrote when it began never ended in that session (it was killed):
/// it did not succeed either. A stage never recorded after
/// one that was counts as not succeeded; a job never recorded at all is left out. Jobs left
/// out succeeded last time, so the dependencies on them are dropped. A job whose kind runs
/// its dependencies again first (`Kind::reruns_deps_first`: a test stage) keeps them. A
/// configure takes the options its last run had.
pub(super) fn rerun_failed(jobs: Vec<Job>, last: &LastRuns) -> Vec<Job> {
    let status = |job: &Job| {
        let (name, stage) = key(job);
        last.status(&name, stage.as_deref()).map(str::to_string)
    };
    let mut kept: Vec<bool> = Vec::with_capacity(jobs.len());
    for job in &jobs {
        let own = status(job);
        let after_kept = job.deps.iter().any(|&dep| kept[dep]);
        let after_recorded = job.deps.iter().any(|&dep| status(&jobs[dep]).is_some());
        let keep = after_kept
            || match own.as_deref() {
                // A flaky job passed, on a retry.
                Some("ok" | "flaky") => false,
                Some(_) => true,
                None => after_recorded,
            };
        kept.push(keep);
    }
    // A kept job whose kind runs its dependencies again first (a test stage's build, which
    // builds a fixed test) keeps them, and so the jobs after them.
    for index in (0..jobs.len()).rev() {
        let job = &jobs[index];
        if kept[index] && job.spec.kind().reruns_deps_first(job.spec.stage()) {
            for &dep in &job.deps {
                kept[dep] = true;
            }
        }
    }
    for index in 0..jobs.len() {
        kept[index] = kept[index] || jobs[index].deps.iter().any(|&dep| kept[dep]);
    }
    let mut new_index = vec![usize::MAX; jobs.len()];
    let mut result = Vec::new();
    for (index, mut job) in jobs.into_iter().enumerate() {
        if !kept[index] {
            continue;
        }
        job.deps = job
            .deps
            .iter()
            .filter(|&&dep| kept[dep])
            .map(|&dep| new_index[dep])
            .collect();
        new_index[index] = result.len();
        result.push(job);
    }
    // A project re-run with options (`D`) failed with them: they come along.
    for job in &mut result {
        if job.spec.stage().is_some_and(crate::jobs::Stage::is_first)
            && let Some(run) = last.runs.get(&key(job))
        {
            job.spec.set_options(run.options.clone());
        }
    }
    result
}
