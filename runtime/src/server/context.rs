//! What a handler knows about its request and session, and what it may ask of the client.

use super::mrtr::Round;
use super::session::{Negotiated, Session};
use crate::engine::Peer;
use crate::engine::RequestOptions;
use crate::error::Error;
use crate::revision::{ProtocolVersion, Wire, hub};
use mcpgen_types::rpc::{ErrorObject, RequestId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What a server may ask of its client outside a request, e.g. in [`super::ServerBuilder::on_roots_changed`].
/// Its requests fail with [`Error::Cancelled`] once the connection ends.
pub struct ClientHandle {
    pub(crate) cx: Context,
}

impl ClientHandle {
    /// The revision negotiated with this client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.cx.protocol_version()
    }

    /// The client's capabilities.
    pub fn client_capabilities(&self) -> &hub::ClientCapabilities {
        self.cx.client_capabilities()
    }

    /// The client's `clientInfo`.
    pub fn client_info(&self) -> &hub::Implementation {
        self.cx.client_info()
    }

    /// Asks the client for its roots (see [`Context::list_roots`]).
    pub async fn list_roots(&self) -> Result<hub::ListRootsResult, Error> {
        self.cx.list_roots().await
    }

    /// Asks the client to sample its model (see [`Context::create_message`]).
    pub async fn create_message(
        &self,
        params: hub::CreateMessageRequestParams,
    ) -> Result<hub::CreateMessageResult, Error> {
        self.cx.create_message(params).await
    }

    /// Asks the client to elicit input from its user (see [`Context::elicit`]).
    pub async fn elicit(&self, params: hub::ElicitRequestParams) -> Result<hub::ElicitResult, Error> {
        self.cx.elicit(params).await
    }
}

/// The context of one request: its id, its cancellation token, progress and logging, the negotiated
/// revision, the client's capabilities and info, and requests to the client.
#[derive(Clone)]
pub struct Context {
    pub(crate) id: RequestId,
    pub(crate) cancel: CancellationToken,
    pub(crate) peer: Peer,
    pub(crate) session: Arc<Session>,
    pub(crate) progress_token: Option<Value>,
    pub(crate) negotiated: Arc<Negotiated>,
    /// Options for requests to the client made through this context (default: the connection's).
    pub(crate) options: Option<Arc<RequestOptions>>,
    /// 2026-07-28 `tools/call`, `prompts/get` and `resources/read`: where asks find their answers or
    /// become input requests.
    pub(crate) round: Option<Arc<Round>>,
    /// The key of the next input request asked through this context ([`Context::input`]).
    pub(crate) input_key: Option<Arc<str>>,
}

impl Context {
    /// The context of the peer's request `id` with `params` (its `_meta.progressToken` is kept).
    pub(crate) fn new(
        id: RequestId,
        params: Option<&Value>,
        cancel: CancellationToken,
        peer: Peer,
        session: Arc<Session>,
        negotiated: Arc<Negotiated>,
        round: Option<Arc<Round>>,
    ) -> Context {
        let progress_token = params.and_then(|p| p.get("_meta")).and_then(|m| m.get("progressToken")).cloned();
        Context { id, cancel, peer, session, progress_token, negotiated, options: None, round, input_key: None }
    }

    /// The JSON-RPC id of the request being handled.
    pub fn request_id(&self) -> &RequestId {
        &self.id
    }

    /// Fires when the client cancels the request or the connection closes; the runtime then drops the
    /// handler's future and sends no response.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Whether the request was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The revision negotiated with this client.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.negotiated.version
    }

    /// The capabilities the client declared in `initialize` (upgraded to the handler revision).
    pub fn client_capabilities(&self) -> &hub::ClientCapabilities {
        &self.negotiated.client_capabilities
    }

    /// The client's `clientInfo`.
    pub fn client_info(&self) -> &hub::Implementation {
        &self.negotiated.client_info
    }

    /// Reports progress if the client asked for it (a `progressToken` in the request); otherwise does
    /// nothing. `progress` must increase from one call to the next.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> Result<(), Error> {
        let Some(token) = &self.progress_token else { return Ok(()) };
        let params = hub::ProgressNotificationParams {
            progress_token: serde_json::from_value(token.clone()).map_err(|e| Error::Protocol(e.to_string()))?,
            progress: number(progress)?,
            total: total.map(number).transpose()?,
            message: message.map(str::to_owned),
            meta: None,
            extra: Default::default(),
        };
        let params = params.to_rev(self.negotiated.version)?;
        self.peer.notify("notifications/progress", Some(params)).await
    }

    /// Sends a log message (`notifications/message`) if the client's level lets it through.
    pub async fn log(&self, level: hub::LoggingLevel, logger: Option<&str>, data: Value) -> Result<(), Error> {
        self.session.log(&self.peer, Some(&self.negotiated), level, logger, data).await
    }

    /// This context with other options (timeouts) for its requests to the client; a person answering an
    /// elicitation may need longer than the connection's default.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = Some(Arc::new(options));
        self
    }

    /// This context with a key for the input requests asked through it: with a 2026-07-28 client, the
    /// key under which [`Context::elicit`], [`Context::create_message`] and [`Context::list_roots`] appear in
    /// the `input_required` result's `inputRequests` (default: `input-1`, `input-2`, … in the order asked).
    /// A second ask under the same key in one run is `key-2`, then `key-3`, …. Legacy sessions send requests
    /// and ignore the key. Asks from tasks the handler spawns should be named: their order is not fixed.
    ///
    /// # Writing a handler that asks for input, for both eras
    /// With a legacy client an ask is a request on the connection and the handler waits for the answer.
    /// With a 2026-07-28 client the runtime stops the handler at the first ask it has no answer to and
    /// answers `input_required`; when the client sends the request again with the answers, the handler
    /// runs again **from the start**, and every ask it made before now returns at once. So:
    /// - ask in the same order each run (branch on answers, not on time or randomness), or name the asks
    ///   with `input`;
    /// - keep side effects after the last ask, or make them idempotent; keep values that must not change
    ///   between runs (generated ids, expensive results) with [`Context::remember`];
    /// - asks started together (`tokio::join!`) become one round with several input requests.
    pub fn input(&self, key: impl Into<String>) -> Context {
        let mut cx = self.clone();
        cx.input_key = Some(Arc::from(key.into()));
        cx
    }

    /// A value that stays the same across the rounds of a 2026-07-28 request that asks for input: the one
    /// made in an earlier round (carried, integrity-protected, in `requestState`), else `make()`'s. In a
    /// legacy session, and in requests that cannot ask, it is `make()`'s (each call). The state is signed,
    /// not encrypted: the client can read what is remembered, so keep secrets out of it, and keep it small
    /// (the client sends it back with every round).
    pub fn remember<T: Serialize + DeserializeOwned>(&self, key: &str, make: impl FnOnce() -> T) -> Result<T, Error> {
        let Some(round) = &self.round else { return Ok(make()) };
        let value = match round.remembered(key) {
            Some(value) => value,
            None => {
                let made = serde_json::to_value(make())
                    .map_err(|e| Error::Protocol(format!("remembered value `{key}` does not encode: {e}")))?;
                round.remember(key, made)
            }
        };
        serde_json::from_value(value).map_err(|e| Error::Protocol(format!("remembered value `{key}`: {e}")))
    }

    /// Asks the client to sample its model (`sampling/createMessage`). Fails with
    /// [`Error::MissingCapability`] when the client did not declare `sampling`, or `sampling.tools` for a
    /// request with `tools` or `toolChoice`, or (2025-11-25) `sampling.context` for an `includeContext`
    /// other than `none`.
    pub async fn create_message(
        &self,
        params: hub::CreateMessageRequestParams,
    ) -> Result<hub::CreateMessageResult, Error> {
        let Some(sampling) = &self.client_capabilities().sampling else {
            return Err(self.missing("sampling"));
        };
        if params.tools.is_some() || params.tool_choice.is_some() {
            self.require(sampling.tools.is_some(), "sampling.tools")?;
        }
        let wide = !matches!(params.include_context, None | Some(hub::CreateMessageRequestParamsIncludeContext::None));
        if wide && self.negotiated.version.as_str() >= "2025-11-25" {
            self.require(sampling.context.is_some(), "sampling.context")?;
        }
        let params = params.to_rev(self.negotiated.version)?;
        self.ask("sampling/createMessage", Some(params)).await
    }

    /// Asks the client for its roots (`roots/list`). Fails with [`Error::MissingCapability`] when the
    /// client did not declare `roots`.
    pub async fn list_roots(&self) -> Result<hub::ListRootsResult, Error> {
        self.require(self.client_capabilities().roots.is_some(), "roots")?;
        self.ask("roots/list", None).await
    }

    /// Asks the client to elicit input from its user (`elicitation/create`, 2025-06-18 and later). Fails
    /// with [`Error::MissingCapability`] when the client did not declare `elicitation`, or not the mode
    /// asked for (`elicitation.url` for URL mode; form mode needs `elicitation.form`, or an `elicitation`
    /// object naming no mode, which means form only).
    pub async fn elicit(&self, params: hub::ElicitRequestParams) -> Result<hub::ElicitResult, Error> {
        let elicitation = &self.client_capabilities().elicitation;
        let Some(declared) = elicitation.as_ref().filter(|_| self.negotiated.version.has_elicitation()) else {
            return Err(self.missing("elicitation"));
        };
        match &params {
            hub::ElicitRequestParams::Url(_) => self.require(declared.url.is_some(), "elicitation.url")?,
            _ => self.require(declared.form.is_some() || declared.url.is_none(), "elicitation.form")?,
        }
        let params = params.to_rev(self.negotiated.version)?;
        self.ask("elicitation/create", Some(params)).await
    }

    /// Sends `notifications/resources/updated` if the client subscribed to `uri`; returns whether it did. For
    /// a 2026-07-28 request, tells the server's listen streams ([`super::Server::resource_updated`]).
    pub async fn resource_updated(&self, uri: &str) -> Result<bool, Error> {
        if self.negotiated.version.is_modern() {
            self.server().resource_updated(uri);
            return Ok(true);
        }
        self.session.resource_updated(&self.peer, uri).await
    }

    /// Sends `notifications/tools/list_changed` (after [`super::Server::add_tool`] or `remove_tool`) to this
    /// legacy session; for a 2026-07-28 request, tells the server's listen streams
    /// ([`super::Server::tools_changed`]).
    pub async fn tools_changed(&self) -> Result<(), Error> {
        if self.negotiated.version.is_modern() {
            self.server().tools_changed();
            return Ok(());
        }
        self.session.list_changed(&self.peer, "notifications/tools/list_changed").await
    }

    /// The server definition this session serves, e.g. to add or remove tools at run time.
    pub fn server(&self) -> super::Server {
        self.session.server()
    }

    fn require(&self, declared: bool, capability: &'static str) -> Result<(), Error> {
        if declared { Ok(()) } else { Err(self.missing(capability)) }
    }

    /// The error of an ask the client's capabilities do not allow; a 2026-07-28 request that then fails
    /// is answered with `-32021` naming the capability.
    fn missing(&self, capability: &'static str) -> Error {
        if let Some(round) = &self.round {
            round.missing(capability);
        }
        Error::MissingCapability(capability)
    }

    /// Sends a request to the client, raced against this request's cancellation, and decodes the answer;
    /// for a 2026-07-28 request, takes the answer from the request's round or asks for it there.
    async fn ask<T: Wire>(&self, method: &str, params: Option<Value>) -> Result<T, Error> {
        let version = self.negotiated.version;
        if version.is_modern() {
            // 2026-07-28 servers send no requests: the ask becomes an input request of the result.
            let Some(round) = &self.round else {
                return Err(Error::Protocol(format!(
                    "`{method}`: MCP 2026-07-28 servers send no requests, and only tools/call, prompts/get and \
                     resources/read may ask for input"
                )));
            };
            let Some((key, answer)) = round.ask(self.input_key.as_deref(), method, params).await else {
                return Err(Error::Cancelled);
            };
            return T::from_rev(&answer, version).map_err(|e| {
                let error = ErrorObject::new(
                    ErrorObject::INVALID_PARAMS,
                    format!("invalid params: `inputResponses.{key}` does not answer `{method}`: {}", e.message),
                );
                round.invalid(error.clone());
                Error::Rpc(error)
            });
        }
        let request = async {
            match &self.options {
                Some(options) => self.peer.request_with(method, params, None, options).await,
                None => self.peer.request(method, params, None).await,
            }
        };
        let result = tokio::select! {
            result = request => result,
            () = self.cancel.cancelled() => Err(Error::Cancelled),
        }?;
        Ok(T::from_rev(&result, version)?)
    }
}

/// A JSON number from a float (progress values may be fractional); NaN and infinities are refused.
fn number(value: f64) -> Result<serde_json::Number, Error> {
    serde_json::Number::from_f64(value)
        .ok_or_else(|| Error::Protocol(format!("progress value {value} is not a JSON number")))
}
