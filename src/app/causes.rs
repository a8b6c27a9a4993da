//! Failed jobs grouped by cause: a normalised signature of each one's first error, so that
//! 24 projects missing a Fortran compiler read as one line with a count, not 24 errors that
//! differ only in paths and versions.
//!
//! Also the causes panel's state (which cause is highlighted) and its keys: choosing a
//! cause filters the table to its jobs (`UiState::cause`), and `R` re-runs just that group.

use std::collections::HashMap;

use super::{Effect, JobId, JobRow, JobState, Model, Overlay};

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

/// The cause of a failed or timed-out row: the signature of its error's message.
pub fn cause_of(row: &JobRow) -> Option<String> {
    if !has_cause(row.state) {
        return None;
    }
    let message = row
        .result
        .diagnosis
        .as_ref()
        .map(|d| d.message.as_str())
        .filter(|m| !m.is_empty())
        .or(row.result.error.as_deref().filter(|e| !e.is_empty()));
    let message = match (message, row.state) {
        (Some(message), _) => message,
        (None, JobState::Timeout) => "timed out",
        (None, _) => "failed with no error message",
    };
    Some(signature(message))
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

/// A message with what differs between projects taken out: the families people group by
/// by hand (`Could NOT find Boost`, `No CMAKE_Fortran_COMPILER could be found`, `download
/// failed`, `syntax error`) are named as such; anything else keeps its words, with quoted
/// text, paths and numbers replaced.
pub fn signature(message: &str) -> String {
    // A cause is shown on its own in the panel and the recap: no control character of a
    // tool's output may reach the terminal through it.
    let message: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = message.as_str();
    let lower = message.to_lowercase();
    if let Some(special) = missing_file_or_module(message, &lower) {
        return special;
    }
    if let Some(at) = lower.find("could not find ") {
        let name: String = message[at + "could not find ".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))
            .collect();
        let name = name.trim_end_matches('.');
        if !name.is_empty() {
            return format!("Could NOT find {name}");
        }
    }
    if let Some(at) = message.find("No CMAKE_")
        && let Some(word) = message[at..].split_whitespace().nth(1)
        && lower.contains("could be found")
    {
        return format!("No {word} could be found");
    }
    if lower.contains("parse error") || lower.contains("syntax error") {
        return "syntax error".to_string();
    }
    let download =
        lower.contains("download") && (lower.contains("fail") || lower.contains("error"));
    if download || lower.contains("failed to clone") || lower.contains("git clone") {
        return "download failed".to_string();
    }
    if lower.starts_with("timed out") {
        return "timed out".to_string();
    }
    generic(message)
}

/// The causes that a plain "could not find" would misname: a config-mode package (`Could
/// not find a package configuration file provided by "Eigen3"` is `Could NOT find Eigen3`),
/// a missing `include()` file (named by its file name, which is the same in every project:
/// `conanbuildinfo.cmake`), and pkg-config modules, whose names are what differs between
/// causes (`None of the required 'libzmq;lib0mq' found`).
fn missing_file_or_module(message: &str, lower: &str) -> Option<String> {
    if lower.contains("package configuration file")
        && let Some(at) = message.find("provided by \"")
    {
        let rest = &message[at + "provided by \"".len()..];
        let (name, _) = rest.split_once('"')?;
        return Some(format!("Could NOT find {name}"));
    }
    if let Some(at) = lower.find("include could not find") {
        let rest = message[at..]
            .split_once(':')
            .map_or("", |(_, rest)| rest.trim());
        let file = rest.split_whitespace().next().unwrap_or("");
        let name = file.rsplit('/').next().unwrap_or(file);
        return Some(
            format!("include could not find {name}")
                .trim_end()
                .to_string(),
        );
    }
    let pkg_config = lower.starts_with("none of the required '")
        || lower.starts_with("a required package was not found");
    if pkg_config {
        let mut text: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > MAX_SIGNATURE {
            text = text.chars().take(MAX_SIGNATURE - 1).collect::<String>() + "…";
        }
        return Some(text);
    }
    None
}

/// The words of a message with quoted text as `"…"`, paths as `<path>` and every number
/// (versions included) as `N`.
fn generic(message: &str) -> String {
    let mut words = Vec::new();
    let mut quoted = false;
    for word in message.split_whitespace() {
        let opens = word.starts_with(['"', '\'', '`']);
        let closes = word.len() > 1 && word.ends_with(['"', '\'', '`', ',', ':', ')']) && {
            let trimmed = word.trim_end_matches([',', ':', ')', '.']);
            trimmed.ends_with(['"', '\'', '`'])
        };
        if quoted {
            if closes || word.ends_with(['"', '\'', '`']) {
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
    let mut text = words.join(" ");
    if text.chars().count() > MAX_SIGNATURE {
        text = text.chars().take(MAX_SIGNATURE - 1).collect::<String>() + "…";
    }
    text
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
    /// Every cause of the failed and timed-out jobs with its jobs, biggest first.
    pub fn causes(&self) -> Vec<(String, Vec<JobId>)> {
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

    pub(super) fn on_cause_action(&mut self, action: CauseAction) -> Vec<Effect> {
        let causes = self.causes();
        let last = causes.len().saturating_sub(1);
        let panel = &mut self.ui.causes_panel;
        match action {
            CauseAction::Toggle => {
                let open = self.ui.overlay != Overlay::Causes;
                panel.selected = panel.selected.min(last);
                self.ui.overlay = Overlay::None;
                if open && causes.is_empty() {
                    self.ui.notice = Some("no failed jobs, so no causes".into());
                } else if open {
                    self.ui.overlay = Overlay::Causes;
                }
            }
            CauseAction::Next => panel.selected = (panel.selected + 1).min(last),
            CauseAction::Prev => panel.selected = panel.selected.saturating_sub(1),
            CauseAction::Choose => {
                self.ui.overlay = Overlay::None;
                if let Some((cause, _)) = causes.get(panel.selected) {
                    self.filter_to_cause(Some(cause.clone()));
                }
            }
            CauseAction::Rerun => {
                self.ui.overlay = Overlay::None;
                let Some((cause, jobs)) = causes.into_iter().nth(panel.selected) else {
                    return Vec::new();
                };
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_take_out_what_differs_between_projects() {
        let gsl = "Could NOT find GSL: (Required is at least version \"99\") (found \
                   GSL_INCLUDE_DIR-NOTFOUND)";
        assert_eq!(signature(gsl), "Could NOT find GSL");
        assert_eq!(
            signature("Could NOT find Boost (missing: filesystem system) (found version \"1.2\")"),
            "Could NOT find Boost"
        );
        assert_eq!(
            signature("No CMAKE_Fortran_COMPILER could be found.  Tell CMake where"),
            "No CMAKE_Fortran_COMPILER could be found"
        );
        assert_eq!(
            signature("Parse error.  Function missing ending \")\".  End of file reached."),
            "syntax error"
        );
        assert_eq!(
            signature("Each download failed! error: downloading 'https://x/y.tgz' failed"),
            "download failed"
        );
        assert_eq!(
            signature("CMake 99.0 or higher is required.  You are running version 3.25.1"),
            "CMake N or higher is required. You are running version N"
        );
        assert_eq!(
            signature("Cannot find source file: /src/p/does_not_exist.c Tried"),
            "Cannot find source file: <path> Tried"
        );
        assert_eq!(signature("timed out after 1 s (--timeout)"), "timed out");
        assert_eq!(
            signature(
                "Could not find a package configuration file provided by \"Eigen3\" with any \
                 of the following names: Eigen3Config.cmake"
            ),
            "Could NOT find Eigen3"
        );
        assert_eq!(
            signature("include could not find requested file: /b/p/conanbuildinfo.cmake"),
            "include could not find conanbuildinfo.cmake"
        );
        assert_eq!(
            signature("None of the required 'libzeromq;libzmq;lib0mq' found"),
            "None of the required 'libzeromq;libzmq;lib0mq' found"
        );
        assert_eq!(
            signature("'x' undeclared (first use in this function)"),
            "\"…\" undeclared (first use in this function)"
        );
    }

    /// Five jobs run to the end on one worker: three miss Boost (in different versions),
    /// one fails on its own message, one succeeds.
    fn finished_model() -> Model {
        use super::super::tests::{model, send, start};
        use super::super::{Msg, update};
        use crate::engine::{Diagnosis, EventKind, Finished, Outcome};
        let errors = [
            Some("Could NOT find Boost (missing: system) (found version \"1.2.0\")"),
            Some("p06: deliberate failure"),
            Some("Could NOT find Boost (missing: filesystem)"),
            None,
            Some("Could NOT find Boost: (Required is at least version \"1.70\")"),
        ];
        let mut model = model(errors.len(), 1, std::time::Instant::now());
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
}
