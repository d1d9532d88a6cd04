//! Robustness: what a peer that misbehaves, stalls or disappears cannot do to a connection, and the
//! capability and lifecycle rules that hold under it.

use super::support::*;
use mcpgen::rpc::ErrorObject;
use mcpgen::runtime::client::ServerNotification;
use mcpgen::runtime::server::{Server, Tool, ToolError};
use mcpgen::runtime::{ConnectionOptions, Error, RequestOptions, hub};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn malformed_notifications_are_never_answered() {
    within(async {
        let (definition, _probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        let cases = [
            ("wrong jsonrpc on a notification", json!({"jsonrpc": "1.0", "method": "notifications/x"})),
            ("missing jsonrpc on a notification", json!({"method": "notifications/x"})),
            ("array params on a notification", json!({"jsonrpc": "2.0", "method": "notifications/x", "params": [1]})),
            ("string params on a notification", json!({"jsonrpc": "2.0", "method": "notifications/x", "params": "p"})),
        ];
        for (case, message) in cases {
            check(&mut raw, case, message, Expect::Silence).await;
        }
    })
    .await;
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_refused() {
    within(async {
        let options = ConnectionOptions { max_in_flight: 1, ..ConnectionOptions::default() };
        let (definition, mut probe) = server_with(|b| b.connection_options(options));
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "gated"}})).await;
        probe.started().await;
        raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})).await;
        let refused = raw.recv().await;
        assert_eq!(refused["id"], 2, "{refused}");
        assert_eq!(refused["error"]["code"], ErrorObject::INTERNAL_ERROR, "{refused}");
        probe.release();
        assert_eq!(raw.recv().await["result"]["content"][0]["text"], "released");
        // With the slot free again, requests are served.
        raw.ping_ok().await;
    })
    .await;
}

#[tokio::test]
async fn capabilities_are_those_declared_at_initialize() {
    within(async {
        // No tools when the client initializes: adding one later does not make `tools/*` exist for it.
        let definition = Server::builder("late-tools", "1.0").build();
        let (mut raw, _handle) = raw_server(&definition);
        let init = raw.handshake(newest()).await;
        assert!(init["result"]["capabilities"].get("tools").is_none(), "{init}");
        definition.add_tool(Tool::no_args("late", "Added after initialize", |_| async { Ok::<_, ToolError>("late") }));
        let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/list"});
        check(&mut raw, "tools/list after add_tool", list, Expect::Error(ErrorObject::METHOD_NOT_FOUND, json!(5), ""))
            .await;
    })
    .await;
}

#[tokio::test]
async fn initialize_is_never_cancelled_even_when_it_times_out() {
    within(async {
        let (mut raw, transport) = raw_peer();
        let connecting =
            client(newest()).connection_options(timing_out_after(Duration::from_millis(200))).connect(transport);
        let (outcome, request) = tokio::join!(connecting, raw.recv());
        assert_eq!(request["method"], "initialize", "{request}");
        assert!(matches!(outcome, Err(Error::Timeout(_))), "{:?}", outcome.err());
        // The client closes without sending `notifications/cancelled` for `initialize`.
        raw.closed().await;
    })
    .await;
}

#[tokio::test]
async fn dropping_the_client_ends_the_servers_connection() {
    within(async {
        let h = connect(newest()).await;
        let Harness { client, server, .. } = h;
        drop(client);
        server.waiting().await.expect("a clean end after the client went away");
    })
    .await;
}

#[tokio::test]
async fn closing_still_reads_the_answers_handlers_wait_for() {
    within(async {
        let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel();
        let slow_model = full_client(newest()).on_sampling(move |_| {
            let asked_tx = asked_tx.clone();
            async move {
                // The server's tool is now waiting for this answer; the test closes the server meanwhile.
                let _ = asked_tx.send(());
                tokio::time::sleep(Duration::from_millis(200)).await;
                serde_json::from_value::<hub::CreateMessageResult>(
                    json!({"role": "assistant", "content": {"type": "text", "text": "late"}, "model": "m"}),
                )
                .map_err(|e| ErrorObject::new(-32603, e.to_string()))
            }
        });
        let mut h = connect_with(server(), slow_model).await;
        let (server, probe) = (&h.server, &mut h.probe);
        let closing = async {
            asked.recv().await;
            server.close().await;
        };
        let (outcome, ()) = tokio::join!(h.client.call_tool("sample", json!({})), closing);
        assert_eq!(text_of(&outcome.expect("the tool finished")), "asked");
        let sampled = probe.sampled().await.expect("the client's answer reached the closing server");
        assert_eq!(sampled.model, "m");
    })
    .await;
}

#[tokio::test]
async fn url_elicitation_needs_the_url_capability() {
    within(async {
        let (definition, _probe) = server_with(|b| {
            b.tool(Tool::no_args("open", "Asks the user to open a page", |cx| async move {
                let params = serde_json::from_value(
                    json!({"mode": "url", "message": "Sign in", "url": "https://example.com/login"}),
                )?;
                Ok::<_, ToolError>(match cx.elicit(params).await {
                    Err(Error::MissingCapability(what)) => format!("missing {what}"),
                    other => format!("unexpected {other:?}"),
                })
            }))
        });
        // `elicitation: {}` declares form mode only.
        let h = connect_with((definition, _probe), full_client(newest())).await;
        assert_eq!(h.call_text("open", json!({})).await, "missing elicitation.url");
    })
    .await;
}

#[tokio::test]
async fn progress_goes_to_its_caller_only() {
    within(async {
        let mut h = connect(newest()).await;
        let (tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
        h.client.call_tool_with_progress("progress", json!({"steps": 3}), tx).await.expect("call");
        h.client.ping().await.expect("ping");
        assert_eq!(std::iter::from_fn(|| updates.try_recv().ok()).count(), 3);
        let duplicated =
            h.received_notes().into_iter().filter(|n| matches!(n, ServerNotification::Progress(_))).count();
        assert_eq!(duplicated, 0, "progress for a call with a progress channel also reached on_notification");
    })
    .await;
}

#[tokio::test]
async fn unbounded_timeouts_do_not_overflow() {
    within(async {
        let requests = RequestOptions { timeout: Duration::MAX, max_timeout: Duration::MAX, reset_on_progress: true };
        let options = ConnectionOptions { requests, drain: Duration::MAX, ..ConnectionOptions::default() };
        let h = connect_with(
            server_with(|b| b.connection_options(options.clone())),
            client(newest()).connection_options(options),
        )
        .await;
        assert_eq!(h.call_text("add", json!({"a": 1, "b": 2})).await, "3");
        h.client.close().await.expect("close");
        h.server.waiting().await.expect("server end");
    })
    .await;
}
