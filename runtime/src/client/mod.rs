//! The MCP client: connect over any transport, in either era, call every client → server method with typed
//! results, and answer the server's requests for input (sampling, roots, elicitation).
//!
//! With no revision pinned, [`ClientBuilder::connect`] probes: it sends `server/discover` as MCP
//! 2026-07-28 does. A server that answers it is spoken to statelessly: every request carries the
//! revision, the capabilities and the client info in `_meta`, and `input_required` results are answered
//! by the builder's handlers and retried. Any other answer, or none within the probe timeout, falls back
//! to the legacy `initialize` handshake. Pinning a revision with [`ClientBuilder::protocol_version`]
//! skips the probe.
//!
//! The handlers for the server's requests (sampling, roots, elicitation) run up to their first `.await`
//! that waits on the connection's own task, as server handlers do; only then do they go on in a task of
//! their own. A handler that blocks before it first waits (a synchronous prompt to the user, say) holds up
//! the whole connection meanwhile: run such work with `tokio::task::spawn_blocking` and await it.

mod listen;
mod modern;

use crate::engine::{self, BoxFuture, ConnectionOptions, Incoming, Outcome, Peer, RequestOptions, Service};
use crate::error::{Error, internal};
use crate::revision::{ProtocolVersion, Wire, at_rev, hub, removed, validate};
use crate::transport::Transport;
pub use listen::Subscription;
use mcpgen_types::rpc::{ErrorObject, JsonObject, RequestId};
use modern::Stateless;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

type SamplingFn = Arc<
    dyn Fn(hub::CreateMessageRequestParams) -> BoxFuture<Result<hub::CreateMessageResult, ErrorObject>> + Send + Sync,
>;
type RootsFn = Arc<dyn Fn() -> BoxFuture<Result<hub::ListRootsResult, ErrorObject>> + Send + Sync>;
type ElicitFn =
    Arc<dyn Fn(hub::ElicitRequestParams) -> BoxFuture<Result<hub::ElicitResult, ErrorObject>> + Send + Sync>;
type NotifyFn = Arc<dyn Fn(ServerNotification) + Send + Sync>;

/// A notification from the server, in the handler revision's types.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ServerNotification {
    /// `notifications/progress` for a request of this client.
    Progress(hub::ProgressNotificationParams),
    /// `notifications/message`: a log message.
    Log(hub::LoggingMessageNotificationParams),
    /// `notifications/resources/updated` for a subscribed resource.
    ResourceUpdated(hub::ResourceUpdatedNotificationParams),
    /// `notifications/tools/list_changed`.
    ToolsChanged,
    /// `notifications/prompts/list_changed`.
    PromptsChanged,
    /// `notifications/resources/list_changed`.
    ResourcesChanged,
    /// `notifications/cancelled`: the server gave up on a request it sent.
    Cancelled {
        /// The cancelled request.
        request_id: Option<RequestId>,
        /// Why, if given.
        reason: Option<String>,
    },
    /// Any other notification, or one whose params did not decode (with the decoding error), as received.
    Other {
        /// The method.
        method: String,
        /// The params as received.
        params: Option<Value>,
        /// Why it was not decoded into a variant above, if it should have been.
        error: Option<String>,
    },
}

/// What a prompt or a resource template argument is completed for (`completion/complete`'s `ref`).
#[derive(Clone, Debug)]
pub enum CompletionRef {
    /// A prompt, by name.
    Prompt(String),
    /// A resource template, by its URI template.
    Resource(String),
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    info: hub::Implementation,
    capabilities: Option<hub::ClientCapabilities>,
    version: Option<ProtocolVersion>,
    probe_timeout: Duration,
    options: ConnectionOptions,
    handlers: Handlers,
}

#[derive(Clone, Default)]
struct Handlers {
    sampling: Option<SamplingFn>,
    roots: Option<RootsFn>,
    elicitation: Option<ElicitFn>,
    notification: Option<NotifyFn>,
}

/// A connected client: initialized (legacy revisions) or ready to send self-describing requests
/// (2026-07-28).
pub struct Client {
    peer: Peer,
    version: ProtocolVersion,
    server: InitializeInfo,
    /// 2026-07-28: what every request carries, and the `server/discover` result.
    modern: Option<(Arc<Stateless>, hub::DiscoverResult)>,
    session: Arc<ClientSession>,
    task: Mutex<Option<tokio::task::JoinHandle<Result<(), Error>>>>,
}

/// What the server said about itself: in its `initialize` result (legacy revisions, upgraded to the handler
/// revision), or in its `server/discover` result (2026-07-28).
#[derive(Clone, Debug)]
pub struct InitializeInfo {
    /// `serverInfo` (2026-07-28: the result's `_meta["io.modelcontextprotocol/serverInfo"]`, or a
    /// `serverInfo` member; empty when the server named itself in neither).
    pub info: hub::Implementation,
    /// The server's capabilities.
    pub capabilities: hub::ServerCapabilities,
    /// The server's instructions, if any.
    pub instructions: Option<String>,
}

/// How long the probe waits for the `server/discover` answer before taking the server for a legacy one.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
    /// Starts a client definition with its name and version (`clientInfo`).
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            info: hub::Implementation { name: name.into(), version: version.into(), ..Default::default() },
            capabilities: None,
            version: None,
            probe_timeout: PROBE_TIMEOUT,
            options: ConnectionOptions::default(),
            handlers: Handlers::default(),
        }
    }
}

impl ClientBuilder {
    /// Pins the revision instead of probing for it. A legacy revision is proposed in `initialize` (the
    /// server may counter-offer an older one this build speaks); [`ProtocolVersion::V2026_07_28`] speaks
    /// the stateless revision only, starting with `server/discover`, and fails to connect to a server that
    /// does not answer it.
    ///
    /// Without a pinned revision, `connect` probes (see [`ClientBuilder::connect`]).
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// How long the probe waits for the answer to `server/discover` before it takes the server for a
    /// legacy one and falls back to `initialize` (default 5 s). Only used when no revision is pinned.
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// Declares exactly these capabilities instead of deriving them from the handlers set.
    pub fn capabilities(mut self, capabilities: hub::ClientCapabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Sets connection options (request timeouts, shutdown drain).
    pub fn connection_options(mut self, options: ConnectionOptions) -> Self {
        self.options = options;
        self
    }

    /// Answers `sampling/createMessage` (and declares `sampling`): a server request in the legacy
    /// revisions, an input request of an `input_required` result in 2026-07-28. There, an error from the
    /// handler ends the call with [`Error::Rpc`] holding that error (the revision has no way to tell the
    /// server).
    pub fn on_sampling<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(hub::CreateMessageRequestParams) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::CreateMessageResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.sampling = Some(Arc::new(move |params| Box::pin(handler(params))));
        self
    }

    /// Answers `roots/list` (and declares `roots`, with `listChanged` in the legacy revisions), as
    /// [`ClientBuilder::on_sampling`] answers sampling.
    pub fn on_roots<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::ListRootsResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.roots = Some(Arc::new(move || Box::pin(handler())));
        self
    }

    /// Answers `elicitation/create` (and declares `elicitation`; 2025-06-18 and later), as
    /// [`ClientBuilder::on_sampling`] answers sampling.
    pub fn on_elicitation<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(hub::ElicitRequestParams) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::ElicitResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.elicitation = Some(Arc::new(move |params| Box::pin(handler(params))));
        self
    }

    /// Receives the server's notifications (called on the connection task: hand work off, do not block).
    pub fn on_notification(mut self, handler: impl Fn(ServerNotification) + Send + Sync + 'static) -> Self {
        self.handlers.notification = Some(Arc::new(handler));
        self
    }

    /// Connects over `transport`.
    ///
    /// - A pinned legacy revision: the handshake, `initialize` with that revision, accepting the server's
    ///   counter-offer when this build speaks it, then `notifications/initialized`. A counter-offer this
    ///   build cannot speak closes the connection with [`Error::UnsupportedVersion`].
    /// - Pinned 2026-07-28: `server/discover` (retried once with a version from `-32022`'s
    ///   `data.supported`); its result fills [`Client::server`] and [`Client::discovered`].
    /// - Nothing pinned: the probe. `server/discover` as above; a `DiscoverResult` naming a stateless
    ///   revision this build speaks, or a 2026-07-28 error (`-32020`, `-32021`, `-32022` naming no version
    ///   this build speaks) settles on 2026-07-28. Any other error (e.g. `-32601`, an HTTP 4xx without a
    ///   2026-07-28 error), a result that is not a `DiscoverResult`, or no answer within the probe timeout
    ///   falls back to the handshake with the newest legacy revision (over HTTP, a rejected `initialize`
    ///   POST then falls back to HTTP+SSE).
    pub async fn connect<T: Transport>(self, transport: T) -> Result<Client, Error> {
        let capabilities = self.capabilities.clone().unwrap_or_else(|| self.derived_capabilities());
        let proposed = self.version.filter(|v| !v.is_modern()).unwrap_or_else(ProtocolVersion::newest);
        let session = Arc::new(ClientSession {
            handlers: self.handlers.clone(),
            declared: capabilities.clone(),
            version: OnceLock::new(),
            proposed,
            listens: Mutex::default(),
            opening: tokio::sync::Mutex::default(),
        });
        let (peer, task) = engine::spawn(transport, session.clone(), self.options.clone());
        // Dropping this future mid-handshake must not leave the connection (or a child process) running.
        let guard = CloseOnDrop(Some(peer.clone()));
        let outcome = self.establish(&peer, &session, capabilities).await;
        let mut guard = guard;
        guard.0 = None;
        match outcome {
            Ok((version, server, modern)) => {
                Ok(Client { peer, version, server, modern, session, task: Mutex::new(Some(task)) })
            }
            Err(e) => {
                peer.close().await;
                let _ = task.await;
                Err(e)
            }
        }
    }

    /// Settles the revision: the probe, or what was pinned.
    async fn establish(
        &self,
        peer: &Peer,
        session: &Arc<ClientSession>,
        capabilities: hub::ClientCapabilities,
    ) -> Result<(ProtocolVersion, InitializeInfo, Option<(Arc<Stateless>, hub::DiscoverResult)>), Error> {
        let preferred = ProtocolVersion::MODERN[0];
        let legacy = match self.version {
            Some(version) if !version.is_modern() => version,
            pinned => {
                // 2026-07-28 declares roots without `listChanged`, which it no longer has.
                let mut modern_capabilities = capabilities.clone();
                if self.capabilities.is_none()
                    && let Some(roots) = &mut modern_capabilities.roots
                {
                    roots.remove("listChanged");
                }
                let modern = Stateless::new(
                    peer.clone(),
                    pinned.unwrap_or(preferred),
                    &self.info,
                    &modern_capabilities,
                    Arc::clone(session),
                )?;
                let timeout = pinned.is_none().then_some(self.probe_timeout);
                match modern.discover(timeout).await {
                    Ok((version, result, server)) => {
                        let _ = session.version.set(version);
                        let modern = Arc::new(modern.at(version));
                        return Ok((version, server, Some((modern, result))));
                    }
                    Err(e) if pinned.is_some() => return Err(e),
                    Err(e) => match modern::legacy_signal(&e) {
                        Some(why) => {
                            tracing::debug!("server/discover: {why}; falling back to the initialize handshake");
                            ProtocolVersion::newest()
                        }
                        None => return Err(e),
                    },
                }
            }
        };
        let (version, server) = self.handshake(peer, session, legacy, capabilities).await?;
        Ok((version, server, None))
    }

    /// The legacy handshake: `initialize` proposing `proposed`, then `notifications/initialized`.
    async fn handshake(
        &self,
        peer: &Peer,
        session: &ClientSession,
        proposed: ProtocolVersion,
        capabilities: hub::ClientCapabilities,
    ) -> Result<(ProtocolVersion, InitializeInfo), Error> {
        let params = json!({
            "protocolVersion": proposed.as_str(),
            "capabilities": capabilities.to_rev(proposed)?,
            "clientInfo": self.info.clone().to_rev(proposed)?,
        });
        let result = peer.request("initialize", Some(params), None).await?;
        let offered = result.get("protocolVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
        let Some(version) = ProtocolVersion::parse(&offered) else {
            return Err(Error::UnsupportedVersion {
                offered,
                supported: ProtocolVersion::ENABLED.iter().map(|v| v.as_str()).collect(),
            });
        };
        at_rev!(version, m => validate::<m::InitializeResult>(&result).map(drop); modern => Err(removed("initialize")))?;
        let server = InitializeInfo {
            info: hub::Implementation::from_rev(&result["serverInfo"], version)?,
            capabilities: hub::ServerCapabilities::from_rev(&result["capabilities"], version)?,
            instructions: result.get("instructions").and_then(Value::as_str).map(str::to_owned),
        };
        let _ = session.version.set(version);
        peer.notify("notifications/initialized", None).await?;
        Ok((version, server))
    }

    fn derived_capabilities(&self) -> hub::ClientCapabilities {
        hub::ClientCapabilities {
            sampling: self.handlers.sampling.as_ref().map(|_| hub::ClientCapabilitiesSampling::default()),
            roots: self
                .handlers
                .roots
                .as_ref()
                .map(|_| JsonObject::from_iter([("listChanged".to_owned(), Value::Bool(true))])),
            elicitation: self.handlers.elicitation.as_ref().map(|_| hub::ClientCapabilitiesElicitation::default()),
            ..Default::default()
        }
    }
}

impl Client {
    /// The revision in use: the one negotiated in `initialize`, or 2026-07-28.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.version
    }

    /// What the server said about itself, in `initialize` or `server/discover`.
    pub fn server(&self) -> &InitializeInfo {
        &self.server
    }

    /// 2026-07-28: the `server/discover` result `connect` received (`None` on a legacy connection).
    pub fn discovered(&self) -> Option<&hub::DiscoverResult> {
        self.modern.as_ref().map(|(_, result)| result)
    }

    /// The handle to the connection (e.g. to watch for its end).
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// `ping`. 2026-07-28 has no `ping`: there this sends `server/discover`, which every server answers.
    pub async fn ping(&self) -> Result<(), Error> {
        let method = if self.modern.is_some() { "server/discover" } else { "ping" };
        self.send(method, None, None, None).await.map(drop)
    }

    /// One page of `tools/list`. Over HTTP in 2026-07-28, tools whose `inputSchema` declares an invalid
    /// `x-mcp-header` are left out (see [`crate::http::HttpTransport`]).
    pub async fn list_tools(&self, cursor: Option<&str>) -> Result<hub::ListToolsResult, Error> {
        self.call("tools/list", cursor_params(cursor)).await
    }

    /// Every tool, following `nextCursor`.
    pub async fn list_all_tools(&self) -> Result<Vec<hub::Tool>, Error> {
        self.all(|c| async move { self.list_tools(c.as_deref()).await.map(|r| (r.tools, r.next_cursor)) }).await
    }

    /// `tools/call` with `arguments` (a JSON object, or `null` for none).
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<hub::CallToolResult, Error> {
        self.call("tools/call", Some(tool_params(name, arguments))).await
    }

    /// `tools/call`, passing each progress notification the server sends for it to `progress`.
    pub async fn call_tool_with_progress(
        &self,
        name: &str,
        arguments: Value,
        progress: mpsc::UnboundedSender<hub::ProgressNotificationParams>,
    ) -> Result<hub::CallToolResult, Error> {
        self.call_tool_with(name, arguments, self.peer.defaults(), Some(progress)).await
    }

    /// `tools/call` with its own timeouts (e.g. a long-running tool), and progress as in
    /// [`Client::call_tool_with_progress`] when `progress` is given (which is what lets
    /// `RequestOptions::reset_on_progress` extend the timeout). In 2026-07-28 the timeouts apply to each
    /// round of an `input_required` exchange.
    pub async fn call_tool_with(
        &self,
        name: &str,
        arguments: Value,
        options: &RequestOptions,
        progress: Option<mpsc::UnboundedSender<hub::ProgressNotificationParams>>,
    ) -> Result<hub::CallToolResult, Error> {
        self.declared("tools/call")?;
        let params = Some(tool_params(name, arguments));
        let Some(progress) = progress else {
            let result = self.send("tools/call", params, None, Some(options)).await?;
            return Ok(hub::CallToolResult::from_rev(&result, self.version)?);
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        let version = self.version;
        let forward = tokio::spawn(async move {
            while let Some(update) = rx.recv().await {
                match hub::ProgressNotificationParams::from_rev(&update, version) {
                    Ok(update) => {
                        let _ = progress.send(update);
                    }
                    Err(e) => tracing::warn!("dropped a malformed progress notification: {}", e.message),
                }
            }
        });
        let result = self.send("tools/call", params, Some(tx), Some(options)).await;
        let _ = forward.await;
        Ok(hub::CallToolResult::from_rev(&result?, self.version)?)
    }

    /// One page of `resources/list`.
    pub async fn list_resources(&self, cursor: Option<&str>) -> Result<hub::ListResourcesResult, Error> {
        self.call("resources/list", cursor_params(cursor)).await
    }

    /// Every resource, following `nextCursor`.
    pub async fn list_all_resources(&self) -> Result<Vec<hub::Resource>, Error> {
        self.all(|c| async move { self.list_resources(c.as_deref()).await.map(|r| (r.resources, r.next_cursor)) }).await
    }

    /// One page of `resources/templates/list`.
    pub async fn list_resource_templates(
        &self,
        cursor: Option<&str>,
    ) -> Result<hub::ListResourceTemplatesResult, Error> {
        self.call("resources/templates/list", cursor_params(cursor)).await
    }

    /// Every resource template, following `nextCursor`.
    pub async fn list_all_resource_templates(&self) -> Result<Vec<hub::ResourceTemplate>, Error> {
        self.all(|c| async move {
            self.list_resource_templates(c.as_deref()).await.map(|r| (r.resource_templates, r.next_cursor))
        })
        .await
    }

    /// `resources/read`.
    pub async fn read_resource(&self, uri: &str) -> Result<hub::ReadResourceResult, Error> {
        self.call("resources/read", Some(json!({"uri": uri}))).await
    }

    /// `resources/subscribe` (legacy revisions; 2026-07-28 servers answer `-32601`).
    pub async fn subscribe(&self, uri: &str) -> Result<(), Error> {
        self.declared("resources/subscribe")?;
        self.send("resources/subscribe", Some(json!({"uri": uri})), None, None).await.map(drop)
    }

    /// `resources/unsubscribe` (legacy revisions; 2026-07-28 servers answer `-32601`).
    pub async fn unsubscribe(&self, uri: &str) -> Result<(), Error> {
        self.declared("resources/unsubscribe")?;
        self.send("resources/unsubscribe", Some(json!({"uri": uri})), None, None).await.map(drop)
    }

    /// One page of `prompts/list`.
    pub async fn list_prompts(&self, cursor: Option<&str>) -> Result<hub::ListPromptsResult, Error> {
        self.call("prompts/list", cursor_params(cursor)).await
    }

    /// Every prompt, following `nextCursor`.
    pub async fn list_all_prompts(&self) -> Result<Vec<hub::Prompt>, Error> {
        self.all(|c| async move { self.list_prompts(c.as_deref()).await.map(|r| (r.prompts, r.next_cursor)) }).await
    }

    /// `prompts/get`.
    pub async fn get_prompt(
        &self,
        name: &str,
        arguments: BTreeMap<String, String>,
    ) -> Result<hub::GetPromptResult, Error> {
        self.call("prompts/get", Some(json!({"name": name, "arguments": arguments}))).await
    }

    /// `completion/complete` for the argument `argument` currently typed as `value`; `context` holds
    /// arguments already resolved (sent from 2025-06-18 on).
    pub async fn complete(
        &self,
        reference: CompletionRef,
        argument: &str,
        value: &str,
        context: Option<BTreeMap<String, String>>,
    ) -> Result<hub::CompleteResult, Error> {
        let reference = match reference {
            CompletionRef::Prompt(name) => json!({"type": "ref/prompt", "name": name}),
            CompletionRef::Resource(uri) => json!({"type": "ref/resource", "uri": uri}),
        };
        let mut params = json!({"ref": reference, "argument": {"name": argument, "value": value}});
        if let Some(arguments) = context.filter(|_| self.version.as_str() >= "2025-06-18") {
            params["context"] = json!({"arguments": arguments});
        }
        self.call("completion/complete", Some(params)).await
    }

    /// `logging/setLevel`. 2026-07-28 has no such request: there the level is kept and sent in the `_meta`
    /// of every later request (`io.modelcontextprotocol/logLevel`), which is how a client asks for logs.
    pub async fn set_level(&self, level: hub::LoggingLevel) -> Result<(), Error> {
        self.declared("logging/setLevel")?;
        if let Some((modern, _)) = &self.modern {
            modern.set_log_level(level);
            return Ok(());
        }
        self.peer.request("logging/setLevel", Some(json!({"level": level})), None).await.map(drop)
    }

    /// Sends `notifications/roots/list_changed` (legacy revisions; 2026-07-28 has no such notification,
    /// the server asks for the roots when it needs them, so this does nothing there).
    pub async fn roots_changed(&self) -> Result<(), Error> {
        if self.modern.is_some() {
            return Ok(());
        }
        self.peer.notify("notifications/roots/list_changed", None).await
    }

    /// 2026-07-28: opens a listen stream (`subscriptions/listen`) for the changes `filter` asks about, and
    /// returns once the server acknowledged it (within the connection's request timeout). The stream lasts
    /// until the [`Subscription`] is dropped or the server ends it. Streams are opened one at a time.
    pub async fn listen(&self, filter: hub::SubscriptionFilter) -> Result<Subscription, Error> {
        let Some((modern, _)) = &self.modern else {
            return Err(Error::Protocol(format!(
                "subscriptions/listen is part of MCP 2026-07-28; this connection speaks {}",
                self.version
            )));
        };
        let timeout = self.peer.defaults().timeout;
        listen::open(Arc::clone(modern), Arc::clone(&self.session), filter, timeout).await
    }

    /// Sends any request as JSON in the revision's shape and returns the raw result. In 2026-07-28 the
    /// request gets the `_meta` every request carries (keys already in `params._meta` are kept, but for the
    /// revision), and `input_required` results are followed to the final result.
    pub async fn request_raw(&self, method: &str, params: Option<Value>) -> Result<Value, Error> {
        self.send(method, params, None, None).await
    }

    /// Closes the connection: waits for in-flight server requests, closes the transport (a child process
    /// is shut down as the spec prescribes) and waits for the connection task.
    pub async fn close(&self) -> Result<(), Error> {
        self.peer.close().await;
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        match task {
            Some(task) => {
                task.await.unwrap_or_else(|e| Err(Error::Protocol(format!("the connection task failed: {e}"))))
            }
            None => Ok(()),
        }
    }

    /// Sends a request in the connection's era and returns its (final) result.
    async fn send(
        &self,
        method: &str,
        params: Option<Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        options: Option<&RequestOptions>,
    ) -> Result<Value, Error> {
        let options = options.unwrap_or(self.peer.defaults());
        match &self.modern {
            Some((modern, _)) => modern.request(method, params, progress, options).await,
            None => self.peer.request_with(method, params, progress, options).await,
        }
    }

    async fn call<T: Wire>(&self, method: &str, params: Option<Value>) -> Result<T, Error> {
        self.declared(method)?;
        let result = self.send(method, params, None, None).await?;
        Ok(T::from_rev(&result, self.version)?)
    }

    /// Refuses a method whose server capability was not declared in `initialize` (or `server/discover`),
    /// without sending it (`request_raw` sends anything).
    fn declared(&self, method: &str) -> Result<(), Error> {
        let caps = &self.server.capabilities;
        let (declared, capability) = match method {
            "tools/list" | "tools/call" => (caps.tools.is_some(), "tools"),
            "resources/list" | "resources/read" | "resources/templates/list" => (caps.resources.is_some(), "resources"),
            "resources/subscribe" | "resources/unsubscribe" => {
                (caps.resources.as_ref().and_then(|r| r.subscribe) == Some(true), "resources.subscribe")
            }
            "prompts/list" | "prompts/get" => (caps.prompts.is_some(), "prompts"),
            // 2024-11-05 had no `completions` flag: the method existed without one.
            "completion/complete" => {
                (caps.completions.is_some() || self.version.as_str() < "2025-03-26", "completions")
            }
            "logging/setLevel" => (caps.logging.is_some(), "logging"),
            _ => (true, ""),
        };
        if declared { Ok(()) } else { Err(Error::MissingCapability(capability)) }
    }

    /// Follows `nextCursor` until the end; stops with an error if the server repeats a cursor.
    async fn all<T, F, Fut>(&self, mut page: F) -> Result<Vec<T>, Error>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>>,
    {
        let mut items = Vec::new();
        let mut cursor = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let (batch, next) = page(cursor.take()).await?;
            items.extend(batch);
            match next {
                Some(next) if !seen.insert(next.clone()) => {
                    return Err(Error::Protocol(format!("the server repeated the cursor {next:?}")));
                }
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }
}

/// The error for a server request that needs a capability this client did not declare.
fn undeclared(what: &str, capability: &str) -> ErrorObject {
    ErrorObject::new(
        ErrorObject::INVALID_PARAMS,
        format!("{what} needs the `{capability}` capability, which this client did not declare"),
    )
}

fn cursor_params(cursor: Option<&str>) -> Option<Value> {
    cursor.map(|c| json!({"cursor": c}))
}

fn tool_params(name: &str, arguments: Value) -> Value {
    match arguments {
        Value::Null => json!({"name": name}),
        arguments => json!({"name": name, "arguments": arguments}),
    }
}

/// Closes the connection when dropped, unless disarmed.
struct CloseOnDrop(Option<Peer>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        if let Some(peer) = self.0.take() {
            peer.shutdown();
        }
    }
}

impl Drop for Client {
    /// A dropped client closes its connection (as [`Client::close`] does, without waiting for the end).
    fn drop(&mut self) {
        self.peer.shutdown();
    }
}

struct ClientSession {
    handlers: Handlers,
    /// The declared capabilities: what the server asks for is checked against them.
    declared: hub::ClientCapabilities,
    version: OnceLock<ProtocolVersion>,
    proposed: ProtocolVersion,
    /// 2026-07-28 listen streams.
    listens: Mutex<listen::Listens>,
    /// Held while a listen stream waits for its acknowledgement.
    opening: tokio::sync::Mutex<()>,
}

/// Why a request for input (a legacy server request, or a 2026-07-28 input request) was not answered.
enum Refusal {
    /// This client has no handler for it, or did not declare the capability it needs.
    Unhandled(&'static str),
    /// The request itself is wrong: params that do not decode, a capability it needs was not declared.
    Peer(ErrorObject),
    /// The application's handler failed.
    Handler(ErrorObject),
}

impl ClientSession {
    fn version(&self) -> ProtocolVersion {
        self.version.get().copied().unwrap_or(self.proposed)
    }

    async fn answer(self: Arc<Self>, request: Incoming) -> Outcome {
        let version = self.version();
        let refuse =
            || ErrorObject::new(ErrorObject::METHOD_NOT_FOUND, format!("method not found: {}", request.method));
        if version.is_modern() {
            tracing::warn!(method = request.method, "refused a server request: MCP 2026-07-28 servers send none");
            return Err(ErrorObject::new(
                ErrorObject::METHOD_NOT_FOUND,
                format!("method not found: {} (MCP 2026-07-28 servers send no requests)", request.method),
            ));
        }
        if request.method == "ping" {
            return Ok(json!({}).into());
        }
        let params = request.params.clone().unwrap_or_else(|| json!({}));
        let fulfilled = self.fulfil(&request.method, params, version).await;
        fulfilled.map(Into::into).map_err(|refusal| match refusal {
            Refusal::Unhandled(_) => refuse(),
            Refusal::Peer(e) | Refusal::Handler(e) => e,
        })
    }

    /// Answers a request for input with the application's handler, in `version`'s shapes.
    async fn fulfil(&self, method: &str, params: Value, version: ProtocolVersion) -> Result<Value, Refusal> {
        let encode = |e| Refusal::Handler(internal(e));
        match method {
            "sampling/createMessage" => {
                let handler = self
                    .handlers
                    .sampling
                    .clone()
                    .filter(|_| self.declared.sampling.is_some())
                    .ok_or(Refusal::Unhandled("sampling"))?;
                let params = hub::CreateMessageRequestParams::from_rev(&params, version).map_err(Refusal::Peer)?;
                let tools = params.tools.is_some() || params.tool_choice.is_some();
                if tools && self.declared.sampling.as_ref().and_then(|s| s.tools.as_ref()).is_none() {
                    return Err(Refusal::Peer(undeclared("sampling with tools", "sampling.tools")));
                }
                handler(params).await.map_err(Refusal::Handler)?.to_rev(version).map_err(encode)
            }
            "roots/list" => {
                let handler = self
                    .handlers
                    .roots
                    .clone()
                    .filter(|_| self.declared.roots.is_some())
                    .ok_or(Refusal::Unhandled("roots"))?;
                handler().await.map_err(Refusal::Handler)?.to_rev(version).map_err(encode)
            }
            "elicitation/create" if version.has_elicitation() => {
                let handler = self
                    .handlers
                    .elicitation
                    .clone()
                    .filter(|_| self.declared.elicitation.is_some())
                    .ok_or(Refusal::Unhandled("elicitation"))?;
                let params = hub::ElicitRequestParams::from_rev(&params, version).map_err(Refusal::Peer)?;
                let declared = self.declared.elicitation.clone().unwrap_or_default();
                match &params {
                    hub::ElicitRequestParams::Url(_) if declared.url.is_none() => {
                        return Err(Refusal::Peer(undeclared("URL-mode elicitation", "elicitation.url")));
                    }
                    hub::ElicitRequestParams::Form(_) if declared.form.is_none() && declared.url.is_some() => {
                        return Err(Refusal::Peer(undeclared("form-mode elicitation", "elicitation.form")));
                    }
                    _ => {}
                }
                handler(params).await.map_err(Refusal::Handler)?.to_rev(version).map_err(encode)
            }
            _ => Err(Refusal::Unhandled("")),
        }
    }
}

impl Service for ClientSession {
    fn request(self: Arc<Self>, request: Incoming, _cancel: CancellationToken, _peer: Peer) -> BoxFuture<Outcome> {
        Box::pin(self.answer(request))
    }

    fn notification(self: Arc<Self>, method: &str, params: Option<Value>, _peer: &Peer) {
        // 2026-07-28 listen streams tag their notifications with the stream's id.
        let subscription = params.as_ref().and_then(|p| p.pointer("/_meta/io.modelcontextprotocol~1subscriptionId"));
        let listener = subscription.and_then(|id| self.listener(method, &id.to_string(), params.as_ref()));
        let handler = self.handlers.notification.as_ref();
        if listener.is_none() && handler.is_none() {
            return;
        }
        let version = self.version();
        let empty = Value::Object(Default::default());
        let value = params.as_ref().unwrap_or(&empty);
        let decoded = match method {
            "notifications/progress" => hub::ProgressNotificationParams::from_rev(value, version)
                .map(ServerNotification::Progress)
                .map_err(Some),
            "notifications/message" => hub::LoggingMessageNotificationParams::from_rev(value, version)
                .map(ServerNotification::Log)
                .map_err(Some),
            "notifications/resources/updated" => hub::ResourceUpdatedNotificationParams::from_rev(value, version)
                .map(ServerNotification::ResourceUpdated)
                .map_err(Some),
            "notifications/tools/list_changed" => Ok(ServerNotification::ToolsChanged),
            "notifications/prompts/list_changed" => Ok(ServerNotification::PromptsChanged),
            "notifications/resources/list_changed" => Ok(ServerNotification::ResourcesChanged),
            "notifications/cancelled" => Ok(ServerNotification::Cancelled {
                request_id: value.get("requestId").and_then(|id| RequestId::deserialize(id).ok()),
                reason: value.get("reason").and_then(Value::as_str).map(str::to_owned),
            }),
            _ => Err(None),
        };
        let notification = decoded.unwrap_or_else(|error: Option<ErrorObject>| {
            if let Some(e) = &error {
                tracing::warn!(method, "a notification's params did not decode: {}", e.message);
            }
            ServerNotification::Other { method: method.to_owned(), params, error: error.map(|e| e.message) }
        });
        if let Some(listener) = listener {
            let _ = listener.send(notification.clone());
        }
        let Some(handler) = handler else { return };
        // A panicking callback must not take the connection down with it.
        let call = std::panic::AssertUnwindSafe(|| handler(notification));
        if std::panic::catch_unwind(call).is_err() {
            tracing::error!(method, "the notification handler panicked");
        }
    }

    fn batches(&self) -> Result<(), String> {
        ProtocolVersion::accepts_batches(self.version.get().copied())
    }
}
