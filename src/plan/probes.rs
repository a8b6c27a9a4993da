//! The toolchain probes of a plan: one probe job per key among the configures a probe would
//! seed, put first in the job list, with an order edge from each such configure to its
//! key's probe (the configure runs once the probe ended, however it ended).

use std::path::Path;
use std::sync::Arc;

use crate::jobs::cmake::CmakeSpec;
use crate::jobs::probe::{ProbeJob, Probes, job::NAME};
use crate::jobs::{Job, JobSpec};

/// `jobs` with a probe job before them for each key their fresh configures need; every
/// index shifts by the number of probes.
pub(super) fn with_probes(jobs: Vec<Job>, log_dir: &Path) -> Vec<Job> {
    let mut probes: Vec<(String, ProbeJob)> = Vec::new();
    let mut wanted = Vec::with_capacity(jobs.len());
    for job in &jobs {
        let Some(CmakeSpec { job, settings }) = job.spec.downcast::<CmakeSpec>() else {
            wanted.push(None);
            continue;
        };
        if !job.wants_probe(settings) {
            wanted.push(None);
            continue;
        }
        let key = Probes::key(settings, &job.options).folder;
        let index = probes
            .iter()
            .position(|(known, _)| *known == key)
            .unwrap_or_else(|| {
                // Under a hidden folder of the logs: discovery never names a project
                // `.something`, so no project's logs can meet a probe's.
                let log = log_dir.join(".probes").join(&key).join("probe.log");
                probes.push((
                    key,
                    ProbeJob {
                        settings: Arc::clone(settings),
                        options: job.options.clone(),
                        log,
                    },
                ));
                probes.len() - 1
            });
        wanted.push(Some(index));
    }
    let count = probes.len();
    let mut planned: Vec<Job> = probes
        .into_iter()
        .map(|(_, probe)| Job {
            name: name(&probe.options),
            spec: JobSpec::new(probe),
            deps: Vec::new(),
            after: Vec::new(),
        })
        .collect();
    // Exactly: pushed one by one, a list of 100,000 jobs would keep room for 131,072.
    planned.reserve_exact(wanted.len());
    for (mut job, probe) in jobs.into_iter().zip(wanted) {
        for index in job.deps.iter_mut().chain(job.after.iter_mut()) {
            *index += count;
        }
        job.after.extend(probe);
        planned.push(job);
    }
    planned
}

/// The probe row's name: `toolchain probe`, with the project options of its key after it
/// (configures run with other options need a probe of their own).
fn name(options: &[String]) -> String {
    let mut name = NAME.to_string();
    for option in options {
        name.push_str(" -D");
        name.push_str(option);
    }
    name
}
