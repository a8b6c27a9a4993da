//! Reading a failed stage's log back into a one-line summary of what went wrong.

use std::io::{BufRead, BufReader};
use std::path::Path;

/// Longest error summary, in characters.
const MAX_SUMMARY: usize = 300;

/// The log's lines, decoded lossily and trimmed at the end, without srun's own lines
/// (`srun: error: node: task 0: Exited with exit code 1`), which would otherwise pass for
/// the tool's first error.
pub(crate) fn lines(log: &Path) -> Option<impl Iterator<Item = String>> {
    Some(all_lines(log)?.filter(|line| !line.starts_with(SRUN_PREFIX)))
}

/// How srun starts each line it writes itself.
const SRUN_PREFIX: &str = "srun: ";

/// Longest line read back from a log, in bytes; the rest of a longer line is skipped. An
/// error summary is a few hundred characters, but a tool can print a line of hundreds of
/// megabytes (a flood with no newline): held whole, it would break the promise that memory
/// holds only a bounded tail of any output.
pub(super) const MAX_LINE_BYTES: usize = 4096;

fn all_lines(log: &Path) -> Option<impl Iterator<Item = String>> {
    let file = crate::sys::regular_file::open_to_read(log).ok()?;
    Some(BoundedLines {
        reader: BufReader::new(file),
    })
}

/// The lines of `reader`, each cut to [`MAX_LINE_BYTES`], decoded lossily and trimmed at the
/// end. Reading stops at the first error, as a failed read leaves nothing more to trust.
struct BoundedLines<R> {
    reader: R,
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let mut cut = false;
        let mut started = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
            };
            if buf.is_empty() {
                // The end of the log: its last line may have no newline.
                return started.then(|| decode(line, cut));
            }
            started = true;
            let (text, used, ended) = match memchr::memchr(b'\n', buf) {
                Some(at) => (&buf[..at], at + 1, true),
                None => (buf, buf.len(), false),
            };
            let room = MAX_LINE_BYTES - line.len();
            cut |= text.len() > room;
            line.extend_from_slice(&text[..text.len().min(room)]);
            self.reader.consume(used);
            if ended {
                return Some(decode(line, cut));
            }
        }
    }
}

/// `line` as text; a line that was `cut` may end in half a character, which is dropped.
/// Valid UTF-8, nearly every line, keeps its bytes: a flood's lines are not copied twice.
fn decode(line: Vec<u8>, cut: bool) -> String {
    let mut text = String::from_utf8(line)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
    if cut && text.ends_with('\u{fffd}') {
        text.pop();
    }
    text.truncate(text.trim_end().len());
    text
}

/// Why a launcher failed a job when the tool said nothing: the first error line the
/// launcher (named `program`) wrote itself, such as srun's `srun: error: Unable to allocate
/// resources: Invalid partition name specified`. srun's report of the task's own exit is
/// not a reason and is passed over.
pub fn first_launcher_error(log: &Path, program: &std::ffi::OsStr) -> Option<String> {
    let name = Path::new(program)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let prefix = format!("{name}: ");
    all_lines(log)?
        .find(|line| {
            line.starts_with(&prefix)
                && line.contains("error")
                && !line.contains(": task ")
                && !line.contains("Exited with exit code")
        })
        .map(|line| cut(format!("launcher {line}")))
}

fn cut(mut summary: String) -> String {
    if summary.chars().count() > MAX_SUMMARY {
        summary = summary.chars().take(MAX_SUMMARY - 1).collect::<String>() + "…";
    }
    summary
}

/// The first `CMake Error` diagnostic in a log, as one line: its header and the indented
/// message lines under it.
pub fn first_cmake_error(log: &Path) -> Option<String> {
    let mut lines = lines(log)?;
    let header = lines
        .by_ref()
        .find(|line| line.starts_with("CMake Error"))?;
    let mut summary = header.trim().to_string();
    // The message is every indented line up to the next unindented one; blank lines can
    // separate its paragraphs (e.g. `Cannot find source file:`, a blank line, the file name).
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            break;
        }
        summary.push(' ');
        summary.push_str(line.trim());
        if summary.chars().count() > MAX_SUMMARY {
            break;
        }
    }
    Some(cut(summary))
}

/// The first compiler or linker error of a build: `file.c:3:5: error: …`, else the linker's
/// own (`undefined reference to`, `/usr/bin/ld: cannot find -lfoo`), else a CMake error,
/// else what the failed command said before make's `*** [...] Error 1`, else that line.
///
/// The compiler driver's summary of a failed link (`collect2: error: ld returned 1 exit
/// status`) and make's lines are never taken while the log holds the error they report: as
/// a summary they say nothing, and as causes they would each be one of their own.
pub fn first_build_error(log: &Path) -> Option<String> {
    // Each kind of error is looked for in a pass of its own over the log, so that no more
    // than a line of it is held at once.
    let find = |test: &dyn Fn(&str) -> bool| lines(log)?.find(|line| test(line));
    find(&|l| is_compiler_error(l))
        .or_else(|| find(&is_linker_error))
        .or_else(|| first_cmake_error(log).map(|error| message_first(&error)))
        .or_else(|| before_make_error(log))
        .or_else(|| find(&|l| l.starts_with("error:") || is_link_summary(l)))
        .map(|line| cut(line.trim().to_string()))
}

/// A build's `CMake Error at /b/p/subprojects/Stamp/x/download-x.cmake:170 (message): Each
/// download failed! …` (a script make ran) as `Each download failed! … —
/// download-x.cmake:170 (message)`: the script is in the build folder, and its path took the
/// whole detail column at 80 columns (`CMake Error at /tmp/newuser3`), the message none.
fn message_first(error: &str) -> String {
    let Some(rest) = error.strip_prefix("CMake Error at ") else {
        return error.to_string();
    };
    let Some((place, message)) = rest.split_once("): ") else {
        return error.to_string();
    };
    let Some((path, command)) = place.rsplit_once(" (") else {
        return error.to_string();
    };
    let file = path.rsplit('/').next().unwrap_or(path);
    cut(format!("{} — {file} ({command})", message.trim()))
}

/// A compiler's `file:line:col: error: …`, not the driver's summary of a failed link.
fn is_compiler_error(line: &str) -> bool {
    (line.contains(": error:") || line.contains(": fatal error:")) && !is_link_summary(line)
}

/// The compiler driver's word that the linker failed, which the linker's own line precedes.
fn is_link_summary(line: &str) -> bool {
    line.contains("ld returned") || line.contains("linker command failed")
}

/// The linker's own error: `main.c:(.text+0x5): undefined reference to `f'`, `/usr/bin/ld:
/// cannot find -lfoo: No such file or directory`; not its `in function `main':` context.
pub fn is_linker_error(line: &str) -> bool {
    if line.contains("undefined reference to") || line.contains("multiple definition of") {
        return true;
    }
    let by_linker = line
        .split_whitespace()
        .next()
        .and_then(|word| word.strip_suffix(':'))
        .and_then(|program| Path::new(program).file_name())
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == "ld" || name.starts_with("ld."));
    by_linker && !line.contains("in function") && !line.trim_end().ends_with(':')
}

/// Make's report of a failed rule (`gmake[2]: *** [CMakeFiles/x.dir/build.make:74: gen.c]
/// Error 1`), read as what the rule's command printed last before it (`generator.py: error
/// reading spec.yaml`); make's line itself when the command printed nothing.
pub fn before_make_error(log: &Path) -> Option<String> {
    let mut said: Option<String> = None;
    // The first line is the command the runner ran; `jobdeck:` lines are the runner's too.
    for line in lines(log)?.skip(1) {
        if is_make_line(&line) {
            if line.contains("*** ") {
                return Some(said.unwrap_or(line));
            }
            continue;
        }
        let progress = line.starts_with('[') && line.contains("%]");
        // Another rule's progress, warnings and notes (make runs rules side by side) are not
        // why this one failed.
        let quiet = line.trim().is_empty()
            || line.starts_with("Scanning dependencies")
            || line.starts_with("jobdeck: ")
            || line.contains(": warning:")
            || line.contains(": note:");
        if !progress && !quiet {
            said = Some(line);
        }
    }
    None
}

/// Whether `line` is make's own (`make[1]: Entering directory`, `gmake: *** …`).
fn is_make_line(line: &str) -> bool {
    let Some((program, _)) = line.split_once(": ") else {
        return false;
    };
    let program = program.split('[').next().unwrap_or(program);
    let program = Path::new(program)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    matches!(program, "make" | "gmake" | "mingw32-make")
}

/// What failed in a test run: `1 of 2 tests failed: fails (Failed)`.
pub fn failed_tests(log: &Path) -> Option<String> {
    let tally = lines(log)?
        .find_map(|line| tally(&line))
        .map(|(failed, total)| format!("{failed} of {total} tests failed"));
    let names: Vec<String> = lines(log)?
        .skip_while(|line| !line.starts_with("The following tests FAILED"))
        .skip(1)
        .take_while(|line| line.starts_with(char::is_whitespace) && !line.trim().is_empty())
        .filter_map(|line| {
            line.split_once(" - ")
                .map(|(_, name)| name.trim().to_string())
        })
        .collect();
    let summary = match (tally, names.is_empty()) {
        (Some(tally), false) => format!("{tally}: {}", names.join(", ")),
        (Some(tally), true) => tally,
        (None, false) => format!("tests failed: {}", names.join(", ")),
        (None, true) => return lines(log)?.find(|l| l.contains("Error")).map(cut),
    };
    Some(cut(summary))
}

/// `error` with the `folder/` prefix of a path at its start removed:
/// `/src/p/main.c:3:1: error: …` becomes `main.c:3:1: error: …` for the folder `/src/p`.
pub fn relative_to(error: &str, folder: &Path) -> String {
    let prefix = format!("{}/", folder.display());
    error
        .strip_prefix(prefix.as_str())
        .unwrap_or(error)
        .to_string()
}

/// `(failed, total)` from ctest's `50% tests passed, 1 tests failed out of 2`, or from
/// `100% tests passed out of 3`, as ctest 4 says it when none failed.
fn tally(line: &str) -> Option<(u64, u64)> {
    if let Some((_, total)) = line.split_once("tests passed out of ") {
        return Some((0, total.trim().parse().ok()?));
    }
    let (_, rest) = line.split_once("tests passed, ")?;
    let (failed, rest) = rest.split_once(" tests failed out of ")?;
    Some((failed.trim().parse().ok()?, rest.trim().parse().ok()?))
}

/// The detail of a successful test run: `no tests`, or how many passed.
pub fn tests_passed(log: &Path) -> String {
    let mut total = None;
    for line in lines(log).into_iter().flatten() {
        if line.contains("No tests were found") {
            return "no tests".to_string();
        }
        total = total.or_else(|| tally(&line).map(|(_, total)| total));
    }
    match total {
        Some(1) => "1 test passed".to_string(),
        Some(total) => format!("{total} tests passed"),
        None => "tests passed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_log<T>(text: &str, read: impl FnOnce(&Path) -> T) -> T {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("jobdeck-summary-{}-{n}.log", std::process::id()));
        std::fs::write(&path, text).expect("write temp log");
        let result = read(&path);
        std::fs::remove_file(&path).expect("remove temp log");
        result
    }

    #[test]
    fn summary_joins_header_and_message_lines() {
        let log = "-- The C compiler\nCMake Error at CMakeLists.txt:3 (message):\n  \
                   p06: deliberate\n  failure\n\n\n-- Configuring incomplete\n";
        assert_eq!(
            with_log(log, first_cmake_error).as_deref(),
            Some("CMake Error at CMakeLists.txt:3 (message): p06: deliberate failure")
        );
    }

    #[test]
    fn summary_of_a_one_line_error() {
        let log = "CMake Error: The source directory \"/x\" does not exist.\nSpecify --help\n";
        assert_eq!(
            with_log(log, first_cmake_error).as_deref(),
            Some("CMake Error: The source directory \"/x\" does not exist.")
        );
    }

    #[test]
    fn no_error_gives_none() {
        assert_eq!(with_log("-- all good\n", first_cmake_error), None);
    }

    /// A download that failed in a superbuild's build (the cookbook's chapter 8, with no
    /// network): the message first, the script's file name after it.
    #[test]
    fn a_build_stages_cmake_error_says_its_message_first() {
        let log = "$ cmake --build /b/p\n[ 12%] Performing download step for 'fftw3_external'\n\
                   -- Retrying...\n\
                   CMake Error at /b/p/subprojects/Stamp/fftw3_external/download-fftw3_external.cmake:170 (message):\n\
                   \x20 Each download failed!\n\n\
                   \x20   error: downloading 'http://www.fftw.org/fftw-3.3.8.tar.gz' failed\n\
                   gmake[2]: *** [x] Error 1\n";
        let error = with_log(log, first_build_error).expect("an error");
        assert!(
            error.starts_with(
                "Each download failed! error: downloading 'http://www.fftw.org/fftw-3.3.8.tar.gz' \
                 failed"
            ),
            "{error}"
        );
        assert!(
            error.ends_with(" — download-fftw3_external.cmake:170 (message)"),
            "{error}"
        );
    }

    #[test]
    fn a_build_error_is_the_first_compiler_error() {
        let log = "[ 50%] Building C object\n/p/bad.c: In function 'main':\n\
                   /p/bad.c:1:24: error: 'x' undeclared\n/p/bad.c:1:25: error: expected ';'\n\
                   gmake[2]: *** [x] Error 1\n";
        assert_eq!(
            with_log(log, first_build_error).as_deref(),
            Some("/p/bad.c:1:24: error: 'x' undeclared")
        );
        let error = "/p/bad.c:1:24: error: 'x' undeclared";
        assert_eq!(
            relative_to(error, Path::new("/p")),
            "bad.c:1:24: error: 'x' undeclared"
        );
        assert_eq!(relative_to(error, Path::new("/q")), error, "another folder");
        assert_eq!(
            relative_to(error, Path::new("/p/bad")),
            error,
            "a folder is whole"
        );
    }

    #[test]
    fn a_build_error_is_the_real_error_never_makes_line_when_one_exists() {
        let link = "[100%] Linking C executable le\n\
                    /usr/bin/ld: cannot find -lnope: No such file or directory\n\
                    collect2: error: ld returned 1 exit status\n\
                    gmake[2]: *** [CMakeFiles/le.dir/build.make:97: le] Error 1\n\
                    gmake[1]: *** [CMakeFiles/Makefile2:83: CMakeFiles/le.dir/all] Error 2\n";
        assert_eq!(
            with_log(link, first_build_error).as_deref(),
            Some("/usr/bin/ld: cannot find -lnope: No such file or directory")
        );
        let undefined = "/usr/bin/ld: CMakeFiles/x.dir/main.c.o: in function `main':\n\
                         main.c:(.text+0x5): undefined reference to `f'\n\
                         collect2: error: ld returned 1 exit status\n\
                         gmake[2]: *** [x] Error 1\n";
        assert_eq!(
            with_log(undefined, first_build_error).as_deref(),
            Some("main.c:(.text+0x5): undefined reference to `f'")
        );
        let generator = "$ cmake --build /b\n[ 25%] Generating gen.c\ngenerator.py: error reading spec.yaml\n\
                         /p/other.c:3:5: warning: unused variable 'x'\n\
                         gmake[2]: *** [CMakeFiles/be.dir/build.make:74: gen.c] Error 3\n\
                         gmake[1]: *** [CMakeFiles/Makefile2:82: CMakeFiles/be.dir/all] Error 2\n";
        assert_eq!(
            with_log(generator, first_build_error).as_deref(),
            Some("generator.py: error reading spec.yaml")
        );
        let silent = "$ cmake --build /b\n[ 25%] Generating gen.c\n\
                      gmake[2]: *** [CMakeFiles/be.dir/build.make:74: gen.c] Error 1\njobdeck: exit 2\n";
        assert_eq!(
            with_log(silent, first_build_error).as_deref(),
            Some("gmake[2]: *** [CMakeFiles/be.dir/build.make:74: gen.c] Error 1"),
            "make's line when nothing better was said"
        );
    }

    #[test]
    fn sruns_own_lines_are_never_the_error() {
        // srun's relay can write its line before the task's last output reaches the log.
        let log = "[ 50%] Building C object\nsrun: error: node1: task 0: Exited with exit code \
                   2\n/p/bad.c:1:24: error: 'x' undeclared\n";
        assert_eq!(
            with_log(log, first_build_error).as_deref(),
            Some("/p/bad.c:1:24: error: 'x' undeclared")
        );
        let refused = "srun: error: Unable to allocate resources: Invalid partition name \
                       specified\nsrun: error: node1: task 0: Exited with exit code 1\n";
        assert_eq!(with_log(refused, first_build_error), None);
        assert_eq!(
            with_log(refused, |log| first_launcher_error(
                log,
                std::ffi::OsStr::new("/usr/bin/srun")
            ))
            .as_deref(),
            Some(
                "launcher srun: error: Unable to allocate resources: Invalid partition name \
                 specified"
            )
        );
    }

    #[test]
    fn a_huge_line_is_cut_and_the_lines_after_it_are_read() {
        // 1 MB without a newline, a multi-byte character across the cut, then the error.
        let huge = "a".repeat(MAX_LINE_BYTES - 1) + "é" + &"b".repeat(1 << 20);
        let log = format!("{huge}\nCMake Error at CMakeLists.txt:3 (message):\n  after\n{huge}");
        let read: Vec<String> = with_log(&log, |log| lines(log).expect("lines").collect());
        assert_eq!(read.len(), 4);
        assert_eq!(
            read[0],
            "a".repeat(MAX_LINE_BYTES - 1),
            "cut whole characters"
        );
        assert_eq!(read[3], read[0], "a last line without a newline is cut too");
        assert_eq!(
            with_log(&log, first_cmake_error).as_deref(),
            Some("CMake Error at CMakeLists.txt:3 (message): after")
        );
    }

    #[test]
    fn failed_tests_are_counted_and_named() {
        let log = "50% tests passed, 1 tests failed out of 2\n\nThe following tests FAILED:\n\
                   \t  2 - fails (Failed)\nErrors while running CTest\n";
        assert_eq!(
            with_log(log, failed_tests).as_deref(),
            Some("1 of 2 tests failed: fails (Failed)")
        );
        assert_eq!(
            with_log("100% tests passed, 0 tests failed out of 3\n", tests_passed),
            "3 tests passed"
        );
        // ctest 4 leaves the count of failures out when there is none.
        assert_eq!(
            with_log("100% tests passed out of 1\n", tests_passed),
            "1 test passed"
        );
        assert_eq!(
            with_log("Test project /b\nNo tests were found!!!\n", tests_passed),
            "no tests"
        );
    }
}
