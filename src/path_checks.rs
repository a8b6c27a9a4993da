//! Start-up checks of the paths jobdeck was given or derived: each refusal names the path,
//! says what is wrong with it and what to pass instead, and ends jobdeck with exit status 2
//! before anything runs.

use std::path::Path;

use crate::regular_file;

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
