//! The in-process transport pair, for tests, benchmarks and embedding a server in its client.

use super::Framed;
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

/// One end of an in-process pair: the newline framing over an in-memory pipe, so it exercises the same
/// codec (and size limit) as stdio.
pub type InProcess = Framed<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>;

/// Two connected in-process transports (client end, server end), each buffering up to 64 KiB in flight.
pub fn in_process() -> (InProcess, InProcess) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (ar, aw) = tokio::io::split(a);
    let (br, bw) = tokio::io::split(b);
    (Framed::new(ar, aw), Framed::new(br, bw))
}
