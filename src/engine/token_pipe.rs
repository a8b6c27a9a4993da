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
//!
//! A make writes the token of a compiler that ended and reads one again for its next
//! compiler in the same breath (tens of microseconds apart: `write`, `wait4`, `pselect`,
//! `read`). On one pipe nothing orders that read and jobdeck's, so a pool made smaller (`-`)
//! would win its slots back only now and then. The anonymous form therefore gives make two
//! pipes: it reads tokens from one (`R`) and writes them back into the other (`W`), which
//! only jobdeck reads. Every token a make hands back comes to jobdeck, which passes it on
//! into `R` or keeps it ([`take_returned`]): the protocol names the two descriptors apart
//! (`--jobserver-auth=R,W`), and make (and every recursive make, and cargo) uses them as
//! named. The named pipe has one path, so there jobdeck can only race: it waits in `poll` and
//! reads the moment a token is written, which wins most returns, not all
//! (docs/reliability-notes.md).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::FdFlags;

/// The pipe one build takes its extra tokens from.
#[derive(Debug)]
pub enum TokenPipe {
    /// Two anonymous pipes: the build reads its tokens from one and writes them back into
    /// the other; it inherits a descriptor of each.
    Pipe {
        /// What the build inherits: the read end of the pipe of tokens and the write end of
        /// the pipe of returns.
        ends: PipeEnds,
        /// jobdeck's write end of the pipe of tokens (never inherited).
        writer: OwnedFd,
        /// jobdeck's own non-blocking way into the read end of the pipe of tokens.
        reader: OwnedFd,
        /// The read end of the pipe of returns, non-blocking: only jobdeck reads it.
        returned: Arc<OwnedFd>,
    },
    /// A named pipe; the build opens it by its path.
    Fifo {
        /// jobdeck's descriptor: read and write, non-blocking.
        fd: Arc<OwnedFd>,
        /// Where it is; removed when the build's pipe is dropped.
        path: PathBuf,
    },
}

impl TokenPipe {
    /// An empty pair of anonymous pipes: tokens go to the build through one and come back
    /// through the other.
    pub fn pipe() -> io::Result<Self> {
        let cloexec = rustix::pipe::PipeFlags::CLOEXEC;
        let (read, writer) = rustix::pipe::pipe_with(cloexec)?;
        let (returned, back_write) = rustix::pipe::pipe_with(cloexec)?;
        // The read end of the returns is jobdeck's alone: non-blocking on it changes nothing
        // for the build. The build shares the other read end, so jobdeck reads that one
        // through a description of its own.
        rustix::fs::fcntl_setfl(&returned, OFlags::NONBLOCK)?;
        Ok(TokenPipe::Pipe {
            reader: open_nonblocking(read.as_fd())?,
            ends: PipeEnds(Arc::new([read, back_write])),
            writer,
            returned: Arc::new(returned),
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
            fd: Arc::new(fd),
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
    /// `CARGO_MAKEFLAGS` first). For the anonymous pipes, the ends returned are what the
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
            TokenPipe::Pipe { writer, .. } => rustix::io::write(writer, b"+")?,
            TokenPipe::Fifo { fd, .. } => rustix::io::write(&**fd, b"+")?,
        };
        match taken {
            1 => Ok(()),
            _ => Err(io::Error::other("the jobserver pipe took no token")),
        }
    }

    /// Takes one unused token back, if there is one now; never blocks.
    pub fn take_back(&self) -> bool {
        read_token(self.read_end())
    }

    /// Where the build's returned tokens come, for [`take_returned`] to wait on without the
    /// pool's lock: the pipe only jobdeck reads, or the named pipe itself.
    pub fn returns(&self) -> Returns {
        match self {
            TokenPipe::Pipe { returned, .. } => Returns {
                fd: Arc::clone(returned),
                only_ours: true,
            },
            TokenPipe::Fifo { fd, .. } => Returns {
                fd: Arc::clone(fd),
                only_ours: false,
            },
        }
    }

    /// Whether every token the build hands back comes to jobdeck alone (the two anonymous
    /// pipes), rather than into the pipe the build reads from (the named pipe).
    pub fn returns_apart(&self) -> bool {
        matches!(self, TokenPipe::Pipe { .. })
    }

    /// Writes a token back as the build does when one of its compilers ended.
    #[cfg(test)]
    pub fn hand_back(&self) -> io::Result<()> {
        match self {
            TokenPipe::Pipe { ends, .. } => match rustix::io::write(&ends.0[1], b"+")? {
                1 => Ok(()),
                _ => Err(io::Error::other("the pipe of returns took no token")),
            },
            TokenPipe::Fifo { .. } => self.give(),
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

/// The two descriptors of the anonymous pipes one build inherits: the read end of its tokens
/// and the write end of its returns.
///
/// Both are close-on-exec in jobdeck, so no process it starts gets them by chance; the
/// build's spawn (`engine::reap::spawn_own`) clears the flag only while it spawns, holding
/// the lock that every spawn of jobdeck takes, and sets it again after. Shared: the pool
/// keeps the pipes while the build's spawn borrows their ends.
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

/// Where one build's returned tokens come ([`TokenPipe::returns`]).
#[derive(Debug)]
pub struct Returns {
    fd: Arc<OwnedFd>,
    /// Only jobdeck reads it: every token in it is one the build handed back.
    only_ours: bool,
}

/// Waits up to `timeout` for a build to write a token back into one of `pipes`, and takes
/// them at once: how many it took from each pipe. From a pipe only jobdeck reads it takes
/// every one (each must be passed on or kept); from a named pipe the build also reads, at
/// most `most` in all, and none when the build read its token again first.
pub fn take_returned(pipes: &[Returns], most: usize, timeout: Duration) -> Vec<usize> {
    let mut taken = vec![0; pipes.len()];
    let mut polled: Vec<PollFd<'_>> = pipes
        .iter()
        .map(|pipe| PollFd::new(&*pipe.fd, PollFlags::IN))
        .collect();
    let timeout = Timespec::try_from(timeout).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 0,
    });
    if !matches!(rustix::event::poll(&mut polled, Some(&timeout)), Ok(1..)) {
        return taken;
    }
    let mut left = most;
    for (at, polled) in polled.iter().enumerate() {
        if polled.revents().is_empty() {
            continue;
        }
        let pipe = &pipes[at];
        while (pipe.only_ours || left > 0) && read_token(&*pipe.fd) {
            taken[at] += 1;
            if !pipe.only_ours {
                left -= 1;
            }
        }
    }
    taken
}

/// A new open file description of the pipe end `fd`, non-blocking: `O_NONBLOCK` on it leaves
/// the build's reads blocking, as make expects.
fn open_nonblocking(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        format!("/proc/self/fd/{}", fd.as_raw_fd()),
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Reads one token from a non-blocking read end, if one is there now.
fn read_token(fd: impl AsFd) -> bool {
    let mut byte = [0u8; 1];
    loop {
        match rustix::io::read(&fd, &mut byte) {
            Ok(1) => return true,
            Err(rustix::io::Errno::INTR) => {}
            _ => return false,
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
