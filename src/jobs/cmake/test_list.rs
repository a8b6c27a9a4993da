//! A project's tests as ctest lists them (`ctest --show-only=json-v1`), and how they fall into
//! the groups that may run as separate ctest invocations without changing any outcome.
//!
//! Tests that share a fixture (setup, cleanup or required), a `RESOURCE_LOCK`, or a `DEPENDS`
//! edge are one group: one ctest invocation selects them all and orders, locks and sets up
//! as it always does. Every other test is a group of its own. A group holding a `RUN_SERIAL`
//! test runs with no other group of its project beside it; a group takes as many slots as its
//! largest `PROCESSORS`.

use std::path::Path;
use std::process::Command;

/// One test, with the properties that decide how it may be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestInfo {
    /// Its name (`add_test(NAME …)`).
    pub name: String,
    /// The names that tie it to other tests: fixtures, resource locks, dependencies.
    pub ties: Vec<String>,
    /// `RUN_SERIAL`.
    pub serial: bool,
    /// `PROCESSORS`, at least 1.
    pub processors: usize,
}

/// Tests that run together in one ctest invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Its tests, in ctest's order.
    pub tests: Vec<String>,
    /// Whether no other group of the project may run beside it.
    pub serial: bool,
    /// The slots it takes.
    pub processors: usize,
}

impl Group {
    /// The `-R` expression that selects exactly its tests.
    pub fn regex(&self) -> String {
        let names: Vec<String> = self.tests.iter().map(|name| escape(name)).collect();
        format!("^({})$", names.join("|"))
    }
}

/// `name` with every character ctest's regular expressions treat specially escaped.
pub fn escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// ctest's `json-v1` listing of the tests of the build folder `build_dir`, as it prints it
/// ([`parse`] reads it), run through the run's launcher when it has one (ctest runs where the
/// tests will); an error says why they could not be listed.
pub fn listing(
    ctest: &std::ffi::OsStr,
    build_dir: &Path,
    ctx: &crate::engine::RunCtx,
) -> Result<String, String> {
    let mut command = Command::new(ctest);
    command
        .arg("--show-only=json-v1")
        .arg("--test-dir")
        .arg(build_dir);
    if let Some(launcher) = ctx.launcher() {
        command = launcher.wrap(&command, ctx.label());
    }
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // Under the lock of every spawn, so it never inherits a build's jobserver pipe.
    let output = crate::engine::reap::spawn(&mut command)
        .and_then(std::process::Child::wait_with_output)
        .map_err(|err| format!("cannot run ctest: {err}"))?;
    if !output.status.success() {
        return Err(format!("ctest --show-only failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The tests in ctest's `json-v1` listing.
pub fn parse(text: &str) -> Result<Vec<TestInfo>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("unreadable test list: {err}"))?;
    let tests = value
        .get("tests")
        .and_then(serde_json::Value::as_array)
        .ok_or("the test list has no tests array")?;
    let mut infos = Vec::with_capacity(tests.len());
    for test in tests {
        let name = test
            .get("name")
            .and_then(serde_json::Value::as_str)
            .ok_or("a listed test has no name")?
            .to_string();
        let mut info = TestInfo {
            name,
            ties: Vec::new(),
            serial: false,
            processors: 1,
        };
        let properties = test.get("properties").and_then(serde_json::Value::as_array);
        for property in properties.into_iter().flatten() {
            let key = property.get("name").and_then(serde_json::Value::as_str);
            let value = property.get("value");
            match (key, value) {
                (
                    Some(
                        key @ ("FIXTURES_SETUP" | "FIXTURES_CLEANUP" | "FIXTURES_REQUIRED"
                        | "RESOURCE_LOCK"),
                    ),
                    Some(value),
                ) => {
                    let space = if key == "RESOURCE_LOCK" {
                        "lock"
                    } else {
                        "fixture"
                    };
                    info.ties
                        .extend(strings(value).map(|s| format!("{space}:{s}")));
                }
                (Some("DEPENDS"), Some(value)) => {
                    info.ties
                        .extend(strings(value).map(|s| format!("test:{s}")));
                }
                (Some("RUN_SERIAL"), Some(value)) => {
                    info.serial = value.as_bool().unwrap_or(false);
                }
                (Some("PROCESSORS"), Some(value)) => {
                    let count = value.as_u64().unwrap_or(1).max(1);
                    info.processors = usize::try_from(count).unwrap_or(usize::MAX);
                }
                _ => {}
            }
        }
        infos.push(info);
    }
    Ok(infos)
}

fn strings(value: &serde_json::Value) -> impl Iterator<Item = String> + '_ {
    let many = value.as_array().map(|items| items.iter());
    let one = value.as_str().map(str::to_string);
    many.into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_string))
        .chain(one)
}

/// The groups of `tests` (see the module's comment), in the order of their first test.
pub fn groups(tests: &[TestInfo]) -> Vec<Group> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..tests.len()).collect();
    let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, test) in tests.iter().enumerate() {
        owner.entry(format!("test:{}", test.name)).or_insert(index);
    }
    for (index, test) in tests.iter().enumerate() {
        for tie in &test.ties {
            let other = *owner.entry(tie.clone()).or_insert(index);
            let (a, b) = (root(&mut parent, index), root(&mut parent, other));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (index, test) in tests.iter().enumerate() {
        let top = root(&mut parent, index);
        let at = *group_of.entry(top).or_insert_with(|| {
            groups.push(Group {
                tests: Vec::new(),
                serial: false,
                processors: 1,
            });
            groups.len() - 1
        });
        let group = &mut groups[at];
        group.tests.push(test.name.clone());
        group.serial |= test.serial;
        group.processors = group.processors.max(test.processors);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"kind":"ctestInfo","version":{"major":1,"minor":0},"tests":[
      {"name":"setup","properties":[{"name":"FIXTURES_SETUP","value":["db"]}]},
      {"name":"uses db","properties":[{"name":"FIXTURES_REQUIRED","value":["db"]}]},
      {"name":"a.b","properties":[{"name":"RESOURCE_LOCK","value":["file"]}]},
      {"name":"alone","properties":[{"name":"RUN_SERIAL","value":true},{"name":"PROCESSORS","value":3}]},
      {"name":"c","properties":[{"name":"RESOURCE_LOCK","value":["file"]}]},
      {"name":"d","properties":[{"name":"DEPENDS","value":["alone"]}]},
      {"name":"plain"}]}"#;

    #[test]
    fn tests_tied_by_fixtures_locks_and_dependencies_share_a_group() {
        let tests = parse(LIST).expect("listing");
        let groups: Vec<Vec<String>> = groups(&tests).into_iter().map(|g| g.tests).collect();
        assert_eq!(
            groups,
            [
                vec!["setup".to_string(), "uses db".to_string()],
                vec!["a.b".to_string(), "c".to_string()],
                vec!["alone".to_string(), "d".to_string()],
                vec!["plain".to_string()],
            ]
        );
        let all = super::groups(&tests);
        assert!(all[2].serial && all[2].processors == 3);
        assert!(!all[3].serial && all[3].processors == 1);
    }

    #[test]
    fn a_group_selects_exactly_its_names() {
        let group = Group {
            tests: vec!["a.b".into(), "x(1)+[y]".into()],
            serial: false,
            processors: 1,
        };
        assert_eq!(group.regex(), r"^(a\.b|x\(1\)\+\[y\])$");
    }
}
