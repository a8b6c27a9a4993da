//! Where a failed test run points: in the output of its first failed test, read against the
//! folders that test ran in, never against the project's own top folder alone.
//!
//! A test that configures a consumer of the project (`cmake -S tests/use_target …`, as the
//! cmake-cookbook's packaging recipes do) fails with `CMake Error at CMakeLists.txt:11`,
//! relative to the folder it configured; a `cmake -P` script or a program run in its
//! `WORKING_DIRECTORY` names files relative to that folder. ctest's console gives each failed
//! test's output after its result line; the build folder's `CTestTestfile.cmake` files give
//! its command and working folder.

use std::path::{Path, PathBuf};

use crate::jobs::diagnostics::{ProjectFolders, first_test_failure_place, normal};
use crate::jobs::summaries;

/// Failed tests looked at for a place, at most: their outputs are read one at a time.
const MAX_TESTS: usize = 16;

/// `CTestTestfile.cmake` files read, at most (one per folder with tests; `subdirs` loops).
const MAX_TEST_FILES: usize = 512;

/// The failed tests ctest's console in `log` reports, the first [`MAX_TESTS`] of them, in
/// its order; `None` when the log cannot be read. Read once for both the place and the
/// message, as a flood's log is long.
pub fn failed_tests(log: &Path) -> Option<Vec<String>> {
    Some(
        summaries::lines(log)?
            .filter_map(|line| result_line(&line).filter(|(_, failed)| *failed))
            .map(|(name, _)| name)
            .take(MAX_TESTS)
            .collect(),
    )
}

/// Where the first of the `failed` tests (see [`failed_tests`]) of the ctest run logged in
/// `log` points in `project`: a file relative to the project's folder and its line.
pub fn failed_test_place(
    log: &Path,
    failed: &[String],
    project: &ProjectFolders<'_>,
) -> Option<(String, u32)> {
    if failed.is_empty() {
        // Not ctest's console as this module knows it: the whole log, against the project.
        let bases = [
            project.source.to_path_buf(),
            project.build_dir.to_path_buf(),
        ];
        return first_test_failure_place(summaries::lines(log)?, project, &bases);
    }
    failed.iter().find_map(|name| {
        let bases = bases(project, definition(project.build_dir, name).as_ref());
        first_test_failure_place(test_output(log, name)?, project, &bases)
    })
}

/// The folders a relative path in a test's output may be relative to, most specific first.
fn bases(project: &ProjectFolders<'_>, test: Option<&TestDefinition>) -> Vec<PathBuf> {
    let mut bases = Vec::new();
    if let Some(test) = test {
        bases.extend(test.configured_folder());
        bases.push(test.working_dir.clone());
    }
    bases.push(project.source.to_path_buf());
    // Ninja names sources relative to the top build folder (`../p/test.c`).
    bases.push(project.build_dir.to_path_buf());
    bases
}

/// What ctest printed after the result line of the test `name`, up to the next test.
pub(super) fn test_output(log: &Path, name: &str) -> Option<impl Iterator<Item = String>> {
    let name = name.to_string();
    Some(
        summaries::lines(log)?
            .skip_while(move |line| result_line(line).is_none_or(|(test, _)| test != name))
            .skip(1)
            .take_while(|line| !is_boundary(line)),
    )
}

/// `(name, failed)` from ctest's result line `1/2 Test #1: name ....***Failed  0.42 sec`;
/// a test counts as failed as ctest counts it: not when it passed, was skipped
/// (`SKIP_RETURN_CODE`) or is disabled.
pub(super) fn result_line(line: &str) -> Option<(String, bool)> {
    // Every line of a flooding test's output comes here: most go at one byte search.
    if !line.contains('#') {
        return None;
    }
    let rest = line.trim_start();
    let (count, rest) = rest.split_once(' ')?;
    let (done, total) = count.split_once('/')?;
    if !done.bytes().all(|b| b.is_ascii_digit()) || !total.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = rest.trim_start().strip_prefix("Test")?.trim_start();
    let rest = rest.strip_prefix('#')?;
    let (_, rest) = rest.split_once(": ")?;
    let (name, failed) = if let Some((name, status)) = rest.split_once("***") {
        (
            name,
            !status.starts_with("Skipped") && !status.contains("(Disabled)"),
        )
    } else {
        (&rest[..rest.rfind(" Passed")?], false)
    };
    let name = name.trim_end().trim_end_matches('.').trim_end();
    (!name.is_empty()).then(|| (name.to_string(), failed))
}

/// Whether `line` ends a test's output in ctest's console: the next test's start or result,
/// or the tally.
fn is_boundary(line: &str) -> bool {
    let trimmed = line.trim_start();
    let starts_next = trimmed
        .strip_prefix("Start ")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(n, _)| !n.is_empty() && n.trim().bytes().all(|b| b.is_ascii_digit()));
    starts_next || result_line(line).is_some() || line.contains("% tests passed")
}

/// A test as the build folder's `CTestTestfile.cmake` defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TestDefinition {
    /// Its command line, the program first.
    command: Vec<String>,
    /// The folder it runs in: its `WORKING_DIRECTORY`, else the build folder of the
    /// `CMakeLists.txt` that added it.
    working_dir: PathBuf,
}

impl TestDefinition {
    /// The source folder of the configure this test runs, when it is `cmake -S <dir>` (or
    /// `-H<dir>`): cmake names that project's files relative to it.
    fn configured_folder(&self) -> Option<PathBuf> {
        let program = Path::new(self.command.first()?).file_name()?.to_str()?;
        if !program.starts_with("cmake") {
            return None;
        }
        let mut args = self.command.iter().skip(1);
        while let Some(arg) = args.next() {
            let folder = match arg.as_str() {
                "-S" => args.next().cloned(),
                _ => arg
                    .strip_prefix("-S")
                    .or_else(|| arg.strip_prefix("-H"))
                    .filter(|rest| !rest.is_empty())
                    .map(str::to_string),
            };
            if let Some(folder) = folder {
                return Some(normal(&self.working_dir.join(folder)));
            }
        }
        None
    }
}

/// The test `name` as the `CTestTestfile.cmake` files under `build_dir` define it.
fn definition(build_dir: &Path, name: &str) -> Option<TestDefinition> {
    let mut folders = vec![build_dir.to_path_buf()];
    let mut read = 0;
    while let Some(folder) = folders.pop() {
        read += 1;
        if read > MAX_TEST_FILES {
            return None;
        }
        let Ok(text) = std::fs::read_to_string(folder.join("CTestTestfile.cmake")) else {
            continue;
        };
        let mut command = None;
        let mut working_dir = None;
        let mut children = Vec::new();
        for (call, args) in calls(&text) {
            match call.to_ascii_lowercase().as_str() {
                "add_test" if args.first().map(String::as_str) == Some(name) => {
                    let line: Vec<String> = args[1..].to_vec();
                    if command.is_none() && line.first().is_some_and(|p| p != "NOT_AVAILABLE") {
                        command = Some(line);
                    }
                }
                "set_tests_properties" if args.first().map(String::as_str) == Some(name) => {
                    if let Some(at) = args.iter().position(|a| a == "WORKING_DIRECTORY") {
                        working_dir = args.get(at + 1).map(PathBuf::from);
                    }
                }
                "subdirs" => children.extend(args.iter().map(|child| folder.join(child))),
                _ => {}
            }
        }
        if let Some(command) = command {
            return Some(TestDefinition {
                command,
                working_dir: working_dir.unwrap_or(folder),
            });
        }
        // Depth first, in the order ctest runs them.
        folders.extend(children.into_iter().rev());
    }
    None
}

/// The command calls of a CMake file, each with its arguments unquoted: enough of the
/// language for what cmake writes into `CTestTestfile.cmake` (quoted and bracket arguments,
/// comments).
fn calls(text: &str) -> Vec<(String, Vec<String>)> {
    let mut calls = Vec::new();
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                word.clear();
            }
            '(' if !word.is_empty() => {
                let name = std::mem::take(&mut word);
                calls.push((name, arguments(&mut chars)));
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => word.clear(),
        }
    }
    calls
}

/// The arguments of a call, up to its closing parenthesis.
fn arguments(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Vec<String> {
    let mut args = Vec::new();
    let mut depth = 0_usize;
    while let Some(&c) = chars.peek() {
        match c {
            ')' if depth == 0 => {
                chars.next();
                break;
            }
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' => {
                chars.next();
                let mut arg = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => arg.push('\n'),
                            Some('t') => arg.push('\t'),
                            Some(other) => arg.push(other),
                            None => break,
                        },
                        c => arg.push(c),
                    }
                }
                args.push(arg);
            }
            '[' => args.push(bracket(chars).unwrap_or_default()),
            _ => {
                let mut arg = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || (c == ')' && depth == 0) {
                        break;
                    }
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    arg.push(c);
                    chars.next();
                }
                args.push(arg);
            }
        }
    }
    args
}

/// A bracket argument, `[==[text]==]`, from its first `[`.
fn bracket(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    chars.next();
    let mut level = 0;
    while chars.peek() == Some(&'=') {
        chars.next();
        level += 1;
    }
    if chars.next() != Some('[') {
        return None;
    }
    let close = format!("]{}]", "=".repeat(level));
    let mut text = String::new();
    for c in chars.by_ref() {
        text.push(c);
        if text.ends_with(&close) {
            text.truncate(text.len() - close.len());
            return Some(text);
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_give_the_name_and_whether_ctest_counts_it_failed() {
        let line = "1/2 Test #1: use-target_configure .............***Failed    0.42 sec";
        assert_eq!(
            result_line(line),
            Some(("use-target_configure".to_string(), true))
        );
        assert_eq!(
            result_line(" 6/17 Test  #6: a.b ...   Passed    0.00 sec"),
            Some(("a.b".to_string(), false))
        );
        assert_eq!(
            result_line("2/7 Test #2: needs1 ......***Not Run   0.00 sec"),
            Some(("needs1".to_string(), true))
        );
        assert_eq!(
            result_line("4/7 Test #4: skips .......***Skipped   0.00 sec"),
            Some(("skips".to_string(), false))
        );
        assert_eq!(
            result_line("5/7 Test #5: off .........***Not Run (Disabled)   0.00 sec"),
            Some(("off".to_string(), false))
        );
        assert_eq!(
            result_line("50% tests passed, 1 tests failed out of 2"),
            None
        );
        assert_eq!(result_line("main.c:3: 1/2 Test #"), None);
    }

    #[test]
    fn a_scripts_relative_path_is_read_against_the_tests_working_folder() {
        let root = std::env::temp_dir().join(format!("jobdeck-test-place-{}", std::process::id()));
        let (source, build) = (root.join("src"), root.join("build"));
        let write = |path: PathBuf, text: &str| {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(source.join("CMakeLists.txt"), "# 1\n# 2\n# 3\n");
        write(
            source.join("data/check.cmake"),
            "# 1\n# 2\nmessage(FATAL_ERROR x)\n",
        );
        write(build.join("CTestTestfile.cmake"), "subdirs(\"tests\")\n");
        write(
            build.join("tests/CTestTestfile.cmake"),
            &format!(
                "add_test(passes \"/bin/true\")\n\
                 add_test(script \"/usr/bin/cmake\" \"-P\" \"check.cmake\")\n\
                 set_tests_properties(script PROPERTIES WORKING_DIRECTORY \"{}\")\n",
                source.join("data").display()
            ),
        );
        let log = root.join("test.log");
        write(
            log.clone(),
            "$ ctest --test-dir /b --output-on-failure\n    Start 1: passes\n\
             1/2 Test #1: passes ...........   Passed    0.00 sec\n    Start 2: script\n\
             2/2 Test #2: script ...........***Failed    0.01 sec\n\
             CMake Error at check.cmake:3 (message):\n  x\n\n\n\
             50% tests passed, 1 tests failed out of 2\n",
        );
        let project = ProjectFolders {
            source: &source,
            build_dir: &build,
        };
        let failed = failed_tests(&log).expect("the log is read");
        let place = failed_test_place(&log, &failed, &project);
        std::fs::remove_dir_all(&root).expect("clean up");
        assert_eq!(place, Some(("data/check.cmake".to_string(), 3)));
    }

    #[test]
    fn a_tests_command_and_folder_come_from_the_ctest_testfiles() {
        let text = "# CMake generated Testfile for\n\
            add_test(use-target_configure \"/usr/bin/cmake\" \"-H/s/p/tests/use_target\" \
            \"-B/b/p/tests/build\" \"-GUnix Makefiles\")\n\
            set_tests_properties(use-target_configure PROPERTIES  FIXTURES_SETUP \"use-target\" \
            _BACKTRACE_TRIPLES \"/s/p/tests/CMakeLists.txt;1;add_test;/s/p/tests/CMakeLists.txt;0;\")\n\
            add_test([=[a (b)]=] \"/b/p/t\" \"x y\")\n\
            set_tests_properties([=[a (b)]=] PROPERTIES  WORKING_DIRECTORY \"/s/p/data\")\n\
            subdirs(\"src\")\n";
        let found = calls(text);
        assert_eq!(found[0].0, "add_test");
        assert_eq!(
            found[0].1,
            [
                "use-target_configure",
                "/usr/bin/cmake",
                "-H/s/p/tests/use_target",
                "-B/b/p/tests/build",
                "-GUnix Makefiles"
            ]
        );
        assert_eq!(found[2].1, ["a (b)", "/b/p/t", "x y"]);
        assert_eq!(found[4], ("subdirs".to_string(), vec!["src".to_string()]));
        let configure = TestDefinition {
            command: found[0].1[1..].to_vec(),
            working_dir: PathBuf::from("/b/p/tests"),
        };
        assert_eq!(
            configure.configured_folder(),
            Some(PathBuf::from("/s/p/tests/use_target"))
        );
        let relative = TestDefinition {
            command: vec!["cmake3".into(), "-S".into(), "../x".into()],
            working_dir: PathBuf::from("/b/p/tests"),
        };
        assert_eq!(relative.configured_folder(), Some(PathBuf::from("/b/p/x")));
    }
}
