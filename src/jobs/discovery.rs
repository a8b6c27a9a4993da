//! Finding the CMake projects under a folder.
//!
//! A folder holding a `CMakeLists.txt` is a project and is not searched further (its
//! subfolders are its own `add_subdirectory` children). Hidden folders, the build root,
//! folders holding a `.jobdeckignore` file, build folders (cmake's `CMakeCache.txt` of a
//! source elsewhere: cmake generates `CMakeLists.txt` files in them, such as
//! `_deps/googletest-subbuild`) and any jobdeck's build root (it holds `.jobdeck/`) are
//! skipped, with everything under them. Symlinks are followed, but each real folder is
//! visited once, so a symlink loop ends with a warning instead of a hang.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::sys::text::os_text;

/// The file whose presence makes a folder a CMake project.
pub const PROJECT_FILE: &str = "CMakeLists.txt";

/// The file whose presence makes discovery skip a folder.
pub const IGNORE_FILE: &str = ".jobdeckignore";

/// A CMake project found by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Its path relative to the searched folder, with `/` separators; the row's name. Bytes
    /// of folder names that are not UTF-8 are written `\xNN`: the name is for showing.
    pub name: String,
    /// The same path as it is on disk, byte for byte: its build and log folders are made
    /// from this, never from the name.
    pub relative: PathBuf,
    /// Its folder.
    pub dir: PathBuf,
}

/// What discovery found, and what it could not look at.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Projects sorted by name.
    pub projects: Vec<Project>,
    /// One line for each folder that was skipped because of an error or a loop.
    pub warnings: Vec<String>,
}

/// Finds the projects under `root`, skipping `skip` (the build root) wherever it is.
pub fn discover(root: &Path, skip: &Path) -> Discovery {
    let mut found = Discovery::default();
    if root.join(PROJECT_FILE).is_file() {
        let relative = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("project"));
        found.projects.push(Project {
            name: os_text(relative.as_os_str()),
            relative,
            dir: root.to_path_buf(),
        });
        return found;
    }
    let skip = skip.canonicalize().ok();
    let mut visited = HashSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        visit(
            root,
            &dir,
            skip.as_deref(),
            &mut visited,
            &mut pending,
            &mut found,
        );
    }
    found.projects.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

fn visit(
    root: &Path,
    dir: &Path,
    skip: Option<&Path>,
    visited: &mut HashSet<(u64, u64)>,
    pending: &mut Vec<PathBuf>,
    found: &mut Discovery,
) {
    let meta = match std::fs::metadata(dir) {
        Ok(meta) => meta,
        Err(err) => {
            found
                .warnings
                .push(format!("skipped {}: {err}", dir.display()));
            return;
        }
    };
    if !visited.insert((meta.dev(), meta.ino())) {
        if dir
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            found.warnings.push(format!(
                "skipped {}: symlink to a folder already searched (a loop?)",
                dir.display()
            ));
        }
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            found
                .warnings
                .push(format!("skipped {}: {err}", dir.display()));
            return;
        }
    };
    let mut children = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        // `metadata` follows symlinks, so a link to a folder is searched like a folder.
        if hidden || !path.is_dir() {
            continue;
        }
        if skip.is_some_and(|skip| path.canonicalize().is_ok_and(|p| p == skip)) {
            continue;
        }
        if path.join(IGNORE_FILE).exists() || is_build_folder(&path) {
            continue;
        }
        if path.join(PROJECT_FILE).is_file() {
            if visited_already(&path, visited) {
                continue;
            }
            found.projects.push(Project {
                name: relative_name(root, &path),
                relative: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
                dir: path,
            });
        } else {
            children.push(path);
        }
    }
    // Reverse so that the stack pops folders in name order (only for a stable walk; the
    // result is sorted anyway).
    children.sort();
    pending.extend(children.into_iter().rev());
}

/// The folder in every jobdeck build root that holds its history and lock.
const JOBDECK_FOLDER: &str = ".jobdeck";

/// Whether `dir` is a build folder, not sources: a jobdeck build root (it holds `.jobdeck/`,
/// whatever `-B` made it), or a cmake build folder: its `CMakeCache.txt` was made for
/// sources elsewhere. A project built in its own folder (`cmake .`) has a cache whose home
/// is that folder, and stays a project.
fn is_build_folder(dir: &Path) -> bool {
    if dir.join(JOBDECK_FOLDER).is_dir() {
        return true;
    }
    let cache = dir.join("CMakeCache.txt");
    if !cache.is_file() {
        return false;
    }
    let home = std::fs::read(&cache).ok().and_then(|text| {
        String::from_utf8_lossy(&text)
            .lines()
            .find_map(|line| line.strip_prefix("CMAKE_HOME_DIRECTORY:INTERNAL="))
            .map(PathBuf::from)
    });
    match home {
        Some(home) => !same_folder(&home, dir),
        None => true,
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Marks a project folder visited, so the same project reached through a symlink is listed once.
fn visited_already(path: &Path, visited: &mut HashSet<(u64, u64)>) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) => !visited.insert((meta.dev(), meta.ino())),
        Err(_) => false,
    }
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| os_text(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}
