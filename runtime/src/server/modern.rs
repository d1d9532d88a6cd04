//! MCP 2026-07-28 requests: no `initialize`; each request names its revision and the client's capabilities
//! in `params._meta`, validated here with the errors the spec names.

use super::session::Negotiated;
use crate::engine::Reply;
use crate::revision::{ProtocolVersion, hub};
use mcpgen_types::rpc::ErrorObject;
use serde_json::{Value, json};

/// `_meta` key: the revision of this request.
pub(crate) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key: the client's capabilities for this request.
pub(crate) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key: the client's `Implementation` (optional).
pub(crate) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key: the least severe log level the client wants for this request (optional; none: no logs).
pub(crate) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// Notification and result `_meta` key on a listen stream: the id of the `subscriptions/listen` request.
pub(crate) const META_SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// Result `_meta` key: the server's `Implementation`.
pub(crate) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// `HeaderMismatchError`: an HTTP header disagrees with the body, or is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// `MissingRequiredClientCapabilityError`.
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
/// `UnsupportedProtocolVersionError` (`data: {supported, requested}`).
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;

/// Whether a request on a session that has not negotiated a legacy revision is a 2026-07-28 one: it names
/// its revision in `_meta`, or it is a method only 2026-07-28 has.
pub(crate) fn looks_modern(method: &str, params: Option<&Value>) -> bool {
    matches!(method, "server/discover" | "subscriptions/listen")
        || params.and_then(|p| p.get("_meta")).is_some_and(|m| m.get(META_VERSION).is_some())
}

/// Whether a 2026-07-28 server with `capabilities` serves `method`: the methods 2026-07-28 removed
/// (`initialize`, `ping`, `logging/setLevel`, resource subscriptions), unknown ones and those of a capability
/// the server does not offer are `-32601` (HTTP `404`).
pub(crate) fn serves(method: &str, capabilities: &hub::ServerCapabilities) -> bool {
    match method {
        "server/discover" | "completion/complete" | "subscriptions/listen" => true,
        "tools/list" | "tools/call" => capabilities.tools.is_some(),
        "resources/list" | "resources/templates/list" | "resources/read" => capabilities.resources.is_some(),
        "prompts/list" | "prompts/get" => capabilities.prompts.is_some(),
        _ => false,
    }
}

/// The methods whose results may be `input_required` (multi round-trip requests); servers use it nowhere
/// else, and clients refuse it elsewhere.
pub(crate) fn may_ask(method: &str) -> bool {
    matches!(method, "tools/call" | "prompts/get" | "resources/read")
}

/// The revision named by a request's `_meta` (`-32602` when missing, `-32022` when not spoken here).
pub(crate) fn version(params: Option<&Value>) -> Result<ProtocolVersion, ErrorObject> {
    let meta = params.and_then(|p| p.get("_meta"));
    let Some(named) = meta.and_then(|m| m.get(META_VERSION)) else {
        return Err(missing(META_VERSION));
    };
    let Some(named) = named.as_str() else {
        return Err(ErrorObject::new(
            ErrorObject::INVALID_PARAMS,
            format!("invalid params: `_meta.{META_VERSION}` must be a string"),
        ));
    };
    ProtocolVersion::parse_modern(named).ok_or_else(|| unsupported(named))
}

/// The `-32022` for a revision this server does not speak statelessly.
pub(crate) fn unsupported(requested: &str) -> ErrorObject {
    let supported: Vec<&str> = ProtocolVersion::MODERN.iter().map(|v| v.as_str()).collect();
    ErrorObject {
        code: UNSUPPORTED_PROTOCOL_VERSION,
        message: format!("unsupported protocol version {requested:?} (supported: {})", supported.join(", ")),
        data: Some(json!({"supported": supported, "requested": requested})),
    }
}

fn missing(key: &str) -> ErrorObject {
    ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid params: `params._meta.{key}` is required"))
}

/// What one 2026-07-28 request says about its client, validated: the per-request equivalent of what
/// `initialize` settles in a legacy session.
pub(crate) fn negotiate(
    params: Option<&Value>,
    capabilities: hub::ServerCapabilities,
) -> Result<Negotiated, ErrorObject> {
    let version = version(params)?;
    let meta = params.and_then(|p| p.get("_meta")).unwrap_or(&Value::Null);
    let decode = |key: &str, value: &Value| {
        ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid params: `params._meta.{key}`: {value}"))
    };
    let client_capabilities = match meta.get(META_CAPABILITIES) {
        None => return Err(missing(META_CAPABILITIES)),
        Some(value) => serde_json::from_value::<hub::ClientCapabilities>(value.clone())
            .map_err(|_| decode(META_CAPABILITIES, value))?,
    };
    let client_info = match meta.get(META_CLIENT_INFO) {
        None => hub::Implementation::default(),
        Some(value) => serde_json::from_value(value.clone()).map_err(|_| decode(META_CLIENT_INFO, value))?,
    };
    let log_level = match meta.get(META_LOG_LEVEL) {
        None => None,
        Some(value) => Some(
            serde_json::from_value::<hub::LoggingLevel>(value.clone()).map_err(|_| decode(META_LOG_LEVEL, value))?,
        ),
    };
    Ok(Negotiated { version, client_capabilities, client_info, capabilities, log_level })
}

/// Adds the server's `Implementation` to a result's `_meta`, as 2026-07-28 results should carry it.
pub(crate) fn with_server_info(result: Reply, info: &hub::Implementation) -> Reply {
    let mut result = result.into_value();
    if let Value::Object(object) = &mut result {
        let meta = object.entry("_meta").or_insert_with(|| json!({}));
        if let (Value::Object(meta), Ok(info)) = (meta, serde_json::to_value(info)) {
            meta.insert(META_SERVER_INFO.to_owned(), info);
        }
    }
    Reply::Value(result)
}
