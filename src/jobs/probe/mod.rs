//! The shared toolchain probe: one configure of a tiny generated project per toolchain,
//! whose compiler detection seeds every fresh build folder, so their configures skip it.
//!
//! A fresh configure of a small project spends most of its time detecting the same compilers
//! again. Before the first fresh configure of a session, jobdeck detects them once, in
//! `<user cache>/jobdeck/probes/<key>/` (one cmake run per language, C and C++ side by side),
//! and keeps the results there for later sessions, in this build root or any other, while
//! the key holds ([`key`]; the folder and its safety: [`cache`]). Each fresh
//! build folder then gets cmake's own detection files and the cache entries the detection
//! made ([`seed`]); cmake finds them and skips identification, ABI detection and the compiler
//! checks, exactly as it does on a re-configure.
//!
//! The first configure that needs a probe runs it; the others wait for its slot's signal,
//! looking at their own stop flag every [`WAIT_STEP`] so a cancel ends the wait at once. A probe that fails is not retried in the session: the
//! configures run unseeded and the session gets one warning. A probe that was cancelled with
//! its configure is tried again by the next one.

pub mod cache;
pub mod key;
pub mod seed;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crate::engine::ending::{Voice, describe};
use crate::engine::{Detail, Outcome, RunCtx, StopReason, process};

use super::cmake::CmakeSettings;
use key::ProbeKey;
pub use seed::Seed;

/// The probe project, with `@LANGUAGE@` for the one language it enables.
const PROBE_PROJECT: &str = include_str!("probe.cmake.in");

/// Where the probe's detection starts: records the state it starts from, then detects.
const DETERMINE: &str = include_str!("determine.cmake.in");

/// The script that records the cache entries the detection made.
const SNAPSHOT: &str = include_str!("snapshot.cmake");

/// The script that writes the check a seeded configure runs.
const CHECK: &str = include_str!("check.cmake");

/// A probe file's template with the language's words filled in.
fn fill(template: &str, language: &str) -> String {
    let (compiler_env, flags_env) = seed::environment_names(language);
    template
        .replace("@LANGUAGE@", language)
        .replace("@COMPILER_ENV@", compiler_env)
        .replace("@FLAGS_ENV@", flags_env)
        .replace("@MARKER@", seed::MARKER)
}

/// The file in a probe folder that holds its key, written last: a folder without it, or
/// with another key, is an unfinished or stale probe.
const KEY_FILE: &str = "key.txt";

/// The file that holds the stamps (size, modification time) of the detected compilers.
const COMPILERS_FILE: &str = "compilers.txt";

/// The file that holds the seed's manifest (each file's size and checksum).
const MANIFEST_FILE: &str = "seed.txt";

/// A hash of the probe's own files: a jobdeck whose probe works differently never takes a
/// probe an older one made (part of the key).
pub fn templates_hash() -> u64 {
    key::fnv1a(
        [PROBE_PROJECT, DETERMINE, SNAPSHOT, CHECK]
            .concat()
            .as_bytes(),
    )
}

/// The session's probes, one per key, shared by every configure.
#[derive(Debug)]
pub struct Probes {
    /// The probes folder in the user's cache (`None`: no `XDG_CACHE_HOME` nor `HOME`).
    root: Option<PathBuf>,
    /// The folder once created and checked, or `None` when it was refused (and said so).
    opened: OnceLock<Option<PathBuf>>,
    slots: Mutex<HashMap<String, Arc<SlotCell>>>,
    /// Every warning of the session, and how many of them were taken as news.
    warnings: Mutex<(Vec<String>, usize)>,
}

#[derive(Debug, Default)]
enum Slot {
    #[default]
    Untried,
    /// A run is probing now; the others wait for it.
    Probing,
    Ready(Arc<Seed>),
    Failed,
}

/// How often a configure waiting for another's probe looks at its own stop flag: a cancel
/// or timeout ends the wait within this, not when the probe ends.
const WAIT_STEP: Duration = Duration::from_millis(50);

/// One key's slot, and the signal that its probe ended.
#[derive(Debug, Default)]
struct SlotCell {
    slot: Mutex<Slot>,
    ended: Condvar,
}

impl SlotCell {
    /// What is known for this key, or that this run is to probe (the slot is then
    /// `Probing`). Waits for a probe another run is making, and stops waiting as soon as
    /// this run is stopped.
    fn claim(&self, ctx: &RunCtx) -> Result<Claimed, StopReason> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let mut said = false;
        loop {
            match &*slot {
                Slot::Ready(seed) => return Ok(Claimed::Known(Some(Arc::clone(seed)))),
                Slot::Failed => return Ok(Claimed::Known(None)),
                Slot::Untried => break,
                Slot::Probing => {}
            }
            if let Some(reason) = ctx.stop_reason() {
                return Err(reason);
            }
            if !said {
                // Another configure is probing: wait for it, and say so in the table.
                ctx.set_detail(Detail::Probing);
                said = true;
            }
            slot = self
                .ended
                .wait_timeout(slot, WAIT_STEP)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if let Some(reason) = ctx.stop_reason() {
            return Err(reason);
        }
        *slot = Slot::Probing;
        Ok(Claimed::ToProbe)
    }
}

/// What a run found in its key's slot.
#[derive(Debug, PartialEq)]
enum Claimed {
    /// A probe's end: its seed, or `None` when it failed.
    Known(Option<Arc<Seed>>),
    /// Nobody has probed: this run does.
    ToProbe,
}

/// A run's claim on a slot it probes for: dropped, it leaves the slot as `end` (untried
/// unless the probe came to an end, so the next run tries again after a stop or a panic)
/// and wakes the runs waiting for it.
struct Claim<'a> {
    cell: &'a SlotCell,
    end: Slot,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        *self
            .cell
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = std::mem::take(&mut self.end);
        self.cell.ended.notify_all();
    }
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

    /// The seed for configures run with `settings`: a probe kept from an earlier session,
    /// or one run now under `ctx`. `Ok(None)` when the probe failed (the session was warned);
    /// `Err` when the run was stopped while probing.
    pub fn seed(
        &self,
        settings: &CmakeSettings,
        options: &[String],
        ctx: &mut RunCtx,
    ) -> Result<Option<Arc<Seed>>, StopReason> {
        let Some(root) = self.open(ctx) else {
            return Ok(None);
        };
        let key = ProbeKey::new(settings, options, |name| std::env::var_os(name));
        let cell = Arc::clone(
            self.slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key.folder.clone())
                .or_default(),
        );
        if let Claimed::Known(known) = cell.claim(ctx)? {
            return Ok(known);
        }
        // This run probes: whatever happens below, the slot ends claimed by nobody.
        let mut claim = Claim {
            cell: &cell,
            end: Slot::Untried,
        };
        let folder = root.join(&key.folder);
        if std::fs::symlink_metadata(&folder).is_ok()
            && let Err(why) = cache::check(&folder)
        {
            claim.end = Slot::Failed;
            self.warn(
                ctx,
                format!("the toolchain probe {why}: configures are not seeded from it"),
            );
            return Ok(None);
        }
        if let Some(seed) = kept(&folder, &key) {
            let seed = Arc::new(seed);
            claim.end = Slot::Ready(Arc::clone(&seed));
            return Ok(Some(seed));
        }
        ctx.set_detail(Detail::Probing);
        match run_probe(root, &key, settings, options, ctx) {
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
                let seed = Arc::new(seed);
                claim.end = Slot::Ready(Arc::clone(&seed));
                Ok(Some(seed))
            }
            Err(ProbeError::Stopped(reason)) => Err(reason),
            Err(ProbeError::Failed(why)) => {
                claim.end = Slot::Failed;
                self.warn(
                    ctx,
                    format!(
                        "the toolchain probe in {} failed ({why}): configures are not seeded, \
                         each detects its compilers itself",
                        folder.display()
                    ),
                );
                Ok(None)
            }
        }
    }

    /// The probes folder, created and checked on first use; `None` (the session warned
    /// once) when there is none or it is not fit to hold probes.
    fn open(&self, ctx: &RunCtx) -> Option<&Path> {
        self.opened
            .get_or_init(|| {
                let checked = match &self.root {
                    None => Err(
                        "there is no cache folder: neither XDG_CACHE_HOME nor HOME is \
                                 set"
                        .to_string(),
                    ),
                    Some(root) => cache::open(root).map(|()| root.clone()),
                };
                checked
                    .map_err(|why| {
                        self.warn(
                            ctx,
                            format!(
                                "toolchain probes are not shared ({why}): configures are not \
                                 seeded, each detects its compilers itself"
                            ),
                        );
                    })
                    .ok()
            })
            .as_deref()
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

    /// The warnings made since the last call (a probe that failed), for the live table.
    pub fn take_new_warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.lock().unwrap_or_else(PoisonError::into_inner);
        let (all, taken) = &mut *warnings;
        let new = all[*taken..].to_vec();
        *taken = all.len();
        new
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

enum ProbeError {
    Stopped(StopReason),
    Failed(String),
}

/// The seed of a finished probe in `folder` with the same key, whose compilers are still
/// the files they were.
fn kept(folder: &Path, key: &ProbeKey) -> Option<Seed> {
    if std::fs::read_to_string(folder.join(KEY_FILE)).ok()? != key.text {
        return None;
    }
    let seed = Seed::read(folder, &key.folder).ok()?;
    let stamps = std::fs::read_to_string(folder.join(COMPILERS_FILE)).ok()?;
    let manifest = std::fs::read_to_string(folder.join(MANIFEST_FILE)).ok()?;
    (stamps == compiler_stamps(&seed) && manifest == seed.manifest()).then_some(seed)
}

fn compiler_stamps(seed: &Seed) -> String {
    let mut stamps = String::new();
    for compiler in &seed.compilers {
        stamps.push_str(&key::file_stamp(Path::new(compiler)));
        stamps.push('\n');
    }
    stamps
}

/// Runs the probe `key` under `root`: one configure per language, side by side, in a
/// scratch folder of this session's, put in place as `<root>/<key>` when it ends (a failed
/// one too, for its logs; without its key file it is never used). When some languages'
/// probes failed, the seed holds the others, and the failures come with it.
fn run_probe(
    root: &Path,
    key: &ProbeKey,
    settings: &CmakeSettings,
    options: &[String],
    ctx: &mut RunCtx,
) -> Result<(Seed, Option<String>), ProbeError> {
    cache::sweep(root);
    let folder = root.join(&key.folder);
    let scratch = cache::scratch(root, &key.folder);
    let result = probe_in(&scratch, &folder, key, settings, options, ctx);
    if matches!(result, Err(ProbeError::Stopped(_))) {
        let _ = std::fs::remove_dir_all(&scratch);
    } else if let Err(err) = cache::publish(&scratch, &folder) {
        let _ = std::fs::remove_dir_all(&scratch);
        if result.is_ok() {
            // The seed is good for this session; the next one probes again.
            ctx.output(
                vec![format!(
                    "jobdeck: cannot keep the toolchain probe as {}: {err}",
                    folder.display()
                )],
                0,
            );
        }
    }
    result
}

/// Runs the probe in `scratch`, to be kept as `folder` (which the messages name).
fn probe_in(
    scratch: &Path,
    folder: &Path,
    key: &ProbeKey,
    settings: &CmakeSettings,
    options: &[String],
    ctx: &mut RunCtx,
) -> Result<(Seed, Option<String>), ProbeError> {
    let failed =
        |what: &str, err: std::io::Error| ProbeError::Failed(format!("cannot write {what}: {err}"));
    let mut commands = Vec::new();
    for language in seed::LANGUAGES {
        let base = scratch.join(language.to_lowercase());
        let source = base.join("src");
        std::fs::create_dir_all(source.join("hook"))
            .and_then(|()| {
                std::fs::write(source.join("CMakeLists.txt"), fill(PROBE_PROJECT, language))
            })
            .and_then(|()| {
                std::fs::write(
                    source
                        .join("hook")
                        .join(format!("CMakeDetermine{language}Compiler.cmake")),
                    fill(DETERMINE, language),
                )
            })
            .and_then(|()| std::fs::write(source.join("snapshot.cmake"), fill(SNAPSHOT, language)))
            .and_then(|()| std::fs::write(source.join("check.cmake"), fill(CHECK, language)))
            .map_err(|err| failed("the probe project", err))?;
        let mut command = Command::new(&settings.program);
        command
            .arg("-S")
            .arg(&source)
            .arg("-B")
            .arg(base.join("build"));
        if let Some(generator) = &settings.generator {
            command.arg("-G").arg(generator);
        }
        for define in settings.defines.iter().chain(options) {
            command.arg(format!("-D{define}"));
        }
        commands.push((command, base.with_extension("log")));
    }
    let outcomes = run_side_by_side(commands, ctx);
    let mut failures = Vec::new();
    for ((outcome, log), language) in outcomes.into_iter().zip(seed::LANGUAGES) {
        let what = match outcome {
            Outcome::Succeeded => continue,
            Outcome::Cancelled => return Err(ProbeError::Stopped(StopReason::Cancelled)),
            Outcome::TimedOut => return Err(ProbeError::Stopped(StopReason::TimedOut)),
            Outcome::Failed { code: Some(_), .. } => {
                describe(&outcome, None, Voice::Log).unwrap_or_default()
            }
            Outcome::SpawnFailed(reason) => format!("could not start cmake: {reason}"),
            _ => "cmake failed".to_string(),
        };
        let log = folder.join(log.file_name().unwrap_or_default());
        failures.push(format!("{language}: {what}, see {}", log.display()));
        // Only what the probe detected is seeded: a language whose probe failed is not.
        let entries = scratch
            .join(language.to_lowercase())
            .join("build")
            .join(seed::ENTRIES_FILE);
        let _ = std::fs::remove_file(entries);
    }
    if failures.len() == seed::LANGUAGES.len() {
        return Err(ProbeError::Failed(failures.join("; ")));
    }
    let seed = Seed::read(scratch, &key.folder).map_err(ProbeError::Failed)?;
    // The key last: a folder whose key file is there holds a whole probe.
    seed::write_atomically(
        &scratch.join(COMPILERS_FILE),
        compiler_stamps(&seed).as_bytes(),
    )
    .and_then(|()| seed::write_atomically(&scratch.join(MANIFEST_FILE), seed.manifest().as_bytes()))
    .and_then(|()| seed::write_atomically(&scratch.join(KEY_FILE), key.text.as_bytes()))
    .map_err(|err| failed("the probe's key", err))?;
    let partly = (!failures.is_empty()).then(|| failures.join("; "));
    Ok((seed, partly))
}

/// Runs the commands at once, the first on this thread and the others on threads of their
/// own, each logged to its path. Returns each outcome with its log, in order.
fn run_side_by_side(
    commands: Vec<(Command, PathBuf)>,
    ctx: &mut RunCtx,
) -> Vec<(Outcome, PathBuf)> {
    let mut commands = commands.into_iter();
    let Some((first, first_log)) = commands.next() else {
        return Vec::new();
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = commands
            .map(|(command, log)| {
                let mut sibling = ctx.sibling();
                scope.spawn(move || {
                    (
                        process::run_helper(command, &log, &mut sibling).outcome,
                        log,
                    )
                })
            })
            .collect();
        let mut outcomes = vec![(
            process::run_helper(first, &first_log, ctx).outcome,
            first_log,
        )];
        for other in others {
            outcomes.push(other.join().unwrap_or_else(|_| {
                (
                    Outcome::Panicked("the probe thread panicked".to_string()),
                    PathBuf::new(),
                )
            }));
        }
        outcomes
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CancelToken, JobId, RunId, WorkerId};

    fn waiting_run(cancel: &CancelToken) -> RunCtx {
        let (events, _) = crossbeam_channel::unbounded();
        RunCtx::new(
            JobId(1),
            RunId(1),
            WorkerId(1),
            cancel.clone(),
            None,
            events,
        )
    }

    /// A configure waiting for another's probe is cancelled: its wait ends then, not when
    /// the probe ends (it used to block on the slot's mutex until then).
    #[test]
    fn cancelling_a_run_waiting_for_a_probe_ends_its_wait() {
        let cell = Arc::new(SlotCell::default());
        *cell.slot.lock().expect("slot") = Slot::Probing;
        let cancel = CancelToken::new();
        let (done, result) = crossbeam_channel::bounded(1);
        let waiter = {
            let cell = Arc::clone(&cell);
            let ctx = waiting_run(&cancel);
            std::thread::spawn(move || done.send(cell.claim(&ctx)))
        };
        cancel.cancel();
        let ended = result
            .recv_timeout(Duration::from_secs(10))
            .expect("the wait ended while the probe still runs");
        assert_eq!(ended, Err(StopReason::Cancelled));
        assert!(matches!(*cell.slot.lock().expect("slot"), Slot::Probing));
        waiter
            .join()
            .expect("the waiting thread")
            .expect("the result was taken");
    }

    /// The prober's claim, dropped, hands its result to the runs waiting for it; dropped
    /// without one (stopped, panicked), it leaves the slot for the next run to probe.
    #[test]
    fn a_claim_hands_its_end_to_the_waiting_runs() {
        let cell = SlotCell::default();
        let cancel = CancelToken::new();
        let ctx = waiting_run(&cancel);
        assert_eq!(cell.claim(&ctx), Ok(Claimed::ToProbe));
        drop(Claim {
            cell: &cell,
            end: Slot::Untried,
        });
        assert_eq!(cell.claim(&ctx), Ok(Claimed::ToProbe), "tried again");
        drop(Claim {
            cell: &cell,
            end: Slot::Failed,
        });
        assert_eq!(cell.claim(&ctx), Ok(Claimed::Known(None)));
    }
}
