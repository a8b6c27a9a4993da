//! A run asleep on a back-off its output announced lends its worker (issue 32, item 4): a
//! superbuild whose download cannot connect waits 85 s on CMake's back-off using no CPU, and
//! with one worker everything else used to wait behind it. Real cmake, the real binary.

mod common;

use common::{Streaming, TempDir, cmake_available, parse_json_lines};

/// `event job stage` of a JSON line, if it is one of jobdeck's events.
fn event_of(line: &str) -> Option<(String, String, String)> {
    let event = parse_json_lines(line).into_iter().next()?;
    let text = |key: &str| event[key].as_str().unwrap_or("-").to_string();
    Some((text("event"), text("job"), text("stage")))
}

fn is(line: &str, event: &str, job: &str, stage: &str) -> bool {
    event_of(line).is_some_and(|(e, j, s)| e == event && j == job && s == stage)
}

/// With `-j1`, `a-super`'s build waits on its download while `b` and `c` are built (and
/// configured, but the one on deck) on the worker it lent; the session is then stopped (SIGINT, exit 130), the download
/// still waiting. Without the loan, `b`'s configure waited the 85 s.
#[test]
fn a_download_waiting_out_its_back_off_lends_its_worker() {
    if !cmake_available("a_download_waiting_out_its_back_off_lends_its_worker") {
        return;
    }
    let temp = TempDir::new("lent-worker");
    let ws = temp.join("ws");
    common::held_cmake::unreachable_superbuild(&ws.join("a-super"));
    for name in ["b", "c"] {
        common::write_project(
            &ws.join(name),
            "add_custom_target(wait ALL COMMAND ${CMAKE_COMMAND} -E sleep 0.3)",
        );
    }
    let mut command = common::jobdeck();
    command
        .args(["--json", "-j1", "--build"])
        .arg(&ws)
        .arg("-B")
        .arg(temp.join("build"))
        // Make shows a step's output as it comes; Ninja only when the step ends.
        .env("CMAKE_GENERATOR", "Unix Makefiles");
    let session = Streaming::spawn(command);
    let mut seen = Vec::new();
    session.wait_for_line(&mut seen, |line| is(line, "finished", "c", "build"));
    let jobdeck = rustix::process::Pid::from_child(&session.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = session.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    let position = |event: &str, job: &str, stage: &str| {
        seen.iter()
            .position(|line| is(line, event, job, stage))
            .unwrap_or_else(|| panic!("no {event} of {job} {stage}: {seen:#?}"))
    };
    let waiting = position("started", "a-super", "build");
    assert!(
        waiting < position("started", "b", "build"),
        "the superbuild's build first (its configure found the download to come): {seen:#?}"
    );
    let ended = position("finished", "a-super", "build");
    assert!(
        position("finished", "c", "build") < ended,
        "b and c ran while the download waited: {seen:#?}"
    );
    let cancelled = parse_json_lines(&seen[ended]);
    assert_eq!(cancelled[0]["status"], "cancelled", "{seen:#?}");
    let summary = parse_json_lines(seen.last().expect("a summary"));
    assert_eq!(summary[0]["event"], "summary", "{seen:#?}");
    assert_eq!(summary[0]["workers"], 1, "the workers asked for");
    assert_eq!(summary[0]["lent_workers"], 1, "{seen:#?}");
}
