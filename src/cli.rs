//! The command line, and turning it into the list of jobs to run.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::history::{history_path, read_last_runs};
use crate::jobs::cmake::{CmakeJob, CmakeSettings};
use crate::jobs::{Job, JobSpec, discovery, log_files, pseudowords};

/// Run many jobs in parallel on a pool of worker threads, and watch and steer them live.
///
/// Finds the CMake projects under DIR and configures each one on a pool of workers. With a
/// terminal it opens a live table; without one (or with --headless) it prints one line per
/// finished job and exits 0 if all succeeded, 1 if any did not, 2 on a usage error, 130 if
/// interrupted.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about)]
#[expect(
    clippy::doc_markdown,
    reason = "clap shows these comments as help text, as written"
)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent command-line switches"
)]
pub struct Args {
    /// Folder to search for CMake projects [default: ., or the bundled demo with --demo].
    pub dir: Option<PathBuf>,

    /// Number of worker threads [default: the number of CPUs].
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Where build folders go: <BUILD_ROOT>/<name> [default: DIR/build].
    #[arg(short = 'B', long, value_name = "DIR")]
    pub build_root: Option<PathBuf>,

    /// CMake generator, passed as -G.
    #[arg(short = 'G', long, value_name = "NAME")]
    pub generator: Option<String>,

    /// A cache entry for every configure, passed as -D (repeatable).
    #[arg(short = 'D', value_name = "VAR=VALUE", value_parser = parse_define)]
    pub defines: Vec<String>,

    /// CMAKE_BUILD_TYPE for every configure.
    #[arg(long, value_name = "TYPE", default_value = "Debug")]
    pub build_type: String,

    /// The cmake program to run.
    #[arg(long, value_name = "PATH", default_value = "cmake")]
    pub cmake: PathBuf,

    /// Where each job's full log goes [default: BUILD_ROOT/.jobdeck/logs].
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,

    /// Print plain lines instead of opening the live table (the default without a terminal).
    #[arg(long)]
    pub headless: bool,

    /// With --headless: print one JSON object per event instead of plain lines.
    #[arg(long)]
    pub json: bool,

    /// Start with dispatch paused: start jobs by hand with `s`, or resume with `p`.
    #[arg(long)]
    pub paused: bool,

    /// Kill a job that runs longer than SECS seconds; it ends as `timeout`.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    /// Run jobs at this niceness (child processes and worker threads).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(-20..=19))]
    pub nice: Option<i32>,

    /// Do not look for CMake projects; run only the pseudoword tasks.
    #[arg(long)]
    pub no_cmake: bool,

    /// Add N pseudoword file tasks; task i writes WORDS_OUT/output<i>.txt.
    #[arg(long, value_name = "N")]
    pub words: Option<usize>,

    /// Words each pseudoword task produces.
    #[arg(long, value_name = "M", default_value_t = DEFAULT_WORDS_PER_TASK)]
    pub words_per_task: u64,

    /// Add one pseudoword task per letter, gathered in order into WORDS_OUT/letters.txt.
    #[arg(long, value_name = "STRING", value_parser = pseudowords::parse_letters)]
    pub letters: Option<String>,

    /// Where pseudoword files go [default: BUILD_ROOT/pseudowords].
    #[arg(long, value_name = "DIR")]
    pub words_out: Option<PathBuf>,

    /// Seed for the pseudowords: the same seed gives the same files [default: random].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Run only the jobs whose last recorded run (BUILD_ROOT/.jobdeck/history.jsonl) did not
    /// succeed.
    #[arg(long)]
    pub rerun_failed: bool,

    /// Write the session as a Chrome trace (open it in Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Run the bundled demo: its projects once per build type plus pseudoword tasks (10-20 s
    /// on two workers), built in a temporary folder that is removed at exit.
    #[arg(long)]
    pub demo: bool,
}

/// `--words-per-task` when not given.
const DEFAULT_WORDS_PER_TASK: u64 = 1_000_000;

fn parse_define(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((name, _)) if !name.is_empty() => Ok(text.to_string()),
        _ => Err(format!("expected VAR=VALUE, got `{text}`")),
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("expected seconds, got `{text}`"))?;
    if seconds.is_finite() && seconds > 0.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "the timeout must be a positive number of seconds, got `{text}`"
        ))
    }
}

/// Everything needed to run: the jobs and how to run them.
#[derive(Debug)]
pub struct Plan {
    /// The rows, in display order.
    pub jobs: Vec<Job>,
    /// Worker threads to start with.
    pub workers: usize,
    /// Per-run time limit.
    pub timeout: Option<Duration>,
    /// Niceness for the workers.
    pub nice: Option<i32>,
    /// Start paused.
    pub paused: bool,
    /// Problems found while planning that did not stop it (e.g. unreadable folders).
    pub warnings: Vec<String>,
    /// The run history file every finished run is appended to.
    pub history: PathBuf,
    /// Where to write a Chrome trace at the end, if asked.
    pub trace: Option<PathBuf>,
    /// The guard that stops the jobs if jobdeck is killed with SIGKILL (set by `main`).
    pub watchdog: Option<std::sync::Arc<crate::engine::watchdog::Watchdog>>,
}

/// A problem that stops jobdeck before any job runs (exit status 2).
#[derive(Debug)]
pub struct StartupError(pub String);

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}

impl Args {
    /// Discovers the projects and builds the job list.
    pub fn plan(&self) -> Result<Plan, StartupError> {
        let (dir, build_root, log_dir) = self.folders()?;
        let found = if self.no_cmake {
            discovery::Discovery::default()
        } else {
            discovery::discover(&dir, &build_root)
        };
        let mut jobs = self.cmake_jobs(found.projects, &build_root, &log_dir);
        if self.demo {
            jobs = crate::demo::per_build_type(jobs, &build_root, &log_dir);
        }
        jobs.extend(pseudowords::jobs(&self.words_request(&build_root)?));
        if jobs.is_empty() && self.no_cmake {
            return Err(StartupError(
                "nothing to run: --no-cmake was given without --words or --letters".to_string(),
            ));
        }
        let history = history_path(&build_root);
        let mut warnings = found.warnings;
        let mut nothing_to_rerun = false;
        if self.rerun_failed {
            let had_jobs = !jobs.is_empty();
            let last = read_last_runs(&history);
            warnings.extend(last.warnings);
            jobs.retain(|job| {
                last.status
                    .get(&job.name)
                    .is_some_and(|status| status != "ok")
            });
            // Not an error: every job's last run succeeded, which is what the user wants.
            nothing_to_rerun = had_jobs && jobs.is_empty();
            if nothing_to_rerun {
                warnings.push(format!(
                    "nothing to re-run: no job's last recorded run in {} failed",
                    history.display()
                ));
            }
        }
        if jobs.is_empty() && !nothing_to_rerun {
            return Err(StartupError(format!(
                "no CMake projects (folders with a CMakeLists.txt) found under {}",
                dir.display()
            )));
        }
        Ok(Plan {
            jobs,
            workers: self.jobs.map_or_else(num_cpus::get, usize::from).max(1),
            timeout: self.timeout,
            nice: self.nice,
            paused: self.paused,
            warnings,
            history,
            trace: self.trace.as_ref().map(|t| absolute(t)).transpose()?,
            watchdog: None,
        })
    }
}

impl Args {
    /// The searched folder, the build root and the log folder, absolute and checked.
    fn folders(&self) -> Result<(PathBuf, PathBuf, PathBuf), StartupError> {
        let dir = absolute(&self.source_dir())?;
        if !self.no_cmake
            && let Err(err) = std::fs::read_dir(&dir)
        {
            return Err(StartupError(format!(
                "cannot read folder {}: {err}",
                dir.display()
            )));
        }
        let build_root = match &self.build_root {
            Some(root) => absolute(root)?,
            None if self.demo => crate::demo::build_root(),
            None => dir.join("build"),
        };
        if !self.no_cmake && same_folder(&build_root, &dir) {
            return Err(StartupError(format!(
                "the build root cannot be the searched folder {} itself: every build folder \
                 would be a project's own source folder (pass another -B)",
                dir.display()
            )));
        }
        let log_dir = match &self.log_dir {
            Some(logs) => absolute(logs)?,
            None => build_root.join(".jobdeck").join("logs"),
        };
        Ok((dir, build_root, log_dir))
    }

    /// One configure job per discovered project.
    fn cmake_jobs(
        &self,
        projects: Vec<discovery::Project>,
        build_root: &Path,
        log_dir: &Path,
    ) -> Vec<Job> {
        let settings = Arc::new(CmakeSettings {
            program: self.cmake.clone().into_os_string(),
            generator: self.generator.clone(),
            defines: self.defines.clone(),
            build_type: self.build_type.clone(),
        });
        projects
            .into_iter()
            .map(|project| Job {
                spec: JobSpec::Cmake {
                    job: CmakeJob {
                        build_dir: build_root.join(&project.name),
                        log: log_files::log_path(log_dir, &project.name),
                        source: project.dir,
                    },
                    settings: Arc::clone(&settings),
                },
                name: project.name,
            })
            .collect()
    }

    /// The folder to search: DIR, or with `--demo` the bundled demo projects.
    fn source_dir(&self) -> PathBuf {
        match &self.dir {
            Some(dir) => dir.clone(),
            None if self.demo => crate::demo::projects_dir(),
            None => PathBuf::from("."),
        }
    }

    /// With `--demo` and no `-B`: removes the demo's temporary build root when dropped.
    pub fn demo_cleanup(&self) -> Option<crate::demo::Cleanup> {
        (self.demo && self.build_root.is_none())
            .then(|| crate::demo::Cleanup(crate::demo::build_root()))
    }

    /// The pseudoword tasks asked for; without `--seed` the session gets a random seed.
    fn words_request(&self, build_root: &Path) -> Result<pseudowords::WordsRequest, StartupError> {
        // The demo's mix, unless asked otherwise (`--words-per-task` counts as asked when it
        // is not its default).
        Ok(pseudowords::WordsRequest {
            files: self
                .words
                .unwrap_or(if self.demo { crate::demo::WORDS } else { 0 }),
            letters: self
                .letters
                .clone()
                .unwrap_or_else(|| if self.demo { crate::demo::LETTERS } else { "" }.to_string()),
            settings: pseudowords::WordsSettings {
                out_dir: match &self.words_out {
                    Some(out) => absolute(out)?,
                    None => build_root.join("pseudowords"),
                },
                words_per_task: if self.demo && self.words_per_task == DEFAULT_WORDS_PER_TASK {
                    crate::demo::WORDS_PER_TASK
                } else {
                    self.words_per_task
                },
                seed: self.seed.unwrap_or_else(rand::random),
            },
        })
    }
}

/// Whether two paths name the same folder, comparing canonical forms when both exist.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn absolute(path: &Path) -> Result<PathBuf, StartupError> {
    std::path::absolute(path)
        .map_err(|err| StartupError(format!("cannot resolve {}: {err}", path.display())))
}
