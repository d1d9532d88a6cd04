//! Transports: how JSON-RPC frames travel between peers.
//!
//! A [`Transport`] moves whole frames (one JSON text each: a message, or a batch array) and knows nothing
//! about their contents; the connection task decodes them for the negotiated revision. stdio, child
//! processes and the in-process pair share one newline-delimited codec ([`Framed`]) with a maximum frame
//! size.

use mcpgen_types::rpc::RequestId;
use std::future::Future;

#[cfg(feature = "stdio")]
mod child;
mod framing;
mod memory;
#[cfg(feature = "stdio")]
mod stdio;

#[cfg(feature = "stdio")]
pub use child::{ChildProcess, ChildWriter, ShutdownOptions};
pub use framing::{DEFAULT_MAX_FRAME, Framed, FramedRead, FramedWrite};
pub use memory::{InProcess, in_process};
#[cfg(feature = "stdio")]
pub use stdio::{Stdin, Stdout, stdio};

/// A bidirectional channel of JSON-RPC frames, used as two halves: the connection reads on one task and
/// writes on another, so a peer that is slow to read never stops this side from reading (two peers each
/// waiting for the other to read is the classic pipe deadlock).
pub trait Transport: Send + 'static {
    /// The receiving half.
    type Reader: FrameReader;
    /// The sending half.
    type Writer: FrameWriter;
    /// Splits the transport into its halves.
    fn split(self) -> (Self::Reader, Self::Writer);
}

/// The receiving half of a [`Transport`].
pub trait FrameReader: Send + 'static {
    /// Receives the next frame. `None` means the peer closed the channel. [`TransportError::TooLarge`]
    /// and [`TransportError::InvalidUtf8`] are recoverable: the frame was skipped and the next call reads on.
    fn recv(&mut self) -> impl Future<Output = Option<Result<String, TransportError>>> + Send;
}

/// The sending half of a [`Transport`].
pub trait FrameWriter: Send + 'static {
    /// Sends one frame (a JSON text without newlines).
    fn send(&mut self, frame: String) -> impl Future<Output = Result<(), TransportError>> + Send;

    /// Sends one frame, saying which of the peer's requests it belongs to. Transports with one stream per
    /// request (Streamable HTTP) route on it; the others ignore it (the default).
    fn send_routed(&mut self, frame: String, route: Route) -> impl Future<Output = Result<(), TransportError>> + Send {
        let _ = route;
        self.send(frame)
    }

    /// Queues one frame, which reaches the peer at the next [`FrameWriter::flush`] at the latest. The
    /// engine feeds the frames that are ready together and flushes once, so a transport that buffers (the
    /// newline framing) makes one write for many frames. The default sends at once, like `send_routed`.
    fn feed(&mut self, frame: String, route: Route) -> impl Future<Output = Result<(), TransportError>> + Send {
        self.send_routed(frame, route)
    }

    /// Sends what [`FrameWriter::feed`] queued. The default has nothing to send.
    fn flush(&mut self) -> impl Future<Output = Result<(), TransportError>> + Send {
        async { Ok(()) }
    }

    /// Says that the peer's request `id` ended without a response (it was cancelled), for transports that
    /// wait for one (a Streamable HTTP response stream ends). The default does nothing.
    fn unanswered(&mut self, id: RequestId) -> impl Future<Output = ()> + Send {
        let _ = id;
        async {}
    }

    /// Closes the channel: flushes (what was fed, too), closes the write side and, for a child process, shuts the process
    /// down as the spec prescribes. Called once, after the last `send`.
    fn close(&mut self) -> impl Future<Output = Result<(), TransportError>> + Send {
        async { Ok(()) }
    }
}

/// Which of the peer's requests an outgoing frame belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// Not tied to a request of the peer: change notifications, requests made outside a handler, errors
    /// about frames whose id could not be read, batch responses.
    Session,
    /// Sent by the handler of the peer's request `id`: progress, log messages, requests to the peer.
    Related(RequestId),
    /// The response to the peer's request `id`, with the error code when it is an error response (a
    /// transport may choose a status by it without parsing the frame).
    Response(RequestId, Option<i64>),
}

/// Why a transport could not send or receive.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// An I/O error; the channel is unusable.
    #[error("transport I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A received frame exceeded the maximum size and was skipped (recoverable).
    #[error("frame of more than {limit} bytes skipped")]
    TooLarge {
        /// The configured maximum frame size in bytes.
        limit: usize,
    },
    /// A received frame was not UTF-8 and was skipped (recoverable).
    #[error("frame is not valid UTF-8")]
    InvalidUtf8,
    /// The channel is closed.
    #[error("transport closed")]
    Closed,
}

impl TransportError {
    /// Whether the connection can go on reading after this error.
    pub fn is_recoverable(&self) -> bool {
        matches!(self, TransportError::TooLarge { .. } | TransportError::InvalidUtf8)
    }
}
