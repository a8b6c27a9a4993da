//! The seed: the detection results of a finished probe, and how they are planted in a fresh
//! build folder; and which projects are left to detect their toolchain themselves.

use std::io;
use std::path::Path;

/// The languages the probe detects, as cmake names them.
pub const LANGUAGES: [&str; 2] = ["C", "CXX"];

/// The file a probe's `snapshot.cmake` writes: the cache entries its detection made.
pub const ENTRIES_FILE: &str = "jobdeck-seed.cmake";

/// The cache entry that tells cmake the detection files in `CMakeFiles/<version>/` are its
/// own: without it, cmake removes them from a folder with no cache and detects again.
pub const PLATFORM_KNOWN: &str = "-DCMAKE_PLATFORM_INFO_INITIALIZED:INTERNAL=1";

/// What a seeded build folder gets, read once from the probe and written into each folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// cmake's version folder under `CMakeFiles`, e.g. `3.25.1`.
    pub version: String,
    /// File names and contents, written to `CMakeFiles/<version>/`.
    pub files: Vec<(String, Vec<u8>)>,
    /// Each detected compiler's program file, to tell when it changes.
    pub compilers: Vec<String>,
}

impl Seed {
    /// Reads the detection results of a probe whose build folder for language `LANG` is
    /// `<probe>/<lang>/build`; a language without its entries file (its probe failed) is
    /// left out.
    pub fn read(probe: &Path) -> Result<Self, String> {
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
            compilers.push(compiler_path(&detected, language).ok_or_else(|| {
                format!(
                    "{} names no {language} compiler",
                    info.join(&name).display()
                )
            })?);
            // cmake reads this file whenever the language is enabled: the cache entries the
            // detection made come first, then the detection's own variables, as when cmake
            // detects the compiler itself.
            let mut contents = format!(
                "# Seeded by jobdeck from its toolchain probe {}: the cache entries cmake's\n\
                 # detection made there, then the file that detection wrote.\n",
                probe.display()
            )
            .into_bytes();
            contents.extend_from_slice(&entries);
            contents.extend_from_slice(&detected);
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

    /// Writes the detection results into the fresh build folder `build_dir`.
    pub fn plant(&self, build_dir: &Path) -> io::Result<()> {
        let info = build_dir.join("CMakeFiles").join(&self.version);
        std::fs::create_dir_all(&info)?;
        for (name, contents) in &self.files {
            std::fs::write(info.join(name), contents)?;
        }
        Ok(())
    }
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

/// Whether the top-level `CMakeLists.txt` text may choose a compiler or toolchain before its
/// first `project()`: then what it detects may not be what the probe detected.
pub fn chooses_toolchain(cmakelists: &str) -> bool {
    let code = code_upper(cmakelists);
    let before = code
        .find("PROJECT(")
        .or_else(|| code.find("PROJECT ("))
        .map_or(code.as_str(), |at| &code[..at]);
    let words = before.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let mut previous = "";
    for word in words.filter(|word| !word.is_empty()) {
        let toolchain = word == "CMAKE_TOOLCHAIN_FILE"
            || word == "CMAKE_SYSROOT"
            || word == "CMAKE_CROSSCOMPILING"
            || word == "CMAKE_FIND_ROOT_PATH"
            || word == "CMAKE_AR"
            || word == "CMAKE_LINKER"
            || word == "CMAKE_RANLIB"
            || word == "CMAKE_MAKE_PROGRAM"
            || word.starts_with("CMAKE_SYSTEM_")
            || word.starts_with("CMAKE_OSX_")
            || word.starts_with("CMAKE_USER_MAKE_RULES_OVERRIDE")
            || word.starts_with("CMAKE_PROJECT_")
            || (word.starts_with("CMAKE_") && word.contains("_COMPILER"))
            || (word.starts_with("CMAKE_") && word.contains("_FLAGS"))
            // `set(ENV{CC} ...)`, and `include(...)` of a file that may do any of this.
            || (previous == "ENV" && ["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS", "PATH"].contains(&word))
            || word == "INCLUDE";
        if toolchain {
            return true;
        }
        previous = word;
    }
    false
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
    fn a_project_that_picks_its_compiler_first_is_not_seeded() {
        let picks = [
            "set(CMAKE_C_COMPILER clang)\nproject(p C)",
            "set(CMAKE_TOOLCHAIN_FILE t.cmake)\nproject(p)",
            "set(ENV{CC} clang)\nproject(p)",
            "include(toolchain.cmake)\nproject(p)",
            "SET(CMAKE_CXX_FLAGS_INIT -m32)\nPROJECT (p CXX)",
        ];
        for text in picks {
            assert!(chooses_toolchain(text), "{text}");
        }
        let plain = [
            "cmake_minimum_required(VERSION 3.10)\nproject(p C)\nset(CMAKE_C_COMPILER x)",
            "# set(CMAKE_C_COMPILER clang)\nproject(p C)",
            "set(CMAKE_CXX_STANDARD 17)\nproject(p CXX)",
        ];
        for text in plain {
            assert!(!chooses_toolchain(text), "{text}");
        }
    }

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
    fn the_compiler_path_is_read_from_the_detection_file() {
        let file = b"set(CMAKE_C_COMPILER \"/usr/bin/cc\")\nset(CMAKE_C_COMPILER_ARG1 \"\")\n";
        assert_eq!(compiler_path(file, "C").as_deref(), Some("/usr/bin/cc"));
        assert_eq!(compiler_path(file, "CXX"), None);
    }
}
