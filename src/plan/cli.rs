//! The command line, and the [`PlanRequest`] it fills: `plan` turns that into the jobs to
//! run.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::engine::MAX_WORKERS;
use crate::jobs::cmake::Step as Stage;
use crate::jobs::pseudowords::{self, MAX_WORD_TASKS};
use crate::plan::commands::CommandsRequest;
use crate::plan::{
    DEFAULT_WORDS_PER_TASK, LauncherRequest, Order, Plan, PlanRequest, Reports, StartupError,
    pipeline_through,
};

/// The most `-j` takes: the engine's [`MAX_WORKERS`], as clap's range wants it, so the
/// parser's message names the real range.
#[expect(
    clippy::cast_possible_wrap,
    reason = "MAX_WORKERS is 1024, far inside an i64"
)]
const MAX_JOBS: i64 = MAX_WORKERS as i64;

/// Both forms of the command line, as `--help` and a usage error show them.
const USAGE: &str = "jobdeck [OPTIONS] [DIR]
       jobdeck run [OPTIONS] -- COMMAND [ARGS]... [::: INPUTS... | :::: FILE]...
       jobdeck run [OPTIONS] -f FILE
       jobdeck run [OPTIONS] [--config FILE] [JOB]...";

/// Run many jobs in parallel on a pool of worker threads, and watch and steer them live.
///
/// Finds the CMake projects under DIR and configures each one on a pool of workers; `jobdeck
/// run` runs commands instead (see `jobdeck run --help`). With a terminal it opens a live
/// table; without one (or with --headless) it prints one line per finished job and exits 0
/// if all succeeded, 1 if any did not, 2 on a usage error, 130 if interrupted.
#[derive(Debug, Clone, Parser)]
#[command(version, about, long_about, override_usage = USAGE)]
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

    /// `jobdeck run`'s commands (set by `Args::parse_run`, never by a flag).
    #[arg(skip)]
    pub commands: Option<CommandsRequest>,

    /// With `jobdeck run`: a file of commands, one per line, each run by `sh -c` (`-` is
    /// stdin; blank lines and `#` comments are skipped).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// With `jobdeck run`: the jobdeck.toml to read (named jobs with their dependencies, see
    /// docs/config.md) [default: ./jobdeck.toml when no command and no -f is given].
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    pub config: Option<PathBuf>,

    /// With `jobdeck run`: print each job's command line, one per line, and exit without
    /// running anything (as GNU parallel's --dry-run)
    #[arg(long)]
    pub dry_run: bool,

    /// With `jobdeck run`: print each job's output in the order of the inputs, not as the
    /// jobs end (as GNU parallel's -k).
    #[arg(short = 'k', long = "keep-order")]
    pub keep_order: bool,

    /// Number of worker threads, 1 to 1024 [default: the number of CPUs].
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
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

    /// The cmake program to run (ctest is taken from beside it when it is a path).
    #[arg(long, value_name = "PATH", default_value = "cmake")]
    pub cmake: PathBuf,

    /// After a project's configure succeeds, build it (`cmake --build`).
    #[arg(long)]
    pub build: bool,

    /// Compilers one build may run at once, passed as `cmake --build --parallel N`; turns the
    /// pool of compile slots off (about workers x build-jobs compilers run at once) [default:
    /// the pool: jobdeck is the builds' make jobserver, at most -j compilers in all].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub build_jobs: Option<u32>,

    /// Start no new build or test while the memory available (MemAvailable) is below SIZE,
    /// e.g. 2G or 512M; running ones go on.
    #[arg(long, value_name = "SIZE", value_parser = crate::engine::memory::parse_size)]
    pub mem_free: Option<u64>,

    /// After a project's build succeeds, run its tests (`ctest --output-on-failure`);
    /// implies --build.
    #[arg(long)]
    pub test: bool,

    /// Which ready job starts first: the longest expected one (from the run history), or
    /// the first by name.
    #[arg(long, value_enum, value_name = "ORDER", default_value_t = Order::Longest)]
    pub order: Order,

    /// Where each job's full log goes [default: BUILD_ROOT/.jobdeck/logs].
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,

    /// Print plain lines instead of opening the live table (the default without a terminal).
    #[arg(long)]
    pub headless: bool,

    /// With --headless: print one JSON object per event instead of plain lines.
    #[arg(long)]
    pub json: bool,

    /// Start with dispatch paused: start jobs by hand with `s`, or resume with `p` (the live
    /// table only: headless, nothing could resume it).
    #[arg(long, conflicts_with_all = ["headless", "json"])]
    pub paused: bool,

    /// Watch mode: re-run a project when a file under its folder changes (TUI: `W` toggles
    /// it); headless, keep running until interrupted.
    #[arg(long)]
    pub watch: bool,

    /// Kill a job that runs longer than SECS seconds; it ends as `timeout`.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    /// Run a failed job again, up to N more times (a jobdeck.toml job's own `retries` wins);
    /// a job that passes on a retry ends `flaky`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retries: u32,

    /// With --retries: a job that passed only on a retry (`flaky`) fails the session (exit
    /// 1); without, it counts as passing.
    #[arg(long)]
    pub flaky_fails: bool,

    /// Stop at the first job that fails the session: the jobs not started yet are cancelled
    /// (`cancelled before it started (--fail-fast: NAME failed)`), the running ones run to
    /// their end (as GNU parallel's --halt soon,fail=1, nextest's --fail-fast, make without
    /// -k)
    #[arg(long)]
    pub fail_fast: bool,

    /// With --test: mark a test `slow` in its row once it has run longer than SECS (besides
    /// twice its last recorded time and a second more, which marks it without this).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub slow: Option<Duration>,

    /// Put CMD ARGS in front of every configure, build and test command (split like a shell
    /// splits words, without running one), e.g. "srun --ntasks=1 --quiet --input=none --".
    /// -j may then exceed the CPUs.
    #[arg(long, value_name = "CMD ARGS", conflicts_with = "slurm")]
    pub launcher: Option<String>,

    /// Run every configure, build and test as a Slurm job step: short for --launcher "srun
    /// --ntasks=1 --quiet --input=none --job-name=jobdeck:<name> --". Build folders must be
    /// visible to the nodes.
    #[arg(long)]
    pub slurm: bool,

    /// Run jobs at this niceness (child processes and worker threads; with --slurm, srun's
    /// --nice). With --sweep, also measure what a thread at this niceness gets of a CPU it
    /// shares with one at jobdeck's own.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(-20..=19))]
    pub nice: Option<i32>,

    /// Do not look for CMake projects; run only the pseudoword tasks.
    #[arg(long)]
    pub no_cmake: bool,

    /// Add N pseudoword file tasks (1 to 100000); task i writes WORDS_OUT/output<i>.txt.
    #[arg(long, value_name = "N", value_parser = parse_task_count)]
    pub words: Option<u32>,

    /// Words each pseudoword task produces.
    #[arg(long, value_name = "M", default_value_t = DEFAULT_WORDS_PER_TASK)]
    pub words_per_task: u64,

    /// Add one pseudoword task per letter (at most 100000), gathered in order into
    /// WORDS_OUT/letters.txt.
    #[arg(long, value_name = "STRING", value_parser = pseudowords::parse_letters)]
    pub letters: Option<String>,

    /// Where pseudoword files go [default: BUILD_ROOT/pseudowords].
    #[arg(long, value_name = "DIR")]
    pub words_out: Option<PathBuf>,

    /// Seed for the pseudowords: the same seed gives the same files [default: random].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Do not seed fresh build folders from a shared toolchain probe: every fresh configure
    /// detects its compilers itself, as plain cmake does.
    #[arg(long)]
    pub no_share_probes: bool,

    /// Run only the jobs whose last recorded run (BUILD_ROOT/.jobdeck/history.jsonl) did not
    /// succeed.
    #[arg(long)]
    pub rerun_failed: bool,

    /// Write the session as a Chrome trace (open it in Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Write a JUnit XML report at the end: one testsuite per project, one testcase per stage
    /// and, with --test, one per ctest test (ctest 3.21 or newer).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Print GitHub Actions annotations (`::error file=…,line=…::…`) for every failure on
    /// stderr at the end [default: github when GITHUB_ACTIONS=true, else none].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub annotations: Option<AnnotationFormat>,

    /// Write the session as one self-contained HTML file at the end: summary, timeline,
    /// causes, failures and a sortable table of every job.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Print the projects this command would run, one per line (with --json, one object
    /// per project with its stages), and exit without running or creating anything.
    #[arg(long)]
    pub list: bool,

    /// Run the bundled demo: its projects once per build type plus pseudoword tasks (about
    /// 23 s of CPU time: 12-15 s on two idle workers), built in a temporary folder that is
    /// removed at exit.
    #[arg(long)]
    pub demo: bool,

    /// Run the same work at 1, 2, ... up to the CPUs workers (or the counts given, e.g.
    /// 1,2,4,8), each from a fresh build root with the same seed, and show the speed-up per
    /// worker count, the efficiency and Amdahl's serial fraction fitted to them.
    #[arg(
        long,
        value_name = "N,N,...",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = parse_sweep,
        conflicts_with_all = ["jobs", "watch", "rerun_failed", "paused", "trace"],
    )]
    pub sweep: Option<String>,
}

impl Args {
    /// What the arguments ask for, as plain data; `command_line` is the session's argv.
    pub fn request(&self, command_line: Vec<OsString>) -> PlanRequest {
        let last = if self.test {
            Stage::Test
        } else if self.build {
            Stage::Build
        } else {
            Stage::Configure
        };
        let launcher = match (&self.launcher, self.slurm) {
            (_, true) => LauncherRequest::Slurm,
            (Some(text), false) => LauncherRequest::Prefix(text.clone()),
            (None, false) => LauncherRequest::None,
        };
        PlanRequest {
            dir: self.dir.clone(),
            workers: self.jobs.map(usize::from),
            build_root: self.build_root.clone(),
            generator: self.generator.clone(),
            defines: self.defines.clone(),
            build_type: self.build_type.clone(),
            cmake: self.cmake.clone(),
            build_jobs: self.build_jobs,
            mem_free: self.mem_free,
            pipeline: pipeline_through(last),
            order: self.order,
            log_dir: self.log_dir.clone(),
            paused: self.paused,
            watch: self.watch,
            timeout: self.timeout,
            retries: self.retries,
            flaky_fails: self.flaky_fails,
            fail_fast: self.fail_fast,
            slow: self.slow,
            launcher,
            nice: self.nice,
            cmake_projects: !self.no_cmake && self.commands.is_none(),
            words: self.words,
            words_per_task: Some(self.words_per_task),
            letters: self.letters.clone(),
            words_out: self.words_out.clone(),
            seed: self.seed,
            share_probes: !self.no_share_probes,
            rerun_failed: self.rerun_failed,
            trace: self.trace.clone(),
            reports: Reports {
                junit: self.junit.clone(),
                html: self.report.clone(),
                annotations: self.annotations.unwrap_or_else(AnnotationFormat::from_env)
                    == AnnotationFormat::Github,
            },
            demo: self.demo,
            // A dry run plans as `--list` does: nothing is created, nothing runs.
            list: self.list || self.dry_run,
            command_line,
            commands: self.commands.clone(),
            keep_order: self.keep_order,
        }
    }

    /// The arguments of a session that is not `jobdeck run`: refuses the options only `run`
    /// has (`-f`, `-k`), which would otherwise be ignored.
    pub fn outside_run(self) -> Result<Args, RunError> {
        let only_run = [
            (self.file.is_some(), "-f"),
            (self.keep_order, "-k"),
            (self.dry_run, "--dry-run"),
        ];
        match only_run.into_iter().find(|(given, _)| *given) {
            Some((_, flag)) => Err(RunError::Other(format!(
                "{flag} belongs to `jobdeck run` (as in `jobdeck run {flag} …`)"
            ))),
            None => Ok(self),
        }
    }

    /// Discovers the projects and builds the job graph the arguments ask for, with this
    /// process's command line for the recap.
    pub fn plan(&self) -> Result<Plan, StartupError> {
        crate::plan::plan(&self.request(std::env::args_os().collect()))
    }

    /// `--sweep`: the worker counts of its points (`None` without `--sweep`).
    pub fn sweep_counts(&self) -> Option<Vec<usize>> {
        self.sweep.as_deref().map(|text| {
            if text.is_empty() {
                crate::sweep::default_counts(num_cpus::get())
            } else {
                crate::sweep::parse_counts(text).unwrap_or_default()
            }
        })
    }

    /// With `--demo` and no DIR or no `-B`: makes the demo's temporary folder, copies the
    /// demo projects into it, and points DIR and `-B` there. The folder is removed when the
    /// returned value is dropped.
    pub fn demo_folder(&mut self) -> std::io::Result<Option<crate::plan::demo::Folder>> {
        if !self.demo || (self.dir.is_some() && self.build_root.is_some()) {
            return Ok(None);
        }
        let folder = crate::plan::demo::Folder::create(self.dir.is_none())?;
        self.dir.get_or_insert_with(|| folder.projects());
        self.build_root.get_or_insert_with(|| folder.build_root());
        Ok(Some(folder))
    }
}

/// `--annotations`: which CI's annotations to print. (Its doc comments are `--help`'s text.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnnotationFormat {
    /// GitHub Actions workflow commands: `::error file=…,line=…,title=…::…`.
    Github,
    /// None, even under GitHub Actions.
    None,
}

impl AnnotationFormat {
    /// What a session prints without `--annotations`: GitHub's when GitHub Actions runs it
    /// (it sets `GITHUB_ACTIONS=true` for every step), else nothing.
    fn from_env() -> Self {
        if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
            AnnotationFormat::Github
        } else {
            AnnotationFormat::None
        }
    }
}

/// Checks a `--sweep` list (empty: the default counts).
fn parse_sweep(text: &str) -> Result<String, String> {
    if !text.is_empty() {
        crate::sweep::parse_counts(text)?;
    }
    Ok(text.to_string())
}

fn parse_define(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((name, _)) if !name.is_empty() => Ok(text.to_string()),
        _ => Err(format!("expected VAR=VALUE, got `{text}`")),
    }
}

/// Checks a `--words` count: from 1 to [`MAX_WORD_TASKS`].
fn parse_task_count(text: &str) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|count| (1..=MAX_WORD_TASKS).contains(count))
        .ok_or_else(|| {
            format!(
                "must be at least 1 and at most {MAX_WORD_TASKS} (one task per file), got \
                 `{text}`"
            )
        })
}

/// The longest `--timeout`: ten years, far inside what a clock deadline can hold.
pub const MAX_TIMEOUT_SECS: f64 = 315_360_000.0;

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("expected seconds, got `{text}`"))?;
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "the timeout must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds (ten \
             years), got `{text}`"
        ))
    }
}

/// Why `jobdeck run`'s command line was refused.
#[derive(Debug)]
pub enum RunError {
    /// The options' parser said no (or printed help).
    Usage(clap::Error),
    /// The commands are missing or wrong.
    Other(String),
}
