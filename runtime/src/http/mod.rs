//! HTTP transports: Streamable HTTP (2025-03-26 … 2025-11-25) and the 2024-11-05 HTTP+SSE transport.
//!
//! - [`HttpServer`] (feature `http-server`): an [`axum::Router`] serving a [`crate::server::Server`] on
//!   one MCP endpoint (POST, GET, DELETE) with sessions, resumable SSE streams and DNS-rebinding
//!   protection, plus the legacy `/sse` + `/messages` endpoints.
//! - [`HttpTransport`] (feature `http-client`): the client side, a [`crate::transport::Transport`] for
//!   [`crate::client::Client`], falling back to HTTP+SSE for servers of that era.

#[cfg(feature = "http-client")]
mod client;
pub(crate) mod param_headers;
#[cfg(feature = "http-server")]
mod server;
#[cfg(feature = "http-client")]
pub mod sse;

#[cfg(feature = "http-client")]
pub use client::*;
#[cfg(feature = "http-server")]
pub use server::{HttpOptions, HttpServer};

/// The session header (`Mcp-Session-Id`; header names are case-insensitive).
pub const SESSION_ID: &str = "mcp-session-id";
/// The negotiated revision, sent by the client on every request after `initialize`.
pub const PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// 2026-07-28: the request's method, on every POST.
pub const MCP_METHOD: &str = "mcp-method";
/// 2026-07-28: the tool or prompt name, or the resource URI, of `tools/call`, `prompts/get` and
/// `resources/read`.
pub const MCP_NAME: &str = "mcp-name";
/// The SSE resumption header.
pub const LAST_EVENT_ID: &str = "last-event-id";

/// The sentinel form of a 2026-07-28 header value that is not plain visible ASCII: `=?base64?…?=`.
const SENTINEL: (&str, &str) = ("=?base64?", "?=");

/// A header value as 2026-07-28 clients send `Mcp-Name` and `Mcp-Param-*`: as is when it is visible ASCII
/// (tab allowed inside) without leading or trailing whitespace and does not itself look like the sentinel;
/// otherwise the UTF-8 bytes in base64 inside the sentinel.
pub fn encode_header_value(value: &str) -> String {
    let plain = value.bytes().all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
        && value.trim() == value
        && !(value.starts_with(SENTINEL.0) && value.ends_with(SENTINEL.1));
    if plain {
        value.to_owned()
    } else {
        format!("{}{}{}", SENTINEL.0, crate::base64::encode(value.as_bytes()), SENTINEL.1)
    }
}

/// Reads a header value written by [`encode_header_value`]; `None` for a sentinel that is not base64 of
/// UTF-8, or a plain value with bytes outside visible ASCII.
pub fn decode_header_value(raw: &[u8]) -> Option<String> {
    // Anything but visible ASCII (and tab) must come in the sentinel form.
    if !raw.iter().all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b)) {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    let Some(encoded) = text.strip_prefix(SENTINEL.0).and_then(|t| t.strip_suffix(SENTINEL.1)) else {
        return Some(text.to_owned());
    };
    String::from_utf8(crate::base64::decode(encoded)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_use_the_sentinel_only_when_needed() {
        for (value, sent) in [
            ("plain-name", "plain-name"),
            ("with space inside", "with space inside"),
            (" leading", "=?base64?IGxlYWRpbmc=?="),
            ("caf\u{e9}", "=?base64?Y2Fmw6k=?="),
            ("line\nbreak", "=?base64?bGluZQpicmVhaw==?="),
            ("=?base64?abc?=", "=?base64?PT9iYXNlNjQ/YWJjPz0=?="),
        ] {
            assert_eq!(encode_header_value(value), sent, "{value:?}");
            assert_eq!(decode_header_value(sent.as_bytes()).as_deref(), Some(value));
        }
        assert_eq!(decode_header_value(b"=?base64?not base64?="), None);
        assert_eq!(decode_header_value("caf\u{e9}".as_bytes()), None, "raw UTF-8 must be encoded");
    }
}
