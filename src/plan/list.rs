//! `--list`: what a plan would run, printed instead of running it (as `ctest -N` and
//! `colcon list` do), so a script or a person can check discovery before a long session;
//! `--dry-run`: the command lines of `jobdeck run`'s jobs, as GNU parallel's `--dry-run`.

use serde_json::json;

use super::Plan;

/// One line per project (or task) of `plan`, in table order: its name, or with `json` an
/// object with its kind, folders and stages (`{"job": "01-basic/A-hello-cmake", "kind":
/// "cmake", "source": …, "build_dir": …, "stages": ["configure", "build"]}`).
pub fn lines(plan: &Plan, json: bool) -> Vec<String> {
    // Stages of one project follow each other in the job list and share its name.
    let mut groups: Vec<(&str, Vec<&crate::jobs::Job>)> = Vec::new();
    for job in &plan.jobs {
        match groups.last_mut() {
            Some((name, jobs)) if *name == job.name => jobs.push(job),
            _ => groups.push((&job.name, vec![job])),
        }
    }
    groups
        .into_iter()
        .map(|(name, jobs)| {
            if !json {
                return crate::sys::text::escape_controls(name).into_owned();
            }
            let first = &jobs[0].spec;
            let stages: Vec<&str> = jobs
                .iter()
                .filter_map(|job| job.spec.stage().map(crate::jobs::Stage::as_str))
                .collect();
            json!({
                "job": name,
                "kind": first.kind().as_str(),
                "source": first.source().map(|p| p.display().to_string()),
                "build_dir": first.build_folder().map(|p| p.display().to_string()),
                "stages": stages,
            })
            .to_string()
        })
        .collect()
}

/// `--dry-run`: each job's command line, one per line, in table order (a job jobdeck
/// composes, a pseudoword task, prints its name). A line's control characters are escaped,
/// so one command is one line.
pub fn commands(plan: &Plan) -> Vec<String> {
    plan.jobs
        .iter()
        .map(|job| {
            let text = job.spec.command_text().unwrap_or_else(|| job.name.clone());
            crate::sys::text::escape_controls(&text).into_owned()
        })
        .collect()
}
