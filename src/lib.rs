//! `mcpgen`: a Model Context Protocol SDK whose protocol types are generated from the official,
//! versioned MCP JSON schemas.
//!
//! This facade re-exports the generated types ([`types`], one module per enabled revision) and the
//! runtime ([`runtime`]). Enable revisions with the cargo features named after them
//! (`2024-11-05` … `2026-07-28`, `draft`); the default is the newest dated revision plus the runtime
//! (features `runtime`, `legacy`, `stdio`; the runtime's handlers use the 2026-07-28 types and it speaks
//! every legacy revision). Whatever the selection, `latest` names the newest enabled dated revision (`draft` only when it is the sole one),
//! so code written against `mcpgen::latest` follows the pin in `Cargo.toml`.

#[cfg(feature = "runtime")]
pub use mcpgen_runtime as runtime;
pub use mcpgen_types as types;
pub use mcpgen_types::rpc;

// `mcpgen::latest` and `LATEST_PROTOCOL_VERSION`, written by `build.rs` from `schema/versions.toml` and the
// enabled features.
include!(concat!(env!("OUT_DIR"), "/latest.rs"));

/// HTTP transports (features `http-server`, `http-client`).
#[cfg(any(feature = "http-server", feature = "http-client"))]
pub use mcpgen_runtime::http;
#[cfg(feature = "runtime")]
pub use mcpgen_runtime::{Error, ProtocolVersion, client, hub, server, transport};
