//! The memory gate in the live table, in a real tmux: with too little memory available the
//! configure runs, the build waits on deck (`queued`), and the header says `waiting for
//! memory`; quitting then cancels the build that never started. And `-` while a build runs
//! takes back the compile slots the smaller pool no longer has.

mod common;
mod tmux;

use std::io::Write;
use std::path::Path;

use tmux::{TempDir, Tmux, row_is, tools_present, unique_tag};

#[test]
fn an_absurd_mem_free_holds_the_build_and_the_header_says_so() {
    if !tools_present("e2e_jobserver", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let tag = unique_tag("mem-gate");
    let dir = TempDir::new(&tag);
    let project = dir.0.join("src/p");
    std::fs::create_dir_all(&project).expect("create the project");
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.10)\nproject(p NONE)\n",
    )
    .expect("write CMakeLists.txt");
    // A machine of 8 GiB with 1 MiB available (a size above the total memory is refused).
    let meminfo = dir.0.join("meminfo");
    std::fs::write(&meminfo, "MemTotal: 8388608 kB\nMemAvailable: 1024 kB\n")
        .expect("write meminfo");
    let command = format!(
        "JOBDECK_MEMINFO='{meminfo}' '{bin}' -j 2 --build --mem-free 1G -B '{root}' '{src}'; \
         echo \"jobdeck exited $?\"",
        meminfo = meminfo.display(),
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        root = dir.0.join("build").display(),
        src = dir.0.join("src").display(),
    );
    let tmux = Tmux::start("mem-gate", &command);
    let screen = tmux.wait_for("the configure done and the build held", |s| {
        let build_queued = s
            .lines()
            .any(|l| l.contains(" build ") && l.trim_end().ends_with("queued"));
        s.contains("waiting for memory") && row_is(s, "p", "ok") && build_queued
    });
    assert!(
        !screen.contains("running"),
        "nothing else started:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    tmux.wait_for("jobdeck to exit", |s| s.contains("jobdeck exited 1"));
}

/// After `-` in the live table, a running build gives back the compile slots the smaller
/// pool no longer has as its compilers end: the header comes down to `slots 1/1` while the
/// build still runs, and from then on its compiles run one at a time. (Its make writes the
/// token of a compiler that ended and reads one again microseconds later; a broker that
/// looked into the pipe once a turn never won that race, and the build ran four compilers
/// on a pool of one until its last compile had started.)
#[test]
fn minus_takes_compile_slots_back_from_a_running_build() {
    if !tools_present(
        "minus_takes_compile_slots_back_from_a_running_build",
        &[
            ("tmux", "-V"),
            ("cmake", "--version"),
            ("cc", "--version"),
            ("make", "--version"),
        ],
    ) {
        return;
    }
    let tag = unique_tag("slots-shrink");
    let dir = TempDir::new(&tag);
    let log = dir.0.join("compiles.log");
    slow_c_project(&dir.0.join("src/big"), &dir.0.join("slow-cc"), &log, 80);
    let command = format!(
        "'{bin}' -j 4 --build -D CMAKE_C_COMPILER_LAUNCHER='{launcher}' -B '{root}' '{src}'; \
         echo \"jobdeck exited $?\"",
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        launcher = dir.0.join("slow-cc").display(),
        root = dir.0.join("build").display(),
        src = dir.0.join("src").display(),
    );
    let tmux = Tmux::start_sized("slots-shrink", &command, (160, 30));
    let build_is = |s: &str, state: &str| {
        s.lines()
            .any(|l| l.contains(" build ") && l.contains(&format!(" {state} ")))
    };
    tmux.wait_for("the build on every slot", |s| {
        build_is(s, "running") && s.contains("slots 4/4")
    });
    mark(&log, "keys");
    tmux.keys(&["-", "-", "-"]);
    let screen = tmux.wait_for("one slot in use, or the build's end", |s| {
        (build_is(s, "running") && s.contains("slots 1/1")) || build_is(s, "ok")
    });
    assert!(
        !build_is(&screen, "ok"),
        "the build kept its slots to its end:\n{screen}\n{}",
        read(&log)
    );
    mark(&log, "one slot");
    // A few compiles on the pool of one, or the build's end (then the assert below says).
    tmux::wait_until("four compiles on the pool of one", || {
        compiles(&read(&log)).after_one_slot >= 4 || build_is(&tmux.capture_with(false), "ok")
    });
    let text = read(&log);
    let seen = compiles(&text);
    eprintln!(
        "compiles started after the keys: {}, of which {} beside another; \
         on the pool of one: {}, most at once {}",
        seen.after_keys, seen.overlapped_after_keys, seen.after_one_slot, seen.most_after_one_slot
    );
    assert!(seen.after_one_slot >= 4, "the build ended first:\n{text}");
    assert_eq!(
        seen.most_after_one_slot, 1,
        "compiles overlapped on a pool of one:\n{text}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the quit question", |s| s.contains("Quit?"));
    tmux.keys(&["y"]);
    tmux.wait_for_in(true, "jobdeck to exit", |s| s.contains("jobdeck exited"));
}

/// A C project of `files` files whose compiles take a fifth of a second each, through
/// `launcher`, which writes `start` and `end` lines for each into `log`.
fn slow_c_project(project: &Path, launcher: &Path, log: &Path, files: usize) {
    std::fs::create_dir_all(project).expect("create the project");
    let mut sources = vec!["main.c".to_string()];
    std::fs::write(project.join("main.c"), "int main(void) { return 0; }\n").expect("main.c");
    for i in 0..files {
        let file = format!("f{i}.c");
        std::fs::write(
            project.join(&file),
            format!("int f{i}(void) {{ return {i}; }}\n"),
        )
        .expect("a source");
        sources.push(file);
    }
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.10)\nproject(big C)\nadd_executable(big {})\n",
            sources.join(" ")
        ),
    )
    .expect("write CMakeLists.txt");
    std::fs::write(log, "").expect("the compile log");
    std::fs::write(
        launcher,
        format!(
            "#!/bin/sh\necho start >> '{log}'\nsleep 0.2\n\"$@\"\nstatus=$?\n\
             echo end >> '{log}'\nexit $status\n",
            log = log.display()
        ),
    )
    .expect("the launcher");
    let mut permissions = std::fs::metadata(launcher).expect("stat").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(launcher, permissions).expect("chmod");
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).expect("the compile log")
}

/// Appends a line of the test's own to the compile log, between the launcher's lines.
fn mark(log: &Path, line: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(log)
        .expect("the compile log");
    writeln!(file, "{line}").expect("a mark in the compile log");
}

/// What the compile log says about the compiles after the test's marks.
#[derive(Debug, Default)]
struct Compiles {
    after_keys: usize,
    overlapped_after_keys: usize,
    after_one_slot: usize,
    most_after_one_slot: usize,
}

fn compiles(text: &str) -> Compiles {
    let mut seen = Compiles::default();
    let (mut now, mut keys, mut one_slot) = (0usize, false, false);
    for line in text.lines() {
        match line {
            "keys" => keys = true,
            "one slot" => {
                one_slot = true;
                seen.most_after_one_slot = now;
            }
            "start" => {
                now += 1;
                if keys {
                    seen.after_keys += 1;
                    seen.overlapped_after_keys += usize::from(now > 1);
                }
                if one_slot {
                    seen.after_one_slot += 1;
                    seen.most_after_one_slot = seen.most_after_one_slot.max(now);
                }
            }
            _ => now = now.saturating_sub(1),
        }
    }
    seen
}
