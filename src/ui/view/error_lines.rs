//! The selected failed row's error in the two lines above the footer. Wrapped at words, a
//! long path went whole to the second line and its end, the file and line that say where
//! (`…-gitclone.cmake:3 (message)`), to a third line that is not drawn. What a reader
//! needs is the message and where it came from; the folders in a path's middle tell least.
//! So, in order, each step only while the error does not fit: words wrap; a path may break
//! after one of its `/` to fill a line; each path loses folders from its middle, longest
//! path first (`googletest-subbuild/…/tmp/googletest-populate-gitclone.cmake:3`), and a
//! URL with no folder left its host (`'http://…/fftw-3.3.8.tar.gz'`: the file names the
//! download, the status says how it failed, the log has the host); then, for an error
//! that ends with its place (`… — download-fftw.cmake:170 (message)`), the message before
//! the place is cut with `…`, never the place: the file and line are what `e` and the
//! reader go to, and a failed download's long URL pushed them past the second line
//! (`status 6 "Couldn't resolve host name" —…`); last, the last line is cut with `…`.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// `text` in at most `rows` lines of `width` columns (see the module's comment).
pub(super) fn error_lines(text: &str, width: usize, rows: usize) -> Vec<String> {
    if width == 0 || rows == 0 {
        return Vec::new();
    }
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    let lines = wrap(&words, width, false);
    if lines.len() <= rows {
        return lines;
    }
    loop {
        for break_paths in [false, true] {
            let lines = wrap(&words, width, break_paths);
            if lines.len() <= rows {
                return lines;
            }
        }
        if !shorten_longest_path(&mut words) {
            break;
        }
    }
    if let Some(lines) = cut_before_the_place(&words, width, rows) {
        return lines;
    }
    let mut lines = wrap(&words, width, true);
    lines.truncate(rows);
    if let Some(last) = lines.last_mut() {
        *last = with_ellipsis(last, width);
    }
    lines
}

fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `words` wrapped at `width` columns: a word longer than a line breaks anywhere, and with
/// `break_paths` a path breaks after a `/` to fill the line it starts on.
fn wrap(words: &[String], width: usize, break_paths: bool) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        let mut word = word.as_str();
        loop {
            let gap = usize::from(!line.is_empty());
            let room = width.saturating_sub(columns(&line) + gap);
            if columns(word) <= room {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            // The longest start of the word that fits: up to a `/` for a path, anything
            // for a word no line could hold.
            let head = if break_paths && word.contains('/') {
                head_to_slash(word, room)
            } else {
                None
            };
            let head = head.or_else(|| {
                (columns(word) > width && (line.is_empty() || room > 0))
                    .then(|| head_anywhere(word, room))
            });
            match head {
                Some(head) if !head.is_empty() => {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(head);
                    word = &word[head.len()..];
                }
                _ => {}
            }
            lines.push(std::mem::take(&mut line));
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The longest start of `word` that ends with a `/` and takes at most `room` columns.
fn head_to_slash(word: &str, room: usize) -> Option<&str> {
    word.match_indices('/')
        .map(|(at, _)| &word[..=at])
        .take_while(|head| columns(head) <= room)
        .last()
}

/// The longest start of `word` that takes at most `room` columns, whole graphemes only.
fn head_anywhere(word: &str, room: usize) -> &str {
    let mut end = 0;
    let mut used = 0;
    for (at, grapheme) in word.grapheme_indices(true) {
        used += columns(grapheme);
        if used > room {
            break;
        }
        end = at + grapheme.len();
    }
    &word[..end]
}

/// Takes one folder out of the middle of the longest path among `words` that has one
/// left to lose; whether one was.
fn shorten_longest_path(words: &mut [String]) -> bool {
    let longest = words
        .iter()
        .enumerate()
        .filter_map(|(at, word)| without_a_middle_folder(word).map(|short| (at, short)))
        .max_by_key(|(at, _)| columns(&words[*at]));
    match longest {
        Some((at, short)) => {
            words[at] = short;
            true
        }
        None => false,
    }
}

/// `word`, a path, with the first folder after its head replaced by `…` (or taken out,
/// after one already was); the head is its first part, or a URL's scheme and host. A URL
/// with no folder left loses its host instead (`'http://…/x.tgz'`). `None` when nothing
/// is left to lose between its head and its last part.
fn without_a_middle_folder(word: &str) -> Option<String> {
    let mut parts: Vec<&str> = word.split('/').collect();
    let is_url = parts.len() > 3 && parts[0].ends_with(':') && parts[1].is_empty();
    let head = if is_url { 3 } else { 1 };
    let folders_left = parts.len() >= head + 3 || (parts.len() == head + 2 && parts[head] != "…");
    if !folders_left {
        // `'http://host/…/x.tgz'` or `'http://host/x.tgz'`: the host and the `…` become one.
        if !is_url || parts[2] == "…" {
            return None;
        }
        parts.truncate(2);
        parts.extend(["…", word.rsplit('/').next().unwrap_or_default()]);
        return Some(parts.join("/"));
    }
    if parts[head] == "…" {
        parts.remove(head + 1);
    } else {
        parts[head] = "…";
    }
    Some(parts.join("/"))
}

/// For an error that ends with its place (after the last ` — `), the lines with the
/// message before it cut a word at a time, `…` after its last word kept, until all fits in
/// `rows` lines; `None` when no cut of the message makes it fit, or there is no place.
fn cut_before_the_place(words: &[String], width: usize, rows: usize) -> Option<Vec<String>> {
    let dash = words.iter().rposition(|word| word == "—")?;
    (1..dash).rev().find_map(|kept| {
        let mut cut: Vec<String> = words[..kept].to_vec();
        if let Some(last) = cut.last_mut() {
            last.push('…');
        }
        cut.extend_from_slice(&words[dash..]);
        let lines = wrap(&cut, width, true);
        (lines.len() <= rows).then_some(lines)
    })
}

/// `line` cut to end in `…` within `width` columns.
fn with_ellipsis(line: &str, width: usize) -> String {
    let head = head_anywhere(line, width.saturating_sub(1)).trim_end();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::{columns, error_lines};

    const CLONE: &str = "Failed to clone repository: 'https://github.com/google/googletest.git' \
                         — googletest-subbuild/googletest-populate-prefix/tmp/\
                         googletest-populate-gitclone.cmake:3 (message)";

    #[test]
    fn what_fits_wraps_at_words() {
        let text = "No CMAKE_Fortran_COMPILER could be found. Tell CMake where to find the \
                    compiler by setting the variable";
        let lines = error_lines(text, 80, 2);
        assert_eq!(
            lines,
            [
                "No CMAKE_Fortran_COMPILER could be found. Tell CMake where to find the compiler",
                "by setting the variable",
            ]
        );
        assert_eq!(error_lines("short", 80, 2), ["short"]);
    }

    #[test]
    fn a_long_path_loses_its_middle_so_the_file_and_line_show() {
        let lines = error_lines(CLONE, 80, 2);
        assert_eq!(
            lines,
            [
                "Failed to clone repository: 'https://github.com/google/googletest.git' —",
                "googletest-subbuild/…/tmp/googletest-populate-gitclone.cmake:3 (message)",
            ]
        );
    }

    #[test]
    fn a_path_breaks_after_a_slash_before_it_loses_folders() {
        let text = "error in a/bb/cc/dd/ee/ff.cmake:3 (message)";
        let lines = error_lines(text, 30, 2);
        assert_eq!(lines, ["error in a/bb/cc/dd/ee/", "ff.cmake:3 (message)"]);
        // Narrower: folders go from the middle first.
        let lines = error_lines(text, 20, 2);
        assert_eq!(lines, ["error in a/…/dd/ee/", "ff.cmake:3 (message)"]);
        // Then the end is cut.
        let lines = error_lines(&format!("{text} and more words after it"), 20, 2);
        assert_eq!(lines, ["error in a/…/", "ff.cmake:3 (message…"]);
    }

    #[test]
    fn a_url_loses_its_folders_then_its_host_and_keeps_its_file() {
        let text = "Each download failed! error: downloading \
                    'https://sourceforge.net/projects/boost/files/boost/1.61.0/boost_1_61_0.zip' \
                    failed status_code: 6 status_string: \"Couldn't resolve host name\"";
        let lines = error_lines(text, 80, 2);
        assert_eq!(
            lines,
            [
                "Each download failed! error: downloading 'https://…/boost_1_61_0.zip' failed",
                "status_code: 6 status_string: \"Couldn't resolve host name\"",
            ]
        );
    }

    /// Issue 32, the new-user round: a build's failed download, whose URL has no folder to
    /// lose, ended `"Couldn't resolve host name" —…` at 80 columns, its place lost.
    #[test]
    fn a_failed_downloads_place_stays_behind_a_long_url() {
        let text = "Each download failed (6 tries), the last: 'http://www.fftw.org/fftw-3.3.8.\
                    tar.gz' status 6 \"Couldn't resolve host name\" — \
                    download-fftw3_external.cmake:170 (message)";
        assert_eq!(
            error_lines(text, 80, 2),
            [
                "Each download failed (6 tries), the last: 'http://…/fftw-3.3.8.tar.gz' status 6",
                "\"Couldn't resolve host name\" — download-fftw3_external.cmake:170 (message)",
            ]
        );
        // A configure's (`FetchContent`): a longer place, so the message gives way at its end.
        let text = "Each download failed (1 try), the last: 'http://127.0.0.1:38411/fftw-3.3.8.\
                    tar.gz' status 22 \"HTTP response code said error\" — dep-subbuild/\
                    dep-populate-prefix/src/dep-populate-stamp/download-dep-populate.cmake:170 \
                    (message)";
        let lines = error_lines(text, 80, 2);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[1].ends_with("— dep-subbuild/…/download-dep-populate.cmake:170 (message)"),
            "{lines:?}"
        );
        assert!(
            lines
                .join(" ")
                .contains("'http://…/fftw-3.3.8.tar.gz' status 22 \"HTTP"),
            "{lines:?}"
        );
    }

    #[test]
    fn every_line_fits_at_any_width() {
        for width in 1..=90 {
            for rows in 1..=2 {
                let lines = error_lines(CLONE, width, rows);
                assert!(lines.len() <= rows, "{width}: {lines:?}");
                assert!(!lines.is_empty(), "{width}");
                for line in &lines {
                    assert!(columns(line) <= width, "{width}: {line:?}");
                }
            }
        }
        assert!(error_lines(CLONE, 0, 2).is_empty());
    }
}
