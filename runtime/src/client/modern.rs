//! The MCP 2026-07-28 (stateless) side of the client: the `_meta` every request carries, `server/discover`
//! and what the probe concludes from its answer, the retry on `-32022`, and multi-round-trip requests
//! (`resultType: "input_required"`), whose input requests the builder's handlers answer before the request
//! is sent again.

use super::{ClientSession, InitializeInfo, Refusal};
use crate::engine::{Peer, RequestOptions};
use crate::error::Error;
use crate::revision::{ProtocolVersion, hub, validate};
use crate::server::modern::{
    HEADER_MISMATCH, META_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_VERSION,
    MISSING_REQUIRED_CLIENT_CAPABILITY, UNSUPPORTED_PROTOCOL_VERSION,
};
use mcpgen_types::rpc::ErrorObject;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// How many `input_required` results one request may get before the client gives up on it.
pub(super) const MAX_ROUNDS: usize = 16;
/// How long to wait before sending again a request answered with a `requestState` and no input requests
/// (the server's "retry later").
const STATE_ONLY_DELAY: Duration = Duration::from_millis(100);
/// Methods with cacheable results: `ttlMs` and `cacheScope` are required there, and default to `0` and
/// `"private"` when a server leaves them out.
const CACHEABLE: [&str; 6] =
    ["server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read"];

/// What every 2026-07-28 request of one client carries, and the exchange of one request.
pub(super) struct Stateless {
    peer: Peer,
    version: ProtocolVersion,
    info: Value,
    capabilities: Value,
    session: Arc<ClientSession>,
    log_level: Mutex<Option<hub::LoggingLevel>>,
}

impl Stateless {
    pub(super) fn new(
        peer: Peer,
        version: ProtocolVersion,
        info: &hub::Implementation,
        capabilities: &hub::ClientCapabilities,
        session: Arc<ClientSession>,
    ) -> Result<Stateless, Error> {
        let encode = |e: serde_json::Error| Error::Protocol(format!("the client's own _meta does not encode: {e}"));
        Ok(Stateless {
            peer,
            version,
            info: serde_json::to_value(info).map_err(encode)?,
            capabilities: serde_json::to_value(capabilities).map_err(encode)?,
            session,
            log_level: Mutex::new(None),
        })
    }

    /// The same, speaking `version`.
    pub(super) fn at(self, version: ProtocolVersion) -> Stateless {
        Stateless { version, ..self }
    }

    /// Asks for log messages of `level` and above on every later request.
    pub(super) fn set_log_level(&self, level: hub::LoggingLevel) {
        *self.log_level.lock().unwrap_or_else(PoisonError::into_inner) = Some(level);
    }

    /// `server/discover`, waiting at most `timeout` for each attempt (the probe) or the connection's
    /// default. Returns the revision to speak, picked from `supportedVersions`, the result and the server's
    /// self-description. An error whose [`legacy_signal`] is `Some` means the server is not a 2026-07-28
    /// one.
    pub(super) async fn discover(
        &self,
        timeout: Option<Duration>,
    ) -> Result<(ProtocolVersion, hub::DiscoverResult, InitializeInfo), Error> {
        let options = match timeout {
            Some(timeout) => RequestOptions { timeout, max_timeout: timeout, reset_on_progress: false },
            None => self.peer.defaults().clone(),
        };
        let result = self.request("server/discover", None, None, &options).await?;
        if result.get("supportedVersions").is_none() {
            return Err(Error::Protocol(format!("the answer to server/discover is not a DiscoverResult: {result}")));
        }
        let discovered: hub::DiscoverResult = validate(&result)
            .map_err(|e| Error::Protocol(format!("the server/discover result is invalid: {}", e.message)))?;
        let supported = &discovered.supported_versions;
        let Some(version) = ProtocolVersion::MODERN.iter().copied().find(|v| supported.iter().any(|s| s == v.as_str()))
        else {
            return Err(Error::UnsupportedVersion {
                offered: supported.join(", "),
                supported: ProtocolVersion::MODERN.iter().map(|v| v.as_str()).collect(),
            });
        };
        // Servers should name themselves in the result's `_meta`; some put `serverInfo` beside the fields.
        let named = discovered.meta.as_ref().and_then(|m| m.server_info.clone());
        let info = match named {
            Some(info) => *info,
            None => match result.get("serverInfo") {
                Some(info) => validate(info).map_err(|e| {
                    Error::Protocol(format!("the server/discover serverInfo is invalid: {}", e.message))
                })?,
                None => hub::Implementation::default(),
            },
        };
        let server = InitializeInfo {
            info,
            capabilities: (*discovered.capabilities).clone(),
            instructions: discovered.instructions.clone(),
        };
        Ok((version, discovered, server))
    }

    /// Sends `method` and follows it to its final result: `_meta` added, one retry with a mutual revision
    /// after `-32022`, the rounds of `input_required`, and for `tools/call` one retry after `-32020` with the
    /// tool list fetched again (over HTTP, that is where the transport learns which arguments to mirror into
    /// headers).
    pub(super) async fn request(
        &self,
        method: &str,
        params: Option<Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        options: &RequestOptions,
    ) -> Result<Value, Error> {
        let params = match params {
            None => Map::new(),
            Some(Value::Object(params)) => params,
            Some(other) => {
                return Err(Error::Protocol(format!(
                    "MCP 2026-07-28 request params must be a JSON object (they carry `_meta`), not {other}"
                )));
            }
        };
        let mut refreshed = false;
        loop {
            match self.exchange(method, &params, progress.clone(), options).await {
                Err(Error::Rpc(e))
                    if e.code == HEADER_MISMATCH && method == "tools/call" && !refreshed && !local(&e) =>
                {
                    tracing::debug!("tools/call was refused for its headers ({}); listing the tools again", e.message);
                    refreshed = true;
                    self.refresh_tools(options).await?;
                }
                outcome => return outcome,
            }
        }
    }

    /// One request through every `input_required` round to its final result.
    async fn exchange(
        &self,
        method: &str,
        params: &Map<String, Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        options: &RequestOptions,
    ) -> Result<Value, Error> {
        let mut responses: Option<Map<String, Value>> = None;
        let mut state: Option<Value> = None;
        for _ in 0..=MAX_ROUNDS {
            let mut params = params.clone();
            // The answers and the state belong to this retry alone.
            if let Some(responses) = responses.take() {
                params.insert("inputResponses".to_owned(), Value::Object(responses));
            }
            if let Some(state) = state.take() {
                params.insert("requestState".to_owned(), state);
            }
            let mut result = self.send(method, params, progress.clone(), options).await?;
            match result.get("resultType") {
                // A server of an older revision sets none.
                None => {}
                Some(Value::String(kind)) if kind == "complete" => {}
                Some(Value::String(kind)) if kind == "input_required" => {
                    if !crate::server::modern::may_ask(method) {
                        return Err(Error::Protocol(format!(
                            "the server answered {method} with input_required, which only tools/call, prompts/get \
                             and resources/read may get"
                        )));
                    }
                    let (requests, next_state) = input_required(method, &result)?;
                    state = next_state;
                    match requests {
                        Some(requests) => responses = Some(self.fulfil_all(method, requests).await?),
                        // Only a state: the server asks to be asked again later.
                        None => tokio::time::sleep(STATE_ONLY_DELAY).await,
                    }
                    continue;
                }
                Some(other) => {
                    return Err(Error::Protocol(format!(
                        "the server answered {method} with an unknown resultType {other}"
                    )));
                }
            }
            if CACHEABLE.contains(&method)
                && let Value::Object(object) = &mut result
            {
                object.entry("ttlMs").or_insert_with(|| json!(0));
                object.entry("cacheScope").or_insert_with(|| json!("private"));
            }
            return Ok(result);
        }
        Err(Error::Protocol(format!(
            "the server answered {method} with input_required more than {MAX_ROUNDS} times in a row; gave up"
        )))
    }

    /// Sends one request with the `_meta` of `version`; retries once with a revision named in a `-32022`
    /// answer, and once with a new id when the answer's stream broke (2026-07-28 streams cannot be resumed).
    async fn send(
        &self,
        method: &str,
        params: Map<String, Value>,
        progress: Option<mpsc::UnboundedSender<Value>>,
        options: &RequestOptions,
    ) -> Result<Value, Error> {
        let mut version = self.version;
        let (mut version_retried, mut reissued) = (false, false);
        loop {
            let framed = self.with_meta(params.clone(), version)?;
            match self.peer.request_with(method, Some(framed), progress.clone(), options).await {
                Err(Error::Rpc(e)) if e.code == UNSUPPORTED_PROTOCOL_VERSION && !version_retried && !local(&e) => {
                    let Some(mutual) = mutual_version(&e) else { return Err(Error::Rpc(e)) };
                    tracing::debug!("{method}: MCP {version} refused ({}); retrying with {mutual}", e.message);
                    version = mutual;
                    version_retried = true;
                }
                // A listen stream is not sent again: its subscription id would change.
                Err(Error::Rpc(e)) if broken_stream(&e) && !reissued && method != "subscriptions/listen" => {
                    tracing::debug!("{method}: {}; sending it again", e.message);
                    reissued = true;
                }
                outcome => return outcome,
            }
        }
    }

    /// `params` with the 2026-07-28 `_meta` keys added to any the caller set (the revision is always
    /// ours: the HTTP transport mirrors it into a header).
    fn with_meta(&self, mut params: Map<String, Value>, version: ProtocolVersion) -> Result<Value, Error> {
        let meta = params.entry("_meta").or_insert_with(|| json!({}));
        let Value::Object(meta) = meta else {
            return Err(Error::Protocol(format!("params._meta must be a JSON object, not {meta}")));
        };
        meta.insert(META_VERSION.to_owned(), json!(version.as_str()));
        meta.entry(META_CAPABILITIES).or_insert_with(|| self.capabilities.clone());
        meta.entry(META_CLIENT_INFO).or_insert_with(|| self.info.clone());
        let level = *self.log_level.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(level) = level.and_then(|l| serde_json::to_value(l).ok()) {
            meta.entry(META_LOG_LEVEL).or_insert(level);
        }
        Ok(Value::Object(params))
    }

    /// Answers every input request with the builder's handlers, in order.
    async fn fulfil_all(&self, method: &str, requests: &Map<String, Value>) -> Result<Map<String, Value>, Error> {
        let mut responses = Map::new();
        for (key, request) in requests {
            let Some(input) = request.get("method").and_then(Value::as_str) else {
                return Err(Error::Protocol(format!(
                    "the input request {key:?} of {method} names no method: {request}"
                )));
            };
            let params = request.get("params").cloned().unwrap_or_else(|| json!({}));
            let answer = self.session.fulfil(input, params, self.version).await.map_err(|refusal| match refusal {
                Refusal::Unhandled("") => Error::Protocol(format!(
                    "{method} needs input {key:?} by {input}, which this client does not know how to answer"
                )),
                Refusal::Unhandled(capability) => Error::Protocol(format!(
                    "{method} needs input {key:?} by {input}, but this client has no {capability} handler with the \
                     `{capability}` capability declared (see ClientBuilder::on_{capability})"
                )),
                Refusal::Peer(e) => {
                    Error::Protocol(format!("the input request {key:?} ({input}) of {method}: {}", e.message))
                }
                Refusal::Handler(e) => Error::Rpc(e),
            })?;
            responses.insert(key.clone(), answer);
        }
        Ok(responses)
    }

    /// Lists every tool again (for the HTTP transport to relearn their `x-mcp-header` declarations).
    async fn refresh_tools(&self, options: &RequestOptions) -> Result<(), Error> {
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let mut params = Map::new();
            if let Some(cursor) = cursor.take() {
                params.insert("cursor".to_owned(), Value::String(cursor));
            }
            let page = self.exchange("tools/list", &params, None, options).await?;
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) if seen.insert(next.to_owned()) => cursor = Some(next.to_owned()),
                Some(next) => return Err(Error::Protocol(format!("the server repeated the cursor {next:?}"))),
                None => return Ok(()),
            }
        }
    }
}

/// `Some(why)` when the error of a probing `server/discover` means the server is not a 2026-07-28 one (fall
/// back to `initialize`); `None` when it is one, or the error is no signal either way (surface it).
pub(super) fn legacy_signal(error: &Error) -> Option<String> {
    match error {
        // An HTTP error status whose body is no 2026-07-28 error, or no answer at all.
        Error::Rpc(e) if local(e) => Some(e.message.clone()),
        Error::Rpc(e) if e.code == HEADER_MISMATCH || e.code == MISSING_REQUIRED_CLIENT_CAPABILITY => None,
        // The retry found no stateless revision in common; a legacy one in common still works.
        Error::Rpc(e) if e.code == UNSUPPORTED_PROTOCOL_VERSION => {
            let supported = supported_versions(e);
            supported
                .iter()
                .any(|v| ProtocolVersion::parse(v).is_some())
                .then(|| format!("the server supports only {}", supported.join(", ")))
        }
        Error::Rpc(e) => Some(format!("error {}: {}", e.code, e.message)),
        Error::Timeout(after) => Some(format!("no answer within {after:?}")),
        Error::Protocol(why) => Some(why.clone()),
        Error::UnsupportedVersion { offered, .. } => {
            Some(format!("no stateless revision in common (the server offers {offered})"))
        }
        _ => None,
    }
}

/// The input requests and the state of an `input_required` result.
type InputRequired<'a> = (Option<&'a Map<String, Value>>, Option<Value>);

/// The `inputRequests` (absent or empty: `None`) and `requestState` of an `input_required` result; an error
/// when it has neither, as the spec requires one.
fn input_required<'a>(method: &str, result: &'a Value) -> Result<InputRequired<'a>, Error> {
    let requests = match result.get("inputRequests") {
        None | Some(Value::Null) => None,
        Some(Value::Object(requests)) => Some(requests).filter(|r| !r.is_empty()),
        Some(other) => {
            return Err(Error::Protocol(format!(
                "the inputRequests of an input_required {method} result is not an object: {other}"
            )));
        }
    };
    let state = match result.get("requestState") {
        None | Some(Value::Null) => None,
        Some(state @ Value::String(_)) => Some(state.clone()),
        Some(other) => {
            return Err(Error::Protocol(format!(
                "the requestState of an input_required {method} result is not a string: {other}"
            )));
        }
    };
    if requests.is_none() && state.is_none() {
        return Err(Error::Protocol(format!(
            "the server answered {method} with input_required without inputRequests or requestState"
        )));
    }
    Ok((requests, state))
}

/// Whether an error was made by the transport (an HTTP status without a JSON-RPC answer, a refused
/// connection) rather than sent by the server.
fn local(error: &ErrorObject) -> bool {
    error.data.as_ref().and_then(|d| d.get("transport")).and_then(Value::as_bool) == Some(true)
}

/// Whether the transport reports that the stream carrying the answer broke before it.
fn broken_stream(error: &ErrorObject) -> bool {
    local(error) && error.data.as_ref().and_then(|d| d.get("streamBroken")).and_then(Value::as_bool) == Some(true)
}

/// `data.supported` of a `-32022` error.
fn supported_versions(error: &ErrorObject) -> Vec<String> {
    let supported = error.data.as_ref().and_then(|d| d.get("supported")).and_then(Value::as_array);
    supported.map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

/// The newest stateless revision this build speaks among those a `-32022` error names.
fn mutual_version(error: &ErrorObject) -> Option<ProtocolVersion> {
    let supported = supported_versions(error);
    ProtocolVersion::MODERN.iter().copied().find(|v| supported.iter().any(|s| s == v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(code: i64, data: Option<Value>) -> Error {
        Error::Rpc(ErrorObject { code, message: "m".into(), data })
    }

    #[test]
    fn what_the_probe_concludes_from_errors() {
        let legacy = |e: Error| legacy_signal(&e).is_some();
        assert!(legacy(rpc(-32601, None)));
        assert!(legacy(rpc(-32602, None)));
        assert!(legacy(rpc(-32603, Some(json!({"transport": true})))));
        assert!(legacy(Error::Timeout(Duration::from_secs(5))));
        assert!(legacy(Error::Protocol("not a DiscoverResult".into())));
        assert!(!legacy(rpc(HEADER_MISMATCH, None)));
        assert!(!legacy(rpc(MISSING_REQUIRED_CLIENT_CAPABILITY, None)));
        assert!(!legacy(rpc(UNSUPPORTED_PROTOCOL_VERSION, Some(json!({"supported": ["2099-01-01"]})))));
        assert!(legacy(rpc(UNSUPPORTED_PROTOCOL_VERSION, Some(json!({"supported": ["2025-11-25"]})))));
        assert!(!legacy(Error::Closed));
    }

    #[test]
    fn input_required_needs_requests_or_state() {
        let r = json!({"resultType": "input_required", "inputRequests": {"k": {"method": "roots/list"}}});
        assert!(matches!(input_required("tools/call", &r), Ok((Some(_), None))));
        let r = json!({"resultType": "input_required", "requestState": "s"});
        assert!(matches!(input_required("tools/call", &r), Ok((None, Some(Value::String(_))))));
        for bad in [
            json!({"resultType": "input_required"}),
            json!({"resultType": "input_required", "inputRequests": {}}),
            json!({"resultType": "input_required", "inputRequests": []}),
            json!({"resultType": "input_required", "requestState": 3}),
        ] {
            assert!(matches!(input_required("tools/call", &bad), Err(Error::Protocol(_))), "{bad}");
        }
    }

    #[test]
    fn mutual_versions_come_from_data_supported() {
        let e = |data| ErrorObject { code: UNSUPPORTED_PROTOCOL_VERSION, message: String::new(), data };
        assert_eq!(
            mutual_version(&e(Some(json!({"supported": ["x", "2026-07-28"]})))),
            Some(ProtocolVersion::V2026_07_28)
        );
        assert_eq!(mutual_version(&e(Some(json!({"supported": ["2025-11-25"]})))), None);
        assert_eq!(mutual_version(&e(None)), None);
    }
}
