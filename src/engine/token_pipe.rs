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
//!   The `jobserver` crate makes the pipe and marks the descriptors inheritable in that one
//!   child (after `fork`, so no other process jobdeck starts meanwhile gets them; that needs
//!   `unsafe`, which jobdeck forbids in its own code);
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
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fs::{FileType, Mode, OFlags};

/// The pipe one build takes its extra tokens from.
#[derive(Debug)]
pub enum TokenPipe {
    /// Two anonymous pipes: the build reads its tokens from one and writes them back into
    /// the other; it inherits a descriptor of each.
    Pipe {
        /// Makes the pipe the build reads tokens from, and hands its descriptors to the build.
        client: jobserver::Client,
        /// Makes the pipe the build writes tokens back into.
        back: jobserver::Client,
        /// jobdeck's own non-blocking way into the read end of `client`'s pipe.
        reader: OwnedFd,
        /// jobdeck's own non-blocking way into the read end of `back`'s pipe.
        returned: Arc<OwnedFd>,
        /// The `MAKEFLAGS` value that names the two descriptors to the build.
        makeflags: String,
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
        let client = jobserver::Client::new(0)?;
        let back = jobserver::Client::new(0)?;
        let (read, _) = client_fds(&client)?;
        let (back_read, back_write) = client_fds(&back)?;
        Ok(TokenPipe::Pipe {
            client,
            back,
            reader: open_nonblocking(read)?,
            returned: Arc::new(open_nonblocking(back_read)?),
            makeflags: format!(
                "-j --jobserver-fds={read},{back_write} --jobserver-auth={read},{back_write}"
            ),
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
            TokenPipe::Pipe { makeflags, .. } => makeflags.clone(),
            TokenPipe::Fifo { path, .. } => {
                format!("-j --jobserver-auth=fifo:{}", path.display())
            }
        }
    }

    /// Lets `command` use this pipe: its environment names it, and for the anonymous pipes
    /// their descriptors are inherited by that process alone (the crate passes both ends of
    /// each; `MAKEFLAGS` names the one read end and the one write end the build uses).
    pub fn configure(&self, command: &mut Command) {
        if let TokenPipe::Pipe { client, back, .. } = self {
            client.configure_make(command);
            back.configure_make(command);
            command.env("CARGO_MAKEFLAGS", self.makeflags());
        }
        command.env("MAKEFLAGS", self.makeflags());
        command.env_remove("MFLAGS");
    }

    /// Puts one token in.
    pub fn give(&self) -> io::Result<()> {
        match self {
            TokenPipe::Pipe { client, .. } => client.release_raw(),
            TokenPipe::Fifo { fd, .. } => match rustix::io::write(&**fd, b"+")? {
                1 => Ok(()),
                _ => Err(io::Error::other("the jobserver fifo took no token")),
            },
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
            TokenPipe::Pipe { back, .. } => back.release_raw(),
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

/// The read and write descriptors of a jobserver crate's pipe. The crate says which they
/// are only through the variables it sets on a command: a command that never runs tells.
fn client_fds(client: &jobserver::Client) -> io::Result<(i32, i32)> {
    let mut probe = Command::new("true");
    client.configure_make(&mut probe);
    let makeflags = probe
        .get_envs()
        .find(|(name, _)| *name == "MAKEFLAGS")
        .and_then(|(_, value)| value?.to_str().map(str::to_string))
        .ok_or_else(|| io::Error::other("the jobserver crate set no MAKEFLAGS"))?;
    pipe_fds(&makeflags)
        .ok_or_else(|| io::Error::other(format!("unexpected MAKEFLAGS `{makeflags}`")))
}

/// A new open file description of the pipe end `fd`, non-blocking: `O_NONBLOCK` on it leaves
/// the build's reads blocking, as make expects.
fn open_nonblocking(fd: i32) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        format!("/proc/self/fd/{fd}"),
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

/// The read and write descriptors a `MAKEFLAGS` names with `--jobserver-auth=R,W`.
fn pipe_fds(makeflags: &str) -> Option<(i32, i32)> {
    let auth = makeflags
        .split_whitespace()
        .find_map(|word| word.strip_prefix("--jobserver-auth="))?;
    let (read, write) = auth.split_once(',')?;
    Some((read.parse().ok()?, write.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

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
