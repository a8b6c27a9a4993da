//! The app state: a plain model that changes only through `update(Msg)`.
//!
//! No I/O, no terminal, no clock: time arrives in `Msg::Tick`, engine news in `Msg::Engine`,
//! and what the user wants in `Msg::Action`. `update` returns the `Effect`s the loop must carry
//! out (start a run, cancel one, resize the pool, exit). The TUI and the headless mode drive
//! the same model, so scheduling behaves the same in both.

mod actions;
pub mod activity;
mod announced;
pub mod causes;
mod estimate;
mod fail_fast;
pub mod job_row;
mod kept_causes;
mod lanes;
mod log_scroll;
pub mod log_view;
mod model;
mod msg;
pub mod name_fit;
pub mod navigation;
mod options;
pub mod overlay;
pub mod parts;
pub mod progress;
pub mod record;
mod row_mut;
mod scheduler;
pub mod short_names;
pub mod stats;
pub mod table_lines;
#[cfg(test)]
pub(crate) mod tests;
pub mod timeline;
pub mod ui_state;
mod update;
mod watching;

use crate::engine::JobId;
pub use actions::CancelAllEnds;
pub use activity::{Activity, Span};
pub use causes::{CauseAction, CausesPanel};
pub use job_row::{FailedAttempt, JobNode, JobRow, JobState, OutputTail, RowExtra, RunResult};
pub use log_view::{LogAction, LogView};
pub use model::Model;
pub use msg::{Action, Effect, Msg, Question};
pub use navigation::SortOrder;
pub use options::OptionsAction;
pub use overlay::{Overlay, Prompt};
pub use parts::PartRow;
pub use progress::{Eta, Progress};
pub use record::{News, RunRecord};
use scheduler::job_id;
pub use short_names::{ShortNames, Shortening};
pub use stats::{Counts, Summary, WorkerStats, fails_session, only_warns};
pub use table_lines::TableLine;
pub use ui_state::{Band, LogScroll, Pane, UiAction, UiState, Viewport};
pub use update::update;
