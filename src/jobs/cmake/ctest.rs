//! ctest's own account of a test run: the `JUnit` XML `ctest --output-junit` writes (with
//! `--junit`, beside the test log), read back for each test's name, time, result and output;
//! and, for the one thing ctest 3.x leaves out of that file (how a failed test failed: its
//! `Timeout`, which ctest 4 writes as the failure's message), the list of failed tests that
//! ends ctest's console output.

use std::io::Read;
use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::jobs::{SubResult, SubVerdict};

/// ctest's file is read up to this size; a larger one (tests printing megabytes) is cut, and
/// what it holds past that point is lost to the report, not to the log.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Characters of a test's output kept: its end, where a failure usually says why.
const MAX_OUTPUT: usize = 16 * 1024;

/// The tests in ctest's `JUnit` file at `path`; `None` if it is missing or is not
/// well-formed XML (ctest was stopped while writing it).
pub fn read(path: &Path) -> Option<Vec<SubResult>> {
    let file = crate::sys::regular_file::open_to_read(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES).read_to_end(&mut bytes).ok()?;
    parse(&String::from_utf8_lossy(&bytes))
}

/// The tests in the text of ctest's `JUnit` file; `None` if it is not well-formed.
pub fn parse(text: &str) -> Option<Vec<SubResult>> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut cases = Vec::new();
    let mut current: Option<SubResult> = None;
    let mut in_output = false;
    // Open elements: a file cut short (ctest stopped while writing it) ends with some open,
    // and its last test would read as passed.
    let mut depth = 0_usize;
    loop {
        let event = reader.read_event().ok()?;
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof if depth > 0 => return None,
            _ => {}
        }
        match event {
            Event::Start(tag) if tag.local_name().as_ref() == "testcase" => {
                current = Some(start_case(&tag));
            }
            Event::Empty(tag) if tag.local_name().as_ref() == "testcase" => {
                cases.push(start_case(&tag));
            }
            Event::Start(tag) | Event::Empty(tag) => {
                if let Some(case) = current.as_mut() {
                    match tag.local_name().as_ref() {
                        "failure" | "error" => {
                            case.verdict = SubVerdict::Failed(attribute(&tag, "message"));
                        }
                        "skipped" => {
                            case.verdict = not_run(&case.verdict, attribute(&tag, "message"));
                        }
                        "system-out" => in_output = true,
                        _ => {}
                    }
                }
            }
            Event::End(tag) => match tag.local_name().as_ref() {
                "testcase" => cases.extend(current.take()),
                "system-out" => in_output = false,
                _ => {}
            },
            Event::Text(text) if in_output => {
                push_output(&mut current, &text.xml_content(XmlVersion::Implicit1_0));
            }
            Event::CData(text) if in_output => {
                push_output(&mut current, &text);
            }
            Event::GeneralRef(reference) if in_output => {
                let resolved = match reference.resolve_char_ref().ok()? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&reference)?.to_string(),
                };
                push_output(&mut current, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(cases)
}

fn start_case(tag: &BytesStart<'_>) -> SubResult {
    let verdict = match attribute(tag, "status").as_str() {
        "fail" => SubVerdict::Failed(String::new()),
        // ctest's tally counts a test it did not run as failed (a fixture or a dependency
        // failed, its program is missing), unless it skipped itself: see `not_run`.
        "notrun" => SubVerdict::Failed(NOT_RUN.to_string()),
        "disabled" => SubVerdict::Skipped("disabled".to_string()),
        _ => SubVerdict::Passed,
    };
    SubResult {
        name: attribute(tag, "name"),
        seconds: attribute(tag, "time").parse().unwrap_or(0.0),
        verdict,
        output: String::new(),
        failed_attempts: Vec::new(),
    }
}

/// How each failed test failed, in ctest's word (`Timeout`, `Failed`, `SEGFAULT`), from the
/// list that ends ctest's console output in the log at `path`:
///
/// ```text
/// The following tests FAILED:
///           1 - slowpoke (Timeout)
/// ```
pub fn failed_words(path: &Path) -> std::collections::HashMap<String, String> {
    let mut words = std::collections::HashMap::new();
    // The list is at the log's end, after a failed test's output, which may be a flood:
    // only what follows the last mark is read and decoded (the mark is ASCII, so its place
    // is the same in the bytes as in their lossy decoding).
    let Some(list) = after_last(path, b"The following tests FAILED:") else {
        return words;
    };
    let list = String::from_utf8_lossy(&list);
    for line in list.lines().skip(1) {
        let entry = line.trim().split_once(" - ").and_then(|(number, rest)| {
            let (name, word) = rest.rsplit_once(" (")?;
            let word = word.strip_suffix(')')?;
            number
                .chars()
                .all(|c| c.is_ascii_digit())
                .then_some((name, word))
        });
        let Some((name, word)) = entry else { break };
        words.insert(name.to_string(), word.to_string());
    }
    words
}

/// The bytes of the file at `path` after the last `mark` in it, read from its end a window at
/// a time; `None` without a mark or when it cannot be read.
fn after_last(path: &Path, mark: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    const WINDOW: u64 = 64 * 1024;
    let file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let overlap = mark.len() as u64 - 1;
    let mut end = len;
    loop {
        // The marks starting in `start..end`; one reaching past `end` is whole in here too,
        // and one starting past `end` was looked for in the window after this one.
        let start = end.saturating_sub(WINDOW);
        let mut window = vec![0; usize::try_from((end + overlap).min(len) - start).ok()?];
        file.read_exact_at(&mut window, start).ok()?;
        if let Some(at) = memchr::memmem::rfind(&window, mark) {
            let from = start + at as u64 + mark.len() as u64;
            let mut rest = vec![0; usize::try_from(len - from).ok()?];
            file.read_exact_at(&mut rest, from).ok()?;
            return Some(rest);
        }
        if start == 0 {
            return None;
        }
        end = start;
    }
}

/// ctest's word for a test stopped at its `TIMEOUT`.
pub(super) const TIMEOUT: &str = "Timeout";

/// What ctest says of a test it did not run, as its console says it.
pub(super) const NOT_RUN: &str = "Not Run";

/// The verdict of a test whose `<skipped>` gives ctest's `reason`: a test that was `verdict`
/// so far. A test ctest did not run is failed, as ctest's own tally and exit status count
/// it (`3 tests failed out of 6`, where its `JUnit` file says `failures="1" skipped="2"`),
/// with the reason (`Not Run: Fixture dependency failed`); one that skipped itself
/// (`SKIP_RETURN_CODE`, `SKIP_REGULAR_EXPRESSION`), which ctest does not count as failed,
/// stays skipped.
fn not_run(verdict: &SubVerdict, reason: String) -> SubVerdict {
    match verdict {
        SubVerdict::Failed(word) if word == NOT_RUN && !reason.starts_with("SKIP_") => {
            SubVerdict::Failed(format!("{NOT_RUN}: {reason}"))
        }
        _ => SubVerdict::Skipped(reason),
    }
}

/// An attribute's value, unescaped; empty when it is missing.
fn attribute(tag: &BytesStart<'_>, name: &str) -> String {
    tag.attributes()
        .flatten()
        .find(|attr| attr.key.as_ref() == name)
        .and_then(|attr| attr.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default()
}

/// Appends to the current test's output, keeping only its end.
fn push_output(case: &mut Option<SubResult>, text: &str) {
    let Some(case) = case.as_mut() else { return };
    case.output.push_str(text);
    if case.output.len() > 2 * MAX_OUTPUT {
        let mut cut = case.output.len() - MAX_OUTPUT;
        while !case.output.is_char_boundary(cut) {
            cut += 1;
        }
        // From a whole line: the error is a line of the output, never the end of a cut one.
        if let Some(newline) = case.output[cut..].find('\n') {
            cut += newline + 1;
        }
        case.output.drain(..cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What ctest 3.25 writes for a passing and a failing test, tests not run (a failed
    /// fixture, a test that skipped itself, a disabled one) and escaped output.
    const CTEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)"
	tests="3" failures="1" disabled="0" skipped="1" hostname="" time="0" timestamp="2026-12-04T10:54:37">
	<testcase name="passes" classname="passes" time="0.00249013" status="run">
		<system-out></system-out>
	</testcase>
	<testcase name="fails &lt;x&gt;" classname="fails" time="0.5" status="fail">
		<failure message="Failed"/>
		<system-out>a &amp; b&#10;expected 1 &lt; 2</system-out>
	</testcase>
	<testcase name="later" classname="later" time="0" status="notrun">
		<skipped message="Fixture dependency failed"/>
		<system-out>Failed test dependencies: fails</system-out>
	</testcase>
	<testcase name="skips" classname="skips" time="0.004" status="notrun">
		<skipped message="SKIP_RETURN_CODE=77"/>
	</testcase>
	<testcase name="off" classname="off" time="0" status="disabled">
	</testcase>
</testsuite>
"#;

    #[test]
    fn each_test_is_read_with_its_result_and_output() {
        let cases = parse(CTEST).expect("well-formed");
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["passes", "fails <x>", "later", "skips", "off"]);
        assert_eq!(cases[0].verdict, SubVerdict::Passed);
        assert_eq!(cases[1].verdict, SubVerdict::Failed("Failed".into()));
        assert!((cases[1].seconds - 0.5).abs() < 1e-9);
        assert_eq!(cases[1].output, "a & b\nexpected 1 < 2");
        // Counted as ctest's tally counts them: not run for a failed fixture is failed,
        // skipping itself or disabled is not.
        assert_eq!(
            cases[2].verdict,
            SubVerdict::Failed("Not Run: Fixture dependency failed".into())
        );
        assert_eq!(
            cases[3].verdict,
            SubVerdict::Skipped("SKIP_RETURN_CODE=77".into())
        );
        assert_eq!(cases[4].verdict, SubVerdict::Skipped("disabled".into()));
    }

    #[test]
    fn the_last_mark_is_found_from_the_end_wherever_the_windows_fall() {
        let dir = std::env::temp_dir().join(format!("jobdeck-ctest-last-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let path = dir.join("flood.log");
        let mark = b"The following tests FAILED:";
        // Marks in a flood (a test printing ctest's own lines), then the real one starting
        // `64 KiB + tail` bytes before the end: in the last window, straddling the windows'
        // boundary, or in the window before.
        let list = b"\n\t  2 - fails (Failed)\n";
        for tail in [0, 1, 5, mark.len() - 1, mark.len(), 70_000] {
            let mut text = b"x\xff\n".repeat(50_000);
            text.extend_from_slice(b"The following tests FAILED:\n  9 - fake (Failed)\n");
            text.extend(std::iter::repeat_n(b'y', 200_000));
            text.extend_from_slice(mark);
            text.extend_from_slice(list);
            let trailing = 64 * 1024 + tail - mark.len() - list.len();
            text.extend(std::iter::repeat_n(b'w', trailing));
            std::fs::write(&path, &text).expect("write the log");
            let whole = memchr::memmem::rfind(&text, mark).expect("a mark") + mark.len();
            assert_eq!(after_last(&path, mark).as_deref(), Some(&text[whole..]));
            assert_eq!(failed_words(&path)["fails"], "Failed");
        }
        std::fs::write(&path, b"no mark\n".repeat(30_000)).expect("write the log");
        assert_eq!(after_last(&path, mark), None);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn how_each_failed_test_failed_is_read_from_the_consoles_list() {
        let dir = std::env::temp_dir().join(format!("jobdeck-ctest-words-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let log = dir.join("0.log");
        std::fs::write(
            &log,
            "1/2 Test #1: slow - er .....***Timeout   1.00 sec

             The following tests FAILED:
	  1 - slow - er (Timeout)
	  2 - fails (Failed)
             Errors while running CTest
",
        )
        .expect("write the log");
        let words = failed_words(&log);
        assert_eq!(words.len(), 2, "{words:?}");
        assert_eq!(words["slow - er"], TIMEOUT);
        assert_eq!(words["fails"], "Failed");
        assert!(failed_words(&dir.join("missing.log")).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_cut_short_is_not_read() {
        assert!(parse(&CTEST[..CTEST.len() / 2]).is_none());
        assert!(parse("<testsuite><testcase name=\"a\"").is_none());
    }
}
