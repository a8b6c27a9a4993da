//! The files jobs watch by pattern (a `jobdeck.toml` job's `watch`): the folder each pattern
//! starts from, which the watch walks, and which jobs a changed file re-runs.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};

use crate::engine::JobId;

/// `*` and `?` stay inside one folder name; `**` crosses folders.
const MATCHING: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// Each watching job's patterns.
#[derive(Debug, Default)]
pub struct Globs {
    jobs: Vec<(JobId, Vec<(Pattern, PathBuf)>)>,
}

impl Globs {
    /// The patterns of each job (absolute); a pattern that is no glob is left out (the plan
    /// refused those already).
    pub fn new<'a>(jobs: impl IntoIterator<Item = (JobId, &'a [String])>) -> Self {
        let jobs = jobs
            .into_iter()
            .map(|(job, patterns)| {
                let compiled = patterns
                    .iter()
                    .filter_map(|text| Some((Pattern::new(text).ok()?, root(text))))
                    .collect::<Vec<_>>();
                (job, compiled)
            })
            .filter(|(_, patterns)| !patterns.is_empty())
            .collect();
        Self { jobs }
    }

    /// The folders to watch: where each pattern starts.
    pub fn roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self
            .jobs
            .iter()
            .flat_map(|(_, patterns)| patterns.iter().map(|(_, root)| root.clone()))
            .collect();
        roots.sort();
        roots.dedup();
        roots
    }

    /// The jobs a pattern of which matches one of `files`, in job order.
    pub fn jobs_of(&self, files: &[PathBuf]) -> Vec<JobId> {
        self.jobs
            .iter()
            .filter(|(_, patterns)| {
                patterns.iter().any(|(pattern, _)| {
                    files
                        .iter()
                        .any(|file| pattern.matches_path_with(file, MATCHING))
                })
            })
            .map(|(job, _)| *job)
            .collect()
    }
}

/// The folder a pattern starts from: its folders up to the first with a wildcard (for a
/// pattern without one, the file's folder).
pub fn root(pattern: &str) -> PathBuf {
    let mut root = PathBuf::new();
    for part in Path::new(pattern).components() {
        if part.as_os_str().to_string_lossy().contains(['*', '?', '[']) {
            return root;
        }
        root.push(part);
    }
    root.parent().map(Path::to_path_buf).unwrap_or(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_starts_at_its_last_folder_without_a_wildcard() {
        assert_eq!(root("/w/src/**/*.rs"), Path::new("/w/src"));
        assert_eq!(root("/w/*.toml"), Path::new("/w"));
        assert_eq!(root("/w/a/b.txt"), Path::new("/w/a"));
    }

    #[test]
    fn a_changed_file_reruns_the_jobs_whose_patterns_match_it() {
        let a = ["/w/src/**/*.rs".to_string()];
        let b = ["/w/*.toml".to_string(), "/w/docs/index.md".to_string()];
        let globs = Globs::new([(JobId(0), &a[..]), (JobId(1), &b[..])]);
        let jobs = |file: &str| globs.jobs_of(&[PathBuf::from(file)]);
        assert_eq!(jobs("/w/src/main.rs"), [JobId(0)]);
        assert_eq!(jobs("/w/src/deep/er/x.rs"), [JobId(0)]);
        assert_eq!(jobs("/w/src/main.c"), []);
        assert_eq!(jobs("/w/Cargo.toml"), [JobId(1)]);
        assert_eq!(jobs("/w/sub/Cargo.toml"), [], "* stays in its folder");
        assert_eq!(jobs("/w/docs/index.md"), [JobId(1)]);
        assert_eq!(
            globs.roots(),
            [
                PathBuf::from("/w"),
                PathBuf::from("/w/docs"),
                PathBuf::from("/w/src")
            ]
        );
    }
}
