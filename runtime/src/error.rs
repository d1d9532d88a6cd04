//! The runtime's error type.

use crate::transport::TransportError;
use mcpgen_types::adapt::AdaptError;
use mcpgen_types::rpc::ErrorObject;
use std::time::Duration;

/// What went wrong in a session or a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed; the connection is gone.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The peer broke the protocol (an unparseable result, a handshake out of order).
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The peer answered with a JSON-RPC error.
    #[error("peer returned error {}: {}", .0.code, .0.message)]
    Rpc(ErrorObject),
    /// The request was cancelled (by the caller, or because the connection shut down).
    #[error("request cancelled")]
    Cancelled,
    /// No response arrived in time; `notifications/cancelled` was sent.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// The peer did not declare the capability this call needs, so it was not sent.
    #[error("the peer did not declare the `{0}` capability")]
    MissingCapability(&'static str),
    /// The server offered a protocol version this client does not speak.
    #[error("server offered protocol version {offered:?}; this client speaks {supported:?}")]
    UnsupportedVersion {
        /// What the server answered.
        offered: String,
        /// What this build speaks.
        supported: Vec<&'static str>,
    },
    /// A value could not be expressed in the negotiated revision.
    #[error(transparent)]
    Adapt(#[from] AdaptError),
}

impl From<ErrorObject> for Error {
    fn from(e: ErrorObject) -> Self {
        Error::Rpc(e)
    }
}

/// The JSON-RPC error a handler failure becomes.
pub(crate) fn internal(message: impl std::fmt::Display) -> ErrorObject {
    ErrorObject::new(ErrorObject::INTERNAL_ERROR, message.to_string())
}
