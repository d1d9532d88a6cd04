//! The client in MCP 2026-07-28 against the real server: the probe settles on the stateless revision when
//! the server answers `server/discover` (in process and over Streamable HTTP), every request carries its
//! `_meta`, a pinned legacy revision still initializes, and a server that refuses or ignores the probe gets
//! the handshake.

use crate::support::{
    TOOLS, Tapped, client, connect_tapped, full_client, newest, raw_peer, rev, server, tapped, text_of, within,
};
use mcpgen::runtime::client::{Client, ServerNotification};
use mcpgen::runtime::{ProtocolVersion, hub};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// The requests among tapped frames.
fn requests(frames: &[Tapped]) -> Vec<Value> {
    frames
        .iter()
        .filter_map(|frame| match frame {
            Tapped::Sent(message) if message.get("id").is_some() && message.get("method").is_some() => {
                Some(message.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_probe_picks_2026_and_every_request_carries_its_meta() {
    within(async {
        let builder = Client::builder("test-client", "1.0.0");
        let (h, mut frames) = connect_tapped(server(), builder).await;
        let client = &h.client;
        assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
        assert_eq!(client.server().info.name, "test-server");
        assert_eq!(client.server().instructions.as_deref(), Some("Use the tools."));
        assert!(client.server().capabilities.tools.is_some());
        let discovered = client.discovered().expect("the server/discover result");
        assert!(discovered.supported_versions.iter().any(|v| v == "2026-07-28"));

        let tools = client.list_all_tools().await.expect("tools/list, page after page");
        assert_eq!(tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), TOOLS);
        assert_eq!(h.call_text("add", json!({"a": 2, "b": 3})).await, "5");
        let (tx, mut progress) = mpsc::unbounded_channel();
        let result = client.call_tool_with_progress("progress", json!({"steps": 2}), tx).await.expect("progress");
        assert_eq!(text_of(&result), "progressed");
        assert_eq!(progress.recv().await.expect("a progress update").message.as_deref(), Some("step 1"));
        let read = client.read_resource("mem://users/7/profile").await.expect("resources/read");
        assert_eq!(read.contents.len(), 1);
        let greeting = BTreeMap::from([("name".to_owned(), "Ada".to_owned())]);
        assert_eq!(client.get_prompt("greet", greeting).await.expect("prompts/get").messages.len(), 1);
        client.set_level(hub::LoggingLevel::Debug).await.expect("the level is kept for later requests");
        assert_eq!(h.call_text("add", json!({"a": 1, "b": 1})).await, "2");

        let sent = requests(&tapped(&mut frames));
        assert_eq!(sent[0]["method"], "server/discover", "the probe comes first");
        assert!(sent.iter().all(|r| r["method"] != "initialize"), "no handshake");
        for request in &sent {
            let meta = &request["params"]["_meta"];
            assert_eq!(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28", "{request}");
            assert_eq!(meta["io.modelcontextprotocol/clientInfo"]["name"], "test-client", "{request}");
            assert_eq!(meta["io.modelcontextprotocol/clientCapabilities"], json!({}), "{request}");
        }
        let last = sent.last().expect("requests were sent");
        assert_eq!(last["params"]["_meta"]["io.modelcontextprotocol/logLevel"], "debug");
        let with_progress = sent.iter().find(|r| r["params"]["name"] == "progress").expect("the progress call");
        assert!(with_progress["params"]["_meta"]["progressToken"].is_number());
        client.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_pinned_legacy_revision_still_initializes() {
    within(async {
        let version = rev("2025-06-18");
        let (h, mut frames) = connect_tapped(server(), client(version)).await;
        assert_eq!(h.client.protocol_version(), version);
        assert_eq!(h.server.protocol_version(), Some(version));
        assert!(h.client.discovered().is_none());
        assert_eq!(h.call_text("add", json!({"a": 2, "b": 2})).await, "4");
        let sent = requests(&tapped(&mut frames));
        assert_eq!(sent[0]["method"], "initialize");
        assert!(sent.iter().all(|r| r["method"] != "server/discover" && r["params"].get("_meta").is_none()));
    })
    .await;
}

#[tokio::test]
async fn a_pinned_2026_revision_declares_its_handlers_without_roots_list_changed() {
    within(async {
        let (h, mut frames) = connect_tapped(server(), full_client(ProtocolVersion::V2026_07_28)).await;
        assert_eq!(h.client.protocol_version(), ProtocolVersion::V2026_07_28);
        let sent = requests(&tapped(&mut frames));
        let capabilities = &sent[0]["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"];
        assert_eq!(*capabilities, json!({"sampling": {}, "roots": {}, "elicitation": {}}));
    })
    .await;
}

#[tokio::test]
async fn the_probe_falls_back_to_initialize_when_discover_is_refused() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = async {
            let probe = fake.recv().await;
            assert_eq!(probe["method"], "server/discover");
            assert_eq!(probe["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
            let error = json!({"code": -32601, "message": "Method not found"});
            fake.send(json!({"jsonrpc": "2.0", "id": probe["id"], "error": error})).await;
            fake.answer_handshake().await;
        };
        let (connected, ()) = tokio::join!(Client::builder("c", "1").connect(transport), fake_server);
        let client = connected.expect("the handshake after the refused probe");
        assert_eq!(client.protocol_version(), newest());
        assert_eq!(client.server().info.name, "fake");
        assert!(client.discovered().is_none());
    })
    .await;
}

#[tokio::test]
async fn the_probe_falls_back_to_initialize_when_discover_goes_unanswered() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = async {
            let probe = fake.recv().await;
            assert_eq!(probe["method"], "server/discover");
            // No answer: after the probe timeout the client gives up on it (and says so) and initializes.
            let cancelled = fake.recv().await;
            assert_eq!(cancelled["method"], "notifications/cancelled");
            assert_eq!(cancelled["params"]["requestId"], probe["id"]);
            fake.answer_handshake().await;
        };
        let builder = Client::builder("c", "1").probe_timeout(Duration::from_millis(200));
        let (connected, ()) = tokio::join!(builder.connect(transport), fake_server);
        assert_eq!(connected.expect("the handshake after the timeout").protocol_version(), newest());
    })
    .await;
}

#[tokio::test]
async fn a_pinned_2026_revision_does_not_fall_back() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = async {
            let probe = fake.recv().await;
            let error = json!({"code": -32601, "message": "Method not found"});
            fake.send(json!({"jsonrpc": "2.0", "id": probe["id"], "error": error})).await;
            fake.closed().await;
        };
        let builder = Client::builder("c", "1").protocol_version(ProtocolVersion::V2026_07_28);
        let (connected, ()) = tokio::join!(builder.connect(transport), fake_server);
        match connected {
            Err(mcpgen::runtime::Error::Rpc(error)) => assert_eq!(error.code, -32601),
            Err(other) => panic!("expected the -32601, got {other:?}"),
            Ok(_) => panic!("connected without server/discover"),
        }
    })
    .await;
}

#[tokio::test]
async fn a_listen_stream_hears_the_changes_it_asked_for() {
    within(async {
        let (h, _frames) = connect_tapped(server(), Client::builder("test-client", "1.0.0")).await;
        let tools = hub::SubscriptionFilter { tools_list_changed: Some(true), ..Default::default() };
        let mut subscription = h.client.listen(tools).await.expect("subscriptions/listen");
        assert_eq!(subscription.honoured().tools_list_changed, Some(true));
        h.definition.prompts_changed();
        h.definition.tools_changed();
        let heard = subscription.next().await;
        assert!(matches!(heard, Some(ServerNotification::ToolsChanged)), "only what it asked for: {heard:?}");
        drop(subscription);
        // The connection goes on.
        assert_eq!(h.call_text("add", json!({"a": 1, "b": 2})).await, "3");
    })
    .await;
}

#[cfg(all(feature = "http-server", feature = "http-client"))]
mod http {
    use crate::http::serve;
    use crate::support::{server, text_of, within};
    use mcpgen::http::{HttpOptions, HttpTransport};
    use mcpgen::runtime::ProtocolVersion;
    use mcpgen::runtime::client::Client;
    use serde_json::json;
    use std::collections::BTreeMap;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn the_probe_picks_2026_over_http_and_leaves_no_session() {
        within(async {
            let served = serve(server().0, HttpOptions::default()).await;
            let transport = HttpTransport::new(&served.url).expect("an http:// URL");
            let client = Client::builder("c", "1").connect(transport).await.expect("connect");
            assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
            assert_eq!(client.server().info.name, "test-server");
            assert_eq!(client.list_all_tools().await.expect("tools/list").len(), crate::support::TOOLS.len());
            let sum = client.call_tool("add", json!({"a": 1, "b": 2})).await.expect("tools/call");
            assert_eq!(text_of(&sum), "3");
            let (tx, mut progress) = mpsc::unbounded_channel();
            let steps = client.call_tool_with_progress("progress", json!({"steps": 2}), tx).await.expect("progress");
            assert_eq!(text_of(&steps), "progressed");
            assert!(progress.recv().await.is_some(), "progress arrives on the request's stream");
            client.read_resource("mem://readme").await.expect("resources/read");
            let greeting = BTreeMap::from([("name".to_owned(), "Ada".to_owned())]);
            client.get_prompt("greet", greeting).await.expect("prompts/get");
            assert_eq!(served.http.session_count(), 0, "2026-07-28 requests make no session");
            client.close().await.expect("close");
        })
        .await;
    }
}
