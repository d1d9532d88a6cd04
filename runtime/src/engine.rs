//! The JSON-RPC engine: one task per connection owns the transport, the map of requests awaiting a
//! response and the set of requests being handled; everything else talks to it through a [`Peer`].
//!
//! The engine classifies frames (parse errors, invalid requests, batches, duplicate ids), correlates
//! responses, runs each incoming request with its own cancellation token (answered at once when its
//! handler completes on the first poll, else as a task of its own), and implements
//! `notifications/cancelled` and progress routing. What a method means is the session's business
//! (the crate's `Service` trait, implemented by the server and client sessions).

use crate::error::{Error, internal};
use crate::json;
use mcpgen_types::rpc::{ErrorObject, ErrorResponse, RequestId, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::transport::{FrameReader, FrameWriter, Route, Transport, TransportError};

/// A boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a request handler produces: a result object, or the JSON-RPC error to answer with.
pub(crate) type Outcome = Result<Reply, ErrorObject>;

/// A request's result as the engine prints it: a JSON value, or the result's JSON text, printed by the
/// session straight from its typed value (a tool result, a list page) so that no `Value` is built only to
/// be printed and freed.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A result object as a value.
    Value(Value),
    /// A result object's compact JSON text, printed by this crate (trusted: it is not checked again).
    Text(String),
}

impl Reply {
    /// The result as a value (text is parsed back: for the rare caller that edits a printed result).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Reply::Value(value) => value,
            Reply::Text(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::error!("a printed result does not parse back: {e}");
                Value::Null
            }),
        }
    }
}

impl From<Value> for Reply {
    fn from(value: Value) -> Self {
        Reply::Value(value)
    }
}

/// An incoming request, after envelope validation.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) id: RequestId,
    pub(crate) method: String,
    pub(crate) params: Option<Value>,
}

/// The session logic plugged into a connection.
pub(crate) trait Service: Send + Sync + 'static {
    /// Handles a request. The future is polled once on the connection task and, unless it is ready then,
    /// runs on as a task of its own. `cancel` fires on `notifications/cancelled` or shutdown.
    fn request(self: Arc<Self>, request: Incoming, cancel: CancellationToken, peer: Peer) -> BoxFuture<Outcome>;
    /// Handles a notification (progress and cancellation are routed by the engine first).
    fn notification(self: Arc<Self>, method: &str, params: Option<Value>, peer: &Peer);
    /// Whether a JSON array frame is accepted as a batch (2025-03-26 sessions), or the reason it is not.
    fn batches(&self) -> Result<(), String>;
}

/// Options of one outgoing request.
#[derive(Clone, Debug)]
pub struct RequestOptions {
    /// How long to wait for the response (or for the next progress notification, with
    /// `reset_on_progress`).
    pub timeout: Duration,
    /// With `reset_on_progress`, the hard limit from sending the request.
    pub max_timeout: Duration,
    /// Whether a progress notification for this request restarts the timeout.
    pub reset_on_progress: bool,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            timeout: Duration::from_secs(60),
            max_timeout: Duration::from_secs(600),
            reset_on_progress: true,
        }
    }
}

/// Options of a connection.
#[derive(Clone, Debug)]
pub struct ConnectionOptions {
    /// Default options for requests this side sends.
    pub requests: RequestOptions,
    /// How long shutdown waits for in-flight requests before cancelling them.
    pub drain: Duration,
    /// Capacity of the channel from [`Peer`] handles to the connection task.
    pub channel: usize,
    /// How many incoming requests may be handled at once; more are answered with `-32603` at once.
    pub max_in_flight: usize,
    /// How many bytes may wait for a peer that does not read before the connection gives up on it.
    pub max_backlog: usize,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            requests: RequestOptions::default(),
            drain: Duration::from_secs(10),
            channel: 64,
            max_in_flight: 4096,
            max_backlog: 64 * 1024 * 1024,
        }
    }
}

/// A handle to a connection: sends requests and notifications to the peer. Cloneable; each clone talks to
/// the connection task through a bounded channel.
#[derive(Clone)]
pub struct Peer {
    /// The connection's command channel; `None` for a detached handle ([`Peer::detached`]).
    tx: Option<mpsc::Sender<Command>>,
    shutdown: CancellationToken,
    backlog: Arc<AtomicUsize>,
    next_id: Arc<AtomicI64>,
    closed: CancellationToken,
    defaults: Arc<RequestOptions>,
    /// The peer's request this handle works for (a handler's handle): what it sends is routed with it.
    related: Option<RequestId>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer").field("closed", &self.closed.is_cancelled()).finish_non_exhaustive()
    }
}

enum Command {
    Request {
        id: RequestId,
        frame: String,
        reply: oneshot::Sender<Result<Value, Error>>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        route: Route,
    },
    Send(String, Route),
    /// Stop waiting for `id`; with a reason, also tell the peer (`notifications/cancelled`).
    Cancel {
        id: RequestId,
        reason: Option<String>,
        route: Route,
    },
}

impl Peer {
    /// Where what this handle sends belongs.
    fn route(&self) -> Route {
        self.related.clone().map_or(Route::Session, Route::Related)
    }

    /// This handle, working for the peer's request `id`.
    fn related_to(&self, id: RequestId) -> Peer {
        Peer { related: Some(id), ..self.clone() }
    }

    /// Sends a request and waits for its result, with the connection's default options. With `progress`,
    /// a `progressToken` is added to `params._meta` and each matching `notifications/progress` params
    /// object is passed to it.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Option<Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
    ) -> Result<Value, Error> {
        let options = Arc::clone(&self.defaults);
        self.request_with(method, params, progress, &options).await
    }

    /// Sends a request with explicit options.
    pub(crate) async fn request_with(
        &self,
        method: &str,
        mut params: Option<Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        options: &RequestOptions,
    ) -> Result<Value, Error> {
        // A detached handle reaches no peer that could answer.
        let Some(tx) = &self.tx else { return Err(Error::Closed) };
        let id = RequestId::Number(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (ptx, mut prx) = mpsc::unbounded_channel();
        let wants_progress = progress.is_some();
        if wants_progress {
            let object = params.get_or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(object) = object {
                let meta = object.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(meta) = meta {
                    meta.insert("progressToken".into(), json!(id));
                }
            }
        }
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if let Some(params) = params {
            message["params"] = params;
        }
        let (reply_tx, mut reply_rx) = oneshot::channel();
        let command = Command::Request {
            id: id.clone(),
            frame: json::print(&message),
            reply: reply_tx,
            progress: wants_progress.then_some(ptx),
            route: self.route(),
        };
        let start = Instant::now();
        let hard = after(start, options.max_timeout.max(options.timeout));
        let mut deadline = after(start, options.timeout).min(hard);
        // The clock runs while the request waits for room in the channel too.
        match tokio::time::timeout_at(deadline, tx.send(command)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(Error::Closed),
            Err(_) => return Err(Error::Timeout(start.elapsed())),
        }
        // `initialize` must never be cancelled: abandoning it only forgets the id.
        let cancellable = method != "initialize";
        let mut guard = CancelOnDrop { peer: self, id: Some(id), cancellable, reason: None };
        loop {
            tokio::select! {
                reply = &mut reply_rx => {
                    guard.id = None;
                    // Progress routed before the response must not be lost to the race with the reply.
                    while let Ok(update) = prx.try_recv() {
                        if let Some(progress) = &progress {
                            let _ = progress.send(update);
                        }
                    }
                    return reply.unwrap_or(Err(Error::Closed));
                }
                Some(update) = prx.recv() => {
                    if options.reset_on_progress {
                        deadline = after(Instant::now(), options.timeout).min(hard);
                    }
                    if let Some(progress) = &progress {
                        let _ = progress.send(update);
                    }
                }
                () = tokio::time::sleep_until(deadline) => {
                    // The guard sends the cancellation without waiting for room in the channel.
                    let elapsed = start.elapsed();
                    guard.reason = Some(format!("timed out after {elapsed:?}"));
                    return Err(Error::Timeout(elapsed));
                }
            }
        }
    }

    /// Sends a notification.
    pub(crate) async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), Error> {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        if let Some(params) = params {
            message["params"] = params;
        }
        // A detached handle has nobody to tell: the notification is dropped, as a stream nobody reads would.
        let Some(tx) = &self.tx else { return Ok(()) };
        tx.send(Command::Send(json::print(&message), self.route())).await.map_err(|_| Error::Closed)
    }

    /// A handle that reaches no peer, for the request `related` answered on its own ([`answer_alone`]):
    /// notifications are dropped, requests fail at once with [`Error::Closed`]. It counts as closed once
    /// `closed` fires (work the handler left behind and tied to the connection stops then).
    #[cfg_attr(not(feature = "http-server"), allow(dead_code))]
    fn detached(alone: &Alone, closed: CancellationToken, related: RequestId) -> Peer {
        Peer {
            tx: None,
            shutdown: closed.child_token(),
            backlog: Arc::clone(&alone.backlog),
            next_id: Arc::clone(&alone.next_id),
            closed,
            defaults: Arc::clone(&alone.defaults),
            related: Some(related),
        }
    }

    /// Asks the connection to stop taking new requests, finish the ones in flight (still reading the
    /// answers they wait for) and close the transport. Returns at once; [`Peer::closed`] waits for the end.
    pub async fn close(&self) {
        // A token rather than a command: it must get through even when commands wait for the writer.
        self.shutdown.cancel();
    }

    /// How many bytes are queued for the peer and not yet written (a peer that reads slowly makes this
    /// grow; see [`ConnectionOptions::max_backlog`]).
    pub fn queued_bytes(&self) -> usize {
        self.backlog.load(Ordering::Relaxed)
    }

    /// A token that fires when the connection ends, for work the connection does not track.
    pub(crate) fn connection_token(&self) -> CancellationToken {
        self.closed.child_token()
    }

    /// A token that fires when the connection starts closing (new requests are refused from then on), for
    /// requests that run until told to stop, such as 2026-07-28 listen streams.
    pub(crate) fn closing_token(&self) -> CancellationToken {
        self.shutdown.child_token()
    }

    /// The token that starts closing the connection (cancel it to close without waiting).
    #[cfg(feature = "http-server")]
    pub(crate) fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The connection's default request options.
    pub(crate) fn defaults(&self) -> &RequestOptions {
        &self.defaults
    }

    /// Starts closing without waiting (for `Drop` impls).
    pub(crate) fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled() || self.tx.as_ref().is_some_and(mpsc::Sender::is_closed)
    }

    /// Waits until the connection has ended.
    pub async fn closed(&self) {
        self.closed.cancelled().await;
    }
}

/// Sends `notifications/cancelled` when a request future is dropped before its response arrived.
struct CancelOnDrop<'a> {
    peer: &'a Peer,
    id: Option<RequestId>,
    cancellable: bool,
    /// Why, when not simply abandoned.
    reason: Option<String>,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let why = self.reason.take().unwrap_or_else(|| "the requester stopped waiting".to_owned());
            let reason = self.cancellable.then_some(why);
            let route = self.peer.route();
            let command = Command::Cancel { id: id.clone(), reason: reason.clone(), route: route.clone() };
            let Some(tx) = &self.peer.tx else { return };
            if tx.try_send(command).is_err() {
                // The channel is full: hand the cancellation to a task rather than lose it.
                let tx = tx.clone();
                if let Ok(handle) = tokio::runtime::Handle::try_current() {
                    handle.spawn(async move { tx.send(Command::Cancel { id, reason, route }).await });
                }
            }
        }
    }
}

/// How many received frames wait for the connection task before the reader stops reading (backpressure).
const READ_AHEAD: usize = 64;
/// How many bytes may wait for the writer before the connection stops taking commands from this side's
/// handlers and callers (their sends wait until the writer catches up). Frames from the peer are read
/// regardless, and the answers to them are queued regardless: a connection that stopped reading while its
/// writes wait deadlocks with a peer doing the same. [`ConnectionOptions::max_backlog`] bounds the queue.
const WRITE_BEHIND: usize = 4 * 1024 * 1024;

/// `start + duration`, saturating far in the future instead of overflowing (`Duration::MAX` is allowed).
fn after(start: Instant, duration: Duration) -> Instant {
    start.checked_add(duration).unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// Starts the connection for `transport`: a reader task, a writer task and the connection task that owns
/// the maps of requests. Returns the handle to it and the task, which ends once the transport is closed.
pub(crate) fn spawn<T: Transport>(
    transport: T,
    service: Arc<dyn Service>,
    options: ConnectionOptions,
) -> (Peer, tokio::task::JoinHandle<Result<(), Error>>) {
    let (tx, rx) = mpsc::channel(options.channel.max(1));
    let closed = CancellationToken::new();
    let shutdown = CancellationToken::new();
    let backlog = Arc::new(AtomicUsize::new(0));
    let peer = Peer {
        tx: Some(tx),
        shutdown: shutdown.clone(),
        backlog: Arc::clone(&backlog),
        next_id: Arc::new(AtomicI64::new(0)),
        closed: closed.clone(),
        defaults: Arc::new(options.requests.clone()),
        related: None,
    };
    let (reader, writer) = transport.split();
    let (frames_tx, frames) = mpsc::channel(READ_AHEAD);
    let (out, out_rx) = mpsc::unbounded_channel();
    let drained = Arc::new(Notify::new());
    let stop_writing = CancellationToken::new();
    let reader = tokio::spawn(read_frames(reader, frames_tx));
    let writer =
        tokio::spawn(write_frames(writer, out_rx, Arc::clone(&backlog), Arc::clone(&drained), stop_writing.clone()));
    let drain = options.drain;
    let connection = Connection {
        frames,
        out,
        backlog,
        drained,
        max_backlog: options.max_backlog.max(WRITE_BEHIND),
        largest: 0,
        reading: true,
        max_in_flight: options.max_in_flight.max(1),
        drain_deadline: None,
        shutdown,
        service,
        rx,
        peer: peer.clone(),
        pending: HashMap::new(),
        inflight: HashMap::new(),
        tasks: JoinSet::new(),
        task_ids: HashMap::new(),
        batches: HashMap::new(),
        next_batch: 0,
        root: closed,
        drain: options.drain,
    };
    let task = tokio::spawn(async move {
        // The connection drops its sender when it ends; the writer then sends what is queued and closes.
        let outcome = connection.run().await;
        reader.abort();
        // A peer that does not read gets `drain` to take what is queued (none when it is the reason the
        // connection ended); then the writer stops and closes the transport anyway.
        let grace = if matches!(outcome, Err(Error::Protocol(_))) { Duration::ZERO } else { drain };
        let mut writer = writer;
        let written = match tokio::time::timeout(grace, &mut writer).await {
            Ok(joined) => joined,
            Err(_) => {
                stop_writing.cancel();
                writer.await
            }
        };
        let written = written.unwrap_or_else(|e| Err(Error::Protocol(format!("the writer task failed: {e}"))));
        match (outcome, written) {
            // A write failure ends the connection; the writer holds its cause.
            (Err(Error::Closed), Err(e)) | (Ok(()), Err(e)) => Err(e),
            (outcome, _) => outcome,
        }
    });
    (peer, task)
}

/// Reads frames until the peer closes the channel or it fails.
async fn read_frames<R: FrameReader>(mut reader: R, frames: mpsc::Sender<Result<String, TransportError>>) {
    while let Some(frame) = reader.recv().await {
        let fatal = frame.as_ref().is_err_and(|e| !e.is_recoverable());
        if frames.send(frame).await.is_err() || fatal {
            return;
        }
    }
}

/// How many bytes of frames the writer takes from its queue before it flushes them with one write.
const COALESCE: usize = 256 * 1024;

/// Writes frames until the connection drops its sender, then closes the transport. The frames queued
/// when the writer wakes are fed together and flushed once (one `write` for many frames on a stream).
async fn write_frames<W: FrameWriter>(
    mut writer: W,
    mut out: mpsc::UnboundedReceiver<Out>,
    backlog: Arc<AtomicUsize>,
    drained: Arc<Notify>,
    stop: CancellationToken,
) -> Result<(), Error> {
    while let Some(first) = out.recv().await {
        let mut fed = 0;
        let mut next = Some(first);
        let mut sent = Ok(());
        while let Some(item) = next.take() {
            match item {
                Out::Frame(frame, route) => {
                    fed += frame.len();
                    sent = tokio::select! {
                        sent = writer.feed(frame, route) => sent,
                        () = stop.cancelled() => Err(TransportError::Closed),
                    };
                    if sent.is_err() {
                        break;
                    }
                }
                Out::Unanswered(id) => writer.unanswered(id).await,
            }
            if fed < COALESCE {
                next = out.try_recv().ok();
            }
        }
        if sent.is_ok() {
            sent = tokio::select! {
                sent = writer.flush() => sent,
                () = stop.cancelled() => Err(TransportError::Closed),
            };
        }
        let before = backlog.fetch_sub(fed, Ordering::Relaxed);
        if before >= WRITE_BEHIND && before - fed < WRITE_BEHIND {
            // The connection may be waiting for the queue to shrink before it takes commands again.
            drained.notify_one();
        }
        if let Err(e) = sent {
            // Nothing more can be written; the connection notices its sender failing, or this wake-up
            // when it waits for the queue to drain.
            out.close();
            drained.notify_one();
            let _ = writer.close().await;
            return Err(e.into());
        }
    }
    writer.close().await.map_err(Error::from)
}

/// What the connection hands the writer task.
enum Out {
    Frame(String, Route),
    /// The peer's request `id` ended without a response (it was cancelled).
    Unanswered(RequestId),
}

struct Pending {
    reply: oneshot::Sender<Result<Value, Error>>,
    progress: Option<mpsc::UnboundedSender<Value>>,
}

struct InFlight {
    token: CancellationToken,
    /// `initialize` must not be cancelled.
    cancellable: bool,
}

/// The responses of a batch still being answered.
struct BatchAcc {
    remaining: usize,
    /// The responses so far, as text.
    responses: Vec<String>,
    /// The ids of the batch's requests so far: one answered at once no longer counts as in flight, but
    /// its id still may not appear twice in the batch.
    ids: std::collections::HashSet<RequestId>,
}

type Done = (RequestId, Option<u64>, Option<Outcome>);

struct Connection {
    frames: mpsc::Receiver<Result<String, TransportError>>,
    out: mpsc::UnboundedSender<Out>,
    /// Bytes queued for the writer and not yet written.
    backlog: Arc<AtomicUsize>,
    /// Signalled by the writer when the backlog falls below [`WRITE_BEHIND`].
    drained: Arc<Notify>,
    max_backlog: usize,
    /// The largest frame queued so far: one frame larger than `max_backlog` is not a stalled peer.
    largest: usize,
    /// Whether the peer may still send (no end of stream yet).
    reading: bool,
    max_in_flight: usize,
    /// Set when the connection starts closing (new requests are refused from then on): the end of the
    /// grace period for the requests in flight.
    drain_deadline: Option<Instant>,
    shutdown: CancellationToken,
    service: Arc<dyn Service>,
    rx: mpsc::Receiver<Command>,
    peer: Peer,
    pending: HashMap<RequestId, Pending>,
    inflight: HashMap<RequestId, InFlight>,
    tasks: JoinSet<Done>,
    task_ids: HashMap<tokio::task::Id, (RequestId, Option<u64>)>,
    batches: HashMap<u64, BatchAcc>,
    next_batch: u64,
    root: CancellationToken,
    drain: Duration,
}

/// What one element of a frame turned out to be.
enum Parsed {
    Request(Incoming),
    Notification(String, Option<Value>),
    Response(RequestId, Result<Value, ErrorObject>),
    /// Answer with this error (id if it could be read).
    Invalid(Option<RequestId>, ErrorObject),
    /// A malformed response: nothing can be answered; log it.
    Ignored(String),
}

impl Connection {
    async fn run(mut self) -> Result<(), Error> {
        let mut outcome = Ok(());
        loop {
            if let Some(deadline) = self.drain_deadline
                && (self.tasks.is_empty() || Instant::now() >= deadline)
            {
                break;
            }
            if self.out.is_closed() {
                // The writer failed; its error is the connection's outcome.
                outcome = Err(Error::Closed);
                break;
            }
            let backlog = self.backlog.load(Ordering::Relaxed);
            if backlog > self.max_backlog.saturating_add(self.largest) {
                outcome = Err(Error::Protocol(format!("the peer left {backlog} bytes unread; giving up on it")));
                break;
            }
            let gated = backlog >= WRITE_BEHIND;
            let drain_at = self.drain_deadline.unwrap_or_else(|| after(Instant::now(), Duration::MAX));
            let step: Result<bool, Error> = tokio::select! {
                frame = self.frames.recv(), if self.reading => match frame {
                    None => {
                        // The peer is gone: nothing it owed us will come.
                        self.reading = false;
                        self.fail_pending();
                        Ok(true)
                    }
                    Some(Ok(text)) => self.on_frame(&text).await.map(|()| false),
                    Some(Err(e)) if e.is_recoverable() => {
                        // Bytes that are not UTF-8 are not JSON text (a parse error); an oversized frame was
                        // skipped unread (an invalid request).
                        let code = match e {
                            TransportError::InvalidUtf8 => ErrorObject::PARSE_ERROR,
                            _ => ErrorObject::INVALID_REQUEST,
                        };
                        self.send_error(None, ErrorObject::new(code, e.to_string())).await.map(|()| false)
                    }
                    Some(Err(e)) => {
                        self.reading = false;
                        self.fail_pending();
                        Err(e.into())
                    }
                },
                () = self.shutdown.cancelled(), if self.drain_deadline.is_none() => Ok(true),
                () = self.drained.notified(), if gated => Ok(false),
                command = self.rx.recv(), if !gated => match command {
                    Some(command) => self.on_command(command).await.map(|()| false),
                    None => Ok(true),
                },
                Some(done) = self.tasks.join_next_with_id(), if !self.tasks.is_empty() => {
                    let done = match done {
                        Ok((task, done)) => {
                            self.task_ids.remove(&task);
                            Some(done)
                        }
                        Err(e) => self
                            .task_ids
                            .remove(&e.id())
                            .map(|(id, batch)| (id, batch, Some(Err(internal("the request handler panicked"))))),
                    };
                    match done {
                        // What the handler sent before it finished (progress, log messages) goes out before
                        // its response, not after it.
                        Some(done) => match self.flush_commands().await {
                            Ok(()) => self.on_done(done).await.map(|()| false),
                            Err(e) => Err(e),
                        },
                        None => Ok(false),
                    }
                }
                () = tokio::time::sleep_until(drain_at), if self.drain_deadline.is_some() => Ok(false),
            };
            match step {
                Ok(false) => {}
                Ok(true) => {
                    self.start_closing();
                }
                // The writer is gone: nothing more can be answered.
                Err(Error::Closed) => {
                    outcome = Err(Error::Closed);
                    break;
                }
                Err(e) => {
                    outcome = Err(e);
                    self.reading = false;
                    self.start_closing();
                }
            }
        }
        // Commands queued before the end still go out (a notification sent just before `close`, the
        // cancellation of a timed-out request); requests among them fail.
        while let Ok(command) = self.rx.try_recv() {
            match command {
                Command::Request { reply, .. } => {
                    let _ = reply.send(Err(Error::Closed));
                }
                command => {
                    if self.on_command(command).await.is_err() {
                        break;
                    }
                }
            }
        }
        self.root.cancel();
        self.tasks.abort_all();
        self.fail_pending();
        outcome
    }

    /// Refuses new requests from now on and gives the ones in flight `drain` to finish.
    fn start_closing(&mut self) {
        let drain = self.drain;
        self.drain_deadline.get_or_insert_with(|| after(Instant::now(), drain));
        // Requests that run until told to stop (listen streams) watch this token.
        self.shutdown.cancel();
    }

    /// Fails every request awaiting the peer's answer.
    fn fail_pending(&mut self) {
        for (_, pending) in self.pending.drain() {
            let _ = pending.reply.send(Err(Error::Closed));
        }
    }

    async fn write(&mut self, frame: String, route: Route) -> Result<(), Error> {
        self.largest = self.largest.max(frame.len());
        self.backlog.fetch_add(frame.len(), Ordering::Relaxed);
        self.out.send(Out::Frame(frame, route)).map_err(|_| Error::Closed)
    }

    /// Answers a frame whose request id could not be read.
    async fn send_error(&mut self, id: Option<RequestId>, error: ErrorObject) -> Result<(), Error> {
        let frame = response_text(id.as_ref(), Err(error));
        self.write(frame, Route::Session).await
    }

    /// Handles the commands already queued.
    async fn flush_commands(&mut self) -> Result<(), Error> {
        // Only what is queued now: a busy sender must not keep the loop here.
        for _ in 0..self.rx.len() {
            match self.rx.try_recv() {
                Ok(command) => self.on_command(command).await?,
                Err(_) => break,
            }
        }
        Ok(())
    }

    async fn on_command(&mut self, command: Command) -> Result<(), Error> {
        match command {
            Command::Request { id, frame, reply, progress, route } => {
                if !self.reading {
                    // The peer has closed its side: no answer can come.
                    let _ = reply.send(Err(Error::Closed));
                    return Ok(());
                }
                self.pending.insert(id, Pending { reply, progress });
                self.write(frame, route).await
            }
            Command::Send(frame, route) => self.write(frame, route).await,
            Command::Cancel { id, reason, route } => {
                if self.pending.remove(&id).is_some()
                    && let Some(reason) = reason
                {
                    let params = json!({"requestId": id, "reason": reason});
                    let frame = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params});
                    self.write(frame.to_string(), route).await?;
                }
                Ok(())
            }
        }
    }

    async fn on_frame(&mut self, text: &str) -> Result<(), Error> {
        if let Some(parsed) = parse_plain(text) {
            return self.dispatch(parsed, None).await;
        }
        let value: Value = match json::parse(text.as_bytes()) {
            Ok(value) => value,
            Err(e) => {
                return self
                    .send_error(None, ErrorObject::new(ErrorObject::PARSE_ERROR, format!("parse error: {e}")))
                    .await;
            }
        };
        let Value::Array(items) = value else {
            let parsed = parse(value);
            return self.dispatch(parsed, None).await;
        };
        if let Err(reason) = self.service.batches() {
            return self.send_error(None, ErrorObject::new(ErrorObject::INVALID_REQUEST, reason)).await;
        }
        if items.is_empty() {
            return self.send_error(None, ErrorObject::new(ErrorObject::INVALID_REQUEST, "empty batch")).await;
        }
        let batch = self.next_batch;
        self.next_batch += 1;
        self.batches.insert(batch, BatchAcc { remaining: 1, responses: Vec::new(), ids: Default::default() });
        for item in items {
            let parsed = parse(item);
            self.dispatch(parsed, Some(batch)).await?;
        }
        // The extra count taken above keeps the batch open while its elements are dispatched.
        self.settle(batch).await
    }

    /// Handles one parsed element; `batch` collects answers of a batch frame.
    async fn dispatch(&mut self, parsed: Parsed, batch: Option<u64>) -> Result<(), Error> {
        match parsed {
            Parsed::Invalid(id, error) => self.answer(batch, id, Err(error), false).await,
            Parsed::Ignored(why) => {
                tracing::warn!("dropped a malformed message: {why}");
                Ok(())
            }
            Parsed::Response(id, outcome) => {
                match self.pending.remove(&id) {
                    Some(pending) => {
                        let _ = pending.reply.send(outcome.map_err(Error::Rpc));
                    }
                    None => tracing::warn!(%id, "dropped a response to an unknown request id"),
                }
                Ok(())
            }
            Parsed::Notification(method, params) => {
                // Progress for a request of ours goes to its caller only.
                if let Some(params) = self.on_notification(&method, params) {
                    Arc::clone(&self.service).notification(&method, params, &self.peer);
                }
                Ok(())
            }
            Parsed::Request(request) => {
                let refusal = if self.drain_deadline.is_some() {
                    Some(ErrorObject::new(ErrorObject::INTERNAL_ERROR, "the connection is closing"))
                } else if self.inflight.len() >= self.max_in_flight {
                    Some(ErrorObject::new(
                        ErrorObject::INTERNAL_ERROR,
                        format!("too many requests in flight ({}); retry later", self.max_in_flight),
                    ))
                } else {
                    None
                };
                if let Some(error) = refusal {
                    return self.answer(batch, Some(request.id), Err(error), false).await;
                }
                let in_batch =
                    batch.and_then(|b| self.batches.get_mut(&b)).is_some_and(|acc| !acc.ids.insert(request.id.clone()));
                if in_batch || self.inflight.contains_key(&request.id) {
                    let error = ErrorObject::new(
                        ErrorObject::INVALID_REQUEST,
                        format!("request id {} is already in use by a request in flight", request.id),
                    );
                    return self.answer(batch, Some(request.id), Err(error), false).await;
                }
                let token = self.root.child_token();
                let id = request.id.clone();
                let cancellable = request.method != "initialize";
                if let Some(batch) = batch.and_then(|b| self.batches.get_mut(&b)) {
                    batch.remaining += 1;
                }
                let peer = self.peer.related_to(id.clone());
                let mut work = Arc::clone(&self.service).request(request, token.clone(), peer);
                // Most handlers finish without waiting for anything: those are answered here, without a
                // task of their own (a spawn and two hand-offs per request otherwise).
                if let Some(outcome) = poll_once(&mut work) {
                    // What the handler sent on its way (log messages) goes out before its response.
                    self.flush_commands().await?;
                    return self.on_done((id, batch, Some(outcome))).await;
                }
                // In flight from here on: it can be cancelled, and its id is taken until it ends.
                self.inflight.insert(id.clone(), InFlight { token: token.clone(), cancellable });
                let task_id = id.clone();
                let handle = self.tasks.spawn(async move {
                    let outcome = tokio::select! {
                        biased;
                        () = token.cancelled() => None,
                        outcome = work => Some(outcome),
                    };
                    (task_id, batch, outcome)
                });
                self.task_ids.insert(handle.id(), (id, batch));
                Ok(())
            }
        }
    }

    /// Engine-level notification handling: cancellation and progress routing. Returns the params unless
    /// the notification was progress, delivered to the caller of the request it reports on.
    fn on_notification(&mut self, method: &str, params: Option<Value>) -> Option<Option<Value>> {
        let Some(object) = &params else { return Some(params) };
        match method {
            "notifications/cancelled" => {
                let id = object.get("requestId").and_then(|id| RequestId::deserialize(id).ok());
                // `initialize` must not be cancelled; unknown or finished ids are ignored.
                if let Some(inflight) = id.and_then(|id| self.inflight.get(&id)).filter(|f| f.cancellable) {
                    inflight.token.cancel();
                }
                Some(params)
            }
            "notifications/progress" => {
                let token = object.get("progressToken").and_then(|t| RequestId::deserialize(t).ok());
                match token.and_then(|t| self.pending.get(&t)).and_then(|p| p.progress.as_ref()) {
                    Some(progress) => {
                        if let Some(params) = params {
                            let _ = progress.send(params);
                        }
                        None
                    }
                    None => Some(params),
                }
            }
            _ => Some(params),
        }
    }

    async fn on_done(&mut self, (id, batch, outcome): Done) -> Result<(), Error> {
        self.inflight.remove(&id);
        match outcome {
            // Cancelled: no response, per the spec.
            None => match batch {
                Some(batch) => self.settle(batch).await,
                None => self.out.send(Out::Unanswered(id)).map_err(|_| Error::Closed),
            },
            Some(outcome) => self.answer(batch, Some(id), outcome, true).await,
        }
    }

    /// Sends a response, or adds it to its batch; `counted` when it answers a request that holds a count in
    /// the batch (a handled request, as opposed to an element rejected on arrival).
    async fn answer(
        &mut self,
        batch: Option<u64>,
        id: Option<RequestId>,
        outcome: Outcome,
        counted: bool,
    ) -> Result<(), Error> {
        let code = outcome.as_ref().err().map(|e| e.code);
        let response = response_text(id.as_ref(), outcome);
        match batch {
            None => {
                let route = id.map_or(Route::Session, |id| Route::Response(id, code));
                self.write(response, route).await
            }
            Some(batch) => {
                if let Some(acc) = self.batches.get_mut(&batch) {
                    acc.responses.push(response);
                }
                if counted { self.settle(batch).await } else { Ok(()) }
            }
        }
    }

    /// Counts one element of `batch` as answered and sends the batch when all are.
    async fn settle(&mut self, batch: u64) -> Result<(), Error> {
        let Some(acc) = self.batches.get_mut(&batch) else { return Ok(()) };
        acc.remaining = acc.remaining.saturating_sub(1);
        if acc.remaining > 0 {
            return Ok(());
        }
        let Some(acc) = self.batches.remove(&batch) else { return Ok(()) };
        if acc.responses.is_empty() {
            return Ok(());
        }
        self.write(format!("[{}]", acc.responses.join(",")), Route::Session).await
    }
}

/// What the requests answered alone ([`answer_alone`]) of one server share: their detached handles'
/// parts that never change (no bytes are ever queued, no request is ever sent) and the drain.
#[cfg_attr(not(feature = "http-server"), allow(dead_code))]
pub(crate) struct Alone {
    backlog: Arc<AtomicUsize>,
    next_id: Arc<AtomicI64>,
    defaults: Arc<RequestOptions>,
    drain: Duration,
}

impl Alone {
    /// The shared parts for a server whose connections use `options`.
    #[cfg_attr(not(feature = "http-server"), allow(dead_code))]
    pub(crate) fn new(options: &ConnectionOptions) -> Alone {
        Alone {
            backlog: Arc::new(AtomicUsize::new(0)),
            next_id: Arc::new(AtomicI64::new(0)),
            defaults: Arc::new(options.requests.clone()),
            drain: options.drain,
        }
    }
}

/// Answers one request without a connection, on the caller's task: for a client that keeps no session
/// and takes one JSON answer (stateless Streamable HTTP), where starting a connection (three tasks and
/// their channels) would cost more than most requests. Returns the response frame. The handler's [`Peer`]
/// is detached: nothing but the answer can reach this client. Dropping the future cancels the handler;
/// `ending` firing gives it the drain before it is cancelled and answered with `-32603`.
#[cfg_attr(not(feature = "http-server"), allow(dead_code))]
pub(crate) async fn answer_alone(
    service: Arc<dyn Service>,
    request: Incoming,
    alone: &Alone,
    ending: CancellationToken,
) -> String {
    // The request is its detached connection's only one, so one token is both: it fires when this future
    // ends (answered or dropped), which cancels what the handler started and closes its handle.
    let done = CancellationToken::new();
    let _done = done.clone().drop_guard();
    let id = request.id.clone();
    let peer = Peer::detached(alone, done.clone(), id.clone());
    let mut work = service.request(request, done, peer);
    let outcome = match poll_once(&mut work) {
        Some(outcome) => outcome,
        None => {
            let drain = alone.drain;
            tokio::select! {
                outcome = std::future::poll_fn(|cx| poll_caught(&mut work, cx)) => outcome,
                () = async { ending.cancelled().await; tokio::time::sleep(drain).await } => Err(ErrorObject::new(
                    ErrorObject::INTERNAL_ERROR,
                    "the server shut down before the request finished",
                )),
            }
        }
    };
    response_text(Some(&id), outcome)
}

/// A well-formed request read from its text without a `Value` for the envelope ([`parse_plain`]); `None`
/// for anything else, notifications included.
#[cfg_attr(not(feature = "http-server"), allow(dead_code))]
pub(crate) fn plain_request(text: &str) -> Option<Incoming> {
    match parse_plain(text)? {
        Parsed::Request(request) => Some(request),
        _ => None,
    }
}

/// Polls a handler's future, turning a panic into a `-32603` outcome (as a panicking handler task is
/// answered). A future that panicked must not be polled again.
fn poll_caught(work: &mut BoxFuture<Outcome>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Outcome> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work.as_mut().poll(cx))) {
        Ok(poll) => poll,
        Err(_) => std::task::Poll::Ready(Err(internal("the request handler panicked"))),
    }
}

/// Polls a handler's future once, here: its outcome if it is ready. A future that is not has registered
/// no useful waker (the task it is spawned into polls it again at once); one that panics is answered with
/// `-32603`, as a panicking handler task is.
fn poll_once(work: &mut BoxFuture<Outcome>) -> Option<Outcome> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match poll_caught(work, &mut cx) {
        std::task::Poll::Ready(outcome) => Some(outcome),
        std::task::Poll::Pending => None,
    }
}

/// A response message as text, printed from its parts (no `Value` is built for it).
fn response_text(id: Option<&RequestId>, outcome: Outcome) -> String {
    match (outcome, id) {
        (Ok(Reply::Value(result)), Some(id)) => json::print(&Response { id: id.clone(), result }),
        // The members in the order `Response` prints them.
        (Ok(Reply::Text(result)), Some(id)) => {
            let mut text = String::with_capacity(result.len() + 64);
            text.push_str(r#"{"jsonrpc":"2.0","id":"#);
            // An integer id (the usual kind) is written in place; a string one needs JSON escaping.
            match id {
                RequestId::Number(n) => {
                    use std::fmt::Write as _;
                    let _ = write!(text, "{n}");
                }
                RequestId::String(_) => text.push_str(&json::print(id)),
            }
            text.push_str(r#","result":"#);
            text.push_str(&result);
            text.push('}');
            text
        }
        (Err(error), id) => json::print(&ErrorResponse::new(id.cloned(), error)),
        // Only a request has a result, and a request has an id.
        (Ok(_), None) => json::print(&ErrorResponse::new(None, internal("a result for a message without an id"))),
    }
}

/// The members of a request or notification, read straight from the text: no `Value` is built for the
/// envelope, only for `params`. `Some(None)` is a member present as `null`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    jsonrpc: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Option<RequestId>>,
    #[serde(borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    params: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Option<serde::de::IgnoredAny>>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Option<serde::de::IgnoredAny>>,
}

/// A member that is present, as `Some`, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The common case read without a `Value` for the envelope: a well-formed request or notification. `None`
/// for anything else (a response, a batch, a malformed message, repeated or unknown members), which
/// [`parse`] then classifies from the parsed value, with the error it deserves.
fn parse_plain(text: &str) -> Option<Parsed> {
    // Only an object: serde would also fill the struct from an array, by position.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    // Unknown members are refused rather than skipped: skipping does not check their text as strictly
    // as parsing it into a value does (a lone surrogate escape, a number out of range).
    let envelope: Envelope<'_> = serde_json::from_str(text).ok()?;
    if envelope.jsonrpc.as_deref() != Some("2.0") || envelope.result.is_some() || envelope.error.is_some() {
        return None;
    }
    let method = envelope.method?.into_owned();
    let params = match envelope.params {
        None => None,
        Some(Some(params @ Value::Object(_))) => Some(params),
        Some(_) => return None,
    };
    match envelope.id {
        None => Some(Parsed::Notification(method, params)),
        Some(Some(id)) => Some(Parsed::Request(Incoming { id, method, params })),
        Some(None) => None,
    }
}

/// Classifies one JSON value as a JSON-RPC message.
fn parse(value: Value) -> Parsed {
    let Value::Object(mut object) = value else {
        return Parsed::Invalid(
            None,
            ErrorObject::new(ErrorObject::INVALID_REQUEST, "a JSON-RPC message must be an object"),
        );
    };
    // A notification (a method and no `id` member) is never answered, not even with an error.
    let notification = !object.contains_key("id") && object.get("method").is_some_and(Value::is_string);
    let id = match object.remove("id") {
        None => Ok(None),
        Some(raw) => RequestId::deserialize(&raw).map(Some).map_err(|_| raw),
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        if notification {
            return Parsed::Ignored("a notification without `\"jsonrpc\": \"2.0\"`".to_owned());
        }
        let error = ErrorObject::new(ErrorObject::INVALID_REQUEST, "`jsonrpc` must be \"2.0\"");
        return Parsed::Invalid(id.ok().flatten(), error);
    }
    match object.remove("method") {
        Some(Value::String(method)) => {
            let params = object.remove("params");
            if let Some(params) = &params
                && !params.is_object()
            {
                // By-position params (an array) are valid JSON-RPC that no MCP method accepts: invalid params.
                // Anything else is not a JSON-RPC request at all.
                if notification {
                    return Parsed::Ignored(format!("notification `{method}` whose `params` is not an object"));
                }
                let error = match params {
                    Value::Array(_) => ErrorObject::new(ErrorObject::INVALID_PARAMS, "`params` must be an object"),
                    _ => ErrorObject::new(ErrorObject::INVALID_REQUEST, "`params` must be an object"),
                };
                return Parsed::Invalid(id.ok().flatten(), error);
            }
            match id {
                Ok(Some(id)) => Parsed::Request(Incoming { id, method, params }),
                Ok(None) => Parsed::Notification(method, params),
                Err(raw) => Parsed::Invalid(
                    None,
                    ErrorObject::new(
                        ErrorObject::INVALID_REQUEST,
                        format!("`id` must be a string or an integer, not {raw}"),
                    ),
                ),
            }
        }
        Some(_) => Parsed::Invalid(
            id.ok().flatten(),
            ErrorObject::new(ErrorObject::INVALID_REQUEST, "`method` must be a string"),
        ),
        None => {
            let result = object.remove("result");
            let error = object.remove("error");
            let id = match id {
                Ok(Some(id)) => id,
                Ok(None) | Err(_) => {
                    // A response without a readable id cannot be correlated: an error about our own frame.
                    return match error {
                        Some(error) => Parsed::Ignored(format!("error response without an id: {error}")),
                        None => Parsed::Invalid(
                            None,
                            ErrorObject::new(ErrorObject::INVALID_REQUEST, "message has neither `method` nor `id`"),
                        ),
                    };
                }
            };
            match (result, error) {
                (Some(result), None) => Parsed::Response(id, Ok(result)),
                (None, Some(error)) => match serde_json::from_value::<ErrorObject>(error) {
                    Ok(error) => Parsed::Response(id, Err(error)),
                    Err(e) => Parsed::Ignored(format!("response {id} has a malformed `error`: {e}")),
                },
                _ => Parsed::Ignored(format!("response {id} must have exactly one of `result` and `error`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tells the peer something and asks it something, then answers with what happened; `stall` never
    /// answers.
    struct Asks;

    impl Service for Asks {
        fn request(self: Arc<Self>, request: Incoming, _: CancellationToken, peer: Peer) -> BoxFuture<Outcome> {
            Box::pin(async move {
                if request.method == "stall" {
                    std::future::pending::<()>().await;
                }
                let told = peer.notify("notifications/message", Some(json!({}))).await.is_ok();
                let asked = peer.request("ping", None, None).await;
                Ok(json!({"told": told, "asked": format!("{asked:?}")}).into())
            })
        }
        fn notification(self: Arc<Self>, _: &str, _: Option<Value>, _: &Peer) {}
        fn batches(&self) -> Result<(), String> {
            Err("no batches".into())
        }
    }

    /// What a classification says, for comparing two of them.
    fn summary(parsed: Parsed) -> String {
        match parsed {
            Parsed::Request(r) => format!("request {} {} {:?}", r.id, r.method, r.params),
            Parsed::Notification(m, p) => format!("notification {m} {p:?}"),
            Parsed::Response(id, outcome) => format!("response {id} {outcome:?}"),
            Parsed::Invalid(id, e) => format!("invalid {id:?} {}", e.code),
            Parsed::Ignored(_) => "ignored".into(),
        }
    }

    #[test]
    fn the_plain_reading_agrees_with_the_value_reading_or_steps_aside() {
        let cases = [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}"#,
            r#"{"method":"ping","id":"x\"y","jsonrpc":"2.0"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"n","params":{}}"#,
            // Everything below is left to the value reading.
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#,
            r#"{"jsonrpc":"2.0","method":"n","params":"p"}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            r#"{"id":1,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","error":null}"#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            r#"  ["2.0",1,"tools/call",{"name":"add"}]"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":[1,2]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","x":"\ud800"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","x":1e999}"#,
        ];
        let mut plain = 0;
        for text in cases {
            let Ok(value) = json::parse(text.as_bytes()) else {
                assert!(parse_plain(text).is_none(), "{text} is not JSON the value reading accepts");
                continue;
            };
            let by_value = summary(parse(value));
            if let Some(parsed) = parse_plain(text) {
                plain += 1;
                assert_eq!(summary(parsed), by_value, "{text}");
            }
        }
        assert_eq!(plain, 4, "the four well-formed messages are read plainly, the rest are not");
    }

    async fn alone(method: &str, ending: CancellationToken) -> Value {
        let message = json!({"jsonrpc": "2.0", "id": 7, "method": method}).to_string();
        let message = plain_request(&message).expect("a request");
        let options = ConnectionOptions { drain: Duration::from_millis(10), ..ConnectionOptions::default() };
        let frame = answer_alone(Arc::new(Asks), message, &Alone::new(&options), ending).await;
        serde_json::from_str(&frame).expect("a JSON response")
    }

    #[tokio::test]
    async fn a_request_answered_alone_reaches_no_peer_and_does_not_wait_for_one() {
        // The notification is dropped as sent; the request fails at once rather than at its 60 s timeout.
        let answer = tokio::time::timeout(Duration::from_secs(5), alone("x", CancellationToken::new())).await;
        let answer = answer.expect("answered without waiting for a peer");
        assert_eq!(answer, json!({"jsonrpc": "2.0", "id": 7, "result": {"told": true, "asked": "Err(Closed)"}}));
    }

    #[tokio::test]
    async fn a_request_answered_alone_gets_the_drain_when_the_server_ends() {
        let ending = CancellationToken::new();
        ending.cancel();
        let answer = alone("stall", ending).await;
        assert_eq!(answer["id"], 7);
        assert_eq!(answer["error"]["code"], ErrorObject::INTERNAL_ERROR);
    }

    #[test]
    fn a_result_printed_as_text_makes_the_same_frame_as_the_value() {
        let result = json!({"content": [{"text": "a \"quoted\" é", "type": "text"}], "isError": false});
        for id in [RequestId::Number(-3), RequestId::String("x\"y\n".into())] {
            let from_value = response_text(Some(&id), Ok(Reply::Value(result.clone())));
            let from_text = response_text(Some(&id), Ok(Reply::Text(json::print(&result))));
            assert_eq!(from_text, from_value);
            let frame: Value = serde_json::from_str(&from_text).expect("JSON");
            assert_eq!(frame, json!({"jsonrpc": "2.0", "id": id, "result": result}));
        }
        // Text read back as a value (for a session that edits a result) is the value.
        assert_eq!(Reply::Text(json::print(&result)).into_value(), result);
    }
}
