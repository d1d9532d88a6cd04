//! Many large requests in flight at once over the in-process pipe (64 KiB): both sides write more than
//! the pipe holds while the other is writing too, which deadlocks a connection that stops reading while it
//! writes.

use super::support::*;
use mcpgen::runtime::server::{Tool, ToolError};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_logging_megabytes_to_a_stalled_client_finishes() {
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
        let (c, s) = mcpgen::runtime::transport::in_process();
        let _served = server.serve(s);
        let logs = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&logs);
        let client = client(newest())
            .on_notification(move |_| {
                // The first message stalls this client's connection for a while, so the server's writer
                // falls behind (the server runs on the other worker thread).
                if counted.fetch_add(1, Ordering::Relaxed) == 0 {
                    std::thread::sleep(Duration::from_millis(1000));
                }
            })
            .connect(c)
            .await
            .expect("handshake");
        client.ping().await.expect("ping after the handshake");
        // 12 MB of log messages while the client stalls for a second: every one arrives
        // and the call finishes.
        let result = client.call_tool("flood", json!({"messages": 1500})).await.expect("flood");
        assert_eq!(text_of(&result), "flooded");
        client.ping().await.expect("ping");
        assert_eq!(logs.load(Ordering::Relaxed), 1500);
    })
    .await;
}
