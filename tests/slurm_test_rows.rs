//! Tests as rows through a real one-node Slurm cluster (`tests/slurm_support`, as
//! `tests/slurm.rs`): the test stage's listing, each group's ctest and each retry are job
//! steps, and each test has its rows and retries as it does locally.

mod common;
mod slurm_support;

use common::{TempDir, run_command};
use slurm_support::{jobdeck, on_cluster};

/// With `--test` each test is a row through Slurm too: the listing, each group's ctest and
/// each retry are job steps, and every test ends in its own `finished` event.
#[test]
fn test_rows_and_retries_through_slurm() {
    let test = "test_rows_and_retries_through_slurm";
    let Some(cluster) = on_cluster(test) else {
        return;
    };
    let conf = &cluster.conf;
    let temp = TempDir::new("slurm-test-rows");
    common::write_project(
        &temp.join("ws/slurm-tests"),
        "enable_testing()\n\
         add_test(NAME passes COMMAND sh -c \"exit 0\")\n\
         add_test(NAME fails COMMAND sh -c \"echo check failed; exit 1\")\n\
         add_test(NAME flaky COMMAND sh -c \"test -f ran || { touch ran; exit 1; }\")",
    );
    let build_root = temp.join("b");
    let run = run_command(jobdeck(
        conf,
        &[
            "--headless",
            "--json",
            "--slurm",
            "--test",
            "--retries",
            "1",
            "-B",
            build_root.to_str().expect("utf-8"),
            temp.join("ws").to_str().expect("utf-8"),
        ],
    ));
    assert_eq!(run.code(), 1, "{run:?}");
    let mut tests: Vec<(String, String, u64)> = common::test_ends(&run);
    tests.sort();
    let t = |name: &str, status: &str, attempt| (name.to_string(), status.to_string(), attempt);
    assert_eq!(
        tests,
        [
            t("fails", "failed", 1),
            t("fails", "failed", 2),
            t("flaky", "failed", 1),
            t("flaky", "flaky", 2),
            t("passes", "ok", 1),
        ],
        "{run:?}"
    );
    let runs = build_root.join(".jobdeck/logs/slurm-tests/test.runs");
    for entry in std::fs::read_dir(&runs).expect("the test runs").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "log") {
            let log = std::fs::read_to_string(&path).expect("a run's log");
            assert!(
                log.starts_with("$ srun --ntasks=1 --quiet --input=none --job-name=jobdeck:"),
                "{}: {log}",
                path.display()
            );
        }
    }
}
