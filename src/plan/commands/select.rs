//! `jobdeck run NAME…`: the jobs of a `jobdeck.toml` a user names, with everything they
//! depend on, as `just test`, `make test` and `task test` run one recipe and what it needs.
//! A job's name stands for all its rows (`build` for `build[a]` and `build[b]`); a row's
//! name (`build[a]`) for itself.

use std::fmt::Write as _;
use std::path::Path;

use super::config::Row;

/// The most job names an unknown name's error lists.
const NAMES_LISTED: usize = 20;

/// The rows of `rows` named in `only`, and the rows they depend on, in their order, with
/// their dependencies renumbered; all rows when `only` is empty. A name that is no job's
/// nor row's is an error naming `file` and the jobs there are.
pub fn select(rows: Vec<Row>, only: &[String], file: &Path) -> Result<Vec<Row>, String> {
    if only.is_empty() {
        return Ok(rows);
    }
    let mut wanted = vec![false; rows.len()];
    for name in only {
        let mut found = false;
        for (at, row) in rows.iter().enumerate() {
            if row.job_name == *name || row.name == *name {
                wanted[at] = true;
                found = true;
            }
        }
        if !found {
            return Err(format!(
                "{}: no job is named `{name}` (its jobs: {})",
                file.display(),
                job_names(&rows)
            ));
        }
    }
    // A row's dependencies come before it: one walk from the end takes them all in.
    for at in (0..rows.len()).rev() {
        if wanted[at] {
            for &dep in &rows[at].deps {
                wanted[dep] = true;
            }
        }
    }
    let mut renumbered = vec![None; rows.len()];
    let mut kept = Vec::new();
    for (at, mut row) in rows.into_iter().enumerate() {
        if !wanted[at] {
            continue;
        }
        renumbered[at] = Some(kept.len());
        row.deps = row.deps.iter().filter_map(|&dep| renumbered[dep]).collect();
        kept.push(row);
    }
    Ok(kept)
}

/// The file's job names, in order, each once, at most [`NAMES_LISTED`] of them.
fn job_names(rows: &[Row]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for row in rows {
        if !names.contains(&row.job_name.as_str()) {
            names.push(&row.job_name);
        }
    }
    let more = names.len().saturating_sub(NAMES_LISTED);
    let mut list = names
        .iter()
        .take(NAMES_LISTED)
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        let _ = write!(list, " and {more} more");
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::command::CommandJob;

    fn row(job: &str, name: &str, deps: &[usize]) -> Row {
        Row {
            name: name.to_string(),
            job_name: job.to_string(),
            job: CommandJob::shell("true", std::path::Path::new("log")),
            deps: deps.to_vec(),
        }
    }

    /// lint; build[a], build[b]; test after both builds and lint; deploy after test.
    fn file() -> Vec<Row> {
        vec![
            row("lint", "lint", &[]),
            row("build", "build[a]", &[]),
            row("build", "build[b]", &[]),
            row("test", "test", &[0, 1, 2]),
            row("deploy", "deploy", &[3]),
            row("docs", "docs", &[]),
        ]
    }

    fn names(rows: &[Row]) -> Vec<(&str, Vec<usize>)> {
        rows.iter()
            .map(|r| (r.name.as_str(), r.deps.clone()))
            .collect()
    }

    #[test]
    fn a_job_brings_everything_it_depends_on_renumbered() {
        let kept = select(file(), &["deploy".into()], Path::new("jobdeck.toml")).expect("selected");
        assert_eq!(
            names(&kept),
            [
                ("lint", vec![]),
                ("build[a]", vec![]),
                ("build[b]", vec![]),
                ("test", vec![0, 1, 2]),
                ("deploy", vec![3]),
            ]
        );
    }

    #[test]
    fn a_jobs_name_takes_all_its_rows_and_a_rows_name_itself() {
        let both = select(file(), &["build".into()], Path::new("f")).expect("selected");
        assert_eq!(names(&both), [("build[a]", vec![]), ("build[b]", vec![])]);
        let one =
            select(file(), &["build[b]".into(), "docs".into()], Path::new("f")).expect("selected");
        assert_eq!(names(&one), [("build[b]", vec![]), ("docs", vec![])]);
    }

    #[test]
    fn nothing_named_keeps_every_row_and_an_unknown_name_lists_the_jobs() {
        assert_eq!(select(file(), &[], Path::new("f")).expect("all").len(), 6);
        let err = select(file(), &["tset".into()], Path::new("jobdeck.toml")).expect_err("unknown");
        assert_eq!(
            err,
            "jobdeck.toml: no job is named `tset` (its jobs: `lint`, `build`, `test`, \
             `deploy`, `docs`)"
        );
    }
}
