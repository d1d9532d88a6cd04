//! `mcpgen-runtime`: the hand-written MCP runtime (JSON-RPC engine, sessions, transports).
//!
//! Only the JSON-RPC wire layer exists so far: it re-exports the shared primitives of
//! `mcpgen_types::rpc`. Sessions and transports land with the runtime-core issue.

pub use mcpgen_types::rpc as jsonrpc;
