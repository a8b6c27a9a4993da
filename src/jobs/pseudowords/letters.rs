//! Letter tasks and the gather that collects their words, in letter order, into `letters.txt`.
//!
//! Each letter task writes its words to a part file of its own (under a temporary name,
//! renamed when complete) and sends its index over a crossbeam channel. The gather is a node of
//! the job graph that depends on every letter: it starts only once they all succeeded (the
//! model sees to that), so it never waits and never generates a word itself. It drains the
//! channel (which letters finished since the last gather), then streams every part, in order,
//! through a fixed buffer into `letters.txt`, so memory stays bounded however many letters
//! there are. Parts are kept, so that re-running one letter re-runs the gather with the other
//! letters' parts still there; the bytes are the same as an uninterrupted run's, because a
//! letter's stream depends only on the seed and the letter's index.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::generate::{Alphabet, StreamId, WORD_LEN, WordStream};
use super::{BUFFER_WORDS, Halt, PendingFile, Progress, WordsSettings, check, generate_into};
use crate::engine::RunCtx;

/// What letter tasks and the gather share: the letters, where the parts go, and the channel
/// on which letter tasks announce a finished part.
#[derive(Debug)]
pub struct LetterBoard {
    settings: Arc<WordsSettings>,
    letters: Vec<u8>,
    ready_tx: Sender<usize>,
    ready_rx: Receiver<usize>,
}

impl LetterBoard {
    /// A board for one letter task per byte of `letters` (ASCII letters).
    pub fn new(settings: Arc<WordsSettings>, letters: Vec<u8>) -> Self {
        // Unbounded, so a letter never blocks; the gather drains it, so it holds at most
        // the letters finished since the last gather.
        let (ready_tx, ready_rx) = crossbeam_channel::unbounded();
        Self {
            settings,
            letters,
            ready_tx,
            ready_rx,
        }
    }

    fn part(&self, index: usize) -> PathBuf {
        self.settings.parts_dir.join(format!("part{index}"))
    }

    /// What a letter or gather task tells its log about itself.
    pub(super) fn describe(&self, index: Option<usize>) -> String {
        match index {
            Some(index) => format!(
                "letter {index} ({}){} -> {}",
                char::from(self.letters[index]),
                if self.settings.tally { ", tallied" } else { "" },
                self.part(index).display()
            ),
            None => format!(
                "gather {} parts -> {}",
                self.letters.len(),
                self.settings.out_dir.join("letters.txt").display()
            ),
        }
    }

    /// Runs letter task `index`: writes its part and announces it.
    pub(super) fn run_letter(&self, index: usize, ctx: &mut RunCtx) -> Result<(), Halt> {
        ctx.detail(format!("seed {}", self.settings.seed));
        let mut file = PendingFile::create(&self.part(index), ctx.run)?;
        let words = self.settings.words_per_task;
        let mut progress = Progress::new(words);
        let mut stream = WordStream::new(
            Alphabet::StartingWith(self.letters[index]),
            self.settings.seed,
            StreamId::Letter(index as u64),
        );
        let tally = self.settings.tally;
        generate_into(&mut file, &mut stream, words, ctx, &mut progress, tally)?;
        file.commit()?;
        let _ = self.ready_tx.send(index);
        Ok(())
    }

    /// Runs the gather: appends every letter's part, in order, to `letters.txt`.
    pub(super) fn run_gather(&self, ctx: &mut RunCtx) -> Result<(), Halt> {
        let fresh = self.ready_rx.try_iter().count();
        ctx.detail(format!(
            "seed {}, {fresh} new of {} parts",
            self.settings.seed,
            self.letters.len()
        ));
        let dest = self.settings.out_dir.join("letters.txt");
        let mut out = PendingFile::create(&dest, ctx.run)?;
        let words = self.settings.words_per_task;
        // Progress in words, or for tallies (whose size says nothing) in parts.
        let mut progress = if self.settings.tally {
            Progress::new(self.letters.len() as u64)
        } else {
            Progress::new(words.saturating_mul(self.letters.len() as u64))
        };
        for index in 0..self.letters.len() {
            let path = self.part(index);
            let part = crate::sys::regular_file::open_to_read(&path).map_err(|err| {
                Halt::Failed(if err.kind() == ErrorKind::NotFound {
                    format!(
                        "the part of letter {index} ({}) is missing: re-run that letter",
                        char::from(self.letters[index])
                    )
                } else {
                    format!("cannot read {}: {err}", path.display())
                })
            })?;
            // A tally's size depends on the counts: only a part of words has a known size.
            let expected = (!self.settings.tally).then_some(words);
            append_part(&mut out, part, &path, expected, ctx, &mut progress)?;
            if expected.is_none() {
                progress.add(1, ctx);
            }
        }
        out.commit()
    }
}

/// Streams one part file into `out` through a fixed buffer, checking for a stop between
/// reads, and checks that it held exactly `words` words when that is known.
fn append_part(
    out: &mut PendingFile,
    mut file: File,
    path: &Path,
    words: Option<u64>,
    ctx: &mut RunCtx,
    progress: &mut Progress,
) -> Result<(), Halt> {
    let read_error =
        |err: std::io::Error| Halt::Failed(format!("cannot read {}: {err}", path.display()));
    let mut buffer = vec![0; BUFFER_WORDS * WORD_LEN];
    let mut bytes = 0_u64;
    loop {
        check(ctx)?;
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(read_error(err)),
        };
        out.write(&buffer[..read])?;
        bytes += read as u64;
        if words.is_some() {
            progress.add((read / WORD_LEN) as u64, ctx);
        }
    }
    let Some(words) = words else {
        return Ok(());
    };
    let expected = words.saturating_mul(WORD_LEN as u64);
    if bytes == expected {
        Ok(())
    } else {
        Err(Halt::Failed(format!(
            "part {} holds {bytes} bytes, expected {expected} (made with other settings? \
             re-run its letter)",
            path.display()
        )))
    }
}
