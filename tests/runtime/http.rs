//! Streamable HTTP and HTTP+SSE end to end on 127.0.0.1 port 0, driven with raw HTTP requests: the session
//! lifecycle, headers and statuses, resumption, routing of server requests to the call's stream, limits,
//! the stateless and JSON modes, the 2024-11-05 transport, and graceful shutdown.

use crate::support::{full_client, rev, server, server_with, text_of, within};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mcpgen::http::sse::{Event, SseParser};
use mcpgen::http::{HttpOptions, HttpServer};
use mcpgen::runtime::ProtocolVersion;
use mcpgen::runtime::server::{Context, Server, Tool, ToolError};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// A served [`HttpServer`] and a raw HTTP client for it.
pub(crate) struct Served {
    pub(crate) http: HttpServer,
    pub(crate) url: String,
    pub(crate) base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves `server` with `options` on 127.0.0.1 port 0.
pub(crate) async fn serve(server: Server, options: HttpOptions) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("bound address"));
    let url = format!("{base}{}", options.path);
    let http = HttpServer::new(server, options);
    let task = tokio::spawn(http.clone().serve_with_shutdown(listener, std::future::pending()));
    let client = Client::builder(TokioExecutor::new()).build_http();
    Served { http, url, base, client, task }
}

/// An HTTP response, its body unread.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    body: Incoming,
}

impl Reply {
    /// The `Mcp-Session-Id` header.
    pub(crate) fn session(&self) -> String {
        self.headers.get("mcp-session-id").expect("a session id").to_str().expect("visible ASCII").to_owned()
    }

    /// The content type, without parameters.
    pub(crate) fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The whole body as JSON.
    pub(crate) async fn json(self) -> Value {
        let bytes = self.body.collect().await.expect("a readable body").to_bytes();
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("a JSON body ({e}): {}", String::from_utf8_lossy(&bytes)))
    }

    /// The body as SSE events.
    pub(crate) fn events(self) -> Events {
        assert_eq!(self.content_type(), "text/event-stream", "an SSE answer (status {})", self.status);
        Events { body: self.body, parser: SseParser::new(), ready: VecDeque::new() }
    }
}

/// The JSON message an SSE event carries.
pub(crate) trait EventJson {
    fn json(&self) -> Value;
}

impl EventJson for Event {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("JSON data ({e}): {:?}", self.data))
    }
}

/// The events of an SSE body, read with the runtime's own parser.
pub(crate) struct Events {
    body: Incoming,
    parser: SseParser,
    ready: VecDeque<Event>,
}

impl Events {
    /// The next event (comments skipped), or `None` at the end of the stream.
    pub(crate) async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let frame = self.body.frame().await?.expect("a readable SSE body");
            if let Ok(data) = frame.into_data() {
                for event in self.parser.feed(&data) {
                    self.ready.push_back(event.expect("events within the size limit"));
                }
            }
        }
    }

    /// The next event that carries a message.
    pub(crate) async fn message(&mut self) -> Value {
        loop {
            let event = self.next().await.expect("another event");
            if !event.data.is_empty() {
                return event.json();
            }
        }
    }
}

impl Served {
    /// Sends a request to the MCP endpoint with the usual headers plus `headers`.
    pub(crate) async fn send(&self, method: Method, headers: &[(&str, &str)], body: Option<String>) -> Reply {
        self.send_to(&self.url, method, headers, body).await
    }

    pub(crate) async fn send_to(
        &self,
        url: &str,
        method: Method,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(url);
        let defaults = [("content-type", "application/json"), ("accept", "application/json, text/event-stream")];
        for (name, value) in defaults.iter().filter(|(n, _)| !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n))) {
            request = request.header(*name, *value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = Full::new(Bytes::from(body.unwrap_or_default()));
        let response = self.client.request(request.body(body).expect("a valid request")).await.expect("an HTTP answer");
        let (parts, body) = response.into_parts();
        Reply { status: parts.status, headers: parts.headers, body }
    }

    /// POSTs a JSON-RPC message on `session` (if any).
    pub(crate) async fn post(&self, session: Option<&str>, message: Value) -> Reply {
        let headers: Vec<(&str, &str)> = session.map(|s| ("mcp-session-id", s)).into_iter().collect();
        self.send(Method::POST, &headers, Some(message.to_string())).await
    }

    /// POSTs `message` to a stateless server that answers with JSON ([`stateless_json`]), at 2025-06-18 and
    /// without a session; checks that the answer is one JSON body that opens no session, and reads it.
    pub(crate) async fn post_stateless(&self, message: Value) -> Value {
        let reply = self.send(Method::POST, &[("mcp-protocol-version", "2025-06-18")], Some(message.to_string())).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type(), "application/json");
        assert!(reply.headers.get("mcp-session-id").is_none());
        reply.json().await
    }

    /// Initializes a session at `version`; returns its id and the `initialize` result.
    pub(crate) async fn initialize(&self, version: &str) -> (String, Value) {
        let reply = self.post(None, initialize(version)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let session = reply.session();
        let result = reply.events().message().await;
        let initialized =
            self.post(Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        assert_eq!(initialized.status, StatusCode::ACCEPTED);
        (session, result["result"].clone())
    }

    /// A request on `session` answered on an SSE stream; returns the response message.
    pub(crate) async fn call(&self, session: &str, id: i64, method: &str, params: Value) -> Value {
        let reply = self.post(Some(session), request(id, method, params)).await;
        assert_eq!(reply.status, StatusCode::OK, "{method}");
        reply.events().message().await
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) fn initialize(version: &str) -> Value {
    let params = json!({"protocolVersion": version, "capabilities": {"sampling": {}}, "clientInfo": {"name": "raw", "version": "1"}});
    request(0, "initialize", params)
}

/// Options of a stateless server that answers with JSON bodies.
fn stateless_json() -> HttpOptions {
    let mut options = HttpOptions::default();
    options.stateless = true;
    options.json_response = true;
    options
}

pub(crate) fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn call_tool(name: &str, arguments: Value) -> Value {
    json!({"name": name, "arguments": arguments})
}

#[tokio::test]
async fn session_lifecycle_create_use_delete_then_404() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let reply = served.post(None, initialize("2025-11-25")).await;
        assert_eq!(reply.status, StatusCode::OK);
        let session = reply.session();
        assert!(session.len() >= 32 && session.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{session}");
        let result = reply.events().message().await;
        assert_eq!(result["result"]["protocolVersion"], "2025-11-25");

        // Before `initialized`, requests are refused by the session; afterwards they are served.
        let early = served.call(&session, 1, "tools/list", json!({})).await;
        assert_eq!(early["error"]["code"], -32600);
        served.post(Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;

        // 2025-11-25: the answer stream starts with a priming event (an id, no data).
        let reply = served
            .send(
                Method::POST,
                &[("mcp-session-id", &session), ("mcp-protocol-version", "2025-11-25")],
                Some(request(2, "tools/list", json!({})).to_string()),
            )
            .await;
        let mut events = reply.events();
        let priming = events.next().await.expect("a priming event");
        assert!(priming.id.is_some() && priming.data.is_empty(), "{priming:?}");
        assert_eq!(priming.retry, Some(Duration::from_millis(1000)), "the reconnection delay");
        let listed = events.next().await.expect("the response").json();
        assert_eq!(listed["id"], 2);
        assert!(listed["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()));
        assert!(events.next().await.is_none(), "the stream ends after its response");

        // Without the session header: 400; a wrong protocol version header: 400.
        assert_eq!(served.post(None, request(3, "tools/list", json!({}))).await.status, StatusCode::BAD_REQUEST);
        let wrong = served
            .send(
                Method::POST,
                &[("mcp-session-id", &session), ("mcp-protocol-version", "2025-06-18")],
                Some(request(4, "ping", json!({})).to_string()),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

        assert_eq!(served.http.session_count(), 1);
        let deleted = served.send(Method::DELETE, &[("mcp-session-id", &session)], None).await;
        assert!(deleted.status.is_success(), "{}", deleted.status);
        assert_eq!(served.post(Some(&session), request(5, "ping", json!({}))).await.status, StatusCode::NOT_FOUND);
        let get =
            served.send(Method::GET, &[("mcp-session-id", &session), ("accept", "text/event-stream")], None).await;
        assert_eq!(get.status, StatusCode::NOT_FOUND);
        assert_eq!(
            served.send(Method::DELETE, &[("mcp-session-id", "nope")], None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(served.http.session_count(), 0);
    })
    .await;
}

/// A tool that reports progress 1, waits for the test, then reports 2 and 3 and answers.
fn stepped(gate: Arc<Notify>) -> Tool {
    Tool::no_args("stepped", "Progress, a pause, more progress", move |cx: Context| {
        let gate = Arc::clone(&gate);
        async move {
            cx.progress(1.0, Some(3.0), None).await?;
            gate.notified().await;
            cx.progress(2.0, Some(3.0), None).await?;
            cx.progress(3.0, Some(3.0), None).await?;
            Ok::<_, ToolError>("stepped")
        }
    })
}

#[tokio::test]
async fn a_dropped_stream_resumes_with_last_event_id_and_loses_nothing() {
    within(async {
        let gate = Arc::new(Notify::new());
        let (server, _probe) = server_with(|b| b.tool(stepped(Arc::clone(&gate))));
        let served = serve(server, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let call = json!({"name": "stepped", "arguments": {}, "_meta": {"progressToken": "p"}});
        let mut events = served.post(Some(&session), request(7, "tools/call", call)).await.events();
        let priming = events.next().await.expect("priming");
        let first = events.next().await.expect("progress 1");
        assert_eq!(first.json()["params"]["progress"], 1.0);
        let last_seen = first.id.clone().expect("an event id");
        assert_ne!(priming.id, first.id);
        // The connection drops; the rest is produced while nobody listens.
        drop(events);
        gate.notify_one();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let headers = [
            ("mcp-session-id", session.as_str()),
            ("accept", "text/event-stream"),
            ("last-event-id", last_seen.as_str()),
        ];
        let resumed = served.send(Method::GET, &headers, None).await;
        assert_eq!(resumed.status, StatusCode::OK);
        let mut events = resumed.events();
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            seen.push(event.json());
        }
        assert_eq!(seen.len(), 3, "progress 2, 3 and the response, nothing else: {seen:?}");
        assert_eq!(seen[0]["params"]["progress"], 2.0);
        assert_eq!(seen[1]["params"]["progress"], 3.0);
        assert_eq!(seen[2]["id"], 7);
        assert_eq!(seen[2]["result"]["content"][0]["text"], "stepped");

        // Resuming again from the priming event replays everything.
        let priming_id = priming.id.expect("priming id");
        let headers = [
            ("mcp-session-id", session.as_str()),
            ("accept", "text/event-stream"),
            ("last-event-id", priming_id.as_str()),
        ];
        let mut events = served.send(Method::GET, &headers, None).await.events();
        let mut count = 0;
        while events.next().await.is_some() {
            count += 1;
        }
        assert_eq!(count, 4);
        let bad = [("mcp-session-id", session.as_str()), ("accept", "text/event-stream"), ("last-event-id", "99.1")];
        assert_eq!(served.send(Method::GET, &bad, None).await.status, StatusCode::BAD_REQUEST);
    })
    .await;
}

#[tokio::test]
async fn host_and_origin_are_checked_against_the_allowlist() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let body = Some(initialize("2025-11-25").to_string());
        let evil = served
            .send(Method::POST, &[("host", "evil.example.com"), ("origin", "http://evil.example.com")], body.clone())
            .await;
        assert_eq!(evil.status, StatusCode::FORBIDDEN);
        let rebinding = served.send(Method::POST, &[("host", "evil.example.com")], body.clone()).await;
        assert_eq!(rebinding.status, StatusCode::FORBIDDEN);
        let origin = served.send(Method::POST, &[("origin", "http://evil.example.com")], body.clone()).await;
        assert_eq!(origin.status, StatusCode::FORBIDDEN);
        let port = served.base.rsplit(':').next().expect("a port").to_owned();
        let host = format!("localhost:{port}");
        let local_origin = format!("http://localhost:{port}");
        let local = served.send(Method::POST, &[("host", &host), ("origin", &local_origin)], body.clone()).await;
        assert_eq!(local.status, StatusCode::OK);
        assert_eq!(served.http.session_count(), 1, "only the allowed request made a session");

        // Allowing any host serves the foreign name.
        let mut options = HttpOptions::default();
        options.allowed_hosts = None;
        options.allowed_origins = None;
        let open = serve(server().0, options).await;
        let evil =
            open.send(Method::POST, &[("host", "evil.example.com"), ("origin", "http://evil.example.com")], body).await;
        assert_eq!(evil.status, StatusCode::OK);
    })
    .await;
}

/// Extra headers, a body, the expected status and JSON-RPC error code.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, StatusCode, Option<i64>);

#[tokio::test]
async fn bad_http_requests_get_the_right_status_and_the_session_goes_on() {
    within(async {
        let mut options = HttpOptions::default();
        options.max_body = 1024;
        let served = serve(server().0, options).await;
        let (session, _) = served.initialize("2025-06-18").await;
        let s = session.as_str();
        let big = request(1, "tools/call", call_tool("add", json!({"a": 1, "b": 2, "pad": "x".repeat(2048)})));
        assert_eq!(served.post(Some(s), big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        let cases: [Case; 6] = [
            (
                &[("content-type", "text/plain")],
                r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
            ),
            (
                &[("accept", "application/json")],
                r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
                StatusCode::NOT_ACCEPTABLE,
                None,
            ),
            (&[], "{not json", StatusCode::BAD_REQUEST, Some(-32700)),
            (&[], "[]", StatusCode::BAD_REQUEST, Some(-32600)),
            (&[], "42", StatusCode::BAD_REQUEST, Some(-32600)),
            (&[], r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, StatusCode::BAD_REQUEST, Some(-32600)),
        ];
        for (extra, body, status, code) in cases {
            let mut headers = vec![("mcp-session-id", s)];
            headers.extend_from_slice(extra);
            let reply = served.send(Method::POST, &headers, Some(body.to_owned())).await;
            assert_eq!(reply.status, status, "{body} with {extra:?}");
            if let Some(code) = code {
                assert_eq!(reply.json().await["error"]["code"], code, "{body}");
            }
        }
        let put = served.send(Method::PUT, &[("mcp-session-id", s)], None).await;
        assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(put.headers.get("allow").is_some());
        let get = served.send(Method::GET, &[("mcp-session-id", s), ("accept", "application/json")], None).await;
        assert_eq!(get.status, StatusCode::NOT_ACCEPTABLE);
        let added = served.call(s, 9, "tools/call", call_tool("add", json!({"a": 2, "b": 3}))).await;
        assert_eq!(added["result"]["content"][0]["text"], "5");
    })
    .await;
}

#[tokio::test]
async fn concurrent_requests_on_one_session_each_get_their_own_stream() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let calls = (0..8).map(|i| {
            let (served, session) = (&served, session.clone());
            async move {
                let millis = 100 - i * 10;
                let call =
                    served.call(&session, 100 + i, "tools/call", call_tool("slow", json!({"millis": millis}))).await;
                (i, call)
            }
        });
        for (i, response) in futures_util::future::join_all(calls).await {
            assert_eq!(response["id"], 100 + i);
            assert_eq!(response["result"]["content"][0]["text"], "slept");
        }
        // An id already in flight on the session is refused, naming it.
        let gate_call = served.post(Some(&session), request(1, "tools/call", call_tool("gated", json!({})))).await;
        let duplicate = served.post(Some(&session), request(1, "ping", json!({}))).await;
        assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
        assert_eq!(duplicate.json().await["id"], 1);
        drop(gate_call);
    })
    .await;
}

#[tokio::test]
async fn a_server_request_travels_on_the_calls_stream_and_its_answer_is_a_post() {
    within(async {
        let (server, mut probe) = server();
        let served = serve(server, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let mut events =
            served.post(Some(&session), request(3, "tools/call", call_tool("sample", json!({})))).await.events();
        let asked = events.message().await;
        assert_eq!(asked["method"], "sampling/createMessage");
        let answer = json!({"jsonrpc": "2.0", "id": asked["id"], "result": {
            "role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"
        }});
        assert_eq!(served.post(Some(&session), answer).await.status, StatusCode::ACCEPTED);
        let sampled = probe.sampled().await.expect("the client's answer reached the handler");
        assert_eq!(sampled.model, "m");
        let done = events.message().await;
        assert_eq!(done["id"], 3);
        assert_eq!(done["result"]["content"][0]["text"], "asked");
    })
    .await;
}

#[tokio::test]
async fn the_get_stream_carries_messages_not_tied_to_a_request() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        // Sent before anyone listens: kept for the GET stream.
        served.http.tools_changed().await;
        let headers = [("mcp-session-id", session.as_str()), ("accept", "text/event-stream")];
        let mut events = served.send(Method::GET, &headers, None).await.events();
        assert_eq!(events.message().await["method"], "notifications/tools/list_changed");
        served.http.prompts_changed().await;
        assert_eq!(events.message().await["method"], "notifications/prompts/list_changed");
    })
    .await;
}

#[tokio::test]
async fn json_response_mode_answers_with_one_body() {
    within(async {
        let mut options = HttpOptions::default();
        options.json_response = true;
        let served = serve(server().0, options).await;
        let reply = served.post(None, initialize("2025-03-26")).await;
        assert_eq!(reply.content_type(), "application/json");
        let session = reply.session();
        assert_eq!(reply.json().await["result"]["protocolVersion"], "2025-03-26");
        served.post(Some(&session), json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        // 2025-03-26 takes batches; the answers come back as one array.
        let batch =
            json!([request(1, "ping", json!({})), request(2, "tools/call", call_tool("add", json!({"a": 1, "b": 1})))]);
        let reply = served.post(Some(&session), batch).await;
        assert_eq!(reply.status, StatusCode::OK);
        let answers = reply.json().await;
        let answers = answers.as_array().expect("an array of responses");
        assert_eq!(answers.len(), 2);
        assert!(answers.iter().any(|a| a["id"] == 2 && a["result"]["content"][0]["text"] == "2"));
    })
    .await;
}

#[tokio::test]
async fn stateless_mode_serves_each_post_alone() {
    within(async {
        let mut options = HttpOptions::default();
        options.stateless = true;
        let served = serve(server().0, options).await;
        let reply = served.post(None, initialize("2025-06-18")).await;
        assert!(reply.headers.get("mcp-session-id").is_none());
        assert_eq!(reply.events().message().await["result"]["protocolVersion"], "2025-06-18");
        let headers = [("mcp-protocol-version", "2025-06-18")];
        let call = request(1, "tools/call", call_tool("add", json!({"a": 20, "b": 22})));
        let mut events = served.send(Method::POST, &headers, Some(call.to_string())).await.events();
        assert_eq!(events.message().await["result"]["content"][0]["text"], "42");
        // No session to sample through: the tool's request fails instead of hanging.
        let unknown =
            served.send(Method::POST, &[("mcp-protocol-version", "1999-01-01")], Some(call.to_string())).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            served.send(Method::GET, &[("accept", "text/event-stream")], None).await.status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(served.send(Method::DELETE, &[], None).await.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(served.http.session_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn stateless_json_mode_answers_each_post_on_its_own() {
    within(async {
        let (definition, mut probe) = server();
        let served = serve(definition, stateless_json()).await;
        let post = |message: Value| served.post_stateless(message);
        let answer = post(request(1, "tools/call", call_tool("add", json!({"a": 20, "b": 22})))).await;
        assert_eq!(answer, json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "42"}]}}));
        // Progress has no stream to travel on: only the result comes.
        let answer = post(request(2, "tools/call", call_tool("progress", json!({"steps": 3})))).await;
        assert_eq!(answer["result"]["content"][0]["text"], "progressed");
        // No client declared sampling, and nobody could answer: the tool's request fails at once.
        let answer = post(request(3, "tools/call", call_tool("sample", json!({})))).await;
        assert_eq!(answer["result"]["content"][0]["text"], "asked");
        let sampled = probe.sampled().await;
        assert!(matches!(sampled, Err(mcpgen::runtime::Error::MissingCapability(_))), "{sampled:?}");
        // Envelope errors are answered as over any transport.
        let answer = post(json!({"jsonrpc": "1.0", "id": 4, "method": "ping"})).await;
        assert_eq!(answer["error"]["code"], -32600);
        assert_eq!(answer["id"], 4);
        let answer = post(request(5, "tools/call", call_tool("nope", json!({})))).await;
        assert_eq!(answer["error"]["code"], -32602);
        // A request naming 2026-07-28 is not answered as a legacy one: its `_meta` is checked (missing here).
        let modern = request(6, "tools/call", call_tool("add", json!({"a": 1, "b": 2}))).to_string();
        let reply = served.send(Method::POST, &[("mcp-protocol-version", "2026-07-28")], Some(modern)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.json().await["error"]["code"], -32602);
        assert_eq!(served.http.session_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_stateless_post_is_answered_at_the_revision_its_header_names_if_the_server_speaks_it() {
    within(async {
        let only = [rev("2025-11-25")];
        let (definition, _probe) = server_with(|b| b.protocol_versions(&only));
        let served = serve(definition, stateless_json()).await;
        let add = request(1, "tools/call", call_tool("add", json!({"a": 1, "b": 2}))).to_string();
        let served = &served;
        let post = |version: Option<&'static str>| {
            let headers: Vec<(&str, &str)> = version.map(|v| ("mcp-protocol-version", v)).into_iter().collect();
            let add = add.clone();
            async move { served.send(Method::POST, &headers, Some(add)).await }
        };
        // A legacy revision this build speaks but this server does not: 400, naming it.
        let reply = post(Some("2025-06-18")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let answer = reply.json().await;
        assert_eq!(answer["error"]["code"], -32600);
        assert_eq!(answer["error"]["message"], "unsupported MCP-Protocol-Version \"2025-06-18\"");
        // The revision it speaks, and no header (the server's own default): answered.
        for version in [Some("2025-11-25"), None] {
            let reply = post(version).await;
            assert_eq!(reply.status, StatusCode::OK, "{version:?}");
            assert_eq!(reply.json().await["result"]["content"][0]["text"], "3");
        }
        // A revision no build speaks is not a legacy one: the stateless protocol's checks answer it.
        let reply = post(Some("1999-01-01")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_ne!(reply.json().await["error"]["message"], "unsupported MCP-Protocol-Version \"1999-01-01\"");
        assert_eq!(served.http.session_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn stateless_json_requests_see_tools_added_and_removed_at_run_time() {
    within(async {
        // No tools yet: the stateless sessions declare none, and refuse the tool methods.
        let definition = Server::builder("late-tools", "1.0.0").build();
        let served = serve(definition.clone(), stateless_json()).await;
        let post = |message: Value| served.post_stateless(message);
        let list = || request(1, "tools/list", json!({}));
        assert_eq!(post(list()).await["error"]["code"], -32601);
        assert_eq!(post(list()).await["error"]["code"], -32601, "the same again from the kept session");
        definition.add_tool(Tool::new("twice", "Doubles", |args: serde_json::Map<String, Value>, _| async move {
            Ok::<_, ToolError>((args["n"].as_i64().unwrap_or_default() * 2).to_string())
        }));
        let listed = post(list()).await;
        assert_eq!(listed["result"]["tools"][0]["name"], "twice", "{listed}");
        let call = post(request(2, "tools/call", call_tool("twice", json!({"n": 21})))).await;
        assert_eq!(call["result"]["content"][0]["text"], "42", "{call}");
        assert!(definition.remove_tool("twice"));
        assert_eq!(post(list()).await["error"]["code"], -32601, "no tools left to declare");
    })
    .await;
}

#[tokio::test]
async fn a_stateless_subscription_reaches_no_later_request() {
    within(async {
        // A tool that tells whether the client (as its session knows it) subscribed to the readme.
        let touch = Tool::new(
            "touch",
            "Says whether the readme is subscribed",
            |_: serde_json::Map<String, Value>, cx: Context| async move {
                let told = cx.resource_updated("mem://readme").await.map_err(|e| ToolError::new(e.to_string()))?;
                Ok::<_, ToolError>(told.to_string())
            },
        );
        let served = serve(server_with(|b| b.tool(touch)).0, stateless_json()).await;
        let post = |message: Value| served.post_stateless(message);
        let subscribed = post(request(1, "resources/subscribe", json!({"uri": "mem://readme"}))).await;
        assert_eq!(subscribed["result"], json!({}), "{subscribed}");
        // Each POST stands alone: the next one, on the same kept session, knows of no subscription.
        let touched = post(request(2, "tools/call", call_tool("touch", json!({})))).await;
        assert_eq!(touched["result"]["content"][0]["text"], "false", "{touched}");
    })
    .await;
}

#[tokio::test]
async fn a_2024_11_05_client_uses_the_http_sse_endpoints() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let sse = format!("{}/sse", served.base);
        let mut events = served.send_to(&sse, Method::GET, &[("accept", "text/event-stream")], None).await.events();
        let endpoint = events.next().await.expect("the endpoint event");
        assert_eq!(endpoint.event.as_deref(), Some("endpoint"));
        assert!(endpoint.data.starts_with("/messages?sessionId="), "{}", endpoint.data);
        let post = format!("{}{}", served.base, endpoint.data);
        let sent = served.send_to(&post, Method::POST, &[], Some(initialize("2024-11-05").to_string())).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED);
        let answer = events.next().await.expect("the initialize result");
        assert_eq!(answer.event.as_deref(), Some("message"));
        assert_eq!(answer.json()["result"]["protocolVersion"], "2024-11-05");
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
        served.send_to(&post, Method::POST, &[], Some(initialized)).await;
        let call = request(1, "tools/call", call_tool("add", json!({"a": 1, "b": 2}))).to_string();
        served.send_to(&post, Method::POST, &[], Some(call)).await;
        assert_eq!(events.message().await["result"]["content"][0]["text"], "3");
        // The session lives as long as its stream.
        assert_eq!(served.http.session_count(), 1);
        drop(events);
        for _ in 0..100 {
            if served.http.session_count() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(served.http.session_count(), 0);
        let late = served.send_to(&post, Method::POST, &[], Some(request(2, "ping", json!({})).to_string())).await;
        assert_eq!(late.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    within(async {
        let mut options = HttpOptions::default();
        options.idle_timeout = Duration::from_millis(100);
        let served = serve(server().0, options).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let mut status = StatusCode::OK;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            status = served.post(Some(&session), request(1, "ping", json!({}))).await.status;
            if status == StatusCode::NOT_FOUND {
                break;
            }
            // Each ping counts as activity: wait without one.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn shutdown_lets_calls_in_flight_finish_then_refuses() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let mut events = served
            .post(Some(&session), request(5, "tools/call", call_tool("slow", json!({"millis": 200}))))
            .await
            .events();
        let http = served.http.clone();
        let shutdown = tokio::spawn(async move { http.shutdown().await });
        let done = events.message().await;
        assert_eq!(done["result"]["content"][0]["text"], "slept");
        shutdown.await.expect("shutdown completes");
        assert_eq!(served.http.session_count(), 0);
        // The server stops once its connections are done.
        drop(events);
        let mut served = served;
        let stopped = tokio::time::timeout(Duration::from_secs(5), &mut served.task).await;
        assert!(matches!(stopped, Ok(Ok(Ok(())))), "the server stopped: {stopped:?}");
        // Its router, mounted in an application that keeps running, refuses new work.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
        let router = served.http.router();
        let app = tokio::spawn(async move { axum::serve(listener, router).await });
        let refused = served.send_to(&url, Method::POST, &[], Some(initialize("2025-11-25").to_string())).await;
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        app.abort();
    })
    .await;
}

/// Everything a session does, through the client over `transport`: list, call, a server request on the
/// call's stream (sampling, roots, elicitation where the revision has it), progress, resources, prompts.
async fn exercise(transport: mcpgen::http::HttpTransport, version: ProtocolVersion, probe: &mut crate::support::Probe) {
    let client = full_client(version).connect(transport).await.expect("the handshake over HTTP");
    assert_eq!(client.protocol_version(), version);
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "add"), "{version:?}");
    let added = client.call_tool("add", json!({"a": 40, "b": 2})).await.expect("tools/call");
    assert_eq!(text_of(&added), "42");
    client.call_tool("sample", json!({})).await.expect("the sampling tool");
    assert_eq!(probe.sampled().await.expect("sampled through the call's stream").model, "test-model");
    client.call_tool("roots", json!({})).await.expect("the roots tool");
    assert_eq!(probe.roots().await.expect("the client's roots").roots[0].uri, "file:///work");
    if version.has_elicitation() {
        client.call_tool("elicit", json!({})).await.expect("the elicitation tool");
        assert!(probe.elicited().await.is_ok());
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    client.call_tool_with_progress("progress", json!({"steps": 3}), tx).await.expect("progress");
    let mut steps = Vec::new();
    while let Ok(update) = rx.try_recv() {
        steps.push(update.progress.as_f64().unwrap_or(-1.0));
    }
    assert_eq!(steps, [1.0, 2.0, 3.0], "{version:?}");
    let read = client.read_resource("mem://users/7/profile").await.expect("resources/read");
    assert_eq!(read.contents.len(), 1);
    client.ping().await.expect("ping");
    client.close().await.expect("a clean close (DELETE)");
}

#[tokio::test]
async fn each_legacy_revision_through_the_client_over_streamable_http() {
    within(async {
        let (server, mut probe) = server();
        let served = serve(server, HttpOptions::default()).await;
        for &version in ProtocolVersion::ENABLED.iter().filter(|v| v.as_str() >= "2025-03-26") {
            let transport = mcpgen::http::HttpTransport::new(&served.url).expect("an http URL");
            exercise(transport, version, &mut probe).await;
        }
        // Each client ended its session with DELETE.
        for _ in 0..100 {
            if served.http.session_count() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(served.http.session_count(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_2024_11_05_client_over_http_sse_directly_and_by_fallback() {
    within(async {
        let (server, mut probe) = server();
        let served = serve(server, HttpOptions::default()).await;
        let sse = format!("{}/sse", served.base);
        let version = rev("2024-11-05");
        exercise(mcpgen::http::HttpTransport::legacy_sse(&sse).expect("a URL"), version, &mut probe).await;
        // Given the old server's URL, the Streamable HTTP client's initialize POST gets 405 and it falls
        // back to the GET stream and the endpoint it announces.
        exercise(mcpgen::http::HttpTransport::new(&sse).expect("a URL"), version, &mut probe).await;
    })
    .await;
}

#[tokio::test]
async fn a_cancelled_call_ends_its_stream_and_the_session_stays_usable() {
    within(async {
        let (server, mut probe) = server();
        let served = serve(server, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-11-25").await;
        let mut events =
            served.post(Some(&session), request(3, "tools/call", call_tool("gated", json!({})))).await.events();
        probe.started().await;
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}});
        assert_eq!(served.post(Some(&session), cancel).await.status, StatusCode::ACCEPTED);
        probe.cancelled().await;
        // No response is sent for a cancelled request: its stream ends without one.
        while let Some(event) = events.next().await {
            assert!(event.data.is_empty(), "nothing but the priming event: {event:?}");
        }
        // The id is free again, and the session answers.
        let again = served.call(&session, 3, "tools/call", call_tool("add", json!({"a": 1, "b": 1}))).await;
        assert_eq!(again["result"]["content"][0]["text"], "2");
    })
    .await;
}

#[tokio::test]
async fn a_batch_with_a_repeated_id_is_refused() {
    within(async {
        let served = serve(server().0, HttpOptions::default()).await;
        let (session, _) = served.initialize("2025-03-26").await;
        let batch = json!([request(1, "ping", json!({})), request(1, "ping", json!({}))]);
        let reply = served.post(Some(&session), batch).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.json().await["id"], 1);
        assert_eq!(served.call(&session, 2, "ping", json!({})).await["result"], json!({}));
    })
    .await;
}
