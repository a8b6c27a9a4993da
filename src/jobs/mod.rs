//! The job kinds jobdeck runs, and how each becomes an engine task.

pub mod build_tool;
pub mod cmake;
pub mod diagnostics;
pub mod discovery;
pub mod log_files;
pub mod probe;
pub mod process_job;
pub mod pseudowords;
mod summaries;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::Task;
pub use cmake::Stage;

/// What a job is. Cheap to clone: a re-run submits the same spec again.
#[derive(Debug, Clone)]
pub enum JobSpec {
    /// One stage (configure, build, test) of one CMake project.
    Cmake {
        /// The project, its paths and the stage.
        job: cmake::CmakeJob,
        /// Settings shared by all CMake jobs.
        settings: Arc<cmake::CmakeSettings>,
    },
    /// A pseudoword task: a file, a letter, or the gather of the letters.
    Words {
        /// The task.
        job: pseudowords::WordsJob,
        /// Where its log goes: `<logs>/<name>/words.log`.
        log: PathBuf,
    },
    /// The toolchain probe of the fresh configures of one key, which come after it.
    Probe(probe::ProbeJob),
}

/// The kind word shown in the table and in JSON: `cmake`, `words` or `probe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A CMake stage.
    Cmake,
    /// A pseudoword task.
    Words,
    /// A toolchain probe: jobdeck's own helper job, before the fresh configures it seeds.
    Probe,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 3] = [JobKind::Cmake, JobKind::Words, JobKind::Probe];

    /// The kind word of the public contract.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Cmake => "cmake",
            JobKind::Words => "words",
            JobKind::Probe => "probe",
        }
    }

    /// The kind named `word` (the history's `"kind"`), if any.
    pub fn from_word(word: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|kind| kind.as_str() == word)
    }

    /// Whether its runs are processes (which a launcher runs elsewhere), not tasks on
    /// jobdeck's own threads.
    pub fn is_process(self) -> bool {
        match self {
            JobKind::Cmake | JobKind::Probe => true,
            JobKind::Words => false,
        }
    }

    /// The stage a history record of this kind written before stages existed was about:
    /// such a CMake record is a configure.
    pub fn stage_before_stages(self) -> Option<Stage> {
        match self {
            JobKind::Cmake => Some(Stage::Configure),
            JobKind::Words | JobKind::Probe => None,
        }
    }
}

/// The program a process job runs, and how to get it when it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// The program, as it will be run (`cmake`, `/opt/cmake/bin/ctest`).
    pub program: std::ffi::OsString,
    /// What to do when it is not found, e.g. `Install CMake (…) or pass its path with
    /// --cmake`.
    pub install: &'static str,
}

impl JobSpec {
    /// The job's kind.
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Cmake { .. } => JobKind::Cmake,
            JobSpec::Words { .. } => JobKind::Words,
            JobSpec::Probe(_) => JobKind::Probe,
        }
    }

    /// Whether its runs are processes (see [`JobKind::is_process`]).
    pub fn is_process(&self) -> bool {
        self.kind().is_process()
    }

    /// The pipeline stage of a staged job (a CMake job); `None` for a pseudoword task.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            JobSpec::Cmake { job, .. } => Some(job.stage),
            JobSpec::Words { .. } | JobSpec::Probe(_) => None,
        }
    }

    /// The same job at a later `stage` of its pipeline, for a kind that has stages.
    #[must_use]
    pub fn at_stage(&self, stage: Stage) -> Option<JobSpec> {
        match self {
            JobSpec::Cmake { job, settings } => Some(JobSpec::Cmake {
                job: job.at_stage(stage),
                settings: Arc::clone(settings),
            }),
            JobSpec::Words { .. } | JobSpec::Probe(_) => None,
        }
    }

    /// Where each run of this job writes its log.
    pub fn log(&self) -> &Path {
        match self {
            JobSpec::Cmake { job, .. } => &job.log,
            JobSpec::Words { log, .. } => log,
            JobSpec::Probe(probe) => &probe.log,
        }
    }

    /// The project folder the job works on, which watch mode watches; `None` for a job
    /// that has none.
    pub fn source(&self) -> Option<&Path> {
        match self {
            JobSpec::Cmake { job, .. } => Some(&job.source),
            JobSpec::Words { .. } | JobSpec::Probe(_) => None,
        }
    }

    /// The folder the job builds into (its changes never count in watch mode); `None` for
    /// a job that writes no build folder of its own.
    pub fn build_folder(&self) -> Option<&Path> {
        match self {
            JobSpec::Cmake { job, .. } => Some(&job.build_dir),
            JobSpec::Words { .. } | JobSpec::Probe(_) => None,
        }
    }

    /// The job's own options (a project's `-D VAR=VALUE`); empty for a kind without them.
    pub fn options(&self) -> &[String] {
        match self {
            JobSpec::Cmake { job, .. } => &job.options,
            // A probe's options are its key's, not options of its own to change.
            JobSpec::Words { .. } | JobSpec::Probe(_) => &[],
        }
    }

    /// Sets the job's own options (the options key `D`, or the history's under
    /// `--rerun-failed`); a kind without options is left alone.
    pub fn set_options(&mut self, options: Vec<String>) {
        match self {
            JobSpec::Cmake { job, .. } => job.options = options,
            JobSpec::Words { .. } | JobSpec::Probe(_) => {}
        }
    }

    /// The program a process job runs and how to install it; `None` for a task that runs
    /// on jobdeck's own threads.
    pub fn tool(&self) -> Option<Tool> {
        match self {
            JobSpec::Cmake { job, settings } => Some(job.tool(settings)),
            JobSpec::Probe(probe) => Some(Tool {
                program: probe.settings.program.clone(),
                install: cmake::INSTALL,
            }),
            JobSpec::Words { .. } => None,
        }
    }

    /// This job for another build type, built in `build_dir` and logged under
    /// `log_dir/<name>/` (the demo's per-build-type copies); `None` for a kind without
    /// build types.
    #[must_use]
    pub fn for_build_type(
        &self,
        build_type: &str,
        build_dir: PathBuf,
        log_dir: &Path,
        name: &str,
    ) -> Option<JobSpec> {
        match self {
            JobSpec::Cmake { job, settings } => {
                let mut settings = (**settings).clone();
                settings.build_type = build_type.to_string();
                Some(JobSpec::Cmake {
                    job: cmake::CmakeJob::configure(job.source.clone(), build_dir, log_dir, name),
                    settings: Arc::new(settings),
                })
            }
            JobSpec::Words { .. } | JobSpec::Probe(_) => None,
        }
    }

    /// The engine task for one run of this job.
    pub fn task(&self) -> Task {
        match self.clone() {
            JobSpec::Cmake { job, settings } => Box::new(move |ctx| job.run(&settings, ctx)),
            JobSpec::Words { job, log } => Box::new(move |ctx| job.run(&log, ctx)),
            JobSpec::Probe(probe) => Box::new(move |ctx| probe.run(ctx)),
        }
    }
}

/// A named job: a row of the table, and a node of the job graph.
#[derive(Debug, Clone)]
pub struct Job {
    /// The row's name, e.g. `01-basic/A-hello-cmake` (every stage of a project shares it).
    pub name: String,
    /// What to run.
    pub spec: JobSpec,
    /// Indices (in the job list) of the jobs that must succeed before this one runs.
    pub deps: Vec<usize>,
    /// Indices of the jobs that must have ended, however, before this one runs: a fresh
    /// configure comes after the toolchain probe it is seeded from.
    pub after: Vec<usize>,
}

impl Job {
    /// The engine task for one run of this job, with the job's name for a launcher that names
    /// what it runs (srun's `--job-name`).
    pub fn task(&self) -> Task {
        let name = self.name.clone();
        let task = self.spec.task();
        Box::new(move |ctx| {
            ctx.set_label(name);
            task(ctx)
        })
    }
}
