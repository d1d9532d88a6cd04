//! Graceful shutdown: requests in flight when a side closes are still answered, within the drain limit.

use super::support::*;
use mcpgen::runtime::ConnectionOptions;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn peer_closing_its_side_still_gets_the_in_flight_answer() {
    within(async {
        let (definition, mut probe) = server();
        let (mut raw, handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        raw.send(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "gated"}})).await;
        probe.started().await;
        // The client is done writing; the server reads end-of-stream with the call still in flight.
        raw.close().await;
        probe.release();
        let answer = raw.recv().await;
        assert_eq!(answer["id"], 7, "{answer}");
        assert_eq!(answer["result"]["content"][0]["text"], "released", "{answer}");
        raw.closed().await;
        handle.waiting().await.expect("a clean end");
    })
    .await;
}

#[tokio::test]
async fn server_close_answers_the_in_flight_request_first() {
    within(async {
        let mut h = connect(newest()).await;
        let (server, probe) = (&h.server, &mut h.probe);
        let closing = async {
            probe.started().await;
            server.close().await;
            probe.release();
        };
        let (outcome, ()) = tokio::join!(h.client.call_tool("gated", json!({})), closing);
        assert_eq!(text_of(&outcome.expect("answered before the transport closed")), "released");
        h.client.peer().closed().await;
        assert!(h.client.ping().await.is_err(), "the connection is closed");
    })
    .await;
}

#[tokio::test]
async fn drain_limit_cancels_stragglers_without_answering() {
    within(async {
        let options = ConnectionOptions { drain: Duration::from_millis(100), ..ConnectionOptions::default() };
        let (definition, mut probe) = server_with(|b| b.connection_options(options));
        let (mut raw, handle) = raw_server(&definition);
        raw.handshake(newest()).await;
        raw.send(json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "gated"}})).await;
        let id = probe.started().await;
        raw.close().await;
        // Never released: after the drain limit the handler is cancelled and nothing is written.
        assert_eq!(probe.cancelled().await, id);
        raw.closed().await;
        handle.waiting().await.expect("a clean end");
    })
    .await;
}

#[tokio::test]
async fn client_close_ends_the_server_connection() {
    within(async {
        let h = connect(newest()).await;
        h.client.close().await.expect("a clean close");
        h.server.waiting().await.expect("a clean end");
    })
    .await;
}
