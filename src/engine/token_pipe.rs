//! One build's jobserver: the pipe (or named pipe) a build's make reads its tokens from.
//!
//! Every build that joins the pool of slots gets a pipe of its own rather than one pipe
//! shared by all: a pipe keeps no record of who took a token, so with one shared pipe a
//! make killed while holding tokens would leave the pool short for good. With one pipe per
//! build, jobdeck knows how many tokens it put into each (see `engine::slots`), and when
//! the build ends they all come back, however it ended.
//!
//! Two forms, as GNU make's jobserver protocol has them:
//! - the **pipe** (`--jobserver-auth=R,W`, and `--jobserver-fds=R,W` for make before 4.2):
//!   the two descriptors are inherited by exactly this build's process and nothing else.
//!   They are close-on-exec in jobdeck; the build's spawn clears the flag for the length of
//!   that one spawn, under the lock every spawn of jobdeck takes ([`PipeEnds`]), so no other
//!   process gets them. No `pre_exec` hook: with one, std must `fork` (a copy of jobdeck's
//!   page tables, dearer the more memory it holds) where it otherwise uses `posix_spawn`;
//! - the **named pipe** (`--jobserver-auth=fifo:PATH`), for tools that understand only that
//!   (ninja 1.13 and later). Small: a FIFO in a private folder, opened read-write.
//!
//! jobdeck's own reads (taking an unused token back) go through a descriptor of its own
//! opened non-blocking, so they never block and never change how the build reads.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::FdFlags;

/// The pipe one build takes its extra tokens from.
#[derive(Debug)]
pub enum TokenPipe {
    /// An anonymous pipe whose two descriptors the build inherits.
    Pipe {
        /// The two ends, which the build inherits.
        ends: PipeEnds,
        /// jobdeck's own non-blocking way into the read end.
        reader: OwnedFd,
    },
    /// A named pipe; the build opens it by its path.
    Fifo {
        /// jobdeck's descriptor: read and write, non-blocking.
        fd: OwnedFd,
        /// Where it is; removed when the build's pipe is dropped.
        path: PathBuf,
    },
}

impl TokenPipe {
    /// An empty anonymous pipe.
    pub fn pipe() -> io::Result<Self> {
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        // A new open file description of the same pipe: O_NONBLOCK on it leaves the build's
        // reads blocking, as make expects.
        let reader = rustix::fs::open(
            format!("/proc/self/fd/{}", read.as_raw_fd()),
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(TokenPipe::Pipe {
            ends: PipeEnds(Arc::new([read, write])),
            reader,
        })
    }

    /// An empty named pipe at `path` (which must not exist).
    pub fn fifo(path: &Path) -> io::Result<Self> {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            FileType::Fifo,
            Mode::RUSR | Mode::WUSR,
            0,
        )?;
        let fd = rustix::fs::open(
            path,
            OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(TokenPipe::Fifo {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The `MAKEFLAGS` the build gets: `-j` and where its tokens are.
    pub fn makeflags(&self) -> String {
        match self {
            TokenPipe::Pipe { ends, .. } => {
                let [read, write] = ends.raw();
                format!("-j --jobserver-fds={read},{write} --jobserver-auth={read},{write}")
            }
            TokenPipe::Fifo { path, .. } => {
                format!("-j --jobserver-auth=fifo:{}", path.display())
            }
        }
    }

    /// Lets `command` use this pipe: its environment names it (cargo reads
    /// `CARGO_MAKEFLAGS` first). For the anonymous pipe, the ends returned are what the
    /// process must inherit: its spawn is to be given them (`RunCtx::inherit`).
    #[must_use = "the build cannot reach an anonymous pipe unless its spawn is given the ends"]
    pub fn configure(&self, command: &mut Command) -> Option<PipeEnds> {
        let makeflags = self.makeflags();
        command.env_remove("MFLAGS");
        match self {
            TokenPipe::Pipe { ends, .. } => {
                command.env("CARGO_MAKEFLAGS", &makeflags);
                command.env("MAKEFLAGS", makeflags);
                Some(ends.clone())
            }
            TokenPipe::Fifo { .. } => {
                command.env("MAKEFLAGS", makeflags);
                None
            }
        }
    }

    /// Puts one token in.
    pub fn give(&self) -> io::Result<()> {
        let taken = match self {
            TokenPipe::Pipe { ends, .. } => rustix::io::write(&ends.0[1], b"+")?,
            TokenPipe::Fifo { fd, .. } => rustix::io::write(fd, b"+")?,
        };
        match taken {
            1 => Ok(()),
            _ => Err(io::Error::other("the jobserver pipe took no token")),
        }
    }

    /// Takes one unused token back, if there is one now; never blocks.
    pub fn take_back(&self) -> bool {
        let mut byte = [0u8; 1];
        loop {
            match rustix::io::read(self.read_end(), &mut byte) {
                Ok(1) => return true,
                Err(rustix::io::Errno::INTR) => {}
                _ => return false,
            }
        }
    }

    /// How many tokens lie in the pipe unused.
    pub fn waiting(&self) -> usize {
        rustix::io::ioctl_fionread(self.read_end())
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    }

    fn read_end(&self) -> impl AsFd + '_ {
        match self {
            TokenPipe::Pipe { reader, .. } => reader.as_fd(),
            TokenPipe::Fifo { fd, .. } => fd.as_fd(),
        }
    }
}

/// The two descriptors of an anonymous token pipe (read, write), which one build inherits.
///
/// Both are close-on-exec in jobdeck, so no process it starts gets them by chance; the
/// build's spawn (`engine::reap::spawn_own`) clears the flag only while it spawns, holding
/// the lock that every spawn of jobdeck takes, and sets it again after. Shared: the pool
/// keeps the pipe while the build's spawn borrows its ends.
#[derive(Debug, Clone)]
pub struct PipeEnds(Arc<[OwnedFd; 2]>);

impl PipeEnds {
    /// The two descriptors.
    pub fn fds(&self) -> [BorrowedFd<'_>; 2] {
        [self.0[0].as_fd(), self.0[1].as_fd()]
    }

    /// Their numbers, as `MAKEFLAGS` names them.
    fn raw(&self) -> [i32; 2] {
        [self.0[0].as_raw_fd(), self.0[1].as_raw_fd()]
    }

    /// Makes the two descriptors inheritable (`false`) or close-on-exec again (`true`).
    pub(crate) fn set_close_on_exec(&self, close: bool) -> io::Result<()> {
        let flags = if close {
            FdFlags::CLOEXEC
        } else {
            FdFlags::empty()
        };
        for fd in self.fds() {
            rustix::io::fcntl_setfd(fd, flags)?;
        }
        Ok(())
    }
}

impl Drop for TokenPipe {
    fn drop(&mut self) {
        if let TokenPipe::Fifo { path, .. } = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The read and write descriptors a `MAKEFLAGS` names with `--jobserver-auth=R,W`.
    fn pipe_fds(makeflags: &str) -> Option<(i32, i32)> {
        let auth = makeflags
            .split_whitespace()
            .find_map(|word| word.strip_prefix("--jobserver-auth="))?;
        let (read, write) = auth.split_once(',')?;
        Some((read.parse().ok()?, write.parse().ok()?))
    }

    fn counts(pipe: &TokenPipe) {
        assert_eq!(pipe.waiting(), 0);
        assert!(
            !pipe.take_back(),
            "an empty pipe gives nothing and does not block"
        );
        pipe.give().expect("the test's step works");
        pipe.give().expect("the test's step works");
        assert_eq!(pipe.waiting(), 2);
        assert!(pipe.take_back());
        assert_eq!(pipe.waiting(), 1);
        assert!(pipe.take_back());
        assert!(!pipe.take_back());
    }

    #[test]
    fn an_anonymous_pipe_counts_its_tokens_and_names_itself() {
        let pipe = TokenPipe::pipe().expect("the test's step works");
        counts(&pipe);
        let flags = pipe.makeflags();
        assert!(flags.starts_with("-j "), "{flags}");
        assert!(pipe_fds(&flags).is_some(), "{flags}");
    }

    #[test]
    fn a_named_pipe_counts_its_tokens_and_is_removed_with_it() {
        let dir = std::env::temp_dir().join(format!("jobdeck-fifo-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the test's step works");
        let path = dir.join("build.fifo");
        let pipe = TokenPipe::fifo(&path).expect("the test's step works");
        counts(&pipe);
        assert_eq!(
            pipe.makeflags(),
            format!("-j --jobserver-auth=fifo:{}", path.display())
        );
        // A client opens it by its path and takes a token as make does.
        pipe.give().expect("the test's step works");
        let client = std::fs::File::open(&path).expect("the test's step works");
        let mut byte = [0u8; 1];
        std::io::Read::read_exact(&mut &client, &mut byte).expect("the test's step works");
        assert_eq!(pipe.waiting(), 0);
        drop(pipe);
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).expect("the test's step works");
    }

    #[test]
    fn makeflags_name_the_descriptors() {
        assert_eq!(
            pipe_fds("-j --jobserver-fds=5,6 --jobserver-auth=5,6"),
            Some((5, 6))
        );
        assert_eq!(pipe_fds("-j --jobserver-auth=fifo:/tmp/x"), None);
    }
}
