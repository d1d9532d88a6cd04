//! The server side of stdio: frames on this process's stdin and stdout.

use super::Framed;
use tokio::io::{Stdin, Stdout};

/// This process's stdin and stdout as a transport (the server side of the stdio transport). Logs belong
/// on stderr: anything else written to stdout corrupts the stream.
pub fn stdio() -> Framed<Stdin, Stdout> {
    Framed::new(tokio::io::stdin(), tokio::io::stdout())
}
