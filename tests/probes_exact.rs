//! Exact or not at all: for each way a project, its options, its environment or its build
//! folder can lead cmake to another toolchain than the probe's, jobdeck's configure ends
//! with the cache, the compiler, the system and the `CC` of a plain `cmake -S … -B …` of the
//! same project, options and environment (issue 20's "Found" list). Each project writes
//! what its configure really used to `used.txt`.

mod common;
mod probes_support;

use std::ffi::OsStr;

use common::{TempDir, cmake_available, run_command};
use probes_support::case::{Case, clean_env, write_wrapper};
use probes_support::{apply_env, arg, configures, entries, jobdeck_in, plain_cmake_with};

/// Projects that pick their compiler in ways no reading of their text finds: each ends
/// unseeded, as plain cmake would configure it, and says why.
#[test]
fn a_project_that_picks_its_compiler_any_way_ends_as_plain_cmake() {
    if !cmake_available("a_project_that_picks_its_compiler_any_way_ends_as_plain_cmake") {
        return;
    }
    let wrappers = TempDir::new("probe-wrappers");
    let wrapper = wrappers.join("bin/mycc");
    write_wrapper(&wrapper);
    // A prefix whose bin/ holds a `cc`: cmake searches CMAKE_PREFIX_PATH before PATH.
    write_wrapper(&wrappers.join("prefix/bin/cc"));
    let w = arg(&wrapper);
    let prefix_folder = wrappers.join("prefix");
    let prefix = arg(&prefix_folder);
    let projects = [
        (
            "none-then-enable",
            format!(
                "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n\
                 set(CMAKE_C_COMPILER {w})\nenable_language(C)\n"
            ),
        ),
        (
            "foreach",
            format!(
                "cmake_minimum_required(VERSION 3.10)\nforeach(lang C)\n  \
                 set(CMAKE_${{lang}}_COMPILER {w})\nendforeach()\nproject(p C)\n"
            ),
        ),
        (
            "prefix-path",
            format!(
                "cmake_minimum_required(VERSION 3.10)\nlist(APPEND CMAKE_PREFIX_PATH {prefix})\n\
                 project(p C)\n"
            ),
        ),
        (
            "comment-and-string",
            format!(
                "cmake_minimum_required(VERSION 3.10)\n#[[ project(x C) ]]\n\
                 set(s \"project(y C)\")\nset(CMAKE_C_COMPILER {w})\nproject(p C)\n"
            ),
        ),
        (
            "concat",
            format!(
                "cmake_minimum_required(VERSION 3.10)\nstring(CONCAT v CMAKE_ C _COMPILER)\n\
                 set(${{v}} {w})\nproject(p C)\n"
            ),
        ),
        (
            "env-cc",
            format!("cmake_minimum_required(VERSION 3.10)\nset(ENV{{CC}} {w})\nproject(p C)\n"),
        ),
    ];
    for (label, body) in projects {
        let case = Case::new(&format!("probe-picks-{label}"), &body);
        let event = case.jobdeck(&[], &clean_env(&[]));
        assert_eq!(event["seeded"], false, "{label}: {event}");
        assert_eq!(
            event["detail"], "fresh (toolchain chosen by the project)",
            "{label}: {event}"
        );
        assert_eq!(event["status"], "ok", "{label}: {event}");
        case.assert_same_as_plain(&[], &clean_env(&[]));
    }
}

/// A plain project is seeded, and ends as plain cmake: the same cache, compiler, and `CC`
/// in the environment of the rest of its configure (policy CMP0132 left unset by
/// `cmake_minimum_required` below 3.24), with `CC` unset and with `CC=cc`.
#[test]
fn a_seeded_configure_sets_cc_as_plain_cmake_does() {
    if !cmake_available("a_seeded_configure_sets_cc_as_plain_cmake_does") {
        return;
    }
    for (label, cc) in [("unset", None), ("set", Some(OsStr::new("cc")))] {
        for minimum in ["3.10", "3.24"] {
            let case = Case::new(
                &format!("probe-cc-{label}"),
                &format!("cmake_minimum_required(VERSION {minimum})\nproject(p C)\n"),
            );
            let env = clean_env(&[("CC", cc)]);
            let event = case.jobdeck(&[], &env);
            assert_eq!(event["seeded"], true, "{event}");
            case.assert_same_as_plain(&[], &env);
        }
    }
}

/// A project's own options (here from the history, under `--rerun-failed`) choose its
/// compiler or toolchain file: its configure uses them, as plain cmake given them does.
#[test]
fn a_projects_own_options_choose_its_compiler() {
    if !cmake_available("a_projects_own_options_choose_its_compiler") {
        return;
    }
    let wrappers = TempDir::new("probe-option-wrappers");
    let wrapper = wrappers.join("mycc");
    write_wrapper(&wrapper);
    let toolchain = wrappers.join("toolchain.cmake");
    std::fs::write(
        &toolchain,
        format!("set(CMAKE_C_COMPILER {})\n", arg(&wrapper)),
    )
    .expect("write the toolchain file");
    for option in [
        format!("CMAKE_C_COMPILER={}", arg(&wrapper)),
        format!("CMAKE_TOOLCHAIN_FILE={}", arg(&toolchain)),
    ] {
        let case = Case::new(
            "probe-option",
            "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n\
             if(FAIL_FIRST)\n  message(FATAL_ERROR \"failing on purpose\")\nendif()\n",
        );
        let env = clean_env(&[]);
        let mut command = jobdeck_in(&case.cache());
        command.args(["--json", "-D", "FAIL_FIRST=1", "-B", arg(&case.root())]);
        command.arg(case.temp.join("src"));
        apply_env(&mut command, &env);
        assert_eq!(run_command(command).code(), 1, "the first session fails");
        // The history says the project failed with an option of its own, as the options key
        // records it; the folder is fresh again.
        let history = case.root().join(".jobdeck/history.jsonl");
        let mut text = std::fs::read_to_string(&history).expect("the history");
        text.push_str(
            &serde_json::json!({"job": "p", "kind": "cmake", "stage": "configure",
                "status": "failed", "duration_ms": 10, "options": [option]})
            .to_string(),
        );
        text.push('\n');
        std::fs::write(&history, text).expect("write the history");
        std::fs::remove_dir_all(case.root().join("p")).expect("remove the build folder");
        let event = case.jobdeck(&["--rerun-failed"], &env);
        assert_eq!(event["status"], "ok", "{event}");
        case.assert_same_as_plain(&[&format!("-D{option}")], &env);
        let used = std::fs::read_to_string(case.root().join("p/used.txt")).expect("used.txt");
        assert!(used.contains(arg(&wrapper)), "{option}: {used}");
    }
}

/// `CMAKE_PROGRAM_PATH` in the environment names a folder holding a `cc`: a later session
/// with it does not reuse the probe made without it.
#[test]
fn the_program_path_in_the_environment_is_searched_first() {
    if !cmake_available("the_program_path_in_the_environment_is_searched_first") {
        return;
    }
    let wrappers = TempDir::new("probe-program-path");
    write_wrapper(&wrappers.join("bin/cc"));
    let program_path = wrappers.join("bin");
    for (variable, value) in [
        ("CMAKE_PROGRAM_PATH", program_path.clone()),
        ("CMAKE_PREFIX_PATH", wrappers.path().to_path_buf()),
    ] {
        let case = Case::new(
            "probe-env-path",
            "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n",
        );
        let first = case.jobdeck(&[], &clean_env(&[]));
        assert_eq!(first["seeded"], true, "{first}");
        std::fs::remove_dir_all(case.root().join("p")).expect("remove the build folder");
        let env = clean_env(&[(variable, Some(value.as_os_str()))]);
        case.jobdeck(&[], &env);
        case.assert_same_as_plain(&[], &env);
        let used = std::fs::read_to_string(case.root().join("p/used.txt")).expect("used.txt");
        assert!(used.contains(arg(&program_path)), "{variable}: {used}");
    }
}

/// A folder configured for a cross target, then its cache removed (the usual way to start
/// clean): plain cmake detects the host again, and so does jobdeck's seeded configure.
#[test]
fn detection_files_left_without_a_cache_are_not_trusted() {
    if !cmake_available("detection_files_left_without_a_cache_are_not_trusted") {
        return;
    }
    let case = Case::new(
        "probe-leftover",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n",
    );
    let toolchain = case.temp.join("riscv.cmake");
    std::fs::write(
        &toolchain,
        "set(CMAKE_SYSTEM_NAME Linux)\nset(CMAKE_SYSTEM_PROCESSOR riscv64)\n\
         set(CMAKE_C_COMPILER cc)\n",
    )
    .expect("write the toolchain file");
    let cross = format!("-DCMAKE_TOOLCHAIN_FILE={}", arg(&toolchain));
    let env = clean_env(&[]);
    for folder in [case.root().join("p"), case.temp.join("plain")] {
        assert_eq!(
            plain_cmake_with(&case.source(), &folder, &[&cross], &env),
            Some(0)
        );
        std::fs::remove_file(folder.join("CMakeCache.txt")).expect("remove the cache");
    }
    let event = case.jobdeck(&[], &env);
    assert_eq!(event["status"], "ok", "{event}");
    case.assert_same_as_plain(&[], &env);
    let used = std::fs::read_to_string(case.root().join("p/used.txt")).expect("used.txt");
    assert!(!used.contains("riscv64"), "{used}");
}

/// A seeded configure stopped by its `--timeout` before cmake wrote its cache: the next
/// session's configure of that folder ends as plain cmake's (`CMAKE_UNAME` and all).
#[test]
fn a_seeded_configure_stopped_midway_is_configured_again_exactly() {
    if !cmake_available("a_seeded_configure_stopped_midway_is_configured_again_exactly") {
        return;
    }
    // Sleeps after its detection until the file `go` exists beside the project.
    let case = Case::new(
        "probe-stopped",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n\
         if(NOT EXISTS \"${CMAKE_SOURCE_DIR}/../go\")\n  \
         execute_process(COMMAND sleep 60)\nendif()\n",
    );
    let env = clean_env(&[]);
    let mut command = jobdeck_in(&case.cache());
    command.args(["--json", "--timeout", "2", "-B", arg(&case.root())]);
    command.arg(case.temp.join("src"));
    apply_env(&mut command, &env);
    let run = run_command(command);
    let stopped = &configures(&run.json())["p"];
    assert_eq!(stopped["status"], "timeout", "{stopped}");
    assert!(!case.root().join("p/CMakeCache.txt").exists());
    std::fs::write(case.temp.join("src/go"), "").expect("write go");
    let event = case.jobdeck(&[], &env);
    assert_eq!(event["seeded"], true, "{event}");
    case.assert_same_as_plain(&[], &env);
    assert!(
        entries(&case.root().join("p"))
            .iter()
            .any(|line| line.starts_with("CMAKE_UNAME:")),
        "the system was detected again"
    );
}

/// A kept probe whose seed files were cut to nothing or changed since it was made is
/// probed again, never planted: the next fresh configure still ends as plain cmake's.
#[test]
fn a_damaged_seed_is_never_used() {
    if !cmake_available("a_damaged_seed_is_never_used") {
        return;
    }
    let case = Case::new(
        "probe-damaged",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n",
    );
    let env = clean_env(&[]);
    case.jobdeck(&[], &env);
    let probes = probes_support::probe_folders(&case.cache());
    assert_eq!(probes.len(), 1);
    let build = probes[0].join("c/build");
    let entries_file = build.join("jobdeck-seed.cmake");
    // The entries file empty (the cache would lack CMAKE_C_COMPILER), then with another
    // path of the same length (only a checksum tells).
    let damages: [(&str, &dyn Fn()); 2] = [
        ("cut to nothing", &|| {
            std::fs::write(&entries_file, "").expect("truncate");
        }),
        ("changed in place", &|| {
            let text = std::fs::read_to_string(&entries_file).expect("the entries");
            assert!(text.contains("[==[/usr/bin/ar]==]"), "{text}");
            let changed = text.replace("[==[/usr/bin/ar]==]", "[==[/usr/lib/ar]==]");
            std::fs::write(&entries_file, changed).expect("rewrite");
        }),
    ];
    for (label, damage) in damages {
        damage();
        std::fs::remove_dir_all(case.root().join("p")).expect("remove the build folder");
        let event = case.jobdeck(&[], &env);
        assert_eq!(event["seeded"], true, "{label}: probed again: {event}");
        case.assert_same_as_plain(&[], &env);
        let _ = std::fs::remove_dir_all(case.temp.join("plain"));
    }
}
