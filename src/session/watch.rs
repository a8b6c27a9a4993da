//! Watch mode: which project folders changed on disk, debounced, as a channel of folders.
//!
//! The kernel tells us (inotify, through the `notify` crate), so an idle watch costs
//! nothing: no polling. An editor's save is several events (a swap file, a backup, a rename,
//! a write), so each project's events are gathered until it has been quiet for `DEBOUNCE`,
//! and then the folder is sent once. Build folders, jobdeck's own folder and editors' swap
//! and backup files never count: configuring a project writes into its build folder, which
//! must not set off another configure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// How long a project must be quiet after a change before it is re-run.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// A running watch over some project folders. Dropping it stops watching.
pub struct Watch {
    watcher: Option<RecommendedWatcher>,
    debouncer: Option<JoinHandle<()>>,
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
    /// Watches every folder of `projects` recursively; each one that changes (and then stays
    /// quiet for `DEBOUNCE`) is sent on `changed`.
    pub fn start(
        projects: Vec<PathBuf>,
        ignored: Ignored,
        changed: Sender<PathBuf>,
    ) -> notify::Result<Self> {
        let (raw_tx, raw_rx) = crossbeam_channel::unbounded::<PathBuf>();
        let owned = projects.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                // Reading a file (cmake reads every CMakeLists.txt) is not a change.
                if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
                    return;
                }
                for path in &event.paths {
                    if ignored.is_ignored(path) {
                        continue;
                    }
                    if let Some(project) = owner(&projects, path) {
                        let _ = raw_tx.send(project.to_path_buf());
                    }
                }
            })?;
        for project in &owned {
            watcher.watch(project, RecursiveMode::Recursive)?;
        }
        let debouncer = std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || debounce(&raw_rx, &changed))
            .map_err(|err| notify::Error::generic(&err.to_string()))?;
        Ok(Self {
            watcher: Some(watcher),
            debouncer: Some(debouncer),
        })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The watcher holds the raw channel's only sender: once it is gone the debouncer
        // sees the channel close and ends.
        drop(self.watcher.take());
        if let Some(thread) = self.debouncer.take() {
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

/// Sends each project once it has been quiet for `DEBOUNCE` after its last change.
fn debounce(raw: &Receiver<PathBuf>, changed: &Sender<PathBuf>) {
    let mut due: HashMap<PathBuf, Instant> = HashMap::new();
    loop {
        let next = due.values().min().copied();
        let received = match next {
            Some(at) => raw.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => raw.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(project) => {
                due.insert(project, Instant::now() + DEBOUNCE);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = Instant::now();
        let ready: Vec<PathBuf> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(project, _)| project.clone())
            .collect();
        for project in ready {
            due.remove(&project);
            if changed.send(project).is_err() {
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
