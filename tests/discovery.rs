//! Project discovery: which folders become jobs, what they are called, and that odd trees
//! (loops, unreadable folders, odd names) end with warnings rather than hangs or crashes.

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Command;

use common::{
    TempDir, cmake_available, copy_fixture, path_arg, run_command, run_jobdeck, write_none_project,
};
use jobdeck::jobs::discovery::{Discovery, discover};

fn names(found: &Discovery) -> Vec<&str> {
    found.projects.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn nested_projects_are_found_and_not_searched_below_a_project() {
    let temp = TempDir::new("disc-nested");
    copy_fixture("discovery", temp.path());
    let found = discover(temp.path(), &temp.join("build"));
    // gamma's `sub` (an add_subdirectory child) and `inner-project` sit below a project.
    assert_eq!(names(&found), ["alpha", "group/beta", "group/deeper/gamma"]);
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    let gamma = &found.projects[2];
    assert_eq!(gamma.dir, temp.join("group/deeper/gamma"));
}

#[test]
fn a_folder_that_is_a_project_is_the_one_project() {
    let temp = TempDir::new("disc-root");
    copy_fixture("discovery/group/deeper/gamma", &temp.join("gamma"));
    let found = discover(&temp.join("gamma"), &temp.join("gamma/build"));
    assert_eq!(names(&found), ["gamma"]);
}

#[test]
fn hidden_ignored_and_build_root_folders_are_skipped() {
    let temp = TempDir::new("disc-skip");
    write_none_project(&temp.join("kept"));
    write_none_project(&temp.join(".hidden/project"));
    write_none_project(&temp.join(".git/modules/x"));
    write_none_project(&temp.join("vendor/ignored-below/lib"));
    std::fs::write(temp.join("vendor/.jobdeckignore"), "").expect("write ignore file");
    write_none_project(&temp.join("also-ignored"));
    std::fs::write(temp.join("also-ignored/.jobdeckignore"), "").expect("write ignore file");
    // Fetched dependencies inside the default build root, and inside a custom one.
    write_none_project(&temp.join("build/_deps/fmt-src"));
    write_none_project(&temp.join("out/_deps/json-src"));

    let found = discover(temp.path(), &temp.join("build"));
    assert_eq!(names(&found), ["kept", "out/_deps/json-src"]);
    let found = discover(temp.path(), &temp.join("out"));
    assert_eq!(names(&found), ["build/_deps/fmt-src", "kept"]);
}

#[test]
fn the_build_root_is_skipped_when_given_with_a_relative_or_dotted_path() {
    let temp = TempDir::new("disc-dotted");
    write_none_project(&temp.join("kept"));
    write_none_project(&temp.join("build/_deps/fmt-src"));
    let dotted = temp.join("kept/../build");
    let found = discover(temp.path(), &dotted);
    assert_eq!(names(&found), ["kept"]);
}

#[test]
fn a_symlink_loop_gives_a_warning_and_terminates() {
    let temp = TempDir::new("disc-loop");
    write_none_project(&temp.join("a/project"));
    std::fs::create_dir_all(temp.join("a/b")).expect("mkdir");
    symlink(temp.join("a"), temp.join("a/b/back-to-a")).expect("symlink");
    symlink(temp.path(), temp.join("a/b/back-to-root")).expect("symlink");
    let found = discover(temp.path(), &temp.join("build"));
    assert_eq!(names(&found), ["a/project"]);
    assert!(
        found.warnings.iter().any(|w| w.contains("back-to-a")),
        "{:?}",
        found.warnings
    );
}

#[test]
fn a_project_reached_twice_through_a_symlink_is_listed_once() {
    let temp = TempDir::new("disc-link");
    write_none_project(&temp.join("real/project"));
    symlink(temp.join("real"), temp.join("zz-link")).expect("symlink");
    let found = discover(temp.path(), &temp.join("build"));
    assert_eq!(names(&found), ["real/project"]);
}

#[test]
fn an_unreadable_folder_gives_a_warning_and_the_rest_runs() {
    let temp = TempDir::new("disc-unreadable");
    write_none_project(&temp.join("readable"));
    write_none_project(&temp.join("locked/inside"));
    std::fs::set_permissions(temp.join("locked"), PermissionsExt::from_mode(0o000))
        .expect("chmod 000");
    let build = temp.join("build");
    std::fs::create_dir_all(&build).expect("mkdir build");
    std::fs::set_permissions(&build, PermissionsExt::from_mode(0o777)).expect("chmod 777");
    for dir in [temp.path(), &temp.join("readable")] {
        std::fs::set_permissions(dir, PermissionsExt::from_mode(0o755)).expect("chmod 755");
    }

    // Tests often run as root, and root reads a mode-000 folder anyway (CAP_DAC_OVERRIDE).
    // So the binary runs as `nobody` through setpriv, and `--cmake true` stands in for cmake:
    // only discovery is under test here.
    let mut command = if rustix::process::geteuid().is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(common::JOBDECK);
        c
    } else {
        common::jobdeck()
    };
    command.args(["--json", "--cmake", "true", path_arg(temp.path())]);
    let run = run_command(command);
    std::fs::set_permissions(temp.join("locked"), PermissionsExt::from_mode(0o755))
        .expect("chmod back, so the temp folder can be removed");
    let dropped = !(run.stderr.contains("setpriv") && run.status.code() != Some(0));
    if !common::available(
        "an_unreadable_folder_gives_a_warning_and_the_rest_runs",
        dropped,
        &format!("setpriv to drop privileges ({})", run.stderr.trim()),
    ) {
        return;
    }
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stderr.contains("warning: skipped") && run.stderr.contains("locked"),
        "stderr: {}",
        run.stderr
    );
    let events = run.json();
    let jobs: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "finished")
        .filter_map(|e| e["job"].as_str())
        .collect();
    assert_eq!(jobs, ["readable"]);
}

#[test]
fn odd_names_are_found_sorted_and_configure_ok_end_to_end() {
    let temp = TempDir::new("disc-odd");
    // Sorted by bytes, as the rows are.
    let odd = [
        "-leading-dash",
        "with space",
        "z/nested with space",
        "ünïcødé-名前",
    ];
    for name in odd {
        copy_fixture("cmake/none", &temp.join(name));
    }
    let found = discover(temp.path(), &temp.join("build"));
    assert_eq!(names(&found), odd);
    if !cmake_available("odd_names_are_found_sorted_and_configure_ok_end_to_end") {
        return;
    }
    let run = run_jobdeck(["--json", "-j2", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    let events = run.json();
    let finished: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["event"] == "finished")
        .map(|e| {
            (
                e["job"].as_str().expect("name"),
                e["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(finished.len(), odd.len(), "{events:#?}");
    for (name, status) in finished {
        assert!(odd.contains(&name), "{name}");
        assert_eq!(status, "ok", "{name}");
        assert!(
            temp.join("build")
                .join(name)
                .join("CMakeCache.txt")
                .is_file()
        );
        assert!(
            temp.join("build/.jobdeck/logs")
                .join(name)
                .join("configure.log")
                .is_file()
        );
    }
}

#[test]
fn a_folder_named_with_a_leading_dash_can_be_the_searched_folder() {
    let temp = TempDir::new("disc-dash-root");
    write_none_project(&temp.join("-root/p"));
    let run = run_jobdeck([
        "--json",
        "--cmake",
        "true",
        "--",
        path_arg(&temp.join("-root")),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stdout.contains(r#""job":"p""#), "{}", run.stdout);
}

#[test]
fn folders_whose_names_are_not_utf8_get_distinct_names_logs_and_build_folders() {
    use std::os::unix::ffi::OsStrExt;
    let temp = TempDir::new("disc-not-utf8");
    for raw in [&b"bad\xffname"[..], &b"bad\xfename"[..]] {
        write_none_project(&temp.join(std::ffi::OsStr::from_bytes(raw)));
    }
    let found = discover(temp.path(), &temp.join("build"));
    let found_names = names(&found);
    assert_eq!(found_names, [r"bad\xfename", r"bad\xffname"]);
    assert_ne!(
        found_names[0], found_names[1],
        "two folders, one name: they would share a build folder and a log"
    );
    let run = run_jobdeck(["--json", "--cmake", "true", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    let logs: std::collections::BTreeSet<String> = run
        .json()
        .iter()
        .filter(|e| e["event"] == "finished")
        .filter_map(|e| e["log"].as_str().map(str::to_string))
        .collect();
    assert_eq!(logs.len(), 2, "each job has its own log: {logs:?}");
}

/// A project whose configure generates and configures a project of its own inside its build
/// folder, as the `googletest-download` pattern and `FetchContent`'s sub-builds do.
fn write_generating_project(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("create project folder");
    std::fs::write(
        dir.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(gen NONE)\n\
         file(WRITE ${CMAKE_BINARY_DIR}/googletest-download/CMakeLists.txt\n  \
         \"cmake_minimum_required(VERSION 3.10)\\nproject(download NONE)\\n\")\n\
         execute_process(COMMAND ${CMAKE_COMMAND} -S . -B .\n  \
         WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/googletest-download RESULT_VARIABLE r)\n\
         if(r)\n  message(FATAL_ERROR \"sub-configure failed\")\nendif()\n",
    )
    .expect("write CMakeLists.txt");
}

#[test]
fn build_folders_and_earlier_build_roots_are_not_projects() {
    if !cmake_available("build_folders_and_earlier_build_roots_are_not_projects") {
        return;
    }
    let temp = TempDir::new("disc-builds");
    write_generating_project(&temp.join("gen"));
    // A project built in its own folder stays a project.
    write_none_project(&temp.join("in-source"));
    let mut cmake = Command::new("cmake");
    cmake
        .args(["-S", ".", "-B", "."])
        .current_dir(temp.join("in-source"));
    assert_eq!(run_command(cmake).code(), 0);
    // A build folder made by hand, and a session with another build root.
    let mut cmake = Command::new("cmake");
    cmake
        .arg("-S")
        .arg(temp.join("gen"))
        .arg("-B")
        .arg(temp.join("manual"));
    assert_eq!(run_command(cmake).code(), 0);
    assert!(
        temp.join("manual/googletest-download/CMakeCache.txt")
            .is_file()
    );
    let out = temp.join("out");
    let run = run_jobdeck(["--headless", "-B", path_arg(&out), path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(out.join("gen/googletest-download/CMakeLists.txt").is_file());

    let run = run_jobdeck(["--list", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        ["gen", "in-source"],
        "{run:?}"
    );
}

#[test]
fn list_prints_what_would_run_and_creates_nothing() {
    let temp = TempDir::new("disc-list");
    copy_fixture("discovery", temp.path());
    let run = run_jobdeck(["--list", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        ["alpha", "group/beta", "group/deeper/gamma"]
    );
    let run = run_jobdeck(["--list", "--json", "--test", path_arg(temp.path())]);
    assert_eq!(run.code(), 0, "{run:?}");
    let objects = run.json();
    assert_eq!(objects.len(), 3, "{objects:?}");
    assert_eq!(objects[0]["job"], "alpha");
    assert_eq!(objects[0]["kind"], "cmake");
    assert_eq!(
        objects[0]["stages"],
        serde_json::json!(["configure", "build", "test"])
    );
    assert_eq!(objects[0]["build_dir"], path_arg(&temp.join("build/alpha")));
    assert!(!temp.join("build").exists(), "no build root, no .jobdeck");
}

/// A folder whose name is not UTF-8 keeps its bytes from discovery to cmake's command line:
/// `a<0xFF>` is built in `<root>/a<0xFF>`, not in `<root>/a\xff` (which cmake read as
/// `<root>/a/xff`, inside project `a`'s build folder), and its logs go to a folder of the
/// same bytes. Only what is shown is escaped: the row's name is `a\xff`, and the log's
/// command line says `\xff` as a shell would take it back, never U+FFFD.
#[test]
fn a_folder_name_that_is_not_utf8_keeps_its_bytes_to_the_command_line() {
    use std::os::unix::ffi::OsStrExt;
    if !cmake_available("a_folder_name_that_is_not_utf8_keeps_its_bytes_to_the_command_line") {
        return;
    }
    let temp = TempDir::new("not-utf8");
    let odd = std::ffi::OsStr::from_bytes(b"a\xff");
    write_none_project(&temp.join("src/a"));
    write_none_project(&temp.join("src").join(odd));
    let build = temp.join("build");
    let run = run_jobdeck([
        "--headless".as_ref(),
        "--json".as_ref(),
        "-B".as_ref(),
        build.as_os_str(),
        temp.join("src").as_os_str(),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    let finished = common::finished_by_job(&run.json());
    assert!(finished.contains_key(r"a\xff"), "{finished:?}");
    assert!(
        build.join(odd).join("CMakeCache.txt").is_file(),
        "not built in its own folder"
    );
    assert!(
        !build.join("a/xff").exists(),
        "built inside project a's folder"
    );
    let log = std::fs::read(build.join(".jobdeck/logs").join(odd).join("configure.log"))
        .expect("the log in a folder of the same bytes");
    let replacement = "\u{fffd}".as_bytes();
    assert!(
        !log.windows(replacement.len()).any(|w| w == replacement),
        "{}",
        String::from_utf8_lossy(&log)
    );
    let first =
        String::from_utf8_lossy(log.split(|&b| b == b'\n').next().unwrap_or_default()).into_owned();
    assert!(first.contains(r"a\xff'"), "{first}");
}
