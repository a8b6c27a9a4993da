//! Pseudoword tasks: CPU-bound, in-process jobs that run on the same workers as the configures.
//!
//! A pseudoword is one of `bdvl`, one of `aoi`, one of `pkl` and a newline. File tasks write
//! `<out>/output<i>.txt`; letter tasks produce words starting with one letter each, and a
//! gather job, which the job graph starts once every letter succeeded, collects them in the
//! order of the letters into `<out>/letters.txt` (see [`letters`]). Every task draws from its own stream, derived from the session seed and the
//! task's index, so the bytes never depend on the worker count or the order tasks ran in.
//!
//! Files are written under a temporary name and renamed when complete, so a cancelled or
//! failed run never leaves a truncated file under the final name.

mod generate;
pub mod letters;
mod pending;
mod tally;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::{Report, RunCtx, StopReason};

use self::generate::{Alphabet, StreamId, WORD_LEN, WordStream};
use super::{Job, JobKind, JobSpec, Kind, Work, log_files};
use letters::LetterBoard;
use pending::PendingFile;
pub use pending::remove_stale_temporaries;
use tally::Tally;

/// The most pseudoword tasks of one kind (`--words`, the letters of `--letters`).
///
/// Every task is a row the session holds from start to end (about 900 bytes: 100,000 file
/// tasks run in 88 MB), so a mistyped count must be refused rather than exhaust memory.
pub const MAX_WORD_TASKS: u32 = 100_000;

/// Words generated per write: 1 MiB, large enough that system calls cost little.
const BUFFER_WORDS: usize = 256 * 1024;

/// Words generated between two cancel checks: well under a millisecond of work.
const CHECK_WORDS: usize = 16 * 1024;

/// Settings shared by every pseudoword task of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordsSettings {
    /// Where the files go (`--words-out`).
    pub out_dir: PathBuf,
    /// Words each task produces (`--words-per-task`).
    pub words_per_task: u64,
    /// The session seed (`--seed`, or a random one).
    pub seed: u64,
    /// Where letter tasks leave their parts for the gather
    /// (`<build-root>/.jobdeck/letter-parts`).
    pub parts_dir: PathBuf,
    /// Keep how often each word came up instead of the words (`--demo`: seconds of real
    /// work without gigabytes of files; see `tally.rs`).
    pub tally: bool,
}

/// The pseudoword tasks asked for on the command line.
#[derive(Debug, Clone)]
pub struct WordsRequest {
    /// Number of file tasks (`--words`).
    pub files: usize,
    /// One letter task per byte, all ASCII letters (`--letters`); empty for none.
    pub letters: String,
    /// Shared settings.
    pub settings: WordsSettings,
    /// Where each task's log folder goes (`<log_dir>/<name>/words.log`).
    pub log_dir: PathBuf,
}

/// One pseudoword job. Cheap to clone.
#[derive(Debug, Clone)]
pub enum WordsJob {
    /// Writes `<out>/output<index>.txt`.
    File {
        /// The task's number, also its file's.
        index: u64,
        /// Shared settings.
        settings: Arc<WordsSettings>,
    },
    /// Produces the words for one letter of the letter string.
    Letter {
        /// The letter's position in the string.
        index: usize,
        /// Where its result goes.
        board: Arc<LetterBoard>,
    },
    /// Collects the letters' words, in order, into `<out>/letters.txt`.
    Gather {
        /// Where the results come from.
        board: Arc<LetterBoard>,
    },
}

/// Checks a `--letters` value: one to [`MAX_WORD_TASKS`] ASCII letters.
pub fn parse_letters(text: &str) -> Result<String, String> {
    if text.len() > MAX_WORD_TASKS as usize {
        // Not echoed: the value is the problem, and it is long.
        return Err(format!(
            "expected at most {MAX_WORD_TASKS} letters (one task each), got {}",
            text.len()
        ));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(text.to_string())
    } else {
        Err(format!("expected one or more ASCII letters, got `{text}`"))
    }
}

/// The kind of a pseudoword task.
pub const KIND: JobKind = JobKind::of(&Words);

/// What every pseudoword task has in common: it runs on jobdeck's own threads.
struct Words;

impl Kind for Words {
    fn word(&self) -> &'static str {
        "words"
    }

    fn runs_processes(&self) -> bool {
        false
    }
}

/// A pseudoword task and where its log goes: `<logs>/<name>/words.log`.
#[derive(Debug, Clone)]
pub struct WordsSpec {
    /// The task.
    pub job: WordsJob,
    /// Its log.
    pub log: PathBuf,
}

impl Work for WordsSpec {
    fn kind(&self) -> JobKind {
        KIND
    }

    fn log(&self) -> &Path {
        &self.log
    }

    fn run(&self, ctx: &mut RunCtx) -> Report {
        self.job.run(&self.log, ctx)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The rows for a request: file tasks, then letter tasks, then the gather, which depends on
/// every letter task. Dependencies are indices into the returned list.
pub fn jobs(request: &WordsRequest) -> Vec<Job> {
    let settings = Arc::new(request.settings.clone());
    let job = |name: String, task: WordsJob, deps: Vec<usize>| Job {
        spec: JobSpec::new(WordsSpec {
            job: task,
            log: log_files::log_path(&request.log_dir, &name, "words"),
        }),
        name,
        deps,
        after: Vec::new(),
    };
    let mut jobs: Vec<Job> = (0..request.files as u64)
        .map(|index| {
            let task = WordsJob::File {
                index,
                settings: Arc::clone(&settings),
            };
            job(format!("output{index}"), task, Vec::new())
        })
        .collect();
    if request.letters.is_empty() {
        return jobs;
    }
    let board = Arc::new(LetterBoard::new(
        Arc::clone(&settings),
        request.letters.as_bytes().to_vec(),
    ));
    let width = request.letters.len().to_string().len();
    let first_letter = jobs.len();
    for (index, letter) in request.letters.chars().enumerate() {
        let task = WordsJob::Letter {
            index,
            board: Arc::clone(&board),
        };
        jobs.push(job(
            format!("letter{index:0width$}-{letter}"),
            task,
            Vec::new(),
        ));
    }
    let letters = (first_letter..jobs.len()).collect();
    jobs.push(job(
        "letters-gather".to_string(),
        WordsJob::Gather { board },
        letters,
    ));
    jobs
}

impl WordsJob {
    /// What the task makes, for the top of its log.
    fn describe(&self) -> String {
        match self {
            WordsJob::File { index, settings } => format!(
                "{} {} -> {}",
                settings.words_per_task,
                if settings.tally {
                    "words, tallied"
                } else {
                    "words"
                },
                settings
                    .out_dir
                    .join(format!("output{index}.txt"))
                    .display()
            ),
            WordsJob::Letter { index, board } => board.describe(Some(*index)),
            WordsJob::Gather { board } => board.describe(None),
        }
    }

    /// Runs the task and reports its outcome and the CPU time of the worker thread. Its log
    /// (`log`) says what it made and how it ended; the words themselves go to their files.
    pub fn run(&self, log: &Path, ctx: &mut RunCtx) -> Report {
        let mut log_file = log_files::make_room(log)
            .and_then(|()| crate::sys::regular_file::create_own(log))
            .ok();
        if let Some(file) = &mut log_file {
            let _ = writeln!(file, "$ pseudowords {}", self.describe());
        }
        let mut report = self.run_task(ctx);
        if let Some(file) = &mut log_file {
            let ending = match (&report.outcome, &report.error) {
                (_, Some(error)) => format!("failed: {error}"),
                (crate::engine::Outcome::Cancelled, None) => "cancelled by the user".to_string(),
                (crate::engine::Outcome::TimedOut, None) => "timed out".to_string(),
                _ => "done".to_string(),
            };
            let _ = writeln!(file, "jobdeck: {ending}");
            report.log = Some(log.to_path_buf());
        }
        report
    }

    fn run_task(&self, ctx: &mut RunCtx) -> Report {
        let cpu_before = thread_cpu();
        let result = match self {
            WordsJob::File { index, settings } => write_file(*index, settings, ctx),
            WordsJob::Letter { index, board } => board.run_letter(*index, ctx),
            WordsJob::Gather { board } => board.run_gather(ctx),
        };
        let mut report = match result {
            Ok(()) => Report::new(crate::engine::Outcome::Succeeded),
            Err(Halt::Stopped(reason)) => Report::stopped(reason),
            Err(Halt::Failed(error)) => Report::failure(error),
        };
        report.cpu = cpu_before
            .zip(thread_cpu())
            .map(|(before, after)| after.saturating_sub(before));
        report
    }
}

/// CPU time used by the calling thread so far.
fn thread_cpu() -> Option<Duration> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::try_from(now).ok()
}

/// Why a task stopped before completing.
#[derive(Debug)]
enum Halt {
    /// Cancelled or timed out.
    Stopped(StopReason),
    /// An I/O error, as a one-line message.
    Failed(String),
}

fn check(ctx: &RunCtx) -> Result<(), Halt> {
    ctx.stop_reason()
        .map_or(Ok(()), |reason| Err(Halt::Stopped(reason)))
}

fn write_file(index: u64, settings: &WordsSettings, ctx: &mut RunCtx) -> Result<(), Halt> {
    ctx.detail(format!("seed {}", settings.seed));
    let dest = settings.out_dir.join(format!("output{index}.txt"));
    let mut file = PendingFile::create(&dest, ctx.run)?;
    let mut stream = WordStream::new(Alphabet::Any, settings.seed, StreamId::File(index));
    let mut progress = Progress::new(settings.words_per_task);
    generate_into(
        &mut file,
        &mut stream,
        settings.words_per_task,
        ctx,
        &mut progress,
        settings.tally,
    )?;
    file.commit()
}

/// Words done out of words in all, reported through the rate-limited `RunCtx::progress`.
#[derive(Debug)]
struct Progress {
    done: u64,
    total: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        Self { done: 0, total }
    }

    fn add(&mut self, words: u64, ctx: &mut RunCtx) {
        self.done += words;
        ctx.progress(self.done, self.total);
    }
}

/// Appends `words` words of `stream` to `file` (or, with `tally`, how often each came up),
/// checking for a stop every `CHECK_WORDS`.
fn generate_into(
    file: &mut PendingFile,
    stream: &mut WordStream,
    words: u64,
    ctx: &mut RunCtx,
    progress: &mut Progress,
    tally: bool,
) -> Result<(), Halt> {
    let mut tally = tally.then(Tally::default);
    let mut buffer = Vec::new();
    let mut left = words;
    if left == 0 {
        progress.add(0, ctx);
    }
    while left > 0 {
        let batch = usize::try_from(left).map_or(BUFFER_WORDS, |left| left.min(BUFFER_WORDS));
        buffer.resize(batch * WORD_LEN, 0);
        for slice in buffer.chunks_mut(CHECK_WORDS * WORD_LEN) {
            check(ctx)?;
            stream.fill(slice);
            progress.add((slice.len() / WORD_LEN) as u64, ctx);
        }
        match tally.as_mut() {
            Some(tally) => tally.add(&buffer),
            None => file.write(&buffer)?,
        }
        left -= batch as u64;
    }
    if let Some(tally) = tally {
        file.write(tally.text().as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_must_be_ascii_letters() {
        assert_eq!(parse_letters("abZ").as_deref(), Ok("abZ"));
        assert!(parse_letters("").is_err());
        assert!(parse_letters("ab c").is_err());
        assert!(parse_letters("é").is_err());
        let most = "a".repeat(MAX_WORD_TASKS as usize);
        assert!(parse_letters(&most).is_ok());
        assert!(parse_letters(&(most + "a")).is_err());
    }

    #[test]
    fn rows_are_files_then_letters_then_the_gather() {
        let request = WordsRequest {
            files: 2,
            letters: "thisisaverylong".to_string(),
            settings: WordsSettings {
                out_dir: PathBuf::from("/tmp/x"),
                words_per_task: 10,
                seed: 1,
                parts_dir: PathBuf::from("/tmp/x/parts"),
                tally: false,
            },
            log_dir: PathBuf::from("/tmp/logs"),
        };
        let jobs = jobs(&request);
        let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names[..3], ["output0", "output1", "letter00-t"]);
        assert_eq!(names[16], "letter14-g");
        assert_eq!(names.last().copied(), Some("letters-gather"));
        assert_eq!(names.len(), 2 + 15 + 1);
        let gather = jobs.last().expect("a gather");
        assert_eq!(
            gather.deps,
            (2..17).collect::<Vec<_>>(),
            "it waits for every letter"
        );
        assert!(jobs[..17].iter().all(|job| job.deps.is_empty()));
    }
}
