//! The CI reports from the live table, in a real tmux: `--junit`, `--report` and
//! `--annotations github` are written when the TUI ends, the annotations on the terminal
//! once it is the shell's again.

mod common;
mod tmux;

use std::path::Path;

use tmux::{TempDir, Tmux, copy_dir, row_is, tools_present, unique_tag};

#[test]
fn the_live_table_writes_every_report_when_it_ends() {
    if !tools_present("e2e_reports", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("reports");
    let dir = TempDir::new(&tag);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures");
    copy_dir(
        &fixtures.join("pipelines/bad-configure"),
        &dir.0.join("ws/bad-configure"),
    );
    copy_dir(&fixtures.join("cmake/none"), &dir.0.join("ws/fine"));
    let (junit, html) = (dir.0.join("junit.xml"), dir.0.join("report.html"));
    let command = format!(
        "cd '{root}' && '{bin}' -j 2 -B build ws --junit '{junit}' --report '{html}' \
         --annotations github; echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        root = dir.0.display(),
        junit = junit.display(),
        html = html.display(),
    );
    let tmux = Tmux::start("reports", &command);
    tmux.wait_for("both configures to end", |s| {
        row_is(s, "bad-configure", "failed") && row_is(s, "fine", "ok")
    });
    assert!(!junit.exists(), "written when the session ends, not before");
    tmux.keys(&["q"]);
    let end = tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited 1"));
    assert!(
        end.contains("::error file=ws/bad-configure/CMakeLists.txt,line=3,title=bad-configure"),
        "the annotation on the shell's terminal:\n{end}"
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file");
    assert!(xml.contains("<testcase classname=\"fine\" name=\"configure\""));
    assert!(xml.contains("<failure message=\"bad-configure: deliberate configure failure"));
    let page = std::fs::read_to_string(&html).expect("the HTML report");
    assert!(page.contains("Failures (1)</h2>"));
}
