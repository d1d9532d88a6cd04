//! Every method end to end, client ↔ server in process, on each legacy revision this build speaks.

use super::support::*;
use mcpgen::rpc::ErrorObject;
use mcpgen::runtime::client::{CompletionRef, ServerNotification};
use mcpgen::runtime::{Error, ProtocolVersion, hub};
use serde_json::json;
use std::collections::BTreeMap;

#[tokio::test]
async fn initialize_negotiates_each_revision() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            assert_eq!(h.client.protocol_version(), version);
            assert_eq!(h.server.protocol_version(), Some(version));
            let server = h.client.server();
            assert_eq!(server.info.name, "test-server");
            assert_eq!(server.info.version, "1.0.0");
            assert_eq!(server.instructions.as_deref(), Some("Use the tools."));
            let caps = &server.capabilities;
            assert!(caps.tools.is_some() && caps.prompts.is_some() && caps.logging.is_some(), "{version}: {caps:?}");
            assert_eq!(caps.resources.as_ref().and_then(|r| r.subscribe), Some(true), "{version}");
            // 2024-11-05 had no `completions` flag (the method existed without one).
            assert_eq!(caps.completions.is_some(), at_least(version, "2025-03-26"), "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn ping_both_directions() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            h.client.ping().await.unwrap_or_else(|e| panic!("{version}: client → server ping: {e}"));
            h.server.ping().await.unwrap_or_else(|e| panic!("{version}: server → client ping: {e}"));
        }
    })
    .await;
}

#[tokio::test]
async fn tools_list_follows_cursors() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let first = h.client.list_tools(None).await.unwrap();
            assert_eq!(first.tools.len(), PAGE_SIZE, "{version}");
            let cursor = first.next_cursor.expect("more than one page");
            let second = h.client.list_tools(Some(&cursor)).await.unwrap();
            assert_eq!(second.tools[0].name, TOOLS[PAGE_SIZE], "{version}");
            let all: Vec<String> = h.client.list_all_tools().await.unwrap().into_iter().map(|t| t.name).collect();
            assert_eq!(all, TOOLS, "{version}");
            let error = rpc_error(h.client.list_tools(Some("not-a-cursor")).await);
            assert_eq!(error.code, ErrorObject::INVALID_PARAMS, "{version}: {error:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn typed_tool_call() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            assert_eq!(h.call_text("add", json!({"a": 2, "b": 3})).await, "5", "{version}");
            // Arguments that do not fit the tool's type: a JSON-RPC error before 2025-11-25, a tool error
            // result from then on; both name the field.
            let outcome = h.client.call_tool("add", json!({"a": "two", "b": 3})).await;
            if version.tool_input_errors_are_results() {
                let result = outcome.unwrap();
                assert_eq!(result.is_error, Some(true), "{version}");
                assert!(text_of(&result).contains("at `a`"), "{version}: {result:?}");
            } else {
                let error = rpc_error(outcome);
                assert_eq!(error.code, ErrorObject::INVALID_PARAMS, "{version}");
                assert!(error.message.contains("at `a`"), "{version}: {error:?}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn structured_output_only_where_the_revision_has_it() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let structured = at_least(version, "2025-06-18");
            let listed = h.raw("tools/list", json!({"cursor": null})).await;
            let weather = listed["tools"].as_array().unwrap().iter().find(|t| t["name"] == "weather").unwrap();
            assert_eq!(weather.get("outputSchema").is_some(), structured, "{version}: {weather}");
            if structured {
                assert_eq!(weather["outputSchema"]["type"], "object", "{version}");
            }
            let raw = h.raw("tools/call", json!({"name": "weather", "arguments": {"city": "Oslo"}})).await;
            assert_eq!(raw.get("structuredContent").is_some(), structured, "{version}: {raw}");
            let result = h.client.call_tool("weather", json!({"city": "Oslo"})).await.unwrap();
            let expected = json!({"city": "Oslo", "celsius": 21});
            assert_eq!(result.structured_content, structured.then(|| expected.clone()), "{version}");
            // Clients that only read `content` get the same value as JSON text.
            let text: serde_json::Value = serde_json::from_str(&text_of(&result)).unwrap();
            assert_eq!(text, expected, "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn tool_error_is_an_is_error_result() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let result = h.client.call_tool("fail", json!({})).await.unwrap();
            assert_eq!(result.is_error, Some(true), "{version}");
            assert_eq!(text_of(&result), "the tool failed", "{version}");
            let error = rpc_error(h.client.call_tool("no-such-tool", json!({})).await);
            assert_eq!(error.code, ErrorObject::INVALID_PARAMS, "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn resources_and_templates_are_listed_with_cursors() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let first = h.client.list_resources(None).await.unwrap();
            assert_eq!(first.resources.len(), PAGE_SIZE, "{version}");
            assert!(first.next_cursor.is_some(), "{version}");
            let all: Vec<String> = h.client.list_all_resources().await.unwrap().into_iter().map(|r| r.uri).collect();
            assert_eq!(all, RESOURCES, "{version}");
            let templates: Vec<String> =
                h.client.list_all_resource_templates().await.unwrap().into_iter().map(|t| t.uri_template).collect();
            assert_eq!(templates, ["mem://users/{id}/profile", "file:///{+path}"], "{version}");
            let error = rpc_error(h.client.list_resources(Some("mcpgen:ffff")).await);
            assert_eq!(error.code, ErrorObject::INVALID_PARAMS, "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn resources_read_fixed_and_templated() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            assert_eq!(resource_text(&h, "mem://readme").await, "read me first", "{version}");
            assert_eq!(resource_text(&h, "mem://users/42/profile").await, "profile of 42", "{version}");
            assert_eq!(resource_text(&h, "file:///etc/motd").await, "file etc/motd", "{version}");
            let error = rpc_error(h.client.read_resource("mem://missing").await);
            assert_eq!(error.code, -32002, "{version}: {error:?}");
            assert_eq!(error.data, Some(json!({"uri": "mem://missing"})), "{version}");
        }
    })
    .await;
}

async fn resource_text(h: &Harness, uri: &str) -> String {
    let result = h.client.read_resource(uri).await.unwrap_or_else(|e| panic!("resources/read {uri}: {e}"));
    match result.contents.as_slice() {
        [hub::ReadResourceResultContentsItem::TextResourceContents(c)] => {
            assert_eq!(c.uri, uri);
            c.text.clone()
        }
        other => panic!("expected one text content, got {other:?}"),
    }
}

#[tokio::test]
async fn subscriptions_deliver_resource_updates() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect(version).await;
            assert!(!h.server.resource_updated("mem://readme").await.unwrap(), "{version}: not subscribed yet");
            h.client.subscribe("mem://readme").await.unwrap();
            assert!(h.server.resource_updated("mem://readme").await.unwrap(), "{version}");
            match h.note().await {
                ServerNotification::ResourceUpdated(params) => assert_eq!(params.uri, "mem://readme", "{version}"),
                other => panic!("{version}: expected resources/updated, got {other:?}"),
            }
            h.client.unsubscribe("mem://readme").await.unwrap();
            assert!(!h.server.resource_updated("mem://readme").await.unwrap(), "{version}: unsubscribed");
        }
    })
    .await;
}

#[tokio::test]
async fn prompts_list_and_get() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let names: Vec<String> = h.client.list_all_prompts().await.unwrap().into_iter().map(|p| p.name).collect();
            assert_eq!(names, ["greet", "summary"], "{version}");
            let args = BTreeMap::from([("name".to_owned(), "Ada".to_owned())]);
            let result = h.client.get_prompt("greet", args).await.unwrap();
            match &result.messages[0].content {
                hub::ContentBlock::Text(t) => assert_eq!(t.text, "Hello, Ada! (plain)", "{version}"),
                other => panic!("{version}: {other:?}"),
            }
            let missing = rpc_error(h.client.get_prompt("greet", BTreeMap::new()).await);
            assert_eq!(missing.code, ErrorObject::INVALID_PARAMS, "{version}");
            assert!(missing.message.contains("`name`"), "{version}: {missing:?}");
            let unknown = rpc_error(h.client.get_prompt("nope", BTreeMap::new()).await);
            assert_eq!(unknown.code, ErrorObject::INVALID_PARAMS, "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn completion_complete() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let context = BTreeMap::from([("style".to_owned(), "formal".to_owned())]);
            let result =
                h.client.complete(CompletionRef::Prompt("greet".into()), "name", "al", Some(context)).await.unwrap();
            // Already-resolved arguments travel from 2025-06-18 on.
            let mut expected = vec!["alice".to_owned(), "albert".to_owned()];
            if at_least(version, "2025-06-18") {
                expected.push("context:formal".into());
            }
            assert_eq!(result.completion.values, expected, "{version}");
            let template = CompletionRef::Resource("mem://users/{id}/profile".into());
            let result = h.client.complete(template, "id", "4", None).await.unwrap();
            assert_eq!(result.completion.values, ["42"], "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn logging_set_level_filters_messages() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect(version).await;
            h.client.set_level(hub::LoggingLevel::Warning).await.unwrap();
            // Below the level: filtered, so the first message the client sees is the error after it.
            h.server.log(hub::LoggingLevel::Info, None, json!("quiet")).await.unwrap();
            h.server.log(hub::LoggingLevel::Error, Some("db"), json!({"failed": "query"})).await.unwrap();
            match h.note().await {
                ServerNotification::Log(log) => {
                    assert_eq!(log.level, hub::LoggingLevel::Error, "{version}");
                    assert_eq!(log.logger.as_deref(), Some("db"), "{version}");
                    assert_eq!(log.data, json!({"failed": "query"}), "{version}");
                }
                other => panic!("{version}: expected a log message, got {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn list_changed_notifications() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect(version).await;
            h.definition.add_tool(mcpgen::runtime::server::Tool::no_args("late", "Added later", |_| async move {
                Ok::<_, mcpgen::runtime::server::ToolError>("late")
            }));
            h.server.tools_changed().await.unwrap();
            h.server.prompts_changed().await.unwrap();
            h.server.resources_changed().await.unwrap();
            assert!(matches!(h.note().await, ServerNotification::ToolsChanged), "{version}");
            assert!(matches!(h.note().await, ServerNotification::PromptsChanged), "{version}");
            assert!(matches!(h.note().await, ServerNotification::ResourcesChanged), "{version}");
            let tools = h.client.list_all_tools().await.unwrap();
            assert_eq!(tools.last().map(|t| t.name.as_str()), Some("late"), "{version}");
            assert!(h.definition.remove_tool("late"));
        }
    })
    .await;
}

#[tokio::test]
async fn sampling_and_roots_reach_the_client() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect(version).await;
            assert_eq!(h.call_text("sample", json!({})).await, "asked");
            let sampled = h.probe.sampled().await.unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(sampled.model, "test-model", "{version}");
            assert_eq!(sampled.role, hub::Role::Assistant, "{version}");
            assert_eq!(h.call_text("roots", json!({})).await, "asked");
            let roots = h.probe.roots().await.unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(roots.roots.len(), 1, "{version}");
            assert_eq!(roots.roots[0].uri, "file:///work", "{version}");
            assert_eq!(roots.roots[0].name.as_deref(), Some("work"), "{version}");
        }
    })
    .await;
}

#[tokio::test]
async fn sampling_and_roots_need_the_client_capability() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect_with(server(), client(version)).await;
            assert_eq!(h.call_text("sample", json!({})).await, "asked");
            let sampled = h.probe.sampled().await;
            assert!(matches!(sampled, Err(Error::MissingCapability("sampling"))), "{version}: {sampled:?}");
            assert_eq!(h.call_text("roots", json!({})).await, "asked");
            let roots = h.probe.roots().await;
            assert!(matches!(roots, Err(Error::MissingCapability("roots"))), "{version}: {roots:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn elicitation_where_the_revision_and_the_client_have_it() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let mut h = connect(version).await;
            assert_eq!(h.call_text("elicit", json!({})).await, "asked");
            match h.probe.elicited().await {
                Ok(result) if version.has_elicitation() => {
                    assert_eq!(result.action, hub::ElicitResultAction::Accept, "{version}");
                    let name = result.content.as_ref().and_then(|c| c.get("name"));
                    assert_eq!(name, Some(&hub::ElicitResultValue::String("Ada".into())), "{version}");
                }
                // Before 2025-06-18 the method does not exist, whatever the client declares.
                Err(Error::MissingCapability("elicitation")) if !version.has_elicitation() => {}
                other => panic!("{version}: {other:?}"),
            }
            // A client without an elicitation handler does not declare the capability.
            let mut bare = connect_with(server(), client(version)).await;
            assert_eq!(bare.call_text("elicit", json!({})).await, "asked");
            let elicited = bare.probe.elicited().await;
            assert!(matches!(elicited, Err(Error::MissingCapability("elicitation"))), "{version}: {elicited:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn roots_list_changed_reaches_the_server_which_asks_again() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
            let server = server_with(|b| {
                b.on_roots_changed(move |client| {
                    let seen_tx = seen_tx.clone();
                    async move {
                        let _ = seen_tx.send(client.list_roots().await.map(|r| r.roots.len()));
                    }
                })
            });
            let h = connect_with(server, full_client(version)).await;
            h.client.roots_changed().await.expect("notifications/roots/list_changed");
            let roots = seen.recv().await.expect("the hook ran");
            assert_eq!(roots.expect("roots/list from the hook"), 1, "{version}");
        }
    })
    .await;
}
