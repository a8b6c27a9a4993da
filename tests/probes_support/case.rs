//! One comparison of a jobdeck configure with plain cmake: a project `p` under
//! `<temp>/src`, jobdeck's build root `<temp>/jd`, plain cmake's folder `<temp>/plain`,
//! and a user cache folder of its own. What the configure used, the cache entry by entry
//! and the exit code must be plain cmake's (issue 20's and 31's "exact or not at all").

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{apply_env, arg, configures, entries, jobdeck_in, plain_cmake_with};
use crate::common::{Run, TempDir, run_command};

/// The line every test project ends with: what its configure used.
pub const REPORT: &str = "file(WRITE \"${CMAKE_BINARY_DIR}/used.txt\" \
    \"compiler=${CMAKE_C_COMPILER}\\nsystem=${CMAKE_SYSTEM_PROCESSOR} \
    cross=${CMAKE_CROSSCOMPILING}\\nCC=$ENV{CC}\\n\")\n";

/// A wrapper script around `cc`, at `path`.
pub fn write_wrapper(path: &Path) {
    write_script(path, "#!/bin/sh\nexec cc \"$@\"\n");
}

/// An executable shell script at `path` (its folder created).
pub fn write_script(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("create its folder");
    std::fs::write(path, text).expect("write the script");
    let mut mode = std::fs::metadata(path).expect("script").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(path, mode).expect("make the script executable");
}

/// The environment of a session: no `CC`/`CXX`, no search paths of cmake's own, unless the
/// test sets them.
pub fn clean_env<'a>(extra: &[(&'a str, Option<&'a OsStr>)]) -> Vec<(&'a str, Option<&'a OsStr>)> {
    let mut env: Vec<(&str, Option<&OsStr>)> = [
        "CC",
        "CXX",
        "CMAKE_PROGRAM_PATH",
        "CMAKE_PREFIX_PATH",
        "CMAKE_EXPORT_COMPILE_COMMANDS",
    ]
    .into_iter()
    .map(|name| (name, None))
    .collect();
    env.extend_from_slice(extra);
    env
}

/// One project compared with plain cmake.
pub struct Case {
    /// The folder that holds everything of the case.
    pub temp: TempDir,
}

impl Case {
    /// A C project whose `CMakeLists.txt` is `body` followed by [`REPORT`].
    pub fn new(label: &str, body: &str) -> Self {
        Self::with_sources(label, &format!("{body}{REPORT}"))
    }

    /// A project whose `CMakeLists.txt` is exactly `text` (with a `main.c` and a
    /// `main.cpp`).
    pub fn with_sources(label: &str, text: &str) -> Self {
        let temp = TempDir::new(label);
        std::fs::create_dir_all(temp.join("src/p")).expect("create the project folder");
        std::fs::write(temp.join("src/p/CMakeLists.txt"), text).expect("write CMakeLists.txt");
        std::fs::write(temp.join("src/p/main.c"), "int main(void) { return 0; }\n")
            .expect("write main.c");
        std::fs::write(temp.join("src/p/main.cpp"), "int main() { return 0; }\n")
            .expect("write main.cpp");
        Self { temp }
    }

    /// The project's folder.
    pub fn source(&self) -> PathBuf {
        self.temp.join("src/p")
    }

    /// jobdeck's build root.
    pub fn root(&self) -> PathBuf {
        self.temp.join("jd")
    }

    /// jobdeck's build folder of the project.
    pub fn ours(&self) -> PathBuf {
        self.root().join("p")
    }

    /// Plain cmake's build folder.
    pub fn plain(&self) -> PathBuf {
        self.temp.join("plain")
    }

    /// The user cache folder (`XDG_CACHE_HOME`) of this case's sessions, its own.
    pub fn cache(&self) -> PathBuf {
        self.temp.join("cache")
    }

    /// A jobdeck session over the project, to its end.
    pub fn session(&self, args: &[&str], env: &[(&str, Option<&OsStr>)]) -> Run {
        let mut command = jobdeck_in(&self.cache());
        command.args(["--json", "-B", arg(&self.root())]).args(args);
        command.arg(self.temp.join("src"));
        apply_env(&mut command, env);
        run_command(command)
    }

    /// A jobdeck session that must succeed; returns its configure's `finished` event.
    pub fn jobdeck(&self, args: &[&str], env: &[(&str, Option<&OsStr>)]) -> Value {
        let run = self.session(args, env);
        assert_eq!(run.code(), 0, "{run:?}");
        configures(&run.json())["p"].clone()
    }

    /// Removes both build folders, for another comparison of the same project.
    pub fn clear(&self) {
        for folder in [self.ours(), self.plain()] {
            match std::fs::remove_dir_all(&folder) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    panic!("{}: {err}", folder.display())
                }
                _ => {}
            }
        }
    }

    /// Plain cmake in [`Case::plain`] with the same options and environment; then asserts
    /// that jobdeck's folder holds the same cache and used the same toolchain.
    pub fn assert_same_as_plain(&self, extra: &[&str], env: &[(&str, Option<&OsStr>)]) {
        assert_eq!(
            plain_cmake_with(&self.source(), &self.plain(), extra, env),
            Some(0)
        );
        let used = |dir: &Path| std::fs::read_to_string(dir.join("used.txt")).expect("used.txt");
        assert_eq!(
            used(&self.ours()),
            used(&self.plain()),
            "what the configure used"
        );
        self.assert_same_files();
    }

    /// The cache entry by entry, and whether each of the files cmake may write beside it
    /// exists, are plain cmake's.
    pub fn assert_same_files(&self) {
        assert_eq!(entries(&self.ours()), entries(&self.plain()), "the cache");
        for file in ["compile_commands.json", "Makefile"] {
            assert_eq!(
                self.ours().join(file).exists(),
                self.plain().join(file).exists(),
                "{file}"
            );
        }
    }

    /// Plain cmake's exit code with the same options and environment.
    pub fn plain_code(&self, extra: &[&str], env: &[(&str, Option<&OsStr>)]) -> Option<i32> {
        plain_cmake_with(&self.source(), &self.plain(), extra, env)
    }
}
