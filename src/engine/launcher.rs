//! The launcher: a command-line prefix put in front of every process job (`--launcher`,
//! `--slurm`), so a job can run as a Slurm job step, under `nice`, on another host by `ssh`.
//!
//! A launcher changes how a run is stopped (see `engine::process`): the launcher, not the
//! job, is jobdeck's child, and the work may run on another machine. srun in particular must
//! never be killed with SIGKILL together with its whole process group: its forked helper, which cancels
//! the remote step when srun dies, would die with it and leave the step running until the
//! cluster's `InactiveLimit`.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

/// The srun prefix `--slurm` stands for; `--job-name` is added per job.
pub const SLURM_PREFIX: [&str; 4] = ["srun", "--ntasks=1", "--quiet", "--input=none"];

/// A prefix for every process job's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launcher {
    /// The launcher's own words, program first, as the user gave them.
    prefix: Vec<OsString>,
    /// `--slurm`: the job's name goes to srun as `--job-name=jobdeck:<name>`.
    is_slurm: bool,
}

impl Launcher {
    /// `--launcher "CMD ARGS…"`: split as a POSIX shell splits words (quotes, backslashes),
    /// without running a shell.
    pub fn parse(text: &str) -> Result<Self, String> {
        let words = shell_words::split(text)
            .map_err(|err| format!("cannot split --launcher `{text}`: {err}"))?;
        if words.is_empty() {
            return Err(
                "--launcher is empty: give the command to put in front of each job \
                        (e.g. \"srun --ntasks=1 --\")"
                    .to_string(),
            );
        }
        Ok(Self {
            prefix: words.into_iter().map(OsString::from).collect(),
            is_slurm: false,
        })
    }

    /// `--slurm`: every job as a one-task Slurm job step named after the job, at niceness
    /// `nice` (srun's `--nice`) if given.
    pub fn slurm(nice: Option<i32>) -> Self {
        let mut prefix: Vec<OsString> = SLURM_PREFIX.iter().map(OsString::from).collect();
        if let Some(nice) = nice {
            prefix.push(format!("--nice={nice}").into());
        }
        Self {
            prefix,
            is_slurm: true,
        }
    }

    /// The launcher's program, as given (`srun`, `/usr/bin/ssh`).
    pub fn program(&self) -> &OsStr {
        &self.prefix[0]
    }

    /// How the header names where jobs run: `slurm` for srun, else the program's file name.
    pub fn word(&self) -> String {
        let name = Path::new(self.program())
            .file_name()
            .unwrap_or(self.program())
            .to_string_lossy()
            .into_owned();
        if self.is_slurm || name == "srun" {
            "slurm".to_string()
        } else {
            name
        }
    }

    /// `command` run through the launcher: the prefix, for `--slurm` the job's name and the
    /// `--` that ends srun's options, then the command's program and arguments. The
    /// environment and working folder given to `command` carry over.
    pub fn wrap(&self, command: &Command, label: &str) -> Command {
        let mut wrapped = Command::new(self.program());
        wrapped.args(&self.prefix[1..]);
        if self.is_slurm {
            wrapped.arg(format!("--job-name=jobdeck:{label}")).arg("--");
        }
        wrapped.arg(command.get_program()).args(command.get_args());
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => wrapped.env(name, value),
                None => wrapped.env_remove(name),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        wrapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &Command) -> Vec<String> {
        std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|w| w.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_launcher_is_split_like_a_shell_would_split_it() {
        let launcher = Launcher::parse(r"ssh -o 'Opt=a b' host\ 1").expect("parses");
        let mut cmake = Command::new("cmake");
        cmake.arg("-S").arg("/p q");
        assert_eq!(
            words(&launcher.wrap(&cmake, "p")),
            ["ssh", "-o", "Opt=a b", "host 1", "cmake", "-S", "/p q"]
        );
        assert_eq!(launcher.word(), "ssh");
        assert!(Launcher::parse("  ").is_err());
        assert!(Launcher::parse("srun 'unclosed").is_err());
    }

    #[test]
    fn slurm_names_the_step_after_the_job_and_passes_nice() {
        let cmake = Command::new("cmake");
        assert_eq!(
            words(&Launcher::slurm(Some(5)).wrap(&cmake, "01-basic/A")),
            [
                "srun",
                "--ntasks=1",
                "--quiet",
                "--input=none",
                "--nice=5",
                "--job-name=jobdeck:01-basic/A",
                "--",
                "cmake"
            ]
        );
        assert_eq!(Launcher::slurm(None).word(), "slurm");
        let generic = Launcher::parse("/usr/bin/srun --ntasks=1 --").expect("parses");
        assert_eq!(generic.word(), "slurm");
    }
}
