//! Robustness: what a peer that misbehaves, stalls or disappears cannot do to a connection, and the
//! capability and lifecycle rules that hold under it.

use super::support::*;
use mcpgen::rpc::ErrorObject;
use mcpgen::runtime::client::ServerNotification;
use mcpgen::runtime::server::{Server, Tool, ToolError};
use mcpgen::runtime::{ConnectionOptions, Error, RequestOptions, hub};
use serde_json::json;
use std::time::Duration;

/// `"missing <capability>"` for a request refused for an undeclared capability.
fn missing<T: std::fmt::Debug>(outcome: Result<T, Error>) -> String {
    match outcome {
        Err(Error::MissingCapability(what)) => format!("missing {what}"),
        other => format!("unexpected {other:?}"),
    }
}

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
        let (mut fake, transport) = raw_peer();
        let fake_server = fake.answer_handshake();
        let connecting = client(newest()).connection_options(timing_out_after(Duration::from_millis(200))).connect(transport);
        let (client, ()) = tokio::join!(connecting, fake_server);
        let client = client.expect("handshake");
        // A second `initialize` the fake never answers: the call times out without cancelling it.
        let params = json!({"protocolVersion": newest().as_str(), "capabilities": {}, "clientInfo": {"name": "c", "version": "1"}});
        let (outcome, request) = tokio::join!(client.request_raw("initialize", Some(params)), fake.recv());
        assert_eq!(request["method"], "initialize");
        assert!(matches!(outcome, Err(Error::Timeout(_))), "{outcome:?}");
        let (_, next) = tokio::join!(client.ping(), async {
            let next = fake.recv().await;
            fake.send(json!({"jsonrpc": "2.0", "id": next["id"], "result": {}})).await;
            next
        });
        assert_eq!(next["method"], "ping", "the frame after the timeout: {next}");
    })
    .await;
}

#[tokio::test]
async fn dropping_the_connect_future_closes_the_connection() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let connecting = client(newest()).connect(transport);
        let request = tokio::select! {
            outcome = connecting => panic!("connected without an answer: {:?}", outcome.is_ok()),
            request = fake.recv() => request,
        };
        assert_eq!(request["method"], "initialize");
        // The `connect` future was dropped by the select: the client side closes without a word.
        fake.closed().await;
    })
    .await;
}

#[tokio::test]
async fn a_panicking_notification_handler_does_not_end_the_connection() {
    within(async {
        let panicky = client(newest()).on_notification(|_| panic!("a bug in the application's handler"));
        let (definition, _probe) = server();
        let (c, s) = mcpgen::runtime::transport::in_process();
        let handle = definition.serve(s);
        let client = panicky.connect(c).await.expect("handshake");
        client.ping().await.expect("ping");
        handle.tools_changed().await.expect("notify");
        // The handler panicked on the notification; the connection still answers.
        client.ping().await.expect("ping after the panic");
        assert_eq!(text_of(&client.call_tool("add", json!({"a": 1, "b": 1})).await.expect("call")), "2");
    })
    .await;
}

#[tokio::test]
async fn a_peer_that_never_reads_is_dropped_at_the_backlog_limit() {
    within(async {
        let options = ConnectionOptions { max_backlog: 1, ..ConnectionOptions::default() };
        let (definition, _probe) = server_with(|b| b.connection_options(options));
        let (mut raw, handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        // 2000 requests for an unknown 3 KiB method, each answered with an error naming it, none of the
        // answers read: past the 4 MiB floor of the limit the server gives up on this peer.
        let method = "m".repeat(3 * 1024);
        for id in 0..2000 {
            if !raw.try_send(json!({"jsonrpc": "2.0", "id": id, "method": method})).await {
                break; // The server has given up and stopped reading.
            }
        }
        match handle.waiting().await {
            Err(Error::Protocol(why)) => assert!(why.contains("unread"), "{why}"),
            other => panic!("expected the connection to give up on the peer, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn end_of_stream_fails_the_servers_requests_at_once() {
    within(async {
        let (definition, mut probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": newest().as_str(), "capabilities": {"sampling": {}}, "clientInfo": {"name": "raw", "version": "1"}}}))
            .await;
        raw.recv().await;
        raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "sample"}})).await;
        assert_eq!(raw.recv().await["method"], "sampling/createMessage");
        // The client goes away instead of answering: the tool's request fails now, not after the drain.
        raw.close().await;
        assert!(matches!(probe.sampled().await, Err(Error::Closed)));
    })
    .await;
}

#[tokio::test]
async fn subscribing_needs_an_existing_resource() {
    within(async {
        let (definition, _probe) = server();
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        let missing = json!({"jsonrpc": "2.0", "id": 3, "method": "resources/subscribe", "params": {"uri": "mem://nothing"}});
        check(&mut raw, "subscribe to a missing resource", missing, Expect::Error(-32002, json!(3), "not found")).await;
        let fine = json!({"jsonrpc": "2.0", "id": 5, "method": "resources/subscribe", "params": {"uri": "mem://users/7/profile"}});
        check(&mut raw, "subscribe to a template match", fine, Expect::Result(json!(5))).await;
    })
    .await;
}

#[tokio::test]
async fn subscribed_uris_are_limited_in_length() {
    within(async {
        let h = connect(newest()).await;
        let long = format!("mem://users/{}/profile", "u".repeat(9000));
        let outcome = h.client.request_raw("resources/subscribe", Some(json!({"uri": long}))).await;
        let error = rpc_error(outcome);
        assert_eq!(error.code, ErrorObject::INVALID_PARAMS);
        assert!(error.message.contains("bytes"), "{}", error.message);
    })
    .await;
}

#[tokio::test]
async fn completion_follows_the_declared_capability() {
    within(async {
        // Explicit capabilities without `completions`: from 2025-03-26 the method does not exist for the
        // session; 2024-11-05 had no flag, so there it is served.
        let declared = hub::ServerCapabilities { tools: Some(Default::default()), ..Default::default() };
        for &version in mcpgen::runtime::ProtocolVersion::ENABLED {
            let (definition, _probe) = server_with(|b| b.capabilities(declared.clone()));
            let (mut raw, _handle) = raw_server(&definition);
            raw.handshake(version).await;
            let complete = json!({"jsonrpc": "2.0", "id": 9, "method": "completion/complete", "params": {
                "ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "a"}}});
            let expect = if at_least(version, "2025-03-26") {
                Expect::Error(ErrorObject::METHOD_NOT_FOUND, json!(9), "")
            } else {
                Expect::Result(json!(9))
            };
            check(&mut raw, &format!("completion on {version}"), complete, expect).await;
        }
    })
    .await;
}

#[tokio::test]
async fn sampling_with_tools_needs_the_tools_capability() {
    within(async {
        let (definition, probe) = server_with(|b| {
            b.tool(Tool::no_args("sample_tools", "Samples with a tool", |cx| async move {
                let params = serde_json::from_value(json!({
                    "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                    "maxTokens": 8,
                    "tools": [{"name": "t", "inputSchema": {"type": "object"}}],
                }))?;
                Ok::<_, ToolError>(missing(cx.create_message(params).await))
            }))
        });
        // `sampling: {}` without `tools`.
        let h = connect_with((definition, probe), full_client(newest())).await;
        assert_eq!(h.call_text("sample_tools", json!({})).await, "missing sampling.tools");
    })
    .await;
}

#[tokio::test]
async fn a_client_refuses_requests_beyond_its_declared_capabilities() {
    within(async {
        let (mut fake, transport) = raw_peer();
        let fake_server = fake.answer_handshake();
        // Declares form-mode elicitation and sampling without tools.
        let (client, ()) = tokio::join!(full_client(newest()).connect(transport), fake_server);
        let client = client.expect("handshake");
        let url = json!({"jsonrpc": "2.0", "id": "e1", "method": "elicitation/create",
            "params": {"mode": "url", "message": "Sign in", "url": "https://example.com", "elicitationId": "x"}});
        let tools = json!({"jsonrpc": "2.0", "id": "s1", "method": "sampling/createMessage", "params": {
            "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}], "maxTokens": 8,
            "tools": [{"name": "t", "inputSchema": {"type": "object"}}]}});
        for (request, capability) in [(url, "elicitation.url"), (tools, "sampling.tools")] {
            fake.send(request.clone()).await;
            let answer = fake.recv().await;
            assert_eq!(answer["id"], request["id"], "{answer}");
            assert_eq!(answer["error"]["code"], ErrorObject::INVALID_PARAMS, "{answer}");
            assert!(answer["error"]["message"].as_str().unwrap_or_default().contains(capability), "{answer}");
        }
        drop(client);
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
                Ok::<_, ToolError>(missing(cx.elicit(params).await))
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

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Size {
    bytes: usize,
}

#[tokio::test]
async fn one_answer_larger_than_the_backlog_limit_is_not_a_stalled_peer() {
    within(async {
        // The limit is raised to its 4 MiB floor; a single 6 MiB answer still goes through.
        let options = ConnectionOptions { max_backlog: 1, ..ConnectionOptions::default() };
        let (definition, probe) = server_with(|b| {
            b.connection_options(options).tool(Tool::new(
                "big",
                "Returns `bytes` bytes of text",
                |s: Size, _| async move { Ok::<_, ToolError>("b".repeat(s.bytes)) },
            ))
        });
        let h = connect_with((definition, probe), client(newest())).await;
        let text = h.call_text("big", json!({"bytes": 6 * 1024 * 1024})).await;
        assert_eq!(text.len(), 6 * 1024 * 1024);
        h.client.ping().await.expect("the connection is still up");
    })
    .await;
}

#[tokio::test]
async fn subscriptions_per_session_are_capped() {
    within(async {
        let h = connect(newest()).await;
        for id in 0..4096 {
            h.client.subscribe(&format!("mem://users/{id}/profile")).await.expect("subscribe");
        }
        // Subscribing again to one already held is fine; a new one is over the cap.
        h.client.subscribe("mem://users/0/profile").await.expect("resubscribe");
        let error = rpc_error(h.client.subscribe("mem://users/4096/profile").await);
        assert_eq!(error.code, ErrorObject::INVALID_PARAMS);
        assert!(error.message.contains("4096"), "{}", error.message);
        h.client.unsubscribe("mem://users/0/profile").await.expect("unsubscribe");
        h.client.subscribe("mem://users/4096/profile").await.expect("room again after unsubscribing");
    })
    .await;
}

#[tokio::test]
async fn a_panicking_tool_is_answered_with_an_internal_error_and_the_connection_stays_up() {
    within(async {
        // One tool panics on its first poll (the engine answers such handlers without a task), the other
        // after waiting (in its own task): both answers are -32603 and the connection serves on.
        let (definition, _probe) = server_with(|b| {
            b.tool(Tool::no_args("panic_now", "Panics at once", |_| async {
                if true {
                    panic!("a tool bug");
                }
                Ok::<_, ToolError>("never")
            }))
            .tool(Tool::no_args("panic_later", "Panics after a wait", |_| async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                if true {
                    panic!("a later tool bug");
                }
                Ok::<_, ToolError>("never")
            }))
        });
        let (mut raw, _handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        for (id, tool) in [(11, "panic_now"), (12, "panic_later"), (13, "panic_now")] {
            let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool}});
            check(&mut raw, tool, call, Expect::Error(-32603, json!(id), "panicked")).await;
        }
        let ping = json!({"jsonrpc": "2.0", "id": 14, "method": "ping"});
        check(&mut raw, "ping after the panics", ping, Expect::Result(json!(14))).await;
    })
    .await;
}
