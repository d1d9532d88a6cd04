//! `mcpgen`: a Model Context Protocol SDK whose protocol types are generated from the official,
//! versioned MCP JSON schemas.
//!
//! This facade re-exports the generated types ([`types`], one module per enabled revision) and the
//! runtime ([`runtime`]). Enable revisions with the cargo features named after them
//! (`2024-11-05` … `2026-07-28`, `draft`); the default is the newest dated revision.

pub use mcpgen_runtime as runtime;
pub use mcpgen_types as types;
pub use mcpgen_types::rpc;
