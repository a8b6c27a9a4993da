//! Turning a request (what the command line asked for, as plain data) into the job graph to
//! run: discovery, the pipeline of each project, the pseudoword tasks, `--rerun-failed`, and
//! the expected times from the history.
//!
//! [`PlanRequest`] knows nothing of clap: `cli` fills it from the arguments, and a
//! configuration file or another front end could fill it as well.

pub mod cli;
pub mod commands;
pub mod demo;
mod graph;
pub mod list;
mod outputs;
mod probes;
mod run_cli;

use graph::{append_with_deps, rerun_failed, with_stages};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::launcher::Launcher;
use crate::jobs::cmake::{CmakeJob, CmakeSettings, CmakeSpec, Step as Stage};
use crate::jobs::probe::Probes;
use crate::jobs::{Job, discovery, pseudowords};
use crate::records::history::{history_path, read_last_runs};
use crate::sys::path_checks;

pub use commands::OutputOrder;

/// Everything needed to run: the jobs and how to run them.
#[derive(Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent switches, as the command line has them"
)]
pub struct Plan {
    /// The rows, in display order; each job's dependencies come before it.
    pub jobs: Vec<Job>,
    /// How long each job is expected to take, from the history (`None`: no history, or
    /// `--order name`).
    pub expected: Vec<Option<Duration>>,
    /// `--order name`: ready jobs go in name order, whatever their expected times.
    pub by_name: bool,
    /// The situation each job's first run starts in, which the history keeps with the run
    /// (`None` for a job whose runs are all alike; an empty list when no job has one).
    pub situations: Vec<Option<&'static str>>,
    /// Worker threads to start with.
    pub workers: usize,
    /// Per-run time limit.
    pub timeout: Option<Duration>,
    /// Times a failed run is run again (`--retries`), for a job without its own `retries`.
    pub retries: u32,
    /// Whether a job that passed only on a retry fails the session (`--flaky-fails`).
    pub flaky_fails: bool,
    /// Whether the first failure cancels every job not started (`--fail-fast`).
    pub fail_fast: bool,
    /// A test running longer than this is marked `slow` in its row (`--slow`).
    pub slow: Option<Duration>,
    /// Niceness for the workers (with a launcher, the launcher's business: see `launcher`).
    pub nice: Option<i32>,
    /// The prefix every process job runs through (`--launcher`, `--slurm`).
    pub launcher: Option<Arc<Launcher>>,
    /// Start paused.
    pub paused: bool,
    /// Whether runs share one pool of `workers` compile slots, with jobdeck as the builds'
    /// jobserver: not with `--build-jobs`, nor with a launcher (slots on this machine say
    /// nothing of a node's cores).
    pub slots: bool,
    /// The memory gate (`--mem-free`) for builds and tests.
    pub memory: Option<crate::engine::memory::MemoryGate>,
    /// Problems found while planning that did not stop it (e.g. unreadable folders).
    pub warnings: Vec<String>,
    /// The run history file every finished run is appended to.
    pub history: PathBuf,
    /// Where to write a Chrome trace at the end, if asked.
    pub trace: Option<PathBuf>,
    /// The CI reports to write at the end (`--junit`, `--annotations`, `--report`).
    pub reports: Reports,
    /// The folders pseudoword tasks write temporaries into: cleared of those a killed session
    /// left behind before this one starts.
    pub words_folders: Vec<PathBuf>,
    /// The session's toolchain probes (`None` with `--no-share-probes`, `--no-cmake` or a
    /// launcher).
    pub probes: Option<Arc<Probes>>,
    /// The guard that stops the jobs if jobdeck is killed with SIGKILL (set by `main`).
    pub watchdog: Option<Arc<crate::engine::watchdog::Watchdog>>,
    /// Start in watch mode (`--watch`): re-run a project when its folder changes.
    pub watch: bool,
    /// Folders the runs write into (build root, log folder): changes there never count.
    pub written_folders: Vec<PathBuf>,
    /// The session's command line, program first, for the recap's re-run hints.
    pub command_line: Vec<OsString>,
    /// `--demo`: the bundled demo runs.
    pub demo: bool,
    /// `--list`: print the jobs (`list::lines`) instead of running them.
    pub list: bool,
    /// `jobdeck run`: stdout carries each job's own output, whole, in this order, and
    /// jobdeck's own lines go to stderr. `None`: stdout has jobdeck's lines (CMake sessions).
    pub job_output: Option<OutputOrder>,
    /// What gives the jobs new commands when their file changes (a `jobdeck.toml`'s).
    pub reload: Option<Arc<dyn crate::jobs::Reload>>,
}

impl Plan {
    /// What of the session's jobs warns as it goes, for the driver to hear.
    pub fn warners(&self) -> Vec<std::sync::Arc<dyn crate::jobs::Warner>> {
        self.probes
            .iter()
            .map(|probes| std::sync::Arc::clone(probes) as std::sync::Arc<dyn crate::jobs::Warner>)
            .collect()
    }
}

/// What to run and how, as plain data: every setting a session starts from.
#[derive(Debug, Clone)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent switches, as the command line has them"
)]
pub struct PlanRequest {
    /// The folder to search for CMake projects (`None`: `.`, or the demo's projects).
    pub dir: Option<PathBuf>,
    /// Worker threads (`None`: the number of CPUs).
    pub workers: Option<usize>,
    /// Where build folders go (`None`: `<dir>/build`; the demo's is its temporary folder's,
    /// given by `Args::demo_folder`).
    pub build_root: Option<PathBuf>,
    /// CMake generator (`-G`).
    pub generator: Option<String>,
    /// Cache entries for every configure (`-D VAR=VALUE`), in order.
    pub defines: Vec<String>,
    /// `CMAKE_BUILD_TYPE` for every configure.
    pub build_type: String,
    /// The cmake program.
    pub cmake: PathBuf,
    /// Compilers one build may run at once (`--build-jobs`, which turns the pool of slots
    /// off); `None`: every build takes what the pool has free.
    pub build_jobs: Option<u32>,
    /// Start no new build or test while the memory available is below this many bytes.
    pub mem_free: Option<u64>,
    /// The stages each project goes through, in order, each after the one before.
    pub pipeline: Vec<Stage>,
    /// Which ready job starts first.
    pub order: Order,
    /// Where logs go (`None`: `<build-root>/.jobdeck/logs`).
    pub log_dir: Option<PathBuf>,
    /// Start with dispatch paused.
    pub paused: bool,
    /// Start in watch mode.
    pub watch: bool,
    /// Per-run time limit.
    pub timeout: Option<Duration>,
    /// Times a failed run is run again.
    pub retries: u32,
    /// Whether a pass on a retry fails the session.
    pub flaky_fails: bool,
    /// Whether the first failure cancels every job not started.
    pub fail_fast: bool,
    /// A test running longer than this is marked `slow` (`--slow`).
    pub slow: Option<Duration>,
    /// The prefix every process job runs through.
    pub launcher: LauncherRequest,
    /// Niceness for the jobs.
    pub nice: Option<i32>,
    /// Look for CMake projects (`false`: `--no-cmake`, pseudoword tasks only).
    pub cmake_projects: bool,
    /// Pseudoword file tasks (`None`: none, or the demo's).
    pub words: Option<u32>,
    /// Words per pseudoword task (`None`: the default, or the demo's).
    pub words_per_task: Option<u64>,
    /// One pseudoword task per letter (`None`: none, or the demo's).
    pub letters: Option<String>,
    /// Where pseudoword files go (`None`: `<build-root>/pseudowords`).
    pub words_out: Option<PathBuf>,
    /// Seed for the pseudowords (`None`: random).
    pub seed: Option<u64>,
    /// Seed fresh build folders from a shared toolchain probe.
    pub share_probes: bool,
    /// Run only the jobs whose last recorded run did not succeed.
    pub rerun_failed: bool,
    /// Where to write a Chrome trace.
    pub trace: Option<PathBuf>,
    /// The CI reports asked for.
    pub reports: Reports,
    /// Run the bundled demo.
    pub demo: bool,
    /// `--list`: print what would run, run nothing and create nothing.
    pub list: bool,
    /// The session's command line, program first (for the recap).
    pub command_line: Vec<OsString>,
    /// `jobdeck run`: command jobs instead of CMake projects and pseudoword tasks.
    pub commands: Option<commands::CommandsRequest>,
    /// `jobdeck run -k`: their output in input order, not as they end.
    pub keep_order: bool,
}

/// `--order`: which ready job a free worker takes. (Its doc comments are `--help`'s text.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Order {
    /// The longest expected time first (the run history's durations), counting the stages
    /// that wait on it; a job without history counts as the median of the known ones.
    #[default]
    Longest,
    /// The job list's order: by name.
    Name,
}

/// What every process job runs through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LauncherRequest {
    /// Nothing: jobs run here.
    #[default]
    None,
    /// A prefix given as one line of words (`--launcher "CMD ARGS…"`).
    Prefix(String),
    /// A Slurm job step per job (`--slurm`).
    Slurm,
}

/// The CI reports a session writes at its end: `--junit`, `--annotations`, `--report`. In a
/// [`Plan`] the files are absolute and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reports {
    /// Where to write the `JUnit` XML report.
    pub junit: Option<PathBuf>,
    /// Where to write the HTML report.
    pub html: Option<PathBuf>,
    /// Print GitHub Actions annotations.
    pub annotations: bool,
}

/// `--words-per-task` when not given.
pub const DEFAULT_WORDS_PER_TASK: u64 = 1_000_000;

/// The stages from the first through `last`, in pipeline order.
pub fn pipeline_through(last: Stage) -> Vec<Stage> {
    Stage::ALL
        .into_iter()
        .filter(|&stage| stage <= last)
        .collect()
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

/// Discovers the projects and builds the job graph `request` asks for.
pub fn plan(request: &PlanRequest) -> Result<Plan, StartupError> {
    request.plan()
}

impl PlanRequest {
    /// With `--rerun-failed`, the jobs whose last recorded run did not succeed, and whether
    /// there were jobs but none of them failed (said as a warning, not an error: every job's
    /// last run succeeded, which is what the user wants); else all of them.
    fn only_failed(
        &self,
        jobs: Vec<Job>,
        last: &crate::records::history::LastRuns,
        history: &Path,
        warnings: &mut Vec<String>,
    ) -> (Vec<Job>, bool) {
        if !self.rerun_failed {
            return (jobs, false);
        }
        let had_jobs = !jobs.is_empty();
        let jobs = rerun_failed(jobs, last);
        let nothing_to_rerun = had_jobs && jobs.is_empty();
        if nothing_to_rerun {
            warnings.push(format!(
                "nothing to re-run: no job's last recorded run in {} failed",
                history.display()
            ));
        }
        (jobs, nothing_to_rerun)
    }

    fn plan(&self) -> Result<Plan, StartupError> {
        let workers = self.checked_workers()?;
        let launcher = self.launcher()?.map(Arc::new);
        let (dir, build_root, log_dir) = self.folders()?;
        let found = if self.cmake_projects {
            discovery::discover(&dir, &build_root)
        } else {
            discovery::Discovery::default()
        };
        // With a launcher the configures run elsewhere (a cluster's nodes), while the probe
        // would run here: its detection could be another machine's, so nothing is shared.
        let probes = (self.share_probes && self.cmake_projects && launcher.is_none()).then(|| {
            Arc::new(Probes::new(crate::jobs::probe::cache::user_folder(
                |name| std::env::var_os(name),
            )))
        });
        let mut configures =
            self.configure_jobs(found.projects, &build_root, &log_dir, probes.clone());
        if self.demo {
            configures = crate::plan::demo::per_build_type(configures, &build_root, &log_dir);
        }
        let mut jobs = with_stages(configures, &self.pipeline);
        if let Some(commands) = &self.commands {
            jobs = commands::jobs(commands, &log_dir).map_err(StartupError)?;
        }
        let request = self.words_request(&build_root, &log_dir)?;
        let words_folders = vec![
            request.settings.out_dir.clone(),
            request.settings.parts_dir.clone(),
        ];
        let words = pseudowords::jobs(&request);
        append_with_deps(&mut jobs, words);
        if jobs.is_empty() && !self.cmake_projects && self.commands.is_none() {
            return Err(StartupError(
                "nothing to run: --no-cmake was given without --words or --letters".to_string(),
            ));
        }
        let history = history_path(&build_root);
        path_checks::file(
            &history,
            "the run history",
            "move it away, or pass another -B",
        )
        .map_err(StartupError)?;
        let trace = self.trace_file(&history, &build_root, &log_dir)?;
        let reports = self.reports_files(&history, &build_root, &log_dir, trace.as_deref())?;
        let last = read_last_runs(&history);
        let mut warnings = found.warnings;
        warnings.extend(last.warnings.iter().cloned());
        warnings.extend(self.commands.iter().flat_map(commands::notes));
        let (mut jobs, nothing_to_rerun) = self.only_failed(jobs, &last, &history, &mut warnings);
        if jobs.is_empty() && !nothing_to_rerun {
            return Err(StartupError(format!(
                "no CMake projects (folders with a CMakeLists.txt) found under {}",
                dir.display()
            )));
        }
        // Last, once the options of every configure are known (`--rerun-failed` gives them).
        if !self.list {
            jobs = probes::with_probes(jobs, &log_dir);
        }
        let memory = self.memory_gate()?;
        let (situations, expected) = graph::situations_and_expected(&jobs, &last, self.order);
        Ok(Plan {
            reload: commands::reload(self.commands.as_ref(), &log_dir),
            jobs,
            expected,
            by_name: self.order == Order::Name,
            situations,
            workers,
            timeout: self.timeout,
            retries: self.retries,
            flaky_fails: self.flaky_fails,
            fail_fast: self.fail_fast,
            slow: self.slow,
            nice: self.nice,
            slots: self.build_jobs.is_none() && launcher.is_none(),
            memory,
            launcher,
            paused: self.paused,
            warnings,
            history,
            trace,
            reports,
            words_folders,
            probes,
            watchdog: None,
            watch: self.watch,
            written_folders: vec![
                commands::written(self.commands.as_ref(), build_root),
                log_dir,
            ],
            command_line: self.command_line.clone(),
            demo: self.demo,
            list: self.list,
            job_output: self.job_output(),
        })
    }

    /// The worker count asked for (the CPUs by default), if its threads and their open files
    /// fit this machine's limits.
    fn checked_workers(&self) -> Result<usize, StartupError> {
        let workers = self.workers.unwrap_or_else(num_cpus::get).max(1);
        crate::sys::limits::check_workers(workers).map_err(StartupError)?;
        crate::engine::check_workers(workers)
            .map_err(|short| StartupError(format!("{short}; pass a smaller -j")))?;
        Ok(workers)
    }

    /// Where a `jobdeck run` session's jobs' output goes (`None`: not such a session).
    fn job_output(&self) -> Option<OutputOrder> {
        let order = OutputOrder::of(self.keep_order);
        self.commands.as_ref().map(|_| order)
    }

    /// The memory gate `--mem-free` asks for, refused above the machine's total memory.
    fn memory_gate(&self) -> Result<Option<crate::engine::memory::MemoryGate>, StartupError> {
        let gate = self.mem_free.map(crate::engine::memory::MemoryGate::new);
        if let Some(gate) = &gate {
            gate.check_total().map_err(StartupError)?;
        }
        Ok(gate)
    }

    /// `--slurm`, or `--launcher` split into words. `--nice` goes to srun with `--slurm`; a
    /// generic launcher has no way to pass it on, and niceness of the local launcher process
    /// would be no niceness at all for the work.
    fn launcher(&self) -> Result<Option<Launcher>, StartupError> {
        let text = match &self.launcher {
            LauncherRequest::None => return Ok(None),
            LauncherRequest::Slurm => return Ok(Some(Launcher::slurm(self.nice))),
            LauncherRequest::Prefix(text) => text,
        };
        let launcher = Launcher::parse(text).map_err(StartupError)?;
        if self.nice.is_some() {
            return Err(StartupError(format!(
                "--nice cannot be passed through --launcher `{text}`: put it in the launcher \
                 (e.g. --launcher \"nice -n5\"), or use --slurm, which passes it as srun's \
                 --nice"
            )));
        }
        Ok(Some(launcher))
    }

    /// The searched folder, the build root and the log folder, absolute and checked.
    fn folders(&self) -> Result<(PathBuf, PathBuf, PathBuf), StartupError> {
        let dir = absolute(&self.source_dir())?;
        if self.cmake_projects
            && let Err(err) = std::fs::read_dir(&dir)
        {
            return Err(StartupError(format!(
                "cannot read folder {}: {err}",
                dir.display()
            )));
        }
        let build_root = match &self.build_root {
            Some(root) => absolute(root)?,
            // Commands build nothing: their history and logs go in `./.jobdeck`.
            None if self.commands.is_some() => dir.clone(),
            None => dir.join("build"),
        };
        if self.cmake_projects && same_folder(&build_root, &dir) {
            return Err(StartupError(format!(
                "the build root cannot be the searched folder {} itself: every build folder \
                 would be a project's own source folder (pass another -B)",
                dir.display()
            )));
        }
        let own = build_root.join(".jobdeck");
        let log_dir = match &self.log_dir {
            Some(logs) => absolute(logs)?,
            None => own.join("logs"),
        };
        let mut checks = vec![
            path_checks::folder(&build_root, "the build root", "pass another -B"),
            path_checks::folder(&own, "jobdeck's folder", "move it away, or pass another -B"),
            path_checks::folder(&log_dir, "the log folder", "pass another --log-dir"),
        ];
        let remove = "remove it, or pass another -B";
        checks.push(path_checks::own(&own, "jobdeck's folder", remove));
        for (file, what) in [
            ("lock", "the lock file"),
            ("history.jsonl", "the run history"),
        ] {
            checks.push(path_checks::own(&own.join(file), what, remove));
        }
        if self.log_dir.is_none() {
            checks.push(path_checks::own(&log_dir, "the log folder", remove));
        }
        if self.cmake_projects {
            checks.push(path_checks::build_root_outside_projects(&build_root, &dir));
        }
        checks
            .into_iter()
            .collect::<Result<(), _>>()
            .map_err(StartupError)?;
        Ok((dir, build_root, log_dir))
    }

    /// One configure job per discovered project.
    fn configure_jobs(
        &self,
        projects: Vec<discovery::Project>,
        build_root: &Path,
        log_dir: &Path,
        probes: Option<Arc<Probes>>,
    ) -> Vec<Job> {
        let settings = Arc::new(CmakeSettings {
            program: self.cmake.clone().into_os_string(),
            generator: self.generator.clone(),
            defines: self.defines.clone(),
            build_type: self.build_type.clone(),
            build_jobs: self.build_jobs,
            probes,
            ctest_junit: self.reports.junit.is_some(),
            test_retries: self.retries,
            rerun_failed_tests: self.rerun_failed,
        });
        projects
            .into_iter()
            .map(|project| Job {
                spec: CmakeSpec::spec(
                    CmakeJob::configure(
                        project.dir,
                        build_root.join(&project.relative),
                        log_dir,
                        &project.relative,
                    ),
                    &settings,
                ),
                name: project.name,
                deps: Vec::new(),
                after: Vec::new(),
            })
            .collect()
    }

    /// The folder to search: DIR, or with `--demo` the bundled demo projects.
    fn source_dir(&self) -> PathBuf {
        match &self.dir {
            Some(dir) => dir.clone(),
            None if self.demo => crate::plan::demo::projects_dir(),
            None => PathBuf::from("."),
        }
    }

    /// The pseudoword tasks asked for; without `--seed` the session gets a random seed.
    fn words_request(
        &self,
        build_root: &Path,
        log_dir: &Path,
    ) -> Result<pseudowords::WordsRequest, StartupError> {
        // The demo's mix, unless asked otherwise (`--words-per-task` counts as asked when it
        // is not its default).
        Ok(pseudowords::WordsRequest {
            files: self.words.map_or(
                if self.demo {
                    crate::plan::demo::WORDS
                } else {
                    0
                },
                |words| words as usize,
            ),
            letters: self.letters.clone().unwrap_or_else(|| {
                if self.demo {
                    crate::plan::demo::LETTERS
                } else {
                    ""
                }
                .to_string()
            }),
            settings: pseudowords::WordsSettings {
                out_dir: match &self.words_out {
                    Some(out) => absolute(out)?,
                    None => build_root.join("pseudowords"),
                },
                words_per_task: match self.words_per_task {
                    Some(count) if count != DEFAULT_WORDS_PER_TASK || !self.demo => count,
                    _ if self.demo => crate::plan::demo::WORDS_PER_TASK,
                    _ => DEFAULT_WORDS_PER_TASK,
                },
                seed: self.seed.unwrap_or_else(rand::random),
                parts_dir: build_root.join(".jobdeck").join("letter-parts"),
                tally: self.demo,
            },
            log_dir: log_dir.to_path_buf(),
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

/// `path` made absolute (against the current folder), or why it cannot be.
fn absolute(path: &Path) -> Result<PathBuf, StartupError> {
    std::path::absolute(path)
        .map_err(|err| StartupError(format!("cannot resolve {}: {err}", path.display())))
}
