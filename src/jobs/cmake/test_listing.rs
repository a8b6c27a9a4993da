//! A project's test listing kept from one session to the next, so an unchanged build is not
//! listed by ctest again (`ctest --show-only=json-v1` costs a ctest start, 20 to 60 ms, at
//! the head of every test stage).
//!
//! The listing is kept beside the stage's log with its key: the exact text of what decides
//! it, compared byte for byte. That is the ctest program (its resolved path, size, inode and
//! modification time) and every `CTestTestfile.cmake` ctest reads for the build folder (the
//! top one and those its `subdirs(…)` name, with their paths), and `CTestCustom.cmake` (or
//! `.ctest`) when there is one. A listing is only kept when those files hold nothing but
//! what cmake writes for plain tests (`add_test`, `set_tests_properties`, `subdirs`,
//! comments): anything else (an `include()`, as `gtest_discover_tests` writes, an `if()` of
//! a multi-configuration generator) could read other files or the environment, so such a
//! build is listed by ctest every time.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::test_list::{self, TestInfo};
use crate::engine::RunCtx;

/// The tests of `build_dir` as `ctest` lists them, from `kept` when its key still holds;
/// a fresh listing is kept there when the build's files allow it. Never with a launcher:
/// ctest runs elsewhere then, whose program and files the key cannot see.
pub fn list(
    ctest: &OsStr,
    build_dir: &Path,
    kept: &Path,
    ctx: &RunCtx,
) -> Result<Vec<TestInfo>, String> {
    let key = ctx
        .launcher()
        .is_none()
        .then(|| key(ctest, build_dir))
        .flatten();
    if let Some(key) = &key
        && let Some(text) = read_kept(kept, key)
        && let Ok(tests) = test_list::parse(&text)
    {
        return Ok(tests);
    }
    let text = test_list::listing(ctest, build_dir, ctx)?;
    let tests = test_list::parse(&text)?;
    if let Some(key) = key {
        let record = serde_json::json!({ "key": key, "listing": text });
        // Only a saving: a listing that cannot be kept is listed again next time.
        let _ = std::fs::write(kept, record.to_string());
    }
    Ok(tests)
}

fn read_kept(kept: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(kept).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    (value.get("key")?.as_str()? == key).then_some(())?;
    Some(value.get("listing")?.as_str()?.to_string())
}

/// The text that decides the listing of `build_dir` by `ctest`, or `None` when it cannot be
/// known from files alone (see the module's comment).
fn key(ctest: &OsStr, build_dir: &Path) -> Option<String> {
    let program = resolve(ctest)?;
    let meta = std::fs::metadata(&program).ok()?;
    let mut key = format!(
        "ctest {} {} {} {}.{}\nbuild {}\n",
        program.display(),
        meta.len(),
        meta.ino(),
        meta.mtime(),
        meta.mtime_nsec(),
        build_dir.display()
    );
    for custom in ["CTestCustom.cmake", "CTestCustom.ctest"] {
        let path = build_dir.join(custom);
        if path.exists() {
            add_file(&mut key, &path)?;
        }
    }
    let mut folders = vec![build_dir.to_path_buf()];
    let mut read = 0_usize;
    while let Some(folder) = folders.pop() {
        read += 1;
        if read > 10_000 {
            return None;
        }
        let path = folder.join("CTestTestfile.cmake");
        if !path.exists() {
            // ctest skips a folder without one; so does the key, by naming it.
            let _ = writeln!(key, "none {}", path.display());
            continue;
        }
        let text = add_file(&mut key, &path)?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("add_test(")
                || line.starts_with("set_tests_properties(")
            {
                continue;
            }
            let sub = line.strip_prefix("subdirs(\"")?.strip_suffix("\")")?;
            if sub.contains(['"', '\\', '$']) {
                return None;
            }
            folders.push(folder.join(sub));
        }
    }
    Some(key)
}

/// Adds `path` and its whole text to `key`; returns the text.
fn add_file(key: &mut String, path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let _ = writeln!(key, "file {} {}\n{text}", path.display(), text.len());
    Some(text)
}

/// The file `program` names: itself when it has a `/`, else the first executable of that
/// name on `PATH`, as the spawn will find it; with links resolved.
fn resolve(program: &OsStr) -> Option<PathBuf> {
    let path = Path::new(program);
    let found = if path.components().count() > 1 {
        path.to_path_buf()
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join(program))
            .find(|candidate| {
                std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
            })?
    };
    std::fs::canonicalize(found).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_with(top: &str, sub: Option<&str>) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temp folder");
        let build = dir.path().to_path_buf();
        std::fs::write(build.join("CTestTestfile.cmake"), top).expect("write");
        if let Some(sub) = sub {
            std::fs::create_dir(build.join("sub")).expect("mkdir");
            std::fs::write(build.join("sub/CTestTestfile.cmake"), sub).expect("write");
        }
        (dir, build)
    }

    const TOP: &str = "# CMake generated Testfile\n\
        add_test([=[a]=] \"true\")\n\
        set_tests_properties([=[a]=] PROPERTIES  TIMEOUT \"3\")\n\
        subdirs(\"sub\")\n";

    #[test]
    fn the_key_holds_every_testfile_ctest_reads_and_changes_with_any() {
        let sh = OsStr::new("sh");
        let (_dir, build) = build_with(TOP, Some("add_test([=[b]=] \"true\")\n"));
        let first = key(sh, &build).expect("plain files give a key");
        assert!(first.contains("add_test([=[b]=]"), "{first}");
        assert_eq!(key(sh, &build).as_deref(), Some(first.as_str()));
        std::fs::write(
            build.join("sub/CTestTestfile.cmake"),
            "add_test([=[c]=] \"true\")\n",
        )
        .expect("write");
        assert_ne!(key(sh, &build).expect("a key"), first);
        std::fs::write(build.join("CTestCustom.cmake"), "set(X 1)\n").expect("write");
        assert!(key(sh, &build).expect("a key").contains("set(X 1)"));
    }

    #[test]
    fn files_that_may_read_more_than_themselves_give_no_key() {
        let sh = OsStr::new("sh");
        for top in [
            "include(\"/b/t_include.cmake\")\n",
            "if(CTEST_CONFIGURATION_TYPE MATCHES \"^([Dd]ebug)$\")\n",
            "subdirs(\"${X}\")\n",
        ] {
            let (_dir, build) = build_with(top, None);
            assert_eq!(key(sh, &build), None, "{top}");
        }
        let (_dir, build) = build_with(TOP, None);
        assert!(key(OsStr::new("no-such-ctest-anywhere"), &build).is_none());
    }
}
