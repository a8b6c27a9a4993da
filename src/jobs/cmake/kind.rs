//! The CMake kind behind the job-kind traits: one stage (configure, build, test) of one
//! project is one job.

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{CmakeJob, CmakeSettings, Step, causes, ctest};
use crate::engine::{Report, RunCtx};
use crate::jobs::discovery::PROJECT_FILE;
use crate::jobs::{JobKind, JobSpec, Kind, PartsSoFar, Stage, SubResult, Tone, Tool, Work};

/// The kind of a CMake stage.
pub const KIND: JobKind = JobKind::of(&Cmake);

/// What every CMake stage has in common.
struct Cmake;

impl Kind for Cmake {
    fn word(&self) -> &'static str {
        "cmake"
    }

    fn stage_of_old_records(&self) -> Option<&'static str> {
        // Records written before stages existed were about configures.
        Some(Step::Configure.as_str())
    }

    fn cause_family(&self, message: &str) -> Option<String> {
        causes::family(message)
    }

    fn tone(&self, line: &str) -> Tone {
        if line.contains("CMake Error") {
            Tone::Error
        } else if line.contains("CMake Warning") {
            Tone::Warning
        } else {
            Tone::Plain
        }
    }

    fn main_file(&self) -> Option<&'static str> {
        Some(PROJECT_FILE)
    }

    fn takes_options(&self) -> bool {
        true
    }

    fn reports_seeding(&self, stage: Option<Stage>) -> bool {
        stage == Some(Step::Configure.stage())
    }

    fn reruns_deps_first(&self, stage: Option<Stage>) -> bool {
        // The build decides what is stale: with nothing changed it builds nothing.
        stage == Some(Step::Test.stage())
    }

    fn sub_results(&self, stage: Option<Stage>, log: &Path) -> Option<Vec<SubResult>> {
        if stage != Some(Step::Test.stage()) {
            return None;
        }
        super::test_pool::read_results(&super::test_pool::results_beside(log))
            .or_else(|| ctest::read(&super::ctest_junit_beside(log)))
    }

    fn parts_detail(&self, stage: Option<Stage>, so_far: PartsSoFar) -> Option<String> {
        if stage != Some(Step::Test.stage()) {
            return None;
        }
        let PartsSoFar {
            ended,
            failed,
            planned,
        } = so_far;
        // ctest's own count (`120/500 Test #120: …`), and the failures a user waits to see.
        Some(match failed {
            0 => format!("{ended}/{planned} tests"),
            failed => format!("{ended}/{planned} tests, {failed} failed"),
        })
    }

    fn announced_wait(&self, stage: Option<Stage>, line: &str) -> Option<Duration> {
        // Any stage: a FetchContent downloads at configure time, ExternalProject at build.
        let _ = stage;
        super::download_wait::announced_wait(line)
    }
}

/// One stage of one CMake project, with the session's CMake settings.
#[derive(Debug, Clone)]
pub struct CmakeSpec {
    /// The project, its paths and the stage.
    pub job: CmakeJob,
    /// Settings shared by all CMake jobs.
    pub settings: Arc<CmakeSettings>,
}

impl CmakeSpec {
    /// The job spec of `job` under `settings`.
    pub fn spec(job: CmakeJob, settings: &Arc<CmakeSettings>) -> JobSpec {
        JobSpec::new(CmakeSpec {
            job,
            settings: Arc::clone(settings),
        })
    }
}

impl Work for CmakeSpec {
    fn kind(&self) -> JobKind {
        KIND
    }

    fn log(&self) -> &Path {
        &self.job.log
    }

    fn run(&self, ctx: &mut RunCtx) -> Report {
        self.job.run(&self.settings, ctx)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn stage(&self) -> Option<Stage> {
        Some(self.job.stage.stage())
    }

    fn retries(&self) -> Option<u32> {
        // A test stage runs its failed tests again itself, each alone (`test_pool`): never
        // the whole stage again.
        (self.job.stage == Step::Test).then_some(0)
    }

    fn at_stage(&self, stage: &str) -> Option<JobSpec> {
        let step = Step::from_word(stage)?;
        Some(Self::spec(self.job.at_stage(step), &self.settings))
    }

    fn source(&self) -> Option<&Path> {
        Some(&self.job.source)
    }

    fn build_folder(&self) -> Option<&Path> {
        Some(&self.job.build_dir)
    }

    fn situation(&self, last_succeeded: bool) -> Option<&'static str> {
        self.job.situation(last_succeeded)
    }

    fn options(&self) -> &[String] {
        &self.job.options
    }

    fn with_options(&self, options: Vec<String>) -> Option<JobSpec> {
        let mut job = self.job.clone();
        job.options = options;
        Some(Self::spec(job, &self.settings))
    }

    fn with_parts(&self, parts: Vec<String>) -> Option<JobSpec> {
        if self.job.stage != Step::Test {
            return None;
        }
        let mut job = self.job.clone();
        job.only_tests = parts;
        Some(Self::spec(job, &self.settings))
    }

    fn tool(&self) -> Option<Tool> {
        Some(self.job.tool(&self.settings))
    }

    fn for_build_type(
        &self,
        build_type: &str,
        build_dir: PathBuf,
        log_dir: &Path,
        name: &str,
    ) -> Option<JobSpec> {
        let mut settings = (*self.settings).clone();
        settings.build_type = build_type.to_string();
        let job = CmakeJob::configure(self.job.source.clone(), build_dir, log_dir, name);
        Some(Self::spec(job, &Arc::new(settings)))
    }

    fn needs_memory(&self) -> bool {
        matches!(self.job.stage, Step::Build | Step::Test)
    }
}
