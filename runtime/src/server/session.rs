//! One server session: the legacy lifecycle (initialize, version negotiation, ordering), capability
//! checks, and the method table, converting between the negotiated revision and the handler revision.

use super::tool::{ToolFailure, error_result};
use super::{ClientHandle, Context, Inner};
use crate::engine::{BoxFuture, Incoming, Outcome, Peer, Service};
use crate::error::{Error, internal};
use crate::revision::{AsReply, ProtocolVersion, Wire, at_rev, hub, removed, validate};
use mcpgen_types::rpc::{Const, ErrorObject, RequestId};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use tokio_util::sync::CancellationToken;

/// One page of a list result, with the server's caching hint for it (2026-07-28 fields, which the downgrade
/// to a legacy revision leaves out).
macro_rules! list_page {
    ($ty:ident, $field:ident, $scope:ident, $items:expr, $params:expr, $size:expr, $hint:expr) => {{
        let ($field, next_cursor) = page($items, $params, $size)?;
        let hint: super::CacheHint = $hint;
        hub::$ty {
            $field,
            next_cursor,
            cache_scope: if hint.public { hub::$scope::Public } else { hub::$scope::Private },
            ttl_ms: hint.ttl_ms(),
            result_type: Const::new(),
            meta: None,
            extra: Default::default(),
        }
    }};
}

/// What `initialize` settled, fixed for the session's life and shared with every handler's context.
#[derive(Debug)]
pub(crate) struct Negotiated {
    pub(crate) version: ProtocolVersion,
    /// The client's capabilities and `clientInfo`, upgraded to the handler revision.
    pub(crate) client_capabilities: hub::ClientCapabilities,
    pub(crate) client_info: hub::Implementation,
    /// What this server declared: requests are checked against this, not the live registry.
    pub(crate) capabilities: hub::ServerCapabilities,
    /// 2026-07-28: the log level this request asked for (`None`: no log messages). Legacy sessions use the
    /// level set with `logging/setLevel` instead.
    pub(crate) log_level: Option<hub::LoggingLevel>,
}

#[derive(Default)]
struct State {
    negotiated: Option<Arc<Negotiated>>,
    initialized: bool,
    log_level: Option<hub::LoggingLevel>,
    subscriptions: BTreeSet<String>,
    /// Every request is a 2026-07-28 one (a stateless HTTP request of that revision).
    modern_only: bool,
    /// Shared by the requests of clients that keep no session: it keeps nothing a request asks it to
    /// (a log level, subscriptions), which would otherwise reach the other clients' requests.
    shared: bool,
}

/// How many resources one session may subscribe to.
const MAX_SUBSCRIPTIONS: usize = 4096;
/// The longest URI a session may subscribe to, in bytes.
const MAX_SUBSCRIBED_URI: usize = 8 * 1024;

pub(crate) struct Session {
    server: Arc<Inner>,
    state: Mutex<State>,
    /// Fires when the server stops serving this session's transport (HTTP shutdown): long-running requests
    /// such as listen streams end then. Never fires for a session that owns its transport (stdio).
    ending: CancellationToken,
}

impl Session {
    pub(crate) fn new(server: Arc<Inner>) -> Self {
        Session { server, state: Mutex::new(State::default()), ending: CancellationToken::new() }
    }

    /// A session that starts initialized at `version`, for the requests of a client that did not keep a
    /// session (stateless Streamable HTTP): its capabilities are unknown, so none are assumed.
    #[cfg(feature = "http-server")]
    pub(crate) fn initialized(server: Arc<Inner>, version: ProtocolVersion) -> Self {
        let negotiated = Negotiated {
            version,
            client_capabilities: hub::ClientCapabilities::default(),
            client_info: hub::Implementation::default(),
            capabilities: server.capabilities(),
            log_level: None,
        };
        let state = State { negotiated: Some(Arc::new(negotiated)), initialized: true, ..State::default() };
        Session { server, state: Mutex::new(state), ending: CancellationToken::new() }
    }

    /// [`Session::initialized`], shared by the requests of many clients that keep no session: it keeps
    /// nothing a request asks it to keep.
    #[cfg(feature = "http-server")]
    pub(crate) fn shared(server: Arc<Inner>, version: ProtocolVersion) -> Self {
        let session = Session::initialized(server, version);
        session.state().shared = true;
        session
    }

    /// A session whose every request is a 2026-07-28 one, validated on its own.
    #[cfg(feature = "http-server")]
    pub(crate) fn modern_only(server: Arc<Inner>, ending: CancellationToken) -> Self {
        Session { server, state: Mutex::new(State { modern_only: true, ..State::default() }), ending }
    }

    /// Serves one 2026-07-28 request: its `_meta` stands in for `initialize`.
    fn modern(self: Arc<Self>, request: Incoming, cancel: CancellationToken, peer: Peer) -> BoxFuture<Outcome> {
        let negotiated = match super::modern::negotiate(request.params.as_ref(), self.server.capabilities()) {
            Ok(negotiated) => Arc::new(negotiated),
            Err(error) => return Box::pin(async move { Err(error) }),
        };
        let info = self.server.info.clone();
        match request.method.as_str() {
            "server/discover" => {
                let discover_hint = self.server.cache_hint(super::Cacheable::Discover);
                let result = hub::DiscoverResult {
                    supported_versions: ProtocolVersion::MODERN.iter().map(|v| v.as_str().to_owned()).collect(),
                    capabilities: Box::new(negotiated.capabilities.clone()),
                    instructions: self.server.instructions.clone(),
                    cache_scope: if discover_hint.public {
                        hub::DiscoverResultCacheScope::Public
                    } else {
                        hub::DiscoverResultCacheScope::Private
                    },
                    ttl_ms: discover_hint.ttl_ms(),
                    result_type: Const::new(),
                    meta: None,
                    extra: Default::default(),
                };
                let outcome = serde_json::to_value(result).map_err(internal);
                return Box::pin(async move { outcome.map(|r| super::modern::with_server_info(r.into(), &info)) });
            }
            "subscriptions/listen" => {
                let listen = self.listen(&request, &negotiated, &peer, cancel);
                return Box::pin(
                    async move { listen?.await.map(|r| super::modern::with_server_info(r.into(), &info)) },
                );
            }
            method if !super::modern::serves(method, &negotiated.capabilities) => {
                let error = removed(method);
                return Box::pin(async move { Err(error) });
            }
            _ => {}
        }
        // tools/call, prompts/get and resources/read may ask the client for input (answered in rounds).
        let mut request = request;
        let round = if super::modern::may_ask(&request.method) {
            match super::mrtr::Round::open(&self.server.sealer, &request.method, request.params.as_ref()) {
                Ok(round) => Some(Arc::new(round)),
                Err(error) => return Box::pin(async move { Err(error) }),
            }
        } else {
            None
        };
        // The round holds the answers; each is checked when an ask takes it, and unknown ones are ignored.
        if round.is_some()
            && let Some(Value::Object(params)) = &mut request.params
        {
            params.remove("inputResponses");
            params.remove("requestState");
        }
        let cx = Context::new(
            request.id.clone(),
            request.params.as_ref(),
            cancel,
            peer,
            Arc::clone(&self),
            negotiated,
            round.clone(),
        );
        Box::pin(async move {
            let server = Arc::clone(&self.server);
            let outcome = match round {
                None => self.operate(request, cx).await,
                Some(round) => match round.drive(Box::pin(self.operate(request, cx))).await {
                    Some(outcome) => round.finish(outcome),
                    None => round.input_required(&server.sealer),
                },
            };
            outcome.map(|r| super::modern::with_server_info(r, &info))
        })
    }

    /// `subscriptions/listen`: acknowledges the part of the filter this server can honour, then forwards the
    /// changes the filter asks for, each tagged with the subscription id (the request id), until the client
    /// goes away (the request is cancelled) or the server stops serving (then it answers `complete`).
    fn listen(
        &self,
        request: &Incoming,
        negotiated: &Negotiated,
        peer: &Peer,
        cancel: CancellationToken,
    ) -> Result<impl std::future::Future<Output = Result<Value, ErrorObject>> + Send + 'static, ErrorObject> {
        let params = request.params.clone().unwrap_or(Value::Null);
        let asked = validate::<hub::SubscriptionsListenRequestParams>(&params)?.notifications;
        let caps = &negotiated.capabilities;
        let listed =
            |asked: Option<bool>, offered: Option<bool>| (asked == Some(true) && offered == Some(true)).then_some(true);
        let subscribable = caps.resources.as_ref().and_then(|r| r.subscribe) == Some(true);
        let honoured = hub::SubscriptionFilter {
            tools_list_changed: listed(asked.tools_list_changed, caps.tools.as_ref().and_then(|t| t.list_changed)),
            prompts_list_changed: listed(
                asked.prompts_list_changed,
                caps.prompts.as_ref().and_then(|p| p.list_changed),
            ),
            resources_list_changed: listed(
                asked.resources_list_changed,
                caps.resources.as_ref().and_then(|r| r.list_changed),
            ),
            resource_subscriptions: asked.resource_subscriptions.filter(|uris| subscribable && !uris.is_empty()),
            extra: Default::default(),
        };
        let nothing = honoured.tools_list_changed.is_none()
            && honoured.prompts_list_changed.is_none()
            && honoured.resources_list_changed.is_none()
            && honoured.resource_subscriptions.is_none();
        if honoured.resource_subscriptions.as_ref().is_some_and(|uris| uris.len() > MAX_SUBSCRIPTIONS) {
            return Err(ErrorObject::new(
                ErrorObject::INVALID_PARAMS,
                format!("at most {MAX_SUBSCRIPTIONS} resource subscriptions per listen stream"),
            ));
        }
        let id = serde_json::to_value(&request.id).map_err(internal)?;
        let meta = json!({ super::modern::META_SUBSCRIPTION_ID: id });
        // Subscribed before the acknowledgement, so that no change after it is missed.
        let mut changes = self.server.changes.subscribe();
        let (peer, ending, closing) = (peer.clone(), self.ending.clone(), peer.closing_token());
        Ok(async move {
            let acknowledged = json!({ "notifications": honoured, "_meta": meta });
            peer.notify("notifications/subscriptions/acknowledged", Some(acknowledged)).await.map_err(internal)?;
            if nothing {
                // Nothing this server offers was asked for: the stream would stay silent forever.
                return Ok(json!({ "resultType": "complete", "_meta": meta }));
            }
            // Sends `change` when the stream's filter asks for it.
            let notify = |change: super::Change| {
                let (peer, meta, wanted) = (peer.clone(), meta.clone(), change.notification(&honoured));
                async move {
                    let Some((method, uri)) = wanted else { return Ok(()) };
                    let mut params = json!({ "_meta": meta });
                    if let Some(uri) = uri {
                        params["uri"] = Value::String(uri);
                    }
                    peer.notify(method, Some(params)).await.map_err(internal)
                }
            };
            loop {
                let change = tokio::select! {
                    change = changes.recv() => change,
                    () = cancel.cancelled() => return Err(internal("cancelled")),
                    () = ending.cancelled() => break,
                    () = closing.cancelled() => break,
                };
                match change {
                    Ok(change) => notify(change).await?,
                    // Fell behind: every list and resource the stream listens to may have changed.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let lists = [super::Change::Tools, super::Change::Prompts, super::Change::Resources];
                        let uris = honoured.resource_subscriptions.iter().flatten();
                        for change in
                            lists.into_iter().chain(uris.map(|uri| super::Change::Resource(Arc::from(uri.as_str()))))
                        {
                            notify(change).await?;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
            Ok(json!({ "resultType": "complete", "_meta": meta }))
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The lock guards plain data and is never held across an await or user code.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn version(&self) -> Option<ProtocolVersion> {
        self.state().negotiated.as_ref().map(|n| n.version)
    }

    pub(crate) fn server(&self) -> super::Server {
        super::Server { inner: Arc::clone(&self.server) }
    }

    pub(crate) async fn list_changed(&self, peer: &Peer, method: &str) -> Result<(), Error> {
        if !self.state().initialized {
            return Ok(());
        }
        peer.notify(method, None).await
    }

    pub(crate) async fn resource_updated(&self, peer: &Peer, uri: &str) -> Result<bool, Error> {
        let version = {
            let state = self.state();
            match &state.negotiated {
                Some(negotiated) if state.subscriptions.contains(uri) => negotiated.version,
                _ => return Ok(false),
            }
        };
        let params = hub::ResourceUpdatedNotificationParams { uri: uri.to_owned(), ..Default::default() };
        peer.notify("notifications/resources/updated", Some(params.to_rev(version)?)).await?;
        Ok(true)
    }

    /// Sends a log message if the client's level lets it through: the level of the request (`request`,
    /// 2026-07-28) or of the session (`logging/setLevel`).
    pub(crate) async fn log(
        &self,
        peer: &Peer,
        request: Option<&Negotiated>,
        level: hub::LoggingLevel,
        logger: Option<&str>,
        data: Value,
    ) -> Result<(), Error> {
        let version = if let Some(request) = request.filter(|n| n.version.is_modern()) {
            match request.log_level {
                Some(min) if severity(level) >= severity(min) => request.version,
                _ => return Ok(()),
            }
        } else {
            let state = self.state();
            let Some(version) = state.negotiated.as_ref().map(|n| n.version) else { return Ok(()) };
            if state.log_level.is_some_and(|min| severity(level) < severity(min)) {
                return Ok(());
            }
            version
        };
        let params = hub::LoggingMessageNotificationParams {
            level,
            logger: logger.map(str::to_owned),
            data,
            meta: None,
            extra: Default::default(),
        };
        peer.notify("notifications/message", Some(params.to_rev(version)?)).await
    }

    fn initialize(&self, params: Option<Value>) -> Outcome {
        let params = params.unwrap_or(Value::Null);
        let Some(requested) = params.get("protocolVersion").and_then(Value::as_str) else {
            return Err(ErrorObject::new(
                ErrorObject::INVALID_PARAMS,
                "invalid params: `params.protocolVersion` is required",
            ));
        };
        // Echo the client's revision when supported; otherwise offer our newest.
        let versions = &self.server.versions;
        let Some(version) =
            versions.iter().copied().find(|v| v.as_str() == requested).or_else(|| versions.first().copied())
        else {
            return Err(ErrorObject::new(ErrorObject::INTERNAL_ERROR, "this server has no protocol revision enabled"));
        };
        at_rev!(version, m => validate::<m::InitializeRequestParams>(&params).map(drop); modern => Err(removed("initialize")))?;
        let negotiated = Arc::new(Negotiated {
            version,
            client_capabilities: hub::ClientCapabilities::from_rev(&params["capabilities"], version)?,
            client_info: hub::Implementation::from_rev(&params["clientInfo"], version)?,
            capabilities: self.server.capabilities(),
            log_level: None,
        });
        {
            let mut state = self.state();
            if state.negotiated.is_some() {
                return Err(ErrorObject::new(ErrorObject::INVALID_REQUEST, "the session is already initialized"));
            }
            state.negotiated = Some(Arc::clone(&negotiated));
        }
        let mut result = json!({
            "protocolVersion": version.as_str(),
            "capabilities": negotiated.capabilities.clone().to_rev(version).map_err(internal)?,
            "serverInfo": self.server.info.clone().to_rev(version).map_err(internal)?,
        });
        if let Some(instructions) = &self.server.instructions {
            result["instructions"] = Value::String(instructions.clone());
        }
        Ok(result.into())
    }

    /// Answers a request of the operation phase.
    async fn operate(self: Arc<Self>, request: Incoming, cx: Context) -> Outcome {
        let version = cx.negotiated.version;
        let params = request.params.unwrap_or_else(|| json!({}));
        let negotiated = Arc::clone(&cx.negotiated);
        let caps = &negotiated.capabilities;
        let refuse =
            || ErrorObject::new(ErrorObject::METHOD_NOT_FOUND, format!("method not found: {}", request.method));
        match request.method.as_str() {
            "tools/list" => {
                caps.tools.as_ref().ok_or_else(refuse)?;
                let items = self.server.read().tools.iter().map(|t| t.listing(version)).collect();
                let result = list_page!(
                    ListToolsResult,
                    tools,
                    ListToolsResultCacheScope,
                    items,
                    &params,
                    self.server.page_size,
                    self.server.cache_hint(super::Cacheable::Tools)
                );
                result.reply(version)
            }
            "tools/call" => {
                caps.tools.as_ref().ok_or_else(refuse)?;
                let call = hub::CallToolRequestParams::from_rev(&params, version)?;
                let tool = self.server.read().tools.iter().find(|t| t.def.name == call.name).cloned();
                let Some(tool) = tool else {
                    return Err(ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("unknown tool: {}", call.name)));
                };
                let result = match (tool.handler)(call.arguments, cx).await {
                    Ok(result) => result,
                    Err(ToolFailure::InvalidArguments(why)) if version.tool_input_errors_are_results() => {
                        error_result(format!("invalid arguments for tool `{}`: {why}", call.name))
                    }
                    Err(ToolFailure::InvalidArguments(why)) => {
                        return Err(ErrorObject::new(
                            ErrorObject::INVALID_PARAMS,
                            format!("invalid arguments for tool `{}`: {why}", call.name),
                        ));
                    }
                    Err(ToolFailure::Rpc(error)) => return Err(error),
                };
                result.reply(version)
            }
            "resources/list" => {
                caps.resources.as_ref().ok_or_else(refuse)?;
                let items = self.server.read().resources.iter().map(|r| r.def.clone()).collect();
                let result = list_page!(
                    ListResourcesResult,
                    resources,
                    ListResourcesResultCacheScope,
                    items,
                    &params,
                    self.server.page_size,
                    self.server.cache_hint(super::Cacheable::Resources)
                );
                result.reply(version)
            }
            "resources/templates/list" => {
                caps.resources.as_ref().ok_or_else(refuse)?;
                let items = self.server.read().templates.iter().map(|t| t.def.clone()).collect();
                let result = list_page!(
                    ListResourceTemplatesResult,
                    resource_templates,
                    ListResourceTemplatesResultCacheScope,
                    items,
                    &params,
                    self.server.page_size,
                    self.server.cache_hint(super::Cacheable::ResourceTemplates)
                );
                result.reply(version)
            }
            "resources/read" => {
                caps.resources.as_ref().ok_or_else(refuse)?;
                let read = hub::ReadResourceRequestParams::from_rev(&params, version)?;
                // 2026-07-28 says -32602 for an unknown resource.
                let (reader, vars, hint) = self.resolve(&read.uri).map_err(|e| match version.is_modern() {
                    true => ErrorObject { code: ErrorObject::INVALID_PARAMS, ..e },
                    false => e,
                })?;
                let round = cx.round.clone();
                let contents = reader(read.uri, vars, cx).await?;
                // A result made from this user's answers is theirs alone.
                let hint = match round.filter(|r| r.answered()) {
                    Some(_) => super::CacheHint::NONE,
                    None => hint.unwrap_or_else(|| self.server.cache_hint(super::Cacheable::ResourceRead)),
                };
                let result = hub::ReadResourceResult {
                    contents,
                    cache_scope: if hint.public {
                        hub::ReadResourceResultCacheScope::Public
                    } else {
                        hub::ReadResourceResultCacheScope::Private
                    },
                    ttl_ms: hint.ttl_ms(),
                    result_type: Const::new(),
                    meta: None,
                    extra: Default::default(),
                };
                result.reply(version)
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                let subscribe = request.method == "resources/subscribe";
                if caps.resources.as_ref().and_then(|r| r.subscribe) != Some(true) {
                    return Err(refuse());
                }
                let uri = at_rev!(version, m => validate::<m::SubscribeRequestParams>(&params).map(|p| p.uri);
                    modern => Err(removed(&request.method)))?;
                if subscribe {
                    if uri.len() > MAX_SUBSCRIBED_URI {
                        return Err(ErrorObject::new(
                            ErrorObject::INVALID_PARAMS,
                            format!("a subscribed URI may have at most {MAX_SUBSCRIBED_URI} bytes"),
                        ));
                    }
                    self.resolve(&uri)?;
                }
                let mut state = self.state();
                if state.shared {
                    // Answered as a session of its own would, which forgets it when the request ends.
                    return Ok(json!({}).into());
                }
                if subscribe {
                    if state.subscriptions.len() >= MAX_SUBSCRIPTIONS && !state.subscriptions.contains(&uri) {
                        return Err(ErrorObject::new(
                            ErrorObject::INVALID_PARAMS,
                            format!("at most {MAX_SUBSCRIPTIONS} subscriptions per session"),
                        ));
                    }
                    state.subscriptions.insert(uri);
                } else {
                    state.subscriptions.remove(&uri);
                }
                Ok(json!({}).into())
            }
            "prompts/list" => {
                caps.prompts.as_ref().ok_or_else(refuse)?;
                let items = self.server.read().prompts.iter().map(|p| p.def.clone()).collect();
                let result = list_page!(
                    ListPromptsResult,
                    prompts,
                    ListPromptsResultCacheScope,
                    items,
                    &params,
                    self.server.page_size,
                    self.server.cache_hint(super::Cacheable::Prompts)
                );
                result.reply(version)
            }
            "prompts/get" => {
                caps.prompts.as_ref().ok_or_else(refuse)?;
                let get = hub::GetPromptRequestParams::from_rev(&params, version)?;
                let prompt = self.server.read().prompts.iter().find(|p| p.def.name == get.name).cloned();
                let Some(prompt) = prompt else {
                    return Err(ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("unknown prompt: {}", get.name)));
                };
                let args = get.arguments.unwrap_or_default();
                for argument in prompt.def.arguments.iter().flatten() {
                    if argument.required == Some(true) && !args.contains_key(&argument.name) {
                        return Err(ErrorObject::new(
                            ErrorObject::INVALID_PARAMS,
                            format!("prompt `{}` requires the argument `{}`", get.name, argument.name),
                        ));
                    }
                }
                let result = (prompt.get)(args, cx).await?;
                result.reply(version)
            }
            "completion/complete" => {
                // 2024-11-05 had no `completions` flag; there the method exists whenever a handler does.
                let declared = caps.completions.is_some() || version.as_str() < "2025-03-26";
                let Some(complete) = self.server.completion.clone().filter(|_| declared) else { return Err(refuse()) };
                let params = hub::CompleteRequestParams::from_rev(&params, version)?;
                let result = complete(params, cx).await?;
                result.reply(version)
            }
            "logging/setLevel" => {
                caps.logging.as_ref().ok_or_else(refuse)?;
                let level = at_rev!(version, m => validate::<m::SetLevelRequestParams>(&params).map(drop);
                        modern => Err(removed("logging/setLevel")))
                .and_then(|()| {
                    serde_json::from_value::<hub::LoggingLevel>(params["level"].clone()).map_err(|e| {
                        ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid params: `params.level`: {e}"))
                    })
                })?;
                let mut state = self.state();
                if !state.shared {
                    state.log_level = Some(level);
                }
                Ok(json!({}).into())
            }
            _ => Err(refuse()),
        }
    }
}

/// The legacy "resource not found" code (-32002; 2026 uses -32602).
const RESOURCE_NOT_FOUND: i64 = -32002;

impl Service for Session {
    fn request(self: Arc<Self>, request: Incoming, cancel: CancellationToken, peer: Peer) -> BoxFuture<Outcome> {
        // A 2026-07-28 request is served on its own, on a stateless session or on one (stdio) that has not
        // negotiated a legacy revision: both eras on one server.
        let modern = {
            let state = self.state();
            state.modern_only
                || (state.negotiated.is_none() && super::modern::looks_modern(&request.method, request.params.as_ref()))
        };
        if modern {
            return self.modern(request, cancel, peer);
        }
        // `ping` is allowed at any time, `initialize` only first; everything else after `initialized`.
        match request.method.as_str() {
            "ping" => return Box::pin(async { Ok(json!({}).into()) }),
            "initialize" => {
                let outcome = self.initialize(request.params);
                return Box::pin(async move { outcome });
            }
            _ => {}
        }
        let negotiated = {
            let state = self.state();
            state.negotiated.clone().filter(|_| state.initialized)
        };
        let Some(negotiated) = negotiated else {
            let message = format!(
                "`{}` before the session is initialized (send `initialize` and `notifications/initialized` first)",
                request.method
            );
            return Box::pin(async move { Err(ErrorObject::new(ErrorObject::INVALID_REQUEST, message)) });
        };
        let cx = Context::new(
            request.id.clone(),
            request.params.as_ref(),
            cancel,
            peer,
            Arc::clone(&self),
            negotiated,
            None,
        );
        Box::pin(self.operate(request, cx))
    }

    fn notification(self: Arc<Self>, method: &str, _params: Option<Value>, peer: &Peer) {
        match method {
            "notifications/initialized" => {
                let mut state = self.state();
                if state.negotiated.is_some() {
                    state.initialized = true;
                }
            }
            "notifications/roots/list_changed" => {
                let negotiated = self.state().negotiated.clone();
                let (Some(hook), Some(negotiated)) = (self.server.roots_changed.clone(), negotiated) else { return };
                // Outside any request: the handle's requests end with the connection.
                let (id, cancel) = (RequestId::String(method.to_owned()), peer.connection_token());
                let cx = Context::new(id, None, cancel, peer.clone(), Arc::clone(&self), negotiated, None);
                tokio::spawn(hook(ClientHandle { cx }));
            }
            _ => {}
        }
    }

    fn batches(&self) -> Result<(), String> {
        let state = self.state();
        ProtocolVersion::accepts_batches(state.negotiated.as_ref().filter(|_| state.initialized).map(|n| n.version))
    }
}

impl Session {
    /// The reader of the resource at `uri`: a fixed resource, else the first template that matches
    /// (with its variables), and its caching hint; `-32002` when there is none.
    #[allow(clippy::type_complexity)]
    fn resolve(
        &self,
        uri: &str,
    ) -> Result<(super::ReadFn, BTreeMap<String, String>, Option<super::CacheHint>), ErrorObject> {
        let registry = self.server.read();
        let fixed =
            registry.resources.iter().find(|r| r.def.uri == uri).map(|r| (r.read.clone(), BTreeMap::new(), r.cache));
        let found = fixed.or_else(|| {
            registry.templates.iter().find_map(|t| t.template.matches(uri).map(|vars| (t.read.clone(), vars, t.cache)))
        });
        found.ok_or_else(|| ErrorObject {
            code: RESOURCE_NOT_FOUND,
            message: format!("resource not found: {uri}"),
            data: Some(json!({"uri": uri})),
        })
    }
}

/// One page of `items` from the opaque cursor in `params` (`-32602` for a cursor this server did not make).
fn page<T>(items: Vec<T>, params: &Value, size: usize) -> Result<(Vec<T>, Option<String>), ErrorObject> {
    let start = match params.get("cursor") {
        None | Some(Value::Null) => 0,
        Some(cursor) => cursor
            .as_str()
            .and_then(|c| c.strip_prefix("mcpgen:"))
            .and_then(|n| usize::from_str_radix(n, 16).ok())
            .filter(|&n| n <= items.len())
            .ok_or_else(|| ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid cursor: {cursor}")))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| format!("mcpgen:{end:x}"));
    Ok((items.into_iter().skip(start).take(end - start).collect(), next))
}

/// RFC 5424 severity, higher is more severe.
fn severity(level: hub::LoggingLevel) -> u8 {
    match level {
        hub::LoggingLevel::Debug => 0,
        hub::LoggingLevel::Info => 1,
        hub::LoggingLevel::Notice => 2,
        hub::LoggingLevel::Warning => 3,
        hub::LoggingLevel::Error => 4,
        hub::LoggingLevel::Critical => 5,
        hub::LoggingLevel::Alert => 6,
        hub::LoggingLevel::Emergency => 7,
        // Levels a later revision may add rank lowest.
        _ => 0,
    }
}
