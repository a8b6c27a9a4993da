//! Turning a child's raw output into display lines, and holding a bounded batch of them.
//!
//! The log file gets every byte untouched; this module only decides what the UI sees. A flood
//! keeps at most `BATCH_CAP` lines between two flushes and counts the rest as skipped, so memory
//! and channel traffic stay flat however fast a job prints.

use std::collections::VecDeque;

/// Longest display line, in bytes of input. Longer lines are cut (the log keeps them whole).
pub const MAX_LINE_BYTES: usize = 4096;

/// Most lines held between two flushes.
pub const BATCH_CAP: usize = 256;

/// Splits a byte stream into display lines, keeping at most `MAX_LINE_BYTES` of a line.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    partial_overflowed: bool,
}

impl LineSplitter {
    /// Feeds a chunk; calls `emit` with each complete line, already made displayable.
    pub fn push(&mut self, chunk: &[u8], mut emit: impl FnMut(String)) {
        let mut rest = chunk;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            self.append(&rest[..pos]);
            emit(display_line(&self.partial, self.partial_overflowed));
            self.partial.clear();
            self.partial_overflowed = false;
            rest = &rest[pos + 1..];
        }
        self.append(rest);
    }

    /// Feeds a chunk into `batch`, skipping the lines the batch would drop anyway.
    ///
    /// Only the last `BATCH_CAP` lines a chunk completes can survive in the batch, so older
    /// ones are counted as skipped without being decoded: a flood costs one scan per chunk.
    pub fn push_into(&mut self, chunk: &[u8], batch: &mut LineBatch) {
        let newlines = memchr::memchr_iter(b'\n', chunk).count();
        let skip = newlines.saturating_sub(BATCH_CAP);
        let mut rest = chunk;
        if skip > 0 {
            let last_skipped = memchr::memchr_iter(b'\n', chunk)
                .nth(skip - 1)
                .expect("the chunk has more than `skip` newlines");
            rest = &chunk[last_skipped + 1..];
            self.partial.clear();
            self.partial_overflowed = false;
            batch.skip(skip as u64);
        }
        self.push(rest, |line| batch.push(line));
    }

    /// Emits whatever is left after the stream ends without a final newline.
    pub fn finish(&mut self, emit: impl FnOnce(String)) {
        if !self.partial.is_empty() || self.partial_overflowed {
            emit(display_line(&self.partial, self.partial_overflowed));
            self.partial.clear();
            self.partial_overflowed = false;
        }
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.partial_overflowed = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

/// Makes one raw line safe to draw in a terminal cell grid.
///
/// Keeps only what follows the last carriage return (a progress bar redraws itself that way),
/// decodes lossily, drops ANSI escape sequences and other control characters, and expands tabs.
pub fn display_line(raw: &[u8], truncated: bool) -> String {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let visible = match raw.iter().rposition(|&b| b == b'\r') {
        Some(pos) => &raw[pos + 1..],
        None => raw,
    };
    let text = String::from_utf8_lossy(visible);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            // Shown, not obeyed: a line must read in the order it was written.
            c if crate::sys::text::is_bidi_control(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    if truncated {
        out.push_str(" …");
    }
    out
}

/// Skips the rest of an escape sequence: CSI (`ESC [ … final`), OSC (`ESC ] … BEL/ST`) or a
/// two-character escape.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Lines waiting to be sent, capped at `BATCH_CAP`; older ones are dropped and counted.
#[derive(Debug, Default)]
pub struct LineBatch {
    lines: VecDeque<String>,
    skipped: u64,
}

impl LineBatch {
    /// Adds a line, dropping the oldest one when full.
    pub fn push(&mut self, line: String) {
        if self.lines.len() == BATCH_CAP {
            self.lines.pop_front();
            self.skipped += 1;
        }
        self.lines.push_back(line);
    }

    /// Counts lines that were printed but never held.
    pub fn skip(&mut self, lines: u64) {
        self.skipped += lines;
    }

    /// Takes everything held: the lines and how many were dropped since the last take.
    pub fn take(&mut self) -> Option<(Vec<String>, u64)> {
        if self.lines.is_empty() && self.skipped == 0 {
            return None;
        }
        let skipped = std::mem::take(&mut self.skipped);
        Some((self.lines.drain(..).collect(), skipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter.push(chunk, |l| lines.push(l));
        }
        splitter.finish(|l| lines.push(l));
        lines
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        assert_eq!(
            split(&[b"ab", b"c\nde", b"f\n", b"tail"]),
            ["abc", "def", "tail"]
        );
    }

    #[test]
    fn carriage_return_keeps_last_redraw_and_crlf_is_plain() {
        assert_eq!(display_line(b"10%\r50%\r100%", false), "100%");
        assert_eq!(display_line(b"windows line\r", false), "windows line");
    }

    #[test]
    fn ansi_codes_and_controls_are_dropped_and_bad_utf8_is_replaced() {
        assert_eq!(
            display_line(b"\x1b[1;31mred\x1b[0m \x07bell", false),
            "red bell"
        );
        assert_eq!(display_line(b"\x1b]0;title\x07text", false), "text");
        assert_eq!(display_line(b"bad \xff byte", false), "bad \u{fffd} byte");
    }

    #[test]
    fn a_huge_line_without_newline_is_cut() {
        let huge = vec![b'x'; 1 << 20];
        let lines = split(&[&huge]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].len() <= MAX_LINE_BYTES + 4);
        assert!(lines[0].ends_with('…'));
    }

    #[test]
    fn push_into_keeps_the_same_lines_as_pushing_every_line() {
        let text: Vec<u8> = (0..3000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        for chunk_size in [1, 7, 4096, 20_000, text.len()] {
            let (mut slow, mut fast) = (LineBatch::default(), LineBatch::default());
            let (mut a, mut b) = (LineSplitter::default(), LineSplitter::default());
            for chunk in text.chunks(chunk_size) {
                a.push(chunk, |line| slow.push(line));
                b.push_into(chunk, &mut fast);
            }
            assert_eq!(slow.take(), fast.take(), "chunks of {chunk_size}");
        }
    }

    #[test]
    fn a_full_batch_drops_oldest_and_counts_them() {
        let mut batch = LineBatch::default();
        for i in 0..BATCH_CAP + 10 {
            batch.push(i.to_string());
        }
        let (lines, skipped) = batch.take().expect("lines were pushed");
        assert_eq!(skipped, 10);
        assert_eq!(lines.first().map(String::as_str), Some("10"));
        assert!(batch.take().is_none());
    }
}
