//! `--demo`: a one-command show of the worker pool, sized at about 23 s of CPU time with a
//! release build: 12 to 15 s on two idle workers.
//!
//! Its work is computation, never waiting, so that what it shows about threads is true: it
//! configures every project in `assets/demo` once per build type, as processes (the build
//! folders are seeded from the shared toolchain probe, which runs once at the start, so a
//! simple configure is about 50 ms; with `--no-share-probes` each detects its compilers,
//! about half a second of CPU; `platform-checks` compiles a test program per check, and
//! `primes` counts the primes below 12000 in CMake's language, about a second of CPU each),
//! plus eight pseudoword tasks of one to three seconds of CPU each, as threads of jobdeck:
//! more tasks than workers, so every worker has work to the end.
//!
//! The build root is a fresh folder of this process under the system temp folder, so the demo
//! never writes into the source tree, every demo starts cold (the same length each time), and
//! nothing is left behind: it is removed when jobdeck exits (a `-B` folder is kept).

use crate::jobs::Job;
use std::path::{Path, PathBuf};

/// The build types every demo project is configured for, in row order.
pub const BUILD_TYPES: [&str; 4] = ["Debug", "Release", "RelWithDebInfo", "MinSizeRel"];

/// Pseudoword file tasks the demo adds when `--words` is not given.
pub const WORDS: usize = 4;

/// The letter tasks the demo adds when `--letters` is not given.
pub const LETTERS: &str = "demo";

/// Words per pseudoword task in the demo: about 1.2 s of CPU each on an idle 2-core machine
/// (a task of 100 million words took 0.25 s), in the 1 to 3 s a task needs to show on the
/// timeline and in a sweep. The demo's tasks count their words instead of keeping 2 GB each
/// (`WordsSettings::tally`).
pub const WORDS_PER_TASK: u64 = 500_000_000;

/// The bundled demo projects: `assets/demo` of the source tree this binary was built from,
/// or of the current folder when that tree is gone (an installed binary run from a checkout).
pub fn projects_dir() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("assets/demo")
    }
}

/// The demo's own build root: unique to this process, so two demos never share one.
pub fn build_root() -> PathBuf {
    std::env::temp_dir().join(format!("jobdeck-demo-{}", std::process::id()))
}

/// One configure job per build type for every CMake job in `jobs`, named `<type>/<name>` and
/// built in `<build_root>/<type>/<name>`; other jobs are kept as they are, after them.
pub fn per_build_type(jobs: Vec<Job>, build_root: &Path, log_dir: &Path) -> Vec<Job> {
    let mut per_type: Vec<Vec<Job>> = vec![Vec::new(); BUILD_TYPES.len()];
    let mut others = Vec::new();
    for job in jobs {
        let copies = BUILD_TYPES.iter().filter_map(|build_type| {
            let folder = build_type.to_lowercase();
            let name = format!("{folder}/{}", job.name);
            let build_dir = build_root.join(&folder).join(&job.name);
            let spec = job
                .spec
                .for_build_type(build_type, build_dir, log_dir, &name)?;
            Some(Job {
                spec,
                name,
                deps: Vec::new(),
            })
        });
        let copies: Vec<Job> = copies.collect();
        if copies.is_empty() {
            others.push(job);
        }
        for (rows, copy) in per_type.iter_mut().zip(copies) {
            rows.push(copy);
        }
    }
    per_type.into_iter().flatten().chain(others).collect()
}

/// Removes the demo's build root when dropped, at the end of `main`.
#[derive(Debug)]
pub struct Cleanup(pub PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
