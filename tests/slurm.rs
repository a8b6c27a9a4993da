//! `--slurm` and `--launcher` against a real one-node Slurm cluster on this machine, started
//! by `scripts/slurm-local.sh up` (the script `.ci/run` also calls; a running cluster is
//! reused). A cluster these tests started is stopped when the test process ends, however it
//! ends. Without Slurm (not root, no network) the cluster tests skip on a line the harness
//! shows, except under `CI=true`, where they fail.
//!
//! The tests of this file take one lock: the node has 2 CPUs, and a test that counts queued
//! steps must not see another test's. Every step is named `jobdeck:<project>` with project
//! names unique to each test, so `squeue --name` sees only a test's own steps.

mod common;
mod slurm_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{
    Streaming, TempDir, copy_tree, fixture, live_processes_with_marker, run_command, wait_until,
    wait_within,
};
use slurm_support::{args_in, cluster_with_cmake, interrupt, jobdeck, on_cluster, run_in};

/// The bound for a cancelled or timed-out step to be gone from the node and the queue.
const STOPPED_WITHIN: Duration = Duration::from_secs(2);
/// The bound for the steps of a jobdeck killed with SIGKILL to leave the queue.
const ORPHANS_GONE_WITHIN: Duration = Duration::from_secs(5);

/// The steps in the queue named `jobdeck:<name>` for any of `names`, as `(name, state)`.
fn queued(conf: &Path, names: &[&str]) -> Vec<(String, String)> {
    let names: Vec<String> = names.iter().map(|n| format!("jobdeck:{n}")).collect();
    let output = Command::new("squeue")
        .args(["-h", "-o", "%j %t", "--name", &names.join(",")])
        .env("SLURM_CONF", conf)
        .output()
        .expect("run squeue");
    assert!(output.status.success(), "squeue failed: {output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (name, state) = line.split_once(' ')?;
            Some((name.to_string(), state.to_string()))
        })
        .collect()
}

/// A project named `name` under `root` whose configure runs `sleep SECS` (as cmake's child).
fn sleeping_project(root: &Path, name: &str, secs: u32) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("create project");
    std::fs::write(
        dir.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.10)\nproject({} NONE)\n\
             execute_process(COMMAND sleep {secs})\n",
            name.replace('-', "_")
        ),
    )
    .expect("write CMakeLists.txt");
}

/// `count` sleeping projects under `root/src` named `PREFIX-0`, `PREFIX-1`, …; their names.
fn sleeping_projects(root: &TempDir, prefix: &str, count: usize, secs: u32) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    for name in &names {
        sleeping_project(&root.join("src"), name, secs);
    }
    names
}

/// `(job, stage, status, exit_code, error)` of every finished event, sorted.
fn outcomes(stdout: &str) -> Vec<(String, String, String, String, String)> {
    // The projects' stages: a local session also has a toolchain probe's row, a session
    // through a launcher none (its configures run on the nodes).
    let mut all: Vec<_> = common::parse_json_lines(stdout)
        .into_iter()
        .filter(|event| event["event"] == "finished" && event["kind"] == "cmake")
        .map(|event| {
            (
                event["job"].to_string(),
                event["stage"].to_string(),
                event["status"].to_string(),
                event["exit_code"].to_string(),
                event["error"].to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn the_demo_projects_through_slurm_end_as_they_do_locally() {
    let Some(cluster) = on_cluster("the_demo_projects_through_slurm_end_as_they_do_locally") else {
        return;
    };
    let conf = &cluster.conf;
    let demo = fixture("../demo");
    let local = TempDir::new("slurm-demo-local");
    let remote = TempDir::new("slurm-demo-slurm");
    let run = |root: &TempDir, extra: &[&str]| {
        let mut args: Vec<&str> = vec!["--json"];
        args.extend_from_slice(extra);
        let mut args = args_in(root, &args);
        // The demo's projects, not the root's `src`.
        *args.last_mut().expect("the folder") = demo.to_str().expect("utf-8").to_string();
        run_command(jobdeck(conf, &args))
    };
    let here = run(&local, &[]);
    let there = run(&remote, &["--slurm"]);
    assert_eq!(here.code(), 1, "{here:?}");
    assert_eq!(there.code(), 1, "{there:?}");
    let (here, there) = (outcomes(&here.stdout), outcomes(&there.stdout));
    assert_eq!(here, there, "local and slurm outcomes differ");
    // The failing project's exit code and first CMake error came through srun, and srun's
    // own `srun: error: … Exited with exit code 1` line did not take the error's place.
    let broken = there
        .iter()
        .find(|o| o.0 == "\"broken\"")
        .expect("broken ran");
    assert_eq!(broken.2, "\"failed\"");
    assert_eq!(broken.3, "1");
    assert!(
        broken.4.contains("fails on purpose") && broken.4.contains("CMakeLists.txt:3"),
        "{broken:?}"
    );
    let log = std::fs::read_to_string(remote.join("b/.jobdeck/logs/broken/configure.log"))
        .expect("read the log");
    assert!(
        log.starts_with("$ srun --ntasks=1 --quiet --input=none --job-name=jobdeck:broken -- "),
        "{log}"
    );
    assert!(
        log.contains("srun: error:"),
        "srun's line is in the log: {log}"
    );
}

#[test]
fn a_build_error_through_slurm_is_the_compilers_not_sruns() {
    let Some(cluster) = on_cluster("a_build_error_through_slurm_is_the_compilers_not_sruns") else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-bad-build");
    copy_tree(
        &fixture("pipelines/bad-build"),
        &root.join("src/slurm-bad-build"),
    );
    let run = run_in(conf, &root, &["--json", "--build", "--slurm"]);
    assert_eq!(run.code(), 1, "{run:?}");
    let build = outcomes(&run.stdout)
        .into_iter()
        .find(|o| o.1 == "\"build\"")
        .expect("the build ran");
    assert_eq!(build.2, "\"failed\"", "{build:?}");
    assert!(build.4.contains(": error:"), "{build:?}");
    assert!(!build.4.contains("srun"), "{build:?}");
}

/// Starts jobdeck on one sleeping project named `name` through Slurm, and waits until its
/// `sleep` runs on the node. The test's marker travels with srun's environment to the task,
/// so the node's processes of the test are found by it.
fn start_sleeping_step(conf: &Path, root: &TempDir, name: &str, extra: &[&str]) -> Streaming {
    sleeping_project(&root.join("src"), name, 300);
    let mut options = vec!["--slurm"];
    options.extend_from_slice(extra);
    let args = args_in(root, &options);
    let jobdeck = Streaming::start_with_env(&args, name, &[("SLURM_CONF", conf.as_os_str())]);
    let running = wait_until(|| {
        live_processes_with_marker(name)
            .iter()
            .any(|p| p.comm == "sleep")
    });
    assert!(running, "the step's sleep never ran on the node");
    jobdeck
}

/// No `sleep` of the test is left on the node and its step is gone from the queue, within
/// `limit`.
fn assert_gone_within(conf: &Path, name: &str, limit: Duration) {
    let gone = wait_within(limit, || {
        live_processes_with_marker(name)
            .iter()
            .all(|p| p.comm != "sleep")
            && queued(conf, &[name]).is_empty()
    });
    assert!(
        gone,
        "after {limit:?}: processes {:?}, queue {:?}",
        live_processes_with_marker(name),
        queued(conf, &[name])
    );
}

#[test]
fn a_cancelled_step_leaves_no_sleep_and_an_empty_queue() {
    let Some(cluster) = on_cluster("a_cancelled_step_leaves_no_sleep_and_an_empty_queue") else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-cancel");
    let name = "slurm-cancel-step";
    let jobdeck = start_sleeping_step(conf, &root, name, &[]);
    // SIGINT is headless mode's cancel of every run.
    interrupt(&jobdeck.child);
    let mut seen = Vec::new();
    let (status, stderr) = jobdeck.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{seen:?} {stderr}");
    assert!(
        seen.iter()
            .any(|l| l.starts_with("cancelled") && l.contains(name)),
        "{seen:#?}"
    );
    assert_gone_within(conf, name, STOPPED_WITHIN);
}

#[test]
fn a_timed_out_step_leaves_no_sleep_and_an_empty_queue() {
    let Some(cluster) = on_cluster("a_timed_out_step_leaves_no_sleep_and_an_empty_queue") else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-timeout");
    let name = "slurm-timeout-step";
    // Long enough for the sleep to start first on a loaded machine (it takes ~0.1 s idle).
    let jobdeck = start_sleeping_step(conf, &root, name, &["--timeout", "6"]);
    let mut seen = Vec::new();
    let (status, stderr) = jobdeck.finish(&mut seen);
    assert_eq!(status.code(), Some(1), "{seen:?} {stderr}");
    assert!(
        seen.iter()
            .any(|l| l.starts_with("timeout") && l.contains(name)),
        "{seen:#?}"
    );
    assert_gone_within(conf, name, STOPPED_WITHIN);
}

#[test]
fn the_steps_of_a_jobdeck_killed_with_sigkill_leave_the_queue() {
    let Some(cluster) = on_cluster("the_steps_of_a_jobdeck_killed_with_sigkill_leave_the_queue")
    else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-sigkill");
    let name = "slurm-sigkill-step";
    let mut jobdeck = start_sleeping_step(conf, &root, name, &[]);
    assert_eq!(queued(conf, &[name]).len(), 1, "the step is in the queue");
    jobdeck.child.kill().expect("SIGKILL jobdeck");
    jobdeck.child.wait().expect("reap jobdeck");
    assert_gone_within(conf, name, ORPHANS_GONE_WITHIN);
}

#[test]
fn more_workers_than_cpus_queue_the_extra_step_and_finish_every_job() {
    let Some(cluster) =
        on_cluster("more_workers_than_cpus_queue_the_extra_step_and_finish_every_job")
    else {
        return;
    };
    let conf = &cluster.conf;
    let cpus = num_cpus();
    let root = TempDir::new("slurm-queue");
    let names = sleeping_projects(&root, "slurm-queue", cpus + 1, 3);
    let workers = (cpus + 1).to_string();
    let args = args_in(&root, &["--slurm", "-j", &workers]);
    let mut command = jobdeck(conf, &args);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("start jobdeck");
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // One step more than the node has CPUs: Slurm runs `cpus` of them and queues the last.
    let queued_one = wait_until(|| {
        let steps = queued(conf, &refs);
        steps.len() == names.len()
            && steps.iter().filter(|(_, state)| state == "R").count() == cpus
            && steps.iter().filter(|(_, state)| state == "PD").count() == 1
    });
    let output = child.wait_with_output().expect("wait for jobdeck");
    assert!(queued_one, "never saw {cpus} steps running and one pending");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for name in &names {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(name.as_str())),
            "{name} did not finish ok: {stdout}"
        );
    }
}

/// The CPUs Slurm was told the node has (`nproc`, as the script writes it).
fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

#[test]
fn slurm_passes_nice_to_srun_and_a_generic_launcher_refuses_it() {
    let test = "slurm_passes_nice_to_srun_and_a_generic_launcher_refuses_it";
    if !common::cmake_available(test) {
        return;
    }
    let refused = common::run_jobdeck([
        "--headless",
        "--launcher",
        "nice -n5",
        "--nice",
        "5",
        fixture("cmake/ok").to_str().expect("utf-8"),
    ]);
    assert_eq!(refused.code(), 2, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("--nice cannot be passed through --launcher"),
        "{refused:?}"
    );
    let Some(cluster) = on_cluster(test) else {
        return;
    };
    let root = TempDir::new("slurm-nice");
    copy_tree(&fixture("cmake/ok"), &root.join("src/slurm-nice"));
    let run = run_in(&cluster.conf, &root, &["--slurm", "--nice", "5"]);
    assert_eq!(run.code(), 0, "{run:?}");
    let log = std::fs::read_to_string(
        root.join("b")
            .join(".jobdeck/logs/slurm-nice/configure.log"),
    )
    .expect("read the log");
    assert!(
        log.starts_with("$ srun --ntasks=1 --quiet --input=none --nice=5 "),
        "{log}"
    );
}

#[test]
fn a_launcher_that_is_not_there_fails_every_job_naming_it() {
    let root = TempDir::new("missing-launcher");
    for name in ["one", "two"] {
        common::write_none_project(&root.join(format!("src/{name}")));
    }
    let build_root = root.join("b");
    let run = common::run_jobdeck([
        "--headless",
        "--json",
        "--launcher",
        "no-such-launcher-jobdeck --flag",
        "-B",
        build_root.to_str().expect("utf-8"),
        root.join("src").to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code(), 1, "{run:?}");
    let ended = outcomes(&run.stdout);
    assert_eq!(ended.len(), 2, "{ended:?}");
    for (job, _, status, _, error) in ended {
        assert_eq!(status, "\"failed\"", "{job}");
        assert!(
            error.contains("cannot run the launcher `no-such-launcher-jobdeck`: not found"),
            "{job}: {error}"
        );
    }
}

#[test]
fn a_step_the_cluster_refuses_fails_with_sruns_reason() {
    let Some(cluster) = on_cluster("a_step_the_cluster_refuses_fails_with_sruns_reason") else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-refused");
    common::write_none_project(&root.join("src/slurm-refused"));
    let run = run_in(
        conf,
        &root,
        &[
            "--json",
            "--launcher",
            "srun --partition=no-such-partition --",
        ],
    );
    assert_eq!(run.code(), 1, "{run:?}");
    let ended = outcomes(&run.stdout);
    assert_eq!(ended.len(), 1, "{ended:?}");
    let error = &ended[0].4;
    assert!(
        error.contains("launcher srun: error:") && error.contains("partition"),
        "{error}"
    );
}

#[test]
fn pseudoword_tasks_are_never_launched() {
    let root = TempDir::new("words-not-launched");
    let run = common::run_jobdeck([
        "--headless",
        "--no-cmake",
        "--words",
        "2",
        "--words-per-task",
        "100",
        "--launcher",
        "no-such-launcher-jobdeck",
        "-B",
        root.join("b").to_str().expect("utf-8"),
    ]);
    assert_eq!(run.code(), 0, "{run:?}");
    // The CPU time is the pseudowords' alone, and the summary says so.
    assert!(
        run.stdout.contains("s (launched jobs not counted)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_step_stopped_while_it_waits_for_a_cpu_leaves_the_queue() {
    let Some(cluster) = on_cluster("a_step_stopped_while_it_waits_for_a_cpu_leaves_the_queue")
    else {
        return;
    };
    let conf = &cluster.conf;
    let cpus = num_cpus();
    let root = TempDir::new("slurm-pending");
    let names = sleeping_projects(&root, "slurm-pending", cpus + 1, 300);
    let workers = (cpus + 1).to_string();
    let args = args_in(&root, &["--slurm", "-j", &workers]);
    let jobdeck =
        Streaming::start_with_env(&args, "slurm-pending", &[("SLURM_CONF", conf.as_os_str())]);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let one_pending = wait_until(|| {
        queued(conf, &refs)
            .iter()
            .filter(|(_, state)| state == "PD")
            .count()
            == 1
    });
    assert!(one_pending, "no step waited: {:?}", queued(conf, &refs));
    interrupt(&jobdeck.child);
    let mut seen = Vec::new();
    let (status, stderr) = jobdeck.finish(&mut seen);
    assert_eq!(status.code(), Some(130), "{seen:?} {stderr}");
    let empty = wait_within(STOPPED_WITHIN, || queued(conf, &refs).is_empty());
    assert!(empty, "left in the queue: {:?}", queued(conf, &refs));
}

#[test]
fn a_controller_that_cannot_be_reached_fails_the_job_with_sruns_reason() {
    let test = "a_controller_that_cannot_be_reached_fails_the_job_with_sruns_reason";
    let Some(conf) = cluster_with_cmake(test) else {
        return;
    };
    let root = TempDir::new("slurm-unreachable");
    // The same cluster, but clients look for the controller on a port nobody listens on.
    let settings = std::fs::read_to_string(conf).expect("read slurm.conf");
    let wrong = root.join("slurm.conf");
    std::fs::write(&wrong, format!("SlurmctldPort=1\n{settings}")).expect("write slurm.conf");
    common::write_none_project(&root.join("src/slurm-unreachable"));
    let run = run_in(&wrong, &root, &["--json", "--slurm"]);
    assert_eq!(run.code(), 1, "{run:?}");
    let ended = outcomes(&run.stdout);
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert!(
        ended[0].4.contains("launcher srun: error:") && ended[0].4.contains("controller"),
        "{ended:?}"
    );
}

/// Command jobs (`jobdeck run`) go through Slurm as CMake's do: each command is a step of
/// its own (its job id in its environment), its output on jobdeck's stdout; a timed-out one
/// leaves no process on the node and no step in the queue.
#[test]
fn command_jobs_run_as_steps_and_a_timed_out_one_leaves_the_queue() {
    let test = "command_jobs_run_as_steps_and_a_timed_out_one_leaves_the_queue";
    let Some(cluster) = on_cluster(test) else {
        return;
    };
    let conf = &cluster.conf;
    let root = TempDir::new("slurm-commands");
    let inputs = ["slurm-cmd-a", "slurm-cmd-b"];
    let mut command = jobdeck(
        conf,
        &[
            "run",
            "--headless",
            "--slurm",
            "--",
            "echo",
            "step",
            "$SLURM_JOB_ID",
            "{}",
            ":::",
        ],
    );
    command.args(inputs).current_dir(root.path());
    let run = run_command(command);
    assert_eq!(run.code(), 0, "{run:?}");
    for input in inputs {
        let line = run
            .stdout
            .lines()
            .find(|l| l.ends_with(input))
            .unwrap_or_else(|| panic!("{input}'s output: {run:?}"));
        let id = line.split(' ').nth(1).unwrap_or_default();
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
            "no Slurm job id in {line:?}"
        );
    }

    // A named job of a jobdeck.toml, so its step has a name of its own in the queue.
    let name = "slurm-cmd-sleep";
    std::fs::write(
        root.join("jobdeck.toml"),
        format!("[jobs.{name}]\ncmd = \"sleep 300\"\n"),
    )
    .expect("write jobdeck.toml");
    let args = ["run", "--headless", "--slurm", "--timeout", "6"];
    let mut command = jobdeck(conf, &args);
    command
        .env(common::MARKER_VAR, name)
        .current_dir(root.path());
    let jobdeck = Streaming::spawn(command);
    let running = wait_until(|| {
        live_processes_with_marker(name)
            .iter()
            .any(|p| p.comm == "sleep")
    });
    assert!(running, "the command's sleep never ran on the node");
    let mut seen = Vec::new();
    let (status, stderr) = jobdeck.finish(&mut seen);
    assert_eq!(status.code(), Some(1), "{seen:?} {stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("timeout") && l.contains(name)),
        "{stderr}"
    );
    assert_gone_within(conf, name, STOPPED_WITHIN);
}
