//! The MCP client: connect over any transport, initialize with a chosen revision, call every client →
//! server method with typed results, and answer the server's requests (sampling, roots, elicitation).

use crate::engine::{self, BoxFuture, ConnectionOptions, Incoming, Outcome, Peer, RequestOptions, Service};
use crate::error::{Error, internal};
use crate::revision::{ProtocolVersion, Wire, at_rev, hub, removed, validate};
use crate::transport::Transport;
use mcpgen_types::rpc::{ErrorObject, JsonObject, RequestId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
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

/// A connected, initialized client.
pub struct Client {
    peer: Peer,
    version: ProtocolVersion,
    server: InitializeInfo,
    task: Mutex<Option<tokio::task::JoinHandle<Result<(), Error>>>>,
}

/// What the server said in its `initialize` result (upgraded to the handler revision).
#[derive(Clone, Debug)]
pub struct InitializeInfo {
    /// `serverInfo`.
    pub info: hub::Implementation,
    /// The server's capabilities.
    pub capabilities: hub::ServerCapabilities,
    /// The server's instructions, if any.
    pub instructions: Option<String>,
}

impl Client {
    /// Starts a client definition with its name and version (`clientInfo`).
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            info: hub::Implementation { name: name.into(), version: version.into(), ..Default::default() },
            capabilities: None,
            version: None,
            options: ConnectionOptions::default(),
            handlers: Handlers::default(),
        }
    }
}

impl ClientBuilder {
    /// Proposes this revision in `initialize` (default: the newest, 2025-11-25).
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.version = Some(version);
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

    /// Answers `sampling/createMessage` (and declares `sampling`).
    pub fn on_sampling<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(hub::CreateMessageRequestParams) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::CreateMessageResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.sampling = Some(Arc::new(move |params| Box::pin(handler(params))));
        self
    }

    /// Answers `roots/list` (and declares `roots` with `listChanged`).
    pub fn on_roots<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<hub::ListRootsResult, ErrorObject>> + Send + 'static,
    {
        self.handlers.roots = Some(Arc::new(move || Box::pin(handler())));
        self
    }

    /// Answers `elicitation/create` (and declares `elicitation`; 2025-06-18 and later).
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

    /// Connects over `transport` and performs the handshake: `initialize` with the chosen revision,
    /// accepting the server's counter-offer when this build speaks it, then `notifications/initialized`.
    /// A counter-offer this build cannot speak closes the connection with [`Error::UnsupportedVersion`].
    pub async fn connect<T: Transport>(self, transport: T) -> Result<Client, Error> {
        let proposed = self.version.unwrap_or_else(ProtocolVersion::newest);
        let capabilities = self.capabilities.clone().unwrap_or_else(|| self.derived_capabilities());
        let session = Arc::new(ClientSession {
            handlers: self.handlers.clone(),
            declared: capabilities.clone(),
            version: OnceLock::new(),
            proposed,
        });
        let (peer, task) = engine::spawn(transport, session.clone(), self.options.clone());
        // Dropping this future mid-handshake must not leave the connection (or a child process) running.
        let guard = CloseOnDrop(Some(peer.clone()));
        let handshake = async {
            let params = json!({
                "protocolVersion": proposed.as_str(),
                "capabilities": capabilities.clone().to_rev(proposed)?,
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
        };
        let outcome = handshake.await;
        let mut guard = guard;
        guard.0 = None;
        match outcome {
            Ok((version, server)) => Ok(Client { peer, version, server, task: Mutex::new(Some(task)) }),
            Err(e) => {
                peer.close().await;
                let _ = task.await;
                Err(e)
            }
        }
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
    /// The negotiated revision.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.version
    }

    /// What the server said in `initialize`.
    pub fn server(&self) -> &InitializeInfo {
        &self.server
    }

    /// The handle to the connection (e.g. to watch for its end).
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// `ping`.
    pub async fn ping(&self) -> Result<(), Error> {
        self.peer.request("ping", None, None).await.map(drop)
    }

    /// One page of `tools/list`.
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
    /// `RequestOptions::reset_on_progress` extend the timeout).
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
            let result = self.peer.request_with("tools/call", params, None, options).await?;
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
        let result = self.peer.request_with("tools/call", params, Some(tx), options).await;
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

    /// `resources/subscribe`.
    pub async fn subscribe(&self, uri: &str) -> Result<(), Error> {
        self.declared("resources/subscribe")?;
        self.peer.request("resources/subscribe", Some(json!({"uri": uri})), None).await.map(drop)
    }

    /// `resources/unsubscribe`.
    pub async fn unsubscribe(&self, uri: &str) -> Result<(), Error> {
        self.declared("resources/unsubscribe")?;
        self.peer.request("resources/unsubscribe", Some(json!({"uri": uri})), None).await.map(drop)
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

    /// `logging/setLevel`.
    pub async fn set_level(&self, level: hub::LoggingLevel) -> Result<(), Error> {
        self.declared("logging/setLevel")?;
        self.peer.request("logging/setLevel", Some(json!({"level": level})), None).await.map(drop)
    }

    /// Sends `notifications/roots/list_changed`.
    pub async fn roots_changed(&self) -> Result<(), Error> {
        self.peer.notify("notifications/roots/list_changed", None).await
    }

    /// Sends any request as JSON in the negotiated revision's shape and returns the raw result.
    pub async fn request_raw(&self, method: &str, params: Option<Value>) -> Result<Value, Error> {
        self.peer.request(method, params, None).await
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

    async fn call<T: Wire>(&self, method: &str, params: Option<Value>) -> Result<T, Error> {
        self.declared(method)?;
        let result = self.peer.request(method, params, None).await?;
        Ok(T::from_rev(&result, self.version)?)
    }

    /// Refuses a method whose server capability was not declared in `initialize`, without sending it
    /// (`request_raw` sends anything).
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
    /// The capabilities declared in `initialize`: server requests are checked against them.
    declared: hub::ClientCapabilities,
    version: OnceLock<ProtocolVersion>,
    proposed: ProtocolVersion,
}

impl ClientSession {
    fn version(&self) -> ProtocolVersion {
        self.version.get().copied().unwrap_or(self.proposed)
    }

    async fn answer(self: Arc<Self>, request: Incoming) -> Outcome {
        let version = self.version();
        let params = request.params.unwrap_or_else(|| json!({}));
        let refuse =
            || ErrorObject::new(ErrorObject::METHOD_NOT_FOUND, format!("method not found: {}", request.method));
        match request.method.as_str() {
            "ping" => Ok(json!({})),
            "sampling/createMessage" => {
                let handler =
                    self.handlers.sampling.clone().filter(|_| self.declared.sampling.is_some()).ok_or_else(refuse)?;
                let params = hub::CreateMessageRequestParams::from_rev(&params, version)?;
                let tools = params.tools.is_some() || params.tool_choice.is_some();
                if tools && self.declared.sampling.as_ref().and_then(|s| s.tools.as_ref()).is_none() {
                    return Err(undeclared("sampling with tools", "sampling.tools"));
                }
                handler(params).await?.to_rev(version).map_err(internal)
            }
            "roots/list" => {
                let handler =
                    self.handlers.roots.clone().filter(|_| self.declared.roots.is_some()).ok_or_else(refuse)?;
                handler().await?.to_rev(version).map_err(internal)
            }
            "elicitation/create" if version.has_elicitation() => {
                let handler = self
                    .handlers
                    .elicitation
                    .clone()
                    .filter(|_| self.declared.elicitation.is_some())
                    .ok_or_else(refuse)?;
                let params = hub::ElicitRequestParams::from_rev(&params, version)?;
                let declared = self.declared.elicitation.clone().unwrap_or_default();
                match &params {
                    hub::ElicitRequestParams::Url(_) if declared.url.is_none() => {
                        return Err(undeclared("URL-mode elicitation", "elicitation.url"));
                    }
                    hub::ElicitRequestParams::Form(_) if declared.form.is_none() && declared.url.is_some() => {
                        return Err(undeclared("form-mode elicitation", "elicitation.form"));
                    }
                    _ => {}
                }
                handler(params).await?.to_rev(version).map_err(internal)
            }
            _ => Err(refuse()),
        }
    }
}

impl Service for ClientSession {
    fn request(self: Arc<Self>, request: Incoming, _cancel: CancellationToken, _peer: Peer) -> BoxFuture<Outcome> {
        Box::pin(self.answer(request))
    }

    fn notification(self: Arc<Self>, method: &str, params: Option<Value>, _peer: &Peer) {
        let Some(handler) = &self.handlers.notification else { return };
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
