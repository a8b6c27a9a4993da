//! GNU parallel's templates: `CMD ARGS… ::: A B :::: FILE`, the cross product of the input
//! sources (`:::+ A B` and `::::+ FILE` linked to the source before them, value by value),
//! and the replacement strings `{}` `{.}` `{/}` `{//}` `{/.}` `{#}` (and `{1}`, `{2.}`, … for
//! one source), with exactly parallel's meaning. Where jobdeck and parallel disagree,
//! parallel is right: `tests/commands_parallel.rs` compares the two.

use std::io::BufRead;

/// A template and its input sources, as the command line gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The command's words, before the first `:::`, `::::`, `:::+` or `::::+`.
    pub command: Vec<String>,
    /// The input sources, in order.
    pub sources: Vec<Source>,
}

/// One input source: `::: A B`, or one file of `:::: FILE…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its values, in order.
    pub values: Vec<String>,
    /// Whether it is linked to the source before it (`:::+`, `::::+`): the two give their
    /// values side by side, the first with the first, not their cross product. The first
    /// source never is: with nothing before it, parallel takes `:::+` as `:::`.
    pub linked: bool,
}

/// What separates the command from its sources and the sources from each other.
const SEPARATORS: [&str; 4] = [":::", "::::", ":::+", "::::+"];

/// Whether `word` starts an input source, as parallel reads it.
pub fn is_separator(word: &str) -> bool {
    SEPARATORS.contains(&word)
}

/// One command made from the template: its input (the row's name) and its shell line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// The input values, joined by a space.
    pub input: String,
    /// The command line for `sh -c`.
    pub line: String,
}

impl Template {
    /// Splits `words` (everything after `jobdeck run [OPTIONS] --`) into the command and its
    /// sources; `::::` sources are read from their files (`-` is stdin) with `read`.
    pub fn parse(
        words: &[String],
        read: &mut dyn FnMut(&str) -> Result<Vec<String>, String>,
    ) -> Result<Template, String> {
        let first = words
            .iter()
            .position(|w| is_separator(w))
            .ok_or("a template needs input: `::: A B …` or `:::: FILE`")?;
        let command = words[..first].to_vec();
        let mut sources: Vec<Source> = Vec::new();
        // What the words after the last separator are: files or values, linked or not.
        let (mut from_files, mut linked) = (false, false);
        for word in &words[first..] {
            match word.as_str() {
                separator @ (":::" | ":::+") => {
                    from_files = false;
                    linked = separator == ":::+";
                    sources.push(Source {
                        values: Vec::new(),
                        linked: linked && !sources.is_empty(),
                    });
                }
                separator @ ("::::" | "::::+") => {
                    from_files = true;
                    linked = separator == "::::+";
                }
                // Each file is a source; after `::::+` each is linked to the one before it.
                path if from_files => sources.push(Source {
                    values: read(path)?,
                    linked: linked && !sources.is_empty(),
                }),
                value => sources
                    .last_mut()
                    .expect("a `:::` came first")
                    .values
                    .push(value.to_string()),
            }
        }
        // `echo ::::` names no file: parallel runs `echo` once, with no input at all.
        if sources.is_empty() {
            return Err("`::::` and `::::+` need files: `:::: FILE…`".to_string());
        }
        if let Some(empty) = sources.iter().position(|source| source.values.is_empty()) {
            return Err(format!(
                "input source {} is empty: nothing to run",
                empty + 1
            ));
        }
        Ok(Template { command, sources })
    }

    /// The sources linked together (a source and the `:::+` ones after it), each group as
    /// the 1-based numbers of its sources and its length: the shortest source's, as
    /// parallel has it (a longer one's values past it are left out, not wrapped around as
    /// `--link` would).
    pub fn groups(&self) -> Vec<(Vec<usize>, usize)> {
        let mut groups: Vec<(Vec<usize>, usize)> = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            let length = source.values.len();
            match groups.last_mut() {
                Some((members, shortest)) if source.linked => {
                    members.push(index + 1);
                    *shortest = (*shortest).min(length);
                }
                _ => groups.push((vec![index + 1], length)),
            }
        }
        groups
    }

    /// What a user should hear of before the run: values left out where linked sources
    /// differ in length (parallel says nothing of them).
    pub fn notes(&self) -> Vec<String> {
        self.groups()
            .into_iter()
            .filter_map(|(members, length)| {
                let lengths: Vec<String> = members
                    .iter()
                    .map(|&number| self.sources[number - 1].values.len().to_string())
                    .collect();
                if lengths.iter().all(|count| *count == length.to_string()) {
                    return None;
                }
                let numbers: Vec<String> = members.iter().map(usize::to_string).collect();
                Some(format!(
                    "linked input sources {} have {} values: the shortest decides, as in GNU \
                     parallel, so only the first {length} of each are used",
                    and_list(&numbers),
                    and_list(&lengths)
                ))
            })
            .collect()
    }

    /// Every command, in parallel's order: the cross product of the groups of linked
    /// sources, the first varying slowest; in a group, the sources' first values together,
    /// then their second values, and so on.
    pub fn fill(&self) -> Vec<Filled> {
        let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
        for (members, length) in self.groups() {
            let rows: Vec<Vec<&str>> = (0..length)
                .map(|row| {
                    members
                        .iter()
                        .map(|&number| self.sources[number - 1].values[row].as_str())
                        .collect()
                })
                .collect();
            combos = combos
                .into_iter()
                .flat_map(|combo| {
                    rows.iter().map(move |row| {
                        let mut next = combo.clone();
                        next.extend(row);
                        next
                    })
                })
                .collect();
        }
        combos
            .iter()
            .enumerate()
            .map(|(index, inputs)| Filled {
                input: inputs.join(" "),
                line: self.line(inputs, index + 1),
            })
            .collect()
    }

    /// The shell line for one combination of inputs, the `number`th job.
    fn line(&self, inputs: &[&str], number: usize) -> String {
        let mut replaced = false;
        let words: Vec<String> = self
            .command
            .iter()
            .map(|word| replace(word, inputs, number, &mut replaced))
            .collect();
        let mut line = words.join(" ");
        if !replaced {
            for input in inputs {
                line.push(' ');
                line.push_str(&quote(input));
            }
        }
        line
    }
}

/// `1, 2 and 3`.
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// Reads the lines of `path` as one input source (`-` is stdin). A line ends at `\n` only,
/// as parallel reads it: a `\r` before it is part of the value.
pub fn read_source(path: &str) -> Result<Vec<String>, String> {
    let failed = |err: std::io::Error| format!("cannot read input file {path}: {err}");
    let pieces: Result<Vec<Vec<u8>>, std::io::Error> = if path == "-" {
        std::io::stdin().lock().split(b'\n').collect()
    } else {
        let file = std::fs::File::open(path).map_err(failed)?;
        std::io::BufReader::new(file).split(b'\n').collect()
    };
    pieces
        .map_err(failed)?
        .into_iter()
        .map(|piece| {
            String::from_utf8(piece)
                .map_err(|_| format!("cannot read input file {path}: a line is not UTF-8"))
        })
        .collect()
}

/// `word` with every replacement string in it filled in (values quoted for the shell).
fn replace(word: &str, inputs: &[&str], number: usize, replaced: &mut bool) -> String {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after
            .find('}')
            .and_then(|close| Some((expand(&after[..close], inputs, number)?, close)));
        if let Some((value, close)) = value {
            *replaced = true;
            out.push_str(&value);
            rest = &after[close + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The value of the replacement string `{inner}`, if it is one.
fn expand(inner: &str, inputs: &[&str], number: usize) -> Option<String> {
    if inner == "#" {
        return Some(number.to_string());
    }
    let digits = inner.len() - inner.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (position, operator) = inner.split_at(digits);
    let transform: fn(&str) -> String = match operator {
        "" => str::to_string,
        "." => |s| without_extension(s).to_string(),
        "/" => |s| basename(s).to_string(),
        "//" => dirname,
        "/." => |s| without_extension(basename(s)).to_string(),
        _ => return None,
    };
    // parallel reads `{0}` as `{}` (a `0` is false to Perl; `00` is not).
    if position.is_empty() || position == "0" {
        let values: Vec<String> = inputs.iter().map(|v| quote(&transform(v))).collect();
        return Some(values.join(" "));
    }
    let index: usize = position.parse().ok()?;
    // No source `{00}` names, and past the last: parallel puts nothing there (not even
    // quotes).
    Some(
        index
            .checked_sub(1)
            .and_then(|index| inputs.get(index))
            .map_or_else(String::new, |value| quote(&transform(value))),
    )
}

/// parallel's `{/}`: everything after the last `/` (`a/b/` gives nothing).
fn basename(s: &str) -> &str {
    s.rsplit_once('/').map_or(s, |(_, base)| base)
}

/// parallel's `{.}`: the last extension taken off, where it has no `/` after it.
fn without_extension(s: &str) -> &str {
    match s.rfind('.') {
        Some(dot) if !s[dot..].contains('/') => &s[..dot],
        _ => s,
    }
}

/// parallel's `{//}`: POSIX dirname (`dir/` gives `.`, `/x` gives `/`).
fn dirname(s: &str) -> String {
    let trimmed = s.trim_end_matches('/');
    if trimmed.is_empty() {
        return if s.is_empty() { "." } else { "/" }.to_string();
    }
    match trimmed.rfind('/') {
        None => ".".to_string(),
        Some(slash) => {
            let parent = trimmed[..slash].trim_end_matches('/');
            if parent.is_empty() { "/" } else { parent }.to_string()
        }
    }
}

/// `value` as one shell word, quoted as parallel quotes it (its `shell_quote_scalar`), so
/// `--dry-run` prints what parallel's prints: left bare if made of `-_.+/`, ASCII letters
/// and digits only; else in `'…'`, each `'` in it as `'"'"'`, and an empty `''` left off
/// either end.
fn quote(value: &str) -> String {
    if value.is_empty() {
        return "''".to_string();
    }
    let bare = |c: char| c.is_ascii_alphanumeric() || "-_.+/".contains(c);
    if value.chars().all(bare) {
        return value.to_string();
    }
    let quoted = format!("'{}'", value.replace('\'', r#"'"'"'"#));
    let quoted = quoted.strip_prefix("''").unwrap_or(&quoted);
    quoted.strip_suffix("''").unwrap_or(quoted).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    fn lines(template: &str) -> Vec<String> {
        let mut no_files = |_: &str| Err("no files here".to_string());
        let template = Template::parse(&words(template), &mut no_files).expect("parses");
        template.fill().into_iter().map(|f| f.line).collect()
    }

    #[test]
    fn replacement_strings_mean_what_they_mean_to_parallel() {
        // Each value as GNU parallel 20221122 prints it (see tests/commands_parallel.rs).
        let cases = [
            ("a.b/c.d.e", "a.b/c.d", "c.d.e", "a.b", "c.d"),
            ("foo", "foo", "foo", ".", "foo"),
            (".bashrc", "", ".bashrc", ".", ""),
            ("dir/", "dir/", "", ".", ""),
            ("/x", "/x", "x", "/", "x"),
            ("a/b/", "a/b/", "", "a", ""),
            ("a//b", "a//b", "b", "a", "b"),
            ("/", "/", "", "/", ""),
            ("x/.y", "x/", ".y", "x", ""),
            ("c.", "c", "c.", ".", "c"),
        ];
        for (input, dot, base, dir, base_dot) in cases {
            assert_eq!(without_extension(input), dot, "{{.}} of {input}");
            assert_eq!(basename(input), base, "{{/}} of {input}");
            assert_eq!(dirname(input), dir, "{{//}} of {input}");
            assert_eq!(
                without_extension(basename(input)),
                base_dot,
                "{{/.}} of {input}"
            );
        }
    }

    #[test]
    fn sources_give_their_cross_product_and_inputs_are_appended_without_a_replacement() {
        assert_eq!(
            lines("echo ::: a b ::: 1 2"),
            ["echo a 1", "echo a 2", "echo b 1", "echo b 2"]
        );
        assert_eq!(
            lines("echo {} {1}-{2} {#} ::: a b ::: 1"),
            ["echo a 1 a-1 1", "echo b 1 b-1 2"]
        );
        assert_eq!(lines("echo {}{} ::: a"), ["echo aa"]);
        assert_eq!(
            lines("echo {x} ::: a"),
            ["echo {x} a"],
            "not a replacement string"
        );
    }

    /// Issue 29: `:::+` was a value of no source (`input source 1 is empty`). Each line as
    /// GNU parallel 20221122 prints it (`tests/commands_parallel.rs` runs the same).
    #[test]
    fn linked_sources_go_side_by_side_and_the_shortest_decides() {
        assert_eq!(lines("echo ::: A B :::+ 1 2"), ["echo A 1", "echo B 2"]);
        assert_eq!(
            lines("echo {#} {} ::: A B C :::+ 1 2 :::+ p q r"),
            ["echo 1 A 1 p", "echo 2 B 2 q"]
        );
        assert_eq!(lines("echo {} :::+ a b"), ["echo a", "echo b"], "first");
        assert_eq!(
            lines("echo {1}{2}{3} ::: A B ::: x y :::+ 1 2"),
            ["echo Ax1", "echo Ay2", "echo Bx1", "echo By2"]
        );
        assert_eq!(
            lines("echo ::: A B :::+ 1 2 ::: x y"),
            ["echo A 1 x", "echo A 1 y", "echo B 2 x", "echo B 2 y"]
        );
        assert_eq!(lines("echo {3}- ::: A :::+ 1"), ["echo -"], "past the last");
        assert_eq!(
            lines("echo x{0}y x{0.}y x{00}y x{01}y ::: a.b ::: c.d"),
            ["echo xa.b c.dy xa cy xy xa.by"],
            "{{0}} is {{}}, as parallel reads it"
        );
    }

    #[test]
    fn every_file_after_a_linked_separator_is_linked() {
        let mut files = |path: &str| Ok(vec![format!("{path}1"), format!("{path}2")]);
        let parse = |text: &str, files: &mut dyn FnMut(&str) -> Result<Vec<String>, String>| {
            let template = Template::parse(&words(text), files).expect("parses");
            template
                .fill()
                .into_iter()
                .map(|f| f.input)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            parse("echo ::: A B ::::+ f g", &mut files),
            ["A f1 g1", "B f2 g2"]
        );
        assert_eq!(
            parse("echo :::: f g ::::+ h", &mut files),
            ["f1 g1 h1", "f1 g2 h2", "f2 g1 h1", "f2 g2 h2"]
        );
    }

    #[test]
    fn linked_sources_of_different_lengths_are_noted() {
        let mut no_files = |_: &str| Err("no files here".to_string());
        let template = Template::parse(&words("echo ::: A B C :::+ 1 2 ::: x"), &mut no_files)
            .expect("parses");
        let notes = template.notes();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("sources 1 and 2 have 3 and 2 values"),
            "{notes:?}"
        );
        let even = Template::parse(&words("echo ::: A B :::+ 1 2"), &mut no_files);
        assert_eq!(even.expect("parses").notes(), Vec::<String>::new());
    }

    #[test]
    fn values_are_quoted_for_the_shell() {
        // As parallel 20221122's `--dry-run` prints them (tests/commands_parallel.rs).
        assert_eq!(lines("echo {} ::: it's"), [r#"echo 'it'"'"'s'"#]);
        assert_eq!(lines("echo {} ::: 'x'"), [r#"echo "'"'x'"'""#]);
        assert_eq!(lines("echo {} ::: ''"), [r#"echo "'"''"'""#]);
        assert_eq!(lines("echo {} ::: x'"), [r#"echo 'x'"'""#]);
        assert_eq!(
            lines("echo {} ::: a,b a+b -n é"),
            ["echo 'a,b'", "echo a+b", "echo -n", "echo 'é'"]
        );
    }

    #[test]
    fn a_template_without_input_or_with_an_empty_source_is_refused() {
        let mut no_files = |_: &str| Ok(Vec::new());
        assert!(Template::parse(&words("echo"), &mut no_files).is_err());
        let err =
            Template::parse(&words("echo :::: empty.txt"), &mut no_files).expect_err("refused");
        assert!(err.contains("empty"), "{err}");
        let err = Template::parse(&words("echo ::::+"), &mut no_files).expect_err("no file");
        assert!(err.contains("need files"), "{err}");
        // parallel runs `echo A ''` once here: an empty source is refused, linked or not.
        let err = Template::parse(&words("echo ::: A B :::+"), &mut no_files).expect_err("empty");
        assert_eq!(err, "input source 2 is empty: nothing to run");
    }
}
