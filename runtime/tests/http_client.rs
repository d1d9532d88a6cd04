//! The Streamable HTTP client transport against small mock servers (axum, on 127.0.0.1:0): the legacy
//! revisions (sessions, resumption, the HTTP+SSE fallback) and 2026-07-28 (the probe, `_meta` and the
//! standard headers, `x-mcp-header`, the `-32022` retry, `input_required` rounds, cancellation).
#![cfg(all(feature = "http-client", feature = "http-server"))]

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use mcpgen_runtime::client::{Client, ServerNotification};
use mcpgen_runtime::http::{HttpTransport, encode_header_value};
use mcpgen_runtime::{Error, ProtocolVersion, RequestOptions, hub};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// One request the mock received.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    headers: HeaderMap,
    body: Value,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn rpc_method(&self) -> Option<&str> {
        self.body.get("method").and_then(Value::as_str)
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;
type Sse = mpsc::UnboundedSender<String>;

#[derive(Clone)]
struct Mock {
    log: Log,
    /// The open server→client stream: the GET stream of HTTP+SSE, or a GET resuming a POST stream.
    stream: Arc<Mutex<Option<Sse>>>,
    /// A response the next GET carrying Last-Event-ID delivers.
    held: Arc<Mutex<Option<String>>>,
}

impl Mock {
    fn new() -> Mock {
        Mock { log: Log::default(), stream: Arc::default(), held: Arc::default() }
    }

    fn record(&self, method: Method, headers: &HeaderMap, body: &str) -> Value {
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        self.log.lock().unwrap().push(Seen {
            method,
            headers: headers.clone(),
            body: body.clone(),
            at: Instant::now(),
        });
        body
    }

    fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/mcp")
}

fn initialize_result(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": {} },
        "serverInfo": { "name": "mock", "version": "1" },
    })
}

fn result(request: &Value, result: Value) -> String {
    json!({ "jsonrpc": "2.0", "id": request["id"], "result": result }).to_string()
}

fn tool_result(request: &Value, text: &str) -> String {
    result(request, json!({ "content": [{ "type": "text", "text": text }] }))
}

fn json_response(body: String) -> Response {
    Response::builder()
        .header("content-type", "application/json")
        .header("mcp-session-id", "s-1")
        .body(body.into())
        .unwrap()
}

fn status(code: StatusCode) -> Response {
    Response::builder().status(code).body(Body::empty()).unwrap()
}

/// An SSE response whose events come from the returned sender; the stream ends when it is dropped.
/// Sends SSE keep-alive comments on `tx` until the client goes away, then says so on `closed`.
fn keep_alive_until_closed(tx: Sse, closed: Option<tokio::sync::oneshot::Sender<()>>) {
    tokio::spawn(async move {
        while tx.send(": keep-alive\n\n".into()).is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(closed) = closed {
            let _ = closed.send(());
        }
    });
}

fn sse_response() -> (Sse, Response) {
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, Infallible>(Bytes::from(chunk)), rx))
    });
    let response = Response::builder()
        .header("content-type", "text/event-stream")
        .header("mcp-session-id", "s-1")
        .body(Body::from_stream(stream))
        .unwrap();
    (tx, response)
}

fn data_event(id: &str, data: &str) -> String {
    format!("event: message\nid: {id}\ndata: {data}\n\n")
}

/// The answers every mock gives: initialize, initialized, ping, tools/list.
fn common(request: &Value) -> Option<Response> {
    match request.get("method").and_then(Value::as_str)? {
        "initialize" => Some(json_response(result(request, initialize_result("2025-06-18")))),
        "ping" => Some(json_response(result(request, json!({})))),
        "tools/list" => Some(json_response(result(request, json!({ "tools": [] })))),
        m if m.starts_with("notifications/") => Some(status(StatusCode::ACCEPTED)),
        _ => None,
    }
}

fn connect(url: &str) -> HttpTransport {
    HttpTransport::new(url).unwrap().reconnect(3, Duration::from_millis(100))
}

#[tokio::test]
async fn json_answers_and_session_headers_and_delete_on_close() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        common(&request).unwrap_or_else(|| json_response(tool_result(&request, "json answer")))
    }
    async fn other(State(mock): State<Mock>, method: Method, headers: HeaderMap) -> Response {
        mock.record(method, &headers, "");
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    let mock = Mock::new();
    let url =
        serve(Router::new().route("/mcp", post(post_mcp).get(other).delete(other)).with_state(mock.clone())).await;
    let transport = connect(&url).header("Authorization", "Bearer t0ken").unwrap();
    let client =
        Client::builder("t", "1").protocol_version(ProtocolVersion::newest()).connect(transport).await.unwrap();
    assert_eq!(client.protocol_version().as_str(), "2025-06-18");
    let answer = client.call_tool("echo", json!({})).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.content).unwrap()[0]["text"], "json answer");
    client.close().await.unwrap();

    let seen = mock.seen();
    let init = &seen[0];
    assert_eq!(init.rpc_method(), Some("initialize"));
    assert_eq!(init.header("mcp-session-id"), None);
    assert_eq!(init.header("accept"), Some("application/json, text/event-stream"));
    assert_eq!(init.header("content-type"), Some("application/json"));
    assert_eq!(init.header("authorization"), Some("Bearer t0ken"));
    let initialized = seen.iter().position(|s| s.rpc_method() == Some("notifications/initialized")).unwrap();
    let call = seen.iter().position(|s| s.rpc_method() == Some("tools/call")).unwrap();
    assert!(initialized < call, "initialized is posted before the next request");
    for later in &seen[1..] {
        assert_eq!(later.header("mcp-session-id"), Some("s-1"), "{:?}", later.method);
        assert_eq!(later.header("mcp-protocol-version"), Some("2025-06-18"), "{:?}", later.method);
        assert_eq!(later.header("authorization"), Some("Bearer t0ken"));
    }
    // The standalone GET stream is tried (its 405 means none) once the handshake is over, before any
    // later request.
    let get = seen.iter().position(|s| s.method == Method::GET).expect("the standalone GET stream was tried");
    assert!(initialized < get && get < call, "GET at {get}, initialized at {initialized}, call at {call}");
    assert_eq!(seen[get].header("accept"), Some("text/event-stream"));
    assert_eq!(seen.last().unwrap().method, Method::DELETE, "closing ends the session");
}

#[tokio::test]
async fn sse_answer_with_priming_event_and_notifications() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        if let Some(response) = common(&request) {
            return response;
        }
        let (tx, response) = sse_response();
        tx.send("id: p-0\ndata: \n\n".into()).unwrap();
        tx.send(": keep-alive\n\n".into()).unwrap();
        let log = json!({"jsonrpc": "2.0", "method": "notifications/message",
            "params": {"level": "info", "data": "working"}});
        tx.send(data_event("p-1", &log.to_string())).unwrap();
        // Split across chunks, CRLF line endings.
        let answer = tool_result(&request, "streamed");
        let (a, b) = answer.split_at(answer.len() / 2);
        tx.send(format!("id: p-2\r\ndata: {a}")).unwrap();
        tx.send(format!("{b}\r\n\r\n")).unwrap();
        // The stream stays open: the client must not wait for its end.
        *mock.stream.lock().unwrap() = Some(tx);
        response
    }
    async fn get_mcp() -> Response {
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    let mock = Mock::new();
    let url = serve(Router::new().route("/mcp", post(post_mcp).get(get_mcp)).with_state(mock.clone())).await;
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&logs);
    let client = Client::builder("t", "1")
        .on_notification(move |n| sink.lock().unwrap().push(format!("{n:?}")))
        .connect(connect(&url))
        .await
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), client.call_tool("slow", json!({}))).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.unwrap().content).unwrap()[0]["text"], "streamed");
    assert!(logs.lock().unwrap().iter().any(|l| l.contains("working")), "{:?}", logs.lock().unwrap());
    client.close().await.unwrap();
}

#[tokio::test]
async fn resumes_a_closed_stream_with_get_and_last_event_id_after_retry() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        if let Some(response) = common(&request) {
            return response;
        }
        // Priming event with a retry time, then the stream closes before the answer.
        *mock.held.lock().unwrap() = Some(tool_result(&request, "after reconnect"));
        let (tx, response) = sse_response();
        tx.send("id: e-1\nretry: 300\ndata: \n\n".into()).unwrap();
        response
    }
    async fn get_mcp(State(mock): State<Mock>, headers: HeaderMap) -> Response {
        mock.record(Method::GET, &headers, "");
        if !headers.contains_key("last-event-id") {
            return status(StatusCode::METHOD_NOT_ALLOWED);
        }
        let (tx, response) = sse_response();
        if let Some(answer) = mock.held.lock().unwrap().take() {
            tx.send(data_event("e-2", &answer)).unwrap();
        }
        *mock.stream.lock().unwrap() = Some(tx);
        response
    }
    let mock = Mock::new();
    let url = serve(Router::new().route("/mcp", post(post_mcp).get(get_mcp)).with_state(mock.clone())).await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), client.call_tool("reconnect", json!({}))).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.unwrap().content).unwrap()[0]["text"], "after reconnect");
    client.close().await.unwrap();

    let seen = mock.seen();
    let call = seen.iter().find(|s| s.rpc_method() == Some("tools/call")).unwrap();
    let resume = seen.iter().find(|s| s.method == Method::GET && s.header("last-event-id").is_some()).unwrap();
    assert_eq!(resume.header("last-event-id"), Some("e-1"));
    assert_eq!(resume.header("accept"), Some("text/event-stream"));
    assert_eq!(resume.header("mcp-session-id"), Some("s-1"));
    let delay = resume.at - call.at;
    assert!(delay >= Duration::from_millis(300), "reconnected after {delay:?}, before the retry time");
    assert!(delay < Duration::from_millis(2000), "reconnected after {delay:?}");
}

#[tokio::test]
async fn falls_back_to_http_sse_when_initialize_gets_405() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        mock.record(Method::POST, &headers, &body);
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    async fn get_mcp(State(mock): State<Mock>, headers: HeaderMap) -> Response {
        mock.record(Method::GET, &headers, "");
        let (tx, response) = sse_response();
        tx.send("event: endpoint\ndata: /messages?sessionId=abc\n\n".into()).unwrap();
        *mock.stream.lock().unwrap() = Some(tx);
        response
    }
    async fn post_messages(
        State(mock): State<Mock>,
        RawQuery(query): RawQuery,
        headers: HeaderMap,
        body: String,
    ) -> Response {
        assert_eq!(query.as_deref(), Some("sessionId=abc"));
        let request = mock.record(Method::POST, &headers, &body);
        let answer = match request.get("method").and_then(Value::as_str) {
            Some("initialize") => Some(result(&request, initialize_result("2024-11-05"))),
            Some("ping") => Some(result(&request, json!({}))),
            _ => None,
        };
        if let Some(answer) = answer {
            let stream = mock.stream.lock().unwrap().clone().unwrap();
            stream.send(format!("event: message\ndata: {answer}\n\n")).unwrap();
        }
        status(StatusCode::ACCEPTED)
    }
    let mock = Mock::new();
    let router = Router::new()
        .route("/mcp", post(post_mcp).get(get_mcp))
        .route("/messages", post(post_messages))
        .with_state(mock.clone());
    let url = serve(router).await;
    // No revision pinned: the probe's server/discover is refused too, so the client falls back to
    // initialize, then to HTTP+SSE.
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    assert_eq!(client.protocol_version().as_str(), "2024-11-05");
    client.ping().await.unwrap();
    client.close().await.unwrap();

    let seen = mock.seen();
    let methods: Vec<_> = seen.iter().map(|s| (s.method.clone(), s.rpc_method().map(str::to_owned))).collect();
    assert_eq!(
        methods,
        [
            (Method::POST, Some("server/discover".to_owned())),
            (Method::POST, Some("initialize".to_owned())),
            (Method::GET, None),
            (Method::POST, Some("initialize".to_owned())),
            (Method::POST, Some("notifications/initialized".to_owned())),
            (Method::POST, Some("ping".to_owned())),
        ]
    );
    assert_eq!(seen[2].header("accept"), Some("text/event-stream"));
    assert_eq!(seen[0].header("mcp-method"), Some("server/discover"), "the probe is a 2026-07-28 request");
    assert_eq!(seen[1].header("mcp-method"), None, "initialize is not");
}

#[tokio::test]
async fn legacy_sse_transport_ends_when_the_stream_ends() {
    async fn get_sse(State(mock): State<Mock>) -> Response {
        let (tx, response) = sse_response();
        tx.send("event: endpoint\ndata: messages?s=1\n\n".into()).unwrap();
        *mock.stream.lock().unwrap() = Some(tx);
        response
    }
    async fn post_messages(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        if request.get("method").and_then(Value::as_str) == Some("initialize") {
            let stream = mock.stream.lock().unwrap().clone().unwrap();
            let answer = result(&request, initialize_result("2024-11-05"));
            stream.send(format!("event: message\ndata: {answer}\n\n")).unwrap();
        }
        status(StatusCode::ACCEPTED)
    }
    let mock = Mock::new();
    let router =
        Router::new().route("/sse", get(get_sse)).route("/messages", post(post_messages)).with_state(mock.clone());
    let url = serve(router).await.replace("/mcp", "/sse");
    let client = Client::builder("t", "1").connect(HttpTransport::legacy_sse(&url).unwrap()).await.unwrap();
    mock.stream.lock().unwrap().take();
    tokio::time::timeout(Duration::from_secs(5), client.peer().closed()).await.expect("the connection ends");
    assert!(matches!(client.ping().await, Err(Error::Closed)));
}

#[tokio::test]
async fn http_errors_become_local_errors_unless_the_body_answers() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        if let Some(response) = common(&request) {
            return response;
        }
        match request["params"]["name"].as_str() {
            Some("boom") => Response::builder().status(500).body("database on fire".into()).unwrap(),
            _ => {
                let error = json!({"jsonrpc": "2.0", "id": request["id"],
                    "error": {"code": -32602, "message": "unknown tool"}});
                Response::builder()
                    .status(400)
                    .header("content-type", "application/json")
                    .body(error.to_string().into())
                    .unwrap()
            }
        }
    }
    async fn get_mcp() -> Response {
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    let mock = Mock::new();
    let url = serve(Router::new().route("/mcp", post(post_mcp).get(get_mcp)).with_state(mock.clone())).await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    let started = Instant::now();
    let Err(Error::Rpc(error)) = client.call_tool("boom", json!({})).await else { panic!("expected an error") };
    assert!(started.elapsed() < Duration::from_secs(2), "fails fast");
    assert_eq!(error.code, -32603);
    assert!(error.message.starts_with("HTTP transport:"), "{}", error.message);
    assert!(error.message.contains("500") && error.message.contains("database on fire"), "{}", error.message);
    assert_eq!(error.data, Some(json!({ "transport": true })));
    let Err(Error::Rpc(error)) = client.call_tool("missing", json!({})).await else { panic!("expected an error") };
    assert_eq!((error.code, error.message.as_str(), error.data), (-32602, "unknown tool", None));
    // The connection is still usable.
    client.ping().await.unwrap();
    client.close().await.unwrap();
}

#[tokio::test]
async fn unreachable_server_fails_the_handshake_fast() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let transport = HttpTransport::new(&format!("http://{addr}/mcp")).unwrap();
    let started = Instant::now();
    let Err(Error::Rpc(error)) = Client::builder("t", "1").connect(transport).await else {
        panic!("expected an error")
    };
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(error.message.starts_with("HTTP transport: cannot POST"), "{}", error.message);
}

#[tokio::test]
async fn expired_session_fails_the_request_and_ends_the_connection() {
    async fn post_mcp(State(mock): State<Mock>, headers: HeaderMap, body: String) -> Response {
        let request = mock.record(Method::POST, &headers, &body);
        common(&request).unwrap_or_else(|| status(StatusCode::NOT_FOUND))
    }
    async fn get_mcp() -> Response {
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    let mock = Mock::new();
    let url = serve(Router::new().route("/mcp", post(post_mcp).get(get_mcp)).with_state(mock.clone())).await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    let Err(Error::Rpc(error)) = client.call_tool("x", json!({})).await else { panic!("expected an error") };
    assert!(error.message.contains("404"), "{}", error.message);
    tokio::time::timeout(Duration::from_secs(5), client.peer().closed()).await.expect("the connection ends");
}

// 2026-07-28.

type Handler = Arc<dyn Fn(&Mock, &Value, &HeaderMap) -> Response + Send + Sync>;

/// A 2026-07-28 mock: every POST is recorded and answered by `handler`; GET and DELETE get 405.
async fn serve_modern(
    handler: impl Fn(&Mock, &Value, &HeaderMap) -> Response + Send + Sync + 'static,
) -> (String, Mock) {
    #[derive(Clone)]
    struct Modern {
        mock: Mock,
        handler: Handler,
    }
    async fn post_mcp(State(modern): State<Modern>, headers: HeaderMap, body: String) -> Response {
        let request = modern.mock.record(Method::POST, &headers, &body);
        (modern.handler)(&modern.mock, &request, &headers)
    }
    async fn other(State(modern): State<Modern>, method: Method, headers: HeaderMap) -> Response {
        modern.mock.record(method, &headers, "");
        status(StatusCode::METHOD_NOT_ALLOWED)
    }
    let mock = Mock::new();
    let state = Modern { mock: mock.clone(), handler: Arc::new(handler) };
    let url = serve(Router::new().route("/mcp", post(post_mcp).get(other).delete(other)).with_state(state)).await;
    (url, mock)
}

/// A `server/discover` answer for 2026-07-28 (with a session header, which 2026-07-28 clients ignore).
fn discover(request: &Value) -> Response {
    json_response(result(
        request,
        json!({
            "resultType": "complete", "ttlMs": 0, "cacheScope": "private",
            "supportedVersions": ["2026-07-28"],
            "capabilities": {"tools": {}, "resources": {}, "prompts": {}},
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern-mock", "version": "2"}},
        }),
    ))
}

fn json_error(code: StatusCode, id: &Value, error: Value) -> Response {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": id, "error": error}).to_string().into())
        .unwrap()
}

fn complete(request: &Value, text: &str) -> Response {
    json_response(result(request, json!({"resultType": "complete", "content": [{"type": "text", "text": text}]})))
}

fn input_required(request: &Value, requests: Value, state: Option<&str>) -> Response {
    let mut answer = json!({"resultType": "input_required", "inputRequests": requests});
    if let Some(state) = state {
        answer["requestState"] = json!(state);
    }
    json_response(result(request, answer))
}

fn tool_name(request: &Value) -> &str {
    request["params"]["name"].as_str().unwrap_or_default()
}

fn meta(request: &Value) -> &Value {
    &request["params"]["_meta"]
}

/// The POSTs of `tools/call` for `name`.
fn calls_of(seen: &[Seen], name: &str) -> Vec<Seen> {
    seen.iter().filter(|s| s.rpc_method() == Some("tools/call") && tool_name(&s.body) == name).cloned().collect()
}

#[tokio::test]
async fn modern_requests_carry_meta_and_the_standard_and_param_headers() {
    let (url, mock) = serve_modern(|_, request, _| match request["method"].as_str().unwrap_or_default() {
        "server/discover" => discover(request),
        "tools/list" => {
            let mirror = json!({"name": "mirror", "inputSchema": {"type": "object", "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "priority": {"type": "integer", "x-mcp-header": "Priority"},
                "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
                "nested": {"type": "object", "properties": {"id": {"type": "string", "x-mcp-header": "Id"}}},
                "query": {"type": "string"},
            }}});
            let bad = json!({"name": "bad", "inputSchema": {"type": "object", "properties": {
                "score": {"type": "number", "x-mcp-header": "Score"},
            }}});
            json_response(result(
                request,
                json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "tools": [bad, mirror]}),
            ))
        }
        "tools/call" => {
            // Progress and a log message on the request's stream, then the result.
            let (tx, response) = sse_response();
            let token = meta(request)["progressToken"].clone();
            let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": token, "progress": 1, "total": 2}});
            let log = json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "mirroring"}});
            tx.send(format!("data: {progress}\n\n")).unwrap();
            tx.send(format!("data: {log}\n\n")).unwrap();
            let answer =
                result(request, json!({"resultType": "complete", "content": [{"type": "text", "text": "ok"}]}));
            tx.send(format!("data: {answer}\n\n")).unwrap();
            response
        }
        "resources/read" => json_response(result(request, json!({"resultType": "complete", "contents": []}))),
        "prompts/get" => json_response(result(request, json!({"resultType": "complete", "messages": []}))),
        _ => json_error(StatusCode::NOT_FOUND, &request["id"], json!({"code": -32601, "message": "no"})),
    })
    .await;
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&logs);
    let client = Client::builder("t", "1")
        .on_notification(move |n| {
            if let ServerNotification::Log(log) = n {
                sink.lock().unwrap().push(log.data);
            }
        })
        .connect(connect(&url))
        .await
        .unwrap();
    assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
    assert_eq!(client.server().info.name, "modern-mock");
    assert!(client.server().capabilities.tools.is_some());
    assert_eq!(client.discovered().unwrap().supported_versions, ["2026-07-28"]);

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["mirror"], "the invalid tool is left out");
    let (tx, mut progress) = mpsc::unbounded_channel();
    let arguments = json!({"region": "Z\u{fc}rich", "priority": 42, "verbose": null, "nested": {"id": "n-1"},
        "query": "q"});
    let answer = client.call_tool_with_progress("mirror", arguments, tx).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.content).unwrap()[0]["text"], "ok");
    assert_eq!(progress.recv().await.unwrap().progress.as_f64(), Some(1.0));
    assert_eq!(*logs.lock().unwrap(), [json!("mirroring")]);
    let Err(Error::Rpc(refused)) = client.call_tool("bad", json!({"score": 1.5})).await else {
        panic!("a tool with an invalid x-mcp-header is not called")
    };
    assert!(refused.message.contains("invalid x-mcp-header"), "{}", refused.message);
    client.read_resource("file:///a b.txt").await.unwrap();
    client.get_prompt(" padded", Default::default()).await.unwrap();
    client.close().await.unwrap();

    let seen = mock.seen();
    assert!(seen.iter().all(|s| s.method == Method::POST), "no GET stream, no DELETE: {seen:?}");
    assert_eq!(calls_of(&seen, "bad").len(), 0);
    for s in &seen {
        let method = s.rpc_method().unwrap();
        assert_eq!(s.header("mcp-protocol-version"), Some("2026-07-28"), "{method}");
        assert_eq!(meta(&s.body)["io.modelcontextprotocol/protocolVersion"], "2026-07-28", "{method}");
        assert_eq!(s.header("mcp-method"), Some(method));
        assert_eq!(s.header("mcp-session-id"), None, "{method}");
        assert_eq!(s.header("accept"), Some("application/json, text/event-stream"));
        assert_eq!(meta(&s.body)["io.modelcontextprotocol/clientInfo"], json!({"name": "t", "version": "1"}));
        assert!(meta(&s.body)["io.modelcontextprotocol/clientCapabilities"].is_object(), "{method}");
    }
    let by_method = |m: &str| seen.iter().find(|s| s.rpc_method() == Some(m)).unwrap().clone();
    assert_eq!(by_method("tools/list").header("mcp-name"), None);
    let call = &calls_of(&seen, "mirror")[0];
    assert_eq!(call.header("mcp-name"), Some("mirror"));
    assert_eq!(call.header("mcp-param-region"), Some(encode_header_value("Z\u{fc}rich").as_str()));
    assert!(call.header("mcp-param-region").unwrap().starts_with("=?base64?"));
    assert_eq!(call.header("mcp-param-priority"), Some("42"));
    assert_eq!(call.header("mcp-param-id"), Some("n-1"), "nested properties are mirrored too");
    assert_eq!(call.header("mcp-param-verbose"), None, "null is omitted");
    assert_eq!(call.header("mcp-param-query"), None, "unmarked arguments are not mirrored");
    assert!(meta(&call.body)["progressToken"].is_number(), "the caller's _meta keys stay: {}", call.body);
    assert_eq!(by_method("resources/read").header("mcp-name"), Some("file:///a b.txt"));
    assert_eq!(by_method("prompts/get").header("mcp-name"), Some(encode_header_value(" padded").as_str()));
    assert!(by_method("prompts/get").header("mcp-name").unwrap().starts_with("=?base64?"));
}

#[tokio::test]
async fn a_32022_answer_is_retried_once_with_a_supported_version() {
    let (url, mock) = serve_modern(|mock, request, _| {
        if mock.seen().len() == 1 {
            let data = json!({"supported": ["2026-07-28"], "requested": "2026-07-28"});
            return json_error(
                StatusCode::BAD_REQUEST,
                &request["id"],
                json!({"code": -32022, "message": "Unsupported protocol version", "data": data}),
            );
        }
        match request["method"].as_str() {
            Some("server/discover") => discover(request),
            _ => json_response(result(
                request,
                json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private",
                "tools": []}),
            )),
        }
    })
    .await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    assert_eq!(client.protocol_version(), ProtocolVersion::V2026_07_28);
    assert!(client.list_tools(None).await.unwrap().tools.is_empty());
    let seen = mock.seen();
    assert_eq!(
        seen.iter().filter_map(Seen::rpc_method).collect::<Vec<_>>(),
        ["server/discover", "server/discover", "tools/list"]
    );
    assert_ne!(seen[0].body["id"], seen[1].body["id"], "the retry is a new request");
    assert_eq!(seen[1].header("mcp-protocol-version"), Some("2026-07-28"));
}

#[tokio::test]
async fn a_second_32022_is_surfaced_even_without_an_id() {
    let (url, mock) = serve_modern(|_, _, _| {
        let data = json!({"supported": ["2026-07-28"], "requested": "2026-07-28"});
        json_error(StatusCode::BAD_REQUEST, &Value::Null, json!({"code": -32022, "message": "no", "data": data}))
    })
    .await;
    let Err(Error::Rpc(error)) = Client::builder("t", "1").connect(connect(&url)).await else {
        panic!("expected the -32022 error")
    };
    assert_eq!(error.code, -32022, "{error:?}");
    assert_eq!(error.data.unwrap()["supported"], json!(["2026-07-28"]));
    let methods: Vec<_> = mock.seen().iter().map(|s| s.rpc_method().map(str::to_owned)).collect();
    assert_eq!(methods, [Some("server/discover".to_owned()), Some("server/discover".to_owned())], "no fallback");
}

#[tokio::test]
async fn input_required_rounds_answer_with_local_handlers_and_echo_the_state() {
    let (url, mock) = serve_modern(|_, request, _| {
        let params = &request["params"];
        match (request["method"].as_str().unwrap_or_default(), params.get("inputResponses")) {
            ("server/discover", _) => discover(request),
            ("tools/call", None) => input_required(
                request,
                json!({"who": {"method": "elicitation/create", "params": {"message": "Your name?",
                    "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}}}}),
                Some("opaque \u{2713} state"),
            ),
            ("tools/call", Some(responses)) if responses.get("who").is_some() => {
                input_required(request, json!({"where": {"method": "roots/list", "params": {}}}), None)
            }
            ("tools/call", Some(_)) => complete(request, "done"),
            _ => json_error(StatusCode::NOT_FOUND, &request["id"], json!({"code": -32601, "message": "no"})),
        }
    })
    .await;
    let client = Client::builder("t", "1")
        .protocol_version(ProtocolVersion::V2026_07_28)
        .on_elicitation(|_| async move {
            let content = [("name".to_owned(), hub::ElicitResultValue::String("Ada".into()))].into();
            Ok(hub::ElicitResult {
                action: hub::ElicitResultAction::Accept,
                content: Some(content),
                extra: Default::default(),
            })
        })
        .on_roots(|| async move {
            let root = hub::Root { uri: "file:///work".into(), ..Default::default() };
            Ok(hub::ListRootsResult { roots: vec![root], ..Default::default() })
        })
        .connect(connect(&url))
        .await
        .unwrap();
    let answer = client.call_tool("confirm", json!({"x": 1})).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.content).unwrap()[0]["text"], "done");
    client.close().await.unwrap();

    let rounds = calls_of(&mock.seen(), "confirm");
    assert_eq!(rounds.len(), 3);
    let ids: std::collections::HashSet<String> = rounds.iter().map(|r| r.body["id"].to_string()).collect();
    assert_eq!(ids.len(), 3, "each round is a new request");
    for round in &rounds {
        assert_eq!(round.body["params"]["arguments"], json!({"x": 1}), "the original params are sent again");
        assert_eq!(round.header("mcp-name"), Some("confirm"));
        let capabilities = &meta(&round.body)["io.modelcontextprotocol/clientCapabilities"];
        assert_eq!(*capabilities, json!({"elicitation": {}, "roots": {}}), "no roots.listChanged in 2026-07-28");
    }
    let params = |i: usize| rounds[i].body["params"].clone();
    assert_eq!(params(0).get("inputResponses"), None);
    assert_eq!(params(0).get("requestState"), None);
    assert_eq!(params(1)["inputResponses"], json!({"who": {"action": "accept", "content": {"name": "Ada"}}}));
    assert_eq!(params(1)["requestState"], "opaque \u{2713} state", "the state is echoed exactly");
    assert_eq!(params(2)["inputResponses"]["where"]["roots"][0]["uri"], "file:///work");
    assert_eq!(params(2).get("requestState"), None, "no state was given for this round");
}

#[tokio::test]
async fn result_types_state_only_retries_missing_handlers_and_round_limits() {
    let (url, mock) = serve_modern(|_, request, _| {
        let params = &request["params"];
        if request["method"] == "server/discover" {
            return discover(request);
        }
        match tool_name(request) {
            "legacy" => json_response(tool_result(request, "no resultType")),
            "task" => json_response(result(request, json!({"resultType": "task", "task": {}}))),
            "later" if params.get("requestState").is_none() => {
                json_response(result(request, json!({"resultType": "input_required", "requestState": "later"})))
            }
            "later" => complete(request, "now"),
            "sample" => input_required(
                request,
                json!({"q": {"method": "sampling/createMessage", "params": {"messages": [], "maxTokens": 5}}}),
                None,
            ),
            "forever" => input_required(request, json!({"r": {"method": "roots/list"}}), Some("again")),
            _ => complete(request, "?"),
        }
    })
    .await;
    let client = Client::builder("t", "1")
        .on_roots(|| async move { Ok(hub::ListRootsResult::default()) })
        .connect(connect(&url))
        .await
        .unwrap();
    let text = |r: hub::CallToolResult| serde_json::to_value(&r.content).unwrap()[0]["text"].clone();
    assert_eq!(text(client.call_tool("legacy", json!({})).await.unwrap()), "no resultType", "missing means complete");
    let Err(Error::Protocol(unknown)) = client.call_tool("task", json!({})).await else { panic!("task is unknown") };
    assert!(unknown.contains("unknown resultType"), "{unknown}");
    assert_eq!(text(client.call_tool("later", json!({})).await.unwrap()), "now");
    let later = calls_of(&mock.seen(), "later");
    assert_eq!(later.len(), 2);
    assert_eq!(later[1].body["params"]["requestState"], "later");
    assert_eq!(later[1].body["params"].get("inputResponses"), None);
    let Err(Error::Protocol(missing)) = client.call_tool("sample", json!({})).await else {
        panic!("no sampling handler")
    };
    assert!(missing.contains("on_sampling") && missing.contains("\"q\""), "{missing}");
    assert_eq!(calls_of(&mock.seen(), "sample").len(), 1, "not retried without the answer");
    let Err(Error::Protocol(forever)) = client.call_tool("forever", json!({})).await else { panic!("gives up") };
    assert!(forever.contains("16"), "{forever}");
    assert_eq!(calls_of(&mock.seen(), "forever").len(), 17);
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_request_closes_its_stream_instead_of_posting_a_notification() {
    let (closed_tx, closed) = tokio::sync::oneshot::channel::<()>();
    let closed_tx = Mutex::new(Some(closed_tx));
    let (url, mock) = serve_modern(move |_, request, _| {
        if request["method"] == "server/discover" {
            return discover(request);
        }
        // A stream that never answers; keep-alive comments notice the client going away.
        let (tx, response) = sse_response();
        keep_alive_until_closed(tx, closed_tx.lock().unwrap().take());
        response
    })
    .await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    let options = RequestOptions {
        timeout: Duration::from_millis(300),
        max_timeout: Duration::from_millis(300),
        reset_on_progress: false,
    };
    let outcome = client.call_tool_with("hang", json!({}), &options, None).await;
    assert!(matches!(outcome, Err(Error::Timeout(_))), "{:?}", outcome.err());
    tokio::time::timeout(Duration::from_secs(5), closed).await.expect("the stream was closed").unwrap();
    client.close().await.unwrap();
    let methods: Vec<_> = mock.seen().iter().filter_map(|s| s.rpc_method().map(str::to_owned)).collect();
    assert_eq!(methods, ["server/discover", "tools/call"], "no notifications/cancelled is POSTed");
}

#[tokio::test]
async fn a_header_mismatch_lists_the_tools_again_and_retries() {
    let (url, mock) = serve_modern(|_, request, headers| match request["method"].as_str().unwrap_or_default() {
        "server/discover" => discover(request),
        "tools/list" => json_response(result(
            request,
            json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private", "tools": [{"name": "t",
                "inputSchema": {"type": "object", "properties": {"r": {"type": "string", "x-mcp-header": "R"}}}}]}),
        )),
        _ if headers.get("mcp-param-r").is_none() => json_error(
            StatusCode::BAD_REQUEST,
            &request["id"],
            json!({"code": -32020, "message": "missing Mcp-Param-R"}),
        ),
        _ => complete(request, "mirrored"),
    })
    .await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    // Called without listing the tools first: the transport cannot know about the header yet.
    let answer = client.call_tool("t", json!({"r": "eu"})).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.content).unwrap()[0]["text"], "mirrored");
    let seen = mock.seen();
    let methods: Vec<_> = seen.iter().filter_map(Seen::rpc_method).collect();
    assert_eq!(methods, ["server/discover", "tools/call", "tools/list", "tools/call"]);
    assert_eq!(seen[3].header("mcp-param-r"), Some("eu"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_broken_stream_is_sent_again_with_a_new_id() {
    let (url, mock) = serve_modern(|mock, request, _| {
        if request["method"] == "server/discover" {
            return discover(request);
        }
        if calls_of(&mock.seen(), "flaky").len() == 1 {
            // An event with an id, then the stream ends without the answer: 2026-07-28 cannot resume it.
            let (tx, response) = sse_response();
            tx.send("id: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\n\n".into())
                .unwrap();
            return response;
        }
        complete(request, "second time")
    })
    .await;
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), client.call_tool("flaky", json!({}))).await.unwrap();
    assert_eq!(serde_json::to_value(&answer.unwrap().content).unwrap()[0]["text"], "second time");
    let seen = mock.seen();
    let calls = calls_of(&seen, "flaky");
    assert_eq!(calls.len(), 2);
    assert_ne!(calls[0].body["id"], calls[1].body["id"]);
    assert!(seen.iter().all(|s| s.method == Method::POST), "no GET to resume the stream");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_listen_stream_yields_its_notifications_until_dropped_or_ended() {
    let (closed_tx, closed) = tokio::sync::oneshot::channel::<()>();
    let closed_tx = Mutex::new(Some(closed_tx));
    let (url, mock) = serve_modern(move |_, request, _| {
        if request["method"] == "server/discover" {
            return discover(request);
        }
        let filter = &request["params"]["notifications"];
        if filter.get("resourcesListChanged").is_some() {
            return json_error(StatusCode::NOT_FOUND, &request["id"], json!({"code": -32601, "message": "no"}));
        }
        let tagged = |method: &str, params: Value, id: &Value| {
            let mut params = params;
            params["_meta"] = json!({"io.modelcontextprotocol/subscriptionId": id});
            format!("data: {}\n\n", json!({"jsonrpc": "2.0", "method": method, "params": params}))
        };
        let (tx, response) = sse_response();
        let id = &request["id"];
        tx.send(tagged("notifications/subscriptions/acknowledged", json!({"notifications": filter}), id)).unwrap();
        if filter.get("promptsListChanged").is_some() {
            // The server ends this one at once.
            let end = json!({"resultType": "complete", "_meta": {"io.modelcontextprotocol/subscriptionId": id}});
            tx.send(format!("data: {}\n\n", result(request, end))).unwrap();
            return response;
        }
        tx.send(tagged("notifications/resources/list_changed", json!({}), &json!("another stream"))).unwrap();
        tx.send(tagged("notifications/tools/list_changed", json!({}), id)).unwrap();
        keep_alive_until_closed(tx, closed_tx.lock().unwrap().take());
        response
    })
    .await;
    let seen_by_handler = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen_by_handler);
    let client = Client::builder("t", "1")
        .on_notification(move |n| sink.lock().unwrap().push(format!("{n:?}")))
        .connect(connect(&url))
        .await
        .unwrap();
    let tools = hub::SubscriptionFilter { tools_list_changed: Some(true), ..Default::default() };
    let mut subscription = client.listen(tools).await.unwrap();
    assert_eq!(subscription.honoured().tools_list_changed, Some(true));
    let next = tokio::time::timeout(Duration::from_secs(5), subscription.next()).await.unwrap();
    assert!(matches!(next, Some(ServerNotification::ToolsChanged)), "{next:?}");
    drop(subscription);
    tokio::time::timeout(Duration::from_secs(5), closed).await.expect("dropping closes the stream").unwrap();
    let handled = seen_by_handler.lock().unwrap().clone();
    assert!(handled.iter().any(|n| n.contains("ResourcesChanged")), "other streams' notifications: {handled:?}");

    let prompts = hub::SubscriptionFilter { prompts_list_changed: Some(true), ..Default::default() };
    let mut ending = client.listen(prompts).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(5), ending.next()).await.unwrap().is_none());

    let resources = hub::SubscriptionFilter { resources_list_changed: Some(true), ..Default::default() };
    let Err(Error::Rpc(refused)) = client.listen(resources).await else { panic!("the server refused it") };
    assert_eq!(refused.code, -32601);
    client.close().await.unwrap();
    let methods: Vec<_> = mock.seen().iter().filter_map(|s| s.rpc_method().map(str::to_owned)).collect();
    assert_eq!(
        methods,
        ["server/discover", "subscriptions/listen", "subscriptions/listen", "subscriptions/listen"],
        "no notifications/cancelled is POSTed"
    );
}
