//! The Streamable HTTP client transport against small mock servers (axum, on 127.0.0.1:0).
#![cfg(all(feature = "http-client", feature = "http-server"))]

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use mcpgen_runtime::Error;
use mcpgen_runtime::client::Client;
use mcpgen_runtime::http::HttpTransport;
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
    let client = Client::builder("t", "1").connect(transport).await.unwrap();
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
    let client = Client::builder("t", "1").connect(connect(&url)).await.unwrap();
    assert_eq!(client.protocol_version().as_str(), "2024-11-05");
    client.ping().await.unwrap();
    client.close().await.unwrap();

    let seen = mock.seen();
    let methods: Vec<_> = seen.iter().map(|s| (s.method.clone(), s.rpc_method().map(str::to_owned))).collect();
    assert_eq!(
        methods,
        [
            (Method::POST, Some("initialize".to_owned())),
            (Method::GET, None),
            (Method::POST, Some("initialize".to_owned())),
            (Method::POST, Some("notifications/initialized".to_owned())),
            (Method::POST, Some("ping".to_owned())),
        ]
    );
    assert_eq!(seen[1].header("accept"), Some("text/event-stream"));
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
