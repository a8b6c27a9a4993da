//! `jobdeck run` with a `jobdeck.toml`: its mistakes refused before anything runs (file, line
//! and key, exit 2), its dependencies, and each of `each`, `env`, `cwd` and an argv `cmd`
//! reaching the commands. The real binary runs real `sh` commands in a temporary folder.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::commands::run_in;
use common::{Run, Streaming, TempDir, jobdeck, wait_until};

/// Each job's last `finished` status in a `--json` run.
fn statuses(run: &Run) -> BTreeMap<String, String> {
    run.json()
        .into_iter()
        .filter(|event| event["event"] == "finished")
        .map(|event| {
            (
                event["job"].as_str().expect("job").to_string(),
                event["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

#[test]
fn toml_mistakes_name_the_file_line_and_key_and_nothing_runs() {
    let cases = [
        (
            "unknown key",
            "[jobs.a]\ncmd = \"touch ran\"\ntimout = 3\n",
            "jobdeck.toml:3: jobs.a.timout: unknown field `timout`",
        ),
        (
            "wrong type",
            "[jobs.a]\ncmd = \"touch ran\"\n\nretries = \"two\"\n",
            "jobdeck.toml:4: jobs.a.retries: invalid type: string \"two\"",
        ),
        (
            "missing dependency",
            "[jobs.a]\ncmd = \"touch ran\"\ndeps = [\n  \"b\",\n  \"lint\",\n]\n\n[jobs.b]\n\
             cmd = \"true\"\n",
            "jobdeck.toml:5: jobs.a.deps: no job is named `lint`",
        ),
        (
            "cycle",
            "[jobs.a]\ncmd = \"touch ran\"\ndeps = [\"c\"]\n\n[jobs.b]\ncmd = \"true\"\n\
             deps = [\"a\"]\n\n[jobs.c]\ncmd = \"true\"\ndeps = [\"b\"]\n",
            "jobdeck.toml:7: jobs.b.deps: a dependency cycle: a → c → b → a",
        ),
        (
            "a job without cmd",
            "[defaults]\nretries = 1\n\n[jobs.a]\ncwd = \"x\"\n",
            "jobdeck.toml:4: jobs.a: missing field `cmd`",
        ),
        (
            "a bad timeout in the defaults",
            "[defaults]\ntimeout = 0\n[jobs.a]\ncmd = \"touch ran\"\n",
            "jobdeck.toml:2: defaults.timeout: the timeout must be more than 0",
        ),
    ];
    for (what, toml, expected) in cases {
        let temp = TempDir::new("config-errors");
        std::fs::write(temp.join("jobdeck.toml"), toml).expect("write jobdeck.toml");
        let run = run_in(temp.path(), &[]);
        assert_eq!(run.code(), 2, "{what}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{what}: expected `{expected}` in stderr: {}",
            run.stderr
        );
        assert!(!temp.join("ran").exists(), "{what}: a job ran");
    }
}

#[test]
fn config_names_another_file_and_its_folder_is_where_jobs_run() {
    let temp = TempDir::new("config-flag");
    std::fs::create_dir_all(temp.join("conf/sub")).expect("mkdir");
    std::fs::write(
        temp.join("conf/tasks.toml"),
        "[jobs.here]\ncmd = \"pwd > where.txt\"\n\n[jobs.sub]\ncmd = \"pwd > where.txt\"\n\
         cwd = \"sub\"\n",
    )
    .expect("write tasks.toml");
    let run = run_in(temp.path(), &["--config", "conf/tasks.toml"]);
    assert_eq!(run.code(), 0, "{run:?}");
    let read = |path: &str| std::fs::read_to_string(temp.join(path)).expect("read where.txt");
    assert_eq!(
        read("conf/where.txt").trim(),
        temp.join("conf").to_string_lossy()
    );
    assert_eq!(
        read("conf/sub/where.txt").trim(),
        temp.join("conf/sub").to_string_lossy()
    );
}

#[test]
fn a_failed_dependency_skips_its_dependants_and_the_others_run_also_per_row() {
    let temp = TempDir::new("config-deps");
    std::fs::write(
        temp.join("jobdeck.toml"),
        r#"
[jobs.first]
cmd = "touch first"

[jobs.middle]
cmd = "exit 3"
deps = ["first"]

[jobs.after]
cmd = "touch after"
deps = ["middle"]

[jobs.last]
cmd = "touch last"
deps = ["after", "first"]

[jobs.beside]
cmd = "touch beside"
deps = ["first"]

[jobs.alone]
cmd = "touch alone"

[jobs.pick]
cmd = "test {} = good"
each = ["good", "bad"]

[jobs.on_good]
cmd = "touch on_good"
deps = ["pick[good]"]

[jobs.on_all]
cmd = "touch on_all"
deps = ["pick"]
"#,
    )
    .expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--json"]);
    assert_eq!(run.code(), 1, "{run:?}");
    let expected: BTreeMap<String, String> = [
        ("first", "ok"),
        ("middle", "failed"),
        ("after", "skipped"),
        ("last", "skipped"),
        ("beside", "ok"),
        ("alone", "ok"),
        ("pick[good]", "ok"),
        ("pick[bad]", "failed"),
        ("on_good", "ok"),
        ("on_all", "skipped"),
    ]
    .into_iter()
    .map(|(job, status)| (job.to_string(), status.to_string()))
    .collect();
    assert_eq!(statuses(&run), expected);
    for (file, exists) in [
        ("first", true),
        ("beside", true),
        ("alone", true),
        ("after", false),
        ("last", false),
        ("on_good", true),
        ("on_all", false),
    ] {
        assert_eq!(temp.join(file).exists(), exists, "{file}");
    }
}

#[test]
fn each_env_cwd_and_an_argv_reach_the_commands() {
    let temp = TempDir::new("config-each");
    for folder in ["a", "b c"] {
        std::fs::create_dir_all(temp.join("in").join(folder)).expect("mkdir");
    }
    std::fs::write(
        temp.join("jobdeck.toml"),
        r#"
[defaults]
env = { GREETING = "hello", WHO = "default" }

[jobs.greet]
cmd = "printf '%s %s %s' \"$GREETING\" \"$WHO\" {} > greeting.txt"
each = ["a", "b c"]
cwd = "in/{}"
env = { WHO = "job {}" }

[jobs.argv]
cmd = ["sh", "-c", "printf '%s|' \"$@\" > argv.txt", "sh", "one two", "$HOME", "{}"]
each = [1]
deps = ["greet"]
"#,
    )
    .expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--json"]);
    assert_eq!(run.code(), 0, "{run:?}");
    let statuses = statuses(&run);
    let names: Vec<&str> = statuses.keys().map(String::as_str).collect();
    assert_eq!(names, ["argv[1]", "greet[a]", "greet[b c]"]);
    let read = |path: &str| std::fs::read_to_string(temp.join(path)).expect(path);
    assert_eq!(read("in/a/greeting.txt"), "hello job a a");
    assert_eq!(read("in/b c/greeting.txt"), "hello job b c b c");
    // An argv is no shell line: its words reach the program as they are written.
    assert_eq!(read("argv.txt"), "one two|$HOME|1|");
}

#[test]
fn a_jobs_own_timeout_wins_over_the_sessions() {
    let temp = TempDir::new("config-timeout");
    std::fs::write(
        temp.join("jobdeck.toml"),
        r#"
[jobs.patient]
cmd = "sleep 1"
timeout = 600

[jobs.hasty]
cmd = "sleep 600"
timeout = 0.5

[jobs.plain]
cmd = "sleep 600"
"#,
    )
    .expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--json", "--timeout", "0.5", "-j", "3"]);
    assert_eq!(run.code(), 1, "{run:?}");
    let finished: BTreeMap<String, serde_json::Value> = run
        .json()
        .into_iter()
        .filter(|event| event["event"] == "finished")
        .map(|event| (event["job"].as_str().expect("job").to_string(), event))
        .collect();
    assert_eq!(finished["patient"]["status"], "ok", "{finished:?}");
    assert_eq!(finished["hasty"]["status"], "timeout");
    assert_eq!(
        finished["hasty"]["error"],
        "timed out after 0.5 s (its timeout in jobdeck.toml)"
    );
    assert_eq!(finished["plain"]["status"], "timeout");
    assert_eq!(
        finished["plain"]["error"],
        "timed out after 0.5 s (--timeout)"
    );
}

/// How many lines `path` holds (0 when it is missing).
fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

#[test]
fn watch_reruns_the_job_whose_pattern_matches_a_changed_file_and_its_dependants() {
    let temp = TempDir::new("config-watch");
    for folder in ["x", "y/sub"] {
        std::fs::create_dir_all(temp.join(folder)).expect("mkdir");
    }
    std::fs::write(
        temp.join("jobdeck.toml"),
        r#"
[jobs.x]
cmd = "echo run >> x-runs"
watch = ["x/*.txt"]

[jobs.y]
cmd = "echo run >> y-runs"
watch = ["y/**/*.txt"]

[jobs.after]
cmd = "echo run >> after-runs"
deps = ["x"]
"#,
    )
    .expect("write jobdeck.toml");
    let mut command = jobdeck();
    command
        .current_dir(temp.path())
        .args(["run", "--headless", "--json", "--watch"]);
    let run = Streaming::spawn(command);
    let mut seen = Vec::new();
    for _ in 0..3 {
        run.wait_for_line(&mut seen, |line| line.contains("\"event\":\"finished\""));
    }
    // A file no pattern matches first, then one of x's: the watch hears them in that order.
    std::fs::write(temp.join("y/notes.md"), "not watched").expect("write notes.md");
    std::fs::write(temp.join("x/a.txt"), "watched").expect("write a.txt");
    assert!(
        wait_until(|| lines(&temp.join("after-runs")) == 2),
        "{seen:#?}"
    );
    assert_eq!(lines(&temp.join("x-runs")), 2);
    assert_eq!(
        lines(&temp.join("y-runs")),
        1,
        "notes.md matches no pattern"
    );
    // `**` reaches into folders.
    std::fs::write(temp.join("y/sub/b.txt"), "watched").expect("write b.txt");
    assert!(wait_until(|| lines(&temp.join("y-runs")) == 2), "{seen:#?}");
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    assert_eq!(lines(&temp.join("x-runs")), 2, "{seen:#?}");
    assert_eq!(lines(&temp.join("y-runs")), 2, "{seen:#?}");
    assert_eq!(lines(&temp.join("after-runs")), 2, "{seen:#?}");
}

#[test]
fn a_watch_entry_that_is_no_glob_pattern_is_refused_with_its_line() {
    let temp = TempDir::new("config-bad-glob");
    std::fs::write(
        temp.join("jobdeck.toml"),
        "[jobs.a]\ncmd = \"true\"\nwatch = [\n  \"src/*.rs\",\n  \"src/[.rs\",\n]\n",
    )
    .expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--watch"]);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr
            .contains("jobdeck.toml:5: jobs.a.watch: not a glob pattern: `src/[.rs`"),
        "{}",
        run.stderr
    );
}

/// A `[jobs.x]` that appends `word` to `x-runs` and is re-run by a change to `x/*.txt`.
fn watched_job(word: &str) -> String {
    format!("[jobs.x]\ncmd = \"echo {word} >> x-runs\"\nwatch = [\"x/*.txt\"]\n")
}

#[test]
fn a_job_run_again_runs_the_command_its_edited_file_gives_now() {
    let temp = TempDir::new("config-reload");
    std::fs::create_dir_all(temp.join("x")).expect("mkdir");
    let config = temp.join("jobdeck.toml");
    std::fs::write(&config, watched_job("first")).expect("write jobdeck.toml");
    let mut command = jobdeck();
    command
        .current_dir(temp.path())
        .args(["run", "--headless", "--json", "--watch"]);
    let run = Streaming::spawn(command);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| line.contains("\"event\":\"finished\""));
    // The command fixed in the file, then a change the job watches: the new command runs.
    std::fs::write(&config, watched_job("second")).expect("rewrite jobdeck.toml");
    std::fs::write(temp.join("x/a.txt"), "1").expect("write a.txt");
    assert!(wait_until(|| lines(&temp.join("x-runs")) == 2), "{seen:#?}");
    // A file that no longer parses: the job runs what was read last, and the error is said.
    std::fs::write(&config, "[jobs.x\n").expect("break jobdeck.toml");
    std::fs::write(temp.join("x/b.txt"), "2").expect("write b.txt");
    assert!(wait_until(|| lines(&temp.join("x-runs")) == 3), "{seen:#?}");
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    let runs = std::fs::read_to_string(temp.join("x-runs")).expect("x-runs");
    assert_eq!(runs, "first\nsecond\nsecond\n", "{stderr}");
    assert!(
        stderr.contains("jobdeck.toml read again: x runs its new command"),
        "{stderr}"
    );
    assert!(
        stderr.contains("jobdeck.toml:1")
            && stderr.contains("re-runs keep the commands read before"),
        "{stderr}"
    );
}

/// A job whose name holds `[` (`a[b]`) can be depended on by one of its rows
/// (`a[b][x]`), as any job with `each`; the row's dependant waits for that row.
#[test]
fn a_row_of_a_job_whose_name_holds_a_bracket_can_be_a_dependency() {
    let temp = TempDir::new("config-bracket-row");
    std::fs::write(
        temp.join("jobdeck.toml"),
        r#"
[jobs."a[b]"]
cmd = "touch made-{}"
each = ["x", "y"]

[jobs.after]
cmd = "test -e made-x"
deps = ["a[b][x]"]
"#,
    )
    .expect("write jobdeck.toml");
    let run = run_in(temp.path(), &["--json"]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(statuses(&run).get("after").map(String::as_str), Some("ok"));
}
