//! What a demo task keeps of its words: how often each one came up, instead of the words.
//!
//! A task that shows what threads do must take a visible fraction of a second, and the
//! generator makes about a gigabyte of words a second: kept, a demo's eight tasks would leave
//! gigabytes of files behind. Counting keeps the work real (every word is generated and
//! read) and the result small and checkable: with a uniform generator the counts come out
//! nearly equal, which is worth seeing too.

use std::fmt::Write as _;

use super::generate::WORD_LEN;

/// Counts per word, indexed by first byte, second letter and third letter.
#[derive(Debug, Clone)]
pub struct Tally {
    counts: Vec<u64>,
}

/// The second and third letters' places (`aoi`, `pkl`); the generator makes no others.
fn second(byte: u8) -> usize {
    match byte {
        b'a' => 0,
        b'o' => 1,
        _ => 2,
    }
}

fn third(byte: u8) -> usize {
    match byte {
        b'p' => 0,
        b'k' => 1,
        _ => 2,
    }
}

const SECOND: &[u8; 3] = b"aoi";
const THIRD: &[u8; 3] = b"pkl";

impl Default for Tally {
    fn default() -> Self {
        Self {
            counts: vec![0; 256 * 9],
        }
    }
}

impl Tally {
    /// Counts the whole words in `words`.
    pub fn add(&mut self, words: &[u8]) {
        for word in words.chunks_exact(WORD_LEN) {
            let index = usize::from(word[0]) * 9 + second(word[1]) * 3 + third(word[2]);
            self.counts[index] += 1;
        }
    }

    /// One line per word that came up, in alphabetical order: `bap 3472183`.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (index, &count) in self.counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let first = char::from(u8::try_from(index / 9).unwrap_or(b'?'));
            let second = char::from(SECOND[index % 9 / 3]);
            let third = char::from(THIRD[index % 3]);
            let _ = writeln!(text, "{first}{second}{third} {count}");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn counts_each_word_and_lists_them_in_order() {
        let mut tally = Tally::default();
        tally.add(b"bap\nlil\nbap\nqok\n");
        assert_eq!(tally.text(), "bap 2\nlil 1\nqok 1\n");
    }
}
