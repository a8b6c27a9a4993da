//! Whether a configured build folder holds downloads still to come: a superbuild's
//! `ExternalProject` steps that fetch a URL or clone a repository when the build runs.
//!
//! CMake writes each such step's script at configure time: `download-<name>.cmake` for a URL
//! (not for a local path or a `file://` URL, which are only extracted), `<name>-gitclone.cmake`
//! or `<name>-hgclone.cmake` for a repository; and a step that ran leaves its stamp,
//! `<name>-download`. How long the download will take nothing here can tell: a second with
//! a network, 85 s of CMake's back-off without one (`download_wait.rs`). So the build is
//! started early rather than estimated. The folders are read as cmake wrote them, whatever
//! `PREFIX`, `EP_BASE` or `STAMP_DIR` the project chose, as long as they lie in the build
//! folder; one outside it is not seen, and the build keeps its turn.

use std::collections::BTreeSet;
use std::path::Path;

/// The most entries looked at: a build folder just configured holds a few hundred outside
/// its `CMakeFiles` folders; a huge one is not walked whole for a hint.
const MOST_ENTRIES: usize = 20_000;

/// Whether `build_dir` holds a download script of a step whose stamp is not there yet.
pub(super) fn pending(build_dir: &Path) -> bool {
    let mut scripts = BTreeSet::new();
    let mut stamps = BTreeSet::new();
    let mut folders = vec![build_dir.to_path_buf()];
    let mut seen = 0;
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MOST_ENTRIES {
                return false;
            }
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                // cmake's own files per target: never an ExternalProject's step folder.
                if name != "CMakeFiles" {
                    folders.push(entry.path());
                }
            } else if let Some(step) = step_of_script(name) {
                scripts.insert(step.to_owned());
            } else if let Some(step) = name.strip_suffix("-download") {
                stamps.insert(step.to_owned());
            }
        }
    }
    scripts.difference(&stamps).next().is_some()
}

/// The step a download script file is named after, if `file` is one.
fn step_of_script(file: &str) -> Option<&str> {
    let script = file.strip_suffix(".cmake")?;
    script
        .strip_prefix("download-")
        .or_else(|| script.strip_suffix("-gitclone"))
        .or_else(|| script.strip_suffix("-hgclone"))
        .filter(|step| !step.is_empty())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::{pending, step_of_script};

    fn touch(root: &Path, path: &str) {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        fs::write(path, "").expect("a file");
    }

    #[test]
    fn scripts_are_named_after_their_step() {
        assert_eq!(
            step_of_script("download-fftw3_external.cmake"),
            Some("fftw3_external")
        );
        assert_eq!(step_of_script("g-gitclone.cmake"), Some("g"));
        assert_eq!(step_of_script("h-hgclone.cmake"), Some("h"));
        assert_eq!(step_of_script("extract-dep.cmake"), None);
        assert_eq!(step_of_script("download-.cmake"), None);
        assert_eq!(step_of_script("download-x.txt"), None);
    }

    #[test]
    fn a_script_without_its_stamp_is_a_download_to_come() {
        let dir = tempfile::tempdir().expect("a folder");
        let root = dir.path();
        touch(root, "CMakeCache.txt");
        assert!(!pending(root), "a plain project");
        // As cmake 3.25 lays out an `EP_BASE` superbuild (chapter-08/recipe-03).
        touch(root, "subprojects/Stamp/fftw3/download-fftw3.cmake");
        touch(root, "subprojects/Stamp/fftw3/extract-fftw3.cmake");
        assert!(pending(root));
        touch(root, "subprojects/Stamp/fftw3/fftw3-download");
        assert!(!pending(root), "downloaded by an earlier build");
        touch(root, "g-prefix/tmp/g-gitclone.cmake");
        assert!(pending(root), "a clone to come");
        touch(root, "g-prefix/src/g-stamp/g-download");
        assert!(!pending(root));
    }

    #[test]
    fn cmakes_own_folders_are_not_read() {
        let dir = tempfile::tempdir().expect("a folder");
        touch(dir.path(), "CMakeFiles/x.dir/download-x.cmake");
        assert!(!pending(dir.path()));
    }
}
