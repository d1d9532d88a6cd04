//! The mcpgen server of the end-to-end and memory benchmarks (issue 7, `benches/benches/e2e.rs`), over
//! stdio or Streamable HTTP: the tools `add` (`{a, b}` numbers, answers the sum as text) and `wait`
//! (answers after two seconds, to hold requests in flight).
//!
//! ```text
//! cargo run --release --features http-server --example bench-server                          # stdio
//! cargo run --release --features http-server --example bench-server -- --http [--stateful] [PORT]
//! ```
//!
//! Over stdio it reads one JSON-RPC message per line. With `--http` it binds `127.0.0.1:PORT` (default
//! port 0, any free port), prints its endpoint (`http://127.0.0.1:PORT/mcp`) as the first line of stdout
//! and serves `POST /mcp`: stateless with one JSON body per request (`HttpOptions::stateless` and
//! `json_response`), the mode of the throughput benchmark, or with `--stateful` with sessions
//! (`Mcp-Session-Id`) and SSE answers, the defaults, as the idle-session memory benchmark needs.
//! `bash benches/run-e2e.sh` builds it and drives it.

use mcpgen::http::{HttpOptions, HttpServer};
use mcpgen::server::{Server, Tool, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use std::io::Write;
use std::time::Duration;

/// Arguments of `add`.
#[derive(Deserialize, JsonSchema)]
struct Add {
    /// The first addend.
    a: f64,
    /// The second addend.
    b: f64,
}

/// How long `wait` holds its request.
const WAIT: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut http, mut stateful, mut port) = (false, false, 0u16);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--http" => http = true,
            "--stateful" => stateful = true,
            other => {
                port =
                    other.parse().map_err(|e| format!("expected --http, --stateful or a port, got {other:?}: {e}"))?
            }
        }
    }
    let add =
        Tool::new("add", "Adds two numbers", |x: Add, _| async move { Ok::<_, ToolError>(format!("{}", x.a + x.b)) });
    let wait = Tool::no_args("wait", "Answers after two seconds", |_| async {
        tokio::time::sleep(WAIT).await;
        Ok::<_, ToolError>("done")
    });
    let server = Server::builder("mcpgen-bench-server", env!("CARGO_PKG_VERSION")).tool(add).tool(wait).build();
    if !http {
        server.serve_stdio().await?;
        return Ok(());
    }
    let mut options = HttpOptions::default();
    options.stateless = !stateful;
    options.json_response = !stateful;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "http://{}/mcp", listener.local_addr()?)?;
        stdout.flush()?;
    }
    HttpServer::new(server, options).serve(listener).await?;
    Ok(())
}
