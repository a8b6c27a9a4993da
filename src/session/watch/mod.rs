//! Watch mode: which project folders changed on disk, debounced, as a channel of folders.
//!
//! The kernel tells us (inotify, through the `notify` crate), so an idle watch costs
//! nothing: no polling. An editor's save is several events (a swap file, a backup, a rename,
//! a write), so each project's events are gathered until it has been quiet for `DEBOUNCE`,
//! and then the folder is sent once. Build folders, jobdeck's own folder and editors' swap
//! and backup files never count: configuring a project writes into its build folder, which
//! must not set off another configure.
//!
//! What counts is a change of what a file holds (`tree`): a configure that writes a header
//! or a version file into its own sources (`file(WRITE ${CMAKE_CURRENT_SOURCE_DIR}/…)`)
//! writes the same bytes each run, which must not set off the next run, or the project
//! would re-run forever; an edit made while it runs changes them and restarts it. The
//! folders are walked by jobdeck itself, one watch each: a folder it cannot read is skipped
//! with a warning (the rest is still watched), a symbolic link is never followed (a link to
//! `/` would walk `/proc`), and each project's parent folder is watched too, so a project
//! removed and made again comes back.

pub mod globs;
mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use notify::EventKind;

/// How long a project must be quiet after a change before it is re-run.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// A folder whose files changed, and which of them did (a removed folder's files are each
/// listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The watched folder (a project's, or the fixed start of a job's glob pattern).
    pub folder: PathBuf,
    /// The files in it that changed, were made or were removed.
    pub files: Vec<PathBuf>,
}

/// A running watch over some project folders. Dropping it stops watching.
pub struct Watch {
    /// Dropped to tell the watch's thread to end.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

/// What never counts as a change of a project.
#[derive(Debug, Clone)]
pub struct Ignored {
    /// Folders whose contents are written by the runs themselves (build folders, the build
    /// root, the log folder).
    pub folders: Vec<PathBuf>,
}

impl Ignored {
    /// Whether a change of `path` is the runs' own writing or an editor's scratch file.
    pub fn is_ignored(&self, path: &Path) -> bool {
        if self.folders.iter().any(|folder| path.starts_with(folder)) {
            return true;
        }
        if path.components().any(|c| c.as_os_str() == ".git") {
            return true;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return false;
        };
        // vim: `.name.swp`/`.swo`/`.swx`, the `4913` probe, `name~` backups; emacs:
        // `#name#` autosaves and `.#name` locks; many tools: `name.tmp`.
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        ["swp", "swo", "swx", "tmp"]
            .iter()
            .any(|scratch| extension.eq_ignore_ascii_case(scratch))
            || name.ends_with('~')
            || name == "4913"
            || (name.starts_with('#') && name.ends_with('#'))
            || name.starts_with(".#")
    }
}

impl Watch {
    /// Watches every folder of `projects` (and each one's parent); each project whose files
    /// change (and then stay quiet for `DEBOUNCE`) is sent on `changed`, with those files. What cannot be
    /// watched (an unreadable folder) is said on `warnings`; only the system's limit on
    /// watches, or no inotify at all, is an error.
    pub fn start(
        projects: Vec<PathBuf>,
        ignored: Ignored,
        changed: Sender<Change>,
        warnings: Sender<String>,
    ) -> notify::Result<Self> {
        let (raw_tx, raw_rx) = crossbeam_channel::unbounded::<notify::Event>();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            // Reading a file (cmake reads every CMakeLists.txt) is not a change.
            if !matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
                let _ = raw_tx.send(event);
            }
        })?;
        let mut tree = tree::Tree::new(watcher, projects, ignored);
        tree.start(&warnings)?;
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || watch(tree, &raw_rx, &stopped, &changed, &warnings))
            .map_err(|err| notify::Error::generic(&err.to_string()))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The thread owns the watcher: it drops it when it ends.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The project `path` lies in: the longest of `projects` that holds it.
fn owner<'a>(projects: &'a [PathBuf], path: &Path) -> Option<&'a Path> {
    projects
        .iter()
        .filter(|project| path.starts_with(project))
        .max_by_key(|project| project.as_os_str().len())
        .map(PathBuf::as_path)
}

/// Gathers the events of each project until it has been quiet for `DEBOUNCE`, then sends it
/// if what it holds changed.
fn watch(
    mut tree: tree::Tree,
    raw: &Receiver<notify::Event>,
    stopped: &Receiver<()>,
    changed: &Sender<Change>,
    warnings: &Sender<String>,
) {
    let mut due: HashMap<PathBuf, Instant> = HashMap::new();
    loop {
        let wait = due.values().min().map_or(Duration::from_secs(3600), |at| {
            at.saturating_duration_since(Instant::now())
        });
        select! {
            recv(raw) -> event => {
                let Ok(event) = event else { return };
                for project in tree.note(&event, warnings) {
                    due.insert(project, Instant::now() + DEBOUNCE);
                }
            }
            recv(stopped) -> _ => return,
            default(wait) => {}
        }
        let now = Instant::now();
        let ready: Vec<PathBuf> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(project, _)| project.clone())
            .collect();
        for project in ready {
            due.remove(&project);
            let files = tree.changed(&project);
            if !files.is_empty()
                && changed
                    .send(Change {
                        folder: project,
                        files,
                    })
                    .is_err()
            {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_folders_and_editor_scratch_files_are_ignored() {
        let ignored = Ignored {
            folders: vec![PathBuf::from("/w/build")],
        };
        for path in [
            "/w/build/p/CMakeCache.txt",
            "/w/p/.CMakeLists.txt.swp",
            "/w/p/CMakeLists.txt~",
            "/w/p/4913",
            "/w/p/#main.c#",
            "/w/p/.#main.c",
            "/w/p/.git/index",
        ] {
            assert!(ignored.is_ignored(Path::new(path)), "{path}");
        }
        for path in [
            "/w/p/CMakeLists.txt",
            "/w/p/src/main.c",
            "/w/p/cmake/x.cmake",
        ] {
            assert!(!ignored.is_ignored(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn a_path_belongs_to_the_innermost_project() {
        let projects = [PathBuf::from("/w/a"), PathBuf::from("/w/a/b")];
        assert_eq!(
            owner(&projects, Path::new("/w/a/b/x")),
            Some(Path::new("/w/a/b"))
        );
        assert_eq!(
            owner(&projects, Path::new("/w/a/x")),
            Some(Path::new("/w/a"))
        );
        assert_eq!(owner(&projects, Path::new("/w/ab/x")), None);
    }
}
