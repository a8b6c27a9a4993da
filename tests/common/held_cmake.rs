//! Projects whose jobs take as long as a test needs: a workspace of two projects and a
//! stand-in for cmake that holds some of them, for the tests of the headless progress line
//! (what the line shows while a job runs, in silence, needs a job that runs exactly until
//! the test lets it end); and a superbuild whose download waits out CMake's back-off.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Two projects, `a` and `b`, in a workspace in `dir`, and a stand-in for cmake that holds
/// the projects whose folder matches the shell pattern `held` until `release` exists,
/// printing nothing; returns the workspace and the stand-in.
pub fn two_projects(dir: &Path, release: &Path, held: &str) -> (PathBuf, PathBuf) {
    let ws = dir.join("ws");
    for name in ["a", "b"] {
        std::fs::create_dir_all(ws.join(name)).expect("project folder");
        std::fs::write(ws.join(name).join("CMakeLists.txt"), "project(x NONE)\n")
            .expect("write a project");
    }
    let cmake = dir.join("fake-cmake");
    std::fs::write(
        &cmake,
        format!(
            "#!/bin/sh\ncase \"$*\" in *'{ws}/'{held}*) \
             while [ ! -e '{release}' ]; do sleep 0.05; done ;; esac\n",
            ws = ws.display(),
            release = release.display()
        ),
    )
    .expect("write the script");
    std::fs::set_permissions(&cmake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (ws, cmake)
}

/// A superbuild at `project` whose one `ExternalProject` downloads from port 1 of this
/// machine, where nothing listens: curl's `couldn't connect`, which CMake's download step
/// tries six times, after 0, 5, 5, 15 and 60 s of back-off (85 s in all), printing each wait,
/// before it fails.
pub fn unreachable_superbuild(project: &Path) {
    std::fs::create_dir_all(project).expect("project folder");
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.16)\nproject(superbuild NONE)\n\
         include(ExternalProject)\n\
         ExternalProject_Add(dep URL http://127.0.0.1:1/dep.tar.gz\n\
         CONFIGURE_COMMAND \"\" BUILD_COMMAND \"\" INSTALL_COMMAND \"\")\n",
    )
    .expect("write the project");
}
