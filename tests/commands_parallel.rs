//! `jobdeck run` against GNU parallel itself: every replacement string, several input
//! sources (`:::`, `::::` files, `:::: -` from stdin, linked by `:::+` and `::::+`), odd
//! values, a file of commands, and the grouped output, each run by both and compared byte
//! for byte, and `--dry-run`'s lines with parallel's (where they disagree, parallel is
//! right). Both run their commands with `sh` (`PARALLEL_SHELL=sh`: parallel
//! would otherwise use the shell that started it, whose `echo` may differ).
//!
//! Also jobdeck alone: a failing command (exit 1, its error line in JSON), `-f -` with blank
//! lines and comments, linked rows' names. `make` inside commands is in
//! `tests/commands_jobserver.rs`.

mod common;

use std::process::Command;

use common::TempDir;
use common::commands::{RawRun, jobdeck_run, parallel_available, run_raw};

/// Inputs that test the path replacement strings.
const PATHS: &[&str] = &[
    "dir/sub/file.tar.gz",
    "file",
    "./x.y",
    "/abs/p.q",
    ".hidden",
    "a.b/c",
    "noext/",
    "dir.d/",
    "a/.b",
];

/// Values a shell would take apart if they were not quoted.
const ODD: &[&str] = &[
    "a b",
    "  two  spaces ",
    "it's",
    "say \"hi\"",
    "$HOME",
    "${PATH}",
    "back\\slash",
    "é 日本 🙂",
    "-n",
    "--flag",
    "*",
    "~",
    "a;b",
    "a|b",
    "a&b",
    "$(echo no)",
    "`echo no`",
    "#hash",
    "",
];

/// GNU parallel's run of `args` (its options, the command and the inputs) with `-k`.
fn parallel(temp: &TempDir, args: &[&str], stdin: &[u8]) -> RawRun {
    let mut command = Command::new("parallel");
    command
        .args(["--will-cite", "-k", "-j4"])
        .args(args)
        .env("PARALLEL_SHELL", "sh")
        .env("HOME", temp.path())
        .current_dir(temp.path());
    run_raw(command, stdin)
}

/// Runs the same template through parallel and `jobdeck run -k` and compares stdout. The
/// command's words are joined by spaces, unquoted, as parallel does (`'%s\n'` keeps its
/// quotes for the shell).
fn same_as_parallel(test: &str, args: &[&str], stdin: &[u8]) {
    compared_with_parallel(test, &[], &["-j4"], args, stdin);
}

/// Runs `parallel THEIRS… ARGS…` and `jobdeck run -k OURS… -- ARGS…` in a fresh folder
/// named `test` holding the same input files, and asserts that both succeed and print the
/// same, byte for byte.
fn compared_with_parallel(test: &str, theirs: &[&str], ours: &[&str], args: &[&str], stdin: &[u8]) {
    let temp = TempDir::new(test);
    std::fs::write(temp.join("lines.txt"), "f1\nf 2\n\nlast no newline").expect("write");
    std::fs::write(temp.join("two.txt"), "x/y.z\nq\n").expect("write");
    let theirs: Vec<&str> = theirs.iter().chain(args).copied().collect();
    let expected = parallel(&temp, &theirs, stdin);
    assert_eq!(expected.code(), 0, "parallel {theirs:?}: {expected:?}");
    let ours: Vec<&str> = std::iter::once("-k")
        .chain(ours.iter().copied())
        .chain(std::iter::once("--"))
        .chain(args.iter().copied())
        .collect();
    let run = jobdeck_run(temp.path(), &ours, stdin);
    assert_eq!(run.code(), 0, "jobdeck run {ours:?}: {run:?}");
    assert_eq!(
        run.stdout_text(),
        expected.stdout_text(),
        "jobdeck run {ours:?} (left) and parallel (right) differ"
    );
    assert_eq!(run.stdout, expected.stdout, "bytes differ for {theirs:?}");
}

fn with_inputs<'a>(command: &[&'a str], inputs: &[&'a str]) -> Vec<&'a str> {
    let mut args = command.to_vec();
    args.push(":::");
    args.extend(inputs);
    args
}

#[test]
fn every_path_replacement_string_as_parallel() {
    if !parallel_available("every_path_replacement_string_as_parallel") {
        return;
    }
    let command = [
        "printf",
        "'%s|%s|%s|%s|%s|%s\\n'",
        "{}",
        "{.}",
        "{/}",
        "{//}",
        "{/.}",
        "{#}",
    ];
    same_as_parallel("paths", &with_inputs(&command, PATHS), b"");
}

#[test]
fn positional_replacement_strings_over_several_sources_as_parallel() {
    if !parallel_available("positional_replacement_strings_over_several_sources_as_parallel") {
        return;
    }
    let args = [
        "echo", "{1}", "{2}", "{2/.}", "{1.}", "{1/}", "{1//}", "{2//}", "{1/.}", "{#}", "{}",
        "{0}", "x{0.}", "{00}y", "{3}z", ":::", "a/b.c", "d.e", ":::", "x/y.z", "q",
    ];
    same_as_parallel("positional", &args, b"");
    same_dry_run_as_parallel("positional", &args, b"");
}

#[test]
fn inputs_without_a_replacement_string_are_appended_as_parallel() {
    if !parallel_available("inputs_without_a_replacement_string_are_appended_as_parallel") {
        return;
    }
    let args = ["echo", "in", ":::", "a", "b", ":::", "1", "2", ":::", "x"];
    same_as_parallel("appended", &args, b"");
}

#[test]
fn odd_values_are_quoted_as_parallel_quotes_them() {
    if !parallel_available("odd_values_are_quoted_as_parallel_quotes_them") {
        return;
    }
    // As separate words, and inside one command line given as a single word.
    same_as_parallel(
        "odd-words",
        &with_inputs(&["printf", "'%s|\\n'", "{}"], ODD),
        b"",
    );
    same_as_parallel(
        "odd-line",
        &with_inputs(&["printf '[%s]\\n' {} {}"], ODD),
        b"",
    );
    // And printed by `--dry-run` as parallel prints them (a `'` was `'\''`, parallel's is
    // `'"'"'`).
    same_dry_run_as_parallel(
        "odd-words",
        &with_inputs(&["printf", "'%s|\\n'", "{}"], ODD),
        b"",
    );
    same_dry_run_as_parallel("odd-appended", &with_inputs(&["echo"], ODD), b"");
}

#[test]
fn files_and_stdin_as_input_sources_as_parallel() {
    if !parallel_available("files_and_stdin_as_input_sources_as_parallel") {
        return;
    }
    let stdin = b"a\nb c\n\n-d\ncr\r\n";
    let printf = ["printf", "'%s|\\n'"];
    let cases: [(&str, &[&str]); 5] = [
        ("file", &["{}", "::::", "lines.txt"]),
        ("stdin", &["{#}", "{}", "::::", "-"]),
        (
            "mixed",
            &[
                "{1}", "{2}", "{3}", "::::", "-", ":::", "p", "q", "::::", "two.txt",
            ],
        ),
        ("two-files", &["{2}", "{1}", "::::", "two.txt", "lines.txt"]),
        ("file-then-args", &["{}", "::::", "two.txt", ":::", "k"]),
    ];
    for (name, rest) in cases {
        let args: Vec<&str> = printf.iter().chain(rest).copied().collect();
        same_as_parallel(name, &args, stdin);
    }
}

/// Issue 29: GNU parallel's linked sources (`:::+`, `::::+`: value by value with the source
/// before, the shortest deciding) were not read (`input source 1 is empty`). Each case runs
/// through both, with `-k` and with `--dry-run`, and must match byte for byte.
#[test]
fn linked_sources_as_parallel() {
    if !parallel_available("linked_sources_as_parallel") {
        return;
    }
    let stdin = b"s1\ns 2\ns3\n";
    let cases: [(&str, &[&str]); 12] = [
        ("linked", &["echo", ":::", "A", "B", ":::+", "1", "2"]),
        (
            "numbers",
            &[
                "echo", "{#}", "{1}", "{2}", ":::", "A", "B", "C", ":::+", "1", "2", "3",
            ],
        ),
        ("shorter", &["echo", ":::", "A", "B", "C", ":::+", "1", "2"]),
        (
            "longer",
            &["echo", ":::", "A", "B", ":::+", "1", "2", "3", "4"],
        ),
        ("first", &["echo", "{}", ":::+", "a", "b"]),
        (
            "first-crossed",
            &["echo", ":::+", "a", "b", ":::", "1", "2"],
        ),
        (
            "mixed",
            &[
                "echo", "{1}", "{2}", "{3}", ":::", "A", "B", ":::", "x", "y", ":::+", "1", "2",
            ],
        ),
        (
            "mixed-linked-first",
            &[
                "echo", "{3}", "{1}", "{2/.}", ":::", "a/A.c", "B", ":::+", "x/1.y", "2", ":::",
                "p",
            ],
        ),
        (
            "chains",
            &[
                "echo", ":::", "a", "b", "c", ":::+", "1", "2", "3", ":::", "X", "Y", ":::+", "11",
                "22", ":::+", "i", "ii", "iii",
            ],
        ),
        (
            "files",
            &[
                "echo",
                ":::",
                "A",
                "B",
                "C",
                "::::+",
                "lines.txt",
                "two.txt",
            ],
        ),
        (
            "files-first",
            &["echo", "::::", "lines.txt", "two.txt", "::::+", "-"],
        ),
        (
            "odd",
            &[
                "printf",
                "'%s|%s\\n'",
                ":::",
                "it's",
                "$HOME",
                ":::+",
                "a b",
                "*",
            ],
        ),
    ];
    for (name, args) in cases {
        same_as_parallel(name, args, stdin);
        same_dry_run_as_parallel(name, args, stdin);
    }
}

/// `--dry-run` prints the same lines as parallel's.
fn same_dry_run_as_parallel(test: &str, args: &[&str], stdin: &[u8]) {
    let folder = format!("{test}-dry");
    compared_with_parallel(&folder, &["--dry-run"], &["--dry-run"], args, stdin);
}

/// Linked sources' rows are named by their values side by side; linked sources of
/// different lengths are noted on stderr (parallel drops the longer one's rest silently),
/// and an empty one is refused (parallel ran `echo A ''` once).
#[test]
fn linked_rows_are_named_by_their_values_and_values_left_out_are_noted() {
    let temp = TempDir::new("linked-rows");
    let run = jobdeck_run(
        temp.path(),
        &[
            "--json", "--", "echo", ":::", "A", "B", "C", ":::+", "1", "2",
        ],
        b"",
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let events = common::parse_json_lines(&run.stdout_text());
    let mut jobs: Vec<&str> = events
        .iter()
        .filter(|event| event["event"] == "finished")
        .filter_map(|event| event["job"].as_str())
        .collect();
    jobs.sort_unstable();
    assert_eq!(jobs, ["A 1", "B 2"], "{events:?}");
    assert!(
        run.stderr
            .contains("linked input sources 1 and 2 have 3 and 2 values"),
        "{run:?}"
    );
    let empty = jobdeck_run(temp.path(), &["--", "echo", ":::", "A", ":::+"], b"");
    assert_eq!(empty.code(), 2, "{empty:?}");
    assert!(
        empty.stderr.contains("input source 2 is empty"),
        "{empty:?}"
    );
}

/// Prints 200 lines one by one, then bytes that are not text and no final newline: two
/// jobs running at once would mix their lines without grouping.
const NOISY: &str =
    r"i=0; while [ $i -lt 200 ]; do echo {} $i; i=$((i+1)); done; printf '\001\377\r{} end'";

#[test]
fn grouped_output_in_input_order_as_parallel_k() {
    if !parallel_available("grouped_output_in_input_order_as_parallel_k") {
        return;
    }
    let inputs = ["a", "b", "c", "d", "e", "f", "g", "h"];
    same_as_parallel("grouped", &with_inputs(&[NOISY], &inputs), b"");
}

#[test]
fn grouped_output_as_jobs_end_holds_the_same_groups_as_parallel() {
    if !parallel_available("grouped_output_as_jobs_end_holds_the_same_groups_as_parallel") {
        return;
    }
    let temp = TempDir::new("groups");
    let inputs = ["a", "b", "c", "d", "e", "f"];
    let args = with_inputs(&[NOISY, "; echo"], &inputs);
    let mut command = Command::new("parallel");
    command
        .args(["--will-cite", "-j4"])
        .args(&args)
        .env("PARALLEL_SHELL", "sh")
        .env("HOME", temp.path())
        .current_dir(temp.path());
    let expected = run_raw(command, b"");
    let mut ours = vec!["-j4", "--"];
    ours.extend(&args);
    let run = jobdeck_run(temp.path(), &ours, b"");
    assert_eq!(run.code(), 0, "{run:?}");
    // Each group ends with its ` end` line: both outputs are the same groups, in the order
    // their jobs ended.
    assert_eq!(groups(&run.stdout), groups(&expected.stdout), "{run:?}");
}

/// The groups of an output whose every job ends with a line ending ` end\n`, sorted.
fn groups(output: &[u8]) -> Vec<Vec<u8>> {
    let mut groups: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    for line in output.split_inclusive(|&byte| byte == b'\n') {
        current.extend_from_slice(line);
        if line.ends_with(b" end\n") {
            groups.push(std::mem::take(&mut current));
        }
    }
    assert!(
        current.is_empty(),
        "output after the last group: {current:?}"
    );
    groups.sort();
    groups
}

#[test]
fn a_file_of_commands_from_stdin_as_parallel_reads_it() {
    if !parallel_available("a_file_of_commands_from_stdin_as_parallel_reads_it") {
        return;
    }
    let temp = TempDir::new("commands-file");
    let file = b"echo one\n\n# a comment\n   \nprintf '%s\\n' \"two  words\" $((1+2))\n  # indented\necho 'last'";
    let expected = parallel(&temp, &[], file);
    assert_eq!(expected.code(), 0, "{expected:?}");
    let run = jobdeck_run(temp.path(), &["-k", "-f", "-"], file);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.stdout_text(), expected.stdout_text());
    assert_eq!(run.stdout_text(), "one\ntwo  words\n3\nlast\n");
    // Three commands: the blank lines and the comments are no jobs.
    assert!(run.stderr.contains("3 jobs: 3 ok"), "{run:?}");
}

#[test]
fn a_failing_command_exits_1_with_its_error_line_in_json() {
    let temp = TempDir::new("failing");
    let run = jobdeck_run(
        temp.path(),
        &[
            "--json",
            "--",
            "echo building {}; echo \"src/{}.c:7:3: error: no such thing\" >&2; echo more; exit 2",
            ":::",
            "bad",
            "other",
        ],
        b"",
    );
    assert_eq!(run.code(), 1, "{run:?}");
    let events = common::parse_json_lines(&run.stdout_text());
    let finished = |job: &str| {
        events
            .iter()
            .find(|event| event["event"] == "finished" && event["job"] == job)
            .unwrap_or_else(|| panic!("no finished event of {job}: {events:?}"))
            .clone()
    };
    let bad = finished("bad");
    assert_eq!(bad["status"], "failed", "{bad}");
    assert_eq!(bad["exit_code"], 2, "{bad}");
    assert_eq!(bad["error"], "src/bad.c:7:3: error: no such thing", "{bad}");
    assert_eq!(bad["error_file"], "src/bad.c", "{bad}");
    assert_eq!(bad["error_line"], 7, "{bad}");
    let summary = events.last().expect("a summary");
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["unsuccessful"][0]["job"], "bad", "{summary}");
}

/// A template with no `:::` reads its inputs from stdin, one per line, as `ls | parallel
/// gzip` does (jobdeck said "a template needs input" before).
#[test]
fn a_template_without_sources_reads_stdin_as_parallel() {
    if !parallel_available("a_template_without_sources_reads_stdin_as_parallel") {
        return;
    }
    same_as_parallel(
        "stdin-source",
        &["echo", "got", "{}", "{#}"],
        b"one\ntwo words\n$HOME\n",
    );
    same_as_parallel("stdin-appended", &["echo", "in"], b"a\nb\n");
}
