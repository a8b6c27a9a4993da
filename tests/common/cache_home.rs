//! The user cache folder every jobdeck a test runs gets: jobdeck keeps its toolchain probes
//! in `$XDG_CACHE_HOME/jobdeck/probes`, and a test must never read or write the real user's.
//! Shared by the helpers that start jobdeck (`common`, `tmux`).

use std::path::PathBuf;
use std::process::Command;

/// `XDG_CACHE_HOME` for the tests: a folder in Cargo's scratch space for tests
/// (`target/tmp`), shared by the tests that do not look at the probes themselves (they
/// then probe once, not once per test). A test that does gives its jobdeck one of its own.
pub fn xdg_cache_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xdg-cache")
}

/// Gives `command` the tests' `XDG_CACHE_HOME`, unless it was given one already.
pub fn isolate(command: &mut Command) -> &mut Command {
    let given = command.get_envs().any(|(name, _)| name == "XDG_CACHE_HOME");
    if !given {
        command.env("XDG_CACHE_HOME", xdg_cache_home());
    }
    command
}
