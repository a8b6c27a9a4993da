//! `jobdeck run`: command jobs from a GNU parallel template, a file of command lines, or a
//! `jobdeck.toml`. Each becomes a job of the command kind (`jobs::command`).

pub mod config;
pub mod reload;
pub mod select;
pub mod template;

use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::jobs::command::CommandJob;
use crate::jobs::{Job, Reload};

pub use template::Template;

/// The order in which a `jobdeck run` session prints its jobs' output on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputOrder {
    /// As each job ends (GNU parallel's `--group`).
    Completion,
    /// In the order of the inputs, each once every job before it has ended (`-k`,
    /// `--keep-order`, as parallel's).
    Input,
}

impl OutputOrder {
    /// The order `-k` (`keep_order`) asks for.
    pub fn of(keep_order: bool) -> Self {
        if keep_order {
            Self::Input
        } else {
            Self::Completion
        }
    }
}

/// Where `jobdeck run` takes its commands from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandsRequest {
    /// A template with its input sources (`-- CMD ARGS… ::: A B`).
    Template(Template),
    /// A file of command lines, one per line (`-f FILE`; `-` is stdin), each run by `sh -c`.
    File(PathBuf),
    /// A `jobdeck.toml` (`./jobdeck.toml`, or `--config FILE`): named jobs with their
    /// dependencies; with `only`, just the jobs named there and what they depend on
    /// (`jobdeck run test`).
    Config {
        /// The file.
        path: PathBuf,
        /// The jobs or rows named on the command line; empty: all.
        only: Vec<String>,
    },
}

/// The part of `build_root` a session's runs write into, which watch mode ignores: all of it
/// for CMake projects, and for commands, which run in the folder the user works in and keep
/// only jobdeck's own folder (`.jobdeck`) there, that folder.
pub fn written(request: Option<&CommandsRequest>, build_root: PathBuf) -> PathBuf {
    match request {
        Some(_) => build_root.join(".jobdeck"),
        None => build_root,
    }
}

/// What reads `request`'s jobs again when it changes while they run: a `jobdeck.toml`'s.
pub fn reload(request: Option<&CommandsRequest>, log_dir: &Path) -> Option<Arc<dyn Reload>> {
    match request {
        Some(CommandsRequest::Config { path, only }) => {
            Some(Arc::new(reload::ConfigReload::new(path, only, log_dir)))
        }
        _ => None,
    }
}

/// What a user should hear of `request` before it runs (values a linked source leaves
/// out), said with the plan's warnings: printed, and shown in the live table too.
pub fn notes(request: &CommandsRequest) -> Vec<String> {
    match request {
        CommandsRequest::Template(template) => template.notes(),
        _ => Vec::new(),
    }
}

/// The jobs of `request`, each logged under `log_dir/run/<number>/`.
pub fn jobs(request: &CommandsRequest, log_dir: &Path) -> Result<Vec<Job>, String> {
    if let CommandsRequest::Config { path, only } = request {
        return config_jobs(path, only, log_dir);
    }
    let commands: Vec<(String, String)> = match request {
        CommandsRequest::Template(template) => template
            .fill()
            .into_iter()
            .map(|filled| (filled.input, filled.line))
            .collect(),
        CommandsRequest::File(path) => command_lines(path)?
            .into_iter()
            .map(|line| (line.clone(), line))
            .collect(),
        CommandsRequest::Config { .. } => Vec::new(),
    };
    if commands.is_empty() {
        return Err("nothing to run: no commands were given".to_string());
    }
    let width = commands.len().to_string().len();
    Ok(unique_names(commands)
        .into_iter()
        .enumerate()
        .map(|(index, (name, line))| {
            // Numbered, not named: a command line is no file name.
            let folder = log_dir.join("run").join(format!("{:0width$}", index + 1));
            Job {
                name,
                spec: CommandJob::shell(line, folder.join("command.log")).spec(),
                deps: Vec::new(),
                after: Vec::new(),
            }
        })
        .collect())
}

/// The jobs of a `jobdeck.toml` (those named in `only` and what they need, or all), with
/// the dependencies it gives.
fn config_jobs(path: &Path, only: &[String], log_dir: &Path) -> Result<Vec<Job>, String> {
    let rows = select::select(config::rows(path)?, only, path)?;
    if rows.is_empty() {
        return Err(format!("nothing to run: {} has no jobs", path.display()));
    }
    let width = rows.len().to_string().len();
    let names = unique_names(
        rows.iter()
            .map(|row| (row.name.clone(), String::new()))
            .collect(),
    );
    Ok(rows
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(index, (row, (name, _)))| {
            let folder = log_dir.join("run").join(format!("{:0width$}", index + 1));
            let mut job = row.job;
            job.log = folder.join("command.log").into();
            Job {
                name,
                spec: job.spec(),
                deps: row.deps,
                after: Vec::new(),
            }
        })
        .collect())
}

/// The command lines of a file (`-` is stdin): blank lines and `#` comments skipped.
fn command_lines(path: &Path) -> Result<Vec<String>, String> {
    let text = if path.as_os_str() == "-" {
        template::read_source("-")?
    } else {
        template::read_source(&path.to_string_lossy())?
    };
    Ok(text
        .into_iter()
        .filter(|line| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#')
        })
        .collect())
}

/// Names made unique: a row is its name in the history, so a second `echo a` is `echo a #2`.
fn unique_names(commands: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    commands
        .into_iter()
        .map(|(name, line)| {
            let count = seen.entry(name.clone()).or_default();
            *count += 1;
            let name = if *count == 1 {
                name
            } else {
                format!("{name} #{count}")
            };
            (name, line)
        })
        .collect()
}
