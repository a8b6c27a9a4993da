//! The session's probes: what each key's probe job left (a seed, or a failure), for the
//! configures that come after it.
//!
//! A probe is a job of the graph ([`super::job`]): the plan puts one before the fresh
//! configures of each key, and the scheduler runs those configures only once it ended. So
//! nobody waits here: a configure asks [`Probes::seed_for`] and gets an answer at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::engine::RunCtx;
use crate::jobs::cmake::CmakeSettings;

use super::key::ProbeKey;
use super::{ProbeError, Seed, cache, kept, run_probe};

/// What a key's probe job left.
#[derive(Debug, Clone)]
enum Slot {
    /// Its seed, probed now or kept from an earlier session.
    Ready(Arc<Seed>),
    /// It failed (the session was warned): configures of its key run unseeded.
    Failed,
}

/// How a probe job's run ended, for its row's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// An earlier session's probe (in any build root) still holds: nothing was run.
    Kept,
    /// The probe ran now.
    Probed,
}

impl Found {
    /// The probe row's detail.
    pub fn as_str(self) -> &'static str {
        match self {
            Found::Kept => "kept",
            Found::Probed => "probed",
        }
    }
}

/// The session's probes, one per key, shared by the probe jobs and every configure.
#[derive(Debug)]
pub struct Probes {
    /// The probes folder in the user's cache (`None`: no `XDG_CACHE_HOME` nor `HOME`).
    root: Option<PathBuf>,
    /// The folder once created and checked, or why it was refused (said once).
    opened: OnceLock<Result<PathBuf, String>>,
    slots: Mutex<HashMap<String, Slot>>,
    /// Every warning of the session, and how many of them were taken as news.
    warnings: Mutex<(Vec<String>, usize)>,
}

impl Probes {
    /// Probes kept under `root` (the user's, [`cache::user_folder`]).
    pub fn new(root: Option<PathBuf>) -> Self {
        Self {
            root,
            opened: OnceLock::new(),
            slots: Mutex::new(HashMap::new()),
            warnings: Mutex::new((Vec::new(), 0)),
        }
    }

    /// The key of the probe for configures run with `settings` and `options` in this
    /// process's environment.
    pub fn key(settings: &CmakeSettings, options: &[String]) -> ProbeKey {
        ProbeKey::new(settings, options, |name| std::env::var_os(name))
    }

    /// The probe job's run: takes the probe kept for this key in the user's cache, or runs it
    /// now under `ctx`, logging each language's cmake beside `log`. Whatever the end, the
    /// configures of the key learn it from [`Probes::seed_for`].
    pub fn probe(
        &self,
        settings: &CmakeSettings,
        options: &[String],
        log: &Path,
        ctx: &mut RunCtx,
    ) -> Result<Found, ProbeError> {
        let key = Self::key(settings, options);
        let root = match self.open(ctx) {
            Ok(root) => root,
            Err(why) => {
                self.set(&key, Slot::Failed);
                return Err(ProbeError::Failed(format!(
                    "toolchain probes are not shared: {why}"
                )));
            }
        };
        let folder = root.join(&key.folder);
        if std::fs::symlink_metadata(&folder).is_ok()
            && let Err(why) = cache::check(&folder)
        {
            self.set(&key, Slot::Failed);
            self.warn(
                ctx,
                format!("the toolchain probe {why}: configures are not seeded from it"),
            );
            return Err(ProbeError::Failed(format!("the toolchain probe {why}")));
        }
        if let Some(seed) = kept(&folder, &key) {
            self.set(&key, Slot::Ready(Arc::new(seed)));
            return Ok(Found::Kept);
        }
        match run_probe(root, &key, settings, options, log, ctx) {
            Ok((seed, partly)) => {
                if let Some(why) = partly {
                    self.warn(
                        ctx,
                        format!(
                            "the toolchain probe in {} failed for a language ({why}): that \
                             language is not seeded, configures detect it themselves",
                            folder.display()
                        ),
                    );
                }
                self.set(&key, Slot::Ready(Arc::new(seed)));
                Ok(Found::Probed)
            }
            // Stopped: nothing is known, so the configures after it run unseeded this time
            // and a re-run of the probe tries again.
            Err(ProbeError::Stopped(reason)) => Err(ProbeError::Stopped(reason)),
            Err(ProbeError::Failed(why)) => {
                self.set(&key, Slot::Failed);
                self.warn(
                    ctx,
                    format!(
                        "the toolchain probe in {} failed ({why}): configures are not seeded, \
                         each detects its compilers itself",
                        folder.display()
                    ),
                );
                Err(ProbeError::Failed(why))
            }
        }
    }

    /// The seed for a fresh configure run with `settings` and `options`, at once: its probe
    /// job's, or else a probe kept in the user's cache for its key (a configure whose options
    /// changed since the plan has no probe job). `None`: configure unseeded.
    pub fn seed_for(
        &self,
        settings: &CmakeSettings,
        options: &[String],
        ctx: &RunCtx,
    ) -> Option<Arc<Seed>> {
        let key = Self::key(settings, options);
        let known = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key.folder)
            .cloned();
        match known {
            Some(Slot::Ready(seed)) => Some(seed),
            Some(Slot::Failed) => None,
            None => {
                let folder = self.open(ctx).ok()?.join(&key.folder);
                cache::check(&folder).ok()?;
                let seed = Arc::new(kept(&folder, &key)?);
                self.set(&key, Slot::Ready(Arc::clone(&seed)));
                Some(seed)
            }
        }
    }

    fn set(&self, key: &ProbeKey, slot: Slot) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.folder.clone(), slot);
    }

    /// The probes folder, created and checked on first use; why not (the session warned
    /// once) when there is none or it is not fit to hold probes.
    fn open(&self, ctx: &RunCtx) -> Result<&Path, &str> {
        self.opened
            .get_or_init(|| {
                let checked = match &self.root {
                    None => Err(
                        "there is no cache folder: neither XDG_CACHE_HOME nor HOME is set"
                            .to_string(),
                    ),
                    Some(root) => cache::open(root).map(|()| root.clone()),
                };
                if let Err(why) = &checked {
                    self.warn(
                        ctx,
                        format!(
                            "toolchain probes are not shared ({why}): configures are not \
                             seeded, each detects its compilers itself"
                        ),
                    );
                }
                checked
            })
            .as_deref()
            .map_err(String::as_str)
    }

    /// Warns the session, and shows the warning in the output of the run that probed.
    fn warn(&self, ctx: &RunCtx, warning: String) {
        ctx.output(vec![format!("jobdeck: {warning}")], 0);
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .push(warning);
    }

    /// Every warning of the session, for its end.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .clone()
    }
}

impl crate::jobs::Warner for Probes {
    /// The warnings made since the last call (a probe that failed), for the live table.
    fn take_new_warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.lock().unwrap_or_else(PoisonError::into_inner);
        let (all, taken) = &mut *warnings;
        let new = all[*taken..].to_vec();
        *taken = all.len();
        new
    }
}
