//! The CMake job: one stage (configure, build or test) of one project, and its command line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use crate::engine::{Detail, Diagnosis, Folder, Preparation, Report, RunCtx};

use super::log_files;
use super::probe::{Probes, seed};
use super::process_job::{FirstError, ProcessJob};
use super::summaries;

pub use summaries::first_cmake_error;

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
    /// Compilers one build may run at once (`--build-jobs`, passed as `--parallel`).
    pub build_jobs: u32,
    /// The session's toolchain probes, which seed fresh build folders (`None` with
    /// `--no-share-probes`).
    pub probes: Option<Arc<Probes>>,
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

/// The stages of a project's pipeline, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// `cmake -S <project> -B <build-dir>`.
    Configure,
    /// `cmake --build <build-dir>`.
    Build,
    /// `ctest --test-dir <build-dir>`.
    Test,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 3] = [Stage::Configure, Stage::Build, Stage::Test];

    /// The stage word of the public contract (`"stage"` in JSON, the log's file name).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Configure => "configure",
            Stage::Build => "build",
            Stage::Test => "test",
        }
    }

    /// The stage named `word`, if any.
    pub fn from_word(word: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == word)
    }
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
    pub stage: Stage,
    /// This project's own `-D VAR=VALUE` options (the options key, or the history under
    /// `--rerun-failed`), passed after the session's.
    pub options: Vec<String>,
}

impl CmakeJob {
    /// The configure stage of a project whose logs go to `log_dir/<name>/`.
    pub fn configure(source: PathBuf, build_dir: PathBuf, log_dir: &Path, name: &str) -> Self {
        Self {
            source,
            build_dir,
            log: log_files::log_path(log_dir, name, Stage::Configure.as_str()),
            stage: Stage::Configure,
            options: Vec::new(),
        }
    }

    /// The same project at another stage, logging beside this stage's log.
    #[must_use]
    pub fn at_stage(&self, stage: Stage) -> Self {
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
            Stage::Configure => {
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
            Stage::Build => {
                let mut command = Command::new(&settings.program);
                command
                    .arg("--build")
                    .arg(&self.build_dir)
                    .arg("--parallel")
                    .arg(settings.build_jobs.max(1).to_string());
                command
            }
            Stage::Test => {
                let mut command = Command::new(settings.ctest());
                command
                    .arg("--test-dir")
                    .arg(&self.build_dir)
                    .arg("--output-on-failure");
                command
            }
        }
    }

    /// Plants the toolchain probe's detection results in a fresh build folder, running the
    /// probe first if this session has not yet. Returns whether it did; `Err` when the run
    /// was stopped during the probe.
    ///
    /// A re-configure (`cached`) is left alone, and so is a project whose top-level
    /// `CMakeLists.txt` may choose its own compiler or toolchain before `project()`. A
    /// `project(x NONE)` has nothing to seed, so it does not wait for the probe either. The
    /// probe's time is no part of the configure's `--timeout`.
    fn seed(
        &self,
        cached: bool,
        settings: &CmakeSettings,
        ctx: &mut RunCtx,
    ) -> Result<bool, crate::engine::StopReason> {
        let Some(probes) = settings.probes.as_ref().filter(|_| !cached) else {
            return Ok(false);
        };
        let project_file = self.source.join(super::discovery::PROJECT_FILE);
        let text = std::fs::read(&project_file).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        if seed::chooses_toolchain(&text) || seed::enables_no_language(&text) {
            return Ok(false);
        }
        let Some(seed) = ctx.off_the_clock(|ctx| probes.seed(settings, ctx))? else {
            return Ok(false);
        };
        match seed.plant(&self.build_dir) {
            Ok(()) => Ok(true),
            Err(err) => {
                ctx.output(
                    vec![format!(
                        "jobdeck: not seeded: cannot write {}: {err}",
                        self.build_dir.display()
                    )],
                    0,
                );
                Ok(false)
            }
        }
    }

    /// Runs the stage and reports the outcome with its first error.
    pub fn run(&self, settings: &CmakeSettings, ctx: &mut RunCtx) -> Report {
        if self.stage == Stage::Configure
            && !self.source.join(super::discovery::PROJECT_FILE).is_file()
        {
            return Report::failure(format!(
                "project folder {} no longer holds a CMakeLists.txt",
                self.source.display()
            ));
        }
        let mut command = self.command(settings);
        if self.stage == Stage::Configure {
            let cached = self.build_dir.join("CMakeCache.txt").is_file();
            let seeded = match self.seed(cached, settings, ctx) {
                Ok(seeded) => seeded,
                Err(reason) => return Report::stopped(reason),
            };
            if seeded {
                command.arg(seed::PLATFORM_KNOWN);
            }
            let folder = match (cached, seeded) {
                (true, _) => Folder::Cached,
                (false, true) => Folder::Seeded,
                (false, false) => Folder::Fresh,
            };
            ctx.set_detail(Detail::Prepared(Preparation {
                folder,
                options: self.options.clone(),
            }));
        }
        let source = self.source.as_path();
        let build_dir = self.build_dir.as_path();
        let configure = |log: &Path| {
            let (summary, diagnosis) = super::diagnostics::first_cmake_diagnosis(
                summaries::lines(log)?,
                source,
                build_dir,
            )?;
            Some((summary, Some(diagnosis)))
        };
        // Compilers name files by absolute path; in a table cell the path would hide the
        // error itself, so a file of the project is named from the project's folder.
        let build = |log: &Path| {
            let error = summaries::relative_to(&summaries::first_build_error(log)?, source);
            let diagnosis = super::diagnostics::compiler_error_place(&error);
            Some((error, diagnosis))
        };
        // ctest names the failed tests; where to look is in the tests' own output.
        let test = |log: &Path| {
            let summary = summaries::failed_tests(log)?;
            let lines: Vec<String> = summaries::lines(log)?.collect();
            let Some((file, line)) =
                super::diagnostics::first_test_failure_place(&lines, source, build_dir)
            else {
                return Some((summary, None));
            };
            let diagnosis = Diagnosis {
                message: summary.clone(),
                file: Some(file.clone()),
                line: Some(line),
            };
            Some((format!("{summary} — {file}:{line}"), Some(diagnosis)))
        };
        let (tool, first_error): (&str, &FirstError) = match self.stage {
            Stage::Configure => ("cmake", &configure),
            Stage::Build => ("cmake --build", &build),
            Stage::Test => ("ctest", &test),
        };
        let report = ProcessJob {
            command,
            log: &self.log,
            tool,
            install: INSTALL,
            first_error,
        }
        .run(ctx);
        if self.stage == Stage::Test && report.outcome.is_success() {
            ctx.detail(summaries::tests_passed(&self.log));
        }
        report
    }
}
