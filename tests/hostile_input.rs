//! Hostile input and faults at start-up (issue 14): paths that are not what they should be
//! (a FIFO history or trace, a log folder that is a file, a build root inside a project, a
//! trace over jobdeck's own files), absurd counts, threads the OS will not start, a history of
//! garbage, and the temporaries a killed run left behind. Each ends with a clear message and
//! the public exit status, never a hang, a panic or a silent loss.

mod common;

use std::path::Path;

use common::{TempDir, run_jobdeck};

fn arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

#[test]
fn absurd_task_counts_are_usage_errors() {
    let temp = TempDir::new("absurd-counts");
    let build = temp.join("build");
    let max = "100000";
    for words in ["0", "1000000000", "18446744073709551615", "100001"] {
        let run = run_jobdeck([
            "--headless",
            "--no-cmake",
            "-B",
            arg(&build),
            "--words",
            words,
        ]);
        assert_eq!(run.code(), 2, "--words {words}: {run:?}");
        for word in ["--words", words, "at least 1", max] {
            assert!(run.stderr.contains(word), "no `{word}` in {}", run.stderr);
        }
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let letters = "a".repeat(100_001);
    let run = run_jobdeck([
        "--headless",
        "--no-cmake",
        "--words-per-task",
        "0",
        "-B",
        arg(&build),
        "--letters",
        &letters,
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--letters") && run.stderr.contains(max),
        "{}",
        run.stderr
    );
}
