//! Every style the UI draws with. With `NO_COLOR` set, states are still told apart by their
//! words, and emphasis uses only bold, dim and reverse.

use ratatui::style::Style;

use crate::app::JobState;

/// The palette: colour, or modifiers only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// A theme that uses colour unless `no_color`.
    pub fn new(no_color: bool) -> Self {
        Self { color: !no_color }
    }

    /// Whether the `NO_COLOR` convention asks for no colour: set and not empty.
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    fn pick(self, colored: Style, plain: Style) -> Style {
        if self.color { colored } else { plain }
    }

    /// A state word.
    pub fn state(self, state: JobState) -> Style {
        let s = Style::new();
        match state {
            JobState::Queued | JobState::Dispatched => self.pick(s.dark_gray(), s.dim()),
            JobState::Running => self.pick(s.cyan().bold(), s.bold()),
            JobState::Cancelling => self.pick(s.magenta(), s.italic()),
            JobState::Ok => self.pick(s.green(), s),
            JobState::Flaky => self.pick(s.light_yellow(), s.italic()),
            JobState::Failed => self.pick(s.red().bold(), s.bold().underlined()),
            JobState::Cancelled => self.pick(s.yellow(), s.dim()),
            JobState::Timeout => self.pick(s.light_red(), s.bold()),
            JobState::Skipped => self.pick(s.dark_gray().italic(), s.dim().italic()),
        }
    }

    /// A run that did not succeed but fails nothing: its status word, error and count.
    pub fn warning(self) -> Style {
        self.pick(Style::new().yellow().bold(), Style::new().italic())
    }

    /// The title bar.
    pub fn header(self) -> Style {
        self.pick(Style::new().on_blue().white(), Style::new().reversed())
    }

    /// The app name in the title bar.
    pub fn brand(self) -> Style {
        self.header().bold()
    }

    /// Column titles.
    pub fn column_titles(self) -> Style {
        Style::new().bold().underlined()
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        self.pick(Style::new().on_dark_gray().bold(), Style::new().reversed())
    }

    /// Secondary text: kinds, workers, cached/fresh.
    pub fn dim(self) -> Style {
        self.pick(Style::new().gray(), Style::new().dim())
    }

    /// The error summary in the detail column.
    pub fn error_text(self) -> Style {
        self.pick(Style::new().red(), Style::new())
    }

    /// A `CMake Error` log line.
    pub fn log_error(self) -> Style {
        self.pick(Style::new().red().bold(), Style::new().bold().reversed())
    }

    /// A `CMake Warning` log line.
    pub fn log_warning(self) -> Style {
        self.pick(Style::new().yellow(), Style::new().bold())
    }

    /// Borders and pane titles.
    pub fn border(self) -> Style {
        self.pick(Style::new().blue(), Style::new())
    }

    /// A key in the footer or the help.
    pub fn key(self) -> Style {
        self.pick(Style::new().yellow().bold(), Style::new().bold())
    }

    /// What a key does, in the footer.
    pub fn hint(self) -> Style {
        self.dim()
    }

    /// The quit question and the quitting notice: must be impossible to miss.
    pub fn alert(self) -> Style {
        self.pick(
            Style::new().on_red().white().bold(),
            Style::new().reversed().bold(),
        )
    }

    /// The character a timeline cell of a run in `state` is drawn with. Every outcome has
    /// its own, in colour too: a status must not rest on colour alone (one reader in twelve
    /// tells red from green badly), as the table's words do not.
    pub fn span_glyph(self, state: JobState) -> char {
        match state {
            JobState::Running | JobState::Cancelling | JobState::Dispatched => '▒',
            JobState::Failed => '×',
            JobState::Timeout => '⧗',
            JobState::Cancelled | JobState::Skipped => '░',
            JobState::Ok | JobState::Flaky | JobState::Queued => '█',
        }
    }

    /// A timeline cell where the worker had no run.
    pub fn idle(self) -> Style {
        self.pick(Style::new().dark_gray(), Style::new().dim())
    }

    /// The paused or filtered flags in the header.
    pub fn flag(self) -> Style {
        self.pick(
            Style::new().on_yellow().black().bold(),
            Style::new().reversed(),
        )
    }

    /// The sweep chart's measured speed-ups.
    pub fn measured(self) -> Style {
        self.pick(Style::new().green().bold(), Style::new().bold())
    }

    /// The sweep chart's ideal line (speed-up = workers).
    pub fn ideal(self) -> Style {
        self.pick(Style::new().dark_gray(), Style::new().dim())
    }

    /// The sweep chart's Amdahl fit.
    pub fn fitted(self) -> Style {
        self.pick(Style::new().yellow(), Style::new())
    }
}
