//! The job kinds jobdeck runs, each behind the traits of `kind`, and the job graph's node.

pub mod build_tool;
pub mod cmake;
pub mod command;
pub mod diagnostics;
pub mod discovery;
pub mod kind;
pub mod log_files;
pub mod probe;
pub mod process_job;
pub mod pseudowords;
mod summaries;

pub use kind::{
    JobKind, JobSpec, Kind, PartsSoFar, Stage, SubResult, SubVerdict, Tone, Tool, Warner, Work,
};

/// Every kind jobdeck runs: the one list a new kind is added to.
pub static KINDS: &[JobKind] = &[cmake::KIND, probe::KIND, pseudowords::KIND, command::KIND];

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

/// A source of jobs that can change while the session runs (a `jobdeck.toml` being edited):
/// asked before each run starts, so a job run again runs what its source says now.
pub trait Reload: std::fmt::Debug + Send + Sync {
    /// Updates `jobs` from their source if it changed since it was last read, and says what
    /// it did, or why it could not (`None`: nothing changed).
    fn reload(&self, jobs: &mut [Job]) -> Option<String>;
}

impl Job {
    /// The engine task for one run of this job, with the job's name for a launcher that names
    /// what it runs (srun's `--job-name`).
    pub fn task(&self) -> crate::engine::Task {
        let name = self.name.clone();
        let task = self.spec.task();
        Box::new(move |ctx| {
            ctx.set_label(name);
            task(ctx)
        })
    }
}
