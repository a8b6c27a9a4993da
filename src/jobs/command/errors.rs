//! A failed command's most telling line: a compiler-style `file:line[:col]: error: …` first
//! (which `e` opens at its place), else the linker's own, else the first line that says
//! `error`, else what a failed make rule's command said before make's `***` line, else the
//! last line the command printed.

use std::path::Path;

use crate::engine::Diagnosis;
use crate::jobs::Tone;
use crate::jobs::summaries;

/// Longest error kept, in characters.
const MAX_ERROR: usize = 300;

/// The one-line error of a failed run whose log is `log`, and where it points when it names
/// a file (relative to `folder`, the command's folder).
pub fn first_error(log: &Path, folder: Option<&Path>) -> Option<(String, Option<Diagnosis>)> {
    // Each kind of line is looked for in a pass of its own, so that no more than a line of
    // the log is held at once. The log's first line is the command, its last jobdeck's.
    let output = || {
        summaries::lines(log).map(|lines| {
            lines
                .skip(1)
                .filter(|line| !line.starts_with("jobdeck: ") && !line.trim().is_empty())
        })
    };
    if let Some(line) = output()?.find(|line| place(line).is_some()) {
        let line = match folder {
            Some(folder) => summaries::relative_to(line.trim(), folder),
            None => line.trim().to_string(),
        };
        let diagnosis = place(&line);
        return Some((cut(&line), diagnosis));
    }
    // A make among the commands: the linker's own line, else what the failed rule's command
    // said before make's `*** [...] Error 1` (which says only that something failed).
    let said = output()?
        .find(|line| summaries::is_linker_error(line))
        .or_else(|| output()?.find(|line| is_error(line)))
        .or_else(|| summaries::before_make_error(log))
        .or_else(|| output()?.last())?;
    Some((cut(said.trim()), None))
}

/// `message` without the prefix a shell puts before its own errors: `/bin/sh: 1: ` (dash),
/// `sh: line 1: ` and `bash: line 3: ` (bash), `zsh:1: `.
pub fn without_shell_prefix(message: &str) -> &str {
    let Some((program, rest)) = message.split_once(':') else {
        return message;
    };
    let shell = program.rsplit('/').next().unwrap_or(program);
    if !matches!(shell, "sh" | "bash" | "dash" | "zsh" | "ksh" | "ash") {
        return message;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("line ").unwrap_or(rest);
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return message;
    }
    rest[digits..]
        .strip_prefix(':')
        .map_or(message, str::trim_start)
}

/// How the log pane colours a command's line.
pub fn tone(line: &str) -> Tone {
    let lower = line.to_ascii_lowercase();
    if is_error(line) {
        Tone::Error
    } else if lower.contains("warning:") {
        Tone::Warning
    } else {
        Tone::Plain
    }
}

/// Whether `line` says it is an error: `error:`, `Error:`, `ERROR`, `fatal:`.
fn is_error(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.contains("error:")
        || lower.contains("error ") && lower.starts_with("error")
        || lower.starts_with("fatal:")
}

/// Where a `file:line[:col]: error: message` line points, if it does.
fn place(line: &str) -> Option<Diagnosis> {
    let line = line.trim();
    let (place, message) = line
        .split_once(": error: ")
        .or_else(|| line.split_once(": fatal error: "))
        .or_else(|| line.split_once(": error "))?;
    let mut parts = place.split(':');
    let file = parts.next()?;
    let number: u32 = parts.next()?.trim().parse().ok()?;
    if file.is_empty() || file.contains(' ') {
        return None;
    }
    Some(Diagnosis {
        message: message.trim().to_string(),
        file: Some(file.to_string()),
        line: Some(number),
    })
}

fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_ERROR {
        return text.to_string();
    }
    text.chars().take(MAX_ERROR - 1).collect::<String>() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compiler_style_line_names_its_place() {
        let diagnosis = place("src/a.c:12:5: error: expected ';'").expect("a place");
        assert_eq!(diagnosis.file.as_deref(), Some("src/a.c"));
        assert_eq!(diagnosis.line, Some(12));
        assert_eq!(diagnosis.message, "expected ';'");
        assert!(place("error: no such file").is_none());
        assert!(place("make: *** [all] Error 2").is_none());
    }

    #[test]
    fn a_shells_own_prefix_is_taken_off_and_nothing_else() {
        assert_eq!(
            without_shell_prefix("/bin/sh: 1: cc: not found"),
            "cc: not found"
        );
        assert_eq!(
            without_shell_prefix("bash: line 12: cc: command not found"),
            "cc: command not found"
        );
        assert_eq!(without_shell_prefix("zsh:3: no such file"), "no such file");
        assert_eq!(without_shell_prefix("shell: 1: x"), "shell: 1: x");
        assert_eq!(without_shell_prefix("sh: x: y"), "sh: x: y");
        assert_eq!(
            without_shell_prefix("make: *** [all] Error 2"),
            "make: *** [all] Error 2"
        );
    }

    #[test]
    fn error_lines_are_red_and_warnings_yellow() {
        assert_eq!(tone("Error: disk full"), Tone::Error);
        assert_eq!(tone("a.c:1: warning: unused"), Tone::Warning);
        assert_eq!(tone("all good"), Tone::Plain);
    }
}
