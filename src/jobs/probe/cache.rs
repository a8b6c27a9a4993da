//! Where probes are kept: the user's cache folder (`$XDG_CACHE_HOME/jobdeck/probes`, else
//! `~/.cache/jobdeck/probes`), so the first session in a new build root is seeded without
//! probing again.
//!
//! A seed is cmake code every seeded configure runs, so the folder must be the user's own:
//! it is created `0700`, and jobdeck refuses it (the configures then run unseeded) when it,
//! or a probe in it, is a symbolic link, belongs to another user, or others may write to it.
//! Several sessions (in other build roots) may probe the same key at once: each probes in a
//! scratch folder of its own and renames it into place when done, so no session ever reads
//! another's half-written probe.

use std::ffi::OsString;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The prefix of a probe being made (`.partial-<key>-<pid>-<n>`) and of one being replaced
/// (`.stale-…`): hidden, never a key folder.
const PARTIAL: &str = ".partial-";
const STALE: &str = ".stale-";

/// The probes folder for `environment`: `$XDG_CACHE_HOME/jobdeck/probes` when that is an
/// absolute path (the XDG spec ignores a relative one), else `$HOME/.cache/jobdeck/probes`;
/// `None` without either.
pub fn user_folder(environment: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        environment(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let cache =
        absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
    Some(cache.join("jobdeck").join("probes"))
}

/// Creates the probes folder `root` and its parent `jobdeck` (each `0700`) if missing, and
/// checks that both are fit to hold probes ([`check`]).
pub fn open(root: &Path) -> Result<(), String> {
    let parent = root.parent().unwrap_or(root);
    if let Some(cache) = parent.parent() {
        std::fs::create_dir_all(cache).map_err(|err| {
            // `File exists` for a file in the way says less than this.
            if std::fs::metadata(cache).is_ok_and(|meta| !meta.is_dir()) {
                format!("{} is not a folder", cache.display())
            } else {
                format!("cannot create {}: {err}", cache.display())
            }
        })?;
    }
    for folder in [parent, root] {
        match std::fs::DirBuilder::new().mode(0o700).create(folder) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(format!("cannot create {}: {err}", folder.display())),
        }
        check(folder)?;
    }
    Ok(())
}

/// Whether `path` (not followed if a link) is a folder of this user's that nobody else may
/// write to; `Err` says why not.
pub fn check(path: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let at = path.display();
    if meta.file_type().is_symlink() {
        return Err(format!("{at} is a symbolic link"));
    }
    if !meta.is_dir() {
        return Err(format!("{at} is not a folder"));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(format!("{at} belongs to user {}, not to {me}", meta.uid()));
    }
    if meta.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "others may write to {at} (mode {:o})",
            meta.permissions().mode() & 0o7777
        ));
    }
    Ok(())
}

/// A new scratch folder name under `root` for this process to make the probe `key` in.
pub fn scratch(root: &Path, key: &str) -> PathBuf {
    root.join(unique(PARTIAL, key))
}

/// `<prefix><key>-<pid>-<n>`, a name no other folder of this session or another has.
fn unique(prefix: &str, key: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{key}-{}-{n}", std::process::id())
}

/// Puts the finished probe `scratch` in place as `folder`, replacing what was there (a
/// probe that no longer holds, or one another session just made). A session that reads
/// `folder` meanwhile sees a whole probe, the old one or the new one, or none.
pub fn publish(scratch: &Path, folder: &Path) -> io::Result<()> {
    if std::fs::rename(scratch, folder).is_ok() {
        return Ok(());
    }
    let name = folder
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let stale = scratch.with_file_name(unique(STALE, &name));
    // Another session may have put its own probe there meanwhile: it is moved aside too.
    if std::fs::symlink_metadata(folder).is_ok() {
        std::fs::rename(folder, &stale)?;
    }
    let placed = std::fs::rename(scratch, folder);
    let _ = std::fs::remove_dir_all(&stale);
    placed
}

/// How old a scratch folder of a process that no longer runs must be to be removed: a
/// cache folder shared between machines (a home on NFS) sees other machines' pids as gone.
const ABANDONED: Duration = Duration::from_secs(3600);

/// Removes what sessions that are gone left under `root` (a scratch folder of a killed
/// session, a replaced probe not yet removed): any `.partial-…-<pid>-<n>` or `.stale-…-<pid>-…`
/// whose process no longer runs and that nothing changed for [`ABANDONED`].
pub fn sweep(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(PARTIAL)
            .or_else(|| name.strip_prefix(STALE))
        else {
            continue;
        };
        // `<key>-<pid>-<n>`: the pid is the second field.
        let pid = rest
            .split('-')
            .nth(1)
            .and_then(|pid| pid.parse::<u32>().ok());
        let idle = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|idle| idle >= ABANDONED);
        if idle && pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_folder_follows_xdg_then_home() {
        assert_eq!(
            user_folder(env(&[("XDG_CACHE_HOME", "/x/cache"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/x/cache/jobdeck/probes"))
        );
        assert_eq!(
            user_folder(env(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.cache/jobdeck/probes")),
            "a relative XDG_CACHE_HOME is ignored, as the XDG spec says"
        );
        assert_eq!(user_folder(env(&[])), None);
    }

    fn temp(label: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("jobdeck-cache-unit-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        path
    }

    #[test]
    fn the_folder_is_made_private_and_a_link_or_a_shared_folder_is_refused() {
        let base = temp("open");
        let root = base.join("jobdeck/probes");
        open(&root).expect("a new folder is fine");
        for folder in [&root, &base.join("jobdeck")] {
            let mode = std::fs::metadata(folder)
                .expect("made")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
        }
        let link = base.join("link");
        std::os::unix::fs::symlink(&root, &link).expect("symlink");
        assert!(check(&link).expect_err("a link").contains("symbolic link"));
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(
            open(&root)
                .expect_err("shared")
                .contains("others may write")
        );
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn publishing_replaces_a_probe_and_leaves_no_scratch() {
        let root = temp("publish");
        std::fs::create_dir_all(root.join("k")).expect("old probe");
        std::fs::write(root.join("k/key.txt"), "old").expect("write");
        let scratch = scratch(&root, "k");
        std::fs::create_dir_all(&scratch).expect("scratch");
        std::fs::write(scratch.join("key.txt"), "new").expect("write");
        publish(&scratch, &root.join("k")).expect("published");
        assert_eq!(
            std::fs::read_to_string(root.join("k/key.txt")).expect("read"),
            "new"
        );
        let names: Vec<_> = std::fs::read_dir(&root)
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("k")]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
