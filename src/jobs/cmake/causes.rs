//! The families of CMake errors people group by hand: 24 projects missing a Fortran
//! compiler read as one cause, `No CMAKE_Fortran_COMPILER could be found`, whatever their
//! paths and versions.

/// What the first of the `failed` tests (see [`super::test_place::failed_tests`]) of the
/// ctest run logged in `log` said when it failed: the
/// first line of its output that says so (an assertion, `FAILED:`, an error), with the line
/// after it when it only introduces one (Catch2's `test.cpp:16: FAILED:` then
/// `REQUIRE( sum == 6 )`, `GoogleTest`'s `Failure` then `Expected equality…`); else `test
/// NAME failed`. A test stage's cause is this, not ctest's `3 of 6 tests failed: a, b, c`,
/// whose counts and names made every project its own cause. `None` when the log is not
/// ctest's console or names no failed test.
pub fn failed_test_message(log: &std::path::Path, failed: &[String]) -> Option<String> {
    let own = failed.iter().find_map(|name| {
        let lines: Vec<String> = super::test_place::test_output(log, name)?
            .map(|line| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .take(200)
            .collect();
        let at = lines.iter().position(|line| says_failed(line))?;
        let line = &lines[at];
        let introduces = line.ends_with(':') || line.ends_with("Failure");
        Some(match lines.get(at + 1).filter(|_| introduces) {
            Some(next) => format!("{line} {next}"),
            None => line.clone(),
        })
    });
    own.or_else(|| Some(format!("test {} failed", failed.first()?)))
}

/// Whether a line of a test's output reports its failure.
fn says_failed(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    ["fail", "error", "assert"]
        .iter()
        .any(|word| lower.contains(word))
}

/// The family of a CMake error `message` (no control characters in it), if it has one:
/// `Could NOT find Boost`, `No CMAKE_Fortran_COMPILER could be found`, `download failed`,
/// `syntax error`.
pub fn family(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if let Some(special) = missing_file_or_module(message, &lower) {
        return Some(special);
    }
    if let Some(at) = lower.find("could not find ") {
        let name: String = message[at + "could not find ".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))
            .collect();
        let name = name.trim_end_matches('.');
        if !name.is_empty() {
            return Some(format!("Could NOT find {name}"));
        }
    }
    if let Some(at) = message.find("No CMAKE_")
        && let Some(word) = message[at..].split_whitespace().nth(1)
        && lower.contains("could be found")
    {
        return Some(format!("No {word} could be found"));
    }
    if lower.contains("parse error") || lower.contains("syntax error") {
        return Some("syntax error".to_string());
    }
    let download =
        lower.contains("download") && (lower.contains("fail") || lower.contains("error"));
    if download || lower.contains("failed to clone") || lower.contains("git clone") {
        return Some("download failed".to_string());
    }
    None
}

/// The causes that a plain "could not find" would misname: a config-mode package (`Could
/// not find a package configuration file provided by "Eigen3"` is `Could NOT find Eigen3`),
/// a missing `include()` file (named by its file name, which is the same in every project:
/// `conanbuildinfo.cmake`), and pkg-config modules, whose names are what differs between
/// causes (`None of the required 'libzmq;lib0mq' found`).
fn missing_file_or_module(message: &str, lower: &str) -> Option<String> {
    if lower.contains("package configuration file")
        && let Some(at) = message.find("provided by \"")
    {
        let rest = &message[at + "provided by \"".len()..];
        let (name, _) = rest.split_once('"')?;
        return Some(format!("Could NOT find {name}"));
    }
    if let Some(at) = lower.find("include could not find") {
        let rest = message[at..]
            .split_once(':')
            .map_or("", |(_, rest)| rest.trim());
        let file = rest.split_whitespace().next().unwrap_or("");
        let name = file.rsplit('/').next().unwrap_or(file);
        return Some(
            format!("include could not find {name}")
                .trim_end()
                .to_string(),
        );
    }
    let pkg_config = lower.starts_with("none of the required '")
        || lower.starts_with("a required package was not found");
    if pkg_config {
        return Some(message.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::app::causes::signature;

    fn sig(message: &str) -> String {
        signature(super::super::KIND, message)
    }

    #[test]
    fn families_take_out_what_differs_between_projects() {
        let gsl = "Could NOT find GSL: (Required is at least version \"99\") (found \
                   GSL_INCLUDE_DIR-NOTFOUND)";
        assert_eq!(sig(gsl), "Could NOT find GSL");
        assert_eq!(
            sig("Could NOT find Boost (missing: filesystem system) (found version \"1.2\")"),
            "Could NOT find Boost"
        );
        assert_eq!(
            sig("No CMAKE_Fortran_COMPILER could be found.  Tell CMake where"),
            "No CMAKE_Fortran_COMPILER could be found"
        );
        assert_eq!(
            sig("Parse error.  Function missing ending \")\".  End of file reached."),
            "syntax error"
        );
        assert_eq!(
            sig("Each download failed! error: downloading 'https://x/y.tgz' failed"),
            "download failed"
        );
        assert_eq!(
            sig("CMake 99.0 or higher is required.  You are running version 3.25.1"),
            "CMake N or higher is required. You are running version N"
        );
        assert_eq!(
            sig("Cannot find source file: /src/p/does_not_exist.c Tried"),
            "Cannot find source file: <path> Tried"
        );
        assert_eq!(sig("timed out after 1 s (--timeout)"), "timed out");
        assert_eq!(
            sig(
                "Could not find a package configuration file provided by \"Eigen3\" with any \
                 of the following names: Eigen3Config.cmake"
            ),
            "Could NOT find Eigen3"
        );
        assert_eq!(
            sig("include could not find requested file: /b/p/conanbuildinfo.cmake"),
            "include could not find conanbuildinfo.cmake"
        );
        assert_eq!(
            sig("None of the required 'libzeromq;libzmq;lib0mq' found"),
            "None of the required 'libzeromq;libzmq;lib0mq' found"
        );
        assert_eq!(
            sig("'x' undeclared (first use in this function)"),
            "\"…\" undeclared (first use in this function)"
        );
    }
}
