//! Shared fixtures: a server using every feature, typed client/server pairs, a raw JSON-RPC driver with the
//! `check` helper of the bad-input matrix, a transport tap, and a timeout around each test.

use mcpgen::rpc::{ErrorObject, RequestId};
use mcpgen::runtime::client::{Client, ClientBuilder, ServerNotification};
use mcpgen::runtime::server::{
    Context, Prompt, Resource, ResourceTemplate, Server, ServerBuilder, ServerHandle, Tool, ToolError, text,
};
use mcpgen::runtime::transport::{FrameReader, FrameWriter, Framed, Transport, TransportError};
use mcpgen::runtime::{ConnectionOptions, Error, ProtocolVersion, RequestOptions, hub};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, Sink, WriteHalf};
use tokio::sync::{Notify, mpsc};

/// Runs a test body with a hard limit, so a hang fails instead of stalling CI.
pub(crate) async fn within<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(20), body).await.expect("the test timed out");
}

/// The largest frame the raw-driven server accepts (small, so the oversized-frame case stays cheap).
pub(crate) const MAX_FRAME: usize = 4096;

/// How many tools, resources and prompts one list page holds on the test server.
pub(crate) const PAGE_SIZE: usize = 3;

/// The tools of the test server, in registration (and listing) order.
pub(crate) const TOOLS: &[&str] =
    &["add", "weather", "fail", "fancy", "slow", "gated", "progress", "sample", "roots", "elicit"];

/// The fixed resources of the test server, in listing order.
pub(crate) const RESOURCES: &[&str] = &["mem://readme", "mem://license", "mem://changelog", "mem://notes"];

/// The newest revision this build speaks.
pub(crate) fn newest() -> ProtocolVersion {
    ProtocolVersion::newest()
}

/// The oldest revision this build speaks.
pub(crate) fn oldest() -> ProtocolVersion {
    *ProtocolVersion::ENABLED.last().expect("the root crate enables every legacy revision")
}

/// The revision with this wire name.
pub(crate) fn rev(name: &str) -> ProtocolVersion {
    ProtocolVersion::parse(name).unwrap_or_else(|| panic!("this build speaks MCP {name}"))
}

/// Whether `version` is `since` or newer.
pub(crate) fn at_least(version: ProtocolVersion, since: &str) -> bool {
    version.as_str() >= since
}

/// What the test server's handlers report to the test.
#[derive(Debug)]
pub(crate) enum Event {
    /// A `slow` or `gated` call began; the id is the call's JSON-RPC id.
    Started(RequestId),
    /// The cancellation token of that call fired.
    Cancelled(RequestId),
    /// What `Context::create_message` returned to the `sample` tool.
    Sampled(Box<Result<hub::CreateMessageResult, Error>>),
    /// What `Context::list_roots` returned to the `roots` tool.
    Roots(Result<hub::ListRootsResult, Error>),
    /// What `Context::elicit` returned to the `elicit` tool.
    Elicited(Result<hub::ElicitResult, Error>),
}

/// The test's side of the server's handlers: their events, and the gate the `gated` tool waits on.
pub(crate) struct Probe {
    events: mpsc::UnboundedReceiver<Event>,
    gate: Arc<Notify>,
}

impl Probe {
    /// The next event.
    pub(crate) async fn next(&mut self) -> Event {
        self.events.recv().await.expect("the server's handlers outlive the probe")
    }

    /// Waits until a `slow` or `gated` call has started; returns its id.
    pub(crate) async fn started(&mut self) -> RequestId {
        match self.next().await {
            Event::Started(id) => id,
            other => panic!("expected a call to start, got {other:?}"),
        }
    }

    /// Waits until the cancellation token of a `slow` or `gated` call fires; returns its id.
    pub(crate) async fn cancelled(&mut self) -> RequestId {
        match self.next().await {
            Event::Cancelled(id) => id,
            other => panic!("expected a cancellation, got {other:?}"),
        }
    }

    /// What the `sample` tool's `Context::create_message` returned.
    pub(crate) async fn sampled(&mut self) -> Result<hub::CreateMessageResult, Error> {
        match self.next().await {
            Event::Sampled(outcome) => *outcome,
            other => panic!("expected a sampling outcome, got {other:?}"),
        }
    }

    /// What the `roots` tool's `Context::list_roots` returned.
    pub(crate) async fn roots(&mut self) -> Result<hub::ListRootsResult, Error> {
        match self.next().await {
            Event::Roots(outcome) => outcome,
            other => panic!("expected a roots outcome, got {other:?}"),
        }
    }

    /// What the `elicit` tool's `Context::elicit` returned.
    pub(crate) async fn elicited(&mut self) -> Result<hub::ElicitResult, Error> {
        match self.next().await {
            Event::Elicited(outcome) => outcome,
            other => panic!("expected an elicitation outcome, got {other:?}"),
        }
    }

    /// Lets one `gated` call finish.
    pub(crate) fn release(&self) {
        self.gate.notify_one();
    }
}

/// Arguments of `add`.
#[derive(Deserialize, JsonSchema)]
pub(crate) struct AddArgs {
    a: i64,
    b: i64,
}

/// Arguments of `weather`.
#[derive(Deserialize, JsonSchema)]
pub(crate) struct WeatherArgs {
    city: String,
}

/// The structured output of `weather`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Weather {
    city: String,
    celsius: i64,
}

/// Arguments of `slow`.
#[derive(Deserialize, JsonSchema)]
pub(crate) struct SlowArgs {
    millis: u64,
}

/// Arguments of `progress`.
#[derive(Deserialize, JsonSchema)]
pub(crate) struct ProgressArgs {
    steps: u32,
}

/// The test server, with whatever `configure` adds or changes.
pub(crate) fn server_with(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> (Server, Probe) {
    let (tx, events) = mpsc::unbounded_channel();
    let gate = Arc::new(Notify::new());
    let builder = Server::builder("test-server", "1.0.0")
        .title("Test server")
        .instructions("Use the tools.")
        .page_size(PAGE_SIZE);
    let builder = tools(builder, &tx, &gate);
    let builder = builder
        .resource(Resource::new("mem://readme", "readme", |uri, _| async move { contents(uri, "read me first") }))
        .resource(Resource::new("mem://license", "license", |uri, _| async move { contents(uri, "MIT") }))
        .resource(Resource::new("mem://changelog", "changelog", |uri, _| async move { contents(uri, "v1") }))
        .resource(Resource::new("mem://notes", "notes", |uri, _| async move { contents(uri, "notes") }))
        .resource_template(ResourceTemplate::new("mem://users/{id}/profile", "profile", |uri, vars, _| async move {
            contents(uri, &format!("profile of {}", vars["id"]))
        }))
        .resource_template(ResourceTemplate::new("file:///{+path}", "file", |uri, vars, _| async move {
            contents(uri, &format!("file {}", vars["path"]))
        }))
        .prompt(
            Prompt::new("greet", |args, _| async move {
                let style = args.get("style").map_or("plain", String::as_str);
                Ok(prompt_result(&format!("Hello, {}! ({style})", args["name"])))
            })
            .argument("name", "Who to greet", true)
            .argument("style", "How to greet", false),
        )
        .prompt(Prompt::new("summary", |_, _| async move { Ok(prompt_result("Summarise.")) }))
        .completion(|params: hub::CompleteRequestParams, _| async move {
            let candidates: &[&str] = match params.argument.name.as_str() {
                "name" => &["alice", "albert", "bob"],
                "id" => &["42", "7"],
                _ => &[],
            };
            let mut values: Vec<String> = candidates
                .iter()
                .filter(|c| c.starts_with(params.argument.value.as_str()))
                .map(|c| (*c).to_owned())
                .collect();
            // Arguments already resolved (2025-06-18 and later) are echoed so tests can see them arrive.
            if let Some(style) = params.context.and_then(|c| c.arguments).and_then(|a| a.get("style").cloned()) {
                values.push(format!("context:{style}"));
            }
            Ok(hub::CompleteResult {
                completion: hub::CompleteResultCompletion { values, ..Default::default() },
                ..Default::default()
            })
        });
    (configure(builder).build(), Probe { events, gate })
}

/// The test server.
pub(crate) fn server() -> (Server, Probe) {
    server_with(|builder| builder)
}

fn tools(builder: ServerBuilder, tx: &mpsc::UnboundedSender<Event>, gate: &Arc<Notify>) -> ServerBuilder {
    let icon = hub::Icon {
        src: "https://example.com/icon.png".into(),
        mime_type: Some("image/png".into()),
        ..Default::default()
    };
    let annotations = hub::ToolAnnotations { read_only_hint: Some(true), ..Default::default() };
    builder
        .tool(Tool::new("add", "Adds two integers", |args: AddArgs, _| async move {
            Ok::<_, ToolError>((args.a + args.b).to_string())
        }))
        .tool(Tool::structured("weather", "The weather in a city", |args: WeatherArgs, _| async move {
            Ok::<_, ToolError>(Weather { city: args.city, celsius: 21 })
        }))
        .tool(Tool::no_args("fail", "Always fails", |_| async move { Err::<String, _>(ToolError::new("the tool failed")) }))
        .tool(
            Tool::no_args("fancy", "Has a title and icons", |_| async move { Ok::<_, ToolError>("fancy") })
                .title("Fancy tool")
                .icons(vec![icon])
                .annotations(annotations),
        )
        .tool(Tool::new("slow", "Works for `millis` milliseconds", {
            let tx = tx.clone();
            move |args: SlowArgs, cx| {
                let tx = tx.clone();
                async move {
                    watch(&cx, &tx);
                    // Slow work that the tests cancel or time out.
                    tokio::time::sleep(Duration::from_millis(args.millis)).await;
                    Ok::<_, ToolError>("slept")
                }
            }
        }))
        .tool(Tool::no_args("gated", "Waits until the test releases it", {
            let (tx, gate) = (tx.clone(), Arc::clone(gate));
            move |cx| {
                let (tx, gate) = (tx.clone(), Arc::clone(&gate));
                async move {
                    watch(&cx, &tx);
                    gate.notified().await;
                    Ok::<_, ToolError>("released")
                }
            }
        }))
        .tool(Tool::new("progress", "Reports `steps` progress updates", |args: ProgressArgs, cx: Context| async move {
            for step in 1..=args.steps {
                let message = format!("step {step}");
                cx.progress(f64::from(step), Some(f64::from(args.steps)), Some(&message)).await?;
            }
            Ok::<_, ToolError>("progressed")
        }))
        .tool(Tool::no_args("sample", "Asks the client's model", {
            let tx = tx.clone();
            move |cx| {
                let tx = tx.clone();
                async move {
                    let params = serde_json::from_value(json!({
                        "messages": [{"role": "user", "content": {"type": "text", "text": "Say hi"}}],
                        "maxTokens": 16,
                    }))?;
                    let _ = tx.send(Event::Sampled(Box::new(cx.create_message(params).await)));
                    Ok::<_, ToolError>("asked")
                }
            }
        }))
        .tool(Tool::no_args("roots", "Asks the client for its roots", {
            let tx = tx.clone();
            move |cx| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(Event::Roots(cx.list_roots().await));
                    Ok::<_, ToolError>("asked")
                }
            }
        }))
        .tool(Tool::no_args("elicit", "Asks the client's user", {
            let tx = tx.clone();
            move |cx| {
                let tx = tx.clone();
                async move {
                    let params = serde_json::from_value(json!({
                        "message": "Your name?",
                        "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
                    }))?;
                    let _ = tx.send(Event::Elicited(cx.elicit(params).await));
                    Ok::<_, ToolError>("asked")
                }
            }
        }))
}

/// Reports the call as started, and its cancellation token firing, to the test.
fn watch(cx: &Context, tx: &mpsc::UnboundedSender<Event>) {
    let (id, token, tx) = (cx.request_id().clone(), cx.cancellation().clone(), tx.clone());
    let _ = tx.send(Event::Started(id.clone()));
    tokio::spawn(async move {
        token.cancelled().await;
        let _ = tx.send(Event::Cancelled(id));
    });
}

fn contents(uri: String, body: &str) -> Result<Vec<hub::ReadResourceResultContentsItem>, ErrorObject> {
    Ok(vec![hub::ReadResourceResultContentsItem::TextResourceContents(hub::TextResourceContents {
        uri,
        text: body.to_owned(),
        mime_type: Some("text/plain".into()),
        ..Default::default()
    })])
}

fn prompt_result(body: &str) -> hub::GetPromptResult {
    hub::GetPromptResult {
        messages: vec![hub::PromptMessage { content: text(body), role: hub::Role::User, extra: Default::default() }],
        ..Default::default()
    }
}

/// A client that proposes `version` and declares no capabilities.
pub(crate) fn client(version: ProtocolVersion) -> ClientBuilder {
    Client::builder("test-client", "1.0.0").protocol_version(version)
}

/// A client that proposes `version` and answers sampling, roots and elicitation.
pub(crate) fn full_client(version: ProtocolVersion) -> ClientBuilder {
    client(version)
        .on_sampling(|_| async move {
            Ok(serde_json::from_value(json!({
                "role": "assistant",
                "content": {"type": "text", "text": "hi"},
                "model": "test-model",
            }))
            .expect("a valid CreateMessageResult"))
        })
        .on_roots(|| async move {
            let root = hub::Root { uri: "file:///work".into(), name: Some("work".into()), ..Default::default() };
            Ok(hub::ListRootsResult { roots: vec![root], ..Default::default() })
        })
        .on_elicitation(|_| async move {
            let content = BTreeMap::from([("name".to_owned(), hub::ElicitResultValue::String("Ada".into()))]);
            Ok(hub::ElicitResult {
                action: hub::ElicitResultAction::Accept,
                content: Some(content),
                extra: Default::default(),
            })
        })
}

/// Connection options whose requests time out after `timeout`.
pub(crate) fn timing_out_after(timeout: Duration) -> ConnectionOptions {
    ConnectionOptions {
        requests: RequestOptions { timeout, max_timeout: timeout, reset_on_progress: false },
        ..ConnectionOptions::default()
    }
}

/// A typed client and a served connection over the in-process pair.
pub(crate) struct Harness {
    pub(crate) client: Client,
    pub(crate) server: ServerHandle,
    /// The server definition, to change its tools while connected.
    pub(crate) definition: Server,
    pub(crate) probe: Probe,
    notes: mpsc::UnboundedReceiver<ServerNotification>,
}

impl Harness {
    /// The next notification the client's `on_notification` received.
    pub(crate) async fn note(&mut self) -> ServerNotification {
        self.notes.recv().await.expect("the client's notification handler outlives the harness")
    }

    /// The notifications received so far and not yet taken.
    pub(crate) fn received_notes(&mut self) -> Vec<ServerNotification> {
        std::iter::from_fn(|| self.notes.try_recv().ok()).collect()
    }

    /// Calls a tool and returns the text of the result's first block.
    pub(crate) async fn call_text(&self, name: &str, arguments: Value) -> String {
        let result = self.client.call_tool(name, arguments).await.unwrap_or_else(|e| panic!("tools/call {name}: {e}"));
        assert_eq!(result.is_error, None, "{name} reported an error: {result:?}");
        text_of(&result)
    }

    /// Sends a request as JSON in the negotiated revision's shape and returns the raw result.
    pub(crate) async fn raw(&self, method: &str, params: Value) -> Value {
        let params = if params.is_null() { None } else { Some(params) };
        self.client.request_raw(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Every item of a raw list result (`key` names the array), following `nextCursor`.
    pub(crate) async fn raw_all(&self, method: &str, key: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut params = Value::Null;
        loop {
            let page = self.raw(method, params).await;
            items.extend(
                page[key].as_array().unwrap_or_else(|| panic!("{method}: no `{key}` in {page}")).iter().cloned(),
            );
            match page.get("nextCursor") {
                Some(cursor) => params = json!({"cursor": cursor}),
                None => return items,
            }
        }
    }
}

/// Connects `builder` to `server` over `transport`'s pair, forwarding notifications to the harness.
async fn connect_over<T: Transport>(
    (definition, probe): (Server, Probe),
    builder: ClientBuilder,
    client_end: T,
    server_end: impl Transport,
) -> Harness {
    let server = definition.serve(server_end);
    let (tx, notes) = mpsc::unbounded_channel();
    let builder = builder.on_notification(move |note| {
        let _ = tx.send(note);
    });
    let client = builder.connect(client_end).await.expect("handshake");
    // `connect` returns once `notifications/initialized` is queued; the answer to a ping sent after it means
    // the server has processed it, so the server may send its own notifications from here on.
    client.ping().await.expect("ping after the handshake");
    Harness { client, server, definition, probe, notes }
}

/// Connects `builder` to `server` over the in-process pair.
pub(crate) async fn connect_with(server: (Server, Probe), builder: ClientBuilder) -> Harness {
    let (c, s) = mcpgen::runtime::transport::in_process();
    connect_over(server, builder, c, s).await
}

/// The test server and a full client proposing `version`.
pub(crate) async fn connect(version: ProtocolVersion) -> Harness {
    connect_with(server(), full_client(version)).await
}

/// Like [`connect_with`], with every frame the client sends or receives copied to the returned receiver.
pub(crate) async fn connect_tapped(
    server: (Server, Probe),
    builder: ClientBuilder,
) -> (Harness, mpsc::UnboundedReceiver<Tapped>) {
    let (c, s) = mcpgen::runtime::transport::in_process();
    let (tx, frames) = mpsc::unbounded_channel();
    (connect_over(server, builder, Tap { inner: c, frames: tx }, s).await, frames)
}

/// The text of a tool result's first content block.
pub(crate) fn text_of(result: &hub::CallToolResult) -> String {
    match result.content.first() {
        Some(hub::ContentBlock::Text(t)) => t.text.clone(),
        other => panic!("expected a text block, got {other:?}"),
    }
}

/// The JSON-RPC error of a failed call.
pub(crate) fn rpc_error<T>(outcome: Result<T, Error>) -> ErrorObject {
    match outcome {
        Err(Error::Rpc(error)) => error,
        Err(other) => panic!("expected a JSON-RPC error, got {other:?}"),
        Ok(_) => panic!("expected a JSON-RPC error, got a result"),
    }
}

/// A frame seen by a [`Tap`].
#[derive(Debug)]
pub(crate) enum Tapped {
    /// Written by the tapped side.
    Sent(Value),
    /// Read by the tapped side.
    Received(Value),
}

/// Every frame a tap saw so far (call once the connection has ended to see all of them).
pub(crate) fn tapped(frames: &mut mpsc::UnboundedReceiver<Tapped>) -> Vec<Tapped> {
    std::iter::from_fn(|| frames.try_recv().ok()).collect()
}

/// Whether `frame` is a response (not a request) with this id.
pub(crate) fn is_response_to(frame: &Value, id: &RequestId) -> bool {
    frame.get("method").is_none() && frame.get("id") == Some(&json!(id))
}

/// A transport that copies every frame passing through it to a channel.
struct Tap<T> {
    inner: T,
    frames: mpsc::UnboundedSender<Tapped>,
}

/// One half of a [`Tap`].
struct Tapping<H> {
    half: H,
    frames: mpsc::UnboundedSender<Tapped>,
}

impl<T: Transport> Transport for Tap<T> {
    type Reader = Tapping<T::Reader>;
    type Writer = Tapping<T::Writer>;

    fn split(self) -> (Self::Reader, Self::Writer) {
        let (reader, writer) = self.inner.split();
        (Tapping { half: reader, frames: self.frames.clone() }, Tapping { half: writer, frames: self.frames })
    }
}

impl<W: FrameWriter> FrameWriter for Tapping<W> {
    async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        if let Ok(value) = serde_json::from_str(&frame) {
            let _ = self.frames.send(Tapped::Sent(value));
        }
        self.half.send(frame).await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.half.close().await
    }
}

impl<R: FrameReader> FrameReader for Tapping<R> {
    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        let frame = self.half.recv().await;
        if let Some(Ok(text)) = &frame
            && let Ok(value) = serde_json::from_str(text)
        {
            let _ = self.frames.send(Tapped::Received(value));
        }
        frame
    }
}

/// The far end of a connection, driven frame by frame: raw bytes out, frames in through the newline codec.
pub(crate) struct Raw {
    reader: Framed<ReadHalf<DuplexStream>, Sink>,
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
}

/// `server` served on one end of a pipe (frames capped at [`MAX_FRAME`]) and a raw driver on the other.
pub(crate) fn raw_server(server: &Server) -> (Raw, ServerHandle) {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let (read, write) = tokio::io::split(theirs);
    let handle = server.serve(Framed::new(read, write).max_frame(MAX_FRAME));
    (Raw::over(ours), handle)
}

/// A raw driver playing the server, and the transport for a client to connect over.
pub(crate) fn raw_peer() -> (Raw, impl Transport) {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let (read, write) = tokio::io::split(theirs);
    (Raw::over(ours), Framed::new(read, write))
}

impl Raw {
    fn over(stream: DuplexStream) -> Raw {
        let (read, write) = tokio::io::split(stream);
        Raw { reader: Framed::new(read, tokio::io::sink()), writer: write, next_id: 1000 }
    }

    /// Sends one message as a frame.
    pub(crate) async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    /// Sends a line of text as a frame.
    pub(crate) async fn send_text(&mut self, text: &str) {
        self.send_bytes(format!("{text}\n").as_bytes()).await;
    }

    /// Sends one message as a frame; `false` when the other end no longer reads.
    pub(crate) async fn try_send(&mut self, message: Value) -> bool {
        let line = format!("{message}\n");
        self.writer.write_all(line.as_bytes()).await.is_ok() && self.writer.flush().await.is_ok()
    }

    /// Plays a server's side of the handshake: answers `initialize` with the newest revision and no
    /// capabilities, then reads `notifications/initialized`.
    pub(crate) async fn answer_handshake(&mut self) {
        let request = self.recv().await;
        assert_eq!(request["method"], "initialize", "{request}");
        let info = json!({"name": "fake", "version": "1"});
        let result = json!({"protocolVersion": newest().as_str(), "capabilities": {}, "serverInfo": info});
        self.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result})).await;
        assert_eq!(self.recv().await["method"], "notifications/initialized");
    }

    /// Writes raw bytes (the caller ends the frame with a newline).
    pub(crate) async fn send_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("the server end reads");
        self.writer.flush().await.expect("the server end reads");
    }

    /// The next frame, as JSON.
    pub(crate) async fn recv(&mut self) -> Value {
        match self.reader.recv().await {
            Some(Ok(text)) => {
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("the peer sent invalid JSON {text:?}: {e}"))
            }
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// Asserts that the peer closed the connection without sending anything more.
    pub(crate) async fn closed(&mut self) {
        match self.reader.recv().await {
            None => {}
            other => panic!("expected the peer to close, got {other:?}"),
        }
    }

    /// Shuts down the write half: the peer reads end-of-stream.
    pub(crate) async fn close(&mut self) {
        self.writer.shutdown().await.expect("shut down the write half");
    }

    /// A fresh numeric id.
    pub(crate) fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Sends a request with a fresh id and returns the next frame, which must answer it.
    pub(crate) async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.id();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
        let response = self.recv().await;
        assert_eq!(response["id"], json!(id), "{method}: {response}");
        response
    }

    /// `initialize` proposing `version`; returns the result without sending `notifications/initialized`.
    pub(crate) async fn initialize(&mut self, version: &str) -> Value {
        let params = json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        });
        let response = self.request("initialize", params).await;
        response.get("result").cloned().unwrap_or_else(|| panic!("initialize failed: {response}"))
    }

    /// The full handshake; returns the `initialize` result.
    pub(crate) async fn handshake(&mut self, version: ProtocolVersion) -> Value {
        let result = self.initialize(version.as_str()).await;
        assert_eq!(result["protocolVersion"], version.as_str());
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        result
    }

    /// Pings, and asserts that the very next frame is the answer: the connection still serves requests
    /// and sent nothing else in between.
    pub(crate) async fn ping_ok(&mut self) {
        let id = self.id();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "ping"})).await;
        assert_eq!(self.recv().await, json!({"jsonrpc": "2.0", "id": id, "result": {}}));
    }
}

/// What a bad-input case sends.
pub(crate) enum Input {
    /// A JSON message.
    Json(Value),
    /// A line of text.
    Text(String),
    /// Raw bytes, newline included.
    Bytes(Vec<u8>),
}

impl From<Value> for Input {
    fn from(value: Value) -> Input {
        Input::Json(value)
    }
}

impl From<&str> for Input {
    fn from(text: &str) -> Input {
        Input::Text(text.to_owned())
    }
}

/// What a bad-input case must get back.
pub(crate) enum Expect {
    /// One error response with this code and id whose message mentions the text (if not empty).
    Error(i64, Value, &'static str),
    /// One tool result with this id and `isError: true` whose text mentions the text.
    ToolError(Value, &'static str),
    /// One successful response with this id.
    Result(Value),
    /// One batch response: for each id, `None` for a result or the error code, in any order.
    Batch(Vec<(Value, Option<i64>)>),
    /// Nothing at all.
    Silence,
}

/// A parse error for an unreadable frame.
pub(crate) fn parse_error() -> Expect {
    Expect::Error(ErrorObject::PARSE_ERROR, Value::Null, "")
}

/// An invalid-request error answering `id`.
pub(crate) fn invalid_request(id: Value) -> Expect {
    Expect::Error(ErrorObject::INVALID_REQUEST, id, "")
}

/// Sends `input`, asserts the answer, then asserts that the connection still answers a `ping` (and sent
/// nothing else meanwhile). Returns the answer.
pub(crate) async fn check(raw: &mut Raw, case: &str, input: impl Into<Input>, expect: Expect) -> Option<Value> {
    match input.into() {
        Input::Json(value) => raw.send(value).await,
        Input::Text(text) => raw.send_text(&text).await,
        Input::Bytes(bytes) => raw.send_bytes(&bytes).await,
    }
    let answer = match expect {
        Expect::Error(code, id, mentions) => {
            let answer = raw.recv().await;
            assert_eq!(answer["jsonrpc"], "2.0", "{case}: {answer}");
            assert_eq!(answer["id"], id, "{case}: wrong id in {answer}");
            assert_eq!(answer["error"]["code"], code, "{case}: wrong code in {answer}");
            assert!(answer.get("result").is_none(), "{case}: {answer}");
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(mentions), "{case}: {message:?} does not mention {mentions:?}");
            Some(answer)
        }
        Expect::ToolError(id, mentions) => {
            let answer = raw.recv().await;
            assert_eq!(answer["id"], id, "{case}: wrong id in {answer}");
            assert_eq!(answer["result"]["isError"], true, "{case}: {answer}");
            let message = answer["result"]["content"][0]["text"].as_str().unwrap_or_default();
            assert!(message.contains(mentions), "{case}: {message:?} does not mention {mentions:?}");
            Some(answer)
        }
        Expect::Result(id) => {
            let answer = raw.recv().await;
            assert_eq!(answer["id"], id, "{case}: wrong id in {answer}");
            assert!(answer["result"].is_object(), "{case}: {answer}");
            Some(answer)
        }
        Expect::Batch(mut expected) => {
            let answer = raw.recv().await;
            let responses =
                answer.as_array().unwrap_or_else(|| panic!("{case}: expected a batch response, got {answer}"));
            let mut got: Vec<(Value, Option<i64>)> = responses
                .iter()
                .map(|r| {
                    assert_eq!(r["jsonrpc"], "2.0", "{case}: {r}");
                    assert!(r["result"].is_object() != r.get("error").is_some(), "{case}: {r}");
                    (r["id"].clone(), r["error"]["code"].as_i64())
                })
                .collect();
            let key = |(id, code): &(Value, Option<i64>)| (id.to_string(), *code);
            got.sort_by_key(key);
            expected.sort_by_key(key);
            assert_eq!(got, expected, "{case}: {answer}");
            Some(answer)
        }
        Expect::Silence => None,
    };
    raw.ping_ok().await;
    answer
}
