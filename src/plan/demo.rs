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
//! The demo runs in a fresh folder of its own under the system temp folder ([`Folder`]): a
//! copy of the demo projects and the build root, so the demo never writes into the source
//! tree (not even when `e` edits a project), every demo starts cold (the same length each
//! time), and nothing is left behind: it is removed when jobdeck exits (a `-B` folder or a
//! DIR given is the user's, and kept). The folder's name is random and made only if it does
//! not exist yet, with mode 0700: a folder named after the pid could be made in advance by
//! another user, with links in it, for a demo run as root to write through.

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

/// The demo's own temporary folder: `projects/` (a copy of the demo projects, when no DIR
/// is given) and `build/` (the build root, when no `-B` is given). Removed when dropped.
#[derive(Debug)]
pub struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    /// Makes a fresh folder with a random name that did not exist (as `mkdtemp` does, mode
    /// 0700) under the system temp folder, and copies the demo projects into it when
    /// `with_projects`.
    pub fn create(with_projects: bool) -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        // tempfile's own default is 0777 less the umask: usually 0755, readable by all.
        let dir = tempfile::Builder::new()
            .prefix("jobdeck-demo-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()?;
        let folder = Self { dir };
        if with_projects {
            copy_tree(&projects_dir(), &folder.projects())?;
        }
        Ok(folder)
    }

    /// Where the copy of the demo projects is.
    pub fn projects(&self) -> PathBuf {
        self.dir.path().join("projects")
    }

    /// The demo's build root.
    pub fn build_root(&self) -> PathBuf {
        self.dir.path().join("build")
    }
}

/// Copies the folder `from` into a new folder `to`: folders and regular files only (the
/// demo projects hold nothing else; a link would be a way out of the copy).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
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
                after: Vec::new(),
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
