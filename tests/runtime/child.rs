//! Child-process tests: the client spawns a real stdio server (the `everything-server` example) for each
//! legacy revision, and the spec's shutdown sequence (close stdin, SIGTERM, SIGKILL) is checked on
//! processes that ignore each step.

use mcpgen::ProtocolVersion;
use mcpgen::client::Client;
use mcpgen::transport::{ChildProcess, ShutdownOptions};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;

/// The `everything-server` example binary, built next to this test (cargo builds examples for
/// `cargo test`; when only this test target was built, build the example now).
fn everything_server() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("tests run from <target>/<profile>/deps");
    let example = profile_dir.join("examples").join("everything-server");
    if !example.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--all-features", "--example", "everything-server"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the everything-server example failed");
    }
    example
}

async fn within<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(60), body).await.expect("the test timed out");
}

#[tokio::test]
async fn every_legacy_revision_over_a_child_process() {
    within(async {
        let server = everything_server();
        for &version in ProtocolVersion::ENABLED {
            let child =
                ChildProcess::command(server.to_str().expect("utf-8 path"), std::iter::empty::<&str>()).expect("spawn");
            let client =
                Client::builder("child-test", "1.0").protocol_version(version).connect(child).await.expect("handshake");
            assert_eq!(client.protocol_version(), version);
            assert_eq!(client.server().info.name, "everything-server");
            let tools = client.list_all_tools().await.expect("tools/list");
            assert!(tools.iter().any(|t| t.name == "add"));
            let sum = client.call_tool("add", serde_json::json!({"a": 40, "b": 2})).await.expect("tools/call");
            assert_eq!(serde_json::to_value(&sum.content).expect("json")[0]["text"], "42", "{version}");
            let readme = client.read_resource("notes://readme").await.expect("resources/read");
            assert_eq!(readme.contents.len(), 1);
            let note = client.read_resource("notes://1").await.expect("template read");
            assert!(serde_json::to_string(&note.contents).expect("json").contains("first note"));
            let prompt = client
                .get_prompt("summarize", [("topic".to_owned(), "rust".to_owned())].into())
                .await
                .expect("prompts/get");
            assert_eq!(prompt.messages.len(), 1);
            client.ping().await.expect("ping");
            // Closing stdin is enough: the server exits on EOF, long before the SIGTERM step.
            let started = std::time::Instant::now();
            client.close().await.expect("clean shutdown");
            assert!(started.elapsed() < Duration::from_secs(2), "the server did not exit on stdin EOF");
        }
    })
    .await;
}

fn sh(script: &str) -> ChildProcess {
    ChildProcess::command("sh", ["-c", script]).expect("sh spawns").shutdown_options(ShutdownOptions {
        after_stdin: Duration::from_millis(300),
        after_term: Duration::from_millis(300),
    })
}

#[tokio::test]
async fn shutdown_closes_stdin_first() {
    within(async {
        // `cat` exits by itself once its stdin closes.
        let status = sh("cat >/dev/null").shutdown().await.expect("shutdown");
        assert_eq!(status.code(), Some(0), "{status:?}");
    })
    .await;
}

#[tokio::test]
async fn shutdown_sends_sigterm_when_stdin_is_ignored() {
    within(async {
        let status = sh("exec sleep 30").shutdown().await.expect("shutdown");
        assert_eq!(status.signal(), Some(15), "{status:?}");
    })
    .await;
}

#[tokio::test]
async fn shutdown_sends_sigkill_when_sigterm_is_ignored() {
    within(async {
        let mut child = sh("trap '' TERM; echo ready; while :; do sleep 0.05; done");
        // Wait until the trap is installed before shutting down.
        let ready = child.recv().await;
        assert!(matches!(ready, Some(Ok(ref line)) if line == "ready"), "{ready:?}");
        let status = child.shutdown().await.expect("shutdown");
        assert_eq!(status.signal(), Some(9), "{status:?}");
    })
    .await;
}
