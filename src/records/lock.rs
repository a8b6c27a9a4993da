//! One jobdeck per build root at a time.
//!
//! Two sessions on one build root would configure the same build folders at once (cmake then
//! fails with errors such as "CMakeCCompilerId.c: failed to open for writing") and interleave
//! the history. So a session holds an exclusive `flock` on `<build-root>/.jobdeck/lock`, which
//! the kernel releases however jobdeck ends, SIGKILL included: no stale lock to clean up. The
//! file holds the holder's pid, so a second session can say whom it waits for.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

/// Held for the whole session; dropping it (or exiting) releases the build root.
#[derive(Debug)]
pub struct BuildRootLock {
    _file: File,
}

/// The lock file inside jobdeck's own folder of a build root (`<build-root>/.jobdeck`).
pub fn lock_path(jobdeck_dir: &Path) -> PathBuf {
    jobdeck_dir.join("lock")
}

/// What became of the lock.
#[derive(Debug)]
pub enum Locked {
    /// This session holds the build root.
    Held(BuildRootLock),
    /// The lock file cannot be made (a read-only or unwritable build root): the session goes
    /// on without it, since nothing else can write there either, and its jobs say why they
    /// fail. The text is a warning for the user.
    Unlockable(String),
}

/// Takes the build root whose jobdeck folder is `jobdeck_dir`. The error says who holds it,
/// or what is in the way.
pub fn lock_build_root(jobdeck_dir: &Path) -> Result<Locked, String> {
    let path = lock_path(jobdeck_dir);
    let cannot = |err: &dyn std::fmt::Display| format!("cannot lock {}: {err}", path.display());
    let unlockable = |err: &std::io::Error| {
        Locked::Unlockable(format!(
            "cannot lock {} ({err}): another jobdeck on this build root would not be stopped",
            path.display()
        ))
    };
    // A folder planted by another user, or a link to one, is refused before anything is
    // made in it.
    if let Err(err) = crate::sys::regular_file::check_own_folder(jobdeck_dir) {
        return Err(format!(
            "cannot use {}: {err} (remove it, or pass another -B)",
            jobdeck_dir.display()
        ));
    }
    if let Err(err) = std::fs::create_dir_all(jobdeck_dir) {
        return Ok(unlockable(&err));
    }
    // Never blocks, and never takes anything but a regular file of the running user's, opened
    // without following a link (a FIFO, a folder, a link or another user's file in the way
    // is an error to fix, not a reason to run unlocked).
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    let mut file = match crate::sys::regular_file::open_own(&path, &options) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::InvalidInput => {
            return Err(format!("cannot lock {}: {err} (remove it)", path.display()));
        }
        Err(err) => return Ok(unlockable(&err)),
    };
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::WouldBlock => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another jobdeck".to_string()
            } else {
                format!("another jobdeck (pid {holder})")
            };
            return Err(format!(
                "the build root {} is in use by {who}: wait for it to end, or pass another -B",
                jobdeck_dir.parent().unwrap_or(jobdeck_dir).display()
            ));
        }
        Err(err) => return Err(cannot(&err)),
    }
    // Only the holder writes, so a reader sees the holder's pid or, for an instant, nothing.
    let wrote = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    wrote.map_err(|err| cannot(&err))?;
    Ok(Locked::Held(BuildRootLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_build_root_names_the_holder_and_a_released_one_is_free() {
        let root = std::env::temp_dir().join(format!("jobdeck-lock-{}", std::process::id()));
        let dir = root.join(".jobdeck");
        let first = lock_build_root(&dir).expect("the first lock");
        assert!(matches!(first, Locked::Held(_)));
        let err = lock_build_root(&dir).expect_err("taken");
        assert!(
            err.contains(&format!("pid {}", std::process::id())) && err.contains("in use"),
            "{err}"
        );
        drop(first);
        let again = lock_build_root(&dir).expect("released with the file");
        drop(again);
        // Something in the lock file's place is an error to fix, not a reason to run unlocked.
        std::fs::remove_file(lock_path(&dir)).expect("remove the lock file");
        std::fs::create_dir(lock_path(&dir)).expect("a folder in its place");
        let err = lock_build_root(&dir).expect_err("a folder is not a lock file");
        assert!(err.contains("a folder, not a regular file"), "{err}");
        std::fs::remove_dir_all(&root).expect("cleanup");
    }
}
