//! `mcpgen-runtime`: the hand-written MCP runtime of mcpgen.
//!
//! - [`engine`]: the JSON-RPC engine (one task per connection, request correlation, cancellation,
//!   progress, timeouts, batches, error classification).
//! - [`transport`]: stdio, child process and in-process transports over one newline-delimited codec.
//! - [`http`] (features `http-server`, `http-client`): Streamable HTTP and the 2024-11-05 HTTP+SSE
//!   transport.
//! - [`server`] and [`client`]: the MCP sessions for the legacy (handshake) revisions 2024-11-05 …
//!   2025-11-25. Handlers and calls use the handler revision's types ([`hub`]); the runtime converts to
//!   the negotiated revision with the generated adapters.
//! - [`json`]: the compact JSON printer the runtime writes frames and bodies with.

mod base64;
pub mod client;
pub mod engine;
mod error;
#[cfg(any(feature = "http-server", feature = "http-client"))]
pub mod http;
pub mod json;
pub mod revision;
pub mod server;
pub mod transport;

pub use engine::{ConnectionOptions, Peer, RequestOptions};
pub use error::Error;
pub use mcpgen_types::rpc as jsonrpc;
pub use revision::{ProtocolVersion, hub};
pub use tokio_util::sync::CancellationToken;
