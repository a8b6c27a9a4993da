//! Exact or not at all, for what cmake reads that no file stamp shows (issue 31, items 2
//! and 3): a compiler behind an unchanged wrapper whose target changed, and what the ABI
//! detection and the compiler test read after the seed's check. Each case compares with
//! plain `cmake -S … -B … -DCMAKE_BUILD_TYPE=Debug` of a copy of the same project.

mod common;
mod probes_support;

use std::ffi::{OsStr, OsString};

use common::cmake_available;
use probes_support::case::{Case, clean_env, write_script};
use probes_support::configures;

/// What the ABI detection and the compiler test found, written by the project after
/// `project()`.
const ABI_REPORT: &str = "file(WRITE \"${CMAKE_BINARY_DIR}/abi.txt\" \
    \"inc=${CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES}\\nlink=${CMAKE_C_IMPLICIT_LINK_DIRECTORIES}\\n\
    libs=${CMAKE_C_IMPLICIT_LINK_LIBRARIES}\\nworks=${CMAKE_C_COMPILER_WORKS}\\n\")\n";

/// A jobdeck session and plain cmake with the same `-D` options: the configure's exit code,
/// the cache, and what the ABI detection found must be plain cmake's.
fn assert_ends_as_plain(case: &Case, defines: &[String]) {
    let env = clean_env(&[]);
    let mut args = Vec::new();
    for define in defines {
        args.extend(["-D", define.as_str()]);
    }
    let run = case.session(&args, &env);
    let event = &configures(&run.json())["p"];
    let extra: Vec<String> = defines.iter().map(|define| format!("-D{define}")).collect();
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let plain = case.plain_code(&extra, &env);
    assert_eq!(event["exit_code"].as_i64(), plain.map(i64::from), "{event}");
    case.assert_same_files();
    let abi = |dir: std::path::PathBuf| std::fs::read_to_string(dir.join("abi.txt")).ok();
    assert_eq!(
        abi(case.ours()),
        abi(case.plain()),
        "what the ABI detection found"
    );
}

/// A rules override set before `project()` (read by cmake after the compiler detection, by
/// its compiler test and ABI detection): a flag the compiler refuses fails the configure as
/// plain cmake's does; an include folder changes the implicit include folders as it does.
#[test]
fn a_rules_override_before_project_is_honoured() {
    if !cmake_available("a_rules_override_before_project_is_honoured") {
        return;
    }
    for (label, flags) in [
        ("bad-flag", "-fno-such-flag"),
        ("isystem", "-isystem @DIR@"),
    ] {
        let case = Case::new(
            &format!("probe-override-{label}"),
            &format!(
                "cmake_minimum_required(VERSION 3.10)\n\
                 set(CMAKE_USER_MAKE_RULES_OVERRIDE \"${{CMAKE_CURRENT_SOURCE_DIR}}/rules.cmake\")\n\
                 project(p C)\n{ABI_REPORT}"
            ),
        );
        let folder = case.temp.join("isystem");
        std::fs::create_dir_all(&folder).expect("create the include folder");
        let flags = flags.replace("@DIR@", folder.to_str().expect("UTF-8"));
        std::fs::write(
            case.source().join("rules.cmake"),
            format!("set(CMAKE_C_FLAGS_INIT \"{flags}\")\n"),
        )
        .expect("write the override");
        assert_ends_as_plain(&case, &[]);
    }
}

/// `CMAKE_C_STANDARD_INCLUDE_DIRECTORIES` set before `project()`: cmake's ABI detection
/// leaves those folders out of the implicit include folders it finds (here `/usr/include`,
/// one of the compiler's own).
#[test]
fn standard_include_folders_before_project_are_honoured() {
    if !cmake_available("standard_include_folders_before_project_are_honoured") {
        return;
    }
    let case = Case::new(
        "probe-standard-include",
        &format!(
            "cmake_minimum_required(VERSION 3.10)\n\
             set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES /usr/include)\n\
             project(p C)\n{ABI_REPORT}"
        ),
    );
    assert_ends_as_plain(&case, &[]);
}

/// A toolchain file edited between two sessions to add a rules override (and a flag in
/// it the compiler refuses): the second session ends as plain cmake does with it.
#[test]
fn a_toolchain_file_edited_between_sessions_is_honoured() {
    if !cmake_available("a_toolchain_file_edited_between_sessions_is_honoured") {
        return;
    }
    let case = Case::new(
        "probe-toolchain-edited",
        &format!("cmake_minimum_required(VERSION 3.10)\nproject(p C)\n{ABI_REPORT}"),
    );
    let toolchain = case.temp.join("toolchain.cmake");
    let rules = case.temp.join("rules.cmake");
    std::fs::write(&rules, "set(CMAKE_C_FLAGS_INIT \"-fno-such-flag\")\n").expect("rules");
    std::fs::write(&toolchain, "# nothing yet\n").expect("write the toolchain file");
    let define = format!("CMAKE_TOOLCHAIN_FILE={}", toolchain.display());
    assert_ends_as_plain(&case, std::slice::from_ref(&define));
    case.clear();
    std::fs::write(
        &toolchain,
        format!(
            "set(CMAKE_USER_MAKE_RULES_OVERRIDE \"{}\")\n",
            rules.display()
        ),
    )
    .expect("edit the toolchain file");
    assert_ends_as_plain(&case, &[define]);
}

/// `PATH` with `folder` first.
fn path_with(folder: &std::path::Path) -> OsString {
    let mut path = folder.as_os_str().to_os_string();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

/// `cc` on `PATH` is a script that runs `cur`, a symlink retargeted between two sessions
/// from the system's gcc to another gcc (here one that says it is version 13, so cmake picks
/// another archiver): the second session never takes the first one's probe.
#[test]
fn a_wrapper_whose_target_changed_gets_a_new_probe() {
    if !cmake_available("a_wrapper_whose_target_changed_gets_a_new_probe") {
        return;
    }
    let case = Case::new(
        "probe-retargeted",
        "cmake_minimum_required(VERSION 3.10)\nproject(p C)\n",
    );
    let tools = case.temp.join("tools");
    let current = tools.join("cur");
    write_script(
        &tools.join("bin/cc"),
        &format!("#!/bin/sh\nexec '{}' \"$@\"\n", current.display()),
    );
    let other = tools.join("gcc13");
    write_script(
        &other,
        "#!/bin/sh\nexec gcc -U__GNUC__ -D__GNUC__=13 \"$@\"\n",
    );
    let system = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v gcc"])
            .output()
            .expect("look gcc up")
            .stdout,
    )
    .expect("a UTF-8 path");
    let path = path_with(&tools.join("bin"));
    let env = clean_env(&[("PATH", Some(path.as_os_str()))]);
    for target in [OsStr::new(system.trim()), other.as_os_str()] {
        let _ = std::fs::remove_file(&current);
        std::os::unix::fs::symlink(target, &current).expect("point cur at a compiler");
        let event = case.jobdeck(&[], &env);
        assert_eq!(event["status"], "ok", "{event}");
        case.assert_same_as_plain(&[], &env);
        case.clear();
    }
}
