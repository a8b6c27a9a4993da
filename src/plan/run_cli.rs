//! `jobdeck run`'s command line: its own help and usage, its job names, the options only
//! CMake projects use refused, and the commands it gives (a template, a file, a
//! `jobdeck.toml`), read into the same [`Args`] as a CMake session's.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches};

use super::cli::{Args, RunError};
use crate::plan::commands::{CommandsRequest, Template, config, template};

/// `jobdeck run`'s forms, as its `--help` and its usage errors show them.
const RUN_USAGE: &str = "jobdeck run [OPTIONS] -- COMMAND [ARGS]... [::: INPUTS... | :::: FILE]...
       jobdeck run [OPTIONS] -f FILE
       jobdeck run [OPTIONS] [--config FILE] [JOB]...";

/// `jobdeck run --help`'s description.
const RUN_ABOUT: &str = "Runs commands as jobs on a pool of worker threads, with a live table \
(or, headless, each job's output whole on stdout and jobdeck's lines on stderr): a template \
over inputs as GNU parallel takes it (`jobdeck run -- gzip -k {} ::: *.log`; {} {.} {/} {//} \
{/.} {#} {1} as parallel's; `:::+` and `::::+` link a source to the one before it, value by \
value, as parallel's), a file of command lines (`-f FILE`, `-` for stdin), or the jobs \
of a jobdeck.toml (`./jobdeck.toml` or --config FILE; JOB names run only those jobs and what \
they depend on). Exits 0 if all succeeded, 1 if any did not, 2 on a usage error, 130 if \
interrupted. The options only CMake projects use (-G, -D, --build, --test, ...) are refused. See docs/commands.md.";

impl Args {
    /// `jobdeck run [OPTIONS] -- CMD ARGS… ::: A B` or `jobdeck run [OPTIONS] -f FILE`:
    /// the options as for CMake projects, and the commands. `argv` starts with the program
    /// and `run`.
    pub fn parse_run(words_given: &[OsString]) -> Result<Args, RunError> {
        let rest = words_given.get(2..).unwrap_or_default();
        let split = rest.iter().position(|word| word == "--");
        let (options, words) = match split {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &[][..]),
        };
        let program = words_given
            .first()
            .cloned()
            .unwrap_or_else(|| "jobdeck".into());
        let (mut args, names) = Args::run_options(program, options)?;
        let words = utf8(words)?;
        if let Some(name) = names.first()
            && (args.file.is_some() || !words.is_empty())
        {
            return Err(RunError::Other(format!(
                "`{name}` names a job of a jobdeck.toml, which runs with neither -f nor a \
                 command after `--`: for a command, put it after `--`, as in \
                 `jobdeck run -- echo {{}} ::: a b`"
            )));
        }
        args.commands = Some(match (&args.file, words.is_empty()) {
            (_, false) if args.config.is_some() => {
                return Err(RunError::Other(
                    "jobdeck run takes either --config FILE or a command after `--`, not both"
                        .into(),
                ));
            }
            (Some(file), true) => CommandsRequest::File(file.clone()),
            (Some(_), false) => {
                return Err(RunError::Other(
                    "jobdeck run takes either -f FILE or a command after `--`, not both".into(),
                ));
            }
            (None, true) => match &args.config {
                Some(config) => CommandsRequest::Config {
                    path: config.clone(),
                    only: names,
                },
                None if std::path::Path::new(config::DEFAULT_FILE).exists() => {
                    CommandsRequest::Config {
                        path: PathBuf::from(config::DEFAULT_FILE),
                        only: names,
                    }
                }
                None if !names.is_empty() => {
                    return Err(RunError::Other(format!(
                        "`{}` names a job of a jobdeck.toml, and there is none here (--config \
                         FILE names one): for a command, put it after `--`, as in `jobdeck run \
                         -- echo {{}} ::: a b`, or pass a file of commands with -f",
                        names[0]
                    )));
                }
                None => {
                    return Err(RunError::Other(
                        "jobdeck run needs commands: `jobdeck run [OPTIONS] -- CMD ARGS… ::: A \
                         B`, `jobdeck run [OPTIONS] -f FILE`, or a jobdeck.toml (in this \
                         folder, or --config FILE)"
                            .into(),
                    ));
                }
            },
            (None, false) => {
                let template = Template::parse(&with_stdin_source(words)?, &mut |path| {
                    template::read_source(path)
                })
                .map_err(RunError::Other)?;
                CommandsRequest::Template(template)
            }
        });
        Ok(args)
    }

    /// `jobdeck run`'s options parsed with `run`'s own help and usage, and its positional
    /// words taken as job names: `jobdeck run test deploy` runs those jobs of the
    /// jobdeck.toml, as `just test` would.
    fn run_options(
        program: OsString,
        options: &[OsString],
    ) -> Result<(Args, Vec<String>), RunError> {
        let mut matches = Args::command()
            .override_usage(RUN_USAGE)
            .long_about(RUN_ABOUT)
            .mut_arg("dir", |arg| {
                arg.num_args(1..).value_name("JOB").help(
                    "Jobs of the jobdeck.toml to run, with the jobs they depend on (a job's \
                     name takes all its `each` rows, `NAME[value]` one) [default: all]",
                )
            })
            .try_get_matches_from(std::iter::once(program).chain(options.iter().cloned()))
            .map_err(RunError::Usage)?;
        refuse_outside_cmake(&matches)?;
        let names: Vec<OsString> = matches
            .remove_many::<PathBuf>("dir")
            .map(|names| names.map(PathBuf::into_os_string).collect())
            .unwrap_or_default();
        let args = Args::from_arg_matches_mut(&mut matches).map_err(RunError::Usage)?;
        Ok((args, utf8(&names)?))
    }
}

/// `words` as text: commands, inputs and job names must be UTF-8.
fn utf8(words: &[OsString]) -> Result<Vec<String>, RunError> {
    words
        .iter()
        .map(|word| {
            word.to_str()
                .map(str::to_string)
                .ok_or_else(|| RunError::Other(format!("not UTF-8: {}", word.to_string_lossy())))
        })
        .collect()
}

/// The options only CMake projects (or the demo) use: given to `jobdeck run`, they would be
/// ignored without a word, so they are refused.
const CMAKE_ONLY: [&str; 11] = [
    "generator",
    "defines",
    "build_type",
    "cmake",
    "build",
    "build_jobs",
    "test",
    "slow",
    "no_share_probes",
    "no_cmake",
    "demo",
];

/// Refuses an option of [`CMAKE_ONLY`] given on `jobdeck run`'s command line.
fn refuse_outside_cmake(matches: &clap::ArgMatches) -> Result<(), RunError> {
    let given = CMAKE_ONLY
        .iter()
        .find(|id| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine));
    let Some(id) = given else {
        return Ok(());
    };
    let command = Args::command();
    let flag = command
        .get_arguments()
        .find(|arg| arg.get_id() == *id)
        .map_or_else(
            || (*id).to_string(),
            |arg| match (arg.get_long(), arg.get_short()) {
                (Some(long), _) => format!("--{long}"),
                (None, Some(short)) => format!("-{short}"),
                (None, None) => (*id).to_string(),
            },
        );
    Err(RunError::Other(format!(
        "{flag} is for CMake projects (`jobdeck [OPTIONS] DIR`), not for `jobdeck run`"
    )))
}

/// A template's words, with stdin as its input source when it names none: `ls | jobdeck run
/// -- gzip` reads its inputs from stdin, as `ls | parallel gzip` does. A terminal on stdin
/// is refused rather than waited on: the live table needs it for keys.
fn with_stdin_source(mut words: Vec<String>) -> Result<Vec<String>, RunError> {
    if words.iter().any(|w| template::is_separator(w)) {
        return Ok(words);
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(RunError::Other(
            "a template needs input: `::: A B …`, `:::: FILE`, or lines on stdin (as GNU \
             parallel reads them; stdin is a terminal here)"
                .into(),
        ));
    }
    words.extend(["::::".to_string(), "-".to_string()]);
    Ok(words)
}
