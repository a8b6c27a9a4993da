//! The shared toolchain probe, with real cmake and compilers: a seeded configure's cache is
//! the one plain cmake makes, seeded folders build and run, every example and demo project
//! ends the same seeded and not, a changed compiler gets a probe of its own, and a failed
//! probe seeds nothing it did not detect.

mod common;
mod probes_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{
    TempDir, available, cmake_available, copy_tree, fixture, is_root, run_command, run_jobdeck,
};
use probes_support::{arg, configures, entries, jobdeck_in, plain_cmake, probe_folders, run_in};
use serde_json::Value;

/// The probe fixtures and whether jobdeck seeds each.
const FIXTURES: [(&str, bool); 5] = [
    ("asm", true),
    ("c-checks", true),
    ("cxx", true),
    ("mixed", true),
    ("toolchain-first", false),
];

#[test]
fn a_seeded_cache_holds_the_entries_of_a_plain_configure() {
    if !cmake_available("a_seeded_cache_holds_the_entries_of_a_plain_configure") {
        return;
    }
    let temp = TempDir::new("probe-exact");
    let sources = temp.join("src");
    for (name, _) in FIXTURES {
        copy_tree(&fixture(&format!("probe/{name}")), &sources.join(name));
    }
    let root = temp.join("jd");
    let cache = temp.join("cache");
    let run = run_in(&cache, &["--json", "-j2", "-B", arg(&root), arg(&sources)]);
    assert_eq!(run.code(), 0, "{run:?}");
    let finished = configures(&run.json());
    for (name, seeded) in FIXTURES {
        let event = &finished[name];
        assert_eq!(event["seeded"], seeded, "{event}");
        assert_eq!(
            event["detail"],
            if seeded {
                "seeded"
            } else {
                "fresh (toolchain chosen by the project)"
            },
            "{event}"
        );
        let plain = temp.join("plain").join(name);
        assert_eq!(plain_cmake(&sources.join(name), &plain, &[]), Some(0));
        assert_eq!(entries(&root.join(name)), entries(&plain), "{name}");
    }
    assert_eq!(
        probe_folders(&cache).len(),
        1,
        "one probe for one toolchain"
    );
    assert!(
        !root.join(".jobdeck/probe").exists(),
        "the probe is in the user cache, not the build root"
    );

    // A re-configure of an existing build folder is left alone.
    let again = run_in(&cache, &["--json", "-j2", "-B", arg(&root), arg(&sources)]);
    assert_eq!(again.code(), 0, "{again:?}");
    for event in configures(&again.json()).values() {
        assert_eq!(event["detail"], "cached", "{event}");
        assert_eq!(event["seeded"], false, "{event}");
    }
}

#[test]
fn no_share_probes_seeds_nothing() {
    if !cmake_available("no_share_probes_seeds_nothing") {
        return;
    }
    let temp = TempDir::new("probe-off");
    copy_tree(&fixture("probe/c-checks"), &temp.join("src/c-checks"));
    let root = temp.join("jd");
    let cache = temp.join("cache");
    let run = run_in(
        &cache,
        &[
            "--json",
            "--no-share-probes",
            "-B",
            arg(&root),
            arg(&temp.join("src")),
        ],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let event = &configures(&run.json())["c-checks"];
    assert_eq!(event["seeded"], false, "{event}");
    assert_eq!(event["detail"], "fresh", "{event}");
    assert!(!cache.exists(), "nothing was written to the user cache");
    assert!(
        !root.join(".jobdeck/probe").exists(),
        "nor to the build root"
    );
}

/// With a launcher the configures run where it puts them, and the probe would run here:
/// nothing is shared (`env` stands in for a launcher that runs the command as it is).
#[test]
fn a_launcher_turns_sharing_off() {
    if !cmake_available("a_launcher_turns_sharing_off") {
        return;
    }
    let temp = TempDir::new("probe-launcher");
    copy_tree(&fixture("probe/c-checks"), &temp.join("src/c-checks"));
    let root = temp.join("jd");
    let cache = temp.join("cache");
    let run = run_in(
        &cache,
        &[
            "--json",
            "--launcher",
            "env",
            "-B",
            arg(&root),
            arg(&temp.join("src")),
        ],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let event = &configures(&run.json())["c-checks"];
    assert_eq!(event["seeded"], false, "{event}");
    assert_eq!(event["detail"], "fresh", "{event}");
    assert!(!cache.exists(), "no probe was run");
}

#[test]
fn a_seeded_folder_builds_and_its_tests_and_executables_run() {
    if !cmake_available("a_seeded_folder_builds_and_its_tests_and_executables_run") {
        return;
    }
    let temp = TempDir::new("probe-build");
    let sources = temp.join("src");
    for name in ["c-checks", "cxx", "mixed"] {
        copy_tree(&fixture(&format!("probe/{name}")), &sources.join(name));
    }
    let root = temp.join("jd");
    let run = run_jobdeck(["--json", "-j2", "--test", "-B", arg(&root), arg(&sources)]);
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    for event in events.iter().filter(|e| e["event"] == "finished") {
        assert_eq!(event["status"], "ok", "{event}");
    }
    for event in configures(&events).values() {
        assert_eq!(event["seeded"], true, "{event}");
    }
    for (name, exe, says) in [
        ("c-checks", "c_checks", "hello from c_checks"),
        ("cxx", "cxx_only", "hello from cxx_only"),
        ("mixed", "mixed", ""),
    ] {
        let output = Command::new(root.join(name).join(exe))
            .output()
            .unwrap_or_else(|err| panic!("run {name}/{exe}: {err}"));
        assert!(output.status.success(), "{name}: {output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), says);
    }
}

/// Each job's status and exit code from a `--json` run over a copy of `assets/<collection>`.
fn outcomes(collection: &str, temp: &TempDir, extra: &[&str]) -> BTreeMap<String, Value> {
    let label = if extra.is_empty() { "seeded" } else { "plain" };
    let sources = temp.join(format!("{collection}-{label}"));
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(collection),
        &sources,
    );
    let root = temp.join(format!("{collection}-{label}-build"));
    let mut args = vec!["--json", "-j2", "-B", arg(&root)];
    args.extend_from_slice(extra);
    args.push(arg(&sources));
    let run = run_jobdeck(&args);
    let configures = configures(&run.json());
    assert!(!configures.is_empty(), "{run:?}");
    if extra.is_empty() {
        assert!(
            configures.values().any(|e| e["seeded"] == true),
            "{collection}: nothing was seeded"
        );
    }
    configures
        .into_iter()
        .map(|(name, e)| {
            let outcome = serde_json::json!([e["status"], e["exit_code"], e["error"]]);
            (name, outcome)
        })
        .collect()
}

#[test]
fn every_example_and_demo_project_ends_the_same_seeded_and_not() {
    if !cmake_available("every_example_and_demo_project_ends_the_same_seeded_and_not") {
        return;
    }
    let temp = TempDir::new("probe-same");
    for collection in ["examples", "demo"] {
        let seeded = outcomes(collection, &temp, &[]);
        let plain = outcomes(collection, &temp, &["--no-share-probes"]);
        // Error summaries name files by path relative to the project, so they compare too.
        assert_eq!(seeded, plain, "{collection}");
    }
}

#[test]
fn a_new_compiler_gets_a_new_probe_and_an_unchanged_one_is_reused() {
    if !cmake_available("a_new_compiler_gets_a_new_probe_and_an_unchanged_one_is_reused") {
        return;
    }
    let temp = TempDir::new("probe-compiler");
    let sources = temp.join("src");
    copy_tree(&fixture("probe/c-checks"), &sources.join("c-checks"));
    let root = temp.join("jd");
    let cache = temp.join("cache");
    let wrapper = temp.join("wrapped-cc");
    std::fs::write(&wrapper, "#!/bin/sh\nexec cc \"$@\"\n").expect("write the wrapper");
    let mut mode = std::fs::metadata(&wrapper).expect("wrapper").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&wrapper, mode).expect("make the wrapper executable");

    // One session, with the compiler given a way; returns the configure's cache entry.
    let session = |env_cc: Option<&Path>, define: Option<String>| {
        let _ = std::fs::remove_dir_all(root.join("c-checks"));
        let mut command = jobdeck_in(&cache);
        command.args(["--json", "-B", arg(&root)]);
        if let Some(define) = &define {
            command.args(["-D", define]);
        }
        command.arg(&sources);
        command.env_remove("CC");
        if let Some(cc) = env_cc {
            command.env("CC", cc);
        }
        let run = run_command(command);
        assert_eq!(run.code(), 0, "{run:?}");
        let event = &configures(&run.json())["c-checks"];
        assert_eq!(event["seeded"], true, "{event}");
        entries(&root.join("c-checks"))
            .into_iter()
            .find(|line| line.starts_with("CMAKE_C_COMPILER:"))
            .expect("a compiler entry")
    };

    let default = session(None, None);
    assert_eq!(probe_folders(&cache).len(), 1);
    let first_probe = probe_folders(&cache)[0].clone();
    let first_log = std::fs::metadata(first_probe.join("seed.txt"))
        .and_then(|m| m.modified())
        .expect("the probe's seed manifest");

    let by_env = session(Some(&wrapper), None);
    assert!(by_env.ends_with(arg(&wrapper)), "{by_env}");
    assert_eq!(probe_folders(&cache).len(), 2, "CC gives a new probe");

    let by_define = session(None, Some(format!("CMAKE_C_COMPILER={}", arg(&wrapper))));
    assert!(by_define.ends_with(arg(&wrapper)), "{by_define}");
    assert_eq!(
        probe_folders(&cache).len(),
        3,
        "-DCMAKE_C_COMPILER gives a new probe"
    );

    // The first toolchain again: its probe is reused, not run again.
    assert_eq!(session(None, None), default);
    assert_eq!(probe_folders(&cache).len(), 3);
    let log_now = std::fs::metadata(first_probe.join("seed.txt"))
        .and_then(|m| m.modified())
        .expect("the probe's seed manifest");
    assert_eq!(log_now, first_log, "the kept probe was reused");

    // The wrapper replaced in place (same path, same key): its probe is run again.
    let probes_before = probe_folders(&cache);
    let stamps = |folder: &Path| std::fs::read_to_string(folder.join("compilers.txt"));
    let key = |folder: &Path| std::fs::read_to_string(folder.join("key.txt"));
    let wrapper_probe = probes_before
        .iter()
        .find(|folder| key(folder).is_ok_and(|k| k.contains(&format!("env CC={}", arg(&wrapper)))))
        .expect("the probe of CC=wrapper")
        .clone();
    let old_stamps = stamps(&wrapper_probe).expect("stamps");
    std::fs::write(&wrapper, "#!/bin/sh\n# a new version\nexec cc \"$@\"\n").expect("rewrite");
    session(Some(&wrapper), None);
    assert_eq!(probe_folders(&cache), probes_before);
    assert_ne!(
        stamps(&wrapper_probe).expect("stamps"),
        old_stamps,
        "a changed compiler is probed again, never taken from a stale probe"
    );
}

#[test]
fn a_probes_folder_that_cannot_be_used_warns_and_seeds_nothing() {
    if !cmake_available("a_probes_folder_that_cannot_be_used_warns_and_seeds_nothing") {
        return;
    }
    let temp = TempDir::new("probe-fails");
    copy_tree(&fixture("probe/c-checks"), &temp.join("src/c-checks"));
    let root = temp.join("jd");
    let cache = temp.join("cache");
    // A file where the probes folder goes: no probe can be kept, the configure still runs.
    std::fs::create_dir_all(cache.join("jobdeck")).expect("create jobdeck's folder");
    std::fs::write(cache.join("jobdeck/probes"), "not a folder").expect("write the file");
    let run = run_in(
        &cache,
        &["--json", "-B", arg(&root), arg(&temp.join("src"))],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let event = &configures(&run.json())["c-checks"];
    assert_eq!(event["status"], "ok", "{event}");
    assert_eq!(event["seeded"], false, "{event}");
    assert_eq!(event["detail"], "fresh", "{event}");
    assert!(
        run.stderr.contains("toolchain probe") && run.stderr.contains("not seeded"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_language_whose_probe_fails_is_not_seeded_and_the_others_are() {
    if !cmake_available("a_language_whose_probe_fails_is_not_seeded_and_the_others_are") {
        return;
    }
    let temp = TempDir::new("probe-partly");
    let sources = temp.join("src");
    copy_tree(&fixture("probe/c-checks"), &sources.join("c-checks"));
    let root = temp.join("jd");
    // No such C++ compiler: the C++ probe fails, the C one does not. A cache of its own: a
    // probe kept by an earlier run of this test would be taken without probing (or warning).
    let define = "CMAKE_CXX_COMPILER=/nonexistent/c++";
    let run = run_in(
        &temp.join("cache"),
        &["--json", "-D", define, "-B", arg(&root), arg(&sources)],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let event = &configures(&run.json())["c-checks"];
    assert_eq!(event["seeded"], true, "{event}");
    assert!(
        run.stderr.contains("failed for a language") && run.stderr.contains("CXX"),
        "{}",
        run.stderr
    );
    let plain = temp.join("plain");
    let define_arg = format!("-D{define}");
    assert_eq!(
        plain_cmake(&sources.join("c-checks"), &plain, &[&define_arg]),
        Some(0)
    );
    assert_eq!(entries(&root.join("c-checks")), entries(&plain));
    let info = std::fs::read_dir(root.join("c-checks/CMakeFiles"))
        .expect("CMakeFiles")
        .filter_map(Result::ok)
        .find(|e| e.path().join("CMakeCCompiler.cmake").is_file())
        .expect("a version folder")
        .path();
    assert!(!info.join("CMakeCXXCompiler.cmake").exists());
}

/// The first session in a new build root takes the probe an earlier session (in another
/// build root) kept in the user cache folder: seeded at once, nothing probed again.
#[test]
fn a_new_build_root_is_seeded_from_the_user_cache() {
    use std::os::unix::fs::PermissionsExt;
    if !cmake_available("a_new_build_root_is_seeded_from_the_user_cache") {
        return;
    }
    let temp = TempDir::new("probe-shared");
    let sources = temp.join("src");
    copy_tree(&fixture("probe/c-checks"), &sources.join("c-checks"));
    let cache = temp.join("cache");
    let session = |root: &str| {
        let run = run_in(
            &cache,
            &["--json", "-B", arg(&temp.join(root)), arg(&sources)],
        );
        assert_eq!(run.code(), 0, "{run:?}");
        configures(&run.json())["c-checks"].clone()
    };
    assert_eq!(session("first")["seeded"], true);
    let probes = probe_folders(&cache);
    assert_eq!(probes.len(), 1, "{probes:?}");
    let made = |file: &str| {
        std::fs::metadata(probes[0].join(file))
            .and_then(|m| m.modified())
            .expect("the probe's file")
    };
    let (log, key) = (made("seed.txt"), made("key.txt"));
    for folder in [cache.join("jobdeck"), cache.join("jobdeck/probes")] {
        let bits = std::fs::metadata(&folder)
            .expect("made")
            .permissions()
            .mode();
        assert_eq!(bits & 0o777, 0o700, "{}", folder.display());
    }

    let event = session("second");
    assert_eq!(event["seeded"], true, "{event}");
    assert_eq!(event["detail"], "seeded", "{event}");
    assert_eq!(probe_folders(&cache), probes);
    assert_eq!(
        (made("seed.txt"), made("key.txt")),
        (log, key),
        "the kept probe was used, not run again"
    );
    assert!(!temp.join("second/.jobdeck/probe").exists());
}

/// A probes folder, or a probe in it, that is a symbolic link or another user's is never
/// used: a seed is code every configure runs. The configures run unseeded, with a warning.
#[test]
fn a_linked_or_foreign_probes_folder_is_refused() {
    if !cmake_available("a_linked_or_foreign_probes_folder_is_refused") {
        return;
    }
    let temp = TempDir::new("probe-refused");
    let sources = temp.join("src");
    copy_tree(&fixture("probe/c-checks"), &sources.join("c-checks"));
    let cache = temp.join("cache");
    let probes = cache.join("jobdeck/probes");
    let elsewhere = temp.join("elsewhere");
    let refused = |label: &str, why: &str| {
        let root = temp.join(label);
        let run = run_in(&cache, &["--json", "-B", arg(&root), arg(&sources)]);
        assert_eq!(run.code(), 0, "{label}: {run:?}");
        let event = &configures(&run.json())["c-checks"];
        assert_eq!(event["seeded"], false, "{label}: {event}");
        assert_eq!(event["detail"], "fresh", "{label}: {event}");
        assert!(
            run.stderr.contains(why) && run.stderr.contains("not seeded"),
            "{label}: {}",
            run.stderr
        );
    };

    // The probes folder is a link to a folder elsewhere: nothing is written there.
    std::fs::create_dir_all(&elsewhere).expect("create the link's target");
    std::fs::create_dir_all(cache.join("jobdeck")).expect("create jobdeck's folder");
    std::os::unix::fs::symlink(&elsewhere, &probes).expect("symlink");
    refused("linked-folder", "symbolic link");
    assert_eq!(std::fs::read_dir(&elsewhere).expect("list").count(), 0);

    // A probe in a good folder is a link to a copy of a real probe.
    std::fs::remove_file(&probes).expect("remove the link");
    assert_eq!(
        run_in(
            &cache,
            &["--json", "-B", arg(&temp.join("real")), arg(&sources)]
        )
        .code(),
        0
    );
    let probe = probe_folders(&cache).pop().expect("a probe");
    std::fs::rename(&probe, elsewhere.join("probe")).expect("move the probe away");
    std::os::unix::fs::symlink(elsewhere.join("probe"), &probe).expect("symlink");
    refused("linked-probe", "symbolic link");

    // The probes folder belongs to another user (only root can make one).
    if available(
        "a_linked_or_foreign_probes_folder_is_refused (another user's folder)",
        is_root(),
        "root, to give a folder to `nobody`",
    ) {
        std::fs::remove_dir_all(&probes).expect("remove the probes");
        std::fs::create_dir_all(&probes).expect("create the probes folder");
        std::os::unix::fs::chown(&probes, Some(65534), Some(65534)).expect("chown");
        refused("foreign", "belongs to user 65534");
    }
}
