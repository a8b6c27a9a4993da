//! The memory gate in the live table, in a real tmux: with too little memory available the
//! configure runs, the build waits on deck (`queued`), and the header says `waiting for
//! memory`; quitting then cancels the build that never started.

mod common;
mod tmux;

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
