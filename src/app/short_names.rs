//! Shorter forms of the jobs' names for a narrow table, made once from every name so that
//! rows stay told apart: a name is a path (`cmake-cookbook/chapter-11/recipe-01/cxx-example`),
//! and what tells two rows apart is where their paths differ, not their ends.
//!
//! Two steps, each kept only while names do not fit: the folders every row's name starts with
//! are dropped (`cmake-cookbook/`, said once above the column), then each folder is
//! abbreviated against its siblings, the folders beside it under the same parent: the words
//! they all start with go (`cmake-cookbook` beside `cmake-examples` becomes `cookbook`), and
//! numbered folders keep their word's initial and their number (`chapter-01` … `chapter-15`
//! become `c01` … `c15`). A project's own name (the last part) is never abbreviated. A helper row that
//! fails nothing (the toolchain probe) keeps its name and takes no part.
//!
//! The JSON, the plain lines and every report keep the full name: only the table shortens.

use std::collections::{HashMap, HashSet};

use unicode_width::UnicodeWidthStr;

/// The shorter forms of every job's name, by job index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShortNames {
    /// The folders every main row's name starts with, with its last `/`
    /// (`cmake-cookbook/`); empty when they share none.
    shared: String,
    /// Per job: its name without `shared`, then its folders abbreviated against their
    /// siblings (`c11/r01/cxx-example`); a helper row's name as it is. Empty when every
    /// one is its name without `shared` (100,000 commands: no copy of each name).
    compact: Vec<String>,
    /// Per job: its compact name, its own last word gone where several projects end with
    /// it (`c11/r01/cxx` of `…/cxx-example`, `…/fortran-example`). Empty when every one is
    /// its compact name.
    terse: Vec<String>,
    /// Per job: whether `shared` is dropped from it (a main row).
    main: Vec<bool>,
    /// The widest name, in terminal columns, at each [`Shortening`], least first.
    widest: [usize; 4],
}

/// How far names are shortened, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shortening {
    /// The whole name.
    Full,
    /// Without the folders every row shares.
    Unshared,
    /// Without them, and with each folder abbreviated against its siblings.
    Compact,
    /// Compact, and without the last word many projects' names end with (`-example`).
    Terse,
}

impl Shortening {
    /// Every shortening, least first.
    pub const ALL: [Shortening; 4] = [
        Shortening::Full,
        Shortening::Unshared,
        Shortening::Compact,
        Shortening::Terse,
    ];
}

impl ShortNames {
    /// The shorter forms of `names`, each with whether it is a main row (one whose failure
    /// fails the session) rather than a helper.
    pub fn of<'a>(names: impl IntoIterator<Item = (&'a str, bool)>) -> Self {
        let (names, main): (Vec<&str>, Vec<bool>) = names.into_iter().unzip();
        let shared = shared_folders(
            names
                .iter()
                .zip(&main)
                .filter(|(_, m)| **m)
                .map(|(n, _)| *n),
        );
        let unshared: Vec<&str> = names
            .iter()
            .zip(&main)
            .map(|(name, main)| if *main { &name[shared.len()..] } else { name })
            .collect();
        let abbreviations = sibling_abbreviations(
            unshared
                .iter()
                .zip(&main)
                .filter(|(_, m)| **m)
                .map(|(n, _)| *n),
        );
        // Only folders are abbreviated: names without any keep theirs, and no copy of each
        // is made (100,000 commands: 13 MB less at the start, the session's peak).
        let has_folders = unshared
            .iter()
            .zip(&main)
            .any(|(name, main)| *main && name.contains('/'));
        let compact: Vec<String> = if has_folders {
            unshared
                .iter()
                .zip(&main)
                .map(|(name, main)| {
                    if *main {
                        abbreviate(name, &abbreviations)
                    } else {
                        (*name).to_string()
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let terse = if compact.is_empty() {
            without_common_last_word(&unshared, &main)
        } else {
            let forms: Vec<&str> = compact.iter().map(String::as_str).collect();
            without_common_last_word(&forms, &main)
        };
        let terse = terse.unwrap_or_default();
        let mut short = Self {
            shared,
            compact,
            terse,
            main,
            widest: [0; 4],
        };
        // A helper row keeps its name and is cut when it does not fit: it does not make
        // every other name shorter.
        short.widest = Shortening::ALL.map(|level| {
            names
                .iter()
                .enumerate()
                .filter(|(index, _)| short.main[*index])
                .map(|(index, name)| UnicodeWidthStr::width(short.name(index, name, level)))
                .max()
                .unwrap_or(0)
        });
        short
    }

    /// The least shortening at which every main row's name fits in `width` columns;
    /// `Terse` when none does (the longest are then cut too).
    pub fn fitting(&self, width: usize) -> Shortening {
        Shortening::ALL
            .into_iter()
            .zip(self.widest)
            .find(|(_, widest)| *widest <= width)
            .map_or(Shortening::Terse, |(level, _)| level)
    }

    /// The folders every main row's name starts with (`cmake-cookbook/`), or `""`.
    pub fn shared(&self) -> &str {
        &self.shared
    }

    /// The name of job `index` (whose full name is `name`) at `level`.
    pub fn name<'a>(&'a self, index: usize, name: &'a str, level: Shortening) -> &'a str {
        let main = self.main.get(index).copied().unwrap_or(false);
        match level {
            Shortening::Unshared if main => name.get(self.shared.len()..).unwrap_or(name),
            Shortening::Full | Shortening::Unshared => name,
            Shortening::Compact => match self.compact.get(index) {
                Some(form) => form,
                None => self.name(index, name, Shortening::Unshared),
            },
            Shortening::Terse => match self.terse.get(index) {
                Some(form) => form,
                None => self.name(index, name, Shortening::Compact),
            },
        }
    }
}

/// `names` whose last part ends with a word (`-example`) that several of them end with,
/// without it (`cxx-example` is `cxx`); `None` when that leaves them all as they are, or two
/// would then read the same. Helper rows (not `main`) keep theirs.
fn without_common_last_word(names: &[&str], main: &[bool]) -> Option<Vec<String>> {
    let last_word = |name: &str| {
        let project = name.rsplit('/').next().unwrap_or(name);
        let at = project.rfind(SEPARATORS).filter(|&at| at > 0)?;
        Some(name.len() - project.len() + at)
    };
    let mut counts: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (name, _) in names.iter().zip(main).filter(|(_, main)| **main) {
        if let Some(at) = last_word(name) {
            counts.entry(&name[at..]).or_default().insert(name);
        }
    }
    if counts.values().all(|names| names.len() < 2) {
        return None;
    }
    let terse: Vec<String> = names
        .iter()
        .zip(main)
        .map(|(name, main)| match last_word(name) {
            Some(at) if *main && counts[&name[at..]].len() >= 2 => name[..at].to_string(),
            _ => (*name).to_string(),
        })
        .collect();
    let distinct = |forms: &[String]| forms.iter().collect::<HashSet<_>>().len();
    if distinct(&terse) == names.iter().collect::<HashSet<_>>().len() {
        Some(terse)
    } else {
        None
    }
}

/// The leading folders every name has (`a/b/` for `a/b/c` and `a/b/d/e`), never a whole name.
pub fn shared_folders<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut shared: Option<Vec<&str>> = None;
    for name in names {
        let folders: Vec<&str> = name.split('/').collect();
        let folders = &folders[..folders.len() - 1];
        shared = Some(match shared {
            None => folders.to_vec(),
            Some(mut kept) => {
                let same = kept.iter().zip(folders).take_while(|(a, b)| a == b).count();
                kept.truncate(same);
                kept
            }
        });
    }
    let mut folders = String::new();
    for folder in shared.unwrap_or_default() {
        folders.push_str(folder);
        folders.push('/');
    }
    folders
}

/// For each parent path, how its child folders are abbreviated: `parent → (child → short)`.
type Abbreviations = HashMap<String, HashMap<String, String>>;

/// The abbreviation of each folder of `names`: a numbered folder by its word's initial (see
/// [`Numbered`]), else against its siblings (see [`shorten_siblings`]).
fn sibling_abbreviations<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Abbreviations {
    let numbered = Numbered::of(names.clone());
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    for name in names {
        let parts: Vec<&str> = name.split('/').collect();
        for depth in 0..parts.len().saturating_sub(1) {
            let siblings = children.entry(parts[..depth].join("/")).or_default();
            if !siblings.iter().any(|s| s == parts[depth]) {
                siblings.push(parts[depth].to_string());
            }
        }
    }
    children
        .into_iter()
        .map(|(parent, siblings)| {
            let depth = if parent.is_empty() {
                0
            } else {
                parent.split('/').count()
            };
            let shortened = shorten_siblings(&siblings);
            let short = siblings
                .into_iter()
                .zip(shortened)
                .map(|(folder, sibling_form)| {
                    let form = numbered.short(depth, &folder).unwrap_or(sibling_form);
                    (folder, form)
                })
                .collect();
            (parent, short)
        })
        .collect()
}

/// Numbered folders (`chapter-11`, `recipe-01`): a word, a separator, then a number. Where
/// several folders at one depth (under any parent) start with the same word, each is its
/// word's initial and its number (`c11`, `r01`), so every row abbreviates them alike, a
/// recipe alone in its chapter too; never when two such words at that depth share an
/// initial.
#[derive(Debug, Default)]
struct Numbered {
    /// Per depth: initial → the words with that initial that number several folders.
    words: HashMap<usize, HashMap<char, Vec<String>>>,
}

impl Numbered {
    fn of<'a>(names: impl Iterator<Item = &'a str>) -> Self {
        let mut seen: HashMap<(usize, String), HashSet<String>> = HashMap::new();
        for name in names {
            let parts: Vec<&str> = name.split('/').collect();
            for (depth, folder) in parts[..parts.len() - 1].iter().enumerate() {
                if let Some((word, _)) = numbered(folder) {
                    // Folders by their path: `recipe-01` in two chapters is two folders.
                    let path = parts[..=depth].join("/");
                    seen.entry((depth, word.to_string()))
                        .or_default()
                        .insert(path);
                }
            }
        }
        let mut words: HashMap<usize, HashMap<char, Vec<String>>> = HashMap::new();
        for ((depth, word), folders) in seen {
            if folders.len() >= 2 {
                let initial = word.chars().next().unwrap_or('?');
                words
                    .entry(depth)
                    .or_default()
                    .entry(initial)
                    .or_default()
                    .push(word);
            }
        }
        Self { words }
    }

    /// `folder` at `depth` as its word's initial and its number, where that is unambiguous.
    fn short(&self, depth: usize, folder: &str) -> Option<String> {
        let (word, number) = numbered(folder)?;
        let initial = word.chars().next()?;
        let words = self.words.get(&depth)?.get(&initial)?;
        (words.len() == 1 && words[0] == word).then(|| format!("{initial}{number}"))
    }
}

/// `(word, number)` of a numbered folder: `chapter-11` is `("chapter", "11")`; the number
/// may go on (`recipe-01-intro` is `("recipe", "01-intro")`).
fn numbered(folder: &str) -> Option<(&str, &str)> {
    let at = folder.find(SEPARATORS)?;
    let (word, rest) = (&folder[..at], &folder[at + 1..]);
    let is_word = !word.is_empty() && word.chars().all(char::is_alphabetic);
    (is_word && rest.starts_with(|c: char| c.is_ascii_digit())).then_some((word, rest))
}

/// Sibling folders without the words they share: `cmake-cookbook`, `cmake-examples` become
/// `cookbook`, `examples`, whatever other folders sit beside them. Siblings are grouped by
/// their first word; a group of several loses the whole words all its folders start with. A
/// folder alone in its group stays as it is, and so do all of them if two would then read
/// the same.
fn shorten_siblings(siblings: &[String]) -> Vec<String> {
    let first_word = |folder: &str| folder.find(SEPARATORS).map(|at| folder[..=at].to_string());
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, sibling) in siblings.iter().enumerate() {
        if let Some(word) = first_word(sibling) {
            groups.entry(word).or_default().push(index);
        }
    }
    let mut forms = siblings.to_vec();
    for members in groups.values().filter(|members| members.len() >= 2) {
        let first = &siblings[members[0]];
        let common = members[1..].iter().fold(first.len(), |common, &other| {
            first
                .char_indices()
                .zip(siblings[other].chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((at, c), _)| at + c.len_utf8())
                .min(common)
        });
        // Back to the end of a whole word: `cmake-c` of `cmake-cookbook` is `cmake-`.
        let common = first[..common].rfind(SEPARATORS).map_or(0, |at| at + 1);
        if common == 0 || members.iter().any(|&m| siblings[m].len() <= common) {
            continue;
        }
        for &member in members {
            forms[member] = siblings[member][common..].to_string();
        }
    }
    let mut distinct: Vec<&String> = forms.iter().collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() == forms.len() {
        forms
    } else {
        siblings.to_vec()
    }
}

/// What separates the words of a folder's name.
const SEPARATORS: [char; 4] = ['-', '_', '.', ' '];

/// `name` with each of its folders abbreviated.
fn abbreviate(name: &str, abbreviations: &Abbreviations) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(depth, part)| {
            if depth == last {
                return (*part).to_string();
            }
            abbreviations
                .get(&parts[..depth].join("/"))
                .and_then(|short| short.get(*part))
                .cloned()
                .unwrap_or_else(|| (*part).to_string())
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(names: &[&str]) -> (String, Vec<String>) {
        let short = ShortNames::of(names.iter().map(|n| (*n, true)));
        let forms = names
            .iter()
            .enumerate()
            .map(|(i, n)| short.name(i, n, Shortening::Compact).to_string())
            .collect();
        (short.shared().to_string(), forms)
    }

    #[test]
    fn the_shared_folders_go_and_numbered_siblings_keep_their_number_and_initial() {
        let (shared, forms) = compact(&[
            "cmake-cookbook/chapter-01/recipe-01/cxx-example",
            "cmake-cookbook/chapter-01/recipe-02/cxx-example",
            "cmake-cookbook/chapter-11/recipe-01/cxx-example",
            "cmake-cookbook/chapter-11/recipe-01/fortran-example",
        ]);
        assert_eq!(shared, "cmake-cookbook/");
        assert_eq!(
            forms,
            [
                "c01/r01/cxx-example",
                "c01/r02/cxx-example",
                "c11/r01/cxx-example",
                "c11/r01/fortran-example",
            ]
        );
    }

    #[test]
    fn tersest_the_word_many_projects_end_with_goes_unless_names_would_clash() {
        let names = ["c/a/cxx-example", "c/a/fortran-example", "c/b/cxx-example"];
        let short = ShortNames::of(names.iter().map(|n| (*n, true)));
        let terse: Vec<&str> = names
            .iter()
            .enumerate()
            .map(|(i, n)| short.name(i, n, Shortening::Terse))
            .collect();
        assert_eq!(terse, ["a/cxx", "a/fortran", "b/cxx"]);
        let clash = ["p/cxx-example", "p/cxx-examples", "p/cxx"];
        let short = ShortNames::of(clash.iter().map(|n| (*n, true)));
        assert_eq!(short.name(0, clash[0], Shortening::Terse), "cxx-example");
    }

    #[test]
    fn collections_lose_the_words_they_share_and_lone_folders_stay() {
        let (shared, forms) = compact(&[
            "cmake-cookbook/chapter-01/recipe-01/cxx-example",
            "cmake-cookbook/chapter-02/recipe-01/cxx-example",
            "cmake-examples/01-basic/A-hello-cmake",
            "cmake-examples/02-sub-projects/A-basic",
            "solo/only/project",
            "solo/only/other",
        ]);
        assert_eq!(shared, "");
        assert_eq!(
            forms,
            [
                "cookbook/c01/r01/cxx-example",
                "cookbook/c02/r01/cxx-example",
                "examples/01-basic/A-hello-cmake",
                "examples/02-sub-projects/A-basic",
                "solo/only/project",
                "solo/only/other",
            ],
            "a recipe alone in its chapter is abbreviated as the others; 01-basic and \
             02-sub-projects share no word; a lone folder stays"
        );
    }

    #[test]
    fn a_helper_row_keeps_its_name_and_shares_nothing() {
        let names = [
            ("toolchain probe", false),
            ("col/a/p", true),
            ("col/b/q", true),
        ];
        let short = ShortNames::of(names);
        assert_eq!(short.shared(), "col/");
        assert_eq!(
            short.name(0, "toolchain probe", Shortening::Compact),
            "toolchain probe"
        );
        assert_eq!(short.name(1, "col/a/p", Shortening::Unshared), "a/p");
        assert_eq!(short.name(1, "col/a/p", Shortening::Full), "col/a/p");
        assert_eq!(short.fitting(7), Shortening::Full, "the probe's row is cut");
        assert_eq!(short.fitting(6), Shortening::Unshared);
        assert_eq!(short.fitting(2), Shortening::Terse);
        // One project: nothing but its own name is left.
        let one = ShortNames::of([("x/y/z", true)]);
        assert_eq!(one.name(0, "x/y/z", Shortening::Compact), "z");
    }
}
