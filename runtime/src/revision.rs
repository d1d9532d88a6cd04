//! Protocol revisions the runtime speaks, and the conversions between the handler revision and the
//! revision negotiated on the wire.
//!
//! Handlers are written once against [`hub`], the newest dated revision's types. On a session that
//! negotiated an older revision, everything crossing the wire goes through the generated adapters: values
//! the runtime sends are downgraded (fields the peer cannot know, such as `icons` or `title` for a
//! 2024-11-05 client, are dropped) and values it receives are decoded with that revision's types, then
//! upgraded.

use mcpgen_types::adapt::{Adapt, AdaptError, DowngradeTo, UpgradeTo};
use mcpgen_types::rpc::{ErrorObject, from_value_with_path};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The handler revision: the generated types every handler, tool and client call is written against.
pub use mcpgen_types::v2026_07_28 as hub;

/// A protocol revision this build speaks: the legacy (handshake) revisions whose cargo feature is enabled,
/// and 2026-07-28, the stateless revision, which every build speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// MCP 2024-11-05.
    #[cfg(feature = "2024-11-05")]
    V2024_11_05,
    /// MCP 2025-03-26 (the only revision with JSON-RPC batches).
    #[cfg(feature = "2025-03-26")]
    V2025_03_26,
    /// MCP 2025-06-18.
    #[cfg(feature = "2025-06-18")]
    V2025_06_18,
    /// MCP 2025-11-25 (always built: it is the step between the handler revision and every older one).
    V2025_11_25,
    /// MCP 2026-07-28: stateless, no `initialize`; each request carries its revision and the client's
    /// capabilities in `_meta`. The handler revision itself.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every enabled legacy revision (what `initialize` can negotiate), newest first.
    pub const ENABLED: &'static [ProtocolVersion] = &[
        ProtocolVersion::V2025_11_25,
        #[cfg(feature = "2025-06-18")]
        ProtocolVersion::V2025_06_18,
        #[cfg(feature = "2025-03-26")]
        ProtocolVersion::V2025_03_26,
        #[cfg(feature = "2024-11-05")]
        ProtocolVersion::V2024_11_05,
    ];

    /// The stateless revisions, newest first (what `server/discover` lists).
    pub const MODERN: &'static [ProtocolVersion] = &[ProtocolVersion::V2026_07_28];

    /// The newest legacy revision (2025-11-25).
    pub fn newest() -> ProtocolVersion {
        ProtocolVersion::V2025_11_25
    }

    /// The wire string (`"2025-06-18"`).
    pub fn as_str(self) -> &'static str {
        at_rev!(self, m => <m::Revision as mcpgen_types::adapt::Revision>::VERSION)
    }

    /// Parses the wire string of a legacy revision; `None` for 2026-07-28 and for revisions this build
    /// does not speak.
    pub fn parse(version: &str) -> Option<ProtocolVersion> {
        Self::ENABLED.iter().copied().find(|v| v.as_str() == version)
    }

    /// Parses the wire string of a stateless revision.
    pub fn parse_modern(version: &str) -> Option<ProtocolVersion> {
        Self::MODERN.iter().copied().find(|v| v.as_str() == version)
    }

    /// Whether this is a stateless revision (2026-07-28).
    pub fn is_modern(self) -> bool {
        self == ProtocolVersion::V2026_07_28
    }

    /// Whether JSON-RPC batches are part of this revision (2025-03-26 only).
    pub fn has_batches(self) -> bool {
        self.as_str() == "2025-03-26"
    }

    /// Whether a JSON array frame is accepted as a batch on a session of `version` (`None`: not yet
    /// initialized), or why not.
    pub(crate) fn accepts_batches(version: Option<ProtocolVersion>) -> Result<(), String> {
        match version {
            Some(version) if version.has_batches() => Ok(()),
            Some(version) => Err(format!("JSON-RPC batches are not part of MCP {version}")),
            None => Err("JSON-RPC batches are not accepted before initialization".to_owned()),
        }
    }

    /// Whether the server can ask for elicitation (2025-06-18 and later; on 2026-07-28 as an input request).
    pub fn has_elicitation(self) -> bool {
        self.is_modern() || mcpgen_types::revisions::has_method(self.as_str(), "elicitation/create")
    }

    /// Whether invalid tool arguments are reported as a tool result with `isError` (2025-11-25 and later)
    /// rather than as a `-32602` JSON-RPC error.
    pub fn tool_input_errors_are_results(self) -> bool {
        self.as_str() >= "2025-11-25"
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Runs `$body` with `$m` naming the generated module of the revision `$rev`; with `modern => $modern`, runs
/// that instead for 2026-07-28 (for legacy-only types).
macro_rules! at_rev {
    ($rev:expr, $m:ident => $body:expr) => {
        $crate::revision::at_rev!($rev, $m => $body; modern => {
            use mcpgen_types::v2026_07_28 as $m;
            $body
        })
    };
    ($rev:expr, $m:ident => $body:expr; modern => $modern:expr) => {
        match $rev {
            #[cfg(feature = "2024-11-05")]
            $crate::revision::ProtocolVersion::V2024_11_05 => {
                use mcpgen_types::v2024_11_05 as $m;
                $body
            }
            #[cfg(feature = "2025-03-26")]
            $crate::revision::ProtocolVersion::V2025_03_26 => {
                use mcpgen_types::v2025_03_26 as $m;
                $body
            }
            #[cfg(feature = "2025-06-18")]
            $crate::revision::ProtocolVersion::V2025_06_18 => {
                use mcpgen_types::v2025_06_18 as $m;
                $body
            }
            $crate::revision::ProtocolVersion::V2025_11_25 => {
                use mcpgen_types::v2025_11_25 as $m;
                $body
            }
            $crate::revision::ProtocolVersion::V2026_07_28 => $modern,
        }
    };
}
pub(crate) use at_rev;

/// A handler-revision type with a same-named counterpart in the legacy revisions, converted on the wire.
pub trait Wire: Sized {
    /// Downgrades to `rev` and encodes as JSON.
    fn to_rev(self, rev: ProtocolVersion) -> Result<Value, AdaptError>;
    /// Decodes JSON as `rev`'s type (a `-32602` error naming the offending field) and upgrades it.
    fn from_rev(value: &Value, rev: ProtocolVersion) -> Result<Self, ErrorObject>;
}

/// A handler-revision result the runtime sends: on a legacy revision downgraded and printed as the reply's
/// text, with no `Value` built for it; on 2026-07-28 a value, which the session still edits.
pub(crate) trait AsReply: Wire {
    /// The reply carrying this result on a session of `rev`.
    fn reply(self, rev: ProtocolVersion) -> Result<crate::engine::Reply, ErrorObject>;
}

macro_rules! wire {
    ($($t:ident),* $(,)?) => {$(
        impl AsReply for hub::$t {
            fn reply(self, rev: ProtocolVersion) -> Result<crate::engine::Reply, ErrorObject> {
                let reply = at_rev!(rev, m => print_down::<_, m::Revision>(self).map(crate::engine::Reply::Text);
                    modern => encode(self).map(crate::engine::Reply::Value));
                reply.map_err(crate::error::internal)
            }
        }
        impl Wire for hub::$t {
            fn to_rev(self, rev: ProtocolVersion) -> Result<Value, AdaptError> {
                at_rev!(rev, m => down::<_, m::Revision>(self); modern => encode(self))
            }
            fn from_rev(value: &Value, rev: ProtocolVersion) -> Result<Self, ErrorObject> {
                at_rev!(rev, m => up::<m::$t>(value); modern => validate(value))
            }
        }
    )*};
}

wire!(
    Implementation,
    ClientCapabilities,
    ServerCapabilities,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ReadResourceRequestParams,
    ReadResourceResult,
    ListPromptsResult,
    GetPromptRequestParams,
    GetPromptResult,
    CompleteRequestParams,
    CompleteResult,
    CreateMessageRequestParams,
    CreateMessageResult,
    ListRootsResult,
    LoggingMessageNotificationParams,
    ProgressNotificationParams,
    ResourceUpdatedNotificationParams,
);

/// Elicitation exists from 2025-06-18; older revisions refuse it.
macro_rules! wire_elicitation {
    ($($t:ident),*) => {$(
        impl Wire for hub::$t {
            fn to_rev(self, rev: ProtocolVersion) -> Result<Value, AdaptError> {
                match rev.as_str() {
                    _ if rev.is_modern() => encode(self),
                    #[cfg(feature = "2025-06-18")]
                    "2025-06-18" => down::<_, mcpgen_types::v2025_06_18::Revision>(self),
                    "2025-11-25" => down::<_, mcpgen_types::v2025_11_25::Revision>(self),
                    other => Err(AdaptError::MethodNotInRevision {
                        method: "elicitation/create".into(),
                        revision: ProtocolVersion::parse(other).map_or("unknown", ProtocolVersion::as_str),
                    }),
                }
            }
            fn from_rev(value: &Value, rev: ProtocolVersion) -> Result<Self, ErrorObject> {
                match rev.as_str() {
                    _ if rev.is_modern() => validate(value),
                    #[cfg(feature = "2025-06-18")]
                    "2025-06-18" => up::<mcpgen_types::v2025_06_18::$t>(value),
                    "2025-11-25" => up::<mcpgen_types::v2025_11_25::$t>(value),
                    other => Err(ErrorObject::new(
                        ErrorObject::METHOD_NOT_FOUND,
                        format!("elicitation does not exist in MCP {other}"),
                    )),
                }
            }
        }
    )*};
}

wire_elicitation!(ElicitRequestParams, ElicitResult);

/// The `-32601` for a method 2026-07-28 removed (`initialize`, `ping`, `logging/setLevel`, subscriptions).
pub(crate) fn removed(method: &str) -> ErrorObject {
    ErrorObject::new(ErrorObject::METHOD_NOT_FOUND, format!("method not found: {method} is not part of MCP 2026-07-28"))
}

/// Decodes `value` as `T` (a revision's type) only to validate it, with the offending field named.
pub(crate) fn validate<T: DeserializeOwned>(value: &Value) -> Result<T, ErrorObject> {
    from_value_with_path::<T>(value)
        .map_err(|e| ErrorObject::new(ErrorObject::INVALID_PARAMS, format!("invalid params: {e}")))
}

/// A handler-revision value as JSON (2026-07-28 needs no conversion).
fn encode<T: Serialize>(value: T) -> Result<Value, AdaptError> {
    serde_json::to_value(value).map_err(|e| AdaptError::Unrepresentable {
        path: String::new(),
        revision: "2026-07-28",
        reason: format!("does not encode as JSON: {e}"),
    })
}

fn down<T, R>(value: T) -> Result<Value, AdaptError>
where
    T: DowngradeTo<R>,
    T::Output: Serialize,
{
    serde_json::to_value(downgrade::<T, R>(value)?).map_err(unrepresentable)
}

/// [`down`], printed as compact JSON text instead of built as a `Value`.
fn print_down<T, R>(value: T) -> Result<String, AdaptError>
where
    T: DowngradeTo<R>,
    T::Output: Serialize,
{
    crate::json::try_print(&downgrade::<T, R>(value)?).map_err(unrepresentable)
}

fn downgrade<T: DowngradeTo<R>, R>(value: T) -> Result<T::Output, AdaptError> {
    let adapted = value.downgrade_to::<R>()?;
    if !adapted.report.dropped.is_empty() {
        tracing::debug!(dropped = ?adapted.report.dropped, "fields the peer's revision cannot carry were left out");
    }
    Ok(adapted.value)
}

fn unrepresentable(reason: impl std::fmt::Display) -> AdaptError {
    AdaptError::Unrepresentable {
        path: String::new(),
        revision: "?",
        reason: format!("does not encode as JSON: {reason}"),
    }
}

fn up<F>(value: &Value) -> Result<<F as UpgradeTo<hub::Revision>>::Output, ErrorObject>
where
    F: DeserializeOwned + UpgradeTo<hub::Revision>,
{
    let from: F = validate(value)?;
    Ok(from.upgrade_to::<hub::Revision>().value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A result printed straight from its type (`AsReply::reply`) is the same JSON as the value the session
    /// used to build (`Wire::to_rev`), with undeclared members, nested ones and members the older revision
    /// drops; only the member order may differ (declared members first, then `extra`).
    #[test]
    fn a_reply_printed_from_its_type_is_the_json_of_its_value() {
        let result: hub::ListToolsResult = serde_json::from_value(json!({
            "tools": [{
                "name": "add",
                "title": "Add",
                "icons": [{"src": "https://example.com/a.png"}],
                "inputSchema": {"type": "object", "additionalProperties": false, "$defs": {"n": {"type": "number"}}},
                "x-extra": [1, 2.5, null],
            }],
            "nextCursor": "c",
            "cacheScope": "public",
            "ttlMs": 5,
            "zz": {"nested": true},
        }))
        .expect("a tools/list result");
        for rev in ProtocolVersion::ENABLED.iter().copied().chain([ProtocolVersion::V2026_07_28]) {
            let value = result.clone().to_rev(rev).expect("downgrades");
            let text = match result.clone().reply(rev).expect("downgrades") {
                crate::engine::Reply::Text(text) => text,
                crate::engine::Reply::Value(reply) => crate::json::print(&reply),
            };
            let reparsed: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(reparsed, value, "{rev}: {text}");
            assert_eq!(text.matches("\"name\"").count(), 1, "{rev}: {text}");
        }
    }
}
