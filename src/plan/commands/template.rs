//! GNU parallel's templates: `CMD ARGS… ::: A B :::: FILE`, the cross product of the input
//! sources, and the replacement strings `{}` `{.}` `{/}` `{//}` `{/.}` `{#}` (and `{1}`,
//! `{2.}`, … for one source), with exactly parallel's meaning. Where jobdeck and parallel
//! disagree, parallel is right: `tests/commands_parallel.rs` compares the two.

use std::io::BufRead;

/// A template and its input sources, as the command line gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The command's words, before the first `:::` or `::::`.
    pub command: Vec<String>,
    /// Each input source's values, in order.
    pub sources: Vec<Vec<String>>,
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
            .position(|w| w == ":::" || w == "::::")
            .ok_or("a template needs input: `::: A B …` or `:::: FILE`")?;
        let command = words[..first].to_vec();
        let mut sources: Vec<Vec<String>> = Vec::new();
        let mut from_files = false;
        for word in &words[first..] {
            match word.as_str() {
                ":::" => {
                    from_files = false;
                    sources.push(Vec::new());
                }
                "::::" => from_files = true,
                value if from_files => sources.push(read(value)?),
                value => sources
                    .last_mut()
                    .expect("a `:::` came first")
                    .push(value.to_string()),
            }
        }
        if let Some(empty) = sources.iter().position(Vec::is_empty) {
            return Err(format!(
                "input source {} is empty: nothing to run",
                empty + 1
            ));
        }
        Ok(Template { command, sources })
    }

    /// Every command, in parallel's order (the first source varies slowest).
    pub fn fill(&self) -> Vec<Filled> {
        let mut combos: Vec<Vec<&str>> = vec![Vec::new()];
        for source in &self.sources {
            combos = combos
                .into_iter()
                .flat_map(|combo| {
                    source.iter().map(move |value| {
                        let mut next = combo.clone();
                        next.push(value.as_str());
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
    if position.is_empty() {
        let values: Vec<String> = inputs.iter().map(|v| quote(&transform(v))).collect();
        return Some(values.join(" "));
    }
    let index: usize = position.parse().ok()?;
    let value = inputs.get(index.checked_sub(1)?)?;
    Some(quote(&transform(value)))
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

/// `value` as one shell word.
fn quote(value: &str) -> String {
    shell_words::quote(value).into_owned()
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

    #[test]
    fn values_are_quoted_for_the_shell() {
        assert_eq!(lines("echo {} ::: it's"), ["echo 'it'\\''s'"]);
    }

    #[test]
    fn a_template_without_input_or_with_an_empty_source_is_refused() {
        let mut no_files = |_: &str| Ok(Vec::new());
        assert!(Template::parse(&words("echo"), &mut no_files).is_err());
        let err =
            Template::parse(&words("echo :::: empty.txt"), &mut no_files).expect_err("refused");
        assert!(err.contains("empty"), "{err}");
    }
}
