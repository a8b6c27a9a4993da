//! Exact or not at all, past the compiler detection (issue 31): a seeded configure leaves
//! cmake's general setup (install prefix, compile commands, colours) to cmake, says it was
//! seeded only when it used a seeded language, and one that fails before `project()` leaves
//! the cache plain cmake leaves. Each case
//! compares with plain `cmake -S … -B … -DCMAKE_BUILD_TYPE=Debug` of a copy of the same
//! project.

mod common;
mod probes_support;

use std::ffi::OsStr;

use common::cmake_available;
use probes_support::case::{Case, clean_env, write_script};
use probes_support::configures;

/// The common idiom: a default install prefix replaced after `project()`.
#[test]
fn the_install_prefix_idiom_gives_plain_cmakes_prefix() {
    if !cmake_available("the_install_prefix_idiom_gives_plain_cmakes_prefix") {
        return;
    }
    let case = Case::new(
        "probe-install-prefix",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n\
         if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)\n  \
         set(CMAKE_INSTALL_PREFIX /opt/x CACHE PATH \"\" FORCE)\nendif()\n",
    );
    let env = clean_env(&[]);
    let event = case.jobdeck(&[], &env);
    assert_eq!(event["seeded"], true, "{event}");
    case.assert_same_as_plain(&[], &env);
    let cache = std::fs::read_to_string(case.ours().join("CMakeCache.txt")).expect("cache");
    assert!(
        cache.contains("CMAKE_INSTALL_PREFIX:PATH=/opt/x"),
        "{cache}"
    );
}

/// `CMAKE_EXPORT_COMPILE_COMMANDS` set by the project before `project()`, or in the
/// environment (of the session that made the probe, or of a later one): the same cache and
/// the same `compile_commands.json` as plain cmake.
#[test]
fn compile_commands_are_exported_as_plain_cmake_does() {
    if !cmake_available("compile_commands_are_exported_as_plain_cmake_does") {
        return;
    }
    let case = Case::new(
        "probe-compile-commands",
        "cmake_minimum_required(VERSION 3.10)\nset(CMAKE_EXPORT_COMPILE_COMMANDS ON)\n\
         project(p C)\nadd_executable(m main.c)\n",
    );
    let env = clean_env(&[]);
    assert_eq!(case.jobdeck(&[], &env)["seeded"], true);
    case.assert_same_as_plain(&[], &env);
    assert!(case.plain().join("compile_commands.json").exists());

    let case = Case::new(
        "probe-compile-commands-env",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\nadd_executable(m main.c)\n",
    );
    // The probe is made with the variable set, then used without it, then with it again.
    for value in [Some(OsStr::new("ON")), None, Some(OsStr::new("ON"))] {
        let env = clean_env(&[("CMAKE_EXPORT_COMPILE_COMMANDS", value)]);
        let event = case.jobdeck(&[], &env);
        assert_eq!(event["seeded"], true, "{value:?}: {event}");
        case.assert_same_as_plain(&[], &env);
        case.clear();
    }
}

/// `CMAKE_COLOR_DIAGNOSTICS=OFF` (cmake 3.24 on), set by the project before `project()` or
/// in the environment of a session after the probe was made: the cache plain cmake makes
/// from it (no `CMAKE_COLOR_MAKEFILE`).
#[test]
fn color_diagnostics_off_gives_plain_cmakes_cache() {
    if !cmake_available("color_diagnostics_off_gives_plain_cmakes_cache") {
        return;
    }
    let case = Case::new(
        "probe-colour",
        "cmake_minimum_required(VERSION 3.10)\nset(CMAKE_COLOR_DIAGNOSTICS OFF)\nproject(p C)\n",
    );
    let env = clean_env(&[]);
    assert_eq!(case.jobdeck(&[], &env)["seeded"], true);
    case.assert_same_as_plain(&[], &env);

    let case = Case::new(
        "probe-colour-env",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n",
    );
    for value in [None, Some(OsStr::new("OFF"))] {
        let env = clean_env(&[("CMAKE_COLOR_DIAGNOSTICS", value)]);
        let event = case.jobdeck(&[], &env);
        assert_eq!(event["seeded"], true, "{value:?}: {event}");
        case.assert_same_as_plain(&[], &env);
        case.clear();
    }
}
/// A C++ project, when the C++ probe failed and only the C seed exists: cmake detects C++
/// itself, so the configure is not seeded, and says so.
#[test]
fn a_project_of_a_language_the_seed_lacks_is_not_called_seeded() {
    if !cmake_available("a_project_of_a_language_the_seed_lacks_is_not_called_seeded") {
        return;
    }
    let case = Case::with_sources(
        "probe-cxx-only",
        "cmake_minimum_required(VERSION 3.10)\nproject(p CXX)\nadd_executable(m main.cpp)\n",
    );
    // A C++ compiler that refuses to work inside the probes folder: the C++ probe fails,
    // the project's own detection does not.
    let wrapper = case.temp.join("bin/cxx");
    write_script(
        &wrapper,
        "#!/bin/sh\ncase \"$PWD\" in *jobdeck/probes*) exit 1 ;; esac\nexec c++ \"$@\"\n",
    );
    let env = clean_env(&[("CXX", Some(wrapper.as_os_str()))]);
    let run = case.session(&[], &env);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stderr.contains("failed for a language"),
        "{}",
        run.stderr
    );
    let event = &configures(&run.json())["p"];
    assert_eq!(event["seeded"], false, "{event}");
    assert_eq!(event["detail"], "fresh", "{event}");
    assert_eq!(case.plain_code(&[], &env), Some(0));
    case.assert_same_files();
}

/// Configures that fail before `project()` (an error of the project's own; a minimum
/// version cmake 4 refuses): plain cmake's exit code and cache, with no platform entry.
#[test]
fn a_configure_failing_before_project_leaves_plain_cmakes_cache() {
    if !cmake_available("a_configure_failing_before_project_leaves_plain_cmakes_cache") {
        return;
    }
    for (label, head) in [
        (
            "error",
            "cmake_minimum_required(VERSION 3.10)\nmessage(FATAL_ERROR \"before project\")\n",
        ),
        ("old-minimum", "cmake_minimum_required(VERSION 3.1)\n"),
    ] {
        let case = Case::new(
            &format!("probe-before-project-{label}"),
            &format!("{head}project(p C)\n"),
        );
        let env = clean_env(&[]);
        let run = case.session(&[], &env);
        let event = &configures(&run.json())["p"];
        let plain = case.plain_code(&[], &env);
        assert_eq!(
            event["exit_code"].as_i64(),
            plain.map(i64::from),
            "{label}: {event}"
        );
        case.assert_same_files();
        if plain != Some(0) {
            assert_eq!(event["seeded"], false, "{label}: {event}");
        }
    }
}
