//! The pseudoword generator: a seeded stream of 4-byte words, produced in bulk.
//!
//! Speed comes from drawing one random byte per word instead of one `u64`: a byte below 252
//! picks one of the 36 (or, for a fixed first letter, 9) words by a table lookup, and a byte
//! of 252 or more is skipped. 252 is a multiple of both 36 and 9, so every word is exactly
//! equally likely and the three letters are uniform and independent; only 4 bytes in 256 are
//! wasted. A `u64` from the RNG feeds eight words.
//!
//! The output is a pure function of the seed and the stream number: leftover bytes of a
//! partly used `u64` are kept for the next call, so how the caller chunks its buffer never
//! changes a single byte. That is what lets the gather regenerate a letter's part and get the
//! bytes the letter task would have written.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// Bytes in one word: three letters and a newline.
pub const WORD_LEN: usize = 4;

/// Random bytes below this are used; the rest are skipped. A multiple of 36 and of 9.
const ACCEPT_BELOW: u8 = 252;

const FIRST: &[u8; 4] = b"bdvl";
const SECOND: &[u8; 3] = b"aoi";
const THIRD: &[u8; 3] = b"pkl";

/// Which words a stream produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// `[bdvl][aoi][pkl]`: the file tasks.
    Any,
    /// `<letter>[aoi][pkl]`: the letter tasks. The letter is an ASCII letter.
    StartingWith(u8),
}

/// What a stream is for; streams of different purposes or indexes never share random numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamId {
    /// File task `i`.
    File(u64),
    /// Letter task `i` (its position in the letter string).
    Letter(u64),
}

/// An endless, seeded stream of pseudowords.
#[derive(Debug, Clone)]
pub struct WordStream {
    rng: Xoshiro256PlusPlus,
    table: [[u8; WORD_LEN]; 256],
    carry: u64,
    carry_len: u32,
}

impl WordStream {
    /// The stream `id` of the session seeded with `seed`.
    pub fn new(alphabet: Alphabet, seed: u64, id: StreamId) -> Self {
        let stream = match id {
            StreamId::File(index) => index,
            StreamId::Letter(index) => index | 1 << 63,
        };
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(splitmix(seed ^ splitmix(stream))),
            table: table(alphabet),
            carry: 0,
            carry_len: 0,
        }
    }

    /// Fills `out` with whole words. `out.len()` must be a multiple of [`WORD_LEN`].
    pub fn fill(&mut self, out: &mut [u8]) {
        assert_eq!(out.len() % WORD_LEN, 0, "the buffer holds whole words");
        let words = out.len() / WORD_LEN;
        let mut done = 0;
        while done < words && self.carry_len > 0 {
            done += self.put_carried(out, done);
        }
        // Eight bytes give at most eight words, so with eight free slots every write lands
        // inside `out`; a skipped byte's write is overwritten by the next word.
        while words - done >= 8 {
            for byte in self.rng.next_u64().to_le_bytes() {
                let at = done * WORD_LEN;
                out[at..at + WORD_LEN].copy_from_slice(&self.table[usize::from(byte)]);
                done += usize::from(byte < ACCEPT_BELOW);
            }
        }
        while done < words {
            if self.carry_len == 0 {
                self.carry = self.rng.next_u64();
                self.carry_len = 8;
            }
            done += self.put_carried(out, done);
        }
    }

    /// Uses the next carried byte; returns how many words it wrote (0 or 1).
    fn put_carried(&mut self, out: &mut [u8], at_word: usize) -> usize {
        let byte = self.carry.to_le_bytes()[0];
        self.carry >>= 8;
        self.carry_len -= 1;
        if byte < ACCEPT_BELOW {
            let at = at_word * WORD_LEN;
            out[at..at + WORD_LEN].copy_from_slice(&self.table[usize::from(byte)]);
            1
        } else {
            0
        }
    }
}

/// Word for every byte value. Bytes at or above `ACCEPT_BELOW` map to some word too; they
/// are never counted.
fn table(alphabet: Alphabet) -> [[u8; WORD_LEN]; 256] {
    let mut table = [[0; WORD_LEN]; 256];
    for (byte, word) in table.iter_mut().enumerate() {
        let pick = byte % 36;
        let first = match alphabet {
            Alphabet::Any => FIRST[pick / 9],
            Alphabet::StartingWith(letter) => letter,
        };
        let rest = pick % 9;
        *word = [first, SECOND[rest / 3], THIRD[rest % 3], b'\n'];
    }
    table
}

/// The `SplitMix64` finaliser: spreads nearby inputs (seed 1, seed 2; task 3, task 4) apart.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(alphabet: Alphabet, seed: u64, id: StreamId, count: usize) -> Vec<u8> {
        let mut out = vec![0; count * WORD_LEN];
        WordStream::new(alphabet, seed, id).fill(&mut out);
        out
    }

    #[test]
    fn file_words_have_the_pseudoword_shape() {
        let out = words(Alphabet::Any, 7, StreamId::File(0), 10_000);
        for word in out.chunks_exact(WORD_LEN) {
            assert!(FIRST.contains(&word[0]), "{word:?}");
            assert!(SECOND.contains(&word[1]), "{word:?}");
            assert!(THIRD.contains(&word[2]), "{word:?}");
            assert_eq!(word[3], b'\n');
        }
    }

    #[test]
    fn letter_words_start_with_their_letter() {
        let out = words(Alphabet::StartingWith(b'q'), 7, StreamId::Letter(3), 5_000);
        for word in out.chunks_exact(WORD_LEN) {
            assert_eq!(word[0], b'q');
            assert!(SECOND.contains(&word[1]) && THIRD.contains(&word[2]));
            assert_eq!(word[3], b'\n');
        }
    }

    #[test]
    fn every_word_is_about_equally_frequent() {
        let count = 360_000;
        let out = words(Alphabet::Any, 1, StreamId::File(5), count);
        let mut seen = std::collections::HashMap::new();
        for word in out.chunks_exact(WORD_LEN) {
            *seen.entry(word.to_vec()).or_insert(0_u32) += 1;
        }
        assert_eq!(seen.len(), 36);
        // Expected 10,000 each; the standard deviation is about 100.
        for (word, n) in seen {
            assert!((9_400..=10_600).contains(&n), "{word:?} seen {n} times");
        }
    }

    #[test]
    fn chunking_never_changes_the_bytes() {
        let whole = words(Alphabet::Any, 42, StreamId::File(1), 1_000);
        let mut stream = WordStream::new(Alphabet::Any, 42, StreamId::File(1));
        let mut pieces = Vec::new();
        for size in [1, 3, 8, 9, 100, 879] {
            let mut part = vec![0; size * WORD_LEN];
            stream.fill(&mut part);
            pieces.extend(part);
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn streams_differ_by_seed_and_index_and_kind() {
        let base = words(Alphabet::Any, 1, StreamId::File(0), 64);
        assert_eq!(base, words(Alphabet::Any, 1, StreamId::File(0), 64));
        assert_ne!(base, words(Alphabet::Any, 2, StreamId::File(0), 64));
        assert_ne!(base, words(Alphabet::Any, 1, StreamId::File(1), 64));
        assert_ne!(base, words(Alphabet::Any, 1, StreamId::Letter(0), 64));
    }
}
