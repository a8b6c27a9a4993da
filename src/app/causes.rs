//! Failed jobs grouped by cause: a normalised signature of each one's first error, so that
//! 24 projects missing a Fortran compiler read as one line with a count, not 24 errors that
//! differ only in paths and versions.
//!
//! Also the causes panel's state (which cause is highlighted) and its keys: choosing a
//! cause filters the table to its jobs (`UiState::cause`), and `R` re-runs just that group.

use std::collections::HashMap;

use super::{Effect, JobId, JobRow, JobState, Model, Overlay, RunResult};
use crate::jobs::JobKind;

/// Longest signature, in characters.
const MAX_SIGNATURE: usize = 100;

/// The causes panel's highlighted cause (whether it shows is `Overlay::Causes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CausesPanel {
    /// The highlighted cause's place in `Model::causes()`.
    pub selected: usize,
}

/// What the causes panel's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CauseAction {
    /// Open the panel, or close it.
    Toggle,
    /// Highlight the next cause.
    Next,
    /// Highlight the previous cause.
    Prev,
    /// Show only the highlighted cause's jobs in the table, and close the panel.
    Choose,
    /// Re-run the highlighted cause's jobs.
    Rerun,
}

/// Whether a job in `state` is grouped by cause: it failed or timed out.
pub fn has_cause(state: JobState) -> bool {
    matches!(state, JobState::Failed | JobState::Timeout)
}

/// The cause of a failed or timed-out row: the signature of its error's message. A helper
/// that only warns has none: its failure is no failure of the session.
pub fn cause_of(row: &JobRow) -> Option<String> {
    if !has_cause(row.state) || row.only_warns() {
        return None;
    }
    Some(signature(row.kind, cause_message(&row.result, row.state)))
}

/// The message a cause is made from: the diagnosis's, else the error, else what the state
/// says.
fn cause_message(result: &RunResult, state: JobState) -> &str {
    let message = result
        .diagnosis
        .as_ref()
        .map(|d| d.message.as_str())
        .filter(|m| !m.is_empty())
        .or(result.error.as_deref().filter(|e| !e.is_empty()));
    match (message, state) {
        (Some(message), _) => message,
        (None, JobState::Timeout) => "timed out",
        (None, _) => "failed with no error message",
    }
}

/// A cause as said for the one job it has: that job's own message (`boom 3`, where the
/// signature reads `boom N`), cleaned and cut as a signature is. A signature is for telling
/// several jobs' errors as one; with one job its `N`s and `"…"`s only hide what it said.
pub fn own_cause(kind: JobKind, result: &RunResult, state: JobState) -> String {
    let message = without_controls(cause_message(result, state));
    shorten(kind.cause_text(&message).trim().to_string())
}

/// `causes`, each a cause with its job, counted as [`tally`] counts them, a cause of one job
/// said by `own` of that job: what the recap and the causes panel show.
pub fn tally_shown<'a, T>(
    causes: impl IntoIterator<Item = (&'a str, T)>,
    own: impl Fn(&T) -> String,
) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, (usize, T)> = HashMap::new();
    for (cause, job) in causes {
        counts.entry(cause).or_insert((0, job)).0 += 1;
    }
    let mut list: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(cause, (jobs, job))| {
            let shown = if jobs == 1 {
                own(&job)
            } else {
                cause.to_string()
            };
            (shown, jobs)
        })
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// Counts `(cause, jobs)`, biggest first, then by cause.
pub fn tally<'a>(causes: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for cause in causes {
        *counts.entry(cause).or_default() += 1;
    }
    let mut list: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(cause, jobs)| (cause.to_string(), jobs))
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// `message` with each control character a space: a cause is shown on its own in the panel
/// and the recap, and no control character of a tool's output may reach the terminal
/// through it.
fn without_controls(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A message with what differs between jobs taken out: a family its kind names (a CMake
/// project's `Could NOT find Boost`) is named as such; anything else keeps its words, with
/// quoted text, paths and numbers replaced.
pub fn signature(kind: JobKind, message: &str) -> String {
    let message = without_controls(message);
    if message.to_lowercase().starts_with("timed out") {
        return "timed out".to_string();
    }
    let message = kind.cause_text(&message);
    if let Some(family) = kind.cause_family(message) {
        return shorten(family);
    }
    generic(message)
}

/// `text`, cut to [`MAX_SIGNATURE`] characters.
fn shorten(mut text: String) -> String {
    if text.chars().count() > MAX_SIGNATURE {
        text = text.chars().take(MAX_SIGNATURE - 1).collect::<String>() + "…";
    }
    text
}

/// Marks that open quoted text: ASCII quotes, and the curly quote GCC writes in a UTF-8
/// locale (`‘altStackMem’`).
const OPENING: [char; 4] = ['"', '\'', '`', '‘'];
/// Marks that close it.
const CLOSING: [char; 4] = ['"', '\'', '`', '’'];
/// What a word that closes quoted text ends with: a closing mark, or punctuation after one.
const CLOSING_END: [char; 7] = ['"', '\'', '`', '’', ',', ':', ')'];

/// The words of a message with quoted text as `"…"`, paths as `<path>` and every number
/// (versions included) as `N`.
fn generic(message: &str) -> String {
    let mut words = Vec::new();
    let mut quoted = false;
    for word in message.split_whitespace() {
        let opens = word.starts_with(OPENING);
        let closes = word.chars().count() > 1
            && word.ends_with(CLOSING_END)
            && word
                .trim_end_matches([',', ':', ')', '.'])
                .ends_with(CLOSING);
        if quoted {
            if closes || word.ends_with(CLOSING) {
                quoted = false;
            }
            continue;
        }
        if opens {
            words.push("\"…\"".to_string());
            quoted = !(closes && word.len() > 1);
            continue;
        }
        if word.contains('/') {
            words.push("<path>".to_string());
            continue;
        }
        words.push(numbers_out(word));
    }
    shorten(words.join(" "))
}

/// `3.25.1` and `99` become `N`; letters around them stay (`p06` → `pN`), and so does a
/// full stop after a number.
fn numbers_out(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            out.push('N');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

impl Model {
    /// Every cause of the failed and timed-out jobs with its jobs, biggest first (then by
    /// cause), as kept while the rows changed: a pass over the jobs to list each cause's.
    pub fn causes(&self) -> Vec<(String, Vec<JobId>)> {
        self.kept_causes.groups()
    }

    /// Every cause with its number of jobs, in the order of [`Model::causes`]: what the
    /// panel shows, read from the groups kept, with no pass over the rows. Debug builds
    /// check them against a recount, as [`Model::counts`] does.
    pub fn cause_counts(&self) -> impl Iterator<Item = (&str, usize)> {
        debug_assert_eq!(
            self.kept_causes
                .counts()
                .map(|(cause, jobs)| (cause.to_string(), jobs))
                .collect::<Vec<_>>(),
            self.recount_causes()
                .into_iter()
                .map(|(cause, jobs)| (cause, jobs.len()))
                .collect::<Vec<_>>(),
            "the causes kept differ from the rows': a row changed without `row_mut`"
        );
        self.kept_causes.counts()
    }

    /// How many causes the failed jobs have.
    pub fn cause_count(&self) -> usize {
        self.kept_causes.len()
    }

    /// Every cause with its jobs, grouped in a pass over every row: what
    /// [`Model::causes`] keeps up to date, for the checks that it does.
    pub fn recount_causes(&self) -> Vec<(String, Vec<JobId>)> {
        let mut groups: HashMap<String, Vec<JobId>> = HashMap::new();
        for (index, row) in self.jobs.iter().enumerate() {
            if let Some(cause) = cause_of(row) {
                groups.entry(cause).or_default().push(super::job_id(index));
            }
        }
        let mut list: Vec<(String, Vec<JobId>)> = groups.into_iter().collect();
        list.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
        list
    }

    /// Job `index`'s cause, as kept (what `cause_of` says of its row).
    pub(super) fn kept_cause(&self, index: usize) -> Option<&str> {
        self.kept_causes.of_job(index)
    }

    /// How the causes panel and the header's filter flag say `cause`: its signature when
    /// two jobs or more have it, the one job's own message (see [`own_cause`]).
    pub fn shown_cause(&self, cause: &str) -> String {
        self.kept_causes
            .only_job(cause)
            .and_then(|job| self.jobs.get(job.0 as usize))
            .map_or_else(
                || cause.to_string(),
                |row| own_cause(row.kind, &row.result, row.state),
            )
    }

    pub(super) fn on_cause_action(&mut self, action: CauseAction) -> Vec<Effect> {
        let last = self.cause_count().saturating_sub(1);
        let panel = &mut self.ui.causes_panel;
        match action {
            CauseAction::Toggle => {
                let open = self.ui.overlay != Overlay::Causes;
                // Each opening starts at the biggest cause: the causes may have changed since
                // the panel was last open, and a kept cursor pointed at another one.
                panel.selected = 0;
                self.ui.overlay = Overlay::None;
                if open && self.kept_causes.len() == 0 {
                    self.ui.notice = Some("no failed jobs, so no causes".into());
                } else if open {
                    self.ui.overlay = Overlay::Causes;
                }
            }
            CauseAction::Next => panel.selected = (panel.selected + 1).min(last),
            CauseAction::Prev => panel.selected = panel.selected.saturating_sub(1),
            CauseAction::Choose => {
                self.ui.overlay = Overlay::None;
                if let Some(cause) = self.chosen_cause(self.ui.causes_panel.selected) {
                    self.filter_to_cause(Some(cause));
                }
            }
            CauseAction::Rerun => {
                self.ui.overlay = Overlay::None;
                let Some(cause) = self.chosen_cause(self.ui.causes_panel.selected) else {
                    return Vec::new();
                };
                let jobs = self.kept_causes.jobs_of(&cause);
                // The table follows the group's re-run, as it would after choosing it.
                self.filter_to_cause(Some(cause));
                let mut effects = Vec::new();
                for job in jobs {
                    effects.extend(self.rerun(job));
                }
                return effects;
            }
        }
        Vec::new()
    }

    /// The cause at `place` in the panel's order.
    fn chosen_cause(&self, place: usize) -> Option<String> {
        self.cause_counts()
            .nth(place)
            .map(|(cause, _)| cause.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_take_out_what_differs_between_jobs() {
        let kind = crate::jobs::cmake::KIND;
        assert_eq!(
            signature(kind, "Could NOT find Boost (missing: system)"),
            "Could NOT find Boost",
            "the kind's family"
        );
        assert_eq!(
            signature(
                kind,
                "Cannot find source file: /src/p/does_not_exist.c Tried"
            ),
            "Cannot find source file: <path> Tried"
        );
        assert_eq!(
            signature(kind, "timed out after 1 s (--timeout)"),
            "timed out"
        );
        assert_eq!(
            signature(kind, "'x' undeclared (first use in this function)"),
            "\"…\" undeclared (first use in this function)"
        );
        assert_eq!(signature(kind, "a\x1b[31mb"), "a [Nmb");
        // GCC's curly quotes in a UTF-8 locale: two arrays are one cause (they were two).
        assert_eq!(
            signature(
                kind,
                "size of array ‘altStackMem’ is not an integral constant"
            ),
            signature(kind, "size of array ‘other’ is not an integral constant"),
        );
        assert_eq!(
            signature(kind, "‘x’ undeclared (first use in this function)"),
            "\"…\" undeclared (first use in this function)"
        );
    }

    /// Five jobs run to the end on one worker: three miss Boost (in different versions),
    /// one fails on its own message, one succeeds.
    fn finished_model() -> Model {
        use super::super::tests::{send, start};
        use super::super::{Msg, update};
        use crate::engine::{Diagnosis, EventKind, Finished, Outcome};
        let errors = [
            Some("Could NOT find Boost (missing: system) (found version \"1.2.0\")"),
            Some("p06: deliberate failure"),
            Some("Could NOT find Boost (missing: filesystem)"),
            None,
            Some("Could NOT find Boost: (Required is at least version \"1.70\")"),
        ];
        // CMake projects: their kind groups `Could NOT find` errors by package.
        let names: Vec<_> = (0..errors.len())
            .map(|i| (format!("job{i}"), crate::jobs::cmake::KIND))
            .collect();
        let mut model = Model::new(names, 1, std::time::Instant::now());
        let mut pending = model.start();
        while let Some(effect) = pending.pop() {
            let super::Effect::Start { job, run } = effect else {
                continue;
            };
            start(&mut model, (job, run), 0);
            let error = errors[job.0 as usize];
            let finished = Finished {
                outcome: match error {
                    Some(_) => Outcome::Failed {
                        code: Some(1),
                        signal: None,
                    },
                    None => Outcome::Succeeded,
                },
                elapsed: std::time::Duration::from_millis(5),
                cpu: None,
                error: error.map(|e| format!("{e} — CMakeLists.txt:3 (find_package)")),
                log: None,
                diagnosis: error.map(|e| Diagnosis {
                    message: e.to_string(),
                    file: Some("CMakeLists.txt".into()),
                    line: Some(3),
                }),
                output: None,
            };
            pending.extend(send(&mut model, (job, run), EventKind::Finished(finished)));
        }
        update(&mut model, Msg::Drawn);
        model
    }

    #[test]
    fn three_failures_of_one_cause_and_one_of_another_are_two_causes() {
        let model = finished_model();
        let causes: Vec<(String, usize)> = model
            .causes()
            .into_iter()
            .map(|(cause, jobs)| (cause, jobs.len()))
            .collect();
        assert_eq!(
            causes,
            [
                ("Could NOT find Boost".to_string(), 3),
                ("pN: deliberate failure".to_string(), 1)
            ]
        );
    }

    /// Issue 32, the new-user round: a cause of one job is said by that job's own message
    /// (`p06: deliberate failure`, not `pN: deliberate failure`); a cause of several keeps
    /// its signature. The signature stays the cause's key (`Enter` filters by it).
    #[test]
    fn a_cause_of_one_job_is_shown_as_its_message() {
        let model = finished_model();
        let shown: Vec<String> = model
            .causes()
            .iter()
            .map(|(cause, _)| model.shown_cause(cause))
            .collect();
        assert_eq!(shown, ["Could NOT find Boost", "p06: deliberate failure"]);
        let causes: Vec<(String, &JobRow)> = model
            .jobs
            .iter()
            .filter_map(|row| cause_of(row).map(|cause| (cause, row)))
            .collect();
        let own = tally_shown(
            causes.iter().map(|(cause, row)| (cause.as_str(), *row)),
            |row| own_cause(row.kind, &row.result, row.state),
        );
        assert_eq!(
            own,
            [
                ("Could NOT find Boost".to_string(), 3),
                ("p06: deliberate failure".to_string(), 1)
            ]
        );
    }

    #[test]
    fn choosing_a_cause_filters_the_table_and_r_reruns_only_its_jobs() {
        use super::super::{Action, Msg, update};
        let mut model = finished_model();
        let act = |model: &mut Model, action| update(model, Msg::Action(Action::Cause(action)));
        act(&mut model, CauseAction::Toggle);
        assert_eq!(model.ui.overlay, crate::app::Overlay::Causes);
        act(&mut model, CauseAction::Next);
        act(&mut model, CauseAction::Prev);
        act(&mut model, CauseAction::Choose);
        assert_eq!(model.ui.overlay, crate::app::Overlay::None);
        assert_eq!(model.shown_len(), 3, "the Boost jobs only");
        assert_eq!(
            (0..3)
                .filter_map(|p| model.shown_job(p))
                .collect::<Vec<_>>(),
            [0, 2, 4]
        );
        act(&mut model, CauseAction::Toggle);
        let effects = act(&mut model, CauseAction::Rerun);
        assert!(!effects.is_empty(), "a run starts");
        for job in [0, 2, 4] {
            assert!(!model.jobs[job].state.is_finished(), "job{job} runs again");
        }
        assert_eq!(
            model.jobs[1].state,
            JobState::Failed,
            "the other cause waits"
        );
        assert_eq!(model.jobs[3].state, JobState::Ok);
    }

    /// Each opening of the panel starts at its first (biggest) cause.
    #[test]
    fn the_panel_opens_at_its_first_cause_each_time() {
        use super::super::{Action, Msg, update};
        let mut model = finished_model();
        let act = |model: &mut Model, action| update(model, Msg::Action(Action::Cause(action)));
        act(&mut model, CauseAction::Toggle);
        act(&mut model, CauseAction::Next);
        assert_eq!(model.ui.causes_panel.selected, 1);
        act(&mut model, CauseAction::Toggle);
        act(&mut model, CauseAction::Toggle);
        assert_eq!(model.ui.causes_panel.selected, 0, "the cursor was kept");
    }

    /// What the panel lists, as it reads it.
    fn listed(model: &Model) -> Vec<(String, usize)> {
        model
            .cause_counts()
            .map(|(cause, jobs)| (cause.to_string(), jobs))
            .collect()
    }

    /// The causes are kept as rows change, not grouped on each frame: a failed job re-run
    /// that succeeds leaves the panel with its cause's last job, and one that fails again on
    /// another error moves to that error's cause (a kept group that missed either change
    /// would still list the job where it was).
    #[test]
    fn a_rerun_moves_its_job_out_of_its_cause() {
        use super::super::tests::{fail_with, finish, runs, start};
        use super::super::{Action, Msg, update};
        use crate::engine::Diagnosis;
        let mut model = finished_model();
        let act = |model: &mut Model, action| update(model, Msg::Action(Action::Cause(action)));
        act(&mut model, CauseAction::Toggle);
        act(&mut model, CauseAction::Next);
        let rerun = runs(&act(&mut model, CauseAction::Rerun));
        assert_eq!(rerun.len(), 1, "the one job of `pN: deliberate failure`");
        start(&mut model, rerun[0], 0);
        finish(&mut model, rerun[0], std::time::Duration::from_millis(5));
        assert_eq!(model.jobs[1].state, JobState::Ok);
        assert_eq!(listed(&model), [("Could NOT find Boost".to_string(), 3)]);
        act(&mut model, CauseAction::Toggle);
        act(&mut model, CauseAction::Next);
        act(&mut model, CauseAction::Choose);
        assert_eq!(
            model.ui.cause.as_deref(),
            Some("Could NOT find Boost"),
            "the cause that was second is gone: the cursor stays on the one left"
        );
        let again = runs(&model.rerun(JobId(0)));
        start(&mut model, again[0], 0);
        let diagnosis = Diagnosis {
            message: "p00: deliberate failure".into(),
            file: None,
            line: None,
        };
        fail_with(&mut model, JobId(0), Some(diagnosis));
        assert_eq!(
            listed(&model),
            [
                ("Could NOT find Boost".to_string(), 2),
                ("pN: deliberate failure".to_string(), 1)
            ]
        );
        assert_eq!(
            model.causes()[1],
            ("pN: deliberate failure".to_string(), vec![JobId(0)])
        );
    }

    #[test]
    fn a_tally_is_biggest_first() {
        let list = tally(["b", "a", "b", "c", "b", "a"]);
        assert_eq!(
            list,
            [
                ("b".to_string(), 3),
                ("a".to_string(), 2),
                ("c".to_string(), 1)
            ]
        );
    }

    /// Two jobs whose shell could not find `cc` share the cause `cc: not found`, not
    /// `<path> N: cc: not found` (the shell's path and line number read as the cause's).
    #[test]
    fn a_commands_cause_leaves_out_its_shells_prefix() {
        let command = crate::jobs::command::KIND;
        assert_eq!(
            signature(command, "/bin/sh: 1: cc: not found"),
            "cc: not found"
        );
        assert_eq!(
            signature(command, "bash: line 12: cc: command not found"),
            "cc: command not found"
        );
        assert_eq!(
            signature(command, "sh: 1: cannot open /tmp/a/in.txt: No such file"),
            "cannot open <path> No such file"
        );
    }
}
