//! The lines after the summary when something did not succeed: which jobs, where their logs
//! are, and the command that runs them again. Both front ends print them, so someone who
//! comes back to a finished terminal finds what needs doing without scrolling.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::Command;

use crate::app::causes::{own_cause, tally_shown};
use crate::app::name_fit::{shared_to_drop, shorten_middle};
use crate::app::{JobState, Model, RunRecord, ShortNames, Shortening};
use crate::engine::process::describe;
use crate::session::{CommandLine, Event, Problem, Reporter};
use crate::sys::text::escape_controls;

/// The reporter that ends a session's plain output, in both modes: the recap, then the
/// summary line with the counts last, where a terminal leaves them in view. Nothing is
/// printed after an output was lost (stdout closed, terminal gone).
#[derive(Debug)]
pub struct Recap<W: Write> {
    out: W,
    /// The terminal's width, when stdout is one: each job and cause line is cut to it.
    width: Option<usize>,
}

impl Recap<io::Stdout> {
    /// The recap on stdout, its lines cut to the terminal's width when stdout is one (a
    /// file or a pipe gets them whole).
    pub fn stdout() -> Self {
        let out = io::stdout();
        let width = width_of(&out);
        Self { out, width }
    }
}

impl Recap<io::Stderr> {
    /// The recap on stderr (a `jobdeck run` session's stdout is its jobs' output), cut to
    /// the terminal's width as on stdout.
    pub fn stderr() -> Self {
        let out = io::stderr();
        let width = width_of(&out);
        Self { out, width }
    }
}

/// The width of the terminal `out` is, if it is one.
fn width_of(out: &impl std::os::fd::AsFd) -> Option<usize> {
    rustix::termios::tcgetwinsize(out)
        .ok()
        .map(|size| usize::from(size.ws_col))
        .filter(|&columns| columns > 0)
}

impl<W: Write> Recap<W> {
    /// The recap on `out`, with lines cut to `width` columns if given.
    pub fn new(out: W, width: Option<usize>) -> Self {
        Self { out, width }
    }

    /// What was written, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Reporter for Recap<W> {
    fn report(&mut self, event: &Event<'_>, model: &Model) -> Result<(), Problem> {
        let Event::Ended(ending) = event else {
            return Ok(());
        };
        if ending.output_lost {
            return Ok(());
        }
        // Speed-up and efficiency count only the time runs were in flight (see
        // `Model::summary`), so time spent looking at a finished table does not dilute them.
        let lines = recap(
            ending.unsuccessful,
            model.has_stages(),
            ending.command,
            self.width.map(|width| (width, &model.names)),
        )
        .into_iter()
        .chain(flaky(model, self.width))
        .chain(std::iter::once(ending.summary.line(ending.interrupted)));
        // Not `println!`: it panics when stdout is a closed pipe.
        lines
            .into_iter()
            .try_for_each(|line| writeln!(self.out, "{line}"))
            .and_then(|()| self.out.flush())
            .map_err(Problem::Lost)
    }
}

/// How many jobs the recap names before it says how many more there are.
pub const LISTED: usize = 20;

/// The recap for `unsuccessful` jobs of a session started with `command`;
/// names carry their stage when the session has stages (`staged`), as the plain lines do.
/// Skipped jobs are left out, as they are from JSON's `unsuccessful`: the failure before
/// them is listed, and a re-run brings them along. Each job and cause is one line, cut to
/// `terminal`'s width if given, the names then shortened as the table shortens them (the
/// folders they all share said once on the first line) and whole in the room of
/// [`name_room`]; a name longer still loses what the table's rows in view would, the folders
/// the listed names share (said on the first line too), then its middle. The logs folder and
/// the re-run command are whole, to be copied. Empty when every job succeeded.
pub fn recap(
    unsuccessful: &[RunRecord],
    staged: bool,
    command: &CommandLine,
    terminal: Option<(usize, &ShortNames)>,
) -> Vec<String> {
    let listed: Vec<&RunRecord> = unsuccessful
        .iter()
        .filter(|r| r.state != JobState::Skipped)
        .collect();
    if listed.is_empty() {
        return Vec::new();
    }
    let width = terminal.map(|(width, _)| width);
    let fit = |line: String| fit(line, width);
    let short = terminal.map(|(width, names)| (names, short_level(names, width, staged)));
    let stage_of = |record: &RunRecord| {
        if staged {
            crate::app::job_row::label("", record.stage)
        } else {
            String::new()
        }
    };
    let shown = &listed[..listed.len().min(LISTED)];
    // Each name as the table names it at this width, in the room it has on its line.
    let in_room: Vec<(&str, usize)> = shown
        .iter()
        .map(|record| {
            let name = match short {
                Some((names, level)) => names.name(job_index(record), &record.name, level),
                None => &record.name,
            };
            let error = record.error.as_deref().unwrap_or_default();
            let room = width.map_or(usize::MAX, |width| {
                name_room(width, staged, &stage_of(record), error)
            });
            (name, room)
        })
        .collect();
    // Too long still: the folders the listed names share go, said once on the first line,
    // as the table's rows in view lose theirs.
    let listed_shared = if width.is_some() {
        shared_to_drop(in_room.iter().copied())
    } else {
        String::new()
    };
    let mut first = format!("did not succeed ({}):", listed.len());
    let shared = match short {
        Some((names, level)) if level > Shortening::Full => names.shared(),
        _ => "",
    };
    if !shared.is_empty() || !listed_shared.is_empty() {
        first.push_str(" names under ");
        // Cut at its start where it does not fit, as the table's title is: the folders
        // nearest the names say most.
        let folders = format!("{shared}{listed_shared}");
        let room = width.map_or(usize::MAX, |width| {
            width.saturating_sub(first.chars().count())
        });
        first.push_str(&shorten_middle(&folders, room));
    }
    let mut lines = vec![fit(clean(&first))];
    let labels: Vec<String> = shown
        .iter()
        .zip(in_room)
        .map(|(record, (name, room))| {
            let name = name.strip_prefix(listed_shared.as_str()).unwrap_or(name);
            // Only then, and only a name that still cannot fit, is cut as the table cuts one.
            format!("{}{}", shorten_middle(name, room), stage_of(record))
        })
        .collect();
    // The errors in one column, as in the table, while the longest name leaves them half
    // the line: names of different lengths pushed each error elsewhere.
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let pad = if longest <= width.map_or(48, |width| width / 2) {
        longest
    } else {
        0
    };
    for (record, label) in shown.iter().zip(labels) {
        let error = record.error.as_deref().unwrap_or_default();
        let word = record.state.word();
        // No error, nothing to line up.
        let pad = if error.is_empty() { 0 } else { pad };
        lines.push(fit(clean(&format!("  {word:<9} {label:<pad$}  {error}"))));
    }
    if listed.len() > LISTED {
        lines.push(format!("  … and {} more", listed.len() - LISTED));
    }
    // A cause of one job is said by that job's own message, as the causes panel says it.
    let causes = tally_shown(
        unsuccessful
            .iter()
            .filter_map(|r| r.cause.as_deref().map(|cause| (cause, r))),
        |r| own_cause(r.kind, &r.result, r.state),
    );
    if !causes.is_empty() {
        lines.push(format!("causes ({}):", causes.len()));
        for (cause, jobs) in causes {
            lines.push(fit(clean(&format!("  {jobs:>4}  {cause}"))));
        }
    }
    // The demo's build root is a temporary folder removed at exit: its logs are gone, and a
    // re-run would start from a fresh one with no history.
    if command.demo {
        return lines;
    }
    // Every log of a session sits in `<logs>/<name>/<stage>.log`; names may hold folders.
    if let Some(folder) = listed[0]
        .log
        .as_deref()
        .and_then(|log| logs_folder(log, &listed[0].name))
    {
        lines.push(clean(&format!("logs: {}", folder.display())));
    }
    if let Some(command) = rerun_command(&command.args) {
        lines.push(clean(&format!("re-run them: {command}")));
    }
    lines
}

/// The jobs that passed only on a retry, each with its attempts and the first failure's
/// error, one line each (cut to `width` columns if given). Empty when none did.
pub fn flaky(model: &Model, width: Option<usize>) -> Vec<String> {
    let flaky: Vec<(usize, &crate::app::JobRow)> = model
        .jobs
        .iter()
        .enumerate()
        .filter(|(_, row)| row.state == JobState::Flaky)
        .collect();
    if flaky.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("passed on a retry ({}):", flaky.len())];
    let level = width.map_or(Shortening::Full, |width| {
        short_level(&model.names, width, model.has_stages())
    });
    for &(index, row) in flaky.iter().take(LISTED) {
        let name = model.names.name(index, &row.name, level);
        let name = if model.has_stages() {
            crate::app::job_row::label(name, row.stage)
        } else {
            name.to_string()
        };
        let first = row
            .failed_attempts()
            .first()
            .and_then(|attempt| attempt.result.error.as_deref())
            .unwrap_or_default();
        let line = format!(
            "  {:<9} {name}  attempt {} of {}; attempt 1: {first}",
            JobState::Flaky.word(),
            row.runs,
            row.retries + 1
        );
        lines.push(fit(clean(&line), width));
    }
    if flaky.len() > LISTED {
        lines.push(format!("  … and {} more", flaky.len() - LISTED));
    }
    lines
}

/// How far the recap shortens names on a terminal `width` columns wide: as far as the table
/// does at that width, so the recap names a job as the screen just did.
fn short_level(names: &ShortNames, width: usize, staged: bool) -> Shortening {
    names.fitting(table_room(width, staged))
}

/// The name column's room in the table `width` columns wide (`ui::view::columns`' target: a
/// quarter of it with stages below 100 columns, two fifths below 100 without, a third from
/// 100).
fn table_room(width: usize, staged: bool) -> usize {
    match (staged, width < 100) {
        (true, true) => width / 4,
        (false, true) => width * 2 / 5,
        (_, false) => width / 3,
    }
}

/// The columns a name has on its recap line `width` columns wide, after the state word and
/// before its `stage` and `error`: what the error leaves, and at least the table's name room
/// and half of what the line has for the name and the error. A long error is cut at the
/// line's end; the name, cut from its middle to give the error three fifths (`c01/r01…ortran`
/// with a configure's stage), read worse than in the table it followed.
fn name_room(width: usize, staged: bool, stage: &str, error: &str) -> usize {
    let room = width
        .saturating_sub(2 + 9 + 1 + 2)
        .saturating_sub(stage.chars().count());
    table_room(width, staged)
        .max(room / 2)
        .max(room.saturating_sub(error.chars().count()))
}

/// The index in the job list of `record`'s job.
fn job_index(record: &RunRecord) -> usize {
    usize::try_from(record.job.0).unwrap_or(usize::MAX)
}

/// `line` cut to `width` columns, with an ellipsis, if given and longer.
fn fit(line: String, width: Option<usize>) -> String {
    match width {
        Some(width) if line.chars().count() > width => {
            line.chars()
                .take(width.saturating_sub(1))
                .collect::<String>()
                + "…"
        }
        _ => line,
    }
}

/// One line, its control characters escaped as the plain lines' are.
fn clean(line: &str) -> String {
    escape_controls(line).into_owned()
}

/// `<logs>` of a log at `<logs>/<name>/<stage>.log`.
fn logs_folder<'a>(log: &'a Path, name: &str) -> Option<&'a Path> {
    let depth = Path::new(name).components().count();
    log.ancestors().nth(depth + 1)
}

/// The command line that started the session, with `--rerun-failed` added if it was not
/// there, quoted as a person would type it. It goes before a `--`, after which come a
/// folder or `jobdeck run`'s commands, never options.
fn rerun_command(args: &[OsString]) -> Option<String> {
    let (program, rest) = args.split_first()?;
    let options = rest
        .iter()
        .position(|arg| arg == "--")
        .unwrap_or(rest.len());
    let mut command = Command::new(program);
    command.args(&rest[..options]);
    if !rest[..options].iter().any(|arg| arg == "--rerun-failed") {
        command.arg("--rerun-failed");
    }
    command.args(&rest[options..]);
    Some(describe(&command))
}

#[cfg(test)]
mod tests;
