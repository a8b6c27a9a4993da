//! What a compiler answers: the part of a kept probe's stamps that tells one compiler from
//! another behind the same file (a wrapper script whose target was changed, a symlink
//! retargeted by `update-alternatives` or a ccache masquerade folder), where the file's size
//! and modification time are the same.

use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a compiler may take to answer; one that takes longer counts as no answer (the
/// probe is made again).
const DEADLINE: Duration = Duration::from_secs(20);

/// How often the wait for the answer looks whether the compiler has ended.
const POLL: Duration = Duration::from_millis(5);

/// A hash of everything `compiler -v -E -dM -x <lang> /dev/null` prints and its exit status:
/// for GCC and Clang its version, installation, target, the folders it searches and every
/// predefined macro (what cmake's identification reads); any other compiler's answer, an
/// error included, is as good a fingerprint. `None`: it could not be asked, or did not
/// answer within [`DEADLINE`].
pub fn fingerprint(compiler: &Path, language: &str) -> Option<u64> {
    let source_language = if language == "CXX" { "c++" } else { "c" };
    let mut output = tempfile::tempfile().ok()?;
    let mut command = Command::new(compiler);
    command
        .args(["-v", "-E", "-dM", "-x", source_language, "/dev/null"])
        // Clang names its working folder in what it prints.
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(output.try_clone().ok()?)
        .stderr(output.try_clone().ok()?)
        .env_remove("MAKEFLAGS");
    let mut child = crate::engine::reap::spawn(&mut command).ok()?;
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let mut text = format!("{:?}\n", status.code()).into_bytes();
    output.rewind().ok()?;
    output.read_to_end(&mut text).ok()?;
    Some(super::key::fnv1a(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_compiler_gives_no_answer() {
        assert_eq!(fingerprint(Path::new("/nonexistent/cc"), "C"), None);
    }

    #[test]
    fn the_same_program_answers_the_same() {
        let sh = Path::new("/bin/sh");
        assert!(fingerprint(sh, "C").is_some());
        assert_eq!(fingerprint(sh, "C"), fingerprint(sh, "C"));
    }
}
