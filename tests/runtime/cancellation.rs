//! Cancellation, progress and timeouts of requests in flight.

use super::support::*;
use mcpgen::rpc::RequestId;
use mcpgen::runtime::{Error, ProtocolVersion, RequestOptions, hub};
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

/// Arguments of the `paced` tool: `steps` steps of `millis` each, reporting progress after each.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Paced {
    steps: u32,
    millis: u64,
}

/// The test server plus `paced`.
fn paced_server() -> (mcpgen::runtime::server::Server, Probe) {
    use mcpgen::runtime::server::{Tool, ToolError};
    server_with(|builder| {
        builder.tool(Tool::new("paced", "Reports progress at a fixed pace", |args: Paced, cx| async move {
            for step in 1..=args.steps {
                tokio::time::sleep(Duration::from_millis(args.millis)).await;
                cx.progress(f64::from(step), None, None).await?;
            }
            Ok::<_, ToolError>("paced")
        }))
    })
}

/// Calls `paced` (4 steps of 700 ms: 2.8 s in all) with a 1 s timeout that progress restarts (or not),
/// under the hard limit `max`.
async fn call_paced(reset_on_progress: bool, max: Duration) -> Result<mcpgen::runtime::hub::CallToolResult, Error> {
    let requests =
        mcpgen::runtime::RequestOptions { timeout: Duration::from_secs(1), max_timeout: max, reset_on_progress };
    let options = mcpgen::runtime::ConnectionOptions { requests, ..Default::default() };
    let h = connect_with(paced_server(), client(newest()).connection_options(options)).await;
    let (tx, _updates) = tokio::sync::mpsc::unbounded_channel();
    h.client.call_tool_with_progress("paced", json!({"steps": 4, "millis": 700}), tx).await
}

// The clock is paused: tokio advances it whenever every task waits, so these timings are exact, not raced.
#[tokio::test(start_paused = true)]
async fn progress_restarts_the_timeout() {
    within(async {
        let result = call_paced(true, Duration::from_secs(10)).await.expect("each gap is under the timeout");
        assert_eq!(text_of(&result), "paced");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn progress_does_not_extend_past_the_hard_maximum() {
    within(async {
        let outcome = call_paced(true, Duration::from_secs(2)).await;
        assert!(matches!(outcome, Err(Error::Timeout(t)) if t >= Duration::from_secs(2)), "{outcome:?}");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn without_reset_progress_does_not_extend_the_timeout() {
    within(async {
        let outcome = call_paced(false, Duration::from_secs(10)).await;
        assert!(matches!(outcome, Err(Error::Timeout(t)) if t < Duration::from_secs(2)), "{outcome:?}");
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_call_can_have_its_own_timeout() {
    within(async {
        let h = connect(newest()).await;
        let short = mcpgen::runtime::RequestOptions { timeout: Duration::from_millis(100), ..Default::default() };
        let outcome = h.client.call_tool_with("slow", json!({"millis": 60_000}), &short, None).await;
        assert!(matches!(outcome, Err(Error::Timeout(t)) if t < Duration::from_secs(1)), "{outcome:?}");
        // The connection's default (60 s) still applies to other calls.
        assert_eq!(h.call_text("add", json!({"a": 2, "b": 2})).await, "4");
    })
    .await;
}

/// Signals when dropped: the client's handler future was abandoned.
struct DropSignal(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

#[tokio::test]
async fn a_server_request_that_times_out_is_cancelled_on_the_client() {
    use mcpgen::runtime::server::{Tool, ToolError};
    within(async {
        let (dropped_tx, dropped) = tokio::sync::oneshot::channel();
        let dropped_tx = std::sync::Mutex::new(Some(dropped_tx));
        // The client's model never answers; its handler notices being dropped.
        let stuck = full_client(newest()).on_sampling(move |_| {
            let signal = DropSignal(dropped_tx.lock().ok().and_then(|mut tx| tx.take()));
            async move {
                let _signal = signal;
                std::future::pending::<Result<hub::CreateMessageResult, mcpgen::rpc::ErrorObject>>().await
            }
        });
        let (definition, probe) = server_with(|b| {
            b.tool(Tool::no_args("impatient", "Samples with a 100 ms timeout", |cx| async move {
                let params = serde_json::from_value(json!({
                    "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                    "maxTokens": 8,
                }))?;
                let short = RequestOptions { timeout: Duration::from_millis(100), ..Default::default() };
                Ok::<_, ToolError>(match cx.with_options(short).create_message(params).await {
                    Err(Error::Timeout(_)) => "timed out".to_owned(),
                    other => format!("unexpected {other:?}"),
                })
            }))
        });
        let h = connect_with((definition, probe), stuck).await;
        assert_eq!(h.call_text("impatient", json!({})).await, "timed out");
        // The server sent `notifications/cancelled`; the client dropped its handler.
        dropped.await.expect("the client's sampling handler was dropped");
        h.client.ping().await.expect("ping");
    })
    .await;
}
