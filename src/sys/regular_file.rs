//! Opening the files jobdeck names itself or is told to use (the run history, the trace, the
//! job logs) so that an open never blocks and never hands back anything but a regular file.
//!
//! Opening a FIFO waits until something opens its other end, and reading a device such as
//! `/dev/zero` never ends: a history that is a FIFO once hung `--rerun-failed` for good. So
//! every open adds `O_NONBLOCK` (an open that would wait fails at once instead; on a regular
//! file the flag changes nothing) and checks the type of what it opened with `fstat`, so
//! nothing can swap the file between a check and the open.
//!
//! jobdeck's own files (under `.jobdeck`, in the log folder) are opened with [`open_own`]:
//! never through a symbolic link (`O_NOFOLLOW`), and only if the running user owns them.
//! jobdeck often runs as root on build machines, in build roots other users can write: a
//! `lock` or `history.jsonl` planted there as a link to a system file would otherwise have
//! that file truncated or appended to.

use std::fs::{File, FileType, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use rustix::fs::OFlags;

/// Opens `path` with `options`, failing at once, with an error that says what the path is
/// instead, if it is not a regular file (a symlink to one is fine).
pub fn open(path: &Path, options: &OpenOptions) -> io::Result<File> {
    // A FIFO opened for writing without a reader fails with a bare "No such device or
    // address"; saying what it is reads better, and costs one `stat`.
    check(path)?;
    let file = options
        .clone()
        .custom_flags(OFlags::NONBLOCK.bits().cast_signed())
        .open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(not_regular(&meta))
    }
}

/// Opens `path` for reading.
pub fn open_to_read(path: &Path) -> io::Result<File> {
    open(path, OpenOptions::new().read(true))
}

/// Creates or truncates `path` for writing.
pub fn create(path: &Path) -> io::Result<File> {
    open(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

/// Opens `path`, one of jobdeck's own files, with `options` as [`open`] does, but refuses a
/// symbolic link (without following it) and a file another user owns. Both refusals are
/// `InvalidInput` errors, so a caller can tell them from a missing or unwritable file.
pub fn open_own(path: &Path, options: &OpenOptions) -> io::Result<File> {
    // Said before the open, as `open` does: a folder or a FIFO in the way would otherwise
    // fail with the system's bare words. The open itself still refuses a link put there
    // after this look.
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(symbolic_link()),
        Ok(meta) if !meta.is_file() => return Err(not_regular(&meta)),
        _ => {}
    }
    let flags = OFlags::NONBLOCK | OFlags::NOFOLLOW;
    let file = match options
        .clone()
        .custom_flags(flags.bits().cast_signed())
        .open(path)
    {
        Ok(file) => file,
        // `O_NOFOLLOW` on a link fails with ELOOP.
        Err(err) if err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Err(symbolic_link());
        }
        Err(err) => return Err(err),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    owned(&meta)?;
    Ok(file)
}

/// Creates or truncates `path`, one of jobdeck's own files, as [`open_own`] opens it.
pub fn create_own(path: &Path) -> io::Result<File> {
    open_own(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

/// Whether `path`, a file the user named for jobdeck to write (`--junit`, `--report`,
/// `--trace`), may be written: not a symbolic link (never followed, dangling or not), a
/// regular file if it exists, and in a folder no other user can write, unless that folder is
/// sticky (as `/tmp`) and the file, if it exists, is the running user's. Run as root in a
/// folder another user controls, a link planted there would otherwise have a root-only file
/// overwritten, or a root-owned one made where the link points. All refusals are
/// `InvalidInput` errors.
pub fn check_output(path: &Path) -> io::Result<()> {
    let (folder, _) = split(path)?;
    let meta = std::fs::metadata(folder)?;
    let shared = shared_folder(folder, meta.uid(), meta.gid(), meta.mode())?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(output_link()),
        Ok(meta) if !meta.is_file() => Err(not_regular(&meta)),
        Ok(meta) if shared => owned(&meta),
        _ => Ok(()),
    }
}

/// Creates or truncates `path` as [`check_output`] allows, without a window between the
/// checks and the open: the folder is opened once and checked through its descriptor, the
/// file opened in it without following a link, and emptied only once it is known to be
/// one jobdeck may write.
pub fn create_output(path: &Path) -> io::Result<File> {
    use rustix::fs::{Mode, openat};
    check_output(path)?;
    let (folder, name) = split(path)?;
    let dir = rustix::fs::open(
        folder,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let stat = rustix::fs::fstat(&dir)?;
    let shared = shared_folder(folder, stat.st_uid, stat.st_gid, stat.st_mode)?;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK;
    let file = match openat(
        &dir,
        name,
        flags | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    ) {
        Ok(fd) => File::from(fd),
        Err(rustix::io::Errno::LOOP) => return Err(output_link()),
        Err(err) => return Err(err.into()),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    if shared {
        owned(&meta)?;
    }
    file.set_len(0)?;
    Ok(file)
}

/// The folder of `path` (`.` for a bare name) and its last component.
fn split(path: &Path) -> io::Result<(&Path, &std::ffi::OsStr)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "it does not name a file"))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    Ok((folder, name))
}

/// Whether another user can write `folder` (owned by `uid` and group `gid`, with `mode`):
/// it is sticky then (the result is `true`: a file there must be the running user's), or
/// refused. The owner and root can write any folder; a group-writable one counts unless its
/// group is the running user's own.
fn shared_folder(folder: &Path, uid: u32, gid: u32, mode: u32) -> io::Result<bool> {
    let me = rustix::process::geteuid().as_raw();
    let foreign_owner = uid != me && uid != 0;
    let others_write =
        mode & 0o002 != 0 || (mode & 0o020 != 0 && gid != rustix::process::getegid().as_raw());
    if !foreign_owner && !others_write {
        return Ok(false);
    }
    if mode & 0o1000 != 0 {
        return Ok(true);
    }
    let why = if foreign_owner {
        format!(
            "its folder {} belongs to uid {uid}, not to the running user (uid {me})",
            folder.display(),
        )
    } else {
        format!(
            "other users can write its folder {} (mode {:o})",
            folder.display(),
            mode & 0o777
        )
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{why}, which is not sticky: another user could put a link there for jobdeck to              write through"
        ),
    ))
}

fn output_link() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "it is a symbolic link, which jobdeck never writes through",
    )
}

/// Whether `path`, one of jobdeck's own folders, is a folder the running user owns and not
/// a symbolic link (a missing one is fine: jobdeck makes it, and then it is its own).
pub fn check_own_folder(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(symbolic_link()),
        Ok(meta) if !meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a folder", describe(meta.file_type())),
        )),
        Ok(meta) => owned(&meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Whether the running user owns what `meta` describes.
fn owned(meta: &Metadata) -> io::Result<()> {
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() == me {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it belongs to uid {}, not to the running user (uid {me}): jobdeck writes only \
                 its own files",
                meta.uid()
            ),
        ))
    }
}

fn symbolic_link() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "it is a symbolic link, which jobdeck never follows in its own folders",
    )
}

/// Whether `path` is missing or a regular file (following symlinks): the error says what it
/// is instead.
pub fn check(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => Err(not_regular(&meta)),
        _ => Ok(()),
    }
}

fn not_regular(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", describe(meta.file_type())),
    )
}

/// What a file type is, as words: "a folder", "a FIFO (named pipe)", and so on.
pub fn describe(kind: FileType) -> &'static str {
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "something other than a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_at_once_for_reading_and_for_writing() {
        let dir = std::env::temp_dir().join(format!("jobdeck-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .expect("mkfifo");
        for result in [open_to_read(&fifo), create(&fifo)] {
            let err = result.expect_err("a FIFO is not a regular file");
            assert!(err.to_string().contains("a FIFO"), "{err}");
        }
        let err = open_to_read(&dir).expect_err("a folder is not a regular file");
        assert_eq!(err.to_string(), "it is a folder, not a regular file");
        let file = dir.join("file");
        create(&file).expect("a new regular file");
        open_to_read(&file).expect("a regular file");
        assert!(check(&dir.join("missing")).is_ok());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
