//! The CI reports with the real binary, real cmake and ctest, on one workspace holding a
//! passing and a failing ctest test, a failing configure (its build and tests skipped) and a
//! project whose name and error are hostile markup: `--junit` validated against the `JUnit`
//! schema (`tests/junit.xsd`, with `xmllint`), the GitHub annotations on stderr, and the
//! HTML report rendered in headless Chromium (not blank, no console error, the table sorted
//! by its script). Also: the reports after a SIGINT, and output paths that are refused.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{
    TempDir, available, cmake_available, copy_fixture, path_arg as arg, run_command, write_project,
};

/// A project whose folder name and error message are markup and workflow commands.
const HOSTILE: &str = "x<img src=q onerror=alert(1)>&'\"";

/// The workspace: `tests-fail` (ctest: `passes` passes, `fails` fails), `bad-configure`
/// (its configure fails, so its build and tests are skipped) and the hostile project.
fn workspace(label: &str) -> TempDir {
    let temp = TempDir::new(label);
    for project in ["tests-fail", "bad-configure"] {
        copy_fixture(
            &format!("pipelines/{project}"),
            &temp.join("ws").join(project),
        );
    }
    write_project(
        &temp.join("ws").join(HOSTILE),
        "message(FATAL_ERROR \"<script>alert(2)</script> 100% a,b: ::endgroup::\")",
    );
    temp
}

/// Runs jobdeck `--test --json` on the workspace with `extra` arguments and `env`.
fn run_reports(temp: &TempDir, extra: &[&str], env: &[(&str, &str)]) -> common::Run {
    let mut command = common::jobdeck();
    command
        .args(["--test", "--json", "-j2"])
        .arg(temp.join("ws"))
        .arg("-B")
        .arg(temp.join("build"))
        .args(extra)
        .env_remove("GITHUB_ACTIONS")
        .envs(env.iter().copied());
    run_command(command)
}

#[test]
fn junit_annotations_and_html_report_a_workspace_with_every_kind_of_end() {
    if !cmake_available("reports") {
        return;
    }
    let temp = workspace("reports");
    let (junit, html) = (temp.join("junit.xml"), temp.join("report.html"));
    let run = run_reports(
        &temp,
        &["--junit", arg(&junit), "--report", arg(&html)],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_WORKSPACE", arg(temp.path())),
        ],
    );
    assert_eq!(run.code(), 1, "{run:?}");
    // stdout stays JSON lines: the annotations are on stderr.
    let events = run.json();
    assert_eq!(events.last().expect("a summary")["event"], "summary");
    check_junit(&junit);
    check_annotations(&run.stderr);
    check_html(&html);
}

/// The `JUnit` file: valid against the schema, one suite per project, a case per stage and
/// per ctest test, failures with jobdeck's summary and the log's end, skipped stages.
fn check_junit(junit: &Path) {
    let text = std::fs::read_to_string(junit).expect("the JUnit file is written");
    if available(
        "reports: JUnit schema",
        Command::new("xmllint").arg("--version").output().is_ok(),
        "xmllint (Debian's libxml2-utils)",
    ) {
        let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/junit.xsd");
        let valid = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg(junit)
            .output()
            .expect("run xmllint");
        assert!(valid.status.success(), "{valid:?}\n{text}");
    }
    let cases = junit_cases(&text);
    let case = |suite: &str, name: &str| {
        cases
            .iter()
            .find(|c| c.suite == suite && c.name == name)
            .unwrap_or_else(|| panic!("no testcase {suite} {name} in\n{text}"))
    };
    assert!(cases.iter().all(|c| c.classname == c.suite), "{text}");
    for stage in ["configure", "build"] {
        assert_eq!(case("tests-fail", stage).outcome, None, "{text}");
    }
    // ctest's own tests, by ctest's names; no case for the stage itself.
    assert_eq!(case("tests-fail", "passes").outcome, None);
    let fails = case("tests-fail", "fails");
    assert_eq!(fails.outcome.as_deref(), Some("failure"));
    // Its own error, as its JSON event and its row say it.
    assert_eq!(fails.message, "failed, printing nothing");
    assert!(
        !cases
            .iter()
            .any(|c| c.suite == "tests-fail" && c.name == "test")
    );
    let configure = case("bad-configure", "configure");
    assert_eq!(configure.outcome.as_deref(), Some("failure"));
    assert!(
        configure
            .message
            .starts_with("bad-configure: deliberate configure failure"),
        "{text}"
    );
    assert!(configure.text.contains("CMake Error at CMakeLists.txt:3"));
    assert!(configure.text.ends_with("jobdeck: exit 1"), "{text}");
    let build = case("bad-configure", "build");
    assert_eq!(build.outcome.as_deref(), Some("skipped"));
    assert_eq!(build.message, "configure failed");
    assert!(
        case(HOSTILE, "configure")
            .message
            .contains("<script>alert(2)")
    );
    assert!(
        cases
            .iter()
            .all(|c| c.time.parse::<f64>().is_ok_and(|t| t >= 0.0))
    );
}

/// One `<testcase>` as read back.
#[derive(Debug, Default)]
struct JunitCase {
    suite: String,
    classname: String,
    name: String,
    time: String,
    /// `failure`, `error` or `skipped`; `None` for a pass.
    outcome: Option<String>,
    message: String,
    text: String,
}

fn junit_cases(text: &str) -> Vec<JunitCase> {
    use quick_xml::XmlVersion::Implicit1_0 as V;
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let (mut cases, mut suite) = (Vec::<JunitCase>::new(), String::new());
    let mut in_outcome = false;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let attr = |tag: &quick_xml::events::BytesStart<'_>, name: &str| {
            tag.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == name)
                .map(|a| a.normalized_value(V).expect("attribute").into_owned())
                .unwrap_or_default()
        };
        let (tag, has_content) = match &event {
            Event::Start(tag) => (Some(tag), true),
            Event::Empty(tag) => (Some(tag), false),
            _ => (None, false),
        };
        if let Some(tag) = tag {
            match tag.local_name().as_ref() {
                "testsuites" => {}
                "testsuite" => suite = attr(tag, "name"),
                "testcase" => cases.push(JunitCase {
                    suite: suite.clone(),
                    classname: attr(tag, "classname"),
                    name: attr(tag, "name"),
                    time: attr(tag, "time"),
                    ..JunitCase::default()
                }),
                other => {
                    let case = cases.last_mut().expect("inside a testcase");
                    case.outcome = Some(other.to_string());
                    case.message = attr(tag, "message");
                    in_outcome = has_content;
                }
            }
            continue;
        }
        match event {
            Event::Text(t) if in_outcome => {
                let case = cases.last_mut().expect("inside a testcase");
                case.text.push_str(&t.xml_content(V));
            }
            Event::GeneralRef(r) if in_outcome => {
                let case = cases.last_mut().expect("inside a testcase");
                let c = match r.resolve_char_ref().expect("a valid reference") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r)
                        .expect("a predefined entity")
                        .to_string(),
                };
                case.text.push_str(&c);
            }
            Event::End(_) => in_outcome = false,
            Event::Eof => return cases,
            _ => {}
        }
    }
}

/// The annotations: one `::error` per failure, with the file relative to the workspace where
/// the error names one, escaped data, and each log tail grouped with commands stopped.
fn check_annotations(stderr: &str) {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors.contains(
            &"::error file=ws/bad-configure/CMakeLists.txt,line=3,title=bad-configure \
              configure::bad-configure: deliberate configure failure — CMakeLists.txt:3 \
              (message)"
        ),
        "{stderr}"
    );
    assert!(
        errors.contains(&"::error title=tests-fail test::1 of 2 tests failed: fails (Failed)"),
        "a failure without a location has no file:\n{stderr}"
    );
    let hostile = errors
        .iter()
        .find(|l| l.contains("alert(2)"))
        .expect("the hostile project's annotation");
    assert!(
        hostile.contains("100%25 a,b: ::endgroup::"),
        "data escaped: {hostile}"
    );
    assert!(
        hostile.contains("title=x<img src=q onerror=alert(1)>&'\" configure::"),
        "{hostile}"
    );
    let groups = stderr.matches("::group::").count();
    assert_eq!(groups, 3);
    assert_eq!(stderr.matches("\n::endgroup::\n").count(), 3, "{stderr}");
    // The log's own `::endgroup::` is printed between `::stop-commands::T` and `::T::`.
    let token = stderr
        .lines()
        .find_map(|l| l.strip_prefix("::stop-commands::"))
        .expect("commands stopped around the logs");
    assert!(token.len() > 10, "a token no log can guess: {token}");
    let resume = format!("::{token}::");
    assert_eq!(stderr.matches(&resume).count(), 3);
}

/// The HTML report: escaped, self-contained, and drawn by a real browser.
fn check_html(html: &Path) {
    let text = std::fs::read_to_string(html).expect("the HTML report is written");
    assert!(!text.contains("<script>alert"), "hostile text escaped");
    assert!(!text.contains("<img src=q"), "hostile name escaped");
    assert!(text.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    for external in ["http://", "https://", "src=\"", "@import", "url("] {
        let outside_svg_namespace = text.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!outside_svg_namespace.contains(external), "{external}");
    }
    for section in ["Summary", "Timeline", "Causes", "Failures (3)", "All jobs"] {
        assert!(text.contains(&format!("{section}</h2>")), "{section}");
    }
    let Some(browser) = chromium("reports: HTML in Chromium") else {
        return;
    };
    let shot = html.with_extension("png");
    let (_, log) = browser.run(&[&format!("--screenshot={}", shot.display())], html, "");
    assert_no_console_messages(&log);
    let png = std::fs::read(&shot).expect("Chromium wrote the screenshot");
    assert!(!is_one_colour(&png), "the screenshot is blank");
    // The script ran (it marks the page) and sorts the table: by status, the other way
    // round (`ok` first, where name order has a failed configure first).
    let (dom, log) = browser.run(&["--dump-dom"], html, "#sort=-status");
    assert_no_console_messages(&log);
    assert!(dom.contains("data-ready=\"yes\""), "the script ran");
    let table = dom.split("id=\"job-table\"").nth(1).expect("the job table");
    let body = table.split("<tbody>").nth(1).expect("its body");
    let first_row = body.split("</tr>").next().expect("a row");
    assert!(first_row.contains("status ok"), "{first_row}");
    assert!(dom.contains("aria-sort=\"descending\""));
}

fn assert_no_console_messages(log: &str) {
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}

/// Headless Chromium, started as the machine's notes say, each run in a fresh profile.
struct Chromium {
    program: &'static str,
}

/// Chromium if installed; without it a loud skip, or a failure under `CI=true`.
fn chromium(test: &str) -> Option<Chromium> {
    let program = ["chromium", "chromium-browser"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    available(test, program.is_some(), "Chromium (Debian's chromium)").then(|| Chromium {
        program: program.expect("found"),
    })
}

impl Chromium {
    /// Opens `page` (with `fragment`) with `args`; returns its stdout and its log.
    fn run(&self, args: &[&str], page: &Path, fragment: &str) -> (String, String) {
        let profile = TempDir::new("chromium-profile");
        let mut command = Command::new(self.program);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .arg(format!("file://{}{fragment}", page.display()));
        let run = run_command(command);
        assert!(run.status.success(), "{run:?}");
        (run.stdout, run.stderr)
    }
}

/// Whether a PNG is one colour: every pixel the same.
fn is_one_colour(png: &[u8]) -> bool {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    let pixel = frame.color_type.samples() * usize::from(frame.bit_depth as u8).div_ceil(8);
    let pixels = &pixels[..frame.buffer_size()];
    pixels.chunks_exact(pixel).all(|p| p == &pixels[..pixel])
}

/// Ctrl-C (SIGINT) mid-session: every report is still written, with what ran: the finished
/// configure passed, the one stopped while running an error, the one never started skipped.
#[test]
fn an_interrupted_session_still_writes_its_reports_with_what_ran() {
    if !cmake_available("reports after SIGINT") {
        return;
    }
    let temp = TempDir::new("reports-sigint");
    copy_fixture("cmake/none", &temp.join("ws/a-quick"));
    copy_fixture("cmake/grandchild", &temp.join("ws/b-sleeps"));
    copy_fixture("cmake/none", &temp.join("ws/c-queued"));
    let (junit, html) = (temp.join("junit.xml"), temp.join("report.html"));
    let marker = temp.path().to_str().expect("UTF-8").to_string();
    let (ws, build) = (temp.join("ws"), temp.join("build"));
    let args = [
        "--json",
        "-j1",
        "--order",
        "name",
        arg(&ws),
        "-B",
        arg(&build),
        "--junit",
        arg(&junit),
        "--report",
        arg(&html),
    ];
    let run = common::Streaming::start_with_marker(args, &marker);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| {
        line.contains(r#""event":"started""#) && line.contains(r#""job":"b-sleeps""#)
    });
    common::wait_for_sleeping_group(temp.join("ws/b-sleeps").to_str().expect("UTF-8"));
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}");
    let text = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    let cases = junit_cases(&text);
    let outcome = |suite: &str| {
        let case = cases.iter().find(|c| c.suite == suite).expect(suite);
        (case.outcome.clone(), case.message.clone())
    };
    assert_eq!(outcome("a-quick"), (None, String::new()), "{text}");
    assert_eq!(
        outcome("b-sleeps"),
        (Some("error".into()), "cancelled while running".into()),
        "{text}"
    );
    assert_eq!(
        outcome("c-queued"),
        (Some("skipped".into()), "cancelled before it started".into()),
        "{text}"
    );
    let page = std::fs::read_to_string(&html).expect("the HTML report is written");
    assert!(page.contains(">interrupted</p>"), "{page}");
}

/// Annotations follow `GITHUB_ACTIONS=true` unless `--annotations none` says otherwise, and
/// are off by default elsewhere; report files that would overwrite another output, or
/// jobdeck's own files, are refused before anything runs.
#[test]
fn annotations_follow_the_environment_and_clashing_report_files_are_refused() {
    if !cmake_available("annotations switch") {
        return;
    }
    let temp = TempDir::new("reports-switch");
    copy_fixture("pipelines/bad-configure", &temp.join("ws/bad-configure"));
    let annotated = |extra: &[&str], env: &[(&str, &str)]| {
        let run = run_reports(&temp, extra, env);
        assert_eq!(run.code(), 1, "{run:?}");
        run.stderr.contains("::error ")
    };
    assert!(!annotated(&[], &[]));
    assert!(annotated(&[], &[("GITHUB_ACTIONS", "true")]));
    assert!(annotated(&["--annotations", "github"], &[]));
    assert!(!annotated(
        &["--annotations", "none"],
        &[("GITHUB_ACTIONS", "true")]
    ));

    let same = temp.join("out.xml");
    let inside = temp.join("build/.jobdeck/report.html");
    for (extra, words) in [
        (
            vec!["--junit", arg(&same), "--report", arg(&same)],
            "name the same file",
        ),
        (
            vec!["--trace", arg(&same), "--junit", arg(&same)],
            "name the same file",
        ),
        (vec!["--report", arg(&inside)], "pass a --report outside it"),
        (vec!["--junit", arg(temp.path())], "not a regular file"),
    ] {
        let run = run_reports(&temp, &extra, &[]);
        assert_eq!(run.code(), 2, "{extra:?}: {run:?}");
        assert!(run.stderr.contains(words), "{extra:?}: {}", run.stderr);
    }
}
