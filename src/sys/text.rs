//! Text from outside jobdeck (folder names, tools' error output) made safe to print as one
//! line on a terminal.
//!
//! A folder name may hold a newline, and a tool's error message an escape sequence that sets
//! the terminal's title or clears its screen. The TUI never shows such characters (ratatui
//! drops them and `engine::output::display_line` strips escape sequences from output), and
//! shows bidirectional controls escaped, as plain lines do;
//! plain lines must not print them either, or one job would take two lines and a folder name
//! could drive the user's terminal. JSON needs nothing: its encoder escapes them already.

use std::borrow::Cow;
use std::io::Write;

/// Whether `c` is a bidirectional control (the embeddings, overrides and isolates, and the
/// marks): printed raw, U+202E turns `invoice-\u{202e}fdp.exe` into what reads as
/// `invoice-exe.pdf`, so a name or a log line could hide its real text.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `c` is shown as an escape: a control character or a bidirectional control.
fn is_hidden(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// `text` with every control character and bidirectional control written as a visible
/// escape (`\n`, `\u{1b}`, `\u{202e}`), as Rust's `char::escape_default` writes it, so a
/// name stays recognisable, one line stays one line, and reads in the order it is stored.
/// Text without such characters is returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.contains(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A name from the file system as text. Bytes that are not UTF-8 become `\xNN` rather than
/// U+FFFD, so two folders never get the same name. For showing only: paths stay bytes.
pub fn os_text(name: &std::ffi::OsStr) -> String {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    let mut text = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(text, "\\x{byte:02x}");
        }
    }
    text
}

/// A path as text, as [`os_text`] writes it.
pub fn path_text(path: &std::path::Path) -> String {
    os_text(path.as_os_str())
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
