//! `jobdeck.toml`: named command jobs with their folders, environments, dependencies, time
//! limits, retries, inputs (`each`) and watched files, and `[defaults]` for all of them.
//!
//! The file is read whole before anything runs, and every mistake in it (an unknown key, a
//! wrong type, a dependency on no job, a cycle) is an error naming the file, the line and the
//! key: the `toml` crate's spans give the line of what serde refused, and the values kept
//! [`Spanned`] give the line of what the graph refuses.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use crate::jobs::command::{CommandJob, Program, Settings as JobSettings};
use crate::plan::cli::MAX_TIMEOUT_SECS;

/// The file `jobdeck run` reads when it is given no commands and no `--config`.
pub const DEFAULT_FILE: &str = "jobdeck.toml";

/// One row of a `jobdeck.toml`: a job, or one value of a job's `each`.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's name: the job's, or `NAME[value]` for a value of its `each`.
    pub name: String,
    /// The name of its job in the file (`build` for `build[a]`).
    pub job_name: String,
    /// The command, its folder and environment, its limits and what it watches; its log is
    /// set by the caller.
    pub job: CommandJob,
    /// Indices of the earlier rows that must succeed first.
    pub deps: Vec<usize>,
}

/// The rows of the file at `path`, in an order where every dependency comes first (the
/// file's order where the dependencies leave a choice). Each row's log is left for the caller
/// to set.
pub fn rows(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let folder = std::path::absolute(path)
        .ok()
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let at = Locator {
        file: path,
        text: &text,
    };
    let config: ConfigFile = toml::from_str(&text).map_err(|err| at.serde_error(&err))?;
    let mut jobs: Vec<(Spanned<String>, JobTable)> = config.jobs.into_iter().collect();
    // The file's order, which is the rows' order wherever dependencies allow it.
    jobs.sort_by_key(|(name, _)| name.span().start);
    let defaults = config.defaults.unwrap_or_default();
    let order = dependency_order(&jobs, &at)?;
    let mut rows: Vec<Row> = Vec::new();
    // A job's name stands for all its rows; a row's name for itself.
    let mut rows_of: HashMap<String, Vec<usize>> = HashMap::new();
    for index in order {
        let (name, table) = &jobs[index];
        let mut deps = Vec::new();
        for dep in &table.deps {
            deps.extend(rows_of.get(dep.get_ref().as_str()).into_iter().flatten());
        }
        deps.sort_unstable();
        deps.dedup();
        let settings = Settings::merged(&table.own_settings(), &defaults, &at, name.get_ref())?;
        let values: Vec<Option<&str>> = match &table.each {
            Some(values) => values.iter().map(|value| Some(value.0.as_str())).collect(),
            None => vec![None],
        };
        let mut own = Vec::with_capacity(values.len());
        for value in values {
            own.push(rows.len());
            if value.is_some() {
                rows_of.insert(row_name(name.get_ref(), value), vec![rows.len()]);
            }
            rows.push(Row {
                name: row_name(name.get_ref(), value),
                job_name: name.get_ref().clone(),
                job: settings.job(&table.cmd, &folder, value),
                deps: deps.clone(),
            });
        }
        rows_of.insert(name.get_ref().clone(), own);
    }
    Ok(rows)
}

/// A row's name: its job's, with the value of its `each` if it has one (`test[core]`).
fn row_name(job: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{job}[{value}]"),
        None => job.to_string(),
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// What every job has unless it says otherwise.
    defaults: Option<Defaults>,
    /// The jobs by name.
    #[serde(default)]
    jobs: BTreeMap<Spanned<String>, JobTable>,
}

/// `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    cwd: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    timeout: Option<Spanned<f64>>,
    retries: Option<u32>,
    watch: Option<Vec<Spanned<String>>>,
}

/// `[jobs.NAME]`. (Serde's `flatten` would lose both `deny_unknown_fields` and the spans,
/// so the settings `[defaults]` shares are repeated here.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobTable {
    cmd: Spanned<Cmd>,
    #[serde(default)]
    deps: Vec<Spanned<String>>,
    each: Option<Vec<EachValue>>,
    cwd: Option<String>,
    env: Option<BTreeMap<String, String>>,
    timeout: Option<Spanned<f64>>,
    retries: Option<u32>,
    watch: Option<Vec<Spanned<String>>>,
}

impl JobTable {
    /// Its own settings, as `[defaults]` has them.
    fn own_settings(&self) -> SettingsView<'_> {
        SettingsView {
            cwd: self.cwd.as_deref(),
            env: self.env.as_ref(),
            timeout: self.timeout.as_ref(),
            retries: self.retries,
            watch: self.watch.as_deref(),
        }
    }
}

/// A job's own settings or the defaults', borrowed.
#[derive(Debug, Clone, Copy)]
struct SettingsView<'a> {
    cwd: Option<&'a str>,
    env: Option<&'a BTreeMap<String, String>>,
    timeout: Option<&'a Spanned<f64>>,
    retries: Option<u32>,
    watch: Option<&'a [Spanned<String>]>,
}

/// A job's settings with the defaults filled in.
#[derive(Debug, Clone, Default)]
struct Settings {
    cwd: Option<String>,
    env: BTreeMap<String, String>,
    timeout: Option<Duration>,
    retries: Option<u32>,
    watch: Vec<String>,
}

impl Settings {
    /// `own` over `defaults`: a job's `env` adds to the defaults' (its own value wins).
    fn merged(
        own: &SettingsView<'_>,
        defaults: &Defaults,
        at: &Locator<'_>,
        job: &str,
    ) -> Result<Self, String> {
        let timeout = match (own.timeout, &defaults.timeout) {
            (Some(own), _) => Some(at.seconds(own, &format!("jobs.{job}.timeout"))?),
            (None, Some(default)) => Some(at.seconds(default, "defaults.timeout")?),
            (None, None) => None,
        };
        let (watch, key) = match (own.watch, &defaults.watch) {
            (Some(own), _) => (own, format!("jobs.{job}.watch")),
            (None, Some(default)) => (&default[..], "defaults.watch".to_string()),
            (None, None) => (&[][..], String::new()),
        };
        for pattern in watch {
            if let Err(err) = glob::Pattern::new(pattern.get_ref()) {
                let message = format!("not a glob pattern: `{}`: {}", pattern.get_ref(), err.msg);
                return Err(at.error(pattern.span().start, &key, &message));
            }
        }
        let mut env = defaults.env.clone();
        env.extend(
            own.env
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        Ok(Self {
            cwd: own.cwd.or(defaults.cwd.as_deref()).map(str::to_string),
            env,
            timeout,
            retries: own.retries.or(defaults.retries),
            watch: watch.iter().map(|p| p.get_ref().clone()).collect(),
        })
    }

    /// The command job of `cmd` with these settings, `{}` replaced by `value` (quoted for
    /// the shell in a command line) if the job has an `each`. Folders are relative to the
    /// file's `folder`, where a job without `cwd` runs. Its log is left empty.
    fn job(&self, cmd: &Spanned<Cmd>, folder: &Path, value: Option<&str>) -> CommandJob {
        let fill = |text: &str| match value {
            Some(value) => text.replace("{}", value),
            None => text.to_string(),
        };
        let program = match cmd.get_ref() {
            Cmd::Shell(line) => Program::Shell(match value {
                Some(value) => line.replace("{}", &shell_words::quote(value)),
                None => line.clone(),
            }),
            Cmd::Argv(argv) => {
                Program::Argv(argv.iter().map(|w| OsString::from(fill(w))).collect())
            }
        };
        let cwd = match &self.cwd {
            Some(cwd) => folder.join(fill(cwd)),
            None => folder.to_path_buf(),
        };
        let mut job = CommandJob::shell(String::new(), PathBuf::new());
        job.program = program;
        job.settings = Some(Box::new(JobSettings {
            cwd: Some(cwd),
            env: self.env.iter().map(|(k, v)| (k.clone(), fill(v))).collect(),
            timeout: self.timeout,
            retries: self.retries,
            watch: self
                .watch
                .iter()
                .map(|glob| folder.join(fill(glob)).to_string_lossy().into_owned())
                .collect(),
        }));
        job
    }
}

/// `cmd`: a command line for `sh -c`, or a program and its arguments.
#[derive(Debug, Clone)]
enum Cmd {
    Shell(String),
    Argv(Vec<String>),
}

impl<'de> Deserialize<'de> for Cmd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CmdVisitor;
        impl<'de> Visitor<'de> for CmdVisitor {
            type Value = Cmd;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command line (a string) or a program and its arguments (an array of strings)")
            }

            fn visit_str<E: de::Error>(self, line: &str) -> Result<Cmd, E> {
                if line.trim().is_empty() {
                    return Err(E::custom("the command line is empty"));
                }
                Ok(Cmd::Shell(line.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cmd, A::Error> {
                let mut argv = Vec::new();
                while let Some(word) = seq.next_element::<String>()? {
                    argv.push(word);
                }
                if argv.is_empty() {
                    return Err(de::Error::custom("the program's array is empty"));
                }
                Ok(Cmd::Argv(argv))
            }
        }
        deserializer.deserialize_any(CmdVisitor)
    }
}

/// A value of `each`: a string, or a number or boolean taken as it is written.
#[derive(Debug, Clone)]
struct EachValue(String);

impl<'de> Deserialize<'de> for EachValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EachVisitor;
        impl Visitor<'_> for EachVisitor {
            type Value = EachValue;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a number or a boolean")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<EachValue, E> {
                Ok(EachValue(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<EachValue, E> {
                Ok(EachValue(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<EachValue, E> {
                Ok(EachValue(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<EachValue, E> {
                Ok(EachValue(value.to_string()))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<EachValue, E> {
                Ok(EachValue(value.to_string()))
            }
        }
        deserializer.deserialize_any(EachVisitor)
    }
}

/// The jobs' indices in an order where each job's `deps` come before it, the file's order
/// wherever that leaves a choice. A dependency on no job, or a cycle, is an error at the
/// `deps` entry that makes it.
fn dependency_order(
    jobs: &[(Spanned<String>, JobTable)],
    at: &Locator<'_>,
) -> Result<Vec<usize>, String> {
    let index_of: HashMap<&str, usize> = jobs
        .iter()
        .enumerate()
        .map(|(index, (name, _))| (name.get_ref().as_str(), index))
        .collect();
    let mut edges: Vec<Vec<(usize, &Spanned<String>)>> = Vec::with_capacity(jobs.len());
    for (name, table) in jobs {
        let mut own = Vec::new();
        for dep in &table.deps {
            let Some(index) = job_of(dep.get_ref(), &index_of, jobs) else {
                return Err(at.error(
                    dep.span().start,
                    &format!("jobs.{}.deps", name.get_ref()),
                    &format!("no job is named `{}`", dep.get_ref()),
                ));
            };
            own.push((index, dep));
        }
        edges.push(own);
    }
    // Depth first, in file order: a job is placed once everything it depends on is.
    let mut state = vec![Visit::New; jobs.len()];
    let mut order = Vec::with_capacity(jobs.len());
    for start in 0..jobs.len() {
        let mut path: Vec<(usize, usize)> = Vec::new();
        if state[start] == Visit::Done {
            continue;
        }
        state[start] = Visit::OnPath;
        path.push((start, 0));
        while let Some((job, next)) = path.last_mut() {
            let (job, edge) = (*job, *next);
            *next += 1;
            let Some(&(dep, entry)) = edges[job].get(edge) else {
                state[job] = Visit::Done;
                order.push(job);
                path.pop();
                continue;
            };
            match state[dep] {
                Visit::Done => {}
                Visit::New => {
                    state[dep] = Visit::OnPath;
                    path.push((dep, 0));
                }
                Visit::OnPath => {
                    let from = path.iter().position(|&(on, _)| on == dep).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[from..]
                        .iter()
                        .map(|&(on, _)| jobs[on].0.get_ref().as_str())
                        .collect();
                    cycle.push(jobs[dep].0.get_ref());
                    return Err(at.error(
                        entry.span().start,
                        &format!("jobs.{}.deps", jobs[job].0.get_ref()),
                        &format!("a dependency cycle: {}", cycle.join(" → ")),
                    ));
                }
            }
        }
    }
    Ok(order)
}

/// The index of the job `dep` names: a job's name, or one of its rows (`NAME[value]`).
fn job_of(
    dep: &str,
    index_of: &HashMap<&str, usize>,
    jobs: &[(Spanned<String>, JobTable)],
) -> Option<usize> {
    if let Some(&index) = index_of.get(dep) {
        return Some(index);
    }
    // A job's name and a value may hold `[` themselves (`a[b]`'s row `a[b][1]`): every
    // place the row's `[` could be is tried.
    let inner = dep.strip_suffix(']')?;
    inner.match_indices('[').find_map(|(at, _)| {
        let (name, value) = (&inner[..at], &inner[at + 1..]);
        let index = *index_of.get(name)?;
        let each = jobs[index].1.each.as_ref()?;
        each.iter().any(|v| v.0 == value).then_some(index)
    })
}

/// Where a job is in the depth-first walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// Turns places in the file into `FILE:LINE: KEY: …` errors.
struct Locator<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    /// `FILE:LINE: KEY: message` for the byte `offset` of the file.
    fn error(&self, offset: usize, key: &str, message: &str) -> String {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        let key = if key.is_empty() {
            String::new()
        } else {
            format!("{key}: ")
        };
        format!("{}:{line}: {key}{message}", self.file.display())
    }

    /// What serde or the TOML parser refused, with the key found at its place.
    fn serde_error(&self, err: &toml::de::Error) -> String {
        let message = err.message().trim_end();
        match err.span() {
            Some(span) => self.error(span.start, &self.key_at(span.start), message),
            None => format!("{}: {message}", self.file.display()),
        }
    }

    /// `timeout` as a duration: more than 0 and at most [`MAX_TIMEOUT_SECS`].
    fn seconds(&self, value: &Spanned<f64>, key: &str) -> Result<Duration, String> {
        let seconds = *value.get_ref();
        if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS {
            Ok(Duration::from_secs_f64(seconds))
        } else {
            Err(self.error(
                value.span().start,
                key,
                &format!(
                    "the timeout must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds, \
                     got {seconds}"
                ),
            ))
        }
    }

    /// The dotted key written at `offset` (`jobs.build.retries`): the table header above
    /// it and the key of its line (or of the nearest line above with one, for a value in a
    /// multi-line array). Empty where no key is found (a syntax error before any).
    fn key_at(&self, offset: usize) -> String {
        let before = &self.text[..offset.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        let mut own: Option<String> = None;
        let mut lines = self.text[..line_start].lines().rev();
        let current = self.text[line_start..].lines().next().unwrap_or_default();
        for line in std::iter::once(current).chain(&mut lines) {
            let line = line.trim();
            if let Some(header) = table_header(line) {
                return match own {
                    Some(key) => format!("{header}.{key}"),
                    // An unknown or wrong table is its header's own name.
                    None => header.to_string(),
                };
            }
            if own.is_none()
                && let Some((key, _)) = line.split_once('=')
                && !line.starts_with('#')
            {
                own = Some(key.trim().to_string());
            }
        }
        own.unwrap_or_default()
    }
}

/// The name inside a `[table]` or `[[array]]` header line.
fn table_header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let end = inner.find(']')?;
    let name = inner[..end].trim_start_matches('[').trim();
    // A line of a multi-line array (`  "a", ]`) is no header: a header's name is a key.
    (!name.is_empty() && !name.contains(',') && !name.starts_with(['"', '\''])).then_some(name)
}
