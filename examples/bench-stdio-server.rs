//! The mcpgen stdio server of the end-to-end benchmark (issue 7, `benches/benches/e2e.rs`): the tools
//! `add` (`{a, b}` numbers, answers the sum as text) and `wait` (answers after two seconds, to hold
//! requests in flight). Run it alone with
//!
//! ```text
//! cargo run --release --example bench-stdio-server
//! ```
//!
//! and type `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{...}}` lines, or let the benchmark
//! drive it: `bash benches/run-e2e.sh`.

use mcpgen::server::{Server, Tool, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
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
async fn main() -> Result<(), mcpgen::Error> {
    let add =
        Tool::new("add", "Adds two numbers", |x: Add, _| async move { Ok::<_, ToolError>(format!("{}", x.a + x.b)) });
    let wait = Tool::no_args("wait", "Answers after two seconds", |_| async {
        tokio::time::sleep(WAIT).await;
        Ok::<_, ToolError>("done")
    });
    Server::builder("mcpgen-bench-stdio-server", env!("CARGO_PKG_VERSION"))
        .tool(add)
        .tool(wait)
        .build()
        .serve_stdio()
        .await
}
