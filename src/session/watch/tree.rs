//! The watched folders and what their files hold.
//!
//! jobdeck walks each project itself and watches each folder on its own (inotify watches
//! one folder, not a tree): a folder it cannot read is skipped and said once, the others
//! are still watched; a symbolic link is never followed, so a link to `/` or `/usr` in a
//! project is one entry, not a walk of the whole system. Folders made later are walked
//! when their event comes.
//!
//! An event only says a path was touched. Whether the project changed is decided when it
//! has been quiet for the debounce: each touched path is compared with what it held when
//! last seen (a hash of its bytes, or for a link its target). A configure that writes the
//! same generated file into its sources each run is then no change, while a truncate and
//! rewrite seen half done is never mistaken for one.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crossbeam_channel::Sender;
use notify::event::{CreateKind, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::{Ignored, owner};

/// Bytes of file contents hashed while walking at the start, beyond which a file is known
/// by its size and time only (its first change then costs one extra run). Keeps the start
/// of a watch over a huge tree short.
const WALK_BUDGET: u64 = 64 << 20;

/// Files larger than this are known by their size and time, never read.
const LARGEST_READ: u64 = 64 << 20;

/// How many skipped folders a warning names.
const NAMED: usize = 3;

/// What a path held when last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    /// A file's size and the hash of its bytes.
    File(u64, u64),
    /// A file known by size and modification time (too large, over the budget, unreadable).
    Stamp(u64, i64, i64),
    /// A symbolic link, by the hash of its target.
    Link(u64),
    /// A folder (kept for project folders, so a removed and remade project is a change).
    Folder,
    /// Something else (a FIFO, a socket).
    Other,
}

/// The watcher, the projects, and what their files held.
pub(super) struct Tree {
    watcher: RecommendedWatcher,
    projects: Vec<PathBuf>,
    ignored: Ignored,
    known: HashMap<PathBuf, Digest>,
    /// Paths touched since their project was last looked at, by project.
    touched: HashMap<PathBuf, HashSet<PathBuf>>,
}

impl Tree {
    pub(super) fn new(
        watcher: RecommendedWatcher,
        projects: Vec<PathBuf>,
        ignored: Ignored,
    ) -> Self {
        Self {
            watcher,
            projects,
            ignored,
            known: HashMap::new(),
            touched: HashMap::new(),
        }
    }

    /// Watches every project and each one's parent, and records what their files hold.
    /// Folders that cannot be watched are said once on `warnings`.
    pub(super) fn start(&mut self, warnings: &Sender<String>) -> notify::Result<()> {
        let mut skipped = Vec::new();
        let mut budget = WALK_BUDGET;
        for project in self.projects.clone() {
            self.known.insert(project.clone(), Digest::Folder);
            self.walk(&project, Some(&mut budget), &mut skipped)?;
        }
        // A project removed and made again is seen from its parent: the watch on the
        // project went with the folder.
        let mut parents: Vec<PathBuf> = self
            .projects
            .iter()
            .filter_map(|project| project.parent().map(Path::to_path_buf))
            .collect();
        parents.sort();
        parents.dedup();
        for parent in parents {
            self.watch_folder(&parent, &mut skipped)?;
        }
        warn_skipped(&skipped, warnings);
        Ok(())
    }

    /// Takes note of an event: walks a folder made inside a project (or a project made
    /// again), and returns the projects whose paths were touched.
    pub(super) fn note(
        &mut self,
        event: &notify::Event,
        warnings: &Sender<String>,
    ) -> Vec<PathBuf> {
        let made = matches!(
            event.kind,
            EventKind::Create(CreateKind::Folder | CreateKind::Any)
                | EventKind::Modify(ModifyKind::Name(_))
        );
        let mut projects = Vec::new();
        let mut skipped = Vec::new();
        for path in &event.paths {
            if self.ignored.is_ignored(path) {
                continue;
            }
            let Some(project) = owner(&self.projects, path).map(Path::to_path_buf) else {
                continue;
            };
            let is_folder = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
            if made && is_folder {
                // Its files are new to us: touched, to be looked at with the rest.
                let mut found = Vec::new();
                if let Err(err) = self.walk_new(path, &mut found, &mut skipped) {
                    let _ = warnings.send(format!("watch: {err}"));
                }
                self.touched
                    .entry(project.clone())
                    .or_default()
                    .extend(found);
            }
            self.touched
                .entry(project.clone())
                .or_default()
                .insert(path.clone());
            projects.push(project);
        }
        warn_skipped(&skipped, warnings);
        projects.sort();
        projects.dedup();
        projects
    }

    /// The paths of `project` whose contents changed since it was last looked at, among
    /// those touched since (empty: no change); records what they hold now.
    pub(super) fn changed(&mut self, project: &Path) -> Vec<PathBuf> {
        let Some(paths) = self.touched.remove(project) else {
            return Vec::new();
        };
        let mut changed = Vec::new();
        for path in paths {
            let now = digest(&path, None);
            let is_project = self.projects.contains(&path);
            if now == Some(Digest::Folder) && !is_project {
                // A folder is its files, which are looked at one by one.
                continue;
            }
            match (self.known.get(&path).copied(), now) {
                (Some(before), Some(now)) if before == now => {}
                (None, None) => {
                    // Gone, and never a file of ours: unless it was a folder holding some.
                    let gone: Vec<PathBuf> = self
                        .known
                        .keys()
                        .filter(|known| known.starts_with(&path))
                        .cloned()
                        .collect();
                    self.known.retain(|known, _| !known.starts_with(&path));
                    changed.extend(gone);
                }
                (_, None) => {
                    self.known.retain(|known, _| !known.starts_with(&path));
                    changed.push(path);
                }
                (_, Some(now)) => {
                    self.known.insert(path.clone(), now);
                    changed.push(path);
                }
            }
        }
        changed
    }

    /// Watches `root` and every folder under it that is not ignored and not behind a
    /// link, recording what each file holds (hashing at most `budget` bytes when given).
    fn walk(
        &mut self,
        root: &Path,
        mut budget: Option<&mut u64>,
        skipped: &mut Vec<PathBuf>,
    ) -> notify::Result<()> {
        let mut files = Vec::new();
        self.walk_new(root, &mut files, skipped)?;
        for file in files {
            if let Some(digest) = digest(&file, budget.as_deref_mut()) {
                self.known.insert(file, digest);
            }
        }
        Ok(())
    }

    /// Watches `root` and the folders under it as [`walk`](Self::walk) does, and lists its
    /// files in `files` without reading them.
    fn walk_new(
        &mut self,
        root: &Path,
        files: &mut Vec<PathBuf>,
        skipped: &mut Vec<PathBuf>,
    ) -> notify::Result<()> {
        let mut folders = vec![root.to_path_buf()];
        while let Some(folder) = folders.pop() {
            if self.ignored.is_ignored(&folder) || !self.watch_folder(&folder, skipped)? {
                continue;
            }
            // Watched before it is read: a file made in between is seen either way.
            let Ok(entries) = std::fs::read_dir(&folder) else {
                skipped.push(folder);
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                match entry.file_type() {
                    // Not followed when a link: `file_type` is the entry's own.
                    Ok(kind) if kind.is_dir() => folders.push(path),
                    Ok(_) if !self.ignored.is_ignored(&path) => files.push(path),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Watches one folder; returns whether it is watched. Only the system's limit on
    /// watches is an error: any other failure skips the folder.
    fn watch_folder(&mut self, folder: &Path, skipped: &mut Vec<PathBuf>) -> notify::Result<bool> {
        match self.watcher.watch(folder, RecursiveMode::NonRecursive) {
            Ok(()) => Ok(true),
            Err(err) if matches!(err.kind, notify::ErrorKind::MaxFilesWatch) => Err(err),
            Err(err) => {
                let gone = matches!(err.kind, notify::ErrorKind::PathNotFound)
                    || matches!(&err.kind, notify::ErrorKind::Io(io)
                        if io.kind() == std::io::ErrorKind::NotFound);
                if !gone {
                    skipped.push(folder.to_path_buf());
                }
                Ok(false)
            }
        }
    }
}

/// Says once which folders could not be watched.
fn warn_skipped(skipped: &[PathBuf], warnings: &Sender<String>) {
    if skipped.is_empty() {
        return;
    }
    let mut named: Vec<String> = skipped
        .iter()
        .take(NAMED)
        .map(|folder| folder.display().to_string())
        .collect();
    if skipped.len() > NAMED {
        named.push(format!("and {} more", skipped.len() - NAMED));
    }
    let count = skipped.len();
    let folders = if count == 1 { "folder" } else { "folders" };
    let _ = warnings.send(format!(
        "watch: cannot read {count} {folders}, not watched (the rest is): {}",
        named.join(", ")
    ));
}

/// What `path` holds now, without following a link (`None`: it is gone). A file is read
/// and hashed when it is small enough and `budget` (when given) allows, and known by its
/// size and time otherwise.
fn digest(path: &Path, budget: Option<&mut u64>) -> Option<Digest> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(path).ok()?;
        let mut hasher = DefaultHasher::new();
        hasher.write(target.as_os_str().as_encoded_bytes());
        return Some(Digest::Link(hasher.finish()));
    }
    if kind.is_dir() {
        return Some(Digest::Folder);
    }
    if !kind.is_file() {
        return Some(Digest::Other);
    }
    let stamp = Digest::Stamp(meta.len(), meta.mtime(), meta.mtime_nsec());
    let affordable = match budget {
        Some(left) if *left >= meta.len() => {
            *left -= meta.len();
            true
        }
        Some(_) => false,
        None => true,
    };
    if !affordable || meta.len() > LARGEST_READ {
        return Some(stamp);
    }
    Some(hash_file(path).unwrap_or(stamp))
}

fn hash_file(path: &Path) -> Option<Digest> {
    let mut file = crate::sys::regular_file::open_to_read(path).ok()?;
    let mut hasher = DefaultHasher::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut len = 0u64;
    loop {
        let read = file.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        hasher.write(&buffer[..read]);
        len += read as u64;
    }
    Some(Digest::File(len, hasher.finish()))
}
