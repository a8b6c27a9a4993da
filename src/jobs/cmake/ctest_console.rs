//! What ctest's console says about each test while it runs, read line by line as ctest
//! prints it, so a test's row can turn `running` when ctest starts it and end when ctest
//! reports it, although several tests share one ctest.
//!
//! Only when a test starts and how it ended are taken from here. Its record (its exact time,
//! its output, the error its row, JSON and reports keep) still comes from ctest's `JUnit`
//! file once the ctest ends ([`super::ctest`]), unless the ctest was cut off by a stop
//! before it wrote that file: then a test the console saw end keeps what the console said,
//! ctest's own verdict. The forms read, the same in ctest 3.25 and 4.x:
//!
//! ```text
//!       Start  3: name
//!  3/12 Test  #3: name .........................   Passed    0.50 sec
//!  2/12 Test  #2: fail .........................***Failed    0.00 sec
//!  4/12 Test  #4: skip .........................***Skipped   0.00 sec
//!  5/12 Test  #5: off ..........................***Not Run (Disabled)   0.00 sec
//!  6/12 Test  #6: slow .........................***Timeout   0.50 sec
//!  8/12 Test  #8: needs ........................***Not Run   0.00 sec
//! 11/12 Test #11: segv .........................***Exception: SegFault  0.01 sec
//! ```
//!
//! A result line names its test by ctest's number, which its `Start` line tied to the
//! test's whole name (a result line pads the name with dots).
//!
//! Under `--output-on-failure` ctest prints a test's output right after the result line of
//! a test that ran and did not pass (`***Failed`, `***Timeout`, `***Exception: …`), and
//! nothing marks where that output ends. A test can print lines that look exactly like
//! ctest's own, the next test's `Start` and a `Passed` for it, so from that point on the
//! console is not read any more: the tests after it end when their ctest ends, from its
//! results file, as when the console says nothing readable.

use std::collections::HashMap;

/// How ctest's console says a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// `Passed`.
    Passed,
    /// `***Skipped` (its skip code or expression) or `***Not Run (Disabled)`.
    Skipped,
    /// Any other `***` word: `Failed`, `Timeout`, `Exception: …`, `Not Run` (a fixture's
    /// setup failed, its program is missing), which ctest's tally counts as failed.
    Failed,
}

/// One thing the console said about a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// ctest started the test of this name.
    Started(String),
    /// ctest reported the end of the test of this name, in its own time when the line
    /// gives it (a reason spread over lines leaves it out), with ctest's words for how
    /// (`Passed`, `Failed`, `Timeout`, `Exception: SegFault`, `Not Run (Disabled)`).
    Ended {
        name: String,
        word: Word,
        seconds: Option<f64>,
        how: String,
    },
}

/// One ctest run's console, read line by line.
#[derive(Debug, Default)]
pub struct Console {
    /// Each started test's name by its number, and whether its result line came.
    started: HashMap<u32, (String, bool)>,
    /// A failed test's output may follow: nothing more is taken from this console.
    done: bool,
}

impl Console {
    /// Whether nothing more is taken from this console (a failed test's output may follow).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// What `line` says about a test, if anything. A result line counts only for a test
    /// started and not yet ended, and a `Start` line only for a number not started yet, so
    /// a test's own output (printed after its result under `--output-on-failure`) that
    /// looks like ctest's lines cannot start or end a test twice.
    pub fn read(&mut self, line: &str) -> Option<Said> {
        if self.done {
            return None;
        }
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("Start ") {
            let (number, name) = rest.trim_start().split_once(": ")?;
            let number: u32 = number.parse().ok()?;
            if self.started.contains_key(&number) || name.is_empty() {
                return None;
            }
            self.started.insert(number, (name.to_string(), false));
            return Some(Said::Started(name.to_string()));
        }
        // `3/12 Test  #3: name ....   Passed    0.50 sec`
        let (count, rest) = line.split_once(' ')?;
        let (done, total) = count.split_once('/')?;
        if !is_number(done) || !is_number(total) {
            return None;
        }
        let rest = rest.trim_start().strip_prefix("Test")?.trim_start();
        let (number, rest) = rest.strip_prefix('#')?.split_once(": ")?;
        let number: u32 = number.parse().ok()?;
        let (name, ended) = self.started.get(&number)?;
        if *ended {
            return None;
        }
        // After the name, its dots, then ctest's word: `   Passed` or `***…`.
        let tail = rest.strip_prefix(name.as_str()).unwrap_or(rest);
        let at = [tail.find("   Passed"), tail.find("***")]
            .into_iter()
            .flatten()
            .min()?;
        let tail = tail[at..].trim_start();
        let word = if tail.starts_with("Passed") {
            Word::Passed
        } else if tail.starts_with("***Skipped") || tail.starts_with("***Not Run (Disabled)") {
            Word::Skipped
        } else if tail.starts_with("***") {
            Word::Failed
        } else {
            return None;
        };
        let seconds = tail
            .strip_suffix(" sec")
            .and_then(|t| t.rsplit(' ').next())
            .and_then(|t| t.parse::<f64>().ok());
        // A test that did not run (`***Not Run`: a failed fixture, a missing program) has
        // no output to print; one that ran and did not pass has, next.
        self.done = word == Word::Failed && !tail.starts_with("***Not Run");
        // ctest's words end where the padding before its time or reason starts.
        let how = tail.trim_start_matches('*');
        let how = how.split("  ").next().unwrap_or(how).trim().to_string();
        let (name, ended) = self.started.get_mut(&number)?;
        *ended = true;
        Some(Said::Ended {
            name: name.clone(),
            word,
            seconds,
            how,
        })
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ctest 3.25's and 4.4's consoles for four runs (both print them alike), each ended by
    /// a test that ran and failed (its output follows under `--output-on-failure`, here
    /// lines that look like ctest's own), with a reason spread over two lines.
    const CONSOLES: [&str; 4] = [
        "Test project /tmp/b
      Start  1: pass
 1/12 Test  #1: pass ............................................................   Passed    0.31 sec
      Start  3: a long name .. with dots
 3/12 Test  #3: a long name .. with dots ........................................   Passed    0.03 sec
      Start  4: skip
 4/12 Test  #4: skip ............................................................***Skipped   0.00 sec
      Start  5: off
 5/12 Test  #5: off .............................................................***Not Run (Disabled)   0.00 sec
      Start  8: needs
Failed test dependencies: setup
 8/12 Test  #8: needs ...........................................................***Not Run   0.00 sec
      Start  2: fail
 2/12 Test  #2: fail ............................................................***Failed    0.00 sec
boom
 1/12 Test  #1: pass ....   Passed    0.31 sec
      Start  7: next
 7/12 Test  #7: next ....   Passed    0.01 sec
      Start  7: next
 7/12 Test  #7: next ............................................................***Failed    0.00 sec
",
        "      Start  6: slow
 6/12 Test  #6: slow ............................................................***Timeout   0.50 sec
",
        "      Start 10: regex
10/12 Test #10: regex ...........................................................***Failed  Required regular expression not found. Regex=[bye
]  0.00 sec
",
        "      Start 11: segv
11/12 Test #11: segv ............................................................***Exception: SegFault  0.01 sec

36% tests passed, 7 tests failed out of 11
",
    ];

    fn ended(name: &str, word: Word, seconds: Option<f64>, how: &str) -> Said {
        Said::Ended {
            name: name.to_string(),
            word,
            seconds,
            how: how.to_string(),
        }
    }

    /// Each test starts and ends once, with ctest's word and time; after a test that ran and
    /// failed, its output is not taken for ctest's lines (`next` neither starts nor ends from
    /// the console: its ctest's results file says how it ended).
    #[test]
    fn each_test_starts_and_ends_once_with_ctests_word_and_time() {
        let said: Vec<Said> = CONSOLES
            .iter()
            .flat_map(|run| {
                let mut console = Console::default();
                run.lines()
                    .filter_map(|l| console.read(l))
                    .collect::<Vec<_>>()
            })
            .collect();
        let started = |name: &str| Said::Started(name.to_string());
        assert_eq!(
            said,
            [
                started("pass"),
                ended("pass", Word::Passed, Some(0.31), "Passed"),
                started("a long name .. with dots"),
                ended(
                    "a long name .. with dots",
                    Word::Passed,
                    Some(0.03),
                    "Passed"
                ),
                started("skip"),
                ended("skip", Word::Skipped, Some(0.0), "Skipped"),
                started("off"),
                ended("off", Word::Skipped, Some(0.0), "Not Run (Disabled)"),
                started("needs"),
                ended("needs", Word::Failed, Some(0.0), "Not Run"),
                started("fail"),
                ended("fail", Word::Failed, Some(0.0), "Failed"),
                started("slow"),
                ended("slow", Word::Failed, Some(0.5), "Timeout"),
                started("regex"),
                ended("regex", Word::Failed, None, "Failed"),
                started("segv"),
                ended("segv", Word::Failed, Some(0.01), "Exception: SegFault"),
            ]
        );
    }
}
