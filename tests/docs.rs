//! The documents that state a contract are checked against the code: `docs/contract.md`
//! names every status word and every JSON field jobdeck emits, the README's test command is
//! the one CI runs, and the README stays a newcomer's page whose links to `docs/` hold.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{TempDir, cmake_available, jobdeck_json, path_arg, write_project};
use jobdeck::app::JobState;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every key of `value`'s objects, nested ones included.
fn keys(value: &serde_json::Value, found: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                found.insert(key.clone());
                keys(inner, found);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| keys(item, found)),
        _ => {}
    }
}

#[test]
fn the_contract_names_every_status_word() {
    let contract = read("docs/contract.md");
    let missing: Vec<&str> = JobState::ALL
        .iter()
        .map(|state| state.word())
        .filter(|word| !contract.contains(&format!("`{word}`")))
        .collect();
    assert!(missing.is_empty(), "docs/contract.md lacks {missing:?}");
}

/// A session with a project that configures and one that fails (so the summary's
/// `unsuccessful` and `causes` have objects), retried once (a `retried` event), emits every
/// field and every event word; each must be in the contract.
#[test]
fn the_contract_names_every_json_field() {
    if !cmake_available("the_contract_names_every_json_field") {
        return;
    }
    let temp = TempDir::new("docs-json");
    write_project(&temp.join("src/good"), "");
    write_project(&temp.join("src/bad"), "message(FATAL_ERROR \"deliberate\")");
    let events = jobdeck_json(&[
        "--json",
        "--retries",
        "1",
        "-B",
        path_arg(&temp.join("build")),
        path_arg(&temp.join("src")),
    ]);
    let mut found = BTreeSet::new();
    let mut words = BTreeSet::new();
    for event in &events {
        keys(event, &mut found);
        words.extend(event["event"].as_str().map(str::to_string));
    }
    assert!(
        found.contains("unsuccessful") && found.contains("cause"),
        "{found:?}"
    );
    assert!(words.contains("retried"), "{words:?}");
    let contract = read("docs/contract.md");
    let missing: Vec<&String> = words
        .iter()
        .filter(|word| !contract.contains(&format!("`{word}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/contract.md lacks the events {missing:?}"
    );
    let missing: Vec<&String> = found
        .iter()
        .filter(|key| !contract.contains(&format!("`{key}`")))
        .collect();
    assert!(missing.is_empty(), "docs/contract.md lacks {missing:?}");
}

/// `.ci/run` runs exactly the test command the README gives, as its last line.
#[test]
fn ci_runs_the_readmes_test_command() {
    let readme = read("README.md");
    let command = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next())
        .find(|block| block.starts_with("cargo test"))
        .expect("a cargo test command in the README");
    let ci = read(".ci/run");
    let last = ci
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .expect("a last line");
    assert_eq!(last.trim(), command.trim());
}

/// The README is one page for a newcomer, and each `docs/` file it links to exists (the two
/// other helpers add are linked ahead of their merge).
#[test]
fn the_readme_is_short_and_its_doc_links_hold() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(lines < 300, "README.md has {lines} lines");
    let pending = ["docs/commands.md", "docs/reliability-notes.md"];
    for link in readme.split("](").skip(1) {
        let target = link.split([')', '#']).next().unwrap_or_default();
        if target.starts_with("docs/") && !pending.contains(&target) {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR")).join(target).is_file(),
                "README.md links to {target}, which does not exist"
            );
        }
    }
    for doc in [
        "usage",
        "contract",
        "reliability",
        "performance",
        "architecture",
        "tests",
    ] {
        assert!(
            readme.contains(&format!("](docs/{doc}.md")),
            "README.md does not link docs/{doc}.md"
        );
    }
}

#[test]
fn the_tests_doc_names_every_test_file_and_no_other() {
    let doc = read("docs/tests.md");
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&folder).expect("read tests/") {
        let path = entry.expect("a tests/ entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if is_rust(&name) && !doc.contains(&format!("`tests/{name}`")) {
            missing.push(name.into_owned());
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "not in docs/tests.md: {missing:?}");
    // And no file that is gone: the table named a `tests/faults.rs` long after it was split.
    for named in doc.split("`tests/").skip(1) {
        let Some(name) = named.split('`').next().filter(|n| is_rust(n)) else {
            continue;
        };
        assert!(
            folder.join(name).exists(),
            "docs/tests.md names tests/{name}"
        );
    }
}

fn is_rust(name: &str) -> bool {
    std::path::Path::new(name)
        .extension()
        .is_some_and(|extension| extension == "rs")
}
