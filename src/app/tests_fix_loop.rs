//! State-machine tests for the fix loop: `e` asks for the editor at the error's place, and
//! watch mode re-runs exactly the project whose folder changed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::test_support::{runs, send, start};
use super::{Action, Effect, JobNode, JobState, Model, Msg, update};
use crate::engine::{Diagnosis, EventKind, Finished, JobId, Outcome};
use crate::jobs::{JobKind, Stage};

/// Two projects, `a` and `b`, each a configure and a build, on two workers.
fn two_projects() -> Model {
    let node = |name: &str, stage, deps: Vec<JobId>| JobNode {
        name: name.to_string(),
        kind: JobKind::Cmake,
        stage: Some(stage),
        deps,
        expected: None,
    };
    let nodes = vec![
        node("a", Stage::Configure, vec![]),
        node("a", Stage::Build, vec![JobId(0)]),
        node("b", Stage::Configure, vec![]),
        node("b", Stage::Build, vec![JobId(2)]),
    ];
    let sources = ["/w/a", "/w/a", "/w/b", "/w/b"].map(|s| Some(PathBuf::from(s)));
    Model::new(nodes, 2, Instant::now()).with_sources(sources)
}

fn fail(model: &mut Model, job: JobId, diagnosis: Option<Diagnosis>) -> Vec<Effect> {
    let run = model.job(job).run;
    let finished = Finished {
        outcome: Outcome::Failed {
            code: Some(1),
            signal: None,
        },
        elapsed: Duration::from_millis(5),
        cpu: None,
        error: Some("boom".into()),
        log: None,
        diagnosis,
    };
    send(model, (job, run), EventKind::Finished(finished))
}

fn act(model: &mut Model, action: Action) -> Vec<Effect> {
    update(model, Msg::Action(action))
}

#[test]
fn e_opens_the_errors_file_at_its_line_or_the_projects_cmakelists() {
    let mut model = two_projects();
    let started = model.start();
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    let place = Diagnosis {
        message: "boom".into(),
        file: Some("sub/CMakeLists.txt".into()),
        line: Some(7),
    };
    fail(&mut model, JobId(0), Some(place));
    fail(&mut model, JobId(2), None);
    // The user goes to the first row (untouched, the selection follows the running job).
    act(&mut model, Action::SelectFirst);
    assert_eq!(
        act(&mut model, Action::OpenEditor),
        [Effect::OpenEditor {
            file: PathBuf::from("/w/a/sub/CMakeLists.txt"),
            line: Some(7)
        }]
    );
    act(&mut model, Action::SelectNext);
    act(&mut model, Action::SelectNext);
    assert_eq!(
        act(&mut model, Action::OpenEditor),
        [Effect::OpenEditor {
            file: PathBuf::from("/w/b/CMakeLists.txt"),
            line: None
        }]
    );
}

#[test]
fn a_changed_folder_reruns_only_its_project_and_only_while_watching() {
    let mut model = two_projects().watching(true);
    let started = model.start();
    assert_eq!(started[0], Effect::SetWatch(true), "the watch starts first");
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    fail(&mut model, JobId(0), None);
    fail(&mut model, JobId(2), None);
    assert_eq!(model.job(JobId(1)).state, JobState::Skipped);

    let effects = update(&mut model, Msg::SourceChanged(PathBuf::from("/w/a")));
    assert_eq!(runs(&effects).len(), 1, "{effects:?}");
    assert_eq!(runs(&effects)[0].0, JobId(0), "a's configure");
    assert_eq!(
        model.job(JobId(1)).state,
        JobState::Queued,
        "a's build waits for it"
    );
    assert_eq!(
        model.job(JobId(2)).state,
        JobState::Failed,
        "b is left alone"
    );

    // A change while it runs stops the run on the old files and starts again.
    start(&mut model, runs(&effects)[0], 0);
    let effects = update(&mut model, Msg::SourceChanged(PathBuf::from("/w/a")));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Cancel(_))),
        "{effects:?}"
    );
    assert_eq!(model.job(JobId(0)).state, JobState::Queued);

    assert_eq!(
        act(&mut model, Action::ToggleWatch),
        [Effect::SetWatch(false)]
    );
    let effects = update(&mut model, Msg::SourceChanged(PathBuf::from("/w/b")));
    assert!(effects.is_empty(), "not watching: {effects:?}");
    assert!(
        update(
            &mut model,
            Msg::SourceChanged(Path::new("/elsewhere").into())
        )
        .is_empty()
    );
}

#[test]
fn an_option_is_added_to_the_projects_configure_replacing_the_same_variable() {
    use super::OptionsAction;
    let mut model = two_projects();
    let started = model.start();
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    fail(&mut model, JobId(0), None);
    act(&mut model, Action::SelectFirst);
    // Selected: a's configure. Type `-DX:BOOL=ON`, then `X=OFF`: one X, the last value.
    for text in ["-DX:BOOL=ON", "X=OFF"] {
        act(&mut model, Action::Options(OptionsAction::Ask));
        for c in text.chars() {
            act(&mut model, Action::Options(OptionsAction::Char(c)));
        }
        let effects = act(&mut model, Action::Options(OptionsAction::Submit));
        assert!(
            matches!(effects[0], Effect::SetOptions { job: JobId(0), .. }),
            "{effects:?}"
        );
    }
    assert_eq!(model.job(JobId(0)).options, ["X=OFF"]);
    assert_eq!(
        model.job(JobId(0)).state,
        JobState::Queued,
        "re-run with it"
    );
    act(&mut model, Action::Options(OptionsAction::Ask));
    act(&mut model, Action::Options(OptionsAction::Char('X')));
    act(&mut model, Action::Options(OptionsAction::Submit));
    assert!(model.ui.notice().is_some_and(|n| n.contains("VAR=VALUE")));
    assert_eq!(
        act(&mut model, Action::Options(OptionsAction::Remove)),
        [Effect::SetOptions {
            job: JobId(0),
            options: vec![]
        }]
    );
    assert!(model.job(JobId(0)).options.is_empty());
}

/// a's configure ran and printed `lines`, its command first, and failed with `boom`.
fn with_output(lines: &[&str]) -> Model {
    let mut model = two_projects();
    let started = model.start();
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    let run = (JobId(0), model.job(JobId(0)).run);
    let command = "$ cmake -S /w/a -B /b/a".to_string();
    send(&mut model, run, EventKind::Command(command));
    let batch = lines.iter().map(|l| (*l).to_string()).collect();
    send(
        &mut model,
        run,
        EventKind::Output {
            lines: batch,
            skipped: 0,
        },
    );
    fail(&mut model, JobId(0), None);
    // The user selects it (untouched, the selection follows the running jobs).
    act(&mut model, Action::SelectFirst);
    model
}

#[test]
fn the_command_is_kept_apart_from_the_output() {
    let model = with_output(&["-- one", "-- two"]);
    let row = model.job(JobId(0));
    assert_eq!(row.command.as_deref(), Some("$ cmake -S /w/a -B /b/a"));
    assert_eq!(row.output.lines(), &["-- one", "-- two"]);
}

/// A probe runs cmake before the configure's own command: its `$ cmake -S …/probe/…` output
/// line must not pass for the command (it did while the command was "the first output line
/// starting with `$ `").
#[test]
fn an_output_line_that_looks_like_a_command_is_output() {
    let model = with_output(&["$ cmake -S /b/.jobdeck/probe/k/c", "-- two"]);
    let row = model.job(JobId(0));
    assert_eq!(row.command.as_deref(), Some("$ cmake -S /w/a -B /b/a"));
    assert_eq!(
        row.output.lines(),
        &["$ cmake -S /b/.jobdeck/probe/k/c", "-- two"]
    );
}

#[test]
fn a_log_search_jumps_to_matches_forward_and_back() {
    use super::{LogAction, LogScroll};
    let lines: Vec<String> = (0..30)
        .map(|i| {
            if i % 10 == 5 {
                format!("line {i} Boost")
            } else {
                format!("line {i}")
            }
        })
        .collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut model = with_output(&refs);
    act(&mut model, Action::Log(LogAction::BeginSearch));
    assert!(model.ui.show_log, "the pane opens");
    for c in "boost".chars() {
        act(&mut model, Action::Log(LogAction::SearchChar(c)));
    }
    act(&mut model, Action::Log(LogAction::SubmitSearch));
    assert_eq!(model.ui.log_view.current, Some(5));
    assert_eq!(
        model.ui.log_scroll,
        LogScroll::At(3),
        "two lines of context above"
    );
    act(&mut model, Action::Log(LogAction::NextMatch));
    assert_eq!(model.ui.log_view.current, Some(15));
    act(&mut model, Action::Log(LogAction::NextMatch));
    act(&mut model, Action::Log(LogAction::NextMatch));
    assert_eq!(model.ui.log_view.current, Some(5), "wraps around");
    act(&mut model, Action::Log(LogAction::PrevMatch));
    assert_eq!(model.ui.log_view.current, Some(25));
    assert!(model.is_log_match("a BOOST b") && !model.is_log_match("boo"));
    act(&mut model, Action::Log(LogAction::CancelSearch));
    assert!(!model.is_log_match("boost"));
}

#[test]
fn y_and_shift_y_copy_the_error_and_the_log_path() {
    use super::LogAction;
    let mut model = with_output(&[]);
    assert_eq!(
        act(&mut model, Action::Log(LogAction::CopyError)),
        [Effect::Copy("boom".into())]
    );
    model.jobs[0].log = Some(PathBuf::from("/b/.jobdeck/logs/a/configure.log"));
    assert_eq!(
        act(&mut model, Action::Log(LogAction::CopyLogPath)),
        [Effect::Copy("/b/.jobdeck/logs/a/configure.log".into())]
    );
}

/// A watch that cannot start turns watch mode off, so the header does not claim WATCH and a
/// headless session does not wait for changes nobody reports.
#[test]
fn a_watch_that_cannot_start_turns_watch_mode_off() {
    let mut model = two_projects().watching(true);
    assert!(model.is_watching());
    update(
        &mut model,
        Msg::WatchFailed("cannot watch the project folders: too many".into()),
    );
    assert!(!model.is_watching());
    assert_eq!(
        model.ui.notice(),
        Some("cannot watch the project folders: too many")
    );
}
