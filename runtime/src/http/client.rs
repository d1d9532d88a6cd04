//! The client side of Streamable HTTP (2025-03-26 … 2025-11-25, and the stateless shape of 2026-07-28),
//! falling back to the 2024-11-05 HTTP+SSE transport for servers of that era.
//!
//! Every outgoing frame is one POST. Requests are posted on their own tasks, so a long call never holds up
//! later frames; notifications and responses are posted (and their `202` awaited) in order, so
//! `notifications/initialized` reaches the server before the next request. Whatever the server sends back
//! (JSON bodies, the `data` of server-sent events on POST streams, the standalone GET stream, resumed
//! streams) becomes frames for the reader.
//!
//! A request that cannot get an answer (an HTTP error, a refused connection, a stream that could not be
//! resumed, an expired session) is answered locally with a JSON-RPC error, code `-32603`, a message
//! starting with `HTTP transport:` and `data: {"transport": true}`, so that its caller fails at once
//! instead of waiting for its timeout.
//!
//! 2026-07-28 requests are recognised by their frame alone: a request whose `params._meta` names its
//! revision (`io.modelcontextprotocol/protocolVersion`) is POSTed with the headers that revision requires,
//! all derived from the frame and from earlier answers: `MCP-Protocol-Version` (the `_meta` revision),
//! `Mcp-Method`, `Mcp-Name` (`params.name` of `tools/call` and `prompts/get`, `params.uri` of
//! `resources/read`) and, for `tools/call`, one `Mcp-Param-{X}` per argument the tool's `inputSchema`
//! marks with `"x-mcp-header": "X"`. The transport learns those declarations from the `tools/list`
//! results it relays, and leaves out of them (with a warning) the tools whose declarations are invalid,
//! as the spec has clients do; calling such a tool fails locally. Such requests carry no session id, their
//! streams are never resumed (a broken one fails the request with `data.streamBroken`, for the client to
//! send it again), no GET stream or DELETE is made for them, and a `notifications/cancelled` for one
//! closes its stream instead of being POSTed.

use super::param_headers::{ParamHeader, header_value, param_headers};
use super::sse::{DEFAULT_MAX_EVENT_SIZE, SseParser};
use super::{LAST_EVENT_ID, MCP_METHOD, MCP_NAME, PROTOCOL_VERSION, SESSION_ID, encode_header_value};
use crate::transport::{FrameReader, FrameWriter, Transport, TransportError};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::{CancellationToken, DropGuard};

const ACCEPT_BOTH: &str = "application/json, text/event-stream";
const EVENT_STREAM: &str = "text/event-stream";
const JSON: &str = "application/json";
/// How many received frames wait for the reader before the streams stop reading.
const READ_AHEAD: usize = 64;
/// How long the handshake waits for the server to answer the GET opening the standalone stream.
const STANDALONE_WAIT: Duration = Duration::from_secs(3);
/// How long closing waits for the server to answer the DELETE that ends the session.
const DELETE_TIMEOUT: Duration = Duration::from_secs(5);

/// The client side of Streamable HTTP, as a [`Transport`] for [`crate::client::Client`].
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use mcpgen_runtime::client::Client;
/// use mcpgen_runtime::http::HttpTransport;
///
/// let transport = HttpTransport::new("http://127.0.0.1:8080/mcp")?.header("Authorization", "Bearer secret")?;
/// let client = Client::builder("my-client", "1.0").connect(transport).await?;
/// client.ping().await?;
/// # Ok(())
/// # }
/// ```
///
/// Only `http://` URLs are supported for now (no TLS).
///
/// In MCP 2026-07-28 the headers of a `tools/call` include `Mcp-Param-*` for the arguments the tool marks
/// with `x-mcp-header`, which this transport learns from the `tools/list` results it carries: list the
/// tools before calling them (the client lists them again by itself when a call is refused with `-32020`).
#[derive(Clone)]
pub struct HttpTransport {
    config: Config,
}

#[derive(Clone)]
struct Config {
    url: Uri,
    headers: HeaderMap,
    legacy_fallback: bool,
    legacy_only: bool,
    max_event_size: usize,
    attempts: u32,
    delay: Duration,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values (credentials) are left out.
        f.debug_struct("HttpTransport")
            .field("url", &self.config.url)
            .field("headers", &self.config.headers.keys().collect::<Vec<_>>())
            .field("legacy_fallback", &self.config.legacy_fallback)
            .field("legacy_only", &self.config.legacy_only)
            .field("max_event_size", &self.config.max_event_size)
            .field("reconnect_attempts", &self.config.attempts)
            .field("reconnect_delay", &self.config.delay)
            .finish()
    }
}

fn invalid(message: String) -> TransportError {
    TransportError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))
}

impl HttpTransport {
    /// A transport to the MCP endpoint at `url` (`http://host:port/path`), speaking Streamable HTTP and
    /// falling back to HTTP+SSE when the server rejects the `initialize` POST with a 4xx status (other
    /// than 401, 403 and 413). `https://` URLs are refused: TLS is not supported yet.
    pub fn new(url: &str) -> Result<HttpTransport, TransportError> {
        let url = parse_url(url)?;
        Ok(HttpTransport {
            config: Config {
                url,
                headers: HeaderMap::new(),
                legacy_fallback: true,
                legacy_only: false,
                max_event_size: DEFAULT_MAX_EVENT_SIZE,
                attempts: 5,
                delay: Duration::from_secs(1),
            },
        })
    }

    /// A transport speaking only the 2024-11-05 HTTP+SSE transport: `url` is the SSE endpoint, which
    /// names the endpoint to POST to in its first (`endpoint`) event.
    pub fn legacy_sse(url: &str) -> Result<HttpTransport, TransportError> {
        let mut transport = Self::new(url)?;
        transport.config.legacy_only = true;
        Ok(transport)
    }

    /// Adds a header to every request (e.g. `Authorization`). Fails when the name or value is not a valid
    /// HTTP header. The headers the transport itself sets (`Accept`, `Content-Type`, the session,
    /// protocol version and `Last-Event-ID`) take precedence over these.
    pub fn header(mut self, name: &str, value: &str) -> Result<HttpTransport, TransportError> {
        let name = HeaderName::try_from(name).map_err(|e| invalid(format!("invalid header name {name:?}: {e}")))?;
        let value =
            HeaderValue::try_from(value).map_err(|e| invalid(format!("invalid value for header {name}: {e}")))?;
        self.config.headers.append(name, value);
        Ok(self)
    }

    /// Whether to fall back to HTTP+SSE when the `initialize` POST is rejected (default `true`).
    pub fn legacy_fallback(mut self, enabled: bool) -> HttpTransport {
        self.config.legacy_fallback = enabled;
        self
    }

    /// Sets the maximum size in bytes of one server-sent event and of one response body (default 16 MiB).
    pub fn max_event_size(mut self, bytes: usize) -> HttpTransport {
        self.config.max_event_size = bytes;
        self
    }

    /// Sets how many times in a row a broken event stream is resumed (GET with `Last-Event-ID`) before
    /// giving up, and how long to wait before each attempt when the server set no `retry` time (default:
    /// 5 attempts, 1 s). The count starts again whenever a resumed stream delivers an event.
    pub fn reconnect(mut self, attempts: u32, default_delay: Duration) -> HttpTransport {
        self.config.attempts = attempts;
        self.config.delay = default_delay;
        self
    }
}

fn parse_url(url: &str) -> Result<Uri, TransportError> {
    let uri = Uri::try_from(url).map_err(|e| invalid(format!("invalid URL {url:?}: {e}")))?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => {}
        Some(s) if s.eq_ignore_ascii_case("https") => {
            return Err(invalid(format!(
                "HTTPS is not supported by HttpTransport yet: {url} (use an http:// URL, e.g. through a local \
                 TLS-terminating proxy)"
            )));
        }
        _ => return Err(invalid(format!("not an http:// URL: {url:?}"))),
    }
    if uri.authority().is_none() {
        return Err(invalid(format!("the URL has no host: {url:?}")));
    }
    Ok(uri)
}

impl Transport for HttpTransport {
    type Reader = HttpReader;
    type Writer = HttpWriter;

    fn split(self) -> (HttpReader, HttpWriter) {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = HyperClient::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(connector);
        let (frames, rx) = mpsc::channel(READ_AHEAD);
        let stop = CancellationToken::new();
        let shared =
            Arc::new(Shared { config: self.config, http, frames, stop: stop.clone(), state: Mutex::default() });
        let guard = stop.clone().drop_guard();
        (HttpReader { frames: rx, stop }, HttpWriter { shared, _stop: guard })
    }
}

/// The receiving half of an [`HttpTransport`]: frames from every response and event stream, in arrival
/// order. Ends when the transport is closed or the server ended the session.
pub struct HttpReader {
    frames: mpsc::Receiver<Result<String, TransportError>>,
    stop: CancellationToken,
}

impl FrameReader for HttpReader {
    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        tokio::select! {
            biased;
            frame = self.frames.recv() => frame,
            () = self.stop.cancelled() => None,
        }
    }
}

/// The sending half of an [`HttpTransport`]. Closing it ends the session (`DELETE`) and every stream;
/// dropping it stops the streams too.
pub struct HttpWriter {
    shared: Arc<Shared>,
    _stop: DropGuard,
}

impl FrameWriter for HttpWriter {
    async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        let shared = &self.shared;
        if shared.stop.is_cancelled() {
            return Err(TransportError::Closed);
        }
        let outgoing = classify(&frame);
        // 2026-07-28 over HTTP: closing the request's stream is the cancellation; one already answered
        // needs nothing more.
        if let Some(id) = &outgoing.cancelled
            && (shared.abort(id) || shared.stateless())
        {
            return Ok(());
        }
        let tokens = {
            let mut state = shared.state();
            if let Some(id) = &outgoing.initialize {
                state.initialize = Some(id.clone());
            }
            outgoing.requests.iter().map(|id| state.pending.entry(id_key(id)).or_default().clone()).collect::<Vec<_>>()
        };
        let modern = outgoing.modern.is_some();
        let requests = Ask { ids: outgoing.requests, tokens, modern };
        if let Some(request) = outgoing.modern {
            match shared.modern_headers(&request) {
                Ok(headers) => {
                    let abort = CancellationToken::new();
                    let mut state = shared.state();
                    state.spoke_modern = true;
                    state.modern.insert(id_key(&request.id), abort.clone());
                    if request.method == "tools/list" {
                        state.tool_lists.insert(id_key(&request.id));
                    }
                    drop(state);
                    shared.spawn(Arc::clone(shared).request_modern(frame, requests, headers, abort));
                }
                Err(message) => shared.fail(&requests, &message).await,
            }
            return Ok(());
        }
        let legacy = shared.state().legacy.clone();
        let endpoint = match legacy {
            Some(endpoint) => Some(endpoint),
            None if shared.config.legacy_only => match shared.connect_legacy().await {
                Ok(endpoint) => Some(endpoint),
                Err(e) => {
                    let message = format!("HTTP transport: cannot open the HTTP+SSE stream: {e}");
                    if requests.ids.is_empty() {
                        return Err(TransportError::Io(std::io::Error::other(message)));
                    }
                    shared.fail(&requests, &message).await;
                    return Ok(());
                }
            },
            None => None,
        };
        if let Some(endpoint) = endpoint {
            return shared.legacy_post(&endpoint, frame, &requests).await;
        }
        if !requests.ids.is_empty() {
            let task = Arc::clone(shared).request(frame, requests, outgoing.initialize.is_some());
            shared.spawn(task);
            return Ok(());
        }
        shared.post_awaited(frame).await?;
        if outgoing.initialized {
            let start = {
                let mut state = shared.state();
                let start = !state.standalone && state.legacy.is_none();
                state.standalone = true;
                start
            };
            if start {
                // Later frames wait until the stream is open (or refused), so that the server sees it before
                // any later request and never takes it for the resumption of a request's stream.
                let (opened, wait) = oneshot::channel();
                shared.spawn(Arc::clone(shared).standalone(opened));
                let _ = tokio::time::timeout(STANDALONE_WAIT, wait).await;
            }
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        let shared = &self.shared;
        let session = {
            let state = shared.state();
            if state.legacy.is_some() { None } else { state.session.clone() }
        };
        if session.is_some()
            && !shared.stop.is_cancelled()
            && let Ok(request) = shared.build(Method::DELETE, &shared.config.url, None, None, None, Headers::Session)
        {
            // 405 (the server does not let clients end sessions) and 404 (already gone) are fine too.
            match tokio::time::timeout(DELETE_TIMEOUT, shared.http.request(request)).await {
                Ok(Ok(response)) => tracing::debug!("DELETE of the session answered {}", response.status()),
                Ok(Err(e)) => tracing::debug!("DELETE of the session failed: {}", describe(&e)),
                Err(_) => tracing::debug!("DELETE of the session timed out"),
            }
        }
        shared.stop.cancel();
        Ok(())
    }
}

struct Shared {
    config: Config,
    http: HyperClient<HttpConnector, Full<Bytes>>,
    frames: mpsc::Sender<Result<String, TransportError>>,
    stop: CancellationToken,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `Mcp-Session-Id`, from the response to `initialize`.
    session: Option<HeaderValue>,
    /// The negotiated revision, from the `initialize` result.
    version: Option<HeaderValue>,
    /// The id of the `initialize` request.
    initialize: Option<Value>,
    /// Where to POST once HTTP+SSE is in use.
    legacy: Option<Uri>,
    /// Requests sent and not answered yet (by id as JSON text); the token is cancelled on the answer.
    pending: HashMap<String, CancellationToken>,
    /// The standalone GET stream was started.
    standalone: bool,
    /// 2026-07-28 requests in flight (by id as JSON text): cancelling the token closes the request's stream.
    modern: HashMap<String, CancellationToken>,
    /// A 2026-07-28 request was sent.
    spoke_modern: bool,
    /// 2026-07-28 `tools/list` requests in flight (by id as JSON text).
    tool_lists: HashSet<String>,
    /// 2026-07-28: the `x-mcp-header` declarations of every tool listed so far, by name, or why the tool is
    /// excluded.
    tools: HashMap<String, Result<Vec<ParamHeader>, String>>,
}

/// Which of the transport's own headers a request gets.
#[derive(Clone, Copy)]
enum Headers<'a> {
    /// None (HTTP+SSE).
    Plain,
    /// The session and the negotiated revision, once known (Streamable HTTP, legacy revisions).
    Session,
    /// A 2026-07-28 request's: `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`.
    Modern(&'a HeaderMap),
}

/// The requests of one outgoing frame, with their answered tokens.
struct Ask {
    ids: Vec<Value>,
    tokens: Vec<CancellationToken>,
    /// A 2026-07-28 request: its stream cannot be resumed, an id-less error body answers it.
    modern: bool,
}

impl Ask {
    fn answered(&self) -> bool {
        self.tokens.iter().all(CancellationToken::is_cancelled)
    }

    /// Completes once every request is answered; never when there are none (a standalone stream).
    async fn all_answered(&self) {
        if self.tokens.is_empty() {
            std::future::pending::<()>().await;
        }
        for token in &self.tokens {
            token.cancelled().await;
        }
    }
}

/// How an event stream ended.
struct StreamEnd {
    /// At least one event arrived.
    progressed: bool,
    /// Why it ended, when it broke rather than ended.
    error: Option<String>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let stop = self.stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = task => {}
            }
        });
    }

    /// Builds a request with the custom headers, then the transport's own.
    fn build(
        &self,
        method: Method,
        uri: &Uri,
        body: Option<String>,
        accept: Option<&'static str>,
        last_event_id: Option<&str>,
        own: Headers<'_>,
    ) -> Result<Request<Full<Bytes>>, String> {
        let mut request = Request::builder().method(method).uri(uri.clone());
        let headers = request.headers_mut().ok_or("invalid request")?;
        headers.extend(self.config.headers.clone());
        if let Some(accept) = accept {
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
        }
        match own {
            Headers::Plain => {}
            Headers::Session => {
                let state = self.state();
                if let Some(session) = &state.session {
                    headers.insert(SESSION_ID, session.clone());
                }
                if let Some(version) = &state.version {
                    headers.insert(PROTOCOL_VERSION, version.clone());
                }
            }
            Headers::Modern(modern) => {
                for (name, value) in modern {
                    headers.insert(name, value.clone());
                }
            }
        }
        if let Some(value) = last_event_id.and_then(|id| HeaderValue::from_str(id).ok()) {
            headers.insert(LAST_EVENT_ID, value);
        }
        request.body(Full::new(body.map(Bytes::from).unwrap_or_default())).map_err(|e| e.to_string())
    }

    /// Sends a request; the error is a description.
    async fn call(
        &self,
        method: Method,
        uri: &Uri,
        body: Option<String>,
        accept: Option<&'static str>,
        last_event_id: Option<&str>,
        own: Headers<'_>,
    ) -> Result<Response<Incoming>, String> {
        let request = self.build(method, uri, body, accept, last_event_id, own)?;
        self.http.request(request).await.map_err(|e| describe(&e))
    }

    /// Hands a frame to the reader, noting the answers it carries.
    async fn deliver(&self, frame: String) {
        let frame = self.observe(frame);
        let _ = self.frames.send(Ok(frame)).await;
    }

    /// Marks the requests a received frame answers, reads the negotiated revision from the `initialize`
    /// result, and learns the `x-mcp-header` declarations of a 2026-07-28 `tools/list` result, which loses
    /// the tools whose declarations are invalid.
    fn observe(&self, frame: String) -> String {
        #[derive(Deserialize)]
        struct Probe<'a> {
            #[serde(default)]
            id: Option<Value>,
            #[serde(default)]
            method: Option<IgnoredAny>,
            #[serde(default, borrow)]
            result: Option<&'a RawValue>,
        }
        #[derive(Deserialize)]
        struct Initialized {
            #[serde(rename = "protocolVersion")]
            protocol_version: String,
        }
        let probes: Vec<Probe<'_>> = if frame.trim_start().starts_with('[') {
            serde_json::from_str(&frame).unwrap_or_default()
        } else {
            serde_json::from_str(&frame).map(|p| vec![p]).unwrap_or_default()
        };
        let mut state = self.state();
        let mut tool_list = false;
        for probe in probes {
            let (Some(id), None) = (probe.id, probe.method) else { continue };
            let key = id_key(&id);
            state.modern.remove(&key);
            tool_list |= state.tool_lists.remove(&key) && probe.result.is_some();
            if state.initialize.as_ref() == Some(&id) {
                let version = probe
                    .result
                    .and_then(|r| serde_json::from_str::<Initialized>(r.get()).ok())
                    .and_then(|r| HeaderValue::from_str(&r.protocol_version).ok());
                if version.is_some() {
                    state.version = version;
                }
            }
            if let Some(token) = state.pending.remove(&key) {
                token.cancel();
            }
        }
        if tool_list { learn_tools(&mut state.tools, frame) } else { frame }
    }

    /// Whether this transport speaks only 2026-07-28: it sent such requests, and no `initialize`.
    fn stateless(&self) -> bool {
        let state = self.state();
        state.spoke_modern && state.initialize.is_none() && state.legacy.is_none()
    }

    /// 2026-07-28: cancels the request `id` by closing its stream, if it is one in flight.
    fn abort(&self, id: &Value) -> bool {
        let mut state = self.state();
        let key = id_key(id);
        let Some(abort) = state.modern.remove(&key) else { return false };
        state.pending.remove(&key);
        state.tool_lists.remove(&key);
        abort.cancel();
        true
    }

    /// The headers of a 2026-07-28 request, or why it cannot be sent (the error message for its caller).
    fn modern_headers(&self, request: &ModernRequest) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        let value = |text: &str, what: &str| {
            HeaderValue::from_str(text)
                .map_err(|_| format!("HTTP transport: the {what} {text:?} cannot be sent in an HTTP header"))
        };
        headers.insert(PROTOCOL_VERSION, value(&request.version, "protocol version")?);
        headers.insert(MCP_METHOD, value(&request.method, "method")?);
        let Some(name) = &request.name else { return Ok(headers) };
        headers.insert(MCP_NAME, value(&encode_header_value(name), "name")?);
        if request.method != "tools/call" {
            return Ok(headers);
        }
        match self.state().tools.get(name) {
            // Not listed (yet): nothing to mirror that this transport knows of.
            None => {}
            Some(Err(reason)) => {
                return Err(format!(
                    "HTTP transport: the tool {name:?} is excluded because its inputSchema declares an invalid \
                     x-mcp-header: {reason}"
                ));
            }
            Some(Ok(params)) => {
                for param in params {
                    let Some(text) = header_value(&request.arguments, param) else { continue };
                    let name = HeaderName::try_from(format!("mcp-param-{}", param.name))
                        .map_err(|_| format!("HTTP transport: invalid x-mcp-header name {:?}", param.name))?;
                    headers.insert(name, value(&text, "argument")?);
                }
            }
        }
        Ok(headers)
    }

    /// POSTs a 2026-07-28 request with its own headers and follows the answer; `abort` (the request was
    /// cancelled) closes the stream.
    async fn request_modern(self: Arc<Self>, frame: String, ask: Ask, headers: HeaderMap, abort: CancellationToken) {
        let work = async {
            let url = &self.config.url;
            let own = Headers::Modern(&headers);
            match self.call(Method::POST, url, Some(frame), Some(ACCEPT_BOTH), None, own).await {
                Ok(response) => self.answer(response, &ask).await,
                Err(e) => self.fail(&ask, &format!("HTTP transport: cannot POST to {url}: {e}")).await,
            }
        };
        tokio::select! {
            () = abort.cancelled() => {}
            () = work => {}
        }
        let mut state = self.state();
        for id in &ask.ids {
            state.modern.remove(&id_key(id));
            state.tool_lists.remove(&id_key(id));
        }
    }

    fn is_pending(&self, id: &Value) -> bool {
        self.state().pending.contains_key(&id_key(id))
    }

    /// Answers every still unanswered request of `ask` with a local error.
    async fn fail(&self, ask: &Ask, message: &str) {
        for id in &ask.ids {
            if self.is_pending(id) {
                tracing::debug!("request {id}: {message}");
                self.deliver(synthetic_error(id, message)).await;
            }
        }
    }

    /// The server ended the session: nothing more will work.
    fn expire(&self) {
        tracing::warn!("HTTP transport: the server no longer knows the session (404); closing");
        self.stop.cancel();
    }

    fn has_session(&self) -> bool {
        self.state().session.is_some()
    }

    /// POSTs a notification or response and waits for its acceptance.
    async fn post_awaited(&self, frame: String) -> Result<(), TransportError> {
        let response = self
            .call(Method::POST, &self.config.url, Some(frame), Some(ACCEPT_BOTH), None, Headers::Session)
            .await
            .map_err(|e| TransportError::Io(std::io::Error::other(format!("HTTP transport: POST failed: {e}"))))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND && self.has_session() {
            self.expire();
            return Err(TransportError::Closed);
        }
        if !status.is_success() {
            let body = read_limited(response.into_body(), self.config.max_event_size).await.unwrap_or_default();
            tracing::warn!("HTTP transport: the server rejected a message with {status}{}", explain(&body));
        }
        Ok(())
    }

    /// POSTs a frame holding requests and follows the answer until each request is answered.
    async fn request(self: Arc<Self>, frame: String, ask: Ask, initialize: bool) {
        let url = &self.config.url;
        let body = if initialize && self.config.legacy_fallback { Some(frame.clone()) } else { None };
        let response = match self.call(Method::POST, url, Some(frame), Some(ACCEPT_BOTH), None, Headers::Session).await
        {
            Ok(response) => response,
            Err(e) => return self.fail(&ask, &format!("HTTP transport: cannot POST to {url}: {e}")).await,
        };
        let status = response.status();
        if let Some(frame) = body.filter(|_| falls_back(status)) {
            drop(response);
            tracing::debug!("initialize answered {status}: trying the HTTP+SSE transport");
            return match self.connect_legacy().await {
                Ok(endpoint) => {
                    // The error, if any, is a refused connection: nothing more to report for a request.
                    let _ = self.legacy_post(&endpoint, frame, &ask).await;
                }
                Err(e) => {
                    let message = format!(
                        "HTTP transport: the server answered the initialize POST with {status}, and the HTTP+SSE \
                         fallback failed: {e}"
                    );
                    self.fail(&ask, &message).await;
                }
            };
        }
        if initialize && let Some(session) = response.headers().get(SESSION_ID) {
            self.state().session = Some(session.clone());
        }
        self.answer(response, &ask).await;
    }

    /// Reads the answer to a POST of requests.
    async fn answer(&self, response: Response<Incoming>, ask: &Ask) {
        let status = response.status();
        if !status.is_success() {
            let body = read_limited(response.into_body(), self.config.max_event_size).await.unwrap_or_default();
            self.deliver_answers(&body, ask).await;
            self.fail(ask, &format!("HTTP transport: the server answered {status}{}", explain(&body))).await;
            if status == StatusCode::NOT_FOUND && self.has_session() {
                self.expire();
            }
            return;
        }
        match content_type(&response).as_deref() {
            Some(EVENT_STREAM) => self.follow(response.into_body(), ask).await,
            Some(JSON) => match read_limited(response.into_body(), self.config.max_event_size).await {
                Ok(body) => {
                    self.deliver_body(body).await;
                    self.fail(ask, &format!("HTTP transport: the server's answer ({status}) held no response")).await;
                }
                Err(e) => self.fail(ask, &format!("HTTP transport: reading the answer failed: {e}")).await,
            },
            other => {
                let message = format!(
                    "HTTP transport: the server answered {status} without a response (content type {})",
                    other.unwrap_or("none")
                );
                self.fail(ask, &message).await;
            }
        }
    }

    /// Hands a JSON body to the reader: an array is several frames.
    async fn deliver_body(&self, body: Bytes) {
        let text = match String::from_utf8(body.into()) {
            Ok(text) => text,
            Err(_) => {
                let _ = self.frames.send(Err(TransportError::InvalidUtf8)).await;
                return;
            }
        };
        if text.trim().is_empty() {
            return;
        }
        if text.trim_start().starts_with('[')
            && let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(&text)
        {
            for item in items {
                self.deliver(item.get().to_owned()).await;
            }
            return;
        }
        self.deliver(text).await;
    }

    /// Hands an error body to the reader when it holds a JSON-RPC response to one of the requests.
    async fn deliver_answers(&self, body: &[u8], ask: &Ask) {
        #[derive(Deserialize)]
        struct Head {
            #[serde(default)]
            id: Option<Value>,
            #[serde(default)]
            method: Option<IgnoredAny>,
        }
        let heads: Vec<Head> = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(items)) => items.into_iter().filter_map(|i| serde_json::from_value(i).ok()).collect(),
            Ok(item) => serde_json::from_value(item).into_iter().collect(),
            Err(_) => return,
        };
        let answers = heads.iter().any(|h| h.method.is_none() && h.id.as_ref().is_some_and(|id| ask.ids.contains(id)));
        if answers {
            self.deliver_body(Bytes::copy_from_slice(body)).await;
            return;
        }
        // A 2026-07-28 POST carries one request: an error without an id (e.g. from an intermediary, or a
        // header check made before the body was read) is its answer.
        if let ([id], [head]) = (ask.ids.as_slice(), heads.as_slice())
            && ask.modern
            && head.method.is_none()
            && head.id.as_ref().is_none_or(Value::is_null)
            && let Ok(mut error) = serde_json::from_slice::<Value>(body)
            && error.get("error").is_some_and(Value::is_object)
        {
            error["id"] = id.clone();
            self.deliver(error.to_string()).await;
        }
    }

    /// Reads an event stream answering `ask`, resuming it with GET + `Last-Event-ID` while it breaks
    /// before every request is answered.
    async fn follow(&self, body: Incoming, ask: &Ask) {
        let mut parser = SseParser::new().max_event_size(self.config.max_event_size);
        let mut body = Some(body);
        let mut attempts = 0u32;
        let mut last_failure = String::from("the stream ended");
        loop {
            if let Some(stream) = body.take() {
                let end = self.pump(stream, &mut parser, ask).await;
                if end.progressed {
                    attempts = 0;
                }
                last_failure = match end.error {
                    Some(e) => format!("the stream broke: {e}"),
                    None => "the stream ended".to_owned(),
                };
            }
            if ask.answered() {
                return;
            }
            if ask.modern {
                let message = format!(
                    "HTTP transport: {last_failure} before the response (MCP 2026-07-28 streams cannot be resumed)"
                );
                for id in &ask.ids {
                    if self.is_pending(id) {
                        self.deliver(synthetic_error_with(
                            id,
                            &message,
                            json!({"transport": true, "streamBroken": true}),
                        ))
                        .await;
                    }
                }
                return;
            }
            let Some(last_id) = parser.last_event_id().map(str::to_owned) else {
                let message = format!(
                    "HTTP transport: {last_failure} before the response, and the server gave no event id to resume from"
                );
                return self.fail(ask, &message).await;
            };
            if attempts >= self.config.attempts {
                let message = format!(
                    "HTTP transport: {last_failure} before the response; gave up after {attempts} reconnection attempts"
                );
                return self.fail(ask, &message).await;
            }
            attempts += 1;
            let delay = parser.retry().unwrap_or(self.config.delay);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = ask.all_answered() => return,
            }
            let url = &self.config.url;
            match self.call(Method::GET, url, None, Some(EVENT_STREAM), Some(&last_id), Headers::Session).await {
                Ok(response)
                    if response.status().is_success() && content_type(&response).as_deref() == Some(EVENT_STREAM) =>
                {
                    parser.reset();
                    body = Some(response.into_body());
                }
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::NOT_FOUND && self.has_session() {
                        self.fail(ask, &format!("HTTP transport: resuming the stream was answered {status}")).await;
                        return self.expire();
                    }
                    if status.is_client_error() {
                        let message = format!(
                            "HTTP transport: {last_failure} before the response, and resuming it (GET with \
                             Last-Event-ID) was answered {status}"
                        );
                        return self.fail(ask, &message).await;
                    }
                    last_failure = format!("resuming the stream was answered {status}");
                }
                Err(e) => last_failure = format!("resuming the stream failed: {e}"),
            }
        }
    }

    /// Reads events from one stream until it ends, breaks, or (for a POST stream) every request of `ask`
    /// is answered.
    async fn pump(&self, mut body: Incoming, parser: &mut SseParser, ask: &Ask) -> StreamEnd {
        let mut progressed = false;
        loop {
            let frame = tokio::select! {
                biased;
                () = ask.all_answered() => return StreamEnd { progressed, error: None },
                frame = body.frame() => frame,
            };
            let chunk = match frame {
                None => return StreamEnd { progressed, error: None },
                Some(Err(e)) => return StreamEnd { progressed, error: Some(describe(&e)) },
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(chunk) => chunk,
                    Err(_) => continue,
                },
            };
            for event in parser.feed(&chunk) {
                match event {
                    Ok(event) => {
                        progressed = true;
                        // Empty data: a priming event (or keep-alive) carrying only an id.
                        if !event.data.is_empty() {
                            self.deliver(event.data).await;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("HTTP transport: {e}");
                        let _ =
                            self.frames.send(Err(TransportError::TooLarge { limit: self.config.max_event_size })).await;
                    }
                }
            }
        }
    }

    /// The standalone GET stream: server requests and notifications outside of requests. Resumed with
    /// `Last-Event-ID` when it ends, while the transport lives; a 405 means the server offers none.
    async fn standalone(self: Arc<Self>, opened: oneshot::Sender<()>) {
        let mut opened = Some(opened);
        let mut parser = SseParser::new().max_event_size(self.config.max_event_size);
        let none = Ask { ids: Vec::new(), tokens: Vec::new(), modern: false };
        let mut attempts = 0u32;
        loop {
            let last_id = parser.last_event_id().map(str::to_owned);
            let url = &self.config.url;
            let response =
                self.call(Method::GET, url, None, Some(EVENT_STREAM), last_id.as_deref(), Headers::Session).await;
            if let Some(opened) = opened.take() {
                let _ = opened.send(());
            }
            match response {
                Ok(response)
                    if response.status().is_success() && content_type(&response).as_deref() == Some(EVENT_STREAM) =>
                {
                    parser.reset();
                    let end = self.pump(response.into_body(), &mut parser, &none).await;
                    if end.progressed {
                        attempts = 0;
                    }
                    if let Some(e) = end.error {
                        tracing::debug!("the standalone event stream broke: {e}");
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::NOT_FOUND && self.has_session() {
                        return self.expire();
                    }
                    if status.is_client_error() || status.is_success() {
                        // 405: the server offers no standalone stream.
                        tracing::debug!("no standalone event stream: GET answered {status}");
                        return;
                    }
                    tracing::debug!("the standalone event stream was refused: {status}");
                }
                Err(e) => tracing::debug!("the standalone event stream failed: {e}"),
            }
            attempts += 1;
            if attempts > self.config.attempts {
                tracing::warn!(
                    "HTTP transport: gave up on the standalone event stream after {} attempts",
                    attempts - 1
                );
                return;
            }
            tokio::time::sleep(parser.retry().unwrap_or(self.config.delay)).await;
        }
    }

    /// Opens the HTTP+SSE stream (GET on the URL) and waits for its `endpoint` event; every later frame is
    /// POSTed there.
    async fn connect_legacy(self: &Arc<Self>) -> Result<Uri, String> {
        let url = &self.config.url;
        let response = self.call(Method::GET, url, None, Some(EVENT_STREAM), None, Headers::Plain).await?;
        let status = response.status();
        if !status.is_success() {
            let body = read_limited(response.into_body(), self.config.max_event_size).await.unwrap_or_default();
            return Err(format!("GET {url} answered {status}{}", explain(&body)));
        }
        if content_type(&response).as_deref() != Some(EVENT_STREAM) {
            return Err(format!("GET {url} did not answer with an event stream"));
        }
        let (tx, rx) = oneshot::channel();
        self.spawn(Arc::clone(self).legacy_stream(response.into_body(), tx));
        let endpoint = rx.await.map_err(|_| "the stream ended before its endpoint event".to_owned())?;
        let endpoint = resolve(url, &endpoint)?;
        self.state().legacy = Some(endpoint.clone());
        Ok(endpoint)
    }

    /// Reads the HTTP+SSE stream: the `endpoint` event, then `message` events. Its end ends the transport
    /// (the 2024-11-05 transport defines no resumption).
    async fn legacy_stream(self: Arc<Self>, mut body: Incoming, endpoint: oneshot::Sender<String>) {
        let mut endpoint = Some(endpoint);
        let mut parser = SseParser::new().max_event_size(self.config.max_event_size);
        loop {
            let chunk = match body.frame().await {
                None => break,
                Some(Err(e)) => {
                    tracing::debug!("the HTTP+SSE stream broke: {}", describe(&e));
                    break;
                }
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(chunk) => chunk,
                    Err(_) => continue,
                },
            };
            for event in parser.feed(&chunk) {
                match event {
                    Ok(event) => match event.event.as_deref() {
                        Some("endpoint") => {
                            if let Some(tx) = endpoint.take() {
                                let _ = tx.send(event.data);
                            }
                        }
                        None | Some("message") if !event.data.is_empty() => self.deliver(event.data).await,
                        _ => {}
                    },
                    Err(e) => {
                        tracing::warn!("HTTP transport: {e}");
                        let _ =
                            self.frames.send(Err(TransportError::TooLarge { limit: self.config.max_event_size })).await;
                    }
                }
            }
        }
        if endpoint.is_none() {
            tracing::debug!("the HTTP+SSE stream ended; closing");
            self.stop.cancel();
        }
    }

    /// POSTs a frame to the HTTP+SSE endpoint; answers arrive on the stream.
    async fn legacy_post(&self, endpoint: &Uri, frame: String, ask: &Ask) -> Result<(), TransportError> {
        let response =
            match self.call(Method::POST, endpoint, Some(frame), Some(ACCEPT_BOTH), None, Headers::Plain).await {
                Ok(response) => response,
                Err(e) => {
                    let message = format!("HTTP transport: cannot POST to {endpoint}: {e}");
                    if ask.ids.is_empty() {
                        return Err(TransportError::Io(std::io::Error::other(message)));
                    }
                    self.fail(ask, &message).await;
                    return Ok(());
                }
            };
        let status = response.status();
        if !status.is_success() {
            let body = read_limited(response.into_body(), self.config.max_event_size).await.unwrap_or_default();
            if ask.ids.is_empty() {
                tracing::warn!("HTTP transport: the server rejected a message with {status}{}", explain(&body));
            } else {
                self.deliver_answers(&body, ask).await;
                self.fail(ask, &format!("HTTP transport: the server answered {status}{}", explain(&body))).await;
            }
        }
        Ok(())
    }
}

/// Whether a status for the `initialize` POST means "not a Streamable HTTP endpoint" (try HTTP+SSE):
/// any 4xx but the authentication and size ones.
fn falls_back(status: StatusCode) -> bool {
    status.is_client_error()
        && !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::PAYLOAD_TOO_LARGE)
}

/// What one outgoing frame holds.
#[derive(Default)]
struct Outgoing {
    /// The ids of its requests.
    requests: Vec<Value>,
    /// The id of its `initialize` request.
    initialize: Option<Value>,
    /// It holds `notifications/initialized`.
    initialized: bool,
    /// It is a 2026-07-28 request (its `params._meta` names the revision).
    modern: Option<ModernRequest>,
    /// It is `notifications/cancelled` for this request id.
    cancelled: Option<Value>,
}

/// What the headers of a 2026-07-28 request are made of.
struct ModernRequest {
    id: Value,
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`.
    version: String,
    method: String,
    /// `params.name` (`tools/call`, `prompts/get`) or `params.uri` (`resources/read`).
    name: Option<String>,
    /// `params.arguments` of `tools/call`.
    arguments: Value,
}

fn classify(frame: &str) -> Outgoing {
    #[derive(Deserialize)]
    struct Head {
        #[serde(default)]
        id: Option<Value>,
        #[serde(default)]
        method: Option<String>,
        #[serde(default)]
        params: Option<Value>,
    }
    let heads: Vec<Head> = if frame.trim_start().starts_with('[') {
        serde_json::from_str(frame).unwrap_or_default()
    } else {
        serde_json::from_str(frame).map(|h| vec![h]).unwrap_or_default()
    };
    let single = heads.len() == 1;
    let mut outgoing = Outgoing::default();
    for head in heads {
        let params = head.params.unwrap_or(Value::Null);
        match (head.id, head.method) {
            (Some(id), Some(method)) => {
                if method == "initialize" {
                    outgoing.initialize = Some(id.clone());
                }
                let version = params
                    .get("_meta")
                    .and_then(|m| m.get(crate::server::modern::META_VERSION))
                    .and_then(Value::as_str);
                if let Some(version) = version.filter(|_| single) {
                    let name = match method.as_str() {
                        "tools/call" | "prompts/get" => params.get("name"),
                        "resources/read" => params.get("uri"),
                        _ => None,
                    };
                    outgoing.modern = Some(ModernRequest {
                        id: id.clone(),
                        version: version.to_owned(),
                        name: name.and_then(Value::as_str).map(str::to_owned),
                        arguments: params.get("arguments").cloned().unwrap_or(Value::Null),
                        method,
                    });
                }
                outgoing.requests.push(id);
            }
            (None, Some(method)) if method == "notifications/initialized" => outgoing.initialized = true,
            (None, Some(method)) if method == "notifications/cancelled" => {
                outgoing.cancelled = params.get("requestId").cloned();
            }
            _ => {}
        }
    }
    outgoing
}

fn id_key(id: &Value) -> String {
    id.to_string()
}

/// The local error answering a request the transport could not get an answer for.
fn synthetic_error(id: &Value, message: &str) -> String {
    synthetic_error_with(id, message, json!({ "transport": true }))
}

/// The same with other `data` (which keeps `"transport": true`).
fn synthetic_error_with(id: &Value, message: &str, data: Value) -> String {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": -32603, "message": message, "data": data },
    })
    .to_string()
}

/// Learns the `x-mcp-header` declarations of the tools of a `tools/list` response, and leaves out of it
/// (with a warning) those whose declarations are invalid: the spec has clients exclude them.
fn learn_tools(known: &mut HashMap<String, Result<Vec<ParamHeader>, String>>, frame: String) -> String {
    let Ok(mut response) = serde_json::from_str::<Value>(&frame) else { return frame };
    let Some(tools) = response.pointer_mut("/result/tools").and_then(Value::as_array_mut) else { return frame };
    let before = tools.len();
    tools.retain(|tool| {
        let Some(name) = tool.get("name").and_then(Value::as_str) else { return true };
        let declared = param_headers(tool.get("inputSchema").unwrap_or(&Value::Null));
        let valid = declared.is_ok();
        if let Err(reason) = &declared {
            tracing::warn!(tool = name, "left the tool out of tools/list: {reason}");
        }
        known.insert(name.to_owned(), declared);
        valid
    });
    if tools.len() == before { frame } else { response.to_string() }
}

/// The media type of a response, lowercased, without parameters.
fn content_type(response: &Response<Incoming>) -> Option<String> {
    let value = response.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

async fn read_limited(body: Incoming, limit: usize) -> Result<Bytes, String> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(format!("the response body is larger than {limit} bytes"))
        }
        Err(e) => Err(describe(&*e)),
    }
}

/// `: <what the body says>` for an error status: a JSON-RPC error's message, or the start of a text body.
fn explain(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body)
        && let Some(message) = value.pointer("/error/message").and_then(Value::as_str)
    {
        return format!(": {message}");
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    format!(": {short}")
}

/// An error with its chain of causes (hyper's own messages are terse).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Resolves the `endpoint` event's URI against the SSE URL; it must stay on the same origin.
fn resolve(base: &Uri, reference: &str) -> Result<Uri, String> {
    let reference = reference.trim();
    let authority = base.authority().map(|a| a.as_str()).unwrap_or_default();
    let path = base.path();
    let text = if reference.contains("://") {
        reference.to_owned()
    } else if let Some(rest) = reference.strip_prefix("//") {
        format!("http://{rest}")
    } else if reference.starts_with('/') {
        format!("http://{authority}{reference}")
    } else if reference.starts_with('?') {
        format!("http://{authority}{path}{reference}")
    } else {
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("http://{authority}{dir}{reference}")
    };
    let uri = Uri::try_from(text.as_str()).map_err(|e| format!("invalid endpoint {reference:?}: {e}"))?;
    let same_scheme = uri.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("http"));
    let same_authority = uri.authority().is_some_and(|a| a.as_str().eq_ignore_ascii_case(authority));
    if !same_scheme || !same_authority {
        return Err(format!("the endpoint {reference:?} is not on the server's origin (http://{authority})"));
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(HttpTransport::new("http://127.0.0.1:3000/mcp").is_ok());
        let https = HttpTransport::new("https://example.com/mcp").unwrap_err().to_string();
        assert!(https.contains("HTTPS is not supported"), "{https}");
        assert!(HttpTransport::new("ftp://x/").is_err());
        assert!(HttpTransport::new("/mcp").is_err());
        assert!(HttpTransport::new("http://x/").unwrap().header("bad name", "v").is_err());
        assert!(HttpTransport::new("http://x/").unwrap().header("authorization", "Bearer t").is_ok());
    }

    #[test]
    fn endpoint_resolution() {
        let base: Uri = "http://h:1/a/sse?x=1".parse().unwrap();
        let r = |s| resolve(&base, s).map(|u| u.to_string());
        assert_eq!(r("/messages?sessionId=1").unwrap(), "http://h:1/messages?sessionId=1");
        assert_eq!(r("messages?s=2").unwrap(), "http://h:1/a/messages?s=2");
        assert_eq!(r("?s=3").unwrap(), "http://h:1/a/sse?s=3");
        assert_eq!(r("http://h:1/m").unwrap(), "http://h:1/m");
        assert_eq!(r("//h:1/m").unwrap(), "http://h:1/m");
        assert!(r("http://evil:1/m").is_err());
        assert!(r("https://h:1/m").is_err());
    }

    #[test]
    fn classification() {
        let o = classify(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#);
        assert_eq!(o.requests, [Value::from(0)]);
        assert_eq!(o.initialize, Some(Value::from(0)));
        let o = classify(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert!(o.requests.is_empty() && o.initialized);
        let o = classify(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#);
        assert!(o.requests.is_empty() && !o.initialized);
        let o = classify(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"x"}]"#);
        assert_eq!(o.requests, [Value::from(1)]);
        assert!(classify("not json").requests.is_empty());
    }

    #[test]
    fn classification_of_2026_frames() {
        let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#;
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{{{meta},"name":"t","arguments":{{"a":1}}}}}}"#
        );
        let o = classify(&call);
        let modern = o.modern.expect("a 2026-07-28 request");
        assert_eq!(
            (modern.id, modern.version.as_str(), modern.method.as_str()),
            (Value::from(4), "2026-07-28", "tools/call")
        );
        assert_eq!((modern.name.as_deref(), modern.arguments), (Some("t"), json!({"a": 1})));
        let read = format!(r#"{{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{{{meta},"uri":"u"}}}}"#);
        assert_eq!(classify(&read).modern.unwrap().name.as_deref(), Some("u"));
        let list = format!(r#"{{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{{{meta},"name":"x"}}}}"#);
        assert_eq!(classify(&list).modern.unwrap().name, None, "only three methods have a name header");
        assert!(classify(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}"#).modern.is_none());
        assert!(classify(&format!("[{call},{call}]")).modern.is_none(), "batches are legacy");
        let cancel = classify(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4}}"#);
        assert_eq!(cancel.cancelled, Some(Value::from(4)));
    }

    #[test]
    fn tool_lists_lose_the_tools_with_invalid_header_declarations() {
        let mut known = HashMap::new();
        let good = json!({"name": "good", "inputSchema": {"type": "object",
            "properties": {"r": {"type": "string", "x-mcp-header": "R"}}}});
        let bad = json!({"name": "bad", "inputSchema": {"type": "object",
            "properties": {"n": {"type": "number", "x-mcp-header": "N"}}}});
        let frame = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [good, bad]}}).to_string();
        let kept: Value = serde_json::from_str(&learn_tools(&mut known, frame)).unwrap();
        assert_eq!(kept["result"]["tools"], json!([good]));
        assert_eq!(known["good"].as_ref().unwrap()[0].name, "R");
        assert!(known["bad"].is_err());
        let clean = json!({"jsonrpc": "2.0", "id": 2, "result": {"tools": [good]}}).to_string();
        assert_eq!(learn_tools(&mut known, clean.clone()), clean, "a list without invalid tools is left as sent");
    }

    #[test]
    fn synthetic_errors_are_marked() {
        let v: Value = serde_json::from_str(&synthetic_error(&Value::from(3), "HTTP transport: x")).unwrap();
        assert_eq!(v["id"], 3);
        assert_eq!(v["error"]["code"], -32603);
        assert_eq!(v["error"]["data"]["transport"], true);
    }

    #[test]
    fn error_bodies_are_explained() {
        assert_eq!(explain(br#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"bad session"}}"#), ": bad session");
        assert_eq!(explain(b"  "), "");
        assert_eq!(explain(b"oops"), ": oops");
    }
}
