//! Exact or not at all, for what cmake reads that no file stamp shows (issue 31, items 2
//! and 3): a compiler behind an unchanged wrapper whose target changed, and what the ABI
//! detection and the compiler test read after the seed's check. Each case compares with
//! plain `cmake -S … -B … -DCMAKE_BUILD_TYPE=Debug` of a copy of the same project.

mod common;
mod probes_support;

use std::ffi::{OsStr, OsString};

use common::cmake_available;
use probes_support::case::{Case, clean_env, write_script};

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
