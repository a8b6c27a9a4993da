//! The CMake configure job: the command line, running it, and reading its first error.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::engine::{Outcome, Report, RunCtx, process};

use super::log_files;

/// Settings shared by every configure of one jobdeck run.
#[derive(Debug, Clone)]
pub struct CmakeSettings {
    /// The cmake program (`--cmake`, default `cmake` on PATH).
    pub program: OsString,
    /// `-G` generator, if any.
    pub generator: Option<String>,
    /// `-D VAR=VALUE` definitions, in order.
    pub defines: Vec<String>,
    /// `CMAKE_BUILD_TYPE` (`--build-type`, default `Debug`).
    pub build_type: String,
}

/// One project to configure.
#[derive(Debug, Clone)]
pub struct CmakeJob {
    /// The project folder (`-S`).
    pub source: PathBuf,
    /// Its build folder (`-B`), `<build-root>/<name>`.
    pub build_dir: PathBuf,
    /// Where this job's log goes.
    pub log: PathBuf,
}

impl CmakeJob {
    /// The full command line.
    pub fn command(&self, settings: &CmakeSettings) -> Command {
        let mut command = Command::new(&settings.program);
        command
            .arg("-S")
            .arg(&self.source)
            .arg("-B")
            .arg(&self.build_dir);
        command.arg(format!("-DCMAKE_BUILD_TYPE={}", settings.build_type));
        if let Some(generator) = &settings.generator {
            command.arg("-G").arg(generator);
        }
        for define in &settings.defines {
            command.arg(format!("-D{define}"));
        }
        command
    }

    /// Configures the project and reports the outcome with its first CMake error.
    pub fn run(&self, settings: &CmakeSettings, ctx: &mut RunCtx) -> Report {
        if !self.source.join(super::discovery::PROJECT_FILE).is_file() {
            return Report::failure(format!(
                "project folder {} no longer holds a CMakeLists.txt",
                self.source.display()
            ));
        }
        let cached = self.build_dir.join("CMakeCache.txt").is_file();
        ctx.detail(if cached { "cached" } else { "fresh" });
        log_files::rotate(&self.log);
        let mut report = process::run(self.command(settings), &self.log, ctx);
        report.error = match &report.outcome {
            Outcome::Succeeded | Outcome::Cancelled | Outcome::TimedOut => report.error,
            Outcome::SpawnFailed(reason) => Some(spawn_error(&settings.program, reason)),
            Outcome::Failed { code, signal } => report
                .error
                .or_else(|| first_cmake_error(&self.log))
                .or_else(|| Some(exit_description(*code, *signal))),
            Outcome::Panicked(message) => Some(format!("panicked: {message}")),
        };
        report
    }
}

/// The message for a cmake that could not be started, naming the program and the fix.
fn spawn_error(program: &OsString, reason: &str) -> String {
    let program = program.to_string_lossy();
    if reason.contains("No such file") || reason.contains("not found") {
        format!(
            "cannot run `{program}`: not found. Install CMake (e.g. `apt-get install cmake`) \
             or pass its path with --cmake"
        )
    } else {
        format!("cannot run `{program}`: {reason}")
    }
}

fn exit_description(code: Option<i32>, signal: Option<i32>) -> String {
    match (code, signal) {
        (Some(code), _) => format!("cmake exited with status {code}"),
        (None, Some(signal)) => format!("cmake was killed by signal {signal}"),
        (None, None) => "cmake failed".to_string(),
    }
}

/// Longest error summary, in characters.
const MAX_SUMMARY: usize = 300;

/// The first `CMake Error` diagnostic in a log, as one line: its header and the indented
/// message lines under it.
pub fn first_cmake_error(log: &Path) -> Option<String> {
    let file = std::fs::File::open(log).ok()?;
    let mut lines = BufReader::new(file)
        .split(b'\n')
        .map_while(Result::ok)
        .map(|line| String::from_utf8_lossy(&line).trim_end().to_string());
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
    if summary.chars().count() > MAX_SUMMARY {
        summary = summary.chars().take(MAX_SUMMARY - 1).collect::<String>() + "…";
    }
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_of(text: &str) -> Option<String> {
        let path = std::env::temp_dir().join(format!(
            "jobdeck-summary-{}-{}.log",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).expect("write temp log");
        let summary = first_cmake_error(&path);
        std::fs::remove_file(&path).expect("remove temp log");
        summary
    }

    #[test]
    fn summary_joins_header_and_message_lines() {
        let log = "-- The C compiler\nCMake Error at CMakeLists.txt:3 (message):\n  \
                   p06: deliberate\n  failure\n\n\n-- Configuring incomplete\n";
        assert_eq!(
            summary_of(log).as_deref(),
            Some("CMake Error at CMakeLists.txt:3 (message): p06: deliberate failure")
        );
    }

    #[test]
    fn summary_of_a_one_line_error() {
        let log = "CMake Error: The source directory \"/x\" does not exist.\nSpecify --help\n";
        assert_eq!(
            summary_of(log).as_deref(),
            Some("CMake Error: The source directory \"/x\" does not exist.")
        );
    }

    #[test]
    fn no_error_gives_none() {
        assert_eq!(summary_of("-- all good\n"), None);
    }
}
