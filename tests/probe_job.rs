//! The toolchain probe as a job of the graph (issue 20): a row of its own, kind `probe`, that
//! the fresh configures of its key come after; it takes a kept probe from the user's cache
//! or probes; a probe that times out or fails leaves its configures unseeded, not failed; a
//! session with nothing fresh to configure has no probe.

mod common;
mod probes_support;

use std::os::unix::fs::PermissionsExt;

use common::{TempDir, cmake_available, copy_tree, fixture};
use probes_support::{arg, configures, run_in};
use serde_json::Value;

/// The JSON events of the jobs of kind `probe`.
fn probe_events<'a>(events: &'a [Value], event: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["event"] == event && e["kind"] == "probe")
        .collect()
}

/// Where the first event named `event` of `job` is in the stream.
fn position(events: &[Value], event: &str, job: &str) -> usize {
    events
        .iter()
        .position(|e| e["event"] == event && e["job"] == job)
        .unwrap_or_else(|| panic!("no {event} of {job}"))
}

/// Two C projects, fresh.
fn workspace(temp: &TempDir) -> std::path::PathBuf {
    let sources = temp.join("src");
    for name in ["a", "b"] {
        copy_tree(&fixture("probe/c-checks"), &sources.join(name));
    }
    sources
}

#[test]
fn fresh_configures_come_after_their_probe_which_a_new_build_root_takes_from_the_cache() {
    if !cmake_available(
        "fresh_configures_come_after_their_probe_which_a_new_build_root_takes_from_the_cache",
    ) {
        return;
    }
    let temp = TempDir::new("probe-job");
    let sources = workspace(&temp);
    let cache = temp.join("cache");
    let session = |root: &str| {
        let run = run_in(
            &cache,
            &["--json", "-j2", "-B", arg(&temp.join(root)), arg(&sources)],
        );
        assert_eq!(run.code(), 0, "{run:?}");
        run.json()
    };

    let events = session("first");
    let probes = probe_events(&events, "finished");
    assert_eq!(probes.len(), 1, "one probe for one key: {probes:?}");
    let probe = probes[0];
    assert_eq!(probe["job"], "toolchain probe");
    assert_eq!(probe["status"], "ok", "{probe}");
    assert_eq!(probe["detail"], "probed", "{probe}");
    let log = std::fs::read_to_string(probe["log"].as_str().expect("a log")).expect("its log");
    assert!(
        log.starts_with("toolchain probe: probed") && log.contains("The C compiler"),
        "the log holds each language's cmake output: {log}"
    );
    for project in ["a", "b"] {
        assert!(
            position(&events, "finished", "toolchain probe")
                < position(&events, "started", project),
            "{project} started before the probe ended"
        );
        assert_eq!(configures(&events)[project]["seeded"], true);
    }

    // A new build root: the probe kept in the user's cache is taken, nothing is probed.
    let events = session("second");
    let probe = probe_events(&events, "finished")[0];
    assert_eq!(probe["detail"], "kept", "{probe}");
    assert_eq!(configures(&events)["a"]["seeded"], true);

    // Nothing fresh to configure (every folder has its cache): no probe at all.
    let events = session("second");
    assert!(probe_events(&events, "queued").is_empty(), "{events:?}");
    assert_eq!(configures(&events)["a"]["detail"], "cached");
}

/// A probe that runs past `--timeout` ends `timeout` on its own row; its configures run
/// after it, unseeded, and succeed, and so does the session (exit 0).
#[test]
fn a_probe_that_times_out_leaves_its_configures_unseeded_not_failed() {
    if !cmake_available("a_probe_that_times_out_leaves_its_configures_unseeded_not_failed") {
        return;
    }
    let temp = TempDir::new("probe-timeout");
    let sources = workspace(&temp);
    // A cmake that hangs when it configures the probe's project (its folders are
    // `.partial-…`), and is the real cmake for the projects.
    let cmake = temp.join("slow-probe-cmake");
    std::fs::write(
        &cmake,
        "#!/bin/sh\ncase \"$*\" in *.partial-*) exec sleep 600 ;; esac\nexec cmake \"$@\"\n",
    )
    .expect("write the script");
    std::fs::set_permissions(&cmake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let run = run_in(
        &temp.join("cache"),
        &[
            "--json",
            "-j2",
            "--timeout",
            "10",
            "--cmake",
            arg(&cmake),
            "-B",
            arg(&temp.join("build")),
            arg(&sources),
        ],
    );
    assert_eq!(
        run.code(),
        0,
        "the configures decide the exit status: {run:?}"
    );
    let events = run.json();
    let probe = probe_events(&events, "finished")[0];
    assert_eq!(probe["status"], "timeout", "{probe}");
    for project in ["a", "b"] {
        let configure = &configures(&events)[project];
        assert_eq!(configure["status"], "ok", "{configure}");
        assert_eq!(configure["seeded"], false, "{configure}");
        assert_eq!(configure["detail"], "fresh", "{configure}");
    }
    // A probe's end is a warning, not a timeout of the session (issue 32).
    let summary = events.last().expect("a summary");
    assert_eq!(
        (&summary["timeout"], &summary["warned"]),
        (&0.into(), &1.into()),
        "{summary}"
    );
}

/// A probe that cannot start its cmake fails on its own row, naming the program given, and
/// leaves nothing in the user's cache (a failed probe's folder, without its key, used to stay
/// there forever).
#[test]
fn a_failed_probe_names_its_program_and_leaves_nothing_in_the_cache() {
    let temp = TempDir::new("probe-no-cmake");
    let sources = workspace(&temp);
    let cache = temp.join("cache");
    let missing = temp.join("no-such-cmake");
    let run = run_in(
        &cache,
        &[
            "--json",
            "--cmake",
            arg(&missing),
            "-B",
            arg(&temp.join("build")),
            arg(&sources),
        ],
    );
    assert_eq!(run.code(), 1, "the configures cannot run either: {run:?}");
    let events = run.json();
    let probe = probe_events(&events, "finished")[0];
    assert_eq!(probe["status"], "failed", "{probe}");
    let error = probe["error"].as_str().expect("an error");
    assert!(error.contains(arg(&missing)), "names the program: {error}");
    let left: Vec<_> = std::fs::read_dir(cache.join("jobdeck/probes"))
        .expect("the probes folder")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "nothing kept: {left:?}");
}
