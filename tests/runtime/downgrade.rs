//! Handlers are written against the hub revision; a peer on an older revision never sees what it cannot know.

use super::support::*;
use mcpgen::runtime::ProtocolVersion;
use serde_json::{Value, json};

/// The members of `object`, sorted.
fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn tool_title_and_icons_reach_only_revisions_that_have_them() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let tools = h.raw_all("tools/list", "tools").await;
            let fancy = tools.iter().find(|t| t["name"] == "fancy").expect("fancy is listed");
            assert_eq!(fancy.get("annotations").is_some(), at_least(version, "2025-03-26"), "{version}: {fancy}");
            assert_eq!(fancy.get("title").is_some(), at_least(version, "2025-06-18"), "{version}: {fancy}");
            assert_eq!(fancy.get("icons").is_some(), at_least(version, "2025-11-25"), "{version}: {fancy}");
            if version == oldest() {
                assert_eq!(keys(fancy), ["description", "inputSchema", "name"], "{version}");
            }
            if version == newest() {
                assert_eq!(fancy["title"], "Fancy tool");
                assert_eq!(fancy["icons"], json!([{"src": "https://example.com/icon.png", "mimeType": "image/png"}]));
            }
            // The hub revision's result fields never reach a legacy peer.
            let listed = h.raw("tools/list", Value::Null).await;
            let called = h.raw("tools/call", json!({"name": "fancy"})).await;
            let read = h.raw("resources/read", json!({"uri": "mem://readme"})).await;
            for result in [&listed, &called, &read] {
                for hub_only in ["resultType", "ttlMs", "cacheScope"] {
                    assert!(result.get(hub_only).is_none(), "{version}: {hub_only} in {result}");
                }
            }
            let title = h.client.server().info.title.as_deref();
            assert_eq!(title, at_least(version, "2025-06-18").then_some("Test server"), "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn server_title_is_absent_from_an_old_initialize_result() {
    within(async {
        let (definition, _probe) = server();
        for (version, title) in [(oldest(), None), (newest(), Some(&json!("Test server")))] {
            let (mut raw, _handle) = raw_server(&definition);
            let result = raw.handshake(version).await;
            assert_eq!(result["serverInfo"].get("title"), title, "{version}: {result}");
            assert_eq!(result["serverInfo"]["name"], "test-server", "{version}");
            if version == oldest() {
                assert_eq!(keys(&result["serverInfo"]), ["name", "version"], "{version}");
                assert!(result["capabilities"].get("completions").is_none(), "{version}: {result}");
            }
            raw.ping_ok().await;
        }
    })
    .await;
}
