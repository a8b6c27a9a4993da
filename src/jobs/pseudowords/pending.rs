//! Files written under a temporary name beside their destination and renamed when complete,
//! and the removal, at start-up, of the temporaries a killed session left behind.
//!
//! A temporary is named `.<destination name>.run<N>.tmp`. A run that ends in any way of its
//! own removes it, but a SIGKILL leaves it (650 MB in one trial) until a later run happens to
//! reuse the name. So its writer holds an exclusive `flock` on it from creation to rename,
//! which the kernel drops however the writer ends; at start-up, a file of that name whose
//! lock can be taken belongs to no live writer and is removed. A temporary of another session
//! writing into the same folder is locked, so it is left alone, and no other name is touched.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use super::Halt;
use crate::engine::RunId;
use crate::sys::regular_file;

/// A file being written under a temporary name next to its destination. Dropped without
/// [`PendingFile::commit`], it removes the temporary file, so the destination is either the
/// complete new file or whatever was there before.
#[derive(Debug)]
pub(super) struct PendingFile {
    file: File,
    temp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl PendingFile {
    /// Creates the folder if needed and a temporary file named after `dest` and `run`, so
    /// that two runs of one job (a re-run while the old one is being cancelled) never share
    /// it, and locks it for as long as it lives.
    pub(super) fn create(dest: &Path, run: RunId) -> Result<Self, Halt> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|err| {
            Halt::Failed(format!("cannot create folder {}: {err}", dir.display()))
        })?;
        let name = dest.file_name().unwrap_or_default().to_string_lossy();
        let temp = dir.join(temporary_name(&name, run));
        let file = create_locked(&temp)
            .map_err(|err| Halt::Failed(format!("cannot create {}: {err}", temp.display())))?;
        Ok(Self {
            file,
            temp,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<(), Halt> {
        self.file
            .write_all(bytes)
            .map_err(|err| Halt::Failed(format!("cannot write {}: {err}", self.dest.display())))
    }

    /// Moves the complete file to its destination.
    pub(super) fn commit(mut self) -> Result<(), Halt> {
        std::fs::rename(&self.temp, &self.dest).map_err(|err| {
            Halt::Failed(format!(
                "cannot rename {} to {}: {err}",
                self.temp.display(),
                self.dest.display()
            ))
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Opens `temp`, locks it, and only then empties it, so the file of a live writer that
/// happens to share the name is never truncated.
fn create_locked(temp: &Path) -> std::io::Result<File> {
    // A start-up cleanup of another session can remove the file between the open and the
    // lock; it removes only files it holds the lock of, so a file still linked once the lock
    // is ours is ours. Twice in a row would take two cleanups racing this very file.
    for _ in 0..3 {
        let file = regular_file::open_own(temp, OpenOptions::new().write(true).create(true))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                return Err(std::io::Error::other(
                    "another jobdeck is writing it (same build root and run number?)",
                ));
            }
            Err(err) => return Err(err.into()),
        }
        if file.metadata()?.nlink() > 0 {
            file.set_len(0)?;
            return Ok(file);
        }
    }
    Err(std::io::Error::other(
        "it was removed as soon as it was made",
    ))
}

/// The temporary name of a destination named `name`, for run `run`.
fn temporary_name(name: &str, run: RunId) -> String {
    format!(".{name}.run{}.tmp", run.0)
}

/// Whether `name` is a temporary name of a pseudoword destination: `output<i>.txt`,
/// `letters.txt` or a letter's `part<i>`.
fn is_temporary_name(name: &str) -> bool {
    let is_number = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let Some((dest, run)) = name
        .strip_prefix('.')
        .and_then(|name| name.strip_suffix(".tmp"))
        .and_then(|name| name.rsplit_once(".run"))
    else {
        return false;
    };
    let is_output = dest
        .strip_prefix("output")
        .and_then(|rest| rest.strip_suffix(".txt"))
        .is_some_and(is_number);
    let is_part = dest.strip_prefix("part").is_some_and(is_number);
    is_number(run) && (is_output || is_part || dest == "letters.txt")
}

/// Removes from `dir` the pseudoword temporaries no live writer holds: what a session killed
/// with SIGKILL left behind. Only regular files with a temporary's name are looked at; a
/// missing or unreadable folder holds nothing to remove.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
        if !is_file || !entry.file_name().to_str().is_some_and(is_temporary_name) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = regular_file::open_to_read(&path) else {
            continue;
        };
        // Removed while the lock is held, so a writer that locks after this sees the file
        // gone (see `create_locked`).
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised_and_nothing_else() {
        for dest in ["output0.txt", "output123.txt", "letters.txt", "part7"] {
            assert!(
                is_temporary_name(&temporary_name(dest, RunId(42))),
                "{dest}"
            );
        }
        for name in [
            "output0.txt",
            ".output0.txt.run1.tmp.keep",
            ".output0.txt.runx.tmp",
            ".output0.txt.run.tmp",
            ".outputx.txt.run1.tmp",
            ".notes.txt.run1.tmp",
            "output0.txt.run1.tmp",
            ".part.run1.tmp",
        ] {
            assert!(!is_temporary_name(name), "{name}");
        }
    }
}
