//! Child-process tests: the client spawns a real stdio server (the `everything-server` example) for each
//! legacy revision, and the spec's shutdown sequence (close stdin, SIGTERM, SIGKILL) is checked on
//! processes that ignore each step.

use mcpgen::client::{Client, ClientBuilder, CompletionRef, ServerNotification};
use mcpgen::rpc::ErrorObject;
use mcpgen::transport::{ChildProcess, ShutdownOptions};
use mcpgen::{ProtocolVersion, hub};
use serde_json::json;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

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

/// A client for the child server that answers every server → client request and records notifications.
fn full_client(version: ProtocolVersion, notes: mpsc::UnboundedSender<ServerNotification>) -> ClientBuilder {
    Client::builder("child-test", "1.0")
        .protocol_version(version)
        .on_sampling(|_| async {
            serde_json::from_value(
                json!({"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"}),
            )
            .map_err(|e| ErrorObject::new(-32603, e.to_string()))
        })
        .on_roots(|| async {
            serde_json::from_value(json!({"roots": [{"uri": "file:///work", "name": "work"}]}))
                .map_err(|e| ErrorObject::new(-32603, e.to_string()))
        })
        .on_elicitation(|_| async {
            serde_json::from_value(json!({"action": "accept", "content": {"answer": "yes"}}))
                .map_err(|e| ErrorObject::new(-32603, e.to_string()))
        })
        .on_notification(move |note| {
            let _ = notes.send(note);
        })
}

/// The text of a tool result's first block.
fn first_text(result: &hub::CallToolResult) -> String {
    serde_json::to_value(&result.content).expect("json")[0]["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn every_method_of_every_legacy_revision_over_a_child_process() {
    within(async {
        let server = everything_server();
        for &version in ProtocolVersion::ENABLED {
            let child =
                ChildProcess::command(server.to_str().expect("utf-8 path"), std::iter::empty::<&str>()).expect("spawn");
            let (tx, mut notes) = mpsc::unbounded_channel();
            let client = full_client(version, tx).connect(child).await.expect("handshake");
            assert_eq!(client.protocol_version(), version);
            assert_eq!(client.server().info.name, "everything-server");
            client.ping().await.expect("ping");
            // Tools, including the three that call back into the client.
            let tools = client.list_all_tools().await.expect("tools/list");
            assert_eq!(tools.len(), 8, "{version}");
            let sum = client.call_tool("add", json!({"a": 40, "b": 2})).await.expect("tools/call");
            assert_eq!(first_text(&sum), "42", "{version}");
            let sampled = client.call_tool("ask_model", json!({"question": "hello?"})).await.expect("sampling");
            assert!(first_text(&sampled).contains("hi"), "{version}: {sampled:?}");
            let roots = client.call_tool("roots", json!({})).await.expect("roots");
            assert_eq!(first_text(&roots), "file:///work", "{version}");
            let asked = client.call_tool("ask_user", json!({"question": "ok?"})).await.expect("elicitation");
            if version.has_elicitation() {
                assert!(first_text(&asked).contains("accept"), "{version}: {asked:?}");
            } else {
                assert_eq!(asked.is_error, Some(true), "{version}: no elicitation before 2025-06-18");
            }
            // Resources: list, templates, read, subscribe → updated, unsubscribe.
            assert_eq!(client.list_all_resources().await.expect("resources/list").len(), 1);
            assert_eq!(client.list_all_resource_templates().await.expect("templates").len(), 1);
            let note = client.read_resource("notes://1").await.expect("template read");
            assert!(serde_json::to_string(&note.contents).expect("json").contains("first note"));
            client.subscribe("notes://1").await.expect("subscribe");
            client.call_tool("edit_note", json!({"id": "1", "text": "changed"})).await.expect("edit");
            let updated = loop {
                match notes.recv().await.expect("notifications") {
                    ServerNotification::ResourceUpdated(updated) => break updated,
                    _ => continue,
                }
            };
            assert_eq!(updated.uri, "notes://1");
            client.unsubscribe("notes://1").await.expect("unsubscribe");
            // Prompts and completion.
            assert_eq!(client.list_all_prompts().await.expect("prompts/list").len(), 1);
            let prompt =
                client.get_prompt("summarize", [("topic".to_owned(), "rust".to_owned())].into()).await.expect("get");
            assert_eq!(prompt.messages.len(), 1);
            let completion = client
                .complete(CompletionRef::Prompt("summarize".into()), "style", "b", None)
                .await
                .expect("completion/complete");
            assert_eq!(completion.completion.values, ["brief", "bullet points"], "{version}");
            // Logging: only warnings and above once the level is set.
            client.set_level(hub::LoggingLevel::Warning).await.expect("logging/setLevel");
            client.call_tool("log", json!({})).await.expect("log");
            client.ping().await.expect("ping");
            let levels: Vec<hub::LoggingLevel> = std::iter::from_fn(|| notes.try_recv().ok())
                .filter_map(|n| match n {
                    ServerNotification::Log(log) => Some(log.level),
                    _ => None,
                })
                .collect();
            assert_eq!(levels, [hub::LoggingLevel::Warning, hub::LoggingLevel::Error], "{version}");
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
