//! The pool of compile slots with real cmake, make and gcc: a compiler launcher that records
//! each compile's start and end shows how many compilers ran at once. The pool's size is
//! respected and a build alone at the tail uses every slot; slots come back after a build is
//! cancelled or times out while its make holds tokens; a make that does not understand the
//! pool still builds, with a fixed `--parallel` said in its detail; `--mem-free` holds
//! builds back until memory is available.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{TempDir, cmake_available, path_arg, run_jobdeck, timeout, wait_until};
use crossbeam_channel::Receiver;
use jobdeck::engine::{Engine, EngineConfig, EngineEvent, EventKind, JobId, Outcome, RunId};
use jobdeck::engine::{WorkItem, memory::MEMINFO_OVERRIDE};
use jobdeck::jobs::JobSpec;
use jobdeck::jobs::cmake::{CmakeJob, CmakeSettings};

/// A compiler launcher that appends `start <project> <pid>` and `end <project> <pid>` to
/// `log` around the real compile, which it stretches by 0.3 s so compiles overlap when they
/// can; a file named `hang*.c` never finishes.
fn recording_launcher(dir: &Path, log: &Path) -> PathBuf {
    let script = dir.join("record-cc");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nname=$(basename \"$PWD\")\necho \"start $name $$\" >> '{log}'\n\
             case \"$*\" in *hang*) exec sleep 1000;; esac\nsleep 0.3\n\"$@\"\nstatus=$?\n\
             echo \"end $name $$\" >> '{log}'\nexit $status\n",
            log = log.display()
        ),
    )
    .expect("write the launcher");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make the launcher executable");
    script
}

/// A C project `name` of `files` source files (plus `main.c`), each named `<stem><i>.c`.
fn c_project(root: &Path, name: &str, stem: &str, files: usize) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("create the project");
    let mut sources = vec!["main.c".to_string()];
    for i in 0..files {
        let file = format!("{stem}{i}.c");
        std::fs::write(
            dir.join(&file),
            format!("int {stem}{i}(int x) {{ return x + {i}; }}\n"),
        )
        .expect("write a source");
        sources.push(file);
    }
    std::fs::write(dir.join("main.c"), "int main(void) { return 0; }\n").expect("write main");
    std::fs::write(
        dir.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.10)\nproject({name} C)\nadd_executable({name} {})\n",
            sources.join(" ")
        ),
    )
    .expect("write CMakeLists.txt");
}

/// The most compiles of projects `only` (every project if empty) running at once, from
/// the launcher's log (a compile that never ended counts as running to the end).
fn most_at_once(log: &Path, only: &[&str]) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let (mut now, mut most) = (0usize, 0usize);
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(what), Some(project)) = (words.next(), words.next()) else {
            continue;
        };
        if !only.is_empty() && !only.contains(&project) {
            continue;
        }
        match what {
            "start" => now += 1,
            "end" => now = now.saturating_sub(1),
            _ => {}
        }
        most = most.max(now);
    }
    most
}

#[test]
fn never_more_compilers_than_slots_and_a_build_alone_uses_them_all() {
    if !cmake_available("never_more_compilers_than_slots_and_a_build_alone_uses_them_all") {
        return;
    }
    let temp = TempDir::new("pool-size");
    let log = temp.join("compiles.log");
    let launcher = recording_launcher(temp.path(), &log);
    let src = temp.join("src");
    c_project(&src, "big", "big", 8);
    c_project(&src, "small1", "a", 1);
    c_project(&src, "small2", "b", 2);
    let run = run_jobdeck([
        "--headless",
        "-j2",
        "--build",
        "-D",
        &format!("CMAKE_C_COMPILER_LAUNCHER={}", launcher.display()),
        "-B",
        path_arg(&temp.join("build")),
        path_arg(&src),
    ]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("start")).count(),
        9 + 2 + 3,
        "every file compiled once, through the launcher:\n{text}"
    );
    assert!(
        most_at_once(&log, &[]) <= 2,
        "more than 2 compilers at once with -j2:\n{text}"
    );
    assert_eq!(
        most_at_once(&log, &["big"]),
        2,
        "the big build ran two compilers when slots were free:\n{text}"
    );
}

/// An engine of two workers with the pool of slots, and its events.
fn pooled_engine() -> (Engine, Receiver<EngineEvent>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let config = EngineConfig {
        workers: 2,
        slots: true,
        ..Default::default()
    };
    (Engine::new(&config, tx).expect("start the engine"), rx)
}

/// Configures `name` under `temp` with the recording launcher (and `-D` `extra`, if any),
/// and returns its build stage.
fn configured_build(temp: &TempDir, name: &str, launcher: &Path, extra: &[String]) -> JobSpec {
    let (source, build) = (temp.join("src").join(name), temp.join("build").join(name));
    let status = Command::new("cmake")
        .arg("-S")
        .arg(&source)
        .arg("-B")
        .arg(&build)
        .arg(format!(
            "-DCMAKE_C_COMPILER_LAUNCHER={}",
            launcher.display()
        ))
        .args(extra.iter().map(|define| format!("-D{define}")))
        .stdout(Stdio::null())
        .status()
        .expect("run cmake");
    assert!(status.success(), "configure {name}");
    jobdeck::jobs::JobSpec::new(jobdeck::jobs::cmake::CmakeSpec {
        job: CmakeJob::configure(source, build, &temp.join("logs"), name)
            .at_stage(jobdeck::jobs::cmake::Step::Build),
        settings: Arc::new(CmakeSettings {
            program: "cmake".into(),
            generator: None,
            defines: Vec::new(),
            build_type: "Debug".into(),
            build_jobs: None,
            probes: None,
            ctest_junit: false,
            test_retries: 0,
            rerun_failed_tests: false,
        }),
    })
}

/// Waits until run `run` reports `count` compilers; returns the events seen meanwhile.
fn until_compilers(rx: &Receiver<EngineEvent>, run: RunId, count: usize) {
    loop {
        let event = rx
            .recv_timeout(timeout())
            .unwrap_or_else(|_| panic!("run {run:?} never reported {count} compilers"));
        if event.run == run {
            assert!(
                !matches!(event.kind, EventKind::Finished(_)),
                "run {run:?} ended before reaching {count} compilers: {event:?}"
            );
            if event.kind == EventKind::Slots(count) {
                return;
            }
        }
    }
}

/// Waits for run `run`'s end and returns its outcome.
fn outcome(rx: &Receiver<EngineEvent>, run: RunId) -> Outcome {
    loop {
        let event = rx.recv_timeout(timeout()).expect("the run ends");
        if let (true, EventKind::Finished(finished)) = (event.run == run, event.kind) {
            return finished.outcome;
        }
    }
}

#[test]
fn slots_come_back_after_a_build_is_cancelled_or_times_out_holding_tokens() {
    if !cmake_available("slots_come_back_after_a_build_is_cancelled_or_times_out_holding_tokens") {
        return;
    }
    let temp = TempDir::new("pool-leak");
    let log = temp.join("compiles.log");
    let launcher = recording_launcher(temp.path(), &log);
    c_project(&temp.join("src"), "hangs", "hang", 4);
    c_project(&temp.join("src"), "after", "after", 6);
    c_project(&temp.join("src"), "later", "later", 6);
    // GNU make gives its tokens back when SIGTERM ends it; this one ignores SIGTERM (make
    // keeps a signal ignored that it inherited ignored), so it dies by the SIGKILL after the
    // grace period, holding its token, as a make killed by the OOM killer or by hand would.
    let make = temp.join("make-ignoring-term");
    std::fs::write(&make, "#!/bin/sh\ntrap '' TERM\nexec make \"$@\"\n").expect("write make");
    std::fs::set_permissions(&make, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    let deaf = [format!("CMAKE_MAKE_PROGRAM={}", make.display())];
    let hangs = configured_build(&temp, "hangs", &launcher, &deaf);
    let after = configured_build(&temp, "after", &launcher, &[]);
    let later = configured_build(&temp, "later", &launcher, &[]);
    let (engine, rx) = pooled_engine();
    let submit = |run: u64, spec: &JobSpec, limit: Option<Duration>| {
        engine.submit(WorkItem {
            job: JobId(0),
            run: RunId(run),
            timeout: limit,
            task: spec.task(),
        });
    };

    // Cancelled while its make holds a token (two compilers that never finish).
    submit(1, &hangs, None);
    until_compilers(&rx, RunId(1), 2);
    engine.cancel(RunId(1));
    assert_eq!(outcome(&rx, RunId(1)), Outcome::Cancelled);
    submit(2, &after, None);
    until_compilers(&rx, RunId(2), 2);
    assert_eq!(outcome(&rx, RunId(2)), Outcome::Succeeded);

    // Timed out the same way.
    submit(3, &hangs, Some(Duration::from_secs(3)));
    until_compilers(&rx, RunId(3), 2);
    assert_eq!(outcome(&rx, RunId(3)), Outcome::TimedOut);
    submit(4, &later, None);
    until_compilers(&rx, RunId(4), 2);
    assert_eq!(outcome(&rx, RunId(4)), Outcome::Succeeded);
    for project in ["after", "later"] {
        assert_eq!(
            most_at_once(&log, &[project]),
            2,
            "{project}: two compilers"
        );
    }
}

#[test]
fn a_make_that_does_not_join_the_pool_still_builds_with_a_fixed_parallel() {
    if !cmake_available("a_make_that_does_not_join_the_pool_still_builds_with_a_fixed_parallel") {
        return;
    }
    let temp = TempDir::new("pool-foreign-make");
    let make = temp.join("fake-make");
    // Not GNU make by its version, and deaf to MAKEFLAGS.
    std::fs::write(
        &make,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fakemake 1.0'; exit 0; fi\n\
         unset MAKEFLAGS MFLAGS\nexec make \"$@\"\n",
    )
    .expect("write the fake make");
    std::fs::set_permissions(&make, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    c_project(&temp.join("src"), "p", "p", 3);
    let build = pooled_build(
        &temp,
        &["-D", &format!("CMAKE_MAKE_PROGRAM={}", make.display())],
    );
    assert_eq!(build["status"], "ok", "{build}");
    assert_eq!(
        build["detail"], "--parallel 2: fake-make does not join a jobserver",
        "alone, it got both slots as a fixed --parallel: {build}"
    );
    assert!(temp.join("build/p/p").is_file(), "the executable was built");
}

/// Writes `text` into the FIFO `fifo`: returns once jobdeck (`pid`) opened it, took the
/// text and closed it again, so each call is one read of the gate, seen from outside. Fails
/// the test if no read comes within the harness's deadline.
///
/// Waiting for the close matters: a write into a FIFO still open for reading joins the read
/// under way, and two feeds would be taken as one file.
fn feed_the_gate(fifo: &Path, text: &'static str, pid: u32) {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let path = fifo.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::write(&path, text));
    });
    rx.recv_timeout(timeout())
        .expect("the gate reads its file")
        .expect("write into the FIFO");
    assert!(
        wait_until(|| !holds_open(pid, fifo)),
        "the gate kept {} open",
        fifo.display()
    );
}

/// Whether process `pid` has `file` open.
fn holds_open(pid: u32, file: &Path) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == file))
    })
}

/// Gives `text` to every read of the FIFO `fifo` until `done` is set: for a gate that may
/// read its file any number of times more (the held run's check every 200 ms, the words
/// of the notice). Never blocks on a FIFO nobody reads: it opens it non-blocking.
fn keep_feeding(
    fifo: &Path,
    text: &'static str,
    pid: u32,
    done: Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || {
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            let opened = rustix::fs::open(
                &fifo,
                rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::NONBLOCK,
                rustix::fs::Mode::empty(),
            );
            match opened {
                Ok(fd) => {
                    let _ = rustix::io::write(&fd, text.as_bytes());
                    drop(fd);
                    // One read, one feed: the next waits until this reader closed it.
                    wait_until(|| !holds_open(pid, &fifo));
                }
                // No reader yet (ENXIO): look again soon.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    })
}

/// The gate's file is a FIFO, so the test knows when the gate reads it: after two reads
/// that found too little memory the build has not started, and after one that finds enough
/// it runs and succeeds. (A second of polling used to stand in for "the gate was read".)
#[test]
fn the_memory_gate_holds_builds_until_memory_is_available() {
    if !cmake_available("the_memory_gate_holds_builds_until_memory_is_available") {
        return;
    }
    let temp = TempDir::new("mem-gate");
    let meminfo = temp.join("meminfo");
    let made = Command::new("mkfifo")
        .arg(&meminfo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", meminfo.display());
    c_project(&temp.join("src"), "p", "p", 1);
    let mut child = common::jobdeck()
        .args(["--headless", "--json", "-j2", "--build", "--mem-free", "1G"])
        .arg("-B")
        .arg(temp.join("build"))
        .arg(temp.join("src"))
        .env(MEMINFO_OVERRIDE, &meminfo)
        .stdout(std::fs::File::create(temp.join("out")).expect("create the output"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start jobdeck");
    let out = || std::fs::read_to_string(temp.join("out")).unwrap_or_default();
    let events = || common::parse_json_lines(&out());
    // The first read is the check against the total memory at start, the second the gate
    // holding the build.
    feed_the_gate(&meminfo, "MemAvailable: 1024 kB\n", child.id());
    feed_the_gate(&meminfo, "MemAvailable: 1024 kB\n", child.id());
    assert!(
        !events()
            .iter()
            .any(|e| e["event"] == "started" && e["stage"] == "build"),
        "a build started below --mem-free: {}",
        out()
    );
    // From now on every read finds enough (the notice's words read the file once more, and
    // the held run looks again every 200 ms).
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feeder = keep_feeding(
        &meminfo,
        "MemAvailable: 4194304 kB\n",
        child.id(),
        done.clone(),
    );
    let status = child.wait().expect("jobdeck ends");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    feeder.join().expect("the feeder ends");
    assert!(status.success(), "{}", out());
    let events = events();
    let at = |event: &str, stage: &str| {
        events
            .iter()
            .position(|e| e["event"] == event && e["stage"] == stage)
            .unwrap_or_else(|| panic!("no {event} of the {stage}: {}", out()))
    };
    assert!(
        at("finished", "configure") < at("started", "build"),
        "the configure is not held: {}",
        out()
    );
    assert_eq!(events[at("finished", "build")]["status"], "ok", "{}", out());
}

/// Builds waiting for memory hold no worker: with six projects on two workers and the gate
/// shut, every configure still runs (two waiting builds once sat on both workers, and the
/// configures behind them never started). Headless says once what it waits for; when memory
/// is back, the builds run.
#[test]
fn builds_waiting_for_memory_hold_no_worker_and_headless_says_so_once() {
    if !cmake_available("builds_waiting_for_memory_hold_no_worker_and_headless_says_so_once") {
        return;
    }
    let temp = TempDir::new("mem-wait");
    let meminfo = temp.join("meminfo");
    let low = "MemTotal: 8388608 kB\nMemAvailable: 1024 kB\n";
    std::fs::write(&meminfo, low).expect("write meminfo");
    for n in 0..6 {
        common::write_none_project(&temp.join(format!("src/p{n}")));
    }
    let mut child = common::jobdeck()
        .args(["--headless", "--json", "-j2", "--order", "name", "--build"])
        .args(["--mem-free", "1G", "-B"])
        .arg(temp.join("build"))
        .arg(temp.join("src"))
        .env(MEMINFO_OVERRIDE, &meminfo)
        .stdout(std::fs::File::create(temp.join("out")).expect("create the output"))
        .stderr(std::fs::File::create(temp.join("err")).expect("create the errors"))
        .spawn()
        .expect("start jobdeck");
    let out = || std::fs::read_to_string(temp.join("out")).unwrap_or_default();
    let err = || std::fs::read_to_string(temp.join("err")).unwrap_or_default();
    let configured = || {
        common::parse_json_lines(&out())
            .iter()
            .filter(|e| e["event"] == "finished" && e["stage"] == "configure")
            .count()
    };
    let all_configured = wait_until(|| configured() == 6);
    if !all_configured {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(all_configured, "configures were held: {}", out());
    assert!(
        wait_until(|| err().contains("waiting for memory")),
        "headless never said it waits: {}",
        err()
    );
    std::fs::write(&meminfo, "MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\n")
        .expect("free memory");
    let status = child.wait().expect("jobdeck ends");
    assert!(status.success(), "{}", out());
    let events = common::parse_json_lines(&out());
    let built = events
        .iter()
        .filter(|e| e["event"] == "finished" && e["stage"] == "build" && e["status"] == "ok")
        .count();
    assert_eq!(built, 6, "{}", out());
    assert_eq!(err().matches("waiting for memory").count(), 1, "{}", err());
    assert!(
        err().contains("1G") || err().contains("1.0 GiB"),
        "{}",
        err()
    );
}

/// A `--mem-free` above the machine's total memory could never be met: refused at start.
#[test]
fn a_mem_free_above_total_memory_is_refused() {
    let temp = TempDir::new("mem-total");
    let meminfo = temp.join("meminfo");
    std::fs::write(&meminfo, "MemTotal: 1048576 kB\nMemAvailable: 524288 kB\n")
        .expect("write meminfo");
    common::write_none_project(&temp.join("src/p"));
    let mut command = common::jobdeck();
    command
        .args(["--headless", "--build", "--mem-free", "2G", "-B"])
        .arg(temp.join("build"))
        .arg(temp.join("src"))
        .env(MEMINFO_OVERRIDE, &meminfo);
    let run = common::run_command(command);
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr.contains("--mem-free") && run.stderr.contains("total memory"),
        "{}",
        run.stderr
    );
}

/// The version `ninja --version` prints, if ninja is on `PATH`.
fn ninja_version() -> Option<(u32, u32)> {
    let output = Command::new("ninja")
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.trim().split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// A Ninja build alone in a pool of two slots: ninja 1.13 and later join the pool through
/// its named pipe and run two compilers; an older ninja gets both slots as a fixed
/// `--parallel 2`, said in its detail. Never more compilers than slots either way.
#[test]
fn ninja_builds_within_the_pool_and_joins_it_from_1_13() {
    if !cmake_available("ninja_builds_within_the_pool_and_joins_it_from_1_13") {
        return;
    }
    let Some(version) = ninja_version() else {
        common::available(
            "ninja_builds_within_the_pool_and_joins_it_from_1_13",
            false,
            "ninja",
        );
        return;
    };
    let temp = TempDir::new("pool-ninja");
    let log = temp.join("compiles.log");
    let launcher = recording_launcher(temp.path(), &log);
    c_project(&temp.join("src"), "big", "big", 6);
    let launcher_define = format!("CMAKE_C_COMPILER_LAUNCHER={}", launcher.display());
    let build = pooled_build(&temp, &["-G", "Ninja", "-D", &launcher_define]);
    let detail = build["detail"].as_str().unwrap_or_default();
    if version >= (1, 13) {
        assert!(!detail.contains("does not join"), "{build}");
    } else {
        assert!(
            detail.starts_with("--parallel 2: ninja ") && detail.contains("does not join"),
            "{build}"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("start")).count(),
        7,
        "every file compiled once, through the launcher:\n{text}"
    );
    assert_eq!(
        most_at_once(&log, &[]),
        2,
        "two compilers, never more:\n{text}"
    );
}

/// A headless `-j2 --build` of `temp/src` into `temp/build` in the pool of slots, with
/// `extra` options: it succeeds, and this is its build's `finished` event.
fn pooled_build(temp: &TempDir, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--headless", "--json", "-j2", "--build"];
    args.extend(extra);
    let (build_root, sources) = (temp.join("build"), temp.join("src"));
    args.extend(["-B", path_arg(&build_root), path_arg(&sources)]);
    let run = run_jobdeck(args);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout, run.stderr);
    common::parse_json_lines(&run.stdout)
        .into_iter()
        .find(|e| e["event"] == "finished" && e["stage"] == "build")
        .expect("the build's end")
}
