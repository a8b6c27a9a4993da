//! What the toolchain probe's tests share: jobdeck's configures from its `--json` events, a
//! cache's entries to compare, and plain cmake run by hand.
#![allow(
    dead_code,
    reason = "each probe test crate uses a different subset of these helpers"
)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

pub mod case;

/// A temp path as a command-line argument (`common::path_arg`, under the name these tests
/// use).
pub use crate::common::path_arg as arg;

/// The `finished` event of each configure, by job name.
pub fn configures(events: &[Value]) -> BTreeMap<String, Value> {
    events
        .iter()
        .filter(|e| e["event"] == "finished" && e["stage"] == "configure")
        .map(|e| (e["job"].as_str().expect("name").to_string(), e.clone()))
        .collect()
}

/// A cache's entries, sorted, without comments and blank lines, with the build folder's path
/// replaced: what must be equal between a seeded and a plain configure.
pub fn entries(build: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(build.join("CMakeCache.txt"))
        .unwrap_or_else(|err| panic!("{}: {err}", build.display()));
    let mut lines: Vec<String> = text
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with("//"))
        .map(|line| line.replace(arg(build), "<build>"))
        .collect();
    lines.sort();
    lines
}

/// `cmake -S <source> -B <build> -DCMAKE_BUILD_TYPE=Debug <extra>` by hand; returns its exit
/// code.
pub fn plain_cmake(source: &Path, build: &Path, extra: &[&str]) -> Option<i32> {
    plain_cmake_with(source, build, extra, &[])
}

/// [`plain_cmake`] with environment variables set (`Some`) or removed (`None`).
pub fn plain_cmake_with(
    source: &Path,
    build: &Path,
    extra: &[&str],
    env: &[(&str, Option<&OsStr>)],
) -> Option<i32> {
    let mut command = Command::new("cmake");
    command
        .arg("-S")
        .arg(source)
        .arg("-B")
        .arg(build)
        .arg("-DCMAKE_BUILD_TYPE=Debug")
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    apply_env(&mut command, env);
    command.status().expect("run cmake").code()
}

/// Sets (`Some`) or removes (`None`) each variable of `env` for `command`.
pub fn apply_env(command: &mut Command, env: &[(&str, Option<&OsStr>)]) {
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
}

/// A jobdeck whose user cache folder (`XDG_CACHE_HOME`) is `cache`: a test that looks at
/// the probes has them to itself.
pub fn jobdeck_in(cache: &Path) -> Command {
    let mut command = crate::common::jobdeck();
    command.env("XDG_CACHE_HOME", cache);
    command
}

/// Runs `jobdeck args…` to the end with `cache` as its user cache folder.
pub fn run_in(cache: &Path, args: &[&str]) -> crate::common::Run {
    let mut command = jobdeck_in(cache);
    command.args(args);
    crate::common::run_command(command)
}

/// The probes kept in the user cache folder `cache` (what `XDG_CACHE_HOME` names), without
/// the scratch folders of probes being made.
pub fn probe_folders(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache.join("jobdeck/probes"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}
