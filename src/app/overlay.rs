//! What has the keyboard besides the table: one value, so that a question cannot show while
//! a prompt is typed, or help and a prompt at once (gitui's popup stack, helix's compositor
//! layer). The keymap reads its mode from it.

use super::Question;

/// What covers the table and takes the keys, if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing: the table has the keys.
    #[default]
    None,
    /// The key list (its scroll offset is `UiState::help_scroll`).
    Help,
    /// The causes panel (its highlighted cause is `Model::causes_panel`).
    Causes,
    /// A line being typed in the footer.
    Prompt(Prompt),
    /// A yes-or-no question in the footer.
    Question(Question),
}

/// What is being typed in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// A name search. Its text is `UiState::query`: the table filters as it is typed.
    Search,
    /// A search of the log pane. Its text is `LogView::query`: the pane marks matches as it
    /// is typed.
    LogSearch,
    /// A `-D VAR=VALUE` for the selected project: the text so far, used only once submitted.
    Options(String),
}

impl Overlay {
    /// The question showing, if any.
    pub fn question(&self) -> Option<Question> {
        match self {
            Overlay::Question(question) => Some(*question),
            _ => None,
        }
    }

    /// Whether `prompt` is being typed.
    pub fn is_typing(&self, prompt: &Prompt) -> bool {
        matches!(self, Overlay::Prompt(p) if std::mem::discriminant(p) == std::mem::discriminant(prompt))
    }

    /// Closes `prompt`, if it is the one being typed.
    pub fn close_prompt(&mut self, prompt: &Prompt) {
        if self.is_typing(prompt) {
            *self = Overlay::None;
        }
    }

    /// Closes the question, if one shows, and returns it.
    pub fn take_question(&mut self) -> Option<Question> {
        let question = self.question();
        if question.is_some() {
            *self = Overlay::None;
        }
        question
    }
}
