//! What a CMake run's output says of the time it still needs: a download that failed and is
//! retried on CMake's fixed back-off.
//!
//! `ExternalProject`'s download step (`Modules/ExternalProject/download.cmake.in`, the same
//! in CMake 3.25 and 4.4) tries a URL six times when the failure is one it retries (curl
//! codes 6, 7, 8, 15, and in 4.4 also 28 and 35: no host name, no connection, a timeout):
//! attempt 1 at once (`-- Retrying...`), then before attempts 2 to 5 it prints
//! `-- Retry after N seconds (attempt #k) ...` and sleeps 5, 5, 15 and 60 s, and after the
//! sixth failure it stops with `Each download failed!`. Once two attempts have failed so (the
//! line of attempt 2), the run is taken to need the sleeps still to come: a host that
//! cannot be found twice in a row (a machine without network) is not found the next times
//! either, and 85 s of a build that otherwise takes seconds is what the estimate cannot guess.
//! A download that then succeeds says `-- Downloading... done`, which ends that wait.
//!
//! CMake 4 prints these at the `VERBOSE` log level, which `ExternalProject`'s build step asks
//! for (`-DCMAKE_MESSAGE_LOG_LEVEL=VERBOSE`); a `FetchContent` at configure time shows them
//! only with `--log-level=VERBOSE` (or, in 3.x, `FETCHCONTENT_QUIET=OFF`). Under Ninja a
//! step's output comes only when the step ends, unless it uses the terminal: then nothing is
//! said in time and the estimate is what it was.

use std::time::Duration;

/// The sleep before attempts 2 to 5 (`sleep_before_download`); attempt 1 does not sleep.
const BACK_OFF: [(u32, u64); 4] = [(2, 5), (3, 5), (4, 15), (5, 60)];

/// The time the run still needs, as `line` announces it; `Some(ZERO)` when the line ends a
/// wait an earlier line announced; `None` for every other line.
pub(super) fn announced_wait(line: &str) -> Option<Duration> {
    let message = line.trim_start().strip_prefix("-- ")?;
    if message.trim_end() == "Downloading... done" {
        return Some(Duration::ZERO);
    }
    // `Retry after 5 seconds (attempt #2) ...`
    let rest = message.strip_prefix("Retry after ")?;
    let (seconds, rest) = rest.split_once(" seconds (attempt #")?;
    let (attempt, _) = rest.split_once(')')?;
    let seconds: u64 = seconds.parse().ok()?;
    let attempt: u32 = attempt.parse().ok()?;
    let later: u64 = BACK_OFF
        .iter()
        .filter(|&&(next, _)| next > attempt)
        .map(|&(_, sleep)| sleep)
        .sum();
    Some(Duration::from_secs(seconds.saturating_add(later)))
}

#[cfg(test)]
mod tests {
    use super::announced_wait;
    use std::time::Duration;

    /// The lines of a real build log (CMake 3.25, a superbuild without network).
    #[test]
    fn the_back_off_still_to_come_is_read_from_cmakes_own_lines() {
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(announced_wait("-- Retrying..."), None, "one failure only");
        assert_eq!(
            announced_wait("-- Retry after 5 seconds (attempt #2) ..."),
            secs(85)
        );
        assert_eq!(
            announced_wait("-- Retry after 5 seconds (attempt #3) ..."),
            secs(80)
        );
        assert_eq!(
            announced_wait("-- Retry after 15 seconds (attempt #4) ..."),
            secs(75)
        );
        assert_eq!(
            announced_wait("-- Retry after 60 seconds (attempt #5) ..."),
            secs(60)
        );
        // A changed schedule: its own sleep, nothing more.
        assert_eq!(
            announced_wait("-- Retry after 1200 seconds (attempt #8) ..."),
            secs(1200)
        );
        assert_eq!(
            announced_wait("-- Retry after 18446744073709551615 seconds (attempt #2) ..."),
            secs(u64::MAX),
            "no overflow"
        );
        assert_eq!(
            announced_wait("-- Downloading... done"),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn other_lines_announce_nothing() {
        for line in [
            "",
            "-- Using src='http://www.fftw.org/fftw-3.3.8.tar.gz'",
            "-- Downloading...",
            "Retry after 5 seconds (attempt #2) ...",
            "-- Retry after x seconds (attempt #2) ...",
            "-- Retry after 5 seconds (attempt #) ...",
            "-- Retry after 99999999999999999999 seconds (attempt #2) ...",
            "[ 12%] Performing download step (download, verify and extract) for 'fftw3'",
        ] {
            assert_eq!(announced_wait(line), None, "{line:?}");
        }
    }
}
