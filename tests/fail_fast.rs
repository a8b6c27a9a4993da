//! `--fail-fast`: the first job that fails the session cancels every job that has not
//! started, with why in its error, while the runs already going on run to their end; the
//! exit status says the session failed. The real binary runs real `sh` commands.

mod common;

use std::process::Stdio;

use common::{TempDir, jobdeck, parse_json_lines, wait_until};

#[test]
fn the_first_failure_cancels_what_has_not_started_and_running_jobs_finish() {
    let temp = TempDir::new("fail-fast");
    // The first fails once the second runs, so the second is running when it does; the
    // second then waits for the test to release it; the eight others wait in line (a run on
    // deck that a worker picked up before it could be taken back runs to its end too).
    let mut commands = String::from(
        "while [ ! -e started-2 ]; do sleep 0.02; done; echo broken; exit 1\n\
         touch started-2; while [ ! -e release ]; do sleep 0.02; done; touch ran-2\n",
    );
    commands.extend((3..=10).map(|n| format!("touch ran-{n}\n")));
    std::fs::write(temp.join("jobs.txt"), commands).expect("write the commands");
    let mut child = jobdeck()
        .current_dir(temp.path())
        .args(["run", "--json", "-j2", "--fail-fast", "-f", "jobs.txt"])
        .stdout(std::fs::File::create(temp.join("out")).expect("create the output"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start jobdeck");
    let out = || std::fs::read_to_string(temp.join("out")).unwrap_or_default();
    let finished = || {
        parse_json_lines(&out())
            .into_iter()
            .filter(|e| e["event"] == "finished")
            .collect::<Vec<_>>()
    };
    let with = |status: &str| {
        finished()
            .into_iter()
            .filter(|e| e["status"] == status)
            .collect::<Vec<_>>()
    };
    // Every job but the released one has ended.
    let ended = wait_until(|| finished().len() == 9);
    std::fs::write(temp.join("release"), "").expect("release the second job");
    let status = child.wait().expect("jobdeck ends");
    assert!(ended, "the jobs in line did not end: {}", out());
    assert_eq!(status.code(), Some(1), "{}", out());
    let failed = with("failed");
    assert_eq!(failed.len(), 1, "{}", out());
    let why = format!(
        "cancelled before it started (--fail-fast: {} failed)",
        failed[0]["job"].as_str().expect("a name")
    );
    let cancelled = with("cancelled");
    assert!(cancelled.len() >= 6, "too few cancelled: {}", out());
    for job in &cancelled {
        assert_eq!(job["error"], why.as_str(), "{}", out());
        let file = job["job"].as_str().expect("a name").replace("touch ", "");
        assert!(!temp.join(&file).exists(), "{file} ran: {}", out());
    }
    // The rest ran whole: the released one, and any picked up from the deck in time.
    assert_eq!(cancelled.len() + with("ok").len(), 9, "{}", out());
    assert!(temp.join("ran-2").exists());
}

#[test]
fn without_it_every_job_runs() {
    let temp = TempDir::new("no-fail-fast");
    std::fs::write(temp.join("jobs.txt"), "exit 1\ntouch ran-2\ntouch ran-3\n")
        .expect("write the commands");
    let run = common::commands::run_in(temp.path(), &["-j1", "-f", "jobs.txt"]);
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(temp.join("ran-2").exists() && temp.join("ran-3").exists());
}
