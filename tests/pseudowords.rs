//! Pseudoword tasks, end to end: the real binary for file formats, letter order, seeds and
//! planning; the engine driven directly for cancels, progress and the gather's scheduling.
//!
//! Word counts stay small so the file runs in a second or two on a 2-core machine, apart from
//! the demo test, which generates the demo's 4 billion words (several seconds).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use std::sync::atomic::{AtomicU64, Ordering};

use clap::Parser;
use common::{TempDir, engine, next_event as next, run_command, run_jobdeck};
use crossbeam_channel::Receiver;
use jobdeck::engine::run_ctx::PROGRESS_INTERVAL;
use jobdeck::engine::{Engine, EngineEvent, EventKind, Finished, JobId, Outcome, RunId, WorkItem};
use jobdeck::jobs::Job;
use jobdeck::jobs::pseudowords::{self, WordsRequest, WordsSettings};

const FIRST: &[u8] = b"bdvl";
const SECOND: &[u8] = b"aoi";
const THIRD: &[u8] = b"pkl";

/// Runs `jobdeck --headless --no-cmake` with `args`, writing into `out`; expects success.
fn run_words(out: &Path, args: &[&str]) {
    let build = out.with_file_name(format!(
        "{}-build",
        out.file_name().expect("a name").to_string_lossy()
    ));
    let build = build.to_str().expect("UTF-8 temp path");
    let mut all = vec!["--headless", "--no-cmake", "-B", build, "--words-out"];
    let out = out.to_str().expect("UTF-8 temp path");
    all.push(out);
    all.extend_from_slice(args);
    let run = run_jobdeck(&all);
    assert_eq!(
        run.code(),
        0,
        "{all:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

/// Every file in `dir` (not in subfolders) by name.
fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read the output folder")
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("read an output file"))
        })
        .collect()
}

/// Asserts `bytes` is exactly `count` words, each `first` letter + `[aoi][pkl]` + newline.
fn assert_words(bytes: &[u8], count: usize, first: &[u8]) {
    assert_eq!(bytes.len(), count * 4, "{count} words of 4 bytes");
    for word in bytes.chunks_exact(4) {
        assert!(
            first.contains(&word[0]) && SECOND.contains(&word[1]) && THIRD.contains(&word[2]),
            "bad word {:?}",
            String::from_utf8_lossy(word)
        );
        assert_eq!(word[3], b'\n');
    }
}

#[test]
fn file_tasks_write_the_asked_number_of_words() {
    let tmp = TempDir::new("words-files");
    let out = tmp.join("out");
    run_words(
        &out,
        &["--words", "3", "--words-per-task", "2500", "-j", "2"],
    );
    let files = files_in(&out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["output0.txt", "output1.txt", "output2.txt"]);
    for bytes in files.values() {
        assert_words(bytes, 2500, FIRST);
    }
}

#[test]
fn letters_are_gathered_in_the_order_of_the_string() {
    let tmp = TempDir::new("words-letters");
    let out = tmp.join("out");
    let letters = "thisisz";
    run_words(&out, &["--letters", letters, "--words-per-task", "700"]);
    let files = files_in(&out);
    assert_eq!(files.keys().collect::<Vec<_>>(), ["letters.txt"]);
    let gathered = &files["letters.txt"];
    assert_eq!(gathered.len(), letters.len() * 700 * 4);
    for (letter, block) in letters.bytes().zip(gathered.chunks_exact(700 * 4)) {
        assert_words(block, 700, &[letter]);
    }
    assert!(
        !out.join(".letter-parts").exists(),
        "parts stay out of the output"
    );
}

#[test]
fn same_seed_gives_the_same_bytes_whatever_the_worker_count() {
    let tmp = TempDir::new("words-seed");
    let args = |workers| {
        [
            "--words",
            "4",
            "--letters",
            "abcab",
            "--words-per-task",
            "3000",
            "--seed",
            "1234",
            "-j",
            workers,
        ]
    };
    let mut outputs = Vec::new();
    for workers in ["1", "2", "8"] {
        let out = tmp.join(format!("j{workers}"));
        run_words(&out, &args(workers));
        outputs.push(files_in(&out));
    }
    assert_eq!(outputs[0].len(), 5, "4 files and letters.txt");
    assert_eq!(outputs[0], outputs[1], "-j1 and -j2 differ");
    assert_eq!(outputs[0], outputs[2], "-j1 and -j8 differ");
    assert_ne!(outputs[0]["output0.txt"], outputs[0]["output1.txt"]);

    let other = tmp.join("other-seed");
    run_words(
        &other,
        &["--words", "1", "--words-per-task", "3000", "--seed", "1235"],
    );
    assert_ne!(files_in(&other)["output0.txt"], outputs[0]["output0.txt"]);
}

#[test]
fn an_unwritable_output_folder_fails_with_a_clear_message() {
    let tmp = TempDir::new("words-unwritable");
    // Root ignores permission bits, but nobody can make a folder inside a regular file.
    std::fs::write(tmp.join("afile"), "not a folder").expect("write a file");
    let out = tmp.join("afile/out");
    let build = tmp.join("b");
    let run = run_jobdeck([
        "--headless",
        "--no-cmake",
        "-B",
        build.to_str().expect("UTF-8"),
        "--words",
        "1",
        "--words-per-task",
        "10",
        "--words-out",
        out.to_str().expect("UTF-8"),
    ]);
    assert_eq!(run.code(), 1, "stdout:\n{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|line| line.contains("output0"))
        .expect("a line for the task");
    assert!(line.starts_with("failed"), "{line}");
    assert!(line.contains("cannot create folder"), "{line}");
    assert!(line.contains("afile/out"), "{line}");
}

#[test]
fn words_alone_run_from_a_folder_without_cmake_projects() {
    let tmp = TempDir::new("words-alone");
    for extra in [&["--no-cmake"][..], &[]] {
        let mut command = common::jobdeck();
        command
            .current_dir(tmp.path())
            .args(["--headless", "--words", "2", "--words-per-task", "10"])
            .args(extra);
        let run = run_command(command);
        assert_eq!(run.code(), 0, "{extra:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("2 jobs: 2 ok"), "{}", run.stdout);
        let default_out = tmp.join("build/pseudowords");
        assert_words(
            &std::fs::read(default_out.join("output1.txt")).expect("output1"),
            10,
            FIRST,
        );
    }

    let mut command = common::jobdeck();
    command
        .current_dir(tmp.path())
        .args(["--headless", "--no-cmake"]);
    let run = run_command(command);
    assert_eq!(run.code(), 2);
    assert!(run.stderr.contains("nothing to run"), "{}", run.stderr);
}

// The engine, driven directly.

fn word_jobs(out: &Path, files: usize, letters: &str, words_per_task: u64) -> Vec<Job> {
    jobs_keeping(out, files, letters, words_per_task, false)
}

fn jobs_keeping(
    out: &Path,
    files: usize,
    letters: &str,
    words_per_task: u64,
    tally: bool,
) -> Vec<Job> {
    pseudowords::jobs(&WordsRequest {
        files,
        letters: letters.to_string(),
        settings: WordsSettings {
            out_dir: out.to_path_buf(),
            words_per_task,
            seed: 99,
            parts_dir: out.with_file_name("parts"),
            tally,
        },
        log_dir: out.with_file_name("logs"),
    })
}

fn submit(engine: &Engine, job: &Job, id: u32, run: u64) -> RunId {
    let run = RunId(run);
    engine.submit(WorkItem {
        job: JobId(id),
        run,
        timeout: None,
        task: job.spec.task(),
    });
    run
}

/// Collects events until `run` finishes; returns them and its `Finished`.
fn until_finished(rx: &Receiver<EngineEvent>, run: RunId) -> (Vec<EngineEvent>, Finished) {
    let mut events = Vec::new();
    loop {
        let event = next(rx);
        if event.run == run
            && let EventKind::Finished(finished) = &event.kind
        {
            let finished = finished.clone();
            return (events, finished);
        }
        events.push(event);
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_cancelled_task_leaves_no_final_file_and_no_temporary_one() {
    let tmp = TempDir::new("words-cancel");
    let out = tmp.join("out");
    // Far more words than the test waits for: it is cancelled after its first progress.
    let jobs = word_jobs(&out, 1, "", 1 << 34);
    let (engine, rx) = engine(1);
    let run = submit(&engine, &jobs[0], 0, 1);
    loop {
        if let EventKind::Progress { .. } = next(&rx).kind {
            break;
        }
    }
    engine.cancel(run);
    let (_, finished) = until_finished(&rx, run);
    assert_eq!(finished.outcome, Outcome::Cancelled);
    assert!(finished.cpu.is_some(), "thread CPU time is measured");
    assert_eq!(
        names_in(&out),
        Vec::<String>::new(),
        "nothing left in {}",
        out.display()
    );
}

#[test]
fn progress_arrives_rate_limited_and_ends_at_the_total() {
    let tmp = TempDir::new("words-progress");
    let words = 3_000_000;
    let jobs = word_jobs(&tmp.join("out"), 1, "", words);
    let (engine, rx) = engine(1);
    let run = submit(&engine, &jobs[0], 0, 1);
    let (events, finished) = until_finished(&rx, run);
    assert_eq!(finished.outcome, Outcome::Succeeded, "{:?}", finished.error);
    let progress: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Progress { done, total } => Some((done, total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress.last(), Some(&(words, words)));
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0), "{progress:?}");
    // One at the start, one per interval, and the final one: never one per chunk of work.
    let intervals = finished.elapsed.as_millis() / PROGRESS_INTERVAL.as_millis();
    let allowed = usize::try_from(intervals).expect("small") + 2;
    assert!(
        progress.len() <= allowed,
        "{} events in {:?}",
        progress.len(),
        finished.elapsed
    );
}

/// Run ids for `run_in_order`: unique within the test binary, as the model's are.
static NEXT_RUN: AtomicU64 = AtomicU64::new(1000);

/// Runs every job of `jobs` on `engine` in the given order and waits for all to finish.
fn run_in_order(engine: &Engine, rx: &Receiver<EngineEvent>, jobs: &[Job], order: &[usize]) {
    let runs: Vec<RunId> = order
        .iter()
        .map(|&index| {
            let id = u32::try_from(index).expect("small");
            submit(
                engine,
                &jobs[index],
                id,
                NEXT_RUN.fetch_add(1, Ordering::SeqCst),
            )
        })
        .collect();
    let mut done = Vec::new();
    while done.len() < runs.len() {
        let event = next(rx);
        if let EventKind::Finished(finished) = event.kind {
            assert_eq!(finished.outcome, Outcome::Succeeded, "{:?}", finished.error);
            done.push(event.run);
        }
    }
}

/// `--demo` sizes its word tasks to be seen (500 million words each, a second or more of
/// CPU), more of them than two workers, and counts the words rather than writing 2 GB
/// files (the counting itself: `tallying_tasks_count_every_word_and_gather_in_order`).
#[test]
fn the_demo_plans_counted_word_tasks_of_full_size() {
    let tmp = TempDir::new("words-demo");
    let args = jobdeck::plan::cli::Args::parse_from([
        "jobdeck",
        "--demo",
        "--no-cmake",
        "-B",
        tmp.path().to_str().expect("UTF-8"),
    ]);
    let plan = jobdeck::plan::plan(&args.request(Vec::new())).expect("a plan");
    let files: Vec<_> = plan
        .jobs
        .iter()
        .filter_map(|job| match job.spec.downcast::<pseudowords::WordsSpec>() {
            Some(pseudowords::WordsSpec {
                job: pseudowords::WordsJob::File { settings, .. },
                ..
            }) => Some(settings),
            _ => None,
        })
        .collect();
    assert_eq!(files.len(), 4, "{:?}", plan.jobs);
    assert!(
        files.iter().all(|settings| settings.tally
            && settings.words_per_task == jobdeck::plan::demo::WORDS_PER_TASK)
    );
    // The letters share those settings through their board; with the files, eight tasks.
    let letters = plan
        .jobs
        .iter()
        .filter(|job| job.name.starts_with("letter"))
        .count();
    assert_eq!(letters, 4 + 1, "four letters and their gather");
}

/// The demo's tasks count their words instead of keeping them: every word is generated and
/// counted, the files stay small, and the gather still puts the letters in order.
#[test]
fn tallying_tasks_count_every_word_and_gather_in_order() {
    let tmp = TempDir::new("words-tally");
    let out = tmp.join("out");
    let words = 100_000;
    let jobs = jobs_keeping(&out, 1, "qz", words, true);
    let (engine, rx) = engine(2);
    run_in_order(&engine, &rx, &jobs, &[0, 1, 2]);
    run_in_order(&engine, &rx, &jobs, &[3]);
    let counts = |text: &str| -> Vec<(String, u64)> {
        text.lines()
            .map(|line| {
                let (word, count) = line.split_once(' ').expect("`word count`");
                (word.to_string(), count.parse().expect("a count"))
            })
            .collect()
    };
    let file = counts(&std::fs::read_to_string(out.join("output0.txt")).expect("output0"));
    assert_eq!(file.len(), 36, "every pseudoword comes up: {file:?}");
    assert_eq!(file.iter().map(|(_, n)| n).sum::<u64>(), words);
    // Uniform: each word near a 36th of the words.
    assert!(
        file.iter()
            .all(|(_, n)| n.abs_diff(words / 36) < words / 36 / 5)
    );
    let gathered = counts(&std::fs::read_to_string(out.join("letters.txt")).expect("gathered"));
    assert_eq!(gathered.len(), 18, "nine words per letter");
    assert!(gathered[..9].iter().all(|(w, _)| w.starts_with('q')));
    assert!(gathered[9..].iter().all(|(w, _)| w.starts_with('z')));
    assert_eq!(gathered.iter().map(|(_, n)| n).sum::<u64>(), 2 * words);
}

#[test]
fn rerunning_a_letter_then_the_gather_gives_the_same_file() {
    let tmp = TempDir::new("words-rerun");
    let out = tmp.join("out");
    let jobs = word_jobs(&out, 0, "abc", 1000);
    let (engine, rx) = engine(2);
    run_in_order(&engine, &rx, &jobs, &[0, 1, 2]);
    run_in_order(&engine, &rx, &jobs, &[3]);
    let first = std::fs::read(out.join("letters.txt")).expect("letters.txt");
    // The parts stay, so a letter re-run (what `r` on a letter does) is followed by a
    // gather that has every other part still there.
    run_in_order(&engine, &rx, &jobs, &[1]);
    run_in_order(&engine, &rx, &jobs, &[3]);
    assert_eq!(
        std::fs::read(out.join("letters.txt")).expect("letters.txt"),
        first
    );
    assert_eq!(
        names_in(&out),
        ["letters.txt"],
        "parts stay out of the output"
    );
    assert_eq!(names_in(&tmp.join("parts")), ["part0", "part1", "part2"]);
}

#[test]
fn a_gather_with_a_missing_part_fails_naming_the_letter_to_rerun() {
    let tmp = TempDir::new("words-missing-part");
    let out = tmp.join("out");
    let jobs = word_jobs(&out, 0, "ab", 100);
    let (engine, rx) = engine(1);
    run_in_order(&engine, &rx, &jobs, &[0, 1]);
    std::fs::remove_file(tmp.join("parts/part1")).expect("remove a part");
    let gather = submit(&engine, &jobs[2], 2, 9_000);
    let (_, finished) = until_finished(&rx, gather);
    assert!(matches!(finished.outcome, Outcome::Failed { .. }));
    let error = finished.error.unwrap_or_default();
    assert!(
        error.contains("letter 1 (b)") && error.contains("re-run"),
        "{error}"
    );
    assert!(!out.join("letters.txt").exists(), "no partial file");
}
