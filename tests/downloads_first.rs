//! A superbuild's downloads start early (issue 32, item 4): without history nothing can say
//! how long a download takes (a second with a network, 85 s of CMake's back-off without),
//! and on the cookbook corpus the superbuilds' builds came up in their turn at 78 of 97 jobs,
//! while the ETA said `3.7s`; they then took 90 s. A configure that leaves a download step
//! to come hurries its build: it goes before the other projects' configures, and the
//! estimate hears of a long wait near the start instead of the end.

mod common;

use common::{TempDir, cmake_available, run_command};

/// A local server that answers 404 to every request: CMake does not retry it, so the
/// download step fails at once.
fn not_found_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    port
}

/// `job stage` of each `started` event, in the order they came.
fn started(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["event"] == "started")
        .map(|e| {
            format!(
                "{} {}",
                e["job"].as_str().unwrap_or("?"),
                e["stage"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn a_superbuilds_build_goes_before_the_other_configures() {
    if !cmake_available("a_superbuilds_build_goes_before_the_other_configures") {
        return;
    }
    let port = not_found_server();
    let temp = TempDir::new("downloads-first");
    let ws = temp.join("ws");
    common::write_project(
        &ws.join("a-super"),
        &format!(
            "include(ExternalProject)\nExternalProject_Add(dep URL \
             http://127.0.0.1:{port}/dep.tar.gz CONFIGURE_COMMAND \"\" BUILD_COMMAND \"\" \
             INSTALL_COMMAND \"\")"
        ),
    );
    for name in ["b", "c", "d"] {
        common::write_project(&ws.join(name), "");
    }
    let mut command = common::jobdeck();
    command
        .args(["--json", "-j1", "--build"])
        .arg(&ws)
        .arg("-B")
        .arg(temp.join("build"));
    let run = run_command(command);
    assert_eq!(run.code(), 1, "the download fails: {run:?}");
    let order = started(&run.json());
    let at = |name: &str| {
        order
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("{name} never started: {order:?}"))
    };
    // One worker and one run on deck: `b`'s configure was on deck when `a-super`'s ended.
    assert!(
        at("a-super build") < at("c configure"),
        "the download's build went before the configures after it: {order:?}"
    );
    assert!(
        at("b build") > at("d configure"),
        "a build without a download keeps its turn: {order:?}"
    );
}
