//! The shared toolchain probe in the live table, in a real tmux: a seeded configure says
//! `seeded` in its detail column, and a probe that fails is shown as a warning (counted apart
//! in the header, with no cause) while the configures run unseeded (`fresh`).

mod common;
mod tmux;

use std::path::Path;

use tmux::{TempDir, Tmux, copy_dir, row, row_is, tools_present, unique_tag};

/// Starts the live table on a copy of the `c-checks` probe fixture, with a user cache folder
/// (`XDG_CACHE_HOME`) of its own that `prepare` gets first; returns the session and the
/// folder (kept alive by the caller).
fn start(label: &str, prepare: impl Fn(&Path)) -> (Tmux, TempDir) {
    let tag = unique_tag(label);
    let dir = TempDir::new(&tag);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fixtures/probe/c-checks");
    copy_dir(&fixture, &dir.0.join("src/c-checks"));
    let build_root = dir.0.join("jd");
    let cache = dir.0.join("cache");
    prepare(&cache);
    let command = format!(
        "env XDG_CACHE_HOME='{cache}' '{bin}' -j 2 -B '{root}' '{src}'; \
         echo \"jobdeck exited $?\"",
        cache = cache.display(),
        bin = env!("CARGO_BIN_EXE_jobdeck"),
        root = build_root.display(),
        src = dir.0.join("src").display(),
    );
    (Tmux::start(label, &command), dir)
}

#[test]
fn the_table_says_seeded_and_shows_a_failed_probe() {
    if !tools_present("e2e_probe", &[("tmux", "-V"), ("cmake", "--version")]) {
        return;
    }
    let (tmux, _dir) = start("probe-seeded", |_| {});
    // The probe is a row of its own, before the configure it seeds.
    let screen = tmux.wait_for("the configure to end seeded", |s| {
        row_is(s, "c-checks", "ok") && row(s, "c-checks").is_some_and(|r| r.contains("seeded"))
    });
    assert!(
        row(&screen, "toolchain probe").is_some_and(|r| r.contains("ok") && r.contains("probed")),
        "{screen}"
    );
    assert!(!screen.contains("not seeded"), "no warning: {screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("jobdeck to exit", |s| s.contains("jobdeck exited 0"));

    let (tmux, _dir) = start("probe-failed", |cache| {
        // A file where the probes folder goes: no probe can be kept.
        std::fs::create_dir_all(cache.join("jobdeck")).expect("create jobdeck's folder");
        std::fs::write(cache.join("jobdeck/probes"), "not a folder").expect("write the file");
    });
    // The probe's row fails; its configure runs unseeded, and the session still succeeds.
    let screen = tmux.wait_for("the failed probe and the unseeded configure", |s| {
        row_is(s, "toolchain probe", "failed")
            && row_is(s, "c-checks", "ok")
            && row(s, "c-checks").is_some_and(|r| r.contains("fresh"))
    });
    // A warning, not a failure: the header counts it apart, and it has no cause.
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("1 warned") && !header.contains("failed"),
        "{screen}"
    );
    assert!(
        row(&screen, "toolchain probe").is_some_and(|r| r.contains("unseeded")),
        "its consequence on its row: {screen}"
    );
    tmux.keys(&["x"]);
    tmux.wait_for("no causes", |s| s.contains("no failed jobs, so no causes"));
    tmux.keys(&["q"]);
    let end = tmux.wait_for("jobdeck to exit", |s| s.contains("jobdeck exited 0"));
    assert!(
        end.contains("not seeded"),
        "the warning again at the end:\n{end}"
    );
}
