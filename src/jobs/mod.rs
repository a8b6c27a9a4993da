//! The job kinds jobdeck runs, and how each becomes an engine task.

pub mod cmake;
pub mod discovery;
pub mod log_files;
pub mod pseudowords;

use std::sync::Arc;

use crate::engine::Task;

/// What a job is. Cheap to clone: a re-run submits the same spec again.
#[derive(Debug, Clone)]
pub enum JobSpec {
    /// Configure one CMake project.
    Cmake {
        /// The project and its paths.
        job: cmake::CmakeJob,
        /// Settings shared by all configures.
        settings: Arc<cmake::CmakeSettings>,
    },
    /// A pseudoword task: a file, a letter, or the gather of the letters.
    Words(pseudowords::WordsJob),
}

/// The kind word shown in the table and in JSON: `cmake` or `words`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A CMake configure.
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
}

impl JobSpec {
    /// The job's kind.
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Cmake { .. } => JobKind::Cmake,
            JobSpec::Words(_) => JobKind::Words,
        }
    }

    /// The engine task for one run of this job.
    pub fn task(&self) -> Task {
        match self.clone() {
            JobSpec::Cmake { job, settings } => Box::new(move |ctx| job.run(&settings, ctx)),
            JobSpec::Words(job) => Box::new(move |ctx| job.run(ctx)),
        }
    }
}

/// A named job: a row of the table.
#[derive(Debug, Clone)]
pub struct Job {
    /// The row's name, e.g. `01-basic/A-hello-cmake`.
    pub name: String,
    /// What to run.
    pub spec: JobSpec,
}
