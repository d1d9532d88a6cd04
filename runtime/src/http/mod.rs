//! HTTP transports: Streamable HTTP (2025-03-26 … 2025-11-25) and the 2024-11-05 HTTP+SSE transport.
//!
//! - [`HttpServer`] (feature `http-server`): an [`axum::Router`] serving a [`crate::server::Server`] on
//!   one MCP endpoint (POST, GET, DELETE) with sessions, resumable SSE streams and DNS-rebinding
//!   protection, plus the legacy `/sse` + `/messages` endpoints.
//! - [`HttpTransport`] (feature `http-client`): the client side, a [`crate::transport::Transport`] for
//!   [`crate::client::Client`], falling back to HTTP+SSE for servers of that era.

#[cfg(feature = "http-client")]
mod client;
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
