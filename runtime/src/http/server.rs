//! The Streamable HTTP server (2025-03-26 … 2025-11-25) and the 2024-11-05 HTTP+SSE endpoints, as an
//! [`axum::Router`].
//!
//! Each session is one engine connection (the same one stdio uses) whose transport is a pair of channels:
//! POST bodies are fed to it, and what it writes is routed by [`Route`] to the HTTP stream that belongs to
//! it — the response stream of the request it answers or was sent for, else the session's GET stream.
//! Every stream keeps its last events so a client can resume with `Last-Event-ID`.

// Handlers refuse with the HTTP response to send, as axum handlers do; it is not worth boxing.
#![allow(clippy::result_large_err)]

use crate::revision::ProtocolVersion;
use crate::server::modern::{self, looks_modern};
use crate::server::{Server, ServerHandle, StatelessSessions};
use crate::transport::{FrameReader, FrameWriter, Route, Transport, TransportError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt;
use mcpgen_types::rpc::{ErrorObject, RequestId};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

// The MCP headers' names, parsed once: a lookup by `&str` parses and lowercases the name every time.
static SESSION_ID: HeaderName = HeaderName::from_static(super::SESSION_ID);
static PROTOCOL_VERSION: HeaderName = HeaderName::from_static(super::PROTOCOL_VERSION);
static MCP_METHOD: HeaderName = HeaderName::from_static(super::MCP_METHOD);
static MCP_NAME: HeaderName = HeaderName::from_static(super::MCP_NAME);
static LAST_EVENT_ID: HeaderName = HeaderName::from_static(super::LAST_EVENT_ID);

/// Options of an [`HttpServer`]. Start from [`HttpOptions::default`] (safe for a local server) and change
/// fields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The MCP endpoint's path (default `/mcp`).
    pub path: String,
    /// The 2024-11-05 HTTP+SSE endpoints: the GET stream's path (default `/sse`) and the path it announces
    /// for POSTs (default `/messages`); `None` turns them off.
    pub legacy_sse: Option<(String, String)>,
    /// Host names (without port, IPv6 in brackets) the `Host` header may name; `None` allows any. The
    /// default allows only `localhost`, `127.0.0.1` and `[::1]` (DNS-rebinding protection): a server
    /// reachable under another name must list it.
    pub allowed_hosts: Option<Vec<String>>,
    /// Origins a browser may call from: exact origins (`https://app.example`) or bare host names (any
    /// scheme and port). A request without `Origin` (not from a browser) is allowed; `None` allows every
    /// origin. Default: the local host names, as for `allowed_hosts`. Others get `403`.
    pub allowed_origins: Option<Vec<String>>,
    /// The largest request body in bytes (default 4 MiB); larger ones get `413`.
    pub max_body: usize,
    /// A session with no open stream and no request in flight for this long is closed (default 30 min).
    pub idle_timeout: Duration,
    /// How many sessions may be open at once (default 10,000); `initialize` beyond that gets `503`.
    pub max_sessions: usize,
    /// Without sessions: no `Mcp-Session-Id`, every POST is served on its own, GET and DELETE get `405`.
    /// For deployments behind load balancers; the server cannot send requests to the client then.
    pub stateless: bool,
    /// Answer requests with one JSON body instead of an SSE stream; messages sent while handling them go
    /// to the session's GET stream instead.
    pub json_response: bool,
    /// How many events each stream keeps for resumption (default 512)…
    pub replay_events: usize,
    /// …and how many bytes of them (default 1 MiB; the newest event is kept whatever its size). A
    /// session keeps its open streams and its last 16 finished ones.
    pub replay_bytes: usize,
    /// The reconnection delay announced (SSE `retry`) in the priming event of each stream (2025-11-25), so a
    /// client whose stream drops knows when to resume (default 1 s).
    pub retry: Duration,
    /// How often an idle SSE stream gets a comment line, so proxies keep it open (default 15 s).
    pub keep_alive: Option<Duration>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        let local: Vec<String> = LOCAL_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        HttpOptions {
            path: "/mcp".into(),
            legacy_sse: Some(("/sse".into(), "/messages".into())),
            allowed_hosts: Some(local.clone()),
            allowed_origins: Some(local),
            max_body: 4 * 1024 * 1024,
            idle_timeout: Duration::from_secs(30 * 60),
            max_sessions: 10_000,
            stateless: false,
            json_response: false,
            replay_events: 512,
            replay_bytes: 1024 * 1024,
            retry: Duration::from_secs(1),
            keep_alive: Some(Duration::from_secs(15)),
        }
    }
}

const LOCAL_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];
/// How many finished response streams a session keeps for resumption.
const FINISHED_KEPT: usize = 16;
/// The stream of server messages not tied to a request (the GET stream).
const STANDALONE: u64 = 0;

/// A [`Server`] served over Streamable HTTP (and HTTP+SSE for 2024-11-05 clients).
///
/// ```no_run
/// # async fn run(server: mcpgen_runtime::server::Server) -> std::io::Result<()> {
/// use mcpgen_runtime::http::{HttpOptions, HttpServer};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// println!("http://{}/mcp", listener.local_addr()?);
/// HttpServer::new(server, HttpOptions::default()).serve(listener).await
/// # }
/// ```
#[derive(Clone)]
pub struct HttpServer {
    shared: Arc<Shared>,
}

struct Shared {
    server: Server,
    options: HttpOptions,
    sessions: Mutex<HashMap<String, Arc<HttpSession>>>,
    /// The sessions stateless legacy requests with JSON answers are answered on.
    stateless: StatelessSessions,
    /// Fires when shutdown starts: new sessions and requests are refused from then on.
    shutdown: CancellationToken,
    reaper: std::sync::Once,
}

impl HttpServer {
    /// Serves `server` with `options`.
    pub fn new(server: Server, options: HttpOptions) -> HttpServer {
        HttpServer {
            shared: Arc::new(Shared {
                server,
                options,
                sessions: Mutex::new(HashMap::new()),
                stateless: StatelessSessions::default(),
                shutdown: CancellationToken::new(),
                reaper: std::sync::Once::new(),
            }),
        }
    }

    /// The router to serve, or to merge into an application's router: the MCP endpoint at
    /// [`HttpOptions::path`] and the HTTP+SSE endpoints.
    pub fn router(&self) -> axum::Router {
        let options = &self.shared.options;
        let mut router = axum::Router::new().route(&options.path, axum::routing::any(endpoint));
        if let Some((sse, messages)) = &options.legacy_sse {
            router = router
                .route(sse, axum::routing::get(legacy_stream))
                .route(messages, axum::routing::post(legacy_message));
        }
        router.with_state(Arc::clone(&self.shared))
    }

    /// Serves on `listener` until Ctrl-C, then shuts down gracefully ([`HttpServer::shutdown`]).
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.serve_with_shutdown(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }

    /// Serves on `listener` until `signal` completes, then shuts down gracefully.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        let this = self.clone();
        // Without TCP_NODELAY, the second write of a response (an SSE event after its headers) waits for the
        // client's delayed ACK on a reused connection: about 40 ms per response.
        let listener = listener.tap_io(|stream| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!("could not set TCP_NODELAY: {e}");
            }
        });
        axum::serve(listener, self.router())
            .with_graceful_shutdown(async move {
                tokio::select! {
                    () = signal => {}
                    () = this.shared.shutdown.cancelled() => {}
                }
                this.shutdown().await;
            })
            .await
    }

    /// Shuts down gracefully: refuses new sessions and requests (`503`), lets the requests in flight
    /// finish (up to the server's drain time) and deliver their responses, then ends every stream.
    pub async fn shutdown(&self) {
        self.shared.shutdown.cancel();
        // Sessions stay reachable while they drain: a handler may wait for the client's answer to its
        // request. Each one leaves the map when its connection has ended.
        let sessions = self.shared.live_sessions();
        for session in &sessions {
            session.handle.close().await;
        }
        for session in &sessions {
            session.handle.closed().await;
        }
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.shared.sessions().len()
    }

    /// Sends `notifications/tools/list_changed` to every legacy session and every 2026-07-28 listen stream
    /// that asked for it (after [`Server::add_tool`]).
    pub async fn tools_changed(&self) {
        self.shared.server.tools_changed();
        for session in self.shared.live_sessions() {
            let _ = session.handle.legacy_changed("notifications/tools/list_changed").await;
        }
    }

    /// Sends `notifications/prompts/list_changed` to every legacy session and listen stream that asked for it.
    pub async fn prompts_changed(&self) {
        self.shared.server.prompts_changed();
        for session in self.shared.live_sessions() {
            let _ = session.handle.legacy_changed("notifications/prompts/list_changed").await;
        }
    }

    /// Sends `notifications/resources/list_changed` to every legacy session and listen stream that asked for it.
    pub async fn resources_changed(&self) {
        self.shared.server.resources_changed();
        for session in self.shared.live_sessions() {
            let _ = session.handle.legacy_changed("notifications/resources/list_changed").await;
        }
    }

    /// Sends `notifications/resources/updated` to every session and listen stream subscribed to `uri`; returns
    /// how many legacy sessions it reached.
    pub async fn resource_updated(&self, uri: &str) -> usize {
        self.shared.server.resource_updated(uri);
        let mut count = 0;
        for session in self.shared.live_sessions() {
            if session.handle.resource_updated(uri).await.unwrap_or(false) {
                count += 1;
            }
        }
        count
    }
}

impl Shared {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Arc<HttpSession>>> {
        lock(&self.sessions)
    }

    fn live_sessions(&self) -> Vec<Arc<HttpSession>> {
        self.sessions().values().cloned().collect()
    }

    fn session(&self, headers: &HeaderMap) -> Result<Arc<HttpSession>, Response> {
        let Some(id) = headers.get(&SESSION_ID) else {
            return Err(error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, "missing Mcp-Session-Id header"));
        };
        let found = id.to_str().ok().and_then(|id| self.sessions().get(id).cloned()).filter(|s| !s.handle.is_closed());
        match found {
            Some(session) => {
                session.touch();
                Ok(session)
            }
            None => Err(error(StatusCode::NOT_FOUND, ErrorObject::INVALID_REQUEST, "unknown or terminated session")),
        }
    }

    /// Starts a session: its engine connection, and the task that forgets it when the connection ends.
    /// `stateless`: a session for one POST, not kept, initialized at the given revision (`None`: one that
    /// answers `initialize`).
    fn open_session(
        self: &Arc<Self>,
        legacy: bool,
        stateless: Option<Option<ProtocolVersion>>,
    ) -> Result<Arc<HttpSession>, Response> {
        if self.shutdown.is_cancelled() {
            return Err(unavailable());
        }
        let version = stateless.flatten();
        let stateless = stateless.is_some();
        let id = if stateless { String::new() } else { session_id()? };
        // Nothing can resume a stateless or an HTTP+SSE stream: they keep no events.
        let replay = if stateless || legacy { (0, 0) } else { (self.options.replay_events, self.options.replay_bytes) };
        let streams = Arc::new(Mutex::new(Streams::new(replay, legacy)));
        let (inbound, frames) = mpsc::channel(64);
        let transport = Channels { frames, streams: Arc::clone(&streams) };
        let handle = match version {
            Some(version) if version.is_modern() => self.server.serve_modern(transport, self.shutdown.child_token()),
            Some(version) => self.server.serve_initialized(transport, version),
            None => self.server.serve(transport),
        };
        let session = Arc::new(HttpSession {
            id: id.clone(),
            handle,
            inbound,
            streams,
            last_active: Mutex::new(Instant::now()),
            created: Instant::now(),
            legacy,
        });
        if !stateless {
            {
                // Checked and inserted under one lock, so neither the limit nor shutdown can be raced past
                // (shutdown raises its flag before it collects the sessions).
                let mut sessions = self.sessions();
                if self.shutdown.is_cancelled() {
                    session.handle.shutdown();
                    return Err(unavailable());
                }
                if sessions.len() >= self.options.max_sessions {
                    session.handle.shutdown();
                    return Err(error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorObject::INTERNAL_ERROR,
                        "too many sessions",
                    ));
                }
                sessions.insert(id.clone(), Arc::clone(&session));
            }
            let shared = Arc::downgrade(self);
            let ended = session.handle.ended();
            tokio::spawn(async move {
                ended.cancelled().await;
                if let Some(shared) = shared.upgrade() {
                    shared.sessions().remove(&id);
                }
            });
            self.start_reaper();
        }
        Ok(session)
    }

    /// Closes sessions idle for longer than the idle timeout, checking a few times per timeout.
    fn start_reaper(self: &Arc<Self>) {
        self.reaper.call_once(|| {
            let shared: Weak<Shared> = Arc::downgrade(self);
            let period = (self.options.idle_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(60));
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                loop {
                    ticks.tick().await;
                    let Some(shared) = shared.upgrade() else { return };
                    if shared.shutdown.is_cancelled() {
                        return;
                    }
                    let idle: Vec<_> = {
                        let mut sessions = shared.sessions();
                        let idle: Vec<String> = sessions
                            .values()
                            .filter(|s| s.idle_for(shared.options.idle_timeout))
                            .map(|s| s.id.clone())
                            .collect();
                        idle.iter().filter_map(|id| sessions.remove(id)).collect()
                    };
                    for session in idle {
                        session.handle.close().await;
                    }
                }
            });
        });
    }

    /// The DNS-rebinding and browser-origin checks (`403` when they fail).
    fn check_origin(&self, headers: &HeaderMap, uri: &axum::http::Uri) -> Result<(), Response> {
        if let Some(allowed) = &self.options.allowed_hosts {
            // HTTP/2 carries the authority in the URI instead of a Host header.
            let authority =
                headers.get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
            let host = authority.and_then(host_name);
            if !host.is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host))) {
                return Err(error(StatusCode::FORBIDDEN, ErrorObject::INVALID_REQUEST, "forbidden: Host not allowed"));
            }
        }
        if let (Some(allowed), Some(origin)) = (&self.options.allowed_origins, headers.get(header::ORIGIN)) {
            let origin = origin.to_str().unwrap_or_default();
            let host = origin.split_once("://").and_then(|(_, rest)| host_name(rest));
            let ok = allowed
                .iter()
                .any(|a| a.eq_ignore_ascii_case(origin) || host.is_some_and(|h| a.eq_ignore_ascii_case(h)));
            if !ok {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorObject::INVALID_REQUEST,
                    "forbidden: Origin not allowed",
                ));
            }
        }
        Ok(())
    }

    async fn read_body(&self, body: Body) -> Result<Bytes, Response> {
        read_body(body, self.options.max_body).await
    }
}

/// A request body of at most `max` bytes (`413` for a longer one, before reading when its length is
/// announced), without a copy when it comes in one frame.
async fn read_body(mut body: Body, max: usize) -> Result<Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorObject::INVALID_REQUEST,
            format!("request body larger than {max} bytes"),
        )
    };
    // A `Content-Length` over the limit is refused before anything is read.
    if usize::try_from(axum::body::HttpBody::size_hint(&body).lower()).map_or(true, |length| length > max) {
        return Err(too_large());
    }
    // Most bodies come in one frame, which is kept as it is (`whole`); more are joined.
    let mut whole = Bytes::new();
    let mut joined: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| error(StatusCode::BAD_REQUEST, ErrorObject::PARSE_ERROR, format!("unreadable body: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        if data.is_empty() {
            continue;
        }
        if whole.len() + joined.len() + data.len() > max {
            return Err(too_large());
        }
        if whole.is_empty() && joined.is_empty() {
            whole = data;
        } else {
            joined.extend_from_slice(&std::mem::take(&mut whole));
            joined.extend_from_slice(&data);
        }
    }
    Ok(if joined.is_empty() { whole } else { Bytes::from(joined) })
}

/// The host part of a `Host` header value or an origin's authority (`[::1]` or `name`, without the port);
/// `None` when it is not `host` or `host:digits`.
fn host_name(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        let rest = &authority[end..];
        (&authority[..end], if rest.is_empty() { None } else { Some(rest.strip_prefix(':')?) })
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty() && !host.contains(['@', '/', '?', '#', ' ']);
    (port_ok && host_ok).then_some(host)
}

/// A session id: 128 random bits from the operating system, as 32 hex digits.
fn session_id() -> Result<String, Response> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorObject::INTERNAL_ERROR,
            format!("no randomness for a session id: {e}"),
        )
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is short and never calls user code.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An HTTP error whose body is a JSON-RPC error (without an id: it concerns the HTTP request).
fn error(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    rpc_error(status, None, ErrorObject::new(code, message))
}

fn rpc_error(status: StatusCode, id: Option<&RequestId>, error: ErrorObject) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": error});
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn unavailable() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, ErrorObject::INTERNAL_ERROR, "the server is shutting down")
}

/// Whether an `Accept` header admits every media type of `wanted` (`type/subtype`, at most 32), wildcards
/// included. One pass over the header's items, on the bytes: this runs on every POST, and media types are
/// ASCII.
fn accepts(headers: &HeaderMap, wanted: &[&str]) -> bool {
    assert!(wanted.len() <= 32, "accepts checks at most 32 media types at once");
    let all = if wanted.is_empty() { 0 } else { u32::MAX >> (32 - wanted.len()) };
    let mut admitted = 0u32;
    for value in headers.get_all(header::ACCEPT) {
        for item in value.as_bytes().split(|&b| b == b',') {
            let media = item.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
            if media == b"*/*" {
                return true;
            }
            let kind = media.strip_suffix(b"/*");
            for (i, want) in wanted.iter().enumerate() {
                let want = want.as_bytes();
                let hit = match kind {
                    // `type/*`: `want` is `type/…`.
                    Some(kind) => want.get(kind.len()) == Some(&b'/') && want[..kind.len()].eq_ignore_ascii_case(kind),
                    None => media.eq_ignore_ascii_case(want),
                };
                admitted |= u32::from(hit) << i;
            }
            if admitted == all {
                return true;
            }
        }
    }
    admitted == all
}

/// One MCP session over HTTP.
struct HttpSession {
    id: String,
    handle: ServerHandle,
    /// Frames for the engine, in arrival order.
    inbound: mpsc::Sender<String>,
    streams: Arc<Mutex<Streams>>,
    last_active: Mutex<Instant>,
    created: Instant,
    /// A 2024-11-05 HTTP+SSE session: everything goes to its one stream.
    legacy: bool,
}

/// How long a session may stay without a successful `initialize` before the reaper closes it.
const INITIALIZE_GRACE: Duration = Duration::from_secs(10);

impl HttpSession {
    /// Refuses a 2024-11-05 HTTP+SSE session on the Streamable HTTP endpoint.
    fn not_legacy(self: Arc<Self>) -> Result<Arc<Self>, Response> {
        if self.legacy {
            return Err(error(
                StatusCode::BAD_REQUEST,
                ErrorObject::INVALID_REQUEST,
                "an HTTP+SSE session: use its stream and the endpoint it announced",
            ));
        }
        Ok(self)
    }

    fn touch(&self) {
        *lock(&self.last_active) = Instant::now();
    }

    /// Whether the reaper may close the session: nothing open, nothing in flight and no activity for
    /// `timeout` — or never initialized, a while after it was made.
    fn idle_for(&self, timeout: Duration) -> bool {
        if self.legacy {
            return false;
        }
        if self.handle.protocol_version().is_none() && self.created.elapsed() >= INITIALIZE_GRACE.min(timeout) {
            return true;
        }
        let streams = lock(&self.streams);
        let last = (*lock(&self.last_active)).max(streams.last_change);
        last.elapsed() >= timeout && streams.quiet()
    }

    /// Checks `MCP-Protocol-Version` against the negotiated revision (`400` when it names another).
    fn check_version(&self, headers: &HeaderMap) -> Result<(), Response> {
        let Some(value) = headers.get(&PROTOCOL_VERSION) else { return Ok(()) };
        let named = value.to_str().ok().and_then(ProtocolVersion::parse);
        let negotiated = self.handle.protocol_version();
        match (named, negotiated) {
            (Some(named), Some(negotiated)) if named == negotiated => Ok(()),
            (Some(_), None) => Ok(()),
            _ => Err(error(
                StatusCode::BAD_REQUEST,
                ErrorObject::INVALID_REQUEST,
                format!(
                    "unsupported MCP-Protocol-Version {:?} (this session speaks {})",
                    value,
                    negotiated.map_or("nothing yet", ProtocolVersion::as_str)
                ),
            )),
        }
    }

    /// Hands frames to the engine.
    async fn forward(&self, frames: Vec<String>) -> Result<(), Response> {
        for frame in frames {
            if self.inbound.send(frame).await.is_err() {
                return Err(error(StatusCode::NOT_FOUND, ErrorObject::INVALID_REQUEST, "the session has ended"));
            }
        }
        Ok(())
    }
}

/// The engine side of a session's channels.
struct Channels {
    frames: mpsc::Receiver<String>,
    streams: Arc<Mutex<Streams>>,
}

struct Inbound(mpsc::Receiver<String>);
struct Outbound(Arc<Mutex<Streams>>);

impl Transport for Channels {
    type Reader = Inbound;
    type Writer = Outbound;
    fn split(self) -> (Inbound, Outbound) {
        (Inbound(self.frames), Outbound(self.streams))
    }
}

impl FrameReader for Inbound {
    async fn recv(&mut self) -> Option<Result<String, TransportError>> {
        self.0.recv().await.map(Ok)
    }
}

impl FrameWriter for Outbound {
    async fn send(&mut self, frame: String) -> Result<(), TransportError> {
        self.send_routed(frame, Route::Session).await
    }

    async fn send_routed(&mut self, frame: String, route: Route) -> Result<(), TransportError> {
        lock(&self.0).deliver(frame, route);
        Ok(())
    }

    async fn unanswered(&mut self, id: RequestId) {
        lock(&self.0).unanswered(&id);
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        lock(&self.0).end_all();
        Ok(())
    }
}

/// Where a stream's events go now.
enum Sink {
    /// Nobody listens (a dropped connection, or a GET stream not opened yet): events wait for a resumption.
    Detached,
    /// An open SSE response. Events are queued without waiting: a client that lets the queue fill up is
    /// cut off (its events stay in the replay store) and can resume with `Last-Event-ID`, so one slow
    /// reader never holds up the session's other streams.
    Sse(mpsc::Sender<Bytes>),
    /// A request answered with one JSON body: the responses collected so far and where to send them.
    Json(Vec<String>, Option<oneshot::Sender<Vec<String>>>),
}

struct Stream {
    /// The last events, for resumption: (sequence number, SSE text).
    events: VecDeque<(u64, Bytes)>,
    /// The size of `events`.
    bytes: usize,
    next_seq: u64,
    /// Events up to this sequence number were queued for a live sink.
    delivered: u64,
    sink: Sink,
    /// Requests on this stream still to be answered (the GET stream never ends on its own).
    open: usize,
    /// The error code of an error response that was this stream's first event (2026-07-28: its HTTP
    /// status follows from the code).
    first_error: Option<i64>,
}

impl Stream {
    fn new(sink: Sink, open: usize) -> Self {
        Stream { events: VecDeque::new(), bytes: 0, next_seq: 1, delivered: 0, sink, open, first_error: None }
    }
}

/// The streams of one session, and which stream each request in flight belongs to.
struct Streams {
    streams: HashMap<u64, Stream>,
    requests: HashMap<RequestId, u64>,
    finished: VecDeque<u64>,
    next: u64,
    /// The replay limits of each stream: events, bytes.
    replay: (usize, usize),
    legacy: bool,
    ended: bool,
    /// When a stream last finished or lost its listener (the idle clock starts there too).
    last_change: Instant,
}

impl Streams {
    fn new(replay: (usize, usize), legacy: bool) -> Self {
        let streams = HashMap::from([(STANDALONE, Stream::new(Sink::Detached, usize::MAX))]);
        Streams {
            streams,
            requests: HashMap::new(),
            finished: VecDeque::new(),
            next: 1,
            replay,
            legacy,
            ended: false,
            last_change: Instant::now(),
        }
    }

    /// No listener and no request in flight.
    fn quiet(&self) -> bool {
        self.requests.is_empty()
            && self.streams.values().all(|s| match &s.sink {
                Sink::Sse(sink) => sink.is_closed(),
                Sink::Json(..) => false,
                Sink::Detached => true,
            })
    }

    /// A new response stream for `ids`; `Err` names an id already in flight on this session.
    fn open(&mut self, ids: &[RequestId], sink: Sink) -> Result<u64, RequestId> {
        if let Some(id) = ids.iter().find(|id| self.requests.contains_key(id)) {
            return Err(id.clone());
        }
        let stream = self.next;
        self.next += 1;
        self.streams.insert(stream, Stream::new(sink, ids.len()));
        for id in ids {
            self.requests.insert(id.clone(), stream);
        }
        Ok(stream)
    }

    /// Records an event on the stream `route` leads to and queues it for that stream's listener.
    fn deliver(&mut self, frame: String, route: Route) {
        let (target, response) = match route {
            _ if self.legacy => (STANDALONE, false),
            Route::Session => (STANDALONE, false),
            Route::Related(id) => (self.requests.get(&id).copied().unwrap_or(STANDALONE), false),
            Route::Response(id, code) => match self.requests.remove(&id) {
                Some(stream) => {
                    if let Some(s) = self.streams.get_mut(&stream).filter(|s| s.next_seq == 1) {
                        s.first_error = code;
                    }
                    (stream, true)
                }
                // The request's stream is gone (the session ended); nothing waits for this.
                None => return,
            },
        };
        let Some(stream) = self.streams.get_mut(&target) else { return };
        match &mut stream.sink {
            Sink::Json(collected, _) if response => collected.push(frame),
            // A JSON answer carries only responses; the rest goes to the GET stream.
            Sink::Json(..) => return self.record(STANDALONE, frame),
            _ => self.record(target, frame),
        }
        if response {
            self.settle(target);
        }
    }

    /// The peer's request `id` was cancelled: its stream stops waiting for it.
    fn unanswered(&mut self, id: &RequestId) {
        if let Some(stream) = self.requests.remove(id) {
            self.settle(stream);
        }
    }

    /// Counts one request of `target` as done; a stream whose requests are all done ends.
    fn settle(&mut self, target: u64) {
        let Some(stream) = self.streams.get_mut(&target) else { return };
        stream.open = stream.open.saturating_sub(1);
        if stream.open > 0 {
            return;
        }
        self.last_change = Instant::now();
        if let Sink::Json(collected, reply) = &mut stream.sink {
            if let Some(reply) = reply.take() {
                let _ = reply.send(std::mem::take(collected));
            }
            // Nothing can resume a JSON answer.
            self.streams.remove(&target);
            return;
        }
        // Dropping the sink ends the response once the queued events are written; the stream stays
        // resumable for a while.
        stream.sink = Sink::Detached;
        self.finished.push_back(target);
        while self.finished.len() > FINISHED_KEPT {
            if let Some(old) = self.finished.pop_front() {
                self.streams.remove(&old);
            }
        }
    }

    /// Appends an event to `target`'s replay store and queues it for its listener.
    fn record(&mut self, target: u64, frame: String) {
        let legacy = self.legacy;
        let (max_events, max_bytes) = self.replay;
        let Some(stream) = self.streams.get_mut(&target) else { return };
        let seq = stream.next_seq;
        stream.next_seq += 1;
        let event = if legacy {
            Bytes::from(format!("event: message\ndata: {frame}\n\n"))
        } else if max_events == 0 {
            // Nothing can resume a stream that keeps no events (stateless, 2026-07-28): no ids.
            Bytes::from(format!("data: {frame}\n\n"))
        } else {
            Bytes::from(format!("id: {target}.{seq}\ndata: {frame}\n\n"))
        };
        if max_events > 0 {
            stream.bytes += event.len();
            stream.events.push_back((seq, event.clone()));
            while stream.events.len() > 1 && (stream.events.len() > max_events || stream.bytes > max_bytes) {
                if let Some((_, old)) = stream.events.pop_front() {
                    stream.bytes -= old.len();
                }
            }
        }
        if let Sink::Sse(sink) = &stream.sink {
            match sink.try_send(event) {
                Ok(()) => stream.delivered = seq,
                Err(e) => {
                    if let mpsc::error::TrySendError::Full(_) = e {
                        tracing::debug!(stream = target, "an SSE listener fell behind; cut off until it resumes");
                    }
                    stream.sink = Sink::Detached;
                    self.last_change = Instant::now();
                }
            }
        }
    }

    /// Attaches an SSE listener to `stream` after queueing the events it has not seen: those after `after`,
    /// or, without it, those never delivered. A finished stream only replays (the listener ends after).
    fn attach(&mut self, stream: u64, after: Option<u64>, sink: &mpsc::Sender<Bytes>) -> Result<(), Attach> {
        let ended = self.ended;
        let Some(s) = self.streams.get_mut(&stream) else { return Err(Attach::Unknown) };
        if after.is_none() && matches!(&s.sink, Sink::Sse(live) if !live.is_closed()) {
            return Err(Attach::Busy);
        }
        let from = after.unwrap_or(s.delivered);
        if let Some((oldest, _)) = s.events.front()
            && *oldest > from + 1
        {
            tracing::warn!(stream, from, oldest, "resumed past the replay store; events in between are lost");
        }
        for (seq, event) in s.events.iter().filter(|(seq, _)| *seq > from) {
            // The channel has room for a whole replay store (see `listener`).
            if sink.try_send(event.clone()).is_err() {
                break;
            }
            s.delivered = s.delivered.max(*seq);
        }
        if !ended && (stream == STANDALONE || s.open > 0) {
            s.sink = Sink::Sse(sink.clone());
        }
        Ok(())
    }

    /// A priming event for `stream`: an id (a sequence number of its own) with no data, and the delay
    /// before reconnecting.
    fn priming(&mut self, stream: u64, retry: Duration) -> Option<Bytes> {
        let s = self.streams.get_mut(&stream)?;
        let seq = s.next_seq;
        s.next_seq += 1;
        Some(Bytes::from(format!("id: {stream}.{seq}\nretry: {}\ndata:\n\n", retry.as_millis())))
    }

    /// The connection ended: every stream ends.
    fn end_all(&mut self) {
        self.ended = true;
        self.requests.clear();
        for stream in self.streams.values_mut() {
            if let Sink::Json(collected, reply) = &mut stream.sink
                && let Some(reply) = reply.take()
            {
                let _ = reply.send(std::mem::take(collected));
            }
            stream.sink = Sink::Detached;
        }
    }
}

/// Why a listener could not attach to a stream.
enum Attach {
    /// No such stream (never made, or expired).
    Unknown,
    /// The GET stream already has a live listener.
    Busy,
}

/// What one element of a POST body is.
enum Kind {
    Request(RequestId, bool),
    Other,
}

/// Classifies the elements of a POST body: requests (with whether it is `initialize`), or notifications
/// and responses. `Err` for an element that is none of these.
fn classify(value: &Value) -> Result<Kind, &'static str> {
    let Value::Object(object) = value else { return Err("a JSON-RPC message must be an object") };
    match (object.get("method"), object.get("id")) {
        (Some(Value::String(method)), Some(id)) => match serde_json::from_value::<RequestId>(id.clone()) {
            Ok(id) => Ok(Kind::Request(id, method == "initialize")),
            Err(_) => Err("`id` must be a string or an integer"),
        },
        (Some(Value::String(_)), None) => Ok(Kind::Other),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => Ok(Kind::Other),
        _ => Err("not a JSON-RPC request, notification or response"),
    }
}

/// The MCP endpoint: POST, GET and DELETE.
async fn endpoint(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(response) = shared.check_origin(&parts.headers, &parts.uri) {
        return response;
    }
    let allow = if shared.options.stateless { "POST" } else { "GET, POST, DELETE" };
    match parts.method {
        Method::POST => post(&shared, &parts.headers, body).await.unwrap_or_else(|r| r),
        Method::GET if !shared.options.stateless => get(&shared, &parts.headers).unwrap_or_else(|r| r),
        Method::DELETE if !shared.options.stateless => delete(&shared, &parts.headers).await.unwrap_or_else(|r| r),
        _ => {
            let mut response =
                error(StatusCode::METHOD_NOT_ALLOWED, ErrorObject::INVALID_REQUEST, "method not allowed");
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
            response
        }
    }
}

async fn post(shared: &Arc<Shared>, headers: &HeaderMap, body: Body) -> Result<Response, Response> {
    let json_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !json_type {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorObject::INVALID_REQUEST,
            "Content-Type must be application/json",
        ));
    }
    if !accepts(headers, &["application/json", "text/event-stream"]) {
        return Err(error(
            StatusCode::NOT_ACCEPTABLE,
            ErrorObject::INVALID_REQUEST,
            "Accept must list application/json and text/event-stream",
        ));
    }
    let bytes = shared.read_body(body).await?;
    let named = NamedVersion::of(headers);
    // One legacy request wanting one JSON answer from a stateless server needs no session: it is answered
    // here, on this task, read without a `Value` for its envelope. Anything else takes the general path.
    if shared.options.stateless
        && shared.options.json_response
        && let Some(request) = std::str::from_utf8(&bytes).ok().and_then(crate::engine::plain_request)
        && request.method != "initialize"
        && !is_modern(named, headers, Some((&request.method, request.params.as_ref())))
    {
        if shared.shutdown.is_cancelled() {
            return Err(unavailable());
        }
        let version = stateless_version(shared, named)?;
        let body = shared.server.answer_stateless(version, request, &shared.stateless, shared.shutdown.clone()).await;
        let mut response = Response::new(Body::from(body));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Ok(response);
    }
    let value: Value = crate::json::parse(&bytes)
        .map_err(|e| error(StatusCode::BAD_REQUEST, ErrorObject::PARSE_ERROR, format!("parse error: {e}")))?;
    let (messages, batch) = match value {
        Value::Array(items) if items.is_empty() => {
            return Err(error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, "empty batch"));
        }
        Value::Array(items) => (items, true),
        value => (vec![value], false),
    };
    let mut ids = Vec::new();
    let mut initialize = false;
    for message in &messages {
        match classify(message) {
            Ok(Kind::Request(id, init)) => {
                initialize |= init;
                ids.push(id);
            }
            Ok(Kind::Other) => {}
            Err(why) => return Err(error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, why)),
        }
    }
    if initialize && batch {
        return Err(error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, "initialize must not be in a batch"));
    }
    if let Some(id) = ids.iter().enumerate().find_map(|(i, id)| ids[..i].contains(id).then_some(id)) {
        return Err(rpc_error(
            StatusCode::BAD_REQUEST,
            Some(id),
            ErrorObject::new(ErrorObject::INVALID_REQUEST, format!("request id {id} appears twice in the batch")),
        ));
    }
    // While shutting down, answers and notifications still reach the sessions that drain (a handler may
    // wait for the client's answer); new requests do not.
    if shared.shutdown.is_cancelled() && !ids.is_empty() {
        return Err(unavailable());
    }
    // A 2026-07-28 request (or one naming a revision no legacy session speaks) is served on its own.
    let single = messages.first().filter(|_| !batch);
    let modern = is_modern(named, headers, single.and_then(|m| Some((m.get("method")?.as_str()?, m.get("params")))));
    if modern {
        return modern_post(shared, headers, messages, batch, bytes).await;
    }
    let (session, created) = if shared.options.stateless {
        if ids.is_empty() {
            // No session holds state for a notification or an answer to refer to.
            return Ok(StatusCode::ACCEPTED.into_response());
        }
        // `initialize` is answered by a session of its own (uninitialized), thrown away afterwards.
        let version = if initialize { None } else { Some(stateless_version(shared, named)?) };
        if batch {
            ProtocolVersion::accepts_batches(version)
                .map_err(|why| error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, why))?;
        }
        (shared.open_session(false, Some(version))?, true)
    } else if headers.get(&SESSION_ID).is_none() && initialize {
        (shared.open_session(false, None)?, true)
    } else {
        let session = shared.session(headers)?.not_legacy()?;
        if !initialize {
            session.check_version(headers)?;
        }
        if batch {
            ProtocolVersion::accepts_batches(session.handle.protocol_version())
                .map_err(|why| error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, why))?;
        }
        (session, false)
    };
    let ephemeral = shared.options.stateless;
    let frames: Vec<String> = if batch {
        messages.iter().map(Value::to_string).collect()
    } else {
        // A single message is forwarded as received.
        vec![String::from_utf8_lossy(&bytes).into_owned()]
    };

    if ids.is_empty() {
        session.forward(frames).await?;
        if ephemeral {
            session.handle.close().await;
        }
        return Ok(StatusCode::ACCEPTED.into_response());
    }

    let mut response_headers = HeaderMap::new();
    if created
        && !ephemeral
        && let Ok(value) = HeaderValue::from_str(&session.id)
    {
        response_headers.insert(SESSION_ID.clone(), value);
    }
    if shared.options.json_response {
        let (reply, answer) = oneshot::channel();
        let opened = lock(&session.streams).open(&ids, Sink::Json(Vec::new(), Some(reply)));
        if let Err(id) = opened {
            return Err(duplicate(&id));
        }
        session.forward(frames).await?;
        let responses = answer.await.unwrap_or_default();
        if ephemeral {
            session.handle.close().await;
        }
        let body = match responses.len() {
            // Cancelled: no response, as over any transport.
            0 => return Ok(StatusCode::NO_CONTENT.into_response()),
            1 if !batch => responses.into_iter().next().unwrap_or_default(),
            _ => format!("[{}]", responses.join(",")),
        };
        response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Ok((StatusCode::OK, response_headers, body).into_response());
    }

    let (sink, events) = listener(&shared.options);
    let stream = lock(&session.streams).open(&ids, Sink::Sse(sink.clone())).map_err(|id| duplicate(&id))?;
    // 2025-11-25: an event id first, so that a client whose connection drops can resume.
    let version = session.handle.protocol_version();
    if !ephemeral && !initialize && version.is_some_and(|v| v.as_str() >= "2025-11-25") {
        let priming = lock(&session.streams).priming(stream, shared.options.retry);
        if let Some(priming) = priming {
            let _ = sink.try_send(priming);
        }
    }
    drop(sink);
    session.forward(frames).await?;
    let guard = ephemeral.then(|| EndOnDrop(Arc::clone(&session)));
    Ok(sse_response(response_headers, None, events, shared.options.keep_alive, guard))
}

/// A 2026-07-28 POST: the header checks and `_meta` validation answered with the statuses the spec names
/// (`400` for `-32602`/`-32020`/`-32022`, `404` for `-32601`), then the request served by a stateless
/// session on an SSE stream (progress and log messages first, then the result).
async fn modern_post(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    messages: Vec<Value>,
    batch: bool,
    bytes: Bytes,
) -> Result<Response, Response> {
    let Some(message) = messages.into_iter().next().filter(|_| !batch) else {
        return Err(error(StatusCode::BAD_REQUEST, ErrorObject::INVALID_REQUEST, "MCP 2026-07-28 has no batches"));
    };
    let Some(id) = message.get("id").and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok()) else {
        // Notifications change nothing on a stateless server.
        return Ok(StatusCode::ACCEPTED.into_response());
    };
    let refuse = |status: StatusCode, error: ErrorObject| rpc_error(status, Some(&id), error);
    let mismatch = |what: String| refuse(StatusCode::BAD_REQUEST, ErrorObject::new(modern::HEADER_MISMATCH, what));
    let method = message.get("method").and_then(Value::as_str).unwrap_or_default();
    let params = message.get("params");
    let named = params.and_then(|p| p.get("_meta")).and_then(|m| m.get(modern::META_VERSION)).and_then(Value::as_str);
    let header = headers.get(&PROTOCOL_VERSION).map(|v| v.to_str().unwrap_or_default());
    match (named, header) {
        (None, _) => {
            let error = modern::version(params)
                .err()
                .unwrap_or_else(|| ErrorObject::new(ErrorObject::INVALID_PARAMS, "invalid params"));
            return Err(refuse(StatusCode::BAD_REQUEST, error));
        }
        (Some(_), None) => return Err(mismatch("the MCP-Protocol-Version header is required".into())),
        (Some(named), Some(header)) if named != header => {
            return Err(mismatch(format!("MCP-Protocol-Version {header:?} differs from _meta's {named:?}")));
        }
        _ => {}
    }
    match headers.get(&MCP_METHOD).map(|v| v.to_str().unwrap_or_default()) {
        Some(header) if header == method => {}
        Some(header) => return Err(mismatch(format!("Mcp-Method {header:?} differs from the method {method:?}"))),
        None => return Err(mismatch("the Mcp-Method header is required".into())),
    }
    let name_field = match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    if let Some(field) = name_field {
        let expected = params.and_then(|p| p.get(field)).and_then(Value::as_str).unwrap_or_default();
        if headers.get_all(&MCP_NAME).iter().count() > 1 {
            return Err(mismatch("Mcp-Name is sent more than once".into()));
        }
        match headers.get(&MCP_NAME).map(|v| super::decode_header_value(v.as_bytes())) {
            Some(Some(header)) if header == expected => {}
            Some(_) => return Err(mismatch(format!("Mcp-Name differs from params.{field} {expected:?}"))),
            None => return Err(mismatch("the Mcp-Name header is required".into())),
        }
    }
    if method == "tools/call" {
        let name = params.and_then(|p| p.get("name")).and_then(Value::as_str).unwrap_or_default();
        if let Some(schema) = shared.server.mirrored_schema(name) {
            let arguments = params.and_then(|p| p.get("arguments")).unwrap_or(&Value::Null);
            check_param_headers(&schema, arguments, headers).map_err(mismatch)?;
        }
    }
    // Validated here for the HTTP status; the session validates again when it serves the request.
    let capabilities = shared.server.capabilities();
    modern::negotiate(params, capabilities.clone()).map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
    if !modern::serves(method, &capabilities) {
        return Err(refuse(StatusCode::NOT_FOUND, crate::revision::removed(method)));
    }
    let session = shared.open_session(false, Some(Some(ProtocolVersion::V2026_07_28)))?;
    let (sink, mut events) = listener(&shared.options);
    let stream =
        lock(&session.streams).open(std::slice::from_ref(&id), Sink::Sse(sink)).map_err(|id| duplicate(&id))?;
    session.forward(vec![String::from_utf8_lossy(&bytes).into_owned()]).await?;
    let guard = EndOnDrop(Arc::clone(&session));
    // A request that fails before it sends anything gets the HTTP status of its error (400 for -32021 …);
    // one that takes longer starts its stream, whose status is 200 whatever comes.
    let wait = shared.options.keep_alive.unwrap_or(FIRST_EVENT_WAIT).min(FIRST_EVENT_WAIT);
    let first = match tokio::time::timeout(wait, events.recv()).await {
        Ok(Some(first)) => Some(first),
        // The session ended before answering.
        Ok(None) => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorObject::INTERNAL_ERROR,
                "the server is shutting down",
            ));
        }
        Err(_) => None,
    };
    let code = lock(&session.streams).streams.get(&stream).and_then(|s| s.first_error);
    if let (Some(first), Some(status)) = (&first, code.and_then(modern_error_status))
        && let Some(data) = std::str::from_utf8(first).ok().and_then(|t| t.strip_prefix("data: "))
    {
        let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))];
        return Ok((status, headers, data.trim_end().to_owned()).into_response());
    }
    Ok(sse_response(HeaderMap::new(), first, events, shared.options.keep_alive, Some(guard)))
}

/// Checks the `Mcp-Param-*` headers of a 2026-07-28 `tools/call` against the arguments its tool marks with
/// `x-mcp-header` (`Err` says what disagrees). Header values are decoded from the `=?base64?…?=` form first;
/// integers compare as numbers (`42.0` is `42`). A tool whose declarations are invalid mirrors nothing
/// (clients drop it), so nothing is checked for it.
fn check_param_headers(schema: &Value, arguments: &Value, headers: &HeaderMap) -> Result<(), String> {
    let Ok(params) = super::param_headers::param_headers(schema) else { return Ok(()) };
    for param in params {
        let header = format!("mcp-param-{}", param.name);
        if headers.get_all(header.as_str()).iter().count() > 1 {
            return Err(format!("Mcp-Param-{} is sent more than once", param.name));
        }
        let sent = headers.get(header.as_str()).map(|v| super::decode_header_value(v.as_bytes()));
        let expected = super::param_headers::header_value(arguments, &param)
            .and_then(|encoded| super::decode_header_value(encoded.as_bytes()));
        match (expected, sent) {
            (None, None) => {}
            (_, Some(None)) => return Err(format!("Mcp-Param-{}: not a valid header value", param.name)),
            (Some(_), None) => return Err(format!("the Mcp-Param-{} header is required", param.name)),
            (None, Some(Some(_))) => {
                return Err(format!("Mcp-Param-{} is sent but the argument is absent", param.name));
            }
            (Some(expected), Some(Some(sent))) => {
                let numeric = |s: &str| s.parse::<f64>().ok().filter(|_| !s.is_empty());
                let same = expected == sent
                    || matches!((numeric(&expected), numeric(&sent)), (Some(a), Some(b)) if a == b)
                        && arguments_path_is_number(arguments, &param.path);
                if !same {
                    return Err(format!("Mcp-Param-{} differs from the argument", param.name));
                }
            }
        }
    }
    Ok(())
}

/// Whether the argument at `path` is a JSON number (only numbers compare numerically).
fn arguments_path_is_number(arguments: &Value, path: &[String]) -> bool {
    path.iter().try_fold(arguments, |value, key| value.get(key)).is_some_and(Value::is_number)
}

/// How long a 2026-07-28 request may take to send its first message before its SSE stream starts (an
/// error that comes within it gets its own HTTP status; handlers fail on a missing capability at once).
const FIRST_EVENT_WAIT: Duration = Duration::from_secs(1);

/// The HTTP status of a 2026-07-28 error that has one of its own (`-32020`, `-32021`, `-32022` → 400,
/// `-32601` → 404). Other errors (a bad tool argument's `-32602`) keep `200`, as the spec's examples do, so
/// that the status does not depend on how soon they come.
fn modern_error_status(code: i64) -> Option<StatusCode> {
    match code {
        ErrorObject::METHOD_NOT_FOUND => Some(StatusCode::NOT_FOUND),
        modern::HEADER_MISMATCH | modern::MISSING_REQUIRED_CLIENT_CAPABILITY | modern::UNSUPPORTED_PROTOCOL_VERSION => {
            Some(StatusCode::BAD_REQUEST)
        }
        _ => None,
    }
}

/// The channel of one SSE response: room for a whole replay buffer and then some.
fn listener(options: &HttpOptions) -> (mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>) {
    mpsc::channel(options.replay_events + 256)
}

fn duplicate(id: &RequestId) -> Response {
    rpc_error(
        StatusCode::BAD_REQUEST,
        Some(id),
        ErrorObject::new(
            ErrorObject::INVALID_REQUEST,
            format!("request id {id} is already in use by a request in flight"),
        ),
    )
}

/// A POST's `MCP-Protocol-Version` header, read once.
#[derive(Clone, Copy)]
enum NamedVersion<'h> {
    /// No header.
    Absent,
    /// A legacy (handshake) revision this build speaks.
    Legacy(ProtocolVersion),
    /// Anything else: 2026-07-28 or later, or a revision this build does not know.
    Other(&'h HeaderValue),
}

impl<'h> NamedVersion<'h> {
    fn of(headers: &'h HeaderMap) -> Self {
        match headers.get(&PROTOCOL_VERSION) {
            None => NamedVersion::Absent,
            Some(value) => match value.to_str().ok().and_then(ProtocolVersion::parse) {
                Some(version) => NamedVersion::Legacy(version),
                None => NamedVersion::Other(value),
            },
        }
    }
}

/// Whether a POST is a 2026-07-28 one: its `MCP-Protocol-Version` names a revision no legacy session speaks
/// (2026-07-28 and later, or an unknown one), or, with neither that header nor a session, its one message
/// (`method`, `params`; `None` for a batch) looks modern.
fn is_modern(named: NamedVersion<'_>, headers: &HeaderMap, single: Option<(&str, Option<&Value>)>) -> bool {
    match named {
        NamedVersion::Legacy(_) => false,
        NamedVersion::Other(_) => true,
        NamedVersion::Absent => {
            headers.get(&SESSION_ID).is_none() && single.is_some_and(|(method, params)| looks_modern(method, params))
        }
    }
}

/// The revision of a stateless legacy request (not `initialize`): its `MCP-Protocol-Version` if this server
/// speaks it (`400` otherwise), else the default.
fn stateless_version(shared: &Shared, named: NamedVersion<'_>) -> Result<ProtocolVersion, Response> {
    let unsupported = |value: &dyn std::fmt::Debug| {
        error(
            StatusCode::BAD_REQUEST,
            ErrorObject::INVALID_REQUEST,
            format!("unsupported MCP-Protocol-Version {value:?}"),
        )
    };
    match named {
        NamedVersion::Absent => Ok(stateless_default(shared)),
        NamedVersion::Legacy(version) if shared.server.protocol_versions().contains(&version) => Ok(version),
        NamedVersion::Legacy(version) => Err(unsupported(&version.as_str())),
        NamedVersion::Other(value) => Err(unsupported(value)),
    }
}

/// The revision assumed for a stateless request without `MCP-Protocol-Version`: 2025-03-26 per the spec,
/// when this server speaks it.
fn stateless_default(shared: &Shared) -> ProtocolVersion {
    let versions = shared.server.protocol_versions();
    ProtocolVersion::parse("2025-03-26")
        .filter(|v| versions.contains(v))
        .or_else(|| versions.first().copied())
        .unwrap_or_else(ProtocolVersion::newest)
}

/// Closes a stateless request's session when its response stream is done with.
struct EndOnDrop(Arc<HttpSession>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        self.0.handle.shutdown();
    }
}

/// GET: the session's standalone stream, or a resumed stream with `Last-Event-ID`.
fn get(shared: &Arc<Shared>, headers: &HeaderMap) -> Result<Response, Response> {
    if shared.shutdown.is_cancelled() {
        return Err(unavailable());
    }
    if !accepts(headers, &["text/event-stream"]) {
        return Err(error(
            StatusCode::NOT_ACCEPTABLE,
            ErrorObject::INVALID_REQUEST,
            "Accept must list text/event-stream",
        ));
    }
    let session = shared.session(headers)?.not_legacy()?;
    session.check_version(headers)?;
    let (stream, after) = match headers.get(&LAST_EVENT_ID) {
        None => (STANDALONE, None),
        Some(value) => {
            let parsed = value
                .to_str()
                .ok()
                .and_then(|v| v.split_once('.'))
                .and_then(|(s, q)| Some((s.parse().ok()?, q.parse().ok()?)));
            match parsed {
                Some((stream, seq)) => (stream, Some(seq)),
                None => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        ErrorObject::INVALID_REQUEST,
                        "malformed Last-Event-ID",
                    ));
                }
            }
        }
    };
    let (sink, events) = listener(&shared.options);
    // 2025-11-25: a new GET stream starts with an event id too, so that it can be resumed.
    if after.is_none()
        && session.handle.protocol_version().is_some_and(|v| v.as_str() >= "2025-11-25")
        && let Some(priming) = lock(&session.streams).priming(STANDALONE, shared.options.retry)
    {
        let _ = sink.try_send(priming);
    }
    match lock(&session.streams).attach(stream, after, &sink) {
        Ok(()) => {}
        Err(Attach::Unknown) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                ErrorObject::INVALID_REQUEST,
                "unknown or expired Last-Event-ID",
            ));
        }
        Err(Attach::Busy) => {
            return Err(error(
                StatusCode::CONFLICT,
                ErrorObject::INVALID_REQUEST,
                "the session's GET stream is already open",
            ));
        }
    }
    drop(sink);
    Ok(sse_response(HeaderMap::new(), None, events, shared.options.keep_alive, None))
}

/// DELETE: ends the session.
async fn delete(shared: &Arc<Shared>, headers: &HeaderMap) -> Result<Response, Response> {
    let session = shared.session(headers)?.not_legacy()?;
    session.check_version(headers)?;
    shared.sessions().remove(&session.id);
    session.handle.close().await;
    Ok(StatusCode::OK.into_response())
}

/// An SSE response whose events come from `events`, with keep-alive comments; it ends when every sender
/// is gone or the server shuts down.
fn sse_response(
    mut headers: HeaderMap,
    first: Option<Bytes>,
    events: mpsc::Receiver<Bytes>,
    keep_alive: Option<Duration>,
    guard: Option<EndOnDrop>,
) -> Response {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    let ticks = keep_alive.map(|period| tokio::time::interval_at(Instant::now() + period, period));
    let state = (first, events, ticks, guard);
    // The body ends when every sender is gone: the stream's last response was sent, or the session ended.
    let body = futures_util::stream::unfold(state, |(first, mut events, mut ticks, guard)| async move {
        if let Some(first) = first {
            return Some((Ok::<_, Infallible>(first), (None, events, ticks, guard)));
        }
        let tick = async {
            match &mut ticks {
                Some(ticks) => {
                    ticks.tick().await;
                }
                None => std::future::pending().await,
            }
        };
        let next = tokio::select! {
            event = events.recv() => event,
            () = tick => Some(Bytes::from_static(b": keep-alive\n\n")),
        }?;
        Some((Ok::<_, Infallible>(next), (None, events, ticks, guard)))
    });
    (StatusCode::OK, headers, Body::from_stream(body)).into_response()
}

/// The 2024-11-05 HTTP+SSE stream: announces the POST endpoint, then carries every server message. The
/// session ends when the client drops this stream.
async fn legacy_stream(State(shared): State<Arc<Shared>>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if let Err(response) = shared.check_origin(&headers, &uri) {
        return response;
    }
    if !accepts(&headers, &["text/event-stream"]) {
        return error(StatusCode::NOT_ACCEPTABLE, ErrorObject::INVALID_REQUEST, "Accept must list text/event-stream");
    }
    let session = match shared.open_session(true, None) {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some((_, messages)) = &shared.options.legacy_sse else { return StatusCode::NOT_FOUND.into_response() };
    let (sink, events) = listener(&shared.options);
    let endpoint = Bytes::from(format!("event: endpoint\ndata: {messages}?sessionId={}\n\n", session.id));
    let _ = sink.try_send(endpoint);
    let _ = lock(&session.streams).attach(STANDALONE, None, &sink);
    drop(sink);
    // The client dropping the stream ends the session.
    let guard = Some(EndOnDrop(Arc::clone(&session)));
    sse_response(HeaderMap::new(), None, events, shared.options.keep_alive, guard)
}

/// A POST of the 2024-11-05 HTTP+SSE transport: the message is handed to the session, whose answer goes
/// out on the session's stream; `202 Accepted` at once.
async fn legacy_message(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let outcome = async {
        shared.check_origin(&parts.headers, &parts.uri)?;
        let id = parts.uri.query().unwrap_or_default().split('&').find_map(|pair| pair.strip_prefix("sessionId="));
        let found = id.and_then(|id| shared.sessions().get(id).cloned()).filter(|s| s.legacy);
        let Some(session) = found else {
            return Err(error(StatusCode::NOT_FOUND, ErrorObject::INVALID_REQUEST, "unknown or terminated session"));
        };
        session.touch();
        let bytes = shared.read_body(body).await?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| error(StatusCode::BAD_REQUEST, ErrorObject::PARSE_ERROR, "the body is not UTF-8"))?;
        // The engine classifies the message and answers errors on the stream, as over stdio.
        session.forward(vec![text]).await?;
        Ok(StatusCode::ACCEPTED.into_response())
    };
    outcome.await.unwrap_or_else(|r: Response| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: i64) -> RequestId {
        RequestId::Number(n)
    }

    #[test]
    fn host_names_are_parsed_strictly() {
        assert_eq!(host_name("localhost:8080"), Some("localhost"));
        assert_eq!(host_name("localhost"), Some("localhost"));
        assert_eq!(host_name("[::1]:3000"), Some("[::1]"));
        assert_eq!(host_name("[::1]"), Some("[::1]"));
        assert_eq!(host_name("127.0.0.1:1"), Some("127.0.0.1"));
        for bad in ["[::1]junk", "localhost:80@evil.com", "localhost:", "localhost:x", "", ":80", "a@b"] {
            assert_eq!(host_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn accept_lists_match_by_type_with_wildcards_and_parameters() {
        let with = |accept: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(accept).expect("a header value"));
            headers
        };
        let both = with("Application/JSON; q=0.9, text/event-stream");
        assert!(accepts(&both, &["application/json", "text/event-stream"]));
        assert!(accepts(&both, &["text/event-stream", "application/json"]));
        assert!(accepts(&with("text/*"), &["text/event-stream"]));
        assert!(accepts(&with("*/*"), &["application/json", "text/event-stream"]));
        assert!(!accepts(&with("text/*"), &["application/json"]));
        assert!(!accepts(&with("text/*"), &["application/json", "text/event-stream"]), "only one of two");
        assert!(!accepts(&with("application/json-seq"), &["application/json"]));
        assert!(!accepts(&with("text/event-stream/*"), &["text/event-stream"]));
        assert!(!accepts(&HeaderMap::new(), &["application/json"]));
        // Items may come in several `Accept` lines.
        let mut split = with("application/json");
        split.append(header::ACCEPT, HeaderValue::from_static("text/event-stream;q=0.5"));
        assert!(accepts(&split, &["application/json", "text/event-stream"]));
    }

    /// A body that announces `.0` bytes and never sends a frame.
    struct Announced(u64);

    impl axum::body::HttpBody for Announced {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
            std::task::Poll::Pending
        }

        fn size_hint(&self) -> http_body::SizeHint {
            http_body::SizeHint::with_exact(self.0)
        }
    }

    #[tokio::test]
    async fn a_body_is_read_whole_from_any_number_of_frames_up_to_the_limit() {
        let chunked = |parts: &[&'static str]| {
            let frames: Vec<Result<Bytes, std::io::Error>> =
                parts.iter().map(|p| Ok(Bytes::from_static(p.as_bytes()))).collect();
            Body::from_stream(futures_util::stream::iter(frames))
        };
        let read = |body, max| async move { read_body(body, max).await.map_err(|r| r.status()) };
        assert_eq!(read(Body::from("one frame"), 9).await, Ok(Bytes::from("one frame")));
        assert_eq!(read(chunked(&["ab", "", "cd", "e"]), 5).await, Ok(Bytes::from("abcde")));
        assert_eq!(read(chunked(&[]), 5).await, Ok(Bytes::new()));
        // Over the limit: announced (refused before any frame is read: this body never sends one), or
        // found while reading frames of unknown total length.
        let announced = tokio::time::timeout(Duration::from_secs(5), read(Body::new(Announced(10)), 9)).await;
        assert_eq!(announced, Ok(Err(StatusCode::PAYLOAD_TOO_LARGE)), "refused without waiting for the body");
        assert_eq!(read(Body::from("ten bytes!"), 9).await, Err(StatusCode::PAYLOAD_TOO_LARGE));
        assert_eq!(read(chunked(&["abc", "def"]), 5).await, Err(StatusCode::PAYLOAD_TOO_LARGE));
        assert_eq!(read(chunked(&["abcdef"]), 5).await, Err(StatusCode::PAYLOAD_TOO_LARGE));
    }

    #[tokio::test]
    async fn a_listener_that_falls_behind_is_cut_off_and_resumes_from_the_store() {
        let mut streams = Streams::new((100, 1 << 20), false);
        let (sink, mut events) = mpsc::channel(2);
        let stream = streams.open(&[id(1)], Sink::Sse(sink)).map_err(drop).expect("a new stream");
        for n in 0..5 {
            streams.deliver(format!("{{\"n\":{n}}}"), Route::Related(id(1)));
        }
        // Two fitted; the third found the queue full and detached the listener instead of waiting.
        assert!(matches!(streams.streams[&stream].sink, Sink::Detached));
        let mut seen = Vec::new();
        while let Some(event) = events.recv().await {
            seen.push(event);
        }
        assert_eq!(seen.len(), 2);
        streams.deliver("{\"done\":true}".into(), Route::Response(id(1), None));
        let (sink, mut events) = mpsc::channel(16);
        streams.attach(stream, Some(2), &sink).map_err(|_| ()).expect("resumable");
        drop(sink);
        let mut resumed = Vec::new();
        while let Some(event) = events.recv().await {
            resumed.push(String::from_utf8_lossy(&event).into_owned());
        }
        assert_eq!(resumed.len(), 4, "events 3, 4, 5 and the response: {resumed:?}");
        assert!(resumed[3].contains("done"));
    }

    #[test]
    fn a_cancelled_request_ends_its_stream_and_frees_its_id() {
        let mut streams = Streams::new((100, 1 << 20), false);
        let (sink, _events) = mpsc::channel(8);
        let stream = streams.open(&[id(7)], Sink::Sse(sink)).map_err(drop).expect("a new stream");
        assert!(!streams.quiet());
        streams.unanswered(&id(7));
        assert!(matches!(streams.streams[&stream].sink, Sink::Detached));
        assert!(streams.quiet(), "nothing in flight, nobody listening");
        let (sink, _events) = mpsc::channel(8);
        assert!(streams.open(&[id(7)], Sink::Sse(sink)).is_ok(), "the id can be used again");
    }
}
