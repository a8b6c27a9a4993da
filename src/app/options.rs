//! A project's own `-D VAR=VALUE` options: the options key asks for one, adds it to the
//! selected project's configure (replacing an earlier value of the same variable) and re-runs
//! the project with it; another key removes them. The driver passes them to cmake after the
//! session's own `-D`s (`Effect::SetOptions`); each run's record keeps them in the history,
//! and `--rerun-failed` uses them again.

use super::{Effect, JobId, Model, Overlay, Prompt, job_id};

/// What the options keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionsAction {
    /// Start asking for a `VAR=VALUE` for the selected project.
    Ask,
    /// A character typed into the answer.
    Char(char),
    /// Delete the answer's last character.
    Backspace,
    /// Add the option and re-run the project.
    Submit,
    /// Stop asking; nothing changes.
    Cancel,
    /// Remove every option of the selected project.
    Remove,
}

impl Model {
    /// Closes the `-D` prompt, if it shows, and returns what was typed.
    fn close_options_prompt(&mut self) -> Option<String> {
        match std::mem::take(&mut self.ui.overlay) {
            Overlay::Prompt(Prompt::Options(text)) => Some(text),
            other => {
                self.ui.overlay = other;
                None
            }
        }
    }

    /// Each job's own options, in job order (a re-run from the history brings them).
    #[must_use]
    pub fn with_options(mut self, options: impl IntoIterator<Item = Vec<String>>) -> Self {
        for (row, options) in self.jobs.iter_mut().zip(options) {
            // No box for no options: most jobs have none.
            if !options.is_empty() || row.extra.is_some() {
                row.extra_mut().options = options;
            }
        }
        self
    }

    /// The situation each job's first run starts in, in job order (see
    /// [`crate::jobs::Work::situation`]).
    #[must_use]
    pub fn with_situations(
        mut self,
        situations: impl IntoIterator<Item = Option<&'static str>>,
    ) -> Self {
        for (row, situation) in self.jobs.iter_mut().zip(situations) {
            // No box for no situation: most kinds have none.
            if situation.is_some() {
                row.extra_mut().situation = situation;
            }
        }
        self
    }

    /// The selected project's first stage (the job its options belong to), if the selected
    /// row is of a kind that takes options.
    fn selected_project(&self) -> Option<JobId> {
        let row = self.selected_shown_job()?;
        if !row.kind.takes_options() {
            return None;
        }
        let source = row.source()?;
        self.jobs
            .iter()
            .position(|other| other.source() == Some(source) && other.deps.is_empty())
            .map(job_id)
    }

    pub(super) fn on_options_action(&mut self, action: OptionsAction) -> Vec<Effect> {
        match action {
            OptionsAction::Ask => {
                if self.selected_project().is_some() {
                    self.ui.overlay = Overlay::Prompt(Prompt::Options(String::new()));
                } else {
                    self.ui.notice = Some("-D options are for CMake projects, not this job".into());
                }
            }
            OptionsAction::Char(c) => {
                if let Overlay::Prompt(Prompt::Options(text)) = &mut self.ui.overlay {
                    text.push(c);
                }
            }
            OptionsAction::Backspace => {
                if let Overlay::Prompt(Prompt::Options(text)) = &mut self.ui.overlay {
                    text.pop();
                }
            }
            OptionsAction::Cancel => {
                self.close_options_prompt();
            }
            OptionsAction::Submit => {
                let text = self.close_options_prompt().unwrap_or_default();
                return self.add_option(&text);
            }
            OptionsAction::Remove => {
                let Some(job) = self.selected_project() else {
                    return Vec::new();
                };
                if self.job(job).extra().options.is_empty() {
                    self.ui.notice = Some("this project has no -D options of its own".into());
                    return Vec::new();
                }
                self.row_mut(job).extra_mut().options.clear();
                self.ui.notice = Some("-D options removed; r re-runs without them".into());
                return vec![Effect::SetOptions {
                    job,
                    options: Vec::new(),
                }];
            }
        }
        Vec::new()
    }

    /// Adds `VAR=VALUE` (a leading `-D` is allowed) to the selected project and re-runs it.
    fn add_option(&mut self, text: &str) -> Vec<Effect> {
        let Some(job) = self.selected_project() else {
            return Vec::new();
        };
        let option = text.trim();
        let option = option.strip_prefix("-D").unwrap_or(option);
        let Some((name, _)) = option.split_once('=') else {
            self.ui.notice = Some(format!("not VAR=VALUE: {option:?}"));
            return Vec::new();
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            self.ui.notice = Some(format!("not a cache variable name: {name:?}"));
            return Vec::new();
        }
        let mut row = self.row_mut(job);
        // A variable set again takes the new value, as a second -D on cmake's command line
        // would; `VAR:BOOL=OFF` and `VAR=ON` set the same variable.
        let variable = |option: &str| {
            let name = option.split_once('=').map_or(option, |(name, _)| name);
            name.split(':').next().unwrap_or(name).to_string()
        };
        let this = variable(option);
        let options = &mut row.extra_mut().options;
        options.retain(|o| variable(o) != this);
        options.push(option.to_string());
        let options = options.clone();
        drop(row);
        let mut effects = vec![Effect::SetOptions { job, options }];
        effects.extend(self.restart(job));
        effects
    }
}
