//! Start-up checks of the paths jobdeck was given or derived: files that are not regular
//! files, folders that are not folders, a build root inside a project's sources, a trace over
//! jobdeck's own files. Each refusal names the path, says what is wrong with it and what to
//! pass instead, and ends jobdeck with exit status 2 before anything runs.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::jobs::discovery::PROJECT_FILE;
use crate::sys::regular_file;

/// Refuses a file path that exists and is not a regular file (following symlinks): a FIFO
/// there would block the open, a device would never end.
pub fn file(path: &Path, what: &str, remedy: &str) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(format!(
            "{what} {} is {}, not a regular file: {remedy}",
            path.display(),
            regular_file::describe(meta.file_type())
        )),
        _ => Ok(()),
    }
}

/// Refuses an output file (`what`, given as `flag`) that [`regular_file::check_output`]
/// refuses: a symbolic link, or a file in a folder other users can write.
pub fn output(path: &Path, what: &str, flag: &str) -> Result<(), String> {
    match regular_file::check_output(path) {
        Err(err) if err.kind() == std::io::ErrorKind::InvalidInput => Err(format!(
            "{what} {}: {err} (pass another {flag})",
            path.display()
        )),
        // A folder still to be made, or unreadable: writing it fails later, with a warning.
        _ => Ok(()),
    }
}

/// Refuses a folder path that exists and is not a folder (following symlinks). A folder to
/// be made under a file is left to fail where it is made, with the system's words.
pub fn folder(path: &Path, what: &str, remedy: &str) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => Err(format!(
            "{what} {} is {}, not a folder: {remedy}",
            path.display(),
            regular_file::describe(meta.file_type())
        )),
        _ => Ok(()),
    }
}

/// Refuses one of jobdeck's own files or folders (`.jobdeck`, its lock and history, the
/// log folder inside it) that is a symbolic link or that another user owns: jobdeck writes
/// there, often as root, and must not write through a link or into another user's file.
pub fn own(path: &Path, what: &str, remedy: &str) -> Result<(), String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let me = rustix::process::geteuid().as_raw();
    if meta.file_type().is_symlink() {
        Err(format!(
            "{what} {} is a symbolic link, which jobdeck never follows in its own folders: \
             {remedy}",
            path.display()
        ))
    } else if meta.uid() != me {
        Err(format!(
            "{what} {} belongs to uid {}, not to the running user (uid {me}): {remedy}",
            path.display(),
            meta.uid()
        ))
    } else {
        Ok(())
    }
}

/// Refuses a build root that is a project folder under the searched folder `dir`, or inside
/// one: discovery skips the build root, so that project would be dropped, and every build
/// folder would be written into its sources. (When `dir` is itself the project, its build
/// root is the usual `build` subfolder, as with `cmake -B build`.)
pub fn build_root_outside_projects(build_root: &Path, dir: &Path) -> Result<(), String> {
    let (root, dir) = (resolved(build_root), resolved(dir));
    let Ok(inside) = root.strip_prefix(&dir) else {
        return Ok(());
    };
    let mut folder = dir.clone();
    for component in inside.components() {
        folder.push(component);
        if folder.join(PROJECT_FILE).is_file() {
            let (root, project) = (build_root.display(), folder.display());
            return Err(if folder == resolved(build_root) {
                format!(
                    "the build root {root} is the project folder {project}: that project would \
                     be skipped and the others' build folders written into its sources (pass \
                     a -B outside every project)"
                )
            } else {
                format!(
                    "the build root {root} is inside the project folder {project}: build \
                     folders would be written into its sources (pass a -B outside every \
                     project)"
                )
            });
        }
    }
    Ok(())
}

/// Refuses a trace file inside one of jobdeck's own `folders` (each with the words that
/// name it): writing the trace there would replace the run history, the lock or a log.
pub fn trace_outside(trace: &Path, folders: &[(&Path, &str)]) -> Result<(), String> {
    let resolved_trace = resolved(trace);
    for (folder, name) in folders {
        if resolved_trace.starts_with(resolved(folder)) {
            return Err(format!(
                "the trace file {} is inside {name} {}: pass a --trace outside it",
                trace.display(),
                folder.display()
            ));
        }
    }
    Ok(())
}

/// Refuses an output file (`what`, given as `flag`) inside one of jobdeck's own `folders`:
/// writing it there would replace the run history, the lock or a log.
pub fn file_outside(
    file: &Path,
    what: &str,
    flag: &str,
    folders: &[(&Path, &str)],
) -> Result<(), String> {
    let resolved_file = resolved(file);
    for (folder, name) in folders {
        if resolved_file.starts_with(resolved(folder)) {
            return Err(format!(
                "{what} {} is inside {name} {}: pass a {flag} outside it",
                file.display(),
                folder.display()
            ));
        }
    }
    Ok(())
}

/// Whether two paths name the same file, whether it exists yet or not.
pub fn same_file(a: &Path, b: &Path) -> bool {
    resolved(a) == resolved(b)
}

/// `path` with its deepest existing ancestor made canonical (symlinks and `..` resolved),
/// so two spellings of one place compare equal even where the rest does not exist yet.
fn resolved(path: &Path) -> PathBuf {
    let mut missing = Vec::new();
    let mut base = path;
    loop {
        if let Ok(mut real) = base.canonicalize() {
            real.extend(missing.iter().rev());
            return real;
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name);
                base = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}
