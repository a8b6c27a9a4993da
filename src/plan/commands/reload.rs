//! A `jobdeck.toml` read again when it changed, before a job runs again: a user who fixes a
//! job's command in the file and presses `r` means the fixed command (just and Task read
//! their file at every run). What can change in place is what one job runs (`cmd`, `cwd`,
//! `env`, `timeout`); the set of rows and what links them (jobs added or removed, `deps`,
//! `each`, `retries`, `watch`) are the session's shape, which the table, the history and the
//! scheduler were built from, so those wait for the next start, and the notice says so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::jobs::command::CommandJob;
use crate::jobs::{Job, Reload};

/// When the file was last written and how long it was: a change of either is a new file.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The `jobdeck.toml` a session's jobs came from.
#[derive(Debug)]
pub struct ConfigReload {
    path: PathBuf,
    /// The jobs named on the command line (`jobdeck run test`): empty for all.
    only: Vec<String>,
    log_dir: PathBuf,
    /// The stamp of the file as last read.
    read: Mutex<Stamp>,
}

impl ConfigReload {
    /// The file at `path`, as the plan has just read it, its jobs logged under `log_dir`.
    pub fn new(path: &Path, only: &[String], log_dir: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            only: only.to_vec(),
            log_dir: log_dir.to_path_buf(),
            read: Mutex::new(stamp(path)),
        }
    }
}

impl Reload for ConfigReload {
    fn reload(&self, jobs: &mut [Job]) -> Option<String> {
        let now = stamp(&self.path);
        {
            let mut read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
            if *read == now {
                return None;
            }
            *read = now;
        }
        let file = self.path.display();
        let fresh = match super::config_jobs(&self.path, &self.only, &self.log_dir) {
            Ok(fresh) => fresh,
            Err(why) => return Some(format!("{why}; re-runs keep the commands read before")),
        };
        let (changed, reshaped) = apply(jobs, &fresh);
        let what = match changed.as_slice() {
            [] => "no job's command changed".to_string(),
            [one] => format!("{one} runs its new command"),
            many => format!("{} jobs run their new commands", many.len()),
        };
        let mut said = format!("{file} read again: {what}");
        if reshaped {
            said += "; jobs added or removed, deps, each, retries and watch take effect when \
                     jobdeck starts again";
        }
        Some(said)
    }
}

/// Gives each of `jobs` the command its namesake in `fresh` has, where that is all that
/// changed; returns the names of the jobs changed, and whether anything else did.
fn apply(jobs: &mut [Job], fresh: &[Job]) -> (Vec<String>, bool) {
    let names: Vec<String> = jobs.iter().map(|job| job.name.clone()).collect();
    let fresh_names: Vec<&str> = fresh.iter().map(|job| job.name.as_str()).collect();
    let by_name: HashMap<&str, &Job> = fresh.iter().map(|job| (job.name.as_str(), job)).collect();
    let mut reshaped = fresh.len() != jobs.len();
    let mut changed = Vec::new();
    for job in jobs.iter_mut() {
        let Some(new) = by_name.get(job.name.as_str()) else {
            reshaped = true;
            continue;
        };
        let deps = |list: &[usize], of: &[&str]| -> Vec<String> {
            list.iter().map(|&dep| of[dep].to_string()).collect()
        };
        let old_names: Vec<&str> = names.iter().map(String::as_str).collect();
        if deps(&job.deps, &old_names) != deps(&new.deps, &fresh_names) {
            reshaped = true;
        }
        let (Some(old), Some(new)) = (
            job.spec.downcast::<CommandJob>(),
            new.spec.downcast::<CommandJob>(),
        ) else {
            continue;
        };
        let (old_settings, new_settings) = (old.settings(), new.settings());
        if old_settings.retries != new_settings.retries || old_settings.watch != new_settings.watch
        {
            reshaped = true;
        }
        let same = old.program == new.program
            && old_settings.cwd == new_settings.cwd
            && old_settings.env == new_settings.env
            && old_settings.timeout == new_settings.timeout;
        if !same {
            let mut runs = new.clone();
            // Its log, retries and watch stay the session's (see the module's doc).
            runs.log.clone_from(&old.log);
            let settings = runs.settings.get_or_insert_default();
            settings.retries = old_settings.retries;
            settings.watch.clone_from(&old_settings.watch);
            job.spec = runs.spec();
            changed.push(job.name.clone());
        }
    }
    (changed, reshaped)
}
