//! Reading a failed configure's first CMake error as a message plus the project's own frame.
//!
//! cmake names the place an error was raised, which for `find_package` and most other
//! failures is one of its own modules (`/usr/share/cmake-3.25/Modules/FindPackage…`): of no
//! use to someone who wants to fix their project. The call stack under the message names the
//! project's line that led there, so the summary leads with the message and points at the
//! first frame inside the project: `Could NOT find Boost (…) — CMakeLists.txt:8 (find_package)`.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::engine::Diagnosis;

/// Longest message kept, in characters.
const MAX_MESSAGE: usize = 280;

/// The first `CMake Error` of a log, read against the project's folder: its summary line and
/// where in the project it points.
pub fn first_cmake_diagnosis(
    lines: impl Iterator<Item = String>,
    source: &Path,
    build_dir: &Path,
) -> Option<(String, Diagnosis)> {
    // pkg-config's `pkg_check_modules` names the modules it missed only in the status lines
    // before its error (`--   Package 'zmq', required by 'virtual:world', not found`).
    let mut missing_modules = Vec::new();
    let mut lines = lines.skip_while(|line| {
        if let Some(module) = missing_pkg_config_module(line) {
            missing_modules.push(module.to_string());
        }
        !line.starts_with("CMake Error")
    });
    let header = lines.next()?;
    let header = header.trim_end();
    let mut frames = Vec::new();
    // `CMake Error at <file>:<line> (<command>):`, `CMake Error at <file>:<line>:`,
    // `CMake Error in <file>:`, or `CMake Error: <message>`.
    let mut message = String::new();
    if let Some(rest) = header
        .strip_prefix("CMake Error at ")
        .or_else(|| header.strip_prefix("CMake Error in "))
    {
        let place = rest.strip_suffix(':').unwrap_or(rest);
        frames.push(place.to_string());
    } else if let Some((_, text)) = header.split_once(':') {
        message.push_str(text.trim());
    }
    let mut in_stack = false;
    for line in lines {
        if line.trim().is_empty() {
            if in_stack {
                break;
            }
            continue;
        }
        if !line.starts_with(' ') {
            if line.starts_with("Call Stack") {
                in_stack = true;
                continue;
            }
            break;
        }
        if in_stack {
            frames.push(line.trim().to_string());
        } else if message.chars().count() < MAX_MESSAGE {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(line.trim());
        }
    }
    if message == PKG_CHECK_FAILED && !missing_modules.is_empty() {
        let _ = write!(message, ": '{}'", missing_modules.join(";"));
    }
    if message.chars().count() > MAX_MESSAGE {
        message = message.chars().take(MAX_MESSAGE - 1).collect::<String>() + "…";
    }
    let own = own_frame(&frames, source, build_dir);
    let summary = match &own {
        Some(frame) => format!("{message} — {}", frame.text),
        None => message.clone(),
    };
    let diagnosis = Diagnosis {
        message,
        file: own.as_ref().map(|frame| frame.file.clone()),
        line: own.and_then(|frame| frame.line),
    };
    Some((summary, diagnosis))
}

/// What `pkg_check_modules` says when a module is missing; the names are elsewhere.
const PKG_CHECK_FAILED: &str = "A required package was not found";

/// The module named by pkg-config's status line for a module it did not find: `--   No
/// package 'x' found` (pkg-config) or `--   Package 'x', required by 'virtual:world', not
/// found` (pkgconf).
fn missing_pkg_config_module(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("--")?.trim_start();
    let rest = rest
        .strip_prefix("No package '")
        .or_else(|| rest.strip_prefix("Package '"))?;
    let (module, tail) = rest.split_once('\'')?;
    (tail.ends_with("not found") || tail.ends_with(" found")).then_some(module)
}

/// The frame of the call stack to point at: the first in the project, unless it lies in one
/// of the project's own find modules (`cmake/FindSphinx.cmake`, which failed in
/// `find_package_handle_standard_args`): then the project's `find_package` call that loaded
/// it, further down the stack, is what to fix.
fn own_frame(frames: &[String], source: &Path, build_dir: &Path) -> Option<Frame> {
    let mut own = frames
        .iter()
        .filter_map(|frame| project_frame(frame, source, build_dir));
    let first = own.next()?;
    if !is_find_module(&first.file) {
        return Some(first);
    }
    Some(
        own.find(|frame| !is_find_module(&frame.file))
            .unwrap_or(first),
    )
}

/// Whether `file` is a find module: `Find<Package>.cmake`.
fn is_find_module(file: &str) -> bool {
    Path::new(file)
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            name.starts_with("Find")
                && Path::new(name)
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("cmake"))
        })
}

/// A frame of the call stack that lies in the project.
struct Frame {
    /// `CMakeLists.txt:8 (find_package)`, with the file relative to the project.
    text: String,
    /// The file, relative to the project's folder.
    file: String,
    /// Its line, where the frame has one.
    line: Option<u32>,
}

/// `frame` (`<file>:<line> (<command>)`) if its file is the project's: a relative path
/// (cmake writes the project's files relative to its folder) or an absolute one under the
/// folder but not under the build folder (`FetchContent`'s sub-builds live there).
fn project_frame(frame: &str, source: &Path, build_dir: &Path) -> Option<Frame> {
    let (place, command) = match frame.rsplit_once(" (") {
        Some((place, command)) if command.ends_with(')') => (place, Some(command)),
        _ => (frame, None),
    };
    let (file, line) = match place.rsplit_once(':') {
        Some((file, line)) if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) => {
            (file, line.parse().ok())
        }
        _ => (place, None),
    };
    let path = Path::new(file);
    let relative = if path.is_absolute() {
        if path.starts_with(build_dir) {
            return None;
        }
        path.strip_prefix(source)
            .ok()?
            .to_string_lossy()
            .into_owned()
    } else {
        file.to_string()
    };
    if relative.is_empty() {
        return None;
    }
    let mut text = relative.clone();
    if let Some(line) = line {
        let _ = write!(text, ":{line}");
    }
    if let Some(command) = command {
        let _ = write!(text, " ({command}");
    }
    Some(Frame {
        text,
        file: relative,
        line,
    })
}

/// Where a compiler error points: `main.c:3:5: error: …` (already relative to the project)
/// gives `main.c` and 3; a path outside the project gives nothing.
pub fn compiler_error_place(error: &str) -> Option<Diagnosis> {
    let (place, message) = error
        .split_once(": error: ")
        .or_else(|| error.split_once(": fatal error: "))?;
    let mut parts = place.split(':');
    let file = parts.next()?;
    let line: u32 = parts.next()?.parse().ok()?;
    if file.is_empty() || Path::new(file).is_absolute() {
        return None;
    }
    Some(Diagnosis {
        message: message.to_string(),
        file: Some(file.to_string()),
        line: Some(line),
    })
}

/// Where a failed test's first failure points in the project, from the test's own output:
/// a line that marks a failure (`Catch2`'s `unit_tests.cpp:16: FAILED:`, `GoogleTest`'s
/// `math_test.cpp:14: Failure`, an `assert`'s `main.c:5: main: Assertion … failed`, a
/// compiler-style `file:line: error`, a `CMake Error at CMakeLists.txt:11`) first, else any
/// `file:line` of the project. A relative path is looked for in each of `bases` in turn (the
/// folder a cmake run by the test configured, the test's working folder, the project's
/// folder): the first holding the file names it. Only a file that is in the project (not its
/// build folder) counts, named from the project's folder.
///
/// `lines` is the output, read once, line by line, so that no more than a line of it is held.
pub fn first_test_failure_place(
    lines: impl Iterator<Item = String>,
    project: &ProjectFolders<'_>,
    bases: &[PathBuf],
) -> Option<(String, u32)> {
    // A place is a word `file:line`: a line without a colon holds none.
    let place = |line: &str| {
        line.contains(':')
            .then(|| {
                line.split_whitespace()
                    .find_map(|word| project_place(word, project, bases))
            })
            .flatten()
    };
    // One pass, as a flood's output is long: the first marked line's place, else the first
    // place of any line.
    let mut first = None;
    for line in lines {
        let marked = FAILURE_MARKS.iter().any(|mark| line.contains(mark));
        if (marked || first.is_none())
            && let Some(found) = place(&line)
        {
            if marked {
                return Some(found);
            }
            first = Some(found);
        }
    }
    first
}

/// A project's folder and its build folder: what a place must be in, and must not be in.
#[derive(Debug, Clone, Copy)]
pub struct ProjectFolders<'a> {
    /// The project's folder (`-S`).
    pub source: &'a Path,
    /// Its build folder, whose files are cmake's, not the project's.
    pub build_dir: &'a Path,
}

/// Words that mark a line of test output as a failure's report.
const FAILURE_MARKS: [&str; 7] = [
    ": FAILED",
    ": Failure",
    ": error",
    ": fatal error",
    "Assertion",
    ": failed",
    "CMake Error",
];

/// `word` (`/src/p/test.cpp:16:`, `test.cpp:16`) as a file of the project and its line.
fn project_place(
    word: &str,
    project: &ProjectFolders<'_>,
    bases: &[PathBuf],
) -> Option<(String, u32)> {
    let word = word.trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '(' | ')' | '[' | ']'));
    let mut parts = word.split(':');
    let file = parts.next()?;
    let line: u32 = parts.next()?.parse().ok()?;
    if file.is_empty() || line == 0 {
        return None;
    }
    let source = normal(project.source);
    let build_dir = normal(project.build_dir);
    bases.iter().find_map(|base| {
        let path = normal(&base.join(file));
        if path.starts_with(&build_dir) {
            return None;
        }
        let relative = path.strip_prefix(&source).ok()?;
        if relative.as_os_str().is_empty() || !path.is_file() {
            return None;
        }
        Some((relative.to_string_lossy().into_owned(), line))
    })
}

/// `path` with its `.` and `..` folded away, without asking the file system (a symlinked
/// folder stays as it was named): `/b/p/tests/../../src/x.c` is `/b/src/x.c`.
pub fn normal(path: &Path) -> PathBuf {
    let mut folded = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !folded.pop() {
                    folded.push(part);
                }
            }
            _ => folded.push(part),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnose(log: &str) -> Option<(String, Diagnosis)> {
        first_cmake_diagnosis(
            log.lines().map(str::to_string),
            Path::new("/src/p"),
            Path::new("/src/p/build"),
        )
    }

    #[test]
    fn a_find_module_error_points_at_the_projects_frame() {
        let log = [
            "-- Configuring",
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 (message):",
            "  Could NOT find GSL: (Required is at least version \"2.0\") (found",
            "  GSL_INCLUDE_DIR-NOTFOUND)",
            "Call Stack (most recent call first):",
            "  /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:598 (_FPHSA_FAILURE_MESSAGE)",
            "  /usr/share/cmake-3.25/Modules/FindGSL.cmake:151 (find_package_handle_standard_args)",
            "  CMakeLists.txt:5 (find_package)",
            "",
            "",
            "-- Configuring incomplete, errors occurred!",
        ]
        .join("\n");
        let log = log.as_str();
        let (summary, diagnosis) = diagnose(log).expect("an error");
        assert_eq!(
            summary,
            "Could NOT find GSL: (Required is at least version \"2.0\") (found \
             GSL_INCLUDE_DIR-NOTFOUND) — CMakeLists.txt:5 (find_package)"
        );
        assert_eq!(diagnosis.file.as_deref(), Some("CMakeLists.txt"));
        assert_eq!(diagnosis.line, Some(5));
    }

    #[test]
    fn a_fatal_error_in_the_project_is_its_own_frame() {
        let log = "CMake Error at child/CMakeLists.txt:3 (message):\n  p06: deliberate\n  failure\n\n\n-- x\n";
        let (summary, diagnosis) = diagnose(log).expect("an error");
        assert_eq!(
            summary,
            "p06: deliberate failure — child/CMakeLists.txt:3 (message)"
        );
        assert_eq!(diagnosis.file.as_deref(), Some("child/CMakeLists.txt"));
        assert_eq!(diagnosis.line, Some(3));
    }

    #[test]
    fn parse_errors_and_absolute_project_paths() {
        let (summary, diagnosis) =
            diagnose("CMake Error at /src/p/CMakeLists.txt:3:\n  Parse error.  Function missing\n")
                .expect("an error");
        assert_eq!(summary, "Parse error.  Function missing — CMakeLists.txt:3");
        assert_eq!(diagnosis.line, Some(3));
    }

    #[test]
    fn an_error_with_no_frame_in_the_project_has_no_place() {
        let (summary, diagnosis) =
            diagnose("CMake Error: Could not create named generator Nope\n\nGenerators\n")
                .expect("an error");
        assert_eq!(summary, "Could not create named generator Nope");
        assert_eq!(diagnosis.file, None);
        assert_eq!(diagnosis.line, None);
        let (_, diagnosis) =
            diagnose("CMake Error at /src/p/build/_deps/x.cmake:4 (message):\n  download failed\n")
                .expect("an error");
        assert_eq!(
            diagnosis.file, None,
            "the build folder is not the project's"
        );
        assert_eq!(diagnose("-- fine\n"), None);
    }

    #[test]
    fn pkg_check_modules_names_the_modules_it_missed() {
        let log = "-- Checking for modules 'zmq>=1.0;0mq'\n\
                   --   Package 'zmq', required by 'virtual:world', not found\n\
                   --   No package '0mq' found\n\
                   CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:607 (message):\n\
                   \x20 A required package was not found\n\
                   Call Stack (most recent call first):\n\
                   \x20 CMakeLists.txt:4 (pkg_check_modules)\n\n";
        let (_, diagnosis) = diagnose(log).expect("an error");
        assert_eq!(
            diagnosis.message,
            "A required package was not found: 'zmq;0mq'"
        );
        assert_eq!(diagnosis.line, Some(4));
    }

    #[test]
    fn compiler_errors_name_their_file_and_line() {
        let place = compiler_error_place("bad.c:1:24: error: 'x' undeclared").expect("a place");
        assert_eq!(
            (place.file.as_deref(), place.line),
            (Some("bad.c"), Some(1))
        );
        assert_eq!(
            compiler_error_place("/usr/include/x.h:1:2: error: no"),
            None
        );
    }
}
