//! The seed: the detection results of a finished probe, and how they are planted in a fresh
//! build folder; and which projects have nothing to seed.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// The languages the probe detects, as cmake names them.
pub const LANGUAGES: [&str; 2] = ["C", "CXX"];

/// The file a probe's `snapshot.cmake` writes: the cache entries its detection made.
pub const ENTRIES_FILE: &str = "jobdeck-seed.cmake";

/// The file a probe's `check.cmake` writes: the check a seeded configure runs first.
pub const CHECK_FILE: &str = "jobdeck-check.cmake";

/// The cache entry that tells cmake the detection files in `CMakeFiles/<version>/` are its
/// own: without it, cmake removes them from a folder with no cache and detects again.
pub const PLATFORM_KNOWN: &str = "-DCMAKE_PLATFORM_INFO_INITIALIZED:INTERNAL=1";

/// The word a seeded configure stops with (`message(FATAL_ERROR "<marker> <LANG> <what
/// differed>")`) when its own state at the start of a language's detection is not the
/// probe's: jobdeck then configures the folder again without a seed.
pub const MARKER: &str = "jobdeck-unseed:";

/// The environment variables cmake reads a language's compiler and flags from.
pub fn environment_names(language: &str) -> (&'static str, &'static str) {
    match language {
        "CXX" => ("CXX", "CXXFLAGS"),
        _ => ("CC", "CFLAGS"),
    }
}

/// What the seeded configure stopped for, if the log `text` holds the marker: the
/// language and the variables that differed, e.g. `C CMAKE_C_COMPILER`.
pub fn mismatch(text: &str) -> Option<String> {
    let at = text.find(MARKER)?;
    let rest = &text[at + MARKER.len()..];
    // cmake indents a long message over several lines; the marker's own line says enough.
    Some(rest.lines().next().unwrap_or("").trim().to_string())
}

/// Ends a seeded `CMake<LANG>Compiler.cmake`: on a first configure outside a `try_compile`,
/// cmake's own detection puts the compiler into the environment (`CC`, `CXX`) for the rest
/// of the configure unless policy CMP0132 is `NEW` (`cmGlobalGenerator::EnableLanguage`);
/// configure-time sub-builds read it, so a seeded configure does the same.
const ENVIRONMENT_TAIL: &str = "
if(_jobdeck_first AND NOT CMAKE_GENERATOR_NO_COMPILER_ENV)
  set(_jobdeck_policy OLD)
  if(POLICY CMP0132)
    cmake_policy(GET CMP0132 _jobdeck_policy)
  endif()
  string(COMPARE EQUAL \"${_jobdeck_policy}\" NEW _jobdeck_policy)
  if(NOT _jobdeck_policy)
    set(ENV{@COMPILER_ENV@} \"${CMAKE_@LANGUAGE@_COMPILER}\")
  endif()
  unset(_jobdeck_policy)
endif()
unset(_jobdeck_first)
unset(_jobdeck_own)
";

/// Starts a seeded `CMake<LANG>Compiler.cmake`: whether cmake loads it for the folder it is
/// in (`_jobdeck_own`; a `try_compile` loads it from its own folder, and
/// `CMAKE_IN_TRY_COMPILE` is not set yet when it does), and whether that is the folder's
/// first configure (`_jobdeck_first`: no cache written yet), where plain cmake would run
/// its detection.
const PRELUDE: &str = "string(COMPARE EQUAL \"${CMAKE_CURRENT_LIST_DIR}\"
  \"${CMAKE_BINARY_DIR}/CMakeFiles/${CMAKE_VERSION}\" _jobdeck_own)
set(_jobdeck_first ${_jobdeck_own})
if(EXISTS \"${CMAKE_BINARY_DIR}/CMakeCache.txt\")
  set(_jobdeck_first 0)
endif()
";

/// What a seeded build folder gets, read once from the probe and written into each folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// cmake's version folder under `CMakeFiles`, e.g. `3.25.1`.
    pub version: String,
    /// File names and contents, written to `CMakeFiles/<version>/`.
    pub files: Vec<(String, Vec<u8>)>,
    /// Each detected language and its compiler's program file, to tell when it changes.
    pub compilers: Vec<(&'static str, String)>,
}

impl Seed {
    /// Reads the detection results of a probe whose build folder for language `LANG` is
    /// `<probe>/<lang>/build`; a language without its entries file (its probe failed) is
    /// left out.
    /// `key` is the probe's key folder, named in each seeded file (not `probe` itself, a
    /// scratch folder while the probe is made).
    pub fn read(probe: &Path, key: &str) -> Result<Self, String> {
        let mut version = None;
        let mut files = Vec::new();
        let mut compilers = Vec::new();
        for language in LANGUAGES {
            let build = probe.join(language.to_lowercase()).join("build");
            if !build.join(ENTRIES_FILE).is_file() {
                continue;
            }
            let found = version_folder(&build.join("CMakeFiles"), language)?;
            if version.as_ref().is_some_and(|v| *v != found) {
                return Err(format!("two cmake versions in one probe: {found}"));
            }
            let info = build.join("CMakeFiles").join(&found);
            let name = format!("CMake{language}Compiler.cmake");
            let detected = read(&info.join(&name))?;
            let entries = read(&build.join(ENTRIES_FILE))?;
            let check = read(&build.join(CHECK_FILE))?;
            let compiler = compiler_path(&detected, language).ok_or_else(|| {
                format!(
                    "{} names no {language} compiler",
                    info.join(&name).display()
                )
            })?;
            compilers.push((language, compiler));
            // cmake reads this file whenever the language is enabled: the probe's check of
            // this configure's state and the cache entries the detection made come first,
            // then the detection's own variables, as when cmake detects the compiler
            // itself, then what cmake does to the environment right after a detection.
            let mut contents = format!(
                "# Seeded by jobdeck from its toolchain probe {key}: the check that this\n\
                 # configure would detect what the probe detected, the cache entries cmake's\n\
                 # detection made there, then the file that detection wrote.\n"
            )
            .into_bytes();
            if entries.is_empty() || detected.is_empty() || check.is_empty() {
                return Err(format!("the probe's {language} detection files are empty"));
            }
            contents.extend_from_slice(PRELUDE.as_bytes());
            contents.extend_from_slice(&check);
            contents.extend_from_slice(&entries);
            contents.extend_from_slice(&detected);
            contents.extend_from_slice(
                ENVIRONMENT_TAIL
                    .replace("@LANGUAGE@", language)
                    .replace("@COMPILER_ENV@", environment_names(language).0)
                    .as_bytes(),
            );
            files.push((name, contents));
            let abi = format!("CMakeDetermineCompilerABI_{language}.bin");
            if let Ok(bytes) = std::fs::read(info.join(&abi)) {
                files.push((abi, bytes));
            }
            version = Some(found);
        }
        let version = version.ok_or_else(|| "the probe detected no language".to_string())?;
        Ok(Self {
            version,
            files,
            compilers,
        })
    }

    /// Each seeded file's name, size and checksum, one line each: kept beside a probe when
    /// it is made, and compared before the probe is used again, so a seed file that was cut
    /// short or changed since is never planted.
    pub fn manifest(&self) -> String {
        let mut manifest = String::new();
        for (name, contents) in &self.files {
            let _ = writeln!(
                manifest,
                "{name} {} {:016x}",
                contents.len(),
                super::key::fnv1a(contents)
            );
        }
        manifest
    }

    /// Writes the detection results into the fresh build folder `build_dir` (no cache),
    /// after removing any detection files an earlier configure left there: without a
    /// cache, plain cmake detects the system and the compilers again, so a seeded
    /// configure starts from nothing but the seed.
    pub fn plant(&self, build_dir: &Path) -> io::Result<()> {
        clear_detection(build_dir)?;
        let info = build_dir.join("CMakeFiles").join(&self.version);
        std::fs::create_dir_all(&info)?;
        for (name, contents) in &self.files {
            write_atomically(&info.join(name), contents)?;
        }
        Ok(())
    }

    /// After a seeded configure that cmake did not stop for a mismatch: leaves the folder as
    /// plain cmake would have, and says whether the configure used the seed (its cache names
    /// the compiler of a language the seed holds).
    ///
    /// The seed of each language the project did not enable (its cache names no compiler
    /// for it) is removed, so a later configure that enables it detects it as plain cmake
    /// would. When cmake never started enabling a language (a configure that failed before
    /// `project()`: the system detection that starts it left no `CMAKE_UNAME` entry nor
    /// `CMakeSystem.cmake`), the platform entry jobdeck gave on the command line
    /// ([`PLATFORM_KNOWN`]) leaves the cache: plain cmake makes it only there.
    pub fn settle(&self, build_dir: &Path) -> bool {
        let cache_file = build_dir.join("CMakeCache.txt");
        let Ok(cache) = std::fs::read_to_string(&cache_file) else {
            return false;
        };
        let info = build_dir.join("CMakeFiles").join(&self.version);
        let mut used = false;
        for language in LANGUAGES {
            let name = format!("CMake{language}Compiler.cmake");
            let entry = format!("CMAKE_{language}_COMPILER:");
            if cache.lines().any(|line| line.starts_with(&entry)) {
                used |= self.files.iter().any(|(file, _)| *file == name);
                continue;
            }
            let _ = std::fs::remove_file(info.join(&name));
            let _ = std::fs::remove_file(
                info.join(format!("CMakeDetermineCompilerABI_{language}.bin")),
            );
        }
        let system_detected = cache.lines().any(|line| line.starts_with("CMAKE_UNAME:"))
            || info.join("CMakeSystem.cmake").is_file();
        if !system_detected && let Some(plain) = without_platform_entry(&cache) {
            let _ = write_atomically(&cache_file, plain.as_bytes());
        }
        used
    }
}

/// The cache text `cache` without the entry [`PLATFORM_KNOWN`] made (its line and the
/// comment lines above it); `None` when it holds no such entry.
fn without_platform_entry(cache: &str) -> Option<String> {
    let name = PLATFORM_KNOWN
        .trim_start_matches("-D")
        .split(':')
        .next()
        .unwrap_or_default();
    let lines: Vec<&str> = cache.split_inclusive('\n').collect();
    let at = lines
        .iter()
        .position(|line| line.split(':').next() == Some(name))?;
    let mut first = at;
    while first > 0 && lines[first - 1].starts_with("//") {
        first -= 1;
    }
    let mut last = at + 1;
    if lines.get(last).is_some_and(|line| line.trim().is_empty()) {
        last += 1;
    }
    Some([&lines[..first], &lines[last..]].concat().concat())
}

/// Takes a build folder back to no configure at all: its cache and `CMakeFiles` go (what a
/// configure stopped by the seed's check wrote).
pub fn clear(build_dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(build_dir.join("CMakeCache.txt")) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    match std::fs::remove_dir_all(build_dir.join("CMakeFiles")) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Removes `CMakeFiles/<version>/` folders (`CMakeSystem.cmake`, `CMake<LANG>Compiler.cmake`
/// of an earlier configure, of any cmake version).
fn clear_detection(build_dir: &Path) -> io::Result<()> {
    let Ok(entries) = std::fs::read_dir(build_dir.join("CMakeFiles")) else {
        return Ok(());
    };
    for entry in entries.filter_map(Result::ok) {
        let is_version = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_digit()));
        if is_version && entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `contents` to `path` through a temporary file and a rename, so no reader ever
/// sees a part of it.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_os_string();
    temporary.push(format!(".jobdeck-{}.tmp", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    std::fs::write(&temporary, contents)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// Whether the top-level `CMakeLists.txt` text declares `project(<name> NONE)` and enables
/// no language itself: such a project has nothing to seed (a language enabled further down
/// is then detected by cmake, as without a seed).
pub fn enables_no_language(cmakelists: &str) -> bool {
    let code = code_upper(cmakelists);
    let Some(at) = code.find("PROJECT(").or_else(|| code.find("PROJECT (")) else {
        return false;
    };
    let arguments = code[at..]
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(arguments, _)| arguments);
    // The first argument is the project's name.
    arguments
        .split_whitespace()
        .skip(1)
        .any(|word| word == "NONE")
        && !code.contains("ENABLE_LANGUAGE")
}

/// The text without comments, in upper case: CMake commands are case-insensitive.
fn code_upper(cmakelists: &str) -> String {
    cmakelists
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_uppercase()
}

/// The one version folder under `cmake_files` that holds `CMake<language>Compiler.cmake`.
fn version_folder(cmake_files: &Path, language: &str) -> Result<String, String> {
    let entries = std::fs::read_dir(cmake_files)
        .map_err(|err| format!("cannot read {}: {err}", cmake_files.display()))?;
    let name = format!("CMake{language}Compiler.cmake");
    entries
        .filter_map(Result::ok)
        .find(|entry| entry.path().join(&name).is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .ok_or_else(|| format!("the probe wrote no {name} in {}", cmake_files.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))
}

/// The compiler named by `set(CMAKE_<LANG>_COMPILER "<path>")` in a detection file.
fn compiler_path(detected: &[u8], language: &str) -> Option<String> {
    let text = String::from_utf8_lossy(detected);
    let prefix = format!("set(CMAKE_{language}_COMPILER \"");
    text.lines()
        .find_map(|line| line.trim().strip_prefix(&prefix))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_without_languages_has_nothing_to_seed() {
        assert!(enables_no_language("project(p NONE)"));
        assert!(enables_no_language(
            "Project(p VERSION 1.0 LANGUAGES NONE)\nmessage(hi)"
        ));
        assert!(!enables_no_language("project(p NONE)\nenable_language(C)"));
        assert!(!enables_no_language("project(p C)"));
        assert!(!enables_no_language("project(none_at_all)"));
        assert!(!enables_no_language("project(NONE C)"));
        assert!(!enables_no_language("message(no project)"));
    }

    #[test]
    fn the_platform_entry_leaves_the_cache_with_its_comment() {
        let cache = "//Help of A\nA:STRING=1\n\n//No help, variable specified on the \
                     command line.\nCMAKE_PLATFORM_INFO_INITIALIZED:INTERNAL=1\n\n\
                     //Help of B\n// more\nB:BOOL=ON\n\n";
        assert_eq!(
            without_platform_entry(cache).as_deref(),
            Some("//Help of A\nA:STRING=1\n\n//Help of B\n// more\nB:BOOL=ON\n\n")
        );
        assert_eq!(without_platform_entry("A:STRING=1\n"), None);
    }

    #[test]
    fn the_compiler_path_is_read_from_the_detection_file() {
        let file = b"set(CMAKE_C_COMPILER \"/usr/bin/cc\")\nset(CMAKE_C_COMPILER_ARG1 \"\")\n";
        assert_eq!(compiler_path(file, "C").as_deref(), Some("/usr/bin/cc"));
        assert_eq!(compiler_path(file, "CXX"), None);
    }
}
