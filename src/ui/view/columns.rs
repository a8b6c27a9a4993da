//! The job table's columns: which are shown, and how wide each is. The name column is the
//! one that grows: its names are shortened towards a target share of the width (see
//! `app::short_names`), and a name still longer than that takes the room the other columns
//! can spare before it is cut, since a cut name may read as another row's.

use ratatui::layout::Constraint;

/// The columns after the name that may be left out: the stage (only when projects have
/// several), the kind (only when the jobs are of several kinds, a helper's row such as the
/// toolchain probe's not counted: a column that says `cmake` on every other row tells
/// nothing, and the probe's row says what it is by its name), and below 100 columns the
/// worker and the CPU time: the workers panel has both, and at 80 columns their 11 columns
/// took a third of the room the detail, which says what went wrong, had left.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent columns, each shown or not"
)]
pub(super) struct Columns {
    pub stage: bool,
    pub kind: bool,
    pub worker: bool,
    pub cpu: bool,
}

/// Below this many columns the table leaves out the worker and CPU time columns.
const NARROW: u16 = 100;

/// Widths of the optional columns: stage (`configure`), kind (`cmake`), worker (`w12`), CPU
/// time (`1m05s`).
const STAGE: u16 = 9;
const KIND: u16 = 5;
const WORKER: u16 = 3;
const CPU: u16 = 6;

/// The widths the state and time columns usually need (`running`, `skipped`; `12.3s`):
/// the name's room is reckoned with these, so that it does not change, nor names with it,
/// when a row in view says `cancelling` or a job runs past a minute. The columns themselves
/// fit what the rows in view say.
const USUAL_STATE: u16 = 7;
const USUAL_TIME: u16 = 5;

/// The marker before the selected row (`> `): ratatui keeps its room on every row.
pub(super) const MARKER: u16 = 2;

impl Columns {
    pub(super) fn of(stages: bool, mixed_kinds: bool, width: u16) -> Self {
        Self {
            stage: stages,
            kind: mixed_kinds,
            worker: width >= NARROW,
            cpu: width >= NARROW,
        }
    }

    /// Which optional columns a part row fills: stage, kind, worker, cpu.
    pub(super) fn cells(self) -> [bool; 4] {
        [self.stage, self.kind, self.worker, self.cpu]
    }

    /// The column titles, in order; the name column's is `name`.
    pub(super) fn titles(self, name: String) -> Vec<String> {
        let mut titles = vec![name];
        let words = [
            (self.stage, "stage"),
            (self.kind, "kind"),
            (true, "state"),
            (self.worker, "w"),
            (true, "time"),
            (self.cpu, "cpu"),
            (true, "detail"),
        ];
        titles.extend(
            words
                .into_iter()
                .filter(|(shown, _)| *shown)
                .map(|(_, word)| word.to_string()),
        );
        titles
    }

    /// The width names are shortened to fit: a third of the width (a quarter, with stages,
    /// below 100 columns: the stage column takes its own room; two fifths without the
    /// worker and CPU columns, so `relwithdebinfo/platform-checks` stays whole at 80
    /// columns). Every row is shortened alike, so a corpus whose names all end in
    /// `-example` loses that word rather than spend the detail's room on it.
    pub(super) fn target(self, width: u16) -> u16 {
        let room = if self.stage && width < NARROW {
            width / 4
        } else if !self.worker && !self.cpu {
            width * 2 / 5
        } else {
            width / 3
        };
        room.max(4)
    }

    /// The most the name column takes: what the other columns, at the widths they usually
    /// need, leave after three tenths of the width for the detail (24 columns at 80, about
    /// what it had when the state and time columns were wider: enough for `include could
    /// not find`), and never less than [`Self::target`]. A name the shortening left longer
    /// than the target (the one `c04/r03/cxx-example-3.5` among `c04/r03/cxx` rows) is
    /// then whole at 80 columns, where it was cut to `…r03/cxx-example-3.5` and lost its
    /// chapter; the selected failed row's whole error is under the table anyway.
    pub(super) fn room(self, width: u16) -> u16 {
        let others: u16 = [
            (self.stage, STAGE),
            (self.kind, KIND),
            (true, USUAL_STATE),
            (self.worker, WORKER),
            (true, USUAL_TIME),
            (self.cpu, CPU),
        ]
        .into_iter()
        .filter(|(shown, _)| *shown)
        .map(|(_, columns)| columns + 1)
        .sum();
        let spare = width.saturating_sub(MARKER + others + 1 + width * 3 / 10);
        spare.max(self.target(width))
    }

    /// The widths: the name column fits the longest name in view, up to [`Self::room`];
    /// the state and time columns fit the longest `state` and `time` in view.
    pub(super) fn widths(
        self,
        longest: usize,
        state: usize,
        time: usize,
        width: u16,
    ) -> Vec<Constraint> {
        let fit = |columns: usize, least: u16, most: u16| {
            u16::try_from(columns)
                .unwrap_or(u16::MAX)
                .clamp(least, most)
        };
        let mut widths = vec![Constraint::Length(fit(longest, 4, self.room(width)))];
        widths.extend(self.stage.then_some(Constraint::Length(STAGE)));
        widths.extend(self.kind.then_some(Constraint::Length(KIND)));
        widths.push(Constraint::Length(fit(state, 5, 10)));
        widths.extend(self.worker.then_some(Constraint::Length(WORKER)));
        widths.push(Constraint::Length(fit(time, 4, 7)));
        widths.extend(self.cpu.then_some(Constraint::Length(CPU)));
        widths.push(Constraint::Fill(1));
        widths
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;

    #[test]
    fn the_name_gets_what_the_other_columns_spare_but_never_less_than_its_target() {
        let staged = Columns::of(true, false, 80);
        assert_eq!(staged.target(80), 20);
        // 80 − marker 2 − stage 10 − state 8 − time 6 − 1 − detail 24.
        assert_eq!(staged.room(80), 29);
        // 60 leaves less than the target: the target.
        let staged = Columns::of(true, false, 60);
        assert_eq!(staged.room(60), 15);
        let plain = Columns::of(false, false, 80);
        assert_eq!(plain.room(80), 39);
        let wide = Columns::of(true, false, 120);
        assert_eq!(wide.room(120), 46);
        let tiny = Columns::of(true, true, 10);
        assert_eq!(tiny.room(10), 4);
    }
}
