//! The job kinds jobdeck runs, and how each becomes an engine task.

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
}

/// The kind word shown in the table and in JSON: `cmake` or `words`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A CMake stage.
    Cmake,
    /// A pseudoword task.
    Words,
}

impl JobKind {
    /// The kind word of the public contract.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Cmake => "cmake",
            JobKind::Words => "words",
        }
    }

    /// Whether its runs are processes (which a launcher runs elsewhere), not tasks on
    /// jobdeck's own threads.
    pub fn is_process(self) -> bool {
        match self {
            JobKind::Cmake => true,
            JobKind::Words => false,
        }
    }
}

impl JobSpec {
    /// The job's kind.
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Cmake { .. } => JobKind::Cmake,
            JobSpec::Words { .. } => JobKind::Words,
        }
    }

    /// The pipeline stage of a CMake job; `None` for a pseudoword task.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            JobSpec::Cmake { job, .. } => Some(job.stage),
            JobSpec::Words { .. } => None,
        }
    }

    /// Where each run of this job writes its log.
    pub fn log(&self) -> &Path {
        match self {
            JobSpec::Cmake { job, .. } => &job.log,
            JobSpec::Words { log, .. } => log,
        }
    }

    /// The engine task for one run of this job.
    pub fn task(&self) -> Task {
        match self.clone() {
            JobSpec::Cmake { job, settings } => Box::new(move |ctx| job.run(&settings, ctx)),
            JobSpec::Words { job, log } => Box::new(move |ctx| job.run(&log, ctx)),
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
