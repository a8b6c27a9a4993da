//! Which jobserver a build's tool understands: `cmake --build` runs the generator's tool
//! (make, ninja), named in the build folder's `CMakeCache.txt`, and its version says.
//!
//! - GNU make understands the inherited pipe (`--jobserver-auth=R,W`; before 4.2
//!   `--jobserver-fds`, which jobdeck passes too). make 4.4 and later also understand the
//!   named pipe, but the pipe works with every version, so every GNU make gets the pipe.
//! - ninja 1.13 and later understand only the named pipe (`fifo:PATH`).
//! - Anything else (ninja before 1.13, another generator's tool, a make that is not GNU
//!   make) does not join: the build gets a fixed `--parallel` from the slots free when it
//!   starts.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a tool may take to say its version.
const VERSION_DEADLINE: Duration = Duration::from_secs(5);

/// What a build's tool understands of the jobserver protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jobserver {
    /// The inherited pipe: GNU make.
    Pipe,
    /// The named pipe only: ninja 1.13 and later.
    Fifo,
    /// Neither; why, for the build's detail (`ninja 1.11.1 does not join a jobserver`).
    Unsupported(String),
}

/// What the tool of the build folder `build_dir` understands.
pub fn detect(build_dir: &Path) -> Jobserver {
    let cache = std::fs::read_to_string(build_dir.join("CMakeCache.txt")).unwrap_or_default();
    let generator = cache_entry(&cache, "CMAKE_GENERATOR").unwrap_or_default();
    let Some(program) = cache_entry(&cache, "CMAKE_MAKE_PROGRAM") else {
        return Jobserver::Unsupported("its build tool is unknown".to_string());
    };
    let version = version_of(&program).unwrap_or_default();
    classify(&generator, &program, &version)
}

/// What a tool understands, from its generator, its path and the first line its
/// `--version` printed.
pub fn classify(generator: &str, program: &str, version: &str) -> Jobserver {
    let first = version.lines().next().unwrap_or_default().trim();
    if first.starts_with("GNU Make ") {
        return Jobserver::Pipe;
    }
    let name = Path::new(program)
        .file_name()
        .map_or_else(|| program.to_string(), |n| n.to_string_lossy().into_owned());
    if generator.contains("Ninja") || name.starts_with("ninja") {
        return match numbers(first) {
            Some((major, minor)) if (major, minor) >= (1, 13) => Jobserver::Fifo,
            Some(_) => Jobserver::Unsupported(format!(
                "ninja {first} does not join a jobserver (1.13 does)"
            )),
            None => Jobserver::Unsupported(format!("{name} does not join a jobserver")),
        };
    }
    Jobserver::Unsupported(format!("{name} does not join a jobserver"))
}

/// The major and minor numbers of a version such as `1.11.1` or `1.13.0.git`.
fn numbers(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor))
}

/// The value of `NAME:TYPE=value` in a `CMakeCache.txt`.
fn cache_entry(cache: &str, name: &str) -> Option<String> {
    cache.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        let (key, _) = key.split_once(':')?;
        (key == name && !value.is_empty()).then(|| value.to_string())
    })
}

/// What `program --version` prints, waiting at most [`VERSION_DEADLINE`].
fn version_of(program: &str) -> Option<String> {
    let mut command = Command::new(program);
    command
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("MAKEFLAGS");
    let mut child = crate::engine::reap::spawn(&mut command).ok()?;
    let deadline = Instant::now() + VERSION_DEADLINE;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut text = String::new();
    child.stdout.take()?.read_to_string(&mut text).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_make_of_any_version_gets_the_pipe() {
        for version in [
            "GNU Make 4.3\nBuilt for x86_64",
            "GNU Make 4.4.1",
            "GNU Make 3.82",
        ] {
            assert_eq!(
                classify("Unix Makefiles", "/usr/bin/gmake", version),
                Jobserver::Pipe
            );
        }
    }

    #[test]
    fn ninja_joins_from_1_13_and_only_by_the_named_pipe() {
        assert_eq!(
            classify("Ninja", "/usr/bin/ninja", "1.13.0\n"),
            Jobserver::Fifo
        );
        assert_eq!(
            classify("Ninja Multi-Config", "/opt/ninja", "1.14.0.git"),
            Jobserver::Fifo
        );
        assert_eq!(
            classify("Ninja", "/usr/bin/ninja", "1.11.1\n"),
            Jobserver::Unsupported("ninja 1.11.1 does not join a jobserver (1.13 does)".into())
        );
    }

    #[test]
    fn other_tools_do_not_join() {
        assert_eq!(
            classify("Unix Makefiles", "/tmp/fake-make", "fakemake 1.0"),
            Jobserver::Unsupported("fake-make does not join a jobserver".into())
        );
        assert_eq!(
            classify("Unix Makefiles", "/usr/bin/bmake", ""),
            Jobserver::Unsupported("bmake does not join a jobserver".into())
        );
    }

    #[test]
    fn cache_entries_are_read_by_name() {
        let cache = "CMAKE_MAKE_PROGRAM:FILEPATH=/usr/bin/gmake\nCMAKE_GENERATOR:INTERNAL=Unix \
                     Makefiles\n";
        assert_eq!(
            cache_entry(cache, "CMAKE_MAKE_PROGRAM").as_deref(),
            Some("/usr/bin/gmake")
        );
        assert_eq!(
            cache_entry(cache, "CMAKE_GENERATOR").as_deref(),
            Some("Unix Makefiles")
        );
        assert_eq!(cache_entry(cache, "CMAKE_C_COMPILER"), None);
    }

    #[test]
    fn the_tool_of_a_build_folder_is_asked_its_version() {
        let dir = std::env::temp_dir().join(format!("jobdeck-tool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the test's step works");
        assert!(matches!(detect(&dir), Jobserver::Unsupported(_)));
        if Command::new("make").arg("--version").output().is_ok() {
            std::fs::write(
                dir.join("CMakeCache.txt"),
                "CMAKE_GENERATOR:INTERNAL=Unix Makefiles\nCMAKE_MAKE_PROGRAM:FILEPATH=make\n",
            )
            .expect("the test's step works");
            assert_eq!(detect(&dir), Jobserver::Pipe);
        }
        std::fs::remove_dir_all(&dir).expect("the test's step works");
    }
}
