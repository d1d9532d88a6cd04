//! The stdio bound of the end-to-end benchmark (issue 7): a child that answers every line carrying an
//! `"id"` with a fixed JSON-RPC result for that id, and ignores the others (notifications). No JSON parser
//! and no async runtime: what is left is the pipes, the kernel and the client.
//!
//! ```text
//! cargo run --release -p mcpgen-benches --example echo-child
//! ```
//!
//! It flushes only when no more input is buffered, so pipelined requests are answered in batches.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::fd::AsFd;

fn main() -> std::io::Result<()> {
    // The pipe itself under one buffer of ours, whose emptiness says when to flush.
    let mut input =
        BufReader::with_capacity(64 * 1024, std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?));
    let mut output = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        if let Some(id) = request_id(&line) {
            output.write_all(br#"{"jsonrpc":"2.0","id":"#)?;
            output.write_all(id)?;
            output.write_all(br#","result":{"content":[{"type":"text","text":"3"}],"isError":false}}"#)?;
            output.write_all(b"\n")?;
        }
        if input.buffer().is_empty() {
            output.flush()?;
        }
    }
    output.flush()
}

/// The raw value of the first `"id"` key of a line (a number or a string without commas or braces, as
/// the benchmark sends), or `None` for a notification.
fn request_id(line: &[u8]) -> Option<&[u8]> {
    let key = line.windows(5).position(|w| w == br#""id":"#)? + 5;
    let rest = &line[key..];
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let len = rest[start..].iter().position(|&b| b == b',' || b == b'}')?;
    Some(rest[start..start + len].trim_ascii_end())
}
