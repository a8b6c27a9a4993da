//! What the threads did, measured: CPU time of child processes as the engine reports it, and
//! the Chrome trace a headless run writes with `--trace`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{TempDir, engine, run_jobdeck, timeout};
use jobdeck::engine::{Engine, EventKind, Finished, JobId, Outcome, RunId, WorkItem, process};

/// Runs `script` with `sh -c` as one engine run and returns how it finished.
fn run_shell(
    engine: &Engine,
    events: &crossbeam_channel::Receiver<jobdeck::engine::EngineEvent>,
    id: u32,
    script: &str,
    log: &Path,
) -> Finished {
    let script = script.to_string();
    let log = log.to_path_buf();
    engine.submit(WorkItem {
        job: JobId(id),
        run: RunId(u64::from(id)),
        timeout: None,
        task: Box::new(move |ctx| {
            let mut command = Command::new("sh");
            command.arg("-c").arg(&script);
            process::run(command, &log, ctx)
        }),
    });
    loop {
        let event = events
            .recv_timeout(timeout())
            .expect("the run finishes in time");
        if event.job == JobId(id)
            && let EventKind::Finished(finished) = event.kind
        {
            return finished;
        }
    }
}

/// A child that counts in a shell loop uses CPU for most of its wall time; one that sleeps
/// uses almost none. Only the order is asserted, never exact numbers.
#[test]
fn cpu_time_of_a_busy_child_is_clearly_more_than_of_a_sleeping_one() {
    let temp = TempDir::new("cpu");
    let (engine, events) = engine(1);
    let busy = run_shell(
        &engine,
        &events,
        1,
        "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done",
        &temp.join("busy.log"),
    );
    let sleeping = run_shell(&engine, &events, 2, "sleep 0.5", &temp.join("sleep.log"));
    engine.shutdown();
    assert_eq!(busy.outcome, Outcome::Succeeded, "{busy:?}");
    assert_eq!(sleeping.outcome, Outcome::Succeeded, "{sleeping:?}");
    let busy_cpu = busy.cpu.expect("CPU time measured for a child");
    let sleeping_cpu = sleeping.cpu.expect("CPU time measured for a child");
    // (How much of its wall time the busy child computed depends on what else runs: on a
    // loaded 2-core machine it fell under half, so only the order of the two is asserted.)
    assert!(
        sleeping_cpu < sleeping.elapsed / 5,
        "a sleeping child barely computes: {sleeping:?}"
    );
    assert!(
        busy_cpu > sleeping_cpu * 4 && busy_cpu > Duration::from_millis(50),
        "busy {busy_cpu:?} vs sleeping {sleeping_cpu:?}"
    );
}

/// `--trace` writes Chrome trace JSON: complete events with microsecond times, one lane per
/// worker, and no two spans of a lane overlapping.
#[test]
fn trace_file_has_one_lane_per_worker_and_no_overlaps() {
    let temp = TempDir::new("trace");
    let trace = temp.join("trace.json");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--no-cmake".as_ref(),
        "--words".as_ref(),
        "12".as_ref(),
        "--words-per-task".as_ref(),
        "200000".as_ref(),
        "--letters".as_ref(),
        "abc".as_ref(),
        "-j".as_ref(),
        "3".as_ref(),
        "-B".as_ref(),
        temp.path().as_os_str(),
        "--trace".as_ref(),
        trace.as_os_str(),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    let text = std::fs::read_to_string(&trace).expect("the trace was written");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the trace is JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents array");
    let complete: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(
        complete.len(),
        16,
        "one span per run: 12 files, 3 letters, 1 gather"
    );
    let mut lanes: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    for event in &complete {
        let tid = event["tid"].as_u64().expect("numeric tid");
        let ts = event["ts"].as_u64().expect("ts in whole microseconds");
        let dur = event["dur"].as_u64().expect("dur in whole microseconds");
        assert!(
            event["name"].is_string() && event["args"]["status"] == "ok",
            "{event}"
        );
        lanes.entry(tid).or_default().push((ts, ts + dur));
    }
    assert!(
        lanes.len() <= 3 && lanes.keys().all(|tid| (1..=3).contains(tid)),
        "at most one lane per worker of three: {:?}",
        lanes.keys()
    );
    let named: Vec<u64> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .filter_map(|e| e["tid"].as_u64())
        .collect();
    assert_eq!(
        named,
        lanes.keys().copied().collect::<Vec<_>>(),
        "every lane is named"
    );
    for (tid, spans) in &mut lanes {
        spans.sort_unstable();
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "lane {tid}: {pair:?} overlap");
        }
    }
}
