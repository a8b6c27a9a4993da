//! Names fitted into a room, the same way wherever they are shown (the table, the recap
//! after it): first the folders the names in sight share go, said once above them, then a
//! name still too long loses its middle, whole folders first, so the collection it is in
//! and the project itself stay readable.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use super::short_names::shared_folders;

/// Terminal columns `text` takes (a CJK character or a joined emoji takes two).
fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The leading folders to take off every one of `names` (each with the room it has) so
/// they fit: `""` when each already fits or fewer than two different names share any;
/// otherwise the folders they share, only as many as it takes (`cookbook/`, not
/// `cookbook/c01/`, when the rest then fits).
pub fn shared_to_drop<'a>(names: impl IntoIterator<Item = (&'a str, usize)>) -> String {
    let mut names: Vec<(&str, usize)> = names.into_iter().collect();
    if names.iter().all(|(name, room)| columns(name) <= *room) {
        return String::new();
    }
    names.dedup_by_key(|(name, _)| *name);
    if names.len() < 2 {
        return String::new();
    }
    let shared = shared_folders(names.iter().map(|(name, _)| *name));
    let mut enough = 0;
    for folder in shared.split_inclusive('/') {
        enough += folder.len();
        let dropped = columns(&shared[..enough]);
        if names
            .iter()
            .all(|(name, room)| columns(name).saturating_sub(dropped) <= *room)
        {
            break;
        }
    }
    shared[..enough].to_string()
}

/// A name cut to `width` columns from the middle, so both ends stay readable: the collection
/// a project is in and the project itself (`cmake-cookbook/…/recipe-06/cxx-example`). Whole
/// folder names go first; a last folder name too long by itself keeps its end.
pub fn shorten_middle(name: &str, width: usize) -> Cow<'_, str> {
    if columns(name) <= width {
        return Cow::Borrowed(name);
    }
    if width <= 1 {
        return Cow::Owned("…".chars().take(width).collect());
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 3 {
        let head = parts[0];
        // `head/…/` then as many trailing parts as fit, if that is at least two: one
        // trailing part alone (`cmake-cookbook/…/cxx-example`) would make rows that differ
        // in the middle read the same.
        let mut used = columns(head) + 3;
        let mut first_kept = parts.len();
        while first_kept > 1 {
            let slash = usize::from(first_kept < parts.len());
            let part = columns(parts[first_kept - 1]) + slash;
            if used + part > width {
                break;
            }
            used += part;
            first_kept -= 1;
        }
        if first_kept + 2 <= parts.len() && first_kept > 1 {
            return Cow::Owned(format!("{head}/…/{}", parts[first_kept..].join("/")));
        }
    }
    // No folder boundary fits: keep the end, where the project's own name is. Cut between
    // graphemes, never inside one: a joined emoji or a letter with its accent stays whole.
    let mut tail = Vec::new();
    let mut used = 1;
    for grapheme in name.graphemes(true).rev() {
        let w = columns(grapheme);
        if used + w > width {
            break;
        }
        used += w;
        tail.push(grapheme);
    }
    Cow::Owned(std::iter::once("…").chain(tail.into_iter().rev()).collect())
}

#[cfg(test)]
mod tests {
    use super::{columns, shared_to_drop, shorten_middle};

    #[test]
    fn long_names_lose_their_middle_folders_first() {
        let name = "cmake-cookbook/chapter-01/recipe-06/cxx-example";
        assert_eq!(shorten_middle(name, 60), name);
        assert_eq!(
            shorten_middle(name, 40),
            "cmake-cookbook/…/recipe-06/cxx-example"
        );
        assert_eq!(shorten_middle(name, 30), "…pter-01/recipe-06/cxx-example");
        assert_eq!(shorten_middle(name, 20), "…cipe-06/cxx-example");
        assert_eq!(columns(&shorten_middle(name, 20)), 20);
        assert_eq!(shorten_middle("a-very-long-single-name", 8), "…le-name");
        assert_eq!(shorten_middle("ab", 1), "…");
        assert_eq!(shorten_middle("ab", 0), "");
    }

    /// As few shared folders as it takes, none when every name fits or one name is alone.
    #[test]
    fn the_shared_folders_dropped_are_as_few_as_it_takes() {
        let names = [
            "col/chapter-01/recipe-01/first",
            "col/chapter-01/recipe-02/second",
        ];
        let with = |room: usize| shared_to_drop(names.iter().map(|name| (*name, room)));
        assert_eq!(with(40), "");
        assert_eq!(with(27), "col/");
        assert_eq!(with(20), "col/chapter-01/");
        // Nothing more to drop than what they share: the rest is the cut's.
        assert_eq!(with(5), "col/chapter-01/");
        assert_eq!(shared_to_drop([(names[0], 5)]), "");
        assert_eq!(shared_to_drop([(names[0], 5), (names[0], 5)]), "");
    }

    #[test]
    fn a_joined_emoji_is_kept_or_cut_whole() {
        let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
        let name = format!("{family}{family}{family}");
        assert_eq!(columns(&name), 6);
        assert_eq!(shorten_middle(&name, 5), format!("…{family}{family}"));
        assert_eq!(shorten_middle(&name, 4), format!("…{family}"));
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let name = "日本語/とても長い名前";
        assert_eq!(columns(name), 21);
        let short = shorten_middle(name, 10);
        assert!(columns(&short) <= 10, "{short}");
        assert_eq!(short, "…長い名前");
    }
}
