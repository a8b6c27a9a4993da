//! Watch mode stays steady and keeps watching (issue 21): a configure that writes into its
//! own sources does not re-run itself, while an edit during its run still restarts it; a
//! project removed and made again comes back; an unreadable folder or a link to `/` in a
//! project leaves the rest watched. Headless, with real cmake.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Streaming, TempDir, cmake_available, path_arg, wait_until, write_none_project};

/// How many lines `path` holds (0 when it is missing).
fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |text| text.lines().count())
}

/// Whether a headless line says job `name` ended with `status`.
fn ended(line: &str, status: &str, name: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some(status) && words.next() == Some(name)
}

fn interrupt(run: Streaming, seen: &mut Vec<String>) -> String {
    let jobdeck = rustix::process::Pid::from_child(&run.child);
    rustix::process::kill_process(jobdeck, rustix::process::Signal::INT).expect("SIGINT");
    let (status, stderr) = run.finish(seen);
    assert_eq!(status.code(), Some(130), "{stderr}; {seen:#?}");
    stderr
}

#[test]
fn a_configure_writing_into_its_sources_runs_once_and_an_edit_during_a_run_restarts_it() {
    let test =
        "a_configure_writing_into_its_sources_runs_once_and_an_edit_during_a_run_restarts_it";
    if !cmake_available(test) {
        return;
    }
    let temp = TempDir::new("watch-self-writing");
    let state = temp.join("state");
    std::fs::create_dir_all(&state).expect("the state folder");
    let project = temp.join("ws/p");
    std::fs::create_dir_all(&project).expect("the project");
    // The same bytes each run, as a generated header or version file is; already there, as
    // after any earlier configure.
    let header = "#define VERSION 1\n";
    std::fs::write(project.join("version.h"), header).expect("version.h");
    // Each run counts itself outside the project, then waits for `go`.
    let cmake_lists = |edit: u32| {
        format!(
            "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n\
             file(WRITE ${{CMAKE_CURRENT_SOURCE_DIR}}/version.h \"#define VERSION 1\\n\")\n\
             file(APPEND \"{state}/runs\" \"run\\n\")\n\
             while(NOT EXISTS \"{state}/go\")\n  execute_process(COMMAND sleep 0.05)\nendwhile()\n\
             # edit {edit}\n",
            state = state.display()
        )
    };
    std::fs::write(project.join("CMakeLists.txt"), cmake_lists(0)).expect("CMakeLists.txt");
    // Another project, edited to see time pass in runs rather than in seconds.
    let tick = temp.join("ws/tick");
    write_none_project(&tick);
    let runs = state.join("runs");
    let run = Streaming::start([
        "--headless",
        "--watch",
        "-j2",
        "-B",
        path_arg(&temp.join("build")),
        path_arg(&temp.join("ws")),
    ]);
    let mut seen = Vec::new();
    assert!(wait_until(|| lines(&runs) >= 1), "the first run starts");
    // A real edit while it runs (and has written version.h) restarts it.
    std::fs::write(project.join("CMakeLists.txt"), cmake_lists(1)).expect("edit");
    assert!(
        wait_until(|| lines(&runs) >= 2),
        "the edit restarts the run"
    );
    std::fs::write(state.join("go"), "").expect("go");
    let oks = |seen: &[String]| seen.iter().filter(|l| ended(l, "ok", "p")).count();
    while oks(&seen) < 1 {
        run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    }
    // Its own write of version.h did not set off another run; an edit does.
    std::fs::write(project.join("CMakeLists.txt"), cmake_lists(2)).expect("edit");
    while oks(&seen) < 2 {
        run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    }
    // Two edits of the other project, each waited for: a project re-running itself would
    // run again meanwhile (18 runs in 6 s before).
    for edit in 0..2 {
        let count = |seen: &[String]| seen.iter().filter(|l| ended(l, "ok", "tick")).count();
        let before = count(&seen);
        std::fs::write(
            tick.join("CMakeLists.txt"),
            format!("cmake_minimum_required(VERSION 3.10)\nproject(tick NONE)\n# {edit}\n"),
        )
        .expect("edit tick");
        while count(&seen) <= before {
            run.wait_for_line(&mut seen, |line| ended(line, "ok", "tick"));
        }
    }
    let stderr = interrupt(run, &mut seen);
    assert_eq!(lines(&runs), 3, "{stderr}; {seen:#?}");
    assert_eq!(oks(&seen), 2, "{seen:#?}");
    assert_eq!(
        std::fs::read_to_string(project.join("version.h")).expect("version.h"),
        header
    );
}

#[test]
fn a_project_removed_and_made_again_is_watched_again() {
    if !cmake_available("a_project_removed_and_made_again_is_watched_again") {
        return;
    }
    let temp = TempDir::new("watch-remade");
    let project = temp.join("ws/q");
    write_none_project(&project);
    write_none_project(&temp.join("ws/steady"));
    let run = Streaming::start([
        "--headless",
        "--watch",
        "-j2",
        "-B",
        path_arg(&temp.join("build")),
        path_arg(&temp.join("ws")),
    ]);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "q"));
    std::fs::remove_dir_all(&project).expect("rm -rf q");
    run.wait_for_line(&mut seen, |line| ended(line, "failed", "q"));
    write_none_project(&project);
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "q"));
    interrupt(run, &mut seen);
}

#[test]
fn links_out_of_a_project_are_not_followed_and_the_project_is_still_watched() {
    if !cmake_available("links_out_of_a_project_are_not_followed_and_the_project_is_still_watched")
    {
        return;
    }
    let temp = TempDir::new("watch-links");
    let project = temp.join("ws/p");
    write_none_project(&project);
    std::os::unix::fs::symlink("/", project.join("root")).expect("link to /");
    std::os::unix::fs::symlink("/usr", project.join("usr")).expect("link to /usr");
    let run = Streaming::start([
        "--headless",
        "--watch",
        "-j1",
        "-B",
        path_arg(&temp.join("build")),
        path_arg(&temp.join("ws")),
    ]);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n# edited\n",
    )
    .expect("edit");
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    interrupt(run, &mut seen);
}

#[test]
fn an_unreadable_folder_is_skipped_with_one_warning_and_the_rest_watched() {
    let test = "an_unreadable_folder_is_skipped_with_one_warning_and_the_rest_watched";
    let Some(temp) = common::nobody_workspace(test, "watch-unreadable") else {
        return;
    };
    let project = temp.join("ws/p");
    write_none_project(&project);
    let secret = project.join("secret");
    std::fs::create_dir_all(secret.join("inner")).expect("the secret folder");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let build = temp.join("build");
    let mut command = common::as_nobody(
        &["--headless", "--watch", "-j1", "-B", path_arg(&build)],
        &temp.join("ws"),
    );
    command.env(common::MARKER_VAR, "none");
    let run = Streaming::spawn(command);
    let mut seen = Vec::new();
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n# edited\n",
    )
    .expect("edit");
    run.wait_for_line(&mut seen, |line| ended(line, "ok", "p"));
    let stderr = interrupt(run, &mut seen);
    let all = format!("{stderr}\n{}", seen.join("\n"));
    assert_eq!(all.matches("cannot read 1 folder").count(), 1, "{all}");
    assert!(all.contains(&secret.display().to_string()), "{all}");
}
