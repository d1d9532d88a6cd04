//! Cancellation, progress and timeouts of requests in flight.

use super::support::*;
use mcpgen::rpc::RequestId;
use mcpgen::runtime::{Error, ProtocolVersion};
use serde_json::{Value, json};
use std::time::Duration;

/// Asserts what the client's tap saw for the abandoned request `id`: it sent `notifications/cancelled` for it
/// (with a reason mentioning `reason`), and never received a response to it.
fn assert_cancelled_without_response(frames: &[Tapped], id: &RequestId, reason: &str) {
    let cancels: Vec<&Value> = frames
        .iter()
        .filter_map(|f| match f {
            Tapped::Sent(v) if v["method"] == "notifications/cancelled" => Some(v),
            _ => None,
        })
        .collect();
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    assert_eq!(cancels[0]["params"]["requestId"], json!(id));
    let why = cancels[0]["params"]["reason"].as_str().unwrap_or_default();
    assert!(why.contains(reason), "{why:?}");
    let answers: Vec<&Value> =
        frames.iter().filter_map(|f| if let Tapped::Received(v) = f { Some(v) } else { None }).collect();
    assert!(
        !answers.iter().any(|v| is_response_to(v, id)),
        "a response to the cancelled {id} was written: {answers:?}"
    );
}

#[tokio::test]
async fn dropping_a_call_cancels_the_handler_and_suppresses_its_response() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let (mut h, mut frames) = connect_tapped(server(), client(version)).await;
            let mut call = Box::pin(h.client.call_tool("slow", json!({"millis": 60_000})));
            let id = tokio::select! {
                outcome = &mut call => panic!("{version}: the slow tool answered: {outcome:?}"),
                id = h.probe.started() => id,
            };
            // Dropping the future abandons the call: the runtime sends `notifications/cancelled`.
            drop(call);
            assert_eq!(h.probe.cancelled().await, id, "{version}: the handler's token fires");
            // The connection serves the next request.
            h.client.ping().await.unwrap();
            assert_eq!(h.call_text("add", json!({"a": 1, "b": 1})).await, "2");
            // End the connection from the server side; the client reads until end-of-stream, so its tap sees
            // every frame the server ever wrote.
            h.server.close().await;
            h.client.peer().closed().await;
            assert_cancelled_without_response(&tapped(&mut frames), &id, "stopped waiting");
        }
    })
    .await;
}

#[tokio::test]
async fn timeout_reports_the_error_and_cancels_the_handler() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let timeout = Duration::from_millis(200);
            let builder = client(version).connection_options(timing_out_after(timeout));
            let (mut h, mut frames) = connect_tapped(server(), builder).await;
            let outcome = h.client.call_tool("slow", json!({"millis": 60_000})).await;
            match outcome {
                Err(Error::Timeout(elapsed)) => assert!(elapsed >= timeout, "{version}: {elapsed:?}"),
                other => panic!("{version}: expected a timeout, got {other:?}"),
            }
            let id = h.probe.started().await;
            assert_eq!(h.probe.cancelled().await, id, "{version}: the server saw notifications/cancelled");
            h.client.ping().await.unwrap();
            h.server.close().await;
            h.client.peer().closed().await;
            assert_cancelled_without_response(&tapped(&mut frames), &id, "timed out");
        }
    })
    .await;
}

#[tokio::test]
async fn progress_updates_arrive_in_order() {
    within(async {
        for &version in ProtocolVersion::ENABLED {
            let h = connect(version).await;
            let steps = 20;
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let result = h.client.call_tool_with_progress("progress", json!({"steps": steps}), tx).await.unwrap();
            assert_eq!(text_of(&result), "progressed");
            let updates: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
            let progress: Vec<f64> = updates.iter().filter_map(|u| u.progress.as_f64()).collect();
            assert_eq!(progress, (1..=steps).map(f64::from).collect::<Vec<_>>(), "{version}");
            for (step, update) in (1..).zip(&updates) {
                assert_eq!(update.total.as_ref().and_then(|t| t.as_f64()), Some(f64::from(steps)), "{version}");
                // `message` exists from 2025-03-26.
                let message = at_least(version, "2025-03-26").then(|| format!("step {step}"));
                assert_eq!(update.message, message, "{version}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn progress_without_a_token_sends_nothing() {
    within(async {
        let (h, mut frames) = connect_tapped(server(), client(newest())).await;
        assert_eq!(h.call_text("progress", json!({"steps": 3})).await, "progressed");
        h.server.close().await;
        h.client.peer().closed().await;
        let progress = tapped(&mut frames)
            .into_iter()
            .filter(|f| matches!(f, Tapped::Received(v) if v["method"] == "notifications/progress"))
            .count();
        assert_eq!(progress, 0);
    })
    .await;
}
