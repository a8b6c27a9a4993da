//! One rule for what failed (issue 32, item 1): a toolchain probe that fails fails nothing,
//! and every output says so alike. With a cmake that refuses only the probe's folders, the
//! exit status, the recap, the summary line, the JSON summary, `JUnit`, the HTML report and
//! the annotations all show a warning (its configures ran unseeded), never a failure, and
//! none of them offers a re-run of it.

mod common;
mod probes_support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{TempDir, cmake_available, copy_tree, fixture};
use probes_support::{arg, configures, run_in};

/// Two fresh C projects, and a cmake that refuses to configure the probe's project (its
/// folders are `.partial-…`) and is the real cmake for everything else.
fn workspace(temp: &TempDir) -> (PathBuf, PathBuf) {
    let sources = temp.join("src");
    for name in ["a", "b"] {
        copy_tree(&fixture("probe/c-checks"), &sources.join(name));
    }
    let cmake = temp.join("refusing-cmake");
    std::fs::write(
        &cmake,
        "#!/bin/sh\ncase \"$*\" in *.partial-*) echo 'refusing the probe' >&2; exit 3 ;; esac\n\
         exec cmake \"$@\"\n",
    )
    .expect("write the script");
    std::fs::set_permissions(&cmake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (sources, cmake)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn a_failed_probe_is_a_warning_in_every_output() {
    if !cmake_available("a_failed_probe_is_a_warning_in_every_output") {
        return;
    }
    let temp = TempDir::new("probe-warning");
    let (sources, cmake) = workspace(&temp);
    let (junit, html) = (temp.join("junit.xml"), temp.join("report.html"));
    let run = run_in(
        &temp.join("cache"),
        &[
            "-j2",
            "--cmake",
            arg(&cmake),
            "--junit",
            arg(&junit),
            "--report",
            arg(&html),
            "--annotations",
            "github",
            "-B",
            arg(&temp.join("plain")),
            arg(&sources),
        ],
    );
    assert_eq!(
        run.code(),
        0,
        "the configures decide the exit status: {run:?}"
    );
    let out = &run.stdout;
    // The recap names nothing and offers no re-run; the summary line counts a warning.
    for absent in ["did not succeed", "re-run them", "logs:", "causes ("] {
        assert!(!out.contains(absent), "{absent:?} in the recap:\n{out}");
    }
    let summary = out.lines().last().expect("a summary line");
    assert!(
        summary.contains(" 0 failed,") && summary.contains(", 1 warned"),
        "{summary}"
    );
    // Its own line keeps its status word, and says what its failure did.
    let probe_line = out
        .lines()
        .find(|line| line.contains("toolchain probe"))
        .unwrap_or_else(|| panic!("no line of the probe:\n{out}"));
    assert!(
        probe_line.contains("configures run unseeded"),
        "{probe_line}"
    );
    // Annotations: a warning, no error.
    assert!(run.stderr.contains("::warning "), "{}", run.stderr);
    assert!(!run.stderr.contains("::error "), "{}", run.stderr);
    check_junit(&read(&junit));
    check_html(&read(&html));

    // The same session as JSON: the counts, no cause and nothing unsuccessful.
    let run = run_in(
        &temp.join("cache"),
        &[
            "--json",
            "-j2",
            "--cmake",
            arg(&cmake),
            "-B",
            arg(&temp.join("json")),
            arg(&sources),
        ],
    );
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    let summary = events.last().expect("a summary");
    assert_eq!(summary["event"], "summary");
    assert_eq!(
        (
            &summary["failed"],
            &summary["warned"],
            &summary["ok"],
            &summary["jobs"]
        ),
        (&0.into(), &1.into(), &2.into(), &3.into()),
        "{summary}"
    );
    assert_eq!(summary["causes"], serde_json::json!([]), "{summary}");
    assert_eq!(summary["unsuccessful"], serde_json::json!([]), "{summary}");
    let probe = events
        .iter()
        .find(|e| e["event"] == "finished" && e["kind"] == "probe")
        .expect("the probe's end");
    assert_eq!(probe["status"], "failed", "its status word stays: {probe}");
    for project in ["a", "b"] {
        let configure = &configures(&events)[project];
        assert_eq!(configure["status"], "ok", "{configure}");
        assert_eq!(configure["seeded"], false, "{configure}");
    }
}

/// `JUnit`: nothing fails; the probe's case is skipped with the warning as its message.
fn check_junit(xml: &str) {
    let root = xml
        .lines()
        .find(|line| line.starts_with("<testsuites"))
        .expect("a root");
    assert!(root.contains("failures=\"0\" errors=\"0\""), "{root}");
    assert!(!xml.contains("<failure"), "{xml}");
    let probe_case = xml
        .split("<testcase")
        .find(|case| case.contains("toolchain probe"))
        .unwrap_or_else(|| panic!("no case of the probe:\n{xml}"));
    assert!(
        probe_case.contains("<skipped message=\"warning: ")
            && probe_case.contains("configures run unseeded"),
        "{probe_case}"
    );
}

/// HTML: a good verdict, no failure, the probe under warnings with a warning badge.
fn check_html(report: &str) {
    assert!(report.contains("<p class=\"verdict good\">"), "verdict");
    assert!(report.contains("<h2>Failures (0)</h2>"), "no failure card");
    assert!(report.contains("<h2>Warnings (1)</h2>"), "a warning card");
    assert!(
        report.contains("class=\"status warned\""),
        "a warning badge"
    );
    assert!(!report.contains("class=\"status failed\""), "no red badge");
}
