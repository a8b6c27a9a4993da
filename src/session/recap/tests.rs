//! The recap's lines: what is listed, how names and causes are said at a terminal's width.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::app::{JobNode, JobRow};
use crate::engine::{JobId, RunId};

fn record(name: &str, state: JobState, error: &str) -> RunRecord {
    let node = JobNode::from((name.to_string(), crate::jobs::cmake::KIND));
    let mut row = JobRow::new(node, RunId(1));
    row.stage = Some(crate::jobs::cmake::Step::Build.stage());
    row.state = state;
    row.result.error = Some(error.to_string());
    row.log = Some(PathBuf::from(format!("/b/.jobdeck/logs/{name}/build.log")).into());
    RunRecord::of(JobId(0), &row, Duration::ZERO)
}

fn args(list: &[&str]) -> CommandLine {
    CommandLine {
        args: list.iter().map(OsString::from).collect(),
        demo: list.contains(&"--demo"),
    }
}

#[test]
fn failures_are_listed_with_their_logs_and_the_command_that_reruns_them() {
    let unsuccessful = [
        record("01-basic/A b", JobState::Failed, "main.c:3: error: x"),
        record("c", JobState::Skipped, "configure failed"),
        record("d", JobState::Timeout, ""),
    ];
    let lines = recap(
        &unsuccessful,
        true,
        &args(&["jobdeck", "--build", "my dir"]),
        None,
    );
    assert_eq!(
        lines,
        [
            "did not succeed (2):",
            "  failed    01-basic/A b [build]  main.c:3: error: x",
            "  timeout   d [build]  ",
            "causes (2):",
            "     1  main.c:3: error: x",
            "     1  timed out",
            "logs: /b/.jobdeck/logs",
            "re-run them: jobdeck --build 'my dir' --rerun-failed",
        ]
    );
}

/// Issue 32, the new-user round: a cause of one job read as its signature (`boom N`
/// for `boom 3`); it is that job's message, and a cause of two or more its signature.
#[test]
fn a_cause_of_one_job_is_its_message_and_of_more_its_signature() {
    let mut unsuccessful = [
        record("a", JobState::Failed, "src/x.c:12:3: error: boom 3"),
        record("b", JobState::Failed, "src/y.c:7:1: error: bang 1"),
        record("c", JobState::Failed, "src/y.c:9:1: error: bang 2"),
    ];
    for record in &mut unsuccessful {
        let message = record.error.clone().unwrap_or_default();
        let message = message.rsplit("error: ").next().unwrap_or_default();
        record.result.diagnosis = Some(Box::new(crate::engine::Diagnosis {
            message: message.to_string(),
            file: None,
            line: None,
        }));
        record.cause = Some(crate::app::causes::signature(record.kind, message));
    }
    let lines = recap(&unsuccessful, false, &args(&["jobdeck"]), None);
    let causes = lines
        .iter()
        .position(|line| line.starts_with("causes"))
        .expect("the causes");
    assert_eq!(
        lines[causes..causes + 3],
        ["causes (2):", "     2  bang N", "     1  boom 3"]
    );
}

#[test]
fn the_rerun_option_goes_before_the_commands_of_a_run_session() {
    let line = |list: &[&str]| rerun_command(&args(list).args).expect("a command");
    assert_eq!(
        line(&["jobdeck", "run", "-j2", "--", "echo {}", ":::", "a", "b"]),
        "jobdeck run -j2 --rerun-failed -- 'echo {}' ::: a b"
    );
    assert_eq!(
        line(&["jobdeck", "-j2", "--", "dir"]),
        "jobdeck -j2 --rerun-failed -- dir"
    );
}

#[test]
fn a_long_list_is_cut_and_success_says_nothing() {
    let many: Vec<RunRecord> = (0..25)
        .map(|i| record(&format!("p{i}"), JobState::Failed, "e"))
        .collect();
    let lines = recap(&many, false, &args(&["jobdeck", "--rerun-failed"]), None);
    assert_eq!(lines.len(), 1 + LISTED + 5);
    assert_eq!(lines[LISTED + 1], "  … and 5 more");
    assert_eq!(lines[LISTED + 2..LISTED + 4], ["causes (1):", "    25  e"]);
    assert_eq!(lines[LISTED + 5], "re-run them: jobdeck --rerun-failed");
    assert_eq!(
        lines[1], "  failed    p0   e",
        "no stage without stages; the errors in one column (p10 is longer)"
    );
    let demo = recap(&many[..1], false, &args(&["jobdeck", "--demo"]), None);
    assert_eq!(
        demo,
        [
            "did not succeed (1):",
            "  failed    p0  e",
            "causes (1):",
            "     1  e"
        ],
        "its logs are gone"
    );
    assert!(recap(&[], false, &args(&["jobdeck"]), None).is_empty());
}

/// The short names of `records`' jobs, each record's job its index.
fn names_of(records: &mut [RunRecord]) -> ShortNames {
    for (index, record) in records.iter_mut().enumerate() {
        record.job = JobId(u32::try_from(index).expect("few records"));
    }
    ShortNames::of(records.iter().map(|r| (r.name.as_str(), true)))
}

/// Issue 32: on a terminal the recap names jobs as the table does, the folders they all
/// share said once, so an 80-column line has room for the error's telling words.
#[test]
fn at_a_terminal_the_recap_uses_the_tables_short_names() {
    let error = "No CMAKE_Fortran_COMPILER could be found. — CMakeLists.txt:3 (project)";
    let mut records: Vec<RunRecord> = [1, 3, 7, 11]
        .iter()
        .map(|chapter| {
            let name = format!("cmake-cookbook/chapter-{chapter:02}/recipe-01/fortran-example");
            record(&name, JobState::Failed, error)
        })
        .collect();
    let names = names_of(&mut records);
    let lines = recap(&records, true, &args(&["jobdeck"]), Some((80, &names)));
    assert_eq!(lines[0], "did not succeed (4): names under cmake-cookbook/");
    // The table's names at 80 columns with stages (a quarter of the width: `-example`,
    // said by every row, goes too), and the error's telling words after them.
    for (line, chapter) in lines[1..5].iter().zip(["01", "03", "07", "11"]) {
        assert_eq!(
            *line,
            format!(
                "  failed    c{chapter}/r01/fortran [build]  No CMAKE_Fortran_COMPILER \
                 could be found. …"
            )
        );
    }
    // Into a file or a pipe the names stay whole, for scripts.
    let whole = recap(&records, true, &args(&["jobdeck"]), None);
    assert_eq!(whole[0], "did not succeed (4):");
    assert!(
        whole[1].contains(" cmake-cookbook/chapter-01/recipe-01/fortran-example [build] "),
        "{whole:#?}"
    );
}

/// Issue 32, the new-user round: after the table at 80 columns had shown
/// `c01/r01/fortran` whole, the recap cut it to `c01/r01…ortran` to give a configure's
/// error three fifths of the line. The name is whole; the error is cut at the line's end.
#[test]
fn a_name_the_table_showed_whole_is_whole_in_the_recap() {
    let error = "No CMAKE_Fortran_COMPILER could be found. Tell CMake where to find the \
                 compiler — CMakeLists.txt:3 (project)";
    let mut records: Vec<RunRecord> = Vec::new();
    for chapter in [1, 3, 7, 11] {
        for (project, state) in [("cxx", JobState::Ok), ("fortran", JobState::Failed)] {
            let name = format!("cmake-cookbook/chapter-{chapter:02}/recipe-01/{project}-example");
            let mut record = record(&name, state, error);
            record.stage = Some(crate::jobs::cmake::Step::Configure.stage());
            records.push(record);
        }
    }
    let names = names_of(&mut records);
    let failed: Vec<RunRecord> = records
        .into_iter()
        .filter(|r| r.state == JobState::Failed)
        .collect();
    let lines = recap(&failed, true, &args(&["jobdeck"]), Some((80, &names)));
    assert_eq!(lines[0], "did not succeed (4): names under cmake-cookbook/");
    for (line, chapter) in lines[1..5].iter().zip(["01", "03", "07", "11"]) {
        assert_eq!(
            *line,
            format!(
                "  failed    c{chapter}/r01/fortran [configure]  No CMAKE_Fortran_COMPILER \
                 could be fou…"
            )
        );
    }
}

/// A name that cannot fit loses what the table's would: first the folders the listed
/// names share, as few as it takes, said on the first line (itself cut at its start, as
/// the table's title is), before any name is cut.
#[test]
fn a_name_too_long_loses_the_folders_the_listed_names_share() {
    let error = "an error long enough to want the whole of the line for itself, and more";
    let mut records: Vec<RunRecord> = ["first-project", "second-project", "../other/x"]
        .iter()
        .map(|project| {
            let name = format!("a-long-collection-name/chapter-01/recipe-01/{project}");
            record(&name, JobState::Failed, error)
        })
        .collect();
    records[2].name = "other/x".to_string();
    let names = names_of(&mut records);
    let failed = &records[..2];
    let lines = recap(failed, true, &args(&["jobdeck"]), Some((60, &names)));
    assert_eq!(
        lines[..3],
        [
            "did not succeed (2): names under …ollection-name/chapter-01/",
            "  failed    recipe-01/first [build]   an error long enough …",
            "  failed    recipe-01/second [build]  an error long enough …",
        ]
    );
    let lines = recap(failed, true, &args(&["jobdeck"]), Some((40, &names)));
    assert_eq!(
        lines[..3],
        [
            "did not succeed (2): names under …pe-01/",
            "  failed    first [build]   an error lo…",
            "  failed    second [build]  an error lo…",
        ]
    );
}

#[test]
fn at_a_terminals_width_each_failure_is_one_line() {
    let long = "Could NOT find Boost: (Required is at least version \"1.70\") (found \
                Boost_INCLUDE_DIR-NOTFOUND) — CMakeLists.txt:8 (find_package)";
    let mut one = [record(
        "07-failing/B-missing-package",
        JobState::Failed,
        long,
    )];
    let names = names_of(&mut one);
    let lines = recap(
        &one,
        true,
        &args(&[
            "jobdeck",
            "--build",
            "/a/path/that/is/long/enough/to/pass/eighty/columns/x",
        ]),
        Some((80, &names)),
    );
    // One job's folders are all shared, as the table's title says them.
    assert_eq!(lines[0], "did not succeed (1): names under 07-failing/");
    assert_eq!(lines[1].chars().count(), 80, "{}", lines[1]);
    // A name as long as the screen leaves the error its room, cut in its middle.
    let name = "a-collection-of-examples/chapter-11/recipe-01/with-a-long-project-name";
    let mut one = [record(name, JobState::Failed, long)];
    let names = names_of(&mut one);
    let cut = recap(&one, true, &args(&["jobdeck"]), Some((80, &names)));
    assert!(
        cut[1].contains("…") && cut[1].contains("  Could NOT find Boost: (Req"),
        "{}",
        cut[1]
    );
    assert_eq!(cut[1].chars().count(), 80, "{}", cut[1]);
    assert!(lines[1].ends_with('…'), "{}", lines[1]);
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("re-run them: ") && l.ends_with(" --rerun-failed")),
        "the command is whole, to be copied: {lines:?}"
    );
}
