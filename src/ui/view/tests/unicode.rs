//! Names the terminal draws differently from their `char`s: combining and zero-width
//! characters, joined emoji, and bidirectional controls that would hide a name's real text.

use std::time::Instant;

use super::draw;
use crate::app::Model;

/// Each row's cells as the terminal shows them, one string per cell.
fn cells(model: &mut Model, width: u16, height: u16) -> Vec<Vec<String>> {
    let terminal = draw(model, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

/// The first cell of `row` where `word` starts, letter by letter.
fn column_of(row: &[String], word: &str) -> Option<usize> {
    let letters: Vec<String> = word.chars().map(String::from).collect();
    (0..row.len()).find(|&x| row[x..].starts_with(&letters))
}

#[test]
fn names_of_combining_zero_width_and_joined_characters_keep_the_columns_straight() {
    let names = [
        "cafe\u{301}-combining",
        "zero\u{200b}width",
        "family-\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
        "plain",
    ];
    let jobs = names
        .iter()
        .map(|n| ((*n).to_string(), crate::jobs::cmake::KIND))
        .collect();
    let mut model = Model::new(jobs, 1, Instant::now());
    let rows = cells(&mut model, 80, 8);
    let title = column_of(&rows[1], "state").expect("the state column's title");
    for (y, name) in names.iter().enumerate() {
        let row = &rows[y + 2];
        assert_eq!(
            column_of(row, "queued"),
            Some(title),
            "{name:?}: {:?}",
            row.concat()
        );
    }
}

#[test]
fn bidirectional_controls_in_names_and_log_lines_are_shown_escaped() {
    let name = "invoice-\u{202e}fdp.exe";
    let mut model = Model::new(
        vec![(name.to_string(), crate::jobs::cmake::KIND)],
        1,
        Instant::now(),
    );
    let rows = cells(&mut model, 80, 6);
    let screen: String = rows.iter().map(|row| row.concat()).collect();
    assert!(!screen.contains('\u{202e}'), "{screen}");
    assert!(screen.contains(r"invoice-\u{202e}fdp.exe"), "{screen}");
    let line =
        crate::engine::output::display_line("a \u{2067}b\u{2069} \u{200f}c".as_bytes(), false);
    assert_eq!(line, r"a \u{2067}b\u{2069} \u{200f}c");
    assert_eq!(
        crate::sys::text::escape_controls("x\u{202a}y\u{2066}z\u{61c}"),
        r"x\u{202a}y\u{2066}z\u{61c}"
    );
}
