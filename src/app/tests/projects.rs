//! The fix loop driven through `update`: `e` asks for the editor at the error's place,
//! watch mode re-runs exactly the project whose folder changed, and `-D` options.

use std::path::{Path, PathBuf};

use super::{act, fail_with, runs, start, two_projects};
use crate::app::{Action, Effect, JobState, Msg, update};
use crate::engine::{Diagnosis, JobId};

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
    fail_with(&mut model, JobId(0), Some(place));
    fail_with(&mut model, JobId(2), None);
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
    fail_with(&mut model, JobId(0), None);
    fail_with(&mut model, JobId(2), None);
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
    use crate::app::OptionsAction;
    let mut model = two_projects();
    let started = model.start();
    for run in runs(&started) {
        start(&mut model, run, 0);
    }
    fail_with(&mut model, JobId(0), None);
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
    assert_eq!(model.job(JobId(0)).extra().options, ["X=OFF"]);
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
    assert!(model.job(JobId(0)).extra().options.is_empty());
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
