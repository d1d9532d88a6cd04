//! The HTTP bound of the end-to-end benchmark (issue 7): a bare axum handler that reads every
//! `POST /mcp` body and answers it with a fixed JSON-RPC result, on the same axum and tokio as both MCP servers. What is left
//! is HTTP/1.1, the kernel and the client.
//!
//! ```text
//! cargo run --release -p mcpgen-benches --example axum-bound -- [PORT]
//! ```
//!
//! It binds `127.0.0.1:PORT` (default 0, any free port) and prints its endpoint
//! (`http://127.0.0.1:PORT/mcp`) as the first line of stdout.

use axum::http::header;
use axum::routing::post;
use std::io::Write;

/// The fixed answer: a tools/call result of the size the MCP servers send.
const BODY: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"3"}],"isError":false}}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port.parse().map_err(|e| format!("bad port {port:?}: {e}"))?,
        None => 0,
    };
    let router = axum::Router::new()
        .route("/mcp", post(|_body: axum::body::Bytes| async { ([(header::CONTENT_TYPE, "application/json")], BODY) }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "http://{}/mcp", listener.local_addr()?)?;
        stdout.flush()?;
    }
    axum::serve(listener, router).await?;
    Ok(())
}
