//! The one place that turns how a run ended (an [`Outcome`]) into words, for each place that
//! says it: the log's last line, the error of a stopped run, and the one-line error of a
//! failed program. The status words (`ok`, `failed`, `timeout`…) are the model's
//! (`JobState::word`).

use std::time::Duration;

use super::Outcome;

/// Who the words are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice<'a> {
    /// The log's last line (after `jobdeck: `): `exit 2`, `killed by SIGKILL`, `cancelled by
    /// the user`, `timed out after 10 s`. Every outcome has one.
    Log,
    /// The error of a run that was stopped and said nothing itself: `timed out after 10 s
    /// (--timeout)`, `cancelled while running`. Other outcomes have none.
    Stopped,
    /// The error of a failed program named `tool` (`cmake --build exited with status 2`,
    /// `ctest was killed by SIGKILL`), or of a task that panicked. Other outcomes have none.
    Tool(&'a str),
}

/// How a run ended, in `voice`'s words; `timeout` is the run's `--timeout`, if any.
pub fn describe(outcome: &Outcome, timeout: Option<Duration>, voice: Voice) -> Option<String> {
    let timed_out = || match timeout {
        Some(limit) => format!("timed out after {}", seconds(limit)),
        None => "timed out".to_string(),
    };
    let text = match (voice, outcome) {
        (Voice::Log, Outcome::Succeeded) => "exit 0".to_string(),
        (Voice::Log, Outcome::Failed { code, signal }) => match (code, signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("killed by {}", signal_name(*signal)),
            (None, None) => "failed".to_string(),
        },
        (Voice::Log, Outcome::Cancelled) => "cancelled by the user".to_string(),
        (Voice::Log, Outcome::SpawnFailed(reason)) => format!("could not start: {reason}"),
        (Voice::Log | Voice::Tool(_), Outcome::Panicked(message)) => {
            format!("panicked: {message}")
        }
        (Voice::Stopped, Outcome::TimedOut) if timeout.is_some() => {
            format!("{} (--timeout)", timed_out())
        }
        (Voice::Log | Voice::Stopped, Outcome::TimedOut) => timed_out(),
        (Voice::Stopped, Outcome::Cancelled) => "cancelled while running".to_string(),
        (Voice::Tool(tool), Outcome::Failed { code, signal }) => match (code, signal) {
            (Some(code), _) => format!("{tool} exited with status {code}"),
            (None, Some(signal)) => format!("{tool} was killed by {}", signal_name(*signal)),
            (None, None) => format!("{tool} failed"),
        },
        (Voice::Stopped | Voice::Tool(_), _) => return None,
    };
    Some(text)
}

/// `10 s`, `1.5 s`: a limit as the user gave it.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

/// The usual name of a signal number, e.g. `SIGKILL`.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(code: Option<i32>, signal: Option<i32>) -> Outcome {
        Outcome::Failed { code, signal }
    }

    #[test]
    fn signals_and_limits_read_as_words() {
        assert_eq!(signal_name(9), "SIGKILL");
        assert_eq!(signal_name(64), "signal 64");
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn the_log_says_how_every_run_ended() {
        let log = |outcome: &Outcome, timeout| describe(outcome, timeout, Voice::Log);
        let ten = Some(Duration::from_secs(10));
        assert_eq!(log(&Outcome::Succeeded, None).as_deref(), Some("exit 0"));
        assert_eq!(log(&failed(Some(2), None), None).as_deref(), Some("exit 2"));
        assert_eq!(
            log(&failed(None, Some(9)), None).as_deref(),
            Some("killed by SIGKILL")
        );
        assert_eq!(log(&failed(None, None), None).as_deref(), Some("failed"));
        assert_eq!(
            log(&Outcome::Cancelled, ten).as_deref(),
            Some("cancelled by the user")
        );
        assert_eq!(
            log(&Outcome::TimedOut, ten).as_deref(),
            Some("timed out after 10 s")
        );
        assert_eq!(log(&Outcome::TimedOut, None).as_deref(), Some("timed out"));
    }

    #[test]
    fn a_stop_is_an_error_and_nothing_else_is() {
        let stopped = |outcome: &Outcome, timeout| describe(outcome, timeout, Voice::Stopped);
        assert_eq!(
            stopped(&Outcome::TimedOut, Some(Duration::from_millis(1500))).as_deref(),
            Some("timed out after 1.5 s (--timeout)")
        );
        assert_eq!(
            stopped(&Outcome::Cancelled, None).as_deref(),
            Some("cancelled while running")
        );
        assert_eq!(stopped(&failed(Some(1), None), None), None);
        assert_eq!(stopped(&Outcome::Succeeded, None), None);
    }

    #[test]
    fn an_exit_names_the_tool_that_ran() {
        let tool = |outcome: &Outcome, name| describe(outcome, None, Voice::Tool(name));
        assert_eq!(
            tool(&failed(Some(8), None), "ctest").as_deref(),
            Some("ctest exited with status 8")
        );
        assert_eq!(
            tool(&failed(None, Some(9)), "cmake --build").as_deref(),
            Some("cmake --build was killed by SIGKILL")
        );
        assert_eq!(tool(&Outcome::Cancelled, "cmake"), None);
    }
}
