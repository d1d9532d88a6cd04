//! Many large requests in flight at once over the in-process pipe (64 KiB): both sides write more than
//! the pipe holds while the other is writing too, which deadlocks a connection that stops reading while it
//! writes.

use super::support::*;
use mcpgen::runtime::server::{Tool, ToolError};
use serde_json::json;
use std::sync::Arc;

/// More calls than the connection queues frames for its writer (1024).
const CALLS: usize = 1500;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Echo {
    text: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_large_calls_in_flight_than_any_queue_holds_complete() {
    within(async {
        let server =
            server_with(|builder| {
                builder.tool(Tool::new("echo", "Echoes its text", |args: Echo, _| async move {
                    Ok::<_, ToolError>(args.text)
                }))
            });
        let h = connect_with(server, client(newest())).await;
        let client = Arc::new(h.client);
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..CALLS {
            let client = Arc::clone(&client);
            calls.spawn(async move {
                // 8 KiB each way: the pipe holds 8 of them, the whole run is 12 MB in each direction.
                let text = format!("{i}:{}", "x".repeat(8 * 1024));
                let result = client.call_tool("echo", json!({"text": text})).await.expect("echo");
                assert_eq!(text_of(&result), text);
            });
        }
        let mut done = 0;
        while let Some(joined) = calls.join_next().await {
            joined.expect("the call task");
            done += 1;
        }
        assert_eq!(done, CALLS);
    })
    .await;
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Flood {
    messages: usize,
}

#[tokio::test]
async fn a_handler_waiting_for_a_full_writer_queue_is_woken_when_it_drains() {
    within(async {
        let (server, _probe) = server_with(|builder| {
            builder.tool(Tool::new("flood", "Logs many large messages", |args: Flood, cx| async move {
                let line = "y".repeat(8 * 1024);
                for i in 0..args.messages {
                    cx.log(mcpgen::runtime::hub::LoggingLevel::Info, None, json!({"i": i, "line": line})).await?;
                }
                Ok::<_, ToolError>("flooded")
            }))
        });
        let (mut raw, handle) = raw_server(&server);
        raw.handshake(newest()).await;
        raw.send(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "flood", "arguments": {"messages": 1000}}}))
            .await;
        // Read nothing until 4 MiB wait for the writer: the server then stops taking its handler's messages
        // (the handler waits). Yielding lets the server run; no time passes.
        while handle.queued_bytes() < 4 * 1024 * 1024 {
            tokio::task::yield_now().await;
        }
        // Read everything and send nothing: only the writer catching up can wake the server again.
        let mut logs = 0;
        loop {
            let frame = raw.recv().await;
            if frame["id"] == 7 {
                assert_eq!(frame["result"]["content"][0]["text"], "flooded", "{frame}");
                break;
            }
            assert_eq!(frame["method"], "notifications/message");
            assert_eq!(frame["params"]["data"]["i"], logs);
            logs += 1;
        }
        assert_eq!(logs, 1000);
    })
    .await;
}
