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

/// Arguments with a nested type, so that the schema has definitions.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Outer {
    inner: Inner,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Inner {
    depth: u32,
}

#[tokio::test]
async fn generated_schemas_use_the_dialect_of_the_revision() {
    use mcpgen::runtime::server::{Tool, ToolError};
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let server = server_with(|b| {
                b.tool(Tool::new("nested", "Takes a nested type", |o: Outer, _| async move {
                    Ok::<_, ToolError>(o.inner.depth.to_string())
                }))
            });
            let h = connect_with(server, client(version)).await;
            let tools = h.raw_all("tools/list", "tools").await;
            let schema = &tools.iter().find(|t| t["name"] == "nested").expect("nested is listed")["inputSchema"];
            assert_eq!(schema["type"], "object", "{version}");
            assert!(schema.get("title").is_none(), "{version}: the Rust type name leaked: {schema}");
            // 2025-11-25 made JSON Schema 2020-12 the default dialect and added `$schema`; older revisions get
            // draft-07 (`definitions`), their `inputSchema` having no `$schema` member.
            if at_least(version, "2025-11-25") {
                assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", "{version}");
                assert!(schema["$defs"]["Inner"].is_object(), "{version}: {schema}");
                assert_eq!(schema["properties"]["inner"]["$ref"], "#/$defs/Inner", "{version}");
            } else {
                assert!(schema.get("$schema").is_none(), "{version}: {schema}");
                assert!(schema.get("$defs").is_none(), "{version}: {schema}");
                assert!(schema["definitions"]["Inner"].is_object(), "{version}: {schema}");
                assert_eq!(schema["properties"]["inner"]["$ref"], "#/definitions/Inner", "{version}");
            }
        }
    })
    .await;
}
