//! Text from outside jobdeck (folder names, tools' error output) made safe to print as one
//! line on a terminal.
//!
//! A folder name may hold a newline, and a tool's error message an escape sequence that sets
//! the terminal's title or clears its screen. The TUI never shows such characters (ratatui
//! drops them and `engine::output::display_line` strips escape sequences from output);
//! plain lines must not print them either, or one job would take two lines and a folder name
//! could drive the user's terminal. JSON needs nothing: its encoder escapes them already.

use std::borrow::Cow;
use std::io::Write;

/// `text` with every control character written as a visible escape (`\n`, `\u{1b}`), as
/// Rust's `char::escape_default` writes it, so a name stays recognisable and one line stays
/// one line. Text without control characters is returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.contains(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Prints `jobdeck: warning: <warning>` on stderr, escaped: warnings name folders.
pub fn warn(warning: &str) {
    // Not `eprintln!`: it panics when stderr is a closed pipe.
    let _ = writeln!(
        std::io::stderr(),
        "jobdeck: warning: {}",
        escape_controls(warning)
    );
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            escape_controls("a\nb\u{1b}]0;t\u{7}\tc\u{9b}"),
            r"a\nb\u{1b}]0;t\u{7}\tc\u{9b}"
        );
    }

    #[test]
    fn plain_text_is_untouched() {
        let text = "01-basic/A-hello  ünïcode \\n";
        assert!(matches!(
            escape_controls(text),
            std::borrow::Cow::Borrowed(t) if t == text
        ));
    }
}
