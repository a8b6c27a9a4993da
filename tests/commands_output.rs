//! `jobdeck run`'s output, headless, as a GNU parallel user expects it: stdout carries each
//! job's own output byte for byte, whole and never mixed with another's, as jobs end or in
//! input order with `-k`; jobdeck's own lines and recap go to stderr; `--json` keeps stdout
//! for the JSON lines.

mod common;

use common::TempDir;
use common::commands::{RawRun, jobdeck_run, run_raw};

/// A command whose output is many lines written one by one (so two running at once would
/// mix them line by line without grouping), then bytes that are no text and no final
/// newline. `{}` is the job's input.
const NOISY: &str =
    r"i=0; while [ $i -lt 300 ]; do echo {} line $i; i=$((i+1)); done; printf '\001\377\r\t{} end'";

/// What one `NOISY` job prints.
fn noisy_output(input: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..300 {
        bytes.extend_from_slice(format!("{input} line {i}\n").as_bytes());
    }
    bytes.extend_from_slice(b"\x01\xff\r\t");
    bytes.extend_from_slice(format!("{input} end").as_bytes());
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[test]
fn each_jobs_output_is_on_stdout_whole_and_byte_for_byte() {
    let temp = TempDir::new("output-group");
    let inputs = ["a", "b", "c", "d", "e", "f"];
    let mut args = vec!["-j4", "--", NOISY, ":::"];
    args.extend(inputs);
    let run = jobdeck_run(temp.path(), &args, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    let outputs: Vec<Vec<u8>> = inputs.iter().map(|input| noisy_output(input)).collect();
    assert_eq!(
        run.stdout.len(),
        outputs.iter().map(Vec::len).sum::<usize>(),
        "stdout is the jobs' output and nothing else: {}",
        run.stdout_text()
    );
    for (input, output) in inputs.iter().zip(&outputs) {
        assert!(
            find(&run.stdout, output).is_some(),
            "job {input}'s output is not on stdout in one piece: {}",
            run.stdout_text()
        );
    }
    for input in inputs {
        assert!(
            run.stderr
                .lines()
                .any(|line| line.starts_with("ok ") && line.contains(input)),
            "jobdeck's line for {input} is on stderr: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("6 jobs: 6 ok"),
        "the summary is on stderr: {}",
        run.stderr
    );
}

/// `first` waits until jobdeck has said on its stderr (a file) that `second` ended, so
/// `second` always ends first.
fn out_of_order(temp: &TempDir, keep_order: bool) -> RawRun {
    let keep = if keep_order { "-k" } else { "" };
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!(
            r#""$JOBDECK" run -j2 --timeout 60 {keep} -- \
               'if [ {{}} = first ]; then until grep -q "ok *second" stderr.txt; do sleep 0.01; done; fi; echo {{}} output' \
               ::: first second 2>stderr.txt"#
        ))
        .env("JOBDECK", common::JOBDECK)
        .current_dir(temp.path());
    let mut run = run_raw(command, b"");
    run.stderr = std::fs::read_to_string(temp.join("stderr.txt")).expect("read stderr.txt");
    assert_eq!(run.code(), 0, "{run:?}");
    run
}

#[test]
fn output_comes_as_jobs_end_and_in_input_order_with_keep_order() {
    let temp = TempDir::new("output-order");
    let run = out_of_order(&temp, false);
    assert_eq!(
        run.stdout_text(),
        "second output\nfirst output\n",
        "{run:?}"
    );
    let run = out_of_order(&temp, true);
    assert_eq!(
        run.stdout_text(),
        "first output\nsecond output\n",
        "{run:?}"
    );
}

#[test]
fn a_pipe_gets_only_the_jobs_output() {
    let temp = TempDir::new("output-pipe");
    std::fs::write(temp.join("one.txt"), "1\n").expect("write");
    std::fs::write(temp.join("three.txt"), "1\n2\n3\n").expect("write");
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(r#""$JOBDECK" run -- wc -l ::: *.txt | sort"#)
        .env("JOBDECK", common::JOBDECK)
        .current_dir(temp.path());
    let run = run_raw(command, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.stdout_text(), "1 one.txt\n3 three.txt\n", "{run:?}");
    assert!(run.stderr.contains("2 jobs: 2 ok"), "{run:?}");
}

#[test]
fn with_json_stdout_is_json_lines_only() {
    let temp = TempDir::new("output-json");
    let run = jobdeck_run(
        temp.path(),
        &["--json", "--", "echo {} said", ":::", "a", "b"],
        b"",
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let events = common::parse_json_lines(&run.stdout_text());
    assert_eq!(
        events.last().map(|event| event["event"].clone()),
        Some("summary".into()),
        "{run:?}"
    );
    assert!(!run.stdout_text().contains("said\n"), "{run:?}");
}

#[test]
fn a_failing_jobs_output_is_on_stdout_and_its_line_on_stderr() {
    let temp = TempDir::new("output-failing");
    let run = jobdeck_run(
        temp.path(),
        &["--", "echo {} went wrong; exit 3", ":::", "x"],
        b"",
    );
    assert_eq!(run.code(), 1, "{run:?}");
    assert_eq!(run.stdout_text(), "x went wrong\n", "{run:?}");
    assert!(
        run.stderr
            .lines()
            .any(|line| line.starts_with("failed ") && line.contains("x went wrong")),
        "{run:?}"
    );
}

#[test]
fn keep_order_outside_run_is_a_usage_error() {
    let temp = TempDir::new("keep-order-cmake");
    let run = common::run_jobdeck(["--headless", "-k", common::path_arg(temp.path())]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("-k belongs to `jobdeck run`"),
        "{run:?}"
    );
}

/// A make among the commands that fails: its error is what the failed rule's command said,
/// not make's `*** [Makefile:2: all] Error 1` that follows it (which it was before).
#[test]
fn a_failing_makes_error_is_its_rules_own_line() {
    let temp = TempDir::new("output-make");
    std::fs::create_dir_all(temp.join("m")).expect("mkdir");
    std::fs::write(
        temp.join("m/Makefile"),
        "all:\n\t@echo 'gen: cannot read spec.yaml'; exit 1\n",
    )
    .expect("write the Makefile");
    let run = jobdeck_run(
        temp.path(),
        &["--json", "--", "make", "-C", "{}", ":::", "m"],
        b"",
    );
    assert_eq!(run.code(), 1, "{run:?}");
    let events = common::parse_json_lines(&run.stdout_text());
    let finished = events
        .iter()
        .find(|event| event["event"] == "finished")
        .expect("a finished event");
    assert_eq!(
        finished["error"], "gen: cannot read spec.yaml",
        "{finished}"
    );
}
