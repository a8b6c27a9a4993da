//! The CMake job: one stage (configure, build or test) of one project, and its command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use crate::engine::slots::{Held, Joined};
use crate::engine::token_pipe::TokenPipe;
use crate::engine::{Diagnosis, Outcome, Report, RunCtx};

use super::build_tool::{self, Jobserver};
use super::log_files;
use super::probe::{Probes, Seed, seed};
use super::process_job::{FirstError, ProcessJob};
use super::summaries;

pub use kind::{CmakeSpec, KIND};
pub use preparation::{Folder, NotSeeded, Preparation};
pub use summaries::first_cmake_error;

mod causes;
pub mod ctest;
mod ctest_console;
mod download_error;
mod download_wait;
mod downloads_ahead;
mod kind;
mod preparation;
mod test_group;
mod test_list;
mod test_listing;
mod test_place;
pub mod test_pool;

/// Settings shared by every CMake job of one jobdeck run.
#[derive(Debug, Clone)]
pub struct CmakeSettings {
    /// The cmake program (`--cmake`, default `cmake` on PATH).
    pub program: OsString,
    /// `-G` generator, if any.
    pub generator: Option<String>,
    /// `-D VAR=VALUE` definitions, in order.
    pub defines: Vec<String>,
    /// `CMAKE_BUILD_TYPE` (`--build-type`, default `Debug`).
    pub build_type: String,
    /// Compilers one build may run at once (`--build-jobs`, passed as `--parallel`);
    /// `None`: the build joins the session's pool of compile slots, if it has one.
    pub build_jobs: Option<u32>,
    /// The session's toolchain probes, which seed fresh build folders (`None` with
    /// `--no-share-probes`).
    pub probes: Option<Arc<Probes>>,
    /// Have ctest write its own `JUnit` XML beside the test log (`--junit`; ctest 3.21 or
    /// newer), where the `JUnit` report reads each test's name and result.
    pub ctest_junit: bool,
    /// Times a failed test is run again alone (`--retries`): the test stage retries its
    /// tests itself, never the whole stage.
    pub test_retries: u32,
    /// `--rerun-failed`: a test stage runs only the tests that failed in its last run (as
    /// its `test.results.json` has them), when some did.
    pub rerun_failed_tests: bool,
}

/// What to do when cmake (or ctest) is not found.
pub const INSTALL: &str =
    "Install CMake (e.g. `apt-get install cmake`) or pass its path with --cmake";

impl CmakeSettings {
    /// The ctest program: the one beside `--cmake` when that is a path, else `ctest` on PATH.
    pub fn ctest(&self) -> OsString {
        let cmake = Path::new(&self.program);
        match cmake.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && dir.join("ctest").is_file() => {
                dir.join("ctest").into_os_string()
            }
            _ => OsString::from("ctest"),
        }
    }
}

/// The words of the situations a stage's run starts in (history `situation`).
pub mod situation {
    /// A configure of a folder without a cache, or a build of one not built.
    pub const FRESH: &str = "fresh";
    /// A configure of a folder that holds a cache from an earlier configure.
    pub const RECONFIGURE: &str = "reconfigure";
    /// A build of a folder whose last build succeeded.
    pub const INCREMENTAL: &str = "incremental";
}

/// The stages of a project's pipeline, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `cmake -S <project> -B <build-dir>`.
    Configure,
    /// `cmake --build <build-dir>`.
    Build,
    /// `ctest --test-dir <build-dir>`.
    Test,
}

impl Step {
    /// Every stage, in pipeline order.
    pub const ALL: [Step; 3] = [Step::Configure, Step::Build, Step::Test];

    /// The stage word of the public contract (`"stage"` in JSON, the log's file name).
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Configure => "configure",
            Step::Build => "build",
            Step::Test => "test",
        }
    }

    /// The stage named `word`, if any.
    pub fn from_word(word: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|stage| stage.as_str() == word)
    }

    /// The generic stage the other layers see.
    pub fn stage(self) -> super::Stage {
        super::Stage::new(self.as_str(), self as u8)
    }
}

/// The `JUnit` XML ctest writes for the test stage whose log is `log` (with `--junit`).
pub fn ctest_junit_beside(log: &Path) -> PathBuf {
    log.with_file_name("test.junit.xml")
}

/// One stage of one project.
#[derive(Debug, Clone)]
pub struct CmakeJob {
    /// The project folder (`-S`).
    pub source: PathBuf,
    /// Its build folder (`-B`), `<build-root>/<name>`.
    pub build_dir: PathBuf,
    /// Where this stage's log goes: `<logs>/<name>/<stage>.log`.
    pub log: PathBuf,
    /// Which stage this is.
    pub stage: Step,
    /// This project's own `-D VAR=VALUE` options (the options key, or the history under
    /// `--rerun-failed`), passed after the session's.
    pub options: Vec<String>,
    /// The tests a test stage runs: all when empty, else only these (`r` on a test's row),
    /// each with the fixtures ctest runs with it.
    pub only_tests: Vec<String>,
}

impl CmakeJob {
    /// The configure stage of a project whose logs go to `log_dir/<folder>/`.
    pub fn configure(
        source: PathBuf,
        build_dir: PathBuf,
        log_dir: &Path,
        folder: impl AsRef<Path>,
    ) -> Self {
        Self {
            source,
            build_dir,
            log: log_files::log_path(log_dir, folder, Step::Configure.as_str()),
            stage: Step::Configure,
            options: Vec::new(),
            only_tests: Vec::new(),
        }
    }

    /// The same project at another stage, logging beside this stage's log.
    #[must_use]
    pub fn at_stage(&self, stage: Step) -> Self {
        Self {
            log: self.log.with_file_name(format!("{}.log", stage.as_str())),
            stage,
            ..self.clone()
        }
    }

    /// The program this stage runs (cmake, or ctest for the tests) and how to install it.
    pub fn tool(&self, settings: &CmakeSettings) -> super::Tool {
        super::Tool {
            program: self.command(settings).get_program().to_os_string(),
            install: INSTALL,
        }
    }

    /// The full command line of this stage.
    pub fn command(&self, settings: &CmakeSettings) -> Command {
        match self.stage {
            Step::Configure => {
                let mut command = Command::new(&settings.program);
                command
                    .arg("-S")
                    .arg(&self.source)
                    .arg("-B")
                    .arg(&self.build_dir);
                command.arg(format!("-DCMAKE_BUILD_TYPE={}", settings.build_type));
                if let Some(generator) = &settings.generator {
                    command.arg("-G").arg(generator);
                }
                for define in settings.defines.iter().chain(&self.options) {
                    command.arg(format!("-D{define}"));
                }
                command
            }
            Step::Build => {
                let mut command = Command::new(&settings.program);
                command.arg("--build").arg(&self.build_dir);
                // An explicit `-j` turns make's jobserver off: a build in the pool of slots
                // gets none (see `join_pool`).
                if let Some(jobs) = settings.build_jobs {
                    command.arg("--parallel").arg(jobs.max(1).to_string());
                }
                command
            }
            Step::Test => {
                let mut command = Command::new(settings.ctest());
                command
                    .arg("--test-dir")
                    .arg(&self.build_dir)
                    .arg("--output-on-failure");
                if settings.ctest_junit {
                    command.arg("--output-junit").arg(self.ctest_junit());
                }
                command
            }
        }
    }

    /// Where a test stage has ctest write its `JUnit` XML: beside its log, `test.junit.xml`.
    pub fn ctest_junit(&self) -> PathBuf {
        ctest_junit_beside(&self.log)
    }

    /// Whether this configure is one a toolchain probe would seed: its folder has no cache
    /// yet, the session shares probes, and the project enables a language (a `project(x
    /// NONE)` has nothing to seed). The plan puts the key's probe job before such a configure.
    pub fn wants_probe(&self, settings: &CmakeSettings) -> bool {
        self.stage == Step::Configure
            && settings.probes.is_some()
            && !self.build_dir.join("CMakeCache.txt").is_file()
            && !self.enables_no_language()
    }

    /// The situation this stage's next run starts in (see [`super::Work::situation`]): a
    /// configure of a folder that holds a cache is a `reconfigure` (no compiler detection);
    /// a build is `incremental` when the generator's files are there (`build.ninja`,
    /// `Makefile`) and the last build succeeded, so make or ninja have only what changed
    /// to do; else either is `fresh`. A test stage runs its tests whatever the folder held.
    pub fn situation(&self, last_succeeded: bool) -> Option<&'static str> {
        let has = |file: &str| self.build_dir.join(file).is_file();
        match self.stage {
            Step::Configure if has("CMakeCache.txt") => Some(situation::RECONFIGURE),
            Step::Build if last_succeeded && (has("build.ninja") || has("Makefile")) => {
                Some(situation::INCREMENTAL)
            }
            Step::Configure | Step::Build => Some(situation::FRESH),
            Step::Test => None,
        }
    }

    fn enables_no_language(&self) -> bool {
        let project_file = self.source.join(super::discovery::PROJECT_FILE);
        let text = std::fs::read(&project_file).unwrap_or_default();
        seed::enables_no_language(&String::from_utf8_lossy(&text))
    }

    /// Plants the toolchain probe's detection results in a fresh build folder: those its
    /// probe job left (it ran before this configure), or a probe kept in the user's cache.
    /// Returns the seed it planted; `None`: configure unseeded.
    ///
    /// Only a configure [`Self::wants_probe`] is seeded (a re-configure is left alone).
    /// Whether the seed fits the project is cmake's to say (see [`seed::MARKER`]), never a
    /// reading of the project's text.
    fn seed(&self, settings: &CmakeSettings, ctx: &RunCtx) -> Option<Arc<Seed>> {
        if !self.wants_probe(settings) {
            return None;
        }
        let probes = settings.probes.as_ref()?;
        let seed = probes.seed_for(settings, &self.options, ctx)?;
        match seed.plant(&self.build_dir) {
            Ok(()) => Some(seed),
            Err(err) => {
                ctx.output(
                    vec![format!(
                        "jobdeck: not seeded: cannot write {}: {err}",
                        self.build_dir.display()
                    )],
                    0,
                );
                None
            }
        }
    }

    /// Runs a configure: seeded when it can be, and again without the seed when cmake finds
    /// that this project would not detect what the probe detected.
    fn run_configure(&self, settings: &CmakeSettings, ctx: &mut RunCtx) -> Report {
        let cached = self.build_dir.join("CMakeCache.txt").is_file();
        let seed = self.seed(settings, ctx);
        let prepared = |folder, not_seeded| {
            Preparation {
                folder,
                options: self.options.clone(),
                not_seeded,
            }
            .detail()
        };
        let mut command = self.command(settings);
        let Some(seed) = seed else {
            let folder = if cached {
                Folder::Cached
            } else {
                Folder::Fresh
            };
            ctx.set_detail(prepared(folder, None));
            return self.run_process(command, ctx);
        };
        command.arg(seed::PLATFORM_KNOWN);
        ctx.set_detail(prepared(Folder::Seeded, None));
        let report = self.run_process(command, ctx);
        let differs = matches!(report.outcome, Outcome::Failed { .. })
            .then(|| std::fs::read(&self.log).ok())
            .flatten()
            .and_then(|log| seed::mismatch(&String::from_utf8_lossy(&log)));
        let Some(differs) = differs else {
            // A configure that used none of the seed's languages (a C++ project when only
            // the C probe worked, one that failed before `project()`) was not seeded.
            if !seed.settle(&self.build_dir) {
                ctx.set_detail(prepared(Folder::Fresh, None));
            }
            return report;
        };
        // cmake stopped before this folder's compiler detection: what it has written so far
        // came from the seed, so the folder goes back to what it held before, no cache.
        ctx.output(
            vec![format!(
                "jobdeck: this project would not detect the probe's toolchain ({differs} \
                 differs): configuring again without the seed"
            )],
            0,
        );
        if let Err(err) = seed::clear(&self.build_dir) {
            return Report::failure(format!(
                "cannot clear the seeded build folder {}: {err}",
                self.build_dir.display()
            ));
        }
        ctx.set_detail(prepared(Folder::Fresh, Some(NotSeeded::ToolchainDiffers)));
        self.run_process(self.command(settings), ctx)
    }

    /// Runs the stage and reports the outcome with its first error.
    pub fn run(&self, settings: &CmakeSettings, ctx: &mut RunCtx) -> Report {
        match self.stage {
            Step::Configure => {
                if !self.source.join(super::discovery::PROJECT_FILE).is_file() {
                    return Report::failure(format!(
                        "project folder {} no longer holds a CMakeLists.txt",
                        self.source.display()
                    ));
                }
                let report = self.run_configure(settings, ctx);
                if matches!(report.outcome, Outcome::Succeeded)
                    && downloads_ahead::pending(&self.build_dir)
                {
                    ctx.dependants_wait_outside();
                }
                report
            }
            Step::Build => {
                let mut command = self.command(settings);
                // Held until the build's processes are gone: then every slot it had comes
                // back.
                let _share = join_pool(&self.build_dir, settings, &mut command, ctx);
                self.run_process(command, ctx)
            }
            Step::Test => {
                if let Some(report) = test_pool::run(self, settings, ctx) {
                    return report;
                }
                // The tests of a run as one ctest are read from ctest's own file.
                let _ = std::fs::remove_file(test_pool::results_beside(&self.log));
                if settings.ctest_junit {
                    // A run that ends before ctest writes its file must not leave an earlier
                    // run's.
                    let _ = std::fs::remove_file(self.ctest_junit());
                }
                self.run_process(self.command(settings), ctx)
            }
        }
    }

    /// Runs `command`, this stage's process, and reports the outcome with its first error.
    fn run_process(&self, command: Command, ctx: &mut RunCtx) -> Report {
        let source = self.source.as_path();
        let build_dir = self.build_dir.as_path();
        let configure = |log: &Path| {
            let (summary, diagnosis) = super::diagnostics::first_cmake_diagnosis(
                summaries::lines(log)?,
                source,
                build_dir,
            )?;
            // A `FetchContent` download that failed, said short before its place.
            let short = summary
                .starts_with("Each download failed!")
                .then(|| download_error::message(log))
                .flatten();
            let summary = match short {
                Some(short) => match summary.rsplit_once(" — ") {
                    Some((_, place)) => format!("{short} — {place}"),
                    None => short,
                },
                None => summary,
            };
            Some((summary, Some(diagnosis)))
        };
        // Compilers name files by absolute path; in a table cell the path would hide the
        // error itself, so a file of the project is named from the project's folder.
        let build = |log: &Path| {
            let error = summaries::first_build_error(log)?;
            // A failed download's message is ninety lines without network: said short.
            let error = if error.starts_with("Each download failed!") {
                download_error::summary(log).unwrap_or(error)
            } else {
                error
            };
            let error = summaries::relative_to(&error, source);
            let diagnosis = super::diagnostics::compiler_error_place(&error);
            Some((error, diagnosis))
        };
        // ctest names the failed tests; where to look is in the tests' own output.
        let test = |log: &Path| test_error(log, source, build_dir);
        let (tool, first_error): (&str, &FirstError) = match self.stage {
            Step::Configure => ("cmake", &configure),
            Step::Build => ("cmake --build", &build),
            Step::Test => ("ctest", &test),
        };
        let report = ProcessJob {
            command,
            log: &self.log,
            tool,
            install: INSTALL,
            first_error,
        }
        .run(ctx);
        if self.stage == Step::Test && report.outcome.is_success() {
            ctx.detail(summaries::tests_passed(&self.log));
        }
        report
    }
}

/// A failed test stage's error: the tests ctest names as failed, and where to look, in the
/// tests' own output. The diagnosis's message, which the causes group by, is the first
/// failed test's own error (see [`causes::failed_test_message`]).
fn test_error(log: &Path, source: &Path, build_dir: &Path) -> Option<(String, Option<Diagnosis>)> {
    let summary = summaries::failed_tests(log)?;
    let project = super::diagnostics::ProjectFolders { source, build_dir };
    let failed = test_place::failed_tests(log);
    let failed = failed.as_deref();
    let place = failed.and_then(|failed| test_place::failed_test_place(log, failed, &project));
    let message = failed.and_then(|failed| causes::failed_test_message(log, failed));
    if place.is_none() && message.is_none() {
        return Some((summary, None));
    }
    let diagnosis = Diagnosis {
        message: message.unwrap_or_else(|| summary.clone()),
        file: place.as_ref().map(|(file, _)| file.clone()),
        line: place.as_ref().map(|(_, line)| *line),
    };
    let error = match &place {
        Some((file, line)) => format!("{summary} — {file}:{line}"),
        None => summary,
    };
    Some((error, Some(diagnosis)))
}

/// What a build holds of the pool of compile slots while it runs.
#[derive(Debug)]
enum PoolShare {
    /// It joined with a jobserver pipe of its own.
    Joined(#[expect(dead_code, reason = "held for its drop")] Joined),
    /// Its tool cannot join: the slots free when it started, for a fixed `--parallel`.
    Reserved(#[expect(dead_code, reason = "held for its drop")] Held),
}

/// Lets the build in `build_dir` take compilers from the session's pool of slots: through
/// a jobserver pipe when its tool understands one, else a `--parallel` of the slots free
/// now (said in the detail). Without a pool (a launcher) the build runs one compiler, as
/// colcon does; with `--build-jobs` the command already says how many.
fn join_pool(
    build_dir: &Path,
    settings: &CmakeSettings,
    command: &mut Command,
    ctx: &mut RunCtx,
) -> Option<PoolShare> {
    if settings.build_jobs.is_some() {
        return None;
    }
    let Some(slots) = ctx.slots().cloned() else {
        command.arg("--parallel").arg("1");
        return None;
    };
    let pipe = match build_tool::detect(build_dir) {
        Jobserver::Pipe => TokenPipe::pipe().map_err(|err| format!("no jobserver pipe: {err}")),
        Jobserver::Fifo => {
            let path = std::env::temp_dir().join(format!(
                "jobdeck-{}-run{}.fifo",
                std::process::id(),
                ctx.run.0
            ));
            TokenPipe::fifo(&path).map_err(|err| format!("no jobserver fifo: {err}"))
        }
        Jobserver::Unsupported(why) => Err(why),
    };
    match pipe {
        Ok(pipe) => {
            let joined = slots.join(pipe, ctx.compiler_report());
            ctx.inherit(slots.configure(&joined, command));
            Some(PoolShare::Joined(joined))
        }
        Err(why) => {
            let reserved = slots.reserve_free();
            let compilers = reserved.count() + 1;
            command.arg("--parallel").arg(compilers.to_string());
            ctx.detail(format!("--parallel {compilers}: {why}"));
            ctx.compilers(compilers);
            Some(PoolShare::Reserved(reserved))
        }
    }
}
