//! A failed `ExternalProject` download as one short line.
//!
//! The download step's script (`Modules/ExternalProject/download.cmake.in`, the same in
//! CMake 3.25 and 4.4) fails with `Each download failed!` and, for every failed try, a
//! record of it: `error: downloading '<url>' failed`, `status_code: 6`, `status_string:
//! "Couldn't resolve host name"` and curl's own log between `--- LOG BEGIN ---` and
//! `--- LOG END ---`. Six tries without network make a message of 90 lines, and its first
//! 300 characters, one try and half its log, took more than two lines at 80 columns even
//! with the URL's folders taken out (the end that says where, cut off). What tells the
//! reader is how many tries failed, the URL of the last and how it failed; the rest stays
//! in the log.

use std::path::Path;

use crate::jobs::summaries;

/// The line CMake's download script starts its error with.
const EACH_FAILED: &str = "Each download failed!";

/// `Each download failed (6 tries), the last: 'http://h/x.tgz' status 6 "Couldn't resolve
/// host name" — download-x.cmake:170 (message)` for the first `Each download failed!` error
/// in `log` (a build's: `ExternalProject`); `None` when the log has none, or no failed try
/// is recorded in it (a download whose file never matched its hash).
pub(super) fn summary(log: &Path) -> Option<String> {
    let (header, message) = read(log)?;
    Some(format!("{message} — {}", short_place(&header)))
}

/// [`summary`]'s message alone, for a configure's error (`FetchContent`), whose place is the
/// project's own frame.
pub(super) fn message(log: &Path) -> Option<String> {
    read(log).map(|(_, message)| message)
}

/// The place in the first `Each download failed!` error's header and the error said short.
fn read(log: &Path) -> Option<(String, String)> {
    let mut lines = summaries::lines(log)?;
    // `CMake Error at /b/p/subprojects/Stamp/x/download-x.cmake:170 (message):`, then the
    // message's first line.
    let mut header = None;
    for line in lines.by_ref() {
        if let Some(place) = line.strip_prefix("CMake Error at ") {
            header = place.strip_suffix(':').map(str::to_string);
        } else if header.is_some() && line.trim() == EACH_FAILED {
            break;
        } else if !line.trim().is_empty() {
            header = None;
        }
    }
    let header = header?;
    let mut tries = Tries::default();
    // The message is every indented line up to the next unindented one.
    for line in lines {
        if !line.is_empty() && !line.starts_with(' ') {
            break;
        }
        tries.hear(line.trim());
    }
    let (url, code, status) = tries.last?;
    let tries = match tries.count {
        1 => "1 try".to_string(),
        count => format!("{count} tries"),
    };
    let message =
        format!("Each download failed ({tries}), the last: '{url}' status {code} {status}");
    Some((header, message))
}

/// The failed tries a download error records, as far as read.
#[derive(Default)]
struct Tries {
    count: usize,
    /// The last try's URL, status code and status string (quoted).
    last: Option<(String, String, String)>,
    /// Within a try's curl log, whose lines are curl's, not the record's.
    in_log: bool,
}

impl Tries {
    fn hear(&mut self, line: &str) {
        if self.in_log {
            self.in_log = line != "--- LOG END ---";
            return;
        }
        if line == "--- LOG BEGIN ---" {
            self.in_log = true;
        } else if let Some(url) = line
            .strip_prefix("error: downloading '")
            .and_then(|rest| rest.strip_suffix("' failed"))
        {
            self.count += 1;
            self.last = Some((url.to_string(), "?".to_string(), String::new()));
        } else if let Some((_, code, _)) = self.last.as_mut()
            && let Some(value) = line.strip_prefix("status_code: ")
        {
            *code = value.to_string();
        } else if let Some((.., status)) = self.last.as_mut()
            && let Some(value) = line.strip_prefix("status_string: ")
        {
            let value = value.trim_matches('"');
            *status = format!("\"{value}\"");
        }
    }
}

/// `/b/p/subprojects/Stamp/x/download-x.cmake:170 (message)` as `download-x.cmake:170
/// (message)`: the script is cmake's, in the build folder; its name says which download.
fn short_place(place: &str) -> &str {
    let (path, _) = place.rsplit_once(" (").unwrap_or((place, ""));
    match path.rfind('/') {
        Some(at) => &place[at + 1..],
        None => place,
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    fn with_log<T>(text: &str, read: impl FnOnce(&std::path::Path) -> T) -> T {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "jobdeck-download-error-{}-{n}.log",
            std::process::id()
        ));
        std::fs::write(&path, text).expect("write temp log");
        let result = read(&path);
        std::fs::remove_file(&path).expect("remove temp log");
        result
    }

    /// One try's record as CMake writes it (3.25 and 4.4): indented under the message.
    fn record(url: &str, code: u32, status: &str, curl: &str) -> String {
        format!(
            "          error: downloading '{url}' failed\n\
             \x20         status_code: {code}\n\
             \x20         status_string: \"{status}\"\n\
             \x20         log:\n\
             \x20         --- LOG BEGIN ---\n\
             \x20         {curl}\n\n\
             \x20 Closing connection 0\n\n\x20 \n\n\
             \x20         --- LOG END ---\n"
        )
    }

    const HEADER: &str = "CMake Error at /b/p/subprojects/Stamp/boost_external/\
                          download-boost_external.cmake:170 (message):\n  Each download failed!\n\n";

    #[test]
    fn six_tries_without_network_say_how_many_the_url_and_how_the_last_failed() {
        let url = "https://sourceforge.net/projects/boost/files/boost/1.61.0/boost_1_61_0.zip";
        let mut log = String::from(
            "$ cmake --build /b/p\n-- Using src='x'\n-- Retry after 5 seconds (attempt #2) ...\n",
        );
        log.push_str(HEADER);
        for _ in 0..6 {
            log.push_str(&record(
                url,
                6,
                "Couldn't resolve host name",
                "Could not resolve host: sourceforge.net",
            ));
        }
        log.push_str(
            "\n\ngmake[2]: *** [CMakeFiles/boost_external.dir/build.make:99: x] Error 1\n",
        );
        assert_eq!(
            with_log(&log, summary).as_deref(),
            Some(
                "Each download failed (6 tries), the last: 'https://sourceforge.net/projects/boost/\
                 files/boost/1.61.0/boost_1_61_0.zip' status 6 \"Couldn't resolve host name\" — \
                 download-boost_external.cmake:170 (message)"
            )
        );
    }

    #[test]
    fn the_last_try_is_named_and_curls_own_lines_are_not_read_as_the_record() {
        let mut log = String::from(HEADER);
        log.push_str(&record(
            "http://a/x.tgz",
            7,
            "Couldn't connect to server",
            "x",
        ));
        log.push_str(&record(
            "http://b/x.tgz",
            22,
            "HTTP response code said error",
            "status_code: 99",
        ));
        assert_eq!(
            with_log(&log, summary).as_deref(),
            Some(
                "Each download failed (2 tries), the last: 'http://b/x.tgz' status 22 \"HTTP \
                 response code said error\" — download-boost_external.cmake:170 (message)"
            )
        );
        let one = format!(
            "{HEADER}{}",
            record("file:///no/x.tgz", 37, "Couldn't read", "x")
        );
        assert!(
            with_log(&one, summary).expect("a summary").starts_with(
                "Each download failed (1 try), the last: 'file:///no/x.tgz' status 37"
            )
        );
    }

    #[test]
    fn other_errors_and_a_download_without_a_record_are_left_alone() {
        for log in [
            "CMake Error at CMakeLists.txt:3 (message):\n  p06: deliberate failure\n".to_string(),
            // A hash that never matched: no try is recorded.
            format!("{HEADER}  \n\ngmake[2]: *** [x] Error 1\n"),
            // The words, but not under an error's header.
            format!(
                "  Each download failed!\n{}",
                record("http://a/x", 6, "s", "x")
            ),
            String::new(),
        ] {
            assert_eq!(with_log(&log, summary), None, "{log}");
        }
    }
}
