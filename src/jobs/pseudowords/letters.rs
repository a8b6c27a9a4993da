//! Letter tasks and the gather that collects their words, in letter order, into `letters.txt`.
//!
//! Each letter task writes its words to a part file and, once it is complete, marks the part
//! ready on the shared [`LetterBoard`] and sends the letter's index over a crossbeam channel.
//! The gather appends the parts in order, streaming each through a fixed buffer, so memory
//! stays bounded however many letters there are.
//!
//! The gather never waits for work that is not under way. For each part it needs it either
//! takes a ready part, waits (checking its cancel token) for a part that a letter task is
//! writing right now on another worker, or, when no run is producing the part (still queued,
//! cancelled, failed, or already used by an earlier gather), generates the words itself from
//! the letter's stream. The bytes are the same either way, because a stream depends only on
//! the seed and the letter's index. So the pool cannot deadlock, even on one worker with the
//! gather started first, and any task can be re-run at any time:
//!
//! - a letter re-run replaces its part; a run that has been superseded discards its own file;
//! - a gather re-run regenerates whatever parts are no longer on disk.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::generate::{Alphabet, StreamId, WORD_LEN, WordStream};
use super::{BUFFER_WORDS, Halt, PendingFile, Progress, WordsSettings, check, generate_into};
use crate::engine::{RunCtx, RunId};

/// How long the gather waits for a ready message before it checks its cancel token again.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// The folder under `--words-out` that holds the letters' parts until they are gathered.
const PARTS_DIR: &str = ".letter-parts";

/// Where one letter's words are.
#[derive(Debug)]
enum Part {
    /// No run is producing it: the gather generates it itself.
    Missing,
    /// This run of the letter task is writing it.
    Running(RunId),
    /// Complete in this file.
    Ready(PathBuf),
}

/// What letter tasks and the gather share: the letters, the state of each part, and the
/// channel on which letter tasks announce a finished part.
#[derive(Debug)]
pub struct LetterBoard {
    settings: Arc<WordsSettings>,
    letters: Vec<u8>,
    parts: Mutex<Vec<Part>>,
    ready_tx: Sender<usize>,
    ready_rx: Receiver<usize>,
}

/// Where the gather gets one part's words.
enum Source {
    File(PathBuf),
    Generate,
}

impl LetterBoard {
    /// A board for one letter task per byte of `letters` (ASCII letters).
    pub fn new(settings: Arc<WordsSettings>, letters: Vec<u8>) -> Self {
        // A message only wakes the gather; the state lives in `parts`. One slot per letter is
        // enough, and a full channel means a wake-up is already pending, so sends never block.
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(letters.len());
        Self {
            settings,
            parts: Mutex::new(letters.iter().map(|_| Part::Missing).collect()),
            letters,
            ready_tx,
            ready_rx,
        }
    }

    fn parts(&self) -> MutexGuard<'_, Vec<Part>> {
        self.parts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stream(&self, index: usize) -> WordStream {
        WordStream::new(
            Alphabet::StartingWith(self.letters[index]),
            self.settings.seed,
            StreamId::Letter(index as u64),
        )
    }

    /// Runs letter task `index`: writes its part and announces it.
    pub(super) fn run_letter(&self, index: usize, ctx: &mut RunCtx) -> Result<(), Halt> {
        ctx.detail(format!("seed {}", self.settings.seed));
        let claim = Claim::new(self, index, ctx.run);
        let dest = self
            .settings
            .out_dir
            .join(PARTS_DIR)
            .join(format!("part{index}.run{}", ctx.run.0));
        let mut file = PendingFile::create(&dest, ctx.run)?;
        let words = self.settings.words_per_task;
        let mut progress = Progress::new(words);
        generate_into(
            &mut file,
            &mut self.stream(index),
            words,
            ctx,
            &mut progress,
        )?;
        file.commit()?;
        claim.ready(dest);
        Ok(())
    }

    /// Runs the gather: appends every letter's words, in order, to `letters.txt`.
    pub(super) fn run_gather(&self, ctx: &mut RunCtx) -> Result<(), Halt> {
        ctx.detail(format!("seed {}", self.settings.seed));
        let dest = self.settings.out_dir.join("letters.txt");
        let mut out = PendingFile::create(&dest, ctx.run)?;
        let words = self.settings.words_per_task;
        let mut progress = Progress::new(words.saturating_mul(self.letters.len() as u64));
        for index in 0..self.letters.len() {
            match self.wait_for(index, ctx)? {
                Source::File(path) => match File::open(&path) {
                    Ok(part) => {
                        if let Err(halt) =
                            append_part(&mut out, part, &path, words, ctx, &mut progress)
                        {
                            self.put_back(index, path);
                            return Err(halt);
                        }
                        let _ = std::fs::remove_file(&path);
                    }
                    // Someone tidied the folder; the words can be made again.
                    Err(err) if err.kind() == ErrorKind::NotFound => {
                        generate_into(
                            &mut out,
                            &mut self.stream(index),
                            words,
                            ctx,
                            &mut progress,
                        )?;
                    }
                    Err(err) => {
                        return Err(Halt::Failed(format!(
                            "cannot read {}: {err}",
                            path.display()
                        )));
                    }
                },
                Source::Generate => {
                    generate_into(&mut out, &mut self.stream(index), words, ctx, &mut progress)?;
                }
            }
        }
        out.commit()?;
        // Only succeeds once no part is left, which is the tidy end state.
        let _ = std::fs::remove_dir(self.settings.out_dir.join(PARTS_DIR));
        Ok(())
    }

    /// Takes part `index` when it is ready or nobody is producing it; waits while a letter
    /// task is writing it.
    fn wait_for(&self, index: usize, ctx: &mut RunCtx) -> Result<Source, Halt> {
        let mut waited = false;
        loop {
            check(ctx)?;
            if let Some(source) = self.take(index) {
                if waited {
                    ctx.detail(format!("seed {}", self.settings.seed));
                }
                return Ok(source);
            }
            if !waited {
                waited = true;
                ctx.detail(format!(
                    "waiting for letter {} ({})",
                    index,
                    char::from(self.letters[index])
                ));
            }
            // A stale message only costs one more look at the state.
            let _ = self.ready_rx.recv_timeout(WAIT_SLICE);
        }
    }

    /// Takes part `index` for the gather, or `None` while a letter task is writing it.
    fn take(&self, index: usize) -> Option<Source> {
        let mut parts = self.parts();
        match std::mem::replace(&mut parts[index], Part::Missing) {
            Part::Ready(path) => Some(Source::File(path)),
            Part::Missing => Some(Source::Generate),
            running @ Part::Running(_) => {
                parts[index] = running;
                None
            }
        }
    }

    /// Returns a part the gather took but could not finish appending, for the next gather.
    fn put_back(&self, index: usize, path: PathBuf) {
        let mut parts = self.parts();
        if matches!(parts[index], Part::Missing) {
            parts[index] = Part::Ready(path);
        } else {
            // A newer letter run is producing (or has produced) its own file.
            let _ = std::fs::remove_file(path);
        }
    }

    fn announce(&self, index: usize) {
        let _ = self.ready_tx.try_send(index);
    }
}

/// A letter run's hold on its part. Dropped without [`Claim::ready`] (a cancel, an error, a
/// panic), it marks the part missing so the gather stops waiting for it.
struct Claim<'a> {
    board: &'a LetterBoard,
    index: usize,
    run: RunId,
    done: bool,
}

impl<'a> Claim<'a> {
    fn new(board: &'a LetterBoard, index: usize, run: RunId) -> Self {
        let old = std::mem::replace(&mut board.parts()[index], Part::Running(run));
        if let Part::Ready(path) = old {
            let _ = std::fs::remove_file(path);
        }
        Self {
            board,
            index,
            run,
            done: false,
        }
    }

    fn ready(mut self, path: PathBuf) {
        self.done = true;
        let mut parts = self.board.parts();
        if matches!(parts[self.index], Part::Running(run) if run == self.run) {
            parts[self.index] = Part::Ready(path);
        } else {
            // A newer run of this letter took over; its file is the one that counts.
            let _ = std::fs::remove_file(path);
        }
        drop(parts);
        self.board.announce(self.index);
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut parts = self.board.parts();
        if matches!(parts[self.index], Part::Running(run) if run == self.run) {
            parts[self.index] = Part::Missing;
        }
        drop(parts);
        self.board.announce(self.index);
    }
}

/// Streams one part file into `out` through a fixed buffer, checking for a stop between
/// reads, and checks that it held exactly `words` words.
fn append_part(
    out: &mut PendingFile,
    mut file: File,
    path: &Path,
    words: u64,
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
        progress.add((read / WORD_LEN) as u64, ctx);
    }
    let expected = words.saturating_mul(WORD_LEN as u64);
    if bytes == expected {
        Ok(())
    } else {
        Err(Halt::Failed(format!(
            "part {} holds {bytes} bytes, expected {expected}",
            path.display()
        )))
    }
}
