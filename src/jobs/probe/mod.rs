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
//! The probe is a job of the graph ([`job`]), one per key, that the fresh configures of its
//! key come after: it has its own row, log and timeout, and counts in `-j`. A probe that
//! fails (or is cancelled) leaves its configures to run unseeded, with one warning; they do
//! not fail for it. The session's probes and what each left: [`probes`].

mod answer;
pub mod cache;
pub mod job;
pub mod key;
mod probes;
pub mod seed;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::engine::ending::{Voice, describe};
use crate::engine::{Outcome, Report, RunCtx, StopReason, process};

use super::cmake::CmakeSettings;
pub use job::{KIND, ProbeJob};
use key::ProbeKey;
pub use probes::{Found, Probes};
pub use seed::Seed;

/// The probe project, with `@LANGUAGE@` for the one language it enables.
const PROBE_PROJECT: &str = include_str!("probe.cmake.in");

/// Where the probe's detection starts: records the state it starts from, then detects.
const DETERMINE: &str = include_str!("determine.cmake.in");

/// The script that records the cache entries the detection made.
const SNAPSHOT: &str = include_str!("snapshot.cmake");

/// The script that writes the check a seeded configure runs.
const CHECK: &str = include_str!("check.cmake");

/// The quoting function both scripts use, put in for their `@QUOTE@`.
const QUOTE: &str = include_str!("quote.cmake");

/// A probe file's template with the language's words filled in.
fn fill(template: &str, language: &str) -> String {
    let (compiler_env, flags_env) = seed::environment_names(language);
    template
        .replace("@QUOTE@", QUOTE)
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
        [PROBE_PROJECT, DETERMINE, SNAPSHOT, CHECK, QUOTE]
            .concat()
            .as_bytes(),
    )
}

/// Why a probe gave no seed.
#[derive(Debug)]
pub enum ProbeError {
    /// The run was cancelled or timed out.
    Stopped(StopReason),
    /// It failed, and why.
    Failed(String),
}

/// The seed of a finished probe in `folder` with the same key, whose compilers are still
/// the files they were and answer as they did.
fn kept(folder: &Path, key: &ProbeKey) -> Option<Seed> {
    if std::fs::read_to_string(folder.join(KEY_FILE)).ok()? != key.text {
        return None;
    }
    let seed = Seed::read(folder, &key.folder).ok()?;
    let stamps = std::fs::read_to_string(folder.join(COMPILERS_FILE)).ok()?;
    let manifest = std::fs::read_to_string(folder.join(MANIFEST_FILE)).ok()?;
    (manifest == seed.manifest() && stamps == compiler_stamps(&seed)?).then_some(seed)
}

/// Each detected compiler's file stamp and a fingerprint of what it answers (a wrapper
/// whose target changed is the same file); `None` when one does not answer.
fn compiler_stamps(seed: &Seed) -> Option<String> {
    let mut stamps = String::new();
    for (language, compiler) in &seed.compilers {
        let compiler = Path::new(compiler);
        let answer = answer::fingerprint(compiler, language)?;
        let _ = writeln!(stamps, "{} answer {answer:016x}", key::file_stamp(compiler));
    }
    Some(stamps)
}

/// Runs the probe `key` under `root`: one configure per language, in a scratch folder of
/// this session's, put in place as `<root>/<key>` when it succeeds (removed when it fails:
/// its logs are the probe job's, and a folder without its key file would never be used nor
/// removed). When some languages' probes failed, the seed holds the others, and the
/// failures come with it.
fn run_probe(
    root: &Path,
    key: &ProbeKey,
    settings: &CmakeSettings,
    options: &[String],
    log: &Path,
    ctx: &mut RunCtx,
) -> Result<(Seed, Option<String>), ProbeError> {
    cache::sweep(root);
    let folder = root.join(&key.folder);
    let scratch = cache::scratch(root, &key.folder);
    let result = probe_in(&scratch, key, settings, options, log, ctx);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    } else if let Err(err) = cache::publish(&scratch, &folder) {
        let _ = std::fs::remove_dir_all(&scratch);
        // The seed is good for this session; the next one probes again.
        ctx.output(
            vec![format!(
                "jobdeck: cannot keep the toolchain probe as {}: {err}",
                folder.display()
            )],
            0,
        );
    }
    result
}

/// Runs the probe in `scratch`, each language's cmake logged beside `log` (`c.log`,
/// `cxx.log`).
fn probe_in(
    scratch: &Path,
    key: &ProbeKey,
    settings: &CmakeSettings,
    options: &[String],
    log: &Path,
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
        commands.push((command, language_log(log, language)));
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
            Outcome::SpawnFailed(reason) => format!(
                "could not start {}: {reason}",
                Path::new(&settings.program).display()
            ),
            _ => "cmake failed".to_string(),
        };
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
    // A compiler that does not answer now leaves stamps no later session matches.
    let stamps = compiler_stamps(&seed).unwrap_or_default();
    seed::write_atomically(&scratch.join(COMPILERS_FILE), stamps.as_bytes())
        .and_then(|()| {
            seed::write_atomically(&scratch.join(MANIFEST_FILE), seed.manifest().as_bytes())
        })
        .and_then(|()| seed::write_atomically(&scratch.join(KEY_FILE), key.text.as_bytes()))
        .map_err(|err| failed("the probe's key", err))?;
    let partly = (!failures.is_empty()).then(|| failures.join("; "));
    Ok((seed, partly))
}

/// The log of one language's cmake, beside the probe job's `log`.
pub fn language_log(log: &Path, language: &str) -> PathBuf {
    log.with_file_name(format!("{}.log", language.to_lowercase()))
}

/// Runs the commands, each logged to its path, and returns each outcome with its log, in
/// order. The probe counts in `-j` as any job: its run holds one slot of the session's pool,
/// and its languages run side by side only when the pool has a slot free for each other one
/// (then held while it runs); else one after another on this run's slot.
fn run_side_by_side(
    commands: Vec<(Command, PathBuf)>,
    ctx: &mut RunCtx,
) -> Vec<(Outcome, PathBuf)> {
    let extra: Option<Vec<_>> = match ctx.slots().cloned() {
        Some(slots) => (1..commands.len()).map(|_| slots.try_hold()).collect(),
        // No pool (`--build-jobs`): nothing to count in, as before.
        None => Some(Vec::new()),
    };
    let Some(_extra) = extra else {
        let mut outcomes = Vec::new();
        for (command, log) in commands {
            let outcome = if let Some(reason) = ctx.stop_reason() {
                Report::stopped(reason).outcome
            } else {
                process::run_helper(command, &log, ctx).outcome
            };
            outcomes.push((outcome, log));
        }
        return outcomes;
    };
    ctx.compilers(commands.len());
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
