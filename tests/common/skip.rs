//! The one skip rule of the tests: a test that needs what this machine lacks (cmake, tmux,
//! Chromium, root, a Slurm cluster) says so on a line the test harness shows, then returns;
//! under `CI=true` it fails instead, so CI never passes on tests that did not run.
//!
//! The line goes to the stderr handle, not through `eprintln!`: the harness captures the
//! printing macros and throws a passing test's output away, so a skip printed that way was
//! never seen, and a green run could have tested nothing.

use std::io::Write;

/// Whether the test may run: `true` when it has what it needs (`ok`). Otherwise it fails
/// under `CI=true`, or prints `SKIPPED <test>: <missing>` where the harness shows it and
/// returns `false` (the test then returns).
pub fn available(test: &str, ok: bool, missing: &str) -> bool {
    if ok {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: needs {missing}, and CI=true forbids skipping"
    );
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {test}: needs {missing} (CI=true makes this a failure)"
    );
    false
}
